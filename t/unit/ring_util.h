/*
 * ring_util.h - what the ring tests share: a seeded PRNG, self-checking
 * message payloads, a fake wake binding that records signals, and an
 * aligned heap region for single-process tests.
 */
#ifndef KVD_TEST_RING_UTIL_H
#define KVD_TEST_RING_UTIL_H

#include "ipc/shm.h"

/* $SEED when set, else the clock; printed as "NAME: seed=N". */
uint64_t ru_seed(const char *name);
uint64_t ru_splitmix64(uint64_t *state);
/* Uniform in [lo, hi]. */
uint64_t ru_range(uint64_t *state, uint64_t lo, uint64_t hi);

/*
 * Self-checking payloads: ru_fill() writes len bytes for message `seq`
 * whose first 8 bytes (when len >= 8) bind a hash of the rest to seq;
 * ru_check() verifies them.  Shorter payloads are derived from seq alone.
 */
void ru_fill(uint8_t *p, uint64_t len, uint64_t seq, uint64_t *state);
bool ru_check(const uint8_t *p, uint64_t len, uint64_t seq);

/* A wake binding that only counts: signals[w] and pending[w]. */
typedef struct ru_fake_wake {
    kvd_wake_t wk;
    uint64_t signals[8];
    uint64_t pending[8];
} ru_fake_wake_t;
void ru_fake_wake_init(ru_fake_wake_t *f);

/* A region in 64-byte aligned heap memory; free with ru_shm_free. */
kvd_shm_t *ru_shm_new(unsigned nworkers, size_t ring_capacity);
void ru_shm_free(kvd_shm_t *shm);

#endif /* KVD_TEST_RING_UTIL_H */

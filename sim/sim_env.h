/*
 * sim_env.h - the simulator's environment (DESIGN.md section 7).
 *
 * One seeded PRNG (xoshiro256**) feeds everything the run decides:
 * workload, timing, faults and the randomness kvd itself draws, so a seed
 * names a run bit for bit.  The wall clock moves only when the simulator
 * says so; the monotonic clock ticks a little on every read so that kvd's
 * time budgets (active expiry, rehashing) run out as they would for real.
 */
#ifndef KVD_SIM_ENV_H
#define KVD_SIM_ENV_H

#include "core/env.h"

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng_t;

typedef struct sim_env {
    kvd_env_t env;     /* what kvd sees; env.ctx points back here */
    sim_rng_t rng;
    uint64_t now_us;   /* wall clock, Unix microseconds */
    uint64_t mono_us;  /* monotonic clock */
    uint64_t mono_tick_us; /* added on every mono read */
    struct sim_disk *disk; /* NULL: file calls fail with ENOSYS */
    bool buggify;          /* --faults all: the fault points may fire */
} sim_env_t;

void sim_rng_seed(sim_rng_t *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng_t *r);
/* Uniform in [0, n), n > 0. */
uint64_t sim_rng_below(sim_rng_t *r, uint64_t n);
/* Uniform in [0, 1). */
double sim_rng_unit(sim_rng_t *r);
/* True with probability 1/n. */
bool sim_rng_one_in(sim_rng_t *r, uint64_t n);

void sim_env_init(sim_env_t *se, uint64_t seed);
void sim_env_advance_us(sim_env_t *se, uint64_t us);
int64_t sim_env_now_ms(const sim_env_t *se);

#endif /* KVD_SIM_ENV_H */

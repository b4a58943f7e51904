/*
 * harness.h - what the command-family unit tests share: one shard on a
 * hand-driven environment (wall clock that moves only when told,
 * monotonic clock that ticks on every read so time budgets run out, a
 * seeded PRNG), one client on it, and drivers that run a command and
 * return the reply bytes as a C string.
 */
#ifndef KVD_TEST_HARNESS_H
#define KVD_TEST_HARNESS_H

#include <check.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/shard.h"
#include "proto/reply.h"

#define TH_MAX_ARGS 64
#define TH_MAX_ARG_LEN (64 * 1024)

extern kvd_env_t th_env;
extern uint64_t th_now_us;      /* wall clock; starts at a realistic Unix time */
extern uint64_t th_mono_step;   /* microseconds each monotonic read advances */
extern kvd_config_t th_cfg;
extern kvd_shard_t *th_shard;
extern kvd_client_t th_client;
extern kvd_buf_t th_out;

/* Fixture: a fresh shard, client and reply buffer (check's checked fixture). */
void th_setup(void);
void th_teardown(void);
void th_advance_ms(uint64_t ms);
int64_t th_now_ms(void);
/* Run argv (C strings); the reply is valid until the next run. */
const char *th_run_argv(int argc, const char *const *argv);
/* Run binary-safe arguments. */
const char *th_run_bin(int argc, const char *const *argv, const size_t *lens);
/* Run a command given as NULL-terminated C strings. */
const char *th_run(const char *first, ...);

/* A randomized test's seed: $SEED when set, else the clock; printed as
 * "NAME: seed=N" so a failure can be replayed with SEED=N. */
uint64_t th_seed(const char *name);
/* SplitMix64 step: the tests' own PRNG, advanced through *state. */
uint64_t th_splitmix64(uint64_t *state);

#endif /* KVD_TEST_HARNESS_H */

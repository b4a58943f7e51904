/*
 * env.h - the environment interface (DESIGN.md section 7).
 *
 * The shard core (keyspace, commands, AOF logic, ring protocol) never reads
 * the clock, draws randomness or touches the disk directly: it calls these
 * function pointers.  Production binds them to the OS (os/unix/env_unix.c);
 * the simulator binds them to virtual time, a seeded PRNG and simulated
 * disks, so a run is reproducible from its seed.
 *
 * Contracts:
 *  - now_us: wall-clock microseconds since the Unix epoch.  Used for
 *    expiry and TIME.  May jump (the simulator jumps it on purpose).
 *  - mono_us: monotonic microseconds from an arbitrary origin; never goes
 *    backwards.  Used for timeouts and time budgets.
 *  - coarse_us (may be NULL: now_us stands in): the wall clock of now_us
 *    at a resolution of a few milliseconds, for what keeps seconds (the
 *    keys' LRU clock, as Redis's is cached by its cron): production reads
 *    CLOCK_REALTIME_COARSE, which costs a load instead of a clock read.
 *    A binding that replaces now_us must replace or clear it too.
 *  - random_u64: uniformly distributed 64-bit values.
 *  - Disk operations return 0 or a positive count on success and -errno on
 *    failure; they never abort.  A file is named by its path; handles are
 *    small non-negative integers owned by the environment.
 */
#ifndef KVD_ENV_H
#define KVD_ENV_H

#include "kvd.h"

typedef struct kvd_env kvd_env_t;

struct kvd_env {
    uint64_t (*now_us)(kvd_env_t *env);
    uint64_t (*mono_us)(kvd_env_t *env);
    uint64_t (*random_u64)(kvd_env_t *env);
    uint64_t (*coarse_us)(kvd_env_t *env);

    /* Disk: used by persistence.  Flags are KVD_ENV_O_*. */
    int (*file_open)(kvd_env_t *env, const char *path, int flags);
    ssize_t (*file_append)(kvd_env_t *env, int fh, const void *p, size_t n);
    ssize_t (*file_pread)(kvd_env_t *env, int fh, void *p, size_t n, uint64_t off);
    int (*file_sync)(kvd_env_t *env, int fh);
    int (*file_truncate)(kvd_env_t *env, int fh, uint64_t size);
    int (*file_close)(kvd_env_t *env, int fh);
    int (*file_rename)(kvd_env_t *env, const char *from, const char *to);
    int (*dir_sync)(kvd_env_t *env, const char *dir);

    void *ctx; /* the binding's own state */
};

#define KVD_ENV_O_READ 1
#define KVD_ENV_O_WRITE 2
#define KVD_ENV_O_CREATE 4

static inline uint64_t kvd_env_now_ms(kvd_env_t *env)
{
    return env->now_us(env) / 1000;
}

static inline uint64_t kvd_env_coarse_ms(kvd_env_t *env)
{
    return (env->coarse_us != NULL ? env->coarse_us(env) : env->now_us(env)) / 1000;
}

/* Uniform in [0, n), n > 0, without modulo bias. */
uint64_t kvd_env_random_below(kvd_env_t *env, uint64_t n);

/* The production environment (clock_gettime, getrandom-seeded PRNG, POSIX files). */
kvd_env_t *kvd_env_unix(void);

#endif /* KVD_ENV_H */

/*
 * sim_env.c - virtual clocks and the seeded PRNG behind kvd_env_t.
 */
#include "sim_env.h"

#include <errno.h>

/* 2023-11-14: a realistic epoch, so expiry arithmetic sees real magnitudes. */
#define SIM_EPOCH_US UINT64_C(1700000000000000)

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(sim_rng_t *r, uint64_t seed)
{
    /* splitmix64 expands the seed: xoshiro must not start all-zero. */
    uint64_t st = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&st);
}

uint64_t sim_rng_next(sim_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t sim_rng_below(sim_rng_t *r, uint64_t n)
{
    KVD_ASSERT(n > 0);
    /* Rejection keeps it unbiased; the loop ends with probability >= 1/2 per round. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    for (int i = 0; i < 1000; i++) {
        uint64_t v = sim_rng_next(r);
        if (v < limit)
            return v % n;
    }
    KVD_ASSERT(!"sim_rng_below: rejection did not terminate");
    return 0;
}

double sim_rng_unit(sim_rng_t *r)
{
    return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

bool sim_rng_one_in(sim_rng_t *r, uint64_t n)
{
    return sim_rng_below(r, n) == 0;
}

static sim_env_t *self(kvd_env_t *env)
{
    KVD_ASSERT(env != NULL && env->ctx != NULL);
    return env->ctx;
}

static uint64_t sim_now(kvd_env_t *env)
{
    return self(env)->now_us;
}

static uint64_t sim_mono(kvd_env_t *env)
{
    sim_env_t *se = self(env);
    se->mono_us += se->mono_tick_us;
    return se->mono_us;
}

static uint64_t sim_random(kvd_env_t *env)
{
    return sim_rng_next(&self(env)->rng);
}

/* No simulated disk yet: persistence must not reach the real one. */
static int no_open(kvd_env_t *e, const char *p, int f)
{
    KVD_UNUSED(e), KVD_UNUSED(p), KVD_UNUSED(f);
    return -ENOSYS;
}
static ssize_t no_append(kvd_env_t *e, int fh, const void *p, size_t n)
{
    KVD_UNUSED(e), KVD_UNUSED(fh), KVD_UNUSED(p), KVD_UNUSED(n);
    return -ENOSYS;
}
static ssize_t no_pread(kvd_env_t *e, int fh, void *p, size_t n, uint64_t off)
{
    KVD_UNUSED(e), KVD_UNUSED(fh), KVD_UNUSED(p), KVD_UNUSED(n), KVD_UNUSED(off);
    return -ENOSYS;
}
static int no_fh(kvd_env_t *e, int fh)
{
    KVD_UNUSED(e), KVD_UNUSED(fh);
    return -ENOSYS;
}
static int no_truncate(kvd_env_t *e, int fh, uint64_t size)
{
    KVD_UNUSED(e), KVD_UNUSED(fh), KVD_UNUSED(size);
    return -ENOSYS;
}
static int no_rename(kvd_env_t *e, const char *a, const char *b)
{
    KVD_UNUSED(e), KVD_UNUSED(a), KVD_UNUSED(b);
    return -ENOSYS;
}
static int no_dir_sync(kvd_env_t *e, const char *d)
{
    KVD_UNUSED(e), KVD_UNUSED(d);
    return -ENOSYS;
}

void sim_env_init(sim_env_t *se, uint64_t seed)
{
    memset(se, 0, sizeof(*se));
    sim_rng_seed(&se->rng, seed);
    se->now_us = SIM_EPOCH_US;
    se->mono_us = 1;
    se->mono_tick_us = 1;
    se->env = (kvd_env_t){
        .now_us = sim_now, .mono_us = sim_mono, .random_u64 = sim_random,
        .file_open = no_open, .file_append = no_append, .file_pread = no_pread,
        .file_sync = no_fh, .file_truncate = no_truncate, .file_close = no_fh,
        .file_rename = no_rename, .dir_sync = no_dir_sync, .ctx = se,
    };
}

void sim_env_advance_us(sim_env_t *se, uint64_t us)
{
    KVD_ASSERT(se->now_us <= UINT64_MAX - us);
    se->now_us += us;
}

int64_t sim_env_now_ms(const sim_env_t *se)
{
    return (int64_t)(se->now_us / 1000);
}

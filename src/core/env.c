/*
 * env.c - helpers shared by every binding of the environment interface.
 */
#include "env.h"

uint64_t kvd_env_random_below(kvd_env_t *env, uint64_t n)
{
    KVD_ASSERT(n > 0);
    /* Rejection sampling: discard the top sliver that would bias small values. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    for (int i = 0; i < 1000; i++) {
        uint64_t r = env->random_u64(env);
        if (r < limit)
            return r % n;
    }
    return env->random_u64(env) % n; /* statistically unreachable */
}

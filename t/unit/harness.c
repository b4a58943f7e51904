/*
 * harness.c - the shared fixture of the command-family unit tests.
 */
#include "harness.h"

#include <time.h>

kvd_env_t th_env;
uint64_t th_now_us;
uint64_t th_mono_step;
kvd_config_t th_cfg;
kvd_shard_t *th_shard;
kvd_client_t th_client;
kvd_buf_t th_out;

static uint64_t mono_us;
static uint64_t prng_state;
static char storage[TH_MAX_ARGS][TH_MAX_ARG_LEN];
static kvd_arg_t args[TH_MAX_ARGS];

static uint64_t fake_now(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return th_now_us;
}

static uint64_t fake_mono(kvd_env_t *env)
{
    KVD_UNUSED(env);
    mono_us += th_mono_step;
    return mono_us;
}

uint64_t th_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t th_seed(const char *name)
{
    const char *s = getenv("SEED");
    uint64_t seed = (s != NULL && *s != '\0') ? strtoull(s, NULL, 10) : (uint64_t)time(NULL);
    printf("%s: seed=%llu\n", name, (unsigned long long)seed);
    fflush(stdout);
    return seed;
}

/* Deterministic, so a failing test fails the same way again. */
static uint64_t fake_random(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return th_splitmix64(&prng_state);
}

void th_setup(void)
{
    th_env = *kvd_env_unix(); /* real files; clock and randomness are ours */
    th_env.now_us = fake_now;
    th_env.coarse_us = NULL; /* follows fake_now */
    th_env.mono_us = fake_mono;
    th_env.random_u64 = fake_random;
    th_now_us = UINT64_C(1700000000000000);
    mono_us = 1;
    th_mono_step = 1;
    prng_state = 42;
    kvd_commands_init();
    kvd_config_defaults(&th_cfg);
    th_shard = kvd_shard_create(0, 1, &th_env, &th_cfg);
    kvd_client_init(&th_client, th_shard);
    kvd_buf_init(&th_out);
    th_client.reply = &th_out;
}

void th_teardown(void)
{
    kvd_client_release(&th_client);
    kvd_shard_destroy(th_shard);
    kvd_config_free(&th_cfg);
    kvd_buf_free(&th_out);
}

void th_advance_ms(uint64_t ms)
{
    th_now_us += ms * 1000;
}

int64_t th_now_ms(void)
{
    return (int64_t)(th_now_us / 1000);
}

const char *th_run_bin(int argc, const char *const *argv, const size_t *lens)
{
    ck_assert_int_le(argc, TH_MAX_ARGS);
    for (int i = 0; i < argc; i++) {
        ck_assert_uint_lt(lens[i], TH_MAX_ARG_LEN);
        memcpy(storage[i], argv[i], lens[i]);
        storage[i][lens[i]] = '\0';
        args[i].ptr = storage[i];
        args[i].len = lens[i];
    }
    kvd_buf_clear(&th_out);
    th_client.argc = argc;
    th_client.argv = args;
    kvd_dispatch(&th_client);
    return kvd_buf_cstr(&th_out);
}

const char *th_run_argv(int argc, const char *const *argv)
{
    size_t lens[TH_MAX_ARGS];
    ck_assert_int_le(argc, TH_MAX_ARGS);
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return th_run_bin(argc, argv, lens);
}

const char *th_run(const char *first, ...)
{
    const char *argv[TH_MAX_ARGS];
    int argc = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s != NULL && argc < TH_MAX_ARGS; s = va_arg(ap, const char *))
        argv[argc++] = s;
    va_end(ap);
    return th_run_argv(argc, argv);
}

/*
 * env_unix.c - the production binding of the environment interface:
 * clock_gettime for time, a xoshiro256** generator seeded from getrandom
 * for randomness, POSIX calls for the disk.
 */
#include "auto_config.h"
#include "core/env.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct unix_env_state {
    uint64_t s[4]; /* xoshiro256** state */
} unix_env_state_t;

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t unix_random_u64(kvd_env_t *env)
{
    unix_env_state_t *st = env->ctx;
    uint64_t *s = st->s;
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

static uint64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t unix_now_us(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return clock_us(CLOCK_REALTIME);
}

static uint64_t unix_coarse_us(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return clock_us(CLOCK_REALTIME_COARSE);
}

static uint64_t unix_mono_us(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return clock_us(CLOCK_MONOTONIC);
}

static int unix_file_open(kvd_env_t *env, const char *path, int flags)
{
    KVD_UNUSED(env);
    int oflags = O_CLOEXEC;
    if ((flags & KVD_ENV_O_READ) && (flags & KVD_ENV_O_WRITE))
        oflags |= O_RDWR;
    else if (flags & KVD_ENV_O_WRITE)
        oflags |= O_WRONLY;
    else
        oflags |= O_RDONLY;
    if (flags & KVD_ENV_O_WRITE)
        oflags |= O_APPEND;
    if (flags & KVD_ENV_O_CREATE)
        oflags |= O_CREAT;
    int fd = open(path, oflags, 0644);
    return fd < 0 ? -errno : fd;
}

static ssize_t unix_file_append(kvd_env_t *env, int fh, const void *p, size_t n)
{
    KVD_UNUSED(env);
    ssize_t w = write(fh, p, n);
    return w < 0 ? -errno : w;
}

static ssize_t unix_file_pread(kvd_env_t *env, int fh, void *p, size_t n, uint64_t off)
{
    KVD_UNUSED(env);
    ssize_t r = pread(fh, p, n, (off_t)off);
    return r < 0 ? -errno : r;
}

static int unix_file_sync(kvd_env_t *env, int fh)
{
    KVD_UNUSED(env);
    return fdatasync(fh) < 0 ? -errno : 0;
}

static int unix_file_truncate(kvd_env_t *env, int fh, uint64_t size)
{
    KVD_UNUSED(env);
    return ftruncate(fh, (off_t)size) < 0 ? -errno : 0;
}

static int unix_file_close(kvd_env_t *env, int fh)
{
    KVD_UNUSED(env);
    return close(fh) < 0 ? -errno : 0;
}

static int unix_file_rename(kvd_env_t *env, const char *from, const char *to)
{
    KVD_UNUSED(env);
    return rename(from, to) < 0 ? -errno : 0;
}

static int unix_dir_sync(kvd_env_t *env, const char *dir)
{
    KVD_UNUSED(env);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

static void seed_state(unix_env_state_t *st)
{
    if (getrandom(st->s, sizeof(st->s), 0) != (ssize_t)sizeof(st->s)) {
        /* No entropy source: fall back to time and pid, still unpredictable enough
         * for hash seeds and run ids. */
        st->s[0] = clock_us(CLOCK_REALTIME);
        st->s[1] = clock_us(CLOCK_MONOTONIC);
        st->s[2] = (uint64_t)getpid() * 0x9e3779b97f4a7c15u;
        st->s[3] = 0x2545f4914f6cdd1du;
    }
    if ((st->s[0] | st->s[1] | st->s[2] | st->s[3]) == 0)
        st->s[0] = 1; /* xoshiro must not start from all zeroes */
}

kvd_env_t *kvd_env_unix(void)
{
    static unix_env_state_t state;
    static kvd_env_t env = {
        .now_us = unix_now_us,
        .mono_us = unix_mono_us,
        .coarse_us = unix_coarse_us,
        .random_u64 = unix_random_u64,
        .file_open = unix_file_open,
        .file_append = unix_file_append,
        .file_pread = unix_file_pread,
        .file_sync = unix_file_sync,
        .file_truncate = unix_file_truncate,
        .file_close = unix_file_close,
        .file_rename = unix_file_rename,
        .dir_sync = unix_dir_sync,
        .ctx = &state,
    };
    /* Seeded per process: each forked worker calls this after fork. */
    seed_state(&state);
    return &env;
}

/*
 * kvd.h - definitions every kvd source file shares: standard headers,
 * assertions, checked arithmetic.
 *
 * Assertions follow TigerStyle: KVD_ASSERT is always compiled in (a broken
 * invariant in production must stop the worker, which the master respawns,
 * rather than corrupt data).  KVD_DEBUG_ASSERT and verify_invariants()
 * calls are compiled in only with KVD_DEBUG (debug and simulation builds),
 * because they may cost O(n).
 */
#ifndef KVD_KVD_H
#define KVD_KVD_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define KVD_NAME "kvd"
/* The Redis version clients see in HELLO and INFO; kvd's own is PACKAGE_VERSION. */
#define KVD_REDIS_COMPAT_VERSION "7.0.15"

#define kvd_likely(x) __builtin_expect(!!(x), 1)
#define kvd_unlikely(x) __builtin_expect(!!(x), 0)
#define KVD_UNUSED(x) ((void)(x))
#define KVD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KVD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KVD_NORETURN __attribute__((noreturn))

KVD_NORETURN void kvd_assert_fail(const char *expr, const char *file, int line);

#define KVD_ASSERT(cond)                                                       \
    do {                                                                       \
        if (kvd_unlikely(!(cond)))                                             \
            kvd_assert_fail(#cond, __FILE__, __LINE__);                        \
    } while (0)

#ifdef KVD_DEBUG
#define KVD_DEBUG_ASSERT(cond) KVD_ASSERT(cond)
#define KVD_VERIFY(call) (call)
#else
#define KVD_DEBUG_ASSERT(cond) ((void)0)
#define KVD_VERIFY(call) ((void)0)
#endif

/*
 * SQLite-style: conditions believed impossible but defended in release
 * builds.  In debug builds they assert; in release they evaluate to the
 * condition so the caller can take the defensive branch.
 */
/* A worker's exit status meaning "this shard cannot be served" (a corrupt
 * AOF): the master stops the server instead of respawning (sysexits'
 * EX_CONFIG). */
#define KVD_EXIT_FATAL 78

#ifdef KVD_DEBUG
#define KVD_NEVER(x) ((x) ? (kvd_assert_fail("NEVER(" #x ")", __FILE__, __LINE__), 1) : 0)
#define KVD_ALWAYS(x) ((x) ? 1 : (kvd_assert_fail("ALWAYS(" #x ")", __FILE__, __LINE__), 0))
#else
#define KVD_NEVER(x) (x)
#define KVD_ALWAYS(x) (x)
#endif

/* Checked arithmetic: return false on overflow, never wrap silently. */
static inline bool kvd_add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

static inline bool kvd_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static inline bool kvd_add_i64(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* Allocation that cannot fail: out of memory aborts with a log line. */
void *kvd_malloc(size_t n);
void *kvd_calloc(size_t n, size_t size);
void *kvd_realloc(void *p, size_t n);
char *kvd_strdup(const char *s);
char *kvd_memdup(const void *p, size_t n);
void kvd_free(void *p);
/* Bytes currently allocated by this process, as jemalloc counts them. */
size_t kvd_memory_used(void);

#endif /* KVD_KVD_H */

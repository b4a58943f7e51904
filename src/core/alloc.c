/*
 * alloc.c - allocation wrappers that count bytes in use (INFO used_memory)
 * and abort cleanly on exhaustion.  Counting uses malloc_usable_size, which
 * jemalloc answers from its own metadata at no real cost.  Each worker is
 * single-threaded, so the counter needs no atomics.
 */
#include "kvd.h"

#include <malloc.h>
#include <unistd.h>

static size_t used_bytes;

static KVD_NORETURN void out_of_memory(size_t n)
{
    char msg[96];
    int len = snprintf(msg, sizeof(msg), "kvd: out of memory allocating %zu bytes\n", n);
    if (len > 0)
        (void)!write(STDERR_FILENO, msg, (size_t)len);
    abort();
}

void *kvd_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (kvd_unlikely(p == NULL))
        out_of_memory(n);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *kvd_calloc(size_t n, size_t size)
{
    size_t total;
    if (!kvd_mul_size(n, size, &total))
        out_of_memory(SIZE_MAX);
    void *p = calloc(1, total ? total : 1);
    if (kvd_unlikely(p == NULL))
        out_of_memory(total);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *kvd_realloc(void *p, size_t n)
{
    if (p == NULL)
        return kvd_malloc(n);
    size_t old = malloc_usable_size(p);
    void *q = realloc(p, n ? n : 1);
    if (kvd_unlikely(q == NULL))
        out_of_memory(n);
    used_bytes = used_bytes - old + malloc_usable_size(q);
    return q;
}

void kvd_free(void *p)
{
    if (p == NULL)
        return;
    size_t n = malloc_usable_size(p);
    KVD_DEBUG_ASSERT(n <= used_bytes);
    used_bytes -= n;
    free(p);
}

char *kvd_memdup(const void *p, size_t n)
{
    char *q = kvd_malloc(n + 1);
    memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

char *kvd_strdup(const char *s)
{
    return kvd_memdup(s, strlen(s));
}

size_t kvd_memory_used(void)
{
    return used_bytes;
}

void kvd_assert_fail(const char *expr, const char *file, int line)
{
    char msg[512];
    int len = snprintf(msg, sizeof(msg), "kvd: assertion failed: %s (%s:%d)\n", expr, file, line);
    if (len > 0)
        (void)!write(STDERR_FILENO, msg, (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg) - 1);
    abort();
}

/*
 * trace.c - trace hash and the ring of recent steps.
 */
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sim_trace_init(sim_trace_t *t)
{
    memset(t, 0, sizeof(*t));
    t->hash = 0xcbf29ce484222325ull; /* FNV-1a 64 offset basis */
}

void sim_trace_hash(sim_trace_t *t, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = t->hash;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    t->hash = h;
}

void sim_trace_line(sim_trace_t *t, const char *fmt, ...)
{
    char *dst = t->ring[t->count % SIM_TRACE_KEEP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, SIM_TRACE_LINE, fmt, ap);
    va_end(ap);
    t->count++;
}

void sim_trace_step(sim_trace_t *t, bool echo, const char *fmt, va_list ap)
{
    char *dst = t->ring[t->count % SIM_TRACE_KEEP];
    vsnprintf(dst, SIM_TRACE_LINE, fmt, ap);
    t->count++;
    sim_trace_hash(t, dst, strlen(dst));
    if (echo)
        printf("%s\n", dst);
}

bool sim_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return false;
    *out = (uint64_t)v;
    return true;
}

void sim_trace_dump(const sim_trace_t *t, FILE *out)
{
    uint64_t first = t->count > SIM_TRACE_KEEP ? t->count - SIM_TRACE_KEEP : 0;
    for (uint64_t i = first; i < t->count; i++)
        fprintf(out, "  %s\n", t->ring[i % SIM_TRACE_KEEP]);
}

void sim_fail_report(const sim_trace_t *t, uint64_t seed, uint64_t step, int shards,
                     const char *fsync, bool healing, const char *what)
{
    fprintf(stderr, "FAIL seed=%llu step=%llu shards=%d appendfsync=%s%s: %s\nlast steps:\n",
            (unsigned long long)seed, (unsigned long long)step, shards, fsync,
            healing ? " (healing)" : "", what);
    sim_trace_dump(t, stderr);
}

void sim_escape(const char *p, size_t n, char *out, size_t cap)
{
    KVD_ASSERT(cap > 8);
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '\r')
            out[o++] = '\\', out[o++] = 'r';
        else if (ch == '\n')
            out[o++] = '\\', out[o++] = 'n';
        else if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
    }
    if (o + 8 >= cap && o + 3 < cap)
        out[o++] = '.', out[o++] = '.';
    out[o] = '\0';
}

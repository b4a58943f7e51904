/*
 * workload.c - command generation: Zipf keys, tricky values, option mixes.
 */
#include "workload_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

void sim_workload_init(sim_workload_t *w, int nkeys, double skew)
{
    KVD_ASSERT(nkeys > 0 && nkeys <= 100000 && skew > 0);
    w->nkeys = nkeys;
    w->cdf = malloc(sizeof(double) * (size_t)nkeys);
    KVD_ASSERT(w->cdf != NULL);
    double sum = 0;
    for (int i = 0; i < nkeys; i++)
        sum += 1.0 / pow((double)(i + 1), skew);
    double acc = 0;
    for (int i = 0; i < nkeys; i++) {
        acc += 1.0 / pow((double)(i + 1), skew) / sum;
        w->cdf[i] = acc;
    }
    w->cdf[nkeys - 1] = 1.0;
}

void sim_workload_free(sim_workload_t *w)
{
    free(w->cdf);
    w->cdf = NULL;
}

int zipf_rank(const sim_workload_t *w, sim_rng_t *r)
{
    if (w->hot)
        return (int)sim_rng_below(r, w->nkeys < 3 ? (uint64_t)w->nkeys : 3);
    double u = sim_rng_unit(r);
    int lo = 0, hi = w->nkeys - 1;
    while (lo < hi) { /* binary search: log2(nkeys) rounds */
        int mid = lo + (hi - lo) / 2;
        if (w->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void arg_fmt(sim_cmd_t *c, const char *fmt, ...)
{
    KVD_ASSERT(c->argc < SIM_MAX_ARGS);
    char *dst = c->store[c->argc];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, SIM_ARG_CAP, fmt, ap);
    va_end(ap);
    KVD_ASSERT(n >= 0 && n < SIM_ARG_CAP);
    c->argv[c->argc].ptr = dst;
    c->argv[c->argc].len = (size_t)n;
    c->argc++;
}

const char *const sim_ns_prefix[SIM_NS_COUNT] = {"key:", "l:", "h:", "s:", "z:"};

void arg_key_ns(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, int ns)
{
    KVD_ASSERT(ns >= 0 && ns < SIM_NS_COUNT);
    arg_fmt(c, "%s%d", sim_ns_prefix[ns], zipf_rank(w, r));
}

/* A string key, or now and then a collection's: WRONGTYPE, or a
 * collection overwritten by a string.  The linearizability check only
 * follows the string namespace, so collections never go there. */
static void arg_key(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r)
{
    bool other = w->types && sim_rng_one_in(r, 12);
    arg_key_ns(c, w, r, other ? 1 + (int)sim_rng_below(r, SIM_NS_COUNT - 1) : SIM_NS_STRING);
}

/* Binary-safe: the alphabet may hold NUL, CR and LF (sizeof, not strlen). */
void arg_random_bytes(sim_cmd_t *c, sim_rng_t *r, int len, const char *alphabet, size_t na)
{
    KVD_ASSERT(c->argc < SIM_MAX_ARGS);
    KVD_ASSERT(len >= 0 && len < SIM_ARG_CAP && na > 0);
    char *dst = c->store[c->argc];
    for (int i = 0; i < len; i++)
        dst[i] = alphabet[sim_rng_below(r, na)];
    dst[len] = '\0';
    c->argv[c->argc].ptr = dst;
    c->argv[c->argc].len = (size_t)len;
    c->argc++;
}

void arg_value(sim_cmd_t *c, sim_rng_t *r)
{
    static const char *odd_ints[] = {"007", "-0", "+5", " 5", "5 ", "1.5", "", "-", "0x10",
                                     "9223372036854775808", "-9223372036854775809", "00"};
    uint64_t k = sim_rng_below(r, 100);
    if (k < 30)
        arg_fmt(c, "v%llu", (unsigned long long)sim_rng_below(r, 1000));
    else if (k < 55)
        arg_fmt(c, "%lld", (long long)sim_rng_below(r, 2001) - 1000);
    else if (k < 60)
        arg_fmt(c, "%lld", sim_rng_one_in(r, 2) ? (long long)(INT64_MAX - (int64_t)sim_rng_below(r, 5))
                                                : (long long)(INT64_MIN + (int64_t)sim_rng_below(r, 5)));
    else if (k < 65)
        arg_fmt(c, "%s", odd_ints[sim_rng_below(r, sizeof(odd_ints) / sizeof(odd_ints[0]))]);
    else if (k < 85) /* around the 44-byte embstr/raw boundary */
        ARG_RANDOM(c, r, 40 + (int)sim_rng_below(r, 9), "abcxyz0123456789");
    else if (k < 90) /* digits only: long numeric strings are not integers */
        ARG_RANDOM(c, r, 1 + (int)sim_rng_below(r, 22), "0123456789");
    else
        ARG_RANDOM(c, r, (int)sim_rng_below(r, 100), "ab\r\n\0 -:$*");
}

static void gen_set(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r)
{
    arg_fmt(c, "SET");
    arg_key(c, w, r);
    arg_value(c, r);
    uint64_t cond = sim_rng_below(r, 10);
    if (cond == 0)
        arg_fmt(c, "NX");
    else if (cond == 1)
        arg_fmt(c, "XX");
    if (sim_rng_one_in(r, 5))
        arg_fmt(c, "GET");
    uint64_t ttl = sim_rng_below(r, 12);
    if (w->no_ttl && ttl < 7)
        ttl = 8;
    if (ttl < 3)
        arg_fmt(c, "EX"), arg_fmt(c, "%lld", (long long)sim_rng_below(r, 5));
    else if (ttl < 7)
        arg_fmt(c, "PX"), arg_fmt(c, "%lld", (long long)sim_rng_below(r, 300));
    else if (ttl == 7)
        arg_fmt(c, "KEEPTTL");
    if (sim_rng_one_in(r, 100)) /* an illegal mix: syntax error */
        arg_fmt(c, sim_rng_one_in(r, 2) ? "NX" : "KEEPTTL"), arg_fmt(c, "XX");
}

static void gen_multi(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, const char *name,
                      bool values)
{
    arg_fmt(c, "%s", name);
    int n = 1 + (int)sim_rng_below(r, 4);
    for (int i = 0; i < n; i++) {
        arg_key(c, w, r);
        if (values)
            arg_value(c, r);
    }
}

static void gen_keyed(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, const char *name)
{
    arg_fmt(c, "%s", name);
    arg_key(c, w, r);
}

static void gen_incrby(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r)
{
    gen_keyed(c, w, r, "INCRBY");
    uint64_t k = sim_rng_below(r, 20);
    if (k == 0)
        arg_fmt(c, "%lld", (long long)INT64_MAX);
    else if (k == 1)
        arg_fmt(c, "%lld", (long long)INT64_MIN);
    else if (k == 2)
        arg_fmt(c, "abc");
    else
        arg_fmt(c, "%lld", (long long)sim_rng_below(r, 201) - 100);
}

static void gen_expire(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, bool seconds)
{
    gen_keyed(c, w, r, seconds ? "EXPIRE" : "PEXPIRE");
    if (sim_rng_one_in(r, 30))
        arg_fmt(c, "soon");
    else if (seconds)
        arg_fmt(c, "%lld", (long long)sim_rng_below(r, 8) - 2);
    else
        arg_fmt(c, "%lld", (long long)sim_rng_below(r, 400) - 50);
}

static void gen_range(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, bool set)
{
    gen_keyed(c, w, r, set ? "SETRANGE" : "GETRANGE");
    if (set) {
        if (sim_rng_one_in(r, 30))
            arg_fmt(c, "%lld", -1 - (long long)sim_rng_below(r, 3));
        else
            arg_fmt(c, "%llu", (unsigned long long)sim_rng_below(r, 60));
        ARG_RANDOM(c, r, (int)sim_rng_below(r, 8), "xyz");
    } else {
        arg_fmt(c, "%lld", (long long)sim_rng_below(r, 120) - 60);
        arg_fmt(c, "%lld", (long long)sim_rng_below(r, 120) - 60);
    }
}

static void gen_string(sim_workload_t *w, sim_rng_t *r, int db, sim_cmd_t *c)
{
    uint64_t k = sim_rng_below(r, 100);
    if (k < 3)
        arg_fmt(c, "SELECT"), arg_fmt(c, "%d", 1 - db);
    else if (k < 20) gen_set(c, w, r);
    else if (k < 32) gen_keyed(c, w, r, "GET");
    else if (k < 36) gen_multi(c, w, r, "DEL", false);
    else if (k < 40) gen_multi(c, w, r, "EXISTS", false);
    else if (k < 45) gen_keyed(c, w, r, "INCR");
    else if (k < 49) gen_incrby(c, w, r);
    else if (k < 53) gen_keyed(c, w, r, "APPEND"), arg_value(c, r);
    else if (k < 56) gen_keyed(c, w, r, "STRLEN");
    else if (k < 59) gen_keyed(c, w, r, "GETDEL");
    else if (k < 70 && w->no_ttl) gen_keyed(c, w, r, "PERSIST");
    else if (k < 64) gen_expire(c, w, r, true);
    else if (k < 70) gen_expire(c, w, r, false);
    else if (k < 74) gen_keyed(c, w, r, "TTL");
    else if (k < 79) gen_keyed(c, w, r, "PTTL");
    else if (k < 82) gen_keyed(c, w, r, "PERSIST");
    else if (k < 87) gen_range(c, w, r, false);
    else if (k < 91) gen_range(c, w, r, true);
    else if (k < 95) gen_multi(c, w, r, "MSET", true);
    else gen_multi(c, w, r, "MGET", false);
}

/* The mix: with collections on, about 45% string commands, 10% per
 * collection type, 9% key commands on any type, and now and then FLUSHDB. */
void sim_workload_next(sim_workload_t *w, sim_rng_t *r, int db, sim_cmd_t *c)
{
    c->argc = 0;
    uint64_t k = w->types ? sim_rng_below(r, 1000) : 0;
    if (k < 450)
        gen_string(w, r, db, c);
    else if (k < 900)
        gen_collection(c, w, r, 1 + (int)((k - 450) / 113) % (SIM_NS_COUNT - 1));
    else if (k < 997)
        gen_any_key(c, w, r);
    else
        arg_fmt(c, "FLUSHDB");
}

void sim_cmd_format(const sim_cmd_t *c, char *out, size_t cap)
{
    KVD_ASSERT(cap > 8);
    size_t o = 0;
    for (int i = 0; i < c->argc && o + 8 < cap; i++) {
        if (i > 0)
            out[o++] = ' ';
        const kvd_arg_t *a = &c->argv[i];
        for (size_t j = 0; j < a->len && o + 5 < cap; j++) {
            unsigned char ch = (unsigned char)a->ptr[j];
            if (ch >= 0x21 && ch < 0x7f && ch != '\\')
                out[o++] = (char)ch;
            else
                o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
}

/*
 * model.c - reference model state, reply encoding and strict parsing.
 * The commands are in model_cmd.c.
 */
#include "model.h"

#include <stdarg.h>
#include <stdio.h>

void msb_clear(model_sb_t *b)
{
    b->len = 0;
}

void msb_add(model_sb_t *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        KVD_ASSERT(b->p != NULL);
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void msb_fmt(model_sb_t *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    KVD_ASSERT(n >= 0 && (size_t)n < sizeof(tmp));
    msb_add(b, tmp, (size_t)n);
}

void mreply_ok(model_t *m)
{
    msb_add(&m->reply, "+OK\r\n", 5);
}

void mreply_int(model_t *m, int64_t v)
{
    msb_fmt(&m->reply, ":%lld\r\n", (long long)v);
}

void mreply_bulk(model_t *m, const char *p, size_t n)
{
    msb_fmt(&m->reply, "$%zu\r\n", n);
    msb_add(&m->reply, p, n);
    msb_add(&m->reply, "\r\n", 2);
}

void mreply_nil(model_t *m)
{
    msb_add(&m->reply, "$-1\r\n", 5);
}

void mreply_err(model_t *m, const char *text)
{
    msb_fmt(&m->reply, "-%s\r\n", text);
}

void mreply_not_int(model_t *m)
{
    mreply_err(m, "ERR value is not an integer or out of range");
}

void mreply_syntax(model_t *m)
{
    mreply_err(m, "ERR syntax error");
}

bool model_parse_ll(const char *p, size_t n, int64_t *out)
{
    if (n == 0 || n > 20)
        return false;
    if (n == 1 && p[0] == '0') {
        *out = 0;
        return true;
    }
    bool neg = p[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i >= n || p[i] < '1' || p[i] > '9')
        return false; /* also rejects "-0", "+1", " 1", "01" */
    uint64_t v = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool model_arg_is(const kvd_arg_t *a, const char *kw)
{
    size_t n = strlen(kw);
    if (a->len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = a->ptr[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != kw[i])
            return false;
    }
    return true;
}

static model_key_t *slot_of(model_t *m, int db, const kvd_arg_t *a, bool create)
{
    KVD_ASSERT(db >= 0 && db < MODEL_DBS);
    model_db_t *d = &m->dbs[db];
    for (int i = 0; i < d->nkeys; i++) {
        model_key_t *k = &d->keys[i];
        if (k->nlen == a->len && memcmp(k->name, a->ptr, a->len) == 0)
            return k;
    }
    if (!create)
        return NULL;
    KVD_ASSERT(d->nkeys < MODEL_MAX_KEYS);
    model_key_t *k = &d->keys[d->nkeys++];
    k->name = malloc(a->len + 1);
    KVD_ASSERT(k->name != NULL);
    memcpy(k->name, a->ptr, a->len);
    k->nlen = a->len;
    k->val = NULL;
    k->expire_ms = -1;
    return k;
}

void model_delete(model_key_t *k)
{
    free(k->val);
    k->val = NULL;
    k->vlen = 0;
    k->expire_ms = -1;
}

model_key_t *model_find(model_t *m, int db, const kvd_arg_t *a)
{
    model_key_t *k = slot_of(m, db, a, false);
    if (k == NULL || k->val == NULL)
        return NULL;
    /* Redis: expired when now > T, so at now == T the key still lives. */
    if (k->expire_ms >= 0 && m->now_ms > k->expire_ms) {
        model_delete(k);
        return NULL;
    }
    return k;
}

model_key_t *model_store(model_t *m, int db, const kvd_arg_t *a, const char *v, size_t n,
                         bool keepttl)
{
    model_key_t *k = slot_of(m, db, a, true);
    bool live = model_find(m, db, a) != NULL;
    char *copy = malloc(n + 1);
    KVD_ASSERT(copy != NULL);
    if (n > 0)
        memcpy(copy, v, n);
    free(k->val);
    k->val = copy;
    k->vlen = n;
    if (!keepttl || !live)
        k->expire_ms = -1;
    return k;
}

void model_init(model_t *m)
{
    memset(m, 0, sizeof(*m));
}

void model_free(model_t *m)
{
    for (int d = 0; d < MODEL_DBS; d++) {
        for (int i = 0; i < m->dbs[d].nkeys; i++) {
            free(m->dbs[d].keys[i].name);
            free(m->dbs[d].keys[i].val);
        }
    }
    free(m->reply.p);
    memset(m, 0, sizeof(*m));
}

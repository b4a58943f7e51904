/*
 * model.c - reference model state, reply encoding and strict parsing.
 * The commands are in model_cmd.c.
 */
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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

void mreply_wrongtype(model_t *m)
{
    m->st.wrongtype++;
    mreply_err(m, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void mreply_array(model_t *m, int64_t n)
{
    msb_fmt(&m->reply, "*%lld\r\n", (long long)n);
}

int model_fmt_double(char *buf, size_t cap, double d)
{
    int n;
    if (isinf(d))
        n = snprintf(buf, cap, "%s", d > 0 ? "inf" : "-inf");
    else if (d > -4503599627370495.0 && d < 4503599627370496.0 && d == (double)(long long)d)
        n = snprintf(buf, cap, "%lld", (long long)d);
    else
        n = snprintf(buf, cap, "%.17g", d);
    KVD_ASSERT(n > 0 && (size_t)n < cap);
    return n;
}

void mreply_double(model_t *m, double d)
{
    char buf[64];
    int n = model_fmt_double(buf, sizeof(buf), d);
    mreply_bulk(m, buf, (size_t)n);
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

bool model_parse_double(const char *p, size_t n, double *out)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof(buf) || isspace((unsigned char)p[0]))
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    errno = 0;
    double d = strtod(buf, &end);
    if (end != buf + n || isnan(d) || (errno == ERANGE && (isinf(d) || d == 0)))
        return false;
    *out = d;
    return true;
}

int model_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
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

static char *dup_bytes(const char *p, size_t n)
{
    char *c = malloc(n + 1);
    KVD_ASSERT(c != NULL);
    if (n > 0)
        memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

/* ---- values ---- */

void model_val_clear(model_val_t *v)
{
    free(v->s);
    for (int i = 0; i < v->n; i++)
        free(v->el[i].a), free(v->el[i].b);
    free(v->el);
    memset(v, 0, sizeof(*v));
}

void model_val_copy(model_val_t *dst, const model_val_t *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->type = src->type;
    if (src->type == MT_STRING) {
        dst->s = dup_bytes(src->s, src->slen);
        dst->slen = src->slen;
    }
    for (int i = 0; i < src->n; i++) {
        const melem_t *e = &src->el[i];
        mel_insert(dst, i, e->a, e->alen, e->b, e->blen, e->score);
    }
}

int mel_find(const model_val_t *v, const char *p, size_t n)
{
    for (int i = 0; i < v->n; i++)
        if (v->el[i].alen == n && memcmp(v->el[i].a, p, n) == 0)
            return i;
    return -1;
}

int mel_sorted_pos(const model_val_t *v, const char *p, size_t n)
{
    int i = 0;
    while (i < v->n && model_bytes_cmp(v->el[i].a, v->el[i].alen, p, n) < 0)
        i++;
    return i;
}

melem_t *mel_insert(model_val_t *v, int i, const char *a, size_t alen, const char *b, size_t blen,
                    double score)
{
    KVD_ASSERT(i >= 0 && i <= v->n);
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->el = realloc(v->el, (size_t)v->cap * sizeof(*v->el));
        KVD_ASSERT(v->el != NULL);
    }
    memmove(&v->el[i + 1], &v->el[i], (size_t)(v->n - i) * sizeof(*v->el));
    v->n++;
    melem_t *e = &v->el[i];
    *e = (melem_t){.a = dup_bytes(a, alen), .alen = alen, .score = score};
    if (b != NULL)
        e->b = dup_bytes(b, blen), e->blen = blen;
    return e;
}

void mel_remove(model_val_t *v, int i)
{
    KVD_ASSERT(i >= 0 && i < v->n);
    free(v->el[i].a), free(v->el[i].b);
    memmove(&v->el[i], &v->el[i + 1], (size_t)(v->n - i - 1) * sizeof(*v->el));
    v->n--;
}

void mel_set_b(melem_t *e, const char *b, size_t blen)
{
    free(e->b);
    e->b = dup_bytes(b, blen);
    e->blen = blen;
}

/* ---- key slots ---- */

model_key_t *model_slot(model_t *m, int db, const char *name, size_t nlen)
{
    KVD_ASSERT(db >= 0 && db < MODEL_DBS);
    model_db_t *d = &m->dbs[db];
    for (int i = 0; i < d->nkeys; i++) {
        model_key_t *k = &d->keys[i];
        if (k->nlen == nlen && memcmp(k->name, name, nlen) == 0)
            return k;
    }
    return NULL;
}

static model_key_t *slot_of(model_t *m, int db, const kvd_arg_t *a)
{
    model_key_t *k = model_slot(m, db, a->ptr, a->len);
    if (k != NULL)
        return k;
    model_db_t *d = &m->dbs[db];
    KVD_ASSERT(d->nkeys < MODEL_MAX_KEYS);
    k = &d->keys[d->nkeys++];
    memset(k, 0, sizeof(*k));
    k->name = dup_bytes(a->ptr, a->len);
    k->nlen = a->len;
    k->expire_ms = -1;
    return k;
}

void model_delete(model_key_t *k)
{
    model_val_clear(&k->v);
    k->expire_ms = -1;
}

void model_drop_if_empty(model_key_t *k)
{
    if (k->v.type != MT_STRING && k->v.type != MT_NONE && k->v.n == 0)
        model_delete(k);
}

void model_remove_members(model_t *m, int db, const kvd_arg_t *argv, int argc, model_type_t t)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], t, &wrong);
    if (wrong)
        return;
    int64_t n = 0;
    for (int i = 2; i < argc && k != NULL; i++) {
        int at = mel_find(&k->v, argv[i].ptr, argv[i].len);
        if (at >= 0)
            mel_remove(&k->v, at), n++;
    }
    if (n > 0)
        model_touch(m, db, &argv[1]), model_drop_if_empty(k);
    mreply_int(m, n);
}

model_key_t *model_find(model_t *m, int db, const kvd_arg_t *a)
{
    model_key_t *k = model_slot(m, db, a->ptr, a->len);
    if (k == NULL || k->v.type == MT_NONE)
        return NULL;
    /* Redis: expired when now > T, so at now == T the key still lives. */
    if (k->expire_ms >= 0 && m->now_ms > k->expire_ms) {
        model_delete(k);
        k->ghost = true;
        return NULL;
    }
    return k;
}

model_key_t *model_find_typed(model_t *m, int db, const kvd_arg_t *a, model_type_t t,
                              bool *wrong)
{
    model_key_t *k = model_find(m, db, a);
    *wrong = k != NULL && k->v.type != t;
    if (*wrong)
        mreply_wrongtype(m);
    return *wrong ? NULL : k;
}

model_key_t *model_create(model_t *m, int db, const kvd_arg_t *a, model_type_t t)
{
    KVD_ASSERT(t != MT_NONE && t != MT_STRING);
    model_key_t *k = slot_of(m, db, a);
    KVD_ASSERT(model_find(m, db, a) == NULL);
    model_delete(k);
    k->v.type = t;
    k->ghost = false;
    return k;
}

model_key_t *model_store(model_t *m, int db, const kvd_arg_t *a, const char *v, size_t n,
                         bool keepttl)
{
    model_key_t *k = slot_of(m, db, a);
    bool live = model_find(m, db, a) != NULL;
    int64_t expire = k->expire_ms;
    model_val_clear(&k->v);
    k->v.type = MT_STRING;
    k->v.s = dup_bytes(v, n);
    k->v.slen = n;
    k->expire_ms = keepttl && live ? expire : -1;
    k->ghost = false;
    return k;
}

/* ---- WATCH bookkeeping ---- */

void model_touch_name(model_t *m, int db, const char *name, size_t nlen)
{
    for (int c = 0; c < MODEL_MAX_CLIENTS; c++) {
        model_client_t *mc = &m->clients[c];
        for (int i = 0; i < mc->nwatch; i++)
            if (mc->watch[i].db == db && mc->watch[i].nlen == nlen &&
                memcmp(mc->watch[i].name, name, nlen) == 0)
                mc->dirty = true;
    }
}

void model_touch(model_t *m, int db, const kvd_arg_t *a)
{
    model_touch_name(m, db, a->ptr, a->len);
}

void model_client_reset(model_t *m, int client)
{
    KVD_ASSERT(client >= 0 && client < MODEL_MAX_CLIENTS);
    memset(&m->clients[client], 0, sizeof(m->clients[client]));
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
            model_val_clear(&m->dbs[d].keys[i].v);
        }
    }
    free(m->reply.p);
    memset(m, 0, sizeof(*m));
}

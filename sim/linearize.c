/*
 * linearize.c - Wing-Gong-Lowe linearizability search over one key's
 * history (see linearize.h for the model).
 *
 * Layout of a check: every byte string the history mentions is interned
 * to a small integer, so a register state is one word (value id << 1 |
 * TTL bit) and comparing results is comparing ids.  Calls and returns are
 * entries of one doubly linked list in time order; linearizing an
 * operation unlinks its call and its return, and backtracking relinks
 * them (in reverse order, so the links are restored exactly).
 */
#include "linearize.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kvd.h"

struct lin_history {
    lin_op_t *ops;
    int n, cap;
};

/* ---------------------------------------------------------------- history */

static char *dup_bytes(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    KVD_ASSERT(d != NULL);
    if (n > 0)
        memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

lin_history_t *lin_history_new(void)
{
    lin_history_t *h = calloc(1, sizeof(*h));
    KVD_ASSERT(h != NULL);
    return h;
}

void lin_history_clear(lin_history_t *h)
{
    for (int i = 0; i < h->n; i++) {
        free((char *)h->ops[i].arg);
        free((char *)h->ops[i].rbulk);
    }
    h->n = 0;
}

void lin_history_free(lin_history_t *h)
{
    if (h == NULL)
        return;
    lin_history_clear(h);
    free(h->ops);
    free(h);
}

int lin_add(lin_history_t *h, const lin_op_t *op)
{
    KVD_ASSERT(op->kind >= 0 && op->kind < LIN_NKINDS && op->call <= op->ret);
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->ops = realloc(h->ops, sizeof(*h->ops) * (size_t)h->cap);
        KVD_ASSERT(h->ops != NULL);
    }
    lin_op_t *d = &h->ops[h->n];
    *d = *op;
    d->arg = dup_bytes(op->arg ? op->arg : "", op->arg ? op->arglen : 0);
    d->arglen = op->arg ? op->arglen : 0;
    d->rbulk = dup_bytes(op->rbulk ? op->rbulk : "", op->rbulk ? op->rlen : 0);
    d->rlen = op->rbulk ? op->rlen : 0;
    return h->n++;
}

int lin_count(const lin_history_t *h)
{
    return h->n;
}

const lin_op_t *lin_get(const lin_history_t *h, int i)
{
    KVD_ASSERT(i >= 0 && i < h->n);
    return &h->ops[i];
}

/* ----------------------------------------------------------- value table */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return mix(h, n);
}

/* Id 0 is "no value" (the key is absent); strings get 1, 2, ... */
typedef struct vtab {
    char **p;
    size_t *len;
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: id, 0 = empty */
    uint32_t nslots;
} vtab_t;

static void vt_rehash(vtab_t *t)
{
    free(t->slots);
    t->nslots = t->nslots ? t->nslots * 2 : 64;
    t->slots = calloc(t->nslots, sizeof(*t->slots));
    KVD_ASSERT(t->slots != NULL);
    for (uint32_t id = 1; id < t->n; id++) {
        uint32_t s = (uint32_t)hash_bytes(t->p[id], t->len[id]) & (t->nslots - 1);
        while (t->slots[s] != 0)
            s = (s + 1) & (t->nslots - 1);
        t->slots[s] = id;
    }
}

static uint32_t vt_intern(vtab_t *t, const char *p, size_t n)
{
    if (t->n == 0)
        t->n = 1; /* reserve id 0 */
    if ((t->n + 1) * 2 > t->nslots)
        vt_rehash(t);
    uint32_t s = (uint32_t)hash_bytes(p, n) & (t->nslots - 1);
    for (; t->slots[s] != 0; s = (s + 1) & (t->nslots - 1)) {
        uint32_t id = t->slots[s];
        if (t->len[id] == n && memcmp(t->p[id], p, n) == 0)
            return id;
    }
    if (t->n >= t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->p = realloc(t->p, sizeof(*t->p) * t->cap);
        t->len = realloc(t->len, sizeof(*t->len) * t->cap);
        KVD_ASSERT(t->p != NULL && t->len != NULL);
    }
    uint32_t id = t->n++;
    t->p[id] = dup_bytes(p, n);
    t->len[id] = n;
    t->slots[s] = id;
    return id;
}

static void vt_free(vtab_t *t)
{
    for (uint32_t id = 1; id < t->n; id++)
        free(t->p[id]);
    free(t->p), free(t->len), free(t->slots);
}

/* ------------------------------------------------------------ memo cache */

/* Records of nw bitset words plus the state word, in one growing array. */
typedef struct cache {
    uint64_t *recs;
    size_t n, cap;
    uint32_t *slots; /* record index + 1, 0 = empty */
    size_t nslots;
    int nw;
} cache_t;

static uint64_t cache_hash(const uint64_t *w, int nw, uint64_t st)
{
    uint64_t h = mix(0, st);
    for (int i = 0; i < nw; i++)
        h = mix(h, w[i]);
    return h;
}

static void cache_grow(cache_t *c)
{
    free(c->slots);
    c->nslots = c->nslots ? c->nslots * 2 : 1024;
    c->slots = calloc(c->nslots, sizeof(*c->slots));
    KVD_ASSERT(c->slots != NULL);
    size_t rw = (size_t)c->nw + 1;
    for (size_t r = 0; r < c->n; r++) {
        const uint64_t *rec = c->recs + r * rw;
        size_t s = cache_hash(rec, c->nw, rec[c->nw]) & (c->nslots - 1);
        while (c->slots[s] != 0)
            s = (s + 1) & (c->nslots - 1);
        c->slots[s] = (uint32_t)(r + 1);
    }
}

/* Remember (bits, st); false when it was already there. */
static bool cache_insert(cache_t *c, const uint64_t *bits, uint64_t st)
{
    size_t rw = (size_t)c->nw + 1;
    if ((c->n + 1) * 2 > c->nslots)
        cache_grow(c);
    size_t s = cache_hash(bits, c->nw, st) & (c->nslots - 1);
    for (; c->slots[s] != 0; s = (s + 1) & (c->nslots - 1)) {
        const uint64_t *rec = c->recs + (c->slots[s] - 1) * rw;
        if (rec[c->nw] == st && memcmp(rec, bits, sizeof(uint64_t) * (size_t)c->nw) == 0)
            return false;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->recs = realloc(c->recs, sizeof(uint64_t) * rw * c->cap);
        KVD_ASSERT(c->recs != NULL);
    }
    uint64_t *rec = c->recs + c->n * rw;
    memcpy(rec, bits, sizeof(uint64_t) * (size_t)c->nw);
    rec[c->nw] = st;
    c->slots[s] = (uint32_t)(++c->n);
    return true;
}

/* ------------------------------------------------------- the register */

typedef struct ent {
    int op; /* -1: the list head */
    bool call;
    uint64_t t;
    struct ent *prev, *next, *match;
} ent_t;

typedef struct frame {
    ent_t *e;
    uint64_t st; /* state before the op */
    int alt;     /* which way it was applied (see apply) */
} frame_t;

typedef struct ctx {
    lin_history_t *h;
    vtab_t vt;
    uint32_t *arg_id, *res_id;
    ent_t *ents;
    ent_t head;
    uint64_t *bits;
    cache_t cache;
    frame_t *stack;
    int sp;
    char *buf; /* scratch for APPEND/SETRANGE results */
    size_t bufcap;
} ctx_t;

#define ST(id, ttl) (((uint64_t)(id) << 1) | ((id) != 0 && (ttl) ? 1u : 0u))

/* Redis's string2ll: optional '-', no '+', no leading zeros, no spaces. */
static bool parse_i64(const char *p, size_t n, int64_t *out)
{
    if (n == 0 || n > 20)
        return false;
    if (n == 1 && p[0] == '0')
        return *out = 0, true;
    bool neg = p[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i >= n || p[i] < '1' || p[i] > '9')
        return false;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
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

static char *scratch(ctx_t *c, size_t n)
{
    if (n + 1 > c->bufcap) {
        c->bufcap = n + 64;
        c->buf = realloc(c->buf, c->bufcap);
        KVD_ASSERT(c->buf != NULL);
    }
    return c->buf;
}

static bool res_int(const lin_op_t *op, int64_t v)
{
    return op->rkind == LIN_R_INT && op->rint == v;
}

/* The result of a read of value id: nil when absent, else the same bytes. */
static bool res_value(const ctx_t *c, int i, uint32_t id)
{
    const lin_op_t *op = &c->h->ops[i];
    if (id == 0)
        return op->rkind == LIN_R_NIL;
    return op->rkind == LIN_R_BULK && c->res_id[i] == id;
}

static bool getrange_matches(const lin_op_t *op, const char *v, size_t n)
{
    int64_t len = (int64_t)n, s = op->a, e = op->b;
    if (s < 0 && e < 0 && s > e) /* Redis decides this before clamping */
        return op->rkind == LIN_R_BULK && op->rlen == 0;
    if (s < 0)
        s += len;
    if (e < 0)
        e += len;
    if (s < 0)
        s = 0;
    if (e < 0)
        e = 0;
    if (e >= len)
        e = len - 1;
    if (s > e || len == 0)
        return op->rkind == LIN_R_BULK && op->rlen == 0;
    size_t k = (size_t)(e - s + 1);
    return op->rkind == LIN_R_BULK && op->rlen == k && memcmp(op->rbulk, v + s, k) == 0;
}

/* Operations that leave the register as it is: does the result fit? */
static bool read_fits(const ctx_t *c, int i, uint32_t id, bool ttl)
{
    const lin_op_t *op = &c->h->ops[i];
    size_t len = id ? c->vt.len[id] : 0;
    switch (op->kind) {
    case LIN_GET:
        return res_value(c, i, id);
    case LIN_STRLEN:
        return res_int(op, (int64_t)len);
    case LIN_EXISTS:
        return res_int(op, id != 0);
    case LIN_TTL:
        if (id == 0)
            return res_int(op, -2);
        return ttl ? op->rkind == LIN_R_INT && op->rint >= 0 : res_int(op, -1);
    case LIN_GETRANGE:
        return getrange_matches(op, id ? c->vt.p[id] : "", len);
    default:
        KVD_ASSERT(!"read_fits: not a read");
        return false;
    }
}

static bool apply_set(ctx_t *c, int i, bool check, uint32_t id, bool ttl, uint64_t *out)
{
    const lin_op_t *op = &c->h->ops[i];
    bool exists = id != 0;
    bool did = !((op->flags & LIN_NX) && exists) && !((op->flags & LIN_XX) && !exists);
    if (check) {
        if (op->flags & LIN_GETF) {
            if (!res_value(c, i, id))
                return false;
        } else if (op->rkind != (did ? LIN_R_OK : LIN_R_NIL))
            return false;
    }
    if (!did)
        return *out = ST(id, ttl), true;
    bool nttl = (op->flags & LIN_EXPIRES) || ((op->flags & LIN_KEEPTTL) && ttl);
    *out = ST(c->arg_id[i], nttl);
    return true;
}

static bool apply_incr(ctx_t *c, int i, bool check, uint32_t id, bool ttl, uint64_t *out)
{
    const lin_op_t *op = &c->h->ops[i];
    int64_t cur = 0;
    bool numeric = id == 0 || parse_i64(c->vt.p[id], c->vt.len[id], &cur);
    bool overflow = numeric && ((op->a > 0 && cur > INT64_MAX - op->a) ||
                                (op->a < 0 && cur < INT64_MIN - op->a));
    if (!numeric || overflow) {
        *out = ST(id, ttl);
        return !check || op->rkind == LIN_R_ERR;
    }
    int64_t v = cur + op->a;
    if (check && !res_int(op, v))
        return false;
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    *out = ST(vt_intern(&c->vt, tmp, (size_t)n), ttl);
    return true;
}

/* APPEND and SETRANGE: build the new bytes in the scratch buffer. */
static bool apply_splice(ctx_t *c, int i, bool check, uint32_t id, bool ttl, uint64_t *out)
{
    const lin_op_t *op = &c->h->ops[i];
    size_t old = id ? c->vt.len[id] : 0;
    size_t off = op->kind == LIN_APPEND ? old : (size_t)op->a;
    if (op->kind == LIN_SETRANGE && op->arglen == 0) { /* no change, not even a create */
        *out = ST(id, ttl);
        return !check || res_int(op, (int64_t)old);
    }
    size_t n = off + op->arglen > old ? off + op->arglen : old;
    if (check && !res_int(op, (int64_t)n))
        return false;
    char *b = scratch(c, n);
    if (old > 0)
        memcpy(b, c->vt.p[id], old);
    if (off > old)
        memset(b + old, 0, off - old);
    memcpy(b + off, op->arg, op->arglen);
    *out = ST(vt_intern(&c->vt, b, n), ttl);
    return true;
}

/*
 * Apply op i to state st.  alt 0 applies it as is; alt 1 first lets a set
 * TTL run out (the key vanishes), the only other thing that can happen to
 * a key between two operations on it.  False when the recorded result
 * does not fit (results of indefinite ops and LIN_R_ANY always fit).
 */
static bool apply(ctx_t *c, int i, uint64_t st, int alt, uint64_t *out)
{
    const lin_op_t *op = &c->h->ops[i];
    uint32_t id = (uint32_t)(st >> 1);
    bool ttl = st & 1;
    if (alt == 1) {
        if (!ttl)
            return false;
        id = 0, ttl = false;
    }
    bool check = op->ret != LIN_INDEFINITE && op->rkind != LIN_R_ANY;
    switch (op->kind) {
    case LIN_SET:
        return apply_set(c, i, check, id, ttl, out);
    case LIN_INCR:
        return apply_incr(c, i, check, id, ttl, out);
    case LIN_APPEND:
    case LIN_SETRANGE:
        return apply_splice(c, i, check, id, ttl, out);
    case LIN_DEL:
    case LIN_GETDEL:
        *out = 0;
        if (!check)
            return true;
        return op->kind == LIN_DEL ? res_int(op, id != 0) : res_value(c, i, id);
    case LIN_EXPIRE:
        *out = ST(id, true);
        return !check || res_int(op, id != 0);
    case LIN_PERSIST:
        *out = ST(id, false);
        return !check || res_int(op, id != 0 && ttl);
    default:
        *out = ST(id, ttl);
        return !check || read_fits(c, i, id, ttl);
    }
}

/* ----------------------------------------------------------- the search */

static int ent_cmp(const void *pa, const void *pb)
{
    const ent_t *a = *(ent_t *const *)pa, *b = *(ent_t *const *)pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->call != b->call) /* at the same instant, calls first: treated as overlapping */
        return a->call ? -1 : 1;
    return a->op - b->op;
}

static void build_list(ctx_t *c)
{
    int n = c->h->n;
    c->ents = calloc((size_t)n * 2, sizeof(*c->ents));
    ent_t **order = malloc(sizeof(*order) * (size_t)n * 2);
    KVD_ASSERT(c->ents != NULL && order != NULL);
    for (int i = 0; i < n; i++) {
        ent_t *call = &c->ents[2 * i], *ret = &c->ents[2 * i + 1];
        *call = (ent_t){.op = i, .call = true, .t = c->h->ops[i].call, .match = ret};
        *ret = (ent_t){.op = i, .call = false, .t = c->h->ops[i].ret, .match = call};
        order[2 * i] = call, order[2 * i + 1] = ret;
    }
    qsort(order, (size_t)n * 2, sizeof(*order), ent_cmp);
    ent_t *prev = &c->head;
    c->head = (ent_t){.op = -1};
    for (int k = 0; k < 2 * n; k++) {
        prev->next = order[k];
        order[k]->prev = prev;
        prev = order[k];
    }
    prev->next = NULL;
    free(order);
}

static void unlink_ent(ent_t *e)
{
    e->prev->next = e->next;
    if (e->next)
        e->next->prev = e->prev;
}

static void relink_ent(ent_t *e)
{
    e->prev->next = e;
    if (e->next)
        e->next->prev = e;
}

static void ctx_init(ctx_t *c, lin_history_t *h)
{
    memset(c, 0, sizeof(*c));
    c->h = h;
    int n = h->n;
    c->arg_id = calloc((size_t)n + 1, sizeof(*c->arg_id));
    c->res_id = calloc((size_t)n + 1, sizeof(*c->res_id));
    c->cache.nw = (n + 63) / 64;
    c->bits = calloc((size_t)c->cache.nw + 1, sizeof(*c->bits));
    c->stack = malloc(sizeof(*c->stack) * ((size_t)n + 1));
    KVD_ASSERT(c->arg_id && c->res_id && c->bits && c->stack);
    for (int i = 0; i < n; i++) {
        c->arg_id[i] = vt_intern(&c->vt, h->ops[i].arg, h->ops[i].arglen);
        c->res_id[i] = vt_intern(&c->vt, h->ops[i].rbulk, h->ops[i].rlen);
    }
    build_list(c);
}

static void ctx_free(ctx_t *c)
{
    vt_free(&c->vt);
    free(c->arg_id), free(c->res_id), free(c->bits), free(c->stack), free(c->ents);
    free(c->cache.recs), free(c->cache.slots), free(c->buf);
}

/* Try to linearize the call e next, the ways alt_from.. ; true if it went. */
static bool try_push(ctx_t *c, ent_t *e, uint64_t *st, int alt_from)
{
    uint64_t bit = 1ull << (e->op % 64), *w = &c->bits[e->op / 64];
    for (int alt = alt_from; alt <= 1; alt++) {
        uint64_t ns;
        if (!apply(c, e->op, *st, alt, &ns))
            continue;
        *w |= bit;
        if (cache_insert(&c->cache, c->bits, ns)) {
            c->stack[c->sp++] = (frame_t){.e = e, .st = *st, .alt = alt};
            *st = ns;
            unlink_ent(e);
            unlink_ent(e->match);
            return true;
        }
        *w &= ~bit;
    }
    return false;
}

/* Undo the last linearized op; returns its frame. */
static frame_t pop(ctx_t *c, uint64_t *st)
{
    frame_t f = c->stack[--c->sp];
    relink_ent(f.e->match);
    relink_ent(f.e);
    c->bits[f.e->op / 64] &= ~(1ull << (f.e->op % 64));
    *st = f.st;
    return f;
}

static lin_verdict_t search(ctx_t *c, uint64_t max_work, lin_report_t *rep)
{
    uint64_t st = 0; /* the key starts absent */
    ent_t *e = c->head.next;
    for (;;) {
        /* Only indefinite returns left ahead: every definite op is placed. */
        if (e == NULL || (!e->call && c->h->ops[e->op].ret == LIN_INDEFINITE))
            return LIN_OK;
        if (++rep->work > max_work)
            return LIN_UNKNOWN;
        if (e->call) {
            if (try_push(c, e, &st, 0)) {
                if (c->sp > rep->best)
                    rep->best = c->sp;
                e = c->head.next;
            } else
                e = e->next;
            continue;
        }
        /* A return whose op is not placed yet: what went before was wrong. */
        if (c->sp >= rep->best)
            rep->stuck_op = e->op;
        if (c->sp == 0)
            return LIN_FAIL;
        frame_t f = pop(c, &st);
        e = try_push(c, f.e, &st, f.alt + 1) ? c->head.next : f.e->next;
    }
}

lin_verdict_t lin_check(lin_history_t *h, uint64_t max_work, lin_report_t *rep)
{
    lin_report_t dummy;
    if (rep == NULL)
        rep = &dummy;
    *rep = (lin_report_t){.stuck_op = -1};
    ctx_t c;
    ctx_init(&c, h);
    rep->verdict = search(&c, max_work, rep);
    rep->cached = c.cache.n;
    ctx_free(&c);
    return rep->verdict;
}

/* -------------------------------------------------------------- reports */

const char *lin_verdict_name(lin_verdict_t v)
{
    return v == LIN_OK ? "linearizable" : v == LIN_FAIL ? "NOT linearizable" : "unknown";
}

static void esc(const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x21 && ch < 0x7f && ch != '\\')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
    }
    if (n > 0 && o + 8 >= cap && o + 4 < cap)
        o += (size_t)snprintf(out + o, cap - o, "...");
    out[o] = '\0';
}

void lin_format_op(const lin_op_t *op, char *out, size_t cap)
{
    static const char *const names[LIN_NKINDS] = {
        "GET", "SET", "DEL", "INCRBY", "APPEND", "STRLEN", "GETDEL",
        "EXISTS", "EXPIRE", "TTL", "PERSIST", "GETRANGE", "SETRANGE"};
    char a[64], r[64], ret[24];
    esc(op->arg, op->arglen, a, sizeof(a));
    esc(op->rbulk, op->rlen, r, sizeof(r));
    if (op->ret == LIN_INDEFINITE)
        snprintf(ret, sizeof(ret), "?");
    else
        snprintf(ret, sizeof(ret), "%llu", (unsigned long long)op->ret);
    char res[96];
    switch (op->ret == LIN_INDEFINITE ? LIN_R_ANY : op->rkind) {
    case LIN_R_ANY: snprintf(res, sizeof(res), "?"); break;
    case LIN_R_NIL: snprintf(res, sizeof(res), "nil"); break;
    case LIN_R_BULK: snprintf(res, sizeof(res), "\"%s\"", r); break;
    case LIN_R_INT: snprintf(res, sizeof(res), "%lld", (long long)op->rint); break;
    case LIN_R_OK: snprintf(res, sizeof(res), "OK"); break;
    case LIN_R_ERR: snprintf(res, sizeof(res), "ERR"); break;
    }
    snprintf(out, cap, "[%llu,%s] %s %s a=%lld b=%lld flags=%u -> %s",
             (unsigned long long)op->call, ret, names[op->kind], a, (long long)op->a,
             (long long)op->b, op->flags, res);
}

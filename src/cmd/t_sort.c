/*
 * t_sort.c - SORT and SORT_RO over lists, sets and sorted sets, with
 * Redis 7.0.15's replies and edge cases:
 *
 *   - options are parsed before the key is looked up, so a syntax error
 *     or a bad LIMIT wins over WRONGTYPE;
 *   - BY with a pattern without '*' ("nosort") keeps the native order: a
 *     list or sorted set is walked from LIMIT's offset (backwards with
 *     DESC) and only the range is read; a set comes out in its own
 *     iteration order, except with STORE, where it is sorted ALPHA so the
 *     stored list does not depend on the set's layout;
 *   - numeric sorting breaks ties between equal scores by comparing the
 *     elements' bytes, so the result is deterministic; ALPHA compares C
 *     strings (Redis's strcoll in the C locale) except with STORE, where
 *     it compares the full binary bytes; missing BY keys score 0, or sort
 *     first under ALPHA;
 *   - the sort is stable (Redis's qsort is glibc's merge sort), which is
 *     visible where ALPHA BY keys compare equal or are missing;
 *   - STORE writes a list, or deletes the destination when the result is
 *     empty; a missing GET value is stored as "".
 *
 * The elements are copied out of the sorted value before any BY or GET
 * lookup: a lookup may expire keys, and the copy keeps the vector valid
 * whatever happens to the source key.
 */
#include <math.h>
#include <strings.h>

#include "client.h"
#include "list_quick.h"
#include "set_type.h"
#include "shard.h"
#include "sort_pattern.h"
#include "zset_type.h"
#include "core/util.h"
#include "proto/reply.h"

typedef struct sort_opts {
    bool desc, alpha, dontsort;
    int64_t start, count;         /* LIMIT; count < 0 means "to the end" */
    const kvd_arg_t *by;          /* NULL: sort by the elements themselves */
    const kvd_arg_t *store;       /* NULL: reply the result */
    kvd_sort_pattern_t *gets;     /* GET patterns, in order */
    int ngets;
} sort_opts_t;

typedef struct sort_item {
    size_t off, len;              /* element bytes in the arena */
    size_t cmp_off, cmp_len;      /* ALPHA BY value in the arena */
    bool has_cmp;                 /* false: BY key missing (or not ALPHA BY) */
    double score;                 /* numeric sort key; 0 when missing */
} sort_item_t;

typedef struct sort_vec {
    sort_item_t *v;
    size_t n, cap;
    kvd_buf_t arena;              /* element and ALPHA BY bytes */
} sort_vec_t;

/* What a comparison needs: sortCompare in Redis reads globals instead. */
typedef struct sort_cmp {
    const char *arena;
    bool alpha, by, binary, desc;
} sort_cmp_t;

/* ---- options ---- */

/* Parse argv[2..]: 0, or -1 after replying the error. */
static int parse_options(kvd_client_t *c, bool readonly, sort_opts_t *o)
{
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const kvd_arg_t *a = &c->argv[j];
        if (kvd_arg_is(a, "asc")) {
            o->desc = false;
        } else if (kvd_arg_is(a, "desc")) {
            o->desc = true;
        } else if (kvd_arg_is(a, "alpha")) {
            o->alpha = true;
        } else if (kvd_arg_is(a, "limit") && left >= 2) {
            if (kvd_arg_ll(c, &c->argv[j + 1], &o->start) < 0 ||
                kvd_arg_ll(c, &c->argv[j + 2], &o->count) < 0)
                return -1;
            j += 2;
        } else if (!readonly && kvd_arg_is(a, "store") && left >= 1) {
            o->store = &c->argv[++j];
        } else if (kvd_arg_is(a, "by") && left >= 1) {
            o->by = &c->argv[++j];
            /* Sticky, as in Redis: a later BY with a '*' does not undo it. */
            if (!kvd_sort_pattern_has_star(o->by->ptr, o->by->len))
                o->dontsort = true;
        } else if (kvd_arg_is(a, "get") && left >= 1) {
            j++;
            kvd_sort_pattern_parse(&o->gets[o->ngets++], c->argv[j].ptr, c->argv[j].len);
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

/* The LIMIT window [*sp, *ep] over vlen elements, clamped as Redis does;
 * empty when *ep < *sp. */
static void sort_window(const sort_opts_t *o, int64_t vlen, int64_t *sp, int64_t *ep)
{
    int64_t start = o->start < 0 ? 0 : o->start;
    int64_t end;
    /* count - 1 >= -1 cannot overflow; start + it can: saturate, clamped below. */
    if (o->count < 0 || !kvd_add_i64(start, o->count - 1, &end))
        end = vlen - 1;
    if (start >= vlen) {
        start = vlen - 1;
        end = vlen - 2;
    }
    if (end >= vlen)
        end = vlen - 1;
    *sp = start;
    *ep = end;
}

/* ---- the vector ---- */

static void vec_push(sort_vec_t *vec, const char *p, size_t len)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 16, bytes;
        KVD_ASSERT(kvd_mul_size(cap, sizeof(*vec->v), &bytes));
        vec->v = kvd_realloc(vec->v, bytes);
        vec->cap = cap;
    }
    sort_item_t *it = &vec->v[vec->n++];
    memset(it, 0, sizeof(*it));
    it->off = vec->arena.len;
    it->len = len;
    kvd_buf_append(&vec->arena, p, len);
}

static void vec_push_member(const char *m, size_t len, void *arg)
{
    vec_push(arg, m, len);
}

static const char *vec_elem(const sort_vec_t *vec, size_t i)
{
    KVD_DEBUG_ASSERT(i < vec->n);
    return vec->arena.data + vec->v[i].off;
}

/* Copy n list elements starting at index first, towards the tail or the head. */
static void load_list(sort_vec_t *vec, kvd_qlist_t *ql, uint64_t first, uint64_t n, bool forward)
{
    if (n == 0)
        return;
    KVD_ASSERT(first < kvd_qlist_len(ql));
    kvd_qlist_iter_t it;
    kvd_qlist_iter_at(ql, &it, first, forward);
    const char *p;
    size_t len;
    for (uint64_t i = 0; i < n; i++) {
        bool more = kvd_qlist_iter_next(&it, &p, &len);
        KVD_ASSERT(more);
        vec_push(vec, p, len);
    }
}

/* Copy n sorted set elements from ascending rank first, upwards or (rev) downwards. */
static void load_zset(sort_vec_t *vec, const kvd_zset_t *z, uint64_t first, uint64_t n, bool rev)
{
    if (n == 0)
        return;
    KVD_ASSERT(first < kvd_zset_size(z));
    kvd_zset_iter_t it;
    kvd_zset_elem_t el;
    kvd_zset_iter_init(&it, z, first, rev);
    for (uint64_t i = 0; i < n; i++) {
        bool more = kvd_zset_iter_next(&it, &el);
        KVD_ASSERT(more);
        vec_push(vec, el.m, el.len);
    }
}

/* Copy n elements of a list or sorted set from index first, walking
 * towards the end or (backwards) towards the start. */
static void load_ordered(sort_vec_t *vec, const kvd_entry_t *e, uint64_t first, uint64_t n,
                         bool backwards)
{
    if (kvd_entry_type(e) == KVD_TYPE_LIST)
        load_list(vec, kvd_entry_ptr(e), first, n, !backwards);
    else
        load_zset(vec, kvd_entry_ptr(e), first, n, backwards);
}

/*
 * Fill vec from the value of entry e (NULL: an empty list).  With BY
 * nosort a list or sorted set loads only the LIMIT window, in the
 * requested direction, and the window (*sp, *ep) is rebased onto the
 * loaded part.  A set is loaded whole, in its own order.
 */
static void load_value(sort_vec_t *vec, const kvd_entry_t *e, const sort_opts_t *o, int64_t *sp,
                       int64_t *ep)
{
    if (e == NULL) {
        sort_window(o, 0, sp, ep);
        return;
    }
    kvd_type_t t = kvd_entry_type(e);
    if (t == KVD_TYPE_SET) {
        const kvd_set_t *s = kvd_entry_ptr(e);
        sort_window(o, (int64_t)kvd_set_size(s), sp, ep);
        kvd_set_foreach(s, vec_push_member, vec);
        return;
    }
    KVD_ASSERT(t == KVD_TYPE_LIST || t == KVD_TYPE_ZSET);
    uint64_t len = t == KVD_TYPE_LIST ? kvd_qlist_len(kvd_entry_ptr(e))
                                      : kvd_zset_size(kvd_entry_ptr(e));
    sort_window(o, (int64_t)len, sp, ep);
    if (!o->dontsort) {
        load_ordered(vec, e, 0, len, false);
        return;
    }
    if (*ep < *sp)
        return;
    uint64_t first = (uint64_t)*sp, n = (uint64_t)(*ep - *sp) + 1;
    load_ordered(vec, e, o->desc ? len - 1 - first : first, n, o->desc);
    *ep -= *sp;
    *sp = 0;
}

/*
 * Redis 7.0 turns a listpack sorted set into a skiplist whenever SORT or
 * SORT_RO reads it (its nosort walk needs the skiplist); OBJECT ENCODING
 * shows that, so kvd converts too.
 */
static void zset_for_sort(kvd_client_t *c, kvd_entry_t *e)
{
    kvd_zset_t *z = kvd_entry_ptr(e);
    if (z->enc == KVD_ENC_SKIPLIST)
        return;
    const kvd_config_t *cfg = c->shard->cfg;
    kvd_zset_ctx_t ctx = {
        .max_entries = cfg->zset_max_listpack_entries < 0 ? 0
                                                          : (uint64_t)cfg->zset_max_listpack_entries,
        .max_value = cfg->zset_max_listpack_value < 0 ? 0 : (uint64_t)cfg->zset_max_listpack_value,
        .env = c->shard->env,
    };
    kvd_zset_to_skiplist(z, &ctx);
    kvd_entry_set_ptr(e, z->enc, z);
    KVD_VERIFY(kvd_zset_verify_invariants(z));
}

/* ---- scores and comparison ---- */

/*
 * Redis reads a numeric sort key with strtod over the whole text, which
 * differs from kvd_str2d in three ways this wraps: "" reads as 0, leading
 * white space is skipped, and an underflow to a subnormal is an error
 * (strtod sets ERANGE for it).
 */
static bool sort_score(const char *p, size_t len, double *out)
{
    if (len == 0) {
        *out = 0;
        return true;
    }
    size_t i = 0;
    while (i < len && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
        i++;
    double v;
    if (i == len || !kvd_str2d(p + i, len - i, &v) || fpclassify(v) == FP_SUBNORMAL)
        return false;
    *out = v;
    return true;
}

/* Scores or ALPHA keys of every element: false when a score is not a
 * number.  Keeps looking up after a bad score, as Redis does, so the
 * keyspace hit and miss counters move the same way. */
static bool load_keys(kvd_client_t *c, sort_vec_t *vec, const sort_opts_t *o)
{
    kvd_sort_pattern_t by;
    if (o->by != NULL)
        kvd_sort_pattern_parse(&by, o->by->ptr, o->by->len);
    kvd_buf_t key = KVD_BUF_INIT;
    char tmp[KVD_SORT_TMP];
    bool ok = true;
    for (size_t i = 0; i < vec->n; i++) {
        sort_item_t *it = &vec->v[i];
        const char *vp = vec_elem(vec, i);
        size_t vlen = it->len;
        if (o->by != NULL && !kvd_sort_pattern_get(&by, c->db, vp, vlen, &key, tmp, &vp, &vlen))
            continue; /* missing: score 0, or first under ALPHA */
        if (o->alpha) {
            if (o->by != NULL) {
                it->has_cmp = true;
                it->cmp_off = vec->arena.len;
                it->cmp_len = vlen;
                kvd_buf_append(&vec->arena, vp, vlen);
            }
        } else if (!sort_score(vp, vlen, &it->score)) {
            ok = false;
        }
    }
    kvd_buf_free(&key);
    return ok;
}

/* Redis's compareStringObjects: bytes, then length. */
static int cmp_binary(const char *a, size_t alen, const char *b, size_t blen)
{
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r != 0)
        return r;
    return alen < blen ? -1 : alen > blen;
}

/* strcoll in the C locale is strcmp: the comparison stops at a NUL. */
static int cmp_cstring(const char *a, size_t alen, const char *b, size_t blen)
{
    return cmp_binary(a, strnlen(a, alen), b, strnlen(b, blen));
}

static int cmp_items(const sort_item_t *x, const sort_item_t *y, const sort_cmp_t *k)
{
    const char *xa = k->arena + x->off, *ya = k->arena + y->off;
    int r;
    if (!k->alpha) {
        if (x->score != y->score)
            r = x->score > y->score ? 1 : -1;
        else
            r = cmp_binary(xa, x->len, ya, y->len);
    } else if (!k->by) {
        r = k->binary ? cmp_binary(xa, x->len, ya, y->len) : cmp_cstring(xa, x->len, ya, y->len);
    } else if (!x->has_cmp || !y->has_cmp) {
        r = x->has_cmp == y->has_cmp ? 0 : (x->has_cmp ? 1 : -1);
    } else {
        const char *xc = k->arena + x->cmp_off, *yc = k->arena + y->cmp_off;
        r = k->binary ? cmp_binary(xc, x->cmp_len, yc, y->cmp_len)
                      : cmp_cstring(xc, x->cmp_len, yc, y->cmp_len);
    }
    return k->desc ? -r : r;
}

static void merge_runs(const sort_item_t *src, sort_item_t *dst, size_t lo, size_t mid, size_t hi,
                       const sort_cmp_t *k)
{
    size_t i = lo, j = mid, o = lo;
    while (i < mid && j < hi) {
        /* <= 0 takes the left run first on ties: that is what keeps it stable. */
        if (cmp_items(&src[i], &src[j], k) <= 0)
            dst[o++] = src[i++];
        else
            dst[o++] = src[j++];
    }
    while (i < mid)
        dst[o++] = src[i++];
    while (j < hi)
        dst[o++] = src[j++];
    KVD_DEBUG_ASSERT(o == hi);
}

/* Bottom-up merge sort: stable and O(n log n) whatever the input. */
static void sort_items(sort_item_t *v, size_t n, const sort_cmp_t *k)
{
    if (n < 2)
        return;
    size_t bytes;
    KVD_ASSERT(kvd_mul_size(n, sizeof(*v), &bytes));
    sort_item_t *tmp = kvd_malloc(bytes), *src = v, *dst = tmp;
    /* width doubles each pass: at most 64 passes. */
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = n - lo > width ? lo + width : n;
            size_t hi = n - mid > width ? mid + width : n;
            merge_runs(src, dst, lo, mid, hi, k);
        }
        sort_item_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, bytes);
    kvd_free(tmp);
}

/* ---- output ---- */

static void reply_result(kvd_client_t *c, const sort_vec_t *vec, const sort_opts_t *o,
                         int64_t start, int64_t end)
{
    int64_t n = end - start + 1, total = n;
    KVD_ASSERT(n >= 0);
    if (o->ngets > 0)
        KVD_ASSERT(!__builtin_mul_overflow(n, (int64_t)o->ngets, &total));
    kvd_reply_array(c->reply, total);
    kvd_buf_t key = KVD_BUF_INIT;
    char tmp[KVD_SORT_TMP];
    for (int64_t j = start; j <= end; j++) {
        const char *ep = vec_elem(vec, (size_t)j);
        size_t elen = vec->v[j].len;
        if (o->ngets == 0)
            kvd_reply_bulk(c->reply, ep, elen);
        for (int g = 0; g < o->ngets; g++) {
            const char *vp;
            size_t vlen;
            if (kvd_sort_pattern_get(&o->gets[g], c->db, ep, elen, &key, tmp, &vp, &vlen))
                kvd_reply_bulk(c->reply, vp, vlen);
            else
                kvd_reply_null(c->reply);
        }
    }
    kvd_buf_free(&key);
}

/* STORE: the result as a list in the destination, or no destination at all. */
static void store_result(kvd_client_t *c, const sort_vec_t *vec, const sort_opts_t *o,
                         int64_t start, int64_t end)
{
    kvd_qlist_t *ql = kvd_qlist_new(c->shard->cfg->list_max_listpack_size);
    kvd_buf_t key = KVD_BUF_INIT;
    char tmp[KVD_SORT_TMP];
    for (int64_t j = start; j <= end; j++) {
        const char *ep = vec_elem(vec, (size_t)j);
        size_t elen = vec->v[j].len;
        if (o->ngets == 0)
            kvd_qlist_push(ql, false, ep, elen);
        for (int g = 0; g < o->ngets; g++) {
            const char *vp;
            size_t vlen;
            if (!kvd_sort_pattern_get(&o->gets[g], c->db, ep, elen, &key, tmp, &vp, &vlen)) {
                vp = "";
                vlen = 0;
            }
            kvd_qlist_push(ql, false, vp, vlen);
        }
    }
    kvd_buf_free(&key);
    uint64_t n = kvd_qlist_len(ql);
    const kvd_arg_t *dst = o->store;
    if (n > 0) {
        KVD_VERIFY(kvd_qlist_verify_invariants(ql));
        kvd_db_set_ptr(c->db, dst->ptr, dst->len, KVD_TYPE_LIST, KVD_ENC_QUICKLIST, ql, 0);
        kvd_shard_add_dirty(c->shard, n);
    } else {
        kvd_qlist_free(ql);
        if (kvd_db_delete(c->db, dst->ptr, dst->len))
            kvd_shard_add_dirty(c->shard, 1);
    }
    kvd_reply_int(c->reply, (int64_t)n);
}

/* ---- the command ---- */

/* The key to sort: 0 with *ep (NULL when absent), or -1 after WRONGTYPE. */
static int lookup_source(kvd_client_t *c, kvd_entry_t **ep)
{
    const kvd_arg_t *key = &c->argv[1];
    /* A read even with STORE: Redis 7.0.15 counts its hit or miss. */
    kvd_entry_t *e = kvd_db_lookup_read(c->db, key->ptr, key->len);
    *ep = e;
    if (e == NULL)
        return 0;
    kvd_type_t t = kvd_entry_type(e);
    if (t != KVD_TYPE_LIST && t != KVD_TYPE_SET && t != KVD_TYPE_ZSET) {
        kvd_reply_wrong_type(c);
        return -1;
    }
    if (t == KVD_TYPE_ZSET)
        zset_for_sort(c, e);
    return 0;
}

static void sort_generic(kvd_client_t *c, bool readonly)
{
    sort_opts_t o = {.count = -1};
    o.gets = kvd_calloc((size_t)c->argc, sizeof(*o.gets));
    kvd_entry_t *e = NULL;
    if (parse_options(c, readonly, &o) < 0 || lookup_source(c, &e) < 0) {
        kvd_free(o.gets);
        return;
    }
    /* A set has no native order worth storing: sort it by its members. */
    if (o.dontsort && e != NULL && kvd_entry_type(e) == KVD_TYPE_SET && o.store != NULL) {
        o.dontsort = false;
        o.alpha = true;
        o.by = NULL;
    }
    sort_vec_t vec = {0};
    int64_t start, end;
    load_value(&vec, e, &o, &start, &end);
    e = NULL; /* the lookups below may expire it; vec holds copies */
    bool numbers_ok = true;
    if (!o.dontsort) {
        numbers_ok = load_keys(c, &vec, &o);
        sort_cmp_t k = {.arena = vec.arena.data, .alpha = o.alpha, .by = o.by != NULL,
                        .binary = o.store != NULL, .desc = o.desc};
        if (numbers_ok)
            sort_items(vec.v, vec.n, &k);
    }
    KVD_ASSERT(end < start || (start >= 0 && (uint64_t)end < vec.n));
    if (!numbers_ok)
        kvd_reply_error(c->reply, "ERR One or more scores can't be converted into double");
    else if (o.store == NULL)
        reply_result(c, &vec, &o, start, end);
    else
        store_result(c, &vec, &o, start, end);
    kvd_free(vec.v);
    kvd_buf_free(&vec.arena);
    kvd_free(o.gets);
}

static void sort_command(kvd_client_t *c)
{
    sort_generic(c, false);
}

static void sort_ro_command(kvd_client_t *c)
{
    sort_generic(c, true);
}

static bool word_is(const char *p, size_t len, const char *word)
{
    return len == strlen(word) && strncasecmp(p, word, len) == 0;
}

/* COMMAND GETKEYS for SORT: the key, and the last STORE's destination.
 * Skips LIMIT's two arguments and BY's and GET's one, as Redis does. */
static int sort_getkeys(int argc, const char *const *argv, const size_t *lens, int *out, int max)
{
    if (argc < 2 || max < 2)
        return -1;
    int store = -1;
    for (int i = 2; i < argc; i++) {
        if (word_is(argv[i], lens[i], "limit"))
            i += 2;
        else if (word_is(argv[i], lens[i], "store") && i + 1 < argc)
            store = i + 1;
        else if (word_is(argv[i], lens[i], "get") || word_is(argv[i], lens[i], "by"))
            i += 1;
    }
    out[0] = 1;
    if (store < 0)
        return 1;
    out[1] = store;
    return 2;
}

#define SORT_ACL (KVD_ACL_SET | KVD_ACL_SORTEDSET | KVD_ACL_LIST | KVD_ACL_SLOW | KVD_ACL_DANGEROUS)
#define SORT_CX                                                                                    \
    "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "      \
    "number of returned elements. When the elements are not sorted, complexity is O(N)."

static kvd_command_t sort_commands[] = {
    {.name = "sort", .proc = sort_command, .arity = -2,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_MOVABLE_KEYS,
     .acl = KVD_ACL_WRITE | SORT_ACL, .first_key = 1, .last_key = 1, .key_step = 1,
     .getkeys = sort_getkeys, .summary = "Sort the elements in a list, set or sorted set",
     .since = "1.0.0", .group = "generic", .complexity = SORT_CX},
    {.name = "sort_ro", .proc = sort_ro_command, .arity = -2,
     .flags = KVD_CMD_READONLY | KVD_CMD_MOVABLE_KEYS, .acl = KVD_ACL_READ | SORT_ACL,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
     .since = "7.0.0", .group = "generic", .complexity = SORT_CX},
    {.name = NULL},
};

void kvd_register_sort_commands(void)
{
    kvd_command_register(sort_commands);
}

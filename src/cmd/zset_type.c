/*
 * zset_type.c - sorted set values over their two encodings (zset_type.h).
 */
#include "zset_type.h"

#include <malloc.h>

static kvd_zsl_t *new_skiplist(kvd_env_t *env)
{
    KVD_ASSERT(env != NULL);
    uint64_t s0 = env->random_u64(env), s1 = env->random_u64(env);
    return kvd_zsl_create(s0, s1, env->random_u64(env));
}

kvd_zset_t *kvd_zset_create(const kvd_zset_ctx_t *ctx, kvd_encoding_t enc)
{
    KVD_ASSERT(enc == KVD_ENC_LISTPACK || enc == KVD_ENC_SKIPLIST);
    kvd_zset_t *z = kvd_calloc(1, sizeof(*z));
    z->enc = enc;
    kvd_zpack_init(&z->pack);
    if (enc == KVD_ENC_SKIPLIST)
        z->sl = new_skiplist(ctx->env);
    return z;
}

kvd_zset_t *kvd_zset_new(const kvd_zset_ctx_t *ctx, size_t first_len)
{
    bool big = ctx->max_entries == 0 || first_len > ctx->max_value;
    return kvd_zset_create(ctx, big ? KVD_ENC_SKIPLIST : KVD_ENC_LISTPACK);
}

void kvd_zset_destroy(kvd_zset_t *z)
{
    if (z == NULL)
        return;
    kvd_zpack_release(&z->pack);
    kvd_zsl_free(z->sl);
    kvd_free(z);
}

kvd_zset_t *kvd_zset_dup(const kvd_zset_t *z)
{
    kvd_zset_t *copy = kvd_calloc(1, sizeof(*copy));
    copy->enc = z->enc;
    if (z->enc == KVD_ENC_LISTPACK)
        kvd_zpack_copy(&copy->pack, &z->pack);
    else
        copy->sl = kvd_zsl_dup(z->sl);
    KVD_VERIFY(kvd_zset_verify_invariants(copy));
    return copy;
}

uint64_t kvd_zset_size(const kvd_zset_t *z)
{
    return z->enc == KVD_ENC_LISTPACK ? z->pack.count : z->sl->length;
}

void kvd_zset_to_skiplist(kvd_zset_t *z, const kvd_zset_ctx_t *ctx)
{
    if (z->enc == KVD_ENC_SKIPLIST)
        return;
    kvd_zsl_t *sl = new_skiplist(ctx->env);
    size_t off = 0;
    for (uint64_t i = 0; i < z->pack.count; i++) {
        kvd_zset_elem_t el;
        off = kvd_zpack_read(&z->pack, off, &el);
        kvd_zsl_insert(sl, el.m, el.len, el.score);
    }
    KVD_ASSERT(sl->length == z->pack.count);
    kvd_zpack_release(&z->pack);
    z->sl = sl;
    z->enc = KVD_ENC_SKIPLIST;
}

static void to_listpack(kvd_zset_t *z)
{
    KVD_ASSERT(z->enc == KVD_ENC_SKIPLIST);
    kvd_zpack_t p;
    kvd_zpack_init(&p);
    /* Appending in order: each insert finds its place at the end. */
    for (const kvd_zsl_node_t *x = kvd_zsl_first(z->sl); x != NULL; x = x->level[0].forward)
        kvd_zpack_insert(&p, kvd_zsl_member(x), x->len, x->score);
    kvd_zsl_free(z->sl);
    z->sl = NULL;
    z->pack = p;
    z->enc = KVD_ENC_LISTPACK;
}

static size_t max_member(const kvd_zset_t *z)
{
    if (z->enc == KVD_ENC_LISTPACK)
        return kvd_zpack_max_member(&z->pack);
    size_t max = 0;
    for (const kvd_zsl_node_t *x = kvd_zsl_first(z->sl); x != NULL; x = x->level[0].forward)
        max = x->len > max ? x->len : max;
    return max;
}

void kvd_zset_fit(kvd_zset_t *z, const kvd_zset_ctx_t *ctx)
{
    bool fits = kvd_zset_size(z) <= ctx->max_entries && max_member(z) <= ctx->max_value;
    if (fits && z->enc == KVD_ENC_SKIPLIST)
        to_listpack(z);
    else if (!fits && z->enc == KVD_ENC_LISTPACK)
        kvd_zset_to_skiplist(z, ctx);
}

bool kvd_zset_score(const kvd_zset_t *z, const char *m, size_t len, double *score)
{
    if (z->enc == KVD_ENC_SKIPLIST) {
        const kvd_zsl_node_t *n = kvd_zsl_find(z->sl, m, len);
        if (n != NULL)
            *score = n->score;
        return n != NULL;
    }
    size_t off;
    if (!kvd_zpack_find(&z->pack, m, len, &off, NULL))
        return false;
    kvd_zset_elem_t el;
    kvd_zpack_read(&z->pack, off, &el);
    *score = el.score;
    return true;
}

/* Insert member, known absent, converting first if the listpack would break a limit. */
static void insert_new(kvd_zset_t *z, const kvd_zset_ctx_t *ctx, const char *m, size_t len,
                       double score)
{
    if (z->enc == KVD_ENC_LISTPACK &&
        (z->pack.count + 1 > ctx->max_entries || len > ctx->max_value))
        kvd_zset_to_skiplist(z, ctx);
    if (z->enc == KVD_ENC_LISTPACK)
        kvd_zpack_insert(&z->pack, m, len, score);
    else
        kvd_zsl_insert(z->sl, m, len, score);
}

/* Give an existing member a new score. */
static void rescore(kvd_zset_t *z, const char *m, size_t len, double score)
{
    if (z->enc == KVD_ENC_SKIPLIST) {
        kvd_zsl_node_t *n = kvd_zsl_find(z->sl, m, len);
        KVD_ASSERT(n != NULL);
        kvd_zsl_update_score(z->sl, n, score);
        return;
    }
    size_t off;
    KVD_ASSERT(kvd_zpack_find(&z->pack, m, len, &off, NULL));
    /* m may not point into the pack: callers pass arguments. */
    kvd_zpack_delete_at(&z->pack, off);
    kvd_zpack_insert(&z->pack, m, len, score);
}

bool kvd_zset_add(kvd_zset_t *z, const kvd_zset_ctx_t *ctx, const char *m, size_t len,
                  double score, int flags, int *out, double *newscore)
{
    *out = 0;
    if (score != score)
        return false;
    double cur;
    if (kvd_zset_score(z, m, len, &cur)) {
        if (flags & KVD_ZADD_NX) {
            *out = KVD_ZADD_OUT_NOP;
            return true;
        }
        if (flags & KVD_ZADD_INCR) {
            score += cur;
            if (score != score)
                return false;
        }
        if (((flags & KVD_ZADD_LT) && score >= cur) || ((flags & KVD_ZADD_GT) && score <= cur)) {
            *out = KVD_ZADD_OUT_NOP;
            return true;
        }
        *newscore = score;
        if (score != cur) {
            rescore(z, m, len, score);
            *out = KVD_ZADD_OUT_UPDATED;
        }
        return true;
    }
    if (flags & KVD_ZADD_XX) {
        *out = KVD_ZADD_OUT_NOP;
        return true;
    }
    insert_new(z, ctx, m, len, score);
    *out = KVD_ZADD_OUT_ADDED;
    *newscore = score;
    return true;
}

void kvd_zset_set(kvd_zset_t *z, const kvd_zset_ctx_t *ctx, const char *m, size_t len,
                  double score)
{
    KVD_ASSERT(score == score);
    double cur;
    if (!kvd_zset_score(z, m, len, &cur))
        insert_new(z, ctx, m, len, score);
    else if (memcmp(&cur, &score, sizeof(score)) != 0)
        /* Bitwise, so -0 becomes 0 (a sum like -0 + 0 must stick). */
        rescore(z, m, len, score);
}

bool kvd_zset_remove(kvd_zset_t *z, const char *m, size_t len)
{
    if (z->enc == KVD_ENC_SKIPLIST)
        return kvd_zsl_delete(z->sl, m, len);
    size_t off;
    if (!kvd_zpack_find(&z->pack, m, len, &off, NULL))
        return false;
    kvd_zpack_delete_at(&z->pack, off);
    return true;
}

void kvd_zset_remove_range(kvd_zset_t *z, uint64_t start, uint64_t end)
{
    if (z->enc == KVD_ENC_LISTPACK)
        kvd_zpack_delete_range(&z->pack, start, end);
    else
        kvd_zsl_delete_range(z->sl, start, end);
}

bool kvd_zset_rank(const kvd_zset_t *z, const char *m, size_t len, uint64_t *rank)
{
    if (z->enc == KVD_ENC_LISTPACK)
        return kvd_zpack_find(&z->pack, m, len, NULL, rank);
    const kvd_zsl_node_t *n = kvd_zsl_find(z->sl, m, len);
    if (n == NULL)
        return false;
    *rank = kvd_zsl_rank(z->sl, n);
    return true;
}

void kvd_zset_at(const kvd_zset_t *z, uint64_t rank, kvd_zset_elem_t *el)
{
    KVD_ASSERT(rank < kvd_zset_size(z));
    if (z->enc == KVD_ENC_LISTPACK)
        kvd_zpack_read(&z->pack, kvd_zpack_offset_of(&z->pack, rank), el);
    else
        kvd_zsl_elem(kvd_zsl_at(z->sl, rank), el);
}

uint64_t kvd_zset_count_prefix(const kvd_zset_t *z, kvd_zset_pred_fn *pred, const void *arg)
{
    if (z->enc == KVD_ENC_LISTPACK)
        return kvd_zpack_count_prefix(&z->pack, pred, arg);
    return kvd_zsl_count_prefix(z->sl, pred, arg);
}

void kvd_zset_iter_init(kvd_zset_iter_t *it, const kvd_zset_t *z, uint64_t rank, bool rev)
{
    uint64_t size = kvd_zset_size(z);
    *it = (kvd_zset_iter_t){.z = z, .rev = rev, .left = 0, .off = 0, .node = NULL};
    if (rank >= size)
        return;
    it->left = rev ? rank + 1 : size - rank;
    if (z->enc == KVD_ENC_LISTPACK)
        it->off = kvd_zpack_offset_of(&z->pack, rank);
    else
        it->node = kvd_zsl_at(z->sl, rank);
}

bool kvd_zset_iter_next(kvd_zset_iter_t *it, kvd_zset_elem_t *el)
{
    if (it->left == 0)
        return false;
    it->left--;
    if (it->z->enc == KVD_ENC_LISTPACK) {
        size_t next = kvd_zpack_read(&it->z->pack, it->off, el);
        if (it->left > 0)
            it->off = it->rev ? kvd_zpack_prev(&it->z->pack, it->off) : next;
        return true;
    }
    KVD_ASSERT(it->node != NULL);
    kvd_zsl_elem(it->node, el);
    it->node = it->rev ? it->node->backward : it->node->level[0].forward;
    return true;
}

void kvd_zset_foreach(const kvd_zset_t *z, kvd_zset_visit_fn *fn, void *arg)
{
    kvd_zset_iter_t it;
    kvd_zset_elem_t el;
    kvd_zset_iter_init(&it, z, 0, false);
    while (kvd_zset_iter_next(&it, &el))
        fn(el.m, el.len, el.score, arg);
}

typedef struct scan_ctx {
    kvd_zset_visit_fn *fn;
    void *arg;
} scan_ctx_t;

static void scan_node(kvd_dict_node_t *n, void *arg)
{
    const kvd_zsl_node_t *zn = (const kvd_zsl_node_t *)n;
    scan_ctx_t *s = arg;
    s->fn(kvd_zsl_member(zn), zn->len, zn->score, s->arg);
}

uint64_t kvd_zset_scan(kvd_zset_t *z, uint64_t cursor, kvd_zset_visit_fn *fn, void *arg)
{
    KVD_ASSERT(z->enc == KVD_ENC_SKIPLIST);
    scan_ctx_t s = {fn, arg};
    return kvd_dict_scan(&z->sl->d, cursor, scan_node, &s);
}

size_t kvd_zset_memory(const kvd_zset_t *z)
{
    size_t total = malloc_usable_size((void *)z);
    if (z->enc == KVD_ENC_LISTPACK)
        return total + (z->pack.buf == NULL ? 0 : malloc_usable_size(z->pack.buf));
    return total + kvd_zsl_memory(z->sl);
}

void kvd_zset_verify_invariants(const kvd_zset_t *z)
{
    KVD_ASSERT(z->enc == KVD_ENC_LISTPACK || z->enc == KVD_ENC_SKIPLIST);
    if (z->enc == KVD_ENC_LISTPACK) {
        KVD_ASSERT(z->sl == NULL);
        kvd_zpack_verify(&z->pack);
        return;
    }
    KVD_ASSERT(z->pack.buf == NULL && z->pack.count == 0);
    kvd_zsl_verify(z->sl);
}

void kvd_zset_free_value(void *ptr, kvd_encoding_t enc)
{
    kvd_zset_t *z = ptr;
    KVD_ASSERT(z->enc == enc);
    kvd_zset_destroy(z);
}

void *kvd_zset_dup_value(const void *ptr, kvd_encoding_t enc)
{
    const kvd_zset_t *z = ptr;
    KVD_ASSERT(z->enc == enc);
    return kvd_zset_dup(z);
}

size_t kvd_zset_memory_value(const void *ptr, kvd_encoding_t enc)
{
    const kvd_zset_t *z = ptr;
    KVD_ASSERT(z->enc == enc);
    return kvd_zset_memory(z);
}

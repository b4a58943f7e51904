/*
 * set_type.c - set values in the intset and hashtable encodings.
 */
#include "set_type.h"
#include "core/util.h"

/* A hashtable member: the chain link and the member bytes in one allocation. */
typedef struct set_node {
    kvd_dict_node_t link;
    uint32_t len;
    char data[];
} set_node_t;

_Static_assert(offsetof(set_node_t, link) == 0, "dict nodes embed the link first");

/* Members sampled per random pick: enough to even out chain-length bias cheaply. */
#define RANDOM_SAMPLE 16

static uint64_t node_hash(const kvd_dict_t *d, const kvd_dict_node_t *n)
{
    const set_node_t *sn = (const set_node_t *)n;
    return kvd_dict_hash(d, sn->data, sn->len);
}

static bool node_match(const kvd_dict_node_t *n, const void *key, size_t klen)
{
    const set_node_t *sn = (const set_node_t *)n;
    return sn->len == klen && memcmp(sn->data, key, klen) == 0;
}

static const kvd_dict_type_t set_dict_type = {.node_hash = node_hash, .node_match = node_match};

static set_node_t *node_new(const char *m, size_t len)
{
    KVD_ASSERT(len <= UINT32_MAX);
    size_t bytes;
    KVD_ASSERT(kvd_add_size(sizeof(set_node_t), len, &bytes));
    set_node_t *n = kvd_malloc(bytes);
    n->link.next = NULL;
    n->len = (uint32_t)len;
    memcpy(n->data, m, len);
    return n;
}

static void node_free(kvd_dict_node_t *n, void *arg)
{
    KVD_UNUSED(arg);
    kvd_free(n);
}

kvd_set_t *kvd_set_create(void)
{
    kvd_set_t *s = kvd_calloc(1, sizeof(*s));
    s->enc = KVD_ENC_INTSET;
    kvd_intset_init(&s->is);
    return s;
}

void kvd_set_destroy(kvd_set_t *s)
{
    if (s == NULL)
        return;
    if (s->enc == KVD_ENC_INTSET)
        kvd_intset_release(&s->is);
    else
        kvd_dict_clear(&s->d, node_free, NULL);
    kvd_free(s);
}

uint64_t kvd_set_size(const kvd_set_t *s)
{
    return s->enc == KVD_ENC_INTSET ? s->is.len : kvd_dict_count(&s->d);
}

static void dict_insert_member(kvd_dict_t *d, const char *m, size_t len)
{
    kvd_dict_insert(d, kvd_dict_hash(d, m, len), &node_new(m, len)->link);
    /* A resize never starts while one runs, so bulk inserts must keep stepping. */
    kvd_dict_rehash_step(d, 1);
}

static void hashtable_init(kvd_set_t *s, uint64_t seed0, uint64_t seed1)
{
    s->enc = KVD_ENC_HASHTABLE;
    kvd_dict_init(&s->d, &set_dict_type, seed0, seed1);
}

void kvd_set_to_hashtable(kvd_set_t *s, kvd_env_t *env)
{
    if (s->enc == KVD_ENC_HASHTABLE)
        return;
    KVD_ASSERT(env != NULL);
    kvd_intset_t old = s->is;
    kvd_intset_init(&s->is);
    hashtable_init(s, env->random_u64(env), env->random_u64(env));
    char tmp[KVD_SET_TMP];
    for (uint32_t i = 0; i < old.len; i++)
        dict_insert_member(&s->d, tmp, kvd_ll2str_buf(tmp, old.v[i]));
    KVD_ASSERT(kvd_dict_count(&s->d) == old.len);
    kvd_intset_release(&old);
}

bool kvd_set_add(kvd_set_t *s, const kvd_set_ctx_t *ctx, const char *m, size_t len)
{
    int64_t v;
    if (s->enc == KVD_ENC_INTSET) {
        if (kvd_str2ll(m, len, &v)) {
            if (!kvd_intset_add(&s->is, v))
                return false;
            /* Redis converts once the count passes the limit, so an intset holds at most the limit. */
            if (s->is.len > ctx->max_intset)
                kvd_set_to_hashtable(s, ctx->env);
            return true;
        }
        kvd_set_to_hashtable(s, ctx->env);
    }
    uint64_t h = kvd_dict_hash(&s->d, m, len);
    kvd_dict_pos_t pos;
    if (kvd_dict_lookup(&s->d, h, m, len, &pos))
        return false;
    kvd_dict_insert(&s->d, h, &node_new(m, len)->link);
    kvd_dict_rehash_step(&s->d, 1);
    return true;
}

bool kvd_set_remove(kvd_set_t *s, const char *m, size_t len)
{
    if (s->enc == KVD_ENC_INTSET) {
        int64_t v;
        return kvd_str2ll(m, len, &v) && kvd_intset_remove(&s->is, v);
    }
    kvd_dict_pos_t pos;
    if (!kvd_dict_lookup(&s->d, kvd_dict_hash(&s->d, m, len), m, len, &pos))
        return false;
    kvd_free(kvd_dict_remove_at(&s->d, &pos));
    kvd_dict_rehash_step(&s->d, 1);
    return true;
}

bool kvd_set_contains(const kvd_set_t *s, const char *m, size_t len)
{
    if (s->enc == KVD_ENC_INTSET) {
        int64_t v;
        uint32_t pos;
        return kvd_str2ll(m, len, &v) && kvd_intset_find(&s->is, v, &pos);
    }
    kvd_dict_pos_t pos;
    return kvd_dict_lookup(&s->d, kvd_dict_hash(&s->d, m, len), m, len, &pos);
}

typedef struct visit_ctx {
    kvd_set_visit_fn *fn;
    void *arg;
} visit_ctx_t;

static void visit_node(const kvd_dict_node_t *n, void *arg)
{
    const set_node_t *sn = (const set_node_t *)n;
    visit_ctx_t *v = arg;
    v->fn(sn->data, sn->len, v->arg);
}

void kvd_set_foreach(const kvd_set_t *s, kvd_set_visit_fn *fn, void *arg)
{
    if (s->enc == KVD_ENC_INTSET) {
        char tmp[KVD_SET_TMP];
        for (uint32_t i = 0; i < s->is.len; i++)
            fn(tmp, kvd_ll2str_buf(tmp, s->is.v[i]), arg);
        return;
    }
    visit_ctx_t v = {fn, arg};
    kvd_dict_foreach(&s->d, visit_node, &v);
}

const char *kvd_set_random(const kvd_set_t *s, kvd_env_t *env, char *tmp, size_t *len)
{
    KVD_ASSERT(kvd_set_size(s) > 0);
    if (s->enc == KVD_ENC_INTSET) {
        *len = kvd_ll2str_buf(tmp, s->is.v[kvd_env_random_below(env, s->is.len)]);
        return tmp;
    }
    /* Pick among a run of sampled nodes rather than the first node of a random
     * bucket, so members of long chains are not favoured much. */
    kvd_dict_node_t *sample[RANDOM_SAMPLE];
    uint64_t start = env->random_u64(env);
    size_t n = kvd_dict_sample(&s->d, start, sample, RANDOM_SAMPLE);
    kvd_dict_node_t *pick = n > 0 ? sample[kvd_env_random_below(env, n)]
                                  : kvd_dict_first_from(&s->d, start);
    KVD_ASSERT(pick != NULL);
    const set_node_t *sn = (const set_node_t *)pick;
    *len = sn->len;
    return sn->data;
}

typedef struct views_ctx {
    kvd_set_view_t *out;
    size_t n;
} views_ctx_t;

static void view_node(const kvd_dict_node_t *n, void *arg)
{
    const set_node_t *sn = (const set_node_t *)n;
    views_ctx_t *v = arg;
    v->out[v->n++] = (kvd_set_view_t){sn->data, sn->len};
}

void kvd_set_views(const kvd_set_t *s, kvd_set_view_t *out, char *ints)
{
    if (s->enc == KVD_ENC_INTSET) {
        for (uint32_t i = 0; i < s->is.len; i++) {
            char *p = ints + (size_t)i * KVD_SET_TMP;
            out[i] = (kvd_set_view_t){p, kvd_ll2str_buf(p, s->is.v[i])};
        }
        return;
    }
    views_ctx_t v = {out, 0};
    kvd_dict_foreach(&s->d, view_node, &v);
    KVD_ASSERT(v.n == kvd_dict_count(&s->d));
}

static void scan_node(kvd_dict_node_t *n, void *arg)
{
    visit_node(n, arg);
}

uint64_t kvd_set_scan(kvd_set_t *s, uint64_t cursor, kvd_set_visit_fn *fn, void *arg)
{
    KVD_ASSERT(s->enc == KVD_ENC_HASHTABLE);
    visit_ctx_t v = {fn, arg};
    return kvd_dict_scan(&s->d, cursor, scan_node, &v);
}

static void dup_member(const char *m, size_t len, void *arg)
{
    dict_insert_member(arg, m, len);
}

kvd_set_t *kvd_set_dup(const kvd_set_t *s)
{
    kvd_set_t *copy = kvd_set_create();
    if (s->enc == KVD_ENC_INTSET) {
        kvd_intset_copy(&copy->is, &s->is);
        return copy;
    }
    /* Same seeds, so the copy hashes alike and needs no new randomness (no env here). */
    hashtable_init(copy, s->d.seed[0], s->d.seed[1]);
    kvd_set_foreach(s, dup_member, &copy->d);
    KVD_ASSERT(kvd_set_size(copy) == kvd_set_size(s));
    return copy;
}

void kvd_set_verify_invariants(const kvd_set_t *s)
{
    KVD_ASSERT(s->enc == KVD_ENC_INTSET || s->enc == KVD_ENC_HASHTABLE);
    if (s->enc == KVD_ENC_INTSET) {
        kvd_intset_verify(&s->is);
        return;
    }
    kvd_dict_verify(&s->d);
}

void kvd_set_free_value(void *ptr, kvd_encoding_t enc)
{
    kvd_set_t *s = ptr;
    KVD_ASSERT(s->enc == enc);
    kvd_set_destroy(s);
}

void *kvd_set_dup_value(const void *ptr, kvd_encoding_t enc)
{
    const kvd_set_t *s = ptr;
    KVD_ASSERT(s->enc == enc);
    return kvd_set_dup(s);
}

/*
 * hash_type.c - hash values over their two encodings (hash_type.h).  The
 * table encoding is a kvd_dict_t whose nodes carry the field and value
 * in one allocation; overwriting a value swaps in a new node.
 */
#include "hash_type.h"
#include "db/dict.h"

typedef struct hash_node {
    kvd_dict_node_t link; /* first: the dict links nodes through it */
    uint32_t flen;
    uint32_t vlen;
    char data[];          /* field bytes, then value bytes */
} hash_node_t;

/* Nodes sampled per random pick: evens out chain-length bias cheaply. */
#define RANDOM_SAMPLE 16

static uint64_t node_hash(const kvd_dict_t *d, const kvd_dict_node_t *n)
{
    const hash_node_t *hn = (const hash_node_t *)n;
    return kvd_dict_hash(d, hn->data, hn->flen);
}

static bool node_match(const kvd_dict_node_t *n, const void *key, size_t klen)
{
    const hash_node_t *hn = (const hash_node_t *)n;
    return hn->flen == klen && memcmp(hn->data, key, klen) == 0;
}

static const kvd_dict_type_t hash_dict_type = {node_hash, node_match};

static hash_node_t *node_new(const char *f, size_t flen, const char *v, size_t vlen)
{
    KVD_ASSERT(flen <= UINT32_MAX && vlen <= UINT32_MAX);
    size_t size;
    KVD_ASSERT(kvd_add_size(flen, vlen, &size) && kvd_add_size(size, sizeof(hash_node_t), &size));
    hash_node_t *n = kvd_malloc(size);
    n->link.next = NULL;
    n->flen = (uint32_t)flen;
    n->vlen = (uint32_t)vlen;
    memcpy(n->data, f, flen);
    memcpy(n->data + flen, v, vlen);
    return n;
}

static void node_view(const hash_node_t *n, kvd_hash_pair_t *out)
{
    out->field = n->data;
    out->flen = n->flen;
    out->value = n->data + n->flen;
    out->vlen = n->vlen;
}

static kvd_dict_t *table_new(uint64_t seed0, uint64_t seed1)
{
    kvd_dict_t *d = kvd_malloc(sizeof(*d));
    kvd_dict_init(d, &hash_dict_type, seed0, seed1);
    return d;
}

static void table_free_node(kvd_dict_node_t *n, void *arg)
{
    KVD_UNUSED(arg);
    kvd_free(n);
}

/* Insert or overwrite in a table; true when added. */
static bool table_set(kvd_dict_t *d, const char *f, size_t flen, const char *v, size_t vlen)
{
    kvd_dict_rehash_step(d, 1);
    uint64_t h = kvd_dict_hash(d, f, flen);
    hash_node_t *n = node_new(f, flen, v, vlen);
    kvd_dict_pos_t pos;
    if (kvd_dict_lookup(d, h, f, flen, &pos)) {
        kvd_dict_node_t *old = *pos.link;
        kvd_dict_replace_at(d, &pos, &n->link);
        kvd_free(old);
        return false;
    }
    kvd_dict_insert(d, h, &n->link);
    return true;
}

void *kvd_hash_new(void)
{
    return kvd_hpack_new();
}

uint64_t kvd_hash_len(kvd_encoding_t enc, const void *h)
{
    if (enc == KVD_ENC_LISTPACK)
        return kvd_hpack_count(h);
    KVD_ASSERT(enc == KVD_ENC_HASHTABLE);
    return kvd_dict_count(h);
}

bool kvd_hash_get(kvd_encoding_t enc, void *h, const char *f, size_t flen, kvd_hash_pair_t *out)
{
    if (enc == KVD_ENC_LISTPACK)
        return kvd_hpack_find(h, f, flen, out);
    KVD_ASSERT(enc == KVD_ENC_HASHTABLE);
    kvd_dict_t *d = h;
    kvd_dict_rehash_step(d, 1);
    kvd_dict_pos_t pos;
    if (!kvd_dict_lookup(d, kvd_dict_hash(d, f, flen), f, flen, &pos))
        return false;
    node_view((const hash_node_t *)*pos.link, out);
    return true;
}

static void convert_visit(const kvd_hash_pair_t *pr, void *arg)
{
    bool added = table_set(arg, pr->field, pr->flen, pr->value, pr->vlen);
    KVD_ASSERT(added);
}

/* Compact to table, in place on the entry; Redis never converts back. */
static void convert_to_table(kvd_entry_t *e, kvd_env_t *env)
{
    KVD_ASSERT(kvd_entry_encoding(e) == KVD_ENC_LISTPACK);
    kvd_hpack_t *p = kvd_entry_ptr(e);
    kvd_dict_t *d = table_new(env->random_u64(env), env->random_u64(env));
    kvd_hash_foreach(KVD_ENC_LISTPACK, p, convert_visit, d);
    KVD_ASSERT(kvd_dict_count(d) == kvd_hpack_count(p));
    kvd_hpack_free(p);
    kvd_entry_set_ptr(e, KVD_ENC_HASHTABLE, d);
}

/* Whether a compact hash must convert before taking this pair. */
static bool pair_too_big(const kvd_hpack_t *p, const kvd_hash_limits_t *lim, size_t flen,
                         size_t vlen)
{
    if ((uint64_t)flen > (uint64_t)lim->max_value || (uint64_t)vlen > (uint64_t)lim->max_value)
        return true;
    size_t total;
    /* The varint prefixes take at most 10 more bytes. */
    return !kvd_add_size(kvd_hpack_bytes(p), flen, &total) ||
           !kvd_add_size(total, vlen, &total) || !kvd_add_size(total, 10, &total) ||
           total > KVD_HPACK_MAX_BYTES;
}

bool kvd_hash_set(kvd_entry_t *e, const kvd_hash_limits_t *lim, kvd_env_t *env, const char *f,
                  size_t flen, const char *v, size_t vlen)
{
    KVD_ASSERT(kvd_entry_type(e) == KVD_TYPE_HASH);
    if (kvd_entry_encoding(e) == KVD_ENC_LISTPACK && pair_too_big(kvd_entry_ptr(e), lim, flen, vlen))
        convert_to_table(e, env);
    bool added;
    if (kvd_entry_encoding(e) == KVD_ENC_LISTPACK) {
        kvd_hpack_t *p = kvd_hpack_set(kvd_entry_ptr(e), f, flen, v, vlen, &added);
        kvd_entry_set_ptr(e, KVD_ENC_LISTPACK, p);
        if ((int64_t)kvd_hpack_count(p) > lim->max_entries)
            convert_to_table(e, env);
    } else {
        added = table_set(kvd_entry_ptr(e), f, flen, v, vlen);
    }
    KVD_VERIFY(kvd_hash_verify_invariants(kvd_entry_encoding(e), kvd_entry_ptr(e)));
    return added;
}

bool kvd_hash_delete(kvd_entry_t *e, const char *f, size_t flen)
{
    KVD_ASSERT(kvd_entry_type(e) == KVD_TYPE_HASH);
    bool removed;
    if (kvd_entry_encoding(e) == KVD_ENC_LISTPACK) {
        kvd_hpack_t *p = kvd_hpack_delete(kvd_entry_ptr(e), f, flen, &removed);
        kvd_entry_set_ptr(e, KVD_ENC_LISTPACK, p);
    } else {
        kvd_dict_t *d = kvd_entry_ptr(e);
        kvd_dict_rehash_step(d, 1);
        kvd_dict_pos_t pos;
        removed = kvd_dict_lookup(d, kvd_dict_hash(d, f, flen), f, flen, &pos);
        if (removed)
            kvd_free(kvd_dict_remove_at(d, &pos));
    }
    KVD_VERIFY(kvd_hash_verify_invariants(kvd_entry_encoding(e), kvd_entry_ptr(e)));
    return removed;
}

typedef struct table_visit {
    kvd_hash_visit_fn *fn;
    void *arg;
} table_visit_t;

static void table_visit(const kvd_dict_node_t *n, void *arg)
{
    table_visit_t *tv = arg;
    kvd_hash_pair_t pr;
    node_view((const hash_node_t *)n, &pr);
    tv->fn(&pr, tv->arg);
}

void kvd_hash_foreach(kvd_encoding_t enc, const void *h, kvd_hash_visit_fn *fn, void *arg)
{
    if (enc == KVD_ENC_LISTPACK) {
        size_t pos = 0;
        kvd_hash_pair_t pr;
        for (uint32_t i = 0; i < kvd_hpack_count(h); i++) {
            bool more = kvd_hpack_next(h, &pos, &pr);
            KVD_ASSERT(more);
            fn(&pr, arg);
        }
        return;
    }
    KVD_ASSERT(enc == KVD_ENC_HASHTABLE);
    table_visit_t tv = {fn, arg};
    kvd_dict_foreach(h, table_visit, &tv);
}

static void scan_visit(kvd_dict_node_t *n, void *arg)
{
    table_visit(n, arg);
}

uint64_t kvd_hash_scan(void *h, uint64_t cursor, kvd_hash_visit_fn *fn, void *arg)
{
    table_visit_t tv = {fn, arg};
    return kvd_dict_scan(h, cursor, scan_visit, &tv);
}

void kvd_hash_random(kvd_encoding_t enc, const void *h, kvd_env_t *env, kvd_hash_pair_t *out)
{
    uint64_t len = kvd_hash_len(enc, h);
    KVD_ASSERT(len > 0);
    if (enc == KVD_ENC_LISTPACK) {
        uint64_t k = kvd_env_random_below(env, len);
        size_t pos = 0;
        for (uint64_t i = 0; i <= k; i++) {
            bool more = kvd_hpack_next(h, &pos, out);
            KVD_ASSERT(more);
        }
        return;
    }
    kvd_dict_node_t *sample[RANDOM_SAMPLE];
    size_t n = kvd_dict_sample(h, env->random_u64(env), sample, RANDOM_SAMPLE);
    kvd_dict_node_t *pick = n > 0 ? sample[kvd_env_random_below(env, n)]
                                  : kvd_dict_first_from(h, env->random_u64(env));
    KVD_ASSERT(pick != NULL);
    node_view((const hash_node_t *)pick, out);
}

typedef struct pairs_fill {
    kvd_hash_pair_t *out;
    uint64_t n, cap;
} pairs_fill_t;

static void pairs_visit(const kvd_hash_pair_t *pr, void *arg)
{
    pairs_fill_t *pf = arg;
    KVD_ASSERT(pf->n < pf->cap);
    pf->out[pf->n++] = *pr;
}

void kvd_hash_pairs(kvd_encoding_t enc, const void *h, kvd_hash_pair_t *out, uint64_t len)
{
    KVD_ASSERT(len == kvd_hash_len(enc, h));
    pairs_fill_t pf = {out, 0, len};
    kvd_hash_foreach(enc, h, pairs_visit, &pf);
    KVD_ASSERT(pf.n == len);
}

void kvd_hash_free(void *h, kvd_encoding_t enc)
{
    if (enc == KVD_ENC_LISTPACK) {
        kvd_hpack_free(h);
        return;
    }
    KVD_ASSERT(enc == KVD_ENC_HASHTABLE);
    kvd_dict_clear(h, table_free_node, NULL);
    kvd_free(h);
}

void *kvd_hash_dup(const void *h, kvd_encoding_t enc)
{
    if (enc == KVD_ENC_LISTPACK)
        return kvd_hpack_dup(h);
    KVD_ASSERT(enc == KVD_ENC_HASHTABLE);
    const kvd_dict_t *src = h;
    /* Same seeds, so the copy needs no randomness (no env here). */
    kvd_dict_t *d = table_new(src->seed[0], src->seed[1]);
    kvd_hash_foreach(enc, h, convert_visit, d);
    KVD_ASSERT(kvd_dict_count(d) == kvd_dict_count(src));
    return d;
}

static void verify_node(const kvd_dict_node_t *n, void *arg)
{
    const kvd_dict_t *d = arg;
    const hash_node_t *hn = (const hash_node_t *)n;
    kvd_dict_pos_t pos;
    KVD_ASSERT(kvd_dict_lookup(d, kvd_dict_hash(d, hn->data, hn->flen), hn->data, hn->flen, &pos));
    KVD_ASSERT(*pos.link == n);
}

void kvd_hash_verify_invariants(kvd_encoding_t enc, const void *h)
{
    KVD_ASSERT(h != NULL);
    if (enc == KVD_ENC_LISTPACK) {
        kvd_hpack_verify_invariants(h);
        return;
    }
    KVD_ASSERT(enc == KVD_ENC_HASHTABLE);
    kvd_dict_verify(h);
    /* Every node is found under its own field: no duplicates, right chains. */
    kvd_dict_foreach(h, verify_node, (void *)h);
}

/*
 * zset_skiplist.c - skiplist with spans plus member table (zset_skiplist.h).
 *
 * Ranks inside this file are 1-based where they follow spans (the header
 * is rank 0), and the public functions take and return 0-based ranks.
 */
#include "zset_skiplist.h"

#include <malloc.h>

static uint64_t node_hash(const kvd_dict_t *d, const kvd_dict_node_t *n)
{
    const kvd_zsl_node_t *zn = (const kvd_zsl_node_t *)n;
    return kvd_dict_hash(d, kvd_zsl_member(zn), zn->len);
}

static bool node_match(const kvd_dict_node_t *n, const void *key, size_t klen)
{
    const kvd_zsl_node_t *zn = (const kvd_zsl_node_t *)n;
    return zn->len == klen && memcmp(kvd_zsl_member(zn), key, klen) == 0;
}

static const kvd_dict_type_t zsl_dict_type = {node_hash, node_match};

_Static_assert(offsetof(kvd_zsl_node_t, link) == 0, "dict nodes embed the link first");
_Static_assert(KVD_ZSL_MAXLEVEL <= UINT8_MAX, "levels fit nlevel");

static kvd_zsl_node_t *node_new(int nlevel, const char *m, size_t len, double score)
{
    KVD_ASSERT(nlevel >= 1 && nlevel <= KVD_ZSL_MAXLEVEL);
    KVD_ASSERT(len <= UINT32_MAX);
    size_t size;
    KVD_ASSERT(kvd_mul_size((size_t)nlevel, sizeof(kvd_zsl_level_t), &size));
    KVD_ASSERT(kvd_add_size(size, sizeof(kvd_zsl_node_t), &size));
    KVD_ASSERT(kvd_add_size(size, len, &size));
    kvd_zsl_node_t *n = kvd_malloc(size);
    n->link.next = NULL;
    n->score = score;
    n->backward = NULL;
    n->len = (uint32_t)len;
    n->nlevel = (uint8_t)nlevel;
    for (int i = 0; i < nlevel; i++)
        n->level[i] = (kvd_zsl_level_t){NULL, 0};
    if (len > 0)
        memcpy((char *)kvd_zsl_member(n), m, len);
    return n;
}

kvd_zsl_t *kvd_zsl_create(uint64_t seed0, uint64_t seed1, uint64_t rng)
{
    kvd_zsl_t *zsl = kvd_malloc(sizeof(*zsl));
    kvd_dict_init(&zsl->d, &zsl_dict_type, seed0, seed1);
    zsl->header = node_new(KVD_ZSL_MAXLEVEL, NULL, 0, 0);
    zsl->tail = NULL;
    zsl->length = 0;
    zsl->level = 1;
    zsl->rng = rng;
    return zsl;
}

void kvd_zsl_free(kvd_zsl_t *zsl)
{
    if (zsl == NULL)
        return;
    /* The table's nodes live inside the skiplist nodes, and clearing
     * walks (and unlinks) them: clear it while they are still there. */
    kvd_dict_clear(&zsl->d, NULL, NULL);
    kvd_zsl_node_t *x = kvd_zsl_first(zsl);
    while (x != NULL) {
        kvd_zsl_node_t *next = x->level[0].forward;
        kvd_free(x);
        x = next;
    }
    kvd_free(zsl->header);
    kvd_free(zsl);
}

/* Redis's level distribution: each further level with probability 1/4. */
static int random_level(kvd_zsl_t *zsl)
{
    uint64_t z = (zsl->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    int level = 1;
    /* Two bits per level: both zero with probability 1/4. */
    while (level < KVD_ZSL_MAXLEVEL && (z & 3) == 0) {
        level++;
        z >>= 2;
    }
    return level;
}

static int node_cmp(const kvd_zsl_node_t *a, double score, const char *m, size_t len)
{
    return kvd_zset_elem_cmp(a->score, kvd_zsl_member(a), a->len, score, m, len);
}

/* The last node before (score, m) at every level, and its 1-based rank. */
static void find_path(const kvd_zsl_t *zsl, double score, const char *m, size_t len,
                      kvd_zsl_node_t **update, uint64_t *rank)
{
    kvd_zsl_node_t *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        rank[i] = i == zsl->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward != NULL && node_cmp(x->level[i].forward, score, m, len) < 0) {
            rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
}

/* Link n (its levels unset) where find_path said. */
static void link_node(kvd_zsl_t *zsl, kvd_zsl_node_t *n, kvd_zsl_node_t **update, uint64_t *rank)
{
    int lvl = n->nlevel;
    if (lvl > zsl->level) {
        for (int i = zsl->level; i < lvl; i++) {
            rank[i] = 0;
            update[i] = zsl->header;
            update[i]->level[i].span = zsl->length;
        }
        zsl->level = lvl;
    }
    for (int i = 0; i < lvl; i++) {
        n->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = n;
        n->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = rank[0] - rank[i] + 1;
    }
    for (int i = lvl; i < zsl->level; i++)
        update[i]->level[i].span++;
    n->backward = update[0] == zsl->header ? NULL : update[0];
    if (n->level[0].forward != NULL)
        n->level[0].forward->backward = n;
    else
        zsl->tail = n;
    zsl->length++;
}

static void unlink_node(kvd_zsl_t *zsl, kvd_zsl_node_t *x, kvd_zsl_node_t **update)
{
    for (int i = 0; i < zsl->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span--;
        }
    }
    if (x->level[0].forward != NULL)
        x->level[0].forward->backward = x->backward;
    else
        zsl->tail = x->backward;
    while (zsl->level > 1 && zsl->header->level[zsl->level - 1].forward == NULL)
        zsl->level--;
    KVD_ASSERT(zsl->length > 0);
    zsl->length--;
}

kvd_zsl_node_t *kvd_zsl_find(const kvd_zsl_t *zsl, const char *m, size_t len)
{
    kvd_dict_pos_t pos;
    if (!kvd_dict_lookup(&zsl->d, kvd_dict_hash(&zsl->d, m, len), m, len, &pos))
        return NULL;
    return (kvd_zsl_node_t *)*pos.link;
}

void kvd_zsl_insert(kvd_zsl_t *zsl, const char *m, size_t len, double score)
{
    KVD_ASSERT(score == score);
    kvd_zsl_node_t *update[KVD_ZSL_MAXLEVEL];
    uint64_t rank[KVD_ZSL_MAXLEVEL];
    find_path(zsl, score, m, len, update, rank);
    kvd_zsl_node_t *n = node_new(random_level(zsl), m, len, score);
    link_node(zsl, n, update, rank);
    uint64_t h = kvd_dict_hash(&zsl->d, m, len);
    kvd_dict_pos_t pos;
    KVD_ASSERT(!kvd_dict_lookup(&zsl->d, h, m, len, &pos));
    kvd_dict_insert(&zsl->d, h, &n->link);
    kvd_dict_rehash_step(&zsl->d, 1);
}

/* Take x out of the table (the caller unlinks and frees it). */
static void dict_remove(kvd_zsl_t *zsl, kvd_zsl_node_t *x)
{
    const char *m = kvd_zsl_member(x);
    kvd_dict_pos_t pos;
    bool found = kvd_dict_lookup(&zsl->d, kvd_dict_hash(&zsl->d, m, x->len), m, x->len, &pos);
    KVD_ASSERT(found && *pos.link == &x->link);
    kvd_dict_remove_at(&zsl->d, &pos);
    kvd_dict_rehash_step(&zsl->d, 1);
}

bool kvd_zsl_delete(kvd_zsl_t *zsl, const char *m, size_t len)
{
    kvd_zsl_node_t *x = kvd_zsl_find(zsl, m, len);
    if (x == NULL)
        return false;
    kvd_zsl_node_t *update[KVD_ZSL_MAXLEVEL];
    uint64_t rank[KVD_ZSL_MAXLEVEL];
    find_path(zsl, x->score, m, len, update, rank);
    KVD_ASSERT(update[0]->level[0].forward == x);
    dict_remove(zsl, x);
    unlink_node(zsl, x, update);
    kvd_free(x);
    return true;
}

void kvd_zsl_update_score(kvd_zsl_t *zsl, kvd_zsl_node_t *n, double score)
{
    KVD_ASSERT(score == score);
    kvd_zsl_node_t *next = n->level[0].forward;
    /* Strictly between its neighbours: the order holds whatever the members. */
    if ((n->backward == NULL || n->backward->score < score) && (next == NULL || next->score > score)) {
        n->score = score;
        return;
    }
    kvd_zsl_node_t *update[KVD_ZSL_MAXLEVEL];
    uint64_t rank[KVD_ZSL_MAXLEVEL];
    const char *m = kvd_zsl_member(n);
    find_path(zsl, n->score, m, n->len, update, rank);
    KVD_ASSERT(update[0]->level[0].forward == n);
    unlink_node(zsl, n, update);
    n->score = score;
    for (int i = 0; i < n->nlevel; i++)
        n->level[i] = (kvd_zsl_level_t){NULL, 0};
    find_path(zsl, score, m, n->len, update, rank);
    link_node(zsl, n, update, rank);
}

uint64_t kvd_zsl_rank(const kvd_zsl_t *zsl, const kvd_zsl_node_t *n)
{
    const kvd_zsl_node_t *x = zsl->header;
    uint64_t rank = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward != NULL &&
               node_cmp(x->level[i].forward, n->score, kvd_zsl_member(n), n->len) <= 0) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x == n)
            return rank - 1;
    }
    KVD_ASSERT(!"node not in its skiplist");
    return 0;
}

kvd_zsl_node_t *kvd_zsl_at(const kvd_zsl_t *zsl, uint64_t rank)
{
    KVD_ASSERT(rank < zsl->length);
    uint64_t target = rank + 1, traversed = 0;
    kvd_zsl_node_t *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward != NULL && traversed + x->level[i].span <= target) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == target)
            return x;
    }
    KVD_ASSERT(!"rank not reached");
    return NULL;
}

uint64_t kvd_zsl_count_prefix(const kvd_zsl_t *zsl, kvd_zset_pred_fn *pred, const void *arg)
{
    const kvd_zsl_node_t *x = zsl->header;
    uint64_t count = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward != NULL) {
            kvd_zset_elem_t el;
            kvd_zsl_elem(x->level[i].forward, &el);
            if (!pred(&el, arg))
                break;
            count += x->level[i].span;
            x = x->level[i].forward;
        }
    }
    return count;
}

void kvd_zsl_delete_range(kvd_zsl_t *zsl, uint64_t start, uint64_t end)
{
    KVD_ASSERT(start <= end && end <= zsl->length);
    kvd_zsl_node_t *update[KVD_ZSL_MAXLEVEL];
    kvd_zsl_node_t *x = zsl->header;
    uint64_t traversed = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward != NULL && traversed + x->level[i].span <= start) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    x = x->level[0].forward;
    for (uint64_t r = start; r < end; r++) {
        KVD_ASSERT(x != NULL);
        kvd_zsl_node_t *next = x->level[0].forward;
        dict_remove(zsl, x);
        unlink_node(zsl, x, update);
        kvd_free(x);
        x = next;
    }
}

kvd_zsl_t *kvd_zsl_dup(const kvd_zsl_t *zsl)
{
    kvd_zsl_t *copy = kvd_zsl_create(zsl->d.seed[0], zsl->d.seed[1], zsl->rng);
    for (const kvd_zsl_node_t *x = kvd_zsl_first(zsl); x != NULL; x = x->level[0].forward)
        kvd_zsl_insert(copy, kvd_zsl_member(x), x->len, x->score);
    KVD_ASSERT(copy->length == zsl->length);
    return copy;
}

size_t kvd_zsl_memory(const kvd_zsl_t *zsl)
{
    size_t total = malloc_usable_size((void *)zsl) + malloc_usable_size(zsl->header);
    for (int t = 0; t < 2; t++)
        total += zsl->d.t[t].size * sizeof(kvd_dict_node_t *);
    for (const kvd_zsl_node_t *x = kvd_zsl_first(zsl); x != NULL; x = x->level[0].forward)
        total += malloc_usable_size((void *)x);
    return total;
}

/* Every link of level i jumps exactly span ranks; a last link spans to the end. */
static void verify_level(const kvd_zsl_t *zsl, int i)
{
    const kvd_zsl_node_t *x = zsl->header, *walk = zsl->header;
    uint64_t rank = 0, walk_rank = 0;
    while (x->level[i].forward != NULL) {
        const kvd_zsl_node_t *f = x->level[i].forward;
        KVD_ASSERT(i < f->nlevel);
        while (walk != f) {
            walk = walk->level[0].forward;
            KVD_ASSERT(walk != NULL);
            walk_rank++;
        }
        KVD_ASSERT(walk_rank == rank + x->level[i].span);
        rank = walk_rank;
        x = f;
    }
    KVD_ASSERT(x->level[i].span == zsl->length - rank || (x == zsl->header && zsl->length == 0));
}

void kvd_zsl_verify(const kvd_zsl_t *zsl)
{
    KVD_ASSERT(zsl->level >= 1 && zsl->level <= KVD_ZSL_MAXLEVEL);
    KVD_ASSERT(kvd_dict_count(&zsl->d) == zsl->length);
    kvd_dict_verify(&zsl->d);
    const kvd_zsl_node_t *prev = NULL;
    uint64_t n = 0;
    for (const kvd_zsl_node_t *x = kvd_zsl_first(zsl); x != NULL; x = x->level[0].forward) {
        KVD_ASSERT(x->backward == prev);
        KVD_ASSERT(x->score == x->score);
        KVD_ASSERT(x->nlevel >= 1 && x->nlevel <= zsl->level);
        if (prev != NULL)
            KVD_ASSERT(node_cmp(prev, x->score, kvd_zsl_member(x), x->len) < 0);
        KVD_ASSERT(kvd_zsl_find(zsl, kvd_zsl_member(x), x->len) == x);
        prev = x;
        n++;
    }
    KVD_ASSERT(n == zsl->length);
    KVD_ASSERT(zsl->tail == prev);
    for (int i = 0; i < zsl->level; i++)
        verify_level(zsl, i);
    KVD_ASSERT(zsl->level == 1 || zsl->header->level[zsl->level - 1].forward != NULL);
}

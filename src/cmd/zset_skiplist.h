/*
 * zset_skiplist.h - the "skiplist" encoding of a sorted set: a skiplist
 * ordered by (score, member) whose links carry spans (so rank queries and
 * rank ranges cost O(log n)), plus a hash table from member to node for
 * O(1) score lookups.
 *
 * Each element is one allocation holding the dict link, the score, the
 * skiplist levels and the member bytes, so the table and the list share
 * it: a node moves between positions (score update) without being copied.
 * Levels are drawn from a PRNG seeded at creation (from the environment,
 * so the simulator controls it), with Redis's P = 1/4 and at most 32.
 */
#ifndef KVD_ZSET_SKIPLIST_H
#define KVD_ZSET_SKIPLIST_H

#include "../db/dict.h"
#include "zset_pack.h"

#define KVD_ZSL_MAXLEVEL 32

typedef struct kvd_zsl_node kvd_zsl_node_t;

typedef struct kvd_zsl_level {
    kvd_zsl_node_t *forward;
    uint64_t span; /* elements the link skips over, counting its target */
} kvd_zsl_level_t;

struct kvd_zsl_node {
    kvd_dict_node_t link; /* first: the dict chains nodes through it */
    double score;
    kvd_zsl_node_t *backward;
    uint32_t len;
    uint8_t nlevel;
    kvd_zsl_level_t level[]; /* nlevel links, then the member bytes */
};

typedef struct kvd_zsl {
    kvd_dict_t d;
    kvd_zsl_node_t *header; /* KVD_ZSL_MAXLEVEL levels, no member */
    kvd_zsl_node_t *tail;
    uint64_t length;
    int level;
    uint64_t rng;
} kvd_zsl_t;

static inline const char *kvd_zsl_member(const kvd_zsl_node_t *n)
{
    return (const char *)&n->level[n->nlevel];
}

static inline void kvd_zsl_elem(const kvd_zsl_node_t *n, kvd_zset_elem_t *el)
{
    el->m = kvd_zsl_member(n);
    el->len = n->len;
    el->score = n->score;
}

kvd_zsl_t *kvd_zsl_create(uint64_t seed0, uint64_t seed1, uint64_t rng);
void kvd_zsl_free(kvd_zsl_t *zsl);
kvd_zsl_t *kvd_zsl_dup(const kvd_zsl_t *zsl);

/* Node of member, or NULL. */
kvd_zsl_node_t *kvd_zsl_find(const kvd_zsl_t *zsl, const char *m, size_t len);
/* Insert a member that is not there. */
void kvd_zsl_insert(kvd_zsl_t *zsl, const char *m, size_t len, double score);
/* Remove member; true when it was there. */
bool kvd_zsl_delete(kvd_zsl_t *zsl, const char *m, size_t len);
/* Give node a new score, moving it if the order requires. */
void kvd_zsl_update_score(kvd_zsl_t *zsl, kvd_zsl_node_t *n, double score);
/* 0-based rank of a node in the list. */
uint64_t kvd_zsl_rank(const kvd_zsl_t *zsl, const kvd_zsl_node_t *n);
/* Node at 0-based rank (< length). */
kvd_zsl_node_t *kvd_zsl_at(const kvd_zsl_t *zsl, uint64_t rank);
/* Number of leading elements for which pred holds (pred monotone). */
uint64_t kvd_zsl_count_prefix(const kvd_zsl_t *zsl, kvd_zset_pred_fn *pred, const void *arg);
/* Remove ranks [start, end). */
void kvd_zsl_delete_range(kvd_zsl_t *zsl, uint64_t start, uint64_t end);

static inline kvd_zsl_node_t *kvd_zsl_first(const kvd_zsl_t *zsl)
{
    return zsl->header->level[0].forward;
}

/* Bytes the structure occupies (MEMORY USAGE). */
size_t kvd_zsl_memory(const kvd_zsl_t *zsl);
/* Order, spans, backward links, dict agreement; aborts on violation. */
void kvd_zsl_verify(const kvd_zsl_t *zsl);

#endif /* KVD_ZSET_SKIPLIST_H */

/*
 * dict.h - an intrusive chained hash table with incremental rehashing.
 *
 * Nodes are owned by the caller and embed a kvd_dict_node_t as their first
 * member, so a keyspace entry is one allocation holding its own chain link
 * (no separate "dict entry" record per key).  The table never hashes keys
 * itself beyond kvd_dict_hash(): callers hash once per operation and pass
 * the hash in, and the table calls the type's node_hash() only to move a
 * node during rehashing and to verify invariants.
 *
 * Incremental rehashing: a resize allocates a second bucket array and
 * moves buckets across a few at a time (kvd_dict_rehash_step), so no
 * single operation touches every key.  The table does not step itself:
 * the owner calls kvd_dict_rehash_step() once per logical operation, which
 * keeps the work per operation explicit and measurable (db.c records it).
 * Lookups are therefore pure reads and may take a const table.
 *
 * Resizing policy: grow to twice the size when the load factor reaches 1;
 * shrink when fewer than 10% of the buckets are used, to the smallest power
 * of two that leaves the load factor at or below 1/2 (hysteresis, so
 * alternating inserts and deletes at a boundary do not thrash), never below
 * KVD_DICT_MIN_SIZE.  A new resize never starts while one is in progress.
 *
 * Positions (kvd_dict_pos_t) returned by kvd_dict_lookup stay valid until
 * the next call that inserts, removes or rehashes.
 */
#ifndef KVD_DICT_H
#define KVD_DICT_H

#include "../core/kvd.h"

typedef struct kvd_dict_node {
    struct kvd_dict_node *next;
} kvd_dict_node_t;

typedef struct kvd_dict kvd_dict_t;

/*
 * Callbacks per kind of table.  node_hash must return kvd_dict_hash() of
 * the key the node carries (it is called when moving nodes and when
 * verifying).  node_match returns true when the node carries key.
 */
typedef struct kvd_dict_type {
    uint64_t (*node_hash)(const kvd_dict_t *d, const kvd_dict_node_t *n);
    bool (*node_match)(const kvd_dict_node_t *n, const void *key, size_t klen);
} kvd_dict_type_t;

typedef struct kvd_dict_table {
    kvd_dict_node_t **buckets; /* NULL exactly when size == 0 */
    uint64_t size;             /* 0 or a power of two */
    uint64_t used;             /* nodes linked in this table */
} kvd_dict_table_t;

struct kvd_dict {
    const kvd_dict_type_t *type;
    kvd_dict_table_t t[2]; /* t[1] is non-empty only while rehashing */
    uint64_t rehash_idx;   /* next t[0] bucket to migrate (valid while rehashing) */
    bool rehashing;
    uint64_t seed[2];      /* SipHash key */
};

typedef struct kvd_dict_pos {
    kvd_dict_node_t **link; /* the pointer that points at the node */
    int table;              /* 0 or 1 */
} kvd_dict_pos_t;

#define KVD_DICT_MIN_SIZE 4
/* Empty buckets one step may skip per non-empty bucket it was asked to move. */
#define KVD_DICT_EMPTY_VISITS 10

void kvd_dict_init(kvd_dict_t *d, const kvd_dict_type_t *type, uint64_t seed0, uint64_t seed1);
/* Unlink every node, calling free_node (may be NULL) on each, and release
 * the bucket arrays.  The table is empty and reusable afterwards. */
void kvd_dict_clear(kvd_dict_t *d, void (*free_node)(kvd_dict_node_t *n, void *arg), void *arg);

/* SipHash-1-3 of key under the table's seed. */
uint64_t kvd_dict_hash(const kvd_dict_t *d, const void *key, size_t klen);
/* SipHash with c compression and f finalization rounds (tests check the
 * published SipHash-2-4 vectors through it; the table uses 1-3). */
uint64_t kvd_siphash(const void *p, size_t n, uint64_t k0, uint64_t k1, int c, int f);

static inline uint64_t kvd_dict_count(const kvd_dict_t *d)
{
    return d->t[0].used + d->t[1].used;
}

static inline uint64_t kvd_dict_buckets(const kvd_dict_t *d)
{
    return d->t[0].size + d->t[1].size;
}

/* Find the node carrying key (h = kvd_dict_hash(key)).  Fills *pos when found. */
bool kvd_dict_lookup(const kvd_dict_t *d, uint64_t h, const void *key, size_t klen,
                     kvd_dict_pos_t *pos);
/* Link n (its key must be absent).  May start a resize, never steps one. */
void kvd_dict_insert(kvd_dict_t *d, uint64_t h, kvd_dict_node_t *n);
/* Unlink the node at pos and return it.  May start a shrink. */
kvd_dict_node_t *kvd_dict_remove_at(kvd_dict_t *d, const kvd_dict_pos_t *pos);
/* Put n, carrying the same key, in place of the node at pos. */
void kvd_dict_replace_at(kvd_dict_t *d, const kvd_dict_pos_t *pos, kvd_dict_node_t *n);

/* Start a shrink when the table is under 10% full and not resizing.
 * Removals check by themselves; a cron calls this for tables that went
 * quiet while a resize was in progress. */
void kvd_dict_shrink_if_needed(kvd_dict_t *d);

/*
 * Migrate up to `nonempty` non-empty buckets, skipping at most
 * nonempty * KVD_DICT_EMPTY_VISITS empty ones.  Returns the number of
 * buckets visited (0 when not rehashing): with nonempty == 1 that is at
 * most KVD_DICT_EMPTY_VISITS.
 */
uint64_t kvd_dict_rehash_step(kvd_dict_t *d, uint64_t nonempty);

/*
 * One SCAN step: call fn on every node of the bucket(s) the cursor names
 * and return the next cursor (0 when the walk is complete).  Every node
 * linked for the whole walk is reported at least once whatever resizes
 * and rehash steps happen between calls.  fn must not modify the table.
 */
typedef void kvd_dict_scan_fn(kvd_dict_node_t *n, void *arg);
uint64_t kvd_dict_scan(kvd_dict_t *d, uint64_t cursor, kvd_dict_scan_fn *fn, void *arg);

/*
 * Collect up to max nodes from consecutive buckets starting at bucket
 * index `start` (taken modulo the larger table), visiting at most
 * max * KVD_DICT_EMPTY_VISITS buckets.  Returns how many were stored.
 */
size_t kvd_dict_sample(const kvd_dict_t *d, uint64_t start, kvd_dict_node_t **out, size_t max);
/* The first node at or after bucket `start`, walking every bucket at most
 * once; NULL only when the table is empty.  O(buckets) in the worst case:
 * the fallback when sampling found nothing. */
kvd_dict_node_t *kvd_dict_first_from(const kvd_dict_t *d, uint64_t start);

/* Call fn on every node, in bucket order; fn must not modify the table. */
typedef void kvd_dict_visit_fn(const kvd_dict_node_t *n, void *arg);
void kvd_dict_foreach(const kvd_dict_t *d, kvd_dict_visit_fn *fn, void *arg);

/* Check every structural invariant (O(n)); aborts on violation. */
void kvd_dict_verify(const kvd_dict_t *d);

#endif /* KVD_DICT_H */

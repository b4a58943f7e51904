/*
 * zset_type.h - the sorted set behind a KVD_TYPE_ZSET entry, over its two
 * encodings, as the commands (t_zset*.c) and other types (SORT) see it.
 *
 *   listpack  a kvd_zpack_t (zset_pack.h) while small
 *   skiplist  a kvd_zsl_t (zset_skiplist.h): skiplist with spans + table
 *
 * Conversion follows Redis 7.0 exactly: ZADD creates a skiplist when
 * zset-max-listpack-entries is 0 or the first member is longer than
 * zset-max-listpack-value; an insert converts when the count would pass
 * the entries limit or the member is longer than the value limit; nothing
 * converts back except results of the STORE commands, which become
 * listpacks when they fit (kvd_zset_fit).
 *
 * Elements are ordered by score, then by member bytes.  Ranks are 0-based
 * in ascending order.  Range commands reduce to rank ranges: the elements
 * in a score or lex range are ranks [count_prefix(below min),
 * count_prefix(not above max)).
 */
#ifndef KVD_ZSET_TYPE_H
#define KVD_ZSET_TYPE_H

#include "../core/env.h"
#include "../db/db.h"
#include "zset_pack.h"
#include "zset_skiplist.h"

typedef struct kvd_zset {
    kvd_encoding_t enc; /* KVD_ENC_LISTPACK or KVD_ENC_SKIPLIST; mirrors the entry's tag */
    kvd_zpack_t pack;   /* valid when enc == KVD_ENC_LISTPACK */
    kvd_zsl_t *sl;      /* valid when enc == KVD_ENC_SKIPLIST */
} kvd_zset_t;

/* The thresholds (read from the live configuration at each write) and
 * the environment that seeds a new skiplist. */
typedef struct kvd_zset_ctx {
    uint64_t max_entries;
    uint64_t max_value;
    kvd_env_t *env;
} kvd_zset_ctx_t;

/* An empty set in the given encoding. */
kvd_zset_t *kvd_zset_create(const kvd_zset_ctx_t *ctx, kvd_encoding_t enc);
/* An empty set encoded as ZADD creates one whose first member is first_len long. */
kvd_zset_t *kvd_zset_new(const kvd_zset_ctx_t *ctx, size_t first_len);
void kvd_zset_destroy(kvd_zset_t *z);
kvd_zset_t *kvd_zset_dup(const kvd_zset_t *z);
uint64_t kvd_zset_size(const kvd_zset_t *z);

/* ZADD's input flags and what happened (Redis's zsetAdd contract). */
enum {
    KVD_ZADD_INCR = 1 << 0,
    KVD_ZADD_NX = 1 << 1,
    KVD_ZADD_XX = 1 << 2,
    KVD_ZADD_GT = 1 << 3,
    KVD_ZADD_LT = 1 << 4,
};
enum {
    KVD_ZADD_OUT_NOP = 1 << 0,     /* not applied: a condition failed */
    KVD_ZADD_OUT_ADDED = 1 << 1,   /* new member */
    KVD_ZADD_OUT_UPDATED = 1 << 2, /* score changed */
};
/*
 * Add or update member with score (an increment with KVD_ZADD_INCR).
 * Returns false, changing nothing, when the score (or the incremented
 * score) is NaN.  *newscore is set when the element was added or its
 * score considered (not for NOP results).  May convert the encoding.
 */
bool kvd_zset_add(kvd_zset_t *z, const kvd_zset_ctx_t *ctx, const char *m, size_t len,
                  double score, int flags, int *out, double *newscore);
/* Plain insert-or-update, as a result set is built (no conditions). */
void kvd_zset_set(kvd_zset_t *z, const kvd_zset_ctx_t *ctx, const char *m, size_t len,
                  double score);
bool kvd_zset_remove(kvd_zset_t *z, const char *m, size_t len);
/* Remove ranks [start, end) (start <= end <= size). */
void kvd_zset_remove_range(kvd_zset_t *z, uint64_t start, uint64_t end);

bool kvd_zset_score(const kvd_zset_t *z, const char *m, size_t len, double *score);
/* 0-based ascending rank of member; false when absent. */
bool kvd_zset_rank(const kvd_zset_t *z, const char *m, size_t len, uint64_t *rank);
/* The element at rank (< size). */
void kvd_zset_at(const kvd_zset_t *z, uint64_t rank, kvd_zset_elem_t *el);
/* Number of leading elements for which pred holds (pred monotone over the order). */
uint64_t kvd_zset_count_prefix(const kvd_zset_t *z, kvd_zset_pred_fn *pred, const void *arg);

/* A walk from a rank, upwards or (rev) downwards. */
typedef struct kvd_zset_iter {
    const kvd_zset_t *z;
    bool rev;
    uint64_t left;          /* elements still ahead */
    size_t off;             /* listpack: offset of the next element */
    const kvd_zsl_node_t *node; /* skiplist: the next node */
} kvd_zset_iter_t;
void kvd_zset_iter_init(kvd_zset_iter_t *it, const kvd_zset_t *z, uint64_t rank, bool rev);
bool kvd_zset_iter_next(kvd_zset_iter_t *it, kvd_zset_elem_t *el);

/* Visit every element in ascending order; fn must not modify z. */
typedef void kvd_zset_visit_fn(const char *m, size_t len, double score, void *arg);
void kvd_zset_foreach(const kvd_zset_t *z, kvd_zset_visit_fn *fn, void *arg);
/* One ZSCAN step over a skiplist set (table order); returns the next cursor. */
uint64_t kvd_zset_scan(kvd_zset_t *z, uint64_t cursor, kvd_zset_visit_fn *fn, void *arg);

/* Make the encoding what a STORE result gets: listpack when it fits. */
void kvd_zset_fit(kvd_zset_t *z, const kvd_zset_ctx_t *ctx);
/* Convert to a skiplist now. */
void kvd_zset_to_skiplist(kvd_zset_t *z, const kvd_zset_ctx_t *ctx);

/* Bytes the value occupies beyond its entry (MEMORY USAGE). */
size_t kvd_zset_memory(const kvd_zset_t *z);
/* Check every structural invariant (O(n) or more); aborts on violation.
 * Limits are not checked: CONFIG SET may lower them under existing sets. */
void kvd_zset_verify_invariants(const kvd_zset_t *z);

/* kvd_db_register_free/dup/memory hooks for KVD_TYPE_ZSET. */
void kvd_zset_free_value(void *ptr, kvd_encoding_t enc);
void *kvd_zset_dup_value(const void *ptr, kvd_encoding_t enc);
size_t kvd_zset_memory_value(const void *ptr, kvd_encoding_t enc);

#endif /* KVD_ZSET_TYPE_H */

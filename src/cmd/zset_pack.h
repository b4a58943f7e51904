/*
 * zset_pack.h - the compact ("listpack") encoding of a small sorted set:
 * one buffer of entries kept in (score, member) order.
 *
 * Entry layout, chosen to be small (a million 5-member sorted sets is a
 * common shape) and walkable both ways without an index (reverse ranges,
 * ZPOPMAX):
 *
 *     varint len | member bytes | score | back
 *
 * The score is a varint when it is an integer below 2^53 in magnitude,
 * else a tag byte and the f64; `back` is the size of the first three parts
 * as a byte-reversed varint, read from the end (zset_pack.c).
 *
 * Fields are unaligned and read with memcpy.  Every operation is O(n) in
 * the entries: the pack only holds up to zset-max-listpack-entries of them
 * (128 by default), where a linear walk beats pointer chasing.
 */
#ifndef KVD_ZSET_PACK_H
#define KVD_ZSET_PACK_H

#include "../core/kvd.h"

/* One element as a view into its container (valid until it changes). */
typedef struct kvd_zset_elem {
    const char *m;
    size_t len;
    double score;
} kvd_zset_elem_t;

/* A prefix predicate over the order: true for a leading run of elements
 * and false for the rest (e.g. "below the range's minimum"). */
typedef bool kvd_zset_pred_fn(const kvd_zset_elem_t *el, const void *arg);

typedef struct kvd_zpack {
    char *buf;
    size_t used, cap;
    uint64_t count;
} kvd_zpack_t;

void kvd_zpack_init(kvd_zpack_t *p);
void kvd_zpack_release(kvd_zpack_t *p);
void kvd_zpack_copy(kvd_zpack_t *dst, const kvd_zpack_t *src);

/* Read the entry at off into *el; returns the offset of the next entry. */
size_t kvd_zpack_read(const kvd_zpack_t *p, size_t off, kvd_zset_elem_t *el);
/* Offset of the entry before the one at off (off > 0). */
size_t kvd_zpack_prev(const kvd_zpack_t *p, size_t off);
/* Offset of the entry of rank `rank` (0-based, < count); O(rank). */
size_t kvd_zpack_offset_of(const kvd_zpack_t *p, uint64_t rank);
/* Offset of the last entry (count > 0). */
size_t kvd_zpack_last(const kvd_zpack_t *p);

/* Find member: true with its offset and rank filled (either may be NULL). */
bool kvd_zpack_find(const kvd_zpack_t *p, const char *m, size_t len, size_t *off,
                    uint64_t *rank);
/* Insert a member that is not there, in order. */
void kvd_zpack_insert(kvd_zpack_t *p, const char *m, size_t len, double score);
/* Remove the entry at off. */
void kvd_zpack_delete_at(kvd_zpack_t *p, size_t off);
/* Remove ranks [start, end). */
void kvd_zpack_delete_range(kvd_zpack_t *p, uint64_t start, uint64_t end);
/* Number of leading elements for which pred holds. */
uint64_t kvd_zpack_count_prefix(const kvd_zpack_t *p, kvd_zset_pred_fn *pred, const void *arg);
/* Length of the longest member (for the conversion rules). */
size_t kvd_zpack_max_member(const kvd_zpack_t *p);

/* Order of elements: score, then member bytes (a prefix sorts first). */
int kvd_zset_elem_cmp(double s1, const char *m1, size_t l1, double s2, const char *m2, size_t l2);
/* memcmp order on member bytes, a prefix first. */
int kvd_zset_member_cmp(const char *m1, size_t l1, const char *m2, size_t l2);

/* Structure, order and uniqueness; aborts on violation. */
void kvd_zpack_verify(const kvd_zpack_t *p);

#endif /* KVD_ZSET_PACK_H */

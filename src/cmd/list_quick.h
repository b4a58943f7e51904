/*
 * list_quick.h - the list value: a doubly-linked list of packed nodes.
 *
 * Each node holds up to a bounded number of elements in one byte buffer
 * (length-prefixed and length-suffixed, so it can be walked both ways),
 * which keeps small lists in one allocation and makes pushes and pops at
 * either end O(1): only the end node is touched, and a node is at most a
 * few KB.  The node bound comes from list-max-listpack-size when the list
 * is created: negative -k means at most 4 KB << (k - 1) bytes (clamped to
 * -5, 64 KB), positive n means at most n elements (and at most 8 KB).  An
 * element larger than the byte bound gets a node of its own.
 *
 * Iterators are the way in: seek to an index, walk in either direction,
 * and delete, replace or insert at the current element.  Any change made
 * other than through the iterator invalidates it.
 */
#ifndef KVD_LIST_QUICK_H
#define KVD_LIST_QUICK_H

#include "../core/kvd.h"

typedef struct kvd_qlist kvd_qlist_t;
typedef struct kvd_qnode kvd_qnode_t;

typedef struct kvd_qlist_iter {
    kvd_qlist_t *ql;
    kvd_qnode_t *node;  /* node of the next element, NULL when exhausted */
    size_t off;         /* forward: start of the next element; backward: its end */
    kvd_qnode_t *cur;   /* node of the element next() last returned */
    size_t cur_off;     /* its start */
    bool forward;
} kvd_qlist_iter_t;

kvd_qlist_t *kvd_qlist_new(int fill);
void kvd_qlist_free(kvd_qlist_t *ql);
kvd_qlist_t *kvd_qlist_dup(const kvd_qlist_t *ql);
uint64_t kvd_qlist_len(const kvd_qlist_t *ql);
uint64_t kvd_qlist_node_count(const kvd_qlist_t *ql);

/* Add an element at the head (LPUSH) or the tail (RPUSH). */
void kvd_qlist_push(kvd_qlist_t *ql, bool head, const void *p, size_t n);
/* Remove count elements starting at index start (0 <= start, start + count <= len). */
void kvd_qlist_delete_range(kvd_qlist_t *ql, uint64_t start, uint64_t count);

/* Position an iterator so next() returns element index (0 <= index < len),
 * then walks towards the tail (forward) or the head. */
void kvd_qlist_iter_at(kvd_qlist_t *ql, kvd_qlist_iter_t *it, uint64_t index, bool forward);
/* The next element's bytes (valid until the list changes); false at the end. */
bool kvd_qlist_iter_next(kvd_qlist_iter_t *it, const char **p, size_t *n);
/* Delete the element next() last returned; the walk continues after it. */
void kvd_qlist_iter_delete(kvd_qlist_iter_t *it);
/* Replace the element next() last returned (LSET); ends the walk. */
void kvd_qlist_iter_replace(kvd_qlist_iter_t *it, const void *p, size_t n);
/* Insert before or after the element next() last returned (LINSERT); ends the walk. */
void kvd_qlist_iter_insert(kvd_qlist_iter_t *it, bool after, const void *p, size_t n);

/* Debug builds: node counts sum to the length, no empty node, sizes in bounds. */
void kvd_qlist_verify_invariants(const kvd_qlist_t *ql);

#endif /* KVD_LIST_QUICK_H */

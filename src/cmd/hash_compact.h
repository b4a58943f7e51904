/*
 * hash_compact.h - the compact encoding of small hashes ("listpack" in
 * OBJECT ENCODING): one allocation holding field/value pairs back to back,
 * each string stored as a varint length and its bytes, searched linearly.
 *
 * Small hashes are most of a typical keyspace, so this trades O(n) lookups
 * (n is bounded by hash-max-listpack-entries) for one allocation per key
 * and about two bytes of overhead per string.  Pairs keep insertion order,
 * as Redis's listpack does, so HGETALL on a small hash replies in the
 * same order as Redis.
 *
 * Functions that grow or shrink the buffer return its new address: the
 * old one is invalid afterwards.
 */
#ifndef KVD_HASH_COMPACT_H
#define KVD_HASH_COMPACT_H

#include "../core/kvd.h"

typedef struct kvd_hpack kvd_hpack_t;

/* Bytes of field plus value a pack may hold; past it the caller converts. */
#define KVD_HPACK_MAX_BYTES ((size_t)1 << 30)

/* A view of one pair; pointers are valid until the pack next changes. */
typedef struct kvd_hpack_pair {
    const char *field;
    size_t flen;
    const char *value;
    size_t vlen;
} kvd_hpack_pair_t;

kvd_hpack_t *kvd_hpack_new(void);
void kvd_hpack_free(kvd_hpack_t *p);
kvd_hpack_t *kvd_hpack_dup(const kvd_hpack_t *p);
uint32_t kvd_hpack_count(const kvd_hpack_t *p);
/* Bytes used by the pairs (lengths included). */
size_t kvd_hpack_bytes(const kvd_hpack_t *p);

/* True and *out filled when field is present. */
bool kvd_hpack_find(const kvd_hpack_t *p, const char *f, size_t flen, kvd_hpack_pair_t *out);
/* Insert or overwrite; *added tells which.  flen, vlen < KVD_HPACK_MAX_BYTES. */
kvd_hpack_t *kvd_hpack_set(kvd_hpack_t *p, const char *f, size_t flen, const char *v, size_t vlen,
                           bool *added);
/* Remove field; *removed tells whether it was there. */
kvd_hpack_t *kvd_hpack_delete(kvd_hpack_t *p, const char *f, size_t flen, bool *removed);

/*
 * Iterate: start with *pos = 0; each call fills *out with the next pair
 * and returns true, or returns false at the end.
 */
bool kvd_hpack_next(const kvd_hpack_t *p, size_t *pos, kvd_hpack_pair_t *out);

/* Check the structure (lengths in bounds, count right, fields distinct). */
void kvd_hpack_verify_invariants(const kvd_hpack_t *p);

#endif /* KVD_HASH_COMPACT_H */

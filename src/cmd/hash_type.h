/*
 * hash_type.h - the hash value behind a KVD_TYPE_HASH entry, over its two
 * encodings: a kvd_hpack_t ("listpack") while small, then a kvd_dict_t of
 * field nodes ("hashtable"), converted one way only, past the thresholds
 * hash-max-listpack-entries and hash-max-listpack-value, as Redis 7.0 does.
 *
 * Writes take the entry, because a compact pack moves when it grows and
 * conversion changes the encoding: both are recorded on the entry with
 * kvd_entry_set_ptr (which never moves the entry itself).
 */
#ifndef KVD_HASH_TYPE_H
#define KVD_HASH_TYPE_H

#include "../db/db.h"
#include "hash_compact.h"

/* A field and its value, as views into the hash (valid until it changes). */
typedef kvd_hpack_pair_t kvd_hash_pair_t;

/* The thresholds, read from the live configuration at each write. */
typedef struct kvd_hash_limits {
    int64_t max_entries;
    int64_t max_value;
} kvd_hash_limits_t;

/* An empty compact hash, for a key about to get its first field. */
void *kvd_hash_new(void);
uint64_t kvd_hash_len(kvd_encoding_t enc, const void *h);
/* True and *out filled when field exists.  May step a rehash. */
bool kvd_hash_get(kvd_encoding_t enc, void *h, const char *f, size_t flen, kvd_hash_pair_t *out);
/* Insert or overwrite, converting first or after as the limits say; env
 * seeds a new table.  Returns true when the field was added.  f and v
 * must not point into the hash. */
bool kvd_hash_set(kvd_entry_t *e, const kvd_hash_limits_t *lim, kvd_env_t *env, const char *f,
                  size_t flen, const char *v, size_t vlen);
/* Remove field; true when it was there.  The caller deletes an emptied key. */
bool kvd_hash_delete(kvd_entry_t *e, const char *f, size_t flen);

/* Every pair: insertion order for compact hashes, bucket order for tables. */
typedef void kvd_hash_visit_fn(const kvd_hash_pair_t *pr, void *arg);
void kvd_hash_foreach(kvd_encoding_t enc, const void *h, kvd_hash_visit_fn *fn, void *arg);
/* A random pair of a non-empty hash. */
void kvd_hash_random(kvd_encoding_t enc, const void *h, kvd_env_t *env, kvd_hash_pair_t *out);
/* Fill out[0..len) with every pair (len == kvd_hash_len). */
void kvd_hash_pairs(kvd_encoding_t enc, const void *h, kvd_hash_pair_t *out, uint64_t len);
/* One HSCAN step over a table-encoded hash, as kvd_dict_scan. */
uint64_t kvd_hash_scan(void *h, uint64_t cursor, kvd_hash_visit_fn *fn, void *arg);

void kvd_hash_free(void *h, kvd_encoding_t enc);
void *kvd_hash_dup(const void *h, kvd_encoding_t enc);
/* Structure checks for either encoding; aborts on violation.  Limits are
 * not checked: CONFIG SET may lower them under existing compact hashes. */
void kvd_hash_verify_invariants(kvd_encoding_t enc, const void *h);

#endif /* KVD_HASH_TYPE_H */

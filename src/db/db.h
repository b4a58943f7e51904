/*
 * db.h - one logical database of a shard: keys to values, with expiry.
 *
 * The keyspace is a chained hash table with incremental rehashing (dict.c):
 * a resize never moves every key at once; each operation migrates a bounded
 * number of buckets.  Each key is one allocation (kvd_entry_t) that holds
 * the key bytes and, for small strings, the value itself, so a 16-byte key
 * with a 16-byte value costs one 48-byte jemalloc chunk plus its bucket.
 *
 * Entry pointers are valid only until the next write to the same database
 * (a write may reallocate or free entries).  Read what you need, reply,
 * then write.  More precisely: an entry moves or dies only through a call
 * that names its key (set_*, delete, rename, string_append/setrange, which
 * return the new pointer) or that may expire or remove it (any lookup of
 * it, scan, random, active_expire, flush, destroy).  set_expire, persist,
 * touch and kvd_entry_set_ptr never move it.
 *
 * Keys and values are binary-safe byte strings; a key may be up to
 * 4 GiB - 1 bytes (the protocol already caps it at 512 MB by default).
 *
 * Expiry: an absolute Unix time in milliseconds per volatile key.  Lookups
 * apply lazy expiry (an expired key is deleted and reported as absent);
 * kvd_db_active_expire() samples volatile keys under a time budget.  All
 * time comes from the environment (env.h) so the simulator controls it.
 */
#ifndef KVD_DB_H
#define KVD_DB_H

#include "../core/env.h"

typedef enum {
    KVD_TYPE_STRING = 0,
    KVD_TYPE_LIST = 1,
    KVD_TYPE_SET = 2,
    KVD_TYPE_ZSET = 3,
    KVD_TYPE_HASH = 4,
} kvd_type_t;

/* Encodings, named as OBJECT ENCODING reports them. */
typedef enum {
    KVD_ENC_RAW = 0,       /* "raw" */
    KVD_ENC_INT = 1,       /* "int" */
    KVD_ENC_EMBSTR = 2,    /* "embstr": stored inside the entry */
    KVD_ENC_HASHTABLE = 3, /* "hashtable" */
    KVD_ENC_LISTPACK = 4,  /* "listpack" */
    KVD_ENC_QUICKLIST = 5, /* "quicklist" */
    KVD_ENC_INTSET = 6,    /* "intset" */
    KVD_ENC_SKIPLIST = 7,  /* "skiplist" */
} kvd_encoding_t;

typedef struct kvd_entry kvd_entry_t; /* opaque: see db.c */
typedef struct kvd_db kvd_db_t;

/* Frees a collection value; registered per type by the type's file. */
typedef void kvd_value_free_fn(void *ptr, kvd_encoding_t enc);
void kvd_db_register_free(kvd_type_t type, kvd_value_free_fn *fn);
/* Deep-copies a collection value (COPY); registered per type like free. */
typedef void *kvd_value_dup_fn(const void *ptr, kvd_encoding_t enc);
void kvd_db_register_dup(kvd_type_t type, kvd_value_dup_fn *fn);
void *kvd_value_dup(kvd_type_t type, kvd_encoding_t enc, const void *ptr);
/* Bytes a collection value occupies beyond its entry (MEMORY USAGE). */
typedef size_t kvd_value_memory_fn(const void *ptr, kvd_encoding_t enc);
void kvd_db_register_memory(kvd_type_t type, kvd_value_memory_fn *fn);
/* Bytes a key costs: its entry, its value, its expiry node (MEMORY USAGE).
 * Collections whose type registered no memory function count their entry only. */
size_t kvd_entry_memory(const kvd_entry_t *e);

/* Per-database counters that INFO reports (summed over databases). */
typedef struct kvd_db_stats {
    uint64_t expired_keys;
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
} kvd_db_stats_t;

kvd_db_t *kvd_db_create(int index, kvd_env_t *env, kvd_db_stats_t *stats);
void kvd_db_destroy(kvd_db_t *db);
int kvd_db_index(const kvd_db_t *db);

/* ---- lookup ---- */
/* Find a live key (lazy expiry applied).  NULL when absent.  Does not
 * touch hit/miss counters; kvd_db_lookup_read does. */
kvd_entry_t *kvd_db_find(kvd_db_t *db, const char *key, size_t klen);
/* As kvd_db_find, counting a keyspace hit or miss and updating the LRU clock. */
kvd_entry_t *kvd_db_lookup_read(kvd_db_t *db, const char *key, size_t klen);

const char *kvd_entry_key(const kvd_entry_t *e, size_t *klen);
kvd_type_t kvd_entry_type(const kvd_entry_t *e);
kvd_encoding_t kvd_entry_encoding(const kvd_entry_t *e);
const char *kvd_type_name(kvd_type_t t);         /* "string", "list", ... */
const char *kvd_encoding_name(kvd_encoding_t e); /* "embstr", "int", ... */
/* Seconds since the entry was last read or written (OBJECT IDLETIME). */
uint64_t kvd_entry_idle_seconds(kvd_db_t *db, const kvd_entry_t *e);

/*
 * String value bytes.  For an INT-encoded value the decimal text is
 * written into tmp (at least 21 bytes) and tmp is returned.
 */
const char *kvd_entry_str(const kvd_entry_t *e, size_t *len, char *tmp);
/* True and *out set when the value is INT-encoded. */
bool kvd_entry_int(const kvd_entry_t *e, int64_t *out);
/* Collection object of a non-string entry. */
void *kvd_entry_ptr(const kvd_entry_t *e);

/* ---- writes ---- */
#define KVD_SET_KEEPTTL 1 /* keep the existing expiry (otherwise it is cleared) */
/* Store RAW whatever the value, as Redis leaves APPEND and SETRANGE results. */
#define KVD_SET_FORCE_RAW 2
/* Never INT-encode: embstr up to 44 bytes, raw above (Redis's INCRBYFLOAT
 * result is "embstr" even when it reads as an integer). */
#define KVD_SET_NO_INT 4

/* Create or overwrite key with a string value, choosing the encoding as
 * Redis does (int for canonical integers that fit, embstr up to 44 bytes,
 * raw above).  Returns the new entry. */
kvd_entry_t *kvd_db_set_string(kvd_db_t *db, const char *key, size_t klen, const char *val,
                               size_t vlen, int flags);
kvd_entry_t *kvd_db_set_int(kvd_db_t *db, const char *key, size_t klen, int64_t v, int flags);
/* INCR in place: e is a live int-encoded string entry of db, just found;
 * its value becomes v, it keeps its expiry and is touched.  The same
 * result as kvd_db_set_int(..., KVD_SET_KEEPTTL) without a second lookup. */
void kvd_db_rewrite_int(kvd_db_t *db, kvd_entry_t *e, int64_t v);
/* Create or overwrite key with a collection; the db owns ptr from now on. */
kvd_entry_t *kvd_db_set_ptr(kvd_db_t *db, const char *key, size_t klen, kvd_type_t type,
                            kvd_encoding_t enc, void *ptr, int flags);
/* Change the encoding tag of a collection entry after converting it in place. */
void kvd_entry_set_ptr(kvd_entry_t *e, kvd_encoding_t enc, void *ptr);
/*
 * APPEND in place: e is a live string entry of db.  The result is RAW (as
 * in Redis), keeps its expiry and is touched; a RAW buffer grows
 * geometrically, so repeated appends cost amortized O(n) in the bytes
 * appended.  Returns the entry, which may have moved (e is then invalid).
 * p may point into e's own value.
 */
kvd_entry_t *kvd_db_string_append(kvd_db_t *db, kvd_entry_t *e, const char *p, size_t n);
/*
 * SETRANGE in place: write p[0..n) at off, zero-padding from the current
 * end when off is past it; the result is RAW, keeps its expiry and is
 * touched.  n == 0 changes nothing (Redis leaves the value and its
 * encoding alone).  Returns the entry, which may have moved.
 */
kvd_entry_t *kvd_db_string_setrange(kvd_db_t *db, kvd_entry_t *e, size_t off, const char *p,
                                    size_t n);
/*
 * RENAME and MOVE in O(1), without copying the value: move key's value and
 * expiry from src to newkey in dst (src may be dst), first deleting what
 * dst held under newkey.  The moved value is touched, as Redis's write
 * lookup does.  Returns the entry now under newkey, or NULL (and nothing
 * changes) when key does not exist; renaming a key to itself returns its
 * entry unchanged.
 */
kvd_entry_t *kvd_db_rename(kvd_db_t *src, const char *key, size_t klen, kvd_db_t *dst,
                           const char *newkey, size_t newklen);
/* Mark e as just used (OBJECT IDLETIME 0), as Redis's write lookups do. */
void kvd_db_touch(kvd_db_t *db, kvd_entry_t *e);
/* Delete; returns true when the key existed (expired keys count as absent). */
bool kvd_db_delete(kvd_db_t *db, const char *key, size_t klen);
/* Remove every key. */
void kvd_db_flush(kvd_db_t *db);
/* Move the whole contents of a and b (SWAPDB). */
void kvd_db_swap(kvd_db_t *a, kvd_db_t *b);

/* ---- expiry ---- */
/* -1 when the key has no expiry, else the absolute Unix time in ms. */
int64_t kvd_db_get_expire(kvd_db_t *db, const kvd_entry_t *e);
void kvd_db_set_expire(kvd_db_t *db, kvd_entry_t *e, int64_t when_ms);
/* Returns true when an expiry was removed. */
bool kvd_db_persist(kvd_db_t *db, kvd_entry_t *e);
/*
 * One active expiry pass, Redis-style: sample volatile keys, delete the
 * expired ones, repeat while more than a quarter of a sample was expired,
 * stop when budget_us of env->mono_us time is spent.  Returns keys expired.
 */
uint64_t kvd_db_active_expire(kvd_db_t *db, uint64_t budget_us);
/* Called with each key removed because it expired (lazily or by the active
 * cycle), before it is freed: WATCH and persistence hear of expiries here. */
typedef void kvd_db_expired_fn(void *arg, int db_index, const char *key, size_t klen);
void kvd_db_set_expired_hook(kvd_db_t *db, kvd_db_expired_fn *fn, void *arg);

/* ---- size and iteration ---- */
uint64_t kvd_db_size(const kvd_db_t *db);
uint64_t kvd_db_expires_size(const kvd_db_t *db);
/* INFO keyspace avg_ttl: milliseconds, a moving average over the keys
 * active expiry sampled and found alive (0 until it has sampled any). */
uint64_t kvd_db_avg_ttl(const kvd_db_t *db);
/*
 * SCAN with Redis's guarantees (reverse-binary cursor over buckets: every
 * key present for the whole scan is returned at least once, across
 * resizes and rehashing).  Calls fn for each live key in the buckets
 * visited; returns the next cursor (0 when done).  Visits about `count`
 * buckets' worth of keys.
 */
typedef void kvd_db_scan_fn(const kvd_entry_t *e, void *arg);
uint64_t kvd_db_scan(kvd_db_t *db, uint64_t cursor, uint64_t count, kvd_db_scan_fn *fn, void *arg);
/* A uniformly-ish random live key (RANDOMKEY); NULL when empty. */
kvd_entry_t *kvd_db_random(kvd_db_t *db);
/* Debug and simulation builds: check every structural invariant, abort on violation. */
void kvd_db_verify_invariants(const kvd_db_t *db);

/*
 * Hash-table buckets visited by the rehash steps of the most recent
 * operation.  Every lookup, write, scan and random call steps each table
 * once (at most 10 buckets, see dict.h), so this is at most 20 per
 * operation; tests assert it.
 */
uint64_t kvd_db_last_rehash_work(const kvd_db_t *db);
/*
 * Cron: start a shrink if a table is under 10% full, then rehash in steps
 * of 100 buckets until done or budget_us of env->mono_us time is spent.
 * Returns buckets visited (0 when idle).
 */
uint64_t kvd_db_rehash_step(kvd_db_t *db, uint64_t budget_us);
/* True while either table (keys, expires) is being resized. */
bool kvd_db_rehashing(const kvd_db_t *db);
/* Buckets allocated for keys (both tables while rehashing): DEBUG HTSTATS, tests. */
uint64_t kvd_db_buckets(const kvd_db_t *db);

#endif /* KVD_DB_H */

/*
 * db_impl.h - private to src/db: the entry layout and the database record,
 * shared by db.c (keyspace), entry.c (values and encodings) and expire.c
 * (the volatile-key index).  The layout is documented at the top of db.c.
 */
#ifndef KVD_DB_IMPL_H
#define KVD_DB_IMPL_H

#include "db.h"
#include "dict.h"

/* Tag byte: type (3 bits), encoding (3 bits), volatile, long key length. */
#define ENTRY_TYPE_MASK 0x07u
#define ENTRY_ENC_SHIFT 3
#define ENTRY_ENC_MASK 0x38u
#define ENTRY_VOLATILE 0x40u /* has a node in the expires index */
#define ENTRY_LONGKEY 0x80u  /* key length stored in 4 bytes, not 1 */

/* Redis embeds strings up to 44 bytes (its 64-byte embstr object); OBJECT
 * ENCODING must agree, so the same threshold applies. */
#define KVD_EMBSTR_MAX 44
/* Longest decimal int64 text: "-9223372036854775808". */
#define KVD_INT_TEXT_MAX 20

#define LRU_BITS 24
#define LRU_MAX ((UINT32_C(1) << LRU_BITS) - 1)

struct kvd_entry {
    kvd_dict_node_t node; /* chain link: must stay first (dict.h) */
    uint8_t tag;
    uint8_t lru[3];       /* seconds clock, 24 bits little-endian */
    uint8_t data[];       /* key length, key bytes, value */
};

#define ENTRY_HEADER_SIZE 12
_Static_assert(offsetof(struct kvd_entry, data) == ENTRY_HEADER_SIZE, "entry header is 12 bytes");

/* Separately allocated bytes of a RAW string; cap allows amortized APPEND. */
typedef struct kvd_rawstr {
    size_t len;
    size_t cap;
    char bytes[];
} kvd_rawstr_t;

/* A node of the expires index: only volatile keys pay for one. */
typedef struct kvd_expire_node {
    kvd_dict_node_t node; /* must stay first */
    kvd_entry_t *entry;
    int64_t when_ms;
} kvd_expire_node_t;

/* What a database holds; SWAPDB exchanges these wholesale. */
typedef struct kvd_keyspace {
    kvd_dict_t keys;         /* kvd_entry_t nodes */
    kvd_dict_t expires;      /* kvd_expire_node_t nodes, same seed as keys */
    uint64_t expire_cursor;  /* where active expiry resumes its walk */
    uint64_t avg_ttl_ms;     /* INFO keyspace estimate, from active expiry samples */
} kvd_keyspace_t;

struct kvd_db {
    int index;
    kvd_env_t *env;
    kvd_db_stats_t *stats;
    kvd_keyspace_t space;
    uint64_t last_work;  /* rehash buckets visited by the latest operation */
    uint64_t mutations;  /* debug builds: mutations since the last full verification */
    kvd_db_expired_fn *on_expired;
    void *on_expired_arg;
};

extern const kvd_dict_type_t kvd_db_keys_type;
extern const kvd_dict_type_t kvd_db_expires_type;

static inline kvd_entry_t *entry_of(kvd_dict_node_t *n)
{
    return (kvd_entry_t *)n;
}

static inline kvd_expire_node_t *expire_of(kvd_dict_node_t *n)
{
    return (kvd_expire_node_t *)n;
}

static inline unsigned entry_type_bits(const kvd_entry_t *e)
{
    return e->tag & ENTRY_TYPE_MASK;
}

static inline unsigned entry_enc_bits(const kvd_entry_t *e)
{
    return (e->tag & ENTRY_ENC_MASK) >> ENTRY_ENC_SHIFT;
}

static inline bool entry_volatile(const kvd_entry_t *e)
{
    return (e->tag & ENTRY_VOLATILE) != 0;
}

static inline size_t entry_klen_bytes(const kvd_entry_t *e)
{
    return (e->tag & ENTRY_LONGKEY) ? 4 : 1;
}

static inline size_t entry_klen(const kvd_entry_t *e)
{
    if (e->tag & ENTRY_LONGKEY) {
        uint32_t n;
        memcpy(&n, e->data, sizeof(n));
        return n;
    }
    return e->data[0];
}

static inline const char *entry_keyp(const kvd_entry_t *e)
{
    return (const char *)e->data + entry_klen_bytes(e);
}

static inline uint8_t *entry_valuep(kvd_entry_t *e)
{
    return e->data + entry_klen_bytes(e) + entry_klen(e);
}

static inline const uint8_t *entry_cvaluep(const kvd_entry_t *e)
{
    return e->data + entry_klen_bytes(e) + entry_klen(e);
}

static inline uint64_t entry_hash(const kvd_db_t *db, const kvd_entry_t *e)
{
    return kvd_dict_hash(&db->space.keys, entry_keyp(e), entry_klen(e));
}

/* ---- entry.c ---- */

/* A value to store, described before any allocation happens. */
typedef struct kvd_value_spec {
    kvd_type_t type;
    kvd_encoding_t enc;
    const char *str; /* EMBSTR and RAW */
    size_t len;
    int64_t num;     /* INT */
    void *ptr;       /* collections */
} kvd_value_spec_t;

/* Choose the string encoding Redis would (flags: KVD_SET_FORCE_RAW, KVD_SET_NO_INT). */
void kvd_value_spec_string(kvd_value_spec_t *v, const char *s, size_t len, int flags);
/* Bytes the entry for this key and value needs, checked for overflow. */
size_t kvd_entry_size_for(size_t klen, const kvd_value_spec_t *v);
size_t kvd_entry_size(const kvd_entry_t *e);
/* Allocate an entry with header, key and value written; LRU set to lru. */
kvd_entry_t *kvd_entry_new(const char *key, size_t klen, const kvd_value_spec_t *v, uint32_t lru);
/* Overwrite the value of e in place; e must own no external value and the
 * new value must need exactly the bytes the old one had. */
void kvd_entry_rewrite(kvd_entry_t *e, const kvd_value_spec_t *v, uint32_t lru);
/* True when the value lives outside the entry (raw buffer, collection). */
bool kvd_entry_has_external(const kvd_entry_t *e);
/* A new entry under key holding e's value (inline bytes or the same
 * external pointer): afterwards exactly one of the two may free it. */
kvd_entry_t *kvd_entry_rekey(const kvd_entry_t *e, const char *key, size_t klen, uint32_t lru);
/* Release the value's external memory (raw buffer, collection). */
void kvd_entry_free_value(kvd_entry_t *e);
/* Release the value and the entry. */
void kvd_entry_free(kvd_entry_t *e);
void kvd_entry_set_lru(kvd_entry_t *e, uint32_t lru);
uint32_t kvd_entry_lru(const kvd_entry_t *e);
kvd_rawstr_t *kvd_entry_raw(const kvd_entry_t *e);
void kvd_entry_set_raw(kvd_entry_t *e, kvd_rawstr_t *raw);
/* A raw buffer of capacity cap (>= len) holding s[0..len). */
kvd_rawstr_t *kvd_rawstr_new(const char *s, size_t len, size_t cap);
/* Check the entry's own fields (tag, lengths, encoding per type). */
void kvd_entry_verify(const kvd_entry_t *e);

/* ---- db.c ---- */

uint32_t kvd_db_lru_now(kvd_db_t *db);
int64_t kvd_db_now_ms(kvd_db_t *db);
/* Rehash steps and bookkeeping at the start of every operation. */
void kvd_db_op_begin(kvd_db_t *db);
/* Debug builds: cheap checks after each mutation, full ones now and then
 * (db.c explains the schedule).  Release builds: nothing at all. */
void kvd_db_debug_check(kvd_db_t *db);

static inline void kvd_db_after_mutation(kvd_db_t *db)
{
    KVD_VERIFY(kvd_db_debug_check(db));
    KVD_UNUSED(db);
}
/* Unlink the entry at pos (its key hashes to h), its expiry too, and free it. */
void kvd_db_unlink_free(kvd_db_t *db, const kvd_dict_pos_t *pos, uint64_t h);
/* The same for a key removed because it expired: counts it, tells the hook. */
void kvd_db_unlink_expired(kvd_db_t *db, const kvd_dict_pos_t *pos, uint64_t h);
/* Put `fresh` in the place of the entry at pos (same key, hash h),
 * carrying the expiry over when keep_ttl, and free the old entry. */
void kvd_db_replace_entry(kvd_db_t *db, const kvd_dict_pos_t *pos, kvd_entry_t *fresh, uint64_t h,
                          bool keep_ttl);
/* Locate a linked entry's chain position by its own key; returns its hash. */
uint64_t kvd_db_position_of(kvd_db_t *db, const kvd_entry_t *e, kvd_dict_pos_t *pos);

/* ---- expire.c ---- */

/* Expiry time of a volatile entry whose key hashes to h. */
int64_t kvd_expire_when(kvd_db_t *db, const kvd_entry_t *e, uint64_t h);
/* True when e is volatile and its time has passed (Redis: now > when). */
bool kvd_expire_due(kvd_db_t *db, const kvd_entry_t *e, uint64_t h, int64_t now_ms);
/* Give e (not volatile, key hash h) an expiry node; sets the flag. */
void kvd_expire_add(kvd_db_t *db, kvd_entry_t *e, uint64_t h, int64_t when_ms);
/* Drop e's expiry node (e must be volatile); clears the flag. */
void kvd_expire_remove(kvd_db_t *db, kvd_entry_t *e, uint64_t h);
/* Point e's expiry node at `fresh`, which replaces e. */
void kvd_expire_repoint(kvd_db_t *db, const kvd_entry_t *e, kvd_entry_t *fresh, uint64_t h);
void kvd_expire_verify(const kvd_db_t *db);

#endif /* KVD_DB_IMPL_H */

/*
 * db.c - one database: keys to values over the incremental hash table of
 * dict.c, with lazy expiry, SCAN and RANDOMKEY.
 *
 * Entry layout: one allocation per key (struct kvd_entry, db_impl.h).
 * Offsets in bytes:
 *
 *    0  next     8  hash-chain link; the entry is its own dict node
 *    8  tag      1  type:3 | encoding:3 | volatile:1 | long-key:1
 *    9  lru      3  last use, Unix seconds mod 2^24 (wraps after 194 days,
 *                   handled as Redis does); OBJECT IDLETIME reads it
 *   12  klen     1  key length; 4 bytes when the key is >= 256 bytes
 *   13  key      klen bytes, binary-safe, not NUL-terminated
 *   ..  value    EMBSTR: 1 length byte + up to 44 bytes, inline
 *                INT:    int64
 *                RAW:    pointer to kvd_rawstr_t {len 8, cap 8, bytes}
 *                other types: pointer to the collection, released by
 *                the free function its type registered
 *
 * Multi-byte fields after the header are unaligned and accessed with
 * memcpy (one plain load on x86-64 and arm64): aligning them would cost
 * up to 7 bytes per key.  Nothing is NUL-terminated.
 *
 * A 16-byte key with a 16-byte value: 12 + 1 + 16 + 1 + 16 = 46 bytes, one
 * 48-byte jemalloc chunk, plus 8 bytes per bucket at a load factor between
 * 1/2 and 1 (8..16 bytes per key).  An int value: 12 + 1 + 16 + 8 = 37,
 * also 48.  Redis 7.0 spends about 104 (dictEntry 24->32, key sds 24,
 * embstr robj 48) plus its bucket.
 *
 * Expiry is kept out of the entry so only volatile keys pay for it: a
 * second table (the expires index, expire.c) maps the key to a 24-byte node
 * {next, entry pointer, when} (a 32-byte chunk) plus its bucket.  Entries
 * carry a volatile bit so non-volatile keys never probe the index.  Both
 * tables use the same hash seed, so an operation hashes its key once.
 * Whenever an entry is replaced by a new allocation (value of another
 * size, conversion to RAW) the node is repointed in the same call
 * (kvd_db_replace_entry); kvd_db_verify_invariants checks both directions.
 *
 * Rehashing: every operation (lookup, write, delete, scan, random) begins
 * with one rehash step on each table that is resizing, visiting at most
 * KVD_DICT_EMPTY_VISITS (10) buckets each, recorded in last_work.
 */
#include "db_impl.h"

/* Buckets RANDOMKEY samples, then picks one key among them uniformly. */
#define RANDOM_SAMPLE 15
/* Expired keys RANDOMKEY deletes before giving up on one call. */
#define RANDOM_MAX_EXPIRED 100
/* Expired keys one SCAN call deletes after its walk (the rest wait). */
#define SCAN_MAX_EXPIRED 32

/* ---- table callbacks ---- */

static uint64_t keys_node_hash(const kvd_dict_t *d, const kvd_dict_node_t *n)
{
    const kvd_entry_t *e = (const kvd_entry_t *)n;
    return kvd_dict_hash(d, entry_keyp(e), entry_klen(e));
}

static bool keys_node_match(const kvd_dict_node_t *n, const void *key, size_t klen)
{
    const kvd_entry_t *e = (const kvd_entry_t *)n;
    return entry_klen(e) == klen && (klen == 0 || memcmp(entry_keyp(e), key, klen) == 0);
}

const kvd_dict_type_t kvd_db_keys_type = {
    .node_hash = keys_node_hash,
    .node_match = keys_node_match,
};

/* ---- lifetime ---- */

kvd_db_t *kvd_db_create(int index, kvd_env_t *env, kvd_db_stats_t *stats)
{
    KVD_ASSERT(index >= 0);
    KVD_ASSERT(env != NULL && env->random_u64 != NULL && env->now_us != NULL);
    KVD_ASSERT(stats != NULL);
    kvd_db_t *db = kvd_calloc(1, sizeof(*db));
    db->index = index;
    db->env = env;
    db->stats = stats;
    uint64_t s0 = env->random_u64(env), s1 = env->random_u64(env);
    kvd_dict_init(&db->space.keys, &kvd_db_keys_type, s0, s1);
    kvd_dict_init(&db->space.expires, &kvd_db_expires_type, s0, s1);
    return db;
}

void kvd_db_destroy(kvd_db_t *db)
{
    if (db == NULL)
        return;
    kvd_db_flush(db);
    kvd_free(db);
}

int kvd_db_index(const kvd_db_t *db)
{
    return db->index;
}

/* ---- time ---- */

int64_t kvd_db_now_ms(kvd_db_t *db)
{
    return (int64_t)kvd_env_now_ms(db->env);
}

uint32_t kvd_db_lru_now(kvd_db_t *db)
{
    /* Seconds: the coarse clock is plenty, and every read and write asks. */
    return (uint32_t)((kvd_env_coarse_ms(db->env) / 1000) & LRU_MAX);
}

uint64_t kvd_entry_idle_seconds(kvd_db_t *db, const kvd_entry_t *e)
{
    uint32_t now = kvd_db_lru_now(db), then = kvd_entry_lru(e);
    /* The clock wraps every 2^24 s; a "future" stamp means it wrapped once. */
    return now >= then ? now - then : (LRU_MAX - then) + now + 1;
}

void kvd_db_touch(kvd_db_t *db, kvd_entry_t *e)
{
    kvd_entry_set_lru(e, kvd_db_lru_now(db));
}

/* ---- per-operation bookkeeping ---- */

void kvd_db_op_begin(kvd_db_t *db)
{
    db->last_work = 0;
    /* Checked here: almost always false, and cheaper than the calls. */
    if (kvd_unlikely(db->space.keys.rehashing))
        db->last_work = kvd_dict_rehash_step(&db->space.keys, 1);
    if (kvd_unlikely(db->space.expires.rehashing))
        db->last_work += kvd_dict_rehash_step(&db->space.expires, 1);
}

/*
 * Debug builds.  A full verification is O(n), so after every mutation
 * only O(1) facts are checked, and the full check runs once per
 * max(64, size) mutations: amortized O(1) per mutation at any size, yet
 * every structure is re-verified regularly.  The simulator also calls
 * kvd_db_verify_invariants() after each step.
 */
void kvd_db_debug_check(kvd_db_t *db)
{
    const kvd_keyspace_t *sp = &db->space;
    KVD_ASSERT(kvd_dict_count(&sp->expires) <= kvd_dict_count(&sp->keys));
    KVD_ASSERT(!sp->keys.rehashing || sp->keys.rehash_idx < sp->keys.t[0].size);
    KVD_ASSERT(!sp->expires.rehashing || sp->expires.rehash_idx < sp->expires.t[0].size);
    db->mutations++;
    uint64_t period = kvd_dict_count(&sp->keys) > 64 ? kvd_dict_count(&sp->keys) : 64;
    if (db->mutations >= period) {
        db->mutations = 0;
        kvd_db_verify_invariants(db);
    }
}

uint64_t kvd_db_last_rehash_work(const kvd_db_t *db)
{
    return db->last_work;
}

/* ---- lookup ---- */

/* The live entry for key, deleting it when expired.  Fills *h and *pos. */
static kvd_entry_t *find_live(kvd_db_t *db, const char *key, size_t klen, uint64_t *h,
                              kvd_dict_pos_t *pos)
{
    KVD_ASSERT(key != NULL || klen == 0);
    *h = kvd_dict_hash(&db->space.keys, key, klen);
    if (!kvd_dict_lookup(&db->space.keys, *h, key, klen, pos))
        return NULL;
    kvd_entry_t *e = entry_of(*pos->link);
    if (entry_volatile(e) && kvd_expire_due(db, e, *h, kvd_db_now_ms(db))) {
        kvd_db_unlink_expired(db, pos, *h);
        kvd_db_after_mutation(db);
        return NULL;
    }
    return e;
}

kvd_entry_t *kvd_db_find(kvd_db_t *db, const char *key, size_t klen)
{
    kvd_db_op_begin(db);
    uint64_t h;
    kvd_dict_pos_t pos;
    return find_live(db, key, klen, &h, &pos);
}

kvd_entry_t *kvd_db_lookup_read(kvd_db_t *db, const char *key, size_t klen)
{
    kvd_entry_t *e = kvd_db_find(db, key, klen);
    if (e == NULL) {
        db->stats->keyspace_misses++;
        return NULL;
    }
    db->stats->keyspace_hits++;
    kvd_db_touch(db, e);
    return e;
}

uint64_t kvd_db_position_of(kvd_db_t *db, const kvd_entry_t *e, kvd_dict_pos_t *pos)
{
    uint64_t h = entry_hash(db, e);
    bool found = kvd_dict_lookup(&db->space.keys, h, entry_keyp(e), entry_klen(e), pos);
    KVD_ASSERT(found);
    KVD_ASSERT(entry_of(*pos->link) == e);
    return h;
}

/* ---- writes ---- */

void kvd_db_unlink_free(kvd_db_t *db, const kvd_dict_pos_t *pos, uint64_t h)
{
    kvd_entry_t *e = entry_of(*pos->link);
    if (entry_volatile(e))
        kvd_expire_remove(db, e, h);
    kvd_dict_remove_at(&db->space.keys, pos);
    kvd_entry_free(e);
}

void kvd_db_unlink_expired(kvd_db_t *db, const kvd_dict_pos_t *pos, uint64_t h)
{
    kvd_entry_t *e = entry_of(*pos->link);
    if (db->on_expired != NULL)
        db->on_expired(db->on_expired_arg, db->index, entry_keyp(e), entry_klen(e));
    kvd_db_unlink_free(db, pos, h);
    db->stats->expired_keys++;
}

void kvd_db_set_expired_hook(kvd_db_t *db, kvd_db_expired_fn *fn, void *arg)
{
    db->on_expired = fn;
    db->on_expired_arg = arg;
}

void kvd_db_replace_entry(kvd_db_t *db, const kvd_dict_pos_t *pos, kvd_entry_t *fresh, uint64_t h,
                          bool keep_ttl)
{
    kvd_entry_t *old = entry_of(*pos->link);
    KVD_ASSERT(fresh != old);
    KVD_ASSERT(!entry_volatile(fresh));
    if (entry_volatile(old)) {
        if (keep_ttl) {
            kvd_expire_repoint(db, old, fresh, h);
            fresh->tag |= ENTRY_VOLATILE;
        } else {
            kvd_expire_remove(db, old, h);
        }
    }
    kvd_dict_replace_at(&db->space.keys, pos, &fresh->node);
    kvd_entry_free(old);
}

/*
 * Whether old (carrying the same key) holds an inline string value that v
 * would replace byte for byte in the same allocation: what
 * kvd_entry_size(old) == kvd_entry_size_for(klen, v) with no external
 * part says, in a few loads (every SET over an existing key asks).
 */
static inline bool same_inline_size(const kvd_entry_t *old, const kvd_value_spec_t *v)
{
    if (entry_type_bits(old) != KVD_TYPE_STRING || v->type != KVD_TYPE_STRING)
        return false;
    unsigned enc = entry_enc_bits(old);
    if (enc == KVD_ENC_EMBSTR)
        return v->enc == KVD_ENC_EMBSTR && entry_valuep((kvd_entry_t *)old)[0] == v->len;
    /* An int holds 8 bytes; so would a RAW pointer, but RAW owns a buffer. */
    return enc == KVD_ENC_INT && v->enc == KVD_ENC_INT;
}

/* Create or overwrite key with the value v.  An existing entry whose value
 * is inline and needs exactly the same bytes is rewritten in place (the
 * common SET-over-SET and INCR cases): no allocation, no relinking. */
static kvd_entry_t *store(kvd_db_t *db, const char *key, size_t klen, const kvd_value_spec_t *v,
                          int flags)
{
    kvd_db_op_begin(db);
    uint64_t h;
    kvd_dict_pos_t pos;
    kvd_entry_t *old = find_live(db, key, klen, &h, &pos);
    /* Storing the collection the key already holds would free it. */
    KVD_ASSERT(old == NULL || v->type == KVD_TYPE_STRING ||
               kvd_entry_type(old) == KVD_TYPE_STRING || kvd_entry_ptr(old) != v->ptr);
    uint32_t lru = kvd_db_lru_now(db);
    bool keep_ttl = (flags & KVD_SET_KEEPTTL) != 0;
    kvd_entry_t *e;
    if (old == NULL) {
        e = kvd_entry_new(key, klen, v, lru);
        kvd_dict_insert(&db->space.keys, h, &e->node);
    } else if (same_inline_size(old, v)) {
        if (entry_volatile(old) && !keep_ttl)
            kvd_expire_remove(db, old, h);
        KVD_DEBUG_ASSERT(!kvd_entry_has_external(old) &&
                         kvd_entry_size(old) == kvd_entry_size_for(klen, v));
        kvd_entry_rewrite(old, v, lru);
        e = old;
    } else {
        e = kvd_entry_new(key, klen, v, lru);
        kvd_db_replace_entry(db, &pos, e, h, keep_ttl);
    }
    KVD_ASSERT(keep_ttl || !entry_volatile(e));
    kvd_db_after_mutation(db);
    return e;
}

kvd_entry_t *kvd_db_set_string(kvd_db_t *db, const char *key, size_t klen, const char *val,
                               size_t vlen, int flags)
{
    KVD_ASSERT(val != NULL || vlen == 0);
    kvd_value_spec_t v;
    kvd_value_spec_string(&v, val, vlen, flags);
    kvd_entry_t *e = store(db, key, klen, &v, flags);
    KVD_ASSERT(kvd_entry_type(e) == KVD_TYPE_STRING);
    return e;
}

kvd_entry_t *kvd_db_set_int(kvd_db_t *db, const char *key, size_t klen, int64_t num, int flags)
{
    kvd_value_spec_t v = {.type = KVD_TYPE_STRING, .enc = KVD_ENC_INT, .num = num};
    return store(db, key, klen, &v, flags);
}

void kvd_db_rewrite_int(kvd_db_t *db, kvd_entry_t *e, int64_t num)
{
    KVD_ASSERT(entry_type_bits(e) == KVD_TYPE_STRING);
    KVD_ASSERT(entry_enc_bits(e) == KVD_ENC_INT);
    kvd_value_spec_t v = {.type = KVD_TYPE_STRING, .enc = KVD_ENC_INT, .num = num};
    kvd_entry_rewrite(e, &v, kvd_db_lru_now(db)); /* the volatile bit stays */
    kvd_db_after_mutation(db);
}

kvd_entry_t *kvd_db_set_ptr(kvd_db_t *db, const char *key, size_t klen, kvd_type_t type,
                            kvd_encoding_t enc, void *ptr, int flags)
{
    KVD_ASSERT(type > KVD_TYPE_STRING && type <= KVD_TYPE_HASH);
    KVD_ASSERT(enc >= KVD_ENC_HASHTABLE && enc <= KVD_ENC_SKIPLIST);
    KVD_ASSERT(ptr != NULL);
    kvd_value_spec_t v = {.type = type, .enc = enc, .ptr = ptr};
    return store(db, key, klen, &v, flags);
}

bool kvd_db_delete(kvd_db_t *db, const char *key, size_t klen)
{
    kvd_db_op_begin(db);
    uint64_t h = kvd_dict_hash(&db->space.keys, key, klen);
    kvd_dict_pos_t pos;
    if (!kvd_dict_lookup(&db->space.keys, h, key, klen, &pos))
        return false;
    kvd_entry_t *e = entry_of(*pos.link);
    bool expired = entry_volatile(e) && kvd_expire_due(db, e, h, kvd_db_now_ms(db));
    if (expired)
        kvd_db_unlink_expired(db, &pos, h);
    else
        kvd_db_unlink_free(db, &pos, h);
    kvd_db_after_mutation(db);
    return !expired;
}

/* Unlink e (at pos, hash h) from db without releasing its value, which
 * a new entry has taken over. */
static void detach_shell(kvd_db_t *db, kvd_entry_t *e, const kvd_dict_pos_t *pos, uint64_t h)
{
    if (entry_volatile(e))
        kvd_expire_remove(db, e, h);
    kvd_dict_remove_at(&db->space.keys, pos);
    kvd_free(e);
    kvd_db_after_mutation(db);
}

kvd_entry_t *kvd_db_rename(kvd_db_t *src, const char *key, size_t klen, kvd_db_t *dst,
                           const char *newkey, size_t newklen)
{
    KVD_ASSERT(newkey != NULL || newklen == 0);
    kvd_db_op_begin(src);
    uint64_t h;
    kvd_dict_pos_t pos;
    kvd_entry_t *e = find_live(src, key, klen, &h, &pos);
    if (e == NULL)
        return NULL;
    if (src == dst && klen == newklen && (klen == 0 || memcmp(key, newkey, klen) == 0)) {
        kvd_db_touch(src, e);
        return e;
    }
    int64_t when = entry_volatile(e) ? kvd_expire_when(src, e, h) : -1;
    kvd_entry_t *moved = kvd_entry_rekey(e, newkey, newklen, kvd_db_lru_now(src));
    detach_shell(src, e, &pos, h);
    if (dst != src)
        kvd_db_op_begin(dst);
    /* From here on the key bytes come from moved: newkey may have pointed
     * into the entry just freed. */
    kvd_entry_t *old = find_live(dst, entry_keyp(moved), newklen, &h, &pos);
    if (old != NULL)
        kvd_db_unlink_free(dst, &pos, h);
    kvd_dict_insert(&dst->space.keys, h, &moved->node);
    if (when >= 0)
        kvd_expire_add(dst, moved, h, when);
    kvd_db_after_mutation(dst);
    return moved;
}

static void free_entry_node(kvd_dict_node_t *n, void *arg)
{
    KVD_UNUSED(arg);
    kvd_entry_free(entry_of(n));
}

static void free_expire_node(kvd_dict_node_t *n, void *arg)
{
    KVD_UNUSED(arg);
    kvd_free(n);
}

void kvd_db_flush(kvd_db_t *db)
{
    kvd_dict_clear(&db->space.expires, free_expire_node, NULL);
    kvd_dict_clear(&db->space.keys, free_entry_node, NULL);
    db->space.expire_cursor = 0;
    db->space.avg_ttl_ms = 0;
    db->last_work = 0;
    KVD_ASSERT(kvd_dict_count(&db->space.keys) == 0);
    KVD_ASSERT(kvd_dict_count(&db->space.expires) == 0);
}

void kvd_db_swap(kvd_db_t *a, kvd_db_t *b)
{
    if (a == b)
        return;
    kvd_keyspace_t tmp = a->space;
    a->space = b->space;
    b->space = tmp;
    a->last_work = 0;
    b->last_work = 0;
}

/* ---- size and rehashing ---- */

uint64_t kvd_db_size(const kvd_db_t *db)
{
    return kvd_dict_count(&db->space.keys);
}

uint64_t kvd_db_expires_size(const kvd_db_t *db)
{
    return kvd_dict_count(&db->space.expires);
}

bool kvd_db_rehashing(const kvd_db_t *db)
{
    return db->space.keys.rehashing || db->space.expires.rehashing;
}

uint64_t kvd_db_buckets(const kvd_db_t *db)
{
    return kvd_dict_buckets(&db->space.keys);
}

uint64_t kvd_db_rehash_step(kvd_db_t *db, uint64_t budget_us)
{
    kvd_env_t *env = db->env;
    uint64_t start = env->mono_us(env), work = 0;
    kvd_dict_shrink_if_needed(&db->space.keys);
    kvd_dict_shrink_if_needed(&db->space.expires);
    /* Each round visits >= 100 buckets of every resizing table until it is done. */
    uint64_t rounds = (kvd_dict_buckets(&db->space.keys) + kvd_dict_buckets(&db->space.expires)) / 100 + 2;
    for (uint64_t r = 0; r < rounds && kvd_db_rehashing(db); r++) {
        work += kvd_dict_rehash_step(&db->space.keys, 100);
        work += kvd_dict_rehash_step(&db->space.expires, 100);
        if (env->mono_us(env) - start >= budget_us)
            break;
    }
    db->last_work = work;
    return work;
}

/* ---- SCAN ---- */

typedef struct scan_ctx {
    kvd_db_t *db;
    kvd_db_scan_fn *fn;
    void *arg;
    int64_t now_ms;
    uint64_t emitted;
    kvd_entry_t *expired[SCAN_MAX_EXPIRED];
    size_t nexpired;
} scan_ctx_t;

static void scan_visit(kvd_dict_node_t *n, void *arg)
{
    scan_ctx_t *ctx = arg;
    kvd_entry_t *e = entry_of(n);
    if (entry_volatile(e) && kvd_expire_due(ctx->db, e, entry_hash(ctx->db, e), ctx->now_ms)) {
        /* Deleting now would break the table walk: remember, delete after. */
        if (ctx->nexpired < SCAN_MAX_EXPIRED)
            ctx->expired[ctx->nexpired++] = e;
        return;
    }
    ctx->fn(e, ctx->arg);
    ctx->emitted++;
}

uint64_t kvd_db_scan(kvd_db_t *db, uint64_t cursor, uint64_t count, kvd_db_scan_fn *fn, void *arg)
{
    KVD_ASSERT(fn != NULL);
    kvd_db_op_begin(db);
    if (count == 0)
        count = 1;
    /* As Redis: give up after 10 buckets per key asked for, so a sparse
     * table cannot make one call walk it all. */
    uint64_t max_steps = count > UINT64_MAX / 10 ? UINT64_MAX : count * 10;
    scan_ctx_t ctx = {.db = db, .fn = fn, .arg = arg};
    if (kvd_dict_count(&db->space.expires) > 0)
        ctx.now_ms = kvd_db_now_ms(db);
    else
        ctx.now_ms = INT64_MIN; /* nothing can be due */
    uint64_t steps = 0;
    do {
        cursor = kvd_dict_scan(&db->space.keys, cursor, scan_visit, &ctx);
        steps++;
    } while (cursor != 0 && ctx.emitted < count && steps < max_steps);
    for (size_t i = 0; i < ctx.nexpired; i++) {
        kvd_dict_pos_t pos;
        uint64_t h = kvd_db_position_of(db, ctx.expired[i], &pos);
        kvd_db_unlink_expired(db, &pos, h);
        kvd_db_after_mutation(db);
    }
    return cursor;
}

/* ---- RANDOMKEY ---- */

/*
 * Sample a run of consecutive buckets from a random start and pick one of
 * the keys found uniformly: choosing a random bucket and then a key in it
 * would favour keys alone in their bucket.  When the run found nothing
 * (a sparse table), retry a few random runs, then take the first key after
 * a random bucket.
 */
static kvd_entry_t *fair_random_entry(kvd_db_t *db)
{
    kvd_env_t *env = db->env;
    kvd_dict_node_t *sample[RANDOM_SAMPLE];
    size_t got = kvd_dict_sample(&db->space.keys, env->random_u64(env), sample, RANDOM_SAMPLE);
    if (got > 0)
        return entry_of(sample[kvd_env_random_below(env, got)]);
    for (int i = 0; i < 32; i++) {
        if (kvd_dict_sample(&db->space.keys, env->random_u64(env), sample, 1) == 1)
            return entry_of(sample[0]);
    }
    kvd_dict_node_t *n = kvd_dict_first_from(&db->space.keys, env->random_u64(env));
    return n != NULL ? entry_of(n) : NULL;
}

kvd_entry_t *kvd_db_random(kvd_db_t *db)
{
    kvd_db_op_begin(db);
    int64_t now_ms = kvd_dict_count(&db->space.expires) > 0 ? kvd_db_now_ms(db) : 0;
    for (int tries = 0; tries < RANDOM_MAX_EXPIRED; tries++) {
        kvd_entry_t *e = fair_random_entry(db);
        if (e == NULL)
            return NULL;
        if (!entry_volatile(e))
            return e;
        kvd_dict_pos_t pos;
        uint64_t h = kvd_db_position_of(db, e, &pos);
        if (!kvd_expire_due(db, e, h, now_ms))
            return e;
        kvd_db_unlink_expired(db, &pos, h);
        kvd_db_after_mutation(db);
    }
    /* Nearly every key is expired and not yet reclaimed: answer "none"
     * this time rather than walk the table; active expiry catches up. */
    return NULL;
}

/* ---- invariants ---- */

typedef struct verify_ctx {
    const kvd_db_t *db;
    uint64_t volatile_entries;
} verify_ctx_t;

static void verify_entry(const kvd_dict_node_t *n, void *arg)
{
    verify_ctx_t *ctx = arg;
    const kvd_entry_t *e = (const kvd_entry_t *)n;
    kvd_entry_verify(e);
    if (!entry_volatile(e))
        return;
    ctx->volatile_entries++;
    /* The index must hold a node for this key, pointing at this entry. */
    const kvd_dict_t *ex = &ctx->db->space.expires;
    uint64_t h = kvd_dict_hash(ex, entry_keyp(e), entry_klen(e));
    kvd_dict_pos_t pos;
    KVD_ASSERT(kvd_dict_lookup(ex, h, entry_keyp(e), entry_klen(e), &pos));
    KVD_ASSERT(expire_of(*pos.link)->entry == e);
}

void kvd_db_verify_invariants(const kvd_db_t *db)
{
    const kvd_keyspace_t *sp = &db->space;
    KVD_ASSERT(sp->keys.type == &kvd_db_keys_type);
    KVD_ASSERT(sp->expires.type == &kvd_db_expires_type);
    /* One hash per operation serves both tables only with one seed. */
    KVD_ASSERT(sp->keys.seed[0] == sp->expires.seed[0]);
    KVD_ASSERT(sp->keys.seed[1] == sp->expires.seed[1]);
    kvd_dict_verify(&sp->keys);
    kvd_dict_verify(&sp->expires);
    verify_ctx_t ctx = {.db = db};
    kvd_dict_foreach(&sp->keys, verify_entry, &ctx);
    KVD_ASSERT(ctx.volatile_entries == kvd_dict_count(&sp->expires));
    kvd_expire_verify(db);
}

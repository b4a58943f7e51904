/*
 * expire.c - the expires index and active expiry.
 *
 * The index is a second table of the same kind as the keyspace, holding a
 * small node {next, entry, when_ms} per volatile key, hashed by the key
 * with the keyspace's seed (see the layout notes in db.c).  It is what
 * active expiry walks: a SCAN-style cursor over it, so every volatile key
 * is examined within one full sweep, in hash order (random with respect
 * to the order keys were written in, so a sample is representative).
 */
#include "db_impl.h"

/* Volatile keys examined per round, as Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP. */
#define EXPIRE_SAMPLE 20
/* A bucket's chain is taken whole, so a round may overshoot the sample. */
#define EXPIRE_SAMPLE_CAP 64
/* Cursor steps one round may spend looking for its sample. */
#define EXPIRE_SCAN_STEPS (EXPIRE_SAMPLE * KVD_DICT_EMPTY_VISITS)
/* Rounds between two reads of the monotonic clock. */
#define EXPIRE_CLOCK_EVERY 16

static uint64_t expires_node_hash(const kvd_dict_t *d, const kvd_dict_node_t *n)
{
    const kvd_entry_t *e = ((const kvd_expire_node_t *)n)->entry;
    return kvd_dict_hash(d, entry_keyp(e), entry_klen(e));
}

static bool expires_node_match(const kvd_dict_node_t *n, const void *key, size_t klen)
{
    const kvd_entry_t *e = ((const kvd_expire_node_t *)n)->entry;
    return entry_klen(e) == klen && (klen == 0 || memcmp(entry_keyp(e), key, klen) == 0);
}

const kvd_dict_type_t kvd_db_expires_type = {
    .node_hash = expires_node_hash,
    .node_match = expires_node_match,
};

/* The node of volatile entry e (key hash h); it must exist. */
static kvd_expire_node_t *node_for(kvd_db_t *db, const kvd_entry_t *e, uint64_t h,
                                   kvd_dict_pos_t *pos)
{
    KVD_ASSERT(entry_volatile(e));
    bool found = kvd_dict_lookup(&db->space.expires, h, entry_keyp(e), entry_klen(e), pos);
    KVD_ASSERT(found);
    kvd_expire_node_t *node = expire_of(*pos->link);
    KVD_ASSERT(node->entry == e);
    return node;
}

int64_t kvd_expire_when(kvd_db_t *db, const kvd_entry_t *e, uint64_t h)
{
    kvd_dict_pos_t pos;
    return node_for(db, e, h, &pos)->when_ms;
}

bool kvd_expire_due(kvd_db_t *db, const kvd_entry_t *e, uint64_t h, int64_t now_ms)
{
    if (!entry_volatile(e))
        return false;
    /* Redis treats a key as alive during its expiry millisecond itself. */
    return now_ms > kvd_expire_when(db, e, h);
}

void kvd_expire_add(kvd_db_t *db, kvd_entry_t *e, uint64_t h, int64_t when_ms)
{
    KVD_ASSERT(!entry_volatile(e));
    kvd_expire_node_t *node = kvd_malloc(sizeof(*node));
    node->node.next = NULL;
    node->entry = e;
    node->when_ms = when_ms;
    kvd_dict_insert(&db->space.expires, h, &node->node);
    e->tag |= ENTRY_VOLATILE;
}

void kvd_expire_remove(kvd_db_t *db, kvd_entry_t *e, uint64_t h)
{
    kvd_dict_pos_t pos;
    node_for(db, e, h, &pos);
    kvd_free(kvd_dict_remove_at(&db->space.expires, &pos));
    e->tag &= (uint8_t)~ENTRY_VOLATILE;
}

void kvd_expire_repoint(kvd_db_t *db, const kvd_entry_t *e, kvd_entry_t *fresh, uint64_t h)
{
    kvd_dict_pos_t pos;
    node_for(db, e, h, &pos)->entry = fresh;
}

/* ---- public expiry calls ---- */

int64_t kvd_db_get_expire(kvd_db_t *db, const kvd_entry_t *e)
{
    if (!entry_volatile(e))
        return -1;
    return kvd_expire_when(db, e, entry_hash(db, e));
}

void kvd_db_set_expire(kvd_db_t *db, kvd_entry_t *e, int64_t when_ms)
{
    kvd_db_op_begin(db);
    uint64_t h = entry_hash(db, e);
    if (entry_volatile(e)) {
        kvd_dict_pos_t pos;
        node_for(db, e, h, &pos)->when_ms = when_ms;
    } else {
        kvd_expire_add(db, e, h, when_ms);
    }
    KVD_ASSERT(entry_volatile(e));
    kvd_db_after_mutation(db);
}

bool kvd_db_persist(kvd_db_t *db, kvd_entry_t *e)
{
    if (!entry_volatile(e))
        return false;
    kvd_db_op_begin(db);
    kvd_expire_remove(db, e, entry_hash(db, e));
    KVD_ASSERT(!entry_volatile(e));
    kvd_db_after_mutation(db);
    return true;
}

/* ---- active expiry ---- */

typedef struct sample_ctx {
    kvd_expire_node_t *nodes[EXPIRE_SAMPLE_CAP];
    size_t n;
} sample_ctx_t;

static void sample_visit(kvd_dict_node_t *n, void *arg)
{
    sample_ctx_t *ctx = arg;
    if (ctx->n < EXPIRE_SAMPLE_CAP)
        ctx->nodes[ctx->n++] = expire_of(n);
}

/* Collect about EXPIRE_SAMPLE nodes, continuing the walk where the
 * previous round stopped.  Stops early at the end of a full sweep. */
static size_t sample_volatile(kvd_db_t *db, sample_ctx_t *ctx)
{
    ctx->n = 0;
    uint64_t cursor = db->space.expire_cursor;
    for (int steps = 0; steps < EXPIRE_SCAN_STEPS && ctx->n < EXPIRE_SAMPLE; steps++) {
        cursor = kvd_dict_scan(&db->space.expires, cursor, sample_visit, ctx);
        if (cursor == 0)
            break;
    }
    db->space.expire_cursor = cursor;
    return ctx->n;
}

/* Fold the mean TTL of a sample's live keys into the INFO estimate, each
 * sample weighing 1/50 as in Redis so the figure moves smoothly. */
static void note_ttls(kvd_db_t *db, uint64_t ttl_sum, uint64_t live)
{
    if (live == 0)
        return;
    uint64_t mean = ttl_sum / live, *avg = &db->space.avg_ttl_ms;
    *avg = *avg == 0 ? mean : (*avg / 50) * 49 + mean / 50;
}

/* Delete the sampled keys whose time has passed; returns how many.
 * Deleting one key frees only its own node, so the others stay valid. */
static uint64_t expire_sampled(kvd_db_t *db, const sample_ctx_t *ctx, int64_t now_ms)
{
    uint64_t expired = 0, ttl_sum = 0, live = 0;
    for (size_t i = 0; i < ctx->n; i++) {
        kvd_expire_node_t *node = ctx->nodes[i];
        if (now_ms <= node->when_ms) {
            uint64_t ttl = (uint64_t)(node->when_ms - now_ms);
            /* Saturate rather than wrap: TTLs are far below 2^63 / 64. */
            ttl_sum = ttl_sum > UINT64_MAX - ttl ? UINT64_MAX : ttl_sum + ttl;
            live++;
            continue;
        }
        kvd_dict_pos_t pos;
        uint64_t h = kvd_db_position_of(db, node->entry, &pos);
        kvd_db_unlink_expired(db, &pos, h);
        expired++;
        kvd_db_after_mutation(db);
    }
    note_ttls(db, ttl_sum, live);
    return expired;
}

uint64_t kvd_db_avg_ttl(const kvd_db_t *db)
{
    return db->space.avg_ttl_ms;
}

uint64_t kvd_db_active_expire(kvd_db_t *db, uint64_t budget_us)
{
    if (kvd_dict_count(&db->space.expires) == 0) {
        db->space.avg_ttl_ms = 0; /* INFO shows 0 once nothing is volatile */
        return 0;
    }
    kvd_db_op_begin(db);
    kvd_env_t *env = db->env;
    uint64_t start = env->mono_us(env), total = 0;
    /* Every round that goes on deleted a key, so this bound is never the
     * one that stops a correct run. */
    uint64_t max_rounds = kvd_dict_count(&db->space.expires) + 1;
    for (uint64_t round = 1; round <= max_rounds; round++) {
        sample_ctx_t ctx;
        size_t sampled = sample_volatile(db, &ctx);
        uint64_t expired = expire_sampled(db, &ctx, kvd_db_now_ms(db));
        total += expired;
        /* Few expired keys in the sample: probably few left anywhere. */
        if (expired * 4 <= sampled)
            break;
        if (round % EXPIRE_CLOCK_EVERY == 0 && env->mono_us(env) - start >= budget_us)
            break;
    }
    return total;
}

/* ---- invariants ---- */

static void verify_node(const kvd_dict_node_t *n, void *arg)
{
    const kvd_db_t *db = arg;
    const kvd_entry_t *e = ((const kvd_expire_node_t *)n)->entry;
    KVD_ASSERT(e != NULL);
    KVD_ASSERT(entry_volatile(e));
    /* The entry it points at must be the one the keyspace holds. */
    uint64_t h = kvd_dict_hash(&db->space.keys, entry_keyp(e), entry_klen(e));
    kvd_dict_pos_t pos;
    KVD_ASSERT(kvd_dict_lookup(&db->space.keys, h, entry_keyp(e), entry_klen(e), &pos));
    KVD_ASSERT(entry_of(*pos.link) == e);
}

void kvd_expire_verify(const kvd_db_t *db)
{
    kvd_dict_foreach(&db->space.expires, verify_node, (void *)db);
}

/*
 * t_zset.c - sorted set commands: ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE,
 * ZMSCORE, ZRANK, ZREVRANK, ZPOPMIN, ZPOPMAX, ZMPOP, their blocking forms
 * (BZPOPMIN, BZPOPMAX, BZMPOP, through blocking.h), ZRANDMEMBER, ZSCAN,
 * and the table of every sorted set command.
 * Ranges are in t_zset_range.c, the algebra in t_zset_ops.c, the
 * encodings in zset_type.c, zset_pack.c and zset_skiplist.c.
 *
 * Replies match Redis 7.0.15 byte for byte, including which error wins
 * when a command has several things wrong: Redis parses every number
 * before it looks a key up, so the commands here do too.
 */
#include <inttypes.h>

#include "blocking.h"
#include "shard.h"
#include "zset_cmd.h"
#include "core/glob.h"
#include "core/util.h"
#include "proto/reply.h"

/* ZRANDMEMBER with a negative count repeats picks; Redis 7.0 tries to
 * build any such reply and dies of a huge one.  kvd refuses beyond this
 * many picks instead (as HRANDFIELD does). */
#define RANDMEMBER_MAX_REPEATS ((int64_t)1 << 26)

kvd_zset_ctx_t kvd_zset_cmd_ctx(kvd_client_t *c)
{
    const kvd_config_t *cfg = c->shard->cfg;
    int64_t e = cfg->zset_max_listpack_entries, v = cfg->zset_max_listpack_value;
    return (kvd_zset_ctx_t){.max_entries = e < 0 ? 0 : (uint64_t)e,
                            .max_value = v < 0 ? 0 : (uint64_t)v,
                            .env = c->shard->env};
}

int kvd_zset_cmd_lookup(kvd_client_t *c, const kvd_arg_t *key, bool read, kvd_entry_t **ep,
                        kvd_zset_t **zp)
{
    kvd_entry_t *e = read ? kvd_db_lookup_read(c->db, key->ptr, key->len)
                          : kvd_db_find(c->db, key->ptr, key->len);
    *ep = e;
    *zp = NULL;
    if (e == NULL)
        return 0;
    if (kvd_check_type(c, e, KVD_TYPE_ZSET) < 0)
        return -1;
    *zp = kvd_entry_ptr(e);
    KVD_ASSERT((*zp)->enc == kvd_entry_encoding(e));
    return 0;
}

void kvd_zset_cmd_written(kvd_client_t *c, const kvd_arg_t *key, kvd_entry_t *e, kvd_zset_t *z)
{
    KVD_ASSERT(kvd_entry_ptr(e) == z);
    if (kvd_zset_size(z) == 0) {
        bool existed = kvd_db_delete(c->db, key->ptr, key->len);
        KVD_ASSERT(existed);
        return;
    }
    if (kvd_entry_encoding(e) != z->enc)
        kvd_entry_set_ptr(e, z->enc, z);
    kvd_db_touch(c->db, e);
    KVD_VERIFY(kvd_zset_verify_invariants(z));
}

void kvd_zset_cmd_store(kvd_client_t *c, const kvd_arg_t *dst, kvd_zset_t *result)
{
    uint64_t n = kvd_zset_size(result);
    if (n == 0) {
        kvd_zset_destroy(result);
        if (kvd_db_delete(c->db, dst->ptr, dst->len))
            kvd_shard_add_dirty(c->shard, 1);
    } else {
        kvd_zset_ctx_t ctx = kvd_zset_cmd_ctx(c);
        kvd_zset_fit(result, &ctx);
        KVD_VERIFY(kvd_zset_verify_invariants(result));
        kvd_db_set_ptr(c->db, dst->ptr, dst->len, KVD_TYPE_ZSET, result->enc, result, 0);
        kvd_shard_add_dirty(c->shard, 1);
    }
    kvd_reply_int(c->reply, (int64_t)n);
}

void kvd_zset_cmd_reply_elem(kvd_client_t *c, const kvd_zset_elem_t *el, bool withscores)
{
    kvd_reply_bulk(c->reply, el->m, el->len);
    if (withscores)
        kvd_reply_bulk_double(c->reply, el->score);
}

/* ZADD's options before the first score; returns the index of that score. */
static int parse_zadd_flags(kvd_client_t *c, int first, int *flags, bool *ch)
{
    static const struct {
        const char *name;
        int flag;
    } opts[] = {{"nx", KVD_ZADD_NX}, {"xx", KVD_ZADD_XX}, {"gt", KVD_ZADD_GT},
                {"lt", KVD_ZADD_LT}, {"incr", KVD_ZADD_INCR}};
    int i = first;
    for (; i < c->argc; i++) {
        if (kvd_arg_is(&c->argv[i], "ch")) {
            *ch = true;
            continue;
        }
        size_t k = 0;
        while (k < KVD_ARRAY_LEN(opts) && !kvd_arg_is(&c->argv[i], opts[k].name))
            k++;
        if (k == KVD_ARRAY_LEN(opts))
            break;
        *flags |= opts[k].flag;
    }
    return i;
}

/* Check the option combination and parse every score; -1 after replying. */
static int check_zadd_args(kvd_client_t *c, int scoreidx, int flags, double *scores)
{
    int elements = c->argc - scoreidx;
    if (elements == 0 || elements % 2 != 0) {
        kvd_reply_syntax_error(c);
        return -1;
    }
    if ((flags & KVD_ZADD_NX) && (flags & KVD_ZADD_XX)) {
        kvd_reply_error(c->reply, "ERR XX and NX options at the same time are not compatible");
        return -1;
    }
    int gt = flags & KVD_ZADD_GT, lt = flags & KVD_ZADD_LT, nx = flags & KVD_ZADD_NX;
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        kvd_reply_error(c->reply,
                        "ERR GT, LT, and/or NX options at the same time are not compatible");
        return -1;
    }
    if ((flags & KVD_ZADD_INCR) && elements > 2) {
        kvd_reply_error(c->reply, "ERR INCR option supports a single increment-element pair");
        return -1;
    }
    for (int j = 0; j < elements / 2; j++) {
        const kvd_arg_t *a = &c->argv[scoreidx + 2 * j];
        if (!kvd_str2d(a->ptr, a->len, &scores[j])) {
            kvd_reply_error(c->reply, "ERR value is not a valid float");
            return -1;
        }
    }
    return 0;
}

typedef struct zadd_result {
    int64_t added, updated, processed;
    double score; /* the last new score (INCR's reply) */
} zadd_result_t;

/* Apply each pair to z; false after replying the NaN error. */
static bool zadd_apply(kvd_client_t *c, kvd_zset_t *z, int scoreidx, int flags,
                       const double *scores, zadd_result_t *r)
{
    kvd_zset_ctx_t ctx = kvd_zset_cmd_ctx(c);
    for (int j = 0; scoreidx + 2 * j < c->argc; j++) {
        const kvd_arg_t *m = &c->argv[scoreidx + 2 * j + 1];
        int out;
        double ns = 0;
        if (!kvd_zset_add(z, &ctx, m->ptr, m->len, scores[j], flags, &out, &ns)) {
            kvd_reply_error(c->reply, "ERR resulting score is not a number (NaN)");
            return false;
        }
        r->added += (out & KVD_ZADD_OUT_ADDED) != 0;
        r->updated += (out & KVD_ZADD_OUT_UPDATED) != 0;
        if (!(out & KVD_ZADD_OUT_NOP)) {
            r->processed++;
            r->score = ns;
        }
    }
    return true;
}

static void zadd_generic(kvd_client_t *c, int flags)
{
    bool ch = false;
    int scoreidx = parse_zadd_flags(c, 2, &flags, &ch);
    /* Most ZADDs name a few members: their scores fit on the stack. */
    double few[16];
    size_t need = (size_t)(c->argc / 2 + 1);
    double *scores = need <= KVD_ARRAY_LEN(few) ? few : kvd_malloc(sizeof(double) * need);
    kvd_entry_t *e;
    kvd_zset_t *z;
    const kvd_arg_t *key = &c->argv[1];
    if (check_zadd_args(c, scoreidx, flags, scores) < 0 ||
        kvd_zset_cmd_lookup(c, key, false, &e, &z) < 0) {
        if (scores != few)
            kvd_free(scores);
        return;
    }
    zadd_result_t r = {0, 0, 0, 0};
    bool ok = true;
    if (z == NULL && !(flags & KVD_ZADD_XX)) {
        kvd_zset_ctx_t ctx = kvd_zset_cmd_ctx(c);
        z = kvd_zset_new(&ctx, c->argv[scoreidx + 1].len);
        e = kvd_db_set_ptr(c->db, key->ptr, key->len, KVD_TYPE_ZSET, z->enc, z, 0);
    }
    if (z != NULL) {
        ok = zadd_apply(c, z, scoreidx, flags, scores, &r);
        kvd_zset_cmd_written(c, key, e, z);
    }
    if (scores != few)
        kvd_free(scores);
    if (!ok)
        return;
    kvd_shard_add_dirty(c->shard, (uint64_t)(r.added + r.updated));
    if (!(flags & KVD_ZADD_INCR))
        kvd_reply_int(c->reply, ch ? r.added + r.updated : r.added);
    else if (r.processed > 0)
        kvd_reply_bulk_double(c->reply, r.score);
    else
        kvd_reply_null(c->reply);
}

static void zadd_command(kvd_client_t *c)
{
    zadd_generic(c, 0);
}

static void zincrby_command(kvd_client_t *c)
{
    zadd_generic(c, KVD_ZADD_INCR);
}

static void zrem_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], false, &e, &z) < 0)
        return;
    int64_t removed = 0;
    /* Stop once the set is empty: the key is gone, as in Redis. */
    for (int i = 2; z != NULL && i < c->argc && kvd_zset_size(z) > 0; i++)
        removed += kvd_zset_remove(z, c->argv[i].ptr, c->argv[i].len);
    if (z != NULL)
        kvd_zset_cmd_written(c, &c->argv[1], e, z);
    kvd_shard_add_dirty(c->shard, (uint64_t)removed);
    kvd_reply_int(c->reply, removed);
}

static void zcard_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], true, &e, &z) < 0)
        return;
    kvd_reply_int(c->reply, z == NULL ? 0 : (int64_t)kvd_zset_size(z));
}

static void zscore_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], true, &e, &z) < 0)
        return;
    double score;
    if (z != NULL && kvd_zset_score(z, c->argv[2].ptr, c->argv[2].len, &score))
        kvd_reply_bulk_double(c->reply, score);
    else
        kvd_reply_null(c->reply);
}

static void zmscore_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], true, &e, &z) < 0)
        return;
    kvd_reply_array(c->reply, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        double score;
        if (z != NULL && kvd_zset_score(z, c->argv[i].ptr, c->argv[i].len, &score))
            kvd_reply_bulk_double(c->reply, score);
        else
            kvd_reply_null(c->reply);
    }
}

static void rank_generic(kvd_client_t *c, bool rev)
{
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], true, &e, &z) < 0)
        return;
    uint64_t rank;
    if (z == NULL || !kvd_zset_rank(z, c->argv[2].ptr, c->argv[2].len, &rank)) {
        kvd_reply_null(c->reply);
        return;
    }
    kvd_reply_int(c->reply, (int64_t)(rev ? kvd_zset_size(z) - 1 - rank : rank));
}

static void zrank_command(kvd_client_t *c)
{
    rank_generic(c, false);
}

static void zrevrank_command(kvd_client_t *c)
{
    rank_generic(c, true);
}

/* How a pop replies: ZPOPMIN/ZPOPMAX flat [m, s, ...] (empty array when
 * the key is missing); BZPOPMIN/BZPOPMAX [key, m, s]; ZMPOP and BZMPOP
 * [key, [[m, s], ...]] (both null arrays when nothing is found). */
typedef enum { POP_FLAT, POP_KEYED, POP_NESTED } pop_reply_t;

/* A sorted set a (blocking) pop takes from.  A re-run blocked command
 * (blocking.h) treats a key of another type as empty, as Redis does. */
static int pop_lookup(kvd_client_t *c, const kvd_arg_t *key, kvd_entry_t **e, kvd_zset_t **z)
{
    if (c->flags & KVD_CLIENT_RETRYING) {
        kvd_entry_t *found = kvd_db_find(c->db, key->ptr, key->len);
        if (found == NULL || kvd_entry_type(found) != KVD_TYPE_ZSET) {
            *e = NULL;
            *z = NULL;
            return 0;
        }
    }
    return kvd_zset_cmd_lookup(c, key, false, e, z);
}

/* Pop n elements of z (under key) and reply them in the given form. */
static void pop_from(kvd_client_t *c, const kvd_arg_t *key, kvd_entry_t *e, kvd_zset_t *z,
                     bool max, int64_t count, pop_reply_t form)
{
    uint64_t size = kvd_zset_size(z);
    uint64_t n = (uint64_t)count < size ? (uint64_t)count : size;
    if (form == POP_FLAT) {
        kvd_reply_array(c->reply, (int64_t)n * 2);
    } else {
        kvd_reply_array(c->reply, form == POP_KEYED ? 3 : 2);
        kvd_reply_bulk(c->reply, key->ptr, key->len);
        if (form == POP_NESTED)
            kvd_reply_array(c->reply, (int64_t)n);
    }
    kvd_zset_iter_t it;
    kvd_zset_elem_t el;
    kvd_zset_iter_init(&it, z, max ? size - 1 : 0, max);
    for (uint64_t i = 0; i < n && kvd_zset_iter_next(&it, &el); i++) {
        if (form == POP_NESTED)
            kvd_reply_array(c->reply, 2);
        kvd_zset_cmd_reply_elem(c, &el, true);
    }
    kvd_zset_remove_range(z, max ? size - n : 0, max ? size : n);
    kvd_zset_cmd_written(c, key, e, z);
    kvd_shard_add_dirty(c->shard, n);
}

/*
 * Pop up to count elements from the first existing set among the nkeys
 * arguments from argv[first]: the lowest scores, or the highest (max).
 * With deadline >= 0 (the blocking forms) block when every key is empty.
 */
static void pop_generic(kvd_client_t *c, int first, int nkeys, bool max, int64_t count,
                        pop_reply_t form, int64_t deadline)
{
    for (int k = first; k < first + nkeys; k++) {
        kvd_entry_t *e;
        kvd_zset_t *z;
        if (pop_lookup(c, &c->argv[k], &e, &z) < 0)
            return;
        if (z == NULL)
            continue;
        if (count == 0)
            kvd_reply_array(c->reply, 0);
        else
            pop_from(c, &c->argv[k], e, z, max, count, form);
        return;
    }
    if (deadline < 0 || !kvd_blocking_allowed(c)) {
        if (form == POP_FLAT)
            kvd_reply_array(c->reply, 0);
        else
            kvd_reply_null_array(c->reply);
        return;
    }
    int *keys = kvd_calloc((size_t)nkeys, sizeof(*keys));
    for (int k = 0; k < nkeys; k++)
        keys[k] = first + k;
    kvd_block_client(c, keys, nkeys, deadline, KVD_BLOCK_TIMEOUT_NULL_ARRAY);
    kvd_free(keys);
}

static void zpop_minmax(kvd_client_t *c, bool max)
{
    if (c->argc > 3) {
        kvd_reply_syntax_error(c);
        return;
    }
    int64_t count = 1;
    if (c->argc == 3 && kvd_arg_ll_range(c, &c->argv[2], 0, INT64_MAX, &count,
                                         "value is out of range, must be positive") < 0)
        return;
    pop_generic(c, 1, 1, max, count, POP_FLAT, -1);
}

static void zpopmin_command(kvd_client_t *c)
{
    zpop_minmax(c, false);
}

static void zpopmax_command(kvd_client_t *c)
{
    zpop_minmax(c, true);
}

/* BZPOPMIN/BZPOPMAX key [key ...] timeout: the timeout is checked first. */
static void bzpop_minmax(kvd_client_t *c, bool max)
{
    int64_t deadline;
    if (kvd_blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline) < 0)
        return;
    pop_generic(c, 1, c->argc - 2, max, 1, POP_KEYED, deadline);
}

static void bzpopmin_command(kvd_client_t *c)
{
    bzpop_minmax(c, false);
}

static void bzpopmax_command(kvd_client_t *c)
{
    bzpop_minmax(c, true);
}

/* "numkeys key [key ...] MIN|MAX [COUNT count]" with numkeys at
 * argv[first]; -1 after replying. */
static int parse_mpop(kvd_client_t *c, int first, int *nkeys, bool *max, int64_t *count)
{
    int64_t numkeys;
    *count = -1;
    if (kvd_arg_ll_range(c, &c->argv[first], 1, INT64_MAX, &numkeys,
                         "numkeys should be greater than 0") < 0)
        return -1;
    if (numkeys >= c->argc - first - 1) {
        kvd_reply_syntax_error(c);
        return -1;
    }
    int where = first + 1 + (int)numkeys;
    *max = kvd_arg_is(&c->argv[where], "max");
    if (!*max && !kvd_arg_is(&c->argv[where], "min")) {
        kvd_reply_syntax_error(c);
        return -1;
    }
    for (int i = where + 1; i < c->argc; i++) {
        if (*count != -1 || i + 1 >= c->argc || !kvd_arg_is(&c->argv[i], "count")) {
            kvd_reply_syntax_error(c);
            return -1;
        }
        i++;
        if (kvd_arg_ll_range(c, &c->argv[i], 1, INT64_MAX, count,
                             "count should be greater than 0") < 0)
            return -1;
    }
    if (*count == -1)
        *count = 1;
    *nkeys = (int)numkeys;
    return 0;
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: all checked before any lookup. */
static void zmpop_command(kvd_client_t *c)
{
    int nkeys;
    bool max;
    int64_t count;
    if (parse_mpop(c, 1, &nkeys, &max, &count) == 0)
        pop_generic(c, 2, nkeys, max, count, POP_NESTED, -1);
}

/* BZMPOP timeout numkeys ...: Redis checks the rest before the timeout. */
static void bzmpop_command(kvd_client_t *c)
{
    int nkeys;
    bool max;
    int64_t count, deadline;
    if (parse_mpop(c, 2, &nkeys, &max, &count) == 0 &&
        kvd_blocking_parse_timeout(c, &c->argv[1], &deadline) == 0)
        pop_generic(c, 3, nkeys, max, count, POP_NESTED, deadline);
}

/* Open-addressing set of ranks for Floyd's sampling. */
typedef struct rank_set {
    uint64_t *slots; /* rank + 1; 0 marks an empty slot */
    uint64_t mask;
} rank_set_t;

/* Insert r; false when it was already there. */
static bool rank_set_add(rank_set_t *s, uint64_t r)
{
    uint64_t h = (r * 0x9e3779b97f4a7c15ULL) & s->mask;
    for (uint64_t probes = 0; probes <= s->mask; probes++, h = (h + 1) & s->mask) {
        if (s->slots[h] == r + 1)
            return false;
        if (s->slots[h] == 0) {
            s->slots[h] = r + 1;
            return true;
        }
    }
    KVD_ASSERT(!"rank set full");
    return false;
}

/* count distinct elements (0 < count < size), sampled by Floyd's method:
 * O(count) draws and memory whatever the set's size. */
static void randmember_distinct(kvd_client_t *c, const kvd_zset_t *z, uint64_t count,
                                bool withscores)
{
    uint64_t size = kvd_zset_size(z);
    KVD_ASSERT(count > 0 && count < size);
    uint64_t cap = 4;
    while (cap < count * 2)
        cap *= 2;
    rank_set_t set = {kvd_calloc(cap, sizeof(uint64_t)), cap - 1};
    uint64_t *picks = kvd_malloc(count * sizeof(uint64_t));
    uint64_t n = 0;
    for (uint64_t j = size - count; j < size; j++) {
        uint64_t t = kvd_env_random_below(c->shard->env, j + 1);
        picks[n++] = rank_set_add(&set, t) ? t : (rank_set_add(&set, j), j);
    }
    kvd_reply_array(c->reply, (int64_t)(withscores ? count * 2 : count));
    for (uint64_t i = 0; i < n; i++) {
        kvd_zset_elem_t el;
        kvd_zset_at(z, picks[i], &el);
        kvd_zset_cmd_reply_elem(c, &el, withscores);
    }
    kvd_free(picks);
    kvd_free(set.slots);
}

/* The whole set, highest first: the order Redis 7.0 replies it in. */
static void reply_whole(kvd_client_t *c, const kvd_zset_t *z, bool withscores)
{
    uint64_t size = kvd_zset_size(z);
    kvd_reply_array(c->reply, (int64_t)(withscores ? size * 2 : size));
    kvd_zset_iter_t it;
    kvd_zset_elem_t el;
    kvd_zset_iter_init(&it, z, size - 1, true);
    while (kvd_zset_iter_next(&it, &el))
        kvd_zset_cmd_reply_elem(c, &el, withscores);
}

static void randmember_count(kvd_client_t *c, int64_t count, bool withscores)
{
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], true, &e, &z) < 0)
        return;
    if (z == NULL || count == 0) {
        kvd_reply_array(c->reply, 0);
        return;
    }
    uint64_t size = kvd_zset_size(z);
    if (count < 0) {
        if (count < -RANDMEMBER_MAX_REPEATS) {
            kvd_reply_error(c->reply, "ERR value is out of range");
            return;
        }
        uint64_t n = (uint64_t)-count;
        kvd_reply_array(c->reply, (int64_t)(withscores ? n * 2 : n));
        for (uint64_t i = 0; i < n; i++) {
            kvd_zset_elem_t el;
            kvd_zset_at(z, kvd_env_random_below(c->shard->env, size), &el);
            kvd_zset_cmd_reply_elem(c, &el, withscores);
        }
        return;
    }
    if ((uint64_t)count >= size)
        reply_whole(c, z, withscores);
    else
        randmember_distinct(c, z, (uint64_t)count, withscores);
}

/* Redis parses the count (and its limits) before looking the key up. */
static void zrandmember_command(kvd_client_t *c)
{
    if (c->argc >= 3) {
        int64_t count;
        if (kvd_arg_ll(c, &c->argv[2], &count) < 0)
            return;
        if (count == INT64_MIN) {
            kvd_reply_errorf(c->reply, "ERR value is out of range, value must between %" PRId64
                                       " and %" PRId64, -INT64_MAX, INT64_MAX);
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !kvd_arg_is(&c->argv[3], "withscores"))) {
            kvd_reply_syntax_error(c);
            return;
        }
        bool withscores = c->argc == 4;
        if (withscores && (count < -INT64_MAX / 2 || count > INT64_MAX / 2)) {
            kvd_reply_error(c->reply, "ERR value is out of range");
            return;
        }
        randmember_count(c, count, withscores);
        return;
    }
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], true, &e, &z) < 0)
        return;
    if (z == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    kvd_zset_elem_t el;
    kvd_zset_at(z, kvd_env_random_below(c->shard->env, kvd_zset_size(z)), &el);
    kvd_reply_bulk(c->reply, el.m, el.len);
}

/*
 * A SCAN cursor as Redis reads it with strtoul: an optional sign (a minus
 * negates modulo 2^64), decimal digits, nothing after them; no leading
 * space; the empty string is 0.  Parsing stops at a NUL, as C does.
 */
static bool parse_cursor(const kvd_arg_t *a, uint64_t *out)
{
    const char *s = a->ptr;
    size_t n = strnlen(s, a->len), i = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
        if (n == 1)
            return false;
    }
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
            return false;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return true;
}

/* ZSCAN's options, after the cursor: MATCH pattern, COUNT n (>= 1). */
static int parse_scan_opts(kvd_client_t *c, int64_t *count, const kvd_arg_t **match)
{
    *count = 10;
    *match = NULL;
    for (int i = 3; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            kvd_reply_syntax_error(c);
            return -1;
        }
        if (kvd_arg_is(&c->argv[i], "count")) {
            if (kvd_arg_ll(c, &c->argv[i + 1], count) < 0)
                return -1;
            if (*count < 1) {
                kvd_reply_syntax_error(c);
                return -1;
            }
        } else if (kvd_arg_is(&c->argv[i], "match")) {
            *match = &c->argv[i + 1];
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

typedef struct scan_reply {
    kvd_client_t *c;
    const kvd_arg_t *match; /* NULL: everything */
    uint64_t found;         /* elements visited */
    int64_t replied;        /* bulk strings written */
} scan_reply_t;

static void scan_visit(const char *m, size_t len, double score, void *arg)
{
    scan_reply_t *s = arg;
    s->found++;
    if (s->match != NULL && !kvd_glob_match(s->match->ptr, s->match->len, m, len, false))
        return;
    kvd_zset_elem_t el = {m, len, score};
    kvd_zset_cmd_reply_elem(s->c, &el, true);
    s->replied += 2;
}

/* A listpack is returned whole with cursor 0, whatever the cursor, as
 * Redis does; a skiplist's table is walked bucket by bucket, count * 10
 * steps at most. */
static void zscan_command(kvd_client_t *c)
{
    uint64_t cursor;
    if (!parse_cursor(&c->argv[2], &cursor)) {
        kvd_reply_error(c->reply, "ERR invalid cursor");
        return;
    }
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], true, &e, &z) < 0)
        return;
    if (z == NULL) {
        kvd_reply_raw(c->reply, "*2\r\n$1\r\n0\r\n*0\r\n", 15);
        return;
    }
    int64_t count;
    const kvd_arg_t *match;
    if (parse_scan_opts(c, &count, &match) < 0)
        return;
    /* Exactly "*" matches everything, the empty member included. */
    if (match != NULL && match->len == 1 && match->ptr[0] == '*')
        match = NULL;
    /* The cursor goes first, so the elements are written into a side buffer. */
    kvd_buf_t body, *saved = c->reply;
    kvd_buf_init(&body);
    c->reply = &body;
    scan_reply_t s = {c, match, 0, 0};
    if (z->enc == KVD_ENC_LISTPACK) {
        kvd_zset_foreach(z, scan_visit, &s);
        cursor = 0;
    } else {
        uint64_t steps = (uint64_t)count > UINT64_MAX / 10 ? UINT64_MAX : (uint64_t)count * 10;
        do {
            cursor = kvd_zset_scan(z, cursor, scan_visit, &s);
        } while (cursor != 0 && steps-- > 0 && s.found < (uint64_t)count);
    }
    c->reply = saved;
    kvd_reply_array(c->reply, 2);
    kvd_reply_bulk_int(c->reply, (int64_t)cursor);
    kvd_reply_array(c->reply, s.replied);
    kvd_reply_raw(c->reply, body.data, body.len);
    kvd_buf_free(&body);
}

static int numkeys_getkeys(int idx, int first, int argc, const char *const *argv,
                           const size_t *lens, int *out, int max)
{
    int64_t numkeys;
    if (argc <= idx || !kvd_str2ll(argv[idx], lens[idx], &numkeys) || numkeys < 1 ||
        numkeys > argc - idx - 1)
        return -1;
    int n = 0;
    if (first > 0 && n < max)
        out[n++] = first;
    for (int i = 0; i < numkeys && n < max; i++)
        out[n++] = idx + 1 + i;
    return n;
}

int kvd_zset_numkeys1_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                              int max)
{
    return numkeys_getkeys(1, 0, argc, argv, lens, out, max);
}

int kvd_zset_numkeys2_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                              int max)
{
    return numkeys_getkeys(2, 0, argc, argv, lens, out, max);
}

int kvd_zset_store_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                           int max)
{
    return numkeys_getkeys(2, 1, argc, argv, lens, out, max);
}

#define Z_READ (KVD_ACL_READ | KVD_ACL_SORTEDSET)
#define Z_WRITE (KVD_ACL_WRITE | KVD_ACL_SORTEDSET)
#define ONE_KEY .first_key = 1, .last_key = 1, .key_step = 1
#define DOC(sum, ver, cx) .summary = sum, .since = ver, .group = "sorted-set", .complexity = cx
#define FAST_READ .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = Z_READ | KVD_ACL_FAST, ONE_KEY
#define SLOW_READ .flags = KVD_CMD_READONLY, .acl = Z_READ | KVD_ACL_SLOW, ONE_KEY
#define FAST_WRITE .acl = Z_WRITE | KVD_ACL_FAST, ONE_KEY
#define SLOW_WRITE .flags = KVD_CMD_WRITE, .acl = Z_WRITE | KVD_ACL_SLOW, ONE_KEY
#define READ_NUMKEYS                                                                               \
    .flags = KVD_CMD_READONLY | KVD_CMD_MOVABLE_KEYS, .acl = Z_READ | KVD_ACL_SLOW,                \
    .getkeys = kvd_zset_numkeys1_getkeys
#define STORE_NUMKEYS                                                                              \
    .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_MOVABLE_KEYS,                               \
    .acl = Z_WRITE | KVD_ACL_SLOW, ONE_KEY, .getkeys = kvd_zset_store_getkeys
#define LOGN_M(what)                                                                               \
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "      \
    "elements " what
#define LIMIT_CX                                                                                   \
    LOGN_M("being returned. If M is constant (e.g. always asking for the first 10 elements with " \
           "LIMIT), you can consider it O(log(N)).")
#define POP_CX                                                                                     \
    "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number "  \
    "of elements popped."
#define MPOP_CX                                                                                    \
    "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements " \
    "in the sorted set, and M being the number of elements popped."
#define UNION_CX                                                                                   \
    "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "   \
    "the number of elements in the resulting sorted set."
#define INTER_CX                                                                                   \
    "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "      \
    "number of input sorted sets and M being the number of elements in the resulting sorted set."
#define DIFF_CX                                                                                    \
    "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N "   \
    "is the size of the first set, and K is the size of the result set."
#define BLOCK_FLAGS KVD_CMD_WRITE | KVD_CMD_NOSCRIPT | KVD_CMD_BLOCKING

static kvd_command_t zset_commands[] = {
    {.name = "zadd", .proc = zadd_command, .arity = -4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, FAST_WRITE,
     DOC("Add one or more members to a sorted set, or update its score if it already exists",
         "1.2.0",
         "O(log(N)) for each item added, where N is the number of elements in the sorted set.")},
    {.name = "zincrby", .proc = zincrby_command, .arity = 4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, FAST_WRITE,
     DOC("Increment the score of a member in a sorted set", "1.2.0",
         "O(log(N)) where N is the number of elements in the sorted set.")},
    {.name = "zrem", .proc = zrem_command, .arity = -3, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     FAST_WRITE,
     DOC("Remove one or more members from a sorted set", "1.2.0",
         "O(M*log(N)) with N being the number of elements in the sorted set and M the number of "
         "elements to be removed.")},
    {.name = "zcard", .proc = zcard_command, .arity = 2, FAST_READ,
     DOC("Get the number of members in a sorted set", "1.2.0", "O(1)")},
    {.name = "zcount", .proc = kvd_zcount_command, .arity = 4, FAST_READ,
     DOC("Count the members in a sorted set with scores within the given values", "2.0.0",
         "O(log(N)) with N being the number of elements in the sorted set.")},
    {.name = "zlexcount", .proc = kvd_zlexcount_command, .arity = 4, FAST_READ,
     DOC("Count the number of members in a sorted set between a given lexicographical range",
         "2.8.9", "O(log(N)) with N being the number of elements in the sorted set.")},
    {.name = "zscore", .proc = zscore_command, .arity = 3, FAST_READ,
     DOC("Get the score associated with the given member in a sorted set", "1.2.0", "O(1)")},
    {.name = "zmscore", .proc = zmscore_command, .arity = -3, FAST_READ,
     DOC("Get the score associated with the given members in a sorted set", "6.2.0",
         "O(N) where N is the number of members being requested.")},
    {.name = "zrank", .proc = zrank_command, .arity = 3, FAST_READ,
     DOC("Determine the index of a member in a sorted set", "2.0.0", "O(log(N))")},
    {.name = "zrevrank", .proc = zrevrank_command, .arity = 3, FAST_READ,
     DOC("Determine the index of a member in a sorted set, with scores ordered from high to low",
         "2.0.0", "O(log(N))")},
    {.name = "zrange", .proc = kvd_zrange_command, .arity = -4, SLOW_READ,
     DOC("Return a range of members in a sorted set", "1.2.0", LOGN_M("returned."))},
    {.name = "zrangestore", .proc = kvd_zrangestore_command, .arity = -5,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = Z_WRITE | KVD_ACL_SLOW, .first_key = 1,
     .last_key = 2, .key_step = 1,
     DOC("Store a range of members from sorted set into another key", "6.2.0",
         LOGN_M("stored into the destination key."))},
    {.name = "zrevrange", .proc = kvd_zrevrange_command, .arity = -4, SLOW_READ,
     DOC("Return a range of members in a sorted set, by index, with scores ordered from high to "
         "low", "1.2.0", LOGN_M("returned."))},
    {.name = "zrangebyscore", .proc = kvd_zrangebyscore_command, .arity = -4, SLOW_READ,
     DOC("Return a range of members in a sorted set, by score", "1.0.5", LIMIT_CX)},
    {.name = "zrevrangebyscore", .proc = kvd_zrevrangebyscore_command, .arity = -4, SLOW_READ,
     DOC("Return a range of members in a sorted set, by score, with scores ordered from high to "
         "low", "2.2.0", LIMIT_CX)},
    {.name = "zrangebylex", .proc = kvd_zrangebylex_command, .arity = -4, SLOW_READ,
     DOC("Return a range of members in a sorted set, by lexicographical range", "2.8.9",
         LIMIT_CX)},
    {.name = "zrevrangebylex", .proc = kvd_zrevrangebylex_command, .arity = -4, SLOW_READ,
     DOC("Return a range of members in a sorted set, by lexicographical range, ordered from "
         "higher to lower strings.", "2.8.9", LIMIT_CX)},
    {.name = "zremrangebyrank", .proc = kvd_zremrangebyrank_command, .arity = 4, SLOW_WRITE,
     DOC("Remove all members in a sorted set within the given indexes", "2.0.0",
         LOGN_M("removed by the operation."))},
    {.name = "zremrangebyscore", .proc = kvd_zremrangebyscore_command, .arity = 4, SLOW_WRITE,
     DOC("Remove all members in a sorted set within the given scores", "1.2.0",
         LOGN_M("removed by the operation."))},
    {.name = "zremrangebylex", .proc = kvd_zremrangebylex_command, .arity = 4, SLOW_WRITE,
     DOC("Remove all members in a sorted set between the given lexicographical range", "2.8.9",
         LOGN_M("removed by the operation."))},
    {.name = "zpopmin", .proc = zpopmin_command, .arity = -2,
     .flags = KVD_CMD_WRITE | KVD_CMD_FAST, FAST_WRITE,
     DOC("Remove and return members with the lowest scores in a sorted set", "5.0.0", POP_CX)},
    {.name = "zpopmax", .proc = zpopmax_command, .arity = -2,
     .flags = KVD_CMD_WRITE | KVD_CMD_FAST, FAST_WRITE,
     DOC("Remove and return members with the highest scores in a sorted set", "5.0.0", POP_CX)},
    {.name = "zmpop", .proc = zmpop_command, .arity = -4,
     .flags = KVD_CMD_WRITE | KVD_CMD_MOVABLE_KEYS, .acl = Z_WRITE | KVD_ACL_SLOW,
     .getkeys = kvd_zset_numkeys1_getkeys,
     DOC("Remove and return members with scores in a sorted set", "7.0.0", MPOP_CX)},
    {.name = "bzpopmin", .proc = bzpopmin_command, .arity = -3,
     .flags = BLOCK_FLAGS | KVD_CMD_FAST, .acl = Z_WRITE | KVD_ACL_FAST | KVD_ACL_BLOCKING,
     .first_key = 1, .last_key = -2, .key_step = 1,
     DOC("Remove and return the member with the lowest score from one or more sorted sets, or "
         "block until one is available", "5.0.0",
         "O(log(N)) with N being the number of elements in the sorted set.")},
    {.name = "bzpopmax", .proc = bzpopmax_command, .arity = -3,
     .flags = BLOCK_FLAGS | KVD_CMD_FAST, .acl = Z_WRITE | KVD_ACL_FAST | KVD_ACL_BLOCKING,
     .first_key = 1, .last_key = -2, .key_step = 1,
     DOC("Remove and return the member with the highest score from one or more sorted sets, or "
         "block until one is available", "5.0.0",
         "O(log(N)) with N being the number of elements in the sorted set.")},
    {.name = "bzmpop", .proc = bzmpop_command, .arity = -5,
     .flags = KVD_CMD_WRITE | KVD_CMD_BLOCKING | KVD_CMD_MOVABLE_KEYS,
     .acl = Z_WRITE | KVD_ACL_SLOW | KVD_ACL_BLOCKING, .getkeys = kvd_zset_numkeys2_getkeys,
     DOC("Remove and return members with scores in a sorted set or block until one is available",
         "7.0.0", MPOP_CX)},
    {.name = "zrandmember", .proc = zrandmember_command, .arity = -2, SLOW_READ,
     DOC("Get one or multiple random elements from a sorted set", "6.2.0",
         "O(N) where N is the number of elements returned")},
    {.name = "zunion", .proc = kvd_zunion_command, .arity = -3, READ_NUMKEYS,
     DOC("Add multiple sorted sets", "6.2.0", UNION_CX)},
    {.name = "zinter", .proc = kvd_zinter_command, .arity = -3, READ_NUMKEYS,
     DOC("Intersect multiple sorted sets", "6.2.0", INTER_CX)},
    {.name = "zdiff", .proc = kvd_zdiff_command, .arity = -3, READ_NUMKEYS,
     DOC("Subtract multiple sorted sets", "6.2.0", DIFF_CX)},
    {.name = "zunionstore", .proc = kvd_zunionstore_command, .arity = -4, STORE_NUMKEYS,
     DOC("Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
         "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M "
         "being the number of elements in the resulting sorted set.")},
    {.name = "zinterstore", .proc = kvd_zinterstore_command, .arity = -4, STORE_NUMKEYS,
     DOC("Intersect multiple sorted sets and store the resulting sorted set in a new key",
         "2.0.0", INTER_CX)},
    {.name = "zdiffstore", .proc = kvd_zdiffstore_command, .arity = -4, STORE_NUMKEYS,
     DOC("Subtract multiple sorted sets and store the resulting sorted set in a new key",
         "6.2.0", DIFF_CX)},
    {.name = "zintercard", .proc = kvd_zintercard_command, .arity = -3, READ_NUMKEYS,
     DOC("Intersect multiple sorted sets and return the cardinality of the result", "7.0.0",
         "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
         "input sorted sets.")},
    {.name = "zscan", .proc = zscan_command, .arity = -3, SLOW_READ,
     DOC("Incrementally iterate sorted sets elements and associated scores", "2.8.0",
         "O(1) for every call. O(N) for a complete iteration, including enough command calls "
         "for the cursor to return back to 0. N is the number of elements inside the "
         "collection..")},
    {.name = NULL},
};

void kvd_register_zset_commands(void)
{
    kvd_db_register_free(KVD_TYPE_ZSET, kvd_zset_free_value);
    kvd_db_register_dup(KVD_TYPE_ZSET, kvd_zset_dup_value);
    kvd_db_register_memory(KVD_TYPE_ZSET, kvd_zset_memory_value);
    kvd_command_register(zset_commands);
}

/*
 * t_hash.c - hash commands: HSET/HMSET/HSETNX, HGET/HMGET, HDEL, HLEN,
 * HSTRLEN, HEXISTS, HKEYS/HVALS/HGETALL, HINCRBY/HINCRBYFLOAT, HRANDFIELD
 * and HSCAN.  Values live in hash_type.c over the compact and table
 * encodings.
 *
 * Replies match Redis 7.0.15 byte for byte, including the order of checks
 * a client can see: HINCRBY, HINCRBYFLOAT and HRANDFIELD parse their
 * numbers before looking the key up; HSCAN parses its cursor first and its
 * options only once it has found the hash.  An emptied hash is deleted.
 */
#include <inttypes.h>
#include <math.h>

#include "client.h"
#include "hash_type.h"
#include "shard.h"
#include "core/glob.h"
#include "core/util.h"
#include "aof/aof.h"
#include "proto/reply.h"

/* Redis formats long doubles into 5 KiB; the longest finite "%.17Lf" fits. */
#define LONG_DOUBLE_TEXT_MAX (5 * 1024)

/*
 * HRANDFIELD with a negative count repeats picks; Redis 7.0 tries to build
 * any such reply, however large, and dies of it.  kvd refuses beyond this
 * many picks instead (a documented difference).
 */
#define RANDFIELD_MAX_REPEATS ((int64_t)1 << 26)

/* The hash under key, or NULL when absent; *bad (WRONGTYPE replied) for
 * another type.  Reads count hits and misses; writes touch the key. */
static kvd_entry_t *hash_lookup(kvd_client_t *c, const kvd_arg_t *key, bool write, bool *bad)
{
    *bad = false;
    kvd_entry_t *e = write ? kvd_db_find(c->db, key->ptr, key->len)
                           : kvd_db_lookup_read(c->db, key->ptr, key->len);
    if (e == NULL)
        return NULL;
    if (kvd_check_type(c, e, KVD_TYPE_HASH) < 0) {
        *bad = true;
        return NULL;
    }
    if (write)
        kvd_db_touch(c->db, e);
    return e;
}

/* The hash under key for writing, created empty when absent; NULL after WRONGTYPE. */
static kvd_entry_t *hash_lookup_or_create(kvd_client_t *c, const kvd_arg_t *key)
{
    bool bad;
    kvd_entry_t *e = hash_lookup(c, key, true, &bad);
    if (e == NULL && !bad)
        e = kvd_db_set_ptr(c->db, key->ptr, key->len, KVD_TYPE_HASH, KVD_ENC_LISTPACK,
                           kvd_hash_new(), 0);
    return e;
}

static kvd_hash_limits_t limits_of(const kvd_client_t *c)
{
    const kvd_config_t *cfg = c->shard->cfg;
    return (kvd_hash_limits_t){cfg->hash_max_listpack_entries, cfg->hash_max_listpack_value};
}

static bool hash_set(kvd_client_t *c, kvd_entry_t *e, const kvd_arg_t *f, const char *v,
                     size_t vlen)
{
    kvd_hash_limits_t lim = limits_of(c);
    return kvd_hash_set(e, &lim, c->shard->env, f->ptr, f->len, v, vlen);
}

/* HSET and HMSET: field/value pairs, counted after the name and key. */
static void hset_generic(kvd_client_t *c, bool reply_ok)
{
    if (c->argc % 2 == 1) {
        kvd_reply_arity(c);
        return;
    }
    kvd_entry_t *e = hash_lookup_or_create(c, &c->argv[1]);
    if (e == NULL)
        return;
    int64_t added = 0;
    for (int i = 2; i + 1 < c->argc; i += 2)
        added += hash_set(c, e, &c->argv[i], c->argv[i + 1].ptr, c->argv[i + 1].len);
    /* Redis counts every field written, updates included. */
    kvd_shard_add_dirty(c->shard, (uint64_t)(c->argc - 2) / 2);
    if (reply_ok)
        kvd_reply_ok(c->reply);
    else
        kvd_reply_int(c->reply, added);
}

static void hset_command(kvd_client_t *c)
{
    hset_generic(c, false);
}

static void hmset_command(kvd_client_t *c)
{
    hset_generic(c, true);
}

/* An existing field is left alone, and so is the encoding (Redis converts
 * only when it inserts). */
static void hsetnx_command(kvd_client_t *c)
{
    kvd_entry_t *e = hash_lookup_or_create(c, &c->argv[1]);
    if (e == NULL)
        return;
    kvd_hash_pair_t pr;
    const kvd_arg_t *f = &c->argv[2], *v = &c->argv[3];
    if (kvd_hash_get(kvd_entry_encoding(e), kvd_entry_ptr(e), f->ptr, f->len, &pr)) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    hash_set(c, e, f, v->ptr, v->len);
    kvd_shard_add_dirty(c->shard, 1);
    kvd_reply_int(c->reply, 1);
}

/* Look up field in the hash under key for reading; false when either is absent. */
static bool read_field(kvd_entry_t *e, const kvd_arg_t *f, kvd_hash_pair_t *pr)
{
    return e != NULL && kvd_hash_get(kvd_entry_encoding(e), kvd_entry_ptr(e), f->ptr, f->len, pr);
}

static void hget_command(kvd_client_t *c)
{
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    kvd_hash_pair_t pr;
    if (read_field(e, &c->argv[2], &pr))
        kvd_reply_bulk(c->reply, pr.value, pr.vlen);
    else
        kvd_reply_null(c->reply);
}

static void hmget_command(kvd_client_t *c)
{
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    kvd_reply_array(c->reply, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        kvd_hash_pair_t pr;
        if (read_field(e, &c->argv[i], &pr))
            kvd_reply_bulk(c->reply, pr.value, pr.vlen);
        else
            kvd_reply_null(c->reply);
    }
}

static void hstrlen_command(kvd_client_t *c)
{
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    kvd_hash_pair_t pr;
    kvd_reply_int(c->reply, read_field(e, &c->argv[2], &pr) ? (int64_t)pr.vlen : 0);
}

static void hexists_command(kvd_client_t *c)
{
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    kvd_hash_pair_t pr;
    kvd_reply_int(c->reply, read_field(e, &c->argv[2], &pr) ? 1 : 0);
}

static void hlen_command(kvd_client_t *c)
{
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    uint64_t n = e == NULL ? 0 : kvd_hash_len(kvd_entry_encoding(e), kvd_entry_ptr(e));
    kvd_reply_int(c->reply, (int64_t)n);
}

static void hdel_command(kvd_client_t *c)
{
    bool bad;
    const kvd_arg_t *key = &c->argv[1];
    kvd_entry_t *e = hash_lookup(c, key, true, &bad);
    if (e == NULL) {
        if (!bad)
            kvd_reply_int(c->reply, 0);
        return;
    }
    int64_t removed = 0;
    for (int i = 2; i < c->argc; i++) {
        removed += kvd_hash_delete(e, c->argv[i].ptr, c->argv[i].len);
        if (kvd_hash_len(kvd_entry_encoding(e), kvd_entry_ptr(e)) == 0) {
            kvd_db_delete(c->db, key->ptr, key->len);
            break;
        }
    }
    kvd_shard_add_dirty(c->shard, (uint64_t)removed);
    kvd_reply_int(c->reply, removed);
}

/* What HKEYS, HVALS and HGETALL reply for each pair. */
enum { WANT_FIELD = 1, WANT_VALUE = 2 };

typedef struct reply_pairs {
    kvd_buf_t *out;
    int want;
} reply_pairs_t;

static void reply_pair(const kvd_hash_pair_t *pr, void *arg)
{
    const reply_pairs_t *rp = arg;
    if (rp->want & WANT_FIELD)
        kvd_reply_bulk(rp->out, pr->field, pr->flen);
    if (rp->want & WANT_VALUE)
        kvd_reply_bulk(rp->out, pr->value, pr->vlen);
}

/* Reply every pair of e as a flat array (the whole-hash HRANDFIELD too). */
static void reply_all(kvd_client_t *c, const kvd_entry_t *e, int want)
{
    uint64_t n = kvd_hash_len(kvd_entry_encoding(e), kvd_entry_ptr(e));
    kvd_reply_array(c->reply, (int64_t)(want == (WANT_FIELD | WANT_VALUE) ? n * 2 : n));
    reply_pairs_t rp = {c->reply, want};
    kvd_hash_foreach(kvd_entry_encoding(e), kvd_entry_ptr(e), reply_pair, &rp);
}

static void getall_generic(kvd_client_t *c, int want)
{
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    if (e == NULL)
        kvd_reply_array(c->reply, 0);
    else
        reply_all(c, e, want);
}

static void hkeys_command(kvd_client_t *c)
{
    getall_generic(c, WANT_FIELD);
}

static void hvals_command(kvd_client_t *c)
{
    getall_generic(c, WANT_VALUE);
}

static void hgetall_command(kvd_client_t *c)
{
    getall_generic(c, WANT_FIELD | WANT_VALUE);
}

static void hincrby_command(kvd_client_t *c)
{
    int64_t by, value = 0;
    if (kvd_arg_ll(c, &c->argv[3], &by) < 0)
        return;
    kvd_entry_t *e = hash_lookup_or_create(c, &c->argv[1]);
    if (e == NULL)
        return;
    kvd_hash_pair_t pr;
    if (read_field(e, &c->argv[2], &pr) && !kvd_str2ll(pr.value, pr.vlen, &value)) {
        kvd_reply_error(c->reply, "ERR hash value is not an integer");
        return;
    }
    if (!kvd_add_i64(value, by, &value)) {
        kvd_reply_error(c->reply, "ERR increment or decrement would overflow");
        return;
    }
    char buf[32];
    size_t len = kvd_ll2str_buf(buf, value);
    hash_set(c, e, &c->argv[2], buf, len);
    kvd_shard_add_dirty(c->shard, 1);
    kvd_reply_int(c->reply, value);
}

/* Redis's human long double: "%.17Lf" without trailing zeros or a bare
 * point, and "-0" as "0" (the same text INCRBYFLOAT stores). */
static size_t format_long_double(char *buf, size_t cap, long double v)
{
    KVD_ASSERT(isfinite(v));
    int n = snprintf(buf, cap, "%.17Lf", v);
    KVD_ASSERT(n > 0 && (size_t)n < cap);
    size_t len = (size_t)n;
    if (memchr(buf, '.', len) != NULL) {
        while (len > 0 && buf[len - 1] == '0')
            len--;
        if (len > 0 && buf[len - 1] == '.')
            len--;
    }
    if (len == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        len = 1;
    }
    buf[len] = '\0';
    return len;
}

static void hincrbyfloat_command(kvd_client_t *c)
{
    long double by, value = 0;
    const kvd_arg_t *arg = &c->argv[3];
    if (!kvd_str2ld(arg->ptr, arg->len, &by)) {
        kvd_reply_error(c->reply, "ERR value is not a valid float");
        return;
    }
    if (isnan(by) || isinf(by)) {
        kvd_reply_error(c->reply, "ERR value is NaN or Infinity");
        return;
    }
    kvd_entry_t *e = hash_lookup_or_create(c, &c->argv[1]);
    if (e == NULL)
        return;
    kvd_hash_pair_t pr;
    if (read_field(e, &c->argv[2], &pr) && !kvd_str2ld(pr.value, pr.vlen, &value)) {
        kvd_reply_error(c->reply, "ERR hash value is not a float");
        return;
    }
    value += by;
    if (isnan(value) || isinf(value)) {
        kvd_reply_error(c->reply, "ERR increment would produce NaN or Infinity");
        return;
    }
    char *buf = kvd_malloc(LONG_DOUBLE_TEXT_MAX);
    size_t len = format_long_double(buf, LONG_DOUBLE_TEXT_MAX, value);
    hash_set(c, e, &c->argv[2], buf, len);
    /* Float arithmetic may round differently elsewhere: log the result. */
    kvd_arg_t v[4] = {{(char *)"HSET", 4}, c->argv[1], c->argv[2], {buf, len}};
    kvd_propagate_as(c, 4, v);
    kvd_shard_add_dirty(c->shard, 1);
    kvd_reply_bulk(c->reply, buf, len);
    kvd_free(buf);
}


/* Reply one pair of an HRANDFIELD reply. */
static void reply_pick(kvd_client_t *c, const kvd_hash_pair_t *pr, bool withvalues)
{
    kvd_reply_bulk(c->reply, pr->field, pr->flen);
    if (withvalues)
        kvd_reply_bulk(c->reply, pr->value, pr->vlen);
}

/* count distinct pairs (count < the hash's length): shuffle the first
 * count places of an array of every pair (a partial Fisher-Yates). */
static void randfield_distinct(kvd_client_t *c, const kvd_entry_t *e, uint64_t count,
                               bool withvalues)
{
    kvd_encoding_t enc = kvd_entry_encoding(e);
    const void *h = kvd_entry_ptr(e);
    uint64_t len = kvd_hash_len(enc, h);
    KVD_ASSERT(count < len);
    size_t bytes;
    KVD_ASSERT(kvd_mul_size(len, sizeof(kvd_hash_pair_t), &bytes));
    kvd_hash_pair_t *all = kvd_malloc(bytes);
    kvd_hash_pairs(enc, h, all, len);
    kvd_reply_array(c->reply, (int64_t)(withvalues ? count * 2 : count));
    for (uint64_t i = 0; i < count; i++) {
        uint64_t j = i + kvd_env_random_below(c->shard->env, len - i);
        kvd_hash_pair_t t = all[i];
        all[i] = all[j];
        all[j] = t;
        reply_pick(c, &all[i], withvalues);
    }
    kvd_free(all);
}

/* HRANDFIELD key count [WITHVALUES], once count is parsed and checked. */
static void randfield_count(kvd_client_t *c, int64_t count, bool withvalues)
{
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    if (e == NULL || count == 0) {
        kvd_reply_array(c->reply, 0);
        return;
    }
    kvd_encoding_t enc = kvd_entry_encoding(e);
    uint64_t len = kvd_hash_len(enc, kvd_entry_ptr(e));
    if (count < 0) {
        /* Repeats allowed: each pick independent. */
        if (count < -RANDFIELD_MAX_REPEATS) {
            kvd_reply_error(c->reply, "ERR value is out of range");
            return;
        }
        uint64_t n = (uint64_t)-count;
        kvd_reply_array(c->reply, (int64_t)(withvalues ? n * 2 : n));
        for (uint64_t i = 0; i < n; i++) {
            kvd_hash_pair_t pr;
            kvd_hash_random(enc, kvd_entry_ptr(e), c->shard->env, &pr);
            reply_pick(c, &pr, withvalues);
        }
        return;
    }
    if ((uint64_t)count >= len) {
        reply_all(c, e, withvalues ? WANT_FIELD | WANT_VALUE : WANT_FIELD);
        return;
    }
    randfield_distinct(c, e, (uint64_t)count, withvalues);
}

/* Redis parses the count (and its limits) before looking the key up. */
static void hrandfield_command(kvd_client_t *c)
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
        if (c->argc > 4 || (c->argc == 4 && !kvd_arg_is(&c->argv[3], "withvalues"))) {
            kvd_reply_syntax_error(c);
            return;
        }
        bool withvalues = c->argc == 4;
        if (withvalues && (count < -INT64_MAX / 2 || count > INT64_MAX / 2)) {
            kvd_reply_error(c->reply, "ERR value is out of range");
            return;
        }
        randfield_count(c, count, withvalues);
        return;
    }
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    if (e == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    kvd_hash_pair_t pr;
    kvd_hash_random(kvd_entry_encoding(e), kvd_entry_ptr(e), c->shard->env, &pr);
    kvd_reply_bulk(c->reply, pr.field, pr.flen);
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
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
            return false;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return true;
}

typedef struct scan_collect {
    kvd_hash_pair_t *pairs;
    size_t n, cap;
} scan_collect_t;

static void scan_visit(const kvd_hash_pair_t *pr, void *arg)
{
    scan_collect_t *sc = arg;
    if (sc->n == sc->cap) {
        size_t cap, bytes;
        KVD_ASSERT(kvd_mul_size(sc->cap < 16 ? 16 : sc->cap, 2, &cap));
        KVD_ASSERT(kvd_mul_size(cap, sizeof(*sc->pairs), &bytes));
        sc->pairs = kvd_realloc(sc->pairs, bytes);
        sc->cap = cap;
    }
    sc->pairs[sc->n++] = *pr;
}

/* HSCAN's options, after the cursor: MATCH pattern, COUNT n (>= 1). */
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

/* Reply the scan's cursor and the collected pairs whose field matches. */
static void reply_scan(kvd_client_t *c, uint64_t cursor, const scan_collect_t *sc,
                       const kvd_arg_t *match)
{
    /* Exactly "*" matches everything, the empty field included. */
    bool all = match == NULL || (match->len == 1 && match->ptr[0] == '*');
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRIu64, cursor);
    kvd_reply_array(c->reply, 2);
    kvd_reply_bulk(c->reply, buf, (size_t)n);
    size_t mark = kvd_reply_defer(c->reply);
    int64_t replied = 0;
    for (size_t i = 0; i < sc->n; i++) {
        const kvd_hash_pair_t *pr = &sc->pairs[i];
        if (!all && !kvd_glob_match(match->ptr, match->len, pr->field, pr->flen, false))
            continue;
        kvd_reply_bulk(c->reply, pr->field, pr->flen);
        kvd_reply_bulk(c->reply, pr->value, pr->vlen);
        replied += 2;
    }
    kvd_reply_set_array_len(c->reply, mark, replied);
}

/* A compact hash is returned whole with cursor 0, whatever the cursor, as
 * Redis does; a table is walked bucket by bucket, count * 10 steps at most. */
static void hscan_command(kvd_client_t *c)
{
    uint64_t cursor;
    if (!parse_cursor(&c->argv[2], &cursor)) {
        kvd_reply_error(c->reply, "ERR invalid cursor");
        return;
    }
    bool bad;
    kvd_entry_t *e = hash_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    if (e == NULL) {
        kvd_reply_raw(c->reply, "*2\r\n$1\r\n0\r\n*0\r\n", 15);
        return;
    }
    int64_t count;
    const kvd_arg_t *match;
    if (parse_scan_opts(c, &count, &match) < 0)
        return;
    scan_collect_t sc = {NULL, 0, 0};
    if (kvd_entry_encoding(e) == KVD_ENC_LISTPACK) {
        kvd_hash_foreach(KVD_ENC_LISTPACK, kvd_entry_ptr(e), scan_visit, &sc);
        cursor = 0;
    } else {
        uint64_t steps = (uint64_t)count > UINT64_MAX / 10 ? UINT64_MAX : (uint64_t)count * 10;
        do {
            cursor = kvd_hash_scan(kvd_entry_ptr(e), cursor, scan_visit, &sc);
        } while (cursor != 0 && steps-- > 0 && sc.n < (uint64_t)count);
    }
    reply_scan(c, cursor, &sc, match);
    kvd_free(sc.pairs);
}

#define HASH_READ (KVD_ACL_READ | KVD_ACL_HASH)
#define HASH_WRITE (KVD_ACL_WRITE | KVD_ACL_HASH)
#define ONE_KEY .first_key = 1, .last_key = 1, .key_step = 1
#define DOC(sum, ver, cx) .summary = sum, .since = ver, .group = "hash", .complexity = cx
#define FAST_READ .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = HASH_READ | KVD_ACL_FAST
#define SLOW_READ .flags = KVD_CMD_READONLY, .acl = HASH_READ | KVD_ACL_SLOW
#define FAST_WRITE .acl = HASH_WRITE | KVD_ACL_FAST
#define ALL_CX "O(N) where N is the size of the hash."
#define FIELDS_CX "O(N) where N is the number of fields being requested."
#define SET_CX                                                                                     \
    "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command "  \
    "is called with multiple field/value pairs."

static kvd_command_t hash_commands[] = {
    {.name = "hset", .proc = hset_command, .arity = -4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, FAST_WRITE, ONE_KEY,
     DOC("Set the string value of a hash field", "2.0.0", SET_CX)},
    {.name = "hsetnx", .proc = hsetnx_command, .arity = 4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, FAST_WRITE, ONE_KEY,
     DOC("Set the value of a hash field, only if the field does not exist", "2.0.0", "O(1)")},
    {.name = "hmset", .proc = hmset_command, .arity = -4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, FAST_WRITE, ONE_KEY,
     DOC("Set multiple hash fields to multiple values", "2.0.0",
         "O(N) where N is the number of fields being set.")},
    {.name = "hget", .proc = hget_command, .arity = 3, FAST_READ, ONE_KEY,
     DOC("Get the value of a hash field", "2.0.0", "O(1)")},
    {.name = "hmget", .proc = hmget_command, .arity = -3, FAST_READ, ONE_KEY,
     DOC("Get the values of all the given hash fields", "2.0.0", FIELDS_CX)},
    {.name = "hdel", .proc = hdel_command, .arity = -3, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     FAST_WRITE, ONE_KEY,
     DOC("Delete one or more hash fields", "2.0.0",
         "O(N) where N is the number of fields to be removed.")},
    {.name = "hlen", .proc = hlen_command, .arity = 2, FAST_READ, ONE_KEY,
     DOC("Get the number of fields in a hash", "2.0.0", "O(1)")},
    {.name = "hstrlen", .proc = hstrlen_command, .arity = 3, FAST_READ, ONE_KEY,
     DOC("Get the length of the value of a hash field", "3.2.0", "O(1)")},
    {.name = "hexists", .proc = hexists_command, .arity = 3, FAST_READ, ONE_KEY,
     DOC("Determine if a hash field exists", "2.0.0", "O(1)")},
    {.name = "hkeys", .proc = hkeys_command, .arity = 2, SLOW_READ, ONE_KEY,
     DOC("Get all the fields in a hash", "2.0.0", ALL_CX)},
    {.name = "hvals", .proc = hvals_command, .arity = 2, SLOW_READ, ONE_KEY,
     DOC("Get all the values in a hash", "2.0.0", ALL_CX)},
    {.name = "hgetall", .proc = hgetall_command, .arity = 2, SLOW_READ, ONE_KEY,
     DOC("Get all the fields and values in a hash", "2.0.0", ALL_CX)},
    {.name = "hincrby", .proc = hincrby_command, .arity = 4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, FAST_WRITE, ONE_KEY,
     DOC("Increment the integer value of a hash field by the given number", "2.0.0", "O(1)")},
    {.name = "hincrbyfloat", .proc = hincrbyfloat_command, .arity = 4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, FAST_WRITE, ONE_KEY,
     DOC("Increment the float value of a hash field by the given amount", "2.6.0", "O(1)")},
    {.name = "hrandfield", .proc = hrandfield_command, .arity = -2, SLOW_READ, ONE_KEY,
     DOC("Get one or multiple random fields from a hash", "6.2.0",
         "O(N) where N is the number of fields returned")},
    {.name = "hscan", .proc = hscan_command, .arity = -3, SLOW_READ, ONE_KEY,
     DOC("Incrementally iterate hash fields and associated values", "2.8.0",
         "O(1) for every call. O(N) for a complete iteration, including enough command calls "
         "for the cursor to return back to 0. N is the number of elements inside the "
         "collection..")},
    {.name = NULL},
};

void kvd_register_hash_commands(void)
{
    kvd_db_register_free(KVD_TYPE_HASH, kvd_hash_free);
    kvd_db_register_dup(KVD_TYPE_HASH, kvd_hash_dup);
    kvd_command_register(hash_commands);
}

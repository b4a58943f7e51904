/*
 * t_string.c - string commands: GET and SET with their variants, MGET,
 * MSET, MSETNX, APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE.  Counters are
 * in t_incr.c and LCS in t_lcs.c; all register through
 * kvd_register_string_commands().
 *
 * Replies match Redis 7.0.15 byte for byte, including which error wins
 * when a command has several things wrong with it: where the order of
 * checks is visible to a client, a comment says so.
 */
#include "client.h"
#include "shard.h"
#include "t_string.h"
#include "aof/aof.h"
#include "proto/reply.h"

/* SET and GETEX options. */
#define OPT_NX (1 << 0)
#define OPT_XX (1 << 1)
#define OPT_GET (1 << 2)
#define OPT_KEEPTTL (1 << 3)
#define OPT_PERSIST (1 << 4)

typedef enum { UNIT_NONE, UNIT_EX, UNIT_PX, UNIT_EXAT, UNIT_PXAT } expire_unit_t;

typedef struct string_opts {
    int flags;
    expire_unit_t unit;      /* UNIT_NONE when no expiry was given */
    const kvd_arg_t *expire; /* the expiry's value, when unit != UNIT_NONE */
} string_opts_t;

/* What SET-like commands reply: SET/SETEX/PSETEX "+OK" (nil when NX/XX
 * refused), SETNX :1 (:0 when refused). */
typedef enum { SET_REPLY_OK, SET_REPLY_ONE_ZERO } set_reply_t;

/* Reply the value of a string entry (bulk), or WRONGTYPE.  Returns -1 on WRONGTYPE. */
static int reply_string_entry(kvd_client_t *c, const kvd_entry_t *e)
{
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return -1;
    char tmp[32];
    size_t len;
    const char *p = kvd_entry_str(e, &len, tmp);
    kvd_reply_bulk(c->reply, p, len);
    return 0;
}

/* GET's reply for key: nil, the value, or WRONGTYPE (returns -1).  Counts
 * a keyspace hit or miss, as every Redis command that reads like GET does. */
static int reply_get(kvd_client_t *c, const kvd_arg_t *key)
{
    kvd_entry_t *e = kvd_db_lookup_read(c->db, key->ptr, key->len);
    if (e == NULL) {
        kvd_reply_null(c->reply);
        return 0;
    }
    return reply_string_entry(c, e);
}

/* Redis refuses to build a string longer than proto-max-bulk-len. */
static int check_string_length(kvd_client_t *c, size_t size, size_t extra)
{
    size_t total;
    if (!kvd_add_size(size, extra, &total) ||
        total > (uint64_t)c->shard->cfg->proto_max_bulk_len) {
        kvd_reply_error(c->reply, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return -1;
    }
    return 0;
}

static void get_command(kvd_client_t *c)
{
    reply_get(c, &c->argv[1]);
}

static expire_unit_t expire_unit_of(const kvd_arg_t *a)
{
    if (kvd_arg_is(a, "ex"))
        return UNIT_EX;
    if (kvd_arg_is(a, "px"))
        return UNIT_PX;
    if (kvd_arg_is(a, "exat"))
        return UNIT_EXAT;
    if (kvd_arg_is(a, "pxat"))
        return UNIT_PXAT;
    return UNIT_NONE;
}

/*
 * Turn an expiry value into an absolute ms time with Redis's checks: not
 * an integer -> "value is not an integer", <= 0 or overflow -> "invalid
 * expire time in '<cmd>' command".  Relative times use the env clock.
 */
static int expire_to_abs_ms(kvd_client_t *c, expire_unit_t unit, const kvd_arg_t *val,
                            int64_t *out)
{
    KVD_ASSERT(unit != UNIT_NONE);
    int64_t v;
    if (kvd_arg_ll(c, val, &v) < 0)
        return -1;
    bool seconds = unit == UNIT_EX || unit == UNIT_EXAT;
    bool relative = unit == UNIT_EX || unit == UNIT_PX;
    if (v <= 0 || (seconds && __builtin_mul_overflow(v, 1000, &v)) ||
        (relative && !kvd_add_i64(v, (int64_t)kvd_env_now_ms(c->shard->env), &v))) {
        kvd_reply_errorf(c->reply, "ERR invalid expire time in '%s' command", c->cmd->fullname);
        return -1;
    }
    *out = v;
    return 0;
}

/*
 * SET (is_set) and GETEX options.  As in Redis, every keyword is checked
 * before any expiry value, so "EX abc NX XX" is a syntax error; the same
 * expiry unit may repeat (the last value wins) but two units may not.
 */
static int parse_string_opts(kvd_client_t *c, int first, bool is_set, string_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = first; i < c->argc; i++) {
        const kvd_arg_t *a = &c->argv[i];
        expire_unit_t unit = expire_unit_of(a);
        bool no_unit = o->unit == UNIT_NONE;
        bool keep_or_persist = (o->flags & (OPT_KEEPTTL | OPT_PERSIST)) != 0;
        if (is_set && kvd_arg_is(a, "nx") && !(o->flags & OPT_XX)) {
            o->flags |= OPT_NX;
        } else if (is_set && kvd_arg_is(a, "xx") && !(o->flags & OPT_NX)) {
            o->flags |= OPT_XX;
        } else if (is_set && kvd_arg_is(a, "get")) {
            o->flags |= OPT_GET;
        } else if (is_set && kvd_arg_is(a, "keepttl") && no_unit &&
                   !(o->flags & OPT_PERSIST)) {
            o->flags |= OPT_KEEPTTL;
        } else if (!is_set && kvd_arg_is(a, "persist") && no_unit &&
                   !(o->flags & OPT_KEEPTTL)) {
            o->flags |= OPT_PERSIST;
        } else if (unit != UNIT_NONE && (no_unit || o->unit == unit) && !keep_or_persist &&
                   i + 1 < c->argc) {
            o->unit = unit;
            o->expire = &c->argv[++i];
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

static void set_generic(kvd_client_t *c, const string_opts_t *o, const kvd_arg_t *key,
                        const kvd_arg_t *val, set_reply_t style)
{
    int64_t when = 0;
    if (o->unit != UNIT_NONE && expire_to_abs_ms(c, o->unit, o->expire, &when) < 0)
        return;
    /* GET reads first, so a key of another type is refused before any write. */
    if ((o->flags & OPT_GET) && reply_get(c, key) < 0)
        return;
    /* Only NX and XX need to know beforehand: a plain SET looks up once, in
     * the store itself. */
    bool found = (o->flags & (OPT_NX | OPT_XX)) && kvd_db_find(c->db, key->ptr, key->len) != NULL;
    if (((o->flags & OPT_NX) && found) || ((o->flags & OPT_XX) && !found)) {
        if (o->flags & OPT_GET)
            return;
        if (style == SET_REPLY_OK)
            kvd_reply_null(c->reply);
        else
            kvd_reply_int(c->reply, 0);
        return;
    }
    kvd_entry_t *e = kvd_db_set_string(c->db, key->ptr, key->len, val->ptr, val->len,
                                       (o->flags & OPT_KEEPTTL) ? KVD_SET_KEEPTTL : 0);
    if (o->unit != UNIT_NONE) {
        kvd_db_set_expire(c->db, e, when);
        /* Logged with an absolute expiry (and without NX/XX/GET, which
         * held or do not matter): replay must not depend on its clock. */
        char num[24];
        int n = snprintf(num, sizeof(num), "%lld", (long long)when);
        kvd_arg_t v[5] = {{(char *)"SET", 3}, *key, *val, {(char *)"PXAT", 4}, {num, (size_t)n}};
        kvd_propagate_as(c, 5, v);
    }
    kvd_shard_add_dirty(c->shard, 1);
    if (o->flags & OPT_GET)
        return;
    if (style == SET_REPLY_OK)
        kvd_reply_ok(c->reply);
    else
        kvd_reply_int(c->reply, 1);
}

static void set_command(kvd_client_t *c)
{
    string_opts_t o;
    if (parse_string_opts(c, 3, true, &o) < 0)
        return;
    set_generic(c, &o, &c->argv[1], &c->argv[2], SET_REPLY_OK);
}

static void setnx_command(kvd_client_t *c)
{
    string_opts_t o = {.flags = OPT_NX};
    set_generic(c, &o, &c->argv[1], &c->argv[2], SET_REPLY_ONE_ZERO);
}

/* SETEX key seconds value, PSETEX key milliseconds value. */
static void setex_generic(kvd_client_t *c, expire_unit_t unit)
{
    string_opts_t o = {.unit = unit, .expire = &c->argv[2]};
    set_generic(c, &o, &c->argv[1], &c->argv[3], SET_REPLY_OK);
}

static void setex_command(kvd_client_t *c)
{
    setex_generic(c, UNIT_EX);
}

static void psetex_command(kvd_client_t *c)
{
    setex_generic(c, UNIT_PX);
}

/* GETSET: reply the old value, then overwrite; the expiry is cleared. */
static void getset_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1], *val = &c->argv[2];
    if (reply_get(c, key) < 0)
        return;
    kvd_db_set_string(c->db, key->ptr, key->len, val->ptr, val->len, 0);
    kvd_shard_add_dirty(c->shard, 1);
}

static void getdel_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1];
    kvd_entry_t *e = kvd_db_lookup_read(c->db, key->ptr, key->len);
    if (e == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    if (reply_string_entry(c, e) < 0)
        return;
    kvd_db_delete(c->db, key->ptr, key->len);
    kvd_shard_add_dirty(c->shard, 1);
}

/*
 * GETEX key [EX|PX|EXAT|PXAT time | PERSIST].  Redis 7.0.15 checks the
 * options' syntax, then the key, and only then the expiry's value: a
 * missing key answers nil even with a bad time.  An absolute time
 * already past deletes the key.
 */
static void getex_command(kvd_client_t *c)
{
    string_opts_t o;
    if (parse_string_opts(c, 2, false, &o) < 0)
        return;
    const kvd_arg_t *key = &c->argv[1];
    kvd_entry_t *e = kvd_db_lookup_read(c->db, key->ptr, key->len);
    if (e == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return;
    int64_t when = 0;
    if (o.unit != UNIT_NONE && expire_to_abs_ms(c, o.unit, o.expire, &when) < 0)
        return;
    reply_string_entry(c, e);
    bool absolute = o.unit == UNIT_EXAT || o.unit == UNIT_PXAT;
    if (absolute && when <= (int64_t)kvd_env_now_ms(c->shard->env)) {
        kvd_db_delete(c->db, key->ptr, key->len);
        kvd_propagate_key(c, "DEL", key);
        kvd_shard_add_dirty(c->shard, 1);
    } else if (o.unit != UNIT_NONE) {
        kvd_db_set_expire(c->db, e, when);
        kvd_propagate_key_ms(c, "PEXPIREAT", key, when);
        kvd_shard_add_dirty(c->shard, 1);
    } else if ((o.flags & OPT_PERSIST) && kvd_db_persist(c->db, e)) {
        kvd_propagate_key(c, "PERSIST", key);
        kvd_shard_add_dirty(c->shard, 1);
    }
}

/* MGET: a key that is missing or not a string reads as nil. */
static void mget_command(kvd_client_t *c)
{
    kvd_reply_array(c->reply, c->argc - 1);
    for (int i = 1; i < c->argc; i++) {
        kvd_entry_t *e = kvd_db_lookup_read(c->db, c->argv[i].ptr, c->argv[i].len);
        if (e == NULL || kvd_entry_type(e) != KVD_TYPE_STRING)
            kvd_reply_null(c->reply);
        else
            reply_string_entry(c, e);
    }
}

static void mset_pairs(kvd_client_t *c)
{
    for (int i = 1; i + 1 < c->argc; i += 2) {
        const kvd_arg_t *key = &c->argv[i], *val = &c->argv[i + 1];
        kvd_db_set_string(c->db, key->ptr, key->len, val->ptr, val->len, 0);
    }
    kvd_shard_add_dirty(c->shard, (uint64_t)(c->argc - 1) / 2);
}

static void mset_command(kvd_client_t *c)
{
    /* Arity -3 lets through an odd count of key/value words; Redis
     * reports that as an arity error. */
    if (c->argc % 2 == 0) {
        kvd_reply_arity(c);
        return;
    }
    mset_pairs(c);
    kvd_reply_ok(c->reply);
}

static void msetnx_command(kvd_client_t *c)
{
    if (c->argc % 2 == 0) {
        kvd_reply_arity(c);
        return;
    }
    for (int i = 1; i < c->argc; i += 2) {
        if (kvd_db_find(c->db, c->argv[i].ptr, c->argv[i].len) != NULL) {
            kvd_reply_int(c->reply, 0);
            return;
        }
    }
    mset_pairs(c);
    kvd_reply_int(c->reply, 1);
}

/*
 * APPEND: a new key is stored as SET would (int/embstr/raw); appending to
 * an existing one leaves it raw, with its expiry, as Redis does.
 */
static void append_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1], *val = &c->argv[2];
    kvd_entry_t *e = kvd_db_find(c->db, key->ptr, key->len);
    if (e == NULL) {
        kvd_db_set_string(c->db, key->ptr, key->len, val->ptr, val->len, 0);
        kvd_shard_add_dirty(c->shard, 1);
        kvd_reply_int(c->reply, (int64_t)val->len);
        return;
    }
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return;
    char tmp[32];
    size_t len;
    kvd_entry_str(e, &len, tmp);
    if (check_string_length(c, len, val->len) < 0)
        return;
    e = kvd_db_string_append(c->db, e, val->ptr, val->len);
    kvd_shard_add_dirty(c->shard, 1);
    kvd_entry_str(e, &len, tmp);
    kvd_reply_int(c->reply, (int64_t)len);
}

static void strlen_command(kvd_client_t *c)
{
    kvd_entry_t *e = kvd_db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return;
    char tmp[32];
    size_t len;
    kvd_entry_str(e, &len, tmp);
    kvd_reply_int(c->reply, (int64_t)len);
}

/*
 * Clamp GETRANGE's inclusive [start, end] to a string of n bytes, with
 * Redis's rules (negative counts from the end).  Returns false when the
 * range is empty.
 */
static bool clamp_range(int64_t n, int64_t *start, int64_t *end)
{
    KVD_ASSERT(n >= 0);
    if (*start < 0 && *end < 0 && *start > *end)
        return false;
    if (*start < 0)
        *start += n;
    if (*end < 0)
        *end += n;
    if (*start < 0)
        *start = 0;
    if (*end < 0)
        *end = 0;
    if (*end >= n)
        *end = n - 1;
    return n > 0 && *start <= *end;
}

/* GETRANGE and SUBSTR: the indexes are parsed before the key is looked up. */
static void getrange_command(kvd_client_t *c)
{
    int64_t start, end;
    if (kvd_arg_ll(c, &c->argv[2], &start) < 0 || kvd_arg_ll(c, &c->argv[3], &end) < 0)
        return;
    kvd_entry_t *e = kvd_db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) {
        kvd_reply_bulk(c->reply, "", 0);
        return;
    }
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return;
    char tmp[32];
    size_t len;
    const char *p = kvd_entry_str(e, &len, tmp);
    if (!clamp_range((int64_t)len, &start, &end)) {
        kvd_reply_bulk(c->reply, "", 0);
        return;
    }
    kvd_reply_bulk(c->reply, p + start, (size_t)(end - start + 1));
}

/* SETRANGE on a missing key: an empty value creates nothing. */
static void setrange_new(kvd_client_t *c, const kvd_arg_t *key, int64_t off, const kvd_arg_t *val)
{
    if (val->len == 0) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    if (check_string_length(c, (size_t)off, val->len) < 0)
        return;
    /* Start from an empty raw string: the db zero-pads up to off in place. */
    kvd_entry_t *e = kvd_db_set_string(c->db, key->ptr, key->len, "", 0, KVD_SET_FORCE_RAW);
    e = kvd_db_string_setrange(c->db, e, (size_t)off, val->ptr, val->len);
    kvd_shard_add_dirty(c->shard, 1);
    char tmp[32];
    size_t len;
    kvd_entry_str(e, &len, tmp);
    kvd_reply_int(c->reply, (int64_t)len);
}

/* SETRANGE key offset value: offset errors come before the key's type. */
static void setrange_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1], *val = &c->argv[3];
    int64_t off;
    if (kvd_arg_ll(c, &c->argv[2], &off) < 0)
        return;
    if (off < 0) {
        kvd_reply_error(c->reply, "ERR offset is out of range");
        return;
    }
    kvd_entry_t *e = kvd_db_find(c->db, key->ptr, key->len);
    if (e == NULL) {
        setrange_new(c, key, off, val);
        return;
    }
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return;
    char tmp[32];
    size_t len;
    kvd_entry_str(e, &len, tmp);
    /* Nothing to write: Redis leaves the value and its encoding alone. */
    if (val->len == 0) {
        kvd_reply_int(c->reply, (int64_t)len);
        return;
    }
    if (check_string_length(c, (size_t)off, val->len) < 0)
        return;
    e = kvd_db_string_setrange(c->db, e, (size_t)off, val->ptr, val->len);
    kvd_shard_add_dirty(c->shard, 1);
    kvd_entry_str(e, &len, tmp);
    kvd_reply_int(c->reply, (int64_t)len);
}

#define STR_READ (KVD_ACL_READ | KVD_ACL_STRING)
#define STR_WRITE (KVD_ACL_WRITE | KVD_ACL_STRING)
#define ONE_KEY .first_key = 1, .last_key = 1, .key_step = 1
#define DOC(sum, ver, cx) .summary = sum, .since = ver, .group = "string", .complexity = cx

#define RANGE_CX                                                                                   \
    "O(N) where N is the length of the returned string. The complexity is ultimately "            \
    "determined by the returned length, but because creating a substring from an existing "       \
    "string is very cheap, it can be considered O(1) for small strings."

static kvd_command_t string_commands[] = {
    {.name = "get", .proc = get_command, .arity = 2, .flags = KVD_CMD_READONLY | KVD_CMD_FAST,
     .acl = STR_READ | KVD_ACL_FAST, ONE_KEY, DOC("Get the value of a key", "1.0.0", "O(1)")},
    {.name = "set", .proc = set_command, .arity = -3, .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM,
     .acl = STR_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Set the string value of a key", "1.0.0", "O(1)")},
    {.name = "setnx", .proc = setnx_command, .arity = 3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, .acl = STR_WRITE | KVD_ACL_FAST,
     ONE_KEY, DOC("Set the value of a key, only if the key does not exist", "1.0.0", "O(1)")},
    {.name = "setex", .proc = setex_command, .arity = 4, .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM,
     .acl = STR_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Set the value and expiration of a key", "2.0.0", "O(1)")},
    {.name = "psetex", .proc = psetex_command, .arity = 4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = STR_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Set the value and expiration in milliseconds of a key", "2.6.0", "O(1)")},
    {.name = "getset", .proc = getset_command, .arity = 3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, .acl = STR_WRITE | KVD_ACL_FAST,
     ONE_KEY, DOC("Set the string value of a key and return its old value", "1.0.0", "O(1)")},
    {.name = "getdel", .proc = getdel_command, .arity = 2, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = STR_WRITE | KVD_ACL_FAST, ONE_KEY,
     DOC("Get the value of a key and delete the key", "6.2.0", "O(1)")},
    {.name = "getex", .proc = getex_command, .arity = -2, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = STR_WRITE | KVD_ACL_FAST, ONE_KEY,
     DOC("Get the value of a key and optionally set its expiration", "6.2.0", "O(1)")},
    {.name = "mget", .proc = mget_command, .arity = -2, .flags = KVD_CMD_READONLY | KVD_CMD_FAST,
     .acl = STR_READ | KVD_ACL_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
     DOC("Get the values of all the given keys", "1.0.0",
         "O(N) where N is the number of keys to retrieve.")},
    {.name = "mset", .proc = mset_command, .arity = -3, .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM,
     .acl = STR_WRITE | KVD_ACL_SLOW, .first_key = 1, .last_key = -1, .key_step = 2,
     DOC("Set multiple keys to multiple values", "1.0.1",
         "O(N) where N is the number of keys to set.")},
    {.name = "msetnx", .proc = msetnx_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = STR_WRITE | KVD_ACL_SLOW, .first_key = 1,
     .last_key = -1, .key_step = 2,
     DOC("Set multiple keys to multiple values, only if none of the keys exist", "1.0.1",
         "O(N) where N is the number of keys to set.")},
    {.name = "append", .proc = append_command, .arity = 3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, .acl = STR_WRITE | KVD_ACL_FAST,
     ONE_KEY,
     DOC("Append a value to a key", "2.0.0",
         "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
         "the already present value is of any size, since the dynamic string library used by "
         "Redis will double the free space available on every reallocation.")},
    {.name = "strlen", .proc = strlen_command, .arity = 2,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = STR_READ | KVD_ACL_FAST, ONE_KEY,
     DOC("Get the length of the value stored in a key", "2.2.0", "O(1)")},
    {.name = "getrange", .proc = getrange_command, .arity = 4, .flags = KVD_CMD_READONLY,
     .acl = STR_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Get a substring of the string stored at a key", "2.4.0", RANGE_CX)},
    {.name = "substr", .proc = getrange_command, .arity = 4, .flags = KVD_CMD_READONLY,
     .acl = STR_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Get a substring of the string stored at a key", "1.0.0", RANGE_CX)},
    {.name = "setrange", .proc = setrange_command, .arity = 4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = STR_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Overwrite part of a string at key starting at the specified offset", "2.2.0",
         "O(1), not counting the time taken to copy the new string in place. Usually, this "
         "string is very small so the amortized complexity is O(1). Otherwise, complexity is "
         "O(M) with M being the length of the value argument.")},
    {.name = NULL},
};

void kvd_register_string_commands(void)
{
    kvd_command_register(string_commands);
    kvd_register_incr_commands();
    kvd_register_lcs_commands();
}

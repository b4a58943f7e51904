/*
 * t_incr.c - counters on string values: INCR, DECR, INCRBY, DECRBY,
 * INCRBYFLOAT.  Integer results stay int-encoded and every command keeps
 * the key's expiry, as in Redis 7.0.
 */
#include <math.h>

#include "client.h"
#include "shard.h"
#include "t_string.h"
#include "core/util.h"
#include "aof/aof.h"
#include "proto/reply.h"

/* Redis formats long doubles into a 5 KiB buffer; the longest "%.17Lf"
 * text of a finite long double (about 4,952 bytes) fits. */
#define LONG_DOUBLE_TEXT_MAX (5 * 1024)

/*
 * Read the integer held by a string entry.  Returns -1 after replying
 * WRONGTYPE or "not an integer".
 */
static int entry_ll(kvd_client_t *c, const kvd_entry_t *e, int64_t *out)
{
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return -1;
    if (kvd_entry_int(e, out))
        return 0;
    char tmp[32];
    size_t len;
    const char *p = kvd_entry_str(e, &len, tmp);
    if (kvd_str2ll(p, len, out))
        return 0;
    kvd_reply_not_int(c);
    return -1;
}

static void incr_generic(kvd_client_t *c, int64_t by)
{
    const kvd_arg_t *key = &c->argv[1];
    int64_t value = 0, result;
    kvd_entry_t *e = kvd_db_find(c->db, key->ptr, key->len);
    if (e != NULL && entry_ll(c, e, &value) < 0)
        return;
    if (!kvd_add_i64(value, by, &result)) {
        kvd_reply_error(c->reply, "ERR increment or decrement would overflow");
        return;
    }
    if (e != NULL && kvd_entry_encoding(e) == KVD_ENC_INT)
        kvd_db_rewrite_int(c->db, e, result); /* the common case: no second lookup */
    else
        kvd_db_set_int(c->db, key->ptr, key->len, result, KVD_SET_KEEPTTL);
    kvd_shard_add_dirty(c->shard, 1);
    kvd_reply_int(c->reply, result);
}

static void incr_command(kvd_client_t *c)
{
    incr_generic(c, 1);
}

static void decr_command(kvd_client_t *c)
{
    incr_generic(c, -1);
}

/* The increment is parsed before the key is looked at. */
static void incrby_command(kvd_client_t *c)
{
    int64_t by;
    if (kvd_arg_ll(c, &c->argv[2], &by) < 0)
        return;
    incr_generic(c, by);
}

static void decrby_command(kvd_client_t *c)
{
    int64_t by;
    if (kvd_arg_ll(c, &c->argv[2], &by) < 0)
        return;
    /* INT64_MIN has no negation; Redis names it before looking at the key. */
    if (by == INT64_MIN) {
        kvd_reply_error(c->reply, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -by);
}

/*
 * Redis's human form of a long double: "%.17Lf", then trailing zeros
 * after the point and a bare point removed, and "-0" written as "0".
 */
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

static int parse_ld(kvd_client_t *c, const char *p, size_t len, long double *out)
{
    if (kvd_str2ld(p, len, out))
        return 0;
    kvd_reply_error(c->reply, "ERR value is not a valid float");
    return -1;
}

/* Order as in Redis: the key's type, its value, then the increment. */
static void incrbyfloat_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1], *arg = &c->argv[2];
    long double value = 0, by;
    kvd_entry_t *e = kvd_db_find(c->db, key->ptr, key->len);
    if (e != NULL) {
        if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
            return;
        char tmp[32];
        size_t len;
        const char *p = kvd_entry_str(e, &len, tmp);
        if (parse_ld(c, p, len, &value) < 0)
            return;
    }
    if (parse_ld(c, arg->ptr, arg->len, &by) < 0)
        return;
    value += by;
    if (isnan(value) || isinf(value)) {
        kvd_reply_error(c->reply, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[LONG_DOUBLE_TEXT_MAX];
    size_t len = format_long_double(buf, sizeof(buf), value);
    /* Redis stores the text as a string object, never int-encoded. */
    kvd_db_set_string(c->db, key->ptr, key->len, buf, len, KVD_SET_KEEPTTL | KVD_SET_NO_INT);
    /* Float arithmetic may round differently elsewhere: log the result. */
    kvd_arg_t v[4] = {{(char *)"SET", 3}, *key, {buf, len}, {(char *)"KEEPTTL", 7}};
    kvd_propagate_as(c, 4, v);
    kvd_shard_add_dirty(c->shard, 1);
    kvd_reply_bulk(c->reply, buf, len);
}

#define INCR_ROW(nm, fn, ar, sum)                                                                  \
    {.name = nm, .proc = fn, .arity = ar,                                                          \
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST,                                      \
     .acl = KVD_ACL_WRITE | KVD_ACL_STRING | KVD_ACL_FAST, .first_key = 1, .last_key = 1,          \
     .key_step = 1, .summary = sum, .since = "1.0.0", .group = "string", .complexity = "O(1)"}

static kvd_command_t incr_commands[] = {
    INCR_ROW("incr", incr_command, 2, "Increment the integer value of a key by one"),
    INCR_ROW("decr", decr_command, 2, "Decrement the integer value of a key by one"),
    INCR_ROW("incrby", incrby_command, 3,
             "Increment the integer value of a key by the given amount"),
    INCR_ROW("decrby", decrby_command, 3,
             "Decrement the integer value of a key by the given number"),
    {.name = "incrbyfloat", .proc = incrbyfloat_command, .arity = 3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST,
     .acl = KVD_ACL_WRITE | KVD_ACL_STRING | KVD_ACL_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .summary = "Increment the float value of a key by the given amount",
     .since = "2.6.0", .group = "string", .complexity = "O(1)"},
    {.name = NULL},
};

void kvd_register_incr_commands(void)
{
    kvd_command_register(incr_commands);
}

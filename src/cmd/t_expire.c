/*
 * t_expire.c - the expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT
 * (NX/XX/GT/LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
 *
 * Time comes only from the shard's environment (DESIGN.md section 7), so
 * tests and the simulator move it.  Expiry times are absolute Unix
 * milliseconds, as db.h stores them.
 */
#include "client.h"
#include "shard.h"
#include "core/util.h"
#include "aof/aof.h"
#include "proto/reply.h"

enum {
    EXPIRE_NX = 1u << 0, /* only when the key has no expiry */
    EXPIRE_XX = 1u << 1, /* only when it has one */
    EXPIRE_GT = 1u << 2, /* only when the new time is later (no expiry = forever) */
    EXPIRE_LT = 1u << 3, /* only when the new time is earlier */
};

static int64_t now_ms(const kvd_client_t *c)
{
    uint64_t now = kvd_env_now_ms(c->shard->env);
    KVD_ASSERT(now <= (uint64_t)INT64_MAX);
    return (int64_t)now;
}

/* The NX/XX/GT/LT options; -1 after replying an error.  Redis reads every
 * option, then checks their combination, before it parses the time. */
static int expire_parse_flags(kvd_client_t *c, unsigned *flags)
{
    *flags = 0;
    for (int i = 3; i < c->argc; i++) {
        const kvd_arg_t *a = &c->argv[i];
        if (kvd_arg_is(a, "nx"))
            *flags |= EXPIRE_NX;
        else if (kvd_arg_is(a, "xx"))
            *flags |= EXPIRE_XX;
        else if (kvd_arg_is(a, "gt"))
            *flags |= EXPIRE_GT;
        else if (kvd_arg_is(a, "lt"))
            *flags |= EXPIRE_LT;
        else {
            kvd_reply_errorf(c->reply, "ERR Unsupported option %s", a->ptr);
            return -1;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        kvd_reply_error(c->reply,
                        "ERR NX and XX, GT or LT options at the same time are not compatible");
        return -1;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        kvd_reply_error(c->reply, "ERR GT and LT options at the same time are not compatible");
        return -1;
    }
    return 0;
}

/* The absolute expiry time in ms from the argument; -1 after replying. */
static int expire_parse_when(kvd_client_t *c, int64_t base_ms, bool seconds, int64_t *when)
{
    int64_t v;
    if (kvd_arg_ll(c, &c->argv[2], &v) != 0)
        return -1;
    bool ok = true;
    if (seconds)
        ok = !__builtin_mul_overflow(v, 1000, &v);
    if (ok)
        ok = kvd_add_i64(v, base_ms, &v);
    if (!ok) {
        kvd_reply_errorf(c->reply, "ERR invalid expire time in '%s' command", c->cmd->fullname);
        return -1;
    }
    *when = v;
    return 0;
}

/* Whether the NX/XX/GT/LT condition lets `when` replace `current` (-1: none). */
static bool expire_condition_holds(unsigned flags, int64_t current, int64_t when)
{
    if ((flags & EXPIRE_NX) && current != -1)
        return false;
    if ((flags & EXPIRE_XX) && current == -1)
        return false;
    if ((flags & EXPIRE_GT) && (current == -1 || when <= current))
        return false;
    if ((flags & EXPIRE_LT) && current != -1 && when >= current)
        return false;
    return true;
}

/*
 * base_ms is 0 for the *AT forms.  A time not in the future deletes the
 * key at once and still answers 1, as Redis does.
 */
static void expire_generic(kvd_client_t *c, int64_t base_ms, bool seconds)
{
    unsigned flags;
    int64_t when;
    if (expire_parse_flags(c, &flags) != 0 || expire_parse_when(c, base_ms, seconds, &when) != 0)
        return;
    const kvd_arg_t *key = &c->argv[1];
    kvd_entry_t *e = kvd_db_find(c->db, key->ptr, key->len);
    /* A write lookup marks the key used even when NX/XX/GT/LT refuse, as in Redis. */
    if (e != NULL)
        kvd_db_touch(c->db, e);
    if (e == NULL || !expire_condition_holds(flags, kvd_db_get_expire(c->db, e), when)) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    if (when <= now_ms(c)) {
        bool deleted = kvd_db_delete(c->db, key->ptr, key->len);
        KVD_ASSERT(deleted);
        kvd_propagate_key(c, "DEL", key);
    } else {
        kvd_db_set_expire(c->db, e, when);
        KVD_DEBUG_ASSERT(kvd_db_get_expire(c->db, e) == when);
        /* Logged absolute, without NX/XX/GT/LT: replay must not depend on its clock. */
        kvd_propagate_key_ms(c, "PEXPIREAT", key, when);
    }
    kvd_shard_add_dirty(c->shard, 1);
    kvd_reply_int(c->reply, 1);
}

static void expire_command(kvd_client_t *c)
{
    expire_generic(c, now_ms(c), true);
}

static void pexpire_command(kvd_client_t *c)
{
    expire_generic(c, now_ms(c), false);
}

static void expireat_command(kvd_client_t *c)
{
    expire_generic(c, 0, true);
}

static void pexpireat_command(kvd_client_t *c)
{
    expire_generic(c, 0, false);
}

/* TTL family: -2 for a missing key, -1 for no expiry.  Redis counts these
 * lookups as keyspace hits or misses without touching the access clock. */
static void ttl_generic(kvd_client_t *c, bool in_ms, bool absolute)
{
    kvd_entry_t *e = kvd_db_find(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e != NULL)
        c->shard->stats.db.keyspace_hits++;
    else
        c->shard->stats.db.keyspace_misses++;
    if (e == NULL) {
        kvd_reply_int(c->reply, -2);
        return;
    }
    int64_t when = kvd_db_get_expire(c->db, e);
    if (when == -1) {
        kvd_reply_int(c->reply, -1);
        return;
    }
    KVD_ASSERT(when >= 0);
    if (absolute) {
        kvd_reply_int(c->reply, in_ms ? when : when / 1000);
        return;
    }
    /* A live key's expiry may be a hair in the past within one command. */
    int64_t left = when - now_ms(c);
    if (left < 0)
        left = 0;
    /* TTL rounds to the nearest second, as Redis does. */
    kvd_reply_int(c->reply, in_ms ? left : (left + 500) / 1000);
}

static void ttl_command(kvd_client_t *c)
{
    ttl_generic(c, false, false);
}

static void pttl_command(kvd_client_t *c)
{
    ttl_generic(c, true, false);
}

static void expiretime_command(kvd_client_t *c)
{
    ttl_generic(c, false, true);
}

static void pexpiretime_command(kvd_client_t *c)
{
    ttl_generic(c, true, true);
}

static void persist_command(kvd_client_t *c)
{
    kvd_entry_t *e = kvd_db_find(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e != NULL)
        kvd_db_touch(c->db, e);
    bool persisted = e != NULL && kvd_db_persist(c->db, e);
    kvd_shard_add_dirty(c->shard, persisted);
    kvd_reply_int(c->reply, persisted);
}

/* ---- the rows: as Redis 7.0.15's COMMAND INFO ---- */

#define EXPIRE_ROW(nm, fn, summ, ver)                                                          \
    {.name = nm, .proc = fn, .arity = -3, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,               \
     .acl = KVD_ACL_KEYSPACE | KVD_ACL_WRITE | KVD_ACL_FAST, .first_key = 1, .last_key = 1,    \
     .key_step = 1, .summary = summ, .since = ver, .group = "generic", .complexity = "O(1)"}
#define TTL_ROW(nm, fn, summ, ver)                                                             \
    {.name = nm, .proc = fn, .arity = 2, .flags = KVD_CMD_READONLY | KVD_CMD_FAST,             \
     .acl = KVD_ACL_KEYSPACE | KVD_ACL_READ | KVD_ACL_FAST, .first_key = 1, .last_key = 1,     \
     .key_step = 1, .summary = summ, .since = ver, .group = "generic", .complexity = "O(1)"}

static kvd_command_t expire_commands[] = {
    EXPIRE_ROW("expire", expire_command, "Set a key's time to live in seconds", "1.0.0"),
    EXPIRE_ROW("pexpire", pexpire_command, "Set a key's time to live in milliseconds", "2.6.0"),
    EXPIRE_ROW("expireat", expireat_command,
               "Set the expiration for a key as a UNIX timestamp", "1.2.0"),
    EXPIRE_ROW("pexpireat", pexpireat_command,
               "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
               "2.6.0"),
    TTL_ROW("ttl", ttl_command, "Get the time to live for a key in seconds", "1.0.0"),
    TTL_ROW("pttl", pttl_command, "Get the time to live for a key in milliseconds", "2.6.0"),
    TTL_ROW("expiretime", expiretime_command, "Get the expiration Unix timestamp for a key",
            "7.0.0"),
    TTL_ROW("pexpiretime", pexpiretime_command,
            "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"),
    {.name = "persist", .proc = persist_command, .arity = 2,
     .flags = KVD_CMD_WRITE | KVD_CMD_FAST, .acl = KVD_ACL_KEYSPACE | KVD_ACL_WRITE | KVD_ACL_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .summary = "Remove the expiration from a key",
     .since = "2.2.0", .group = "generic", .complexity = "O(1)"},
    {.name = NULL},
};

void kvd_register_expire_commands(void)
{
    kvd_command_register(expire_commands);
}

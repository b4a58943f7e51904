/*
 * t_string.c - string commands.
 */
#include "client.h"
#include "shard.h"
#include "proto/reply.h"

/* SET's options, parsed once. */
#define SET_NX (1 << 0)
#define SET_XX (1 << 1)
#define SET_GET (1 << 2)
#define SET_KEEPTTL (1 << 3)
#define SET_EXPIRE (1 << 4)

typedef struct set_opts {
    int flags;
    int64_t expire_at_ms; /* absolute, when SET_EXPIRE */
} set_opts_t;

/* Reply the value of a string entry (bulk), or WRONGTYPE.  Returns -1 on WRONGTYPE. */
static int reply_string_entry(kvd_client_t *c, const kvd_entry_t *e)
{
    if (kvd_entry_type(e) != KVD_TYPE_STRING) {
        kvd_reply_wrong_type(c);
        return -1;
    }
    char tmp[32];
    size_t len;
    const char *p = kvd_entry_str(e, &len, tmp);
    kvd_reply_bulk(c->reply, p, len);
    return 0;
}

static void get_command(kvd_client_t *c)
{
    kvd_entry_t *e = kvd_db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    reply_string_entry(c, e);
}

/*
 * Turn an EX/PX/EXAT/PXAT value into an absolute ms time with Redis's checks:
 * not an integer -> "value is not an integer", <= 0 or overflow ->
 * "invalid expire time in 'set' command".
 */
static int parse_expire(kvd_client_t *c, const kvd_arg_t *unit, const kvd_arg_t *val,
                        int64_t *out)
{
    int64_t v;
    if (kvd_arg_ll(c, val, &v) < 0)
        return -1;
    bool seconds = kvd_arg_is(unit, "ex") || kvd_arg_is(unit, "exat");
    bool relative = kvd_arg_is(unit, "ex") || kvd_arg_is(unit, "px");
    if (v <= 0 || (seconds && __builtin_mul_overflow(v, 1000, &v)) ||
        (relative && !kvd_add_i64(v, (int64_t)kvd_env_now_ms(c->shard->env), &v))) {
        kvd_reply_errorf(c->reply, "ERR invalid expire time in '%s' command", c->cmd->name);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_set_opts(kvd_client_t *c, int first, set_opts_t *o)
{
    o->flags = 0;
    o->expire_at_ms = 0;
    for (int i = first; i < c->argc; i++) {
        kvd_arg_t *a = &c->argv[i];
        bool has_next = i + 1 < c->argc;
        if (kvd_arg_is(a, "nx") && !(o->flags & SET_XX)) {
            o->flags |= SET_NX;
        } else if (kvd_arg_is(a, "xx") && !(o->flags & SET_NX)) {
            o->flags |= SET_XX;
        } else if (kvd_arg_is(a, "get")) {
            o->flags |= SET_GET;
        } else if (kvd_arg_is(a, "keepttl") && !(o->flags & SET_EXPIRE)) {
            o->flags |= SET_KEEPTTL;
        } else if ((kvd_arg_is(a, "ex") || kvd_arg_is(a, "px") || kvd_arg_is(a, "exat") ||
                    kvd_arg_is(a, "pxat")) &&
                   !(o->flags & (SET_KEEPTTL | SET_EXPIRE)) && has_next) {
            if (parse_expire(c, a, &c->argv[i + 1], &o->expire_at_ms) < 0)
                return -1;
            o->flags |= SET_EXPIRE;
            i++;
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

static void set_command(kvd_client_t *c)
{
    set_opts_t o;
    if (parse_set_opts(c, 3, &o) < 0)
        return;
    kvd_arg_t *key = &c->argv[1], *val = &c->argv[2];
    kvd_entry_t *old = kvd_db_find(c->db, key->ptr, key->len);
    if (o.flags & SET_GET) {
        if (old == NULL)
            kvd_reply_null(c->reply);
        else if (reply_string_entry(c, old) < 0)
            return;
    }
    if (((o.flags & SET_NX) && old != NULL) || ((o.flags & SET_XX) && old == NULL)) {
        if (!(o.flags & SET_GET))
            kvd_reply_null(c->reply);
        return;
    }
    kvd_entry_t *e = kvd_db_set_string(c->db, key->ptr, key->len, val->ptr, val->len,
                                       (o.flags & SET_KEEPTTL) ? KVD_SET_KEEPTTL : 0);
    if (o.flags & SET_EXPIRE)
        kvd_db_set_expire(c->db, e, o.expire_at_ms);
    if (!(o.flags & SET_GET))
        kvd_reply_ok(c->reply);
}

static kvd_command_t string_commands[] = {
    {.name = "get", .proc = get_command, .arity = 2, .flags = KVD_CMD_READONLY | KVD_CMD_FAST,
     .acl = KVD_ACL_READ | KVD_ACL_STRING | KVD_ACL_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .summary = "Get the value of a key", .since = "1.0.0", .group = "string",
     .complexity = "O(1)"},
    {.name = "set", .proc = set_command, .arity = -3, .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM,
     .acl = KVD_ACL_WRITE | KVD_ACL_STRING | KVD_ACL_SLOW, .first_key = 1, .last_key = 1,
     .key_step = 1, .summary = "Set the string value of a key", .since = "1.0.0",
     .group = "string", .complexity = "O(1)"},
    {.name = NULL},
};

void kvd_register_string_commands(void)
{
    kvd_command_register(string_commands);
}

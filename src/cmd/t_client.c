/*
 * t_client.c - CLIENT and its subcommands, as Redis 7.0 answers them.
 *
 * The clients a command sees are those of its own shard (worker); a
 * cross-worker CLIENT LIST/KILL comes with the fan-out machinery.  Client
 * tracking, pausing and CLIENT REPLY are not implemented: their
 * subcommands are not registered (so they answer "unknown subcommand"),
 * while GETREDIR, TRACKINGINFO and CACHING answer as Redis does for a
 * client that has tracking off, which is every kvd client.
 */
#include "blocking.h"
#include "server.h"
#include "core/util.h"
#include "proto/reply.h"

/* Client kinds CLIENT LIST/KILL TYPE accepts; kvd clients are all "normal". */
typedef enum { CLIENT_TYPE_NONE = -1, CLIENT_TYPE_NORMAL, CLIENT_TYPE_OTHER } client_type_t;

static int parse_client_type(const kvd_arg_t *a)
{
    if (kvd_arg_is(a, "normal"))
        return CLIENT_TYPE_NORMAL;
    if (kvd_arg_is(a, "slave") || kvd_arg_is(a, "replica") || kvd_arg_is(a, "pubsub") ||
        kvd_arg_is(a, "master"))
        return CLIENT_TYPE_OTHER;
    return CLIENT_TYPE_NONE;
}

static int reply_unknown_type(kvd_client_t *c, const kvd_arg_t *a)
{
    kvd_reply_errorf(c->reply, "ERR Unknown client type '%s'", a->ptr);
    return -1;
}

/* The shard's clients oldest first, as Redis lists them (the list is
 * newest first).  Returns how many were written to out (at most max). */
static size_t clients_oldest_first(kvd_shard_t *s, kvd_client_t **out, size_t max)
{
    size_t n = 0;
    kvd_client_t *cl = s->clients;
    for (; cl != NULL && n < max; cl = cl->next)
        out[n++] = cl;
    for (size_t i = 0; i < n / 2; i++) {
        kvd_client_t *t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
    return n;
}

static kvd_client_t *find_client_by_id(kvd_shard_t *s, int64_t id)
{
    uint64_t guard = 0;
    for (kvd_client_t *cl = s->clients; cl != NULL && guard <= s->nclients; cl = cl->next, guard++)
        if (id > 0 && cl->id == (uint64_t)id)
            return cl;
    return NULL;
}

int kvd_client_set_name(kvd_client_t *c, const kvd_arg_t *name)
{
    for (size_t i = 0; i < name->len; i++) {
        unsigned char ch = (unsigned char)name->ptr[i];
        if (ch < '!' || ch > '~') {
            kvd_reply_error(c->reply, "ERR Client names cannot contain spaces, newlines or "
                                      "special characters.");
            return -1;
        }
    }
    kvd_free(c->name);
    c->name = name->len > 0 ? kvd_memdup(name->ptr, name->len) : NULL;
    return 0;
}

static void client_id_command(kvd_client_t *c)
{
    kvd_reply_int(c->reply, (int64_t)c->id);
}

static void client_setname_command(kvd_client_t *c)
{
    if (kvd_client_set_name(c, &c->argv[2]) == 0)
        kvd_reply_ok(c->reply);
}

static void client_getname_command(kvd_client_t *c)
{
    if (c->name)
        kvd_reply_bulk_str(c->reply, c->name);
    else
        kvd_reply_null(c->reply);
}

static void client_info_command(kvd_client_t *c)
{
    kvd_buf_t line = KVD_BUF_INIT;
    kvd_client_describe(c, &line);
    kvd_buf_append_char(&line, '\n');
    kvd_reply_bulk(c->reply, line.data, line.len);
    kvd_buf_free(&line);
}

static void describe_line(kvd_buf_t *out, const kvd_client_t *cl)
{
    kvd_client_describe(cl, out);
    kvd_buf_append_char(out, '\n');
}

static void list_by_type(kvd_client_t *c, int type, kvd_buf_t *out)
{
    if (type != CLIENT_TYPE_NONE && type != CLIENT_TYPE_NORMAL)
        return;
    size_t max = (size_t)c->shard->nclients;
    kvd_client_t **all = kvd_calloc(max + 1, sizeof(*all));
    size_t n = clients_oldest_first(c->shard, all, max);
    for (size_t i = 0; i < n; i++)
        describe_line(out, all[i]);
    kvd_free(all);
}

/* CLIENT LIST ID id [id ...]: each id found, in the order given. */
static int list_by_ids(kvd_client_t *c, kvd_buf_t *out)
{
    for (int j = 3; j < c->argc; j++) {
        int64_t id;
        if (kvd_arg_ll_range(c, &c->argv[j], INT64_MIN, INT64_MAX, &id, "Invalid client ID") < 0)
            return -1;
        kvd_client_t *cl = find_client_by_id(c->shard, id);
        if (cl)
            describe_line(out, cl);
    }
    return 0;
}

/* CLIENT LIST [TYPE type | ID id [id ...]]: 7.0 takes one filter, not both. */
static void client_list_command(kvd_client_t *c)
{
    kvd_buf_t out = KVD_BUF_INIT;
    int rc = 0;
    if (c->argc == 4 && kvd_arg_is(&c->argv[2], "type")) {
        int type = parse_client_type(&c->argv[3]);
        rc = type == CLIENT_TYPE_NONE ? reply_unknown_type(c, &c->argv[3]) : 0;
        if (rc == 0)
            list_by_type(c, type, &out);
    } else if (c->argc > 3 && kvd_arg_is(&c->argv[2], "id")) {
        rc = list_by_ids(c, &out);
    } else if (c->argc != 2) {
        kvd_reply_syntax_error(c);
        rc = -1;
    } else {
        list_by_type(c, CLIENT_TYPE_NONE, &out);
    }
    if (rc == 0)
        kvd_reply_bulk(c->reply, out.data ? out.data : "", out.len);
    kvd_buf_free(&out);
}

/* ---- CLIENT KILL ---- */

typedef struct kill_filter {
    int64_t id;        /* 0 = any */
    int type;          /* CLIENT_TYPE_NONE = any */
    const char *addr;  /* NULL = any */
    const char *laddr; /* NULL = any */
    bool skipme;
} kill_filter_t;

static int kill_parse_option(kvd_client_t *c, const kvd_arg_t *opt, const kvd_arg_t *val,
                             kill_filter_t *f)
{
    if (kvd_arg_is(opt, "id"))
        return kvd_arg_ll_range(c, val, 1, INT64_MAX, &f->id, "client-id should be greater than 0");
    if (kvd_arg_is(opt, "type")) {
        f->type = parse_client_type(val);
        return f->type == CLIENT_TYPE_NONE ? reply_unknown_type(c, val) : 0;
    }
    if (kvd_arg_is(opt, "addr")) {
        f->addr = val->ptr;
        return 0;
    }
    if (kvd_arg_is(opt, "laddr")) {
        f->laddr = val->ptr;
        return 0;
    }
    if (kvd_arg_is(opt, "user")) { /* without the ACL module, "default" is the only user */
        if (strcmp(val->ptr, "default") == 0)
            return 0;
        kvd_reply_errorf(c->reply, "ERR No such user '%s'", val->ptr);
        return -1;
    }
    if (kvd_arg_is(opt, "skipme") && (kvd_arg_is(val, "yes") || kvd_arg_is(val, "no"))) {
        f->skipme = kvd_arg_is(val, "yes");
        return 0;
    }
    kvd_reply_syntax_error(c);
    return -1;
}

static bool kill_matches(const kill_filter_t *f, const kvd_client_t *self, const kvd_client_t *cl)
{
    if (f->id != 0 && cl->id != (uint64_t)f->id)
        return false;
    if (f->type != CLIENT_TYPE_NONE && f->type != CLIENT_TYPE_NORMAL)
        return false;
    if (f->addr && strcmp(cl->addr, f->addr) != 0)
        return false;
    if (f->laddr && strcmp(cl->laddr, f->laddr) != 0)
        return false;
    return !(cl == self && f->skipme);
}

/* Flag every matching client; the caller itself closes after its reply. */
static int64_t kill_matching(kvd_client_t *c, const kill_filter_t *f)
{
    int64_t killed = 0;
    uint64_t guard = 0;
    kvd_shard_t *s = c->shard;
    for (kvd_client_t *cl = s->clients; cl != NULL && guard <= s->nclients; cl = cl->next, guard++) {
        if (!kill_matches(f, c, cl))
            continue;
        if (cl == c)
            c->flags |= KVD_CLIENT_CLOSE_AFTER_REPLY;
        else
            kvd_client_close_asap(cl);
        killed++;
    }
    return killed;
}

/* CLIENT KILL ip:port (old form, +OK) or CLIENT KILL <option> <value> ... (count). */
static void client_kill_command(kvd_client_t *c)
{
    kill_filter_t f = {.type = CLIENT_TYPE_NONE, .skipme = true};
    if (c->argc == 3) {
        f.addr = c->argv[2].ptr;
        f.skipme = false;
        if (kill_matching(c, &f) == 0)
            kvd_reply_error(c->reply, "ERR No such client");
        else
            kvd_reply_ok(c->reply);
        return;
    }
    for (int j = 2; j < c->argc; j += 2) {
        if (j + 1 >= c->argc) {
            kvd_reply_syntax_error(c);
            return;
        }
        if (kill_parse_option(c, &c->argv[j], &c->argv[j + 1], &f) < 0)
            return;
    }
    kvd_reply_int(c->reply, kill_matching(c, &f));
}

static void client_no_evict_command(kvd_client_t *c)
{
    if (kvd_arg_is(&c->argv[2], "on"))
        c->flags |= KVD_CLIENT_NO_EVICT;
    else if (kvd_arg_is(&c->argv[2], "off"))
        c->flags &= ~(uint32_t)KVD_CLIENT_NO_EVICT;
    else {
        kvd_reply_syntax_error(c);
        return;
    }
    kvd_reply_ok(c->reply);
}

/* ---- tracking: always off in kvd ---- */

static void client_getredir_command(kvd_client_t *c)
{
    kvd_reply_int(c->reply, -1);
}

static void client_trackinginfo_command(kvd_client_t *c)
{
    kvd_reply_array(c->reply, 6);
    kvd_reply_bulk_str(c->reply, "flags");
    kvd_reply_array(c->reply, 1);
    kvd_reply_bulk_str(c->reply, "off");
    kvd_reply_bulk_str(c->reply, "redirect");
    kvd_reply_int(c->reply, -1);
    kvd_reply_bulk_str(c->reply, "prefixes");
    kvd_reply_array(c->reply, 0);
}

static void client_caching_command(kvd_client_t *c)
{
    kvd_reply_error(c->reply, "ERR CLIENT CACHING can be called only when the client is in "
                              "tracking mode with OPTIN or OPTOUT mode enabled");
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: :1 when that client was blocked. */
static void client_unblock_command(kvd_client_t *c)
{
    if (c->argc > 4) { /* Redis 7.0's catch-all for CLIENT subcommands */
        kvd_reply_errorf(c->reply, "ERR unknown subcommand or wrong number of arguments for "
                                   "'%s'. Try CLIENT HELP.", c->argv[1].ptr);
        return;
    }
    int64_t id;
    if (kvd_arg_ll(c, &c->argv[2], &id) < 0)
        return;
    if (c->argc == 4 && !kvd_arg_is(&c->argv[3], "timeout") && !kvd_arg_is(&c->argv[3], "error")) {
        kvd_reply_error(c->reply, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
    }
    kvd_shard_t *s = c->shard;
    uint64_t guard = 0;
    for (kvd_client_t *t = s->clients; t != NULL && guard <= s->nclients; t = t->next, guard++) {
        if ((int64_t)t->id != id || !(t->flags & KVD_CLIENT_BLOCKED))
            continue;
        kvd_blocking_unblock(t, c->argc == 4 && kvd_arg_is(&c->argv[3], "error"));
        kvd_reply_int(c->reply, 1);
        return;
    }
    /* With several shards the command may block here for a connection of
     * another worker (every worker is asked). */
    kvd_client_t *t = s->find_proxy != NULL && id > 0 ? s->find_proxy((uint64_t)id) : NULL;
    if (t != NULL && (t->flags & KVD_CLIENT_BLOCKED)) {
        kvd_blocking_unblock(t, c->argc == 4 && kvd_arg_is(&c->argv[3], "error"));
        kvd_reply_int(c->reply, 1);
        return;
    }
    kvd_reply_int(c->reply, 0);
}

static void client_help_command(kvd_client_t *c)
{
    static const char *const lines[] = {
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        NULL,
    };
    kvd_reply_help(c, lines);
}

#define CLIENT_CONN_FLAGS (KVD_CMD_NOSCRIPT | KVD_CMD_LOADING | KVD_CMD_STALE)
#define CLIENT_ADMIN_FLAGS (KVD_CMD_ADMIN | CLIENT_CONN_FLAGS)
#define CLIENT_CONN_ACL (KVD_ACL_SLOW | KVD_ACL_CONNECTION)
#define CLIENT_ADMIN_ACL (KVD_ACL_ADMIN | KVD_ACL_SLOW | KVD_ACL_DANGEROUS | KVD_ACL_CONNECTION)

/* In the order Redis 7.0.15's COMMAND INFO CLIENT lists them. */
kvd_command_t kvd_client_subcommands[] = {
    {.name = "kill", .proc = client_kill_command, .arity = -3, .flags = CLIENT_ADMIN_FLAGS,
     .acl = CLIENT_ADMIN_ACL, .summary = "Kill the connection of a client", .since = "2.4.0",
     .group = "connection", .complexity = "O(N) where N is the number of client connections"},
    {.name = "trackinginfo", .proc = client_trackinginfo_command, .arity = 2,
     .flags = CLIENT_CONN_FLAGS, .acl = CLIENT_CONN_ACL,
     .summary = "Return information about server assisted client side caching for the current "
                "connection",
     .since = "6.2.0", .group = "connection", .complexity = "O(1)"},
    {.name = "setname", .proc = client_setname_command, .arity = 3, .flags = CLIENT_CONN_FLAGS,
     .acl = CLIENT_CONN_ACL, .summary = "Set the current connection name", .since = "2.6.9",
     .group = "connection", .complexity = "O(1)"},
    {.name = "id", .proc = client_id_command, .arity = 2, .flags = CLIENT_CONN_FLAGS,
     .acl = CLIENT_CONN_ACL, .summary = "Returns the client ID for the current connection",
     .since = "5.0.0", .group = "connection", .complexity = "O(1)"},
    {.name = "getredir", .proc = client_getredir_command, .arity = 2, .flags = CLIENT_CONN_FLAGS,
     .acl = CLIENT_CONN_ACL,
     .summary = "Get tracking notifications redirection client ID if any", .since = "6.0.0",
     .group = "connection", .complexity = "O(1)"},
    {.name = "unblock", .proc = client_unblock_command, .arity = -3, .flags = CLIENT_ADMIN_FLAGS,
     .acl = CLIENT_ADMIN_ACL,
     .summary = "Unblock a client blocked in a blocking command from a different connection",
     .since = "5.0.0", .group = "connection",
     .complexity = "O(log N) where N is the number of client connections"},
    {.name = "no-evict", .proc = client_no_evict_command, .arity = 3, .flags = CLIENT_ADMIN_FLAGS,
     .acl = CLIENT_ADMIN_ACL, .summary = "Set client eviction mode for the current connection",
     .since = "7.0.0", .group = "connection", .complexity = "O(1)"},
    {.name = "info", .proc = client_info_command, .arity = 2, .flags = CLIENT_CONN_FLAGS,
     .acl = CLIENT_CONN_ACL, .summary = "Returns information about the current client connection.",
     .since = "6.2.0", .group = "connection", .complexity = "O(1)"},
    {.name = "help", .proc = client_help_command, .arity = 2,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE, .acl = CLIENT_CONN_ACL,
     .summary = "Show helpful text about the different subcommands", .since = "5.0.0",
     .group = "connection", .complexity = "O(1)"},
    {.name = "caching", .proc = client_caching_command, .arity = 3, .flags = CLIENT_CONN_FLAGS,
     .acl = CLIENT_CONN_ACL,
     .summary = "Instruct the server about tracking or not keys in the next request",
     .since = "6.0.0", .group = "connection", .complexity = "O(1)"},
    {.name = "getname", .proc = client_getname_command, .arity = 2, .flags = CLIENT_CONN_FLAGS,
     .acl = CLIENT_CONN_ACL, .summary = "Get the current connection name", .since = "2.6.9",
     .group = "connection", .complexity = "O(1)"},
    {.name = "list", .proc = client_list_command, .arity = -2, .flags = CLIENT_ADMIN_FLAGS,
     .acl = CLIENT_ADMIN_ACL, .summary = "Get the list of client connections", .since = "2.4.0",
     .group = "connection", .complexity = "O(N) where N is the number of client connections"},
    {.name = NULL},
};

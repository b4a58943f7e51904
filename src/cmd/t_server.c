/*
 * t_server.c - the server/connection command family: its rows (PING, ECHO,
 * QUIT, HELLO, SELECT, TIME, DBSIZE, FLUSHDB, FLUSHALL, INFO, CONFIG,
 * CLIENT, COMMAND) and the procs of the simple ones plus CONFIG.  CLIENT
 * lives in t_client.c, COMMAND in t_command.c, INFO in t_info.c.
 *
 * Arity, flags and ACL categories are Redis 7.0.15's (COMMAND INFO).
 * DBSIZE, FLUSHDB and FLUSHALL act on this shard; the cross-shard fan-out
 * wraps them later.
 */
#include <ctype.h>

#include "server.h"
#include "multi.h"
#include "core/glob.h"
#include "core/log.h"
#include "core/util.h"
#include "proto/reply.h"

static void ping_command(kvd_client_t *c)
{
    if (c->argc > 2) {
        kvd_reply_arity(c);
        return;
    }
    if (c->argc == 2)
        kvd_reply_bulk(c->reply, c->argv[1].ptr, c->argv[1].len);
    else
        kvd_reply_simple(c->reply, "PONG");
}

static void echo_command(kvd_client_t *c)
{
    kvd_reply_bulk(c->reply, c->argv[1].ptr, c->argv[1].len);
}

static void quit_command(kvd_client_t *c)
{
    kvd_reply_ok(c->reply);
    c->flags |= KVD_CLIENT_CLOSE_AFTER_REPLY;
}

/* HELLO's reply: Redis's map, flattened to an array because we speak RESP2. */
static void hello_reply(kvd_client_t *c)
{
    kvd_buf_t *r = c->reply;
    kvd_reply_array(r, 14);
    kvd_reply_bulk_str(r, "server");
    kvd_reply_bulk_str(r, "redis");
    kvd_reply_bulk_str(r, "version");
    kvd_reply_bulk_str(r, KVD_REDIS_COMPAT_VERSION);
    kvd_reply_bulk_str(r, "proto");
    kvd_reply_int(r, c->resp);
    kvd_reply_bulk_str(r, "id");
    kvd_reply_int(r, (int64_t)c->id);
    kvd_reply_bulk_str(r, "mode");
    kvd_reply_bulk_str(r, "standalone");
    kvd_reply_bulk_str(r, "role");
    kvd_reply_bulk_str(r, "master");
    kvd_reply_bulk_str(r, "modules");
    kvd_reply_array(r, 0);
}

typedef struct hello_opts {
    const kvd_arg_t *user, *pass, *name;
} hello_opts_t;

/* Parse [AUTH user pass] [SETNAME name] from argv[from]; replies on error. */
static int hello_parse_options(kvd_client_t *c, int from, hello_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    for (int j = from; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (kvd_arg_is(&c->argv[j], "AUTH") && more >= 2) {
            o->user = &c->argv[j + 1];
            o->pass = &c->argv[j + 2];
            j += 2;
        } else if (kvd_arg_is(&c->argv[j], "SETNAME") && more >= 1) {
            o->name = &c->argv[j + 1];
            j++;
        } else {
            kvd_reply_errorf(c->reply, "ERR Syntax error in HELLO option '%s'", c->argv[j].ptr);
            return -1;
        }
    }
    return 0;
}

/*
 * Without the ACL module there is one user, "default", with no password:
 * like Redis's default user, it accepts any password.
 */
static void hello_command(kvd_client_t *c)
{
    int64_t ver = c->resp;
    if (c->argc >= 2) {
        if (!kvd_str2ll(c->argv[1].ptr, c->argv[1].len, &ver)) {
            kvd_reply_error(c->reply, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            kvd_reply_error(c->reply, "NOPROTO unsupported protocol version");
            return;
        }
    }
    hello_opts_t o;
    if (hello_parse_options(c, 2, &o) < 0)
        return;
    if (ver == 3) { /* RESP3 is not implemented yet: refuse it as Redis refuses RESP4. */
        kvd_reply_error(c->reply, "NOPROTO unsupported protocol version");
        return;
    }
    if (o.user && !(o.user->len == 7 && memcmp(o.user->ptr, "default", 7) == 0)) {
        kvd_reply_error(c->reply,
                        "WRONGPASS invalid username-password pair or user is disabled.");
        return;
    }
    if (o.name && kvd_client_set_name(c, o.name) < 0)
        return;
    c->resp = 2;
    hello_reply(c);
}

static void select_command(kvd_client_t *c)
{
    int64_t id;
    if (kvd_arg_ll_range(c, &c->argv[1], INT_MIN, INT_MAX, &id, NULL) < 0)
        return;
    if (kvd_client_select(c, (int)id) < 0) {
        kvd_reply_error(c->reply, "ERR DB index is out of range");
        return;
    }
    kvd_reply_ok(c->reply);
}

static void time_command(kvd_client_t *c)
{
    uint64_t now = c->shard->env->now_us(c->shard->env);
    kvd_reply_array(c->reply, 2);
    kvd_reply_bulk_int(c->reply, (int64_t)(now / 1000000));
    kvd_reply_bulk_int(c->reply, (int64_t)(now % 1000000));
}

static void dbsize_command(kvd_client_t *c)
{
    kvd_reply_int(c->reply, (int64_t)kvd_db_size(c->db));
}

/* FLUSHDB/FLUSHALL [ASYNC|SYNC].  Both modes free synchronously: the
 * keyspace is empty when the reply is sent either way. */
static int flush_args_ok(kvd_client_t *c)
{
    if (c->argc > 2 || (c->argc == 2 && !kvd_arg_is(&c->argv[1], "ASYNC") &&
                        !kvd_arg_is(&c->argv[1], "SYNC"))) {
        kvd_reply_syntax_error(c);
        return 0;
    }
    return 1;
}

static void flushdb_command(kvd_client_t *c)
{
    if (!flush_args_ok(c))
        return;
    kvd_shard_add_dirty(c->shard, kvd_db_size(c->db));
    kvd_watch_touch_flush(c->shard, c->db_index);
    kvd_db_flush(c->db);
    kvd_reply_ok(c->reply);
}

static void flushall_command(kvd_client_t *c)
{
    if (!flush_args_ok(c))
        return;
    uint64_t removed = 0;
    for (int i = 0; i < c->shard->ndbs; i++) {
        removed += kvd_db_size(c->shard->dbs[i]);
        kvd_watch_touch_flush(c->shard, i);
        kvd_db_flush(c->shard->dbs[i]);
    }
    kvd_shard_add_dirty(c->shard, removed);
    kvd_reply_ok(c->reply);
}

/* ---- CONFIG ---- */

typedef struct config_get_ctx {
    kvd_buf_t *reply;
    kvd_buf_t seen;          /* names already replied, NUL-separated */
    const kvd_arg_t *literal; /* non-glob pattern: Redis echoes its spelling */
    int64_t pairs;
} config_get_ctx_t;

static bool seen_before(const kvd_buf_t *seen, const char *name)
{
    for (size_t off = 0; off < seen->len; off += strlen(seen->data + off) + 1)
        if (strcasecmp(seen->data + off, name) == 0)
            return true;
    return false;
}

static void config_get_emit(const char *name, const char *value, void *arg)
{
    config_get_ctx_t *ctx = arg;
    if (ctx->literal)
        name = ctx->literal->ptr;
    if (seen_before(&ctx->seen, name))
        return;
    kvd_buf_append(&ctx->seen, name, strlen(name) + 1);
    kvd_reply_bulk_str(ctx->reply, name);
    kvd_reply_bulk_str(ctx->reply, value);
    ctx->pairs++;
}

/* CONFIG GET pattern [pattern ...]: matches of all patterns, each name once. */
static void config_get_command(kvd_client_t *c)
{
    config_get_ctx_t ctx = {.reply = c->reply, .seen = KVD_BUF_INIT};
    size_t mark = kvd_reply_defer(c->reply);
    for (int j = 2; j < c->argc; j++) {
        const kvd_arg_t *p = &c->argv[j];
        ctx.literal = kvd_glob_has_special(p->ptr, p->len) ? NULL : p;
        kvd_config_get_matching(c->shard->cfg, p->ptr, config_get_emit, &ctx);
    }
    kvd_reply_set_array_len(c->reply, mark, ctx.pairs * 2);
    kvd_buf_free(&ctx.seen);
}

static void count_emit(const char *name, const char *value, void *arg)
{
    KVD_UNUSED(name);
    KVD_UNUSED(value);
    (*(int *)arg)++;
}

static bool config_name_known(const kvd_config_t *cfg, const kvd_arg_t *name)
{
    if (name->len == 0 || kvd_glob_has_special(name->ptr, name->len))
        return false;
    int n = 0;
    kvd_config_get_matching(cfg, name->ptr, count_emit, &n);
    return n > 0;
}

static void config_set_failed(kvd_client_t *c, const kvd_arg_t *name, const char *why)
{
    kvd_reply_errorf(c->reply, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                     name->ptr, why);
}

static void config_set_unknown(kvd_client_t *c, const kvd_arg_t *name)
{
    kvd_reply_errorf(c->reply, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                     name->ptr);
}

/* Redis checks every name before it parses any value: unknown, then duplicate. */
static int config_set_check_names(kvd_client_t *c)
{
    for (int j = 2; j < c->argc; j += 2) {
        if (!config_name_known(c->shard->cfg, &c->argv[j])) {
            config_set_unknown(c, &c->argv[j]);
            return -1;
        }
        for (int k = 2; k < j; k += 2) {
            if (strcasecmp(c->argv[k].ptr, c->argv[j].ptr) == 0) {
                config_set_failed(c, &c->argv[j], "duplicate parameter");
                return -1;
            }
        }
    }
    return 0;
}

/* Apply every pair to cfg; on the first failure reply and return -1. */
static int config_set_apply(kvd_client_t *c, kvd_config_t *cfg)
{
    for (int j = 2; j < c->argc; j += 2) {
        char err[KVD_CONFIG_ERR_LEN] = "";
        int rc = kvd_config_set(cfg, c->argv[j].ptr, c->argv[j + 1].ptr, err, sizeof(err));
        if (rc == -2) {
            config_set_unknown(c, &c->argv[j]);
            return -1;
        }
        if (rc < 0) {
            config_set_failed(c, &c->argv[j], err);
            return -1;
        }
    }
    return 0;
}

/*
 * CONFIG SET name value [name value ...] is atomic: all pairs are first
 * applied to a scratch copy, and only when every one succeeds to the live
 * configuration.
 */
static void config_set_command(kvd_client_t *c)
{
    if ((c->argc - 2) % 2 != 0) {
        kvd_reply_syntax_error(c);
        return;
    }
    if (config_set_check_names(c) < 0)
        return;
    kvd_config_t trial;
    kvd_config_copy(&trial, c->shard->cfg);
    int rc = config_set_apply(c, &trial);
    kvd_config_free(&trial);
    if (rc < 0)
        return;
    rc = config_set_apply(c, c->shard->cfg);
    if (KVD_NEVER(rc < 0))
        return; /* the scratch copy accepted the same pairs */
    for (int j = 2; j < c->argc; j += 2)
        if (kvd_arg_is(&c->argv[j], "loglevel"))
            kvd_log_set_level((kvd_log_level_t)c->shard->cfg->log_level);
    kvd_reply_ok(c->reply);
}

static void config_resetstat_command(kvd_client_t *c)
{
    kvd_shard_reset_stats(c->shard);
    kvd_command_reset_stats();
    kvd_reply_ok(c->reply);
}

/* Writing the YAML back is not implemented: say so rather than pretend. */
static void config_rewrite_command(kvd_client_t *c)
{
    if (c->shard->cfg->source == NULL) {
        kvd_reply_error(c->reply, "ERR The server is running without a config file");
        return;
    }
    kvd_reply_errorf(c->reply, "ERR Rewriting config file: %s", strerror(ENOTSUP));
}

static void config_help_command(kvd_client_t *c)
{
    static const char *const lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL,
    };
    kvd_reply_help(c, lines);
}

/* ---- shared by the family ---- */

void kvd_reply_help(kvd_client_t *c, const char *const *lines)
{
    const kvd_command_t *container = c->cmd->parent ? c->cmd->parent : c->cmd;
    char upper[32];
    size_t n = 0;
    for (; container->name[n] && n < sizeof(upper) - 1; n++)
        upper[n] = (char)toupper((unsigned char)container->name[n]);
    upper[n] = '\0';
    size_t mark = kvd_reply_defer(c->reply);
    int64_t count = 0;
    char first[96];
    snprintf(first, sizeof(first), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
             upper);
    kvd_reply_simple(c->reply, first);
    count++;
    for (size_t i = 0; lines[i] != NULL && i < 256; i++, count++)
        kvd_reply_simple(c->reply, lines[i]);
    kvd_reply_simple(c->reply, "HELP");
    kvd_reply_simple(c->reply, "    Prints this help.");
    kvd_reply_set_array_len(c->reply, mark, count + 2);
}

static void reset_row_stats(kvd_command_t *cmd)
{
    cmd->calls = cmd->usec = cmd->rejected_calls = cmd->failed_calls = 0;
}

void kvd_command_reset_stats(void)
{
    for (size_t i = 0; i < kvd_command_count(); i++) {
        kvd_command_t *cmd = kvd_command_at(i);
        reset_row_stats(cmd);
        for (kvd_command_t *sub = cmd->subcommands; sub && sub->name; sub++)
            reset_row_stats(sub);
    }
}

/* ---- the rows ---- */

static kvd_command_t config_subcommands[] = {
    {.name = "resetstat", .proc = config_resetstat_command, .arity = 2,
     .flags = KVD_CMD_ADMIN | KVD_CMD_NOSCRIPT | KVD_CMD_LOADING | KVD_CMD_STALE,
     .acl = KVD_ACL_ADMIN | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Reset the stats returned by INFO", .since = "2.0.0", .group = "server",
     .complexity = "O(1)"},
    {.name = "rewrite", .proc = config_rewrite_command, .arity = 2,
     .flags = KVD_CMD_ADMIN | KVD_CMD_NOSCRIPT | KVD_CMD_LOADING | KVD_CMD_STALE,
     .acl = KVD_ACL_ADMIN | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Rewrite the configuration file with the in memory configuration",
     .since = "2.8.0", .group = "server", .complexity = "O(1)"},
    {.name = "get", .proc = config_get_command, .arity = -3,
     .flags = KVD_CMD_ADMIN | KVD_CMD_NOSCRIPT | KVD_CMD_LOADING | KVD_CMD_STALE,
     .acl = KVD_ACL_ADMIN | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Get the values of configuration parameters", .since = "2.0.0", .group = "server",
     .complexity = "O(N) when N is the number of configuration parameters provided"},
    {.name = "help", .proc = config_help_command, .arity = 2,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE, .acl = KVD_ACL_SLOW,
     .summary = "Show helpful text about the different subcommands", .since = "5.0.0",
     .group = "server", .complexity = "O(1)"},
    {.name = "set", .proc = config_set_command, .arity = -4,
     .flags = KVD_CMD_ADMIN | KVD_CMD_NOSCRIPT | KVD_CMD_LOADING | KVD_CMD_STALE,
     .acl = KVD_ACL_ADMIN | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Set configuration parameters to the given values", .since = "2.0.0",
     .group = "server",
     .complexity = "O(N) when N is the number of configuration parameters provided"},
    {.name = NULL},
};

static kvd_command_t server_commands[] = {
    {.name = "ping", .proc = ping_command, .arity = -1, .flags = KVD_CMD_FAST,
     .acl = KVD_ACL_FAST | KVD_ACL_CONNECTION, .summary = "Ping the server", .since = "1.0.0",
     .group = "connection", .complexity = "O(1)"},
    {.name = "echo", .proc = echo_command, .arity = 2,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE | KVD_CMD_FAST,
     .acl = KVD_ACL_FAST | KVD_ACL_CONNECTION, .summary = "Echo the given string",
     .since = "1.0.0", .group = "connection", .complexity = "O(1)"},
    {.name = "quit", .proc = quit_command, .arity = -1, .flags = KVD_CMD_NOSCRIPT |
     KVD_CMD_LOADING | KVD_CMD_STALE | KVD_CMD_FAST | KVD_CMD_NO_AUTH | KVD_CMD_ALLOW_BUSY,
     .acl = KVD_ACL_FAST | KVD_ACL_CONNECTION, .summary = "Close the connection", .since = "1.0.0",
     .group = "connection", .complexity = "O(1)"},
    {.name = "hello", .proc = hello_command, .arity = -1, .flags = KVD_CMD_NOSCRIPT |
     KVD_CMD_LOADING | KVD_CMD_STALE | KVD_CMD_FAST | KVD_CMD_NO_AUTH | KVD_CMD_ALLOW_BUSY,
     .acl = KVD_ACL_FAST | KVD_ACL_CONNECTION, .summary = "Handshake with Redis", .since = "6.0.0",
     .group = "connection", .complexity = "O(1)"},
    {.name = "select", .proc = select_command, .arity = 2,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE | KVD_CMD_FAST,
     .acl = KVD_ACL_FAST | KVD_ACL_CONNECTION,
     .summary = "Change the selected database for the current connection", .since = "1.0.0",
     .group = "connection", .complexity = "O(1)"},
    {.name = "time", .proc = time_command, .arity = 1,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE | KVD_CMD_FAST, .acl = KVD_ACL_FAST,
     .summary = "Return the current server time", .since = "2.6.0", .group = "server",
     .complexity = "O(1)"},
    {.name = "dbsize", .proc = dbsize_command, .arity = 1,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST,
     .acl = KVD_ACL_KEYSPACE | KVD_ACL_READ | KVD_ACL_FAST,
     .summary = "Return the number of keys in the selected database", .since = "1.0.0",
     .group = "server", .complexity = "O(1)"},
    {.name = "flushdb", .proc = flushdb_command, .arity = -1, .flags = KVD_CMD_WRITE,
     .acl = KVD_ACL_KEYSPACE | KVD_ACL_WRITE | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Remove all keys from the current database", .since = "1.0.0", .group = "server",
     .complexity = "O(N) where N is the number of keys in the selected database"},
    {.name = "flushall", .proc = flushall_command, .arity = -1, .flags = KVD_CMD_WRITE,
     .acl = KVD_ACL_KEYSPACE | KVD_ACL_WRITE | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Remove all keys from all databases", .since = "1.0.0", .group = "server",
     .complexity = "O(N) where N is the total number of keys in all databases"},
    {.name = "info", .proc = kvd_info_command, .arity = -1,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE, .acl = KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Get information and statistics about the server", .since = "1.0.0",
     .group = "server", .complexity = "O(1)"},
    {.name = "config", .proc = NULL, .arity = -2, .flags = 0, .acl = KVD_ACL_SLOW,
     .summary = "A container for server configuration commands", .since = "2.0.0",
     .group = "server", .complexity = "Depends on subcommand.", .subcommands = config_subcommands},
    {.name = "client", .proc = NULL, .arity = -2, .flags = 0, .acl = KVD_ACL_SLOW,
     .summary = "A container for client connection commands", .since = "2.4.0",
     .group = "connection", .complexity = "Depends on subcommand.",
     .subcommands = kvd_client_subcommands},
    {.name = "command", .proc = kvd_command_command, .arity = -1,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE, .acl = KVD_ACL_SLOW | KVD_ACL_CONNECTION,
     .summary = "Get array of Redis command details", .since = "2.8.13", .group = "server",
     .complexity = "O(N) where N is the total number of Redis commands",
     .subcommands = kvd_command_subcommands},
    {.name = NULL},
};

void kvd_register_server_commands(void)
{
    kvd_command_register(server_commands);
}

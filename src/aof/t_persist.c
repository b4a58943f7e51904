/*
 * t_persist.c - persistence commands: BGREWRITEAOF, LASTSAVE, SHUTDOWN.
 * kvd writes no RDB snapshots, so SAVE and BGSAVE do not exist; LASTSAVE
 * answers the start time, which is what Redis reports before any save.
 */
#include "aof_int.h"
#include "core/log.h"
#include "proto/reply.h"

#include <signal.h>

static void bgrewriteaof_command(kvd_client_t *c)
{
    kvd_shard_t *s = c->shard;
    kvd_aof_t *a = s->aof;
    if (a == NULL) {
        kvd_reply_error(c->reply, "ERR append only file is not set up on this shard");
        return;
    }
    if (a->child > 0) {
        kvd_reply_error(c->reply,
                        "ERR Background append only file rewriting already in progress");
        return;
    }
    /* Inside EXEC the snapshot would cut the transaction in two: cron
     * starts it once the queue has run. */
    if (s->in_exec > 0) {
        a->rewrite_scheduled = true;
        kvd_reply_simple(c->reply, "Background append only file rewriting scheduled");
        return;
    }
    kvd_buf_t err;
    kvd_buf_init(&err);
    if (aof_rewrite_start(s, &err) < 0)
        kvd_reply_errorf(c->reply, "ERR %s", kvd_buf_cstr(&err));
    else
        kvd_reply_simple(c->reply, "Background append only file rewriting started");
    kvd_buf_free(&err);
}

static void lastsave_command(kvd_client_t *c)
{
    kvd_reply_int(c->reply, (int64_t)(c->shard->start_us / 1000000));
}

typedef struct shutdown_opts {
    bool nosave, save, now, force, abort;
} shutdown_opts_t;

static int parse_shutdown(kvd_client_t *c, shutdown_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < c->argc; i++) {
        const kvd_arg_t *a = &c->argv[i];
        if (kvd_arg_is(a, "nosave"))
            o->nosave = true;
        else if (kvd_arg_is(a, "save"))
            o->save = true;
        else if (kvd_arg_is(a, "now"))
            o->now = true;
        else if (kvd_arg_is(a, "force"))
            o->force = true;
        else if (kvd_arg_is(a, "abort"))
            o->abort = true;
        else
            return -1;
    }
    if ((o->nosave && o->save) || (o->abort && c->argc != 2))
        return -1;
    return 0;
}

/*
 * Every shard flushes and syncs its own file when the master's SIGTERM
 * reaches it; this one flushes first so a disk error can refuse the
 * shutdown (as Redis refuses when the final AOF fsync fails), unless
 * FORCE.  Success sends no reply: the connection closes as the server
 * stops.
 */
static void shutdown_command(kvd_client_t *c)
{
    shutdown_opts_t o;
    if (parse_shutdown(c, &o) < 0) {
        kvd_reply_syntax_error(c);
        return;
    }
    if (o.abort) {
        kvd_reply_error(c->reply, "ERR No shutdown in progress.");
        return;
    }
    kvd_shard_t *s = c->shard;
    kvd_aof_t *a = s->aof;
    if (a != NULL && a->state == AOF_ON && a->fh >= 0 && aof_flush(s, true) < 0 && !o.force) {
        kvd_log_warning("SHUTDOWN refused: the AOF could not be written or synced");
        kvd_reply_error(c->reply, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    kvd_log_warning("User requested shutdown...");
    if (s->master_pid > 0)
        kill(s->master_pid, SIGTERM);
    c->flags |= KVD_CLIENT_CLOSE_AFTER_REPLY;
}

static kvd_command_t persist_commands[] = {
    {.name = "bgrewriteaof", .proc = bgrewriteaof_command, .arity = 1,
     .flags = KVD_CMD_ADMIN | KVD_CMD_NOSCRIPT | KVD_CMD_NO_ASYNC_LOADING,
     .acl = KVD_ACL_ADMIN | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Asynchronously rewrite the append-only file", .since = "1.0.0",
     .group = "server", .complexity = "O(1)"},
    {.name = "lastsave", .proc = lastsave_command, .arity = 1,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE | KVD_CMD_FAST,
     .acl = KVD_ACL_ADMIN | KVD_ACL_FAST | KVD_ACL_DANGEROUS,
     .summary = "Get the UNIX time stamp of the last successful save to disk", .since = "1.0.0",
     .group = "server", .complexity = "O(1)"},
    {.name = "shutdown", .proc = shutdown_command, .arity = -1,
     .flags = KVD_CMD_ADMIN | KVD_CMD_NOSCRIPT | KVD_CMD_LOADING | KVD_CMD_STALE |
              KVD_CMD_NO_MULTI | KVD_CMD_ALLOW_BUSY,
     .acl = KVD_ACL_ADMIN | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Synchronously save the dataset to disk and then shut down the server",
     .since = "1.0.0", .group = "server", .complexity = "O(N) when saving, where N is the "
     "total number of keys in all databases when saving data, otherwise O(1)"},
    {.name = NULL},
};

void kvd_register_persist_commands(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    kvd_command_register(persist_commands);
}

/* ---- INFO persistence ---- */

static const char *status_word(bool ok)
{
    return ok ? "ok" : "err";
}

void kvd_aof_info(kvd_shard_t *s, kvd_buf_t *out)
{
    const kvd_aof_t *a = s->aof;
    static const kvd_aof_t off = {.last_rewrite_time_sec = -1, .last_rewrite_ok = true, .fh = -1};
    if (a == NULL)
        a = &off;
    uint64_t now = kvd_env_now_ms(s->env);
    long long current = a->child > 0 ? (long long)((now - a->rewrite_start_ms) / 1000) : -1;
    kvd_buf_printf(out,
                   "aof_rewrite_in_progress:%d\r\naof_rewrite_scheduled:%d\r\n"
                   "aof_last_rewrite_time_sec:%lld\r\naof_current_rewrite_time_sec:%lld\r\n"
                   "aof_last_bgrewrite_status:%s\r\naof_rewrites:%llu\r\n"
                   "aof_rewrites_consecutive_failures:%llu\r\naof_last_write_status:%s\r\n"
                   "aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\n"
                   "module_fork_last_cow_size:0\r\n",
                   a->child > 0 ? 1 : 0, a->rewrite_scheduled && a->child <= 0 ? 1 : 0,
                   (long long)a->last_rewrite_time_sec, current, status_word(a->last_rewrite_ok),
                   (unsigned long long)a->rewrites, (unsigned long long)a->rewrite_failures,
                   status_word(a->write_err == 0 && a->fsync_err == 0));
    if (a->state == AOF_OFF)
        return;
    kvd_buf_printf(out,
                   "aof_current_size:%llu\r\naof_base_size:%llu\r\naof_pending_rewrite:%d\r\n"
                   "aof_buffer_length:%zu\r\naof_pending_bio_fsync:0\r\n"
                   "aof_delayed_fsync:%llu\r\n",
                   (unsigned long long)a->size, (unsigned long long)a->base_size,
                   a->rewrite_scheduled && a->child <= 0 ? 1 : 0, a->main.buf.len,
                   (unsigned long long)a->delayed_fsync);
}

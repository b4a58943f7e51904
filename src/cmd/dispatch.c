/*
 * dispatch.c - from argv to a reply: look the command up, check arity,
 * run it, account for it.  Rejections use Redis's exact wording.
 */
#include "client.h"
#include "shard.h"
#include "blocking.h"
#include "multi.h"
#include "aof/aof.h"
#include "proto/reply.h"

/* Redis quotes up to ~128 bytes of the arguments in "unknown command" errors. */
#define ARGS_PREVIEW 128

static void reject_unknown_command(kvd_client_t *c)
{
    char args[ARGS_PREVIEW * 2 + 64];
    size_t off = 0;
    for (int i = 1; i < c->argc && off < ARGS_PREVIEW; i++) {
        int room = ARGS_PREVIEW - (int)off;
        int n = snprintf(args + off, sizeof(args) - off, "'%.*s' ", room, c->argv[i].ptr);
        if (n < 0 || (size_t)n >= sizeof(args) - off)
            break;
        off += (size_t)n;
    }
    args[off] = '\0';
    kvd_reply_errorf(c->reply, "ERR unknown command '%.128s', with args beginning with: %s",
                     c->argv[0].ptr, args);
}

static void reject_unknown_subcommand(kvd_client_t *c, const kvd_command_t *container)
{
    char upper[64];
    size_t i = 0;
    for (; container->name[i] && i < sizeof(upper) - 1; i++)
        upper[i] = (char)(container->name[i] >= 'a' && container->name[i] <= 'z'
                              ? container->name[i] - 32
                              : container->name[i]);
    upper[i] = '\0';
    kvd_reply_errorf(c->reply, "ERR unknown subcommand '%.128s'. Try %s HELP.", c->argv[1].ptr,
                     upper);
}

/* Resolve argv to a row, or reply the rejection and return NULL. */
static kvd_command_t *resolve(kvd_client_t *c)
{
    kvd_command_t *cmd = kvd_command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (cmd == NULL) {
        reject_unknown_command(c);
        return NULL;
    }
    if (cmd->subcommands != NULL && c->argc >= 2) {
        kvd_command_t *sub = kvd_command_lookup_sub(cmd, c->argv[1].ptr, c->argv[1].len);
        if (sub == NULL) {
            reject_unknown_subcommand(c, cmd);
            return NULL;
        }
        cmd = sub;
    }
    c->cmd = cmd;
    if ((cmd->arity > 0 && c->argc != cmd->arity) || (cmd->arity < 0 && c->argc < -cmd->arity) ||
        cmd->proc == NULL) {
        kvd_reply_arity(c);
        cmd->rejected_calls++;
        return NULL;
    }
    return cmd;
}

kvd_command_t *kvd_dispatch_peek(const kvd_client_t *c)
{
    kvd_command_t *cmd = kvd_command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (cmd == NULL)
        return NULL;
    if (cmd->subcommands != NULL && c->argc >= 2) {
        cmd = kvd_command_lookup_sub(cmd, c->argv[1].ptr, c->argv[1].len);
        if (cmd == NULL)
            return NULL;
    }
    if ((cmd->arity > 0 && c->argc != cmd->arity) || (cmd->arity < 0 && c->argc < -cmd->arity) ||
        cmd->proc == NULL)
        return NULL;
    return cmd;
}

static bool replied_error(const kvd_buf_t *reply, size_t mark)
{
    return reply->len > mark && reply->data[mark] == '-';
}

/* While the AOF cannot write or sync, Redis refuses writes (and PING, so
 * that health checks notice) with MISCONF; reads go on.  True after
 * replying it. */
static bool refused_by_disk_error(kvd_client_t *c, const kvd_command_t *cmd)
{
    /* The disk check first: it is a few loads, and false almost always. */
    if (!kvd_aof_write_refused(c->shard, NULL))
        return false;
    const kvd_command_t *top = cmd->parent != NULL ? cmd->parent : cmd;
    if (!(cmd->flags & KVD_CMD_WRITE) && strcmp(top->name, "ping") != 0)
        return false;
    kvd_buf_t why = KVD_BUF_INIT;
    kvd_aof_write_refused(c->shard, &why);
    kvd_reply_error(c->reply, kvd_buf_cstr(&why));
    kvd_buf_free(&why);
    return true;
}

void kvd_dispatch(kvd_client_t *c)
{
    kvd_dispatch_run_t run = {NULL, 0};
    kvd_dispatch_batched(c, &run);
    kvd_dispatch_run_end(c->shard, &run);
}

void kvd_dispatch_run_end(kvd_shard_t *shard, kvd_dispatch_run_t *run)
{
    if (run->cmd == NULL)
        return;
    uint64_t now = shard->env->mono_us(shard->env);
    run->cmd->usec += now >= run->start ? now - run->start : 0;
    run->cmd = NULL;
}

/* The run goes on when cmd is its row; otherwise the clock is read once
 * to end the old run and begin the new one. */
static void run_continue(kvd_shard_t *shard, kvd_dispatch_run_t *run, kvd_command_t *cmd)
{
    if (kvd_likely(run->cmd == cmd))
        return;
    uint64_t now = shard->env->mono_us(shard->env);
    if (run->cmd != NULL)
        run->cmd->usec += now >= run->start ? now - run->start : 0;
    run->cmd = cmd;
    run->start = now;
}

void kvd_dispatch_batched(kvd_client_t *c, kvd_dispatch_run_t *run)
{
    KVD_ASSERT(c->argc > 0);
    KVD_ASSERT(c->reply != NULL);
    kvd_shard_t *shard = c->shard;
    size_t mark = c->reply->len;
    c->cmd = NULL;
    kvd_command_t *cmd = resolve(c);
    if (cmd == NULL || refused_by_disk_error(c, cmd)) {
        kvd_multi_flag_rejected(c);
        kvd_shard_count_error(shard, c->reply->data + mark + 1, c->reply->len - mark - 1);
        return;
    }
    if (kvd_multi_queue_if_open(c))
        return;
    if (shard->before_write != NULL && (cmd->flags & KVD_CMD_WRITE))
        shard->before_write(c, cmd);
    uint64_t dirty_before = shard->dirty;
    run_continue(shard, run, cmd);
    cmd->proc(c);
    if (!(c->flags & KVD_CLIENT_INTERNAL)) {
        cmd->calls++;
        shard->stats.total_commands_processed++;
    }
    if (replied_error(c->reply, mark)) {
        cmd->failed_calls++;
        kvd_shard_count_error(shard, c->reply->data + mark + 1, c->reply->len - mark - 1);
    }
    c->lastcmd = cmd;
    if (shard->dirty != dirty_before) {
        kvd_aof_feed(shard, c);
        if (kvd_watches_any(shard))
            kvd_watch_after_write(shard, c);
    }
    c->untouched_keys = 0;
    if (c->prop_argv != NULL) {
        kvd_args_free(c->prop_argv, c->prop_argc);
        c->prop_argv = NULL;
        c->prop_argc = 0;
    }
    /* Clients blocked on the keys this command wrote get served now, so a
     * pipeline's next command sees the state after them, as in Redis; an
     * EXEC serves them once its whole queue has run. */
    if (kvd_blocking_count(shard->blocking) > 0 && !(c->flags & KVD_CLIENT_BLOCKED)) {
        /* Other clients' commands may run: not this run's time. */
        kvd_dispatch_run_end(shard, run);
        kvd_blocking_after_write(shard, c);
        if (shard->in_exec == 0)
            kvd_blocking_serve(shard);
    }
}

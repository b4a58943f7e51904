/*
 * xshard.c - the coordinator of cross-shard commands and transactions
 * (see xshard.h for the protocol).
 */
#include "xshard_int.h"
#include "cmd/multi.h"
#include "cmd/shard.h"
#include "core/log.h"
#include "proto/reply.h"

#define POLL_MS 10

static xs_state_t XS0;
xs_state_t *XS = &XS0;

void *kvd_xshard_state_new(void)
{
    return kvd_calloc(1, sizeof(xs_state_t));
}

void kvd_xshard_enter(void *state)
{
    XS = state;
}

kvd_shard_t *xs_home(const kvd_xtx_t *tx)
{
    return tx->lc.shard;
}

/* ---- running RESP on a client ---- */

void kvd_run_commands(kvd_client_t *c, const char *data, size_t len)
{
    kvd_buf_t copy = KVD_BUF_INIT, sink = KVD_BUF_INIT;
    kvd_buf_append(&copy, data, len); /* the parser writes NULs into it */
    kvd_argv_t argv = KVD_ARGV_INIT;
    kvd_buf_t *saved = c->reply;
    uint32_t flags = c->flags;
    c->reply = &sink;
    c->flags |= KVD_CLIENT_INTERNAL;
    size_t off = 0;
    for (uint64_t guard = 0; off < len && guard < len; guard++) {
        kvd_resp_parser_t parser;
        kvd_resp_parser_init(&parser);
        kvd_resp_status_t st =
            kvd_resp_parse(&parser, copy.data + off, len - off, &argv, &kvd_route_peer_limits);
        KVD_ASSERT(st == KVD_RESP_OK); /* we wrote it */
        off += parser.consumed;
        if (argv.argc == 0)
            continue;
        c->argc = argv.argc;
        c->argv = argv.v;
        kvd_dispatch(c);
        kvd_buf_clear(&sink);
    }
    c->argc = 0;
    c->argv = NULL;
    c->reply = saved;
    c->flags = (c->flags & ~KVD_CLIENT_INTERNAL) | (flags & KVD_CLIENT_INTERNAL);
    kvd_argv_free(&argv);
    kvd_buf_free(&sink);
    kvd_buf_free(&copy);
}

/* Run argv on c, its reply appended to into. */
void xs_run_into(kvd_client_t *c, int argc, kvd_arg_t *argv, kvd_buf_t *into)
{
    kvd_buf_t *saved = c->reply;
    c->reply = into;
    c->argc = argc;
    c->argv = argv;
    kvd_dispatch(c);
    c->argc = 0;
    c->argv = NULL;
    c->reply = saved;
}

void xs_send_step(kvd_xtx_t *tx, int to, unsigned flags, kvd_buf_t *payload, int part,
                      kvd_router_reply_fn *fn)
{
    tx->waiting++;
    kvd_router_request(to, (uint32_t)tx->lc.db_index, tx->conn_id, flags, payload, fn, tx, part);
}

/* ---- who takes part ---- */

static void add_key_shards(kvd_xtx_t *tx, const kvd_client_t *probe)
{
    int n = probe->argc;
    int *keys = kvd_calloc((size_t)n, sizeof(*keys));
    int nk = kvd_command_find_keys(probe->cmd, probe->argc, probe->argv, keys, n);
    for (int k = 0; k < nk; k++) {
        const kvd_arg_t *a = &probe->argv[keys[k]];
        tx->member[kvd_route_shard_of(a->ptr, a->len)] = 1;
    }
    kvd_free(keys);
}

static void find_members(kvd_xtx_t *tx, const uint8_t *watching)
{
    tx->member[kvd_route_self()] = 1;
    for (int j = 0; watching != NULL && j < tx->nshards; j++)
        tx->member[j] |= watching[j];
    kvd_client_t probe = tx->lc;
    for (int i = 0; i < tx->ncmds; i++) {
        probe.argc = tx->argc[i];
        probe.argv = tx->argv[i];
        probe.cmd = kvd_dispatch_peek(&probe);
        if (probe.cmd == NULL)
            continue;
        kvd_route_t rt;
        kvd_route_plan(&probe, &rt);
        const kvd_arg_t *pat;
        bool sort_patterns = kvd_route_sort_patterns(&probe, &pat, 1) > 0;
        /* SORT's BY/GET keys are known only once its elements are: hold
         * every shard, so that what it reads there is one snapshot. */
        if ((rt.kind == KVD_ROUTE_FANOUT && !rt.by_key) || sort_patterns)
            memset(tx->member, 1, (size_t)tx->nshards);
        else if (rt.kind == KVD_ROUTE_SCAN)
            tx->member[rt.shard] = 1;
        else
            add_key_shards(tx, &probe);
    }
}

/* ---- locking ---- */

static void on_lock(void *arg, int part, const char *data, size_t len)
{
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->phase == XS_LOCKING && tx->waiting == 1);
    tx->waiting--;
    if (len > 0 && data[0] == '+') {
        tx->held[part] = 1;
        if (len >= 6 && memcmp(data, "+DIRTY", 6) == 0)
            tx->dirty = true;
    } else if (tx->fail.len == 0) {
        kvd_buf_append(&tx->fail, data, len);
    }
    if (part == kvd_route_self() && tx->is_exec && tx->conn != NULL) {
        /* Our own watches, checked now that nothing else runs here. */
        kvd_client_t *c = &tx->conn->client;
        if (kvd_multi_watch_dirty(c))
            tx->dirty = true;
        kvd_multi_abandon(c);
    }
    xs_advance(tx);
}

/* Ask the next participant for its lock; false when all have answered. */
static bool lock_next(kvd_xtx_t *tx)
{
    while (tx->lock_at < tx->nshards && !tx->member[tx->lock_at])
        tx->lock_at++;
    if (tx->lock_at == tx->nshards || tx->fail.len > 0 || tx->dirty)
        return false;
    int s = tx->lock_at++;
    if (s == kvd_route_self()) {
        tx->waiting++;
        kvd_router_lock_self(tx->conn_id, tx->txid, on_lock, tx); /* may answer at once */
    } else {
        kvd_buf_t id = KVD_BUF_INIT;
        kvd_buf_append_str(&id, tx->txid);
        xs_send_step(tx, s, KVD_MSG_LOCK | (tx->is_exec ? KVD_MSG_EXEC : 0), &id, s, on_lock);
    }
    return true;
}

/* An answer that only counts (UNLOCK, a push): its content does not matter. */
void xs_on_ack(void *arg, int part, const char *data, size_t len)
{
    KVD_UNUSED(part);
    KVD_UNUSED(data);
    KVD_UNUSED(len);
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->waiting > 0);
    tx->waiting--;
    xs_advance(tx);
}

/* ---- one command ---- */

static void on_part(void *arg, int part, const char *data, size_t len)
{
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->step == STEP_PARTS && part < tx->nparts && tx->waiting > 0);
    kvd_buf_append(&tx->parts[part], data, len);
    tx->waiting--;
    xs_advance(tx);
}

static void parts_new(kvd_xtx_t *tx, int n, kvd_merge_t merge)
{
    tx->nparts = n;
    tx->parts = kvd_calloc((size_t)n, sizeof(*tx->parts));
    tx->merge = merge;
    tx->scan_shard = -1;
    tx->step = STEP_PARTS;
}

/* Part `part` of the running command on shard `to`. */
static void run_part(kvd_xtx_t *tx, int part, int to, int argc, kvd_arg_t *argv)
{
    if (tx->lc.cmd != NULL && (tx->lc.cmd->flags & KVD_CMD_WRITE))
        tx->wrote[to] = 1;
    if (to == kvd_route_self()) {
        xs_run_into(&tx->lc, argc, argv, &tx->parts[part]);
        return;
    }
    kvd_buf_t payload = KVD_BUF_INIT;
    kvd_route_encode(&payload, argc, argv);
    xs_send_step(tx, to, KVD_MSG_TXSTEP, &payload, part, on_part);
}

static void start_split(kvd_xtx_t *tx, const kvd_route_t *rt)
{
    tx->split = kvd_route_split(&tx->lc, rt);
    kvd_split_t *sp = tx->split;
    parts_new(tx, sp->nparts, rt->merge);
    for (int i = 0; i < sp->nparts; i++)
        run_part(tx, i, sp->shard[i], sp->argc[i], sp->argv[i]);
}

static void start_scan(kvd_xtx_t *tx)
{
    kvd_client_t *c = &tx->lc;
    char cur[24];
    kvd_arg_t *argv = kvd_calloc((size_t)c->argc, sizeof(*argv));
    int shard;
    bool ok = kvd_route_scan_argv(c, argv, cur, &shard);
    KVD_ASSERT(ok);
    parts_new(tx, 1, KVD_MERGE_NONE);
    tx->scan_shard = shard;
    run_part(tx, 0, shard, c->argc, argv);
    kvd_free(argv);
}

static void finish_parts(kvd_xtx_t *tx)
{
    kvd_route_gather(tx->merge, tx->scan_shard, tx->parts, tx->nparts,
                     tx->split ? tx->split->order : NULL, tx->split ? tx->split->nkeys : 0,
                     &tx->out);
    for (int i = 0; i < tx->nparts; i++)
        kvd_buf_free(&tx->parts[i]);
    kvd_free(tx->parts);
    tx->parts = NULL;
    if (tx->split != NULL)
        kvd_route_split_free(tx->split);
    tx->split = NULL;
}

/* Start command `next`; its step is STEP_NONE when it finished at once. */
static void start_command(kvd_xtx_t *tx)
{
    kvd_client_t *c = &tx->lc;
    int i = tx->next++;
    c->argc = tx->argc[i];
    c->argv = tx->argv[i];
    c->cmd = kvd_dispatch_peek(c);
    kvd_route_t rt = {.kind = KVD_ROUTE_LOCAL};
    if (c->cmd != NULL)
        kvd_route_plan(c, &rt);
    switch (rt.kind) {
    case KVD_ROUTE_LOCAL:
        if (c->cmd != NULL && (c->cmd->flags & KVD_CMD_WRITE))
            tx->wrote[kvd_route_self()] = 1;
        xs_run_into(c, tx->argc[i], tx->argv[i], &tx->out);
        break;
    case KVD_ROUTE_REMOTE:
        parts_new(tx, 1, KVD_MERGE_NONE);
        run_part(tx, 0, rt.shard, c->argc, c->argv);
        break;
    case KVD_ROUTE_FANOUT: start_split(tx, &rt); break;
    case KVD_ROUTE_SCAN: start_scan(tx); break;
    case KVD_ROUTE_CROSS: xs_start_cross(tx); break;
    }
    c->argc = tx->argc[i];
    c->argv = tx->argv[i]; /* run_into cleared them; the steps still read them */
}

/* The running command's answers are all in: finish it or take its next step. */
static void step_done(kvd_xtx_t *tx)
{
    switch (tx->step) {
    case STEP_NONE: return;
    case STEP_PARTS: finish_parts(tx); break;
    case STEP_PULL:
        if (tx->fail.len > 0) {
            xs_finish_cross(tx);
            break;
        }
        if (xs_pull_sort_patterns(tx))
            return; /* a second round of copies */
        xs_run_cross(tx);
        return; /* now waiting for the pushes */
    case STEP_PUSH: xs_finish_cross(tx); break;
    }
    tx->step = STEP_NONE;
}

/* ---- a blocking command over several shards ---- */

static bool is_null_reply(const kvd_buf_t *b)
{
    return b->len == 5 && (memcmp(b->data, "*-1\r\n", 5) == 0 || memcmp(b->data, "$-1\r\n", 5) == 0);
}

/* The timeout argument in seconds: BLMPOP/BZMPOP put it first. */
static double block_timeout(const kvd_xtx_t *tx)
{
    const kvd_arg_t *argv = tx->argv[0];
    int argc = tx->argc[0];
    bool first = kvd_arg_is(&argv[0], "blmpop") || kvd_arg_is(&argv[0], "bzmpop");
    return strtod(first ? argv[1].ptr : argv[argc - 1].ptr, NULL);
}

/* A new attempt (the first, or a blocking command's next try). */
static void attempt_init(kvd_xtx_t *tx)
{
    tx->phase = XS_LOCKING;
    tx->lock_at = 0;
    tx->next = 0;
    kvd_buf_clear(&tx->out);
    memset(tx->wrote, 0, (size_t)tx->nshards);
    memset(tx->prepared, 0, (size_t)tx->nshards);
    if (XS->incarnation == 0)
        XS->incarnation = xs_home(tx)->env->now_us(xs_home(tx)->env) | 1;
    snprintf(tx->txid, sizeof(tx->txid), "%d.%llx.%llu", kvd_route_self(),
             (unsigned long long)XS->incarnation, (unsigned long long)++XS->next_txseq);
}

static void poll_cb(kvd_router_timer_t *t)
{
    kvd_xtx_t *tx = t->data;
    attempt_init(tx);
    xs_advance(tx);
}

/* True when the transaction waits to run again instead of answering. */
static bool keep_blocking(kvd_xtx_t *tx)
{
    if (tx->is_exec || tx->fail.len > 0 || !is_null_reply(&tx->out))
        return false;
    kvd_client_t probe = tx->lc;
    probe.argc = tx->argc[0];
    probe.argv = tx->argv[0];
    const kvd_command_t *cmd = kvd_dispatch_peek(&probe);
    if (cmd == NULL || !(cmd->flags & KVD_CMD_BLOCKING) || tx->conn == NULL)
        return false;
    kvd_shard_t *s = xs_home(tx);
    int64_t now = (int64_t)kvd_env_now_ms(s->env);
    if (tx->deadline_ms == 0) {
        double t = block_timeout(tx);
        tx->deadline_ms = t > 0 ? now + (int64_t)(t * 1000) : -1;
        s->cross_blocked++;
        tx->poll.fn = poll_cb;
        tx->poll.data = tx;
    }
    if (tx->deadline_ms > 0 && now >= tx->deadline_ms)
        return false;
    kvd_router_timer_start(&tx->poll, POLL_MS);
    return true;
}

/* ---- the whole ---- */

static void complete(kvd_xtx_t *tx)
{
    if (keep_blocking(tx))
        return;
    if (tx->deadline_ms != 0) {
        xs_home(tx)->cross_blocked--;
        kvd_router_timer_stop(&tx->poll);
    }
    kvd_buf_t reply = KVD_BUF_INIT;
    if (tx->fail.len > 0) {
        kvd_buf_append(&reply, tx->fail.data, tx->fail.len);
    } else if (tx->dirty) {
        kvd_reply_null_array(&reply);
    } else {
        if (tx->is_exec)
            kvd_reply_array(&reply, tx->ncmds);
        kvd_buf_append(&reply, tx->out.data, tx->out.len);
    }
    if (tx->conn != NULL) {
        kvd_client_t *c = &tx->conn->client;
        if (c->flags & KVD_CLIENT_MULTI) /* it ended before locking this shard */
            kvd_multi_abandon(c);
        kvd_client_select(c, tx->lc.db_index);
        tx->p->xtx = NULL;
        kvd_conn_part_done(tx->p, 0, reply.data, reply.len);
    }
    kvd_buf_free(&reply);
    if (tx->lprev != NULL)
        tx->lprev->lnext = tx->lnext;
    else
        XS->running = tx->lnext;
    if (tx->lnext != NULL)
        tx->lnext->lprev = tx->lprev;
    for (int i = 0; i < tx->ncmds; i++)
        kvd_args_free(tx->argv[i], tx->argc[i]);
    kvd_free(tx->argv);
    kvd_free(tx->argc);
    kvd_free(tx->member);
    kvd_free(tx->held);
    kvd_free(tx->wrote);
    kvd_free(tx->prepared);
    kvd_buf_free(&tx->fail);
    kvd_buf_free(&tx->out);
    kvd_client_release(&tx->lc);
    kvd_free(tx);
}

/* Move the transaction on as far as it goes without waiting. */
void xs_advance(kvd_xtx_t *tx)
{
    if (tx->busy)
        return; /* an answer that came at once: the loop below goes on */
    tx->busy = true;
    for (uint64_t guard = 0;; guard++) {
        KVD_ASSERT(guard <= 4 * ((uint64_t)tx->ncmds + (uint64_t)tx->nshards) + 8);
        if (tx->waiting > 0)
            break;
        if (tx->phase == XS_LOCKING) {
            if (!lock_next(tx))
                tx->phase = XS_RUNNING;
        } else if (tx->phase == XS_RUNNING) {
            step_done(tx);
            if (tx->step != STEP_NONE)
                continue;
            if (tx->next < tx->ncmds && tx->fail.len == 0 && !tx->dirty)
                start_command(tx);
            else
                xs_end_transaction(tx);
        } else if (tx->phase == XS_PREPARING) {
            if (tx->fail.len > 0) {
                tx->phase = XS_ENDING;
                xs_end_abort(tx);
            } else {
                xs_commit_two_phase(tx);
            }
        } else if (tx->phase == XS_COMMITTING || tx->phase == XS_ENDING) {
            tx->phase = XS_DONE;
        } else {
            tx->busy = false;
            complete(tx); /* frees it, or sets it to run again later */
            return;
        }
    }
    tx->busy = false;
}

void kvd_xshard_run(kvd_conn_t *conn, kvd_pending_t *p, int n, const kvd_arg_t *const *argv,
                    const int *argc, bool is_exec)
{
    /* EXEC may have nothing queued and still WATCH keys on several shards. */
    KVD_ASSERT((n > 0 || is_exec) && n >= 0 && kvd_router_active());
    kvd_xtx_t *tx = kvd_calloc(1, sizeof(*tx));
    kvd_client_t *c = &conn->client;
    tx->conn = conn;
    tx->p = p;
    p->xtx = tx;
    tx->conn_id = c->id;
    tx->is_exec = is_exec;
    tx->ncmds = n;
    tx->argv = kvd_calloc((size_t)n + 1, sizeof(*tx->argv));
    tx->argc = kvd_calloc((size_t)n + 1, sizeof(*tx->argc));
    for (int i = 0; i < n; i++) {
        tx->argv[i] = kvd_args_dup(argv[i], argc[i]);
        tx->argc[i] = argc[i];
    }
    tx->nshards = kvd_route_nshards();
    tx->member = kvd_calloc((size_t)tx->nshards, 1);
    tx->held = kvd_calloc((size_t)tx->nshards, 1);
    tx->wrote = kvd_calloc((size_t)tx->nshards, 1);
    tx->prepared = kvd_calloc((size_t)tx->nshards, 1);
    kvd_client_init(&tx->lc, c->shard);
    tx->lc.id = c->id; /* CLIENT ID and the like inside the transaction */
    kvd_client_select(&tx->lc, c->db_index);
    tx->lc.flags = KVD_CLIENT_DENY_BLOCKING;
    find_members(tx, is_exec ? conn->watching : NULL);
    if (is_exec && conn->watching != NULL)
        memset(conn->watching, 0, (size_t)tx->nshards); /* EXEC's LOCK unwatches there */
    conn->barrier = true;
    attempt_init(tx);
    tx->lnext = XS->running;
    if (XS->running != NULL)
        XS->running->lprev = tx;
    XS->running = tx;
    xs_advance(tx);
}

void kvd_xshard_peer_reset(int peer)
{
    static const char loading[] = "-LOADING Redis is loading the dataset in memory\r\n";
    for (kvd_xtx_t *tx = XS->running; tx != NULL; tx = tx->lnext) {
        if (!tx->member[peer] || tx->lock_at <= peer)
            continue; /* it sent that shard no LOCK */
        if (tx->phase >= XS_COMMITTING) {
            /* Past the commit point: it learns the outcome when it is
             * back (its COMMIT is sent again until it acknowledges). */
            tx->held[peer] = 0;
            continue;
        }
        /* A LOCK sent just before we noticed may reach the new worker: give
         * it up there too (the ring keeps this behind it). */
        kvd_buf_t none = KVD_BUF_INIT;
        kvd_router_send(peer, 0, tx->conn_id, KVD_MSG_ABORT | KVD_MSG_NOREPLY, &none, NULL, 0);
        if (!tx->held[peer])
            continue;
        /* Its lock died with it: run nothing more, abort at the others. */
        tx->held[peer] = 0;
        if (tx->fail.len == 0)
            kvd_buf_append(&tx->fail, loading, sizeof(loading) - 1);
    }
}

const char *kvd_xshard_decision(const char *txid)
{
    static const char aborted[] = "-LOADING Redis is loading the dataset in memory\r\n";
    kvd_txrec_t *t = kvd_aof_txset_find(kvd_current_shard, txid);
    if (t != NULL)
        return t->durable ? "+COMMIT\r\n" : "-TRYAGAIN the decision is not on disk yet\r\n";
    for (kvd_xtx_t *tx = XS->running; tx != NULL; tx = tx->lnext) {
        if (strcmp(tx->txid, txid) != 0 || tx->phase >= XS_COMMITTING)
            continue;
        /* A participant is asking: it restarted after preparing.  This
         * transaction must not commit now. */
        if (tx->fail.len == 0)
            kvd_buf_append(&tx->fail, aborted, sizeof(aborted) - 1);
    }
    return "+ABORT\r\n";
}

void kvd_xshard_orphan(kvd_xtx_t *tx)
{
    tx->conn = NULL;
    tx->p = NULL;
    if (tx->deadline_ms != 0 && tx->phase == XS_DONE && !tx->busy &&
        tx->poll.armed) {
        /* Waiting between two tries: nothing is held, finish now. */
        kvd_router_timer_stop(&tx->poll);
        complete(tx);
    }
}

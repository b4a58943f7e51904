/*
 * conn_route.c - a connection's commands when there are several shards:
 * run here, ship to the owner, or split and gather (route.h), with the
 * replies kept in the order the client sent the commands.
 *
 * Each command that cannot answer at once gets a pending slot; replies
 * leave from the head of the slot list only.  A command answered at once
 * while slots are open gets a slot too (already done), so order holds
 * without ever holding back execution of keys on different shards.  What
 * must wait: anything after a blocking command that went out (the client
 * is blocked, as in Redis), and a local blocking command behind open
 * slots (its reply could otherwise overtake theirs).
 *
 * Transactions: MULTI queues here; EXEC runs here when every queued
 * command's keys (and every WATCHed key) are ours, is shipped whole to
 * the one other shard that owns them all, and runs under the locks of
 * every shard it touches when they span shards (xshard.h), as does a
 * single command that needs keys of several shards at once.
 */
#include "conn.h"
#include "router.h"
#include "xshard.h"
#include "cmd/multi.h"
#include "cmd/shard.h"
#include "proto/reply.h"


static kvd_pending_t *pending_new(kvd_conn_t *conn, int nparts, kvd_merge_t merge)
{
    kvd_pending_t *p = kvd_calloc(1, sizeof(*p));
    p->conn = conn;
    p->nparts = p->left = nparts;
    p->parts = kvd_calloc((size_t)nparts, sizeof(*p->parts));
    p->seqs = kvd_calloc((size_t)nparts, sizeof(*p->seqs));
    p->merge = merge;
    p->scan_shard = -1;
    if (conn->pend_tail != NULL)
        conn->pend_tail->next = p;
    else
        conn->pend_head = p;
    conn->pend_tail = p;
    conn->npending++;
    return p;
}

static void pending_free(kvd_pending_t *p)
{
    for (int i = 0; i < p->nparts; i++)
        kvd_buf_free(&p->parts[i]);
    kvd_buf_free(&p->reply);
    kvd_free(p->parts);
    kvd_free(p->seqs);
    kvd_free(p->order);
    kvd_free(p);
}

/* Move finished slots from the head into the output, in order. */
static void emit_done(kvd_conn_t *conn)
{
    kvd_pending_t *p;
    while ((p = conn->pend_head) != NULL && p->done) {
        conn->pend_head = p->next;
        if (conn->pend_head == NULL)
            conn->pend_tail = NULL;
        kvd_buf_append(&conn->out, p->reply.data, p->reply.len);
        conn->npending--;
        pending_free(p);
    }
    if (conn->npending == 0)
        conn->barrier = false;
}

static void finish(kvd_pending_t *p)
{
    kvd_route_gather(p->merge, p->scan_shard, p->parts, p->nparts, p->order, p->nkeys, &p->reply);
    p->done = true;
}

void kvd_conn_part_done(kvd_pending_t *p, int part, const char *data, size_t len)
{
    KVD_ASSERT(part >= 0 && part < p->nparts && p->left > 0);
    kvd_buf_append(&p->parts[part], data, len);
    p->seqs[part] = 0;
    if (--p->left > 0)
        return;
    finish(p);
    kvd_conn_t *conn = p->conn;
    emit_done(conn);
    if (!conn->processing)
        kvd_conn_process(conn); /* held or pipelined commands may run now */
}

/* Run argv here, its reply into `into` (a part or a done slot). */
static void run_local_into(kvd_conn_t *conn, int argc, kvd_arg_t *argv, kvd_buf_t *into)
{
    kvd_client_t *c = &conn->client;
    kvd_buf_t *saved_reply = c->reply;
    int saved_argc = c->argc;
    kvd_arg_t *saved_argv = c->argv;
    c->reply = into;
    c->argc = argc;
    c->argv = argv;
    kvd_dispatch(c);
    c->reply = saved_reply;
    c->argc = saved_argc;
    c->argv = saved_argv;
}

/* Run c's command here: straight into the output, or into a done slot
 * behind open ones. */
static void run_local(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    if (conn->npending == 0) {
        kvd_dispatch(c);
        return;
    }
    kvd_pending_t *p = pending_new(conn, 1, KVD_MERGE_NONE);
    run_local_into(conn, c->argc, c->argv, &p->parts[0]);
    p->left = 0;
    finish(p);
    emit_done(conn);
}

static void ensure_masks(kvd_conn_t *conn)
{
    if (conn->contacted == NULL) {
        conn->contacted = kvd_calloc((size_t)kvd_route_nshards(), 1);
        conn->watching = kvd_calloc((size_t)kvd_route_nshards(), 1);
    }
}

/* Send argv to shard `to` as part `part` of p. */
static void send_part(kvd_conn_t *conn, kvd_pending_t *p, int part, int to, int argc,
                      const kvd_arg_t *argv, unsigned flags)
{
    ensure_masks(conn);
    conn->contacted[to] = 1;
    kvd_buf_t payload = KVD_BUF_INIT;
    kvd_route_encode(&payload, argc, argv);
    p->seqs[part] = kvd_router_send(to, (uint32_t)conn->client.db_index, conn->client.id, flags,
                                    &payload, p, part);
}

/* Fire-and-forget UNWATCH on every other shard holding this client's watches. */
static void unwatch_remote(kvd_conn_t *conn)
{
    if (conn->watching == NULL)
        return;
    kvd_arg_t word = {(char *)"unwatch", 7};
    for (int j = 0; j < kvd_route_nshards(); j++) {
        if (!conn->watching[j] || j == kvd_route_self())
            continue;
        kvd_buf_t payload = KVD_BUF_INIT;
        kvd_route_encode(&payload, 1, &word);
        kvd_router_send(j, (uint32_t)conn->client.db_index, conn->client.id, KVD_MSG_NOREPLY,
                        &payload, NULL, 0);
    }
    memset(conn->watching, 0, (size_t)kvd_route_nshards());
}

static void fanout(kvd_conn_t *conn, const kvd_route_t *rt)
{
    kvd_client_t *c = &conn->client;
    kvd_split_t *sp = kvd_route_split(c, rt);
    bool watch = c->cmd->parent == NULL && strcmp(c->cmd->name, "watch") == 0;
    kvd_pending_t *p = pending_new(conn, sp->nparts, rt->merge);
    p->order = sp->order;
    p->nkeys = sp->nkeys;
    int local = -1;
    for (int i = 0; i < sp->nparts; i++) {
        if (watch) {
            ensure_masks(conn);
            conn->watching[sp->shard[i]] = 1;
        }
        if (sp->shard[i] == kvd_route_self())
            local = i;
        else
            send_part(conn, p, i, sp->shard[i], sp->argc[i], sp->argv[i], 0);
    }
    /* Our own part last: its answer may complete the slot at once. */
    if (local >= 0) {
        kvd_buf_t tmp = KVD_BUF_INIT;
        run_local_into(conn, sp->argc[local], sp->argv[local], &tmp);
        kvd_conn_part_done(p, local, tmp.data, tmp.len);
        kvd_buf_free(&tmp);
    }
    sp->order = NULL; /* the slot took it */
    kvd_route_split_free(sp);
}

static void scan_route(kvd_conn_t *conn, const kvd_route_t *rt)
{
    kvd_client_t *c = &conn->client;
    int shard;
    char cur[24];
    kvd_arg_t *argv = kvd_calloc((size_t)c->argc, sizeof(*argv));
    bool ok = kvd_route_scan_argv(c, argv, cur, &shard);
    KVD_ASSERT(ok && shard == rt->shard);
    kvd_pending_t *p = pending_new(conn, 1, KVD_MERGE_NONE);
    p->scan_shard = shard;
    if (shard == kvd_route_self()) {
        kvd_buf_t tmp = KVD_BUF_INIT;
        run_local_into(conn, c->argc, argv, &tmp);
        kvd_conn_part_done(p, 0, tmp.data, tmp.len);
        kvd_buf_free(&tmp);
    } else {
        send_part(conn, p, 0, shard, c->argc, argv, 0);
    }
    kvd_free(argv);
}

static void remote(kvd_conn_t *conn, int shard)
{
    kvd_client_t *c = &conn->client;
    kvd_pending_t *p = pending_new(conn, 1, KVD_MERGE_NONE);
    if (c->cmd->flags & KVD_CMD_BLOCKING)
        conn->barrier = true;
    if (c->cmd->parent == NULL && strcmp(c->cmd->name, "watch") == 0) {
        ensure_masks(conn);
        conn->watching[shard] = 1;
    }
    send_part(conn, p, 0, shard, c->argc, c->argv, 0);
}

/* The one shard a queued transaction (and its watches) needs: -1 for
 * "none in particular", -2 when it spans shards. */
static int transaction_shard(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    int target = -1;
    int n = kvd_multi_queued(c);
    kvd_client_t probe = *c; /* plans only read argv, cmd and the shard */
    for (int i = 0; i < n && target != -2; i++) {
        probe.argv = (kvd_arg_t *)kvd_multi_queued_at(c, i, &probe.argc);
        probe.cmd = kvd_dispatch_peek(&probe);
        if (probe.cmd == NULL)
            continue; /* EXEC will not run it anyway (EXECABORT) */
        kvd_route_t rt;
        kvd_route_plan(&probe, &rt);
        int want = rt.kind == KVD_ROUTE_REMOTE ? rt.shard
                   : rt.kind == KVD_ROUTE_LOCAL ? -1
                                                : -2;
        if (rt.kind == KVD_ROUTE_LOCAL && kvd_command_find_keys(probe.cmd, probe.argc, probe.argv,
                                                                (int[1]){0}, 1) > 0)
            want = kvd_route_self();
        if (want == -2 || (want >= 0 && target >= 0 && want != target))
            target = -2;
        else if (want >= 0)
            target = want;
    }
    for (int j = 0; conn->watching != NULL && j < kvd_route_nshards() && target != -2; j++) {
        if (!conn->watching[j])
            continue;
        target = (target >= 0 && target != j) ? -2 : j;
    }
    return target;
}

/* EXEC while in MULTI. */
static void route_exec(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    int target = transaction_shard(conn);
    if (target < 0 && target != -2)
        target = kvd_route_self();
    if (target == kvd_route_self() || (c->flags & KVD_CLIENT_DIRTY_EXEC)) {
        run_local(conn);
        unwatch_remote(conn);
        return;
    }
    if (target == -2) {
        int n = kvd_multi_queued(c);
        const kvd_arg_t **argv = kvd_calloc((size_t)n + 1, sizeof(*argv));
        int *argc = kvd_calloc((size_t)n + 1, sizeof(*argc));
        for (int i = 0; i < n; i++)
            argv[i] = kvd_multi_queued_at(c, i, &argc[i]);
        kvd_pending_t *p = pending_new(conn, 1, KVD_MERGE_NONE);
        kvd_xshard_run(conn, p, n, argv, argc, true);
        kvd_free(argv);
        kvd_free(argc);
        return;
    }
    /* Ship MULTI, the queue and EXEC as one batch; the owner answers with
     * EXEC's reply only. */
    kvd_buf_t payload = KVD_BUF_INIT;
    kvd_arg_t multi = {(char *)"multi", 5}, exec = {(char *)"exec", 4};
    kvd_route_encode(&payload, 1, &multi);
    for (int i = 0, n = kvd_multi_queued(c); i < n; i++) {
        int argc;
        const kvd_arg_t *argv = kvd_multi_queued_at(c, i, &argc);
        kvd_route_encode(&payload, argc, argv);
    }
    kvd_route_encode(&payload, 1, &exec);
    kvd_multi_abandon(c);
    ensure_masks(conn);
    conn->contacted[target] = 1;
    kvd_pending_t *p = pending_new(conn, 1, KVD_MERGE_NONE);
    p->seqs[0] = kvd_router_send(target, (uint32_t)c->db_index, c->id, KVD_MSG_BATCH, &payload,
                                 p, 0);
    memset(conn->watching, 0, (size_t)kvd_route_nshards()); /* EXEC unwatches there */
}

/* A command that must see keys of several shards at once. */
static void cross(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    kvd_pending_t *p = pending_new(conn, 1, KVD_MERGE_NONE);
    const kvd_arg_t *argv = c->argv;
    kvd_xshard_run(conn, p, 1, &argv, &c->argc, false);
}

static bool is_named(const kvd_command_t *cmd, const char *name)
{
    return cmd != NULL && cmd->parent == NULL && strcmp(cmd->name, name) == 0;
}

/* Keep the parsed command for later: its argv points into the query
 * buffer, which moves. */
static bool hold(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    KVD_ASSERT(conn->held_argv == NULL);
    conn->held_argv = kvd_args_dup(c->argv, c->argc);
    conn->held_argc = c->argc;
    return false;
}

bool kvd_conn_route(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    kvd_command_t *cmd = kvd_dispatch_peek(c);
    if (conn->barrier || kvd_router_locked())
        return hold(conn); /* after earlier replies, or after the transaction holding us */
    c->cmd = cmd;
    if (cmd == NULL) { /* dispatch gives the error (and dooms a MULTI) */
        run_local(conn);
        return true;
    }
    if ((cmd->flags & KVD_CMD_BLOCKING) && conn->npending > 0)
        return hold(conn);
    if (c->flags & KVD_CLIENT_MULTI) {
        if (is_named(cmd, "exec"))
            route_exec(conn);
        else
            run_local(conn); /* queued, or DISCARD/MULTI/WATCH answered here */
        if (is_named(cmd, "discard"))
            unwatch_remote(conn);
        return true;
    }
    if (is_named(cmd, "unwatch")) {
        run_local(conn);
        unwatch_remote(conn);
        return true;
    }
    kvd_route_t rt;
    kvd_route_plan(c, &rt);
    kvd_shard_stats_t *st = &c->shard->stats;
    st->routed_local += rt.kind == KVD_ROUTE_LOCAL;
    st->routed_remote += rt.kind == KVD_ROUTE_REMOTE || rt.kind == KVD_ROUTE_SCAN;
    st->routed_cross += rt.kind == KVD_ROUTE_FANOUT || rt.kind == KVD_ROUTE_CROSS;
    switch (rt.kind) {
    case KVD_ROUTE_LOCAL: run_local(conn); break;
    case KVD_ROUTE_REMOTE: remote(conn, rt.shard); break;
    case KVD_ROUTE_FANOUT:
        /* Split under the shards' locks, so that no transaction sees half
         * an MSET or FLUSHALL (WATCH and INFO need none). */
        if (rt.locked)
            cross(conn);
        else
            fanout(conn, &rt);
        break;
    case KVD_ROUTE_SCAN: scan_route(conn, &rt); break;
    case KVD_ROUTE_CROSS: cross(conn); break;
    }
    return true;
}

bool kvd_conn_run_held(kvd_conn_t *conn)
{
    if (conn->held_argv == NULL)
        return true;
    if (conn->barrier || kvd_router_locked())
        return false;
    kvd_client_t *c = &conn->client;
    kvd_arg_t *argv = conn->held_argv;
    int argc = conn->held_argc;
    conn->held_argv = NULL;
    c->argc = argc;
    c->argv = argv;
    bool ran = kvd_conn_route(conn);
    c->argc = 0;
    c->argv = NULL;
    kvd_args_free(argv, argc);
    return ran;
}

void kvd_conn_route_release(kvd_conn_t *conn)
{
    for (kvd_pending_t *p = conn->pend_head, *next; p != NULL; p = next) {
        next = p->next;
        if (p->xtx != NULL)
            kvd_xshard_orphan(p->xtx);
        kvd_router_forget(p);
        pending_free(p);
    }
    conn->pend_head = conn->pend_tail = NULL;
    conn->npending = 0;
    if (conn->held_argv != NULL)
        kvd_args_free(conn->held_argv, conn->held_argc);
    conn->held_argv = NULL;
    if (conn->contacted != NULL)
        kvd_router_conn_closed(conn->client.id, conn->contacted);
    kvd_free(conn->contacted);
    kvd_free(conn->watching);
    conn->contacted = conn->watching = NULL;
}

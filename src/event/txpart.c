/*
 * txpart.c - the participant side of cross-shard transactions (xshard.h
 * has the protocol): this shard's lock, the undo images of what the
 * holder wrote, PREPARE / COMMIT / ABORT, and a transaction left in doubt
 * (its coordinator died after we prepared, or replay found our prepared
 * block at the end of the file): the shard stays held until the
 * coordinator says how it ended.
 */
#include "router_int.h"
#include "xshard.h"
#include "aof/aof.h"
#include "cmd/blocking.h"
#include "cmd/multi.h"
#include "core/log.h"
#include "proto/reply.h"

/* Keys one transaction may write here before an abort undoes it by
 * restarting the worker instead (replay then drops the block). */
#define UNDO_MAX_KEYS 100000
/* How soon a participant in doubt asks its coordinator (again). */
#define ASK_MS 20

typedef enum {
    TP_FREE,       /* no transaction holds the shard */
    TP_RUNNING,    /* the holder's steps run here */
    TP_PREPARED,   /* its block is closed and synced: only COMMIT or ABORT now */
    TP_DOUBT_LIVE, /* prepared, and the coordinator died: asking it */
    TP_DOUBT_FILE, /* replay left its prepared block unapplied: asking */
} tp_state_t;

/* A message that arrived while another transaction held this shard
 * (from >= 0), or our own coordinator's wait for the lock (from < 0). */
typedef struct deferred {
    struct deferred *next;
    int from;
    kvd_ring_hdr_t hdr;
    kvd_buf_t data;
    kvd_router_reply_fn *fn;
    void *arg;
} deferred_t;

/* A key as it was before the holder's first write to it. */
typedef struct undo_key {
    int db;
    kvd_buf_t name;
    kvd_buf_t before; /* its rebuild commands; empty: it did not exist */
} undo_key_t;

typedef struct txpart {
    kvd_shard_t *shard;
    tp_state_t state;
    int from; /* the holder's worker */
    uint64_t conn;
    char txid[KVD_TXID_MAX];
    deferred_t *dq_head, *dq_tail;
    uint64_t ndeferred;
    undo_key_t *undo;
    int nundo, undo_cap;
    bool undo_whole; /* a write undo cannot replay (FLUSHALL ...): restart instead */
    kvd_client_t undo_client;
    kvd_router_timer_t ask;
    uint64_t ask_gen; /* which doubt an answer is for */
    bool asking;
} txpart_t;

/* This worker's participant state (the simulator has one per shard). */
static txpart_t P0;
static txpart_t *P = &P0;

void *txpart_state_new(void)
{
    return kvd_calloc(1, sizeof(txpart_t));
}

void txpart_enter(void *state)
{
    P = state;
}

static void capture(kvd_client_t *c, const struct kvd_command *cmd);

/* ---- the lock ---- */

static void lock_take(int from, uint64_t conn_id, const char *txid, tp_state_t state)
{
    KVD_ASSERT(P->state == TP_FREE && strlen(txid) < KVD_TXID_MAX);
    P->state = state;
    P->from = from;
    P->conn = conn_id;
    snprintf(P->txid, sizeof(P->txid), "%s", txid);
    /* The holder's writes form one block in the AOF; blocked clients are
     * served, and keys actively expired, only once it is done. */
    P->shard->in_exec++;
    if (state == TP_RUNNING) {
        kvd_aof_tx_begin(P->shard, txid);
        P->shard->before_write = capture;
    }
}

static void undo_clear(void)
{
    for (int i = 0; i < P->nundo; i++) {
        kvd_buf_free(&P->undo[i].name);
        kvd_buf_free(&P->undo[i].before);
    }
    P->nundo = 0;
    P->undo_whole = false;
}

/* Run what waited for the lock, in arrival order, until one of them takes
 * the lock again (or nothing is left). */
static void replay_deferred(void)
{
    deferred_t *d;
    uint64_t bound = P->ndeferred; /* nothing joins the queue while it is unlocked */
    for (uint64_t guard = 0; P->state == TP_FREE && (d = P->dq_head) != NULL; guard++) {
        KVD_ASSERT(guard < bound);
        P->dq_head = d->next;
        if (P->dq_head == NULL)
            P->dq_tail = NULL;
        P->ndeferred--;
        if (d->from < 0) {
            lock_take(router_self(), d->hdr.conn_id, kvd_buf_cstr(&d->data), TP_RUNNING);
            d->fn(d->arg, router_self(), "+OK\r\n", 5);
        } else {
            router_run_message(d->from, &d->hdr, (const uint8_t *)d->data.data, d->data.len);
        }
        kvd_buf_free(&d->data);
        kvd_free(d);
    }
}

static void lock_release(void)
{
    KVD_ASSERT(P->state != TP_FREE && P->shard->in_exec > 0);
    P->state = TP_FREE;
    P->txid[0] = '\0';
    P->shard->before_write = NULL;
    undo_clear();
    kvd_router_timer_stop(&P->ask);
    P->ask_gen++;
    P->asking = false;
    P->shard->in_exec--;
    kvd_aof_exec_done(P->shard);
    kvd_blocking_serve(P->shard);
    replay_deferred();
    if (P->state == TP_FREE)
        kvd_conn_resume_paused(P->shard);
}

void txpart_defer(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len)
{
    deferred_t *d = kvd_calloc(1, sizeof(*d));
    d->from = from;
    d->hdr = *h;
    kvd_buf_init(&d->data);
    kvd_buf_append(&d->data, data, len);
    if (P->dq_tail != NULL)
        P->dq_tail->next = d;
    else
        P->dq_head = d;
    P->dq_tail = d;
    P->ndeferred++;
}

/* Forget what waits from worker `from`: everything (conn_id 0: it died),
 * or the LOCKs of connection conn_id (its transaction gave us up). */
static void drop_deferred(int from, uint64_t conn_id)
{
    deferred_t **link = &P->dq_head, *d;
    P->dq_tail = NULL;
    while ((d = *link) != NULL) {
        bool drop = d->from == from && (conn_id == 0 || (d->hdr.conn_id == conn_id &&
                                                         (d->hdr.kind & KVD_MSG_LOCK)));
        if (!drop) {
            P->dq_tail = d;
            link = &d->next;
            continue;
        }
        *link = d->next;
        P->ndeferred--;
        kvd_buf_free(&d->data);
        kvd_free(d);
    }
}

/* Commands and closes wait while another connection's transaction holds
 * the shard; replies and transaction control never do (coordinators must
 * hear their answers, and an answer may be what releases the shard). */
bool txpart_must_wait(int from, const kvd_ring_hdr_t *h)
{
    unsigned kind = h->kind & 0xff;
    if (kind == KVD_MSG_REPLY || kind == KVD_MSG_TXCTL || (h->kind & KVD_MSG_ABORT))
        return false;
    /* Only a running holder sends steps.  Once prepared (or in doubt)
     * its coordinator may have died, and the restarted worker numbers its
     * connections afresh: one of them may have the holder's conn_id. */
    bool holder = P->state == TP_RUNNING && from == P->from && h->conn_id == P->conn;
    if (holder)
        return false; /* the holder's own steps */
    return P->state != TP_FREE || P->dq_head != NULL; /* behind earlier waiters, in order */
}

bool txpart_holds(int from, uint64_t conn_id)
{
    return P->state == TP_RUNNING && P->from == from && P->conn == conn_id;
}

bool kvd_router_locked(void)
{
    return P->state != TP_FREE;
}

/* ---- undo ---- */

static void capture_key(int db, const char *p, size_t len)
{
    if (P->undo_whole || db < 0 || db >= P->shard->ndbs)
        return;
    for (int i = 0; i < P->nundo; i++)
        if (P->undo[i].db == db && P->undo[i].name.len == len &&
            memcmp(P->undo[i].name.data, p, len) == 0)
            return;
    if (P->nundo >= UNDO_MAX_KEYS) {
        P->undo_whole = true;
        return;
    }
    if (P->nundo == P->undo_cap) {
        P->undo_cap = P->undo_cap ? P->undo_cap * 2 : 16;
        P->undo = kvd_realloc(P->undo, (size_t)P->undo_cap * sizeof(*P->undo));
    }
    undo_key_t *u = &P->undo[P->nundo++];
    u->db = db;
    kvd_buf_init(&u->name);
    kvd_buf_init(&u->before);
    kvd_buf_append(&u->name, p, len);
    kvd_db_t *d = P->shard->dbs[db];
    kvd_entry_t *e = kvd_db_find(d, p, len);
    if (e != NULL)
        kvd_aof_key_commands(d, e, &u->before);
}

/* The database argument of MOVE (key db) and COPY (... DB n): the key
 * they write there. */
static void capture_other_db(const kvd_client_t *c, const char *top)
{
    int64_t db;
    if (strcmp(top, "move") == 0 && c->argc == 3 &&
        kvd_str2ll(c->argv[2].ptr, c->argv[2].len, &db))
        capture_key((int)db, c->argv[1].ptr, c->argv[1].len);
    for (int a = 3; strcmp(top, "copy") == 0 && a + 1 < c->argc; a++)
        if (kvd_arg_is(&c->argv[a], "db") && kvd_str2ll(c->argv[a + 1].ptr,
                                                       c->argv[a + 1].len, &db))
            capture_key((int)db, c->argv[2].ptr, c->argv[2].len);
}

/* shard->before_write while the holder runs: keep what each key it writes
 * was before its first write. */
static void capture(kvd_client_t *c, const struct kvd_command *cmd)
{
    if (P->undo_whole)
        return;
    const char *top = cmd->parent != NULL ? cmd->parent->name : cmd->name;
    int *idx = kvd_calloc((size_t)c->argc, sizeof(*idx));
    int n = kvd_command_find_keys(cmd, c->argc, c->argv, idx, c->argc);
    if (n == 0 && strcmp(top, "flushdb") != 0 && strcmp(top, "flushall") != 0 &&
        strcmp(top, "swapdb") != 0) {
        kvd_free(idx);
        return; /* writes no key (nothing to undo) */
    }
    if (n == 0)
        P->undo_whole = true;
    for (int k = 0; k < n; k++)
        capture_key(c->db_index, c->argv[idx[k]].ptr, c->argv[idx[k]].len);
    capture_other_db(c, top);
    kvd_free(idx);
}

/* Put every captured key back, logging nothing: the AOF drops the
 * transaction's block at its ABORT record. */
static void undo_restore(void)
{
    kvd_shard_t *s = P->shard;
    s->before_write = NULL;
    kvd_buf_t sink = KVD_BUF_INIT;
    kvd_client_init(&P->undo_client, s);
    P->undo_client.reply = &sink;
    P->undo_client.flags |= KVD_CLIENT_DENY_BLOCKING | KVD_CLIENT_INTERNAL;
    kvd_aof_suspend(s, true);
    for (int i = P->nundo - 1; i >= 0; i--) {
        undo_key_t *u = &P->undo[i];
        kvd_client_select(&P->undo_client, u->db);
        kvd_arg_t del[2] = {{(char *)"DEL", 3}, {u->name.data, u->name.len}};
        P->undo_client.argc = 2;
        P->undo_client.argv = del;
        kvd_dispatch(&P->undo_client);
        kvd_buf_clear(&sink);
        if (u->before.len > 0)
            kvd_run_commands(&P->undo_client, u->before.data, u->before.len);
    }
    P->undo_client.argc = 0;
    P->undo_client.argv = NULL;
    kvd_aof_suspend(s, false);
    kvd_client_release(&P->undo_client);
    kvd_buf_free(&sink);
}

/* ---- how a transaction ends here ---- */

static void commit_here(void)
{
    if (P->state == TP_DOUBT_FILE)
        kvd_aof_indoubt_resolve(P->shard, true);
    else
        kvd_aof_tx_commit(P->shard, NULL, 0);
    lock_release();
}

static void abort_here(void)
{
    if (P->state == TP_DOUBT_FILE) {
        kvd_aof_indoubt_resolve(P->shard, false);
        lock_release();
        return;
    }
    bool whole = P->undo_whole;
    if (!whole)
        undo_restore();
    kvd_aof_tx_abort(P->shard);
    if (whole) {
        /* Undo cannot rebuild it here (FLUSHALL, or too many keys): the
         * file without the block is the state to go back to. */
        kvd_log_warning("transaction %s aborted after a write undo cannot replay: restarting "
                        "this worker to reload its AOF", P->txid);
        kvd_aof_before_sleep(P->shard);
        exit(1);
    }
    lock_release();
}

static void start_asking(void)
{
    if (!P->ask.armed)
        kvd_router_timer_start(&P->ask, ASK_MS);
}

static void on_decision(void *arg, int part, const char *data, size_t len)
{
    KVD_UNUSED(part);
    if ((uint64_t)(uintptr_t)arg != P->ask_gen)
        return; /* that doubt was resolved meanwhile */
    P->asking = false;
    if (len >= 7 && memcmp(data, "+COMMIT", 7) == 0)
        commit_here();
    else if (len >= 6 && memcmp(data, "+ABORT", 6) == 0)
        abort_here();
    else
        start_asking(); /* the coordinator is restarting, or not sure yet */
}

static void ask_cb(kvd_router_timer_t *t)
{
    KVD_UNUSED(t);
    if (P->asking || (P->state != TP_DOUBT_LIVE && P->state != TP_DOUBT_FILE))
        return;
    P->asking = true;
    kvd_buf_t payload = KVD_BUF_INIT;
    kvd_route_encode_ctl(&payload, "QUERY", P->txid);
    kvd_router_request(P->from, 0, 0, KVD_MSG_TXCTL, &payload, on_decision,
                       (void *)(uintptr_t)P->ask_gen, P->from);
}

/* ---- messages from the holder ---- */

void txpart_handle_lock(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len)
{
    char txid[KVD_TXID_MAX];
    KVD_ASSERT(len > 0 && len < sizeof(txid));
    memcpy(txid, data, len);
    txid[len] = '\0';
    lock_take(from, h->conn_id, txid, TP_RUNNING);
    kvd_client_t *p = router_proxy_client(from, h->conn_id);
    bool dirty = p != NULL && (h->kind & KVD_MSG_EXEC) && kvd_multi_watch_dirty(p);
    kvd_buf_t reply = KVD_BUF_INIT;
    kvd_buf_append_str(&reply, dirty ? "+DIRTY\r\n" : "+OK\r\n");
    router_send_reply(from, h->seq, h->conn_id, &reply);
}

/* UNLOCK: the transaction ends with one writer at most, so this shard
 * commits on its own (one phase). */
void txpart_handle_unlock(int from, const kvd_ring_hdr_t *h)
{
    if (P->state != TP_RUNNING || P->from != from || P->conn != h->conn_id) {
        kvd_log_warning("router: UNLOCK from worker %d for a lock it does not hold", from);
        return;
    }
    kvd_buf_t reply = KVD_BUF_INIT;
    kvd_buf_append_str(&reply, "+OK\r\n");
    router_send_reply(from, h->seq, h->conn_id, &reply);
    commit_here();
}

/*
 * ABORT (the flag): a coordinator saw this shard restart while its LOCK
 * was on the way.  A LOCK sent in that window may have reached this
 * incarnation after the coordinator had already failed it; without this,
 * the lock would be held (or granted later) for a transaction that is
 * gone.  The ring keeps the ABORT behind that LOCK.
 */
void txpart_handle_abort(int from, const kvd_ring_hdr_t *h)
{
    if (P->state == TP_RUNNING && P->from == from && P->conn == h->conn_id) {
        kvd_log_notice("router: worker %d gave up its lock here (it saw this worker restart)",
                       from);
        abort_here();
        return;
    }
    drop_deferred(from, h->conn_id);
}

static const char *on_prepare(void)
{
    if (P->state != TP_RUNNING)
        return "-ERR no such transaction here\r\n";
    bool wrote = kvd_aof_tx_wrote(P->shard) || P->nundo > 0 || P->undo_whole;
    kvd_aof_tx_prepare(P->shard);
    P->state = TP_PREPARED;
    return wrote ? "+PREPARED\r\n" : "+READONLY\r\n";
}

/* TXCTL: PREPARE | COMMIT | ABORT <txid> from the holder (or, for COMMIT,
 * from its coordinator retrying after a restart), QUERY <txid> from a
 * participant in doubt about a transaction we coordinated. */
void txpart_handle_ctl(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len)
{
    kvd_buf_t copy = KVD_BUF_INIT;
    kvd_argv_t argv = KVD_ARGV_INIT;
    kvd_route_decode(&copy, (const char *)data, len, &argv);
    KVD_ASSERT(argv.argc == 2 && argv.v[1].len < KVD_TXID_MAX);
    const kvd_arg_t *verb = &argv.v[0];
    char txid[KVD_TXID_MAX];
    memcpy(txid, argv.v[1].ptr, argv.v[1].len);
    txid[argv.v[1].len] = '\0';
    bool ours = P->state != TP_FREE && strcmp(P->txid, txid) == 0;
    const char *answer = "+OK\r\n";
    if (kvd_arg_is(verb, "prepare"))
        answer = ours ? on_prepare() : "-ERR no such transaction here\r\n";
    else if (kvd_arg_is(verb, "commit") && ours)
        commit_here();
    else if (kvd_arg_is(verb, "abort") && ours)
        abort_here();
    else if (kvd_arg_is(verb, "abort"))
        drop_deferred(from, h->conn_id);
    else if (kvd_arg_is(verb, "query"))
        answer = kvd_xshard_decision(txid);
    kvd_argv_free(&argv);
    kvd_buf_free(&copy);
    if (h->kind & KVD_MSG_NOREPLY)
        return;
    kvd_buf_t reply = KVD_BUF_INIT;
    kvd_buf_append_str(&reply, answer);
    router_send_reply(from, h->seq, h->conn_id, &reply);
}

/* ---- our own coordinator ---- */

void kvd_router_lock_self(uint64_t conn_id, const char *txid, kvd_router_reply_fn *fn, void *arg)
{
    if (P->state == TP_FREE && P->dq_head == NULL) {
        lock_take(router_self(), conn_id, txid, TP_RUNNING);
        fn(arg, router_self(), "+OK\r\n", 5);
        return;
    }
    kvd_ring_hdr_t h = {.conn_id = conn_id};
    txpart_defer(-1, &h, (const uint8_t *)txid, strlen(txid));
    P->dq_tail->fn = fn;
    P->dq_tail->arg = arg;
}

void kvd_router_commit_self(uint64_t conn_id, const int *parts, int n)
{
    KVD_ASSERT(P->state == TP_RUNNING && P->from == router_self() && P->conn == conn_id);
    kvd_aof_tx_commit(P->shard, parts, n);
    lock_release();
}

void kvd_router_abort_self(uint64_t conn_id)
{
    KVD_ASSERT(P->state == TP_RUNNING && P->from == router_self() && P->conn == conn_id);
    abort_here();
}

/* ---- failures ---- */

void txpart_peer_reset(int peer)
{
    drop_deferred(peer, 0);
    if (P->state == TP_FREE || P->from != peer)
        return;
    if (P->state == TP_RUNNING) {
        kvd_log_warning("router: worker %d died holding this shard for transaction %s; "
                        "undoing what it wrote here", peer, P->txid);
        abort_here();
    } else if (P->state == TP_PREPARED) {
        kvd_log_warning("router: worker %d died after transaction %s prepared here; "
                        "holding the shard until it says how it ended", peer, P->txid);
        P->state = TP_DOUBT_LIVE;
        start_asking();
    }
    /* In doubt already: the question in flight fails and is asked again. */
}

void kvd_router_stop(void)
{
    if (P->state == TP_FREE)
        return;
    /* Stopping in the middle of a cross-shard transaction: an unprepared
     * block is dropped at replay; a prepared one is in doubt then. */
    kvd_log_warning("router: stopping while transaction %s holds this shard", P->txid);
    if (P->state == TP_RUNNING)
        kvd_aof_tx_abort(P->shard);
    P->state = TP_FREE;
    P->shard->before_write = NULL;
    P->shard->in_exec--;
    kvd_aof_exec_done(P->shard);
}

void txpart_init(kvd_shard_t *shard)
{
    P->shard = shard;
    P->ask.fn = ask_cb;
    const char *doubt = kvd_aof_indoubt(shard);
    if (doubt == NULL)
        return;
    int coord = kvd_txid_coord(doubt);
    if (!kvd_router_active() || coord < 0 || coord >= shard->nshards || coord == shard->id) {
        kvd_log_warning("transaction %s is in doubt and worker %d cannot be asked: dropped",
                        doubt, coord);
        kvd_aof_indoubt_resolve(shard, false);
        return;
    }
    lock_take(coord, 0, doubt, TP_DOUBT_FILE);
    start_asking();
}

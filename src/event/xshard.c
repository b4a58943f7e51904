/*
 * xshard.c - the coordinator of cross-shard commands and transactions
 * (see xshard.h for the protocol).
 */
#include "xshard.h"
#include "router.h"
#include "aof/aof.h"
#include "cmd/multi.h"
#include "cmd/shard.h"
#include "cmd/sort_pattern.h"
#include "core/log.h"
#include "proto/reply.h"

typedef enum {
    XS_LOCKING,    /* taking the participants' locks */
    XS_RUNNING,    /* running the commands */
    XS_PREPARING,  /* two-phase: waiting for the PREPAREs */
    XS_COMMITTING, /* two-phase, past the commit point: COMMIT sent once it is on disk */
    XS_ENDING,     /* UNLOCKs (one phase) or ABORTs sent */
    XS_DONE,
} xs_phase_t;

/* What the command being run waits for. */
typedef enum {
    STEP_NONE,  /* nothing: it is done, or none started */
    STEP_PARTS, /* its parts' answers (one shard, or a split) */
    STEP_PULL,  /* copies of its keys (a command that needs several shards) */
    STEP_PUSH,  /* the owners' acknowledgements of the keys it changed */
} step_t;

typedef struct xkey {
    int shard, db;
    int round;        /* the PULL that fetches it (SORT's patterns need a second) */
    kvd_buf_t name;   /* owned copy, for keys made from SORT patterns */
    kvd_arg_t key;
    kvd_buf_t before; /* its rebuild commands when pulled; empty: absent */
} xkey_t;

struct kvd_xtx {
    struct kvd_xtx *lprev, *lnext; /* the running ones (a peer may die under them) */
    kvd_conn_t *conn; /* NULL once the connection is gone */
    kvd_pending_t *p;
    uint64_t conn_id;
    bool is_exec;
    int ncmds, next;
    kvd_arg_t **argv;
    int *argc;
    int nshards;
    uint8_t *member; /* per shard: takes part */
    uint8_t *held;   /* per shard: locked for us */
    uint8_t *wrote;  /* per shard: a write command ran there */
    uint8_t *prepared; /* per shard: answered PREPARED (its block waits for COMMIT) */
    char txid[KVD_TXID_MAX];
    int lock_at;     /* participants below it have answered LOCK */
    xs_phase_t phase;
    int waiting;     /* answers outstanding */
    bool busy;       /* inside advance() */
    bool dirty;      /* a WATCHed key was touched: EXEC answers nil */
    kvd_buf_t fail;  /* an error that ends the transaction (-LOADING) */
    kvd_client_t lc; /* runs the steps that are this shard's */
    kvd_buf_t out;   /* replies so far */
    /* The command being run. */
    step_t step;
    kvd_split_t *split;
    kvd_buf_t *parts;
    int nparts;
    kvd_merge_t merge;
    int scan_shard;
    xkey_t *keys;
    int nkeys, keys_cap;
    int round;
    /* A blocking command over several shards that found nothing: it runs
     * again every POLL_MS until it serves or its timeout passes. */
    int64_t deadline_ms; /* 0: none yet; -1: no timeout */
    ev_timer poll;
};

#define POLL_MS 10

static kvd_xtx_t *running;

/* Transaction ids: "<shard>.<incarnation>.<sequence>" (aof.h). */
static uint64_t incarnation, next_txseq;

/* Resending COMMIT to participants that have not acknowledged it. */
#define RETRY_MS 100
static ev_timer retry_w;

/* The private shard cross-shard commands run in, and its client. */
static kvd_shard_t *scratch;
static kvd_client_t scratch_client;

static void advance(kvd_xtx_t *tx);

static kvd_shard_t *home(const kvd_xtx_t *tx)
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
    c->reply = &sink;
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
    kvd_argv_free(&argv);
    kvd_buf_free(&sink);
    kvd_buf_free(&copy);
}

/* Run argv on c, its reply appended to into. */
static void run_into(kvd_client_t *c, int argc, kvd_arg_t *argv, kvd_buf_t *into)
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

static void send_step(kvd_xtx_t *tx, int to, unsigned flags, kvd_buf_t *payload, int part,
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
        if (rt.kind == KVD_ROUTE_FANOUT && !rt.by_key)
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
    advance(tx);
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
        send_step(tx, s, KVD_MSG_LOCK | (tx->is_exec ? KVD_MSG_EXEC : 0), &id, s, on_lock);
    }
    return true;
}

/* An answer that only counts (UNLOCK, a push): its content does not matter. */
static void on_ack(void *arg, int part, const char *data, size_t len)
{
    KVD_UNUSED(part);
    KVD_UNUSED(data);
    KVD_UNUSED(len);
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->waiting > 0);
    tx->waiting--;
    advance(tx);
}

/* ---- ending it ---- */

static void send_ctl(kvd_xtx_t *tx, int to, const char *verb, kvd_router_reply_fn *fn)
{
    kvd_buf_t payload = KVD_BUF_INIT;
    kvd_arg_t argv[2] = {{(char *)verb, strlen(verb)}, {tx->txid, strlen(tx->txid)}};
    kvd_route_encode(&payload, 2, argv);
    send_step(tx, to, KVD_MSG_TXCTL, &payload, to, fn);
}

/* At most one shard wrote: each participant commits on its own. */
static void end_one_phase(kvd_xtx_t *tx)
{
    for (int s = 0; s < tx->nshards; s++) {
        if (!tx->held[s])
            continue;
        tx->held[s] = 0;
        if (s == kvd_route_self()) {
            kvd_router_commit_self(tx->conn_id, NULL, 0);
        } else {
            kvd_buf_t none = KVD_BUF_INIT;
            send_step(tx, s, KVD_MSG_UNLOCK, &none, s, on_ack);
        }
    }
}

/* Before the commit point: every participant puts its keys back. */
static void end_abort(kvd_xtx_t *tx)
{
    for (int s = 0; s < tx->nshards; s++) {
        if (!tx->held[s])
            continue;
        tx->held[s] = 0;
        if (s == kvd_route_self())
            kvd_router_abort_self(tx->conn_id);
        else
            send_ctl(tx, s, "ABORT", on_ack);
    }
}

static void on_prepare(void *arg, int part, const char *data, size_t len)
{
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->phase == XS_PREPARING && tx->waiting > 0);
    tx->waiting--;
    if (len >= 9 && memcmp(data, "+PREPARED", 9) == 0)
        tx->prepared[part] = 1;
    else if (!(len >= 9 && memcmp(data, "+READONLY", 9) == 0) && tx->fail.len == 0)
        kvd_buf_append(&tx->fail, data, len);
    advance(tx);
}

static void prepare_all(kvd_xtx_t *tx)
{
    tx->phase = XS_PREPARING;
    for (int s = 0; s < tx->nshards; s++)
        if (tx->held[s] && s != kvd_route_self())
            send_ctl(tx, s, "PREPARE", on_prepare);
}

/* A participant acknowledged its COMMIT (or died: the retry goes on). */
static void on_commit_ack(void *arg, int part, const char *data, size_t len)
{
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->waiting > 0);
    tx->waiting--;
    if (len > 0 && data[0] == '+')
        kvd_aof_tx_acked(home(tx), tx->txid, part);
    advance(tx);
}

/* After the AOF write of the decision: tell the participants, once it is
 * really on disk (a failed write is retried: they wait, held). */
static void send_commits(void *arg)
{
    kvd_xtx_t *tx = arg;
    kvd_txrec_t *t = kvd_aof_txset_find(home(tx), tx->txid);
    if (t != NULL && !t->durable) {
        kvd_router_after_aof_call(send_commits, tx);
        return;
    }
    KVD_ASSERT(tx->waiting > 0);
    tx->waiting--; /* the wait for the disk */
    for (int s = 0; s < tx->nshards; s++) {
        if (!tx->held[s] || s == kvd_route_self())
            continue;
        tx->held[s] = 0;
        send_ctl(tx, s, "COMMIT", tx->prepared[s] ? on_commit_ack : on_ack);
    }
    advance(tx);
}

/* Every participant prepared: the commit point. */
static void commit_two_phase(kvd_xtx_t *tx)
{
    tx->phase = XS_COMMITTING;
    int *parts = kvd_calloc((size_t)tx->nshards, sizeof(*parts));
    int n = 0;
    for (int s = 0; s < tx->nshards; s++)
        if (tx->prepared[s])
            parts[n++] = s;
    KVD_ASSERT(tx->held[kvd_route_self()]);
    tx->held[kvd_route_self()] = 0;
    kvd_router_commit_self(tx->conn_id, parts, n);
    kvd_free(parts);
    tx->waiting++; /* for the disk: send_commits */
    kvd_router_after_aof_call(send_commits, tx);
}

/* The commands have run (or the transaction failed): end it. */
static void end_transaction(kvd_xtx_t *tx)
{
    int writers = 0;
    for (int s = 0; s < tx->nshards; s++)
        writers += tx->wrote[s] ? 1 : 0;
    if (tx->fail.len > 0) {
        tx->phase = XS_ENDING;
        end_abort(tx);
    } else if (writers >= 2) {
        prepare_all(tx);
    } else {
        tx->phase = XS_ENDING;
        end_one_phase(tx);
    }
}

/* ---- one command ---- */

static void on_part(void *arg, int part, const char *data, size_t len)
{
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->step == STEP_PARTS && part < tx->nparts && tx->waiting > 0);
    kvd_buf_append(&tx->parts[part], data, len);
    tx->waiting--;
    advance(tx);
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
        run_into(&tx->lc, argc, argv, &tx->parts[part]);
        return;
    }
    kvd_buf_t payload = KVD_BUF_INIT;
    kvd_route_encode(&payload, argc, argv);
    send_step(tx, to, KVD_MSG_TXSTEP, &payload, part, on_part);
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

/* ---- a command that needs keys of several shards ---- */

/* The database key argv[i] of the running command lives in: COPY's
 * destination may name another one. */
static int key_db(const kvd_client_t *c, int i)
{
    if (i == 2 && c->cmd->parent == NULL && strcmp(c->cmd->name, "copy") == 0) {
        for (int a = 3; a + 1 < c->argc; a++) {
            int64_t db;
            if (kvd_arg_is(&c->argv[a], "db") && kvd_str2ll(c->argv[a + 1].ptr,
                                                            c->argv[a + 1].len, &db) &&
                db >= 0 && db < c->shard->ndbs)
                return (int)db;
        }
    }
    return c->db_index;
}

static void collect_keys(kvd_xtx_t *tx)
{
    kvd_client_t *c = &tx->lc;
    int *idx = kvd_calloc((size_t)c->argc, sizeof(*idx));
    int n = kvd_command_find_keys(c->cmd, c->argc, c->argv, idx, c->argc);
    tx->keys_cap = n > 0 ? n : 1;
    tx->keys = kvd_calloc((size_t)tx->keys_cap, sizeof(*tx->keys));
    tx->nkeys = 0;
    for (int k = 0; k < n; k++) {
        const kvd_arg_t *a = &c->argv[idx[k]];
        int db = key_db(c, idx[k]);
        bool seen = false;
        for (int j = 0; j < tx->nkeys && !seen; j++)
            seen = tx->keys[j].db == db && tx->keys[j].key.len == a->len &&
                   memcmp(tx->keys[j].key.ptr, a->ptr, a->len) == 0;
        if (seen)
            continue;
        xkey_t *x = &tx->keys[tx->nkeys++];
        x->key = *a;
        x->db = db;
        x->shard = kvd_route_shard_of(a->ptr, a->len);
        kvd_buf_init(&x->before);
    }
    kvd_free(idx);
}

static void serialize_key(kvd_shard_t *s, const xkey_t *x, kvd_buf_t *out)
{
    kvd_db_t *db = s->dbs[x->db];
    kvd_entry_t *e = kvd_db_find(db, x->key.ptr, x->key.len);
    if (e != NULL)
        kvd_aof_key_commands(db, e, out);
}

static void on_pull(void *arg, int shard, const char *data, size_t len)
{
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->step == STEP_PULL && tx->waiting > 0);
    tx->waiting--;
    if (len == 0 || data[0] != '*') {
        if (tx->fail.len == 0)
            kvd_buf_append(&tx->fail, data, len);
        advance(tx);
        return;
    }
    kvd_buf_t copy = KVD_BUF_INIT;
    kvd_buf_append(&copy, data, len);
        kvd_resp_parser_t parser;
    kvd_resp_parser_init(&parser);
    kvd_argv_t got = KVD_ARGV_INIT;
    kvd_resp_status_t st =
        kvd_resp_parse(&parser, copy.data, copy.len, &got, &kvd_route_peer_limits);
    KVD_ASSERT(st == KVD_RESP_OK);
    int i = 0;
    for (int k = 0; k < tx->nkeys; k++) {
        if (tx->keys[k].shard != shard || tx->keys[k].round != tx->round)
            continue;
        KVD_ASSERT(i < got.argc);
        kvd_buf_append(&tx->keys[k].before, got.v[i].ptr, got.v[i].len);
        i++;
    }
    kvd_argv_free(&got);
    kvd_buf_free(&copy);
    advance(tx);
}

/* PULL the keys of this round from their owners (ours are copied here). */
static void pull_round(kvd_xtx_t *tx)
{
    tx->step = STEP_PULL;
    for (int s = 0; s < tx->nshards; s++) {
        kvd_buf_t payload = KVD_BUF_INIT;
        int words = 0;
        for (int k = 0; k < tx->nkeys; k++)
            words += tx->keys[k].shard == s && tx->keys[k].round == tx->round ? 2 : 0;
        if (words == 0)
            continue;
        if (s == kvd_route_self()) {
            for (int k = 0; k < tx->nkeys; k++)
                if (tx->keys[k].shard == s && tx->keys[k].round == tx->round)
                    serialize_key(home(tx), &tx->keys[k], &tx->keys[k].before);
            continue;
        }
        kvd_reply_array(&payload, words);
        for (int k = 0; k < tx->nkeys; k++) {
            if (tx->keys[k].shard != s || tx->keys[k].round != tx->round)
                continue;
            char num[16];
            int len = snprintf(num, sizeof(num), "%d", tx->keys[k].db);
            kvd_reply_bulk(&payload, num, (size_t)len);
            kvd_reply_bulk(&payload, tx->keys[k].key.ptr, tx->keys[k].key.len);
        }
        send_step(tx, s, KVD_MSG_PULL, &payload, s, on_pull);
    }
}

static void start_cross(kvd_xtx_t *tx)
{
    collect_keys(tx);
    tx->round = 0;
    pull_round(tx);
}

/* The elements of a pulled list, set or sorted set: the items of its
 * rebuild commands (RPUSH/SADD k items, ZADD k score member ...). */
static int stream_elements(const kvd_buf_t *stream, kvd_buf_t *copy, kvd_arg_t **out, int *cap)
{
    kvd_buf_append(copy, stream->data, stream->len);
        int n = 0;
    size_t off = 0;
    for (size_t guard = 0; off < copy->len && guard < copy->len; guard++) {
        kvd_resp_parser_t parser;
        kvd_resp_parser_init(&parser);
        kvd_argv_t argv = KVD_ARGV_INIT, *a = &argv;
        kvd_resp_status_t st = kvd_resp_parse(&parser, copy->data + off, copy->len - off, a,
                                              &kvd_route_peer_limits);
        KVD_ASSERT(st == KVD_RESP_OK);
        off += parser.consumed;
        bool zadd = a->argc > 0 && kvd_arg_is(&a->v[0], "zadd");
        if (a->argc < 3 || !(zadd || kvd_arg_is(&a->v[0], "rpush") || kvd_arg_is(&a->v[0], "sadd")))
            continue;
        for (int i = zadd ? 3 : 2; i < a->argc; i += zadd ? 2 : 1) {
            if (n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *out = kvd_realloc(*out, (size_t)*cap * sizeof(**out));
            }
            (*out)[n++] = a->v[i]; /* points into copy (parsed in place) */
        }
        kvd_argv_free(&argv);
    }
    return n;
}

static void add_key(kvd_xtx_t *tx, const char *p, size_t len, int db)
{
    for (int j = 0; j < tx->nkeys; j++)
        if (tx->keys[j].db == db && tx->keys[j].key.len == len &&
            memcmp(tx->keys[j].key.ptr, p, len) == 0)
            return;
    if (tx->nkeys == tx->keys_cap) {
        tx->keys_cap = tx->keys_cap ? tx->keys_cap * 2 : 16;
        tx->keys = kvd_realloc(tx->keys, (size_t)tx->keys_cap * sizeof(*tx->keys));
    }
    xkey_t *x = &tx->keys[tx->nkeys++];
    memset(x, 0, sizeof(*x));
    kvd_buf_append(&x->name, p, len);
    kvd_buf_append_char(&x->name, '\0');
    x->key.ptr = x->name.data;
    x->key.len = len;
    x->db = db;
    x->round = tx->round;
    x->shard = kvd_route_shard_of(p, len);
}

/* SORT with BY/GET patterns: pull the keys its elements name.  False
 * when there is nothing more to pull. */
static bool pull_sort_patterns(kvd_xtx_t *tx)
{
    const kvd_arg_t *pats[64];
    int npats = kvd_route_sort_patterns(&tx->lc, pats, 64);
    if (npats == 0 || tx->round > 0 || tx->nkeys == 0)
        return false;
    const xkey_t *src = &tx->keys[0];
    KVD_ASSERT(src->key.ptr == tx->lc.argv[1].ptr);
    kvd_buf_t copy = KVD_BUF_INIT, name = KVD_BUF_INIT;
    kvd_arg_t *elems = NULL;
    int cap = 0;
    int nelems = stream_elements(&src->before, &copy, &elems, &cap);
    tx->round = 1;
    for (int p = 0; p < npats; p++) {
        kvd_sort_pattern_t pat;
        kvd_sort_pattern_parse(&pat, pats[p]->ptr, pats[p]->len);
        for (int e = 0; e < nelems && pat.has_star && !pat.self; e++) {
            kvd_buf_clear(&name);
            kvd_buf_append(&name, pat.p, pat.prefix_len);
            kvd_buf_append(&name, elems[e].ptr, elems[e].len);
            kvd_buf_append(&name, pat.p + pat.suffix_off, pat.suffix_len);
            add_key(tx, name.data, name.len, tx->lc.db_index);
        }
    }
    kvd_free(elems);
    kvd_buf_free(&copy);
    kvd_buf_free(&name);
    pull_round(tx);
    return true;
}

static void encode_words(kvd_buf_t *out, const char *w1, const char *p, size_t n)
{
    kvd_arg_t argv[2] = {{(char *)w1, strlen(w1)}, {(char *)p, n}};
    kvd_route_encode(out, 2, argv);
}

/* The commands that make the owner's copy of x what the scratch shard
 * now holds; false when nothing changed. */
static bool key_push(const xkey_t *x, kvd_buf_t *out)
{
    kvd_buf_t after = KVD_BUF_INIT;
    serialize_key(scratch, x, &after);
    bool same = after.len == x->before.len &&
                (after.len == 0 || memcmp(after.data, x->before.data, after.len) == 0);
    if (!same) {
        char num[16];
        int n = snprintf(num, sizeof(num), "%d", x->db);
        encode_words(out, "SELECT", num, (size_t)n);
        if (x->before.len > 0)
            encode_words(out, "DEL", x->key.ptr, x->key.len);
        kvd_buf_append(out, after.data, after.len);
    }
    kvd_buf_free(&after);
    return !same;
}

static void scratch_prepare(kvd_xtx_t *tx)
{
    if (scratch == NULL) {
        kvd_shard_t *h = home(tx);
        scratch = kvd_shard_create(h->id, h->nshards, h->env, h->cfg);
        kvd_client_init(&scratch_client, scratch);
    }
    scratch_client.flags = KVD_CLIENT_DENY_BLOCKING;
    for (int k = 0; k < tx->nkeys; k++) {
        if (tx->keys[k].before.len == 0)
            continue;
        kvd_client_select(&scratch_client, tx->keys[k].db);
        kvd_run_commands(&scratch_client, tx->keys[k].before.data, tx->keys[k].before.len);
    }
}

/* The pulled copies are in: run the command on them, push what changed. */
static void run_cross(kvd_xtx_t *tx)
{
    scratch_prepare(tx);
    kvd_client_select(&scratch_client, tx->lc.db_index);
    run_into(&scratch_client, tx->lc.argc, tx->lc.argv, &tx->out);
    tx->step = STEP_PUSH;
    for (int s = 0; s < tx->nshards; s++) {
        kvd_buf_t push = KVD_BUF_INIT;
        for (int k = 0; k < tx->nkeys; k++)
            if (tx->keys[k].shard == s)
                key_push(&tx->keys[k], &push);
        if (push.len == 0)
            continue;
        tx->wrote[s] = 1;
        if (s == kvd_route_self()) {
            int db = tx->lc.db_index;
            kvd_run_commands(&tx->lc, push.data, push.len);
            kvd_client_select(&tx->lc, db);
            kvd_buf_free(&push);
        } else {
            send_step(tx, s, KVD_MSG_TXSTEP | KVD_MSG_BATCH, &push, s, on_ack);
        }
    }
    for (int i = 0; i < scratch->ndbs; i++)
        kvd_db_flush(scratch->dbs[i]);
}

static void finish_cross(kvd_xtx_t *tx)
{
    for (int k = 0; k < tx->nkeys; k++) {
        kvd_buf_free(&tx->keys[k].before);
        kvd_buf_free(&tx->keys[k].name);
    }
    kvd_free(tx->keys);
    tx->keys = NULL;
    tx->nkeys = tx->keys_cap = 0;
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
        run_into(c, tx->argc[i], tx->argv[i], &tx->out);
        break;
    case KVD_ROUTE_REMOTE:
        parts_new(tx, 1, KVD_MERGE_NONE);
        run_part(tx, 0, rt.shard, c->argc, c->argv);
        break;
    case KVD_ROUTE_FANOUT: start_split(tx, &rt); break;
    case KVD_ROUTE_SCAN: start_scan(tx); break;
    case KVD_ROUTE_CROSS: start_cross(tx); break;
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
            finish_cross(tx);
            break;
        }
        if (pull_sort_patterns(tx))
            return; /* a second round of copies */
        run_cross(tx);
        return; /* now waiting for the pushes */
    case STEP_PUSH: finish_cross(tx); break;
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
    if (incarnation == 0)
        incarnation = home(tx)->env->now_us(home(tx)->env) | 1;
    snprintf(tx->txid, sizeof(tx->txid), "%d.%llx.%llu", kvd_route_self(),
             (unsigned long long)incarnation, (unsigned long long)++next_txseq);
}

static void poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    KVD_UNUSED(loop);
    KVD_UNUSED(revents);
    kvd_xtx_t *tx = w->data;
    attempt_init(tx);
    advance(tx);
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
    kvd_shard_t *s = home(tx);
    int64_t now = (int64_t)kvd_env_now_ms(s->env);
    if (tx->deadline_ms == 0) {
        double t = block_timeout(tx);
        tx->deadline_ms = t > 0 ? now + (int64_t)(t * 1000) : -1;
        s->cross_blocked++;
        ev_timer_init(&tx->poll, poll_cb, POLL_MS / 1000.0, 0);
        tx->poll.data = tx;
    }
    if (tx->deadline_ms > 0 && now >= tx->deadline_ms)
        return false;
    ev_timer_set(&tx->poll, POLL_MS / 1000.0, 0);
    ev_timer_start(kvd_router_loop(), &tx->poll);
    return true;
}

/* ---- the whole ---- */

static void complete(kvd_xtx_t *tx)
{
    if (keep_blocking(tx))
        return;
    if (tx->deadline_ms != 0) {
        home(tx)->cross_blocked--;
        ev_timer_stop(kvd_router_loop(), &tx->poll);
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
        running = tx->lnext;
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
static void advance(kvd_xtx_t *tx)
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
                end_transaction(tx);
        } else if (tx->phase == XS_PREPARING) {
            if (tx->fail.len > 0) {
                tx->phase = XS_ENDING;
                end_abort(tx);
            } else {
                commit_two_phase(tx);
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
    tx->lnext = running;
    if (running != NULL)
        running->lprev = tx;
    running = tx;
    advance(tx);
}

void kvd_xshard_peer_reset(int peer)
{
    static const char loading[] = "-LOADING Redis is loading the dataset in memory\r\n";
    for (kvd_xtx_t *tx = running; tx != NULL; tx = tx->lnext) {
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
    for (kvd_xtx_t *tx = running; tx != NULL; tx = tx->lnext) {
        if (strcmp(tx->txid, txid) != 0 || tx->phase >= XS_COMMITTING)
            continue;
        /* A participant is asking: it restarted after preparing.  This
         * transaction must not commit now. */
        if (tx->fail.len == 0)
            kvd_buf_append(&tx->fail, aborted, sizeof(aborted) - 1);
    }
    return "+ABORT\r\n";
}

/* ---- the committed set: COMMIT until every participant acknowledges ---- */

typedef struct retry {
    char txid[KVD_TXID_MAX];
} retry_t;

static void on_retry_ack(void *arg, int part, const char *data, size_t len)
{
    retry_t *r = arg;
    kvd_txrec_t *t = kvd_aof_txset_find(kvd_current_shard, r->txid);
    if (t != NULL) {
        t->asking = false;
        if (len > 0 && data[0] == '+')
            kvd_aof_tx_acked(kvd_current_shard, r->txid, part);
    }
    kvd_free(r);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    KVD_UNUSED(loop);
    KVD_UNUSED(w);
    KVD_UNUSED(revents);
    kvd_shard_t *s = kvd_current_shard;
    uint64_t now = kvd_env_now_ms(s->env);
    for (size_t i = 0; i < kvd_aof_txset_count(s); i++) {
        kvd_txrec_t *t = kvd_aof_txset_at(s, i);
        if (!t->durable || t->asking || now < t->retry_ms) {
            if (t->retry_ms == 0)
                t->retry_ms = now + RETRY_MS; /* the transaction's own COMMITs go first */
            continue;
        }
        t->asking = true;
        t->retry_ms = now + RETRY_MS;
        for (int k = 0; k < t->nparts; k++) {
            retry_t *r = kvd_calloc(1, sizeof(*r));
            snprintf(r->txid, sizeof(r->txid), "%s", t->id);
            kvd_buf_t payload = KVD_BUF_INIT;
            kvd_arg_t argv[2] = {{(char *)"COMMIT", 6}, {t->id, strlen(t->id)}};
            kvd_route_encode(&payload, 2, argv);
            kvd_router_request(t->parts[k], 0, 0, KVD_MSG_TXCTL, &payload, on_retry_ack, r,
                               t->parts[k]);
        }
    }
}

void kvd_xshard_init(void)
{
    ev_timer_init(&retry_w, retry_cb, RETRY_MS / 1000.0, RETRY_MS / 1000.0);
    ev_timer_start(kvd_router_loop(), &retry_w);
}

void kvd_xshard_orphan(kvd_xtx_t *tx)
{
    tx->conn = NULL;
    tx->p = NULL;
    if (tx->deadline_ms != 0 && tx->phase == XS_DONE && !tx->busy &&
        ev_is_active(&tx->poll)) {
        /* Waiting between two tries: nothing is held, finish now. */
        ev_timer_stop(kvd_router_loop(), &tx->poll);
        complete(tx);
    }
}

/*
 * xshard_end.c - how the coordinator ends a cross-shard transaction
 * (xshard.h): one phase, two-phase commit or abort; and the committed
 * set's COMMITs resent until every participant has acknowledged them.
 */
#include "xshard_int.h"
#include "cmd/shard.h"

/* Resending COMMIT to participants that have not acknowledged it. */
#define RETRY_MS 100

static void send_ctl(kvd_xtx_t *tx, int to, const char *verb, kvd_router_reply_fn *fn)
{
    kvd_buf_t payload = KVD_BUF_INIT;
    kvd_route_encode_ctl(&payload, verb, tx->txid);
    xs_send_step(tx, to, KVD_MSG_TXCTL, &payload, to, fn);
}

/* A one-phase participant's answer: an error (its AOF could not sync
 * its part) leaves the outcome unknown, and the client must hear it. */
static void on_release(void *arg, int part, const char *data, size_t len)
{
    kvd_xtx_t *tx = arg;
    if (len > 0 && data[0] == '-' && tx->fail.len == 0)
        kvd_buf_append(&tx->fail, data, len);
    xs_on_ack(arg, part, data, len);
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
            xs_send_step(tx, s, KVD_MSG_UNLOCK, &none, s, on_release);
        }
    }
}

/* Before the commit point: every participant puts its keys back. */
void xs_end_abort(kvd_xtx_t *tx)
{
    for (int s = 0; s < tx->nshards; s++) {
        if (!tx->held[s])
            continue;
        tx->held[s] = 0;
        if (s == kvd_route_self())
            kvd_router_abort_self(tx->conn_id);
        else
            send_ctl(tx, s, "ABORT", xs_on_ack);
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
    xs_advance(tx);
}

static void prepare_all(kvd_xtx_t *tx)
{
    tx->phase = XS_PREPARING;
    for (int s = 0; s < tx->nshards; s++)
        if (tx->held[s] && s != kvd_route_self())
            send_ctl(tx, s, "PREPARE", on_prepare);
}

static void send_commit(int to, const char *txid, kvd_router_reply_fn *fn, void *arg);
static void on_commit_ack(void *arg, int part, const char *data, size_t len);

/* After the AOF write of the decision: tell the participants, once it is
 * really on disk (a failed write is retried: they wait, held).  The
 * client's reply need not wait for their answers: the transaction is
 * committed, and what the client sends next reaches each participant
 * behind its COMMIT.  Their acknowledgements go to the committed set. */
static void send_commits(void *arg)
{
    kvd_xtx_t *tx = arg;
    kvd_txrec_t *t = kvd_aof_txset_find(xs_home(tx), tx->txid);
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
        if (tx->prepared[s])
            send_commit(s, tx->txid, on_commit_ack, kvd_strdup(tx->txid));
        else
            send_ctl(tx, s, "COMMIT", xs_on_ack); /* read only: a release */
    }
    xs_advance(tx);
}

/* Every participant prepared: the commit point. */
void xs_commit_two_phase(kvd_xtx_t *tx)
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
void xs_end_transaction(kvd_xtx_t *tx)
{
    int writers = 0;
    for (int s = 0; s < tx->nshards; s++)
        writers += tx->wrote[s] ? 1 : 0;
    if (tx->fail.len > 0) {
        tx->phase = XS_ENDING;
        xs_end_abort(tx);
    } else if (writers >= 2) {
        prepare_all(tx);
    } else {
        tx->phase = XS_ENDING;
        end_one_phase(tx);
    }
}


/* ---- the committed set: COMMIT until every participant acknowledges ---- */

static void send_commit(int to, const char *txid, kvd_router_reply_fn *fn, void *arg)
{
    kvd_buf_t payload = KVD_BUF_INIT;
    kvd_route_encode_ctl(&payload, "COMMIT", txid);
    kvd_router_request(to, 0, 0, KVD_MSG_TXCTL, &payload, fn, arg, to);
}

/* A participant acknowledged its COMMIT (arg: the txid, ours to free);
 * an error means it died first: the retry goes on. */
static void on_commit_ack(void *arg, int part, const char *data, size_t len)
{
    char *txid = arg;
    kvd_txrec_t *t = kvd_aof_txset_find(kvd_current_shard, txid);
    if (t != NULL) {
        t->asking = false;
        if (len > 0 && data[0] == '+')
            kvd_aof_tx_acked(kvd_current_shard, txid, part);
    }
    kvd_free(txid);
}

static void retry_cb(kvd_router_timer_t *w)
{
    kvd_router_timer_start(w, RETRY_MS); /* every RETRY_MS, for the worker's life */
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
        for (int k = 0; k < t->nparts; k++)
            send_commit(t->parts[k], t->id, on_commit_ack, kvd_strdup(t->id));
    }
}

void kvd_xshard_init(void)
{
    XS->retry.fn = retry_cb;
    kvd_router_timer_start(&XS->retry, RETRY_MS);
}


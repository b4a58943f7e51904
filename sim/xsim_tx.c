/*
 * xsim_tx.c - the driver of kvd-sim-xshard: the coordinator's and the
 * participants' steps of a cross-shard transaction, in the order of
 * xshard.h, each a separate action the seed interleaves with the others
 * and with crashes (see xsim.h).
 */
#include "xsim.h"

#define TRACE(x, ...) xs_trace((x), __VA_ARGS__)
#define STEP(x) ((unsigned long long)(x)->step)

static xs_txlog_t *log_of(xsim_t *x, const xs_tx_t *t)
{
    return &x->log[t->log];
}

static bool holds(const xsim_t *x, int i, const char *id)
{
    const xs_shard_t *sh = &x->shards[i];
    return sh->hold != HOLD_FREE && strcmp(sh->hold_tx, id) == 0;
}

static bool is_writer(const xs_txlog_t *l, int i)
{
    for (int j = 0; j < l->nwriters; j++)
        if (l->writer[j] == i)
            return true;
    return false;
}

/* ---- starting: lock, choose writers and amounts ---- */

static int pick_shards(xsim_t *x, int *held)
{
    int nfree = 0;
    for (int i = 0; i < x->n; i++)
        if (x->shards[i].hold == HOLD_FREE)
            held[nfree++] = i;
    if (nfree == 0)
        return 0;
    /* Mostly several shards: two-phase commit is what crashes test. */
    int k = nfree >= 2 && !sim_rng_one_in(&x->rng, 4)
                ? 2 + (int)sim_rng_below(&x->rng, (uint64_t)nfree - 1)
                : 1 + (int)sim_rng_below(&x->rng, (uint64_t)nfree);
    for (int j = 0; j < k; j++) { /* a partial shuffle: the first k are the set */
        int r = j + (int)sim_rng_below(&x->rng, (uint64_t)(nfree - j));
        int tmp = held[j];
        held[j] = held[r];
        held[r] = tmp;
    }
    return k;
}

/* One writer moves an amount between two of its accounts (one phase), or
 * several writers each change one account, the amounts summing to 0. */
static void choose_writes(xsim_t *x, xs_txlog_t *l, const int *held, int k)
{
    sim_rng_t *r = &x->rng;
    bool two = k >= 2 && !sim_rng_one_in(r, 4);
    for (int j = 0; j < k && two; j++)
        if (sim_rng_one_in(r, 2) || (k - j) <= 2 - l->nwriters)
            l->writer[l->nwriters++] = held[j];
    if (!two || l->nwriters < 2) {
        l->nwriters = 1;
        l->writer[0] = held[sim_rng_below(r, (uint64_t)k)];
        int a = (int)sim_rng_below(r, XS_ACCOUNTS);
        int64_t d = 1 + (int64_t)sim_rng_below(r, 100);
        l->nops[0] = 2;
        l->ops[0][0] = (xs_op_t){a, d};
        l->ops[0][1] = (xs_op_t){(a + 1) % XS_ACCOUNTS, -d};
        return;
    }
    l->two_phase = true;
    int64_t sum = 0;
    for (int j = 0; j < l->nwriters; j++) {
        int64_t d = j + 1 < l->nwriters ? (int64_t)sim_rng_below(r, 201) - 100 : -sum;
        sum += d;
        l->nops[j] = 1;
        l->ops[j][0] = (xs_op_t){(int)sim_rng_below(r, XS_ACCOUNTS), d};
    }
}

void xs_start_tx(xsim_t *x)
{
    xs_tx_t *t = NULL;
    for (int i = 0; i < XS_MAX_ACTIVE && t == NULL; i++)
        if (!x->tx[i].active)
            t = &x->tx[i];
    int held[XS_MAX_SHARDS];
    int k = t != NULL && x->nlog < XS_MAX_LOG ? pick_shards(x, held) : 0;
    if (k == 0)
        return;
    memset(t, 0, sizeof(*t));
    t->active = true;
    t->log = x->nlog++;
    t->nheld = k;
    memcpy(t->held, held, sizeof(held));
    xs_txlog_t *l = log_of(x, t);
    memset(l, 0, sizeof(*l));
    l->coord = held[0];
    /* "<shard>.<incarnation>.<sequence>", as xshard.c names them */
    snprintf(l->id, sizeof(l->id), "%d.%llx.%llu", l->coord,
             (unsigned long long)x->shards[l->coord].incarnation + 1,
             (unsigned long long)++x->next_seq);
    choose_writes(x, l, held, k);
    for (int j = 0; j < k; j++)
        xs_lock(x, held[j], l->id, HOLD_RUNNING);
    x->st.started++;
    TRACE(x, "#%llu %s begins: coordinator s%d, %d shards, %d writers", STEP(x), l->id, l->coord,
          k, l->nwriters);
}

/* ---- the coordinator's steps ---- */

static void run_writes(xsim_t *x, xs_tx_t *t, int j)
{
    xs_txlog_t *l = log_of(x, t);
    int w = l->writer[j];
    bool ok = xs_command(x, w, "SET tx:%s 1", l->id);
    for (int k = 0; k < l->nops[j] && ok; k++)
        ok = xs_command(x, w, "INCRBY acct:%d:%d %lld", w, l->ops[j][k].acct,
                        (long long)l->ops[j][k].delta);
    t->wrote[w] = true;
    if (!ok)
        t->failed = true; /* MISCONF: the disk failed; abort rather than commit half */
    xs_flush(x, w);
    TRACE(x, "#%llu %s writes on s%d%s", STEP(x), l->id, w, ok ? "" : ": refused");
}

/* ABORT: every shard still held lets go; one that wrote goes back to its
 * file (txpart.c with an undo that cannot replay). */
static void abort_tx(xsim_t *x, xs_tx_t *t)
{
    xs_txlog_t *l = log_of(x, t);
    int reload[XS_MAX_SHARDS], nreload = 0;
    t->active = false;
    for (int j = 0; j < t->nheld; j++) {
        int i = t->held[j];
        /* A participant that restarted in doubt asks instead (it is a new
         * incarnation: the coordinator's ABORT went to the old one). */
        if (!holds(x, i, l->id) || x->shards[i].hold == HOLD_DOUBT_FILE)
            continue;
        KVD_ASSERT(x->shards[i].hold == HOLD_RUNNING || x->shards[i].hold == HOLD_PREPARED);
        kvd_aof_tx_abort(xs_on(x, i));
        xs_unlock(x, i);
        xs_flush(x, i);
        if (t->wrote[i])
            reload[nreload++] = i;
    }
    x->st.aborted++;
    TRACE(x, "#%llu %s aborted", STEP(x), l->id);
    for (int j = 0; j < nreload; j++)
        xs_reload(x, reload[j]);
}

static void prepare_one(xsim_t *x, xs_tx_t *t, int w)
{
    xs_txlog_t *l = log_of(x, t);
    xs_shard_t *sh = &x->shards[w];
    KVD_ASSERT(holds(x, w, l->id));
    if (sh->hold == HOLD_RUNNING) {
        kvd_aof_tx_prepare(xs_on(x, w));
        sh->hold = HOLD_PREPARED;
    }
    /* +PREPARED leaves with the loop's replies, once the block is on disk. */
    bool on_disk = xs_flush(x, w);
    t->prepared[w] = on_disk || x->o.lax_replies;
    TRACE(x, "#%llu %s PREPARE s%d: %s", STEP(x), l->id, w,
          on_disk ? "prepared" : t->prepared[w] ? "PREPARED, its write or fsync failed" : "not yet");
}

/* Every writer prepared: the coordinator's COMMIT naming them is the
 * commit point.  Read-only participants let go. */
static void commit_point(xsim_t *x, xs_tx_t *t)
{
    xs_txlog_t *l = log_of(x, t);
    int parts[XS_MAX_SHARDS], n = 0;
    for (int j = 0; j < l->nwriters; j++)
        if (l->writer[j] != l->coord)
            parts[n++] = l->writer[j];
    KVD_ASSERT(n > 0 && holds(x, l->coord, l->id));
    kvd_aof_tx_commit(xs_on(x, l->coord), parts, n);
    xs_unlock(x, l->coord);
    for (int j = 1; j < t->nheld; j++) {
        int i = t->held[j];
        if (!is_writer(l, i) && holds(x, i, l->id)) {
            kvd_aof_tx_commit(xs_on(x, i), NULL, 0);
            xs_unlock(x, i);
        }
    }
    xs_flush(x, l->coord);
    t->phase = TX_DECIDED;
    x->st.committed2++;
    TRACE(x, "#%llu %s COMMIT at s%d with %d parts", STEP(x), l->id, l->coord, n);
}

/* The decision is on disk: the client's reply leaves. */
static void decided_step(xsim_t *x, xs_tx_t *t)
{
    xs_txlog_t *l = log_of(x, t);
    kvd_txrec_t *rec = kvd_aof_txset_find(xs_on(x, l->coord), l->id);
    if (rec == NULL)
        xs_fail(x, "%s: the coordinator forgot its decision before it was durable", l->id);
    if (!rec->durable)
        xs_flush(x, l->coord); /* the loop goes round: the sync is retried */
    if (!rec->durable)
        return;
    l->acked = true;
    t->active = false;
    x->st.acked++;
    TRACE(x, "#%llu %s answered (decision durable)", STEP(x), l->id);
}

/* At most one writer: UNLOCK each participant; each commits on its own.
 * The reply leaves once all have answered and the writer's record is
 * written (synced under always). */
static void one_phase_step(xsim_t *x, xs_tx_t *t)
{
    xs_txlog_t *l = log_of(x, t);
    int left[XS_MAX_SHARDS], nleft = 0;
    for (int j = 0; j < t->nheld; j++)
        if (!t->released[t->held[j]])
            left[nleft++] = t->held[j];
    if (nleft > 0) {
        int i = left[sim_rng_below(&x->rng, (uint64_t)nleft)];
        KVD_ASSERT(holds(x, i, l->id));
        kvd_aof_tx_commit(xs_on(x, i), NULL, 0);
        xs_unlock(x, i);
        t->released[i] = true;
        xs_flush(x, i);
        TRACE(x, "#%llu %s UNLOCK s%d", STEP(x), l->id, i);
        return;
    }
    /* A writer other than the coordinator answered UNLOCK from its loop. */
    bool remote = l->writer[0] != l->coord && x->o.lax_replies;
    if (!t->lost && !xs_flush(x, l->writer[0]) && !remote)
        return;
    l->acked = !t->lost;
    x->st.committed1++;
    x->st.acked += l->acked ? 1 : 0;
    t->active = false;
    TRACE(x, "#%llu %s one phase %s", STEP(x), l->id, t->lost ? "lost" : "answered");
}

static void writing_step(xsim_t *x, xs_tx_t *t)
{
    xs_txlog_t *l = log_of(x, t);
    int todo[XS_MAX_SHARDS], ntodo = 0;
    for (int j = 0; j < l->nwriters; j++)
        if (!t->wrote[l->writer[j]])
            todo[ntodo++] = j;
    if (ntodo > 0 && !t->failed) {
        run_writes(x, t, todo[sim_rng_below(&x->rng, (uint64_t)ntodo)]);
        return;
    }
    if (t->failed || sim_rng_one_in(&x->rng, 12)) {
        abort_tx(x, t);
        return;
    }
    t->phase = l->nwriters >= 2 ? TX_PREPARING : TX_ONE_PHASE;
}

static void preparing_step(xsim_t *x, xs_tx_t *t)
{
    xs_txlog_t *l = log_of(x, t);
    int todo[XS_MAX_SHARDS], ntodo = 0;
    for (int j = 0; j < l->nwriters; j++)
        if (l->writer[j] != l->coord && !t->prepared[l->writer[j]])
            todo[ntodo++] = l->writer[j];
    /* A participant too slow to prepare: the coordinator may give up. */
    if (t->failed || (ntodo > 0 && sim_rng_one_in(&x->rng, 30)))
        abort_tx(x, t);
    else if (ntodo > 0)
        prepare_one(x, t, todo[sim_rng_below(&x->rng, (uint64_t)ntodo)]);
    else
        commit_point(x, t);
}

bool xs_tx_step(xsim_t *x)
{
    int act[XS_MAX_ACTIVE], nact = 0;
    for (int i = 0; i < XS_MAX_ACTIVE; i++)
        if (x->tx[i].active)
            act[nact++] = i;
    if (nact == 0)
        return false;
    xs_tx_t *t = &x->tx[act[sim_rng_below(&x->rng, (uint64_t)nact)]];
    switch (t->phase) {
    case TX_WRITING: writing_step(x, t); break;
    case TX_PREPARING: preparing_step(x, t); break;
    case TX_DECIDED: decided_step(x, t); break;
    case TX_ONE_PHASE: one_phase_step(x, t); break;
    }
    return true;
}

/* ---- participants: the decision arrives ---- */

static void commit_here(xsim_t *x, int p)
{
    xs_shard_t *sh = &x->shards[p];
    kvd_shard_t *s = xs_on(x, p);
    if (sh->hold == HOLD_DOUBT_FILE)
        kvd_aof_indoubt_resolve(s, true);
    else
        kvd_aof_tx_commit(s, NULL, 0);
    xs_unlock(x, p);
}

static void abort_here(xsim_t *x, int p)
{
    xs_shard_t *sh = &x->shards[p];
    kvd_shard_t *s = xs_on(x, p);
    bool from_file = sh->hold == HOLD_DOUBT_FILE;
    if (from_file)
        kvd_aof_indoubt_resolve(s, false);
    else
        kvd_aof_tx_abort(s);
    xs_unlock(x, p);
    xs_flush(x, p);
    if (!from_file)
        xs_reload(x, p); /* its writes are in memory: back to the file */
}

/* Tell the running transaction with this id, if any, how it ends. */
static xs_tx_t *active_tx(xsim_t *x, const char *id)
{
    for (int i = 0; i < XS_MAX_ACTIVE; i++)
        if (x->tx[i].active && strcmp(log_of(x, &x->tx[i])->id, id) == 0)
            return &x->tx[i];
    return NULL;
}

static bool ack_in_flight(const xsim_t *x, int coord, int part, const char *id)
{
    for (int i = 0; i < x->nacks; i++)
        if (x->acks[i].coord == coord && x->acks[i].part == part && strcmp(x->acks[i].id, id) == 0)
            return true;
    return false;
}

static void push_ack(xsim_t *x, int coord, int part, const char *id)
{
    if (ack_in_flight(x, coord, part, id))
        return;
    if (x->nacks == XS_MAX_ACKS)
        return; /* lost: the coordinator asks again */
    xs_ack_t *a = &x->acks[x->nacks++];
    a->coord = coord;
    a->part = part;
    a->coord_incarnation = x->shards[coord].incarnation;
    snprintf(a->id, sizeof(a->id), "%s", id);
}

/* A COMMIT from a coordinator's committed set (send_commits, or the
 * retry after a restart) reaches participant p. */
static void deliver_commit(xsim_t *x, int coord, const char *id, int p)
{
    xs_tx_t *t = active_tx(x, id);
    if (t != NULL && t->phase == TX_DECIDED)
        decided_step(x, t); /* durable: its reply has left */
    bool mine = holds(x, p, id);
    KVD_ASSERT(!mine || x->shards[p].hold != HOLD_RUNNING);
    if (mine)
        commit_here(x, p);
    x->st.commits_sent++;
    bool on_disk = xs_flush(x, p), settled = on_disk || x->o.lax_replies;
    if (settled)
        push_ack(x, coord, p, id);
    TRACE(x, "#%llu COMMIT %s s%d -> s%d%s%s", STEP(x), id, coord, p, mine ? " (held)" : "",
          on_disk ? ", acknowledged" : settled ? ", acknowledged, its write or fsync failed" : "");
}

bool xs_commit_step(xsim_t *x)
{
    int n = 0, pick_c = -1, pick_p = -1;
    const char *pick_id = NULL;
    for (int c = 0; c < x->n; c++) {
        kvd_shard_t *s = x->shards[c].sh;
        for (size_t k = 0; k < kvd_aof_txset_count(s); k++) {
            kvd_txrec_t *rec = kvd_aof_txset_at(s, k);
            for (int j = 0; j < rec->nparts && rec->durable; j++) {
                /* Its answer is on the way (xshard_end.c: asking). */
                if (ack_in_flight(x, c, rec->parts[j], rec->id))
                    continue;
                /* reservoir sampling: each candidate equally likely */
                if (sim_rng_below(&x->rng, (uint64_t)++n) == 0)
                    pick_c = c, pick_p = rec->parts[j], pick_id = rec->id;
            }
        }
    }
    if (n == 0)
        return false;
    char id[KVD_TXID_MAX];
    snprintf(id, sizeof(id), "%s", pick_id);
    deliver_commit(x, pick_c, id, pick_p);
    return true;
}

bool xs_ack_step(xsim_t *x)
{
    if (x->nacks == 0)
        return false;
    int i = (int)sim_rng_below(&x->rng, (uint64_t)x->nacks);
    xs_ack_t a = x->acks[i];
    x->acks[i] = x->acks[--x->nacks];
    if (x->shards[a.coord].incarnation != a.coord_incarnation) {
        TRACE(x, "#%llu ack %s s%d -> s%d lost (restarted)", STEP(x), a.id, a.part, a.coord);
        return true;
    }
    kvd_shard_t *coord = xs_on(x, a.coord);
    kvd_aof_tx_acked(coord, a.id, a.part);
    xs_txlog_t *l = xs_log_find(x, a.id);
    if (l != NULL && kvd_aof_txset_find(coord, a.id) == NULL)
        l->forgotten = true;
    xs_flush(x, a.coord);
    x->st.acks++;
    TRACE(x, "#%llu ack %s s%d -> s%d", STEP(x), a.id, a.part, a.coord);
    return true;
}

/* A participant in doubt asks the coordinator (kvd_xshard_decision). */
bool xs_doubt_step(xsim_t *x)
{
    int cand[XS_MAX_SHARDS], n = 0;
    for (int i = 0; i < x->n; i++)
        if (x->shards[i].hold == HOLD_DOUBT_LIVE || x->shards[i].hold == HOLD_DOUBT_FILE)
            cand[n++] = i;
    if (n == 0)
        return false;
    int p = cand[sim_rng_below(&x->rng, (uint64_t)n)];
    char id[KVD_TXID_MAX];
    snprintf(id, sizeof(id), "%s", x->shards[p].hold_tx);
    int coord = kvd_txid_coord(id);
    kvd_txrec_t *rec = kvd_aof_txset_find(xs_on(x, coord), id);
    const char *answer = rec == NULL ? "ABORT" : rec->durable ? "COMMIT" : "TRYAGAIN";
    TRACE(x, "#%llu s%d asks s%d about %s: %s", STEP(x), p, coord, id, answer);
    if (rec != NULL && !rec->durable) {
        xs_flush(x, coord);
        return true;
    }
    /* A participant restarted after preparing: no commit now.  (A one
     * phase block torn between its EXEC and its COMMIT reads as prepared
     * too: its transaction is lost already, and ABORT is right.) */
    xs_tx_t *t = active_tx(x, id);
    KVD_ASSERT(rec != NULL || t == NULL || t->phase != TX_DECIDED);
    if (rec == NULL && t != NULL && t->phase != TX_ONE_PHASE)
        t->failed = true;
    if (rec != NULL)
        commit_here(x, p), xs_flush(x, p);
    else
        abort_here(x, p);
    return true;
}

/* ---- failures ---- */

/* The coordinator of t died: its participants learn it (txpart.c's
 * txpart_peer_reset): running ones undo, prepared ones are in doubt. */
static void coordinator_died(xsim_t *x, xs_tx_t *t, int coord)
{
    xs_txlog_t *l = log_of(x, t);
    t->active = false;
    TRACE(x, "#%llu %s lost its coordinator s%d", STEP(x), l->id, coord);
    for (int j = 0; j < t->nheld; j++) {
        int p = t->held[j];
        if (p == coord || !holds(x, p, l->id))
            continue;
        xs_shard_t *sh = &x->shards[p];
        if (sh->hold == HOLD_PREPARED)
            sh->hold = HOLD_DOUBT_LIVE;
        else if (sh->hold == HOLD_RUNNING && t->wrote[p])
            abort_here(x, p);
        else if (sh->hold == HOLD_RUNNING)
            kvd_aof_tx_abort(xs_on(x, p)), xs_unlock(x, p);
    }
}

void xs_peer_reset(xsim_t *x, int i)
{
    for (int k = 0; k < XS_MAX_ACTIVE; k++) {
        xs_tx_t *t = &x->tx[k];
        if (!t->active)
            continue;
        xs_txlog_t *l = log_of(x, t);
        bool involved = false;
        for (int j = 0; j < t->nheld; j++)
            involved |= t->held[j] == i;
        if (l->coord == i) {
            coordinator_died(x, t, i);
        } else if (involved && (t->phase == TX_WRITING || t->phase == TX_PREPARING)) {
            t->failed = true;
        } else if (involved && t->phase == TX_ONE_PHASE) {
            t->lost = true;
            t->released[i] = true;
        }
    }
}

/* BUGGIFY: a worker whose disk is failing dies (killed by an operator or
 * a watchdog): its page cache keeps what its failed fsyncs did not sync. */
bool xs_crash_failing(xsim_t *x)
{
    for (int i = 0; i < x->n; i++) {
        const kvd_aof_t *a = x->shards[i].sh->aof;
        if ((a->write_err == 0 && a->fsync_err == 0) || !sim_rng_one_in(&x->rng, 8))
            continue;
        TRACE(x, "#%llu CRASH s%d, its disk failing", STEP(x), i);
        xs_crash(x, i, false);
        xs_shard_start(x, i);
        xs_peer_reset(x, i);
        return true;
    }
    return false;
}

void xs_crash_step(xsim_t *x)
{
    sim_rng_t *r = &x->rng;
    bool all = sim_rng_one_in(r, 4);
    int one = (int)sim_rng_below(r, (uint64_t)x->n);
    bool power = x->cfg.appendfsync != KVD_FSYNC_NO && (all || sim_rng_one_in(r, 2));
    char who[16];
    snprintf(who, sizeof(who), all ? "all shards" : "s%d", one);
    TRACE(x, "#%llu CRASH %s%s", STEP(x), who, power ? " (power loss)" : "");
    for (int i = 0; i < x->n; i++)
        if (all || i == one)
            xs_crash(x, i, power);
    for (int i = 0; i < x->n; i++)
        if (all || i == one)
            xs_shard_start(x, i);
    for (int i = 0; i < x->n; i++)
        if (all || i == one)
            xs_peer_reset(x, i);
}

bool xs_quiet(const xsim_t *x)
{
    for (int i = 0; i < XS_MAX_ACTIVE; i++)
        if (x->tx[i].active)
            return false;
    for (int i = 0; i < x->n; i++)
        if (x->shards[i].hold != HOLD_FREE || kvd_aof_txset_count(x->shards[i].sh) > 0)
            return false;
    return x->nacks == 0;
}

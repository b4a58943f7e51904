/*
 * rsim_shard.c - the life of each simulated worker in kvd-sim-router:
 * start (the real kvd_aof_load and kvd_router_start), one loop turn,
 * cron, crash, the master's ring reset, restart.  See rsim.h.
 */
#include "aof/aof_int.h"
#include "cmd/blocking.h"
#include "rsim.h"

/* Records a turn drains from one peer when the seed says "a batch"
 * (router.c's DRAIN_BATCH). */
#define RS_DRAIN_BATCH 256

kvd_shard_t *rs_on(rsim_t *x, int i)
{
    KVD_ASSERT(i >= 0 && i < x->n && x->shards[i].sh != NULL);
    rs_shard_t *s = &x->shards[i];
    s->se.now_us = x->now_us;
    /* The monotonic clock follows virtual time (and ticks on reads). */
    uint64_t mono = x->now_us - x->start_us + 1;
    if (s->se.mono_us < mono)
        s->se.mono_us = mono;
    kvd_router_enter(s->ctx);
    return s->sh;
}

void rs_shard_start(rsim_t *x, int i)
{
    rs_shard_t *s = &x->shards[i];
    KVD_ASSERT(s->sh == NULL);
    s->se.now_us = x->now_us;
    s->sh = kvd_shard_create(i, x->n, &s->se.env, &x->cfg);
    s->ctx = kvd_router_ctx_new();
    kvd_router_enter(s->ctx);
    kvd_current_shard = s->sh;
    if (kvd_aof_load(s->sh) < 0)
        rs_fail(x, "shard %d refused to start: its AOF did not load (the log says why)", i);
    kvd_router_start(NULL, s->sh, x->shm, &x->wake);
    rs_on(x, i);
    s->last_cron_us = x->now_us;
    s->reset_pending = false;
    const char *doubt = kvd_aof_indoubt(s->sh);
    rs_trace(x, "#%llu s%d up (incarnation %llu)%s%s", (unsigned long long)x->step, i,
             (unsigned long long)s->incarnation, doubt ? ", in doubt about " : "",
             doubt ? doubt : "");
}

/* How many records this turn takes from one peer: none (the message is
 * delayed), one, a few, or a whole batch. */
static size_t drain_count(rsim_t *x)
{
    uint64_t pick = sim_rng_below(&x->rng, 8);
    return pick < 2 ? 0 : pick < 4 ? 1 : pick < 6 ? 1 + sim_rng_below(&x->rng, 4) : RS_DRAIN_BATCH;
}

/* BUGGIFY: the worker dies in the middle of its turn; more likely when
 * the turn has something to lose (records not yet written). */
static bool crash_here(rsim_t *x, int i, const char *where)
{
    if (x->healing || x->crash_one_in == 0)
        return false;
    bool unwritten = x->shards[i].sh->aof != NULL && x->shards[i].sh->aof->main.buf.len > 0;
    uint64_t one_in = unwritten ? 4 + x->crash_one_in / 16 : 4 * x->crash_one_in;
    if (!sim_rng_one_in(&x->rng, one_in))
        return false;
    rs_trace(x, "#%llu s%d dies %s", (unsigned long long)x->step, i, where);
    rs_crash(x, i);
    return true;
}

/* worker.c's turn: timers (libev runs them before the prepare watcher),
 * then sweep_cb: drain, serve, write the AOF, send what it covers. */
void rs_loop(rsim_t *x, int i)
{
    kvd_shard_t *sh = rs_on(x, i);
    x->st.timers += kvd_router_run_timers(sh->env->mono_us(sh->env));
    kvd_router_flush();
    uint64_t start = sim_rng_below(&x->rng, (uint64_t)x->n);
    for (int k = 0; k < x->n; k++) {
        int p = (int)((start + (uint64_t)k) % (uint64_t)x->n);
        if (p == i || kvd_router_peer_backlogged(p))
            continue;
        size_t max = drain_count(x);
        if (max > 0)
            x->st.drained += kvd_router_drain_peer(p, max);
    }
    kvd_conn_resume_unblocked(sh);
    kvd_blocking_expire(sh);
    kvd_conn_resume_unblocked(sh);
    /* The worker may die at any instruction: here, what it sent peers is
     * in the rings while what it ran is not yet in its file. */
    if (crash_here(x, i, "before its AOF write"))
        return;
    kvd_aof_before_sleep(sh);
    if (crash_here(x, i, "after its AOF write"))
        return;
    kvd_router_after_aof();
    x->st.loops++;
    rs_clients_collect(x, i);
}

void rs_cron(rsim_t *x, int i)
{
    kvd_shard_t *sh = rs_on(x, i);
    kvd_shard_cron(sh);
    kvd_aof_cron(sh);
    kvd_blocking_expire(sh);
    kvd_conn_resume_unblocked(sh);
    x->shards[i].last_cron_us = x->now_us;
}

void rs_bury(rsim_t *x, void *p)
{
    if (p == NULL)
        return;
    if (x->ngrave == x->capgrave) {
        x->capgrave = x->capgrave == 0 ? 64 : x->capgrave * 2;
        x->graveyard = kvd_realloc(x->graveyard, x->capgrave * sizeof(void *));
    }
    x->graveyard[x->ngrave++] = p;
}

/* The worker's process is gone: its memory with it (the context and the
 * connections are left behind, never used again, as a dead process's
 * pages are: rs_bury), its AOF buffer lost, its page cache kept. */
void rs_crash(rsim_t *x, int i)
{
    rs_shard_t *s = &x->shards[i];
    KVD_ASSERT(s->sh != NULL);
    rs_clients_cut(x, i);
    kvd_shard_destroy(s->sh);
    s->sh = NULL;
    /* Under always, every acknowledgement waited for its fsync: the disk
     * may lose what was not synced (or tear it) and nothing promised may
     * go with it. */
    bool power = x->cfg.appendfsync == KVD_FSYNC_ALWAYS && sim_rng_one_in(&x->rng, 3);
    if (power) {
        sim_disk_crash(s->disk);
        x->st.power_losses++;
    }
    rs_bury(x, s->ctx);
    s->ctx = NULL;
    kvd_current_shard = NULL;
    s->incarnation++;
    s->reset_pending = true;
    /* The master reaps it a moment later: peers may still drain what it sent. */
    s->reset_at = x->step + 1 + sim_rng_below(&x->rng, 8);
    s->restart_at = s->reset_at + sim_rng_below(&x->rng, 20);
    x->st.crashes++;
    rs_trace(x, "#%llu s%d crashed%s", (unsigned long long)x->step, i,
             power ? " (power loss)" : "");
}

void rs_reset(rsim_t *x, int i)
{
    rs_shard_t *s = &x->shards[i];
    KVD_ASSERT(s->sh == NULL && s->reset_pending);
    kvd_shm_reset_worker(x->shm, &x->wake, (unsigned)i);
    s->reset_pending = false;
    x->st.resets++;
    rs_trace(x, "#%llu master reset s%d's rings", (unsigned long long)x->step, i);
}

void rs_revive(rsim_t *x)
{
    for (int i = 0; i < x->n; i++) {
        rs_shard_t *s = &x->shards[i];
        if (s->sh != NULL)
            continue;
        if (s->reset_pending && (x->healing || x->step >= s->reset_at))
            rs_reset(x, i);
        if (!s->reset_pending && (x->healing || x->step >= s->restart_at)) {
            /* A new incarnation draws new transaction ids from the clock. */
            x->now_us += 1000;
            rs_shard_start(x, i);
            x->st.restarts++;
        }
    }
}

bool rs_quiet(rsim_t *x)
{
    for (int c = 0; c < x->nclients; c++)
        if (x->clients[c].busy)
            return false;
    for (int i = 0; i < x->n; i++) {
        if (x->shards[i].sh == NULL)
            return false;
        kvd_shard_t *sh = rs_on(x, i);
        if (!kvd_router_idle() || kvd_aof_txset_count(sh) > 0 || kvd_aof_indoubt(sh) != NULL)
            return false;
        for (int p = 0; p < x->n; p++)
            if (p != i && kvd_ring_pending(kvd_shm_ring(x->shm, (unsigned)p, (unsigned)i)))
                return false;
    }
    return true;
}

/*
 * xsim_shard.c - the life of each simulated shard in kvd-sim-xshard:
 * start (the real kvd_aof_load), the end of a loop iteration (the real
 * kvd_aof_before_sleep), commands, the lock, crash, reload, cron and
 * rewrite.  See xsim.h.
 */
#include <stdarg.h>

#include "xsim.h"

kvd_shard_t *xs_on(xsim_t *x, int i)
{
    KVD_ASSERT(i >= 0 && i < x->n);
    xs_shard_t *sh = &x->shards[i];
    sh->se.now_us = x->now_us;
    kvd_current_shard = sh->sh; /* sim_fork.c's child works on it */
    return sh->sh;
}

/* The committed set's durable decisions, before the shard dies. */
static void remember_decisions(xs_shard_t *sh)
{
    size_t n = kvd_aof_txset_count(sh->sh), k = 0;
    sh->decided = kvd_realloc(sh->decided, (n + 1) * sizeof(*sh->decided));
    for (size_t j = 0; j < n; j++) {
        const kvd_txrec_t *rec = kvd_aof_txset_at(sh->sh, j);
        if (rec->durable)
            snprintf(sh->decided[k++], KVD_TXID_MAX, "%s", rec->id);
    }
    sh->ndecided = k;
}

/* After a restart: the replayed file (or the rewrite that replaced it)
 * still has every decision that was durable, unless every participant
 * had acknowledged it once.  (Such a decision can come back: a FORGET
 * inside another transaction's block that a crash cut short is read,
 * then truncated with the block; and go again when a power loss undoes
 * that unsynced truncation.) */
static void check_decisions(xsim_t *x, xs_shard_t *sh)
{
    for (size_t j = 0; j < sh->ndecided; j++) {
        const xs_txlog_t *l = xs_log_find(x, sh->decided[j]);
        if (l != NULL && l->forgotten)
            continue;
        if (kvd_aof_txset_find(sh->sh, sh->decided[j]) == NULL)
            xs_fail(x, "committed set: s%d's decision for %s was durable and is gone after its "
                       "restart", sh->id, sh->decided[j]);
    }
    sh->ndecided = 0;
}

void xs_shard_start(xsim_t *x, int i)
{
    xs_shard_t *sh = &x->shards[i];
    KVD_ASSERT(sh->sh == NULL);
    sh->se.now_us = x->now_us;
    sh->sh = kvd_shard_create(i, x->n, &sh->se.env, &x->cfg);
    kvd_current_shard = sh->sh;
    if (kvd_aof_load(sh->sh) < 0)
        xs_fail(x, "shard %d refused to start: its AOF did not load (the log says why)", i);
    kvd_client_init(&sh->client, sh->sh);
    sh->client.reply = &sh->reply;
    sh->hold = HOLD_FREE;
    sh->hold_tx[0] = '\0';
    sh->last_cron_us = x->now_us;
    check_decisions(x, sh);
    const char *doubt = kvd_aof_indoubt(sh->sh);
    if (doubt != NULL) {
        /* txpart_init: hold the shard and ask the coordinator. */
        char id[KVD_TXID_MAX];
        snprintf(id, sizeof(id), "%s", doubt);
        int coord = kvd_txid_coord(id);
        if (coord < 0 || coord >= x->n || coord == i)
            xs_fail(x, "shard %d is in doubt about %s, whose coordinator is not a peer", i, id);
        xs_lock(x, i, id, HOLD_DOUBT_FILE);
        x->st.doubts++;
        xs_trace(x, "#%llu s%d in doubt about %s", (unsigned long long)x->step, i, id);
    }
}

static void shard_drop(xsim_t *x, int i)
{
    xs_shard_t *sh = &x->shards[i];
    KVD_ASSERT(sh->sh != NULL);
    remember_decisions(sh);
    kvd_client_release(&sh->client);
    kvd_shard_destroy(sh->sh); /* no shutdown: what is buffered is lost */
    sh->sh = NULL;
    kvd_current_shard = NULL;
    sh->hold = HOLD_FREE;
    sh->hold_tx[0] = '\0';
    sh->incarnation++;
}

bool xs_flush(xsim_t *x, int i)
{
    kvd_shard_t *s = xs_on(x, i);
    kvd_aof_before_sleep(s);
    const kvd_aof_t *a = s->aof;
    bool written = a->main.buf.len == 0 && a->write_err == 0 && !a->need_truncate;
    bool synced = !a->force_sync && a->fsync_err == 0 &&
                  (x->cfg.appendfsync != KVD_FSYNC_ALWAYS || a->synced_size == a->size);
    return written && synced;
}

bool xs_command(xsim_t *x, int i, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    kvd_arg_t argv[4];
    int argc = 0;
    for (char *save = NULL, *w = strtok_r(line, " ", &save); w != NULL && argc < 4;
         w = strtok_r(NULL, " ", &save))
        argv[argc++] = (kvd_arg_t){w, strlen(w)};
    KVD_ASSERT(argc > 0);
    xs_shard_t *sh = &x->shards[i];
    xs_on(x, i);
    kvd_buf_clear(&sh->reply);
    sh->client.argc = argc;
    sh->client.argv = argv;
    kvd_dispatch(&sh->client);
    sh->client.argc = 0;
    sh->client.argv = NULL;
    sim_trace_hash(&x->trace, sh->reply.data, sh->reply.len);
    return sh->reply.len > 0 && sh->reply.data[0] != '-';
}

void xs_lock(xsim_t *x, int i, const char *txid, xs_hold_t how)
{
    xs_shard_t *sh = &x->shards[i];
    KVD_ASSERT(sh->hold == HOLD_FREE && how != HOLD_FREE);
    kvd_shard_t *s = xs_on(x, i);
    sh->hold = how;
    snprintf(sh->hold_tx, sizeof(sh->hold_tx), "%s", txid);
    s->in_exec++;
    if (how == HOLD_RUNNING)
        kvd_aof_tx_begin(s, txid);
}

void xs_unlock(xsim_t *x, int i)
{
    xs_shard_t *sh = &x->shards[i];
    KVD_ASSERT(sh->hold != HOLD_FREE);
    kvd_shard_t *s = xs_on(x, i);
    KVD_ASSERT(s->in_exec > 0);
    sh->hold = HOLD_FREE;
    sh->hold_tx[0] = '\0';
    s->in_exec--;
    kvd_aof_exec_done(s);
}

void xs_crash(xsim_t *x, int i, bool power)
{
    shard_drop(x, i);
    if (power) {
        sim_disk_crash(x->shards[i].disk);
        x->st.power_losses++;
    }
    x->st.crashes++;
}

void xs_reload(xsim_t *x, int i)
{
    shard_drop(x, i);
    xs_shard_start(x, i);
    x->st.reloads++;
    xs_trace(x, "#%llu s%d restarted from its file", (unsigned long long)x->step, i);
    xs_peer_reset(x, i);
}

void xs_cron(xsim_t *x, int i)
{
    kvd_shard_t *s = xs_on(x, i);
    kvd_shard_cron(s);
    kvd_aof_cron(s);
    x->shards[i].last_cron_us = x->now_us;
}

void xs_rewrite(xsim_t *x, int i)
{
    kvd_shard_t *s = xs_on(x, i);
    if (s->aof->child > 0 || s->in_exec > 0)
        return; /* BGREWRITEAOF waits for the lock like any command */
    kvd_buf_t err = KVD_BUF_INIT;
    if (aof_rewrite_start(s, &err) == 0)
        x->st.rewrites++;
    xs_trace(x, "#%llu s%d BGREWRITEAOF %s", (unsigned long long)x->step, i,
             err.len ? kvd_buf_cstr(&err) : "started");
    kvd_buf_free(&err);
}

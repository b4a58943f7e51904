/*
 * txn.c - a client's transaction: WATCH (and a read) first, then a few
 * steps later MULTI, the queued commands and EXEC (or DISCARD), each
 * reply compared with the model's as it comes.  For the durability log
 * the EXEC is one command naming every key of the queue; for the
 * linearizability check each queued command is an operation of the
 * EXEC's interval, with its part of the EXEC's reply.
 */
#include <stdlib.h>

#include "sim.h"

/* The whole RESP item at p (nested arrays included), or 0 if malformed. */
static size_t item_len(const char *p, size_t len, int depth)
{
    const char *nl = memchr(p, '\n', len);
    if (len < 3 || nl == NULL || depth > 8)
        return 0;
    size_t pos = (size_t)(nl - p) + 1;
    long long n = strtoll(p + 1, NULL, 10);
    if (p[0] == '$' && n >= 0)
        return pos + (size_t)n + 2 <= len ? pos + (size_t)n + 2 : 0;
    if (p[0] == '*' && n > 0) {
        for (long long i = 0; i < n; i++) {
            size_t k = item_len(p + pos, len - pos, depth + 1);
            if (k == 0)
                return 0;
            pos += k;
        }
    }
    return pos;
}

static bool is_exec(const sim_tx_t *tx)
{
    return model_arg_is(&tx->cmds[tx->n - 1].argv[0], "EXEC");
}

/* EXEC's keys for the durability log: every argument of the queue. */
static int queue_args(sim_t *s, const sim_tx_t *tx)
{
    int n = 0;
    s->tx_argv[n++] = tx->cmds[tx->n - 1].argv[0];
    for (int i = tx->split + 1; i < tx->n - 1; i++)
        for (int j = 1; j < tx->cmds[i].argc; j++)
            s->tx_argv[n++] = tx->cmds[i].argv[j];
    return n;
}

void sim_tx_run(sim_t *s, int ci)
{
    pending_t *p = &s->pend[ci];
    sim_tx_t *tx = p->tx;
    kvd_buf_t *reply = s->clients[ci].reply;
    if (p->lost_request) {
        p->executed = true;
        return;
    }
    kvd_buf_clear(reply);
    if (p->phase == 0) {
        for (int i = 0; i < tx->split; i++)
            sim_run_one(s, ci, &tx->cmds[i], NULL, 0, false);
        p->phase = 1;
        p->exec_step = s->step + 1 + sim_rng_below(&s->se.rng, 8);
        p->ret_step = p->exec_step + sim_rng_below(&s->se.rng, 3);
        return;
    }
    p->db = s->model_db[ci];
    for (int i = tx->split; i < tx->n - 1; i++)
        sim_run_one(s, ci, &tx->cmds[i], NULL, 0, false);
    p->exec_off = reply->len;
    if (is_exec(tx))
        sim_run_one(s, ci, &tx->cmds[tx->n - 1], s->tx_argv, queue_args(s, tx), false);
    else
        sim_run_one(s, ci, &tx->cmds[tx->n - 1], NULL, 0, false);
    p->executed = true;
}

void sim_tx_record(sim_t *s, int ci, bool lost, uint64_t ret)
{
    pending_t *p = &s->pend[ci];
    const sim_tx_t *tx = p->tx;
    const kvd_buf_t *reply = s->clients[ci].reply;
    if (!is_exec(tx))
        return;
    const char *r = reply->data + p->exec_off;
    size_t len = lost ? 0 : reply->len - p->exec_off, pos = 0;
    if (!lost && (len < 4 || r[0] != '*' || r[1] == '-'))
        return; /* aborted: nothing ran */
    if (!lost) {
        const char *nl = memchr(r, '\n', len);
        KVD_ASSERT(nl != NULL);
        pos = (size_t)(nl - r) + 1;
    }
    for (int i = tx->split + 1; i < tx->n - 1; i++) {
        const sim_cmd_t *c = &tx->cmds[i];
        size_t k = lost ? 0 : item_len(r + pos, len - pos, 0);
        if (!lost && k == 0)
            return;
        sim_history_record(&s->hist, p->db, c->argv, c->argc, lost ? NULL : r + pos, k, p->call,
                           ret);
        pos += k;
    }
}

/*
 * xsim_check.c - what must hold across kvd-sim-xshard's crashes (xsim.h):
 * accounts agree with the markers, every transaction is on all its
 * writers or none, acknowledged ones survive when the policy promises it.
 */
#include <stdlib.h>

#include "xsim.h"

bool xs_promised(const xsim_t *x, const xs_txlog_t *t)
{
    /* everysec syncs a two-phase transaction's PREPAREs and decision,
     * not one phase's COMMIT; "no" runs see process crashes only. */
    return t->acked && (x->cfg.appendfsync != KVD_FSYNC_EVERYSEC || t->two_phase);
}

xs_txlog_t *xs_log_find(xsim_t *x, const char *id)
{
    for (int t = 0; t < x->nlog; t++)
        if (strcmp(x->log[t].id, id) == 0)
            return &x->log[t];
    return NULL;
}

static bool marker_on(const xsim_t *x, int w, const char *id)
{
    char key[KVD_TXID_MAX + 8];
    int n = snprintf(key, sizeof(key), "tx:%s", id);
    return kvd_db_find(x->shards[w].sh->dbs[0], key, (size_t)n) != NULL;
}

static int64_t account(xsim_t *x, int w, int k)
{
    char key[32], tmp[32], num[32];
    int n = snprintf(key, sizeof(key), "acct:%d:%d", w, k);
    kvd_entry_t *e = kvd_db_find(x->shards[w].sh->dbs[0], key, (size_t)n);
    if (e == NULL)
        return 0;
    if (kvd_entry_type(e) != KVD_TYPE_STRING)
        xs_fail(x, "%s is not a string", key);
    size_t len;
    const char *v = kvd_entry_str(e, &len, tmp);
    snprintf(num, sizeof(num), "%.*s", (int)(len < 31 ? len : 31), v);
    return strtoll(num, NULL, 10);
}

/* Each shard's accounts are the sum of the writes of the transactions
 * whose marker it holds (a block is applied whole or not at all).  A
 * shard a transaction is writing on is in the middle of its block. */
static void check_balances(xsim_t *x, bool strict)
{
    int64_t want[XS_MAX_SHARDS][XS_ACCOUNTS];
    memset(want, 0, sizeof(want));
    for (int t = 0; t < x->nlog; t++) {
        const xs_txlog_t *l = &x->log[t];
        for (int j = 0; j < l->nwriters; j++) {
            if (!marker_on(x, l->writer[j], l->id))
                continue;
            for (int k = 0; k < l->nops[j]; k++)
                want[l->writer[j]][l->ops[j][k].acct] += l->ops[j][k].delta;
        }
    }
    int64_t sum = 0;
    for (int w = 0; w < x->n; w++) {
        for (int k = 0; k < XS_ACCOUNTS; k++) {
            int64_t got = account(x, w, k);
            sum += got;
            if (x->shards[w].hold != HOLD_RUNNING && got != want[w][k])
                xs_fail(x, "acct:%d:%d is %lld; the transactions whose marker s%d holds make "
                           "it %lld (a block applied in part)",
                        w, k, (long long)got, w, (long long)want[w][k]);
        }
    }
    if (strict && sum != 0)
        xs_fail(x, "the accounts sum to %lld, not 0", (long long)sum);
}

static void check_tx(xsim_t *x, const xs_txlog_t *l, bool strict)
{
    int committed = -1, absent = -1, pending = -1;
    for (int j = 0; j < l->nwriters; j++) {
        int w = l->writer[j];
        const xs_shard_t *sh = &x->shards[w];
        if (sh->hold != HOLD_FREE && strcmp(sh->hold_tx, l->id) == 0)
            pending = w;
        else if (marker_on(x, w, l->id))
            committed = w;
        else
            absent = w;
    }
    if (committed >= 0 && absent >= 0)
        xs_fail(x, "all-or-nothing: %s is on s%d but not on s%d", l->id, committed, absent);
    if (strict && pending >= 0)
        xs_fail(x, "%s still holds s%d after healing", l->id, pending);
    kvd_txrec_t *rec = pending >= 0 ? kvd_aof_txset_find(x->shards[l->coord].sh, l->id) : NULL;
    if (committed >= 0 && pending >= 0 && rec == NULL)
        xs_fail(x, "all-or-nothing: %s is on s%d, s%d still waits for it, and its "
                   "coordinator s%d has no decision for it",
                l->id, committed, pending, l->coord);
    if (!xs_promised(x, l))
        return;
    if (absent >= 0)
        xs_fail(x, "durability: %s was acknowledged and is missing on s%d", l->id, absent);
    /* (Its flag may say "not durable" after a restart whose sync failed:
     * it was synced before it was answered.) */
    if (pending >= 0 && rec == NULL)
        xs_fail(x, "durability: %s was acknowledged, s%d waits for it, and its coordinator "
                   "s%d has no decision for it",
                l->id, pending, l->coord);
}

void xs_check(xsim_t *x, bool strict)
{
    check_balances(x, strict);
    for (int t = 0; t < x->nlog; t++)
        check_tx(x, &x->log[t], strict);
    for (int i = 0; i < x->n && strict; i++)
        if (kvd_aof_txset_count(x->shards[i].sh) > 0)
            xs_fail(x, "s%d's committed set still has %s after every participant answered",
                    i, kvd_aof_txset_at(x->shards[i].sh, 0)->id);
    for (int i = 0; i < x->n; i++)
        for (int d = 0; d < x->shards[i].sh->ndbs && d < 1; d++)
            kvd_db_verify_invariants(x->shards[i].sh->dbs[d]);
}

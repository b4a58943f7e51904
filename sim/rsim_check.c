/*
 * rsim_check.c - what kvd-sim-router checks (rsim.h): snapshots read
 * through the router while the run goes on, the structures after every
 * step, and the keyspaces read directly once everything has settled.
 */
#include <stdlib.h>

#include "aof/aof.h"
#include "event/route.h"
#include "rsim.h"
#include "sim.h"

/* What one consistent view holds (a snapshot's reply, or the keyspaces). */
typedef struct view {
    int64_t acct[RS_ACCOUNTS];
    int64_t scard[RS_SETS];
    char mk[RS_MSET_KEYS][32];
    bool mk_set[RS_MSET_KEYS];
    int64_t ledger[RS_MAX_CLIENTS];
} view_t;

/* The invariants of a view; ceiling: each client's in-flight transfer
 * may be in it (a snapshot), or not (at rest nothing is in flight). */
static void check_view(rsim_t *x, const view_t *v, const int64_t *floor, const char *what)
{
    int64_t sum = 0, members = 0;
    for (int a = 0; a < RS_ACCOUNTS; a++)
        sum += v->acct[a];
    if (sum != 0)
        rs_fail(x, "%s: the accounts add up to %lld, not 0 (half a transfer)", what,
                (long long)sum);
    for (int s = 0; s < RS_SETS; s++)
        members += v->scard[s];
    if (members != RS_MEMBERS)
        rs_fail(x, "%s: the sets hold %lld members, not %d (half an SMOVE)", what,
                (long long)members, RS_MEMBERS);
    for (int k = 1; k < RS_MSET_KEYS; k++)
        if (v->mk_set[k] != v->mk_set[0] || strcmp(v->mk[k], v->mk[0]) != 0)
            rs_fail(x, "%s: mk:0 is '%s' and mk:%d '%s' (half an MSET)", what, v->mk[0], k,
                    v->mk[k]);
    for (int k = 0; k < x->nclients; k++) {
        const rs_client_t *c = &x->clients[k];
        int64_t ceiling = c->ledger_ok + c->ledger_maybe +
                          (c->busy && c->op == OP_TRANSFER ? 1 : 0);
        if (v->ledger[k] < floor[k] || v->ledger[k] > ceiling)
            rs_fail(x, "%s: ledger:%d is %lld; acknowledged before: %lld, at most %lld could "
                       "have committed", what, k, (long long)v->ledger[k], (long long)floor[k],
                    (long long)ceiling);
    }
}

static void read_bulks(rsim_t *x, rs_rd_t *r, int n, char (*out)[32], bool *set)
{
    if (rs_rd_type(r) != '*' || rs_rd_array(r) != n)
        rs_fail(x, "snapshot: an MGET did not answer %d values", n);
    for (int k = 0; k < n; k++)
        set[k] = rs_rd_bulk(r, out[k], sizeof(out[k]));
}

void rs_check_snapshot(rsim_t *x, const rs_client_t *c, const char *p, size_t n)
{
    rs_rd_t r = {p, n};
    view_t v;
    memset(&v, 0, sizeof(v));
    if (rs_rd_array(&r) != 3 + RS_SETS) /* MGET, the SCARDs, MGET, MGET */
        rs_fail(x, "snapshot: EXEC did not answer one reply per command");
    char vals[RS_MAX_CLIENTS > RS_ACCOUNTS ? RS_MAX_CLIENTS : RS_ACCOUNTS][32];
    bool set[RS_MAX_CLIENTS > RS_ACCOUNTS ? RS_MAX_CLIENTS : RS_ACCOUNTS];
    read_bulks(x, &r, RS_ACCOUNTS, vals, set);
    for (int a = 0; a < RS_ACCOUNTS; a++)
        v.acct[a] = strtoll(vals[a], NULL, 10);
    for (int s = 0; s < RS_SETS; s++)
        if (!rs_rd_int(&r, &v.scard[s]))
            rs_fail(x, "snapshot: SCARD failed");
    read_bulks(x, &r, RS_MSET_KEYS, v.mk, v.mk_set);
    read_bulks(x, &r, x->nclients, vals, set);
    for (int k = 0; k < x->nclients; k++)
        v.ledger[k] = strtoll(vals[k], NULL, 10);
    check_view(x, &v, c->floor, "snapshot");
    x->st.snapshots_checked++;
}

/* ---- after every step ---- */

void rs_check_step(rsim_t *x)
{
    kvd_shm_verify_invariants(x->shm, true);
    for (int i = 0; i < x->n; i++) {
        if (x->shards[i].sh == NULL)
            continue;
        static sim_t probe; /* what sim_verify_all reads of kvd-sim's state */
        probe.shard = rs_on(x, i);
        sim_verify_all(&probe);
    }
}

/* ---- at rest: the keyspaces themselves ---- */

/* Run one command on the shard that owns key; its reply in out. */
static void direct(rsim_t *x, const char *verb, const char *key, kvd_buf_t *out)
{
    int owner = kvd_route_shard_of(key, strlen(key));
    kvd_shard_t *sh = rs_on(x, owner);
    kvd_client_t c;
    kvd_client_init(&c, sh);
    kvd_buf_clear(out);
    c.reply = out;
    kvd_arg_t argv[2] = {{(char *)verb, strlen(verb)}, {(char *)key, strlen(key)}};
    c.argc = 2;
    c.argv = argv;
    kvd_dispatch(&c);
    c.argc = 0;
    c.argv = NULL;
    kvd_client_release(&c);
}

static int64_t direct_int(rsim_t *x, const char *verb, const char *key)
{
    kvd_buf_t out = KVD_BUF_INIT;
    direct(x, verb, key, &out);
    rs_rd_t r = {out.data, out.len};
    int64_t v = 0;
    if (!rs_rd_int(&r, &v))
        rs_fail(x, "at rest: %s %s failed", verb, key);
    kvd_buf_free(&out);
    return v;
}

void rs_check_final(rsim_t *x)
{
    view_t v;
    memset(&v, 0, sizeof(v));
    char key[32];
    for (int a = 0; a < RS_ACCOUNTS; a++) {
        snprintf(key, sizeof(key), "acct:%d", a);
        v.acct[a] = direct_int(x, "GET", key);
    }
    for (int s = 0; s < RS_SETS; s++) {
        snprintf(key, sizeof(key), "set:%d", s);
        v.scard[s] = direct_int(x, "SCARD", key);
    }
    kvd_buf_t out = KVD_BUF_INIT;
    for (int k = 0; k < RS_MSET_KEYS; k++) {
        snprintf(key, sizeof(key), "mk:%d", k);
        direct(x, "GET", key, &out);
        rs_rd_t r = {out.data, out.len};
        v.mk_set[k] = rs_rd_bulk(&r, v.mk[k], sizeof(v.mk[k]));
    }
    kvd_buf_free(&out);
    int64_t floor[RS_MAX_CLIENTS];
    for (int k = 0; k < x->nclients; k++) {
        rs_client_t *c = &x->clients[k];
        snprintf(key, sizeof(key), "ledger:%d", k);
        v.ledger[k] = direct_int(x, "GET", key);
        floor[k] = c->ledger_ok;
        snprintf(key, sizeof(key), "ctr:%d", k);
        int64_t ctr = direct_int(x, "GET", key);
        if (ctr < c->ctr || ctr > c->ctr + c->ctr_maybe)
            rs_fail(x, "at rest: ctr:%d is %lld; it was %lld with %lld INCRs of unknown "
                       "outcome", k, (long long)ctr, (long long)c->ctr, (long long)c->ctr_maybe);
    }
    check_view(x, &v, floor, "at rest");
    for (int i = 0; i < x->n; i++) {
        kvd_shard_t *sh = rs_on(x, i);
        if (kvd_router_locked() || kvd_aof_indoubt(sh) != NULL || kvd_aof_txset_count(sh) > 0)
            rs_fail(x, "at rest: s%d is still held, in doubt or has a committed set", i);
    }
}

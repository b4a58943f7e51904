/*
 * rsim.h - kvd-sim-router: the real router (src/event/router.c, txpart.c,
 * xshard*.c, conn_route.c) on 2-5 shards in one process, from a seed.
 *
 * Unlike kvd-sim-xshard (xsim.h), whose driver plays the protocol, here
 * nothing of the cross-shard protocol is the simulator's: each shard is a
 * kvd_shard_t with its own router context (kvd_router_enter), its own
 * simulated disk and the real AOF, and the shards talk over the real rings
 * (src/ipc/ring.c) of one shm region laid out in plain memory.  So
 * delivery is FIFO per ordered pair, as in production; the seed chooses
 * WHEN each shard's loop goes round and how many records it drains from
 * each peer (none: delayed; one, a few or a batch), so messages of
 * different pairs interleave in any order the real rings allow.  The
 * wake-ups are a no-op binding (the scheduler decides who runs); the
 * router's timers (a participant in doubt asking, COMMIT resent) fire on
 * the run's virtual clock.
 *
 * A shard's loop iteration (rs_loop) is what worker.c's callbacks do in
 * one turn: due timers, drain, serve unblocked clients, the AOF write
 * (kvd_aof_before_sleep), kvd_router_after_aof, and the clients' replies
 * leave only then (conn.h).
 *
 * Clients hold socketless connections (kvd_conn_new_local) on a home
 * shard and go through kvd_conn_route like a socket's: transfers as the
 * production crash test does them (MULTI; DECRBY a; INCRBY b; INCR
 * ledger:<client>; EXEC: two-phase commit across shards), SMOVE between
 * sets, MSET of keys on several shards, INCR of a counter, and a snapshot
 * (one cross-shard MULTI/EXEC reading every account, set and MSET key).
 *
 * A worker crash is a process crash, between two steps or in the middle
 * of a loop turn (before or after its AOF write, with what it sent its
 * peers already in the rings): the shard's memory and its AOF
 * buffer are lost, its page cache (the simulated disk) survives.  Then,
 * a few steps later as the seed says, the "master" resets its rings
 * (kvd_shm_reset_worker: the peers see the epoch change and fail or
 * resolve what they had with it), and later the worker restarts from its
 * file through the real kvd_aof_load, kvd_router_start (a prepared block
 * left in doubt asks its coordinator) and the committed set's resends.
 * A request cut by a crash has an indefinite outcome.  Under appendfsync
 * always, where every acknowledgement waited for its fsync, one crash in
 * three is also a power loss of that worker's disk (unsynced bytes lost
 * or torn, sim_disk.h).  Disk write and fsync errors are kvd-sim-xshard's
 * business, not modelled here.
 *
 * Checks (rsim_check.c): after every step, every ring's invariants and
 * the keyspace of every live shard (verify_invariants); every snapshot a
 * client reads: the accounts add up to 0, the sets hold every member
 * once, the MSET keys are equal, each client's ledger lies between its
 * acknowledged transfers and those plus the indefinite ones; every INCR
 * reply likewise.  After a healing phase (no crashes, every worker back,
 * no new requests) and at the end, after every worker crashed and came
 * back: every request answered, no shard locked or in doubt, every
 * committed set empty, no message in flight, and the same checks on the
 * keyspaces read directly.
 */
#ifndef KVD_SIM_RSIM_H
#define KVD_SIM_RSIM_H

#include <stdio.h>

#include "cmd/shard.h"
#include "event/conn.h"
#include "event/router.h"
#include "ipc/shm.h"
#include "sim_disk.h"
#include "sim_env.h"
#include "trace.h"

#define RS_MAX_SHARDS 5
#define RS_MAX_CLIENTS 8
#define RS_ACCOUNTS 6
#define RS_SETS 3
#define RS_MEMBERS 8
#define RS_MSET_KEYS 3

typedef struct rs_shard {
    int id;
    sim_env_t se;
    sim_disk_t *disk;
    kvd_shard_t *sh;       /* NULL while the worker is dead */
    kvd_router_ctx_t *ctx; /* a dead incarnation's is left behind (its process is gone) */
    uint64_t incarnation;
    uint64_t last_cron_us;
    bool reset_pending;    /* dead, and the master has not reset its rings yet */
    uint64_t reset_at, restart_at; /* steps */
} rs_shard_t;

typedef enum { OP_TRANSFER, OP_SMOVE, OP_MSET, OP_INCR, OP_SNAPSHOT, OP_SETUP, OP_COUNT } rs_op_t;

typedef struct rs_client {
    int id;
    int home;
    kvd_conn_t *conn;     /* NULL: not connected (its home died) */
    bool busy;
    rs_op_t op;
    int want;             /* replies the request gets (one per command) */
    kvd_buf_t in;         /* reply bytes received and not yet consumed */
    uint64_t sent_step;
    int64_t ledger_ok, ledger_maybe; /* its ledger as last read / transfers of unknown outcome */
    int64_t floor[RS_MAX_CLIENTS];   /* every ledger_ok when it sent its request */
    int64_t ctr, ctr_maybe;          /* the counter as last read / INCRs of unknown outcome */
    uint64_t mset_seq;
} rs_client_t;

typedef struct rs_opts {
    uint64_t seed, steps;
    bool crashes;
    int shards;  /* 0: the seed chooses (2..5) */
    bool verbose;
} rs_opts_t;

typedef struct rs_stats {
    uint64_t ops[OP_COUNT], acked[OP_COUNT], failed[OP_COUNT], maybe[OP_COUNT];
    uint64_t snapshots_checked, crashes, power_losses, resets, restarts, loops, drained, timers;
} rs_stats_t;

typedef struct rsim {
    rs_opts_t o;
    sim_rng_t rng;
    uint64_t now_us, start_us;
    kvd_config_t cfg;
    int n;
    rs_shard_t shards[RS_MAX_SHARDS];
    kvd_shm_t *shm;
    void *shm_mem;
    kvd_wake_t wake;
    rs_client_t clients[RS_MAX_CLIENTS];
    int nclients;
    uint64_t step;
    uint64_t crash_one_in; /* per step, and per crash point of a loop turn; 0: never */
    bool healing;
    sim_trace_t trace;
    rs_stats_t st;
    /* What dead incarnations left behind (router contexts, connections):
     * never used again, as a dead process's pages, but kept reachable so
     * LeakSanitizer does not report them. */
    void **graveyard;
    size_t ngrave, capgrave;
} rsim_t;

/* rsim_main.c */
KVD_NORETURN void rs_fail(rsim_t *x, const char *fmt, ...) KVD_PRINTF(2, 3);
void rs_trace(rsim_t *x, const char *fmt, ...) KVD_PRINTF(2, 3);

/* rsim_shard.c */
/* Make shard i current (its router context, clock, kvd_current_shard). */
kvd_shard_t *rs_on(rsim_t *x, int i);
void rs_shard_start(rsim_t *x, int i);
/* One turn of shard i's loop; the seed chooses what it drains. */
void rs_loop(rsim_t *x, int i);
void rs_cron(rsim_t *x, int i);
/* Shard i's worker dies (process crash). */
void rs_crash(rsim_t *x, int i);
/* Keep p, left behind by a dead incarnation, in x->graveyard. */
void rs_bury(rsim_t *x, void *p);
/* The master's part: reset the dead worker's rings; restart it. */
void rs_reset(rsim_t *x, int i);
/* Scheduled resets and restarts that are due (all of them when healing). */
void rs_revive(rsim_t *x);
/* Nothing in flight anywhere: every worker up, idle, its committed set empty. */
bool rs_quiet(rsim_t *x);

/* rsim_client.c */
void rs_clients_init(rsim_t *x);
/* Client c sends its next request (idle, home up). */
void rs_client_send(rsim_t *x, rs_client_t *c, rs_op_t op);
/* Shard i's loop wrote its AOF: its clients take their replies. */
void rs_clients_collect(rsim_t *x, int i);
/* Shard i died: its clients' connections are gone. */
void rs_clients_cut(rsim_t *x, int i);

/* rsim_check.c */
void rs_check_step(rsim_t *x);
/* Everything settled: read the keyspaces directly and check them. */
void rs_check_final(rsim_t *x);
/* A snapshot's reply (EXEC's array) or a counter's. */
void rs_check_snapshot(rsim_t *x, const rs_client_t *c, const char *p, size_t n);

/* A reply reader over RESP bytes. */
typedef struct rs_rd {
    const char *p;
    size_t n;
} rs_rd_t;
/* Bytes of the one complete reply at p, 0 when incomplete. */
size_t rs_reply_len(const char *p, size_t n);
/* The next value's first byte ('+', '-', ':', '$', '*'). */
char rs_rd_type(const rs_rd_t *r);
/* Read the next value: an integer (or a bulk holding one; nil: 0), an
 * array header (-1: nil), any value skipped. */
bool rs_rd_int(rs_rd_t *r, int64_t *v);
int64_t rs_rd_array(rs_rd_t *r);
/* A bulk into out (NUL-terminated, truncated); false for nil. */
bool rs_rd_bulk(rs_rd_t *r, char *out, size_t cap);
void rs_rd_skip(rs_rd_t *r);

#endif /* KVD_SIM_RSIM_H */

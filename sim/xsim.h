/*
 * xsim.h - kvd-sim-xshard: cross-shard transactions (aof.h, xshard.h)
 * through crashes, on several shards in one process.
 *
 * Here a driver plays the router's, participant's and coordinator's
 * roles, in the protocol's order (kvd-sim-router, rsim.h, runs the real
 * ones; this driver reaches disk faults and power losses that one does
 * not model), and everything that reaches a file goes through
 * the real AOF code of each shard (kvd_aof_tx_*, kvd_aof_before_sleep,
 * kvd_aof_cron, kvd_aof_load, the committed set, the in-doubt calls),
 * each shard with its own simulated disk (sim_disk.h).
 *
 * A step is one action chosen by the seed among those enabled: start a
 * transaction, one protocol step of a running one (a writer's commands,
 * PREPARE, the coordinator's COMMIT, one phase's UNLOCK, ABORT), deliver
 * a COMMIT from a coordinator's committed set, deliver an acknowledgement,
 * a participant in doubt asks its coordinator, cron, BGREWRITEAOF, a crash
 * of one shard or of all.  So messages are delayed and reordered as the
 * seed says, and a crash falls between any two steps.
 *
 * What a "crash" is: a process crash (the page cache survives; buffered
 * records are lost) or, unless appendfsync is no, a power loss of that
 * shard's disk (unsynced bytes lost or torn, sim_disk.h).  Under "no" the
 * protocol promises nothing across a power loss (PREPARE and COMMIT are
 * not synced), so such runs only see process crashes.  A worker whose
 * disk is failing (a write or fsync error) may also die, page cache kept.
 *
 * --lax-replies models src/event/router.c as it was, where a peer's reply
 * left after the loop's AOF write even when that write or fsync failed
 * (it now says MISCONF then); by default a reply counts only once its
 * records are on disk (xs_flush).
 *
 * An abort on a live participant is modelled by what txpart.c does when
 * its undo cannot replay: write ABORT, flush, and restart the worker from
 * its file (page cache kept).  Undo images themselves are not simulated.
 *
 * Checks (xsim_check.c), after every step and strictly at the end, after
 * a healing phase without faults that drives every transaction, doubt and
 * acknowledgement to its end: each account equals the sum of the writes
 * of the transactions whose marker key is on its shard; a transaction is
 * on all its writers or on none (the marker; a participant still holding
 * it counts as pending, allowed only while the coordinator's committed
 * set has it); every transaction whose client was answered, when the
 * policy promises it, is present after every recovery; the sum of all
 * accounts is 0 and every committed set is empty at the end.
 */
#ifndef KVD_SIM_XSIM_H
#define KVD_SIM_XSIM_H

#include <stdio.h>

#include "aof/aof_int.h"
#include "cmd/client.h"
#include "cmd/shard.h"
#include "sim_disk.h"
#include "sim_env.h"
#include "trace.h"

#define XS_MAX_SHARDS 5
#define XS_ACCOUNTS 4
#define XS_MAX_ACTIVE 3
#define XS_MAX_OPS 2    /* account writes per writer shard */
#define XS_MAX_ACKS 64  /* acknowledgements in flight */
#define XS_MAX_LOG 4096 /* transactions per run */

/* What holds a shard's lock (txpart.c's states). */
typedef enum {
    HOLD_FREE,
    HOLD_RUNNING,    /* a transaction holds it and may write */
    HOLD_PREPARED,   /* its block is closed and synced; waiting for the decision */
    HOLD_DOUBT_LIVE, /* prepared, and its coordinator died: asking */
    HOLD_DOUBT_FILE, /* replay left its prepared block in doubt: asking */
} xs_hold_t;

typedef struct xs_shard {
    int id;
    sim_env_t se;       /* own disk and fault PRNG; the clock follows the run's */
    sim_disk_t *disk;
    kvd_shard_t *sh;
    kvd_client_t client; /* the connection (or proxy) the writes come from */
    kvd_buf_t reply;
    xs_hold_t hold;
    char hold_tx[KVD_TXID_MAX];
    uint64_t incarnation; /* restarts so far: a message to an older one is lost */
    uint64_t last_cron_us;
    /* The durable decisions of its committed set when it died: a restart
     * must find every one of them again. */
    char (*decided)[KVD_TXID_MAX];
    size_t ndecided;
} xs_shard_t;

/* One account write of a transaction on one shard. */
typedef struct xs_op {
    int acct;
    int64_t delta;
} xs_op_t;

/* Every transaction ever started, for the checks. */
typedef struct xs_txlog {
    char id[KVD_TXID_MAX];
    int coord;
    int nwriters;
    int writer[XS_MAX_SHARDS];
    int nops[XS_MAX_SHARDS];
    xs_op_t ops[XS_MAX_SHARDS][XS_MAX_OPS];
    bool two_phase;
    bool acked;     /* the client's reply left */
    bool forgotten; /* every participant acknowledged: its coordinator forgot it */
} xs_txlog_t;

typedef enum { TX_WRITING, TX_PREPARING, TX_DECIDED, TX_ONE_PHASE } xs_phase_t;

/* A transaction the driver coordinates (gone once answered, or when its
 * coordinator dies: the committed set carries the rest). */
typedef struct xs_tx {
    bool active;
    int log;
    xs_phase_t phase;
    int nheld;
    int held[XS_MAX_SHARDS]; /* shards it locked, the coordinator first */
    bool wrote[XS_MAX_SHARDS];    /* by shard id: the writer's commands ran */
    bool prepared[XS_MAX_SHARDS]; /* by shard id: its PREPARED reply arrived */
    bool released[XS_MAX_SHARDS]; /* by shard id: one phase's UNLOCK done */
    bool failed; /* abort instead of commit */
    bool lost;   /* a shard died under one phase: no reply */
} xs_tx_t;

typedef struct xs_ack {
    int coord, part;
    uint64_t coord_incarnation;
    char id[KVD_TXID_MAX];
} xs_ack_t;

typedef struct xs_opts {
    uint64_t seed, steps;
    bool faults;
    int fsync; /* kvd_fsync_t, or -1: the seed chooses */
    int shards; /* 0: the seed chooses (2..5) */
    bool verbose;
    /* Model src/event/router.c as it is: a peer's reply (PREPARED, the
     * answer to UNLOCK or COMMIT) leaves after the loop's AOF write even
     * when that write or fsync failed. */
    bool lax_replies;
} xs_opts_t;

typedef struct xs_stats {
    uint64_t started, committed2, committed1, aborted, acked;
    uint64_t crashes, power_losses, reloads, doubts, rewrites, commits_sent, acks;
} xs_stats_t;

typedef struct xsim {
    xs_opts_t o;
    sim_rng_t rng;
    uint64_t now_us;
    kvd_config_t cfg;
    int n;
    xs_shard_t shards[XS_MAX_SHARDS];
    xs_tx_t tx[XS_MAX_ACTIVE];
    xs_txlog_t *log;
    int nlog;
    xs_ack_t acks[XS_MAX_ACKS];
    int nacks;
    uint64_t step;
    uint64_t next_seq;
    bool healing; /* no more faults, crashes or new transactions */
    sim_trace_t trace;
    xs_stats_t st;
} xsim_t;

/* xsim_main.c */
KVD_NORETURN void xs_fail(xsim_t *x, const char *fmt, ...) KVD_PRINTF(2, 3);
void xs_trace(xsim_t *x, const char *fmt, ...) KVD_PRINTF(2, 3);

/* xsim_shard.c */
/* Shard i, made current, its clock set to the run's. */
kvd_shard_t *xs_on(xsim_t *x, int i);
void xs_shard_start(xsim_t *x, int i);
/* One loop iteration's end: kvd_aof_before_sleep.  True when everything
 * fed is written, and synced when the policy (or a PREPARE or decision)
 * asks for it: what a reply waits for. */
bool xs_flush(xsim_t *x, int i);
/* Run one command on shard i's connection: false when kvd answered an error. */
bool xs_command(xsim_t *x, int i, const char *fmt, ...) KVD_PRINTF(3, 4);
/* Take / release shard i's lock for txid (txpart.c's lock_take/release). */
void xs_lock(xsim_t *x, int i, const char *txid, xs_hold_t how);
void xs_unlock(xsim_t *x, int i);
/* Shard i's worker dies; power: its disk loses what was not synced. */
void xs_crash(xsim_t *x, int i, bool power);
/* Restart shard i from its file, the page cache intact (txpart.c's
 * abort when the undo cannot replay). */
void xs_reload(xsim_t *x, int i);
void xs_cron(xsim_t *x, int i);
void xs_rewrite(xsim_t *x, int i);

/* xsim_tx.c: the driver's actions, each choosing with the run's PRNG. */
/* Lock free shards for a new transaction (none free: nothing). */
void xs_start_tx(xsim_t *x);
/* One protocol step of a running transaction; false when none runs. */
bool xs_tx_step(xsim_t *x);
/* A COMMIT from a coordinator's committed set reaches a participant. */
bool xs_commit_step(xsim_t *x);
/* A participant's acknowledgement reaches its coordinator. */
bool xs_ack_step(xsim_t *x);
/* A participant in doubt asks its coordinator and acts on the answer. */
bool xs_doubt_step(xsim_t *x);
/* One shard, or all, crash and restart. */
void xs_crash_step(xsim_t *x);
/* Maybe a shard whose disk is failing crashes (its page cache survives). */
bool xs_crash_failing(xsim_t *x);
/* Shard i restarted: its coordinator's transactions are gone, its
 * participants learn it (xshard.h: peer reset). */
void xs_peer_reset(xsim_t *x, int i);
/* Nothing runs, nothing is held or in flight, every committed set is empty. */
bool xs_quiet(const xsim_t *x);

/* xsim_check.c */
/* The transaction with this id, or NULL. */
xs_txlog_t *xs_log_find(xsim_t *x, const char *id);
void xs_check(xsim_t *x, bool strict);
/* The policy promises this acknowledged transaction survives crashes. */
bool xs_promised(const xsim_t *x, const xs_txlog_t *t);

#endif /* KVD_SIM_XSIM_H */

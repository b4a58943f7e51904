/*
 * xshard_int.h - the coordinator's state of a cross-shard transaction,
 * shared by its files: xshard.c (locking, running the commands, the
 * whole), xshard_cross.c (commands that need keys of several shards),
 * xshard_end.c (one-phase end, two-phase commit, abort, and resending
 * COMMIT to participants that have not acknowledged it).  Not for other
 * files.
 */
#ifndef KVD_XSHARD_INT_H
#define KVD_XSHARD_INT_H

#include "xshard.h"
#include "router.h"
#include "aof/aof.h"

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
    kvd_router_timer_t poll;
};

/* This worker's coordinator state (the simulator has one per shard). */
typedef struct xs_state {
    kvd_xtx_t *running; /* a peer may die under them */
    /* Transaction ids: "<shard>.<incarnation>.<sequence>" (aof.h). */
    uint64_t incarnation, next_txseq;
    kvd_router_timer_t retry; /* COMMIT resent to who has not acknowledged it */
    /* The private shard cross-shard commands run in, and its client. */
    kvd_shard_t *scratch;
    kvd_client_t scratch_client;
} xs_state_t;

extern xs_state_t *XS;

/* xshard.c */
kvd_shard_t *xs_home(const kvd_xtx_t *tx);
/* Move the transaction on as far as it goes without waiting. */
void xs_advance(kvd_xtx_t *tx);
/* Run argv on c, its reply appended to into. */
void xs_run_into(kvd_client_t *c, int argc, kvd_arg_t *argv, kvd_buf_t *into);
/* A request to shard `to` whose answer goes to fn (counted in waiting). */
void xs_send_step(kvd_xtx_t *tx, int to, unsigned flags, kvd_buf_t *payload, int part,
                  kvd_router_reply_fn *fn);
/* An answer that only counts (UNLOCK, a push, an ABORT). */
void xs_on_ack(void *arg, int part, const char *data, size_t len);

/* xshard_cross.c */
void xs_start_cross(kvd_xtx_t *tx);
/* SORT with BY/GET patterns: pull the keys its elements name; false when
 * there is nothing more to pull. */
bool xs_pull_sort_patterns(kvd_xtx_t *tx);
/* The pulled copies are in: run the command on them, push what changed. */
void xs_run_cross(kvd_xtx_t *tx);
void xs_finish_cross(kvd_xtx_t *tx);

/* xshard_end.c */
/* The commands have run (or the transaction failed): end it. */
void xs_end_transaction(kvd_xtx_t *tx);
/* Before the commit point: every participant puts its keys back. */
void xs_end_abort(kvd_xtx_t *tx);
/* Every participant prepared: the commit point. */
void xs_commit_two_phase(kvd_xtx_t *tx);

#endif /* KVD_XSHARD_INT_H */

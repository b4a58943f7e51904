/*
 * sim.h - the simulator's state, shared by main.c (steps, clients, the
 * model comparison) and crash.c (the AOF hooks, worker crash and restart).
 */
#ifndef KVD_SIM_SIM_H
#define KVD_SIM_SIM_H

#include <stdio.h>

#include "cmd/client.h"
#include "cmd/shard.h"
#include "durable.h"
#include "history.h"
#include "model.h"
#include "sim_disk.h"
#include "sim_env.h"
#include "trace.h"
#include "workload.h"

#define SIM_MAX_CLIENTS 256
#define CRON_PERIOD_US 100000
/* Per key; a simulated history is far below it (see sim/run-seeds.sh output with -v). */
#define LIN_MAX_WORK 2000000

typedef enum { FAULTS_NONE, FAULTS_CLOCK, FAULTS_ALL } faults_t;

typedef struct sim_opts {
    uint64_t seed;
    uint64_t steps;
    faults_t faults;
    int clients, keys;
    int fsync;       /* kvd_fsync_t, or -1: chosen by the seed */
    bool verbose;
    bool no_compare; /* skip the model comparison: what do the other checks catch alone? */
    bool no_crash;   /* --faults all without worker crashes */
    bool no_ttl;     /* a workload that never sets a TTL */
    bool strings;    /* --strings-only: the string workload of before (no
                        collections, FLUSHDB or transactions) */
} sim_opts_t;

/* A client's command between its call and the delivery of its reply. */
typedef struct pending {
    bool active, executed;
    bool lost_request; /* BUGGIFY: never reaches kvd; the client cannot tell */
    bool lost_reply;   /* BUGGIFY, a crash, or kvd closed the connection: no reply */
    bool refused;      /* MISCONF: kvd refused the write, nothing happened */
    uint64_t call;     /* event time of the call */
    uint64_t exec_step, ret_step;
    uint64_t didx;     /* the command's index in the durability log */
    int db;            /* the client's database when it called (or ran EXEC) */
    sim_cmd_t cmd;     /* a single command (or the transaction's last, for traces) */
    sim_tx_t *tx;      /* a transaction, or NULL */
    int phase;         /* of the transaction: 0 WATCH, 1 MULTI..EXEC */
    size_t exec_off;   /* where EXEC's reply starts in the client's reply */
} pending_t;

typedef struct sim_stats {
    uint64_t crashes, misconf, dropped, kept, ran;
    uint64_t verified; /* values verified by sim_verify_all */
} sim_stats_t;

typedef struct sim {
    sim_opts_t o;
    sim_env_t se;
    sim_disk_t *disk;
    kvd_config_t cfg;
    kvd_shard_t *shard;
    kvd_client_t *clients;
    kvd_buf_t *replies;
    int *model_db; /* each client's database as the model sees it */
    model_t *model;
    sim_durable_t *dur; /* NULL when the run has no crashes */
    sim_workload_t wl;
    sim_trace_t trace;
    pending_t *pend;
    sim_tx_t *txs;       /* each client's transaction storage */
    kvd_arg_t tx_argv[SIM_TX_MAX * SIM_MAX_ARGS];
    model_sb_t norm;     /* kvd's reply, normalized */
    sim_history_t hist;
    uint64_t tick; /* event clock of calls and returns, for the history */
    uint64_t step;
    uint64_t last_cron_us;
    uint64_t crash_one_in; /* per step; 0: never */
    sim_stats_t st;
    char cmdline[SIM_TRACE_LINE];
} sim_t;

/* main.c */
void sim_print_replay(const sim_t *s, FILE *out);
void sim_deliver(sim_t *s, int ci);
void sim_check_history(sim_t *s);

void sim_run_one(sim_t *s, int ci, sim_cmd_t *cmd, const kvd_arg_t *dargv, int dargc,
                 bool single);

/* txn.c */
/* Run the due phase of client ci's transaction. */
void sim_tx_run(sim_t *s, int ci);
/* Its queued commands join the history (lost: the reply never came). */
void sim_tx_record(sim_t *s, int ci, bool lost, uint64_t ret);

/* verify.c */
/* verify_invariants() of the values of the keys argv names in db. */
void sim_verify_keys(sim_t *s, int db, const kvd_arg_t *argv, int argc);
/* Every database, every value, the blocking index; returns the values seen. */
uint64_t sim_verify_all(sim_t *s);

/* crash.c */
/* A new shard replays the AOF from the simulated disk; clients (re)connect. */
void sim_shard_start(sim_t *s);
/* Drop the shard's memory with its clients (no shutdown). */
void sim_shard_drop(sim_t *s);
/* kvd_aof_before_sleep as the worker loop runs it, then the connections
 * it closed (a failed write under always) lose their replies. */
void sim_aof_before_sleep(sim_t *s);
/* A MISCONF reply to argv: fails the run unless the disk really failed. */
bool sim_misconf(sim_t *s, const sim_cmd_t *cmd, const char *reply, size_t len);
/* BUGGIFY: maybe crash the worker here (where names the point in the step). */
void sim_maybe_crash(sim_t *s, const char *where);

#endif /* KVD_SIM_SIM_H */

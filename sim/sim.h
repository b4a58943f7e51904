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
    int db;            /* the client's database when it called */
    sim_cmd_t cmd;
} pending_t;

typedef struct sim_stats {
    uint64_t crashes, misconf, dropped, kept, ran;
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

/* crash.c */
/* A new shard replays the AOF from the simulated disk; clients (re)connect. */
void sim_shard_start(sim_t *s);
/* Drop the shard's memory with its clients (no shutdown). */
void sim_shard_drop(sim_t *s);
/* kvd_aof_before_sleep as the worker loop runs it, then the connections
 * it closed (a failed write under always) lose their replies. */
void sim_aof_before_sleep(sim_t *s);
/* A MISCONF reply to argv: fails the run unless the disk really failed. */
bool sim_misconf(sim_t *s, int ci, const kvd_buf_t *reply);
/* BUGGIFY: maybe crash the worker here (where names the point in the step). */
void sim_maybe_crash(sim_t *s, const char *where);

#endif /* KVD_SIM_SIM_H */

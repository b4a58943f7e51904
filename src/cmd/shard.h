/*
 * shard.h - the state one worker owns: its databases, clients, counters.
 *
 * A shard is the unit the simulator drives: it holds no file descriptor or
 * event-loop object, only data and the environment (clock, randomness,
 * disk) it was given.
 */
#ifndef KVD_SHARD_H
#define KVD_SHARD_H

#include "../core/config.h"
#include "../core/env.h"
#include "../db/db.h"
#include "client.h"

struct kvd_command;

/* INFO errorstats: replies counted by their error code ("ERR", "WRONGTYPE").
 * Like Redis, tracking stops growing at 128 distinct codes. */
#define KVD_MAX_ERROR_CODES 128
typedef struct kvd_errorstat {
    char code[32];
    uint64_t count;
} kvd_errorstat_t;

typedef struct kvd_shard_stats {
    uint64_t total_connections_received;
    uint64_t total_commands_processed;
    uint64_t rejected_connections;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
    uint64_t total_error_replies;
    uint64_t unexpected_error_replies;
    uint64_t client_query_buffer_limit_disconnections;
    /* Client commands by where they ran: here, on the one other shard that
     * owns their keys (over a ring), or split or locked over several. */
    uint64_t routed_local, routed_remote, routed_cross;
    kvd_db_stats_t db; /* expired_keys, keyspace_hits/misses */
    kvd_errorstat_t errors[KVD_MAX_ERROR_CODES];
    int nerrors;
} kvd_shard_stats_t;

struct kvd_shard {
    int id;       /* 0 .. nshards-1 */
    int nshards;
    kvd_env_t *env;
    kvd_config_t *cfg; /* the live configuration; CONFIG SET edits it */
    kvd_db_t **dbs;
    int ndbs;

    kvd_client_t *clients; /* list head */
    uint64_t nclients;
    uint64_t next_client_id;

    uint64_t start_us;  /* env clock at start: uptime */
    uint64_t stat_reset_us;
    kvd_shard_stats_t stats;
    int hz;             /* active expiry / cron frequency */
    uint32_t close_asap_pending; /* clients flagged CLOSE_ASAP since the last sweep */
    const char *executable;
    const char *config_file;
    int tcp_port;       /* first listening port, for INFO */
    pid_t master_pid;
    /* INFO: run_id and master_replid, drawn from env->random_u64 on first
     * use (40 hex digits + NUL), and the highest used_memory INFO has seen. */
    char run_id[41];
    char replid[41];
    size_t used_memory_peak;
    /* Changes since start (Redis's server.dirty): each write command adds
     * the number of elements it changed, 0 when it changed nothing.  INFO
     * persistence reports rdb_changes_since_last_save from it; the AOF
     * logs a command only when it moved this counter. */
    uint64_t dirty;
    struct kvd_blocking *blocking; /* clients in BLPOP & co (blocking.h) */
    struct kvd_watches *watches;   /* keys clients WATCH (multi.h) */
    int in_exec;                   /* EXEC is running its queue */
    struct kvd_aof *aof;           /* the append-only file (aof/aof.h), NULL when off */
    /* Several shards: the stand-in running commands here for connection
     * conn_id of another worker, or NULL (set by the router). */
    kvd_client_t *(*find_proxy)(uint64_t conn_id);
    /* Blocking commands over keys of several shards, waiting (xshard.c). */
    uint64_t cross_blocked;
    /* Set while a cross-shard transaction holds the shard: called before
     * every write command runs, so an abort can undo it (txpart.c). */
    void (*before_write)(kvd_client_t *c, const struct kvd_command *cmd);
};

/* Process-wide shard of this worker (one per worker process). */
extern kvd_shard_t *kvd_current_shard;

kvd_shard_t *kvd_shard_create(int id, int nshards, kvd_env_t *env, kvd_config_t *cfg);
void kvd_shard_destroy(kvd_shard_t *s);
void kvd_shard_link_client(kvd_shard_t *s, kvd_client_t *c);
void kvd_shard_unlink_client(kvd_shard_t *s, kvd_client_t *c);
/* Periodic work (hz times a second): active expiry, idle clients. */
void kvd_shard_cron(kvd_shard_t *s);
void kvd_shard_reset_stats(kvd_shard_t *s);
/* Count one error reply (text starts after '-'): total and per code. */
/* A write changed n things (keys, members, fields, bits). */
static inline void kvd_shard_add_dirty(kvd_shard_t *s, uint64_t n)
{
    s->dirty += n;
}
void kvd_shard_count_error(kvd_shard_t *s, const char *text, size_t len);

#endif /* KVD_SHARD_H */

/*
 * workload.h - the commands simulated clients send.
 *
 * Keys are Zipf-distributed over a small keyspace per type ("key:N" for
 * strings, "l:N", "h:N", "s:N", "z:N" for lists, hashes, sets and sorted
 * sets; a command now and then names a key of another type), so a few hot keys see
 * most of the traffic (and of the races between writes and expiry), while
 * the tail still gets created, expired and deleted.  Values mix short
 * strings, canonical and non-canonical integers, integers near the int64
 * limits and strings around the 44-byte embstr/raw boundary.
 */
#ifndef KVD_SIM_WORKLOAD_H
#define KVD_SIM_WORKLOAD_H

#include "proto/resp.h"
#include "sim_env.h"

#define SIM_MAX_ARGS 16
#define SIM_ARG_CAP 128

typedef struct sim_cmd {
    int argc;
    kvd_arg_t argv[SIM_MAX_ARGS];
    char store[SIM_MAX_ARGS][SIM_ARG_CAP]; /* argv[i].ptr points here */
} sim_cmd_t;

enum { SIM_NS_STRING, SIM_NS_LIST, SIM_NS_HASH, SIM_NS_SET, SIM_NS_ZSET, SIM_NS_COUNT };
extern const char *const sim_ns_prefix[SIM_NS_COUNT];

/* A transaction: cmds[0..split) (WATCH, a read) run first, the rest
 * (MULTI, the queue, EXEC or DISCARD) a few steps later, so other
 * clients' writes can come between. */
#define SIM_TX_MAX 10
typedef struct sim_tx {
    int n, split;
    sim_cmd_t cmds[SIM_TX_MAX];
} sim_tx_t;

typedef struct sim_workload {
    int nkeys;
    bool types; /* collections, FLUSHDB, transactions (not --strings-only) */
    bool hot;   /* keys of rank 0-2 only (a transaction's, so that they conflict) */
    double *cdf; /* Zipf cumulative distribution over key ranks */
    bool no_ttl; /* no command sets a TTL (--no-ttl) */
} sim_workload_t;

void sim_workload_init(sim_workload_t *w, int nkeys, double skew);
void sim_workload_free(sim_workload_t *w);
/* Draw the next command of a client whose database is db (0 or 1). */
void sim_workload_next(sim_workload_t *w, sim_rng_t *r, int db, sim_cmd_t *c);
/* Draw a transaction instead (sim_workload_next says when: true). */
bool sim_workload_wants_tx(sim_workload_t *w, sim_rng_t *r);
void sim_workload_tx(sim_workload_t *w, sim_rng_t *r, int db, sim_tx_t *tx);
/* "SET key val" in a printable, truncated form for traces. */
void sim_cmd_format(const sim_cmd_t *c, char *out, size_t cap);

#endif /* KVD_SIM_WORKLOAD_H */

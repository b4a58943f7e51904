/*
 * route.h - where a command runs when there are several shards
 * (DESIGN.md sections 2 and 4), and how the parts of a fanned-out
 * command are put back together.
 *
 * The plan for one command, from its row and its keys:
 *   LOCAL    every key is ours, or it has no keys and acts on this
 *            worker only (PING, CONFIG, CLIENT ...): run it here;
 *   REMOTE   every key belongs to one other shard: ship argv to it;
 *   FANOUT   the command is split per shard (MGET, MSET, DEL, UNLINK,
 *            EXISTS, TOUCH, WATCH by key; DBSIZE, KEYS, FLUSHDB,
 *            FLUSHALL, SWAPDB, RANDOMKEY to all shards) and the parts'
 *            replies are merged in the client's order;
 *   SCAN     runs on the shard its cursor names (the low 10 bits of a
 *            kvd cursor are the shard, the rest the shard's own cursor);
 *   CROSS    keys on several shards for a command that must be atomic
 *            (RENAME, SMOVE, LMOVE, SINTERSTORE, ...): run under the
 *            locks of those shards (xshard.h).
 */
#ifndef KVD_ROUTE_H
#define KVD_ROUTE_H

#include "cmd/client.h"
#include "core/buf.h"

#define KVD_ROUTE_SHARD_BITS 10 /* KVD_SHM_MAX_WORKERS == 1 << 10 */
#define KVD_ROUTE_MAX_SHARDS (1 << KVD_ROUTE_SHARD_BITS)

typedef enum {
    KVD_ROUTE_LOCAL,
    KVD_ROUTE_REMOTE,
    KVD_ROUTE_FANOUT,
    KVD_ROUTE_SCAN,
    KVD_ROUTE_CROSS,
} kvd_route_kind_t;

/* How fanned-out parts merge. */
typedef enum {
    KVD_MERGE_NONE,
    KVD_MERGE_SUM,      /* integers added: DEL, EXISTS, DBSIZE ... */
    KVD_MERGE_OK,       /* +OK unless a part failed: MSET, FLUSH*, WATCH */
    KVD_MERGE_CONCAT,   /* arrays joined: KEYS */
    KVD_MERGE_MGET,     /* elements back in key order */
    KVD_MERGE_FIRST,    /* the first non-nil in part order: RANDOMKEY */
    KVD_MERGE_INFO,     /* INFO texts added up (route_info.c) */
    KVD_MERGE_TEXT,     /* bulk strings joined: CLIENT LIST */
    KVD_MERGE_SAME,     /* every shard did the same: the first part's reply
                         * (CONFIG SET, CONFIG RESETSTAT, BGREWRITEAOF) */
} kvd_merge_t;

typedef struct kvd_route {
    kvd_route_kind_t kind;
    bool locked;           /* FANOUT: under the shards' locks (xshard.h), so
                            * no transaction sees half of it */
    int shard;             /* REMOTE, SCAN: the target */
    kvd_merge_t merge;     /* FANOUT */
    bool by_key;           /* FANOUT: split by key (else: the same argv to every shard) */
    int key_step;          /* by_key: words per key (2 for MSET) */
} kvd_route_t;

/* Fill the slot -> shard table for nshards (once per worker). */
void kvd_route_init(int nshards, int self);
/* Another shard of the same count becomes self (the simulator). */
void kvd_route_set_self(int self);
int kvd_route_nshards(void);
int kvd_route_self(void);
int kvd_route_shard_of(const char *key, size_t klen);

/* Plan c's command (c->cmd resolved, argc checked). */
void kvd_route_plan(const kvd_client_t *c, kvd_route_t *out);

/*
 * A FANOUT command split into parts: the shards in order of first use,
 * each part's argv (by_key: built from c's words; else c's own argv for
 * every shard) and, by_key, for each key the part holding it (MGET's
 * merge order).  The words point into c's argv: keep it alive.
 */
typedef struct kvd_split {
    bool by_key;
    int nparts;
    int shard[KVD_ROUTE_MAX_SHARDS];
    kvd_arg_t *argv[KVD_ROUTE_MAX_SHARDS];
    int argc[KVD_ROUTE_MAX_SHARDS];
    int *order; /* owned: take it (and set NULL) to keep it past the free */
    int nkeys;
} kvd_split_t;

kvd_split_t *kvd_route_split(const kvd_client_t *c, const kvd_route_t *rt);
void kvd_route_split_free(kvd_split_t *sp);

/* SCAN: c's argv with the shard's own cursor in argv[1] (cur holds its
 * text); false when c's cursor names no shard. */
bool kvd_route_scan_argv(const kvd_client_t *c, kvd_arg_t *argv, char cur[24], int *shard);

/* SORT/SORT_RO: the BY and GET patterns that name other keys (at most
 * max of them into pats); 0 for any other command. */
int kvd_route_sort_patterns(const kvd_client_t *c, const kvd_arg_t **pats, int max);

/* Parsing what a peer worker encoded (commands, PULL answers, rebuild
 * streams): no size limit of its own, the client's was applied already. */
extern const kvd_resp_limits_t kvd_route_peer_limits;

/* Append argv as a RESP multibulk. */
void kvd_route_encode(kvd_buf_t *out, int argc, const kvd_arg_t *argv);
/* The payload of a TXCTL message: "<verb> <txid>". */
void kvd_route_encode_ctl(kvd_buf_t *out, const char *verb, const char *txid);
/* The multibulk a peer encoded in data[0..len) into argv, parsed in place
 * in copy (which the caller frees with argv). */
void kvd_route_decode(kvd_buf_t *copy, const char *data, size_t len, kvd_argv_t *argv);

/* Length of the one RESP2 reply at p[0..n), 0 when incomplete or malformed. */
size_t kvd_route_reply_len(const char *p, size_t n);

/*
 * Merge parts[0..nparts) into out.  For KVD_MERGE_MGET, order[k] is the
 * part that holds the k-th key's value (nkeys of them); the parts are
 * consumed in order.  An error part makes the whole reply that error.
 */
void kvd_route_merge(kvd_merge_t how, kvd_buf_t *parts, int nparts, const int *order, int nkeys,
                     kvd_buf_t *out);

/* The reply of a command sent out in parts: a SCAN part with its cursor
 * rewritten (scan_shard >= 0), the one part (KVD_MERGE_NONE), or the
 * parts merged. */
void kvd_route_gather(kvd_merge_t how, int scan_shard, kvd_buf_t *parts, int nparts,
                      const int *order, int nkeys, kvd_buf_t *out);

/* INFO: every shard's text added up into one (route_info.c). */
void kvd_route_merge_info(const kvd_buf_t *parts, int nparts, kvd_buf_t *out);

/* SCAN: split a client cursor; rewrite the shard's reply cursor. */
bool kvd_route_scan_cursor(const kvd_arg_t *a, int *shard, uint64_t *inner);
void kvd_route_scan_reply(const kvd_buf_t *part, int shard, kvd_buf_t *out);

#endif /* KVD_ROUTE_H */

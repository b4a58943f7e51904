/*
 * xshard.h - commands and transactions whose keys live on several shards
 * (DESIGN.md section 4): RENAME, SMOVE, LMOVE, SUNIONSTORE, BITOP ...
 * across shards, and MULTI/EXEC whose commands (or WATCHed keys) span
 * shards.  The worker holding the connection coordinates:
 *
 *   1. LOCK every participating shard one at a time, in ascending shard
 *      order; a shard answers once no other transaction holds it
 *      (router.h), and says whether the connection's WATCHed keys there
 *      were touched.  Every coordinator waits only for shards above the
 *      ones it holds, so no cycle of waits can form.
 *   2. Run the commands in order.  A command whose keys live on one
 *      shard runs there, on the connection's stand-in that the lock
 *      admits; a command split per shard (MGET, DEL, FLUSHALL ...) is
 *      split as outside a transaction; a command that must see keys of
 *      several shards at once pulls copies of its keys (their rebuild
 *      commands, as an AOF rewrite writes them) into this worker's private
 *      scratch shard, runs there with the ordinary command code, and
 *      pushes every key it changed back to its owner.
 *   3. End it.  Each participant keeps, until then, what every key the
 *      transaction writes there was before (undo), and its writes form
 *      one block in its AOF, marked with the transaction's id (aof.h).
 *      - At most one shard wrote: UNLOCK every participant; each commits
 *        on its own (one phase).
 *      - Several did: two-phase commit.  PREPARE every participant (it
 *        closes its block and syncs it); once all have, the coordinator
 *        writes its COMMIT record, naming the shards that wrote, and
 *        syncs it: that is the commit point.  Only then are the
 *        participants told COMMIT.
 *      - A participant died before the commit point: ABORT the others;
 *        they put their keys back from the undo images.
 *      The client gets its reply once every participant has answered.
 *
 * No other client sees a state between 1 and 3: every participant runs
 * nothing else meanwhile.  The connection is held (barrier) until the
 * reply is out, so what it pipelined after runs after it.
 *
 * After a crash it is all or nothing: a participant whose prepared block
 * ends its file, or whose coordinator died after it prepared, holds its
 * shard and asks the coordinator (QUERY), which answers from its
 * committed set (aof.h); the coordinator keeps sending COMMIT to
 * participants that have not acknowledged it, across its own restarts.
 */
#ifndef KVD_XSHARD_H
#define KVD_XSHARD_H

#include "conn.h"

typedef struct kvd_xtx kvd_xtx_t;

/*
 * Run the n commands argv[i] (argc[i] words; copied) as one atomic unit
 * for conn, answering slot p: EXEC's array when is_exec (conn's MULTI
 * state is consumed: its watches are checked under the locks), else the
 * one command's reply.
 */
void kvd_xshard_run(kvd_conn_t *conn, kvd_pending_t *p, int n, const kvd_arg_t *const *argv,
                    const int *argc, bool is_exec);

/* The connection is closing: the transaction still runs to its end (its
 * steps may already have run), without a reply. */
void kvd_xshard_orphan(kvd_xtx_t *tx);

/* Worker `peer` died: transactions that held its lock stop issuing steps
 * (their answer becomes -LOADING) and release the others. */
void kvd_xshard_peer_reset(int peer);

/* Worker start, several shards: resume telling the participants of the
 * committed set (replayed from the AOF) to COMMIT. */
void kvd_xshard_init(void);

/* The coordinator's state for one more router (kvd_router_ctx_new), and
 * switching to it (kvd_router_enter). */
void *kvd_xshard_state_new(void);
void kvd_xshard_enter(void *state);

/* QUERY from a participant in doubt: "+COMMIT", "+ABORT" (and a running
 * transaction with that id will not commit), or "-TRYAGAIN" while the
 * decision is not yet on disk.  RESP text. */
const char *kvd_xshard_decision(const char *txid);

/* Run every command in data (RESP) on c, replies discarded: the rebuild
 * commands of keys. */
void kvd_run_commands(kvd_client_t *c, const char *data, size_t len);

#endif /* KVD_XSHARD_H */

/*
 * blocking.h - clients blocked in BLPOP, BLMOVE, BZPOPMIN and friends.
 *
 * A blocking command that finds nothing to serve calls kvd_block_client()
 * and returns without a reply.  The client keeps a copy of its command;
 * its connection stops running further commands.  Each key it waits on is
 * indexed (by key bytes, any database) in the shard's blocking index.
 *
 * After every write command dispatch signals the command's keys: a key
 * some client waits on goes to the ready list.  kvd_blocking_serve() then
 * re-runs each waiter's command, oldest first, with the client marked
 * KVD_CLIENT_RETRYING: a command that can now serve replies (and is
 * unblocked); one that still finds nothing calls kvd_block_client() again,
 * which leaves it blocked as it was.  A command run in retry mode treats
 * a source key of the wrong type as empty (Redis leaves such a client
 * blocked), but still reports other errors (BRPOPLPUSH to a string).
 * Serving one client may write (BLMOVE pushes), which readies more keys:
 * the loop runs until the ready list is empty, with a bound.
 *
 * Re-running the command instead of a per-type "serve" hook keeps one code
 * path per command: what BLPOP does when it finds an element is the same
 * whether the element was there at once or arrived later.
 *
 * Timeouts are absolute env-clock milliseconds, checked by
 * kvd_blocking_expire() (cron and before each sleep).  Unblocked clients
 * are queued on the shard's resume list; the connection layer drains it
 * (kvd_blocking_next_resumed) to flush their reply and run their
 * pipelined commands.
 */
#ifndef KVD_BLOCKING_H
#define KVD_BLOCKING_H

#include "client.h"

typedef struct kvd_blocking kvd_blocking_t;

/* What a waiter gets when its timeout passes. */
typedef enum {
    KVD_BLOCK_TIMEOUT_NULL_ARRAY, /* BLPOP, BRPOP, BLMPOP, BZPOP*: *-1 */
    KVD_BLOCK_TIMEOUT_NULL_BULK,  /* BLMOVE, BRPOPLPUSH: $-1 */
} kvd_block_timeout_reply_t;

kvd_blocking_t *kvd_blocking_create(void);
void kvd_blocking_destroy(kvd_blocking_t *b);
uint64_t kvd_blocking_count(const kvd_blocking_t *b);

/*
 * Parse a blocking timeout (seconds, fractions allowed) into an absolute
 * deadline in env milliseconds, 0 meaning forever.  Redis's errors:
 * "timeout is not a float or out of range", "timeout is negative",
 * "timeout is out of range".  0 or -1 after replying.
 */
int kvd_blocking_parse_timeout(kvd_client_t *c, const kvd_arg_t *a, int64_t *deadline_ms);

/*
 * True when the command running for c may block: not when it is being
 * re-run already blocked (it stays blocked), and never inside MULTI or a
 * script (those answer as if the timeout had passed).
 */
bool kvd_blocking_allowed(const kvd_client_t *c);

/* Block c on argv[keys[0..nkeys)] until deadline_ms (0: forever).  A no-op
 * when c is already blocked (a retry that still found nothing). */
void kvd_block_client(kvd_client_t *c, const int *keys, int nkeys, int64_t deadline_ms,
                      kvd_block_timeout_reply_t on_timeout);

/* A write command ran: ready the waiters on its keys (key indexes into
 * c->argv).  SWAPDB readies every waiter (signal_all). */
void kvd_blocking_signal(kvd_shard_t *s, const kvd_client_t *c, const int *keys, int nkeys);
void kvd_blocking_signal_all(kvd_shard_t *s);
/* After a write command ran for c (c->cmd, c->argv): signal its keys.
 * Costs nothing while no client is blocked. */
void kvd_blocking_after_write(kvd_shard_t *s, const kvd_client_t *c);
/* Serve the waiters of ready keys. */
void kvd_blocking_serve(kvd_shard_t *s);
/* Unblock waiters whose deadline has passed (timeout reply). */
void kvd_blocking_expire(kvd_shard_t *s);

/* CLIENT UNBLOCK: reply the timeout reply, or the UNBLOCKED error. */
void kvd_blocking_unblock(kvd_client_t *c, bool with_error);
/* The client goes away: forget its wait without a reply. */
void kvd_blocking_forget(kvd_client_t *c);

/* Next client unblocked since the last call (NULL when none): its reply is
 * ready and its pipelined input may run again. */
kvd_client_t *kvd_blocking_next_resumed(kvd_shard_t *s);

void kvd_blocking_verify_invariants(const kvd_blocking_t *b);

#endif /* KVD_BLOCKING_H */

/*
 * router.h - commands and replies between workers over the shared-memory
 * rings (DESIGN.md sections 3 and 4).
 *
 * Origin side: the worker holding a client connection sends a command it
 * does not own to the owner (kvd_router_send) and gets the reply back
 * into the connection's pending-reply slot (conn.c keeps the slots in the
 * client's order, so pipelines mixing local and remote commands are
 * answered in the order sent).
 *
 * Owner side: a command from a peer runs on a proxy client, one per
 * (origin worker, connection): it keeps the remote connection's state
 * that lives with the keys (a blocked BLPOP, WATCHed keys, a shipped
 * transaction).  The proxy's reply goes back on the reverse ring; a
 * blocked proxy replies when it is served.
 *
 * Worker death: the master resets the dead worker's rings under a new
 * epoch.  Peers fail what they had in flight to it with -LOADING and drop
 * the proxies of its connections; what they send afterwards waits in the
 * ring for the respawned worker.
 */
#ifndef KVD_ROUTER_H
#define KVD_ROUTER_H

#include <ev.h>

#include "cmd/shard.h"
#include "ipc/shm.h"

/* Message kinds on the rings (ring.h leaves the kind to its users). */
enum {
    KVD_MSG_COMMAND = 1,        /* payload: one RESP command (or several, BATCH) */
    KVD_MSG_REPLY = 2,          /* payload: one RESP reply */
    KVD_MSG_CLOSE = 3,          /* the origin connection conn_id is gone */
    KVD_MSG_TXCTL = 4,          /* payload: PREPARE | COMMIT | ABORT | QUERY <txid> (txpart.c) */
    KVD_MSG_BATCH = 1u << 8,    /* COMMAND flag: run them all, reply with the last */
    KVD_MSG_NOREPLY = 1u << 9,  /* COMMAND flag: no reply wanted */
    /* Cross-shard transactions (xshard.h), all sent for connection conn_id: */
    KVD_MSG_LOCK = 1u << 10,    /* hold this shard for it (payload: its txid); answers +OK
                                 * (with EXEC: +DIRTY when the connection's WATCHed keys
                                 * here were touched) */
    KVD_MSG_EXEC = 1u << 14,    /* LOCK flag: for EXEC, which ends the connection's WATCHes */
    KVD_MSG_ABORT = 1u << 15,   /* the transaction gave this shard up (it saw the shard
                                 * restart): release its lock, or drop its waiting LOCK */
    KVD_MSG_UNLOCK = 1u << 11,  /* commit (one phase) and release it; the answer leaves once
                                 * its writes are in the AOF */
    KVD_MSG_PULL = 1u << 12,    /* payload: (db, key) pairs; answer: their rebuild commands */
    KVD_MSG_TXSTEP = 1u << 13,  /* a step of the transaction: blocking commands do not block */
};

/* Who gets the answer of kvd_router_request: part as given, the reply's
 * RESP bytes (-LOADING when the peer died first). */
typedef void kvd_router_reply_fn(void *arg, int part, const char *data, size_t len);

struct kvd_conn;
struct kvd_pending;

/* Set by the master before forking (NULL with one shard). */
extern kvd_shm_t *kvd_router_shm;

/* Worker start: bind the rings of worker `self`, watch its eventfd. */
void kvd_router_init(struct ev_loop *loop, kvd_shard_t *shard);
/* The same over any region and wake-up binding.  loop NULL: nothing is
 * watched; whoever runs the shard drains its rings (kvd_router_drain_peer),
 * ends its iterations and runs its timers (the simulator). */
void kvd_router_start(struct ev_loop *loop, kvd_shard_t *shard, kvd_shm_t *shm,
                      const kvd_wake_t *wake);
bool kvd_router_active(void);

/* Send payload (RESP) to shard `to` for pending part `part`; 0 is never a
 * valid sequence.  flags: KVD_MSG_BATCH / KVD_MSG_NOREPLY. */
uint64_t kvd_router_send(int to, uint32_t db, uint64_t conn_id, unsigned flags, kvd_buf_t *payload,
                         struct kvd_pending *p, int part);
/* The same, the answer going to fn(arg, part, ...) instead of a slot. */
uint64_t kvd_router_request(int to, uint32_t db, uint64_t conn_id, unsigned flags,
                            kvd_buf_t *payload, kvd_router_reply_fn *fn, void *arg, int part);
/* Tell every shard in the mask that connection conn_id is gone. */
void kvd_router_conn_closed(uint64_t conn_id, const uint8_t *contacted);
/* Forget the parts of p still in flight (its connection is closing). */
void kvd_router_forget(struct kvd_pending *p);

/* A proxy client was unblocked (blocking.h resume list): send its reply. */
bool kvd_router_proxy_resumed(kvd_client_t *c);

/*
 * The lock of this shard for cross-shard transactions (txpart.c).  While
 * a transaction holds it, only that transaction's commands run here:
 * other workers' commands wait in arrival order, this worker's clients
 * pause (kvd_router_locked), blocked clients are served and keys actively
 * expired only after it, and its writes form one block in the AOF.  Our
 * own coordinator takes it with lock_self: fn runs (maybe at once) when
 * it is granted; it ends it with commit_self (parts: the other shards
 * that wrote, for the decision record) or abort_self (undone).
 */
bool kvd_router_locked(void);
void kvd_router_lock_self(uint64_t conn_id, const char *txid, kvd_router_reply_fn *fn, void *arg);
void kvd_router_commit_self(uint64_t conn_id, const int *parts, int n);
void kvd_router_abort_self(uint64_t conn_id);
/* Graceful stop: drop the lock if a transaction holds this shard. */
void kvd_router_stop(void);
/* Run fn(arg) once this iteration's AOF write (and sync) is done. */
void kvd_router_after_aof_call(void (*fn)(void *arg), void *arg);

/* Before the AOF hook of a loop iteration: push queued messages, drain
 * the rings (running peers' commands). */
void kvd_router_before_sleep(void);
/* Its parts: push what waits for room in the rings; run up to max
 * messages from peer p's ring (returns how many records it took). */
void kvd_router_flush(void);
size_t kvd_router_drain_peer(int p, size_t max);
/* Our replies to p back up: production stops draining p meanwhile. */
bool kvd_router_peer_backlogged(int p);
/* After it: send the replies it now covers, and arm the wake-up protocol. */
void kvd_router_after_aof(void);

/*
 * Timers of the router and the cross-shard code (a participant in doubt
 * asking again, COMMIT resent, a blocking command polled), on the shard's
 * monotonic clock.  Production fires them from one libev timer; the
 * simulator asks for the next deadline and runs them in virtual time.
 * fn runs with the timer disarmed; it may start it again.
 */
typedef struct kvd_router_timer {
    struct kvd_router_timer *next;
    uint64_t due_us;
    void (*fn)(struct kvd_router_timer *t);
    void *data;
    bool armed;
} kvd_router_timer_t;

void kvd_router_timer_start(kvd_router_timer_t *t, uint64_t after_ms);
void kvd_router_timer_stop(kvd_router_timer_t *t);
/* The earliest armed deadline (UINT64_MAX: none). */
uint64_t kvd_router_next_deadline_us(void);
/* Run the timers due at now_us; returns how many ran. */
size_t kvd_router_run_timers(uint64_t now_us);

/*
 * Several routers in one process (the simulator: one per simulated
 * shard).  Every function above works on the current one; production
 * never switches.  Entering one also makes its shard kvd_current_shard
 * and route.h's self.
 */
typedef struct kvd_router_ctx kvd_router_ctx_t;
kvd_router_ctx_t *kvd_router_ctx_new(void);
void kvd_router_enter(kvd_router_ctx_t *ctx);
/* Nothing in flight or held: no request awaits an answer, no message
 * waits to be sent, no transaction holds this shard. */
bool kvd_router_idle(void);

#endif /* KVD_ROUTER_H */

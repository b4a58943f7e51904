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
    KVD_MSG_BATCH = 1u << 8,    /* COMMAND flag: run them all, reply with the last */
    KVD_MSG_NOREPLY = 1u << 9,  /* COMMAND flag: no reply wanted */
};

struct kvd_conn;
struct kvd_pending;

/* Set by the master before forking (NULL with one shard). */
extern kvd_shm_t *kvd_router_shm;

/* Worker start: bind the rings of worker `self`, watch its eventfd. */
void kvd_router_init(struct ev_loop *loop, kvd_shard_t *shard);
bool kvd_router_active(void);

/* Send payload (RESP) to shard `to` for pending part `part`; 0 is never a
 * valid sequence.  flags: KVD_MSG_BATCH / KVD_MSG_NOREPLY. */
uint64_t kvd_router_send(int to, uint32_t db, uint64_t conn_id, unsigned flags, kvd_buf_t *payload,
                         struct kvd_pending *p, int part);
/* Tell every shard in the mask that connection conn_id is gone. */
void kvd_router_conn_closed(uint64_t conn_id, const uint8_t *contacted);
/* Forget the parts of p still in flight (its connection is closing). */
void kvd_router_forget(struct kvd_pending *p);

/* A proxy client was unblocked (blocking.h resume list): send its reply. */
bool kvd_router_proxy_resumed(kvd_client_t *c);

/* Before the loop sleeps: push queued messages, drain the rings, and arm
 * the wake-up protocol. */
void kvd_router_before_sleep(void);

#endif /* KVD_ROUTER_H */

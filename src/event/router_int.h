/*
 * router_int.h - what router.c shares with txpart.c, the participant
 * side of cross-shard transactions.  Not for other files.
 */
#ifndef KVD_ROUTER_INT_H
#define KVD_ROUTER_INT_H

#include "router.h"
#include "conn.h"
#include "route.h"

/* router.c */
int router_self(void);
/* Queue a reply to peer `to`: it leaves after this iteration's AOF write
 * (and sync), since it may acknowledge a write. */
void router_send_reply(int to, uint64_t seq, uint64_t conn_id, kvd_buf_t *reply);
/* Handle a message as if it had just arrived (a deferred one). */
void router_run_message(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len);
/* The stand-in client of worker from's connection conn_id, or NULL. */
kvd_client_t *router_proxy_client(int from, uint64_t conn_id);

/* txpart.c */
void txpart_init(kvd_shard_t *shard);
/* Its state for one more router (kvd_router_ctx_new), and switching to it. */
void *txpart_state_new(void);
void txpart_enter(void *state);
/* True when the message must wait for the lock (txpart_defer it). */
bool txpart_must_wait(int from, const kvd_ring_hdr_t *h);
/* The running transaction holding this shard is worker from's conn_id. */
bool txpart_holds(int from, uint64_t conn_id);
void txpart_defer(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len);
void txpart_handle_lock(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len);
void txpart_handle_unlock(int from, const kvd_ring_hdr_t *h);
void txpart_handle_abort(int from, const kvd_ring_hdr_t *h);
void txpart_handle_ctl(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len);
/* Worker `peer` died: drop what waits from it; a transaction it held
 * here is undone, or (prepared) in doubt until it answers. */
void txpart_peer_reset(int peer);

#endif /* KVD_ROUTER_INT_H */

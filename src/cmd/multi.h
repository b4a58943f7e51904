/*
 * multi.h - transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * Inside MULTI, dispatch queues every command except the ones that steer
 * the transaction (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET) and answers
 * +QUEUED; a command rejected while queueing (unknown, wrong arity,
 * not allowed in a transaction) makes EXEC answer EXECABORT.
 *
 * WATCH registers (database, key) in the shard's watch index.  Any write
 * to a watched key marks the watcher dirty (KVD_CLIENT_DIRTY_CAS) and its
 * EXEC answers a null array.  "Write" means: a command that moved the
 * shard's change counter wrote every key its key spec names; FLUSHDB,
 * FLUSHALL and SWAPDB touch the watched keys they change; an expired key
 * removed (lazily or by the active cycle) is touched too, and EXEC first
 * looks every watched key up, so a key that expired since WATCH aborts
 * the transaction as in Redis 7.0.
 *
 * With one shard EXEC runs the queue in one go on the loop: nothing else
 * runs in between.  Blocked clients are served after the whole EXEC, so
 * they see its final state.
 */
#ifndef KVD_MULTI_H
#define KVD_MULTI_H

#include "client.h"

typedef struct kvd_watches kvd_watches_t;

kvd_watches_t *kvd_watches_create(void);
void kvd_watches_destroy(kvd_watches_t *w);

/* True while some client watches a key (the after-write check is free otherwise). */
bool kvd_watches_any(const kvd_shard_t *s);
/* A write command ran for c and changed something: touch its keys. */
void kvd_watch_after_write(kvd_shard_t *s, const kvd_client_t *c);
/* Touch one key of database db (MOVE and COPY's other database). */
void kvd_watch_touch_key(kvd_shard_t *s, int db, const char *key, size_t klen);
/* Before FLUSHDB/FLUSHALL empties db: touch its watched keys that exist. */
void kvd_watch_touch_flush(kvd_shard_t *s, int db);
/* Before SWAPDB a b: touch watched keys of either that exist in either. */
void kvd_watch_touch_swap(kvd_shard_t *s, int a, int b);

/* Dispatch's hooks: should c's command be queued rather than run?  (True
 * after replying +QUEUED or the queueing error.) */
bool kvd_multi_queue_if_open(kvd_client_t *c);
/* A command was rejected before running (unknown, arity): inside MULTI
 * that dooms the transaction. */
void kvd_multi_flag_rejected(kvd_client_t *c);

/* The i-th queued command (i < kvd_multi_queued(c)). */
const kvd_arg_t *kvd_multi_queued_at(const kvd_client_t *c, int i, int *argc);
/* Leave MULTI and drop the queue, the flags and the local watches without
 * a reply (the transaction was shipped to another shard, or refused). */
void kvd_multi_abandon(kvd_client_t *c);

/* A cross-shard EXEC, with this shard held for it: were any of c's
 * watched keys touched (expired ones included)?  c stops watching. */
bool kvd_multi_watch_dirty(kvd_client_t *c);
/* Forget c's transaction and watches (client release). */
void kvd_multi_release(kvd_client_t *c);
/* Queued commands (CLIENT LIST multi=), -1 outside MULTI. */
int kvd_multi_queued(const kvd_client_t *c);

void kvd_register_multi_commands(void);

#endif /* KVD_MULTI_H */

/*
 * aof.h - the per-shard append-only file (DESIGN.md section 6): what the
 * rest of the server calls.  Every call goes through the shard's
 * environment (env.h) for files, time and randomness.
 *
 * The hooks, in the order a worker meets them:
 *   kvd_aof_load          at worker start (and respawn), before serving
 *   kvd_aof_feed          after every command that changed something
 *   kvd_aof_exec_done     after EXEC ran its queue (closes the MULTI block)
 *   kvd_aof_before_sleep  once per loop iteration, before replies are written
 *   kvd_aof_cron          hz times a second (everysec fsync, rewrite trigger)
 *   kvd_aof_shutdown      graceful stop: flush and fsync
 *
 * This file is the contract; src/aof/aof.c implements it.
 */
#ifndef KVD_AOF_H
#define KVD_AOF_H

#include "cmd/client.h"

typedef struct kvd_aof kvd_aof_t;

/* Replay the shard's file (when appendonly) and open it for appending.
 * 0 to serve; -1 after logging why the shard must not start (corruption
 * before the tail, unreadable file). */
int kvd_aof_load(kvd_shard_t *s);
/* c's command moved the change counter: log it (c->prop_argv when the
 * command set a deterministic form, else c->argv), in database c->db_index. */
void kvd_aof_feed(kvd_shard_t *s, const kvd_client_t *c);
void kvd_aof_exec_done(kvd_shard_t *s);
/* Write what was fed since the last call; under appendfsync always also
 * fdatasync it.  Replies queued this iteration are written after this. */
void kvd_aof_before_sleep(kvd_shard_t *s);
void kvd_aof_cron(kvd_shard_t *s);
void kvd_aof_shutdown(kvd_shard_t *s);
void kvd_aof_free(kvd_shard_t *s);

/*
 * Dispatch asks this before running a KVD_CMD_WRITE command: true while
 * the AOF cannot write or fsync (EIO, ENOSPC...), with Redis's error text
 * in *why ("MISCONF Errors writing to the AOF file: <cause>", no leading
 * '-' or trailing CRLF); the command must then be refused with that
 * error.  Reads keep working; writes resume once the disk does.
 */
bool kvd_aof_write_refused(const kvd_shard_t *s, kvd_buf_t *why);

/* True when this iteration's kvd_aof_before_sleep had to write and sync
 * (appendfsync always, or a transaction's PREPARE or decision) and could
 * not: the replies it was to cover must not acknowledge anything.  *why
 * gets the MISCONF text as kvd_aof_write_refused gives it. */
bool kvd_aof_sync_failed(const kvd_shard_t *s, kvd_buf_t *why);

/* The "# Persistence" aof_* fields of INFO (after aof_enabled). */
void kvd_aof_info(kvd_shard_t *s, kvd_buf_t *out);

/* BGREWRITEAOF, SHUTDOWN, LASTSAVE, SAVE, BGSAVE (src/aof/t_persist.c).
 * Called by kvd_commands_init(); idempotent. */
void kvd_register_persist_commands(void);

/* Deterministic forms for the command files: log "NAME key" or
 * "NAME key <ms>" (DEL, PERSIST, PEXPIREAT) instead of the command. */
void kvd_propagate_key(kvd_client_t *c, const char *name, const kvd_arg_t *key);
void kvd_propagate_key_ms(kvd_client_t *c, const char *name, const kvd_arg_t *key, int64_t ms);

/* Append one command to out as a RESP multibulk (the file's record format). */
void kvd_aof_encode(kvd_buf_t *out, int argc, const kvd_arg_t *argv);

/* Append to out the commands that rebuild e (in its database, which the
 * commands do not select): what a rewrite writes for it, absolute expiry
 * included.  Cross-shard commands move copies of keys with it. */
void kvd_aof_key_commands(kvd_db_t *db, const kvd_entry_t *e, kvd_buf_t *out);

/*
 * Cross-shard transactions in the file (DESIGN.md section 6, xshard.h).
 * While a cross-shard transaction holds this shard, its writes form one
 * block:
 *
 *   KVDTX BEGIN <txid>, MULTI, the writes, EXEC   (the block; EXEC = prepared)
 *   KVDTX COMMIT <txid> [shard ...]               (or KVDTX ABORT <txid>)
 *
 * Replay applies a block only when its COMMIT follows; ABORT, or a block
 * cut short, is dropped.  A prepared block with nothing after it is in
 * doubt: the coordinator (the shard named by the txid) decides, and the
 * worker starts holding its shard until it hears the answer.  The
 * coordinator's COMMIT lists the other shards that wrote; it is the
 * transaction's commit point, and the coordinator remembers it (the
 * "committed set", kept across rewrites) until each of them has
 * acknowledged its own COMMIT, then logs KVDTX FORGET <txid>.
 */
#define KVD_TXID_MAX 48

typedef struct kvd_txrec {
    char id[KVD_TXID_MAX];
    int *parts;   /* the shards that have not acknowledged their COMMIT */
    int nparts;
    bool durable; /* its COMMIT record is written (and synced unless appendfsync no) */
    bool asking;  /* COMMITs resent, answers outstanding (xshard.c) */
    uint64_t retry_ms; /* resend no earlier */
} kvd_txrec_t;

/* The coordinator's shard, from a txid ("<shard>.<incarnation>.<seq>"). */
int kvd_txid_coord(const char *txid);
/* A transaction took this shard's lock: its writes form txid's block. */
void kvd_aof_tx_begin(kvd_shard_t *s, const char *txid);
/* The running transaction's block has begun (it wrote here). */
bool kvd_aof_tx_wrote(const kvd_shard_t *s);
/* PREPARE: close the block; it is synced at the end of this iteration. */
void kvd_aof_tx_prepare(kvd_shard_t *s);
/* COMMIT the running transaction here.  A coordinator passes the other
 * shards that wrote (n > 0): its record is the decision, remembered in
 * the committed set, and synced at the end of this iteration. */
void kvd_aof_tx_commit(kvd_shard_t *s, const int *parts, int n);
/* ABORT it: its block (if it began) is dropped at replay. */
void kvd_aof_tx_abort(kvd_shard_t *s);
/* The committed set (coordinator side). */
kvd_txrec_t *kvd_aof_txset_find(kvd_shard_t *s, const char *txid);
size_t kvd_aof_txset_count(const kvd_shard_t *s);
kvd_txrec_t *kvd_aof_txset_at(kvd_shard_t *s, size_t i);
/* Shard `part` acknowledged txid's COMMIT; the last one forgets it. */
void kvd_aof_tx_acked(kvd_shard_t *s, const char *txid, int part);
/* The prepared block replay left in doubt: its txid, or NULL. */
const char *kvd_aof_indoubt(const kvd_shard_t *s);
/* The coordinator answered: apply the block (commit) or drop it. */
void kvd_aof_indoubt_resolve(kvd_shard_t *s, bool commit);
/* Run commands without logging them (undoing an aborted transaction). */
void kvd_aof_suspend(kvd_shard_t *s, bool suspended);

#endif /* KVD_AOF_H */

/*
 * aof_int.h - the state of a shard's append-only file, shared by the
 * files of src/aof (writer, loader, rewrite, commands).  Not for use
 * outside src/aof and its tests.
 */
#ifndef KVD_AOF_INT_H
#define KVD_AOF_INT_H

#include "aof.h"
#include "cmd/shard.h"

/* A stream of records on its way to one file: the bytes not written yet,
 * and what the file's reader will have seen (database, open MULTI). */
typedef struct aof_stream {
    kvd_buf_t buf;
    int db;          /* database the reader is in; -1 = unknown, SELECT first */
    bool multi_open; /* a MULTI was logged and its EXEC not yet */
} aof_stream_t;

typedef enum { AOF_OFF = 0, AOF_ON = 1, AOF_WAIT_REWRITE = 2 } aof_state_t;

struct kvd_aof {
    aof_state_t state;
    char *path;     /* appendonly-<shard>.aof (under dir) */
    char *tmp_path; /* the rewrite's temporary file */
    int fh;         /* append handle; -1 when none */
    bool loading;   /* replaying: dispatch's feeds are ignored */
    aof_stream_t main;
    uint64_t size;      /* bytes in the file */
    uint64_t base_size; /* size after the last rewrite (or load) */
    uint64_t synced_size; /* bytes known to be fdatasync'ed */
    uint64_t last_fsync_ms;
    /* Write and fsync errors: -errno of the last failure, 0 when fine. */
    int write_err;
    int fsync_err;
    bool need_truncate;    /* a failed write left a partial record at `size` */
    uint64_t delayed_fsync; /* INFO aof_delayed_fsync: failed fsync attempts */
    uint64_t last_retry_ms;
    /* Clients whose writes were fed this iteration (ids): under "always" a
     * failed write or fsync closes them so no acknowledgement leaves. */
    uint64_t *fed_ids;
    size_t nfed, fed_cap;
    /* Rewrite (aof_rewrite.c). */
    int child;                 /* pid of the rewriting child, 0 when none */
    aof_stream_t rewrite;      /* records fed since the child forked */
    bool rewrite_scheduled;
    uint64_t rewrite_start_ms;
    int64_t last_rewrite_time_sec; /* -1 before the first */
    bool last_rewrite_ok;
    uint64_t rewrites;
    uint64_t rewrite_failures;     /* consecutive */
    uint64_t rewrite_retry_ms;     /* no automatic retry before this time */
    /* Cross-shard transactions (aof_tx.c; see aof.h). */
    char tx_id[KVD_TXID_MAX]; /* the lock holder's txid; "" when none */
    bool tx_block;            /* its block began here */
    bool tx_prepared;         /* and was closed by PREPARE */
    bool force_sync;          /* sync this iteration whatever appendfsync says */
    bool sync_failed;         /* this iteration's write or sync that had to happen failed */
    kvd_txrec_t *txset;       /* the committed set */
    size_t ntxset, txset_cap;
    char indoubt_id[KVD_TXID_MAX]; /* a prepared block at the end of the file */
    uint64_t indoubt_off, indoubt_len;
};

/* aof.c */
void aof_stream_init(aof_stream_t *st);
/* Close st's open MULTI with EXEC. */
void aof_stream_close_multi(aof_stream_t *st);
/* Write st's bytes to the file and, when sync, fdatasync; 0 or -errno. */
int aof_flush(kvd_shard_t *s, bool sync);
void aof_log_errno(const char *what, const char *path, int err);
/* The file's path for shard id under the configured dir and name. */
char *aof_make_path(const kvd_config_t *cfg, int shard_id, const char *prefix);
/* Size of an open file by probing with pread (the environment has no stat). */
uint64_t aof_file_size(kvd_env_t *env, int fh);

/* The databases' expired-key hook: WATCH, and a DEL in the file. */
void aof_key_expired(void *arg, int db, const char *key, size_t klen);

/* aof_load.c */
int aof_replay(kvd_shard_t *s);

/* aof_tx.c */
/* A MULTI opens st's block: under a transaction's lock, BEGIN first. */
void aof_tx_open_block(kvd_aof_t *a, aof_stream_t *st);
/* A record outside any block, in every stream that reaches a file. */
void aof_tx_record(kvd_aof_t *a, const char *verb, const char *txid, const int *parts, int n);
/* Append KVDTX verb txid [parts] to out. */
void aof_tx_encode(kvd_buf_t *out, const char *verb, const char *txid, const int *parts, int n);
/* Replay: the committed set's records as they are read. */
void aof_txset_add(kvd_aof_t *a, const char *txid, const int *parts, int n, bool durable);
void aof_txset_remove(kvd_aof_t *a, const char *txid);
/* The records a rewrite writes for the committed set. */
void aof_txset_dump(kvd_aof_t *a, kvd_buf_t *out);
/* The flush of this iteration reached the disk: COMMITs in it are durable. */
void aof_txset_synced(kvd_aof_t *a);
void aof_tx_free(kvd_aof_t *a);

/* aof_rewrite.c */
int aof_rewrite_start(kvd_shard_t *s, kvd_buf_t *err);
void aof_rewrite_poll(kvd_shard_t *s);
void aof_rewrite_abort(kvd_shard_t *s);
/* Write the whole keyspace as commands to fh (the child's work); 0 or -errno. */
int aof_rewrite_dump(kvd_shard_t *s, int fh);
/* The rewrite child's whole job: dump the snapshot into the temporary
 * file and sync it; 0 or -errno.  (kvd-sim runs it in place of a fork.) */
int aof_rewrite_child_work(kvd_shard_t *s);

/* aof_fork.c: the only OS process calls (the simulator replaces them). */
int aof_fork(void); /* as fork(): pid in the parent, 0 in the child, -errno */
/* 1 and *ok when the child is gone (ok: exited 0), 0 while it runs. */
int aof_child_done(int pid, bool *ok);
void aof_child_kill(int pid);
KVD_NORETURN void aof_child_exit(int code);

#endif /* KVD_AOF_INT_H */

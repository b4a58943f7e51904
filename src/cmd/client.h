/*
 * client.h - a client session as the shard core sees it.
 *
 * The core (commands, dispatch) knows only this struct; it does not know
 * about sockets or event loops.  The network layer (event/conn.c) embeds a
 * kvd_client_t in its connection and fills the connection facts (fd,
 * addresses, buffer sizes) that CLIENT LIST reports; the simulator makes
 * bare clients.  A command reads argv/argc and writes its reply into
 * `reply` through proto/reply.h.
 */
#ifndef KVD_CLIENT_H
#define KVD_CLIENT_H

#include <strings.h>

#include "../core/buf.h"
#include "../proto/resp.h"
#include "command.h"

typedef struct kvd_shard kvd_shard_t;
typedef struct kvd_db kvd_db_t;
typedef struct kvd_entry kvd_entry_t;

enum {
    KVD_CLIENT_CLOSE_AFTER_REPLY = 1u << 0, /* QUIT, protocol error */
    KVD_CLIENT_CLOSE_ASAP = 1u << 1,        /* CLIENT KILL, limits */
    KVD_CLIENT_PROTOCOL_ERROR = 1u << 2,
    KVD_CLIENT_NO_EVICT = 1u << 3,
    KVD_CLIENT_BLOCKED = 1u << 4,        /* waiting in BLPOP & co (blocking.h) */
    KVD_CLIENT_RETRYING = 1u << 5,       /* its blocked command is being re-run */
    KVD_CLIENT_RESUME_QUEUED = 1u << 6,  /* unblocked; the connection must resume it */
    KVD_CLIENT_DENY_BLOCKING = 1u << 7,  /* MULTI, scripts: blocking commands time out at once */
    KVD_CLIENT_MULTI = 1u << 8,          /* between MULTI and EXEC/DISCARD: commands are queued */
    KVD_CLIENT_DIRTY_CAS = 1u << 9,      /* a watched key changed: EXEC answers nil */
    KVD_CLIENT_DIRTY_EXEC = 1u << 10,    /* a command was rejected while queueing: EXECABORT */
    KVD_CLIENT_INTERNAL = 1u << 11,      /* rebuilds a key's copy (cross-shard pushes, undo):
                                          * not a user's command, not counted in INFO */
};

typedef struct kvd_client {
    uint64_t id;
    kvd_shard_t *shard;
    kvd_db_t *db;
    int db_index;
    int resp;            /* protocol version: 2 */
    uint32_t flags;

    /* The command being executed. */
    int argc;
    kvd_arg_t *argv;
    kvd_command_t *cmd;     /* top-level or subcommand row */
    kvd_command_t *lastcmd;
    kvd_buf_t *reply;       /* where replies go */

    char *name;             /* CLIENT SETNAME, NULL when unset */
    char *lib_name;
    char *lib_ver;
    uint64_t ctime_ms;      /* creation (env clock) */
    uint64_t last_interaction_ms;

    /* Connection facts for CLIENT LIST/INFO, kept current by the network layer. */
    int fd;
    char addr[64];          /* "ip:port" of the peer */
    char laddr[64];         /* "ip:port" of our end */
    size_t qbuf_len, qbuf_free;
    size_t obuf_len;
    void *conn;             /* the owning connection, or NULL */
    void *proxy;            /* the router's stand-in for a peer's connection, or NULL */

    /* Blocking commands (blocking.h). */
    struct kvd_waiter *waiter; /* set exactly when KVD_CLIENT_BLOCKED */
    struct kvd_client *resume_prev, *resume_next;
    /* What persistence logs for the running command instead of argv (a
     * deterministic form: absolute expiry times, SREM for SPOP...); set by
     * kvd_propagate_as, cleared by dispatch after each command. */
    kvd_arg_t *prop_argv;
    int prop_argc;
    /* Keys (bit i: the i-th of the command's keys) a write command left
     * unchanged though its key spec writes them: WATCH does not see them
     * touched (SMOVE's destination that had the member).  Cleared by
     * dispatch after each command. */
    uint32_t untouched_keys;
    /* Transactions (multi.h): queue and watched keys, NULL until used. */
    struct kvd_tx *tx;

    struct kvd_client *prev, *next; /* shard's client list */
} kvd_client_t;

/* Initialise a client attached to shard (database 0), with a fresh id. */
void kvd_client_init(kvd_client_t *c, kvd_shard_t *shard);
void kvd_client_release(kvd_client_t *c);
/* Ask the connection layer to close c before the loop sleeps (CLIENT KILL). */
void kvd_client_close_asap(kvd_client_t *c);
/* Select database index; returns 0 or -1 when out of range. */
int kvd_client_select(kvd_client_t *c, int index);
/* One line of CLIENT LIST / CLIENT INFO (without the trailing newline). */
void kvd_client_describe(const kvd_client_t *c, kvd_buf_t *out);

/*
 * Run the command in c->argv (argc > 0): look it up, check arity, execute,
 * account statistics.  The reply (possibly an error) is in *c->reply.
 */
void kvd_dispatch(kvd_client_t *c);
/*
 * The same, for a batch of commands run back to back (a pipeline read in
 * one go).  Consecutive commands of one row form a run, timed as a whole:
 * the clock is read when the row changes and at kvd_dispatch_run_end(), not
 * around every command, and the run's time (parsing included) is charged
 * to its row.  INFO commandstats only ever reports a row's total, which
 * stays exact; a pipeline of one command reads the clock twice per batch
 * instead of twice per command.
 */
typedef struct kvd_dispatch_run {
    kvd_command_t *cmd; /* row of the run in progress, NULL when none */
    uint64_t start;     /* mono_us when it began */
} kvd_dispatch_run_t;

void kvd_dispatch_batched(kvd_client_t *c, kvd_dispatch_run_t *run);
/* Charge the run in progress to its row (call once the batch is done). */
void kvd_dispatch_run_end(kvd_shard_t *shard, kvd_dispatch_run_t *run);
/* The row kvd_dispatch would run for c's argv, or NULL when it would
 * reject the command (unknown, wrong arity); nothing is replied. */
kvd_command_t *kvd_dispatch_peek(const kvd_client_t *c);

/* Deep copies of argument vectors (commands kept past their read buffer). */
kvd_arg_t *kvd_args_dup(const kvd_arg_t *argv, int argc);
void kvd_args_free(kvd_arg_t *argv, int argc);

/* Log argv[0..argc) for the running command instead of its own argv (the
 * words are copied).  Calling it again replaces the earlier form. */
void kvd_propagate_as(kvd_client_t *c, int argc, const kvd_arg_t *argv);

/* Common error replies with Redis's wording. */
void kvd_reply_wrong_type(kvd_client_t *c);   /* WRONGTYPE Operation against a key holding the wrong kind of value */
/* 0 when e holds `type`; otherwise replies WRONGTYPE and returns -1.  e != NULL. */
int kvd_check_type(kvd_client_t *c, const kvd_entry_t *e, int type);
void kvd_reply_syntax_error(kvd_client_t *c); /* ERR syntax error */
void kvd_reply_not_int(kvd_client_t *c);      /* ERR value is not an integer or out of range */
void kvd_reply_arity(kvd_client_t *c);        /* ERR wrong number of arguments for '%s' command */

/* Argument parsing helpers: 0 on success, -1 after replying the error. */
int kvd_arg_ll(kvd_client_t *c, const kvd_arg_t *a, int64_t *out);
int kvd_arg_ll_range(kvd_client_t *c, const kvd_arg_t *a, int64_t min, int64_t max, int64_t *out,
                     const char *msg);
/* Case-insensitive comparison of an argument with a keyword.  Inline so
 * the keyword's length folds to a constant and a length mismatch, the
 * common case when options are tried in turn, costs one compare. */
static inline bool kvd_arg_is(const kvd_arg_t *a, const char *keyword)
{
    size_t n = strlen(keyword);
    return a->len == n && strncasecmp(a->ptr, keyword, n) == 0;
}

#endif /* KVD_CLIENT_H */

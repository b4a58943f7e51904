/*
 * conn.h - a client connection: socket, query buffer, parser, output.
 *
 * Reading: bytes are appended to `query`; complete commands are parsed in
 * place and dispatched one by one; a partial command stays at the front.
 * Writing: replies accumulate in `out`; a connection with new replies is
 * queued and written once per event-loop iteration, before the loop
 * sleeps (kvd_conn_flush_pending), after the AOF has written (and, under
 * appendfsync always, synced) what those replies acknowledge.  What the
 * socket does not take waits for the write watcher.
 * Backpressure: while more than KVD_CONN_OUT_PAUSE bytes of replies wait,
 * the connection stops reading and parsing, so a pipelining client cannot
 * grow our memory without bound.
 */
#ifndef KVD_CONN_H
#define KVD_CONN_H

#include <ev.h>

#include "cmd/client.h"
#include "event/route.h"
#include "proto/resp.h"

#define KVD_CONN_READ_CHUNK (16 * 1024)
#define KVD_CONN_OUT_PAUSE (1024 * 1024)
#define KVD_CONN_KEEP_BUF (32 * 1024) /* buffer capacity kept while idle */

/*
 * A reply the connection owes, in order (several shards): one part per
 * shard the command went to; done once every part has answered and the
 * parts are merged.  Replies leave strictly in slot order.
 */
typedef struct kvd_pending {
    struct kvd_pending *next;
    struct kvd_conn *conn;
    kvd_buf_t reply;    /* final bytes once done */
    kvd_buf_t *parts;   /* nparts answers */
    uint64_t *seqs;     /* per part: the request in flight, 0 when answered or local */
    int nparts, left;
    int *order, nkeys;  /* KVD_MERGE_MGET: the part holding each key's value */
    kvd_merge_t merge;  /* NONE: one part, which is the reply */
    int scan_shard;     /* >= 0: a SCAN part whose cursor is rewritten */
    struct kvd_xtx *xtx; /* the cross-shard transaction that answers it (xshard.h) */
    bool done;
} kvd_pending_t;

typedef struct kvd_conn {
    kvd_client_t client; /* first: a client pointer is a conn pointer */
    int fd;
    struct ev_loop *loop;
    ev_io rio, wio;
    kvd_buf_t query;
    size_t qstart;       /* start of the unparsed command in query */
    kvd_resp_parser_t parser;
    kvd_argv_t argv;
    kvd_buf_t out;
    size_t out_sent;     /* bytes of out already written */
    bool reading;        /* rio is active */
    /* Its places on conn.c's two per-iteration lists (KVD_CONN_Q_*): read
     * this iteration, commands not yet run; replies to write before sleep. */
    struct kvd_conn_link {
        struct kvd_conn *prev, *next;
        bool queued;
    } q[2];
    /* Several shards (conn_route.c). */
    kvd_pending_t *pend_head, *pend_tail;
    uint32_t npending;   /* slots not yet written out */
    kvd_arg_t *held_argv; /* a command that must wait for the slots to drain */
    int held_argc;
    bool barrier;        /* a blocking command is out: run nothing until it answers */
    bool processing;     /* inside process_input (no re-entry from a reply) */
    uint8_t *contacted;  /* per shard: may hold a proxy of this connection */
    uint8_t *watching;   /* per shard: holds keys this connection WATCHes */
} kvd_conn_t;

/* Accept every pending connection on listening socket lfd. */
void kvd_conn_accept(struct ev_loop *loop, int lfd);
void kvd_conn_close(kvd_conn_t *conn, const char *why);
/* A connection without a socket or loop (the simulator's clients): its
 * owner appends bytes to `query` and calls kvd_conn_process, and takes
 * the replies from `out` once the loop iteration that made them has
 * written the AOF (as kvd_conn_flush_pending would). */
kvd_conn_t *kvd_conn_new_local(kvd_shard_t *shard, const char *addr);
/* Close clients flagged CLOSE_ASAP and idle ones past `timeout`. */
void kvd_conn_sweep(kvd_shard_t *shard, bool check_idle);
/* A part of pending slot p was answered (router.c or a local part). */
void kvd_conn_part_done(kvd_pending_t *p, int part, const char *data, size_t len);
/* Route and run c's parsed command (conn_route.c).  False: it must wait
 * for earlier replies; it was copied to held_argv and runs later. */
bool kvd_conn_route(kvd_conn_t *conn);
/* Run a held command if it may run now; false while it still waits. */
bool kvd_conn_run_held(kvd_conn_t *conn);
void kvd_conn_route_release(kvd_conn_t *conn);
/* conn.c's, for conn_route.c: parse and run what is buffered, queue the write. */
void kvd_conn_process(kvd_conn_t *conn);

/* Run the pipelined input of clients that blocking commands released. */
void kvd_conn_resume_unblocked(kvd_shard_t *shard);
/* Run the commands clients held while a cross-shard transaction held this
 * shard (router.h). */
void kvd_conn_resume_paused(kvd_shard_t *shard);
/* Run the commands of every connection read this loop iteration, in the
 * order epoll reported them (worker.c's sweep, before anything else). */
void kvd_conn_process_reads(void);
/* Write the replies of every connection queued this iteration. */
void kvd_conn_flush_pending(void);
/* Best effort: write pending output of every client, then close them all. */
void kvd_conn_close_all(kvd_shard_t *shard);

#endif /* KVD_CONN_H */

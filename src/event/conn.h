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
#include "proto/resp.h"

#define KVD_CONN_READ_CHUNK (16 * 1024)
#define KVD_CONN_OUT_PAUSE (1024 * 1024)
#define KVD_CONN_KEEP_BUF (32 * 1024) /* buffer capacity kept while idle */

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
    bool write_queued;   /* on the pending-write list */
    struct kvd_conn *wq_prev, *wq_next;
} kvd_conn_t;

/* Accept every pending connection on listening socket lfd. */
void kvd_conn_accept(struct ev_loop *loop, int lfd);
void kvd_conn_close(kvd_conn_t *conn, const char *why);
/* Close clients flagged CLOSE_ASAP and idle ones past `timeout`. */
void kvd_conn_sweep(kvd_shard_t *shard, bool check_idle);
/* Run the pipelined input of clients that blocking commands released. */
void kvd_conn_resume_unblocked(kvd_shard_t *shard);
/* Write the replies of every connection queued this iteration. */
void kvd_conn_flush_pending(void);
/* Best effort: write pending output of every client, then close them all. */
void kvd_conn_close_all(kvd_shard_t *shard);

#endif /* KVD_CONN_H */

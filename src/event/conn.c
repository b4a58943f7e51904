/*
 * conn.c - client connections of a worker (see conn.h for the model).
 */
#include "auto_config.h"
#include "conn.h"
#include "router.h"
#include "cmd/blocking.h"
#include "cmd/shard.h"
#include "core/log.h"
#include "os/unix/net.h"
#include "proto/reply.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPTS_PER_CALL 1000 /* bound the accept loop so one listener cannot starve the loop */
#define COMMANDS_PER_READ 100000

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void conn_write_cb(struct ev_loop *loop, ev_io *w, int revents);

/*
 * The worker's two lists of connections for this loop iteration (one
 * worker process, one of each), both filled by pushing to the front:
 *  - READ: connections a read callback fed, commands not yet run.  libev
 *    runs one iteration's callbacks in the reverse of the order epoll
 *    reported them, so pushing to the front leaves the list in epoll's
 *    order, the order the bytes arrived and the order Redis serves
 *    clients in: two clients that block on one list in the same
 *    iteration are served first come, first served.
 *  - WRITE: connections with replies to write before the loop sleeps.
 */
enum { KVD_CONN_Q_READ, KVD_CONN_Q_WRITE };
static kvd_conn_t *queue_head[2];

static void queue_push(kvd_conn_t *conn, int q)
{
    struct kvd_conn_link *l = &conn->q[q];
    if (l->queued)
        return;
    l->queued = true;
    l->prev = NULL;
    l->next = queue_head[q];
    if (queue_head[q] != NULL)
        queue_head[q]->q[q].prev = conn;
    queue_head[q] = conn;
}

static void queue_remove(kvd_conn_t *conn, int q)
{
    struct kvd_conn_link *l = &conn->q[q];
    if (!l->queued)
        return;
    if (l->prev != NULL)
        l->prev->q[q].next = l->next;
    else
        queue_head[q] = l->next;
    if (l->next != NULL)
        l->next->q[q].prev = l->prev;
    *l = (struct kvd_conn_link){NULL, NULL, false};
}

static void queue_write(kvd_conn_t *conn)
{
    if (conn->fd < 0)
        return; /* socketless: its owner takes the output (kvd_conn_new_local) */
    /* A client to close after its reply is queued even with nothing left
     * to write: flush_output closes it. */
    if (conn->out.len == conn->out_sent && !(conn->client.flags & KVD_CLIENT_CLOSE_AFTER_REPLY))
        return;
    queue_push(conn, KVD_CONN_Q_WRITE);
}

static void reject_connection(int fd, const char *msg)
{
    /* Best effort, as Redis does: the socket is fresh, the write fits. */
    (void)!write(fd, msg, strlen(msg));
    close(fd);
}

static void conn_setup(struct ev_loop *loop, int fd, kvd_shard_t *shard)
{
    kvd_conn_t *conn = kvd_calloc(1, sizeof(*conn));
    conn->fd = fd;
    conn->loop = loop;
    kvd_client_init(&conn->client, shard);
    kvd_client_t *c = &conn->client;
    c->fd = fd;
    c->conn = conn;
    c->reply = &conn->out;
    kvd_net_format_addr(fd, true, c->addr, sizeof(c->addr));
    kvd_net_format_addr(fd, false, c->laddr, sizeof(c->laddr));
    kvd_resp_parser_init(&conn->parser);
    ev_io_init(&conn->rio, conn_read_cb, fd, EV_READ);
    ev_io_init(&conn->wio, conn_write_cb, fd, EV_WRITE);
    conn->rio.data = conn->wio.data = conn;
    ev_io_start(loop, &conn->rio);
    conn->reading = true;
    kvd_shard_link_client(shard, c);
    shard->stats.total_connections_received++;
}

kvd_conn_t *kvd_conn_new_local(kvd_shard_t *shard, const char *addr)
{
    kvd_conn_t *conn = kvd_calloc(1, sizeof(*conn));
    conn->fd = -1;
    kvd_client_init(&conn->client, shard);
    kvd_client_t *c = &conn->client;
    c->fd = -1;
    c->conn = conn;
    c->reply = &conn->out;
    snprintf(c->addr, sizeof(c->addr), "%s", addr);
    kvd_resp_parser_init(&conn->parser);
    kvd_shard_link_client(shard, c);
    shard->stats.total_connections_received++;
    return conn;
}

void kvd_conn_accept(struct ev_loop *loop, int lfd)
{
    kvd_shard_t *shard = kvd_current_shard;
    for (int i = 0; i < ACCEPTS_PER_CALL; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                kvd_log_warning("accept: %s", strerror(errno));
            return;
        }
        if (shard->nclients >= (uint64_t)shard->cfg->maxclients) {
            shard->stats.rejected_connections++;
            reject_connection(fd, "-ERR max number of clients reached\r\n");
            continue;
        }
        kvd_net_tune_client(fd, shard->cfg->tcp_keepalive);
        conn_setup(loop, fd, shard);
    }
}

void kvd_conn_close(kvd_conn_t *conn, const char *why)
{
    kvd_client_t *c = &conn->client;
    kvd_log_verbose("closing client id=%llu addr=%s: %s", (unsigned long long)c->id, c->addr, why);
    if (conn->loop != NULL) {
        ev_io_stop(conn->loop, &conn->rio);
        ev_io_stop(conn->loop, &conn->wio);
    }
    queue_remove(conn, KVD_CONN_Q_WRITE);
    queue_remove(conn, KVD_CONN_Q_READ);
    kvd_conn_route_release(conn);
    if (conn->fd >= 0)
        close(conn->fd);
    kvd_shard_unlink_client(c->shard, c);
    kvd_client_release(c);
    kvd_buf_free(&conn->query);
    kvd_buf_free(&conn->out);
    kvd_argv_free(&conn->argv);
    kvd_free(conn);
}

static void set_reading(kvd_conn_t *conn, bool on)
{
    if (on == conn->reading || conn->loop == NULL)
        return;
    if (on)
        ev_io_start(conn->loop, &conn->rio);
    else
        ev_io_stop(conn->loop, &conn->rio);
    conn->reading = on;
}

/* Write what is pending.  Returns false when the connection was closed. */
static bool flush_output(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    while (conn->out_sent < conn->out.len) {
        ssize_t n = write(conn->fd, conn->out.data + conn->out_sent, conn->out.len - conn->out_sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ev_io_start(conn->loop, &conn->wio);
            c->obuf_len = conn->out.len - conn->out_sent;
            return true;
        }
        if (n <= 0) {
            kvd_conn_close(conn, n < 0 ? strerror(errno) : "write returned 0");
            return false;
        }
        conn->out_sent += (size_t)n;
        c->shard->stats.net_output_bytes += (uint64_t)n;
    }
    conn->out.len = conn->out_sent = 0;
    c->obuf_len = 0;
    kvd_buf_shrink(&conn->out, KVD_CONN_KEEP_BUF);
    if (ev_is_active(&conn->wio))
        ev_io_stop(conn->loop, &conn->wio);
    if (c->flags & (KVD_CLIENT_CLOSE_AFTER_REPLY | KVD_CLIENT_CLOSE_ASAP)) {
        kvd_conn_close(conn, "closed after reply");
        return false;
    }
    return true;
}

static void protocol_error(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    kvd_log_verbose("protocol error from client id=%llu addr=%s: %s", (unsigned long long)c->id,
                    c->addr, conn->parser.error);
    kvd_reply_errorf(&conn->out, "ERR %s", conn->parser.error);
    c->shard->stats.total_error_replies++;
    c->flags |= KVD_CLIENT_CLOSE_AFTER_REPLY | KVD_CLIENT_PROTOCOL_ERROR;
    set_reading(conn, false);
}

/* Parse and run the complete commands in the query buffer. */
static void process_input(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    kvd_shard_t *shard = c->shard;
    kvd_resp_limits_t limits = {
        .max_bulk_len = shard->cfg->proto_max_bulk_len,
        .max_multibulk_len = INT_MAX,
        .max_inline_len = 64 * 1024,
    };
    bool routed = kvd_router_active(), stamped = false;
    kvd_dispatch_run_t run = {NULL, 0}; /* kvd_dispatch_batched */
    if (routed && !kvd_conn_run_held(conn))
        return; /* still waiting for earlier replies */
    for (int i = 0; i < COMMANDS_PER_READ; i++) {
        /* A blocked client runs nothing more until it is served. */
        if (c->flags & (KVD_CLIENT_CLOSE_AFTER_REPLY | KVD_CLIENT_CLOSE_ASAP | KVD_CLIENT_BLOCKED))
            break;
        if (conn->held_argv != NULL)
            break;
        if (conn->out.len - conn->out_sent > KVD_CONN_OUT_PAUSE)
            break; /* resumed by conn_write_cb once the output drains */
        if (conn->qstart >= conn->query.len)
            break;
        kvd_resp_status_t r = kvd_resp_parse(&conn->parser, conn->query.data + conn->qstart,
                                             conn->query.len - conn->qstart, &conn->argv, &limits);
        if (r == KVD_RESP_AGAIN)
            break;
        if (r == KVD_RESP_ERROR) {
            protocol_error(conn);
            break;
        }
        conn->qstart += conn->parser.consumed;
        if (conn->argv.argc == 0)
            continue;
        c->argc = conn->argv.argc;
        c->argv = conn->argv.v;
        /* CLIENT LIST reports the query buffer as the command sees it: its own
         * bytes and everything pipelined after them. */
        c->qbuf_len = conn->query.len - (conn->qstart - conn->parser.consumed);
        c->qbuf_free = conn->query.cap - conn->query.len;
        if (!stamped) { /* once per batch: its commands arrived together */
            c->last_interaction_ms = kvd_env_coarse_ms(shard->env); /* idle seconds */
            stamped = true;
        }
        if (routed)
            kvd_conn_route(conn); /* may hold it for later */
        else
            kvd_dispatch_batched(c, &run);
        c->argc = 0;
        c->argv = NULL;
    }
    kvd_dispatch_run_end(shard, &run);
    if (conn->qstart > 0) {
        kvd_buf_consume(&conn->query, conn->qstart);
        conn->qstart = 0;
    }
    c->qbuf_len = conn->query.len;
    c->qbuf_free = conn->query.cap - conn->query.len;
}

static bool query_limit_exceeded(kvd_conn_t *conn)
{
    kvd_client_t *c = &conn->client;
    if ((int64_t)conn->query.len <= c->shard->cfg->client_query_buffer_limit)
        return false;
    kvd_log_warning("Closing client that reached max query buffer length: id=%llu addr=%s "
                    "(qbuf %zu bytes)", (unsigned long long)c->id, c->addr, conn->query.len);
    c->shard->stats.client_query_buffer_limit_disconnections++;
    return true;
}

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    KVD_UNUSED(loop);
    KVD_UNUSED(revents);
    kvd_conn_t *conn = w->data;
    size_t pending = conn->query.len - conn->qstart;
    size_t chunk = KVD_CONN_READ_CHUNK;
    /* A big bulk announced by the parser: read it in as few calls as possible. */
    if (conn->parser.want > pending && conn->parser.want - pending > chunk)
        chunk = conn->parser.want - pending;
    kvd_buf_reserve(&conn->query, chunk);
    ssize_t n = read(conn->fd, conn->query.data + conn->query.len, conn->query.cap - conn->query.len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        kvd_conn_close(conn, n == 0 ? "connection closed by peer" : strerror(errno));
        return;
    }
    conn->query.len += (size_t)n;
    conn->client.shard->stats.net_input_bytes += (uint64_t)n;
    queue_push(conn, KVD_CONN_Q_READ); /* run in epoll's order: kvd_conn_process_reads */
}

/* What a read brought: run it, then decide whether to read on. */
static void serve_read(kvd_conn_t *conn)
{
    conn->processing = true;
    process_input(conn);
    conn->processing = false;
    if (query_limit_exceeded(conn)) {
        kvd_conn_close(conn, "query buffer limit");
        return;
    }
    /* Pause reading while a big backlog of replies waits for the socket;
     * conn_write_cb resumes once it drains. */
    set_reading(conn, conn->out.len - conn->out_sent <= KVD_CONN_OUT_PAUSE &&
                          !(conn->client.flags & KVD_CLIENT_PROTOCOL_ERROR));
    queue_write(conn);
}

void kvd_conn_process_reads(void)
{
    /* Only read callbacks add to the list, and none runs in here: each
     * pass takes one connection off, so this ends. */
    kvd_conn_t *conn;
    while ((conn = queue_head[KVD_CONN_Q_READ]) != NULL) {
        queue_remove(conn, KVD_CONN_Q_READ);
        serve_read(conn);
    }
}

void kvd_conn_process(kvd_conn_t *conn)
{
    conn->processing = true;
    process_input(conn);
    conn->processing = false;
    queue_write(conn);
}

void kvd_conn_flush_pending(void)
{
    kvd_conn_t *conn;
    while ((conn = queue_head[KVD_CONN_Q_WRITE]) != NULL) {
        queue_remove(conn, KVD_CONN_Q_WRITE);
        if (!flush_output(conn))
            continue; /* closed */
        set_reading(conn, conn->out.len - conn->out_sent <= KVD_CONN_OUT_PAUSE &&
                              !(conn->client.flags & KVD_CLIENT_PROTOCOL_ERROR));
    }
}

static void conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    KVD_UNUSED(loop);
    KVD_UNUSED(revents);
    kvd_conn_t *conn = w->data;
    if (!flush_output(conn))
        return;
    if (conn->out.len != 0 || (conn->client.flags & KVD_CLIENT_PROTOCOL_ERROR))
        return;
    /* Output drained: run what was left unparsed while paused, then read again. */
    conn->processing = true;
    process_input(conn);
    conn->processing = false;
    if (!flush_output(conn))
        return;
    if (conn->out.len - conn->out_sent <= KVD_CONN_OUT_PAUSE &&
        !(conn->client.flags & KVD_CLIENT_PROTOCOL_ERROR))
        set_reading(conn, true);
}

void kvd_conn_sweep(kvd_shard_t *shard, bool check_idle)
{
    uint64_t now = kvd_env_now_ms(shard->env);
    uint64_t idle_ms = (uint64_t)shard->cfg->timeout * 1000;
    kvd_client_t *c = shard->clients, *next;
    for (uint64_t guard = 0; c != NULL && guard <= shard->nclients; guard++, c = next) {
        next = c->next;
        if (c->conn == NULL)
            continue;
        if (c->flags & KVD_CLIENT_CLOSE_ASAP)
            kvd_conn_close(c->conn, "killed");
        else if (check_idle && idle_ms > 0 && !(c->flags & KVD_CLIENT_BLOCKED) &&
                 now - c->last_interaction_ms > idle_ms)
            kvd_conn_close(c->conn, "idle timeout");
    }
}

/*
 * Clients unblocked since the last call (served, timed out, CLIENT
 * UNBLOCK): send their reply and run what they pipelined meanwhile.
 * Running those commands may unblock more clients; the list is bounded by
 * the clients of this worker, each queued once per unblock.
 */
void kvd_conn_resume_unblocked(kvd_shard_t *shard)
{
    kvd_client_t *c;
    for (uint64_t guard = 0; (c = kvd_blocking_next_resumed(shard)) != NULL; guard++) {
        KVD_ASSERT(guard <= 16 * (shard->nclients + 1));
        kvd_conn_t *conn = c->conn;
        if (conn == NULL) {
            kvd_router_proxy_resumed(c);
            continue;
        }
        kvd_conn_process(conn);
    }
}

void kvd_conn_resume_paused(kvd_shard_t *shard)
{
    kvd_client_t *c = shard->clients, *next;
    for (uint64_t guard = 0; c != NULL && guard <= shard->nclients; guard++, c = next) {
        next = c->next;
        kvd_conn_t *conn = c->conn;
        if (conn != NULL && conn->held_argv != NULL && !conn->processing)
            kvd_conn_process(conn);
        if (kvd_router_locked())
            return; /* one of them began a transaction that holds us again */
    }
}

void kvd_conn_close_all(kvd_shard_t *shard)
{
    kvd_client_t *c = shard->clients, *next;
    for (uint64_t guard = 0; c != NULL && guard <= shard->nclients; guard++, c = next) {
        next = c->next;
        kvd_conn_t *conn = c->conn;
        if (conn == NULL)
            continue;
        /* Give each client up to 100 ms to take its pending replies. */
        for (int tries = 0; tries < 10 && conn->out_sent < conn->out.len; tries++) {
            ssize_t n = write(conn->fd, conn->out.data + conn->out_sent, conn->out.len - conn->out_sent);
            if (n > 0) {
                conn->out_sent += (size_t)n;
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                break;
            struct pollfd pfd = {.fd = conn->fd, .events = POLLOUT};
            poll(&pfd, 1, 10);
        }
        kvd_conn_close(conn, "server stopping");
    }
}

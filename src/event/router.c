/*
 * router.c - the worker's side of the rings (see router.h).
 */
#include "router_int.h"
#include "xshard.h"
#include "aof/aof.h"
#include "cmd/blocking.h"
#include "cmd/multi.h"
#include "core/log.h"
#include "core/util.h"
#include "db/dict.h"
#include "proto/reply.h"

/* Records drained from one ring per pass: enough to batch, small enough
 * that one busy peer cannot starve the others or the clients. */
#define DRAIN_BATCH 256
/* A peer whose replies back up past this stops being drained (backpressure). */
#define OUT_BACKLOG_LIMIT (8u << 20)
/* A request's sequence: the worker's incarnation above these bits. */
#define SEQ_INCARNATION_SHIFT 40

kvd_shm_t *kvd_router_shm;

/* ---- state ---- */

typedef struct out_msg {
    struct out_msg *next;
    kvd_buf_t payload;
    kvd_ring_cursor_t cur;
} out_msg_t;

typedef struct peer {
    out_msg_t *head, *tail; /* messages the ring had no room for yet */
    out_msg_t *held_head, *held_tail; /* replies waiting for the AOF */
    uint64_t backlog;       /* their payload bytes */
    kvd_buf_t reasm;        /* a fragmented message being received */
} peer_t;

/* An outstanding request: which pending reply slot its answer fills. */
typedef struct request {
    kvd_dict_node_t node;
    uint64_t seq;
    struct kvd_pending *p; /* NULL once the connection is gone */
    kvd_router_reply_fn *fn; /* or: who gets the answer (cross-shard steps) */
    void *arg;
    int part;
    int peer;
} request_t;

/* A remote connection's stand-in on the owner. */
typedef struct proxy {
    kvd_dict_node_t node;
    int from;
    uint64_t conn_id;
    uint64_t waiting_seq; /* a blocked command's request, 0 when none */
    kvd_client_t c;
    kvd_buf_t out;
    kvd_argv_t argv;
    kvd_resp_parser_t parser;
} proxy_t;

/* Work that must wait for this iteration's AOF write (and sync). */
typedef struct after_aof {
    struct after_aof *next;
    void (*fn)(void *arg);
    void *arg;
} after_aof_t;

/*
 * One worker's router: production has exactly one (R0); the simulator
 * makes one per simulated shard and enters the one whose turn it is
 * (kvd_router_enter), so every function here works on R.
 */
struct kvd_router_ctx {
    bool active;
    int self, n;
    kvd_shard_t *shard;
    kvd_shm_t *shm;
    kvd_wake_t wake;
    struct ev_loop *loop; /* NULL in the simulator: it drives the rings itself */
    ev_io wake_w;
    ev_check check_w;
    ev_idle idle_w;
    ev_timer timer_w;     /* fires at the earliest router timer */
    kvd_router_timer_t *timers; /* armed ones, unordered (a handful at most) */
    peer_t *peers;
    kvd_dict_t requests;
    kvd_dict_t proxies;
    uint64_t next_seq;
    /* Called once after this iteration's AOF write (kvd_router_after_aof_call). */
    struct after_aof *after_aof;
    void *txpart, *xshard; /* txpart.c's and the coordinator's state */
};

static kvd_router_ctx_t R0;
static kvd_router_ctx_t *R = &R0;

static uint64_t seq_hash(const kvd_dict_t *d, const kvd_dict_node_t *n)
{
    const request_t *r = (const request_t *)n;
    return kvd_dict_hash(d, &r->seq, sizeof(r->seq));
}

static bool seq_match(const kvd_dict_node_t *n, const void *key, size_t klen)
{
    return klen == sizeof(uint64_t) && memcmp(&((const request_t *)n)->seq, key, klen) == 0;
}

static const kvd_dict_type_t request_type = {seq_hash, seq_match};

/* Proxies are keyed by (from, conn_id) packed in 12 bytes. */
static void proxy_key(int from, uint64_t conn_id, uint8_t key[12])
{
    uint32_t f = (uint32_t)from;
    memcpy(key, &f, 4);
    memcpy(key + 4, &conn_id, 8);
}

static uint64_t proxy_hash(const kvd_dict_t *d, const kvd_dict_node_t *n)
{
    const proxy_t *p = (const proxy_t *)n;
    uint8_t key[12];
    proxy_key(p->from, p->conn_id, key);
    return kvd_dict_hash(d, key, sizeof(key));
}

static bool proxy_match(const kvd_dict_node_t *n, const void *key, size_t klen)
{
    const proxy_t *p = (const proxy_t *)n;
    uint8_t mine[12];
    proxy_key(p->from, p->conn_id, mine);
    return klen == sizeof(mine) && memcmp(mine, key, klen) == 0;
}

static const kvd_dict_type_t proxy_type = {proxy_hash, proxy_match};

bool kvd_router_active(void)
{
    return R->active;
}

int router_self(void)
{
    return R->self;
}

void kvd_router_after_aof_call(void (*fn)(void *arg), void *arg)
{
    after_aof_t *a = kvd_calloc(1, sizeof(*a));
    a->fn = fn;
    a->arg = arg;
    a->next = R->after_aof;
    R->after_aof = a;
}

/* Run the calls registered before this iteration's AOF write; a call may
 * register again (for the next iteration). */
static void run_after_aof(void)
{
    after_aof_t *list = R->after_aof;
    R->after_aof = NULL;
    after_aof_t *rev = NULL;
    while (list != NULL) { /* in the order they were registered */
        after_aof_t *next = list->next;
        list->next = rev;
        rev = list;
        list = next;
    }
    for (after_aof_t *next; rev != NULL; rev = next) {
        next = rev->next;
        rev->fn(rev->arg);
        kvd_free(rev);
    }
}


/* ---- sending ---- */

/* Push what fits of peer `to`'s queue into the ring. */
static void flush_peer(int to)
{
    peer_t *pe = &R->peers[to];
    for (out_msg_t *m; (m = pe->head) != NULL;) {
        kvd_ring_status_t st = kvd_shm_send(R->shm, &R->wake, (unsigned)R->self,
                                            (unsigned)to, &m->cur);
        if (st == KVD_RING_FULL)
            return;
        /* OK, or RESET: the peer died mid-message; its requests fail
         * through the epoch change, so the rest is dropped with it. */
        pe->head = m->next;
        if (pe->head == NULL)
            pe->tail = NULL;
        pe->backlog -= m->payload.len;
        kvd_buf_free(&m->payload);
        kvd_free(m);
    }
}

static void send_msg(int to, const kvd_ring_meta_t *meta, kvd_buf_t *payload)
{
    peer_t *pe = &R->peers[to];
    out_msg_t *m = kvd_calloc(1, sizeof(*m));
    m->payload = *payload; /* take the bytes over */
    *payload = (kvd_buf_t)KVD_BUF_INIT;
    kvd_ring_cursor_init(&m->cur, meta, m->payload.data, m->payload.len);
    if (pe->tail != NULL)
        pe->tail->next = m;
    else
        pe->head = m;
    pe->tail = m;
    pe->backlog += m->payload.len;
    flush_peer(to);
}

static uint64_t send_request(int to, uint32_t db, uint64_t conn_id, unsigned flags,
                             kvd_buf_t *payload, request_t *proto)
{
    KVD_ASSERT(R->active && to != R->self && to >= 0 && to < R->n);
    uint64_t seq = ++R->next_seq;
    if (!(flags & KVD_MSG_NOREPLY)) {
        request_t *r = kvd_calloc(1, sizeof(*r));
        *r = *proto;
        r->seq = seq;
        r->peer = to;
        kvd_dict_insert(&R->requests, kvd_dict_hash(&R->requests, &seq, sizeof(seq)), &r->node);
        kvd_dict_rehash_step(&R->requests, 1);
    }
    /* flags may name another kind than COMMAND (TXCTL) in the low byte. */
    uint16_t kind = (uint16_t)((flags & 0xff) != 0 ? flags : (KVD_MSG_COMMAND | flags));
    kvd_ring_meta_t meta = {.kind = kind, .db = db, .seq = seq, .conn_id = conn_id};
    send_msg(to, &meta, payload);
    return seq;
}

uint64_t kvd_router_send(int to, uint32_t db, uint64_t conn_id, unsigned flags, kvd_buf_t *payload,
                         struct kvd_pending *p, int part)
{
    request_t proto = {.p = p, .part = part};
    return send_request(to, db, conn_id, flags, payload, &proto);
}

uint64_t kvd_router_request(int to, uint32_t db, uint64_t conn_id, unsigned flags,
                            kvd_buf_t *payload, kvd_router_reply_fn *fn, void *arg, int part)
{
    KVD_ASSERT(fn != NULL && !(flags & KVD_MSG_NOREPLY));
    request_t proto = {.fn = fn, .arg = arg, .part = part};
    return send_request(to, db, conn_id, flags, payload, &proto);
}

void kvd_router_conn_closed(uint64_t conn_id, const uint8_t *contacted)
{
    for (int j = 0; j < R->n; j++) {
        if (j == R->self || !contacted[j])
            continue;
        kvd_ring_meta_t meta = {.kind = KVD_MSG_CLOSE, .conn_id = conn_id};
        kvd_buf_t empty = KVD_BUF_INIT;
        send_msg(j, &meta, &empty);
    }
}

static request_t *request_take(uint64_t seq)
{
    kvd_dict_pos_t pos;
    if (!kvd_dict_lookup(&R->requests, kvd_dict_hash(&R->requests, &seq, sizeof(seq)), &seq,
                         sizeof(seq), &pos))
        return NULL;
    return (request_t *)kvd_dict_remove_at(&R->requests, &pos);
}

void kvd_router_forget(struct kvd_pending *p)
{
    for (int i = 0; i < p->nparts; i++) {
        if (p->seqs[i] == 0)
            continue;
        kvd_dict_pos_t pos;
        uint64_t seq = p->seqs[i];
        if (kvd_dict_lookup(&R->requests, kvd_dict_hash(&R->requests, &seq, sizeof(seq)), &seq,
                            sizeof(seq), &pos))
            ((request_t *)*pos.link)->p = NULL;
    }
}

/* ---- owner side: proxies ---- */

static proxy_t *proxy_find(int from, uint64_t conn_id, kvd_dict_pos_t *pos)
{
    uint8_t key[12];
    proxy_key(from, conn_id, key);
    if (!kvd_dict_lookup(&R->proxies, kvd_dict_hash(&R->proxies, key, sizeof(key)), key,
                         sizeof(key), pos))
        return NULL;
    return (proxy_t *)*pos->link;
}

kvd_client_t *router_proxy_client(int from, uint64_t conn_id)
{
    kvd_dict_pos_t pos;
    proxy_t *p = proxy_find(from, conn_id, &pos);
    return p != NULL ? &p->c : NULL;
}

static proxy_t *proxy_get(int from, uint64_t conn_id)
{
    kvd_dict_pos_t pos;
    proxy_t *p = proxy_find(from, conn_id, &pos);
    if (p != NULL)
        return p;
    p = kvd_calloc(1, sizeof(*p));
    p->from = from;
    p->conn_id = conn_id;
    kvd_client_init(&p->c, R->shard);
    kvd_buf_init(&p->out);
    p->c.reply = &p->out;
    p->c.proxy = p;
    snprintf(p->c.addr, sizeof(p->c.addr), "worker%d:%llu", from, (unsigned long long)conn_id);
    kvd_resp_parser_init(&p->parser);
    uint8_t key[12];
    proxy_key(from, conn_id, key);
    kvd_dict_insert(&R->proxies, kvd_dict_hash(&R->proxies, key, sizeof(key)), &p->node);
    kvd_dict_rehash_step(&R->proxies, 1);
    return p;
}

static void proxy_destroy(proxy_t *p)
{
    kvd_dict_pos_t pos;
    proxy_t *found = proxy_find(p->from, p->conn_id, &pos);
    KVD_ASSERT(found == p);
    kvd_dict_remove_at(&R->proxies, &pos);
    kvd_client_release(&p->c);
    kvd_buf_free(&p->out);
    kvd_argv_free(&p->argv);
    kvd_free(p);
}

/* A reply may acknowledge a write: it waits with the connections' replies
 * until the AOF has written (and under "always" synced) it, and leaves in
 * kvd_router_after_aof. */
void router_send_reply(int to, uint64_t seq, uint64_t conn_id, kvd_buf_t *reply)
{
    peer_t *pe = &R->peers[to];
    out_msg_t *m = kvd_calloc(1, sizeof(*m));
    m->payload = *reply;
    *reply = (kvd_buf_t)KVD_BUF_INIT;
    kvd_ring_meta_t meta = {.kind = KVD_MSG_REPLY, .seq = seq, .conn_id = conn_id};
    kvd_ring_cursor_init(&m->cur, &meta, m->payload.data, m->payload.len);
    if (pe->held_tail != NULL)
        pe->held_tail->next = m;
    else
        pe->held_head = m;
    pe->held_tail = m;
}

/* Send peer `to` the replies this iteration's AOF write covers.  When
 * that write (or its sync) failed, they acknowledge nothing: each says
 * MISCONF instead (its command's outcome is unknown, as for a local
 * client whose connection is closed then; a PREPARE fails). */
static void release_held(int to, kvd_buf_t *failed)
{
    peer_t *pe = &R->peers[to];
    if (pe->held_head == NULL)
        return;
    for (out_msg_t *m = pe->held_head; m != NULL; m = m->next) {
        if (failed != NULL) {
            kvd_buf_clear(&m->payload);
            kvd_reply_error(&m->payload, kvd_buf_cstr(failed));
            kvd_ring_meta_t meta = m->cur.meta;
            kvd_ring_cursor_init(&m->cur, &meta, m->payload.data, m->payload.len);
        }
        pe->backlog += m->payload.len;
    }
    if (pe->tail != NULL)
        pe->tail->next = pe->held_head;
    else
        pe->head = pe->held_head;
    pe->tail = pe->held_tail;
    pe->held_head = pe->held_tail = NULL;
    flush_peer(to);
}

static void free_msgs(out_msg_t *m)
{
    for (out_msg_t *next; m != NULL; m = next) {
        next = m->next;
        kvd_buf_free(&m->payload);
        kvd_free(m);
    }
}

/* PULL: the payload is a multibulk of (database, key) pairs; the reply an
 * array with, per key, the commands that rebuild it (empty: no such key). */
static void handle_pull(proxy_t *p, const kvd_ring_hdr_t *h, int from, char *data, size_t len)
{
        kvd_resp_parser_init(&p->parser);
    kvd_resp_status_t st =
        kvd_resp_parse(&p->parser, data, len, &p->argv, &kvd_route_peer_limits);
    KVD_ASSERT(st == KVD_RESP_OK && p->argv.argc % 2 == 0);
    kvd_buf_t reply = KVD_BUF_INIT, one = KVD_BUF_INIT;
    kvd_reply_array(&reply, p->argv.argc / 2);
    for (int i = 0; i + 1 < p->argv.argc; i += 2) {
        int64_t db = -1;
        kvd_str2ll(p->argv.v[i].ptr, p->argv.v[i].len, &db);
        KVD_ASSERT(db >= 0 && db < R->shard->ndbs);
        kvd_db_t *d = R->shard->dbs[db];
        kvd_entry_t *e = kvd_db_find(d, p->argv.v[i + 1].ptr, p->argv.v[i + 1].len);
        kvd_buf_clear(&one);
        if (e != NULL)
            kvd_aof_key_commands(d, e, &one);
        kvd_reply_bulk(&reply, one.data, one.len);
    }
    kvd_buf_free(&one);
    router_send_reply(from, h->seq, h->conn_id, &reply);
}

/* Run the command(s) in payload on p; the reply of the last stays in p->out. */
static void proxy_run(proxy_t *p, char *payload, size_t len, bool batch)
{
        size_t off = 0;
    for (int guard = 0; off < len && guard < 1000000; guard++) {
        kvd_resp_parser_init(&p->parser);
        kvd_resp_status_t st = kvd_resp_parse(&p->parser, payload + off, len - off, &p->argv,
                                              &kvd_route_peer_limits);
        KVD_ASSERT(st == KVD_RESP_OK); /* a peer encoded it: anything else is a bug */
        off += p->parser.consumed;
        if (p->argv.argc == 0)
            continue;
        if (batch)
            kvd_buf_clear(&p->out);
        p->c.argc = p->argv.argc;
        p->c.argv = p->argv.v;
        kvd_dispatch(&p->c);
        p->c.argc = 0;
        p->c.argv = NULL;
    }
}

static void handle_command(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len)
{
    if (h->kind & KVD_MSG_LOCK) {
        txpart_handle_lock(from, h, data, len);
        return;
    }
    if (h->kind & KVD_MSG_UNLOCK) {
        txpart_handle_unlock(from, h);
        return;
    }
    if (h->kind & KVD_MSG_ABORT) {
        txpart_handle_abort(from, h);
        return;
    }
    if ((h->kind & KVD_MSG_TXSTEP) && !txpart_holds(from, h->conn_id)) {
        /* A step of a transaction that does not hold us: sent to our
         * previous incarnation, which died holding it (the coordinator
         * fails it).  Running it here would apply half a transaction.
         * (A PULL only reads: SORT's BY and GET keys are pulled from
         * shards the transaction could not know to lock.) */
        kvd_log_notice("router: a step from worker %d for a transaction that does not hold "
                       "this shard; refused", from);
        kvd_buf_t reply = KVD_BUF_INIT;
        kvd_buf_append_str(&reply, "-LOADING Redis is loading the dataset in memory\r\n");
        router_send_reply(from, h->seq, h->conn_id, &reply);
        return;
    }
    proxy_t *p = proxy_get(from, h->conn_id);
    if (p->c.flags & KVD_CLIENT_BLOCKED) {
        /* The origin sends nothing after a blocking command until it is
         * answered; a message here means the connection went on anyway. */
        kvd_log_warning("router: command from worker %d for a blocked client; dropped", from);
        return;
    }
    kvd_buf_t in = KVD_BUF_INIT;
    kvd_buf_append(&in, data, len);
    kvd_buf_clear(&p->out);
    if (h->kind & KVD_MSG_PULL) {
        handle_pull(p, h, from, in.data, in.len);
        kvd_buf_free(&in);
        return;
    }
    /* A transaction's step: blocking commands answer as timed out. */
    uint32_t step_flags = (h->kind & KVD_MSG_TXSTEP) ? KVD_CLIENT_DENY_BLOCKING : 0;
    if ((h->kind & KVD_MSG_TXSTEP) && (h->kind & KVD_MSG_BATCH))
        step_flags |= KVD_CLIENT_INTERNAL; /* a push: rebuild commands, not a user's */
    p->c.flags |= step_flags;
    if (kvd_client_select(&p->c, (int)h->db) < 0)
        kvd_reply_error(&p->out, "ERR DB index is out of range");
    else
        proxy_run(p, in.data, in.len, (h->kind & KVD_MSG_BATCH) != 0);
    p->c.flags &= ~step_flags;
    kvd_buf_free(&in);
    if (p->c.flags & KVD_CLIENT_BLOCKED) {
        p->waiting_seq = h->seq;
        return;
    }
    if (!(h->kind & KVD_MSG_NOREPLY))
        router_send_reply(from, h->seq, h->conn_id, &p->out);
    kvd_buf_clear(&p->out);
}

bool kvd_router_proxy_resumed(kvd_client_t *c)
{
    proxy_t *p = c->proxy;
    if (p == NULL)
        return false;
    if (p->waiting_seq != 0) {
        router_send_reply(p->from, p->waiting_seq, p->conn_id, &p->out);
        p->waiting_seq = 0;
    }
    kvd_buf_clear(&p->out);
    return true;
}

/* ---- origin side: replies ---- */

/* Deliver a request's answer (and free it). */
static void answer(request_t *r, const char *data, size_t len)
{
    if (r->fn != NULL)
        r->fn(r->arg, r->part, data, len);
    else if (r->p != NULL)
        kvd_conn_part_done(r->p, r->part, data, len);
    kvd_free(r);
}

static void handle_reply(const kvd_ring_hdr_t *h, const uint8_t *data, size_t len)
{
    request_t *r = request_take(h->seq);
    if (r == NULL)
        return; /* failed already (the peer was reset), or a stale incarnation's */
    answer(r, (const char *)data, len);
}

static void handle_close(int from, uint64_t conn_id)
{
    kvd_dict_pos_t pos;
    proxy_t *p = proxy_find(from, conn_id, &pos);
    if (p != NULL)
        proxy_destroy(p);
}

void router_run_message(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len)
{
    switch (h->kind & 0xff) {
    case KVD_MSG_COMMAND: handle_command(from, h, data, len); break;
    case KVD_MSG_TXCTL: txpart_handle_ctl(from, h, data, len); break;
    case KVD_MSG_REPLY: handle_reply(h, data, len); break;
    case KVD_MSG_CLOSE: handle_close(from, h->conn_id); break;
    default: kvd_log_warning("router: unknown message kind %u from worker %d", h->kind, from);
    }
}

static void handle_message(int from, const kvd_ring_hdr_t *h, const uint8_t *data, size_t len)
{
    if (txpart_must_wait(from, h))
        txpart_defer(from, h, data, len);
    else
        router_run_message(from, h, data, len);
}

/* ---- a peer died: fail its requests, drop its connections' proxies ---- */

typedef struct collect {
    void **items;
    size_t n, cap;
    int peer;
} collect_t;

static void collect_push(collect_t *c, void *item)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->items = kvd_realloc(c->items, c->cap * sizeof(*c->items));
    }
    c->items[c->n++] = item;
}

static void collect_request(const kvd_dict_node_t *n, void *arg)
{
    collect_t *c = arg;
    const request_t *r = (const request_t *)n;
    if (r->peer == c->peer)
        collect_push(c, (void *)(uintptr_t)r->seq);
}

static void collect_proxy(const kvd_dict_node_t *n, void *arg)
{
    collect_t *c = arg;
    const proxy_t *p = (const proxy_t *)n;
    if (p->from == c->peer)
        collect_push(c, (void *)(uintptr_t)p);
}

static void peer_reset(int peer)
{
    static const char loading[] = "-LOADING Redis is loading the dataset in memory\r\n";
    kvd_log_notice("router: worker %d restarted; failing its requests in flight", peer);
    peer_t *pe = &R->peers[peer];
    free_msgs(pe->head);
    pe->head = pe->tail = NULL;
    free_msgs(pe->held_head);
    pe->held_head = pe->held_tail = NULL;
    pe->backlog = 0;
    kvd_buf_clear(&pe->reasm);
    /* The requests the dead incarnation will never answer.  Taken first:
     * what the resets below send (a transaction that got a lock here
     * locking the next shard) goes to the new one and stays. */
    collect_t c = {.peer = peer};
    kvd_dict_foreach(&R->requests, collect_request, &c);
    kvd_xshard_peer_reset(peer);
    txpart_peer_reset(peer);
    for (size_t i = 0; i < c.n; i++) {
        request_t *r = request_take((uint64_t)(uintptr_t)c.items[i]);
        if (r != NULL)
            answer(r, loading, sizeof(loading) - 1);
    }
    c.n = 0;
    kvd_dict_foreach(&R->proxies, collect_proxy, &c);
    for (size_t i = 0; i < c.n; i++)
        proxy_destroy(c.items[i]);
    kvd_free(c.items);
}

/* ---- draining ---- */

static bool on_frag(void *arg, const kvd_ring_frag_t *f)
{
    int from = (int)(intptr_t)arg;
    if ((f->hdr.flags & (KVD_RING_FIRST | KVD_RING_LAST)) == (KVD_RING_FIRST | KVD_RING_LAST)) {
        handle_message(from, &f->hdr, f->data, f->hdr.len);
        return true;
    }
    peer_t *pe = &R->peers[from];
    if (kvd_ring_reasm_feed(&pe->reasm, f)) {
        handle_message(from, &f->hdr, (const uint8_t *)pe->reasm.data, pe->reasm.len);
        kvd_buf_clear(&pe->reasm);
    }
    return true;
}

static void on_abort(void *arg, uint64_t seq, uint64_t conn_id)
{
    KVD_UNUSED(seq);
    KVD_UNUSED(conn_id);
    kvd_buf_clear(&R->peers[(int)(intptr_t)arg].reasm);
}

static void on_epoch(void *arg, uint32_t old_epoch, uint32_t new_epoch)
{
    KVD_UNUSED(old_epoch);
    KVD_UNUSED(new_epoch);
    peer_reset((int)(intptr_t)arg);
}

size_t kvd_router_drain_peer(int p, size_t max)
{
    KVD_ASSERT(R->active && p >= 0 && p < R->n && p != R->self);
    kvd_ring_t *r = kvd_shm_ring(R->shm, (unsigned)p, (unsigned)R->self);
    if (!kvd_ring_pending(r))
        return 0;
    kvd_ring_consumer_t cons = {on_frag, on_abort, on_epoch, (void *)(intptr_t)p};
    size_t n = kvd_ring_drain(r, max, &cons);
    if (kvd_ring_take_space_waiter(r))
        R->wake.signal(&R->wake, (unsigned)p);
    return n;
}

bool kvd_router_peer_backlogged(int p)
{
    return R->peers[p].backlog > OUT_BACKLOG_LIMIT;
}

static size_t drain_all(void)
{
    size_t total = 0;
    for (int p = 0; p < R->n; p++)
        if (p != R->self && !kvd_router_peer_backlogged(p))
            total += kvd_router_drain_peer(p, DRAIN_BATCH);
    return total;
}

void kvd_router_flush(void)
{
    for (int p = 0; p < R->n; p++)
        if (p != R->self)
            flush_peer(p);
}

void kvd_router_before_sleep(void)
{
    if (!R->active)
        return;
    kvd_router_flush();
    drain_all();
    /* Commands just run may have unblocked clients or queued messages. */
    kvd_conn_resume_unblocked(R->shard);
}

void kvd_router_after_aof(void)
{
    if (!R->active)
        return;
    run_after_aof();
    uint8_t blocked[KVD_ROUTE_MAX_SHARDS];
    kvd_buf_t why = KVD_BUF_INIT;
    bool failed = kvd_aof_sync_failed(R->shard, &why);
    for (int p = 0; p < R->n; p++) {
        if (p == R->self)
            continue;
        release_held(p, failed ? &why : NULL);
        flush_peer(p);
        blocked[p] = R->peers[p].head != NULL;
    }
    kvd_buf_free(&why);
    blocked[R->self] = 0;
    if (R->loop == NULL)
        return; /* the simulator decides when each shard runs */
    if (kvd_shm_sleep_prepare(R->shm, (unsigned)R->self, blocked)) {
        ev_idle_stop(R->loop, &R->idle_w);
    } else {
        /* Work arrived meanwhile: keep the loop from blocking; the next
         * iteration drains it. */
        ev_idle_start(R->loop, &R->idle_w);
    }
}

/* ---- timers ---- */

static uint64_t mono_now(void)
{
    return R->shard->env->mono_us(R->shard->env);
}

uint64_t kvd_router_next_deadline_us(void)
{
    uint64_t next = UINT64_MAX;
    for (kvd_router_timer_t *t = R->timers; t != NULL; t = t->next)
        next = t->due_us < next ? t->due_us : next;
    return next;
}

/* Production: one libev timer, set to the earliest deadline. */
static void arm_loop_timer(void)
{
    if (R->loop == NULL)
        return;
    ev_timer_stop(R->loop, &R->timer_w);
    uint64_t next = kvd_router_next_deadline_us();
    if (next == UINT64_MAX)
        return;
    uint64_t now = mono_now();
    ev_timer_set(&R->timer_w, next > now ? (double)(next - now) / 1e6 : 0.0, 0.0);
    ev_timer_start(R->loop, &R->timer_w);
}

static void unlink_timer(kvd_router_timer_t *t)
{
    for (kvd_router_timer_t **link = &R->timers; *link != NULL; link = &(*link)->next) {
        if (*link == t) {
            *link = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

void kvd_router_timer_start(kvd_router_timer_t *t, uint64_t after_ms)
{
    KVD_ASSERT(t->fn != NULL && R->shard != NULL);
    if (t->armed)
        unlink_timer(t);
    t->due_us = mono_now() + after_ms * 1000;
    t->armed = true;
    t->next = R->timers;
    R->timers = t;
    arm_loop_timer();
}

void kvd_router_timer_stop(kvd_router_timer_t *t)
{
    if (!t->armed)
        return;
    unlink_timer(t);
    arm_loop_timer();
}

size_t kvd_router_run_timers(uint64_t now_us)
{
    size_t ran = 0;
    /* A callback may start or stop timers: pick one due timer at a time. */
    for (uint64_t guard = 0; guard < 1000; guard++) {
        kvd_router_timer_t *due = NULL;
        for (kvd_router_timer_t *t = R->timers; t != NULL; t = t->next)
            if (t->due_us <= now_us && (due == NULL || t->due_us < due->due_us))
                due = t;
        if (due == NULL)
            break;
        unlink_timer(due);
        due->fn(due);
        ran++;
    }
    arm_loop_timer();
    return ran;
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    KVD_UNUSED(loop);
    KVD_UNUSED(w);
    KVD_UNUSED(revents);
    kvd_router_run_timers(mono_now());
}

/* ---- the loop ---- */

static void check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
    KVD_UNUSED(loop);
    KVD_UNUSED(w);
    KVD_UNUSED(revents);
    kvd_shm_sleep_end(R->shm, &R->wake, (unsigned)R->self);
    drain_all();
}

static void noop_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    KVD_UNUSED(loop);
    KVD_UNUSED(w);
    KVD_UNUSED(revents);
}

static void idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
    KVD_UNUSED(revents);
    ev_idle_stop(loop, w);
}

static kvd_client_t *find_proxy(uint64_t conn_id)
{
    kvd_dict_pos_t pos;
    int from = conn_id > 0 ? (int)((conn_id - 1) % (uint64_t)R->n) : -1;
    proxy_t *p = from >= 0 && from != R->self ? proxy_find(from, conn_id, &pos) : NULL;
    return p != NULL ? &p->c : NULL;
}

static void watch_loop(struct ev_loop *loop)
{
    R->loop = loop;
    kvd_wake_eventfd_bind(&R->wake, R->shm);
    ev_io_init(&R->wake_w, noop_cb, R->wake.fd(&R->wake, (unsigned)R->self), EV_READ);
    ev_io_start(loop, &R->wake_w);
    ev_check_init(&R->check_w, check_cb);
    ev_check_start(loop, &R->check_w);
    ev_idle_init(&R->idle_w, idle_cb);
    ev_timer_init(&R->timer_w, timer_cb, 0.0, 0.0);
}

void kvd_router_start(struct ev_loop *loop, kvd_shard_t *shard, kvd_shm_t *shm,
                      const kvd_wake_t *wake)
{
    kvd_current_shard = shard;
    kvd_route_init(shard->nshards, shard->id);
    R->shard = shard;
    if (shm == NULL || shard->nshards < 2) {
        txpart_init(shard); /* drops a block left in doubt: nobody to ask */
        return;
    }
    R->active = true;
    R->self = shard->id;
    R->n = shard->nshards;
    R->shm = shm;
    /* Sequences unique across this worker's restarts: a peer that has not
     * yet seen the reset may send a reply to the dead incarnation's
     * request under the new epoch, and it must not answer ours. */
    uint32_t inc = atomic_load_explicit(&kvd_shm_ctl(shm, (unsigned)R->self)->incarnation,
                                        memory_order_relaxed);
    R->next_seq = (uint64_t)inc << SEQ_INCARNATION_SHIFT;
    shard->find_proxy = find_proxy;
    R->peers = kvd_calloc((size_t)R->n, sizeof(*R->peers));
    kvd_dict_init(&R->requests, &request_type, 0x726f757465723121ULL, (uint64_t)shard->id);
    kvd_dict_init(&R->proxies, &proxy_type, 0x70726f7879212121ULL, (uint64_t)shard->id);
    if (loop != NULL)
        watch_loop(loop);
    else
        R->wake = *wake;
    kvd_xshard_init();
    txpart_init(shard);
}

void kvd_router_init(struct ev_loop *loop, kvd_shard_t *shard)
{
    kvd_router_start(loop, shard, kvd_router_shm, NULL);
}

/* ---- several routers in one process (the simulator) ---- */

kvd_router_ctx_t *kvd_router_ctx_new(void)
{
    kvd_router_ctx_t *ctx = kvd_calloc(1, sizeof(*ctx));
    ctx->txpart = txpart_state_new();
    ctx->xshard = kvd_xshard_state_new();
    return ctx;
}

void kvd_router_enter(kvd_router_ctx_t *ctx)
{
    R = ctx;
    txpart_enter(ctx->txpart);
    kvd_xshard_enter(ctx->xshard);
    if (ctx->shard != NULL) {
        kvd_current_shard = ctx->shard;
        kvd_route_set_self(ctx->shard->id);
    }
}

bool kvd_router_idle(void)
{
    if (kvd_dict_count(&R->requests) > 0 || kvd_router_locked() || R->after_aof != NULL)
        return false;
    for (int p = 0; p < R->n; p++)
        if (p != R->self && (R->peers[p].head != NULL || R->peers[p].held_head != NULL))
            return false;
    return true;
}

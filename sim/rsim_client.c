/*
 * rsim_client.c - kvd-sim-router's clients: requests pushed as RESP into
 * socketless connections (so they go through kvd_conn_route as a
 * socket's do), replies taken once their shard's loop wrote its AOF, and
 * what each reply proves.  See rsim.h.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "rsim.h"

/* ---- replies ---- */

size_t rs_reply_len(const char *p, size_t n)
{
    const char *nl = n >= 3 ? memchr(p, '\n', n) : NULL;
    if (nl == NULL)
        return 0;
    size_t line = (size_t)(nl - p) + 1;
    long long v = strtoll(p + 1, NULL, 10);
    switch (p[0]) {
    case '+': case '-': case ':': return line;
    case '$':
        if (v < 0)
            return line;
        return n >= line + (size_t)v + 2 ? line + (size_t)v + 2 : 0;
    case '*': {
        size_t off = line;
        for (long long k = 0; k < v; k++) {
            size_t len = rs_reply_len(p + off, n - off);
            if (len == 0)
                return 0;
            off += len;
        }
        return off;
    }
    default: KVD_ASSERT(!"a reply kvd cannot send"); return 0;
    }
}

char rs_rd_type(const rs_rd_t *r)
{
    return r->n > 0 ? r->p[0] : '\0';
}

void rs_rd_skip(rs_rd_t *r)
{
    size_t len = rs_reply_len(r->p, r->n);
    KVD_ASSERT(len > 0);
    r->p += len;
    r->n -= len;
}

/* The header line's number, and the reader moved past the line. */
static long long rd_line(rs_rd_t *r)
{
    const char *nl = memchr(r->p, '\n', r->n);
    KVD_ASSERT(nl != NULL);
    long long v = strtoll(r->p + 1, NULL, 10);
    r->n -= (size_t)(nl + 1 - r->p);
    r->p = nl + 1;
    return v;
}

bool rs_rd_int(rs_rd_t *r, int64_t *v)
{
    char buf[32];
    char t = rs_rd_type(r);
    if (t == ':') {
        *v = rd_line(r);
        return true;
    }
    if (t == '$') {
        *v = rs_rd_bulk(r, buf, sizeof(buf)) ? strtoll(buf, NULL, 10) : 0;
        return true;
    }
    rs_rd_skip(r);
    return false;
}

int64_t rs_rd_array(rs_rd_t *r)
{
    KVD_ASSERT(rs_rd_type(r) == '*');
    return rd_line(r);
}

bool rs_rd_bulk(rs_rd_t *r, char *out, size_t cap)
{
    KVD_ASSERT(rs_rd_type(r) == '$' && cap > 0);
    long long len = rd_line(r);
    if (len < 0) {
        out[0] = '\0';
        return false;
    }
    size_t k = (size_t)len < cap - 1 ? (size_t)len : cap - 1;
    memcpy(out, r->p, k);
    out[k] = '\0';
    r->p += len + 2;
    r->n -= (size_t)len + 2;
    return true;
}

/* ---- requests ---- */

/* Append one command, its words separated by spaces, as RESP. */
static void put_cmd(kvd_buf_t *b, const char *fmt, ...) KVD_PRINTF(2, 3);
static void put_cmd(kvd_buf_t *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    char *words[64];
    int n = 0;
    for (char *save = NULL, *w = strtok_r(line, " ", &save); w != NULL && n < 64;
         w = strtok_r(NULL, " ", &save))
        words[n++] = w;
    kvd_buf_printf(b, "*%d\r\n", n);
    for (int k = 0; k < n; k++)
        kvd_buf_printf(b, "$%zu\r\n%s\r\n", strlen(words[k]), words[k]);
}

/* The commands of op; returns how many. */
static int build(rsim_t *x, rs_client_t *c, rs_op_t op, kvd_buf_t *b)
{
    sim_rng_t *r = &x->rng;
    int a = (int)sim_rng_below(r, RS_ACCOUNTS);
    int d = (int)((uint64_t)(a + 1) + sim_rng_below(r, RS_ACCOUNTS - 1)) % RS_ACCOUNTS;
    switch (op) {
    case OP_TRANSFER: {
        int amt = 1 + (int)sim_rng_below(r, 100);
        put_cmd(b, "MULTI");
        put_cmd(b, "DECRBY acct:%d %d", a, amt);
        put_cmd(b, "INCRBY acct:%d %d", d, amt);
        put_cmd(b, "INCR ledger:%d", c->id);
        put_cmd(b, "EXEC");
        return 5;
    }
    case OP_SMOVE:
        put_cmd(b, "SMOVE set:%d set:%d m%d", (int)sim_rng_below(r, RS_SETS),
                (int)sim_rng_below(r, RS_SETS), (int)sim_rng_below(r, RS_MEMBERS));
        return 1;
    case OP_MSET: {
        char v[32];
        snprintf(v, sizeof(v), "c%d.%llu", c->id, (unsigned long long)++c->mset_seq);
        put_cmd(b, "MSET mk:0 %s mk:1 %s mk:2 %s", v, v, v);
        return 1;
    }
    case OP_INCR: put_cmd(b, "INCR ctr:%d", c->id); return 1;
    case OP_SETUP:
        put_cmd(b, "SADD set:0 m0 m1 m2 m3 m4 m5 m6 m7");
        return 1;
    case OP_SNAPSHOT: {
        put_cmd(b, "MULTI");
        put_cmd(b, "MGET acct:0 acct:1 acct:2 acct:3 acct:4 acct:5");
        for (int s = 0; s < RS_SETS; s++)
            put_cmd(b, "SCARD set:%d", s);
        put_cmd(b, "MGET mk:0 mk:1 mk:2");
        kvd_buf_t keys = KVD_BUF_INIT;
        for (int k = 0; k < x->nclients; k++)
            kvd_buf_printf(&keys, " ledger:%d", k);
        put_cmd(b, "MGET%s", kvd_buf_cstr(&keys));
        kvd_buf_free(&keys);
        put_cmd(b, "EXEC");
        return 5 + RS_SETS; /* MULTI, MGET, the SCARDs, MGET, MGET, EXEC */
    }
    case OP_COUNT: break;
    }
    KVD_ASSERT(!"no such op");
    return 0;
}

static const char *const op_names[] = {"transfer", "smove", "mset", "incr", "snapshot", "setup"};

static void connect(rsim_t *x, rs_client_t *c)
{
    char addr[32];
    snprintf(addr, sizeof(addr), "sim-client-%d", c->id);
    c->conn = kvd_conn_new_local(rs_on(x, c->home), addr);
    kvd_buf_clear(&c->in);
}

void rs_client_send(rsim_t *x, rs_client_t *c, rs_op_t op)
{
    KVD_ASSERT(!c->busy && x->shards[c->home].sh != NULL);
    if (c->conn == NULL)
        connect(x, c);
    kvd_conn_t *conn = c->conn;
    kvd_buf_t req = KVD_BUF_INIT;
    c->want = build(x, c, op, &req);
    c->op = op;
    c->busy = true;
    c->sent_step = x->step;
    for (int k = 0; k < x->nclients; k++) /* a snapshot sees at least these */
        c->floor[k] = x->clients[k].ledger_ok;
    x->st.ops[op]++;
    sim_trace_hash(&x->trace, req.data, req.len);
    rs_trace(x, "#%llu c%d@s%d %s", (unsigned long long)x->step, c->id, c->home, op_names[op]);
    rs_on(x, c->home);
    kvd_buf_append(&conn->query, req.data, req.len);
    kvd_buf_free(&req);
    kvd_conn_process(conn);
}

/* The request ended without a reply we can read: it may or may not
 * have taken effect. */
static void indefinite(rsim_t *x, rs_client_t *c)
{
    if (c->op == OP_TRANSFER)
        c->ledger_maybe++;
    else if (c->op == OP_INCR)
        c->ctr_maybe++;
    x->st.maybe[c->op]++;
    c->busy = false;
}

static void check_incr(rsim_t *x, rs_client_t *c, rs_rd_t *r)
{
    int64_t v;
    if (!rs_rd_int(r, &v)) {
        indefinite(x, c);
        return;
    }
    if (v < c->ctr + 1 || v > c->ctr + 1 + c->ctr_maybe)
        rs_fail(x, "c%d: INCR ctr:%d answered %lld; it was %lld with %lld INCRs of unknown "
                   "outcome", c->id, c->id, (long long)v, (long long)c->ctr,
                (long long)c->ctr_maybe);
    c->ctr = v;
    c->ctr_maybe = 0;
    x->st.acked[OP_INCR]++;
}

/* EXEC's reply of a transfer: its three results, nil, or an error. */
static void check_transfer(rsim_t *x, rs_client_t *c, rs_rd_t *r)
{
    char t = rs_rd_type(r);
    if (t == '-') {
        indefinite(x, c); /* -LOADING after the commit point, or a failed sync */
        return;
    }
    if (t != '*')
        rs_fail(x, "c%d: a transfer's EXEC answered '%.*s'", c->id, (int)(r->n < 60 ? r->n : 60),
                r->p);
    int64_t n = rs_rd_array(r);
    if (n != 3)
        rs_fail(x, "c%d: a transfer's EXEC answered an array of %lld", c->id, (long long)n);
    int64_t v[3];
    for (int k = 0; k < 3; k++)
        if (!rs_rd_int(r, &v[k]))
            rs_fail(x, "c%d: a transfer's command %d failed inside EXEC", c->id, k);
    if (v[2] < c->ledger_ok + 1 || v[2] > c->ledger_ok + 1 + c->ledger_maybe)
        rs_fail(x, "c%d: its ledger became %lld with %lld transfers acknowledged and %lld of "
                   "unknown outcome", c->id, (long long)v[2], (long long)c->ledger_ok,
                (long long)c->ledger_maybe);
    c->ledger_ok = v[2]; /* what it is now, exactly: the unknown ones are settled */
    c->ledger_maybe = 0;
    x->st.acked[OP_TRANSFER]++;
}

/* The last reply of c's request is in r. */
static void finish(rsim_t *x, rs_client_t *c, rs_rd_t *r)
{
    char t = rs_rd_type(r);
    c->busy = false;
    switch (c->op) {
    case OP_TRANSFER: check_transfer(x, c, r); return;
    case OP_INCR: check_incr(x, c, r); return;
    case OP_SNAPSHOT:
        if (t == '*') {
            rs_check_snapshot(x, c, r->p, r->n);
            x->st.acked[OP_SNAPSHOT]++;
            return;
        }
        break;
    case OP_SMOVE:
    case OP_MSET:
    case OP_SETUP:
        if (t == ':' || t == '+') {
            x->st.acked[c->op]++;
            return;
        }
        break;
    case OP_COUNT: break;
    }
    if (t != '-')
        rs_fail(x, "c%d: %s answered '%c'", c->id, op_names[c->op], t);
    if (c->op == OP_SETUP)
        rs_fail(x, "c%d: the setup failed", c->id);
    x->st.failed[c->op]++;
}

/* Take the replies of c's request that are complete. */
static void consume(rsim_t *x, rs_client_t *c)
{
    for (size_t len; c->busy && (len = rs_reply_len(c->in.data, c->in.len)) > 0;) {
        if (--c->want == 0) {
            rs_rd_t r = {c->in.data, len};
            finish(x, c, &r);
        } else if (c->in.data[0] == '-' && c->op != OP_TRANSFER && c->op != OP_SNAPSHOT) {
            rs_fail(x, "c%d: an error before the last reply of %s", c->id, op_names[c->op]);
        }
        kvd_buf_consume(&c->in, len);
    }
    if (!c->busy && c->in.len > 0)
        rs_fail(x, "c%d: %zu bytes of replies nobody asked for", c->id, c->in.len);
}

void rs_clients_collect(rsim_t *x, int i)
{
    for (int k = 0; k < x->nclients; k++) {
        rs_client_t *c = &x->clients[k];
        if (c->home != i || c->conn == NULL || c->conn->out.len == 0)
            continue;
        kvd_conn_t *conn = c->conn;
        sim_trace_hash(&x->trace, conn->out.data, conn->out.len);
        kvd_buf_append(&c->in, conn->out.data, conn->out.len);
        conn->out.len = conn->out_sent = 0;
        consume(x, c);
    }
}

void rs_clients_cut(rsim_t *x, int i)
{
    for (int k = 0; k < x->nclients; k++) {
        rs_client_t *c = &x->clients[k];
        if (c->home != i || c->conn == NULL)
            continue;
        rs_bury(x, c->conn);
        c->conn = NULL; /* the process and its sockets are gone */
        kvd_buf_clear(&c->in);
        if (c->busy)
            indefinite(x, c);
    }
}

void rs_clients_init(rsim_t *x)
{
    x->nclients = 2 + (int)sim_rng_below(&x->rng, RS_MAX_CLIENTS - 1);
    for (int k = 0; k < x->nclients; k++) {
        rs_client_t *c = &x->clients[k];
        c->id = k;
        c->home = (int)sim_rng_below(&x->rng, (uint64_t)x->n);
        kvd_buf_init(&c->in);
    }
}

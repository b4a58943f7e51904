/*
 * client_info.c - one line of CLIENT LIST / CLIENT INFO, with Redis
 * 7.0.15's fields in Redis's order:
 *
 *   id addr laddr fd name age idle flags db sub psub ssub multi qbuf
 *   qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd
 *   user redir resp
 *
 * kvd has no pub/sub, MULTI, tracking or per-client reply lists yet, so
 * those fields carry the values Redis shows for a client using none of
 * them.  Buffer fields report kvd's own buffers: the query buffer as the
 * connection layer last recorded it, and pending output as obl.
 */
#include "server.h"
#include "multi.h"

/* Redis's flag letters for the states a kvd client can be in; "N" for none. */
static void describe_flags(const kvd_client_t *c, char *out, size_t outlen)
{
    KVD_ASSERT(outlen >= 8);
    size_t n = 0;
    if (c->flags & KVD_CLIENT_CLOSE_AFTER_REPLY)
        out[n++] = 'c';
    if (c->flags & KVD_CLIENT_CLOSE_ASAP)
        out[n++] = 'A';
    if (c->flags & KVD_CLIENT_BLOCKED)
        out[n++] = 'b';
    if (c->flags & KVD_CLIENT_DIRTY_CAS)
        out[n++] = 'd';
    if (c->flags & KVD_CLIENT_MULTI)
        out[n++] = 'x';
    if (c->flags & KVD_CLIENT_NO_EVICT)
        out[n++] = 'e';
    if (n == 0)
        out[n++] = 'N';
    out[n] = '\0';
}

/* Bytes of the arguments of the command being executed (0 between commands). */
static uint64_t argv_mem(const kvd_client_t *c)
{
    uint64_t sum = 0;
    for (int i = 0; c->argv != NULL && i < c->argc; i++)
        sum += c->argv[i].len;
    return sum;
}

static uint64_t seconds_since(uint64_t now_ms, uint64_t then_ms)
{
    return now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
}

void kvd_client_describe(const kvd_client_t *c, kvd_buf_t *out)
{
    KVD_ASSERT(c->shard != NULL);
    uint64_t now_ms = kvd_env_now_ms(c->shard->env);
    char flags[16];
    describe_flags(c, flags, sizeof(flags));
    uint64_t amem = argv_mem(c);
    uint64_t tot_mem = sizeof(*c) + c->qbuf_len + c->qbuf_free + c->obuf_len + amem;
    kvd_buf_printf(out,
                   "id=%llu addr=%s laddr=%s fd=%d name=%s age=%llu idle=%llu flags=%s db=%d "
                   "sub=0 psub=0 ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%llu "
                   "multi-mem=0 rbs=%zu rbp=%zu obl=%zu oll=0 omem=0 tot-mem=%llu events=%s "
                   "cmd=%s user=default redir=-1 resp=%d",
                   (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
                   (unsigned long long)seconds_since(now_ms, c->ctime_ms),
                   (unsigned long long)seconds_since(now_ms, c->last_interaction_ms), flags,
                   c->db_index, kvd_multi_queued(c), c->qbuf_len, c->qbuf_free, (unsigned long long)amem,
                   c->obuf_len, c->obuf_len, c->obuf_len, (unsigned long long)tot_mem,
                   c->obuf_len > 0 ? "rw" : "r", c->cmd ? c->cmd->fullname : "NULL", c->resp);
}

/*
 * xshard_cross.c - a command that needs keys of several shards at once
 * (RENAME, SMOVE, SUNIONSTORE, SORT ... BY, see xshard.h): PULL copies of
 * its keys (their rebuild commands) into this worker's private scratch
 * shard, run it there with the ordinary command code, and push every key
 * it changed back to its owner.
 */
#include "xshard_int.h"
#include "cmd/shard.h"
#include "cmd/sort_pattern.h"
#include "proto/reply.h"

/* The database key argv[i] of the running command lives in: COPY's
 * destination may name another one. */
static int key_db(const kvd_client_t *c, int i)
{
    if (i == 2 && c->cmd->parent == NULL && strcmp(c->cmd->name, "copy") == 0) {
        for (int a = 3; a + 1 < c->argc; a++) {
            int64_t db;
            if (kvd_arg_is(&c->argv[a], "db") && kvd_str2ll(c->argv[a + 1].ptr,
                                                            c->argv[a + 1].len, &db) &&
                db >= 0 && db < c->shard->ndbs)
                return (int)db;
        }
    }
    return c->db_index;
}

static void collect_keys(kvd_xtx_t *tx)
{
    kvd_client_t *c = &tx->lc;
    int *idx = kvd_calloc((size_t)c->argc, sizeof(*idx));
    int n = kvd_command_find_keys(c->cmd, c->argc, c->argv, idx, c->argc);
    tx->keys_cap = n > 0 ? n : 1;
    tx->keys = kvd_calloc((size_t)tx->keys_cap, sizeof(*tx->keys));
    tx->nkeys = 0;
    for (int k = 0; k < n; k++) {
        const kvd_arg_t *a = &c->argv[idx[k]];
        int db = key_db(c, idx[k]);
        bool seen = false;
        for (int j = 0; j < tx->nkeys && !seen; j++)
            seen = tx->keys[j].db == db && tx->keys[j].key.len == a->len &&
                   memcmp(tx->keys[j].key.ptr, a->ptr, a->len) == 0;
        if (seen)
            continue;
        xkey_t *x = &tx->keys[tx->nkeys++];
        x->key = *a;
        x->db = db;
        x->shard = kvd_route_shard_of(a->ptr, a->len);
        kvd_buf_init(&x->before);
    }
    kvd_free(idx);
}

static void serialize_key(kvd_shard_t *s, const xkey_t *x, kvd_buf_t *out)
{
    kvd_db_t *db = s->dbs[x->db];
    kvd_entry_t *e = kvd_db_find(db, x->key.ptr, x->key.len);
    if (e != NULL)
        kvd_aof_key_commands(db, e, out);
}

static void on_pull(void *arg, int shard, const char *data, size_t len)
{
    kvd_xtx_t *tx = arg;
    KVD_ASSERT(tx->step == STEP_PULL && tx->waiting > 0);
    tx->waiting--;
    if (len == 0 || data[0] != '*') {
        if (tx->fail.len == 0)
            kvd_buf_append(&tx->fail, data, len);
        xs_advance(tx);
        return;
    }
    kvd_buf_t copy = KVD_BUF_INIT;
    kvd_argv_t got = KVD_ARGV_INIT;
    kvd_route_decode(&copy, data, len, &got);
    int i = 0;
    for (int k = 0; k < tx->nkeys; k++) {
        if (tx->keys[k].shard != shard || tx->keys[k].round != tx->round)
            continue;
        KVD_ASSERT(i < got.argc);
        kvd_buf_append(&tx->keys[k].before, got.v[i].ptr, got.v[i].len);
        i++;
    }
    kvd_argv_free(&got);
    kvd_buf_free(&copy);
    xs_advance(tx);
}

/* PULL the keys of this round from their owners (ours are copied here). */
static void pull_round(kvd_xtx_t *tx)
{
    tx->step = STEP_PULL;
    for (int s = 0; s < tx->nshards; s++) {
        kvd_buf_t payload = KVD_BUF_INIT;
        int words = 0;
        for (int k = 0; k < tx->nkeys; k++)
            words += tx->keys[k].shard == s && tx->keys[k].round == tx->round ? 2 : 0;
        if (words == 0)
            continue;
        if (s == kvd_route_self()) {
            for (int k = 0; k < tx->nkeys; k++)
                if (tx->keys[k].shard == s && tx->keys[k].round == tx->round)
                    serialize_key(xs_home(tx), &tx->keys[k], &tx->keys[k].before);
            continue;
        }
        kvd_reply_array(&payload, words);
        for (int k = 0; k < tx->nkeys; k++) {
            if (tx->keys[k].shard != s || tx->keys[k].round != tx->round)
                continue;
            char num[16];
            int len = snprintf(num, sizeof(num), "%d", tx->keys[k].db);
            kvd_reply_bulk(&payload, num, (size_t)len);
            kvd_reply_bulk(&payload, tx->keys[k].key.ptr, tx->keys[k].key.len);
        }
        xs_send_step(tx, s, KVD_MSG_PULL, &payload, s, on_pull);
    }
}

void xs_start_cross(kvd_xtx_t *tx)
{
    collect_keys(tx);
    tx->round = 0;
    pull_round(tx);
}

/* The elements of a pulled list, set or sorted set: the items of its
 * rebuild commands (RPUSH/SADD k items, ZADD k score member ...). */
static int stream_elements(const kvd_buf_t *stream, kvd_buf_t *copy, kvd_arg_t **out, int *cap)
{
    kvd_buf_append(copy, stream->data, stream->len);
        int n = 0;
    size_t off = 0;
    for (size_t guard = 0; off < copy->len && guard < copy->len; guard++) {
        kvd_resp_parser_t parser;
        kvd_resp_parser_init(&parser);
        kvd_argv_t argv = KVD_ARGV_INIT, *a = &argv;
        kvd_resp_status_t st = kvd_resp_parse(&parser, copy->data + off, copy->len - off, a,
                                              &kvd_route_peer_limits);
        KVD_ASSERT(st == KVD_RESP_OK);
        off += parser.consumed;
        bool zadd = a->argc > 0 && kvd_arg_is(&a->v[0], "zadd");
        if (a->argc < 3 || !(zadd || kvd_arg_is(&a->v[0], "rpush") || kvd_arg_is(&a->v[0], "sadd")))
            continue;
        for (int i = zadd ? 3 : 2; i < a->argc; i += zadd ? 2 : 1) {
            if (n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *out = kvd_realloc(*out, (size_t)*cap * sizeof(**out));
            }
            (*out)[n++] = a->v[i]; /* points into copy (parsed in place) */
        }
        kvd_argv_free(&argv);
    }
    return n;
}

static void add_key(kvd_xtx_t *tx, const char *p, size_t len, int db)
{
    for (int j = 0; j < tx->nkeys; j++)
        if (tx->keys[j].db == db && tx->keys[j].key.len == len &&
            memcmp(tx->keys[j].key.ptr, p, len) == 0)
            return;
    if (tx->nkeys == tx->keys_cap) {
        tx->keys_cap = tx->keys_cap ? tx->keys_cap * 2 : 16;
        tx->keys = kvd_realloc(tx->keys, (size_t)tx->keys_cap * sizeof(*tx->keys));
    }
    xkey_t *x = &tx->keys[tx->nkeys++];
    memset(x, 0, sizeof(*x));
    kvd_buf_append(&x->name, p, len);
    kvd_buf_append_char(&x->name, '\0');
    x->key.ptr = x->name.data;
    x->key.len = len;
    x->db = db;
    x->round = tx->round;
    x->shard = kvd_route_shard_of(p, len);
}

/* SORT with BY/GET patterns: pull the keys its elements name.  False
 * when there is nothing more to pull. */
bool xs_pull_sort_patterns(kvd_xtx_t *tx)
{
    const kvd_arg_t *pats[64];
    int npats = kvd_route_sort_patterns(&tx->lc, pats, 64);
    if (npats == 0 || tx->round > 0 || tx->nkeys == 0)
        return false;
    const xkey_t *src = &tx->keys[0];
    KVD_ASSERT(src->key.ptr == tx->lc.argv[1].ptr);
    kvd_buf_t copy = KVD_BUF_INIT, name = KVD_BUF_INIT;
    kvd_arg_t *elems = NULL;
    int cap = 0;
    int nelems = stream_elements(&src->before, &copy, &elems, &cap);
    tx->round = 1;
    for (int p = 0; p < npats; p++) {
        kvd_sort_pattern_t pat;
        kvd_sort_pattern_parse(&pat, pats[p]->ptr, pats[p]->len);
        for (int e = 0; e < nelems && pat.has_star && !pat.self; e++) {
            kvd_buf_clear(&name);
            kvd_buf_append(&name, pat.p, pat.prefix_len);
            kvd_buf_append(&name, elems[e].ptr, elems[e].len);
            kvd_buf_append(&name, pat.p + pat.suffix_off, pat.suffix_len);
            add_key(tx, name.data, name.len, tx->lc.db_index);
        }
    }
    kvd_free(elems);
    kvd_buf_free(&copy);
    kvd_buf_free(&name);
    pull_round(tx);
    return true;
}

static void encode_words(kvd_buf_t *out, const char *w1, const char *p, size_t n)
{
    kvd_arg_t argv[2] = {{(char *)w1, strlen(w1)}, {(char *)p, n}};
    kvd_route_encode(out, 2, argv);
}

/* The commands that make the owner's copy of x what the scratch shard
 * now holds; false when nothing changed. */
static bool key_push(const xkey_t *x, kvd_buf_t *out)
{
    kvd_buf_t after = KVD_BUF_INIT;
    serialize_key(XS->scratch, x, &after);
    bool same = after.len == x->before.len &&
                (after.len == 0 || memcmp(after.data, x->before.data, after.len) == 0);
    if (!same) {
        char num[16];
        int n = snprintf(num, sizeof(num), "%d", x->db);
        encode_words(out, "SELECT", num, (size_t)n);
        if (x->before.len > 0)
            encode_words(out, "DEL", x->key.ptr, x->key.len);
        kvd_buf_append(out, after.data, after.len);
    }
    kvd_buf_free(&after);
    return !same;
}

static void scratch_prepare(kvd_xtx_t *tx)
{
    if (XS->scratch == NULL) {
        kvd_shard_t *h = xs_home(tx);
        XS->scratch = kvd_shard_create(h->id, h->nshards, h->env, h->cfg);
        kvd_client_init(&XS->scratch_client, XS->scratch);
    }
    XS->scratch_client.flags = KVD_CLIENT_DENY_BLOCKING;
    for (int k = 0; k < tx->nkeys; k++) {
        if (tx->keys[k].before.len == 0)
            continue;
        kvd_client_select(&XS->scratch_client, tx->keys[k].db);
        kvd_run_commands(&XS->scratch_client, tx->keys[k].before.data, tx->keys[k].before.len);
    }
}

/* The pulled copies are in: run the command on them, push what changed. */
void xs_run_cross(kvd_xtx_t *tx)
{
    scratch_prepare(tx);
    kvd_client_select(&XS->scratch_client, tx->lc.db_index);
    xs_run_into(&XS->scratch_client, tx->lc.argc, tx->lc.argv, &tx->out);
    tx->step = STEP_PUSH;
    for (int s = 0; s < tx->nshards; s++) {
        kvd_buf_t push = KVD_BUF_INIT;
        for (int k = 0; k < tx->nkeys; k++)
            if (tx->keys[k].shard == s)
                key_push(&tx->keys[k], &push);
        if (push.len == 0)
            continue;
        tx->wrote[s] = 1;
        if (s == kvd_route_self()) {
            int db = tx->lc.db_index;
            kvd_run_commands(&tx->lc, push.data, push.len);
            kvd_client_select(&tx->lc, db);
            kvd_buf_free(&push);
        } else {
            xs_send_step(tx, s, KVD_MSG_TXSTEP | KVD_MSG_BATCH, &push, s, xs_on_ack);
        }
    }
    for (int i = 0; i < XS->scratch->ndbs; i++)
        kvd_db_flush(XS->scratch->dbs[i]);
}

void xs_finish_cross(kvd_xtx_t *tx)
{
    for (int k = 0; k < tx->nkeys; k++) {
        kvd_buf_free(&tx->keys[k].before);
        kvd_buf_free(&tx->keys[k].name);
    }
    kvd_free(tx->keys);
    tx->keys = NULL;
    tx->nkeys = tx->keys_cap = 0;
}


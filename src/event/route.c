/*
 * route.c - routing plans and reply merging (see route.h).
 */
#include "route.h"
#include "core/slot.h"
#include "core/util.h"
#include "cmd/shard.h"
#include "cmd/sort_pattern.h"
#include "proto/reply.h"

static uint16_t slot_shard[KVD_SLOTS];
static int nshards = 1, self_shard;

void kvd_route_init(int n, int self)
{
    KVD_ASSERT(n >= 1 && n <= (1 << KVD_ROUTE_SHARD_BITS) && self >= 0 && self < n);
    nshards = n;
    self_shard = self;
    for (unsigned s = 0; s < KVD_SLOTS; s++)
        slot_shard[s] = (uint16_t)kvd_slot_shard(s, n);
}

void kvd_route_set_self(int self)
{
    KVD_ASSERT(self >= 0 && self < nshards);
    self_shard = self;
}

int kvd_route_nshards(void)
{
    return nshards;
}

int kvd_route_self(void)
{
    return self_shard;
}

int kvd_route_shard_of(const char *key, size_t klen)
{
    return slot_shard[kvd_key_slot(key, klen)];
}

/* ---- plans ---- */

typedef struct fan_rule {
    const char *name;
    kvd_merge_t merge;
    bool by_key;
    int key_step;
    bool unlocked; /* reads no keys (WATCH registers, INFO counts) */
} fan_rule_t;

/* Commands split per shard; everything else with keys on several shards
 * is CROSS. */
static const fan_rule_t fan_rules[] = {
    {"mget", KVD_MERGE_MGET, true, 1, false},     {"mset", KVD_MERGE_OK, true, 2, false},
    {"del", KVD_MERGE_SUM, true, 1, false},       {"unlink", KVD_MERGE_SUM, true, 1, false},
    {"exists", KVD_MERGE_SUM, true, 1, false},    {"touch", KVD_MERGE_SUM, true, 1, false},
    {"watch", KVD_MERGE_OK, true, 1, true},       {"dbsize", KVD_MERGE_SUM, false, 0, false},
    {"keys", KVD_MERGE_CONCAT, false, 0, false},  {"flushdb", KVD_MERGE_OK, false, 0, false},
    {"flushall", KVD_MERGE_OK, false, 0, false},  {"swapdb", KVD_MERGE_OK, false, 0, false},
    {"randomkey", KVD_MERGE_FIRST, false, 0, false}, {"info", KVD_MERGE_INFO, false, 0, true},
};

/* Subcommands that concern every worker: a blocked client may wait on
 * any shard, settings and statistics live in each, and so do clients. */
static const fan_rule_t sub_rules[] = {
    {"client|unblock", KVD_MERGE_SUM, false, 0, true},
    {"client|list", KVD_MERGE_TEXT, false, 0, true},
    {"config|set", KVD_MERGE_SAME, false, 0, true},
    {"config|resetstat", KVD_MERGE_SAME, false, 0, true},
    {"bgrewriteaof", KVD_MERGE_SAME, false, 0, true},
};

static const fan_rule_t *fan_rule(const kvd_command_t *cmd)
{
    for (size_t i = 0; i < KVD_ARRAY_LEN(sub_rules); i++)
        if (strcmp(cmd->fullname, sub_rules[i].name) == 0)
            return &sub_rules[i];
    if (cmd->parent != NULL)
        return NULL;
    for (size_t i = 0; i < KVD_ARRAY_LEN(fan_rules); i++)
        if (strcmp(cmd->name, fan_rules[i].name) == 0)
            return &fan_rules[i];
    return NULL;
}

int kvd_route_sort_patterns(const kvd_client_t *c, const kvd_arg_t **pats, int max)
{
    const kvd_command_t *cmd = c->cmd;
    if (cmd->parent != NULL || (strcmp(cmd->name, "sort") != 0 && strcmp(cmd->name, "sort_ro") != 0))
        return 0;
    int n = 0;
    for (int j = 2; j < c->argc; j++) {
        const kvd_arg_t *a = &c->argv[j];
        if (kvd_arg_is(a, "limit")) {
            j += 2;
        } else if (kvd_arg_is(a, "store")) {
            j++;
        } else if ((kvd_arg_is(a, "by") || kvd_arg_is(a, "get")) && j + 1 < c->argc) {
            const kvd_arg_t *pat = &c->argv[++j];
            if (kvd_sort_pattern_has_star(pat->ptr, pat->len) && n < max)
                pats[n++] = pat;
        }
    }
    return n;
}

void kvd_route_plan(const kvd_client_t *c, kvd_route_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = KVD_ROUTE_LOCAL;
    if (nshards == 1)
        return;
    const kvd_command_t *cmd = c->cmd;
    const fan_rule_t *rule = fan_rule(cmd);
    if (rule != NULL && !rule->by_key) {
        out->kind = KVD_ROUTE_FANOUT;
        out->merge = rule->merge;
        out->locked = !rule->unlocked;
        return;
    }
    if (cmd->parent == NULL && strcmp(cmd->name, "scan") == 0) {
        uint64_t inner;
        out->kind = kvd_route_scan_cursor(&c->argv[1], &out->shard, &inner) ? KVD_ROUTE_SCAN
                                                                             : KVD_ROUTE_LOCAL;
        return;
    }
    int stack[16];
    int *keys = c->argc <= 16 ? stack : kvd_calloc((size_t)c->argc, sizeof(*keys));
    int n = kvd_command_find_keys(cmd, c->argc, c->argv, keys, c->argc);
    int first = -1;
    bool same = true;
    for (int i = 0; i < n; i++) {
        int s = kvd_route_shard_of(c->argv[keys[i]].ptr, c->argv[keys[i]].len);
        if (first < 0)
            first = s;
        else if (s != first)
            same = false;
    }
    if (keys != stack)
        kvd_free(keys);
    /* SORT's BY and GET read keys named by the elements: anywhere. */
    const kvd_arg_t *pat;
    if (n > 0 && kvd_route_sort_patterns(c, &pat, 1) > 0) {
        out->kind = KVD_ROUTE_CROSS;
        return;
    }
    if (n <= 0 || (same && first == self_shard))
        return;
    if (same) {
        out->kind = KVD_ROUTE_REMOTE;
        out->shard = first;
    } else if (rule != NULL) {
        out->kind = KVD_ROUTE_FANOUT;
        out->merge = rule->merge;
        out->locked = !rule->unlocked;
        out->by_key = true;
        out->key_step = rule->key_step;
    } else {
        out->kind = KVD_ROUTE_CROSS;
    }
}

/* ---- splitting ---- */

static int part_of_shard(kvd_split_t *sp, int shard, int argc_max)
{
    for (int i = 0; i < sp->nparts; i++)
        if (sp->shard[i] == shard)
            return i;
    int i = sp->nparts++;
    sp->shard[i] = shard;
    sp->argv[i] = kvd_calloc((size_t)argc_max, sizeof(kvd_arg_t));
    sp->argc[i] = 0;
    return i;
}

static void split_by_key(const kvd_client_t *c, int step, kvd_split_t *sp)
{
    int *keys = kvd_calloc((size_t)c->argc, sizeof(*keys));
    sp->nkeys = kvd_command_find_keys(c->cmd, c->argc, c->argv, keys, c->argc);
    KVD_ASSERT(sp->nkeys > 0);
    sp->order = kvd_calloc((size_t)sp->nkeys, sizeof(*sp->order));
    for (int k = 0; k < sp->nkeys; k++) {
        const kvd_arg_t *key = &c->argv[keys[k]];
        int part = part_of_shard(sp, kvd_route_shard_of(key->ptr, key->len), c->argc);
        if (sp->argc[part] == 0)
            sp->argv[part][sp->argc[part]++] = c->argv[0];
        for (int w = 0; w < step; w++)
            sp->argv[part][sp->argc[part]++] = c->argv[keys[k] + w];
        sp->order[k] = part;
    }
    kvd_free(keys);
}

/* Every shard gets the same argv; RANDOMKEY starts at a random shard so
 * its first non-empty answer is not always shard 0's. */
static void split_all(const kvd_client_t *c, bool rotate, kvd_split_t *sp)
{
    int n = nshards;
    int start = rotate ? (int)kvd_env_random_below(c->shard->env, (uint64_t)n) : 0;
    for (int i = 0; i < n; i++) {
        sp->shard[i] = (start + i) % n;
        sp->argv[i] = c->argv; /* shared, not owned */
        sp->argc[i] = c->argc;
    }
    sp->nparts = n;
}

kvd_split_t *kvd_route_split(const kvd_client_t *c, const kvd_route_t *rt)
{
    KVD_ASSERT(rt->kind == KVD_ROUTE_FANOUT);
    kvd_split_t *sp = kvd_calloc(1, sizeof(*sp));
    sp->by_key = rt->by_key;
    if (rt->by_key)
        split_by_key(c, rt->key_step, sp);
    else
        split_all(c, rt->merge == KVD_MERGE_FIRST, sp);
    return sp;
}

void kvd_route_split_free(kvd_split_t *sp)
{
    if (sp->by_key)
        for (int i = 0; i < sp->nparts; i++)
            kvd_free(sp->argv[i]);
    kvd_free(sp->order);
    kvd_free(sp);
}

bool kvd_route_scan_argv(const kvd_client_t *c, kvd_arg_t *argv, char cur[24], int *shard)
{
    uint64_t inner;
    if (!kvd_route_scan_cursor(&c->argv[1], shard, &inner))
        return false;
    memcpy(argv, c->argv, (size_t)c->argc * sizeof(*argv));
    argv[1].len = (size_t)snprintf(cur, 24, "%llu", (unsigned long long)inner);
    argv[1].ptr = cur;
    return true;
}

const kvd_resp_limits_t kvd_route_peer_limits = {
    .max_bulk_len = INT64_MAX, .max_multibulk_len = INT_MAX, .max_inline_len = 64 * 1024};

void kvd_route_encode(kvd_buf_t *out, int argc, const kvd_arg_t *argv)
{
    kvd_reply_array(out, argc);
    for (int i = 0; i < argc; i++)
        kvd_reply_bulk(out, argv[i].ptr, argv[i].len);
}

void kvd_route_encode_ctl(kvd_buf_t *out, const char *verb, const char *txid)
{
    kvd_arg_t argv[2] = {{(char *)verb, strlen(verb)}, {(char *)txid, strlen(txid)}};
    kvd_route_encode(out, 2, argv);
}

void kvd_route_decode(kvd_buf_t *copy, const char *data, size_t len, kvd_argv_t *argv)
{
    kvd_buf_append(copy, data, len); /* the parser writes NULs into it */
    kvd_resp_parser_t parser;
    kvd_resp_parser_init(&parser);
    kvd_resp_status_t st =
        kvd_resp_parse(&parser, copy->data, copy->len, argv, &kvd_route_peer_limits);
    KVD_ASSERT(st == KVD_RESP_OK); /* a peer encoded it: anything else is a bug */
}

/* ---- reading replies ---- */

/* The line at p (up to CRLF): its length without CRLF, or -1. */
static ssize_t line_len(const char *p, size_t n)
{
    const char *cr = memchr(p, '\r', n);
    if (cr == NULL || (size_t)(cr - p) + 1 >= n || cr[1] != '\n')
        return -1;
    return cr - p;
}

static size_t reply_len_depth(const char *p, size_t n, int depth)
{
    if (n < 3 || depth > 64)
        return 0;
    ssize_t ll = line_len(p, n);
    if (ll < 1)
        return 0;
    size_t head = (size_t)ll + 2;
    if (p[0] == '+' || p[0] == '-' || p[0] == ':')
        return head;
    int64_t v;
    if (!kvd_str2ll(p + 1, (size_t)ll - 1, &v))
        return 0;
    if (v < 0)
        return head; /* nil bulk or nil array */
    if (p[0] == '$')
        return n - head >= (uint64_t)v + 2 ? head + (size_t)v + 2 : 0;
    if (p[0] != '*')
        return 0;
    size_t off = head;
    for (int64_t i = 0; i < v; i++) {
        size_t e = reply_len_depth(p + off, n - off, depth + 1);
        if (e == 0)
            return 0;
        off += e;
    }
    return off;
}

size_t kvd_route_reply_len(const char *p, size_t n)
{
    return reply_len_depth(p, n, 0);
}

/* The count of the array reply in b, or -1 when it is not an array. */
static int64_t array_count(const kvd_buf_t *b, size_t *body)
{
    if (b->len < 4 || b->data[0] != '*')
        return -1;
    ssize_t ll = line_len(b->data, b->len);
    int64_t v;
    if (ll < 2 || !kvd_str2ll(b->data + 1, (size_t)ll - 1, &v))
        return -1;
    *body = (size_t)ll + 2;
    return v;
}

static const kvd_buf_t *first_error(kvd_buf_t *parts, int nparts)
{
    for (int i = 0; i < nparts; i++)
        if (parts[i].len > 0 && parts[i].data[0] == '-')
            return &parts[i];
    return NULL;
}

static void merge_sum(kvd_buf_t *parts, int nparts, kvd_buf_t *out)
{
    int64_t sum = 0;
    for (int i = 0; i < nparts; i++) {
        int64_t v = 0;
        ssize_t ll = line_len(parts[i].data, parts[i].len);
        if (ll > 1 && parts[i].data[0] == ':')
            kvd_str2ll(parts[i].data + 1, (size_t)ll - 1, &v);
        sum += v;
    }
    kvd_reply_int(out, sum);
}

static void merge_concat(kvd_buf_t *parts, int nparts, kvd_buf_t *out)
{
    int64_t total = 0;
    size_t body[KVD_ROUTE_MAX_SHARDS];
    for (int i = 0; i < nparts; i++) {
        int64_t n = array_count(&parts[i], &body[i]);
        total += n > 0 ? n : 0;
    }
    kvd_reply_array(out, total);
    for (int i = 0; i < nparts; i++)
        if (parts[i].len > body[i])
            kvd_buf_append(out, parts[i].data + body[i], parts[i].len - body[i]);
}

/* Bulk strings joined into one (CLIENT LIST's lines). */
static void merge_text(const kvd_buf_t *parts, int nparts, kvd_buf_t *out)
{
    kvd_buf_t text = KVD_BUF_INIT;
    for (int i = 0; i < nparts; i++) {
        const char *nl = memchr(parts[i].data, '\n', parts[i].len);
        if (parts[i].len < 4 || parts[i].data[0] != '$' || nl == NULL)
            continue;
        size_t start = (size_t)(nl - parts[i].data) + 1;
        kvd_buf_append(&text, parts[i].data + start, parts[i].len - start - 2);
    }
    kvd_reply_bulk(out, text.data, text.len);
    kvd_buf_free(&text);
}

static void merge_mget(kvd_buf_t *parts, int nparts, const int *order, int nkeys, kvd_buf_t *out)
{
    size_t pos[KVD_ROUTE_MAX_SHARDS];
    for (int i = 0; i < nparts; i++)
        array_count(&parts[i], &pos[i]);
    kvd_reply_array(out, nkeys);
    for (int k = 0; k < nkeys; k++) {
        kvd_buf_t *b = &parts[order[k]];
        size_t *at = &pos[order[k]];
        size_t e = kvd_route_reply_len(b->data + *at, b->len - *at);
        KVD_ASSERT(e > 0);
        kvd_buf_append(out, b->data + *at, e);
        *at += e;
    }
}

void kvd_route_merge(kvd_merge_t how, kvd_buf_t *parts, int nparts, const int *order, int nkeys,
                     kvd_buf_t *out)
{
    KVD_ASSERT(nparts > 0 && nparts <= KVD_ROUTE_MAX_SHARDS);
    const kvd_buf_t *err = first_error(parts, nparts);
    if (err != NULL && how != KVD_MERGE_FIRST) {
        kvd_buf_append(out, err->data, err->len);
        return;
    }
    switch (how) {
    case KVD_MERGE_SUM: merge_sum(parts, nparts, out); break;
    case KVD_MERGE_OK: kvd_reply_ok(out); break;
    case KVD_MERGE_CONCAT: merge_concat(parts, nparts, out); break;
    case KVD_MERGE_MGET: merge_mget(parts, nparts, order, nkeys, out); break;
    case KVD_MERGE_INFO: kvd_route_merge_info(parts, nparts, out); break;
    case KVD_MERGE_TEXT: merge_text(parts, nparts, out); break;
    case KVD_MERGE_SAME: kvd_buf_append(out, parts[0].data, parts[0].len); break;
    case KVD_MERGE_FIRST:
        for (int i = 0; i < nparts; i++) {
            if (parts[i].len > 0 && parts[i].data[0] == '$' && parts[i].data[1] != '-') {
                kvd_buf_append(out, parts[i].data, parts[i].len);
                return;
            }
        }
        kvd_reply_null(out);
        break;
    case KVD_MERGE_NONE: KVD_ASSERT(!"no merge for a fan-out"); break;
    }
}

void kvd_route_gather(kvd_merge_t how, int scan_shard, kvd_buf_t *parts, int nparts,
                      const int *order, int nkeys, kvd_buf_t *out)
{
    if (scan_shard >= 0)
        kvd_route_scan_reply(&parts[0], scan_shard, out);
    else if (how == KVD_MERGE_NONE)
        kvd_buf_append(out, parts[0].data, parts[0].len);
    else
        kvd_route_merge(how, parts, nparts, order, nkeys, out);
}

/* ---- SCAN cursors ---- */

bool kvd_route_scan_cursor(const kvd_arg_t *a, int *shard, uint64_t *inner)
{
    /* Redis parses the cursor as an unsigned 64-bit decimal; a bad one is
     * the shard's own error to give, so route it locally. */
    uint64_t v = 0;
    if (a->len == 0 || a->len > 20)
        return false;
    for (size_t i = 0; i < a->len; i++) {
        if (a->ptr[i] < '0' || a->ptr[i] > '9')
            return false;
        uint64_t d = (uint64_t)(a->ptr[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *shard = (int)(v & ((1u << KVD_ROUTE_SHARD_BITS) - 1));
    *inner = v >> KVD_ROUTE_SHARD_BITS;
    return *shard < nshards;
}

void kvd_route_scan_reply(const kvd_buf_t *part, int shard, kvd_buf_t *out)
{
    size_t body;
    int64_t n = array_count(part, &body);
    ssize_t ll = n == 2 && part->len > body + 1 ? line_len(part->data + body, part->len - body) : -1;
    int64_t clen;
    if (ll < 2 || part->data[body] != '$' || !kvd_str2ll(part->data + body + 1, (size_t)ll - 1, &clen)) {
        kvd_buf_append(out, part->data, part->len); /* an error: pass it on */
        return;
    }
    const char *cur = part->data + body + ll + 2;
    uint64_t next = strtoull(cur, NULL, 10);
    uint64_t outer = 0;
    if (next != 0)
        outer = (next << KVD_ROUTE_SHARD_BITS) | (uint64_t)shard;
    else if (shard + 1 < nshards)
        outer = (uint64_t)(shard + 1);
    char buf[24];
    size_t blen = (size_t)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)outer);
    kvd_reply_array(out, 2);
    kvd_reply_bulk(out, buf, blen);
    size_t rest = body + (size_t)ll + 2 + (size_t)clen + 2;
    kvd_buf_append(out, part->data + rest, part->len - rest);
}

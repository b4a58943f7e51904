/*
 * t_lcs.c - LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN].
 *
 * The textbook dynamic-programming table of LCS lengths, then one walk
 * back from the end.  Which common subsequence and which match ranges a
 * client sees depends on how the walk breaks ties, so it breaks them as
 * Redis 7.0 does: on a mismatch it moves along key1 only when that keeps a
 * strictly longer LCS, else along key2.  Ranges come out last match first.
 */
#include "client.h"
#include "shard.h"
#include "t_string.h"
#include "proto/reply.h"

typedef struct lcs_opts {
    bool len;
    bool idx;
    bool withmatchlen;
    int64_t minmatchlen;
} lcs_opts_t;

/* The table: T(i, j) is the LCS length of a[0..i) and b[0..j). */
typedef struct lcs_table {
    uint32_t *t;
    size_t cols; /* blen + 1 */
} lcs_table_t;

#define T(tab, i, j) ((tab)->t[(size_t)(i) * (tab)->cols + (size_t)(j)])

static int parse_lcs_opts(kvd_client_t *c, lcs_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 3; i < c->argc; i++) {
        const kvd_arg_t *a = &c->argv[i];
        if (kvd_arg_is(a, "idx")) {
            o->idx = true;
        } else if (kvd_arg_is(a, "len")) {
            o->len = true;
        } else if (kvd_arg_is(a, "withmatchlen")) {
            o->withmatchlen = true;
        } else if (kvd_arg_is(a, "minmatchlen") && i + 1 < c->argc) {
            if (kvd_arg_ll(c, &c->argv[++i], &o->minmatchlen) < 0)
                return -1;
            if (o->minmatchlen < 0)
                o->minmatchlen = 0;
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    if (o->idx && o->len) {
        kvd_reply_error(c->reply,
                        "ERR If you want both the length and indexes, please just use IDX.");
        return -1;
    }
    return 0;
}

/*
 * Copy a key's string value into out (empty when missing).  Returns -1
 * when the key holds another type.  A copy, because the second lookup may
 * expire a key, and entry pointers die at any write.
 */
static int lcs_load(kvd_client_t *c, const kvd_arg_t *key, kvd_buf_t *out)
{
    kvd_entry_t *e = kvd_db_lookup_read(c->db, key->ptr, key->len);
    if (e == NULL)
        return 0;
    if (kvd_entry_type(e) != KVD_TYPE_STRING)
        return -1;
    char tmp[32];
    size_t len;
    const char *p = kvd_entry_str(e, &len, tmp);
    kvd_buf_append(out, p, len);
    return 0;
}

static void lcs_fill(lcs_table_t *tab, const kvd_buf_t *a, const kvd_buf_t *b)
{
    for (size_t i = 0; i <= a->len; i++) {
        for (size_t j = 0; j <= b->len; j++) {
            if (i == 0 || j == 0)
                T(tab, i, j) = 0;
            else if (a->data[i - 1] == b->data[j - 1])
                T(tab, i, j) = T(tab, i - 1, j - 1) + 1;
            else if (T(tab, i - 1, j) > T(tab, i, j - 1))
                T(tab, i, j) = T(tab, i - 1, j);
            else
                T(tab, i, j) = T(tab, i, j - 1);
        }
    }
}

typedef struct lcs_range {
    bool open;
    size_t a_start, a_end, b_start, b_end;
} lcs_range_t;

static void emit_range(kvd_client_t *c, const lcs_opts_t *o, lcs_range_t *r, int64_t *count)
{
    KVD_ASSERT(r->open && r->a_end >= r->a_start);
    int64_t matchlen = (int64_t)(r->a_end - r->a_start + 1);
    r->open = false;
    if (!o->idx || (o->minmatchlen > 0 && matchlen < o->minmatchlen))
        return;
    kvd_reply_array(c->reply, o->withmatchlen ? 3 : 2);
    kvd_reply_array(c->reply, 2);
    kvd_reply_int(c->reply, (int64_t)r->a_start);
    kvd_reply_int(c->reply, (int64_t)r->a_end);
    kvd_reply_array(c->reply, 2);
    kvd_reply_int(c->reply, (int64_t)r->b_start);
    kvd_reply_int(c->reply, (int64_t)r->b_end);
    if (o->withmatchlen)
        kvd_reply_int(c->reply, matchlen);
    (*count)++;
}

/*
 * Walk back from (alen, blen), writing the subsequence into out (sized to
 * the LCS length) and, with IDX, replying each maximal run of matches.
 * Returns the number of ranges replied.
 */
static int64_t lcs_walk(kvd_client_t *c, const lcs_opts_t *o, const lcs_table_t *tab,
                        const kvd_buf_t *a, const kvd_buf_t *b, char *out)
{
    size_t i = a->len, j = b->len, k = T(tab, a->len, b->len);
    lcs_range_t r = {.open = false};
    int64_t count = 0;
    for (size_t steps = 0; i > 0 && j > 0 && steps <= a->len + b->len; steps++) {
        if (a->data[i - 1] == b->data[j - 1]) {
            KVD_ASSERT(k > 0);
            out[--k] = a->data[i - 1];
            if (!r.open)
                r = (lcs_range_t){true, i - 1, i - 1, j - 1, j - 1};
            r.a_start = i - 1;
            r.b_start = j - 1;
            i--;
            j--;
            /* A run touching the start of either string ends the walk. */
            if (i == 0 || j == 0)
                emit_range(c, o, &r, &count);
        } else {
            if (T(tab, i - 1, j) > T(tab, i, j - 1))
                i--;
            else
                j--;
            if (r.open)
                emit_range(c, o, &r, &count);
        }
    }
    KVD_ASSERT(k == 0);
    return count;
}

/* The table's size, refused as Redis does when it passes proto-max-bulk-len. */
static int lcs_table_alloc(kvd_client_t *c, size_t alen, size_t blen, lcs_table_t *tab)
{
    size_t cells, bytes;
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        kvd_reply_error(c->reply, "ERR String too long for LCS");
        return -1;
    }
    if (!kvd_mul_size(alen + 1, blen + 1, &cells) ||
        !kvd_mul_size(cells, sizeof(uint32_t), &bytes)) {
        kvd_reply_error(c->reply,
                        "ERR Insufficient memory, failed allocating transient memory for LCS");
        return -1;
    }
    if (bytes > (uint64_t)c->shard->cfg->proto_max_bulk_len) {
        kvd_reply_error(c->reply, "ERR Insufficient memory, transient memory for LCS exceeds "
                                  "proto-max-bulk-len");
        return -1;
    }
    tab->t = kvd_malloc(bytes);
    tab->cols = blen + 1;
    return 0;
}

static void lcs_reply(kvd_client_t *c, const lcs_opts_t *o, const kvd_buf_t *a,
                      const kvd_buf_t *b)
{
    lcs_table_t tab;
    if (lcs_table_alloc(c, a->len, b->len, &tab) < 0)
        return;
    lcs_fill(&tab, a, b);
    uint32_t total = T(&tab, a->len, b->len);
    if (o->len && !o->idx) {
        kvd_reply_int(c->reply, total);
        kvd_free(tab.t);
        return;
    }
    char *seq = kvd_malloc((size_t)total + 1);
    size_t mark = 0;
    if (o->idx) {
        /* A two-entry map in RESP2: "matches" [ranges...] "len" n. */
        kvd_reply_array(c->reply, 4);
        kvd_reply_bulk_str(c->reply, "matches");
        mark = kvd_reply_defer(c->reply);
    }
    int64_t ranges = lcs_walk(c, o, &tab, a, b, seq);
    if (o->idx) {
        kvd_reply_set_array_len(c->reply, mark, ranges);
        kvd_reply_bulk_str(c->reply, "len");
        kvd_reply_int(c->reply, total);
    } else {
        kvd_reply_bulk(c->reply, seq, total);
    }
    kvd_free(seq);
    kvd_free(tab.t);
}

/* Both keys are read before the options are looked at: a key of another
 * type wins over a syntax error. */
static void lcs_command(kvd_client_t *c)
{
    kvd_buf_t a = KVD_BUF_INIT, b = KVD_BUF_INIT;
    lcs_opts_t o;
    int ra = lcs_load(c, &c->argv[1], &a);
    int rb = lcs_load(c, &c->argv[2], &b);
    if (ra < 0 || rb < 0)
        kvd_reply_error(c->reply, "ERR The specified keys must contain string values");
    else if (parse_lcs_opts(c, &o) == 0)
        lcs_reply(c, &o, &a, &b);
    kvd_buf_free(&a);
    kvd_buf_free(&b);
}

static kvd_command_t lcs_commands[] = {
    {.name = "lcs", .proc = lcs_command, .arity = -3, .flags = KVD_CMD_READONLY,
     .acl = KVD_ACL_READ | KVD_ACL_STRING | KVD_ACL_SLOW, .first_key = 1, .last_key = 2,
     .key_step = 1, .summary = "Find longest common substring", .since = "7.0.0",
     .group = "string",
     .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively"},
    {.name = NULL},
};

void kvd_register_lcs_commands(void)
{
    kvd_command_register(lcs_commands);
}

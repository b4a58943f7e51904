/*
 * t_zset_range.c - sorted set ranges: ZRANGE (BYSCORE, BYLEX, REV, LIMIT,
 * WITHSCORES), ZRANGESTORE, the older ZREVRANGE, ZRANGEBYSCORE,
 * ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, the counts ZCOUNT and
 * ZLEXCOUNT, and ZREMRANGEBYRANK/SCORE/LEX.
 *
 * Every range becomes a range of ranks [lo, hi) before anything is read
 * or removed: for scores and strings, lo counts the elements below the
 * minimum and hi the elements not above the maximum (both O(log n) on a
 * skiplist).  Arguments are all parsed before the key is looked up, in
 * Redis's order, so the same error wins.
 */
#include <math.h>

#include "shard.h"
#include "zset_cmd.h"
#include "proto/reply.h"

typedef struct score_range {
    double min, max;
    bool minex, maxex;
} score_range_t;

/* A lex bound: a string, or "-"/"+" (inf -1/+1) for the ends of the order. */
typedef struct lex_range {
    const char *min, *max;
    size_t minlen, maxlen;
    int mininf, maxinf;
    bool minex, maxex;
} lex_range_t;

/* Redis's zslParseRange item: strtod over the C string (leading spaces
 * allowed, the empty string is 0), "(" for exclusive, never NaN. */
static bool parse_score_item(const kvd_arg_t *a, double *v, bool *ex)
{
    const char *s = a->ptr;
    *ex = s[0] == '(';
    if (*ex)
        s++;
    char *end;
    *v = strtod(s, &end);
    return *end == '\0' && !isnan(*v);
}

static int parse_score_range(kvd_client_t *c, const kvd_arg_t *min, const kvd_arg_t *max,
                             score_range_t *r)
{
    if (!parse_score_item(min, &r->min, &r->minex) || !parse_score_item(max, &r->max, &r->maxex)) {
        kvd_reply_error(c->reply, "ERR min or max is not a float");
        return -1;
    }
    return 0;
}

static bool parse_lex_item(const kvd_arg_t *a, const char **p, size_t *len, int *inf, bool *ex)
{
    const char *s = a->ptr;
    *inf = 0;
    *ex = false;
    switch (s[0]) {
    case '+':
    case '-':
        *inf = s[0] == '+' ? 1 : -1;
        return s[1] == '\0';
    case '(':
    case '[':
        *ex = s[0] == '(';
        *p = s + 1;
        *len = a->len - 1;
        return true;
    default:
        return false;
    }
}

static int parse_lex_range(kvd_client_t *c, const kvd_arg_t *min, const kvd_arg_t *max,
                           lex_range_t *r)
{
    if (!parse_lex_item(min, &r->min, &r->minlen, &r->mininf, &r->minex) ||
        !parse_lex_item(max, &r->max, &r->maxlen, &r->maxinf, &r->maxex)) {
        kvd_reply_error(c->reply, "ERR min or max not valid string range item");
        return -1;
    }
    return 0;
}

static bool below_min_score(const kvd_zset_elem_t *el, const void *arg)
{
    const score_range_t *r = arg;
    return r->minex ? el->score <= r->min : el->score < r->min;
}

static bool within_max_score(const kvd_zset_elem_t *el, const void *arg)
{
    const score_range_t *r = arg;
    return r->maxex ? el->score < r->max : el->score <= r->max;
}

static bool below_min_lex(const kvd_zset_elem_t *el, const void *arg)
{
    const lex_range_t *r = arg;
    if (r->mininf != 0)
        return r->mininf > 0;
    int cmp = kvd_zset_member_cmp(el->m, el->len, r->min, r->minlen);
    return r->minex ? cmp <= 0 : cmp < 0;
}

static bool within_max_lex(const kvd_zset_elem_t *el, const void *arg)
{
    const lex_range_t *r = arg;
    if (r->maxinf != 0)
        return r->maxinf > 0;
    int cmp = kvd_zset_member_cmp(el->m, el->len, r->max, r->maxlen);
    return r->maxex ? cmp < 0 : cmp <= 0;
}

/* Ranks [*lo, *hi) of the elements in a score range. */
static void score_ranks(const kvd_zset_t *z, const score_range_t *r, uint64_t *lo, uint64_t *hi)
{
    *lo = kvd_zset_count_prefix(z, below_min_score, r);
    *hi = kvd_zset_count_prefix(z, within_max_score, r);
    if (*hi < *lo)
        *hi = *lo;
}

static void lex_ranks(const kvd_zset_t *z, const lex_range_t *r, uint64_t *lo, uint64_t *hi)
{
    *lo = kvd_zset_count_prefix(z, below_min_lex, r);
    *hi = kvd_zset_count_prefix(z, within_max_lex, r);
    if (*hi < *lo)
        *hi = *lo;
}

/* Redis's rank clamping: negative counts from the end; false when empty. */
static bool clamp_ranks(int64_t start, int64_t end, uint64_t size, uint64_t *lo, uint64_t *hi)
{
    int64_t len = (int64_t)size;
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (start > end || start >= len)
        return false;
    if (end >= len)
        end = len - 1;
    *lo = (uint64_t)start;
    *hi = (uint64_t)end + 1;
    return true;
}

typedef enum { BY_AUTO, BY_RANK, BY_SCORE, BY_LEX } range_by_t;
typedef enum { DIR_AUTO, DIR_FORWARD, DIR_REVERSE } range_dir_t;

/* One parsed range request. */
typedef struct zrange_req {
    range_by_t by;
    range_dir_t dir;
    bool withscores, has_limit;
    int64_t offset, limit;
    int64_t start, end; /* BY_RANK */
    score_range_t sr;   /* BY_SCORE */
    lex_range_t lr;     /* BY_LEX */
} zrange_req_t;

/* Options after key, min and max (from argv[first]); -1 after replying. */
static int parse_range_opts(kvd_client_t *c, int first, bool store, zrange_req_t *q)
{
    for (int j = first; j < c->argc; j++) {
        const kvd_arg_t *a = &c->argv[j];
        int left = c->argc - j - 1;
        if (!store && kvd_arg_is(a, "withscores")) {
            q->withscores = true;
        } else if (kvd_arg_is(a, "limit") && left >= 2) {
            if (kvd_arg_ll(c, &c->argv[j + 1], &q->offset) < 0 ||
                kvd_arg_ll(c, &c->argv[j + 2], &q->limit) < 0)
                return -1;
            q->has_limit = true;
            j += 2;
        } else if (q->dir == DIR_AUTO && kvd_arg_is(a, "rev")) {
            q->dir = DIR_REVERSE;
        } else if (q->by == BY_AUTO && kvd_arg_is(a, "bylex")) {
            q->by = BY_LEX;
        } else if (q->by == BY_AUTO && kvd_arg_is(a, "byscore")) {
            q->by = BY_SCORE;
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

/* Parse everything after the key at argv[keyidx]; -1 after replying. */
static int parse_range_req(kvd_client_t *c, int keyidx, bool store, zrange_req_t *q)
{
    q->withscores = q->has_limit = false;
    q->offset = 0;
    q->limit = -1;
    if (parse_range_opts(c, keyidx + 3, store, q) < 0)
        return -1;
    if (q->by == BY_AUTO)
        q->by = BY_RANK;
    if (q->dir == DIR_AUTO)
        q->dir = DIR_FORWARD;
    if (q->has_limit && q->by == BY_RANK) {
        kvd_reply_error(c->reply, "ERR syntax error, LIMIT is only supported in combination "
                                  "with either BYSCORE or BYLEX");
        return -1;
    }
    if (q->withscores && q->by == BY_LEX) {
        kvd_reply_error(c->reply,
                        "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return -1;
    }
    const kvd_arg_t *min = &c->argv[keyidx + 1], *max = &c->argv[keyidx + 2];
    /* Reverse score and lex ranges name the maximum first. */
    if (q->dir == DIR_REVERSE && q->by != BY_RANK) {
        const kvd_arg_t *t = min;
        min = max;
        max = t;
    }
    if (q->by == BY_RANK)
        return kvd_arg_ll(c, min, &q->start) < 0 || kvd_arg_ll(c, max, &q->end) < 0 ? -1 : 0;
    if (q->by == BY_SCORE)
        return parse_score_range(c, min, max, &q->sr);
    return parse_lex_range(c, min, max, &q->lr);
}

/* The ranks to emit: [lo, hi) walked upwards, or downwards for reverse,
 * after skipping offset and keeping at most limit (LIMIT). */
static uint64_t select_ranks(const kvd_zset_t *z, const zrange_req_t *q, uint64_t *first)
{
    uint64_t lo = 0, hi = 0, size = kvd_zset_size(z);
    if (q->by == BY_RANK) {
        if (!clamp_ranks(q->start, q->end, size, &lo, &hi))
            return 0;
        if (q->dir == DIR_REVERSE) {
            uint64_t n = hi - lo;
            hi = size - lo;
            lo = hi - n;
        }
    } else if (q->by == BY_SCORE) {
        score_ranks(z, &q->sr, &lo, &hi);
    } else {
        lex_ranks(z, &q->lr, &lo, &hi);
    }
    uint64_t n = hi - lo;
    if (q->offset < 0 || (uint64_t)q->offset >= n)
        return 0;
    n -= (uint64_t)q->offset;
    if (q->limit >= 0 && (uint64_t)q->limit < n)
        n = (uint64_t)q->limit;
    *first = q->dir == DIR_REVERSE ? hi - 1 - (uint64_t)q->offset : lo + (uint64_t)q->offset;
    return n;
}

static void emit_range(kvd_client_t *c, const kvd_zset_t *z, const zrange_req_t *q,
                       kvd_zset_t *store)
{
    uint64_t first = 0, n = select_ranks(z, q, &first);
    if (store == NULL)
        kvd_reply_array(c->reply, (int64_t)(q->withscores ? n * 2 : n));
    kvd_zset_ctx_t ctx = kvd_zset_cmd_ctx(c);
    kvd_zset_iter_t it;
    kvd_zset_elem_t el;
    kvd_zset_iter_init(&it, z, n == 0 ? kvd_zset_size(z) : first, q->dir == DIR_REVERSE);
    for (uint64_t i = 0; i < n && kvd_zset_iter_next(&it, &el); i++) {
        if (store != NULL)
            kvd_zset_set(store, &ctx, el.m, el.len, el.score);
        else
            kvd_zset_cmd_reply_elem(c, &el, q->withscores);
    }
}

/* The ZRANGE family: key at argv[keyidx]; dst non-NULL for ZRANGESTORE. */
static void zrange_generic(kvd_client_t *c, int keyidx, const kvd_arg_t *dst, range_by_t by,
                           range_dir_t dir)
{
    zrange_req_t q = {.by = by, .dir = dir};
    if (parse_range_req(c, keyidx, dst != NULL, &q) < 0)
        return;
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[keyidx], dst == NULL, &e, &z) < 0)
        return;
    if (dst == NULL) {
        if (z == NULL)
            kvd_reply_array(c->reply, 0);
        else
            emit_range(c, z, &q, NULL);
        return;
    }
    /* Redis sizes a rank range's result up front (a skiplist from the
     * start when it is too long for a listpack); score and lex results
     * start as a listpack and convert as they grow.  The difference shows
     * in -0 scores, which a listpack stores as 0. */
    kvd_zset_ctx_t ctx = kvd_zset_cmd_ctx(c);
    uint64_t first, n = z == NULL ? 0 : select_ranks(z, &q, &first);
    bool big = q.by == BY_RANK && n > ctx.max_entries;
    kvd_zset_t *result = kvd_zset_create(&ctx, big ? KVD_ENC_SKIPLIST : KVD_ENC_LISTPACK);
    if (z != NULL)
        emit_range(c, z, &q, result);
    kvd_zset_cmd_store(c, dst, result);
}

void kvd_zrange_command(kvd_client_t *c)
{
    zrange_generic(c, 1, NULL, BY_AUTO, DIR_AUTO);
}

void kvd_zrangestore_command(kvd_client_t *c)
{
    zrange_generic(c, 2, &c->argv[1], BY_AUTO, DIR_AUTO);
}

void kvd_zrevrange_command(kvd_client_t *c)
{
    zrange_generic(c, 1, NULL, BY_RANK, DIR_REVERSE);
}

void kvd_zrangebyscore_command(kvd_client_t *c)
{
    zrange_generic(c, 1, NULL, BY_SCORE, DIR_FORWARD);
}

void kvd_zrevrangebyscore_command(kvd_client_t *c)
{
    zrange_generic(c, 1, NULL, BY_SCORE, DIR_REVERSE);
}

void kvd_zrangebylex_command(kvd_client_t *c)
{
    zrange_generic(c, 1, NULL, BY_LEX, DIR_FORWARD);
}

void kvd_zrevrangebylex_command(kvd_client_t *c)
{
    zrange_generic(c, 1, NULL, BY_LEX, DIR_REVERSE);
}

/* ZCOUNT and ZLEXCOUNT: the range is parsed before the lookup. */
static void count_generic(kvd_client_t *c, range_by_t by)
{
    score_range_t sr;
    lex_range_t lr;
    if (by == BY_SCORE ? parse_score_range(c, &c->argv[2], &c->argv[3], &sr) < 0
                       : parse_lex_range(c, &c->argv[2], &c->argv[3], &lr) < 0)
        return;
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], true, &e, &z) < 0)
        return;
    uint64_t lo = 0, hi = 0;
    if (z != NULL && by == BY_SCORE)
        score_ranks(z, &sr, &lo, &hi);
    else if (z != NULL)
        lex_ranks(z, &lr, &lo, &hi);
    kvd_reply_int(c->reply, (int64_t)(hi - lo));
}

void kvd_zcount_command(kvd_client_t *c)
{
    count_generic(c, BY_SCORE);
}

void kvd_zlexcount_command(kvd_client_t *c)
{
    count_generic(c, BY_LEX);
}

/* ZREMRANGEBYRANK/SCORE/LEX key min max. */
static void remrange_generic(kvd_client_t *c, range_by_t by)
{
    int64_t start = 0, end = 0;
    score_range_t sr;
    lex_range_t lr;
    const kvd_arg_t *min = &c->argv[2], *max = &c->argv[3];
    int rc = by == BY_RANK    ? (kvd_arg_ll(c, min, &start) < 0 || kvd_arg_ll(c, max, &end) < 0
                                     ? -1 : 0)
             : by == BY_SCORE ? parse_score_range(c, min, max, &sr)
                              : parse_lex_range(c, min, max, &lr);
    if (rc < 0)
        return;
    kvd_entry_t *e;
    kvd_zset_t *z;
    if (kvd_zset_cmd_lookup(c, &c->argv[1], false, &e, &z) < 0)
        return;
    uint64_t lo = 0, hi = 0;
    if (z != NULL) {
        if (by == BY_RANK && !clamp_ranks(start, end, kvd_zset_size(z), &lo, &hi))
            lo = hi = 0;
        else if (by == BY_SCORE)
            score_ranks(z, &sr, &lo, &hi);
        else if (by == BY_LEX)
            lex_ranks(z, &lr, &lo, &hi);
        kvd_zset_remove_range(z, lo, hi);
        kvd_zset_cmd_written(c, &c->argv[1], e, z);
    }
    kvd_shard_add_dirty(c->shard, hi - lo);
    kvd_reply_int(c->reply, (int64_t)(hi - lo));
}

void kvd_zremrangebyrank_command(kvd_client_t *c)
{
    remrange_generic(c, BY_RANK);
}

void kvd_zremrangebyscore_command(kvd_client_t *c)
{
    remrange_generic(c, BY_SCORE);
}

void kvd_zremrangebylex_command(kvd_client_t *c)
{
    remrange_generic(c, BY_LEX);
}

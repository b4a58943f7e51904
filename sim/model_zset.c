/*
 * model_zset.c - the model's sorted-set commands (Redis 7.0 t_zset.c):
 * ZADD with its options, ZINCRBY, ZREM, ZRANGE, ZRANGEBYSCORE, ZSCORE,
 * ZCARD, ZRANK.  Members are kept in (score, member) order.
 */
#include <math.h>

#include "model.h"

typedef struct zadd_opts {
    bool nx, xx, gt, lt, ch, incr;
    int first; /* index of the first score */
} zadd_opts_t;

static int zpos(const model_val_t *v, double score, const char *p, size_t n)
{
    int i = 0;
    while (i < v->n && (v->el[i].score < score ||
                        (v->el[i].score == score &&
                         model_bytes_cmp(v->el[i].a, v->el[i].alen, p, n) < 0)))
        i++;
    return i;
}

static void zset_put(model_val_t *v, double score, const char *p, size_t n)
{
    int at = mel_find(v, p, n);
    if (at >= 0)
        mel_remove(v, at);
    mel_insert(v, zpos(v, score, p, n), p, n, NULL, 0, score);
}

/* Options and their compatibility, in Redis's order; false after the error. */
static bool zadd_parse(model_t *m, const kvd_arg_t *argv, int argc, zadd_opts_t *o)
{
    *o = (zadd_opts_t){.first = 2};
    for (; o->first < argc; o->first++) {
        const kvd_arg_t *a = &argv[o->first];
        if (model_arg_is(a, "NX")) o->nx = true;
        else if (model_arg_is(a, "XX")) o->xx = true;
        else if (model_arg_is(a, "GT")) o->gt = true;
        else if (model_arg_is(a, "LT")) o->lt = true;
        else if (model_arg_is(a, "CH")) o->ch = true;
        else if (model_arg_is(a, "INCR")) o->incr = true;
        else break;
    }
    int elems = argc - o->first;
    if (elems == 0 || elems % 2 != 0)
        mreply_syntax(m);
    else if (o->nx && o->xx)
        mreply_err(m, "ERR XX and NX options at the same time are not compatible");
    else if ((o->gt && o->nx) || (o->lt && o->nx) || (o->gt && o->lt))
        mreply_err(m, "ERR GT, LT, and/or NX options at the same time are not compatible");
    else if (o->incr && elems > 2)
        mreply_err(m, "ERR INCR option supports a single increment-element pair");
    else
        return true;
    return false;
}

typedef struct zadd_res {
    int64_t added, updated, processed;
    double last;
    bool nan;
} zadd_res_t;

/* Redis's zsetAdd for one pair. */
static void zadd_one(model_val_t *v, const zadd_opts_t *o, double score, const kvd_arg_t *mem,
                     zadd_res_t *r)
{
    int at = mel_find(v, mem->ptr, mem->len);
    if (at < 0) {
        if (o->xx)
            return;
        zset_put(v, score, mem->ptr, mem->len);
        r->added++, r->processed++, r->last = score;
        return;
    }
    double cur = v->el[at].score;
    if (o->nx)
        return;
    if (o->incr) {
        score += cur;
        if (isnan(score)) {
            r->nan = true;
            return;
        }
    }
    if ((o->lt && score >= cur) || (o->gt && score <= cur))
        return;
    r->processed++, r->last = score;
    if (score != cur)
        zset_put(v, score, mem->ptr, mem->len), r->updated++;
}

static void zadd_generic(model_t *m, int db, const kvd_arg_t *argv, int argc, const zadd_opts_t *o,
                         bool zincrby)
{
    double scores[16];
    int npairs = (argc - o->first) / 2;
    KVD_ASSERT(npairs <= 16);
    for (int i = 0; i < npairs; i++) {
        const kvd_arg_t *a = &argv[o->first + 2 * i];
        if (!model_parse_double(a->ptr, a->len, &scores[i])) {
            mreply_err(m, "ERR value is not a valid float");
            return;
        }
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_ZSET, &wrong);
    if (wrong)
        return;
    zadd_res_t r = {0};
    if (k == NULL && !o->xx)
        k = model_create(m, db, &argv[1], MT_ZSET);
    for (int i = 0; i < npairs && k != NULL && !r.nan; i++)
        zadd_one(&k->v, o, scores[i], &argv[o->first + 2 * i + 1], &r);
    if (r.nan)
        mreply_err(m, "ERR resulting score is not a number (NaN)");
    else if (o->incr && r.processed > 0)
        mreply_double(m, r.last);
    else if (o->incr)
        mreply_nil(m);
    else
        mreply_int(m, o->ch ? r.added + r.updated : r.added);
    if (r.added > 0 || r.updated > 0)
        model_touch(m, db, &argv[1]);
    KVD_ASSERT(!zincrby || r.nan || r.processed == 1);
}

static void cmd_zadd(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    zadd_opts_t o;
    if (zadd_parse(m, argv, argc, &o))
        zadd_generic(m, db, argv, argc, &o, false);
}

static void cmd_zincrby(model_t *m, int db, const kvd_arg_t *argv)
{
    zadd_opts_t o = {.incr = true, .first = 2};
    zadd_generic(m, db, argv, 4, &o, true);
}

static void cmd_zrem(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    model_remove_members(m, db, argv, argc, MT_ZSET);
}

static void reply_range(model_t *m, const model_val_t *v, int from, int count, bool scores)
{
    mreply_array(m, scores ? 2 * count : count);
    for (int i = from; i < from + count; i++) {
        mreply_bulk(m, v->el[i].a, v->el[i].alen);
        if (scores)
            mreply_double(m, v->el[i].score);
    }
}

/* ZRANGE key start stop [WITHSCORES] (by rank only). */
static void cmd_zrange(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    bool scores = argc == 5 && model_arg_is(&argv[4], "WITHSCORES");
    int64_t start, end;
    if (argc == 5 && !scores) {
        mreply_syntax(m);
        return;
    }
    if (!model_parse_ll(argv[2].ptr, argv[2].len, &start) ||
        !model_parse_ll(argv[3].ptr, argv[3].len, &end)) {
        mreply_not_int(m);
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_ZSET, &wrong);
    if (wrong)
        return;
    if (k == NULL || !model_clamp_range(k->v.n, &start, &end)) {
        mreply_array(m, 0);
        return;
    }
    reply_range(m, &k->v, (int)start, (int)(end - start + 1), scores);
}

typedef struct zbound {
    double v;
    bool excl;
} zbound_t;

/* Redis's zslParseRange: strtod of what follows an optional '(' must
 * consume it all, and not be NaN; so "" is 0, " 1" is 1, 1e400 is inf. */
static bool parse_bound(const kvd_arg_t *a, zbound_t *b)
{
    char buf[64], *end;
    b->excl = a->len > 0 && a->ptr[0] == '(';
    size_t skip = b->excl ? 1 : 0;
    if (a->len - skip >= sizeof(buf))
        return false;
    memcpy(buf, a->ptr + skip, a->len - skip);
    buf[a->len - skip] = '\0';
    b->v = strtod(buf, &end);
    return *end == '\0' && !isnan(b->v);
}

static bool in_range(double s, zbound_t lo, zbound_t hi)
{
    return (lo.excl ? s > lo.v : s >= lo.v) && (hi.excl ? s < hi.v : s <= hi.v);
}

static void zrangebyscore_reply(model_t *m, const model_val_t *v, zbound_t lo, zbound_t hi,
                                int64_t offset, int64_t limit, bool scores)
{
    int from = -1, count = 0;
    for (int i = 0; i < v->n; i++) {
        if (!in_range(v->el[i].score, lo, hi))
            continue;
        if (offset > 0) {
            offset--;
            continue;
        }
        if (limit >= 0 && count == limit)
            break;
        if (from < 0)
            from = i;
        count++;
    }
    reply_range(m, v, from < 0 ? 0 : from, count, scores);
}

/* ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count] */
static void cmd_zrangebyscore(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    bool scores = false;
    int64_t offset = 0, limit = -1;
    for (int j = 4; j < argc; j++) {
        if (model_arg_is(&argv[j], "WITHSCORES")) {
            scores = true;
        } else if (model_arg_is(&argv[j], "LIMIT") && argc - j - 1 >= 2) {
            if (!model_parse_ll(argv[j + 1].ptr, argv[j + 1].len, &offset) ||
                !model_parse_ll(argv[j + 2].ptr, argv[j + 2].len, &limit)) {
                mreply_not_int(m);
                return;
            }
            j += 2;
        } else {
            mreply_syntax(m);
            return;
        }
    }
    zbound_t lo, hi;
    if (!parse_bound(&argv[2], &lo) || !parse_bound(&argv[3], &hi)) {
        mreply_err(m, "ERR min or max is not a float");
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_ZSET, &wrong);
    if (wrong)
        return;
    if (k == NULL || offset < 0) {
        mreply_array(m, 0);
        return;
    }
    zrangebyscore_reply(m, &k->v, lo, hi, offset, limit, scores);
}

static void cmd_zread(model_t *m, int db, const kvd_arg_t *argv, const char *which)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_ZSET, &wrong);
    if (wrong)
        return;
    if (strcmp(which, "ZCARD") == 0) {
        mreply_int(m, k ? k->v.n : 0);
        return;
    }
    int at = k ? mel_find(&k->v, argv[2].ptr, argv[2].len) : -1;
    if (at < 0)
        mreply_nil(m);
    else if (strcmp(which, "ZSCORE") == 0)
        mreply_double(m, k->v.el[at].score);
    else
        mreply_int(m, at);
}

bool model_exec_zset(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    const kvd_arg_t *a0 = &argv[0];
    if (model_arg_is(a0, "ZADD"))
        cmd_zadd(m, db, argv, argc);
    else if (model_arg_is(a0, "ZINCRBY"))
        cmd_zincrby(m, db, argv);
    else if (model_arg_is(a0, "ZREM"))
        cmd_zrem(m, db, argv, argc);
    else if (model_arg_is(a0, "ZRANGE"))
        cmd_zrange(m, db, argv, argc);
    else if (model_arg_is(a0, "ZRANGEBYSCORE"))
        cmd_zrangebyscore(m, db, argv, argc);
    else if (model_arg_is(a0, "ZCARD"))
        cmd_zread(m, db, argv, "ZCARD");
    else if (model_arg_is(a0, "ZSCORE"))
        cmd_zread(m, db, argv, "ZSCORE");
    else if (model_arg_is(a0, "ZRANK"))
        cmd_zread(m, db, argv, "ZRANK");
    else
        return false;
    return true;
}

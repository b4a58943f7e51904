/*
 * t_zset_ops.c - sorted set algebra: ZUNION, ZINTER, ZDIFF, their STORE
 * forms, and ZINTERCARD.  Plain sets are accepted as inputs, each member
 * with score 1, as Redis does.
 *
 * Order of checks, as in Redis 7.0: numkeys, then every key is looked up
 * and type-checked (so WRONGTYPE beats a bad option), then the options
 * (WEIGHTS, AGGREGATE, WITHSCORES, LIMIT) are parsed.  Arithmetic
 * follows Redis too: a weighted score that is NaN (inf * 0) counts as 0
 * for the first input of each element, and a SUM that becomes NaN
 * (inf + -inf) is 0.
 */
#include <math.h>

#include "set_type.h"
#include "shard.h"
#include "zset_cmd.h"
#include "proto/reply.h"

typedef enum { OP_UNION, OP_INTER, OP_DIFF } zset_op_t;
typedef enum { AGG_SUM, AGG_MIN, AGG_MAX } aggregate_t;

/* One input: a sorted set, a set, or nothing (a missing key). */
typedef struct zsrc {
    const kvd_zset_t *z;
    const kvd_set_t *s;
    double weight;
} zsrc_t;

/* What a command asked for, once parsed. */
typedef struct zop_req {
    zset_op_t op;
    aggregate_t agg;
    bool withscores;
    bool card_only;       /* ZINTERCARD */
    int64_t limit;        /* ZINTERCARD LIMIT; 0: none */
    const kvd_arg_t *dst; /* STORE forms */
    zsrc_t *src;
    int n;
} zop_req_t;

static uint64_t src_len(const zsrc_t *s)
{
    if (s->z != NULL)
        return kvd_zset_size(s->z);
    return s->s != NULL ? kvd_set_size(s->s) : 0;
}

static bool src_find(const zsrc_t *s, const char *m, size_t len, double *score)
{
    if (s->z != NULL)
        return kvd_zset_score(s->z, m, len, score);
    *score = 1.0;
    return s->s != NULL && kvd_set_contains(s->s, m, len);
}

typedef struct set_adapter {
    kvd_zset_visit_fn *fn;
    void *arg;
} set_adapter_t;

static void set_member(const char *m, size_t len, void *arg)
{
    const set_adapter_t *a = arg;
    a->fn(m, len, 1.0, a->arg);
}

static void src_foreach(const zsrc_t *s, kvd_zset_visit_fn *fn, void *arg)
{
    if (s->z != NULL) {
        kvd_zset_foreach(s->z, fn, arg);
    } else if (s->s != NULL) {
        set_adapter_t a = {fn, arg};
        kvd_set_foreach(s->s, set_member, &a);
    }
}

static void aggregate(double *target, double v, aggregate_t agg)
{
    if (agg == AGG_SUM) {
        *target += v;
        if (isnan(*target))
            *target = 0.0;
    } else if (agg == AGG_MIN) {
        *target = v < *target ? v : *target;
    } else {
        *target = v > *target ? v : *target;
    }
}

typedef struct op_state {
    const zop_req_t *q;
    const zsrc_t *cur; /* the input being walked */
    kvd_zset_t *result;
    kvd_zset_ctx_t ctx;
    uint64_t card;
} op_state_t;

static void union_visit(const char *m, size_t len, double score, void *arg)
{
    op_state_t *st = arg;
    score *= st->cur->weight;
    if (isnan(score))
        score = 0.0;
    double prev;
    if (kvd_zset_score(st->result, m, len, &prev)) {
        aggregate(&prev, score, st->q->agg);
        score = prev;
    }
    kvd_zset_set(st->result, &st->ctx, m, len, score);
}

static void inter_visit(const char *m, size_t len, double score, void *arg)
{
    op_state_t *st = arg;
    const zop_req_t *q = st->q;
    if (q->card_only && q->limit > 0 && st->card >= (uint64_t)q->limit)
        return;
    score *= q->src[0].weight;
    if (isnan(score))
        score = 0.0;
    for (int j = 1; j < q->n; j++) {
        double v;
        if (!src_find(&q->src[j], m, len, &v))
            return;
        aggregate(&score, v * q->src[j].weight, q->agg);
    }
    st->card++;
    if (!q->card_only)
        kvd_zset_set(st->result, &st->ctx, m, len, score);
}

static void diff_visit(const char *m, size_t len, double score, void *arg)
{
    op_state_t *st = arg;
    for (int j = 1; j < st->q->n; j++) {
        double v;
        if (src_find(&st->q->src[j], m, len, &v))
            return;
    }
    kvd_zset_set(st->result, &st->ctx, m, len, score);
}

/* Smallest inputs first (stable), as Redis orders them for UNION and INTER. */
static void sort_by_size(zsrc_t *src, int n)
{
    for (int i = 1; i < n; i++) {
        zsrc_t t = src[i];
        int j = i;
        for (; j > 0 && src_len(&src[j - 1]) > src_len(&t); j--)
            src[j] = src[j - 1];
        src[j] = t;
    }
}

static void compute(kvd_client_t *c, zop_req_t *q, op_state_t *st)
{
    st->q = q;
    st->ctx = kvd_zset_cmd_ctx(c);
    st->result = kvd_zset_create(&st->ctx, KVD_ENC_SKIPLIST);
    st->card = 0;
    if (q->op != OP_DIFF)
        sort_by_size(q->src, q->n);
    if (q->op == OP_UNION) {
        for (int i = 0; i < q->n; i++) {
            st->cur = &q->src[i];
            src_foreach(&q->src[i], union_visit, st);
        }
    } else {
        st->cur = &q->src[0];
        src_foreach(&q->src[0], q->op == OP_INTER ? inter_visit : diff_visit, st);
    }
    KVD_VERIFY(kvd_zset_verify_invariants(st->result));
}

/* The options after the keys (from argv[j]); -1 after replying. */
static int parse_op_opts(kvd_client_t *c, int j, zop_req_t *q)
{
    while (j < c->argc) {
        const kvd_arg_t *a = &c->argv[j];
        int remaining = c->argc - j;
        bool weighted = q->op != OP_DIFF && !q->card_only;
        if (weighted && remaining >= q->n + 1 && kvd_arg_is(a, "weights")) {
            for (int i = 0; i < q->n; i++) {
                const kvd_arg_t *w = &c->argv[j + 1 + i];
                if (!kvd_str2d(w->ptr, w->len, &q->src[i].weight)) {
                    kvd_reply_error(c->reply, "ERR weight value is not a float");
                    return -1;
                }
            }
            j += q->n + 1;
        } else if (weighted && remaining >= 2 && kvd_arg_is(a, "aggregate")) {
            const kvd_arg_t *v = &c->argv[j + 1];
            if (kvd_arg_is(v, "sum")) {
                q->agg = AGG_SUM;
            } else if (kvd_arg_is(v, "min")) {
                q->agg = AGG_MIN;
            } else if (kvd_arg_is(v, "max")) {
                q->agg = AGG_MAX;
            } else {
                kvd_reply_syntax_error(c);
                return -1;
            }
            j += 2;
        } else if (q->dst == NULL && !q->card_only && kvd_arg_is(a, "withscores")) {
            q->withscores = true;
            j++;
        } else if (q->card_only && remaining >= 2 && kvd_arg_is(a, "limit")) {
            if (kvd_arg_ll_range(c, &c->argv[j + 1], 0, INT64_MAX, &q->limit,
                                 "LIMIT can't be negative") < 0)
                return -1;
            j += 2;
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

/* Look every input up; -1 after replying WRONGTYPE. */
static int gather(kvd_client_t *c, int first, zop_req_t *q)
{
    for (int i = 0; i < q->n; i++) {
        const kvd_arg_t *key = &c->argv[first + i];
        kvd_entry_t *e = q->dst == NULL ? kvd_db_lookup_read(c->db, key->ptr, key->len)
                                        : kvd_db_find(c->db, key->ptr, key->len);
        q->src[i] = (zsrc_t){NULL, NULL, 1.0};
        if (e == NULL)
            continue;
        if (kvd_entry_type(e) == KVD_TYPE_ZSET)
            q->src[i].z = kvd_entry_ptr(e);
        else if (kvd_entry_type(e) == KVD_TYPE_SET)
            q->src[i].s = kvd_entry_ptr(e);
        else {
            kvd_reply_wrong_type(c);
            return -1;
        }
    }
    return 0;
}

static void reply_result(kvd_client_t *c, const zop_req_t *q, kvd_zset_t *result)
{
    uint64_t n = kvd_zset_size(result);
    kvd_reply_array(c->reply, (int64_t)(q->withscores ? n * 2 : n));
    kvd_zset_iter_t it;
    kvd_zset_elem_t el;
    kvd_zset_iter_init(&it, result, 0, false);
    while (kvd_zset_iter_next(&it, &el))
        kvd_zset_cmd_reply_elem(c, &el, q->withscores);
}

/* numkeys at argv[numkeys_idx], the keys after it, then options. */
static void zop_generic(kvd_client_t *c, int numkeys_idx, const kvd_arg_t *dst, zset_op_t op,
                        bool card_only)
{
    int64_t numkeys;
    if (kvd_arg_ll(c, &c->argv[numkeys_idx], &numkeys) < 0)
        return;
    if (numkeys < 1) {
        kvd_reply_errorf(c->reply, "ERR at least 1 input key is needed for '%s' command",
                         c->cmd->fullname);
        return;
    }
    if (numkeys > c->argc - numkeys_idx - 1) {
        kvd_reply_syntax_error(c);
        return;
    }
    zop_req_t q = {.op = op, .agg = AGG_SUM, .card_only = card_only, .dst = dst,
                   .n = (int)numkeys};
    q.src = kvd_malloc(sizeof(zsrc_t) * (size_t)numkeys);
    if (gather(c, numkeys_idx + 1, &q) < 0 ||
        parse_op_opts(c, numkeys_idx + 1 + (int)numkeys, &q) < 0) {
        kvd_free(q.src);
        return;
    }
    op_state_t st;
    compute(c, &q, &st);
    kvd_free(q.src);
    if (card_only) {
        kvd_reply_int(c->reply, (int64_t)st.card);
        kvd_zset_destroy(st.result);
    } else if (dst != NULL) {
        kvd_zset_cmd_store(c, dst, st.result);
    } else {
        reply_result(c, &q, st.result);
        kvd_zset_destroy(st.result);
    }
}

void kvd_zunion_command(kvd_client_t *c)
{
    zop_generic(c, 1, NULL, OP_UNION, false);
}

void kvd_zinter_command(kvd_client_t *c)
{
    zop_generic(c, 1, NULL, OP_INTER, false);
}

void kvd_zdiff_command(kvd_client_t *c)
{
    zop_generic(c, 1, NULL, OP_DIFF, false);
}

void kvd_zunionstore_command(kvd_client_t *c)
{
    zop_generic(c, 2, &c->argv[1], OP_UNION, false);
}

void kvd_zinterstore_command(kvd_client_t *c)
{
    zop_generic(c, 2, &c->argv[1], OP_INTER, false);
}

void kvd_zdiffstore_command(kvd_client_t *c)
{
    zop_generic(c, 2, &c->argv[1], OP_DIFF, false);
}

void kvd_zintercard_command(kvd_client_t *c)
{
    zop_generic(c, 1, NULL, OP_INTER, true);
}

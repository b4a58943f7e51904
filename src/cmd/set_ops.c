/*
 * set_ops.c - set algebra: SINTER, SINTERCARD, SINTERSTORE, SUNION,
 * SUNIONSTORE, SDIFF, SDIFFSTORE.
 *
 * Every key is looked up and type-checked before anything is computed, so
 * a WRONGTYPE anywhere wins over a missing (empty) set, as in Redis.
 * Results are built with the ordinary add, so a stored result takes the
 * encoding Redis would give it (intset while small and all-integer).
 */
#include "set_cmd.h"
#include "shard.h"
#include "core/util.h"
#include "proto/reply.h"

/* Look up keys[0..n) as sets (NULL when absent).  -1 after WRONGTYPE.
 * The STORE forms look up like writes (no hit/miss counting), as Redis does. */
static int gather(kvd_client_t *c, const kvd_arg_t *keys, int n, bool read, kvd_set_t **sets,
                  int *missing)
{
    KVD_ASSERT(n >= 1);
    *missing = 0;
    for (int i = 0; i < n; i++) {
        kvd_entry_t *e;
        if (kvd_set_cmd_lookup(c, &keys[i], read, &e, &sets[i]) < 0)
            return -1;
        *missing += sets[i] == NULL;
    }
    return 0;
}

static int by_size_ascending(const void *a, const void *b)
{
    uint64_t x = kvd_set_size(*(kvd_set_t *const *)a), y = kvd_set_size(*(kvd_set_t *const *)b);
    return x < y ? -1 : x > y;
}

typedef struct inter_ctx {
    kvd_set_t *const *others;
    int nothers;
    uint64_t limit;      /* 0: no limit */
    uint64_t count;      /* members in the intersection so far */
    kvd_buf_t *reply;    /* reply each member here, or NULL */
    kvd_set_t *result;   /* add each member here, or NULL */
    const kvd_set_ctx_t *ctx;
} inter_ctx_t;

static void inter_visit(const char *m, size_t len, void *arg)
{
    inter_ctx_t *k = arg;
    if (k->limit != 0 && k->count >= k->limit)
        return;
    for (int i = 0; i < k->nothers; i++) {
        if (!kvd_set_contains(k->others[i], m, len))
            return;
    }
    k->count++;
    if (k->reply != NULL)
        kvd_reply_bulk(k->reply, m, len);
    if (k->result != NULL)
        kvd_set_add(k->result, k->ctx, m, len);
}

/* Walk the smallest set, keeping members every other set has. */
static void intersect(kvd_set_t **sets, int n, inter_ctx_t *k)
{
    KVD_ASSERT(n >= 1);
    qsort(sets, (size_t)n, sizeof(*sets), by_size_ascending);
    k->others = sets + 1;
    k->nothers = n - 1;
    kvd_set_foreach(sets[0], inter_visit, k);
}

typedef enum { OP_REPLY, OP_CARD, OP_STORE } op_mode_t;

static void sinter_generic(kvd_client_t *c, const kvd_arg_t *keys, int n,
                           const kvd_arg_t *dst, uint64_t limit, op_mode_t mode)
{
    kvd_set_t **sets = kvd_calloc((size_t)n, sizeof(*sets));
    int missing;
    if (gather(c, keys, n, mode != OP_STORE, sets, &missing) < 0) {
        kvd_free(sets);
        return;
    }
    kvd_set_ctx_t ctx = kvd_set_cmd_ctx(c);
    inter_ctx_t k = {.limit = limit, .ctx = &ctx};
    if (mode == OP_REPLY) {
        size_t mark = kvd_reply_defer(c->reply);
        k.reply = c->reply;
        if (missing == 0)
            intersect(sets, n, &k);
        kvd_reply_set_array_len(c->reply, mark, (int64_t)k.count);
    } else if (mode == OP_CARD) {
        if (missing == 0)
            intersect(sets, n, &k);
        kvd_reply_int(c->reply, (int64_t)k.count);
    } else {
        k.result = kvd_set_create();
        if (missing == 0)
            intersect(sets, n, &k);
        KVD_ASSERT(kvd_set_size(k.result) == k.count);
        kvd_set_cmd_store(c, dst, k.result);
    }
    kvd_free(sets);
}

void kvd_sinter_command(kvd_client_t *c)
{
    sinter_generic(c, &c->argv[1], c->argc - 1, NULL, 0, OP_REPLY);
}

void kvd_sinterstore_command(kvd_client_t *c)
{
    sinter_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], 0, OP_STORE);
}

/* numkeys of SINTERCARD, or -1 when it is not an integer >= 1. */
static int64_t parse_numkeys(const char *p, size_t len)
{
    int64_t v;
    if (!kvd_str2ll(p, len, &v) || v < 1)
        return -1;
    return v;
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit]: every argument is checked before any key. */
void kvd_sintercard_command(kvd_client_t *c)
{
    int64_t numkeys = parse_numkeys(c->argv[1].ptr, c->argv[1].len);
    if (numkeys < 0) {
        kvd_reply_error(c->reply, "ERR numkeys should be greater than 0");
        return;
    }
    if (numkeys > c->argc - 2) {
        kvd_reply_error(c->reply, "ERR Number of keys can't be greater than number of args");
        return;
    }
    int64_t limit = 0;
    for (int i = 2 + (int)numkeys; i < c->argc; i += 2) {
        if (i + 1 < c->argc && kvd_arg_is(&c->argv[i], "limit")) {
            if (kvd_arg_ll_range(c, &c->argv[i + 1], 0, INT64_MAX, &limit,
                                 "LIMIT can't be negative") < 0)
                return;
        } else {
            kvd_reply_syntax_error(c);
            return;
        }
    }
    sinter_generic(c, &c->argv[2], (int)numkeys, NULL, (uint64_t)limit, OP_CARD);
}

int kvd_sintercard_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                           int max)
{
    if (argc < 3)
        return -1;
    int64_t numkeys = parse_numkeys(argv[1], lens[1]);
    if (numkeys < 0 || numkeys > argc - 2)
        return -1;
    int n = 0;
    for (int i = 0; i < numkeys && n < max; i++)
        out[n++] = 2 + i;
    return n;
}

typedef struct add_ctx {
    kvd_set_t *result;
    const kvd_set_ctx_t *ctx;
} add_ctx_t;

static void add_visit(const char *m, size_t len, void *arg)
{
    add_ctx_t *a = arg;
    kvd_set_add(a->result, a->ctx, m, len);
}

static void remove_visit(const char *m, size_t len, void *arg)
{
    kvd_set_remove(arg, m, len);
}

typedef struct diff_ctx {
    add_ctx_t add;
    kvd_set_t *const *others;
    int nothers;
} diff_ctx_t;

static void diff_visit(const char *m, size_t len, void *arg)
{
    diff_ctx_t *d = arg;
    for (int i = 0; i < d->nothers; i++) {
        if (d->others[i] != NULL && kvd_set_contains(d->others[i], m, len))
            return;
    }
    add_visit(m, len, &d->add);
}

/*
 * Redis picks one of two SDIFF algorithms by estimated work: test each
 * member of the first set against the others, or copy the first set and
 * remove the others' members.  The second leaves a hashtable when the
 * copy grew into one, however small the result, so we choose the same way
 * to report the same encoding.
 */
static void diff_into(kvd_set_t **sets, int n, add_ctx_t *a)
{
    if (sets[0] == NULL)
        return;
    uint64_t work_one = 0, work_two = 0;
    for (int i = 0; i < n; i++) {
        if (sets[i] == NULL)
            continue;
        work_one += kvd_set_size(sets[0]);
        work_two += kvd_set_size(sets[i]);
    }
    if (work_one / 2 <= work_two) {
        diff_ctx_t d = {.add = *a, .others = sets + 1, .nothers = n - 1};
        kvd_set_foreach(sets[0], diff_visit, &d);
        return;
    }
    kvd_set_foreach(sets[0], add_visit, a);
    for (int i = 1; i < n && kvd_set_size(a->result) > 0; i++) {
        if (sets[i] != NULL)
            kvd_set_foreach(sets[i], remove_visit, a->result);
    }
}

static void union_diff_generic(kvd_client_t *c, const kvd_arg_t *keys, int n,
                               const kvd_arg_t *dst, bool diff)
{
    kvd_set_t **sets = kvd_calloc((size_t)n, sizeof(*sets));
    int missing;
    if (gather(c, keys, n, dst == NULL, sets, &missing) < 0) {
        kvd_free(sets);
        return;
    }
    kvd_set_ctx_t ctx = kvd_set_cmd_ctx(c);
    add_ctx_t a = {.result = kvd_set_create(), .ctx = &ctx};
    if (diff) {
        diff_into(sets, n, &a);
    } else {
        for (int i = 0; i < n; i++) {
            if (sets[i] != NULL)
                kvd_set_foreach(sets[i], add_visit, &a);
        }
    }
    kvd_free(sets);
    if (dst != NULL) {
        kvd_set_cmd_store(c, dst, a.result);
        return;
    }
    KVD_VERIFY(kvd_set_verify_invariants(a.result));
    kvd_set_cmd_reply_all(c, a.result);
    kvd_set_destroy(a.result);
}

void kvd_sunion_command(kvd_client_t *c)
{
    union_diff_generic(c, &c->argv[1], c->argc - 1, NULL, false);
}

void kvd_sunionstore_command(kvd_client_t *c)
{
    union_diff_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], false);
}

void kvd_sdiff_command(kvd_client_t *c)
{
    union_diff_generic(c, &c->argv[1], c->argc - 1, NULL, true);
}

void kvd_sdiffstore_command(kvd_client_t *c)
{
    union_diff_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], true);
}

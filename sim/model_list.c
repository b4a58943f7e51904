/*
 * model_list.c - the model's list commands (Redis 7.0 t_list.c semantics:
 * which argument is checked first, what an absent key answers).
 */
#include "model.h"

static void reply_elem(model_t *m, const melem_t *e)
{
    mreply_bulk(m, e->a, e->alen);
}

/* A positive count (LPOP/RPOP/SPOP): Redis's getPositiveLong error. */
static bool parse_count(model_t *m, const kvd_arg_t *a, int64_t *out)
{
    if (!model_parse_ll(a->ptr, a->len, out) || *out < 0) {
        mreply_err(m, "ERR value is out of range, must be positive");
        return false;
    }
    return true;
}

static void cmd_push(model_t *m, int db, const kvd_arg_t *argv, int argc, bool left)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    if (wrong)
        return;
    if (k == NULL)
        k = model_create(m, db, &argv[1], MT_LIST);
    for (int i = 2; i < argc; i++)
        mel_insert(&k->v, left ? 0 : k->v.n, argv[i].ptr, argv[i].len, NULL, 0, 0);
    model_touch(m, db, &argv[1]);
    mreply_int(m, k->v.n);
}

static void cmd_pop(model_t *m, int db, const kvd_arg_t *argv, int argc, bool left)
{
    int64_t count = 1;
    bool has_count = argc == 3;
    if (has_count && !parse_count(m, &argv[2], &count))
        return;
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    if (wrong)
        return;
    if (k == NULL) {
        msb_add(&m->reply, has_count ? "*-1\r\n" : "$-1\r\n", 5);
        return;
    }
    int64_t n = count < k->v.n ? count : k->v.n;
    if (has_count)
        mreply_array(m, n);
    for (int64_t i = 0; i < n; i++) {
        int at = left ? 0 : k->v.n - 1;
        reply_elem(m, &k->v.el[at]);
        mel_remove(&k->v, at);
    }
    if (n > 0)
        model_touch(m, db, &argv[1]);
    model_drop_if_empty(k);
}

/* LRANGE / LTRIM index arithmetic: false when the range is empty. */
bool model_clamp_range(int64_t len, int64_t *start, int64_t *end)
{
    if (*start < 0)
        *start += len;
    if (*end < 0)
        *end += len;
    if (*start < 0)
        *start = 0;
    if (*start > *end || *start >= len)
        return false;
    if (*end >= len)
        *end = len - 1;
    return true;
}

static bool parse_two(model_t *m, const kvd_arg_t *a, const kvd_arg_t *b, int64_t *x, int64_t *y)
{
    if (!model_parse_ll(a->ptr, a->len, x) || !model_parse_ll(b->ptr, b->len, y)) {
        mreply_not_int(m);
        return false;
    }
    return true;
}

static void cmd_lrange(model_t *m, int db, const kvd_arg_t *argv)
{
    int64_t start, end;
    if (!parse_two(m, &argv[2], &argv[3], &start, &end))
        return;
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    if (wrong)
        return;
    if (k == NULL || !model_clamp_range(k->v.n, &start, &end)) {
        mreply_array(m, 0);
        return;
    }
    mreply_array(m, end - start + 1);
    for (int64_t i = start; i <= end; i++)
        reply_elem(m, &k->v.el[i]);
}

static void cmd_ltrim(model_t *m, int db, const kvd_arg_t *argv)
{
    int64_t start, end;
    if (!parse_two(m, &argv[2], &argv[3], &start, &end))
        return;
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    if (wrong)
        return;
    if (k != NULL) {
        int64_t len = k->v.n;
        bool keep = model_clamp_range(len, &start, &end);
        for (int64_t i = len - 1; i >= 0; i--)
            if (!keep || i < start || i > end)
                mel_remove(&k->v, (int)i);
        model_touch(m, db, &argv[1]); /* Redis signals even when nothing went */
        model_drop_if_empty(k);
    }
    mreply_ok(m);
}

static void cmd_llen(model_t *m, int db, const kvd_arg_t *argv)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    if (!wrong)
        mreply_int(m, k ? k->v.n : 0);
}

static void cmd_lindex(model_t *m, int db, const kvd_arg_t *argv)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    int64_t i;
    if (wrong)
        return;
    if (k == NULL) {
        mreply_nil(m); /* the key is looked up before the index is parsed */
        return;
    }
    if (!model_parse_ll(argv[2].ptr, argv[2].len, &i)) {
        mreply_not_int(m);
        return;
    }
    if (i < 0)
        i += k->v.n;
    if (i < 0 || i >= k->v.n)
        mreply_nil(m);
    else
        reply_elem(m, &k->v.el[i]);
}

static void cmd_lset(model_t *m, int db, const kvd_arg_t *argv)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    int64_t i;
    if (wrong)
        return;
    if (k == NULL) {
        mreply_err(m, "ERR no such key");
        return;
    }
    if (!model_parse_ll(argv[2].ptr, argv[2].len, &i)) {
        mreply_not_int(m);
        return;
    }
    if (i < 0)
        i += k->v.n;
    if (i < 0 || i >= k->v.n) {
        mreply_err(m, "ERR index out of range");
        return;
    }
    melem_t *e = &k->v.el[i];
    free(e->a);
    *e = (melem_t){0};
    e->a = malloc(argv[3].len + 1);
    KVD_ASSERT(e->a != NULL);
    memcpy(e->a, argv[3].ptr, argv[3].len);
    e->alen = argv[3].len;
    model_touch(m, db, &argv[1]);
    mreply_ok(m);
}

static void cmd_lrem(model_t *m, int db, const kvd_arg_t *argv)
{
    int64_t count;
    if (!model_parse_ll(argv[2].ptr, argv[2].len, &count)) {
        mreply_not_int(m);
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    if (wrong)
        return;
    int64_t removed = 0, limit = count < 0 ? -count : count;
    for (int step = 0; k != NULL && step < k->v.n; step++) {
        int i = count < 0 ? k->v.n - 1 - step : step;
        const melem_t *e = &k->v.el[i];
        if (e->alen != argv[3].len || memcmp(e->a, argv[3].ptr, e->alen) != 0)
            continue;
        mel_remove(&k->v, i);
        step--;
        if (++removed == limit)
            break;
    }
    if (removed > 0)
        model_touch(m, db, &argv[1]), model_drop_if_empty(k);
    mreply_int(m, removed);
}

static bool parse_side(const kvd_arg_t *a, bool *left)
{
    *left = model_arg_is(a, "LEFT");
    return *left || model_arg_is(a, "RIGHT");
}

static void cmd_lmove(model_t *m, int db, const kvd_arg_t *argv)
{
    bool from_left, to_left, wrong;
    if (!parse_side(&argv[3], &from_left) || !parse_side(&argv[4], &to_left)) {
        mreply_syntax(m);
        return;
    }
    model_key_t *src = model_find_typed(m, db, &argv[1], MT_LIST, &wrong);
    if (wrong)
        return;
    if (src == NULL) {
        mreply_nil(m);
        return;
    }
    model_key_t *dst = model_find_typed(m, db, &argv[2], MT_LIST, &wrong);
    if (wrong)
        return;
    int at = from_left ? 0 : src->v.n - 1;
    melem_t e = src->v.el[at];
    src->v.el[at] = (melem_t){0};
    mel_remove(&src->v, at);
    if (dst == NULL) /* (LMOVE k k found dst == src, even when it empties) */
        dst = model_create(m, db, &argv[2], MT_LIST);
    mel_insert(&dst->v, to_left ? 0 : dst->v.n, e.a, e.alen, NULL, 0, 0);
    mreply_bulk(m, e.a, e.alen);
    free(e.a);
    model_touch(m, db, &argv[2]);
    model_touch(m, db, &argv[1]);
    model_drop_if_empty(src);
}

bool model_exec_list(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    const kvd_arg_t *a0 = &argv[0];
    if (model_arg_is(a0, "LPUSH") || model_arg_is(a0, "RPUSH"))
        cmd_push(m, db, argv, argc, model_arg_is(a0, "LPUSH"));
    else if (model_arg_is(a0, "LPOP") || model_arg_is(a0, "RPOP"))
        cmd_pop(m, db, argv, argc, model_arg_is(a0, "LPOP"));
    else if (model_arg_is(a0, "LRANGE"))
        cmd_lrange(m, db, argv);
    else if (model_arg_is(a0, "LTRIM"))
        cmd_ltrim(m, db, argv);
    else if (model_arg_is(a0, "LLEN"))
        cmd_llen(m, db, argv);
    else if (model_arg_is(a0, "LINDEX"))
        cmd_lindex(m, db, argv);
    else if (model_arg_is(a0, "LSET"))
        cmd_lset(m, db, argv);
    else if (model_arg_is(a0, "LREM"))
        cmd_lrem(m, db, argv);
    else if (model_arg_is(a0, "LMOVE"))
        cmd_lmove(m, db, argv);
    else
        return false;
    return true;
}

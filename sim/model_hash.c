/*
 * model_hash.c - the model's hash commands (Redis 7.0 t_hash.c).
 * Fields are kept sorted; HGETALL answers in that order.
 */
#include "model.h"

static void cmd_hset(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    KVD_ASSERT(argc >= 4 && argc % 2 == 0);
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_HASH, &wrong);
    if (wrong)
        return;
    if (k == NULL)
        k = model_create(m, db, &argv[1], MT_HASH);
    int64_t added = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        int at = mel_find(&k->v, argv[i].ptr, argv[i].len);
        if (at >= 0) {
            mel_set_b(&k->v.el[at], argv[i + 1].ptr, argv[i + 1].len);
            continue;
        }
        at = mel_sorted_pos(&k->v, argv[i].ptr, argv[i].len);
        mel_insert(&k->v, at, argv[i].ptr, argv[i].len, argv[i + 1].ptr, argv[i + 1].len, 0);
        added++;
    }
    model_touch(m, db, &argv[1]);
    mreply_int(m, added);
}

static void cmd_hget(model_t *m, int db, const kvd_arg_t *argv, bool exists)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_HASH, &wrong);
    if (wrong)
        return;
    int at = k ? mel_find(&k->v, argv[2].ptr, argv[2].len) : -1;
    if (exists)
        mreply_int(m, at >= 0);
    else if (at < 0)
        mreply_nil(m);
    else
        mreply_bulk(m, k->v.el[at].b, k->v.el[at].blen);
}

static void cmd_hdel(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    model_remove_members(m, db, argv, argc, MT_HASH);
}

static void cmd_hincrby(model_t *m, int db, const kvd_arg_t *argv)
{
    int64_t by, old = 0;
    if (!model_parse_ll(argv[3].ptr, argv[3].len, &by)) {
        mreply_not_int(m);
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_HASH, &wrong);
    if (wrong)
        return;
    int at = k ? mel_find(&k->v, argv[2].ptr, argv[2].len) : -1;
    if (at >= 0 && !model_parse_ll(k->v.el[at].b, k->v.el[at].blen, &old)) {
        mreply_err(m, "ERR hash value is not an integer");
        return;
    }
    if ((by < 0 && old < 0 && by < INT64_MIN - old) ||
        (by > 0 && old > 0 && by > INT64_MAX - old)) {
        mreply_err(m, "ERR increment or decrement would overflow");
        return;
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)(old + by));
    if (k == NULL)
        k = model_create(m, db, &argv[1], MT_HASH);
    if (at >= 0)
        mel_set_b(&k->v.el[at], buf, (size_t)n);
    else
        mel_insert(&k->v, mel_sorted_pos(&k->v, argv[2].ptr, argv[2].len), argv[2].ptr,
                   argv[2].len, buf, (size_t)n, 0);
    model_touch(m, db, &argv[1]);
    mreply_int(m, old + by);
}

static void cmd_hgetall(model_t *m, int db, const kvd_arg_t *argv, bool len_only)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_HASH, &wrong);
    if (wrong)
        return;
    int n = k ? k->v.n : 0;
    if (len_only) {
        mreply_int(m, n);
        return;
    }
    mreply_array(m, 2 * n);
    for (int i = 0; i < n; i++) {
        mreply_bulk(m, k->v.el[i].a, k->v.el[i].alen);
        mreply_bulk(m, k->v.el[i].b, k->v.el[i].blen);
    }
}

bool model_exec_hash(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    const kvd_arg_t *a0 = &argv[0];
    if (model_arg_is(a0, "HSET"))
        cmd_hset(m, db, argv, argc);
    else if (model_arg_is(a0, "HGET") || model_arg_is(a0, "HEXISTS"))
        cmd_hget(m, db, argv, model_arg_is(a0, "HEXISTS"));
    else if (model_arg_is(a0, "HDEL"))
        cmd_hdel(m, db, argv, argc);
    else if (model_arg_is(a0, "HINCRBY"))
        cmd_hincrby(m, db, argv);
    else if (model_arg_is(a0, "HGETALL") || model_arg_is(a0, "HLEN"))
        cmd_hgetall(m, db, argv, model_arg_is(a0, "HLEN"));
    else
        return false;
    return true;
}

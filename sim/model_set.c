/*
 * model_set.c - the model's set commands (Redis 7.0 t_set.c).  Members
 * are kept sorted; SMEMBERS answers in that order.  SPOP's choice is
 * kvd's (the oracle): the model checks it is a valid one and follows it.
 */
#include "model.h"

static void cmd_sadd(model_t *m, int db, const kvd_arg_t *argv, int argc, bool add)
{
    if (!add) {
        model_remove_members(m, db, argv, argc, MT_SET);
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_SET, &wrong);
    if (wrong)
        return;
    if (k == NULL)
        k = model_create(m, db, &argv[1], MT_SET);
    int64_t n = 0;
    for (int i = 2; i < argc; i++) {
        if (mel_find(&k->v, argv[i].ptr, argv[i].len) < 0)
            mel_insert(&k->v, mel_sorted_pos(&k->v, argv[i].ptr, argv[i].len), argv[i].ptr,
                       argv[i].len, NULL, 0, 0), n++;
    }
    if (n > 0)
        model_touch(m, db, &argv[1]);
    mreply_int(m, n);
}

static void cmd_sread(model_t *m, int db, const kvd_arg_t *argv, const char *which)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_SET, &wrong);
    if (wrong)
        return;
    int n = k ? k->v.n : 0;
    if (strcmp(which, "SCARD") == 0) {
        mreply_int(m, n);
    } else if (strcmp(which, "SISMEMBER") == 0) {
        mreply_int(m, k && mel_find(&k->v, argv[2].ptr, argv[2].len) >= 0);
    } else {
        mreply_array(m, n);
        for (int i = 0; i < n; i++)
            mreply_bulk(m, k->v.el[i].a, k->v.el[i].alen);
    }
}

/* One bulk string of the oracle at *pos; false if there is none. */
static bool oracle_bulk(const model_t *m, size_t *pos, const char **p, size_t *n)
{
    const char *r = m->oracle;
    size_t len = m->oracle_len, i = *pos;
    if (i >= len || r[i] != '$')
        return false;
    long long v = strtoll(r + i + 1, NULL, 10);
    const char *crlf = memchr(r + i, '\n', len - i);
    if (v < 0 || crlf == NULL)
        return false;
    size_t start = (size_t)(crlf - r) + 1;
    if (start + (size_t)v + 2 > len)
        return false;
    *p = r + start, *n = (size_t)v;
    *pos = start + (size_t)v + 2;
    return true;
}

/* Remove the members kvd popped (want of them); false if not valid. */
static bool spop_follow(model_t *m, model_key_t *k, int64_t want, bool has_count)
{
    size_t pos = 0;
    if (has_count) {
        char head[32];
        int hn = snprintf(head, sizeof(head), "*%lld\r\n", (long long)want);
        if (m->oracle_len < (size_t)hn || memcmp(m->oracle, head, (size_t)hn) != 0)
            return false;
        pos = (size_t)hn;
    }
    for (int64_t i = 0; i < want; i++) {
        const char *p;
        size_t n;
        if (!oracle_bulk(m, &pos, &p, &n))
            return false;
        int at = mel_find(&k->v, p, n);
        if (at < 0)
            return false; /* not a member, or popped twice */
        mel_remove(&k->v, at);
    }
    return pos == m->oracle_len;
}

static void cmd_spop(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    int64_t count = 1;
    bool has_count = argc == 3;
    if (has_count && (!model_parse_ll(argv[2].ptr, argv[2].len, &count) || count < 0)) {
        mreply_err(m, "ERR value is out of range, must be positive");
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_SET, &wrong);
    if (wrong)
        return;
    if (k == NULL || count == 0) {
        msb_add(&m->reply, has_count ? "*0\r\n" : "$-1\r\n", has_count ? 4 : 5);
        return;
    }
    m->st.spops++;
    int64_t want = count < k->v.n ? count : k->v.n;
    if (!spop_follow(m, k, want, has_count)) {
        mreply_err(m, "MODEL: SPOP did not pop distinct members of the set, as many as asked");
        return;
    }
    msb_add(&m->reply, m->oracle, m->oracle_len);
    model_touch(m, db, &argv[1]);
    model_drop_if_empty(k);
}

static void cmd_smove(model_t *m, int db, const kvd_arg_t *argv)
{
    model_key_t *src = model_find(m, db, &argv[1]);
    model_key_t *dst = model_find(m, db, &argv[2]);
    if (src == NULL) {
        mreply_int(m, 0); /* before any type check */
        return;
    }
    if (src->v.type != MT_SET || (dst != NULL && dst->v.type != MT_SET)) {
        mreply_wrongtype(m);
        return;
    }
    int at = mel_find(&src->v, argv[3].ptr, argv[3].len);
    if (src == dst || at < 0) {
        mreply_int(m, at >= 0);
        return;
    }
    mel_remove(&src->v, at);
    model_touch(m, db, &argv[1]);
    model_drop_if_empty(src);
    if (dst == NULL)
        dst = model_create(m, db, &argv[2], MT_SET);
    if (mel_find(&dst->v, argv[3].ptr, argv[3].len) < 0) { /* dst is signalled only then */
        mel_insert(&dst->v, mel_sorted_pos(&dst->v, argv[3].ptr, argv[3].len), argv[3].ptr,
                   argv[3].len, NULL, 0, 0);
        model_touch(m, db, &argv[2]);
    }
    mreply_int(m, 1);
}

bool model_exec_set(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    const kvd_arg_t *a0 = &argv[0];
    if (model_arg_is(a0, "SADD") || model_arg_is(a0, "SREM"))
        cmd_sadd(m, db, argv, argc, model_arg_is(a0, "SADD"));
    else if (model_arg_is(a0, "SCARD"))
        cmd_sread(m, db, argv, "SCARD");
    else if (model_arg_is(a0, "SISMEMBER"))
        cmd_sread(m, db, argv, "SISMEMBER");
    else if (model_arg_is(a0, "SMEMBERS"))
        cmd_sread(m, db, argv, "SMEMBERS");
    else if (model_arg_is(a0, "SPOP"))
        cmd_spop(m, db, argv, argc);
    else if (model_arg_is(a0, "SMOVE"))
        cmd_smove(m, db, argv);
    else
        return false;
    return true;
}

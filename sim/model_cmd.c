/*
 * model_cmd.c - the reference model's string and keyspace commands: what
 * Redis 7.0 replies.
 *
 * Each function assumes the arity the workload generates (checked by
 * KVD_ASSERT), and follows Redis's order of checks: argument syntax first,
 * then numeric arguments, then the key.
 */
#include "model.h"

typedef struct set_opts {
    bool nx, xx, get, keepttl;
    const kvd_arg_t *ex, *px;
} set_opts_t;

static void reply_value(model_t *m, const model_key_t *k)
{
    if (k == NULL)
        mreply_nil(m);
    else
        mreply_bulk(m, k->v.s, k->v.slen);
}

static bool set_parse(const kvd_arg_t *argv, int argc, set_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 3; i < argc; i++) {
        const kvd_arg_t *a = &argv[i];
        bool has_next = i + 1 < argc;
        if (model_arg_is(a, "NX") && !o->xx)
            o->nx = true;
        else if (model_arg_is(a, "XX") && !o->nx)
            o->xx = true;
        else if (model_arg_is(a, "GET"))
            o->get = true;
        else if (model_arg_is(a, "KEEPTTL") && !o->ex && !o->px)
            o->keepttl = true;
        else if (model_arg_is(a, "EX") && !o->keepttl && !o->px && has_next)
            o->ex = &argv[++i];
        else if (model_arg_is(a, "PX") && !o->keepttl && !o->ex && has_next)
            o->px = &argv[++i];
        else
            return false;
    }
    return true;
}

/* Absolute expiry for SET EX/PX; false after replying the error. */
static bool set_when(model_t *m, const set_opts_t *o, int64_t *when)
{
    const kvd_arg_t *a = o->ex ? o->ex : o->px;
    int64_t v;
    if (!model_parse_ll(a->ptr, a->len, &v)) {
        mreply_not_int(m);
        return false;
    }
    if (v <= 0 || (o->ex && v > INT64_MAX / 1000)) {
        mreply_err(m, "ERR invalid expire time in 'set' command");
        return false;
    }
    v = o->ex ? v * 1000 : v;
    if (v > INT64_MAX - m->now_ms) {
        mreply_err(m, "ERR invalid expire time in 'set' command");
        return false;
    }
    *when = m->now_ms + v;
    return true;
}

static void cmd_set(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    set_opts_t o;
    if (!set_parse(argv, argc, &o)) {
        mreply_syntax(m);
        return;
    }
    int64_t when = -1;
    if ((o.ex || o.px) && !set_when(m, &o, &when))
        return;
    bool wrong = false;
    model_key_t *k = o.get ? model_find_typed(m, db, &argv[1], MT_STRING, &wrong)
                           : model_find(m, db, &argv[1]);
    if (wrong)
        return; /* SET ... GET of a non-string: nothing is set */
    if (o.get)
        reply_value(m, k);
    if ((o.nx && k != NULL) || (o.xx && k == NULL)) {
        if (!o.get)
            mreply_nil(m);
        return;
    }
    k = model_store(m, db, &argv[1], argv[2].ptr, argv[2].len, o.keepttl);
    model_touch(m, db, &argv[1]);
    if (when >= 0)
        k->expire_ms = when;
    if (!o.get)
        mreply_ok(m);
}

static void cmd_get(model_t *m, int db, const kvd_arg_t *argv, bool del)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_STRING, &wrong);
    if (wrong)
        return;
    reply_value(m, k);
    if (del && k != NULL)
        model_delete(k), model_touch(m, db, &argv[1]);
}

static void cmd_del_exists(model_t *m, int db, const kvd_arg_t *argv, int argc, bool del)
{
    int64_t n = 0;
    for (int i = 1; i < argc; i++) {
        model_key_t *k = model_find(m, db, &argv[i]);
        if (k == NULL)
            continue;
        n++;
        if (del)
            model_delete(k), model_touch(m, db, &argv[i]);
    }
    mreply_int(m, n);
}

static void cmd_incrby(model_t *m, int db, const kvd_arg_t *key, const kvd_arg_t *by)
{
    int64_t incr = 1, old = 0;
    if (by != NULL && !model_parse_ll(by->ptr, by->len, &incr)) {
        mreply_not_int(m);
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, key, MT_STRING, &wrong);
    if (wrong)
        return;
    if (k != NULL && !model_parse_ll(k->v.s, k->v.slen, &old)) {
        mreply_not_int(m);
        return;
    }
    if ((incr < 0 && old < 0 && incr < INT64_MIN - old) ||
        (incr > 0 && old > 0 && incr > INT64_MAX - old)) {
        mreply_err(m, "ERR increment or decrement would overflow");
        return;
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)(old + incr));
    model_store(m, db, key, buf, (size_t)n, true);
    model_touch(m, db, key);
    mreply_int(m, old + incr);
}

static void cmd_append(model_t *m, int db, const kvd_arg_t *argv)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_STRING, &wrong);
    if (wrong)
        return;
    model_sb_t nv = {0};
    if (k != NULL)
        msb_add(&nv, k->v.s, k->v.slen);
    msb_add(&nv, argv[2].ptr, argv[2].len);
    k = model_store(m, db, &argv[1], nv.p, nv.len, true);
    free(nv.p);
    model_touch(m, db, &argv[1]);
    mreply_int(m, (int64_t)k->v.slen);
}

static void cmd_strlen(model_t *m, int db, const kvd_arg_t *argv)
{
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_STRING, &wrong);
    if (!wrong)
        mreply_int(m, k ? (int64_t)k->v.slen : 0);
}

/* EXPIRE / PEXPIRE: a time at or before now deletes the key (and counts). */
static void cmd_expire(model_t *m, int db, const kvd_arg_t *argv, bool seconds)
{
    int64_t v;
    if (!model_parse_ll(argv[2].ptr, argv[2].len, &v)) {
        mreply_not_int(m);
        return;
    }
    const char *err = seconds ? "ERR invalid expire time in 'expire' command"
                              : "ERR invalid expire time in 'pexpire' command";
    if (seconds && (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)) {
        mreply_err(m, err);
        return;
    }
    v = seconds ? v * 1000 : v;
    /* Only the upward overflow is an error; a negative time just means "past". */
    if (v > INT64_MAX - m->now_ms) {
        mreply_err(m, err);
        return;
    }
    int64_t when = m->now_ms + v;
    model_key_t *k = model_find(m, db, &argv[1]);
    if (k == NULL) {
        mreply_int(m, 0);
        return;
    }
    if (when <= m->now_ms)
        model_delete(k);
    else
        k->expire_ms = when;
    model_touch(m, db, &argv[1]);
    mreply_int(m, 1);
}

static void cmd_ttl(model_t *m, int db, const kvd_arg_t *argv, bool seconds)
{
    model_key_t *k = model_find(m, db, &argv[1]);
    if (k == NULL) {
        mreply_int(m, -2);
        return;
    }
    if (k->expire_ms < 0) {
        mreply_int(m, -1);
        return;
    }
    int64_t ttl = k->expire_ms - m->now_ms;
    KVD_ASSERT(ttl >= 0);
    mreply_int(m, seconds ? (ttl + 500) / 1000 : ttl);
}

static void cmd_persist(model_t *m, int db, const kvd_arg_t *argv)
{
    model_key_t *k = model_find(m, db, &argv[1]);
    bool had = k != NULL && k->expire_ms >= 0;
    if (had)
        k->expire_ms = -1, model_touch(m, db, &argv[1]);
    mreply_int(m, had ? 1 : 0);
}

static void cmd_type(model_t *m, int db, const kvd_arg_t *argv)
{
    static const char *const names[] = {"none", "string", "list", "hash", "set", "zset"};
    model_key_t *k = model_find(m, db, &argv[1]);
    msb_fmt(&m->reply, "+%s\r\n", names[k ? k->v.type : MT_NONE]);
}

static void cmd_getrange(model_t *m, int db, const kvd_arg_t *argv)
{
    int64_t start, end;
    if (!model_parse_ll(argv[2].ptr, argv[2].len, &start) ||
        !model_parse_ll(argv[3].ptr, argv[3].len, &end)) {
        mreply_not_int(m);
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_STRING, &wrong);
    if (wrong)
        return;
    int64_t len = k ? (int64_t)k->v.slen : 0;
    if (k == NULL || (start < 0 && end < 0 && start > end)) {
        mreply_bulk(m, "", 0);
        return;
    }
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    start = start < 0 ? 0 : start;
    end = end < 0 ? 0 : end;
    if (end >= len)
        end = len - 1;
    if (start > end || len == 0) {
        mreply_bulk(m, "", 0);
        return;
    }
    mreply_bulk(m, k->v.s + start, (size_t)(end - start + 1));
}

static void cmd_setrange(model_t *m, int db, const kvd_arg_t *argv)
{
    int64_t off;
    if (!model_parse_ll(argv[2].ptr, argv[2].len, &off)) {
        mreply_not_int(m);
        return;
    }
    if (off < 0) {
        mreply_err(m, "ERR offset is out of range");
        return;
    }
    bool wrong;
    model_key_t *k = model_find_typed(m, db, &argv[1], MT_STRING, &wrong);
    if (wrong)
        return;
    size_t olen = k ? k->v.slen : 0;
    if (argv[3].len == 0) {
        mreply_int(m, (int64_t)olen);
        return;
    }
    size_t nlen = (size_t)off + argv[3].len > olen ? (size_t)off + argv[3].len : olen;
    char *nv = calloc(nlen + 1, 1); /* the gap reads as zero bytes */
    KVD_ASSERT(nv != NULL);
    if (olen > 0)
        memcpy(nv, k->v.s, olen);
    memcpy(nv + off, argv[3].ptr, argv[3].len);
    model_store(m, db, &argv[1], nv, nlen, true);
    model_touch(m, db, &argv[1]);
    free(nv);
    mreply_int(m, (int64_t)nlen);
}

static void cmd_mset(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    KVD_ASSERT(argc >= 3 && argc % 2 == 1);
    for (int i = 1; i + 1 < argc; i += 2) {
        model_store(m, db, &argv[i], argv[i + 1].ptr, argv[i + 1].len, false);
        model_touch(m, db, &argv[i]);
    }
    mreply_ok(m);
}

static void cmd_mget(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    msb_fmt(&m->reply, "*%d\r\n", argc - 1);
    for (int i = 1; i < argc; i++) {
        model_key_t *k = model_find(m, db, &argv[i]);
        reply_value(m, k != NULL && k->v.type == MT_STRING ? k : NULL);
    }
}

bool model_exec_string(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    const kvd_arg_t *a0 = &argv[0];
    if (model_arg_is(a0, "SET"))
        cmd_set(m, db, argv, argc);
    else if (model_arg_is(a0, "GET") || model_arg_is(a0, "GETDEL"))
        cmd_get(m, db, argv, model_arg_is(a0, "GETDEL"));
    else if (model_arg_is(a0, "DEL") || model_arg_is(a0, "EXISTS"))
        cmd_del_exists(m, db, argv, argc, model_arg_is(a0, "DEL"));
    else if (model_arg_is(a0, "INCR"))
        cmd_incrby(m, db, &argv[1], NULL);
    else if (model_arg_is(a0, "INCRBY"))
        cmd_incrby(m, db, &argv[1], &argv[2]);
    else if (model_arg_is(a0, "APPEND"))
        cmd_append(m, db, argv);
    else if (model_arg_is(a0, "STRLEN"))
        cmd_strlen(m, db, argv);
    else if (model_arg_is(a0, "EXPIRE") || model_arg_is(a0, "PEXPIRE"))
        cmd_expire(m, db, argv, model_arg_is(a0, "EXPIRE"));
    else if (model_arg_is(a0, "TTL") || model_arg_is(a0, "PTTL"))
        cmd_ttl(m, db, argv, model_arg_is(a0, "TTL"));
    else if (model_arg_is(a0, "TYPE"))
        cmd_type(m, db, argv);
    else if (model_arg_is(a0, "PERSIST"))
        cmd_persist(m, db, argv);
    else if (model_arg_is(a0, "GETRANGE"))
        cmd_getrange(m, db, argv);
    else if (model_arg_is(a0, "SETRANGE"))
        cmd_setrange(m, db, argv);
    else if (model_arg_is(a0, "MSET"))
        cmd_mset(m, db, argv, argc);
    else if (model_arg_is(a0, "MGET"))
        cmd_mget(m, db, argv, argc);
    else
        return false;
    return true;
}

/*
 * durable.c - the undo log of the reference model and the prefix check
 * at recovery (the rule is in durable.h).
 */
#include "durable.h"

#include <stdio.h>

#include "cmd/client.h"
#include "trace.h"
#include "workload.h"

#define LINE_KEEP 120

/* One key as it was before a command ran (v.type MT_NONE: no value). */
typedef struct snap {
    int db;
    char *name;
    size_t nlen;
    model_val_t v;
    int64_t expire_ms;
} snap_t;

typedef struct entry {
    snap_t *snaps;
    int nsnaps;
    bool changed, acked;
    char line[LINE_KEEP];
} entry_t;

/* A live value as canonical bytes (absent: p == NULL) as of some time. */
typedef struct kval {
    const char *p;
    size_t n;
    int64_t expire_ms;
} kval_t;

struct sim_durable {
    int nkeys;
    entry_t *log;
    uint64_t n, cap;
    uint64_t base; /* index of log[0] since the simulator started */
    model_sb_t sa, sb; /* scratch for canonical values */
};

sim_durable_t *sim_durable_new(int nkeys)
{
    sim_durable_t *u = kvd_calloc(1, sizeof(*u));
    u->nkeys = nkeys;
    return u;
}

static void entry_free(entry_t *e)
{
    for (int i = 0; i < e->nsnaps; i++)
        kvd_free(e->snaps[i].name), model_val_clear(&e->snaps[i].v);
    kvd_free(e->snaps);
}

static void log_clear(sim_durable_t *u)
{
    for (uint64_t i = 0; i < u->n; i++)
        entry_free(&u->log[i]);
    u->base += u->n;
    u->n = 0;
}

void sim_durable_free(sim_durable_t *u)
{
    log_clear(u);
    free(u->sa.p), free(u->sb.p);
    kvd_free(u->log);
    kvd_free(u);
}

static kval_t model_live(model_t *m, int db, const char *name, size_t nlen, int64_t now_ms,
                         model_sb_t *buf)
{
    int64_t exp;
    const char *p = model_canon(m, db, name, nlen, now_ms, buf, &exp);
    return (kval_t){p, p ? buf->len : 0, exp};
}

static kval_t snap_live(const snap_t *sn, int64_t now_ms, model_sb_t *buf)
{
    int64_t exp = sn->expire_ms;
    const char *p = model_canon_val(&sn->v, &exp, now_ms, buf);
    return (kval_t){p, p ? buf->len : 0, exp};
}

static bool same(kval_t a, kval_t b)
{
    if (a.p == NULL || b.p == NULL)
        return a.p == b.p;
    return a.n == b.n && memcmp(a.p, b.p, a.n) == 0 && a.expire_ms == b.expire_ms;
}

static char *dup_bytes(const char *p, size_t n)
{
    char *c = kvd_malloc(n + 1);
    if (n > 0)
        memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

/* The namespace of a key name (workload.h), or -1 when it names none. */
static int key_ns(const char *p, size_t n, int *rank)
{
    for (int ns = 0; ns < SIM_NS_COUNT; ns++) {
        size_t pl = strlen(sim_ns_prefix[ns]);
        if (n > pl && n < 32 && memcmp(p, sim_ns_prefix[ns], pl) == 0) {
            char tmp[32];
            memcpy(tmp, p + pl, n - pl);
            tmp[n - pl] = '\0';
            *rank = atoi(tmp);
            return ns;
        }
    }
    return -1;
}

static void snap_key(entry_t *e, model_t *m, int db, const char *name, size_t nlen)
{
    snap_t *sn = &e->snaps[e->nsnaps++];
    model_key_t *k = model_slot(m, db, name, nlen);
    *sn = (snap_t){.db = db, .name = dup_bytes(name, nlen), .nlen = nlen, .expire_ms = -1};
    if (k != NULL && k->v.type != MT_NONE) {
        model_val_copy(&sn->v, &k->v);
        sn->expire_ms = k->expire_ms;
    }
}

uint64_t sim_durable_before(sim_durable_t *u, model_t *m, int db, const kvd_arg_t *argv, int argc,
                            const char *line)
{
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 1024;
        u->log = kvd_realloc(u->log, u->cap * sizeof(*u->log));
    }
    entry_t *e = &u->log[u->n];
    bool flush = model_arg_is(&argv[0], "FLUSHDB");
    int most = flush ? m->dbs[db].nkeys : argc;
    *e = (entry_t){.snaps = kvd_calloc((size_t)most + 1, sizeof(snap_t))};
    snprintf(e->line, sizeof(e->line), "%s", line);
    if (flush) {
        for (int i = 0; i < m->dbs[db].nkeys; i++)
            snap_key(e, m, db, m->dbs[db].keys[i].name, m->dbs[db].keys[i].nlen);
        return u->base + u->n++;
    }
    /* Every argument named like a key: values never are, and saving a
     * key the command does not touch is harmless. */
    for (int i = 1; i < argc; i++) {
        int rank;
        if (key_ns(argv[i].ptr, argv[i].len, &rank) >= 0)
            snap_key(e, m, db, argv[i].ptr, argv[i].len);
    }
    return u->base + u->n++;
}

void sim_durable_after(sim_durable_t *u, model_t *m, int64_t now_ms)
{
    KVD_ASSERT(u->n > 0);
    entry_t *e = &u->log[u->n - 1];
    for (int i = 0; i < e->nsnaps && !e->changed; i++) {
        const snap_t *sn = &e->snaps[i];
        kval_t before = snap_live(sn, now_ms, &u->sa);
        e->changed = !same(before, model_live(m, sn->db, sn->name, sn->nlen, now_ms, &u->sb));
    }
}

void sim_durable_acked(sim_durable_t *u, uint64_t idx)
{
    /* A reply from before the last restart acknowledges nothing now. */
    if (idx >= u->base && idx - u->base < u->n)
        u->log[idx - u->base].acked = true;
}

static void restore(model_t *m, const snap_t *sn)
{
    model_key_t *k = model_slot(m, sn->db, sn->name, sn->nlen);
    if (k == NULL) {
        KVD_ASSERT(sn->v.type == MT_NONE); /* slots are never reclaimed */
        return;
    }
    model_val_clear(&k->v);
    model_val_copy(&k->v, &sn->v);
    k->expire_ms = sn->expire_ms;
}

/* The recovered keyspace, key by key, read once: [(db * NS + ns) * nkeys + rank]. */
typedef struct recovered {
    char **val; /* canonical bytes, NULL when absent */
    size_t *vlen;
    int64_t *expire_ms;
    bool *bad; /* differs from the model right now */
    int nbad;
} recovered_t;

static int key_count(int nkeys)
{
    return MODEL_DBS * SIM_NS_COUNT * nkeys;
}

static void key_name(int i, int nkeys, char *out, size_t cap)
{
    snprintf(out, cap, "%s%d", sim_ns_prefix[(i / nkeys) % SIM_NS_COUNT], i % nkeys);
}

static int key_db(int i, int nkeys)
{
    return i / nkeys / SIM_NS_COUNT;
}

/* kvd's value of e in db d as canonical bytes: the read that returns it
 * whole, run through dispatch, its reply put in the model's order. */
static char *kvd_canon(kvd_shard_t *s, int d, const kvd_entry_t *e, const char *name,
                       size_t *len)
{
    static const char *const reads[][5] = {
        [KVD_TYPE_STRING] = {"GET"}, [KVD_TYPE_LIST] = {"LRANGE", "", "0", "-1"},
        [KVD_TYPE_HASH] = {"HGETALL"}, [KVD_TYPE_SET] = {"SMEMBERS"},
        [KVD_TYPE_ZSET] = {"ZRANGE", "", "0", "-1", "WITHSCORES"}};
    static const model_type_t types[] = {[KVD_TYPE_STRING] = MT_STRING, [KVD_TYPE_LIST] = MT_LIST,
                                         [KVD_TYPE_HASH] = MT_HASH, [KVD_TYPE_SET] = MT_SET,
                                         [KVD_TYPE_ZSET] = MT_ZSET};
    kvd_type_t t = kvd_entry_type(e);
    kvd_arg_t argv[5];
    int argc = 0;
    for (; argc < 5 && reads[t][argc] != NULL; argc++)
        argv[argc] = (kvd_arg_t){.ptr = (char *)reads[t][argc], .len = strlen(reads[t][argc])};
    argc = argc < 2 ? 2 : argc;
    argv[1] = (kvd_arg_t){.ptr = (char *)name, .len = strlen(name)};
    kvd_client_t c;
    kvd_buf_t buf;
    kvd_buf_init(&buf);
    kvd_client_init(&c, s);
    c.reply = &buf;
    KVD_ASSERT(kvd_client_select(&c, d) == 0);
    c.argc = argc, c.argv = argv;
    kvd_dispatch(&c);
    c.argc = 0, c.argv = NULL;
    model_sb_t norm = {0}, out = {0};
    model_normalize_reply(argv, argc, buf.data, buf.len, &norm);
    msb_fmt(&out, "%c", model_type_letter(types[t]));
    msb_add(&out, norm.p, norm.len);
    kvd_client_release(&c);
    kvd_buf_free(&buf);
    free(norm.p);
    *len = out.len;
    char *res = dup_bytes(out.p, out.len);
    free(out.p);
    return res;
}

static void read_recovered(recovered_t *r, kvd_shard_t *s, int nkeys, int64_t now_ms)
{
    for (int i = 0; i < key_count(nkeys); i++) {
        char name[32];
        int d = key_db(i, nkeys);
        key_name(i, nkeys, name, sizeof(name));
        kvd_entry_t *e = kvd_db_find(s->dbs[d], name, strlen(name));
        r->expire_ms[i] = -1;
        if (e == NULL)
            continue;
        int64_t exp = kvd_db_get_expire(s->dbs[d], e);
        if (exp >= 0 && now_ms > exp)
            continue;
        r->val[i] = kvd_canon(s, d, e, name, &r->vlen[i]);
        r->expire_ms[i] = exp;
    }
}

static void recheck(sim_durable_t *u, recovered_t *r, model_t *m, int i, int64_t now_ms)
{
    char name[32];
    key_name(i, u->nkeys, name, sizeof(name));
    kval_t want = {r->val[i], r->vlen[i], r->expire_ms[i]};
    kval_t have = model_live(m, key_db(i, u->nkeys), name, strlen(name), now_ms, &u->sa);
    bool bad = !same(have, want);
    r->nbad += (int)bad - (int)r->bad[i];
    r->bad[i] = bad;
}

static int index_of(const snap_t *sn, int nkeys)
{
    int rank, ns = key_ns(sn->name, sn->nlen, &rank);
    if (ns < 0 || rank < 0 || rank >= nkeys)
        return -1;
    return (sn->db * SIM_NS_COUNT + ns) * nkeys + rank;
}

/* The first key on which the model (as it is now) and r disagree. */
static void describe_mismatch(sim_durable_t *u, const recovered_t *r, model_t *m, int64_t now_ms,
                              char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < key_count(u->nkeys); i++) {
        if (!r->bad[i])
            continue;
        char name[32], mb[160], rb[160];
        key_name(i, u->nkeys, name, sizeof(name));
        kval_t mv = model_live(m, key_db(i, u->nkeys), name, strlen(name), now_ms, &u->sa);
        sim_escape(mv.p ? mv.p : "absent", mv.p ? mv.n : 6, mb, sizeof(mb));
        sim_escape(r->val[i] ? r->val[i] : "absent", r->val[i] ? r->vlen[i] : 6, rb, sizeof(rb));
        snprintf(out, cap, "db%d %s: model %s (expiry %lld), recovered %s (expiry %lld)",
                 key_db(i, u->nkeys), name, mb, (long long)mv.expire_ms, rb,
                 (long long)r->expire_ms[i]);
        return;
    }
}

/* Undo the log newest first until the model agrees with r; returns how
 * many commands the agreeing prefix holds, or -1 when none agrees. */
static int64_t find_prefix(sim_durable_t *u, model_t *m, recovered_t *r, int64_t now_ms,
                           char *first, size_t cap)
{
    for (int i = 0; i < key_count(u->nkeys); i++)
        recheck(u, r, m, i, now_ms);
    describe_mismatch(u, r, m, now_ms, first, cap);
    uint64_t kept = u->n;
    while (r->nbad > 0 && kept > 0) {
        entry_t *e = &u->log[--kept];
        for (int j = e->nsnaps - 1; j >= 0; j--) {
            restore(m, &e->snaps[j]);
            int i = index_of(&e->snaps[j], u->nkeys);
            if (i >= 0)
                recheck(u, r, m, i, now_ms);
        }
    }
    return r->nbad == 0 ? (int64_t)kept : -1;
}

/* The latest acknowledged write of the log that changed something: the
 * prefix must hold it (appendfsync always). */
static uint64_t needed_prefix(const sim_durable_t *u)
{
    for (uint64_t i = u->n; i > 0; i--)
        if (u->log[i - 1].acked && u->log[i - 1].changed)
            return i;
    return 0;
}

static recovered_t recovered_new(int total)
{
    return (recovered_t){.val = kvd_calloc((size_t)total, sizeof(char *)),
                         .vlen = kvd_calloc((size_t)total, sizeof(size_t)),
                         .expire_ms = kvd_calloc((size_t)total, sizeof(int64_t)),
                         .bad = kvd_calloc((size_t)total, sizeof(bool))};
}

static void recovered_free(recovered_t *r, int total)
{
    for (int i = 0; i < total; i++)
        kvd_free(r->val[i]);
    kvd_free(r->val), kvd_free(r->vlen), kvd_free(r->expire_ms), kvd_free(r->bad);
}

bool sim_durable_same_state(sim_durable_t *u, model_t *m, kvd_shard_t *s, int64_t now_ms,
                            char *why, size_t cap)
{
    int total = key_count(u->nkeys);
    recovered_t r = recovered_new(total);
    read_recovered(&r, s, u->nkeys, now_ms);
    for (int i = 0; i < total; i++)
        recheck(u, &r, m, i, now_ms);
    bool ok = r.nbad == 0;
    if (!ok)
        describe_mismatch(u, &r, m, now_ms, why, cap);
    recovered_free(&r, total);
    return ok;
}

void sim_durable_recover(sim_durable_t *u, model_t *m, kvd_shard_t *s, int64_t now_ms,
                         bool always, sim_recovery_t *res)
{
    int total = key_count(u->nkeys);
    recovered_t r = recovered_new(total);
    *res = (sim_recovery_t){.ok = true, .ran = u->n, .needed = always ? needed_prefix(u) : 0};
    read_recovered(&r, s, u->nkeys, now_ms);
    char at_end[400], at_start[400];
    int64_t kept = find_prefix(u, m, &r, now_ms, at_end, sizeof(at_end));
    if (kept < 0) {
        res->ok = false;
        describe_mismatch(u, &r, m, now_ms, at_start, sizeof(at_start));
        snprintf(res->why, sizeof(res->why),
                 "the recovered keyspace is no prefix of the %llu commands run since the last "
                 "restart: after all of them %s; before all of them %s",
                 (unsigned long long)u->n, at_end, at_start);
    } else if ((uint64_t)kept < res->needed) {
        res->ok = false;
        res->kept = (uint64_t)kept;
        uint64_t lost = (uint64_t)kept;
        while (lost < res->needed && !(u->log[lost].acked && u->log[lost].changed))
            lost++;
        snprintf(res->why, sizeof(res->why),
                 "an acknowledged write was lost (appendfsync always): the recovered keyspace "
                 "holds the first %lld of %llu commands run since the restart, the reply of "
                 "command %llu had been sent: %s",
                 (long long)kept, (unsigned long long)u->n, (unsigned long long)lost + 1,
                 u->log[lost].line);
    } else {
        res->kept = (uint64_t)kept;
    }
    recovered_free(&r, total);
    log_clear(u);
}

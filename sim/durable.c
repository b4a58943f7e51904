/*
 * durable.c - the undo log of the reference model and the prefix check
 * at recovery (the rule is in durable.h).
 */
#include "durable.h"

#include <stdio.h>

#define LINE_KEEP 120

/* One key as it was before a command ran (val NULL: no value). */
typedef struct snap {
    int db;
    char *name;
    size_t nlen;
    char *val;
    size_t vlen;
    int64_t expire_ms;
} snap_t;

typedef struct entry {
    snap_t *snaps;
    int nsnaps;
    bool changed, acked;
    char line[LINE_KEEP];
} entry_t;

/* A live value (absent: p == NULL) as of some time. */
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
        kvd_free(e->snaps[i].name), kvd_free(e->snaps[i].val);
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
    kvd_free(u->log);
    kvd_free(u);
}

/* The model's slot for name, raw (no expiry applied), or NULL. */
static model_key_t *slot(model_t *m, int db, const char *name, size_t nlen)
{
    model_db_t *d = &m->dbs[db];
    for (int i = 0; i < d->nkeys; i++)
        if (d->keys[i].nlen == nlen && memcmp(d->keys[i].name, name, nlen) == 0)
            return &d->keys[i];
    return NULL;
}

/* Redis's rule, as the model's: expired when now > T. */
static kval_t live(const char *p, size_t n, int64_t expire_ms, int64_t now_ms)
{
    if (p == NULL || (expire_ms >= 0 && now_ms > expire_ms))
        return (kval_t){NULL, 0, -1};
    return (kval_t){p, n, expire_ms};
}

static kval_t model_live(model_t *m, int db, const char *name, size_t nlen, int64_t now_ms)
{
    model_key_t *k = slot(m, db, name, nlen);
    return k == NULL ? (kval_t){NULL, 0, -1} : live(k->val, k->vlen, k->expire_ms, now_ms);
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

uint64_t sim_durable_before(sim_durable_t *u, model_t *m, int db, const kvd_arg_t *argv, int argc,
                            const char *line)
{
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 1024;
        u->log = kvd_realloc(u->log, u->cap * sizeof(*u->log));
    }
    entry_t *e = &u->log[u->n];
    *e = (entry_t){.snaps = kvd_calloc((size_t)argc, sizeof(snap_t))};
    snprintf(e->line, sizeof(e->line), "%s", line);
    /* Every argument named like a key: values never are, and saving a
     * key the command does not touch is harmless. */
    for (int i = 1; i < argc; i++) {
        if (argv[i].len < 5 || memcmp(argv[i].ptr, "key:", 4) != 0)
            continue;
        snap_t *sn = &e->snaps[e->nsnaps++];
        model_key_t *k = slot(m, db, argv[i].ptr, argv[i].len);
        *sn = (snap_t){.db = db, .name = dup_bytes(argv[i].ptr, argv[i].len),
                       .nlen = argv[i].len, .expire_ms = -1};
        if (k != NULL && k->val != NULL) {
            sn->val = dup_bytes(k->val, k->vlen);
            sn->vlen = k->vlen;
            sn->expire_ms = k->expire_ms;
        }
    }
    return u->base + u->n++;
}

void sim_durable_after(sim_durable_t *u, model_t *m, int64_t now_ms)
{
    KVD_ASSERT(u->n > 0);
    entry_t *e = &u->log[u->n - 1];
    for (int i = 0; i < e->nsnaps && !e->changed; i++) {
        const snap_t *sn = &e->snaps[i];
        kval_t before = live(sn->val, sn->vlen, sn->expire_ms, now_ms);
        e->changed = !same(before, model_live(m, sn->db, sn->name, sn->nlen, now_ms));
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
    model_key_t *k = slot(m, sn->db, sn->name, sn->nlen);
    if (k == NULL) {
        KVD_ASSERT(sn->val == NULL); /* slots are never reclaimed */
        return;
    }
    free(k->val); /* the model's values are malloc's, not kvd's */
    k->val = NULL;
    k->vlen = 0;
    k->expire_ms = sn->expire_ms;
    if (sn->val != NULL) {
        k->val = malloc(sn->vlen + 1);
        KVD_ASSERT(k->val != NULL);
        memcpy(k->val, sn->val, sn->vlen + 1);
        k->vlen = sn->vlen;
    }
}

/* The recovered keyspace, key by key, read once. */
typedef struct recovered {
    char **val;
    size_t *vlen;
    int64_t *expire_ms;
    bool *bad; /* differs from the model right now */
    int nbad;
} recovered_t;

static void key_name(int rank, char *out, size_t cap)
{
    snprintf(out, cap, "key:%d", rank);
}

static void read_recovered(recovered_t *r, kvd_shard_t *s, int nkeys, int64_t now_ms)
{
    for (int d = 0; d < MODEL_DBS; d++) {
        for (int k = 0; k < nkeys; k++) {
            char name[32], tmp[32];
            key_name(k, name, sizeof(name));
            kvd_entry_t *e = kvd_db_find(s->dbs[d], name, strlen(name));
            int i = d * nkeys + k;
            r->expire_ms[i] = -1;
            if (e == NULL)
                continue;
            size_t n = 0;
            /* A non-string is a value the model can never hold. */
            const char *p = kvd_entry_type(e) == KVD_TYPE_STRING ? kvd_entry_str(e, &n, tmp)
                                                                 : "\x01<not a string>";
            if (kvd_entry_type(e) != KVD_TYPE_STRING)
                n = strlen(p);
            kval_t v = live(p, n, kvd_db_get_expire(s->dbs[d], e), now_ms);
            if (v.p != NULL)
                r->val[i] = dup_bytes(v.p, v.n), r->vlen[i] = v.n, r->expire_ms[i] = v.expire_ms;
        }
    }
}

static void recheck(recovered_t *r, model_t *m, int nkeys, int i, int64_t now_ms)
{
    char name[32];
    key_name(i % nkeys, name, sizeof(name));
    kval_t want = {r->val[i], r->vlen[i], r->expire_ms[i]};
    bool bad = !same(model_live(m, i / nkeys, name, strlen(name), now_ms), want);
    r->nbad += (int)bad - (int)r->bad[i];
    r->bad[i] = bad;
}

static int rank_of(const snap_t *sn, int nkeys)
{
    int rank = atoi(sn->name + 4);
    return rank >= 0 && rank < nkeys ? sn->db * nkeys + rank : -1;
}

/* The first key on which the model (as it is now) and r disagree. */
static void describe_mismatch(const recovered_t *r, model_t *m, int nkeys, int64_t now_ms,
                              char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < MODEL_DBS * nkeys; i++) {
        if (!r->bad[i])
            continue;
        char name[32];
        key_name(i % nkeys, name, sizeof(name));
        kval_t mv = model_live(m, i / nkeys, name, strlen(name), now_ms);
        snprintf(out, cap, "db%d %s: model %s%.*s%s (expiry %lld), recovered %s%.*s%s (expiry %lld)",
                 i / nkeys, name, mv.p ? "\"" : "", mv.p ? (int)mv.n : 6, mv.p ? mv.p : "absent",
                 mv.p ? "\"" : "", (long long)mv.expire_ms, r->val[i] ? "\"" : "",
                 r->val[i] ? (int)r->vlen[i] : 6, r->val[i] ? r->val[i] : "absent",
                 r->val[i] ? "\"" : "", (long long)r->expire_ms[i]);
        return;
    }
}

/* Undo the log newest first until the model agrees with r; returns how
 * many commands the agreeing prefix holds, or -1 when none agrees. */
static int64_t find_prefix(sim_durable_t *u, model_t *m, recovered_t *r, int64_t now_ms,
                           char *first, size_t cap)
{
    int nkeys = u->nkeys;
    for (int i = 0; i < MODEL_DBS * nkeys; i++)
        recheck(r, m, nkeys, i, now_ms);
    describe_mismatch(r, m, nkeys, now_ms, first, cap);
    uint64_t kept = u->n;
    while (r->nbad > 0 && kept > 0) {
        entry_t *e = &u->log[--kept];
        for (int j = e->nsnaps - 1; j >= 0; j--) {
            restore(m, &e->snaps[j]);
            int i = rank_of(&e->snaps[j], nkeys);
            if (i >= 0)
                recheck(r, m, nkeys, i, now_ms);
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

void sim_durable_recover(sim_durable_t *u, model_t *m, kvd_shard_t *s, int64_t now_ms,
                         bool always, sim_recovery_t *res)
{
    int total = MODEL_DBS * u->nkeys;
    recovered_t r = {.val = kvd_calloc((size_t)total, sizeof(char *)),
                     .vlen = kvd_calloc((size_t)total, sizeof(size_t)),
                     .expire_ms = kvd_calloc((size_t)total, sizeof(int64_t)),
                     .bad = kvd_calloc((size_t)total, sizeof(bool))};
    *res = (sim_recovery_t){.ok = true, .ran = u->n, .needed = always ? needed_prefix(u) : 0};
    read_recovered(&r, s, u->nkeys, now_ms);
    char at_end[200], at_start[200];
    int64_t kept = find_prefix(u, m, &r, now_ms, at_end, sizeof(at_end));
    if (kept < 0) {
        res->ok = false;
        describe_mismatch(&r, m, u->nkeys, now_ms, at_start, sizeof(at_start));
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
    for (int i = 0; i < total; i++)
        kvd_free(r.val[i]);
    kvd_free(r.val), kvd_free(r.vlen), kvd_free(r.expire_ms), kvd_free(r.bad);
    log_clear(u);
}

/*
 * aof_rewrite.c - BGREWRITEAOF: a forked child writes the keyspace as a
 * compact file (one creation command per key, items batched, absolute
 * expiries) from its copy-on-write snapshot, while the worker keeps
 * serving and keeps a second stream of what it logs meanwhile.  When the
 * child has exited well, the worker appends that stream to the new file,
 * syncs it, renames it over the old one and syncs the directory; until
 * the rename the old file stays the whole truth, so a failed rewrite
 * (full disk, killed child) loses nothing.
 */
#include "aof_int.h"
#include "cmd/hash_type.h"
#include "cmd/list_quick.h"
#include "cmd/set_type.h"
#include "cmd/zset_type.h"
#include "core/log.h"

#define ITEMS_PER_CMD 64            /* elements per RPUSH/SADD/HSET/ZADD */
#define DUMP_FLUSH_BYTES (1u << 20) /* the child writes in chunks of this size */
#define RETRY_MAX_MS 60000

typedef struct dump {
    kvd_env_t *env;
    int fh;
    int err;
    kvd_db_t *db;
    kvd_buf_t out;
    /* The batch being built: a command on one key, items as RESP bulks. */
    const char *cmd;
    const char *key;
    size_t klen;
    kvd_buf_t items;
    int nitems;
} dump_t;

static void dump_write(dump_t *d)
{
    size_t off = 0;
    for (int tries = 0; d->err == 0 && off < d->out.len && tries < 1024; tries++) {
        ssize_t n = d->env->file_append(d->env, d->fh, d->out.data + off, d->out.len - off);
        if (n == -EINTR)
            continue;
        if (n <= 0)
            d->err = n == 0 ? -ENOSPC : (int)n;
        else
            off += (size_t)n;
    }
    if (d->err == 0 && off < d->out.len)
        d->err = -EIO;
    kvd_buf_clear(&d->out);
}

static void bulk(kvd_buf_t *b, const char *p, size_t n)
{
    kvd_buf_printf(b, "$%zu\r\n", n);
    kvd_buf_append(b, p, n);
    kvd_buf_append(b, "\r\n", 2);
}

static void batch_flush(dump_t *d)
{
    if (d->nitems == 0)
        return;
    kvd_buf_printf(&d->out, "*%d\r\n", d->nitems + 2);
    bulk(&d->out, d->cmd, strlen(d->cmd));
    bulk(&d->out, d->key, d->klen);
    kvd_buf_append(&d->out, d->items.data, d->items.len);
    kvd_buf_clear(&d->items);
    d->nitems = 0;
    if (d->fh >= 0 && d->out.len >= DUMP_FLUSH_BYTES)
        dump_write(d);
}

/* One item (a member, or a field/score and its value counted once). */
static void batch_item(dump_t *d, const char *p, size_t n, const char *p2, size_t n2, int words)
{
    bulk(&d->items, p, n);
    if (words == 2)
        bulk(&d->items, p2, n2);
    d->nitems += words;
    if (d->nitems >= ITEMS_PER_CMD * words)
        batch_flush(d);
}

static void set_visit(const char *m, size_t len, void *arg)
{
    batch_item(arg, m, len, NULL, 0, 1);
}

static void hash_visit(const kvd_hash_pair_t *pr, void *arg)
{
    batch_item(arg, pr->field, pr->flen, pr->value, pr->vlen, 2);
}

static void zset_visit(const char *m, size_t len, double score, void *arg)
{
    char num[40];
    /* The shortest text that reads back as the same double (%.17g always
     * does, but writes 0.1 as 0.10000000000000001); ZADD reads "inf". */
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(num, sizeof(num), "%.*g", prec, score);
        KVD_ASSERT(n > 0 && (size_t)n < sizeof(num));
        if (strtod(num, NULL) == score)
            break;
    }
    batch_item(arg, num, (size_t)n, m, len, 2);
}

static void dump_collection(dump_t *d, const kvd_entry_t *e)
{
    void *v = kvd_entry_ptr(e);
    switch (kvd_entry_type(e)) {
    case KVD_TYPE_LIST: {
        d->cmd = "RPUSH";
        kvd_qlist_iter_t it;
        const char *p;
        size_t n;
        kvd_qlist_iter_at(v, &it, 0, true);
        uint64_t bound = kvd_qlist_len(v);
        for (uint64_t i = 0; i < bound && kvd_qlist_iter_next(&it, &p, &n); i++)
            batch_item(d, p, n, NULL, 0, 1);
        break;
    }
    case KVD_TYPE_SET:
        d->cmd = "SADD";
        kvd_set_foreach(v, set_visit, d);
        break;
    case KVD_TYPE_HASH:
        d->cmd = "HSET";
        kvd_hash_foreach(kvd_entry_encoding(e), v, hash_visit, d);
        break;
    case KVD_TYPE_ZSET:
        d->cmd = "ZADD";
        kvd_zset_foreach(v, zset_visit, d);
        break;
    default: KVD_ASSERT(!"unknown type");
    }
    batch_flush(d);
}

static void dump_entry(const kvd_entry_t *e, void *arg)
{
    dump_t *d = arg;
    if (d->err != 0)
        return;
    d->key = kvd_entry_key(e, &d->klen);
    if (kvd_entry_type(e) == KVD_TYPE_STRING) {
        char tmp[32];
        size_t vlen;
        const char *val = kvd_entry_str(e, &vlen, tmp);
        kvd_buf_append_str(&d->out, "*3\r\n$3\r\nSET\r\n");
        bulk(&d->out, d->key, d->klen);
        bulk(&d->out, val, vlen);
    } else {
        dump_collection(d, e);
    }
    int64_t when = kvd_db_get_expire(d->db, e);
    if (when >= 0) {
        char num[24];
        int n = snprintf(num, sizeof(num), "%lld", (long long)when);
        kvd_buf_append_str(&d->out, "*3\r\n$9\r\nPEXPIREAT\r\n");
        bulk(&d->out, d->key, d->klen);
        bulk(&d->out, num, (size_t)n);
    }
    if (d->fh >= 0 && d->out.len >= DUMP_FLUSH_BYTES)
        dump_write(d);
}

void kvd_aof_key_commands(kvd_db_t *db, const kvd_entry_t *e, kvd_buf_t *out)
{
    dump_t d = {.fh = -1, .db = db, .out = *out};
    kvd_buf_init(&d.items);
    dump_entry(e, &d);
    *out = d.out;
    kvd_buf_free(&d.items);
}

int aof_rewrite_dump(kvd_shard_t *s, int fh)
{
    dump_t d = {.env = s->env, .fh = fh};
    kvd_buf_init(&d.out);
    kvd_buf_init(&d.items);
    for (int i = 0; i < s->ndbs && d.err == 0; i++) {
        d.db = s->dbs[i];
        if (kvd_db_size(d.db) == 0)
            continue;
        /* A scan over a table being resized may return a key twice, and a
         * list pushed twice would double: finish any resize first (in the
         * child's copy, so the worker is not held up). */
        for (int step = 0; step < 1 << 20 && kvd_db_rehashing(d.db); step++)
            kvd_db_rehash_step(d.db, 1000000);
        char num[16];
        int n = snprintf(num, sizeof(num), "%d", i);
        kvd_buf_append_str(&d.out, "*2\r\n$6\r\nSELECT\r\n");
        bulk(&d.out, num, (size_t)n);
        uint64_t cursor = 0;
        uint64_t bound = kvd_db_buckets(d.db) + 1;
        do {
            cursor = kvd_db_scan(d.db, cursor, 1024, dump_entry, &d);
        } while (cursor != 0 && d.err == 0 && bound-- > 0);
    }
    /* Cross-shard commits whose participants have not all acknowledged
     * theirs: recovery may still ask (aof.h). */
    if (d.err == 0 && s->aof != NULL)
        aof_txset_dump(s->aof, &d.out);
    if (d.err == 0)
        dump_write(&d);
    kvd_buf_free(&d.out);
    kvd_buf_free(&d.items);
    return d.err;
}

int aof_rewrite_child_work(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    int fh = s->env->file_open(s->env, a->tmp_path, KVD_ENV_O_WRITE | KVD_ENV_O_CREATE);
    if (fh < 0)
        return fh;
    int rc = s->env->file_truncate(s->env, fh, 0);
    if (rc == 0)
        rc = aof_rewrite_dump(s, fh);
    if (rc == 0)
        rc = s->env->file_sync(s->env, fh);
    s->env->file_close(s->env, fh);
    return rc;
}

static void rewrite_failed(kvd_shard_t *s, const char *why, int err)
{
    kvd_aof_t *a = s->aof;
    a->last_rewrite_ok = false;
    a->rewrite_failures++;
    uint64_t delay = 1000u << (a->rewrite_failures < 6 ? a->rewrite_failures : 6);
    a->rewrite_retry_ms = kvd_env_now_ms(s->env) + (delay < RETRY_MAX_MS ? delay : RETRY_MAX_MS);
    kvd_log_warning("AOF rewrite of %s failed: %s%s%s; the old file is kept", a->path, why,
                    err ? ": " : "", err ? strerror(-err) : "");
}

int aof_rewrite_start(kvd_shard_t *s, kvd_buf_t *err)
{
    kvd_aof_t *a = s->aof;
    KVD_ASSERT(a != NULL);
    if (a->child > 0) {
        kvd_buf_append_str(err, "Background append only file rewriting already in progress");
        return -1;
    }
    kvd_buf_clear(&a->rewrite.buf);
    a->rewrite.db = -1;
    a->rewrite.multi_open = false;
    int pid = aof_fork();
    if (pid < 0) {
        kvd_buf_printf(err, "Can't rewrite append only file in background: fork: %s",
                       strerror(-pid));
        rewrite_failed(s, "fork", pid);
        return -1;
    }
    if (pid == 0)
        aof_child_exit(aof_rewrite_child_work(s) == 0 ? 0 : 1);
    a->child = pid;
    a->rewrite_scheduled = false;
    a->rewrite_start_ms = kvd_env_now_ms(s->env);
    kvd_log_notice("AOF rewrite of %s started by pid %d", a->path, pid);
    return 0;
}

/* Append the meanwhile-stream to the child's file, sync, rename, sync dir. */
static int install(kvd_shard_t *s, int *new_fh)
{
    kvd_aof_t *a = s->aof;
    kvd_env_t *env = s->env;
    if (a->state == AOF_ON && a->fh >= 0 && a->main.buf.len > 0 && aof_flush(s, false) < 0)
        return a->write_err; /* the old file must take its records first */
    int fh = env->file_open(env, a->tmp_path, KVD_ENV_O_READ | KVD_ENV_O_WRITE);
    if (fh < 0)
        return fh;
    size_t off = 0, len = a->rewrite.buf.len;
    int rc = 0;
    for (int tries = 0; rc == 0 && off < len && tries < 1024; tries++) {
        ssize_t n = env->file_append(env, fh, a->rewrite.buf.data + off, len - off);
        if (n < 0 && n != -EINTR)
            rc = (int)n;
        else if (n > 0)
            off += (size_t)n;
    }
    if (rc == 0 && off < len)
        rc = -EIO;
    if (rc == 0)
        rc = env->file_sync(env, fh);
    if (rc == 0)
        rc = env->file_rename(env, a->tmp_path, a->path);
    if (rc == 0) {
        const char *slash = strrchr(a->path, '/');
        kvd_buf_t dir = KVD_BUF_INIT;
        kvd_buf_printf(&dir, "%.*s", slash ? (int)(slash - a->path) : 1, slash ? a->path : ".");
        if (env->dir_sync(env, dir.len ? kvd_buf_cstr(&dir) : "/") < 0)
            kvd_log_warning("AOF: fsync of the directory of %s failed", a->path);
        kvd_buf_free(&dir);
        *new_fh = fh;
        return 0;
    }
    env->file_close(env, fh);
    return rc;
}

static void rewrite_done(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    int fh = -1;
    int rc = install(s, &fh);
    if (rc < 0) {
        rewrite_failed(s, "installing the new file", rc);
        return;
    }
    if (a->fh >= 0)
        s->env->file_close(s->env, a->fh);
    if (a->state == AOF_OFF) {
        s->env->file_close(s->env, fh);
        fh = -1;
    } else {
        a->state = AOF_ON;
    }
    a->fh = fh;
    a->size = fh >= 0 ? aof_file_size(s->env, fh) : 0;
    a->base_size = a->synced_size = a->size;
    a->main.db = a->rewrite.db;
    a->main.multi_open = false;
    /* The new file was synced whole: earlier write or fsync failures on
     * the old one no longer matter. */
    a->write_err = a->fsync_err = 0;
    a->need_truncate = false;
    a->last_rewrite_ok = true;
    a->rewrite_failures = 0;
    a->rewrites++;
    kvd_log_notice("AOF rewrite of %s done: %llu bytes", a->path, (unsigned long long)a->size);
}

void aof_rewrite_poll(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    bool ok = false;
    if (a->child <= 0 || aof_child_done(a->child, &ok) == 0)
        return;
    a->child = 0;
    uint64_t now = kvd_env_now_ms(s->env);
    a->last_rewrite_time_sec = (int64_t)((now - a->rewrite_start_ms) / 1000);
    if (ok)
        rewrite_done(s);
    else
        rewrite_failed(s, "the child failed or was killed", 0);
    kvd_buf_clear(&a->rewrite.buf);
    kvd_buf_shrink(&a->rewrite.buf, 1u << 20);
    a->rewrite.db = -1;
}

void aof_rewrite_abort(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL || a->child <= 0)
        return;
    aof_child_kill(a->child);
    a->child = 0;
    kvd_buf_clear(&a->rewrite.buf);
}

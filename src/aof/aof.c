/*
 * aof.c - the append-only file writer: records fed by dispatch collect in
 * a buffer and reach the file once per loop iteration (group commit),
 * synced then under appendfsync always, from cron once a second under
 * everysec.  A failed write or fsync refuses further writes (MISCONF)
 * until a retry succeeds; the failed bytes stay buffered, so the file
 * never silently misses a record the keyspace holds.
 */
#include "aof_int.h"
#include "cmd/multi.h"
#include "core/log.h"
#include "proto/reply.h"

/* How often cron retries a failed write or fsync. */
#define AOF_RETRY_MS 1000
/* A write of the buffer loops on short writes; a disk that keeps taking
 * a few bytes at a time gets this many tries before we call it an error. */
#define AOF_WRITE_TRIES 1024

void aof_stream_init(aof_stream_t *st)
{
    kvd_buf_init(&st->buf);
    st->db = -1;
    st->multi_open = false;
}

void kvd_aof_encode(kvd_buf_t *out, int argc, const kvd_arg_t *argv)
{
    KVD_ASSERT(argc > 0);
    kvd_buf_printf(out, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        kvd_buf_printf(out, "$%zu\r\n", argv[i].len);
        kvd_buf_append(out, argv[i].ptr, argv[i].len);
        kvd_buf_append(out, "\r\n", 2);
    }
}

void kvd_propagate_key(kvd_client_t *c, const char *name, const kvd_arg_t *key)
{
    kvd_arg_t v[2] = {{(char *)name, strlen(name)}, *key};
    kvd_propagate_as(c, 2, v);
}

void kvd_propagate_key_ms(kvd_client_t *c, const char *name, const kvd_arg_t *key, int64_t ms)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)ms);
    KVD_ASSERT(n > 0 && (size_t)n < sizeof(num));
    kvd_arg_t v[3] = {{(char *)name, strlen(name)}, *key, {num, (size_t)n}};
    kvd_propagate_as(c, 3, v);
}

static void encode_words(kvd_buf_t *out, int argc, const char *const *words)
{
    kvd_arg_t argv[2];
    KVD_ASSERT(argc > 0 && argc <= 2);
    for (int i = 0; i < argc; i++) {
        argv[i].ptr = (char *)words[i];
        argv[i].len = strlen(words[i]);
    }
    kvd_aof_encode(out, argc, argv);
}

/* One command into one stream: SELECT when the database changed, MULTI
 * when this is the first write of a running EXEC. */
static void stream_add(kvd_aof_t *a, aof_stream_t *st, int db, bool in_exec, int argc,
                       const kvd_arg_t *argv)
{
    if (in_exec && !st->multi_open) {
        aof_tx_open_block(a, st);
        encode_words(&st->buf, 1, (const char *const[]){"MULTI"});
        st->multi_open = true;
    }
    if (st->db != db) {
        char num[16];
        snprintf(num, sizeof(num), "%d", db);
        encode_words(&st->buf, 2, (const char *const[]){"SELECT", num});
        st->db = db;
    }
    kvd_aof_encode(&st->buf, argc, argv);
}

void aof_stream_close_multi(aof_stream_t *st)
{
    if (!st->multi_open)
        return;
    encode_words(&st->buf, 1, (const char *const[]){"EXEC"});
    st->multi_open = false;
}

static void remember_fed(kvd_aof_t *a, uint64_t id)
{
    if (a->nfed > 0 && a->fed_ids[a->nfed - 1] == id)
        return;
    if (a->nfed == a->fed_cap) {
        size_t cap = a->fed_cap ? a->fed_cap * 2 : 64;
        a->fed_ids = kvd_realloc(a->fed_ids, cap * sizeof(*a->fed_ids));
        a->fed_cap = cap;
    }
    a->fed_ids[a->nfed++] = id;
}

void kvd_aof_feed(kvd_shard_t *s, const kvd_client_t *c)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL || a->loading || a->state == AOF_OFF)
        return;
    /* EXEC's own dirt is its queue's, logged command by command between
     * MULTI and EXEC (kvd_aof_exec_done closes the block). */
    if (c->cmd != NULL && c->cmd->parent == NULL && strcmp(c->cmd->name, "exec") == 0)
        return;
    const kvd_arg_t *argv = c->prop_argv != NULL ? c->prop_argv : c->argv;
    int argc = c->prop_argv != NULL ? c->prop_argc : c->argc;
    KVD_ASSERT(argc > 0);
    if (a->state == AOF_ON)
        stream_add(a, &a->main, c->db_index, s->in_exec > 0, argc, argv);
    if (a->child > 0)
        stream_add(a, &a->rewrite, c->db_index, s->in_exec > 0, argc, argv);
    remember_fed(a, c->id);
}

/*
 * A key that expired leaves the file as a DEL, as Redis propagates it.
 * Replay holds expiry off (aof_load.c: a record must find its key as it
 * was when it was logged, not as the later clock of the restart says), so
 * a key that expired and was written again must be deleted in the file
 * in between.  This replaces the shard's hook (cmd/shard.c) and so also
 * does that hook's work: WATCH sees the key change.
 */
void aof_key_expired(void *arg, int db, const char *key, size_t klen)
{
    kvd_shard_t *s = arg;
    kvd_watch_touch_key(s, db, key, klen);
    kvd_aof_t *a = s->aof;
    if (a == NULL || a->loading || a->state == AOF_OFF)
        return;
    kvd_arg_t argv[2] = {{(char *)"DEL", 3}, {(char *)key, klen}};
    if (a->state == AOF_ON)
        stream_add(a, &a->main, db, s->in_exec > 0, 2, argv);
    if (a->child > 0)
        stream_add(a, &a->rewrite, db, s->in_exec > 0, 2, argv);
}

void kvd_aof_exec_done(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL || a->loading)
        return;
    aof_stream_close_multi(&a->main);
    aof_stream_close_multi(&a->rewrite);
}

void aof_log_errno(const char *what, const char *path, int err)
{
    kvd_log_warning("AOF %s on %s failed: %s", what, path, strerror(-err));
}

/* Remove a partial record a failed write left; the buffer still holds it. */
static int undo_partial(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    int rc = s->env->file_truncate(s->env, a->fh, a->size);
    a->need_truncate = rc < 0;
    if (rc < 0)
        aof_log_errno("truncate after a short write", a->path, rc);
    return rc;
}

static int write_all(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    size_t off = 0, len = a->main.buf.len;
    for (int tries = 0; off < len; tries++) {
        ssize_t n = tries < AOF_WRITE_TRIES
                        ? s->env->file_append(s->env, a->fh, a->main.buf.data + off, len - off)
                        : -EIO;
        if (n == -EINTR)
            continue;
        if (n <= 0) {
            int err = n == 0 ? -ENOSPC : (int)n;
            if (a->write_err == 0)
                aof_log_errno("write", a->path, err);
            a->write_err = err;
            if (off > 0)
                undo_partial(s);
            return err;
        }
        off += (size_t)n;
    }
    if (a->write_err != 0)
        kvd_log_warning("AOF write error looks solved, writes accepted again (%s)", a->path);
    a->write_err = 0;
    a->size += len;
    kvd_buf_clear(&a->main.buf);
    kvd_buf_shrink(&a->main.buf, 1u << 20);
    return 0;
}

static int sync_file(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    int rc = s->env->file_sync(s->env, a->fh);
    if (rc < 0) {
        if (a->fsync_err == 0)
            aof_log_errno("fdatasync", a->path, rc);
        a->fsync_err = rc;
        a->delayed_fsync++;
        /* After a failed fsync the kernel may have dropped the dirty
         * pages: a later successful fsync does not prove the file holds
         * them.  A rewrite from memory makes it whole again. */
        a->rewrite_scheduled = true;
        return rc;
    }
    if (a->fsync_err != 0)
        kvd_log_warning("AOF fsync error looks solved (%s)", a->path);
    a->fsync_err = 0;
    a->synced_size = a->size;
    a->last_fsync_ms = kvd_env_now_ms(s->env);
    return 0;
}

int aof_flush(kvd_shard_t *s, bool sync)
{
    kvd_aof_t *a = s->aof;
    KVD_ASSERT(a != NULL && a->state == AOF_ON && a->fh >= 0);
    if (a->need_truncate && undo_partial(s) < 0)
        return a->write_err != 0 ? a->write_err : -EIO;
    if (a->main.buf.len > 0) {
        int rc = write_all(s);
        if (rc < 0)
            return rc;
    }
    if (sync && (a->synced_size < a->size || a->fsync_err != 0))
        return sync_file(s);
    return 0;
}

/* Under "always" the replies of this iteration's writes must not leave
 * when their records did not reach the disk: drop those connections (the
 * clients see an unknown outcome, never a false acknowledgement). */
static void drop_fed_clients(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    uint64_t bound = s->nclients + 1;
    for (kvd_client_t *c = s->clients; c != NULL && bound > 0; c = c->next, bound--) {
        for (size_t i = 0; i < a->nfed; i++) {
            if (a->fed_ids[i] == c->id) {
                kvd_client_close_asap(c);
                break;
            }
        }
    }
}

void kvd_aof_before_sleep(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL)
        return;
    if (a->state == AOF_ON && a->fh >= 0) {
        /* A transaction's PREPARE or decision is synced under everysec
         * too: the other shards act on it (aof.h). */
        bool always = s->cfg->appendfsync == KVD_FSYNC_ALWAYS;
        bool sync = always || (a->force_sync && s->cfg->appendfsync != KVD_FSYNC_NO);
        bool work = a->main.buf.len > 0 || (sync && a->synced_size < a->size);
        int rc = work ? aof_flush(s, sync) : 0;
        a->sync_failed = rc < 0 && sync;
        if (rc < 0 && always)
            drop_fed_clients(s);
        if (rc == 0) {
            a->force_sync = false;
            aof_txset_synced(a);
        }
    } else {
        a->sync_failed = false;
        aof_txset_synced(a); /* no file to wait for */
    }
    a->nfed = 0;
}

bool kvd_aof_sync_failed(const kvd_shard_t *s, kvd_buf_t *why)
{
    const kvd_aof_t *a = s->aof;
    if (a == NULL || !a->sync_failed)
        return false;
    if (!kvd_aof_write_refused(s, why) && why != NULL)
        kvd_buf_append_str(why, "MISCONF Errors writing to the AOF file");
    return true;
}

bool kvd_aof_write_refused(const kvd_shard_t *s, kvd_buf_t *why)
{
    const kvd_aof_t *a = s->aof;
    if (a == NULL || a->state != AOF_ON || a->loading)
        return false;
    int err = a->write_err != 0 ? a->write_err : a->fsync_err;
    if (err == 0)
        return false;
    if (why != NULL)
        kvd_buf_printf(why, "MISCONF Errors writing to the AOF file: %s", strerror(-err));
    return true;
}

/* CONFIG SET appendonly: on starts with a rewrite that writes the whole
 * dataset (as Redis does); off flushes and closes. */
static void follow_appendonly(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (s->cfg->appendonly && a->state == AOF_OFF) {
        a->state = AOF_WAIT_REWRITE;
        a->rewrite_scheduled = true;
        kvd_log_notice("AOF enabled: writing %s from memory", a->path);
    } else if (!s->cfg->appendonly && a->state != AOF_OFF) {
        if (a->state == AOF_ON && a->fh >= 0) {
            aof_flush(s, true);
            s->env->file_close(s->env, a->fh);
        }
        a->fh = -1;
        a->state = AOF_OFF;
        aof_rewrite_abort(s);
        a->rewrite_scheduled = false;
        a->write_err = a->fsync_err = 0;
        kvd_buf_clear(&a->main.buf);
        a->main.db = -1;
        kvd_log_notice("AOF disabled (%s)", a->path);
    }
}

static bool rewrite_due(const kvd_shard_t *s, uint64_t now)
{
    const kvd_aof_t *a = s->aof;
    if (a->child > 0 || s->in_exec > 0 || a->state == AOF_OFF || now < a->rewrite_retry_ms)
        return false;
    if (a->rewrite_scheduled)
        return true;
    int64_t pct = s->cfg->auto_aof_rewrite_percentage;
    if (a->state != AOF_ON || pct <= 0 || a->size < (uint64_t)s->cfg->auto_aof_rewrite_min_size)
        return false;
    uint64_t base = a->base_size > 0 ? a->base_size : 1;
    return a->size > base && (a->size - base) / base * 100 + (a->size - base) % base * 100 / base >=
                                 (uint64_t)pct;
}

void kvd_aof_cron(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL)
        return;
    follow_appendonly(s);
    /* The new file takes over only between transactions: a block open
     * here would be cut in two. */
    if (a->child > 0 && s->in_exec == 0)
        aof_rewrite_poll(s);
    uint64_t now = kvd_env_now_ms(s->env);
    if (a->state == AOF_ON && a->fh >= 0) {
        bool failing = a->write_err != 0 || a->fsync_err != 0 || a->need_truncate;
        if (failing && now - a->last_retry_ms >= AOF_RETRY_MS) {
            a->last_retry_ms = now;
            aof_flush(s, true);
        } else if (!failing && s->cfg->appendfsync == KVD_FSYNC_EVERYSEC &&
                   a->synced_size < a->size && now - a->last_fsync_ms >= 1000) {
            sync_file(s);
        }
    }
    if (rewrite_due(s, now)) {
        kvd_buf_t err;
        kvd_buf_init(&err);
        if (aof_rewrite_start(s, &err) < 0)
            kvd_log_warning("AOF rewrite not started: %s", kvd_buf_cstr(&err));
        kvd_buf_free(&err);
    }
}

void kvd_aof_shutdown(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL)
        return;
    aof_rewrite_abort(s);
    if (a->state != AOF_ON || a->fh < 0)
        return;
    /* A stop arrives between loop iterations, never inside EXEC. */
    KVD_ASSERT(!a->main.multi_open);
    if (aof_flush(s, true) < 0)
        kvd_log_warning("AOF %s: shutting down with writes not on disk", a->path);
    else
        kvd_log_notice("AOF %s: %llu bytes synced at shutdown", a->path,
                       (unsigned long long)a->size);
}

void kvd_aof_free(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL)
        return;
    aof_rewrite_abort(s);
    if (a->fh >= 0)
        s->env->file_close(s->env, a->fh);
    kvd_buf_free(&a->main.buf);
    kvd_buf_free(&a->rewrite.buf);
    kvd_free(a->fed_ids);
    aof_tx_free(a);
    kvd_free(a->path);
    kvd_free(a->tmp_path);
    kvd_free(a);
    s->aof = NULL;
}

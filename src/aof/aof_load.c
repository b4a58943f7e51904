/*
 * aof_load.c - opening the file and replaying it through dispatch at
 * worker start.  A torn tail (the last record cut short by a crash, or a
 * MULTI without its EXEC) is truncated to the last whole record when
 * aof-load-truncated allows it (the default); anything else that does not
 * parse is corruption: the worker refuses to start, naming the file and
 * the byte offset, unless aof-load-truncate-corrupt allows dropping the
 * file from there on.
 */
#include "aof_int.h"
#include "core/log.h"
#include "core/util.h"

#define LOAD_CHUNK (1u << 20)

char *aof_make_path(const kvd_config_t *cfg, int shard_id, const char *prefix)
{
    const char *name = cfg->appendfilename != NULL && cfg->appendfilename[0] != '\0'
                           ? cfg->appendfilename
                           : "appendonly.aof";
    size_t base = strlen(name);
    if (base > 4 && strcmp(name + base - 4, ".aof") == 0)
        base -= 4;
    /* main.c chdirs to dir: a relative dir is already the working directory. */
    const char *dir = cfg->dir != NULL && cfg->dir[0] == '/' ? cfg->dir : NULL;
    kvd_buf_t b;
    kvd_buf_init(&b);
    if (dir != NULL)
        kvd_buf_printf(&b, "%s/", dir);
    kvd_buf_printf(&b, "%s%.*s-%d.aof", prefix, (int)base, name, shard_id);
    char *path = kvd_strdup(kvd_buf_cstr(&b));
    kvd_buf_free(&b);
    return path;
}

uint64_t aof_file_size(kvd_env_t *env, int fh)
{
    char byte;
    uint64_t lo = 0, hi = 1; /* the size is in [lo, hi) once hi is past the end */
    for (int i = 0; i < 62 && env->file_pread(env, fh, &byte, 1, hi - 1) == 1; i++) {
        lo = hi;
        hi *= 2;
    }
    /* Invariant: a byte exists at lo - 1 (or lo == 0), none at hi - 1. */
    for (int i = 0; i < 64 && hi - lo > 1; i++) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (env->file_pread(env, fh, &byte, 1, mid - 1) == 1)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == 0 && env->file_pread(env, fh, &byte, 1, 0) == 1)
        lo = 1;
    return lo;
}

typedef struct replay {
    kvd_shard_t *s;
    kvd_client_t client;
    kvd_buf_t reply;
    kvd_buf_t in;       /* file bytes from in_off */
    uint64_t in_off;    /* file offset of in.data[0] */
    size_t start;       /* next record in in */
    uint64_t good_end;  /* end of the last whole record outside MULTI */
    uint64_t multi_off; /* offset of the open MULTI */
    bool in_multi;
    /* A cross-shard transaction's block being read (aof.h). */
    char tx_id[KVD_TXID_MAX]; /* "" when none */
    uint64_t tx_off;          /* offset of its BEGIN */
    bool tx_ready;            /* its EXEC was read: prepared */
    uint64_t end;             /* read no further (0: the end of the file) */
    bool eof;
    uint64_t records;
    char why[160]; /* corruption: what was wrong */
    uint64_t bad_off;
} replay_t;

static int read_more(replay_t *r, size_t want)
{
    kvd_aof_t *a = r->s->aof;
    if (r->start > 0) {
        kvd_buf_consume(&r->in, r->start);
        r->in_off += r->start;
        r->start = 0;
    }
    size_t chunk = want > r->in.len + LOAD_CHUNK ? want - r->in.len : LOAD_CHUNK;
    uint64_t at = r->in_off + r->in.len;
    if (r->end > 0 && chunk > r->end - at)
        chunk = (size_t)(r->end - at);
    if (chunk == 0) {
        r->eof = true;
        return 0;
    }
    kvd_buf_reserve(&r->in, chunk);
    ssize_t n = r->s->env->file_pread(r->s->env, a->fh, r->in.data + r->in.len, chunk, at);
    if (n == -EINTR)
        return 0;
    if (n < 0) {
        aof_log_errno("read", a->path, (int)n);
        return -1;
    }
    if (n == 0)
        r->eof = true;
    r->in.len += (size_t)n;
    return 0;
}

static int corrupt(replay_t *r, uint64_t off, const char *fmt, const char *detail)
{
    r->bad_off = off;
    snprintf(r->why, sizeof(r->why), fmt, detail);
    return -1;
}

static void run_word(replay_t *r, const char *word)
{
    kvd_arg_t arg = {(char *)word, strlen(word)};
    r->client.argc = 1;
    r->client.argv = &arg;
    kvd_buf_clear(&r->reply);
    kvd_dispatch(&r->client);
    r->client.argc = 0;
    r->client.argv = NULL;
}

/* The parts list of a coordinator's COMMIT: the committed set learns it. */
static int load_commit_parts(replay_t *r, const kvd_argv_t *argv, const char *id, uint64_t off)
{
    int n = argv->argc - 3;
    if (n == 0 || kvd_txid_coord(id) != r->s->id)
        return 0;
    int *parts = kvd_calloc((size_t)n, sizeof(*parts));
    for (int i = 0; i < n; i++) {
        int64_t v;
        if (!kvd_str2ll(argv->v[3 + i].ptr, argv->v[3 + i].len, &v) || v < 0 || v >= INT32_MAX) {
            kvd_free(parts);
            return corrupt(r, off, "%sa KVDTX COMMIT with a bad shard number", "");
        }
        parts[i] = (int)v;
    }
    aof_txset_remove(r->s->aof, id);
    aof_txset_add(r->s->aof, id, parts, n, false); /* durable once sync_loaded syncs it */
    kvd_free(parts);
    return 0;
}

/* KVDTX BEGIN | COMMIT | ABORT | FORGET <txid> ... (aof.h). */
static int apply_tx(replay_t *r, kvd_argv_t *argv, uint64_t off, size_t len)
{
    if (argv->argc < 3 || argv->v[2].len == 0 || argv->v[2].len >= KVD_TXID_MAX)
        return corrupt(r, off, "%sa KVDTX record without a transaction id", "");
    char id[KVD_TXID_MAX];
    memcpy(id, argv->v[2].ptr, argv->v[2].len);
    id[argv->v[2].len] = '\0';
    const kvd_arg_t *verb = &argv->v[1];
    bool open = r->tx_id[0] != '\0', mine = open && strcmp(r->tx_id, id) == 0;
    if (kvd_arg_is(verb, "forget")) {
        /* Acknowledgements arrive whatever holds the shard: anywhere. */
        aof_txset_remove(r->s->aof, id);
        r->records++;
        if (!open && !r->in_multi)
            r->good_end = off + len;
        return 0;
    }
    if (open && !mine)
        return corrupt(r, off, "%sa KVDTX record of another transaction inside a block", "");
    if (kvd_arg_is(verb, "begin")) {
        if (open || r->in_multi)
            return corrupt(r, off, "%sKVDTX BEGIN inside a block", "");
        snprintf(r->tx_id, sizeof(r->tx_id), "%s", id);
        r->tx_off = off;
        r->tx_ready = false;
    } else if (kvd_arg_is(verb, "commit")) {
        if (mine && !r->tx_ready)
            return corrupt(r, off, "%sKVDTX COMMIT inside its block", "");
        if (mine)
            run_word(r, "EXEC");
        r->tx_id[0] = '\0';
        if (load_commit_parts(r, argv, id, off) < 0)
            return -1;
    } else if (kvd_arg_is(verb, "abort")) {
        if (mine)
            run_word(r, "DISCARD");
        r->tx_id[0] = '\0';
        r->in_multi = false;
    } else {
        return corrupt(r, off, "%sunknown KVDTX record", "");
    }
    r->records++;
    if (r->tx_id[0] == '\0')
        r->good_end = off + len;
    return 0;
}

/* Dispatch one parsed record; -1 when it is not a command we could log. */
static int apply(replay_t *r, kvd_argv_t *argv, uint64_t off, size_t len)
{
    kvd_client_t *c = &r->client;
    if (argv->argc == 0)
        return corrupt(r, off, "%sempty command", "");
    if (kvd_arg_is(&argv->v[0], "kvdtx"))
        return apply_tx(r, argv, off, len);
    bool is_multi = argv->argc == 1 && kvd_arg_is(&argv->v[0], "multi");
    bool is_exec = argv->argc == 1 && kvd_arg_is(&argv->v[0], "exec");
    if ((is_multi && r->in_multi) || (is_exec && !r->in_multi))
        return corrupt(r, off, "%sMULTI/EXEC out of order", "");
    if (r->tx_id[0] != '\0' && (r->tx_ready || (!r->in_multi && !is_multi)))
        return corrupt(r, off, "%sa command outside its transaction's block", "");
    if (is_exec && r->tx_id[0] != '\0') {
        /* Prepared: whether it runs is for the records that follow. */
        r->in_multi = false;
        r->tx_ready = true;
        r->records++;
        r->good_end = off + len;
        return 0;
    }
    c->argc = argv->argc;
    c->argv = argv->v;
    kvd_buf_clear(&r->reply);
    kvd_dispatch(c);
    if (c->cmd == NULL)
        return corrupt(r, off, "%.150s", kvd_buf_cstr(&r->reply));
    r->records++;
    if (is_multi) {
        r->in_multi = true;
        r->multi_off = off;
    } else if (is_exec) {
        r->in_multi = false;
    }
    if (!r->in_multi)
        r->good_end = off + len;
    return 0;
}

static const kvd_resp_limits_t load_limits = {
    .max_bulk_len = INT64_C(1) << 40,
    .max_multibulk_len = INT32_MAX,
    .max_inline_len = 64 * 1024,
    .unauthenticated = false,
};

/* Parse and apply every record: 0 at a clean end, 1 at a torn tail, -1 on
 * corruption (r->bad_off, r->why) or a read error (r->why empty). */
static int replay_records(replay_t *r)
{
    kvd_resp_parser_t p;
    kvd_argv_t argv = KVD_ARGV_INIT;
    kvd_resp_parser_init(&p);
    int rc = 0;
    for (;;) {
        if (r->start == r->in.len) {
            if (r->eof) {
                bool open_block = r->tx_id[0] != '\0' && !r->tx_ready;
                rc = r->start < r->in.len || r->in_multi || open_block ? 1 : 0;
                break;
            }
            if (read_more(r, p.want) < 0) {
                rc = -1;
                break;
            }
            continue;
        }
        uint64_t off = r->in_off + r->start;
        if (p.pos == 0 && r->in.data[r->start] != '*') {
            rc = corrupt(r, off, "%sa record does not start with '*'", "");
            break;
        }
        kvd_resp_status_t st =
            kvd_resp_parse(&p, r->in.data + r->start, r->in.len - r->start, &argv, &load_limits);
        if (st == KVD_RESP_ERROR) {
            rc = corrupt(r, off, "%.150s", p.error);
            break;
        }
        if (st == KVD_RESP_AGAIN) {
            if (r->eof) {
                rc = 1;
                break;
            }
            if (read_more(r, p.want) < 0) {
                rc = -1;
                break;
            }
            continue;
        }
        if (apply(r, &argv, off, p.consumed) < 0) {
            rc = -1;
            break;
        }
        r->start += p.consumed;
    }
    kvd_argv_free(&argv);
    return rc;
}

/* Drop the file from good_end on (torn tail, or allowed corruption). */
static int cut_tail(replay_t *r, const char *what)
{
    kvd_aof_t *a = r->s->aof;
    if (r->in_multi) {
        const char *discard = "DISCARD";
        kvd_arg_t arg = {(char *)discard, 7};
        r->client.argc = 1;
        r->client.argv = &arg;
        kvd_dispatch(&r->client);
        r->in_multi = false;
    }
    uint64_t size = aof_file_size(r->s->env, a->fh);
    kvd_log_warning("AOF %s: %s: truncating %llu bytes at offset %llu (after the last whole "
                    "record)",
                    a->path, what, (unsigned long long)(size - r->good_end),
                    (unsigned long long)r->good_end);
    int rc = r->s->env->file_truncate(r->s->env, a->fh, r->good_end);
    if (rc < 0) {
        aof_log_errno("truncate", a->path, rc);
        return -1;
    }
    return 0;
}

static int finish(replay_t *r, int rc)
{
    kvd_aof_t *a = r->s->aof;
    const kvd_config_t *cfg = r->s->cfg;
    if (rc == 1 && !cfg->aof_load_truncated) {
        kvd_log_warning("AOF %s ends with a partial record at offset %llu; start refused "
                        "(aof-load-truncated is no; kvd-check-aof --fix %s repairs it)",
                        a->path, (unsigned long long)r->good_end, a->path);
        return -1;
    }
    if (rc == 1)
        return cut_tail(r, "partial record at the end (crash during a write)");
    if (rc < 0 && r->why[0] == '\0')
        return -1; /* read error, logged */
    if (rc < 0 && !cfg->aof_load_truncate_corrupt) {
        kvd_log_warning("AOF %s is corrupt at byte offset %llu: %s.  Start refused: "
                        "`kvd-check-aof %s` reports it, `--fix` truncates it at the last whole "
                        "record (offset %llu) and loses what follows; or set "
                        "aof-load-truncate-corrupt yes",
                        a->path, (unsigned long long)r->bad_off, r->why, a->path,
                        (unsigned long long)r->good_end);
        return -1;
    }
    if (rc < 0) {
        kvd_log_warning("AOF %s is corrupt at byte offset %llu: %s", a->path,
                        (unsigned long long)r->bad_off, r->why);
        return cut_tail(r, "corruption allowed by aof-load-truncate-corrupt");
    }
    return 0;
}

/* The wall clock while replaying: before every expiry (see replay_run). */
static uint64_t clock_before_expiry(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return 0;
}

static replay_t *replay_new(kvd_shard_t *s)
{
    replay_t *r = kvd_calloc(1, sizeof(*r));
    r->s = s;
    kvd_client_init(&r->client, s);
    kvd_buf_init(&r->reply);
    kvd_buf_init(&r->in);
    r->client.reply = &r->reply;
    r->client.flags |= KVD_CLIENT_DENY_BLOCKING | KVD_CLIENT_INTERNAL;
    return r;
}

static void replay_free(replay_t *r)
{
    kvd_client_release(&r->client);
    kvd_buf_free(&r->reply);
    kvd_buf_free(&r->in);
    kvd_free(r);
}

/*
 * No key expires during replay (as in Redis): a record runs on the keys
 * as they were when it was logged; expiry is in the file as absolute
 * times and as the DELs of keys that did expire (aof_key_expired).
 * Replayed at the restart's clock instead, a key whose TTL had been
 * extended or that was written again (SET KEEPTTL, INCR, SET XX) before
 * its first deadline would vanish at that first deadline, and the later
 * records would miss it.  Found by kvd-sim's crash runs.
 */
static int replay_run(replay_t *r)
{
    kvd_shard_t *s = r->s;
    s->aof->loading = true;
    uint64_t (*now_us)(kvd_env_t *) = s->env->now_us;
    s->env->now_us = clock_before_expiry;
    int rc = replay_records(r);
    s->env->now_us = now_us;
    s->aof->loading = false;
    return rc;
}

/* The file ended inside or after a transaction's block: a block cut short
 * is a torn tail; a prepared one is ours to abort (we coordinated it, and
 * its COMMIT never made it) or in doubt (its coordinator knows). */
static int settle_block(replay_t *r, int rc)
{
    kvd_aof_t *a = r->s->aof;
    if (r->tx_id[0] == '\0' || rc < 0)
        return rc;
    if (!r->tx_ready)
        return 1;
    run_word(r, "DISCARD");
    if (kvd_txid_coord(r->tx_id) == r->s->id) {
        kvd_log_notice("AOF %s: transaction %s has no COMMIT: dropped", a->path, r->tx_id);
        aof_tx_record(a, "ABORT", r->tx_id, NULL, 0);
    } else {
        kvd_log_notice("AOF %s: transaction %s is in doubt; asking worker %d", a->path, r->tx_id,
                       kvd_txid_coord(r->tx_id));
        snprintf(a->indoubt_id, sizeof(a->indoubt_id), "%s", r->tx_id);
        a->indoubt_off = r->tx_off;
        a->indoubt_len = r->good_end - r->tx_off;
    }
    r->tx_id[0] = '\0';
    return rc;
}

int aof_replay(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    replay_t *r = replay_new(s);
    uint64_t t0 = s->env->mono_us(s->env);
    int rc = finish(r, settle_block(r, replay_run(r)));
    if (rc == 0) {
        a->size = r->good_end;
        a->base_size = a->size;
        a->synced_size = 0; /* not known: see sync_loaded */
        uint64_t ms = (s->env->mono_us(s->env) - t0) / 1000;
        kvd_log_notice("AOF %s loaded: %llu records, %llu bytes in %llu ms", a->path,
                       (unsigned long long)r->records, (unsigned long long)a->size,
                       (unsigned long long)ms);
    }
    replay_free(r);
    /* Replay is not traffic: counters start from the loaded state, as in Redis. */
    s->dirty = 0;
    kvd_shard_reset_stats(s);
    return rc;
}

void kvd_aof_indoubt_resolve(kvd_shard_t *s, bool commit)
{
    kvd_aof_t *a = s->aof;
    KVD_ASSERT(a != NULL && a->indoubt_id[0] != '\0');
    if (commit) {
        replay_t *r = replay_new(s);
        r->in_off = a->indoubt_off;
        r->end = a->indoubt_off + a->indoubt_len;
        int rc = replay_run(r);
        if (rc == 0 && r->tx_ready && strcmp(r->tx_id, a->indoubt_id) == 0) {
            a->loading = true; /* the block is in the file already */
            run_word(r, "EXEC");
            a->loading = false;
        } else {
            kvd_log_warning("AOF %s: the block of transaction %s no longer reads back (%s)",
                            a->path, a->indoubt_id, r->why);
        }
        replay_free(r);
    }
    kvd_log_notice("AOF %s: transaction %s %s", a->path, a->indoubt_id,
                   commit ? "committed by its coordinator: applied" : "aborted: dropped");
    aof_tx_record(a, commit ? "COMMIT" : "ABORT", a->indoubt_id, NULL, 0);
    a->force_sync = true;
    a->indoubt_id[0] = '\0';
}

/*
 * What replay read may be in the page cache only: a worker that died
 * after a failed fsync, or before everysec's, leaves its last writes
 * there, and a power loss can still take them.  A decision of the
 * committed set read from there must not count as durable (participants
 * commit on it) until it is synced: sync now, or (on failure) at the
 * first loop iteration that manages to.  Found by kvd-sim-xshard (seed
 * 9561 of make sim: an fdatasync EIO at the commit point, the worker
 * killed, the participants told COMMIT by the restarted coordinator,
 * then a power loss took the decision).
 */
static void sync_loaded(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    a->force_sync = true;
    if (aof_flush(s, true) < 0)
        return; /* logged; writes are refused until a retry succeeds */
    a->force_sync = false;
    aof_txset_synced(a);
}

int kvd_aof_load(kvd_shard_t *s)
{
    KVD_ASSERT(s->aof == NULL);
    kvd_aof_t *a = kvd_calloc(1, sizeof(*a));
    s->aof = a;
    a->fh = -1;
    a->path = aof_make_path(s->cfg, s->id, "");
    a->tmp_path = aof_make_path(s->cfg, s->id, "temp-rewrite-");
    aof_stream_init(&a->main);
    aof_stream_init(&a->rewrite);
    a->last_rewrite_time_sec = -1;
    a->last_rewrite_ok = true;
    a->last_fsync_ms = kvd_env_now_ms(s->env);
    for (int i = 0; i < s->ndbs; i++)
        kvd_db_set_expired_hook(s->dbs[i], aof_key_expired, s);
    if (!s->cfg->appendonly)
        return 0;
    int fh = s->env->file_open(s->env, a->path, KVD_ENV_O_READ | KVD_ENV_O_WRITE | KVD_ENV_O_CREATE);
    if (fh < 0) {
        aof_log_errno("open", a->path, fh);
        return -1;
    }
    a->fh = fh;
    a->state = AOF_ON;
    int rc = aof_replay(s);
    if (rc == 0)
        sync_loaded(s);
    return rc;
}

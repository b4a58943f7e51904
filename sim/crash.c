/*
 * crash.c - the worker's life in the simulator: start (replay the AOF
 * with kvd_aof_load, as src/event/worker.c does), the AOF hook of each
 * loop iteration, MISCONF, and crash and restart.
 *
 * A crash drops the shard's memory without any shutdown call, then the
 * simulated disk loses power (sim_disk.h says what survives), then a new
 * shard replays the file and the durability rule of durable.h is checked
 * against the reference model, which moves to the recovered state.
 */
#include "aof/aof_int.h"
#include "sim.h"

static void crash_fail(sim_t *s, const char *what)
{
    fprintf(stderr, "FAIL seed=%llu step=%llu now_ms=%lld: %s\nlast steps:\n",
            (unsigned long long)s->o.seed, (unsigned long long)s->step,
            (long long)sim_env_now_ms(&s->se), what);
    sim_trace_dump(&s->trace, stderr);
    sim_print_replay(s, stderr);
    exit(1);
}

/* A trace line, echoed under -v as main.c's are. */
#define TRACE(s, ...)                                                                        \
    do {                                                                                     \
        sim_trace_line(&(s)->trace, __VA_ARGS__);                                           \
        if ((s)->o.verbose)                                                                  \
            printf("%s\n", (s)->trace.ring[((s)->trace.count - 1) % SIM_TRACE_KEEP]);       \
    } while (0)

static void connect_client(sim_t *s, int i)
{
    kvd_client_t *c = &s->clients[i];
    kvd_client_init(c, s->shard);
    c->reply = &s->replies[i];
    /* Linked, so that the AOF can close the connections of a failed
     * group commit as it does a real worker's. */
    kvd_shard_link_client(s->shard, c);
    s->model_db[i] = 0;
}

static void disconnect_client(sim_t *s, int i)
{
    kvd_shard_unlink_client(s->shard, &s->clients[i]);
    kvd_client_release(&s->clients[i]);
}

void sim_shard_start(sim_t *s)
{
    s->shard = kvd_shard_create(0, 1, &s->se.env, &s->cfg);
    KVD_ASSERT(s->shard->ndbs >= MODEL_DBS);
    kvd_current_shard = s->shard; /* sim_fork.c's child finds it here */
    if (kvd_aof_load(s->shard) < 0)
        crash_fail(s, "the worker refused to start: its AOF did not load (the log above says why)");
    for (int i = 0; i < s->o.clients; i++)
        connect_client(s, i);
}

void sim_shard_drop(sim_t *s)
{
    for (int i = 0; i < s->o.clients; i++)
        disconnect_client(s, i);
    kvd_shard_destroy(s->shard);
    s->shard = NULL;
    kvd_current_shard = NULL;
}

void sim_aof_before_sleep(sim_t *s)
{
    kvd_aof_before_sleep(s->shard);
    if (s->shard->close_asap_pending == 0)
        return;
    s->shard->close_asap_pending = 0;
    for (int i = 0; i < s->o.clients; i++) {
        if (!(s->clients[i].flags & KVD_CLIENT_CLOSE_ASAP))
            continue;
        pending_t *p = &s->pend[i];
        if (p->active && p->executed)
            p->lost_reply = true; /* its write may or may not be on disk */
        disconnect_client(s, i);
        connect_client(s, i);
        model_client_reset(s->model, i); /* its MULTI and WATCHes went with it */
        s->st.dropped++;
        TRACE(s, "#%llu c%d dropped by the AOF (failed write or fsync)",
                       (unsigned long long)s->step, i);
    }
}

static bool reads_only(const kvd_arg_t *name)
{
    static const char *const reads[] = {
        "GET", "MGET", "EXISTS", "STRLEN", "TTL", "PTTL", "GETRANGE", "SELECT", "TYPE",
        "LRANGE", "LLEN", "LINDEX", "HGET", "HGETALL", "HLEN", "HEXISTS", "SISMEMBER",
        "SCARD", "SMEMBERS", "ZRANGE", "ZRANGEBYSCORE", "ZSCORE", "ZCARD", "ZRANK", "WATCH",
        "MULTI", "DISCARD"};
    for (size_t i = 0; i < KVD_ARRAY_LEN(reads); i++)
        if (model_arg_is(name, reads[i]))
            return true;
    return false;
}

bool sim_misconf(sim_t *s, const sim_cmd_t *cmd, const char *reply, size_t len)
{
    if (len < 8 || memcmp(reply, "-MISCONF", 8) != 0)
        return false;
    if (reads_only(&cmd->argv[0]))
        crash_fail(s, "MISCONF refused a command that does not write");
    if (!sim_disk_failing(s->disk, s->shard->aof->path))
        crash_fail(s, "MISCONF, but the AOF's disk has not failed since its last good fsync");
    s->st.misconf++;
    return true;
}

/* Every key of the recovered shard starts its new history. */
static void restart_histories(sim_t *s)
{
    sim_history_restart(&s->hist);
    uint64_t call = ++s->tick, ret = ++s->tick;
    for (int d = 0; d < MODEL_DBS; d++) {
        for (int k = 0; k < s->o.keys; k++) {
            char name[32], tmp[32];
            snprintf(name, sizeof(name), "key:%d", k);
            kvd_entry_t *e = kvd_db_find(s->shard->dbs[d], name, strlen(name));
            if (e == NULL || kvd_entry_type(e) != KVD_TYPE_STRING)
                continue; /* a non-string: the durability check has failed already */
            size_t n;
            const char *v = kvd_entry_str(e, &n, tmp);
            bool ttl = kvd_db_get_expire(s->shard->dbs[d], e) >= 0;
            sim_history_start_value(&s->hist, d, k, v, n, ttl, call, ret);
        }
    }
}

static void crash(sim_t *s, const char *where)
{
    s->st.crashes++;
    sim_trace_hash(&s->trace, "crash", 5);
    TRACE(s, "#%llu CRASH %s t=%lld", (unsigned long long)s->step, where,
                   (long long)sim_env_now_ms(&s->se));
    /* Commands in flight end now, outcome unknown: a request not run yet
     * may have been in the worker's socket buffer, a reply not sent was
     * lost with the worker. */
    for (int i = 0; i < s->o.clients; i++) {
        pending_t *p = &s->pend[i];
        if (!p->active)
            continue;
        if (!p->executed)
            p->executed = p->lost_request = true;
        else
            p->lost_reply = true;
        sim_deliver(s, i);
    }
    sim_check_history(s);
    sim_shard_drop(s);
    sim_disk_crash(s->disk);
    sim_shard_start(s);
    for (int i = 0; i < s->o.clients; i++)
        model_client_reset(s->model, i); /* new connections: no MULTI, no WATCH */
    sim_verify_all(s);
    sim_recovery_t res;
    sim_durable_recover(s->dur, s->model, s->shard, sim_env_now_ms(&s->se),
                        s->cfg.appendfsync == KVD_FSYNC_ALWAYS, &res);
    if (!res.ok)
        crash_fail(s, res.why);
    s->st.kept += res.kept, s->st.ran += res.ran;
    TRACE(s, "#%llu restarted: %llu of %llu commands kept (%llu needed)",
                   (unsigned long long)s->step, (unsigned long long)res.kept,
                   (unsigned long long)res.ran, (unsigned long long)res.needed);
    restart_histories(s);
}

void sim_maybe_crash(sim_t *s, const char *where)
{
    if (s->crash_one_in > 0 && sim_rng_one_in(&s->se.rng, s->crash_one_in))
        crash(s, where);
}

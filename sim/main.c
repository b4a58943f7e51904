/*
 * main.c - kvd-sim: run the shard core from a seed and check every reply.
 *
 * One step: move the virtual clock (and sometimes jump it), run the cron
 * when 100 ms of virtual time have passed, let one idle simulated client
 * send a command, run every command whose turn has come through
 * kvd_dispatch and compare its reply bytes with the reference model's,
 * deliver the replies that are due; then verify the databases'
 * invariants (and, after each command, those of the values it named:
 * verify.c).  A transaction is one client's call in two parts (txn.c).  A command stays in flight for a few steps (it runs at a
 * random point of that window), so the clients' calls overlap as real
 * ones do; every completed command goes into a per-key history, checked
 * for linearizability at the end.  Everything random comes from one PRNG
 * seeded with --seed, so a failure replays.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "aof/aof.h"
#include "cmd/command.h"
#include "core/log.h"
#include "sim.h"

static const char *const fault_names[] = {"none", "clock", "all"};
static const char *const fsync_names[] = {"always", "everysec", "no"};

/* For the abort handler: a failed KVD_ASSERT (invariants) still prints the replay. */
static sim_t *g_sim;

void sim_print_replay(const sim_t *s, FILE *out)
{
    fprintf(out, "replay: sim/kvd-sim --seed %llu --steps %llu --faults %s --clients %d --keys %d%s%s%s%s%s%s\n",
            (unsigned long long)s->o.seed, (unsigned long long)s->o.steps,
            fault_names[s->o.faults], s->o.clients, s->o.keys,
            s->o.no_compare ? " --no-compare" : "", s->o.no_crash ? " --no-crash" : "",
            s->o.no_ttl ? " --no-ttl" : "", s->o.strings ? " --strings-only" : "",
            s->o.fsync >= 0 ? " --appendfsync " : "", s->o.fsync >= 0 ? fsync_names[s->o.fsync] : "");
}

static void on_abort(int sig)
{
    KVD_UNUSED(sig);
    if (g_sim != NULL) {
        sim_t *s = g_sim;
        fprintf(stderr, "FAIL seed=%llu step=%llu: kvd aborted (assertion or invariant)\n"
                        "command: %s\nlast steps:\n",
                (unsigned long long)s->o.seed, (unsigned long long)s->step, s->cmdline);
        sim_trace_dump(&s->trace, stderr);
        sim_print_replay(s, stderr);
    }
    _exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: kvd-sim [--seed N] [--steps M] [--faults none|clock|all]"
                    " [--clients C] [--keys K] [--appendfsync always|everysec|no]"
                    " [--no-compare] [--no-crash] [--no-ttl] [--strings-only] [-v]\n");
    exit(2);
}

static uint64_t parse_u64(const char *s)
{
    uint64_t v;
    if (!sim_parse_u64(s, &v))
        usage();
    return v;
}

static void parse_opts(int argc, char **argv, sim_opts_t *o)
{
    *o = (sim_opts_t){.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
                      .steps = 2000, .faults = FAULTS_ALL, .clients = 8, .keys = 200,
                      .fsync = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "-v") == 0)
            o->verbose = true;
        else if (strcmp(a, "--no-compare") == 0)
            o->no_compare = true;
        else if (strcmp(a, "--no-crash") == 0)
            o->no_crash = true;
        else if (strcmp(a, "--no-ttl") == 0)
            o->no_ttl = true;
        else if (strcmp(a, "--strings-only") == 0)
            o->strings = true;
        else if (strcmp(a, "--appendfsync") == 0 && more) {
            const char *f = argv[++i];
            o->fsync = strcmp(f, "always") == 0 ? KVD_FSYNC_ALWAYS
                       : strcmp(f, "everysec") == 0 ? KVD_FSYNC_EVERYSEC
                       : strcmp(f, "no") == 0 ? KVD_FSYNC_NO : (usage(), 0);
        }
        else if (strcmp(a, "--seed") == 0 && more)
            o->seed = parse_u64(argv[++i]);
        else if (strcmp(a, "--steps") == 0 && more)
            o->steps = parse_u64(argv[++i]);
        else if (strcmp(a, "--clients") == 0 && more)
            o->clients = (int)parse_u64(argv[++i]);
        else if (strcmp(a, "--keys") == 0 && more)
            o->keys = (int)parse_u64(argv[++i]);
        else if (strcmp(a, "--faults") == 0 && more) {
            const char *f = argv[++i];
            o->faults = strcmp(f, "none") == 0 ? FAULTS_NONE
                        : strcmp(f, "clock") == 0 ? FAULTS_CLOCK
                        : strcmp(f, "all") == 0 ? FAULTS_ALL : (usage(), FAULTS_ALL);
        } else
            usage();
    }
    if (o->clients < 1 || o->clients > SIM_MAX_CLIENTS || o->keys < 1 ||
        o->keys > MODEL_MAX_KEYS / 2)
        usage();
}

/* Persistence as the seed says: the AOF always on, its fsync policy
 * mostly "always" (the one with a durability promise to check), a small
 * rewrite threshold so that rewrites (and their rename) happen in a run,
 * and under --faults all a faulty disk and worker crashes. */
static void setup_persistence(sim_t *s)
{
    sim_rng_t *r = &s->se.rng;
    uint64_t pick = sim_rng_below(r, 20);
    if (s->o.fsync < 0)
        s->cfg.appendfsync = pick < 12 ? KVD_FSYNC_ALWAYS : pick < 17 ? KVD_FSYNC_EVERYSEC
                                                                       : KVD_FSYNC_NO;
    else
        s->cfg.appendfsync = (kvd_fsync_t)s->o.fsync;
    s->cfg.appendonly = true;
    s->cfg.auto_aof_rewrite_min_size = (int64_t)(1024u << sim_rng_below(r, 6));
    bool faults = s->o.faults == FAULTS_ALL;
    s->se.buggify = faults;
    s->disk = sim_disk_attach(&s->se, faults);
    /* Per step and per crash point (three in a step): one crash in
     * 200-800 steps, a few in a default run. */
    uint64_t every = 600 + sim_rng_below(r, 1800);
    s->crash_one_in = faults && !s->o.no_crash ? every : 0;
    s->dur = s->crash_one_in > 0 ? sim_durable_new(s->o.keys) : NULL;
}

/* Small encoding thresholds, chosen by the seed, so that collections
 * change encoding (listpack to hashtable/skiplist, intset to listpack or
 * hashtable, quicklist nodes of a few entries) within a short run. */
static void setup_encodings(sim_t *s)
{
    sim_rng_t *r = &s->se.rng;
    static const int list_sizes[] = {-2, -1, 1, 2, 3, 8};
    static const int64_t entries[] = {1, 2, 4, 8, 128};
    static const int64_t values[] = {8, 16, 64};
    kvd_config_t *c = &s->cfg;
    c->list_max_listpack_size = list_sizes[sim_rng_below(r, 6)];
    c->hash_max_listpack_entries = entries[sim_rng_below(r, 5)];
    c->hash_max_listpack_value = values[sim_rng_below(r, 3)];
    c->set_max_intset_entries = entries[sim_rng_below(r, 5)];
    c->set_max_listpack_entries = entries[sim_rng_below(r, 5)];
    c->set_max_listpack_value = values[sim_rng_below(r, 3)];
    c->zset_max_listpack_entries = entries[sim_rng_below(r, 5)];
    c->zset_max_listpack_value = values[sim_rng_below(r, 3)];
}

static void sim_setup(sim_t *s)
{
    sim_env_init(&s->se, s->o.seed);
    kvd_log_set_level(s->o.verbose ? KVD_LOG_NOTICE : KVD_LOG_WARNING);
    kvd_commands_init();
    kvd_config_defaults(&s->cfg);
    setup_persistence(s);
    if (!s->o.strings)
        setup_encodings(s);
    int n = s->o.clients;
    s->clients = calloc((size_t)n, sizeof(*s->clients));
    s->replies = calloc((size_t)n, sizeof(*s->replies));
    s->model_db = calloc((size_t)n, sizeof(*s->model_db));
    s->pend = calloc((size_t)n, sizeof(*s->pend));
    s->txs = calloc((size_t)n, sizeof(*s->txs));
    s->model = malloc(sizeof(*s->model));
    KVD_ASSERT(s->clients && s->replies && s->model_db && s->pend && s->txs && s->model);
    for (int i = 0; i < n; i++)
        kvd_buf_init(&s->replies[i]);
    sim_shard_start(s);
    model_init(s->model);
    sim_workload_init(&s->wl, s->o.keys, 1.1);
    s->wl.no_ttl = s->o.no_ttl;
    s->wl.types = !s->o.strings;
    sim_trace_init(&s->trace);
    sim_history_init(&s->hist, MODEL_DBS, s->o.keys);
    s->last_cron_us = s->se.now_us;
}

static void sim_teardown(sim_t *s)
{
    sim_shard_drop(s);
    for (int i = 0; i < s->o.clients; i++)
        kvd_buf_free(&s->replies[i]);
    sim_disk_free(s->disk);
    if (s->dur != NULL)
        sim_durable_free(s->dur);
    kvd_config_free(&s->cfg);
    model_free(s->model);
    sim_workload_free(&s->wl);
    sim_history_free(&s->hist);
    free(s->clients), free(s->replies), free(s->model_db), free(s->pend), free(s->model);
    free(s->txs), free(s->norm.p);
}

/* Time between commands: mostly whole milliseconds (0 often), so the
 * boundary now == T of an expiry is hit exactly and regularly. */
static void advance_time(sim_t *s)
{
    sim_rng_t *r = &s->se.rng;
    uint64_t us = sim_rng_one_in(r, 4) ? 0 : sim_rng_below(r, 4) * 1000;
    if (sim_rng_one_in(r, 8))
        us += sim_rng_below(r, 1000);
    /* BUGGIFY: the clock jumps (NTP step, a stalled VM): whole TTLs elapse at once. */
    if (s->o.faults >= FAULTS_CLOCK && sim_rng_one_in(r, 300))
        us += (1 + sim_rng_below(r, 30)) * 1000000;
    sim_env_advance_us(&s->se, us);
    s->se.mono_tick_us = 1;
    /* BUGGIFY: a slow machine, so time budgets (active expiry, rehash) run out early. */
    if (s->o.faults == FAULTS_ALL && sim_rng_one_in(r, 50))
        s->se.mono_tick_us = 1 + sim_rng_below(r, 20000);
}

static void verify_dbs(sim_t *s, int upto)
{
    KVD_ASSERT(upto <= s->shard->ndbs);
    for (int i = 0; i < upto; i++)
        kvd_db_verify_invariants(s->shard->dbs[i]);
}

static void maybe_cron(sim_t *s)
{
    bool due = s->se.now_us - s->last_cron_us >= CRON_PERIOD_US;
    /* BUGGIFY: an extra cron at an arbitrary moment. */
    bool extra = s->o.faults == FAULTS_ALL && sim_rng_one_in(&s->se.rng, 100);
    if (!due && !extra)
        return;
    if (due)
        s->last_cron_us = s->se.now_us;
    snprintf(s->cmdline, sizeof(s->cmdline), "(cron)");
    /* As the worker's cron timer: the shard's work, then the AOF's. */
    kvd_shard_cron(s->shard);
    kvd_aof_cron(s->shard);
    sim_trace_hash(&s->trace, "cron", 4);
    sim_trace_line(&s->trace, "#%llu cron t=%lld", (unsigned long long)s->step,
                   (long long)sim_env_now_ms(&s->se));
    if (s->o.verbose)
        printf("%s\n", s->trace.ring[(s->trace.count - 1) % SIM_TRACE_KEEP]);
    sim_verify_all(s);
}

static void fail(sim_t *s, int ci, const char *what, const char *exp, size_t elen, const char *got,
                 size_t glen)
{
    char e[512], g[512];
    sim_escape(exp, elen, e, sizeof(e));
    sim_escape(got, glen, g, sizeof(g));
    fprintf(stderr,
            "FAIL seed=%llu step=%llu client=%d db=%d now_ms=%lld: %s\n"
            "command:  %s\nexpected: %s\ngot:      %s\nlast steps:\n",
            (unsigned long long)s->o.seed, (unsigned long long)s->step, ci, s->model_db[ci],
            (long long)sim_env_now_ms(&s->se), what, s->cmdline, e, g);
    sim_trace_dump(&s->trace, stderr);
    sim_print_replay(s, stderr);
    exit(1);
}

static void record(sim_t *s, int ci, const sim_cmd_t *cmd, const char *rp, size_t rn)
{
    int64_t now = sim_env_now_ms(&s->se);
    sim_trace_hash(&s->trace, &now, sizeof(now));
    for (int i = 0; i < cmd->argc; i++) {
        uint64_t len = cmd->argv[i].len;
        sim_trace_hash(&s->trace, &len, sizeof(len));
        sim_trace_hash(&s->trace, cmd->argv[i].ptr, cmd->argv[i].len);
    }
    sim_trace_hash(&s->trace, rp, rn);
    char r[80];
    sim_escape(rp, rn, r, sizeof(r));
    sim_trace_line(&s->trace, "#%llu c%d db%d t=%lld %.100s -> %s", (unsigned long long)s->step,
                   ci, s->model_db[ci], (long long)now, s->cmdline, r);
    if (s->o.verbose)
        printf("%s\n", s->trace.ring[(s->trace.count - 1) % SIM_TRACE_KEEP]);
}

/* kvd's reply (the bytes from `from` on) against the model's. */
static void compare(sim_t *s, int ci, const sim_cmd_t *cmd, size_t from, int db_before)
{
    const kvd_buf_t *got = s->clients[ci].reply;
    const model_sb_t *want = &s->model->reply;
    if (s->o.no_compare)
        return;
    model_normalize_reply(cmd->argv, cmd->argc, got->data + from, got->len - from, &s->norm);
    if (want->len != s->norm.len || memcmp(want->p, s->norm.p, want->len) != 0) {
        s->model_db[ci] = db_before;
        fail(s, ci, "reply differs from the model", want->p, want->len, s->norm.p, s->norm.len);
    }
    if (s->clients[ci].db_index != s->model_db[ci])
        fail(s, ci, "client database differs from the model", "", 0, "", 0);
}

/*
 * Run one command of client ci through kvd_dispatch (its reply appended
 * to the client's buffer) and through the model, and compare.  dargv
 * names the keys the durability log saves first (NULL: the command
 * changes nothing on its own, as MULTI or a queued command); single
 * says it is a whole request (MISCONF may refuse it).
 */
void sim_run_one(sim_t *s, int ci, sim_cmd_t *cmd, const kvd_arg_t *dargv, int dargc, bool single)
{
    pending_t *p = &s->pend[ci];
    kvd_client_t *c = &s->clients[ci];
    size_t from = c->reply->len;
    sim_cmd_format(cmd, s->cmdline, sizeof(s->cmdline));
    c->argc = cmd->argc;
    c->argv = cmd->argv;
    kvd_dispatch(c);
    c->argc = 0;
    c->argv = NULL; /* the arguments belong to the pending slot */
    if (sim_misconf(s, cmd, c->reply->data + from, c->reply->len - from)) {
        /* The disk failed: kvd refused it, so nothing happened (in
         * MULTI, the transaction is doomed). */
        p->refused = single;
        model_refused(s->model, ci);
        record(s, ci, cmd, c->reply->data + from, c->reply->len - from);
        return;
    }
    int db_before = s->model_db[ci];
    int64_t now = sim_env_now_ms(&s->se);
    if (s->dur != NULL && dargv != NULL)
        p->didx = sim_durable_before(s->dur, s->model, db_before, dargv, dargc, s->cmdline);
    bool modelled = model_exec(s->model, ci, &s->model_db[ci], cmd->argv, cmd->argc, now,
                               c->reply->data + from, c->reply->len - from);
    KVD_ASSERT(modelled);
    if (s->dur != NULL && dargv != NULL)
        sim_durable_after(s->dur, s->model, now);
    record(s, ci, cmd, c->reply->data + from, c->reply->len - from);
    sim_verify_keys(s, c->db_index, cmd->argv, cmd->argc);
    compare(s, ci, cmd, from, db_before);
}

/* Run client ci's pending command (or the due part of its transaction). */
static void execute(sim_t *s, int ci)
{
    pending_t *p = &s->pend[ci];
    if (p->tx != NULL) {
        sim_tx_run(s, ci);
        return;
    }
    p->executed = true;
    if (p->lost_request)
        return;
    kvd_buf_clear(s->clients[ci].reply);
    sim_run_one(s, ci, &p->cmd, p->cmd.argv, p->cmd.argc, true);
}

/* The reply reaches client ci (or is lost): the command joins the
 * history (unless MISCONF refused it), and a reply that arrived
 * acknowledges the command for the durability check. */
void sim_deliver(sim_t *s, int ci)
{
    pending_t *p = &s->pend[ci];
    uint64_t ret = ++s->tick;
    bool lost = p->lost_request || p->lost_reply;
    const kvd_buf_t *r = s->clients[ci].reply;
    if (p->tx != NULL)
        sim_tx_record(s, ci, lost, ret);
    else if (!p->refused)
        sim_history_record(&s->hist, p->db, p->cmd.argv, p->cmd.argc, lost ? NULL : r->data,
                           lost ? 0 : r->len, p->call, ret);
    if (!lost && !p->refused && s->dur != NULL)
        sim_durable_acked(s->dur, p->didx);
    sim_trace_hash(&s->trace, &ret, sizeof(ret));
    p->active = false;
}

/* A random idle client calls: its command runs within 0-2 steps and its
 * reply arrives 0-2 steps after that. */
static void issue(sim_t *s)
{
    sim_rng_t *r = &s->se.rng;
    int n = s->o.clients, ci = (int)sim_rng_below(r, (uint64_t)n);
    for (int k = 0; k < n && s->pend[ci].active; k++)
        ci = (ci + 1) % n;
    pending_t *p = &s->pend[ci];
    if (p->active)
        return; /* everyone is waiting for a reply */
    p->tx = NULL;
    if (sim_workload_wants_tx(&s->wl, r)) {
        p->tx = &s->txs[ci];
        sim_workload_tx(&s->wl, r, s->model_db[ci], p->tx);
        p->phase = p->tx->split > 0 ? 0 : 1;
        p->cmd = p->tx->cmds[p->tx->n - 1]; /* for the trace: EXEC or DISCARD */
    } else {
        sim_workload_next(&s->wl, r, s->model_db[ci], &p->cmd);
    }
    p->active = true, p->executed = false;
    p->didx = UINT64_MAX; /* no durability entry (yet): its reply acknowledges nothing */
    p->lost_request = p->lost_reply = p->refused = false;
    p->call = ++s->tick;
    p->db = s->model_db[ci];
    p->exec_step = s->step + sim_rng_below(r, 3);
    p->ret_step = p->exec_step + sim_rng_below(r, 3);
    /* BUGGIFY: a dropped connection takes the request or its reply with it
     * (not SELECT's: the client would have to reconnect to know its database). */
    if (s->o.faults == FAULTS_ALL && sim_rng_one_in(r, 40) && !model_arg_is(&p->cmd.argv[0], "SELECT")) {
        if (sim_rng_one_in(r, 2))
            p->lost_request = true;
        else
            p->lost_reply = true;
    }
}

/* Run and deliver whatever is due (every step, or all of it at the end). */
/*
 * One loop iteration of the worker: run the commands that are due, then
 * kvd_aof_before_sleep, and only then release replies (those due now,
 * of commands run in this or an earlier iteration), as the worker's
 * prepare watcher does; a reply released counts as an acknowledgement.
 * The worker may crash between any two of these.
 */
static void progress(sim_t *s, bool drain)
{
    for (int i = 0; i < s->o.clients; i++) {
        pending_t *p = &s->pend[i];
        /* (A transaction's WATCH and its EXEC are two executions.) */
        for (int k = 0; k < 2; k++)
            if (p->active && !p->executed && (drain || p->exec_step <= s->step))
                execute(s, i);
    }
    if (!drain)
        sim_maybe_crash(s, "before the AOF write");
    sim_aof_before_sleep(s);
    if (!drain)
        sim_maybe_crash(s, "after the AOF write, before the replies");
    for (int i = 0; i < s->o.clients; i++) {
        pending_t *p = &s->pend[i];
        if (p->active && p->executed && (drain || p->ret_step <= s->step))
            sim_deliver(s, i);
    }
}

static void run_step(sim_t *s)
{
    advance_time(s);
    maybe_cron(s);
    issue(s);
    progress(s, false);
    verify_dbs(s, MODEL_DBS);
    sim_maybe_crash(s, "after the replies");
}

void sim_check_history(sim_t *s)
{
    sim_lin_summary_t sum;
    bool ok = sim_history_check(&s->hist, LIN_MAX_WORK, &sum);
    if (s->o.verbose || sum.unknown > 0)
        printf("linearizability: %llu ops (%llu overlapping) on %d keys, %llu search steps"
               " (at most %llu on one key), %d unknown\n", (unsigned long long)s->hist.ops,
               (unsigned long long)sum.overlapping, sum.keys_checked,
               (unsigned long long)sum.work, (unsigned long long)sum.max_work_key, sum.unknown);
    if (ok)
        return;
    fprintf(stderr, "FAIL seed=%llu: the history of db%d key:%d is not linearizable\n",
            (unsigned long long)s->o.seed, sum.failed_db, sum.failed_rank);
    sim_history_dump_failure(&s->hist, &sum, stderr);
    sim_print_replay(s, stderr);
    exit(1);
}

/* The whole keyspace against the model's, once the last reply is in: a
 * divergence that no reply happened to show (a write applied wrong and
 * never read back) fails here. */
static void check_final_state(sim_t *s)
{
    char why[512];
    sim_durable_t *u = s->dur != NULL ? s->dur : sim_durable_new(s->o.keys);
    bool ok = s->o.no_compare ||
              sim_durable_same_state(u, s->model, s->shard, sim_env_now_ms(&s->se), why,
                                     sizeof(why));
    if (u != s->dur)
        sim_durable_free(u);
    if (ok)
        return;
    fprintf(stderr, "FAIL seed=%llu: at the end of the run kvd's keyspace differs from the"
                    " model's: %s\n", (unsigned long long)s->o.seed, why);
    sim_print_replay(s, stderr);
    exit(1);
}

static void print_stats(const sim_t *s)
{
    const sim_disk_stats_t *d = sim_disk_stats(s->disk);
    const model_stats_t *m = &s->model->st;
    printf("model: %llu EXEC run, %llu aborted by WATCH, %llu SPOP, %llu WRONGTYPE;"
           " %llu values verified at crons and restarts\n",
           (unsigned long long)m->exec_run, (unsigned long long)m->exec_aborted,
           (unsigned long long)m->spops, (unsigned long long)m->wrongtype,
           (unsigned long long)s->st.verified);
    printf("aof: appendfsync %s, %llu crashes (kept %llu of %llu commands run before them),"
           " %llu MISCONF, %llu connections dropped\n",
           fsync_names[s->cfg.appendfsync], (unsigned long long)s->st.crashes,
           (unsigned long long)s->st.kept, (unsigned long long)s->st.ran,
           (unsigned long long)s->st.misconf, (unsigned long long)s->st.dropped);
    printf("disk: %llu appends (%llu bytes), %llu fsyncs, %llu renames, %llu short writes,"
           " %llu ENOSPC, %llu EIO, %llu unsynced bytes kept and %llu lost at crashes\n",
           (unsigned long long)d->appends, (unsigned long long)d->bytes,
           (unsigned long long)d->syncs, (unsigned long long)d->renames,
           (unsigned long long)d->short_writes, (unsigned long long)d->enospc,
           (unsigned long long)d->eio, (unsigned long long)d->unsynced_kept,
           (unsigned long long)d->unsynced_lost);
}

int main(int argc, char **argv)
{
    static sim_t sim;
    sim_t *s = &sim;
    parse_opts(argc, argv, &s->o);
    g_sim = s;
    signal(SIGABRT, on_abort);
    sim_setup(s);
    for (s->step = 1; s->step <= s->o.steps; s->step++)
        run_step(s);
    s->step = s->o.steps;
    progress(s, true);
    sim_check_history(s);
    check_final_state(s);
    printf("seed=%llu steps=%llu trace=%016llx\n", (unsigned long long)s->o.seed,
           (unsigned long long)s->o.steps, (unsigned long long)s->trace.hash);
    if (s->o.verbose)
        print_stats(s);
    sim_teardown(s);
    return 0;
}

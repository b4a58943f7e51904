/*
 * main.c - kvd-sim: run the shard core from a seed and check every reply.
 *
 * One step: move the virtual clock (and sometimes jump it), run the cron
 * when 100 ms of virtual time have passed, let one idle simulated client
 * send a command, run every command whose turn has come through
 * kvd_dispatch and compare its reply bytes with the reference model's,
 * deliver the replies that are due; then verify the databases'
 * invariants.  A command stays in flight for a few steps (it runs at a
 * random point of that window), so the clients' calls overlap as real
 * ones do; every completed command goes into a per-key history, checked
 * for linearizability at the end.  Everything random comes from one PRNG
 * seeded with --seed, so a failure replays.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/shard.h"
#include "history.h"
#include "model.h"
#include "sim_env.h"
#include "trace.h"
#include "workload.h"

#define SIM_MAX_CLIENTS 256
#define CRON_PERIOD_US 100000
/* Per key; a simulated history is far below it (see sim/run-seeds.sh output with -v). */
#define LIN_MAX_WORK 2000000

typedef enum { FAULTS_NONE, FAULTS_CLOCK, FAULTS_ALL } faults_t;

typedef struct sim_opts {
    uint64_t seed;
    uint64_t steps;
    faults_t faults;
    int clients, keys;
    bool verbose;
    bool no_compare; /* skip the model comparison: what do the other checks catch alone? */
} sim_opts_t;

/* A client's command between its call and the delivery of its reply. */
typedef struct pending {
    bool active, executed;
    bool lost_request; /* BUGGIFY: never reaches kvd; the client cannot tell */
    bool lost_reply;   /* BUGGIFY: kvd runs it, the reply never arrives */
    uint64_t call;     /* event time of the call */
    uint64_t exec_step, ret_step;
    int db;            /* the client's database when it called */
    sim_cmd_t cmd;
} pending_t;

typedef struct sim {
    sim_opts_t o;
    sim_env_t se;
    kvd_config_t cfg;
    kvd_shard_t *shard;
    kvd_client_t *clients;
    kvd_buf_t *replies;
    int *model_db; /* each client's database as the model sees it */
    model_t *model;
    sim_workload_t wl;
    sim_trace_t trace;
    pending_t *pend;
    sim_history_t hist;
    uint64_t tick; /* event clock of calls and returns, for the history */
    uint64_t step;
    uint64_t last_cron_us;
    char cmdline[SIM_TRACE_LINE];
} sim_t;

static const char *const fault_names[] = {"none", "clock", "all"};

/* For the abort handler: a failed KVD_ASSERT (invariants) still prints the replay. */
static sim_t *g_sim;

static void print_replay(const sim_t *s, FILE *out)
{
    fprintf(out, "replay: sim/kvd-sim --seed %llu --steps %llu --faults %s --clients %d --keys %d%s\n",
            (unsigned long long)s->o.seed, (unsigned long long)s->o.steps,
            fault_names[s->o.faults], s->o.clients, s->o.keys,
            s->o.no_compare ? " --no-compare" : "");
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
        print_replay(s, stderr);
    }
    _exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: kvd-sim [--seed N] [--steps M] [--faults none|clock|all]"
                    " [--clients C] [--keys K] [--no-compare] [-v]\n");
    exit(2);
}

static uint64_t parse_u64(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0')
        usage();
    return (uint64_t)v;
}

static void parse_opts(int argc, char **argv, sim_opts_t *o)
{
    *o = (sim_opts_t){.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
                      .steps = 2000, .faults = FAULTS_ALL, .clients = 8, .keys = 200};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "-v") == 0)
            o->verbose = true;
        else if (strcmp(a, "--no-compare") == 0)
            o->no_compare = true;
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

static void sim_setup(sim_t *s)
{
    sim_env_init(&s->se, s->o.seed);
    kvd_commands_init();
    kvd_config_defaults(&s->cfg);
    s->shard = kvd_shard_create(0, 1, &s->se.env, &s->cfg);
    KVD_ASSERT(s->shard->ndbs >= MODEL_DBS);
    int n = s->o.clients;
    s->clients = calloc((size_t)n, sizeof(*s->clients));
    s->replies = calloc((size_t)n, sizeof(*s->replies));
    s->model_db = calloc((size_t)n, sizeof(*s->model_db));
    s->pend = calloc((size_t)n, sizeof(*s->pend));
    s->model = malloc(sizeof(*s->model));
    KVD_ASSERT(s->clients && s->replies && s->model_db && s->pend && s->model);
    for (int i = 0; i < n; i++) {
        kvd_client_init(&s->clients[i], s->shard);
        kvd_buf_init(&s->replies[i]);
        s->clients[i].reply = &s->replies[i];
    }
    model_init(s->model);
    sim_workload_init(&s->wl, s->o.keys, 1.1);
    sim_trace_init(&s->trace);
    sim_history_init(&s->hist, MODEL_DBS, s->o.keys);
    s->last_cron_us = s->se.now_us;
}

static void sim_teardown(sim_t *s)
{
    for (int i = 0; i < s->o.clients; i++) {
        kvd_client_release(&s->clients[i]);
        kvd_buf_free(&s->replies[i]);
    }
    kvd_shard_destroy(s->shard);
    kvd_config_free(&s->cfg);
    model_free(s->model);
    sim_workload_free(&s->wl);
    sim_history_free(&s->hist);
    free(s->clients), free(s->replies), free(s->model_db), free(s->pend), free(s->model);
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
    kvd_shard_cron(s->shard);
    sim_trace_hash(&s->trace, "cron", 4);
    sim_trace_line(&s->trace, "#%llu cron t=%lld", (unsigned long long)s->step,
                   (long long)sim_env_now_ms(&s->se));
    if (s->o.verbose)
        printf("%s\n", s->trace.ring[(s->trace.count - 1) % SIM_TRACE_KEEP]);
    verify_dbs(s, s->shard->ndbs);
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
    print_replay(s, stderr);
    exit(1);
}

static void record(sim_t *s, int ci, const sim_cmd_t *cmd, const kvd_buf_t *reply)
{
    int64_t now = sim_env_now_ms(&s->se);
    sim_trace_hash(&s->trace, &now, sizeof(now));
    for (int i = 0; i < cmd->argc; i++) {
        uint64_t len = cmd->argv[i].len;
        sim_trace_hash(&s->trace, &len, sizeof(len));
        sim_trace_hash(&s->trace, cmd->argv[i].ptr, cmd->argv[i].len);
    }
    sim_trace_hash(&s->trace, reply->data, reply->len);
    char r[80];
    sim_escape(reply->data, reply->len, r, sizeof(r));
    sim_trace_line(&s->trace, "#%llu c%d db%d t=%lld %.100s -> %s", (unsigned long long)s->step,
                   ci, s->model_db[ci], (long long)now, s->cmdline, r);
    if (s->o.verbose)
        printf("%s\n", s->trace.ring[(s->trace.count - 1) % SIM_TRACE_KEEP]);
}

/* Run client ci's pending command now: kvd's reply against the model's. */
static void execute(sim_t *s, int ci)
{
    pending_t *p = &s->pend[ci];
    kvd_client_t *c = &s->clients[ci];
    sim_cmd_t *cmd = &p->cmd;
    p->executed = true;
    if (p->lost_request)
        return;
    sim_cmd_format(cmd, s->cmdline, sizeof(s->cmdline));
    kvd_buf_clear(c->reply);
    c->argc = cmd->argc;
    c->argv = cmd->argv;
    kvd_dispatch(c);
    c->argc = 0;
    c->argv = NULL; /* the arguments belong to the pending slot */

    int db_before = s->model_db[ci];
    bool modelled = model_exec(s->model, &s->model_db[ci], cmd->argv, cmd->argc,
                               sim_env_now_ms(&s->se));
    KVD_ASSERT(modelled);
    record(s, ci, cmd, c->reply);
    const model_sb_t *want = &s->model->reply;
    bool differs = want->len != c->reply->len || memcmp(want->p, c->reply->data, want->len) != 0;
    if (differs && !s->o.no_compare) {
        s->model_db[ci] = db_before;
        fail(s, ci, "reply differs from the model", want->p, want->len, c->reply->data,
             c->reply->len);
    }
    if (c->db_index != s->model_db[ci] && !s->o.no_compare)
        fail(s, ci, "client database differs from the model", "", 0, "", 0);
}

/* The reply reaches client ci (or is lost): the command joins the history. */
static void deliver(sim_t *s, int ci)
{
    pending_t *p = &s->pend[ci];
    uint64_t ret = ++s->tick;
    bool lost = p->lost_request || p->lost_reply;
    const kvd_buf_t *r = s->clients[ci].reply;
    sim_history_record(&s->hist, p->db, p->cmd.argv, p->cmd.argc, lost ? NULL : r->data,
                       lost ? 0 : r->len, p->call, ret);
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
    sim_workload_next(&s->wl, r, s->model_db[ci], &p->cmd);
    p->active = true, p->executed = false;
    p->lost_request = p->lost_reply = false;
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
static void progress(sim_t *s, bool drain)
{
    for (int i = 0; i < s->o.clients; i++) {
        pending_t *p = &s->pend[i];
        if (p->active && !p->executed && (drain || p->exec_step <= s->step))
            execute(s, i);
        if (p->active && p->executed && (drain || p->ret_step <= s->step))
            deliver(s, i);
    }
}

static void run_step(sim_t *s)
{
    advance_time(s);
    maybe_cron(s);
    issue(s);
    progress(s, false);
    verify_dbs(s, MODEL_DBS);
}

static void check_history(sim_t *s)
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
    print_replay(s, stderr);
    exit(1);
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
    check_history(s);
    printf("seed=%llu steps=%llu trace=%016llx\n", (unsigned long long)s->o.seed,
           (unsigned long long)s->o.steps, (unsigned long long)s->trace.hash);
    sim_teardown(s);
    return 0;
}

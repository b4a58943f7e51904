/*
 * main.c - kvd-sim: run the shard core from a seed and check every reply.
 *
 * One step: move the virtual clock (and sometimes jump it), run the cron
 * when 100 ms of virtual time have passed, let one simulated client send
 * one command through kvd_dispatch, and compare the reply bytes with the
 * reference model's; then verify the databases' invariants.  Everything
 * random comes from one PRNG seeded with --seed, so a failure replays.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/shard.h"
#include "model.h"
#include "sim_env.h"
#include "trace.h"
#include "workload.h"

#define SIM_MAX_CLIENTS 256
#define CRON_PERIOD_US 100000

typedef enum { FAULTS_NONE, FAULTS_CLOCK, FAULTS_ALL } faults_t;

typedef struct sim_opts {
    uint64_t seed;
    uint64_t steps;
    faults_t faults;
    int clients, keys;
    bool verbose;
} sim_opts_t;

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
    uint64_t step;
    uint64_t last_cron_us;
    char cmdline[SIM_TRACE_LINE];
} sim_t;

static const char *const fault_names[] = {"none", "clock", "all"};

/* For the abort handler: a failed KVD_ASSERT (invariants) still prints the replay. */
static sim_t *g_sim;

static void print_replay(const sim_t *s, FILE *out)
{
    fprintf(out, "replay: sim/kvd-sim --seed %llu --steps %llu --faults %s --clients %d --keys %d\n",
            (unsigned long long)s->o.seed, (unsigned long long)s->o.steps,
            fault_names[s->o.faults], s->o.clients, s->o.keys);
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
                    " [--clients C] [--keys K] [-v]\n");
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
    s->model = malloc(sizeof(*s->model));
    KVD_ASSERT(s->clients && s->replies && s->model_db && s->model);
    for (int i = 0; i < n; i++) {
        kvd_client_init(&s->clients[i], s->shard);
        kvd_buf_init(&s->replies[i]);
        s->clients[i].reply = &s->replies[i];
    }
    model_init(s->model);
    sim_workload_init(&s->wl, s->o.keys, 1.1);
    sim_trace_init(&s->trace);
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
    free(s->clients), free(s->replies), free(s->model_db), free(s->model);
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

static void run_step(sim_t *s)
{
    advance_time(s);
    maybe_cron(s);
    int ci = (int)sim_rng_below(&s->se.rng, (uint64_t)s->o.clients);
    kvd_client_t *c = &s->clients[ci];
    sim_cmd_t cmd;
    sim_workload_next(&s->wl, &s->se.rng, s->model_db[ci], &cmd);
    sim_cmd_format(&cmd, s->cmdline, sizeof(s->cmdline));

    kvd_buf_clear(c->reply);
    c->argc = cmd.argc;
    c->argv = cmd.argv;
    kvd_dispatch(c);
    c->argc = 0;
    c->argv = NULL; /* cmd dies with this frame */

    int db_before = s->model_db[ci];
    bool modelled = model_exec(s->model, &s->model_db[ci], cmd.argv, cmd.argc,
                               sim_env_now_ms(&s->se));
    KVD_ASSERT(modelled);
    record(s, ci, &cmd, c->reply);
    const model_sb_t *want = &s->model->reply;
    if (want->len != c->reply->len || memcmp(want->p, c->reply->data, want->len) != 0) {
        s->model_db[ci] = db_before;
        fail(s, ci, "reply differs from the model", want->p, want->len, c->reply->data,
             c->reply->len);
    }
    if (c->db_index != s->model_db[ci])
        fail(s, ci, "client database differs from the model", "", 0, "", 0);
    verify_dbs(s, MODEL_DBS);
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
    printf("seed=%llu steps=%llu trace=%016llx\n", (unsigned long long)s->o.seed,
           (unsigned long long)s->o.steps, (unsigned long long)s->trace.hash);
    sim_teardown(s);
    return 0;
}

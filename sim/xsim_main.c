/*
 * xsim_main.c - kvd-sim-xshard: cross-shard transactions on 2-5 shards
 * through crashes, from a seed (see xsim.h).
 *
 *   sim/kvd-sim-xshard --seed N [--steps M] [--shards K]
 *                      [--appendfsync always|everysec|no] [--faults none|all]
 *                      [--lax-replies] [-v]
 *
 * --faults none: no disk faults and no crash but the final one.  The last
 * line is the trace hash: the same seed gives the same hash.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cmd/command.h"
#include "core/log.h"
#include "xsim.h"

static const char *const fsync_names[] = {"always", "everysec", "no"};
#define HEAL_MAX_STEPS 20000

static xsim_t *g_x; /* for the abort handler */

static void print_replay(const xsim_t *x, FILE *out)
{
    fprintf(out, "replay: sim/kvd-sim-xshard --seed %llu --steps %llu --faults %s",
            (unsigned long long)x->o.seed, (unsigned long long)x->o.steps,
            x->o.faults ? "all" : "none");
    if (x->o.fsync >= 0)
        fprintf(out, " --appendfsync %s", fsync_names[x->o.fsync]);
    if (x->o.shards > 0)
        fprintf(out, " --shards %d", x->o.shards);
    fprintf(out, "%s\n", x->o.lax_replies ? " --lax-replies" : "");
}

void xs_fail(xsim_t *x, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    sim_fail_report(&x->trace, x->o.seed, x->step, x->n, fsync_names[x->cfg.appendfsync],
                    x->healing, what);
    print_replay(x, stderr);
    exit(1);
}

void xs_trace(xsim_t *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_trace_step(&x->trace, x->o.verbose, fmt, ap);
    va_end(ap);
}

static void on_abort(int sig)
{
    KVD_UNUSED(sig);
    if (g_x != NULL) {
        sim_fail_report(&g_x->trace, g_x->o.seed, g_x->step, g_x->n,
                        fsync_names[g_x->cfg.appendfsync], g_x->healing,
                        "kvd aborted (assertion)");
        print_replay(g_x, stderr);
    }
    _exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: kvd-sim-xshard [--seed N] [--steps M] [--shards 2-5]"
                    " [--appendfsync always|everysec|no] [--faults none|all] [--lax-replies] [-v]\n");
    exit(2);
}

static uint64_t parse_u64(const char *s)
{
    uint64_t v;
    if (!sim_parse_u64(s, &v))
        usage();
    return v;
}

static void parse_opts(int argc, char **argv, xs_opts_t *o)
{
    *o = (xs_opts_t){.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32), .steps = 1500,
                     .faults = true, .fsync = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "-v") == 0)
            o->verbose = true;
        else if (strcmp(a, "--lax-replies") == 0)
            o->lax_replies = true;
        else if (strcmp(a, "--seed") == 0 && more)
            o->seed = parse_u64(argv[++i]);
        else if (strcmp(a, "--steps") == 0 && more)
            o->steps = parse_u64(argv[++i]);
        else if (strcmp(a, "--shards") == 0 && more)
            o->shards = (int)parse_u64(argv[++i]);
        else if (strcmp(a, "--faults") == 0 && more)
            o->faults = strcmp(argv[++i], "none") != 0;
        else if (strcmp(a, "--appendfsync") == 0 && more) {
            const char *f = argv[++i];
            o->fsync = strcmp(f, "always") == 0 ? KVD_FSYNC_ALWAYS
                       : strcmp(f, "everysec") == 0 ? KVD_FSYNC_EVERYSEC
                       : strcmp(f, "no") == 0 ? KVD_FSYNC_NO : (usage(), 0);
        } else
            usage();
    }
    if (o->shards != 0 && (o->shards < 2 || o->shards > XS_MAX_SHARDS))
        usage();
}

static void setup(xsim_t *x)
{
    sim_rng_seed(&x->rng, x->o.seed);
    x->now_us = UINT64_C(1700000000000000);
    kvd_log_set_level(x->o.verbose ? KVD_LOG_NOTICE : KVD_LOG_WARNING);
    kvd_commands_init();
    kvd_config_defaults(&x->cfg);
    x->n = x->o.shards ? x->o.shards : 2 + (int)sim_rng_below(&x->rng, XS_MAX_SHARDS - 1);
    uint64_t pick = sim_rng_below(&x->rng, 5);
    x->cfg.appendfsync = x->o.fsync >= 0 ? (kvd_fsync_t)x->o.fsync
                         : pick < 2      ? KVD_FSYNC_ALWAYS
                         : pick < 4      ? KVD_FSYNC_EVERYSEC
                                         : KVD_FSYNC_NO;
    x->cfg.appendonly = true;
    /* Small files rewrite often, so the committed set crosses rewrites. */
    x->cfg.auto_aof_rewrite_min_size = (int64_t)(512u << sim_rng_below(&x->rng, 4));
    x->log = kvd_calloc(XS_MAX_LOG, sizeof(*x->log));
    sim_trace_init(&x->trace);
    for (int i = 0; i < x->n; i++) {
        xs_shard_t *sh = &x->shards[i];
        sh->id = i;
        sim_env_init(&sh->se, x->o.seed * 1000003u + (uint64_t)i + 1);
        sh->se.buggify = x->o.faults;
        sh->disk = sim_disk_attach(&sh->se, x->o.faults);
        kvd_buf_init(&sh->reply);
        xs_shard_start(x, i);
    }
}

static void teardown(xsim_t *x)
{
    for (int i = 0; i < x->n; i++) {
        xs_shard_t *sh = &x->shards[i];
        kvd_client_release(&sh->client);
        kvd_shard_destroy(sh->sh);
        kvd_buf_free(&sh->reply);
        sim_disk_free(sh->disk);
        kvd_free(sh->decided);
    }
    kvd_current_shard = NULL;
    kvd_free(x->log);
    kvd_config_free(&x->cfg);
}

/* Time moves; each shard's cron runs every 100 ms of it (everysec's
 * fsync, retries after disk errors, rewrites started and installed). */
static void advance(xsim_t *x)
{
    x->now_us += sim_rng_below(&x->rng, 40) * 1000;
    for (int i = 0; i < x->n; i++)
        if (x->now_us - x->shards[i].last_cron_us >= 100000)
            xs_cron(x, i);
}

/* One step of the run: an action chosen by the seed. */
static void step(xsim_t *x, uint64_t crash_one_in)
{
    sim_rng_t *r = &x->rng;
    uint64_t pick = sim_rng_below(r, 100);
    bool done = false;
    if (!x->healing && crash_one_in > 0 && sim_rng_one_in(r, crash_one_in)) {
        xs_crash_step(x);
        done = true;
    } else if (!x->healing && crash_one_in > 0 && xs_crash_failing(x)) {
        done = true;
    } else if (pick < 12 && !x->healing) {
        xs_start_tx(x);
        done = true;
    } else if (pick < 60) {
        done = xs_tx_step(x);
    } else if (pick < 72) {
        done = xs_commit_step(x);
    } else if (pick < 80) {
        done = xs_ack_step(x);
    } else if (pick < 90) {
        done = xs_doubt_step(x);
    } else if (pick < 96 && !x->healing) {
        xs_rewrite(x, (int)sim_rng_below(r, (uint64_t)x->n));
        done = true;
    }
    if (!done) /* a quiet moment: one shard's loop goes round */
        xs_flush(x, (int)sim_rng_below(r, (uint64_t)x->n));
    advance(x);
}

/* No more faults, crashes or new transactions: everything in flight must
 * reach its end (check 3: the committed sets empty). */
static void heal(xsim_t *x)
{
    x->healing = true;
    for (int i = 0; i < x->n; i++)
        sim_disk_set_faults(x->shards[i].disk, false), x->shards[i].se.buggify = false;
    for (int k = 0; k < HEAL_MAX_STEPS && !xs_quiet(x); k++) {
        x->step++;
        step(x, 0);
        xs_check(x, false);
    }
    if (!xs_quiet(x))
        xs_fail(x, "the transactions did not settle within %d steps without faults "
                   "(a doubt nobody answers, or a committed set that never empties)",
                HEAL_MAX_STEPS);
    xs_check(x, true);
}

static void run(xsim_t *x)
{
    /* A crash every 40-200 steps. */
    uint64_t crash_one_in = x->o.faults ? 40 + sim_rng_below(&x->rng, 160) : 0;
    for (x->step = 1; x->step <= x->o.steps; x->step++) {
        step(x, crash_one_in);
        xs_check(x, false);
    }
    heal(x);
    /* Everything settled: one more crash of every shard, then again. */
    x->healing = false;
    xs_trace(x, "#%llu final crash", (unsigned long long)x->step);
    sim_rng_t *r = &x->rng;
    bool power = x->cfg.appendfsync != KVD_FSYNC_NO && !sim_rng_one_in(r, 3);
    for (int i = 0; i < x->n; i++)
        xs_crash(x, i, power);
    for (int i = 0; i < x->n; i++)
        xs_shard_start(x, i);
    xs_check(x, false);
    heal(x);
}

int main(int argc, char **argv)
{
    xsim_t *x = kvd_calloc(1, sizeof(*x));
    parse_opts(argc, argv, &x->o);
    g_x = x;
    signal(SIGABRT, on_abort);
    setup(x);
    run(x);
    const xs_stats_t *st = &x->st;
    printf("seed %llu: %d shards, appendfsync %s, %llu steps: %llu transactions (%llu two-phase "
           "committed, %llu one phase, %llu aborted, %llu answered), %llu crashes (%llu power), "
           "%llu restarts after an abort, %llu doubts, %llu rewrites, %llu COMMITs, %llu acks\n",
           (unsigned long long)x->o.seed, x->n, fsync_names[x->cfg.appendfsync],
           (unsigned long long)x->o.steps, (unsigned long long)st->started,
           (unsigned long long)st->committed2, (unsigned long long)st->committed1,
           (unsigned long long)st->aborted, (unsigned long long)st->acked,
           (unsigned long long)st->crashes, (unsigned long long)st->power_losses,
           (unsigned long long)st->reloads, (unsigned long long)st->doubts,
           (unsigned long long)st->rewrites, (unsigned long long)st->commits_sent,
           (unsigned long long)st->acks);
    printf("trace %016llx\n", (unsigned long long)x->trace.hash);
    teardown(x);
    kvd_free(x);
    return 0;
}

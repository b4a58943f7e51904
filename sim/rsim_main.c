/*
 * rsim_main.c - kvd-sim-router: the real router on 2-5 shards from a
 * seed (see rsim.h).
 *
 *   sim/kvd-sim-router --seed N [--steps M] [--shards K] [--faults none|all] [-v]
 *
 * --faults none: no crash but the final one.  The last line is the trace
 * hash: the same seed gives the same hash.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cmd/command.h"
#include "core/log.h"
#include "rsim.h"

#define HEAL_MAX_STEPS 50000
static const char *const fsync_names[] = {"always", "everysec", "no"};

static rsim_t *g_x; /* for the abort handler */

static void print_replay(const rsim_t *x, FILE *out)
{
    fprintf(out, "replay: sim/kvd-sim-router --seed %llu --steps %llu --faults %s",
            (unsigned long long)x->o.seed, (unsigned long long)x->o.steps,
            x->o.crashes ? "all" : "none");
    if (x->o.shards > 0)
        fprintf(out, " --shards %d", x->o.shards);
    fprintf(out, "\n");
}

void rs_fail(rsim_t *x, const char *fmt, ...)
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

void rs_trace(rsim_t *x, const char *fmt, ...)
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
    fprintf(stderr, "usage: kvd-sim-router [--seed N] [--steps M] [--shards 2-5]"
                    " [--faults none|all] [-v]\n");
    exit(2);
}

static uint64_t parse_u64(const char *s)
{
    uint64_t v;
    if (!sim_parse_u64(s, &v))
        usage();
    return v;
}

static void parse_opts(int argc, char **argv, rs_opts_t *o)
{
    *o = (rs_opts_t){.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32), .steps = 3000,
                     .crashes = true};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "-v") == 0)
            o->verbose = true;
        else if (strcmp(a, "--seed") == 0 && more)
            o->seed = parse_u64(argv[++i]);
        else if (strcmp(a, "--steps") == 0 && more)
            o->steps = parse_u64(argv[++i]);
        else if (strcmp(a, "--shards") == 0 && more)
            o->shards = (int)parse_u64(argv[++i]);
        else if (strcmp(a, "--faults") == 0 && more)
            o->crashes = strcmp(argv[++i], "none") != 0;
        else
            usage();
    }
    if (o->shards != 0 && (o->shards < 2 || o->shards > RS_MAX_SHARDS))
        usage();
}

/* ---- the wake-up binding: the scheduler decides who runs ---- */

static int wake_signal(kvd_wake_t *wk, unsigned to)
{
    KVD_UNUSED(wk), KVD_UNUSED(to);
    return 0;
}
static uint64_t wake_consume(kvd_wake_t *wk, unsigned self)
{
    KVD_UNUSED(wk), KVD_UNUSED(self);
    return 0;
}
static int wake_wait(kvd_wake_t *wk, unsigned self, int timeout_ms)
{
    KVD_UNUSED(wk), KVD_UNUSED(self), KVD_UNUSED(timeout_ms);
    return 0;
}
static int wake_fd(kvd_wake_t *wk, unsigned self)
{
    KVD_UNUSED(wk), KVD_UNUSED(self);
    return -1;
}

static void setup_rings(rsim_t *x)
{
    /* Small rings fill up and fragment the bigger replies (ring.h). */
    size_t cap = KVD_RING_MIN_CAPACITY << sim_rng_below(&x->rng, 5);
    size_t size = kvd_shm_size((unsigned)x->n, cap);
    KVD_ASSERT(size > 0);
    x->shm_mem = aligned_alloc(KVD_CACHE_LINE, (size + KVD_CACHE_LINE - 1) & ~(size_t)(KVD_CACHE_LINE - 1));
    KVD_ASSERT(x->shm_mem != NULL);
    x->shm = kvd_shm_init(x->shm_mem, size, (unsigned)x->n, cap);
    x->wake = (kvd_wake_t){wake_signal, wake_consume, wake_wait, wake_fd, NULL};
}

static void setup(rsim_t *x)
{
    sim_rng_seed(&x->rng, x->o.seed);
    x->now_us = x->start_us = UINT64_C(1700000000000000);
    kvd_log_set_level(x->o.verbose ? KVD_LOG_NOTICE : KVD_LOG_WARNING);
    kvd_commands_init();
    kvd_config_defaults(&x->cfg);
    x->n = x->o.shards ? x->o.shards : 2 + (int)sim_rng_below(&x->rng, RS_MAX_SHARDS - 1);
    x->cfg.shards = x->n;
    x->cfg.appendonly = true;
    x->cfg.appendfsync = (kvd_fsync_t)sim_rng_below(&x->rng, 3);
    /* Small files rewrite often, so the committed set crosses rewrites. */
    x->cfg.auto_aof_rewrite_min_size = (int64_t)(1024u << sim_rng_below(&x->rng, 4));
    sim_trace_init(&x->trace);
    setup_rings(x);
    for (int i = 0; i < x->n; i++) {
        rs_shard_t *s = &x->shards[i];
        s->id = i;
        sim_env_init(&s->se, x->o.seed * 1000003u + (uint64_t)i + 1);
        s->disk = sim_disk_attach(&s->se, false);
        rs_shard_start(x, i);
    }
    rs_clients_init(x);
}

/* Time moves; each shard's cron runs every 100 ms of it. */
static void advance(rsim_t *x, uint64_t max_ms)
{
    x->now_us += sim_rng_below(&x->rng, max_ms + 1) * 1000;
    for (int i = 0; i < x->n; i++)
        if (x->shards[i].sh != NULL && x->now_us - x->shards[i].last_cron_us >= 100000)
            rs_cron(x, i);
}

static int live_shard(rsim_t *x)
{
    int live[RS_MAX_SHARDS], n = 0;
    for (int i = 0; i < x->n; i++)
        if (x->shards[i].sh != NULL)
            live[n++] = i;
    return n > 0 ? live[sim_rng_below(&x->rng, (uint64_t)n)] : -1;
}

static void client_step(rsim_t *x)
{
    rs_client_t *idle[RS_MAX_CLIENTS];
    int n = 0;
    for (int k = 0; k < x->nclients; k++)
        if (!x->clients[k].busy && x->shards[x->clients[k].home].sh != NULL)
            idle[n++] = &x->clients[k];
    if (n == 0)
        return;
    rs_client_t *c = idle[sim_rng_below(&x->rng, (uint64_t)n)];
    uint64_t pick = sim_rng_below(&x->rng, 100);
    rs_op_t op = pick < 35 ? OP_TRANSFER : pick < 50 ? OP_SMOVE : pick < 65 ? OP_MSET
                 : pick < 80 ? OP_INCR : OP_SNAPSHOT;
    rs_client_send(x, c, op);
}

/* One step of the run: an action chosen by the seed. */
static void step(rsim_t *x, uint64_t crash_one_in)
{
    rs_revive(x);
    uint64_t pick = sim_rng_below(&x->rng, 100);
    int i = live_shard(x);
    if (!x->healing && crash_one_in > 0 && i >= 0 && sim_rng_one_in(&x->rng, crash_one_in))
        rs_crash(x, i);
    else if (pick < 30 && !x->healing)
        client_step(x);
    else if (pick < 97 && i >= 0)
        rs_loop(x, i);
    else
        advance(x, 30); /* a pause: timers come due */
    advance(x, 1);
}

/* No crashes or new requests: everything in flight must end. */
static void heal(rsim_t *x)
{
    x->healing = true;
    for (int k = 0; k < HEAL_MAX_STEPS && !rs_quiet(x); k++) {
        x->step++;
        step(x, 0);
        rs_check_step(x);
    }
    if (!rs_quiet(x))
        rs_fail(x, "nothing settled within %d steps without crashes (a request never "
                   "answered, a shard held, or a committed set that never empties)",
                HEAL_MAX_STEPS);
    rs_check_final(x);
    x->healing = false;
}

static void run(rsim_t *x)
{
    rs_client_send(x, &x->clients[0], OP_SETUP);
    heal(x);
    /* A crash every 60-300 steps, and in the middle of loop turns. */
    x->crash_one_in = x->o.crashes ? 60 + sim_rng_below(&x->rng, 240) : 0;
    for (x->step = 1; x->step <= x->o.steps; x->step++) {
        step(x, x->crash_one_in);
        rs_check_step(x);
    }
    heal(x);
    /* Everything settled: every worker crashes, the master resets and
     * restarts them; what was acknowledged must all be there. */
    rs_trace(x, "#%llu final crash", (unsigned long long)x->step);
    for (int i = 0; i < x->n; i++)
        rs_crash(x, i);
    heal(x);
}

int main(int argc, char **argv)
{
    rsim_t *x = kvd_calloc(1, sizeof(*x));
    parse_opts(argc, argv, &x->o);
    g_x = x;
    signal(SIGABRT, on_abort);
    setup(x);
    run(x);
    const rs_stats_t *st = &x->st;
    printf("seed %llu: %d shards, %d clients, appendfsync %s, %llu steps: transfers %llu "
           "(%llu acked, %llu failed, %llu unknown), smove %llu, mset %llu, incr %llu, "
           "snapshots %llu checked, %llu crashes (%llu power), %llu restarts, %llu loops, %llu records "
           "drained, %llu timers\n",
           (unsigned long long)x->o.seed, x->n, x->nclients, fsync_names[x->cfg.appendfsync],
           (unsigned long long)x->o.steps, (unsigned long long)st->ops[OP_TRANSFER],
           (unsigned long long)st->acked[OP_TRANSFER], (unsigned long long)st->failed[OP_TRANSFER],
           (unsigned long long)st->maybe[OP_TRANSFER], (unsigned long long)st->ops[OP_SMOVE],
           (unsigned long long)st->ops[OP_MSET], (unsigned long long)st->ops[OP_INCR],
           (unsigned long long)st->snapshots_checked, (unsigned long long)st->crashes,
           (unsigned long long)st->power_losses, (unsigned long long)st->restarts, (unsigned long long)st->loops,
           (unsigned long long)st->drained, (unsigned long long)st->timers);
    printf("trace %016llx\n", (unsigned long long)x->trace.hash);
    /* As a worker does on its way out (worker.c): the keyspaces go.  A
     * value's pointer sits unaligned in its key's entry, where
     * LeakSanitizer does not look, so a live shard's collections would
     * otherwise be reported lost. */
    for (int i = 0; i < x->n; i++) {
        if (x->shards[i].sh != NULL) {
            kvd_shard_destroy(rs_on(x, i));
            x->shards[i].sh = NULL;
        }
    }
    return 0;
}

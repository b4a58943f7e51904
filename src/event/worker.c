/*
 * worker.c - a worker process: owns one shard and serves clients from a
 * libev loop.  Signals arrive through libev signal watchers (the handler
 * only records the signal; the loop runs our callback), so the same
 * "handlers set flags" rule holds as in the master.
 */
#include "auto_config.h"
#include "worker.h"
#include "conn.h"
#include "router.h"
#include "aof/aof.h"
#include "cmd/blocking.h"
#include "cmd/shard.h"
#include "core/log.h"
#include "os/unix/process.h"

#include <ev.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

typedef struct worker_state {
    kvd_shard_t *shard;
    ev_io accept_w[KVD_CONFIG_MAX_LISTEN];
    int naccept;
    ev_timer cron_w;
    ev_prepare sweep_w;
    ev_signal sig_w[4];
    kvd_listener_t *listeners;
    int nlisteners;
} worker_state_t;

static worker_state_t W;

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    KVD_UNUSED(revents);
    kvd_conn_accept(loop, w->fd);
}

static void cron_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    KVD_UNUSED(revents);
    kvd_shard_cron(W.shard);
    kvd_aof_cron(W.shard);
    kvd_blocking_expire(W.shard);
    kvd_conn_resume_unblocked(W.shard);
    kvd_conn_sweep(W.shard, true);
    /* CONFIG SET hz and reloads change the frequency of this timer. */
    int hz = W.shard->cfg->hz > 0 ? W.shard->cfg->hz : 10;
    if (hz != W.shard->hz) {
        W.shard->hz = hz;
        w->repeat = 1.0 / hz;
        ev_timer_again(loop, w);
    }
}

/* Before each sleep: run what this iteration's reads brought, answer
 * blocked clients whose time is up, resume the ones commands released,
 * close clients a command (CLIENT KILL) flagged. */
static void sweep_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    KVD_UNUSED(loop);
    KVD_UNUSED(w);
    KVD_UNUSED(revents);
    kvd_conn_process_reads();
    kvd_router_before_sleep();
    kvd_blocking_expire(W.shard);
    kvd_conn_resume_unblocked(W.shard);
    /* The AOF writes (and under "always" syncs) before any reply it
     * acknowledges leaves: one write and one fsync per iteration. */
    kvd_aof_before_sleep(W.shard);
    kvd_router_after_aof();
    kvd_conn_flush_pending();
    if (W.shard->close_asap_pending == 0)
        return;
    W.shard->close_asap_pending = 0;
    kvd_conn_sweep(W.shard, false);
}

static void reload_config(kvd_shard_t *shard)
{
    kvd_config_t *cfg = shard->cfg;
    if (cfg->source == NULL)
        return;
    kvd_config_t loaded;
    char err[KVD_CONFIG_ERR_LEN];
    if (kvd_config_load(cfg->source, &loaded, err, sizeof(err)) < 0) {
        /* The master validated it a moment ago; the file changed since. */
        kvd_log_warning("reload failed, keeping the running configuration: %s", err);
        return;
    }
    kvd_config_merge_live(cfg, &loaded);
    kvd_config_free(&loaded);
    kvd_log_set_level((kvd_log_level_t)cfg->log_level);
    kvd_log_notice("configuration reloaded");
}

static void stop_worker(struct ev_loop *loop)
{
    for (int i = 0; i < W.naccept; i++)
        ev_io_stop(loop, &W.accept_w[i]);
    kvd_net_close_all(W.listeners, W.nlisteners);
    kvd_conn_process_reads(); /* what this iteration read, as sweep_cb would */
    kvd_router_stop();
    kvd_aof_before_sleep(W.shard);
    kvd_router_after_aof();
    kvd_conn_flush_pending();
    kvd_conn_close_all(W.shard);
    kvd_aof_shutdown(W.shard);
    kvd_log_notice("worker %d stopped", W.shard->id);
    ev_break(loop, EVBREAK_ALL);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    KVD_UNUSED(revents);
    switch (w->signum) {
    case SIGHUP: reload_config(W.shard); break;
    case SIGUSR1: kvd_log_reopen(); break;
    case SIGTERM:
    case SIGINT: stop_worker(loop); break;
    default: break;
    }
}

static void pin_cpu(int id)
{
#ifdef HAVE_SCHED_SETAFFINITY
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu <= 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)(id % ncpu), &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        kvd_log_warning("cpu_affinity: cannot pin worker %d: %s", id, strerror(errno));
    else
        kvd_log_verbose("worker %d pinned to cpu %d", id, (int)(id % ncpu));
#else
    KVD_UNUSED(id);
#endif
}

static void start_watchers(struct ev_loop *loop)
{
    for (int i = 0; i < W.nlisteners; i++) {
        ev_io_init(&W.accept_w[i], accept_cb, W.listeners[i].fd, EV_READ);
        ev_io_start(loop, &W.accept_w[i]);
    }
    W.naccept = W.nlisteners;
    double period = 1.0 / (W.shard->hz > 0 ? W.shard->hz : 10);
    ev_timer_init(&W.cron_w, cron_cb, period, period);
    ev_timer_start(loop, &W.cron_w);
    ev_prepare_init(&W.sweep_w, sweep_cb);
    ev_prepare_start(loop, &W.sweep_w);
    static const int sigs[] = {SIGHUP, SIGUSR1, SIGTERM, SIGINT};
    for (size_t i = 0; i < KVD_ARRAY_LEN(sigs); i++) {
        ev_signal_init(&W.sig_w[i], signal_cb, sigs[i]);
        ev_signal_start(loop, &W.sig_w[i]);
    }
}

void kvd_worker_run(int id, kvd_config_t *cfg, kvd_listener_t *ls, int nls, pid_t master)
{
    char role[16];
    snprintf(role, sizeof(role), "W%d", id);
    kvd_log_set_role(role);
    signal(SIGPIPE, SIG_IGN);
#ifdef HAVE_SYS_PRCTL_H
    /* A worker must not outlive its master (it would hold the port). */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    if (getppid() != master)
        _exit(0);
    if (cfg->cpu_affinity == KVD_AFFINITY_AUTO)
        pin_cpu(id);
    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    KVD_ASSERT(loop != NULL);
    W.shard = kvd_shard_create(id, cfg->shards, kvd_env_unix(), cfg);
    W.shard->master_pid = master;
    W.shard->tcp_port = nls > 0 ? ls[0].port : 0;
    kvd_current_shard = W.shard;
    if (kvd_aof_load(W.shard) < 0)
        exit(KVD_EXIT_FATAL);
    kvd_router_init(loop, W.shard);
    W.listeners = ls;
    W.nlisteners = nls;
    start_watchers(loop);
    kvd_log_verbose("worker %d serving", id);
    ev_run(loop, 0);
    kvd_shard_destroy(W.shard);
    exit(0);
}

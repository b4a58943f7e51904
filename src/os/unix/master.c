/*
 * master.c - the master process (DESIGN.md section 1).
 *
 * The master binds the listening sockets, writes the pid file, forks one
 * worker per shard, and then only supervises: it never touches client
 * traffic.  Signal handlers set flags; the loop sleeps in sigsuspend() and
 * acts on them, as nginx does.  A worker that dies is respawned; one that
 * keeps dying right after start is respawned with an exponential back-off
 * so a crash loop cannot spin the machine.
 */
#include "auto_config.h"
#include "process.h"
#include "net.h"
#include "core/log.h"
#include "event/router.h"
#include "event/worker.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 1024
#define CRASH_WINDOW_MS 2000   /* dying sooner than this after start counts as a crash loop */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define STOP_GRACE_MS 30000    /* then SIGKILL */

typedef struct worker_slot {
    pid_t pid;             /* 0 when not running */
    uint64_t started_ms;
    uint64_t respawn_at_ms; /* when pid == 0: earliest respawn time */
    int failures;          /* consecutive quick deaths */
} worker_slot_t;

static volatile sig_atomic_t got_reload, got_stop, got_reopen, got_child, got_alarm;

static kvd_listener_t listeners[KVD_CONFIG_MAX_LISTEN];
static int nlisteners;
static worker_slot_t workers[MAX_WORKERS];

static void on_signal(int signo)
{
    switch (signo) {
    case SIGHUP: got_reload = 1; break;
    case SIGTERM:
    case SIGINT: got_stop = 1; break;
    case SIGUSR1: got_reopen = 1; break;
    case SIGCHLD: got_child = 1; break;
    case SIGALRM: got_alarm = 1; break;
    default: break;
    }
}

static const int handled_signals[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGCHLD, SIGALRM};

static void install_signals(sigset_t *blocked)
{
    sigemptyset(blocked);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < KVD_ARRAY_LEN(handled_signals); i++) {
        sigaction(handled_signals[i], &sa, NULL);
        sigaddset(blocked, handled_signals[i]);
    }
    signal(SIGPIPE, SIG_IGN);
    /* Blocked except inside sigsuspend, so no flag is set between check and sleep. */
    sigprocmask(SIG_BLOCK, blocked, NULL);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void spawn_worker(kvd_config_t *cfg, int id)
{
    KVD_ASSERT(id >= 0 && id < cfg->shards);
    KVD_ASSERT(workers[id].pid == 0);
    pid_t master = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        kvd_log_warning("fork of worker %d failed: %s; retrying", id, strerror(errno));
        workers[id].respawn_at_ms = now_ms() + BACKOFF_MAX_MS;
        return;
    }
    if (pid == 0) {
        /* Child: back to default dispositions and an open mask; the worker
         * installs its own watchers. */
        for (size_t i = 0; i < KVD_ARRAY_LEN(handled_signals); i++)
            signal(handled_signals[i], SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        kvd_worker_run(id, cfg, listeners, nlisteners, master);
    }
    workers[id].pid = pid;
    workers[id].started_ms = now_ms();
    kvd_log_notice("worker %d started, pid %d", id, (int)pid);
}

static void describe_status(int status, char *out, size_t len)
{
    if (WIFEXITED(status))
        snprintf(out, len, "exited with code %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(out, len, "stopped with status %d", status);
}

/* Set when a worker exited with KVD_EXIT_FATAL: its data cannot be
 * served (a corrupt AOF, say); respawning would fail the same way, and
 * serving the other shards alone would hide the loss, so the server stops. */
static bool worker_fatal;

/* The rings between workers (DESIGN.md section 3), mapped before any
 * worker is forked so all of them share the pages. */
#define RING_CAPACITY ((size_t)1 << 20)
static kvd_wake_t wake;

static int map_rings(const kvd_config_t *cfg)
{
    if (cfg->shards < 2)
        return 0;
    kvd_shm_t *shm = kvd_shm_map((unsigned)cfg->shards, RING_CAPACITY);
    if (shm == NULL) {
        kvd_log_warning("cannot map the shared rings for %d shards: %s", cfg->shards,
                        strerror(errno));
        return -1;
    }
    int rc = kvd_wake_eventfd_open(shm);
    if (rc < 0) {
        kvd_log_warning("cannot create the workers' eventfds: %s", strerror(-rc));
        kvd_shm_unmap(shm);
        return -1;
    }
    kvd_wake_eventfd_bind(&wake, shm);
    kvd_router_shm = shm;
    return 0;
}

/* Collect dead children; schedule respawns unless stopping. */
static int reap_workers(int nworkers, bool stopping)
{
    int reaped = 0;
    for (int guard = 0; guard < MAX_WORKERS * 2; guard++) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            break;
        for (int i = 0; i < nworkers; i++) {
            if (workers[i].pid != pid)
                continue;
            char why[128];
            describe_status(status, why, sizeof(why));
            workers[i].pid = 0;
            reaped++;
            if (stopping) {
                kvd_log_notice("worker %d (pid %d) %s", i, (int)pid, why);
                break;
            }
            if (WIFEXITED(status) && WEXITSTATUS(status) == KVD_EXIT_FATAL) {
                kvd_log_warning("worker %d (pid %d) cannot serve its shard (see above); stopping "
                                "the server", i, (int)pid);
                worker_fatal = true;
                break;
            }
            /* Before a successor exists: its rings start empty under a new
             * epoch, and its peers fail what they had in flight to it. */
            if (kvd_router_shm != NULL)
                kvd_shm_reset_worker(kvd_router_shm, &wake, (unsigned)i);
            uint64_t t = now_ms();
            bool quick = t - workers[i].started_ms < CRASH_WINDOW_MS;
            workers[i].failures = quick ? workers[i].failures + 1 : 0;
            uint64_t delay = 0;
            if (workers[i].failures > 0) {
                int shift = workers[i].failures > 7 ? 7 : workers[i].failures - 1;
                delay = (uint64_t)BACKOFF_MIN_MS << shift;
                if (delay > BACKOFF_MAX_MS)
                    delay = BACKOFF_MAX_MS;
            }
            workers[i].respawn_at_ms = t + delay;
            kvd_log_warning("worker %d (pid %d) %s; respawning in %llu ms", i, (int)pid, why,
                            (unsigned long long)delay);
            break;
        }
    }
    return reaped;
}

/* Respawn workers whose time has come; arm a timer for the next one. */
static void respawn_due(kvd_config_t *cfg)
{
    uint64_t t = now_ms(), next = 0;
    for (int i = 0; i < cfg->shards; i++) {
        if (workers[i].pid != 0)
            continue;
        if (workers[i].respawn_at_ms <= t)
            spawn_worker(cfg, i);
        else if (next == 0 || workers[i].respawn_at_ms < next)
            next = workers[i].respawn_at_ms;
    }
    if (next != 0) {
        uint64_t wait = next - t;
        struct itimerval it = {.it_value = {.tv_sec = (time_t)(wait / 1000),
                                            .tv_usec = (suseconds_t)(wait % 1000) * 1000}};
        setitimer(ITIMER_REAL, &it, NULL);
    }
}

static void signal_workers(const kvd_config_t *cfg, int signo)
{
    for (int i = 0; i < cfg->shards; i++)
        if (workers[i].pid > 0)
            kill(workers[i].pid, signo);
}

static void reload(kvd_config_t *cfg)
{
    kvd_sd_notify("RELOADING=1");
    if (cfg->source == NULL) {
        kvd_log_warning("SIGHUP: running with built-in defaults, no configuration file to re-read");
        kvd_sd_notify("READY=1");
        return;
    }
    kvd_config_t loaded;
    char err[KVD_CONFIG_ERR_LEN];
    if (kvd_config_load(cfg->source, &loaded, err, sizeof(err)) < 0) {
        kvd_log_warning("reload failed, keeping the running configuration: %s", err);
        kvd_sd_notify("READY=1");
        return;
    }
    char changed[512];
    if (kvd_config_restart_needed(cfg, &loaded, changed, sizeof(changed)) > 0)
        kvd_log_warning("reload: changes to %s need a restart; running values kept", changed);
    kvd_config_merge_live(cfg, &loaded);
    kvd_config_free(&loaded);
    kvd_log_set_level((kvd_log_level_t)cfg->log_level);
    if (kvd_log_open(cfg->log_file) < 0)
        kvd_log_warning("reload: cannot open log file %s: %s", cfg->log_file, strerror(errno));
    signal_workers(cfg, SIGHUP); /* each worker re-reads and applies the live settings */
    kvd_log_notice("configuration reloaded from %s", cfg->source);
    kvd_sd_notify("READY=1");
}

static int any_worker_alive(const kvd_config_t *cfg)
{
    for (int i = 0; i < cfg->shards; i++)
        if (workers[i].pid > 0)
            return 1;
    return 0;
}

/* Graceful stop: SIGTERM to workers, wait for them, SIGKILL stragglers. */
static void stop_workers(kvd_config_t *cfg, const sigset_t *wait_mask)
{
    kvd_sd_notify("STOPPING=1");
    kvd_log_notice("stopping: asking %d worker(s) to finish", cfg->shards);
    signal_workers(cfg, SIGTERM);
    uint64_t deadline = now_ms() + STOP_GRACE_MS;
    struct itimerval it = {.it_value = {.tv_sec = 1}};
    for (int guard = 0; guard < STOP_GRACE_MS / 100 + 10 && any_worker_alive(cfg); guard++) {
        setitimer(ITIMER_REAL, &it, NULL);
        reap_workers(cfg->shards, true);
        if (!any_worker_alive(cfg))
            break;
        if (now_ms() >= deadline) {
            kvd_log_warning("workers did not stop within %d ms; killing them", STOP_GRACE_MS);
            signal_workers(cfg, SIGKILL);
            deadline = UINT64_MAX;
        }
        sigsuspend(wait_mask);
    }
    reap_workers(cfg->shards, true);
}

int kvd_master_run(kvd_config_t *cfg)
{
    KVD_ASSERT(cfg->shards >= 1 && cfg->shards <= MAX_WORKERS);
    char err[512];
    nlisteners = kvd_net_listen_all(cfg, listeners, KVD_CONFIG_MAX_LISTEN, err, sizeof(err));
    if (nlisteners < 0) {
        kvd_log_warning("cannot start: %s", err);
        return 1;
    }
    if (cfg->pidfile && cfg->pidfile[0] && kvd_pidfile_write(cfg->pidfile) < 0) {
        kvd_log_warning("cannot write pid file %s: %s", cfg->pidfile, strerror(errno));
        return 1;
    }
    sigset_t blocked, wait_mask;
    install_signals(&blocked);
    sigprocmask(SIG_BLOCK, NULL, &wait_mask);
    for (size_t i = 0; i < KVD_ARRAY_LEN(handled_signals); i++)
        sigdelset(&wait_mask, handled_signals[i]);
    for (int i = 0; i < nlisteners; i++)
        kvd_log_notice("listening on %s (port %d)", listeners[i].name, listeners[i].port);
    if (map_rings(cfg) < 0)
        return 1;
    for (int i = 0; i < cfg->shards; i++)
        spawn_worker(cfg, i);
    kvd_sd_notify("READY=1");
    kvd_log_echo_warnings(false);
    kvd_log_notice("kvd %s ready: master pid %d, %d shard(s)", PACKAGE_VERSION, (int)getpid(),
                   cfg->shards);
    for (;;) {
        if (!(got_reload | got_stop | got_reopen | got_child | got_alarm))
            sigsuspend(&wait_mask);
        bool child = got_child, stop = got_stop, hup = got_reload, reopen = got_reopen;
        got_child = got_stop = got_reload = got_reopen = got_alarm = 0;
        if (child)
            reap_workers(cfg->shards, false);
        if (stop || worker_fatal)
            break;
        if (hup)
            reload(cfg);
        if (reopen) {
            kvd_log_reopen();
            signal_workers(cfg, SIGUSR1);
            kvd_log_notice("log files reopened");
        }
        respawn_due(cfg);
    }
    stop_workers(cfg, &wait_mask);
    kvd_net_close_all(listeners, nlisteners);
    if (cfg->pidfile && cfg->pidfile[0])
        unlink(cfg->pidfile);
    kvd_log_notice("kvd stopped");
    return worker_fatal ? 1 : 0;
}

void kvd_config_merge_live(kvd_config_t *running, const kvd_config_t *loaded)
{
    kvd_config_t next;
    kvd_config_copy(&next, loaded);
    /* Swap the restart-only settings back, so the old values stay running
     * and the loaded ones are freed with `running`. */
#define KEEP(field)                                                            \
    do {                                                                       \
        __typeof__(next.field) tmp_ = next.field;                              \
        next.field = running->field;                                           \
        running->field = tmp_;                                                 \
    } while (0)
    KEEP(nlisten);
    KEEP(tcp_backlog);
    KEEP(shards);
    KEEP(databases);
    KEEP(daemonize);
    KEEP(pidfile);
    KEEP(dir);
    KEEP(cpu_affinity);
    KEEP(nmodules);
#undef KEEP
    kvd_listen_addr_t la[KVD_CONFIG_MAX_LISTEN];
    memcpy(la, next.listen, sizeof(la));
    memcpy(next.listen, running->listen, sizeof(la));
    memcpy(running->listen, la, sizeof(la));
    kvd_module_conf_t mods[KVD_CONFIG_MAX_MODULES];
    memcpy(mods, next.modules, sizeof(mods));
    memcpy(next.modules, running->modules, sizeof(mods));
    memcpy(running->modules, mods, sizeof(mods));
    kvd_config_free(running);
    *running = next;
}

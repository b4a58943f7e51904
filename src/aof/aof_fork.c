/*
 * aof_fork.c - the process calls of the rewrite: fork, reap, kill.  The
 * only OS calls of src/aof outside the environment (a child process is
 * not a file, a clock or a random draw); the simulator links its own.
 *
 * libev's default loop reaps every child on SIGCHLD (waitpid(-1)), so
 * the exit status of the rewriting child may reach us through an
 * ev_child watcher rather than our own waitpid: both paths are handled.
 */
#include "aof_int.h"

#include <ev.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* At most one rewrite child per worker process. */
static struct {
    ev_child watcher;
    int pid;
    bool started;
    bool done;
    int status;
    int echild_polls;
} child_slot;

static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
    KVD_UNUSED(revents);
    if (w->rpid == child_slot.pid) {
        child_slot.done = true;
        child_slot.status = w->rstatus;
    }
    ev_child_stop(loop, w);
    child_slot.started = false;
}

int aof_fork(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0) {
        struct ev_loop *loop = ev_default_loop(0);
        if (child_slot.started)
            ev_child_stop(loop, &child_slot.watcher);
        child_slot.pid = (int)pid;
        child_slot.done = false;
        child_slot.echild_polls = 0;
        ev_child_init(&child_slot.watcher, child_cb, pid, 0);
        ev_child_start(loop, &child_slot.watcher);
        child_slot.started = true;
    }
    return (int)pid;
}

static void forget(void)
{
    if (child_slot.started)
        ev_child_stop(ev_default_loop(0), &child_slot.watcher);
    child_slot.started = false;
    child_slot.pid = 0;
}

int aof_child_done(int pid, bool *ok)
{
    int status = 0;
    if (child_slot.done && child_slot.pid == pid) {
        status = child_slot.status;
    } else {
        pid_t r = waitpid((pid_t)pid, &status, WNOHANG);
        if (r == 0)
            return 0;
        /* ECHILD: libev reaped it and its watcher has not run yet; give
         * it a few polls, then call the rewrite failed. */
        if (r < 0 && ++child_slot.echild_polls < 50)
            return 0;
        if (r < 0)
            status = 1 << 8;
    }
    forget();
    *ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return 1;
}

void aof_child_kill(int pid)
{
    int status;
    kill((pid_t)pid, SIGKILL);
    /* SIGKILL cannot be caught: the wait is short (ECHILD if libev got it). */
    while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR)
        continue;
    forget();
}

void aof_child_exit(int code)
{
    _exit(code);
}

/*
 * wake_eventfd.c - the production binding of the wake interface: one
 * eventfd per worker, created by the master before forking (wake.h).
 */
#include "auto_config.h"
#include "ipc/shm.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static int efd(kvd_wake_t *wk, unsigned w)
{
    int fd = kvd_shm_ctl(wk->ctx, w)->eventfd;
    KVD_ASSERT(fd >= 0);
    return fd;
}

static int eventfd_signal(kvd_wake_t *wk, unsigned to)
{
    uint64_t one = 1;
    /* Bounded: EINTR is the only retry. */
    for (int i = 0; i < 100; i++) {
        if (write(efd(wk, to), &one, sizeof(one)) == (ssize_t)sizeof(one))
            return 0;
        if (errno == EAGAIN)
            return 0; /* the counter is saturated: a wake-up is pending anyway */
        if (errno != EINTR)
            return -errno;
    }
    return -EINTR;
}

static uint64_t eventfd_consume(kvd_wake_t *wk, unsigned self)
{
    uint64_t n = 0;
    for (int i = 0; i < 100; i++) {
        if (read(efd(wk, self), &n, sizeof(n)) == (ssize_t)sizeof(n))
            return n;
        if (errno != EINTR)
            return 0; /* EAGAIN: nothing pending */
    }
    return 0;
}

static int eventfd_wait(kvd_wake_t *wk, unsigned self, int timeout_ms)
{
    struct pollfd pfd = {.fd = efd(wk, self), .events = POLLIN};
    int rc = poll(&pfd, 1, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -errno;
    return rc > 0 ? 1 : 0;
}

static int eventfd_fd(kvd_wake_t *wk, unsigned self)
{
    return kvd_shm_ctl(wk->ctx, self)->eventfd;
}

int kvd_wake_eventfd_open(kvd_shm_t *shm)
{
    for (unsigned w = 0; w < shm->nworkers; w++) {
        int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            kvd_wake_eventfd_close(shm);
            return -err;
        }
        kvd_shm_ctl(shm, w)->eventfd = fd;
    }
    return 0;
}

void kvd_wake_eventfd_close(kvd_shm_t *shm)
{
    for (unsigned w = 0; w < shm->nworkers; w++) {
        kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, w);
        if (ctl->eventfd >= 0)
            close(ctl->eventfd);
        ctl->eventfd = -1;
    }
}

void kvd_wake_eventfd_bind(kvd_wake_t *wk, kvd_shm_t *shm)
{
    wk->signal = eventfd_signal;
    wk->consume = eventfd_consume;
    wk->wait = eventfd_wait;
    wk->fd = eventfd_fd;
    wk->ctx = shm;
}

/*
 * wake.h - how one worker makes another's wait return.
 *
 * The ring protocol decides WHEN a wake-up is needed (shm.h); this
 * interface only delivers it, so the simulator can replace the eventfds
 * with an event in its scheduler (DESIGN.md section 7).  Production binds
 * it to one eventfd per worker (kvd_wake_eventfd), which the worker's
 * libev loop watches.
 *
 * Contracts:
 *  - signal(to): make worker `to`'s current or next wait return.  Signals
 *    are sticky and coalesce: several before a wait make it return once.
 *    Called by any worker, and by the master after a reset.  Returns 0 or
 *    -errno; a failure is logged by the caller, never fatal (the sleeper
 *    also wakes on its other events).
 *  - consume(self): clear pending signals of worker `self` without
 *    blocking; returns how many had coalesced (0 when none).
 *  - wait(self, timeout_ms): block until signalled or until timeout_ms
 *    passes (-1: no limit); returns 1 when signalled, 0 on timeout, -errno
 *    on failure.  Does not consume the signal.  Workers block in their
 *    event loop instead; the ring tests and tools use this.
 *  - fd(self): a descriptor an event loop can watch for readability, or -1
 *    when the binding has none (the simulator).
 */
#ifndef KVD_IPC_WAKE_H
#define KVD_IPC_WAKE_H

#include "core/kvd.h"

typedef struct kvd_wake kvd_wake_t;

struct kvd_wake {
    int (*signal)(kvd_wake_t *wk, unsigned to);
    uint64_t (*consume)(kvd_wake_t *wk, unsigned self);
    int (*wait)(kvd_wake_t *wk, unsigned self, int timeout_ms);
    int (*fd)(kvd_wake_t *wk, unsigned self);
    void *ctx; /* the binding's own state */
};

struct kvd_shm;

/*
 * The eventfd binding.  The master calls kvd_wake_eventfd_open() once,
 * before forking: it creates one non-blocking, close-on-exec eventfd per
 * worker and stores the numbers in the shared region's control blocks,
 * where every forked worker finds them (the descriptors are inherited).
 * Returns 0 or -errno (with nothing left open).
 */
int kvd_wake_eventfd_open(struct kvd_shm *shm);
void kvd_wake_eventfd_close(struct kvd_shm *shm);
/* Fill wk with the eventfd binding over shm's control blocks. */
void kvd_wake_eventfd_bind(kvd_wake_t *wk, struct kvd_shm *shm);

#endif /* KVD_IPC_WAKE_H */

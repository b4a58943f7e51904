/*
 * shm.h - the region the master shares with its workers (DESIGN.md
 * section 3): a control block per worker and one SPSC ring (ring.h) per
 * ordered pair of workers.
 *
 * The master maps it with mmap(MAP_SHARED | MAP_ANONYMOUS) before forking,
 * so every worker sees the same pages.  Nothing in it is a pointer: the
 * header holds offsets, so the simulator can place a region in ordinary
 * memory (kvd_shm_init) and a region could be mapped at another address.
 *
 *   kvd_shm_t header                       (one cache line)
 *   kvd_worker_ctl_t ctl[nworkers]          (two cache lines each)
 *   kvd_ring_t + data, for every (i, j), i != j, in order
 *     i = 0..n-1, j = 0..n-1 skipping i    (ring_stride bytes each)
 *
 * Wake-up protocol.  A worker w that finds nothing to do and wants to
 * block calls kvd_shm_sleep_prepare(), which
 *   1. stores ctl[w].sleeping = 1,
 *   2. issues a seq_cst fence,
 *   3. re-checks every inbound ring (head != tail, or a new epoch) and,
 *      for each outbound ring it is blocked on, asks for room
 *      (kvd_ring_want_space);
 * and lets it block only if all of that found nothing.  A producer, after
 * publishing head (release) on ring p -> w, calls kvd_shm_notify(), which
 * issues a seq_cst fence, loads ctl[w].sleeping, and only when it is set
 * swaps it to 0 and signals w's eventfd.
 *   Why no wake-up is lost: this is the store-buffer (Dekker) pattern.
 * Each side stores, fences, then loads the other's variable.  The two
 * seq_cst fences are totally ordered; if w's fence comes first, the
 * producer's load sees sleeping = 1 (or a later store: w's own clearing
 * when it did not sleep after all, or another producer's swap, and that
 * producer signals); if the producer's fence comes first, w's load of
 * head sees the new record and w does not block.  Acquire/release alone
 * would allow both loads to miss (each store may sit in a store buffer),
 * hence the fences.  The swap to 0 makes the first producer the only one
 * to pay the syscall; the eventfd is sticky, so a signal sent between
 * w's check and its actual block still wakes it.
 *   A busy worker never sets `sleeping`, so producers feeding it make no
 * syscalls at all: the cost is one fence and one load of a line that stays
 * shared in every cache.  The same pattern, on the ring's want_space flag,
 * wakes a producer blocked on a full ring (ring.h).
 *
 * Resets.  After reaping worker d, the master calls kvd_shm_reset_worker():
 * every ring to and from d gets a new epoch (ring.h, "Epochs"), the rings
 * into d are emptied, ctl[d] gets a new incarnation number, and every peer
 * is signalled so it notices at once.  How they resynchronize:
 *  - a peer p draining ring d -> p sees the new epoch: on_abort for a
 *    half-received message, on_epoch so p fails the requests it had in
 *    flight to d (their replies will never come) with -LOADING, and stale
 *    records are dropped;
 *  - a peer p sending on ring p -> d gets KVD_RING_RESET for a message it
 *    had half sent; what it sends next is stamped with the new epoch and
 *    reaches the new incarnation, which drops anything older;
 *  - the respawned d starts with empty inbound rings, resumes its outbound
 *    rings at the published head, and has no partial state to discard.
 * Whether p should send to d while d is still loading is the router's
 * policy (the ring accepts and holds the messages).
 */
#ifndef KVD_IPC_SHM_H
#define KVD_IPC_SHM_H

#include "ipc/ring.h"
#include "ipc/wake.h"

/* Enough for any machine we pin one worker per CPU on; bounds the loops. */
#define KVD_SHM_MAX_WORKERS 1024u

typedef struct kvd_worker_ctl {
    /* Written by the worker itself (and swapped by producers). */
    alignas(KVD_CACHE_LINE) _Atomic uint32_t sleeping;
    _Atomic uint32_t incarnation; /* bumped by the master on every reset */
    int32_t eventfd;              /* stored by the master before forking; -1 if none */
    uint32_t pad;
    kvd_ring_counter_t sleeps;       /* times the worker blocked */
    kvd_ring_counter_t wakeups_seen; /* signals it consumed */
    /* Written by producers, any of them: atomic read-modify-write. */
    alignas(KVD_CACHE_LINE) _Atomic uint64_t wakeups_sent;
} kvd_worker_ctl_t;

typedef struct kvd_shm {
    alignas(KVD_CACHE_LINE) uint32_t magic;
    uint32_t nworkers;
    uint64_t ring_capacity;
    uint64_t ring_stride; /* bytes from one ring to the next */
    uint64_t ctl_offset;
    uint64_t rings_offset;
    uint64_t size; /* of the whole region */
    uint32_t mapped; /* 1 when kvd_shm_map() made it */
} kvd_shm_t;

/* Bytes a region needs; 0 when nworkers or ring_capacity is invalid or
 * the size overflows. */
size_t kvd_shm_size(unsigned nworkers, size_t ring_capacity);
/* Lay out a region in mem (cache-line aligned, kvd_shm_size bytes). */
kvd_shm_t *kvd_shm_init(void *mem, size_t size, unsigned nworkers, size_t ring_capacity);
/* Master, before forking: map a shared anonymous region and lay it out.
 * NULL with errno set on failure. */
kvd_shm_t *kvd_shm_map(unsigned nworkers, size_t ring_capacity);
void kvd_shm_unmap(kvd_shm_t *shm);

kvd_ring_t *kvd_shm_ring(kvd_shm_t *shm, unsigned from, unsigned to);
kvd_worker_ctl_t *kvd_shm_ctl(kvd_shm_t *shm, unsigned worker);

/* ---- producer side ----------------------------------------------------- */

/* After publishing on ring(*, to): wake `to` if it said it is sleeping.
 * Returns true when a signal was sent. */
bool kvd_shm_notify(kvd_shm_t *shm, kvd_wake_t *wk, unsigned to);
/* kvd_ring_send on ring(from, to) followed by kvd_shm_notify. */
kvd_ring_status_t kvd_shm_send(kvd_shm_t *shm, kvd_wake_t *wk, unsigned from, unsigned to,
                               kvd_ring_cursor_t *c);

/* ---- consumer side ----------------------------------------------------- */

/*
 * Drain every ring into `self`, up to max_per_ring records each, with the
 * same callbacks (kvd_ring_frag_t.from names the sender); then wake any
 * producer that was waiting for room.  Returns the records delivered.
 */
size_t kvd_shm_drain(kvd_shm_t *shm, kvd_wake_t *wk, unsigned self, size_t max_per_ring,
                     const kvd_ring_consumer_t *c);
/*
 * Steps 1-3 of the wake-up protocol.  blocked[p] (or NULL for none) says
 * which outbound rings self has unsent data for.  True: self may block
 * now (and must call kvd_shm_sleep_end when it wakes).  False: there is
 * work; the flag is already cleared.
 */
bool kvd_shm_sleep_prepare(kvd_shm_t *shm, unsigned self, const uint8_t *blocked);
/* After blocking (or deciding not to): clear the flag, consume signals. */
void kvd_shm_sleep_end(kvd_shm_t *shm, kvd_wake_t *wk, unsigned self);

/* ---- master ------------------------------------------------------------ */

/*
 * After reaping worker `dead` and before forking its successor: reset
 * every ring to and from it under new epochs, bump its incarnation, clear
 * its sleeping flag and stale signals, then signal every peer (wk may be
 * NULL to skip signalling).  Returns the new incarnation.
 */
uint32_t kvd_shm_reset_worker(kvd_shm_t *shm, kvd_wake_t *wk, unsigned dead);

/* Layout and every ring's shared invariants; `deep` walks the records of
 * every ring too (only when no process is using the region). */
void kvd_shm_verify_invariants(kvd_shm_t *shm, bool deep);

#endif /* KVD_IPC_SHM_H */

/*
 * shm.c - the shared region: layout, ring lookup, the sleep/wake protocol
 * and the master's reset.  The protocol and its ordering argument are in
 * shm.h.
 */
#include "ipc/shm.h"

#include <sys/mman.h>

#define SHM_MAGIC 0x6b766473u /* "kvds" */

_Static_assert(sizeof(kvd_shm_t) == KVD_CACHE_LINE, "header is one cache line");
_Static_assert(sizeof(kvd_worker_ctl_t) == 2 * KVD_CACHE_LINE, "control block is two lines");
_Static_assert(offsetof(kvd_worker_ctl_t, wakeups_sent) >= KVD_CACHE_LINE,
               "producer-written counter off the worker's line");

size_t kvd_shm_size(unsigned nworkers, size_t ring_capacity)
{
    size_t stride = kvd_ring_footprint(ring_capacity);
    if (nworkers == 0 || nworkers > KVD_SHM_MAX_WORKERS || stride == 0)
        return 0;
    size_t rings, ctl, total;
    if (!kvd_mul_size((size_t)nworkers * (nworkers - 1), stride, &rings) ||
        !kvd_mul_size(nworkers, sizeof(kvd_worker_ctl_t), &ctl) ||
        !kvd_add_size(sizeof(kvd_shm_t), ctl, &total) || !kvd_add_size(total, rings, &total))
        return 0;
    return total;
}

kvd_shm_t *kvd_shm_init(void *mem, size_t size, unsigned nworkers, size_t ring_capacity)
{
    size_t need = kvd_shm_size(nworkers, ring_capacity);
    KVD_ASSERT(need != 0);
    KVD_ASSERT(size >= need);
    KVD_ASSERT(((uintptr_t)mem % KVD_CACHE_LINE) == 0);
    kvd_shm_t *shm = mem;
    memset(shm, 0, sizeof(*shm));
    shm->magic = SHM_MAGIC;
    shm->nworkers = nworkers;
    shm->ring_capacity = ring_capacity;
    shm->ring_stride = kvd_ring_footprint(ring_capacity);
    shm->ctl_offset = sizeof(kvd_shm_t);
    shm->rings_offset = shm->ctl_offset + (uint64_t)nworkers * sizeof(kvd_worker_ctl_t);
    shm->size = need;
    for (unsigned w = 0; w < nworkers; w++) {
        kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, w);
        memset(ctl, 0, sizeof(*ctl));
        atomic_init(&ctl->sleeping, 0);
        atomic_init(&ctl->incarnation, 1);
        atomic_init(&ctl->wakeups_sent, 0);
        ctl->eventfd = -1;
    }
    for (unsigned i = 0; i < nworkers; i++)
        for (unsigned j = 0; j < nworkers; j++)
            if (i != j)
                kvd_ring_init(kvd_shm_ring(shm, i, j), ring_capacity, i, j);
    KVD_VERIFY(kvd_shm_verify_invariants(shm, true));
    return shm;
}

kvd_shm_t *kvd_shm_map(unsigned nworkers, size_t ring_capacity)
{
    size_t size = kvd_shm_size(nworkers, ring_capacity);
    if (size == 0) {
        errno = EINVAL;
        return NULL;
    }
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return NULL;
    kvd_shm_t *shm = kvd_shm_init(mem, size, nworkers, ring_capacity);
    shm->mapped = 1;
    return shm;
}

void kvd_shm_unmap(kvd_shm_t *shm)
{
    if (shm == NULL)
        return;
    KVD_ASSERT(shm->magic == SHM_MAGIC);
    KVD_ASSERT(shm->mapped == 1);
    munmap(shm, shm->size);
}

kvd_ring_t *kvd_shm_ring(kvd_shm_t *shm, unsigned from, unsigned to)
{
    KVD_ASSERT(from < shm->nworkers);
    KVD_ASSERT(to < shm->nworkers);
    KVD_ASSERT(from != to);
    /* Row `from` holds n-1 rings: every `to` but itself. */
    uint64_t index = (uint64_t)from * (shm->nworkers - 1) + (to < from ? to : to - 1);
    return (kvd_ring_t *)((uint8_t *)shm + shm->rings_offset + index * shm->ring_stride);
}

kvd_worker_ctl_t *kvd_shm_ctl(kvd_shm_t *shm, unsigned worker)
{
    KVD_ASSERT(worker < shm->nworkers);
    return (kvd_worker_ctl_t *)((uint8_t *)shm + shm->ctl_offset) + worker;
}

/* ---- producer side ----------------------------------------------------- */

bool kvd_shm_notify(kvd_shm_t *shm, kvd_wake_t *wk, unsigned to)
{
    kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, to);
    /* Orders our head store before the flag load (see shm.h). */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&ctl->sleeping, memory_order_relaxed) == 0)
        return false;
    if (atomic_exchange_explicit(&ctl->sleeping, 0, memory_order_relaxed) == 0)
        return false; /* another producer took it and signals */
    atomic_fetch_add_explicit(&ctl->wakeups_sent, 1, memory_order_relaxed);
    /* eventfd writes fail only on a bad descriptor; a release build goes
     * on (the sleeper still wakes on its other events). */
    int rc = wk->signal(wk, to);
    (void)KVD_NEVER(rc < 0);
    return true;
}

kvd_ring_status_t kvd_shm_send(kvd_shm_t *shm, kvd_wake_t *wk, unsigned from, unsigned to,
                               kvd_ring_cursor_t *c)
{
    kvd_ring_t *r = kvd_shm_ring(shm, from, to);
    uint64_t before = r->head_local;
    kvd_ring_status_t st = kvd_ring_send(r, c, 0);
    if (r->head_local != before)
        kvd_shm_notify(shm, wk, to);
    return st;
}

/* ---- consumer side ----------------------------------------------------- */

size_t kvd_shm_drain(kvd_shm_t *shm, kvd_wake_t *wk, unsigned self, size_t max_per_ring,
                     const kvd_ring_consumer_t *c)
{
    size_t total = 0;
    for (unsigned p = 0; p < shm->nworkers; p++) {
        if (p == self)
            continue;
        kvd_ring_t *r = kvd_shm_ring(shm, p, self);
        if (!kvd_ring_pending(r))
            continue;
        total += kvd_ring_drain(r, max_per_ring, c);
        if (kvd_ring_take_space_waiter(r)) {
            atomic_fetch_add_explicit(&kvd_shm_ctl(shm, p)->wakeups_sent, 1,
                                      memory_order_relaxed);
            int rc = wk->signal(wk, p);
            (void)KVD_NEVER(rc < 0);
        }
    }
    return total;
}

bool kvd_shm_sleep_prepare(kvd_shm_t *shm, unsigned self, const uint8_t *blocked)
{
    kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, self);
    atomic_store_explicit(&ctl->sleeping, 1, memory_order_relaxed);
    /* Orders the flag store before the head loads (see shm.h). */
    atomic_thread_fence(memory_order_seq_cst);
    bool work = false;
    for (unsigned p = 0; p < shm->nworkers && !work; p++) {
        if (p == self)
            continue;
        work = kvd_ring_pending(kvd_shm_ring(shm, p, self)) ||
               (blocked != NULL && blocked[p] && kvd_ring_want_space(kvd_shm_ring(shm, self, p)));
    }
    if (work) {
        atomic_store_explicit(&ctl->sleeping, 0, memory_order_relaxed);
        return false;
    }
    atomic_store_explicit(&ctl->sleeps,
                          atomic_load_explicit(&ctl->sleeps, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    return true;
}

void kvd_shm_sleep_end(kvd_shm_t *shm, kvd_wake_t *wk, unsigned self)
{
    kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, self);
    atomic_store_explicit(&ctl->sleeping, 0, memory_order_relaxed);
    uint64_t n = wk->consume(wk, self);
    atomic_store_explicit(&ctl->wakeups_seen,
                          atomic_load_explicit(&ctl->wakeups_seen, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* ---- master ------------------------------------------------------------ */

uint32_t kvd_shm_reset_worker(kvd_shm_t *shm, kvd_wake_t *wk, unsigned dead)
{
    kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, dead);
    for (unsigned p = 0; p < shm->nworkers; p++) {
        if (p == dead)
            continue;
        kvd_ring_reset(kvd_shm_ring(shm, dead, p), true, false);
        kvd_ring_reset(kvd_shm_ring(shm, p, dead), false, true);
    }
    atomic_store_explicit(&ctl->sleeping, 0, memory_order_relaxed);
    uint32_t inc = atomic_load_explicit(&ctl->incarnation, memory_order_relaxed) + 1;
    atomic_store_explicit(&ctl->incarnation, inc, memory_order_release);
    if (wk != NULL) {
        wk->consume(wk, dead);
        for (unsigned p = 0; p < shm->nworkers; p++)
            if (p != dead)
                (void)KVD_NEVER(wk->signal(wk, p) < 0);
    }
    return inc;
}

void kvd_shm_verify_invariants(kvd_shm_t *shm, bool deep)
{
    KVD_ASSERT(shm->magic == SHM_MAGIC);
    KVD_ASSERT(shm->nworkers > 0 && shm->nworkers <= KVD_SHM_MAX_WORKERS);
    KVD_ASSERT(shm->size == kvd_shm_size(shm->nworkers, shm->ring_capacity));
    KVD_ASSERT(shm->ring_stride == kvd_ring_footprint(shm->ring_capacity));
    KVD_ASSERT(shm->rings_offset % KVD_CACHE_LINE == 0);
    for (unsigned w = 0; w < shm->nworkers; w++) {
        kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, w);
        KVD_ASSERT(atomic_load_explicit(&ctl->sleeping, memory_order_relaxed) <= 1);
        KVD_ASSERT(atomic_load_explicit(&ctl->incarnation, memory_order_relaxed) != 0);
    }
    unsigned sides = deep ? KVD_RING_PRODUCER | KVD_RING_CONSUMER : 0;
    for (unsigned i = 0; i < shm->nworkers; i++)
        for (unsigned j = 0; j < shm->nworkers; j++)
            if (i != j) {
                kvd_ring_t *r = kvd_shm_ring(shm, i, j);
                KVD_ASSERT(r->from == i && r->to == j);
                KVD_ASSERT(r->capacity == shm->ring_capacity);
                kvd_ring_verify_invariants(r, sides);
            }
}

/*
 * test_ring_hammer.c - the rings between two real processes.
 *
 * The parent maps a region with 1 MB rings, creates the eventfds and
 * forks; parent and child then play workers 0 and 1 with the production
 * code paths: batched sends with one publish and notify, kvd_shm_drain,
 * and the sleep protocol with real eventfds when idle or blocked.
 *   phase 1: worker 0 sends N messages to worker 1;
 *   phase 2: both send N/2 to each other at once;
 *   phase 3: worker 0 sends N/4 while the parent, acting as master,
 *            SIGKILLs worker 1 a few times, resets its rings and forks a
 *            successor, which must never see a message meant for its
 *            predecessor (epochs), and must see the rest in order.
 * Sizes are seeded (both sides draw the same sequence, so the receiver
 * knows what to expect): mostly small, some KB, a few multi-MB values
 * that must be fragmented.  Every payload carries a hash bound to its
 * sequence number; the receiver checks order, size, header fields and
 * the hash.  Prints seed=N (replay with SEED=N), messages/s, MB/s and the
 * wake-up syscalls.  RING_HAMMER_MESSAGES=N changes N (default 3,000,000).
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ring_util.h"

#define RING_CAP ((size_t)1 << 20)
#define SEND_BATCH 64      /* messages written before one publish */
#define DRAIN_BATCH 256    /* records per ring per drain */
#define SPIN_ROUNDS 2000   /* idle rounds before trying to sleep */
#define WAIT_MS 2000       /* a wait this long with nothing to do is a stall */
#define MAX_STALLS 5
#define BIG_MESSAGES 8     /* multi-MB messages per direction and phase */

typedef struct side {
    kvd_shm_t *shm;
    kvd_wake_t *wk;
    unsigned self, peer;
    /* Sending. */
    uint64_t to_send, sent, big_every;
    uint64_t size_st, fill_st;
    kvd_ring_cursor_t cur;
    bool active;
    uint8_t *buf;
    uint64_t bytes_sent, abandoned;
    /* Receiving. */
    uint64_t to_recv, recvd, recv_big_every;
    uint64_t expect_st, expect_size;
    kvd_buf_t reasm;
    uint64_t bad, frags;
} side_t;

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Message i's size: both sides draw it from the same stream. */
static uint64_t next_size(uint64_t *st, uint64_t i, uint64_t big_every)
{
    uint64_t roll = ru_range(st, 0, 999);
    if (big_every != 0 && i % big_every == big_every / 2)
        return ru_range(st, 1u << 20, 6u << 20);
    if (roll < 900)
        return ru_range(st, 0, 128);
    if (roll < 990)
        return ru_range(st, 129, 4096);
    return ru_range(st, 4097, 32768);
}

static void start_msg(side_t *s)
{
    uint64_t i = s->sent, len = next_size(&s->size_st, i, s->big_every);
    if (len > (64u << 10) || s->buf == NULL) {
        kvd_free(s->buf);
        s->buf = kvd_malloc(len > (64u << 10) ? len : (64u << 10));
    }
    ru_fill(s->buf, len, i, &s->fill_st);
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND,
                            .db = (uint32_t)(i % 16),
                            .seq = i,
                            .conn_id = i * 7 + s->self};
    kvd_ring_cursor_init(&s->cur, &meta, s->buf, len);
    s->active = true;
}

static bool pump_send(side_t *s)
{
    if (s->sent == s->to_send)
        return false;
    kvd_ring_t *r = kvd_shm_ring(s->shm, s->self, s->peer);
    uint64_t before = r->head_local;
    for (int k = 0; k < SEND_BATCH && s->sent < s->to_send; k++) {
        if (!s->active)
            start_msg(s);
        kvd_ring_status_t st = kvd_ring_send(r, &s->cur, KVD_RING_NO_PUBLISH);
        if (st == KVD_RING_FULL)
            break;
        s->active = false;
        s->sent++;
        if (st == KVD_RING_RESET) {
            s->abandoned++; /* the peer died mid-message: move on */
            continue;
        }
        s->bytes_sent += s->cur.len;
    }
    if (kvd_ring_publish(r))
        kvd_shm_notify(s->shm, s->wk, s->peer);
    return r->head_local != before;
}

static void fail(side_t *s, const kvd_ring_frag_t *f, const char *what)
{
    if (s->bad++ < 5)
        fprintf(stderr, "worker %u: message %llu (seq %llu, %llu bytes): %s\n", s->self,
                (unsigned long long)s->recvd, (unsigned long long)f->hdr.seq,
                (unsigned long long)f->hdr.total, what);
}

static bool on_frag(void *arg, const kvd_ring_frag_t *f)
{
    side_t *s = arg;
    s->frags++;
    uint64_t i = s->recvd;
    if (f->hdr.flags & KVD_RING_FIRST)
        s->expect_size = next_size(&s->expect_st, i, s->recv_big_every);
    if (f->hdr.seq != i || f->hdr.total != s->expect_size || f->hdr.db != i % 16 ||
        f->hdr.conn_id != i * 7 + s->peer || f->hdr.kind != KVD_RING_KIND_COMMAND ||
        f->from != s->peer) {
        fail(s, f, "unexpected header (order, size or fields)");
        return false;
    }
    const uint8_t *msg = NULL;
    if ((f->hdr.flags & KVD_RING_LAST) && (f->hdr.flags & KVD_RING_FIRST))
        msg = f->data; /* read in place */
    else if (kvd_ring_reasm_feed(&s->reasm, f))
        msg = (const uint8_t *)s->reasm.data;
    if (f->hdr.flags & KVD_RING_LAST) {
        if (!ru_check(msg, f->hdr.total, i))
            fail(s, f, "payload hash mismatch");
        s->recvd++;
        if (f->hdr.total > (1u << 20))
            kvd_buf_free(&s->reasm); /* do not keep 6 MB per side */
    }
    return s->bad == 0;
}

static bool side_done(const side_t *s)
{
    return s->sent == s->to_send && s->recvd == s->to_recv;
}

/* Idle: spin a while, then sleep on the eventfd.  False after too many
 * waits that nothing ended (a lost wake-up would show up here). */
static bool idle_wait(side_t *s, uint64_t *idle, uint64_t *stalls, bool blocked_out)
{
    if (++*idle < SPIN_ROUNDS) {
        cpu_relax();
        return true;
    }
    *idle = 0;
    uint8_t blocked[2] = {0, 0};
    blocked[s->peer] = blocked_out;
    bool stalled = kvd_shm_sleep_prepare(s->shm, s->self, blocked) &&
                   s->wk->wait(s->wk, s->self, WAIT_MS) == 0 && ++*stalls > MAX_STALLS;
    kvd_shm_sleep_end(s->shm, s->wk, s->self);
    if (stalled)
        fprintf(stderr, "worker %u: stalled (sent %llu/%llu, received %llu/%llu)\n", s->self,
                (unsigned long long)s->sent, (unsigned long long)s->to_send,
                (unsigned long long)s->recvd, (unsigned long long)s->to_recv);
    return !stalled;
}

/* One worker's loop: send, drain, and sleep on the eventfd when idle. */
static bool run_side(side_t *s)
{
    kvd_ring_consumer_t ops = {on_frag, NULL, NULL, s};
    uint64_t idle = 0, stalls = 0;
    uint64_t bound = (s->to_send + s->to_recv) * 10000 + 100000000;
    for (uint64_t iter = 0; iter < bound && !side_done(s) && s->bad == 0; iter++) {
        bool progress = pump_send(s);
        progress |= kvd_shm_drain(s->shm, s->wk, s->self, DRAIN_BATCH, &ops) > 0;
        if (progress) {
            idle = 0;
            continue;
        }
        if (!idle_wait(s, &idle, &stalls, s->sent < s->to_send))
            return false;
    }
    kvd_free(s->buf);
    kvd_buf_free(&s->reasm);
    return side_done(s) && s->bad == 0;
}

static void side_init(side_t *s, kvd_shm_t *shm, kvd_wake_t *wk, unsigned self, uint64_t seed,
                      uint64_t out, uint64_t in)
{
    memset(s, 0, sizeof(*s));
    s->shm = shm;
    s->wk = wk;
    s->self = self;
    s->peer = 1 - self;
    s->to_send = out;
    s->to_recv = in;
    s->big_every = out / BIG_MESSAGES;
    s->recv_big_every = in / BIG_MESSAGES;
    /* One size stream per direction: the sender's and the receiver's copies agree. */
    s->size_st = seed ^ (0x1000 + self);
    s->expect_st = seed ^ (0x1000 + s->peer);
    s->fill_st = seed ^ (0x2000 + self);
    kvd_buf_init(&s->reasm);
}

typedef struct snapshot {
    uint64_t wakeups[2], sleeps[2], full[2], bytes[2];
} snapshot_t;

static void snap(kvd_shm_t *shm, snapshot_t *sn)
{
    for (unsigned w = 0; w < 2; w++) {
        kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, w);
        sn->wakeups[w] = atomic_load(&ctl->wakeups_sent);
        sn->sleeps[w] = atomic_load(&ctl->sleeps);
        kvd_ring_t *r = kvd_shm_ring(shm, w, 1 - w);
        sn->full[w] = atomic_load(&r->full_events);
        sn->bytes[w] = atomic_load(&r->sent_bytes);
    }
}

/* Run a phase: the child is worker 1, we are worker 0. */
static bool phase(kvd_shm_t *shm, kvd_wake_t *wk, const char *name, uint64_t seed, uint64_t n01,
                  uint64_t n10)
{
    snapshot_t a, b;
    snap(shm, &a);
    fflush(stdout);
    double t0 = now_s();
    pid_t pid = fork();
    KVD_ASSERT(pid >= 0);
    if (pid == 0) {
        side_t s1;
        side_init(&s1, shm, wk, 1, seed, n10, n01);
        _exit(run_side(&s1) ? 0 : 1);
    }
    side_t s0;
    side_init(&s0, shm, wk, 0, seed, n01, n10);
    bool ok = run_side(&s0);
    int status = 0;
    if (!ok)
        kill(pid, SIGKILL);
    KVD_ASSERT(waitpid(pid, &status, 0) == pid);
    double secs = now_s() - t0;
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    snap(shm, &b);
    uint64_t msgs = n01 + n10;
    double mb = (double)(b.bytes[0] - a.bytes[0] + b.bytes[1] - a.bytes[1]) / 1e6;
    printf("%s: %s %llu messages (0->1 %llu, 1->0 %llu) in %.2f s: %.0f msg/s, %.0f MB/s\n", name,
           ok ? "ok" : "FAILED", (unsigned long long)msgs, (unsigned long long)n01,
           (unsigned long long)n10, secs, (double)msgs / secs, mb / secs);
    printf("%s: wake-up syscalls: to worker 0 %llu, to worker 1 %llu (%.5f per message); "
           "sleeps %llu/%llu; full-ring returns %llu/%llu\n",
           name, (unsigned long long)(b.wakeups[0] - a.wakeups[0]),
           (unsigned long long)(b.wakeups[1] - a.wakeups[1]),
           (double)(b.wakeups[0] - a.wakeups[0] + b.wakeups[1] - a.wakeups[1]) / (double)msgs,
           (unsigned long long)(b.sleeps[0] - a.sleeps[0]),
           (unsigned long long)(b.sleeps[1] - a.sleeps[1]),
           (unsigned long long)(b.full[0] - a.full[0]), (unsigned long long)(b.full[1] - a.full[1]));
    kvd_shm_verify_invariants(shm, true);
    return ok;
}

/* ---- phase 3: worker 1 dies and is respawned --------------------------- */

typedef struct respawn_rx {
    uint64_t min_seq, last_seq, got, bad;
    bool any, done;
    kvd_buf_t reasm;
} respawn_rx_t;

static bool rx_frag(void *arg, const kvd_ring_frag_t *f)
{
    respawn_rx_t *rx = arg;
    if (f->hdr.kind == KVD_RING_KIND_CONTROL) {
        rx->done = true; /* the producer's end-of-phase marker */
        return false;
    }
    const uint8_t *msg = NULL;
    if ((f->hdr.flags & KVD_RING_FIRST) && (f->hdr.flags & KVD_RING_LAST))
        msg = f->data;
    else if (kvd_ring_reasm_feed(&rx->reasm, f))
        msg = (const uint8_t *)rx->reasm.data;
    if (!(f->hdr.flags & KVD_RING_LAST))
        return true;
    /* Anything below min_seq was sent to a predecessor. */
    bool ok = f->hdr.seq >= rx->min_seq && (!rx->any || f->hdr.seq > rx->last_seq) &&
              ru_check(msg, f->hdr.total, f->hdr.seq);
    if (!ok && rx->bad++ < 5)
        fprintf(stderr, "respawned worker 1: bad message seq %llu (min %llu, last %llu)\n",
                (unsigned long long)f->hdr.seq, (unsigned long long)rx->min_seq,
                (unsigned long long)rx->last_seq);
    rx->any = true;
    rx->last_seq = f->hdr.seq;
    rx->got++;
    return ok;
}

static KVD_NORETURN void rx_child(kvd_shm_t *shm, kvd_wake_t *wk, uint64_t min_seq)
{
    respawn_rx_t rx = {.min_seq = min_seq};
    kvd_buf_init(&rx.reasm);
    side_t s; /* only for idle_wait */
    side_init(&s, shm, wk, 1, 0, 0, 1);
    kvd_ring_consumer_t ops = {rx_frag, NULL, NULL, &rx};
    uint64_t idle = 0, stalls = 0;
    for (uint64_t iter = 0; iter < 4000000000ull && !rx.done && rx.bad == 0; iter++) {
        if (kvd_shm_drain(shm, wk, 1, DRAIN_BATCH, &ops) > 0)
            idle = 0;
        else if (!idle_wait(&s, &idle, &stalls, false))
            break;
    }
    printf("respawn: last worker 1 received %llu messages from seq %llu\n",
           (unsigned long long)rx.got, (unsigned long long)min_seq);
    fflush(stdout);
    _exit(rx.done && rx.bad == 0 && rx.got > 0 ? 0 : 1);
}

static pid_t spawn_rx(kvd_shm_t *shm, kvd_wake_t *wk, uint64_t min_seq)
{
    fflush(stdout);
    pid_t pid = fork();
    KVD_ASSERT(pid >= 0);
    if (pid == 0)
        rx_child(shm, wk, min_seq);
    return pid;
}

static bool phase_respawn(kvd_shm_t *shm, kvd_wake_t *wk, uint64_t seed, uint64_t n, int kills)
{
    side_t s0;
    side_init(&s0, shm, wk, 0, seed, n, 0);
    pid_t pid = spawn_rx(shm, wk, 0);
    int killed = 0;
    uint64_t idle = 0, stalls = 0;
    double t0 = now_s();
    for (uint64_t iter = 0; iter < 4000000000ull && s0.sent < n; iter++) {
        uint64_t due = n * (uint64_t)(killed + 1) / (uint64_t)(kills + 2);
        /* Prefer to kill while a multi-MB message is half through the
         * ring (one starts in every n/8 window), so resets meet partial
         * messages on both sides. */
        if (killed < kills && s0.sent >= due &&
            ((s0.active && s0.cur.started) || s0.sent >= due + n / BIG_MESSAGES)) {
            /* What the master does on SIGCHLD, then the respawn. */
            kill(pid, SIGKILL);
            KVD_ASSERT(waitpid(pid, NULL, 0) == pid);
            kvd_shm_reset_worker(shm, wk, 1);
            pid = spawn_rx(shm, wk, s0.sent);
            killed++;
        }
        if (pump_send(&s0))
            idle = 0;
        else if (!idle_wait(&s0, &idle, &stalls, true))
            break;
    }
    kvd_ring_cursor_t end;
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_CONTROL, .seq = n};
    kvd_ring_cursor_init(&end, &meta, NULL, 0);
    for (int i = 0; i < 1000000 && kvd_shm_send(shm, wk, 0, 1, &end) == KVD_RING_FULL; i++)
        cpu_relax();
    int status = 0;
    KVD_ASSERT(waitpid(pid, &status, 0) == pid);
    bool ok = s0.sent == n && end.done && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    printf("respawn: %s %llu messages in %.2f s, worker 1 killed %d times; %llu messages "
           "abandoned mid-send, %llu stale records dropped, epoch now %u\n",
           ok ? "ok" : "FAILED", (unsigned long long)n, now_s() - t0, killed,
           (unsigned long long)s0.abandoned, (unsigned long long)atomic_load(&r->dropped_stale),
           (unsigned)atomic_load(&r->epoch));
    kvd_free(s0.buf);
    kvd_shm_verify_invariants(shm, true);
    return ok;
}

int main(void)
{
    uint64_t seed = ru_seed("ring_hammer");
    const char *env = getenv("RING_HAMMER_MESSAGES");
#ifdef KVD_SANITIZERS
    uint64_t dflt = 1000000; /* ASan costs ~5x: keep make check under 20 s */
#else
    uint64_t dflt = 3000000;
#endif
    uint64_t n = (env != NULL && *env != '\0') ? strtoull(env, NULL, 10) : dflt;
    kvd_shm_t *shm = kvd_shm_map(2, RING_CAP);
    if (shm == NULL || kvd_wake_eventfd_open(shm) != 0) {
        perror("ring_hammer: shared region");
        return 1;
    }
    kvd_wake_t wk;
    kvd_wake_eventfd_bind(&wk, shm);
    bool ok = phase(shm, &wk, "one-way", seed, n, 0);
    ok = ok && phase(shm, &wk, "two-way", seed + 1, n / 2, n / 2);
    ok = ok && phase_respawn(shm, &wk, seed + 2, n / 4, 3);
    kvd_wake_eventfd_close(shm);
    kvd_shm_unmap(shm);
    printf("ring_hammer: %s (seed=%llu)\n", ok ? "PASS" : "FAIL", (unsigned long long)seed);
    return ok ? 0 : 1;
}

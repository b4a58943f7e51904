/*
 * test_ring.c - the SPSC ring and the shared region in one process:
 * layout, empty and full, wrap-around and padding, fragmentation from 0
 * bytes to several MB, batching, epochs and resets, the sleep/wake
 * protocol, the eventfd binding, and a seeded model-based random run.
 * test_ring_hammer.c runs the rings between two real processes.
 */
#include <check.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ring_util.h"

#define CAP ((size_t)4096)
#define HDRSZ ((uint64_t)sizeof(kvd_ring_hdr_t))

static uint64_t rec_size(uint64_t len)
{
    return (HDRSZ + len + 7) & ~(uint64_t)7;
}

/* ---- a consumer that verifies and records what it receives ------------ */

#define MAX_SEEN 32768

typedef struct collector {
    kvd_buf_t reasm;
    kvd_ring_t *ring;
    uint64_t msgs, frags, aborts, epochs;
    uint64_t seen[MAX_SEEN]; /* seq of every completed message */
    uint64_t sizes[MAX_SEEN];
    uint64_t stop_after; /* return false from on_frag after this many frags (0: never) */
    bool in_place_seen;  /* a one-record message was read straight from the ring */
} collector_t;

static bool col_frag(void *arg, const kvd_ring_frag_t *f)
{
    collector_t *c = arg;
    c->frags++;
    const uint8_t *msg = NULL;
    if ((f->hdr.flags & (KVD_RING_FIRST | KVD_RING_LAST)) == (KVD_RING_FIRST | KVD_RING_LAST)) {
        /* Zero copy: the payload is read where the producer wrote it. */
        if (c->ring != NULL && f->hdr.len > 0) {
            ck_assert((uintptr_t)f->data >= (uintptr_t)c->ring->data);
            ck_assert((uintptr_t)(f->data + f->hdr.len) <= (uintptr_t)(c->ring->data + c->ring->capacity));
            c->in_place_seen = true;
        }
        msg = f->data;
    } else if (kvd_ring_reasm_feed(&c->reasm, f)) {
        msg = (const uint8_t *)c->reasm.data;
        ck_assert_uint_eq(c->reasm.len, f->hdr.total);
    }
    if (msg != NULL || f->hdr.total == 0) {
        ck_assert_msg(ru_check(msg, f->hdr.total, f->hdr.seq), "payload of seq %llu",
                      (unsigned long long)f->hdr.seq);
        ck_assert_uint_eq(f->hdr.conn_id, f->hdr.seq * 3);
        ck_assert_uint_lt(c->msgs, MAX_SEEN);
        c->seen[c->msgs] = f->hdr.seq;
        c->sizes[c->msgs] = f->hdr.total;
        c->msgs++;
    }
    return !(c->stop_after != 0 && c->frags >= c->stop_after);
}

static void col_abort(void *arg, uint64_t seq, uint64_t conn)
{
    collector_t *c = arg;
    KVD_UNUSED(seq);
    KVD_UNUSED(conn);
    c->aborts++;
}

static void col_epoch(void *arg, uint32_t old_epoch, uint32_t new_epoch)
{
    collector_t *c = arg;
    ck_assert_uint_gt(new_epoch, old_epoch);
    c->epochs++;
}

static kvd_ring_consumer_t col_ops(collector_t *c)
{
    kvd_ring_consumer_t ops = {col_frag, col_abort, col_epoch, c};
    return ops;
}

static void col_init(collector_t *c, kvd_ring_t *r)
{
    memset(c, 0, sizeof(*c));
    kvd_buf_init(&c->reasm);
    c->ring = r;
}

/* A message whose payload checks itself; the caller frees *buf. */
static void make_msg(kvd_ring_cursor_t *cur, uint8_t **buf, uint64_t len, uint64_t seq)
{
    static uint64_t fill_state = 7;
    *buf = kvd_malloc(len ? len : 1);
    ru_fill(*buf, len, seq, &fill_state);
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND, .db = 3, .seq = seq, .conn_id = seq * 3};
    kvd_ring_cursor_init(cur, &meta, *buf, len);
}

/* Send one message, draining whenever the ring is full. */
static void send_through(kvd_ring_t *r, collector_t *c, uint64_t len, uint64_t seq)
{
    kvd_ring_cursor_t cur;
    uint8_t *buf;
    make_msg(&cur, &buf, len, seq);
    kvd_ring_consumer_t ops = col_ops(c);
    uint64_t bound = len / 64 + 100;
    kvd_ring_status_t st = KVD_RING_FULL;
    for (uint64_t i = 0; i < bound && st == KVD_RING_FULL; i++) {
        st = kvd_ring_send(r, &cur, 0);
        kvd_ring_verify_invariants(r, KVD_RING_PRODUCER | KVD_RING_CONSUMER);
        if (st == KVD_RING_FULL)
            kvd_ring_drain(r, SIZE_MAX, &ops);
    }
    ck_assert_int_eq(st, KVD_RING_OK);
    kvd_free(buf);
}

static void drain_all(kvd_ring_t *r, collector_t *c)
{
    kvd_ring_consumer_t ops = col_ops(c);
    for (int i = 0; i < 1000 && kvd_ring_pending(r); i++)
        kvd_ring_drain(r, SIZE_MAX, &ops);
    ck_assert(!kvd_ring_pending(r));
    kvd_ring_verify_invariants(r, KVD_RING_PRODUCER | KVD_RING_CONSUMER);
}

static bool count_frag(void *arg, const kvd_ring_frag_t *f)
{
    KVD_UNUSED(f);
    (*(uint64_t *)arg)++;
    return true;
}

/* ---- layout ------------------------------------------------------------ */

START_TEST(region_layout)
{
    ck_assert_uint_eq(kvd_shm_size(0, CAP), 0);
    ck_assert_uint_eq(kvd_shm_size(2, 3000), 0);     /* not a power of two */
    ck_assert_uint_eq(kvd_shm_size(2, 2048), 0);     /* below the minimum */
    ck_assert_uint_eq(kvd_shm_size(KVD_SHM_MAX_WORKERS + 1, CAP), 0);
    ck_assert_uint_eq(kvd_shm_size(1, CAP), sizeof(kvd_shm_t) + sizeof(kvd_worker_ctl_t));
    kvd_shm_t *shm = ru_shm_new(4, CAP);
    ck_assert_uint_eq(shm->nworkers, 4);
    uintptr_t lo = (uintptr_t)shm, hi = lo + shm->size;
    for (unsigned i = 0; i < 4; i++) {
        kvd_worker_ctl_t *ctl = kvd_shm_ctl(shm, i);
        ck_assert_int_eq(ctl->eventfd, -1);
        ck_assert_uint_eq((uintptr_t)ctl % 64, 0);
        for (unsigned j = 0; j < 4; j++) {
            if (i == j)
                continue;
            kvd_ring_t *r = kvd_shm_ring(shm, i, j);
            ck_assert_uint_eq((uintptr_t)r % 64, 0);
            ck_assert_uint_ge((uintptr_t)r, (uintptr_t)(ctl + 1));
            ck_assert_uint_le((uintptr_t)r->data + CAP, hi);
            ck_assert_uint_eq(r->from, i);
            ck_assert_uint_eq(r->to, j);
            /* Distinct rings: data areas do not overlap. */
            for (unsigned k = 0; k < 4; k++)
                if (k != i && k != j)
                    ck_assert(kvd_shm_ring(shm, i, k) != r);
        }
    }
    ck_assert_uint_ge((uintptr_t)kvd_shm_ring(shm, 0, 1), lo);
    kvd_shm_verify_invariants(shm, true);
    ru_shm_free(shm);
}
END_TEST

START_TEST(mapped_region_is_shared_across_fork)
{
    kvd_shm_t *shm = kvd_shm_map(2, CAP);
    ck_assert_ptr_nonnull(shm);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        uint8_t msg[5] = "hello";
        kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_REPLY, .seq = 1};
        _exit(kvd_ring_try_send(r, &meta, msg, 5) == KVD_RING_OK ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(kvd_ring_pending(r));
    ck_assert_uint_eq(atomic_load(&r->head), rec_size(5));
    kvd_shm_unmap(shm);
}
END_TEST

/* ---- empty, full, wrap ------------------------------------------------- */

START_TEST(empty_ring)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    kvd_ring_consumer_t ops = col_ops(&c);
    ck_assert(!kvd_ring_pending(r));
    ck_assert_uint_eq(kvd_ring_drain(r, 100, &ops), 0);
    ck_assert_uint_eq(kvd_ring_free_bytes(r), CAP);
    ck_assert(!kvd_ring_publish(r));
    ck_assert_uint_eq(c.frags, 0);
    ck_assert_uint_eq(atomic_load(&r->tail), 0);
    kvd_ring_verify_invariants(r, KVD_RING_PRODUCER | KVD_RING_CONSUMER);
    ru_shm_free(shm);
}
END_TEST

START_TEST(full_ring_refuses_then_accepts)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    /* 100-byte payloads: 152-byte records, 26 of them fill 3952 of 4096 bytes. */
    uint64_t fits = CAP / rec_size(100), sent = 0;
    uint8_t payload[100];
    uint64_t st_fill = 1;
    for (uint64_t i = 0; i < fits + 5; i++) {
        ru_fill(payload, 100, i, &st_fill);
        kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND, .seq = i, .conn_id = i * 3};
        uint64_t head_before = atomic_load(&r->head);
        kvd_ring_status_t st = kvd_ring_try_send(r, &meta, payload, 100);
        if (st != KVD_RING_OK) {
            ck_assert_int_eq(st, KVD_RING_FULL);
            /* All or nothing: nothing of the refused message went in. */
            ck_assert_uint_eq(atomic_load(&r->head), head_before);
            ck_assert_uint_eq(r->head_local, head_before);
            break;
        }
        sent++;
    }
    ck_assert_uint_eq(sent, fits);
    ck_assert_uint_ge(atomic_load(&r->full_events), 1);
    ck_assert_uint_lt(kvd_ring_free_bytes(r), rec_size(100));
    /* Draining one record makes room for exactly one more. */
    kvd_ring_consumer_t ops = col_ops(&c);
    ck_assert_uint_eq(kvd_ring_drain(r, 1, &ops), 1);
    ck_assert_uint_eq(c.seen[0], 0);
    ru_fill(payload, 100, sent, &st_fill);
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND, .seq = sent, .conn_id = sent * 3};
    ck_assert_int_eq(kvd_ring_try_send(r, &meta, payload, 100), KVD_RING_OK);
    drain_all(r, &c);
    ck_assert_uint_eq(c.msgs, fits + 1);
    for (uint64_t i = 0; i < c.msgs; i++)
        ck_assert_uint_eq(c.seen[i], i);
    ru_shm_free(shm);
}
END_TEST

START_TEST(wrap_with_pad_and_short_tail)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    /* 56-byte records: 73 of them leave 8 bytes, shorter than a header,
     * which both sides skip without a PAD record. */
    uint64_t seq = 0;
    for (int i = 0; i < 73; i++)
        send_through(r, &c, 8, seq++);
    ck_assert_uint_eq(r->head_local % CAP, CAP - 8);
    drain_all(r, &c);
    send_through(r, &c, 8, seq++);
    ck_assert_uint_eq(r->head_local % CAP, rec_size(8)); /* skipped to the start */
    /* Now a record that leaves room for a header but not the next message:
     * the producer writes a PAD record. */
    for (uint64_t i = 0; i < 30; i++)
        send_through(r, &c, 129, seq++);
    kvd_ring_verify_invariants(r, KVD_RING_PRODUCER | KVD_RING_CONSUMER);
    drain_all(r, &c);
    ck_assert_uint_eq(c.msgs, seq);
    for (uint64_t i = 0; i < c.msgs; i++)
        ck_assert_uint_eq(c.seen[i], i);
    ck_assert(c.in_place_seen);
    ck_assert_uint_gt(r->head_local, 2 * CAP);
    ru_shm_free(shm);
}
END_TEST

START_TEST(wrap_many_times_every_size)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    /* Every payload size up to frag_max, each record alone in a half-drained
     * ring, so the wrap point falls at every offset. */
    uint64_t seq = 0, fmax = kvd_ring_frag_max(r);
    for (uint64_t len = 0; len <= fmax && seq < MAX_SEEN; len += 3) {
        send_through(r, &c, len, seq++);
        if (seq % 3 == 0)
            drain_all(r, &c);
    }
    drain_all(r, &c);
    ck_assert_uint_eq(c.msgs, seq);
    for (uint64_t i = 0; i < c.msgs; i++) {
        ck_assert_uint_eq(c.seen[i], i);
        ck_assert_uint_eq(c.sizes[i], i * 3);
    }
    /* Nothing at or below frag_max was fragmented. */
    ck_assert_uint_eq(c.frags, c.msgs);
    ru_shm_free(shm);
}
END_TEST

START_TEST(empty_message_without_buffer)
{
    /* Regression: the producer's NULL and the consumer's ring address for
     * a 0-byte payload once gave different debug checksums. */
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_CONTROL, .seq = 5};
    ck_assert_int_eq(kvd_ring_try_send(r, &meta, NULL, 0), KVD_RING_OK);
    kvd_ring_verify_invariants(r, KVD_RING_PRODUCER | KVD_RING_CONSUMER);
    uint64_t n = 0;
    kvd_ring_consumer_t ops = {count_frag, NULL, NULL, &n};
    ck_assert_uint_eq(kvd_ring_drain(r, 10, &ops), 1);
    ck_assert_uint_eq(n, 1);
    ru_shm_free(shm);
}
END_TEST

/* ---- fragmentation ----------------------------------------------------- */

START_TEST(fragmentation_sizes)
{
    kvd_shm_t *shm = ru_shm_new(2, 65536);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    uint64_t fmax = kvd_ring_frag_max(r);
    uint64_t sizes[] = {0,        1,        7,           8,         fmax - 1,       fmax,
                        fmax + 1, 2 * fmax, 65536 - 48, 65536,     65536 * 3 + 5, 1u << 20,
                        5u << 20, 1,        (8u << 20) + 13};
    for (size_t i = 0; i < KVD_ARRAY_LEN(sizes); i++) {
        uint64_t frags_before = c.frags;
        send_through(r, &c, sizes[i], i);
        drain_all(r, &c);
        ck_assert_uint_eq(c.msgs, i + 1);
        ck_assert_uint_eq(c.sizes[i], sizes[i]);
        uint64_t frags = c.frags - frags_before;
        if (sizes[i] <= fmax)
            ck_assert_uint_eq(frags, 1);
        else
            ck_assert_uint_ge(frags, (sizes[i] + fmax - 1) / fmax);
    }
    ck_assert_uint_eq(atomic_load(&r->recv_msgs), KVD_ARRAY_LEN(sizes));
    ck_assert_uint_eq(atomic_load(&r->sent_msgs), KVD_ARRAY_LEN(sizes));
    ck_assert_uint_eq(atomic_load(&r->sent_bytes), atomic_load(&r->recv_bytes));
    kvd_buf_free(&c.reasm);
    ru_shm_free(shm);
}
END_TEST

/* A producer that only gets a few bytes of room at a time still progresses. */
static bool frag_offsets_check(void *arg, const kvd_ring_frag_t *f)
{
    uint64_t *expect = arg;
    ck_assert_uint_eq(f->offset, *expect);
    ck_assert_uint_eq(!!(f->hdr.flags & KVD_RING_FIRST), f->offset == 0);
    ck_assert_uint_eq(!!(f->hdr.flags & KVD_RING_LAST), f->offset + f->hdr.len == f->hdr.total);
    *expect += f->hdr.len;
    return true;
}

START_TEST(fragments_in_order_with_one_record_drains)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    kvd_ring_cursor_t cur;
    uint8_t *buf;
    make_msg(&cur, &buf, 100000, 9);
    uint64_t expect = 0;
    kvd_ring_consumer_t ops = {frag_offsets_check, NULL, NULL, &expect};
    kvd_ring_status_t st = KVD_RING_FULL;
    for (int i = 0; i < 100000 && st != KVD_RING_OK; i++) {
        st = kvd_ring_send(r, &cur, 0);
        ck_assert_int_ne(st, KVD_RING_RESET);
        kvd_ring_drain(r, 1, &ops); /* one record per batch */
        kvd_ring_verify_invariants(r, KVD_RING_PRODUCER | KVD_RING_CONSUMER);
    }
    ck_assert_int_eq(st, KVD_RING_OK);
    for (int i = 0; i < 1000 && kvd_ring_pending(r); i++)
        kvd_ring_drain(r, 1, &ops);
    ck_assert_uint_eq(expect, 100000);
    kvd_free(buf);
    ru_shm_free(shm);
}
END_TEST

/* ---- batching ---------------------------------------------------------- */

typedef struct batch_probe {
    kvd_ring_t *ring;
    uint64_t tail_at_start;
    uint64_t calls;
    const uint8_t *first_ptr;
    uint8_t first_byte;
} batch_probe_t;

static bool probe_frag(void *arg, const kvd_ring_frag_t *f)
{
    batch_probe_t *p = arg;
    /* Tail is published once, after the batch: earlier pointers stay valid. */
    ck_assert_uint_eq(atomic_load(&p->ring->tail), p->tail_at_start);
    if (p->calls == 0) {
        p->first_ptr = f->data;
        p->first_byte = f->data[0];
    }
    ck_assert_uint_eq(p->first_ptr[0], p->first_byte);
    p->calls++;
    return true;
}

START_TEST(batch_limit_and_single_tail_publish)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    uint8_t payload[32];
    uint64_t st_fill = 3;
    for (uint64_t i = 0; i < 20; i++) {
        ru_fill(payload, sizeof(payload), i, &st_fill);
        kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_REPLY, .seq = i};
        /* Written now, published once below. */
        kvd_ring_cursor_t cur;
        kvd_ring_cursor_init(&cur, &meta, payload, sizeof(payload));
        ck_assert_int_eq(kvd_ring_send(r, &cur, KVD_RING_NO_PUBLISH), KVD_RING_OK);
        ck_assert_uint_eq(atomic_load(&r->head), 0);
    }
    ck_assert(!kvd_ring_pending(r));
    ck_assert(kvd_ring_publish(r));
    ck_assert(kvd_ring_pending(r));
    batch_probe_t p = {.ring = r};
    kvd_ring_consumer_t ops = {probe_frag, NULL, NULL, &p};
    ck_assert_uint_eq(kvd_ring_drain(r, 7, &ops), 7);
    ck_assert_uint_eq(p.calls, 7);
    ck_assert_uint_eq(atomic_load(&r->tail), 7 * rec_size(32));
    p.tail_at_start = atomic_load(&r->tail);
    p.calls = 0;
    ck_assert_uint_eq(kvd_ring_drain(r, 100, &ops), 13);
    ck_assert(!kvd_ring_pending(r));
    ru_shm_free(shm);
}
END_TEST

START_TEST(callback_can_end_batch)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    for (uint64_t i = 0; i < 10; i++)
        send_through(r, &c, 10, i);
    c.stop_after = 4;
    kvd_ring_consumer_t ops = col_ops(&c);
    ck_assert_uint_eq(kvd_ring_drain(r, 100, &ops), 4);
    c.stop_after = 0;
    ck_assert_uint_eq(kvd_ring_drain(r, 100, &ops), 6);
    ck_assert_uint_eq(c.msgs, 10);
    ru_shm_free(shm);
}
END_TEST

/* ---- epochs and resets ------------------------------------------------- */

START_TEST(reset_with_dead_consumer_drops_and_resumes)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    ru_fake_wake_t fw;
    ru_fake_wake_init(&fw);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    uint8_t small[20] = {0};
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND, .seq = 1, .conn_id = 3};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(kvd_ring_try_send(r, &meta, small, sizeof(small)), KVD_RING_OK);
    kvd_ring_cursor_t big;
    uint8_t *buf;
    make_msg(&big, &buf, 100000, 50);
    ck_assert_int_eq(kvd_ring_send(r, &big, 0), KVD_RING_FULL);
    ck_assert(big.started);
    uint32_t e0 = atomic_load(&r->epoch);

    /* Worker 1, the consumer of ring 0 -> 1, died. */
    ck_assert_uint_eq(kvd_shm_reset_worker(shm, &fw.wk, 1), 2);
    ck_assert_uint_eq(atomic_load(&r->epoch), e0 + 1);
    ck_assert_uint_eq(atomic_load(&kvd_shm_ring(shm, 1, 0)->epoch), e0 + 1);
    ck_assert_uint_eq(atomic_load(&r->tail), atomic_load(&r->head));
    ck_assert(!kvd_ring_pending(r));
    ck_assert_uint_eq(fw.signals[0], 1); /* the peer is told at once */
    ck_assert_uint_eq(fw.signals[1], 0);
    kvd_shm_verify_invariants(shm, true);

    /* The half-sent message is abandoned; the next one reaches the successor. */
    ck_assert_int_eq(kvd_ring_send(r, &big, 0), KVD_RING_RESET);
    send_through(r, &c, 300, 51);
    drain_all(r, &c);
    ck_assert_uint_eq(c.msgs, 1);
    ck_assert_uint_eq(c.seen[0], 51);
    ck_assert_uint_eq(c.epochs, 0); /* a fresh consumer has nothing to fail */
    kvd_free(buf);
    ru_shm_free(shm);
}
END_TEST

START_TEST(reset_with_dead_producer_aborts_partial_message)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    ru_fake_wake_t fw;
    ru_fake_wake_init(&fw);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    kvd_ring_consumer_t ops = col_ops(&c);
    kvd_ring_cursor_t big;
    uint8_t *buf;
    make_msg(&big, &buf, 100000, 60);
    ck_assert_int_eq(kvd_ring_send(r, &big, 0), KVD_RING_FULL);
    ck_assert_uint_gt(kvd_ring_drain(r, SIZE_MAX, &ops), 0); /* FIRST delivered */
    ck_assert_int_eq(kvd_ring_send(r, &big, KVD_RING_NO_PUBLISH), KVD_RING_FULL);
    kvd_ring_publish(r);
    ck_assert_int_eq(kvd_ring_send(r, &big, KVD_RING_NO_PUBLISH), KVD_RING_FULL);
    uint64_t published = atomic_load(&r->head);

    /* Worker 0, the producer, died with records published and unpublished. */
    kvd_shm_reset_worker(shm, &fw.wk, 0);
    ck_assert_uint_eq(r->head_local, published);
    ck_assert(kvd_ring_pending(r));
    ck_assert_uint_eq(fw.signals[1], 1);
    drain_all(r, &c);
    ck_assert_uint_eq(c.aborts, 1);
    ck_assert_uint_eq(c.epochs, 1);
    ck_assert_uint_eq(c.msgs, 0);
    ck_assert_uint_ge(atomic_load(&r->dropped_stale), 1);

    /* The successor resumes at the published head. */
    send_through(r, &c, 70000, 61);
    send_through(r, &c, 5, 62);
    drain_all(r, &c);
    ck_assert_uint_eq(c.msgs, 2);
    ck_assert_uint_eq(c.seen[0], 61);
    ck_assert_uint_eq(c.seen[1], 62);
    kvd_free(buf);
    kvd_buf_free(&c.reasm);
    ru_shm_free(shm);
}
END_TEST

START_TEST(unstarted_message_takes_the_new_epoch)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    col_init(&c, r);
    uint8_t small[400] = {0};
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND, .seq = 1};
    for (int i = 0; i < 100 && kvd_ring_try_send(r, &meta, small, sizeof(small)) == KVD_RING_OK;
         i++)
        ;
    kvd_ring_cursor_t cur;
    uint8_t *buf;
    make_msg(&cur, &buf, 300, 70);
    ck_assert_int_eq(kvd_ring_send(r, &cur, 0), KVD_RING_FULL);
    ck_assert(!cur.started);
    kvd_ring_reset(r, false, true);
    /* Nothing of it was written before the reset, so it is not stale. */
    ck_assert_int_eq(kvd_ring_send(r, &cur, 0), KVD_RING_OK);
    ck_assert_uint_eq(cur.epoch, atomic_load(&r->epoch));
    drain_all(r, &c);
    ck_assert_uint_eq(c.msgs, 1);
    ck_assert_uint_eq(c.seen[0], 70);
    kvd_free(buf);
    ru_shm_free(shm);
}
END_TEST

START_TEST(corrupted_record_is_caught)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    uint8_t small[20] = {0};
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND, .seq = 1};
    ck_assert_int_eq(kvd_ring_try_send(r, &meta, small, sizeof(small)), KVD_RING_OK);
    kvd_ring_verify_invariants(r, KVD_RING_CONSUMER);
    r->data[offsetof(kvd_ring_hdr_t, seq)] ^= 1; /* a torn or mis-framed header */
    kvd_ring_verify_invariants(r, KVD_RING_CONSUMER);
}
END_TEST

/* ---- sleeping and waking ----------------------------------------------- */

START_TEST(consumer_sleep_protocol)
{
    kvd_shm_t *shm = ru_shm_new(3, CAP);
    ru_fake_wake_t fw;
    ru_fake_wake_init(&fw);
    kvd_worker_ctl_t *ctl1 = kvd_shm_ctl(shm, 1);
    uint8_t payload[16] = {0};
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND};
    kvd_ring_cursor_t cur;

    ck_assert(kvd_shm_sleep_prepare(shm, 1, NULL));
    ck_assert_uint_eq(atomic_load(&ctl1->sleeping), 1);
    kvd_ring_cursor_init(&cur, &meta, payload, sizeof(payload));
    ck_assert_int_eq(kvd_shm_send(shm, &fw.wk, 0, 1, &cur), KVD_RING_OK);
    ck_assert_uint_eq(fw.signals[1], 1);
    ck_assert_uint_eq(atomic_load(&ctl1->sleeping), 0);
    /* A second producer finds the flag taken: one syscall per sleep. */
    kvd_ring_cursor_init(&cur, &meta, payload, sizeof(payload));
    ck_assert_int_eq(kvd_shm_send(shm, &fw.wk, 2, 1, &cur), KVD_RING_OK);
    ck_assert_uint_eq(fw.signals[1], 1);
    kvd_shm_sleep_end(shm, &fw.wk, 1);
    ck_assert_uint_eq(atomic_load(&ctl1->wakeups_seen), 1);
    ck_assert_uint_eq(atomic_load(&ctl1->wakeups_sent), 1);

    /* With records waiting the worker must not block. */
    ck_assert(!kvd_shm_sleep_prepare(shm, 1, NULL));
    ck_assert_uint_eq(atomic_load(&ctl1->sleeping), 0);
    uint64_t n = 0;
    kvd_ring_consumer_t ops = {count_frag, NULL, NULL, &n};
    ck_assert_uint_eq(kvd_shm_drain(shm, &fw.wk, 1, 100, &ops), 2);

    /* A busy consumer costs its producers no signals at all. */
    for (int i = 0; i < 10000; i++) {
        kvd_ring_cursor_init(&cur, &meta, payload, sizeof(payload));
        ck_assert_int_eq(kvd_shm_send(shm, &fw.wk, 0, 1, &cur), KVD_RING_OK);
        kvd_shm_drain(shm, &fw.wk, 1, 100, &ops);
    }
    ck_assert_uint_eq(n, 10002);
    ck_assert_uint_eq(fw.signals[1], 1);
    ck_assert_uint_eq(atomic_load(&ctl1->sleeps), 1);
    ru_shm_free(shm);
}
END_TEST

START_TEST(blocked_producer_woken_at_half_free)
{
    kvd_shm_t *shm = ru_shm_new(2, CAP);
    ru_fake_wake_t fw;
    ru_fake_wake_init(&fw);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    uint8_t payload[100] = {0};
    kvd_ring_meta_t meta = {.kind = KVD_RING_KIND_COMMAND};
    int sent = 0;
    while (sent < 100 && kvd_ring_try_send(r, &meta, payload, sizeof(payload)) == KVD_RING_OK)
        sent++;
    uint8_t blocked[2] = {0, 1};
    ck_assert(kvd_shm_sleep_prepare(shm, 0, blocked));
    ck_assert_uint_eq(atomic_load(&r->want_space), 1);
    uint64_t n = 0;
    kvd_ring_consumer_t ops = {count_frag, NULL, NULL, &n};
    /* A little room is not worth waking the producer for. */
    kvd_shm_drain(shm, &fw.wk, 1, 2, &ops);
    ck_assert_uint_eq(fw.signals[0], 0);
    kvd_shm_drain(shm, &fw.wk, 1, (size_t)sent / 2, &ops);
    ck_assert_uint_eq(fw.signals[0], 1);
    ck_assert_uint_eq(atomic_load(&r->want_space), 0);
    kvd_shm_drain(shm, &fw.wk, 1, SIZE_MAX, &ops);
    ck_assert_uint_eq(fw.signals[0], 1);
    ck_assert_uint_eq(n, (uint64_t)sent);
    kvd_shm_sleep_end(shm, &fw.wk, 0);
    /* With room already there, asking for it cancels the sleep. */
    ck_assert(!kvd_shm_sleep_prepare(shm, 0, blocked));
    ru_shm_free(shm);
}
END_TEST

START_TEST(eventfd_binding)
{
    kvd_shm_t *shm = kvd_shm_map(2, CAP);
    ck_assert_ptr_nonnull(shm);
    ck_assert_int_eq(kvd_wake_eventfd_open(shm), 0);
    kvd_wake_t wk;
    kvd_wake_eventfd_bind(&wk, shm);
    ck_assert_int_ge(wk.fd(&wk, 1), 0);
    ck_assert_int_ne(wk.fd(&wk, 0), wk.fd(&wk, 1));
    ck_assert_int_eq(wk.wait(&wk, 1, 0), 0);
    ck_assert_uint_eq(wk.consume(&wk, 1), 0);
    ck_assert_int_eq(wk.signal(&wk, 1), 0);
    ck_assert_int_eq(wk.signal(&wk, 1), 0);
    ck_assert_int_eq(wk.wait(&wk, 0, 0), 0);
    ck_assert_int_eq(wk.wait(&wk, 1, 1000), 1);
    ck_assert_uint_eq(wk.consume(&wk, 1), 2); /* signals coalesce */
    ck_assert_int_eq(wk.wait(&wk, 1, 0), 0);
    kvd_wake_eventfd_close(shm);
    ck_assert_int_eq(kvd_shm_ctl(shm, 0)->eventfd, -1);
    kvd_shm_unmap(shm);
}
END_TEST

/* ---- seeded model-based run -------------------------------------------- */

typedef struct model {
    uint64_t expect[MAX_SEEN]; /* seqs the consumer must see, in order */
    uint64_t nexpect;
    uint64_t next_seq;
} model_t;

static uint64_t pick_size(uint64_t *st, uint64_t cap)
{
    uint64_t roll = ru_range(st, 0, 99);
    if (roll < 70)
        return ru_range(st, 0, 200);
    if (roll < 95)
        return ru_range(st, 0, cap / 4);
    return ru_range(st, 0, cap * 3);
}

START_TEST(random_model)
{
    uint64_t st = ru_seed("ring random_model");
    size_t caps[] = {4096, 8192, 65536};
    size_t cap = caps[ru_range(&st, 0, 2)];
    kvd_shm_t *shm = ru_shm_new(2, cap);
    kvd_ring_t *r = kvd_shm_ring(shm, 0, 1);
    static collector_t c;
    static model_t m;
    memset(&m, 0, sizeof(m));
    col_init(&c, r);
    kvd_ring_consumer_t ops = col_ops(&c);
    kvd_ring_cursor_t cur;
    uint8_t *buf = NULL;
    bool active = false;
    for (int step = 0; step < 20000 && m.nexpect < MAX_SEEN - 1; step++) {
        if (!active) {
            make_msg(&cur, &buf, pick_size(&st, cap), m.next_seq++);
            active = true;
        }
        uint64_t op = ru_range(&st, 0, 99);
        if (op < 50) {
            kvd_ring_status_t s = kvd_ring_send(r, &cur, op < 15 ? KVD_RING_NO_PUBLISH : 0);
            if (s != KVD_RING_FULL) {
                if (s == KVD_RING_OK)
                    m.expect[m.nexpect++] = cur.meta.seq;
                kvd_free(buf);
                active = false;
            }
        } else if (op < 55) {
            kvd_ring_publish(r);
        } else if (op < 99) {
            kvd_ring_drain(r, ru_range(&st, 1, 20), &ops);
        } else {
            /* Either side dies: nothing undelivered survives. */
            bool producer = ru_range(&st, 0, 1);
            kvd_ring_reset(r, producer, !producer);
            ck_assert_uint_le(c.msgs, m.nexpect);
            m.nexpect = c.msgs;
        }
        kvd_ring_verify_invariants(r, KVD_RING_PRODUCER | KVD_RING_CONSUMER);
        ck_assert_uint_le(c.msgs, m.nexpect);
    }
    if (active)
        kvd_free(buf);
    kvd_ring_publish(r);
    drain_all(r, &c);
    ck_assert_uint_eq(c.msgs, m.nexpect);
    for (uint64_t i = 0; i < c.msgs; i++)
        ck_assert_uint_eq(c.seen[i], m.expect[i]);
    printf("random_model: cap=%zu messages=%llu fragments=%llu aborted=%llu stale=%llu\n", cap,
           (unsigned long long)c.msgs, (unsigned long long)c.frags, (unsigned long long)c.aborts,
           (unsigned long long)atomic_load(&r->dropped_stale));
    kvd_buf_free(&c.reasm);
    ru_shm_free(shm);
}
END_TEST

static void add_epoch_tests(TCase *tc)
{
    tcase_add_test(tc, reset_with_dead_consumer_drops_and_resumes);
    tcase_add_test(tc, reset_with_dead_producer_aborts_partial_message);
    tcase_add_test(tc, unstarted_message_takes_the_new_epoch);
    tcase_add_test_raise_signal(tc, corrupted_record_is_caught, SIGABRT);
    tcase_add_test(tc, consumer_sleep_protocol);
    tcase_add_test(tc, blocked_producer_woken_at_half_free);
    tcase_add_test(tc, eventfd_binding);
    tcase_add_test(tc, random_model);
}

int main(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("ring");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, region_layout);
    tcase_add_test(tc, mapped_region_is_shared_across_fork);
    tcase_add_test(tc, empty_ring);
    tcase_add_test(tc, full_ring_refuses_then_accepts);
    tcase_add_test(tc, wrap_with_pad_and_short_tail);
    tcase_add_test(tc, wrap_many_times_every_size);
    tcase_add_test(tc, empty_message_without_buffer);
    tcase_add_test(tc, fragmentation_sizes);
    tcase_add_test(tc, fragments_in_order_with_one_record_drains);
    tcase_add_test(tc, batch_limit_and_single_tail_publish);
    tcase_add_test(tc, callback_can_end_batch);
    add_epoch_tests(tc);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

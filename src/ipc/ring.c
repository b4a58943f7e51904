/*
 * ring.c - the SPSC byte ring: records, fragmentation, batched draining,
 * epochs.  The protocol is described in ring.h.
 */
#include "ipc/ring.h"

#define RING_MAGIC 0x6b766472u /* "kvdr" */
#define HDR ((uint64_t)sizeof(kvd_ring_hdr_t))
/*
 * A fragment of a large message shorter than this (unless it is the
 * message's last bytes) is not worth its 48-byte header: the producer
 * waits for more room instead.
 */
#define MIN_CHUNK ((uint64_t)512)

_Static_assert(KVD_RING_MIN_CAPACITY / 8 >= MIN_CHUNK, "frag_max >= MIN_CHUNK");
_Static_assert((KVD_RING_MAX_CAPACITY / 8) + sizeof(kvd_ring_hdr_t) <= UINT32_MAX,
               "a record length fits the header's 32 bits");

static inline uint64_t align_up(uint64_t n)
{
    return (n + (KVD_RING_ALIGN - 1)) & ~(uint64_t)(KVD_RING_ALIGN - 1);
}

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Counters have one writer: a relaxed load and store, no locked RMW. */
static inline void counter_add(kvd_ring_counter_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

bool kvd_ring_capacity_valid(size_t capacity)
{
    return capacity >= KVD_RING_MIN_CAPACITY && capacity <= KVD_RING_MAX_CAPACITY &&
           (capacity & (capacity - 1)) == 0;
}

size_t kvd_ring_footprint(size_t capacity)
{
    if (!kvd_ring_capacity_valid(capacity))
        return 0;
    return sizeof(kvd_ring_t) + capacity;
}

kvd_ring_t *kvd_ring_init(void *mem, size_t capacity, uint32_t from, uint32_t to)
{
    KVD_ASSERT(kvd_ring_capacity_valid(capacity));
    KVD_ASSERT(((uintptr_t)mem % KVD_CACHE_LINE) == 0);
    memset(mem, 0, sizeof(kvd_ring_t));
    kvd_ring_t *r = mem;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->want_space, 0);
    /* Epoch 0 never occurs, so a zeroed record is never current. */
    atomic_init(&r->epoch, 1);
    r->seen_epoch = 1;
    r->magic = RING_MAGIC;
    r->capacity = capacity;
    r->from = from;
    r->to = to;
    KVD_VERIFY(kvd_ring_verify_invariants(r, KVD_RING_PRODUCER | KVD_RING_CONSUMER));
    return r;
}

static inline uint64_t mix64(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

/*
 * The header checksum catches a consumer reading a record the producer has
 * not finished (a broken publication order) or a mis-framed position.  In
 * debug builds it covers the payload too; the PAD record's payload is
 * never written, so it is never covered.
 */
uint32_t kvd_ring_checksum(const kvd_ring_hdr_t *h, const void *payload)
{
    uint64_t x = 0x243f6a8885a308d3ull;
    x = mix64(x, h->len | (uint64_t)h->kind << 32 | (uint64_t)h->flags << 48);
    x = mix64(x, h->db | (uint64_t)h->epoch << 32);
    x = mix64(x, h->seq);
    x = mix64(x, h->conn_id);
    x = mix64(x, h->total);
#ifdef KVD_DEBUG
    /* Both sides must agree on what is covered: a zero-length payload may
     * be NULL on the producer's side and a ring address on the consumer's. */
    if (h->kind != KVD_RING_KIND_PAD && h->len > 0) {
        KVD_ASSERT(payload != NULL);
        const uint8_t *p = payload;
        uint64_t n = h->len, i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            x = mix64(x, w);
        }
        uint64_t last = 0;
        memcpy(&last, p + i, n - i);
        x = mix64(x, last ^ n);
    }
#else
    KVD_UNUSED(payload);
#endif
    return (uint32_t)(x ^ (x >> 32));
}

/* ---- producer ---------------------------------------------------------- */

/* Free bytes as the producer sees them; the consumer's line is read only
 * when the cached tail says there is not enough room. */
static uint64_t room(kvd_ring_t *r, uint64_t need)
{
    uint64_t used = r->head_local - r->tail_cache;
    if (r->capacity - used >= need)
        return r->capacity - used;
    r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
    used = r->head_local - r->tail_cache;
    KVD_ASSERT(used <= r->capacity);
    return r->capacity - used;
}

static void write_record(kvd_ring_t *r, kvd_ring_hdr_t *h, const uint8_t *payload)
{
    uint64_t off = r->head_local & (r->capacity - 1);
    KVD_ASSERT(r->capacity - off >= HDR + h->len);
    h->check = kvd_ring_checksum(h, payload);
    memcpy(r->data + off, h, HDR);
    if (h->len > 0)
        memcpy(r->data + off + HDR, payload, h->len);
    r->head_local += align_up(HDR + h->len);
}

/* Move head_local to the start of data: a PAD record over what is left,
 * or nothing when a header would not fit (the consumer skips that too). */
static void skip_to_start(kvd_ring_t *r, uint64_t contig)
{
    KVD_ASSERT(contig % KVD_RING_ALIGN == 0);
    if (contig >= HDR) {
        kvd_ring_hdr_t pad = {.len = (uint32_t)(contig - HDR), .kind = KVD_RING_KIND_PAD};
        pad.check = kvd_ring_checksum(&pad, NULL);
        memcpy(r->data + (r->head_local & (r->capacity - 1)), &pad, HDR);
    }
    r->head_local += contig;
    KVD_ASSERT((r->head_local & (r->capacity - 1)) == 0);
}

/*
 * Make room for a record of `need` contiguous bytes (at least `need_min`
 * when the record may be shortened), skipping to the start of data when
 * the tail end is too short.  Returns the usable contiguous bytes, or 0
 * when the ring has no room.
 */
static uint64_t reserve(kvd_ring_t *r, uint64_t need_min)
{
    uint64_t contig = r->capacity - (r->head_local & (r->capacity - 1));
    if (contig < need_min) {
        if (room(r, contig + need_min) < contig + need_min)
            return 0;
        skip_to_start(r, contig);
        contig = r->capacity;
    }
    uint64_t free = room(r, need_min);
    if (free < need_min)
        return 0;
    return min_u64(contig, free);
}

/* Write the next record of c.  False when there is no room for it. */
static bool put_one(kvd_ring_t *r, kvd_ring_cursor_t *c)
{
    uint64_t remaining = c->len - c->sent;
    uint64_t chunk;
    if (c->len <= kvd_ring_frag_max(r)) {
        /* A small message is one record, never cut, so it is read in place. */
        if (reserve(r, align_up(HDR + c->len)) == 0)
            return false;
        chunk = c->len;
    } else {
        uint64_t usable = reserve(r, HDR + min_u64(remaining, MIN_CHUNK));
        if (usable == 0)
            return false;
        chunk = min_u64(min_u64(remaining, kvd_ring_frag_max(r)), usable - HDR);
    }
    kvd_ring_hdr_t h = {
        .len = (uint32_t)chunk,
        .kind = c->meta.kind,
        .flags = (uint16_t)((c->sent == 0 ? KVD_RING_FIRST : 0) |
                            (c->sent + chunk == c->len ? KVD_RING_LAST : 0)),
        .db = c->meta.db,
        .epoch = c->epoch,
        .seq = c->meta.seq,
        .conn_id = c->meta.conn_id,
        .total = c->len,
    };
    write_record(r, &h, c->data + c->sent);
    c->sent += chunk;
    c->started = true;
    counter_add(&r->sent_records, 1);
    counter_add(&r->sent_bytes, chunk);
    return true;
}

void kvd_ring_cursor_init(kvd_ring_cursor_t *c, const kvd_ring_meta_t *meta, const void *data,
                          uint64_t len)
{
    KVD_ASSERT(meta->kind != KVD_RING_KIND_PAD && meta->kind != 0);
    KVD_ASSERT(len <= KVD_RING_MAX_MESSAGE);
    KVD_ASSERT(data != NULL || len == 0);
    memset(c, 0, sizeof(*c));
    c->meta = *meta;
    c->data = data;
    c->len = len;
}

kvd_ring_status_t kvd_ring_send(kvd_ring_t *r, kvd_ring_cursor_t *c, unsigned flags)
{
    KVD_ASSERT(!c->done);
    uint32_t epoch = atomic_load_explicit(&r->epoch, memory_order_acquire);
    if (!c->started) {
        c->epoch = epoch; /* nothing written yet: the message belongs to the new epoch */
    } else if (c->epoch != epoch) {
        c->done = true;
        return KVD_RING_RESET;
    }
    kvd_ring_status_t st = KVD_RING_FULL;
    uint64_t start = r->head_local;
    /* Each record advances head_local; stop after about one capacity. */
    for (uint64_t i = 0; i <= r->capacity / HDR; i++) {
        if (r->head_local - start >= r->capacity || !put_one(r, c))
            break;
        if (c->sent == c->len) {
            st = KVD_RING_OK;
            c->done = true;
            counter_add(&r->sent_msgs, 1);
            break;
        }
    }
    if (st == KVD_RING_FULL)
        counter_add(&r->full_events, 1);
    if (!(flags & KVD_RING_NO_PUBLISH))
        kvd_ring_publish(r);
    KVD_VERIFY(kvd_ring_verify_invariants(r, KVD_RING_PRODUCER));
    return st;
}

kvd_ring_status_t kvd_ring_try_send(kvd_ring_t *r, const kvd_ring_meta_t *meta, const void *data,
                                    uint64_t len)
{
    /* All or nothing needs the message to be one record. */
    KVD_ASSERT(len <= kvd_ring_frag_max(r));
    kvd_ring_cursor_t c;
    kvd_ring_cursor_init(&c, meta, data, len);
    kvd_ring_status_t st = kvd_ring_send(r, &c, 0);
    KVD_ASSERT(st == KVD_RING_OK || c.sent == 0);
    return st;
}

bool kvd_ring_publish(kvd_ring_t *r)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (head == r->head_local)
        return false;
    KVD_ASSERT(r->head_local - head <= r->capacity);
    atomic_store_explicit(&r->head, r->head_local, memory_order_release);
    return true;
}

uint64_t kvd_ring_free_bytes(kvd_ring_t *r)
{
    return room(r, r->capacity);
}

/*
 * The producer's half of the room wake-up (a Dekker pair with
 * kvd_ring_take_space_waiter): store the flag, full fence, load tail.
 * Either this load sees the consumer's latest tail, or the consumer's
 * load of the flag (after its own fence) sees the flag.  Both sides use
 * the same threshold, half the ring, which always fits any blocked record
 * (at most frag_max + a header + a skip of the same size).
 */
bool kvd_ring_want_space(kvd_ring_t *r)
{
    KVD_ASSERT(atomic_load_explicit(&r->head, memory_order_relaxed) == r->head_local);
    atomic_store_explicit(&r->want_space, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (r->capacity - (r->head_local - r->tail_cache) >= r->capacity / 2) {
        atomic_store_explicit(&r->want_space, 0, memory_order_relaxed);
        return true;
    }
    return false;
}

/* ---- consumer ---------------------------------------------------------- */

bool kvd_ring_pending(kvd_ring_t *r)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head != atomic_load_explicit(&r->tail, memory_order_relaxed))
        return true;
    return atomic_load_explicit(&r->epoch, memory_order_acquire) != r->seen_epoch;
}

bool kvd_ring_take_space_waiter(kvd_ring_t *r)
{
    atomic_thread_fence(memory_order_seq_cst); /* orders our tail store before the flag load */
    if (!atomic_load_explicit(&r->want_space, memory_order_relaxed))
        return false;
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (r->capacity - (head - tail) < r->capacity / 2)
        return false;
    return atomic_exchange_explicit(&r->want_space, 0, memory_order_relaxed) == 1;
}

/* The epoch moved: a message in progress will never complete. */
static void note_epoch(kvd_ring_t *r, uint32_t epoch, const kvd_ring_consumer_t *c)
{
    KVD_ASSERT((int32_t)(epoch - r->seen_epoch) > 0);
    if (r->in_msg) {
        r->in_msg = 0;
        counter_add(&r->aborted, 1);
        if (c->on_abort != NULL)
            c->on_abort(c->arg, r->msg_seq, r->msg_conn);
    }
    uint32_t old = r->seen_epoch;
    r->seen_epoch = epoch;
    if (c->on_epoch != NULL)
        c->on_epoch(c->arg, old, epoch);
}

/* Validate a record header at off against what is published; returns the
 * record's size in the ring. */
static uint64_t check_record(const kvd_ring_t *r, const kvd_ring_hdr_t *h, uint64_t off,
                             uint64_t published)
{
    uint64_t contig = r->capacity - off;
    KVD_ASSERT(HDR + h->len <= contig);
    uint64_t rec = align_up(HDR + h->len);
    KVD_ASSERT(rec <= published);
    const uint8_t *payload = h->kind == KVD_RING_KIND_PAD ? NULL : r->data + off + HDR;
    KVD_ASSERT(h->check == kvd_ring_checksum(h, payload));
    if (h->kind != KVD_RING_KIND_PAD) {
        KVD_ASSERT(h->kind != 0);
        KVD_ASSERT((h->flags & ~(KVD_RING_FIRST | KVD_RING_LAST)) == 0);
        KVD_ASSERT(h->len <= h->total);
    }
    return rec;
}

/* Fragment sequencing: FIRST opens a message, the rest continue it in
 * order.  Returns this fragment's offset within its message. */
static uint64_t track(kvd_ring_t *r, const kvd_ring_hdr_t *h)
{
    if (h->flags & KVD_RING_FIRST) {
        KVD_ASSERT(!r->in_msg); /* only an epoch change abandons a message */
        KVD_ASSERT(h->total <= KVD_RING_MAX_MESSAGE);
        r->msg_seq = h->seq;
        r->msg_conn = h->conn_id;
        r->msg_total = h->total;
        r->msg_offset = 0;
    } else {
        KVD_ASSERT(r->in_msg);
        KVD_ASSERT(h->seq == r->msg_seq);
        KVD_ASSERT(h->conn_id == r->msg_conn);
        KVD_ASSERT(h->total == r->msg_total);
    }
    uint64_t offset = r->msg_offset;
    KVD_ASSERT(h->len <= r->msg_total - offset);
    r->msg_offset += h->len;
    if (h->flags & KVD_RING_LAST) {
        KVD_ASSERT(r->msg_offset == r->msg_total);
        r->in_msg = 0;
        counter_add(&r->recv_msgs, 1);
    } else {
        KVD_ASSERT(r->msg_offset < r->msg_total);
        r->in_msg = 1;
    }
    return offset;
}

size_t kvd_ring_drain(kvd_ring_t *r, size_t max, const kvd_ring_consumer_t *c)
{
    KVD_ASSERT(c->on_frag != NULL);
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    /* After head: every record we can see carries an epoch <= this one. */
    uint32_t epoch = atomic_load_explicit(&r->epoch, memory_order_acquire);
    if (epoch != r->seen_epoch)
        note_epoch(r, epoch, c);
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint64_t start = tail;
    KVD_ASSERT(head - tail <= r->capacity);
    size_t delivered = 0;
    /* Every iteration consumes at least KVD_RING_ALIGN bytes. */
    for (uint64_t i = 0; i <= r->capacity / KVD_RING_ALIGN && tail != head && delivered < max;
         i++) {
        uint64_t off = tail & (r->capacity - 1);
        if (r->capacity - off < HDR) {
            tail += r->capacity - off;
            continue;
        }
        kvd_ring_hdr_t h;
        memcpy(&h, r->data + off, HDR);
        uint64_t rec = check_record(r, &h, off, head - tail);
        if (h.kind == KVD_RING_KIND_PAD) {
            tail += rec;
            continue;
        }
        if (h.epoch != epoch) {
            KVD_ASSERT((int32_t)(epoch - h.epoch) > 0);
            counter_add(&r->dropped_stale, 1);
            tail += rec;
            continue;
        }
        kvd_ring_frag_t f = {.hdr = h, .data = r->data + off + HDR, .from = r->from};
        f.offset = track(r, &h);
        counter_add(&r->recv_records, 1);
        counter_add(&r->recv_bytes, h.len);
        delivered++;
        tail += rec;
        if (!c->on_frag(c->arg, &f))
            break;
    }
    if (tail != start)
        atomic_store_explicit(&r->tail, tail, memory_order_release);
    KVD_VERIFY(kvd_ring_verify_invariants(r, 0));
    return delivered;
}

bool kvd_ring_reasm_feed(kvd_buf_t *b, const kvd_ring_frag_t *f)
{
    if (f->hdr.flags & KVD_RING_FIRST) {
        kvd_buf_clear(b);
        /* Exactly the message's size, once: no doubling past 512 MB. */
        if (f->hdr.total > b->cap) {
            KVD_ASSERT(f->hdr.total <= SIZE_MAX);
            b->data = kvd_realloc(b->data, (size_t)f->hdr.total);
            b->cap = (size_t)f->hdr.total;
        }
    }
    KVD_ASSERT(b->len == f->offset);
    kvd_buf_append(b, f->data, f->hdr.len);
    return (f->hdr.flags & KVD_RING_LAST) != 0;
}

/* ---- master and checks ------------------------------------------------- */

uint32_t kvd_ring_reset(kvd_ring_t *r, bool producer_dead, bool consumer_dead)
{
    KVD_ASSERT(r->magic == RING_MAGIC);
    uint32_t e = atomic_load_explicit(&r->epoch, memory_order_relaxed) + 1;
    if (e == 0)
        e = 1;
    if (producer_dead) {
        r->head_local = atomic_load_explicit(&r->head, memory_order_relaxed);
        r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        atomic_store_explicit(&r->want_space, 0, memory_order_relaxed);
    }
    if (consumer_dead) {
        uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        atomic_store_explicit(&r->tail, head, memory_order_release);
        r->in_msg = 0;
        r->seen_epoch = e;
    }
    /* Last: a live side that sees the new epoch also sees the reset state. */
    atomic_store_explicit(&r->epoch, e, memory_order_release);
    return e;
}

/* Walk the published records: framing, checksums, fragment order. */
static void verify_records(kvd_ring_t *r, uint64_t tail, uint64_t head)
{
    uint32_t epoch = atomic_load_explicit(&r->epoch, memory_order_acquire);
    bool in_msg = r->in_msg && r->seen_epoch == epoch;
    for (uint64_t i = 0; i <= r->capacity / KVD_RING_ALIGN && tail != head; i++) {
        uint64_t off = tail & (r->capacity - 1);
        if (r->capacity - off < HDR) {
            tail += r->capacity - off;
            continue;
        }
        kvd_ring_hdr_t h;
        memcpy(&h, r->data + off, HDR);
        tail += check_record(r, &h, off, head - tail);
        if (h.kind == KVD_RING_KIND_PAD || h.epoch != epoch)
            continue;
        KVD_ASSERT(in_msg == !(h.flags & KVD_RING_FIRST));
        in_msg = !(h.flags & KVD_RING_LAST);
    }
    KVD_ASSERT(tail == head);
}

void kvd_ring_verify_invariants(kvd_ring_t *r, unsigned sides)
{
    KVD_ASSERT(r->magic == RING_MAGIC);
    KVD_ASSERT(kvd_ring_capacity_valid(r->capacity));
    KVD_ASSERT(atomic_load_explicit(&r->epoch, memory_order_relaxed) != 0);
    /* Tail first: it can only grow towards a head read later. */
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    KVD_ASSERT(head - tail <= r->capacity);
    KVD_ASSERT(head % KVD_RING_ALIGN == 0);
    KVD_ASSERT(tail % KVD_RING_ALIGN == 0);
    if (sides & KVD_RING_PRODUCER) {
        KVD_ASSERT(r->head_local - head <= r->capacity);
        KVD_ASSERT(r->head_local - tail <= r->capacity);
        KVD_ASSERT(tail - r->tail_cache <= r->capacity);
        KVD_ASSERT(r->head_local % KVD_RING_ALIGN == 0);
    }
    if (sides & KVD_RING_CONSUMER) {
        if (r->in_msg) {
            KVD_ASSERT(r->msg_offset < r->msg_total);
            KVD_ASSERT(r->msg_total <= KVD_RING_MAX_MESSAGE);
        }
        verify_records(r, tail, head);
    }
}

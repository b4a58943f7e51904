/*
 * ring.h - a single-producer single-consumer byte ring in shared memory
 * (DESIGN.md section 3).  One ring carries messages from worker i to
 * worker j; shm.h lays out one per ordered pair and the wake-up words.
 *
 * Layout of one ring (every part cache-line aligned, data follows):
 *
 *   line 0  producer: head (published), head_local (written, not yet
 *           published), cached tail, want_space flag, send counters
 *   line 1  consumer: tail, reassembly check state, receive counters
 *   line 2  master:   epoch, capacity, endpoints (read-mostly)
 *   data    capacity bytes, a power of two
 *
 * head and tail are monotonic 64-bit byte counters; a position in data is
 * counter & (capacity - 1).  Only differences (head - tail) are compared,
 * modulo 2^64, so even wrapping the counters would be harmless.  0 <= head - tail <= capacity.
 * Only the producer stores head and only the consumer stores tail, except
 * that the master stores tail of a ring whose consumer is dead (see
 * "Epochs" below).  The producer publishes head with a release store after
 * writing the bytes; the consumer reads head with an acquire load before
 * reading them, and publishes tail with a release store after it is done
 * with them, which the producer acquires before overwriting.
 *
 * Records.  The data holds records, each 8-byte aligned:
 *   kvd_ring_hdr_t (48 bytes) + payload (hdr.len bytes) + padding to 8.
 * A record never straddles the end of data, so the consumer always sees
 * a contiguous payload and can parse RESP in place without copying.  When
 * a record does not fit in what is left before the end, the producer
 * skips to the start: it writes a PAD record over the remainder, or, when
 * fewer than 48 bytes remain, nothing at all (both sides skip a tail end
 * shorter than a header).  We chose padding over split copies because the
 * common message (a command or reply of a few dozen bytes) is then read in
 * place with a single pointer; the cost is at most one small message's
 * worth of ring space per wrap.
 *
 * Fragmentation.  A message whose payload exceeds frag_max (capacity/8)
 * is sent as several records: FIRST ... LAST, each carrying the same
 * kind/seq/conn_id/db/epoch and the message's total length, with payloads
 * filling the ring up to its end (fragments, unlike small messages, may be
 * cut at the wrap: the consumer appends them anyway).  The producer keeps
 * its place in a kvd_ring_cursor_t, so a 512 MB value crosses a 1 MB ring
 * as the consumer makes room: kvd_ring_send() returns KVD_RING_FULL and the
 * caller resumes with the same cursor later.  The consumer receives each
 * fragment through a callback, with `offset` and `total`, so it can reserve
 * `total` bytes once on FIRST and append each payload into its own buffer:
 * one copy, from the ring to the final place (kvd_ring_reasm_feed() does
 * exactly that into a kvd_buf_t).
 *
 * Batching.  kvd_ring_drain() reads head once, hands up to `max` records
 * to the callback, and publishes tail once at the end, so a busy ring
 * costs one cache-line transfer per batch rather than per message; every
 * payload pointer of the batch stays valid until drain returns.  The
 * producer may likewise write several messages (KVD_RING_NO_PUBLISH) and
 * publish them with one kvd_ring_publish().
 *
 * Epochs.  Each ring has an epoch, bumped by the master when either
 * endpoint dies (kvd_shm_reset_worker).  The producer stamps every record
 * with the epoch it read when it began the message; the consumer drops
 * records whose epoch is older than the ring's.  Ordering: the master
 * bumps with a release store, the producer reads the epoch with an acquire
 * load before it writes and publishes a record, and the consumer loads the
 * epoch after its acquire load of head, so any record it can see carries
 * an epoch <= the one it loaded (asserted).  Consequences:
 *  - a message half-sent when the epoch changes is abandoned: the next
 *    kvd_ring_send() on its cursor returns KVD_RING_RESET, and the
 *    consumer reports the partial message through on_abort;
 *  - after a respawn, stale requests to the dead incarnation and stale
 *    replies from it are never acted on; the peers see the epoch change
 *    (on_epoch) and fail what they had in flight with an error.
 *
 * Backpressure.  kvd_ring_send() never blocks and never drops: it writes
 * what fits and returns KVD_RING_FULL.  A producer that wants to sleep
 * while blocked calls kvd_ring_want_space(); the consumer, after
 * publishing tail, wakes it once half the ring is free
 * (kvd_ring_take_space_waiter).  See shm.h for the wake-up protocol.
 *
 * Nothing here reads time, draws randomness or makes a system call.
 */
#ifndef KVD_IPC_RING_H
#define KVD_IPC_RING_H

#include "core/buf.h"
#include "core/kvd.h"

#include <stdalign.h>
#include <stdatomic.h>

#define KVD_CACHE_LINE 64
#define KVD_RING_MIN_CAPACITY ((size_t)4096)
/* The record length field is 32 bits and frag_max is capacity/8. */
#define KVD_RING_MAX_CAPACITY ((size_t)1 << 34)
/* The protocol's bulk limit (proto-max-bulk-len); messages may be a bit larger. */
#define KVD_RING_MAX_MESSAGE ((uint64_t)1 << 40)
#define KVD_RING_ALIGN 8u

/* Message kinds. */
enum {
    KVD_RING_KIND_COMMAND = 1,
    KVD_RING_KIND_REPLY = 2,
    KVD_RING_KIND_CONTROL = 3,
    KVD_RING_KIND_PAD = 0xffff /* internal: skip to the start of data */
};

/* Fragment flags: a one-record message has both. */
#define KVD_RING_FIRST 1u
#define KVD_RING_LAST 2u

typedef struct kvd_ring_hdr {
    uint32_t len;     /* payload bytes in this record */
    uint16_t kind;    /* KVD_RING_KIND_* */
    uint16_t flags;   /* KVD_RING_FIRST | KVD_RING_LAST */
    uint32_t db;      /* database index the command runs in */
    uint32_t epoch;   /* ring epoch when the message was begun */
    uint64_t seq;     /* producer-chosen: matches replies to requests */
    uint64_t conn_id; /* originating client connection */
    uint64_t total;   /* payload bytes of the whole message */
    uint32_t check;   /* header checksum (plus payload in KVD_DEBUG) */
    uint32_t reserved;
} kvd_ring_hdr_t;

_Static_assert(sizeof(kvd_ring_hdr_t) == 48, "ring header is 48 bytes");
_Static_assert(sizeof(kvd_ring_hdr_t) % KVD_RING_ALIGN == 0, "records stay aligned");

/* Counters are written by one side only, read by anyone (INFO, tests). */
typedef _Atomic uint64_t kvd_ring_counter_t;

typedef struct kvd_ring {
    /* Producer line. */
    alignas(KVD_CACHE_LINE) _Atomic uint64_t head;
    uint64_t head_local;  /* written, not yet published */
    uint64_t tail_cache;  /* last tail seen: refreshed only when short of room */
    _Atomic uint32_t want_space; /* producer sleeps until the consumer frees room */
    uint32_t pad0;
    kvd_ring_counter_t sent_msgs, sent_records, sent_bytes, full_events;
    /* Consumer line. */
    alignas(KVD_CACHE_LINE) _Atomic uint64_t tail;
    uint32_t seen_epoch;  /* the epoch the consumer last drained under */
    uint32_t in_msg;      /* a FIRST was delivered, the LAST not yet */
    uint64_t msg_seq, msg_conn, msg_total, msg_offset;
    kvd_ring_counter_t recv_msgs, recv_records, recv_bytes, dropped_stale, aborted;
    /* Master line: written at creation and on resets. */
    alignas(KVD_CACHE_LINE) _Atomic uint32_t epoch;
    uint32_t magic;
    uint64_t capacity;
    uint32_t from, to;
    alignas(KVD_CACHE_LINE) uint8_t data[];
} kvd_ring_t;

_Static_assert(offsetof(kvd_ring_t, tail) - offsetof(kvd_ring_t, head) >= KVD_CACHE_LINE,
               "head and tail on separate cache lines");
_Static_assert(sizeof(kvd_ring_t) % KVD_CACHE_LINE == 0, "data starts on a cache line");

/* Bytes a ring of `capacity` occupies (0 when capacity is not valid). */
size_t kvd_ring_footprint(size_t capacity);
bool kvd_ring_capacity_valid(size_t capacity);
/* Initialize a ring at mem (cache-line aligned, kvd_ring_footprint bytes). */
kvd_ring_t *kvd_ring_init(void *mem, size_t capacity, uint32_t from, uint32_t to);
/* Largest payload sent as a single record. */
static inline uint64_t kvd_ring_frag_max(const kvd_ring_t *r)
{
    return r->capacity / 8;
}

/* ---- producer ---------------------------------------------------------- */

typedef struct kvd_ring_meta {
    uint16_t kind;
    uint32_t db;
    uint64_t seq;
    uint64_t conn_id;
} kvd_ring_meta_t;

/*
 * A message being sent.  The caller keeps `data` alive and unchanged until
 * kvd_ring_send() returns OK or RESET.  A cursor is private to the producer
 * process; it may be kept across event-loop iterations.
 */
typedef struct kvd_ring_cursor {
    kvd_ring_meta_t meta;
    const uint8_t *data;
    uint64_t len;
    uint64_t sent;    /* payload bytes already in the ring */
    uint32_t epoch;   /* stamped on the first record */
    bool started;
    bool done;
} kvd_ring_cursor_t;

typedef enum kvd_ring_status {
    KVD_RING_OK = 0,    /* the whole message is in the ring */
    KVD_RING_FULL = 1,  /* some or none of it is; call again with the same cursor */
    KVD_RING_RESET = 2, /* the ring's epoch changed mid-message: it was abandoned */
} kvd_ring_status_t;

#define KVD_RING_NO_PUBLISH 1u /* leave head unpublished: see kvd_ring_publish */

void kvd_ring_cursor_init(kvd_ring_cursor_t *c, const kvd_ring_meta_t *meta, const void *data,
                          uint64_t len);
/*
 * Write as much of the message as fits, then publish head (unless
 * KVD_RING_NO_PUBLISH).  One call writes at most about one capacity's
 * worth, so a huge value cannot monopolize the producer's loop: FULL
 * means "not finished, call again", whether the ring is full or the call
 * used its share.  After OK or RESET the cursor is spent.  A caller that
 * publishes should then call kvd_shm_notify() for the consumer.
 */
kvd_ring_status_t kvd_ring_send(kvd_ring_t *r, kvd_ring_cursor_t *c, unsigned flags);
/* One-shot send of a message that fits now, all or nothing. */
kvd_ring_status_t kvd_ring_try_send(kvd_ring_t *r, const kvd_ring_meta_t *meta, const void *data,
                                    uint64_t len);
/* Publish records written with KVD_RING_NO_PUBLISH.  True when head moved. */
bool kvd_ring_publish(kvd_ring_t *r);
/* Bytes the producer could write now (from a fresh tail). */
uint64_t kvd_ring_free_bytes(kvd_ring_t *r);
/*
 * Before sleeping on a blocked send: ask to be woken when the consumer has
 * freed room.  Returns true when room appeared meanwhile (do not sleep).
 */
bool kvd_ring_want_space(kvd_ring_t *r);

/* ---- consumer ---------------------------------------------------------- */

typedef struct kvd_ring_frag {
    kvd_ring_hdr_t hdr;  /* kind, flags, seq, conn_id, db, epoch, total */
    const uint8_t *data; /* hdr.len bytes in the ring: valid until drain returns */
    uint64_t offset;     /* of this payload within the message */
    uint32_t from;       /* the producing worker */
} kvd_ring_frag_t;

/*
 * Consumer callbacks.  on_frag is called for every fragment in order; a
 * one-record message is one call with FIRST|LAST.  It returns true to go
 * on, false to end the batch after this fragment (it is consumed either
 * way).  on_abort (optional) is called when a message whose FIRST was
 * delivered will never complete because the epoch changed.  on_epoch
 * (optional) is called when drain notices the ring's epoch changed: the
 * peer died or was respawned; requests in flight to it will get no reply.
 */
typedef struct kvd_ring_consumer {
    bool (*on_frag)(void *arg, const kvd_ring_frag_t *f);
    void (*on_abort)(void *arg, uint64_t seq, uint64_t conn_id);
    void (*on_epoch)(void *arg, uint32_t old_epoch, uint32_t new_epoch);
    void *arg;
} kvd_ring_consumer_t;

/* Deliver up to max records (pads do not count); publish tail once.
 * Returns the number delivered. */
size_t kvd_ring_drain(kvd_ring_t *r, size_t max, const kvd_ring_consumer_t *c);
/* Published records waiting, or an epoch change not yet noticed (consumer
 * side; the sleep check uses it). */
bool kvd_ring_pending(kvd_ring_t *r);
/* After a drain: true (once) when a producer asked for room and now has it. */
bool kvd_ring_take_space_waiter(kvd_ring_t *r);

/*
 * Reassembly into a growable buffer: on FIRST, clear and reserve `total`;
 * append the payload.  Returns true when `f` completed the message.
 */
bool kvd_ring_reasm_feed(kvd_buf_t *b, const kvd_ring_frag_t *f);

/* ---- master and checks ------------------------------------------------- */

/*
 * Master, after reaping a worker: bump the epoch and return it.  For the
 * side that died, also put the shared state back as a fresh process of
 * that side expects it:
 *  - consumer_dead: drop everything published (tail = head) and the
 *    reassembly state, so the live producer gets its room back at once;
 *  - producer_dead: forget unpublished writes (head_local = head) and any
 *    request for room; the successor resumes at the published head.
 * The live side is never touched: it learns of the reset from the epoch.
 */
uint32_t kvd_ring_reset(kvd_ring_t *r, bool producer_dead, bool consumer_dead);

/*
 * Check the relationships between head, tail, capacity and the side's own
 * state.  `sides` says who is calling, and so which fields are stable:
 * KVD_RING_PRODUCER, KVD_RING_CONSUMER, or both for a quiescent ring.  The
 * consumer side also walks every published record from tail to head,
 * checking framing and checksums: O(n), for debug builds and tests.
 */
#define KVD_RING_PRODUCER 1u
#define KVD_RING_CONSUMER 2u
void kvd_ring_verify_invariants(kvd_ring_t *r, unsigned sides);

uint32_t kvd_ring_checksum(const kvd_ring_hdr_t *h, const void *payload);

#endif /* KVD_IPC_RING_H */

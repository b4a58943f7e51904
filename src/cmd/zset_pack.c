/*
 * zset_pack.c - the compact sorted-set encoding (zset_pack.h).
 */
#include "zset_pack.h"

/* Uniqueness is checked pairwise (O(n^2)) only up to this many entries. */
#define VERIFY_UNIQUE_MAX 1024

int kvd_zset_member_cmp(const char *m1, size_t l1, const char *m2, size_t l2)
{
    size_t n = l1 < l2 ? l1 : l2;
    int c = n == 0 ? 0 : memcmp(m1, m2, n);
    if (c != 0)
        return c;
    return l1 < l2 ? -1 : l1 > l2;
}

int kvd_zset_elem_cmp(double s1, const char *m1, size_t l1, double s2, const char *m2, size_t l2)
{
    if (s1 < s2)
        return -1;
    if (s1 > s2)
        return 1;
    return kvd_zset_member_cmp(m1, l1, m2, l2);
}

/*
 * Entry layout (see zset_pack.h): varint(len) | member | score | back,
 * where varint is LEB128 (7 bits a byte, low group first, high bit =
 * more), score is varint(zigzag(i) << 1) for an integral score |i| < 2^53
 * (what most applications store: counters, timestamps, ranks) or the
 * byte 0x01 followed by the f64, and back is the size of the entry before
 * it (its first three parts) as a varint stored byte-reversed, so it reads
 * from the end.  A 12-byte member with a 5-digit score takes 17 bytes.
 */
#define MAX_VARINT 10
#define MIN_ENTRY 3        /* empty member, one-byte score, one-byte back */
#define INT_SCORE_LIMIT 9007199254740992.0 /* 2^53: every integer below is exact */

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t put_varint(char *dst, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = (uint8_t)(v & 0x7f);
        v >>= 7;
        dst[n++] = (char)(v != 0 ? (b | 0x80) : b);
    } while (v != 0);
    return n;
}

/* Decode the varint at src (never past end); returns its length. */
static size_t get_varint(const char *src, const char *end, uint64_t *v)
{
    uint64_t r = 0;
    for (size_t n = 0; n < MAX_VARINT; n++) {
        KVD_ASSERT(src + n < end);
        uint8_t b = (uint8_t)src[n];
        r |= (uint64_t)(b & 0x7f) << (7 * n);
        if ((b & 0x80) == 0) {
            *v = r;
            return n + 1;
        }
    }
    KVD_ASSERT(!"varint too long");
    return 0;
}

/* The back size ending just before `end` (not before `start`). */
static size_t get_back(const char *start, const char *end, uint64_t *v)
{
    uint64_t r = 0;
    for (size_t n = 0; n < MAX_VARINT; n++) {
        KVD_ASSERT(end - (ptrdiff_t)n - 1 >= start);
        uint8_t b = (uint8_t)end[-(ptrdiff_t)n - 1];
        r |= (uint64_t)(b & 0x7f) << (7 * n);
        if ((b & 0x80) == 0) {
            *v = r;
            return n + 1;
        }
    }
    KVD_ASSERT(!"back size too long");
    return 0;
}

static void put_back(char *dst, uint64_t v)
{
    char tmp[MAX_VARINT];
    size_t n = put_varint(tmp, v);
    /* The continuation bits must run towards the entry's start: the byte
     * read first (the last one) has them when more bytes follow. */
    for (size_t i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
}

/* An integral score within 2^53 is stored as a (zigzag) integer. */
static bool score_as_int(double score, int64_t *i)
{
    if (!(score > -INT_SCORE_LIMIT && score < INT_SCORE_LIMIT))
        return false;
    int64_t v = (int64_t)score;
    if ((double)v != score)
        return false;
    *i = v;
    return true;
}

static uint64_t zigzag(int64_t i)
{
    return ((uint64_t)i << 1) ^ (uint64_t)(i >> 63);
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static size_t score_len(double score)
{
    int64_t i;
    return score_as_int(score, &i) ? varint_len(zigzag(i) << 1) : 1 + sizeof(double);
}

static size_t put_score(char *dst, double score)
{
    int64_t i;
    if (score_as_int(score, &i))
        return put_varint(dst, zigzag(i) << 1);
    dst[0] = 0x01;
    memcpy(dst + 1, &score, sizeof(score));
    return 1 + sizeof(double);
}

static size_t get_score(const char *src, const char *end, double *score)
{
    uint64_t v;
    size_t n = get_varint(src, end, &v);
    if ((v & 1) == 0) {
        *score = (double)unzigzag(v >> 1);
        return n;
    }
    KVD_ASSERT(v == 1 && src + n + sizeof(double) <= end);
    memcpy(score, src + n, sizeof(double));
    return n + sizeof(double);
}

/* Bytes of the entry for a member of len bytes and this score. */
static size_t entry_size(size_t len, double score)
{
    size_t body;
    KVD_ASSERT(kvd_add_size(len, varint_len(len) + score_len(score), &body));
    return body + varint_len(body);
}

void kvd_zpack_init(kvd_zpack_t *p)
{
    *p = (kvd_zpack_t){NULL, 0, 0, 0};
}

void kvd_zpack_release(kvd_zpack_t *p)
{
    kvd_free(p->buf);
    kvd_zpack_init(p);
}

void kvd_zpack_copy(kvd_zpack_t *dst, const kvd_zpack_t *src)
{
    kvd_zpack_init(dst);
    if (src->used == 0)
        return;
    dst->buf = kvd_memdup(src->buf, src->used);
    dst->used = dst->cap = src->used;
    dst->count = src->count;
}

size_t kvd_zpack_read(const kvd_zpack_t *p, size_t off, kvd_zset_elem_t *el)
{
    KVD_DEBUG_ASSERT(off + MIN_ENTRY <= p->used);
    const char *end = p->buf + p->used, *e = p->buf + off;
    uint64_t len;
    size_t h = get_varint(e, end, &len);
    KVD_ASSERT(len <= (uint64_t)(end - e - (ptrdiff_t)h));
    el->m = e + h;
    el->len = (size_t)len;
    size_t body = h + (size_t)len + get_score(el->m + len, end, &el->score);
    return off + body + varint_len(body);
}

size_t kvd_zpack_prev(const kvd_zpack_t *p, size_t off)
{
    KVD_ASSERT(off >= MIN_ENTRY && off <= p->used);
    uint64_t body;
    size_t n = get_back(p->buf, p->buf + off, &body);
    KVD_ASSERT(body + n <= off);
    return off - n - (size_t)body;
}

size_t kvd_zpack_offset_of(const kvd_zpack_t *p, uint64_t rank)
{
    KVD_ASSERT(rank < p->count);
    size_t off = 0;
    kvd_zset_elem_t el;
    for (uint64_t i = 0; i < rank; i++)
        off = kvd_zpack_read(p, off, &el);
    return off;
}

size_t kvd_zpack_last(const kvd_zpack_t *p)
{
    KVD_ASSERT(p->count > 0);
    return kvd_zpack_prev(p, p->used);
}

bool kvd_zpack_find(const kvd_zpack_t *p, const char *m, size_t len, size_t *off, uint64_t *rank)
{
    size_t o = 0;
    for (uint64_t i = 0; i < p->count; i++) {
        kvd_zset_elem_t el;
        size_t next = kvd_zpack_read(p, o, &el);
        if (el.len == len && (len == 0 || memcmp(el.m, m, len) == 0)) {
            if (off != NULL)
                *off = o;
            if (rank != NULL)
                *rank = i;
            return true;
        }
        o = next;
    }
    return false;
}

/* Open a gap of n bytes at off. */
static void make_room(kvd_zpack_t *p, size_t off, size_t n)
{
    size_t need;
    KVD_ASSERT(kvd_add_size(p->used, n, &need));
    if (need > p->cap) {
        /* Grow by an eighth, not by doubling: most packs are small and
         * stay small (a million 5-member sets is the common shape), and
         * every insert already moves O(n) bytes, so the extra reallocs
         * cost nothing asymptotically; the allocator's size classes
         * absorb most of them. */
        size_t cap = need + need / 8;
        if (cap < need)
            cap = need;
        p->buf = kvd_realloc(p->buf, cap);
        p->cap = cap;
    }
    memmove(p->buf + off + n, p->buf + off, p->used - off);
    p->used = need;
}

void kvd_zpack_insert(kvd_zpack_t *p, const char *m, size_t len, double score)
{
    KVD_ASSERT(len <= UINT32_MAX);
    KVD_DEBUG_ASSERT(!kvd_zpack_find(p, m, len, NULL, NULL));
    /* A listpack stores scores as text, where -0 reads back as 0. */
    if (score == 0)
        score = 0;
    size_t off = 0;
    for (uint64_t i = 0; i < p->count; i++) {
        kvd_zset_elem_t el;
        size_t next = kvd_zpack_read(p, off, &el);
        if (kvd_zset_elem_cmp(el.score, el.m, el.len, score, m, len) > 0)
            break;
        off = next;
    }
    size_t size = entry_size(len, score);
    make_room(p, off, size);
    char *e = p->buf + off;
    size_t h = put_varint(e, len);
    if (len > 0)
        memcpy(e + h, m, len);
    size_t body = h + len + put_score(e + h + len, score);
    put_back(e + body, body);
    KVD_ASSERT(body + varint_len(body) == size);
    p->count++;
}

/* Remove bytes [off, off + n), which hold `entries` entries. */
static void cut(kvd_zpack_t *p, size_t off, size_t n, uint64_t entries)
{
    KVD_ASSERT(off + n <= p->used && entries <= p->count);
    memmove(p->buf + off, p->buf + off + n, p->used - off - n);
    p->used -= n;
    p->count -= entries;
    /* Give memory back once the buffer is mostly empty. */
    if (p->count == 0) {
        kvd_zpack_release(p);
    } else if (p->used < p->cap / 4 && p->cap > 256) {
        p->cap = p->used * 2;
        p->buf = kvd_realloc(p->buf, p->cap);
    }
}

void kvd_zpack_delete_at(kvd_zpack_t *p, size_t off)
{
    kvd_zset_elem_t el;
    cut(p, off, kvd_zpack_read(p, off, &el) - off, 1);
}

void kvd_zpack_delete_range(kvd_zpack_t *p, uint64_t start, uint64_t end)
{
    KVD_ASSERT(start <= end && end <= p->count);
    if (start == end)
        return;
    size_t from = kvd_zpack_offset_of(p, start), to = from;
    kvd_zset_elem_t el;
    for (uint64_t i = start; i < end; i++)
        to = kvd_zpack_read(p, to, &el);
    cut(p, from, to - from, end - start);
}

uint64_t kvd_zpack_count_prefix(const kvd_zpack_t *p, kvd_zset_pred_fn *pred, const void *arg)
{
    size_t off = 0;
    uint64_t i = 0;
    for (; i < p->count; i++) {
        kvd_zset_elem_t el;
        size_t next = kvd_zpack_read(p, off, &el);
        if (!pred(&el, arg))
            break;
        off = next;
    }
    return i;
}

size_t kvd_zpack_max_member(const kvd_zpack_t *p)
{
    size_t off = 0, max = 0;
    for (uint64_t i = 0; i < p->count; i++) {
        kvd_zset_elem_t el;
        off = kvd_zpack_read(p, off, &el);
        if (el.len > max)
            max = el.len;
    }
    return max;
}

void kvd_zpack_verify(const kvd_zpack_t *p)
{
    KVD_ASSERT(p->used <= p->cap);
    KVD_ASSERT((p->buf == NULL) == (p->cap == 0));
    size_t off = 0;
    kvd_zset_elem_t prev = {NULL, 0, 0};
    for (uint64_t i = 0; i < p->count; i++) {
        KVD_ASSERT(off + MIN_ENTRY <= p->used);
        kvd_zset_elem_t el;
        size_t next = kvd_zpack_read(p, off, &el);
        KVD_ASSERT(next <= p->used);
        KVD_ASSERT(next - off == entry_size(el.len, el.score));
        KVD_ASSERT(kvd_zpack_prev(p, next) == off);
        KVD_ASSERT(el.score == el.score); /* never NaN */
        if (i > 0)
            KVD_ASSERT(kvd_zset_elem_cmp(prev.score, prev.m, prev.len, el.score, el.m, el.len) < 0);
        if (p->count <= VERIFY_UNIQUE_MAX) {
            size_t found;
            KVD_ASSERT(kvd_zpack_find(p, el.m, el.len, &found, NULL) && found == off);
        }
        prev = el;
        off = next;
    }
    KVD_ASSERT(off == p->used);
}

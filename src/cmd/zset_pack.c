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

static uint32_t read_u32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static size_t entry_size(size_t len)
{
    size_t n;
    KVD_ASSERT(kvd_add_size(len, KVD_ZPACK_OVERHEAD, &n));
    return n;
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
    KVD_DEBUG_ASSERT(off + KVD_ZPACK_OVERHEAD <= p->used);
    uint32_t len = read_u32(p->buf + off);
    el->m = p->buf + off + sizeof(uint32_t);
    el->len = len;
    memcpy(&el->score, el->m + len, sizeof(double));
    return off + entry_size(len);
}

size_t kvd_zpack_prev(const kvd_zpack_t *p, size_t off)
{
    KVD_ASSERT(off >= KVD_ZPACK_OVERHEAD && off <= p->used);
    uint32_t len = read_u32(p->buf + off - sizeof(uint32_t));
    size_t size = entry_size(len);
    KVD_ASSERT(size <= off);
    return off - size;
}

size_t kvd_zpack_offset_of(const kvd_zpack_t *p, uint64_t rank)
{
    KVD_ASSERT(rank < p->count);
    size_t off = 0;
    for (uint64_t i = 0; i < rank; i++)
        off += entry_size(read_u32(p->buf + off));
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
        uint32_t l = read_u32(p->buf + o);
        if (l == len && memcmp(p->buf + o + sizeof(uint32_t), m, len) == 0) {
            if (off != NULL)
                *off = o;
            if (rank != NULL)
                *rank = i;
            return true;
        }
        o += entry_size(l);
    }
    return false;
}

/* Open a gap of n bytes at off. */
static void make_room(kvd_zpack_t *p, size_t off, size_t n)
{
    size_t need;
    KVD_ASSERT(kvd_add_size(p->used, n, &need));
    if (need > p->cap) {
        size_t cap = p->cap < 64 ? 64 : p->cap;
        while (cap < need)
            KVD_ASSERT(kvd_mul_size(cap, 2, &cap));
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
    size_t size = entry_size(len);
    make_room(p, off, size);
    uint32_t l32 = (uint32_t)len;
    char *e = p->buf + off;
    memcpy(e, &l32, sizeof(l32));
    memcpy(e + sizeof(l32), m, len);
    memcpy(e + sizeof(l32) + len, &score, sizeof(score));
    memcpy(e + size - sizeof(l32), &l32, sizeof(l32));
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
    cut(p, off, entry_size(read_u32(p->buf + off)), 1);
}

void kvd_zpack_delete_range(kvd_zpack_t *p, uint64_t start, uint64_t end)
{
    KVD_ASSERT(start <= end && end <= p->count);
    if (start == end)
        return;
    size_t from = kvd_zpack_offset_of(p, start), to = from;
    for (uint64_t i = start; i < end; i++)
        to += entry_size(read_u32(p->buf + to));
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
        uint32_t l = read_u32(p->buf + off);
        if (l > max)
            max = l;
        off += entry_size(l);
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
        KVD_ASSERT(off + KVD_ZPACK_OVERHEAD <= p->used);
        kvd_zset_elem_t el;
        size_t next = kvd_zpack_read(p, off, &el);
        KVD_ASSERT(next <= p->used);
        KVD_ASSERT(read_u32(p->buf + next - sizeof(uint32_t)) == el.len);
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

/*
 * hash_compact.c - the packed pair buffer behind small hashes
 * (hash_compact.h).  Layout: a header (pair count, bytes used), then per
 * pair: varint(flen) field varint(vlen) value.  The buffer is reallocated
 * to its exact size on every change: packs are small (the thresholds
 * bound them) and jemalloc's size classes absorb most resizes in place.
 */
#include "hash_compact.h"

struct kvd_hpack {
    uint32_t count; /* pairs */
    uint32_t used;  /* bytes of data[] */
    unsigned char data[];
};

/* A uint32 needs at most five 7-bit groups. */
#define VARINT_MAX 5

_Static_assert(KVD_HPACK_MAX_BYTES < UINT32_MAX / 2, "pack offsets fit in uint32");

static size_t varint_size(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    KVD_ASSERT(n <= VARINT_MAX);
    return n;
}

static size_t varint_put(unsigned char *dst, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (unsigned char)v;
    return n;
}

/* Read one length-prefixed string at *pos; asserts it lies within the pack. */
static void read_str(const kvd_hpack_t *p, size_t *pos, const char **s, size_t *len)
{
    size_t v = 0, i = *pos;
    for (int shift = 0; shift < 7 * VARINT_MAX; shift += 7) {
        KVD_ASSERT(i < p->used);
        unsigned char b = p->data[i++];
        v |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        KVD_ASSERT(shift + 7 < 7 * VARINT_MAX);
    }
    KVD_ASSERT(v <= p->used - i);
    *s = (const char *)p->data + i;
    *len = v;
    *pos = i + v;
}

static size_t pair_size(size_t flen, size_t vlen)
{
    return varint_size(flen) + flen + varint_size(vlen) + vlen;
}

kvd_hpack_t *kvd_hpack_new(void)
{
    kvd_hpack_t *p = kvd_malloc(sizeof(*p));
    p->count = 0;
    p->used = 0;
    return p;
}

void kvd_hpack_free(kvd_hpack_t *p)
{
    kvd_free(p);
}

kvd_hpack_t *kvd_hpack_dup(const kvd_hpack_t *p)
{
    return (kvd_hpack_t *)kvd_memdup(p, sizeof(*p) + p->used);
}

uint32_t kvd_hpack_count(const kvd_hpack_t *p)
{
    return p->count;
}

size_t kvd_hpack_bytes(const kvd_hpack_t *p)
{
    return p->used;
}

bool kvd_hpack_next(const kvd_hpack_t *p, size_t *pos, kvd_hpack_pair_t *out)
{
    KVD_ASSERT(*pos <= p->used);
    if (*pos == p->used)
        return false;
    read_str(p, pos, &out->field, &out->flen);
    read_str(p, pos, &out->value, &out->vlen);
    return true;
}

/* Offset of the pair holding field, or -1; *vpos gets its value's offset. */
static ptrdiff_t locate(const kvd_hpack_t *p, const char *f, size_t flen, size_t *vpos)
{
    size_t pos = 0;
    kvd_hpack_pair_t pr;
    for (uint32_t i = 0; i < p->count; i++) {
        size_t start = pos;
        read_str(p, &pos, &pr.field, &pr.flen);
        size_t value_at = pos;
        read_str(p, &pos, &pr.value, &pr.vlen);
        if (pr.flen == flen && memcmp(pr.field, f, flen) == 0) {
            *vpos = value_at;
            return (ptrdiff_t)start;
        }
    }
    KVD_ASSERT(pos == p->used);
    return -1;
}

bool kvd_hpack_find(const kvd_hpack_t *p, const char *f, size_t flen, kvd_hpack_pair_t *out)
{
    size_t vpos;
    ptrdiff_t at = locate(p, f, flen, &vpos);
    if (at < 0)
        return false;
    size_t pos = (size_t)at;
    read_str(p, &pos, &out->field, &out->flen);
    read_str(p, &pos, &out->value, &out->vlen);
    return true;
}

/* Replace the bytes [at, at+old) with room for `fresh` bytes; returns the pack. */
static kvd_hpack_t *splice(kvd_hpack_t *p, size_t at, size_t old, size_t fresh)
{
    KVD_ASSERT(at + old <= p->used);
    size_t tail = p->used - at - old;
    size_t used = p->used - old + fresh;
    KVD_ASSERT(used <= KVD_HPACK_MAX_BYTES);
    if (fresh == old)
        return p; /* a value replaced by one as long: no realloc */
    if (fresh < old)
        memmove(p->data + at + fresh, p->data + at + old, tail);
    p = kvd_realloc(p, sizeof(*p) + used);
    if (fresh > old)
        memmove(p->data + at + fresh, p->data + at + old, tail);
    p->used = (uint32_t)used;
    return p;
}

kvd_hpack_t *kvd_hpack_set(kvd_hpack_t *p, const char *f, size_t flen, const char *v, size_t vlen,
                           bool *added)
{
    KVD_ASSERT(flen < KVD_HPACK_MAX_BYTES && vlen < KVD_HPACK_MAX_BYTES);
    size_t vpos;
    ptrdiff_t at = locate(p, f, flen, &vpos);
    *added = at < 0;
    if (at >= 0) {
        const char *old;
        size_t oldlen, end = vpos;
        read_str(p, &end, &old, &oldlen);
        p = splice(p, vpos, end - vpos, varint_size(vlen) + vlen);
        size_t n = varint_put(p->data + vpos, vlen);
        memcpy(p->data + vpos + n, v, vlen);
    } else {
        KVD_ASSERT(p->count < UINT32_MAX);
        size_t pos = p->used;
        p = splice(p, pos, 0, pair_size(flen, vlen));
        pos += varint_put(p->data + pos, flen);
        memcpy(p->data + pos, f, flen);
        pos += flen;
        pos += varint_put(p->data + pos, vlen);
        memcpy(p->data + pos, v, vlen);
        KVD_ASSERT(pos + vlen == p->used);
        p->count++;
    }
    KVD_VERIFY(kvd_hpack_verify_invariants(p));
    return p;
}

kvd_hpack_t *kvd_hpack_delete(kvd_hpack_t *p, const char *f, size_t flen, bool *removed)
{
    size_t vpos;
    ptrdiff_t at = locate(p, f, flen, &vpos);
    *removed = at >= 0;
    if (at < 0)
        return p;
    const char *v;
    size_t vlen, end = vpos;
    read_str(p, &end, &v, &vlen);
    KVD_ASSERT(p->count > 0);
    p = splice(p, (size_t)at, end - (size_t)at, 0);
    p->count--;
    KVD_VERIFY(kvd_hpack_verify_invariants(p));
    return p;
}

void kvd_hpack_verify_invariants(const kvd_hpack_t *p)
{
    KVD_ASSERT(p != NULL);
    KVD_ASSERT(p->used <= KVD_HPACK_MAX_BYTES);
    size_t pos = 0;
    uint32_t n = 0;
    kvd_hpack_pair_t pr;
    /* Each pair takes at least two bytes, which bounds the walk. */
    while (n <= p->used / 2 && kvd_hpack_next(p, &pos, &pr)) {
        /* Fields are distinct: the first match of this field is this pair. */
        size_t vpos;
        ptrdiff_t at = locate(p, pr.field, pr.flen, &vpos);
        KVD_ASSERT(at >= 0);
        KVD_ASSERT(p->data + vpos <= (const unsigned char *)pr.value);
        KVD_ASSERT((const unsigned char *)pr.value - (p->data + vpos) <= VARINT_MAX);
        n++;
    }
    KVD_ASSERT(pos == p->used);
    KVD_ASSERT(n == p->count);
}

/*
 * set_intset.c - sorted int64 arrays for the "intset" set encoding.
 */
#include "set_intset.h"

void kvd_intset_init(kvd_intset_t *s)
{
    s->len = 0;
    s->cap = 0;
    s->v = NULL;
}

void kvd_intset_release(kvd_intset_t *s)
{
    kvd_free(s->v);
    kvd_intset_init(s);
}

void kvd_intset_copy(kvd_intset_t *dst, const kvd_intset_t *src)
{
    kvd_intset_init(dst);
    if (src->len == 0)
        return;
    dst->v = (int64_t *)(void *)kvd_memdup(src->v, (size_t)src->len * sizeof(int64_t));
    dst->len = src->len;
    dst->cap = src->len;
}

bool kvd_intset_find(const kvd_intset_t *s, int64_t v, uint32_t *pos)
{
    uint32_t lo = 0, hi = s->len;
    /* Bisection halves [lo, hi) each round: at most 33 rounds for 2^32 items. */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->v[mid] == v) {
            *pos = mid;
            return true;
        }
        if (s->v[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return false;
}

/* Make room for one more value; capacity doubles so adds are amortized O(1) reallocs. */
static void intset_reserve_one(kvd_intset_t *s)
{
    if (s->len < s->cap)
        return;
    KVD_ASSERT(s->cap < UINT32_MAX / 2);
    uint32_t cap = s->cap < 4 ? 4 : s->cap * 2;
    size_t bytes;
    KVD_ASSERT(kvd_mul_size(cap, sizeof(int64_t), &bytes));
    s->v = kvd_realloc(s->v, bytes);
    s->cap = cap;
}

bool kvd_intset_add(kvd_intset_t *s, int64_t v)
{
    uint32_t pos;
    if (kvd_intset_find(s, v, &pos))
        return false;
    intset_reserve_one(s);
    memmove(&s->v[pos + 1], &s->v[pos], (size_t)(s->len - pos) * sizeof(int64_t));
    s->v[pos] = v;
    s->len++;
    KVD_DEBUG_ASSERT(pos == 0 || s->v[pos - 1] < v);
    return true;
}

void kvd_intset_remove_at(kvd_intset_t *s, uint32_t pos)
{
    KVD_ASSERT(pos < s->len);
    memmove(&s->v[pos], &s->v[pos + 1], (size_t)(s->len - pos - 1) * sizeof(int64_t));
    s->len--;
    /* Give memory back when a popped set has shrunk to a quarter of its array. */
    if (s->len == 0) {
        kvd_intset_release(s);
    } else if (s->cap > 16 && s->len < s->cap / 4) {
        s->cap /= 2;
        s->v = kvd_realloc(s->v, (size_t)s->cap * sizeof(int64_t));
    }
}

bool kvd_intset_remove(kvd_intset_t *s, int64_t v)
{
    uint32_t pos;
    if (!kvd_intset_find(s, v, &pos))
        return false;
    kvd_intset_remove_at(s, pos);
    return true;
}

void kvd_intset_verify(const kvd_intset_t *s)
{
    KVD_ASSERT(s->len <= s->cap);
    KVD_ASSERT((s->cap == 0) == (s->v == NULL));
    for (uint32_t i = 1; i < s->len; i++)
        KVD_ASSERT(s->v[i - 1] < s->v[i]);
}

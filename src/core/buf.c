/*
 * buf.c - growable byte buffers.  Growth doubles capacity (amortised O(1)
 * appends); sizes are checked so a huge request aborts instead of wrapping.
 */
#include "buf.h"

void kvd_buf_init(kvd_buf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void kvd_buf_free(kvd_buf_t *b)
{
    kvd_free(b->data);
    kvd_buf_init(b);
}

void kvd_buf_grow(kvd_buf_t *b, size_t extra)
{
    size_t need;
    KVD_ASSERT(b->len <= b->cap);
    KVD_ASSERT(kvd_add_size(b->len, extra, &need));
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        KVD_ASSERT(kvd_mul_size(cap, 2, &cap));
    b->data = kvd_realloc(b->data, cap);
    b->cap = cap;
}

void kvd_buf_append_str(kvd_buf_t *b, const char *s)
{
    kvd_buf_append(b, s, strlen(s));
}

void kvd_buf_append_char(kvd_buf_t *b, char c)
{
    kvd_buf_reserve(b, 1);
    b->data[b->len++] = c;
}

void kvd_buf_vprintf(kvd_buf_t *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    KVD_ASSERT(n >= 0);
    kvd_buf_reserve(b, (size_t)n + 1);
    int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    KVD_ASSERT(m == n);
    b->len += (size_t)n;
}

void kvd_buf_printf(kvd_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvd_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void kvd_buf_consume(kvd_buf_t *b, size_t n)
{
    KVD_ASSERT(n <= b->len);
    if (n == b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void kvd_buf_insert(kvd_buf_t *b, size_t off, const void *p, size_t n)
{
    KVD_ASSERT(off <= b->len);
    kvd_buf_reserve(b, n);
    memmove(b->data + off + n, b->data + off, b->len - off);
    memcpy(b->data + off, p, n);
    b->len += n;
}

void kvd_buf_clear(kvd_buf_t *b)
{
    b->len = 0;
}

const char *kvd_buf_cstr(kvd_buf_t *b)
{
    kvd_buf_reserve(b, 1);
    b->data[b->len] = '\0';
    return b->data;
}

void kvd_buf_shrink(kvd_buf_t *b, size_t keep)
{
    if (b->len != 0 || b->cap <= keep)
        return;
    kvd_free(b->data);
    kvd_buf_init(b);
}

/*
 * buf.h - a growable byte buffer: query buffers, reply buffers, scratch.
 *
 * Invariant: len <= cap; data is NULL only when cap == 0.  The byte at
 * data[len] is not guaranteed to be NUL unless kvd_buf_cstr() was called.
 */
#ifndef KVD_BUF_H
#define KVD_BUF_H

#include "kvd.h"

typedef struct kvd_buf {
    char *data;
    size_t len;
    size_t cap;
} kvd_buf_t;

#define KVD_BUF_INIT {NULL, 0, 0}

void kvd_buf_init(kvd_buf_t *b);
void kvd_buf_free(kvd_buf_t *b);
/* Grow the capacity to hold at least `extra` more bytes after len (the
 * slow path of the two below). */
void kvd_buf_grow(kvd_buf_t *b, size_t extra);

/* Ensure room for at least `extra` more bytes after len.  Inline: every
 * reply goes through here, and nearly always the room is there. */
static inline void kvd_buf_reserve(kvd_buf_t *b, size_t extra)
{
    KVD_DEBUG_ASSERT(b->len <= b->cap);
    if (kvd_unlikely(b->cap - b->len < extra))
        kvd_buf_grow(b, extra);
}

static inline void kvd_buf_append(kvd_buf_t *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    kvd_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}
void kvd_buf_append_str(kvd_buf_t *b, const char *s);
void kvd_buf_append_char(kvd_buf_t *b, char c);
void kvd_buf_printf(kvd_buf_t *b, const char *fmt, ...) KVD_PRINTF(2, 3);
void kvd_buf_vprintf(kvd_buf_t *b, const char *fmt, va_list ap);
/* Drop the first n bytes, moving the rest to the front. */
void kvd_buf_consume(kvd_buf_t *b, size_t n);
/* Insert n bytes at offset off, shifting the tail right. */
void kvd_buf_insert(kvd_buf_t *b, size_t off, const void *p, size_t n);
void kvd_buf_clear(kvd_buf_t *b);
/* NUL-terminate (without counting the NUL in len) and return data. */
const char *kvd_buf_cstr(kvd_buf_t *b);
/* Release memory beyond `keep` bytes of capacity when the buffer is empty. */
void kvd_buf_shrink(kvd_buf_t *b, size_t keep);

#endif /* KVD_BUF_H */

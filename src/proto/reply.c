/*
 * reply.c - RESP2 reply encoding.  The bytes match what Redis 7.0 sends
 * to a RESP2 client for the same reply.
 */
#include "reply.h"

#include <math.h>

/* "-9223372036854775808" is 20 characters; kvd_ll2str's callers give 21. */
#define LL_STR_SIZE 21
/* '$' or '*' or ':', a 64-bit decimal, CR LF. */
#define HEADER_MAX (1 + LL_STR_SIZE + 2)

/* "<type><n>\r\n" straight into the buffer. */
static void reply_header(kvd_buf_t *b, char type, int64_t n)
{
    kvd_buf_reserve(b, HEADER_MAX);
    char *p = b->data + b->len;
    p[0] = type;
    size_t len = kvd_ll2str(p + 1, n);
    p[1 + len] = '\r';
    p[2 + len] = '\n';
    b->len += len + 3;
    KVD_ASSERT(b->len <= b->cap);
}

/* Replace CR and LF in b->data[from..len) by spaces: a reply line must not break. */
static void flatten_line(kvd_buf_t *b, size_t from)
{
    KVD_ASSERT(from <= b->len);
    for (size_t i = from; i < b->len; i++) {
        if (b->data[i] == '\r' || b->data[i] == '\n')
            b->data[i] = ' ';
    }
}

static void append_crlf(kvd_buf_t *b)
{
    kvd_buf_append(b, "\r\n", 2);
}

void kvd_reply_simple(kvd_buf_t *b, const char *s)
{
    KVD_ASSERT(s != NULL);
    kvd_buf_append_char(b, '+');
    size_t start = b->len;
    kvd_buf_append_str(b, s);
    flatten_line(b, start);
    append_crlf(b);
}

void kvd_reply_ok(kvd_buf_t *b)
{
    kvd_buf_append(b, "+OK\r\n", 5);
}

/* Prefix '-' unless the text already carries it, as Redis does. */
static void error_line(kvd_buf_t *b, const char *text, size_t n)
{
    if (n == 0 || text[0] != '-')
        kvd_buf_append_char(b, '-');
    size_t start = b->len;
    kvd_buf_append(b, text, n);
    flatten_line(b, start);
    append_crlf(b);
}

void kvd_reply_error(kvd_buf_t *b, const char *text)
{
    KVD_ASSERT(text != NULL);
    error_line(b, text, strlen(text));
}

/* Formatted errors behave like Redis's addReplyErrorFormat(): CR and LF are
 * trimmed from both ends, then the ones inside become spaces. */
void kvd_reply_errorf(kvd_buf_t *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    KVD_ASSERT(n >= 0);
    char *text = small;
    if ((size_t)n >= sizeof(small)) {
        text = kvd_malloc((size_t)n + 1);
        va_start(ap, fmt);
        int m = vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
        KVD_ASSERT(m == n);
    }
    size_t lo = 0, hi = (size_t)n;
    while (lo < hi && (text[lo] == '\r' || text[lo] == '\n'))
        lo++;
    while (hi > lo && (text[hi - 1] == '\r' || text[hi - 1] == '\n'))
        hi--;
    error_line(b, text + lo, hi - lo);
    if (text != small)
        kvd_free(text);
}

void kvd_reply_int(kvd_buf_t *b, int64_t v)
{
    reply_header(b, ':', v);
}

void kvd_reply_bulk(kvd_buf_t *b, const void *p, size_t n)
{
    KVD_ASSERT(p != NULL || n == 0);
    KVD_ASSERT(n <= INT64_MAX);
    size_t room;
    KVD_ASSERT(kvd_add_size(n, HEADER_MAX + 2, &room));
    kvd_buf_reserve(b, room);
    reply_header(b, '$', (int64_t)n);
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->data[b->len + n] = '\r';
    b->data[b->len + n + 1] = '\n';
    b->len += n + 2;
    KVD_ASSERT(b->len <= b->cap);
}

void kvd_reply_bulk_str(kvd_buf_t *b, const char *s)
{
    KVD_ASSERT(s != NULL);
    kvd_reply_bulk(b, s, strlen(s));
}

void kvd_reply_bulk_int(kvd_buf_t *b, int64_t v)
{
    char digits[LL_STR_SIZE];
    size_t n = kvd_ll2str(digits, v);
    kvd_reply_bulk(b, digits, n);
}

/*
 * Redis 7.0 sends doubles to RESP2 clients as "%.17g" (1.1 is
 * "1.1000000000000001", 1e20 is "1e+20", -0.0 is "-0"), except the
 * infinities, which it spells "inf" and "-inf" itself.
 */
void kvd_reply_bulk_double(kvd_buf_t *b, double d)
{
    if (isinf(d)) {
        kvd_reply_bulk_str(b, d > 0 ? "inf" : "-inf");
        return;
    }
    char text[32];
    int n = snprintf(text, sizeof(text), "%.17g", d);
    KVD_ASSERT(n > 0 && (size_t)n < sizeof(text));
    kvd_reply_bulk(b, text, (size_t)n);
}

void kvd_reply_null(kvd_buf_t *b)
{
    kvd_buf_append(b, "$-1\r\n", 5);
}

void kvd_reply_null_array(kvd_buf_t *b)
{
    kvd_buf_append(b, "*-1\r\n", 5);
}

void kvd_reply_array(kvd_buf_t *b, int64_t n)
{
    KVD_ASSERT(n >= 0);
    reply_header(b, '*', n);
}

void kvd_reply_raw(kvd_buf_t *b, const void *p, size_t n)
{
    kvd_buf_append(b, p, n);
}

size_t kvd_reply_defer(kvd_buf_t *b)
{
    return b->len;
}

void kvd_reply_set_array_len(kvd_buf_t *b, size_t mark, int64_t n)
{
    KVD_ASSERT(mark <= b->len);
    KVD_ASSERT(n >= 0);
    char header[HEADER_MAX];
    header[0] = '*';
    size_t len = kvd_ll2str(header + 1, n);
    header[1 + len] = '\r';
    header[2 + len] = '\n';
    size_t before = b->len;
    kvd_buf_insert(b, mark, header, len + 3);
    KVD_ASSERT(b->len == before + len + 3);
}

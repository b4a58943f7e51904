/*
 * reply.h - RESP2 reply encoding into a kvd_buf_t.
 *
 * Commands write replies through these helpers only, into the buffer their
 * client's `reply` points at (the connection's output buffer for a local
 * command, a ring message for a command run on behalf of another shard).
 * Encoding never fails; the buffer grows.
 */
#ifndef KVD_REPLY_H
#define KVD_REPLY_H

#include "../core/buf.h"
#include "../core/util.h"

void kvd_reply_simple(kvd_buf_t *b, const char *s);           /* +s\r\n (CR, LF -> space) */
void kvd_reply_ok(kvd_buf_t *b);                              /* +OK\r\n */
/* -text\r\n; text must carry its own code ("ERR ...", "WRONGTYPE ...").
 * CR and LF in text are replaced by spaces, so the reply stays one line.
 * kvd_reply_errorf first trims CR/LF from both ends, as Redis's
 * addReplyErrorFormat() does.  A text that starts with '-' gets no second. */
void kvd_reply_error(kvd_buf_t *b, const char *text);
void kvd_reply_errorf(kvd_buf_t *b, const char *fmt, ...) KVD_PRINTF(2, 3);
void kvd_reply_int(kvd_buf_t *b, int64_t v);                  /* :v\r\n */
void kvd_reply_bulk(kvd_buf_t *b, const void *p, size_t n);   /* $n\r\n...\r\n */
void kvd_reply_bulk_str(kvd_buf_t *b, const char *s);
void kvd_reply_bulk_int(kvd_buf_t *b, int64_t v);             /* integer as bulk string */
/* Double as a bulk string in Redis's "%.17g" human form (INCRBYFLOAT uses long double: see t_string). */
void kvd_reply_bulk_double(kvd_buf_t *b, double d);
void kvd_reply_null(kvd_buf_t *b);                            /* $-1\r\n */
void kvd_reply_null_array(kvd_buf_t *b);                      /* *-1\r\n */
void kvd_reply_array(kvd_buf_t *b, int64_t n);                /* *n\r\n */
/* Raw protocol bytes (already encoded). */
void kvd_reply_raw(kvd_buf_t *b, const void *p, size_t n);

/*
 * Deferred array length, for replies whose count is known only at the end
 * (KEYS, SCAN, COMMAND).  kvd_reply_defer returns a mark; write the
 * elements, then kvd_reply_set_array_len inserts "*n\r\n" at the mark.
 * The insert shifts everything after the mark, so nested deferred arrays
 * must be closed innermost first; the mark is only valid for the buffer
 * it came from while nothing before it is consumed.
 */
size_t kvd_reply_defer(kvd_buf_t *b);
void kvd_reply_set_array_len(kvd_buf_t *b, size_t mark, int64_t n);

/* Format a long long into buf (at least 21 bytes); returns its length. */
static inline size_t kvd_ll2str(char *buf, int64_t v)
{
    return kvd_ll2str_buf(buf, v);
}

#endif /* KVD_REPLY_H */

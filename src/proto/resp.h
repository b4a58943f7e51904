/*
 * resp.h - a streaming RESP2 request parser (multibulk and inline).
 *
 * The parser works in place on the caller's query buffer and never
 * allocates per argument: each argument is a slice into the buffer, and
 * the byte after every argument is overwritten with NUL (the '\r' after a
 * bulk payload; the separator after an inline token), so handlers may
 * treat arguments as C strings while still honouring their lengths
 * (payloads are binary-safe).  Inline quoted arguments are unescaped in
 * place: the unescaped text is never longer than the quoted text.
 *
 * Usage, per connection:
 *   kvd_resp_parser_init(&p);
 *   loop: r = kvd_resp_parse(&p, buf + start, len - start, &argv, &limits);
 *     KVD_RESP_OK:    a whole command is in argv (argc may be 0 for an empty
 *                     line or "*0" - skip it); p.consumed bytes from start
 *                     belong to it.  The parser is reset for the next one.
 *     KVD_RESP_AGAIN: need more bytes.  Keep buf[start..len) and call again
 *                     with the same start once more data has arrived; the
 *                     parser resumes where it stopped (its state holds
 *                     offsets relative to start, so the caller may move the
 *                     pending bytes to the front of a reallocated buffer).
 *                     p.want is a hint: total bytes the current command
 *                     needs from start, when known (for big bulks), else 0.
 *     KVD_RESP_ERROR: p.error holds Redis's text without "-ERR "/"\r\n",
 *                     e.g. "Protocol error: invalid bulk length".  The
 *                     caller replies "-ERR <text>" and closes the
 *                     connection after flushing.
 */
#ifndef KVD_RESP_H
#define KVD_RESP_H

#include "../core/kvd.h"

typedef struct kvd_arg {
    char *ptr; /* NUL-terminated at ptr[len] */
    size_t len;
} kvd_arg_t;

typedef struct kvd_argv {
    kvd_arg_t *v;
    int argc;
    int cap; /* grows geometrically; reused across commands */
} kvd_argv_t;

typedef struct kvd_resp_limits {
    int64_t max_bulk_len;      /* proto-max-bulk-len */
    int64_t max_multibulk_len; /* Redis 7.0: INT_MAX (1024 for unauthenticated) */
    size_t max_inline_len;     /* 64 KiB: "Protocol error: too big inline request" */
} kvd_resp_limits_t;

typedef enum { KVD_RESP_OK = 0, KVD_RESP_AGAIN = 1, KVD_RESP_ERROR = -1 } kvd_resp_status_t;

typedef struct kvd_resp_parser {
    /* private state; offsets are relative to the start of the command */
    int kind;          /* 0 unknown, 1 multibulk, 2 inline */
    int64_t remaining; /* multibulk arguments still to read */
    int64_t bulk_len;  /* length of the bulk being read, -1 when reading a header */
    size_t pos;        /* next byte to examine */
    /* public results */
    size_t consumed; /* bytes of the completed command (KVD_RESP_OK) */
    size_t want;     /* hint on KVD_RESP_AGAIN, 0 if unknown */
    char error[128];
} kvd_resp_parser_t;

void kvd_resp_parser_init(kvd_resp_parser_t *p);
kvd_resp_status_t kvd_resp_parse(kvd_resp_parser_t *p, char *buf, size_t len, kvd_argv_t *argv,
                                 const kvd_resp_limits_t *limits);
void kvd_argv_free(kvd_argv_t *argv);

/*
 * Split a line into arguments the way Redis's inline protocol and
 * redis-cli do (double quotes with \n \r \t \b \a \\ \" \xHH escapes, single
 * quotes with \' only; a closing quote must be followed by a space or the
 * end).  Works in place on line[0..len).  Returns the argc, or -1 for
 * unbalanced quotes.  Exposed for the config parser and tests.
 */
int kvd_resp_split_inline(char *line, size_t len, kvd_argv_t *argv);

#endif /* KVD_RESP_H */

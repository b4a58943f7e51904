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
 *                     connection after flushing.  The error is sticky:
 *                     further calls return KVD_RESP_ERROR until
 *                     kvd_resp_parser_init().
 *
 * Compatibility notes (checked against redis-server 7.0.15):
 *   - Redis finds line ends with strchr() on its NUL-terminated query
 *     buffer, so a NUL byte inside a header or an inline line hides the
 *     line end: Redis waits, and fails only once the size limit below is
 *     crossed.  kvd does the same.
 *   - The two bytes after a bulk payload and the byte after a header's
 *     '\r' are skipped without being checked, as Redis does.
 *   - "too big ... request/count string": Redis fails when more than
 *     max_inline_len bytes are buffered from the line start and none of
 *     them ends the line, so the outcome depends on how reads are split.
 *     kvd applies the rule as if bytes arrived one at a time (the line end
 *     must be among the first max_inline_len + 1 bytes), so every split of
 *     the input gives the same result.
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

#define KVD_ARGV_INIT {NULL, 0, 0}

typedef struct kvd_resp_limits {
    int64_t max_bulk_len;      /* proto-max-bulk-len */
    int64_t max_multibulk_len; /* Redis 7.0: INT_MAX; at most INT_MAX */
    /* 64 KiB: longest inline line, and longest "*<n>"/"$<n>" header line
     * ("too big inline request", "too big mbulk/bulk count string") */
    size_t max_inline_len;
    /* The client must still AUTH: Redis 7.0 then refuses more than
     * KVD_RESP_UNAUTH_MAX_MULTIBULK arguments ("unauthenticated multibulk
     * length") and bulks over KVD_RESP_UNAUTH_MAX_BULK bytes
     * ("unauthenticated bulk length"). */
    bool unauthenticated;
} kvd_resp_limits_t;

#define KVD_RESP_UNAUTH_MAX_MULTIBULK 10
#define KVD_RESP_UNAUTH_MAX_BULK 16384

typedef enum { KVD_RESP_OK = 0, KVD_RESP_AGAIN = 1, KVD_RESP_ERROR = -1 } kvd_resp_status_t;

typedef struct kvd_resp_parser {
    /* private state; offsets are relative to the start of the command */
    int kind;          /* 0 unknown, 1 multibulk, 2 inline, 3 failed (sticky error) */
    int64_t remaining; /* multibulk arguments still to read, -1 before the "*<n>" header */
    int64_t bulk_len;  /* length of the bulk being read, -1 when reading a header */
    size_t pos;        /* next byte to examine */
    size_t scan;       /* bytes from pos already searched for the line end */
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
 * end).  Works in place on line[0..len); a NUL byte ends the line, as in
 * Redis's sdssplitargs().  line[len] must be writable: an unquoted last
 * argument is NUL-terminated there.  Returns the argc (argv->argc too), or
 * -1 for unbalanced quotes.  Exposed for the config parser and tests.
 */
int kvd_resp_split_inline(char *line, size_t len, kvd_argv_t *argv);

#endif /* KVD_RESP_H */

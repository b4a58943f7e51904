/*
 * resp.c - the RESP2 request parser: multibulk and inline, streaming and in
 * place.  resp.h holds the contract and the Redis 7.0 behaviours kept.
 *
 * Hot path: a pipeline of small multibulk commands.  Each header is a few
 * bytes, so line ends are looked for byte by byte first (memchr() costs
 * more than it saves on three bytes), numbers are parsed by hand, and a
 * command that arrives in pieces resumes from p->pos without looking at
 * its finished headers again.
 */
#include "resp.h"

_Static_assert(sizeof(size_t) >= sizeof(int64_t), "bulk lengths are stored in size_t");

enum { KIND_UNKNOWN = 0, KIND_MULTIBULK = 1, KIND_INLINE = 2, KIND_FAILED = 3 };

typedef enum { LINE_FOUND, LINE_AGAIN, LINE_TOO_BIG } line_status_t;

/* Redis's string2ll() refuses strings of 21 bytes or more. */
#define LL_MAX_CHARS 20

/*
 * Argument slots reserved when a "*<n>" header arrives: enough for nearly
 * every command, while a forged huge count cannot make us allocate before
 * its arguments have arrived.  Beyond this the array grows as they do.
 */
#define ARGV_PREALLOC_MAX 1024
#define ARGV_MIN_CAP 8

/* Bytes of a line checked one at a time before memchr() takes over. */
#define SHORT_LINE 32

/*
 * While a multibulk command is incomplete the caller may move its bytes to
 * another buffer, so its arguments hold offsets from the command start in
 * their ptr field; they become pointers once the command is whole.
 */
static inline char *offset_slot(size_t off)
{
    return (char *)(uintptr_t)off;
}

static inline size_t slot_offset(const char *slot)
{
    return (size_t)(uintptr_t)slot;
}

/*
 * Decimal to int64 with Redis's string2ll() rules, which decide what is a
 * valid "*<n>"/"$<n>": no sign but '-', no leading zero, no "-0", no
 * spaces, under 21 bytes, no overflow.
 */
static bool parse_ll(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > LL_MAX_CHARS)
        return false;
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    size_t i = s[0] == '-' ? 1 : 0;
    if (i == n || s[i] < '1' || s[i] > '9')
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (s[0] == '-') {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

static void argv_reserve(kvd_argv_t *argv, int need)
{
    KVD_ASSERT(need >= 0);
    KVD_ASSERT(argv->cap >= 0);
    if (need <= argv->cap)
        return;
    size_t cap = argv->cap > ARGV_MIN_CAP ? (size_t)argv->cap : ARGV_MIN_CAP;
    for (int i = 0; i < 32 && cap < (size_t)need; i++)
        cap *= 2;
    if (cap > INT_MAX)
        cap = INT_MAX;
    KVD_ASSERT(cap >= (size_t)need);
    size_t bytes;
    KVD_ASSERT(kvd_mul_size(cap, sizeof(kvd_arg_t), &bytes));
    argv->v = kvd_realloc(argv->v, bytes);
    argv->cap = (int)cap;
}

static inline void argv_push(kvd_argv_t *argv, char *ptr, size_t len)
{
    KVD_ASSERT(argv->argc >= 0 && argv->argc < INT_MAX);
    if (kvd_unlikely(argv->argc == argv->cap))
        argv_reserve(argv, argv->argc + 1);
    argv->v[argv->argc].ptr = ptr;
    argv->v[argv->argc].len = len;
    argv->argc++;
}

void kvd_argv_free(kvd_argv_t *argv)
{
    kvd_free(argv->v);
    argv->v = NULL;
    argv->argc = 0;
    argv->cap = 0;
}

/* Forget the command in progress; consumed and error stay for the caller. */
static void parser_reset(kvd_resp_parser_t *p)
{
    p->kind = KIND_UNKNOWN;
    p->remaining = -1;
    p->bulk_len = -1;
    p->pos = 0;
    p->scan = 0;
}

void kvd_resp_parser_init(kvd_resp_parser_t *p)
{
    memset(p, 0, sizeof(*p));
    parser_reset(p);
}

static kvd_resp_status_t fail(kvd_resp_parser_t *p, const char *text)
{
    KVD_ASSERT(strlen(text) < sizeof(p->error));
    strcpy(p->error, text);
    p->kind = KIND_FAILED;
    return KVD_RESP_ERROR;
}

/*
 * Look for `term` ending the line that starts at `from`, as Redis's
 * strchr() over its NUL-terminated buffer does: a NUL byte hides what
 * follows it, so such a line never ends and only the size limit fails it.
 * The end must lie among the first max + 1 bytes (see resp.h).  p->scan
 * remembers how far earlier calls got, so a line trickling in byte by byte
 * is still scanned once; it is left on a hiding NUL so later calls stop
 * there at once.
 */
static line_status_t find_line_end(kvd_resp_parser_t *p, const char *buf, size_t len, size_t from,
                                   char term, size_t max, size_t *end)
{
    KVD_ASSERT(from <= len);
    size_t window;
    if (!kvd_add_size(from, max, &window) || !kvd_add_size(window, 1, &window) || window > len)
        window = len;
    size_t i = from + p->scan;
    if (i > window)
        i = window; /* the limit shrank since the last call (a config change) */
    size_t short_end = window - i > SHORT_LINE ? i + SHORT_LINE : window;
    for (; i < short_end; i++) {
        if (buf[i] == term) {
            p->scan = i - from;
            *end = i;
            return LINE_FOUND;
        }
        if (buf[i] == '\0')
            break;
    }
    if (i == short_end && i < window) {
        const char *t = memchr(buf + i, term, window - i);
        size_t stop = t != NULL ? (size_t)(t - buf) : window;
        const char *z = memchr(buf + i, '\0', stop - i);
        i = z != NULL ? (size_t)(z - buf) : stop;
        if (z == NULL && t != NULL) {
            p->scan = i - from;
            *end = i;
            return LINE_FOUND;
        }
    }
    p->scan = i - from;
    return len - from > max ? LINE_TOO_BIG : LINE_AGAIN;
}

/* A header line also needs the byte after its '\r' (Redis skips two). */
static line_status_t find_header_end(kvd_resp_parser_t *p, const char *buf, size_t len,
                                     size_t max, size_t *end)
{
    line_status_t st = find_line_end(p, buf, len, p->pos, '\r', max, end);
    if (st == LINE_FOUND && len - *end < 2)
        return LINE_AGAIN;
    return st;
}

/* Plain digits that cannot overflow an int64 whatever they are. */
#define FAST_DIGITS 18

/*
 * The common header: its marker, 1..18 digits without a leading zero,
 * '\r' and one more byte, all read in one pass without the line search.
 * Anything else (a sign, a leading zero, more digits, a partial or
 * malformed line) returns false and takes the general path, which reaches
 * the same verdict on the lines this one accepts.
 */
static inline bool fast_header(const char *buf, size_t len, size_t pos, size_t max, int64_t *n,
                               size_t *end)
{
    KVD_ASSERT(pos < len);
    size_t i = pos + 1;
    size_t stop = len - i > FAST_DIGITS ? i + FAST_DIGITS : len;
    uint64_t v = 0;
    for (; i < stop; i++) {
        unsigned d = (unsigned)(unsigned char)buf[i] - '0';
        if (d > 9)
            break;
        v = v * 10 + d;
    }
    size_t digits = i - pos - 1;
    if (digits == 0 || len - i < 2 || buf[i] != '\r' || i - pos > max)
        return false;
    if (digits > 1 && buf[pos + 1] == '0')
        return false;
    *n = (int64_t)v;
    *end = i;
    return true;
}

typedef enum { HDR_OK, HDR_AGAIN, HDR_TOO_BIG, HDR_BAD_MARKER, HDR_BAD_NUMBER } header_status_t;

/* The "<marker><n>\r?" line at p->pos: its number and where its '\r' is. */
static header_status_t read_header(kvd_resp_parser_t *p, const char *buf, size_t len, char marker,
                                   size_t max, int64_t *n, size_t *end)
{
    if (kvd_likely(p->pos < len && buf[p->pos] == marker) &&
        fast_header(buf, len, p->pos, max, n, end))
        return HDR_OK;
    line_status_t st = find_header_end(p, buf, len, max, end);
    if (st != LINE_FOUND)
        return st == LINE_TOO_BIG ? HDR_TOO_BIG : HDR_AGAIN;
    if (buf[p->pos] != marker)
        return HDR_BAD_MARKER;
    if (!parse_ll(buf + p->pos + 1, *end - p->pos - 1, n))
        return HDR_BAD_NUMBER;
    return HDR_OK;
}

/* "*<n>\r\n": sets p->remaining; n <= 0 is an empty command. */
static kvd_resp_status_t read_count(kvd_resp_parser_t *p, const char *buf, size_t len,
                                    kvd_argv_t *argv, const kvd_resp_limits_t *limits)
{
    KVD_ASSERT(p->pos == 0 && buf[0] == '*');
    int64_t n;
    size_t end;
    switch (read_header(p, buf, len, '*', limits->max_inline_len, &n, &end)) {
    case HDR_OK: break;
    case HDR_AGAIN: return KVD_RESP_AGAIN;
    case HDR_TOO_BIG: return fail(p, "Protocol error: too big mbulk count string");
    default: return fail(p, "Protocol error: invalid multibulk length");
    }
    if (n > limits->max_multibulk_len)
        return fail(p, "Protocol error: invalid multibulk length");
    if (n > KVD_RESP_UNAUTH_MAX_MULTIBULK && limits->unauthenticated)
        return fail(p, "Protocol error: unauthenticated multibulk length");
    p->pos = end + 2;
    p->scan = 0;
    p->remaining = n > 0 ? n : 0;
    argv->argc = 0;
    int reserve = n < ARGV_PREALLOC_MAX ? (int)n : ARGV_PREALLOC_MAX;
    if (reserve > argv->cap)
        argv_reserve(argv, reserve);
    return KVD_RESP_OK;
}

static kvd_resp_status_t fail_marker(kvd_resp_parser_t *p, char c)
{
    /* Redis's reply maps CR and LF to spaces; keep the text equal to it. */
    snprintf(p->error, sizeof(p->error), "Protocol error: expected '$', got '%c'",
             c == '\r' || c == '\n' ? ' ' : c);
    p->kind = KIND_FAILED;
    return KVD_RESP_ERROR;
}

/* "$<n>\r\n": sets p->bulk_len. */
static kvd_resp_status_t read_bulk_header(kvd_resp_parser_t *p, const char *buf, size_t len,
                                          const kvd_resp_limits_t *limits)
{
    KVD_ASSERT(p->bulk_len < 0 && p->remaining > 0);
    int64_t n;
    size_t end;
    switch (read_header(p, buf, len, '$', limits->max_inline_len, &n, &end)) {
    case HDR_OK: break;
    case HDR_AGAIN: return KVD_RESP_AGAIN;
    case HDR_TOO_BIG: return fail(p, "Protocol error: too big bulk count string");
    case HDR_BAD_MARKER: return fail_marker(p, buf[p->pos]);
    default: return fail(p, "Protocol error: invalid bulk length");
    }
    if (n < 0 || n > limits->max_bulk_len)
        return fail(p, "Protocol error: invalid bulk length");
    if (n > KVD_RESP_UNAUTH_MAX_BULK && limits->unauthenticated)
        return fail(p, "Protocol error: unauthenticated bulk length");
    p->bulk_len = n;
    p->pos = end + 2;
    p->scan = 0;
    return KVD_RESP_OK;
}

/* The payload and the two bytes after it; false (with p->want) until they are in. */
static bool read_bulk_payload(kvd_resp_parser_t *p, char *buf, size_t len, kvd_argv_t *argv)
{
    KVD_ASSERT(p->bulk_len >= 0 && p->remaining > 0);
    size_t n = (size_t)p->bulk_len;
    size_t need;
    if (!kvd_add_size(p->pos, n, &need) || !kvd_add_size(need, 2, &need))
        return false; /* can never fit; the query buffer limit ends it */
    if (need > len) {
        p->want = need;
        return false;
    }
    buf[p->pos + n] = '\0'; /* Redis does not check this byte is '\r' either */
    argv_push(argv, offset_slot(p->pos), n);
    p->pos = need;
    p->bulk_len = -1;
    p->remaining--;
    return true;
}

static kvd_resp_status_t finish_command(kvd_resp_parser_t *p, size_t consumed)
{
    p->consumed = consumed;
    parser_reset(p);
    return KVD_RESP_OK;
}

static kvd_resp_status_t parse_multibulk(kvd_resp_parser_t *p, char *buf, size_t len,
                                         kvd_argv_t *argv, const kvd_resp_limits_t *limits)
{
    if (p->remaining < 0) {
        kvd_resp_status_t st = read_count(p, buf, len, argv, limits);
        if (st != KVD_RESP_OK)
            return st;
    }
    /* Each round reads one argument or returns. */
    for (int64_t round = p->remaining; round > 0; round--) {
        if (p->bulk_len < 0) {
            kvd_resp_status_t st = read_bulk_header(p, buf, len, limits);
            if (st != KVD_RESP_OK)
                return st;
        }
        if (!read_bulk_payload(p, buf, len, argv))
            return KVD_RESP_AGAIN;
    }
    KVD_ASSERT(p->remaining == 0);
    KVD_ASSERT(p->pos <= len);
    for (int i = 0; i < argv->argc; i++) {
        size_t off = slot_offset(argv->v[i].ptr);
        KVD_DEBUG_ASSERT(off + argv->v[i].len < p->pos);
        argv->v[i].ptr = buf + off;
        KVD_DEBUG_ASSERT(argv->v[i].ptr[argv->v[i].len] == '\0');
    }
    return finish_command(p, p->pos);
}

/* Characters isspace() accepts in the C locale: what separates arguments. */
static inline bool is_blank(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Characters that end an unquoted argument (narrower than is_blank). */
static inline bool ends_bare_arg(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char unescape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c; /* \\, \" and any other: the character itself */
    }
}

/* A closing quote must be followed by a blank or the end of the line. */
static inline bool closes_arg(const char *line, size_t len, size_t r)
{
    return r + 1 >= len || is_blank(line[r + 1]);
}

/*
 * The inside of a "..." argument from line[*rp] (just past the opening
 * quote), unescaped to line[*wp...].  Escapes only shrink the text, and
 * the opening quote was not copied, so the write index stays behind the
 * read index.  Returns false for unbalanced quotes.
 */
static bool unquote_double(char *line, size_t len, size_t *rp, size_t *wp)
{
    size_t r = *rp, w = *wp;
    for (size_t guard = 0; guard <= len && r < len; guard++) {
        KVD_DEBUG_ASSERT(w < r);
        char c = line[r];
        if (c == '"') {
            if (!closes_arg(line, len, r))
                return false;
            *rp = r + 1;
            *wp = w;
            return true;
        }
        if (c == '\\' && r + 1 < len) {
            int hi = r + 3 < len && line[r + 1] == 'x' ? hex_value(line[r + 2]) : -1;
            int lo = hi >= 0 ? hex_value(line[r + 3]) : -1;
            if (lo >= 0) {
                line[w++] = (char)(hi * 16 + lo);
                r += 4;
            } else {
                line[w++] = unescape(line[r + 1]);
                r += 2;
            }
            continue;
        }
        line[w++] = c;
        r++;
    }
    return false;
}

/* The inside of a '...' argument: only \' is an escape. */
static bool unquote_single(char *line, size_t len, size_t *rp, size_t *wp)
{
    size_t r = *rp, w = *wp;
    for (size_t guard = 0; guard <= len && r < len; guard++) {
        KVD_DEBUG_ASSERT(w < r);
        char c = line[r];
        if (c == '\\' && r + 1 < len && line[r + 1] == '\'') {
            line[w++] = '\'';
            r += 2;
            continue;
        }
        if (c == '\'') {
            if (!closes_arg(line, len, r))
                return false;
            *rp = r + 1;
            *wp = w;
            return true;
        }
        line[w++] = c;
        r++;
    }
    return false;
}

/*
 * One argument from line[*rp] (not blank).  Bare text may run into a
 * quoted part (foo"bar baz" is one argument), and a closing quote ends the
 * argument.  The text is written in place from its own first byte.
 */
static bool read_arg(char *line, size_t len, size_t *rp, size_t *wp)
{
    size_t r = *rp, w = *wp;
    bool ok = true;
    for (size_t guard = 0; guard <= len && r < len; guard++) {
        char c = line[r++];
        if (ends_bare_arg(c))
            break;
        if (c == '"' || c == '\'') {
            ok = c == '"' ? unquote_double(line, len, &r, &w) : unquote_single(line, len, &r, &w);
            break;
        }
        line[w++] = c;
    }
    *rp = r;
    *wp = w;
    return ok;
}

/* Split line[0..len), which holds no NUL; see kvd_resp_split_inline(). */
static int split_line(char *line, size_t len, kvd_argv_t *argv)
{
    argv->argc = 0;
    size_t r = 0;
    /* Each round takes at least one byte. */
    for (size_t guard = 0; guard <= len; guard++) {
        while (r < len && is_blank(line[r]))
            r++;
        if (r >= len)
            return argv->argc;
        size_t start = r, w = r;
        if (!read_arg(line, len, &r, &w)) {
            argv->argc = 0;
            return -1;
        }
        KVD_ASSERT(w <= r && w <= len);
        line[w] = '\0';
        argv_push(argv, line + start, w - start);
    }
    KVD_ASSERT(r >= len);
    return argv->argc;
}

int kvd_resp_split_inline(char *line, size_t len, kvd_argv_t *argv)
{
    KVD_ASSERT(line != NULL && argv != NULL);
    return split_line(line, strnlen(line, len), argv);
}

static kvd_resp_status_t parse_inline(kvd_resp_parser_t *p, char *buf, size_t len,
                                      kvd_argv_t *argv, const kvd_resp_limits_t *limits)
{
    size_t end;
    line_status_t st = find_line_end(p, buf, len, 0, '\n', limits->max_inline_len, &end);
    if (st == LINE_TOO_BIG)
        return fail(p, "Protocol error: too big inline request");
    if (st == LINE_AGAIN)
        return KVD_RESP_AGAIN;
    size_t line_len = end > 0 && buf[end - 1] == '\r' ? end - 1 : end;
    /* The line holds no NUL (find_line_end), and buf[line_len] is CR or LF. */
    if (split_line(buf, line_len, argv) < 0)
        return fail(p, "Protocol error: unbalanced quotes in request");
    return finish_command(p, end + 1);
}

/*
 * Digits of a short header after its marker at buf[pos]: 1..FAST_DIGITS
 * of them, no leading zero, then '\r' and one more byte (not checked, as
 * Redis skips it).  Returns the position after those two bytes, or 0 when
 * the header is anything else or not all there.
 */
static inline size_t whole_header(const char *buf, size_t len, size_t pos, uint64_t *n)
{
    /* One or two digits, nearly every header of a small command. */
    if (kvd_likely(len - pos >= 5)) {
        unsigned d1 = (unsigned)(unsigned char)buf[pos + 1] - '0';
        unsigned d2 = (unsigned)(unsigned char)buf[pos + 2] - '0';
        if (d1 - 1 < 9 && buf[pos + 2] == '\r') {
            *n = d1;
            return pos + 4;
        }
        if (d1 - 1 < 9 && d2 <= 9 && buf[pos + 3] == '\r') {
            *n = d1 * 10 + d2;
            return pos + 5;
        }
    }
    size_t i = pos + 1, stop = len - i > FAST_DIGITS ? i + FAST_DIGITS : len;
    uint64_t v = 0;
    for (; i < stop; i++) {
        unsigned d = (unsigned)(unsigned char)buf[i] - '0';
        if (d > 9)
            break;
        v = v * 10 + d;
    }
    if (i == pos + 1 || len - i < 2 || buf[i] != '\r' || (buf[pos + 1] == '0' && i > pos + 2))
        return 0;
    *n = v;
    return i + 2;
}

/*
 * The hot path: a whole multibulk command of short headers already in
 * buf, parsed in one pass straight into pointers.  Returns false, with
 * nothing but argv->argc touched, for anything else (incomplete, a header
 * the general path must judge, a limit in play): the general path then
 * starts over and decides.  Every verdict given here is the one the
 * general path would give, and the NUL it writes after a payload is the
 * byte the general path overwrites too.
 */
static bool parse_whole(kvd_resp_parser_t *p, char *buf, size_t len, kvd_argv_t *argv,
                        const kvd_resp_limits_t *limits)
{
    uint64_t count, blen;
    if (limits->max_inline_len < FAST_DIGITS + 2)
        return false; /* a header here could be too long */
    size_t pos = whole_header(buf, len, 0, &count);
    if (pos == 0 || count == 0 || count > ARGV_PREALLOC_MAX ||
        (int64_t)count > limits->max_multibulk_len ||
        (count > KVD_RESP_UNAUTH_MAX_MULTIBULK && limits->unauthenticated))
        return false;
    if ((int)count > argv->cap)
        argv_reserve(argv, (int)count);
    /* The smaller of the two limits: a bulk over either is the general
     * path's to refuse (proto-max-bulk-len may be set below the
     * unauthenticated limit). */
    uint64_t max_bulk = (uint64_t)limits->max_bulk_len;
    if (limits->unauthenticated && max_bulk > KVD_RESP_UNAUTH_MAX_BULK)
        max_bulk = KVD_RESP_UNAUTH_MAX_BULK;
    for (uint64_t i = 0; i < count; i++) {
        if (pos >= len || buf[pos] != '$')
            break;
        pos = whole_header(buf, len, pos, &blen);
        if (pos == 0 || blen > max_bulk || blen + 2 > len - pos)
            break;
        argv->v[i].ptr = buf + pos;
        argv->v[i].len = blen;
        pos += blen;
        buf[pos] = '\0';
        pos += 2;
        argv->argc = (int)i + 1;
    }
    if ((uint64_t)argv->argc != count) {
        argv->argc = 0;
        return false;
    }
    p->consumed = pos;
    return true;
}

/* Everything but a whole command on the hot path: kept out of line so the
 * fast path's caller does not pay for its registers. */
static __attribute__((noinline)) kvd_resp_status_t
parse_general(kvd_resp_parser_t *p, char *buf, size_t len, kvd_argv_t *argv,
              const kvd_resp_limits_t *limits)
{
    if (kvd_unlikely(p->kind == KIND_FAILED))
        return KVD_RESP_ERROR;
    if (p->kind == KIND_UNKNOWN) {
        if (len == 0)
            return KVD_RESP_AGAIN;
        argv->argc = 0;
        p->kind = buf[0] == '*' ? KIND_MULTIBULK : KIND_INLINE;
    }
    KVD_ASSERT(limits->max_multibulk_len <= INT_MAX);
    KVD_ASSERT(p->pos <= len); /* the caller kept the bytes of this command */
    kvd_resp_status_t st = p->kind == KIND_MULTIBULK ? parse_multibulk(p, buf, len, argv, limits)
                                                     : parse_inline(p, buf, len, argv, limits);
    KVD_ASSERT(st != KVD_RESP_OK || (p->consumed > 0 && p->consumed <= len));
    KVD_ASSERT(st != KVD_RESP_AGAIN || p->want == 0 || p->want > len);
    return st;
}

kvd_resp_status_t kvd_resp_parse(kvd_resp_parser_t *p, char *buf, size_t len, kvd_argv_t *argv,
                                 const kvd_resp_limits_t *limits)
{
    KVD_ASSERT(buf != NULL || len == 0);
    p->want = 0;
    if (p->kind == KIND_UNKNOWN && len > 0 && buf[0] == '*') {
        argv->argc = 0;
        if (parse_whole(p, buf, len, argv, limits)) {
            KVD_DEBUG_ASSERT(p->consumed > 0 && p->consumed <= len);
            return KVD_RESP_OK;
        }
    }
    return parse_general(p, buf, len, argv, limits);
}

/*
 * test_resp.c - the RESP2 request parser and the reply encoders.
 *
 * The parser's error texts and edge behaviours were checked against
 * redis-server 7.0.15; the cases below pin them.  The streaming tests feed
 * the same bytes in every possible way (split at each byte, one byte at a
 * time, random chunks) into buffers allocated to the exact size and moved
 * on every read, and require the same commands each time: under the
 * sanitizer build this also proves the parser never reads outside the
 * bytes it was given nor keeps pointers into a buffer that has moved.
 *
 * Randomized tests print "seed=N"; replay with SEED=N.
 * KVD_RESP_BENCH=1 also prints a parse throughput figure.
 */
#include <check.h>
#include <math.h>
#include <time.h>

#include "proto/reply.h"
#include "proto/resp.h"

static uint64_t seed;
static uint64_t rng_state;

/* splitmix64: the same sequence on every libc, so a seed replays anywhere. */
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t rnd_below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rnd() % n);
}

/* Each test draws from its own stream, so one test's failure replays alone. */
static void rng_for(uint64_t test_id)
{
    rng_state = seed ^ (test_id * 0x2545f4914f6cdd1dULL);
}

/*
 * check's ck_assert*() reports every passing assertion to the parent
 * process (a pipe write each), far too slow for loops that run millions of
 * times; REQUIRE only speaks on failure.
 */
#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg("%s:%d: requirement failed: %s", __FILE__, __LINE__, #cond); \
    } while (0)

static const kvd_resp_limits_t redis_limits = {
    .max_bulk_len = 512 * 1024 * 1024,
    .max_multibulk_len = INT_MAX,
    .max_inline_len = 64 * 1024,
};

/* ------------------------------------------------------------------ */
/* Feeding: the way a connection does, with hostile buffer management.  */

/*
 * The transcript of a run: every command as "C<argc>:" then "<len>:<bytes>,"
 * per argument, then "E:<error>" or "A<pending bytes>".  Two ways of
 * feeding the same bytes must give equal transcripts.
 */
/* "<tag><n>:" without printf, which would dominate the streaming tests. */
static void append_tagged(kvd_buf_t *t, const char *tag, int64_t n)
{
    char digits[21];
    size_t len = kvd_ll2str(digits, n);
    kvd_buf_append_str(t, tag);
    kvd_buf_append(t, digits, len);
    kvd_buf_append_char(t, ':');
}

static void record_command(kvd_buf_t *t, const kvd_argv_t *argv, const char *buf, size_t consumed)
{
    append_tagged(t, "C", argv->argc);
    for (int i = 0; i < argv->argc; i++) {
        const kvd_arg_t *a = &argv->v[i];
        /* Zero copy: a slice of this command's bytes, NUL-terminated in place. */
        REQUIRE(a->ptr != NULL);
        REQUIRE(a->ptr >= buf && a->ptr + a->len < buf + consumed);
        REQUIRE(a->ptr[a->len] == '\0');
        append_tagged(t, "", (int64_t)a->len);
        kvd_buf_append(t, a->ptr, a->len);
        kvd_buf_append_char(t, ',');
    }
}

typedef size_t (*chunker_fn)(void *ctx, size_t left);

/* Pending bytes plus a new chunk, in a fresh allocation of the exact size. */
static char *regrow(char *old, size_t keep, const char *more, size_t n)
{
    char *nb = malloc(keep + n > 0 ? keep + n : 1);
    REQUIRE(nb != NULL);
    if (keep > 0)
        memcpy(nb, old, keep);
    if (n > 0)
        memcpy(nb + keep, more, n);
    free(old);
    return nb;
}

/* Parse what buf[0..len) holds; returns the bytes consumed, or SIZE_MAX after an error. */
static size_t drain(kvd_resp_parser_t *p, char *buf, size_t len, kvd_argv_t *argv,
                    const kvd_resp_limits_t *lim, kvd_buf_t *t, size_t *want)
{
    size_t start = 0;
    for (size_t guard = 0; guard <= len && start < len; guard++) {
        kvd_resp_status_t r = kvd_resp_parse(p, buf + start, len - start, argv, lim);
        if (r == KVD_RESP_ERROR) {
            kvd_buf_printf(t, "E:%s", p->error);
            /* Sticky until re-initialised. */
            REQUIRE(kvd_resp_parse(p, buf + start, len - start, argv, lim) == KVD_RESP_ERROR);
            return SIZE_MAX;
        }
        if (r == KVD_RESP_AGAIN) {
            if (p->want != 0) {
                REQUIRE(p->want > len - start);
                *want = p->want;
            }
            return start;
        }
        REQUIRE(r == KVD_RESP_OK);
        REQUIRE(p->consumed > 0);
        REQUIRE(p->consumed <= len - start);
        /* The hint never asked for more than the command turned out to need. */
        REQUIRE(*want <= p->consumed);
        *want = 0;
        record_command(t, argv, buf + start, p->consumed);
        start += p->consumed;
    }
    return start;
}

static void feed(const char *in, size_t n, chunker_fn next, void *ctx,
                 const kvd_resp_limits_t *lim, kvd_buf_t *t)
{
    kvd_resp_parser_t p;
    kvd_argv_t argv = KVD_ARGV_INIT;
    kvd_resp_parser_init(&p);
    kvd_buf_clear(t);
    char *buf = NULL;
    size_t len = 0, fed = 0, want = 0;
    for (size_t guard = 0; guard <= n && fed < n; guard++) {
        size_t c = next(ctx, n - fed);
        REQUIRE(c >= 1 && c <= n - fed);
        buf = regrow(buf, len, in + fed, c);
        len += c;
        fed += c;
        size_t used = drain(&p, buf, len, &argv, lim, t, &want);
        if (used == SIZE_MAX)
            goto done;
        memmove(buf, buf + used, len - used);
        len -= used;
    }
    REQUIRE(fed == n);
    kvd_buf_printf(t, "A%zu", len);
done:
    free(buf);
    kvd_argv_free(&argv);
}

static size_t chunk_all(void *ctx, size_t left)
{
    KVD_UNUSED(ctx);
    return left;
}

static size_t chunk_one(void *ctx, size_t left)
{
    KVD_UNUSED(ctx);
    KVD_UNUSED(left);
    return 1;
}

/* First chunk of *ctx bytes, then the rest. */
static size_t chunk_split(void *ctx, size_t left)
{
    size_t *first = ctx;
    size_t c = *first > 0 && *first < left ? *first : left;
    *first = 0;
    return c;
}

/* Random sizes, mostly small, sometimes large. */
static size_t chunk_random(void *ctx, size_t left)
{
    size_t max = *(size_t *)ctx;
    size_t c = 1 + rnd_below(rnd_below(4) == 0 ? max : 16);
    return c < left ? c : left;
}

static void feed_whole(const char *in, size_t n, const kvd_resp_limits_t *lim, kvd_buf_t *t)
{
    feed(in, n, chunk_all, NULL, lim, t);
}

static void assert_same(const kvd_buf_t *a, const kvd_buf_t *b, const char *how, size_t at)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
        ck_abort_msg("transcript differs when fed %s (at %zu): %zu vs %zu bytes", how, at, a->len,
                     b->len);
}

/* Whole, split at every byte, one byte at a time: all must agree. */
static void assert_split_invariant(const char *in, size_t n, const kvd_resp_limits_t *lim,
                                   const kvd_buf_t *whole)
{
    kvd_buf_t t = KVD_BUF_INIT;
    for (size_t k = 1; k < n; k++) {
        size_t first = k;
        feed(in, n, chunk_split, &first, lim, &t);
        assert_same(whole, &t, "in two at", k);
    }
    feed(in, n, chunk_one, NULL, lim, &t);
    assert_same(whole, &t, "byte by byte", 0);
    kvd_buf_free(&t);
}

/* ------------------------------------------------------------------ */
/* Single commands.                                                     */

/* Feed all of `in` (length n) and return the transcript as a C string. */
static kvd_buf_t last;

static const char *parse_n(const char *in, size_t n, const kvd_resp_limits_t *lim)
{
    feed_whole(in, n, lim, &last);
    kvd_buf_t copy = KVD_BUF_INIT;
    kvd_buf_append(&copy, last.data, last.len);
    assert_split_invariant(in, n, lim, &copy);
    kvd_buf_free(&copy);
    return kvd_buf_cstr(&last);
}

#define PARSE(lit) parse_n(lit, sizeof(lit) - 1, &redis_limits)

static void teardown_last(void)
{
    kvd_buf_free(&last);
}

START_TEST(multibulk_basic)
{
    ck_assert_str_eq(PARSE("*1\r\n$4\r\nPING\r\n"), "C1:4:PING,A0");
    ck_assert_str_eq(PARSE("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"), "C3:3:SET,1:k,0:,A0");
    ck_assert_str_eq(PARSE("*2\r\n$3\r\nGET\r\n$3\r\nk"), "A18");
    /* An empty command: skip it, the next one follows. */
    ck_assert_str_eq(PARSE("*0\r\n*1\r\n$4\r\nPING\r\n"), "C0:C1:4:PING,A0");
    ck_assert_str_eq(PARSE("*-1\r\n"), "C0:A0");
    ck_assert_str_eq(PARSE("*-5\r\n"), "C0:A0");
    ck_assert_str_eq(PARSE("*-9223372036854775808\r\n"), "C0:A0");
    /* Not complete until the byte after the header's '\r' is in. */
    ck_assert_str_eq(PARSE("*1\r"), "A3");
    ck_assert_str_eq(PARSE("*1\r\n$4\r"), "A7");
    ck_assert_str_eq(PARSE("*1\r\n$4\r\nPING"), "A12");
    ck_assert_str_eq(PARSE("*1\r\n$4\r\nPING\r"), "A13");
}
END_TEST

START_TEST(multibulk_redis_leniency)
{
    /* Redis skips the byte after a header's '\r' and the two bytes after a
     * payload without looking at them. */
    ck_assert_str_eq(PARSE("*1\rX$4\r\nPING\r\n"), "C1:4:PING,A0");
    ck_assert_str_eq(PARSE("*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n"), "C1:4:PING,C1:4:PING,A0");
    /* "$4\r\r": payload "\nPIN", skip "G\r", then "\n" is an empty inline line. */
    ck_assert_str_eq(PARSE("*1\r\n$4\r\r\nPING\r\n"), "C1:4:\nPIN,C0:A0");
}
END_TEST

START_TEST(multibulk_binary_payloads)
{
    static const char in[] = "*3\r\n$3\r\na\0b\r\n$4\r\n\r\n\r\n\r\n$6\r\n*1\r\n$0\r\n";
    const char *t = parse_n(in, sizeof(in) - 1, &redis_limits);
    static const char want[] = "C3:3:a\0b,4:\r\n\r\n,6:*1\r\n$0,A0";
    ck_assert_uint_eq(last.len, sizeof(want) - 1);
    ck_assert(memcmp(t, want, sizeof(want) - 1) == 0);
}
END_TEST

START_TEST(multibulk_count_errors)
{
    const char *invalid = "E:Protocol error: invalid multibulk length";
    ck_assert_str_eq(PARSE("*abc\r\n"), invalid);
    ck_assert_str_eq(PARSE("*\r\n"), invalid);
    ck_assert_str_eq(PARSE("*3000000000\r\n"), invalid);
    ck_assert_str_eq(PARSE("*2147483648\r\n"), invalid);
    ck_assert_str_eq(PARSE("*99999999999999999999\r\n"), invalid);
    ck_assert_str_eq(PARSE("*9223372036854775808\r\n"), invalid);
    ck_assert_str_eq(PARSE("*-9223372036854775809\r\n"), invalid);
    ck_assert_str_eq(PARSE("*000000000000000000001\r\n"), invalid);
    ck_assert_str_eq(PARSE("*-0\r\n"), invalid);
    ck_assert_str_eq(PARSE("*00\r\n"), invalid);
    ck_assert_str_eq(PARSE("*01\r\n"), invalid);
    ck_assert_str_eq(PARSE("*+1\r\n"), invalid);
    ck_assert_str_eq(PARSE("* 1\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1 \r\n"), invalid);
    ck_assert_str_eq(PARSE("*-\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\n$4\r\nPING\r\n"), invalid);
    /* The largest count is accepted; argv is not allocated for it up front. */
    ck_assert_str_eq(PARSE("*2147483647\r\n"), "A13");
}
END_TEST

START_TEST(bulk_header_errors)
{
    const char *invalid = "E:Protocol error: invalid bulk length";
    ck_assert_str_eq(PARSE("*1\r\n$-1\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\r\n$-0\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\r\n$01\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\r\n$ 4\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\r\n$+4\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\r\n$abc\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\r\n$\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\r\n$536870913\r\n"), invalid);
    ck_assert_str_eq(PARSE("*1\r\n$536870912\r\n"), "A16");
    ck_assert_str_eq(PARSE("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n"), invalid);
    ck_assert_str_eq(PARSE("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n"), invalid);
    ck_assert_str_eq(PARSE("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"),
                     "E:Protocol error: expected '$', got 'f'");
    ck_assert_str_eq(PARSE("*1\r\nX3\r\nfoo\r\n"), "E:Protocol error: expected '$', got 'X'");
    /* Redis's reply maps CR/LF to spaces; the parser's text already does. */
    ck_assert_str_eq(PARSE("*1\r\n\r\n"), "E:Protocol error: expected '$', got ' '");
    ck_assert_str_eq(PARSE("*1\r\n\nX\r\n"), "E:Protocol error: expected '$', got ' '");
    ck_assert_str_eq(PARSE("*1\r\n\xff\r\n"), "E:Protocol error: expected '$', got '\xff'");
    /* The line must be complete before its first byte is judged. */
    ck_assert_str_eq(PARSE("*1\r\nX"), "A5");
    ck_assert_str_eq(PARSE("*1\r\nX\r"), "A6");
}
END_TEST

START_TEST(unauthenticated_limits)
{
    kvd_resp_limits_t lim = redis_limits;
    lim.unauthenticated = true;
    static const char c10[] = "*10\r\n", c11[] = "*11\r\n", big[] = "*3000000000\r\n";
    static const char b1[] = "*1\r\n$16384\r\n", b2[] = "*2\r\n$1\r\nx\r\n$16385\r\n";
    static const char neg[] = "*1\r\n$-1\r\n";
    ck_assert_str_eq(parse_n(c10, sizeof(c10) - 1, &lim), "A5");
    ck_assert_str_eq(parse_n(c11, sizeof(c11) - 1, &lim),
                     "E:Protocol error: unauthenticated multibulk length");
    ck_assert_str_eq(parse_n(big, sizeof(big) - 1, &lim),
                     "E:Protocol error: invalid multibulk length");
    ck_assert_str_eq(parse_n(b1, sizeof(b1) - 1, &lim), "A12");
    ck_assert_str_eq(parse_n(b2, sizeof(b2) - 1, &lim),
                     "E:Protocol error: unauthenticated bulk length");
    ck_assert_str_eq(parse_n(neg, sizeof(neg) - 1, &lim), "E:Protocol error: invalid bulk length");
    ck_assert_str_eq(parse_n(c11, sizeof(c11) - 1, &redis_limits), "A5");
    /* A bulk limit below the unauthenticated one still applies, whole
     * command in the buffer (the fast path) or not (fuzz seed
     * 1796636751354962). */
    static const char whole[] = "*1\r\n$9\r\n123456789\r\n";
    lim.max_bulk_len = 8;
    ck_assert_str_eq(parse_n(whole, sizeof(whole) - 1, &lim),
                     "E:Protocol error: invalid bulk length");
}
END_TEST

/* `prefix`, then `fill` repeated, then `suffix`, parsed; returns the transcript. */
static const char *parse_padded(const char *prefix, size_t plen, char fill, size_t count,
                                const char *suffix, size_t slen, const kvd_resp_limits_t *lim)
{
    size_t n = plen + count + slen;
    rng_for(6);
    char *in = malloc(n);
    memcpy(in, prefix, plen);
    memset(in + plen, fill, count);
    memcpy(in + plen + count, suffix, slen);
    feed_whole(in, n, lim, &last);
    /* The verdict must not depend on how bytes arrive: random chunks, and
     * splits around the limit.  (Byte by byte would be quadratic here.) */
    kvd_buf_t t = KVD_BUF_INIT;
    size_t max = 512;
    feed(in, n, chunk_random, &max, lim, &t);
    assert_same(&last, &t, "in random chunks", 0);
    size_t lmax = lim->max_inline_len;
    const size_t splits[] = {1, 2, plen, plen + 1, lmax - 1, lmax, lmax + 1, lmax + 2, n - 2, n - 1};
    for (size_t i = 0; i < KVD_ARRAY_LEN(splits); i++) {
        size_t first = splits[i];
        if (first == 0 || first >= n)
            continue;
        feed(in, n, chunk_split, &first, lim, &t);
        assert_same(&last, &t, "in two at", splits[i]);
    }
    kvd_buf_free(&t);
    free(in);
    return kvd_buf_cstr(&last);
}

START_TEST(too_big_lines)
{
    const kvd_resp_limits_t *L = &redis_limits;
    const size_t max = 64 * 1024;
    /* Header line: the '\r' must be among the first max + 1 bytes. */
    ck_assert_str_eq(parse_padded("*", 1, '1', max - 1, "", 0, L), "A65536");
    ck_assert_str_eq(parse_padded("*", 1, '1', max, "", 0, L),
                     "E:Protocol error: too big mbulk count string");
    ck_assert_str_eq(parse_padded("*", 1, '1', max - 1, "\r\n", 2, L),
                     "E:Protocol error: invalid multibulk length");
    ck_assert_str_eq(parse_padded("*", 1, '1', max, "\r\n", 2, L),
                     "E:Protocol error: too big mbulk count string");
    ck_assert_str_eq(parse_padded("*1\r\n$", 5, '1', max, "", 0, L),
                     "E:Protocol error: too big bulk count string");
    ck_assert_str_eq(parse_padded("*1\r\n$", 5, '1', max - 1, "", 0, L), "A65540");
    /* Inline: the '\n' must be among the first max + 1 bytes. */
    ck_assert_str_eq(parse_padded("", 0, 'P', max, "", 0, L), "A65536");
    ck_assert_str_eq(parse_padded("", 0, 'P', max + 1, "", 0, L),
                     "E:Protocol error: too big inline request");
    ck_assert_str_eq(parse_padded("", 0, 'P', 3, "\n", 1, L), "C1:3:PPP,A0");
    feed_whole("", 0, L, &last);
    ck_assert_str_eq(kvd_buf_cstr(&last), "A0");
}
END_TEST

START_TEST(inline_line_of_max_length)
{
    const size_t max = 64 * 1024;
    const char *t = parse_padded("", 0, 'P', max, "\n", 1, &redis_limits);
    ck_assert_uint_eq(last.len, strlen("C1:65536:") + max + strlen(",A0"));
    ck_assert(strncmp(t, "C1:65536:PPP", 12) == 0);
    t = parse_padded("", 0, 'P', max + 1, "\n", 1, &redis_limits);
    ck_assert_str_eq(t, "E:Protocol error: too big inline request");
}
END_TEST

START_TEST(nul_hides_line_end)
{
    /* Redis looks for line ends with strchr(): a NUL stops the search, so
     * it waits until the size limit fails the line. */
    static const char m1[] = "*1\0\r\n$4\r\nPING\r\n", m2[] = "*1\r\n\0$4\r\nPING\r\n";
    static const char m3[] = "*1\r\n$4\0\r\nPING\r\n", m4[] = "*1\r\nX\0\r\n";
    static const char i1[] = "PI\0NG\r\n", i2[] = "\0PING\n", ok[] = "*1\r\n$4\r\nPI\0G\r\n";
    ck_assert_str_eq(parse_n(m1, sizeof(m1) - 1, &redis_limits), "A15");
    ck_assert_str_eq(parse_n(m2, sizeof(m2) - 1, &redis_limits), "A15");
    ck_assert_str_eq(parse_n(m3, sizeof(m3) - 1, &redis_limits), "A15");
    ck_assert_str_eq(parse_n(m4, sizeof(m4) - 1, &redis_limits), "A8");
    ck_assert_str_eq(parse_n(i1, sizeof(i1) - 1, &redis_limits), "A7");
    ck_assert_str_eq(parse_n(i2, sizeof(i2) - 1, &redis_limits), "A6");
    ck_assert_uint_eq(strlen(parse_n(ok, sizeof(ok) - 1, &redis_limits)), 7);
    ck_assert(memcmp(last.data, "C1:4:PI\0G,A0", 12) == 0);
    const size_t max = 64 * 1024;
    ck_assert_str_eq(parse_padded("*1\0", 3, '\r', max, "", 0, &redis_limits),
                     "E:Protocol error: too big mbulk count string");
    ck_assert_str_eq(parse_padded("*1\r\n$4\0", 7, '\n', max, "", 0, &redis_limits),
                     "E:Protocol error: too big bulk count string");
    ck_assert_str_eq(parse_padded("\0", 1, '\n', max, "", 0, &redis_limits),
                     "E:Protocol error: too big inline request");
    ck_assert_str_eq(parse_padded("$\0", 2, '\n', max - 2, "", 0, &redis_limits), "A65536");
}
END_TEST

START_TEST(error_is_sticky)
{
    kvd_resp_parser_t p;
    kvd_argv_t argv = KVD_ARGV_INIT;
    char in[] = "*x\r\n*1\r\n$4\r\nPING\r\n";
    kvd_resp_parser_init(&p);
    ck_assert_int_eq(kvd_resp_parse(&p, in, sizeof(in) - 1, &argv, &redis_limits), KVD_RESP_ERROR);
    ck_assert_str_eq(p.error, "Protocol error: invalid multibulk length");
    ck_assert_int_eq(kvd_resp_parse(&p, in + 4, sizeof(in) - 5, &argv, &redis_limits),
                     KVD_RESP_ERROR);
    kvd_resp_parser_init(&p);
    ck_assert_int_eq(kvd_resp_parse(&p, in + 4, sizeof(in) - 5, &argv, &redis_limits), KVD_RESP_OK);
    ck_assert_int_eq(argv.argc, 1);
    ck_assert_str_eq(argv.v[0].ptr, "PING");
    kvd_argv_free(&argv);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Inline.                                                              */

/* Parse `line` + "\r\n" inline; the transcript of its one command. */
static const char *inline_of(const char *line, size_t n)
{
    char *in = malloc(n + 2);
    memcpy(in, line, n);
    memcpy(in + n, "\r\n", 2);
    const char *t = parse_n(in, n + 2, &redis_limits);
    free(in);
    return t;
}

#define INLINE(lit) inline_of(lit, sizeof(lit) - 1)
#define UNBALANCED "E:Protocol error: unbalanced quotes in request"

START_TEST(inline_basic)
{
    ck_assert_str_eq(PARSE("PING\r\n"), "C1:4:PING,A0");
    ck_assert_str_eq(PARSE("PING\n"), "C1:4:PING,A0");
    ck_assert_str_eq(PARSE("set k  v\r\n"), "C3:3:set,1:k,1:v,A0");
    ck_assert_str_eq(PARSE("\r\n"), "C0:A0");
    ck_assert_str_eq(PARSE("\n"), "C0:A0");
    ck_assert_str_eq(PARSE(" \t \r\n"), "C0:A0");
    ck_assert_str_eq(PARSE("\n\n  \r\nPING\n"), "C0:C0:C0:C1:4:PING,A0");
    ck_assert_str_eq(PARSE("PING"), "A4");
    ck_assert_str_eq(PARSE("PING\r"), "A5");
    /* A lone CR is a separator inside the line; only CR LF ends it. */
    ck_assert_str_eq(PARSE("a\rb\n"), "C2:1:a,1:b,A0");
    ck_assert_str_eq(PARSE("a\r\r\n"), "C1:1:a,A0");
    ck_assert_str_eq(PARSE("$4\r\n"), "C1:2:$4,A0");
}
END_TEST

START_TEST(inline_quoting)
{
    /* Each expected result was read back from redis-server 7.0.15. */
    ck_assert_str_eq(INLINE("\"a b\" c"), "C2:3:a b,1:c,A0");
    ck_assert_str_eq(INLINE("'a b' c"), "C2:3:a b,1:c,A0");
    ck_assert_str_eq(INLINE("\"a\\nb\\r\\t\\b\\a\\\\\\\"z\""), "C1:10:a\nb\r\t\b\a\\\"z,A0");
    ck_assert_str_eq(INLINE("\"\\x41\\x4a\\x4G\\xzz\""), "C1:8:AJx4Gxzz,A0");
    ck_assert_str_eq(INLINE("'it\\'s' 'a\\b'"), "C2:4:it's,3:a\\b,A0");
    ck_assert_str_eq(INLINE("foo\"bar baz\" qux"), "C2:10:foobar baz,3:qux,A0");
    ck_assert_str_eq(INLINE("foo'bar'"), "C1:6:foobar,A0");
    ck_assert_str_eq(INLINE("a\vb \vc\f"), "C2:3:a\vb,2:c\f,A0");
    ck_assert_str_eq(INLINE("\"a\"\vb"), "C2:1:a,1:b,A0");
    ck_assert_str_eq(INLINE("\"a\"\tb"), "C2:1:a,1:b,A0");
    ck_assert_str_eq(INLINE("\"\""), "C1:0:,A0");
    ck_assert_str_eq(INLINE("''"), "C1:0:,A0");
    ck_assert_str_eq(INLINE("\"\" ''"), "C2:0:,0:,A0");
    ck_assert_str_eq(INLINE("\"a\rb\""), "C1:3:a\rb,A0");
    ck_assert_str_eq(INLINE("\"\\x\""), "C1:1:x,A0");
    ck_assert_str_eq(INLINE("\"\\x4\""), "C1:2:x4,A0");
    ck_assert_str_eq(INLINE("\\x41"), "C1:4:\\x41,A0");
    ck_assert_str_eq(INLINE("\"\\q\""), "C1:1:q,A0");
    ck_assert_str_eq(INLINE("'\\\\x'"), "C1:3:\\\\x,A0");
}
END_TEST

START_TEST(inline_quoting_binary)
{
    const char *t = INLINE("\"\\x00z\" \"\\xff\\xFe\"");
    static const char want[] = "C2:2:\0z,2:\xff\xfe,A0";
    ck_assert_uint_eq(last.len, sizeof(want) - 1);
    ck_assert(memcmp(t, want, sizeof(want) - 1) == 0);
}
END_TEST

START_TEST(inline_unbalanced)
{
    ck_assert_str_eq(INLINE("foo\"bar baz\"qux"), UNBALANCED);
    ck_assert_str_eq(INLINE("\"a\"b"), UNBALANCED);
    ck_assert_str_eq(INLINE("'a'b"), UNBALANCED);
    ck_assert_str_eq(INLINE("\"abc"), UNBALANCED);
    ck_assert_str_eq(INLINE("'abc"), UNBALANCED);
    ck_assert_str_eq(INLINE("\"abc\\"), UNBALANCED);
    ck_assert_str_eq(INLINE("'\\\\'"), UNBALANCED);
    ck_assert_str_eq(INLINE("'\\'"), UNBALANCED);
    ck_assert_str_eq(INLINE("\"x\\\""), UNBALANCED);
    ck_assert_str_eq(INLINE("\""), UNBALANCED);
    ck_assert_str_eq(INLINE("ok \"\"\"test-key\"\"\" v"), UNBALANCED);
    /* The commands before the bad line still run. */
    ck_assert_str_eq(PARSE("PING\r\n\"x\r\nPING\r\n"), "C1:4:PING," UNBALANCED);
}
END_TEST

START_TEST(split_inline_api)
{
    kvd_argv_t argv = KVD_ARGV_INIT;
    char line[] = "  set \"a\\x20b\" 'c d'  x";
    ck_assert_int_eq(kvd_resp_split_inline(line, strlen(line), &argv), 4);
    ck_assert_int_eq(argv.argc, 4);
    ck_assert_str_eq(argv.v[0].ptr, "set");
    ck_assert_str_eq(argv.v[1].ptr, "a b");
    ck_assert_str_eq(argv.v[2].ptr, "c d");
    ck_assert_str_eq(argv.v[3].ptr, "x");
    ck_assert_uint_eq(argv.v[3].len, 1);
    /* A NUL ends the line, as in sdssplitargs(). */
    char withnul[] = "a b\0c d";
    ck_assert_int_eq(kvd_resp_split_inline(withnul, sizeof(withnul) - 1, &argv), 2);
    char bad[] = "a \"b";
    ck_assert_int_eq(kvd_resp_split_inline(bad, strlen(bad), &argv), -1);
    ck_assert_int_eq(argv.argc, 0);
    char empty[] = "";
    ck_assert_int_eq(kvd_resp_split_inline(empty, 0, &argv), 0);
    kvd_argv_free(&argv);
    ck_assert_ptr_null(argv.v);
}
END_TEST

/* ------------------------------------------------------------------ */
/* argv management and the want hint.                                    */

START_TEST(argv_reused_and_grown)
{
    kvd_resp_parser_t p;
    kvd_argv_t argv = KVD_ARGV_INIT;
    kvd_resp_parser_init(&p);
    char cmd3[] = "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n";
    ck_assert_int_eq(kvd_resp_parse(&p, cmd3, strlen(cmd3), &argv, &redis_limits), KVD_RESP_OK);
    kvd_arg_t *first = argv.v;
    int cap = argv.cap;
    char cmd2[] = "*2\r\n$1\r\na\r\n$1\r\nb\r\n";
    ck_assert_int_eq(kvd_resp_parse(&p, cmd2, strlen(cmd2), &argv, &redis_limits), KVD_RESP_OK);
    ck_assert_ptr_eq(argv.v, first);
    ck_assert_int_eq(argv.cap, cap);
    /* A forged huge count reserves a bounded array. */
    char huge[] = "*2147483647\r\n";
    ck_assert_int_eq(kvd_resp_parse(&p, huge, strlen(huge), &argv, &redis_limits), KVD_RESP_AGAIN);
    ck_assert_int_le(argv.cap, 1024);
    kvd_argv_free(&argv);

    /* 5000 arguments: grows geometrically past the reservation. */
    kvd_buf_t in = KVD_BUF_INIT;
    kvd_buf_printf(&in, "*5000\r\n");
    for (int i = 0; i < 5000; i++)
        kvd_buf_printf(&in, "$%d\r\n%d\r\n", i < 10 ? 1 : i < 100 ? 2 : i < 1000 ? 3 : 4, i);
    kvd_resp_parser_init(&p);
    ck_assert_int_eq(kvd_resp_parse(&p, in.data, in.len, &argv, &redis_limits), KVD_RESP_OK);
    ck_assert_int_eq(argv.argc, 5000);
    ck_assert_int_ge(argv.cap, 5000);
    ck_assert_int_lt(argv.cap, 10000);
    ck_assert_str_eq(argv.v[4999].ptr, "4999");
    ck_assert_uint_eq(p.consumed, in.len);
    kvd_argv_free(&argv);
    kvd_buf_free(&in);
}
END_TEST

START_TEST(want_hint_for_big_bulk)
{
    kvd_resp_parser_t p;
    kvd_argv_t argv = KVD_ARGV_INIT;
    kvd_resp_parser_init(&p);
    size_t n = 4 + 9 + 100000 + 2;
    char *in = malloc(n);
    memcpy(in, "*1\r\n$100000\r\n", 13);
    memset(in + 13, 'v', 100000);
    memcpy(in + n - 2, "\r\n", 2);
    ck_assert_int_eq(kvd_resp_parse(&p, in, 20, &argv, &redis_limits), KVD_RESP_AGAIN);
    ck_assert_uint_eq(p.want, n);
    ck_assert_int_eq(kvd_resp_parse(&p, in, n - 1, &argv, &redis_limits), KVD_RESP_AGAIN);
    ck_assert_uint_eq(p.want, n);
    ck_assert_int_eq(kvd_resp_parse(&p, in, n, &argv, &redis_limits), KVD_RESP_OK);
    ck_assert_uint_eq(p.consumed, n);
    ck_assert_uint_eq(argv.v[0].len, 100000);
    /* Unknown while a header is incomplete. */
    ck_assert_int_eq(kvd_resp_parse(&p, in, 8, &argv, &redis_limits), KVD_RESP_AGAIN);
    ck_assert_uint_eq(p.want, 0);
    free(in);
    kvd_argv_free(&argv);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Pipelines of random mixed commands, fed in every way.                  */

typedef struct {
    kvd_buf_t wire;   /* what the client sends */
    kvd_buf_t expect; /* the transcript the parser must produce */
    size_t max_arg;   /* longest ordinary argument */
    bool big;         /* also bulks of 1000..4000 bytes */
} pipeline_t;

/* Binary-heavy payload bytes: CR, LF, NUL, '$', '*' show up often. */
static char payload_byte(void)
{
    static const char special[] = "\r\n\0$*\"' \\";
    return rnd_below(3) == 0 ? special[rnd_below(sizeof(special) - 1)] : (char)rnd_below(256);
}

static void gen_multibulk(pipeline_t *pl)
{
    int argc = rnd_below(10) == 0 ? 0 : 1 + (int)rnd_below(pl->big ? 6 : 3);
    if (argc == 0) {
        kvd_buf_append_str(&pl->wire, rnd_below(2) ? "*0\r\n" : "*-1\r\n");
        kvd_buf_append_str(&pl->expect, "C0:");
        return;
    }
    kvd_buf_printf(&pl->wire, "*%d\r\n", argc);
    kvd_buf_printf(&pl->expect, "C%d:", argc);
    for (int i = 0; i < argc; i++) {
        size_t n = pl->big && rnd_below(50) == 0 ? 1000 + rnd_below(3000) : rnd_below(pl->max_arg + 1);
        /* Redis skips the byte after a header's CR without checking it. */
        kvd_buf_printf(&pl->wire, "$%zu\r%c", n, rnd_below(20) ? '\n' : 'x');
        kvd_buf_printf(&pl->expect, "%zu:", n);
        for (size_t j = 0; j < n; j++) {
            char c = payload_byte();
            kvd_buf_append_char(&pl->wire, c);
            kvd_buf_append_char(&pl->expect, c);
        }
        kvd_buf_append_str(&pl->wire, rnd_below(20) ? "\r\n" : "??");
        kvd_buf_append_char(&pl->expect, ',');
    }
}

/* One inline argument in a random quoting style; its value goes to `val`. */
static void gen_inline_arg(kvd_buf_t *w, kvd_buf_t *val)
{
    static const char bare[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.{}";
    size_t n = rnd_below(12);
    int style = (int)rnd_below(4);
    if (style == 0 && n == 0)
        n = 1; /* a bare argument cannot be empty */
    if (style == 3) { /* bare prefix running into a double-quoted part */
        size_t prefix = 1 + rnd_below(3);
        for (size_t i = 0; i < prefix; i++) {
            char c = bare[rnd_below(sizeof(bare) - 1)];
            kvd_buf_append_char(w, c);
            kvd_buf_append_char(val, c);
        }
    }
    if (style != 0)
        kvd_buf_append_char(w, style == 2 ? '\'' : '"');
    for (size_t i = 0; i < n; i++) {
        char c;
        if (style == 0) {
            c = bare[rnd_below(sizeof(bare) - 1)];
            kvd_buf_append_char(w, c);
        } else if (style == 2) {
            c = (char)(' ' + rnd_below(95)); /* printable, no backslash: it could escape the closing quote */
            if (c == '\\')
                c = '/';
            if (c == '\'')
                kvd_buf_append_char(w, '\\');
            kvd_buf_append_char(w, c);
        } else {
            c = payload_byte();
            static const char esc_from[] = "\n\r\t\b\a\"\\", esc_to[] = "nrtba\"\\";
            const char *e = c != '\0' ? strchr(esc_from, c) : NULL;
            if (e != NULL && rnd_below(4) != 0)
                kvd_buf_printf(w, "\\%c", esc_to[e - esc_from]);
            else if (c == '\0' || c == '\n' || c == '"' || c == '\\' || rnd_below(8) == 0)
                kvd_buf_printf(w, rnd_below(2) ? "\\x%02x" : "\\x%02X", (unsigned)(unsigned char)c);
            else
                kvd_buf_append_char(w, c);
        }
        kvd_buf_append_char(val, c);
    }
    if (style != 0)
        kvd_buf_append_char(w, style == 2 ? '\'' : '"');
}

static void gen_inline(pipeline_t *pl)
{
    static const char *const blanks[] = {" ", "\t", "  ", " \v", "\t\f ", " \r "};
    int argc = rnd_below(8) == 0 ? 0 : 1 + (int)rnd_below(5);
    kvd_buf_t args = KVD_BUF_INIT;
    if (rnd_below(4) == 0)
        kvd_buf_append_str(&pl->wire, blanks[rnd_below(KVD_ARRAY_LEN(blanks))]);
    for (int i = 0; i < argc; i++) {
        kvd_buf_t val = KVD_BUF_INIT;
        if (i > 0)
            kvd_buf_append_str(&pl->wire, blanks[rnd_below(KVD_ARRAY_LEN(blanks))]);
        gen_inline_arg(&pl->wire, &val);
        kvd_buf_printf(&args, "%zu:", val.len);
        kvd_buf_append(&args, val.data, val.len);
        kvd_buf_append_char(&args, ',');
        kvd_buf_free(&val);
    }
    if (rnd_below(4) == 0)
        kvd_buf_append_char(&pl->wire, ' ');
    kvd_buf_append_str(&pl->wire, rnd_below(2) ? "\r\n" : "\n");
    kvd_buf_printf(&pl->expect, "C%d:", argc);
    kvd_buf_append(&pl->expect, args.data, args.len);
    kvd_buf_free(&args);
}

static void gen_pipeline(pipeline_t *pl, int commands, size_t max_arg, bool big)
{
    kvd_buf_init(&pl->wire);
    kvd_buf_init(&pl->expect);
    pl->max_arg = max_arg;
    pl->big = big;
    for (int i = 0; i < commands; i++) {
        if (rnd_below(3) == 0)
            gen_inline(pl);
        else
            gen_multibulk(pl);
    }
    kvd_buf_append_str(&pl->expect, "A0");
}

static void free_pipeline(pipeline_t *pl)
{
    kvd_buf_free(&pl->wire);
    kvd_buf_free(&pl->expect);
}

START_TEST(pipeline_split_everywhere)
{
    rng_for(1);
    pipeline_t pl;
    /* Compact commands: every split point costs a whole run. */
    gen_pipeline(&pl, 1000, 12, false);
    printf("split_everywhere: %zu bytes\n", pl.wire.len);
    kvd_buf_t t = KVD_BUF_INIT;
    feed_whole(pl.wire.data, pl.wire.len, &redis_limits, &t);
    assert_same(&pl.expect, &t, "whole", 0);
    assert_split_invariant(pl.wire.data, pl.wire.len, &redis_limits, &pl.expect);
    kvd_buf_free(&t);
    free_pipeline(&pl);
}
END_TEST

START_TEST(pipeline_random_chunks)
{
    rng_for(2);
    kvd_buf_t t = KVD_BUF_INIT;
    for (int round = 0; round < 40; round++) {
        pipeline_t pl;
        gen_pipeline(&pl, 1000 + (int)rnd_below(500), 40, true);
        size_t max = 1 + rnd_below(8192);
        feed(pl.wire.data, pl.wire.len, chunk_random, &max, &redis_limits, &t);
        assert_same(&pl.expect, &t, "in random chunks, round", (size_t)round);
        free_pipeline(&pl);
    }
    kvd_buf_free(&t);
}
END_TEST

/* Each call returns exactly one command of a pipeline held in one buffer. */
START_TEST(pipeline_one_command_per_call)
{
    kvd_buf_t in = KVD_BUF_INIT;
    for (int i = 0; i < 10000; i++)
        kvd_buf_printf(&in, i % 2 ? "*2\r\n$3\r\nGET\r\n$%d\r\nk%d\r\n" : "GET k%d\r\n",
                       i % 2 ? (i < 10 ? 2 : i < 100 ? 3 : i < 1000 ? 4 : 5) : i, i);
    kvd_resp_parser_t p;
    kvd_argv_t argv = KVD_ARGV_INIT;
    kvd_resp_parser_init(&p);
    size_t start = 0;
    for (int i = 0; i < 10000; i++) {
        REQUIRE(kvd_resp_parse(&p, in.data + start, in.len - start, &argv, &redis_limits) ==
                KVD_RESP_OK);
        char key[16];
        snprintf(key, sizeof(key), "k%d", i);
        REQUIRE(argv.argc == 2);
        REQUIRE(strcmp(argv.v[1].ptr, key) == 0);
        start += p.consumed;
    }
    REQUIRE(start == in.len);
    kvd_argv_free(&argv);
    kvd_buf_free(&in);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fuzz: random and mutated input never crashes, and is split-invariant. */

static void fuzz_input(kvd_buf_t *in)
{
    static const char alphabet[] = "*$-0123456789\r\n \t\"'\\xaF";
    kvd_buf_clear(in);
    size_t n = rnd_below(300);
    for (size_t i = 0; i < n; i++) {
        int kind = (int)rnd_below(4);
        if (kind == 0)
            kvd_buf_append_char(in, (char)rnd_below(256));
        else if (kind == 3 && rnd_below(8) == 0)
            kvd_buf_append_char(in, '\0');
        else
            kvd_buf_append_char(in, alphabet[rnd_below(sizeof(alphabet) - 1)]);
    }
}

static void fuzz_mutation(kvd_buf_t *in)
{
    pipeline_t pl;
    gen_pipeline(&pl, 1 + (int)rnd_below(20), 20, false);
    kvd_buf_clear(in);
    kvd_buf_append(in, pl.wire.data, pl.wire.len);
    free_pipeline(&pl);
    for (size_t k = rnd_below(4); k > 0 && in->len > 0; k--) {
        size_t at = rnd_below(in->len);
        if (rnd_below(2) == 0)
            in->data[at] = (char)rnd_below(256);
        else
            in->len = at; /* truncate */
    }
}

START_TEST(fuzz_never_crashes_and_agrees)
{
    rng_for(3);
    /* Small limits, so the limit paths are fuzzed too. */
    kvd_resp_limits_t small = {
        .max_bulk_len = 64, .max_multibulk_len = 8, .max_inline_len = 24, .unauthenticated = false};
    kvd_buf_t in = KVD_BUF_INIT, whole = KVD_BUF_INIT, t = KVD_BUF_INIT;
    for (int round = 0; round < 20000; round++) {
        if (round % 2)
            fuzz_input(&in);
        else
            fuzz_mutation(&in);
        const kvd_resp_limits_t *lim = round % 3 ? &redis_limits : &small;
        small.unauthenticated = round % 5 == 0;
        feed_whole(in.data, in.len, lim, &whole);
        size_t max = 1 + rnd_below(64);
        feed(in.data, in.len, chunk_random, &max, lim, &t);
        assert_same(&whole, &t, "in random chunks, fuzz round", (size_t)round);
        if (round % 100 == 0) {
            feed(in.data, in.len, chunk_one, NULL, lim, &t);
            assert_same(&whole, &t, "byte by byte, fuzz round", (size_t)round);
        }
    }
    kvd_buf_free(&in);
    kvd_buf_free(&whole);
    kvd_buf_free(&t);
}
END_TEST

START_TEST(fuzz_split_inline)
{
    rng_for(4);
    kvd_argv_t argv = KVD_ARGV_INIT;
    for (int round = 0; round < 50000; round++) {
        size_t n = rnd_below(40);
        char *line = malloc(n + 1); /* line[n] is writable, as the contract asks */
        static const char alphabet[] = "ab \t\v\"'\\x0F\r\n";
        for (size_t i = 0; i < n; i++)
            line[i] = rnd_below(6) ? alphabet[rnd_below(sizeof(alphabet) - 1)] : (char)rnd_below(256);
        int argc = kvd_resp_split_inline(line, n, &argv);
        REQUIRE(argc >= -1 && argc <= (int)n);
        for (int i = 0; i < (argc > 0 ? argc : 0); i++) {
            REQUIRE(argv.v[i].ptr >= line && argv.v[i].ptr + argv.v[i].len <= line + n);
            REQUIRE(argv.v[i].ptr[argv.v[i].len] == '\0');
        }
        free(line);
    }
    kvd_argv_free(&argv);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reply encoders.                                                      */

static kvd_buf_t out;

static void setup_out(void)
{
    kvd_buf_init(&out);
}

static void teardown_out(void)
{
    kvd_buf_free(&out);
}

static const char *out_str(void)
{
    return kvd_buf_cstr(&out);
}

START_TEST(reply_simple_types)
{
    kvd_reply_simple(&out, "PONG");
    kvd_reply_ok(&out);
    kvd_reply_int(&out, 0);
    kvd_reply_int(&out, -42);
    kvd_reply_int(&out, INT64_MAX);
    kvd_reply_int(&out, INT64_MIN);
    kvd_reply_null(&out);
    kvd_reply_null_array(&out);
    kvd_reply_array(&out, 0);
    kvd_reply_array(&out, 3);
    kvd_reply_raw(&out, "+raw\r\n", 6);
    ck_assert_str_eq(out_str(), "+PONG\r\n+OK\r\n:0\r\n:-42\r\n:9223372036854775807\r\n"
                                ":-9223372036854775808\r\n$-1\r\n*-1\r\n*0\r\n*3\r\n+raw\r\n");
    kvd_buf_clear(&out);
    kvd_reply_simple(&out, "a\r\nb");
    ck_assert_str_eq(out_str(), "+a  b\r\n");
}
END_TEST

START_TEST(reply_bulks)
{
    kvd_reply_bulk(&out, "a\0b\r\n", 5);
    kvd_reply_bulk(&out, "", 0);
    kvd_reply_bulk(&out, NULL, 0);
    kvd_reply_bulk_str(&out, "hello");
    kvd_reply_bulk_int(&out, -1234567890123LL);
    kvd_reply_bulk_int(&out, 0);
    static const char want[] = "$5\r\na\0b\r\n\r\n$0\r\n\r\n$0\r\n\r\n$5\r\nhello\r\n"
                               "$14\r\n-1234567890123\r\n$1\r\n0\r\n";
    ck_assert_uint_eq(out.len, sizeof(want) - 1);
    ck_assert(memcmp(out.data, want, out.len) == 0);
    /* A big bulk. */
    kvd_buf_clear(&out);
    char *big = malloc(1 << 20);
    memset(big, 'z', 1 << 20);
    kvd_reply_bulk(&out, big, 1 << 20);
    ck_assert_uint_eq(out.len, 1 + 7 + 2 + (1 << 20) + 2);
    ck_assert(memcmp(out.data, "$1048576\r\nzzz", 13) == 0);
    ck_assert(memcmp(out.data + out.len - 3, "z\r\n", 3) == 0);
    free(big);
}
END_TEST

START_TEST(reply_errors)
{
    kvd_reply_error(&out, "ERR wrong number of arguments for 'get' command");
    ck_assert_str_eq(out_str(), "-ERR wrong number of arguments for 'get' command\r\n");
    kvd_buf_clear(&out);
    kvd_reply_error(&out, "ERR a\r\nb\nc\r");
    ck_assert_str_eq(out_str(), "-ERR a  b c \r\n");
    kvd_buf_clear(&out);
    kvd_reply_error(&out, "-ERR already dashed");
    ck_assert_str_eq(out_str(), "-ERR already dashed\r\n");
    kvd_buf_clear(&out);
    /* Formatted: trimmed at both ends first, like addReplyErrorFormat(). */
    kvd_reply_errorf(&out, "ERR %s", "Protocol error: expected '$', got '\r'");
    ck_assert_str_eq(out_str(), "-ERR Protocol error: expected '$', got ' '\r\n");
    kvd_buf_clear(&out);
    kvd_reply_errorf(&out, "\r\nERR %s %d\n\r", "x\ny", 7);
    ck_assert_str_eq(out_str(), "-ERR x y 7\r\n");
    kvd_buf_clear(&out);
    kvd_reply_errorf(&out, "%s", "\r\n");
    ck_assert_str_eq(out_str(), "-\r\n");
}
END_TEST

START_TEST(reply_error_long)
{
    char arg[1000];
    memset(arg, 'q', sizeof(arg) - 1);
    arg[sizeof(arg) - 1] = '\0';
    arg[500] = '\n';
    kvd_reply_errorf(&out, "ERR unknown command '%s'", arg);
    ck_assert_uint_eq(out.len, 1 + 4 + 17 + 999 + 1 + 2);
    ck_assert(memchr(out.data, '\n', out.len - 1) == NULL);
    ck_assert(memcmp(out.data + out.len - 3, "'\r\n", 3) == 0);
}
END_TEST

static const char *double_reply(double d)
{
    kvd_buf_clear(&out);
    kvd_reply_bulk_double(&out, d);
    return out_str();
}

START_TEST(reply_doubles)
{
    /* Texts read back from redis-server 7.0.15 with ZADD/ZSCORE. */
    ck_assert_str_eq(double_reply(1e20), "$5\r\n1e+20\r\n");
    ck_assert_str_eq(double_reply(1.5), "$3\r\n1.5\r\n");
    ck_assert_str_eq(double_reply(3.0), "$1\r\n3\r\n");
    ck_assert_str_eq(double_reply(INFINITY), "$3\r\ninf\r\n");
    ck_assert_str_eq(double_reply(-INFINITY), "$4\r\n-inf\r\n");
    ck_assert_str_eq(double_reply(1.1), "$18\r\n1.1000000000000001\r\n");
    ck_assert_str_eq(double_reply(0.1), "$19\r\n0.10000000000000001\r\n");
    ck_assert_str_eq(double_reply(-0.0), "$2\r\n-0\r\n");
    ck_assert_str_eq(double_reply(0.0), "$1\r\n0\r\n");
    ck_assert_str_eq(double_reply(1e-300), "$6\r\n1e-300\r\n");
    ck_assert_str_eq(double_reply(123456789012345678.0), "$22\r\n1.2345678901234568e+17\r\n");
    ck_assert_str_eq(double_reply(5e-324), "$23\r\n4.9406564584124654e-324\r\n");
    ck_assert_str_eq(double_reply(1.7976931348623157e308), "$23\r\n1.7976931348623157e+308\r\n");
    ck_assert_str_eq(double_reply(NAN), "$3\r\nnan\r\n");
}
END_TEST

START_TEST(ll2str_matches_printf)
{
    rng_for(5);
    static const int64_t fixed[] = {0, 1, -1, 9, 10, 11, 99, 100, 101, 999, 1000, -9, -10, -99, -100,
                                    INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
                                    1000000000000000000LL, -1000000000000000000LL,
                                    999999999999999999LL};
    char got[21], want[32];
    for (size_t i = 0; i < KVD_ARRAY_LEN(fixed) + 200000; i++) {
        int64_t v;
        if (i < KVD_ARRAY_LEN(fixed))
            v = fixed[i];
        else /* all magnitudes: shift a random word right by 0..63 */
            v = (int64_t)(rnd() >> rnd_below(64)) * (rnd_below(2) ? 1 : -1);
        size_t n = kvd_ll2str(got, v);
        int m = snprintf(want, sizeof(want), "%lld", (long long)v);
        REQUIRE(n == (size_t)m);
        if (strcmp(got, want) != 0)
            ck_abort_msg("kvd_ll2str gave %s for %s", got, want);
    }
    /* Every digit count's edges: 10^k - 1, 10^k and 10^k + 1. */
    int64_t p = 1;
    for (int k = 0; k <= 18; k++) {
        for (int64_t v = p - 1; v <= p + 1; v++) {
            size_t n = kvd_ll2str(got, v);
            REQUIRE(n == (size_t)snprintf(want, sizeof(want), "%lld", (long long)v));
            REQUIRE(strcmp(got, want) == 0);
        }
        if (k < 18)
            p *= 10;
    }
}
END_TEST

START_TEST(reply_defer)
{
    kvd_reply_simple(&out, "before");
    size_t outer = kvd_reply_defer(&out);
    kvd_reply_bulk_str(&out, "a");
    size_t inner = kvd_reply_defer(&out);
    kvd_reply_int(&out, 1);
    kvd_reply_int(&out, 2);
    kvd_reply_set_array_len(&out, inner, 2);
    kvd_reply_set_array_len(&out, outer, 2);
    size_t empty = kvd_reply_defer(&out);
    kvd_reply_set_array_len(&out, empty, 0);
    size_t many = kvd_reply_defer(&out);
    for (int i = 0; i < 12; i++)
        kvd_reply_null(&out);
    kvd_reply_set_array_len(&out, many, 12);
    kvd_buf_t want = KVD_BUF_INIT;
    kvd_buf_append_str(&want, "+before\r\n*2\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n*0\r\n*12\r\n");
    for (int i = 0; i < 12; i++)
        kvd_buf_append_str(&want, "$-1\r\n");
    ck_assert_str_eq(out_str(), kvd_buf_cstr(&want));
    kvd_buf_free(&want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Throughput (printed only with KVD_RESP_BENCH=1).                      */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse `in` `rounds` times (from a fresh copy: parsing writes NULs); prints the rate. */
static void bench_one(const char *name, const kvd_buf_t *in, int commands, int rounds)
{
    kvd_resp_parser_t p;
    kvd_argv_t argv = KVD_ARGV_INIT;
    char *work = malloc(in->len);
    double spent = 0;
    for (int r = 0; r < rounds; r++) {
        memcpy(work, in->data, in->len);
        double t0 = now_seconds();
        kvd_resp_parser_init(&p);
        size_t start = 0;
        for (int i = 0; i < commands; i++) {
            kvd_resp_status_t st = kvd_resp_parse(&p, work + start, in->len - start, &argv, &redis_limits);
            REQUIRE(st == KVD_RESP_OK);
            start += p.consumed;
        }
        spent += now_seconds() - t0;
        REQUIRE(start == in->len);
    }
    printf("bench: %s: %.0f MB/s, %.1f M commands/s\n", name, (double)in->len * rounds / spent / 1e6,
           (double)commands * rounds / spent / 1e6);
    free(work);
    kvd_argv_free(&argv);
}

START_TEST(bench_parse)
{
    const char *env = getenv("KVD_RESP_BENCH");
    if (env == NULL || *env == '\0' || strcmp(env, "0") == 0)
        return;
    kvd_buf_t in = KVD_BUF_INIT;
    const int commands = 100000;
    for (int i = 0; i < commands; i++)
        kvd_buf_printf(&in, "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$10\r\nvalue%05d\r\n", i, i % 100000);
    bench_one("SET key(16) value(10) multibulk", &in, commands, 50);
    kvd_buf_clear(&in);
    for (int i = 0; i < commands; i++)
        kvd_buf_printf(&in, "*2\r\n$3\r\nGET\r\n$16\r\nkey:%012d\r\n", i);
    bench_one("GET key(16) multibulk", &in, commands, 50);
    kvd_buf_clear(&in);
    for (int i = 0; i < commands; i++)
        kvd_buf_printf(&in, "GET key:%012d\r\n", i);
    bench_one("GET key(16) inline", &in, commands, 50);
    kvd_buf_clear(&in);
    for (int i = 0; i < 1000; i++) {
        kvd_buf_printf(&in, "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$16384\r\n", i);
        kvd_buf_reserve(&in, 16386);
        memset(in.data + in.len, 'v', 16384);
        memcpy(in.data + in.len + 16384, "\r\n", 2);
        in.len += 16386;
    }
    bench_one("SET 16 KiB values", &in, 1000, 50);
    kvd_buf_free(&in);
}
END_TEST

/* ------------------------------------------------------------------ */

static uint64_t read_seed(void)
{
    const char *env = getenv("SEED");
    if (env != NULL && *env != '\0')
        return strtoull(env, NULL, 10);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec;
}

static Suite *resp_suite(void)
{
    Suite *s = suite_create("resp");
    TCase *tc = tcase_create("parser");
    tcase_set_timeout(tc, 300); /* the sanitizer build is slow */
    tcase_add_checked_fixture(tc, NULL, teardown_last);
    tcase_add_test(tc, multibulk_basic);
    tcase_add_test(tc, multibulk_redis_leniency);
    tcase_add_test(tc, multibulk_binary_payloads);
    tcase_add_test(tc, multibulk_count_errors);
    tcase_add_test(tc, bulk_header_errors);
    tcase_add_test(tc, unauthenticated_limits);
    tcase_add_test(tc, too_big_lines);
    tcase_add_test(tc, inline_line_of_max_length);
    tcase_add_test(tc, nul_hides_line_end);
    tcase_add_test(tc, error_is_sticky);
    tcase_add_test(tc, inline_basic);
    tcase_add_test(tc, inline_quoting);
    tcase_add_test(tc, inline_quoting_binary);
    tcase_add_test(tc, inline_unbalanced);
    tcase_add_test(tc, split_inline_api);
    tcase_add_test(tc, argv_reused_and_grown);
    tcase_add_test(tc, want_hint_for_big_bulk);
    suite_add_tcase(s, tc);

    TCase *stream = tcase_create("stream");
    tcase_set_timeout(stream, 600);
    tcase_add_test(stream, pipeline_split_everywhere);
    tcase_add_test(stream, pipeline_random_chunks);
    tcase_add_test(stream, pipeline_one_command_per_call);
    tcase_add_test(stream, fuzz_never_crashes_and_agrees);
    tcase_add_test(stream, fuzz_split_inline);
    tcase_add_test(stream, bench_parse);
    suite_add_tcase(s, stream);

    TCase *reply = tcase_create("reply");
    tcase_add_checked_fixture(reply, setup_out, teardown_out);
    tcase_add_test(reply, reply_simple_types);
    tcase_add_test(reply, reply_bulks);
    tcase_add_test(reply, reply_errors);
    tcase_add_test(reply, reply_error_long);
    tcase_add_test(reply, reply_doubles);
    tcase_add_test(reply, ll2str_matches_printf);
    tcase_add_test(reply, reply_defer);
    suite_add_tcase(s, reply);
    return s;
}

int main(void)
{
    seed = read_seed();
    printf("seed=%llu\n", (unsigned long long)seed);
    fflush(stdout);
    SRunner *sr = srunner_create(resp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (failed != 0)
        printf("replay with SEED=%llu\n", (unsigned long long)seed);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

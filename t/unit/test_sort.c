/*
 * test_sort.c - SORT and SORT_RO driven through kvd_dispatch: every
 * option, error text and edge case as Redis 7.0.15 replies them (each
 * expected reply was checked against redis-server), over lists, sets and
 * sorted sets, plus a seeded randomized run against a model (SEED=n
 * replays it).
 */
#include "harness.h"
#include <inttypes.h>

#include "cmd/command.h"

#define EQ(reply, ...) ck_assert_str_eq(th_run(__VA_ARGS__, NULL), reply)
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define NOT_INT "-ERR value is not an integer or out of range\r\n"
#define NOT_DOUBLE "-ERR One or more scores can't be converted into double\r\n"

/* The RESP array of the given bulk strings ("" stays empty, NULL is nil). */
static const char *arr(int n, ...)
{
    static char out[4096];
    size_t len = (size_t)snprintf(out, sizeof(out), "*%d\r\n", n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *s = va_arg(ap, const char *);
        int w = s == NULL ? snprintf(out + len, sizeof(out) - len, "$-1\r\n")
                          : snprintf(out + len, sizeof(out) - len, "$%zu\r\n%s\r\n", strlen(s), s);
        ck_assert(w > 0 && (size_t)w < sizeof(out) - len);
        len += (size_t)w;
    }
    va_end(ap);
    return out;
}

static bool exists(const char *key)
{
    return kvd_db_find(th_client.db, key, strlen(key)) != NULL;
}

static const char *encoding_of(const char *key)
{
    kvd_entry_t *e = kvd_db_find(th_client.db, key, strlen(key));
    ck_assert_ptr_nonnull(e);
    return kvd_encoding_name(kvd_entry_encoding(e));
}

START_TEST(errors_and_their_order)
{
    EQ("-ERR wrong number of arguments for 'sort' command\r\n", "sort");
    EQ("-ERR wrong number of arguments for 'sort_ro' command\r\n", "sort_ro");
    EQ(":3\r\n", "rpush", "l", "3", "1", "2");
    EQ(SYNTAX, "sort", "l", "foo");
    EQ(SYNTAX, "sort", "l", "by");
    EQ(SYNTAX, "sort", "l", "get");
    EQ(SYNTAX, "sort", "l", "store");
    EQ(SYNTAX, "sort", "l", "limit", "1");
    EQ(SYNTAX, "sort", "l", "limit", "0", "1", "foo");
    EQ(NOT_INT, "sort", "l", "limit", "a", "1");
    EQ(NOT_INT, "sort", "l", "limit", "1", "a");
    /* The first bad option wins. */
    EQ(NOT_INT, "sort", "l", "limit", "x", "1", "foo");
    EQ(SYNTAX, "sort", "l", "foo", "limit", "x", "1");
    /* SORT_RO knows no STORE. */
    EQ(SYNTAX, "sort_ro", "l", "store", "x");
    ck_assert(!exists("x"));
    /* Options are parsed before the key is looked up. */
    EQ("+OK\r\n", "set", "s", "v");
    EQ(WRONGTYPE, "sort", "s");
    EQ(WRONGTYPE, "sort_ro", "s", "by", "nosort");
    EQ(SYNTAX, "sort", "s", "foo");
    EQ(NOT_INT, "sort", "s", "limit", "0", "x");
    EQ(":1\r\n", "hset", "h", "a", "1");
    EQ(WRONGTYPE, "sort", "h");
    EQ(WRONGTYPE, "sort", "h", "store", "dst");
    ck_assert(!exists("dst"));
    /* A missing key sorts as an empty list. */
    EQ("*0\r\n", "sort", "nokey");
    EQ("*0\r\n", "sort_ro", "nokey", "by", "nosort", "get", "#");
}
END_TEST

START_TEST(numeric_alpha_and_limit)
{
    EQ(":6\r\n", "rpush", "l", "3", "1", "2", "10", "-1", "1.5");
    ck_assert_str_eq(th_run("sort", "l", NULL), arr(6, "-1", "1", "1.5", "2", "3", "10"));
    ck_assert_str_eq(th_run("sort", "l", "desc", NULL), arr(6, "10", "3", "2", "1.5", "1", "-1"));
    ck_assert_str_eq(th_run("sort", "l", "alpha", NULL), arr(6, "-1", "1", "1.5", "10", "2", "3"));
    ck_assert_str_eq(th_run("sort_ro", "l", "alpha", "desc", NULL),
                     arr(6, "3", "2", "10", "1.5", "1", "-1"));
    /* The last of ASC / DESC wins. */
    ck_assert_str_eq(th_run("sort", "l", "desc", "asc", "limit", "0", "1", NULL), arr(1, "-1"));
    ck_assert_str_eq(th_run("sort", "l", "limit", "1", "2", NULL), arr(2, "1", "1.5"));
    ck_assert_str_eq(th_run("sort", "l", "limit", "-5", "2", NULL), arr(2, "-1", "1"));
    ck_assert_str_eq(th_run("sort", "l", "limit", "3", "-1", NULL), arr(3, "2", "3", "10"));
    ck_assert_str_eq(th_run("sort", "l", "limit", "0", "1", "limit", "4", "9", NULL),
                     arr(2, "3", "10"));
    EQ("*0\r\n", "sort", "l", "limit", "10", "1");
    EQ("*0\r\n", "sort", "l", "limit", "0", "0");
    /* Huge windows are clamped, never overflow. */
    ck_assert_str_eq(th_run("sort", "l", "limit", "5", "9223372036854775807", NULL), arr(1, "10"));
    EQ("*0\r\n", "sort", "l", "limit", "9223372036854775807", "9223372036854775807");
    ck_assert_str_eq(th_run("sort", "l", "limit", "-9223372036854775808", "-9223372036854775808",
                            NULL),
                     arr(6, "-1", "1", "1.5", "2", "3", "10"));
    /* ALPHA against integer-encoded strings (sort.tcl). */
    EQ(":4\r\n", "lpush", "m", "2", "1", "3", "10");
    ck_assert_str_eq(th_run("sort", "m", "alpha", NULL), arr(4, "1", "10", "2", "3"));
    EQ(":5\r\n", "rpush", "m", "x");
    EQ(NOT_DOUBLE, "sort", "m");
    EQ(NOT_DOUBLE, "sort", "m", "limit", "0", "1");
    EQ(NOT_DOUBLE, "sort", "m", "store", "dst");
    ck_assert(!exists("dst"));
    ck_assert_str_eq(th_run("sort", "m", "alpha", "limit", "4", "1", NULL), arr(1, "x"));
}
END_TEST

START_TEST(by_nosort_keeps_native_order)
{
    EQ(":5\r\n", "lpush", "l", "2", "1", "4", "3", "5");
    ck_assert_str_eq(th_run("sort", "l", "by", "nosort", NULL), arr(5, "5", "3", "4", "1", "2"));
    ck_assert_str_eq(th_run("sort", "l", "by", "nosort", "desc", NULL),
                     arr(5, "2", "1", "4", "3", "5"));
    ck_assert_str_eq(th_run("sort", "l", "by", "nosort", "limit", "1", "2", NULL), arr(2, "3", "4"));
    ck_assert_str_eq(th_run("sort", "l", "by", "nosort", "desc", "limit", "1", "2", NULL),
                     arr(2, "1", "4"));
    EQ("*0\r\n", "sort", "l", "by", "nosort", "limit", "5", "1");
    EQ("*0\r\n", "sort", "l", "by", "nosort", "limit", "2", "0");
    /* ALPHA changes nothing, and nothing needs to be a number. */
    EQ(":6\r\n", "rpush", "l", "x");
    ck_assert_str_eq(th_run("sort", "l", "by", "nokey", "alpha", "limit", "4", "9", NULL),
                     arr(2, "2", "x"));
    /* Once a BY without '*' is seen, a later BY pattern does not sort. */
    ck_assert_str_eq(th_run("sort", "l", "by", "nosort", "by", "w_*", "limit", "0", "2", NULL),
                     arr(2, "5", "3"));
    EQ(":6\r\n", "sort", "l", "by", "nosort", "limit", "0", "3", "get", "#", "get", "#", "store",
       "dst");
    ck_assert_str_eq(th_run("lrange", "dst", "0", "-1", NULL),
                     arr(6, "5", "5", "3", "3", "4", "4"));
}
END_TEST

START_TEST(by_patterns_and_ties)
{
    EQ(":4\r\n", "rpush", "l", "c", "a", "b", "d");
    EQ("+OK\r\n", "mset", "w_a", "2", "w_d", "1");
    /* Missing keys score 0; equal scores sort by the elements' bytes. */
    ck_assert_str_eq(th_run("sort", "l", "by", "w_*", NULL), arr(4, "b", "c", "d", "a"));
    ck_assert_str_eq(th_run("sort", "l", "by", "w_*", "desc", NULL), arr(4, "a", "d", "c", "b"));
    /* ALPHA BY: missing keys first, ties keep the list order (stable). */
    ck_assert_str_eq(th_run("sort", "l", "by", "w_*", "alpha", NULL), arr(4, "c", "b", "d", "a"));
    ck_assert_str_eq(th_run("sort", "l", "by", "w_*", "alpha", "desc", NULL),
                     arr(4, "a", "d", "c", "b"));
    /* Hash fields; a string key under "->field", or a hash without "->", is missing. */
    EQ(":1\r\n", "hset", "o_c", "w", "-5");
    EQ(":1\r\n", "hset", "o_b", "w", "7");
    ck_assert_str_eq(th_run("sort", "l", "by", "o_*->w", NULL), arr(4, "c", "a", "d", "b"));
    ck_assert_str_eq(th_run("sort", "l", "by", "w_*->w", NULL), arr(4, "a", "b", "c", "d"));
    ck_assert_str_eq(th_run("sort", "l", "by", "o_*", "desc", NULL), arr(4, "d", "c", "b", "a"));
    ck_assert_str_eq(th_run("sort", "l", "by", "o_*->x", NULL), arr(4, "a", "b", "c", "d"));
    /* Only the first '*' is replaced. */
    EQ("+OK\r\n", "set", "a*", "9");
    ck_assert_str_eq(th_run("sort", "l", "by", "**", "desc", NULL), arr(4, "a", "d", "c", "b"));
    /* A bad score anywhere fails the whole sort. */
    EQ("+OK\r\n", "set", "w_b", "oops");
    EQ(NOT_DOUBLE, "sort", "l", "by", "w_*", "limit", "0", "1");
    ck_assert_str_eq(th_run("sort", "l", "by", "w_*", "alpha", NULL), arr(4, "c", "d", "a", "b"));
}
END_TEST

START_TEST(score_text_as_strtod_reads_it)
{
    EQ(":3\r\n", "rpush", "l", "1", "2", "3");
    EQ("+OK\r\n", "mset", "w_2", "5", "w_3", "16");
    static const struct {
        const char *text;
        bool ok;
    } cases[] = {
        {"", true},      {" 5", true},     {"\t7", true},   {"0x10", true},   {"+5", true},
        {".5", true},    {"5.", true},     {"inf", true},   {"-Infinity", true}, {"5 ", false},
        {" ", false},    {"nan", false},   {"1e400", false}, {"1e-310", false}, {"0x", false},
        {"1,5", false},  {"abc", false},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(cases); i++) {
        EQ("+OK\r\n", "set", "w_1", cases[i].text);
        const char *r = th_run("sort", "l", "by", "w_*", "limit", "0", "1", NULL);
        if (cases[i].ok)
            ck_assert_msg(r[0] == '*', "%s: %s", cases[i].text, r);
        else
            ck_assert_msg(strcmp(r, NOT_DOUBLE) == 0, "%s: %s", cases[i].text, r);
    }
    EQ("+OK\r\n", "set", "w_1", "");
    ck_assert_str_eq(th_run("sort", "l", "by", "w_*", NULL), arr(3, "1", "2", "3"));
    EQ("+OK\r\n", "set", "w_1", "6");
    ck_assert_str_eq(th_run("sort", "l", "by", "w_*", NULL), arr(3, "2", "1", "3"));
}
END_TEST

START_TEST(get_patterns)
{
    EQ(":3\r\n", "rpush", "l", "3", "1", "2");
    EQ("+OK\r\n", "mset", "v_1", "one", "v_3", "three");
    EQ(":2\r\n", "hset", "h_2", "f", "two", "g", "");
    ck_assert_str_eq(th_run("sort", "l", "get", "#", "get", "v_*", NULL),
                     arr(6, "1", "one", "2", NULL, "3", "three"));
    ck_assert_str_eq(th_run("sort", "l", "get", "h_*->f", "get", "h_*->g", "get", "nokey", NULL),
                     arr(9, NULL, NULL, NULL, "two", "", NULL, NULL, NULL, NULL));
    /* "#" is exact; other patterns without '*' name no key. */
    EQ("+OK\r\n", "set", "#x", "k");
    ck_assert_str_eq(th_run("sort", "l", "limit", "0", "1", "get", "#x", "get", "##", NULL),
                     arr(2, NULL, NULL));
    /* A "->" at the end names no field: it is part of the key (sort.tcl). */
    EQ("+OK\r\n", "set", "x:1->", "100");
    ck_assert_str_eq(th_run("sort_ro", "l", "by", "nosort", "get", "x:*->", NULL),
                     arr(3, NULL, "100", NULL));
    /* An int-encoded string value. */
    EQ("+OK\r\n", "set", "n_2", "42");
    ck_assert_str_eq(th_run("sort", "l", "limit", "1", "1", "get", "n_*", NULL), arr(1, "42"));
}
END_TEST

START_TEST(store_writes_a_list)
{
    EQ(":3\r\n", "rpush", "l", "3", "1", "2");
    EQ("+OK\r\n", "set", "v_1", "one");
    uint64_t d0 = th_shard->dirty;
    EQ(":3\r\n", "sort", "l", "store", "dst");
    ck_assert_uint_eq(th_shard->dirty - d0, 3);
    ck_assert_str_eq(th_run("lrange", "dst", "0", "-1", NULL), arr(3, "1", "2", "3"));
    ck_assert_str_eq(encoding_of("dst"), "quicklist");
    /* GET with STORE: a missing value is stored as "". */
    d0 = th_shard->dirty;
    EQ(":6\r\n", "sort", "l", "get", "#", "get", "v_*", "store", "dst");
    ck_assert_uint_eq(th_shard->dirty - d0, 6);
    ck_assert_str_eq(th_run("lrange", "dst", "0", "-1", NULL),
                     arr(6, "1", "one", "2", "", "3", ""));
    /* The destination loses its TTL and old type; the last STORE wins. */
    EQ("+OK\r\n", "set", "str", "x");
    EQ(":1\r\n", "expire", "str", "100");
    EQ(":3\r\n", "sort", "l", "store", "other", "store", "str");
    EQ(":-1\r\n", "ttl", "str");
    ck_assert(!exists("other"));
    /* An empty result deletes the destination (and counts once)... */
    d0 = th_shard->dirty;
    EQ(":0\r\n", "sort", "nokey", "store", "dst");
    ck_assert(!exists("dst"));
    ck_assert_uint_eq(th_shard->dirty - d0, 1);
    /* ...and creates nothing when there was none. */
    EQ(":0\r\n", "sort", "l", "limit", "10", "10", "store", "dst");
    ck_assert(!exists("dst"));
    ck_assert_uint_eq(th_shard->dirty - d0, 1);
    /* Reading does not count as a change. */
    th_run("sort", "l", "get", "#", NULL);
    ck_assert_uint_eq(th_shard->dirty - d0, 1);
    /* Sorting a list into itself. */
    EQ(":3\r\n", "sort", "l", "desc", "store", "l");
    ck_assert_str_eq(th_run("lrange", "l", "0", "-1", NULL), arr(3, "3", "2", "1"));
}
END_TEST

START_TEST(sets)
{
    EQ(":3\r\n", "sadd", "s", "3", "1", "2");
    ck_assert_str_eq(th_run("sort", "s", NULL), arr(3, "1", "2", "3"));
    ck_assert_str_eq(th_run("sort", "s", "desc", NULL), arr(3, "3", "2", "1"));
    /* nosort: the set's own order (intsets ascend), DESC ignored. */
    ck_assert_str_eq(th_run("sort", "s", "by", "nosort", "desc", NULL), arr(3, "1", "2", "3"));
    ck_assert_str_eq(th_run("sort", "s", "by", "nosort", "limit", "1", "1", NULL), arr(1, "2"));
    /* With STORE a set is sorted ALPHA anyway (sort.tcl). */
    EQ(":24\r\n", "sadd", "t", "a", "b", "c", "d", "e", "f", "g", "h", "i", "l", "m", "n", "o",
       "p", "q", "r", "s", "t", "u", "v", "z", "aa", "aaa", "azz");
    EQ(":24\r\n", "sort", "t", "alpha", "by", "_", "store", "dst");
    ck_assert_str_eq(th_run("lrange", "dst", "0", "4", NULL), arr(5, "a", "aa", "aaa", "azz", "b"));
    EQ(":3\r\n", "sort", "s", "by", "nosort", "desc", "store", "dst");
    ck_assert_str_eq(th_run("lrange", "dst", "0", "-1", NULL), arr(3, "3", "2", "1"));
    /* Equal scores sort lexicographically (sort.tcl). */
    ck_assert_str_eq(th_run("sort", "t", "by", "score:*", "limit", "0", "5", NULL),
                     arr(5, "a", "aa", "aaa", "azz", "b"));
    EQ(NOT_DOUBLE, "sort", "t");
    EQ(":1\r\n", "sadd", "s", "not-a-double");
    EQ(NOT_DOUBLE, "sort", "s");
    ck_assert_str_eq(th_run("sort", "s", "alpha", NULL), arr(4, "1", "2", "3", "not-a-double"));
}
END_TEST

START_TEST(sorted_sets)
{
    EQ(":5\r\n", "zadd", "z", "1", "a", "5", "b", "2", "c", "10", "d", "3", "e");
    ck_assert_str_eq(encoding_of("z"), "listpack");
    ck_assert_str_eq(th_run("sort", "z", "alpha", "desc", NULL), arr(5, "e", "d", "c", "b", "a"));
    /* Redis 7.0 leaves a sorted set it sorted as a skiplist, even SORT_RO. */
    ck_assert_str_eq(encoding_of("z"), "skiplist");
    EQ(":1\r\n", "zadd", "y", "1", "a");
    th_run("sort_ro", "y", "by", "nosort", NULL);
    ck_assert_str_eq(encoding_of("y"), "skiplist");
    /* nosort: score order, DESC walks it backwards, LIMIT is a rank range. */
    ck_assert_str_eq(th_run("sort", "z", "by", "nosort", NULL), arr(5, "a", "c", "e", "b", "d"));
    ck_assert_str_eq(th_run("sort", "z", "by", "nosort", "desc", NULL),
                     arr(5, "d", "b", "e", "c", "a"));
    ck_assert_str_eq(th_run("sort", "z", "by", "nosort", "desc", "limit", "0", "2", NULL),
                     arr(2, "d", "b"));
    ck_assert_str_eq(th_run("sort", "z", "by", "nosort", "limit", "1", "2", NULL), arr(2, "c", "e"));
    EQ("*0\r\n", "sort", "z", "by", "nosort", "limit", "5", "10");
    ck_assert_str_eq(th_run("sort", "z", "by", "nosort", "limit", "-10", "100", NULL),
                     arr(5, "a", "c", "e", "b", "d"));
    /* Unlike a set, no ALPHA sort is forced by STORE. */
    EQ(":2\r\n", "sort", "z", "by", "nosort", "desc", "limit", "1", "2", "store", "dst");
    ck_assert_str_eq(th_run("lrange", "dst", "0", "-1", NULL), arr(2, "b", "e"));
    /* Without BY the members are the sort keys. */
    EQ(":3\r\n", "zadd", "n", "3", "1", "1", "30", "2", "2");
    ck_assert_str_eq(th_run("sort", "n", NULL), arr(3, "1", "2", "30"));
    ck_assert_str_eq(th_run("sort", "n", "by", "nosort", NULL), arr(3, "30", "2", "1"));
    EQ(NOT_DOUBLE, "sort", "z");
}
END_TEST

START_TEST(binary_and_nul_bytes)
{
    const char *rp[] = {"rpush", "l", "a\0c", "a\0b", "b", "a"};
    size_t rl[] = {5, 1, 3, 3, 1, 1};
    ck_assert_str_eq(th_run_bin(6, rp, rl), ":4\r\n");
    /* ALPHA compares C strings (strcoll) unless storing: "a\0c" == "a\0b" == "a". */
    const char *srt[] = {"sort", "l", "alpha"};
    size_t sl[] = {4, 1, 5};
    const char *r = th_run_bin(3, srt, sl);
    ck_assert_int_eq(memcmp(r, "*4\r\n$3\r\na\0c\r\n$3\r\na\0b\r\n$1\r\na\r\n$1\r\nb\r\n", 36), 0);
    EQ(":4\r\n", "sort", "l", "alpha", "store", "dst");
    const char *lr[] = {"lrange", "dst", "0", "-1"};
    size_t ll[] = {6, 3, 1, 2};
    r = th_run_bin(4, lr, ll);
    ck_assert_int_eq(memcmp(r, "*4\r\n$1\r\na\r\n$3\r\na\0b\r\n$3\r\na\0c\r\n$1\r\nb\r\n", 36), 0);
    /* A NUL in a pattern hides what follows from the '*' search. */
    const char *by[] = {"sort", "l", "by", "x\0*", "limit", "0", "1"};
    size_t bl[] = {4, 1, 2, 3, 5, 1, 1};
    r = th_run_bin(7, by, bl);
    ck_assert_int_eq(memcmp(r, "*1\r\n$3\r\na\0c\r\n", 14), 0);
}
END_TEST

START_TEST(keys_and_rows)
{
    EQ("*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n", "command", "getkeys", "sort", "abc", "store", "def");
    EQ("*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n", "command", "getkeys", "sort", "abc", "store",
       "invalid", "store", "stillbad", "store", "def");
    EQ("*1\r\n$3\r\nabc\r\n", "command", "getkeys", "sort_ro", "abc");
    EQ("*1\r\n$3\r\nabc\r\n", "command", "getkeys", "sort", "abc", "limit", "store", "x", "1");
    EQ("*1\r\n$3\r\nabc\r\n", "command", "getkeys", "sort", "abc", "by", "store", "get", "store");
    EQ("*1\r\n$3\r\nabc\r\n", "command", "getkeys", "sort", "abc", "store");
    static const struct {
        const char *name;
        uint32_t flags, acl;
    } want[] = {
        {"sort", KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_MOVABLE_KEYS, KVD_ACL_WRITE},
        {"sort_ro", KVD_CMD_READONLY | KVD_CMD_MOVABLE_KEYS, KVD_ACL_READ},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(want); i++) {
        kvd_command_t *c = kvd_command_lookup(want[i].name, strlen(want[i].name));
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->arity, -2);
        ck_assert_uint_eq(c->flags, want[i].flags);
        ck_assert_uint_eq(c->acl, want[i].acl | KVD_ACL_SET | KVD_ACL_SORTEDSET | KVD_ACL_LIST |
                                      KVD_ACL_SLOW | KVD_ACL_DANGEROUS);
        ck_assert_int_eq(c->first_key, 1);
        ck_assert_int_eq(c->last_key, 1);
        ck_assert_int_eq(c->key_step, 1);
    }
}
END_TEST

/* Hits and misses as Redis 7.0.15 counts them: the sorted key (even with
 * STORE) and every BY and GET lookup, also after a bad score. */
START_TEST(keyspace_counters)
{
    EQ(":4\r\n", "rpush", "l", "c", "a", "b", "d");
    EQ("+OK\r\n", "mset", "w_a", "2", "w_d", "1", "w_b", "3");
    const kvd_db_stats_t *st = &th_shard->stats.db;
    static const struct {
        const char *argv[10];
        uint64_t hits, misses;
    } cases[] = {
        {{"sort", "l", "store", "dst"}, 1, 0},
        {{"sort", "nokey", "store", "dst"}, 0, 1},
        {{"sort", "l", "by", "w_*", "store", "dst"}, 4, 1},
        {{"sort", "l", "by", "nosort", "get", "w_*", "store", "dst"}, 4, 1},
        {{"sort", "l", "by", "w_*->f", "get", "#", "get", "o_*->g"}, 4, 5},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(cases); i++) {
        int argc = 0;
        while (argc < 10 && cases[i].argv[argc] != NULL)
            argc++;
        uint64_t h = st->keyspace_hits, m = st->keyspace_misses;
        th_run_argv(argc, cases[i].argv);
        ck_assert_uint_eq(st->keyspace_hits - h, cases[i].hits);
        ck_assert_uint_eq(st->keyspace_misses - m, cases[i].misses);
    }
    EQ("+OK\r\n", "set", "w_b", "oops");
    uint64_t h = st->keyspace_hits, m = st->keyspace_misses;
    EQ(NOT_DOUBLE, "sort", "l", "by", "w_*");
    ck_assert_uint_eq(st->keyspace_hits - h, 4);
    ck_assert_uint_eq(st->keyspace_misses - m, 1);
}
END_TEST

/* Model: indexes ordered by (weight, decimal text of the element). */
typedef struct model_el {
    int64_t v;
    int64_t w;
    char text[24];
} model_el_t;

static int model_cmp(const void *a, const void *b)
{
    const model_el_t *x = a, *y = b;
    if (x->w != y->w)
        return x->w < y->w ? -1 : 1;
    return strcmp(x->text, y->text);
}

START_TEST(against_model_randomized)
{
    uint64_t st = th_seed("test_sort");
    enum { MAXN = 60 };
    model_el_t el[MAXN];
    char key[40], val[24], out[8192];
    for (int round = 0; round < 200; round++) {
        th_run("flushall", NULL);
        int n = (int)(th_splitmix64(&st) % MAXN);
        for (int i = 0; i < n; i++) {
            el[i].v = (int64_t)(th_splitmix64(&st) % 1000) - 500;
            el[i].w = (int64_t)(th_splitmix64(&st) % 20); /* ties on purpose */
            snprintf(el[i].text, sizeof(el[i].text), "%" PRId64, el[i].v);
            th_run("rpush", "l", el[i].text, NULL);
            snprintf(key, sizeof(key), "w_%s", el[i].text);
            snprintf(val, sizeof(val), "%" PRId64, el[i].w);
            th_run("set", key, val, NULL);
        }
        /* Duplicate elements share one weight key: the last SET wins. */
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (el[i].v == el[j].v)
                    el[i].w = el[j].w;
        qsort(el, (size_t)n, sizeof(el[0]), model_cmp);
        int off = (int)(th_splitmix64(&st) % (MAXN + 2)) - 1;
        int cnt = (int)(th_splitmix64(&st) % (MAXN + 2)) - 1;
        int lo = off < 0 ? 0 : off;
        int hi = cnt < 0 || lo + cnt > n ? n : lo + cnt;
        size_t len = (size_t)snprintf(out, sizeof(out), "*%d\r\n", hi > lo ? hi - lo : 0);
        for (int i = lo; i < hi; i++)
            len += (size_t)snprintf(out + len, sizeof(out) - len, "$%zu\r\n%s\r\n",
                                    strlen(el[i].text), el[i].text);
        char offs[24], cnts[24];
        snprintf(offs, sizeof(offs), "%d", off);
        snprintf(cnts, sizeof(cnts), "%d", cnt);
        ck_assert_str_eq(th_run("sort", "l", "by", "w_*", "limit", offs, cnts, NULL), out);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sort");
    TCase *tc = tcase_create("commands");
    tcase_add_checked_fixture(tc, th_setup, th_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, errors_and_their_order);
    tcase_add_test(tc, numeric_alpha_and_limit);
    tcase_add_test(tc, by_nosort_keeps_native_order);
    tcase_add_test(tc, by_patterns_and_ties);
    tcase_add_test(tc, score_text_as_strtod_reads_it);
    tcase_add_test(tc, get_patterns);
    tcase_add_test(tc, store_writes_a_list);
    tcase_add_test(tc, sets);
    tcase_add_test(tc, sorted_sets);
    tcase_add_test(tc, binary_and_nul_bytes);
    tcase_add_test(tc, keys_and_rows);
    tcase_add_test(tc, keyspace_counters);
    tcase_add_test(tc, against_model_randomized);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * test_zset.c - sorted set commands driven through kvd_dispatch: replies
 * and error texts as Redis 7.0.15 gives them (checked against
 * redis-server), both encodings and the conversion rules, the hooks
 * (COPY, MEMORY USAGE), and a randomized run of the type API against a
 * plain sorted-array model with invariants checked after every step
 * (SEED=n replays it).
 */
#include "harness.h"
#include <check.h>
#include <inttypes.h>
#include <math.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/shard.h"
#include "cmd/zset_type.h"
#include "proto/reply.h"

static void setup(void)
{
    th_setup();
    th_cfg.zset_max_listpack_entries = 128;
    th_cfg.zset_max_listpack_value = 64;
}

static const char *encoding_of(const char *key)
{
    kvd_entry_t *e = kvd_db_find(th_client.db, key, strlen(key));
    ck_assert_ptr_nonnull(e);
    return kvd_encoding_name(kvd_entry_encoding(e));
}

static bool exists(const char *key)
{
    return kvd_db_find(th_client.db, key, strlen(key)) != NULL;
}

static kvd_zset_t *zset_of(const char *key)
{
    kvd_entry_t *e = kvd_db_find(th_client.db, key, strlen(key));
    ck_assert_ptr_nonnull(e);
    return kvd_entry_ptr(e);
}

#define EQ(reply, ...) ck_assert_str_eq(th_run(__VA_ARGS__, NULL), reply)
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOT_INT "-ERR value is not an integer or out of range\r\n"
#define NOT_FLOAT "-ERR value is not a valid float\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define RANGE_FLOAT "-ERR min or max is not a float\r\n"
#define RANGE_LEX "-ERR min or max not valid string range item\r\n"

START_TEST(zadd_options_and_errors)
{
    EQ(":3\r\n", "zadd", "z", "1", "a", "2", "b", "3", "c");
    EQ(":1\r\n", "zadd", "z", "nx", "5", "a", "6", "d");
    EQ("$1\r\n1\r\n", "zscore", "z", "a");
    EQ(":0\r\n", "zadd", "z", "xx", "5", "a", "6", "e");
    EQ("$1\r\n5\r\n", "zscore", "z", "a");
    EQ(":2\r\n", "zadd", "z", "ch", "7", "a", "7", "b", "3", "c");
    EQ(":0\r\n", "zadd", "z", "gt", "ch", "1", "a");
    EQ(":1\r\n", "zadd", "z", "lt", "ch", "1", "a");
    EQ("-ERR XX and NX options at the same time are not compatible\r\n", "zadd", "z", "xx", "nx",
       "1", "a");
    EQ("-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "zadd", "z",
       "gt", "nx", "1", "a");
    EQ("-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "zadd", "z",
       "gt", "lt", "1", "a");
    EQ("-ERR INCR option supports a single increment-element pair\r\n", "zadd", "z", "incr", "1",
       "a", "2", "b");
    EQ(SYNTAX, "zadd", "z", "1", "a", "2");
    EQ(SYNTAX, "zadd", "z", "nx", "1");
    EQ(NOT_FLOAT, "zadd", "z", "foo", "a");
    EQ(NOT_FLOAT, "zadd", "z", "nan", "a");
    EQ(NOT_FLOAT, "zadd", "z", " 1", "a");
    EQ(NOT_FLOAT, "zadd", "z", "-", "a");
    EQ(NOT_FLOAT, "zadd", "z", "", "a");
    EQ(NOT_FLOAT, "zadd", "z", "12a", "a");
    EQ("$1\r\n3\r\n", "zadd", "z", "incr", "2", "a");
    EQ("$-1\r\n", "zadd", "z", "incr", "nx", "2", "a");
    EQ("$-1\r\n", "zadd", "z", "incr", "gt", "-1", "a");
    EQ("$3\r\ninf\r\n", "zadd", "z", "incr", "inf", "a");
    EQ("-ERR resulting score is not a number (NaN)\r\n", "zadd", "z", "incr", "-inf", "a");
    EQ("$3\r\ninf\r\n", "zscore", "z", "a");
    EQ(":0\r\n", "zadd", "nokey", "xx", "1", "a");
    EQ("$-1\r\n", "zadd", "nokey", "xx", "incr", "1", "a");
    ck_assert(!exists("nokey"));
    EQ("$19\r\n0.10000000000000001\r\n", "zincrby", "f", "0.1", "m");
    EQ("$19\r\n0.30000000000000004\r\n", "zincrby", "f", "0.2", "m");
    EQ(NOT_FLOAT, "zincrby", "f", "x", "m");
    EQ(":2\r\n", "zadd", "f", "1e20", "e", "-inf", "n");
    EQ("*4\r\n$1\r\nm\r\n$19\r\n0.30000000000000004\r\n$1\r\nn\r\n$4\r\n-inf\r\n", "zrange",
       "f", "+inf", "-inf", "byscore", "withscores", "rev", "limit", "1", "2");
}
END_TEST

/* Integer scores take a path of their own (no strtod): the same values. */
START_TEST(integer_scores)
{
    static const char *const in[] = {"-0", "007", "123456789012345", "-123456789012345",
                                     "1234567890123456", "+5", "17"};
    static const char *const out[] = {"$1\r\n0\r\n", "$1\r\n7\r\n", "$15\r\n123456789012345\r\n",
                                      "$16\r\n-123456789012345\r\n",
                                      "$16\r\n1234567890123456\r\n", "$1\r\n5\r\n",
                                      "$2\r\n17\r\n"};
    for (size_t i = 0; i < KVD_ARRAY_LEN(in); i++) {
        EQ(":1\r\n", "zadd", "zi", in[i], "m");
        EQ(out[i], "zscore", "zi", "m");
        EQ(":1\r\n", "del", "zi");
    }
    EQ(":1\r\n", "zadd", "zi", "9007199254740993", "m"); /* 16 digits: strtod rounds */
    EQ("$16\r\n9007199254740992\r\n", "zscore", "zi", "m");
}
END_TEST

START_TEST(single_member_reads_and_zrem)
{
    EQ(":3\r\n", "zadd", "z", "1", "a", "2", "b", "3", "c");
    EQ(":3\r\n", "zcard", "z");
    EQ(":0\r\n", "zcard", "nokey");
    EQ("$-1\r\n", "zscore", "nokey", "a");
    EQ("*3\r\n$1\r\n2\r\n$-1\r\n$1\r\n1\r\n", "zmscore", "z", "b", "x", "a");
    EQ("*2\r\n$-1\r\n$-1\r\n", "zmscore", "nokey", "a", "b");
    EQ(":1\r\n", "zrank", "z", "b");
    EQ(":0\r\n", "zrevrank", "z", "c");
    EQ("$-1\r\n", "zrank", "z", "x");
    EQ("$-1\r\n", "zrank", "nokey", "x");
    EQ(":2\r\n", "zrem", "z", "a", "x", "b");
    EQ(":1\r\n", "zrem", "z", "c", "c");
    ck_assert(!exists("z"));
    EQ(":0\r\n", "zrem", "z", "c");
    EQ("+OK\r\n", "set", "s", "x");
    EQ(WRONGTYPE, "zadd", "s", "1", "a");
    EQ(WRONGTYPE, "zscore", "s", "a");
    EQ(WRONGTYPE, "zrange", "s", "0", "1");
    EQ(WRONGTYPE, "zcard", "s");
    EQ(WRONGTYPE, "zunion", "1", "s");
    EQ(RANGE_FLOAT, "zcount", "s", "a", "b");
}
END_TEST

START_TEST(zrange_forms)
{
    EQ(":5\r\n", "zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
    EQ("*2\r\n$1\r\nd\r\n$1\r\ne\r\n", "zrange", "z", "-2", "-1");
    EQ("*0\r\n", "zrange", "z", "3", "1");
    EQ("*2\r\n$1\r\ne\r\n$1\r\nd\r\n", "zrange", "z", "0", "1", "rev");
    EQ("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "zrange", "z", "(1", "3", "byscore");
    EQ("*2\r\n$1\r\nd\r\n$1\r\nc\r\n", "zrange", "z", "+inf", "(2", "byscore", "rev", "limit",
       "1", "2");
    EQ("*1\r\n$1\r\nc\r\n", "zrangebyscore", "z", "-inf", "+inf", "limit", "2", "1");
    EQ("*0\r\n", "zrangebyscore", "z", "-inf", "+inf", "limit", "-1", "1");
    EQ("*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "zrangebyscore", "z", "3", "inf", "limit", "0",
       "-1");
    EQ("*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n", "zrevrangebyscore", "z", "+inf",
       "4", "withscores");
    EQ("*1\r\n$1\r\na\r\n", "zrangebyscore", "z", "(", "1");
    EQ("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
       "BYLEX\r\n", "zrange", "z", "0", "1", "limit", "0", "1");
    EQ("-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n", "zrange",
       "z", "-", "+", "bylex", "withscores");
    EQ(SYNTAX, "zrange", "z", "0", "1", "rev", "rev");
    EQ(SYNTAX, "zrangebyscore", "z", "0", "1", "byscore");
    EQ(NOT_INT, "zrange", "z", "a", "1");
    EQ(RANGE_FLOAT, "zrange", "z", "a", "1", "byscore");
    EQ(RANGE_FLOAT, "zrangebyscore", "z", "1 ", "2");
    EQ(RANGE_LEX, "zrangebylex", "z", "a", "+");
    EQ(RANGE_LEX, "zrangebylex", "z", "+x", "+");
    EQ("*0\r\n", "zrange", "nokey", "0", "-1");
}
END_TEST

START_TEST(lex_ranges_and_counts)
{
    EQ(":6\r\n", "zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ee");
    EQ("*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "zrangebylex", "l", "(a", "[d");
    EQ("*2\r\n$2\r\nee\r\n$1\r\ne\r\n", "zrevrangebylex", "l", "+", "(d");
    EQ("*2\r\n$1\r\nc\r\n$1\r\nd\r\n", "zrange", "l", "-", "+", "bylex", "limit", "2", "2");
    EQ(":6\r\n", "zlexcount", "l", "-", "+");
    EQ(":0\r\n", "zlexcount", "l", "+", "-");
    EQ(":2\r\n", "zlexcount", "l", "[e", "+");
    EQ(RANGE_LEX, "zlexcount", "l", "e", "+");
    EQ(":2\r\n", "zremrangebylex", "l", "(a", "[c");
    EQ(":4\r\n", "zcard", "l");
    EQ(":3\r\n", "zadd", "n", "1", "a", "2", "b", "3", "c");
    EQ(":2\r\n", "zcount", "n", "(1", "3");
    EQ(":0\r\n", "zcount", "n", "3", "1");
    EQ(":0\r\n", "zcount", "nokey", "0", "1");
}
END_TEST

START_TEST(remrange_and_pops)
{
    EQ(":5\r\n", "zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
    EQ(":2\r\n", "zremrangebyrank", "z", "-2", "-1");
    EQ(":0\r\n", "zremrangebyrank", "z", "10", "20");
    EQ(NOT_INT, "zremrangebyrank", "z", "a", "1");
    EQ(":1\r\n", "zremrangebyscore", "z", "(1", "2");
    EQ("*2\r\n$1\r\na\r\n$1\r\n1\r\n", "zpopmin", "z");
    EQ("*2\r\n$1\r\nc\r\n$1\r\n3\r\n", "zpopmax", "z", "5");
    ck_assert(!exists("z"));
    EQ("*0\r\n", "zpopmin", "z");
    EQ("-ERR value is out of range, must be positive\r\n", "zpopmin", "z", "-1");
    EQ(SYNTAX, "zpopmin", "z", "1", "2");
    EQ(":3\r\n", "zadd", "z", "1", "a", "2", "b", "3", "c");
    EQ("*0\r\n", "zpopmin", "z", "0");
    EQ("*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "zmpop",
       "2", "nokey", "z", "max", "count", "2");
    EQ("*-1\r\n", "zmpop", "1", "nokey", "min");
    EQ("-ERR numkeys should be greater than 0\r\n", "zmpop", "0", "z", "min");
    EQ("-ERR count should be greater than 0\r\n", "zmpop", "1", "z", "min", "count", "0");
    EQ(SYNTAX, "zmpop", "1", "z", "mid");
    EQ(SYNTAX, "zmpop", "2", "z", "min");
    EQ("*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", "bzpopmin", "nokey", "z", "0");
    EQ(":1\r\n", "zadd", "z", "5", "e");
    EQ("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n", "bzmpop", "0", "1", "z",
       "max", "count", "2");
    EQ("-ERR numkeys should be greater than 0\r\n", "bzmpop", "x", "0", "z", "min");
    EQ("-ERR timeout is not a float or out of range\r\n", "bzmpop", "x", "1", "z", "min");
    EQ("-ERR timeout is not a float or out of range\r\n", "bzpopmin", "z", "x");
    EQ("+OK\r\n", "set", "str", "x");
    EQ(WRONGTYPE, "bzpopmax", "nokey", "str", "1");
}
END_TEST

START_TEST(algebra)
{
    EQ(":3\r\n", "zadd", "a", "1", "x", "2", "y", "3", "z");
    EQ(":3\r\n", "sadd", "s", "x", "z", "w");
    EQ("*8\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n"
       "4\r\n", "zunion", "2", "a", "s", "withscores");
    EQ("*2\r\n$1\r\nx\r\n$1\r\nz\r\n", "zinter", "2", "a", "s");
    EQ("*2\r\n$1\r\ny\r\n$1\r\n2\r\n", "zdiff", "2", "a", "s", "withscores");
    EQ("*4\r\n$1\r\nx\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n10\r\n", "zinter", "2", "a", "s",
       "weights", "1", "10", "aggregate", "max", "withscores");
    EQ("*4\r\n$1\r\nx\r\n$1\r\n0\r\n$1\r\nz\r\n$1\r\n0\r\n", "zinter", "2", "a", "s",
       "weights", "inf", "-inf", "aggregate", "sum", "withscores");
    EQ(":2\r\n", "zinterstore", "d", "2", "a", "s");
    ck_assert_str_eq(encoding_of("d"), "listpack");
    EQ(":0\r\n", "zdiffstore", "d", "2", "s", "s");
    ck_assert(!exists("d"));
    EQ(":2\r\n", "zintercard", "2", "a", "s");
    EQ(":1\r\n", "zintercard", "2", "a", "s", "limit", "1");
    EQ("-ERR LIMIT can't be negative\r\n", "zintercard", "1", "a", "limit", "-1");
    EQ("-ERR at least 1 input key is needed for 'zunionstore' command\r\n", "zunionstore", "d",
       "0", "a");
    EQ("-ERR weight value is not a float\r\n", "zunion", "1", "a", "weights", "x");
    EQ(SYNTAX, "zunionstore", "d", "1", "a", "withscores");
    EQ(SYNTAX, "zdiff", "1", "a", "weights", "1");
    EQ(SYNTAX, "zunion", "2", "a");
    EQ(":3\r\n", "zrangestore", "d", "a", "0", "-1");
    EQ(":1\r\n", "zrangestore", "d", "a", "(2", "+inf", "byscore");
    EQ(":0\r\n", "zrangestore", "d", "nokey", "0", "-1");
    ck_assert(!exists("d"));
}
END_TEST

START_TEST(encoding_conversions)
{
    th_cfg.zset_max_listpack_entries = 3;
    th_cfg.zset_max_listpack_value = 4;
    EQ(":3\r\n", "zadd", "z", "1", "a", "2", "b", "3", "c");
    ck_assert_str_eq(encoding_of("z"), "listpack");
    EQ(":1\r\n", "zadd", "z", "4", "d");
    ck_assert_str_eq(encoding_of("z"), "skiplist");
    EQ(":3\r\n", "zrem", "z", "a", "b", "c");
    ck_assert_str_eq(encoding_of("z"), "skiplist"); /* never converts back */
    EQ(":1\r\n", "zadd", "y", "1", "abcde");
    ck_assert_str_eq(encoding_of("y"), "skiplist"); /* first member too long */
    EQ(":1\r\n", "zadd", "w", "1", "abcd");
    EQ(":1\r\n", "zadd", "w", "2", "abcde");
    ck_assert_str_eq(encoding_of("w"), "skiplist");
    EQ(":2\r\n", "zunionstore", "u", "1", "w");
    ck_assert_str_eq(encoding_of("u"), "skiplist");
    EQ(":1\r\n", "zunionstore", "u", "1", "z");
    ck_assert_str_eq(encoding_of("u"), "listpack"); /* a STORE result that fits */
    th_cfg.zset_max_listpack_entries = 0;
    EQ(":1\r\n", "zadd", "v", "1", "a");
    ck_assert_str_eq(encoding_of("v"), "skiplist");
    /* -0 is stored as 0 in a listpack, kept in a skiplist, as in Redis. */
    EQ(":1\r\n", "zadd", "v", "-0", "m");
    EQ("$2\r\n-0\r\n", "zscore", "v", "m");
    th_cfg.zset_max_listpack_entries = 3;
    EQ(":1\r\n", "zadd", "p", "-0", "m");
    EQ("$1\r\n0\r\n", "zscore", "p", "m");
    EQ(":2\r\n", "zrangestore", "r", "v", "0", "-1");
    ck_assert_str_eq(encoding_of("r"), "listpack");
}
END_TEST

START_TEST(randmember_scan_and_hooks)
{
    EQ("$-1\r\n", "zrandmember", "nokey");
    EQ("*0\r\n", "zrandmember", "nokey", "3");
    EQ(":3\r\n", "zadd", "z", "1", "a", "2", "b", "3", "c");
    EQ("*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n", "zrandmember",
       "z", "5", "withscores");
    EQ("*0\r\n", "zrandmember", "z", "0");
    ck_assert_int_eq(strncmp(th_run("zrandmember", "z", "-5", NULL), "*5\r\n", 4), 0);
    ck_assert_int_eq(strncmp(th_run("zrandmember", "z", "2", NULL), "*2\r\n", 4), 0);
    EQ("-ERR value is out of range, value must between -9223372036854775807 and "
       "9223372036854775807\r\n", "zrandmember", "z", "-9223372036854775808");
    EQ(SYNTAX, "zrandmember", "z", "1", "foo");
    EQ("*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
       "zscan", "z", "0");
    EQ("*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "zscan", "z", "0", "match", "b*");
    EQ("-ERR invalid cursor\r\n", "zscan", "z", "x");
    EQ(SYNTAX, "zscan", "z", "0", "count", "0");
    EQ("$8\r\nlistpack\r\n", "object", "encoding", "z");
    EQ("+zset\r\n", "type", "z");
    EQ(":1\r\n", "copy", "z", "z2");
    EQ(":1\r\n", "zrem", "z", "a");
    EQ(":3\r\n", "zcard", "z2");
    th_cfg.zset_max_listpack_entries = 0;
    EQ(":2\r\n", "zadd", "big", "1", "a", "2", "b");
    EQ(":1\r\n", "copy", "big", "big2");
    ck_assert_str_eq(encoding_of("big2"), "skiplist");
    EQ("*2\r\n$1\r\nb\r\n$1\r\na\r\n", "zrange", "big2", "0", "-1", "rev");
    const char *mem = th_run("memory", "usage", "big2", NULL);
    ck_assert_int_eq(mem[0], ':');
    ck_assert_int_gt(atoi(mem + 1), 100);
    EQ("+OK\r\n", "rename", "big2", "big3");
    EQ(":1\r\n", "zrank", "big3", "b");
    EQ(":3\r\n", "del", "z", "z2", "big");
}
END_TEST

START_TEST(skiplist_scan_visits_everything)
{
    th_cfg.zset_max_listpack_entries = 0;
    for (int i = 0; i < 300; i++) {
        char m[16];
        snprintf(m, sizeof(m), "m%d", i);
        th_run("zadd", "z", "1", m, NULL);
    }
    kvd_zset_t *z = zset_of("z");
    ck_assert_int_eq(kvd_zset_size(z), 300);
    int calls = 0;
    char cursor[32] = "0";
    uint64_t seen = 0;
    do {
        const char *r = th_run("zscan", "z", cursor, "count", "20", NULL);
        ck_assert_int_eq(sscanf(r, "*2\r\n$%*d\r\n%31[0-9]", cursor), 1);
        const char *arr = strstr(r + 4, "\r\n*");
        ck_assert_ptr_nonnull(arr);
        seen += strtoull(arr + 3, NULL, 10) / 2;
        ck_assert_int_lt(++calls, 1000);
    } while (strcmp(cursor, "0") != 0);
    ck_assert_uint_ge(seen, 300);
}
END_TEST

/* ---- randomized: the type API against a sorted array of (score, member) ---- */
#define MODEL_MAX 400

typedef struct model_elem {
    double score;
    char m[24];
    size_t len;
} model_elem_t;

static model_elem_t model[MODEL_MAX];
static int model_n;

static int model_find(const char *m, size_t len)
{
    for (int i = 0; i < model_n; i++) {
        if (model[i].len == len && memcmp(model[i].m, m, len) == 0)
            return i;
    }
    return -1;
}

static int model_cmp(const void *a, const void *b)
{
    const model_elem_t *x = a, *y = b;
    return kvd_zset_elem_cmp(x->score, x->m, x->len, y->score, y->m, y->len);
}

static void model_set(const char *m, size_t len, double score, bool listpack)
{
    if (listpack && score == 0)
        score = 0; /* a listpack stores -0 as 0 */
    int i = model_find(m, len);
    if (i < 0) {
        ck_assert_int_lt(model_n, MODEL_MAX);
        i = model_n++;
        memcpy(model[i].m, m, len);
        model[i].len = len;
    }
    model[i].score = score;
    qsort(model, (size_t)model_n, sizeof(model[0]), model_cmp);
}

static void model_remove_range(int start, int end)
{
    memmove(&model[start], &model[end], sizeof(model[0]) * (size_t)(model_n - end));
    model_n -= end - start;
}

static void check_against_model(const kvd_zset_t *z)
{
    kvd_zset_verify_invariants(z);
    ck_assert_uint_eq(kvd_zset_size(z), (uint64_t)model_n);
    kvd_zset_iter_t it;
    kvd_zset_elem_t el;
    kvd_zset_iter_init(&it, z, 0, false);
    for (int i = 0; i < model_n; i++) {
        ck_assert(kvd_zset_iter_next(&it, &el));
        ck_assert_uint_eq(el.len, model[i].len);
        ck_assert(memcmp(el.m, model[i].m, el.len) == 0);
        ck_assert(memcmp(&el.score, &model[i].score, sizeof(double)) == 0);
    }
    ck_assert(!kvd_zset_iter_next(&it, &el));
}

static bool score_below(const kvd_zset_elem_t *el, const void *arg)
{
    return el->score < *(const double *)arg;
}

/* One random step on z and the model; checks what the step reads. */
static void random_step(kvd_zset_t *z, const kvd_zset_ctx_t *ctx, uint64_t *rs)
{
    static const double scores[] = {0,   -0.0, 1,         2,         2.5,      -1,
                                    1e300, INFINITY, -INFINITY, 3,     9007199254740991.0,
                                    -9007199254740992.0, 123456789, 0.1, -5};
    char m[24];
    size_t len = (size_t)snprintf(m, sizeof(m), "m%" PRIu64, th_splitmix64(rs) % 60);
    if (th_splitmix64(rs) % 5 == 0)
        len = (size_t)snprintf(m, sizeof(m), "long-member-%" PRIu64, th_splitmix64(rs) % 5);
    double score = scores[th_splitmix64(rs) % KVD_ARRAY_LEN(scores)];
    uint64_t op = th_splitmix64(rs) % 8;
    uint64_t size = kvd_zset_size(z);
    if (op <= 2) {
        int out;
        double ns;
        int flags = op == 2 ? KVD_ZADD_INCR : 0;
        int i = model_find(m, len);
        double want = flags && i >= 0 ? model[i].score + score : score;
        bool ok = kvd_zset_add(z, ctx, m, len, score, flags, &out, &ns);
        ck_assert(ok == !isnan(want));
        /* An equal score (0 and -0 too) is not an update. */
        if (ok && (i < 0 || want != model[i].score))
            model_set(m, len, want, z->enc == KVD_ENC_LISTPACK);
    } else if (op == 3) {
        int i = model_find(m, len);
        ck_assert(kvd_zset_remove(z, m, len) == (i >= 0));
        if (i >= 0)
            model_remove_range(i, i + 1);
    } else if (op == 4 && size > 0) {
        uint64_t a = th_splitmix64(rs) % size, b = a + th_splitmix64(rs) % (size - a + 1);
        kvd_zset_remove_range(z, a, b);
        model_remove_range((int)a, (int)b);
    } else if (op == 5) {
        uint64_t rank;
        int i = model_find(m, len);
        ck_assert(kvd_zset_rank(z, m, len, &rank) == (i >= 0));
        if (i >= 0)
            ck_assert_uint_eq(rank, (uint64_t)i);
    } else if (op == 6) {
        uint64_t want = 0;
        while (want < (uint64_t)model_n && model[want].score < score)
            want++;
        ck_assert_uint_eq(kvd_zset_count_prefix(z, score_below, &score), want);
    } else if (size > 0) {
        uint64_t r = th_splitmix64(rs) % size;
        kvd_zset_elem_t el;
        kvd_zset_at(z, r, &el);
        ck_assert(el.len == model[r].len && memcmp(el.m, model[r].m, el.len) == 0);
    }
}

/* The pack's variable-size entries: every score form and member length
 * round-trips, walks agree both ways, and small entries stay small. */
START_TEST(pack_encoding_round_trips)
{
    static const double scores[] = {0,          1,          -1,         63,  64,   -64,
                                    -65,        12345,      1.5,        -0.25, 1e300, -1e-300,
                                    INFINITY,   -INFINITY,  9007199254740991.0,
                                    -9007199254740991.0, 9007199254740992.0,
                                    -9007199254740992.0, 4611686018427387904.0};
    static const size_t lens[] = {1, 12, 127, 128, 300, 16383, 16384, 20000};
    size_t n = KVD_ARRAY_LEN(scores);
    char *m = kvd_calloc(1, 20001);
    kvd_zpack_t p;
    kvd_zpack_init(&p);
    for (size_t i = 0; i < n; i++) {
        size_t len = i == 0 ? 0 : lens[i % KVD_ARRAY_LEN(lens)];
        memset(m, 'a' + (int)i, len);
        kvd_zpack_insert(&p, m, len, scores[i]);
        kvd_zpack_verify(&p);
    }
    ck_assert_uint_eq(p.count, n);
    /* Forward, then backward from the end: the same sequence reversed. */
    kvd_zset_elem_t fwd[32], el;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        off = kvd_zpack_read(&p, off, &fwd[i]);
        if (i > 0)
            ck_assert(kvd_zset_elem_cmp(fwd[i - 1].score, fwd[i - 1].m, fwd[i - 1].len,
                                        fwd[i].score, fwd[i].m, fwd[i].len) < 0);
    }
    ck_assert_uint_eq(off, p.used);
    off = kvd_zpack_last(&p);
    for (size_t i = n; i-- > 0;) {
        kvd_zpack_read(&p, off, &el);
        ck_assert_uint_eq(el.len, fwd[i].len);
        ck_assert(memcmp(&el.score, &fwd[i].score, sizeof(double)) == 0);
        if (i > 0)
            off = kvd_zpack_prev(&p, off);
    }
    ck_assert_uint_eq(off, 0);
    /* Every score reads back exactly. */
    for (size_t i = 0; i < n; i++) {
        size_t len = i == 0 ? 0 : lens[i % KVD_ARRAY_LEN(lens)];
        memset(m, 'a' + (int)i, len);
        uint64_t rank;
        ck_assert(kvd_zpack_find(&p, m, len, &off, &rank));
        kvd_zpack_read(&p, off, &el);
        ck_assert(el.score == scores[i]);
    }
    ck_assert_uint_eq(kvd_zpack_max_member(&p), 20000);
    kvd_zpack_delete_range(&p, 3, n - 3);
    kvd_zpack_verify(&p);
    ck_assert_uint_eq(p.count, 6);
    kvd_zpack_delete_at(&p, kvd_zpack_offset_of(&p, 5));
    kvd_zpack_delete_at(&p, 0);
    kvd_zpack_verify(&p);
    ck_assert_uint_eq(p.count, 4);
    kvd_zpack_release(&p);
    /* A 12-byte member with a 5-digit integer score: 1 + 12 + 3 + 1 bytes. */
    kvd_zpack_insert(&p, "player:12345", 12, 54321);
    ck_assert_uint_eq(p.used, 17);
    kvd_zpack_insert(&p, "player:00001", 12, 2.5);
    ck_assert_uint_eq(p.used, 17 + 1 + 12 + 9 + 1);
    kvd_zpack_verify(&p);
    kvd_zpack_release(&p);
    kvd_free(m);
}
END_TEST

START_TEST(against_model_randomized)
{
    uint64_t rs = th_seed("test_zset against_model_randomized");
    for (int round = 0; round < 20; round++) {
        kvd_zset_ctx_t ctx = {.max_entries = th_splitmix64(&rs) % 40,
                              .max_value = 8 + th_splitmix64(&rs) % 10,
                              .env = &th_env};
        kvd_zset_t *z = kvd_zset_new(&ctx, 2);
        model_n = 0;
        for (int step = 0; step < 400; step++) {
            random_step(z, &ctx, &rs);
            check_against_model(z);
        }
        kvd_zset_t *copy = kvd_zset_dup(z);
        check_against_model(copy);
        kvd_zset_fit(copy, &ctx);
        for (int i = 0; copy->enc == KVD_ENC_LISTPACK && i < model_n; i++)
            model[i].score = model[i].score == 0 ? 0 : model[i].score;
        check_against_model(copy);
        kvd_zset_destroy(copy);
        kvd_zset_destroy(z);
    }
}
END_TEST

START_TEST(rows_match_redis_command_info)
{
    static const struct {
        const char *name;
        int arity, first, last, step;
    } want[] = {
        {"zadd", -4, 1, 1, 1},        {"zrangestore", -5, 1, 2, 1}, {"zunionstore", -4, 1, 1, 1},
        {"zunion", -3, 0, 0, 0},      {"zmpop", -4, 0, 0, 0},       {"bzpopmin", -3, 1, -2, 1},
        {"bzmpop", -5, 0, 0, 0},      {"zintercard", -3, 0, 0, 0},  {"zscan", -3, 1, 1, 1},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(want); i++) {
        kvd_command_t *c = kvd_command_lookup(want[i].name, strlen(want[i].name));
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->arity, want[i].arity);
        ck_assert_int_eq(c->first_key, want[i].first);
        ck_assert_int_eq(c->last_key, want[i].last);
        ck_assert_int_eq(c->key_step, want[i].step);
        ck_assert(c->acl & KVD_ACL_SORTEDSET);
    }
    EQ("*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n", "command", "getkeys", "zunionstore", "d", "2",
       "a", "b", "weights", "1", "2");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("zset");
    TCase *tc = tcase_create("commands");
    tcase_add_checked_fixture(tc, setup, th_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, zadd_options_and_errors);
    tcase_add_test(tc, integer_scores);
    tcase_add_test(tc, single_member_reads_and_zrem);
    tcase_add_test(tc, zrange_forms);
    tcase_add_test(tc, lex_ranges_and_counts);
    tcase_add_test(tc, remrange_and_pops);
    tcase_add_test(tc, algebra);
    tcase_add_test(tc, encoding_conversions);
    tcase_add_test(tc, randmember_scan_and_hooks);
    tcase_add_test(tc, skiplist_scan_visits_everything);
    tcase_add_test(tc, pack_encoding_round_trips);
    tcase_add_test(tc, against_model_randomized);
    tcase_add_test(tc, rows_match_redis_command_info);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

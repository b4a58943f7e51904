/*
 * test_string.c - string and bitmap commands driven through kvd_dispatch:
 * every command's normal path and every error text, compared byte for
 * byte with what Redis 7.0.15 replies; encodings and expiries checked
 * through the db API.
 */
#include "harness.h"
#include <check.h>
#include <time.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/shard.h"
#include "proto/reply.h"

/* Binary-safe three-argument command: name key value (value of n bytes). */
static const char *run_bin(const char *name, const char *key, const void *val, size_t n)
{
    const char *argv[3] = {name, key, val};
    size_t lens[3] = {strlen(name), strlen(key), n};
    return th_run_bin(3, argv, lens);
}

static const char *encoding_of(const char *key)
{
    kvd_entry_t *e = kvd_db_find(th_client.db, key, strlen(key));
    ck_assert_ptr_nonnull(e);
    return kvd_encoding_name(kvd_entry_encoding(e));
}

static int64_t expire_of(const char *key)
{
    kvd_entry_t *e = kvd_db_find(th_client.db, key, strlen(key));
    ck_assert_ptr_nonnull(e);
    return kvd_db_get_expire(th_client.db, e);
}

static bool exists(const char *key)
{
    return kvd_db_find(th_client.db, key, strlen(key)) != NULL;
}

static void free_stand_in(void *ptr, kvd_encoding_t enc)
{
    KVD_UNUSED(enc);
    kvd_free(ptr);
}

/* A key of another type (an empty stand-in list), for WRONGTYPE paths. */
static void make_non_string(const char *key)
{
    kvd_db_register_free(KVD_TYPE_LIST, free_stand_in);
    kvd_db_set_ptr(th_client.db, key, strlen(key), KVD_TYPE_LIST, KVD_ENC_QUICKLIST, kvd_malloc(8), 0);
}

/* For replies holding NUL bytes, which ck_assert_str_eq cannot compare. */
#define EXPECT_BIN(call, lit)                                                                      \
    do {                                                                                           \
        (void)(call);                                                                              \
        ck_assert_uint_eq(th_out.len, sizeof(lit) - 1);                                               \
        ck_assert(memcmp(th_out.data, lit, sizeof(lit) - 1) == 0);                                    \
    } while (0)

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOT_INT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"

START_TEST(set_and_variants)
{
    ck_assert_str_eq(th_run("set", "k", "v", "ex", "10", "ex", "20", NULL), "+OK\r\n");
    ck_assert_str_eq(th_run("set", "k", "v", "ex", "abc", "nx", "xx", NULL), SYNTAX);
    ck_assert_str_eq(th_run("set", "k", "v", "ex", "abc", NULL), NOT_INT);
    ck_assert_str_eq(th_run("set", "k", "v", "keepttl", "keepttl", NULL), "+OK\r\n");
    ck_assert_str_eq(th_run("set", "k", "v", "persist", NULL), SYNTAX);
    ck_assert_str_eq(th_run("set", "k", "v", "px", "9223372036854000000", NULL),
                     "-ERR invalid expire time in 'set' command\r\n");
    ck_assert_str_eq(th_run("set", "k", "new", "nx", "get", NULL), "$1\r\nv\r\n");
    ck_assert_str_eq(th_run("get", "k", NULL), "$1\r\nv\r\n");
    ck_assert_str_eq(th_run("setnx", "k", "x", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("setnx", "n", "x", NULL), ":1\r\n");
    ck_assert_str_eq(th_run("setex", "k", "100", "v2", NULL), "+OK\r\n");
    ck_assert_int_gt(expire_of("k"), 0);
    ck_assert_str_eq(th_run("setex", "k", "0", "v2", NULL),
                     "-ERR invalid expire time in 'setex' command\r\n");
    ck_assert_str_eq(th_run("setex", "k", "x", "v2", NULL), NOT_INT);
    ck_assert_str_eq(th_run("psetex", "k", "-5", "v2", NULL),
                     "-ERR invalid expire time in 'psetex' command\r\n");
    ck_assert_str_eq(th_run("psetex", "k", "100000", "v3", NULL), "+OK\r\n");
    ck_assert_str_eq(th_run("set", "k", "v4", "keepttl", NULL), "+OK\r\n");
    ck_assert_int_gt(expire_of("k"), 0);
    ck_assert_str_eq(th_run("set", "k", "v5", NULL), "+OK\r\n");
    ck_assert_int_eq(expire_of("k"), -1);
    make_non_string("l");
    ck_assert_str_eq(th_run("set", "l", "v", "get", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("set", "l", "v", NULL), "+OK\r\n");
}
END_TEST

START_TEST(encodings_follow_redis)
{
    th_run("set", "i", "12345", NULL);
    ck_assert_str_eq(encoding_of("i"), "int");
    th_run("set", "z", "012", NULL);
    ck_assert_str_eq(encoding_of("z"), "embstr");
    th_run("set", "e", "01234567890123456789012345678901234567890123", NULL);
    ck_assert_str_eq(encoding_of("e"), "embstr");
    th_run("set", "r", "012345678901234567890123456789012345678901234", NULL);
    ck_assert_str_eq(encoding_of("r"), "raw");
    th_run("append", "i", "6", NULL);
    ck_assert_str_eq(encoding_of("i"), "raw");
    th_run("incr", "n", NULL);
    ck_assert_str_eq(encoding_of("n"), "int");
    th_run("incrbyfloat", "f", "11", NULL);
    ck_assert_str_eq(encoding_of("f"), "embstr");
    th_run("setrange", "s", "2", "ab", NULL);
    ck_assert_str_eq(encoding_of("s"), "raw");
    th_run("setbit", "b", "1", "1", NULL);
    ck_assert_str_eq(encoding_of("b"), "raw");
}
END_TEST

START_TEST(getset_getdel_getex)
{
    ck_assert_str_eq(th_run("getset", "k", "a", NULL), "$-1\r\n");
    th_run("setex", "k", "100", "a", NULL);
    ck_assert_str_eq(th_run("getset", "k", "b", NULL), "$1\r\na\r\n");
    ck_assert_int_eq(expire_of("k"), -1);
    ck_assert_str_eq(th_run("getdel", "k", NULL), "$1\r\nb\r\n");
    ck_assert(!exists("k"));
    ck_assert_str_eq(th_run("getdel", "k", NULL), "$-1\r\n");
    make_non_string("l");
    ck_assert_str_eq(th_run("getset", "l", "x", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("getdel", "l", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("getex", "l", NULL), WRONGTYPE);

    ck_assert_str_eq(th_run("getex", "nokey", "ex", "abc", NULL), "$-1\r\n");
    ck_assert_str_eq(th_run("getex", "l", "ex", "abc", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("getex", "nokey", "ex", "10", NULL), "$-1\r\n");
    th_run("set", "k", "v", NULL);
    ck_assert_str_eq(th_run("getex", "k", "ex", "0", NULL),
                     "-ERR invalid expire time in 'getex' command\r\n");
    ck_assert_str_eq(th_run("getex", "k", "keepttl", NULL), SYNTAX);
    ck_assert_str_eq(th_run("getex", "k", "ex", "10", "px", "10", NULL), SYNTAX);
    ck_assert_str_eq(th_run("getex", "k", "persist", "ex", "10", NULL), SYNTAX);
    ck_assert_str_eq(th_run("getex", "k", "ex", NULL), SYNTAX);
    ck_assert_str_eq(th_run("getex", "k", "ex", "100", NULL), "$1\r\nv\r\n");
    ck_assert_int_gt(expire_of("k"), 0);
    ck_assert_str_eq(th_run("getex", "k", "persist", "persist", NULL), "$1\r\nv\r\n");
    ck_assert_int_eq(expire_of("k"), -1);
    ck_assert_str_eq(th_run("getex", "k", "pxat", "1", NULL), "$1\r\nv\r\n");
    ck_assert(!exists("k"));
}
END_TEST

START_TEST(mget_mset_msetnx)
{
    make_non_string("l");
    ck_assert_str_eq(th_run("mset", "a", "1", "b", "2", NULL), "+OK\r\n");
    ck_assert_str_eq(th_run("mget", "a", "l", "nokey", "b", NULL),
                     "*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n2\r\n");
    ck_assert_str_eq(th_run("mset", "a", "1", "b", NULL),
                     "-ERR wrong number of arguments for 'mset' command\r\n");
    ck_assert_str_eq(th_run("msetnx", "a", NULL),
                     "-ERR wrong number of arguments for 'msetnx' command\r\n");
    ck_assert_str_eq(th_run("msetnx", "a", "1", "b", NULL),
                     "-ERR wrong number of arguments for 'msetnx' command\r\n");
    ck_assert_str_eq(th_run("msetnx", "x", "1", "a", "2", NULL), ":0\r\n");
    ck_assert(!exists("x"));
    ck_assert_str_eq(th_run("msetnx", "x", "1", "y", "2", "x", "3", NULL), ":1\r\n");
    ck_assert_str_eq(th_run("get", "x", NULL), "$1\r\n3\r\n");
}
END_TEST

START_TEST(append_strlen)
{
    ck_assert_str_eq(th_run("append", "k", "hello", NULL), ":5\r\n");
    ck_assert_str_eq(th_run("append", "k", " world", NULL), ":11\r\n");
    ck_assert_str_eq(th_run("get", "k", NULL), "$11\r\nhello world\r\n");
    ck_assert_str_eq(th_run("strlen", "k", NULL), ":11\r\n");
    ck_assert_str_eq(th_run("strlen", "nokey", NULL), ":0\r\n");
    th_run("set", "i", "-123", NULL);
    ck_assert_str_eq(th_run("strlen", "i", NULL), ":4\r\n");
    ck_assert_str_eq(run_bin("append", "b", "a\0b", 3), ":3\r\n");
    ck_assert_str_eq(th_run("strlen", "b", NULL), ":3\r\n");
    th_run("psetex", "t", "100000", "x", NULL);
    th_run("append", "t", "y", NULL);
    ck_assert_int_gt(expire_of("t"), 0);
    make_non_string("l");
    ck_assert_str_eq(th_run("append", "l", "x", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("strlen", "l", NULL), WRONGTYPE);
}
END_TEST

START_TEST(getrange_substr)
{
    th_run("set", "k", "This is a string", NULL);
    ck_assert_str_eq(th_run("getrange", "k", "0", "3", NULL), "$4\r\nThis\r\n");
    ck_assert_str_eq(th_run("getrange", "k", "-3", "-1", NULL), "$3\r\ning\r\n");
    ck_assert_str_eq(th_run("getrange", "k", "0", "-1", NULL), "$16\r\nThis is a string\r\n");
    ck_assert_str_eq(th_run("getrange", "k", "10", "100", NULL), "$6\r\nstring\r\n");
    ck_assert_str_eq(th_run("getrange", "k", "5", "3", NULL), "$0\r\n\r\n");
    ck_assert_str_eq(th_run("getrange", "k", "-1", "-5", NULL), "$0\r\n\r\n");
    ck_assert_str_eq(th_run("getrange", "k", "-100", "-50", NULL), "$1\r\nT\r\n");
    ck_assert_str_eq(th_run("substr", "k", "0", "3", NULL), "$4\r\nThis\r\n");
    ck_assert_str_eq(th_run("getrange", "nokey", "0", "3", NULL), "$0\r\n\r\n");
    ck_assert_str_eq(th_run("getrange", "nokey", "x", "3", NULL), NOT_INT);
    th_run("set", "i", "1234", NULL);
    ck_assert_str_eq(th_run("getrange", "i", "1", "2", NULL), "$2\r\n23\r\n");
    make_non_string("l");
    ck_assert_str_eq(th_run("getrange", "l", "0", "1", NULL), WRONGTYPE);
}
END_TEST

START_TEST(setrange_cases)
{
    ck_assert_str_eq(th_run("setrange", "k", "5", "ab", NULL), ":7\r\n");
    EXPECT_BIN(th_run("get", "k", NULL), "$7\r\n\0\0\0\0\0ab\r\n");
    ck_assert_str_eq(th_run("setrange", "k", "1", "x", NULL), ":7\r\n");
    ck_assert_str_eq(th_run("setrange", "nokey", "5", "", NULL), ":0\r\n");
    ck_assert(!exists("nokey"));
    th_run("set", "i", "123", NULL);
    ck_assert_str_eq(th_run("setrange", "i", "1", "", NULL), ":3\r\n");
    ck_assert_str_eq(encoding_of("i"), "int");
    ck_assert_str_eq(th_run("setrange", "k", "-1", "x", NULL), "-ERR offset is out of range\r\n");
    ck_assert_str_eq(th_run("setrange", "k", "x", "x", NULL), NOT_INT);
    ck_assert_str_eq(th_run("setrange", "k", "536870911", "xx", NULL),
                     "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    ck_assert_str_eq(th_run("setrange", "nokey", "536870912", "x", NULL),
                     "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    make_non_string("l");
    ck_assert_str_eq(th_run("setrange", "l", "0", "x", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("setrange", "l", "-1", "x", NULL), "-ERR offset is out of range\r\n");
}
END_TEST

START_TEST(incr_family)
{
    ck_assert_str_eq(th_run("incr", "n", NULL), ":1\r\n");
    ck_assert_str_eq(th_run("incrby", "n", "10", NULL), ":11\r\n");
    ck_assert_str_eq(th_run("decr", "n", NULL), ":10\r\n");
    ck_assert_str_eq(th_run("decrby", "n", "20", NULL), ":-10\r\n");
    ck_assert_str_eq(th_run("decrby", "n", "-9223372036854775808", NULL),
                     "-ERR decrement would overflow\r\n");
    ck_assert_str_eq(th_run("incrby", "n", "x", NULL), NOT_INT);
    th_run("set", "n", "9223372036854775807", NULL);
    ck_assert_str_eq(th_run("incr", "n", NULL), "-ERR increment or decrement would overflow\r\n");
    th_run("set", "n", "-9223372036854775808", NULL);
    ck_assert_str_eq(th_run("decr", "n", NULL), "-ERR increment or decrement would overflow\r\n");
    th_run("set", "s", " 1", NULL);
    ck_assert_str_eq(th_run("incr", "s", NULL), NOT_INT);
    th_run("set", "s", "012", NULL);
    ck_assert_str_eq(th_run("incr", "s", NULL), NOT_INT);
    th_run("setex", "t", "100", "5", NULL);
    ck_assert_str_eq(th_run("incr", "t", NULL), ":6\r\n");
    ck_assert_int_gt(expire_of("t"), 0);
    make_non_string("l");
    ck_assert_str_eq(th_run("incr", "l", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("incrby", "l", "x", NULL), NOT_INT);
}
END_TEST

START_TEST(incrbyfloat_format)
{
    ck_assert_str_eq(th_run("incrbyfloat", "f", "10.5", NULL), "$4\r\n10.5\r\n");
    ck_assert_str_eq(th_run("incrbyfloat", "f", "0.1", NULL), "$4\r\n10.6\r\n");
    /* long double arithmetic shows through, exactly as in Redis */
    ck_assert_str_eq(th_run("incrbyfloat", "f", "5.0e3", NULL), "$22\r\n5010.60000000000000009\r\n");
    ck_assert_str_eq(th_run("incrbyfloat", "e", "5.0e3", NULL), "$4\r\n5000\r\n");
    ck_assert_str_eq(th_run("incrbyfloat", "e", "-5000", NULL), "$1\r\n0\r\n");
    th_run("set", "g", "1e4932", NULL);
    ck_assert_str_eq(th_run("incrbyfloat", "g", "1e4932", NULL),
                     "-ERR increment would produce NaN or Infinity\r\n");
    ck_assert_str_eq(th_run("incrbyfloat", "h", "1.5e-5", NULL), "$8\r\n0.000015\r\n");
    ck_assert_str_eq(th_run("incrbyfloat", "f", "+inf", NULL),
                     "-ERR increment would produce NaN or Infinity\r\n");
    ck_assert_str_eq(th_run("incrbyfloat", "f", "abc", NULL), "-ERR value is not a valid float\r\n");
    ck_assert_str_eq(th_run("incrbyfloat", "f", "1 ", NULL), "-ERR value is not a valid float\r\n");
    th_run("set", "s", "x", NULL);
    ck_assert_str_eq(th_run("incrbyfloat", "s", "1", NULL), "-ERR value is not a valid float\r\n");
    th_run("set", "i", "3", NULL);
    ck_assert_str_eq(th_run("incrbyfloat", "i", "-1.5", NULL), "$3\r\n1.5\r\n");
    th_run("setex", "t", "100", "1", NULL);
    ck_assert_str_eq(th_run("incrbyfloat", "t", "1", NULL), "$1\r\n2\r\n");
    ck_assert_int_gt(expire_of("t"), 0);
    make_non_string("l");
    ck_assert_str_eq(th_run("incrbyfloat", "l", "1", NULL), WRONGTYPE);
}
END_TEST

START_TEST(lcs_replies)
{
    th_run("mset", "a", "ohmytext", "b", "mynewtext", NULL);
    ck_assert_str_eq(th_run("lcs", "a", "b", NULL), "$6\r\nmytext\r\n");
    ck_assert_str_eq(th_run("lcs", "a", "b", "len", NULL), ":6\r\n");
    ck_assert_str_eq(th_run("lcs", "a", "b", "idx", NULL),
                     "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
                     "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
    ck_assert_str_eq(th_run("lcs", "a", "b", "idx", "minmatchlen", "4", "withmatchlen", NULL),
                     "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
                     ":4\r\n$3\r\nlen\r\n:6\r\n");
    ck_assert_str_eq(th_run("lcs", "a", "nokey", NULL), "$0\r\n\r\n");
    ck_assert_str_eq(th_run("lcs", "a", "b", "idx", "len", NULL),
                     "-ERR If you want both the length and indexes, please just use IDX.\r\n");
    ck_assert_str_eq(th_run("lcs", "a", "b", "foo", NULL), SYNTAX);
    ck_assert_str_eq(th_run("lcs", "a", "b", "minmatchlen", NULL), SYNTAX);
    ck_assert_str_eq(th_run("lcs", "a", "b", "minmatchlen", "x", NULL), NOT_INT);
    make_non_string("l");
    ck_assert_str_eq(th_run("lcs", "a", "l", "foo", NULL),
                     "-ERR The specified keys must contain string values\r\n");
}
END_TEST

START_TEST(setbit_getbit)
{
    ck_assert_str_eq(th_run("setbit", "b", "7", "1", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("setbit", "b", "7", "0", NULL), ":1\r\n");
    ck_assert_str_eq(th_run("setbit", "b", "1", "1", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("get", "b", NULL), "$1\r\n@\r\n");
    ck_assert_str_eq(th_run("getbit", "b", "1", NULL), ":1\r\n");
    ck_assert_str_eq(th_run("getbit", "b", "100", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("getbit", "nokey", "1", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("setbit", "z", "15", "0", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("strlen", "z", NULL), ":2\r\n");
    ck_assert_str_eq(th_run("setbit", "b", "4294967296", "1", NULL),
                     "-ERR bit offset is not an integer or out of range\r\n");
    ck_assert_str_eq(th_run("setbit", "b", "-1", "1", NULL),
                     "-ERR bit offset is not an integer or out of range\r\n");
    ck_assert_str_eq(th_run("getbit", "b", "x", NULL),
                     "-ERR bit offset is not an integer or out of range\r\n");
    ck_assert_str_eq(th_run("setbit", "b", "1", "2", NULL),
                     "-ERR bit is not an integer or out of range\r\n");
    ck_assert_str_eq(th_run("setbit", "b", "1", "x", NULL),
                     "-ERR bit is not an integer or out of range\r\n");
    th_run("psetex", "t", "100000", "1", NULL);
    ck_assert_str_eq(th_run("setbit", "t", "7", "0", NULL), ":1\r\n");
    ck_assert_str_eq(th_run("get", "t", NULL), "$1\r\n0\r\n");
    ck_assert_int_gt(expire_of("t"), 0);
    make_non_string("l");
    ck_assert_str_eq(th_run("setbit", "l", "1", "1", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("getbit", "l", "1", NULL), WRONGTYPE);
}
END_TEST

START_TEST(bitcount_cases)
{
    th_run("set", "s", "foobar", NULL);
    ck_assert_str_eq(th_run("bitcount", "s", NULL), ":26\r\n");
    ck_assert_str_eq(th_run("bitcount", "s", "0", "0", NULL), ":4\r\n");
    ck_assert_str_eq(th_run("bitcount", "s", "1", "1", NULL), ":6\r\n");
    ck_assert_str_eq(th_run("bitcount", "s", "1", "1", "byte", NULL), ":6\r\n");
    ck_assert_str_eq(th_run("bitcount", "s", "5", "30", "bit", NULL), ":17\r\n");
    ck_assert_str_eq(th_run("bitcount", "s", "-10", "-20", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("bitcount", "s", "-100", "-1", NULL), ":26\r\n");
    ck_assert_str_eq(th_run("bitcount", "nokey", "x", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("bitcount", "s", "1", NULL), SYNTAX);
    ck_assert_str_eq(th_run("bitcount", "s", "0", "1", "bits", NULL), SYNTAX);
    ck_assert_str_eq(th_run("bitcount", "s", "a", "1", "bits", NULL), NOT_INT);
    make_non_string("l");
    ck_assert_str_eq(th_run("bitcount", "l", NULL), WRONGTYPE);
}
END_TEST

START_TEST(bitpos_cases)
{
    run_bin("set", "s", "\xff\xf0\x00", 3);
    ck_assert_str_eq(th_run("bitpos", "s", "0", NULL), ":12\r\n");
    ck_assert_str_eq(th_run("bitpos", "s", "1", "2", NULL), ":-1\r\n");
    ck_assert_str_eq(th_run("bitpos", "s", "0", "2", "-1", "bit", NULL), ":12\r\n");
    ck_assert_str_eq(th_run("bitpos", "s", "1", "7", "15", "bit", NULL), ":7\r\n");
    run_bin("set", "f", "\xff\xff", 2);
    ck_assert_str_eq(th_run("bitpos", "f", "0", NULL), ":16\r\n");
    ck_assert_str_eq(th_run("bitpos", "f", "0", "0", NULL), ":16\r\n");
    ck_assert_str_eq(th_run("bitpos", "f", "0", "0", "-1", NULL), ":-1\r\n");
    ck_assert_str_eq(th_run("bitpos", "f", "0", "3", "bit", NULL), NOT_INT);
    ck_assert_str_eq(th_run("bitpos", "nokey", "0", NULL), ":0\r\n");
    ck_assert_str_eq(th_run("bitpos", "nokey", "1", NULL), ":-1\r\n");
    th_run("set", "e", "", NULL);
    ck_assert_str_eq(th_run("bitpos", "e", "0", NULL), ":-1\r\n");
    ck_assert_str_eq(th_run("bitpos", "f", "2", NULL), "-ERR The bit argument must be 1 or 0.\r\n");
    ck_assert_str_eq(th_run("bitpos", "f", "x", NULL), NOT_INT);
    ck_assert_str_eq(th_run("bitpos", "f", "1", "0", "x", "foo", NULL), SYNTAX);
    ck_assert_str_eq(th_run("bitpos", "f", "1", "0", "1", "bit", "x", NULL), SYNTAX);
    make_non_string("l");
    ck_assert_str_eq(th_run("bitpos", "l", "1", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("bitpos", "l", "2", NULL), "-ERR The bit argument must be 1 or 0.\r\n");
    ck_assert_str_eq(th_run("bitpos", "l", "1", "x", NULL), WRONGTYPE);
}
END_TEST

START_TEST(bitop_cases)
{
    th_run("set", "a", "abc", NULL);
    th_run("set", "b", "a", NULL);
    ck_assert_str_eq(th_run("bitop", "and", "d", "a", "b", NULL), ":3\r\n");
    EXPECT_BIN(th_run("get", "d", NULL), "$3\r\na\0\0\r\n");
    ck_assert_str_eq(th_run("bitop", "or", "d", "b", "a", NULL), ":3\r\n");
    ck_assert_str_eq(th_run("get", "d", NULL), "$3\r\nabc\r\n");
    ck_assert_str_eq(th_run("bitop", "xor", "d", "a", "b", "nokey", NULL), ":3\r\n");
    EXPECT_BIN(th_run("get", "d", NULL), "$3\r\n\0bc\r\n");
    ck_assert_str_eq(th_run("bitop", "not", "d", "b", NULL), ":1\r\n");
    ck_assert_str_eq(th_run("get", "d", NULL), "$1\r\n\x9e\r\n");
    ck_assert_str_eq(encoding_of("d"), "raw");
    ck_assert_str_eq(th_run("bitop", "and", "d", "nokey", NULL), ":0\r\n");
    ck_assert(!exists("d"));
    ck_assert_str_eq(th_run("bitop", "not", "d", "a", "b", NULL),
                     "-ERR BITOP NOT must be called with a single source key.\r\n");
    ck_assert_str_eq(th_run("bitop", "nand", "d", "a", NULL), SYNTAX);
    make_non_string("l");
    ck_assert_str_eq(th_run("bitop", "or", "d", "a", "l", NULL), WRONGTYPE);
    ck_assert(!exists("d"));
}
END_TEST

START_TEST(bitfield_cases)
{
    ck_assert_str_eq(th_run("bitfield", "bf", "set", "i8", "0", "100", "get", "i8", "0", NULL),
                     "*2\r\n:0\r\n:100\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "incrby", "i8", "0", "100", NULL), "*1\r\n:-56\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "overflow", "sat", "incrby", "i8", "0", "-100",
                         "overflow", "fail", "incrby", "i8", "0", "-1", NULL),
                     "*2\r\n:-128\r\n$-1\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "overflow", "sat", "set", "u8", "#1", "-1", "get",
                         "u8", "8", NULL),
                     "*2\r\n:0\r\n:255\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "overflow", "wrap", "incrby", "u8", "8", "2", NULL),
                     "*1\r\n:1\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "set", "i64", "0", "-1", "incrby", "i64", "0", "1",
                         NULL),
                     "*2\r\n:-9223090561878065152\r\n:0\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", NULL), "*0\r\n");
    ck_assert_str_eq(th_run("bitfield", "nokey", "get", "u4", "0", NULL), "*1\r\n:0\r\n");
    ck_assert(!exists("nokey"));
    ck_assert_str_eq(th_run("bitfield", "new", "overflow", "fail", "set", "u2", "0", "9", NULL),
                     "*1\r\n$-1\r\n");
    ck_assert_str_eq(th_run("strlen", "new", NULL), ":1\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "get", "u64", "0", NULL),
                     "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                     "supported but i64 is.\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "get", "I8", "0", NULL),
                     "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                     "supported but i64 is.\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "get", "i8", "#-1", NULL),
                     "-ERR bit offset is not an integer or out of range\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "set", "i8", "0", "x", NULL), NOT_INT);
    ck_assert_str_eq(th_run("bitfield", "bf", "overflow", "foo", NULL),
                     "-ERR Invalid OVERFLOW type specified\r\n");
    ck_assert_str_eq(th_run("bitfield", "bf", "get", NULL), SYNTAX);
    ck_assert_str_eq(th_run("bitfield", "bf", "get", "u8", "0", "foo", NULL), SYNTAX);
    ck_assert_str_eq(th_run("bitfield_ro", "bf", "get", "u8", "#1", NULL), "*1\r\n:0\r\n");
    ck_assert_str_eq(th_run("bitfield_ro", "bf", "set", "u8", "0", "1", NULL),
                     "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
    make_non_string("l");
    ck_assert_str_eq(th_run("bitfield", "l", "get", "u8", "0", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("bitfield", "l", "set", "u8", "0", "1", NULL), WRONGTYPE);
    ck_assert_str_eq(th_run("bitfield_ro", "l", "set", "u8", "0", "1", NULL),
                     "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
    ck_assert_str_eq(th_run("bitfield", "l", "get", "u8", "0", "set", "u8", "0", "x", NULL), NOT_INT);
}
END_TEST

/* ---- randomized: bit commands against a byte-array model ---- */

#define MODEL_BYTES 24
#define MODEL_BITS (MODEL_BYTES * 8)

static int64_t rand_in(uint64_t *st, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(th_splitmix64(st) % (uint64_t)(hi - lo + 1));
}

static int model_bit(const uint8_t *m, int64_t i)
{
    return (m[i >> 3] >> (7 - (i & 7))) & 1;
}

static void model_set_bit(uint8_t *m, int64_t i, int v)
{
    uint8_t mask = (uint8_t)(1u << (7 - (i & 7)));
    m[i >> 3] = (uint8_t)(v ? (m[i >> 3] | mask) : (m[i >> 3] & ~mask));
}

static int64_t int_reply(const char *reply)
{
    ck_assert_msg(reply[0] == ':', "not an integer reply: %s", reply);
    return strtoll(reply + 1, NULL, 10);
}

/* The documented BIT-mode range rules, stated naively. */
static bool model_range(int64_t n, int64_t *s, int64_t *e)
{
    *s = *s < 0 ? *s + n : *s;
    *e = *e < 0 ? *e + n : *e;
    *s = *s < 0 ? 0 : *s;
    *e = *e < 0 ? 0 : *e;
    *e = *e >= n ? n - 1 : *e;
    return *s <= *e;
}

static void check_count_and_pos(const uint8_t *m, uint64_t *st)
{
    char a[24], b[24], bit[4];
    int64_t s = rand_in(st, -MODEL_BITS - 8, MODEL_BITS + 8);
    int64_t e = rand_in(st, -MODEL_BITS - 8, MODEL_BITS + 8);
    int want_bit = (int)rand_in(st, 0, 1);
    snprintf(a, sizeof(a), "%lld", (long long)s);
    snprintf(b, sizeof(b), "%lld", (long long)e);
    snprintf(bit, sizeof(bit), "%d", want_bit);
    int64_t count = 0, pos = -1, cs = s, ce = e, ps = s, pe = e;
    if (!(s < 0 && e < 0 && s > e) && model_range(MODEL_BITS, &cs, &ce))
        for (int64_t i = cs; i <= ce; i++)
            count += model_bit(m, i);
    if (model_range(MODEL_BITS, &ps, &pe))
        for (int64_t i = ps; i <= pe && pos < 0; i++)
            pos = model_bit(m, i) == want_bit ? i : -1;
    ck_assert_int_eq(int_reply(th_run("bitcount", "m", a, b, "bit", NULL)), count);
    ck_assert_int_eq(int_reply(th_run("bitpos", "m", bit, a, b, "bit", NULL)), pos);
}

static void check_bitfield(uint8_t *m, uint64_t *st)
{
    bool is_signed = rand_in(st, 0, 1);
    int bits = (int)rand_in(st, 1, is_signed ? 64 : 63);
    int64_t off = rand_in(st, 0, MODEL_BITS - bits);
    char type[8], offs[24], val[24];
    snprintf(type, sizeof(type), "%c%d", is_signed ? 'i' : 'u', bits);
    snprintf(offs, sizeof(offs), "%lld", (long long)off);
    uint64_t old = 0, nv = th_splitmix64(st);
    for (int i = 0; i < bits; i++)
        old = (old << 1) | (uint64_t)model_bit(m, off + i);
    int64_t old_reply = (int64_t)old;
    if (is_signed && bits < 64 && (old >> (bits - 1)) & 1)
        old_reply = (int64_t)(old | (UINT64_MAX << bits));
    nv = bits == 64 ? nv : nv & ((UINT64_C(1) << bits) - 1);
    snprintf(val, sizeof(val), "%llu", (unsigned long long)(nv >> 1)); /* fits i64 */
    nv >>= 1;
    char want[64];
    snprintf(want, sizeof(want), "*2\r\n:%lld\r\n:%lld\r\n", (long long)old_reply,
             (long long)old_reply);
    ck_assert_str_eq(th_run("bitfield", "m", "get", type, offs, "set", type, offs, val, NULL), want);
    for (int i = 0; i < bits; i++) {
        model_set_bit(m, off + i, (int)((nv >> (bits - 1 - i)) & 1));
    }
}

START_TEST(bits_against_model_randomized)
{
    uint64_t st = th_seed("bits_against_model_randomized");
    uint8_t m[MODEL_BYTES];
    for (int i = 0; i < MODEL_BYTES; i++)
        m[i] = (uint8_t)th_splitmix64(&st);
    run_bin("set", "m", m, MODEL_BYTES);
    for (int round = 0; round < 3000; round++) {
        int64_t i = rand_in(&st, 0, MODEL_BITS - 1);
        int v = (int)rand_in(&st, 0, 1);
        char off[24], bit[4];
        snprintf(off, sizeof(off), "%lld", (long long)i);
        snprintf(bit, sizeof(bit), "%d", v);
        ck_assert_int_eq(int_reply(th_run("setbit", "m", off, bit, NULL)), model_bit(m, i));
        model_set_bit(m, i, v);
        check_count_and_pos(m, &st);
        if (round % 4 == 0)
            check_bitfield(m, &st);
    }
    ck_assert_str_eq(th_run("strlen", "m", NULL), ":24\r\n");
    th_run("get", "m", NULL);
    ck_assert_uint_eq(th_out.len, 5 + MODEL_BYTES + 2);
    ck_assert(memcmp(th_out.data + 5, m, MODEL_BYTES) == 0);
}
END_TEST

START_TEST(rows_match_redis_command_info)
{
    static const struct {
        const char *name;
        int arity, first, last, step;
    } want[] = {
        {"setnx", 3, 1, 1, 1},   {"getex", -2, 1, 1, 1},  {"mget", -2, 1, -1, 1},
        {"mset", -3, 1, -1, 2},  {"msetnx", -3, 1, -1, 2}, {"lcs", -3, 1, 2, 1},
        {"bitop", -4, 2, -1, 1}, {"bitfield_ro", -2, 1, 1, 1}, {"incrbyfloat", 3, 1, 1, 1},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(want); i++) {
        kvd_command_t *c = kvd_command_lookup(want[i].name, strlen(want[i].name));
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->arity, want[i].arity);
        ck_assert_int_eq(c->first_key, want[i].first);
        ck_assert_int_eq(c->last_key, want[i].last);
        ck_assert_int_eq(c->key_step, want[i].step);
    }
    kvd_command_t *getex = kvd_command_lookup("getex", 5);
    ck_assert_uint_eq(getex->flags, KVD_CMD_WRITE | KVD_CMD_FAST);
    ck_assert_uint_eq(getex->acl, KVD_ACL_WRITE | KVD_ACL_STRING | KVD_ACL_FAST);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("string");
    TCase *tc = tcase_create("commands");
    tcase_add_checked_fixture(tc, th_setup, th_teardown);
    tcase_add_test(tc, set_and_variants);
    tcase_add_test(tc, encodings_follow_redis);
    tcase_add_test(tc, getset_getdel_getex);
    tcase_add_test(tc, mget_mset_msetnx);
    tcase_add_test(tc, append_strlen);
    tcase_add_test(tc, getrange_substr);
    tcase_add_test(tc, setrange_cases);
    tcase_add_test(tc, incr_family);
    tcase_add_test(tc, incrbyfloat_format);
    tcase_add_test(tc, lcs_replies);
    tcase_add_test(tc, setbit_getbit);
    tcase_add_test(tc, bitcount_cases);
    tcase_add_test(tc, bitpos_cases);
    tcase_add_test(tc, bitop_cases);
    tcase_add_test(tc, bitfield_cases);
    tcase_add_test(tc, bits_against_model_randomized);
    tcase_add_test(tc, rows_match_redis_command_info);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

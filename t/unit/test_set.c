/*
 * test_set.c - set commands driven through kvd_dispatch: every command's
 * normal path and error texts compared with Redis 7.0.15's bytes, both
 * encodings and the conversion threshold, and a randomized run against a
 * simple model (SEED replays it).
 */
#include <check.h>
#include <time.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/set_type.h"
#include "cmd/shard.h"
#include "proto/reply.h"

#define MAX_ARGS 700
#define MAX_ARG_LEN 64

static kvd_config_t cfg;
static kvd_shard_t *shard;
static kvd_client_t client;
static kvd_buf_t out;
static char storage[MAX_ARGS][MAX_ARG_LEN];
static kvd_arg_t args[MAX_ARGS];

static void setup(void)
{
    kvd_commands_init();
    kvd_config_defaults(&cfg);
    shard = kvd_shard_create(0, 1, kvd_env_unix(), &cfg);
    kvd_client_init(&client, shard);
    kvd_buf_init(&out);
    client.reply = &out;
}

static void teardown(void)
{
    kvd_client_release(&client);
    kvd_shard_destroy(shard);
    kvd_config_free(&cfg);
    kvd_buf_free(&out);
}

static const char *dispatch(int argc)
{
    kvd_buf_clear(&out);
    client.argc = argc;
    client.argv = args;
    kvd_dispatch(&client);
    return kvd_buf_cstr(&out);
}

static void set_arg(int i, const char *s)
{
    ck_assert_int_lt(i, MAX_ARGS);
    ck_assert_uint_lt(strlen(s), MAX_ARG_LEN);
    snprintf(storage[i], MAX_ARG_LEN, "%s", s);
    args[i] = (kvd_arg_t){storage[i], strlen(s)};
}

/* Run a command given as NULL-terminated strings; return the reply text. */
static const char *run(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    int argc = 0;
    for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
        set_arg(argc++, s);
    va_end(ap);
    return dispatch(argc);
}

static const char *encoding_of(const char *key)
{
    kvd_entry_t *e = kvd_db_find(client.db, key, strlen(key));
    ck_assert_ptr_nonnull(e);
    return kvd_encoding_name(kvd_entry_encoding(e));
}

static bool exists(const char *key)
{
    return kvd_db_find(client.db, key, strlen(key)) != NULL;
}

/* SADD key with members prefix0..prefix{n-1} (or plain integers when prefix is ""). */
static const char *sadd_range(const char *key, const char *prefix, int from, int n)
{
    set_arg(0, "sadd");
    set_arg(1, key);
    char m[MAX_ARG_LEN];
    for (int i = 0; i < n; i++) {
        snprintf(m, sizeof(m), "%s%d", prefix, from + i);
        set_arg(2 + i, m);
    }
    return dispatch(2 + n);
}

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOT_INT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define POSITIVE "-ERR value is out of range, must be positive\r\n"

START_TEST(sadd_srem_scard_membership)
{
    ck_assert_str_eq(run("sadd", "s", "3", "1", "2", "1", NULL), ":3\r\n");
    ck_assert_str_eq(encoding_of("s"), "intset");
    ck_assert_str_eq(run("smembers", "s", NULL), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
    ck_assert_str_eq(run("scard", "s", NULL), ":3\r\n");
    ck_assert_str_eq(run("scard", "nokey", NULL), ":0\r\n");
    ck_assert_str_eq(run("sismember", "s", "2", NULL), ":1\r\n");
    ck_assert_str_eq(run("sismember", "s", "02", NULL), ":0\r\n");
    ck_assert_str_eq(run("sismember", "nokey", "2", NULL), ":0\r\n");
    ck_assert_str_eq(run("smismember", "s", "1", "x", "3", NULL), "*3\r\n:1\r\n:0\r\n:1\r\n");
    ck_assert_str_eq(run("smismember", "nokey", "a", "b", NULL), "*2\r\n:0\r\n:0\r\n");
    ck_assert_str_eq(run("smembers", "nokey", NULL), "*0\r\n");
    ck_assert_str_eq(run("srem", "s", "1", "9", "x", NULL), ":1\r\n");
    ck_assert_str_eq(run("srem", "nokey", "a", NULL), ":0\r\n");
    ck_assert_str_eq(run("srem", "s", "2", "3", "4", NULL), ":2\r\n");
    ck_assert(!exists("s"));
    /* Non-canonical integers are strings: "-0", "+1", "01" are hashtable members. */
    ck_assert_str_eq(run("sadd", "h", "-0", "+1", "01", "1", NULL), ":4\r\n");
    ck_assert_str_eq(encoding_of("h"), "hashtable");
    ck_assert_str_eq(run("sismember", "h", "01", NULL), ":1\r\n");
    ck_assert_str_eq(run("srem", "h", "-0", "+1", "01", "1", NULL), ":4\r\n");
    ck_assert(!exists("h"));
    ck_assert_str_eq(run("set", "str", "x", NULL), "+OK\r\n");
    const char *wrong[][4] = {{"sadd", "str", "a"}, {"srem", "str", "a"}, {"scard", "str"},
                              {"sismember", "str", "a"}, {"smismember", "str", "a"},
                              {"smembers", "str"}, {"spop", "str"}, {"srandmember", "str"},
                              {"sscan", "str", "0"}};
    for (size_t i = 0; i < KVD_ARRAY_LEN(wrong); i++) {
        int argc = 0;
        for (; argc < 4 && wrong[i][argc] != NULL; argc++)
            set_arg(argc, wrong[i][argc]);
        ck_assert_str_eq(dispatch(argc), WRONGTYPE);
    }
    ck_assert_str_eq(run("sadd", "s", NULL),
                     "-ERR wrong number of arguments for 'sadd' command\r\n");
}
END_TEST

START_TEST(intset_threshold_and_conversion)
{
    /* Default set-max-intset-entries is 512: 512 integers stay an intset, 513 do not. */
    ck_assert_int_eq(cfg.set_max_intset_entries, 512);
    ck_assert_str_eq(sadd_range("a", "", 0, 512), ":512\r\n");
    ck_assert_str_eq(encoding_of("a"), "intset");
    ck_assert_str_eq(run("sadd", "a", "511", NULL), ":0\r\n");
    ck_assert_str_eq(encoding_of("a"), "intset");
    ck_assert_str_eq(run("sadd", "a", "512", NULL), ":1\r\n");
    ck_assert_str_eq(encoding_of("a"), "hashtable");
    /* Never converts back, even when small and all-integer again. */
    ck_assert_str_eq(sadd_range("x", "", 0, 1), ":1\r\n");
    ck_assert_str_eq(run("sinterstore", "b", "a", "x", NULL), ":1\r\n");
    ck_assert_str_eq(encoding_of("b"), "intset");
    ck_assert_str_eq(run("sadd", "b", "foo", NULL), ":1\r\n");
    ck_assert_str_eq(encoding_of("b"), "hashtable");
    ck_assert_str_eq(run("srem", "b", "foo", NULL), ":1\r\n");
    ck_assert_str_eq(encoding_of("b"), "hashtable");
    ck_assert_str_eq(run("smembers", "b", NULL), "*1\r\n$1\r\n0\r\n");
    /* Extremes of int64 are intset members. */
    ck_assert_str_eq(run("sadd", "e", "9223372036854775807", "-9223372036854775808", NULL),
                     ":2\r\n");
    ck_assert_str_eq(encoding_of("e"), "intset");
    ck_assert_str_eq(run("smembers", "e", NULL),
                     "*2\r\n$20\r\n-9223372036854775808\r\n$19\r\n9223372036854775807\r\n");
    ck_assert_str_eq(run("sadd", "e", "9223372036854775808", NULL), ":1\r\n");
    ck_assert_str_eq(encoding_of("e"), "hashtable");
    /* CONFIG-style changes of the limit apply to later adds. */
    cfg.set_max_intset_entries = 2;
    ck_assert_str_eq(run("sadd", "f", "1", "2", NULL), ":2\r\n");
    ck_assert_str_eq(encoding_of("f"), "intset");
    ck_assert_str_eq(run("sadd", "f", "3", NULL), ":1\r\n");
    ck_assert_str_eq(encoding_of("f"), "hashtable");
    /* Large hashtable: membership, removal down to empty deletes the key. */
    ck_assert_str_eq(sadd_range("big", "m", 0, 600), ":600\r\n");
    ck_assert_str_eq(run("scard", "big", NULL), ":600\r\n");
    ck_assert_str_eq(run("sismember", "big", "m599", NULL), ":1\r\n");
    ck_assert_int_eq(run("spop", "big", "600", NULL)[0], '*');
    ck_assert(!exists("big"));
}
END_TEST

/* Count the elements of a flat array reply of bulk strings, checking the header. */
static int64_t array_len(const char *reply)
{
    ck_assert_int_eq(reply[0], '*');
    return strtoll(reply + 1, NULL, 10);
}

START_TEST(spop_srandmember)
{
    ck_assert_str_eq(run("spop", "s", "-1", NULL), POSITIVE);
    ck_assert_str_eq(run("spop", "s", "abc", NULL), POSITIVE);
    ck_assert_str_eq(run("spop", "s", "1", "2", NULL), SYNTAX);
    ck_assert_str_eq(run("spop", "nokey", "2", NULL), "*0\r\n");
    ck_assert_str_eq(run("spop", "nokey", NULL), "$-1\r\n");
    ck_assert_str_eq(run("srandmember", "nokey", NULL), "$-1\r\n");
    ck_assert_str_eq(run("srandmember", "nokey", "5", NULL), "*0\r\n");
    ck_assert_str_eq(run("srandmember", "s", "abc", NULL), NOT_INT);
    ck_assert_str_eq(run("srandmember", "s", "1", "2", NULL), SYNTAX);
    ck_assert_str_eq(run("srandmember", "s", "-9223372036854775808", NULL),
                     "-ERR value is out of range, value must between -9223372036854775807 and "
                     "9223372036854775807\r\n");
    ck_assert_str_eq(run("set", "str", "x", NULL), "+OK\r\n");
    /* The count is checked before the key's type. */
    ck_assert_str_eq(run("spop", "str", "-1", NULL), POSITIVE);
    ck_assert_str_eq(run("spop", "str", "0", NULL), WRONGTYPE);
    ck_assert_str_eq(run("srandmember", "str", "abc", NULL), NOT_INT);
    ck_assert_str_eq(run("srandmember", "str", "0", NULL), WRONGTYPE);

    ck_assert_str_eq(run("sadd", "s", "5", NULL), ":1\r\n");
    ck_assert_str_eq(run("spop", "s", "0", NULL), "*0\r\n");
    ck_assert_str_eq(run("srandmember", "s", "0", NULL), "*0\r\n");
    ck_assert_str_eq(run("srandmember", "s", NULL), "$1\r\n5\r\n");
    ck_assert_str_eq(run("srandmember", "s", "-3", NULL), "*3\r\n$1\r\n5\r\n$1\r\n5\r\n$1\r\n5\r\n");
    ck_assert_str_eq(run("srandmember", "s", "7", NULL), "*1\r\n$1\r\n5\r\n");
    ck_assert_str_eq(run("spop", "s", NULL), "$1\r\n5\r\n");
    ck_assert(!exists("s"));
    /* Count >= size returns everything (intset ascending) and deletes the key. */
    ck_assert_str_eq(run("sadd", "s", "3", "1", "2", NULL), ":3\r\n");
    ck_assert_str_eq(run("spop", "s", "3", NULL), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
    ck_assert(!exists("s"));
    for (int round = 0; round < 2; round++) {
        const char *prefix = round == 0 ? "" : "m";
        ck_assert_str_eq(sadd_range("r", prefix, 0, 100), ":100\r\n");
        ck_assert_str_eq(encoding_of("r"), round == 0 ? "intset" : "hashtable");
        ck_assert_int_eq(array_len(run("srandmember", "r", "10", NULL)), 10);
        ck_assert_int_eq(array_len(run("srandmember", "r", "90", NULL)), 90);
        ck_assert_int_eq(array_len(run("srandmember", "r", "-300", NULL)), 300);
        ck_assert_int_eq(array_len(run("srandmember", "r", "100", NULL)), 100);
        ck_assert_str_eq(run("scard", "r", NULL), ":100\r\n");
        ck_assert_int_eq(array_len(run("spop", "r", "40", NULL)), 40);
        ck_assert_str_eq(run("scard", "r", NULL), ":60\r\n");
        ck_assert_int_eq(array_len(run("spop", "r", "1000", NULL)), 60);
        ck_assert(!exists("r"));
    }
}
END_TEST

START_TEST(smove_cases)
{
    ck_assert_str_eq(run("set", "str", "x", NULL), "+OK\r\n");
    ck_assert_str_eq(run("smove", "nokey", "str", "a", NULL), ":0\r\n");
    ck_assert_str_eq(run("sadd", "a", "1", "2", NULL), ":2\r\n");
    ck_assert_str_eq(run("smove", "a", "str", "1", NULL), WRONGTYPE);
    ck_assert_str_eq(run("smove", "str", "a", "1", NULL), WRONGTYPE);
    ck_assert_str_eq(run("smove", "a", "a", "1", NULL), ":1\r\n");
    ck_assert_str_eq(run("smove", "a", "a", "9", NULL), ":0\r\n");
    ck_assert_str_eq(run("smove", "a", "b", "9", NULL), ":0\r\n");
    ck_assert(!exists("b"));
    ck_assert_str_eq(run("smove", "a", "b", "1", NULL), ":1\r\n");
    ck_assert_str_eq(encoding_of("b"), "intset");
    ck_assert_str_eq(run("sadd", "c", "x", NULL), ":1\r\n");
    ck_assert_str_eq(run("smove", "a", "c", "2", NULL), ":1\r\n");
    ck_assert(!exists("a"));
    ck_assert_str_eq(run("smismember", "c", "x", "2", NULL), "*2\r\n:1\r\n:1\r\n");
    ck_assert_str_eq(run("smove", "c", "b", "x", NULL), ":1\r\n");
    ck_assert_str_eq(encoding_of("b"), "hashtable");
    ck_assert_str_eq(run("smove", "a", "b", "x", NULL), ":0\r\n");
    ck_assert_str_eq(run("smove", "s", NULL),
                     "-ERR wrong number of arguments for 'smove' command\r\n");
}
END_TEST

START_TEST(inter_union_diff)
{
    ck_assert_str_eq(run("sadd", "a", "1", "2", "3", "4", NULL), ":4\r\n");
    ck_assert_str_eq(run("sadd", "b", "2", "3", "5", NULL), ":3\r\n");
    ck_assert_str_eq(run("sadd", "c", "3", "x", "2", NULL), ":3\r\n");
    ck_assert_str_eq(run("set", "str", "x", NULL), "+OK\r\n");
    ck_assert_str_eq(run("sinter", "a", "b", NULL), "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
    ck_assert_str_eq(run("sinter", "a", "nokey", NULL), "*0\r\n");
    ck_assert_str_eq(run("sinter", "nokey", "str", NULL), WRONGTYPE);
    ck_assert_str_eq(run("sinterstore", "d", "a", "b", "c", NULL), ":2\r\n");
    ck_assert_str_eq(encoding_of("d"), "intset");
    ck_assert_str_eq(run("smembers", "d", NULL), "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
    ck_assert_str_eq(run("sinterstore", "d", "a", "nokey", NULL), ":0\r\n");
    ck_assert(!exists("d"));
    ck_assert_str_eq(run("sinterstore", "str", "a", NULL), ":4\r\n");
    ck_assert_str_eq(run("del", "str", NULL), ":1\r\n");
    ck_assert_str_eq(run("sunion", "a", "b", "nokey", NULL),
                     "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n");
    ck_assert_str_eq(run("sunion", "nokey", NULL), "*0\r\n");
    ck_assert_str_eq(run("sunionstore", "u", "a", "c", NULL), ":5\r\n");
    ck_assert_str_eq(encoding_of("u"), "hashtable");
    ck_assert_str_eq(run("sunionstore", "u", "nokey", NULL), ":0\r\n");
    ck_assert(!exists("u"));
    ck_assert_str_eq(run("sdiff", "a", "b", NULL), "*2\r\n$1\r\n1\r\n$1\r\n4\r\n");
    ck_assert_str_eq(run("sdiff", "nokey", "a", NULL), "*0\r\n");
    ck_assert_str_eq(run("sdiff", "a", "nokey", NULL),
                     "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    ck_assert_str_eq(run("sdiffstore", "a", "a", "b", "c", NULL), ":2\r\n");
    ck_assert_str_eq(run("smembers", "a", NULL), "*2\r\n$1\r\n1\r\n$1\r\n4\r\n");
    ck_assert_str_eq(run("sdiffstore", "a", "a", "a", NULL), ":0\r\n");
    ck_assert(!exists("a"));
    ck_assert_str_eq(run("set", "str", "x", NULL), "+OK\r\n");
    ck_assert_str_eq(run("sdiffstore", "d", "str", NULL), WRONGTYPE);
    ck_assert_str_eq(run("sunion", "b", "str", NULL), WRONGTYPE);
    /* When Redis's SDIFF copies the first set and removes from the copy, a
     * non-integer member it later removes still leaves a hashtable. */
    ck_assert_str_eq(run("sadd", "x", "1", "2", "3", "foo", NULL), ":4\r\n");
    ck_assert_str_eq(run("sadd", "y", "foo", NULL), ":1\r\n");
    ck_assert_str_eq(run("sadd", "z", "9", NULL), ":1\r\n");
    ck_assert_str_eq(run("sdiffstore", "d", "x", "y", "z", "z", NULL), ":3\r\n");
    ck_assert_str_eq(encoding_of("d"), "hashtable");
    ck_assert_str_eq(run("sdiffstore", "d", "x", "y", NULL), ":3\r\n");
    ck_assert_str_eq(encoding_of("d"), "intset");
}
END_TEST

START_TEST(sintercard_cases)
{
    ck_assert_str_eq(run("sadd", "a", "1", "2", "3", NULL), ":3\r\n");
    ck_assert_str_eq(run("sadd", "b", "1", "2", "3", "4", NULL), ":4\r\n");
    ck_assert_str_eq(run("set", "str", "x", NULL), "+OK\r\n");
    ck_assert_str_eq(run("sintercard", "0", "a", NULL), "-ERR numkeys should be greater than 0\r\n");
    ck_assert_str_eq(run("sintercard", "abc", "a", NULL),
                     "-ERR numkeys should be greater than 0\r\n");
    ck_assert_str_eq(run("sintercard", "-1", "a", NULL),
                     "-ERR numkeys should be greater than 0\r\n");
    ck_assert_str_eq(run("sintercard", "3", "a", NULL),
                     "-ERR Number of keys can't be greater than number of args\r\n");
    ck_assert_str_eq(run("sintercard", "1", "a", "limit", "-1", NULL),
                     "-ERR LIMIT can't be negative\r\n");
    ck_assert_str_eq(run("sintercard", "1", "a", "limit", "abc", NULL),
                     "-ERR LIMIT can't be negative\r\n");
    ck_assert_str_eq(run("sintercard", "1", "str", "limit", "-1", NULL),
                     "-ERR LIMIT can't be negative\r\n");
    ck_assert_str_eq(run("sintercard", "1", "a", "foo", "1", NULL), SYNTAX);
    ck_assert_str_eq(run("sintercard", "1", "a", "limit", NULL), SYNTAX);
    ck_assert_str_eq(run("sintercard", "1", "a", "limit", "1", "limit", "2", NULL), ":2\r\n");
    ck_assert_str_eq(run("sintercard", "1", "a", "limit", "0", NULL), ":3\r\n");
    ck_assert_str_eq(run("sintercard", "2", "a", "b", NULL), ":3\r\n");
    ck_assert_str_eq(run("sintercard", "2", "a", "b", "LIMIT", "10", NULL), ":3\r\n");
    ck_assert_str_eq(run("sintercard", "2", "a", "nokey", NULL), ":0\r\n");
    ck_assert_str_eq(run("sintercard", "2", "nokey", "str", NULL), WRONGTYPE);
    kvd_command_t *cmd = kvd_command_lookup("sintercard", 10);
    const char *argv[] = {"sintercard", "2", "a", "b", "limit", "1"};
    size_t lens[6];
    for (int i = 0; i < 6; i++)
        lens[i] = strlen(argv[i]);
    int keys[8];
    ck_assert_int_eq(cmd->getkeys(6, argv, lens, keys, 8), 2);
    ck_assert_int_eq(keys[0], 2);
    ck_assert_int_eq(keys[1], 3);
    argv[1] = "5";
    ck_assert_int_eq(cmd->getkeys(6, argv, lens, keys, 8), -1);
}
END_TEST

START_TEST(sscan_cases)
{
    ck_assert_str_eq(run("sscan", "nokey", "0", NULL), "*2\r\n$1\r\n0\r\n*0\r\n");
    ck_assert_str_eq(run("sscan", "nokey", "abc", NULL), "-ERR invalid cursor\r\n");
    ck_assert_str_eq(run("sscan", "nokey", "0", "count", "0", NULL), "*2\r\n$1\r\n0\r\n*0\r\n");
    ck_assert_str_eq(run("set", "str", "x", NULL), "+OK\r\n");
    ck_assert_str_eq(run("sscan", "str", "abc", NULL), "-ERR invalid cursor\r\n");
    ck_assert_str_eq(run("sscan", "str", "0", "count", "0", NULL), WRONGTYPE);
    ck_assert_str_eq(run("sadd", "s", "1", "2", "3", "10", NULL), ":4\r\n");
    ck_assert_str_eq(run("sscan", "s", "18446744073709551616", NULL), "-ERR invalid cursor\r\n");
    ck_assert_str_eq(run("sscan", "s", " 1", NULL), "-ERR invalid cursor\r\n");
    ck_assert_str_eq(run("sscan", "s", "0", "count", "0", NULL), SYNTAX);
    ck_assert_str_eq(run("sscan", "s", "0", "count", "abc", NULL), NOT_INT);
    ck_assert_str_eq(run("sscan", "s", "0", "type", "string", NULL), SYNTAX);
    ck_assert_str_eq(run("sscan", "s", "0", "match", NULL), SYNTAX);
    /* An intset comes back whole, with cursor 0, whatever the cursor and count. */
    ck_assert_str_eq(run("sscan", "s", "-1", "count", "1", NULL),
                     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n");
    ck_assert_str_eq(run("sscan", "s", "0", "match", "1*", NULL),
                     "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$2\r\n10\r\n");
    /* A hashtable walk returns every member at least once. */
    ck_assert_str_eq(sadd_range("h", "k", 0, 300), ":300\r\n");
    static bool seen[300];
    memset(seen, 0, sizeof(seen));
    char cursor[32] = "0";
    int calls = 0;
    do {
        const char *r = run("sscan", "h", cursor, "count", "7", "match", "k*", NULL);
        ck_assert(strncmp(r, "*2\r\n$", 5) == 0);
        const char *p = strchr(r + 5, '\n') + 1;
        size_t clen = strcspn(p, "\r");
        ck_assert_uint_lt(clen, sizeof(cursor));
        memcpy(cursor, p, clen);
        cursor[clen] = '\0';
        p = strchr(p, '\n') + 1;
        int64_t n = array_len(p);
        p = strchr(p, '\n') + 1;
        for (int64_t i = 0; i < n; i++) {
            p = strchr(p, '\n') + 1; /* skip $len */
            ck_assert_int_eq(p[0], 'k');
            int idx = atoi(p + 1);
            ck_assert(idx >= 0 && idx < 300);
            seen[idx] = true;
            p = strchr(p, '\n') + 1;
        }
        calls++;
    } while (strcmp(cursor, "0") != 0 && calls < 1000);
    ck_assert_int_lt(calls, 1000);
    for (int i = 0; i < 300; i++)
        ck_assert(seen[i]);
    ck_assert_str_eq(run("sscan", "h", "0", "match", "nomatch*", "count", "1000", NULL),
                     "*2\r\n$1\r\n0\r\n*0\r\n");
}
END_TEST

/* Rows as `COMMAND INFO` of Redis 7.0.15 reports them. */
START_TEST(rows_match_redis_command_info)
{
    const uint32_t W = KVD_CMD_WRITE, R = KVD_CMD_READONLY, D = KVD_CMD_DENYOOM,
                   F = KVD_CMD_FAST;
    const uint32_t AR = KVD_ACL_READ | KVD_ACL_SET, AW = KVD_ACL_WRITE | KVD_ACL_SET;
    const uint32_t AF = KVD_ACL_FAST, AS = KVD_ACL_SLOW;
    struct {
        const char *name;
        int arity;
        uint32_t flags, acl;
        int first, last, step;
    } want[] = {
        {"sadd", -3, W | D | F, AW | AF, 1, 1, 1},
        {"srem", -3, W | F, AW | AF, 1, 1, 1},
        {"scard", 2, R | F, AR | AF, 1, 1, 1},
        {"sismember", 3, R | F, AR | AF, 1, 1, 1},
        {"smismember", -3, R | F, AR | AF, 1, 1, 1},
        {"smembers", 2, R, AR | AS, 1, 1, 1},
        {"spop", -2, W | F, AW | AF, 1, 1, 1},
        {"srandmember", -2, R, AR | AS, 1, 1, 1},
        {"smove", 4, W | F, AW | AF, 1, 2, 1},
        {"sinter", -2, R, AR | AS, 1, -1, 1},
        {"sintercard", -3, R | KVD_CMD_MOVABLE_KEYS, AR | AS, 0, 0, 0},
        {"sinterstore", -3, W | D, AW | AS, 1, -1, 1},
        {"sunion", -2, R, AR | AS, 1, -1, 1},
        {"sunionstore", -3, W | D, AW | AS, 1, -1, 1},
        {"sdiff", -2, R, AR | AS, 1, -1, 1},
        {"sdiffstore", -3, W | D, AW | AS, 1, -1, 1},
        {"sscan", -3, R, AR | AS, 1, 1, 1},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(want); i++) {
        kvd_command_t *c = kvd_command_lookup(want[i].name, strlen(want[i].name));
        ck_assert_msg(c != NULL, "%s", want[i].name);
        ck_assert_int_eq(c->arity, want[i].arity);
        ck_assert_uint_eq(c->flags, want[i].flags);
        ck_assert_uint_eq(c->acl, want[i].acl);
        ck_assert_int_eq(c->first_key, want[i].first);
        ck_assert_int_eq(c->last_key, want[i].last);
        ck_assert_int_eq(c->key_step, want[i].step);
        ck_assert_str_eq(c->group, "set");
    }
}
END_TEST

START_TEST(dup_and_free_hooks)
{
    ck_assert_str_eq(run("sadd", "a", "1", "2", NULL), ":2\r\n");
    ck_assert_str_eq(run("sadd", "b", "x", "y", NULL), ":2\r\n");
    for (int i = 0; i < 2; i++) {
        kvd_entry_t *e = kvd_db_find(client.db, i == 0 ? "a" : "b", 1);
        const kvd_set_t *s = kvd_entry_ptr(e);
        kvd_set_t *copy = kvd_value_dup(KVD_TYPE_SET, kvd_entry_encoding(e), s);
        ck_assert_ptr_ne(copy, s);
        ck_assert_uint_eq(kvd_set_size(copy), 2);
        ck_assert(kvd_set_contains(copy, i == 0 ? "2" : "y", 1));
        kvd_set_verify_invariants(copy);
        kvd_set_free_value(copy, copy->enc);
    }
}
END_TEST

/* ---- randomized comparison with a model ---- */

#define NKEYS 4
#define UNIVERSE 56 /* members 0..39 are the integers -20..19, the rest "m40".."m55" */
#define MODEL_LIMIT 12

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int pick(int n)
{
    return (int)(rng() % (uint64_t)n);
}

static void member_name(int u, char *buf, size_t n)
{
    if (u < 40)
        snprintf(buf, n, "%d", u - 20);
    else
        snprintf(buf, n, "m%d", u);
}

static int member_index(const char *p, size_t len)
{
    KVD_UNUSED(len);
    return p[0] == 'm' ? atoi(p + 1) : atoi(p) + 20;
}

static const char *key_name(int k)
{
    static const char *names[NKEYS] = {"k0", "k1", "k2", "k3"};
    return names[k];
}

typedef struct model {
    bool in[NKEYS][UNIVERSE];
} model_t;

static int model_card(const model_t *m, int k)
{
    int n = 0;
    for (int u = 0; u < UNIVERSE; u++)
        n += m->in[k][u];
    return n;
}

/* Parse an array-of-bulk reply into member indexes; returns the count. */
static int parse_members(const char *r, int *idx, int max)
{
    int n = (int)array_len(r);
    ck_assert_int_le(n, max);
    const char *p = strchr(r, '\n') + 1;
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(p[0], '$');
        size_t len = (size_t)atoi(p + 1);
        p = strchr(p, '\n') + 1;
        idx[i] = member_index(p, len);
        ck_assert(idx[i] >= 0 && idx[i] < UNIVERSE);
        p += len + 2;
    }
    ck_assert_int_eq(*p, '\0');
    return n;
}

/* The key's contents equal the model, intsets list ascending, and the encoding is plausible. */
static void check_key(const model_t *m, int k)
{
    int card = model_card(m, k);
    if (card == 0) {
        ck_assert(!exists(key_name(k)));
        return;
    }
    int idx[UNIVERSE * 2];
    int n = parse_members(run("smembers", key_name(k), NULL), idx, UNIVERSE);
    ck_assert_int_eq(n, card);
    bool intset = strcmp(encoding_of(key_name(k)), "intset") == 0;
    bool has_string = false;
    for (int i = 0; i < n; i++) {
        ck_assert(m->in[k][idx[i]]);
        has_string |= idx[i] >= 40;
        if (intset && i > 0)
            ck_assert_int_lt(idx[i - 1], idx[i]);
    }
    if (has_string || card > MODEL_LIMIT)
        ck_assert(!intset);
    kvd_entry_t *e = kvd_db_find(client.db, key_name(k), 2);
    kvd_set_verify_invariants(kvd_entry_ptr(e));
}

static void random_sadd_srem(model_t *m, int k, bool add)
{
    int n = 1 + pick(4), expect = 0;
    bool dup[UNIVERSE] = {0};
    set_arg(0, add ? "sadd" : "srem");
    set_arg(1, key_name(k));
    for (int i = 0; i < n; i++) {
        char buf[16];
        int u = pick(UNIVERSE);
        member_name(u, buf, sizeof(buf));
        set_arg(2 + i, buf);
        if (!dup[u] && m->in[k][u] != add)
            expect++;
        dup[u] = true;
        m->in[k][u] = add;
    }
    char want[32];
    snprintf(want, sizeof(want), ":%d\r\n", expect);
    ck_assert_str_eq(dispatch(2 + n), want);
}

static void random_pop_or_rand(model_t *m, int k, bool pop)
{
    int card = model_card(m, k);
    int count = pick(2 * UNIVERSE) - (pop ? 0 : UNIVERSE / 2);
    if (pop && count < 0)
        count = -count;
    char cnt[16];
    snprintf(cnt, sizeof(cnt), "%d", count);
    int idx[UNIVERSE * 2];
    int n = parse_members(run(pop ? "spop" : "srandmember", key_name(k), cnt, NULL), idx,
                          UNIVERSE * 2);
    int want = count < 0 ? (card == 0 ? 0 : -count) : (count < card ? count : card);
    ck_assert_int_eq(n, want);
    bool seen[UNIVERSE] = {0};
    for (int i = 0; i < n; i++) {
        ck_assert(m->in[k][idx[i]]);
        if (count > 0)
            ck_assert(!seen[idx[i]]);
        seen[idx[i]] = true;
    }
    for (int i = 0; pop && i < n; i++)
        m->in[k][idx[i]] = false;
}

static void random_store(model_t *m, int dst, int a, int b, int op)
{
    static const char *names[] = {"sinterstore", "sunionstore", "sdiffstore"};
    bool res[UNIVERSE];
    int expect = 0;
    for (int u = 0; u < UNIVERSE; u++) {
        bool x = m->in[a][u], y = m->in[b][u];
        res[u] = op == 0 ? x && y : op == 1 ? x || y : x && !y;
        expect += res[u];
    }
    char want[32];
    snprintf(want, sizeof(want), ":%d\r\n", expect);
    ck_assert_str_eq(run(names[op], key_name(dst), key_name(a), key_name(b), NULL), want);
    memcpy(m->in[dst], res, sizeof(res));
}

static void random_step(model_t *m)
{
    int k = pick(NKEYS), k2 = pick(NKEYS), op = pick(10);
    if (op <= 1) {
        random_sadd_srem(m, k, op == 0 || pick(3) > 0);
    } else if (op <= 3) {
        random_pop_or_rand(m, k, op == 2);
    } else if (op == 4) {
        char buf[16];
        int u = pick(UNIVERSE);
        member_name(u, buf, sizeof(buf));
        bool moved = m->in[k][u];
        ck_assert_str_eq(run("smove", key_name(k), key_name(k2), buf, NULL),
                         moved ? ":1\r\n" : ":0\r\n");
        if (moved && k != k2) {
            m->in[k][u] = false;
            m->in[k2][u] = true;
        }
    } else if (op <= 7) {
        random_store(m, pick(NKEYS), k, k2, op - 5);
    } else {
        int expect = 0;
        for (int u = 0; u < UNIVERSE; u++)
            expect += m->in[k][u] && m->in[k2][u];
        char want[32], lim[16];
        int limit = pick(8);
        snprintf(lim, sizeof(lim), "%d", limit);
        if (limit != 0 && expect > limit)
            expect = limit;
        snprintf(want, sizeof(want), ":%d\r\n", expect);
        ck_assert_str_eq(run("sintercard", "2", key_name(k), key_name(k2), "limit", lim, NULL),
                         want);
    }
}

START_TEST(against_model_randomized)
{
    const char *env = getenv("SEED");
    uint64_t seed = env != NULL ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_set: against_model_randomized SEED=%llu\n", (unsigned long long)seed);
    fflush(stdout);
    rng_state = seed * 2654435761u + 1;
    cfg.set_max_intset_entries = MODEL_LIMIT;
    static model_t m;
    memset(&m, 0, sizeof(m));
    for (int step = 0; step < 20000; step++) {
        random_step(&m);
        check_key(&m, step % NKEYS);
    }
    for (int k = 0; k < NKEYS; k++)
        check_key(&m, k);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("set");
    TCase *tc = tcase_create("commands");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, sadd_srem_scard_membership);
    tcase_add_test(tc, intset_threshold_and_conversion);
    tcase_add_test(tc, spop_srandmember);
    tcase_add_test(tc, smove_cases);
    tcase_add_test(tc, inter_union_diff);
    tcase_add_test(tc, sintercard_cases);
    tcase_add_test(tc, sscan_cases);
    tcase_add_test(tc, rows_match_redis_command_info);
    tcase_add_test(tc, dup_and_free_hooks);
    tcase_add_test(tc, against_model_randomized);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

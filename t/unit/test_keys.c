/*
 * test_keys.c - the generic key commands (t_keys.c) and the expiry
 * commands (t_expire.c), driven through kvd_dispatch with a clock the
 * tests move.  Replies are compared byte for byte with what Redis 7.0.15
 * sends.
 *
 * Randomized tests print "seed=N" and replay with SEED=N.
 */
#include "harness.h"
#include <check.h>
#include <time.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/shard.h"
#include "proto/reply.h"

#define CHECK(expected, ...) ck_assert_str_eq(th_run(__VA_ARGS__, NULL), expected)

/* ---- DEL, UNLINK, EXISTS, TOUCH, TYPE ---- */

START_TEST(del_unlink_exists)
{
    CHECK("+OK\r\n", "set", "a", "1");
    CHECK("+OK\r\n", "set", "b", "2");
    CHECK(":3\r\n", "exists", "a", "b", "a", "nokey");
    CHECK(":1\r\n", "del", "a", "a", "nokey");
    CHECK(":1\r\n", "unlink", "b", "nokey");
    CHECK(":0\r\n", "exists", "a", "b");
    CHECK(":0\r\n", "del", "a");
    CHECK("-ERR wrong number of arguments for 'unlink' command\r\n", "unlink");
    CHECK("-ERR wrong number of arguments for 'exists' command\r\n", "exists");
}
END_TEST

START_TEST(touch_type_idletime)
{
    CHECK("+OK\r\n", "set", "a", "1");
    CHECK("+OK\r\n", "set", "b", "2");
    CHECK("+string\r\n", "type", "a");
    CHECK("+none\r\n", "type", "nokey");
    th_advance_ms(5000);
    CHECK(":5\r\n", "object", "idletime", "a");
    /* OBJECT and TYPE do not count as access; TOUCH does. */
    CHECK(":5\r\n", "object", "idletime", "a");
    uint64_t hits = th_shard->stats.db.keyspace_hits, misses = th_shard->stats.db.keyspace_misses;
    CHECK(":3\r\n", "touch", "a", "b", "nokey", "a");
    ck_assert_uint_eq(th_shard->stats.db.keyspace_hits, hits + 3);
    ck_assert_uint_eq(th_shard->stats.db.keyspace_misses, misses + 1);
    CHECK(":0\r\n", "object", "idletime", "a");
    CHECK("-ERR wrong number of arguments for 'type' command\r\n", "type", "a", "b");
}
END_TEST

/* Which commands count keyspace hits/misses and which reset the access
 * clock, as measured on redis-server 7.0.15. */
START_TEST(stats_and_access_clock)
{
    static const struct {
        const char *cmd;
        bool counts, touches;
    } cases[] = {
        {"exists", true, false}, {"type", true, false},      {"ttl", true, false},
        {"pttl", true, false},   {"expiretime", true, false}, {"touch", true, true},
        {"persist", false, true},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(cases); i++) {
        CHECK("+OK\r\n", "set", "k", "v");
        th_advance_ms(3000);
        uint64_t hits = th_shard->stats.db.keyspace_hits;
        uint64_t misses = th_shard->stats.db.keyspace_misses;
        th_run(cases[i].cmd, "k", NULL);
        th_run(cases[i].cmd, "nokey", NULL);
        ck_assert_msg(th_shard->stats.db.keyspace_hits == hits + cases[i].counts, "%s", cases[i].cmd);
        ck_assert_msg(th_shard->stats.db.keyspace_misses == misses + cases[i].counts, "%s",
                      cases[i].cmd);
        ck_assert_str_eq(th_run("object", "idletime", "k", NULL), cases[i].touches ? ":0\r\n" : ":3\r\n");
    }
    CHECK("+OK\r\n", "set", "k", "v");
    th_advance_ms(3000);
    CHECK(":0\r\n", "expire", "k", "100", "gt"); /* refused, still a write lookup */
    CHECK(":0\r\n", "object", "idletime", "k");
}
END_TEST

/* ---- RENAME, RENAMENX ---- */

static const char long_value[] = "0123456789012345678901234567890123456789012345678901234567890";

START_TEST(rename_family)
{
    CHECK("-ERR no such key\r\n", "rename", "nokey", "x");
    CHECK("-ERR no such key\r\n", "rename", "nokey", "nokey");
    CHECK("-ERR no such key\r\n", "renamenx", "nokey", "x");
    CHECK("+OK\r\n", "set", "a", "1");
    CHECK("+OK\r\n", "rename", "a", "a");
    CHECK(":0\r\n", "renamenx", "a", "a");
    CHECK("+OK\r\n", "rename", "a", "b");
    CHECK(":0\r\n", "exists", "a");
    CHECK("$1\r\n1\r\n", "get", "b");
    CHECK("$3\r\nint\r\n", "object", "encoding", "b");
    /* The expiry moves with the value; the target's own expiry goes. */
    CHECK("+OK\r\n", "set", "t", long_value, "ex", "100");
    CHECK("+OK\r\n", "set", "u", "x", "ex", "5");
    CHECK("+OK\r\n", "rename", "t", "u");
    CHECK(":100\r\n", "ttl", "u");
    CHECK("$3\r\nraw\r\n", "object", "encoding", "u");
    CHECK("+OK\r\n", "rename", "b", "u");
    CHECK(":-1\r\n", "ttl", "u");
    CHECK("$1\r\n1\r\n", "get", "u");
    CHECK("+OK\r\n", "set", "c", "v");
    CHECK(":0\r\n", "renamenx", "c", "u");
    CHECK(":1\r\n", "renamenx", "c", "d");
    CHECK("$1\r\nv\r\n", "get", "d");
    CHECK("$6\r\nembstr\r\n", "object", "encoding", "d");
    CHECK("-ERR wrong number of arguments for 'rename' command\r\n", "rename", "a");
}
END_TEST

START_TEST(rename_expired_source)
{
    CHECK("+OK\r\n", "set", "a", "1", "px", "10");
    th_advance_ms(11); /* as in Redis, a key lives through its expiry millisecond */
    CHECK("-ERR no such key\r\n", "rename", "a", "b");
    CHECK(":0\r\n", "exists", "b");
}
END_TEST

/* ---- KEYS ---- */

START_TEST(keys_patterns)
{
    CHECK("*0\r\n", "keys", "*");
    const char *names[] = {"foo", "fox", "bar", "f*o", "", "F\\oo"};
    for (size_t i = 0; i < KVD_ARRAY_LEN(names); i++)
        CHECK("+OK\r\n", "set", names[i], "v");
    /* Sort-free checks: count the elements only where order varies. */
    ck_assert_str_eq(th_run("keys", "*", NULL) , th_run("keys", "*", NULL));
    ck_assert_int_eq(atoi(th_run("keys", "*", NULL) + 1), 6); /* "*" lists the empty key */
    CHECK("*0\r\n", "keys", "?");
    CHECK("*1\r\n$3\r\nbar\r\n", "keys", "b*");
    CHECK("*1\r\n$3\r\nf*o\r\n", "keys", "f\\*o");
    CHECK("*1\r\n$3\r\nfox\r\n", "keys", "fo[x]");
    CHECK("*1\r\n$3\r\nfox\r\n", "keys", "fo[^o]");
    CHECK("*0\r\n", "keys", "[]");
    CHECK("*0\r\n", "keys", "\\");
    ck_assert_int_eq(atoi(th_run("keys", "f??", NULL) + 1), 3);
    ck_assert_int_eq(atoi(th_run("keys", "*o*", NULL) + 1), 4);
    CHECK("-ERR wrong number of arguments for 'keys' command\r\n", "keys");
}
END_TEST

START_TEST(keys_skip_expired)
{
    CHECK("+OK\r\n", "set", "a", "1", "px", "100");
    CHECK("+OK\r\n", "set", "b", "1");
    th_advance_ms(101);
    CHECK("*1\r\n$1\r\nb\r\n", "keys", "*");
}
END_TEST

/* Redis's "5 keys in, 5 keys out": a volatile key among plain ones. */
START_TEST(keys_five_in_five_out)
{
    CHECK("+OK\r\n", "flushdb");
    CHECK("+OK\r\n", "set", "a", "c");
    CHECK(":1\r\n", "expire", "a", "5");
    const char *names[] = {"t", "e", "s", "foo"};
    for (size_t i = 0; i < KVD_ARRAY_LEN(names); i++)
        CHECK("+OK\r\n", "set", names[i], "c");
    ck_assert_int_eq(atoi(th_run("keys", "*", NULL) + 1), 5);
    ck_assert_int_eq(atoi(th_run("scan", "0", "count", "100", NULL) + 12), 5);
}
END_TEST

/* ---- SCAN ---- */

START_TEST(scan_errors_and_cursor_parsing)
{
    CHECK("*2\r\n$1\r\n0\r\n*0\r\n", "scan", "0");
    CHECK("-ERR invalid cursor\r\n", "scan", "x");
    CHECK("-ERR invalid cursor\r\n", "scan", " 1");
    CHECK("-ERR invalid cursor\r\n", "scan", "1x");
    CHECK("-ERR invalid cursor\r\n", "scan", "-");
    CHECK("-ERR invalid cursor\r\n", "scan", "18446744073709551616");
    CHECK("*2\r\n$1\r\n0\r\n*0\r\n", "scan", "");
    CHECK("*2\r\n$1\r\n0\r\n*0\r\n", "scan", "+0");
    CHECK("*2\r\n$1\r\n0\r\n*0\r\n", "scan", "18446744073709551615");
    CHECK("-ERR syntax error\r\n", "scan", "0", "count", "0");
    CHECK("-ERR syntax error\r\n", "scan", "0", "count", "-1");
    CHECK("-ERR value is not an integer or out of range\r\n", "scan", "0", "count", "x");
    CHECK("-ERR syntax error\r\n", "scan", "0", "count");
    CHECK("-ERR syntax error\r\n", "scan", "0", "match");
    CHECK("-ERR syntax error\r\n", "scan", "0", "type");
    CHECK("-ERR syntax error\r\n", "scan", "0", "foo", "bar");
    CHECK("-ERR wrong number of arguments for 'scan' command\r\n", "scan");
}
END_TEST

START_TEST(scan_match_and_type)
{
    CHECK("+OK\r\n", "set", "k1", "v");
    CHECK("+OK\r\n", "set", "", "v");
    CHECK("*2\r\n$1\r\n0\r\n*1\r\n$2\r\nk1\r\n", "scan", "0", "match", "k*", "count", "100");
    CHECK("*2\r\n$1\r\n0\r\n*1\r\n$2\r\nk1\r\n", "scan", "0", "MATCH", "k?", "TYPE", "STRING");
    CHECK("*2\r\n$1\r\n0\r\n*0\r\n", "scan", "0", "type", "list");
    CHECK("*2\r\n$1\r\n0\r\n*0\r\n", "scan", "0", "type", "nosuchtype");
    ck_assert_int_eq(atoi(th_run("scan", "0", "match", "*", NULL) + 12), 2);
}
END_TEST

/* Parse a SCAN reply: returns the cursor, calls fn for each key. */
static uint64_t parse_scan_reply(const char *r, void (*fn)(const char *, size_t, void *), void *arg)
{
    ck_assert_msg(strncmp(r, "*2\r\n$", 5) == 0, "bad reply %s", r);
    const char *p = strchr(r + 5, '\n') + 1;
    uint64_t cursor = strtoull(p, NULL, 10);
    p = strchr(p, '\n') + 1;
    ck_assert(*p == '*');
    long n = strtol(p + 1, NULL, 10);
    p = strchr(p, '\n') + 1;
    for (long i = 0; i < n; i++) {
        ck_assert(*p == '$');
        size_t len = strtoul(p + 1, NULL, 10);
        p = strchr(p, '\n') + 1;
        fn(p, len, arg);
        p += len + 2;
    }
    return cursor;
}

#define GUARANTEE_KEYS 4000

typedef struct seen {
    unsigned char hits[GUARANTEE_KEYS];
} seen_t;

static void mark_seen(const char *k, size_t len, void *arg)
{
    seen_t *s = arg;
    ck_assert_uint_gt(len, 1);
    long i = strtol(k + 1, NULL, 10);
    ck_assert(i >= 0 && i < GUARANTEE_KEYS);
    s->hits[i] = 1;
}

static void set_key(int i)
{
    char name[32];
    snprintf(name, sizeof(name), "k%d", i);
    const char *argv[] = {"set", name, "v"};
    ck_assert_str_eq(th_run_argv(3, argv), "+OK\r\n");
}

static void del_key(int i)
{
    char name[32];
    snprintf(name, sizeof(name), "k%d", i);
    const char *argv[] = {"del", name};
    th_run_argv(2, argv);
}

/*
 * SCAN's guarantee: a key present from the first call to the last is
 * returned, while other keys come and go (growing and shrinking the
 * table).  Keys [0, stable) stay; [stable, GUARANTEE_KEYS) churn.
 */
START_TEST(scan_guarantee_randomized)
{
    uint64_t rng = th_seed("scan_guarantee_randomized");
    for (int round = 0; round < 5; round++) {
        th_run("flushall", NULL);
        int stable = 100 + (int)(th_splitmix64(&rng) % 1000);
        for (int i = 0; i < stable; i++)
            set_key(i);
        seen_t seen = {{0}};
        uint64_t cursor = 0;
        int calls = 0;
        do {
            char cur[32], cnt[16];
            snprintf(cur, sizeof(cur), "%llu", (unsigned long long)cursor);
            snprintf(cnt, sizeof(cnt), "%d", 1 + (int)(th_splitmix64(&rng) % 20));
            const char *argv[] = {"scan", cur, "count", cnt};
            cursor = parse_scan_reply(th_run_argv(4, argv), mark_seen, &seen);
            int churn = (int)(th_splitmix64(&rng) % 60);
            for (int j = 0; j < churn; j++) {
                int k = stable + (int)(th_splitmix64(&rng) % (GUARANTEE_KEYS - stable));
                if (th_splitmix64(&rng) % 3 == 0)
                    del_key(k);
                else
                    set_key(k);
            }
            ck_assert_int_lt(++calls, 100000);
        } while (cursor != 0);
        for (int i = 0; i < stable; i++)
            ck_assert_msg(seen.hits[i], "round %d: k%d never returned", round, i);
    }
}
END_TEST

/* ---- RANDOMKEY ---- */

START_TEST(randomkey)
{
    CHECK("$-1\r\n", "randomkey");
    CHECK("+OK\r\n", "set", "only", "v");
    CHECK("$4\r\nonly\r\n", "randomkey");
    CHECK("+OK\r\n", "set", "gone", "v", "px", "1");
    CHECK(":1\r\n", "del", "only");
    th_advance_ms(2);
    CHECK("$-1\r\n", "randomkey");
    CHECK("-ERR wrong number of arguments for 'randomkey' command\r\n", "randomkey", "x");
}
END_TEST

/* ---- COPY, MOVE, SWAPDB ---- */

START_TEST(copy_errors)
{
    CHECK("+OK\r\n", "set", "a", "1");
    CHECK("-ERR source and destination objects are the same\r\n", "copy", "a", "a");
    CHECK("-ERR source and destination objects are the same\r\n", "copy", "nokey", "nokey");
    CHECK("-ERR source and destination objects are the same\r\n", "copy", "a", "a", "db", "0");
    CHECK("-ERR DB index is out of range\r\n", "copy", "a", "b", "db", "16");
    CHECK("-ERR DB index is out of range\r\n", "copy", "a", "b", "db", "-1");
    CHECK("-ERR DB index is out of range\r\n", "copy", "a", "b", "db", "16", "foo");
    CHECK("-ERR DB index is out of range\r\n", "copy", "nokey", "b", "db", "16");
    CHECK("-ERR value is not an integer or out of range\r\n", "copy", "a", "b", "db", "x");
    CHECK("-ERR value is not an integer or out of range\r\n", "copy", "a", "b", "db", "1.5");
    CHECK("-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
          "copy", "a", "b", "db", "99999999999");
    CHECK("-ERR syntax error\r\n", "copy", "a", "b", "foo");
    CHECK("-ERR syntax error\r\n", "copy", "a", "b", "db");
    CHECK("-ERR wrong number of arguments for 'copy' command\r\n", "copy", "a");
}
END_TEST

START_TEST(copy_semantics)
{
    CHECK(":0\r\n", "copy", "nokey", "b");
    CHECK("+OK\r\n", "set", "a", "123");
    CHECK("+OK\r\n", "set", "r", long_value, "ex", "50");
    CHECK(":1\r\n", "copy", "a", "b");
    CHECK("$3\r\nint\r\n", "object", "encoding", "b");
    CHECK(":0\r\n", "copy", "r", "b");
    CHECK(":1\r\n", "copy", "r", "b", "replace", "replace");
    CHECK("$3\r\nraw\r\n", "object", "encoding", "b");
    CHECK(":50\r\n", "ttl", "b");
    CHECK(":50\r\n", "ttl", "r");
    CHECK(":1\r\n", "copy", "a", "a", "db", "1");
    CHECK(":0\r\n", "copy", "a", "a", "DB", "1");
    CHECK(":1\r\n", "copy", "a", "a", "REPLACE", "DB", "1");
    CHECK("+OK\r\n", "select", "1");
    CHECK("$3\r\n123\r\n", "get", "a");
    CHECK(":-1\r\n", "ttl", "a");
    CHECK("+OK\r\n", "select", "0");
    /* The copy is independent of the source. */
    CHECK("+OK\r\n", "set", "a", "changed");
    CHECK("+OK\r\n", "select", "1");
    CHECK("$3\r\n123\r\n", "get", "a");
}
END_TEST

START_TEST(move_semantics)
{
    CHECK("-ERR source and destination objects are the same\r\n", "move", "nokey", "0");
    CHECK("-ERR DB index is out of range\r\n", "move", "a", "16");
    CHECK("-ERR DB index is out of range\r\n", "move", "a", "-1");
    CHECK("-ERR value is not an integer or out of range\r\n", "move", "a", "x");
    CHECK("-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
          "move", "a", "99999999999");
    CHECK(":0\r\n", "move", "nokey", "1");
    CHECK("+OK\r\n", "set", "a", long_value, "px", "7000");
    CHECK(":1\r\n", "move", "a", "1");
    CHECK(":0\r\n", "exists", "a");
    CHECK("+OK\r\n", "set", "a", "other");
    CHECK(":0\r\n", "move", "a", "1");
    CHECK("+OK\r\n", "select", "1");
    CHECK(":7000\r\n", "pttl", "a");
    CHECK("$3\r\nraw\r\n", "object", "encoding", "a");
    CHECK("-ERR wrong number of arguments for 'move' command\r\n", "move", "a");
}
END_TEST

START_TEST(swapdb_semantics)
{
    CHECK("-ERR invalid first DB index\r\n", "swapdb", "x", "y");
    CHECK("-ERR invalid second DB index\r\n", "swapdb", "0", "y");
    CHECK("-ERR invalid second DB index\r\n", "swapdb", "16", "x");
    CHECK("-ERR invalid first DB index\r\n", "swapdb", "99999999999", "0");
    CHECK("-ERR DB index is out of range\r\n", "swapdb", "0", "16");
    CHECK("-ERR DB index is out of range\r\n", "swapdb", "-1", "0");
    CHECK("+OK\r\n", "swapdb", "0", "0");
    CHECK("+OK\r\n", "set", "a", "zero");
    CHECK("+OK\r\n", "swapdb", "0", "1");
    /* The client stays on index 0, which now holds db 1's keys. */
    CHECK(":0\r\n", "exists", "a");
    CHECK("+OK\r\n", "select", "1");
    CHECK("$4\r\nzero\r\n", "get", "a");
}
END_TEST

/* ---- OBJECT ---- */

START_TEST(object_subcommands)
{
    CHECK("$-1\r\n", "object", "encoding", "nokey");
    CHECK("$-1\r\n", "object", "refcount", "nokey");
    CHECK("$-1\r\n", "object", "idletime", "nokey");
    CHECK("$-1\r\n", "object", "freq", "nokey");
    CHECK("+OK\r\n", "set", "s", "hello");
    CHECK("+OK\r\n", "set", "n", "9999");
    CHECK("+OK\r\n", "set", "m", "10000");
    CHECK("+OK\r\n", "set", "big", "12345678901234567890123");
    CHECK("$6\r\nembstr\r\n", "object", "encoding", "s");
    CHECK("$3\r\nint\r\n", "OBJECT", "ENCODING", "n");
    CHECK("$6\r\nembstr\r\n", "object", "encoding", "big");
    CHECK(":2147483647\r\n", "object", "refcount", "n");
    CHECK(":1\r\n", "object", "refcount", "m");
    CHECK(":1\r\n", "object", "refcount", "s");
    CHECK("-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
          "note that when switching between policies at runtime LRU and LFU data will take some "
          "time to adjust.\r\n",
          "object", "freq", "s");
    CHECK("-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n", "object", "foo");
    CHECK("-ERR wrong number of arguments for 'object' command\r\n", "object");
    CHECK("-ERR wrong number of arguments for 'object|encoding' command\r\n", "object",
          "encoding");
    CHECK("-ERR wrong number of arguments for 'object|help' command\r\n", "object", "help", "x");
    const char *help = th_run("object", "help", NULL);
    ck_assert(strncmp(help, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. "
                            "Subcommands are:\r\n+ENCODING <key>\r\n",
                      74) == 0);
    ck_assert_ptr_nonnull(strstr(help, "+HELP\r\n+    Prints this help.\r\n"));
}
END_TEST

/* ---- expiry ---- */

START_TEST(expire_option_errors)
{
    CHECK("+OK\r\n", "set", "k", "v");
    CHECK("-ERR Unsupported option foo\r\n", "expire", "k", "abc", "foo");
    CHECK("-ERR Unsupported option foo\r\n", "expire", "nokey", "10", "foo");
    CHECK("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", "expire",
          "k", "10", "nx", "xx");
    CHECK("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", "expire",
          "k", "abc", "nx", "gt");
    CHECK("-ERR GT and LT options at the same time are not compatible\r\n", "expire", "k", "10",
          "gt", "lt");
    CHECK("-ERR GT and LT options at the same time are not compatible\r\n", "pexpire", "k", "10",
          "xx", "gt", "lt");
    CHECK("-ERR value is not an integer or out of range\r\n", "expire", "nokey", "abc");
    CHECK("-ERR value is not an integer or out of range\r\n", "expire", "k", "1.5");
    CHECK("-ERR invalid expire time in 'expire' command\r\n", "expire", "k",
          "9223372036854775807");
    CHECK("-ERR invalid expire time in 'expire' command\r\n", "expire", "k",
          "-9223372036854775808");
    CHECK("-ERR invalid expire time in 'pexpire' command\r\n", "pexpire", "k",
          "9223372036854775807");
    CHECK("-ERR invalid expire time in 'expireat' command\r\n", "expireat", "k",
          "9223372036854776");
    CHECK("-ERR invalid expire time in 'expireat' command\r\n", "expireat", "k",
          "-9223372036854776");
    CHECK("-ERR wrong number of arguments for 'expire' command\r\n", "expire", "k");
    CHECK(":-1\r\n", "ttl", "k");
    CHECK(":1\r\n", "expireat", "k", "9223372036854775");
    CHECK(":9223372036854775\r\n", "expiretime", "k");
    CHECK(":1\r\n", "pexpireat", "k", "9223372036854775807");
    CHECK(":9223372036854775807\r\n", "pexpiretime", "k");
}
END_TEST

START_TEST(expire_conditions)
{
    CHECK(":0\r\n", "expire", "nokey", "10");
    CHECK("+OK\r\n", "set", "k", "v");
    CHECK(":0\r\n", "expire", "k", "100", "gt"); /* no expiry counts as forever */
    CHECK(":0\r\n", "expire", "k", "100", "xx");
    CHECK(":1\r\n", "expire", "k", "100", "lt");
    CHECK(":100\r\n", "ttl", "k");
    CHECK(":0\r\n", "expire", "k", "200", "lt");
    CHECK(":0\r\n", "expire", "k", "50", "gt");
    CHECK(":0\r\n", "expire", "k", "100", "gt");
    CHECK(":1\r\n", "expire", "k", "50", "LT");
    CHECK(":50\r\n", "ttl", "k");
    CHECK(":1\r\n", "expire", "k", "60", "xx", "gt");
    CHECK(":0\r\n", "expire", "k", "30", "nx");
    CHECK(":0\r\n", "expire", "k", "-1", "gt"); /* refused before the past-time delete */
    CHECK(":1\r\n", "exists", "k");
    CHECK(":1\r\n", "persist", "k");
    CHECK(":0\r\n", "persist", "k");
    CHECK(":0\r\n", "persist", "nokey");
    CHECK(":0\r\n", "expire", "k", "30", "xx");
    CHECK(":1\r\n", "expire", "k", "30", "nx");
    CHECK(":30\r\n", "ttl", "k");
}
END_TEST

START_TEST(expire_in_the_past_deletes)
{
    CHECK("+OK\r\n", "set", "a", "v");
    CHECK(":1\r\n", "expire", "a", "0");
    CHECK(":0\r\n", "exists", "a");
    CHECK("+OK\r\n", "set", "a", "v");
    CHECK(":1\r\n", "pexpire", "a", "-5");
    CHECK(":0\r\n", "exists", "a");
    CHECK("+OK\r\n", "set", "a", "v");
    char now[32];
    snprintf(now, sizeof(now), "%lld", (long long)th_now_ms());
    CHECK(":1\r\n", "pexpireat", "a", now);
    CHECK(":0\r\n", "exists", "a");
    CHECK("+OK\r\n", "set", "a", "v");
    CHECK(":1\r\n", "expireat", "a", "-9223372036854775");
    CHECK(":-2\r\n", "ttl", "a");
}
END_TEST

START_TEST(ttl_family)
{
    CHECK(":-2\r\n", "ttl", "nokey");
    CHECK(":-2\r\n", "pttl", "nokey");
    CHECK(":-2\r\n", "expiretime", "nokey");
    CHECK(":-2\r\n", "pexpiretime", "nokey");
    CHECK("+OK\r\n", "set", "p", "v");
    CHECK(":-1\r\n", "ttl", "p");
    CHECK(":-1\r\n", "pttl", "p");
    CHECK(":-1\r\n", "expiretime", "p");
    CHECK(":-1\r\n", "pexpiretime", "p");
    CHECK(":1\r\n", "pexpire", "p", "1500");
    CHECK(":1500\r\n", "pttl", "p");
    CHECK(":2\r\n", "ttl", "p"); /* rounded to the nearest second */
    th_advance_ms(1);
    CHECK(":1\r\n", "ttl", "p");
    CHECK(":1499\r\n", "pttl", "p");
    char want[64];
    snprintf(want, sizeof(want), ":%lld\r\n", (long long)(th_now_ms() + 1499));
    ck_assert_str_eq(th_run("pexpiretime", "p", NULL), want);
    snprintf(want, sizeof(want), ":%lld\r\n", (long long)((th_now_ms() + 1499) / 1000));
    ck_assert_str_eq(th_run("expiretime", "p", NULL), want);
    th_advance_ms(1498);
    CHECK(":1\r\n", "pttl", "p");
    CHECK(":0\r\n", "ttl", "p");
    th_advance_ms(1); /* the expiry millisecond itself: still there, as in Redis */
    CHECK(":0\r\n", "pttl", "p");
    th_advance_ms(1);
    CHECK(":-2\r\n", "pttl", "p");
    CHECK(":0\r\n", "exists", "p");
}
END_TEST

START_TEST(lazy_expiry_counts)
{
    uint64_t before = th_shard->stats.db.expired_keys;
    CHECK("+OK\r\n", "set", "a", "v", "ex", "1");
    th_advance_ms(1000);
    CHECK("$1\r\nv\r\n", "get", "a");
    th_advance_ms(1);
    CHECK("$-1\r\n", "get", "a");
    ck_assert_uint_eq(th_shard->stats.db.expired_keys, before + 1);
}
END_TEST

/*
 * Active expiry: 100k keys with short TTLs disappear through the shard's
 * cron alone, with no command reading them; each cron call stops at its
 * time budget, so it takes several.
 */
START_TEST(active_expiry_reclaims_untouched_keys)
{
    enum { N = 100000 };
    kvd_db_t *db = th_shard->dbs[0];
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof(name), "key:%d", i);
        const char *argv[] = {"set", name, "v", "px", i % 2 ? "100" : "200"};
        ck_assert_str_eq(th_run_argv(5, argv), "+OK\r\n");
    }
    CHECK("+OK\r\n", "set", "keeper", "v");
    ck_assert_uint_eq(kvd_db_expires_size(db), N);
    uint64_t hits = th_shard->stats.db.keyspace_hits, misses = th_shard->stats.db.keyspace_misses;
    uint64_t expired = th_shard->stats.db.expired_keys;
    th_advance_ms(201);
    /* Slow monotonic time down to a crawl of work per microsecond read, so
     * the cron's time budget, not the key count, ends each pass. */
    th_mono_step = 200;
    int crons = 0;
    while (kvd_db_expires_size(db) > 0) {
        uint64_t left = kvd_db_expires_size(db);
        kvd_shard_cron(th_shard);
        ck_assert_msg(++crons < 10000, "%llu keys left after %d cron calls",
                      (unsigned long long)left, crons);
    }
    printf("active expiry: %d keys in %d cron calls\n", N, crons);
    ck_assert_int_gt(crons, 1); /* the budget cut passes short */
    ck_assert_uint_eq(kvd_db_size(db), 1);
    ck_assert_uint_eq(th_shard->stats.db.expired_keys, expired + N);
    ck_assert_uint_eq(th_shard->stats.db.keyspace_hits, hits);
    ck_assert_uint_eq(th_shard->stats.db.keyspace_misses, misses);
    CHECK(":1\r\n", "exists", "keeper");
}
END_TEST

/* ---- the rows ---- */

START_TEST(rows_match_redis)
{
    struct {
        const char *name;
        int arity, first, last, step;
        uint32_t flags;
    } want[] = {
        {"del", -2, 1, -1, 1, KVD_CMD_WRITE},
        {"unlink", -2, 1, -1, 1, KVD_CMD_WRITE | KVD_CMD_FAST},
        {"rename", 3, 1, 2, 1, KVD_CMD_WRITE},
        {"keys", 2, 0, 0, 0, KVD_CMD_READONLY},
        {"copy", -3, 1, 2, 1, KVD_CMD_WRITE | KVD_CMD_DENYOOM},
        {"swapdb", 3, 0, 0, 0, KVD_CMD_WRITE | KVD_CMD_FAST},
        {"expire", -3, 1, 1, 1, KVD_CMD_WRITE | KVD_CMD_FAST},
        {"pexpiretime", 2, 1, 1, 1, KVD_CMD_READONLY | KVD_CMD_FAST},
        {"persist", 2, 1, 1, 1, KVD_CMD_WRITE | KVD_CMD_FAST},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(want); i++) {
        kvd_command_t *c = kvd_command_lookup(want[i].name, strlen(want[i].name));
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->arity, want[i].arity);
        ck_assert_int_eq(c->first_key, want[i].first);
        ck_assert_int_eq(c->last_key, want[i].last);
        ck_assert_int_eq(c->key_step, want[i].step);
        ck_assert_uint_eq(c->flags, want[i].flags);
    }
    kvd_command_t *obj = kvd_command_lookup("object", 6);
    kvd_command_t *enc = kvd_command_lookup_sub(obj, "encoding", 8);
    ck_assert_ptr_nonnull(enc);
    ck_assert_int_eq(enc->first_key, 2);
    ck_assert_str_eq(enc->fullname, "object|encoding");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keys");
    TCase *tc = tcase_create("keys");
    tcase_add_checked_fixture(tc, th_setup, th_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, del_unlink_exists);
    tcase_add_test(tc, touch_type_idletime);
    tcase_add_test(tc, stats_and_access_clock);
    tcase_add_test(tc, rename_family);
    tcase_add_test(tc, rename_expired_source);
    tcase_add_test(tc, keys_patterns);
    tcase_add_test(tc, keys_skip_expired);
    tcase_add_test(tc, keys_five_in_five_out);
    tcase_add_test(tc, scan_errors_and_cursor_parsing);
    tcase_add_test(tc, scan_match_and_type);
    tcase_add_test(tc, scan_guarantee_randomized);
    tcase_add_test(tc, randomkey);
    tcase_add_test(tc, copy_errors);
    tcase_add_test(tc, copy_semantics);
    tcase_add_test(tc, move_semantics);
    tcase_add_test(tc, swapdb_semantics);
    tcase_add_test(tc, object_subcommands);
    tcase_add_test(tc, expire_option_errors);
    tcase_add_test(tc, expire_conditions);
    tcase_add_test(tc, expire_in_the_past_deletes);
    tcase_add_test(tc, ttl_family);
    tcase_add_test(tc, lazy_expiry_counts);
    tcase_add_test(tc, active_expiry_reclaims_untouched_keys);
    tcase_add_test(tc, rows_match_redis);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * test_hash.c - hash commands driven through kvd_dispatch: every command
 * and error text as Redis 7.0.15 replies them, both encodings and the
 * conversion thresholds, COPY and free through the registered hooks, and
 * a randomized run against a simple model (SEED=n replays it).
 */
#include "harness.h"
#include <check.h>
#include <inttypes.h>
#include <time.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/hash_type.h"
#include "cmd/shard.h"
#include "proto/reply.h"

/* Fixture: the shared harness, with the thresholds these tests assume. */
static void setup(void)
{
    th_setup();
    th_cfg.hash_max_listpack_entries = 128;
    th_cfg.hash_max_listpack_value = 64;
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

#define EQ(reply, ...) ck_assert_str_eq(th_run(__VA_ARGS__, NULL), reply)
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOT_INT "-ERR value is not an integer or out of range\r\n"

START_TEST(set_get_basics)
{
    EQ("-ERR wrong number of arguments for 'hset' command\r\n", "hset", "h", "a");
    EQ("-ERR wrong number of arguments for 'hset' command\r\n", "hset", "h", "a", "1", "b");
    EQ("-ERR wrong number of arguments for 'hmset' command\r\n", "hmset", "h", "a", "1", "b");
    ck_assert(!exists("h"));
    EQ(":3\r\n", "hset", "h", "a", "1", "b", "2.5", "c", "abc");
    EQ(":1\r\n", "hset", "h", "a", "x", "a", "y", "d", "");
    EQ("+OK\r\n", "hmset", "h", "a", "1", "e", "5");
    EQ("$1\r\n1\r\n", "hget", "h", "a");
    EQ("$0\r\n\r\n", "hget", "h", "d");
    EQ("$-1\r\n", "hget", "h", "zz");
    EQ("$-1\r\n", "hget", "nokey", "a");
    EQ("*3\r\n$1\r\n1\r\n$-1\r\n$3\r\nabc\r\n", "hmget", "h", "a", "zz", "c");
    EQ("*2\r\n$-1\r\n$-1\r\n", "hmget", "nokey", "a", "b");
    EQ(":5\r\n", "hlen", "h");
    EQ(":0\r\n", "hlen", "nokey");
    EQ(":3\r\n", "hstrlen", "h", "b");
    EQ(":0\r\n", "hstrlen", "h", "zz");
    EQ(":0\r\n", "hstrlen", "nokey", "a");
    EQ(":1\r\n", "hexists", "h", "a");
    EQ(":0\r\n", "hexists", "h", "zz");
    EQ(":0\r\n", "hexists", "nokey", "a");
    EQ(":1\r\n", "hsetnx", "h", "f", "6");
    EQ(":0\r\n", "hsetnx", "h", "f", "7");
    EQ("$1\r\n6\r\n", "hget", "h", "f");
    EQ(":1\r\n", "hsetnx", "n", "f", "1");
    EQ("$1\r\n1\r\n", "hget", "n", "f");
}
END_TEST

START_TEST(whole_hash_replies_in_insertion_order)
{
    EQ("*0\r\n", "hkeys", "nokey");
    EQ("*0\r\n", "hvals", "nokey");
    EQ("*0\r\n", "hgetall", "nokey");
    EQ(":3\r\n", "hset", "h", "a", "1", "b", "2", "c", "3");
    EQ(":0\r\n", "hset", "h", "a", "9");
    EQ("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "hkeys", "h");
    EQ("*3\r\n$1\r\n9\r\n$1\r\n2\r\n$1\r\n3\r\n", "hvals", "h");
    EQ("*6\r\n$1\r\na\r\n$1\r\n9\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "hgetall", "h");
}
END_TEST

START_TEST(hdel_deletes_emptied_key)
{
    EQ(":0\r\n", "hdel", "nokey", "a");
    EQ(":3\r\n", "hset", "h", "a", "1", "b", "2", "c", "3");
    EQ(":2\r\n", "hdel", "h", "a", "zz", "b", "a");
    ck_assert(exists("h"));
    EQ(":1\r\n", "hdel", "h", "c", "c");
    ck_assert(!exists("h"));
    EQ(":0\r\n", "exists", "h");
}
END_TEST

START_TEST(wrong_type_everywhere)
{
    EQ("+OK\r\n", "set", "s", "v");
    static const char *cmds[][5] = {
        {"hset", "s", "a", "1"}, {"hmset", "s", "a", "1"}, {"hsetnx", "s", "a", "1"},
        {"hget", "s", "a"},      {"hmget", "s", "a"},      {"hdel", "s", "a"},
        {"hlen", "s"},           {"hstrlen", "s", "a"},    {"hexists", "s", "a"},
        {"hkeys", "s"},          {"hvals", "s"},           {"hgetall", "s"},
        {"hincrby", "s", "a", "1"}, {"hincrbyfloat", "s", "a", "1"}, {"hrandfield", "s"},
        {"hrandfield", "s", "0"}, {"hrandfield", "s", "-3", "withvalues"}, {"hscan", "s", "0"},
        {"hscan", "s", "0", "count", "0"},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(cmds); i++)
        EQ(WRONGTYPE, cmds[i][0], cmds[i][1], cmds[i][2], cmds[i][3], cmds[i][4]);
    EQ("$1\r\nv\r\n", "get", "s");
}
END_TEST

START_TEST(hincrby_cases)
{
    EQ(NOT_INT, "hincrby", "h", "a", "x");
    EQ(NOT_INT, "hincrby", "h", "a", "9223372036854775808");
    ck_assert(!exists("h"));
    EQ("+OK\r\n", "set", "s", "v");
    EQ(NOT_INT, "hincrby", "s", "a", "x"); /* the increment is parsed first */
    EQ(":5\r\n", "hincrby", "h", "a", "5");
    EQ(":-5\r\n", "hincrby", "h", "a", "-10");
    EQ(":3\r\n", "hset", "h", "f", "2.5", "g", "abc", "big", "9223372036854775807");
    EQ("-ERR hash value is not an integer\r\n", "hincrby", "h", "f", "1");
    EQ("-ERR hash value is not an integer\r\n", "hincrby", "h", "g", "1");
    EQ("-ERR increment or decrement would overflow\r\n", "hincrby", "h", "big", "1");
    EQ(":9223372036854775806\r\n", "hincrby", "h", "big", "-1");
    EQ(":1\r\n", "hset", "h", "m", "-9223372036854775808");
    EQ("-ERR increment or decrement would overflow\r\n", "hincrby", "h", "m", "-1");
    EQ(":1\r\n", "hset", "h", "z", "007");
    EQ("-ERR hash value is not an integer\r\n", "hincrby", "h", "z", "1");
}
END_TEST

START_TEST(hincrbyfloat_cases)
{
    EQ("-ERR value is not a valid float\r\n", "hincrbyfloat", "h", "a", "abc");
    EQ("-ERR value is not a valid float\r\n", "hincrbyfloat", "h", "a", "nan");
    EQ("-ERR value is NaN or Infinity\r\n", "hincrbyfloat", "h", "a", "inf");
    ck_assert(!exists("h"));
    EQ("$3\r\n1.1\r\n", "hincrbyfloat", "h", "a", "1.1");
    EQ("$1\r\n0\r\n", "hincrbyfloat", "h", "a", "-1.1");
    EQ("$4\r\n3000\r\n", "hincrbyfloat", "h", "a", "3.0e3");
    EQ("$6\r\n102.75\r\n", "hincrbyfloat", "h", "b", "102.75");
    EQ(":1\r\n", "hset", "h", "c", "abc");
    EQ("-ERR hash value is not a float\r\n", "hincrbyfloat", "h", "c", "1");
    EQ(":1\r\n", "hset", "h", "d", "1e4932");
    EQ("-ERR increment would produce NaN or Infinity\r\n", "hincrbyfloat", "h", "d", "1e4932");
    EQ("$4\r\n3000\r\n", "hget", "h", "a");
}
END_TEST

START_TEST(encoding_thresholds)
{
    th_cfg.hash_max_listpack_entries = 2;
    th_cfg.hash_max_listpack_value = 3;
    EQ(":1\r\n", "hset", "a", "f", "1", "f", "2", "f", "3");
    ck_assert_str_eq(encoding_of("a"), "listpack");
    EQ(":1\r\n", "hset", "a", "g", "123");
    ck_assert_str_eq(encoding_of("a"), "listpack");
    EQ(":1\r\n", "hsetnx", "a", "h", "1");
    ck_assert_str_eq(encoding_of("a"), "hashtable");
    EQ(":2\r\n", "hdel", "a", "f", "g");
    ck_assert_str_eq(encoding_of("a"), "hashtable"); /* never back */
    /* A long value converts even when it overwrites, and HSETNX that
     * inserts nothing leaves the encoding alone. */
    EQ(":1\r\n", "hset", "b", "f", "1");
    EQ(":0\r\n", "hsetnx", "b", "f", "1234");
    ck_assert_str_eq(encoding_of("b"), "listpack");
    EQ(":0\r\n", "hset", "b", "f", "1234");
    ck_assert_str_eq(encoding_of("b"), "hashtable");
    EQ(":1\r\n", "hset", "c", "abcd", "1");
    ck_assert_str_eq(encoding_of("c"), "hashtable");
    EQ(":1\r\n", "hincrby", "d", "long", "1");
    ck_assert_str_eq(encoding_of("d"), "hashtable");
    EQ(":1\r\n", "hincrby", "e", "f", "1");
    EQ(":1001\r\n", "hincrby", "e", "f", "1000");
    ck_assert_str_eq(encoding_of("e"), "hashtable");
    EQ("$3\r\n2.5\r\n", "hincrbyfloat", "g", "f", "2.5");
    ck_assert_str_eq(encoding_of("g"), "listpack");
    EQ("$5\r\n2.625\r\n", "hincrbyfloat", "g", "f", "0.125");
    ck_assert_str_eq(encoding_of("g"), "hashtable");
    th_cfg.hash_max_listpack_entries = 0;
    EQ(":1\r\n", "hset", "z", "f", "1");
    ck_assert_str_eq(encoding_of("z"), "hashtable");
    EQ("$1\r\n1\r\n", "hget", "z", "f");
    EQ(":1\r\n", "hdel", "z", "f");
    ck_assert(!exists("z"));
}
END_TEST

/* Fill key with n fields "f<i>" = "v<i>". */
static void fill(const char *key, int n)
{
    for (int i = 0; i < n; i++) {
        char f[32], v[32];
        snprintf(f, sizeof(f), "f%d", i);
        snprintf(v, sizeof(v), "v%d", i);
        ck_assert_str_eq(th_run("hset", key, f, v, NULL), ":1\r\n");
    }
}

/* Parse a flat array of bulk strings from the reply into items; returns count. */
static int parse_bulks(const char *r, char items[][64], int max)
{
    int n = 0;
    ck_assert_int_eq(r[0], '*');
    int total = atoi(r + 1);
    const char *p = strstr(r, "\r\n") + 2;
    for (int i = 0; i < total; i++) {
        ck_assert_int_eq(p[0], '$');
        int len = atoi(p + 1);
        p = strstr(p, "\r\n") + 2;
        ck_assert_int_lt(n, max);
        ck_assert_int_lt(len, 64);
        memcpy(items[n], p, (size_t)len);
        items[n][len] = '\0';
        n++;
        p += len + 2;
    }
    return n;
}

START_TEST(hrandfield_cases)
{
    EQ("$-1\r\n", "hrandfield", "nokey");
    EQ("*0\r\n", "hrandfield", "nokey", "5");
    EQ("*0\r\n", "hrandfield", "nokey", "-5", "withvalues");
    EQ("-ERR syntax error\r\n", "hrandfield", "nokey", "0", "foo");
    EQ(NOT_INT, "hrandfield", "nokey", "x");
    EQ(NOT_INT, "hrandfield", "nokey", "x", "withvalues");
    EQ("-ERR syntax error\r\n", "hrandfield", "nokey", "1", "withvalues", "x");
    EQ("-ERR value is out of range, value must between -9223372036854775807 and "
       "9223372036854775807\r\n",
       "hrandfield", "nokey", "-9223372036854775808");
    EQ("-ERR value is out of range\r\n", "hrandfield", "nokey", "4611686018427387904",
       "withvalues");
    EQ("-ERR value is out of range\r\n", "hrandfield", "nokey", "-4611686018427387904",
       "withvalues");
    for (int round = 0; round < 2; round++) {
        const char *key = round == 0 ? "small" : "big";
        fill(key, round == 0 ? 10 : 300);
        ck_assert_str_eq(encoding_of(key), round == 0 ? "listpack" : "hashtable");
        int len = round == 0 ? 10 : 300;
        EQ("*0\r\n", "hrandfield", key, "0");
        ck_assert_int_eq(th_run("hrandfield", key, NULL)[0], '$');
        static char items[700][64];
        /* Distinct picks: fewer than the hash, a third of it, all of it. */
        int asks[] = {1, len / 3 + 1, len - 1, len, len + 5};
        for (size_t a = 0; a < KVD_ARRAY_LEN(asks); a++) {
            char cnt[16];
            snprintf(cnt, sizeof(cnt), "%d", asks[a]);
            int n = parse_bulks(th_run("hrandfield", key, cnt, "withvalues", NULL), items, 700);
            int want = asks[a] < len ? asks[a] : len;
            ck_assert_int_eq(n, want * 2);
            for (int i = 0; i < n; i += 2) {
                ck_assert_int_eq(items[i][0], 'f');
                ck_assert_str_eq(items[i + 1] + 1, items[i] + 1); /* v<i> goes with f<i> */
                for (int j = 0; j < i; j += 2)
                    ck_assert_str_ne(items[i], items[j]);
            }
        }
        /* Repeats: exactly -count picks, every one a field. */
        int n = parse_bulks(th_run("hrandfield", key, "-350", NULL), items, 700);
        ck_assert_int_eq(n, 350);
        for (int i = 0; i < n; i++)
            ck_assert_int_eq(items[i][0], 'f');
    }
}
END_TEST

START_TEST(hscan_cases)
{
    EQ("-ERR invalid cursor\r\n", "hscan", "nokey", "x");
    EQ("-ERR invalid cursor\r\n", "hscan", "nokey", "1.5");
    EQ("-ERR invalid cursor\r\n", "hscan", "nokey", "18446744073709551616");
    EQ("-ERR invalid cursor\r\n", "hscan", "nokey", " 1");
    EQ("-ERR invalid cursor\r\n", "hscan", "nokey", "-");
    EQ("*2\r\n$1\r\n0\r\n*0\r\n", "hscan", "nokey", "0", "count", "0");
    EQ(":3\r\n", "hset", "h", "a", "1", "b", "2", "ab", "3");
    const char *all = "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
                      "$2\r\nab\r\n$1\r\n3\r\n";
    EQ(all, "hscan", "h", "0");
    EQ(all, "hscan", "h", "-1");
    EQ(all, "hscan", "h", "+7", "count", "1");
    EQ(all, "hscan", "h", "18446744073709551615", "match", "*");
    EQ("*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n3\r\n", "hscan", "h", "0",
       "match", "a*");
    EQ("-ERR syntax error\r\n", "hscan", "h", "0", "count", "0");
    EQ("-ERR syntax error\r\n", "hscan", "h", "0", "count", "-1", "match", "a*");
    EQ(NOT_INT, "hscan", "h", "0", "count", "x");
    EQ("-ERR syntax error\r\n", "hscan", "h", "0", "count");
    EQ("-ERR syntax error\r\n", "hscan", "h", "0", "match");
    EQ("-ERR syntax error\r\n", "hscan", "h", "0", "type", "string");
    EQ("-ERR syntax error\r\n", "hscan", "h", "0", "foo", "bar");
    /* A table is walked with cursors: every field comes back at least once. */
    fill("big", 500);
    ck_assert_str_eq(encoding_of("big"), "hashtable");
    static bool seen[500];
    memset(seen, 0, sizeof(seen));
    static char items[2000][64];
    char cursor[32] = "0";
    int calls = 0;
    do {
        const char *r = th_run("hscan", "big", cursor, "count", "20", "match", "f1*", NULL);
        ck_assert(strncmp(r, "*2\r\n$", 5) == 0);
        const char *c = strstr(r + 4, "\r\n") + 2;
        const char *end = strstr(c, "\r\n");
        memcpy(cursor, c, (size_t)(end - c));
        cursor[end - c] = '\0';
        int n = parse_bulks(end + 2, items, 2000);
        for (int i = 0; i < n; i += 2) {
            ck_assert(strncmp(items[i], "f1", 2) == 0);
            seen[atoi(items[i] + 1)] = true;
        }
        ck_assert_int_lt(++calls, 1000);
    } while (strcmp(cursor, "0") != 0);
    for (int i = 0; i < 500; i++)
        ck_assert(seen[i] == (i == 1 || (i >= 10 && i < 20) || (i >= 100 && i < 200)));
}
END_TEST

START_TEST(copy_and_free_hooks)
{
    fill("small", 5);
    fill("big", 200);
    EQ(":1\r\n", "copy", "small", "small2");
    EQ(":1\r\n", "copy", "big", "big2");
    ck_assert_str_eq(encoding_of("small2"), "listpack");
    ck_assert_str_eq(encoding_of("big2"), "hashtable");
    EQ(":1\r\n", "hdel", "small", "f0");
    EQ(":1\r\n", "hdel", "big", "f0");
    EQ(":5\r\n", "hlen", "small2");
    EQ(":200\r\n", "hlen", "big2");
    EQ("$3\r\nv77\r\n", "hget", "big2", "f77");
    EQ(":4\r\n", "del", "small", "small2", "big", "big2");
}
END_TEST

/* ---- randomized against a model: fields "0".."K-1", values strings ---- */
#define MODEL_FIELDS 40

typedef struct model {
    bool present[MODEL_FIELDS];
    char val[MODEL_FIELDS][80];
    int n;
} model_t;

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void random_value(char *v, size_t cap)
{
    size_t len = rng() % 8 == 0 ? 60 + rng() % 10 : rng() % 6;
    KVD_ASSERT(len < cap);
    if (rng() % 3 == 0) {
        snprintf(v, cap, "%" PRId64, (int64_t)(rng() % 2000) - 1000);
        return;
    }
    for (size_t i = 0; i < len; i++)
        v[i] = (char)('a' + rng() % 26);
    v[len] = '\0';
}

static void model_step(model_t *m)
{
    char f[16], v[80], want[4096];
    int i = (int)(rng() % MODEL_FIELDS);
    snprintf(f, sizeof(f), "%d", i);
    switch (rng() % 6) {
    case 0:
    case 1:
        random_value(v, sizeof(v));
        snprintf(want, sizeof(want), ":%d\r\n", m->present[i] ? 0 : 1);
        ck_assert_str_eq(th_run("hset", "m", f, v, NULL), want);
        m->n += !m->present[i];
        m->present[i] = true;
        snprintf(m->val[i], sizeof(m->val[i]), "%s", v);
        break;
    case 2:
        snprintf(want, sizeof(want), ":%d\r\n", m->present[i] ? 1 : 0);
        ck_assert_str_eq(th_run("hdel", "m", f, NULL), want);
        m->n -= m->present[i];
        m->present[i] = false;
        break;
    case 3: {
        int64_t cur;
        if (m->present[i] && !kvd_str2ll(m->val[i], strlen(m->val[i]), &cur)) {
            ck_assert_str_eq(th_run("hincrby", "m", f, "3", NULL),
                             "-ERR hash value is not an integer\r\n");
            break;
        }
        cur = m->present[i] ? cur + 3 : 3;
        snprintf(want, sizeof(want), ":%" PRId64 "\r\n", cur);
        ck_assert_str_eq(th_run("hincrby", "m", f, "3", NULL), want);
        m->n += !m->present[i];
        m->present[i] = true;
        snprintf(m->val[i], sizeof(m->val[i]), "%" PRId64, cur);
        break;
    }
    default:
        if (m->present[i])
            snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(m->val[i]), m->val[i]);
        else
            snprintf(want, sizeof(want), "$-1\r\n");
        ck_assert_str_eq(th_run("hget", "m", f, NULL), want);
    }
    snprintf(want, sizeof(want), ":%d\r\n", m->n);
    ck_assert_str_eq(th_run("hlen", "m", NULL), want);
    ck_assert(exists("m") == (m->n > 0));
}

START_TEST(against_model_randomized)
{
    const char *env = getenv("SEED");
    uint64_t seed = env != NULL ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    printf("test_hash: SEED=%" PRIu64 "\n", seed);
    fflush(stdout);
    rng_state = seed * 2654435761u + 1;
    th_cfg.hash_max_listpack_entries = 16;
    static model_t m;
    memset(&m, 0, sizeof(m));
    for (int step = 0; step < 20000; step++) {
        model_step(&m);
        kvd_entry_t *e = kvd_db_find(th_client.db, "m", 1);
        if (e != NULL) {
            kvd_hash_verify_invariants(kvd_entry_encoding(e), kvd_entry_ptr(e));
            if (m.n > 16)
                ck_assert_str_eq(encoding_of("m"), "hashtable");
        }
    }
    /* The whole hash agrees with the model at the end. */
    static char items[2 * MODEL_FIELDS][64];
    if (m.n > 0) {
        int n = parse_bulks(th_run("hkeys", "m", NULL), items, 2 * MODEL_FIELDS);
        ck_assert_int_eq(n, m.n);
        for (int i = 0; i < n; i++)
            ck_assert(m.present[atoi(items[i])]);
    }
}
END_TEST

START_TEST(rows_match_redis_command_info)
{
    static const struct {
        const char *name;
        int arity;
        uint32_t flags, acl;
    } want[] = {
        {"hset", -4, KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST,
         KVD_ACL_WRITE | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hsetnx", 4, KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST,
         KVD_ACL_WRITE | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hmset", -4, KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST,
         KVD_ACL_WRITE | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hget", 3, KVD_CMD_READONLY | KVD_CMD_FAST, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hmget", -3, KVD_CMD_READONLY | KVD_CMD_FAST, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hdel", -3, KVD_CMD_WRITE | KVD_CMD_FAST, KVD_ACL_WRITE | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hlen", 2, KVD_CMD_READONLY | KVD_CMD_FAST, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hstrlen", 3, KVD_CMD_READONLY | KVD_CMD_FAST, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hexists", 3, KVD_CMD_READONLY | KVD_CMD_FAST, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hkeys", 2, KVD_CMD_READONLY, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_SLOW},
        {"hvals", 2, KVD_CMD_READONLY, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_SLOW},
        {"hgetall", 2, KVD_CMD_READONLY, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_SLOW},
        {"hincrby", 4, KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST,
         KVD_ACL_WRITE | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hincrbyfloat", 4, KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST,
         KVD_ACL_WRITE | KVD_ACL_HASH | KVD_ACL_FAST},
        {"hrandfield", -2, KVD_CMD_READONLY, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_SLOW},
        {"hscan", -3, KVD_CMD_READONLY, KVD_ACL_READ | KVD_ACL_HASH | KVD_ACL_SLOW},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(want); i++) {
        kvd_command_t *c = kvd_command_lookup(want[i].name, strlen(want[i].name));
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->arity, want[i].arity);
        ck_assert_uint_eq(c->flags, want[i].flags);
        ck_assert_uint_eq(c->acl, want[i].acl);
        ck_assert_int_eq(c->first_key, 1);
        ck_assert_int_eq(c->last_key, 1);
        ck_assert_int_eq(c->key_step, 1);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hash");
    TCase *tc = tcase_create("commands");
    tcase_add_checked_fixture(tc, setup, th_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, set_get_basics);
    tcase_add_test(tc, whole_hash_replies_in_insertion_order);
    tcase_add_test(tc, hdel_deletes_emptied_key);
    tcase_add_test(tc, wrong_type_everywhere);
    tcase_add_test(tc, hincrby_cases);
    tcase_add_test(tc, hincrbyfloat_cases);
    tcase_add_test(tc, encoding_thresholds);
    tcase_add_test(tc, hrandfield_cases);
    tcase_add_test(tc, hscan_cases);
    tcase_add_test(tc, copy_and_free_hooks);
    tcase_add_test(tc, against_model_randomized);
    tcase_add_test(tc, rows_match_redis_command_info);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

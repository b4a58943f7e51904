/*
 * test_list.c - list commands driven through kvd_dispatch: every command's
 * normal path and error texts, compared byte for byte with what Redis
 * 7.0.15 replies; long lists spanning many nodes; and a randomized run
 * against an array model (prints "seed=N", replays with SEED=N).
 */
#include <check.h>
#include <time.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/list_quick.h"
#include "cmd/shard.h"
#include "proto/reply.h"

#define MAX_ARGS 64
#define MAX_ARG_LEN 12000

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

static void set_arg(int i, const void *p, size_t n)
{
    ck_assert_int_lt(i, MAX_ARGS);
    ck_assert_uint_lt(n, MAX_ARG_LEN);
    memcpy(storage[i], p, n);
    storage[i][n] = '\0';
    args[i] = (kvd_arg_t){storage[i], n};
}

/* Run a command given as NULL-terminated strings; return the reply text. */
static const char *run(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    int argc = 0;
    for (const char *s = first; s != NULL && argc < MAX_ARGS; s = va_arg(ap, const char *))
        set_arg(argc++, s, strlen(s));
    va_end(ap);
    return dispatch(argc);
}

#define CHECK(want, ...) ck_assert_str_eq(run(__VA_ARGS__, NULL), want)

static kvd_qlist_t *list_of(const char *key)
{
    kvd_entry_t *e = kvd_db_find(client.db, key, strlen(key));
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(kvd_entry_type(e), KVD_TYPE_LIST);
    ck_assert_int_eq(kvd_entry_encoding(e), KVD_ENC_QUICKLIST);
    return kvd_entry_ptr(e);
}

static bool exists(const char *key)
{
    return kvd_db_find(client.db, key, strlen(key)) != NULL;
}

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOT_INT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"

START_TEST(push_pop_llen)
{
    CHECK(":3\r\n", "rpush", "l", "a", "b", "c");
    CHECK(":5\r\n", "lpush", "l", "y", "x");
    CHECK(":5\r\n", "llen", "l");
    CHECK(":0\r\n", "llen", "nokey");
    CHECK(":0\r\n", "lpushx", "nokey", "a");
    CHECK(":0\r\n", "rpushx", "nokey", "a");
    ck_assert(!exists("nokey"));
    CHECK(":6\r\n", "rpushx", "l", "d");
    CHECK(":7\r\n", "lpushx", "l", "w");
    CHECK("*7\r\n$1\r\nw\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
          "lrange", "l", "0", "-1");
    CHECK("$1\r\nw\r\n", "lpop", "l");
    CHECK("$1\r\nd\r\n", "rpop", "l");
    CHECK("*0\r\n", "lpop", "l", "0");
    CHECK("*2\r\n$1\r\nx\r\n$1\r\ny\r\n", "lpop", "l", "2");
    CHECK("*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", "rpop", "l", "10");
    ck_assert(!exists("l"));
    CHECK("$-1\r\n", "lpop", "l");
    CHECK("*-1\r\n", "lpop", "l", "0");
    CHECK("*-1\r\n", "rpop", "l", "2");
    CHECK("-ERR value is out of range, must be positive\r\n", "lpop", "l", "-1");
    CHECK("-ERR value is out of range, must be positive\r\n", "rpop", "l", "abc");
    CHECK("-ERR wrong number of arguments for 'lpop' command\r\n", "lpop", "l", "1", "2");
    CHECK("-ERR wrong number of arguments for 'rpush' command\r\n", "rpush", "l");
    CHECK("+OK\r\n", "set", "s", "x");
    CHECK(WRONGTYPE, "lpush", "s", "a");
    CHECK(WRONGTYPE, "rpushx", "s", "a");
    CHECK(WRONGTYPE, "lpop", "s");
    CHECK(WRONGTYPE, "rpop", "s", "0");
    CHECK("-ERR value is out of range, must be positive\r\n", "lpop", "s", "x");
    CHECK(WRONGTYPE, "llen", "s");
    CHECK(":1\r\n", "rpush", "e", "");
    CHECK("$0\r\n\r\n", "lindex", "e", "0");
}
END_TEST

START_TEST(lrange_lindex_lset)
{
    CHECK(":5\r\n", "rpush", "l", "a", "b", "c", "d", "e");
    CHECK("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "lrange", "l", "1", "2");
    CHECK("*2\r\n$1\r\nd\r\n$1\r\ne\r\n", "lrange", "l", "-2", "100");
    CHECK("*1\r\n$1\r\na\r\n", "lrange", "l", "-100", "0");
    CHECK("*0\r\n", "lrange", "l", "3", "2");
    CHECK("*0\r\n", "lrange", "l", "5", "10");
    CHECK("*0\r\n", "lrange", "nokey", "0", "-1");
    CHECK(NOT_INT, "lrange", "nokey", "a", "1");
    CHECK("*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "lrange", "l",
          "-9223372036854775808", "9223372036854775807");
    CHECK("$1\r\na\r\n", "lindex", "l", "0");
    CHECK("$1\r\ne\r\n", "lindex", "l", "-1");
    CHECK("$-1\r\n", "lindex", "l", "5");
    CHECK("$-1\r\n", "lindex", "l", "-6");
    CHECK(NOT_INT, "lindex", "l", "x");
    CHECK("$-1\r\n", "lindex", "nokey", "x"); /* the key is looked up first */
    CHECK("+OK\r\n", "lset", "l", "-1", "E");
    CHECK("+OK\r\n", "lset", "l", "0", "A");
    CHECK("*1\r\n$1\r\nA\r\n", "lrange", "l", "0", "0");
    CHECK("$1\r\nA\r\n", "lindex", "l", "0");
    CHECK("$1\r\nE\r\n", "lindex", "l", "4");
    CHECK("-ERR index out of range\r\n", "lset", "l", "5", "x");
    CHECK("-ERR index out of range\r\n", "lset", "l", "-6", "x");
    CHECK(NOT_INT, "lset", "l", "x", "x");
    CHECK("-ERR no such key\r\n", "lset", "nokey", "x", "x");
    CHECK("+OK\r\n", "set", "s", "x");
    CHECK(WRONGTYPE, "lrange", "s", "0", "1");
    CHECK(WRONGTYPE, "lindex", "s", "x");
    CHECK(WRONGTYPE, "lset", "s", "x", "y");
}
END_TEST

START_TEST(linsert_lrem_ltrim)
{
    CHECK(":3\r\n", "rpush", "l", "a", "b", "a");
    CHECK(":4\r\n", "linsert", "l", "before", "a", "x");
    CHECK(":5\r\n", "linsert", "l", "AFTER", "a", "y");
    CHECK("*5\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\ny\r\n$1\r\nb\r\n$1\r\na\r\n", "lrange", "l", "0",
          "-1");
    CHECK(":-1\r\n", "linsert", "l", "before", "zz", "x");
    CHECK(":0\r\n", "linsert", "nokey", "before", "a", "x");
    CHECK(SYNTAX, "linsert", "nokey", "middle", "a", "x");
    CHECK(":1\r\n", "lrem", "l", "-1", "a");
    CHECK("*4\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\ny\r\n$1\r\nb\r\n", "lrange", "l", "0", "-1");
    CHECK(":0\r\n", "lrem", "l", "0", "zz");
    CHECK(":0\r\n", "lrem", "nokey", "0", "a");
    CHECK(NOT_INT, "lrem", "nokey", "x", "a");
    CHECK(":6\r\n", "rpush", "l", "a", "a");
    CHECK(":2\r\n", "lrem", "l", "2", "a");
    CHECK("*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nb\r\n$1\r\na\r\n", "lrange", "l", "0", "-1");
    CHECK(":1\r\n", "lrem", "l", "-9223372036854775808", "a");
    CHECK("+OK\r\n", "ltrim", "l", "1", "-2");
    CHECK("*1\r\n$1\r\ny\r\n", "lrange", "l", "0", "-1");
    CHECK("+OK\r\n", "ltrim", "l", "-100", "100");
    CHECK(":1\r\n", "llen", "l");
    CHECK("+OK\r\n", "ltrim", "l", "1", "0");
    ck_assert(!exists("l"));
    CHECK("+OK\r\n", "ltrim", "nokey", "0", "1");
    CHECK(NOT_INT, "ltrim", "nokey", "a", "1");
    CHECK(":1\r\n", "rpush", "l", "a");
    CHECK(":1\r\n", "lrem", "l", "0", "a");
    ck_assert(!exists("l"));
    CHECK("+OK\r\n", "set", "s", "x");
    CHECK(WRONGTYPE, "linsert", "s", "before", "a", "b");
    CHECK(SYNTAX, "linsert", "s", "x", "a", "b");
    CHECK(WRONGTYPE, "lrem", "s", "1", "x");
    CHECK(WRONGTYPE, "ltrim", "s", "0", "1");
}
END_TEST

#define RANK_ZERO                                                                                  \
    "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use " \
    "negative to start from the end of the list\r\n"

START_TEST(lpos_cases)
{
    CHECK(":7\r\n", "rpush", "p", "a", "b", "a", "c", "a", "d", "a");
    CHECK(":0\r\n", "lpos", "p", "a");
    CHECK(":2\r\n", "lpos", "p", "a", "rank", "2");
    CHECK(":6\r\n", "lpos", "p", "a", "rank", "-1");
    CHECK("*3\r\n:4\r\n:2\r\n:0\r\n", "lpos", "p", "a", "rank", "-2", "count", "0");
    CHECK("*2\r\n:0\r\n:2\r\n", "lpos", "p", "a", "count", "2", "maxlen", "3");
    CHECK("*2\r\n:2\r\n:4\r\n", "lpos", "p", "a", "rank", "2", "count", "0", "maxlen", "5");
    CHECK(":6\r\n", "lpos", "p", "a", "rank", "-1", "maxlen", "2");
    CHECK("$-1\r\n", "lpos", "p", "a", "rank", "5");
    CHECK("$-1\r\n", "lpos", "p", "d", "maxlen", "5");
    CHECK("*0\r\n", "lpos", "p", "zz", "count", "0");
    CHECK(":6\r\n", "lpos", "p", "a", "rank", "-9223372036854775808");
    CHECK("$-1\r\n", "lpos", "p", "a", "rank", "9223372036854775807");
    CHECK(RANK_ZERO, "lpos", "p", "a", "rank", "0");
    CHECK(RANK_ZERO, "lpos", "nokey", "a", "rank", "0");
    CHECK(NOT_INT, "lpos", "p", "a", "rank", "x");
    CHECK("-ERR COUNT can't be negative\r\n", "lpos", "p", "a", "count", "-1");
    CHECK("-ERR COUNT can't be negative\r\n", "lpos", "p", "a", "count", "x");
    CHECK("-ERR MAXLEN can't be negative\r\n", "lpos", "p", "a", "maxlen", "-1");
    CHECK("-ERR MAXLEN can't be negative\r\n", "lpos", "p", "a", "maxlen", "x");
    CHECK(SYNTAX, "lpos", "p", "a", "rank");
    CHECK(SYNTAX, "lpos", "p", "a", "foo", "1");
    CHECK("$-1\r\n", "lpos", "nokey", "a");
    CHECK("*0\r\n", "lpos", "nokey", "a", "count", "3");
    CHECK("+OK\r\n", "set", "s", "x");
    CHECK(WRONGTYPE, "lpos", "s", "a");
}
END_TEST

START_TEST(lmove_rpoplpush)
{
    CHECK(":3\r\n", "rpush", "a", "1", "2", "3");
    CHECK("$1\r\n3\r\n", "rpoplpush", "a", "b");
    CHECK("$1\r\n1\r\n", "lmove", "a", "b", "LEFT", "RIGHT");
    CHECK("*2\r\n$1\r\n3\r\n$1\r\n1\r\n", "lrange", "b", "0", "-1");
    CHECK("$1\r\n3\r\n", "lmove", "b", "b", "left", "right"); /* rotation */
    CHECK("*2\r\n$1\r\n1\r\n$1\r\n3\r\n", "lrange", "b", "0", "-1");
    CHECK("$1\r\n2\r\n", "lmove", "a", "a", "left", "left");
    CHECK("$1\r\n2\r\n", "lmove", "a", "b", "right", "left");
    ck_assert(!exists("a"));
    CHECK("$-1\r\n", "lmove", "a", "b", "left", "left");
    CHECK("$-1\r\n", "rpoplpush", "a", "b");
    CHECK(SYNTAX, "lmove", "b", "c", "up", "left");
    CHECK(SYNTAX, "lmove", "b", "c", "left", "down");
    CHECK("+OK\r\n", "set", "s", "x");
    CHECK("$-1\r\n", "lmove", "nokey", "s", "left", "left");
    CHECK(WRONGTYPE, "lmove", "b", "s", "left", "left");
    CHECK(WRONGTYPE, "rpoplpush", "s", "b");
    CHECK(":3\r\n", "llen", "b");
}
END_TEST

START_TEST(lmpop_cases)
{
    CHECK(":3\r\n", "rpush", "l", "a", "b", "c");
    CHECK("*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n", "lmpop", "2", "nokey", "l", "left");
    CHECK("*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n", "lmpop", "1", "l", "RIGHT", "COUNT",
          "5");
    ck_assert(!exists("l"));
    CHECK("*-1\r\n", "lmpop", "2", "l", "nokey", "left");
    CHECK("-ERR numkeys should be greater than 0\r\n", "lmpop", "0", "l", "left");
    CHECK("-ERR numkeys should be greater than 0\r\n", "lmpop", "x", "l", "left");
    CHECK(SYNTAX, "lmpop", "2", "l", "left");
    CHECK(SYNTAX, "lmpop", "1", "l", "up");
    CHECK("-ERR count should be greater than 0\r\n", "lmpop", "1", "l", "left", "count", "0");
    CHECK("-ERR count should be greater than 0\r\n", "lmpop", "1", "l", "left", "count", "x");
    CHECK(SYNTAX, "lmpop", "1", "l", "left", "count", "1", "count", "2");
    CHECK(SYNTAX, "lmpop", "1", "l", "left", "count");
    CHECK(SYNTAX, "lmpop", "1", "l", "left", "foo");
    CHECK("-ERR wrong number of arguments for 'lmpop' command\r\n", "lmpop", "1", "l");
    CHECK("+OK\r\n", "set", "s", "x");
    CHECK(":1\r\n", "rpush", "l", "a");
    CHECK(WRONGTYPE, "lmpop", "2", "s", "l", "left");
    CHECK(WRONGTYPE, "lmpop", "2", "nokey", "s", "left");
    CHECK("*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n", "lmpop", "2", "l", "s", "left");
    CHECK("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "command", "getkeys", "lmpop", "2", "a", "b", "left");
    CHECK("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "command", "getkeys", "blmpop", "0", "2", "a", "b",
          "left");
    CHECK("-ERR Invalid arguments specified for command\r\n", "command", "getkeys", "lmpop", "5",
          "a", "left");
}
END_TEST

/* Blocking forms with data present answer at once (test_blocking.c covers waiting). */
START_TEST(blocking_with_data_and_encoding)
{
    CHECK(":5\r\n", "rpush", "l", "a", "b", "c", "d", "e");
    CHECK("*2\r\n$1\r\nl\r\n$1\r\na\r\n", "blpop", "l", "0");
    CHECK("*2\r\n$1\r\nl\r\n$1\r\ne\r\n", "brpop", "l", "0");
    CHECK("$1\r\nb\r\n", "blmove", "l", "m", "left", "left", "0");
    CHECK("$1\r\nd\r\n", "brpoplpush", "l", "m", "0");
    CHECK("*2\r\n$1\r\nm\r\n*1\r\n$1\r\nd\r\n", "blmpop", "0", "1", "m", "left");
    CHECK(":1\r\n", "del", "m");
    CHECK(":1\r\n", "llen", "l");
    CHECK("$9\r\nquicklist\r\n", "object", "encoding", "l");
    CHECK("+list\r\n", "type", "l");
    /* COPY deep-copies through the registered dup. */
    CHECK(":1\r\n", "copy", "l", "m");
    CHECK(":2\r\n", "rpush", "m", "b");
    CHECK(":1\r\n", "llen", "l");
}
END_TEST

START_TEST(rows_match_redis_command_info)
{
    static const struct {
        const char *name;
        int arity, first, last, step;
        uint32_t flags;
    } want[] = {
        {"lpush", -3, 1, 1, 1, KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST},
        {"lpop", -2, 1, 1, 1, KVD_CMD_WRITE | KVD_CMD_FAST},
        {"llen", 2, 1, 1, 1, KVD_CMD_READONLY | KVD_CMD_FAST},
        {"lrange", 4, 1, 1, 1, KVD_CMD_READONLY},
        {"lrem", 4, 1, 1, 1, KVD_CMD_WRITE},
        {"lpos", -3, 1, 1, 1, KVD_CMD_READONLY},
        {"lmove", 5, 1, 2, 1, KVD_CMD_WRITE | KVD_CMD_DENYOOM},
        {"rpoplpush", 3, 1, 2, 1, KVD_CMD_WRITE | KVD_CMD_DENYOOM},
        {"lmpop", -4, 0, 0, 0, KVD_CMD_WRITE | KVD_CMD_MOVABLE_KEYS},
        {"blpop", -3, 1, -2, 1, KVD_CMD_WRITE | KVD_CMD_NOSCRIPT | KVD_CMD_BLOCKING},
        {"blmpop", -5, 0, 0, 0, KVD_CMD_WRITE | KVD_CMD_BLOCKING | KVD_CMD_MOVABLE_KEYS},
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
    kvd_command_t *bl = kvd_command_lookup("blpop", 5);
    ck_assert_uint_eq(bl->acl, KVD_ACL_WRITE | KVD_ACL_LIST | KVD_ACL_SLOW | KVD_ACL_BLOCKING);
}
END_TEST

/* Push n numbered elements with a small node bound: many nodes. */
static void push_numbered(const char *key, int n, bool head)
{
    char buf[32];
    for (int i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        run(head ? "lpush" : "rpush", key, buf, NULL);
    }
}

START_TEST(long_lists_span_nodes)
{
    cfg.list_max_listpack_size = 4;
    push_numbered("l", 10000, false);
    kvd_qlist_t *ql = list_of("l");
    ck_assert_uint_eq(kvd_qlist_len(ql), 10000);
    ck_assert_uint_ge(kvd_qlist_node_count(ql), 2500);
    kvd_qlist_verify_invariants(ql);
    CHECK("$4\r\n5000\r\n", "lindex", "l", "5000");
    CHECK("$4\r\n9999\r\n", "lindex", "l", "-1");
    CHECK("$4\r\n7001\r\n", "lindex", "l", "-2999");
    CHECK("*3\r\n$4\r\n4998\r\n$4\r\n4999\r\n$4\r\n5000\r\n", "lrange", "l", "4998", "5000");
    CHECK(":5000\r\n", "lpos", "l", "5000");
    CHECK("+OK\r\n", "lset", "l", "5001", "x");
    CHECK(":10001\r\n", "linsert", "l", "after", "x", "y");
    CHECK(":1\r\n", "lrem", "l", "0", "y");
    CHECK(":10000\r\n", "llen", "l");
    CHECK("+OK\r\n", "ltrim", "l", "1001", "-1001");
    CHECK(":7999\r\n", "llen", "l");
    CHECK("$4\r\n1001\r\n", "lindex", "l", "0");
    CHECK("$4\r\n8999\r\n", "lindex", "l", "-1");
    kvd_qlist_verify_invariants(list_of("l"));
    /* Size-bounded nodes (-2: 8 KB): a huge element gets a node of its own. */
    cfg.list_max_listpack_size = -2;
    push_numbered("m", 3000, true);
    ck_assert_uint_gt(kvd_qlist_node_count(list_of("m")), 1);
    static char big[10000];
    memset(big, 'z', sizeof(big));
    set_arg(0, "rpush", 5);
    set_arg(1, "m", 1);
    set_arg(2, big, sizeof(big));
    ck_assert_str_eq(dispatch(3), ":3001\r\n");
    set_arg(0, "linsert", 7);
    set_arg(2, "before", 6);
    set_arg(3, "1500", 4);
    set_arg(4, big, sizeof(big));
    ck_assert_str_eq(dispatch(5), ":3002\r\n");
    kvd_qlist_verify_invariants(list_of("m"));
    CHECK(":1500\r\n", "lpos", "m", "1500");
    CHECK("*2\r\n$1\r\n2\r\n$1\r\n1\r\n", "lrange", "m", "2998", "2999");
    CHECK(":3002\r\n", "llen", "m");
}
END_TEST

/* ---- randomized against an array model ---- */

#define MODEL_MAX 4000

typedef struct model {
    char *v[MODEL_MAX];
    size_t n[MODEL_MAX];
    int len;
} model_t;

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int rnd_in(int lo, int hi) /* inclusive */
{
    return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Mostly one-letter values (so LREM, LPOS and LINSERT find matches), some long. */
static size_t random_value(char *buf)
{
    int kind = rnd_in(0, 19);
    size_t n = kind == 0 ? (size_t)rnd_in(100, 3000) : kind == 1 ? 0 : 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + rnd_in(0, 3));
    return n;
}

static void model_insert(model_t *m, int at, const char *p, size_t n)
{
    ck_assert_int_lt(m->len, MODEL_MAX);
    memmove(&m->v[at + 1], &m->v[at], (size_t)(m->len - at) * sizeof(m->v[0]));
    memmove(&m->n[at + 1], &m->n[at], (size_t)(m->len - at) * sizeof(m->n[0]));
    m->v[at] = kvd_memdup(p, n);
    m->n[at] = n;
    m->len++;
}

static void model_remove(model_t *m, int at)
{
    kvd_free(m->v[at]);
    memmove(&m->v[at], &m->v[at + 1], (size_t)(m->len - at - 1) * sizeof(m->v[0]));
    memmove(&m->n[at], &m->n[at + 1], (size_t)(m->len - at - 1) * sizeof(m->n[0]));
    m->len--;
}

/* The whole list through LRANGE equals the model; the key exists iff non-empty. */
static void model_check(model_t *m)
{
    kvd_buf_t want;
    kvd_buf_init(&want);
    kvd_reply_array(&want, m->len);
    for (int i = 0; i < m->len; i++)
        kvd_reply_bulk(&want, m->v[i], m->n[i]);
    run("lrange", "r", "0", "-1", NULL);
    ck_assert_uint_eq(out.len, want.len);
    ck_assert(memcmp(out.data, want.data, want.len) == 0);
    kvd_buf_free(&want);
    ck_assert(exists("r") == (m->len > 0));
    if (m->len > 0)
        kvd_qlist_verify_invariants(list_of("r"));
}

static int model_find(const model_t *m, const char *p, size_t n)
{
    for (int i = 0; i < m->len; i++)
        if (m->n[i] == n && memcmp(m->v[i], p, n) == 0)
            return i;
    return -1;
}

static void random_step(model_t *m)
{
    static char val[3001];
    char num[2][32];
    size_t vn = random_value(val);
    int op = rnd_in(0, 7);
    if (m->len > MODEL_MAX - 10)
        op = 2;
    if (op <= 1) { /* LPUSH / RPUSH */
        set_arg(0, op == 0 ? "lpush" : "rpush", 5);
        set_arg(1, "r", 1);
        set_arg(2, val, vn);
        dispatch(3);
        model_insert(m, op == 0 ? 0 : m->len, val, vn);
    } else if (op == 2) { /* LPOP / RPOP with count */
        int k = rnd_in(0, 20);
        bool head = rnd() & 1;
        snprintf(num[0], sizeof(num[0]), "%d", k);
        run(head ? "lpop" : "rpop", "r", num[0], NULL);
        for (int i = 0; i < k && m->len > 0; i++)
            model_remove(m, head ? 0 : m->len - 1);
    } else if (op == 3 && m->len > 0) { /* LSET */
        int at = rnd_in(0, m->len - 1);
        snprintf(num[0], sizeof(num[0]), "%d", at);
        set_arg(0, "lset", 4);
        set_arg(1, "r", 1);
        set_arg(2, num[0], strlen(num[0]));
        set_arg(3, val, vn);
        ck_assert_str_eq(dispatch(4), "+OK\r\n");
        model_remove(m, at);
        model_insert(m, at, val, vn);
    } else if (op == 4 && m->len > 0) { /* LINSERT before/after the first "a" */
        bool after = rnd() & 1;
        int at = model_find(m, "a", 1);
        set_arg(0, "linsert", 7);
        set_arg(1, "r", 1);
        set_arg(2, after ? "after" : "before", after ? 5 : 6);
        set_arg(3, "a", 1);
        set_arg(4, val, vn);
        dispatch(5);
        if (at >= 0)
            model_insert(m, at + (after ? 1 : 0), val, vn);
    } else if (op == 5) { /* LREM count "b" */
        int count = rnd_in(-3, 3), removed = 0;
        snprintf(num[0], sizeof(num[0]), "%d", count);
        run("lrem", "r", num[0], "b", NULL);
        int limit = count == 0 ? INT_MAX : abs(count);
        for (int i = 0; i < m->len && removed < limit; i++) {
            int at = count >= 0 ? i : m->len - 1 - i;
            if (m->n[at] == 1 && m->v[at][0] == 'b') {
                model_remove(m, at);
                removed++;
                i--; /* the next candidate now has the same distance from the start */
            }
        }
        char want[32];
        snprintf(want, sizeof(want), ":%d\r\n", removed);
        ck_assert_str_eq(kvd_buf_cstr(&out), want);
    } else if (op == 6) { /* LTRIM a random window */
        int s = rnd_in(-5, m->len + 2), e = rnd_in(-5, m->len + 2);
        snprintf(num[0], sizeof(num[0]), "%d", s);
        snprintf(num[1], sizeof(num[1]), "%d", e);
        ck_assert_str_eq(run("ltrim", "r", num[0], num[1], NULL), "+OK\r\n");
        if (s < 0)
            s = m->len + s < 0 ? 0 : m->len + s;
        if (e < 0)
            e += m->len;
        if (e >= m->len)
            e = m->len - 1;
        if (s > e || s >= m->len) {
            s = 0;
            e = -1;
        }
        while (m->len > e + 1)
            model_remove(m, m->len - 1);
        for (int i = 0; i < s; i++)
            model_remove(m, 0);
    } else if (op == 7 && m->len > 0) { /* LMOVE rotation */
        bool left = rnd() & 1;
        run("lmove", "r", "r", left ? "left" : "right", left ? "right" : "left", NULL);
        char *v = kvd_memdup(m->v[left ? 0 : m->len - 1], m->n[left ? 0 : m->len - 1]);
        size_t n = m->n[left ? 0 : m->len - 1];
        model_remove(m, left ? 0 : m->len - 1);
        model_insert(m, left ? m->len : 0, v, n);
        kvd_free(v);
    }
}

START_TEST(random_against_model)
{
    const char *s = getenv("SEED");
    uint64_t seed = s ? strtoull(s, NULL, 10) : (uint64_t)time(NULL);
    printf("test_list random_against_model: seed=%llu\n", (unsigned long long)seed);
    rng_state = seed * 2654435761u + 1;
    static const int fills[] = {-1, -2, -5, 1, 2, 7, 128};
    cfg.list_max_listpack_size = fills[rnd() % KVD_ARRAY_LEN(fills)];
    static model_t m;
    m.len = 0;
    for (int step = 0; step < 6000; step++) {
        random_step(&m);
        if (step % 50 == 0)
            model_check(&m);
    }
    model_check(&m);
    while (m.len > 0)
        model_remove(&m, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("list");
    TCase *tc = tcase_create("commands");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, push_pop_llen);
    tcase_add_test(tc, lrange_lindex_lset);
    tcase_add_test(tc, linsert_lrem_ltrim);
    tcase_add_test(tc, lpos_cases);
    tcase_add_test(tc, lmove_rpoplpush);
    tcase_add_test(tc, lmpop_cases);
    tcase_add_test(tc, blocking_with_data_and_encoding);
    tcase_add_test(tc, rows_match_redis_command_info);
    tcase_add_test(tc, long_lists_span_nodes);
    tcase_add_test(tc, random_against_model);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

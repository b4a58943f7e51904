/*
 * test_multi.c - MULTI/EXEC/DISCARD/WATCH/UNWATCH (multi.c): queueing,
 * EXECABORT, what touches a watched key (writes, expiry, FLUSH*, SWAPDB,
 * MOVE/COPY into another database), and EXEC's isolation from blocked
 * clients.  Replies are byte for byte what redis-server 7.0.15 sends.
 */
#include "harness.h"
#include <check.h>

#include "cmd/blocking.h"
#include "cmd/multi.h"
#include "cmd/shard.h"

#define CHECK(expected, ...) ck_assert_str_eq(th_run(__VA_ARGS__, NULL), expected)

/* A second client on the shard, for writes that are not the watcher's. */
static kvd_client_t other;
static kvd_buf_t other_out;

static void setup(void)
{
    th_setup();
    kvd_client_init(&other, th_shard);
    kvd_buf_init(&other_out);
    other.reply = &other_out;
    kvd_shard_link_client(th_shard, &other);
}

static void teardown(void)
{
    kvd_shard_unlink_client(th_shard, &other);
    kvd_client_release(&other);
    kvd_buf_free(&other_out);
    th_teardown();
}

static const char *by_other(const char *first, ...)
{
    static char words[8][64];
    static kvd_arg_t argv[8];
    int argc = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s != NULL && argc < 8; s = va_arg(ap, const char *)) {
        snprintf(words[argc], sizeof(words[argc]), "%s", s);
        argv[argc].ptr = words[argc];
        argv[argc].len = strlen(s);
        argc++;
    }
    va_end(ap);
    kvd_buf_clear(&other_out);
    other.argc = argc;
    other.argv = argv;
    kvd_dispatch(&other);
    other.argc = 0;
    return kvd_buf_cstr(&other_out);
}

START_TEST(basics_and_errors)
{
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "set", "a", "1");
    CHECK("+QUEUED\r\n", "incr", "a");
    CHECK("+QUEUED\r\n", "lpush", "a", "x"); /* fails at EXEC, not when queued */
    CHECK("-ERR MULTI calls can not be nested\r\n", "multi");
    CHECK("-ERR WATCH inside MULTI is not allowed\r\n", "watch", "a");
    CHECK("*3\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
          "exec");
    CHECK("-ERR EXEC without MULTI\r\n", "exec");
    CHECK("-ERR DISCARD without MULTI\r\n", "discard");
    CHECK("+OK\r\n", "multi");
    CHECK("*0\r\n", "exec");
    /* A command rejected while queueing dooms the transaction. */
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "set", "a", "2");
    CHECK("-ERR wrong number of arguments for 'get' command\r\n", "get");
    CHECK("-EXECABORT Transaction discarded because of previous errors.\r\n", "exec");
    CHECK("$1\r\n2\r\n", "get", "a");
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "set", "a", "3");
    CHECK("+OK\r\n", "discard");
    CHECK("$1\r\n2\r\n", "get", "a");
    /* SELECT inside a transaction applies to what follows it. */
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "select", "1");
    CHECK("+QUEUED\r\n", "set", "a", "db1");
    CHECK("*2\r\n+OK\r\n+OK\r\n", "exec");
    CHECK("$3\r\ndb1\r\n", "get", "a");
}
END_TEST

START_TEST(watch_touched_by_writes)
{
    CHECK("+OK\r\n", "set", "x", "30");
    CHECK("+OK\r\n", "watch", "a", "b", "x");
    by_other("set", "x", "40", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "ping");
    CHECK("*-1\r\n", "exec");
    /* After EXEC (failed or not) nothing is watched any more. */
    by_other("set", "x", "50", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "ping");
    CHECK("*1\r\n+PONG\r\n", "exec");
    /* A write that changed nothing does not count. */
    CHECK("+OK\r\n", "watch", "x");
    by_other("set", "x", "60", "nx", NULL);
    by_other("get", "x", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "ping");
    CHECK("*1\r\n+PONG\r\n", "exec");
    /* UNWATCH and DISCARD forget the watches and the dirty mark. */
    CHECK("+OK\r\n", "watch", "x");
    by_other("set", "x", "70", NULL);
    CHECK("+OK\r\n", "unwatch");
    CHECK("+OK\r\n", "multi");
    CHECK("*0\r\n", "exec");
    /* The database is part of what is watched. */
    CHECK("+OK\r\n", "watch", "x");
    by_other("select", "1", NULL);
    by_other("set", "x", "other-db", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("*0\r\n", "exec");
    /* A transaction's own writes never abort it. */
    CHECK("+OK\r\n", "watch", "x");
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "set", "x", "mine");
    CHECK("*1\r\n+OK\r\n", "exec");
}
END_TEST

START_TEST(watch_touched_by_expiry_flush_swap_move)
{
    CHECK("+OK\r\n", "set", "k", "v", "px", "100");
    CHECK("+OK\r\n", "watch", "k");
    th_advance_ms(200);
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "ping");
    CHECK("*-1\r\n", "exec"); /* expired since WATCH */
    /* FLUSHALL touches watched keys that exist, not the others. */
    CHECK("+OK\r\n", "set", "k", "v");
    CHECK("+OK\r\n", "watch", "nokey");
    by_other("flushall", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("*0\r\n", "exec");
    CHECK("+OK\r\n", "set", "k", "v");
    CHECK("+OK\r\n", "watch", "k");
    by_other("flushdb", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("*-1\r\n", "exec");
    /* SWAPDB brings a value to a watched key that did not exist. */
    by_other("select", "1", NULL);
    by_other("set", "k", "in-db1", NULL);
    CHECK("+OK\r\n", "watch", "k");
    by_other("swapdb", "0", "1", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("*-1\r\n", "exec");
    /* MOVE into the watched key's database. */
    by_other("select", "1", NULL);
    by_other("set", "m", "v", NULL);
    CHECK("+OK\r\n", "watch", "m");
    by_other("move", "m", "0", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("*-1\r\n", "exec");
}
END_TEST

/* EXEC runs whole before blocked clients are served (Redis's isolation). */
START_TEST(exec_isolated_from_blocked_clients)
{
    const char *r = by_other("blpop", "list", "0", NULL);
    ck_assert_str_eq(r, "");
    ck_assert_uint_eq(kvd_blocking_count(th_shard->blocking), 1);
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "lpush", "list", "a");
    CHECK("+QUEUED\r\n", "lpush", "list", "b");
    CHECK("+QUEUED\r\n", "lpush", "list", "c");
    CHECK("*3\r\n:1\r\n:2\r\n:3\r\n", "exec");
    ck_assert_str_eq(kvd_buf_cstr(&other_out), "*2\r\n$4\r\nlist\r\n$1\r\nc\r\n");
    /* Pushed and deleted inside one EXEC: the waiter sees nothing. */
    by_other("blpop", "list2", "0", NULL);
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "lpush", "list2", "a");
    CHECK("+QUEUED\r\n", "del", "list2");
    CHECK("*2\r\n:1\r\n:1\r\n", "exec");
    ck_assert_uint_eq(kvd_blocking_count(th_shard->blocking), 1);
    /* Blocking commands inside MULTI answer as if timed out. */
    CHECK("+OK\r\n", "multi");
    CHECK("+QUEUED\r\n", "blpop", "empty", "0");
    CHECK("+QUEUED\r\n", "blmove", "empty", "x", "left", "left", "0");
    CHECK("*2\r\n*-1\r\n$-1\r\n", "exec");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("multi");
    TCase *tc = tcase_create("multi");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, basics_and_errors);
    tcase_add_test(tc, watch_touched_by_writes);
    tcase_add_test(tc, watch_touched_by_expiry_flush_swap_move);
    tcase_add_test(tc, exec_isolated_from_blocked_clients);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

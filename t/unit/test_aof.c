/*
 * test_aof.c - the append-only file (src/aof): record encoding, what each
 * command logs (deterministic forms), MULTI/EXEC wrapping, replay into a
 * fresh shard, torn tails, corruption offsets, disk errors (MISCONF and
 * recovery) and the fork rewrite.  Files live in a fresh temporary
 * directory per test; the clock is the harness's hand-driven one.
 */
#include "aof_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SEL0 "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"

START_TEST(encode_record)
{
    kvd_buf_t b = KVD_BUF_INIT;
    kvd_arg_t v[2] = {{(char *)"SET", 3}, {(char *)"a\r\nb", 4}};
    kvd_aof_encode(&b, 2, v);
    ck_assert_str_eq(kvd_buf_cstr(&b), "*2\r\n$3\r\nSET\r\n$4\r\na\r\nb\r\n");
    kvd_buf_free(&b);
}
END_TEST

START_TEST(logs_writes_only)
{
    CHECK("+OK\r\n", "SET", "a", "1");
    CHECK("$1\r\n1\r\n", "GET", "a");
    CHECK(":0\r\n", "DEL", "nope");
    CHECK(":2\r\n", "INCR", "a");
    ck_assert_str_eq(aof_slurp(NULL), ""); /* nothing before the iteration ends */
    kvd_aof_before_sleep(th_shard);
    ck_assert_str_eq(aof_slurp(NULL), SEL0 "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
                                       "*2\r\n$4\r\nINCR\r\n$1\r\na\r\n");
    CHECK("+OK\r\n", "SELECT", "3");
    CHECK("+OK\r\n", "SET", "b", "2");
    kvd_aof_before_sleep(th_shard);
    ck_assert_ptr_nonnull(strstr(aof_slurp(NULL), "SELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$1\r\nb"));
}
END_TEST

START_TEST(deterministic_forms)
{
    char want[256];
    long long now = (long long)th_now_ms();
    CHECK("+OK\r\n", "SET", "k", "v", "EX", "10");
    kvd_aof_before_sleep(th_shard);
    snprintf(want, sizeof(want), "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$13\r\n%lld\r\n",
             now + 10000);
    ck_assert_ptr_nonnull(strstr(aof_slurp(NULL), want));
    CHECK(":1\r\n", "EXPIRE", "k", "20", "GT");
    CHECK(":1\r\n", "EXPIRE", "k", "50");
    kvd_aof_before_sleep(th_shard);
    snprintf(want, sizeof(want), "$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n%lld\r\n", now + 50000);
    ck_assert_ptr_nonnull(strstr(aof_slurp(NULL), want));
    CHECK("$1\r\nv\r\n", "GETEX", "k", "PERSIST");
    CHECK(":1\r\n", "EXPIRE", "k", "-1");
    kvd_aof_before_sleep(th_shard);
    ck_assert_ptr_nonnull(strstr(aof_slurp(NULL), "*2\r\n$7\r\nPERSIST\r\n$1\r\nk\r\n"
                                              "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"));
    CHECK("$3\r\n1.5\r\n", "INCRBYFLOAT", "f", "1.5");
    CHECK(":1\r\n", "HSET", "h", "x", "1");
    CHECK("$3\r\n3.5\r\n", "HINCRBYFLOAT", "h", "x", "2.5");
    kvd_aof_before_sleep(th_shard);
    ck_assert_ptr_nonnull(strstr(aof_slurp(NULL), "$3\r\nSET\r\n$1\r\nf\r\n$3\r\n1.5\r\n$7\r\nKEEPTTL"));
    ck_assert_ptr_nonnull(strstr(aof_slurp(NULL), "*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nx\r\n$3\r\n3.5"));
    CHECK(":3\r\n", "SADD", "s", "a", "b", "c");
    th_run("SPOP", "s", NULL);
    th_run("SPOP", "s", "1", NULL);
    kvd_aof_before_sleep(th_shard);
    ck_assert_ptr_nonnull(strstr(aof_slurp(NULL), "*3\r\n$4\r\nSREM\r\n$1\r\ns\r\n"));
    ck_assert_ptr_null(strstr(aof_slurp(NULL), "SPOP"));
    /* Replay gives the same state, whatever the clock says later. */
    th_advance_ms(20000);
    ck_assert_int_eq(aof_restart(), 0);
    CHECK(":1\r\n", "SCARD", "s");
    CHECK("$3\r\n1.5\r\n", "GET", "f");
    CHECK("$3\r\n3.5\r\n", "HGET", "h", "x");
    CHECK(":0\r\n", "EXISTS", "k");
}
END_TEST

START_TEST(multi_is_wrapped)
{
    CHECK("+OK\r\n", "MULTI");
    CHECK("+QUEUED\r\n", "SET", "a", "1");
    CHECK("+QUEUED\r\n", "GET", "a");
    CHECK("+QUEUED\r\n", "INCR", "a");
    CHECK("*3\r\n+OK\r\n$1\r\n1\r\n:2\r\n", "EXEC");
    CHECK("+OK\r\n", "MULTI");
    CHECK("+QUEUED\r\n", "GET", "a");
    CHECK("*1\r\n$1\r\n2\r\n", "EXEC");
    kvd_aof_before_sleep(th_shard);
    ck_assert_str_eq(aof_slurp(NULL), "*1\r\n$5\r\nMULTI\r\n" SEL0
                                  "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
                                  "*2\r\n$4\r\nINCR\r\n$1\r\na\r\n*1\r\n$4\r\nEXEC\r\n");
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("$1\r\n2\r\n", "GET", "a");
}
END_TEST

START_TEST(replay_all_types)
{
    th_run("RPUSH", "l", "a", "b", "c", NULL);
    th_run("SADD", "s", "x", "1", NULL);
    th_run("ZADD", "z", "1.5", "m", "-2", "n", NULL);
    th_run("HSET", "h", "f", "v", NULL);
    th_run("SELECT", "5", NULL);
    th_run("SET", "five", "5", NULL);
    th_run("LPOP", "nothing", NULL);
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "0", "-1");
    CHECK(":2\r\n", "SCARD", "s");
    CHECK("*4\r\n$1\r\nn\r\n$2\r\n-2\r\n$1\r\nm\r\n$3\r\n1.5\r\n", "ZRANGE", "z", "0", "-1",
          "WITHSCORES");
    CHECK("$1\r\nv\r\n", "HGET", "h", "f");
    CHECK("$-1\r\n", "GET", "five");
    th_run("SELECT", "5", NULL);
    CHECK("$1\r\n5\r\n", "GET", "five");
    /* Replay is not traffic. */
    ck_assert_uint_eq(th_shard->dirty, 0);
}
END_TEST

START_TEST(torn_tail_truncated)
{
    th_run("SET", "a", "1", NULL);
    kvd_aof_before_sleep(th_shard);
    size_t good;
    aof_slurp(&good);
    aof_append_raw("*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$5\r\nhel");
    ck_assert_int_eq(aof_restart(), 0);
    size_t after;
    aof_slurp(&after);
    ck_assert_uint_eq(after, good);
    CHECK("$1\r\n1\r\n", "GET", "a");
    CHECK(":0\r\n", "EXISTS", "b");
    /* New records go after the cut, and load again. */
    th_run("SET", "c", "3", NULL);
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("$1\r\n3\r\n", "GET", "c");
}
END_TEST

START_TEST(torn_tail_refused_when_not_allowed)
{
    th_run("SET", "a", "1", NULL);
    kvd_aof_before_sleep(th_shard);
    aof_append_raw("*2\r\n$4\r\nINCR");
    th_cfg.aof_load_truncated = false;
    ck_assert_int_eq(aof_restart(), -1);
}
END_TEST

START_TEST(torn_transaction_dropped_whole)
{
    th_run("SET", "a", "1", NULL);
    kvd_aof_before_sleep(th_shard);
    size_t good;
    aof_slurp(&good);
    aof_append_raw("*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n");
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("$1\r\n1\r\n", "GET", "a");
    size_t after;
    aof_slurp(&after);
    ck_assert_uint_eq(after, good);
}
END_TEST

START_TEST(corruption_refused_with_offset)
{
    th_run("SET", "a", "1", NULL);
    th_run("SET", "b", "2", NULL);
    th_run("SET", "c", "3", NULL);
    kvd_aof_before_sleep(th_shard);
    size_t len;
    char *bytes = aof_slurp(&len);
    /* Break the second SET's header: "*3" -> "*x". */
    char *second = strstr(bytes + 30, "*3\r\n");
    ck_assert_ptr_nonnull(second);
    long off = second - bytes;
    FILE *f = fopen(aof_path, "r+b");
    fseek(f, off + 1, SEEK_SET);
    fputc('x', f);
    fclose(f);
    ck_assert_int_eq(aof_restart(), -1);
    /* Allowed: the file is cut at the last whole record before it. */
    th_cfg.aof_load_truncate_corrupt = true;
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("$1\r\n1\r\n", "GET", "a");
    CHECK(":0\r\n", "EXISTS", "c");
    size_t after;
    aof_slurp(&after);
    ck_assert_uint_eq(after, (size_t)off);
}
END_TEST

START_TEST(unknown_command_is_corruption)
{
    aof_append_raw("*1\r\n$4\r\nPING\r\n*2\r\n$7\r\nNOTACMD\r\n$1\r\nx\r\n");
    ck_assert_int_eq(aof_restart(), -1);
}
END_TEST

static int fail_writes;
static ssize_t failing_append(kvd_env_t *env, int fh, const void *p, size_t n)
{
    if (fail_writes)
        return -ENOSPC;
    return kvd_env_unix()->file_append(env, fh, p, n);
}

START_TEST(disk_error_refuses_writes_then_recovers)
{
    th_env.file_append = failing_append;
    fail_writes = 1;
    th_run("SET", "a", "1", NULL);
    kvd_aof_before_sleep(th_shard);
    kvd_buf_t why = KVD_BUF_INIT;
    ck_assert(kvd_aof_write_refused(th_shard, &why));
    ck_assert_str_eq(kvd_buf_cstr(&why), "MISCONF Errors writing to the AOF file: No space left on device");
    kvd_buf_clear(&why);
    /* The replies this iteration was to cover (peers' too) must not
     * acknowledge anything. */
    ck_assert(kvd_aof_sync_failed(th_shard, &why));
    ck_assert_str_eq(kvd_buf_cstr(&why), "MISCONF Errors writing to the AOF file: No space left on device");
    kvd_buf_free(&why);
    ck_assert_ptr_nonnull(strstr(th_run("INFO", "persistence", NULL), "aof_last_write_status:err"));
    CHECK("$1\r\n1\r\n", "GET", "a"); /* reads go on */
    /* Writes, and PING as in Redis, are refused with the cause; inside
     * MULTI the refusal dooms the transaction. */
    CHECK("-MISCONF Errors writing to the AOF file: No space left on device\r\n", "SET", "b", "2");
    CHECK("-MISCONF Errors writing to the AOF file: No space left on device\r\n", "PING");
    CHECK("$-1\r\n", "GET", "b");
    CHECK("+OK\r\n", "MULTI");
    CHECK("-MISCONF Errors writing to the AOF file: No space left on device\r\n", "INCR", "c");
    CHECK("-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC");
    /* The disk comes back: cron's retry writes the kept record. */
    fail_writes = 0;
    th_advance_ms(1500);
    kvd_aof_cron(th_shard);
    ck_assert(!kvd_aof_write_refused(th_shard, NULL));
    th_run("SET", "d", "4", NULL);
    kvd_aof_before_sleep(th_shard);
    ck_assert(!kvd_aof_sync_failed(th_shard, NULL));
    ck_assert_ptr_nonnull(strstr(th_run("INFO", "persistence", NULL), "aof_last_write_status:ok"));
    ck_assert_ptr_nonnull(strstr(aof_slurp(NULL), "$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"));
}
END_TEST

START_TEST(rewrite_compacts_and_keeps_concurrent_writes)
{
    for (int i = 0; i < 200; i++)
        th_run("INCR", "counter", NULL);
    th_run("RPUSH", "l", "a", "b", NULL);
    th_run("ZADD", "z", "0.1", "m", NULL);
    th_run("HSET", "h", "f", "v", NULL);
    th_run("SADD", "s", "1", "2", "x", NULL);
    th_run("SET", "t", "v", "PX", "100000", NULL);
    th_run("SELECT", "2", NULL);
    th_run("SET", "two", "2", NULL);
    kvd_aof_before_sleep(th_shard);
    size_t before;
    aof_slurp(&before);
    CHECK("+Background append only file rewriting started\r\n", "BGREWRITEAOF");
    CHECK("-ERR Background append only file rewriting already in progress\r\n", "BGREWRITEAOF");
    th_run("SET", "during", "yes", NULL); /* in database 2 */
    kvd_aof_before_sleep(th_shard);
    aof_wait_rewrite();
    ck_assert_ptr_nonnull(strstr(th_run("INFO", "persistence", NULL), "aof_rewrites:1\r\n"));
    ck_assert_ptr_nonnull(strstr(th_run("INFO", "persistence", NULL), "aof_last_bgrewrite_status:ok"));
    size_t after;
    aof_slurp(&after);
    ck_assert_uint_lt(after, before);
    th_run("SET", "after", "1", NULL);
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("$3\r\n200\r\n", "GET", "counter");
    CHECK("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "LRANGE", "l", "0", "-1");
    CHECK("$19\r\n0.10000000000000001\r\n", "ZSCORE", "z", "m");
    CHECK(":3\r\n", "SCARD", "s");
    CHECK("$1\r\nv\r\n", "HGET", "h", "f");
    ck_assert_ptr_nonnull(strstr(th_run("PTTL", "t", NULL), ":"));
    CHECK(":100000\r\n", "PTTL", "t");
    th_run("SELECT", "2", NULL);
    CHECK("$3\r\nyes\r\n", "GET", "during");
    CHECK("$1\r\n1\r\n", "GET", "after");
}
END_TEST

START_TEST(info_and_lastsave)
{
    const char *info = th_run("INFO", "persistence", NULL);
    ck_assert_ptr_nonnull(strstr(info, "aof_enabled:1\r\naof_rewrite_in_progress:0\r\n"));
    ck_assert_ptr_nonnull(strstr(info, "aof_current_size:0\r\naof_base_size:0\r\n"));
    char want[64];
    snprintf(want, sizeof(want), ":%llu\r\n", (unsigned long long)(th_shard->start_us / 1000000));
    CHECK(want, "LASTSAVE");
    CHECK("-ERR No shutdown in progress.\r\n", "SHUTDOWN", "ABORT");
    CHECK("-ERR syntax error\r\n", "SHUTDOWN", "SAVE", "NOSAVE");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("aof");
    TCase *tc = tcase_create("aof");
    tcase_add_checked_fixture(tc, aof_setup, aof_teardown);
    tcase_add_test(tc, encode_record);
    tcase_add_test(tc, logs_writes_only);
    tcase_add_test(tc, deterministic_forms);
    tcase_add_test(tc, multi_is_wrapped);
    tcase_add_test(tc, replay_all_types);
    tcase_add_test(tc, torn_tail_truncated);
    tcase_add_test(tc, torn_tail_refused_when_not_allowed);
    tcase_add_test(tc, torn_transaction_dropped_whole);
    tcase_add_test(tc, corruption_refused_with_offset);
    tcase_add_test(tc, unknown_command_is_corruption);
    tcase_add_test(tc, disk_error_refuses_writes_then_recovers);
    tcase_add_test(tc, rewrite_compacts_and_keeps_concurrent_writes);
    tcase_add_test(tc, info_and_lastsave);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

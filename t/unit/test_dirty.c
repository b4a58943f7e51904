/*
 * test_dirty.c - the change counter (Redis's server.dirty, INFO's
 * rdb_changes_since_last_save) moves by what each write changed.
 *
 * The table is one session replayed command by command; every delta was
 * measured on redis-server 7.0.15 (save "") with the same sequence.
 * Persistence logs a command only when it moved this counter, so a wrong
 * zero here is a lost write after restart and a wrong non-zero is bloat.
 */
#include "harness.h"
#include <check.h>

#include "cmd/shard.h"

#define MAX_WORDS 12

typedef struct dirty_row {
    uint64_t delta;
    const char *argv[MAX_WORDS];
} dirty_row_t;

static const dirty_row_t session[] = {
        {1, {"set", "a", "1"}},
        {0, {"set", "a", "1", "nx"}},
        {1, {"set", "a", "2", "xx"}},
        {0, {"setnx", "a", "3"}},
        {1, {"setnx", "b", "3"}},
        {3, {"mset", "x", "1", "y", "2", "z", "3"}},
        {0, {"msetnx", "x", "1", "w", "2"}},
        {2, {"msetnx", "w", "1", "v", "2"}},
        {1, {"append", "a", "zz"}},
        {1, {"append", "new", "q"}},
        {1, {"setrange", "a", "0", "Q"}},
        {0, {"setrange", "a", "0", ""}},
        {0, {"setrange", "nokey", "0", ""}},
        {1, {"incr", "n"}},
        {1, {"incrby", "n", "5"}},
        {1, {"incrbyfloat", "n", "1.5"}},
        {1, {"getset", "a", "v"}},
        {1, {"getdel", "a"}},
        {0, {"getdel", "a"}},
        {1, {"getex", "b", "px", "100000"}},
        {1, {"getex", "b", "persist"}},
        {0, {"getex", "b", "persist"}},
        {0, {"getex", "b"}},
        {1, {"setbit", "bits", "3", "1"}},
        {0, {"setbit", "bits", "3", "1"}},
        {1, {"bitfield", "bf", "set", "u8", "0", "1"}},
        {1, {"bitfield", "bf", "set", "u8", "0", "1", "incrby", "u8", "0", "1"}},
        {1, {"bitop", "or", "d", "bits", "bf"}},
        {0, {"bitop", "or", "d2", "none1", "none2"}},
        {2, {"del", "x", "y", "nokey"}},
        {1, {"expire", "z", "100"}},
        {0, {"expire", "z", "100", "nx"}},
        {1, {"persist", "z"}},
        {0, {"persist", "z"}},
        {1, {"rename", "z", "zz"}},
        {0, {"renamenx", "zz", "w"}},
        {1, {"copy", "zz", "cp"}},
        {1, {"move", "cp", "3"}},
        {1, {"swapdb", "0", "1"}},
        {1, {"swapdb", "0", "1"}},
        {3, {"lpush", "l", "a", "b", "c"}},
        {1, {"rpush", "l", "d"}},
        {0, {"lpushx", "nol", "a"}},
        {1, {"lpop", "l"}},
        {2, {"rpop", "l", "2"}},
        {1, {"lset", "l", "0", "X"}},
        {1, {"linsert", "l", "before", "X", "Y"}},
        {0, {"linsert", "l", "before", "nope", "Y"}},
        {1, {"lrem", "l", "0", "Y"}},
        {4, {"rpush", "l", "1", "2", "3", "4"}},
        {3, {"ltrim", "l", "1", "2"}},
        {1, {"lmove", "l", "l2", "left", "right"}},
        {1, {"rpoplpush", "l2", "l"}},
        {2, {"lmpop", "2", "l", "l2", "left", "count", "5"}},
        {2, {"hset", "h", "f", "1", "g", "2"}},
        {1, {"hset", "h", "f", "1"}},
        {0, {"hsetnx", "h", "f", "1"}},
        {1, {"hsetnx", "h", "k", "1"}},
        {1, {"hdel", "h", "f", "nope"}},
        {1, {"hincrby", "h", "g", "1"}},
        {1, {"hincrbyfloat", "h", "g", "1.5"}},
        {3, {"sadd", "s", "a", "b", "c"}},
        {0, {"sadd", "s", "a"}},
        {1, {"srem", "s", "a", "nope"}},
        {1, {"spop", "s"}},
        {1, {"spop", "s", "5"}},
        {3, {"sadd", "s", "1", "2", "3"}},
        {2, {"smove", "s", "s2", "1"}},
        {0, {"smove", "s", "s2", "99"}},
        {0, {"sinterstore", "dst", "s", "s2"}},
        {0, {"sinterstore", "dst", "none"}},
        {1, {"sunionstore", "dst", "s", "s2"}},
        {1, {"sdiffstore", "dst", "s", "s"}},
        {12, {"flushdb"}},
        {1, {"set", "k", "v"}},
        {2, {"flushall"}},
        {0, {"flushall"}},
        {3, {"mset", "a", "1", "b", "2", "c", "3"}},
        {3, {"flushall"}},
        {0, {"flushdb"}},
        {4, {"sadd", "s", "1", "2", "3", "4"}},
        {4, {"spop", "s", "10"}},
        {6, {"sadd", "s", "1", "2", "3", "4", "5", "6"}},
        {2, {"spop", "s", "2"}},
        {1, {"sadd", "t", "1"}},
        {1, {"sadd", "t2", "1"}},
        {1, {"smove", "t", "t2", "1"}},
        {1, {"set", "str", "abc"}},
        {1, {"setbit", "str", "100", "0"}},
        {0, {"bitfield", "str", "get", "u8", "0"}},
        {1, {"setrange", "str", "0", "a"}},
};

START_TEST(deltas_match_redis)
{
    for (size_t i = 0; i < sizeof(session) / sizeof(session[0]); i++) {
        const dirty_row_t *row = &session[i];
        int argc = 0;
        while (argc < MAX_WORDS && row->argv[argc] != NULL)
            argc++;
        uint64_t before = th_shard->dirty;
        const char *reply = th_run_argv(argc, row->argv);
        uint64_t delta = th_shard->dirty - before;
        ck_assert_msg(delta == row->delta, "row %zu (%s %s ...): dirty moved by %llu, Redis by %llu (reply %s)",
                      i, row->argv[0], argc > 1 ? row->argv[1] : "", (unsigned long long)delta,
                      (unsigned long long)row->delta, reply);
    }
}
END_TEST

/* Reads never count, and INFO reports the counter. */
START_TEST(reads_do_not_count_and_info_reports)
{
    th_run("set", "k", "v", NULL);
    th_run("rpush", "l", "a", "b", NULL);
    uint64_t before = th_shard->dirty;
    th_run("get", "k", NULL);
    th_run("lrange", "l", "0", "-1", NULL);
    th_run("exists", "k", NULL);
    th_run("ttl", "k", NULL);
    ck_assert_uint_eq(th_shard->dirty, before);
    const char *info = th_run("info", "persistence", NULL);
    char want[64];
    snprintf(want, sizeof(want), "rdb_changes_since_last_save:%llu\r\n", (unsigned long long)before);
    ck_assert_ptr_nonnull(strstr(info, want));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dirty");
    TCase *tc = tcase_create("dirty");
    tcase_add_checked_fixture(tc, th_setup, th_teardown);
    tcase_add_test(tc, deltas_match_redis);
    tcase_add_test(tc, reads_do_not_count_and_info_reports);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

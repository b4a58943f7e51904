/*
 * test_command.c - the command table and dispatch: lookup, arity, the
 * exact rejection texts, statistics.
 */
#include "harness.h"

START_TEST(lookup_is_case_insensitive)
{
    ck_assert_ptr_nonnull(kvd_command_lookup("get", 3));
    ck_assert_ptr_eq(kvd_command_lookup("GeT", 3), kvd_command_lookup("get", 3));
    ck_assert_ptr_null(kvd_command_lookup("getx", 4));
    ck_assert_ptr_null(kvd_command_lookup("ge", 2));
    ck_assert_ptr_null(kvd_command_lookup("", 0));
}
END_TEST

START_TEST(every_row_is_well_formed)
{
    ck_assert_uint_gt(kvd_command_count(), 10);
    for (size_t i = 0; i < kvd_command_count(); i++) {
        kvd_command_t *c = kvd_command_at(i);
        ck_assert_msg(c->arity != 0, "%s has arity 0", c->name);
        ck_assert_ptr_eq(kvd_command_lookup(c->name, strlen(c->name)), c);
        for (const char *p = c->name; *p; p++)
            ck_assert_msg(!(*p >= 'A' && *p <= 'Z'), "%s is not lower case", c->name);
        bool has_keys = c->first_key > 0;
        ck_assert_msg(!has_keys || c->key_step > 0, "%s has keys but no step", c->name);
        for (kvd_command_t *s = c->subcommands; s && s->name; s++)
            ck_assert_ptr_eq(s->parent, c);
    }
}
END_TEST

START_TEST(unknown_command_text)
{
    ck_assert_str_eq(th_run("foo", NULL), "-ERR unknown command 'foo', with args beginning with: \r\n");
    ck_assert_str_eq(th_run("foo", "a", "b", NULL),
                     "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
}
END_TEST

START_TEST(arity_text)
{
    ck_assert_str_eq(th_run("get", NULL), "-ERR wrong number of arguments for 'get' command\r\n");
    ck_assert_str_eq(th_run("GET", "a", "b", NULL),
                     "-ERR wrong number of arguments for 'get' command\r\n");
    ck_assert_str_eq(th_run("set", "a", NULL), "-ERR wrong number of arguments for 'set' command\r\n");
}
END_TEST

START_TEST(subcommand_texts)
{
    ck_assert_str_eq(th_run("config", NULL), "-ERR wrong number of arguments for 'config' command\r\n");
    ck_assert_str_eq(th_run("config", "nope", NULL),
                     "-ERR unknown subcommand 'nope'. Try CONFIG HELP.\r\n");
    ck_assert_str_eq(th_run("config", "get", NULL),
                     "-ERR wrong number of arguments for 'config|get' command\r\n");
}
END_TEST

START_TEST(set_get_roundtrip_and_stats)
{
    uint64_t before = th_shard->stats.total_commands_processed;
    ck_assert_str_eq(th_run("set", "k", "hello", NULL), "+OK\r\n");
    ck_assert_str_eq(th_run("get", "k", NULL), "$5\r\nhello\r\n");
    ck_assert_str_eq(th_run("get", "missing", NULL), "$-1\r\n");
    ck_assert_uint_eq(th_shard->stats.total_commands_processed, before + 3);
    kvd_command_t *get = kvd_command_lookup("get", 3);
    ck_assert_uint_ge(get->calls, 2);
}
END_TEST

START_TEST(set_options)
{
    ck_assert_str_eq(th_run("set", "k", "1", "nx", NULL), "+OK\r\n");
    ck_assert_str_eq(th_run("set", "k", "2", "nx", NULL), "$-1\r\n");
    ck_assert_str_eq(th_run("set", "k", "3", "xx", "get", NULL), "$1\r\n1\r\n");
    ck_assert_str_eq(th_run("set", "k", "4", "nx", "xx", NULL), "-ERR syntax error\r\n");
    ck_assert_str_eq(th_run("set", "k", "4", "ex", "0", NULL),
                     "-ERR invalid expire time in 'set' command\r\n");
    ck_assert_str_eq(th_run("set", "k", "4", "ex", "x", NULL),
                     "-ERR value is not an integer or out of range\r\n");
    ck_assert_str_eq(th_run("set", "k", "4", "ex", "10", "px", "10", NULL), "-ERR syntax error\r\n");
    ck_assert_str_eq(th_run("set", "k", "4", "keepttl", "ex", "10", NULL), "-ERR syntax error\r\n");
    ck_assert_str_eq(th_run("set", "k", "4", "ex", "9223372036854775807", NULL),
                     "-ERR invalid expire time in 'set' command\r\n");
    ck_assert_str_eq(th_run("set", "k", "5", "ex", "100", NULL), "+OK\r\n");
}
END_TEST

START_TEST(errors_are_counted)
{
    uint64_t before = th_shard->stats.total_error_replies;
    th_run("nosuchcommand", NULL);
    th_run("get", NULL);
    ck_assert_uint_eq(th_shard->stats.total_error_replies, before + 2);
    bool found = false;
    for (int i = 0; i < th_shard->stats.nerrors; i++)
        if (strcmp(th_shard->stats.errors[i].code, "ERR") == 0)
            found = th_shard->stats.errors[i].count >= 2;
    ck_assert(found);
}
END_TEST

START_TEST(memory_usage)
{
    static char big[33001];
    memset(big, 'A', 33000);
    ck_assert_str_eq(th_run("set", "k", big, NULL), "+OK\r\n");
    const char *r = th_run("memory", "usage", "k", NULL);
    ck_assert(r[0] == ':');
    long bytes = strtol(r + 1, NULL, 10);
    ck_assert_int_gt(bytes, 33000);
    ck_assert_int_lt(bytes, 42000); /* Redis's own bound in its string tests */
    ck_assert_str_eq(th_run("set", "s", "v", NULL), "+OK\r\n");
    r = th_run("memory", "usage", "s", "samples", "0", NULL);
    ck_assert(r[0] == ':' && strtol(r + 1, NULL, 10) > 0);
    ck_assert_str_eq(th_run("memory", "usage", "nokey", NULL), "$-1\r\n");
    ck_assert_str_eq(th_run("memory", "usage", "k", "foo", NULL), "-ERR syntax error\r\n");
    ck_assert_str_eq(th_run("memory", "usage", "k", "samples", NULL), "-ERR syntax error\r\n");
    ck_assert_str_eq(th_run("memory", "usage", "k", "samples", "-1", NULL), "-ERR syntax error\r\n");
    ck_assert_str_eq(th_run("memory", "usage", "k", "samples", "x", NULL),
                     "-ERR value is not an integer or out of range\r\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("command");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, th_setup, th_teardown);
    tcase_add_test(tc, lookup_is_case_insensitive);
    tcase_add_test(tc, every_row_is_well_formed);
    tcase_add_test(tc, unknown_command_text);
    tcase_add_test(tc, arity_text);
    tcase_add_test(tc, subcommand_texts);
    tcase_add_test(tc, set_get_roundtrip_and_stats);
    tcase_add_test(tc, set_options);
    tcase_add_test(tc, errors_are_counted);
    tcase_add_test(tc, memory_usage);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

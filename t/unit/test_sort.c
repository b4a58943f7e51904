/*
 * test_sort.c - SORT and SORT_RO driven through kvd_dispatch.
 */
#include "harness.h"

START_TEST(placeholder)
{
    ck_assert_str_eq(th_run("sort", "nokey", NULL), "*0\r\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sort");
    TCase *tc = tcase_create("commands");
    tcase_add_checked_fixture(tc, th_setup, th_teardown);
    tcase_add_test(tc, placeholder);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * test_linearize.c - the simulator's linearizability checker on its own:
 * hand-written histories whose verdict is known, then random histories
 * cut from a sequential run (linearizable by construction) and mutated
 * copies of them (not linearizable by construction).
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linearize.h"

#define WORK 1000000
#define INF LIN_INDEFINITE
#define N_LONG 3000

static lin_history_t *h;

static void setup(void)
{
    h = lin_history_new();
}

static void teardown(void)
{
    lin_history_free(h);
}

static void get(uint64_t c, uint64_t r, const char *v)
{
    lin_add(h, &(lin_op_t){.kind = LIN_GET, .call = c, .ret = r,
                           .rkind = v ? LIN_R_BULK : LIN_R_NIL, .rbulk = v,
                           .rlen = v ? strlen(v) : 0});
}

static void set_f(uint64_t c, uint64_t r, const char *v, unsigned flags, lin_rkind_t rk,
                  const char *old)
{
    lin_add(h, &(lin_op_t){.kind = LIN_SET, .flags = flags, .arg = v, .arglen = strlen(v),
                           .call = c, .ret = r, .rkind = rk, .rbulk = old,
                           .rlen = old ? strlen(old) : 0});
}

static void set(uint64_t c, uint64_t r, const char *v)
{
    set_f(c, r, v, 0, LIN_R_OK, NULL);
}

static void intop(lin_kind_t k, uint64_t c, uint64_t r, int64_t a, lin_rkind_t rk, int64_t res)
{
    lin_add(h, &(lin_op_t){.kind = k, .a = a, .call = c, .ret = r, .rkind = rk, .rint = res});
}

static void incr(uint64_t c, uint64_t r, int64_t by, int64_t res)
{
    intop(LIN_INCR, c, r, by, LIN_R_INT, res);
}

static lin_verdict_t check(void)
{
    lin_report_t rep;
    lin_verdict_t v = lin_check(h, WORK, &rep);
    ck_assert_int_eq(v, rep.verdict);
    return v;
}

START_TEST(empty_and_sequential)
{
    ck_assert_int_eq(check(), LIN_OK);
    get(0, 1, NULL);
    set(2, 3, "a");
    get(4, 5, "a");
    intop(LIN_DEL, 6, 7, 0, LIN_R_INT, 1);
    intop(LIN_DEL, 8, 9, 0, LIN_R_INT, 0);
    get(10, 11, NULL);
    ck_assert_int_eq(check(), LIN_OK);
}
END_TEST

START_TEST(stale_read_after_completed_write)
{
    set(0, 1, "a");
    set(2, 3, "b");
    get(4, 5, "a"); /* b completed before the read began */
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(read_overlapping_a_write_sees_either)
{
    set(0, 1, "a");
    set(2, 10, "b");
    get(3, 4, "a");
    get(5, 6, "b");
    get(7, 8, "b"); /* once b is seen, no going back */
    ck_assert_int_eq(check(), LIN_OK);
    get(11, 12, "a");
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(concurrent_writes_either_order)
{
    set(0, 10, "a");
    set(1, 11, "b");
    get(12, 13, "a");
    ck_assert_int_eq(check(), LIN_OK);
    lin_history_clear(h);
    set(0, 10, "a");
    set(1, 11, "b");
    get(12, 13, "b");
    ck_assert_int_eq(check(), LIN_OK);
    /* Reads inside the writes may see a then b, or b then a, but not a, b, a. */
    lin_history_clear(h);
    set(0, 20, "a");
    set(1, 21, "b");
    get(2, 3, "b");
    get(4, 5, "a");
    ck_assert_int_eq(check(), LIN_OK);
    get(6, 7, "b");
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(value_never_written)
{
    set(0, 10, "a");
    get(1, 11, "c");
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(incr_chain)
{
    incr(0, 1, 1, 1);
    incr(2, 3, 5, 6);
    intop(LIN_INCR, 4, 5, -10, LIN_R_INT, -4);
    get(6, 7, "-4");
    ck_assert_int_eq(check(), LIN_OK);
    /* Three concurrent increments: each new value once, in any assignment. */
    lin_history_clear(h);
    incr(0, 10, 1, 2);
    incr(1, 11, 1, 3);
    incr(2, 12, 1, 1);
    get(13, 14, "3");
    ck_assert_int_eq(check(), LIN_OK);
    lin_history_clear(h);
    incr(0, 10, 1, 2);
    incr(1, 11, 1, 2);
    incr(2, 12, 1, 1);
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(incr_errors)
{
    set(0, 1, "abc");
    intop(LIN_INCR, 2, 3, 1, LIN_R_ERR, 0);
    set(4, 5, "9223372036854775806");
    incr(6, 7, 1, INT64_MAX);
    intop(LIN_INCR, 8, 9, 1, LIN_R_ERR, 0); /* overflow: value unchanged */
    get(10, 11, "9223372036854775807");
    set(12, 13, "007"); /* not canonical: not an integer for Redis */
    intop(LIN_INCR, 14, 15, 1, LIN_R_ERR, 0);
    ck_assert_int_eq(check(), LIN_OK);
    intop(LIN_INCR, 16, 17, 1, LIN_R_INT, 8);
    ck_assert_int_eq(check(), LIN_FAIL);
    lin_history_clear(h);
    intop(LIN_INCR, 0, 1, 1, LIN_R_ERR, 0); /* an absent key counts as 0 */
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(indefinite_may_apply_late)
{
    set(0, 1, "a");
    set(2, INF, "b"); /* reply lost */
    get(3, 4, "a");
    get(100, 101, "b"); /* it took effect late: allowed */
    ck_assert_int_eq(check(), LIN_OK);
}
END_TEST

START_TEST(indefinite_may_never_apply)
{
    set(0, 1, "a");
    set(2, INF, "b");
    get(3, 4, "a");
    get(5, 6, "a");
    ck_assert_int_eq(check(), LIN_OK);
}
END_TEST

START_TEST(indefinite_applies_at_most_once)
{
    set(0, 1, "a");
    set(2, INF, "b");
    get(3, 4, "b");
    get(5, 6, "a"); /* b happened: a cannot come back */
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(indefinite_not_before_its_call)
{
    set(0, 1, "a");
    get(2, 3, "b");
    set(10, INF, "b");
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(indefinite_incr_must_be_assumed)
{
    incr(0, 1, 1, 1);
    intop(LIN_INCR, 2, INF, 1, LIN_R_ANY, 0);
    incr(3, 4, 1, 3); /* only if the lost one happened */
    ck_assert_int_eq(check(), LIN_OK);
    lin_history_clear(h);
    incr(0, 1, 1, 1);
    intop(LIN_INCR, 2, INF, 1, LIN_R_ANY, 0);
    incr(3, 4, 1, 4); /* two lost increments would be needed */
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(set_options)
{
    set_f(0, 1, "a", LIN_NX, LIN_R_OK, NULL);
    set_f(2, 3, "b", LIN_NX, LIN_R_NIL, NULL);
    set_f(4, 5, "c", LIN_XX | LIN_GETF, LIN_R_BULK, "a");
    set_f(6, 7, "d", LIN_GETF, LIN_R_BULK, "c");
    ck_assert_int_eq(check(), LIN_OK);
    set_f(8, 9, "e", LIN_NX, LIN_R_OK, NULL); /* d is there */
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(expiry_may_strike_only_with_a_ttl)
{
    set_f(0, 1, "a", LIN_EXPIRES, LIN_R_OK, NULL);
    get(2, 3, "a");
    intop(LIN_TTL, 4, 5, 0, LIN_R_INT, 3);
    get(6, 7, NULL); /* the TTL ran out */
    intop(LIN_TTL, 8, 9, 0, LIN_R_INT, -2);
    set(10, 11, "b");
    intop(LIN_TTL, 12, 13, 0, LIN_R_INT, -1);
    ck_assert_int_eq(check(), LIN_OK);
    get(14, 15, NULL); /* plain SET cleared the TTL */
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(expire_persist_keepttl)
{
    set(0, 1, "a");
    intop(LIN_EXPIRE, 2, 3, 0, LIN_R_INT, 1);
    set_f(4, 5, "b", LIN_KEEPTTL, LIN_R_OK, NULL);
    intop(LIN_PERSIST, 6, 7, 0, LIN_R_INT, 1);
    intop(LIN_PERSIST, 8, 9, 0, LIN_R_INT, 0);
    get(10, 11, "b");
    ck_assert_int_eq(check(), LIN_OK);
    lin_history_clear(h);
    set(0, 1, "a");
    intop(LIN_EXPIRE, 2, 3, 0, LIN_R_INT, 1);
    set_f(4, 5, "b", LIN_KEEPTTL, LIN_R_OK, NULL);
    get(6, 7, NULL); /* KEEPTTL kept the deadline: fine */
    intop(LIN_EXPIRE, 8, 9, 0, LIN_R_INT, 1); /* but the key is gone */
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(string_edits)
{
    lin_add(h, &(lin_op_t){.kind = LIN_APPEND, .arg = "ab", .arglen = 2, .call = 0, .ret = 1,
                           .rkind = LIN_R_INT, .rint = 2});
    lin_add(h, &(lin_op_t){.kind = LIN_SETRANGE, .a = 4, .arg = "xy", .arglen = 2, .call = 2,
                           .ret = 3, .rkind = LIN_R_INT, .rint = 6});
    lin_add(h, &(lin_op_t){.kind = LIN_GET, .call = 4, .ret = 5, .rkind = LIN_R_BULK,
                           .rbulk = "ab\0\0xy", .rlen = 6});
    lin_add(h, &(lin_op_t){.kind = LIN_GETRANGE, .a = -2, .b = -1, .call = 6, .ret = 7,
                           .rkind = LIN_R_BULK, .rbulk = "xy", .rlen = 2});
    /* Both ends negative and start after end: empty before any clamping. */
    lin_add(h, &(lin_op_t){.kind = LIN_GETRANGE, .a = -1, .b = -9, .call = 6, .ret = 7,
                           .rkind = LIN_R_BULK, .rbulk = "", .rlen = 0});
    intop(LIN_STRLEN, 8, 9, 0, LIN_R_INT, 6);
    lin_add(h, &(lin_op_t){.kind = LIN_GETDEL, .call = 10, .ret = 11, .rkind = LIN_R_BULK,
                           .rbulk = "ab\0\0xy", .rlen = 6});
    intop(LIN_EXISTS, 12, 13, 0, LIN_R_INT, 0);
    ck_assert_int_eq(check(), LIN_OK);
    intop(LIN_STRLEN, 14, 15, 0, LIN_R_INT, 6);
    ck_assert_int_eq(check(), LIN_FAIL);
}
END_TEST

START_TEST(work_bound_gives_unknown)
{
    /* 40 concurrent increments by distinct powers of two, then a read of a
     * sum no subset makes: refuting it means trying every subset. */
    for (int i = 0; i < 40; i++)
        intop(LIN_INCR, (uint64_t)i, 1000, (int64_t)1 << i, LIN_R_ANY, 0);
    get(2000, 2001, "-1");
    lin_report_t rep;
    ck_assert_int_eq(lin_check(h, 20000, &rep), LIN_UNKNOWN);
    ck_assert_uint_gt(rep.work, 20000);
}
END_TEST

/* ------------------------------------------------ random histories */

static uint64_t rng_state;

static uint64_t rnd(uint64_t n)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (z ^ (z >> 31)) % n;
}

/* The sequential register the random histories run on (kept apart from the
 * checker's own model on purpose: integers only, so no parsing to share). */
typedef struct reg {
    bool exists;
    int64_t v;
} reg_t;

static void fmt_val(char *out, int64_t v)
{
    snprintf(out, 24, "%" PRId64, v);
}

/* One random op at linearization point t, run on r; returns its index. */
static int random_op(reg_t *r, uint64_t t, uint64_t jitter, bool indefinite_ok)
{
    char val[24], res[24];
    lin_op_t op = {.call = t - rnd(jitter + 1), .ret = t + rnd(jitter + 1)};
    uint64_t k = rnd(10);
    bool applies = true;
    if (indefinite_ok && k >= 4 && rnd(20) == 0) {
        op.ret = INF;
        applies = rnd(2) == 0; /* lost replies: half of them never ran */
    }
    if (k < 4) {
        op.kind = LIN_GET;
        op.rkind = r->exists ? LIN_R_BULK : LIN_R_NIL;
        fmt_val(res, r->v);
        op.rbulk = r->exists ? res : NULL;
        op.rlen = r->exists ? strlen(res) : 0;
    } else if (k < 7) {
        op.kind = LIN_SET, op.rkind = LIN_R_OK;
        fmt_val(val, (int64_t)rnd(5));
        op.arg = val, op.arglen = strlen(val);
        if (applies)
            r->exists = true, r->v = atoi(val);
    } else if (k < 8) {
        op.kind = LIN_DEL, op.rkind = LIN_R_INT, op.rint = r->exists;
        if (applies)
            r->exists = false;
    } else {
        op.kind = LIN_INCR, op.a = (int64_t)rnd(3) - 1, op.rkind = LIN_R_INT;
        op.rint = (r->exists ? r->v : 0) + op.a;
        if (applies)
            r->exists = true, r->v = op.rint;
    }
    return lin_add(h, &op);
}

static void random_history(int n, uint64_t jitter, bool indefinite_ok)
{
    reg_t r = {0};
    for (int i = 0; i < n; i++)
        random_op(&r, 100 + 10 * (uint64_t)i, jitter, indefinite_ok);
}

START_TEST(random_linearizable_histories_pass)
{
    uint64_t worst = 0;
    for (int round = 0; round < 300; round++) {
        lin_history_clear(h);
        random_history(20 + (int)rnd(200), rnd(40), true);
        lin_report_t rep;
        lin_verdict_t v = lin_check(h, WORK, &rep);
        ck_assert_msg(v == LIN_OK, "round %d: %s after %" PRIu64 " steps", round,
                      lin_verdict_name(v), rep.work);
        if (rep.work > worst)
            worst = rep.work;
    }
    printf("random linearizable histories: 300 passed, at most %" PRIu64 " steps\n", worst);
}
END_TEST

/* Replace op i's result with one of the same type that it did not return. */
static void mutate(int i)
{
    lin_op_t op = *lin_get(h, i);
    char res[24];
    if (op.kind == LIN_GET) {
        fmt_val(res, op.rkind == LIN_R_NIL ? 1000000 : atoi(op.rbulk) + 1000);
        op.rkind = LIN_R_BULK, op.rbulk = res, op.rlen = strlen(res);
    } else if (op.kind == LIN_DEL || op.kind == LIN_INCR) {
        op.rint += op.kind == LIN_DEL ? (op.rint ? -1 : 1) : 1000;
    }
    lin_history_t *copy = lin_history_new();
    for (int j = 0; j < lin_count(h); j++)
        lin_add(copy, j == i ? &op : lin_get(h, j));
    lin_history_free(h);
    h = copy;
}

START_TEST(mutated_histories_fail)
{
    int checked = 0;
    for (int round = 0; round < 300; round++) {
        lin_history_clear(h);
        /* Sequential (no overlap): one order only, so any other result is wrong.
         * Overlapping: a value no write could produce is wrong in any order. */
        bool seq = round % 2 == 0;
        random_history(10 + (int)rnd(100), seq ? 0 : rnd(40), false);
        int i = (int)rnd((uint64_t)lin_count(h));
        if (lin_get(h, i)->kind == LIN_SET)
            continue;
        if (!seq && lin_get(h, i)->kind != LIN_GET)
            continue;
        mutate(i);
        lin_report_t rep;
        lin_verdict_t v = lin_check(h, WORK, &rep);
        ck_assert_msg(v == LIN_FAIL, "round %d op %d: %s", round, i, lin_verdict_name(v));
        checked++;
    }
    ck_assert_int_gt(checked, 50);
    printf("mutated histories: %d of %d rejected\n", checked, checked);
}
END_TEST

START_TEST(long_history_is_fast)
{
    random_history(N_LONG, 30, true);
    lin_report_t rep;
    clock_t t0 = clock();
    ck_assert_int_eq(lin_check(h, 10 * WORK, &rep), LIN_OK);
    printf("%d ops: %" PRIu64 " steps, %zu cached, %.3f s\n", N_LONG, rep.work, rep.cached,
           (double)(clock() - t0) / CLOCKS_PER_SEC);
}
END_TEST

int main(void)
{
    const char *s = getenv("SEED");
    uint64_t seed = (s != NULL && *s != '\0') ? strtoull(s, NULL, 10) : (uint64_t)time(NULL);
    printf("test_linearize: seed=%" PRIu64 "\n", seed);
    rng_state = seed;

    Suite *su = suite_create("linearize");
    TCase *tc = tcase_create("linearize");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, empty_and_sequential);
    tcase_add_test(tc, stale_read_after_completed_write);
    tcase_add_test(tc, read_overlapping_a_write_sees_either);
    tcase_add_test(tc, concurrent_writes_either_order);
    tcase_add_test(tc, value_never_written);
    tcase_add_test(tc, incr_chain);
    tcase_add_test(tc, incr_errors);
    tcase_add_test(tc, indefinite_may_apply_late);
    tcase_add_test(tc, indefinite_may_never_apply);
    tcase_add_test(tc, indefinite_applies_at_most_once);
    tcase_add_test(tc, indefinite_not_before_its_call);
    tcase_add_test(tc, indefinite_incr_must_be_assumed);
    tcase_add_test(tc, set_options);
    tcase_add_test(tc, expiry_may_strike_only_with_a_ttl);
    tcase_add_test(tc, expire_persist_keepttl);
    tcase_add_test(tc, string_edits);
    tcase_add_test(tc, work_bound_gives_unknown);
    tcase_add_test(tc, random_linearizable_histories_pass);
    tcase_add_test(tc, mutated_histories_fail);
    tcase_add_test(tc, long_history_is_fast);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

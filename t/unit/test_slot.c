/*
 * test_slot.c - CRC16 slots and slot-to-shard consistent hashing.
 */
#include <check.h>

#include "core/slot.h"

static unsigned slot_of(const char *k)
{
    return kvd_key_slot(k, strlen(k));
}

START_TEST(crc16_check_value)
{
    /* The published check value of CRC-16/XMODEM. */
    ck_assert_uint_eq(kvd_crc16("123456789", 9), 0x31C3);
    ck_assert_uint_eq(kvd_crc16("", 0), 0);
}
END_TEST

START_TEST(redis_documented_slots)
{
    /* Examples from Redis's CLUSTER KEYSLOT documentation. */
    ck_assert_uint_eq(slot_of("somekey"), 11058);
    ck_assert_uint_eq(slot_of("foo{hash_tag}"), 2515);
    ck_assert_uint_eq(slot_of("bar{hash_tag}"), 2515);
}
END_TEST

START_TEST(hash_tags)
{
    ck_assert_uint_eq(slot_of("{user1000}.following"), slot_of("user1000"));
    ck_assert_uint_eq(slot_of("{user1000}.followers"), slot_of("user1000"));
    /* Only the first '{' and the next '}' count. */
    ck_assert_uint_eq(slot_of("foo{bar}{zap}"), slot_of("bar"));
    ck_assert_uint_eq(slot_of("foo{{bar}}zap"), slot_of("{bar"));
    /* An empty tag, or no closing brace, hashes the whole key. */
    ck_assert_uint_eq(slot_of("foo{}{bar}"), kvd_crc16("foo{}{bar}", 10) & 16383);
    ck_assert_uint_eq(slot_of("foo{bar"), kvd_crc16("foo{bar", 7) & 16383);
    /* Binary-safe. */
    ck_assert_uint_eq(kvd_key_slot("a\0{b}", 5), slot_of("b"));
}
END_TEST

START_TEST(every_slot_has_a_shard_and_shards_are_balanced)
{
    for (int n = 1; n <= 64; n++) {
        int count[64] = {0};
        for (unsigned s = 0; s < KVD_SLOTS; s++) {
            int shard = kvd_slot_shard(s, n);
            ck_assert_int_ge(shard, 0);
            ck_assert_int_lt(shard, n);
            count[shard]++;
        }
        double fair = (double)KVD_SLOTS / n;
        for (int i = 0; i < n; i++)
            ck_assert_msg(count[i] > fair * 0.7 && count[i] < fair * 1.3,
                          "n=%d shard %d has %d slots (fair %.0f)", n, i, count[i], fair);
    }
}
END_TEST

START_TEST(growing_moves_about_one_in_n_plus_one)
{
    for (int n = 1; n < 64; n++) {
        int moved = 0;
        for (unsigned s = 0; s < KVD_SLOTS; s++) {
            int before = kvd_slot_shard(s, n), after = kvd_slot_shard(s, n + 1);
            if (before != after) {
                /* A slot only ever moves to the new shard. */
                ck_assert_int_eq(after, n);
                moved++;
            }
        }
        double expect = (double)KVD_SLOTS / (n + 1);
        ck_assert_msg(moved > expect * 0.8 && moved < expect * 1.2,
                      "%d -> %d shards moved %d slots, expected about %.0f", n, n + 1, moved,
                      expect);
        if (n == 4 || n == 8)
            printf("%d -> %d shards: %d of %d slots moved (1/(N+1) = %.0f)\n", n, n + 1, moved,
                   KVD_SLOTS, expect);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("slot");
    TCase *tc = tcase_create("slot");
    tcase_add_test(tc, crc16_check_value);
    tcase_add_test(tc, redis_documented_slots);
    tcase_add_test(tc, hash_tags);
    tcase_add_test(tc, every_slot_has_a_shard_and_shards_are_balanced);
    tcase_add_test(tc, growing_moves_about_one_in_n_plus_one);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

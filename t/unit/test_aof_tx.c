/*
 * test_aof_tx.c - cross-shard transactions in the append-only file
 * (aof.h): a block applies only with its COMMIT, an ABORT or a cut-short
 * block drops it, a prepared block with no outcome is in doubt (the
 * coordinator decides; our own is aborted), the coordinator's committed
 * set survives replay and rewrite until FORGET, and misplaced records are
 * corruption.  The shard is shard 0 of 1: txids "0...." are its own,
 * "1...." another coordinator's.
 */
#include "aof_fixture.h"

#include <errno.h>
#include <stdio.h>

/* One record: KVDTX verb txid [parts]. */
static const char *tx(const char *verb, const char *txid, const char *parts)
{
    static char rec[256];
    int n = 0;
    if (parts != NULL)
        for (const char *p = parts; *p != '\0'; p++)
            n++;
    char *o = rec;
    o += sprintf(o, "*%d\r\n$5\r\nKVDTX\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n", 3 + n, strlen(verb), verb,
                 strlen(txid), txid);
    for (int i = 0; i < n; i++)
        o += sprintf(o, "$1\r\n%c\r\n", parts[i]);
    return rec;
}

#define MULTI "*1\r\n$5\r\nMULTI\r\n"
#define EXEC "*1\r\n$4\r\nEXEC\r\n"
#define SET_K "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"

/* A prepared block of txid setting k. */
static void prepared_block(const char *txid)
{
    aof_append_raw(tx("BEGIN", txid, NULL));
    aof_append_raw(MULTI SET_K EXEC);
}

START_TEST(commit_applies_abort_drops)
{
    prepared_block("1.a.1");
    aof_append_raw(tx("COMMIT", "1.a.1", NULL));
    prepared_block("1.a.2");
    aof_append_raw(tx("ABORT", "1.a.2", NULL));
    aof_append_raw("*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n");
    prepared_block("1.a.3");
    aof_append_raw(tx("ABORT", "1.a.3", NULL));
    ck_assert_int_eq(aof_restart(), 0);
    CHECK(":0\r\n", "EXISTS", "k"); /* set, deleted, the aborted SET dropped */
    ck_assert_ptr_null(kvd_aof_indoubt(th_shard));
}
END_TEST

START_TEST(cut_short_block_is_a_torn_tail)
{
    th_run("SET", "a", "1", NULL);
    kvd_aof_before_sleep(th_shard);
    size_t good;
    aof_slurp(&good);
    aof_append_raw(tx("BEGIN", "1.a.1", NULL));
    aof_append_raw(MULTI SET_K);
    ck_assert_int_eq(aof_restart(), 0);
    CHECK(":0\r\n", "EXISTS", "k");
    size_t after;
    aof_slurp(&after);
    ck_assert_uint_eq(after, good);
    /* A BEGIN alone too. */
    aof_append_raw(tx("BEGIN", "1.a.2", NULL));
    ck_assert_int_eq(aof_restart(), 0);
    aof_slurp(&after);
    ck_assert_uint_eq(after, good);
}
END_TEST

START_TEST(in_doubt_until_the_coordinator_commits)
{
    prepared_block("1.a.1");
    ck_assert_int_eq(aof_restart(), 0);
    CHECK(":0\r\n", "EXISTS", "k");
    ck_assert_str_eq(kvd_aof_indoubt(th_shard), "1.a.1");
    kvd_aof_indoubt_resolve(th_shard, true);
    CHECK("$1\r\nv\r\n", "GET", "k");
    ck_assert_ptr_null(kvd_aof_indoubt(th_shard));
    /* Applied once, and not logged again: the COMMIT follows the block. */
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("$1\r\nv\r\n", "GET", "k");
    ck_assert_ptr_null(kvd_aof_indoubt(th_shard));
    ck_assert_ptr_null(strstr(aof_slurp(NULL), EXEC MULTI));
}
END_TEST

START_TEST(in_doubt_until_the_coordinator_aborts)
{
    prepared_block("1.a.1");
    ck_assert_int_eq(aof_restart(), 0);
    kvd_aof_indoubt_resolve(th_shard, false);
    CHECK(":0\r\n", "EXISTS", "k");
    ck_assert_int_eq(aof_restart(), 0);
    CHECK(":0\r\n", "EXISTS", "k");
    ck_assert_ptr_null(kvd_aof_indoubt(th_shard));
}
END_TEST

START_TEST(own_block_without_commit_is_aborted)
{
    prepared_block("0.a.1");
    ck_assert_int_eq(aof_restart(), 0);
    CHECK(":0\r\n", "EXISTS", "k");
    ck_assert_ptr_null(kvd_aof_indoubt(th_shard));
    ck_assert_int_eq(aof_restart(), 0);
    CHECK(":0\r\n", "EXISTS", "k");
}
END_TEST

START_TEST(committed_set_replayed_until_forgotten)
{
    aof_append_raw(tx("COMMIT", "0.a.1", "12"));
    aof_append_raw(tx("COMMIT", "0.a.2", "3"));
    aof_append_raw(tx("COMMIT", "1.a.9", "2")); /* another coordinator's: not ours */
    aof_append_raw(tx("FORGET", "0.a.2", NULL));
    ck_assert_int_eq(aof_restart(), 0);
    ck_assert_uint_eq(kvd_aof_txset_count(th_shard), 1);
    kvd_txrec_t *t = kvd_aof_txset_find(th_shard, "0.a.1");
    ck_assert_ptr_nonnull(t);
    ck_assert(t->durable);
    ck_assert_int_eq(t->nparts, 2);
    kvd_aof_tx_acked(th_shard, "0.a.1", 1);
    ck_assert_int_eq(kvd_aof_txset_find(th_shard, "0.a.1")->nparts, 1);
    kvd_aof_tx_acked(th_shard, "0.a.1", 2);
    ck_assert_uint_eq(kvd_aof_txset_count(th_shard), 0);
    ck_assert_int_eq(aof_restart(), 0);
    ck_assert_uint_eq(kvd_aof_txset_count(th_shard), 0);
}
END_TEST

static int (*real_sync)(kvd_env_t *, int);
static int failing_sync(kvd_env_t *env, int fh)
{
    KVD_UNUSED(env), KVD_UNUSED(fh);
    return -EIO;
}

/* What replay reads may be in the page cache only (the worker died after
 * a failed fsync): a decision read there counts as durable only once a
 * sync succeeds, since participants commit on it. */
START_TEST(replayed_decision_durable_only_once_synced)
{
    aof_append_raw(tx("COMMIT", "0.a.1", "1"));
    real_sync = th_env.file_sync;
    th_env.file_sync = failing_sync;
    ck_assert_int_eq(aof_restart(), 0);
    kvd_txrec_t *t = kvd_aof_txset_find(th_shard, "0.a.1");
    ck_assert_ptr_nonnull(t);
    ck_assert(!t->durable);
    kvd_aof_before_sleep(th_shard);
    ck_assert(!kvd_aof_txset_find(th_shard, "0.a.1")->durable);
    th_env.file_sync = real_sync;
    kvd_aof_before_sleep(th_shard);
    ck_assert(kvd_aof_txset_find(th_shard, "0.a.1")->durable);
}
END_TEST

/* The writer: a block while the lock is held, PREPARE, COMMIT with parts. */
START_TEST(writer_marks_blocks_and_rewrite_keeps_the_set)
{
    kvd_aof_tx_begin(th_shard, "0.b.1");
    th_shard->in_exec++;
    th_run("SET", "x", "1", NULL);
    ck_assert(kvd_aof_tx_wrote(th_shard));
    kvd_aof_tx_prepare(th_shard);
    int parts[] = {1, 2};
    kvd_aof_tx_commit(th_shard, parts, 2);
    th_shard->in_exec--;
    kvd_aof_before_sleep(th_shard);
    ck_assert(kvd_aof_txset_find(th_shard, "0.b.1")->durable);
    const char *f = aof_slurp(NULL);
    ck_assert_ptr_nonnull(strstr(f, "BEGIN\r\n$5\r\n0.b.1\r\n*1\r\n$5\r\nMULTI"));
    ck_assert_ptr_nonnull(strstr(f, "*5\r\n$5\r\nKVDTX\r\n$6\r\nCOMMIT\r\n$5\r\n0.b.1"));
    CHECK("+Background append only file rewriting started\r\n", "BGREWRITEAOF");
    aof_wait_rewrite();
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("$1\r\n1\r\n", "GET", "x");
    ck_assert_int_eq(kvd_aof_txset_find(th_shard, "0.b.1")->nparts, 2);
    /* An aborted one leaves nothing that replays. */
    kvd_aof_tx_begin(th_shard, "0.b.2");
    th_shard->in_exec++;
    th_run("SET", "y", "1", NULL);
    kvd_aof_tx_abort(th_shard);
    th_shard->in_exec--;
    ck_assert_int_eq(aof_restart(), 0);
    CHECK(":0\r\n", "EXISTS", "y");
}
END_TEST

START_TEST(misplaced_records_are_corruption)
{
    prepared_block("1.a.1");
    aof_append_raw(SET_K); /* nothing runs between PREPARE and the outcome */
    ck_assert_int_eq(aof_restart(), -1);
}
END_TEST

START_TEST(other_transaction_inside_a_block_is_corruption)
{
    prepared_block("1.a.1");
    aof_append_raw(tx("COMMIT", "1.a.2", NULL));
    ck_assert_int_eq(aof_restart(), -1);
}
END_TEST

START_TEST(forget_may_come_inside_a_block)
{
    aof_append_raw(tx("BEGIN", "1.a.1", NULL));
    aof_append_raw(MULTI SET_K);
    aof_append_raw(tx("FORGET", "0.z.1", NULL));
    aof_append_raw(EXEC);
    aof_append_raw(tx("COMMIT", "1.a.1", NULL));
    ck_assert_int_eq(aof_restart(), 0);
    CHECK("$1\r\nv\r\n", "GET", "k");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("aof_tx");
    TCase *tc = tcase_create("aof_tx");
    tcase_add_checked_fixture(tc, aof_setup, aof_teardown);
    tcase_add_test(tc, commit_applies_abort_drops);
    tcase_add_test(tc, cut_short_block_is_a_torn_tail);
    tcase_add_test(tc, in_doubt_until_the_coordinator_commits);
    tcase_add_test(tc, in_doubt_until_the_coordinator_aborts);
    tcase_add_test(tc, own_block_without_commit_is_aborted);
    tcase_add_test(tc, committed_set_replayed_until_forgotten);
    tcase_add_test(tc, replayed_decision_durable_only_once_synced);
    tcase_add_test(tc, writer_marks_blocks_and_rewrite_keeps_the_set);
    tcase_add_test(tc, misplaced_records_are_corruption);
    tcase_add_test(tc, other_transaction_inside_a_block_is_corruption);
    tcase_add_test(tc, forget_may_come_inside_a_block);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

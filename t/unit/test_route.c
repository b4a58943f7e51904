/*
 * test_route.c - routing plans and the merging of fanned-out replies
 * (event/route.c), without any process or ring: plans are computed for a
 * client whose worker is shard 0 of 4, merges are fed reply bytes.
 */
#include "harness.h"
#include <check.h>

#include "core/slot.h"
#include "event/route.h"
#include "proto/reply.h"

static kvd_arg_t words[16];

/* Point th_client at a command given as C strings, resolved like dispatch. */
static void load(const char *first, ...)
{
    va_list ap;
    int argc = 0;
    va_start(ap, first);
    for (const char *s = first; s != NULL && argc < 16; s = va_arg(ap, const char *)) {
        words[argc].ptr = (char *)s;
        words[argc].len = strlen(s);
        argc++;
    }
    va_end(ap);
    th_client.argc = argc;
    th_client.argv = words;
    th_client.cmd = kvd_dispatch_peek(&th_client);
    ck_assert_ptr_nonnull(th_client.cmd);
}

/* A key owned by `shard` (of 4): key names searched deterministically. */
static const char *key_on(int shard, int nth)
{
    static char buf[8][32];
    static int next;
    char *out = buf[next++ % 8];
    for (int i = 0, found = 0; i < 100000; i++) {
        snprintf(out, 32, "k%d", i);
        if (kvd_route_shard_of(out, strlen(out)) == shard && found++ == nth)
            return out;
    }
    ck_abort_msg("no key for shard %d", shard);
    return NULL;
}

static void setup(void)
{
    th_setup();
    kvd_route_init(4, 0);
}

START_TEST(plans)
{
    kvd_route_t rt;
    load("get", key_on(0, 0), NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_LOCAL);
    load("get", key_on(2, 0), NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_REMOTE);
    ck_assert_int_eq(rt.shard, 2);
    /* Hash tags keep multi-key commands on one shard. */
    load("rename", "{user1}a", "{user1}b", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert(rt.kind == KVD_ROUTE_LOCAL || rt.kind == KVD_ROUTE_REMOTE);
    load("rename", key_on(1, 0), key_on(3, 0), NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_CROSS);
    load("mget", key_on(1, 0), key_on(3, 0), NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_FANOUT);
    ck_assert_int_eq(rt.merge, KVD_MERGE_MGET);
    ck_assert(rt.by_key);
    load("mset", key_on(1, 0), "v", key_on(2, 0), "w", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_FANOUT);
    ck_assert_int_eq(rt.key_step, 2);
    load("dbsize", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_FANOUT);
    ck_assert(!rt.by_key);
    load("ping", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_LOCAL);
    load("scan", "1027", NULL); /* shard 3, inner cursor 1 */
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_SCAN);
    ck_assert_int_eq(rt.shard, 3);
    load("scan", "notanumber", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_LOCAL); /* the shard's own error */
}
END_TEST

START_TEST(reply_lengths)
{
    static const struct {
        const char *text;
        size_t len;
    } cases[] = {
        {"+OK\r\n", 5},           {"-ERR x\r\n", 8},         {":12\r\n", 5},
        {"$3\r\nabc\r\n", 9},     {"$-1\r\n", 5},            {"*-1\r\n", 5},
        {"*0\r\n", 4},            {"*2\r\n$1\r\na\r\n:1\r\n", 15},
        {"*1\r\n*1\r\n+x\r\n", 12}, {"$3\r\nab", 0},         {"*2\r\n:1\r\n", 0},
        {"?\r\n", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(kvd_route_reply_len(cases[i].text, strlen(cases[i].text)) == cases[i].len,
                      "case %zu", i);
}
END_TEST

static void part(kvd_buf_t *b, const char *text)
{
    kvd_buf_init(b);
    kvd_buf_append_str(b, text);
}

START_TEST(merges)
{
    kvd_buf_t parts[3], out = KVD_BUF_INIT;
    part(&parts[0], ":2\r\n");
    part(&parts[1], ":0\r\n");
    part(&parts[2], ":5\r\n");
    kvd_route_merge(KVD_MERGE_SUM, parts, 3, NULL, 0, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), ":7\r\n");
    for (int i = 0; i < 3; i++)
        kvd_buf_free(&parts[i]);
    /* MGET: keys a(p0) b(p1) c(p0) d(p2). */
    kvd_buf_clear(&out);
    part(&parts[0], "*2\r\n$1\r\nA\r\n$-1\r\n");
    part(&parts[1], "*1\r\n$1\r\nB\r\n");
    part(&parts[2], "*1\r\n$1\r\nD\r\n");
    int order[] = {0, 1, 0, 2};
    kvd_route_merge(KVD_MERGE_MGET, parts, 3, order, 4, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "*4\r\n$1\r\nA\r\n$1\r\nB\r\n$-1\r\n$1\r\nD\r\n");
    for (int i = 0; i < 3; i++)
        kvd_buf_free(&parts[i]);
    /* KEYS concatenates; an error in any part wins for OK and SUM. */
    kvd_buf_clear(&out);
    part(&parts[0], "*1\r\n$1\r\nx\r\n");
    part(&parts[1], "*0\r\n");
    part(&parts[2], "*2\r\n$1\r\ny\r\n$1\r\nz\r\n");
    kvd_route_merge(KVD_MERGE_CONCAT, parts, 3, NULL, 0, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n");
    for (int i = 0; i < 3; i++)
        kvd_buf_free(&parts[i]);
    kvd_buf_clear(&out);
    part(&parts[0], "+OK\r\n");
    part(&parts[1], "-LOADING Redis is loading the dataset in memory\r\n");
    kvd_route_merge(KVD_MERGE_OK, parts, 2, NULL, 0, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "-LOADING Redis is loading the dataset in memory\r\n");
    kvd_buf_free(&parts[0]);
    kvd_buf_free(&parts[1]);
    kvd_buf_clear(&out);
    part(&parts[0], "$-1\r\n");
    part(&parts[1], "$2\r\nk9\r\n");
    kvd_route_merge(KVD_MERGE_FIRST, parts, 2, NULL, 0, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "$2\r\nk9\r\n");
    kvd_buf_free(&parts[0]);
    kvd_buf_free(&parts[1]);
    kvd_buf_free(&out);
}
END_TEST

/* Plans added with cross-shard locking: which fan-outs take locks, SORT
 * patterns, the per-worker subcommands. */
START_TEST(plans_cross_shard)
{
    kvd_route_t rt;
    load("mget", key_on(1, 0), key_on(3, 0), NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert(rt.locked);
    load("flushall", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert(rt.kind == KVD_ROUTE_FANOUT && rt.locked);
    load("watch", key_on(1, 0), key_on(3, 0), NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert(rt.kind == KVD_ROUTE_FANOUT && !rt.locked);
    load("info", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert(rt.kind == KVD_ROUTE_FANOUT && !rt.locked && rt.merge == KVD_MERGE_INFO);
    load("config", "set", "hz", "10", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert(rt.kind == KVD_ROUTE_FANOUT && rt.merge == KVD_MERGE_SAME);
    load("client", "list", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert(rt.kind == KVD_ROUTE_FANOUT && rt.merge == KVD_MERGE_TEXT);
    load("config", "get", "hz", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_LOCAL);
    /* SORT reads the keys its patterns name, wherever they are. */
    const char *k = key_on(0, 0);
    load("sort", k, NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_LOCAL);
    load("sort", k, "by", "nosort", "get", "#", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_LOCAL);
    load("sort", k, "limit", "0", "1", "by", "w_*", "get", "o_*->f", NULL);
    kvd_route_plan(&th_client, &rt);
    ck_assert_int_eq(rt.kind, KVD_ROUTE_CROSS);
    const kvd_arg_t *pats[4];
    ck_assert_int_eq(kvd_route_sort_patterns(&th_client, pats, 4), 2);
    ck_assert_str_eq(pats[0]->ptr, "w_*");
    ck_assert_str_eq(pats[1]->ptr, "o_*->f");
}
END_TEST

static const char info_a[] =
    "# Server\r\nredis_version:7.0.15\r\nprocess_id:11\r\ntcp_port:6379\r\n\r\n"
    "# Clients\r\nconnected_clients:2\r\nmaxclients:10000\r\n"
    "client_recent_max_input_buffer:8\r\nblocked_clients:1\r\n\r\n"
    "# Memory\r\nused_memory:2048\r\nused_memory_human:2.00K\r\n\r\n"
    "# Commandstats\r\ncmdstat_get:calls=3,usec=30,usec_per_call=10.00,rejected_calls=0,"
    "failed_calls=0\r\n\r\n"
    "# Keyspace\r\ndb3:keys=2,expires=1,avg_ttl=50\r\n";
static const char info_b[] =
    "# Server\r\nredis_version:7.0.15\r\nprocess_id:12\r\ntcp_port:6379\r\n\r\n"
    "# Clients\r\nconnected_clients:3\r\nmaxclients:10000\r\n"
    "client_recent_max_input_buffer:20\r\nblocked_clients:0\r\n\r\n"
    "# Memory\r\nused_memory:1024\r\nused_memory_human:1.00K\r\n\r\n"
    "# Commandstats\r\ncmdstat_get:calls=1,usec=10,usec_per_call=10.00,rejected_calls=0,"
    "failed_calls=1\r\ncmdstat_set:calls=4,usec=8,usec_per_call=2.00,rejected_calls=0,"
    "failed_calls=0\r\n\r\n"
    "# Keyspace\r\ndb0:keys=5,expires=0,avg_ttl=0\r\ndb3:keys=1,expires=1,avg_ttl=80\r\n";

/* INFO from two shards reads as one server's. */
START_TEST(info_adds_up)
{
    kvd_buf_t parts[2], out = KVD_BUF_INIT;
    kvd_buf_init(&parts[0]);
    kvd_buf_init(&parts[1]);
    kvd_reply_bulk(&parts[0], info_a, strlen(info_a));
    kvd_reply_bulk(&parts[1], info_b, strlen(info_b));
    kvd_route_merge(KVD_MERGE_INFO, parts, 2, NULL, 0, &out);
    const char *t = kvd_buf_cstr(&out);
    ck_assert_ptr_nonnull(strstr(t, "\r\nprocess_id:11\r\n"));      /* the first part's fact */
    ck_assert_ptr_nonnull(strstr(t, "\r\nconnected_clients:5\r\n")); /* counters add up */
    ck_assert_ptr_nonnull(strstr(t, "\r\nmaxclients:10000\r\n"));
    ck_assert_ptr_nonnull(strstr(t, "\r\nclient_recent_max_input_buffer:20\r\n"));
    ck_assert_ptr_nonnull(strstr(t, "\r\nblocked_clients:1\r\n"));
    ck_assert_ptr_nonnull(strstr(t, "\r\nused_memory:3072\r\nused_memory_human:3.00K\r\n"));
    ck_assert_ptr_nonnull(strstr(t, "cmdstat_get:calls=4,usec=40,usec_per_call=10.00,"
                                    "rejected_calls=0,failed_calls=1\r\n"));
    ck_assert_ptr_nonnull(strstr(t, "cmdstat_set:calls=4,usec=8,usec_per_call=2.00"));
    /* Databases in order, db3's lines added up (avg_ttl: the larger). */
    ck_assert_ptr_nonnull(strstr(t, "# Keyspace\r\ndb0:keys=5,expires=0,avg_ttl=0\r\n"
                                    "db3:keys=3,expires=2,avg_ttl=80\r\n"));
    kvd_buf_free(&parts[0]);
    kvd_buf_free(&parts[1]);
    kvd_buf_free(&out);
}
END_TEST

START_TEST(text_and_same_merges)
{
    kvd_buf_t parts[2], out = KVD_BUF_INIT;
    part(&parts[0], "$7\r\nid=1 a\n\r\n");
    part(&parts[1], "$7\r\nid=2 b\n\r\n");
    kvd_route_merge(KVD_MERGE_TEXT, parts, 2, NULL, 0, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "$14\r\nid=1 a\nid=2 b\n\r\n");
    kvd_buf_free(&parts[0]);
    kvd_buf_free(&parts[1]);
    kvd_buf_clear(&out);
    part(&parts[0], "+OK\r\n");
    part(&parts[1], "+OK\r\n");
    kvd_route_merge(KVD_MERGE_SAME, parts, 2, NULL, 0, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "+OK\r\n");
    kvd_buf_free(&parts[0]);
    kvd_buf_free(&parts[1]);
    kvd_buf_free(&out);
}
END_TEST

/* A SCAN cursor walks shard 0, 1, 2, 3 in turn and ends with 0. */
START_TEST(scan_cursors)
{
    kvd_buf_t p = KVD_BUF_INIT, out = KVD_BUF_INIT;
    kvd_buf_append_str(&p, "*2\r\n$2\r\n17\r\n*1\r\n$1\r\na\r\n");
    kvd_route_scan_reply(&p, 1, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "*2\r\n$5\r\n17409\r\n*1\r\n$1\r\na\r\n"); /* 17<<10|1 */
    int shard;
    uint64_t inner;
    kvd_arg_t a = {(char *)"17409", 5};
    ck_assert(kvd_route_scan_cursor(&a, &shard, &inner));
    ck_assert_int_eq(shard, 1);
    ck_assert_uint_eq(inner, 17);
    kvd_buf_clear(&p);
    kvd_buf_clear(&out);
    kvd_buf_append_str(&p, "*2\r\n$1\r\n0\r\n*0\r\n");
    kvd_route_scan_reply(&p, 1, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "*2\r\n$1\r\n2\r\n*0\r\n"); /* on to shard 2 */
    kvd_buf_clear(&out);
    kvd_route_scan_reply(&p, 3, &out);
    ck_assert_str_eq(kvd_buf_cstr(&out), "*2\r\n$1\r\n0\r\n*0\r\n"); /* the end */
    kvd_buf_free(&p);
    kvd_buf_free(&out);
}
END_TEST

/* Consistent hashing: from N to N+1 shards about 1/(N+1) of the slots move. */
START_TEST(resharding_moves_few_slots)
{
    for (int n = 1; n < 16; n++) {
        int moved = 0;
        for (unsigned s = 0; s < KVD_SLOTS; s++)
            moved += kvd_slot_shard(s, n) != kvd_slot_shard(s, n + 1);
        double expect = (double)KVD_SLOTS / (n + 1);
        ck_assert_msg(moved > expect * 0.85 && moved < expect * 1.15,
                      "%d -> %d shards moved %d slots, expected about %.0f", n, n + 1, moved,
                      expect);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("route");
    TCase *tc = tcase_create("route");
    tcase_add_checked_fixture(tc, setup, th_teardown);
    tcase_add_test(tc, plans);
    tcase_add_test(tc, reply_lengths);
    tcase_add_test(tc, merges);
    tcase_add_test(tc, plans_cross_shard);
    tcase_add_test(tc, info_adds_up);
    tcase_add_test(tc, text_and_same_merges);
    tcase_add_test(tc, scan_cursors);
    tcase_add_test(tc, resharding_moves_few_slots);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

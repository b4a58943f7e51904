/*
 * test_blocking.c - blocking list commands (blocking.c, t_list.c): clients
 * block, are served oldest first when a write readies their key, time out
 * on the harness clock, and are unblocked by CLIENT UNBLOCK or release.
 *
 * Extra clients live on the harness's shard; each keeps its own reply
 * buffer, which accumulates until the test clears it.  The randomized test
 * prints "seed=N" and replays with SEED=N.
 */
#include "harness.h"
#include <check.h>

#include "cmd/blocking.h"
#include "cmd/shard.h"

#define NCLIENTS 8

typedef struct peer {
    kvd_client_t c;
    kvd_buf_t out;
} peer_t;

static peer_t peers[NCLIENTS];

static void setup(void)
{
    th_setup();
    for (int i = 0; i < NCLIENTS; i++) {
        kvd_client_init(&peers[i].c, th_shard);
        kvd_buf_init(&peers[i].out);
        peers[i].c.reply = &peers[i].out;
        kvd_shard_link_client(th_shard, &peers[i].c);
    }
}

static void teardown(void)
{
    for (int i = 0; i < NCLIENTS; i++) {
        kvd_shard_unlink_client(th_shard, &peers[i].c);
        kvd_client_release(&peers[i].c);
        kvd_buf_free(&peers[i].out);
    }
    th_teardown();
}

/* Run a command as peer p (its argv lives in the blocking copy once blocked). */
static void as(int p, const char *first, ...)
{
    static char words[16][256];
    static kvd_arg_t argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s != NULL && argc < 16; s = va_arg(ap, const char *)) {
        snprintf(words[argc], sizeof(words[argc]), "%s", s);
        argv[argc].ptr = words[argc];
        argv[argc].len = strlen(s);
        argc++;
    }
    va_end(ap);
    kvd_client_t *c = &peers[p].c;
    c->argc = argc;
    c->argv = argv;
    kvd_dispatch(c);
    c->argc = 0;
    c->argv = NULL;
}

/* Peer p's replies so far, then forget them. */
static const char *take(int p)
{
    static char copy[4096];
    snprintf(copy, sizeof(copy), "%s", kvd_buf_cstr(&peers[p].out));
    kvd_buf_clear(&peers[p].out);
    return copy;
}

static uint64_t nblocked(void)
{
    return kvd_blocking_count(th_shard->blocking);
}

static void drain_resumed(void)
{
    for (int guard = 0; guard < 1000 && kvd_blocking_next_resumed(th_shard) != NULL; guard++)
        ;
}

START_TEST(blpop_served_by_push)
{
    as(1, "blpop", "q", "other", "0", NULL);
    ck_assert_str_eq(take(1), "");
    ck_assert_uint_eq(nblocked(), 1);
    ck_assert(peers[1].c.flags & KVD_CLIENT_BLOCKED);
    ck_assert_str_eq(th_run("rpush", "q", "x", "y", NULL), ":2\r\n");
    ck_assert_str_eq(take(1), "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    ck_assert_uint_eq(nblocked(), 0);
    ck_assert_ptr_eq(kvd_blocking_next_resumed(th_shard), &peers[1].c);
    ck_assert_ptr_null(kvd_blocking_next_resumed(th_shard));
    ck_assert_str_eq(th_run("lrange", "q", "0", "-1", NULL), "*1\r\n$1\r\ny\r\n");
    /* Data already there: no blocking at all. */
    as(1, "brpop", "none", "q", "0", NULL);
    ck_assert_str_eq(take(1), "*2\r\n$1\r\nq\r\n$1\r\ny\r\n");
    ck_assert_uint_eq(nblocked(), 0);
}
END_TEST

START_TEST(oldest_waiter_first)
{
    as(1, "blpop", "q", "0", NULL);
    as(2, "blpop", "q", "0", NULL);
    as(3, "blpop", "q", "0", NULL);
    th_run("rpush", "q", "a", "b", NULL);
    ck_assert_str_eq(take(1), "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    ck_assert_str_eq(take(2), "*2\r\n$1\r\nq\r\n$1\r\nb\r\n");
    ck_assert_str_eq(take(3), "");
    ck_assert_uint_eq(nblocked(), 1);
    th_run("lpush", "q", "c", NULL);
    ck_assert_str_eq(take(3), "*2\r\n$1\r\nq\r\n$1\r\nc\r\n");
    ck_assert_str_eq(th_run("exists", "q", NULL), ":0\r\n");
}
END_TEST

START_TEST(timeouts_answer_nil)
{
    as(1, "blpop", "q", "1.5", NULL);
    as(2, "blmove", "q", "d", "left", "right", "0.01", NULL);
    as(3, "blmpop", "0", "1", "q", "left", NULL);
    ck_assert_uint_eq(nblocked(), 3);
    th_advance_ms(9);
    kvd_blocking_expire(th_shard);
    ck_assert_uint_eq(nblocked(), 3);
    th_advance_ms(1);
    kvd_blocking_expire(th_shard);
    ck_assert_str_eq(take(2), "$-1\r\n");
    th_advance_ms(1489);
    kvd_blocking_expire(th_shard);
    ck_assert_str_eq(take(1), "");
    th_advance_ms(1);
    kvd_blocking_expire(th_shard);
    ck_assert_str_eq(take(1), "*-1\r\n");
    th_advance_ms(1000000);
    kvd_blocking_expire(th_shard);
    ck_assert_str_eq(take(3), ""); /* timeout 0: forever */
    ck_assert_uint_eq(nblocked(), 1);
}
END_TEST

START_TEST(timeout_errors)
{
    as(1, "blpop", "q", "-1", NULL);
    ck_assert_str_eq(take(1), "-ERR timeout is negative\r\n");
    as(1, "blpop", "q", "abc", NULL);
    ck_assert_str_eq(take(1), "-ERR timeout is not a float or out of range\r\n");
    as(1, "blpop", "q", "1e300", NULL);
    ck_assert_str_eq(take(1), "-ERR timeout is out of range\r\n");
    as(1, "blmpop", "0", "0", "q", "left", NULL);
    ck_assert_str_eq(take(1), "-ERR numkeys should be greater than 0\r\n");
    ck_assert_uint_eq(nblocked(), 0);
}
END_TEST

/* BLMOVE feeds a BLPOP waiting on its destination, in the same step. */
START_TEST(blmove_chain)
{
    as(1, "blmove", "a", "b", "left", "right", "0", NULL);
    as(2, "blpop", "b", "0", NULL);
    th_run("rpush", "a", "v", NULL);
    ck_assert_str_eq(take(1), "$1\r\nv\r\n");
    ck_assert_str_eq(take(2), "*2\r\n$1\r\nb\r\n$1\r\nv\r\n");
    ck_assert_str_eq(th_run("exists", "a", "b", NULL), ":0\r\n");
    ck_assert_uint_eq(nblocked(), 0);
    /* Self-referential: the element moves onto the same list. */
    as(1, "brpoplpush", "s", "s", "0", NULL);
    th_run("rpush", "s", "foo", NULL);
    ck_assert_str_eq(take(1), "$3\r\nfoo\r\n");
    ck_assert_str_eq(th_run("lrange", "s", "0", "-1", NULL), "*1\r\n$3\r\nfoo\r\n");
}
END_TEST

START_TEST(wrong_types_while_blocked)
{
    as(1, "blpop", "q", "0", NULL);
    th_run("set", "q", "str", NULL);
    ck_assert_str_eq(take(1), ""); /* a string is not served: still blocked */
    ck_assert_uint_eq(nblocked(), 1);
    th_run("del", "q", NULL);
    th_run("rpush", "q", "y", NULL);
    ck_assert_str_eq(take(1), "*2\r\n$1\r\nq\r\n$1\r\ny\r\n");
    /* Destination of the wrong type: the waiter gets the error, the element stays. */
    th_run("set", "t", "s", NULL);
    as(2, "brpoplpush", "src", "t", "0", NULL);
    th_run("rpush", "src", "foo", NULL);
    ck_assert_str_eq(take(2), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    ck_assert_str_eq(th_run("lrange", "src", "0", "-1", NULL), "*1\r\n$3\r\nfoo\r\n");
    /* Not blocked at all when the source is already of another type. */
    as(3, "blpop", "t", "0", NULL);
    ck_assert_str_eq(take(3), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    ck_assert_uint_eq(nblocked(), 0);
}
END_TEST

START_TEST(unblock_and_release)
{
    char id[32];
    as(1, "blpop", "q", "0", NULL);
    snprintf(id, sizeof(id), "%llu", (unsigned long long)peers[1].c.id);
    ck_assert_str_eq(th_run("client", "unblock", id, NULL), ":1\r\n");
    ck_assert_str_eq(take(1), "*-1\r\n");
    as(1, "blmove", "q", "d", "left", "left", "0", NULL);
    ck_assert_str_eq(th_run("client", "unblock", id, "timeout", NULL), ":1\r\n");
    ck_assert_str_eq(take(1), "$-1\r\n");
    as(1, "blpop", "q", "0", NULL);
    ck_assert_str_eq(th_run("client", "unblock", id, "error", NULL), ":1\r\n");
    ck_assert_str_eq(take(1), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    ck_assert_str_eq(th_run("client", "unblock", id, NULL), ":0\r\n");
    ck_assert_str_eq(th_run("client", "unblock", id, "maybe", NULL),
                     "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
    drain_resumed();
    /* A client released while blocked (disconnect) leaves nothing behind. */
    as(2, "blpop", "q", "k2", "0", NULL);
    as(3, "blpop", "q", "0", NULL);
    kvd_blocking_forget(&peers[2].c);
    ck_assert_uint_eq(nblocked(), 1);
    th_run("rpush", "q", "z", NULL);
    ck_assert_str_eq(take(3), "*2\r\n$1\r\nq\r\n$1\r\nz\r\n");
    ck_assert_str_eq(take(2), "");
    ck_assert_ptr_nonnull(strstr(th_run("info", "clients", NULL), "blocked_clients:0\r\n"));
}
END_TEST

START_TEST(swapdb_and_rename_wake)
{
    as(1, "blpop", "q", "0", NULL);
    th_run("select", "1", NULL);
    th_run("rpush", "q", "from-db1", NULL);
    ck_assert_str_eq(take(1), ""); /* another database's q */
    th_run("swapdb", "0", "1", NULL);
    ck_assert_str_eq(take(1), "*2\r\n$1\r\nq\r\n$8\r\nfrom-db1\r\n");
    th_run("select", "0", NULL);
    as(1, "blpop", "foo", "0", NULL);
    th_run("rpush", "bob", "abc", "def", NULL);
    th_run("rename", "bob", "foo", NULL);
    ck_assert_str_eq(take(1), "*2\r\n$3\r\nfoo\r\n$3\r\nabc\r\n");
}
END_TEST

/*
 * Random pushes and blocking pops over a few keys: every element pushed is
 * delivered to exactly one waiter or is still in its list, waiters on a
 * key are served in blocking order, and the index stays consistent.
 */
START_TEST(random_conservation)
{
    uint64_t seed = th_seed("blocking random_conservation"), st = seed;
    static const char *keys[] = {"k0", "k1", "k2"};
    uint64_t pushed = 0, delivered = 0;
    const char *waits[NCLIENTS][2] = {{NULL}};
    for (int step = 0; step < 3000; step++) {
        uint64_t r = th_splitmix64(&st);
        int p = 1 + (int)(r % (NCLIENTS - 1));
        const char *k = keys[(r >> 8) % 3];
        if ((r >> 16) % 3 == 0) {
            char v[32];
            snprintf(v, sizeof(v), "v%d", step);
            th_run("rpush", k, v, NULL);
            pushed++;
        } else if (!(peers[p].c.flags & KVD_CLIENT_BLOCKED)) {
            waits[p][0] = k;
            waits[p][1] = keys[(r >> 24) % 3];
            as(p, (r >> 20) % 2 ? "blpop" : "brpop", waits[p][0], waits[p][1], "0", NULL);
        }
        for (int i = 1; i < NCLIENTS; i++) {
            const char *out = take(i);
            if (*out == '*')
                delivered++;
        }
        drain_resumed();
        KVD_VERIFY(kvd_blocking_verify_invariants(th_shard->blocking));
        /* A waiter never sits on a key that has elements after a step. */
        for (int i = 1; i < NCLIENTS; i++)
            if (peers[i].c.flags & KVD_CLIENT_BLOCKED)
                for (int j = 0; j < 2; j++)
                    ck_assert_msg(kvd_db_find(th_shard->dbs[0], waits[i][j], 2) == NULL,
                                  "seed=%llu step %d: client %d waits on non-empty %s",
                                  (unsigned long long)seed, step, i, waits[i][j]);
    }
    uint64_t left = 0;
    for (int j = 0; j < 3; j++) {
        int64_t n;
        const char *rep = th_run("llen", keys[j], NULL);
        ck_assert(kvd_str2ll(rep + 1, strlen(rep) - 3, &n));
        left += (uint64_t)n;
    }
    ck_assert_msg(delivered + left == pushed, "seed=%llu: pushed %llu delivered %llu left %llu",
                  (unsigned long long)seed, (unsigned long long)pushed,
                  (unsigned long long)delivered, (unsigned long long)left);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("blocking");
    TCase *tc = tcase_create("blocking");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, blpop_served_by_push);
    tcase_add_test(tc, oldest_waiter_first);
    tcase_add_test(tc, timeouts_answer_nil);
    tcase_add_test(tc, timeout_errors);
    tcase_add_test(tc, blmove_chain);
    tcase_add_test(tc, wrong_types_while_blocked);
    tcase_add_test(tc, unblock_and_release);
    tcase_add_test(tc, swapdb_and_rename_wake);
    tcase_add_test(tc, random_conservation);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

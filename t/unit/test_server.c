/*
 * test_server.c - the server/connection command family on a bare shard
 * with a driven clock: exact reply bytes for the deterministic commands,
 * CLIENT bookkeeping, CONFIG SET atomicity, COMMAND INFO layout and the
 * key-spec table.  (The byte-for-byte comparison with redis-server itself
 * is t/integration/test_server_cmds.py.)
 */
#include <check.h>

#include "cmd/client.h"
#include "cmd/command.h"
#include "cmd/server.h"
#include "cmd/shard.h"
#include "proto/reply.h"

/* ---- a driven environment: fixed wall clock, counting monotonic clock ---- */

static uint64_t fake_now_us = 1700000000123456ull;
static uint64_t fake_mono;

static uint64_t fake_now(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return fake_now_us;
}

static uint64_t fake_mono_us(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return ++fake_mono;
}

static uint64_t fake_random(kvd_env_t *env)
{
    KVD_UNUSED(env);
    return 0x0123456789abcdefull;
}

static kvd_env_t fake_env = {.now_us = fake_now, .mono_us = fake_mono_us,
                             .random_u64 = fake_random};

static kvd_config_t cfg;
static kvd_shard_t *shard;
static kvd_client_t client, other;
static kvd_buf_t out, other_out;
static char storage[64][128];
static kvd_arg_t args[64];

static void setup(void)
{
    kvd_commands_init();
    kvd_config_defaults(&cfg);
    shard = kvd_shard_create(0, 1, &fake_env, &cfg);
    kvd_client_init(&client, shard);
    kvd_client_init(&other, shard);
    kvd_shard_link_client(shard, &client);
    kvd_shard_link_client(shard, &other);
    kvd_buf_init(&out);
    kvd_buf_init(&other_out);
    client.reply = &out;
    other.reply = &other_out;
    snprintf(client.addr, sizeof(client.addr), "127.0.0.1:50001");
    snprintf(other.addr, sizeof(other.addr), "127.0.0.1:50002");
}

static void teardown(void)
{
    kvd_shard_unlink_client(shard, &client);
    kvd_shard_unlink_client(shard, &other);
    kvd_client_release(&client);
    kvd_client_release(&other);
    kvd_shard_destroy(shard);
    kvd_config_free(&cfg);
    kvd_buf_free(&out);
    kvd_buf_free(&other_out);
}

/* Run a command given as NULL-terminated strings; return the reply text. */
static const char *run(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    int argc = 0;
    for (const char *s = first; s != NULL && argc < 64; s = va_arg(ap, const char *)) {
        snprintf(storage[argc], sizeof(storage[argc]), "%s", s);
        args[argc].ptr = storage[argc];
        args[argc].len = strlen(s);
        argc++;
    }
    va_end(ap);
    kvd_buf_clear(&out);
    client.argc = argc;
    client.argv = args;
    kvd_dispatch(&client);
    client.argc = 0;
    client.argv = NULL;
    return kvd_buf_cstr(&out);
}

START_TEST(ping_echo_time_select)
{
    ck_assert_str_eq(run("PING", NULL), "+PONG\r\n");
    ck_assert_str_eq(run("ping", "hi", NULL), "$2\r\nhi\r\n");
    ck_assert_str_eq(run("PING", "a", "b", NULL),
                     "-ERR wrong number of arguments for 'ping' command\r\n");
    ck_assert_str_eq(run("ECHO", "", NULL), "$0\r\n\r\n");
    ck_assert_str_eq(run("TIME", NULL), "*2\r\n$10\r\n1700000000\r\n$6\r\n123456\r\n");
    ck_assert_str_eq(run("SELECT", "16", NULL), "-ERR DB index is out of range\r\n");
    ck_assert_str_eq(run("SELECT", "1.5", NULL), "-ERR value is not an integer or out of range\r\n");
    ck_assert_str_eq(run("SELECT", "15", NULL), "+OK\r\n");
    ck_assert_int_eq(client.db_index, 15);
}
END_TEST

START_TEST(quit_closes_after_reply)
{
    ck_assert_str_eq(run("QUIT", NULL), "+OK\r\n");
    ck_assert(client.flags & KVD_CLIENT_CLOSE_AFTER_REPLY);
}
END_TEST

START_TEST(hello)
{
    char want[256];
    snprintf(want, sizeof(want),
             "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
             "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:%llu\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
             "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
             (unsigned long long)client.id);
    ck_assert_str_eq(run("HELLO", NULL), want);
    ck_assert_str_eq(run("HELLO", "3", NULL), "-NOPROTO unsupported protocol version\r\n");
    ck_assert_str_eq(run("HELLO", "x", NULL),
                     "-ERR Protocol version is not an integer or out of range\r\n");
    ck_assert_str_eq(run("HELLO", "2", "AUTH", "u", NULL),
                     "-ERR Syntax error in HELLO option 'AUTH'\r\n");
    ck_assert_str_eq(run("HELLO", "2", "AUTH", "u", "p", NULL),
                     "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    ck_assert_str_eq(run("HELLO", "2", "SETNAME", "n1", NULL), want);
    ck_assert_str_eq(client.name, "n1");
}
END_TEST

START_TEST(dbsize_and_flush)
{
    kvd_db_set_string(client.db, "a", 1, "1", 1, 0);
    kvd_db_set_string(shard->dbs[3], "b", 1, "2", 1, 0);
    ck_assert_str_eq(run("DBSIZE", NULL), ":1\r\n");
    ck_assert_str_eq(run("FLUSHDB", "maybe", NULL), "-ERR syntax error\r\n");
    ck_assert_str_eq(run("FLUSHDB", "ASYNC", NULL), "+OK\r\n");
    ck_assert_str_eq(run("DBSIZE", NULL), ":0\r\n");
    ck_assert_uint_eq(kvd_db_size(shard->dbs[3]), 1);
    ck_assert_str_eq(run("FLUSHALL", "sync", NULL), "+OK\r\n");
    ck_assert_uint_eq(kvd_db_size(shard->dbs[3]), 0);
}
END_TEST

START_TEST(client_names_and_ids)
{
    char want[32];
    snprintf(want, sizeof(want), ":%llu\r\n", (unsigned long long)client.id);
    ck_assert_str_eq(run("CLIENT", "ID", NULL), want);
    ck_assert_str_eq(run("CLIENT", "GETNAME", NULL), "$-1\r\n");
    ck_assert_str_eq(run("CLIENT", "SETNAME", "a b", NULL),
                     "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    ck_assert_str_eq(run("CLIENT", "SETNAME", "conn", NULL), "+OK\r\n");
    ck_assert_str_eq(run("CLIENT", "GETNAME", NULL), "$4\r\nconn\r\n");
    ck_assert_str_eq(run("CLIENT", "SETNAME", "", NULL), "+OK\r\n");
    ck_assert_ptr_null(client.name);
    ck_assert_str_eq(run("CLIENT", "SETINFO", "LIB-NAME", "x", NULL),
                     "-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n");
}
END_TEST

START_TEST(client_list_lines)
{
    const char *r = run("CLIENT", "LIST", NULL);
    ck_assert_msg(strncmp(r, "$", 1) == 0, "%s", r);
    /* Oldest first, one line each, Redis's field order. */
    const char *first = strstr(r, "id="), *second = strstr(first + 1, "\nid=");
    ck_assert_ptr_nonnull(second);
    ck_assert_int_eq(atoi(first + 3), (int)client.id);
    ck_assert_msg(strstr(r, " addr=127.0.0.1:50001 laddr= fd=-1 name= age=0 idle=0 flags=N db=0 "
                            "sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=10 ") != NULL,
                  "%s", r);
    ck_assert_msg(strstr(r, " events=r cmd=client|list user=default redir=-1 resp=2\n") != NULL,
                  "%s", r);
    ck_assert_msg(strstr(r, " cmd=NULL user=default") != NULL, "the other client ran nothing");
    r = run("CLIENT", "LIST", "TYPE", "pubsub", NULL);
    ck_assert_str_eq(r, "$0\r\n\r\n");
    ck_assert_str_eq(run("CLIENT", "LIST", "ID", "x", NULL), "-ERR Invalid client ID\r\n");
}
END_TEST

START_TEST(client_kill)
{
    char id[32];
    snprintf(id, sizeof(id), "%llu", (unsigned long long)other.id);
    ck_assert_str_eq(run("CLIENT", "KILL", "ID", id, NULL), ":1\r\n");
    ck_assert(other.flags & KVD_CLIENT_CLOSE_ASAP);
    ck_assert(!(client.flags & (KVD_CLIENT_CLOSE_ASAP | KVD_CLIENT_CLOSE_AFTER_REPLY)));
    ck_assert_str_eq(run("CLIENT", "KILL", "9.9.9.9:9", NULL), "-ERR No such client\r\n");
    ck_assert_str_eq(run("CLIENT", "KILL", "127.0.0.1:50001", NULL), "+OK\r\n");
    ck_assert(client.flags & KVD_CLIENT_CLOSE_AFTER_REPLY);
}
END_TEST

START_TEST(config_set_is_atomic)
{
    ck_assert_str_eq(run("CONFIG", "SET", "timeout", "30", NULL), "+OK\r\n");
    ck_assert_int_eq(cfg.timeout, 30);
    const char *r = run("CONFIG", "SET", "timeout", "40", "maxclients", "x", NULL);
    ck_assert_msg(strncmp(r, "-ERR CONFIG SET failed (possibly related to argument 'maxclients')",
                          66) == 0, "%s", r);
    ck_assert_int_eq(cfg.timeout, 30);
    ck_assert_str_eq(run("CONFIG", "SET", "nosuch", "1", NULL),
                     "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
    ck_assert_str_eq(run("CONFIG", "SET", "timeout", "1", "TIMEOUT", "2", NULL),
                     "-ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate "
                     "parameter\r\n");
    ck_assert_str_eq(run("CONFIG", "GET", "Timeout", NULL), "*2\r\n$7\r\nTimeout\r\n$2\r\n30\r\n");
}
END_TEST

START_TEST(info_sections)
{
    kvd_db_set_string(shard->dbs[2], "k", 1, "v", 1, 0);
    ck_assert_str_eq(run("INFO", "keyspace", NULL),
                     "$44\r\n# Keyspace\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n\r\n");
    ck_assert_str_eq(run("INFO", "nosuch", NULL), "$0\r\n\r\n");
    const char *r = run("INFO", NULL);
    const char *titles[] = {"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Persistence\r\n",
                            "# Stats\r\n", "# Replication\r\n", "# CPU\r\n", "# Modules\r\n",
                            "# Errorstats\r\n", "# Cluster\r\n", "# Keyspace\r\n"};
    const char *at = r;
    for (size_t i = 0; i < KVD_ARRAY_LEN(titles); i++) {
        at = strstr(at, titles[i]);
        ck_assert_msg(at != NULL, "missing or out of order: %s", titles[i]);
    }
    ck_assert_ptr_null(strstr(r, "# Commandstats"));
    ck_assert_ptr_nonnull(strstr(r, "\r\nrun_id:0123456789abcdef0123456789abcdef01234567\r\n"));
    ck_assert_ptr_nonnull(strstr(r, "\r\nserver_time_usec:1700000000123456\r\n"));
    r = run("INFO", "commandstats", NULL);
    ck_assert_msg(strstr(r, "cmdstat_info:calls=3,usec=3,usec_per_call=1.00,rejected_calls=0,"
                            "failed_calls=0\r\n") != NULL, "%s", r);
}
END_TEST

START_TEST(command_info_layout)
{
    const char *r = run("COMMAND", "INFO", "ping", "nosuch", NULL);
    ck_assert_str_eq(r, "*2\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n"
                        "*2\r\n+@fast\r\n+@connection\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n"
                        "$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n$-1\r\n");
    ck_assert_str_eq(run("COMMAND", "GETKEYS", "ping", "x", NULL),
                     "-ERR The command has no key arguments\r\n");
    ck_assert_str_eq(run("COMMAND", "GETKEYS", "nosuch", "x", NULL),
                     "-ERR Invalid command specified\r\n");
    char count[32];
    snprintf(count, sizeof(count), ":%zu\r\n", kvd_command_count());
    ck_assert_str_eq(run("COMMAND", "COUNT", NULL), count);
}
END_TEST

START_TEST(meta_table_is_sorted_and_parses)
{
    const char *names[] = {"append", "bitop", "get", "migrate", "sort", "xread", "zunionstore"};
    for (size_t i = 0; i < KVD_ARRAY_LEN(names); i++)
        ck_assert_msg(kvd_command_meta(names[i]) != NULL, "%s", names[i]);
    ck_assert_ptr_null(kvd_command_meta("ping|x"));
    kvd_keyspec_t ks;
    ck_assert_int_eq(kvd_keyspec_parse("RO,access i1 r0,1,0", &ks), 0);
    ck_assert_int_eq(ks.begin, 'i');
    ck_assert_int_eq(ks.find, 'r');
    ck_assert_int_eq(kvd_keyspec_parse("RW,access,delete,incomplete k-2:KEYS r-1,1,0", &ks), 0);
    ck_assert_str_eq(ks.keyword, "KEYS");
    ck_assert_int_eq(ks.index, -2);
    ck_assert_int_eq(kvd_keyspec_parse("RO u u|why", &ks), 0);
    ck_assert_str_eq(ks.notes, "why");
    ck_assert_int_eq(kvd_keyspec_parse("RO i1", &ks), -1);
    ck_assert_int_eq(kvd_command_meta_verify(), 0);
}
END_TEST

static Suite *server_suite(void)
{
    Suite *s = suite_create("server");
    TCase *tc = tcase_create("server");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ping_echo_time_select);
    tcase_add_test(tc, quit_closes_after_reply);
    tcase_add_test(tc, hello);
    tcase_add_test(tc, dbsize_and_flush);
    tcase_add_test(tc, client_names_and_ids);
    tcase_add_test(tc, client_list_lines);
    tcase_add_test(tc, client_kill);
    tcase_add_test(tc, config_set_is_atomic);
    tcase_add_test(tc, info_sections);
    tcase_add_test(tc, command_info_layout);
    tcase_add_test(tc, meta_table_is_sorted_and_parses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(server_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

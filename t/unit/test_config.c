/*
 * test_config.c - unit tests for the configuration subsystem: kvd.yaml
 * loading and its error messages, defaults, copy/free, what needs a
 * restart, CONFIG GET/SET with Redis 7.0.15's replies and errors, and the
 * Redis-compatible glob matcher.
 *
 * The YAML files live in t/unit/conf/ (found through $KVD_TOP_SRCDIR,
 * which `make check` sets; "." otherwise).  Small one-off documents are
 * written to a temporary directory instead.  Expected Redis texts and glob
 * results were taken from a real redis-server 7.0.15.
 *
 * The one randomized test prints "seed=N" and replays with SEED=N.
 */
#ifdef HAVE_CONFIG_H
#include "auto_config.h"
#endif
#include <check.h>
#include <inttypes.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/glob.h"
#include "core/log.h"

#define ERRLEN KVD_CONFIG_ERR_LEN

/* ---- helpers ---- */

static const char *top_srcdir(void)
{
    const char *d = getenv("KVD_TOP_SRCDIR");
    return d != NULL && d[0] != '\0' ? d : ".";
}

static void conf_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/t/unit/conf/%s", top_srcdir(), name);
}

/* Load t/unit/conf/NAME; on failure *err_tail points past "PATH:". */
static int load_conf(const char *name, kvd_config_t *cfg, char *err, const char **err_tail)
{
    char path[4096];
    conf_path(path, sizeof(path), name);
    int rc = kvd_config_load(path, cfg, err, ERRLEN);
    if (rc < 0) {
        size_t n = strlen(path);
        ck_assert_msg(strncmp(err, path, n) == 0 && err[n] == ':', "error lacks the path: %s", err);
        *err_tail = err + n + 1;
    }
    return rc;
}

/* Write text to a fresh temporary file, load it, remove it. */
static int load_text(const char *text, kvd_config_t *cfg, char *err, const char **err_tail)
{
    char path[] = "/tmp/kvd-test-config-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(text);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    int rc = kvd_config_load(path, cfg, err, ERRLEN);
    unlink(path);
    if (rc < 0) {
        size_t n = strlen(path);
        ck_assert_msg(strncmp(err, path, n) == 0 && err[n] == ':', "error lacks the path: %s", err);
        *err_tail = err + n + 1;
    }
    return rc;
}

/* CONFIG GET results, collected in emit order. */
typedef struct got {
    int n;
    char name[96][64];
    char value[96][256];
} got_t;

static void collect(const char *name, const char *value, void *arg)
{
    got_t *g = arg;
    ck_assert_int_lt(g->n, 96);
    snprintf(g->name[g->n], sizeof(g->name[0]), "%s", name);
    snprintf(g->value[g->n], sizeof(g->value[0]), "%s", value);
    g->n++;
}

static void config_get(const kvd_config_t *cfg, const char *pattern, got_t *g)
{
    memset(g, 0, sizeof(*g));
    kvd_config_get_matching(cfg, pattern, collect, g);
}

/* The value of one parameter by exact name; fails the test when absent. */
static const char *get_one(const kvd_config_t *cfg, const char *name)
{
    static got_t g;
    config_get(cfg, name, &g);
    ck_assert_msg(g.n == 1, "CONFIG GET %s gave %d results", name, g.n);
    return g.value[0];
}

/* ---- defaults ---- */

START_TEST(test_defaults)
{
    size_t before = kvd_memory_used();
    kvd_config_t c;
    kvd_config_defaults(&c);
    /* A config at its defaults owns nothing, so it needs no free. */
    ck_assert_uint_eq(kvd_memory_used(), before);
    ck_assert_ptr_null(c.source);
    ck_assert_int_eq(c.nlisten, 1);
    ck_assert_str_eq(c.listen[0].host, "127.0.0.1");
    ck_assert_int_eq(c.listen[0].port, 6379);
    ck_assert_int_eq(c.shards, 1);
    ck_assert_int_eq(c.databases, 16);
    ck_assert_int_eq(c.maxclients, 10000);
    ck_assert_int_eq(c.timeout, 0);
    ck_assert_int_eq(c.tcp_keepalive, 300);
    ck_assert_int_eq(c.tcp_backlog, 511);
    ck_assert_str_eq(c.dir, ".");
    ck_assert_str_eq(c.pidfile, "");
    ck_assert_str_eq(c.log_file, "");
    ck_assert_int_eq(c.log_level, KVD_LOG_NOTICE);
    ck_assert(!c.daemonize);
    ck_assert_int_eq(c.cpu_affinity, KVD_AFFINITY_NONE);
    ck_assert_int_eq(c.proto_max_bulk_len, INT64_C(512) << 20);
    ck_assert_int_eq(c.client_query_buffer_limit, INT64_C(1) << 30);
    ck_assert(!c.appendonly);
    ck_assert_int_eq(c.appendfsync, KVD_FSYNC_EVERYSEC);
    ck_assert_int_eq(c.nmodules, 0);
    ck_assert_str_eq(c.save, "");
    ck_assert_str_eq(c.appendfilename, "appendonly.aof");
    ck_assert_uint_eq(c.maxmemory, 0);
    ck_assert_int_eq(c.maxmemory_policy, KVD_MAXMEMORY_NOEVICTION);
    ck_assert_int_eq(c.hz, 10);
    ck_assert_int_eq(c.list_max_listpack_size, -2);
    ck_assert_int_eq(c.hash_max_listpack_entries, 512);
    ck_assert_int_eq(c.hash_max_listpack_value, 64);
    ck_assert_int_eq(c.set_max_intset_entries, 512);
    ck_assert_int_eq(c.set_max_listpack_entries, 128);
    ck_assert_int_eq(c.set_max_listpack_value, 64);
    ck_assert_int_eq(c.zset_max_listpack_entries, 128);
    ck_assert_int_eq(c.zset_max_listpack_value, 64);
    ck_assert_int_eq(c.slowlog_log_slower_than, 10000);
    ck_assert_int_eq(c.slowlog_max_len, 128);
    ck_assert(c.latency_tracking);
    ck_assert_int_eq(c.busy_reply_threshold, 5000);
    ck_assert_int_eq(c.notify_keyspace_events, 0);
    ck_assert(c.activerehashing);
    ck_assert_int_eq(c.active_expire_effort, 1);
    ck_assert(!c.lazyfree_lazy_user_del);
    kvd_config_verify(&c);
    /* Freeing a default config is harmless, and so is freeing it twice. */
    kvd_config_free(&c);
    kvd_config_free(&c);
    ck_assert_uint_eq(kvd_memory_used(), before);
}
END_TEST

/* kvd_config_verify() stops on a value outside its schema (SIGABRT). */
START_TEST(test_verify_catches_bad_value)
{
    kvd_config_t c;
    kvd_config_defaults(&c);
    c.shards = 0;
    kvd_config_verify(&c);
}
END_TEST

/* ---- loading good files ---- */

START_TEST(test_load_good)
{
    kvd_config_t c;
    char err[ERRLEN], path[4096];
    const char *tail = NULL;
    ck_assert_msg(load_conf("good.yaml", &c, err, &tail) == 0, "%s", err);
    conf_path(path, sizeof(path), "good.yaml");
    ck_assert_str_eq(c.source, path);
    ck_assert_int_eq(c.nlisten, 3);
    ck_assert_str_eq(c.listen[0].host, "127.0.0.1");
    ck_assert_int_eq(c.listen[0].port, 7001);
    ck_assert_str_eq(c.listen[1].host, "::1");
    ck_assert_int_eq(c.listen[1].port, 7001);
    ck_assert_str_eq(c.listen[2].host, "*");
    ck_assert_int_eq(c.listen[2].port, 7002);
    ck_assert_int_eq(c.shards, 4);
    ck_assert_int_eq(c.databases, 32);
    ck_assert_int_eq(c.maxclients, 5000);
    ck_assert_int_eq(c.timeout, 60);
    ck_assert_int_eq(c.tcp_keepalive, 120);
    ck_assert_int_eq(c.tcp_backlog, 1024);
    ck_assert_str_eq(c.dir, "/var/lib/kvd");
    ck_assert_str_eq(c.pidfile, "/run/kvd.pid");
    ck_assert_str_eq(c.log_file, "/var/log/kvd/kvd.log");
    ck_assert_int_eq(c.log_level, KVD_LOG_VERBOSE);
    ck_assert(c.daemonize);
    ck_assert_int_eq(c.cpu_affinity, KVD_AFFINITY_AUTO);
    ck_assert_int_eq(c.proto_max_bulk_len, INT64_C(64) << 20);
    ck_assert_int_eq(c.client_query_buffer_limit, INT64_C(2) << 30);
    ck_assert(c.appendonly);
    ck_assert_int_eq(c.appendfsync, KVD_FSYNC_ALWAYS);
    ck_assert_int_eq(c.nmodules, 2);
    ck_assert_str_eq(c.modules[0].path, "/usr/lib/kvd/modules/acl.so");
    ck_assert_ptr_null(c.modules[0].options);
    ck_assert_str_eq(c.modules[1].path, "/usr/lib/kvd/modules/tls.so");
    ck_assert_str_eq(c.modules[1].options, "cert=/etc/kvd/cert.pem key=/etc/kvd/key.pem");
    kvd_config_verify(&c);
    kvd_config_free(&c);
}
END_TEST

START_TEST(test_load_empty_and_single_listen)
{
    kvd_config_t c, d;
    char err[ERRLEN];
    const char *tail = NULL;
    ck_assert_msg(load_conf("empty.yaml", &c, err, &tail) == 0, "%s", err);
    kvd_config_defaults(&d);
    ck_assert_int_eq(kvd_config_restart_needed(&c, &d, err, sizeof(err)), 0);
    ck_assert_int_eq(c.shards, 1);
    ck_assert_str_eq(c.listen[0].host, "127.0.0.1");
    ck_assert_ptr_nonnull(c.source);
    kvd_config_free(&c);

    ck_assert_msg(load_conf("listen_single.yaml", &c, err, &tail) == 0, "%s", err);
    ck_assert_int_eq(c.nlisten, 1);
    ck_assert_str_eq(c.listen[0].host, "::1");
    ck_assert_int_eq(c.listen[0].port, 7000);
    ck_assert_int_eq(c.log_level, KVD_LOG_WARNING);
    ck_assert_str_eq(c.log_file, "");
    kvd_config_free(&c);
}
END_TEST

/* The shipped conf/kvd.yaml spells out the built-in defaults. */
START_TEST(test_shipped_file_is_defaults)
{
    kvd_config_t c, d;
    char err[ERRLEN], path[4096];
    snprintf(path, sizeof(path), "%s/conf/kvd.yaml", top_srcdir());
    ck_assert_msg(kvd_config_load(path, &c, err, sizeof(err)) == 0, "%s", err);
    kvd_config_defaults(&d);
    ck_assert_int_eq(kvd_config_restart_needed(&c, &d, err, sizeof(err)), 0);
    static got_t from_file, built_in;
    config_get(&c, "*", &from_file);
    config_get(&d, "*", &built_in);
    ck_assert_mem_eq(&from_file, &built_in, sizeof(from_file));
    kvd_config_free(&c);
}
END_TEST

/* Loading and freeing gives back every byte it took. */
START_TEST(test_load_no_leak)
{
    size_t before = kvd_memory_used();
    kvd_config_t c, copy;
    char err[ERRLEN];
    const char *tail = NULL;
    ck_assert_int_eq(load_conf("good.yaml", &c, err, &tail), 0);
    kvd_config_copy(&copy, &c);
    kvd_config_free(&c);
    /* The copy is deep: it outlives the original. */
    ck_assert_str_eq(copy.modules[1].options, "cert=/etc/kvd/cert.pem key=/etc/kvd/key.pem");
    ck_assert_str_eq(copy.dir, "/var/lib/kvd");
    kvd_config_free(&copy);
    ck_assert_int_lt(load_conf("bad_modules.yaml", &c, err, &tail), 0);
    ck_assert_int_lt(load_conf("bad_listen.yaml", &c, err, &tail), 0);
    ck_assert_uint_eq(kvd_memory_used(), before);
    /* A failed load leaves the defaults. */
    ck_assert_int_eq(c.shards, 1);
    ck_assert_str_eq(c.dir, ".");
}
END_TEST

/* ---- loading bad files: the exact FILE:LINE:COLUMN message ---- */

static const struct {
    const char *file, *error; /* error without the leading "PATH:" */
} bad_files[] = {
    {"bad_unknown_key.yaml", "5:1: unknown key 'shardz'"},
    {"bad_wrong_type.yaml", "2:9: shards: expected an integer, got 'four'"},
    {"bad_out_of_range.yaml", "3:11: shards: 0 is out of range (1..1024)"},
    {"bad_enum.yaml", "2:14: appendfsync: expected one of everysec, always, no, got 'sometimes'"},
    {"bad_listen.yaml", "3:5: listen: 'localhost:6380': 'localhost' is not a numeric IPv4 address"},
    {"bad_listen_port.yaml",
     "1:9: listen: '[::1]:65536': the port must be a number from 0 to 65535"},
    {"bad_duplicate.yaml", "3:1: duplicate key 'shards' (first at line 1)"},
    {"bad_syntax.yaml", "3:8: YAML syntax error: did not find expected ',' or ']' "
                        "(while parsing a flow sequence at line 2, column 9)"},
    {"bad_memory.yaml", "1:21: proto-max-bulk-len: expected a size like 512mb or 1gb, got '512xb'"},
    {"bad_memory_range.yaml",
     "1:28: client-query-buffer-limit: 1kb is out of range (1mb..9223372036854775807)"},
    {"bad_bool.yaml", "1:12: daemonize: expected yes or no, got 'maybe'"},
    {"bad_log.yaml",
     "3:10: log.level: expected one of debug, verbose, notice, warning, got 'loud'"},
    {"bad_log_key.yaml", "3:3: unknown key 'lvl' in 'log'"},
    {"bad_modules.yaml", "3:5: modules: entry has no 'path'"},
    {"bad_toplevel.yaml", "1:1: expected a mapping of keys to values at the top level"},
    {"bad_two_documents.yaml", "2:1: only one YAML document is allowed"},
};

START_TEST(test_load_bad_file)
{
    kvd_config_t c;
    char err[ERRLEN];
    const char *tail = NULL;
    ck_assert_int_eq(load_conf(bad_files[_i].file, &c, err, &tail), -1);
    ck_assert_str_eq(tail, bad_files[_i].error);
    kvd_config_free(&c);
}
END_TEST

START_TEST(test_load_unreadable)
{
    kvd_config_t c;
    char err[ERRLEN], path[4096];
    const char *tail = NULL;
    ck_assert_int_eq(load_conf("no-such-file.yaml", &c, err, &tail), -1);
    ck_assert_str_eq(tail, " cannot open: No such file or directory");
    conf_path(path, sizeof(path), "");
    ck_assert_int_eq(kvd_config_load(path, &c, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ": is a directory") != NULL, "%s", err);
    /* A tiny error buffer truncates rather than overflows. */
    char small[8];
    ck_assert_int_eq(kvd_config_load("/nonexistent/x.yaml", &c, small, sizeof(small)), -1);
    ck_assert_str_eq(small, "/nonexi");
}
END_TEST

/* One-off documents: YAML text and the error after "PATH:" (NULL: loads). */
static const struct {
    const char *yaml, *error;
} inline_cases[] = {
    {"shards: 1024\n", NULL},
    {"shards: 1025\n", "1:9: shards: 1025 is out of range (1..1024)"},
    {"shards: '4'\n", NULL},
    {"shards: 04\n", "1:9: shards: expected an integer, got '04'"},
    {"shards: [1]\n", "1:9: shards: expected an integer, got a list"},
    {"shards:\n", "1:8: shards: expected an integer, got nothing"},
    {"timeout: -1\n", "1:10: timeout: -1 is out of range (0..2147483647)"},
    {"timeout: 99999999999999999999\n",
     "1:10: timeout: 99999999999999999999 is out of range (0..2147483647)"},
    {"timeout: -99999999999999999999\n",
     "1:10: timeout: -99999999999999999999 is out of range (0..2147483647)"},
    {"maxclients: 1000001\n", "1:13: maxclients: 1000001 is out of range (1..1000000)"},
    {"databases: 0\n", "1:12: databases: 0 is out of range (1..1024)"},
    {"proto-max-bulk-len: 1MB\n", NULL},
    {"proto-max-bulk-len: 1048575\n",
     "1:21: proto-max-bulk-len: 1048575 is out of range (1mb..9223372036854775807)"},
    {"proto-max-bulk-len: -1mb\n",
     "1:21: proto-max-bulk-len: expected a size like 512mb or 1gb, got '-1mb'"},
    {"proto-max-bulk-len: mb\n",
     "1:21: proto-max-bulk-len: expected a size like 512mb or 1gb, got 'mb'"},
    {"client-query-buffer-limit: 99999999999999999999gb\n",
     "1:28: client-query-buffer-limit: 99999999999999999999gb is out of range "
     "(1mb..9223372036854775807)"},
    {"daemonize: TRUE\nappendonly: No\n", NULL},
    {"daemonize: 1\n", "1:12: daemonize: expected yes or no, got '1'"},
    {"cpu_affinity: sometimes\n",
     "1:15: cpu_affinity: expected one of none, auto, got 'sometimes'"},
    {"listen: []\n", "1:9: listen: expected at least one address"},
    {"listen: {a: b}\n", "1:9: listen: expected a list of ADDRESS:PORT, got a mapping"},
    {"listen:\n", "1:8: listen: expected ADDRESS:PORT, got nothing"},
    {"listen: 127.0.0.1\n", "1:9: listen: '127.0.0.1': expected ADDRESS:PORT, like 127.0.0.1:6379, "
                            "[::1]:6379 or *:6379"},
    {"listen: ::1:6379\n",
     "1:9: listen: '::1:6379': IPv6 addresses go in brackets, like [::1]:6379"},
    {"listen: '[::1]6379'\n", "1:9: listen: '[::1]6379': expected ADDRESS:PORT, like "
                              "127.0.0.1:6379, [::1]:6379 or *:6379"},
    {"listen: '[127.0.0.1]:1'\n",
     "1:9: listen: '[127.0.0.1]:1': '127.0.0.1' is not a numeric IPv6 address"},
    {"listen: '127.0.0.1:'\n",
     "1:9: listen: '127.0.0.1:': the port must be a number from 0 to 65535"},
    {"listen: 127.0.0.1:-1\n",
     "1:9: listen: '127.0.0.1:-1': the port must be a number from 0 to 65535"},
    {"listen: ['*:0', '[::]:0']\n", NULL},
    {"listen: [1.2.3.4:1, 1.2.3.4:1]\n", "1:21: listen: '1.2.3.4:1' is listed twice"},
    {"listen: [[a]]\n", "1:10: listen: expected ADDRESS:PORT, got a list"},
    {"listen: [1.1.1.1:1, 1.1.1.1:2, 1.1.1.1:3, 1.1.1.1:4, 1.1.1.1:5, 1.1.1.1:6, 1.1.1.1:7, "
     "1.1.1.1:8, 1.1.1.1:9, 1.1.1.1:10, 1.1.1.1:11, 1.1.1.1:12, 1.1.1.1:13, 1.1.1.1:14, "
     "1.1.1.1:15, 1.1.1.1:16, 1.1.1.1:17]\n",
     "1:193: listen: more than 16 addresses"},
    {"log: verbose\n", "1:6: log: expected a mapping, got 'verbose'"},
    {"log:\n", NULL},
    {"log: {level: debug, level: notice}\n", "1:21: duplicate key 'log.level' (first at line 1)"},
    {"pidfile:\ndir: ~\n", NULL},
    {"dir: [a]\n", "1:6: dir: expected a string, got a list"},
    {"dir: \"a\\0b\"\n", "1:6: dir: contains a NUL byte"},
    {"modules:\n", NULL},
    {"modules: /x.so\n", "1:10: modules: expected a list, got '/x.so'"},
    {"modules: [/a.so, /a.so]\n", "1:18: modules: '/a.so' is listed twice"},
    {"modules: [{path: /a.so, path: /b.so}]\n",
     "1:25: duplicate key 'modules.path' (first at line 1)"},
    {"modules: [{path: ''}]\n", "1:18: modules.path: must not be empty"},
    {"modules: [{path: /a.so, opts: x}]\n", "1:25: unknown key 'opts' in 'modules'"},
    {"modules: [[x]]\n", "1:11: modules: expected a path or {path, options}, got a list"},
    {"modules: [{path: /a.so, options: [x]}]\n",
     "1:34: modules.options: expected a string, got a list"},
    {"{shards: 2, databases: 3}\n", NULL},
    {"? [a, b]\n: 1\n", "1:3: expected a key name, got a list"},
    {"shards: 2\n\tdatabases: 3\n",
     "2:1: YAML syntax error: found a tab character that violates indentation "
     "(while scanning a plain scalar at line 1, column 9)"},
    {"shards: 2\ndir: \"\xff\"\n", "2:7: YAML syntax error: invalid leading UTF-8 octet"},
    {"shards: &n 2\ndatabases: *n\n", NULL},
    {"shards: *nope\n", "1:9: YAML syntax error: found undefined alias"},
    {"Shards: 2\n", "1:1: unknown key 'Shards'"},
    {"42\n", "1:1: expected a mapping of keys to values at the top level"},
    {"---\n...\n", NULL},
};

START_TEST(test_load_inline)
{
    kvd_config_t c;
    char err[ERRLEN];
    const char *tail = NULL;
    int rc = load_text(inline_cases[_i].yaml, &c, err, &tail);
    if (inline_cases[_i].error == NULL) {
        ck_assert_msg(rc == 0, "case %d: %s", _i, err);
    } else {
        ck_assert_msg(rc == -1, "case %d loaded", _i);
        ck_assert_str_eq(tail, inline_cases[_i].error);
    }
    kvd_config_free(&c);
}
END_TEST

START_TEST(test_parse_memory)
{
    int64_t v;
    static const struct {
        const char *text;
        int64_t value; /* -1: rejected */
    } cases[] = {
        {"0", 0}, {"42", 42}, {"1b", 1}, {"1B", 1}, {"1k", 1000}, {"1K", 1000}, {"1kb", 1024},
        {"1kB", 1024}, {"2m", 2000000}, {"2mb", 2097152}, {"3g", 3000000000},
        {"3gb", 3221225472}, {"01mb", 1048576}, {"9223372036854775807", INT64_MAX},
        {"9223372036854775808", -1}, {"", -1}, {"mb", -1}, {"-1", -1}, {"+1", -1}, {" 1", -1},
        {"1 ", -1}, {"1.5mb", -1}, {"1tb", -1}, {"1mbb", -1}, {"0x10", -1},
    };
    for (size_t i = 0; i < KVD_ARRAY_LEN(cases); i++) {
        int rc = kvd_config_parse_memory(cases[i].text, &v);
        if (cases[i].value < 0) {
            ck_assert_msg(rc == -1, "'%s' accepted", cases[i].text);
        } else {
            ck_assert_msg(rc == 0, "'%s' rejected", cases[i].text);
            ck_assert_int_eq(v, cases[i].value);
        }
    }
}
END_TEST

/* ---- what needs a restart ---- */

START_TEST(test_restart_needed)
{
    kvd_config_t a, b;
    char out[512], err[ERRLEN];
    const char *tail = NULL;
    kvd_config_defaults(&a);
    ck_assert_int_eq(load_conf("good.yaml", &b, err, &tail), 0);
    ck_assert_int_eq(kvd_config_restart_needed(&a, &b, out, sizeof(out)), 9);
    ck_assert_str_eq(out, "listen, shards, databases, tcp-backlog, dir, pidfile, daemonize, "
                          "cpu_affinity, modules");
    ck_assert_int_eq(kvd_config_restart_needed(&b, &b, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "");

    /* Live settings never need a restart. */
    kvd_config_t c;
    kvd_config_copy(&c, &a);
    c.timeout = 5;
    c.maxclients = 7;
    c.tcp_keepalive = 1;
    c.log_level = KVD_LOG_DEBUG;
    kvd_config_set_string(&c.log_file, "/tmp/x.log");
    c.appendonly = true;
    c.appendfsync = KVD_FSYNC_NO;
    c.proto_max_bulk_len = 2 << 20;
    c.client_query_buffer_limit = 2 << 20;
    ck_assert_int_eq(kvd_config_restart_needed(&a, &c, out, sizeof(out)), 0);

    /* One listen port, one module option: each is noticed. */
    c.listen[0].port = 6380;
    kvd_module_conf_t m = {.path = "/a.so", .options = "x"}, m2 = {.path = "/a.so", .options = "y"};
    kvd_config_t d = a, e = a;
    d.modules[0] = m;
    d.nmodules = 1;
    e.modules[0] = m2;
    e.nmodules = 1;
    ck_assert_int_eq(kvd_config_restart_needed(&a, &c, out, sizeof(out)), 1);
    ck_assert_str_eq(out, "listen");
    ck_assert_int_eq(kvd_config_restart_needed(&d, &e, out, sizeof(out)), 1);
    ck_assert_str_eq(out, "modules");
    /* A short buffer truncates; the count stays right. */
    ck_assert_int_eq(kvd_config_restart_needed(&a, &b, out, 10), 9);
    ck_assert_str_eq(out, "listen, s");
    ck_assert_int_eq(kvd_config_restart_needed(&a, &b, NULL, 0), 9);
    kvd_config_free(&c);
    kvd_config_free(&b);
}
END_TEST

/* ---- CONFIG GET ---- */

/*
 * kvd's defaults as CONFIG GET reports them.  All equal redis-server
 * 7.0.15's built-in defaults except where noted.
 */
static const char *const default_values[][2] = {
    {"bind", "127.0.0.1"}, /* Redis: "* -::*"; kvd listens on loopback by default */
    {"port", "6379"},
    {"databases", "16"},
    {"maxclients", "10000"},
    {"timeout", "0"},
    {"tcp-keepalive", "300"},
    {"tcp-backlog", "511"},
    {"dir", "."}, /* Redis: its absolute working directory */
    {"pidfile", ""},
    {"logfile", ""},
    {"loglevel", "notice"},
    {"daemonize", "no"},
    {"proto-max-bulk-len", "536870912"},
    {"client-query-buffer-limit", "1073741824"},
    {"appendonly", "no"},
    {"appendfsync", "everysec"},
    {"auto-aof-rewrite-percentage", "100"},
    {"auto-aof-rewrite-min-size", "67108864"},
    {"aof-load-truncated", "yes"},
    {"aof-load-truncate-corrupt", "no"},
    {"appendfilename", "appendonly.aof"},
    {"save", ""}, /* Redis: "3600 1 300 100 60 10000"; kvd has no RDB */
    {"maxmemory", "0"},
    {"maxmemory-policy", "noeviction"},
    {"maxmemory-samples", "5"},
    {"lfu-log-factor", "10"},
    {"lfu-decay-time", "1"},
    {"hz", "10"},
    {"dynamic-hz", "yes"},
    {"lazyfree-lazy-eviction", "no"},
    {"lazyfree-lazy-expire", "no"},
    {"lazyfree-lazy-server-del", "no"},
    {"lazyfree-lazy-user-del", "no"},
    {"lazyfree-lazy-user-flush", "no"},
    {"list-max-listpack-size", "-2"},
    {"list-max-ziplist-size", "-2"},
    {"list-compress-depth", "0"},
    {"hash-max-listpack-entries", "512"},
    {"hash-max-ziplist-entries", "512"},
    {"hash-max-listpack-value", "64"},
    {"hash-max-ziplist-value", "64"},
    {"set-max-intset-entries", "512"},
    {"zset-max-listpack-entries", "128"},
    {"zset-max-ziplist-entries", "128"},
    {"zset-max-listpack-value", "64"},
    {"zset-max-ziplist-value", "64"},
    {"stream-node-max-entries", "100"},
    {"stream-node-max-bytes", "4096"},
    {"slowlog-log-slower-than", "10000"},
    {"slowlog-max-len", "128"},
    {"latency-monitor-threshold", "0"},
    {"latency-tracking", "yes"},
    {"busy-reply-threshold", "5000"},
    {"lua-time-limit", "5000"},
    {"notify-keyspace-events", ""},
    {"activerehashing", "yes"},
    {"active-expire-effort", "1"},
    {"sanitize-dump-payload", "no"},
};

START_TEST(test_get_defaults)
{
    kvd_config_t c;
    kvd_config_defaults(&c);
    got_t g;
    config_get(&c, "*", &g);
    /* Every parameter once, in table order. */
    ck_assert_int_eq(g.n, (int)KVD_ARRAY_LEN(default_values));
    for (int i = 0; i < g.n; i++) {
        ck_assert_str_eq(g.name[i], default_values[i][0]);
        ck_assert_str_eq(g.value[i], default_values[i][1]);
    }
}
END_TEST

START_TEST(test_get_patterns)
{
    kvd_config_t c;
    kvd_config_defaults(&c);
    got_t g;
    config_get(&c, "max*", &g);
    ck_assert_int_eq(g.n, 4);
    ck_assert_str_eq(g.name[0], "maxclients");
    ck_assert_str_eq(g.name[1], "maxmemory");
    ck_assert_str_eq(g.name[2], "maxmemory-policy");
    ck_assert_str_eq(g.name[3], "maxmemory-samples");
    /* Patterns ignore case; the canonical name comes back. */
    config_get(&c, "MAXCLIENT?", &g);
    ck_assert_int_eq(g.n, 1);
    ck_assert_str_eq(g.name[0], "maxclients");
    /* A plain name is echoed as the client spelled it, as Redis does. */
    config_get(&c, "MaxClients", &g);
    ck_assert_int_eq(g.n, 1);
    ck_assert_str_eq(g.name[0], "MaxClients");
    ck_assert_str_eq(g.value[0], "10000");
    config_get(&c, "*ziplist*", &g);
    ck_assert_int_eq(g.n, 5);
    config_get(&c, "hash-max-*", &g);
    ck_assert_int_eq(g.n, 4);
    config_get(&c, "lazyfree-*", &g);
    ck_assert_int_eq(g.n, 5);
    config_get(&c, "[lm]a[xz]*", &g); /* maxclients, maxmemory*, lazyfree-* */
    ck_assert_int_eq(g.n, 9);
    config_get(&c, "nosuch", &g);
    ck_assert_int_eq(g.n, 0);
    config_get(&c, "no*such", &g);
    ck_assert_int_eq(g.n, 0);
    config_get(&c, "", &g);
    ck_assert_int_eq(g.n, 0);
    /* Escapes: "\*" in a pattern is a literal star. */
    config_get(&c, "\\*", &g);
    ck_assert_int_eq(g.n, 0);
}
END_TEST

START_TEST(test_get_many)
{
    kvd_config_t c;
    kvd_config_defaults(&c);
    got_t g;
    memset(&g, 0, sizeof(g));
    const char *pats[] = {"maxclients", "MAXCLIENTS", "max*", "timeout",
                          "hash-max-ziplist-entries", "hash-max-listpack-entries"};
    kvd_config_get_many(&c, pats, (int)KVD_ARRAY_LEN(pats), collect, &g);
    /* Each parameter once; aliases are parameters of their own. */
    ck_assert_int_eq(g.n, 7);
    ck_assert_str_eq(g.name[0], "maxclients");
    ck_assert_str_eq(g.name[1], "maxmemory");
    ck_assert_str_eq(g.name[4], "timeout");
    ck_assert_str_eq(g.name[5], "hash-max-ziplist-entries");
    ck_assert_str_eq(g.name[6], "hash-max-listpack-entries");
    memset(&g, 0, sizeof(g));
    kvd_config_get_many(&c, NULL, 0, collect, &g);
    ck_assert_int_eq(g.n, 0);
}
END_TEST

START_TEST(test_get_views)
{
    kvd_config_t c;
    char err[ERRLEN];
    const char *tail = NULL;
    ck_assert_int_eq(load_conf("good.yaml", &c, err, &tail), 0);
    ck_assert_str_eq(get_one(&c, "bind"), "127.0.0.1 ::1 *");
    ck_assert_str_eq(get_one(&c, "port"), "7001");
    ck_assert_str_eq(get_one(&c, "logfile"), "/var/log/kvd/kvd.log");
    ck_assert_str_eq(get_one(&c, "loglevel"), "verbose");
    ck_assert_str_eq(get_one(&c, "daemonize"), "yes");
    ck_assert_str_eq(get_one(&c, "appendfsync"), "always");
    ck_assert_str_eq(get_one(&c, "proto-max-bulk-len"), "67108864");
    ck_assert_str_eq(get_one(&c, "client-query-buffer-limit"), "2147483648");
    kvd_config_free(&c);
}
END_TEST

/* ---- CONFIG SET ---- */

/* name, value, then Redis 7.0.15's reason text after "... - ", or NULL for OK. */
static const char *const set_cases[][3] = {
    {"maxclients", "abc", "argument couldn't be parsed into an integer"},
    {"maxclients", "0", "argument must be between 1 and 4294967295 inclusive"},
    {"maxclients", "-5", "argument must be between 1 and 4294967295 inclusive"},
    {"maxclients", "4294967296", "argument must be between 1 and 4294967295 inclusive"},
    {"maxclients", "99999999999999999999", "argument couldn't be parsed into an integer"},
    {"maxclients", "+5", "argument couldn't be parsed into an integer"},
    {"maxclients", " 5", "argument couldn't be parsed into an integer"},
    {"maxclients", "05", "argument couldn't be parsed into an integer"},
    {"maxclients", "5.0", "argument couldn't be parsed into an integer"},
    {"maxclients", "", "argument couldn't be parsed into an integer"},
    {"maxclients", "2000000",
     "The operating system is not able to handle the specified number of clients, try with "
     "1000000"},
    {"maxclients", "100", NULL},
    {"databases", "5", "can't set immutable config"},
    {"daemonize", "no", "can't set immutable config"},
    {"tcp-backlog", "10", "can't set immutable config"},
    {"pidfile", "/tmp/x.pid", "can't set immutable config"},
    {"logfile", "/tmp/x.log", "can't set immutable config"},
    {"appendfilename", "foo", "can't set immutable config"},
    {"bind", "127.0.0.1", "can't set immutable config"},
    {"port", "7777", "can't set immutable config"},
    {"dir", "/tmp", "can't set protected config"},
    {"appendfsync", "foo", "argument(s) must be one of the following: everysec, always, no"},
    {"appendfsync", "ALWAYS", NULL},
    {"loglevel", "foo",
     "argument(s) must be one of the following: debug, verbose, notice, warning"},
    {"loglevel", "NOTICE", NULL},
    {"appendonly", "maybe", "argument must be 'yes' or 'no'"},
    {"appendonly", "YES", NULL},
    {"latency-tracking", "nah", "argument must be 'yes' or 'no'"},
    {"lazyfree-lazy-user-del", "x", "argument must be 'yes' or 'no'"},
    {"maxmemory-policy", "foo",
     "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
     "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
    {"maxmemory-policy", "AllKeys-LRU", NULL},
    {"sanitize-dump-payload", "x", "argument(s) must be one of the following: no, yes, clients"},
    {"proto-max-bulk-len", "1",
     "argument must be between 1048576 and 9223372036854775807 inclusive"},
    {"proto-max-bulk-len", "1kb",
     "argument must be between 1048576 and 9223372036854775807 inclusive"},
    {"proto-max-bulk-len", "abc", "argument must be a memory value"},
    {"proto-max-bulk-len", "-99999999999999", "argument must be a memory value"},
    {"proto-max-bulk-len", "99999999999999999999999",
     "argument must be between 1048576 and 9223372036854775807 inclusive"},
    {"proto-max-bulk-len", "9223372036854775807", NULL},
    {"client-query-buffer-limit", "1",
     "argument must be between 1048576 and 9223372036854775807 inclusive"},
    {"client-query-buffer-limit", "2gb", NULL},
    {"timeout", "-1", "argument must be between 0 and 2147483647 inclusive"},
    {"timeout", "9223372036854775807", "argument must be between 0 and 2147483647 inclusive"},
    {"tcp-keepalive", "-1", "argument must be between 0 and 2147483647 inclusive"},
    {"maxmemory", "-1", "argument must be a memory value"},
    {"maxmemory", "1.5mb", "argument must be a memory value"},
    {"maxmemory", " 1mb", "argument must be a memory value"},
    {"maxmemory", "+1mb", "argument must be a memory value"},
    {"maxmemory", "1tb", "argument must be a memory value"},
    {"maxmemory", "18446744073709551616", NULL},
    {"hz", "-1", "argument must be between 0 and 2147483647 inclusive"},
    {"hz", "99999999999999999999999", "argument couldn't be parsed into an integer"},
    {"list-max-listpack-size", "-99999999999999",
     "argument must be between -2147483648 and 2147483647 inclusive"},
    {"list-max-ziplist-size", "abc", "argument couldn't be parsed into an integer"},
    {"list-compress-depth", "-1", "argument must be between 0 and 2147483647 inclusive"},
    {"hash-max-listpack-entries", "-1",
     "argument must be between 0 and 9223372036854775807 inclusive"},
    {"hash-max-ziplist-value", "-1", "argument must be a memory value"},
    {"hash-max-ziplist-value", "99999999999999999999999",
     "argument must be between 0 and 9223372036854775807 inclusive"},
    {"set-max-intset-entries", "-1",
     "argument must be between 0 and 9223372036854775807 inclusive"},
    {"zset-max-listpack-value", "-1", "argument must be a memory value"},
    {"slowlog-log-slower-than", "-2",
     "argument must be between -1 and 9223372036854775807 inclusive"},
    {"slowlog-max-len", "-1", "argument must be between 0 and 9223372036854775807 inclusive"},
    {"busy-reply-threshold", "-1", "argument must be between 0 and 9223372036854775807 inclusive"},
    {"lua-time-limit", "abc", "argument couldn't be parsed into an integer"},
    {"active-expire-effort", "0", "argument must be between 1 and 10 inclusive"},
    {"active-expire-effort", "11", "argument must be between 1 and 10 inclusive"},
    {"maxmemory-samples", "0", "argument must be between 1 and 2147483647 inclusive"},
    {"notify-keyspace-events", "xyz", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
    {"save", "abc", "Invalid save parameters"},
    {"save", "900 1 300", "Invalid save parameters"},
    {"save", " 900 1 ", "Invalid save parameters"},
    {"save", "900  1", "Invalid save parameters"},
    {"save", "0 1", "Invalid save parameters"},
    {"save", "900 -1", "Invalid save parameters"},
    {"save", "0x10 1", "Invalid save parameters"},
    {"save", "900 1x", "Invalid save parameters"},
};

START_TEST(test_set_validation)
{
    kvd_config_t c;
    kvd_config_defaults(&c);
    char err[ERRLEN] = "";
    const char *name = set_cases[_i][0], *value = set_cases[_i][1], *want = set_cases[_i][2];
    got_t before, after;
    config_get(&c, "*", &before);
    int rc = kvd_config_set(&c, name, value, err, sizeof(err));
    if (want == NULL) {
        ck_assert_msg(rc == 0, "CONFIG SET %s '%s': %s", name, value, err);
    } else {
        ck_assert_msg(rc == -1, "CONFIG SET %s '%s' gave %d", name, value, rc);
        ck_assert_str_eq(err, want);
        /* A failed CONFIG SET changes nothing. */
        config_get(&c, "*", &after);
        ck_assert_mem_eq(&before, &after, sizeof(before));
    }
    kvd_config_free(&c);
}
END_TEST

/* name, value set, value CONFIG GET then shows (Redis normalises some). */
static const char *const set_get_cases[][3] = {
    {"maxclients", "100", "100"},
    {"timeout", "30", "30"},
    {"loglevel", "WARNING", "warning"},
    {"appendfsync", "No", "no"},
    {"appendonly", "Yes", "yes"},
    {"proto-max-bulk-len", "1gb", "1073741824"},
    {"client-query-buffer-limit", "1048576", "1048576"},
    {"maxmemory", "1K", "1000"},
    {"maxmemory", "2GB", "2147483648"},
    {"maxmemory", "01mb", "1048576"},
    {"maxmemory", "mb", "0"},
    {"maxmemory", "", "0"},
    {"maxmemory", "18446744073709551616", "18446744073709551615"},
    {"maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"},
    {"hz", "0", "1"},
    {"hz", "1000", "500"},
    {"hz", "100", "100"},
    {"list-max-listpack-size", "-6", "-6"},
    {"hash-max-ziplist-entries", "64", "64"},
    {"hash-max-listpack-value", "1kb", "1024"},
    {"slowlog-log-slower-than", "-1", "-1"},
    {"lua-time-limit", "100", "100"},
    {"save", "", ""},
    {"save", "3600 1 300 100 60 10000", "3600 1 300 100 60 10000"},
    {"save", "+900 01", "900 1"},
    {"save", "900 ", "900 0"},
    {"save", "1 -0", "1 0"},
    {"save", "9223372036854775808 1", "9223372036854775807 1"},
    {"save", "1 9223372036854775808", "1 -1"},
    {"notify-keyspace-events", "KEA", "AKE"},
    {"notify-keyspace-events", "Ex", "xE"},
    {"notify-keyspace-events", "AKE$", "AKE"},
    {"notify-keyspace-events", "Kglshzxetd$", "AK"},
    {"notify-keyspace-events", "Kglshzxetdmn$", "AKm"},
    {"notify-keyspace-events", "mEK", "KEm"},
    {"notify-keyspace-events", "nE", "nE"},
    {"notify-keyspace-events", "ndtexzhsl", "lshzxetdn"},
    {"notify-keyspace-events", "ndtexzhsl$g", "A"}, /* all of A: 'n' is not shown */
    {"notify-keyspace-events", "Kt", "tK"},
    {"notify-keyspace-events", "", ""},
};

START_TEST(test_set_then_get)
{
    kvd_config_t c;
    kvd_config_defaults(&c);
    char err[ERRLEN];
    const char *name = set_get_cases[_i][0];
    ck_assert_msg(kvd_config_set(&c, name, set_get_cases[_i][1], err, sizeof(err)) == 0,
                  "CONFIG SET %s '%s': %s", name, set_get_cases[_i][1], err);
    ck_assert_str_eq(get_one(&c, name), set_get_cases[_i][2]);
    kvd_config_verify(&c);
    kvd_config_free(&c);
}
END_TEST

START_TEST(test_set_fields)
{
    size_t before = kvd_memory_used();
    kvd_config_t c;
    kvd_config_defaults(&c);
    char err[ERRLEN];
    ck_assert_int_eq(kvd_config_set(&c, "hash-max-ziplist-entries", "7", err, sizeof(err)), 0);
    ck_assert_int_eq(c.hash_max_listpack_entries, 7);
    ck_assert_int_eq(kvd_config_set(&c, "notify-keyspace-events", "Ex", err, sizeof(err)), 0);
    ck_assert_int_eq(c.notify_keyspace_events, KVD_NOTIFY_KEYEVENT | KVD_NOTIFY_EXPIRED);
    ck_assert_int_eq(kvd_config_set(&c, "loglevel", "debug", err, sizeof(err)), 0);
    ck_assert_int_eq(c.log_level, KVD_LOG_DEBUG);
    ck_assert_int_eq(kvd_config_set(&c, "appendfsync", "no", err, sizeof(err)), 0);
    ck_assert_int_eq(c.appendfsync, KVD_FSYNC_NO);
    ck_assert_int_eq(kvd_config_set(&c, "maxmemory", "1mb", err, sizeof(err)), 0);
    ck_assert_uint_eq(c.maxmemory, 1048576);
    ck_assert_int_eq(kvd_config_set(&c, "save", "60 1", err, sizeof(err)), 0);
    ck_assert_str_eq(c.save, "60 1");
    ck_assert_int_eq(kvd_config_set(&c, "save", "60 2", err, sizeof(err)), 0);
    ck_assert_str_eq(c.save, "60 2");
    kvd_config_free(&c);
    ck_assert_uint_eq(kvd_memory_used(), before);
}
END_TEST

START_TEST(test_set_unknown)
{
    kvd_config_t c;
    kvd_config_defaults(&c);
    char err[ERRLEN];
    ck_assert_int_eq(kvd_config_set(&c, "foo", "1", err, sizeof(err)), -2);
    ck_assert_str_eq(err, "Unknown option or number of arguments for CONFIG SET - 'foo'");
    /* Names are case-insensitive; shards and cpu_affinity are not Redis parameters. */
    ck_assert_int_eq(kvd_config_set(&c, "MAXCLIENTS", "5", err, sizeof(err)), 0);
    ck_assert_int_eq(c.maxclients, 5);
    ck_assert_int_eq(kvd_config_set(&c, "shards", "2", err, sizeof(err)), -2);
    ck_assert_int_eq(kvd_config_set(&c, "max*", "2", err, sizeof(err)), -2);
    /* Redis 7.0 has no set-max-listpack-* parameters. */
    ck_assert_int_eq(kvd_config_set(&c, "set-max-listpack-entries", "2", err, sizeof(err)), -2);
}
END_TEST

START_TEST(test_set_many)
{
    kvd_config_t c;
    kvd_config_defaults(&c);
    char err[ERRLEN];
    int failed = -1;
    const char *n1[] = {"maxclients", "timeout"}, *v1[] = {"100", "abc"};
    ck_assert_int_eq(kvd_config_set_many(&c, n1, v1, 2, &failed, err, sizeof(err)), -1);
    ck_assert_int_eq(failed, 1);
    ck_assert_str_eq(err, "argument couldn't be parsed into an integer");
    ck_assert_int_eq(c.maxclients, 10000); /* all or nothing */

    const char *n2[] = {"maxclients", "MAXCLIENTS"}, *v2[] = {"100", "200"};
    ck_assert_int_eq(kvd_config_set_many(&c, n2, v2, 2, &failed, err, sizeof(err)), -1);
    ck_assert_int_eq(failed, 1);
    ck_assert_str_eq(err, "duplicate parameter");

    /* Names are all checked before any value: the unknown name wins. */
    const char *n3[] = {"timeout", "foo"}, *v3[] = {"abc", "1"};
    ck_assert_int_eq(kvd_config_set_many(&c, n3, v3, 2, &failed, err, sizeof(err)), -2);
    ck_assert_int_eq(failed, 1);
    ck_assert_str_eq(err, "Unknown option or number of arguments for CONFIG SET - 'foo'");
    const char *n4[] = {"timeout", "databases"}, *v4[] = {"abc", "3"};
    ck_assert_int_eq(kvd_config_set_many(&c, n4, v4, 2, &failed, err, sizeof(err)), -1);
    ck_assert_int_eq(failed, 1);
    ck_assert_str_eq(err, "can't set immutable config");
    /* ...and the first bad name wins over later ones. */
    const char *n5[] = {"databases", "foo"}, *v5[] = {"3", "1"};
    ck_assert_int_eq(kvd_config_set_many(&c, n5, v5, 2, &failed, err, sizeof(err)), -1);
    ck_assert_int_eq(failed, 0);
    const char *n6[] = {"timeout", "timeout"}, *v6[] = {"abc", "5"};
    ck_assert_int_eq(kvd_config_set_many(&c, n6, v6, 2, &failed, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "duplicate parameter");

    /* An alias and its parameter are not duplicates; the later one wins. */
    const char *n7[] = {"hash-max-ziplist-entries", "hash-max-listpack-entries", "save", "timeout"};
    const char *v7[] = {"1", "2", "10 10", "7"};
    ck_assert_int_eq(kvd_config_set_many(&c, n7, v7, 4, &failed, err, sizeof(err)), 0);
    ck_assert_int_eq(c.hash_max_listpack_entries, 2);
    ck_assert_str_eq(c.save, "10 10");
    ck_assert_int_eq(c.timeout, 7);

    /* A late failure puts back strings set earlier in the same call. */
    const char *n8[] = {"save", "hz"}, *v8[] = {"20 20", "x"};
    ck_assert_int_eq(kvd_config_set_many(&c, n8, v8, 2, &failed, err, sizeof(err)), -1);
    ck_assert_str_eq(c.save, "10 10");
    kvd_config_free(&c);
}
END_TEST

/* ---- glob ---- */

static const struct {
    const char *pattern, *string;
    bool nocase, match;
} glob_cases[] = {
    /* From redis-server 7.0.15 (KEYS, which is case-sensitive). */
    {"", "", false, true},
    {"", "a", false, false},
    {"a", "", false, false},
    {"*", "", false, false}, /* KEYS special-cases "*"; the matcher does not */
    {"**", "", false, false},
    {"**", "a", false, true},
    {"*", "abc", false, true},
    {"a*", "a", false, true},
    {"a*", "ab", false, true},
    {"*a", "ba", false, true},
    {"*a", "ab", false, false},
    {"a*b*c", "abc", false, true},
    {"a*b*c", "aXbYc", false, true},
    {"a*b*c", "acb", false, false},
    {"*ab*", "xxabyy", false, true},
    {"a**b", "ab", false, true},
    {"*?", "a", false, true},
    {"?*", "ab", false, true},
    {"?", "", false, false},
    {"?", "a", false, true},
    {"?", "ab", false, false},
    {"??", "ab", false, true},
    {"a?c", "abc", false, true},
    {"a?c", "ac", false, false},
    {"h?llo", "hello", false, true},
    {"h*llo", "heeeello", false, true},
    {"h[ae]llo", "hallo", false, true},
    {"h[ae]llo", "hillo", false, false},
    {"h[^e]llo", "hallo", false, true},
    {"h[^e]llo", "hello", false, false},
    {"h[a-b]llo", "hbllo", false, true},
    {"h[a-b]llo", "hcllo", false, false},
    {"[b-a]", "a", false, true},
    {"[z-a]", "m", false, true},
    {"[a-]", "-", false, false},
    {"[a-]", "a", false, true},
    {"[a-]", "^", false, true},
    {"[a-]", "b", false, false},
    {"[-a]", "-", false, true},
    {"[]", "a", false, false},
    {"[]]", "]", false, false},
    {"[]a]", "a", false, false},
    {"[]a]", "]a]", false, false},
    {"[^]", "a", false, true},
    {"[^]", "]", false, true},
    {"[^]a", "ba", false, true},
    {"[", "a", false, false},
    {"[", "[", false, false},
    {"[abc", "b", false, true},
    {"[abc", "d", false, false},
    {"[^", "x", false, true},
    {"[^abc", "d", false, true},
    {"[^abc", "a", false, false},
    {"[a-z", "q", false, true},
    {"[a-", "-", false, true},
    {"[a-", "b", false, false},
    {"[\\]]", "]", false, true},
    {"[\\]", "]", false, true},
    {"[\\", "\\", false, true},
    {"[\\a]", "a", false, true},
    {"[a\\-z]", "-", false, true},
    {"[a\\-z]", "b", false, false},
    {"[\\-z]", "-", false, true},
    {"\\", "\\", false, true},
    {"\\*", "*", false, true},
    {"\\*", "a", false, false},
    {"\\?", "?", false, true},
    {"\\?", "a", false, false},
    {"\\[a]", "[a]", false, true},
    {"a\\", "a\\", false, true},
    {"\\\\", "\\", false, true},
    {"\\a", "a", false, true},
    {"*\\*", "ab*", false, true},
    {"*[*]", "ab*", false, true},
    {"[*]", "a", false, false},
    {"[?]", "?", false, true},
    {"[?]", "a", false, false},
    {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", false, true},
    {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
    {"a*", "A", false, false},
    {"A", "a", false, false},
    {"[A-Z]", "a", false, false},
    {"[a-z]", "A", false, false},
    {"user:*:name", "user:1000:name", false, true},
    {"user:*:name", "user:1000:email", false, false},
    {"*:*", "a:b", false, true},
    {"*:*", "ab", false, false},
    {"[0-9]*", "7up", false, true},
    {"[!a]", "!", false, true},
    {"[!a]", "b", false, false},
    {"a[^]]b", "a]b", false, false},
    {"a[^]]b", "axb", false, false},
    {"a[^]]b", "a^b", false, false},
    {"[Z-a]", "_", false, true},
    /* Case-insensitive (CONFIG GET), checked against redis-server where a
     * config name could show it. */
    {"A*", "abc", true, true},
    {"HeLLo", "hello", true, true},
    {"[A-Z]", "q", true, true},
    {"[A-Z]axclients", "maxclients", true, true},
    {"[Z-a]axclients", "maxclients", true, false}, /* ends lowered after swapping: z..a */
    {"[\\M]axclients", "maxclients", true, false}, /* escaped in a set: exact */
    {"[\\m]axclients", "maxclients", true, true},
    {"\\M?xclients", "maxclients", true, true}, /* escaped outside a set: nocase */
    {"[^M]axclients", "maxclients", true, false},
    {"h[^E]llo", "hello", true, false},
};

START_TEST(test_glob_table)
{
    const char *p = glob_cases[_i].pattern, *s = glob_cases[_i].string;
    bool got = kvd_glob_match(p, strlen(p), s, strlen(s), glob_cases[_i].nocase);
    ck_assert_msg(got == glob_cases[_i].match, "glob '%s' vs '%s' (nocase %d): got %d", p, s,
                  glob_cases[_i].nocase, got);
}
END_TEST

START_TEST(test_glob_binary_and_limits)
{
    /* Lengths, not NULs, bound both sides. */
    ck_assert(kvd_glob_match("a\0b", 3, "a\0b", 3, false));
    ck_assert(!kvd_glob_match("a\0b", 3, "a\0c", 3, false));
    ck_assert(kvd_glob_match("a?b", 3, "a\0b", 3, false));
    ck_assert(kvd_glob_match("abc", 1, "a", 1, false));
    ck_assert(kvd_glob_match("[\x80-\xff]", 5, "\xc3", 1, false)); /* bytes are unsigned */
    ck_assert(kvd_glob_match(NULL, 0, NULL, 0, false));

    /* Redis gives up past 1000 star groups before the end of the pattern. */
    static char pat[4096], str[2048];
    memset(str, 'a', 1100);
    str[1100] = 'b';
    for (int groups = 999; groups <= 1001; groups++) {
        size_t n = 0;
        for (int g = 0; g < groups; g++) {
            pat[n++] = '*';
            pat[n++] = 'a';
        }
        pat[n++] = '*';
        pat[n++] = 'b';
        bool m = kvd_glob_match(pat, n, str, 1101, false);
        ck_assert_msg(m == (groups + 1 <= 1000), "groups %d: %d", groups + 1, m);
        /* A trailing star group does not count. */
        ck_assert(kvd_glob_match(pat, n - 1, str, 1101, false) == (groups <= 1000));
    }

    /* A pattern that takes Redis's naive recursion exponential time. */
    memset(str, 'a', 2000);
    size_t n = 0;
    for (int g = 0; g < 30; g++) {
        pat[n++] = '*';
        pat[n++] = 'a';
    }
    pat[n++] = 'b';
    ck_assert(!kvd_glob_match(pat, n, str, 2000, false));

    ck_assert(kvd_glob_has_special("a*", 2));
    ck_assert(kvd_glob_has_special("a?", 2));
    ck_assert(kvd_glob_has_special("[a", 2));
    ck_assert(!kvd_glob_has_special("a\\b]", 4));
    ck_assert(!kvd_glob_has_special("a*", 1));
}
END_TEST

/* Reference: dynamic programming over patterns of a, b, '?' and '*'. */
static bool glob_reference(const char *p, size_t plen, const char *s, size_t slen)
{
    if (slen == 0)
        return plen == 0; /* Redis: an empty string matches only "" */
    bool dp[16][16];      /* dp[i][j]: p[i..] matches s[j..] */
    for (size_t i = plen + 1; i-- > 0;) {
        for (size_t j = slen + 1; j-- > 0;) {
            if (i == plen)
                dp[i][j] = j == slen;
            else if (p[i] == '*')
                dp[i][j] = dp[i + 1][j] || (j < slen && dp[i][j + 1]);
            else
                dp[i][j] = j < slen && (p[i] == '?' || p[i] == s[j]) && dp[i + 1][j + 1];
        }
    }
    return dp[0][0];
}

static uint64_t test_seed(void)
{
    const char *s = getenv("SEED");
    uint64_t seed = s && *s ? strtoull(s, NULL, 10) : (uint64_t)time(NULL);
    printf("test_glob_random: seed=%" PRIu64 "\n", seed);
    return seed;
}

static uint64_t next_rand(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

START_TEST(test_glob_random)
{
    uint64_t seed = test_seed(), state = seed;
    static const char alphabet[] = "ab?*";
    for (int iter = 0; iter < 20000; iter++) {
        char p[15], s[15];
        size_t plen = next_rand(&state) % 10, slen = next_rand(&state) % 12;
        for (size_t i = 0; i < plen; i++)
            p[i] = alphabet[next_rand(&state) % 4];
        for (size_t i = 0; i < slen; i++)
            s[i] = "ab"[next_rand(&state) % 2];
        bool want = glob_reference(p, plen, s, slen);
        ck_assert_msg(kvd_glob_match(p, plen, s, slen, false) == want,
                      "seed=%" PRIu64 ": '%.*s' vs '%.*s' should be %d", seed, (int)plen, p,
                      (int)slen, s, want);
    }
}
END_TEST

/* ---- runner ---- */

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_defaults);
    tcase_add_test_raise_signal(tc, test_verify_catches_bad_value, SIGABRT);
    tcase_add_test(tc, test_load_good);
    tcase_add_test(tc, test_load_empty_and_single_listen);
    tcase_add_test(tc, test_shipped_file_is_defaults);
    tcase_add_test(tc, test_load_no_leak);
    tcase_add_loop_test(tc, test_load_bad_file, 0, (int)KVD_ARRAY_LEN(bad_files));
    tcase_add_test(tc, test_load_unreadable);
    tcase_add_loop_test(tc, test_load_inline, 0, (int)KVD_ARRAY_LEN(inline_cases));
    tcase_add_test(tc, test_parse_memory);
    tcase_add_test(tc, test_restart_needed);
    suite_add_tcase(s, tc);

    tc = tcase_create("config-get-set");
    tcase_add_test(tc, test_get_defaults);
    tcase_add_test(tc, test_get_patterns);
    tcase_add_test(tc, test_get_many);
    tcase_add_test(tc, test_get_views);
    tcase_add_loop_test(tc, test_set_validation, 0, (int)KVD_ARRAY_LEN(set_cases));
    tcase_add_loop_test(tc, test_set_then_get, 0, (int)KVD_ARRAY_LEN(set_get_cases));
    tcase_add_test(tc, test_set_fields);
    tcase_add_test(tc, test_set_unknown);
    tcase_add_test(tc, test_set_many);
    suite_add_tcase(s, tc);

    tc = tcase_create("glob");
    tcase_add_loop_test(tc, test_glob_table, 0, (int)KVD_ARRAY_LEN(glob_cases));
    tcase_add_test(tc, test_glob_binary_and_limits);
    tcase_add_test(tc, test_glob_random);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

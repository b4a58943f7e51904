/*
 * kvd-check-aof - check a shard's append-only file and optionally cut it
 * at the last whole record (man/kvd-check-aof.8).
 *
 * It checks what the loader checks, without running anything: every
 * record is a RESP multibulk naming a known command with a valid arity,
 * MULTI and EXEC pair up.  A file that merely ends inside a record (or
 * inside a MULTI block) has a torn tail; anything else is corruption.
 *
 * Exit status: 0 the file is valid (or was fixed), 1 it is not, 2 usage
 * or I/O error.
 */
#include "aof.h"
#include "cmd/command.h"
#include "core/env.h"

#include <stdio.h>

#define CHUNK (1u << 20)

typedef struct scan {
    kvd_env_t *env;
    int fh;
    kvd_buf_t in;
    uint64_t in_off;
    size_t start;
    bool eof;
    uint64_t good_end; /* end of the last whole record outside MULTI */
    uint64_t records;
    bool in_multi;
    int tx;            /* a cross-shard block: 0 none, 1 begun, 2 prepared (EXEC read) */
    uint64_t bad_off;
    char why[200];
} scan_t;

static int fill(scan_t *sc, size_t want)
{
    if (sc->start > 0) {
        kvd_buf_consume(&sc->in, sc->start);
        sc->in_off += sc->start;
        sc->start = 0;
    }
    size_t chunk = want > sc->in.len + CHUNK ? want - sc->in.len : CHUNK;
    kvd_buf_reserve(&sc->in, chunk);
    ssize_t n = sc->env->file_pread(sc->env, sc->fh, sc->in.data + sc->in.len, chunk,
                                    sc->in_off + sc->in.len);
    if (n < 0) {
        fprintf(stderr, "kvd-check-aof: read: %s\n", strerror((int)-n));
        return -1;
    }
    sc->eof = n == 0;
    sc->in.len += (size_t)n;
    return 0;
}

/* KVDTX BEGIN | COMMIT | ABORT | FORGET <txid> ...: a cross-shard
 * transaction's markers (aof.h). */
static int check_tx(scan_t *sc, const kvd_argv_t *argv, uint64_t off, size_t len)
{
    const kvd_arg_t *verb = argv->argc >= 3 ? &argv->v[1] : NULL;
    bool begin = verb != NULL && kvd_arg_is(verb, "begin");
    bool known = begin || (verb != NULL && (kvd_arg_is(verb, "commit") ||
                                            kvd_arg_is(verb, "abort") ||
                                            kvd_arg_is(verb, "forget")));
    if (known && kvd_arg_is(verb, "forget")) {
        sc->records++; /* written whatever holds the shard: anywhere */
        if (!sc->in_multi && sc->tx == 0)
            sc->good_end = off + len;
        return 0;
    }
    if (!known || sc->in_multi || (begin && sc->tx != 0)) {
        snprintf(sc->why, sizeof(sc->why), "%s", known ? "KVDTX record inside a block"
                                                       : "malformed KVDTX record");
        return -1;
    }
    sc->tx = begin ? 1 : 0;
    sc->records++;
    if (!begin)
        sc->good_end = off + len;
    return 0;
}

/* 0 when the record is a command the loader would run, else -1 (why set). */
static int check_record(scan_t *sc, const kvd_argv_t *argv, uint64_t off, size_t len)
{
    if (argv->argc == 0) {
        snprintf(sc->why, sizeof(sc->why), "empty command");
        return -1;
    }
    const kvd_arg_t *name = &argv->v[0];
    if (kvd_arg_is(name, "kvdtx"))
        return check_tx(sc, argv, off, len);
    kvd_command_t *cmd = kvd_command_lookup(name->ptr, name->len);
    if (cmd == NULL || (cmd->arity > 0 && argv->argc != cmd->arity) ||
        (cmd->arity < 0 && argv->argc < -cmd->arity)) {
        snprintf(sc->why, sizeof(sc->why), "%s command '%.64s'",
                 cmd == NULL ? "unknown" : "wrong number of arguments for", name->ptr);
        return -1;
    }
    bool multi = kvd_arg_is(name, "multi"), exec = kvd_arg_is(name, "exec");
    if ((multi && sc->in_multi) || (exec && !sc->in_multi)) {
        snprintf(sc->why, sizeof(sc->why), "MULTI/EXEC out of order");
        return -1;
    }
    if (sc->tx == 2 || (sc->tx == 1 && !multi && !sc->in_multi)) {
        snprintf(sc->why, sizeof(sc->why), "a command outside its transaction's block");
        return -1;
    }
    if (multi)
        sc->in_multi = true;
    if (exec) {
        sc->in_multi = false;
        sc->tx = sc->tx == 1 ? 2 : sc->tx;
    }
    sc->records++;
    if (!sc->in_multi)
        sc->good_end = off + len;
    return 0;
}

static const kvd_resp_limits_t limits = {
    .max_bulk_len = INT64_C(1) << 40,
    .max_multibulk_len = INT32_MAX,
    .max_inline_len = 64 * 1024,
};

/* 0 valid, 1 torn tail, -1 corrupt (bad_off, why), -2 read error. */
static int scan_file(scan_t *sc)
{
    kvd_resp_parser_t p;
    kvd_argv_t argv = KVD_ARGV_INIT;
    kvd_resp_parser_init(&p);
    int rc = 0;
    for (;;) {
        if (sc->start == sc->in.len) {
            if (sc->eof) {
                rc = sc->in_multi || sc->tx == 1 ? 1 : 0;
                break;
            }
            if (fill(sc, 0) < 0) {
                rc = -2;
                break;
            }
            continue;
        }
        uint64_t off = sc->in_off + sc->start;
        if (p.pos == 0 && sc->in.data[sc->start] != '*') {
            sc->bad_off = off;
            snprintf(sc->why, sizeof(sc->why), "a record does not start with '*'");
            rc = -1;
            break;
        }
        kvd_resp_status_t st =
            kvd_resp_parse(&p, sc->in.data + sc->start, sc->in.len - sc->start, &argv, &limits);
        if (st == KVD_RESP_AGAIN) {
            if (sc->eof) {
                rc = 1;
                break;
            }
            if (fill(sc, p.want) < 0) {
                rc = -2;
                break;
            }
            continue;
        }
        if (st == KVD_RESP_ERROR || check_record(sc, &argv, off, p.consumed) < 0) {
            if (st == KVD_RESP_ERROR)
                snprintf(sc->why, sizeof(sc->why), "%s", p.error);
            sc->bad_off = off;
            rc = -1;
            break;
        }
        sc->start += p.consumed;
    }
    kvd_argv_free(&argv);
    return rc;
}

static int check_one(kvd_env_t *env, const char *path, bool fix)
{
    int fh = env->file_open(env, path, fix ? KVD_ENV_O_READ | KVD_ENV_O_WRITE : KVD_ENV_O_READ);
    if (fh < 0) {
        fprintf(stderr, "kvd-check-aof: %s: %s\n", path, strerror(-fh));
        return 2;
    }
    scan_t sc = {.env = env, .fh = fh};
    kvd_buf_init(&sc.in);
    int rc = scan_file(&sc);
    uint64_t size = sc.in_off + sc.in.len;
    kvd_buf_free(&sc.in);
    int status = 0;
    if (rc == -2) {
        status = 2;
    } else if (rc == 0) {
        printf("%s: valid: %llu records, %llu bytes\n", path, (unsigned long long)sc.records,
               (unsigned long long)size);
    } else {
        if (rc == 1)
            printf("%s: torn tail: the file ends inside a record or a MULTI block (a crash "
                   "during a write)\n", path);
        else
            printf("%s: corrupt at byte offset %llu: %s\n", path, (unsigned long long)sc.bad_off,
                   sc.why);
        printf("%s: %llu records are whole up to offset %llu; %llu bytes follow\n", path,
               (unsigned long long)sc.records, (unsigned long long)sc.good_end,
               (unsigned long long)(size - sc.good_end));
        status = 1;
        if (fix) {
            int t = env->file_truncate(env, fh, sc.good_end);
            if (t == 0)
                t = env->file_sync(env, fh);
            if (t < 0) {
                fprintf(stderr, "kvd-check-aof: %s: truncate: %s\n", path, strerror(-t));
                status = 2;
            } else {
                printf("%s: truncated to %llu bytes (%llu bytes dropped)\n", path,
                       (unsigned long long)sc.good_end, (unsigned long long)(size - sc.good_end));
                status = 0;
            }
        }
    }
    env->file_close(env, fh);
    return status;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: kvd-check-aof [--fix] FILE...\n"
                "  Check kvd append-only files (appendonly-<shard>.aof); with --fix, cut\n"
                "  each at its last whole record.  Exit 0 valid or fixed, 1 invalid, 2 error.\n");
}

int main(int argc, char **argv)
{
    bool fix = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--fix") == 0) {
            fix = true;
        } else if (strcmp(argv[first], "-h") == 0 || strcmp(argv[first], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (first == argc) {
        usage(stderr);
        return 2;
    }
    kvd_commands_init();
    kvd_register_persist_commands();
    kvd_env_t *env = kvd_env_unix();
    int worst = 0;
    for (int i = first; i < argc; i++) {
        int st = check_one(env, argv[i], fix);
        worst = st > worst ? st : worst;
    }
    return worst;
}

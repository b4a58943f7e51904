/*
 * history.c - cut client commands into per-key operations and check them.
 *
 * The decoding here is deliberately separate from the reference model: the
 * linearizability check must not inherit the model's mistakes.  It only
 * needs to know which key a command touches, which arguments change the
 * key, and what the reply says.
 */
#include "history.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/kvd.h"

void sim_history_init(sim_history_t *sh, int ndbs, int nkeys)
{
    sh->ndbs = ndbs;
    sh->nkeys = nkeys;
    sh->ops = 0;
    sh->keys = calloc((size_t)(ndbs * nkeys), sizeof(*sh->keys));
    KVD_ASSERT(sh->keys != NULL);
    for (int i = 0; i < ndbs * nkeys; i++)
        sh->keys[i] = lin_history_new();
}

void sim_history_free(sim_history_t *sh)
{
    for (int i = 0; i < sh->ndbs * sh->nkeys; i++)
        lin_history_free(sh->keys[i]);
    free(sh->keys);
    sh->keys = NULL;
}

void sim_history_restart(sim_history_t *sh)
{
    for (int i = 0; i < sh->ndbs * sh->nkeys; i++)
        lin_history_clear(sh->keys[i]);
}

void sim_history_start_value(sim_history_t *sh, int db, int rank, const char *val, size_t vlen,
                             bool ttl, uint64_t call, uint64_t ret)
{
    KVD_ASSERT(db >= 0 && db < sh->ndbs && rank >= 0 && rank < sh->nkeys);
    /* A SET that certainly happened (result not checked) puts the register
     * in the recovered state before any later operation is called. */
    lin_op_t op = {.kind = LIN_SET, .flags = ttl ? LIN_EXPIRES : 0, .arg = val, .arglen = vlen,
                   .rkind = LIN_R_ANY, .call = call, .ret = ret};
    lin_add(sh->keys[db * sh->nkeys + rank], &op);
}

/* ------------------------------------------------------------ decoding */

static bool arg_is(const kvd_arg_t *a, const char *kw)
{
    return a->len == strlen(kw) && strncasecmp(a->ptr, kw, a->len) == 0;
}

static bool same(const kvd_arg_t *a, const kvd_arg_t *b)
{
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Strict integer, as Redis parses counts, offsets and TTLs. */
static bool arg_int(const kvd_arg_t *a, int64_t *out)
{
    if (a->len == 0 || a->len > 20)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(a->ptr, &end, 10);
    if (end != a->ptr + a->len || a->ptr[0] == '+' || a->ptr[0] == ' ')
        return false;
    bool lead0 = a->ptr[0] == '0' || (a->ptr[0] == '-' && a->len > 1 && a->ptr[1] == '0');
    if (lead0 && !(a->len == 1))
        return false;
    *out = v;
    return errno == 0;
}

typedef struct rparse {
    const char *p;
    size_t len, pos;
} rparse_t;

/* One RESP2 line after its type byte: the header of a reply item. */
static bool take_line(rparse_t *r, char *type, int64_t *num)
{
    if (r->pos + 3 > r->len)
        return false;
    *type = r->p[r->pos];
    size_t start = r->pos + 1, i = start;
    while (i + 1 < r->len && !(r->p[i] == '\r' && r->p[i + 1] == '\n'))
        i++;
    if (i + 1 >= r->len)
        return false;
    *num = 0;
    if (*type == ':' || *type == '$' || *type == '*')
        *num = strtoll(r->p + start, NULL, 10);
    r->pos = i + 2;
    return true;
}

/* Decode one item into op's result; false if malformed or an array. */
static bool take_item(rparse_t *r, lin_op_t *op)
{
    char t;
    int64_t n;
    if (!take_line(r, &t, &n))
        return false;
    switch (t) {
    case '+': op->rkind = LIN_R_OK; return true;
    case '-': op->rkind = LIN_R_ERR; return true;
    case ':': op->rkind = LIN_R_INT, op->rint = n; return true;
    case '$':
        if (n < 0)
            return op->rkind = LIN_R_NIL, true;
        if (r->pos + (size_t)n + 2 > r->len)
            return false;
        op->rkind = LIN_R_BULK, op->rbulk = r->p + r->pos, op->rlen = (size_t)n;
        r->pos += (size_t)n + 2;
        return true;
    default:
        return false;
    }
}

/* One command being cut into operations. */
typedef struct rec {
    sim_history_t *sh;
    int db;
    uint64_t call, ret;
    rparse_t reply; /* p == NULL: lost */
} rec_t;

static int key_rank(const sim_history_t *sh, const kvd_arg_t *key)
{
    if (key->len < 5 || memcmp(key->ptr, "key:", 4) != 0)
        return -1;
    int rank = atoi(key->ptr + 4);
    return rank >= 0 && rank < sh->nkeys ? rank : -1;
}

static void add(rec_t *r, const kvd_arg_t *key, lin_op_t *op)
{
    int rank = key_rank(r->sh, key);
    KVD_ASSERT(r->db >= 0 && r->db < r->sh->ndbs);
    if (rank < 0)
        return; /* not a string key: the model comparison covers it */
    op->call = r->call;
    op->ret = r->reply.p ? r->ret : LIN_INDEFINITE;
    lin_add(r->sh->keys[r->db * r->sh->nkeys + rank], op);
    r->sh->ops++;
}

/*
 * A single-key command: decode the reply into op and record it.  Errors
 * are dropped except for INCRBY's, which say what the key held.  Reads
 * whose reply was lost say nothing and are dropped too.
 */
static void add_single(rec_t *r, const kvd_arg_t *key, lin_op_t *op, bool is_read)
{
    if (r->reply.p == NULL) {
        if (!is_read)
            add(r, key, op);
        return;
    }
    if (!take_item(&r->reply, op))
        return;
    if (op->rkind == LIN_R_ERR && op->kind != LIN_INCR)
        return;
    add(r, key, op);
}

/* SET's options; false when Redis would reject them (nothing happens). */
static bool set_flags(const kvd_arg_t *argv, int argc, unsigned *flags)
{
    unsigned f = 0, ttl_kinds = 0; /* KEEPTTL 1, EX 2, PX 4: repeating one is fine */
    for (int i = 3; i < argc; i++) {
        const kvd_arg_t *a = &argv[i];
        int64_t v;
        if (arg_is(a, "NX"))
            f |= LIN_NX;
        else if (arg_is(a, "XX"))
            f |= LIN_XX;
        else if (arg_is(a, "GET"))
            f |= LIN_GETF;
        else if (arg_is(a, "KEEPTTL"))
            f |= LIN_KEEPTTL, ttl_kinds |= 1;
        else if ((arg_is(a, "EX") || arg_is(a, "PX")) && i + 1 < argc &&
                 arg_int(&argv[i + 1], &v) && v > 0)
            f |= LIN_EXPIRES, ttl_kinds |= arg_is(a, "EX") ? 2 : 4, i++;
        else
            return false;
    }
    *flags = f;
    return !((f & LIN_NX) && (f & LIN_XX)) && (ttl_kinds & (ttl_kinds - 1)) == 0;
}

static void cut_multi(rec_t *r, const kvd_arg_t *argv, int argc, bool mset)
{
    if (mset) { /* per key, the last value wins; the reply is +OK */
        lin_op_t probe = {0};
        if (argc < 3 || argc % 2 == 0)
            return;
        if (r->reply.p && (!take_item(&r->reply, &probe) || probe.rkind != LIN_R_OK))
            return;
        for (int i = 1; i < argc; i += 2) {
            bool later = false;
            for (int j = i + 2; j < argc && !later; j += 2)
                later = same(&argv[i], &argv[j]);
            lin_op_t op = {.kind = LIN_SET, .arg = argv[i + 1].ptr, .arglen = argv[i + 1].len,
                           .rkind = LIN_R_OK};
            if (!later)
                add(r, &argv[i], &op);
        }
        return;
    }
    char t;
    int64_t n;
    if (r->reply.p == NULL || !take_line(&r->reply, &t, &n) || t != '*' || n != argc - 1)
        return; /* MGET: a lost reply says nothing */
    for (int i = 1; i < argc; i++) {
        lin_op_t op = {.kind = LIN_GET};
        if (!take_item(&r->reply, &op))
            return;
        bool earlier = false;
        for (int j = 1; j < i && !earlier; j++)
            earlier = same(&argv[i], &argv[j]);
        if (!earlier)
            add(r, &argv[i], &op);
    }
}

static void cut_del(rec_t *r, const kvd_arg_t *argv, int argc)
{
    if (argc == 2) {
        add_single(r, &argv[1], &(lin_op_t){.kind = LIN_DEL}, false);
        return;
    }
    lin_op_t probe = {0};
    if (r->reply.p && (!take_item(&r->reply, &probe) || probe.rkind != LIN_R_INT))
        return;
    for (int i = 1; i < argc; i++) { /* the total count is not per key */
        bool earlier = false;
        for (int j = 1; j < i && !earlier; j++)
            earlier = same(&argv[i], &argv[j]);
        if (!earlier)
            add(r, &argv[i], &(lin_op_t){.kind = LIN_DEL, .rkind = LIN_R_ANY});
    }
}

/* Commands of one key and at most two arguments after it. */
static void cut_keyed(rec_t *r, const kvd_arg_t *argv, int argc)
{
    const kvd_arg_t *cmd = &argv[0], *key = &argv[1];
    lin_op_t op = {0};
    int64_t x = 0, y = 0;
    bool read = false;
    if (arg_is(cmd, "GET") || arg_is(cmd, "STRLEN") || arg_is(cmd, "TTL") ||
        arg_is(cmd, "PTTL") || (arg_is(cmd, "EXISTS") && argc == 2)) {
        op.kind = arg_is(cmd, "GET") ? LIN_GET : arg_is(cmd, "STRLEN") ? LIN_STRLEN
                  : arg_is(cmd, "EXISTS") ? LIN_EXISTS : LIN_TTL;
        read = true;
    } else if (arg_is(cmd, "GETRANGE") && argc == 4 && arg_int(&argv[2], &x) &&
               arg_int(&argv[3], &y))
        op = (lin_op_t){.kind = LIN_GETRANGE, .a = x, .b = y}, read = true;
    else if (arg_is(cmd, "GETDEL"))
        op.kind = LIN_GETDEL;
    else if (arg_is(cmd, "PERSIST"))
        op.kind = LIN_PERSIST;
    else if (arg_is(cmd, "INCR"))
        op = (lin_op_t){.kind = LIN_INCR, .a = 1};
    else if (arg_is(cmd, "INCRBY") && argc == 3 && arg_int(&argv[2], &x))
        op = (lin_op_t){.kind = LIN_INCR, .a = x};
    else if ((arg_is(cmd, "EXPIRE") || arg_is(cmd, "PEXPIRE")) && argc == 3 &&
             arg_int(&argv[2], &x))
        op.kind = LIN_EXPIRE;
    else if (arg_is(cmd, "APPEND") && argc == 3)
        op = (lin_op_t){.kind = LIN_APPEND, .arg = argv[2].ptr, .arglen = argv[2].len};
    else if (arg_is(cmd, "SETRANGE") && argc == 4 && arg_int(&argv[2], &x) && x >= 0)
        op = (lin_op_t){.kind = LIN_SETRANGE, .a = x, .arg = argv[3].ptr, .arglen = argv[3].len};
    else
        return;
    add_single(r, key, &op, read);
}

void sim_history_record(sim_history_t *sh, int db, const kvd_arg_t *argv, int argc,
                        const char *reply, size_t rlen, uint64_t call, uint64_t ret)
{
    rec_t r = {.sh = sh, .db = db, .call = call, .ret = ret,
               .reply = {.p = reply, .len = reply ? rlen : 0}};
    if (argc == 1 && arg_is(&argv[0], "FLUSHDB")) {
        for (int rank = 0; rank < sh->nkeys; rank++) { /* every key: deleted, or absent */
            char name[32];
            int n = snprintf(name, sizeof(name), "key:%d", rank);
            kvd_arg_t key = {.ptr = name, .len = (size_t)n};
            add(&r, &key, &(lin_op_t){.kind = LIN_DEL, .rkind = LIN_R_ANY});
        }
        return;
    }
    if (argc < 2)
        return;
    if (arg_is(&argv[0], "SET")) {
        unsigned flags;
        if (argc >= 3 && set_flags(argv, argc, &flags))
            add_single(&r, &argv[1], &(lin_op_t){.kind = LIN_SET, .flags = flags,
                                                 .arg = argv[2].ptr, .arglen = argv[2].len},
                       false);
    } else if (arg_is(&argv[0], "MSET") || arg_is(&argv[0], "MGET"))
        cut_multi(&r, argv, argc, arg_is(&argv[0], "MSET"));
    else if (arg_is(&argv[0], "DEL"))
        cut_del(&r, argv, argc);
    else if (!arg_is(&argv[0], "EXISTS") || argc == 2)
        cut_keyed(&r, argv, argc);
}

/* ------------------------------------------------------------- checking */

/* Ops whose interval overlaps another op's on the same key: how much the
 * check has to untangle.  Ops are appended as their replies arrive, so
 * definite returns increase with the index. */
static int overlapping(const lin_history_t *h)
{
    int n = lin_count(h), count = 0;
    for (int i = 0; i < n; i++) {
        const lin_op_t *op = lin_get(h, i);
        bool over = false;
        for (int j = i - 1; j >= 0 && !over; j--) {
            const lin_op_t *o = lin_get(h, j);
            if (o->ret != LIN_INDEFINITE && o->ret < op->call)
                break;
            over = o->ret != LIN_INDEFINITE;
        }
        for (int j = i + 1; j < n && !over; j++) {
            const lin_op_t *o = lin_get(h, j);
            if (o->ret != LIN_INDEFINITE && o->call > op->ret)
                break;
            over = o->ret != LIN_INDEFINITE && o->call < op->ret;
        }
        count += over || op->ret == LIN_INDEFINITE;
    }
    return count;
}

bool sim_history_check(sim_history_t *sh, uint64_t max_work, sim_lin_summary_t *sum)
{
    *sum = (sim_lin_summary_t){.failed_db = -1, .failed_rank = -1};
    for (int i = 0; i < sh->ndbs * sh->nkeys; i++) {
        if (lin_count(sh->keys[i]) == 0)
            continue;
        lin_report_t rep;
        lin_verdict_t v = lin_check(sh->keys[i], max_work, &rep);
        sum->keys_checked++;
        sum->overlapping += (uint64_t)overlapping(sh->keys[i]);
        sum->work += rep.work;
        if (rep.work > sum->max_work_key)
            sum->max_work_key = rep.work;
        if (v == LIN_UNKNOWN)
            sum->unknown++;
        if (v == LIN_FAIL) {
            sum->failed_db = i / sh->nkeys, sum->failed_rank = i % sh->nkeys;
            sum->failed = rep;
            return false;
        }
    }
    return true;
}

void sim_history_dump_failure(const sim_history_t *sh, const sim_lin_summary_t *sum, FILE *out)
{
    const lin_history_t *h = sh->keys[sum->failed_db * sh->nkeys + sum->failed_rank];
    int stuck = sum->failed.stuck_op;
    fprintf(out, "db%d key:%d: %d operations, at most %d linearized; stuck before op #%d returned\n",
            sum->failed_db, sum->failed_rank, lin_count(h), sum->failed.best, stuck);
    /* Ops are stored in the order their replies came, so neighbours in
     * index are neighbours in time. */
    int lo = stuck > 15 ? stuck - 15 : 0, hi = stuck + 10;
    for (int i = lo; i < lin_count(h) && i <= hi; i++) {
        char line[256];
        lin_format_op(lin_get(h, i), line, sizeof(line));
        fprintf(out, "  %s#%d %s\n", i == stuck ? "=> " : "   ", i, line);
    }
}

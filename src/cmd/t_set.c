/*
 * t_set.c - set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER,
 * SMEMBERS, SPOP, SRANDMEMBER, SMOVE, SSCAN.  The algebra (SINTER,
 * SINTERCARD, SUNION, SDIFF and their STORE forms) is in set_ops.c; the
 * encodings in set_type.c and set_intset.c.
 *
 * Replies match Redis 7.0.15 byte for byte, including which error wins
 * when a command has several things wrong: where the order of checks is
 * visible to a client, a comment says so.  Member order is unspecified in
 * Redis except that intset sets come out ascending, as here.
 */
#include "client.h"
#include "shard.h"
#include "set_cmd.h"
#include "core/glob.h"
#include "core/util.h"
#include "aof/aof.h"
#include "proto/reply.h"

kvd_set_ctx_t kvd_set_cmd_ctx(kvd_client_t *c)
{
    int64_t max = c->shard->cfg->set_max_intset_entries;
    return (kvd_set_ctx_t){.max_intset = max < 0 ? 0 : (uint64_t)max, .env = c->shard->env};
}

int kvd_set_cmd_lookup(kvd_client_t *c, const kvd_arg_t *key, bool read, kvd_entry_t **ep,
                       kvd_set_t **sp)
{
    kvd_entry_t *e = read ? kvd_db_lookup_read(c->db, key->ptr, key->len)
                          : kvd_db_find(c->db, key->ptr, key->len);
    *ep = e;
    *sp = NULL;
    if (e == NULL)
        return 0;
    if (kvd_check_type(c, e, KVD_TYPE_SET) < 0)
        return -1;
    *sp = kvd_entry_ptr(e);
    KVD_ASSERT((*sp)->enc == kvd_entry_encoding(e));
    return 0;
}

void kvd_set_cmd_written(kvd_client_t *c, const kvd_arg_t *key, kvd_entry_t *e, kvd_set_t *s)
{
    KVD_ASSERT(kvd_entry_ptr(e) == s);
    if (kvd_set_size(s) == 0) {
        bool existed = kvd_db_delete(c->db, key->ptr, key->len);
        KVD_ASSERT(existed);
        return;
    }
    if (kvd_entry_encoding(e) != s->enc)
        kvd_entry_set_ptr(e, s->enc, s);
    kvd_db_touch(c->db, e);
    KVD_VERIFY(kvd_set_verify_invariants(s));
}

void kvd_set_cmd_store(kvd_client_t *c, const kvd_arg_t *dst, kvd_set_t *result)
{
    uint64_t n = kvd_set_size(result);
    if (n == 0) {
        kvd_set_destroy(result);
        kvd_shard_add_dirty(c->shard, kvd_db_delete(c->db, dst->ptr, dst->len));
    } else {
        KVD_VERIFY(kvd_set_verify_invariants(result));
        kvd_db_set_ptr(c->db, dst->ptr, dst->len, KVD_TYPE_SET, result->enc, result, 0);
        kvd_shard_add_dirty(c->shard, 1);
    }
    kvd_reply_int(c->reply, (int64_t)n);
}

void kvd_set_cmd_reply_member(const char *m, size_t len, void *arg)
{
    kvd_reply_bulk(arg, m, len);
}

void kvd_set_cmd_reply_all(kvd_client_t *c, const kvd_set_t *s)
{
    kvd_reply_array(c->reply, (int64_t)kvd_set_size(s));
    kvd_set_foreach(s, kvd_set_cmd_reply_member, c->reply);
}

static void sadd_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_set_t *s;
    const kvd_arg_t *key = &c->argv[1];
    if (kvd_set_cmd_lookup(c, key, false, &e, &s) < 0)
        return;
    kvd_set_ctx_t ctx = kvd_set_cmd_ctx(c);
    bool created = s == NULL;
    if (created)
        s = kvd_set_create();
    int64_t added = 0;
    for (int i = 2; i < c->argc; i++)
        added += kvd_set_add(s, &ctx, c->argv[i].ptr, c->argv[i].len);
    kvd_shard_add_dirty(c->shard, (uint64_t)added);
    if (created) {
        KVD_ASSERT(added > 0);
        KVD_VERIFY(kvd_set_verify_invariants(s));
        kvd_db_set_ptr(c->db, key->ptr, key->len, KVD_TYPE_SET, s->enc, s, 0);
    } else {
        kvd_set_cmd_written(c, key, e, s);
    }
    kvd_reply_int(c->reply, added);
}

static void srem_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], false, &e, &s) < 0)
        return;
    int64_t removed = 0;
    /* Stop once the set is empty: the key is gone, as in Redis. */
    for (int i = 2; s != NULL && i < c->argc && kvd_set_size(s) > 0; i++)
        removed += kvd_set_remove(s, c->argv[i].ptr, c->argv[i].len);
    if (s != NULL)
        kvd_set_cmd_written(c, &c->argv[1], e, s);
    kvd_shard_add_dirty(c->shard, (uint64_t)removed);
    kvd_reply_int(c->reply, removed);
}

static void scard_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], true, &e, &s) < 0)
        return;
    kvd_reply_int(c->reply, s == NULL ? 0 : (int64_t)kvd_set_size(s));
}

static void sismember_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], true, &e, &s) < 0)
        return;
    bool in = s != NULL && kvd_set_contains(s, c->argv[2].ptr, c->argv[2].len);
    kvd_reply_int(c->reply, in);
}

static void smismember_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], true, &e, &s) < 0)
        return;
    kvd_reply_array(c->reply, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        bool in = s != NULL && kvd_set_contains(s, c->argv[i].ptr, c->argv[i].len);
        kvd_reply_int(c->reply, in);
    }
}

static void smembers_command(kvd_client_t *c)
{
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], true, &e, &s) < 0)
        return;
    if (s == NULL)
        kvd_reply_array(c->reply, 0);
    else
        kvd_set_cmd_reply_all(c, s);
}

/* Reply one random member and remove it.  The member is copied first:
 * removing a hashtable member frees the bytes it points at. */
static void pop_one(kvd_client_t *c, kvd_set_t *s, kvd_buf_t *scratch, kvd_arg_t *logged)
{
    char tmp[KVD_SET_TMP];
    size_t len;
    const char *m = kvd_set_random(s, c->shard->env, tmp, &len);
    kvd_reply_bulk(c->reply, m, len);
    /* The draw is random: the AOF logs SREM of what was drawn. */
    logged->ptr = kvd_malloc(len + 1);
    memcpy(logged->ptr, m, len);
    logged->ptr[len] = '\0';
    logged->len = len;
    kvd_buf_clear(scratch);
    kvd_buf_append(scratch, m, len);
    bool removed = kvd_set_remove(s, scratch->data, len);
    KVD_ASSERT(removed);
    kvd_shard_add_dirty(c->shard, 1);
}

/* SPOP key count: the count is checked before the key (so a bad count wins over WRONGTYPE). */
static void spop_count(kvd_client_t *c)
{
    int64_t count;
    if (kvd_arg_ll_range(c, &c->argv[2], 0, INT64_MAX, &count,
                         "value is out of range, must be positive") < 0)
        return;
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], false, &e, &s) < 0)
        return;
    if (s == NULL || count == 0) {
        kvd_reply_array(c->reply, 0);
        return;
    }
    uint64_t size = kvd_set_size(s);
    if ((uint64_t)count >= size) {
        kvd_set_cmd_reply_all(c, s);
        kvd_db_delete(c->db, c->argv[1].ptr, c->argv[1].len);
        kvd_propagate_key(c, "DEL", &c->argv[1]);
        kvd_shard_add_dirty(c->shard, size);
        return;
    }
    kvd_reply_array(c->reply, count);
    kvd_buf_t scratch = KVD_BUF_INIT;
    kvd_arg_t *logged = kvd_calloc((size_t)count + 2, sizeof(*logged));
    for (int64_t i = 0; i < count; i++)
        pop_one(c, s, &scratch, &logged[i + 2]);
    kvd_buf_free(&scratch);
    logged[0] = (kvd_arg_t){(char *)"SREM", 4};
    logged[1] = c->argv[1];
    kvd_propagate_as(c, (int)count + 2, logged);
    for (int64_t i = 0; i < count; i++)
        kvd_free(logged[i + 2].ptr);
    kvd_free(logged);
    KVD_ASSERT(kvd_set_size(s) == size - (uint64_t)count);
    kvd_set_cmd_written(c, &c->argv[1], e, s);
}

static void spop_command(kvd_client_t *c)
{
    if (c->argc > 3) {
        kvd_reply_syntax_error(c);
        return;
    }
    if (c->argc == 3) {
        spop_count(c);
        return;
    }
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], false, &e, &s) < 0)
        return;
    if (s == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    kvd_buf_t scratch = KVD_BUF_INIT;
    kvd_arg_t logged[3] = {{(char *)"SREM", 4}, c->argv[1], {NULL, 0}};
    pop_one(c, s, &scratch, &logged[2]);
    kvd_buf_free(&scratch);
    kvd_propagate_as(c, 3, logged);
    kvd_free(logged[2].ptr);
    kvd_set_cmd_written(c, &c->argv[1], e, s);
}

/*
 * count distinct random members, count < size: a partial Fisher-Yates
 * shuffle over views of every member.  O(size) rather than Redis's
 * O(count) for small counts, but uniform and with a fixed bound.
 */
static void srandmember_distinct(kvd_client_t *c, const kvd_set_t *s, uint64_t count)
{
    uint64_t size = kvd_set_size(s);
    KVD_ASSERT(count < size);
    kvd_set_view_t *v = kvd_calloc(size, sizeof(*v));
    char *ints = NULL;
    if (s->enc == KVD_ENC_INTSET)
        ints = kvd_calloc(size, KVD_SET_TMP);
    kvd_set_views(s, v, ints);
    kvd_reply_array(c->reply, (int64_t)count);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t j = i + kvd_env_random_below(c->shard->env, size - i);
        kvd_set_view_t t = v[i];
        v[i] = v[j];
        v[j] = t;
        kvd_reply_bulk(c->reply, v[i].p, v[i].len);
    }
    kvd_free(ints);
    kvd_free(v);
}

/* Redis's range for the count is symmetric, so -count never overflows. */
static void srandmember_count(kvd_client_t *c)
{
    int64_t count;
    if (kvd_arg_ll(c, &c->argv[2], &count) < 0)
        return;
    if (count == INT64_MIN) {
        kvd_reply_error(c->reply, "ERR value is out of range, value must between "
                                  "-9223372036854775807 and 9223372036854775807");
        return;
    }
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], true, &e, &s) < 0)
        return;
    if (s == NULL || count == 0) {
        kvd_reply_array(c->reply, 0);
        return;
    }
    if (count < 0) {
        /* Negative: -count picks, repeats allowed. */
        kvd_reply_array(c->reply, -count);
        char tmp[KVD_SET_TMP];
        for (int64_t i = 0; i < -count; i++) {
            size_t len;
            const char *m = kvd_set_random(s, c->shard->env, tmp, &len);
            kvd_reply_bulk(c->reply, m, len);
        }
        return;
    }
    if ((uint64_t)count >= kvd_set_size(s))
        kvd_set_cmd_reply_all(c, s);
    else
        srandmember_distinct(c, s, (uint64_t)count);
}

static void srandmember_command(kvd_client_t *c)
{
    if (c->argc > 3) {
        kvd_reply_syntax_error(c);
        return;
    }
    if (c->argc == 3) {
        srandmember_count(c);
        return;
    }
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], true, &e, &s) < 0)
        return;
    if (s == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    char tmp[KVD_SET_TMP];
    size_t len;
    const char *m = kvd_set_random(s, c->shard->env, tmp, &len);
    kvd_reply_bulk(c->reply, m, len);
}

/* SMOVE src dst member.  A missing source wins over a wrong-typed destination (:0). */
static void smove_command(kvd_client_t *c)
{
    const kvd_arg_t *src = &c->argv[1], *dst = &c->argv[2], *m = &c->argv[3];
    kvd_entry_t *se = kvd_db_find(c->db, src->ptr, src->len);
    if (se == NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    kvd_entry_t *de;
    kvd_set_t *ss, *ds;
    if (kvd_set_cmd_lookup(c, src, false, &se, &ss) < 0 ||
        kvd_set_cmd_lookup(c, dst, false, &de, &ds) < 0)
        return;
    KVD_ASSERT(ss != NULL);
    if (ss == ds) {
        kvd_reply_int(c->reply, kvd_set_contains(ss, m->ptr, m->len));
        return;
    }
    if (!kvd_set_remove(ss, m->ptr, m->len)) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    /* The source may be deleted here, which moves no other entry. */
    kvd_set_cmd_written(c, src, se, ss);
    kvd_set_ctx_t ctx = kvd_set_cmd_ctx(c);
    bool added;
    if (ds == NULL) {
        ds = kvd_set_create();
        added = kvd_set_add(ds, &ctx, m->ptr, m->len);
        kvd_db_set_ptr(c->db, dst->ptr, dst->len, KVD_TYPE_SET, ds->enc, ds, 0);
    } else {
        /* Deleting the source named only its key, so de is still valid (db.h). */
        KVD_ASSERT(kvd_entry_ptr(de) == ds);
        added = kvd_set_add(ds, &ctx, m->ptr, m->len);
        kvd_set_cmd_written(c, dst, de, ds);
    }
    /* Redis counts the removal and, separately, the addition, and signals
     * the destination only when the member was added. */
    kvd_shard_add_dirty(c->shard, 1 + (uint64_t)added);
    if (!added)
        c->untouched_keys |= 1u << 1;
    kvd_reply_int(c->reply, 1);
}

/* SSCAN's cursor, parsed like strtoul as Redis does: a sign is allowed
 * ('-' wraps modulo 2^64), leading spaces and overflow are not. */
static bool parse_cursor(const kvd_arg_t *a, uint64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (a->len > 0 && (a->ptr[0] == '+' || a->ptr[0] == '-'))
        neg = a->ptr[i++] == '-';
    else if (a->len == 0) {
        *out = 0;
        return true;
    }
    if (i == a->len)
        return false;
    uint64_t v = 0;
    for (; i < a->len; i++) {
        char ch = a->ptr[i];
        if (ch < '0' || ch > '9' || __builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(ch - '0'), &v))
            return false;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return true;
}

typedef struct scan_ctx {
    const kvd_arg_t *pattern; /* NULL: everything */
    kvd_buf_t out;            /* encoded bulk replies of the matches */
    int64_t seen;             /* members visited, matching or not (COUNT counts these) */
    int64_t matched;
} scan_ctx_t;

static void scan_visit(const char *m, size_t len, void *arg)
{
    scan_ctx_t *k = arg;
    k->seen++;
    if (k->pattern != NULL &&
        !kvd_glob_match(k->pattern->ptr, k->pattern->len, m, len, false))
        return;
    k->matched++;
    kvd_reply_bulk(&k->out, m, len);
}

/* SSCAN's options, parsed after the key lookup as in Redis. */
static int sscan_parse(kvd_client_t *c, scan_ctx_t *k, int64_t *count)
{
    *count = 10;
    for (int i = 3; i < c->argc; i += 2) {
        bool has_value = i + 1 < c->argc;
        if (has_value && kvd_arg_is(&c->argv[i], "count")) {
            if (kvd_arg_ll(c, &c->argv[i + 1], count) < 0)
                return -1;
            if (*count < 1) {
                kvd_reply_syntax_error(c);
                return -1;
            }
        } else if (has_value && kvd_arg_is(&c->argv[i], "match")) {
            const kvd_arg_t *p = &c->argv[i + 1];
            k->pattern = p->len == 1 && p->ptr[0] == '*' ? NULL : p;
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

/* An intset is returned whole with cursor 0; a hashtable is walked bucket
 * by bucket until COUNT members or 10 * COUNT steps, as Redis does. */
static void sscan_command(kvd_client_t *c)
{
    uint64_t cursor;
    if (!parse_cursor(&c->argv[2], &cursor)) {
        kvd_reply_error(c->reply, "ERR invalid cursor");
        return;
    }
    kvd_entry_t *e;
    kvd_set_t *s;
    if (kvd_set_cmd_lookup(c, &c->argv[1], true, &e, &s) < 0)
        return;
    if (s == NULL) {
        kvd_reply_raw(c->reply, "*2\r\n$1\r\n0\r\n*0\r\n", 15);
        return;
    }
    scan_ctx_t k = {.out = KVD_BUF_INIT};
    int64_t count;
    if (sscan_parse(c, &k, &count) < 0)
        return;
    if (s->enc == KVD_ENC_INTSET) {
        kvd_set_foreach(s, scan_visit, &k);
        cursor = 0;
    } else {
        int64_t steps = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
        do {
            cursor = kvd_set_scan(s, cursor, scan_visit, &k);
        } while (cursor != 0 && --steps > 0 && k.seen < count);
    }
    char text[24];
    int tlen = snprintf(text, sizeof(text), "%llu", (unsigned long long)cursor);
    KVD_ASSERT(tlen > 0 && (size_t)tlen < sizeof(text));
    kvd_reply_array(c->reply, 2);
    kvd_reply_bulk(c->reply, text, (size_t)tlen);
    kvd_reply_array(c->reply, k.matched);
    kvd_reply_raw(c->reply, k.out.data, k.out.len);
    kvd_buf_free(&k.out);
}

#define SET_READ (KVD_ACL_READ | KVD_ACL_SET)
#define SET_WRITE (KVD_ACL_WRITE | KVD_ACL_SET)
#define ONE_KEY .first_key = 1, .last_key = 1, .key_step = 1
#define ALL_KEYS .first_key = 1, .last_key = -1, .key_step = 1
#define DOC(sum, ver, cx) .summary = sum, .since = ver, .group = "set", .complexity = cx
#define INTER_CX                                                                                   \
    "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "     \
    "sets."
#define UNION_CX "O(N) where N is the total number of elements in all given sets."

static kvd_command_t set_commands[] = {
    {.name = "sadd", .proc = sadd_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, .acl = SET_WRITE | KVD_ACL_FAST,
     ONE_KEY,
     DOC("Add one or more members to a set", "1.0.0",
         "O(1) for each element added, so O(N) to add N elements when the command is called "
         "with multiple arguments.")},
    {.name = "srem", .proc = srem_command, .arity = -3, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = SET_WRITE | KVD_ACL_FAST, ONE_KEY,
     DOC("Remove one or more members from a set", "1.0.0",
         "O(N) where N is the number of members to be removed.")},
    {.name = "scard", .proc = scard_command, .arity = 2, .flags = KVD_CMD_READONLY | KVD_CMD_FAST,
     .acl = SET_READ | KVD_ACL_FAST, ONE_KEY,
     DOC("Get the number of members in a set", "1.0.0", "O(1)")},
    {.name = "sismember", .proc = sismember_command, .arity = 3,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = SET_READ | KVD_ACL_FAST, ONE_KEY,
     DOC("Determine if a given value is a member of a set", "1.0.0", "O(1)")},
    {.name = "smismember", .proc = smismember_command, .arity = -3,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = SET_READ | KVD_ACL_FAST, ONE_KEY,
     DOC("Returns the membership associated with the given elements for a set", "6.2.0",
         "O(N) where N is the number of elements being checked for membership")},
    {.name = "smembers", .proc = smembers_command, .arity = 2, .flags = KVD_CMD_READONLY,
     .acl = SET_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Get all the members in a set", "1.0.0", "O(N) where N is the set cardinality.")},
    {.name = "spop", .proc = spop_command, .arity = -2, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = SET_WRITE | KVD_ACL_FAST, ONE_KEY,
     DOC("Remove and return one or multiple random members from a set", "1.0.0",
         "Without the count argument O(1), otherwise O(N) where N is the value of the passed "
         "count.")},
    {.name = "srandmember", .proc = srandmember_command, .arity = -2, .flags = KVD_CMD_READONLY,
     .acl = SET_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Get one or multiple random members from a set", "1.0.0",
         "Without the count argument O(1), otherwise O(N) where N is the absolute value of the "
         "passed count.")},
    {.name = "smove", .proc = smove_command, .arity = 4, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = SET_WRITE | KVD_ACL_FAST, .first_key = 1, .last_key = 2, .key_step = 1,
     DOC("Move a member from one set to another", "1.0.0", "O(1)")},
    {.name = "sinter", .proc = kvd_sinter_command, .arity = -2, .flags = KVD_CMD_READONLY,
     .acl = SET_READ | KVD_ACL_SLOW, ALL_KEYS, DOC("Intersect multiple sets", "1.0.0", INTER_CX)},
    {.name = "sintercard", .proc = kvd_sintercard_command, .arity = -3,
     .flags = KVD_CMD_READONLY | KVD_CMD_MOVABLE_KEYS, .acl = SET_READ | KVD_ACL_SLOW,
     .getkeys = kvd_sintercard_getkeys,
     DOC("Intersect multiple sets and return the cardinality of the result", "7.0.0", INTER_CX)},
    {.name = "sinterstore", .proc = kvd_sinterstore_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = SET_WRITE | KVD_ACL_SLOW, ALL_KEYS,
     DOC("Intersect multiple sets and store the resulting set in a key", "1.0.0", INTER_CX)},
    {.name = "sunion", .proc = kvd_sunion_command, .arity = -2, .flags = KVD_CMD_READONLY,
     .acl = SET_READ | KVD_ACL_SLOW, ALL_KEYS, DOC("Add multiple sets", "1.0.0", UNION_CX)},
    {.name = "sunionstore", .proc = kvd_sunionstore_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = SET_WRITE | KVD_ACL_SLOW, ALL_KEYS,
     DOC("Add multiple sets and store the resulting set in a key", "1.0.0", UNION_CX)},
    {.name = "sdiff", .proc = kvd_sdiff_command, .arity = -2, .flags = KVD_CMD_READONLY,
     .acl = SET_READ | KVD_ACL_SLOW, ALL_KEYS, DOC("Subtract multiple sets", "1.0.0", UNION_CX)},
    {.name = "sdiffstore", .proc = kvd_sdiffstore_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = SET_WRITE | KVD_ACL_SLOW, ALL_KEYS,
     DOC("Subtract multiple sets and store the resulting set in a key", "1.0.0", UNION_CX)},
    {.name = "sscan", .proc = sscan_command, .arity = -3, .flags = KVD_CMD_READONLY,
     .acl = SET_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Incrementally iterate Set elements", "2.8.0",
         "O(1) for every call. O(N) for a complete iteration, including enough command calls "
         "for the cursor to return back to 0. N is the number of elements inside the "
         "collection..")},
    {.name = NULL},
};

void kvd_register_set_commands(void)
{
    kvd_db_register_free(KVD_TYPE_SET, kvd_set_free_value);
    kvd_db_register_dup(KVD_TYPE_SET, kvd_set_dup_value);
    kvd_command_register(set_commands);
}

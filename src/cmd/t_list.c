/*
 * t_list.c - list commands: pushes, pops (with COUNT, LMPOP, LMOVE),
 * LLEN, LRANGE, LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS.  The value is
 * a kvd_qlist_t (list_quick.h); OBJECT ENCODING says "quicklist" for
 * every list, as Redis 7.0 does.
 *
 * Replies match Redis 7.0.15 byte for byte, including the order of the
 * checks where a client can see it (for example LSET looks the key up
 * before parsing the index, LRANGE parses before looking up).  An empty
 * list is never stored: the command that empties it deletes the key.
 *
 * The blocking variants are registered but refuse with an error until
 * blocking lands, rather than answering as if nothing could arrive.
 */
#include "client.h"
#include "blocking.h"
#include "list_quick.h"
#include "multi.h"
#include "shard.h"
#include "proto/reply.h"

#define POSITIVE_MSG "value is out of range, must be positive"

/* The list under key, NULL when absent; *bad set (and WRONGTYPE replied)
 * for another type.  Reads count hits and misses; writes touch the key. */
static kvd_qlist_t *list_lookup(kvd_client_t *c, const kvd_arg_t *key, bool write, bool *bad)
{
    *bad = false;
    kvd_entry_t *e = write ? kvd_db_find(c->db, key->ptr, key->len)
                           : kvd_db_lookup_read(c->db, key->ptr, key->len);
    if (e == NULL)
        return NULL;
    if (kvd_check_type(c, e, KVD_TYPE_LIST) < 0) {
        *bad = true;
        return NULL;
    }
    if (write)
        kvd_db_touch(c->db, e);
    return kvd_entry_ptr(e);
}

/* A list a (blocking) pop takes from.  When a blocked command is re-run
 * (blocking.h), a key of another type counts as empty: Redis leaves such
 * a client blocked rather than failing it. */
static kvd_qlist_t *list_lookup_source(kvd_client_t *c, const kvd_arg_t *key, bool *bad)
{
    if (c->flags & KVD_CLIENT_RETRYING) {
        *bad = false;
        kvd_entry_t *e = kvd_db_find(c->db, key->ptr, key->len);
        if (e == NULL || kvd_entry_type(e) != KVD_TYPE_LIST)
            return NULL;
    }
    return list_lookup(c, key, true, bad);
}

/* Next element of a walk whose length was checked beforehand. */
static void iter_must_next(kvd_qlist_iter_t *it, const char **p, size_t *n)
{
    bool more = kvd_qlist_iter_next(it, p, n);
    KVD_ASSERT(more);
}

static kvd_qlist_t *list_create(kvd_client_t *c, const kvd_arg_t *key)
{
    kvd_qlist_t *ql = kvd_qlist_new(c->shard->cfg->list_max_listpack_size);
    kvd_db_set_ptr(c->db, key->ptr, key->len, KVD_TYPE_LIST, KVD_ENC_QUICKLIST, ql, 0);
    return ql;
}

/* Call after every mutation: checks the structure, drops an emptied key. */
static void list_written(kvd_client_t *c, const kvd_arg_t *key, kvd_qlist_t *ql)
{
    KVD_VERIFY(kvd_qlist_verify_invariants(ql));
    if (kvd_qlist_len(ql) == 0)
        kvd_db_delete(c->db, key->ptr, key->len);
}

static void push_generic(kvd_client_t *c, bool head, bool only_existing)
{
    const kvd_arg_t *key = &c->argv[1];
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, key, true, &bad);
    if (bad)
        return;
    if (ql == NULL) {
        if (only_existing) {
            kvd_reply_int(c->reply, 0);
            return;
        }
        ql = list_create(c, key);
    }
    for (int i = 2; i < c->argc; i++)
        kvd_qlist_push(ql, head, c->argv[i].ptr, c->argv[i].len);
    kvd_shard_add_dirty(c->shard, (uint64_t)(c->argc - 2));
    list_written(c, key, ql);
    kvd_reply_int(c->reply, (int64_t)kvd_qlist_len(ql));
}

static void lpush_command(kvd_client_t *c)
{
    push_generic(c, true, false);
}

static void rpush_command(kvd_client_t *c)
{
    push_generic(c, false, false);
}

static void lpushx_command(kvd_client_t *c)
{
    push_generic(c, true, true);
}

static void rpushx_command(kvd_client_t *c)
{
    push_generic(c, false, true);
}

/* Reply up to count elements popped from one end (as bulks, no header). */
static void pop_and_reply(kvd_client_t *c, kvd_qlist_t *ql, bool head, uint64_t count)
{
    KVD_ASSERT(count <= kvd_qlist_len(ql));
    kvd_qlist_iter_t it;
    for (uint64_t i = 0; i < count; i++) {
        const char *p;
        size_t n;
        kvd_qlist_iter_at(ql, &it, head ? 0 : kvd_qlist_len(ql) - 1, head);
        iter_must_next(&it, &p, &n);
        kvd_reply_bulk(c->reply, p, n);
        kvd_qlist_iter_delete(&it);
    }
    kvd_shard_add_dirty(c->shard, count);
}

/* LPOP/RPOP key [count]: nil without count, a null array with count when
 * the key is missing; an empty array for count 0 on an existing list. */
static void pop_generic(kvd_client_t *c, bool head)
{
    const kvd_arg_t *key = &c->argv[1];
    /* The row says "at least 2" (COMMAND INFO shows -2); more than one count is an arity error. */
    if (c->argc > 3) {
        kvd_reply_arity(c);
        return;
    }
    bool has_count = c->argc == 3;
    int64_t count = 1;
    if (has_count && kvd_arg_ll_range(c, &c->argv[2], 0, INT64_MAX, &count, POSITIVE_MSG) < 0)
        return;
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, key, true, &bad);
    if (bad)
        return;
    if (ql == NULL) {
        if (has_count)
            kvd_reply_null_array(c->reply);
        else
            kvd_reply_null(c->reply);
        return;
    }
    uint64_t len = kvd_qlist_len(ql);
    uint64_t n = (uint64_t)count < len ? (uint64_t)count : len;
    if (has_count)
        kvd_reply_array(c->reply, (int64_t)n);
    pop_and_reply(c, ql, head, n);
    list_written(c, key, ql);
}

static void lpop_command(kvd_client_t *c)
{
    pop_generic(c, true);
}

static void rpop_command(kvd_client_t *c)
{
    pop_generic(c, false);
}

static void llen_command(kvd_client_t *c)
{
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, &c->argv[1], false, &bad);
    if (!bad)
        kvd_reply_int(c->reply, ql ? (int64_t)kvd_qlist_len(ql) : 0);
}

/*
 * Clamp [start, end] (negative = from the end) to the list; false when
 * the range is empty.  Arithmetic stays in int64: len <= INT64_MAX.
 */
static bool clamp_range(int64_t start, int64_t end, uint64_t len, uint64_t *from, uint64_t *to)
{
    KVD_ASSERT(len <= INT64_MAX);
    int64_t l = (int64_t)len;
    if (start < 0)
        start += l;
    if (end < 0)
        end += l;
    if (start < 0)
        start = 0;
    if (start > end || start >= l)
        return false;
    if (end >= l)
        end = l - 1;
    *from = (uint64_t)start;
    *to = (uint64_t)end;
    return true;
}

static void lrange_command(kvd_client_t *c)
{
    int64_t start, end;
    if (kvd_arg_ll(c, &c->argv[2], &start) < 0 || kvd_arg_ll(c, &c->argv[3], &end) < 0)
        return;
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    uint64_t from, to;
    if (ql == NULL || !clamp_range(start, end, kvd_qlist_len(ql), &from, &to)) {
        kvd_reply_array(c->reply, 0);
        return;
    }
    kvd_reply_array(c->reply, (int64_t)(to - from + 1));
    kvd_qlist_iter_t it;
    kvd_qlist_iter_at(ql, &it, from, true);
    for (uint64_t i = from; i <= to; i++) {
        const char *p;
        size_t n;
        iter_must_next(&it, &p, &n);
        kvd_reply_bulk(c->reply, p, n);
    }
}

/* Resolve a possibly negative index; false when out of range. */
static bool resolve_index(int64_t index, uint64_t len, uint64_t *out)
{
    KVD_ASSERT(len <= INT64_MAX);
    if (index < 0)
        index += (int64_t)len;
    if (index < 0 || (uint64_t)index >= len)
        return false;
    *out = (uint64_t)index;
    return true;
}

/* LINDEX looks the key up before parsing the index (a missing key is nil). */
static void lindex_command(kvd_client_t *c)
{
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    if (ql == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    int64_t index;
    if (kvd_arg_ll(c, &c->argv[2], &index) < 0)
        return;
    uint64_t at;
    if (!resolve_index(index, kvd_qlist_len(ql), &at)) {
        kvd_reply_null(c->reply);
        return;
    }
    kvd_qlist_iter_t it;
    const char *p;
    size_t n;
    kvd_qlist_iter_at(ql, &it, at, true);
    iter_must_next(&it, &p, &n);
    kvd_reply_bulk(c->reply, p, n);
}

static void lset_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1], *val = &c->argv[3];
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, key, true, &bad);
    if (bad)
        return;
    if (ql == NULL) {
        kvd_reply_error(c->reply, "ERR no such key");
        return;
    }
    int64_t index;
    if (kvd_arg_ll(c, &c->argv[2], &index) < 0)
        return;
    uint64_t at;
    if (!resolve_index(index, kvd_qlist_len(ql), &at)) {
        kvd_reply_error(c->reply, "ERR index out of range");
        return;
    }
    kvd_qlist_iter_t it;
    const char *p;
    size_t n;
    kvd_qlist_iter_at(ql, &it, at, true);
    iter_must_next(&it, &p, &n);
    kvd_qlist_iter_replace(&it, val->ptr, val->len);
    kvd_shard_add_dirty(c->shard, 1);
    list_written(c, key, ql);
    kvd_reply_ok(c->reply);
}

static bool arg_eq(const kvd_arg_t *a, const char *p, size_t n)
{
    return a->len == n && (n == 0 || memcmp(a->ptr, p, n) == 0);
}

/* LINSERT key BEFORE|AFTER pivot element: :len, :-1 without the pivot, :0 without the key. */
static void linsert_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1];
    bool after = kvd_arg_is(&c->argv[2], "after");
    if (!after && !kvd_arg_is(&c->argv[2], "before")) {
        kvd_reply_syntax_error(c);
        return;
    }
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, key, true, &bad);
    if (bad)
        return;
    if (ql == NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    kvd_qlist_iter_t it;
    const char *p;
    size_t n;
    uint64_t len = kvd_qlist_len(ql);
    kvd_qlist_iter_at(ql, &it, 0, true);
    for (uint64_t i = 0; i < len && kvd_qlist_iter_next(&it, &p, &n); i++) {
        if (arg_eq(&c->argv[3], p, n)) {
            kvd_qlist_iter_insert(&it, after, c->argv[4].ptr, c->argv[4].len);
            kvd_shard_add_dirty(c->shard, 1);
            list_written(c, key, ql);
            kvd_reply_int(c->reply, (int64_t)kvd_qlist_len(ql));
            return;
        }
    }
    kvd_reply_int(c->reply, -1);
}

/* LREM key count element: count > 0 from the head, < 0 from the tail, 0 all. */
static void lrem_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1], *elem = &c->argv[3];
    int64_t count;
    if (kvd_arg_ll(c, &c->argv[2], &count) < 0)
        return;
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, key, true, &bad);
    if (bad)
        return;
    if (ql == NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    /* -(count + 1) + 1 avoids negating INT64_MIN. */
    uint64_t limit = count == 0 ? UINT64_MAX
                     : count > 0 ? (uint64_t)count
                                 : (uint64_t)(-(count + 1)) + 1;
    uint64_t len = kvd_qlist_len(ql), removed = 0;
    kvd_qlist_iter_t it;
    const char *p;
    size_t n;
    kvd_qlist_iter_at(ql, &it, count >= 0 ? 0 : len - 1, count >= 0);
    for (uint64_t i = 0; i < len && removed < limit && kvd_qlist_iter_next(&it, &p, &n); i++) {
        if (arg_eq(elem, p, n)) {
            kvd_qlist_iter_delete(&it);
            removed++;
        }
    }
    kvd_shard_add_dirty(c->shard, removed);
    if (removed > 0)
        list_written(c, key, ql);
    kvd_reply_int(c->reply, (int64_t)removed);
}

static void ltrim_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1];
    int64_t start, end;
    if (kvd_arg_ll(c, &c->argv[2], &start) < 0 || kvd_arg_ll(c, &c->argv[3], &end) < 0)
        return;
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, key, true, &bad);
    if (bad)
        return;
    if (ql != NULL) {
        uint64_t len = kvd_qlist_len(ql), from, to;
        if (clamp_range(start, end, len, &from, &to)) {
            kvd_qlist_delete_range(ql, to + 1, len - to - 1);
            kvd_qlist_delete_range(ql, 0, from);
        } else {
            kvd_qlist_delete_range(ql, 0, len);
        }
        uint64_t removed = len - kvd_qlist_len(ql);
        kvd_shard_add_dirty(c->shard, removed);
        list_written(c, key, ql);
        /* Redis signals the key even when nothing was trimmed (WATCH sees
         * it); with no change the dispatch's after-write touch does not run. */
        if (removed == 0)
            kvd_watch_touch_key(c->shard, c->db_index, key->ptr, key->len);
    }
    kvd_reply_ok(c->reply);
}

typedef struct lpos_opts {
    int64_t rank;     /* 1 = first match from the head, -1 = first from the tail */
    int64_t count;    /* -1 when COUNT was not given; 0 = every match */
    int64_t maxlen;   /* elements to compare at most; 0 = no bound */
} lpos_opts_t;

/* LPOS options are all checked before the key is looked up. */
static int parse_lpos(kvd_client_t *c, lpos_opts_t *o)
{
    *o = (lpos_opts_t){.rank = 1, .count = -1, .maxlen = 0};
    for (int i = 3; i < c->argc; i += 2) {
        const kvd_arg_t *opt = &c->argv[i], *val = &c->argv[i + 1];
        bool more = i + 1 < c->argc;
        if (more && kvd_arg_is(opt, "rank")) {
            if (kvd_arg_ll(c, val, &o->rank) < 0)
                return -1;
            if (o->rank == 0) {
                kvd_reply_error(c->reply,
                                "ERR RANK can't be zero: use 1 to start from the first match, "
                                "2 from the second ... or use negative to start from the end "
                                "of the list");
                return -1;
            }
        } else if (more && kvd_arg_is(opt, "count")) {
            if (kvd_arg_ll_range(c, val, 0, INT64_MAX, &o->count, "COUNT can't be negative") < 0)
                return -1;
        } else if (more && kvd_arg_is(opt, "maxlen")) {
            if (kvd_arg_ll_range(c, val, 0, INT64_MAX, &o->maxlen, "MAXLEN can't be negative") < 0)
                return -1;
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

/*
 * Walk from the end the rank's sign names, skipping |rank| - 1 matches.
 * Redis 7.0.15 negates RANK without a range check, so RANK
 * -9223372036854775808 stays negative there and takes the first match
 * from the tail; so does it here.
 */
static void lpos_command(kvd_client_t *c)
{
    lpos_opts_t o;
    if (parse_lpos(c, &o) < 0)
        return;
    bool bad;
    kvd_qlist_t *ql = list_lookup(c, &c->argv[1], false, &bad);
    if (bad)
        return;
    if (ql == NULL) {
        if (o.count >= 0)
            kvd_reply_array(c->reply, 0);
        else
            kvd_reply_null(c->reply);
        return;
    }
    bool forward = o.rank > 0;
    uint64_t skip = o.rank == INT64_MIN ? 0 : (uint64_t)(forward ? o.rank : -o.rank) - 1;
    uint64_t want = o.count < 0 ? 1 : o.count == 0 ? UINT64_MAX : (uint64_t)o.count;
    uint64_t len = kvd_qlist_len(ql), seen = 0, found = 0;
    uint64_t scan = o.maxlen == 0 || (uint64_t)o.maxlen > len ? len : (uint64_t)o.maxlen;
    size_t mark = o.count >= 0 ? kvd_reply_defer(c->reply) : 0;
    kvd_qlist_iter_t it;
    const char *p;
    size_t n;
    kvd_qlist_iter_at(ql, &it, forward ? 0 : len - 1, forward);
    for (uint64_t i = 0; i < scan && found < want && kvd_qlist_iter_next(&it, &p, &n); i++) {
        if (!arg_eq(&c->argv[2], p, n) || seen++ < skip)
            continue;
        found++;
        kvd_reply_int(c->reply, (int64_t)(forward ? i : len - 1 - i));
    }
    if (o.count >= 0)
        kvd_reply_set_array_len(c->reply, mark, (int64_t)found);
    else if (found == 0)
        kvd_reply_null(c->reply);
}

/* LEFT or RIGHT into *head; false (syntax error replied) otherwise. */
static bool parse_end(kvd_client_t *c, const kvd_arg_t *a, bool *head)
{
    *head = kvd_arg_is(a, "left");
    if (*head || kvd_arg_is(a, "right"))
        return true;
    kvd_reply_syntax_error(c);
    return false;
}

/*
 * Pop from src at one end, push to dst at one end, reply the element.
 * A missing src answers nil before dst's type is looked at; dst's type is
 * checked before anything moves.  src == dst rotates the list.
 */
/* LMOVE and its blocking forms; deadline < 0 for the non-blocking ones. */
static void lmove_generic(kvd_client_t *c, const kvd_arg_t *src, const kvd_arg_t *dst,
                          bool from_head, bool to_head, int64_t deadline)
{
    bool bad;
    kvd_qlist_t *sql = list_lookup_source(c, src, &bad);
    if (bad)
        return;
    if (sql == NULL) {
        if (deadline >= 0 && kvd_blocking_allowed(c)) {
            int keys[1] = {(int)(src - c->argv)};
            kvd_block_client(c, keys, 1, deadline, KVD_BLOCK_TIMEOUT_NULL_BULK);
        } else {
            kvd_reply_null(c->reply);
        }
        return;
    }
    kvd_qlist_t *dql = list_lookup(c, dst, true, &bad);
    if (bad)
        return;
    kvd_qlist_iter_t it;
    const char *p;
    size_t n;
    kvd_qlist_iter_at(sql, &it, from_head ? 0 : kvd_qlist_len(sql) - 1, from_head);
    iter_must_next(&it, &p, &n);
    kvd_reply_bulk(c->reply, p, n);
    char *copy = kvd_memdup(p, n);
    kvd_qlist_iter_delete(&it);
    if (dql == NULL)
        dql = list_create(c, dst);
    kvd_qlist_push(dql, to_head, copy, n);
    kvd_free(copy);
    kvd_shard_add_dirty(c->shard, 1);
    list_written(c, dst, dql);
    list_written(c, src, sql);
}

static void lmove_command(kvd_client_t *c)
{
    bool from_head, to_head;
    if (parse_end(c, &c->argv[3], &from_head) && parse_end(c, &c->argv[4], &to_head))
        lmove_generic(c, &c->argv[1], &c->argv[2], from_head, to_head, -1);
}

static void rpoplpush_command(kvd_client_t *c)
{
    lmove_generic(c, &c->argv[1], &c->argv[2], false, true, -1);
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout. */
static void blmove_command(kvd_client_t *c)
{
    bool from_head, to_head;
    int64_t deadline;
    if (parse_end(c, &c->argv[3], &from_head) && parse_end(c, &c->argv[4], &to_head) &&
        kvd_blocking_parse_timeout(c, &c->argv[5], &deadline) == 0)
        lmove_generic(c, &c->argv[1], &c->argv[2], from_head, to_head, deadline);
}

static void brpoplpush_command(kvd_client_t *c)
{
    int64_t deadline;
    if (kvd_blocking_parse_timeout(c, &c->argv[3], &deadline) == 0)
        lmove_generic(c, &c->argv[1], &c->argv[2], false, true, deadline);
}

/* BLPOP/BRPOP key [key ...] timeout: [key, element] from the first
 * non-empty list, or block on all of them. */
static void bpop_generic(kvd_client_t *c, bool head)
{
    int64_t deadline;
    if (kvd_blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline) < 0)
        return;
    int nkeys = c->argc - 2;
    for (int k = 1; k <= nkeys; k++) {
        bool bad;
        kvd_qlist_t *ql = list_lookup_source(c, &c->argv[k], &bad);
        if (bad)
            return;
        if (ql == NULL)
            continue;
        kvd_reply_array(c->reply, 2);
        kvd_reply_bulk(c->reply, c->argv[k].ptr, c->argv[k].len);
        pop_and_reply(c, ql, head, 1);
        list_written(c, &c->argv[k], ql);
        return;
    }
    if (!kvd_blocking_allowed(c)) {
        kvd_reply_null_array(c->reply);
        return;
    }
    int *keys = kvd_calloc((size_t)nkeys, sizeof(*keys));
    for (int k = 0; k < nkeys; k++)
        keys[k] = k + 1;
    kvd_block_client(c, keys, nkeys, deadline, KVD_BLOCK_TIMEOUT_NULL_ARRAY);
    kvd_free(keys);
}

static void blpop_command(kvd_client_t *c)
{
    bpop_generic(c, true);
}

static void brpop_command(kvd_client_t *c)
{
    bpop_generic(c, false);
}

/* Parse LMPOP's "numkeys key... LEFT|RIGHT [COUNT n]" with numkeys at
 * argv[first]: the keys' span, the end and the count.  -1 after replying. */
static int parse_mpop(kvd_client_t *c, int first, int *nkeys, bool *head, int64_t *count)
{
    int64_t numkeys;
    *count = 1;
    if (kvd_arg_ll_range(c, &c->argv[first], 1, INT64_MAX, &numkeys,
                         "numkeys should be greater than 0") < 0)
        return -1;
    if (numkeys > c->argc - first - 2) {
        kvd_reply_syntax_error(c);
        return -1;
    }
    int where = first + 1 + (int)numkeys;
    if (!parse_end(c, &c->argv[where], head))
        return -1;
    bool has_count = false;
    for (int i = where + 1; i < c->argc; i += 2) {
        if (has_count || i + 1 >= c->argc || !kvd_arg_is(&c->argv[i], "count")) {
            kvd_reply_syntax_error(c);
            return -1;
        }
        if (kvd_arg_ll_range(c, &c->argv[i + 1], 1, INT64_MAX, count,
                             "count should be greater than 0") < 0)
            return -1;
        has_count = true;
    }
    *nkeys = (int)numkeys;
    return 0;
}

/* LMPOP and BLMPOP (deadline >= 0): all arguments checked before any lookup. */
static void lmpop_generic(kvd_client_t *c, int first, int64_t deadline)
{
    int nkeys;
    bool head;
    int64_t count;
    if (parse_mpop(c, first, &nkeys, &head, &count) < 0)
        return;
    for (int k = first + 1; k <= first + nkeys; k++) {
        bool bad;
        kvd_qlist_t *ql = list_lookup_source(c, &c->argv[k], &bad);
        if (bad)
            return;
        if (ql == NULL)
            continue;
        uint64_t len = kvd_qlist_len(ql);
        uint64_t n = (uint64_t)count < len ? (uint64_t)count : len;
        kvd_reply_array(c->reply, 2);
        kvd_reply_bulk(c->reply, c->argv[k].ptr, c->argv[k].len);
        kvd_reply_array(c->reply, (int64_t)n);
        pop_and_reply(c, ql, head, n);
        list_written(c, &c->argv[k], ql);
        return;
    }
    if (deadline < 0 || !kvd_blocking_allowed(c)) {
        kvd_reply_null_array(c->reply);
        return;
    }
    int *keys = kvd_calloc((size_t)nkeys, sizeof(*keys));
    for (int k = 0; k < nkeys; k++)
        keys[k] = first + 1 + k;
    kvd_block_client(c, keys, nkeys, deadline, KVD_BLOCK_TIMEOUT_NULL_ARRAY);
    kvd_free(keys);
}

static void lmpop_command(kvd_client_t *c)
{
    lmpop_generic(c, 1, -1);
}

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]. */
static void blmpop_command(kvd_client_t *c)
{
    int64_t deadline;
    if (kvd_blocking_parse_timeout(c, &c->argv[1], &deadline) == 0)
        lmpop_generic(c, 2, deadline);
}

/* Keys of LMPOP/BLMPOP: numkeys at argv[idx], the keys right after it. */
static int numkeys_getkeys(int idx, int argc, const char *const *argv, const size_t *lens,
                           int *out, int max)
{
    int64_t numkeys;
    if (argc <= idx || !kvd_str2ll(argv[idx], lens[idx], &numkeys) || numkeys < 1 ||
        numkeys > argc - idx - 1)
        return -1;
    int n = 0;
    for (int i = 0; i < numkeys && n < max; i++)
        out[n++] = idx + 1 + i;
    return n;
}

static int lmpop_getkeys(int argc, const char *const *argv, const size_t *lens, int *out, int max)
{
    return numkeys_getkeys(1, argc, argv, lens, out, max);
}

static int blmpop_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                          int max)
{
    return numkeys_getkeys(2, argc, argv, lens, out, max);
}

static void list_value_free(void *ptr, kvd_encoding_t enc)
{
    KVD_ASSERT(enc == KVD_ENC_QUICKLIST);
    kvd_qlist_free(ptr);
}

static void *list_value_dup(const void *ptr, kvd_encoding_t enc)
{
    KVD_ASSERT(enc == KVD_ENC_QUICKLIST);
    return kvd_qlist_dup(ptr);
}

#define L_READ (KVD_ACL_READ | KVD_ACL_LIST)
#define L_WRITE (KVD_ACL_WRITE | KVD_ACL_LIST)
#define L_BLOCK (L_WRITE | KVD_ACL_SLOW | KVD_ACL_BLOCKING)
#define ONE_KEY .first_key = 1, .last_key = 1, .key_step = 1
#define TWO_KEYS .first_key = 1, .last_key = 2, .key_step = 1
#define DOC(sum, ver, cx) .summary = sum, .since = ver, .group = "list", .complexity = cx
#define PUSH_CX                                                                                    \
    "O(1) for each element added, so O(N) to add N elements when the command is called with "    \
    "multiple arguments."
#define MPOP_CX                                                                                    \
    "O(N+M) where N is the number of provided keys and M is the number of elements returned."

static kvd_command_t list_commands[] = {
    {.name = "lpush", .proc = lpush_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, .acl = L_WRITE | KVD_ACL_FAST,
     ONE_KEY, DOC("Prepend one or multiple elements to a list", "1.0.0", PUSH_CX)},
    {.name = "rpush", .proc = rpush_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, .acl = L_WRITE | KVD_ACL_FAST,
     ONE_KEY, DOC("Append one or multiple elements to a list", "1.0.0", PUSH_CX)},
    {.name = "lpushx", .proc = lpushx_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, .acl = L_WRITE | KVD_ACL_FAST,
     ONE_KEY, DOC("Prepend an element to a list, only if the list exists", "2.2.0", PUSH_CX)},
    {.name = "rpushx", .proc = rpushx_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_FAST, .acl = L_WRITE | KVD_ACL_FAST,
     ONE_KEY, DOC("Append an element to a list, only if the list exists", "2.2.0", PUSH_CX)},
    {.name = "lpop", .proc = lpop_command, .arity = -2, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = L_WRITE | KVD_ACL_FAST, ONE_KEY,
     DOC("Remove and get the first elements in a list", "1.0.0",
         "O(N) where N is the number of elements returned")},
    {.name = "rpop", .proc = rpop_command, .arity = -2, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = L_WRITE | KVD_ACL_FAST, ONE_KEY,
     DOC("Remove and get the last elements in a list", "1.0.0",
         "O(N) where N is the number of elements returned")},
    {.name = "llen", .proc = llen_command, .arity = 2, .flags = KVD_CMD_READONLY | KVD_CMD_FAST,
     .acl = L_READ | KVD_ACL_FAST, ONE_KEY, DOC("Get the length of a list", "1.0.0", "O(1)")},
    {.name = "lrange", .proc = lrange_command, .arity = 4, .flags = KVD_CMD_READONLY,
     .acl = L_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Get a range of elements from a list", "1.0.0",
         "O(S+N) where S is the distance of start offset from HEAD for small lists, from "
         "nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the "
         "specified range.")},
    {.name = "lindex", .proc = lindex_command, .arity = 3, .flags = KVD_CMD_READONLY,
     .acl = L_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Get an element from a list by its index", "1.0.0",
         "O(N) where N is the number of elements to traverse to get to the element at index. "
         "This makes asking for the first or the last element of the list O(1).")},
    {.name = "lset", .proc = lset_command, .arity = 4, .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM,
     .acl = L_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Set the value of an element in a list by its index", "1.0.0",
         "O(N) where N is the length of the list. Setting either the first or the last element "
         "of the list is O(1).")},
    {.name = "linsert", .proc = linsert_command, .arity = 5,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = L_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Insert an element before or after another element in a list", "2.2.0",
         "O(N) where N is the number of elements to traverse before seeing the value pivot. "
         "This means that inserting somewhere on the left end on the list (head) can be "
         "considered O(1) and inserting somewhere on the right end (tail) is O(N).")},
    {.name = "lrem", .proc = lrem_command, .arity = 4, .flags = KVD_CMD_WRITE,
     .acl = L_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Remove elements from a list", "1.0.0",
         "O(N+M) where N is the length of the list and M is the number of elements removed.")},
    {.name = "ltrim", .proc = ltrim_command, .arity = 4, .flags = KVD_CMD_WRITE,
     .acl = L_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Trim a list to the specified range", "1.0.0",
         "O(N) where N is the number of elements to be removed by the operation.")},
    {.name = "lpos", .proc = lpos_command, .arity = -3, .flags = KVD_CMD_READONLY,
     .acl = L_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Return the index of matching elements on a list", "6.0.6",
         "O(N) where N is the number of elements in the list, for the average case. When "
         "searching for elements near the head or the tail of the list, or when the MAXLEN "
         "option is provided, the command may run in constant time.")},
    {.name = "lmove", .proc = lmove_command, .arity = 5, .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM,
     .acl = L_WRITE | KVD_ACL_SLOW, TWO_KEYS,
     DOC("Pop an element from a list, push it to another list and return it", "6.2.0",
         "O(1)")},
    {.name = "rpoplpush", .proc = rpoplpush_command, .arity = 3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = L_WRITE | KVD_ACL_SLOW, TWO_KEYS,
     DOC("Remove the last element in a list, prepend it to another list and return it", "1.2.0",
         "O(1)")},
    {.name = "lmpop", .proc = lmpop_command, .arity = -4,
     .flags = KVD_CMD_WRITE | KVD_CMD_MOVABLE_KEYS, .acl = L_WRITE | KVD_ACL_SLOW,
     .getkeys = lmpop_getkeys, DOC("Pop elements from a list", "7.0.0", MPOP_CX)},
    {.name = "blpop", .proc = blpop_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_NOSCRIPT | KVD_CMD_BLOCKING, .acl = L_BLOCK,
     .first_key = 1, .last_key = -2, .key_step = 1,
     DOC("Remove and get the first element in a list, or block until one is available", "2.0.0",
         "O(N) where N is the number of provided keys.")},
    {.name = "brpop", .proc = brpop_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_NOSCRIPT | KVD_CMD_BLOCKING, .acl = L_BLOCK,
     .first_key = 1, .last_key = -2, .key_step = 1,
     DOC("Remove and get the last element in a list, or block until one is available", "2.0.0",
         "O(N) where N is the number of provided keys.")},
    {.name = "blmove", .proc = blmove_command, .arity = 6,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_NOSCRIPT | KVD_CMD_BLOCKING,
     .acl = L_BLOCK, TWO_KEYS,
     DOC("Pop an element from a list, push it to another list and return it; or block until "
         "one is available", "6.2.0", "O(1)")},
    {.name = "brpoplpush", .proc = brpoplpush_command, .arity = 4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_NOSCRIPT | KVD_CMD_BLOCKING,
     .acl = L_BLOCK, TWO_KEYS,
     DOC("Pop an element from a list, push it to another list and return it; or block until "
         "one is available", "2.2.0", "O(1)")},
    {.name = "blmpop", .proc = blmpop_command, .arity = -5,
     .flags = KVD_CMD_WRITE | KVD_CMD_BLOCKING | KVD_CMD_MOVABLE_KEYS, .acl = L_BLOCK,
     .getkeys = blmpop_getkeys,
     DOC("Pop elements from a list, or block until one is available", "7.0.0", MPOP_CX)},
    {.name = NULL},
};

void kvd_register_list_commands(void)
{
    kvd_db_register_free(KVD_TYPE_LIST, list_value_free);
    kvd_db_register_dup(KVD_TYPE_LIST, list_value_dup);
    kvd_command_register(list_commands);
}

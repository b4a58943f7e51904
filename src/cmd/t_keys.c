/*
 * t_keys.c - generic key commands: DEL, UNLINK, EXISTS, TYPE, RENAME,
 * RENAMENX, KEYS, SCAN, RANDOMKEY, TOUCH, COPY, MOVE, SWAPDB, OBJECT.
 *
 * Everything goes through the keyspace API of db/db.h.  RENAME and MOVE
 * hand the value over with kvd_db_rename, in O(1).  Entry pointers die at
 * the next write to their database, so COPY takes a snapshot of the value
 * before it writes: see value_snapshot_t.
 */
#include "client.h"
#include "shard.h"
#include "multi.h"
#include "core/glob.h"
#include "core/util.h"
#include "proto/reply.h"

/* Redis shares the objects for the integers 0..9999 when no maxmemory
 * policy forbids it, so OBJECT REFCOUNT reports them as INT_MAX. */
#define SHARED_INTEGERS 10000
#define SHARED_REFCOUNT INT32_MAX

/* SCAN's default COUNT. */
#define SCAN_DEFAULT_COUNT 10

/* ---- argument helpers ---- */

/* Redis's getIntFromObjectOrReply(msg = NULL): two distinct texts for
 * "not a number" and "a number, but not a 32-bit one". */
static int arg_int32(kvd_client_t *c, const kvd_arg_t *a, int *out)
{
    int64_t v;
    if (kvd_arg_ll(c, a, &v) != 0)
        return -1;
    if (v < INT32_MIN || v > INT32_MAX) {
        kvd_reply_error(c->reply, "ERR value is out of range, value must between -2147483648 and "
                                  "2147483647");
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* A database index argument: an int32, then in range. */
static int arg_db_index(kvd_client_t *c, const kvd_arg_t *a, int *out)
{
    int index;
    if (arg_int32(c, a, &index) != 0)
        return -1;
    if (index < 0 || index >= c->shard->ndbs) {
        kvd_reply_error(c->reply, "ERR DB index is out of range");
        return -1;
    }
    *out = index;
    return 0;
}

/*
 * A read that counts a keyspace hit or miss (INFO stats) but leaves the
 * access clock alone, as Redis's EXISTS, TYPE and OBJECT lookups do;
 * kvd_db_lookup_read would also reset OBJECT IDLETIME.
 */
static kvd_entry_t *find_counted(kvd_client_t *c, const kvd_arg_t *key)
{
    kvd_entry_t *e = kvd_db_find(c->db, key->ptr, key->len);
    if (e != NULL)
        c->shard->stats.db.keyspace_hits++;
    else
        c->shard->stats.db.keyspace_misses++;
    return e;
}

static bool same_bytes(const kvd_arg_t *a, const kvd_arg_t *b)
{
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* ---- value snapshots: what COPY carries between keys ---- */

typedef struct value_snapshot {
    kvd_type_t type;
    kvd_encoding_t enc;
    int64_t expire_ms; /* -1: none */
    int64_t ival;      /* KVD_ENC_INT */
    const char *bytes; /* other strings: points at inline or heap */
    size_t len;
    char *heap;        /* owned copy when the value is longer than inline */
    char inline_buf[64];
    void *ptr;         /* collections */
} value_snapshot_t;

_Static_assert(sizeof(((value_snapshot_t *)0)->inline_buf) > 44, "embstr values fit inline");

static void snapshot_string(value_snapshot_t *v, const kvd_entry_t *e)
{
    if (kvd_entry_int(e, &v->ival))
        return;
    char tmp[24];
    size_t len;
    const char *p = kvd_entry_str(e, &len, tmp);
    if (len <= sizeof(v->inline_buf)) {
        memcpy(v->inline_buf, p, len);
        v->bytes = v->inline_buf;
    } else {
        v->heap = kvd_memdup(p, len);
        v->bytes = v->heap;
    }
    v->len = len;
}

static void snapshot_take(value_snapshot_t *v, kvd_db_t *db, const kvd_entry_t *e)
{
    memset(v, 0, sizeof(*v));
    v->type = kvd_entry_type(e);
    v->enc = kvd_entry_encoding(e);
    v->expire_ms = kvd_db_get_expire(db, e);
    if (v->type == KVD_TYPE_STRING)
        snapshot_string(v, e);
    else
        v->ptr = kvd_entry_ptr(e);
}

static void snapshot_release(value_snapshot_t *v)
{
    kvd_free(v->heap);
    v->heap = NULL;
}

/*
 * Store the snapshot at key with the encoding it had (Redis keeps raw raw
 * and embstr embstr when it duplicates or moves a string) and its expiry.
 */
static void snapshot_store(value_snapshot_t *v, kvd_db_t *db, const char *key, size_t klen)
{
    kvd_entry_t *e;
    if (v->type != KVD_TYPE_STRING)
        e = kvd_db_set_ptr(db, key, klen, v->type, v->enc, v->ptr, 0);
    else if (v->enc == KVD_ENC_INT)
        e = kvd_db_set_int(db, key, klen, v->ival, 0);
    else
        e = kvd_db_set_string(db, key, klen, v->bytes, v->len,
                              v->enc == KVD_ENC_RAW ? KVD_SET_FORCE_RAW : KVD_SET_NO_INT);
    KVD_ASSERT(e != NULL);
    if (v->expire_ms >= 0)
        kvd_db_set_expire(db, e, v->expire_ms);
}

/* ---- DEL, UNLINK, EXISTS, TOUCH, TYPE ---- */

/* UNLINK is DEL: kvd frees values inline (no lazy-free thread yet). */
static void del_command(kvd_client_t *c)
{
    int64_t deleted = 0;
    for (int i = 1; i < c->argc; i++) {
        bool gone = kvd_db_delete(c->db, c->argv[i].ptr, c->argv[i].len);
        deleted += gone;
        /* Redis signals only the keys it deleted: WATCH of the others
         * stays clean (key i - 1 of the spec; past 32, touched). */
        if (!gone && i - 1 < 32)
            c->untouched_keys |= 1u << (i - 1);
    }
    kvd_shard_add_dirty(c->shard, (uint64_t)deleted);
    kvd_reply_int(c->reply, deleted);
}

static void exists_command(kvd_client_t *c)
{
    int64_t found = 0;
    for (int i = 1; i < c->argc; i++)
        found += find_counted(c, &c->argv[i]) != NULL;
    kvd_reply_int(c->reply, found);
}

/* TOUCH is a read that counts: hits, misses and the access clock. */
static void touch_command(kvd_client_t *c)
{
    int64_t touched = 0;
    for (int i = 1; i < c->argc; i++)
        touched += kvd_db_lookup_read(c->db, c->argv[i].ptr, c->argv[i].len) != NULL;
    kvd_reply_int(c->reply, touched);
}

static void type_command(kvd_client_t *c)
{
    kvd_entry_t *e = find_counted(c, &c->argv[1]);
    kvd_reply_simple(c->reply, e ? kvd_type_name(kvd_entry_type(e)) : "none");
}

/* ---- RENAME, RENAMENX, MOVE, COPY, SWAPDB ---- */

static void rename_generic(kvd_client_t *c, bool nx)
{
    const kvd_arg_t *src = &c->argv[1], *dst = &c->argv[2];
    if (kvd_db_find(c->db, src->ptr, src->len) == NULL) {
        kvd_reply_error(c->reply, "ERR no such key");
        return;
    }
    if (same_bytes(src, dst)) {
        if (nx)
            kvd_reply_int(c->reply, 0);
        else
            kvd_reply_ok(c->reply);
        return;
    }
    if (nx && kvd_db_find(c->db, dst->ptr, dst->len) != NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    /* Found again inside: the clock is read per lookup, so it may be gone. */
    if (kvd_db_rename(c->db, src->ptr, src->len, c->db, dst->ptr, dst->len) == NULL) {
        kvd_reply_error(c->reply, "ERR no such key");
        return;
    }
    kvd_shard_add_dirty(c->shard, 1);
    if (nx)
        kvd_reply_int(c->reply, 1);
    else
        kvd_reply_ok(c->reply);
}

static void rename_command(kvd_client_t *c)
{
    rename_generic(c, false);
}

static void renamenx_command(kvd_client_t *c)
{
    rename_generic(c, true);
}

static void move_command(kvd_client_t *c)
{
    const kvd_arg_t *key = &c->argv[1];
    int index;
    if (arg_db_index(c, &c->argv[2], &index) != 0)
        return;
    if (index == c->db_index) {
        kvd_reply_error(c->reply, "ERR source and destination objects are the same");
        return;
    }
    kvd_db_t *dst = c->shard->dbs[index];
    if (kvd_db_find(c->db, key->ptr, key->len) == NULL ||
        kvd_db_find(dst, key->ptr, key->len) != NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    bool moved = kvd_db_rename(c->db, key->ptr, key->len, dst, key->ptr, key->len) != NULL;
    if (moved)
        kvd_watch_touch_key(c->shard, index, key->ptr, key->len);
    kvd_shard_add_dirty(c->shard, moved);
    kvd_reply_int(c->reply, moved);
}

/* COPY's options; -1 after replying an error.  The DB index is checked as
 * soon as it is read, so it wins over a later syntax error, as in Redis. */
static int copy_parse(kvd_client_t *c, int *index, bool *replace)
{
    *index = c->db_index;
    *replace = false;
    for (int i = 3; i < c->argc; i++) {
        if (kvd_arg_is(&c->argv[i], "replace")) {
            *replace = true;
        } else if (kvd_arg_is(&c->argv[i], "db") && i + 1 < c->argc) {
            if (arg_db_index(c, &c->argv[i + 1], index) != 0)
                return -1;
            i++;
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

static void copy_command(kvd_client_t *c)
{
    const kvd_arg_t *src = &c->argv[1], *dst = &c->argv[2];
    int index;
    bool replace;
    if (copy_parse(c, &index, &replace) != 0)
        return;
    if (index == c->db_index && same_bytes(src, dst)) {
        kvd_reply_error(c->reply, "ERR source and destination objects are the same");
        return;
    }
    kvd_db_t *dstdb = c->shard->dbs[index];
    /* COPY reads its source as GET does: counted, and the clock touched. */
    if (kvd_db_lookup_read(c->db, src->ptr, src->len) == NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    if (kvd_db_find(dstdb, dst->ptr, dst->len) != NULL) {
        if (!replace) {
            kvd_reply_int(c->reply, 0);
            return;
        }
        kvd_db_delete(dstdb, dst->ptr, dst->len);
    }
    /* Found again: the delete above may have invalidated entry pointers. */
    kvd_entry_t *e = kvd_db_find(c->db, src->ptr, src->len);
    if (e == NULL) { /* expired in between: the clock is read per lookup */
        kvd_reply_int(c->reply, 0);
        return;
    }
    value_snapshot_t v;
    snapshot_take(&v, c->db, e);
    if (v.type != KVD_TYPE_STRING)
        v.ptr = kvd_value_dup(v.type, v.enc, v.ptr);
    snapshot_store(&v, dstdb, dst->ptr, dst->len);
    snapshot_release(&v);
    kvd_shard_add_dirty(c->shard, 1);
    kvd_watch_touch_key(c->shard, index, dst->ptr, dst->len);
    kvd_reply_int(c->reply, 1);
}

/* Redis's error texts for SWAPDB name the argument, not the reason. */
static int swapdb_arg(kvd_client_t *c, const kvd_arg_t *a, const char *which, int *out)
{
    int64_t v;
    if (!kvd_str2ll(a->ptr, a->len, &v) || v < INT32_MIN || v > INT32_MAX) {
        kvd_reply_errorf(c->reply, "ERR invalid %s DB index", which);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static void swapdb_command(kvd_client_t *c)
{
    int a, b;
    if (swapdb_arg(c, &c->argv[1], "first", &a) != 0 ||
        swapdb_arg(c, &c->argv[2], "second", &b) != 0)
        return;
    if (a < 0 || a >= c->shard->ndbs || b < 0 || b >= c->shard->ndbs) {
        kvd_reply_error(c->reply, "ERR DB index is out of range");
        return;
    }
    if (a != b) {
        kvd_watch_touch_swap(c->shard, a, b);
        kvd_db_swap(c->shard->dbs[a], c->shard->dbs[b]);
    }
    kvd_shard_add_dirty(c->shard, 1);
    kvd_reply_ok(c->reply);
}

/* ---- KEYS, SCAN, RANDOMKEY ---- */

typedef struct key_filter {
    const char *pattern; /* NULL: every key (a pattern of exactly "*") */
    size_t plen;
    const char *type;    /* NULL: any type */
    size_t tlen;
} key_filter_t;

/* Redis treats a pattern of exactly "*" as "all keys" before glob
 * matching, which is how the empty key is listed (glob.h). */
static void filter_set_pattern(key_filter_t *f, const kvd_arg_t *a)
{
    bool all = a->len == 1 && a->ptr[0] == '*';
    f->pattern = all ? NULL : a->ptr;
    f->plen = all ? 0 : a->len;
}

static bool filter_accepts(const key_filter_t *f, const kvd_entry_t *e)
{
    size_t klen;
    const char *key = kvd_entry_key(e, &klen);
    if (f->type != NULL) {
        const char *name = kvd_type_name(kvd_entry_type(e));
        if (strlen(name) != f->tlen || strncasecmp(name, f->type, f->tlen) != 0)
            return false;
    }
    return f->pattern == NULL || kvd_glob_match(f->pattern, f->plen, key, klen, false);
}

typedef struct keys_ctx {
    const key_filter_t *filter;
    kvd_buf_t *out;   /* KEYS: the reply; SCAN: a side buffer of bulk strings */
    int64_t matched;
} keys_ctx_t;

static void keys_emit(const kvd_entry_t *e, void *arg)
{
    keys_ctx_t *k = arg;
    if (!filter_accepts(k->filter, e))
        return;
    size_t klen;
    const char *key = kvd_entry_key(e, &klen);
    kvd_reply_bulk(k->out, key, klen);
    k->matched++;
}

/*
 * KEYS asks kvd_db_scan for every key in one call: no rehash step or
 * expired-key deletion happens inside a call, so each key is reported
 * exactly once.  The loop only guards against a db that returns early.
 */
static void keys_command(kvd_client_t *c)
{
    key_filter_t filter = {0};
    filter_set_pattern(&filter, &c->argv[1]);
    keys_ctx_t k = {.filter = &filter, .out = c->reply};
    size_t mark = kvd_reply_defer(c->reply);
    uint64_t bound = kvd_db_buckets(c->db) * 2 + 64;
    uint64_t cursor = 0;
    for (uint64_t step = 0; step < bound; step++) {
        cursor = kvd_db_scan(c->db, cursor, UINT64_MAX, keys_emit, &k);
        if (cursor == 0)
            break;
    }
    KVD_ASSERT(cursor == 0);
    kvd_reply_set_array_len(c->reply, mark, k.matched);
}

/*
 * SCAN's cursor is parsed as Redis does with strtoul: optional sign
 * (a '-' negates modulo 2^64), decimal digits, no leading space, stop at
 * the first NUL; an empty string is cursor 0.  Overflow is an error.
 */
static bool parse_cursor(const char *s, uint64_t *out)
{
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    else if (*s == '\0') {
        *out = 0;
        return true;
    }
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    for (int i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
            return false;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return true;
}

/* SCAN's options; -1 after replying an error. */
static int scan_parse(kvd_client_t *c, key_filter_t *f, int64_t *count)
{
    *count = SCAN_DEFAULT_COUNT;
    for (int i = 2; i < c->argc; i += 2) {
        const kvd_arg_t *opt = &c->argv[i];
        bool has_value = i + 1 < c->argc;
        if (has_value && kvd_arg_is(opt, "count")) {
            if (kvd_arg_ll(c, &c->argv[i + 1], count) != 0)
                return -1;
            if (*count < 1) {
                kvd_reply_syntax_error(c);
                return -1;
            }
        } else if (has_value && kvd_arg_is(opt, "match")) {
            filter_set_pattern(f, &c->argv[i + 1]);
        } else if (has_value && kvd_arg_is(opt, "type")) {
            f->type = c->argv[i + 1].ptr;
            f->tlen = c->argv[i + 1].len;
        } else {
            kvd_reply_syntax_error(c);
            return -1;
        }
    }
    return 0;
}

/*
 * One SCAN call is one kvd_db_scan call, which stops after COUNT live
 * keys or 10 * COUNT buckets as Redis does.  Keys are gathered into a side
 * buffer because the reply starts with the cursor, known only at the end.
 */
static void scan_command(kvd_client_t *c)
{
    uint64_t cursor;
    if (!parse_cursor(c->argv[1].ptr, &cursor)) {
        kvd_reply_error(c->reply, "ERR invalid cursor");
        return;
    }
    key_filter_t filter = {0};
    int64_t count;
    if (scan_parse(c, &filter, &count) != 0)
        return;
    KVD_ASSERT(count >= 1);
    kvd_buf_t keys = KVD_BUF_INIT;
    keys_ctx_t k = {.filter = &filter, .out = &keys};
    cursor = kvd_db_scan(c->db, cursor, (uint64_t)count, keys_emit, &k);
    /* The cursor is unsigned 64-bit: a negative input wraps, as in Redis. */
    char text[24];
    int tlen = snprintf(text, sizeof(text), "%llu", (unsigned long long)cursor);
    KVD_ASSERT(tlen > 0 && (size_t)tlen < sizeof(text));
    kvd_reply_array(c->reply, 2);
    kvd_reply_bulk(c->reply, text, (size_t)tlen);
    kvd_reply_array(c->reply, k.matched);
    kvd_reply_raw(c->reply, keys.data, keys.len);
    kvd_buf_free(&keys);
}

static void randomkey_command(kvd_client_t *c)
{
    kvd_entry_t *e = kvd_db_random(c->db);
    if (e == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    size_t klen;
    const char *key = kvd_entry_key(e, &klen);
    kvd_reply_bulk(c->reply, key, klen);
}

/* ---- OBJECT ---- */

/* The key of an OBJECT subcommand, or NULL after replying nil. */
static kvd_entry_t *object_lookup(kvd_client_t *c)
{
    kvd_entry_t *e = find_counted(c, &c->argv[2]);
    if (e == NULL)
        kvd_reply_null(c->reply);
    return e;
}

static void object_encoding_command(kvd_client_t *c)
{
    kvd_entry_t *e = object_lookup(c);
    if (e != NULL)
        kvd_reply_bulk_str(c->reply, kvd_encoding_name(kvd_entry_encoding(e)));
}

/* kvd keeps no reference counts; this reports what Redis would. */
static void object_refcount_command(kvd_client_t *c)
{
    kvd_entry_t *e = object_lookup(c);
    if (e == NULL)
        return;
    int64_t v;
    bool shared = kvd_entry_int(e, &v) && v >= 0 && v < SHARED_INTEGERS;
    kvd_reply_int(c->reply, shared ? SHARED_REFCOUNT : 1);
}

static void object_idletime_command(kvd_client_t *c)
{
    kvd_entry_t *e = object_lookup(c);
    if (e != NULL)
        kvd_reply_int(c->reply, (int64_t)kvd_entry_idle_seconds(c->db, e));
}

/* kvd has no maxmemory policy yet, so it is never an LFU one. */
static void object_freq_command(kvd_client_t *c)
{
    if (object_lookup(c) == NULL)
        return;
    kvd_reply_error(c->reply,
                    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                    "Please note that when switching between policies at runtime LRU and LFU "
                    "data will take some time to adjust.");
}

static const char *const object_help_lines[] = {
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
};

static void object_help_command(kvd_client_t *c)
{
    kvd_reply_array(c->reply, (int64_t)KVD_ARRAY_LEN(object_help_lines));
    for (size_t i = 0; i < KVD_ARRAY_LEN(object_help_lines); i++)
        kvd_reply_simple(c->reply, object_help_lines[i]);
}

/* ---- the rows: arity, flags, categories and key positions as Redis 7.0.15's COMMAND INFO ---- */

#define KEYSPACE_READ (KVD_ACL_KEYSPACE | KVD_ACL_READ)
#define KEYSPACE_WRITE (KVD_ACL_KEYSPACE | KVD_ACL_WRITE)

/* In the order Redis 7.0.15 lists them in COMMAND INFO and COMMAND DOCS. */
static kvd_command_t object_subcommands[] = {
    {.name = "help", .proc = object_help_command, .arity = 2,
     .flags = KVD_CMD_LOADING | KVD_CMD_STALE, .acl = KVD_ACL_KEYSPACE | KVD_ACL_SLOW,
     .summary = "Show helpful text about the different subcommands", .since = "6.2.0",
     .group = "generic", .complexity = "O(1)"},
    {.name = "freq", .proc = object_freq_command, .arity = 3, .flags = KVD_CMD_READONLY,
     .acl = KEYSPACE_READ | KVD_ACL_SLOW, .first_key = 2, .last_key = 2, .key_step = 1,
     .summary = "Get the logarithmic access frequency counter of a Redis object",
     .since = "4.0.0", .group = "generic", .complexity = "O(1)"},
    {.name = "refcount", .proc = object_refcount_command, .arity = 3,
     .flags = KVD_CMD_READONLY, .acl = KEYSPACE_READ | KVD_ACL_SLOW, .first_key = 2,
     .last_key = 2, .key_step = 1,
     .summary = "Get the number of references to the value of the key", .since = "2.2.3",
     .group = "generic", .complexity = "O(1)"},
    {.name = "encoding", .proc = object_encoding_command, .arity = 3,
     .flags = KVD_CMD_READONLY, .acl = KEYSPACE_READ | KVD_ACL_SLOW, .first_key = 2,
     .last_key = 2, .key_step = 1, .summary = "Inspect the internal encoding of a Redis object",
     .since = "2.2.3", .group = "generic", .complexity = "O(1)"},
    {.name = "idletime", .proc = object_idletime_command, .arity = 3,
     .flags = KVD_CMD_READONLY, .acl = KEYSPACE_READ | KVD_ACL_SLOW, .first_key = 2,
     .last_key = 2, .key_step = 1, .summary = "Get the time since a Redis object was last accessed",
     .since = "2.2.3", .group = "generic", .complexity = "O(1)"},
    {.name = NULL},
};

static kvd_command_t keys_commands[] = {
    {.name = "del", .proc = del_command, .arity = -2, .flags = KVD_CMD_WRITE,
     .acl = KEYSPACE_WRITE | KVD_ACL_SLOW, .first_key = 1, .last_key = -1, .key_step = 1,
     .summary = "Delete a key", .since = "1.0.0", .group = "generic",
     .complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                   "remove holds a value other than a string, the individual complexity for "
                   "this key is O(M) where M is the number of elements in the list, set, sorted "
                   "set or hash. Removing a single key that holds a string value is O(1)."},
    {.name = "unlink", .proc = del_command, .arity = -2, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = KEYSPACE_WRITE | KVD_ACL_FAST, .first_key = 1, .last_key = -1, .key_step = 1,
     .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, "
                "but non blocking.",
     .since = "4.0.0", .group = "generic",
     .complexity = "O(1) for each key removed regardless of its size. Then the command does "
                   "O(N) work in a different thread in order to reclaim memory, where N is the "
                   "number of allocations the deleted objects where composed of."},
    {.name = "exists", .proc = exists_command, .arity = -2,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = KEYSPACE_READ | KVD_ACL_FAST,
     .first_key = 1, .last_key = -1, .key_step = 1, .summary = "Determine if a key exists",
     .since = "1.0.0", .group = "generic",
     .complexity = "O(N) where N is the number of keys to check."},
    {.name = "type", .proc = type_command, .arity = 2, .flags = KVD_CMD_READONLY | KVD_CMD_FAST,
     .acl = KEYSPACE_READ | KVD_ACL_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .summary = "Determine the type stored at key", .since = "1.0.0", .group = "generic",
     .complexity = "O(1)"},
    {.name = "rename", .proc = rename_command, .arity = 3, .flags = KVD_CMD_WRITE,
     .acl = KEYSPACE_WRITE | KVD_ACL_SLOW, .first_key = 1, .last_key = 2, .key_step = 1,
     .summary = "Rename a key", .since = "1.0.0", .group = "generic", .complexity = "O(1)"},
    {.name = "renamenx", .proc = renamenx_command, .arity = 3,
     .flags = KVD_CMD_WRITE | KVD_CMD_FAST, .acl = KEYSPACE_WRITE | KVD_ACL_FAST,
     .first_key = 1, .last_key = 2, .key_step = 1,
     .summary = "Rename a key, only if the new key does not exist", .since = "1.0.0",
     .group = "generic", .complexity = "O(1)"},
    {.name = "keys", .proc = keys_command, .arity = 2, .flags = KVD_CMD_READONLY,
     .acl = KEYSPACE_READ | KVD_ACL_SLOW | KVD_ACL_DANGEROUS,
     .summary = "Find all keys matching the given pattern", .since = "1.0.0", .group = "generic",
     .complexity = "O(N) with N being the number of keys in the database, under the assumption "
                   "that the key names in the database and the given pattern have limited "
                   "length."},
    {.name = "scan", .proc = scan_command, .arity = -2, .flags = KVD_CMD_READONLY,
     .acl = KEYSPACE_READ | KVD_ACL_SLOW, .summary = "Incrementally iterate the keys space",
     .since = "2.8.0", .group = "generic",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                   "command calls for the cursor to return back to 0. N is the number of "
                   "elements inside the collection."},
    {.name = "randomkey", .proc = randomkey_command, .arity = 1, .flags = KVD_CMD_READONLY,
     .acl = KEYSPACE_READ | KVD_ACL_SLOW, .summary = "Return a random key from the keyspace",
     .since = "1.0.0", .group = "generic", .complexity = "O(1)"},
    {.name = "touch", .proc = touch_command, .arity = -2,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = KEYSPACE_READ | KVD_ACL_FAST,
     .first_key = 1, .last_key = -1, .key_step = 1,
     .summary = "Alters the last access time of a key(s). Returns the number of existing keys "
                "specified.",
     .since = "3.2.1", .group = "generic",
     .complexity = "O(N) where N is the number of keys that will be touched."},
    {.name = "copy", .proc = copy_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = KEYSPACE_WRITE | KVD_ACL_SLOW,
     .first_key = 1, .last_key = 2, .key_step = 1, .summary = "Copy a key", .since = "6.2.0",
     .group = "generic",
     .complexity = "O(N) worst case for collections, where N is the number of nested items. "
                   "O(1) for string values."},
    {.name = "move", .proc = move_command, .arity = 3, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = KEYSPACE_WRITE | KVD_ACL_FAST, .first_key = 1, .last_key = 1, .key_step = 1,
     .summary = "Move a key to another database", .since = "1.0.0", .group = "generic",
     .complexity = "O(1)"},
    {.name = "swapdb", .proc = swapdb_command, .arity = 3, .flags = KVD_CMD_WRITE | KVD_CMD_FAST,
     .acl = KEYSPACE_WRITE | KVD_ACL_FAST | KVD_ACL_DANGEROUS,
     .summary = "Swaps two Redis databases", .since = "4.0.0", .group = "server",
     .complexity = "O(N) where N is the count of clients watching or blocking on keys from "
                   "both databases."},
    {.name = "object", .proc = NULL, .arity = -2, .flags = 0, .acl = KVD_ACL_SLOW,
     .summary = "A container for object introspection commands", .since = "2.2.3",
     .group = "generic", .complexity = "Depends on subcommand.",
     .subcommands = object_subcommands},
    {.name = NULL},
};

void kvd_register_keys_commands(void)
{
    kvd_command_register(keys_commands);
}

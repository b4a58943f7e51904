/*
 * config_params.c - CONFIG GET and CONFIG SET by Redis 7.0 parameter names.
 *
 * The table lists every parameter kvd answers for, in the order CONFIG GET
 * reports them.  Some are views of kvd.yaml settings (bind and port show
 * listen, logfile shows log.file), the rest exist only here (save, hz, the
 * encoding thresholds...) so that clients and the Redis test suite can
 * read and write them and the subsystems that honour them find them in
 * kvd_config_t.  Replies, ranges and error texts are Redis 7.0.15's:
 * clients and tests match on them.
 *
 * The spellings of enumerated settings live here too; kvd.yaml uses the
 * same tables, so a value is spelled the same in the file and in CONFIG.
 */
#include "config.h"
#include "config_int.h"
#include "buf.h"
#include "glob.h"
#include "log.h"
#include "util.h"

#include <inttypes.h>
#include <strings.h>

/* ---- enumerations, shared with kvd.yaml ---- */

const kvd_config_choice_t kvd_config_loglevel_choices[] = {
    {"debug", KVD_LOG_DEBUG},
    {"verbose", KVD_LOG_VERBOSE},
    {"notice", KVD_LOG_NOTICE},
    {"warning", KVD_LOG_WARNING},
    {NULL, 0},
};
const kvd_config_choice_t kvd_config_fsync_choices[] = {
    {"everysec", KVD_FSYNC_EVERYSEC},
    {"always", KVD_FSYNC_ALWAYS},
    {"no", KVD_FSYNC_NO},
    {NULL, 0},
};
const kvd_config_choice_t kvd_config_affinity_choices[] = {
    {"none", KVD_AFFINITY_NONE},
    {"auto", KVD_AFFINITY_AUTO},
    {NULL, 0},
};
const kvd_config_choice_t kvd_config_maxmemory_policy_choices[] = {
    {"volatile-lru", KVD_MAXMEMORY_VOLATILE_LRU},
    {"volatile-lfu", KVD_MAXMEMORY_VOLATILE_LFU},
    {"volatile-random", KVD_MAXMEMORY_VOLATILE_RANDOM},
    {"volatile-ttl", KVD_MAXMEMORY_VOLATILE_TTL},
    {"allkeys-lru", KVD_MAXMEMORY_ALLKEYS_LRU},
    {"allkeys-lfu", KVD_MAXMEMORY_ALLKEYS_LFU},
    {"allkeys-random", KVD_MAXMEMORY_ALLKEYS_RANDOM},
    {"noeviction", KVD_MAXMEMORY_NOEVICTION},
    {NULL, 0},
};
const kvd_config_choice_t kvd_config_sanitize_dump_choices[] = {
    {"no", KVD_SANITIZE_DUMP_NO},
    {"yes", KVD_SANITIZE_DUMP_YES},
    {"clients", KVD_SANITIZE_DUMP_CLIENTS},
    {NULL, 0},
};

const kvd_config_choice_t *kvd_config_choice_find(const kvd_config_choice_t *choices, const char *s,
                                                  size_t len)
{
    KVD_ASSERT(choices != NULL && s != NULL);
    for (const kvd_config_choice_t *c = choices; c->name != NULL; c++)
        if (strlen(c->name) == len && strncasecmp(c->name, s, len) == 0)
            return c;
    return NULL;
}

const char *kvd_config_choice_name(const kvd_config_choice_t *choices, int value)
{
    KVD_ASSERT(choices != NULL);
    for (const kvd_config_choice_t *c = choices; c->name != NULL; c++)
        if (c->value == value)
            return c->name;
    return "?";
}

void kvd_config_choice_list(const kvd_config_choice_t *choices, char *out, size_t outlen)
{
    KVD_ASSERT(choices != NULL && out != NULL && outlen > 0);
    size_t off = 0;
    out[0] = '\0';
    for (const kvd_config_choice_t *c = choices; c->name != NULL && off < outlen; c++) {
        int n = snprintf(out + off, outlen - off, "%s%s", c == choices ? "" : ", ", c->name);
        if (n < 0)
            return;
        off += (size_t)n;
    }
}

/* ---- the parameter table ---- */

typedef enum {
    P_INT,     /* int field */
    P_INT64,   /* int64_t field */
    P_MEMORY,  /* int64_t field, set with memory units ("64kb") */
    P_UMEMORY, /* uint64_t field, memory units, no upper bound */
    P_BOOL,    /* bool field, yes/no */
    P_ENUM,    /* int-sized enum field */
    P_STRING,  /* char * field */
    P_VIEW,    /* no field of its own: get and set say how */
} param_type_t;

enum {
    P_IMMUTABLE = 1 << 0, /* "can't set immutable config" */
    P_PROTECTED = 1 << 1, /* "can't set protected config" (Redis's enable-protected-configs no) */
    P_OWNED = 1 << 2,     /* the field is this parameter's alone: its default is set here */
};

typedef struct param param_t;
typedef void param_get_fn(const param_t *p, const kvd_config_t *cfg, kvd_buf_t *out);
/* Returns 0, or -1 with the Redis error text in err. */
typedef int param_set_fn(const param_t *p, kvd_config_t *cfg, const char *value, char *err,
                         size_t errlen);

struct param {
    const char *name;
    param_type_t type;
    unsigned flags;
    size_t offset;
    int64_t def, min, max;
    const char *def_str;                /* P_STRING default, one of the static texts */
    const kvd_config_choice_t *choices; /* P_ENUM */
    param_get_fn *get;                  /* NULL: format by type */
    param_set_fn *set;                  /* NULL: parse and range-check by type */
};

static param_get_fn get_bind, get_port, get_notify;
static param_set_fn set_maxclients, set_hz, set_save, set_notify;

#define F KVD_CONFIG_FIELD
#define INT_P(n, f, fl, d, lo, hi)                                                                 \
    {.name = n, .type = P_INT, .flags = fl, .offset = F(f, int), .def = d, .min = lo, .max = hi}
#define I64_P(n, f, fl, d, lo, hi)                                                                 \
    {.name = n, .type = P_INT64, .flags = fl, .offset = F(f, int64_t), .def = d, .min = lo,        \
     .max = hi}
#define MEM_P(n, f, fl, d, lo, hi)                                                                 \
    {.name = n, .type = P_MEMORY, .flags = fl, .offset = F(f, int64_t), .def = d, .min = lo,       \
     .max = hi}
#define BOOL_P(n, f, fl, d)                                                                        \
    {.name = n, .type = P_BOOL, .flags = fl, .offset = F(f, bool), .def = d}
#define ENUM_P(n, f, fl, d, c)                                                                     \
    {.name = n, .type = P_ENUM, .flags = fl, .offset = KVD_CONFIG_ENUM_FIELD(f), .def = d,         \
     .choices = c}
#define STR_P(n, f, fl, d)                                                                         \
    {.name = n, .type = P_STRING, .flags = fl, .offset = F(f, char *), .def_str = d}

/* Redis's LONG_MAX on the 64-bit systems kvd supports. */
#define LMAX INT64_MAX
#define OWN P_OWNED

static const param_t params[] = {
    /* Views of kvd.yaml settings (defaults come from the YAML schema). */
    {.name = "bind", .type = P_VIEW, .flags = P_IMMUTABLE, .get = get_bind},
    {.name = "port", .type = P_VIEW, .flags = P_IMMUTABLE, .get = get_port},
    INT_P("databases", databases, P_IMMUTABLE, 16, 1, INT_MAX),
    {.name = "maxclients", .type = P_INT, .offset = F(maxclients, int), .set = set_maxclients},
    INT_P("timeout", timeout, 0, 0, 0, INT_MAX),
    INT_P("tcp-keepalive", tcp_keepalive, 0, 300, 0, INT_MAX),
    INT_P("tcp-backlog", tcp_backlog, P_IMMUTABLE, 511, 0, INT_MAX),
    STR_P("dir", dir, P_PROTECTED, KVD_CONFIG_STATIC_DOT),
    STR_P("pidfile", pidfile, P_IMMUTABLE, KVD_CONFIG_STATIC_EMPTY),
    STR_P("logfile", log_file, P_IMMUTABLE, KVD_CONFIG_STATIC_EMPTY),
    ENUM_P("loglevel", log_level, 0, KVD_LOG_NOTICE, kvd_config_loglevel_choices),
    BOOL_P("daemonize", daemonize, P_IMMUTABLE, false),
    MEM_P("proto-max-bulk-len", proto_max_bulk_len, 0, 512 << 20, 1 << 20, LMAX),
    MEM_P("client-query-buffer-limit", client_query_buffer_limit, 0, 1 << 30, 1 << 20, LMAX),
    BOOL_P("appendonly", appendonly, 0, false),
    ENUM_P("appendfsync", appendfsync, 0, KVD_FSYNC_EVERYSEC, kvd_config_fsync_choices),
    I64_P("auto-aof-rewrite-percentage", auto_aof_rewrite_percentage, 0, 100, 0, INT_MAX),
    MEM_P("auto-aof-rewrite-min-size", auto_aof_rewrite_min_size, 0, 64 << 20, 0, LMAX),
    BOOL_P("aof-load-truncated", aof_load_truncated, 0, true),
    BOOL_P("aof-load-truncate-corrupt", aof_load_truncate_corrupt, 0, false),
    /* Parameters kvd keeps only for CONFIG. */
    STR_P("appendfilename", appendfilename, P_IMMUTABLE | OWN, KVD_CONFIG_STATIC_AOF),
    {.name = "save", .type = P_STRING, .flags = OWN, .offset = F(save, char *),
     .def_str = KVD_CONFIG_STATIC_EMPTY, .set = set_save},
    {.name = "maxmemory", .type = P_UMEMORY, .flags = OWN, .offset = F(maxmemory, uint64_t)},
    ENUM_P("maxmemory-policy", maxmemory_policy, OWN, KVD_MAXMEMORY_NOEVICTION,
           kvd_config_maxmemory_policy_choices),
    INT_P("maxmemory-samples", maxmemory_samples, OWN, 5, 1, INT_MAX),
    INT_P("lfu-log-factor", lfu_log_factor, OWN, 10, 0, INT_MAX),
    INT_P("lfu-decay-time", lfu_decay_time, OWN, 1, 0, INT_MAX),
    {.name = "hz", .type = P_INT, .flags = OWN, .offset = F(hz, int), .def = 10, .set = set_hz},
    BOOL_P("dynamic-hz", dynamic_hz, OWN, true),
    BOOL_P("lazyfree-lazy-eviction", lazyfree_lazy_eviction, OWN, false),
    BOOL_P("lazyfree-lazy-expire", lazyfree_lazy_expire, OWN, false),
    BOOL_P("lazyfree-lazy-server-del", lazyfree_lazy_server_del, OWN, false),
    BOOL_P("lazyfree-lazy-user-del", lazyfree_lazy_user_del, OWN, false),
    BOOL_P("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush, OWN, false),
    INT_P("list-max-listpack-size", list_max_listpack_size, OWN, -2, INT_MIN, INT_MAX),
    INT_P("list-max-ziplist-size", list_max_listpack_size, 0, -2, INT_MIN, INT_MAX),
    INT_P("list-compress-depth", list_compress_depth, OWN, 0, 0, INT_MAX),
    I64_P("hash-max-listpack-entries", hash_max_listpack_entries, OWN, 512, 0, LMAX),
    I64_P("hash-max-ziplist-entries", hash_max_listpack_entries, 0, 512, 0, LMAX),
    MEM_P("hash-max-listpack-value", hash_max_listpack_value, OWN, 64, 0, LMAX),
    MEM_P("hash-max-ziplist-value", hash_max_listpack_value, 0, 64, 0, LMAX),
    I64_P("set-max-intset-entries", set_max_intset_entries, OWN, 512, 0, LMAX),
    I64_P("zset-max-listpack-entries", zset_max_listpack_entries, OWN, 128, 0, LMAX),
    I64_P("zset-max-ziplist-entries", zset_max_listpack_entries, 0, 128, 0, LMAX),
    MEM_P("zset-max-listpack-value", zset_max_listpack_value, OWN, 64, 0, LMAX),
    MEM_P("zset-max-ziplist-value", zset_max_listpack_value, 0, 64, 0, LMAX),
    I64_P("stream-node-max-entries", stream_node_max_entries, OWN, 100, 0, INT64_MAX),
    MEM_P("stream-node-max-bytes", stream_node_max_bytes, OWN, 4096, 0, LMAX),
    I64_P("slowlog-log-slower-than", slowlog_log_slower_than, OWN, 10000, -1, INT64_MAX),
    I64_P("slowlog-max-len", slowlog_max_len, OWN, 128, 0, LMAX),
    I64_P("latency-monitor-threshold", latency_monitor_threshold, OWN, 0, 0, INT64_MAX),
    BOOL_P("latency-tracking", latency_tracking, OWN, true),
    I64_P("busy-reply-threshold", busy_reply_threshold, OWN, 5000, 0, LMAX),
    I64_P("lua-time-limit", busy_reply_threshold, 0, 5000, 0, LMAX),
    {.name = "notify-keyspace-events", .type = P_INT, .flags = OWN,
     .offset = F(notify_keyspace_events, int), .get = get_notify, .set = set_notify},
    BOOL_P("activerehashing", activerehashing, OWN, true),
    INT_P("active-expire-effort", active_expire_effort, OWN, 1, 1, 10),
    ENUM_P("sanitize-dump-payload", sanitize_dump_payload, OWN, KVD_SANITIZE_DUMP_NO,
           kvd_config_sanitize_dump_choices),
};

#define NPARAMS KVD_ARRAY_LEN(params)

/* Redis clamps hz into this range rather than rejecting it. */
#define HZ_MIN 1
#define HZ_MAX 500

static void *field_at(kvd_config_t *cfg, const param_t *p)
{
    KVD_ASSERT(p->type != P_VIEW);
    return (char *)cfg + p->offset;
}

static const void *cfield_at(const kvd_config_t *cfg, const param_t *p)
{
    KVD_ASSERT(p->type != P_VIEW);
    return (const char *)cfg + p->offset;
}

void kvd_config_params_defaults(kvd_config_t *cfg)
{
    KVD_ASSERT(cfg != NULL);
    for (size_t i = 0; i < NPARAMS; i++) {
        const param_t *p = &params[i];
        if (!(p->flags & P_OWNED))
            continue;
        void *f = field_at(cfg, p);
        switch (p->type) {
        case P_INT:
        case P_ENUM: *(int *)f = (int)p->def; break;
        case P_INT64:
        case P_MEMORY: *(int64_t *)f = p->def; break;
        case P_UMEMORY: *(uint64_t *)f = (uint64_t)p->def; break;
        case P_BOOL: *(bool *)f = p->def != 0; break;
        case P_STRING:
            KVD_ASSERT(kvd_config_str_is_static(p->def_str));
            *(char **)f = (char *)p->def_str;
            break;
        case P_VIEW: KVD_ASSERT(!"a view owns no field"); break;
        }
    }
    /* Redis 7.2's set listpack thresholds: not 7.0 parameters, so not in
     * the table, but the set type reads them. */
    cfg->set_max_listpack_entries = 128;
    cfg->set_max_listpack_value = 64;
}

void kvd_config_params_verify(const kvd_config_t *cfg)
{
    KVD_ASSERT(cfg != NULL);
    for (size_t i = 0; i < NPARAMS; i++) {
        const param_t *p = &params[i];
        /* Views and custom setters check their own values below. */
        if (!(p->flags & P_OWNED) || p->set != NULL)
            continue;
        const void *f = cfield_at(cfg, p);
        switch (p->type) {
        case P_INT: KVD_ASSERT(*(const int *)f >= p->min && *(const int *)f <= p->max); break;
        case P_INT64:
        case P_MEMORY:
            KVD_ASSERT(*(const int64_t *)f >= p->min && *(const int64_t *)f <= p->max);
            break;
        case P_ENUM:
            KVD_ASSERT(strcmp(kvd_config_choice_name(p->choices, *(const int *)f), "?") != 0);
            break;
        case P_STRING: KVD_ASSERT(*(char *const *)f != NULL); break;
        case P_UMEMORY:
        case P_BOOL:
        case P_VIEW: break;
        }
    }
    KVD_ASSERT(cfg->hz >= HZ_MIN && cfg->hz <= HZ_MAX);
    KVD_ASSERT(cfg->save != NULL);
    KVD_ASSERT((cfg->notify_keyspace_events & ~(KVD_NOTIFY_ALL | KVD_NOTIFY_KEYSPACE |
                                                KVD_NOTIFY_KEYEVENT | KVD_NOTIFY_NEW |
                                                KVD_NOTIFY_KEY_MISS)) == 0);
}

static int lookup(const char *name)
{
    for (size_t i = 0; i < NPARAMS; i++)
        if (strcasecmp(params[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- getting ---- */

static void get_by_type(const param_t *p, const kvd_config_t *cfg, kvd_buf_t *out)
{
    const void *f = cfield_at(cfg, p);
    switch (p->type) {
    case P_INT: kvd_buf_printf(out, "%d", *(const int *)f); break;
    case P_INT64:
    case P_MEMORY: kvd_buf_printf(out, "%" PRId64, *(const int64_t *)f); break;
    case P_UMEMORY: kvd_buf_printf(out, "%" PRIu64, *(const uint64_t *)f); break;
    case P_BOOL: kvd_buf_append_str(out, *(const bool *)f ? "yes" : "no"); break;
    case P_ENUM:
        kvd_buf_append_str(out, kvd_config_choice_name(p->choices, *(const int *)f));
        break;
    case P_STRING: {
        const char *s = *(char *const *)f;
        kvd_buf_append_str(out, s ? s : "");
        break;
    }
    case P_VIEW: KVD_ASSERT(!"views format themselves"); break;
    }
}

static void get_bind(const param_t *p, const kvd_config_t *cfg, kvd_buf_t *out)
{
    KVD_ASSERT(cfg->nlisten >= 1 && cfg->nlisten <= KVD_CONFIG_MAX_LISTEN);
    for (int i = 0; i < cfg->nlisten; i++)
        kvd_buf_printf(out, "%s%s", i ? " " : "", cfg->listen[i].host);
}

static void get_port(const param_t *p, const kvd_config_t *cfg, kvd_buf_t *out)
{
    /* Redis has one port; the first listen address is the nearest thing. */
    KVD_ASSERT(cfg->nlisten >= 1);
    kvd_buf_printf(out, "%d", cfg->listen[0].port);
}

/* notify-keyspace-events letters in the order Redis prints them; 'A' stands
 * for all of KVD_NOTIFY_ALL, and K, E, m follow the classes. */
static const struct {
    char letter;
    int flag;
} notify_classes[] = {
    {'g', KVD_NOTIFY_GENERIC}, {'$', KVD_NOTIFY_STRING},  {'l', KVD_NOTIFY_LIST},
    {'s', KVD_NOTIFY_SET},     {'h', KVD_NOTIFY_HASH},    {'z', KVD_NOTIFY_ZSET},
    {'x', KVD_NOTIFY_EXPIRED}, {'e', KVD_NOTIFY_EVICTED}, {'t', KVD_NOTIFY_STREAM},
    {'d', KVD_NOTIFY_MODULE},  {'n', KVD_NOTIFY_NEW},
}, notify_targets[] = {
    {'K', KVD_NOTIFY_KEYSPACE}, {'E', KVD_NOTIFY_KEYEVENT}, {'m', KVD_NOTIFY_KEY_MISS},
};

static void get_notify(const param_t *p, const kvd_config_t *cfg, kvd_buf_t *out)
{
    int flags = cfg->notify_keyspace_events;
    if ((flags & KVD_NOTIFY_ALL) == KVD_NOTIFY_ALL) {
        /* Redis prints "A" alone here, dropping 'n' even when set. */
        kvd_buf_append_char(out, 'A');
    } else {
        for (size_t i = 0; i < KVD_ARRAY_LEN(notify_classes); i++)
            if (flags & notify_classes[i].flag)
                kvd_buf_append_char(out, notify_classes[i].letter);
    }
    for (size_t i = 0; i < KVD_ARRAY_LEN(notify_targets); i++)
        if (flags & notify_targets[i].flag)
            kvd_buf_append_char(out, notify_targets[i].letter);
}

static void format_param(const param_t *p, const kvd_config_t *cfg, kvd_buf_t *out)
{
    kvd_buf_clear(out);
    if (p->get != NULL)
        p->get(p, cfg, out);
    else
        get_by_type(p, cfg, out);
}

void kvd_config_get_many(const kvd_config_t *cfg, const char *const *patterns, int npatterns,
                         kvd_config_emit_fn *emit, void *arg)
{
    KVD_ASSERT(cfg != NULL && emit != NULL);
    KVD_ASSERT(npatterns >= 0 && (patterns != NULL || npatterns == 0));
    bool done[NPARAMS];
    memset(done, 0, sizeof(done));
    kvd_buf_t value = KVD_BUF_INIT;
    for (int i = 0; i < npatterns; i++) {
        const char *pat = patterns[i];
        size_t plen = strlen(pat);
        if (!kvd_glob_has_special(pat, plen)) {
            /* A plain name: Redis echoes it as the client spelled it. */
            int j = lookup(pat);
            if (j >= 0 && !done[j]) {
                done[j] = true;
                format_param(&params[j], cfg, &value);
                emit(pat, kvd_buf_cstr(&value), arg);
            }
            continue;
        }
        for (size_t j = 0; j < NPARAMS; j++) {
            const char *name = params[j].name;
            if (done[j] || !kvd_glob_match(pat, plen, name, strlen(name), true))
                continue;
            done[j] = true;
            format_param(&params[j], cfg, &value);
            emit(name, kvd_buf_cstr(&value), arg);
        }
    }
    kvd_buf_free(&value);
}

void kvd_config_get_matching(const kvd_config_t *cfg, const char *pattern, kvd_config_emit_fn *emit,
                             void *arg)
{
    KVD_ASSERT(pattern != NULL);
    kvd_config_get_many(cfg, &pattern, 1, emit, arg);
}

/* ---- setting ---- */

static int set_error(char *err, size_t errlen, const char *fmt, ...) KVD_PRINTF(3, 4);

static int set_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int range_error(char *err, size_t errlen, int64_t min, int64_t max)
{
    return set_error(err, errlen, "argument must be between %" PRId64 " and %" PRId64 " inclusive",
                     min, max);
}

/* An integer or memory value within [min, max], Redis's way. */
static int parse_number(const param_t *p, const char *v, int64_t *out, char *err, size_t errlen)
{
    int64_t n = 0;
    if (p->type == P_MEMORY) {
        uint64_t u;
        if (!kvd_config_parse_mem(v, strlen(v), true, &u))
            return set_error(err, errlen, "argument must be a memory value");
        /* Redis reads the result into a signed long long: past 2^63-1 it
         * turns negative and fails the range check, as here. */
        KVD_ASSERT(p->min >= 0);
        n = u > (uint64_t)INT64_MAX ? -1 : (int64_t)u;
    } else if (!kvd_str2ll(v, strlen(v), &n)) {
        return set_error(err, errlen, "argument couldn't be parsed into an integer");
    }
    if (n < p->min || n > p->max)
        return range_error(err, errlen, p->min, p->max);
    *out = n;
    return 0;
}

static int set_by_type(const param_t *p, kvd_config_t *cfg, const char *v, char *err, size_t errlen)
{
    void *f = field_at(cfg, p);
    int64_t n = 0;
    switch (p->type) {
    case P_INT:
    case P_INT64:
    case P_MEMORY:
        if (parse_number(p, v, &n, err, errlen) < 0)
            return -1;
        if (p->type == P_INT)
            *(int *)f = (int)n;
        else
            *(int64_t *)f = n;
        return 0;
    case P_UMEMORY: {
        uint64_t u;
        if (!kvd_config_parse_mem(v, strlen(v), true, &u))
            return set_error(err, errlen, "argument must be a memory value");
        *(uint64_t *)f = u;
        return 0;
    }
    case P_BOOL:
        if (strcasecmp(v, "yes") != 0 && strcasecmp(v, "no") != 0)
            return set_error(err, errlen, "argument must be 'yes' or 'no'");
        *(bool *)f = strcasecmp(v, "yes") == 0;
        return 0;
    case P_ENUM: {
        const kvd_config_choice_t *c = kvd_config_choice_find(p->choices, v, strlen(v));
        if (c == NULL) {
            char list[256];
            kvd_config_choice_list(p->choices, list, sizeof(list));
            return set_error(err, errlen, "argument(s) must be one of the following: %s", list);
        }
        *(int *)f = c->value;
        return 0;
    }
    case P_STRING: kvd_config_set_string(f, v); return 0;
    case P_VIEW: break;
    }
    KVD_ASSERT(!"views are immutable");
    return -1;
}

static int set_maxclients(const param_t *p, kvd_config_t *cfg, const char *v, char *err,
                          size_t errlen)
{
    int64_t n;
    if (!kvd_str2ll(v, strlen(v), &n))
        return set_error(err, errlen, "argument couldn't be parsed into an integer");
    if (n < 1 || n > UINT32_MAX) /* Redis's own range for the parameter */
        return range_error(err, errlen, 1, UINT32_MAX);
    /* Redis refuses what its file-descriptor limit cannot serve, in these words. */
    if (n > KVD_CONFIG_MAX_CLIENTS)
        return set_error(err, errlen,
                         "The operating system is not able to handle the specified number of "
                         "clients, try with %d",
                         KVD_CONFIG_MAX_CLIENTS);
    cfg->maxclients = (int)n;
    return 0;
}

static int set_hz(const param_t *p, kvd_config_t *cfg, const char *v, char *err, size_t errlen)
{
    int64_t n;
    if (!kvd_str2ll(v, strlen(v), &n))
        return set_error(err, errlen, "argument couldn't be parsed into an integer");
    if (n < 0 || n > INT_MAX)
        return range_error(err, errlen, 0, INT_MAX);
    cfg->hz = n < HZ_MIN ? HZ_MIN : n > HZ_MAX ? HZ_MAX : (int)n;
    return 0;
}

/*
 * "SECONDS CHANGES ..." pairs, split on single spaces as Redis does (so
 * "900 " is 900 seconds and 0 changes), each read as strtoll reads it;
 * seconds >= 1, changes >= 0.  Stored normalised ("+900 01" -> "900 1").
 */
static int set_save(const param_t *p, kvd_config_t *cfg, const char *v, char *err, size_t errlen)
{
    kvd_buf_t norm = KVD_BUF_INIT;
    size_t ntokens = 0;
    const char *tok = v;
    while (v[0] != '\0') {
        const char *end = strchr(tok, ' ');
        size_t len = end ? (size_t)(end - tok) : strlen(tok);
        char *copy = kvd_memdup(tok, len), *stop;
        errno = 0;
        long long n = strtoll(copy, &stop, 10);
        bool ok = *stop == '\0' && n >= (ntokens % 2 == 0 ? 1 : 0);
        kvd_free(copy);
        if (!ok)
            goto invalid;
        /* Redis keeps CHANGES in an int. */
        if (ntokens % 2 == 0)
            kvd_buf_printf(&norm, "%s%lld", ntokens ? " " : "", n);
        else
            kvd_buf_printf(&norm, " %d", (int)(uint32_t)(unsigned long long)n);
        ntokens++;
        if (end == NULL)
            break;
        tok = end + 1;
    }
    if (ntokens % 2 != 0)
        goto invalid;
    kvd_config_set_string(&cfg->save, norm.len ? kvd_buf_cstr(&norm) : "");
    kvd_buf_free(&norm);
    return 0;
invalid:
    kvd_buf_free(&norm);
    return set_error(err, errlen, "Invalid save parameters");
}

static int set_notify(const param_t *p, kvd_config_t *cfg, const char *v, char *err, size_t errlen)
{
    int flags = 0;
    for (const char *c = v; *c != '\0'; c++) {
        int f = 0;
        if (*c == 'A')
            f = KVD_NOTIFY_ALL;
        for (size_t i = 0; i < KVD_ARRAY_LEN(notify_classes) && f == 0; i++)
            if (notify_classes[i].letter == *c)
                f = notify_classes[i].flag;
        for (size_t i = 0; i < KVD_ARRAY_LEN(notify_targets) && f == 0; i++)
            if (notify_targets[i].letter == *c)
                f = notify_targets[i].flag;
        if (f == 0)
            return set_error(err, errlen, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
        flags |= f;
    }
    cfg->notify_keyspace_events = flags;
    return 0;
}

/* The name checks of CONFIG SET, in Redis's order; *index gets the entry. */
static int check_name(const char *name, const int *chosen, int nchosen, int *index, char *err,
                      size_t errlen)
{
    int j = lookup(name);
    if (j < 0) {
        set_error(err, errlen, "Unknown option or number of arguments for CONFIG SET - '%s'", name);
        return -2;
    }
    if (params[j].flags & P_IMMUTABLE)
        return set_error(err, errlen, "can't set immutable config");
    if (params[j].flags & P_PROTECTED)
        return set_error(err, errlen, "can't set protected config");
    for (int k = 0; k < nchosen; k++)
        if (chosen[k] == j)
            return set_error(err, errlen, "duplicate parameter");
    *index = j;
    return 0;
}

int kvd_config_set_many(kvd_config_t *cfg, const char *const *names, const char *const *values,
                        int n, int *failed, char *err, size_t errlen)
{
    KVD_ASSERT(cfg != NULL && names != NULL && values != NULL && failed != NULL);
    KVD_ASSERT(n >= 1);
    KVD_ASSERT(err != NULL && errlen > 0);
    /* Distinct names cannot outnumber the table, so a longer list fails
     * on a duplicate before it can overflow this. */
    int chosen[NPARAMS + 1];
    for (int i = 0; i < n; i++) {
        KVD_ASSERT((size_t)i < NPARAMS + 1);
        int rc = check_name(names[i], chosen, i, &chosen[i], err, errlen);
        if (rc < 0) {
            *failed = i;
            return rc;
        }
    }
    kvd_config_t backup;
    kvd_config_copy(&backup, cfg);
    for (int i = 0; i < n; i++) {
        const param_t *p = &params[chosen[i]];
        KVD_ASSERT(values[i] != NULL);
        int rc = p->set ? p->set(p, cfg, values[i], err, errlen)
                        : set_by_type(p, cfg, values[i], err, errlen);
        if (rc < 0) {
            /* All or nothing: put back every value set so far. */
            kvd_config_free(cfg);
            *cfg = backup;
            *failed = i;
            return -1;
        }
    }
    kvd_config_free(&backup);
    KVD_VERIFY(kvd_config_verify(cfg));
    return 0;
}

int kvd_config_set(kvd_config_t *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    int failed;
    return kvd_config_set_many(cfg, &name, &value, 1, &failed, err, errlen);
}

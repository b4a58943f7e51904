/*
 * config.c - kvd.yaml: the schema, loading and validation, defaults,
 * copying, and which changes a reload can apply live.  CONFIG GET/SET by
 * Redis parameter names is in config_params.c.
 *
 * Loading reads the whole file, lets libyaml build the document tree and
 * walks it against the schema table below.  The table is the single
 * description of every key: its type, field, default, range and whether a
 * change needs a restart; defaults, validation, error messages and
 * kvd_config_restart_needed() all read it.
 */
#include "config.h"
#include "config_int.h"
#include "buf.h"
#include "log.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* A configuration file is a page of text; refuse anything absurd. */
#define CONFIG_MAX_FILE_BYTES (16u << 20)
/* Paths and other strings: PATH_MAX is the longest anything can use. */
#define CONFIG_MAX_STRING 4096
/* How much of an offending value an error message quotes. */
#define CONFIG_EXCERPT 64

const char kvd_config_static_text[] = "\0.\0appendonly.aof";

bool kvd_config_str_is_static(const char *s)
{
    /* Compare addresses as integers: relational comparison of pointers
     * into different objects is undefined in C. */
    uintptr_t p = (uintptr_t)s, lo = (uintptr_t)kvd_config_static_text;
    return p >= lo && p < lo + sizeof(kvd_config_static_text);
}

/* ---- the schema ---- */

typedef enum {
    KEY_INT,     /* int field, decimal */
    KEY_MEMORY,  /* int64_t field, "512mb" */
    KEY_BOOL,    /* bool field, yes/no/true/false */
    KEY_STRING,  /* char * field */
    KEY_ENUM,    /* int-sized enum field, one of `choices` */
    KEY_LISTEN,  /* listen[] and nlisten */
    KEY_MODULES, /* modules[] and nmodules */
    KEY_SECTION, /* a nested mapping described by `children` */
} key_type_t;

typedef struct key_schema key_schema_t;
struct key_schema {
    const char *name;
    key_type_t type;
    size_t offset; /* of the field in kvd_config_t */
    int64_t def, min, max;
    const char *def_str;                /* KEY_STRING: one of the static texts */
    const kvd_config_choice_t *choices; /* KEY_ENUM */
    const key_schema_t *children;       /* KEY_SECTION */
    size_t nchildren;
    bool restart; /* a change needs a restart to take effect */
};

#define FIELD KVD_CONFIG_FIELD
#define ENUM_FIELD KVD_CONFIG_ENUM_FIELD

#define INT_KEY(n, f, d, lo, hi, r)                                                                \
    {.name = n, .type = KEY_INT, .offset = FIELD(f, int), .def = d, .min = lo, .max = hi,          \
     .restart = r}
#define MEM_KEY(n, f, d, lo, hi, r)                                                                \
    {.name = n, .type = KEY_MEMORY, .offset = FIELD(f, int64_t), .def = d, .min = lo, .max = hi,   \
     .restart = r}
#define BOOL_KEY(n, f, d, r)                                                                       \
    {.name = n, .type = KEY_BOOL, .offset = FIELD(f, bool), .def = d, .restart = r}
#define STR_KEY(n, f, d, r)                                                                        \
    {.name = n, .type = KEY_STRING, .offset = FIELD(f, char *), .def_str = d, .restart = r}
#define ENUM_KEY(n, f, d, c, r)                                                                    \
    {.name = n, .type = KEY_ENUM, .offset = ENUM_FIELD(f), .def = d, .choices = c, .restart = r}

#define MB (INT64_C(1) << 20)
#define GB (INT64_C(1) << 30)
#define LIVE false
#define RESTART true

static const key_schema_t log_keys[] = {
    STR_KEY("file", log_file, KVD_CONFIG_STATIC_EMPTY, LIVE),
    ENUM_KEY("level", log_level, KVD_LOG_NOTICE, kvd_config_loglevel_choices, LIVE),
};

static const key_schema_t top_keys[] = {
    {.name = "listen", .type = KEY_LISTEN, .restart = RESTART},
    INT_KEY("shards", shards, 1, 1, 1024, RESTART),
    INT_KEY("databases", databases, 16, 1, 1024, RESTART),
    INT_KEY("maxclients", maxclients, 10000, 1, KVD_CONFIG_MAX_CLIENTS, LIVE),
    INT_KEY("timeout", timeout, 0, 0, INT_MAX, LIVE),
    INT_KEY("tcp-keepalive", tcp_keepalive, 300, 0, INT_MAX, LIVE),
    INT_KEY("tcp-backlog", tcp_backlog, 511, 0, INT_MAX, RESTART),
    STR_KEY("dir", dir, KVD_CONFIG_STATIC_DOT, RESTART),
    STR_KEY("pidfile", pidfile, KVD_CONFIG_STATIC_EMPTY, RESTART),
    {.name = "log", .type = KEY_SECTION, .children = log_keys,
     .nchildren = KVD_ARRAY_LEN(log_keys)},
    BOOL_KEY("daemonize", daemonize, false, RESTART),
    ENUM_KEY("cpu_affinity", cpu_affinity, KVD_AFFINITY_NONE, kvd_config_affinity_choices, RESTART),
    MEM_KEY("proto-max-bulk-len", proto_max_bulk_len, 512 * MB, 1 * MB, INT64_MAX, LIVE),
    MEM_KEY("client-query-buffer-limit", client_query_buffer_limit, 1 * GB, 1 * MB, INT64_MAX,
            LIVE),
    BOOL_KEY("appendonly", appendonly, false, LIVE),
    ENUM_KEY("appendfsync", appendfsync, KVD_FSYNC_EVERYSEC, kvd_config_fsync_choices, LIVE),
    MEM_KEY("auto-aof-rewrite-percentage", auto_aof_rewrite_percentage, 100, 0, INT_MAX, LIVE),
    MEM_KEY("auto-aof-rewrite-min-size", auto_aof_rewrite_min_size, 64 * MB, 0, INT64_MAX, LIVE),
    BOOL_KEY("aof-load-truncated", aof_load_truncated, true, LIVE),
    BOOL_KEY("aof-load-truncate-corrupt", aof_load_truncate_corrupt, false, LIVE),
    {.name = "modules", .type = KEY_MODULES, .restart = RESTART},
};

/* apply_mapping() tracks keys seen in a fixed array of this size. */
#define SCHEMA_MAX_KEYS 32
_Static_assert(KVD_ARRAY_LEN(top_keys) <= SCHEMA_MAX_KEYS, "top-level schema too large");

static void *field_at(kvd_config_t *cfg, size_t offset)
{
    return (char *)cfg + offset;
}

static const void *cfield_at(const kvd_config_t *cfg, size_t offset)
{
    return (const char *)cfg + offset;
}

/* ---- defaults, free, copy ---- */

static void schema_defaults(kvd_config_t *cfg, const key_schema_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const key_schema_t *e = &t[i];
        void *f = field_at(cfg, e->offset);
        switch (e->type) {
        case KEY_INT:
        case KEY_ENUM: *(int *)f = (int)e->def; break;
        case KEY_MEMORY: *(int64_t *)f = e->def; break;
        case KEY_BOOL: *(bool *)f = e->def != 0; break;
        case KEY_STRING:
            KVD_ASSERT(kvd_config_str_is_static(e->def_str));
            *(char **)f = (char *)e->def_str;
            break;
        case KEY_LISTEN:
            memset(cfg->listen, 0, sizeof(cfg->listen));
            snprintf(cfg->listen[0].host, sizeof(cfg->listen[0].host), "127.0.0.1");
            cfg->listen[0].port = 6379;
            cfg->nlisten = 1;
            break;
        case KEY_MODULES:
            memset(cfg->modules, 0, sizeof(cfg->modules));
            cfg->nmodules = 0;
            break;
        case KEY_SECTION: schema_defaults(cfg, e->children, e->nchildren); break;
        }
    }
}

void kvd_config_defaults(kvd_config_t *cfg)
{
    KVD_ASSERT(cfg != NULL);
    memset(cfg, 0, sizeof(*cfg));
    cfg->source = NULL;
    schema_defaults(cfg, top_keys, KVD_ARRAY_LEN(top_keys));
    kvd_config_params_defaults(cfg);
    KVD_VERIFY(kvd_config_verify(cfg));
}

/* Every char * field outside modules[], so free and copy cannot miss one. */
static const size_t string_fields[] = {
    FIELD(source, char *),   FIELD(dir, char *),  FIELD(pidfile, char *),
    FIELD(log_file, char *), FIELD(save, char *), FIELD(appendfilename, char *),
};

static void release_string(char **slot)
{
    if (*slot != NULL && !kvd_config_str_is_static(*slot))
        kvd_free(*slot);
    *slot = NULL;
}

void kvd_config_free(kvd_config_t *cfg)
{
    KVD_ASSERT(cfg != NULL);
    KVD_ASSERT(cfg->nmodules >= 0 && cfg->nmodules <= KVD_CONFIG_MAX_MODULES);
    for (size_t i = 0; i < KVD_ARRAY_LEN(string_fields); i++)
        release_string(field_at(cfg, string_fields[i]));
    for (int i = 0; i < cfg->nmodules; i++) {
        release_string(&cfg->modules[i].path);
        release_string(&cfg->modules[i].options);
    }
    kvd_config_defaults(cfg);
}

static char *dup_string(const char *s)
{
    if (s == NULL || kvd_config_str_is_static(s))
        return (char *)s;
    return kvd_strdup(s);
}

void kvd_config_copy(kvd_config_t *dst, const kvd_config_t *src)
{
    KVD_ASSERT(dst != NULL && src != NULL && dst != src);
    KVD_ASSERT(src->nmodules >= 0 && src->nmodules <= KVD_CONFIG_MAX_MODULES);
    *dst = *src;
    for (size_t i = 0; i < KVD_ARRAY_LEN(string_fields); i++) {
        char **slot = field_at(dst, string_fields[i]);
        *slot = dup_string(*slot);
    }
    for (int i = 0; i < dst->nmodules; i++) {
        dst->modules[i].path = dup_string(src->modules[i].path);
        dst->modules[i].options = dup_string(src->modules[i].options);
    }
}

void kvd_config_set_string(char **field, const char *value)
{
    KVD_ASSERT(field != NULL && value != NULL);
    /* Copy before releasing: value may be the old text itself. */
    char *old = *field;
    *field = kvd_strdup(value);
    release_string(&old);
}

/* ---- invariants ---- */

static void verify_keys(const kvd_config_t *cfg, const key_schema_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const key_schema_t *e = &t[i];
        const void *f = cfield_at(cfg, e->offset);
        switch (e->type) {
        case KEY_INT:
            KVD_ASSERT(*(const int *)f >= e->min);
            KVD_ASSERT(*(const int *)f <= e->max);
            break;
        case KEY_MEMORY:
            KVD_ASSERT(*(const int64_t *)f >= e->min);
            KVD_ASSERT(*(const int64_t *)f <= e->max);
            break;
        case KEY_ENUM:
            KVD_ASSERT(strcmp(kvd_config_choice_name(e->choices, *(const int *)f), "?") != 0);
            break;
        case KEY_STRING: KVD_ASSERT(*(char *const *)f != NULL); break;
        case KEY_BOOL: break;
        case KEY_LISTEN:
            KVD_ASSERT(cfg->nlisten >= 1 && cfg->nlisten <= KVD_CONFIG_MAX_LISTEN);
            for (int j = 0; j < cfg->nlisten; j++) {
                KVD_ASSERT(cfg->listen[j].host[0] != '\0');
                KVD_ASSERT(cfg->listen[j].port >= 0 && cfg->listen[j].port <= 65535);
            }
            break;
        case KEY_MODULES:
            KVD_ASSERT(cfg->nmodules >= 0 && cfg->nmodules <= KVD_CONFIG_MAX_MODULES);
            for (int j = 0; j < cfg->nmodules; j++)
                KVD_ASSERT(cfg->modules[j].path != NULL && cfg->modules[j].path[0] != '\0');
            break;
        case KEY_SECTION: verify_keys(cfg, e->children, e->nchildren); break;
        }
    }
}

void kvd_config_verify(const kvd_config_t *cfg)
{
    KVD_ASSERT(cfg != NULL);
    verify_keys(cfg, top_keys, KVD_ARRAY_LEN(top_keys));
    kvd_config_params_verify(cfg);
}

/* ---- memory sizes ---- */

bool kvd_config_parse_mem(const char *s, size_t len, bool allow_empty, uint64_t *out)
{
    KVD_ASSERT(s != NULL || len == 0);
    static const struct {
        const char *unit;
        uint64_t mul;
    } units[] = {{"", 1},
                 {"b", 1},
                 {"k", 1000},
                 {"kb", 1024},
                 {"m", 1000 * 1000},
                 {"mb", 1024 * 1024},
                 {"g", 1000 * 1000 * 1000},
                 {"gb", UINT64_C(1) << 30}};
    size_t digits = 0;
    uint64_t v = 0;
    while (digits < len && s[digits] >= '0' && s[digits] <= '9') {
        uint64_t d = (uint64_t)(s[digits] - '0');
        /* Saturate like Redis's strtoull instead of failing: the range
         * check then reports the value as too large. */
        v = (v > (UINT64_MAX - d) / 10) ? UINT64_MAX : v * 10 + d;
        digits++;
    }
    if (digits == 0 && !allow_empty)
        return false;
    const char *unit = s + digits;
    size_t ulen = len - digits;
    for (size_t i = 0; i < KVD_ARRAY_LEN(units); i++) {
        if (strlen(units[i].unit) == ulen && strncasecmp(unit, units[i].unit, ulen) == 0) {
            uint64_t r;
            *out = __builtin_mul_overflow(v, units[i].mul, &r) ? UINT64_MAX : r;
            return true;
        }
    }
    return false;
}

int kvd_config_parse_memory(const char *s, int64_t *out)
{
    KVD_ASSERT(s != NULL && out != NULL);
    uint64_t v;
    if (!kvd_config_parse_mem(s, strlen(s), false, &v) || v > (uint64_t)INT64_MAX)
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* "1mb", "512gb" when exact, plain bytes otherwise: how ranges read in errors. */
static void format_memory(int64_t v, char *out, size_t outlen)
{
    if (v > 0 && v % GB == 0)
        snprintf(out, outlen, "%" PRId64 "gb", v / GB);
    else if (v > 0 && v % MB == 0)
        snprintf(out, outlen, "%" PRId64 "mb", v / MB);
    else if (v > 0 && v % 1024 == 0)
        snprintf(out, outlen, "%" PRId64 "kb", v / 1024);
    else
        snprintf(out, outlen, "%" PRId64, v);
}

/* ---- loading: context and errors ---- */

typedef struct load_ctx {
    const char *path;
    yaml_document_t *doc;
    kvd_config_t *cfg;
    char *err;
    size_t errlen;
} load_ctx_t;

static int fail_at_mark(load_ctx_t *lc, yaml_mark_t mark, const char *fmt, ...) KVD_PRINTF(3, 4);

static int fail_at_mark(load_ctx_t *lc, yaml_mark_t mark, const char *fmt, ...)
{
    int n = snprintf(lc->err, lc->errlen, "%s:%zu:%zu: ", lc->path, mark.line + 1, mark.column + 1);
    if (n >= 0 && (size_t)n < lc->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(lc->err + n, lc->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

#define fail_at(lc, node, ...) fail_at_mark((lc), (node)->start_mark, __VA_ARGS__)

static const char *scalar_text(const yaml_node_t *node)
{
    KVD_ASSERT(node->type == YAML_SCALAR_NODE);
    return (const char *)node->data.scalar.value;
}

static size_t scalar_len(const yaml_node_t *node)
{
    KVD_ASSERT(node->type == YAML_SCALAR_NODE);
    return node->data.scalar.length;
}

static bool scalar_is(const yaml_node_t *node, const char *s)
{
    return strlen(s) == scalar_len(node) && memcmp(s, scalar_text(node), scalar_len(node)) == 0;
}

/* YAML's null: an unquoted empty value, "~" or "null". */
static bool is_null(const yaml_node_t *node)
{
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = scalar_text(node);
    return scalar_len(node) == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* Quote text for a message: bounded, control bytes shown as '?'. */
static const char *excerpt(const char *s, size_t len, char *buf, size_t buflen)
{
    KVD_ASSERT(buflen >= CONFIG_EXCERPT + 8);
    size_t n = len < CONFIG_EXCERPT ? len : CONFIG_EXCERPT;
    buf[0] = '\'';
    for (size_t i = 0; i < n; i++)
        buf[i + 1] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    snprintf(buf + n + 1, buflen - n - 1, "%s'", len > n ? "..." : "");
    return buf;
}

/* What a node is, for "expected X, got Y". */
static const char *describe(const yaml_node_t *node, char *buf, size_t buflen)
{
    switch (node->type) {
    case YAML_SCALAR_NODE:
        if (is_null(node))
            return "nothing";
        return excerpt(scalar_text(node), scalar_len(node), buf, buflen);
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static yaml_node_t *node_at(load_ctx_t *lc, int index)
{
    yaml_node_t *node = yaml_document_get_node(lc->doc, index);
    KVD_ASSERT(node != NULL); /* libyaml only hands out indexes it holds */
    return node;
}

/* ---- loading: scalar values ---- */

/* "-123" too long for int64: a number, just out of range. */
static bool is_long_number(const yaml_node_t *v)
{
    const char *s = scalar_text(v);
    size_t len = scalar_len(v), i = (len > 0 && s[0] == '-') ? 1 : 0;
    if (len - i < 19 || s[i] < '1' || s[i] > '9')
        return false;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int apply_int(load_ctx_t *lc, const key_schema_t *e, yaml_node_t *v, const char *key)
{
    char buf[CONFIG_EXCERPT + 8];
    int64_t n;
    bool parsed = v->type == YAML_SCALAR_NODE && kvd_str2ll(scalar_text(v), scalar_len(v), &n);
    if (!parsed && v->type == YAML_SCALAR_NODE && is_long_number(v))
        return fail_at(lc, v, "%s: %.*s is out of range (%" PRId64 "..%" PRId64 ")", key,
                       (int)(scalar_len(v) < CONFIG_EXCERPT ? scalar_len(v) : CONFIG_EXCERPT),
                       scalar_text(v), e->min, e->max);
    if (!parsed)
        return fail_at(lc, v, "%s: expected an integer, got %s", key,
                       describe(v, buf, sizeof(buf)));
    if (n < e->min || n > e->max)
        return fail_at(lc, v, "%s: %" PRId64 " is out of range (%" PRId64 "..%" PRId64 ")", key, n,
                       e->min, e->max);
    *(int *)field_at(lc->cfg, e->offset) = (int)n;
    return 0;
}

static int apply_memory(load_ctx_t *lc, const key_schema_t *e, yaml_node_t *v, const char *key)
{
    char buf[CONFIG_EXCERPT + 8], lo[32], hi[32];
    uint64_t n;
    KVD_ASSERT(e->min >= 0);
    if (v->type != YAML_SCALAR_NODE ||
        !kvd_config_parse_mem(scalar_text(v), scalar_len(v), false, &n))
        return fail_at(lc, v, "%s: expected a size like 512mb or 1gb, got %s", key,
                       describe(v, buf, sizeof(buf)));
    if (n < (uint64_t)e->min || n > (uint64_t)e->max) {
        format_memory(e->min, lo, sizeof(lo));
        format_memory(e->max, hi, sizeof(hi));
        int shown = scalar_len(v) < CONFIG_EXCERPT ? (int)scalar_len(v) : CONFIG_EXCERPT;
        return fail_at(lc, v, "%s: %.*s is out of range (%s..%s)", key, shown, scalar_text(v), lo,
                       hi);
    }
    *(int64_t *)field_at(lc->cfg, e->offset) = (int64_t)n;
    return 0;
}

static int apply_bool(load_ctx_t *lc, const key_schema_t *e, yaml_node_t *v, const char *key)
{
    static const kvd_config_choice_t bools[] = {
        {"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0}, {NULL, 0},
    };
    char buf[CONFIG_EXCERPT + 8];
    const kvd_config_choice_t *c = NULL;
    if (v->type == YAML_SCALAR_NODE)
        c = kvd_config_choice_find(bools, scalar_text(v), scalar_len(v));
    if (c == NULL)
        return fail_at(lc, v, "%s: expected yes or no, got %s", key, describe(v, buf, sizeof(buf)));
    *(bool *)field_at(lc->cfg, e->offset) = c->value != 0;
    return 0;
}

static int apply_enum(load_ctx_t *lc, const key_schema_t *e, yaml_node_t *v, const char *key)
{
    char buf[CONFIG_EXCERPT + 8], list[128];
    const kvd_config_choice_t *c = NULL;
    if (v->type == YAML_SCALAR_NODE)
        c = kvd_config_choice_find(e->choices, scalar_text(v), scalar_len(v));
    if (c == NULL) {
        kvd_config_choice_list(e->choices, list, sizeof(list));
        return fail_at(lc, v, "%s: expected one of %s, got %s", key, list,
                       describe(v, buf, sizeof(buf)));
    }
    *(int *)field_at(lc->cfg, e->offset) = c->value;
    return 0;
}

/* A string value: YAML null reads as "". */
static int get_string(load_ctx_t *lc, yaml_node_t *v, const char *key, const char **out)
{
    char buf[CONFIG_EXCERPT + 8];
    if (v->type != YAML_SCALAR_NODE)
        return fail_at(lc, v, "%s: expected a string, got %s", key, describe(v, buf, sizeof(buf)));
    if (is_null(v)) {
        *out = "";
        return 0;
    }
    if (memchr(scalar_text(v), '\0', scalar_len(v)) != NULL)
        return fail_at(lc, v, "%s: contains a NUL byte", key);
    if (scalar_len(v) > CONFIG_MAX_STRING)
        return fail_at(lc, v, "%s: longer than %d bytes", key, CONFIG_MAX_STRING);
    *out = scalar_text(v);
    return 0;
}

static int apply_string(load_ctx_t *lc, const key_schema_t *e, yaml_node_t *v, const char *key)
{
    const char *s;
    if (get_string(lc, v, key, &s) < 0)
        return -1;
    kvd_config_set_string(field_at(lc->cfg, e->offset), s);
    return 0;
}

/* ---- loading: listen ---- */

/*
 * Split "127.0.0.1:6379", "[::1]:6379" or "*:6379" into out.  The host
 * must be numeric, as the listener resolves it without DNS.  On failure
 * writes the reason to why.
 */
static int parse_listen(const char *s, size_t len, kvd_listen_addr_t *out, char *why, size_t whylen)
{
    const char *host = s, *colon;
    size_t hostlen;
    bool v6 = len > 0 && s[0] == '[';
    if (v6) {
        const char *close = memchr(s, ']', len);
        if (close == NULL || close + 1 == s + len || close[1] != ':')
            goto syntax;
        host = s + 1;
        hostlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = NULL;
        for (size_t i = len; i > 0 && colon == NULL; i--)
            if (s[i - 1] == ':')
                colon = s + i - 1;
        if (colon == NULL)
            goto syntax;
        hostlen = (size_t)(colon - s);
        if (memchr(s, ':', hostlen) != NULL) {
            snprintf(why, whylen, "IPv6 addresses go in brackets, like [::1]:6379");
            return -1;
        }
    }
    int64_t port;
    if (!kvd_str2ll(colon + 1, len - (size_t)(colon + 1 - s), &port) || port < 0 || port > 65535) {
        snprintf(why, whylen, "the port must be a number from 0 to 65535");
        return -1;
    }
    if (hostlen == 0 || hostlen >= sizeof(out->host))
        goto syntax;
    memcpy(out->host, host, hostlen);
    out->host[hostlen] = '\0';
    out->port = (int)port;
    unsigned char addr[sizeof(struct in6_addr)];
    if (v6 ? inet_pton(AF_INET6, out->host, addr) == 1
           : (strcmp(out->host, "*") == 0 || inet_pton(AF_INET, out->host, addr) == 1))
        return 0;
    snprintf(why, whylen, "'%.64s' is not a numeric %s address", out->host, v6 ? "IPv6" : "IPv4");
    return -1;
syntax:
    snprintf(why, whylen, "expected ADDRESS:PORT, like 127.0.0.1:6379, [::1]:6379 or *:6379");
    return -1;
}

static int add_listen(load_ctx_t *lc, yaml_node_t *item)
{
    kvd_config_t *cfg = lc->cfg;
    char buf[CONFIG_EXCERPT + 8], why[160];
    if (item->type != YAML_SCALAR_NODE || is_null(item))
        return fail_at(lc, item, "listen: expected ADDRESS:PORT, got %s",
                       describe(item, buf, sizeof(buf)));
    if (cfg->nlisten >= KVD_CONFIG_MAX_LISTEN)
        return fail_at(lc, item, "listen: more than %d addresses", KVD_CONFIG_MAX_LISTEN);
    kvd_listen_addr_t a;
    memset(&a, 0, sizeof(a));
    if (parse_listen(scalar_text(item), scalar_len(item), &a, why, sizeof(why)) < 0)
        return fail_at(lc, item, "listen: %s: %s",
                       excerpt(scalar_text(item), scalar_len(item), buf, sizeof(buf)), why);
    for (int i = 0; i < cfg->nlisten; i++)
        if (cfg->listen[i].port == a.port && strcmp(cfg->listen[i].host, a.host) == 0)
            return fail_at(lc, item, "listen: %s is listed twice",
                           excerpt(scalar_text(item), scalar_len(item), buf, sizeof(buf)));
    cfg->listen[cfg->nlisten++] = a;
    return 0;
}

static int apply_listen(load_ctx_t *lc, yaml_node_t *v)
{
    lc->cfg->nlisten = 0;
    memset(lc->cfg->listen, 0, sizeof(lc->cfg->listen));
    if (v->type == YAML_SCALAR_NODE)
        return add_listen(lc, v);
    if (v->type != YAML_SEQUENCE_NODE)
        return fail_at(lc, v, "listen: expected a list of ADDRESS:PORT, got a mapping");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
        if (add_listen(lc, node_at(lc, *it)) < 0)
            return -1;
    if (lc->cfg->nlisten == 0)
        return fail_at(lc, v, "listen: expected at least one address");
    return 0;
}

/* ---- loading: modules ---- */

/* The keys of one {path: ..., options: ...} entry. */
static int module_from_mapping(load_ctx_t *lc, yaml_node_t *map, kvd_module_conf_t *m)
{
    char buf[CONFIG_EXCERPT + 8];
    yaml_node_t *seen[2] = {NULL, NULL}; /* path, options */
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(lc, p->key), *v = node_at(lc, p->value);
        if (k->type != YAML_SCALAR_NODE || is_null(k))
            return fail_at(lc, k, "expected a key name, got %s", describe(k, buf, sizeof(buf)));
        int which = scalar_is(k, "path") ? 0 : scalar_is(k, "options") ? 1 : -1;
        if (which < 0)
            return fail_at(lc, k, "unknown key %s in 'modules'",
                           excerpt(scalar_text(k), scalar_len(k), buf, sizeof(buf)));
        if (seen[which] != NULL)
            return fail_at(lc, k, "duplicate key 'modules.%s' (first at line %zu)", scalar_text(k),
                           seen[which]->start_mark.line + 1);
        seen[which] = k;
        const char *s;
        if (get_string(lc, v, which == 0 ? "modules.path" : "modules.options", &s) < 0)
            return -1;
        if (which == 0 && s[0] == '\0')
            return fail_at(lc, v, "modules.path: must not be empty");
        if (which == 0 || !is_null(v))
            kvd_config_set_string(which == 0 ? &m->path : &m->options, s);
    }
    if (seen[0] == NULL)
        return fail_at(lc, map, "modules: entry has no 'path'");
    return 0;
}

static int add_module(load_ctx_t *lc, yaml_node_t *item)
{
    kvd_config_t *cfg = lc->cfg;
    char buf[CONFIG_EXCERPT + 8];
    if (cfg->nmodules >= KVD_CONFIG_MAX_MODULES)
        return fail_at(lc, item, "modules: more than %d modules", KVD_CONFIG_MAX_MODULES);
    /* Count the entry before filling it, so a failure frees what it holds. */
    kvd_module_conf_t *m = &cfg->modules[cfg->nmodules++];
    m->path = NULL;
    m->options = NULL;
    if (item->type == YAML_MAPPING_NODE) {
        if (module_from_mapping(lc, item, m) < 0)
            return -1;
    } else {
        const char *s;
        if (item->type != YAML_SCALAR_NODE || is_null(item))
            return fail_at(lc, item, "modules: expected a path or {path, options}, got %s",
                           describe(item, buf, sizeof(buf)));
        if (get_string(lc, item, "modules", &s) < 0)
            return -1;
        kvd_config_set_string(&m->path, s);
    }
    for (int i = 0; i + 1 < cfg->nmodules; i++)
        if (strcmp(cfg->modules[i].path, m->path) == 0)
            return fail_at(lc, item, "modules: '%s' is listed twice", m->path);
    return 0;
}

static int apply_modules(load_ctx_t *lc, yaml_node_t *v)
{
    char buf[CONFIG_EXCERPT + 8];
    if (is_null(v))
        return 0;
    if (v->type != YAML_SEQUENCE_NODE)
        return fail_at(lc, v, "modules: expected a list, got %s", describe(v, buf, sizeof(buf)));
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
        if (add_module(lc, node_at(lc, *it)) < 0)
            return -1;
    return 0;
}

/* ---- loading: mappings ---- */

static int apply_mapping(load_ctx_t *lc, yaml_node_t *map, const key_schema_t *t, size_t n,
                         const char *section);

static int apply_value(load_ctx_t *lc, const key_schema_t *e, yaml_node_t *v, const char *section)
{
    char key[64], buf[CONFIG_EXCERPT + 8];
    snprintf(key, sizeof(key), "%s%s%s", section ? section : "", section ? "." : "", e->name);
    switch (e->type) {
    case KEY_INT: return apply_int(lc, e, v, key);
    case KEY_MEMORY: return apply_memory(lc, e, v, key);
    case KEY_BOOL: return apply_bool(lc, e, v, key);
    case KEY_STRING: return apply_string(lc, e, v, key);
    case KEY_ENUM: return apply_enum(lc, e, v, key);
    case KEY_LISTEN: return apply_listen(lc, v);
    case KEY_MODULES: return apply_modules(lc, v);
    case KEY_SECTION:
        if (is_null(v))
            return 0;
        if (v->type != YAML_MAPPING_NODE)
            return fail_at(lc, v, "%s: expected a mapping, got %s", key,
                           describe(v, buf, sizeof(buf)));
        return apply_mapping(lc, v, e->children, e->nchildren, key);
    }
    KVD_ASSERT(!"unknown key type");
    return -1;
}

static const key_schema_t *find_key(const key_schema_t *t, size_t n, const yaml_node_t *k)
{
    for (size_t i = 0; i < n; i++)
        if (scalar_is(k, t[i].name))
            return &t[i];
    return NULL;
}

static int apply_mapping(load_ctx_t *lc, yaml_node_t *map, const key_schema_t *t, size_t n,
                         const char *section)
{
    KVD_ASSERT(map->type == YAML_MAPPING_NODE);
    KVD_ASSERT(n <= SCHEMA_MAX_KEYS);
    size_t first_line[SCHEMA_MAX_KEYS] = {0}; /* 0: not seen yet */
    char buf[CONFIG_EXCERPT + 8];
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(lc, p->key), *v = node_at(lc, p->value);
        if (k->type != YAML_SCALAR_NODE || is_null(k))
            return fail_at(lc, k, "expected a key name, got %s", describe(k, buf, sizeof(buf)));
        const key_schema_t *e = find_key(t, n, k);
        if (e == NULL && section == NULL)
            return fail_at(lc, k, "unknown key %s",
                           excerpt(scalar_text(k), scalar_len(k), buf, sizeof(buf)));
        if (e == NULL)
            return fail_at(lc, k, "unknown key %s in '%s'",
                           excerpt(scalar_text(k), scalar_len(k), buf, sizeof(buf)), section);
        size_t i = (size_t)(e - t);
        if (first_line[i] != 0)
            return fail_at(lc, k, "duplicate key '%s%s%s' (first at line %zu)",
                           section ? section : "", section ? "." : "", e->name, first_line[i]);
        first_line[i] = k->start_mark.line + 1;
        if (apply_value(lc, e, v, section) < 0)
            return -1;
    }
    return 0;
}

/* ---- loading: the file and the document ---- */

static int read_file(const char *path, kvd_buf_t *out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
        close(fd);
        return -1;
    }
    /* Read to EOF with a cap, rather than trusting st_size (it may be a pipe). */
    for (;;) {
        if (out->len > CONFIG_MAX_FILE_BYTES) {
            snprintf(err, errlen, "%s: larger than %u bytes", path, CONFIG_MAX_FILE_BYTES);
            close(fd);
            return -1;
        }
        kvd_buf_reserve(out, 65536);
        ssize_t n = read(fd, out->data + out->len, out->cap - out->len);
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        out->len += (size_t)n;
    }
    close(fd);
    return 0;
}

/* libyaml's reader reports a byte offset; turn it into line and column. */
static yaml_mark_t mark_of_offset(const kvd_buf_t *text, size_t offset)
{
    yaml_mark_t m = {.index = offset, .line = 0, .column = 0};
    for (size_t i = 0; i < offset && i < text->len; i++) {
        if (text->data[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)text->data[i] & 0xc0) != 0x80) {
            m.column++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    return m;
}

static int syntax_error(load_ctx_t *lc, const yaml_parser_t *p, const kvd_buf_t *text)
{
    const char *problem = p->problem ? p->problem : "malformed document";
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        snprintf(lc->err, lc->errlen, "%s: out of memory while parsing", lc->path);
        return -1;
    case YAML_READER_ERROR:
        return fail_at_mark(lc, mark_of_offset(text, p->problem_offset), "YAML syntax error: %s",
                            problem);
    default:
        if (p->context != NULL)
            return fail_at_mark(lc, p->problem_mark,
                                "YAML syntax error: %s (%s at line %zu, column %zu)", problem,
                                p->context, p->context_mark.line + 1, p->context_mark.column + 1);
        return fail_at_mark(lc, p->problem_mark, "YAML syntax error: %s", problem);
    }
}

static int apply_document(load_ctx_t *lc, yaml_document_t *doc)
{
    lc->doc = doc;
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (root == NULL || is_null(root))
        return 0; /* empty file, or only comments: the defaults */
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(lc, root, "expected a mapping of keys to values at the top level");
    return apply_mapping(lc, root, top_keys, KVD_ARRAY_LEN(top_keys), NULL);
}

static int parse_text(load_ctx_t *lc, const kvd_buf_t *text)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(lc->err, lc->errlen, "%s: out of memory while parsing", lc->path);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text->data, text->len);
    int rc = -1;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = syntax_error(lc, &parser, text);
        goto out;
    }
    rc = apply_document(lc, &doc);
    yaml_document_delete(&doc);
    if (rc < 0)
        goto out;
    /* One document per file: a second one is almost surely a mistake. */
    if (!yaml_parser_load(&parser, &doc)) {
        rc = syntax_error(lc, &parser, text);
        goto out;
    }
    if (yaml_document_get_root_node(&doc) != NULL)
        rc = fail_at_mark(lc, doc.start_mark, "only one YAML document is allowed");
    yaml_document_delete(&doc);
out:
    yaml_parser_delete(&parser);
    return rc;
}

int kvd_config_load(const char *path, kvd_config_t *cfg, char *err, size_t errlen)
{
    KVD_ASSERT(path != NULL && cfg != NULL);
    KVD_ASSERT(err != NULL && errlen > 0);
    kvd_config_defaults(cfg);
    err[0] = '\0';
    kvd_buf_t text = KVD_BUF_INIT;
    load_ctx_t lc = {.path = path, .cfg = cfg, .err = err, .errlen = errlen};
    int rc = read_file(path, &text, err, errlen);
    if (rc == 0)
        rc = parse_text(&lc, &text);
    kvd_buf_free(&text);
    if (rc < 0) {
        kvd_config_free(cfg);
        KVD_ASSERT(err[0] != '\0');
        return -1;
    }
    cfg->source = kvd_strdup(path);
    KVD_VERIFY(kvd_config_verify(cfg));
    return 0;
}

/* ---- what needs a restart ---- */

static bool same_string(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool same_value(const key_schema_t *e, const kvd_config_t *a, const kvd_config_t *b)
{
    const void *fa = cfield_at(a, e->offset), *fb = cfield_at(b, e->offset);
    switch (e->type) {
    case KEY_INT:
    case KEY_ENUM: return *(const int *)fa == *(const int *)fb;
    case KEY_MEMORY: return *(const int64_t *)fa == *(const int64_t *)fb;
    case KEY_BOOL: return *(const bool *)fa == *(const bool *)fb;
    case KEY_STRING: return same_string(*(char *const *)fa, *(char *const *)fb);
    case KEY_LISTEN:
        if (a->nlisten != b->nlisten)
            return false;
        for (int i = 0; i < a->nlisten; i++)
            if (a->listen[i].port != b->listen[i].port ||
                strcmp(a->listen[i].host, b->listen[i].host) != 0)
                return false;
        return true;
    case KEY_MODULES:
        if (a->nmodules != b->nmodules)
            return false;
        for (int i = 0; i < a->nmodules; i++)
            if (!same_string(a->modules[i].path, b->modules[i].path) ||
                !same_string(a->modules[i].options, b->modules[i].options))
                return false;
        return true;
    case KEY_SECTION: break;
    }
    KVD_ASSERT(!"sections hold no value of their own");
    return true;
}

static int collect_restart(const key_schema_t *t, size_t n, const char *section,
                           const kvd_config_t *a, const kvd_config_t *b, kvd_buf_t *names)
{
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        const key_schema_t *e = &t[i];
        if (e->type == KEY_SECTION) {
            count += collect_restart(e->children, e->nchildren, e->name, a, b, names);
            continue;
        }
        if (!e->restart || same_value(e, a, b))
            continue;
        kvd_buf_printf(names, "%s%s%s%s", names->len ? ", " : "", section ? section : "",
                       section ? "." : "", e->name);
        count++;
    }
    return count;
}

int kvd_config_restart_needed(const kvd_config_t *a, const kvd_config_t *b, char *out,
                              size_t outlen)
{
    KVD_ASSERT(a != NULL && b != NULL);
    KVD_ASSERT(out != NULL || outlen == 0);
    kvd_buf_t names = KVD_BUF_INIT;
    int count = collect_restart(top_keys, KVD_ARRAY_LEN(top_keys), NULL, a, b, &names);
    if (outlen > 0)
        snprintf(out, outlen, "%s", names.len ? kvd_buf_cstr(&names) : "");
    kvd_buf_free(&names);
    return count;
}

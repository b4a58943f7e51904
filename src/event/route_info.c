/*
 * route_info.c - INFO with several shards: every worker answers for its
 * own shard, and the parts are added up so that the client sees one
 * server (DESIGN.md section 4).
 *
 * Counters and sizes add up (connected_clients, blocked_clients,
 * used_memory, keyspace_hits, each db's keys and expires, each command's
 * calls ...); facts about the process (version, port, limits, times) are
 * the first part's; peaks of buffers take the largest; ratios and
 * "_human" texts are the first part's, except the memory ones, which are
 * worked out again from the sums.  Lines only some shards have (a
 * database, a command's stats) are added to their section; the keyspace
 * stays in database order.
 */
#include "route.h"
#include "cmd/server.h"
#include "core/util.h"
#include "proto/reply.h"

#define INFO_MAX_LINES 4096

typedef struct info_line {
    char *text;       /* without CRLF */
    int section;      /* index of its "# Section" line, -1 before any */
} info_line_t;

typedef struct info {
    info_line_t lines[INFO_MAX_LINES];
    int n;
} info_t;

static const char *const keep_first[] = {
    "maxclients", "total_system_memory", "maxmemory", "rdb_last_save_time", "used_memory_startup",
    "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec", "aof_last_rewrite_time_sec",
    "aof_current_rewrite_time_sec", "current_cow_size_age",
};

static bool name_is(const char *line, size_t nlen, const char *name)
{
    return strlen(name) == nlen && memcmp(line, name, nlen) == 0;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool parse_i64(const char *s, size_t n, int64_t *out)
{
    return n > 0 && kvd_str2ll(s, n, out);
}

/* "a=1,b=2" + "a=3,b=x": the integer subfields added (avg_ttl: the
 * largest), usec_per_call worked out again. */
static void combine_composite(const char *a, const char *b, kvd_buf_t *out)
{
    int64_t calls = -1, usec = -1;
    const char *p = a;
    for (int guard = 0; *p != '\0' && guard < 64; guard++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (p != a)
            kvd_buf_append_char(out, ',');
        if (eq == NULL) {
            kvd_buf_append(out, p, len);
        } else {
            size_t klen = (size_t)(eq - p);
            int64_t x = 0, y = 0;
            const char *bv = NULL;
            for (const char *q = b; q != NULL && *q != '\0'; q = strchr(q, ',') ? strchr(q, ',') + 1 : NULL)
                if (strncmp(q, p, klen) == 0 && q[klen] == '=') {
                    bv = q + klen + 1;
                    break;
                }
            size_t blen = bv ? strcspn(bv, ",") : 0;
            kvd_buf_append(out, p, klen + 1);
            if (bv != NULL && parse_i64(eq + 1, len - klen - 1, &x) && parse_i64(bv, blen, &y)) {
                int64_t v = name_is(p, klen, "avg_ttl") ? (x > y ? x : y) : x + y;
                kvd_buf_printf(out, "%lld", (long long)v);
                if (name_is(p, klen, "calls"))
                    calls = v;
                if (name_is(p, klen, "usec"))
                    usec = v;
            } else if (name_is(p, klen, "usec_per_call") && calls > 0 && usec >= 0) {
                kvd_buf_printf(out, "%.2f", (double)usec / (double)calls);
            } else {
                kvd_buf_append(out, eq + 1, len - klen - 1);
            }
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
}

/* The merged value of field `name` (nlen bytes) in section sec. */
static void combine(const char *sec, const char *name, size_t nlen, const char *a, const char *b,
                    kvd_buf_t *out)
{
    int64_t x, y;
    bool first = strcmp(sec, "Server") == 0 || strcmp(sec, "Replication") == 0 ||
                 strcmp(sec, "Cluster") == 0 || strcmp(sec, "Modules") == 0 ||
                 ends_with(name, nlen, "_human") || ends_with(name, nlen, "_ratio") ||
                 ends_with(name, nlen, "_perc");
    for (size_t i = 0; i < KVD_ARRAY_LEN(keep_first) && !first; i++)
        first = name_is(name, nlen, keep_first[i]);
    if (first) {
        kvd_buf_append_str(out, a);
    } else if (parse_i64(a, strlen(a), &x) && parse_i64(b, strlen(b), &y)) {
        bool peak = strncmp(name, "client_recent_max", 17) == 0;
        kvd_buf_printf(out, "%lld", (long long)(peak ? (x > y ? x : y) : x + y));
    } else if (strchr(a, '=') != NULL && strchr(b, '=') != NULL) {
        combine_composite(a, b, out);
    } else if (strcmp(sec, "CPU") == 0) {
        kvd_buf_printf(out, "%.6f", strtod(a, NULL) + strtod(b, NULL));
    } else {
        kvd_buf_append_str(out, a);
    }
}

static char *dup_text(const char *p, size_t n)
{
    char *s = kvd_malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static const char *section_of(const info_t *in, int i)
{
    int s = in->lines[i].section;
    return s < 0 ? "" : in->lines[s].text + 2;
}

static void insert_line(info_t *in, int at, char *text, int section)
{
    if (in->n == INFO_MAX_LINES) {
        kvd_free(text);
        return;
    }
    memmove(&in->lines[at + 1], &in->lines[at], (size_t)(in->n - at) * sizeof(in->lines[0]));
    for (int i = at + 1; i <= in->n; i++)
        if (in->lines[i].section >= at)
            in->lines[i].section++;
    in->lines[at] = (info_line_t){text, section};
    in->n++;
}

/* Add one "name:value" line of section sname to the merged lines. */
static void merge_line(info_t *in, const char *sname, const char *line)
{
    const char *colon = strchr(line, ':');
    size_t nlen = (size_t)(colon - line);
    int sec = -1, last = -1;
    for (int i = 0; i < in->n; i++) {
        if (strcmp(section_of(in, i), sname) != 0 || in->lines[i].section == i ||
            in->lines[i].text[0] == '\0')
            continue;
        sec = in->lines[i].section;
        last = i;
        const char *t = in->lines[i].text;
        if (strncmp(t, line, nlen + 1) != 0)
            continue;
        kvd_buf_t v = KVD_BUF_INIT;
        kvd_buf_append(&v, t, nlen + 1);
        combine(sname, line, nlen, t + nlen + 1, colon + 1, &v);
        kvd_free(in->lines[i].text);
        in->lines[i].text = dup_text(v.data, v.len);
        kvd_buf_free(&v);
        return;
    }
    if (last < 0) { /* a section the first part lacks */
        for (int i = 0; i < in->n; i++)
            if (in->lines[i].section == i && strcmp(in->lines[i].text + 2, sname) == 0)
                last = sec = i;
        if (last < 0)
            return;
    }
    insert_line(in, last + 1, dup_text(line, strlen(line)), sec);
}

static void parse_part(const kvd_buf_t *part, info_t *in, bool first)
{
    const char *p = memchr(part->data, '\n', part->len);
    if (p == NULL || part->data[0] != '$')
        return;
    const char *end = part->data + part->len - 2;
    char sname[64] = "";
    for (p++; p < end;) {
        const char *nl = memchr(p, '\r', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *line = dup_text(p, n);
        p += n + 2;
        if (line[0] == '#') {
            snprintf(sname, sizeof(sname), "%s", line + 2);
            if (first)
                insert_line(in, in->n, line, in->n);
            else
                kvd_free(line);
            continue;
        }
        if (first && (n == 0 || strchr(line, ':') == NULL)) {
            insert_line(in, in->n, line, in->n > 0 ? in->lines[in->n - 1].section : -1);
            continue;
        }
        if (first)
            insert_line(in, in->n, line, in->n > 0 ? in->lines[in->n - 1].section : -1);
        else if (n > 0 && strchr(line, ':') != NULL)
            merge_line(in, sname, line);
        if (!first)
            kvd_free(line);
    }
}

/* Each dbN line of the keyspace in database order (shards add theirs at
 * the section's end). */
static void sort_keyspace(info_t *in)
{
    for (int i = 1; i < in->n; i++) {
        for (int j = i; j > 0; j--) {
            info_line_t *a = &in->lines[j - 1], *b = &in->lines[j];
            if (strncmp(a->text, "db", 2) != 0 || strncmp(b->text, "db", 2) != 0 ||
                a->section != b->section || atoi(a->text + 2) <= atoi(b->text + 2))
                break;
            info_line_t t = *a;
            *a = *b;
            *b = t;
        }
    }
}

/* used_memory_human and friends from the summed byte counts. */
static void rehumanize(info_t *in)
{
    for (int i = 0; i < in->n; i++) {
        char *t = in->lines[i].text;
        char *colon = strchr(t, ':');
        if (colon == NULL || !ends_with(t, (size_t)(colon - t), "_human"))
            continue;
        size_t base = (size_t)(colon - t) - 6;
        for (int j = 0; j < in->n; j++) {
            const char *u = in->lines[j].text;
            int64_t bytes;
            if (strncmp(u, t, base) != 0 || u[base] != ':' ||
                !parse_i64(u + base + 1, strlen(u + base + 1), &bytes) || bytes < 0)
                continue;
            char h[32];
            kvd_info_bytes_human(h, sizeof(h), (uint64_t)bytes);
            kvd_buf_t v = KVD_BUF_INIT;
            kvd_buf_printf(&v, "%.*s:%s", (int)(colon - t), t, h);
            kvd_free(in->lines[i].text);
            in->lines[i].text = dup_text(v.data, v.len);
            kvd_buf_free(&v);
            break;
        }
    }
}

void kvd_route_merge_info(const kvd_buf_t *parts, int nparts, kvd_buf_t *out)
{
    info_t *in = kvd_calloc(1, sizeof(*in));
    for (int i = 0; i < nparts; i++)
        parse_part(&parts[i], in, i == 0);
    sort_keyspace(in);
    rehumanize(in);
    kvd_buf_t text = KVD_BUF_INIT;
    for (int i = 0; i < in->n; i++) {
        kvd_buf_append_str(&text, in->lines[i].text);
        kvd_buf_append(&text, "\r\n", 2);
        kvd_free(in->lines[i].text);
    }
    kvd_reply_bulk(out, text.data, text.len);
    kvd_buf_free(&text);
    kvd_free(in);
}

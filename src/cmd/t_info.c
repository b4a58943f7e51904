/*
 * t_info.c - INFO [section ...], with Redis 7.0.15's sections, field names
 * and field order, so that tools and the Redis test suite that parse INFO
 * find what they expect.  Fields for features kvd does not have (RDB,
 * replication links, pub/sub, tracking, defragmentation, Lua until the
 * module exists) carry the values Redis shows when the feature is unused.
 *
 * The figures are this shard's (worker's); the cross-shard sum comes with
 * the fan-out machinery.  INFO is not part of the deterministic core's
 * contract: beside the env clock it reads process facts from the OS
 * (getrusage, /proc/self/statm, uname, jemalloc statistics).
 */
#include "auto_config.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#ifdef HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "server.h"
#include "blocking.h"
#include "aof/aof.h"
#include "proto/reply.h"

typedef void info_section_fn(kvd_shard_t *s, kvd_buf_t *out);

#define NULL_REPLID "0000000000000000000000000000000000000000"

/* ---- helpers ---- */

/* Redis's bytesToHuman: "1023B", "1.09M", "23.54G". */
void kvd_info_bytes_human(char *buf, size_t len, uint64_t n)
{
    static const char units[] = "KMGTP";
    double d = (double)n;
    if (n < 1024) {
        snprintf(buf, len, "%lluB", (unsigned long long)n);
        return;
    }
    for (size_t i = 0; i < sizeof(units) - 1; i++) {
        d /= 1024;
        if (d < 1024 || i == sizeof(units) - 2) {
            snprintf(buf, len, "%.2f%c", d, units[i]);
            return;
        }
    }
}

static void field_human(kvd_buf_t *out, const char *name, uint64_t n)
{
    char h[32];
    kvd_info_bytes_human(h, sizeof(h), n);
    kvd_buf_printf(out, "%s:%llu\r\n%s_human:%s\r\n", name, (unsigned long long)n, name, h);
}

/* 40 hex digits from the environment's random source, drawn once per shard. */
static const char *lazy_hex_id(kvd_shard_t *s, char *id)
{
    if (id[0] != '\0')
        return id;
    for (int i = 0; i < 40; i += 16) {
        char chunk[17];
        snprintf(chunk, sizeof(chunk), "%016llx", (unsigned long long)s->env->random_u64(s->env));
        memcpy(id + i, chunk, (size_t)(i + 16 <= 40 ? 16 : 40 - i));
    }
    id[40] = '\0';
    return id;
}

static uint64_t uptime_seconds(kvd_shard_t *s)
{
    uint64_t now = s->env->now_us(s->env);
    return now > s->start_us ? (now - s->start_us) / 1000000 : 0;
}

/* ---- # Server ---- */

static const char *executable_path(kvd_shard_t *s, char *buf, size_t len)
{
    if (s->executable)
        return s->executable;
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static const char *config_file_path(kvd_shard_t *s)
{
    if (s->config_file)
        return s->config_file;
    return s->cfg->source ? s->cfg->source : "";
}

static void info_server(kvd_shard_t *s, kvd_buf_t *out)
{
    struct utsname u;
    if (uname(&u) < 0)
        memset(&u, 0, sizeof(u));
    char exe[1024];
    uint64_t up = uptime_seconds(s);
    uint64_t now_us = s->env->now_us(s->env);
    kvd_buf_printf(out,
                   "redis_version:%s\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n"
                   "redis_build_id:0\r\nredis_mode:standalone\r\nos:%s %s %s\r\n"
                   "arch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\n"
                   "multiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\n"
                   "gcc_version:%d.%d.%d\r\nprocess_id:%ld\r\nprocess_supervised:no\r\n",
                   KVD_REDIS_COMPAT_VERSION, u.sysname, u.release, u.machine,
                   (int)(sizeof(void *) * 8), __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
                   (long)getpid());
    kvd_buf_printf(out,
                   "run_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%llu\r\n"
                   "uptime_in_seconds:%llu\r\nuptime_in_days:%llu\r\nhz:%d\r\n"
                   "configured_hz:%d\r\nlru_clock:%llu\r\nexecutable:%s\r\nconfig_file:%s\r\n"
                   "io_threads_active:0\r\nkvd_version:%s\r\nshards:%d\r\n",
                   lazy_hex_id(s, s->run_id), s->tcp_port, (unsigned long long)now_us,
                   (unsigned long long)up, (unsigned long long)(up / 86400), s->hz, s->hz,
                   (unsigned long long)((now_us / 1000000) & ((1u << 24) - 1)),
                   executable_path(s, exe, sizeof(exe)), config_file_path(s), PACKAGE_VERSION,
                   s->nshards);
}

/* ---- # Clients ---- */

static void info_clients(kvd_shard_t *s, kvd_buf_t *out)
{
    size_t max_in = 0, max_out = 0;
    uint64_t guard = 0;
    for (kvd_client_t *c = s->clients; c != NULL && guard <= s->nclients; c = c->next, guard++) {
        max_in = c->qbuf_len > max_in ? c->qbuf_len : max_in;
        max_out = c->obuf_len > max_out ? c->obuf_len : max_out;
    }
    kvd_buf_printf(out,
                   "connected_clients:%llu\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
                   "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\n"
                   "blocked_clients:%llu\r\ntracking_clients:0\r\nclients_in_timeout_table:%llu\r\n",
                   (unsigned long long)s->nclients, s->cfg->maxclients, max_in, max_out,
                   (unsigned long long)(kvd_blocking_count(s->blocking) + s->cross_blocked),
                   (unsigned long long)(kvd_blocking_count(s->blocking) + s->cross_blocked));
}

/* ---- # Memory ---- */

typedef struct mem_facts {
    uint64_t used, rss, peak, clients, allocated, active, resident, total_system;
    const char *allocator;
} mem_facts_t;

static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void allocator_facts(mem_facts_t *m)
{
    m->allocated = m->active = m->resident = m->used;
    m->allocator = "libc";
#ifdef HAVE_JEMALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch), v, vsz = sizeof(v);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    if (mallctl("stats.allocated", &v, &vsz, NULL, 0) == 0)
        m->allocated = v;
    if (mallctl("stats.active", &v, &vsz, NULL, 0) == 0)
        m->active = v;
    if (mallctl("stats.resident", &v, &vsz, NULL, 0) == 0)
        m->resident = v;
#define KVD_STR2(x) #x
#define KVD_STR(x) KVD_STR2(x)
    m->allocator = "jemalloc-" KVD_STR(JEMALLOC_VERSION_MAJOR) "." KVD_STR(
        JEMALLOC_VERSION_MINOR) "." KVD_STR(JEMALLOC_VERSION_BUGFIX);
#endif
}

static void mem_gather(kvd_shard_t *s, mem_facts_t *m)
{
    memset(m, 0, sizeof(*m));
    m->used = kvd_memory_used();
    if (m->used > s->used_memory_peak)
        s->used_memory_peak = m->used;
    m->peak = s->used_memory_peak;
    m->rss = rss_bytes();
    uint64_t guard = 0;
    for (kvd_client_t *c = s->clients; c != NULL && guard <= s->nclients; c = c->next, guard++)
        m->clients += sizeof(*c) + c->qbuf_len + c->qbuf_free + c->obuf_len;
    m->total_system = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    allocator_facts(m);
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static void info_memory_usage(const mem_facts_t *m, kvd_buf_t *out)
{
    field_human(out, "used_memory", m->used);
    field_human(out, "used_memory_rss", m->rss);
    field_human(out, "used_memory_peak", m->peak);
    uint64_t overhead = m->clients < m->used ? m->clients : m->used;
    uint64_t dataset = m->used - overhead;
    kvd_buf_printf(out,
                   "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:%llu\r\n"
                   "used_memory_startup:0\r\nused_memory_dataset:%llu\r\n"
                   "used_memory_dataset_perc:%.2f%%\r\nallocator_allocated:%llu\r\n"
                   "allocator_active:%llu\r\nallocator_resident:%llu\r\n",
                   100 * ratio(m->used, m->peak), (unsigned long long)overhead,
                   (unsigned long long)dataset, 100 * ratio(dataset, m->used),
                   (unsigned long long)m->allocated, (unsigned long long)m->active,
                   (unsigned long long)m->resident);
    field_human(out, "total_system_memory", m->total_system);
}

/* Until the Lua module reports its own figures, scripting uses no memory. */
static const char mem_scripting_block[] =
    "used_memory_lua:0\r\nused_memory_vm_eval:0\r\nused_memory_lua_human:0B\r\n"
    "used_memory_scripts_eval:0\r\nnumber_of_cached_scripts:0\r\nnumber_of_functions:0\r\n"
    "number_of_libraries:0\r\nused_memory_vm_functions:0\r\nused_memory_vm_total:0\r\n"
    "used_memory_vm_total_human:0B\r\nused_memory_functions:0\r\nused_memory_scripts:0\r\n"
    "used_memory_scripts_human:0B\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\n"
    "maxmemory_policy:noeviction\r\n";

static int64_t diff(uint64_t a, uint64_t b)
{
    return (int64_t)a - (int64_t)b;
}

static void info_memory_ratios(const mem_facts_t *m, kvd_buf_t *out)
{
    kvd_buf_printf(out,
                   "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\n"
                   "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%lld\r\n"
                   "rss_overhead_ratio:%.2f\r\nrss_overhead_bytes:%lld\r\n"
                   "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\n",
                   ratio(m->active, m->allocated), (long long)diff(m->active, m->allocated),
                   ratio(m->resident, m->active), (long long)diff(m->resident, m->active),
                   ratio(m->rss, m->resident), (long long)diff(m->rss, m->resident),
                   ratio(m->rss, m->used), (long long)diff(m->rss, m->used));
    kvd_buf_printf(out,
                   "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
                   "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n"
                   "mem_clients_normal:%llu\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\n"
                   "mem_allocator:%s\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:0\r\n"
                   "lazyfreed_objects:0\r\n",
                   (unsigned long long)m->clients, m->allocator);
}

static void info_memory(kvd_shard_t *s, kvd_buf_t *out)
{
    mem_facts_t m;
    mem_gather(s, &m);
    info_memory_usage(&m, out);
    kvd_buf_append_str(out, mem_scripting_block);
    info_memory_ratios(&m, out);
}

/* ---- # Persistence ---- */

static void info_persistence(kvd_shard_t *s, kvd_buf_t *out)
{
    kvd_buf_printf(out,
                   "loading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\n"
                   "current_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
                   "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n"
                   "rdb_changes_since_last_save:%llu\r\nrdb_bgsave_in_progress:0\r\n"
                   "rdb_last_save_time:%llu\r\nrdb_last_bgsave_status:ok\r\n"
                   "rdb_last_bgsave_time_sec:-1\r\nrdb_current_bgsave_time_sec:-1\r\n"
                   "rdb_saves:0\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:0\r\n"
                   "rdb_last_load_keys_loaded:0\r\naof_enabled:%d\r\n",
                   (unsigned long long)s->dirty, (unsigned long long)(s->start_us / 1000000),
                   s->cfg->appendonly ? 1 : 0);
    /* The rest (rewrite state, write status, sizes when on) is the AOF's. */
    kvd_aof_info(s, out);
}

/* ---- # Stats ---- */

static const char stats_repl_block[] =
    "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
    "instantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\n"
    "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n";

static const char stats_features_block[] =
    "pubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\nlatest_fork_usec:0\r\n"
    "total_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\n"
    "active_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\n"
    "active_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\n"
    "current_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\n"
    "tracking_total_prefixes:0\r\n";

static void info_stats(kvd_shard_t *s, kvd_buf_t *out)
{
    const kvd_shard_stats_t *st = &s->stats;
    kvd_buf_printf(out,
                   "total_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
                   "instantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:%llu\r\n"
                   "total_net_output_bytes:%llu\r\n",
                   (unsigned long long)st->total_connections_received,
                   (unsigned long long)st->total_commands_processed,
                   (unsigned long long)st->net_input_bytes,
                   (unsigned long long)st->net_output_bytes);
    kvd_buf_append_str(out, stats_repl_block);
    kvd_buf_printf(out,
                   "rejected_connections:%llu\r\nsync_full:0\r\nsync_partial_ok:0\r\n"
                   "sync_partial_err:0\r\nexpired_keys:%llu\r\nexpired_stale_perc:0.00\r\n"
                   "expired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:0\r\n"
                   "evicted_keys:0\r\nevicted_clients:0\r\ntotal_eviction_exceeded_time:0\r\n"
                   "current_eviction_exceeded_time:0\r\nkeyspace_hits:%llu\r\n"
                   "keyspace_misses:%llu\r\n",
                   (unsigned long long)st->rejected_connections,
                   (unsigned long long)st->db.expired_keys,
                   (unsigned long long)st->db.keyspace_hits,
                   (unsigned long long)st->db.keyspace_misses);
    kvd_buf_append_str(out, stats_features_block);
    kvd_buf_printf(out,
                   "unexpected_error_replies:%llu\r\ntotal_error_replies:%llu\r\n"
                   "dump_payload_sanitizations:0\r\ntotal_reads_processed:0\r\n"
                   "total_writes_processed:0\r\nio_threaded_reads_processed:0\r\n"
                   "io_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\n"
                   "reply_buffer_expands:0\r\n",
                   (unsigned long long)st->unexpected_error_replies,
                   (unsigned long long)st->total_error_replies);
    /* kvd's own: where client commands ran (several shards). */
    kvd_buf_printf(out, "kvd_commands_local:%llu\r\nkvd_commands_routed:%llu\r\n"
                   "kvd_commands_cross_shard:%llu\r\n",
                   (unsigned long long)st->routed_local, (unsigned long long)st->routed_remote,
                   (unsigned long long)st->routed_cross);
}

/* ---- # Replication, # CPU, # Modules, # Cluster ---- */

static void info_replication(kvd_shard_t *s, kvd_buf_t *out)
{
    kvd_buf_printf(out,
                   "role:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
                   "master_replid:%s\r\nmaster_replid2:" NULL_REPLID "\r\n"
                   "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
                   "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
                   "repl_backlog_histlen:0\r\n",
                   lazy_hex_id(s, s->replid));
}

static void cpu_field(kvd_buf_t *out, const char *name, const struct timeval *tv)
{
    kvd_buf_printf(out, "%s:%ld.%06ld\r\n", name, (long)tv->tv_sec, (long)tv->tv_usec);
}

static void info_cpu(kvd_shard_t *s, kvd_buf_t *out)
{
    KVD_UNUSED(s);
    struct rusage self, children, thread;
    memset(&self, 0, sizeof(self));
    memset(&children, 0, sizeof(children));
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
#ifdef RUSAGE_THREAD
    if (getrusage(RUSAGE_THREAD, &thread) < 0)
        thread = self;
#else
    thread = self;
#endif
    cpu_field(out, "used_cpu_sys", &self.ru_stime);
    cpu_field(out, "used_cpu_user", &self.ru_utime);
    cpu_field(out, "used_cpu_sys_children", &children.ru_stime);
    cpu_field(out, "used_cpu_user_children", &children.ru_utime);
    cpu_field(out, "used_cpu_sys_main_thread", &thread.ru_stime);
    cpu_field(out, "used_cpu_user_main_thread", &thread.ru_utime);
}

/* Loaded modules will list themselves here once the module loader exists. */
static void info_modules(kvd_shard_t *s, kvd_buf_t *out)
{
    KVD_UNUSED(s);
    KVD_UNUSED(out);
}

static void info_cluster(kvd_shard_t *s, kvd_buf_t *out)
{
    KVD_UNUSED(s);
    kvd_buf_append_str(out, "cluster_enabled:0\r\n");
}

/* Latency tracking is not implemented: the section is empty, as Redis's is
 * with latency-tracking off. */
static void info_latencystats(kvd_shard_t *s, kvd_buf_t *out)
{
    KVD_UNUSED(s);
    KVD_UNUSED(out);
}

/* ---- # Commandstats, # Errorstats, # Keyspace ---- */

static void commandstat_line(kvd_buf_t *out, const kvd_command_t *cmd)
{
    if (cmd->calls == 0 && cmd->failed_calls == 0 && cmd->rejected_calls == 0)
        return;
    kvd_buf_printf(out,
                   "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                   "failed_calls=%llu\r\n",
                   cmd->fullname, (unsigned long long)cmd->calls, (unsigned long long)cmd->usec,
                   cmd->calls ? (double)cmd->usec / (double)cmd->calls : 0.0,
                   (unsigned long long)cmd->rejected_calls, (unsigned long long)cmd->failed_calls);
}

static void info_commandstats(kvd_shard_t *s, kvd_buf_t *out)
{
    KVD_UNUSED(s);
    for (size_t i = 0; i < kvd_command_count(); i++) {
        const kvd_command_t *cmd = kvd_command_at(i);
        commandstat_line(out, cmd);
        for (const kvd_command_t *sub = cmd->subcommands; sub && sub->name; sub++)
            commandstat_line(out, sub);
    }
}

static void info_errorstats(kvd_shard_t *s, kvd_buf_t *out)
{
    for (int i = 0; i < s->stats.nerrors && i < KVD_MAX_ERROR_CODES; i++)
        kvd_buf_printf(out, "errorstat_%s:count=%llu\r\n", s->stats.errors[i].code,
                       (unsigned long long)s->stats.errors[i].count);
}

static void info_keyspace(kvd_shard_t *s, kvd_buf_t *out)
{
    for (int i = 0; i < s->ndbs; i++) {
        uint64_t keys = kvd_db_size(s->dbs[i]);
        if (keys == 0)
            continue;
        kvd_buf_printf(out, "db%d:keys=%llu,expires=%llu,avg_ttl=0\r\n", i,
                       (unsigned long long)keys,
                       (unsigned long long)kvd_db_expires_size(s->dbs[i]));
    }
}

/* ---- sections and selection ---- */

typedef struct info_section {
    const char *name;  /* as INFO takes it */
    const char *title; /* as "# Title" prints it */
    info_section_fn *fn;
    bool in_default;
} info_section_t;

static const info_section_t sections[] = {
    {"server", "Server", info_server, true},
    {"clients", "Clients", info_clients, true},
    {"memory", "Memory", info_memory, true},
    {"persistence", "Persistence", info_persistence, true},
    {"stats", "Stats", info_stats, true},
    {"replication", "Replication", info_replication, true},
    {"cpu", "CPU", info_cpu, true},
    {"modules", "Modules", info_modules, true},
    {"commandstats", "Commandstats", info_commandstats, false},
    {"errorstats", "Errorstats", info_errorstats, true},
    {"latencystats", "Latencystats", info_latencystats, false},
    {"cluster", "Cluster", info_cluster, true},
    {"keyspace", "Keyspace", info_keyspace, true},
};

#define NSECTIONS KVD_ARRAY_LEN(sections)

static void select_default(bool *want)
{
    for (size_t i = 0; i < NSECTIONS; i++)
        want[i] = want[i] || sections[i].in_default;
}

/* Mark the sections one INFO argument asks for; unknown names select nothing. */
static void select_sections(const kvd_arg_t *a, bool *want)
{
    if (kvd_arg_is(a, "all") || kvd_arg_is(a, "everything")) {
        for (size_t i = 0; i < NSECTIONS; i++)
            want[i] = true;
        return;
    }
    if (kvd_arg_is(a, "default")) {
        select_default(want);
        return;
    }
    for (size_t i = 0; i < NSECTIONS; i++)
        if (kvd_arg_is(a, sections[i].name) ||
            (kvd_arg_is(a, "module_list") && strcmp(sections[i].name, "modules") == 0))
            want[i] = true;
}

void kvd_info_command(kvd_client_t *c)
{
    bool want[NSECTIONS] = {false};
    if (c->argc == 1)
        select_default(want);
    for (int j = 1; j < c->argc; j++)
        select_sections(&c->argv[j], want);
    kvd_buf_t out = KVD_BUF_INIT;
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (!want[i])
            continue;
        if (out.len > 0)
            kvd_buf_append_str(&out, "\r\n");
        kvd_buf_printf(&out, "# %s\r\n", sections[i].title);
        sections[i].fn(c->shard, &out);
    }
    kvd_reply_bulk(c->reply, out.data ? out.data : "", out.len);
    kvd_buf_free(&out);
}

/*
 * config.h - kvd.yaml: schema, validation, defaults, CONFIG GET/SET.
 *
 * Every key has a type, a default and a range (config.c holds the schema
 * table).  Loading never half-applies: it fills a fresh kvd_config_t and
 * the caller swaps it in only on success.  Errors are reported as
 * "FILE:LINE:COLUMN: message" (1-based line and column, as libyaml marks
 * them plus one).
 *
 * String fields: a configuration at its defaults owns no memory (its
 * string fields point at static text), so kvd_config_defaults() needs no
 * matching free and a failed load leaks nothing.  Treat the strings as
 * read-only; replace one only with kvd_config_set_string(), never with
 * kvd_free() + assignment.
 */
#ifndef KVD_CONFIG_H
#define KVD_CONFIG_H

#include "kvd.h"

#define KVD_CONFIG_MAX_LISTEN 16
#define KVD_CONFIG_MAX_MODULES 32
#define KVD_CONFIG_ERR_LEN 512

typedef struct kvd_listen_addr {
    char host[256]; /* "127.0.0.1", "::1", "*" (all IPv4), or "::" */
    int port;       /* 0..65535; 0 asks the kernel for a free port */
} kvd_listen_addr_t;

typedef enum { KVD_FSYNC_ALWAYS, KVD_FSYNC_EVERYSEC, KVD_FSYNC_NO } kvd_fsync_t;
typedef enum { KVD_AFFINITY_NONE, KVD_AFFINITY_AUTO } kvd_affinity_t;

/* maxmemory-policy, in the order Redis lists them in its error message. */
typedef enum {
    KVD_MAXMEMORY_VOLATILE_LRU,
    KVD_MAXMEMORY_VOLATILE_LFU,
    KVD_MAXMEMORY_VOLATILE_RANDOM,
    KVD_MAXMEMORY_VOLATILE_TTL,
    KVD_MAXMEMORY_ALLKEYS_LRU,
    KVD_MAXMEMORY_ALLKEYS_LFU,
    KVD_MAXMEMORY_ALLKEYS_RANDOM,
    KVD_MAXMEMORY_NOEVICTION,
} kvd_maxmemory_policy_t;

typedef enum { KVD_SANITIZE_DUMP_NO, KVD_SANITIZE_DUMP_YES, KVD_SANITIZE_DUMP_CLIENTS } kvd_sanitize_dump_t;

/* notify-keyspace-events classes, one bit per letter of the setting. */
enum {
    KVD_NOTIFY_KEYSPACE = 1 << 0, /* K */
    KVD_NOTIFY_KEYEVENT = 1 << 1, /* E */
    KVD_NOTIFY_GENERIC = 1 << 2,  /* g */
    KVD_NOTIFY_STRING = 1 << 3,   /* $ */
    KVD_NOTIFY_LIST = 1 << 4,     /* l */
    KVD_NOTIFY_SET = 1 << 5,      /* s */
    KVD_NOTIFY_HASH = 1 << 6,     /* h */
    KVD_NOTIFY_ZSET = 1 << 7,     /* z */
    KVD_NOTIFY_EXPIRED = 1 << 8,  /* x */
    KVD_NOTIFY_EVICTED = 1 << 9,  /* e */
    KVD_NOTIFY_STREAM = 1 << 10,  /* t */
    KVD_NOTIFY_MODULE = 1 << 11,  /* d */
    KVD_NOTIFY_NEW = 1 << 12,     /* n (not part of A, as in Redis) */
    KVD_NOTIFY_KEY_MISS = 1 << 13, /* m (not part of A) */
    /* A: every class but key-miss and new */
    KVD_NOTIFY_ALL = KVD_NOTIFY_GENERIC | KVD_NOTIFY_STRING | KVD_NOTIFY_LIST | KVD_NOTIFY_SET |
                     KVD_NOTIFY_HASH | KVD_NOTIFY_ZSET | KVD_NOTIFY_EXPIRED | KVD_NOTIFY_EVICTED |
                     KVD_NOTIFY_STREAM | KVD_NOTIFY_MODULE,
};

typedef struct kvd_module_conf {
    char *path;    /* shared object to load */
    char *options; /* opaque option text passed to the module, may be NULL */
} kvd_module_conf_t;

typedef struct kvd_config {
    char *source;          /* path it was loaded from, or NULL for built-in defaults */
    kvd_listen_addr_t listen[KVD_CONFIG_MAX_LISTEN];
    int nlisten;           /* >= 1 */
    int shards;            /* 1..1024 */
    int databases;         /* 1..1024, default 16 */
    int maxclients;        /* 1..1000000, default 10000 */
    int timeout;           /* seconds idle before closing a client, 0 = never */
    int tcp_keepalive;     /* seconds, 0 = off, default 300 */
    int tcp_backlog;       /* default 511 */
    char *dir;             /* working directory for data files, default "." */
    char *pidfile;         /* default "" = none when not daemonized */
    char *log_file;        /* "" = stderr */
    int log_level;         /* kvd_log_level_t */
    bool daemonize;
    kvd_affinity_t cpu_affinity;
    int64_t proto_max_bulk_len;        /* default 512 MiB, 1 MiB .. INT64_MAX (Redis's range) */
    int64_t client_query_buffer_limit; /* default 1 GiB, 1 MiB .. INT64_MAX */
    bool appendonly;
    kvd_fsync_t appendfsync;
    int64_t auto_aof_rewrite_percentage; /* growth over the last rewrite, %; 0 = off, default 100 */
    int64_t auto_aof_rewrite_min_size;   /* no automatic rewrite below, default 64 MiB */
    bool aof_load_truncated;         /* truncate a torn tail at start (default yes) */
    bool aof_load_truncate_corrupt;  /* truncate at corruption before the tail (default no) */
    kvd_module_conf_t modules[KVD_CONFIG_MAX_MODULES];
    int nmodules;

    /*
     * Redis parameters that exist only for CONFIG GET/SET (kvd.yaml does not
     * set them): clients and the Redis test suite read and write them, and
     * the subsystems that honour them read them from here.  Defaults and
     * ranges are Redis 7.0.15's.
     */
    char *save;                        /* "" : kvd writes no RDB snapshots */
    char *appendfilename;              /* "appendonly.aof" */
    uint64_t maxmemory;                /* bytes, 0 = no limit */
    int maxmemory_policy;              /* kvd_maxmemory_policy_t, default noeviction */
    int maxmemory_samples;             /* 5 */
    int lfu_log_factor;                /* 10 */
    int lfu_decay_time;                /* 1 (minutes) */
    int hz;                            /* 1..500 (CONFIG SET clamps), default 10 */
    bool dynamic_hz;                   /* yes */
    bool lazyfree_lazy_eviction;       /* all five lazyfree-* default to no */
    bool lazyfree_lazy_expire;
    bool lazyfree_lazy_server_del;
    bool lazyfree_lazy_user_del;
    bool lazyfree_lazy_user_flush;
    int list_max_listpack_size;        /* -2 (8 KiB per node); >0 counts entries */
    int list_compress_depth;           /* 0 = off */
    int64_t hash_max_listpack_entries; /* 512 (redis.conf ships 128, the binary 512) */
    int64_t hash_max_listpack_value;   /* 64 bytes */
    int64_t set_max_intset_entries;    /* 512 */
    int64_t set_max_listpack_entries;  /* 128: a Redis 7.2 knob, not a 7.0 parameter: */
    int64_t set_max_listpack_value;    /* 64:  kept for the set encoding, not in CONFIG */
    int64_t zset_max_listpack_entries; /* 128 */
    int64_t zset_max_listpack_value;   /* 64 bytes */
    int64_t stream_node_max_entries;   /* 100 */
    int64_t stream_node_max_bytes;     /* 4096 */
    int64_t slowlog_log_slower_than;   /* 10000 us; -1 disables, 0 logs everything */
    int64_t slowlog_max_len;           /* 128 */
    int64_t latency_monitor_threshold; /* 0 ms = off */
    bool latency_tracking;             /* yes */
    int64_t busy_reply_threshold;      /* 5000 ms; alias lua-time-limit */
    int notify_keyspace_events;        /* KVD_NOTIFY_* bits, 0 = off */
    bool activerehashing;              /* yes */
    int active_expire_effort;          /* 1..10, default 1 */
    int sanitize_dump_payload;         /* kvd_sanitize_dump_t, default no */
} kvd_config_t;

/* Fill with the built-in defaults (127.0.0.1:6379, shards 1, ...). */
void kvd_config_defaults(kvd_config_t *cfg);
/*
 * Parse and validate the YAML file at path into cfg (which is first set to
 * the defaults).  Returns 0, or -1 with err holding "FILE:LINE:COLUMN: msg"
 * (or "FILE: msg" when the file cannot be read).  On failure cfg is freed
 * and left at the defaults.
 *
 * cfg is treated as uninitialised output: free a loaded one first.  path
 * is taken relative to the current directory and recorded in cfg->source.
 * An empty file (or one holding only comments) gives the defaults.
 */
int kvd_config_load(const char *path, kvd_config_t *cfg, char *err, size_t errlen);
/* Release what cfg owns and reset it to the defaults; safe to repeat. */
void kvd_config_free(kvd_config_t *cfg);
/* Deep copy; dst is treated as uninitialised (free it first if it owns memory). */
void kvd_config_copy(kvd_config_t *dst, const kvd_config_t *src);
/*
 * Assert that every field holds a value its schema allows (ranges, enum
 * values, non-NULL strings, listen and module counts).  Cheap: O(fields).
 */
void kvd_config_verify(const kvd_config_t *cfg);
/* Replace a string field of a kvd_config_t (e.g. &cfg->pidfile) with a copy
 * of value, releasing the old text when it was allocated. */
void kvd_config_set_string(char **field, const char *value);

/*
 * Names of settings that differ between a and b and cannot change without a
 * restart (listen, shards, databases, tcp-backlog, dir, pidfile, daemonize,
 * cpu_affinity, modules), written as "listen, shards" into out (truncated
 * to outlen).  Returns how many.
 */
int kvd_config_restart_needed(const kvd_config_t *a, const kvd_config_t *b, char *out, size_t outlen);

/*
 * CONFIG GET / CONFIG SET support, by the Redis parameter names
 * ("maxclients", "timeout", "loglevel", "appendfsync", "proto-max-bulk-len",
 * "client-query-buffer-limit", "databases", "port", "bind", "dir", ...;
 * config_params.c has the full table).
 *
 * kvd_config_get_matching calls emit(name, value, arg) for every parameter
 * whose name matches the glob pattern (case-insensitive, kvd_glob_match),
 * in table order.  As in Redis, a pattern without '*', '?' or '[' is a
 * plain name looked up case-insensitively and echoed as the caller spelled
 * it ("CONFIG GET MAXCLIENTS" answers "MAXCLIENTS").  Values are formatted
 * as Redis does: memory in plain bytes, booleans yes/no.
 */
typedef void kvd_config_emit_fn(const char *name, const char *value, void *arg);
void kvd_config_get_matching(const kvd_config_t *cfg, const char *pattern,
                             kvd_config_emit_fn *emit, void *arg);
/* CONFIG GET p1 p2 ...: every parameter at most once across all patterns. */
void kvd_config_get_many(const kvd_config_t *cfg, const char *const *patterns, int npatterns,
                         kvd_config_emit_fn *emit, void *arg);
/*
 * Set one parameter from its string value with Redis's validation.
 * Returns 0; or -1 with err holding the reason text that follows
 * "ERR CONFIG SET failed (possibly related to argument 'NAME') - " in
 * Redis's error (including "can't set immutable config" and "can't set
 * protected config"); or -2 for an unknown parameter, for which the caller
 * replies "ERR Unknown option or number of arguments for CONFIG SET -
 * 'NAME'" (err holds that text without "ERR ").
 */
int kvd_config_set(kvd_config_t *cfg, const char *name, const char *value, char *err, size_t errlen);
/*
 * CONFIG SET n1 v1 n2 v2 ...: all or nothing, with Redis 7.0's checks in
 * its order (every name first: unknown, immutable/protected, "duplicate
 * parameter"; then every value).  Returns as kvd_config_set, with *failed
 * the index of the argument pair the error is about.  On failure cfg is
 * unchanged.
 */
int kvd_config_set_many(kvd_config_t *cfg, const char *const *names, const char *const *values,
                        int n, int *failed, char *err, size_t errlen);

/* Redis-style memory value: "1gb", "512mb", "100k", "42".  Returns 0 or -1. */
int kvd_config_parse_memory(const char *s, int64_t *out);

#endif /* KVD_CONFIG_H */

/*
 * command.h - the command table, as data (DESIGN.md section 4).
 *
 * One row per command: dispatch (arity, flags), COMMAND INFO/DOCS, and
 * later ACL and shard routing all read the same row.  Each type file
 * (t_string.c, t_keys.c, t_server.c, ...) defines its rows in an array and
 * registers it at start-up with kvd_command_register(); modules add rows
 * the same way.
 */
#ifndef KVD_COMMAND_H
#define KVD_COMMAND_H

#include "../core/kvd.h"
#include "../proto/resp.h"

typedef struct kvd_client kvd_client_t;
typedef void kvd_command_fn(kvd_client_t *c);

/* Flags, named as COMMAND INFO reports them. */
enum {
    KVD_CMD_WRITE = 1u << 0,
    KVD_CMD_READONLY = 1u << 1,
    KVD_CMD_DENYOOM = 1u << 2,
    KVD_CMD_ADMIN = 1u << 3,
    KVD_CMD_PUBSUB = 1u << 4,
    KVD_CMD_NOSCRIPT = 1u << 5,
    KVD_CMD_BLOCKING = 1u << 6,
    KVD_CMD_LOADING = 1u << 7,
    KVD_CMD_STALE = 1u << 8,
    KVD_CMD_SKIP_MONITOR = 1u << 9,
    KVD_CMD_SKIP_SLOWLOG = 1u << 10,
    KVD_CMD_ASKING = 1u << 11,
    KVD_CMD_FAST = 1u << 12,
    KVD_CMD_NO_AUTH = 1u << 13,
    KVD_CMD_MAY_REPLICATE = 1u << 14,
    KVD_CMD_NO_MULTI = 1u << 15,
    KVD_CMD_ALLOW_BUSY = 1u << 16,
    KVD_CMD_NO_ASYNC_LOADING = 1u << 17,
    KVD_CMD_NO_MANDATORY_KEYS = 1u << 18,
    KVD_CMD_MOVABLE_KEYS = 1u << 19, /* keys found by a key-spec function */
};

/* ACL categories, named as COMMAND INFO reports them ("@string"). */
enum {
    KVD_ACL_KEYSPACE = 1u << 0,
    KVD_ACL_READ = 1u << 1,
    KVD_ACL_WRITE = 1u << 2,
    KVD_ACL_SET = 1u << 3,
    KVD_ACL_SORTEDSET = 1u << 4,
    KVD_ACL_LIST = 1u << 5,
    KVD_ACL_HASH = 1u << 6,
    KVD_ACL_STRING = 1u << 7,
    KVD_ACL_BITMAP = 1u << 8,
    KVD_ACL_HYPERLOGLOG = 1u << 9,
    KVD_ACL_GEO = 1u << 10,
    KVD_ACL_STREAM = 1u << 11,
    KVD_ACL_PUBSUB = 1u << 12,
    KVD_ACL_ADMIN = 1u << 13,
    KVD_ACL_FAST = 1u << 14,
    KVD_ACL_SLOW = 1u << 15,
    KVD_ACL_BLOCKING = 1u << 16,
    KVD_ACL_DANGEROUS = 1u << 17,
    KVD_ACL_CONNECTION = 1u << 18,
    KVD_ACL_TRANSACTION = 1u << 19,
    KVD_ACL_SCRIPTING = 1u << 20,
};

/*
 * Key positions for commands whose keys a (first, last, step) triple can
 * describe; last < 0 counts from the end (-1 = last argument).  Commands
 * with keys elsewhere (ZUNIONSTORE numkeys ...) set KVD_CMD_MOVABLE_KEYS
 * and a getkeys function that writes argument indexes into out (at most
 * max) and returns how many, or -1 on a syntax error.
 */
typedef int kvd_getkeys_fn(int argc, const char *const *argv, const size_t *lens, int *out,
                           int max);

typedef struct kvd_command {
    const char *name;       /* lower case, as COMMAND reports it */
    kvd_command_fn *proc;
    int arity;              /* exact, or -N for at least N (name included) */
    uint32_t flags;
    uint32_t acl;
    int first_key, last_key, key_step;
    kvd_getkeys_fn *getkeys;
    /* COMMAND DOCS */
    const char *summary;
    const char *since;
    const char *group;      /* "string", "generic", "server", "connection", ... */
    const char *complexity;
    /* Subcommands ("config|get"): a NULL-name-terminated array, or NULL. */
    struct kvd_command *subcommands;
    /* Filled in at registration. */
    struct kvd_command *parent;
    char fullname[64];      /* "config|get" */
    /* Statistics (INFO commandstats); per worker. */
    uint64_t calls;
    uint64_t usec;
    uint64_t rejected_calls;
    uint64_t failed_calls;
} kvd_command_t;

/* Register a NULL-name-terminated array of rows.  Aborts on a duplicate. */
void kvd_command_register(kvd_command_t *rows);
/* Register all built-in commands (calls each type file's registration). */
void kvd_commands_init(void);
/* Case-insensitive lookup of a top-level command; NULL when unknown. */
kvd_command_t *kvd_command_lookup(const char *name, size_t len);
/* Subcommand lookup within a container command; NULL when unknown. */
kvd_command_t *kvd_command_lookup_sub(const kvd_command_t *parent, const char *name, size_t len);
/* Number of top-level commands, and iteration in registration order. */
size_t kvd_command_count(void);
kvd_command_t *kvd_command_at(size_t i);
/* Key positions (indexes into argv) of cmd run with argv[0..argc), at most
 * max of them; -1 when the arguments are malformed for the key spec. */
int kvd_command_find_keys(const kvd_command_t *cmd, int argc, const kvd_arg_t *argv, int *out,
                          int max);
/* True when the key at argv[pos] is only read by cmd (its key spec says
 * RO: COPY's source, the sources of SINTERSTORE...). */
bool kvd_command_key_read_only(const kvd_command_t *cmd, int argc, const kvd_arg_t *argv, int pos);
/* Flag and ACL names for COMMAND INFO. */
const char *kvd_command_flag_name(uint32_t bit);
const char *kvd_command_acl_name(uint32_t bit);

/* The per-type registration functions called by kvd_commands_init(). */
void kvd_register_server_commands(void);
void kvd_register_keys_commands(void);
void kvd_register_string_commands(void);
void kvd_register_bitops_commands(void);
void kvd_register_expire_commands(void);
void kvd_register_function_commands(void);
void kvd_register_list_commands(void);
void kvd_register_hash_commands(void);
void kvd_register_set_commands(void);
void kvd_register_zset_commands(void);
void kvd_register_sort_commands(void);
void kvd_register_cluster_commands(void);
void kvd_register_memory_commands(void);

#endif /* KVD_COMMAND_H */

/*
 * table.c - the command registry: rows registered by each command family,
 * looked up case-insensitively through an open-addressing index.
 */
#include "command.h"
#include "multi.h"
#include "aof/aof.h"

#define MAX_COMMANDS 512
#define INDEX_SIZE 1024 /* power of two, > 2 * MAX_COMMANDS keeps probes short */
#define MAX_NAME 64

_Static_assert((INDEX_SIZE & (INDEX_SIZE - 1)) == 0, "index size must be a power of two");
_Static_assert(INDEX_SIZE >= 2 * MAX_COMMANDS, "index must stay at most half full");

static kvd_command_t *commands[MAX_COMMANDS];
static size_t ncommands;
static kvd_command_t *index_slots[INDEX_SIZE];

/* Lower-case FNV-1a: command names are short ASCII. */
static uint32_t name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch + 32);
        h = (h ^ ch) * 16777619u;
    }
    return h;
}

/* Row names are lower case (finish_row checks); only the request's letters
 * are folded.  Inline and byte by byte: names are a few bytes long, where a
 * call to strncasecmp() costs more than the comparison. */
static inline bool name_equal(const char *row, const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch + 32);
        if ((unsigned char)row[i] != ch || ch == '\0')
            return false; /* a NUL in the request never matches the row's end */
    }
    return row[len] == '\0';
}

static void index_insert(kvd_command_t *cmd)
{
    uint32_t mask = INDEX_SIZE - 1, i = name_hash(cmd->name, strlen(cmd->name)) & mask;
    for (uint32_t probes = 0; probes < INDEX_SIZE; probes++, i = (i + 1) & mask) {
        if (index_slots[i] == NULL) {
            index_slots[i] = cmd;
            return;
        }
        KVD_ASSERT(strcmp(index_slots[i]->name, cmd->name) != 0); /* duplicate row */
    }
    KVD_ASSERT(!"command index full");
}

static void finish_row(kvd_command_t *cmd, kvd_command_t *parent)
{
    KVD_ASSERT(cmd->name != NULL && (cmd->proc != NULL || cmd->subcommands != NULL));
    KVD_ASSERT(strlen(cmd->name) < MAX_NAME / 2);
    for (const char *ch = cmd->name; *ch; ch++)
        KVD_ASSERT(!(*ch >= 'A' && *ch <= 'Z')); /* name_equal folds the request only */
    KVD_ASSERT(cmd->arity != 0);
    cmd->parent = parent;
    if (parent)
        snprintf(cmd->fullname, sizeof(cmd->fullname), "%s|%s", parent->name, cmd->name);
    else
        snprintf(cmd->fullname, sizeof(cmd->fullname), "%s", cmd->name);
}

void kvd_command_register(kvd_command_t *rows)
{
    for (kvd_command_t *cmd = rows; cmd->name != NULL; cmd++) {
        KVD_ASSERT(ncommands < MAX_COMMANDS);
        finish_row(cmd, NULL);
        for (kvd_command_t *sub = cmd->subcommands; sub && sub->name; sub++)
            finish_row(sub, cmd);
        commands[ncommands++] = cmd;
        index_insert(cmd);
    }
}

kvd_command_t *kvd_command_lookup(const char *name, size_t len)
{
    /* Pipelines mostly repeat a command: try the last row found first (a
     * mismatch usually costs one byte compared). */
    static kvd_command_t *last;
    if (last != NULL && name_equal(last->name, name, len))
        return last;
    if (len == 0 || len >= MAX_NAME)
        return NULL;
    uint32_t mask = INDEX_SIZE - 1, i = name_hash(name, len) & mask;
    for (uint32_t probes = 0; probes < INDEX_SIZE; probes++, i = (i + 1) & mask) {
        kvd_command_t *cmd = index_slots[i];
        if (cmd == NULL)
            return NULL;
        if (name_equal(cmd->name, name, len)) {
            last = cmd;
            return cmd;
        }
    }
    return NULL;
}

kvd_command_t *kvd_command_lookup_sub(const kvd_command_t *parent, const char *name, size_t len)
{
    for (kvd_command_t *sub = parent->subcommands; sub && sub->name; sub++)
        if (name_equal(sub->name, name, len))
            return sub;
    return NULL;
}

size_t kvd_command_count(void)
{
    return ncommands;
}

kvd_command_t *kvd_command_at(size_t i)
{
    KVD_ASSERT(i < ncommands);
    return commands[i];
}

static const char *const flag_names[] = {
    "write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading",
    "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth", "may_replicate",
    "no_multi", "allow_busy", "no_async_loading", "no_mandatory_keys", "movablekeys",
};

static const char *const acl_names[] = {
    "@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash",
    "@string", "@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin",
    "@fast", "@slow", "@blocking", "@dangerous", "@connection", "@transaction", "@scripting",
};

static const char *bit_name(const char *const *names, size_t n, uint32_t bit)
{
    KVD_ASSERT(bit != 0 && (bit & (bit - 1)) == 0);
    size_t i = (size_t)__builtin_ctz(bit);
    return i < n ? names[i] : NULL;
}

const char *kvd_command_flag_name(uint32_t bit)
{
    return bit_name(flag_names, KVD_ARRAY_LEN(flag_names), bit);
}

const char *kvd_command_acl_name(uint32_t bit)
{
    return bit_name(acl_names, KVD_ARRAY_LEN(acl_names), bit);
}

void kvd_commands_init(void)
{
    if (ncommands > 0)
        return;
    kvd_register_server_commands();
    kvd_register_keys_commands();
    kvd_register_string_commands();
    kvd_register_bitops_commands();
    kvd_register_expire_commands();
    kvd_register_function_commands();
    kvd_register_list_commands();
    kvd_register_hash_commands();
    kvd_register_set_commands();
    kvd_register_zset_commands();
    kvd_register_sort_commands();
    kvd_register_multi_commands();
    kvd_register_cluster_commands();
    kvd_register_memory_commands();
    kvd_register_persist_commands();
}

/* Key positions (indexes into argv) of the command argv[0..argc); -1 on bad arguments. */
int kvd_command_find_keys(const kvd_command_t *cmd, int argc, const kvd_arg_t *argv, int *out, int max)
{
    if (cmd->getkeys != NULL) {
        const char **ptrs = kvd_calloc((size_t)argc, sizeof(*ptrs));
        size_t *lens = kvd_calloc((size_t)argc, sizeof(*lens));
        for (int i = 0; i < argc; i++) {
            ptrs[i] = argv[i].ptr;
            lens[i] = argv[i].len;
        }
        int n = cmd->getkeys(argc, ptrs, lens, out, max);
        kvd_free(ptrs);
        kvd_free(lens);
        return n;
    }
    if (cmd->first_key <= 0 || cmd->key_step <= 0)
        return 0;
    int last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
    if (last >= argc)
        return -1;
    int n = 0;
    for (int i = cmd->first_key; i <= last && n < max; i += cmd->key_step)
        out[n++] = i;
    return n;
}

/*
 * t_memory.c - MEMORY USAGE: what one key costs in this process.
 *
 * kvd counts a key's entry (key bytes and small values inline), a raw
 * string's buffer, a collection's structures (per type, when the type
 * registered a memory function) and the expiry node of a volatile key,
 * using the allocator's own sizes.  Redis samples big collections
 * (SAMPLES); kvd's figure is exact, so SAMPLES is checked and ignored.
 */
#include "client.h"
#include "shard.h"
#include "proto/reply.h"

static void memory_usage_command(kvd_client_t *c)
{
    for (int i = 3; i < c->argc; i++) {
        int64_t samples;
        if (!kvd_arg_is(&c->argv[i], "samples") || i + 1 >= c->argc) {
            kvd_reply_syntax_error(c);
            return;
        }
        if (kvd_arg_ll(c, &c->argv[++i], &samples) < 0)
            return;
        if (samples < 0) {
            kvd_reply_syntax_error(c);
            return;
        }
    }
    kvd_entry_t *e = kvd_db_find(c->db, c->argv[2].ptr, c->argv[2].len);
    if (e == NULL) {
        kvd_reply_null(c->reply);
        return;
    }
    kvd_reply_int(c->reply, (int64_t)kvd_entry_memory(e));
}

static kvd_command_t memory_subcommands[] = {
    {.name = "usage", .proc = memory_usage_command, .arity = -3, .flags = KVD_CMD_READONLY,
     .acl = KVD_ACL_READ | KVD_ACL_SLOW, .first_key = 2, .last_key = 2, .key_step = 1,
     .summary = "Estimate the memory usage of a key", .since = "4.0.0", .group = "server",
     .complexity = "O(N) where N is the number of samples."},
    {.name = NULL},
};

static kvd_command_t memory_commands[] = {
    {.name = "memory", .arity = -2, .acl = KVD_ACL_SLOW, .subcommands = memory_subcommands,
     .summary = "A container for memory diagnostics commands", .since = "4.0.0",
     .group = "server", .complexity = "Depends on subcommand."},
    {.name = NULL},
};

void kvd_register_memory_commands(void)
{
    kvd_command_register(memory_commands);
}

/*
 * t_function.c - FUNCTION, as far as kvd has functions: none yet.
 *
 * Redis's test suite sends FUNCTION FLUSH before each block; with no
 * function engine there is nothing to flush, so FLUSH truthfully succeeds,
 * and LIST truthfully returns no libraries.  Loading functions is refused
 * with an explicit error until the Lua module provides them.
 */
#include "client.h"
#include "proto/reply.h"

static void function_flush_command(kvd_client_t *c)
{
    if (c->argc == 3 && !kvd_arg_is(&c->argv[2], "async") && !kvd_arg_is(&c->argv[2], "sync")) {
        kvd_reply_error(c->reply, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    kvd_reply_ok(c->reply);
}

static void function_list_command(kvd_client_t *c)
{
    kvd_reply_array(c->reply, 0);
}

static void function_load_command(kvd_client_t *c)
{
    kvd_reply_error(c->reply, "ERR kvd does not support functions yet (no Lua engine loaded)");
}

static kvd_command_t function_subcommands[] = {
    {.name = "flush", .proc = function_flush_command, .arity = -2,
     .flags = KVD_CMD_WRITE | KVD_CMD_NOSCRIPT, .acl = KVD_ACL_WRITE | KVD_ACL_SLOW | KVD_ACL_SCRIPTING,
     .summary = "Deleting all functions", .since = "7.0.0", .group = "scripting",
     .complexity = "O(N) where N is the number of functions deleted"},
    {.name = "list", .proc = function_list_command, .arity = -2, .flags = KVD_CMD_NOSCRIPT,
     .acl = KVD_ACL_SLOW | KVD_ACL_SCRIPTING, .summary = "List information about all the functions",
     .since = "7.0.0", .group = "scripting", .complexity = "O(N) where N is the number of functions"},
    {.name = "load", .proc = function_load_command, .arity = -3,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM | KVD_CMD_NOSCRIPT,
     .acl = KVD_ACL_WRITE | KVD_ACL_SLOW | KVD_ACL_SCRIPTING, .summary = "Create a function with the given arguments (name, code, description)",
     .since = "7.0.0", .group = "scripting", .complexity = "O(1) (considering compilation time is redundant)"},
    {.name = NULL},
};

static kvd_command_t function_commands[] = {
    {.name = "function", .arity = -2, .acl = KVD_ACL_SLOW, .subcommands = function_subcommands,
     .summary = "A container for function commands", .since = "7.0.0", .group = "scripting",
     .complexity = "Depends on subcommand."},
    {.name = NULL},
};

void kvd_register_function_commands(void)
{
    kvd_command_register(function_commands);
}

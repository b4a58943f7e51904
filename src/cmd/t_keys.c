/*
 * t_keys.c - generic key commands.
 */
#include "client.h"
#include "shard.h"
#include "proto/reply.h"

static void del_command(kvd_client_t *c)
{
    int64_t deleted = 0;
    for (int i = 1; i < c->argc; i++)
        deleted += kvd_db_delete(c->db, c->argv[i].ptr, c->argv[i].len);
    kvd_reply_int(c->reply, deleted);
}

static void exists_command(kvd_client_t *c)
{
    int64_t found = 0;
    for (int i = 1; i < c->argc; i++)
        found += kvd_db_find(c->db, c->argv[i].ptr, c->argv[i].len) != NULL;
    kvd_reply_int(c->reply, found);
}

static kvd_command_t keys_commands[] = {
    {.name = "del", .proc = del_command, .arity = -2, .flags = KVD_CMD_WRITE,
     .acl = KVD_ACL_KEYSPACE | KVD_ACL_WRITE | KVD_ACL_SLOW, .first_key = 1, .last_key = -1,
     .key_step = 1, .summary = "Delete a key", .since = "1.0.0", .group = "generic",
     .complexity = "O(N) where N is the number of keys that will be removed."},
    {.name = "exists", .proc = exists_command, .arity = -2,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST,
     .acl = KVD_ACL_KEYSPACE | KVD_ACL_READ | KVD_ACL_FAST, .first_key = 1, .last_key = -1,
     .key_step = 1, .summary = "Determine if a key exists", .since = "1.0.0", .group = "generic",
     .complexity = "O(N) where N is the number of keys to check."},
    {.name = NULL},
};

void kvd_register_keys_commands(void)
{
    kvd_command_register(keys_commands);
}

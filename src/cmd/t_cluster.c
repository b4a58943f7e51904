/*
 * t_cluster.c - CLUSTER, as far as it describes kvd's own key placement.
 *
 * kvd is not a Redis Cluster node, but it places keys by Redis Cluster's
 * slots (core/slot.h), so CLUSTER KEYSLOT answers exactly as a cluster node
 * would and users can check that hash-tagged keys land together.
 */
#include "client.h"
#include "core/slot.h"
#include "proto/reply.h"

static void cluster_keyslot_command(kvd_client_t *c)
{
    kvd_reply_int(c->reply, kvd_key_slot(c->argv[2].ptr, c->argv[2].len));
}

static kvd_command_t cluster_subcommands[] = {
    {.name = "keyslot", .proc = cluster_keyslot_command, .arity = 3, .flags = KVD_CMD_STALE,
     .acl = KVD_ACL_SLOW, .summary = "Returns the hash slot of the specified key",
     .since = "3.0.0", .group = "cluster",
     .complexity = "O(N) where N is the number of bytes in the key"},
    {.name = NULL},
};

static kvd_command_t cluster_commands[] = {
    {.name = "cluster", .arity = -2, .acl = KVD_ACL_SLOW, .subcommands = cluster_subcommands,
     .summary = "A container for cluster commands", .since = "3.0.0", .group = "cluster",
     .complexity = "Depends on subcommand."},
    {.name = NULL},
};

void kvd_register_cluster_commands(void)
{
    kvd_command_register(cluster_commands);
}

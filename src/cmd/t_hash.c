/*
 * t_hash.c - placeholder until the hash command family lands.
 */
#include "command.h"

static kvd_command_t hash_commands[] = {
    {.name = NULL},
};

void kvd_register_hash_commands(void)
{
    kvd_command_register(hash_commands);
}

/*
 * t_set.c - placeholder until the set command family lands.
 */
#include "command.h"

static kvd_command_t set_commands[] = {
    {.name = NULL},
};

void kvd_register_set_commands(void)
{
    kvd_command_register(set_commands);
}

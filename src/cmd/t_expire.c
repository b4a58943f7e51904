/*
 * t_expire.c - placeholder until the expire command family lands.
 */
#include "command.h"

static kvd_command_t expire_commands[] = {
    {.name = NULL},
};

void kvd_register_expire_commands(void)
{
    kvd_command_register(expire_commands);
}

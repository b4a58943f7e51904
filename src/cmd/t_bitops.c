/*
 * t_bitops.c - placeholder until the bitops command family lands.
 */
#include "command.h"

static kvd_command_t bitops_commands[] = {
    {.name = NULL},
};

void kvd_register_bitops_commands(void)
{
    kvd_command_register(bitops_commands);
}

/*
 * t_list.c - placeholder until the list command family lands.
 */
#include "command.h"

static kvd_command_t list_commands[] = {
    {.name = NULL},
};

void kvd_register_list_commands(void)
{
    kvd_command_register(list_commands);
}

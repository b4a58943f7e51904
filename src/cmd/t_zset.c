/*
 * t_zset.c - sorted set commands (not built yet).
 */
#include "server.h"

void kvd_register_zset_commands(void)
{
}

/*
 * t_sort.c - SORT and SORT_RO (not built yet).
 */
#include "server.h"

void kvd_register_sort_commands(void)
{
}

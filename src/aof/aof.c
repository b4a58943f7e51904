/*
 * aof.c - the append-only file.  Not built yet: every hook is a no-op and
 * appendonly has no effect (README and kvd.yaml say so).
 */
#include "aof.h"
#include "cmd/shard.h"

int kvd_aof_load(kvd_shard_t *s)
{
    KVD_UNUSED(s);
    return 0;
}

void kvd_aof_feed(kvd_shard_t *s, const kvd_client_t *c)
{
    KVD_UNUSED(s);
    KVD_UNUSED(c);
}

void kvd_aof_exec_done(kvd_shard_t *s)
{
    KVD_UNUSED(s);
}

void kvd_aof_before_sleep(kvd_shard_t *s)
{
    KVD_UNUSED(s);
}

void kvd_aof_cron(kvd_shard_t *s)
{
    KVD_UNUSED(s);
}

void kvd_aof_shutdown(kvd_shard_t *s)
{
    KVD_UNUSED(s);
}

void kvd_aof_free(kvd_shard_t *s)
{
    KVD_UNUSED(s);
}

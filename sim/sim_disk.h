/*
 * sim_disk.h - the simulator's disk behind the env file calls (env.h), so
 * the AOF code runs unchanged against storage that can crash.
 *
 * Per file: the bytes reads see (the page cache) and the bytes a crash
 * keeps for sure (durable).  file_sync makes the cache durable.  A crash
 * keeps the durable bytes and, chosen by the seed, either nothing more or
 * the common prefix plus a random prefix of the unsynced rest, so the last
 * write may be torn at any byte.  Names: creating a file is durable at
 * once (as fsync of a new file commits its entry on ext4 and xfs; kvd, like
 * Redis, relies on that); a rename is durable after dir_sync, and at a
 * crash before it the seed decides whether it happened.
 *
 * BUGGIFY faults, only when enabled: short writes, ENOSPC for a while
 * (a full disk), and EIO from fsync.  A failed fsync leaves the cache
 * dirty, so a retry can still make it durable (the harsher Linux
 * behaviour, dropping the dirty pages, is not modelled).
 */
#ifndef KVD_SIM_DISK_H
#define KVD_SIM_DISK_H

#include "sim_env.h"

typedef struct sim_disk sim_disk_t;

typedef struct sim_disk_stats {
    uint64_t appends, bytes, syncs, short_writes, enospc, eio, renames;
    uint64_t crashes, unsynced_lost, unsynced_kept; /* bytes at crashes */
} sim_disk_stats_t;

/* A disk drawing its faults from se's PRNG; binds se's env file calls. */
sim_disk_t *sim_disk_attach(sim_env_t *se, bool faults);
void sim_disk_free(sim_disk_t *d);
/* Power loss: every handle is gone, unsynced bytes are kept or lost as above. */
void sim_disk_crash(sim_disk_t *d);
/* Turn the BUGGIFY faults on or off (a run's healing phase ends them). */
void sim_disk_set_faults(sim_disk_t *d, bool faults);
/* An injected error hit the file named path since its last good fsync:
 * kvd may refuse writes (MISCONF) now. */
bool sim_disk_failing(const sim_disk_t *d, const char *path);
const sim_disk_stats_t *sim_disk_stats(const sim_disk_t *d);

#endif /* KVD_SIM_DISK_H */

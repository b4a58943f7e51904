/*
 * worker.h - a worker process: one shard, one libev loop.
 */
#ifndef KVD_WORKER_H
#define KVD_WORKER_H

#include "core/config.h"
#include "os/unix/net.h"

/* Run worker `id` on the inherited listeners until told to stop; exits the process. */
KVD_NORETURN void kvd_worker_run(int id, kvd_config_t *cfg, kvd_listener_t *ls, int nls,
                                 pid_t master);

#endif /* KVD_WORKER_H */

/*
 * process.h - the master process, daemon helpers, pid file, sd_notify.
 */
#ifndef KVD_PROCESS_H
#define KVD_PROCESS_H

#include "core/config.h"

/* Run the master until a graceful stop; returns the process exit code. */
int kvd_master_run(kvd_config_t *cfg);

/* Detach from the terminal (fork, setsid, stdio to /dev/null).  0 or -errno. */
int kvd_daemonize(void);
/* Write our pid to path atomically.  0 or -errno. */
int kvd_pidfile_write(const char *path);
/* Read a pid from path.  0 or -errno (-ESRCH when the content is not a pid). */
int kvd_pidfile_read(const char *path, pid_t *pid);
/* Send "READY=1", "RELOADING=1", "STOPPING=1"... to $NOTIFY_SOCKET when set. */
void kvd_sd_notify(const char *state);
/* kvd -s reload|stop|reopen: signal the master named in cfg's pid file.
 * Returns the exit code for main(). */
int kvd_signal_master(const kvd_config_t *cfg, const char *what);

/*
 * The running configuration takes the live-changeable settings of `loaded`
 * and keeps its own value of everything that needs a restart (listen,
 * shards, databases, daemonize, pidfile, dir, cpu_affinity, modules).
 */
void kvd_config_merge_live(kvd_config_t *running, const kvd_config_t *loaded);

#endif /* KVD_PROCESS_H */

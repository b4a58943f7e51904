/*
 * log.h - the server log.  One line per event:
 *   PID:ROLE DD Mon YYYY HH:MM:SS.mmm LEVEL message
 * ROLE is M (master) or W<n> (worker n), like Redis's M/C/S markers.
 * The file is reopened on SIGUSR1 (logrotate); an empty path means stderr.
 */
#ifndef KVD_LOG_H
#define KVD_LOG_H

#include "kvd.h"

typedef enum {
    KVD_LOG_DEBUG = 0,
    KVD_LOG_VERBOSE = 1,
    KVD_LOG_NOTICE = 2,
    KVD_LOG_WARNING = 3,
} kvd_log_level_t;

void kvd_log_set_level(kvd_log_level_t level);
kvd_log_level_t kvd_log_get_level(void);
/* Set the role tag printed on each line: "M" or "W3". */
void kvd_log_set_role(const char *role);
/* Open (or reopen) the log file; NULL or "" logs to stderr.  Returns 0 or -errno. */
int kvd_log_open(const char *path);
int kvd_log_reopen(void);
void kvd_log(kvd_log_level_t level, const char *fmt, ...) KVD_PRINTF(2, 3);
/* While on, warnings also go to stderr when the log is a file: an operator
 * starting kvd by hand sees why it failed to start.  Off once serving. */
void kvd_log_echo_warnings(bool on);
/* Parse "debug"/"verbose"/"notice"/"warning"; returns -1 when unknown. */
int kvd_log_level_parse(const char *s);
const char *kvd_log_level_name(kvd_log_level_t level);

#define kvd_log_debug(...) kvd_log(KVD_LOG_DEBUG, __VA_ARGS__)
#define kvd_log_verbose(...) kvd_log(KVD_LOG_VERBOSE, __VA_ARGS__)
#define kvd_log_notice(...) kvd_log(KVD_LOG_NOTICE, __VA_ARGS__)
#define kvd_log_warning(...) kvd_log(KVD_LOG_WARNING, __VA_ARGS__)

#endif /* KVD_LOG_H */

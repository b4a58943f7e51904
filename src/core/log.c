/*
 * log.c - the server log, one line per event, in Redis's layout so
 * operators' tooling reads it:  PID:ROLE DD Mon YYYY HH:MM:SS.mmm C message
 * where C is '.' debug, '-' verbose, '*' notice, '#' warning.
 *
 * Logging is not part of the shard core's deterministic state, so it reads
 * the real clock directly.
 */
#include "log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static kvd_log_level_t current_level = KVD_LOG_NOTICE;
static int log_fd = STDERR_FILENO;
static char log_path[4096];
static char log_role[16] = "M";
static bool echo_warnings;

static const char *const level_names[] = {"debug", "verbose", "notice", "warning"};
static const char level_marks[] = {'.', '-', '*', '#'};

void kvd_log_set_level(kvd_log_level_t level)
{
    KVD_ASSERT(level <= KVD_LOG_WARNING);
    current_level = level;
}

kvd_log_level_t kvd_log_get_level(void)
{
    return current_level;
}

void kvd_log_set_role(const char *role)
{
    snprintf(log_role, sizeof(log_role), "%s", role);
}

void kvd_log_echo_warnings(bool on)
{
    echo_warnings = on;
}

int kvd_log_level_parse(const char *s)
{
    for (size_t i = 0; i < KVD_ARRAY_LEN(level_names); i++)
        if (strcasecmp(s, level_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *kvd_log_level_name(kvd_log_level_t level)
{
    KVD_ASSERT(level <= KVD_LOG_WARNING);
    return level_names[level];
}

int kvd_log_open(const char *path)
{
    if (path == NULL || path[0] == '\0') {
        if (log_fd != STDERR_FILENO)
            close(log_fd);
        log_fd = STDERR_FILENO;
        log_path[0] = '\0';
        return 0;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    snprintf(log_path, sizeof(log_path), "%s", path);
    return 0;
}

int kvd_log_reopen(void)
{
    if (log_path[0] == '\0')
        return 0;
    char path[sizeof(log_path)];
    memcpy(path, log_path, sizeof(path));
    return kvd_log_open(path);
}

void kvd_log(kvd_log_level_t level, const char *fmt, ...)
{
    if (level < current_level)
        return;
    char line[4096];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    size_t off = (size_t)snprintf(line, sizeof(line), "%d:%s ", (int)getpid(), log_role);
    off += strftime(line + off, sizeof(line) - off, "%d %b %Y %H:%M:%S", &tm);
    off += (size_t)snprintf(line + off, sizeof(line) - off, ".%03d %c ", (int)(tv.tv_usec / 1000),
                            level_marks[level]);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + off, sizeof(line) - off - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    off += (size_t)n < sizeof(line) - off - 1 ? (size_t)n : sizeof(line) - off - 2;
    line[off++] = '\n';
    /* One write per line, so lines from several processes never interleave. */
    (void)!write(log_fd, line, off);
    if (echo_warnings && level >= KVD_LOG_WARNING && log_fd != STDERR_FILENO)
        (void)!write(STDERR_FILENO, line, off);
}

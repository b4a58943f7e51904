/*
 * daemon.c - detaching, the pid file, sd_notify, and `kvd -s`.
 */
#include "auto_config.h"
#include "process.h"
#include "core/log.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int kvd_daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        return -errno;
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return -errno;
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    /* stderr stays until the log file is open; the caller redirects it. */
    if (fd > STDERR_FILENO)
        close(fd);
    return 0;
}

int kvd_pidfile_write(const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    char line[32];
    int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
    int rc = 0;
    if (write(fd, line, (size_t)n) != n)
        rc = -errno;
    close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
    return rc;
}

int kvd_pidfile_read(const char *path, pid_t *pid)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char line[32] = {0};
    ssize_t n = read(fd, line, sizeof(line) - 1);
    close(fd);
    if (n <= 0)
        return -ESRCH;
    char *end = NULL;
    long v = strtol(line, &end, 10);
    if (end == line || v <= 0 || v > INT_MAX)
        return -ESRCH;
    *pid = (pid_t)v;
    return 0;
}

void kvd_sd_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == '\0')
        return;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof(sun.sun_path))
        return;
    memcpy(sun.sun_path, path, len);
    if (sun.sun_path[0] == '@')
        sun.sun_path[0] = '\0'; /* abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    char msg[256];
    int n = snprintf(msg, sizeof(msg), "%s\nMAINPID=%d", state, (int)getpid());
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sun, alen) < 0)
        kvd_log_warning("sd_notify %s: %s", path, strerror(errno));
    close(fd);
}

int kvd_signal_master(const kvd_config_t *cfg, const char *what)
{
    static const struct { const char *name; int signo; } table[] = {
        {"reload", SIGHUP}, {"stop", SIGTERM}, {"quit", SIGTERM}, {"reopen", SIGUSR1},
    };
    int signo = 0;
    for (size_t i = 0; i < KVD_ARRAY_LEN(table); i++)
        if (strcmp(what, table[i].name) == 0)
            signo = table[i].signo;
    if (signo == 0) {
        fprintf(stderr, "kvd: invalid option: \"-s %s\" (use reload, stop or reopen)\n", what);
        return 1;
    }
    if (cfg->pidfile == NULL || cfg->pidfile[0] == '\0') {
        fprintf(stderr, "kvd: no pidfile is configured%s%s, cannot signal the master\n",
                cfg->source ? " in " : "", cfg->source ? cfg->source : "");
        return 1;
    }
    pid_t pid;
    int rc = kvd_pidfile_read(cfg->pidfile, &pid);
    if (rc < 0) {
        fprintf(stderr, "kvd: cannot read pid file \"%s\": %s\n", cfg->pidfile,
                rc == -ESRCH ? "invalid content" : strerror(-rc));
        return 1;
    }
    if (kill(pid, signo) < 0) {
        fprintf(stderr, "kvd: kill(%d, %s) failed: %s\n", (int)pid, what, strerror(errno));
        return 1;
    }
    return 0;
}

/*
 * net.c - binding listeners and tuning accepted sockets.
 */
#include "auto_config.h"
#include "net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_one(const kvd_listen_addr_t *a, int backlog, kvd_listener_t *out, char *err,
                    size_t errlen)
{
    const char *host = a->host;
    if (strcmp(host, "*") == 0)
        host = "0.0.0.0";
    char port[16];
    snprintf(port, sizeof(port), "%d", a->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "listen %s:%d: %s", a->host, a->port, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (res->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, backlog) < 0)
        goto fail;
    freeaddrinfo(res);
    out->fd = fd;
    snprintf(out->name, sizeof(out->name), "%s:%d", a->host, a->port);
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    out->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
fail:
    snprintf(err, errlen, "listen %s:%d: %s", a->host, a->port, strerror(errno));
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    return -1;
}

int kvd_net_listen_all(const kvd_config_t *cfg, kvd_listener_t *out, int max, char *err,
                       size_t errlen)
{
    KVD_ASSERT(cfg->nlisten >= 1 && cfg->nlisten <= max);
    for (int i = 0; i < cfg->nlisten; i++) {
        if (bind_one(&cfg->listen[i], cfg->tcp_backlog, &out[i], err, errlen) < 0) {
            kvd_net_close_all(out, i);
            return -1;
        }
    }
    return cfg->nlisten;
}

void kvd_net_close_all(kvd_listener_t *ls, int n)
{
    for (int i = 0; i < n; i++) {
        if (ls[i].fd >= 0)
            close(ls[i].fd);
        ls[i].fd = -1;
    }
}

void kvd_net_tune_client(int fd, int keepalive_secs)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (keepalive_secs <= 0)
        return;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    int idle = keepalive_secs, intvl = keepalive_secs / 3 ? keepalive_secs / 3 : 1, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

void kvd_net_format_addr(int fd, bool peer, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (rc == 0 && ss.ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        port = ntohs(s->sin_port);
    } else if (rc == 0 && ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        port = ntohs(s->sin6_port);
    }
    snprintf(out, outlen, "%s:%d", ip, port);
}

/*
 * bench-null-server.c - the floor for docker/run-benchmarks.sh (-F): a
 * server that does no work.  It accepts RESP clients on 127.0.0.1:PORT,
 * counts the complete commands each read brought (arrays of bulk strings,
 * or inline lines) and answers every one with "+OK" in one write per read,
 * from one epoll loop: the same system calls per request as kvd and
 * redis-server (epoll_wait, read, write), and nothing else.  Its CPU per
 * request is what the kernel's loopback TCP and the wake-ups cost, which
 * no server can go below on this machine.
 *
 * Not a server to use: no keys, no limits but a fixed buffer per client
 * (a client that overflows it is closed).
 *
 * Usage: bench-null-server PORT
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 4096
#define BUF_CAP 65536
#define REPLY_CAP (BUF_CAP * 5) /* "\n" alone is a command */

typedef struct client {
    char in[BUF_CAP];
    size_t len;
    char out[REPLY_CAP];
} client_t;

static client_t *clients[MAX_FD];

/* Length of the line starting at p (through "\r\n" or "\n"), 0 if none. */
static size_t line_len(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    return nl == NULL ? 0 : (size_t)(nl - p) + 1;
}

/* Bytes of the first complete command in p, 0 if it is not all there. */
static size_t command_len(const char *p, size_t n)
{
    size_t at = line_len(p, n);
    if (at == 0 || p[0] != '*')
        return at; /* an inline command is one line */
    long args = strtol(p + 1, NULL, 10);
    for (long i = 0; i < args; i++) {
        size_t l = line_len(p + at, n - at);
        if (l == 0 || p[at] != '$')
            return 0;
        size_t bulk = (size_t)strtol(p + at + 1, NULL, 10) + 2;
        at += l;
        if (n - at < bulk)
            return 0;
        at += bulk;
    }
    return at;
}

/* Reads what the socket has, answers every complete command; false: close. */
static int serve(int fd, client_t *c)
{
    ssize_t n = read(fd, c->in + c->len, sizeof(c->in) - c->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 1;
    if (n <= 0)
        return 0;
    c->len += (size_t)n;
    size_t at = 0, out = 0, l;
    while (at < c->len && (l = command_len(c->in + at, c->len - at)) > 0) {
        at += l;
        memcpy(c->out + out, "+OK\r\n", 5);
        out += 5;
    }
    memmove(c->in, c->in + at, c->len - at);
    c->len -= at;
    if (c->len == sizeof(c->in))
        return 0;
    return out == 0 || write(fd, c->out, out) == (ssize_t)out;
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 511) < 0) {
        perror("bench-null-server: listen");
        exit(1);
    }
    return fd;
}

static void accept_all(int ep, int lfd)
{
    int fd, one = 1;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        if (fd >= MAX_FD || (clients[fd] = calloc(1, sizeof(client_t))) == NULL) {
            close(fd);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench-null-server PORT\n");
        return 2;
    }
    int lfd = listen_on(atoi(argv[1]));
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, ready[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, ready, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = ready[i].data.fd;
            if (fd == lfd) {
                accept_all(ep, lfd);
            } else if (!serve(fd, clients[fd])) {
                close(fd);
                free(clients[fd]);
                clients[fd] = NULL;
            }
        }
    }
}

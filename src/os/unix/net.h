/*
 * net.h - listening sockets.  The master binds them before forking; every
 * worker inherits them and accepts on them.
 */
#ifndef KVD_NET_H
#define KVD_NET_H

#include "core/config.h"

typedef struct kvd_listener {
    int fd;
    char name[300]; /* "127.0.0.1:6379" as configured */
    int port;       /* the bound port (resolves port 0) */
} kvd_listener_t;

/* Bind and listen on every configured address.  Returns the count, or -1
 * with err set (nothing stays open on failure). */
int kvd_net_listen_all(const kvd_config_t *cfg, kvd_listener_t *out, int max, char *err,
                       size_t errlen);
void kvd_net_close_all(kvd_listener_t *ls, int n);
/* Per-connection socket options: non-blocking, TCP_NODELAY, keepalive. */
void kvd_net_tune_client(int fd, int keepalive_secs);
/* "ip:port" of a socket's peer (peer=true) or local end. */
void kvd_net_format_addr(int fd, bool peer, char *out, size_t outlen);

#endif /* KVD_NET_H */

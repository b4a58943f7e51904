/*
 * set_cmd.h - private to the set command family (t_set.c, set_ops.c):
 * shared lookups and the algebra commands t_set.c's rows point at.
 */
#ifndef KVD_SET_CMD_H
#define KVD_SET_CMD_H

#include "client.h"
#include "set_type.h"

/* The intset limit (cfg->set_max_intset_entries) and env of c's shard. */
kvd_set_ctx_t kvd_set_cmd_ctx(kvd_client_t *c);
/* Find key: *sp is its set or NULL when absent.  -1 after replying
 * WRONGTYPE.  read: count a keyspace hit or miss, as Redis's read lookups do. */
int kvd_set_cmd_lookup(kvd_client_t *c, const kvd_arg_t *key, bool read, kvd_entry_t **ep,
                       kvd_set_t **sp);
/* After changing s (entry e under key): delete the key when s is empty,
 * else record an encoding change, touch, and verify in debug builds. */
void kvd_set_cmd_written(kvd_client_t *c, const kvd_arg_t *key, kvd_entry_t *e, kvd_set_t *s);
/* *STORE: put result under dst (delete dst when empty) and reply its size. */
void kvd_set_cmd_store(kvd_client_t *c, const kvd_arg_t *dst, kvd_set_t *result);
/* Reply s's members as an array; and a visitor replying one bulk into a kvd_buf_t. */
void kvd_set_cmd_reply_all(kvd_client_t *c, const kvd_set_t *s);
void kvd_set_cmd_reply_member(const char *m, size_t len, void *arg);

void kvd_sinter_command(kvd_client_t *c);
void kvd_sintercard_command(kvd_client_t *c);
void kvd_sinterstore_command(kvd_client_t *c);
void kvd_sunion_command(kvd_client_t *c);
void kvd_sunionstore_command(kvd_client_t *c);
void kvd_sdiff_command(kvd_client_t *c);
void kvd_sdiffstore_command(kvd_client_t *c);
int kvd_sintercard_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                           int max);

#endif /* KVD_SET_CMD_H */

/*
 * zset_cmd.h - what the sorted set command files share: t_zset.c (the
 * table, single-member commands, pops, ZRANDMEMBER, ZSCAN),
 * t_zset_range.c (ranges by rank, score and lex) and t_zset_ops.c
 * (ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD).
 *
 * Internal to src/cmd: nothing outside the family includes it.
 */
#ifndef KVD_ZSET_CMD_H
#define KVD_ZSET_CMD_H

#include "client.h"
#include "zset_type.h"

/* The live limits and environment for a write by c. */
kvd_zset_ctx_t kvd_zset_cmd_ctx(kvd_client_t *c);
/*
 * Look key up as a sorted set: *zp is NULL when absent.  Reads count hits
 * and misses; writes (read == false) do not.  Returns -1 after replying
 * WRONGTYPE.
 */
int kvd_zset_cmd_lookup(kvd_client_t *c, const kvd_arg_t *key, bool read, kvd_entry_t **ep,
                        kvd_zset_t **zp);
/* After changing z in place under e: delete the key if z is empty, else
 * record a new encoding, touch the key and check invariants (debug). */
void kvd_zset_cmd_written(kvd_client_t *c, const kvd_arg_t *key, kvd_entry_t *e, kvd_zset_t *z);
/* STORE forms: replace dst with result (encoded as Redis would), or delete
 * dst when result is empty; reply the size and count the change. */
void kvd_zset_cmd_store(kvd_client_t *c, const kvd_arg_t *dst, kvd_zset_t *result);
/* Reply one element: member, and its score when withscores. */
void kvd_zset_cmd_reply_elem(kvd_client_t *c, const kvd_zset_elem_t *el, bool withscores);

/* Procs defined outside t_zset.c, which owns the table. */
void kvd_zrange_command(kvd_client_t *c);
void kvd_zrangestore_command(kvd_client_t *c);
void kvd_zrevrange_command(kvd_client_t *c);
void kvd_zrangebyscore_command(kvd_client_t *c);
void kvd_zrevrangebyscore_command(kvd_client_t *c);
void kvd_zrangebylex_command(kvd_client_t *c);
void kvd_zrevrangebylex_command(kvd_client_t *c);
void kvd_zcount_command(kvd_client_t *c);
void kvd_zlexcount_command(kvd_client_t *c);
void kvd_zremrangebyrank_command(kvd_client_t *c);
void kvd_zremrangebyscore_command(kvd_client_t *c);
void kvd_zremrangebylex_command(kvd_client_t *c);

void kvd_zunion_command(kvd_client_t *c);
void kvd_zinter_command(kvd_client_t *c);
void kvd_zdiff_command(kvd_client_t *c);
void kvd_zunionstore_command(kvd_client_t *c);
void kvd_zinterstore_command(kvd_client_t *c);
void kvd_zdiffstore_command(kvd_client_t *c);
void kvd_zintercard_command(kvd_client_t *c);
/* Keys: numkeys at argv[1] (ZUNION, ZINTER, ZDIFF, ZINTERCARD, ZMPOP). */
int kvd_zset_numkeys1_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                              int max);
/* Keys: the destination, then numkeys at argv[2] (the STORE forms, BZMPOP's keys). */
int kvd_zset_store_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                           int max);
int kvd_zset_numkeys2_getkeys(int argc, const char *const *argv, const size_t *lens, int *out,
                              int max);

#endif /* KVD_ZSET_CMD_H */

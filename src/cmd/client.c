/*
 * client.c - client sessions as the core sees them, plus the argument and
 * error helpers every command family shares.
 */
#include "client.h"
#include "blocking.h"
#include "multi.h"
#include "shard.h"
#include "db/db.h"
#include "core/util.h"
#include "proto/reply.h"

void kvd_client_init(kvd_client_t *c, kvd_shard_t *shard)
{
    memset(c, 0, sizeof(*c));
    c->shard = shard;
    /* Ids are unique across workers: each shard hands out its own residue class. */
    c->id = shard->next_client_id * (uint64_t)shard->nshards + (uint64_t)shard->id + 1;
    shard->next_client_id++;
    c->resp = 2;
    c->fd = -1;
    c->db_index = 0;
    c->db = shard->dbs[0];
    c->ctime_ms = kvd_env_now_ms(shard->env);
    c->last_interaction_ms = c->ctime_ms;
}

kvd_arg_t *kvd_args_dup(const kvd_arg_t *argv, int argc)
{
    KVD_ASSERT(argc > 0);
    kvd_arg_t *copy = kvd_calloc((size_t)argc, sizeof(*copy));
    for (int i = 0; i < argc; i++) {
        copy[i].ptr = kvd_malloc(argv[i].len + 1);
        memcpy(copy[i].ptr, argv[i].ptr, argv[i].len);
        copy[i].ptr[argv[i].len] = '\0';
        copy[i].len = argv[i].len;
    }
    return copy;
}

void kvd_args_free(kvd_arg_t *argv, int argc)
{
    for (int i = 0; i < argc; i++)
        kvd_free(argv[i].ptr);
    kvd_free(argv);
}

void kvd_propagate_as(kvd_client_t *c, int argc, const kvd_arg_t *argv)
{
    if (c->prop_argv != NULL)
        kvd_args_free(c->prop_argv, c->prop_argc);
    c->prop_argv = kvd_args_dup(argv, argc);
    c->prop_argc = argc;
}

void kvd_client_release(kvd_client_t *c)
{
    if (c->prop_argv != NULL)
        kvd_args_free(c->prop_argv, c->prop_argc);
    c->prop_argv = NULL;
    kvd_blocking_forget(c);
    kvd_multi_release(c);
    kvd_free(c->name);
    kvd_free(c->lib_name);
    kvd_free(c->lib_ver);
    c->name = c->lib_name = c->lib_ver = NULL;
}

void kvd_client_close_asap(kvd_client_t *c)
{
    if (c->flags & KVD_CLIENT_CLOSE_ASAP)
        return;
    c->flags |= KVD_CLIENT_CLOSE_ASAP;
    c->shard->close_asap_pending++;
}

int kvd_client_select(kvd_client_t *c, int index)
{
    if (index < 0 || index >= c->shard->ndbs)
        return -1;
    c->db_index = index;
    c->db = c->shard->dbs[index];
    return 0;
}

void kvd_reply_wrong_type(kvd_client_t *c)
{
    kvd_reply_error(c->reply, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

int kvd_check_type(kvd_client_t *c, const kvd_entry_t *e, int type)
{
    KVD_ASSERT(e != NULL);
    if ((int)kvd_entry_type(e) == type)
        return 0;
    kvd_reply_wrong_type(c);
    return -1;
}

void kvd_reply_syntax_error(kvd_client_t *c)
{
    kvd_reply_error(c->reply, "ERR syntax error");
}

void kvd_reply_not_int(kvd_client_t *c)
{
    kvd_reply_error(c->reply, "ERR value is not an integer or out of range");
}

void kvd_reply_arity(kvd_client_t *c)
{
    kvd_reply_errorf(c->reply, "ERR wrong number of arguments for '%s' command",
                     c->cmd ? c->cmd->fullname : c->argv[0].ptr);
}

int kvd_arg_ll(kvd_client_t *c, const kvd_arg_t *a, int64_t *out)
{
    if (kvd_str2ll(a->ptr, a->len, out))
        return 0;
    kvd_reply_not_int(c);
    return -1;
}

int kvd_arg_ll_range(kvd_client_t *c, const kvd_arg_t *a, int64_t min, int64_t max, int64_t *out,
                     const char *msg)
{
    int64_t v;
    if (!kvd_str2ll(a->ptr, a->len, &v) || v < min || v > max) {
        if (msg)
            kvd_reply_errorf(c->reply, "ERR %s", msg);
        else
            kvd_reply_not_int(c);
        return -1;
    }
    *out = v;
    return 0;
}


/*
 * multi.c - MULTI/EXEC/DISCARD and WATCH/UNWATCH (see multi.h).
 */
#include "multi.h"
#include "keyindex.h"
#include "shard.h"
#include "aof/aof.h"
#include "proto/reply.h"

/* Bounds: a transaction queue and a client's watch list grow with the
 * client's own commands, so they are bounded by what the client sends;
 * these catch accounting bugs, not clients. */
#define MAX_QUEUED (1u << 30)

typedef struct queued {
    kvd_arg_t *argv;
    int argc;
} queued_t;

/* A client's transaction state, allocated on first MULTI or WATCH. */
typedef struct kvd_tx {
    queued_t *queue;
    uint32_t nqueued, qcap;
    kvd_keylink_t **watched; /* each link individually allocated: the index points at them */
    uint32_t nwatched, wcap;
} kvd_tx_t;

struct kvd_watches {
    kvd_keyindex_t keys;
};

kvd_watches_t *kvd_watches_create(void)
{
    kvd_watches_t *w = kvd_calloc(1, sizeof(*w));
    kvd_keyindex_init(&w->keys, 0x6b76642d77617463ULL, 0x68696e6465783121ULL);
    return w;
}

void kvd_watches_destroy(kvd_watches_t *w)
{
    if (w == NULL)
        return;
    kvd_keyindex_fini(&w->keys);
    kvd_free(w);
}

bool kvd_watches_any(const kvd_shard_t *s)
{
    return s->watches->keys.nlinks > 0;
}

static kvd_tx_t *tx_of(kvd_client_t *c)
{
    if (c->tx == NULL)
        c->tx = kvd_calloc(1, sizeof(kvd_tx_t));
    return c->tx;
}

/* ---- touching watched keys ---- */

static void dirty_watchers(kvd_keyslot_t *slot, int db)
{
    for (kvd_keylink_t *l = slot->head; l != NULL; l = l->next)
        if (l->db == db)
            ((kvd_client_t *)l->owner)->flags |= KVD_CLIENT_DIRTY_CAS;
}

void kvd_watch_touch_key(kvd_shard_t *s, int db, const char *key, size_t klen)
{
    kvd_keyslot_t *slot = kvd_keyindex_find(&s->watches->keys, key, klen);
    if (slot != NULL)
        dirty_watchers(slot, db);
}

void kvd_watch_after_write(kvd_shard_t *s, const kvd_client_t *c)
{
    if (!kvd_watches_any(s) || (c->cmd->first_key <= 0 && c->cmd->getkeys == NULL))
        return;
    int stack[16];
    int *keys = c->argc <= 16 ? stack : kvd_calloc((size_t)c->argc, sizeof(*keys));
    int n = kvd_command_find_keys(c->cmd, c->argc, c->argv, keys, c->argc);
    for (int i = 0; i < n; i++)
        if (!(i < 32 && (c->untouched_keys >> i) & 1) &&
            !kvd_command_key_read_only(c->cmd, c->argc, c->argv, keys[i]))
            kvd_watch_touch_key(s, c->db_index, c->argv[keys[i]].ptr, c->argv[keys[i]].len);
    if (keys != stack)
        kvd_free(keys);
}

typedef struct db_touch {
    kvd_shard_t *s;
    int a, b; /* databases whose watched keys are candidates (b == a for a flush) */
} db_touch_t;

static bool exists_in(kvd_shard_t *s, int db, const kvd_keyslot_t *slot)
{
    return kvd_db_find(s->dbs[db], slot->key, slot->klen) != NULL;
}

static void touch_if_present(const kvd_dict_node_t *n, void *arg)
{
    const db_touch_t *t = arg;
    kvd_keyslot_t *slot = (kvd_keyslot_t *)(uintptr_t)n;
    bool present = exists_in(t->s, t->a, slot) || (t->b != t->a && exists_in(t->s, t->b, slot));
    if (!present)
        return;
    dirty_watchers(slot, t->a);
    if (t->b != t->a)
        dirty_watchers(slot, t->b);
}

void kvd_watch_touch_flush(kvd_shard_t *s, int db)
{
    if (!kvd_watches_any(s))
        return;
    db_touch_t t = {s, db, db};
    kvd_dict_foreach(&s->watches->keys.slots, touch_if_present, &t);
}

void kvd_watch_touch_swap(kvd_shard_t *s, int a, int b)
{
    if (!kvd_watches_any(s) || a == b)
        return;
    db_touch_t t = {s, a, b};
    kvd_dict_foreach(&s->watches->keys.slots, touch_if_present, &t);
}

/* ---- watch lists ---- */

static bool already_watched(const kvd_tx_t *tx, int db, const kvd_arg_t *key)
{
    for (uint32_t i = 0; i < tx->nwatched; i++) {
        const kvd_keylink_t *l = tx->watched[i];
        if (l->db == db && l->slot->klen == key->len &&
            memcmp(l->slot->key, key->ptr, key->len) == 0)
            return true;
    }
    return false;
}

static void watch_key(kvd_client_t *c, const kvd_arg_t *key)
{
    kvd_tx_t *tx = tx_of(c);
    if (already_watched(tx, c->db_index, key))
        return;
    /* Look the key up first: one already expired goes now, before we
     * watch it, so its removal does not count against this transaction. */
    kvd_db_find(c->db, key->ptr, key->len);
    if (tx->nwatched == tx->wcap) {
        tx->wcap = tx->wcap ? tx->wcap * 2 : 4;
        tx->watched = kvd_realloc(tx->watched, tx->wcap * sizeof(*tx->watched));
    }
    kvd_keylink_t *l = kvd_calloc(1, sizeof(*l));
    kvd_keyindex_link(&c->shard->watches->keys, l, key->ptr, key->len, c, c->db_index);
    tx->watched[tx->nwatched++] = l;
}

static void unwatch_all(kvd_client_t *c)
{
    kvd_tx_t *tx = c->tx;
    c->flags &= ~(uint32_t)KVD_CLIENT_DIRTY_CAS;
    if (tx == NULL)
        return;
    for (uint32_t i = 0; i < tx->nwatched; i++) {
        kvd_keyindex_unlink(&c->shard->watches->keys, tx->watched[i]);
        kvd_free(tx->watched[i]);
    }
    tx->nwatched = 0;
}

/* EXEC's check for keys that expired since WATCH: looking them up removes
 * them, which touches this client through the expiry hook. */
static void expire_watched(kvd_client_t *c)
{
    kvd_tx_t *tx = c->tx;
    for (uint32_t i = 0; tx != NULL && i < tx->nwatched; i++) {
        const kvd_keylink_t *l = tx->watched[i];
        kvd_db_find(c->shard->dbs[l->db], l->slot->key, l->slot->klen);
    }
}

bool kvd_multi_watch_dirty(kvd_client_t *c)
{
    expire_watched(c);
    bool dirty = (c->flags & KVD_CLIENT_DIRTY_CAS) != 0;
    unwatch_all(c);
    return dirty;
}

/* ---- the queue ---- */

static void discard_queue(kvd_client_t *c)
{
    kvd_tx_t *tx = c->tx;
    for (uint32_t i = 0; tx != NULL && i < tx->nqueued; i++)
        kvd_args_free(tx->queue[i].argv, tx->queue[i].argc);
    if (tx != NULL)
        tx->nqueued = 0;
    c->flags &= ~(uint32_t)(KVD_CLIENT_MULTI | KVD_CLIENT_DIRTY_EXEC);
}

static bool runs_inside_multi(const kvd_command_t *cmd)
{
    const kvd_command_t *top = cmd->parent ? cmd->parent : cmd;
    static const char *const steering[] = {"exec", "discard", "multi", "watch", "quit", "reset"};
    for (size_t i = 0; i < sizeof(steering) / sizeof(steering[0]); i++)
        if (strcmp(top->name, steering[i]) == 0)
            return true;
    return false;
}

bool kvd_multi_queue_if_open(kvd_client_t *c)
{
    if (!(c->flags & KVD_CLIENT_MULTI) || runs_inside_multi(c->cmd))
        return false;
    if (c->cmd->flags & KVD_CMD_NO_MULTI) {
        kvd_reply_error(c->reply, "ERR Command not allowed inside a transaction");
        c->flags |= KVD_CLIENT_DIRTY_EXEC;
        return true;
    }
    kvd_tx_t *tx = tx_of(c);
    KVD_ASSERT(tx->nqueued < MAX_QUEUED);
    if (tx->nqueued == tx->qcap) {
        tx->qcap = tx->qcap ? tx->qcap * 2 : 8;
        tx->queue = kvd_realloc(tx->queue, tx->qcap * sizeof(*tx->queue));
    }
    tx->queue[tx->nqueued].argv = kvd_args_dup(c->argv, c->argc);
    tx->queue[tx->nqueued].argc = c->argc;
    tx->nqueued++;
    kvd_reply_simple(c->reply, "QUEUED");
    return true;
}

void kvd_multi_flag_rejected(kvd_client_t *c)
{
    if (c->flags & KVD_CLIENT_MULTI)
        c->flags |= KVD_CLIENT_DIRTY_EXEC;
}

void kvd_multi_release(kvd_client_t *c)
{
    if (c->tx == NULL)
        return;
    discard_queue(c);
    unwatch_all(c);
    kvd_free(c->tx->queue);
    kvd_free(c->tx->watched);
    kvd_free(c->tx);
    c->tx = NULL;
}

const kvd_arg_t *kvd_multi_queued_at(const kvd_client_t *c, int i, int *argc)
{
    KVD_ASSERT(c->tx != NULL && i >= 0 && (uint32_t)i < c->tx->nqueued);
    *argc = c->tx->queue[i].argc;
    return c->tx->queue[i].argv;
}

void kvd_multi_abandon(kvd_client_t *c)
{
    discard_queue(c);
    unwatch_all(c);
}

int kvd_multi_queued(const kvd_client_t *c)
{
    if (!(c->flags & KVD_CLIENT_MULTI))
        return -1;
    return c->tx ? (int)c->tx->nqueued : 0;
}

/* ---- commands ---- */

static void multi_command(kvd_client_t *c)
{
    if (c->flags & KVD_CLIENT_MULTI) {
        kvd_reply_error(c->reply, "ERR MULTI calls can not be nested");
        return;
    }
    tx_of(c);
    c->flags |= KVD_CLIENT_MULTI;
    kvd_reply_ok(c->reply);
}

static void discard_command(kvd_client_t *c)
{
    if (!(c->flags & KVD_CLIENT_MULTI)) {
        kvd_reply_error(c->reply, "ERR DISCARD without MULTI");
        return;
    }
    discard_queue(c);
    unwatch_all(c);
    kvd_reply_ok(c->reply);
}

/* Run the queue: each command through dispatch (statistics, errors,
 * watch and blocking signals), with blocking turned into "timed out" and
 * the serving of blocked clients held until the whole queue has run. */
static void exec_queue(kvd_client_t *c, queued_t *queue, uint32_t n)
{
    kvd_shard_t *s = c->shard;
    int saved_argc = c->argc;
    kvd_arg_t *saved_argv = c->argv;
    kvd_command_t *saved_cmd = c->cmd;
    c->flags |= KVD_CLIENT_DENY_BLOCKING;
    s->in_exec++;
    kvd_reply_array(c->reply, n);
    for (uint32_t i = 0; i < n; i++) {
        c->argc = queue[i].argc;
        c->argv = queue[i].argv;
        kvd_dispatch(c);
    }
    s->in_exec--;
    kvd_aof_exec_done(s);
    c->flags &= ~(uint32_t)KVD_CLIENT_DENY_BLOCKING;
    c->argc = saved_argc;
    c->argv = saved_argv;
    c->cmd = saved_cmd;
}

static void exec_command(kvd_client_t *c)
{
    if (!(c->flags & KVD_CLIENT_MULTI)) {
        kvd_reply_error(c->reply, "ERR EXEC without MULTI");
        return;
    }
    if (c->flags & KVD_CLIENT_DIRTY_EXEC) {
        kvd_reply_error(c->reply, "EXECABORT Transaction discarded because of previous errors.");
        discard_queue(c);
        unwatch_all(c);
        return;
    }
    expire_watched(c);
    if (c->flags & KVD_CLIENT_DIRTY_CAS) {
        kvd_reply_null_array(c->reply);
        discard_queue(c);
        unwatch_all(c);
        return;
    }
    /* Unwatch first: the transaction's own writes must not mark it. */
    unwatch_all(c);
    kvd_tx_t *tx = c->tx;
    queued_t *queue = tx->queue;
    uint32_t n = tx->nqueued;
    tx->queue = NULL;
    tx->nqueued = tx->qcap = 0;
    c->flags &= ~(uint32_t)KVD_CLIENT_MULTI;
    exec_queue(c, queue, n);
    for (uint32_t i = 0; i < n; i++)
        kvd_args_free(queue[i].argv, queue[i].argc);
    kvd_free(queue);
}

static void watch_command(kvd_client_t *c)
{
    if (c->flags & KVD_CLIENT_MULTI) {
        kvd_reply_error(c->reply, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (int i = 1; i < c->argc; i++)
        watch_key(c, &c->argv[i]);
    kvd_reply_ok(c->reply);
}

static void unwatch_command(kvd_client_t *c)
{
    unwatch_all(c);
    kvd_reply_ok(c->reply);
}

#define TX_FLAGS (KVD_CMD_NOSCRIPT | KVD_CMD_LOADING | KVD_CMD_STALE)
#define TX_FAST (TX_FLAGS | KVD_CMD_FAST | KVD_CMD_ALLOW_BUSY)
#define DOC(sum, ver) .summary = sum, .since = ver, .group = "transactions", .complexity = "O(1)"

static kvd_command_t multi_commands[] = {
    {.name = "multi", .proc = multi_command, .arity = 1, .flags = TX_FAST,
     .acl = KVD_ACL_FAST | KVD_ACL_TRANSACTION, DOC("Mark the start of a transaction block", "1.2.0")},
    {.name = "exec", .proc = exec_command, .arity = 1, .flags = TX_FLAGS | KVD_CMD_SKIP_SLOWLOG,
     .acl = KVD_ACL_SLOW | KVD_ACL_TRANSACTION,
     .summary = "Execute all commands issued after MULTI", .since = "1.2.0",
     .group = "transactions", .complexity = "Depends on commands in the transaction"},
    {.name = "discard", .proc = discard_command, .arity = 1, .flags = TX_FAST,
     .acl = KVD_ACL_FAST | KVD_ACL_TRANSACTION,
     .summary = "Discard all commands issued after MULTI", .since = "2.0.0",
     .group = "transactions", .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch", .proc = watch_command, .arity = -2, .flags = TX_FAST,
     .acl = KVD_ACL_FAST | KVD_ACL_TRANSACTION, .first_key = 1, .last_key = -1, .key_step = 1,
     .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
     .since = "2.2.0", .group = "transactions", .complexity = "O(1) for every key."},
    {.name = "unwatch", .proc = unwatch_command, .arity = 1, .flags = TX_FAST,
     .acl = KVD_ACL_FAST | KVD_ACL_TRANSACTION, DOC("Forget about all watched keys", "2.2.0")},
    {.name = NULL},
};

void kvd_register_multi_commands(void)
{
    kvd_command_register(multi_commands);
}

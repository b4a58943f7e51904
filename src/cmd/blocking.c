/*
 * blocking.c - the blocking index, ready keys, serving and timeouts
 * (see blocking.h for the model).
 */
#include "blocking.h"
#include "shard.h"
#include "keyindex.h"
#include "multi.h"
#include "aof/aof.h"
#include "proto/reply.h"

#include <math.h>

/* Ready keys served per kvd_blocking_serve call, at most: a cycle of
 * BLMOVEs feeding each other cannot spin forever. */
#define SERVE_BOUND 1000000

typedef struct kvd_waiter waiter_t;

/* A blocked client: its own copy of the command, its keys, its deadline. */
struct kvd_waiter {
    kvd_client_t *c;
    kvd_command_t *cmd;
    kvd_arg_t *argv;
    int argc;
    kvd_keylink_t *links; /* one per distinct key, owner = this waiter */
    int nlinks;
    int64_t deadline_ms; /* 0: no timeout */
    kvd_block_timeout_reply_t on_timeout;
    waiter_t *prev, *next; /* all waiters, oldest first */
};

/* Marked slots of the key index are the ready keys. */
struct kvd_blocking {
    kvd_keyindex_t keys;
    waiter_t *head, *tail;
    uint64_t nwaiters;
    kvd_client_t *resume_head, *resume_tail;
    /* No waiter times out before this (INT64_MAX: none has a timeout), so
     * the check before each sleep is O(1) until one may be due. */
    int64_t next_deadline_ms;
};

kvd_blocking_t *kvd_blocking_create(void)
{
    kvd_blocking_t *b = kvd_calloc(1, sizeof(*b));
    /* The index holds keys clients chose; a fixed seed is enough because
     * a client can only grow it by blocking, one key list per client. */
    kvd_keyindex_init(&b->keys, 0x6b76642d626c6b31ULL, 0x7761697465727321ULL);
    b->next_deadline_ms = INT64_MAX;
    return b;
}

void kvd_blocking_destroy(kvd_blocking_t *b)
{
    if (b == NULL)
        return;
    KVD_ASSERT(b->nwaiters == 0);
    kvd_keyindex_fini(&b->keys);
    kvd_free(b);
}

uint64_t kvd_blocking_count(const kvd_blocking_t *b)
{
    return b->nwaiters;
}

int kvd_blocking_parse_timeout(kvd_client_t *c, const kvd_arg_t *a, int64_t *deadline_ms)
{
    long double secs;
    if (!kvd_str2ld(a->ptr, a->len, &secs) || isnan(secs)) {
        kvd_reply_error(c->reply, "ERR timeout is not a float or out of range");
        return -1;
    }
    long double ms = secs * 1000.0L;
    if (ms > (long double)INT64_MAX) {
        kvd_reply_error(c->reply, "ERR timeout is out of range");
        return -1;
    }
    long double up = ceill(ms);
    if (up < 0) {
        kvd_reply_error(c->reply, "ERR timeout is negative");
        return -1;
    }
    int64_t t = (int64_t)up;
    if (t > 0) {
        int64_t now = (int64_t)kvd_env_now_ms(c->shard->env);
        if (t > INT64_MAX - now) {
            kvd_reply_error(c->reply, "ERR timeout is out of range");
            return -1;
        }
        t += now;
    }
    *deadline_ms = t;
    return 0;
}

bool kvd_blocking_allowed(const kvd_client_t *c)
{
    return !(c->flags & KVD_CLIENT_DENY_BLOCKING);
}

static bool same_arg(const kvd_arg_t *a, const kvd_arg_t *b)
{
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Link w on each distinct key (BLPOP k k waits once on k). */
static void link_keys(kvd_blocking_t *b, waiter_t *w, const int *keys, int nkeys)
{
    w->links = kvd_calloc((size_t)nkeys, sizeof(*w->links));
    for (int i = 0; i < nkeys; i++) {
        const kvd_arg_t *k = &w->argv[keys[i]];
        bool dup = false;
        for (int j = 0; j < i && !dup; j++)
            dup = same_arg(k, &w->argv[keys[j]]);
        if (!dup)
            kvd_keyindex_link(&b->keys, &w->links[w->nlinks++], k->ptr, k->len, w,
                              w->c->db_index);
    }
}

void kvd_block_client(kvd_client_t *c, const int *keys, int nkeys, int64_t deadline_ms,
                      kvd_block_timeout_reply_t on_timeout)
{
    if (c->flags & KVD_CLIENT_BLOCKED)
        return; /* a retry that still found nothing: stays as it was */
    KVD_ASSERT(nkeys > 0 && c->cmd != NULL && kvd_blocking_allowed(c));
    kvd_blocking_t *b = c->shard->blocking;
    waiter_t *w = kvd_calloc(1, sizeof(*w));
    w->c = c;
    w->cmd = c->cmd;
    w->deadline_ms = deadline_ms;
    w->on_timeout = on_timeout;
    w->argc = c->argc;
    w->argv = kvd_args_dup(c->argv, c->argc);
    link_keys(b, w, keys, nkeys);
    w->prev = b->tail;
    if (b->tail != NULL)
        b->tail->next = w;
    else
        b->head = w;
    b->tail = w;
    b->nwaiters++;
    if (deadline_ms != 0 && deadline_ms < b->next_deadline_ms)
        b->next_deadline_ms = deadline_ms;
    c->waiter = w;
    c->flags |= KVD_CLIENT_BLOCKED;
    KVD_VERIFY(kvd_blocking_verify_invariants(b));
}

/* Take w out of every structure and free it; the client is no longer blocked. */
static void waiter_remove(kvd_blocking_t *b, waiter_t *w)
{
    for (int i = 0; i < w->nlinks; i++)
        kvd_keyindex_unlink(&b->keys, &w->links[i]);
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        b->head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        b->tail = w->prev;
    b->nwaiters--;
    kvd_args_free(w->argv, w->argc);
    kvd_free(w->links);
    w->c->waiter = NULL;
    w->c->flags &= ~(uint32_t)KVD_CLIENT_BLOCKED;
    kvd_free(w);
}

static void resume_push(kvd_blocking_t *b, kvd_client_t *c)
{
    if (c->flags & KVD_CLIENT_RESUME_QUEUED)
        return;
    c->flags |= KVD_CLIENT_RESUME_QUEUED;
    c->resume_next = NULL;
    c->resume_prev = b->resume_tail;
    if (b->resume_tail != NULL)
        b->resume_tail->resume_next = c;
    else
        b->resume_head = c;
    b->resume_tail = c;
}

static void resume_unlink(kvd_blocking_t *b, kvd_client_t *c)
{
    if (!(c->flags & KVD_CLIENT_RESUME_QUEUED))
        return;
    if (c->resume_prev != NULL)
        c->resume_prev->resume_next = c->resume_next;
    else
        b->resume_head = c->resume_next;
    if (c->resume_next != NULL)
        c->resume_next->resume_prev = c->resume_prev;
    else
        b->resume_tail = c->resume_prev;
    c->resume_prev = c->resume_next = NULL;
    c->flags &= ~(uint32_t)KVD_CLIENT_RESUME_QUEUED;
}

kvd_client_t *kvd_blocking_next_resumed(kvd_shard_t *s)
{
    kvd_client_t *c = s->blocking->resume_head;
    if (c != NULL)
        resume_unlink(s->blocking, c);
    return c;
}

void kvd_blocking_signal(kvd_shard_t *s, const kvd_client_t *c, const int *keys, int nkeys)
{
    kvd_blocking_t *b = s->blocking;
    if (b->nwaiters == 0)
        return;
    for (int i = 0; i < nkeys; i++) {
        const kvd_arg_t *k = &c->argv[keys[i]];
        kvd_keyslot_t *slot = kvd_keyindex_find(&b->keys, k->ptr, k->len);
        if (slot != NULL)
            kvd_keyindex_mark(&b->keys, slot);
    }
}

void kvd_blocking_signal_all(kvd_shard_t *s)
{
    kvd_blocking_t *b = s->blocking;
    for (waiter_t *w = b->head; w != NULL; w = w->next)
        for (int i = 0; i < w->nlinks; i++)
            kvd_keyindex_mark(&b->keys, w->links[i].slot);
}

/*
 * Re-run w's command for its client.  Returns true when it answered
 * (served, or an error such as WRONGTYPE on the destination): the client
 * is then unblocked and queued for resumption.
 */
static bool retry_waiter(kvd_shard_t *s, waiter_t *w)
{
    kvd_client_t *c = w->c;
    KVD_ASSERT(c->waiter == w && (c->flags & KVD_CLIENT_BLOCKED));
    size_t mark = c->reply->len;
    int saved_argc = c->argc;
    kvd_arg_t *saved_argv = c->argv;
    kvd_command_t *saved_cmd = c->cmd;
    c->argc = w->argc;
    c->argv = w->argv;
    c->cmd = w->cmd;
    c->flags |= KVD_CLIENT_RETRYING;
    uint64_t dirty_before = s->dirty;
    w->cmd->proc(c);
    c->flags &= ~(uint32_t)KVD_CLIENT_RETRYING;
    bool answered = c->reply->len != mark;
    if (answered) {
        w->cmd->calls++;
        s->stats.total_commands_processed++;
        /* The served command wrote (popped, maybe pushed): its keys may
         * ready other waiters.  The argv copy dies with the waiter. */
        kvd_blocking_after_write(s, c);
        /* ...and it is a write like any other for the AOF (a BLMOVE
         * served here must be replayed after the push that fed it) and
         * for WATCH (pushing into a watched key fails that transaction).
         * The blocking form is logged: replay denies blocking and finds
         * the key filled by the write logged just before. */
        if (s->dirty != dirty_before) {
            kvd_aof_feed(s, c);
            kvd_watch_after_write(s, c);
        }
        if (c->prop_argv != NULL) {
            kvd_args_free(c->prop_argv, c->prop_argc);
            c->prop_argv = NULL;
            c->prop_argc = 0;
        }
        waiter_remove(s->blocking, w);
        resume_push(s->blocking, c);
    }
    c->argc = saved_argc;
    c->argv = saved_argv;
    c->cmd = saved_cmd;
    return answered;
}

/* Try the waiters of a ready key, oldest first.  A snapshot of them is
 * taken because serving one unlinks it. */
static void serve_key(kvd_shard_t *s, kvd_keyslot_t *slot)
{
    uint64_t n = 0;
    for (kvd_keylink_t *l = slot->head; l != NULL; l = l->next)
        n++;
    waiter_t **ws = kvd_calloc(n, sizeof(*ws));
    uint64_t i = 0;
    for (kvd_keylink_t *l = slot->head; l != NULL; l = l->next)
        ws[i++] = l->owner;
    for (i = 0; i < n; i++)
        retry_waiter(s, ws[i]);
    kvd_free(ws);
}

void kvd_blocking_serve(kvd_shard_t *s)
{
    kvd_blocking_t *b = s->blocking;
    kvd_keyslot_t *slot;
    for (int round = 0; (slot = kvd_keyindex_pop_marked(&b->keys)) != NULL; round++) {
        KVD_ASSERT(round < SERVE_BOUND);
        serve_key(s, slot);
        kvd_keyindex_release_if_empty(&b->keys, slot);
    }
    KVD_VERIFY(kvd_blocking_verify_invariants(b));
}

/* Unblock w's client with its timeout reply (or the UNBLOCKED error). */
static void answer_and_unblock(kvd_blocking_t *b, waiter_t *w, bool with_error)
{
    kvd_client_t *c = w->c;
    if (with_error)
        kvd_reply_error(c->reply, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else if (w->on_timeout == KVD_BLOCK_TIMEOUT_NULL_ARRAY)
        kvd_reply_null_array(c->reply);
    else
        kvd_reply_null(c->reply);
    waiter_remove(b, w);
    resume_push(b, c);
}

void kvd_blocking_expire(kvd_shard_t *s)
{
    kvd_blocking_t *b = s->blocking;
    if (b->nwaiters == 0)
        return;
    int64_t now = (int64_t)kvd_env_now_ms(s->env);
    if (now < b->next_deadline_ms)
        return;
    int64_t next_deadline = INT64_MAX;
    waiter_t *w = b->head, *next;
    for (uint64_t guard = 0; w != NULL && guard <= b->nwaiters + 1; guard++, w = next) {
        next = w->next;
        if (w->deadline_ms != 0 && w->deadline_ms <= now)
            answer_and_unblock(b, w, false);
        else if (w->deadline_ms != 0 && w->deadline_ms < next_deadline)
            next_deadline = w->deadline_ms;
    }
    b->next_deadline_ms = next_deadline;
}

void kvd_blocking_unblock(kvd_client_t *c, bool with_error)
{
    KVD_ASSERT(c->flags & KVD_CLIENT_BLOCKED);
    answer_and_unblock(c->shard->blocking, c->waiter, with_error);
}

void kvd_blocking_forget(kvd_client_t *c)
{
    kvd_blocking_t *b = c->shard->blocking;
    if (c->flags & KVD_CLIENT_BLOCKED)
        waiter_remove(b, c->waiter);
    resume_unlink(b, c);
}

void kvd_blocking_verify_invariants(const kvd_blocking_t *b)
{
    uint64_t n = 0, links = 0;
    for (const waiter_t *w = b->head; w != NULL; w = w->next) {
        KVD_ASSERT(n < b->nwaiters);
        KVD_ASSERT(w->c->waiter == w && (w->c->flags & KVD_CLIENT_BLOCKED));
        KVD_ASSERT(w->next == NULL || w->next->prev == w);
        for (int i = 0; i < w->nlinks; i++)
            KVD_ASSERT(w->links[i].owner == w && w->links[i].slot != NULL);
        links += (uint64_t)w->nlinks;
        n++;
    }
    KVD_ASSERT(n == b->nwaiters && links == b->keys.nlinks);
    kvd_keyindex_verify_invariants(&b->keys);
}

void kvd_blocking_after_write(kvd_shard_t *s, const kvd_client_t *c)
{
    if (s->blocking->nwaiters == 0 || !(c->cmd->flags & KVD_CMD_WRITE))
        return;
    /* Writes without key arguments (SWAPDB) may hand any waiter a value. */
    if (c->cmd->first_key <= 0 && c->cmd->getkeys == NULL) {
        kvd_blocking_signal_all(s);
        return;
    }
    int stack[16];
    int *keys = c->argc <= 16 ? stack : kvd_calloc((size_t)c->argc, sizeof(*keys));
    int n = kvd_command_find_keys(c->cmd, c->argc, c->argv, keys, c->argc);
    if (n > 0)
        kvd_blocking_signal(s, c, keys, n);
    if (keys != stack)
        kvd_free(keys);
}

/*
 * shard.c - the state a worker owns, and its periodic work.
 */
#include "shard.h"
#include "blocking.h"
#include "multi.h"
#include "aof/aof.h"

kvd_shard_t *kvd_current_shard;

/* A key expired (lazily or in the active cycle): it changed for WATCH. */
static void key_expired(void *arg, int db, const char *key, size_t klen)
{
    kvd_watch_touch_key(arg, db, key, klen);
}

kvd_shard_t *kvd_shard_create(int id, int nshards, kvd_env_t *env, kvd_config_t *cfg)
{
    KVD_ASSERT(id >= 0 && id < nshards);
    KVD_ASSERT(cfg->databases >= 1);
    kvd_shard_t *s = kvd_calloc(1, sizeof(*s));
    s->id = id;
    s->nshards = nshards;
    s->env = env;
    s->cfg = cfg;
    s->ndbs = cfg->databases;
    s->dbs = kvd_calloc((size_t)s->ndbs, sizeof(*s->dbs));
    s->blocking = kvd_blocking_create();
    s->watches = kvd_watches_create();
    for (int i = 0; i < s->ndbs; i++) {
        s->dbs[i] = kvd_db_create(i, env, &s->stats.db);
        kvd_db_set_expired_hook(s->dbs[i], key_expired, s);
    }
    s->start_us = env->now_us(env);
    s->stat_reset_us = s->start_us;
    s->hz = cfg->hz > 0 ? cfg->hz : 10;
    return s;
}

void kvd_shard_destroy(kvd_shard_t *s)
{
    KVD_ASSERT(s->clients == NULL || s->nclients > 0);
    for (int i = 0; i < s->ndbs; i++)
        kvd_db_destroy(s->dbs[i]);
    kvd_free(s->dbs);
    kvd_blocking_destroy(s->blocking);
    kvd_watches_destroy(s->watches);
    kvd_aof_free(s);
    kvd_free(s);
}

void kvd_shard_link_client(kvd_shard_t *s, kvd_client_t *c)
{
    KVD_ASSERT(c->prev == NULL && c->next == NULL);
    c->next = s->clients;
    if (s->clients)
        s->clients->prev = c;
    s->clients = c;
    s->nclients++;
}

void kvd_shard_unlink_client(kvd_shard_t *s, kvd_client_t *c)
{
    KVD_ASSERT(s->nclients > 0);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    s->nclients--;
}

/*
 * Active expiry gets 25% of each cron period, as Redis's default effort
 * does; incremental rehashing of idle tables gets 1 ms per database at
 * most, like Redis's activerehashing.
 */
void kvd_shard_cron(kvd_shard_t *s)
{
    uint64_t budget_us = 1000000 / (uint64_t)(s->hz > 0 ? s->hz : 10) / 4;
    uint64_t per_db = budget_us / (uint64_t)s->ndbs + 1;
    for (int i = 0; i < s->ndbs; i++) {
        /* Not while a cross-shard transaction holds the shard: it must see
         * the keys it looked at stay as they were. */
        if (kvd_db_expires_size(s->dbs[i]) > 0 && s->in_exec == 0)
            kvd_db_active_expire(s->dbs[i], per_db);
        if (s->cfg->activerehashing)
            kvd_db_rehash_step(s->dbs[i], 1000);
    }
    size_t used = kvd_memory_used();
    if (used > s->used_memory_peak)
        s->used_memory_peak = used;
}

void kvd_shard_reset_stats(kvd_shard_t *s)
{
    memset(&s->stats, 0, sizeof(s->stats));
    s->stat_reset_us = s->env->now_us(s->env);
}

void kvd_shard_count_error(kvd_shard_t *s, const char *text, size_t len)
{
    s->stats.total_error_replies++;
    size_t code_len = 0;
    while (code_len < len && code_len < sizeof(s->stats.errors[0].code) - 1 &&
           text[code_len] != ' ' && text[code_len] != '\r')
        code_len++;
    for (int i = 0; i < s->stats.nerrors; i++) {
        kvd_errorstat_t *e = &s->stats.errors[i];
        if (strlen(e->code) == code_len && memcmp(e->code, text, code_len) == 0) {
            e->count++;
            return;
        }
    }
    if (s->stats.nerrors >= KVD_MAX_ERROR_CODES)
        return;
    kvd_errorstat_t *e = &s->stats.errors[s->stats.nerrors++];
    memcpy(e->code, text, code_len);
    e->code[code_len] = '\0';
    e->count = 1;
}

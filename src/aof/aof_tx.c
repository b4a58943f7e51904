/*
 * aof_tx.c - cross-shard transactions in the append-only file: the
 * block markers, and the coordinator's committed set (see aof.h).
 */
#include "aof_int.h"
#include "core/log.h"

int kvd_txid_coord(const char *txid)
{
    char *end = NULL;
    long coord = strtol(txid, &end, 10);
    return end != txid && *end == '.' && coord >= 0 && coord < INT32_MAX ? (int)coord : -1;
}

void aof_tx_encode(kvd_buf_t *out, const char *verb, const char *txid, const int *parts, int n)
{
    KVD_ASSERT(n >= 0 && txid[0] != '\0');
    kvd_buf_printf(out, "*%d\r\n$5\r\nKVDTX\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n", 3 + n, strlen(verb),
                   verb, strlen(txid), txid);
    for (int i = 0; i < n; i++) {
        char num[16];
        int len = snprintf(num, sizeof(num), "%d", parts[i]);
        kvd_buf_printf(out, "$%d\r\n%s\r\n", len, num);
    }
}

void aof_tx_record(kvd_aof_t *a, const char *verb, const char *txid, const int *parts, int n)
{
    if (a->state == AOF_ON)
        aof_tx_encode(&a->main.buf, verb, txid, parts, n);
    if (a->child > 0)
        aof_tx_encode(&a->rewrite.buf, verb, txid, parts, n);
}

void aof_tx_open_block(kvd_aof_t *a, aof_stream_t *st)
{
    if (a->tx_id[0] == '\0' || a->loading)
        return;
    KVD_ASSERT(!a->tx_prepared); /* nothing runs here between PREPARE and COMMIT */
    aof_tx_encode(&st->buf, "BEGIN", a->tx_id, NULL, 0);
    a->tx_block = true;
}

void kvd_aof_tx_begin(kvd_shard_t *s, const char *txid)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL)
        return;
    KVD_ASSERT(strlen(txid) < KVD_TXID_MAX && !a->main.multi_open);
    snprintf(a->tx_id, sizeof(a->tx_id), "%s", txid);
    a->tx_block = a->tx_prepared = false;
}

bool kvd_aof_tx_wrote(const kvd_shard_t *s)
{
    return s->aof != NULL && s->aof->tx_block;
}

static void close_block(kvd_aof_t *a)
{
    aof_stream_close_multi(&a->main);
    aof_stream_close_multi(&a->rewrite);
}

void kvd_aof_tx_prepare(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL || !a->tx_block)
        return;
    close_block(a);
    a->tx_prepared = true;
    a->force_sync = true;
}

static void tx_end(kvd_aof_t *a)
{
    a->tx_id[0] = '\0';
    a->tx_block = a->tx_prepared = false;
}

void kvd_aof_tx_commit(kvd_shard_t *s, const int *parts, int n)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL || a->tx_id[0] == '\0')
        return;
    if (a->tx_block || n > 0) {
        close_block(a);
        aof_tx_record(a, "COMMIT", a->tx_id, parts, n);
    }
    /* A prepared participant's COMMIT lets the coordinator forget the
     * transaction: it must be on disk first. */
    if (n > 0 || a->tx_prepared)
        a->force_sync = true;
    if (n > 0)
        aof_txset_add(a, a->tx_id, parts, n, false);
    tx_end(a);
}

void kvd_aof_tx_abort(kvd_shard_t *s)
{
    kvd_aof_t *a = s->aof;
    if (a == NULL || a->tx_id[0] == '\0')
        return;
    if (a->tx_block) {
        /* An open MULTI is left open: replay drops it at the ABORT. */
        a->main.multi_open = a->rewrite.multi_open = false;
        aof_tx_record(a, "ABORT", a->tx_id, NULL, 0);
    }
    tx_end(a);
}

/* ---- the committed set ---- */

kvd_txrec_t *kvd_aof_txset_find(kvd_shard_t *s, const char *txid)
{
    kvd_aof_t *a = s->aof;
    for (size_t i = 0; a != NULL && i < a->ntxset; i++)
        if (strcmp(a->txset[i].id, txid) == 0)
            return &a->txset[i];
    return NULL;
}

size_t kvd_aof_txset_count(const kvd_shard_t *s)
{
    return s->aof != NULL ? s->aof->ntxset : 0;
}

kvd_txrec_t *kvd_aof_txset_at(kvd_shard_t *s, size_t i)
{
    KVD_ASSERT(s->aof != NULL && i < s->aof->ntxset);
    return &s->aof->txset[i];
}

void aof_txset_add(kvd_aof_t *a, const char *txid, const int *parts, int n, bool durable)
{
    KVD_ASSERT(n > 0 && strlen(txid) < KVD_TXID_MAX);
    for (size_t i = 0; i < a->ntxset; i++)
        KVD_ASSERT(strcmp(a->txset[i].id, txid) != 0);
    if (a->ntxset == a->txset_cap) {
        a->txset_cap = a->txset_cap ? a->txset_cap * 2 : 16;
        a->txset = kvd_realloc(a->txset, a->txset_cap * sizeof(*a->txset));
    }
    kvd_txrec_t *t = &a->txset[a->ntxset++];
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", txid);
    t->parts = kvd_calloc((size_t)n, sizeof(*t->parts));
    memcpy(t->parts, parts, (size_t)n * sizeof(*parts));
    t->nparts = n;
    t->durable = durable;
}

void aof_txset_remove(kvd_aof_t *a, const char *txid)
{
    for (size_t i = 0; i < a->ntxset; i++) {
        if (strcmp(a->txset[i].id, txid) != 0)
            continue;
        kvd_free(a->txset[i].parts);
        a->txset[i] = a->txset[--a->ntxset];
        return;
    }
}

void kvd_aof_tx_acked(kvd_shard_t *s, const char *txid, int part)
{
    kvd_txrec_t *t = kvd_aof_txset_find(s, txid);
    if (t == NULL)
        return;
    for (int i = 0; i < t->nparts; i++) {
        if (t->parts[i] == part) {
            t->parts[i] = t->parts[--t->nparts];
            break;
        }
    }
    if (t->nparts > 0)
        return;
    aof_tx_record(s->aof, "FORGET", txid, NULL, 0);
    aof_txset_remove(s->aof, txid);
}

void aof_txset_dump(kvd_aof_t *a, kvd_buf_t *out)
{
    for (size_t i = 0; i < a->ntxset; i++)
        aof_tx_encode(out, "COMMIT", a->txset[i].id, a->txset[i].parts, a->txset[i].nparts);
}

void aof_txset_synced(kvd_aof_t *a)
{
    for (size_t i = 0; i < a->ntxset; i++)
        a->txset[i].durable = true;
}

void aof_tx_free(kvd_aof_t *a)
{
    for (size_t i = 0; i < a->ntxset; i++)
        kvd_free(a->txset[i].parts);
    kvd_free(a->txset);
    a->txset = NULL;
    a->ntxset = a->txset_cap = 0;
}

const char *kvd_aof_indoubt(const kvd_shard_t *s)
{
    return s->aof != NULL && s->aof->indoubt_id[0] != '\0' ? s->aof->indoubt_id : NULL;
}

void kvd_aof_suspend(kvd_shard_t *s, bool suspended)
{
    if (s->aof != NULL)
        s->aof->loading = suspended;
}

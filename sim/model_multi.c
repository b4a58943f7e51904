/*
 * model_multi.c - the model's entry point, FLUSHDB, and transactions:
 * WATCH, MULTI, the queue, EXEC.
 *
 * WATCH follows Redis 7.0 (multi.c): a watched key is dirty when a
 * command signals it (model_touch, called where Redis calls
 * signalModifiedKey), when FLUSHDB empties it while it exists, or when
 * it was live at WATCH and has expired by EXEC.  A key already expired
 * at WATCH time ("ghost") is not dirtied by its later removal.
 */
#include "model.h"

static const char exec_nil[] = "*-1\r\n";

static void cmd_flushdb(model_t *m, int db)
{
    model_db_t *d = &m->dbs[db];
    for (int i = 0; i < d->nkeys; i++) {
        model_key_t *k = &d->keys[i];
        kvd_arg_t a = {.ptr = k->name, .len = k->nlen};
        if (model_find(m, db, &a) != NULL)
            model_touch(m, db, &a);
        model_delete(k);
        k->ghost = false; /* kvd frees expired keys too */
    }
    mreply_ok(m);
}

static void cmd_watch(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    model_client_t *mc = &m->clients[m->client];
    for (int i = 1; i < argc; i++) {
        KVD_ASSERT(mc->nwatch < MODEL_MAX_WATCH && argv[i].len < sizeof(mc->watch[0].name));
        bool dup = false;
        for (int j = 0; j < mc->nwatch && !dup; j++)
            dup = mc->watch[j].db == db && mc->watch[j].nlen == argv[i].len &&
                  memcmp(mc->watch[j].name, argv[i].ptr, argv[i].len) == 0;
        if (dup)
            continue; /* Redis keeps the first registration */
        model_watch_t *w = &mc->watch[mc->nwatch++];
        w->db = db;
        memcpy(w->name, argv[i].ptr, argv[i].len);
        w->nlen = argv[i].len;
        w->live = model_find(m, db, &argv[i]) != NULL;
    }
    mreply_ok(m);
}

static bool watch_dirty(model_t *m, const model_client_t *mc)
{
    if (mc->dirty)
        return true;
    for (int i = 0; i < mc->nwatch; i++) {
        const model_watch_t *w = &mc->watch[i];
        kvd_arg_t a = {.ptr = (char *)(uintptr_t)w->name, .len = w->nlen};
        if (w->live && model_find(m, w->db, &a) == NULL)
            return true; /* expired since WATCH: EXEC aborts */
    }
    return false;
}

static void cmd_exec(model_t *m, int db)
{
    model_client_t *mc = &m->clients[m->client];
    KVD_ASSERT(mc->in_multi);
    if (mc->doomed) {
        m->st.exec_refused++;
        model_client_reset(m, m->client);
        mreply_err(m, "EXECABORT Transaction discarded because of previous errors.");
        return;
    }
    bool dirty = watch_dirty(m, mc);
    model_client_t q = *mc; /* the queue; Redis unwatches before running it */
    model_client_reset(m, m->client);
    if (dirty) {
        m->st.exec_aborted++;
        msb_add(&m->reply, exec_nil, sizeof(exec_nil) - 1);
        return;
    }
    m->st.exec_run++;
    mreply_array(m, q.nqueued);
    for (int i = 0; i < q.nqueued; i++) {
        bool known = model_exec_one(m, db, q.queued[i], q.queued_argc[i]);
        KVD_ASSERT(known);
    }
}

void model_refused(model_t *m, int client)
{
    KVD_ASSERT(client >= 0 && client < MODEL_MAX_CLIENTS);
    if (m->clients[client].in_multi)
        m->clients[client].doomed = true;
}

bool model_exec_multi(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    model_client_t *mc = &m->clients[m->client];
    if (model_arg_is(&argv[0], "WATCH")) {
        KVD_ASSERT(!mc->in_multi && argc >= 2);
        cmd_watch(m, db, argv, argc);
    } else if (model_arg_is(&argv[0], "UNWATCH")) {
        mc->nwatch = 0, mc->dirty = false;
        mreply_ok(m);
    } else if (model_arg_is(&argv[0], "MULTI")) {
        KVD_ASSERT(!mc->in_multi);
        mc->in_multi = true;
        mc->nqueued = 0;
        mreply_ok(m);
    } else if (model_arg_is(&argv[0], "EXEC")) {
        cmd_exec(m, db);
    } else if (model_arg_is(&argv[0], "DISCARD")) {
        KVD_ASSERT(mc->in_multi);
        model_client_reset(m, m->client);
        mreply_ok(m);
    } else {
        return false;
    }
    return true;
}

bool model_exec_one(model_t *m, int db, const kvd_arg_t *argv, int argc)
{
    if (model_arg_is(&argv[0], "FLUSHDB")) {
        cmd_flushdb(m, db);
        return true;
    }
    return model_exec_string(m, db, argv, argc) || model_exec_list(m, db, argv, argc) ||
           model_exec_hash(m, db, argv, argc) || model_exec_set(m, db, argv, argc) ||
           model_exec_zset(m, db, argv, argc);
}

bool model_exec(model_t *m, int client, int *db, const kvd_arg_t *argv, int argc,
                int64_t now_ms, const char *got, size_t glen)
{
    KVD_ASSERT(argc > 0 && *db >= 0 && *db < MODEL_DBS);
    KVD_ASSERT(client >= 0 && client < MODEL_MAX_CLIENTS);
    msb_clear(&m->reply);
    m->now_ms = now_ms;
    m->client = client;
    m->oracle = got, m->oracle_len = glen;
    model_client_t *mc = &m->clients[client];
    if (model_arg_is(&argv[0], "SELECT")) {
        int64_t idx;
        KVD_ASSERT(argc == 2 && model_parse_ll(argv[1].ptr, argv[1].len, &idx));
        KVD_ASSERT(idx >= 0 && idx < MODEL_DBS && !mc->in_multi);
        *db = (int)idx;
        mreply_ok(m);
        return true;
    }
    bool steer = model_arg_is(&argv[0], "EXEC") || model_arg_is(&argv[0], "DISCARD") ||
                 model_arg_is(&argv[0], "MULTI") || model_arg_is(&argv[0], "WATCH");
    if (mc->in_multi && !steer) {
        KVD_ASSERT(mc->nqueued < MODEL_MAX_QUEUED);
        mc->queued[mc->nqueued] = argv;
        mc->queued_argc[mc->nqueued++] = argc;
        msb_add(&m->reply, "+QUEUED\r\n", 9);
        return true;
    }
    return model_exec_multi(m, *db, argv, argc) || model_exec_one(m, *db, argv, argc);
}

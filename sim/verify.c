/*
 * verify.c - verify_invariants() of every structure the shard holds:
 * the databases' tables (kvd_db_verify_invariants), and each value by its
 * type (quicklist, hash, set, sorted set), plus the blocking index.
 *
 * After every command, the values of the keys it named; after every
 * step, the databases; at every cron and after every restart, every
 * value of every database.  Lookups here go straight to the table
 * (db_impl.h), so that verifying never expires a key: a check must not
 * change what it checks.
 */
#include "cmd/blocking.h"
#include "cmd/hash_type.h"
#include "cmd/list_quick.h"
#include "cmd/set_type.h"
#include "cmd/zset_type.h"
#include "db/db_impl.h"
#include "sim.h"

static void verify_value(const kvd_entry_t *e)
{
    if (kvd_entry_type(e) == KVD_TYPE_STRING)
        return; /* kvd_db_verify_invariants covers strings */
    void *p = kvd_entry_ptr((kvd_entry_t *)(uintptr_t)e);
    switch (kvd_entry_type(e)) {
    case KVD_TYPE_STRING:
        break;
    case KVD_TYPE_LIST:
        KVD_ASSERT(kvd_entry_encoding(e) == KVD_ENC_QUICKLIST);
        kvd_qlist_verify_invariants(p);
        break;
    case KVD_TYPE_HASH:
        kvd_hash_verify_invariants(kvd_entry_encoding(e), p);
        break;
    case KVD_TYPE_SET:
        kvd_set_verify_invariants(p);
        break;
    case KVD_TYPE_ZSET:
        kvd_zset_verify_invariants(p);
        break;
    }
}

void sim_verify_keys(sim_t *s, int db, const kvd_arg_t *argv, int argc)
{
    if (db < 0 || db >= s->shard->ndbs)
        return;
    const kvd_dict_t *keys = &s->shard->dbs[db]->space.keys;
    for (int i = 1; i < argc; i++) {
        kvd_dict_pos_t pos;
        uint64_t h = kvd_dict_hash(keys, argv[i].ptr, argv[i].len);
        if (kvd_dict_lookup(keys, h, argv[i].ptr, argv[i].len, &pos))
            verify_value(entry_of(*pos.link));
    }
}

static void visit(const kvd_dict_node_t *n, void *arg)
{
    uint64_t *count = arg;
    verify_value((const kvd_entry_t *)n);
    (*count)++;
}

uint64_t sim_verify_all(sim_t *s)
{
    uint64_t count = 0;
    for (int d = 0; d < s->shard->ndbs; d++) {
        kvd_db_verify_invariants(s->shard->dbs[d]);
        kvd_dict_foreach(&s->shard->dbs[d]->space.keys, visit, &count);
    }
    if (s->shard->blocking != NULL)
        kvd_blocking_verify_invariants(s->shard->blocking);
    s->st.verified += count;
    return count;
}

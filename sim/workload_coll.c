/*
 * workload_coll.c - commands on lists, hashes, sets and sorted sets, key
 * commands on any type, and transactions.  Elements come from small
 * alphabets, so pushes, removals and lookups collide often; now and
 * then an argument is malformed or names a key of another type.
 */
#include "workload_int.h"

static void key_for(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, int ns)
{
    if (sim_rng_one_in(r, 25)) /* WRONGTYPE (or an absent key) */
        ns = 1 + (ns + (int)sim_rng_below(r, SIM_NS_COUNT - 2)) % (SIM_NS_COUNT - 1);
    arg_key_ns(c, w, r, ns);
}

static void arg_long(sim_cmd_t *c, sim_rng_t *r)
{
    ARG_RANDOM(c, r, 30 + (int)sim_rng_below(r, 60), "xyz");
}

static void arg_elem(sim_cmd_t *c, sim_rng_t *r)
{
    uint64_t k = sim_rng_below(r, 20);
    if (k < 12)
        arg_fmt(c, "%c", (char)('a' + sim_rng_below(r, 6)));
    else if (k < 18)
        arg_fmt(c, "%d", (int)sim_rng_below(r, 12) - 2);
    else
        arg_long(c, r);
}

static void arg_int_or_bad(sim_cmd_t *c, sim_rng_t *r, int lo, int hi)
{
    if (sim_rng_one_in(r, 40))
        arg_fmt(c, "%s", sim_rng_one_in(r, 2) ? "x" : "1.5");
    else
        arg_fmt(c, "%d", lo + (int)sim_rng_below(r, (uint64_t)(hi - lo + 1)));
}

static const char *side(sim_rng_t *r)
{
    return sim_rng_one_in(r, 60) ? "UP" : sim_rng_one_in(r, 2) ? "LEFT" : "right";
}

static void gen_list(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r)
{
    uint64_t k = sim_rng_below(r, 100);
    static const char *const names[] = {"LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE", "LLEN",
                                        "LINDEX", "LSET", "LREM", "LTRIM", "LMOVE"};
    static const uint8_t upto[] = {14, 28, 35, 42, 56, 62, 69, 75, 82, 88, 100};
    int op = 0;
    while (k >= upto[op])
        op++;
    arg_fmt(c, "%s", names[op]);
    key_for(c, w, r, SIM_NS_LIST);
    if (op <= 1) {
        for (int n = 1 + (int)sim_rng_below(r, 3); n > 0; n--)
            arg_elem(c, r);
    } else if (op <= 3) {
        if (sim_rng_one_in(r, 2))
            arg_int_or_bad(c, r, -1, 4);
    } else if (op == 4) {
        arg_int_or_bad(c, r, -8, 8), arg_int_or_bad(c, r, -8, 8);
    } else if (op == 6) {
        arg_int_or_bad(c, r, -6, 6);
    } else if (op == 7) {
        arg_int_or_bad(c, r, -6, 6), arg_elem(c, r);
    } else if (op == 8) {
        arg_int_or_bad(c, r, -2, 2), arg_elem(c, r);
    } else if (op == 9) {
        arg_int_or_bad(c, r, -3, 2), arg_int_or_bad(c, r, -4, 12);
    } else if (op == 10) {
        key_for(c, w, r, SIM_NS_LIST);
        if (sim_rng_one_in(r, 4)) /* the same list: a rotation */
            c->argv[2] = c->argv[1];
        arg_fmt(c, "%s", side(r)), arg_fmt(c, "%s", side(r));
    }
}

static void gen_hash(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r)
{
    uint64_t k = sim_rng_below(r, 100);
    static const char *const names[] = {"HSET", "HGET", "HDEL", "HINCRBY", "HGETALL", "HLEN",
                                        "HEXISTS"};
    static const uint8_t upto[] = {25, 40, 50, 68, 78, 88, 100};
    int op = 0;
    while (k >= upto[op])
        op++;
    arg_fmt(c, "%s", names[op]);
    key_for(c, w, r, SIM_NS_HASH);
    if (op == 0) {
        for (int n = 1 + (int)sim_rng_below(r, 3); n > 0; n--) {
            arg_fmt(c, "f%d", (int)sim_rng_below(r, 10));
            if (sim_rng_one_in(r, 2))
                arg_fmt(c, "%d", (int)sim_rng_below(r, 21) - 10);
            else
                arg_value(c, r);
        }
    } else if (op == 1 || op == 6) {
        arg_fmt(c, "f%d", (int)sim_rng_below(r, 10));
    } else if (op == 2) {
        for (int n = 1 + (int)sim_rng_below(r, 2); n > 0; n--)
            arg_fmt(c, "f%d", (int)sim_rng_below(r, 10));
    } else if (op == 3) {
        arg_fmt(c, "f%d", (int)sim_rng_below(r, 10));
        if (sim_rng_one_in(r, 20))
            arg_fmt(c, "%lld", sim_rng_one_in(r, 2) ? (long long)INT64_MAX : (long long)INT64_MIN);
        else
            arg_int_or_bad(c, r, -5, 5);
    }
}

static void arg_member(sim_cmd_t *c, sim_rng_t *r)
{
    uint64_t k = sim_rng_below(r, 10);
    if (k < 6)
        arg_fmt(c, "%d", (int)sim_rng_below(r, 24) - 3);
    else if (k < 9)
        arg_fmt(c, "m%d", (int)sim_rng_below(r, 10));
    else
        arg_long(c, r);
}

static void gen_set(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r)
{
    uint64_t k = sim_rng_below(r, 100);
    static const char *const names[] = {"SADD", "SREM", "SISMEMBER", "SCARD", "SMEMBERS",
                                        "SPOP", "SMOVE"};
    static const uint8_t upto[] = {28, 42, 54, 62, 74, 86, 100};
    int op = 0;
    while (k >= upto[op])
        op++;
    arg_fmt(c, "%s", names[op]);
    key_for(c, w, r, SIM_NS_SET);
    if (op <= 1) {
        for (int n = 1 + (int)sim_rng_below(r, op == 0 ? 4 : 2); n > 0; n--)
            arg_member(c, r);
    } else if (op == 2) {
        arg_member(c, r);
    } else if (op == 5) {
        if (sim_rng_one_in(r, 2))
            arg_int_or_bad(c, r, -1, 3);
    } else if (op == 6) {
        key_for(c, w, r, SIM_NS_SET);
        arg_member(c, r);
    }
}

static void arg_score(sim_cmd_t *c, sim_rng_t *r, bool bound)
{
    static const char *const odd[] = {"0.1", "2.25", "-0.75", "inf", "-inf", "+inf",
                                      "123456789012345678", "1e3"};
    static const char *const bad[] = {"x", "nan", "", "1.5.5"};
    uint64_t k = sim_rng_below(r, 100);
    const char *excl = bound && sim_rng_one_in(r, 3) ? "(" : "";
    if (k < 2)
        arg_fmt(c, "%s", bad[sim_rng_below(r, 4)]);
    else if (k < 55)
        arg_fmt(c, "%s%d", excl, (int)sim_rng_below(r, 11) - 5);
    else if (k < 75)
        arg_fmt(c, "%s%d.5", excl, (int)sim_rng_below(r, 9) - 4);
    else
        arg_fmt(c, "%s%s", excl, odd[sim_rng_below(r, bound ? 6 : 8)]);
}

static void gen_zadd(sim_cmd_t *c, sim_rng_t *r)
{
    static const char *const opts[] = {"NX", "XX", "GT", "LT", "CH", "INCR"};
    static const uint8_t one_in[] = {8, 8, 5, 5, 4, 5};
    bool incr = false;
    for (int i = 0; i < 6; i++)
        if (sim_rng_one_in(r, one_in[i]))
            arg_fmt(c, "%s", opts[i]), incr |= i == 5;
    int pairs = incr && !sim_rng_one_in(r, 20) ? 1 : 1 + (int)sim_rng_below(r, 3);
    for (int i = 0; i < pairs; i++) {
        arg_score(c, r, false);
        arg_fmt(c, "%c", (char)('a' + sim_rng_below(r, 12)));
    }
    if (sim_rng_one_in(r, 50)) /* a score without a member: syntax error */
        arg_score(c, r, false);
}

static void gen_zset(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r)
{
    uint64_t k = sim_rng_below(r, 100);
    static const char *const names[] = {"ZADD", "ZINCRBY", "ZREM", "ZRANGE", "ZRANGEBYSCORE",
                                        "ZSCORE", "ZCARD", "ZRANK"};
    static const uint8_t upto[] = {30, 42, 52, 64, 78, 86, 92, 100};
    int op = 0;
    while (k >= upto[op])
        op++;
    arg_fmt(c, "%s", names[op]);
    key_for(c, w, r, SIM_NS_ZSET);
    if (op == 0) {
        gen_zadd(c, r);
    } else if (op == 1) {
        arg_score(c, r, false), arg_fmt(c, "%c", (char)('a' + sim_rng_below(r, 12)));
    } else if (op == 2) {
        for (int n = 1 + (int)sim_rng_below(r, 2); n > 0; n--)
            arg_fmt(c, "%c", (char)('a' + sim_rng_below(r, 12)));
    } else if (op == 3) {
        arg_int_or_bad(c, r, -6, 6), arg_int_or_bad(c, r, -6, 6);
        if (sim_rng_one_in(r, 2))
            arg_fmt(c, "WITHSCORES");
    } else if (op == 4) {
        arg_score(c, r, true), arg_score(c, r, true);
        if (sim_rng_one_in(r, 2))
            arg_fmt(c, "WITHSCORES");
        if (sim_rng_one_in(r, 3))
            arg_fmt(c, "LIMIT"), arg_int_or_bad(c, r, -1, 3), arg_int_or_bad(c, r, -1, 3);
    } else if (op >= 5 && op != 6) {
        arg_fmt(c, "%c", (char)('a' + sim_rng_below(r, 12)));
    }
}

void gen_collection(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, int ns)
{
    if (ns == SIM_NS_LIST)
        gen_list(c, w, r);
    else if (ns == SIM_NS_HASH)
        gen_hash(c, w, r);
    else if (ns == SIM_NS_SET)
        gen_set(c, w, r);
    else
        gen_zset(c, w, r);
}

void gen_any_key(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r)
{
    uint64_t k = sim_rng_below(r, 100);
    int ns = (int)sim_rng_below(r, SIM_NS_COUNT);
    if (k < 25) {
        arg_fmt(c, "DEL");
        for (int n = 1 + (int)sim_rng_below(r, 3); n > 0; n--)
            arg_key_ns(c, w, r, (int)sim_rng_below(r, SIM_NS_COUNT));
    } else if (k < 40) {
        arg_fmt(c, "EXISTS"), arg_key_ns(c, w, r, ns);
    } else if (k < 60 && !w->no_ttl) {
        arg_fmt(c, "PEXPIRE"), arg_key_ns(c, w, r, ns);
        arg_fmt(c, "%d", (int)sim_rng_below(r, 400) - 20);
    } else if (k < 75) {
        arg_fmt(c, "%s", sim_rng_one_in(r, 2) ? "TTL" : "PTTL"), arg_key_ns(c, w, r, ns);
    } else if (k < 85) {
        arg_fmt(c, "PERSIST"), arg_key_ns(c, w, r, ns);
    } else {
        arg_fmt(c, "TYPE"), arg_key_ns(c, w, r, ns);
    }
}

/* A command for a transaction's queue: no SELECT, FLUSHDB, or reply
 * that needs sorting or the oracle. */
static void queued_cmd(sim_workload_t *w, sim_rng_t *r, int db, sim_cmd_t *c)
{
    for (int tries = 0; tries < 100; tries++) {
        sim_workload_next(w, r, db, c);
        const char *n = c->argv[0].ptr;
        if (strcmp(n, "SELECT") != 0 && strcmp(n, "FLUSHDB") != 0 && strcmp(n, "SPOP") != 0 &&
            strcmp(n, "SMEMBERS") != 0 && strcmp(n, "HGETALL") != 0)
            return;
    }
    c->argc = 0;
    arg_fmt(c, "PING"); /* not reached in practice */
}

bool sim_workload_wants_tx(sim_workload_t *w, sim_rng_t *r)
{
    return w->types && sim_rng_one_in(r, 15);
}

void sim_workload_tx(sim_workload_t *w, sim_rng_t *r, int db, sim_tx_t *tx)
{
    tx->n = 0;
    /* Hot keys only: transactions watch and write the same few keys, and
     * other clients' writes come between often. */
    w->hot = true;
    if (sim_rng_one_in(r, 3) == false) {
        sim_cmd_t *c = &tx->cmds[tx->n++];
        c->argc = 0;
        arg_fmt(c, "WATCH");
        for (int n = 1 + (int)sim_rng_below(r, 2); n > 0; n--)
            arg_key_ns(c, w, r, (int)sim_rng_below(r, SIM_NS_COUNT));
        if (sim_rng_one_in(r, 2)) {
            sim_cmd_t *e = &tx->cmds[tx->n++];
            e->argc = 0;
            arg_fmt(e, "EXISTS"), arg_fmt(e, "%s", c->store[1]);
        }
    }
    tx->split = tx->n;
    tx->cmds[tx->n].argc = 0;
    arg_fmt(&tx->cmds[tx->n++], "MULTI");
    for (int q = 1 + (int)sim_rng_below(r, 4); q > 0; q--)
        queued_cmd(w, r, db, &tx->cmds[tx->n++]);
    tx->cmds[tx->n].argc = 0;
    arg_fmt(&tx->cmds[tx->n++], sim_rng_one_in(r, 12) ? "DISCARD" : "EXEC");
    w->hot = false;
    KVD_ASSERT(tx->n <= SIM_TX_MAX);
}

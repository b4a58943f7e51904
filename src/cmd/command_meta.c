/*
 * command_meta.c - COMMAND INFO facts that command rows do not carry yet:
 * the tips and key specifications Redis 7.0.15 reports for each command,
 * keyed by full name.  The table is data transcribed from Redis 7.0.15's
 * COMMAND output (server.h explains the compact key-spec form); COMMAND
 * INFO uses an entry only when a row of that name is registered.
 *
 * When kvd_command_t grows tips and key-spec fields, rows should carry
 * these facts themselves and this table should go.
 */
#include "server.h"

/* Sorted by name (strcmp order) for binary search. */
static const kvd_command_meta_t meta[] = {
    {"append", NULL, {"RW,insert i1 r0,1,0"}},
    {"bitcount", NULL, {"RO,access i1 r0,1,0"}},
    {"bitfield", NULL,
     {"RW,access,update,variable_flags i1 r0,1,0|This command allows both access and "
      "modification of the key"}},
    {"bitfield_ro", NULL, {"RO,access i1 r0,1,0"}},
    {"bitop", NULL, {"OW,update i2 r0,1,0", "RO,access i3 r-1,1,0"}},
    {"bitpos", NULL, {"RO,access i1 r0,1,0"}},
    {"blmove", NULL, {"RW,access,delete i1 r0,1,0", "RW,insert i2 r0,1,0"}},
    {"blmpop", NULL, {"RW,access,delete i2 n0,1,1"}},
    {"blpop", NULL, {"RW,access,delete i1 r-2,1,0"}},
    {"brpop", NULL, {"RW,access,delete i1 r-2,1,0"}},
    {"brpoplpush", NULL, {"RW,access,delete i1 r0,1,0", "RW,insert i2 r0,1,0"}},
    {"bzmpop", NULL, {"RW,access,delete i2 n0,1,1"}},
    {"bzpopmax", NULL, {"RW,access,delete i1 r-2,1,0"}},
    {"bzpopmin", NULL, {"RW,access,delete i1 r-2,1,0"}},
    {"client|info", "nondeterministic_output", {}},
    {"client|list", "nondeterministic_output", {}},
    {"cluster|bumpepoch", "nondeterministic_output", {}},
    {"cluster|count-failure-reports", "nondeterministic_output", {}},
    {"cluster|getkeysinslot", "nondeterministic_output", {}},
    {"cluster|info", "nondeterministic_output", {}},
    {"cluster|links", "nondeterministic_output", {}},
    {"cluster|nodes", "nondeterministic_output", {}},
    {"cluster|replicas", "nondeterministic_output", {}},
    {"cluster|shards", "nondeterministic_output", {}},
    {"cluster|slaves", "nondeterministic_output", {}},
    {"cluster|slots", "nondeterministic_output", {}},
    {"command", "nondeterministic_output_order", {}},
    {"command|docs", "nondeterministic_output_order", {}},
    {"command|info", "nondeterministic_output_order", {}},
    {"command|list", "nondeterministic_output_order", {}},
    {"config|set", "request_policy:all_nodes response_policy:all_succeeded", {}},
    {"copy", NULL, {"RO,access i1 r0,1,0", "OW,update i2 r0,1,0"}},
    {"dbsize", "request_policy:all_shards response_policy:agg_sum", {}},
    {"decr", NULL, {"RW,access,update i1 r0,1,0"}},
    {"decrby", NULL, {"RW,access,update i1 r0,1,0"}},
    {"del", "request_policy:multi_shard response_policy:agg_sum", {"RM,delete i1 r-1,1,0"}},
    {"dump", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"eval", NULL,
     {"RW,access,update i2 n0,1,1|We cannot tell how the keys will be used so we assume the "
      "worst, RW and UPDATE"}},
    {"eval_ro", NULL,
     {"RO,access i2 n0,1,1|We cannot tell how the keys will be used so we assume the worst, RO "
      "and ACCESS"}},
    {"evalsha", NULL, {"RW,access,update i2 n0,1,1"}},
    {"evalsha_ro", NULL, {"RO,access i2 n0,1,1"}},
    {"exists", "request_policy:multi_shard response_policy:agg_sum", {"RO i1 r-1,1,0"}},
    {"expire", NULL, {"RW,update i1 r0,1,0"}},
    {"expireat", NULL, {"RW,update i1 r0,1,0"}},
    {"expiretime", NULL, {"RO,access i1 r0,1,0"}},
    {"fcall", NULL,
     {"RW,access,update i2 n0,1,1|We cannot tell how the keys will be used so we assume the "
      "worst, RW and UPDATE"}},
    {"fcall_ro", NULL,
     {"RO,access i2 n0,1,1|We cannot tell how the keys will be used so we assume the worst, RO "
      "and ACCESS"}},
    {"flushall", "request_policy:all_shards response_policy:all_succeeded", {}},
    {"flushdb", "request_policy:all_shards response_policy:all_succeeded", {}},
    {"function|delete", "request_policy:all_shards response_policy:all_succeeded", {}},
    {"function|flush", "request_policy:all_shards response_policy:all_succeeded", {}},
    {"function|kill", "request_policy:all_shards response_policy:one_succeeded", {}},
    {"function|list", "nondeterministic_output_order", {}},
    {"function|load", "request_policy:all_shards response_policy:all_succeeded", {}},
    {"function|restore", "request_policy:all_shards response_policy:all_succeeded", {}},
    {"function|stats", "nondeterministic_output request_policy:all_shards response_policy:special",
     {}},
    {"geoadd", NULL, {"RW,update i1 r0,1,0"}},
    {"geodist", NULL, {"RO,access i1 r0,1,0"}},
    {"geohash", NULL, {"RO,access i1 r0,1,0"}},
    {"geopos", NULL, {"RO,access i1 r0,1,0"}},
    {"georadius", NULL,
     {"RO,access i1 r0,1,0", "OW,update k6:STORE r0,1,0", "OW,update k6:STOREDIST r0,1,0"}},
    {"georadius_ro", NULL, {"RO,access i1 r0,1,0"}},
    {"georadiusbymember", NULL,
     {"RO,access i1 r0,1,0", "OW,update k5:STORE r0,1,0", "OW,update k5:STOREDIST r0,1,0"}},
    {"georadiusbymember_ro", NULL, {"RO,access i1 r0,1,0"}},
    {"geosearch", NULL, {"RO,access i1 r0,1,0"}},
    {"geosearchstore", NULL, {"OW,update i1 r0,1,0", "RO,access i2 r0,1,0"}},
    {"get", NULL, {"RO,access i1 r0,1,0"}},
    {"getbit", NULL, {"RO,access i1 r0,1,0"}},
    {"getdel", NULL, {"RW,access,delete i1 r0,1,0"}},
    {"getex", NULL, {"RW,access,update i1 r0,1,0|RW and UPDATE because it changes the TTL"}},
    {"getrange", NULL, {"RO,access i1 r0,1,0"}},
    {"getset", NULL, {"RW,access,update i1 r0,1,0"}},
    {"hdel", NULL, {"RW,delete i1 r0,1,0"}},
    {"hexists", NULL, {"RO i1 r0,1,0"}},
    {"hget", NULL, {"RO,access i1 r0,1,0"}},
    {"hgetall", "nondeterministic_output_order", {"RO,access i1 r0,1,0"}},
    {"hincrby", NULL, {"RW,access,update i1 r0,1,0"}},
    {"hincrbyfloat", NULL, {"RW,access,update i1 r0,1,0"}},
    {"hkeys", "nondeterministic_output_order", {"RO,access i1 r0,1,0"}},
    {"hlen", NULL, {"RO i1 r0,1,0"}},
    {"hmget", NULL, {"RO,access i1 r0,1,0"}},
    {"hmset", NULL, {"RW,update i1 r0,1,0"}},
    {"hrandfield", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"hscan", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"hset", NULL, {"RW,update i1 r0,1,0"}},
    {"hsetnx", NULL, {"RW,insert i1 r0,1,0"}},
    {"hstrlen", NULL, {"RO i1 r0,1,0"}},
    {"hvals", "nondeterministic_output_order", {"RO,access i1 r0,1,0"}},
    {"incr", NULL, {"RW,access,update i1 r0,1,0"}},
    {"incrby", NULL, {"RW,access,update i1 r0,1,0"}},
    {"incrbyfloat", NULL, {"RW,access,update i1 r0,1,0"}},
    {"info", "nondeterministic_output request_policy:all_shards response_policy:special", {}},
    {"keys", "request_policy:all_shards nondeterministic_output_order", {}},
    {"lastsave", "nondeterministic_output", {}},
    {"latency|doctor", "nondeterministic_output request_policy:all_nodes response_policy:special",
     {}},
    {"latency|graph", "nondeterministic_output request_policy:all_nodes response_policy:special",
     {}},
    {"latency|histogram",
     "nondeterministic_output request_policy:all_nodes response_policy:special",
     {}},
    {"latency|history", "nondeterministic_output request_policy:all_nodes response_policy:special",
     {}},
    {"latency|latest", "nondeterministic_output request_policy:all_nodes response_policy:special",
     {}},
    {"latency|reset", "request_policy:all_nodes response_policy:all_succeeded", {}},
    {"lcs", NULL, {"RO,access i1 r1,1,0"}},
    {"lindex", NULL, {"RO,access i1 r0,1,0"}},
    {"linsert", NULL, {"RW,insert i1 r0,1,0"}},
    {"llen", NULL, {"RO i1 r0,1,0"}},
    {"lmove", NULL, {"RW,access,delete i1 r0,1,0", "RW,insert i2 r0,1,0"}},
    {"lmpop", NULL, {"RW,access,delete i1 n0,1,1"}},
    {"lpop", NULL, {"RW,access,delete i1 r0,1,0"}},
    {"lpos", NULL, {"RO,access i1 r0,1,0"}},
    {"lpush", NULL, {"RW,insert i1 r0,1,0"}},
    {"lpushx", NULL, {"RW,insert i1 r0,1,0"}},
    {"lrange", NULL, {"RO,access i1 r0,1,0"}},
    {"lrem", NULL, {"RW,delete i1 r0,1,0"}},
    {"lset", NULL, {"RW,update i1 r0,1,0"}},
    {"ltrim", NULL, {"RW,delete i1 r0,1,0"}},
    {"memory|doctor", "nondeterministic_output request_policy:all_shards response_policy:special",
     {}},
    {"memory|malloc-stats",
     "nondeterministic_output request_policy:all_shards response_policy:special",
     {}},
    {"memory|purge", "request_policy:all_shards response_policy:all_succeeded", {}},
    {"memory|stats", "nondeterministic_output request_policy:all_shards response_policy:special",
     {}},
    {"memory|usage", NULL, {"RO i2 r0,1,0"}},
    {"mget", "request_policy:multi_shard", {"RO,access i1 r-1,1,0"}},
    {"migrate", "nondeterministic_output",
     {"RW,access,delete i3 r0,1,0", "RW,access,delete,incomplete k-2:KEYS r-1,1,0"}},
    {"module|list", "nondeterministic_output_order", {}},
    {"move", NULL, {"RW,access,update i1 r0,1,0"}},
    {"mset", "request_policy:multi_shard response_policy:all_succeeded", {"OW,update i1 r-1,2,0"}},
    {"msetnx", "request_policy:multi_shard response_policy:agg_min", {"OW,insert i1 r-1,2,0"}},
    {"object|encoding", "nondeterministic_output", {"RO i2 r0,1,0"}},
    {"object|freq", "nondeterministic_output", {"RO i2 r0,1,0"}},
    {"object|idletime", "nondeterministic_output", {"RO i2 r0,1,0"}},
    {"object|refcount", "nondeterministic_output", {"RO i2 r0,1,0"}},
    {"persist", NULL, {"RW,update i1 r0,1,0"}},
    {"pexpire", NULL, {"RW,update i1 r0,1,0"}},
    {"pexpireat", NULL, {"RW,update i1 r0,1,0"}},
    {"pexpiretime", NULL, {"RO,access i1 r0,1,0"}},
    {"pfadd", NULL, {"RW,insert i1 r0,1,0"}},
    {"pfcount", NULL,
     {"RW,access i1 r-1,1,0|RW because it may change the internal representation of the key, "
      "and propagate to replicas"}},
    {"pfdebug", NULL, {"RW,access i2 r0,1,0"}},
    {"pfmerge", NULL, {"RW,access,insert i1 r0,1,0", "RO,access i2 r-1,1,0"}},
    {"ping", "request_policy:all_shards response_policy:all_succeeded", {}},
    {"psetex", NULL, {"OW,update i1 r0,1,0"}},
    {"pttl", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"randomkey", "request_policy:all_shards nondeterministic_output", {}},
    {"rename", NULL, {"RW,access,delete i1 r0,1,0", "OW,update i2 r0,1,0"}},
    {"renamenx", NULL, {"RW,access,delete i1 r0,1,0", "OW,insert i2 r0,1,0"}},
    {"restore", NULL, {"OW,update i1 r0,1,0"}},
    {"restore-asking", NULL, {"OW,update i1 r0,1,0"}},
    {"rpop", NULL, {"RW,access,delete i1 r0,1,0"}},
    {"rpoplpush", NULL, {"RW,access,delete i1 r0,1,0", "RW,insert i2 r0,1,0"}},
    {"rpush", NULL, {"RW,insert i1 r0,1,0"}},
    {"rpushx", NULL, {"RW,insert i1 r0,1,0"}},
    {"sadd", NULL, {"RW,insert i1 r0,1,0"}},
    {"scan", "nondeterministic_output request_policy:special", {}},
    {"scard", NULL, {"RO i1 r0,1,0"}},
    {"script|exists", "request_policy:all_shards response_policy:agg_logical_and", {}},
    {"script|flush", "request_policy:all_nodes response_policy:all_succeeded", {}},
    {"script|kill", "request_policy:all_shards response_policy:one_succeeded", {}},
    {"script|load", "request_policy:all_nodes response_policy:all_succeeded", {}},
    {"sdiff", "nondeterministic_output_order", {"RO,access i1 r-1,1,0"}},
    {"sdiffstore", NULL, {"OW,update i1 r0,1,0", "RO,access i2 r-1,1,0"}},
    {"set", NULL,
     {"RW,access,update,variable_flags i1 r0,1,0|RW and ACCESS due to the optional `GET` "
      "argument"}},
    {"setbit", NULL, {"RW,access,update i1 r0,1,0"}},
    {"setex", NULL, {"OW,update i1 r0,1,0"}},
    {"setnx", NULL, {"OW,insert i1 r0,1,0"}},
    {"setrange", NULL, {"RW,update i1 r0,1,0"}},
    {"sinter", "nondeterministic_output_order", {"RO,access i1 r-1,1,0"}},
    {"sintercard", NULL, {"RO,access i1 n0,1,1"}},
    {"sinterstore", NULL, {"RW,update i1 r0,1,0", "RO,access i2 r-1,1,0"}},
    {"sismember", NULL, {"RO i1 r0,1,0"}},
    {"slowlog|get", "request_policy:all_nodes nondeterministic_output", {}},
    {"slowlog|len", "request_policy:all_nodes response_policy:agg_sum nondeterministic_output",
     {}},
    {"slowlog|reset", "request_policy:all_nodes response_policy:all_succeeded", {}},
    {"smembers", "nondeterministic_output_order", {"RO,access i1 r0,1,0"}},
    {"smismember", NULL, {"RO,access i1 r0,1,0"}},
    {"smove", NULL, {"RW,access,delete i1 r0,1,0", "RW,insert i2 r0,1,0"}},
    {"sort", NULL,
     {"RO,access i1 r0,1,0",
      "RO,access u u|For the optional BY/GET keyword. It is marked 'unknown' because the key "
      "names derive from the content of the key we sort",
      "OW,update u u|For the optional STORE keyword. It is marked 'unknown' because the "
      "keyword can appear anywhere in the argument array"}},
    {"sort_ro", NULL,
     {"RO,access i1 r0,1,0",
      "RO,access u u|For the optional BY/GET keyword. It is marked 'unknown' because the key "
      "names derive from the content of the key we sort"}},
    {"spop", "nondeterministic_output", {"RW,access,delete i1 r0,1,0"}},
    {"spublish", NULL, {"not_key i1 r0,1,0"}},
    {"srandmember", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"srem", NULL, {"RW,delete i1 r0,1,0"}},
    {"sscan", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"ssubscribe", NULL, {"not_key i1 r-1,1,0"}},
    {"strlen", NULL, {"RO i1 r0,1,0"}},
    {"substr", NULL, {"RO,access i1 r0,1,0"}},
    {"sunion", "nondeterministic_output_order", {"RO,access i1 r-1,1,0"}},
    {"sunionstore", NULL, {"OW,update i1 r0,1,0", "RO,access i2 r-1,1,0"}},
    {"sunsubscribe", NULL, {"not_key i1 r-1,1,0"}},
    {"time", "nondeterministic_output", {}},
    {"touch", "request_policy:multi_shard response_policy:agg_sum", {"RO i1 r-1,1,0"}},
    {"ttl", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"type", NULL, {"RO i1 r0,1,0"}},
    {"unlink", "request_policy:multi_shard response_policy:agg_sum", {"RM,delete i1 r-1,1,0"}},
    {"wait", "request_policy:all_shards response_policy:agg_min", {}},
    {"watch", NULL, {"RO i1 r-1,1,0"}},
    {"xack", NULL, {"RW,update i1 r0,1,0"}},
    {"xadd", "nondeterministic_output",
     {"RW,update i1 r0,1,0|UPDATE instead of INSERT because of the optional trimming feature"}},
    {"xautoclaim", "nondeterministic_output", {"RW,delete i1 r0,1,0"}},
    {"xclaim", "nondeterministic_output", {"RW,update i1 r0,1,0"}},
    {"xdel", NULL, {"RW,delete i1 r0,1,0"}},
    {"xgroup|create", NULL, {"RW,insert i2 r0,1,0"}},
    {"xgroup|createconsumer", NULL, {"RW,insert i2 r0,1,0"}},
    {"xgroup|delconsumer", NULL, {"RW,delete i2 r0,1,0"}},
    {"xgroup|destroy", NULL, {"RW,delete i2 r0,1,0"}},
    {"xgroup|setid", NULL, {"RW,update i2 r0,1,0"}},
    {"xinfo|consumers", "nondeterministic_output", {"RO,access i2 r0,1,0"}},
    {"xinfo|groups", NULL, {"RO,access i2 r0,1,0"}},
    {"xinfo|stream", NULL, {"RO,access i2 r0,1,0"}},
    {"xlen", NULL, {"RO i1 r0,1,0"}},
    {"xpending", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"xrange", NULL, {"RO,access i1 r0,1,0"}},
    {"xread", NULL, {"RO,access k1:STREAMS r-1,1,2"}},
    {"xreadgroup", NULL, {"RO,access k4:STREAMS r-1,1,2"}},
    {"xrevrange", NULL, {"RO,access i1 r0,1,0"}},
    {"xsetid", NULL, {"RW,update i1 r0,1,0"}},
    {"xtrim", "nondeterministic_output", {"RW,delete i1 r0,1,0"}},
    {"zadd", NULL, {"RW,update i1 r0,1,0"}},
    {"zcard", NULL, {"RO i1 r0,1,0"}},
    {"zcount", NULL, {"RO,access i1 r0,1,0"}},
    {"zdiff", NULL, {"RO,access i1 n0,1,1"}},
    {"zdiffstore", NULL, {"OW,update i1 r0,1,0", "RO,access i2 n0,1,1"}},
    {"zincrby", NULL, {"RW,access,update i1 r0,1,0"}},
    {"zinter", NULL, {"RO,access i1 n0,1,1"}},
    {"zintercard", NULL, {"RO,access i1 n0,1,1"}},
    {"zinterstore", NULL, {"OW,update i1 r0,1,0", "RO,access i2 n0,1,1"}},
    {"zlexcount", NULL, {"RO,access i1 r0,1,0"}},
    {"zmpop", NULL, {"RW,access,delete i1 n0,1,1"}},
    {"zmscore", NULL, {"RO,access i1 r0,1,0"}},
    {"zpopmax", NULL, {"RW,access,delete i1 r0,1,0"}},
    {"zpopmin", NULL, {"RW,access,delete i1 r0,1,0"}},
    {"zrandmember", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"zrange", NULL, {"RO,access i1 r0,1,0"}},
    {"zrangebylex", NULL, {"RO,access i1 r0,1,0"}},
    {"zrangebyscore", NULL, {"RO,access i1 r0,1,0"}},
    {"zrangestore", NULL, {"OW,update i1 r0,1,0", "RO,access i2 r0,1,0"}},
    {"zrank", NULL, {"RO,access i1 r0,1,0"}},
    {"zrem", NULL, {"RW,delete i1 r0,1,0"}},
    {"zremrangebylex", NULL, {"RW,delete i1 r0,1,0"}},
    {"zremrangebyrank", NULL, {"RW,delete i1 r0,1,0"}},
    {"zremrangebyscore", NULL, {"RW,delete i1 r0,1,0"}},
    {"zrevrange", NULL, {"RO,access i1 r0,1,0"}},
    {"zrevrangebylex", NULL, {"RO,access i1 r0,1,0"}},
    {"zrevrangebyscore", NULL, {"RO,access i1 r0,1,0"}},
    {"zrevrank", NULL, {"RO,access i1 r0,1,0"}},
    {"zscan", "nondeterministic_output", {"RO,access i1 r0,1,0"}},
    {"zscore", NULL, {"RO,access i1 r0,1,0"}},
    {"zunion", NULL, {"RO,access i1 n0,1,1"}},
    {"zunionstore", NULL, {"OW,update i1 r0,1,0", "RO,access i2 n0,1,1"}},
};

static int meta_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const kvd_command_meta_t *)elem)->name);
}

const kvd_command_meta_t *kvd_command_meta(const char *fullname)
{
#ifdef KVD_DEBUG
    static bool verified;
    if (!verified) {
        KVD_ASSERT(kvd_command_meta_verify() == 0);
        verified = true;
    }
#endif
    return bsearch(fullname, meta, KVD_ARRAY_LEN(meta), sizeof(meta[0]), meta_cmp);
}

/* "N", "N,M,K": up to three comma-separated integers. */
static int parse_ints(const char *s, int *v, int n)
{
    for (int i = 0; i < n; i++) {
        char *end;
        long x = strtol(s, &end, 10);
        if (end == s || x < INT_MIN || x > INT_MAX)
            return -1;
        v[i] = (int)x;
        s = end;
        if (i < n - 1 && *s++ != ',')
            return -1;
    }
    return *s == '\0' ? 0 : -1;
}

static int parse_begin(const char *tok, kvd_keyspec_t *out)
{
    out->begin = tok[0];
    if (tok[0] == 'u')
        return tok[1] == '\0' ? 0 : -1;
    if (tok[0] == 'i')
        return parse_ints(tok + 1, &out->index, 1);
    if (tok[0] != 'k')
        return -1;
    const char *colon = strchr(tok, ':');
    if (colon == NULL || strlen(colon + 1) >= sizeof(out->keyword))
        return -1;
    char num[16];
    size_t n = (size_t)(colon - tok - 1);
    if (n == 0 || n >= sizeof(num))
        return -1;
    memcpy(num, tok + 1, n);
    num[n] = '\0';
    snprintf(out->keyword, sizeof(out->keyword), "%s", colon + 1);
    return parse_ints(num, &out->index, 1);
}

static int parse_find(const char *tok, kvd_keyspec_t *out)
{
    out->find = tok[0];
    if (tok[0] == 'u')
        return tok[1] == '\0' ? 0 : -1;
    if (tok[0] != 'r' && tok[0] != 'n')
        return -1;
    int v[3];
    if (parse_ints(tok + 1, v, 3) < 0)
        return -1;
    out->a = v[0];
    out->b = v[1];
    out->d = v[2];
    return 0;
}

int kvd_keyspec_parse(const char *text, kvd_keyspec_t *out)
{
    memset(out, 0, sizeof(*out));
    char buf[128];
    const char *bar = strchr(text, '|');
    size_t n = bar ? (size_t)(bar - text) : strlen(text);
    if (n >= sizeof(buf) || (bar && strlen(bar + 1) >= sizeof(out->notes)))
        return -1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (bar)
        snprintf(out->notes, sizeof(out->notes), "%s", bar + 1);
    char *save = NULL;
    char *flags = strtok_r(buf, " ", &save);
    char *begin = strtok_r(NULL, " ", &save);
    char *find = strtok_r(NULL, " ", &save);
    if (!flags || !begin || !find || strtok_r(NULL, " ", &save) != NULL ||
        strlen(flags) >= sizeof(out->flags))
        return -1;
    snprintf(out->flags, sizeof(out->flags), "%s", flags);
    if (parse_begin(begin, out) < 0)
        return -1;
    return parse_find(find, out);
}

int kvd_command_meta_verify(void)
{
    for (size_t i = 0; i < KVD_ARRAY_LEN(meta); i++) {
        if (i > 0 && strcmp(meta[i - 1].name, meta[i].name) >= 0)
            return -1;
        for (int j = 0; j < KVD_META_MAX_SPECS && meta[i].specs[j]; j++) {
            kvd_keyspec_t ks;
            if (kvd_keyspec_parse(meta[i].specs[j], &ks) < 0)
                return -1;
        }
    }
    return 0;
}

"""Differential test with shards: 1 and 4: users must not see the shards.

The same random command stream goes to a kvd (one shard, then four) and to
Debian's redis-server; every reply is compared.  On top of the key,
string and expiry commands of test_differential.py, the stream carries the
collection commands and every command whose keys may live on different
shards (RENAME, COPY, SMOVE, LMOVE, SUNIONSTORE, ZUNIONSTORE, BITOP,
MSETNX, SORT ... STORE ...), plus MULTI/EXEC blocks of random commands, so
cross-shard locking, pulling and pushing are compared with the real thing.
Replies whose order Redis leaves unspecified (set members, hash fields)
are compared as sorted lists.  At the end every key's type, value and TTL
must agree.

Seeds are SEED, SEED+1 and SEED+2 (SEED defaults to the clock); each is
printed and named in any mismatch.
"""
import random

import pytest

from harness import Kvd
from test_differential import (REDIS_PORT, Conn, Stream, assert_same, full_scan, implemented,
                               kind_of, seeds)

COMMANDS_PER_SEED = 2500
NAMES = ["k%d" % i for i in range(24)] + ["{t}a", "{t}b", "a:b"]
DBS = 3
# Replies that are sets in Redis's eyes: compared sorted (element order
# depends on the hash table, which kvd does not promise to copy).
UNORDERED = {"smembers", "sunion", "sinter", "sdiff", "hgetall", "hkeys", "hvals", "keys"}


class ShardStream(Stream):
    def small(self):
        return str(self.rng.choice([1, 2, 3, 7, 42, "a", "b", "c", "x" * 20]))

    def keys(self, lo=1, hi=3):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def score(self):
        return str(self.rng.choice([1, 2, 2.5, -3, 0, "inf", "-inf", 10]))

    def collection_generators(self):
        g, k, m = self.rng, self.key, self.small
        nk = lambda: str(g.randint(1, 3))  # noqa: E731
        return [
            (6, "sadd", lambda: ["SADD", k()] + [m() for _ in range(g.randint(1, 4))]),
            (2, "srem", lambda: ["SREM", k(), m(), m()]),
            (3, "smembers", lambda: ["SMEMBERS", k()]),
            (2, "scard", lambda: ["SCARD", k()]),
            (4, "smove", lambda: ["SMOVE", k(), k(), m()]),
            (3, "sunionstore", lambda: ["SUNIONSTORE", k()] + self.keys()),
            (3, "sinterstore", lambda: ["SINTERSTORE", k()] + self.keys()),
            (3, "sdiffstore", lambda: ["SDIFFSTORE", k()] + self.keys()),
            (2, "sunion", lambda: ["SUNION"] + self.keys()),
            (2, "sinter", lambda: ["SINTER"] + self.keys()),
            (2, "sdiff", lambda: ["SDIFF"] + self.keys()),
            (2, "sintercard", lambda: ["SINTERCARD", "2", k(), k()]),
            (6, "rpush", lambda: ["RPUSH", k()] + [m() for _ in range(g.randint(1, 4))]),
            (3, "lpush", lambda: ["LPUSH", k(), m()]),
            (3, "lpop", lambda: ["LPOP", k()]),
            (4, "lrange", lambda: ["LRANGE", k(), "0", "-1"]),
            (4, "lmove", lambda: ["LMOVE", k(), k(), g.choice(["LEFT", "RIGHT"]),
                                  g.choice(["LEFT", "RIGHT"])]),
            (3, "rpoplpush", lambda: ["RPOPLPUSH", k(), k()]),
            (3, "lmpop", lambda: ["LMPOP", "2", k(), k(), g.choice(["LEFT", "RIGHT"]), "COUNT",
                                  nk()]),
            (5, "hset", lambda: ["HSET", k(), m(), m()]),
            (3, "hgetall", lambda: ["HGETALL", k()]),
            (2, "hdel", lambda: ["HDEL", k(), m()]),
            (5, "zadd", lambda: ["ZADD", k(), self.score(), m()]),
            (4, "zrange", lambda: ["ZRANGE", k(), "0", "-1", "WITHSCORES"]),
            (3, "zunionstore", lambda: ["ZUNIONSTORE", k(), "2", k(), k()]),
            (3, "zinterstore", lambda: ["ZINTERSTORE", k(), "2", k(), k(), "AGGREGATE",
                                        g.choice(["SUM", "MIN", "MAX"])]),
            (2, "zdiffstore", lambda: ["ZDIFFSTORE", k(), "2", k(), k()]),
            (2, "zrangestore", lambda: ["ZRANGESTORE", k(), k(), "0", "-1"]),
            (2, "zunion", lambda: ["ZUNION", "2", k(), k(), "WITHSCORES"]),
            (3, "zmpop", lambda: ["ZMPOP", "2", k(), k(), g.choice(["MIN", "MAX"])]),
            (3, "bitop", lambda: ["BITOP", g.choice(["AND", "OR", "XOR"]), k()] + self.keys()),
            (3, "msetnx", lambda: ["MSETNX", k(), m(), k(), m()]),
            (2, "sort", lambda: ["SORT", k(), "ALPHA", "STORE", k()]),
            (2, "blpop", lambda: ["BLPOP", k(), k(), "0.01"]),
        ] + self.more_generators()

    def more_generators(self):
        """The rest of the collection commands, but the random ones (SPOP,
        SRANDMEMBER, HRANDFIELD, ZRANDMEMBER answer differently by design)
        and the lex ranges, whose answer Redis leaves unspecified when the
        scores differ (as they do here)."""
        g, k, m = self.rng, self.key, self.small
        i = lambda: str(g.randint(-4, 4))  # noqa: E731
        rng = lambda: g.choice(["-inf", "+inf", "0", "(1", "2", "(2.5", "10"])  # noqa: E731
        return [
            (2, "linsert", lambda: ["LINSERT", k(), g.choice(["BEFORE", "AFTER"]), m(), m()]),
            (2, "lrem", lambda: ["LREM", k(), i(), m()]),
            (2, "lpos", lambda: ["LPOS", k(), m(), "RANK", g.choice(["1", "-1", "2"]), "COUNT",
                                 g.choice(["0", "1", "2"])]),
            (2, "lset", lambda: ["LSET", k(), i(), m()]),
            (2, "ltrim", lambda: ["LTRIM", k(), i(), i()]),
            (2, "lindex", lambda: ["LINDEX", k(), i()]),
            (1, "llen", lambda: ["LLEN", k()]),
            (2, "rpop", lambda: ["RPOP", k(), g.choice(["1", "2", "5"])]),
            (1, "lpushx", lambda: ["LPUSHX", k(), m()]),
            (1, "rpushx", lambda: ["RPUSHX", k(), m()]),
            (2, "hincrby", lambda: ["HINCRBY", k(), m(), i()]),
            (1, "hincrbyfloat", lambda: ["HINCRBYFLOAT", k(), m(), g.choice(["1.5", "-2", "0.1"])]),
            (1, "hsetnx", lambda: ["HSETNX", k(), m(), m()]),
            (2, "hmget", lambda: ["HMGET", k(), m(), m()]),
            (1, "hlen", lambda: ["HLEN", k()]),
            (1, "hstrlen", lambda: ["HSTRLEN", k(), m()]),
            (1, "hexists", lambda: ["HEXISTS", k(), m()]),
            (1, "hkeys", lambda: ["HKEYS", k()]),
            (1, "hvals", lambda: ["HVALS", k()]),
            (2, "sismember", lambda: ["SISMEMBER", k(), m()]),
            (1, "smismember", lambda: ["SMISMEMBER", k(), m(), m()]),
            (2, "zincrby", lambda: ["ZINCRBY", k(), self.score(), m()]),
            (2, "zrem", lambda: ["ZREM", k(), m(), m()]),
            (1, "zcard", lambda: ["ZCARD", k()]),
            (2, "zcount", lambda: ["ZCOUNT", k(), rng(), rng()]),
            (2, "zscore", lambda: ["ZSCORE", k(), m()]),
            (1, "zmscore", lambda: ["ZMSCORE", k(), m(), m()]),
            (2, "zrank", lambda: ["ZRANK", k(), m()]),
            (1, "zrevrank", lambda: ["ZREVRANK", k(), m()]),
            (2, "zrangebyscore", lambda: ["ZRANGEBYSCORE", k(), rng(), rng(), "WITHSCORES"]),
            (1, "zrevrangebyscore", lambda: ["ZREVRANGEBYSCORE", k(), rng(), rng()]),
            (1, "zremrangebyrank", lambda: ["ZREMRANGEBYRANK", k(), i(), i()]),
            (1, "zremrangebyscore", lambda: ["ZREMRANGEBYSCORE", k(), rng(), rng()]),
            (2, "zpopmin", lambda: ["ZPOPMIN", k(), g.choice(["1", "2"])]),
            (1, "zpopmax", lambda: ["ZPOPMAX", k()]),
            (1, "zintercard", lambda: ["ZINTERCARD", "2", k(), k()]),
            (1, "zinter", lambda: ["ZINTER", "2", k(), k(), "WITHSCORES"]),
            (1, "zdiff", lambda: ["ZDIFF", "2", k(), k()]),
        ]

    def generators(self):
        # OBJECT is left out: a key moved between shards is rebuilt from its
        # commands, as an AOF rewrite rebuilds it, and may change encoding
        # (a raw "12" becomes an int), as it does in Redis after a restart.
        base = [gen for gen in super().generators() if gen[1] != "object"]
        return base + self.collection_generators()


def comparable(value):
    if isinstance(value, list):
        return sorted(map(repr, value))
    return value


def same(seed, i, args, name, a, b):
    if name in UNORDERED:
        assert comparable(a[1]) == comparable(b[1]), \
            "seed=%d command #%d %r: kvd %r, redis %r" % (seed, i, args, a[0], b[0])
    else:
        assert_same(seed, i, args, kind_of(name), a, b)


def run_exec_block(seed, i, rng, gens, weights, kvd, redis):
    """MULTI, 1..5 random commands, EXEC: every reply compared."""
    for c in (kvd, redis):
        assert c.call("MULTI")[0] == b"+OK\r\n"
    names, blocks = [], []
    for _ in range(rng.randint(1, 5)):
        _, name, make = rng.choices(gens, weights)[0]
        if name in ("select", "swapdb"):
            continue
        args = make()
        a, b = kvd.call(*args), redis.call(*args)
        assert a[0] == b[0], "seed=%d command #%d queued %r: kvd %r, redis %r" % (
            seed, i, args, a[0], b[0])
        names.append(name)
        blocks.append(args)
    a, b = kvd.call("EXEC"), redis.call("EXEC")
    if not isinstance(a[1], list) or not isinstance(b[1], list) or len(a[1]) != len(b[1]):
        assert a[0] == b[0], "seed=%d command #%d EXEC %r: kvd %r, redis %r" % (
            seed, i, blocks, a[0], b[0])
        return
    for name, args, va, vb in zip(names, blocks, a[1], b[1]):
        if name in UNORDERED or name in ("randomkey",):
            assert (va is None) == (vb is None) and (name == "randomkey" or
                                                     comparable(va) == comparable(vb)), \
                "seed=%d EXEC at #%d %r: kvd %r, redis %r" % (seed, i, args, va, vb)
        elif kind_of(name) not in ("ttl", "pttl", "expiretime", "pexpiretime"):
            assert va == vb, "seed=%d EXEC at #%d %r: kvd %r, redis %r" % (seed, i, args, va, vb)


def dump(conn, key):
    _, t = conn.call("TYPE", key)
    t = t[1]
    if t == b"string":
        v = conn.call("GET", key)[1]
    elif t == b"list":
        v = conn.call("LRANGE", key, "0", "-1")[1]
    elif t == b"set":
        v = sorted(conn.call("SMEMBERS", key)[1])
    elif t == b"hash":
        v = sorted(conn.call("HGETALL", key)[1])
    elif t == b"zset":
        v = conn.call("ZRANGE", key, "0", "-1", "WITHSCORES")[1]
    else:
        v = None
    ttl = conn.call("TTL", key)[1]
    return t, v, ttl if ttl < 0 else "volatile"


def run_seed(seed, kvd, redis, available):
    rng = random.Random(seed)
    for c in (kvd, redis):
        assert c.call("FLUSHALL")[0] == b"+OK\r\n"
        assert c.call("SELECT", "0")[0] == b"+OK\r\n"
    stream = ShardStream(rng, available, NAMES)
    gens = [(w, n, f) for (w, n, f) in stream.generators() if n in available]
    weights = [w for (w, _, _) in gens]
    for i in range(COMMANDS_PER_SEED):
        r = rng.random()
        if r < 0.01:
            a, b = full_scan(kvd, []), full_scan(redis, [])
            assert a == b, "seed=%d command #%d SCAN: kvd %r, redis %r" % (seed, i, a, b)
            continue
        if r < 0.06:
            run_exec_block(seed, i, rng, gens, weights, kvd, redis)
            continue
        _, name, make = rng.choices(gens, weights)[0]
        args = make()
        same(seed, i, args, name, kvd.call(*args), redis.call(*args))
    for db in range(DBS):
        for c in (kvd, redis):
            c.call("SELECT", str(db))
        keys = full_scan(kvd, [])
        assert keys == full_scan(redis, []), "seed=%d final db %d" % (seed, db)
        for key in keys:
            assert dump(kvd, key) == dump(redis, key), "seed=%d final db %d key %r" % (seed, db,
                                                                                       key)


@pytest.mark.skipif(not REDIS_PORT, reason="needs REDIS_PORT")
@pytest.mark.parametrize("shards", [1, 4])
def test_differential_shards(shards):
    with Kvd(shards=shards) as server:
        kvd, redis = Conn(server.port), Conn(REDIS_PORT)
        try:
            names = sorted({n for (_, n, _) in ShardStream(random.Random(0), [], NAMES).generators()})
            available = set(implemented(kvd, names))
            print("differential (%d shards): left out: %s" % (shards,
                  " ".join(sorted(set(names) - available)) or "none"))
            for seed in seeds():
                print("differential (%d shards): SEED=%d, %d commands" % (shards, seed,
                                                                   COMMANDS_PER_SEED))
                run_seed(seed, kvd, redis, available)
        finally:
            kvd.close()
            redis.close()

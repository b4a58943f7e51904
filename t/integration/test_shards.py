"""Several shards: users must not see them.

kvd with shards: 4 answers like redis-server for commands whose keys live
on different workers: single-key commands go to the owner, pipelines keep
their order, MGET/MSET/DEL/EXISTS/KEYS/DBSIZE/SCAN/FLUSHALL fan out and
gather, a blocked BLPOP on another worker is served, a transaction on one
other shard is shipped whole, commands and transactions over keys of
several shards run whole under the shards' locks (concurrent transfers
keep their sum).  Killing a worker fails only the commands
that needed it, and it comes back.  Seeded where random; the seed is
printed.
"""
import os
import random
import signal
import time

import pytest
import redis

from harness import Kvd, wait_for

SHARDS = 4


@pytest.fixture(scope="module")
def server():
    with Kvd(shards=SHARDS) as k:
        yield k


@pytest.fixture
def r(server):
    # A stuck server fails the test instead of hanging the run.
    c = redis.Redis(port=server.port, decode_responses=True, socket_timeout=30)
    c.flushall()
    yield c
    c.close()


def test_keys_everywhere(r):
    keys = [f"key:{i}" for i in range(200)]
    for i, k in enumerate(keys):
        assert r.set(k, i)
    assert [r.get(k) for k in keys] == [str(i) for i in range(200)]
    assert r.dbsize() == 200
    assert sorted(r.keys("*")) == sorted(keys)
    assert r.mget(keys[:50] + ["missing"]) == [str(i) for i in range(50)] + [None]
    assert r.exists(*keys[:30], "missing") == 30
    assert r.delete(*keys[:10], "missing") == 10
    assert r.dbsize() == 190
    assert r.mset({f"m{i}": i for i in range(40)})
    assert r.mget([f"m{i}" for i in range(40)]) == [str(i) for i in range(40)]
    assert r.flushall()
    assert r.dbsize() == 0


def test_pipeline_order(r):
    seed = int(os.environ.get("SEED") or time.time())
    print(f"test_pipeline_order: seed={seed}")
    rng = random.Random(seed)
    model = {}
    p = r.pipeline(transaction=False)
    expected = []
    for i in range(2000):
        k = f"p{rng.randrange(100)}"
        op = rng.randrange(4)
        if op == 0:
            p.set(k, i)
            model[k] = str(i)
            expected.append(True)
        elif op == 1:
            p.get(k)
            expected.append(model.get(k))
        elif op == 2:
            p.incr(f"n{k}")
            model[f"n{k}"] = str(int(model.get(f"n{k}", "0")) + 1)
            expected.append(int(model[f"n{k}"]))
        else:
            p.ping()
            expected.append(True)
    assert p.execute() == expected, f"seed={seed}"


def test_scan_sees_every_key(r):
    keys = {f"s{i}" for i in range(500)}
    r.mset({k: 1 for k in keys})
    seen, cursor, rounds = set(), 0, 0
    while True:
        cursor, batch = r.scan(cursor, count=37)
        seen.update(batch)
        rounds += 1
        if cursor == 0:
            break
        assert rounds < 10000
    assert seen == keys


def test_blocking_pop_on_another_worker(server, r):
    waiter = redis.Redis(port=server.port, decode_responses=True)
    result = {}

    import threading

    def pop():
        result["v"] = waiter.blpop(["queue"], timeout=10)

    t = threading.Thread(target=pop)
    t.start()
    time.sleep(0.3)  # let BLPOP reach its owner and block
    assert r.rpush("queue", "job") >= 1
    t.join(10)
    assert result["v"] == ("queue", "job")
    assert waiter.blpop(["emptyq"], timeout=0.2) is None
    waiter.close()


def test_transaction_on_one_shard(r):
    p = r.pipeline(transaction=True)
    p.set("{acct}a", 10)
    p.incrby("{acct}a", 5)
    p.get("{acct}a")
    assert p.execute() == [True, 15, "15"]
    # WATCH on the owner, touched by another client: EXEC fails.
    w = r.pipeline(transaction=True)
    w.watch("{acct}a")
    r2 = redis.Redis(port=r.connection_pool.connection_kwargs["port"], decode_responses=True)
    r2.set("{acct}a", 99)
    w.multi()
    w.set("{acct}a", 1)
    with pytest.raises(redis.WatchError):
        w.execute()
    assert r.get("{acct}a") == "99"
    r2.close()


def test_cross_shard_atomic_commands(r):
    """RENAME, SMOVE, LMOVE, SUNIONSTORE, BITOP, MSETNX across shards
    answer as on one shard; the keys move."""
    keys = ["c%d" % i for i in range(40)]
    r.set(keys[0], "v")
    a = keys[0]
    for b in keys[1:]:
        assert r.rename(a, b)
        assert r.get(a) is None and r.get(b) == "v"
        a = b
    r.sadd("s0", "m1", "m2")
    for i in range(1, 20):
        assert r.smove("s%d" % (i - 1), "s%d" % i, "m1") == 1
    assert r.smembers("s19") == {"m1"} and r.smembers("s0") == {"m2"}
    r.rpush("l0", *range(10))
    for i in range(1, 20):
        assert r.lmove("l%d" % (i - 1), "l%d" % i, "LEFT", "RIGHT") is not None
    assert r.sunionstore("u", *["s%d" % i for i in range(20)]) == 2
    r.set("b1", b"\xf0")
    r.set("b2", b"\x0f")
    assert r.bitop("OR", "b3", "b1", "b2") == 1
    assert r.msetnx({"n%d" % i: i for i in range(10)})
    assert not r.msetnx({"n%d" % i: i for i in range(5, 15)})
    assert r.mget(["n%d" % i for i in range(15)])[10:] == [None] * 5


def test_cross_shard_commandstats(r):
    """INFO commandstats counts a cross-shard command once, as Redis does,
    and not the commands that move its keys' copies between shards."""
    r.set("cs:a", "v")
    r.sadd("cs:s0", "m")
    assert r.config_resetstat()
    assert r.rename("cs:a", "cs:b")
    assert r.smove("cs:s0", "cs:s1", "m") == 1
    stats = r.info("commandstats")
    assert stats["cmdstat_rename"]["calls"] == 1, stats
    assert stats["cmdstat_smove"]["calls"] == 1, stats
    for internal in ("cmdstat_set", "cmdstat_sadd", "cmdstat_del", "cmdstat_select"):
        assert internal not in stats, stats


def test_cross_shard_exec_and_watch(r):
    """A transaction over keys of every shard runs whole; WATCH on keys of
    several shards aborts it when any of them changed."""
    keys = ["t%d" % i for i in range(32)]
    p = r.pipeline(transaction=True)
    for k in keys:
        p.incr(k)
    p.mget(keys)
    out = p.execute()
    assert out[:-1] == [1] * len(keys) and out[-1] == ["1"] * len(keys)
    r2 = redis.Redis(port=r.connection_pool.connection_kwargs["port"], decode_responses=True)
    with r.pipeline() as w:
        w.watch(*keys)
        r2.incr(keys[17])
        w.multi()
        for k in keys:
            w.incr(k)
        with pytest.raises(redis.WatchError):
            w.execute()
    with r.pipeline() as w:
        w.watch(*keys)
        w.multi()
        for k in keys:
            w.incr(k)
        assert w.execute() == [2] * 17 + [3] + [2] * 14
    # Nothing queued, watches on several shards: EXEC still checks them.
    with r.pipeline() as w:
        w.watch(*keys)
        w.multi()
        assert w.execute() == []
    with r.pipeline() as w:
        w.watch(*keys)
        r2.incr(keys[3])
        w.multi()
        with pytest.raises(redis.WatchError):
            w.execute()
    r2.close()


def test_transfers_keep_the_sum(server, r):
    """Clients move units between counters on different shards with
    MULTI/EXEC (and SMOVE between sets) while others read every counter in
    one MULTI/EXEC or one MGET: the sums never change, nothing deadlocks."""
    import threading
    seed = int(os.environ.get("SEED") or time.time())
    print("transfers: SEED=%d" % seed)
    n, start = 12, 1000
    accts = ["acct:%d" % i for i in range(n)]
    r.mset({k: start for k in accts})
    r.sadd("set:0", *range(50))
    stop = time.time() + 4
    errors, counts = [], {"xfer": 0, "read": 0, "smove": 0}

    def mover(i):
        rnd = random.Random(seed + i)
        c = redis.Redis(port=server.port)
        while time.time() < stop:
            a, b = rnd.sample(accts, 2)
            amt = rnd.randint(1, 9)
            p = c.pipeline(transaction=True)
            p.decrby(a, amt)
            p.incrby(b, amt)
            p.execute()
            counts["xfer"] += 1
            x, y = rnd.sample(range(4), 2)
            c.smove("set:%d" % x, "set:%d" % y, rnd.randint(0, 49))
            counts["smove"] += 1

    def reader(i):
        c = redis.Redis(port=server.port)
        while time.time() < stop:
            p = c.pipeline(transaction=True)
            for k in accts:
                p.get(k)
            total = sum(int(v) for v in p.execute())
            if total != n * start:
                errors.append(("exec", total))
            total = sum(int(v) for v in c.mget(accts))
            if total != n * start:
                errors.append(("mget", total))
            p = c.pipeline(transaction=True)
            for x in range(4):
                p.scard("set:%d" % x)
            if sum(p.execute()) != 50:
                errors.append("sets")
            counts["read"] += 1

    threads = [threading.Thread(target=mover, args=(i,)) for i in range(5)]
    threads += [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a client hung (deadlock?)"
    print("transfers: %r, errors %d" % (counts, len(errors)))
    assert errors == []
    assert sum(int(v) for v in r.mget(accts)) == n * start
    assert counts["xfer"] > 100 and counts["read"] > 20


def test_worker_death(server, r):
    keys = [f"d{i}" for i in range(100)]
    r.mset({k: "v" for k in keys})
    victim = server.worker_pids()[1]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in server.worker_pids() and len(server.worker_pids()) == SHARDS,
             timeout=10)
    # Without persistence the dead worker's keys are gone; the others'
    # remain, and every command answers (no hang).
    deadline = time.time() + 10
    while True:
        try:
            vals = r.mget(keys)
            break
        except redis.ResponseError as e:
            assert "LOADING" in str(e)
            assert time.time() < deadline
            time.sleep(0.05)
    assert 0 < sum(v == "v" for v in vals) < len(keys)
    assert r.set("after", 1) and r.get("after") == "1"


def test_worker_death_during_cross_shard_transactions(server, r):
    """SIGKILL workers again and again while clients run cross-shard
    transactions and commands: the locks the dead held or waited for are
    released, every client gets answers (errors only while a shard is
    down), nothing hangs, and the server answers afterwards."""
    import threading
    accts = ["w:%d" % i for i in range(12)]
    r.mset({k: 100 for k in accts})
    stop = time.time() + 4
    stats = {"ok": 0, "err": 0}

    def client(i):
        rnd = random.Random(i)
        c = redis.Redis(port=server.port, socket_timeout=10)
        while time.time() < stop:
            a, b = rnd.sample(accts, 2)
            try:
                p = c.pipeline(transaction=True)
                p.decrby(a, 1)
                p.incrby(b, 1)
                p.execute()
                c.mget(accts)
                c.rename(a, a + ":t")
                c.rename(a + ":t", a)
                stats["ok"] += 1
            except redis.ResponseError as e:
                assert "LOADING" in str(e) or "no such key" in str(e), str(e)
                stats["err"] += 1
            except redis.ConnectionError:
                stats["err"] += 1  # this client's own worker was the one killed
                c = redis.Redis(port=server.port, socket_timeout=10)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    # Several kills, so that some land while a LOCK is on its way to the
    # victim (a stale LOCK once left the new worker locked for good).
    rnd = random.Random(int(os.environ.get("SEED") or time.time()))
    kills = 0
    while time.time() < stop - 0.5:
        time.sleep(rnd.uniform(0.3, 0.6))
        pids = server.worker_pids()
        if pids:
            os.kill(rnd.choice(pids), signal.SIGKILL)
            kills += 1
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a client hung after a worker died"
    print("worker deaths under transactions: kills=%d %r" % (kills, stats))
    wait_for(lambda: len(server.worker_pids()) == SHARDS, timeout=30)
    deadline = time.time() + 30
    while True:
        try:
            assert r.set("alive", 1) and len(r.mget(accts)) == len(accts)
            break
        except redis.ResponseError as e:
            assert "LOADING" in str(e) and time.time() < deadline
            time.sleep(0.05)
    assert stats["ok"] > 20


def test_clients_hanging_up_mid_transaction(server, r):
    """Random pipelines of cross-shard commands, MULTI/EXEC/WATCH and
    blocking commands, the connection closed at a random moment: no worker
    dies (a transaction whose client left still runs to its end and
    releases its locks), and the server answers afterwards."""
    import socket
    import threading
    seed = int(os.environ.get("SEED") or time.time())
    print("hang-ups: SEED=%d" % seed)
    before = server.read_log().count("killed by signal")

    def enc(*words):
        words = [str(w).encode() for w in words]
        return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)

    def client(i):
        rnd = random.Random(seed + i)
        end = time.time() + 3
        while time.time() < end:
            k = ["h%d" % rnd.randint(0, 30) for _ in range(3)]
            choices = [("MULTI",), ("EXEC",), ("INCR", k[0]), ("RENAME", k[0], k[1]),
                       ("SUNIONSTORE", k[0], k[1], k[2]), ("MGET",) + tuple(k),
                       ("BLPOP", k[0], k[1], "0.05"), ("SADD", k[0], "m"), ("RPUSH", k[1], "x"),
                       ("LMOVE", k[0], k[1], "LEFT", "RIGHT"), ("WATCH", k[2]), ("FLUSHALL",),
                       ("SET", k[0], "5"), ("BLMOVE", k[0], k[2], "LEFT", "LEFT", "0.02")]
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(b"".join(enc(*rnd.choice(choices)) for _ in range(rnd.randint(1, 20))))
            if rnd.random() < 0.5:
                time.sleep(rnd.random() * 0.01)
            s.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive()
    assert r.ping()
    # What the closed connections had sent before closing still runs (as
    # in Redis), possibly after a lock wait: a late FLUSHALL may come
    # after this SET.  Wait for the server to be quiet.
    assert wait_for(lambda: r.set("after-hangups", 1) and r.get("after-hangups") == "1"
                    and time.sleep(0.2) is None and r.get("after-hangups") == "1", 10)
    assert server.read_log().count("killed by signal") == before

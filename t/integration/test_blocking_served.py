"""A blocked command served by another client's write is a write of its own:
it reaches the AOF (so a restart replays it after the push that fed it) and
it touches WATCHed keys, as in Redis 7.0."""

import os
import signal
import threading
import time

import redis

from harness import Kvd, wait_for


def blocked_call(port, *args):
    """Run a blocking command in a thread; returns (thread, result list)."""
    out = []

    def run():
        out.append(redis.Redis(port=port).execute_command(*args))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def blocked_call_on(client, *args):
    """The same on a connection already open (its order of arrival is known)."""
    out = []

    def run():
        out.append(client.execute_command(*args))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def wait_blocked(r, n):
    assert wait_for(lambda: r.info("clients")["blocked_clients"] == n, 5)


def test_served_blocking_commands_survive_restart():
    kvd = Kvd(extra="appendonly: yes\nappendfsync: always\n").start()
    try:
        r = redis.Redis(port=kvd.port)
        t1, o1 = blocked_call(kvd.port, "BLMOVE", "src", "dst", "LEFT", "RIGHT", 0)
        wait_blocked(r, 1)
        t2, o2 = blocked_call(kvd.port, "BLPOP", "nothing", "src2", 0)
        wait_blocked(r, 2)
        t3, o3 = blocked_call(kvd.port, "BZPOPMIN", "z", 0)
        wait_blocked(r, 3)
        r.rpush("src", "a", "b")
        r.rpush("src2", "x", "y")
        r.zadd("z", {"m1": 1, "m2": 2})
        for t in (t1, t2, t3):
            t.join(5)
        assert o1 == [b"a"]
        assert list(o2[0]) == [b"src2", b"x"]
        assert [bytes(str(v), "ascii") if not isinstance(v, bytes) else v for v in o3[0]][:2] == [b"z", b"m1"]
        before = (r.lrange("src", 0, -1), r.lrange("dst", 0, -1), r.lrange("src2", 0, -1),
                  r.zrange("z", 0, -1))
        assert before == ([b"b"], [b"a"], [b"y"], [b"m2"])
        r.close()
        assert kvd.stop() == 0
        kvd.start()
        r = redis.Redis(port=kvd.port)
        after = (r.lrange("src", 0, -1), r.lrange("dst", 0, -1), r.lrange("src2", 0, -1),
                 r.zrange("z", 0, -1))
        assert after == before
    finally:
        kvd.stop()


def test_push_by_served_blmove_fails_watch():
    with Kvd() as kvd:
        r = redis.Redis(port=kvd.port)
        r.set("somekey", "somevalue")
        t, out = blocked_call(kvd.port, "BRPOPLPUSH", "srclist", "dstlist", 0)
        wait_blocked(r, 1)
        watcher = redis.Redis(port=kvd.port, single_connection_client=True)
        watcher.execute_command("WATCH", "dstlist")
        watcher.execute_command("MULTI")
        watcher.execute_command("GET", "somekey")
        r.lpush("srclist", "element")
        t.join(5)
        assert out == [b"element"]
        assert watcher.execute_command("EXEC") is None
        # Not watched: a served BLMOVE leaves an unrelated WATCH alone.
        t, out = blocked_call(kvd.port, "BLMOVE", "s2", "d2", "LEFT", "LEFT", 0)
        wait_blocked(r, 1)
        watcher.execute_command("WATCH", "other")
        watcher.execute_command("MULTI")
        watcher.execute_command("GET", "somekey")
        r.lpush("s2", "e")
        t.join(5)
        time.sleep(0.05)
        assert watcher.execute_command("EXEC") == [b"somevalue"]


def test_clients_read_in_one_iteration_are_served_in_arrival_order():
    """Two clients block on one list, their BLPOPs read in the same loop
    iteration (the worker is stopped while both arrive): the first to
    arrive is served first, as Redis serves them in epoll's order.  libev
    runs one iteration's read callbacks in reverse, which served the
    second first (and hung the Tcl test "BRPOPLPUSH with multiple blocked
    clients" when it happened there)."""
    with Kvd() as kvd:
        r = redis.Redis(port=kvd.port)
        first, second = redis.Redis(port=kvd.port), redis.Redis(port=kvd.port)
        first.ping()
        second.ping()
        worker = kvd.worker_pids()[0]
        os.kill(worker, signal.SIGSTOP)
        try:
            t1, o1 = blocked_call_on(first, "BLPOP", "q", 0)
            time.sleep(0.2)  # the first request is in the socket before the second
            t2, o2 = blocked_call_on(second, "BLPOP", "q", 0)
            time.sleep(0.2)
        finally:
            os.kill(worker, signal.SIGCONT)
        wait_blocked(r, 2)
        r.rpush("q", "one")
        t1.join(5)
        assert [list(v) for v in o1] == [[b"q", b"one"]]
        assert o2 == []
        r.rpush("q", "two")
        t2.join(5)
        assert [list(v) for v in o2] == [[b"q", b"two"]]
        for c in (r, first, second):
            c.close()

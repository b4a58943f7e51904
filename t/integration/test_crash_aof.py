"""test_crash_aof.py - acknowledged writes survive crashes (DESIGN.md 6).

appendfsync always: writer threads (INCR, RPUSH, SET) record every write
kvd acknowledged; the worker is SIGKILLed at random moments, many times;
after each respawn every write acknowledged before the kill must be
there.  appendfsync everysec: the whole server (workers, then master) is
SIGKILLed and restarted, and acknowledged writes are counted as lost or
not.  Each test prints its numbers (seed, kills, writes, losses).

Bounded: 12 kills (8 with shards: 4, where the writes mostly cross rings)
or 55 s for the first test, 10 s for the second.
SEED=N replays the kill schedule.
"""
import os
import random
import signal
import threading
import time

import pytest
import redis

from harness import Kvd

THREADS = 4
ALWAYS_SECONDS = 55.0  # at most; stops after ALWAYS_KILLS
ALWAYS_KILLS = 12
ALWAYS_KILLS_SHARDED = 8
# The master backs off respawning a worker that dies within 2 s of its
# start (crash-loop protection): kill at a random moment after that.
MIN_UPTIME, MAX_UPTIME = 2.05, 2.8
EVERYSEC_SECONDS = 4.0


class Writer(threading.Thread):
    """Writes to its own keys; `acked` holds what kvd confirmed."""

    def __init__(self, port, tid, seed):
        super().__init__(daemon=True)
        self.port, self.tid = port, tid
        self.rng = random.Random(seed * 100 + tid)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counter = 0          # last INCR result acknowledged
        self.pushed = []          # RPUSH elements acknowledged, in order
        self.keys = {}            # SET key -> value acknowledged
        self.acks = 0
        self.errors = 0
        self.seq = 0

    def snapshot(self):
        with self.lock:
            return self.counter, list(self.pushed), dict(self.keys)

    def connect(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2,
                           socket_connect_timeout=1)

    def one(self, r):
        self.seq += 1
        op = self.rng.randrange(3)
        t = self.tid
        if op == 0:
            v = r.incr(f"ctr:{t}")
            with self.lock:
                assert v >= self.counter + 1, (v, self.counter)
                self.counter = v
        elif op == 1:
            r.rpush(f"list:{t}", self.seq)
            with self.lock:
                self.pushed.append(str(self.seq))
        else:
            r.set(f"key:{t}:{self.seq}", self.seq)
            with self.lock:
                self.keys[f"key:{t}:{self.seq}"] = str(self.seq)
        with self.lock:
            self.acks += 1

    def run(self):
        r = self.connect()
        while not self.stop.is_set():
            try:
                self.one(r)
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                # The worker died mid-command: the outcome is unknown and
                # nothing was recorded; reconnect once it is back.
                self.errors += 1
                time.sleep(0.02)
                r = self.connect()


def missing(port, tid, snap, since=None):
    """Acknowledged writes of one writer absent from the server (SET keys:
    only those not in `since`, an earlier snapshot already verified)."""
    counter, pushed, keys = snap
    if since is not None:
        keys = {k: v for k, v in keys.items() if k not in since[2]}
    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
    lost = 0
    have = int(r.get(f"ctr:{tid}") or 0)
    if have < counter:
        lost += counter - have
    present = set(x.decode() for x in r.lrange(f"list:{tid}", 0, -1))
    lost += sum(1 for x in pushed if x not in present)
    names = list(keys)
    for i in range(0, len(names), 500):
        chunk = names[i:i + 500]
        for k, v in zip(chunk, r.mget(chunk)):
            if v is None or v.decode() != keys[k]:
                lost += 1
    return lost


def seed_of(name):
    seed = int(os.environ.get("SEED") or time.time())
    print(f"{name}: seed={seed}")
    return seed


@pytest.mark.parametrize("shards", [1, 4])
def test_always_worker_sigkill_loses_nothing(shards):
    """With shards: 4 most writes run on another worker than the client's:
    their replies must wait for the owner's fsync too."""
    seed = seed_of("test_always_worker_sigkill_loses_nothing[%d]" % shards)
    rng = random.Random(seed)
    kvd = Kvd(extra="appendonly: yes\nappendfsync: always\n", shards=shards).start()
    max_kills = ALWAYS_KILLS if shards == 1 else ALWAYS_KILLS_SHARDED
    writers = [Writer(kvd.port, t, seed) for t in range(THREADS)]
    kills = losses = checked = 0
    verified = [None] * THREADS
    try:
        for w in writers:
            w.start()
        deadline = time.time() + ALWAYS_SECONDS
        while time.time() < deadline and kills < max_kills:
            time.sleep(rng.uniform(MIN_UPTIME, MAX_UPTIME))
            snaps = [w.snapshot() for w in writers]
            kvd.kill_worker(rng)
            kills += 1
            for t, snap in enumerate(snaps):
                losses += missing(kvd.port, t, snap, verified[t])
                checked += snap[0] + len(snap[1]) + len(snap[2])
                verified[t] = snap
    finally:
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(5)
    final = [w.snapshot() for w in writers]
    losses += sum(missing(kvd.port, t, s) for t, s in enumerate(final))
    acks = sum(w.acks for w in writers)
    log = kvd.read_log()
    kvd.stop()
    print(f"always (shards {shards}): kills={kills} acknowledged_writes={acks} "
          f"unknown_outcomes={sum(w.errors for w in writers)} "
          f"verified_after_kills={checked} losses={losses} "
          f"torn_tails_truncated={log.count('partial record at the end')}")
    assert kills >= 8
    assert acks > 1000
    assert losses == 0


def test_everysec_whole_server_sigkill():
    seed = seed_of("test_everysec_whole_server_sigkill")
    kvd = Kvd(extra="appendonly: yes\nappendfsync: everysec\n").start()
    writers = [Writer(kvd.port, t, seed) for t in range(THREADS)]
    for w in writers:
        w.start()
    time.sleep(EVERYSEC_SECONDS)
    # Workers first: a worker whose master dies gets SIGTERM (PDEATHSIG)
    # and would stop gracefully, which is not the crash we want.
    for pid in kvd.worker_pids():
        os.kill(pid, signal.SIGKILL)
    kvd.proc.kill()
    kvd.proc.wait()
    snaps = [w.snapshot() for w in writers]
    for w in writers:
        w.stop.set()
    for w in writers:
        w.join(5)
    acks = sum(len(s[1]) + len(s[2]) + s[0] for s in snaps)
    kvd.start()
    lost = sum(missing(kvd.port, t, s) for t, s in enumerate(snaps))
    kvd.stop()
    print(f"everysec: whole-server SIGKILL after {EVERYSEC_SECONDS}s: "
          f"acknowledged_writes={acks} lost={lost}")
    # The page cache outlives the processes: every record is written
    # before its reply, so a process crash loses nothing (a power loss
    # could lose up to a second of writes under everysec).
    assert acks > 100
    assert lost == 0

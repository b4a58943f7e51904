"""test_crash_xshard.py - cross-shard transactions are all or nothing
after crashes, and acknowledged ones survive (DESIGN.md 6, xshard.h).

Clients move amounts between accounts that live on different shards
(MULTI; DECRBY a; INCRBY b; INCR the client's ledger; EXEC: three shards,
so two-phase commit), and move members between sets (SMOVE across
shards).  Workers are SIGKILLed at random moments, many times; after each
restart:
  - the accounts still add up (a half-applied transfer would not), read
    in one cross-shard snapshot (MGET), and so do the sets' members;
  - every client's ledger counts at least its acknowledged transfers (an
    acknowledged transaction survived) and at most those plus the ones
    whose outcome it never learned.
Then the same with the whole server SIGKILLed (appendfsync always and
everysec).  Each test prints its seed and numbers; SEED=N replays the
schedule.
"""
import os
import random
import signal
import threading
import time

import redis

from harness import Kvd

SHARDS = 4
ACCOUNTS = ["acct:%d" % i for i in range(16)]
SETS = ["pool:%d" % i for i in range(4)]
START = 1000
MEMBERS = 40
CLIENTS = 4
KILLS = 10
MAX_SECONDS = 50.0
# The master backs off respawning a worker that dies within 2 s of its
# start (crash-loop protection): kill at a random moment after that.
MIN_UPTIME, MAX_UPTIME = 2.05, 2.6


def connect(port, timeout=5):
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=timeout,
                       socket_connect_timeout=2)


class Mover(threading.Thread):
    """Transfers between accounts; counts what kvd acknowledged."""

    def __init__(self, port, cid, seed):
        super().__init__(daemon=True)
        self.port, self.cid = port, cid
        self.rng = random.Random(seed * 10 + cid)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = 0     # transfers acknowledged
        self.unknown = 0   # transfers whose outcome the client never learned
        self.moves = 0     # SMOVEs acknowledged
        self.inflight = 0  # a transfer sent and not yet answered

    def counts(self):
        with self.lock:
            return self.acked, self.unknown, self.inflight

    def transfer(self, r):
        a, b = self.rng.sample(ACCOUNTS, 2)
        n = self.rng.randint(1, 9)
        p = r.pipeline(transaction=True)
        p.decrby(a, n)
        p.incrby(b, n)
        p.incr("ledger:%d" % self.cid)
        with self.lock:
            self.inflight = 1
        try:
            p.execute()
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            with self.lock:
                self.unknown += 1
                self.inflight = 0
            raise
        with self.lock:
            self.acked += 1
            self.inflight = 0

    def smove(self, r):
        src, dst = self.rng.sample(SETS, 2)
        member = r.srandmember(src)
        if member is not None and r.smove(src, dst, member):
            self.moves += 1

    def run(self):
        r = connect(self.port)
        while not self.stop.is_set():
            try:
                if self.rng.random() < 0.8:
                    self.transfer(r)
                else:
                    self.smove(r)
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                # A worker died under the command: its outcome is unknown.
                time.sleep(0.02)
                r = connect(self.port)


def load(port):
    r = connect(port)
    r.flushall()
    r.mset({a: START for a in ACCOUNTS})
    for i in range(MEMBERS):
        r.sadd(SETS[i % len(SETS)], "m%d" % i)
    for c in range(CLIENTS):
        r.set("ledger:%d" % c, 0)


def retry(fn, seconds=30):
    """fn() once the server answers again (LOADING while a shard restarts)."""
    deadline = time.time() + seconds
    while True:
        try:
            return fn()
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def check(port, movers, before):
    """Problems found now: (half-applied, lost acknowledged, impossible).
    `before`: each mover's counts taken just before the crash."""
    r = connect(port)
    half = lost = impossible = 0
    total = sum(int(v) for v in retry(lambda: r.mget(ACCOUNTS)))
    if total != START * len(ACCOUNTS):
        half += 1
        print("accounts add up to %d, not %d" % (total, START * len(ACCOUNTS)))
    p = r.pipeline(transaction=True)
    for s in SETS:
        p.scard(s)
    members = sum(retry(p.execute))
    if members != MEMBERS:
        half += 1
        print("sets hold %d members, not %d" % (members, MEMBERS))
    for m, (acked, _, _) in zip(movers, before):
        have = int(retry(lambda: r.get("ledger:%d" % m.cid)))
        now_acked, now_unknown, inflight = m.counts()  # after the read: may count more
        if have < acked:
            lost += acked - have
        if have > now_acked + now_unknown + inflight:
            impossible += 1
    return half, lost, impossible


def run_movers(port, seed):
    movers = [Mover(port, c, seed) for c in range(CLIENTS)]
    for m in movers:
        m.start()
    return movers


def stop_movers(movers):
    for m in movers:
        m.stop.set()
    for m in movers:
        m.join(15)
        assert not m.is_alive(), "a client hung"


def seed_of(name):
    seed = int(os.environ.get("SEED") or time.time())
    print(f"{name}: seed={seed}")
    return seed


def test_worker_sigkill_all_or_nothing():
    seed = seed_of("test_worker_sigkill_all_or_nothing")
    rng = random.Random(seed)
    kvd = Kvd(extra="appendonly: yes\nappendfsync: always\n", shards=SHARDS).start()
    load(kvd.port)
    movers = run_movers(kvd.port, seed)
    kills = half = lost = impossible = 0
    try:
        deadline = time.time() + MAX_SECONDS
        while time.time() < deadline and kills < KILLS:
            time.sleep(rng.uniform(MIN_UPTIME, MAX_UPTIME))
            before = [m.counts() for m in movers]
            kvd.kill_worker(rng)
            kills += 1
            h, l, i = check(kvd.port, movers, before)
            half, lost, impossible = half + h, lost + l, impossible + i
    finally:
        stop_movers(movers)
    h, l, i = check(kvd.port, movers, [m.counts() for m in movers])
    half, lost, impossible = half + h, lost + l, impossible + i
    log = kvd.read_log()
    kvd.stop()
    acked = sum(m.acked for m in movers)
    print(f"cross-shard, always, shards {SHARDS}: kills={kills} "
          f"acknowledged_transfers={acked} unknown_outcomes={sum(m.unknown for m in movers)} "
          f"smoves={sum(m.moves for m in movers)} half_applied={half} losses={lost} "
          f"impossible={impossible} "
          f"undone={log.count('undoing what it wrote here')} "
          f"in_doubt_after_restart={log.count('is in doubt; asking')} "
          f"in_doubt_live={log.count('holding the shard until it says')}")
    assert kills >= 6
    assert acked > 200
    assert half == 0 and lost == 0 and impossible == 0


def whole_server_kill(fsync, seed):
    kvd = Kvd(extra=f"appendonly: yes\nappendfsync: {fsync}\n", shards=SHARDS).start()
    load(kvd.port)
    movers = run_movers(kvd.port, seed)
    time.sleep(random.Random(seed).uniform(2.0, 3.0))
    # Workers first: a worker whose master dies gets SIGTERM (PDEATHSIG)
    # and would stop gracefully, which is not the crash we want.
    for pid in kvd.worker_pids():
        os.kill(pid, signal.SIGKILL)
    kvd.proc.kill()
    kvd.proc.wait()
    before = [m.counts() for m in movers]
    stop_movers(movers)
    kvd.start()
    half, lost, impossible = check(kvd.port, movers, before)
    kvd.stop()
    acked = sum(a for a, _, _ in before)
    print(f"cross-shard, {fsync}, whole-server SIGKILL: acknowledged_transfers={acked} "
          f"half_applied={half} lost={lost} impossible={impossible}")
    assert acked > 50
    return half, lost, impossible


def test_whole_server_sigkill_always():
    seed = seed_of("test_whole_server_sigkill_always")
    assert whole_server_kill("always", seed) == (0, 0, 0)


def test_whole_server_sigkill_everysec():
    """A process crash keeps the page cache: nothing acknowledged is lost
    even under everysec (an OS crash could lose about a second)."""
    seed = seed_of("test_whole_server_sigkill_everysec")
    assert whole_server_kill("everysec", seed) == (0, 0, 0)

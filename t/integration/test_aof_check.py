"""test_aof_check.py - kvd-check-aof and start-up recovery on damaged files.

A torn tail is cut at start (and by the tool with --fix); corruption
before the tail stops the server with the file and byte offset in the
log, and the tool reports the same offset.
"""
import os
import subprocess

import redis

from harness import Kvd

CHECK = os.path.join(os.path.dirname(os.environ.get("KVD_BIN") or "kvd"), "kvd-check-aof")
CONF = "appendonly: yes\nappendfsync: always\n"


def run_check(*args):
    p = subprocess.run([CHECK, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def filled(n=50):
    kvd = Kvd(extra=CONF).start()
    r = redis.Redis(port=kvd.port)
    for i in range(n):
        r.set(f"k{i}", i)
    r.incr("counter")
    kvd.stop()
    return kvd, os.path.join(kvd.dir, "appendonly-0.aof")


def test_valid_file():
    kvd, path = filled()
    rc, out = run_check(path)
    assert rc == 0, out
    assert "valid" in out


def test_torn_tail_fixed_by_tool_and_at_start():
    kvd, path = filled()
    size = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$4\r\nlate\r\n$3\r\nab")
    rc, out = run_check(path)
    assert rc == 1 and "torn tail" in out and f"offset {size}" in out, out
    # kvd cuts it by itself at start.
    kvd.start()
    r = redis.Redis(port=kvd.port)
    assert r.get("k49") == b"49" and r.get("late") is None
    kvd.stop()
    assert os.path.getsize(path) == size
    assert "partial record at the end" in kvd.read_log()
    with open(path, "ab") as f:
        f.write(b"*2\r\n$4\r\nINCR")
    rc, out = run_check("--fix", path)
    assert rc == 0 and "truncated" in out, out
    assert os.path.getsize(path) == size
    assert run_check(path)[0] == 0


def test_corruption_refuses_start_with_offset():
    kvd, path = filled()
    data = bytearray(open(path, "rb").read())
    off = data.index(b"*3\r\n$3\r\nSET\r\n$3\r\nk20\r\n")
    data[off + 9] = ord("X")  # "SET" -> "SXT": an unknown command
    open(path, "wb").write(bytes(data))
    rc, out = run_check(path)
    assert rc == 1 and f"corrupt at byte offset {off}" in out, out
    p = subprocess.run([os.environ.get("KVD_BIN", "kvd"), "-c", kvd.conf],
                       capture_output=True, timeout=30)
    assert p.returncode != 0
    log = kvd.read_log()
    assert f"is corrupt at byte offset {off}" in log and path in log, log[-2000:]
    rc, out = run_check("--fix", path)
    assert rc == 0 and os.path.getsize(path) == off, out
    kvd.start()
    r = redis.Redis(port=kvd.port)
    assert r.get("k19") == b"19" and r.get("k20") is None
    kvd.stop()


def kvdtx(verb, txid, *parts):
    words = [b"KVDTX", verb.encode(), txid.encode()] + [str(p).encode() for p in parts]
    return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)


def test_cross_shard_blocks():
    """The marks of cross-shard transactions (KVDTX BEGIN/COMMIT/ABORT/
    FORGET around a MULTI block) are valid records; a block cut short is
    a torn tail; a command between a prepared block and its outcome is
    corruption."""
    kvd, path = filled(5)
    block = (kvdtx("BEGIN", "1.a.1") + b"*1\r\n$5\r\nMULTI\r\n"
             b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n*1\r\n$4\r\nEXEC\r\n")
    with open(path, "ab") as f:
        f.write(block + kvdtx("COMMIT", "1.a.1") + kvdtx("COMMIT", "0.a.2", 1, 2)
                + kvdtx("FORGET", "0.a.2"))
    rc, out = run_check(path)
    assert rc == 0 and "valid" in out, out
    size = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(kvdtx("BEGIN", "1.a.3") + b"*1\r\n$5\r\nMULTI\r\n")
    rc, out = run_check(path)
    assert rc == 1 and "torn tail" in out and f"offset {size}" in out, out
    with open(path, "r+b") as f:
        f.truncate(size)
    with open(path, "ab") as f:
        f.write(block.replace(b"1.a.1", b"1.a.4") + b"*2\r\n$4\r\nINCR\r\n$1\r\nx\r\n")
    rc, out = run_check(path)
    assert rc == 2 or "corrupt" in out, out
    assert "outside its transaction" in out, out

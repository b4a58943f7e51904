#!/usr/bin/python3
"""tools/mem-collections.py - memory of many small hashes, sets and sorted sets
(and of plain strings), kvd against Debian's redis-server.

For every type asked for, starts a fresh server (kvd with shards: 1 and
appendonly: no, from conf/kvd.yaml adapted; redis-server with --save ''
--appendonly no), each on its own free loopback port, loads N keys of that
type with M short fields/members each (type "string": SET of a 16-byte key
to a 16-byte value, --fields ignored) through a pipelined RESP connection,
and prints INFO memory's used_memory and used_memory_rss, the RSS of all the
server's processes (kvd: master + worker) and bytes per key.  The data is
the same for both servers (seeded).  No dependency beyond python3.

    tools/mem-collections.py                       # 1M keys, 5 fields, all types, both servers
    tools/mem-collections.py --keys 100000 --types hash --servers kvd
    tools/mem-collections.py --markdown            # a table for notes
    tools/mem-collections.py --types string        # 1M 16-byte keys, 16-byte values

Run it on an otherwise idle machine; loading 1M keys takes about 10-30 s per
server and type.
"""

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
         "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil",
         "trent", "victor", "walter", "yolanda"]
CITIES = ["paris", "berlin", "madrid", "rome", "lisbon", "vienna", "prague",
          "oslo", "dublin", "warsaw", "athens", "zurich"]
TAGS = ["redis", "cache", "db", "linux", "c", "python", "go", "rust", "news",
        "sport", "music", "travel", "food", "tech", "games", "books", "film",
        "art", "science", "health", "ops", "cloud", "web", "mobile"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b":"):
            return rest
        if t == b"-":
            return RuntimeError(rest.decode())
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            self._need(n + 2)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def call(self, *args):
        self.s.sendall(enc(*args))
        r = self.reply()
        if isinstance(r, RuntimeError):
            raise r
        return r

    def pipeline(self, payload, n):
        self.s.sendall(payload)
        for _ in range(n):
            r = self.reply()
            if isinstance(r, RuntimeError):
                raise r


def gen_command(kind, i, fields, rnd):
    """One write command creating key number i of the given kind."""
    if kind == "string":
        # 16-byte key, 16-byte value that is not an integer (stays a string).
        return enc("SET", "key:%012d" % i, "v:%014x" % rnd.getrandbits(56))
    if kind == "hash":
        key = "user:%07d" % i
        name = rnd.choice(FIRST)
        vals = [("name", name),
                ("email", "%s.%d@example.com" % (name, rnd.randrange(10000))),
                ("age", str(rnd.randrange(18, 90))),
                ("city", rnd.choice(CITIES)),
                ("created", str(1700000000 + rnd.randrange(10 ** 7)))]
        while len(vals) < fields:
            vals.append(("f%d" % len(vals), "v%d" % rnd.randrange(100000)))
        args = ["HSET", key]
        for f, v in vals[:fields]:
            args += [f, v]
        return enc(*args)
    if kind == "set":
        key = "tags:%07d" % i
        return enc("SADD", key, *rnd.sample(TAGS, fields) if fields <= len(TAGS)
                   else ["tag:%d" % rnd.randrange(10 ** 6) for _ in range(fields)])
    if kind == "zset":
        key = "scores:%07d" % i
        args = ["ZADD", key]
        for j in range(fields):
            args += [str(rnd.randrange(100000)), "player:%05d" % rnd.randrange(100000)]
        return enc(*args)
    raise ValueError(kind)


def info_memory(c):
    text = c.call("INFO", "memory").decode()
    d = {}
    for line in text.split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            d[k] = v
    return d


def proc_tree_rss(pid):
    """RSS in bytes of pid and its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/status" % p) as f:
                m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
                if m:
                    total += int(m.group(1)) * 1024
        except OSError:
            pass
    return total


def wait_ping(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            c = Conn(port)
            if c.call("PING") == b"PONG":
                return c
        except (OSError, RuntimeError):
            pass
        time.sleep(0.1)
    raise RuntimeError("server on port %d did not answer PING" % port)


def kvd_yaml(port, tmp):
    with open(os.path.join(TOP, "conf", "kvd.yaml")) as f:
        text = f.read()
    text = re.sub(r"(?m)^listen:\n(  - .*\n)+", "listen:\n  - 127.0.0.1:%d\n" % port, text)
    for key, val in (("shards", "1"), ("dir", tmp), ("pidfile", '""'),
                     ("appendonly", "no"), ("daemonize", "no")):
        text, n = re.subn(r"(?m)^%s:.*$" % key, "%s: %s" % (key, val), text)
        if n == 0:
            text += "%s: %s\n" % (key, val)
    text = re.sub(r"(?m)^(\s+file:).*$", r'\1 "%s"' % os.path.join(tmp, "kvd.log"), text, count=1)
    path = os.path.join(tmp, "kvd.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def start(server, args, tmp):
    port = free_port()
    log = open(os.path.join(tmp, "%s.out" % server), "w")
    if server == "kvd":
        cmd = [args.kvd_bin, "-c", kvd_yaml(port, tmp)]
    else:
        cmd = [args.redis_server, "--port", str(port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--dir", tmp,
               "--daemonize", "no", "--protected-mode", "no"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    return proc, wait_ping(port, proc)


def stop(proc):
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure(server, kind, args):
    with tempfile.TemporaryDirectory(prefix="mem-collections-") as tmp:
        proc, c = start(server, args, tmp)
        try:
            base = info_memory(c)
            base_rss = proc_tree_rss(proc.pid)
            rnd = random.Random(args.seed)
            t0 = time.time()
            i = 0
            while i < args.keys:
                n = min(args.batch, args.keys - i)
                payload = b"".join(gen_command(kind, i + j, args.fields, rnd) for j in range(n))
                c.pipeline(payload, n)
                i += n
            load_s = time.time() - t0
            time.sleep(1)
            mem = info_memory(c)
            dbsize = int(c.call("DBSIZE"))
            sample = {"hash": "user:%07d", "set": "tags:%07d", "zset": "scores:%07d",
                      "string": "key:%012d"}[kind] % 0
            encoding = c.call("OBJECT", "ENCODING", sample).decode()
            tree_rss = proc_tree_rss(proc.pid)
        finally:
            stop(proc)
    used = int(mem["used_memory"])
    return {
        "server": server, "type": kind, "keys": dbsize, "encoding": encoding,
        "used_memory": used, "used_memory_rss": int(mem["used_memory_rss"]),
        "process_rss": tree_rss, "empty_used_memory": int(base["used_memory"]),
        "bytes_per_key": (used - int(base["used_memory"])) / max(dbsize, 1),
        "rss_bytes_per_key": (tree_rss - base_rss) / max(dbsize, 1),
        "load_s": load_s,
    }


def mib(n):
    return "%.1f MiB" % (n / 1048576.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--fields", type=int, default=5, help="fields/members per key")
    ap.add_argument("--types", default="hash,set,zset")
    ap.add_argument("--servers", default="kvd,redis")
    ap.add_argument("--kvd-bin", default=os.environ.get("KVD_BIN", os.path.join(TOP, "kvd")))
    ap.add_argument("--redis-server", default=os.environ.get("KVD_REDIS_SERVER", "/usr/bin/redis-server"))
    ap.add_argument("--batch", type=int, default=1000, help="commands per pipeline round trip")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = ap.parse_args()

    rows = []
    for kind in args.types.split(","):
        for server in args.servers.split(","):
            r = measure(server, kind, args)
            rows.append(r)
            print("%-5s %-5s keys=%d encoding=%s used_memory=%d (%s) used_memory_rss=%d (%s) "
                  "process_rss=%d (%s) bytes/key=%.1f (RSS %.1f) load=%.1fs" % (
                      r["server"], r["type"], r["keys"], r["encoding"],
                      r["used_memory"], mib(r["used_memory"]),
                      r["used_memory_rss"], mib(r["used_memory_rss"]),
                      r["process_rss"], mib(r["process_rss"]),
                      r["bytes_per_key"], r["rss_bytes_per_key"], r["load_s"]), flush=True)
    if args.markdown:
        print()
        print("| type | server | keys | encoding | used_memory | used_memory_rss | RSS (all processes) | bytes/key (used) | bytes/key (RSS) |")
        print("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            print("| %s | %s | %d | %s | %d (%s) | %d (%s) | %d (%s) | %.1f | %.1f |" % (
                r["type"], r["server"], r["keys"], r["encoding"],
                r["used_memory"], mib(r["used_memory"]),
                r["used_memory_rss"], mib(r["used_memory_rss"]),
                r["process_rss"], mib(r["process_rss"]), r["bytes_per_key"],
                r["rss_bytes_per_key"]))
        by = {(r["type"], r["server"]): r for r in rows}
        for kind in args.types.split(","):
            k, rd = by.get((kind, "kvd")), by.get((kind, "redis"))
            if k and rd:
                print("%s: kvd/redis used_memory %.2f, RSS %.2f; bytes per key %.2f (used_memory), "
                      "%.2f (RSS)" % (
                          kind, k["used_memory"] / rd["used_memory"],
                          k["process_rss"] / rd["process_rss"],
                          k["bytes_per_key"] / rd["bytes_per_key"],
                          k["rss_bytes_per_key"] / max(rd["rss_bytes_per_key"], 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

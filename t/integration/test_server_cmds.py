"""Server and connection commands (PING ... INFO) compared byte for byte
with the reference redis-server 7.0 started next to kvd.

The shared servers come from conftest.py (KVD_PORT, REDIS_PORT).  Tests
that change server-wide state (FLUSHALL, CONFIG SET, RESETSTAT, KILL)
start private servers so that other test modules never see the effect.

Where kvd knowingly differs from Redis (values that depend on the process,
subcommands kvd does not have yet) the test says so and checks what can be
checked: shape, field names and order.
"""
import os
import re
import socket
import time

import pytest

from harness import Kvd, RedisServer, raw_closed

KVD_PORT = int(os.environ.get("KVD_PORT", "0"))
REDIS_PORT = int(os.environ.get("REDIS_PORT", "0"))


# ---------------------------------------------------------------- RESP tools

class Conn:
    """A RESP2 connection that returns each reply as its exact bytes."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def _line_end(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return i
            self._fill()

    def _skip(self, pos):
        """Index just past the reply that starts at pos."""
        end = self._line_end(pos)
        kind, head = self.buf[pos:pos + 1], self.buf[pos + 1:end]
        if kind in (b"+", b"-", b":"):
            return end + 2
        n = int(head)
        if kind == b"$":
            if n < 0:
                return end + 2
            while len(self.buf) < end + 2 + n + 2:
                self._fill()
            return end + 2 + n + 2
        if kind == b"*":
            pos = end + 2
            for _ in range(max(n, 0)):
                pos = self._skip(pos)
            return pos
        raise ValueError("bad reply type %r" % kind)

    def send(self, *args):
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.sock.sendall(b"*%d\r\n" % len(parts) +
                          b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))

    def read_raw(self):
        if not self.buf:
            self._fill()
        end = self._skip(0)
        reply, self.buf = self.buf[:end], self.buf[end:]
        return reply

    def raw(self, *args):
        self.send(*args)
        return self.read_raw()

    def call(self, *args):
        return parse(self.raw(*args))


def parse(data):
    """Decode one raw reply: str for + and $, int for :, Err for -, list for *."""
    value, _ = _parse_at(data, 0)
    return value


class Err(str):
    pass


def _parse_at(data, pos):
    end = data.index(b"\r\n", pos)
    kind, head = data[pos:pos + 1], data[pos + 1:end].decode("latin1")
    if kind == b"+":
        return head, end + 2
    if kind == b"-":
        return Err(head), end + 2
    if kind == b":":
        return int(head), end + 2
    n = int(head)
    if kind == b"$":
        if n < 0:
            return None, end + 2
        return data[end + 2:end + 2 + n].decode("latin1"), end + 2 + n + 2
    if n < 0:
        return None, end + 2
    items, pos = [], end + 2
    for _ in range(n):
        item, pos = _parse_at(data, pos)
        items.append(item)
    return items, pos


def pairs(flat):
    return dict(zip(flat[::2], flat[1::2]))


def run_both(script, kvd_port=None, redis_port=None):
    """Run the same commands on a fresh connection to each server; return both raw reply lists."""
    out = []
    for port in (kvd_port or KVD_PORT, redis_port or REDIS_PORT):
        c = Conn(port)
        try:
            out.append([c.raw(*cmd) for cmd in script])
        finally:
            c.close()
    return out


def assert_same(script, **ports):
    got, want = run_both(script, **ports)
    for cmd, g, w in zip(script, got, want):
        assert g == w, "%s: kvd %r, redis %r" % (" ".join(map(str, cmd)), g, w)


# ------------------------------------------------------------- connection

def test_ping_echo():
    assert_same([("PING",), ("ping", "hello world"), ("PING", "a", "b"), ("ECHO",),
                 ("ECHO", "x\r\ny"), ("echo", ""), ("ECHO", "a", "b")])


def hello_without_id(reply):
    return re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:ID\r\n", reply)


HELLO_CASES = [
    ("HELLO",), ("HELLO", "2"), ("hello", "4"), ("HELLO", "1"), ("HELLO", "0"),
    ("HELLO", "-1"), ("HELLO", "foo"), ("HELLO", "3.0"), ("HELLO", "2", "bogus"),
    ("HELLO", "2", "AUTH"), ("HELLO", "2", "auth", "default"), ("HELLO", "2", "SETNAME"),
    ("HELLO", "2", "SETNAME", "a b"), ("HELLO", "2", "SETNAME", "\xe9"),
    ("HELLO", "2", "AUTH", "nobody", "pw"), ("HELLO", "2", "AUTH", "default", "any"),
    ("HELLO", "2", "AUTH", "default", "pw", "SETNAME", "conn1"), ("CLIENT", "GETNAME"),
    ("HELLO", "2", "SETNAME", ""), ("CLIENT", "GETNAME"), ("HELLO", "4", "bogus"),
]


def test_hello_matches_redis():
    got, want = run_both(HELLO_CASES)
    for cmd, g, w in zip(HELLO_CASES, got, want):
        assert hello_without_id(g) == hello_without_id(w), cmd


def test_hello_id_is_client_id():
    c = Conn(KVD_PORT)
    hello = pairs(c.call("HELLO", "2"))
    assert hello["id"] == c.call("CLIENT", "ID")
    assert hello["proto"] == 2 and hello["version"] == "7.0.15"
    c.close()


def test_hello_3_is_refused_until_resp3_exists():
    # Redis 7.0 switches to RESP3 here; kvd speaks RESP2 only, so it refuses
    # the version the way Redis refuses one it does not know.
    c = Conn(KVD_PORT)
    assert c.raw("HELLO", "3") == b"-NOPROTO unsupported protocol version\r\n"
    assert c.raw("HELLO", "3", "bogus") == b"-ERR Syntax error in HELLO option 'bogus'\r\n"
    assert c.raw("PING") == b"+PONG\r\n"
    c.close()


def test_quit_replies_ok_and_closes():
    payload = b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n"
    assert raw_closed(KVD_PORT, payload) == raw_closed(REDIS_PORT, payload)
    assert raw_closed(KVD_PORT, payload) == (b"+OK\r\n", True)


def test_select():
    assert_same([("SELECT", "16"), ("SELECT", "-1"), ("SELECT", "x"), ("SELECT", "1.0"),
                 ("SELECT", " 1"), ("SELECT", "99999999999999999999"), ("SELECT", "15"),
                 ("SELECT", "0"), ("SELECT",), ("SELECT", "1", "2")])


def test_time():
    before = int(time.time())
    secs, usecs = Conn(KVD_PORT).call("TIME")
    assert before - 2 <= int(secs) <= time.time() + 2
    assert 0 <= int(usecs) < 1000000
    assert_same([("TIME", "x")])


def test_dbsize_and_flushdb_arguments():
    # Database 13 of the shared servers is this test's own.
    script = [("SELECT", "13"), ("FLUSHDB",), ("DBSIZE",), ("SET", "a", "1"), ("SET", "b", "2"),
              ("DBSIZE",), ("DBSIZE", "x"), ("FLUSHDB", "x"), ("FLUSHDB", "sync", "async"),
              ("FLUSHDB", "ASYNC"), ("DBSIZE",), ("SET", "a", "1"), ("flushdb", "sync"),
              ("DBSIZE",), ("FLUSHALL", "x"), ("FLUSHALL", "a", "b")]
    assert_same(script)


# ------------------------------------------------------------------ CLIENT

def client_line_fields(line):
    return [kv.split("=", 1)[0] for kv in line.strip().split(" ")]


def test_client_simple_subcommands():
    assert_same([("CLIENT",), ("CLIENT", "foo"), ("client", "id", "x"), ("CLIENT", "GETNAME"),
                 ("CLIENT", "SETNAME", "a b"), ("CLIENT", "SETNAME", "a\nb"),
                 ("CLIENT", "SETNAME", "\x7f"), ("CLIENT", "SETNAME", "ok-name_1"),
                 ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", ""), ("CLIENT", "GETNAME"),
                 ("CLIENT", "SETNAME", "a", "b"), ("CLIENT", "GETNAME", "x"),
                 ("CLIENT", "NO-EVICT"), ("CLIENT", "NO-EVICT", "maybe"),
                 ("CLIENT", "NO-EVICT", "on"), ("CLIENT", "no-evict", "OFF"),
                 ("CLIENT", "SETINFO", "LIB-NAME", "x"), ("CLIENT", "GETREDIR"),
                 ("CLIENT", "TRACKINGINFO"), ("CLIENT", "CACHING", "yes"),
                 ("CLIENT", "UNBLOCK", "x"), ("CLIENT", "UNBLOCK", "999999", "foo"),
                 ("CLIENT", "UNBLOCK", "999999"), ("CLIENT", "UNBLOCK", "999999", "TIMEOUT"),
                 ("CLIENT", "UNBLOCK", "1", "timeout", "x")])


def test_client_id_is_unique_and_stable():
    a, b = Conn(KVD_PORT), Conn(KVD_PORT)
    ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
    assert isinstance(ida, int) and ida != idb
    assert a.call("CLIENT", "ID") == ida
    a.close()
    b.close()


def test_client_list_and_info_fields_match_redis():
    k, r = Conn(KVD_PORT), Conn(REDIS_PORT)
    for c in (k, r):
        c.call("CLIENT", "SETNAME", "me")
    for args in (("CLIENT", "LIST"), ("CLIENT", "INFO")):
        kl, rl = k.call(*args), r.call(*args)
        assert kl.endswith("\n") and rl.endswith("\n")
        mine = [l for l in kl.splitlines() if " name=me " in l]
        theirs = [l for l in rl.splitlines() if " name=me " in l]
        assert len(mine) == 1 and len(theirs) == 1
        assert client_line_fields(mine[0]) == client_line_fields(theirs[0])
    line = k.call("CLIENT", "INFO")
    f = dict(kv.split("=", 1) for kv in line.strip().split(" "))
    assert f["id"] == str(k.call("CLIENT", "ID"))
    assert f["name"] == "me" and f["flags"] == "N" and f["db"] == "0"
    assert f["cmd"] == "client|info" and f["user"] == "default" and f["resp"] == "2"
    assert f["laddr"] == "127.0.0.1:%d" % KVD_PORT
    k.call("SELECT", "5")
    k.call("CLIENT", "NO-EVICT", "on")
    f = dict(kv.split("=", 1) for kv in k.call("CLIENT", "INFO").strip().split(" "))
    assert f["db"] == "5" and f["flags"] == "e"
    k.close()
    r.close()


def test_client_list_filters():
    assert_same([("CLIENT", "LIST", "TYPE", "foo"), ("CLIENT", "LIST", "TYPE", "master"),
                 ("CLIENT", "LIST", "type", "replica"), ("CLIENT", "LIST", "TYPE", "slave"),
                 ("CLIENT", "LIST", "TYPE", "pubsub"), ("CLIENT", "LIST", "ID", "x"),
                 ("CLIENT", "LIST", "ID", "0"), ("CLIENT", "LIST", "ID", "-5"),
                 ("CLIENT", "LIST", "ID", "99999999"), ("CLIENT", "LIST", "ID"),
                 ("CLIENT", "LIST", "TYPE"), ("CLIENT", "LIST", "foo"),
                 ("CLIENT", "LIST", "TYPE", "normal", "ID", "5")])
    c = Conn(KVD_PORT)
    me = c.call("CLIENT", "ID")
    other = Conn(KVD_PORT)
    oid = other.call("CLIENT", "ID")
    listed = c.call("CLIENT", "LIST", "ID", str(oid), "12345678", str(me))
    ids = [int(re.match(r"id=(\d+) ", l).group(1)) for l in listed.splitlines()]
    assert ids == [oid, me]
    normal = c.call("CLIENT", "LIST", "TYPE", "normal")
    assert "id=%d " % me in normal and "id=%d " % oid in normal
    c.close()
    other.close()


def test_client_kill_errors():
    assert_same([("CLIENT", "KILL"), ("CLIENT", "KILL", "1.2.3.4:5"),
                 ("CLIENT", "KILL", "ID", "x"), ("CLIENT", "KILL", "ID", "0"),
                 ("CLIENT", "KILL", "ID", "-1"), ("CLIENT", "KILL", "ID", "99999999"),
                 ("CLIENT", "KILL", "TYPE", "foo"), ("CLIENT", "KILL", "USER", "nobody"),
                 ("CLIENT", "KILL", "MAXAGE", "5"), ("CLIENT", "KILL", "ID", "1", "ID"),
                 ("CLIENT", "KILL", "foo", "bar"), ("CLIENT", "KILL", "SKIPME", "maybe"),
                 ("CLIENT", "KILL", "ADDR", "1.1.1.1:1"), ("CLIENT", "KILL", "LADDR", "1.1.1.1:1"),
                 ("CLIENT", "KILL", "TYPE", "master"), ("CLIENT", "KILL", "USER", "default",
                                                         "ID", "99999999")])


def closed(conn):
    conn.sock.settimeout(2.0)
    try:
        conn.send("PING")
        return conn.sock.recv(64) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


@pytest.fixture
def private_kvd():
    with Kvd() as k:
        yield k


def test_client_kill_forms(private_kvd):
    port = private_kvd.port
    me, victim, bystander = Conn(port), Conn(port), Conn(port)
    vid = victim.call("CLIENT", "ID")
    assert me.raw("CLIENT", "KILL", "ID", str(vid)) == b":1\r\n"
    assert closed(victim)
    # Old form by address: +OK, and the victim goes.
    victim = Conn(port)
    vaddr = pairs_line(victim.call("CLIENT", "INFO"))["addr"]
    assert me.raw("CLIENT", "KILL", vaddr) == b"+OK\r\n"
    assert closed(victim)
    # SKIPME yes (default) spares the caller; TYPE normal takes the others.
    assert me.raw("CLIENT", "KILL", "TYPE", "normal") == b":1\r\n"
    assert closed(bystander)
    assert me.raw("PING") == b"+PONG\r\n"
    # LADDR with SKIPME no takes the caller too, after its reply.
    laddr = "127.0.0.1:%d" % port
    assert me.raw("CLIENT", "KILL", "LADDR", laddr, "SKIPME", "no") == b":1\r\n"
    assert closed(me)


def pairs_line(line):
    return dict(kv.split("=", 1) for kv in line.strip().split(" "))


def test_client_help_lines_are_redis_lines():
    k = Conn(KVD_PORT).call("CLIENT", "HELP")
    r = Conn(REDIS_PORT).call("CLIENT", "HELP")
    assert k[0] == r[0] and k[-2:] == r[-2:]
    # kvd leaves out what it does not implement (PAUSE, UNPAUSE, REPLY, TRACKING).
    it = iter(r)
    assert all(line in it for line in k), "kvd's lines must be Redis's, in Redis's order"
    assert_same([("CLIENT", "HELP", "x")])


# ------------------------------------------------------------------ CONFIG

def test_config_help_and_errors():
    assert_same([("CONFIG",), ("CONFIG", "HELP"), ("CONFIG", "foo"), ("CONFIG", "GET"),
                 ("CONFIG", "SET"), ("CONFIG", "SET", "timeout"),
                 ("CONFIG", "SET", "timeout", "0", "maxclients"),
                 ("CONFIG", "SET", "nosuch-param", "1"),
                 ("CONFIG", "SET", "timeout", "x", "nosuch-param", "1"),
                 ("CONFIG", "SET", "timeout", "0", "TIMEOUT", "1"),
                 ("CONFIG", "SET", "time*", "0"), ("CONFIG", "RESETSTAT", "x"),
                 ("CONFIG", "GET", "nosuch-param"), ("CONFIG", "GET", "")])


def test_config_get_matches_redis():
    assert_same([("CONFIG", "GET", "maxclients"), ("CONFIG", "GET", "MAXCLIENTS"),
                 ("CONFIG", "GET", "timeout"), ("config", "get", "databases")])
    k = pairs(Conn(KVD_PORT).call("CONFIG", "GET", "maxclients", "timeout", "timeout", "maxcl*"))
    assert k == {"maxclients": "10000", "timeout": "0"}


def test_config_set_is_atomic(private_kvd):
    c = Conn(private_kvd.port)
    assert c.raw("CONFIG", "SET", "timeout", "77") == b"+OK\r\n"
    assert c.call("CONFIG", "GET", "timeout") == ["timeout", "77"]
    reply = c.call("CONFIG", "SET", "timeout", "5", "loglevel", "bogus")
    assert isinstance(reply, Err) and "'loglevel'" in reply
    assert c.call("CONFIG", "GET", "timeout") == ["timeout", "77"]
    assert c.raw("CONFIG", "SET", "timeout", "0", "loglevel", "notice") == b"+OK\r\n"
    assert c.call("CONFIG", "GET", "timeout") == ["timeout", "0"]


def test_config_rewrite_is_refused_honestly(private_kvd):
    reply = Conn(private_kvd.port).call("CONFIG", "REWRITE")
    assert reply == "ERR Rewriting config file: Operation not supported"


def test_config_resetstat(private_kvd):
    c = Conn(private_kvd.port)
    c.call("CONFIG", "RESETSTAT")  # forget the harness's start-up PINGs
    for _ in range(3):
        c.call("PING")
    c.call("GET")  # a rejected call and an error
    before = info_fields(c.call("INFO", "stats", "commandstats", "errorstats"))
    assert before["total_commands_processed"] == "4"
    assert before["cmdstat_ping"].startswith("calls=3,")
    assert "rejected_calls=1," in before["cmdstat_get"]
    assert before["errorstat_ERR"] == "count=1"
    assert c.raw("CONFIG", "RESETSTAT") == b"+OK\r\n"
    after = info_fields(c.call("INFO", "stats", "commandstats", "errorstats"))
    assert after["total_commands_processed"] == "1"  # RESETSTAT itself
    assert "cmdstat_ping" not in after and "errorstat_ERR" not in after
    assert after["total_error_replies"] == "0"


# ----------------------------------------------------------------- COMMAND

def kvd_names():
    return Conn(KVD_PORT).call("COMMAND", "LIST")


def test_command_info_rows_match_redis():
    """Every row kvd registers reports what Redis 7.0.15 reports for it."""
    k, r = Conn(KVD_PORT), Conn(REDIS_PORT)
    names = kvd_names()
    assert "command|info" in names and "ping" in names
    wrong = []
    for name in names:
        mine, theirs = k.call("COMMAND", "INFO", name)[0], r.call("COMMAND", "INFO", name)[0]
        if theirs is None:
            wrong.append("%s: not a Redis 7.0 command" % name)
            continue
        # Containers: kvd may lack subcommands; the ones it has must match.
        redis_subs = {row[0]: row for row in theirs[9]}
        wrong += ["%s: kvd %r, redis %r" % (sub[0], sub, redis_subs.get(sub[0]))
                  for sub in mine[9] if sub != redis_subs.get(sub[0])]
        if mine[:9] != theirs[:9]:
            wrong.append("%s: kvd %r, redis %r" % (name, mine[:9], theirs[:9]))
    assert not wrong, "\n".join(wrong)


def test_command_info_raw_bytes():
    assert_same([("COMMAND", "INFO", "get", "nosuch", "PING"), ("COMMAND", "INFO", "config|get"),
                 ("COMMAND", "INFO", "set", "del", "select", "flushall", "info", "time"),
                 ("COMMAND", "INFO", "config|get|x"), ("COMMAND", "INFO", "get|x"),
                 ("COMMAND", "INFO", "client|id", "client|kill", "command|getkeys")])


def test_command_docs_match_redis():
    k, r = Conn(KVD_PORT), Conn(REDIS_PORT)
    assert k.call("COMMAND", "DOCS", "nosuch") == []
    mine = pairs(k.call("COMMAND", "DOCS"))
    theirs = pairs(r.call("COMMAND", "DOCS"))
    assert set(mine) == {n for n in kvd_names() if "|" not in n}

    wrong = []

    def check(name, d, ref):
        d, ref = pairs(d), pairs(ref)
        wrong.extend("%s %s: kvd %r, redis %r" % (name, f, d.get(f), ref.get(f))
                     for f in ("summary", "since", "group", "complexity") if d.get(f) != ref.get(f))
        for sub, sd in pairs(d.get("subcommands", [])).items():
            check(sub, sd, pairs(ref["subcommands"])[sub])

    for name, d in mine.items():
        check(name, d, theirs[name])
    assert not wrong, "\n".join(wrong)
    got = pairs(k.call("COMMAND", "DOCS", "config|get", "get"))
    assert set(got) == {"config|get", "get"}


def test_command_count_list_and_filters():
    k = Conn(KVD_PORT)
    rows = k.call("COMMAND")
    assert k.call("COMMAND", "COUNT") == len(rows)
    names = k.call("COMMAND", "LIST")
    redis_names = set(Conn(REDIS_PORT).call("COMMAND", "LIST"))
    assert set(names) <= redis_names
    assert sorted(r[0] for r in rows) == sorted(n for n in names if "|" not in n)
    conn = k.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection")
    assert {"ping", "echo", "client|id", "command|info"} <= set(conn) and "get" not in conn
    assert k.call("COMMAND", "LIST", "FILTERBY", "pattern", "CONFIG|*") == \
        ["config|" + s for s in ("resetstat", "rewrite", "get", "help", "set")]
    assert_same([("COMMAND", "LIST", "FILTERBY", "MODULE", "x"),
                 ("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"),
                 ("COMMAND", "LIST", "FILTERBY"), ("COMMAND", "LIST", "FILTERBY", "foo", "x"),
                 ("COMMAND", "LIST", "x"), ("COMMAND", "COUNT", "x"), ("COMMAND", "foo"),
                 ("COMMAND", "HELP"), ("COMMAND", "HELP", "x")])


def test_command_getkeys_matches_redis():
    assert_same([("COMMAND", "GETKEYS"), ("COMMAND", "GETKEYS", "get"),
                 ("COMMAND", "GETKEYS", "get", "a"), ("COMMAND", "GETKEYS", "ping", "x"),
                 ("COMMAND", "GETKEYS", "nosuch", "a"), ("COMMAND", "GETKEYS", "set", "a"),
                 ("COMMAND", "GETKEYS", "set", "a", "b", "EX", "10"),
                 ("COMMAND", "GETKEYS", "del", "a", "b", "c"),
                 ("COMMAND", "GETKEYS", "exists", "a", "b"),
                 ("COMMAND", "GETKEYS", "config", "get", "x"),
                 ("COMMAND", "GETKEYS", "client", "kill", "x"),
                 ("COMMAND", "GETKEYS", "config", "nosuch", "x"),
                 ("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"),
                 ("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "GET"),
                 ("COMMAND", "GETKEYSANDFLAGS", "get", "a"),
                 ("COMMAND", "GETKEYSANDFLAGS", "del", "a", "b"),
                 ("COMMAND", "GETKEYSANDFLAGS", "ping", "x"),
                 ("COMMAND", "GETKEYSANDFLAGS", "sort", "a", "by", "w*", "get", "x*",
                  "store", "d"),
                 ("COMMAND", "GETKEYSANDFLAGS", "sort", "a", "store", "d1", "store", "d2"),
                 ("COMMAND", "GETKEYSANDFLAGS", "sort_ro", "a"),
                 ("COMMAND", "GETKEYSANDFLAGS", "zunionstore", "d", "2", "a", "b"),
                 ("COMMAND", "GETKEYSANDFLAGS", "lmove", "a", "b", "left", "right"),
                 ("COMMAND", "GETKEYSANDFLAGS", "bitfield", "k", "set", "u8", "0", "1")])


# -------------------------------------------------------------------- INFO

def info_fields(text):
    out = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            key, _, value = line.partition(":")
            out[key] = value
    return out


def info_sections(text):
    """[(title, [field names])] in order."""
    sections = []
    for line in text.split("\r\n"):
        if line.startswith("# "):
            sections.append((line[2:], []))
        elif line:
            sections[-1][1].append(line.partition(":")[0])
    return sections


KVD_ONLY_FIELDS = {"kvd_version", "shards", "kvd_commands_local", "kvd_commands_routed",
                   "kvd_commands_cross_shard"}


def test_info_default_sections_and_fields_match_redis():
    k, r = Conn(KVD_PORT), Conn(REDIS_PORT)
    for args in (("INFO",), ("INFO", "default"), ("INFO", "all"), ("INFO", "everything")):
        mine, theirs = info_sections(k.call(*args)), info_sections(r.call(*args))
        assert [t for t, _ in mine] == [t for t, _ in theirs], args
        for (title, fields), (_, ref) in zip(mine, theirs):
            if title in ("Keyspace", "Commandstats", "Errorstats", "Latencystats"):
                continue  # contents depend on what ran
            assert [f for f in fields if f not in KVD_ONLY_FIELDS] == ref, title


def test_info_section_selection():
    assert_same([("INFO", "nosuch"), ("INFO", "cluster"), ("INFO", "CLUSTER", "nosuch"),
                 ("INFO", "modules"), ("INFO", "module_list")])
    # Redis 7.0 tracks per-command latency percentiles by default; kvd does
    # not yet, so its Latencystats section is the heading alone.
    assert Conn(KVD_PORT).call("INFO", "latencystats") == "# Latencystats\r\n"
    k, r = Conn(KVD_PORT), Conn(REDIS_PORT)
    for args in (("INFO", "cpu", "Clients"), ("INFO", "clients", "cpu", "clients"),
                 ("INFO", "server", "default"), ("INFO", "keyspace", "replication")):
        assert [t for t, _ in info_sections(k.call(*args))] == \
            [t for t, _ in info_sections(r.call(*args))], args
    # A single section's bulk ends with one CRLF; sections are separated by a blank line.
    text = k.call("INFO", "replication", "cluster")
    assert text.endswith("cluster_enabled:0\r\n") and "\r\n\r\n# Cluster\r\n" in text


def test_info_values():
    k = Conn(KVD_PORT)
    f = info_fields(k.call("INFO", "everything"))
    assert f["redis_version"] == "7.0.15" and f["redis_mode"] == "standalone"
    assert re.fullmatch(r"[0-9a-f]{40}", f["run_id"]) and re.fullmatch(r"[0-9a-f]{40}",
                                                                      f["master_replid"])
    assert f["tcp_port"] == str(KVD_PORT) and f["role"] == "master"
    assert int(f["used_memory"]) > 0 and int(f["used_memory_rss"]) > 0
    assert re.fullmatch(r"[\d.]+[BKMGTP]", f["used_memory_human"])
    assert int(f["used_memory_peak"]) >= int(f["used_memory"])
    assert f["mem_allocator"].startswith(("jemalloc-", "libc"))
    assert int(f["connected_clients"]) >= 1 and f["maxclients"] == "10000"
    assert f["loading"] == "0" and f["aof_enabled"] in ("0", "1")
    assert re.fullmatch(r"\d+\.\d{6}", f["used_cpu_user"])
    assert f["cluster_enabled"] == "0" and f["connected_slaves"] == "0"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", f["kvd_version"]) and f["shards"] == "1"
    assert f["run_id"] == info_fields(k.call("INFO", "server"))["run_id"]


def test_info_keyspace_and_stats(private_kvd):
    c = Conn(private_kvd.port)
    c.call("SELECT", "2")
    c.call("SET", "x", "1")
    c.call("SET", "y", "2")
    c.call("SELECT", "0")
    c.call("SET", "z", "3")
    assert c.call("INFO", "keyspace") == ("# Keyspace\r\n"
                                          "db0:keys=1,expires=0,avg_ttl=0\r\n"
                                          "db2:keys=2,expires=0,avg_ttl=0\r\n")
    c.call("GET", "z")
    c.call("GET", "nosuch")
    f = info_fields(c.call("INFO", "stats"))
    assert f["keyspace_hits"] == "1" and f["keyspace_misses"] == "1"
    c.call("FLUSHALL")
    assert c.call("INFO", "keyspace") == "# Keyspace\r\n"
    cs = info_fields(c.call("INFO", "commandstats"))
    assert re.fullmatch(r"calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,"
                        r"failed_calls=0", cs["cmdstat_set"])
    assert "cmdstat_info" in cs and "cmdstat_flushall" in cs


def test_flushall_empties_every_database(private_kvd):
    c = Conn(private_kvd.port)
    for db in ("0", "7", "15"):
        c.call("SELECT", db)
        c.call("SET", "k", "v")
    assert c.raw("FLUSHALL", "SYNC") == b"+OK\r\n"
    for db in ("0", "7", "15"):
        c.call("SELECT", db)
        assert c.call("DBSIZE") == 0


def test_cluster_keyslot_matches_redis_cluster_slots():
    """CLUSTER KEYSLOT answers as a Redis Cluster node does (documented values)."""
    k = Conn(KVD_PORT)
    assert k.call("CLUSTER", "KEYSLOT", "somekey") == 11058
    assert k.call("CLUSTER", "KEYSLOT", "foo{hash_tag}") == 2515
    assert k.call("CLUSTER", "KEYSLOT", "bar{hash_tag}") == 2515

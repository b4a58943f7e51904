"""RESP2 over real sockets: malformed input gets Redis's exact bytes and
close behaviour (compared with Debian's redis-server in the same run), and
the server keeps serving everyone else."""
import socket
import time

import pytest
import redis

from harness import Kvd, raw, raw_closed, wait_for

MALFORMED = [
    b"*abc\r\n",
    b"*3\r\n$3\r\nSET\r\n+foo\r\n",
    b"*1\r\n$-5\r\n",
    b"*1\r\n$abc\r\n",
    b"*1\r\n$4294967296000\r\n",
    b'SET "foo bar\r\n',
    b"SET 'foo\r\n",
    b'GET "a"b\r\n',
    b"*-10\r\nPING\r\n",
    b"*2147483648\r\n",
]


@pytest.mark.parametrize("payload", MALFORMED, ids=lambda p: repr(p)[:40])
def test_malformed_matches_redis(payload, kvd_port, redis_port):
    got, got_closed = raw_closed(kvd_port, payload, read_timeout=1.0)
    want, want_closed = raw_closed(redis_port, payload, read_timeout=1.0)
    assert got == want
    assert got_closed == want_closed


def test_server_survives_garbage(kvd_port):
    for payload in MALFORMED:
        raw(kvd_port, payload, read_timeout=0.3)
    assert redis.Redis(port=kvd_port).ping()


def test_inline_commands(kvd_port):
    assert raw(kvd_port, b"PING\r\n", 0.5) == b"+PONG\r\n"
    assert raw(kvd_port, b'SET inl "a b\\x41"\nGET inl\n', 0.5) == b"+OK\r\n$4\r\na bA\r\n"
    assert raw(kvd_port, b"\r\n\r\nPING\r\n", 0.5) == b"+PONG\r\n"


def test_big_pipeline_in_one_write(kvd_port):
    n = 20000
    payload = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n" % (len(b"k%d" % i), i)
                       for i in range(n))
    payload += b"*1\r\n$4\r\nPING\r\n"
    with socket.create_connection(("127.0.0.1", kvd_port), timeout=10) as s:
        s.sendall(payload)
        want = b"+OK\r\n" * n + b"+PONG\r\n"
        got = b""
        while len(got) < len(want):
            b = s.recv(1 << 20)
            assert b, "connection closed early"
            got += b
    assert got == want


def test_binary_safe_values(kvd_port):
    r = redis.Redis(port=kvd_port)
    blob = bytes(range(256)) * 64 + b"\r\n\x00end"
    r.set(b"bin\x00key\r\n", blob)
    assert r.get(b"bin\x00key\r\n") == blob


def test_large_value_in_pieces(kvd_port):
    r = redis.Redis(port=kvd_port)
    big = b"x" * (8 * 1024 * 1024 + 17)
    r.set("big", big)
    assert r.get("big") == big
    r.delete("big")


def test_bulk_over_proto_max_bulk_len():
    with Kvd(extra="proto-max-bulk-len: 1mb\n") as k:
        out, closed = raw_closed(k.port, b"*2\r\n$3\r\nGET\r\n$2000000\r\n", 1.0)
        assert out == b"-ERR Protocol error: invalid bulk length\r\n"
        assert closed
        assert redis.Redis(port=k.port).ping()


def test_query_buffer_limit_closes_client():
    with Kvd(extra="client-query-buffer-limit: 1mb\n") as k:
        with socket.create_connection(("127.0.0.1", k.port), timeout=5) as s:
            # A bulk announced within proto-max-bulk-len but bigger than the query limit.
            s.sendall(b"*2\r\n$3\r\nGET\r\n$3000000\r\n")
            closed = False
            try:
                for _ in range(64):
                    s.sendall(b"y" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            if not closed:
                s.settimeout(3)
                try:
                    closed = s.recv(100) == b""
                except ConnectionResetError:
                    closed = True
            assert closed
        assert "max query buffer length" in k.read_log()
        assert redis.Redis(port=k.port).ping()


def test_maxclients():
    with Kvd(extra="maxclients: 2\n") as k:
        # The harness's readiness probe must be gone before we count clients.
        assert wait_for(lambda: b"connected_clients:1\r\n" in raw(k.port, b"INFO clients\r\n", 0.3))
        time.sleep(0.3)  # and the probe's own close processed
        a = socket.create_connection(("127.0.0.1", k.port))
        b = socket.create_connection(("127.0.0.1", k.port))
        a.sendall(b"PING\r\n")
        assert a.recv(100) == b"+PONG\r\n"
        b.sendall(b"PING\r\n")
        assert b.recv(100) == b"+PONG\r\n"
        c = socket.create_connection(("127.0.0.1", k.port), timeout=3)
        assert c.recv(100) == b"-ERR max number of clients reached\r\n"
        for s in (a, b, c):
            s.close()


def test_idle_timeout():
    with Kvd(extra="timeout: 1\n") as k:
        s = socket.create_connection(("127.0.0.1", k.port), timeout=5)
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"
        assert s.recv(100) == b""  # closed after ~1 s idle
        s.close()


def test_reading_resumes_after_big_reply_written_at_once(kvd_port):
    """A reply above the 1 MB pause threshold that the socket takes in one
    write must not leave the connection deaf (regression: it stopped reading)."""
    r = redis.Redis(port=kvd_port, socket_timeout=5)
    for size in (1024 * 1024 + 1, 1536 * 1024, 4 * 1024 * 1024):
        r.set("big2", b"z" * size)
        assert len(r.get("big2")) == size
        assert r.ping()
        assert r.get("big2") is not None
    r.delete("big2")

"""harness.py - start and stop real kvd and redis-server processes for tests.

Every server gets a fresh temporary directory and a free loopback port.
Nothing here talks to any address but 127.0.0.1.
"""
import os
import signal
import socket
import subprocess
import tempfile
import time

KVD_BIN = os.environ.get("KVD_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "kvd")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def wait_for(pred, timeout=10.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


class Kvd:
    """A kvd master with its workers, configured by a dict of YAML lines."""

    def __init__(self, extra="", shards=1, port=None):
        self.dir = tempfile.mkdtemp(prefix="kvd-test-")
        self.port = port or free_port()
        self.conf = os.path.join(self.dir, "kvd.yaml")
        self.log = os.path.join(self.dir, "kvd.log")
        self.pidfile = os.path.join(self.dir, "kvd.pid")
        self.shards = shards
        self.extra = extra
        self.write_config()
        self.proc = None

    def config_text(self, loglevel="notice", extra=None):
        return (f'listen: ["127.0.0.1:{self.port}"]\n'
                f"shards: {self.shards}\n"
                f"dir: {self.dir}\n"
                f"pidfile: {self.pidfile}\n"
                f"log:\n  file: {self.log}\n  level: {loglevel}\n"
                + (self.extra if extra is None else extra))

    def write_config(self, text=None):
        with open(self.conf, "w") as f:
            f.write(text if text is not None else self.config_text())

    def start(self, env=None):
        self.proc = subprocess.Popen([KVD_BIN, "-c", self.conf], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if not wait_port(self.port):
            self.stop()
            raise RuntimeError("kvd did not start; log:\n" + self.read_log())
        return self

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def worker_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)],
                             capture_output=True, text=True).stdout
        return sorted(int(p) for p in out.split())

    def signal(self, signo):
        os.kill(self.proc.pid, signo)

    def kill_worker(self, rng):
        """SIGKILL a random worker (chosen by rng) and wait until the master
        has started another and the port answers again."""
        pids = self.worker_pids()
        assert pids, "no worker to kill"
        os.kill(rng.choice(pids), signal.SIGKILL)
        assert wait_for(lambda: self.worker_pids() and self.worker_pids() != pids, 10), \
            self.read_log()[-3000:]
        assert wait_port(self.port, 10), self.read_log()[-2000:]

    def stop(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class RedisServer:
    """Debian's redis-server, the reference for replies."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="redis-ref-")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir,
             "--daemonize", "no", "--logfile", os.path.join(self.dir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port):
            raise RuntimeError("redis-server did not start")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def raw(port, data, read_timeout=2.0):
    """Send raw bytes, return everything the server sends until it closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except socket.timeout:
            pass
        return b"".join(chunks)


def raw_closed(port, data, read_timeout=2.0):
    """Like raw(), also telling whether the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        s.sendall(data)
        chunks, closed = [], False
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    closed = True
                    break
                chunks.append(b)
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
        return b"".join(chunks), closed

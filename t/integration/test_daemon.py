"""The master/worker daemon: signals, reload, respawn, pid file, sd_notify."""
import os
import signal
import socket
import subprocess
import time

import redis

from harness import KVD_BIN, Kvd, wait_for, wait_port


def client(k):
    return redis.Redis(port=k.port, socket_timeout=5)


def test_sigterm_is_graceful_and_removes_pidfile():
    k = Kvd().start()
    assert os.path.exists(k.pidfile)
    assert int(open(k.pidfile).read()) == k.proc.pid
    client(k).set("a", "1")
    assert k.stop() == 0
    assert not os.path.exists(k.pidfile)
    assert "kvd stopped" in k.read_log()


def test_sigint_is_graceful():
    k = Kvd().start()
    k.signal(signal.SIGINT)
    assert k.proc.wait(15) == 0


def test_sighup_applies_live_settings():
    with Kvd() as k:
        r = client(k)
        assert r.config_get("loglevel")["loglevel"] == "notice"
        k.write_config(k.config_text(loglevel="debug"))
        k.signal(signal.SIGHUP)
        assert wait_for(lambda: r.config_get("loglevel")["loglevel"] == "debug")
        assert "configuration reloaded" in k.read_log()


def test_sighup_with_bad_config_keeps_serving():
    with Kvd() as k:
        r = client(k)
        r.set("k", "v")
        k.write_config(k.config_text() + "shards: [oops\n")
        k.signal(signal.SIGHUP)
        assert wait_for(lambda: "reload failed" in k.read_log())
        assert r.get("k") == b"v"
        assert k.proc.poll() is None
        # and a later good config is taken again
        k.write_config(k.config_text(loglevel="warning"))
        k.signal(signal.SIGHUP)
        assert wait_for(lambda: r.config_get("loglevel")["loglevel"] == "warning")


def test_sighup_restart_only_setting_is_reported():
    with Kvd() as k:
        k.write_config(k.config_text(extra="databases: 4\n"))
        k.signal(signal.SIGHUP)
        assert wait_for(lambda: "need a restart" in k.read_log())
        assert client(k).config_get("databases")["databases"] == "16"


def test_killed_worker_is_respawned():
    with Kvd() as k:
        r = client(k)
        r.set("before", "1")
        [w] = k.worker_pids()
        os.kill(w, signal.SIGKILL)
        assert wait_for(lambda: k.worker_pids() not in ([], [w]))
        assert wait_port(k.port)
        assert redis.Redis(port=k.port).ping()
        assert "killed by signal 9" in k.read_log()


def test_crash_loop_backs_off():
    with Kvd() as k:
        for _ in range(3):
            pids = k.worker_pids()
            assert wait_for(lambda: len(k.worker_pids()) == 1)
            os.kill(k.worker_pids()[0], signal.SIGKILL)
            time.sleep(0.05)
        assert wait_for(lambda: "respawning in 200 ms" in k.read_log()
                        or "respawning in 400 ms" in k.read_log(), timeout=5)
        assert wait_port(k.port)
        del pids


def test_sigusr1_reopens_log():
    with Kvd() as k:
        os.rename(k.log, k.log + ".1")
        k.signal(signal.SIGUSR1)
        assert wait_for(lambda: os.path.exists(k.log))
        assert wait_for(lambda: "log files reopened" in k.read_log())


def test_kvd_s_reload_and_stop():
    k = Kvd().start()
    k.write_config(k.config_text(loglevel="verbose"))
    r = subprocess.run([KVD_BIN, "-c", k.conf, "-s", "reload"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert wait_for(lambda: client(k).config_get("loglevel")["loglevel"] == "verbose")
    r = subprocess.run([KVD_BIN, "-c", k.conf, "-s", "stop"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert k.proc.wait(15) == 0


def test_sd_notify_ready():
    path = os.path.join(os.path.dirname(Kvd().conf), "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    k = Kvd().start(env=env)
    try:
        msg = sock.recv(256).decode()
        assert "READY=1" in msg
        assert f"MAINPID={k.proc.pid}" in msg
        k.signal(signal.SIGHUP)
        msgs = [sock.recv(256).decode(), sock.recv(256).decode()]
        assert "RELOADING=1" in msgs[0] and "READY=1" in msgs[1]
    finally:
        k.stop()
        sock.close()


def test_defaults_without_config_file():
    """kvd with no -c serves on 127.0.0.1:6379 unless that port is taken."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 6379)) == 0:
            return  # something else owns 6379 on this machine
    p = subprocess.Popen([KVD_BIN], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_port(6379)
        assert redis.Redis(port=6379).ping()
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(15) == 0

"""The command line: -v, -h, -t, -s."""
import os
import subprocess
import tempfile

from harness import KVD_BIN


def run(*args):
    return subprocess.run([KVD_BIN, *args], capture_output=True, text=True, timeout=10)


def test_version():
    r = run("-v")
    assert r.returncode == 0
    assert r.stdout.startswith("kvd version ")


def test_help():
    r = run("-h")
    assert r.returncode == 0
    assert "-c FILE" in r.stdout and "-s SIGNAL" in r.stdout


def test_bad_option():
    r = run("-x")
    assert r.returncode == 1


def test_t_good_config():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "ok.yaml")
    with open(path, "w") as f:
        f.write('listen: ["127.0.0.1:7777"]\nshards: 1\n')
    r = run("-t", "-c", path)
    assert r.returncode == 0, r.stderr
    assert "test is successful" in r.stdout


def test_t_bad_config_reports_file_line_column():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "bad.yaml")
    with open(path, "w") as f:
        f.write('listen: ["127.0.0.1:7777"]\nshards: 0\n')
    r = run("-t", "-c", path)
    assert r.returncode == 1
    assert f"{path}:2:" in r.stderr, r.stderr
    assert "shards" in r.stderr


def test_t_unknown_key():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "bad.yaml")
    with open(path, "w") as f:
        f.write('shards: 1\nshardz: 2\n')
    r = run("-t", "-c", path)
    assert r.returncode == 1
    assert f"{path}:2:1:" in r.stderr, r.stderr
    assert "shardz" in r.stderr


def test_t_missing_file():
    r = run("-t", "-c", "/nonexistent/kvd.yaml")
    assert r.returncode == 1
    assert "/nonexistent/kvd.yaml" in r.stderr


def test_s_without_pidfile():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "nopid.yaml")
    with open(path, "w") as f:
        f.write('shards: 1\n')
    r = run("-c", path, "-s", "reload")
    assert r.returncode == 1
    assert "pidfile" in r.stderr


def test_s_bad_signal_name():
    r = run("-s", "explode")
    assert r.returncode == 1


def test_port_in_use_is_reported_on_stderr():
    """With a log file configured, a start-up failure still reaches the terminal."""
    import socket
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    d = tempfile.mkdtemp()
    path = os.path.join(d, "busy.yaml")
    with open(path, "w") as f:
        f.write(f'listen: ["127.0.0.1:{port}"]\nlog:\n  file: {d}/kvd.log\n')
    try:
        r = run("-c", path)
    finally:
        blocker.close()
    assert r.returncode == 1
    assert "Address already in use" in r.stderr
    assert "Address already in use" in open(os.path.join(d, "kvd.log")).read()


def test_several_shards_validate():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "shards.yaml")
    with open(path, "w") as f:
        f.write('listen: ["127.0.0.1:7777"]\nshards: 4\n')
    r = run("-t", "-c", path)
    assert r.returncode == 0, r.stderr

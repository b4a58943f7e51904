"""Shared servers: one kvd and one reference redis-server per test session.

They start before collection, so test modules may read KVD_PORT and
REDIS_PORT from the environment at import time.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Kvd, RedisServer  # noqa: E402

_servers = {}


def pytest_configure(config):
    _servers["kvd"] = Kvd().start()
    _servers["redis"] = RedisServer().start()
    os.environ["KVD_PORT"] = str(_servers["kvd"].port)
    os.environ["REDIS_PORT"] = str(_servers["redis"].port)


def pytest_unconfigure(config):
    for s in _servers.values():
        s.stop()


@pytest.fixture
def kvd_server():
    return _servers["kvd"]


@pytest.fixture
def kvd_port():
    return _servers["kvd"].port


@pytest.fixture
def redis_port():
    return _servers["redis"].port

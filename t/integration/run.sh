#!/bin/bash
# t/integration/run.sh - integration tests against the real kvd binary.
#
# Starts one shared kvd and one reference redis-server (Debian's 7.0) on
# free ports, exports KVD_PORT and REDIS_PORT, and runs the pytest suite in
# this directory.  Tests that need a private server (signals, reload,
# limits) start their own through harness.py.  Extra arguments go to
# pytest, e.g.  t/integration/run.sh -k protocol
set -u
here="$(cd "$(dirname "$0")" && pwd)"
: "${KVD_BIN:=${KVD_TOP_BUILDDIR:-$here/../..}/kvd}"
export KVD_BIN
PY=/usr/bin/python3
if ! $PY -c 'import pytest, redis' 2>/dev/null; then
    echo "integration: python3-pytest and python3-redis are required (apt-get install python3-pytest python3-redis)"
    exit 1
fi
if [ ! -x "$KVD_BIN" ]; then
    echo "integration: kvd binary not found at $KVD_BIN"
    exit 1
fi
exec $PY -m pytest -q -p no:cacheprovider "$here" "$@"

#!/bin/bash
# tools/bench-restart.sh - recovery time from the append-only file: load N
# keys (SET key:<i> <16-byte value>) into kvd (shards 1 and 2) and into
# Debian's redis-server, each with appendonly yes (default rewrite
# settings), stop it gracefully, start it again and time how long until
# DBSIZE answers N.
#
# Usage: tools/bench-restart.sh [-b KVD_BIN] [-n KEYS] [-S "1 2"]
set -euo pipefail
KVD_BIN="$(cd "$(dirname "$0")/.." && pwd)/kvd"
KEYS=5000000
SHARDS_LIST="1 2"
while getopts "b:n:S:h" opt; do
    case "$opt" in
    b) KVD_BIN="$OPTARG" ;; n) KEYS="$OPTARG" ;; S) SHARDS_LIST="$OPTARG" ;;
    *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 1 ;;
    esac
done
WORK="$(mktemp -d /tmp/kvd-bench-restart.XXXXXX)"
PORT=$((30000 + RANDOM % 10000))
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

python3 -c "
import sys
out = sys.stdout.buffer
for i in range($KEYS):
    k = b'key:%d' % i
    out.write(b'*3\r\n\$3\r\nSET\r\n\$%d\r\n%s\r\n\$16\r\nvalue-%010d\r\n' % (len(k), k, i))
" >"$WORK/load.resp"

start() { # start redis|kvd:N
    if [ "$1" = redis ]; then
        redis-server --port "$PORT" --save '' --appendonly yes --dir "$WORK/data" \
            >"$WORK/server.log" 2>&1 &
    else
        printf 'listen:\n  - 127.0.0.1:%s\nshards: %s\ndir: %s/data\npidfile: %s/kvd.pid\nappendonly: yes\n' \
            "$PORT" "${1#kvd:}" "$WORK" "$WORK" >"$WORK/kvd.yaml"
        "$KVD_BIN" -c "$WORK/kvd.yaml" >"$WORK/server.log" 2>&1 &
    fi
    PID=$!
}

wait_keys() { # seconds until DBSIZE answers $KEYS
    local t0 t1 n
    t0=$(date +%s.%N)
    for _ in $(seq 100000); do
        n=$(redis-cli -p "$PORT" dbsize 2>/dev/null || true)
        [ "$n" = "$KEYS" ] && break
        sleep 0.02
    done
    t1=$(date +%s.%N)
    [ "$n" = "$KEYS" ] || { echo "bench-restart: DBSIZE is '$n', not $KEYS" >&2; exit 1; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

stop() {
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    PID=""
}

printf '%-10s %10s %14s %12s\n' server keys aof-bytes restart-s
for srv in redis $(for n in $SHARDS_LIST; do echo "kvd:$n"; done); do
    rm -rf "$WORK/data"
    mkdir -p "$WORK/data"
    start "$srv"
    for _ in $(seq 200); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
    redis-cli -p "$PORT" --pipe <"$WORK/load.resp" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    stop
    bytes=$(du -sb "$WORK/data" | awk '{ print $1 }')
    start "$srv"
    secs=$(wait_keys)
    printf '%-10s %10s %14s %12s\n' "$srv" "$KEYS" "$bytes" "$secs"
    stop
done

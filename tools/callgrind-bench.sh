#!/bin/bash
# tools/callgrind-bench.sh - user-space instructions per request, kvd and
# redis-server, under valgrind --tool=callgrind.
#
# Wall-clock numbers on a shared 2-core machine are noisy; instruction
# counts are not.  This starts each server under callgrind (kvd with
# shards: 1: the worker is traced as a child of the master), warms it up,
# then for every test and pipeline depth zeroes the counters, runs
# redis-benchmark, dumps the counters and prints the instructions the
# server executed per request (kernel work is not counted: syscalls are
# the same for both servers, one read and one write per client per loop
# iteration).  The dumps stay in the work directory for callgrind_annotate.
#
# Usage: tools/callgrind-bench.sh [-b KVD_BIN] [-s kvd,redis] [-t set,get]
#            [-P "1 16 64"] [-n REQUESTS] [-c CLIENTS] [-k] [-o DIR]
#   -k keeps DIR (default: a fresh /tmp/kvd-callgrind.XXXXXX, removed)
set -euo pipefail

KVD_BIN="${KVD_BIN:-$(cd "$(dirname "$0")/.." && pwd)/kvd}"
SERVERS="kvd,redis"
TESTS="set,get"
PIPELINES="1 16 64"
REQUESTS=100000
CLIENTS=50
KEEP=0
WORK=""
while getopts "b:s:t:P:n:c:ko:h" opt; do
    case "$opt" in
    b) KVD_BIN="$OPTARG" ;; s) SERVERS="$OPTARG" ;; t) TESTS="$OPTARG" ;;
    P) PIPELINES="$OPTARG" ;; n) REQUESTS="$OPTARG" ;; c) CLIENTS="$OPTARG" ;;
    k) KEEP=1 ;; o) WORK="$OPTARG" ;;
    h) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; *) exit 1 ;;
    esac
done
for tool in valgrind callgrind_control redis-server redis-benchmark redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "callgrind-bench: $tool is required" >&2; exit 1; }
done
if [ -z "$WORK" ]; then WORK="$(mktemp -d /tmp/kvd-callgrind.XXXXXX)"; else mkdir -p "$WORK"; fi
PORT=0
VG_PID=""
stop_server() {
    [ -n "$VG_PID" ] || return 0
    redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || kill "$VG_PID" 2>/dev/null || true
    wait "$VG_PID" 2>/dev/null || true
    VG_PID=""
}
cleanup() { stop_server; [ "$KEEP" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

wait_ping() {
    for _ in $(seq 200); do
        redis-cli -p "$PORT" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "callgrind-bench: server did not answer" >&2
    exit 1
}

# The pid whose counters to read: kvd's worker (the master's only child),
# or redis-server itself.
# A loopback port nothing listens on.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {
    local server="$1"
    PORT="$(free_port)"
    if [ "$server" = kvd ]; then
        printf 'listen: ["127.0.0.1:%s"]\nshards: 1\ndir: %s\nlog:\n  file: %s/kvd.log\n' \
            "$PORT" "$WORK" "$WORK" >"$WORK/kvd.yaml"
        valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$WORK/cg.$server.%p" \
            "$KVD_BIN" -c "$WORK/kvd.yaml" >"$WORK/valgrind.$server.log" 2>&1 &
    else
        valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$server.%p" \
            redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
            --dir "$WORK" --logfile "$WORK/redis.log" >"$WORK/valgrind.$server.log" 2>&1 &
    fi
    VG_PID=$!
    wait_ping
    TARGET="$VG_PID"
    if [ "$server" = kvd ]; then TARGET="$(pgrep -P "$VG_PID" | head -n 1)"; fi
}

printf '# instructions per request (callgrind), %d clients, %d requests per test\n' "$CLIENTS" "$REQUESTS"
printf '| test | P | %s |\n' "${SERVERS//,/ | }"
printf '|---|---|%s\n' "$(for _ in ${SERVERS//,/ }; do printf -- '---|'; done)"
declare -A IR
for server in ${SERVERS//,/ }; do
    start_server "$server"
    redis-benchmark -p "$PORT" -t "$TESTS" -n 20000 -c "$CLIENTS" -P 16 -q >/dev/null
    for test in ${TESTS//,/ }; do
        for pipe in $PIPELINES; do
            redis-cli -p "$PORT" flushall >/dev/null
            callgrind_control -z "$TARGET" >/dev/null 2>&1
            redis-benchmark -p "$PORT" -t "$test" -n "$REQUESTS" -c "$CLIENTS" -P "$pipe" -q >/dev/null
            before="$(ls "$WORK"/cg."$server".* 2>/dev/null | wc -l)"
            callgrind_control -d "$test-P$pipe" "$TARGET" >/dev/null 2>&1
            dump=""
            for _ in $(seq 100); do
                dump="$(ls -t "$WORK"/cg."$server"."$TARGET".* 2>/dev/null | head -n 1 || true)"
                [ "$(ls "$WORK"/cg."$server".* | wc -l)" -gt "$before" ] && break
                sleep 0.1
            done
            ir="$(awk '/^(summary|totals):/ { print $2; exit }' "$dump")"
            IR["$server,$test,$pipe"]="$(awk -v i="$ir" -v n="$REQUESTS" 'BEGIN { printf "%.0f", i / n }')"
        done
    done
    stop_server
done
for test in ${TESTS//,/ }; do
    for pipe in $PIPELINES; do
        row="| $test | $pipe |"
        for server in ${SERVERS//,/ }; do row="$row ${IR[$server,$test,$pipe]} |"; done
        echo "$row"
    done
done
[ "$KEEP" = 1 ] && echo "# dumps in $WORK (callgrind_annotate FILE)"
exit 0

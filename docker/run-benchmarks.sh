#!/bin/bash
# docker/run-benchmarks.sh - kvd against redis-server, same machine, same run.
#
# Local mode (the default; this is what runs where there is no Docker
# engine): starts Debian's redis-server and kvd (shards: 1), each pinned to
# the same single core with taskset, runs redis-benchmark pinned to another
# core, alternates the servers run by run, and prints for each server, test
# and pipeline depth the median over the runs of
#   - requests per second,
#   - p50 and p99 latency (ms),
#   - server CPU time per request (utime+stime of the server's whole
#     process tree, from /proc, divided by the requests),
# followed by kvd/redis ratios.
#
# Usage: docker/run-benchmarks.sh [-b KVD_BIN] [-r RUNS] [-n REQUESTS]
#            [-t TESTS] [-P "1 16 64"] [-c CLIENTS] [-s SERVER_CPU] [-C CLIENT_CPU]
set -euo pipefail

KVD_BIN="${KVD_BIN:-$(cd "$(dirname "$0")/.." && pwd)/kvd}"
RUNS=3
REQUESTS=200000
TESTS="set,get,incr,lpush,hset,zadd,mset"
PIPELINES="1 16 64"
CLIENTS=50
SERVER_CPU=0
CLIENT_CPU=1

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while getopts "b:r:n:t:P:c:s:C:h" opt; do
    case "$opt" in
    b) KVD_BIN="$OPTARG" ;; r) RUNS="$OPTARG" ;; n) REQUESTS="$OPTARG" ;;
    t) TESTS="$OPTARG" ;; P) PIPELINES="$OPTARG" ;; c) CLIENTS="$OPTARG" ;;
    s) SERVER_CPU="$OPTARG" ;; C) CLIENT_CPU="$OPTARG" ;; h) usage 0 ;; *) usage 1 ;;
    esac
done
for tool in redis-server redis-benchmark redis-cli taskset; do
    command -v "$tool" >/dev/null || { echo "run-benchmarks: $tool is required" >&2; exit 1; }
done
[ -x "$KVD_BIN" ] || { echo "run-benchmarks: no kvd binary at $KVD_BIN (use -b)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/kvd-bench.XXXXXX)"
KVD_PORT=$((20000 + RANDOM % 10000))
REDIS_PORT=$((KVD_PORT + 1))
KVD_PID="" REDIS_PID=""
cleanup() {
    [ -n "$KVD_PID" ] && kill "$KVD_PID" 2>/dev/null && wait "$KVD_PID" 2>/dev/null
    [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_ping() {
    for _ in $(seq 100); do
        redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "run-benchmarks: server on port $1 did not answer" >&2
    exit 1
}

start_servers() {
    printf 'listen: ["127.0.0.1:%s"]\nshards: 1\ndir: %s\nlog:\n  file: %s/kvd.log\n' \
        "$KVD_PORT" "$WORK" "$WORK" >"$WORK/kvd.yaml"
    taskset -c "$SERVER_CPU" "$KVD_BIN" -c "$WORK/kvd.yaml" &
    KVD_PID=$!
    taskset -c "$SERVER_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
        --appendonly no --daemonize no --dir "$WORK" --logfile "$WORK/redis.log" &
    REDIS_PID=$!
    wait_ping "$KVD_PORT"
    wait_ping "$REDIS_PORT"
}

# CPU ticks (utime+stime) of a process and all its children, from /proc.
tree_ticks() {
    local pids="$1" total=0 p
    pids="$pids $(pgrep -P "$1" | tr '\n' ' ')"
    for p in $pids; do
        [ -r "/proc/$p/stat" ] || continue
        # Fields 14 and 15 after the ")" that ends the command name.
        total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
    done
    echo "$total"
}

# One measurement: prints "rps p50 p99 cpu_us_per_request".
measure() {
    local port="$1" pid="$2" test="$3" pipe="$4" before after line
    redis-cli -p "$port" flushall >/dev/null
    before="$(tree_ticks "$pid")"
    line="$(taskset -c "$CLIENT_CPU" redis-benchmark -p "$port" -t "$test" -n "$REQUESTS" \
        -c "$CLIENTS" -P "$pipe" --csv 2>/dev/null | tail -n 1)"
    after="$(tree_ticks "$pid")"
    # CSV: "test","rps","avg","min","p50","p95","p99","max"
    echo "$line" | tr -d '"' | awk -F, -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" \
        -v n="$REQUESTS" '{ printf "%s %s %s %.3f\n", $2, $5, $7, t * 1e6 / hz / n }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

start_servers
printf '# kvd %s vs redis-server %s: %d clients, %d requests, %d runs (medians), server on cpu %s, client on cpu %s\n' \
    "$("$KVD_BIN" -v | awk '{print $3}')" "$(redis-server --version | awk '{print $3}' | cut -d= -f2)" \
    "$CLIENTS" "$REQUESTS" "$RUNS" "$SERVER_CPU" "$CLIENT_CPU"
printf '| test | P | server | req/s | p50 ms | p99 ms | CPU us/req |\n|---|---|---|---|---|---|---|\n'
RATIOS=""
for test in ${TESTS//,/ }; do
    for pipe in $PIPELINES; do
        : >"$WORK/kvd.txt"
        : >"$WORK/redis.txt"
        for run in $(seq "$RUNS"); do
            # Alternate which server goes first, so drift hurts both alike.
            if [ $((run % 2)) = 1 ]; then order="kvd redis"; else order="redis kvd"; fi
            for s in $order; do
                if [ "$s" = kvd ]; then measure "$KVD_PORT" "$KVD_PID" "$test" "$pipe" >>"$WORK/kvd.txt"
                else measure "$REDIS_PORT" "$REDIS_PID" "$test" "$pipe" >>"$WORK/redis.txt"; fi
            done
        done
        for s in kvd redis; do
            rps="$(awk '{print $1}' "$WORK/$s.txt" | median)"
            p50="$(awk '{print $2}' "$WORK/$s.txt" | median)"
            p99="$(awk '{print $3}' "$WORK/$s.txt" | median)"
            cpu="$(awk '{print $4}' "$WORK/$s.txt" | median)"
            printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$test" "$pipe" "$s" "$rps" "$p50" "$p99" "$cpu"
            eval "${s}_rps=$rps ${s}_cpu=$cpu"
        done
        # shellcheck disable=SC2154  # set by eval above
        RATIOS="$RATIOS$(awk -v t="$test" -v p="$pipe" -v kr="$kvd_rps" -v rr="$redis_rps" \
            -v kc="$kvd_cpu" -v rc="$redis_cpu" 'BEGIN {
                printf "| %s | %s | %.2f | %s |\n", t, p, kr / rr, (rc > 0 ? sprintf("%.2f", kc / rc) : "n/a") }')
"
    done
done
printf '\n| test | P | req/s kvd/redis | CPU per request kvd/redis |\n|---|---|---|---|\n%s' "$RATIOS"

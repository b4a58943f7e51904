#!/bin/bash
# docker/run-benchmarks.sh - kvd against redis-server, same machine, same run.
#
# Local mode (-m local, the default; what runs where there is no Docker
# engine): starts Debian's redis-server and kvd (shards: 1), each pinned to
# the same single core with taskset, runs redis-benchmark pinned to another
# core.  Docker mode (-m docker): brings up docker/compose.yaml (kvd built
# from this tree and redis:7.0, the same cpuset, CPU and memory limits) and
# runs redis-benchmark in its bench container, pinned to another core.
# Either way the servers alternate run by run, and the script prints for
# each server, test and pipeline depth the median over the runs of
#   - requests per second,
#   - p50 and p99 latency (ms),
#   - server CPU time per request: on-CPU time of the server's whole process
#     tree (local: /proc/PID/task/*/schedstat of every process, nanoseconds,
#     user + system; docker: the container cgroup's cpu.stat) divided by the
#     requests,
# followed by kvd/redis ratios.  P 1 runs -n requests, deeper pipelines -N.
#
# Usage: docker/run-benchmarks.sh [-m local|docker] [-b KVD_BIN] [-r RUNS]
#            [-n REQUESTS_P1] [-N REQUESTS_PIPELINED] [-t TESTS] [-P "1 16 64"]
#            [-c CLIENTS] [-s SERVER_CPU] [-C CLIENT_CPU] [-F]
#
# -F (local mode) also measures tools/bench-null-server, a server that does
# no work (epoll, read, "+OK" to every command, one write per read): its
# CPU per request over redis-server's is the floor no server can go below
# on this machine, printed beside kvd's ratio.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODE=local
KVD_BIN="${KVD_BIN:-$(cd "$HERE/.." && pwd)/kvd}"
RUNS=3
REQUESTS=200000
REQUESTS_PIPELINED=2000000
TESTS="set,get,incr,lpush,hset,zadd,mset"
PIPELINES="1 16 64"
CLIENTS=50
SERVER_CPU=0
CLIENT_CPU=1
FLOOR=0
NULL_BIN="${NULL_BIN:-$(cd "$HERE/.." && pwd)/tools/bench-null-server}"

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while getopts "m:b:r:n:N:t:P:c:s:C:Fh" opt; do
    case "$opt" in
    m) MODE="$OPTARG" ;; b) KVD_BIN="$OPTARG" ;; r) RUNS="$OPTARG" ;;
    n) REQUESTS="$OPTARG" ;; N) REQUESTS_PIPELINED="$OPTARG" ;;
    t) TESTS="$OPTARG" ;; P) PIPELINES="$OPTARG" ;; c) CLIENTS="$OPTARG" ;;
    s) SERVER_CPU="$OPTARG" ;; C) CLIENT_CPU="$OPTARG" ;; F) FLOOR=1 ;;
    h) usage 0 ;; *) usage 1 ;;
    esac
done
case "$MODE" in
local) NEED="redis-server redis-benchmark redis-cli taskset" ;;
docker) NEED="docker" ;;
*) echo "run-benchmarks: -m local or -m docker" >&2; exit 1 ;;
esac
for tool in $NEED; do
    command -v "$tool" >/dev/null || { echo "run-benchmarks: $tool is required" >&2; exit 1; }
done
if [ "$MODE" = local ] && [ ! -x "$KVD_BIN" ]; then
    echo "run-benchmarks: no kvd binary at $KVD_BIN (use -b)" >&2
    exit 1
fi
SERVERS="kvd redis"
if [ "$FLOOR" = 1 ]; then
    [ "$MODE" = local ] || { echo "run-benchmarks: -F needs local mode" >&2; exit 1; }
    [ -x "$NULL_BIN" ] || { echo "run-benchmarks: no $NULL_BIN (make tools/bench-null-server)" >&2; exit 1; }
    SERVERS="kvd redis null"
fi

WORK="$(mktemp -d /tmp/kvd-bench.XXXXXX)"
KVD_PORT=$((20000 + RANDOM % 10000))
REDIS_PORT=$((KVD_PORT + 1))
NULL_PORT=$((KVD_PORT + 2))
KVD_PID="" REDIS_PID="" NULL_PID="" COMPOSE_UP=0
# Compose v2 (the docker CLI plugin), or v1 (Debian's docker-compose).
COMPOSE=(docker compose -f "$HERE/compose.yaml" -p kvd-bench)
if [ "$MODE" = docker ] && ! docker compose version >/dev/null 2>&1 && command -v docker-compose >/dev/null; then
    COMPOSE=(docker-compose -f "$HERE/compose.yaml" -p kvd-bench)
fi
cleanup() {
    [ -n "$KVD_PID" ] && kill "$KVD_PID" 2>/dev/null && wait "$KVD_PID" 2>/dev/null
    [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
    [ -n "$NULL_PID" ] && kill "$NULL_PID" 2>/dev/null && wait "$NULL_PID" 2>/dev/null
    [ "$COMPOSE_UP" = 1 ] && "${COMPOSE[@]}" down >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

# ---- the two modes: run a client tool against a server, read its CPU ----

# cli SERVER ARGS...: redis-cli against kvd or redis.
cli() {
    local s="$1"
    shift
    if [ "$MODE" = docker ]; then
        "${COMPOSE[@]}" exec -T bench redis-cli -h "$s" -p 6379 "$@"
    else
        local port="$KVD_PORT"
        [ "$s" = redis ] && port="$REDIS_PORT"
        [ "$s" = null ] && port="$NULL_PORT"
        redis-cli -p "$port" "$@"
    fi
}

# bench SERVER ARGS...: redis-benchmark on the client core.
bench() {
    local s="$1"
    shift
    if [ "$MODE" = docker ]; then
        "${COMPOSE[@]}" exec -T bench redis-benchmark -h "$s" -p 6379 "$@"
    else
        local port="$KVD_PORT"
        [ "$s" = redis ] && port="$REDIS_PORT"
        [ "$s" = null ] && port="$NULL_PORT"
        taskset -c "$CLIENT_CPU" redis-benchmark -p "$port" "$@"
    fi
}

# On-CPU nanoseconds of one process, all its threads (schedstat), or from
# the utime+stime ticks of /proc/PID/stat where schedstat is missing.
proc_cpu_ns() {
    local p="$1" t total=0
    if compgen -G "/proc/$p/task/*/schedstat" >/dev/null; then
        for t in /proc/"$p"/task/*/schedstat; do
            total=$((total + $(awk '{print $1}' "$t" 2>/dev/null || echo 0)))
        done
        echo "$total"
    elif [ -r "/proc/$p/stat" ]; then
        # Fields 14 and 15 after the ")" that ends the command name.
        sed 's/.*) //' "/proc/$p/stat" | awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f\n", ($12 + $13) * 1e9 / hz}'
    else
        echo 0
    fi
}

# server_cpu_ns SERVER: CPU time of the server's whole process tree so far.
server_cpu_ns() {
    if [ "$MODE" = docker ]; then
        "${COMPOSE[@]}" exec -T "$1" sh -c \
            'if [ -r /sys/fs/cgroup/cpu.stat ]; then awk "/^usage_usec/ {printf \"%.0f\\n\", \$2 * 1000}" /sys/fs/cgroup/cpu.stat;
             else cat /sys/fs/cgroup/cpuacct/cpuacct.usage; fi'
        return
    fi
    local root="$KVD_PID" p total=0
    [ "$1" = redis ] && root="$REDIS_PID"
    [ "$1" = null ] && root="$NULL_PID"
    for p in "$root" $(pgrep -P "$root" || true); do
        total=$((total + $(proc_cpu_ns "$p")))
    done
    echo "$total"
}

wait_ping() {
    for _ in $(seq 200); do
        case "$(cli "$1" ping 2>/dev/null)" in PONG | OK) return 0 ;; esac
        sleep 0.1
    done
    echo "run-benchmarks: $1 did not answer" >&2
    exit 1
}

start_servers() {
    if [ "$MODE" = docker ]; then
        COMPOSE_UP=1
        BENCH_SERVER_CPU="$SERVER_CPU" BENCH_CLIENT_CPU="$CLIENT_CPU" "${COMPOSE[@]}" up -d --build >&2
    else
        printf 'listen: ["127.0.0.1:%s"]\nshards: 1\ndir: %s\nlog:\n  file: %s/kvd.log\n' \
            "$KVD_PORT" "$WORK" "$WORK" >"$WORK/kvd.yaml"
        taskset -c "$SERVER_CPU" "$KVD_BIN" -c "$WORK/kvd.yaml" &
        KVD_PID=$!
        taskset -c "$SERVER_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
            --appendonly no --daemonize no --dir "$WORK" --logfile "$WORK/redis.log" &
        REDIS_PID=$!
        if [ "$FLOOR" = 1 ]; then
            taskset -c "$SERVER_CPU" "$NULL_BIN" "$NULL_PORT" &
            NULL_PID=$!
        fi
    fi
    for s in $SERVERS; do wait_ping "$s"; done
}

versions() {
    local k r
    if [ "$MODE" = docker ]; then
        k="$("${COMPOSE[@]}" exec -T kvd kvd -v | awk '{print $3}')"
    else
        k="$("$KVD_BIN" -v | awk '{print $3}')"
    fi
    r="$(cli redis info server | tr -d '\r' | awk -F: '$1 == "redis_version" {print $2}')"
    echo "kvd $k vs redis-server $r"
}

# ---- measuring ----

# One measurement: prints "rps p50 p99 cpu_us_per_request server_busy
# client_busy".  Busy is CPU time over wall time, in percent: the server's
# (its process tree) and, in local mode, redis-benchmark's own (bash's time
# of the child; "-" in docker mode).  A client near 100% busy means the
# req/s of that run measure the client, not the server.
measure() {
    local s="$1" test="$2" pipe="$3" n="$4" before after line times
    cli "$s" flushall >/dev/null
    before="$(server_cpu_ns "$s")"
    times="$WORK/times"
    line="$( { TIMEFORMAT='%R %U %S'; time bench "$s" -t "$test" -n "$n" -c "$CLIENTS" -P "$pipe" --csv 2>/dev/null; } 2>"$times" | tail -n 1)"
    after="$(server_cpu_ns "$s")"
    # CSV: "test","rps","avg","min","p50","p95","p99","max"
    echo "$line" | tr -d '"' | awk -F, -v t=$((after - before)) -v n="$n" -v mode="$MODE" \
        -v times="$(tail -n 1 "$times")" '{
            split(times, w, " ")
            cli = (mode == "local" && w[1] > 0) ? sprintf("%.0f", 100 * (w[2] + w[3]) / w[1]) : "-"
            srv = w[1] > 0 ? sprintf("%.0f", 100 * t / 1e9 / w[1]) : "-"
            printf "%s %s %s %.4f %s %s\n", $2, $5, $7, t / 1e3 / n, srv, cli }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

start_servers
printf '# %s (%s mode): %d clients, %d requests at P 1, %d pipelined, %d runs (medians), server on cpu %s, client on cpu %s\n' \
    "$(versions)" "$MODE" "$CLIENTS" "$REQUESTS" "$REQUESTS_PIPELINED" "$RUNS" "$SERVER_CPU" "$CLIENT_CPU"
printf '# load average at start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| test | P | server | req/s | p50 ms | p99 ms | CPU us/req | server busy %% | client busy %% |\n|---|---|---|---|---|---|---|---|---|\n'
RATIOS=""
for test in ${TESTS//,/ }; do
    for pipe in $PIPELINES; do
        n="$REQUESTS"
        [ "$pipe" -gt 1 ] && n="$REQUESTS_PIPELINED"
        for s in $SERVERS; do : >"$WORK/$s.txt"; done
        for run in $(seq "$RUNS"); do
            # Rotate which server goes first, so drift hurts all alike.
            order="$(echo $SERVERS | awk -v r="$run" '{ for (i = 0; i < NF; i++) printf "%s ", $((i + r - 1) % NF + 1) }')"
            for s in $order; do measure "$s" "$test" "$pipe" "$n" >>"$WORK/$s.txt"; done
        done
        for s in $SERVERS; do
            rps="$(awk '{print $1}' "$WORK/$s.txt" | median)"
            p50="$(awk '{print $2}' "$WORK/$s.txt" | median)"
            p99="$(awk '{print $3}' "$WORK/$s.txt" | median)"
            cpu="$(awk '{print $4}' "$WORK/$s.txt" | median)"
            sbusy="$(awk '{print $5}' "$WORK/$s.txt" | median)"
            cbusy="$(awk '{print $6}' "$WORK/$s.txt" | median)"
            printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$test" "$pipe" "$s" "$rps" "$p50" "$p99" "$cpu" "$sbusy" "$cbusy"
            eval "${s}_rps=$rps ${s}_cpu=$cpu ${s}_cbusy=$cbusy"
        done
        # shellcheck disable=SC2154  # set by eval above
        RATIOS="$RATIOS$(awk -v t="$test" -v p="$pipe" -v kr="$kvd_rps" -v rr="$redis_rps" \
            -v kc="$kvd_cpu" -v rc="$redis_cpu" -v nc="${null_cpu:-}" -v kb="$kvd_cbusy" -v rb="$redis_cbusy" 'BEGIN {
                floor = (nc != "" && rc > 0) ? sprintf(" | %.2f", nc / rc) : ""
                printf "| %s | %s | %.2f | %s%s | %s / %s |\n", t, p, kr / rr,
                    (rc > 0 ? sprintf("%.2f", kc / rc) : "n/a"), floor, kb, rb }')
"
    done
done
if [ "$FLOOR" = 1 ]; then
    printf '\n| test | P | req/s kvd/redis | CPU per request kvd/redis | floor: null server/redis | client busy %% kvd / redis runs |\n|---|---|---|---|---|---|\n%s' "$RATIOS"
else
    printf '\n| test | P | req/s kvd/redis | CPU per request kvd/redis | client busy %% kvd / redis runs |\n|---|---|---|---|---|\n%s' "$RATIOS"
fi
printf '# load average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

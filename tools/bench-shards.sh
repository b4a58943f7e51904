#!/bin/bash
# tools/bench-shards.sh - redis-benchmark SET/GET against kvd with 1, 2 and
# 4 shards and against Debian's redis-server, in the same run on the same
# machine, with the share of kvd's commands that crossed a ring.
#
# Nothing is pinned: kvd uses as many workers as it has shards and the
# benchmark client shares the machine with them, as a user's would.  Each
# server and depth runs RUNS times (alternating servers) and the median
# requests per second is printed.
#
# With -f always|everysec|no both servers log to an append-only file with
# that fsync policy (the durability benchmark).
#
# Usage: tools/bench-shards.sh [-b KVD_BIN] [-n REQUESTS] [-r RUNS]
#            [-S "1 2 4"] [-P "1 16"] [-c CLIENTS] [-t set,get] [-f POLICY]
set -euo pipefail

KVD_BIN="$(cd "$(dirname "$0")/.." && pwd)/kvd"
REQUESTS=200000
RUNS=3
SHARDS_LIST="1 2 4"
PIPELINES="1 16"
CLIENTS=50
TESTS="set get"
FSYNC=""
while getopts "b:n:r:S:P:c:t:f:h" opt; do
    case "$opt" in
    b) KVD_BIN="$OPTARG" ;; n) REQUESTS="$OPTARG" ;; r) RUNS="$OPTARG" ;;
    S) SHARDS_LIST="$OPTARG" ;; P) PIPELINES="$OPTARG" ;; c) CLIENTS="$OPTARG" ;;
    t) TESTS="${OPTARG//,/ }" ;; f) FSYNC="$OPTARG" ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 1 ;;
    esac
done
for tool in redis-server redis-benchmark redis-cli; do
    command -v "$tool" >/dev/null || { echo "bench-shards: $tool is required" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/kvd-bench-shards.XXXXXX)"
PORT=$((30000 + RANDOM % 10000))
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_ping() {
    for _ in $(seq 200); do
        redis-cli -p "$PORT" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "bench-shards: server on port $PORT did not answer" >&2
    exit 1
}

start() { # start SERVER (redis | kvd:N)
    rm -rf "$WORK/data" && mkdir -p "$WORK/data"
    if [ "$1" = redis ]; then
        redis-server --port "$PORT" --save '' --appendonly "$([ -n "$FSYNC" ] && echo yes || echo no)" \
            --appendfsync "${FSYNC:-everysec}" --daemonize no \
            --dir "$WORK/data" >"$WORK/redis.log" 2>&1 &
    else
        printf 'listen:\n  - 127.0.0.1:%s\nshards: %s\ndir: %s/data\npidfile: %s/kvd.pid\n' \
            "$PORT" "${1#kvd:}" "$WORK" "$WORK" >"$WORK/kvd.yaml"
        [ -z "$FSYNC" ] || printf 'appendonly: yes\nappendfsync: %s\n' "$FSYNC" >>"$WORK/kvd.yaml"
        "$KVD_BIN" -c "$WORK/kvd.yaml" >"$WORK/kvd.log" 2>&1 &
    fi
    PID=$!
    wait_ping
}

stop() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
}

# requests per second of one redis-benchmark run
rps() { # rps TEST PIPELINE
    redis-benchmark -p "$PORT" -t "$1" -c "$CLIENTS" -n "$REQUESTS" -P "$2" -r 100000 --csv 2>/dev/null |
        awk -F'","' 'NR == 2 { print $2 + 0 }'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A RESULT SHARE
servers="redis"
for n in $SHARDS_LIST; do servers="$servers kvd:$n"; done
for run in $(seq "$RUNS"); do
    for srv in $servers; do
        start "$srv"
        for p in $PIPELINES; do
            for t in $TESTS; do
                RESULT["$srv $t $p"]="${RESULT["$srv $t $p"]:-} $(rps "$t" "$p")"
            done
        done
        if [ "$srv" != redis ]; then
            stats="$(redis-cli -p "$PORT" info stats | tr -d '\r')"
            local_n=$(echo "$stats" | awk -F: '/^kvd_commands_local:/ { print $2 }')
            routed=$(echo "$stats" | awk -F: '/^kvd_commands_routed:/ { print $2 }')
            cross=$(echo "$stats" | awk -F: '/^kvd_commands_cross_shard:/ { print $2 }')
            SHARE["$srv"]=$(awk -v l="$local_n" -v r="$routed" -v x="$cross" \
                'BEGIN { t = l + r + x; printf "%.1f%%", t ? 100 * (r + x) / t : 0 }')
        fi
        stop
    done
done

echo "redis-benchmark -t ${TESTS// /,} -c $CLIENTS -n $REQUESTS -r 100000${FSYNC:+, appendfsync $FSYNC}, median of $RUNS runs (requests/s)"
printf '%-10s %4s' server P
for t in $TESTS; do printf ' %12s %10s' "${t^^}" "${t^^}/redis"; done
printf ' %12s\n' crossed-ring
for p in $PIPELINES; do
    for srv in $servers; do
        printf '%-10s %4s' "$srv" "$p"
        for t in $TESTS; do
            v=$(echo "${RESULT["$srv $t $p"]}" | median)
            ref=$(echo "${RESULT["redis $t $p"]}" | median)
            printf ' %12s %10.2f' "$v" "$(awk -v a="$v" -v b="$ref" 'BEGIN { print b ? a / b : 0 }')"
        done
        printf ' %12s\n' "${SHARE["$srv"]:--}"
    done
done

#!/bin/bash
# t/compat/run.sh - run the Redis 7.0.15 Tcl test suite against kvd.
#
# For every unit (t/compat/units.txt) it starts a fresh server on a free
# port, runs that one unit of Redis's own test suite against it in
# "external server" mode, parses the [ok]/[err] lines, and compares the set
# of passing tests with t/compat/expected.txt.  Any test expected to pass
# that did not is a regression and fails the run.  The same runner measures
# Debian's redis-server (--server redis) with identical flags, for the
# baseline in t/compat/baseline-redis-7.0.15.txt.
#
# Run `t/compat/run.sh -h` for the options.  Exit status follows automake:
# 0 pass, 1 regressions, 77 skip (Redis source unobtainable), 99 hard error.
set -u
set -o pipefail

readonly REDIS_VERSION=7.0.15
readonly EXIT_PASS=0 EXIT_FAIL=1 EXIT_SKIP=77 EXIT_ERROR=99

here="$(cd "$(dirname "$0")" && pwd)"
TOP_SRCDIR="${KVD_TOP_SRCDIR:-$(cd "$here/../.." && pwd)}"
TOP_BUILDDIR="${KVD_TOP_BUILDDIR:-$TOP_SRCDIR}"
KVD_BIN="${KVD_BIN:-$TOP_BUILDDIR/kvd}"
REDIS_SERVER="${KVD_REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}"
REDIS_SRC="${KVD_REDIS_SRC:-}"
UNIT_TIMEOUT="${KVD_COMPAT_TIMEOUT:-300}"
START_WAIT="${KVD_COMPAT_START_WAIT:-20}"
SHARDS="${KVD_COMPAT_SHARDS:-}"
UNITS_ARG="${KVD_COMPAT_UNITS:-}"
SERVER=kvd
EXPECTED="$here/expected.txt"
UNITS_FILE="$here/units.txt"
UPDATE=0
FROM_LOGS=""
TABLE_OUT=""
LOGDIR=""

# --- Flags for tests/test_helper.tcl ------------------------------------
# --host/--port   external-server mode: the suite spawns no redis-server of
#                 its own, runs a single test client, and skips every test
#                 tagged external:skip (persistence, restarts, logs...).
# --durable       an error reply that escapes a test (e.g. "ERR unknown
#                 command") fails that test only; without it the first such
#                 error aborts the rest of the unit as an [exception].
# --ignore-encoding  don't assert OBJECT ENCODING (Redis's internal layouts).
# --ignore-digest    don't compare DEBUG DIGEST-VALUE checksums.
# --tags -...     excluded capability tags (tests/README.md), i.e. what
#                 needs Redis internals or features kvd does not claim:
#   needs:debug            DEBUG / OBJECT internals (also off in redis-server
#                          7.0 by default: enable-debug-command no)
#   needs:repl             SYNC / replication stream (kvd replicates by CRDTs)
#   needs:pfdebug          PFDEBUG, HyperLogLog internals
#   needs:save             SAVE to an RDB file (kvd persists by per-shard AOF)
#   needs:config-maxmemory Redis memory accounting and eviction (later step)
#   needs:latency          the LATENCY monitor's internal events
#   needs:local-process    inspects the server process (/proc, pid)
#   resp3                  RESP3 replies after HELLO 3: kvd speaks RESP2 (the
#                          protocol DESIGN.md promises); HELLO 3 answers
#                          NOPROTO.  list.tcl and zset.tcl consult this tag
#                          to run their RESP2 half only.
# Deliberately kept: needs:reset (RESET) and needs:config-resetstat (CONFIG
# RESETSTAT) are ordinary client-visible commands; "slow" tests stay too
# (they take ~10 s per unit on Redis).  large-memory stays off (default).
DENY_TAGS="-needs:debug -needs:repl -needs:pfdebug -needs:save -needs:config-maxmemory -needs:latency -needs:local-process -resp3"
TCL_FLAGS=(--durable --ignore-encoding --ignore-digest --tags "$DENY_TAGS")

usage() {
    cat <<EOF
Usage: t/compat/run.sh [options]

Runs units of the Redis $REDIS_VERSION Tcl suite against a fresh server each
and compares the passing tests with t/compat/expected.txt.

Options:
  --server kvd|redis  server under test (default kvd; redis = Debian's
                      redis-server, to measure the baseline)
  --units "U1 U2"     units to run, e.g. "unit/protocol unit/type/string"
                      (default: env KVD_COMPAT_UNITS, else t/compat/units.txt)
  --shards N          kvd only: shards in the generated YAML (env
                      KVD_COMPAT_SHARDS; default: kvd's own default)
  --timeout SEC       time bound per unit (env KVD_COMPAT_TIMEOUT, default 300)
  --expected FILE     expectations file (default t/compat/expected.txt)
  --update            rewrite the expectations file from this run: PASS lines
                      become the tests that passed; FAIL lines keep their
                      '# reason' (new failures get '# TODO'); units not run
                      are left as they are.  The exit status still reports
                      the regressions against the old file
  --table FILE        also write the per-unit results table to FILE
  --skipfile FILE     test names the suite must not run (one per line; its
                      own --skipfile): tests that cannot pass reliably here
  --logdir DIR        where unit logs go (default
                      \$KVD_TOP_BUILDDIR/t/compat/logs-SERVER)
  --from-logs DIR     don't run anything: parse DIR/<unit>.log files left by
                      an earlier run (unit/type/string -> unit_type_string.log)
  -h, --help          this text

Environment: KVD_TOP_SRCDIR, KVD_TOP_BUILDDIR, KVD_BIN (kvd binary),
  KVD_REDIS_SRC (Redis source dir; default /var/cache/kvd/redis-$REDIS_VERSION,
  fetched with 'apt-get source redis' when missing), KVD_REDIS_SERVER,
  KVD_COMPAT_START_WAIT (seconds for the server to answer PING, default 20),
  KVD_COMPAT_OFFLINE=1 (never fetch; skip if the source is missing),
  KVD_COMPAT_KEEP=1 (keep the scratch directory).

Expectations file lines (tab-separated; '#' starts a comment line):
  unit/protocol<TAB>PASS<TAB>test name
  unit/protocol<TAB>FAIL<TAB>test name<TAB># why it fails
A test name that occurs more than once in a unit gets ' [#2]', ' [#3]'...

Exit status: 0 no regression, 1 regression(s), 77 skipped (no Redis source
or tclsh), 99 error.  The last line is always 'compat: N passed, N failed'
(failed = regressions against the expectations).
EOF
}

say()  { printf 'compat: %s\n' "$*"; }
skip() { say "SKIP: $*"; exit $EXIT_SKIP; }
die()  { say "ERROR: $*" >&2; exit $EXIT_ERROR; }

while [ $# -gt 0 ]; do
    case "$1" in
    -h|--help)   usage; exit 0 ;;
    --server)    SERVER="${2:?--server needs kvd or redis}"; shift ;;
    --units)     UNITS_ARG="${2:?--units needs a list}"; shift ;;
    --shards)    SHARDS="${2:?--shards needs a number}"; shift ;;
    --timeout)   UNIT_TIMEOUT="${2:?--timeout needs seconds}"; shift ;;
    --expected)  EXPECTED="${2:?--expected needs a file}"; shift ;;
    --update)    UPDATE=1 ;;
    --table)     TABLE_OUT="${2:?--table needs a file}"; shift ;;
    --logdir)    LOGDIR="${2:?--logdir needs a directory}"; shift ;;
    --from-logs) FROM_LOGS="${2:?--from-logs needs a directory}"; shift ;;
    --skipfile)  SKIPFILE="${2:?--skipfile needs a file}"; shift ;;
    *)           usage >&2; die "unknown argument '$1'" ;;
    esac
    shift
done

case "$SERVER" in kvd|redis) ;; *) die "--server must be kvd or redis" ;; esac
if [ -n "${SKIPFILE:-}" ]; then
    [ -r "$SKIPFILE" ] || die "cannot read skip file $SKIPFILE"
    TCL_FLAGS+=(--skipfile "$(cd "$(dirname "$SKIPFILE")" && pwd)/$(basename "$SKIPFILE")")
fi
[[ "$UNIT_TIMEOUT" =~ ^[0-9]+$ ]] || die "timeout must be whole seconds"
[ -z "$SHARDS" ] || [[ "$SHARDS" =~ ^[1-9][0-9]*$ ]] || die "shards must be a positive number"
[ -z "$SHARDS" ] || [ "$SERVER" = kvd ] || die "--shards only applies to --server kvd"
[ -f "$EXPECTED" ] || [ "$UPDATE" = 1 ] || die "expectations file $EXPECTED not found"

# --- Which units ----------------------------------------------------------
if [ -n "$UNITS_ARG" ]; then
    read -r -a UNITS <<<"${UNITS_ARG//,/ }"
else
    [ -f "$UNITS_FILE" ] || die "$UNITS_FILE not found"
    mapfile -t UNITS < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$UNITS_FILE")
fi
[ ${#UNITS[@]} -gt 0 ] || die "no units to run"
unit_file() { printf '%s' "${1//\//_}"; }   # unit/type/string -> unit_type_string

# --- The Redis source (Debian's source package, cached outside the tree) --
valid_redis_src() {
    [ -f "$1/tests/test_helper.tcl" ] && [ -f "$1/src/version.h" ] &&
        grep -q "define REDIS_VERSION \"$REDIS_VERSION\"" "$1/src/version.h"
}

fetch_redis_src() {
    local dest="$1" parent tmp got sources=/etc/apt/sources.list.d/kvd-src.sources
    [ "${KVD_COMPAT_OFFLINE:-0}" = 1 ] &&
        skip "Redis $REDIS_VERSION source not found at $dest and KVD_COMPAT_OFFLINE=1"
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        skip "Redis $REDIS_VERSION source not found at $dest; fetching it needs root and apt-get (or set KVD_REDIS_SRC to an unpacked 'apt-get source redis')"
    fi
    parent="$(dirname "$dest")"
    mkdir -p "$parent" || skip "cannot create $parent"
    exec 9>"$parent/.kvd-compat-fetch.lock"
    flock -w 900 9 || skip "timed out waiting for another fetch into $parent"
    valid_redis_src "$dest" && { exec 9>&-; return 0; }   # fetched meanwhile

    say "fetching the Redis source package into $parent (apt-get source redis)"
    local need_update=0
    if [ ! -f "$sources" ]; then
        printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
            'Suites: bookworm bookworm-updates' 'Components: main' \
            'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$sources" ||
            skip "cannot write $sources"
        need_update=1
    fi
    if [ $need_update = 1 ] || ! command -v dpkg-source >/dev/null; then
        apt-get update || skip "apt-get update failed (offline?)"
    fi
    if ! command -v dpkg-source >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg-dev ||
            skip "cannot install dpkg-dev (offline?)"
    fi
    tmp="$(mktemp -d "$parent/.fetch.XXXXXX")" || skip "cannot create a directory in $parent"
    if ! (cd "$tmp" && apt-get source redis); then
        # Stale or missing deb-src indexes: refresh once and retry.
        if ! apt-get update || ! (cd "$tmp" && apt-get source redis); then
            rm -rf "$tmp"
            skip "'apt-get source redis' failed (offline? no deb-src line?)"
        fi
    fi
    got="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'redis-*' | head -n 1)"
    if [ -z "$got" ] || ! valid_redis_src "$got"; then
        local v; v="$(grep -ho 'REDIS_VERSION "[^"]*"' "$got/src/version.h" 2>/dev/null)"
        rm -rf "$tmp"
        die "Debian's redis source is not Redis $REDIS_VERSION (${v:-no version found}); update t/compat for it"
    fi
    rm -rf "$dest" && mv "$got" "$dest" && mv "$tmp"/redis_* "$parent"/ 2>/dev/null
    rm -rf "$tmp"
    exec 9>&-
    valid_redis_src "$dest" || die "could not move the source into $dest"
}

find_redis_src() {
    if [ -n "$REDIS_SRC" ]; then
        valid_redis_src "$REDIS_SRC" && return 0
        [ -e "$REDIS_SRC/tests/test_helper.tcl" ] &&
            die "$REDIS_SRC is not Redis $REDIS_VERSION (see src/version.h)"
        fetch_redis_src "$REDIS_SRC"
        return 0
    fi
    local d
    for d in "/var/cache/kvd/redis-$REDIS_VERSION" "/var/cache/kvd-redis-src/redis-$REDIS_VERSION"; do
        valid_redis_src "$d" && { REDIS_SRC="$d"; return 0; }
    done
    REDIS_SRC="/var/cache/kvd/redis-$REDIS_VERSION"
    fetch_redis_src "$REDIS_SRC"
}

ensure_tclsh() {
    command -v tclsh >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${KVD_COMPAT_OFFLINE:-0}" != 1 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tcl >&2 ||
            { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tcl >&2; }
    fi
    command -v tclsh >/dev/null || skip "tclsh not found (apt-get install tcl)"
}

# --- Servers ----------------------------------------------------------------
SERVER_PID=""
SUITE_PID=""
WORK=""

free_port() {   # ask the kernel for a free port
    tclsh <<'EOF'
set s [socket -server {} -myaddr 127.0.0.1 0]
puts [lindex [fconfigure $s -sockname] 2]
close $s
EOF
}

ping_port() {   # 0 when 127.0.0.1:$1 answers PING with +PONG
    local reply=""
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3
    exec 3<&- 3>&-
    [[ "$reply" == +PONG* ]]
}

start_server() {   # start_server DIR PORT: sets SERVER_PID, 0 once it answers
    local dir="$1" port="$2"
    mkdir -p "$dir"
    if [ "$SERVER" = kvd ]; then
        {
            printf 'listen: ["127.0.0.1:%s"]\n' "$port"
            [ -z "$SHARDS" ] || printf 'shards: %s\n' "$SHARDS"
            printf 'dir: %s\n' "$dir"
            printf 'log: {file: %s, level: notice}\n' "$dir/server.log"
            printf 'daemonize: no\n'
            printf 'pidfile: %s\n' "$dir/server.pid"
        } >"$dir/kvd.yaml"
        "$KVD_BIN" -c "$dir/kvd.yaml" >"$dir/server.out" 2>&1 &
    else
        "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --daemonize no \
            --save '' --appendonly no --dir "$dir" --logfile "$dir/server.log" \
            --pidfile "$dir/server.pid" >"$dir/server.out" 2>&1 &
    fi
    SERVER_PID=$!
    local deadline=$((SECONDS + START_WAIT))
    while [ $SECONDS -lt $deadline ]; do
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        ping_port "$port" && return 0
        sleep 0.1
    done
    return 1
}

stop_server() {
    local pid="$SERVER_PID" i
    SERVER_PID=""
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# shellcheck disable=SC2317  # (called from the EXIT trap)
cleanup() {
    if [ -n "$SUITE_PID" ]; then kill -TERM "$SUITE_PID" 2>/dev/null; wait "$SUITE_PID" 2>/dev/null; fi
    stop_server
    if [ -n "$WORK" ] && [ "${KVD_COMPAT_KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# run_unit UNIT: one fresh server, one unit, output in $LOGDIR/<unit>.log.
# The runner's own findings go into the log as '### kvd-compat:' lines so
# that the parser (and --from-logs) needs nothing but the log.
run_unit() {
    local unit="$1" f log sdir port t0 rc
    f="$(unit_file "$unit")"
    log="$LOGDIR/$f.log"
    sdir="$WORK/server-$f"
    t0="$(now_ms)"
    : >"$log"
    port="$(free_port)"
    if ! start_server "$sdir" "$port"; then
        echo "### kvd-compat: SERVER DID NOT START ($SERVER on port $port)" >>"$log"
        stop_server
    else
        # The suite's own test server listens on --baseport: below the
        # kernel's ephemeral range (32768+), and picked again when taken
        # anyway (before any test ran, so the same server serves the retry).
        local try
        for try in 1 2 3; do
            : >"$log"
            # timeout(1) puts the suite (a test server and its test client
            # process) in its own process group and kills all of it.
            (cd "$WORK/redis" && TERM=dumb exec timeout -k 10 "$UNIT_TIMEOUT" \
                tclsh tests/test_helper.tcl --host 127.0.0.1 --port "$port" \
                --single "$unit" --baseport "$(( 20000 + RANDOM % 12000 ))" --portcount 100 \
                "${TCL_FLAGS[@]}") >>"$log" 2>&1 </dev/null &
            SUITE_PID=$!
            wait "$SUITE_PID"
            rc=$?
            SUITE_PID=""
            grep -q "couldn't open socket: address already in use" "$log" || break
        done
        if [ $rc = 124 ] || [ $rc = 137 ]; then
            echo "### kvd-compat: TIMEOUT after $UNIT_TIMEOUT s" >>"$log"
        fi
        kill -0 "$SERVER_PID" 2>/dev/null ||
            echo "### kvd-compat: SERVER DIED during the unit" >>"$log"
        stop_server
    fi
    cat "$sdir/server.out" "$sdir/server.log" >"$LOGDIR/$f.server.log" 2>/dev/null
    awk -v ms=$(( $(now_ms) - t0 )) \
        'BEGIN { printf "### kvd-compat: elapsed %.1f s\n", ms / 1000 }' >>"$log"
}

# --- Parse, compare, report -----------------------------------------------
# parse_unit UNIT: one record per line on stdout,
#   T<TAB>unit<TAB>ok|err<TAB>test name
#   U<TAB>unit<TAB>status<TAB>passed<TAB>failed<TAB>skipped<TAB>seconds
# status: ok, exception, timeout, died, nostart, incomplete, nolog.
parse_unit() {
    local unit="$1" f
    f="$LOGDIR/$(unit_file "$unit").log"
    if [ ! -f "$f" ]; then
        printf 'U\t%s\tnolog\t0\t0\t0\t0\n' "$unit"
        return 0
    fi
    awk -v unit="$unit" -f /dev/fd/3 "$f" 3<<'AWK'
function test_result(kind, name,   n) {
    gsub(/\t/, " ", name)
    n = ++seen[name]
    if (n > 1) name = name " [#" n "]"
    printf "T\t%s\t%s\t%s\n", unit, kind, name
    if (kind == "ok") passed++; else failed++
}
function set_status(s) { if (status == "" || status == "ok") status = s }
BEGIN { status = ""; passed = failed = skipped = 0; seconds = 0
        suffix = " in tests/" unit ".tcl" }
{
    line = $0
    gsub(/\033\[[0-9;]*m/, "", line)
    sub(/\r$/, "", line)
}
line ~ /^\[ok\]: / {
    name = substr(line, 7)
    sub(/ \([0-9]+ ms\)$/, "", name)
    test_result("ok", name)
    next
}
line ~ /^\[err\]: / {
    name = substr(line, 8)
    if (length(name) > length(suffix) &&
        substr(name, length(name) - length(suffix) + 1) == suffix) {
        test_result("err", substr(name, 1, length(name) - length(suffix)))
    } else {
        failed++   # an error outside any test (e.g. in a server block's setup)
    }
    next
}
line ~ /^\[(skip|ignore)\]: /               { skipped++; next }
line ~ /^\[exception\]: /                   { set_status("exception"); next }
line ~ /^\[TIMEOUT\]: /                     { set_status("timeout"); next }
line ~ /^\[[0-9]+\/[0-9]+ done\]: /         { if (status == "") status = "ok"; next }
line ~ /^### kvd-compat: TIMEOUT/           { status = "timeout"; next }
line ~ /^### kvd-compat: SERVER DID NOT START/ { status = "nostart"; next }
line ~ /^### kvd-compat: SERVER DIED/       { if (status == "" || status == "ok") status = "died"; next }
line ~ /^### kvd-compat: elapsed /          { seconds = $4; next }
END {
    if (status == "") status = "incomplete"
    printf "U\t%s\t%s\t%d\t%d\t%d\t%s\n", unit, status, passed, failed, skipped, seconds
}
AWK
}

# check_expected FILE: die on malformed lines.
check_expected() {
    awk -F '\t' '
        /^#/ || /^[[:space:]]*$/ { next }
        NF == 3 && $2 == "PASS" && $1 ~ /^[^[:space:]]+$/ && $3 != "" { next }
        NF == 4 && $2 == "FAIL" && $1 ~ /^[^[:space:]]+$/ && $3 != "" && $4 ~ /^# / { next }
        { printf "%s:%d: expected unit<TAB>PASS<TAB>name or unit<TAB>FAIL<TAB>name<TAB># reason\n", FILENAME, NR
          bad = 1 }
        END { exit bad }' "$1" >&2
}

# compare RESULTS EXPECTED: writes regressions, new passes, the table.
compare() {
    awk -F '\t' -v regress_out="$1.regressions" -v new_out="$1.new" \
        -v table_out="$1.table" '
        FNR == 1 { file++ }
        file == 1 && $1 == "U" { order[++nunits] = $2; ran[$2] = 1
                                 st[$2] = $3; np[$2] = $4; nf[$2] = $5; ns[$2] = $6; sec[$2] = $7
                                 next }
        file == 1 && $1 == "T" { if ($3 == "ok") pass[$2, $4] = 1; else fail[$2, $4] = 1
                                 if ($3 == "ok") passorder[$2, ++npo[$2]] = $4
                                 next }
        file == 2 && /^#/ { next }
        file == 2 && $2 == "PASS" && ($1 in ran) {
            want[$1, $3] = 1
            if (!(($1, $3) in pass)) {
                regress[$1]++; total_regress++
                why = (($1, $3) in fail) ? "failed" : "did not run"
                if (st[$1] != "ok") why = why ", unit " st[$1]
                printf "%s\t%s\t(%s)\n", $1, $3, why > regress_out
            }
            next
        }
        file == 2 && $2 == "FAIL" && ($1 in ran) { known_fail[$1, $3] = 1; next }
        END {
            printf "" > new_out
            for (u = 1; u <= nunits; u++) {
                name = order[u]
                for (i = 1; i <= npo[name]; i++) {
                    t = passorder[name, i]
                    if (!((name, t) in want))
                        printf "%s\t%s%s\n", name, t,
                               ((name, t) in known_fail) ? "\t(listed as FAIL)" : "" > new_out
                }
            }
            fmt = "%-26s %7s %7s %8s %8s %9s  %s\n"
            printf fmt, "unit", "passed", "failed", "skipped", "regress", "seconds", "status" > table_out
            for (u = 1; u <= nunits; u++) {
                name = order[u]
                printf fmt, name, np[name], nf[name], ns[name], regress[name] + 0,
                       sprintf("%.1f", sec[name]), st[name] > table_out
                tp += np[name]; tf += nf[name]; ts += ns[name]; tsec += sec[name]
            }
            line = sprintf(fmt, "total", tp, tf, ts, total_regress + 0, sprintf("%.1f", tsec), "")
            sub(/ +\n$/, "\n", line)
            printf "%s", line > table_out
            print tp, total_regress + 0
        }' "$1" "$2"
}

# update_expected RESULTS EXPECTED: rewrite EXPECTED from RESULTS.
update_expected() {
    local new="$2.new.$$"
    awk -F '\t' -v version="$REDIS_VERSION" '
        FNR == 1 { file++ }
        file == 1 && $1 == "U" { ran[$2] = 1; runorder[++nrun] = $2; next }
        file == 1 && $1 == "T" { key = $2 SUBSEP $4
                                 if ($3 == "ok") { pass[key] = 1; lines[$2] = lines[$2] $2 "\tPASS\t" $4 "\n" }
                                 else { failed[key] = 1; failorder[$2, ++nfo[$2]] = $4 }
                                 next }
        # the existing file
        file == 2 && !header_done { if (/^#/) { header = header $0 "\n"; next } else header_done = 1 }
        file == 2 && /^#/ || file == 2 && /^[[:space:]]*$/ { next }
        file == 2 {
            if (!($1 in known)) { known[$1] = 1; fileorder[++nfile] = $1 }
            if (!($1 in ran)) { old[$1] = old[$1] $0 "\n"; next }
            if ($2 == "FAIL" && !(($1, $3) in pass)) {
                reason[$1, $3] = $4
                if (!(($1, $3) in failed)) keepfail[$1] = keepfail[$1] $0 "\n"
            }
        }
        function emit(u,   i, t, r, nfail, npass) {
            if (!(u in ran)) { printf "\n%s", old[u]; return }
            npass = gsub(/\tPASS\t/, "&", lines[u])
            nfail = nfo[u] + gsub(/\tFAIL\t/, "&", keepfail[u])
            if (npass + nfail == 0) return
            printf "\n# %s: %d expected to pass, %d known failures\n", u, npass, nfail
            printf "%s", lines[u]
            for (i = 1; i <= nfo[u]; i++) {
                t = failorder[u, i]
                r = ((u, t) in reason) ? reason[u, t] : "# TODO: find out why"
                printf "%s\tFAIL\t%s\t%s\n", u, t, r
            }
            printf "%s", keepfail[u]
        }
        END {
            if (header == "")
                header = "# Redis " version " Tcl suite: tests expected to pass (format: t/compat/run.sh -h).\n"
            printf "%s", header
            for (i = 1; i <= nfile; i++) { emit(fileorder[i]); done[fileorder[i]] = 1 }
            for (i = 1; i <= nrun; i++) if (!(runorder[i] in done)) emit(runorder[i])
        }' "$1" "$2" >"$new" && mv "$new" "$2"
}

# --- Main -------------------------------------------------------------------
if [ -n "$FROM_LOGS" ]; then
    LOGDIR="$FROM_LOGS"
    [ -d "$LOGDIR" ] || die "$LOGDIR is not a directory"
    WORK="$(mktemp -d)" || die "mktemp failed"
    trap cleanup EXIT
else
    ensure_tclsh
    find_redis_src
    command -v timeout >/dev/null || die "timeout (coreutils) not found"
    if [ "$SERVER" = kvd ]; then
        [ -x "$KVD_BIN" ] || die "kvd binary not found at $KVD_BIN (set KVD_BIN)"
    else
        [ -x "$REDIS_SERVER" ] || skip "redis-server not found (apt-get install redis-server)"
    fi
    : "${LOGDIR:=$TOP_BUILDDIR/t/compat/logs-$SERVER}"
    mkdir -p "$LOGDIR" "$TOP_BUILDDIR/t/compat" || die "cannot create $LOGDIR"
    WORK="$(mktemp -d "$TOP_BUILDDIR/t/compat/work.XXXXXX")" || die "mktemp failed"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    # The suite runs from the source root and writes under tests/tmp: give
    # it a private copy of tests/ (2.7 MB) and a link to the rest.
    if ! mkdir "$WORK/redis" || ! cp -R "$REDIS_SRC/tests" "$WORK/redis/tests" ||
        ! ln -s "$REDIS_SRC/src" "$WORK/redis/src"; then
        die "cannot copy $REDIS_SRC/tests"
    fi

    if [ "$SERVER" = kvd ]; then
        say "server: $KVD_BIN${SHARDS:+ (shards: $SHARDS)}"
    else
        say "server: $REDIS_SERVER ($("$REDIS_SERVER" --version | head -n 1))"
    fi
    say "suite:  $REDIS_SRC (Redis $REDIS_VERSION), timeout ${UNIT_TIMEOUT}s per unit"
    say "flags:  ${TCL_FLAGS[*]}"
    say "logs:   $LOGDIR"
    for unit in "${UNITS[@]}"; do
        [ -f "$REDIS_SRC/tests/$unit.tcl" ] || die "no such unit: $unit"
        rm -f "$LOGDIR/$(unit_file "$unit")".*
    done
    for unit in "${UNITS[@]}"; do
        printf 'compat: %-26s ' "$unit"
        run_unit "$unit"
        parse_unit "$unit" | awk -F '\t' '$1 == "U" {
            printf "%4d passed %4d failed %4d skipped %7.1f s  %s\n", $4, $5, $6, $7, $3 }'
    done
fi

if [ -f "$EXPECTED" ]; then check_expected "$EXPECTED" || die "malformed $EXPECTED"; fi
RESULTS="$WORK/results"
for unit in "${UNITS[@]}"; do parse_unit "$unit"; done >"$RESULTS" || die "cannot parse the logs"
EXP_IN="$EXPECTED"
[ -f "$EXPECTED" ] || EXP_IN=/dev/null
read -r N_PASSED N_REGRESS < <(compare "$RESULTS" "$EXP_IN")
[ -n "${N_PASSED:-}" ] || die "comparing the results failed"

echo
cat "$RESULTS.table"
if [ -n "$TABLE_OUT" ]; then
    {
        echo "# Redis $REDIS_VERSION Tcl suite via t/compat/run.sh --server $SERVER${SHARDS:+ --shards $SHARDS}"
        if [ -z "$FROM_LOGS" ] && [ "$SERVER" = redis ]; then
            echo "# server: $("$REDIS_SERVER" --version | head -n 1)"
        fi
        echo "# flags: ${TCL_FLAGS[*]}"
        echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), host: $(uname -srm), $(nproc) CPUs"
        echo "# passed/failed = [ok]/[err] lines; skipped = [skip]+[ignore] lines (an"
        echo "# [ignore] for a whole tagged block counts once); seconds = wall time incl. server start"
        cat "$RESULTS.table"
    } >"$TABLE_OUT"
fi

cp "$RESULTS.new" "$LOGDIR/new-passes.txt" 2>/dev/null
cp "$RESULTS.regressions" "$LOGDIR/regressions.txt" 2>/dev/null || : >"$LOGDIR/regressions.txt" 2>/dev/null
if [ -s "$RESULTS.new" ]; then
    n="$(wc -l <"$RESULTS.new")"
    echo
    say "$n test(s) passed that $(basename "$EXPECTED") does not expect to pass (run with --update to record them):"
    head -n 20 "$RESULTS.new" | awk -F '\t' '{ printf "  NEW PASS    %s: %s%s\n", $1, $2, ($3 == "" ? "" : " " $3) }'
    [ "$n" -le 20 ] || say "... and $((n - 20)) more, see $LOGDIR/new-passes.txt"
fi
if [ -s "$RESULTS.regressions" ]; then
    echo
    say "REGRESSIONS: tests expected to pass that did not (logs in $LOGDIR):"
    awk -F '\t' '{ printf "  REGRESSION  %s: %s%s\n", $1, $2, ($3 == "" ? "" : " " $3) }' "$RESULTS.regressions"
fi
if awk -F '\t' '$1 == "U" && $3 != "ok" { exit 1 }' "$RESULTS"; then :; else
    echo
    awk -F '\t' -v logdir="$LOGDIR" '$1 == "U" && $3 != "ok" {
        f = $2; gsub("/", "_", f)
        printf "compat: note: %s ended as \"%s\" (see %s/%s.log and .server.log)\n", $2, $3, logdir, f }' "$RESULTS"
fi

if [ "$UPDATE" = 1 ]; then
    [ -f "$EXPECTED" ] || : >"$EXPECTED"
    update_expected "$RESULTS" "$EXPECTED" || die "cannot update $EXPECTED"
    say "updated $EXPECTED"
fi

echo
echo "compat: $N_PASSED passed, $N_REGRESS failed"
[ "$N_REGRESS" -eq 0 ] || exit $EXIT_FAIL
exit $EXIT_PASS

#!/bin/bash
# t/compat/selftest.sh - tests of run.sh's parsing and comparison, with fake
# Tcl-suite logs and fake expectations (run.sh --from-logs): no server, no
# Redis source needed.  A regression must fail the run, a new pass must not.
# Usage: t/compat/selftest.sh [-v]   (-v shows run.sh's output of each case)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
RUN="$here/run.sh"
VERBOSE=0
case "${1:-}" in
-h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
-v) VERBOSE=1 ;;
esac

tmp="$(mktemp -d)" || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
ncase=0

# run_case NAME WANT_RC [run.sh args...]: output in $tmp/out
run_case() {
    local name="$1" want="$2" rc
    shift 2
    ncase=$((ncase + 1))
    "$RUN" "$@" >"$tmp/out" 2>&1
    rc=$?
    [ $VERBOSE = 1 ] && sed "s/^/    [$name] /" "$tmp/out"
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $name: exit $rc, want $want"; sed 's/^/    /' "$tmp/out"; fails=$((fails + 1))
        return 1
    fi
    echo "ok:   $name"
}
# expect_out PATTERN (grep -E on the last output), expect_no_out PATTERN
expect_out() {
    grep -Eq -- "$1" "$tmp/out" && return 0
    echo "FAIL: output lacks /$1/"; sed 's/^/    /' "$tmp/out"; fails=$((fails + 1))
}
expect_no_out() {
    grep -Eq -- "$1" "$tmp/out" || return 0
    echo "FAIL: output has /$1/"; sed 's/^/    /' "$tmp/out"; fails=$((fails + 1))
}
expect_file() {   # expect_file FILE PATTERN [count]
    local n; n="$(grep -Ec -- "$2" "$1")"
    [ "$n" -ge 1 ] && { [ -z "${3:-}" ] || [ "$n" = "$3" ]; } && return 0
    echo "FAIL: $1 has $n line(s) matching /$2/, want ${3:->=1}"; sed 's/^/    /' "$1"; fails=$((fails + 1))
}

# --- Fake logs, in the format of tests/test_helper.tcl -----------------------
logs="$tmp/logs"
mkdir "$logs"
esc=$'\033'
cat >"$logs/unit_a.log" <<EOF
Cleanup: may take some time... OK
Starting test server at port 21079
[ready]: 4242
Testing unit/a
[ok]: alpha (3 ms)
[ok]: beta (with parens) (12 ms)
[err]: gamma in tests/unit/a.tcl
Expected 'x' to be equal to 'y' (context: type eval line 3 cmd {assert_equal x y} proc ::test)
[ok]: dup (0 ms)
[ok]: dup (1 ms)
[${esc}[0;32mok${esc}[0m]: colored (1 ms)
[skip]: skipped by name
[ignore]: delta: Tag: needs:debug denied
[ignore]: Not supported on external server
[err]: ERR unknown command 'FUNCTION', with args beginning with: 'FLUSH'
ERR unknown command 'FUNCTION' ...
[1/1 done]: unit/a (1 seconds)

                   The End

Execution time of different units:
  1 seconds - unit/a

!!! WARNING The following tests failed:

*** [err]: gamma in tests/unit/a.tcl
Expected 'x' to be equal to 'y'
### kvd-compat: elapsed 1.5 s
EOF
cat >"$logs/unit_type_b.log" <<'EOF'
Testing unit/type/b
[ok]: one (5 ms)
### kvd-compat: TIMEOUT after 300 s
### kvd-compat: elapsed 300.2 s
EOF
cat >"$logs/unit_c.log" <<'EOF'
### kvd-compat: SERVER DID NOT START (kvd on port 1234)
### kvd-compat: elapsed 20.0 s
EOF
export KVD_COMPAT_UNITS="unit/a unit/type/b unit/c"
T=$'\t'
exp="$tmp/expected.txt"
final='^compat: [0-9]+ passed, [0-9]+ failed$'

# --- Cases --------------------------------------------------------------------
run_case "usage" 0 -h && expect_out '^Usage: '

printf '# nothing expected\n' >"$exp"
run_case "empty expectations pass" 0 --from-logs "$logs" --expected "$exp" &&
    expect_out "$final" && expect_out '^compat: 6 passed, 0 failed$' &&
    expect_out '^unit/a +5 +2 +3 +0 +1\.5 +ok$' &&
    expect_out '^unit/type/b +1 +0 +0 +0 +300\.2 +timeout$' &&
    expect_out '^unit/c +0 +0 +0 +0 +20\.0 +nostart$' &&
    expect_out '^total +6 +2 +3 +0 +321\.7' &&
    expect_out 'NEW PASS +unit/a: beta \(with parens\)$' &&
    expect_out 'NEW PASS +unit/a: dup \[#2\]$' &&
    expect_out 'NEW PASS +unit/a: colored$' &&
    expect_out 'note: unit/type/b ended as "timeout"'

cat >"$exp" <<EOF
# a comment
unit/a${T}PASS${T}alpha
unit/a${T}PASS${T}dup [#2]
unit/a${T}FAIL${T}gamma${T}# not implemented
unit/type/b${T}PASS${T}one
unit/zzz${T}PASS${T}a unit that is not run
EOF
run_case "all expected pass; new passes are only hints" 0 --from-logs "$logs" --expected "$exp" &&
    expect_out '^compat: 6 passed, 0 failed$' && expect_out 'NEW PASS +unit/a: beta' &&
    expect_no_out 'NEW PASS +unit/a: alpha' && expect_no_out REGRESSION

printf 'unit/a\tPASS\tgamma\n' >>"$exp"
run_case "a failed expected test is a regression" 1 --from-logs "$logs" --expected "$exp" &&
    expect_out '^compat: 6 passed, 1 failed$' &&
    expect_out 'REGRESSION +unit/a: gamma \(failed\)$' &&
    expect_out '^unit/a +5 +2 +3 +1 '

printf 'unit/type/b\tPASS\ttwo\nunit/c\tPASS\tanything\n' >>"$exp"
run_case "tests lost to a timeout or a dead server are regressions" 1 --from-logs "$logs" --expected "$exp" &&
    expect_out '^compat: 6 passed, 3 failed$' &&
    expect_out 'REGRESSION +unit/type/b: two \(did not run, unit timeout\)$' &&
    expect_out 'REGRESSION +unit/c: anything \(did not run, unit nostart\)$'

grep -v "PASS${T}gamma" "$exp" >"$tmp/e2" && mv "$tmp/e2" "$exp"
run_case "only the units run are compared" 0 --from-logs "$logs" --expected "$exp" --units unit/a &&
    expect_out '^compat: 5 passed, 0 failed$' && expect_no_out 'unit/type/b'

printf 'unit/a PASS space-separated\n' >"$tmp/bad.txt"
run_case "malformed expectations are an error" 99 --from-logs "$logs" --expected "$tmp/bad.txt" &&
    expect_out 'bad.txt:1:'
printf 'unit/a\tFAIL\tno reason\n' >"$tmp/bad.txt"
run_case "a FAIL line needs a reason" 99 --from-logs "$logs" --expected "$tmp/bad.txt"

cat >"$exp" <<EOF
# header kept by --update

# unit/a: old counts comment, regenerated
unit/a${T}PASS${T}vanished test
unit/a${T}FAIL${T}gamma${T}# gamma needs FUNCTION
unit/a${T}FAIL${T}alpha${T}# alpha used to fail
unit/a${T}FAIL${T}not run now${T}# kept while it does not run
unit/zzz${T}PASS${T}unit not run: kept
EOF
run_case "--update reports the regression and rewrites" 1 --from-logs "$logs" --expected "$exp" --update &&
    expect_out 'REGRESSION +unit/a: vanished test' && expect_out 'updated '
expect_file "$exp" '^# header kept by --update$' 1
expect_file "$exp" "^unit/a${T}PASS${T}alpha$" 1
expect_file "$exp" "^unit/a${T}PASS${T}dup \\[#2\\]$" 1
expect_file "$exp" "^unit/a${T}FAIL${T}gamma${T}# gamma needs FUNCTION$" 1
expect_file "$exp" "^unit/a${T}FAIL${T}not run now${T}# kept while it does not run$" 1
expect_file "$exp" "^unit/zzz${T}PASS${T}unit not run: kept$" 1
expect_file "$exp" "^unit/type/b${T}PASS${T}one$" 1
expect_file "$exp" "^# unit/a: 5 expected to pass, 2 known failures$" 1
expect_file "$exp" "^# unit/" 2
if grep -q -e 'vanished' -e "FAIL${T}alpha" -e 'old counts' "$exp"; then
    echo "FAIL: --update kept stale lines"; cat "$exp"; fails=$((fails + 1))
fi
cp "$exp" "$tmp/after-update"
run_case "after --update the same logs pass" 0 --from-logs "$logs" --expected "$exp" &&
    expect_out '^compat: 6 passed, 0 failed$' && expect_no_out 'NEW PASS'
run_case "--update is idempotent" 0 --from-logs "$logs" --expected "$exp" --update
cmp -s "$exp" "$tmp/after-update" || { echo "FAIL: second --update changed the file"; diff "$tmp/after-update" "$exp"; fails=$((fails + 1)); }

unit_fail_log="$tmp/logs2"
mkdir "$unit_fail_log"
sed 's/^\[ok\]: alpha (3 ms)$/[err]: alpha in tests\/unit\/a.tcl/' "$logs/unit_a.log" >"$unit_fail_log/unit_a.log"
run_case "a previously passing test that fails now" 1 --from-logs "$unit_fail_log" --expected "$exp" --units unit/a &&
    expect_out 'REGRESSION +unit/a: alpha \(failed\)$' && expect_out '^compat: 4 passed, 1 failed$'

KVD_REDIS_SRC="$tmp/no-such-redis-src" KVD_COMPAT_OFFLINE=1 \
    run_case "no Redis source while offline is a skip (77)" 77 --server redis \
    --expected "$exp" --logdir "$tmp/l3" && expect_out 'SKIP: .*no-such-redis-src'

echo
if [ $fails = 0 ]; then echo "selftest: all $ncase cases passed"; exit 0; fi
echo "selftest: $fails check(s) failed"
exit 1

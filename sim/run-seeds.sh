#!/bin/sh
# run-seeds.sh - run kvd-sim over seeds 1..$SEEDS (default 50) with the
# default steps and faults, and check that seed 1 twice gives the same
# trace hash.  Last line: "sim: N passed, N failed".  Extra arguments go
# to every kvd-sim run (e.g. --steps 5000).
SIM="${KVD_SIM:-${KVD_TOP_BUILDDIR:-.}/sim/kvd-sim}"
NAME="${KVD_SIM_NAME:-sim}"   # the label of the last line
SEEDS="${SEEDS:-50}"
passed=0
failed=0

if [ ! -x "$SIM" ]; then
    echo "run-seeds.sh: $SIM not found (make $SIM)" >&2
    exit 1
fi

seed=1
while [ "$seed" -le "$SEEDS" ]; do
    if out=$("$SIM" --seed "$seed" "$@" 2>&1); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf "%s\n" "$out" >&2
    fi
    seed=$((seed + 1))
done

# Determinism: the same seed must give the same trace, bit for bit.
a=$("$SIM" --seed 1 "$@" 2>&1 | tail -n 1)
b=$("$SIM" --seed 1 "$@" 2>&1 | tail -n 1)
if [ -n "$a" ] && [ "$a" = "$b" ]; then
    passed=$((passed + 1))
    echo "determinism: $a"
else
    failed=$((failed + 1))
    echo "determinism FAILED: '$a' vs '$b'" >&2
fi

echo "$NAME: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

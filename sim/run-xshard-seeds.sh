#!/bin/sh
# run-xshard-seeds.sh - run kvd-sim-xshard over seeds 1..$SEEDS (default
# 50) and check that seed 1 twice gives the same trace hash.  Last line:
# "sim-xshard: N passed, N failed".  Extra arguments go to every run.
SIM="${KVD_SIM_XSHARD:-${KVD_TOP_BUILDDIR:-.}/sim/kvd-sim-xshard}"
SEEDS="${SEEDS:-50}"
passed=0
failed=0

if [ ! -x "$SIM" ]; then
    echo "run-xshard-seeds.sh: $SIM not found (make sim/kvd-sim-xshard)" >&2
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

echo "sim-xshard: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

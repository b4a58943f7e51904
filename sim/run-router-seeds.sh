#!/bin/sh
# run-router-seeds.sh - run kvd-sim-router over seeds 1..$SEEDS (default
# 50) and check that seed 1 twice gives the same trace hash, as
# run-seeds.sh does for kvd-sim.  Last line: "sim-router: N passed, N
# failed".  Extra arguments go to every run.
here="$(dirname "$0")"
KVD_SIM="${KVD_SIM_ROUTER:-${KVD_TOP_BUILDDIR:-.}/sim/kvd-sim-router}" KVD_SIM_NAME=sim-router \
    exec "${SHELL:-/bin/sh}" "$here/run-seeds.sh" "$@"

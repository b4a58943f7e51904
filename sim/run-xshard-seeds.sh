#!/bin/sh
# run-xshard-seeds.sh - run kvd-sim-xshard over seeds 1..$SEEDS (default
# 50) and check that seed 1 twice gives the same trace hash, as
# run-seeds.sh does for kvd-sim.  Last line: "sim-xshard: N passed, N
# failed".  Extra arguments go to every run.
here="$(dirname "$0")"
KVD_SIM="${KVD_SIM_XSHARD:-${KVD_TOP_BUILDDIR:-.}/sim/kvd-sim-xshard}" KVD_SIM_NAME=sim-xshard \
    exec "${SHELL:-/bin/sh}" "$here/run-seeds.sh" "$@"

#!/bin/bash
# t/compat/run-shards.sh - the Tcl compatibility run again, against kvd with
# shards: 4, checked against t/compat/expected-shards4.txt: users must not
# see the shards, so that file differs from expected.txt only where a test
# depends on the order in which two connections' commands reach a third
# shard (each such line gives its reason).  Tests that can hang for that
# reason (a client blocked forever) are not run at all:
# t/compat/skip-shards4.txt.  Options go to run.sh.
here="$(cd "$(dirname "$0")" && pwd)"
builddir="${KVD_TOP_BUILDDIR:-$here/../..}"
exec "$here/run.sh" --shards 4 --expected "$here/expected-shards4.txt" \
    --skipfile "$here/skip-shards4.txt" \
    --logdir "$builddir/t/compat/logs-kvd-shards4" "$@"

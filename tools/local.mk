# tools/local.mk - programs the benchmark scripts use, not installed.

# The no-work server docker/run-benchmarks.sh -F measures as the floor.
noinst_PROGRAMS = tools/bench-null-server
tools_bench_null_server_SOURCES = tools/bench-null-server.c
tools_bench_null_server_LDADD =

EXTRA_DIST += tools/bench-restart.sh tools/bench-shards.sh tools/callgrind-bench.sh \
	tools/install-deps.sh tools/mem-collections.py

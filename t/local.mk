# t/: integration tests against the real binary, and the Redis Tcl suite runner.
TESTS += t/integration/run.sh t/compat/run.sh
EXTRA_DIST += t/integration t/compat

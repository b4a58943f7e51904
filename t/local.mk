# t/: integration tests against the real binary, and the Redis Tcl suite runner.
TESTS += t/integration/run.sh t/compat/selftest.sh t/compat/run.sh
EXTRA_DIST += t/integration/run.sh t/integration/harness.py t/integration/conftest.py \
	$(wildcard $(srcdir)/t/integration/test_*.py) \
	t/compat/run.sh t/compat/selftest.sh t/compat/units.txt t/compat/expected.txt \
	t/compat/expected-redis-7.0.15.txt t/compat/baseline-redis-7.0.15.txt t/compat/README.md

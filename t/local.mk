# t/: integration tests against the real binary, and the Redis Tcl suite runner.
TESTS += t/integration/run.sh t/compat/selftest.sh t/compat/run.sh
EXTRA_DIST += t/integration t/compat

# Directories are copied whole into the tarball; drop what a run leaves behind.
dist-hook:
	rm -rf $(distdir)/t/integration/__pycache__ $(distdir)/t/compat/logs-*

# Logs of the compatibility runner live in the build tree.
clean-local:
	rm -rf t/compat/logs-kvd t/compat/logs-redis t/compat/work.*

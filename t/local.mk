# t/: integration tests against the real binary, and the Redis Tcl suite runner.
TESTS += t/integration/run.sh t/compat/selftest.sh t/compat/run.sh t/compat/run-shards.sh
EXTRA_DIST += t/integration t/compat

# Directories are copied whole into the tarball; drop what a run leaves behind.
# (An in-tree make check leaves .log/.trs files there; shipped, they would
# shadow the build tree's own through VPATH.)
dist-hook:
	rm -rf $(distdir)/t/integration/__pycache__ $(distdir)/t/compat/logs-* \
		$(distdir)/t/integration/*.log $(distdir)/t/integration/*.trs \
		$(distdir)/t/compat/*.log $(distdir)/t/compat/*.trs $(distdir)/t/compat/work.*

# Logs of the compatibility runner live in the build tree.
clean-local:
	rm -rf t/compat/logs-kvd t/compat/logs-kvd-shards4 t/compat/logs-redis t/compat/work.*

# Longer than make check allows: the cross-shard crash test (a worker
# SIGKILLed 10 times under transfers, then the whole server) over seeds
# 1..ROUNDS.  make soak ROUNDS=100; the first failing seed stops it.
ROUNDS ?= 20
soak: kvd
	@for i in $$(seq 1 $(ROUNDS)); do \
		echo "soak: round $$i of $(ROUNDS) (SEED=$$i)"; \
		SEED=$$i KVD_BIN='$(abs_top_builddir)/kvd' \
			$(SHELL) $(srcdir)/t/integration/run.sh -q -k crash_xshard || \
			{ echo "soak: failed at SEED=$$i"; exit 1; }; \
	done; echo "soak: $(ROUNDS) rounds passed"
.PHONY: soak

# sim/: the deterministic simulator (DESIGN.md section 7).  It links the
# same libkvd.a as the server; only the environment and the checks are its own.
check_PROGRAMS += sim/kvd-sim
sim_kvd_sim_SOURCES = \
	sim/main.c \
	sim/sim_env.h sim/sim_env.c \
	sim/workload.h sim/workload.c \
	sim/model.h sim/model.c sim/model_cmd.c \
	sim/trace.h sim/trace.c
sim_kvd_sim_CFLAGS = $(AM_CFLAGS)
sim_kvd_sim_LDADD = $(KVD_LIBS)

TESTS += sim/run-seeds.sh
EXTRA_DIST += sim/run-seeds.sh

# More seeds on demand: make sim SEEDS=10000
SEEDS ?= 50
sim: sim/kvd-sim
	KVD_TOP_BUILDDIR='$(abs_top_builddir)' SEEDS='$(SEEDS)' $(SHELL) $(srcdir)/sim/run-seeds.sh
.PHONY: sim

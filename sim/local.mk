# sim/: the deterministic simulator (DESIGN.md section 7).  It links the
# same libkvd.a as the server; only the environment and the checks are its own.
check_PROGRAMS += sim/kvd-sim
sim_kvd_sim_SOURCES = \
	sim/main.c \
	sim/sim_env.h sim/sim_env.c \
	sim/workload.h sim/workload_int.h sim/workload.c sim/workload_coll.c \
	sim/model.h sim/model.c sim/model_cmd.c sim/model_list.c sim/model_hash.c \
	sim/model_set.c sim/model_zset.c sim/model_multi.c sim/model_canon.c \
	sim/trace.h sim/trace.c \
	sim/linearize.h sim/linearize.c \
	sim/history.h sim/history.c \
	sim/sim.h sim/crash.c \
	sim/sim_disk.h sim/sim_disk.c \
	sim/sim_fork.c \
	sim/durable.h sim/durable.c \
	sim/txn.c sim/verify.c
sim_kvd_sim_CFLAGS = $(AM_CFLAGS)
sim_kvd_sim_LDADD = $(KVD_LIBS)

# Cross-shard transactions through crashes, on several shards (xsim.h).
check_PROGRAMS += sim/kvd-sim-xshard
sim_kvd_sim_xshard_SOURCES = \
	sim/xsim.h sim/xsim_main.c sim/xsim_shard.c sim/xsim_tx.c sim/xsim_check.c \
	sim/sim_env.h sim/sim_env.c \
	sim/sim_disk.h sim/sim_disk.c \
	sim/sim_fork.c \
	sim/trace.h sim/trace.c
sim_kvd_sim_xshard_CFLAGS = $(AM_CFLAGS)
sim_kvd_sim_xshard_LDADD = $(KVD_LIBS)

# The real router, participant and coordinator on several shards (rsim.h).
check_PROGRAMS += sim/kvd-sim-router
sim_kvd_sim_router_SOURCES = \
	sim/rsim.h sim/rsim_main.c sim/rsim_shard.c sim/rsim_client.c sim/rsim_check.c \
	sim/sim.h sim/verify.c \
	sim/sim_env.h sim/sim_env.c \
	sim/sim_disk.h sim/sim_disk.c \
	sim/sim_fork.c \
	sim/trace.h sim/trace.c
sim_kvd_sim_router_CFLAGS = $(AM_CFLAGS)
sim_kvd_sim_router_LDADD = $(KVD_LIBS)

TESTS += sim/run-seeds.sh sim/run-xshard-seeds.sh sim/run-router-seeds.sh
EXTRA_DIST += sim/run-seeds.sh sim/run-xshard-seeds.sh sim/run-router-seeds.sh

# More seeds on demand: make sim SEEDS=10000
SEEDS ?= 50
sim: sim/kvd-sim sim/kvd-sim-xshard sim/kvd-sim-router
	KVD_TOP_BUILDDIR='$(abs_top_builddir)' SEEDS='$(SEEDS)' $(SHELL) $(srcdir)/sim/run-seeds.sh
	KVD_TOP_BUILDDIR='$(abs_top_builddir)' SEEDS='$(SEEDS)' $(SHELL) $(srcdir)/sim/run-xshard-seeds.sh
	KVD_TOP_BUILDDIR='$(abs_top_builddir)' SEEDS='$(SEEDS)' $(SHELL) $(srcdir)/sim/run-router-seeds.sh
.PHONY: sim

# The linearizability checker, tested on its own.
check_PROGRAMS += t/unit/test_linearize
TESTS += t/unit/test_linearize
t_unit_test_linearize_SOURCES = t/unit/test_linearize.c sim/linearize.h sim/linearize.c
t_unit_test_linearize_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/sim
t_unit_test_linearize_LDADD = $(UNIT_LIBS)

# src/aof: the per-shard append-only file.
libkvd_a_SOURCES += src/aof/aof.h src/aof/aof_int.h src/aof/aof.c src/aof/aof_load.c \
	src/aof/aof_rewrite.c src/aof/aof_fork.c src/aof/aof_tx.c src/aof/t_persist.c

check_PROGRAMS += t/unit/test_aof
TESTS += t/unit/test_aof
t_unit_test_aof_SOURCES = t/unit/test_aof.c t/unit/aof_fixture.h t/unit/aof_fixture.c \
	t/unit/harness.h t/unit/harness.c
t_unit_test_aof_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_aof_LDADD = $(UNIT_LIBS)

# Cross-shard transactions in the file: markers, doubt, the committed set.
check_PROGRAMS += t/unit/test_aof_tx
TESTS += t/unit/test_aof_tx
t_unit_test_aof_tx_SOURCES = t/unit/test_aof_tx.c t/unit/aof_fixture.h t/unit/aof_fixture.c \
	t/unit/harness.h t/unit/harness.c
t_unit_test_aof_tx_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_aof_tx_LDADD = $(UNIT_LIBS)

# kvd-check-aof: reports on (and with --fix cuts) an append-only file.
bin_PROGRAMS = kvd-check-aof
kvd_check_aof_SOURCES = src/aof/kvd_check_aof.c
kvd_check_aof_LDADD = $(KVD_LIBS)
dist_man_MANS += man/kvd-check-aof.8

# src/cmd/zset.mk - the sorted set type: its commands, encodings and tests.
libkvd_a_SOURCES += src/cmd/t_zset.c src/cmd/t_zset_range.c src/cmd/t_zset_ops.c \
	src/cmd/zset_cmd.h src/cmd/zset_type.h src/cmd/zset_type.c \
	src/cmd/zset_pack.h src/cmd/zset_pack.c src/cmd/zset_skiplist.h src/cmd/zset_skiplist.c

check_PROGRAMS += t/unit/test_zset
TESTS += t/unit/test_zset
t_unit_test_zset_SOURCES = t/unit/test_zset.c t/unit/harness.h t/unit/harness.c
t_unit_test_zset_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_zset_LDADD = $(UNIT_LIBS)

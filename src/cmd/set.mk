# src/cmd/set.mk - the set type: its commands, encodings and tests.
libkvd_a_SOURCES += src/cmd/t_set.c src/cmd/set_ops.c src/cmd/set_cmd.h \
	src/cmd/set_type.c src/cmd/set_type.h src/cmd/set_intset.c src/cmd/set_intset.h

check_PROGRAMS += t/unit/test_set
TESTS += t/unit/test_set
t_unit_test_set_SOURCES = t/unit/test_set.c
t_unit_test_set_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_set_LDADD = $(UNIT_LIBS)

# src/cmd/list.mk - the list type: its commands, encodings and tests.
libkvd_a_SOURCES += src/cmd/t_list.c src/cmd/list_quick.h src/cmd/list_quick.c

check_PROGRAMS += t/unit/test_list
TESTS += t/unit/test_list
t_unit_test_list_SOURCES = t/unit/test_list.c
t_unit_test_list_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_list_LDADD = $(UNIT_LIBS)

check_PROGRAMS += t/unit/test_blocking
TESTS += t/unit/test_blocking
t_unit_test_blocking_SOURCES = t/unit/test_blocking.c t/unit/harness.h t/unit/harness.c
t_unit_test_blocking_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_blocking_LDADD = $(UNIT_LIBS)

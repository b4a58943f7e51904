# src/cmd/sort.mk - SORT and SORT_RO, their key patterns and tests.
libkvd_a_SOURCES += src/cmd/t_sort.c src/cmd/sort_pattern.h src/cmd/sort_pattern.c

check_PROGRAMS += t/unit/test_sort
TESTS += t/unit/test_sort
t_unit_test_sort_SOURCES = t/unit/test_sort.c t/unit/harness.h t/unit/harness.c
t_unit_test_sort_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_sort_LDADD = $(UNIT_LIBS)

# src/cmd/hash.mk - the hash type: its commands, encodings and tests.
libkvd_a_SOURCES += src/cmd/t_hash.c src/cmd/hash_type.h src/cmd/hash_type.c \
	src/cmd/hash_compact.h src/cmd/hash_compact.c

check_PROGRAMS += t/unit/test_hash
TESTS += t/unit/test_hash
t_unit_test_hash_SOURCES = t/unit/test_hash.c t/unit/harness.h t/unit/harness.c
t_unit_test_hash_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_hash_LDADD = $(UNIT_LIBS)

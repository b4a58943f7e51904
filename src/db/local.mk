# src/db: the keyspace: hash table with incremental rehashing, entries, expiry.
libkvd_a_SOURCES += \
	src/db/dict.h src/db/dict.c \
	src/db/db.h src/db/db_impl.h src/db/db.c \
	src/db/entry.c src/db/expire.c

check_PROGRAMS += t/unit/test_db
TESTS += t/unit/test_db
t_unit_test_db_SOURCES = t/unit/test_db.c
t_unit_test_db_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_db_LDADD = $(UNIT_LIBS)

# src/core: shared definitions, allocation, buffers, logging, configuration.
libkvd_a_SOURCES += \
	src/core/kvd.h src/core/alloc.c \
	src/core/buf.h src/core/buf.c \
	src/core/util.h src/core/util.c \
	src/core/slot.h src/core/slot.c \
	src/core/log.h src/core/log.c \
	src/core/env.h src/core/env.c \
	src/core/glob.h src/core/glob.c \
	src/core/config.h src/core/config_int.h src/core/config.c src/core/config_params.c

check_PROGRAMS += t/unit/test_config
TESTS += t/unit/test_config
t_unit_test_config_SOURCES = t/unit/test_config.c
t_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_config_LDADD = $(UNIT_LIBS)
EXTRA_DIST += t/unit/conf

check_PROGRAMS += t/unit/test_slot
TESTS += t/unit/test_slot
t_unit_test_slot_SOURCES = t/unit/test_slot.c
t_unit_test_slot_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_slot_LDADD = $(UNIT_LIBS)

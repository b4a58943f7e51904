# src/cmd: the command table, dispatch, the shard core and one file per command family.
libkvd_a_SOURCES += \
	src/cmd/command.h src/cmd/table.c \
	src/cmd/client.h src/cmd/client.c src/cmd/dispatch.c \
	src/cmd/shard.h src/cmd/shard.c src/cmd/keyindex.h src/cmd/keyindex.c src/cmd/blocking.h src/cmd/blocking.c src/cmd/multi.h src/cmd/multi.c \
	src/cmd/t_server.c src/cmd/t_info.c src/cmd/t_keys.c src/cmd/t_string.c \
	src/cmd/t_string.h src/cmd/t_incr.c src/cmd/t_lcs.c \
	src/cmd/t_bitops.c src/cmd/t_expire.c src/cmd/t_function.c src/cmd/t_cluster.c src/cmd/t_memory.c \
	src/cmd/server.h src/cmd/t_client.c src/cmd/client_info.c src/cmd/t_command.c src/cmd/command_meta.c

check_PROGRAMS += t/unit/test_command
TESTS += t/unit/test_command
t_unit_test_command_SOURCES = t/unit/test_command.c t/unit/harness.h t/unit/harness.c
t_unit_test_command_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_command_LDADD = $(UNIT_LIBS)

check_PROGRAMS += t/unit/test_keys
TESTS += t/unit/test_keys
t_unit_test_keys_SOURCES = t/unit/test_keys.c t/unit/harness.h t/unit/harness.c
t_unit_test_keys_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_keys_LDADD = $(UNIT_LIBS)

check_PROGRAMS += t/unit/test_string
TESTS += t/unit/test_string
t_unit_test_string_SOURCES = t/unit/test_string.c t/unit/harness.h t/unit/harness.c
t_unit_test_string_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_string_LDADD = $(UNIT_LIBS)

check_PROGRAMS += t/unit/test_server
TESTS += t/unit/test_server
t_unit_test_server_SOURCES = t/unit/test_server.c
t_unit_test_server_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_server_LDADD = $(UNIT_LIBS)

check_PROGRAMS += t/unit/test_dirty
TESTS += t/unit/test_dirty
t_unit_test_dirty_SOURCES = t/unit/test_dirty.c t/unit/harness.h t/unit/harness.c
t_unit_test_dirty_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_dirty_LDADD = $(UNIT_LIBS)

check_PROGRAMS += t/unit/test_multi
TESTS += t/unit/test_multi
t_unit_test_multi_SOURCES = t/unit/test_multi.c t/unit/harness.h t/unit/harness.c
t_unit_test_multi_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_multi_LDADD = $(UNIT_LIBS)

# src/proto: RESP2 request parsing and reply encoding.
libkvd_a_SOURCES += \
	src/proto/resp.h src/proto/resp.c \
	src/proto/reply.h src/proto/reply.c

check_PROGRAMS += t/unit/test_resp
TESTS += t/unit/test_resp
t_unit_test_resp_SOURCES = t/unit/test_resp.c
t_unit_test_resp_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_resp_LDADD = $(UNIT_LIBS)

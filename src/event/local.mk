# src/event: the worker's libev loop, client connections, and routing
# between workers over the rings.
libkvd_a_SOURCES += \
	src/event/worker.h src/event/worker.c \
	src/event/conn.h src/event/conn.c src/event/conn_route.c \
	src/event/route.h src/event/route.c src/event/route_info.c src/event/router.h src/event/router.c \
	src/event/xshard.h src/event/xshard.c src/event/xshard_int.h src/event/xshard_cross.c \
	src/event/xshard_end.c src/event/txpart.c src/event/router_int.h

check_PROGRAMS += t/unit/test_route
TESTS += t/unit/test_route
t_unit_test_route_SOURCES = t/unit/test_route.c t/unit/harness.h t/unit/harness.c
t_unit_test_route_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_route_LDADD = $(UNIT_LIBS)

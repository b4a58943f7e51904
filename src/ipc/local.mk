# src/ipc/local.mk - the shared region and the rings between workers.
libkvd_a_SOURCES += \
	src/ipc/ring.h src/ipc/ring.c \
	src/ipc/shm.h src/ipc/shm.c \
	src/ipc/wake.h src/ipc/wake_eventfd.c

check_PROGRAMS += t/unit/test_ring
TESTS += t/unit/test_ring
t_unit_test_ring_SOURCES = t/unit/test_ring.c t/unit/ring_util.h t/unit/ring_util.c
t_unit_test_ring_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_ring_LDADD = $(UNIT_LIBS)

# Two real processes over a shared mapping; prints seed=N (replay: SEED=N).
check_PROGRAMS += t/unit/test_ring_hammer
TESTS += t/unit/test_ring_hammer
t_unit_test_ring_hammer_SOURCES = t/unit/test_ring_hammer.c t/unit/ring_util.h t/unit/ring_util.c
t_unit_test_ring_hammer_CFLAGS = $(UNIT_CFLAGS)
t_unit_test_ring_hammer_LDADD = $(UNIT_LIBS)

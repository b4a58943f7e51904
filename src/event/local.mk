# src/event: the worker's libev loop and client connections.
libkvd_a_SOURCES += \
	src/event/worker.h src/event/worker.c \
	src/event/conn.h src/event/conn.c

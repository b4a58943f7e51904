# src/os/unix: the production environment, processes, sockets, signals.
libkvd_a_SOURCES += \
	src/os/unix/env_unix.c \
	src/os/unix/net.h src/os/unix/net.c \
	src/os/unix/process.h src/os/unix/master.c src/os/unix/daemon.c

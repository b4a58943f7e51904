# src/aof: the per-shard append-only file.
libkvd_a_SOURCES += src/aof/aof.h src/aof/aof_int.h src/aof/aof.c src/aof/aof_load.c \
	src/aof/aof_rewrite.c src/aof/aof_fork.c src/aof/t_persist.c

# src/aof: the per-shard append-only file.
libkvd_a_SOURCES += src/aof/aof.h src/aof/aof.c

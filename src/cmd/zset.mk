# src/cmd/zset.mk - the sorted set type: its commands, encodings and tests.
libkvd_a_SOURCES += src/cmd/t_zset.c

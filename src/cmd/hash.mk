# src/cmd/hash.mk - the hash type: its commands, encodings and tests.
libkvd_a_SOURCES += src/cmd/t_hash.c

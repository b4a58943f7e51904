# src/cmd/set.mk - the set type: its commands, encodings and tests.
libkvd_a_SOURCES += src/cmd/t_set.c

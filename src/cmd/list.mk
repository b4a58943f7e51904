# src/cmd/list.mk - the list type: its commands, encodings and tests.
libkvd_a_SOURCES += src/cmd/t_list.c

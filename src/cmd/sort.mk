# src/cmd/sort.mk - SORT and SORT_RO.
libkvd_a_SOURCES += src/cmd/t_sort.c

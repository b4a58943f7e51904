/*
 * aof_fixture.h - the fixture of the AOF unit tests (test_aof.c,
 * test_aof_tx.c): setup loads an empty file under a fresh directory,
 * appendfsync always; aof_restart throws the shard away and replays.
 */
#ifndef KVD_T_AOF_FIXTURE_H
#define KVD_T_AOF_FIXTURE_H

#include "harness.h"
#include <check.h>

#include "aof/aof.h"
#include "aof/aof_int.h"

#define CHECK(expected, ...) ck_assert_str_eq(th_run(__VA_ARGS__, NULL), expected)

extern char aof_path[300];

void aof_setup(void);
void aof_teardown(void);
/* The whole file as a NUL-terminated string (binary-safe length in *len). */
char *aof_slurp(size_t *len);
void aof_append_raw(const char *bytes);
/* Throw the shard away and start a new one on the same directory: 0 or
 * kvd_aof_load's -1. */
int aof_restart(void);
/* Poll until the rewrite child is done. */
void aof_wait_rewrite(void);

#endif /* KVD_T_AOF_FIXTURE_H */

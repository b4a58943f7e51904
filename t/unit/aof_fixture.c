/*
 * aof_fixture.c - what the AOF unit tests share: a shard whose file lives
 * in a fresh temporary directory, and ways to look at and damage it.
 */
#include "aof_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[256];
char aof_path[300];

void aof_setup(void)
{
    th_setup();
    kvd_register_persist_commands();
    snprintf(dir, sizeof(dir), "/tmp/kvd-test-aof-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(aof_path, sizeof(aof_path), "%s/appendonly-0.aof", dir);
    th_cfg.dir = kvd_strdup(dir);
    th_cfg.appendonly = true;
    th_cfg.appendfsync = KVD_FSYNC_ALWAYS;
    ck_assert_int_eq(kvd_aof_load(th_shard), 0);
}

void aof_teardown(void)
{
    th_teardown();
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

char *aof_slurp(size_t *len)
{
    FILE *f = fopen(aof_path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void aof_append_raw(const char *bytes)
{
    FILE *f = fopen(aof_path, "ab");
    ck_assert_ptr_nonnull(f);
    fputs(bytes, f);
    fclose(f);
}

int aof_restart(void)
{
    kvd_aof_before_sleep(th_shard);
    kvd_client_release(&th_client);
    kvd_shard_destroy(th_shard);
    th_shard = kvd_shard_create(0, 1, &th_env, &th_cfg);
    kvd_client_init(&th_client, th_shard);
    th_client.reply = &th_out;
    return kvd_aof_load(th_shard);
}

void aof_wait_rewrite(void)
{
    for (int i = 0; i < 500 && th_shard->aof->child > 0; i++) {
        usleep(10000);
        kvd_aof_cron(th_shard);
    }
    ck_assert_int_eq(th_shard->aof->child, 0);
}


/*
 * sim_disk.c - a crashable in-memory disk for the env file calls (see
 * sim_disk.h for the model).  Files are inodes named by paths; handles
 * index a small table.  Everything random comes from the run's PRNG.
 */
#include "sim_disk.h"

#include <errno.h>

#define DISK_MAX_FILES 64
#define DISK_MAX_NAMES 16
#define DISK_MAX_HANDLES 32

/* Fault rates, per call, under BUGGIFY.  Rare enough that a run spends
 * most of its time serving (a failed fsync refuses writes until cron's
 * retry), common enough that every few seeds meet each kind. */
#define SHORT_WRITE_ONE_IN 40
#define ENOSPC_ONE_IN 1500
#define EIO_FSYNC_ONE_IN 700
#define FULL_MAX_US 2000000 /* a full disk stays full up to this long */

typedef struct sfile {
    char *data; /* the page cache: what reads see */
    size_t len, cap;
    char *dur; /* what a crash keeps for sure */
    size_t dlen;
    bool failed; /* an injected error since the last good fsync */
} sfile_t;

typedef struct sname {
    char *path;
    int ino;
} sname_t;

typedef struct names {
    sname_t v[DISK_MAX_NAMES];
    int n;
} names_t;

struct sim_disk {
    sim_env_t *se;
    bool faults;
    sfile_t files[DISK_MAX_FILES];
    int nfiles;
    names_t cur, dur; /* the directory as seen, and as a crash keeps it */
    int handle[DISK_MAX_HANDLES]; /* inode, or -1 when free */
    uint64_t full_until_us;
    sim_disk_stats_t st;
};

static sim_disk_t *disk_of(kvd_env_t *env)
{
    sim_env_t *se = env->ctx;
    KVD_ASSERT(se != NULL && se->disk != NULL);
    return se->disk;
}

static int name_find(const names_t *ns, const char *path)
{
    for (int i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i].path, path) == 0)
            return i;
    return -1;
}

static void name_set(names_t *ns, const char *path, int ino)
{
    int i = name_find(ns, path);
    if (i < 0) {
        KVD_ASSERT(ns->n < DISK_MAX_NAMES);
        i = ns->n++;
        ns->v[i].path = kvd_strdup(path);
    }
    ns->v[i].ino = ino;
}

static void name_del(names_t *ns, int i)
{
    kvd_free(ns->v[i].path);
    ns->v[i] = ns->v[--ns->n];
}

static void names_copy(names_t *to, const names_t *from)
{
    while (to->n > 0)
        name_del(to, to->n - 1);
    for (int i = 0; i < from->n; i++)
        name_set(to, from->v[i].path, from->v[i].ino);
}

static sfile_t *file_of(sim_disk_t *d, int fh)
{
    if (fh < 0 || fh >= DISK_MAX_HANDLES || d->handle[fh] < 0)
        return NULL;
    return &d->files[d->handle[fh]];
}

static void file_resize(sfile_t *f, size_t len)
{
    if (len > f->cap) {
        size_t cap = f->cap ? f->cap : 4096;
        while (cap < len)
            cap *= 2;
        f->data = kvd_realloc(f->data, cap);
        f->cap = cap;
    }
    if (len > f->len)
        memset(f->data + f->len, 0, len - f->len);
    f->len = len;
}

static int d_open(kvd_env_t *env, const char *path, int flags)
{
    sim_disk_t *d = disk_of(env);
    int i = name_find(&d->cur, path), ino;
    if (i >= 0) {
        ino = d->cur.v[i].ino;
    } else {
        if (!(flags & KVD_ENV_O_CREATE))
            return -ENOENT;
        KVD_ASSERT(d->nfiles < DISK_MAX_FILES);
        ino = d->nfiles++;
        name_set(&d->cur, path, ino);
        name_set(&d->dur, path, ino); /* creation is durable: see sim_disk.h */
    }
    for (int fh = 0; fh < DISK_MAX_HANDLES; fh++) {
        if (d->handle[fh] < 0) {
            d->handle[fh] = ino;
            return fh;
        }
    }
    return -EMFILE;
}

/* BUGGIFY for an append of n bytes: how many to take, or -errno. */
static ssize_t append_fault(sim_disk_t *d, sfile_t *f, size_t n)
{
    sim_rng_t *r = &d->se->rng;
    if (!d->faults)
        return (ssize_t)n;
    if (d->se->now_us < d->full_until_us || sim_rng_one_in(r, ENOSPC_ONE_IN)) {
        if (d->se->now_us >= d->full_until_us)
            d->full_until_us = d->se->now_us + sim_rng_below(r, FULL_MAX_US);
        d->st.enospc++;
        f->failed = true;
        return -ENOSPC;
    }
    if (n > 1 && sim_rng_one_in(r, SHORT_WRITE_ONE_IN)) {
        d->st.short_writes++;
        return (ssize_t)(1 + sim_rng_below(r, n - 1));
    }
    return (ssize_t)n;
}

static ssize_t d_append(kvd_env_t *env, int fh, const void *p, size_t n)
{
    sim_disk_t *d = disk_of(env);
    sfile_t *f = file_of(d, fh);
    if (f == NULL)
        return -EBADF;
    ssize_t take = append_fault(d, f, n);
    if (take <= 0)
        return take;
    size_t at = f->len;
    file_resize(f, at + (size_t)take);
    memcpy(f->data + at, p, (size_t)take);
    d->st.appends++;
    d->st.bytes += (uint64_t)take;
    return take;
}

static ssize_t d_pread(kvd_env_t *env, int fh, void *p, size_t n, uint64_t off)
{
    sfile_t *f = file_of(disk_of(env), fh);
    if (f == NULL)
        return -EBADF;
    if (off >= f->len)
        return 0;
    size_t take = f->len - (size_t)off < n ? f->len - (size_t)off : n;
    memcpy(p, f->data + off, take);
    return (ssize_t)take;
}

static int d_sync(kvd_env_t *env, int fh)
{
    sim_disk_t *d = disk_of(env);
    sfile_t *f = file_of(d, fh);
    if (f == NULL)
        return -EBADF;
    if (d->faults && sim_rng_one_in(&d->se->rng, EIO_FSYNC_ONE_IN)) {
        d->st.eio++;
        f->failed = true;
        return -EIO;
    }
    f->dur = kvd_realloc(f->dur, f->len ? f->len : 1);
    if (f->len > 0)
        memcpy(f->dur, f->data, f->len);
    f->dlen = f->len;
    f->failed = false;
    d->st.syncs++;
    return 0;
}

static int d_truncate(kvd_env_t *env, int fh, uint64_t size)
{
    sfile_t *f = file_of(disk_of(env), fh);
    if (f == NULL)
        return -EBADF;
    file_resize(f, (size_t)size);
    return 0;
}

static int d_close(kvd_env_t *env, int fh)
{
    sim_disk_t *d = disk_of(env);
    if (file_of(d, fh) == NULL)
        return -EBADF;
    d->handle[fh] = -1;
    return 0;
}

static int d_rename(kvd_env_t *env, const char *from, const char *to)
{
    sim_disk_t *d = disk_of(env);
    int i = name_find(&d->cur, from);
    if (i < 0)
        return -ENOENT;
    int ino = d->cur.v[i].ino;
    name_del(&d->cur, i);
    name_set(&d->cur, to, ino);
    d->st.renames++;
    return 0;
}

static int d_dir_sync(kvd_env_t *env, const char *dir)
{
    KVD_UNUSED(dir); /* one directory: every path lives in it */
    sim_disk_t *d = disk_of(env);
    names_copy(&d->dur, &d->cur);
    return 0;
}

sim_disk_t *sim_disk_attach(sim_env_t *se, bool faults)
{
    sim_disk_t *d = kvd_calloc(1, sizeof(*d));
    d->se = se;
    d->faults = faults;
    for (int i = 0; i < DISK_MAX_HANDLES; i++)
        d->handle[i] = -1;
    se->disk = d;
    se->env.file_open = d_open;
    se->env.file_append = d_append;
    se->env.file_pread = d_pread;
    se->env.file_sync = d_sync;
    se->env.file_truncate = d_truncate;
    se->env.file_close = d_close;
    se->env.file_rename = d_rename;
    se->env.dir_sync = d_dir_sync;
    return d;
}

void sim_disk_free(sim_disk_t *d)
{
    for (int i = 0; i < d->nfiles; i++)
        kvd_free(d->files[i].data), kvd_free(d->files[i].dur);
    while (d->cur.n > 0)
        name_del(&d->cur, d->cur.n - 1);
    while (d->dur.n > 0)
        name_del(&d->dur, d->dur.n - 1);
    kvd_free(d);
}

/* What one file holds after power loss: the durable bytes, or (the seed
 * says) the bytes both agree on plus a prefix of the page cache's rest:
 * the unsynced writes reached the platter in order, the last one maybe
 * only in part. */
static void crash_file(sim_disk_t *d, sfile_t *f)
{
    sim_rng_t *r = &d->se->rng;
    size_t common = 0;
    size_t lim = f->len < f->dlen ? f->len : f->dlen;
    while (common < lim && f->data[common] == f->dur[common])
        common++;
    if (sim_rng_one_in(r, 3)) {
        /* none of the unsynced changes made it */
        file_resize(f, f->dlen);
        if (f->dlen > 0)
            memcpy(f->data, f->dur, f->dlen);
    } else {
        f->len = common + (size_t)sim_rng_below(r, f->len - common + 1);
    }
    if (f->len > f->dlen)
        d->st.unsynced_kept += f->len - f->dlen;
    f->dur = kvd_realloc(f->dur, f->len ? f->len : 1);
    if (f->len > 0)
        memcpy(f->dur, f->data, f->len);
    f->dlen = f->len;
    f->failed = false;
}

void sim_disk_crash(sim_disk_t *d)
{
    for (int i = 0; i < DISK_MAX_HANDLES; i++)
        d->handle[i] = -1;
    for (int i = 0; i < d->nfiles; i++) {
        size_t before = d->files[i].len;
        crash_file(d, &d->files[i]);
        if (before > d->files[i].len)
            d->st.unsynced_lost += before - d->files[i].len;
    }
    /* A rename not yet followed by dir_sync may or may not have reached
     * the journal. */
    if (sim_rng_one_in(&d->se->rng, 2))
        names_copy(&d->dur, &d->cur);
    names_copy(&d->cur, &d->dur);
    d->full_until_us = 0;
    d->st.crashes++;
}

void sim_disk_set_faults(sim_disk_t *d, bool faults)
{
    d->faults = faults;
    d->full_until_us = 0;
}

bool sim_disk_failing(const sim_disk_t *d, const char *path)
{
    int i = name_find(&d->cur, path);
    return i >= 0 && d->files[d->cur.v[i].ino].failed;
}

const sim_disk_stats_t *sim_disk_stats(const sim_disk_t *d)
{
    return &d->st;
}

/*
 * sim_fork.c - the simulator's aof_fork.c: BGREWRITEAOF's child process,
 * simulated.  Linking these four functions keeps aof_fork.o (real fork,
 * waitpid, libev) out of kvd-sim, and the rewrite code of src/aof runs
 * unchanged around them.
 *
 * A real child writes the keyspace as it was at fork time while the
 * worker goes on; here the "child" does that same work at once, at fork
 * time, on the worker's memory (nothing has changed yet, so it is the
 * same snapshot) and through the simulated disk, so its writes meet the
 * same faults.  Its exit is reported a seeded number of polls later, and
 * the worker's writes of that window go to the rewrite stream as for real.
 * The child's body repeats child_main of aof_rewrite.c (a static there).
 */
#include "aof/aof_int.h"
#include "sim_env.h"

/* One child per shard at most; kvd-sim-xshard runs several shards. */
#define SIM_MAX_CHILDREN 8

typedef struct sim_child {
    int pid;        /* 0: the slot is free */
    int polls_left; /* aof_child_done answers "running" this many more times */
    int code;
} sim_child_t;

static sim_child_t children[SIM_MAX_CHILDREN];
static int next_pid = 1000;

static sim_child_t *child_of(int pid)
{
    for (int i = 0; i < SIM_MAX_CHILDREN; i++)
        if (children[i].pid == pid)
            return &children[i];
    return NULL;
}

int aof_fork(void)
{
    kvd_shard_t *s = kvd_current_shard;
    KVD_ASSERT(s != NULL && s->aof != NULL && s->aof->child == 0);
    sim_child_t *child = child_of(0);
    KVD_ASSERT(child != NULL);
    sim_env_t *se = s->env->ctx;
    /* BUGGIFY: fork fails (no memory for the page tables, EAGAIN). */
    if (se->buggify && sim_rng_one_in(&se->rng, 10))
        return -EAGAIN;
    child->code = aof_rewrite_child_work(s) == 0 ? 0 : 1;
    child->polls_left = (int)sim_rng_below(&se->rng, 5);
    child->pid = next_pid++;
    return child->pid;
}

int aof_child_done(int pid, bool *ok)
{
    sim_child_t *child = child_of(pid);
    KVD_ASSERT(pid > 0 && child != NULL);
    if (child->polls_left-- > 0)
        return 0;
    *ok = child->code == 0;
    child->pid = 0;
    return 1;
}

void aof_child_kill(int pid)
{
    sim_child_t *child = child_of(pid);
    KVD_ASSERT(pid > 0 && child != NULL);
    child->pid = 0;
}

void aof_child_exit(int code)
{
    KVD_UNUSED(code);
    KVD_ASSERT(!"kvd-sim's aof_fork never returns 0: no child runs kvd code");
    abort();
}

/*
 * durable.h - the durability check across worker crashes (DESIGN.md
 * sections 6 and 7).
 *
 * The rule.  The AOF is the shard's writes in the order they ran, so
 * after a crash and replay the keyspace must equal the reference model's
 * state after some prefix of the commands run since the last restart:
 * never a reordering, never a gap, never a write that did not run.
 * Which prefix is the disk's business, with one bound: under appendfsync
 * always, a write whose reply reached its client was synced before the
 * reply left, so the prefix must reach at least the last such write
 * (under everysec and no only the prefix rule is checked).
 *
 * How.  Before the model runs a command, the state of every key it names
 * is saved (an undo log).  At recovery the keyspace is compared with the
 * model's current state, and the log is undone command by command, newest
 * first, until they agree; the model is then at the recovered state and
 * runs on from there.  Keys (of every type and namespace, workload.h)
 * are compared as live values at the recovery time (a key past its
 * expiry is absent on both sides): the model's canonical bytes against
 * kvd's answer to the read that returns the whole value, put in the
 * model's order (model_canon).  FLUSHDB saves every key of its database,
 * an EXEC every key of its queue.
 */
#ifndef KVD_SIM_DURABLE_H
#define KVD_SIM_DURABLE_H

#include "cmd/shard.h"
#include "model.h"

typedef struct sim_durable sim_durable_t;

sim_durable_t *sim_durable_new(int nkeys);
void sim_durable_free(sim_durable_t *u);
/* The model is about to run argv in db: save the keys it names.  line
 * describes the command for reports.  Returns the command's index. */
uint64_t sim_durable_before(sim_durable_t *u, model_t *m, int db, const kvd_arg_t *argv, int argc,
                            const char *line);
/* The model ran it at now_ms: remember whether it changed a live value. */
void sim_durable_after(sim_durable_t *u, model_t *m, int64_t now_ms);
/* The reply of command idx reached its client. */
void sim_durable_acked(sim_durable_t *u, uint64_t idx);

typedef struct sim_recovery {
    bool ok;
    uint64_t ran;       /* commands run since the last restart */
    uint64_t kept;      /* of them, the prefix the recovered keyspace holds */
    uint64_t needed;    /* the prefix the acknowledged writes require */
    char why[1024];     /* what was wrong, when !ok */
} sim_recovery_t;

/* Check the recovered shard s against the model (see above) and move the
 * model to the recovered state; the log starts afresh. */
void sim_durable_recover(sim_durable_t *u, model_t *m, kvd_shard_t *s, int64_t now_ms,
                         bool always, sim_recovery_t *res);

/* Does the shard hold exactly the model's keyspace now (every key of
 * every type, with its expiry)?  If not, why names the first key that
 * differs.  Nothing is undone: the end-of-run check. */
bool sim_durable_same_state(sim_durable_t *u, model_t *m, kvd_shard_t *s, int64_t now_ms,
                            char *why, size_t cap);

#endif /* KVD_SIM_DURABLE_H */

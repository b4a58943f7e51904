/*
 * history.h - what the simulated clients saw, per key, for the
 * linearizability check (DESIGN.md section 7).
 *
 * Every string command a client completes is cut into one operation per
 * key it touches (MSET and MGET into one per key; DEL of several keys
 * into deletes whose count is not checked; FLUSHDB into a delete of every
 * key; an EXEC into its queued commands, each over the EXEC's interval;
 * keys that are not strings ("l:N", ...) are left to the model
 * comparison) with the client's call and
 * return times, and its reply decoded.  A command whose reply was lost is
 * recorded with an unknown outcome.  Replies that are errors of commands
 * that cannot take effect when they fail (syntax, bad TTL) are dropped:
 * they leave the key as it was.
 */
#ifndef KVD_SIM_HISTORY_H
#define KVD_SIM_HISTORY_H

#include <stdio.h>

#include "linearize.h"
#include "proto/resp.h"

typedef struct sim_history {
    int nkeys;             /* per database: names key:0 .. key:(nkeys-1) */
    int ndbs;
    lin_history_t **keys;  /* [db * nkeys + rank] */
    uint64_t ops;          /* operations recorded */
} sim_history_t;

void sim_history_init(sim_history_t *sh, int ndbs, int nkeys);
void sim_history_free(sim_history_t *sh);
/*
 * Record the command argv run by a client in database db, called at
 * event time call and returned at ret with reply bytes (reply NULL: the
 * reply was lost, the outcome is unknown).
 */
void sim_history_record(sim_history_t *sh, int db, const kvd_arg_t *argv, int argc,
                        const char *reply, size_t rlen, uint64_t call, uint64_t ret);

/*
 * After a worker crash: histories start afresh (they were checked up to
 * the crash), each key from the value the recovered worker holds, given
 * with start_value as an operation between call and ret.  Across a crash
 * under everysec or no a read may have seen a write that was then lost,
 * so one history cannot span it; durability is checked by durable.h.
 */
void sim_history_restart(sim_history_t *sh);
void sim_history_start_value(sim_history_t *sh, int db, int rank, const char *val, size_t vlen,
                             bool ttl, uint64_t call, uint64_t ret);

typedef struct sim_lin_summary {
    int keys_checked, unknown;
    uint64_t overlapping; /* ops concurrent with another op on their key, or indefinite */
    uint64_t work, max_work_key;
    int failed_db, failed_rank; /* -1 when none failed */
    lin_report_t failed;
} sim_lin_summary_t;

/* Check every key's history; true when none is known not linearizable. */
bool sim_history_check(sim_history_t *sh, uint64_t max_work, sim_lin_summary_t *sum);
/* Print the failed key's operations around the one that blocked the search. */
void sim_history_dump_failure(const sim_history_t *sh, const sim_lin_summary_t *sum, FILE *out);

#endif /* KVD_SIM_HISTORY_H */

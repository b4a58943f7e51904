/*
 * workload_int.h - argument helpers shared by workload.c (strings, keys,
 * the mix) and workload_coll.c (collections, transactions).
 */
#ifndef KVD_SIM_WORKLOAD_INT_H
#define KVD_SIM_WORKLOAD_INT_H

#include "workload.h"

void arg_fmt(sim_cmd_t *c, const char *fmt, ...) KVD_PRINTF(2, 3);
int zipf_rank(const sim_workload_t *w, sim_rng_t *r);
void arg_key_ns(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, int ns);
void arg_random_bytes(sim_cmd_t *c, sim_rng_t *r, int len, const char *alphabet, size_t na);
/* Binary-safe: the alphabet may hold NUL, CR and LF (sizeof, not strlen). */
#define ARG_RANDOM(c, r, len, alphabet) \
    arg_random_bytes((c), (r), (len), (alphabet), sizeof(alphabet) - 1)
/* A string value: short strings, integers (canonical or not, near the
 * limits), strings around the embstr boundary, binary junk. */
void arg_value(sim_cmd_t *c, sim_rng_t *r);

/* workload_coll.c: one command of a collection type (ns), or a key command on any namespace. */
void gen_collection(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r, int ns);
void gen_any_key(sim_cmd_t *c, const sim_workload_t *w, sim_rng_t *r);

#endif /* KVD_SIM_WORKLOAD_INT_H */

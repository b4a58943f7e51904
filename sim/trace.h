/*
 * trace.h - what a run leaves behind: a 64-bit FNV-1a hash over every
 * command and reply (same seed, same hash: the determinism check), and a
 * ring of the last few steps, printed when a check fails.
 */
#ifndef KVD_SIM_TRACE_H
#define KVD_SIM_TRACE_H

#include <stdarg.h>

#include "core/kvd.h"

#define SIM_TRACE_KEEP 20
#define SIM_TRACE_LINE 200

typedef struct sim_trace {
    uint64_t hash;
    uint64_t count; /* lines ever recorded */
    char ring[SIM_TRACE_KEEP][SIM_TRACE_LINE];
} sim_trace_t;

void sim_trace_init(sim_trace_t *t);
void sim_trace_hash(sim_trace_t *t, const void *p, size_t n);
/* Record one line (printf-style) in the ring. */
void sim_trace_line(sim_trace_t *t, const char *fmt, ...) KVD_PRINTF(2, 3);
/* Record one line in the ring, hash it, and print it when echo is set
 * (-v): the step lines of kvd-sim-xshard and kvd-sim-router. */
void sim_trace_step(sim_trace_t *t, bool echo, const char *fmt, va_list ap);
/* A command-line number: false unless s is all decimal digits. */
bool sim_parse_u64(const char *s, uint64_t *out);
void sim_trace_dump(const sim_trace_t *t, FILE *out);
/* The failure report of the multi-shard simulators on stderr: what
 * failed, where (seed, step, shards, fsync policy, healing), the last
 * steps.  The caller prints its replay line after it. */
void sim_fail_report(const sim_trace_t *t, uint64_t seed, uint64_t step, int shards,
                     const char *fsync, bool healing, const char *what);
/* Printable, truncated rendering of bytes (for replies in traces). */
void sim_escape(const char *p, size_t n, char *out, size_t cap);

#endif /* KVD_SIM_TRACE_H */

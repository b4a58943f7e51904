/*
 * linearize.h - a Wing-Gong-Lowe linearizability checker for the history
 * of one string key (DESIGN.md section 7).
 *
 * A history is a set of operations, each with a call time and a return
 * time (any monotone clock: the simulator uses an event counter).  It is
 * linearizable when every operation can be given one instant between its
 * call and its return such that running them one by one in that order on
 * a single register gives every recorded result.  An operation whose
 * outcome is unknown (its reply was lost, or a crash cut it) has return
 * time LIN_INDEFINITE: it may take effect at any instant after its call,
 * or never, and its result is not checked.
 *
 * The register is a Redis string key: absent or a byte string, plus one
 * bit "a TTL is set".  Expiry is not timed here (the reference model checks
 * time); a key with a TTL may instead vanish just before any operation,
 * which is what a deadline passing between two operations looks like.
 *
 * The search is depth-first over the operations that may go next (those
 * whose call precedes every pending return), with a cache of the
 * (linearized set, register state) pairs already explored, as in Lowe,
 * "Testing for linearizability" (2017).  It gives up with LIN_UNKNOWN
 * after max_work steps instead of running for ever on a pathological
 * history.
 */
#ifndef KVD_SIM_LINEARIZE_H
#define KVD_SIM_LINEARIZE_H

#include <stddef.h>
#include <stdint.h>

#define LIN_INDEFINITE UINT64_MAX

typedef enum lin_kind {
    LIN_GET,      /* result: bulk or nil */
    LIN_SET,      /* arg; flags below; result OK/nil, or (LIN_GETF) the old value */
    LIN_DEL,      /* result: int 0/1 */
    LIN_INCR,     /* a = increment; result: int (new value) or error */
    LIN_APPEND,   /* arg; result: int (new length) */
    LIN_STRLEN,   /* result: int */
    LIN_GETDEL,   /* result: bulk or nil */
    LIN_EXISTS,   /* result: int 0/1 */
    LIN_EXPIRE,   /* result: int 1 (TTL set; a non-positive TTL also deletes) or 0 */
    LIN_TTL,      /* result: int -2 (absent), -1 (no TTL) or >= 0 */
    LIN_PERSIST,  /* result: int 1 (a TTL was removed) or 0 */
    LIN_GETRANGE, /* a = start, b = end; result: bulk */
    LIN_SETRANGE, /* a = offset >= 0, arg; result: int (new length) */
    LIN_NKINDS
} lin_kind_t;

/* LIN_SET flags */
enum { LIN_NX = 1, LIN_XX = 2, LIN_GETF = 4, LIN_KEEPTTL = 8, LIN_EXPIRES = 16 };

typedef enum lin_rkind {
    LIN_R_ANY, /* the operation happened but its result is not checked */
    LIN_R_NIL,
    LIN_R_BULK,
    LIN_R_INT,
    LIN_R_OK,
    LIN_R_ERR
} lin_rkind_t;

typedef struct lin_op {
    lin_kind_t kind;
    unsigned flags;
    int64_t a, b;
    const char *arg;
    size_t arglen;
    lin_rkind_t rkind;
    int64_t rint;
    const char *rbulk;
    size_t rlen;
    uint64_t call, ret; /* ret == LIN_INDEFINITE: outcome unknown, result ignored */
} lin_op_t;

typedef enum lin_verdict { LIN_OK, LIN_FAIL, LIN_UNKNOWN } lin_verdict_t;

typedef struct lin_report {
    lin_verdict_t verdict;
    uint64_t work;   /* search steps taken */
    size_t cached;   /* (set, state) pairs remembered */
    int best;        /* most operations linearized at once */
    int stuck_op;    /* LIN_FAIL: the op whose return blocked the deepest attempt */
} lin_report_t;

typedef struct lin_history lin_history_t;

lin_history_t *lin_history_new(void);
void lin_history_free(lin_history_t *h);
void lin_history_clear(lin_history_t *h);
/* Append an operation (its bytes are copied); returns its index. */
int lin_add(lin_history_t *h, const lin_op_t *op);
int lin_count(const lin_history_t *h);
const lin_op_t *lin_get(const lin_history_t *h, int i);
lin_verdict_t lin_check(lin_history_t *h, uint64_t max_work, lin_report_t *rep);
/* "[call,ret] SET v NX -> OK" for failure reports. */
void lin_format_op(const lin_op_t *op, char *out, size_t cap);
const char *lin_verdict_name(lin_verdict_t v);

#endif /* KVD_SIM_LINEARIZE_H */

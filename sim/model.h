/*
 * model.h - the simulator's reference model of the keyspace: strings,
 * lists, hashes, sets and sorted sets, expiry, FLUSHDB, MULTI/EXEC/WATCH.
 *
 * Written from Redis 7.0's documented (and observed) semantics,
 * independently of kvd: it shares no parsing, encoding or expiry code
 * with src/, so a bug there shows up as a reply that differs from the
 * model's, byte for byte.  Collections are plain arrays (a few dozen
 * elements at most in a run), searched linearly: slow and obvious.
 *
 * State: per database, a small array of key slots (a typed value +
 * absolute expiry in Unix ms, -1 for none).  A key whose expiry T
 * satisfies now > T is absent, whether or not kvd has deleted it yet.
 *
 * Replies whose order Redis leaves open (SMEMBERS, HGETALL) are built in
 * the model's sorted order; the caller sorts kvd's before comparing
 * (model_normalize_reply).  Replies the model cannot predict (which
 * members SPOP picks; the outcome of EXEC when a watched key was already
 * expired at WATCH time and kvd may or may not still hold it) are judged
 * against kvd's reply, passed as the oracle: the model checks that it is
 * one of the allowed answers and then follows it.
 */
#ifndef KVD_SIM_MODEL_H
#define KVD_SIM_MODEL_H

#include "core/kvd.h"
#include "proto/resp.h"

#define MODEL_DBS 2
#define MODEL_MAX_KEYS 4096
#define MODEL_MAX_CLIENTS 256
#define MODEL_MAX_WATCH 8
#define MODEL_MAX_QUEUED 8

typedef struct model_sb {
    char *p;
    size_t len, cap;
} model_sb_t;

typedef enum { MT_NONE = 0, MT_STRING, MT_LIST, MT_HASH, MT_SET, MT_ZSET } model_type_t;

/* One element: a list item or set member (a), a hash field (a) and
 * value (b), or a sorted-set member (a) and score. */
typedef struct melem {
    char *a, *b;
    size_t alen, blen;
    double score;
} melem_t;

/* Sets are kept sorted by member, hashes by field, sorted sets by
 * (score, member): the orders the comparison uses. */
typedef struct model_val {
    model_type_t type; /* MT_NONE: no value */
    char *s;           /* MT_STRING */
    size_t slen;
    melem_t *el;       /* collections; never empty while the key lives */
    int n, cap;
} model_val_t;

typedef struct model_key {
    char *name;
    size_t nlen;
    model_val_t v;
    int64_t expire_ms; /* -1: persistent */
    /* The value expired in the model's view but kvd may not have
     * deleted it yet (WATCH on such a key is undecidable). */
    bool ghost;
} model_key_t;

typedef struct model_db {
    model_key_t keys[MODEL_MAX_KEYS];
    int nkeys; /* slots ever used; slots are never reclaimed */
} model_db_t;

typedef struct model_watch {
    int db;
    char name[64];
    size_t nlen;
    bool live; /* the key was live at WATCH */
} model_watch_t;

/* A client's transaction: its watched keys and its MULTI queue (argv
 * pointers into the caller's storage, valid until EXEC). */
typedef struct model_client {
    model_watch_t watch[MODEL_MAX_WATCH];
    int nwatch;
    bool dirty;     /* a watched key was written */
    bool uncertain; /* a watched key was a ghost at WATCH */
    bool in_multi;
    bool doomed; /* a command was refused while queueing: EXECABORT */
    const kvd_arg_t *queued[MODEL_MAX_QUEUED];
    int queued_argc[MODEL_MAX_QUEUED];
    int nqueued;
} model_client_t;

typedef struct model_stats {
    uint64_t exec_run, exec_aborted, exec_refused, spops, wrongtype;
} model_stats_t;

typedef struct model {
    model_db_t dbs[MODEL_DBS];
    model_client_t clients[MODEL_MAX_CLIENTS];
    model_sb_t reply; /* the expected reply of the last command */
    int64_t now_ms;   /* wall clock of the command being run */
    int client;       /* the client running it */
    const char *oracle; /* kvd's reply, for the undecidable cases */
    size_t oracle_len;
    model_stats_t st;
} model_t;

void model_init(model_t *m);
void model_free(model_t *m);
/*
 * Predict the reply of argv run by client (< MODEL_MAX_CLIENTS) in
 * database *db (SELECT may change *db) at wall-clock now_ms; kvd's reply
 * (got, glen) is consulted only where the spec leaves a choice.
 * Returns the expected reply bytes in m->reply.  Returns false when the
 * command is not modelled.
 */
bool model_exec(model_t *m, int client, int *db, const kvd_arg_t *argv, int argc,
                int64_t now_ms, const char *got, size_t glen);
/* kvd refused the client's command (MISCONF, which the caller has
 * judged legitimate): inside MULTI that dooms the transaction. */
void model_refused(model_t *m, int client);
/* The client's connection was closed: its MULTI and WATCHes are gone. */
void model_client_reset(model_t *m, int client);
/*
 * kvd's reply to argv, in the order the model builds it (SMEMBERS and
 * HGETALL sorted), into out.  Other replies are copied as they are.
 */
void model_normalize_reply(const kvd_arg_t *argv, int argc, const char *r, size_t rlen,
                           model_sb_t *out);
/* The live value of a key as canonical bytes: a type letter and then
 * the reply the model gives to the read that returns the whole value
 * (GET, LRANGE 0 -1, HGETALL, SMEMBERS, ZRANGE 0 -1 WITHSCORES), so that
 * kvd's reply to the same read (normalized) compares with it.  NULL
 * when absent at now_ms. */
const char *model_canon(model_t *m, int db, const char *name, size_t nlen, int64_t now_ms,
                        model_sb_t *out, int64_t *expire_ms);
/* The same for a value with expiry *expire_ms (set to -1 when absent). */
const char *model_canon_val(const model_val_t *v, int64_t *expire_ms, int64_t now_ms,
                            model_sb_t *out);
/* The canonical type letter: s l h S z for string, list, hash, set, zset. */
char model_type_letter(model_type_t t);

/* ---- shared by the model's files ---- */
void msb_clear(model_sb_t *b);
void msb_add(model_sb_t *b, const void *p, size_t n);
void msb_fmt(model_sb_t *b, const char *fmt, ...) KVD_PRINTF(2, 3);
void mreply_ok(model_t *m);
void mreply_int(model_t *m, int64_t v);
void mreply_bulk(model_t *m, const char *p, size_t n);
void mreply_nil(model_t *m);
void mreply_array(model_t *m, int64_t n);
void mreply_double(model_t *m, double d);
void mreply_err(model_t *m, const char *text);
void mreply_not_int(model_t *m);
void mreply_syntax(model_t *m);
void mreply_wrongtype(model_t *m);
/* Redis 7.0's double formatting (d2string): integral values below 2^52
 * as integers, inf as "inf", the rest with %.17g. */
int model_fmt_double(char *buf, size_t cap, double d);
/* Redis's strict integer syntax: optional '-', no '+', no leading zeros, no spaces. */
bool model_parse_ll(const char *p, size_t n, int64_t *out);
/* A score as Redis accepts it (strtod of the whole argument, no NaN). */
bool model_parse_double(const char *p, size_t n, double *out);
bool model_arg_is(const kvd_arg_t *a, const char *kw);
int model_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen);
/* The live key named a in db, or NULL (an expired key is dropped here). */
model_key_t *model_find(model_t *m, int db, const kvd_arg_t *a);
/* As model_find; a live key of another type than t replies WRONGTYPE
 * and sets *wrong. */
model_key_t *model_find_typed(model_t *m, int db, const kvd_arg_t *a, model_type_t t,
                              bool *wrong);
/* A new, empty collection of type t under a (the key must be absent). */
model_key_t *model_create(model_t *m, int db, const kvd_arg_t *a, model_type_t t);
/* The slot of a name, live or not, or NULL. */
model_key_t *model_slot(model_t *m, int db, const char *name, size_t nlen);
/* Store bytes under a (creating the slot if needed); keepttl keeps its expiry. */
model_key_t *model_store(model_t *m, int db, const kvd_arg_t *a, const char *v, size_t n,
                         bool keepttl);
void model_delete(model_key_t *k);
/* Redis's start/end index rules (negative from the end, then clamped):
 * false when the range is empty, else start..end within 0..len-1. */
bool model_clamp_range(int64_t len, int64_t *start, int64_t *end);
/* A collection left empty is deleted. */
void model_drop_if_empty(model_key_t *k);
/* HDEL, SREM, ZREM: remove the members argv[2..] from the type-t value at
 * argv[1] and reply how many were there. */
void model_remove_members(model_t *m, int db, const kvd_arg_t *argv, int argc, model_type_t t);
/* Redis's signalModifiedKey: watchers of the key become dirty. */
void model_touch(model_t *m, int db, const kvd_arg_t *a);
void model_touch_name(model_t *m, int db, const char *name, size_t nlen);

void model_val_clear(model_val_t *v);
void model_val_copy(model_val_t *dst, const model_val_t *src);
/* Element helpers: find by a (or -1), insert a copy at i, remove at i. */
int mel_find(const model_val_t *v, const char *p, size_t n);
melem_t *mel_insert(model_val_t *v, int i, const char *a, size_t alen, const char *b, size_t blen,
                    double score);
void mel_remove(model_val_t *v, int i);
void mel_set_b(melem_t *e, const char *b, size_t blen);
/* Where a would go in a's sorted order (sets, hashes). */
int mel_sorted_pos(const model_val_t *v, const char *p, size_t n);

/* Per-type command tables: true when argv[0] was theirs. */
bool model_exec_string(model_t *m, int db, const kvd_arg_t *argv, int argc);
bool model_exec_list(model_t *m, int db, const kvd_arg_t *argv, int argc);
bool model_exec_hash(model_t *m, int db, const kvd_arg_t *argv, int argc);
bool model_exec_set(model_t *m, int db, const kvd_arg_t *argv, int argc);
bool model_exec_zset(model_t *m, int db, const kvd_arg_t *argv, int argc);
bool model_exec_multi(model_t *m, int db, const kvd_arg_t *argv, int argc);
/* One command outside SELECT/MULTI handling (EXEC runs the queue with it). */
bool model_exec_one(model_t *m, int db, const kvd_arg_t *argv, int argc);

#endif /* KVD_SIM_MODEL_H */

/*
 * model.h - the simulator's reference model of the string keyspace.
 *
 * Written from Redis 7.0's documented semantics, independently of kvd: it
 * shares no parsing, encoding or expiry code with src/, so a bug there
 * shows up as a reply that differs from the model's, byte for byte.
 *
 * State: per database, a small array of key slots (bytes + absolute expiry
 * in Unix ms, -1 for none).  A key whose expiry T satisfies now > T is
 * absent, whether or not kvd has deleted it yet.
 */
#ifndef KVD_SIM_MODEL_H
#define KVD_SIM_MODEL_H

#include "core/kvd.h"
#include "proto/resp.h"

#define MODEL_DBS 2
#define MODEL_MAX_KEYS 4096

typedef struct model_sb {
    char *p;
    size_t len, cap;
} model_sb_t;

typedef struct model_key {
    char *name;
    size_t nlen;
    char *val;       /* NULL when the slot is empty */
    size_t vlen;
    int64_t expire_ms; /* -1: persistent */
} model_key_t;

typedef struct model_db {
    model_key_t keys[MODEL_MAX_KEYS];
    int nkeys; /* slots ever used; slots are never reclaimed */
} model_db_t;

typedef struct model {
    model_db_t dbs[MODEL_DBS];
    model_sb_t reply; /* the expected reply of the last command */
    int64_t now_ms;   /* wall clock of the command being run */
} model_t;

void model_init(model_t *m);
void model_free(model_t *m);
/*
 * Predict the reply of argv in database *db (SELECT may change *db) at
 * wall-clock now_ms.  Returns the expected reply bytes in m->reply.
 * Returns false when the command is not modelled.
 */
bool model_exec(model_t *m, int *db, const kvd_arg_t *argv, int argc, int64_t now_ms);

/* ---- shared by model.c and model_cmd.c ---- */
void msb_clear(model_sb_t *b);
void msb_add(model_sb_t *b, const void *p, size_t n);
void msb_fmt(model_sb_t *b, const char *fmt, ...) KVD_PRINTF(2, 3);
void mreply_ok(model_t *m);
void mreply_int(model_t *m, int64_t v);
void mreply_bulk(model_t *m, const char *p, size_t n);
void mreply_nil(model_t *m);
void mreply_err(model_t *m, const char *text);
void mreply_not_int(model_t *m);
void mreply_syntax(model_t *m);
/* Redis's strict integer syntax: optional '-', no '+', no leading zeros, no spaces. */
bool model_parse_ll(const char *p, size_t n, int64_t *out);
bool model_arg_is(const kvd_arg_t *a, const char *kw);
/* The live key named a in db, or NULL (an expired key is dropped here). */
model_key_t *model_find(model_t *m, int db, const kvd_arg_t *a);
/* Store bytes under a (creating the slot if needed); keepttl keeps its expiry. */
model_key_t *model_store(model_t *m, int db, const kvd_arg_t *a, const char *v, size_t n,
                         bool keepttl);
void model_delete(model_key_t *k);

#endif /* KVD_SIM_MODEL_H */

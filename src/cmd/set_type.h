/*
 * set_type.h - a set value in either of its two encodings, as the set
 * commands (t_set.c) see it.
 *
 *   intset     every member is a canonical int64 (kvd_str2ll) and there
 *              are at most set-max-intset-entries of them
 *   hashtable  a kvd_dict_t of member nodes, otherwise
 *
 * As in Redis 7.0 a set converts from intset to hashtable on the add that
 * breaks either rule and never converts back.  Members are byte strings at
 * this interface; intset members are formatted into a caller's buffer
 * (KVD_SET_TMP bytes) when read.
 */
#ifndef KVD_SET_TYPE_H
#define KVD_SET_TYPE_H

#include "../core/env.h"
#include "../db/db.h"
#include "../db/dict.h"
#include "set_intset.h"

#define KVD_SET_TMP 24

typedef struct kvd_set {
    kvd_encoding_t enc; /* KVD_ENC_INTSET or KVD_ENC_HASHTABLE; mirrors the entry's tag */
    kvd_intset_t is;    /* valid when enc == KVD_ENC_INTSET */
    kvd_dict_t d;       /* valid when enc == KVD_ENC_HASHTABLE */
} kvd_set_t;

/* Limits and randomness an add needs: the intset bound and dict seeds. */
typedef struct kvd_set_ctx {
    uint64_t max_intset;
    kvd_env_t *env;
} kvd_set_ctx_t;

kvd_set_t *kvd_set_create(void);
void kvd_set_destroy(kvd_set_t *s);
kvd_set_t *kvd_set_dup(const kvd_set_t *s);
uint64_t kvd_set_size(const kvd_set_t *s);

/* True when added (false when already a member); may convert the encoding. */
bool kvd_set_add(kvd_set_t *s, const kvd_set_ctx_t *ctx, const char *m, size_t len);
bool kvd_set_remove(kvd_set_t *s, const char *m, size_t len);
bool kvd_set_contains(const kvd_set_t *s, const char *m, size_t len);
/* Switch to hashtable now (what Redis's SDIFF leaves in some cases). */
void kvd_set_to_hashtable(kvd_set_t *s, kvd_env_t *env);

/* Visit every member; intset members ascending.  fn must not modify s. */
typedef void kvd_set_visit_fn(const char *m, size_t len, void *arg);
void kvd_set_foreach(const kvd_set_t *s, kvd_set_visit_fn *fn, void *arg);

/* A random member (s not empty): points into s or into tmp (KVD_SET_TMP bytes). */
const char *kvd_set_random(const kvd_set_t *s, kvd_env_t *env, char *tmp, size_t *len);

/* Every member as (pointer, length) views into s or into ints (size()*KVD_SET_TMP bytes). */
typedef struct kvd_set_view {
    const char *p;
    size_t len;
} kvd_set_view_t;
void kvd_set_views(const kvd_set_t *s, kvd_set_view_t *out, char *ints);

/* One SSCAN step over a hashtable set; returns the next cursor. */
uint64_t kvd_set_scan(kvd_set_t *s, uint64_t cursor, kvd_set_visit_fn *fn, void *arg);

/* Check every invariant of s (O(n)); aborts on violation. */
void kvd_set_verify_invariants(const kvd_set_t *s);

/* kvd_db_register_free/dup hooks for KVD_TYPE_SET. */
void kvd_set_free_value(void *ptr, kvd_encoding_t enc);
void *kvd_set_dup_value(const void *ptr, kvd_encoding_t enc);

#endif /* KVD_SET_TYPE_H */

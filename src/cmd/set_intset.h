/*
 * set_intset.h - the "intset" encoding of small all-integer sets: a sorted
 * array of distinct int64 values, searched by bisection.
 *
 * One fixed width (int64) rather than Redis's adaptive 16/32/64-bit
 * widths: simpler, and the set holds at most set-max-intset-entries
 * values, so the saving would be bounded.  OBJECT ENCODING still reports
 * "intset", which is what clients see.
 */
#ifndef KVD_SET_INTSET_H
#define KVD_SET_INTSET_H

#include "../core/kvd.h"

typedef struct kvd_intset {
    uint32_t len;
    uint32_t cap;
    int64_t *v; /* ascending, no duplicates; NULL when cap == 0 */
} kvd_intset_t;

void kvd_intset_init(kvd_intset_t *s);
void kvd_intset_release(kvd_intset_t *s);
void kvd_intset_copy(kvd_intset_t *dst, const kvd_intset_t *src);
/* True when v is present; *pos is its index, or where it would go. */
bool kvd_intset_find(const kvd_intset_t *s, int64_t v, uint32_t *pos);
/* Returns true when v was added (false when already present). */
bool kvd_intset_add(kvd_intset_t *s, int64_t v);
/* Returns true when v was present and removed. */
bool kvd_intset_remove(kvd_intset_t *s, int64_t v);
void kvd_intset_remove_at(kvd_intset_t *s, uint32_t pos);
/* Strictly ascending, len <= cap, storage present when cap > 0. */
void kvd_intset_verify(const kvd_intset_t *s);

#endif /* KVD_SET_INTSET_H */

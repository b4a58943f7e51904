/*
 * keyindex.h - clients interested in keys: key bytes -> FIFO of links.
 *
 * Blocking commands (clients waiting on a key) and WATCH (clients whose
 * transaction a write to the key must abort) both need to find, from a
 * key a command wrote, the clients that care, in O(1) per key and without
 * any cost to the write path while nobody cares.  Each interested client
 * owns its links (one per key; the link records the database), so
 * removing a client never searches.
 *
 * A slot (one per distinct key bytes, any database) may also be "marked":
 * blocking uses the mark list as its set of ready keys.  A marked slot is
 * kept alive even when its last link goes, until the marker pops it and
 * calls kvd_keyindex_release_if_empty().
 */
#ifndef KVD_KEYINDEX_H
#define KVD_KEYINDEX_H

#include "../core/kvd.h"
#include "../db/dict.h"

typedef struct kvd_keyslot kvd_keyslot_t;

typedef struct kvd_keylink {
    struct kvd_keylink *prev, *next;
    kvd_keyslot_t *slot; /* NULL while not linked */
    void *owner;
    int db;
} kvd_keylink_t;

struct kvd_keyslot {
    kvd_dict_node_t node; /* first: the dict links it */
    kvd_keylink_t *head, *tail;
    kvd_keyslot_t *mark_next;
    bool marked;
    size_t klen;
    char key[];
};

typedef struct kvd_keyindex {
    kvd_dict_t slots;
    uint64_t nslots;
    uint64_t nlinks;
    kvd_keyslot_t *marked_head;
} kvd_keyindex_t;

void kvd_keyindex_init(kvd_keyindex_t *ix, uint64_t seed0, uint64_t seed1);
/* Every link must be gone (and every mark popped). */
void kvd_keyindex_fini(kvd_keyindex_t *ix);

/* Append l (owner, db) to the FIFO of key. */
void kvd_keyindex_link(kvd_keyindex_t *ix, kvd_keylink_t *l, const char *key, size_t klen,
                       void *owner, int db);
void kvd_keyindex_unlink(kvd_keyindex_t *ix, kvd_keylink_t *l);
/* The slot of key, NULL when no link names it. */
kvd_keyslot_t *kvd_keyindex_find(const kvd_keyindex_t *ix, const char *key, size_t klen);

void kvd_keyindex_mark(kvd_keyindex_t *ix, kvd_keyslot_t *s);
/* Pop one marked slot (NULL when none); the caller ends with release_if_empty. */
kvd_keyslot_t *kvd_keyindex_pop_marked(kvd_keyindex_t *ix);
void kvd_keyindex_release_if_empty(kvd_keyindex_t *ix, kvd_keyslot_t *s);

void kvd_keyindex_verify_invariants(const kvd_keyindex_t *ix);

#endif /* KVD_KEYINDEX_H */

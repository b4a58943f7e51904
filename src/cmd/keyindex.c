/*
 * keyindex.c - key bytes -> FIFO of interested clients (see keyindex.h).
 */
#include "keyindex.h"

static uint64_t slot_hash(const kvd_dict_t *d, const kvd_dict_node_t *n)
{
    const kvd_keyslot_t *s = (const kvd_keyslot_t *)n;
    return kvd_dict_hash(d, s->key, s->klen);
}

static bool slot_match(const kvd_dict_node_t *n, const void *key, size_t klen)
{
    const kvd_keyslot_t *s = (const kvd_keyslot_t *)n;
    return s->klen == klen && (klen == 0 || memcmp(s->key, key, klen) == 0);
}

static const kvd_dict_type_t slot_type = {slot_hash, slot_match};

void kvd_keyindex_init(kvd_keyindex_t *ix, uint64_t seed0, uint64_t seed1)
{
    memset(ix, 0, sizeof(*ix));
    kvd_dict_init(&ix->slots, &slot_type, seed0, seed1);
}

void kvd_keyindex_fini(kvd_keyindex_t *ix)
{
    KVD_ASSERT(ix->nslots == 0 && ix->nlinks == 0 && ix->marked_head == NULL);
    kvd_dict_clear(&ix->slots, NULL, NULL);
}

kvd_keyslot_t *kvd_keyindex_find(const kvd_keyindex_t *ix, const char *key, size_t klen)
{
    if (ix->nslots == 0)
        return NULL;
    kvd_dict_pos_t pos;
    uint64_t h = kvd_dict_hash(&ix->slots, key, klen);
    if (!kvd_dict_lookup(&ix->slots, h, key, klen, &pos))
        return NULL;
    return (kvd_keyslot_t *)*pos.link;
}

static kvd_keyslot_t *slot_get(kvd_keyindex_t *ix, const char *key, size_t klen)
{
    kvd_keyslot_t *s = kvd_keyindex_find(ix, key, klen);
    if (s != NULL)
        return s;
    s = kvd_calloc(1, sizeof(*s) + klen + 1);
    s->klen = klen;
    memcpy(s->key, key, klen);
    kvd_dict_insert(&ix->slots, kvd_dict_hash(&ix->slots, key, klen), &s->node);
    ix->nslots++;
    kvd_dict_rehash_step(&ix->slots, 1);
    return s;
}

void kvd_keyindex_release_if_empty(kvd_keyindex_t *ix, kvd_keyslot_t *s)
{
    if (s->head != NULL || s->marked)
        return;
    kvd_dict_pos_t pos;
    bool found = kvd_dict_lookup(&ix->slots, kvd_dict_hash(&ix->slots, s->key, s->klen), s->key,
                                 s->klen, &pos);
    KVD_ASSERT(found && *pos.link == &s->node);
    kvd_dict_remove_at(&ix->slots, &pos);
    ix->nslots--;
    kvd_free(s);
}

void kvd_keyindex_link(kvd_keyindex_t *ix, kvd_keylink_t *l, const char *key, size_t klen,
                       void *owner, int db)
{
    KVD_ASSERT(l->slot == NULL);
    kvd_keyslot_t *s = slot_get(ix, key, klen);
    l->owner = owner;
    l->db = db;
    l->slot = s;
    l->next = NULL;
    l->prev = s->tail;
    if (s->tail != NULL)
        s->tail->next = l;
    else
        s->head = l;
    s->tail = l;
    ix->nlinks++;
}

void kvd_keyindex_unlink(kvd_keyindex_t *ix, kvd_keylink_t *l)
{
    kvd_keyslot_t *s = l->slot;
    KVD_ASSERT(s != NULL && ix->nlinks > 0);
    if (l->prev != NULL)
        l->prev->next = l->next;
    else
        s->head = l->next;
    if (l->next != NULL)
        l->next->prev = l->prev;
    else
        s->tail = l->prev;
    l->prev = l->next = NULL;
    l->slot = NULL;
    ix->nlinks--;
    kvd_keyindex_release_if_empty(ix, s);
}

void kvd_keyindex_mark(kvd_keyindex_t *ix, kvd_keyslot_t *s)
{
    if (s->marked)
        return;
    s->marked = true;
    s->mark_next = ix->marked_head;
    ix->marked_head = s;
}

kvd_keyslot_t *kvd_keyindex_pop_marked(kvd_keyindex_t *ix)
{
    kvd_keyslot_t *s = ix->marked_head;
    if (s == NULL)
        return NULL;
    ix->marked_head = s->mark_next;
    s->mark_next = NULL;
    s->marked = false;
    return s;
}

typedef struct verify_ctx {
    uint64_t slots, links;
} verify_ctx_t;

static void verify_slot(const kvd_dict_node_t *n, void *arg)
{
    verify_ctx_t *v = arg;
    const kvd_keyslot_t *s = (const kvd_keyslot_t *)n;
    KVD_ASSERT(s->head != NULL || s->marked);
    KVD_ASSERT((s->head == NULL) == (s->tail == NULL));
    for (const kvd_keylink_t *l = s->head; l != NULL; l = l->next) {
        KVD_ASSERT(l->slot == s && (l->next == NULL || l->next->prev == l));
        KVD_ASSERT(l->next != NULL || s->tail == l);
        v->links++;
    }
    v->slots++;
}

void kvd_keyindex_verify_invariants(const kvd_keyindex_t *ix)
{
    verify_ctx_t v = {0, 0};
    kvd_dict_foreach(&ix->slots, verify_slot, &v);
    KVD_ASSERT(v.slots == ix->nslots && v.links == ix->nlinks);
    uint64_t marked = 0;
    for (const kvd_keyslot_t *s = ix->marked_head; s != NULL; s = s->mark_next) {
        KVD_ASSERT(s->marked && marked < ix->nslots);
        marked++;
    }
}

/*
 * dict.c - the chained hash table behind every database (see dict.h).
 *
 * Two bucket arrays exist only while a resize is in progress: t[0] is the
 * old one, drained from bucket rehash_idx upwards, t[1] the new one, which
 * receives every insert.  Buckets of t[0] below rehash_idx are empty, so a
 * lookup needs to probe t[0] only at or above it.
 */
#include "dict.h"

/* ---- SipHash ----
 * Keyed so that a client cannot choose keys that collide; the key comes
 * from the environment's random source so simulation runs are repeatable. */

static inline uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

typedef struct sip_state {
    uint64_t v0, v1, v2, v3;
} sip_state_t;

static inline void sip_rounds(sip_state_t *s, int rounds)
{
    for (int r = 0; r < rounds; r++) {
        s->v0 += s->v1;
        s->v1 = rotl64(s->v1, 13);
        s->v1 ^= s->v0;
        s->v0 = rotl64(s->v0, 32);
        s->v2 += s->v3;
        s->v3 = rotl64(s->v3, 16);
        s->v3 ^= s->v2;
        s->v0 += s->v3;
        s->v3 = rotl64(s->v3, 21);
        s->v3 ^= s->v0;
        s->v2 += s->v1;
        s->v1 = rotl64(s->v1, 17);
        s->v1 ^= s->v2;
        s->v2 = rotl64(s->v2, 32);
    }
}

uint64_t kvd_siphash(const void *p, size_t n, uint64_t k0, uint64_t k1, int c, int f)
{
    KVD_ASSERT(c > 0 && f > 0);
    const unsigned char *in = p;
    sip_state_t s = {
        .v0 = k0 ^ UINT64_C(0x736f6d6570736575),
        .v1 = k1 ^ UINT64_C(0x646f72616e646f6d),
        .v2 = k0 ^ UINT64_C(0x6c7967656e657261),
        .v3 = k1 ^ UINT64_C(0x7465646279746573),
    };
    size_t whole = n - (n % 8);
    for (size_t off = 0; off < whole; off += 8) {
        uint64_t m = load_le64(in + off);
        s.v3 ^= m;
        sip_rounds(&s, c);
        s.v0 ^= m;
    }
    /* Last block: the remaining bytes, length in the top byte. */
    uint64_t last = (uint64_t)n << 56;
    for (size_t i = 0; i < n % 8; i++)
        last |= (uint64_t)in[whole + i] << (8 * i);
    s.v3 ^= last;
    sip_rounds(&s, c);
    s.v0 ^= last;
    s.v2 ^= 0xff;
    sip_rounds(&s, f);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/*
 * SipHash-1-3 with the round counts fixed, so the compiler unrolls the
 * rounds and reads the tail in one go: every keyspace operation hashes its
 * key once, and this is a measurable share of a GET.  Same function as
 * kvd_siphash(key, klen, seed0, seed1, 1, 3) (test_db checks they agree).
 */
uint64_t kvd_dict_hash(const kvd_dict_t *d, const void *key, size_t klen)
{
    const unsigned char *in = key;
    sip_state_t s = {
        .v0 = d->seed[0] ^ UINT64_C(0x736f6d6570736575),
        .v1 = d->seed[1] ^ UINT64_C(0x646f72616e646f6d),
        .v2 = d->seed[0] ^ UINT64_C(0x6c7967656e657261),
        .v3 = d->seed[1] ^ UINT64_C(0x7465646279746573),
    };
    const unsigned char *end = in + (klen - (klen % 8));
    for (; in != end; in += 8) {
        uint64_t m = load_le64(in);
        s.v3 ^= m;
        sip_rounds(&s, 1);
        s.v0 ^= m;
    }
    uint64_t last = (uint64_t)klen << 56;
    switch (klen % 8) {
    case 7: last |= (uint64_t)in[6] << 48; /* fall through */
    case 6: last |= (uint64_t)in[5] << 40; /* fall through */
    case 5: last |= (uint64_t)in[4] << 32; /* fall through */
    case 4: last |= (uint64_t)in[3] << 24; /* fall through */
    case 3: last |= (uint64_t)in[2] << 16; /* fall through */
    case 2: last |= (uint64_t)in[1] << 8; /* fall through */
    case 1: last |= (uint64_t)in[0]; break;
    default: break;
    }
    s.v3 ^= last;
    sip_rounds(&s, 1);
    s.v0 ^= last;
    s.v2 ^= 0xff;
    sip_rounds(&s, 3);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* ---- tables ---- */

void kvd_dict_init(kvd_dict_t *d, const kvd_dict_type_t *type, uint64_t seed0, uint64_t seed1)
{
    KVD_ASSERT(type != NULL);
    KVD_ASSERT(type->node_hash != NULL);
    KVD_ASSERT(type->node_match != NULL);
    memset(d, 0, sizeof(*d));
    d->type = type;
    d->seed[0] = seed0;
    d->seed[1] = seed1;
}

static uint64_t next_pow2(uint64_t x)
{
    KVD_ASSERT(x <= (UINT64_C(1) << 62));
    uint64_t p = KVD_DICT_MIN_SIZE;
    for (int i = 0; i < 64 && p < x; i++)
        p <<= 1;
    KVD_ASSERT(p >= x);
    return p;
}

static kvd_dict_table_t table_new(uint64_t size)
{
    KVD_ASSERT(size >= KVD_DICT_MIN_SIZE);
    KVD_ASSERT((size & (size - 1)) == 0);
    kvd_dict_table_t t;
    /* kvd_calloc checks size * sizeof(pointer) for overflow. */
    t.buckets = kvd_calloc((size_t)size, sizeof(kvd_dict_node_t *));
    t.size = size;
    t.used = 0;
    return t;
}

static void table_free(kvd_dict_table_t *t)
{
    kvd_free(t->buckets);
    memset(t, 0, sizeof(*t));
}

/* Begin moving to a table of new_size buckets (or swap at once when there
 * is nothing to move). */
static void start_resize(kvd_dict_t *d, uint64_t new_size)
{
    KVD_ASSERT(!d->rehashing);
    if (new_size == d->t[0].size)
        return;
    kvd_dict_table_t fresh = table_new(new_size);
    if (d->t[0].used == 0) {
        table_free(&d->t[0]);
        d->t[0] = fresh;
        return;
    }
    d->t[1] = fresh;
    d->rehash_idx = 0;
    d->rehashing = true;
}

static void grow_if_needed(kvd_dict_t *d)
{
    if (d->rehashing)
        return;
    if (d->t[0].size == 0) {
        start_resize(d, KVD_DICT_MIN_SIZE);
        return;
    }
    if (d->t[0].used >= d->t[0].size) {
        KVD_ASSERT(d->t[0].size <= (UINT64_C(1) << 61));
        start_resize(d, d->t[0].size * 2);
    }
}

void kvd_dict_shrink_if_needed(kvd_dict_t *d)
{
    if (d->rehashing || d->t[0].size <= KVD_DICT_MIN_SIZE)
        return;
    if (d->t[0].used * 10 >= d->t[0].size)
        return;
    uint64_t target = next_pow2(d->t[0].used * 2);
    KVD_ASSERT(target < d->t[0].size);
    start_resize(d, target);
}

void kvd_dict_clear(kvd_dict_t *d, void (*free_node)(kvd_dict_node_t *n, void *arg), void *arg)
{
    for (int t = 0; t < 2; t++) {
        kvd_dict_table_t *tab = &d->t[t];
        uint64_t left = tab->used;
        for (uint64_t i = 0; i < tab->size && left > 0; i++) {
            kvd_dict_node_t *n = tab->buckets[i];
            while (n != NULL) {
                KVD_ASSERT(left > 0);
                kvd_dict_node_t *next = n->next;
                n->next = NULL;
                if (free_node != NULL)
                    free_node(n, arg);
                left--;
                n = next;
            }
            tab->buckets[i] = NULL;
        }
        KVD_ASSERT(left == 0);
        table_free(tab);
    }
    d->rehashing = false;
    d->rehash_idx = 0;
}

/* ---- lookup and update ---- */

static void finish_rehash(kvd_dict_t *d);

bool kvd_dict_lookup(const kvd_dict_t *d, uint64_t h, const void *key, size_t klen,
                     kvd_dict_pos_t *pos)
{
    if (kvd_dict_count(d) == 0)
        return false;
    for (int t = 0; t < (d->rehashing ? 2 : 1); t++) {
        const kvd_dict_table_t *tab = &d->t[t];
        uint64_t idx = h & (tab->size - 1);
        if (t == 0 && d->rehashing && idx < d->rehash_idx)
            continue; /* already migrated: empty */
        kvd_dict_node_t **link = &tab->buckets[idx];
        for (uint64_t bound = tab->used; *link != NULL; link = &(*link)->next) {
            KVD_ASSERT(bound-- > 0);
            if (d->type->node_match(*link, key, klen)) {
                pos->link = link;
                pos->table = t;
                return true;
            }
        }
    }
    return false;
}

void kvd_dict_insert(kvd_dict_t *d, uint64_t h, kvd_dict_node_t *n)
{
    KVD_ASSERT(n != NULL);
    grow_if_needed(d);
    kvd_dict_table_t *tab = &d->t[d->rehashing ? 1 : 0];
    KVD_ASSERT(tab->size > 0);
    uint64_t idx = h & (tab->size - 1);
    n->next = tab->buckets[idx];
    tab->buckets[idx] = n;
    tab->used++;
}

kvd_dict_node_t *kvd_dict_remove_at(kvd_dict_t *d, const kvd_dict_pos_t *pos)
{
    KVD_ASSERT(pos->table == 0 || (pos->table == 1 && d->rehashing));
    kvd_dict_node_t *n = *pos->link;
    KVD_ASSERT(n != NULL);
    KVD_ASSERT(d->t[pos->table].used > 0);
    *pos->link = n->next;
    n->next = NULL;
    d->t[pos->table].used--;
    if (d->rehashing && d->t[0].used == 0)
        finish_rehash(d);
    else
        kvd_dict_shrink_if_needed(d);
    return n;
}

void kvd_dict_replace_at(kvd_dict_t *d, const kvd_dict_pos_t *pos, kvd_dict_node_t *n)
{
    kvd_dict_node_t *old = *pos->link;
    KVD_ASSERT(old != NULL);
    KVD_ASSERT(n != NULL && n != old);
    n->next = old->next;
    *pos->link = n;
    old->next = NULL;
}

/* ---- incremental rehashing ---- */

static void move_bucket(kvd_dict_t *d, uint64_t idx)
{
    kvd_dict_table_t *from = &d->t[0], *to = &d->t[1];
    kvd_dict_node_t *n = from->buckets[idx];
    for (uint64_t bound = from->used; n != NULL; bound--) {
        KVD_ASSERT(bound > 0);
        kvd_dict_node_t *next = n->next;
        uint64_t j = d->type->node_hash(d, n) & (to->size - 1);
        n->next = to->buckets[j];
        to->buckets[j] = n;
        from->used--;
        to->used++;
        n = next;
    }
    from->buckets[idx] = NULL;
}

/* Called as soon as the old table holds nothing, even if buckets remain
 * unvisited: they are all empty, so there is nothing left to move. */
static void finish_rehash(kvd_dict_t *d)
{
    KVD_ASSERT(d->rehashing);
    KVD_ASSERT(d->t[0].used == 0);
    table_free(&d->t[0]);
    d->t[0] = d->t[1];
    memset(&d->t[1], 0, sizeof(d->t[1]));
    d->rehashing = false;
    d->rehash_idx = 0;
    /* Deletes during a shrink may have left the new table sparse too. */
    kvd_dict_shrink_if_needed(d);
}

uint64_t kvd_dict_rehash_step(kvd_dict_t *d, uint64_t nonempty)
{
    KVD_ASSERT(nonempty > 0 && nonempty <= UINT64_MAX / KVD_DICT_EMPTY_VISITS);
    if (!d->rehashing)
        return 0;
    uint64_t empty_left = nonempty * KVD_DICT_EMPTY_VISITS;
    uint64_t visited = 0;
    while (nonempty > 0 && d->rehash_idx < d->t[0].size) {
        visited++;
        if (d->t[0].buckets[d->rehash_idx] == NULL) {
            d->rehash_idx++;
            if (--empty_left == 0)
                break;
            continue;
        }
        move_bucket(d, d->rehash_idx);
        d->rehash_idx++;
        nonempty--;
    }
    if (d->rehash_idx == d->t[0].size || d->t[0].used == 0)
        finish_rehash(d);
    return visited;
}

/* ---- scan ---- */

static uint64_t reverse_bits(uint64_t v)
{
    v = ((v >> 1) & UINT64_C(0x5555555555555555)) | ((v & UINT64_C(0x5555555555555555)) << 1);
    v = ((v >> 2) & UINT64_C(0x3333333333333333)) | ((v & UINT64_C(0x3333333333333333)) << 2);
    v = ((v >> 4) & UINT64_C(0x0f0f0f0f0f0f0f0f)) | ((v & UINT64_C(0x0f0f0f0f0f0f0f0f)) << 4);
    return __builtin_bswap64(v);
}

/*
 * Increment the cursor from its most significant bit within mask down.
 * Because the high bits move fastest, a cursor reached with a small table
 * names, in a larger table, the first of the buckets its bucket split into,
 * and those not yet visited are exactly the ones still ahead: that is why
 * the walk survives resizes between calls.
 */
static uint64_t cursor_next(uint64_t cursor, uint64_t mask)
{
    cursor |= ~mask;
    cursor = reverse_bits(cursor);
    cursor++;
    return reverse_bits(cursor);
}

static void scan_bucket(kvd_dict_node_t *n, uint64_t bound, kvd_dict_scan_fn *fn, void *arg)
{
    while (n != NULL) {
        KVD_ASSERT(bound-- > 0);
        kvd_dict_node_t *next = n->next;
        fn(n, arg);
        n = next;
    }
}

uint64_t kvd_dict_scan(kvd_dict_t *d, uint64_t cursor, kvd_dict_scan_fn *fn, void *arg)
{
    uint64_t total = kvd_dict_count(d);
    if (total == 0)
        return 0;
    if (!d->rehashing) {
        uint64_t mask = d->t[0].size - 1;
        scan_bucket(d->t[0].buckets[cursor & mask], total, fn, arg);
        return cursor_next(cursor, mask);
    }
    const kvd_dict_table_t *small = &d->t[0], *large = &d->t[1];
    if (small->size > large->size) {
        small = &d->t[1];
        large = &d->t[0];
    }
    uint64_t ms = small->size - 1, ml = large->size - 1;
    scan_bucket(small->buckets[cursor & ms], total, fn, arg);
    /* Then every bucket of the larger table that the small bucket expands to. */
    uint64_t left = large->size / small->size;
    do {
        KVD_ASSERT(left-- > 0);
        scan_bucket(large->buckets[cursor & ml], total, fn, arg);
        cursor = cursor_next(cursor, ml);
    } while (cursor & (ms ^ ml));
    return cursor;
}

/* ---- sampling ---- */

static size_t sample_bucket(kvd_dict_node_t *n, uint64_t bound, kvd_dict_node_t **out, size_t got,
                            size_t max)
{
    for (; n != NULL && got < max; n = n->next) {
        KVD_ASSERT(bound-- > 0);
        out[got++] = n;
    }
    return got;
}

/* Bucket i of table t, or NULL when that table has no such live bucket. */
static kvd_dict_node_t *bucket_at(const kvd_dict_t *d, int t, uint64_t i)
{
    if (t == 1 && !d->rehashing)
        return NULL;
    if (i >= d->t[t].size)
        return NULL;
    if (t == 0 && d->rehashing && i < d->rehash_idx)
        return NULL;
    return d->t[t].buckets[i];
}

static uint64_t larger_size(const kvd_dict_t *d)
{
    return d->t[0].size > d->t[1].size ? d->t[0].size : d->t[1].size;
}

size_t kvd_dict_sample(const kvd_dict_t *d, uint64_t start, kvd_dict_node_t **out, size_t max)
{
    uint64_t total = kvd_dict_count(d);
    if (total == 0 || max == 0)
        return 0;
    uint64_t mask = larger_size(d) - 1;
    uint64_t steps = (uint64_t)max * KVD_DICT_EMPTY_VISITS;
    if (steps > mask + 1)
        steps = mask + 1;
    size_t got = 0;
    uint64_t i = start & mask;
    for (uint64_t s = 0; s < steps && got < max; s++) {
        for (int t = 0; t < 2 && got < max; t++)
            got = sample_bucket(bucket_at(d, t, i), total, out, got, max);
        i = (i + 1) & mask;
    }
    return got;
}

kvd_dict_node_t *kvd_dict_first_from(const kvd_dict_t *d, uint64_t start)
{
    if (kvd_dict_count(d) == 0)
        return NULL;
    uint64_t size = larger_size(d);
    uint64_t i = start & (size - 1);
    for (uint64_t s = 0; s < size; s++) {
        for (int t = 0; t < 2; t++) {
            kvd_dict_node_t *n = bucket_at(d, t, i);
            if (n != NULL)
                return n;
        }
        i = (i + 1) & (size - 1);
    }
    KVD_ASSERT(!"dict count > 0 but no node found");
    return NULL;
}

void kvd_dict_foreach(const kvd_dict_t *d, kvd_dict_visit_fn *fn, void *arg)
{
    for (int t = 0; t < 2; t++) {
        const kvd_dict_table_t *tab = &d->t[t];
        uint64_t left = tab->used;
        for (uint64_t i = 0; i < tab->size; i++) {
            for (const kvd_dict_node_t *n = tab->buckets[i]; n != NULL; n = n->next) {
                KVD_ASSERT(left-- > 0);
                fn(n, arg);
            }
        }
    }
}

/* ---- invariants ---- */

static void verify_table(const kvd_dict_t *d, int t)
{
    const kvd_dict_table_t *tab = &d->t[t];
    KVD_ASSERT((tab->size == 0) == (tab->buckets == NULL));
    KVD_ASSERT((tab->size & (tab->size - 1)) == 0);
    KVD_ASSERT(tab->size == 0 || tab->size >= KVD_DICT_MIN_SIZE);
    uint64_t seen = 0;
    for (uint64_t i = 0; i < tab->size; i++) {
        if (t == 0 && d->rehashing && i < d->rehash_idx)
            KVD_ASSERT(tab->buckets[i] == NULL);
        for (const kvd_dict_node_t *n = tab->buckets[i]; n != NULL; n = n->next) {
            KVD_ASSERT(seen < tab->used);
            KVD_ASSERT((d->type->node_hash(d, n) & (tab->size - 1)) == i);
            seen++;
        }
    }
    KVD_ASSERT(seen == tab->used);
}

void kvd_dict_verify(const kvd_dict_t *d)
{
    KVD_ASSERT(d->type != NULL);
    if (d->rehashing) {
        KVD_ASSERT(d->t[0].size > 0);
        KVD_ASSERT(d->t[1].size > 0);
        KVD_ASSERT(d->t[0].size != d->t[1].size);
        KVD_ASSERT(d->rehash_idx < d->t[0].size);
    } else {
        KVD_ASSERT(d->t[1].size == 0);
        KVD_ASSERT(d->t[1].used == 0);
        KVD_ASSERT(d->rehash_idx == 0);
    }
    verify_table(d, 0);
    verify_table(d, 1);
}

/*
 * entry.c - one key's allocation: header, key bytes and value, and the
 * string encodings (int, embstr, raw) chosen as Redis 7.0 chooses them.
 * The byte layout is documented at the top of db.c.
 */
#include "db_impl.h"

#include <malloc.h>
#include "../core/util.h"

static kvd_value_free_fn *value_free_fns[KVD_TYPE_HASH + 1];
static kvd_value_dup_fn *value_dup_fns[KVD_TYPE_HASH + 1];
static kvd_value_memory_fn *value_memory_fns[KVD_TYPE_HASH + 1];

void kvd_db_register_free(kvd_type_t type, kvd_value_free_fn *fn)
{
    KVD_ASSERT(type > KVD_TYPE_STRING && type <= KVD_TYPE_HASH);
    value_free_fns[type] = fn;
}

void kvd_db_register_dup(kvd_type_t type, kvd_value_dup_fn *fn)
{
    KVD_ASSERT(type > KVD_TYPE_STRING && type <= KVD_TYPE_HASH);
    value_dup_fns[type] = fn;
}

void kvd_db_register_memory(kvd_type_t type, kvd_value_memory_fn *fn)
{
    KVD_ASSERT(type > KVD_TYPE_STRING && type <= KVD_TYPE_HASH);
    value_memory_fns[type] = fn;
}

size_t kvd_entry_memory(const kvd_entry_t *e)
{
    size_t total = malloc_usable_size((void *)e);
    kvd_type_t type = (kvd_type_t)entry_type_bits(e);
    if (type == KVD_TYPE_STRING && entry_enc_bits(e) == KVD_ENC_RAW)
        total += malloc_usable_size(kvd_entry_raw(e));
    else if (type != KVD_TYPE_STRING && value_memory_fns[type] != NULL)
        total += value_memory_fns[type](kvd_entry_ptr(e), (kvd_encoding_t)entry_enc_bits(e));
    if (e->tag & ENTRY_VOLATILE)
        total += sizeof(kvd_expire_node_t);
    return total;
}

void *kvd_value_dup(kvd_type_t type, kvd_encoding_t enc, const void *ptr)
{
    KVD_ASSERT(type > KVD_TYPE_STRING && type <= KVD_TYPE_HASH);
    KVD_ASSERT(value_dup_fns[type] != NULL); /* every collection type registers one */
    return value_dup_fns[type](ptr, enc);
}

const char *kvd_type_name(kvd_type_t t)
{
    static const char *const names[] = {"string", "list", "set", "zset", "hash"};
    KVD_ASSERT((unsigned)t < KVD_ARRAY_LEN(names));
    return names[t];
}

const char *kvd_encoding_name(kvd_encoding_t e)
{
    static const char *const names[] = {"raw",      "int",       "embstr", "hashtable",
                                        "listpack", "quicklist", "intset", "skiplist"};
    KVD_ASSERT((unsigned)e < KVD_ARRAY_LEN(names));
    return names[e];
}

/* ---- string encoding choice ---- */

/* Redis stores a string as an integer only when printing it back gives the
 * same bytes: that is exactly kvd_str2ll's canonical form. */
void kvd_value_spec_string(kvd_value_spec_t *v, const char *s, size_t len, int flags)
{
    memset(v, 0, sizeof(*v));
    v->type = KVD_TYPE_STRING;
    v->str = s;
    v->len = len;
    if (flags & KVD_SET_FORCE_RAW)
        v->enc = KVD_ENC_RAW;
    else if (!(flags & KVD_SET_NO_INT) && kvd_str2ll(s, len, &v->num))
        v->enc = KVD_ENC_INT;
    else
        v->enc = len <= KVD_EMBSTR_MAX ? KVD_ENC_EMBSTR : KVD_ENC_RAW;
}

/* ---- raw buffers ---- */

kvd_rawstr_t *kvd_rawstr_new(const char *s, size_t len, size_t cap)
{
    KVD_ASSERT(len <= cap);
    size_t size;
    KVD_ASSERT(kvd_add_size(sizeof(kvd_rawstr_t), cap, &size));
    kvd_rawstr_t *raw = kvd_malloc(size);
    raw->len = len;
    raw->cap = cap;
    if (len > 0)
        memcpy(raw->bytes, s, len);
    return raw;
}

/* Capacity for a string that must reach need bytes and may keep growing:
 * double while small, then add 1 MB at a time (bounded slack). */
static size_t greedy_cap(size_t need)
{
    const size_t step = 1024 * 1024;
    size_t cap;
    if (need < step)
        return need * 2;
    if (!kvd_add_size(need, step, &cap))
        return need;
    return cap;
}

static kvd_rawstr_t *rawstr_grow(kvd_rawstr_t *raw, size_t need)
{
    KVD_ASSERT(need > raw->cap);
    size_t cap = greedy_cap(need), size;
    KVD_ASSERT(kvd_add_size(sizeof(kvd_rawstr_t), cap, &size));
    raw = kvd_realloc(raw, size);
    raw->cap = cap;
    return raw;
}

/* ---- layout ---- */

static size_t value_size(const kvd_value_spec_t *v)
{
    if (v->enc == KVD_ENC_EMBSTR) {
        KVD_ASSERT(v->len <= KVD_EMBSTR_MAX);
        return 1 + v->len;
    }
    return 8; /* int64 or pointer */
}

size_t kvd_entry_size_for(size_t klen, const kvd_value_spec_t *v)
{
    KVD_ASSERT(klen <= UINT32_MAX);
    size_t size = ENTRY_HEADER_SIZE + (klen < 256 ? 1 : 4);
    KVD_ASSERT(kvd_add_size(size, klen, &size));
    KVD_ASSERT(kvd_add_size(size, value_size(v), &size));
    return size;
}

size_t kvd_entry_size(const kvd_entry_t *e)
{
    size_t size = ENTRY_HEADER_SIZE + entry_klen_bytes(e) + entry_klen(e);
    if (entry_enc_bits(e) == KVD_ENC_EMBSTR && entry_type_bits(e) == KVD_TYPE_STRING)
        return size + 1 + entry_cvaluep(e)[0];
    return size + 8;
}

bool kvd_entry_has_external(const kvd_entry_t *e)
{
    if (entry_type_bits(e) != KVD_TYPE_STRING)
        return true;
    return entry_enc_bits(e) == KVD_ENC_RAW;
}

uint32_t kvd_entry_lru(const kvd_entry_t *e)
{
    return (uint32_t)e->lru[0] | (uint32_t)e->lru[1] << 8 | (uint32_t)e->lru[2] << 16;
}

void kvd_entry_set_lru(kvd_entry_t *e, uint32_t lru)
{
    KVD_ASSERT(lru <= LRU_MAX);
    e->lru[0] = (uint8_t)lru;
    e->lru[1] = (uint8_t)(lru >> 8);
    e->lru[2] = (uint8_t)(lru >> 16);
}

kvd_rawstr_t *kvd_entry_raw(const kvd_entry_t *e)
{
    KVD_ASSERT(entry_type_bits(e) == KVD_TYPE_STRING);
    KVD_ASSERT(entry_enc_bits(e) == KVD_ENC_RAW);
    kvd_rawstr_t *raw;
    memcpy(&raw, entry_cvaluep(e), sizeof(raw));
    return raw;
}

void kvd_entry_set_raw(kvd_entry_t *e, kvd_rawstr_t *raw)
{
    KVD_ASSERT(entry_enc_bits(e) == KVD_ENC_RAW);
    memcpy(entry_valuep(e), &raw, sizeof(raw));
}

/* The value bytes may alias e itself (an in-place rewrite from its own
 * embstr), hence memmove. */
static void write_value(kvd_entry_t *e, const kvd_value_spec_t *v)
{
    uint8_t *p = entry_valuep(e);
    kvd_rawstr_t *raw;
    switch (v->enc) {
    case KVD_ENC_EMBSTR:
        p[0] = (uint8_t)v->len;
        if (v->len > 0)
            memmove(p + 1, v->str, v->len);
        break;
    case KVD_ENC_INT:
        memcpy(p, &v->num, sizeof(v->num));
        break;
    case KVD_ENC_RAW:
        /* A prebuilt buffer (ptr) is adopted; otherwise copy exactly. */
        raw = v->ptr != NULL ? v->ptr : kvd_rawstr_new(v->str, v->len, v->len);
        memcpy(p, &raw, sizeof(raw));
        break;
    default:
        KVD_ASSERT(v->ptr != NULL);
        memcpy(p, &v->ptr, sizeof(v->ptr));
        break;
    }
}

static uint8_t tag_for(const kvd_value_spec_t *v)
{
    KVD_ASSERT((unsigned)v->type <= KVD_TYPE_HASH);
    KVD_ASSERT((unsigned)v->enc <= KVD_ENC_SKIPLIST);
    return (uint8_t)((unsigned)v->type | ((unsigned)v->enc << ENTRY_ENC_SHIFT));
}

kvd_entry_t *kvd_entry_new(const char *key, size_t klen, const kvd_value_spec_t *v, uint32_t lru)
{
    KVD_ASSERT(key != NULL || klen == 0);
    size_t size = kvd_entry_size_for(klen, v);
    kvd_entry_t *e = kvd_malloc(size);
    e->node.next = NULL;
    e->tag = tag_for(v);
    if (klen < 256) {
        e->data[0] = (uint8_t)klen;
    } else {
        uint32_t k32 = (uint32_t)klen;
        e->tag |= ENTRY_LONGKEY;
        memcpy(e->data, &k32, sizeof(k32));
    }
    if (klen > 0)
        memcpy(e->data + entry_klen_bytes(e), key, klen);
    kvd_entry_set_lru(e, lru);
    write_value(e, v);
    KVD_ASSERT(kvd_entry_size(e) == size);
    return e;
}

kvd_entry_t *kvd_entry_rekey(const kvd_entry_t *e, const char *key, size_t klen, uint32_t lru)
{
    KVD_ASSERT(key != NULL || klen == 0);
    KVD_ASSERT(klen <= UINT32_MAX);
    size_t old_head = ENTRY_HEADER_SIZE + entry_klen_bytes(e) + entry_klen(e);
    size_t vsize = kvd_entry_size(e) - old_head;
    size_t kbytes = klen < 256 ? 1 : 4, size;
    KVD_ASSERT(kvd_add_size(ENTRY_HEADER_SIZE + kbytes, klen, &size));
    KVD_ASSERT(kvd_add_size(size, vsize, &size));
    kvd_entry_t *fresh = kvd_malloc(size);
    fresh->node.next = NULL;
    fresh->tag = (uint8_t)(e->tag & (ENTRY_TYPE_MASK | ENTRY_ENC_MASK));
    if (kbytes == 1) {
        fresh->data[0] = (uint8_t)klen;
    } else {
        uint32_t k32 = (uint32_t)klen;
        fresh->tag |= ENTRY_LONGKEY;
        memcpy(fresh->data, &k32, sizeof(k32));
    }
    if (klen > 0)
        memcpy(fresh->data + kbytes, key, klen);
    memcpy(entry_valuep(fresh), entry_cvaluep(e), vsize);
    kvd_entry_set_lru(fresh, lru);
    KVD_ASSERT(kvd_entry_size(fresh) == size);
    return fresh;
}

void kvd_entry_rewrite(kvd_entry_t *e, const kvd_value_spec_t *v, uint32_t lru)
{
    KVD_ASSERT(!kvd_entry_has_external(e));
    /* O(1) but two calls on every SET over a key: store() has checked it
     * (same_inline_size); debug builds check it again. */
    KVD_DEBUG_ASSERT(kvd_entry_size(e) == kvd_entry_size_for(entry_klen(e), v));
    e->tag = (uint8_t)((e->tag & (ENTRY_VOLATILE | ENTRY_LONGKEY)) | tag_for(v));
    kvd_entry_set_lru(e, lru);
    write_value(e, v);
}

void kvd_entry_free_value(kvd_entry_t *e)
{
    unsigned type = entry_type_bits(e);
    if (type == KVD_TYPE_STRING) {
        if (entry_enc_bits(e) == KVD_ENC_RAW)
            kvd_free(kvd_entry_raw(e));
        return;
    }
    kvd_value_free_fn *fn = value_free_fns[type];
    KVD_ASSERT(fn != NULL); /* a type that stores values must register its free function */
    fn(kvd_entry_ptr(e), (kvd_encoding_t)entry_enc_bits(e));
}

void kvd_entry_free(kvd_entry_t *e)
{
    KVD_ASSERT(e->node.next == NULL); /* unlinked first */
    kvd_entry_free_value(e);
    kvd_free(e);
}

/* ---- public accessors ---- */

const char *kvd_entry_key(const kvd_entry_t *e, size_t *klen)
{
    *klen = entry_klen(e);
    return entry_keyp(e);
}

kvd_type_t kvd_entry_type(const kvd_entry_t *e)
{
    return (kvd_type_t)entry_type_bits(e);
}

kvd_encoding_t kvd_entry_encoding(const kvd_entry_t *e)
{
    return (kvd_encoding_t)entry_enc_bits(e);
}

const char *kvd_entry_str(const kvd_entry_t *e, size_t *len, char *tmp)
{
    KVD_ASSERT(entry_type_bits(e) == KVD_TYPE_STRING);
    const uint8_t *p = entry_cvaluep(e);
    switch (entry_enc_bits(e)) {
    case KVD_ENC_EMBSTR:
        *len = p[0];
        return (const char *)p + 1;
    case KVD_ENC_INT: {
        int64_t v;
        memcpy(&v, p, sizeof(v));
        *len = kvd_ll2str_buf(tmp, v);
        return tmp;
    }
    default: {
        const kvd_rawstr_t *raw = kvd_entry_raw(e);
        *len = raw->len;
        return raw->bytes;
    }
    }
}

bool kvd_entry_int(const kvd_entry_t *e, int64_t *out)
{
    if (entry_type_bits(e) != KVD_TYPE_STRING || entry_enc_bits(e) != KVD_ENC_INT)
        return false;
    memcpy(out, entry_cvaluep(e), sizeof(*out));
    return true;
}

void *kvd_entry_ptr(const kvd_entry_t *e)
{
    KVD_ASSERT(entry_type_bits(e) != KVD_TYPE_STRING);
    void *ptr;
    memcpy(&ptr, entry_cvaluep(e), sizeof(ptr));
    return ptr;
}

void kvd_entry_set_ptr(kvd_entry_t *e, kvd_encoding_t enc, void *ptr)
{
    KVD_ASSERT(entry_type_bits(e) != KVD_TYPE_STRING);
    KVD_ASSERT(enc >= KVD_ENC_HASHTABLE && enc <= KVD_ENC_SKIPLIST);
    KVD_ASSERT(ptr != NULL);
    e->tag = (uint8_t)((e->tag & ~ENTRY_ENC_MASK) | ((unsigned)enc << ENTRY_ENC_SHIFT));
    memcpy(entry_valuep(e), &ptr, sizeof(ptr));
}

void kvd_entry_verify(const kvd_entry_t *e)
{
    unsigned type = entry_type_bits(e), enc = entry_enc_bits(e);
    KVD_ASSERT(type <= KVD_TYPE_HASH);
    KVD_ASSERT(((e->tag & ENTRY_LONGKEY) != 0) == (entry_klen(e) >= 256));
    KVD_ASSERT(kvd_entry_lru(e) <= LRU_MAX);
    if (type != KVD_TYPE_STRING) {
        KVD_ASSERT(enc >= KVD_ENC_HASHTABLE);
        KVD_ASSERT(kvd_entry_ptr(e) != NULL);
        return;
    }
    KVD_ASSERT(enc == KVD_ENC_RAW || enc == KVD_ENC_INT || enc == KVD_ENC_EMBSTR);
    if (enc == KVD_ENC_EMBSTR)
        KVD_ASSERT(entry_cvaluep(e)[0] <= KVD_EMBSTR_MAX);
    if (enc == KVD_ENC_RAW) {
        const kvd_rawstr_t *raw = kvd_entry_raw(e);
        KVD_ASSERT(raw != NULL);
        KVD_ASSERT(raw->len <= raw->cap);
    }
}

/* ---- in-place string edits (APPEND, SETRANGE) ---- */

/*
 * Make e RAW with room for `need` bytes, zero-filling new bytes up to
 * `zero_to`.  A non-RAW entry is replaced by a new entry (the value slot
 * changes size), carrying its expiry over.  Returns the entry.
 */
static kvd_entry_t *reserve_raw(kvd_db_t *db, kvd_entry_t *e, size_t need, size_t zero_to)
{
    kvd_rawstr_t *raw;
    if (entry_enc_bits(e) == KVD_ENC_RAW) {
        raw = kvd_entry_raw(e);
        if (need > raw->cap) {
            raw = rawstr_grow(raw, need);
            kvd_entry_set_raw(e, raw);
        }
    } else {
        char tmp[KVD_INT_TEXT_MAX + 1];
        size_t len;
        const char *cur = kvd_entry_str(e, &len, tmp);
        raw = kvd_rawstr_new(cur, len, need > len ? greedy_cap(need) : len);
        kvd_value_spec_t v = {.type = KVD_TYPE_STRING, .enc = KVD_ENC_RAW, .ptr = raw};
        kvd_entry_t *fresh = kvd_entry_new(entry_keyp(e), entry_klen(e), &v, kvd_entry_lru(e));
        kvd_dict_pos_t pos;
        uint64_t h = kvd_db_position_of(db, e, &pos);
        kvd_db_replace_entry(db, &pos, fresh, h, true);
        e = fresh;
    }
    KVD_ASSERT(raw->cap >= need);
    if (zero_to > raw->len)
        memset(raw->bytes + raw->len, 0, zero_to - raw->len);
    return e;
}

/* Copy p[0..n) out of the way when it points into e's current value,
 * which reserve_raw may move or free. */
static const char *unalias(const kvd_entry_t *e, const char *p, size_t n, char **copy)
{
    char tmp[KVD_INT_TEXT_MAX + 1];
    size_t len;
    const char *cur = kvd_entry_str(e, &len, tmp);
    *copy = NULL;
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)cur;
    if (n == 0 || a + n <= b || a >= b + len)
        return p;
    *copy = kvd_memdup(p, n);
    return *copy;
}

kvd_entry_t *kvd_db_string_append(kvd_db_t *db, kvd_entry_t *e, const char *p, size_t n)
{
    KVD_ASSERT(entry_type_bits(e) == KVD_TYPE_STRING);
    kvd_db_op_begin(db);
    char *copy;
    p = unalias(e, p, n, &copy);
    char tmp[KVD_INT_TEXT_MAX + 1];
    size_t len, need;
    (void)kvd_entry_str(e, &len, tmp);
    KVD_ASSERT(kvd_add_size(len, n, &need));
    e = reserve_raw(db, e, need, len);
    kvd_rawstr_t *raw = kvd_entry_raw(e);
    KVD_ASSERT(raw->len == len);
    if (n > 0)
        memcpy(raw->bytes + len, p, n);
    raw->len = need;
    kvd_free(copy);
    kvd_entry_set_lru(e, kvd_db_lru_now(db));
    kvd_db_after_mutation(db);
    return e;
}

kvd_entry_t *kvd_db_string_setrange(kvd_db_t *db, kvd_entry_t *e, size_t off, const char *p,
                                    size_t n)
{
    KVD_ASSERT(entry_type_bits(e) == KVD_TYPE_STRING);
    if (n == 0)
        return e;
    kvd_db_op_begin(db);
    char *copy;
    p = unalias(e, p, n, &copy);
    char tmp[KVD_INT_TEXT_MAX + 1];
    size_t len, end;
    (void)kvd_entry_str(e, &len, tmp);
    KVD_ASSERT(kvd_add_size(off, n, &end));
    size_t need = end > len ? end : len;
    e = reserve_raw(db, e, need, off);
    kvd_rawstr_t *raw = kvd_entry_raw(e);
    memcpy(raw->bytes + off, p, n);
    raw->len = need;
    kvd_free(copy);
    kvd_entry_set_lru(e, kvd_db_lru_now(db));
    kvd_db_after_mutation(db);
    return e;
}

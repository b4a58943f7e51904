/*
 * sort_pattern.c - SORT's BY and GET key patterns (see sort_pattern.h).
 */
#include "sort_pattern.h"

#include "hash_type.h"

/* Start of "->" in p[from, end), or NULL. */
static const char *find_arrow(const char *p, size_t from, size_t end)
{
    for (size_t i = from; i + 1 < end; i++)
        if (p[i] == '-' && p[i + 1] == '>')
            return p + i;
    return NULL;
}

bool kvd_sort_pattern_has_star(const char *p, size_t len)
{
    /* strchr in Redis: the search stops at the first NUL. */
    size_t clen = strnlen(p, len);
    return memchr(p, '*', clen) != NULL;
}

void kvd_sort_pattern_parse(kvd_sort_pattern_t *pat, const char *p, size_t len)
{
    memset(pat, 0, sizeof(*pat));
    pat->p = p;
    pat->len = len;
    pat->self = len >= 1 && p[0] == '#' && (len == 1 || p[1] == '\0');
    size_t clen = strnlen(p, len);
    const char *star = memchr(p, '*', clen);
    if (pat->self || star == NULL)
        return;
    pat->has_star = true;
    pat->prefix_len = (size_t)(star - p);
    pat->suffix_off = pat->prefix_len + 1;
    /* "->" at the very end names no field: the key keeps the "->". */
    const char *arrow = find_arrow(p, pat->suffix_off, clen);
    if (arrow != NULL && (size_t)(arrow - p) + 2 < clen) {
        pat->field = arrow + 2;
        pat->field_len = len - (size_t)(pat->field - p);
    }
    size_t tail = len - pat->suffix_off;
    pat->suffix_len = pat->field ? tail - pat->field_len - 2 : tail;
    KVD_ASSERT(pat->prefix_len + 1 + pat->suffix_len <= len);
}

bool kvd_sort_pattern_get(const kvd_sort_pattern_t *pat, kvd_db_t *db, const char *elem,
                          size_t elen, kvd_buf_t *key, char *tmp, const char **vp, size_t *vlen)
{
    if (pat->self) {
        *vp = elem;
        *vlen = elen;
        return true;
    }
    if (!pat->has_star)
        return false;
    kvd_buf_clear(key);
    kvd_buf_append(key, pat->p, pat->prefix_len);
    kvd_buf_append(key, elem, elen);
    kvd_buf_append(key, pat->p + pat->suffix_off, pat->suffix_len);
    kvd_entry_t *e = kvd_db_lookup_read(db, key->data != NULL ? key->data : "", key->len);
    if (e == NULL)
        return false;
    if (pat->field == NULL) {
        if (kvd_entry_type(e) != KVD_TYPE_STRING)
            return false;
        *vp = kvd_entry_str(e, vlen, tmp);
        return true;
    }
    if (kvd_entry_type(e) != KVD_TYPE_HASH)
        return false;
    kvd_hash_pair_t pr;
    if (!kvd_hash_get(kvd_entry_encoding(e), kvd_entry_ptr(e), pat->field, pat->field_len, &pr))
        return false;
    *vp = pr.value;
    *vlen = pr.vlen;
    return true;
}

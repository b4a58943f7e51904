/*
 * sort_pattern.h - the key patterns of SORT's BY and GET options.
 *
 * A pattern names one other key per element: its first '*' is replaced by
 * the element ("weight_*" -> "weight_7"), and a non-empty "->field" after
 * the '*' reads that field of a hash instead of a string ("obj_*->w").
 * "#" is the element itself (GET #).  A pattern without '*' names no key.
 *
 * Redis finds '*', "->" and "#" with C string functions, so a NUL byte in
 * a pattern ends the part they search while the bytes after it still go
 * into the key and the field name; kvd_sort_pattern_parse does the same.
 */
#ifndef KVD_SORT_PATTERN_H
#define KVD_SORT_PATTERN_H

#include "../core/buf.h"
#include "../db/db.h"

/* Bytes a caller lends kvd_sort_pattern_get for an int-encoded value. */
#define KVD_SORT_TMP 24

typedef struct kvd_sort_pattern {
    const char *p;      /* the whole argument (not owned) */
    size_t len;
    bool self;          /* "#": the element itself */
    bool has_star;      /* false: the pattern names no key */
    size_t prefix_len;  /* key bytes before the '*' */
    size_t suffix_off;  /* key bytes after the '*': p[suffix_off, +suffix_len) */
    size_t suffix_len;
    const char *field;  /* hash field, or NULL for a string key */
    size_t field_len;
} kvd_sort_pattern_t;

/* Split pattern p[0, len) into its parts (no allocation). */
void kvd_sort_pattern_parse(kvd_sort_pattern_t *pat, const char *p, size_t len);

/* True when the pattern contains a '*' where Redis looks for one (BY
 * without it means "do not sort"). */
bool kvd_sort_pattern_has_star(const char *p, size_t len);

/*
 * The value pat names for element elem: true with *vp, *vlen set, false
 * when the key (or field) does not exist or holds another type.  The
 * lookup counts a keyspace hit or miss and applies lazy expiry, like any
 * read.  key is scratch space for the key name; tmp (KVD_SORT_TMP bytes)
 * holds the text of an int-encoded string.  The view is valid until the
 * next lookup or write in db: use it before looking up anything else.
 */
bool kvd_sort_pattern_get(const kvd_sort_pattern_t *pat, kvd_db_t *db, const char *elem,
                          size_t elen, kvd_buf_t *key, char *tmp, const char **vp, size_t *vlen);

#endif /* KVD_SORT_PATTERN_H */

/*
 * model_canon.c - replies put in the model's order (SMEMBERS and HGETALL
 * sorted), and a key's whole value as canonical bytes for the
 * durability check.
 */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

typedef struct item {
    const char *p; /* the whole encoded item, "$3\r\nabc\r\n" */
    size_t n;
    const char *data; /* its payload */
    size_t dlen;
} item_t;

/* A flat array of bulk strings; false if r is anything else. */
static bool parse_bulks(const char *r, size_t len, item_t **out, int *count)
{
    if (len < 4 || r[0] != '*')
        return false;
    long long n = strtoll(r + 1, NULL, 10);
    const char *nl = memchr(r, '\n', len);
    if (n < 0 || n > 1000000 || nl == NULL)
        return false;
    size_t pos = (size_t)(nl - r) + 1;
    item_t *it = calloc((size_t)n + 1, sizeof(*it));
    KVD_ASSERT(it != NULL);
    for (long long i = 0; i < n; i++) {
        nl = pos < len ? memchr(r + pos, '\n', len - pos) : NULL;
        long long bl = pos < len && r[pos] == '$' ? strtoll(r + pos + 1, NULL, 10) : -1;
        size_t start = nl ? (size_t)(nl - r) + 1 : 0;
        if (nl == NULL || bl < 0 || start + (size_t)bl + 2 > len) {
            free(it);
            return false;
        }
        it[i] = (item_t){.p = r + pos, .n = start + (size_t)bl + 2 - pos, .data = r + start,
                         .dlen = (size_t)bl};
        pos = start + (size_t)bl + 2;
    }
    if (pos != len) {
        free(it);
        return false;
    }
    *out = it, *count = (int)n;
    return true;
}

static int item_cmp(const void *a, const void *b)
{
    const item_t *x = a, *y = b;
    return model_bytes_cmp(x->data, x->dlen, y->data, y->dlen);
}

/* Pairs are sorted by their first item: sort pair records, not items. */
static int pair_cmp(const void *a, const void *b)
{
    return item_cmp(a, b);
}

void model_normalize_reply(const kvd_arg_t *argv, int argc, const char *r, size_t rlen,
                           model_sb_t *out)
{
    msb_clear(out);
    bool set = model_arg_is(&argv[0], "SMEMBERS");
    bool hash = model_arg_is(&argv[0], "HGETALL");
    item_t *it;
    int n;
    if (argc < 2 || !(set || hash) || !parse_bulks(r, rlen, &it, &n) || (hash && n % 2)) {
        msb_add(out, r, rlen);
        return;
    }
    if (set) {
        qsort(it, (size_t)n, sizeof(*it), item_cmp);
    } else {
        item_t(*pairs)[2] = (item_t(*)[2])it;
        qsort(pairs, (size_t)n / 2, sizeof(*pairs), pair_cmp);
    }
    msb_fmt(out, "*%d\r\n", n);
    for (int i = 0; i < n; i++)
        msb_add(out, it[i].p, it[i].n);
    free(it);
}

char model_type_letter(model_type_t t)
{
    static const char letters[] = "-slhSz";
    KVD_ASSERT(t <= MT_ZSET);
    return letters[t];
}

static void add_bulk(model_sb_t *b, const char *p, size_t n)
{
    msb_fmt(b, "$%zu\r\n", n);
    msb_add(b, p, n);
    msb_add(b, "\r\n", 2);
}

const char *model_canon(model_t *m, int db, const char *name, size_t nlen, int64_t now_ms,
                        model_sb_t *out, int64_t *expire_ms)
{
    const model_key_t *k = model_slot(m, db, name, nlen);
    *expire_ms = k ? k->expire_ms : -1;
    return model_canon_val(k ? &k->v : NULL, expire_ms, now_ms, out);
}

const char *model_canon_val(const model_val_t *v, int64_t *expire_ms, int64_t now_ms,
                            model_sb_t *out)
{
    msb_clear(out);
    if (v == NULL || v->type == MT_NONE || (*expire_ms >= 0 && now_ms > *expire_ms)) {
        *expire_ms = -1;
        return NULL;
    }
    msb_fmt(out, "%c", model_type_letter(v->type));
    if (v->type == MT_STRING) {
        add_bulk(out, v->s, v->slen);
        return out->p;
    }
    int per = v->type == MT_HASH || v->type == MT_ZSET ? 2 : 1;
    msb_fmt(out, "*%d\r\n", per * v->n);
    for (int i = 0; i < v->n; i++) {
        add_bulk(out, v->el[i].a, v->el[i].alen);
        if (v->type == MT_HASH)
            add_bulk(out, v->el[i].b, v->el[i].blen);
        if (v->type == MT_ZSET) {
            char buf[64];
            int n = model_fmt_double(buf, sizeof(buf), v->el[i].score);
            add_bulk(out, buf, (size_t)n);
        }
    }
    return out->p;
}

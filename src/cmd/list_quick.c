/*
 * list_quick.c - the list value (see list_quick.h).
 *
 * An element in a node's buffer is: its length as a base-128 varint (low
 * bits first), the bytes, then the length again as a varint written
 * backwards, so a walk from the end of an element can find its start.
 * Elements under 128 bytes cost 2 bytes of overhead.
 */
#include "list_quick.h"

#define NODE_MIN_CAP 64
#define NODE_SAFETY_BYTES 8192 /* byte bound of count-limited nodes */
#define MAX_VARINT 10          /* bytes of a 64-bit varint */

struct kvd_qnode {
    kvd_qnode_t *prev, *next;
    unsigned char *buf;
    size_t used, cap;
    uint32_t count;
};

struct kvd_qlist {
    kvd_qnode_t *head, *tail;
    uint64_t len;
    uint64_t nodes;
    size_t max_bytes;   /* a node with more than one element stays within */
    uint32_t max_count;
    int fill;
};

static size_t varint_size(size_t v)
{
    size_t n = 1;
    for (; v >= 128 && n < MAX_VARINT; n++)
        v >>= 7;
    return n;
}

/* Bytes an element of n bytes takes in a node; aborts past SIZE_MAX. */
static size_t entry_size(size_t n)
{
    size_t total;
    bool fits = kvd_add_size(n, 2 * varint_size(n), &total);
    KVD_ASSERT(fits);
    return total;
}

static void put_entry(unsigned char *dst, const void *p, size_t n)
{
    size_t k = varint_size(n);
    for (size_t i = 0; i < k; i++)
        dst[i] = (unsigned char)(((n >> (7 * i)) & 0x7f) | (i + 1 < k ? 0x80 : 0));
    if (n > 0)
        memcpy(dst + k, p, n);
    unsigned char *end = dst + k + n + k;
    for (size_t i = 0; i < k; i++)
        end[-1 - (ptrdiff_t)i] = (unsigned char)(((n >> (7 * i)) & 0x7f) | (i + 1 < k ? 0x80 : 0));
}

/* Length of the element starting at p; returns the size of its prefix. */
static size_t get_forward(const unsigned char *p, size_t *len)
{
    size_t v = 0, i = 0;
    for (; i < MAX_VARINT; i++) {
        v |= (size_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80))
            break;
    }
    KVD_ASSERT(i < MAX_VARINT);
    *len = v;
    return i + 1;
}

/* Length of the element ending at end; returns the size of its suffix. */
static size_t get_backward(const unsigned char *end, size_t *len)
{
    size_t v = 0, i = 0;
    for (; i < MAX_VARINT; i++) {
        unsigned char b = end[-1 - (ptrdiff_t)i];
        v |= (size_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    KVD_ASSERT(i < MAX_VARINT);
    *len = v;
    return i + 1;
}

static size_t entry_size_at(const kvd_qnode_t *node, size_t off)
{
    KVD_ASSERT(off < node->used);
    size_t len;
    size_t h = get_forward(node->buf + off, &len);
    return 2 * h + len;
}

kvd_qlist_t *kvd_qlist_new(int fill)
{
    kvd_qlist_t *ql = kvd_calloc(1, sizeof(*ql));
    ql->fill = fill;
    if (fill < 0) {
        int k = fill < -5 ? 5 : -fill;
        ql->max_bytes = (size_t)4096 << (k - 1);
        ql->max_count = UINT32_MAX;
    } else {
        ql->max_bytes = NODE_SAFETY_BYTES;
        ql->max_count = fill == 0 ? 1 : (uint32_t)fill;
    }
    return ql;
}

static kvd_qnode_t *node_new(size_t cap)
{
    kvd_qnode_t *node = kvd_calloc(1, sizeof(*node));
    node->cap = cap < NODE_MIN_CAP ? NODE_MIN_CAP : cap;
    node->buf = kvd_malloc(node->cap);
    return node;
}

static void node_free(kvd_qnode_t *node)
{
    kvd_free(node->buf);
    kvd_free(node);
}

/* Link node after prev (at the head when prev is NULL). */
static void link_after(kvd_qlist_t *ql, kvd_qnode_t *prev, kvd_qnode_t *node)
{
    node->prev = prev;
    node->next = prev ? prev->next : ql->head;
    if (node->next)
        node->next->prev = node;
    else
        ql->tail = node;
    if (prev)
        prev->next = node;
    else
        ql->head = node;
    ql->nodes++;
}

static void unlink_node(kvd_qlist_t *ql, kvd_qnode_t *node)
{
    KVD_ASSERT(ql->nodes > 0);
    if (node->prev)
        node->prev->next = node->next;
    else
        ql->head = node->next;
    if (node->next)
        node->next->prev = node->prev;
    else
        ql->tail = node->prev;
    ql->nodes--;
    ql->len -= node->count;
    node_free(node);
}

void kvd_qlist_free(kvd_qlist_t *ql)
{
    if (ql == NULL)
        return;
    kvd_qnode_t *node = ql->head;
    for (uint64_t i = 0; node != NULL && i < ql->nodes; i++) {
        kvd_qnode_t *next = node->next;
        node_free(node);
        node = next;
    }
    kvd_free(ql);
}

kvd_qlist_t *kvd_qlist_dup(const kvd_qlist_t *ql)
{
    kvd_qlist_t *copy = kvd_qlist_new(ql->fill);
    for (const kvd_qnode_t *n = ql->head; n != NULL; n = n->next) {
        kvd_qnode_t *c = node_new(n->used);
        memcpy(c->buf, n->buf, n->used);
        c->used = n->used;
        c->count = n->count;
        link_after(copy, copy->tail, c);
        copy->len += n->count;
    }
    KVD_VERIFY(kvd_qlist_verify_invariants(copy));
    return copy;
}

uint64_t kvd_qlist_len(const kvd_qlist_t *ql)
{
    return ql->len;
}

uint64_t kvd_qlist_node_count(const kvd_qlist_t *ql)
{
    return ql->nodes;
}

static void node_reserve(kvd_qnode_t *node, size_t extra)
{
    size_t need;
    bool fits = kvd_add_size(node->used, extra, &need);
    KVD_ASSERT(fits);
    if (need <= node->cap)
        return;
    size_t cap = node->cap * 2 > need ? node->cap * 2 : need;
    node->buf = kvd_realloc(node->buf, cap);
    node->cap = cap;
}

/* Write an element of n bytes at byte offset off of node. */
static void node_insert_at(kvd_qlist_t *ql, kvd_qnode_t *node, size_t off, const void *p,
                           size_t n)
{
    KVD_ASSERT(off <= node->used);
    size_t esz = entry_size(n);
    node_reserve(node, esz);
    memmove(node->buf + off + esz, node->buf + off, node->used - off);
    put_entry(node->buf + off, p, n);
    node->used += esz;
    node->count++;
    ql->len++;
}

/* Remove bytes [a, b) holding k elements; shrink a buffer left mostly empty. */
static void node_remove_bytes(kvd_qlist_t *ql, kvd_qnode_t *node, size_t a, size_t b, uint32_t k)
{
    KVD_ASSERT(a <= b && b <= node->used);
    KVD_ASSERT(k <= node->count);
    memmove(node->buf + a, node->buf + b, node->used - b);
    node->used -= b - a;
    node->count -= k;
    ql->len -= k;
    if (node->cap > NODE_MIN_CAP && node->used < node->cap / 4) {
        size_t cap = node->used < NODE_MIN_CAP ? NODE_MIN_CAP : node->used;
        node->buf = kvd_realloc(node->buf, cap);
        node->cap = cap;
    }
}

static bool node_fits(const kvd_qlist_t *ql, const kvd_qnode_t *node, size_t esz)
{
    size_t total;
    return node->count < ql->max_count && kvd_add_size(node->used, esz, &total) &&
           total <= ql->max_bytes;
}

void kvd_qlist_push(kvd_qlist_t *ql, bool head, const void *p, size_t n)
{
    kvd_qnode_t *node = head ? ql->head : ql->tail;
    size_t esz = entry_size(n);
    KVD_ASSERT(ql->len < UINT64_MAX);
    if (node == NULL || !node_fits(ql, node, esz)) {
        node = node_new(esz);
        link_after(ql, head ? NULL : ql->tail, node);
    }
    node_insert_at(ql, node, head ? 0 : node->used, p, n);
}

/* Byte offset of element idx of node, walking from its start. */
static size_t node_offset_of(const kvd_qnode_t *node, uint32_t idx)
{
    KVD_ASSERT(idx <= node->count);
    size_t off = 0;
    for (uint32_t i = 0; i < idx; i++)
        off += entry_size_at(node, off);
    return off;
}

/* The node holding element index, and the index within it. */
static kvd_qnode_t *find_node(const kvd_qlist_t *ql, uint64_t index, uint32_t *local)
{
    KVD_ASSERT(index < ql->len);
    if (index < ql->len / 2) {
        kvd_qnode_t *n = ql->head;
        for (uint64_t i = 0; i < ql->nodes && index >= n->count; i++) {
            index -= n->count;
            n = n->next;
        }
        *local = (uint32_t)index;
        return n;
    }
    uint64_t from_tail = ql->len - 1 - index;
    kvd_qnode_t *n = ql->tail;
    for (uint64_t i = 0; i < ql->nodes && from_tail >= n->count; i++) {
        from_tail -= n->count;
        n = n->prev;
    }
    *local = (uint32_t)(n->count - 1 - from_tail);
    return n;
}

void kvd_qlist_delete_range(kvd_qlist_t *ql, uint64_t start, uint64_t count)
{
    KVD_ASSERT(start <= ql->len && count <= ql->len - start);
    if (count == 0)
        return;
    uint32_t local;
    kvd_qnode_t *node = find_node(ql, start, &local);
    uint64_t bound = ql->nodes;
    for (uint64_t i = 0; count > 0 && i < bound; i++) {
        KVD_ASSERT(node != NULL);
        kvd_qnode_t *next = node->next;
        uint64_t avail = node->count - local;
        uint32_t k = (uint32_t)(count < avail ? count : avail);
        if (local == 0 && k == node->count) {
            unlink_node(ql, node);
        } else {
            size_t a = node_offset_of(node, local);
            size_t b = a;
            for (uint32_t j = 0; j < k; j++)
                b += entry_size_at(node, b);
            node_remove_bytes(ql, node, a, b, k);
        }
        count -= k;
        node = next;
        local = 0;
    }
    KVD_ASSERT(count == 0);
    KVD_VERIFY(kvd_qlist_verify_invariants(ql));
}

void kvd_qlist_iter_at(kvd_qlist_t *ql, kvd_qlist_iter_t *it, uint64_t index, bool forward)
{
    uint32_t local;
    memset(it, 0, sizeof(*it));
    it->ql = ql;
    it->forward = forward;
    it->node = find_node(ql, index, &local);
    it->off = node_offset_of(it->node, local);
    if (!forward)
        it->off += entry_size_at(it->node, it->off);
}

bool kvd_qlist_iter_next(kvd_qlist_iter_t *it, const char **p, size_t *n)
{
    /* Nodes are never empty, so at most one hop reaches the next element. */
    if (it->node && (it->forward ? it->off == it->node->used : it->off == 0)) {
        it->node = it->forward ? it->node->next : it->node->prev;
        if (it->node)
            it->off = it->forward ? 0 : it->node->used;
    }
    it->cur = NULL;
    if (it->node == NULL)
        return false;
    kvd_qnode_t *node = it->node;
    size_t len;
    if (it->forward) {
        size_t h = get_forward(node->buf + it->off, &len);
        it->cur_off = it->off;
        it->off += 2 * h + len;
    } else {
        size_t t = get_backward(node->buf + it->off, &len);
        KVD_ASSERT(it->off >= 2 * t + len);
        it->cur_off = it->off - 2 * t - len;
        it->off = it->cur_off;
    }
    KVD_ASSERT(it->off <= node->used);
    it->cur = node;
    size_t h = varint_size(len);
    *p = (const char *)node->buf + it->cur_off + h;
    *n = len;
    return true;
}

void kvd_qlist_iter_delete(kvd_qlist_iter_t *it)
{
    kvd_qnode_t *node = it->cur;
    KVD_ASSERT(node != NULL && node == it->node);
    size_t esz = entry_size_at(node, it->cur_off);
    it->cur = NULL;
    if (node->count == 1) {
        it->node = it->forward ? node->next : node->prev;
        it->off = (it->forward || it->node == NULL) ? 0 : it->node->used;
        unlink_node(it->ql, node);
    } else {
        node_remove_bytes(it->ql, node, it->cur_off, it->cur_off + esz, 1);
        it->off = it->cur_off;
    }
    KVD_VERIFY(kvd_qlist_verify_invariants(it->ql));
}

/*
 * After an insert in the middle a node may exceed its bounds: cut it into
 * as few pieces as fit, packing greedily, so a large element ends up alone.
 */
static void node_repack(kvd_qlist_t *ql, kvd_qnode_t *node)
{
    if (node->count <= 1 || (node->count <= ql->max_count && node->used <= ql->max_bytes))
        return;
    size_t off = 0, chunk_start = 0, first_end = 0;
    uint32_t chunk_count = 0, first_count = 0, total = node->count;
    kvd_qnode_t *prev = node;
    for (uint32_t i = 0; i <= total; i++) {
        size_t esz = i < total ? entry_size_at(node, off) : 0;
        bool full = chunk_count > 0 && (chunk_count >= ql->max_count ||
                                        off + esz - chunk_start > ql->max_bytes);
        if (i == total || full) {
            if (first_count == 0) {
                first_end = off;
                first_count = chunk_count;
            } else {
                kvd_qnode_t *piece = node_new(off - chunk_start);
                memcpy(piece->buf, node->buf + chunk_start, off - chunk_start);
                piece->used = off - chunk_start;
                piece->count = chunk_count;
                link_after(ql, prev, piece);
                prev = piece;
            }
            chunk_start = off;
            chunk_count = 0;
        }
        off += esz;
        chunk_count++;
    }
    /* The pieces were counted in ql->len already: take them out of node only. */
    ql->len += total - first_count;
    node_remove_bytes(ql, node, first_end, node->used, total - first_count);
}

void kvd_qlist_iter_replace(kvd_qlist_iter_t *it, const void *p, size_t n)
{
    kvd_qnode_t *node = it->cur;
    KVD_ASSERT(node != NULL);
    size_t old = entry_size_at(node, it->cur_off);
    size_t at = it->cur_off;
    node_insert_at(it->ql, node, at, p, n);
    size_t start = at + entry_size(n);
    node_remove_bytes(it->ql, node, start, start + old, 1);
    node_repack(it->ql, node);
    it->node = it->cur = NULL;
    KVD_VERIFY(kvd_qlist_verify_invariants(it->ql));
}

void kvd_qlist_iter_insert(kvd_qlist_iter_t *it, bool after, const void *p, size_t n)
{
    kvd_qnode_t *node = it->cur;
    KVD_ASSERT(node != NULL);
    KVD_ASSERT(it->ql->len < UINT64_MAX);
    size_t at = it->cur_off;
    if (after)
        at += entry_size_at(node, at);
    node_insert_at(it->ql, node, at, p, n);
    node_repack(it->ql, node);
    it->node = it->cur = NULL;
    KVD_VERIFY(kvd_qlist_verify_invariants(it->ql));
}

static void verify_node(const kvd_qlist_t *ql, const kvd_qnode_t *node)
{
    KVD_ASSERT(node->count > 0);
    KVD_ASSERT(node->used <= node->cap);
    size_t off = 0;
    for (uint32_t i = 0; i < node->count; i++) {
        size_t len, back;
        size_t h = get_forward(node->buf + off, &len);
        KVD_ASSERT(off + 2 * h + len <= node->used);
        off += 2 * h + len;
        KVD_ASSERT(get_backward(node->buf + off, &back) == h);
        KVD_ASSERT(back == len);
    }
    KVD_ASSERT(off == node->used);
    if (node->count > 1) {
        KVD_ASSERT(node->count <= ql->max_count);
        KVD_ASSERT(node->used <= ql->max_bytes);
    }
}

void kvd_qlist_verify_invariants(const kvd_qlist_t *ql)
{
    uint64_t len = 0, nodes = 0;
    const kvd_qnode_t *prev = NULL;
    for (const kvd_qnode_t *n = ql->head; n != NULL; n = n->next) {
        KVD_ASSERT(nodes < ql->nodes);
        KVD_ASSERT(n->prev == prev);
        verify_node(ql, n);
        len += n->count;
        nodes++;
        prev = n;
    }
    KVD_ASSERT(prev == ql->tail);
    KVD_ASSERT(nodes == ql->nodes);
    KVD_ASSERT(len == ql->len);
}

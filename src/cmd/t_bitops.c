/*
 * t_bitops.c - bitmap commands on string values: SETBIT, GETBIT,
 * BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
 *
 * Bit numbering is Redis's: bit 0 is the most significant bit of byte 0.
 * Writes go through the db's in-place SETRANGE, so a SETBIT or BITFIELD
 * write costs O(1) amortized whatever the string's size, and leaves the
 * value raw with its expiry, as Redis does.  Replies and the order in
 * which errors win match Redis 7.0.15.
 */
#include "client.h"
#include "shard.h"
#include "core/util.h"
#include "proto/reply.h"

#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BIT_VALUE "ERR bit is not an integer or out of range"
#define ERR_BITFIELD_TYPE                                                                          \
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "   \
    "i64 is."

/* ---- helpers ---- */

static int bit_at(const uint8_t *p, uint64_t pos)
{
    return (p[pos >> 3] >> (7 - (pos & 7))) & 1;
}

/* The bytes of a string entry (INT values as their decimal text, in tmp). */
static const uint8_t *entry_bytes(const kvd_entry_t *e, size_t *len, char *tmp)
{
    KVD_ASSERT(kvd_entry_type(e) == KVD_TYPE_STRING);
    return (const uint8_t *)kvd_entry_str(e, len, tmp);
}

/*
 * A bit offset argument.  With allow_hash (BITFIELD), "#N" means N times
 * the field width; Redis multiplies in wrapping 64-bit arithmetic, and so
 * do we, so the same huge N is accepted or refused the same way.  The
 * byte holding the bit must lie below proto-max-bulk-len.
 */
static int parse_bit_offset(kvd_client_t *c, const kvd_arg_t *a, bool allow_hash, int bits,
                            uint64_t *out)
{
    bool hash = allow_hash && bits > 0 && a->len > 0 && a->ptr[0] == '#';
    int64_t v;
    if (!kvd_str2ll(a->ptr + (size_t)hash, a->len - (size_t)hash, &v)) {
        kvd_reply_error(c->reply, ERR_BIT_OFFSET);
        return -1;
    }
    if (hash)
        v = (int64_t)((uint64_t)v * (uint64_t)bits);
    if (v < 0 || (v >> 3) >= c->shard->cfg->proto_max_bulk_len) {
        kvd_reply_error(c->reply, ERR_BIT_OFFSET);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/*
 * Make key a raw string at least (maxbit / 8 + 1) bytes long, zero-padded,
 * creating it when missing, as Redis does before any bit write (even one
 * that ends up writing nothing).  *grew tells whether that created or
 * lengthened the value: Redis counts such a write as a change even when no
 * bit moved.  NULL after replying WRONGTYPE.
 */
static kvd_entry_t *string_for_bit_write(kvd_client_t *c, const kvd_arg_t *key, uint64_t maxbit,
                                         bool *grew)
{
    size_t byte = (size_t)(maxbit >> 3);
    uint8_t keep = 0;
    kvd_entry_t *e = kvd_db_find(c->db, key->ptr, key->len);
    *grew = true;
    if (e == NULL) {
        e = kvd_db_set_string(c->db, key->ptr, key->len, "", 0, KVD_SET_FORCE_RAW);
    } else if (kvd_entry_type(e) != KVD_TYPE_STRING) {
        kvd_reply_wrong_type(c);
        return NULL;
    } else {
        char tmp[32];
        size_t len;
        const uint8_t *p = entry_bytes(e, &len, tmp);
        if (byte < len) {
            keep = p[byte];
            *grew = false;
        }
    }
    /* Rewriting the last byte with itself grows, zero-pads and unshares. */
    return kvd_db_string_setrange(c->db, e, byte, (const char *)&keep, 1);
}

/* ---- SETBIT, GETBIT ---- */

static void setbit_command(kvd_client_t *c)
{
    uint64_t off;
    int64_t on;
    if (parse_bit_offset(c, &c->argv[2], false, 0, &off) < 0)
        return;
    if (!kvd_str2ll(c->argv[3].ptr, c->argv[3].len, &on) || (on & ~1) != 0) {
        kvd_reply_error(c->reply, ERR_BIT_VALUE);
        return;
    }
    bool grew;
    kvd_entry_t *e = string_for_bit_write(c, &c->argv[1], off, &grew);
    if (e == NULL)
        return;
    char tmp[32];
    size_t len;
    const uint8_t *p = entry_bytes(e, &len, tmp);
    KVD_ASSERT((off >> 3) < len);
    uint8_t byte = p[off >> 3], mask = (uint8_t)(1u << (7 - (off & 7)));
    int old = (byte & mask) != 0;
    byte = (uint8_t)(on ? (byte | mask) : (byte & ~mask));
    kvd_db_string_setrange(c->db, e, (size_t)(off >> 3), (const char *)&byte, 1);
    if (grew || old != (int)on)
        kvd_shard_add_dirty(c->shard, 1);
    kvd_reply_int(c->reply, old);
}

static void getbit_command(kvd_client_t *c)
{
    uint64_t off;
    if (parse_bit_offset(c, &c->argv[2], false, 0, &off) < 0)
        return;
    kvd_entry_t *e = kvd_db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return;
    char tmp[32];
    size_t len;
    const uint8_t *p = entry_bytes(e, &len, tmp);
    kvd_reply_int(c->reply, (off >> 3) < len ? bit_at(p, off) : 0);
}

/* ---- BITCOUNT, BITPOS ---- */

/*
 * Clamp an inclusive [start, end] to [0, total) with Redis's rules:
 * negatives count from the end and are clamped to 0, end is clamped to
 * total - 1.  Returns false when the range is empty.
 */
static bool clamp_index_range(int64_t total, int64_t *start, int64_t *end)
{
    KVD_ASSERT(total >= 0);
    if (*start < 0)
        *start += total;
    if (*end < 0)
        *end += total;
    if (*start < 0)
        *start = 0;
    if (*end < 0)
        *end = 0;
    if (*end >= total)
        *end = total - 1;
    return *start <= *end;
}

/* BIT or BYTE: sets *isbit; -1 after a syntax error. */
static int parse_bit_unit(kvd_client_t *c, const kvd_arg_t *a, bool *isbit)
{
    if (kvd_arg_is(a, "bit")) {
        *isbit = true;
    } else if (kvd_arg_is(a, "byte")) {
        *isbit = false;
    } else {
        kvd_reply_syntax_error(c);
        return -1;
    }
    return 0;
}

static uint64_t popcount_bytes(const uint8_t *p, size_t n)
{
    uint64_t count = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        count += (uint64_t)__builtin_popcountll(w);
    }
    for (; i < n; i++)
        count += (uint64_t)__builtin_popcount(p[i]);
    return count;
}

/* Set bits in the inclusive bit range [bs, be]. */
static uint64_t popcount_bits(const uint8_t *p, uint64_t bs, uint64_t be)
{
    KVD_ASSERT(bs <= be);
    uint64_t count = 0, pos = bs;
    for (; pos <= be && (pos & 7) != 0; pos++)
        count += (uint64_t)bit_at(p, pos);
    if (pos + 7 <= be) {
        size_t nbytes = (size_t)((be + 1 - pos) >> 3);
        count += popcount_bytes(p + (pos >> 3), nbytes);
        pos += (uint64_t)nbytes << 3;
    }
    for (; pos <= be; pos++)
        count += (uint64_t)bit_at(p, pos);
    return count;
}

/*
 * BITCOUNT key [start end [BYTE|BIT]].  The key is looked up first, so a
 * missing key answers 0 whatever the other arguments say.
 */
static void bitcount_command(kvd_client_t *c)
{
    kvd_entry_t *e = kvd_db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return;
    char tmp[32];
    size_t len;
    const uint8_t *p = entry_bytes(e, &len, tmp);
    if (c->argc == 2) {
        kvd_reply_int(c->reply, (int64_t)popcount_bytes(p, len));
        return;
    }
    int64_t start, end;
    bool isbit = false;
    if (c->argc != 4 && c->argc != 5) {
        kvd_reply_syntax_error(c);
        return;
    }
    if (kvd_arg_ll(c, &c->argv[2], &start) < 0 || kvd_arg_ll(c, &c->argv[3], &end) < 0)
        return;
    if (c->argc == 5 && parse_bit_unit(c, &c->argv[4], &isbit) < 0)
        return;
    /* Both negative and crossed: empty, before any clamping (Redis's rule). */
    int64_t total = isbit ? (int64_t)len * 8 : (int64_t)len;
    if ((start < 0 && end < 0 && start > end) || !clamp_index_range(total, &start, &end)) {
        kvd_reply_int(c->reply, 0);
        return;
    }
    uint64_t bs = isbit ? (uint64_t)start : (uint64_t)start << 3;
    uint64_t be = isbit ? (uint64_t)end : ((uint64_t)end << 3) + 7;
    kvd_reply_int(c->reply, (int64_t)popcount_bits(p, bs, be));
}

/* First bit equal to bit in the inclusive range [bs, be], or -1. */
static int64_t find_bit(const uint8_t *p, uint64_t bs, uint64_t be, int bit)
{
    KVD_ASSERT(bs <= be);
    uint64_t pos = bs;
    const uint64_t skip = bit ? 0 : UINT64_MAX; /* words holding no wanted bit */
    for (; pos <= be && (pos & 7) != 0; pos++)
        if (bit_at(p, pos) == bit)
            return (int64_t)pos;
    /* Whole words, then whole bytes, that cannot hold the bit are skipped. */
    for (; pos + 63 <= be; pos += 64) {
        uint64_t w;
        memcpy(&w, p + (pos >> 3), 8);
        if (w != skip)
            break;
    }
    for (; pos + 7 <= be && p[pos >> 3] == (uint8_t)skip; pos += 8)
        ;
    for (; pos <= be; pos++)
        if (bit_at(p, pos) == bit)
            return (int64_t)pos;
    return -1;
}

/* BITPOS's [start [end [BYTE|BIT]]] over a string of len bytes, as bits.
 * Returns 1 for a range, 0 when it is empty, -1 after an error reply. */
static int bitpos_range(kvd_client_t *c, size_t len, uint64_t *bs, uint64_t *be, bool *end_given)
{
    int64_t start = 0, end = (int64_t)len - 1;
    bool isbit = false;
    *end_given = false;
    if (c->argc > 6) {
        kvd_reply_syntax_error(c);
        return -1;
    }
    if (c->argc >= 4 && kvd_arg_ll(c, &c->argv[3], &start) < 0)
        return -1;
    /* Redis reads the unit before the end index. */
    if (c->argc == 6 && parse_bit_unit(c, &c->argv[5], &isbit) < 0)
        return -1;
    if (c->argc >= 5) {
        if (kvd_arg_ll(c, &c->argv[4], &end) < 0)
            return -1;
        *end_given = true;
    } else if (isbit) {
        end = (int64_t)len * 8 - 1;
    }
    int64_t total = isbit ? (int64_t)len * 8 : (int64_t)len;
    if (!clamp_index_range(total, &start, &end))
        return 0;
    *bs = isbit ? (uint64_t)start : (uint64_t)start << 3;
    *be = isbit ? (uint64_t)end : ((uint64_t)end << 3) + 7;
    return 1;
}

/*
 * BITPOS key bit [start [end [BYTE|BIT]]].  A missing key is endless
 * zeros.  Looking for a 0 in a range of ones answers the bit just past
 * the range when no end was given (the string continues with zeros), and
 * -1 when the client named the end.
 */
static void bitpos_command(kvd_client_t *c)
{
    int64_t bit;
    if (kvd_arg_ll(c, &c->argv[2], &bit) < 0)
        return;
    if (bit != 0 && bit != 1) {
        kvd_reply_error(c->reply, "ERR The bit argument must be 1 or 0.");
        return;
    }
    kvd_entry_t *e = kvd_db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) {
        kvd_reply_int(c->reply, bit ? -1 : 0);
        return;
    }
    if (kvd_check_type(c, e, KVD_TYPE_STRING) < 0)
        return;
    char tmp[32];
    size_t len;
    const uint8_t *p = entry_bytes(e, &len, tmp);
    uint64_t bs = 0, be = 0;
    bool end_given;
    int r = bitpos_range(c, len, &bs, &be, &end_given);
    if (r < 0)
        return;
    if (r == 0) {
        kvd_reply_int(c->reply, -1);
        return;
    }
    int64_t pos = find_bit(p, bs, be, (int)bit);
    if (pos < 0 && bit == 0 && !end_given)
        pos = (int64_t)be + 1;
    kvd_reply_int(c->reply, pos);
}

/* ---- BITOP ---- */

typedef enum { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT } bitop_t;

/*
 * Fold one source of n bytes into the result r of *rlen bytes.  Bytes
 * past a source's end count as zero, so for AND a longer source extends
 * the result with zeros, and a shorter one zeroes the result's tail.
 */
static void bitop_fold(bitop_t op, bool first, kvd_buf_t *r, const uint8_t *s, size_t n)
{
    size_t common = n < r->len ? n : r->len;
    uint8_t *d = (uint8_t *)r->data;
    for (size_t i = 0; i < common; i++) {
        if (op == BITOP_AND)
            d[i] &= s[i];
        else if (op == BITOP_OR)
            d[i] |= s[i];
        else
            d[i] ^= s[i];
    }
    if (op == BITOP_AND && !first && n < r->len)
        memset(d + n, 0, r->len - n);
    if (n > r->len) {
        bool zeros = op == BITOP_AND && !first;
        size_t old = r->len;
        kvd_buf_reserve(r, n - old);
        if (zeros)
            memset(r->data + old, 0, n - old);
        else
            memcpy(r->data + old, s + old, n - old);
        r->len = n;
    }
}

static int parse_bitop(kvd_client_t *c, bitop_t *op)
{
    const kvd_arg_t *a = &c->argv[1];
    if (kvd_arg_is(a, "and"))
        *op = BITOP_AND;
    else if (kvd_arg_is(a, "or"))
        *op = BITOP_OR;
    else if (kvd_arg_is(a, "xor"))
        *op = BITOP_XOR;
    else if (kvd_arg_is(a, "not"))
        *op = BITOP_NOT;
    else {
        kvd_reply_syntax_error(c);
        return -1;
    }
    if (*op == BITOP_NOT && c->argc != 4) {
        kvd_reply_error(c->reply, "ERR BITOP NOT must be called with a single source key.");
        return -1;
    }
    return 0;
}

/*
 * BITOP op destkey key [key ...].  Sources are read one at a time and
 * folded into a scratch buffer, so no entry pointer outlives the next
 * lookup; nothing is written until every source has been checked.  An
 * empty result deletes destkey; otherwise it is replaced (expiry cleared).
 */
static void bitop_command(kvd_client_t *c)
{
    bitop_t op;
    if (parse_bitop(c, &op) < 0)
        return;
    kvd_buf_t r = KVD_BUF_INIT;
    for (int i = 3; i < c->argc; i++) {
        kvd_entry_t *e = kvd_db_lookup_read(c->db, c->argv[i].ptr, c->argv[i].len);
        size_t len = 0;
        const uint8_t *p = (const uint8_t *)"";
        char tmp[32];
        if (e != NULL && kvd_entry_type(e) != KVD_TYPE_STRING) {
            kvd_buf_free(&r);
            kvd_reply_wrong_type(c);
            return;
        }
        if (e != NULL)
            p = entry_bytes(e, &len, tmp);
        bitop_fold(op == BITOP_NOT ? BITOP_OR : op, i == 3, &r, p, len);
    }
    if (op == BITOP_NOT)
        for (size_t i = 0; i < r.len; i++)
            r.data[i] = (char)~(uint8_t)r.data[i];
    const kvd_arg_t *dest = &c->argv[2];
    if (r.len == 0) {
        kvd_shard_add_dirty(c->shard, kvd_db_delete(c->db, dest->ptr, dest->len));
    } else {
        kvd_db_set_string(c->db, dest->ptr, dest->len, r.data, r.len, KVD_SET_FORCE_RAW);
        kvd_shard_add_dirty(c->shard, 1);
    }
    kvd_reply_int(c->reply, (int64_t)r.len);
    kvd_buf_free(&r);
}

/* ---- BITFIELD ---- */

typedef enum { BF_GET, BF_SET, BF_INCRBY } bf_opcode_t;
typedef enum { BF_WRAP, BF_SAT, BF_FAIL } bf_overflow_t;

typedef struct bf_op {
    bf_opcode_t opcode;
    bf_overflow_t overflow;
    bool is_signed;
    int bits;        /* 1..64 signed, 1..63 unsigned */
    uint64_t offset; /* in bits */
    int64_t value;   /* SET's value or INCRBY's increment */
} bf_op_t;

/* "i<1..64>" or "u<1..63>", lower-case, bits in canonical decimal. */
static int parse_bf_type(kvd_client_t *c, const kvd_arg_t *a, bool *is_signed, int *bits)
{
    int64_t n;
    if (a->len < 2 || (a->ptr[0] != 'i' && a->ptr[0] != 'u') ||
        !kvd_str2ll(a->ptr + 1, a->len - 1, &n) || n < 1 || n > (a->ptr[0] == 'i' ? 64 : 63)) {
        kvd_reply_error(c->reply, ERR_BITFIELD_TYPE);
        return -1;
    }
    *is_signed = a->ptr[0] == 'i';
    *bits = (int)n;
    return 0;
}

/* Read bits [off, off + bits) of p, most significant first. */
static uint64_t bf_read(const uint8_t *p, uint64_t off, int bits)
{
    KVD_ASSERT(bits >= 1 && bits <= 64);
    uint64_t v = 0;
    for (int i = 0; i < bits; i++)
        v = (v << 1) | (uint64_t)bit_at(p, off + (uint64_t)i);
    return v;
}

static void bf_write(uint8_t *p, uint64_t off, int bits, uint64_t v)
{
    KVD_ASSERT(bits >= 1 && bits <= 64);
    for (int i = 0; i < bits; i++) {
        uint64_t pos = off + (uint64_t)i;
        uint8_t mask = (uint8_t)(1u << (7 - (pos & 7)));
        if ((v >> (bits - 1 - i)) & 1)
            p[pos >> 3] |= mask;
        else
            p[pos >> 3] &= (uint8_t)~mask;
    }
}

static int64_t sign_extend(uint64_t v, int bits)
{
    if (bits < 64 && (v & (UINT64_C(1) << (bits - 1))))
        v |= UINT64_MAX << bits;
    return (int64_t)v;
}

static uint64_t low_bits(uint64_t v, int bits)
{
    return bits == 64 ? v : v & ((UINT64_C(1) << bits) - 1);
}

/*
 * value + incr in a field of the op's type.  Returns true when it
 * overflowed, with *out the WRAP or SAT result (FAIL: the caller writes
 * nothing).  A SET is the same with incr 0 and the new value.
 */
static bool bf_signed_add(const bf_op_t *op, int64_t value, int64_t incr, int64_t *out)
{
    int64_t max = op->bits == 64 ? INT64_MAX : (int64_t)((UINT64_C(1) << (op->bits - 1)) - 1);
    int64_t min = -max - 1, sum;
    bool wide = __builtin_add_overflow(value, incr, &sum);
    bool up = wide ? incr > 0 : sum > max;
    bool down = wide ? incr < 0 : sum < min;
    if (!up && !down) {
        *out = sum;
        return false;
    }
    if (op->overflow == BF_SAT)
        *out = up ? max : min;
    else
        *out = sign_extend(low_bits((uint64_t)value + (uint64_t)incr, op->bits), op->bits);
    return true;
}

static bool bf_unsigned_add(const bf_op_t *op, uint64_t value, int64_t incr, uint64_t *out)
{
    KVD_ASSERT(op->bits <= 63);
    uint64_t max = (UINT64_C(1) << op->bits) - 1;
    int64_t sum = 0;
    /* A value past max (SET of a negative or huge number) overflows upward. */
    bool up = value > max || (incr > 0 && (uint64_t)incr > max - value);
    bool down = !up && incr < 0 && (__builtin_add_overflow((int64_t)value, incr, &sum) || sum < 0);
    if (!up && !down) {
        *out = value + (uint64_t)incr;
        return false;
    }
    if (op->overflow == BF_SAT)
        *out = up ? max : 0;
    else
        *out = low_bits(value + (uint64_t)incr, op->bits);
    return true;
}

/* Copy the up-to-9 bytes holding a field into a zero-padded window. */
static void bf_window(const uint8_t *src, size_t len, uint64_t off, uint8_t win[9])
{
    size_t byte = (size_t)(off >> 3);
    memset(win, 0, 9);
    for (size_t i = 0; i < 9 && byte + i < len; i++)
        win[i] = src[byte + i];
}

static void bf_reply_value(kvd_client_t *c, const bf_op_t *op, uint64_t raw)
{
    if (op->is_signed)
        kvd_reply_int(c->reply, sign_extend(raw, op->bits));
    else
        kvd_reply_int(c->reply, (int64_t)raw);
}

/*
 * Run one SET or INCRBY on the (already grown, raw) entry; replies the old
 * (SET) or new (INCRBY) value, or nil when FAIL refused an overflow.
 * Returns the entry, which may have moved.
 */
static kvd_entry_t *bf_apply_write(kvd_client_t *c, kvd_entry_t *e, const bf_op_t *op,
                                   bool grew)
{
    char tmp[32];
    size_t len;
    uint8_t win[9];
    const uint8_t *src = entry_bytes(e, &len, tmp);
    bf_window(src, len, op->offset, win);
    uint64_t shift = op->offset & 7, oldraw = bf_read(win, shift, op->bits), newraw;
    int64_t incr = op->opcode == BF_INCRBY ? op->value : 0;
    bool overflow;
    if (op->is_signed) {
        int64_t base = op->opcode == BF_INCRBY ? sign_extend(oldraw, op->bits) : op->value, v;
        overflow = bf_signed_add(op, base, incr, &v);
        newraw = low_bits((uint64_t)v, op->bits);
    } else {
        uint64_t base = op->opcode == BF_INCRBY ? oldraw : (uint64_t)op->value;
        overflow = bf_unsigned_add(op, base, incr, &newraw);
    }
    if (overflow && op->overflow == BF_FAIL) {
        kvd_reply_null(c->reply);
        return e;
    }
    bf_reply_value(c, op, op->opcode == BF_SET ? oldraw : newraw);
    /* Redis counts every INCRBY, and a SET only when it changed a bit or
     * the value grew for it. */
    if (op->opcode == BF_INCRBY || grew || oldraw != newraw)
        kvd_shard_add_dirty(c->shard, 1);
    bf_write(win, shift, op->bits, newraw);
    size_t first = (size_t)(op->offset >> 3);
    size_t nbytes = (size_t)(((op->offset + (uint64_t)op->bits - 1) >> 3) - (op->offset >> 3) + 1);
    KVD_ASSERT(first + nbytes <= len && nbytes <= 9);
    return kvd_db_string_setrange(c->db, e, first, (const char *)win, nbytes);
}

static void bf_apply_get(kvd_client_t *c, const kvd_entry_t *e, const bf_op_t *op)
{
    uint8_t win[9];
    char tmp[32];
    size_t len = 0;
    const uint8_t *src = e != NULL ? entry_bytes(e, &len, tmp) : NULL;
    bf_window(src, len, op->offset, win);
    bf_reply_value(c, op, bf_read(win, op->offset & 7, op->bits));
}

/*
 * Parse one GET/SET/INCRBY at argv[*i] (the subcommand word) into op.
 * Advances *i past its arguments.  -1 after an error reply.
 */
static int parse_bf_op(kvd_client_t *c, int *i, bf_op_t *op)
{
    const kvd_arg_t *a = &c->argv[*i];
    int rest = c->argc - *i - 1;
    if (kvd_arg_is(a, "get") && rest >= 2)
        op->opcode = BF_GET;
    else if (kvd_arg_is(a, "set") && rest >= 3)
        op->opcode = BF_SET;
    else if (kvd_arg_is(a, "incrby") && rest >= 3)
        op->opcode = BF_INCRBY;
    else {
        kvd_reply_syntax_error(c);
        return -1;
    }
    if (parse_bf_type(c, &c->argv[*i + 1], &op->is_signed, &op->bits) < 0 ||
        parse_bit_offset(c, &c->argv[*i + 2], true, op->bits, &op->offset) < 0)
        return -1;
    if (op->opcode != BF_GET && kvd_arg_ll(c, &c->argv[*i + 3], &op->value) < 0)
        return -1;
    *i += op->opcode == BF_GET ? 2 : 3;
    return 0;
}

/* Parse every subcommand; returns the op count or -1 after an error reply. */
static int parse_bf_ops(kvd_client_t *c, bf_op_t *ops, int cap, bool *writes, uint64_t *maxbit)
{
    bf_overflow_t overflow = BF_WRAP;
    int n = 0;
    *writes = false;
    *maxbit = 0;
    for (int i = 2; i < c->argc; i++) {
        if (kvd_arg_is(&c->argv[i], "overflow") && i + 1 < c->argc) {
            const kvd_arg_t *t = &c->argv[++i];
            if (kvd_arg_is(t, "wrap"))
                overflow = BF_WRAP;
            else if (kvd_arg_is(t, "sat"))
                overflow = BF_SAT;
            else if (kvd_arg_is(t, "fail"))
                overflow = BF_FAIL;
            else {
                kvd_reply_error(c->reply, "ERR Invalid OVERFLOW type specified");
                return -1;
            }
            continue;
        }
        KVD_ASSERT(n < cap);
        bf_op_t *op = &ops[n];
        op->overflow = overflow;
        if (parse_bf_op(c, &i, op) < 0)
            return -1;
        if (op->opcode != BF_GET) {
            uint64_t last = op->offset + (uint64_t)op->bits - 1;
            *writes = true;
            *maxbit = last > *maxbit ? last : *maxbit;
        }
        n++;
    }
    return n;
}

static void bf_run(kvd_client_t *c, const bf_op_t *ops, int n, bool writes, uint64_t maxbit)
{
    const kvd_arg_t *key = &c->argv[1];
    kvd_entry_t *e;
    bool grew = false;
    if (!writes) {
        e = kvd_db_lookup_read(c->db, key->ptr, key->len);
        if (e != NULL && kvd_entry_type(e) != KVD_TYPE_STRING) {
            kvd_reply_wrong_type(c);
            return;
        }
    } else if ((e = string_for_bit_write(c, key, maxbit, &grew)) == NULL) {
        return;
    }
    kvd_reply_array(c->reply, n);
    for (int i = 0; i < n; i++) {
        if (ops[i].opcode == BF_GET)
            bf_apply_get(c, e, &ops[i]);
        else
            e = bf_apply_write(c, e, &ops[i], grew);
    }
}

static void bitfield_generic(kvd_client_t *c, bool readonly_cmd)
{
    /* Every op takes at least three words. */
    int cap = (c->argc - 2) / 3 + 1;
    bf_op_t *ops = kvd_calloc((size_t)cap, sizeof(*ops));
    bool writes;
    uint64_t maxbit;
    int n = parse_bf_ops(c, ops, cap, &writes, &maxbit);
    if (n >= 0 && writes && readonly_cmd)
        kvd_reply_error(c->reply, "ERR BITFIELD_RO only supports the GET subcommand");
    else if (n >= 0)
        bf_run(c, ops, n, writes, maxbit);
    kvd_free(ops);
}

static void bitfield_command(kvd_client_t *c)
{
    bitfield_generic(c, false);
}

static void bitfield_ro_command(kvd_client_t *c)
{
    bitfield_generic(c, true);
}

#define BM_READ (KVD_ACL_READ | KVD_ACL_BITMAP)
#define BM_WRITE (KVD_ACL_WRITE | KVD_ACL_BITMAP)
#define ONE_KEY .first_key = 1, .last_key = 1, .key_step = 1
#define DOC(sum, ver, cx) .summary = sum, .since = ver, .group = "bitmap", .complexity = cx

static kvd_command_t bitops_commands[] = {
    {.name = "setbit", .proc = setbit_command, .arity = 4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = BM_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Sets or clears the bit at offset in the string value stored at key", "2.2.0", "O(1)")},
    {.name = "getbit", .proc = getbit_command, .arity = 3,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = BM_READ | KVD_ACL_FAST, ONE_KEY,
     DOC("Returns the bit value at offset in the string value stored at key", "2.2.0", "O(1)")},
    {.name = "bitcount", .proc = bitcount_command, .arity = -2, .flags = KVD_CMD_READONLY,
     .acl = BM_READ | KVD_ACL_SLOW, ONE_KEY, DOC("Count set bits in a string", "2.6.0", "O(N)")},
    {.name = "bitpos", .proc = bitpos_command, .arity = -3, .flags = KVD_CMD_READONLY,
     .acl = BM_READ | KVD_ACL_SLOW, ONE_KEY,
     DOC("Find first bit set or clear in a string", "2.8.7", "O(N)")},
    {.name = "bitop", .proc = bitop_command, .arity = -4,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = BM_WRITE | KVD_ACL_SLOW, .first_key = 2,
     .last_key = -1, .key_step = 1,
     DOC("Perform bitwise operations between strings", "2.6.0", "O(N)")},
    {.name = "bitfield", .proc = bitfield_command, .arity = -2,
     .flags = KVD_CMD_WRITE | KVD_CMD_DENYOOM, .acl = BM_WRITE | KVD_ACL_SLOW, ONE_KEY,
     DOC("Perform arbitrary bitfield integer operations on strings", "3.2.0",
         "O(1) for each subcommand specified")},
    {.name = "bitfield_ro", .proc = bitfield_ro_command, .arity = -2,
     .flags = KVD_CMD_READONLY | KVD_CMD_FAST, .acl = BM_READ | KVD_ACL_FAST, ONE_KEY,
     DOC("Perform arbitrary bitfield integer operations on strings. Read-only variant of "
         "BITFIELD",
         "6.0.0", "O(1) for each subcommand specified")},
    {.name = NULL},
};

void kvd_register_bitops_commands(void)
{
    kvd_command_register(bitops_commands);
}

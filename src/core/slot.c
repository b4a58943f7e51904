/*
 * slot.c - CRC16 key slots and jump consistent hashing (see slot.h).
 */
#include "slot.h"

/* Table-driven CRC16-CCITT (XMODEM), built once from the polynomial. */
static uint16_t crc_table[256];
static bool crc_ready;

static void crc_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t crc = (uint16_t)(i << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
        crc_table[i] = crc;
    }
    crc_ready = true;
}

uint16_t kvd_crc16(const char *p, size_t len)
{
    if (kvd_unlikely(!crc_ready))
        crc_init();
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (uint16_t)((crc << 8) ^ crc_table[((crc >> 8) ^ (uint8_t)p[i]) & 0xff]);
    return crc;
}

unsigned kvd_key_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open != NULL) {
        size_t start = (size_t)(open - key) + 1;
        const char *close = memchr(key + start, '}', len - start);
        /* An empty tag "{}" does not count: the whole key is hashed. */
        if (close != NULL && close > key + start)
            return kvd_crc16(key + start, (size_t)(close - (key + start))) & (KVD_SLOTS - 1);
    }
    return kvd_crc16(key, len) & (KVD_SLOTS - 1);
}

/* SplitMix64 finaliser: spreads consecutive slot numbers over 64 bits. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int kvd_slot_shard(unsigned slot, int nshards)
{
    KVD_ASSERT(slot < KVD_SLOTS);
    KVD_ASSERT(nshards >= 1);
    /* Jump consistent hash: the bucket a key would occupy after each
     * growth step, jumping ahead by the inverse of a random fraction. */
    uint64_t key = mix64(slot);
    int64_t b = -1, j = 0;
    for (int guard = 0; j < nshards && guard < 4096; guard++) {
        b = j;
        key = key * 2862933555777941757ull + 1;
        j = (int64_t)((double)(b + 1) * ((double)(1ll << 31) / (double)((key >> 33) + 1)));
    }
    KVD_ASSERT(b >= 0 && b < nshards);
    return (int)b;
}

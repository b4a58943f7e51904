/*
 * ring_util.c - helpers for test_ring and test_ring_hammer.
 */
#include "ring_util.h"

#include <time.h>

uint64_t ru_seed(const char *name)
{
    const char *s = getenv("SEED");
    uint64_t seed = (s != NULL && *s != '\0') ? strtoull(s, NULL, 10) : (uint64_t)time(NULL);
    printf("%s: seed=%llu\n", name, (unsigned long long)seed);
    fflush(stdout);
    return seed;
}

uint64_t ru_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t ru_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
    return lo + ru_splitmix64(state) % (hi - lo + 1);
}

static uint64_t seq_tag(uint64_t seq)
{
    uint64_t s = seq ^ 0x5bd1e9955bd1e995ull;
    return ru_splitmix64(&s);
}

/* Four independent lanes so the multiply chains overlap. */
static uint64_t payload_hash(const uint8_t *p, uint64_t n)
{
    uint64_t h[4] = {1, 2, 3, 4}, i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * k, 8);
            h[k] = (h[k] ^ w) * 0x100000001b3ull;
        }
    uint64_t x = h[0] ^ (h[1] << 1) ^ (h[2] << 2) ^ (h[3] << 3) ^ n;
    for (; i < n; i++)
        x = (x ^ p[i]) * 0x100000001b3ull;
    return x;
}

void ru_fill(uint8_t *p, uint64_t len, uint64_t seq, uint64_t *state)
{
    uint64_t tag = seq_tag(seq);
    if (len < 8) {
        for (uint64_t i = 0; i < len; i++)
            p[i] = (uint8_t)(tag >> (8 * i));
        return;
    }
    uint64_t x = ru_splitmix64(state) | 1, i = 8;
    for (; i + 8 <= len; i += 8) {
        x ^= x << 13; /* xorshift64: cheap filler */
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
    for (; i < len; i++)
        p[i] = (uint8_t)(x >> (8 * (i & 7)));
    uint64_t h = payload_hash(p + 8, len - 8) ^ tag;
    memcpy(p, &h, 8);
}

bool ru_check(const uint8_t *p, uint64_t len, uint64_t seq)
{
    uint64_t tag = seq_tag(seq);
    if (len < 8) {
        for (uint64_t i = 0; i < len; i++)
            if (p[i] != (uint8_t)(tag >> (8 * i)))
                return false;
        return true;
    }
    uint64_t h;
    memcpy(&h, p, 8);
    return h == (payload_hash(p + 8, len - 8) ^ tag);
}

static int fake_signal(kvd_wake_t *wk, unsigned to)
{
    ru_fake_wake_t *f = wk->ctx;
    KVD_ASSERT(to < KVD_ARRAY_LEN(f->signals));
    f->signals[to]++;
    f->pending[to]++;
    return 0;
}

static uint64_t fake_consume(kvd_wake_t *wk, unsigned self)
{
    ru_fake_wake_t *f = wk->ctx;
    uint64_t n = f->pending[self];
    f->pending[self] = 0;
    return n;
}

static int fake_wait(kvd_wake_t *wk, unsigned self, int timeout_ms)
{
    ru_fake_wake_t *f = wk->ctx;
    KVD_UNUSED(timeout_ms);
    return f->pending[self] > 0;
}

static int fake_fd(kvd_wake_t *wk, unsigned self)
{
    KVD_UNUSED(wk);
    KVD_UNUSED(self);
    return -1;
}

void ru_fake_wake_init(ru_fake_wake_t *f)
{
    memset(f, 0, sizeof(*f));
    f->wk.signal = fake_signal;
    f->wk.consume = fake_consume;
    f->wk.wait = fake_wait;
    f->wk.fd = fake_fd;
    f->wk.ctx = f;
}

kvd_shm_t *ru_shm_new(unsigned nworkers, size_t ring_capacity)
{
    size_t size = kvd_shm_size(nworkers, ring_capacity);
    KVD_ASSERT(size != 0);
    void *mem = aligned_alloc(KVD_CACHE_LINE, (size + KVD_CACHE_LINE - 1) & ~(size_t)63);
    KVD_ASSERT(mem != NULL);
    return kvd_shm_init(mem, size, nworkers, ring_capacity);
}

void ru_shm_free(kvd_shm_t *shm)
{
    free(shm);
}

/*
 * test_db.c - unit tests for the keyspace (src/db): hash table, entries
 * and encodings, expiry, SCAN, RANDOMKEY, rehash bounds, memory per key.
 *
 * Every randomized test prints "seed=N" and replays with SEED=N.  Time is
 * a fake clock the tests advance; randomness is a seeded PRNG.
 */
#ifdef HAVE_CONFIG_H
#include "auto_config.h"
#endif
#include <check.h>
#include <malloc.h>
#include <time.h>

#include "core/env.h"
#include "core/kvd.h"
#include "db/db.h"
#include "db/dict.h"

/* ---- test environment ---- */

typedef struct test_env {
    kvd_env_t env;
    uint64_t now_us;
    uint64_t mono_us;
    uint64_t mono_step; /* each mono_us() read advances the clock this much */
    uint64_t rng;
} test_env_t;

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t fake_now(kvd_env_t *env)
{
    return ((test_env_t *)env->ctx)->now_us;
}

static uint64_t fake_mono(kvd_env_t *env)
{
    test_env_t *te = env->ctx;
    te->mono_us += te->mono_step;
    return te->mono_us;
}

static uint64_t fake_random(kvd_env_t *env)
{
    return splitmix64(&((test_env_t *)env->ctx)->rng);
}

static test_env_t tenv;
static kvd_db_stats_t stats;

static void env_setup(uint64_t seed)
{
    memset(&tenv, 0, sizeof(tenv));
    tenv.env.now_us = fake_now;
    tenv.env.mono_us = fake_mono;
    tenv.env.random_u64 = fake_random;
    tenv.env.ctx = &tenv;
    tenv.now_us = UINT64_C(1700000000000000); /* a realistic Unix time */
    tenv.mono_step = 1;
    tenv.rng = seed;
    memset(&stats, 0, sizeof(stats));
}

static void advance_ms(uint64_t ms)
{
    tenv.now_us += ms * 1000;
}

static int64_t now_ms(void)
{
    return (int64_t)(tenv.now_us / 1000);
}

static kvd_db_t *new_db(uint64_t seed)
{
    env_setup(seed);
    return kvd_db_create(0, &tenv.env, &stats);
}

/* SEED from the environment, else the time; printed so a failure replays. */
static uint64_t test_seed(const char *name)
{
    const char *s = getenv("SEED");
    uint64_t seed = (s != NULL && *s != '\0') ? strtoull(s, NULL, 10) : (uint64_t)time(NULL);
    printf("%s: seed=%llu\n", name, (unsigned long long)seed);
    fflush(stdout);
    return seed;
}

/* Collections are opaque to the db; this stands in for a list. */
static uint64_t list_frees;

static void fake_list_free(void *ptr, kvd_encoding_t enc)
{
    KVD_UNUSED(enc);
    list_frees++;
    kvd_free(ptr);
}

static void *fake_list(void)
{
    return kvd_malloc(16);
}

static void register_types(void)
{
    kvd_db_register_free(KVD_TYPE_LIST, fake_list_free);
}

/* ---- helpers ---- */

/* check's ck_assert records a checkpoint (a pipe write) even when it
 * passes; in loops of a million that dominates, so hot loops use this. */
#define FAST_ASSERT(cond)                                                     \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);              \
    } while (0)
#define FAST_ASSERT_MSG(cond, ...)                                             \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg(__VA_ARGS__);                                         \
    } while (0)

static kvd_entry_t *set_s(kvd_db_t *db, const char *k, const char *v, int flags)
{
    return kvd_db_set_string(db, k, strlen(k), v, strlen(v), flags);
}

static kvd_entry_t *find_s(kvd_db_t *db, const char *k)
{
    return kvd_db_find(db, k, strlen(k));
}

static bool value_is(const kvd_entry_t *e, const char *want)
{
    char tmp[32];
    size_t len;
    const char *p = kvd_entry_str(e, &len, tmp);
    return len == strlen(want) && memcmp(p, want, len) == 0;
}

static const char *enc_of(kvd_db_t *db, const char *k)
{
    kvd_entry_t *e = find_s(db, k);
    ck_assert_ptr_nonnull(e);
    return kvd_encoding_name(kvd_entry_encoding(e));
}

/* ---- SipHash ---- */

START_TEST(test_siphash_vectors)
{
    /* The reference SipHash-2-4 vectors: key 00..0f, messages 00..(n-1). */
    uint64_t k0 = UINT64_C(0x0706050403020100), k1 = UINT64_C(0x0f0e0d0c0b0a0908);
    unsigned char msg[16];
    for (int i = 0; i < 16; i++)
        msg[i] = (unsigned char)i;
    ck_assert_uint_eq(kvd_siphash(msg, 0, k0, k1, 2, 4), UINT64_C(0x726fdb47dd0e0e31));
    ck_assert_uint_eq(kvd_siphash(msg, 15, k0, k1, 2, 4), UINT64_C(0xa129ca6149be45e5));
    /* 1-3 differs, and so does another key. */
    ck_assert_uint_ne(kvd_siphash(msg, 15, k0, k1, 1, 3), kvd_siphash(msg, 15, k0, k1, 2, 4));
    ck_assert_uint_ne(kvd_siphash(msg, 15, k0, k1, 1, 3), kvd_siphash(msg, 15, k0 + 1, k1, 1, 3));
}
END_TEST

/* The table's unrolled SipHash-1-3 is the generic one with c=1, f=3, for
 * every tail length (bucket order, and so SCAN and AOF rewrite order,
 * depend on it). */
START_TEST(test_dict_hash_is_siphash13)
{
    static const kvd_dict_type_t type = {.node_hash = NULL, .node_match = NULL};
    uint64_t k0 = UINT64_C(0x0123456789abcdef), k1 = UINT64_C(0xfedcba9876543210);
    kvd_dict_t d;
    memset(&d, 0, sizeof(d));
    d.type = &type;
    d.seed[0] = k0;
    d.seed[1] = k1;
    unsigned char msg[70];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof(msg); n++)
        ck_assert_uint_eq(kvd_dict_hash(&d, msg, n), kvd_siphash(msg, n, k0, k1, 1, 3));
}
END_TEST

/* ---- basics ---- */

START_TEST(test_basic_set_get_delete)
{
    kvd_db_t *db = new_db(1);
    ck_assert_int_eq(kvd_db_index(db), 0);
    ck_assert_ptr_null(find_s(db, "a"));
    set_s(db, "a", "hello", 0);
    kvd_entry_t *e = kvd_db_lookup_read(db, "a", 1);
    ck_assert_ptr_nonnull(e);
    ck_assert(value_is(e, "hello"));
    ck_assert_str_eq(kvd_type_name(kvd_entry_type(e)), "string");
    ck_assert_ptr_null(kvd_db_lookup_read(db, "b", 1));
    ck_assert_uint_eq(stats.keyspace_hits, 1);
    ck_assert_uint_eq(stats.keyspace_misses, 1);
    /* Binary-safe keys: embedded NUL, empty key, 255/256/300-byte keys. */
    char bin[3] = {'x', '\0', 'y'}, big[300];
    memset(big, 'k', sizeof(big));
    kvd_db_set_string(db, bin, 3, "b", 1, 0);
    kvd_db_set_string(db, "", 0, "empty", 5, 0);
    const size_t long_lens[] = {255, 256, 300};
    for (size_t i = 0; i < KVD_ARRAY_LEN(long_lens); i++)
        kvd_db_set_string(db, big, long_lens[i], "long", 4, 0);
    ck_assert_uint_eq(kvd_db_size(db), 6);
    ck_assert_ptr_null(kvd_db_find(db, bin, 2));
    ck_assert(value_is(kvd_db_find(db, bin, 3), "b"));
    ck_assert(value_is(kvd_db_find(db, "", 0), "empty"));
    size_t klen;
    const char *k = kvd_entry_key(kvd_db_find(db, big, 300), &klen);
    ck_assert_uint_eq(klen, 300);
    ck_assert_int_eq(memcmp(k, big, 300), 0);
    kvd_db_verify_invariants(db);
    ck_assert(kvd_db_delete(db, "a", 1));
    ck_assert(!kvd_db_delete(db, "a", 1));
    ck_assert(kvd_db_delete(db, big, 300));
    ck_assert_ptr_nonnull(kvd_db_find(db, big, 256));
    ck_assert_uint_eq(kvd_db_size(db), 4);
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

/* What Redis 7.0.15 answers to OBJECT ENCODING after SET k <value>. */
static const struct {
    const char *value;
    const char *encoding;
} redis_encodings[] = {
    {"123", "int"},
    {"-123", "int"},
    {"0", "int"},
    {"-0", "embstr"},
    {"007", "embstr"},
    {"+5", "embstr"},
    {" 5", "embstr"},
    {"5 ", "embstr"},
    {"9223372036854775807", "int"},
    {"9223372036854775808", "embstr"},
    {"-9223372036854775808", "int"},
    {"-9223372036854775809", "embstr"},
    {"12345678901234567890", "embstr"},
    {"123456789012345678901", "embstr"},
    {"1.5", "embstr"},
    {"", "embstr"},
    {"abc", "embstr"},
    {"00", "embstr"},
    {"-", "embstr"},
    {"1e3", "embstr"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "embstr"},  /* 44 */
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "raw"},    /* 45 */
};

START_TEST(test_encodings)
{
    kvd_db_t *db = new_db(2);
    for (size_t i = 0; i < KVD_ARRAY_LEN(redis_encodings); i++) {
        set_s(db, "k", redis_encodings[i].value, 0);
        ck_assert_msg(strcmp(enc_of(db, "k"), redis_encodings[i].encoding) == 0, "value [%s]: %s",
                      redis_encodings[i].value, enc_of(db, "k"));
        ck_assert(value_is(find_s(db, "k"), redis_encodings[i].value));
        kvd_db_verify_invariants(db);
    }
    int64_t v;
    set_s(db, "k", "-9223372036854775808", 0);
    ck_assert(kvd_entry_int(find_s(db, "k"), &v));
    ck_assert(v == INT64_MIN);
    set_s(db, "k", "abc", 0);
    ck_assert(!kvd_entry_int(find_s(db, "k"), &v));
    /* Flags: APPEND/SETRANGE results are raw; INCRBYFLOAT results never int. */
    set_s(db, "k", "123", KVD_SET_FORCE_RAW);
    ck_assert_str_eq(enc_of(db, "k"), "raw");
    ck_assert(value_is(find_s(db, "k"), "123"));
    set_s(db, "k", "6", KVD_SET_NO_INT);
    ck_assert_str_eq(enc_of(db, "k"), "embstr");
    set_s(db, "k", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", KVD_SET_NO_INT);
    ck_assert_str_eq(enc_of(db, "k"), "raw");
    kvd_db_set_int(db, "k", 1, 42, 0);
    ck_assert_str_eq(enc_of(db, "k"), "int");
    ck_assert(value_is(find_s(db, "k"), "42"));
    kvd_db_set_int(db, "k", 1, INT64_MIN, 0);
    ck_assert(value_is(find_s(db, "k"), "-9223372036854775808"));
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

START_TEST(test_collections)
{
    register_types();
    kvd_db_t *db = new_db(3);
    uint64_t frees = list_frees;
    void *l1 = fake_list(), *l2 = fake_list();
    kvd_entry_t *e = kvd_db_set_ptr(db, "l", 1, KVD_TYPE_LIST, KVD_ENC_QUICKLIST, l1, 0);
    ck_assert_ptr_eq(kvd_entry_ptr(e), l1);
    ck_assert_str_eq(kvd_type_name(kvd_entry_type(e)), "list");
    ck_assert_str_eq(kvd_encoding_name(kvd_entry_encoding(e)), "quicklist");
    kvd_entry_set_ptr(e, KVD_ENC_LISTPACK, l2); /* converted in place by its owner */
    kvd_free(l1);
    ck_assert_str_eq(enc_of(db, "l"), "listpack");
    set_s(db, "l", "now a string", 0); /* overwrite frees the collection */
    ck_assert_uint_eq(list_frees, frees + 1);
    kvd_db_set_ptr(db, "l", 1, KVD_TYPE_LIST, KVD_ENC_QUICKLIST, fake_list(), 0);
    ck_assert(kvd_db_delete(db, "l", 1));
    ck_assert_uint_eq(list_frees, frees + 2);
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

/* ---- expiry ---- */

START_TEST(test_overwrite_ttl)
{
    register_types();
    kvd_db_t *db = new_db(4);
    const char *longv = "a value long enough to need the raw encoding, 50+";
    /* Each pair: first value, overwrite; covers in-place and reallocating paths. */
    const char *pairs[][2] = {{"v1", "v2"}, {"v1", longv}, {longv, "v"}, {"1", "2"}, {"1", "abc"}};
    for (size_t i = 0; i < KVD_ARRAY_LEN(pairs); i++) {
        kvd_entry_t *e = set_s(db, "k", pairs[i][0], 0);
        kvd_db_set_expire(db, e, now_ms() + 1000);
        ck_assert_int_eq(kvd_db_get_expire(db, find_s(db, "k")), now_ms() + 1000);
        e = set_s(db, "k", pairs[i][1], KVD_SET_KEEPTTL);
        ck_assert_int_eq(kvd_db_get_expire(db, e), now_ms() + 1000);
        ck_assert_uint_eq(kvd_db_expires_size(db), 1);
        kvd_db_verify_invariants(db);
        e = set_s(db, "k", pairs[i][0], 0);
        ck_assert_int_eq(kvd_db_get_expire(db, e), -1);
        ck_assert_uint_eq(kvd_db_expires_size(db), 0);
        kvd_db_verify_invariants(db);
    }
    kvd_entry_t *e = set_s(db, "k", "x", 0);
    kvd_db_set_expire(db, e, now_ms() + 5);
    kvd_db_set_expire(db, e, now_ms() + 7); /* update, not a second node */
    ck_assert_uint_eq(kvd_db_expires_size(db), 1);
    e = kvd_db_set_ptr(db, "k", 1, KVD_TYPE_LIST, KVD_ENC_QUICKLIST, fake_list(), KVD_SET_KEEPTTL);
    ck_assert_int_eq(kvd_db_get_expire(db, e), now_ms() + 7);
    ck_assert(kvd_db_persist(db, e));
    ck_assert(!kvd_db_persist(db, e));
    ck_assert_int_eq(kvd_db_get_expire(db, e), -1);
    ck_assert_uint_eq(kvd_db_expires_size(db), 0);
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

START_TEST(test_lazy_expiry)
{
    kvd_db_t *db = new_db(5);
    kvd_db_set_expire(db, set_s(db, "a", "1", 0), now_ms() + 100);
    kvd_db_set_expire(db, set_s(db, "b", "2", 0), now_ms() + 100);
    kvd_db_set_expire(db, set_s(db, "c", "3", 0), now_ms() + 100);
    advance_ms(100); /* alive during its expiry millisecond, as in Redis */
    ck_assert_ptr_nonnull(find_s(db, "a"));
    advance_ms(1);
    ck_assert_ptr_null(find_s(db, "a"));
    ck_assert_uint_eq(stats.expired_keys, 1);
    ck_assert_uint_eq(kvd_db_size(db), 2);
    ck_assert(!kvd_db_delete(db, "b", 1)); /* expired counts as absent */
    ck_assert_uint_eq(stats.expired_keys, 2);
    ck_assert_ptr_null(kvd_db_lookup_read(db, "c", 1));
    ck_assert_uint_eq(stats.keyspace_misses, 1);
    ck_assert_uint_eq(stats.expired_keys, 3);
    /* Setting over an expired key starts fresh, even with KEEPTTL. */
    kvd_db_set_expire(db, set_s(db, "d", "4", 0), now_ms() - 1);
    kvd_entry_t *e = set_s(db, "d", "5", KVD_SET_KEEPTTL);
    ck_assert_int_eq(kvd_db_get_expire(db, e), -1);
    ck_assert_uint_eq(kvd_db_size(db), 1);
    ck_assert_uint_eq(kvd_db_expires_size(db), 0);
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

static void fill(kvd_db_t *db, const char *prefix, int n, int64_t ttl_ms)
{
    char key[64];
    for (int i = 0; i < n; i++) {
        int len = snprintf(key, sizeof(key), "%s:%d", prefix, i);
        kvd_entry_t *e = kvd_db_set_string(db, key, (size_t)len, "v", 1, 0);
        if (ttl_ms >= 0)
            kvd_db_set_expire(db, e, now_ms() + ttl_ms);
    }
}

START_TEST(test_active_expiry)
{
    kvd_db_t *db = new_db(6);
    fill(db, "short", 100000, 100);
    fill(db, "forever", 1000, -1);
    fill(db, "later", 1000, 3600 * 1000);
    ck_assert_uint_eq(kvd_db_expires_size(db), 101000);
    advance_ms(1000);
    /* A cron with a 1 ms budget while each clock read costs 10 us: several
     * calls, each bounded, and no reads at all. */
    tenv.mono_step = 10;
    int calls = 0;
    uint64_t first = 0;
    while (kvd_db_expires_size(db) > 1000 && calls < 100000) {
        uint64_t n = kvd_db_active_expire(db, 1000);
        if (calls++ == 0)
            first = n;
    }
    printf("active expiry: %d calls, first expired %llu\n", calls, (unsigned long long)first);
    ck_assert_uint_lt(first, 100000); /* the budget stopped the first call */
    ck_assert_uint_gt(first, 0);
    ck_assert_int_gt(calls, 1);
    ck_assert_uint_eq(kvd_db_expires_size(db), 1000);
    ck_assert_uint_eq(kvd_db_size(db), 2000);
    ck_assert_uint_eq(stats.expired_keys, 100000);
    ck_assert_uint_eq(stats.keyspace_hits + stats.keyspace_misses, 0);
    ck_assert_uint_eq(kvd_db_active_expire(db, 1000), 0);
    /* The survivors have about 3599 s left: INFO's avg_ttl says so. */
    ck_assert_uint_gt(kvd_db_avg_ttl(db), 3500 * 1000);
    ck_assert_uint_le(kvd_db_avg_ttl(db), 3600 * 1000);
    kvd_db_flush(db);
    ck_assert_uint_eq(kvd_db_avg_ttl(db), 0);
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

START_TEST(test_idle_time)
{
    kvd_db_t *db = new_db(7);
    set_s(db, "k", "v", 0);
    advance_ms(10500);
    ck_assert_uint_eq(kvd_entry_idle_seconds(db, find_s(db, "k")), 10); /* find does not touch */
    ck_assert_uint_eq(kvd_entry_idle_seconds(db, kvd_db_lookup_read(db, "k", 1)), 0);
    advance_ms(3000);
    kvd_entry_t *e = find_s(db, "k");
    ck_assert_uint_eq(kvd_entry_idle_seconds(db, e), 3);
    kvd_db_touch(db, e);
    ck_assert_uint_eq(kvd_entry_idle_seconds(db, e), 0);
    /* The 24-bit seconds clock wraps; idle time stays right across it. */
    tenv.now_us = ((UINT64_C(1) << 24) * 3 - 5) * 1000000;
    kvd_db_touch(db, e);
    advance_ms(12000);
    ck_assert_uint_eq(kvd_entry_idle_seconds(db, e), 12);
    kvd_db_destroy(db);
}
END_TEST

/* ---- swap and flush ---- */

START_TEST(test_swap)
{
    kvd_db_t *a = new_db(8);
    kvd_db_t *b = kvd_db_create(1, &tenv.env, &stats);
    fill(a, "a", 1000, 5000);
    fill(b, "b", 10, -1);
    kvd_db_swap(a, b);
    ck_assert_int_eq(kvd_db_index(a), 0);
    ck_assert_uint_eq(kvd_db_size(a), 10);
    ck_assert_uint_eq(kvd_db_size(b), 1000);
    ck_assert_uint_eq(kvd_db_expires_size(b), 1000);
    ck_assert_ptr_nonnull(find_s(a, "b:3"));
    kvd_entry_t *e = find_s(b, "a:999");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(kvd_db_get_expire(b, e), now_ms() + 5000);
    kvd_db_swap(a, a);
    kvd_db_verify_invariants(a);
    kvd_db_verify_invariants(b);
    kvd_db_destroy(a);
    kvd_db_destroy(b);
}
END_TEST

START_TEST(test_flush)
{
    register_types();
    kvd_db_t *db = new_db(9);
    size_t base = kvd_memory_used();
    uint64_t frees = list_frees;
    fill(db, "x", 5000, 1000);
    fill(db, "y", 5000, -1);
    set_s(db, "raw", "a value long enough to need the raw encoding, 50+", 0);
    for (int i = 0; i < 10; i++) {
        char k[16];
        snprintf(k, sizeof(k), "l%d", i);
        kvd_db_set_ptr(db, k, strlen(k), KVD_TYPE_LIST, KVD_ENC_QUICKLIST, fake_list(), 0);
    }
    ck_assert_uint_gt(kvd_memory_used(), base);
    kvd_db_flush(db);
    ck_assert_uint_eq(list_frees, frees + 10);
    ck_assert_uint_eq(kvd_db_size(db), 0);
    ck_assert_uint_eq(kvd_db_expires_size(db), 0);
    ck_assert_uint_eq(kvd_memory_used(), base); /* every byte returned */
    kvd_db_verify_invariants(db);
    fill(db, "z", 100, -1); /* usable after a flush */
    ck_assert_uint_eq(kvd_db_size(db), 100);
    kvd_db_destroy(db);
}
END_TEST

/* ---- RENAME and MOVE ---- */

START_TEST(test_rename_move)
{
    register_types();
    kvd_db_t *a = new_db(14);
    kvd_db_t *b = kvd_db_create(1, &tenv.env, &stats);
    const char *longv = "a value long enough to need the raw encoding, 50+";
    uint64_t frees = list_frees;
    kvd_db_set_expire(a, set_s(a, "src", longv, 0), now_ms() + 50000);
    kvd_db_set_expire(a, set_s(a, "dst", "old", 0), now_ms() + 90000);
    advance_ms(10000); /* idle time resets: the value is touched */
    kvd_entry_t *e = kvd_db_rename(a, "src", 3, a, "dst", 3);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_null(find_s(a, "src"));
    ck_assert(value_is(find_s(a, "dst"), longv));
    ck_assert_str_eq(enc_of(a, "dst"), "raw");
    ck_assert_int_eq(kvd_db_get_expire(a, e), now_ms() - 10000 + 50000);
    ck_assert_uint_eq(kvd_entry_idle_seconds(a, e), 0);
    ck_assert_uint_eq(kvd_db_expires_size(a), 1);
    ck_assert_uint_eq(stats.expired_keys, 0); /* the (live) target was deleted, not expired */
    kvd_db_persist(a, e);
    /* A collection to a 300-byte name, then MOVE to another database. */
    char big[300];
    memset(big, 'n', sizeof(big));
    void *list = fake_list();
    kvd_db_set_ptr(a, "l", 1, KVD_TYPE_LIST, KVD_ENC_QUICKLIST, list, 0);
    e = kvd_db_rename(a, "l", 1, a, big, sizeof(big));
    ck_assert_ptr_eq(kvd_entry_ptr(e), list);
    size_t klen;
    const char *k = kvd_entry_key(e, &klen);
    e = kvd_db_rename(a, k, klen, b, k, klen); /* key bytes from the moving entry */
    ck_assert_ptr_eq(kvd_entry_ptr(e), list);
    ck_assert_ptr_null(kvd_db_find(a, big, sizeof(big)));
    ck_assert_ptr_nonnull(kvd_db_find(b, big, sizeof(big)));
    ck_assert_uint_eq(list_frees, frees); /* moved, never copied or freed */
    /* Same key, missing key, expired key. */
    e = find_s(a, "dst");
    ck_assert_ptr_eq(kvd_db_rename(a, "dst", 3, a, "dst", 3), e);
    ck_assert_ptr_null(kvd_db_rename(a, "nope", 4, a, "x", 1));
    kvd_db_set_expire(a, set_s(a, "gone", "1", 0), now_ms() - 1);
    ck_assert_ptr_null(kvd_db_rename(a, "gone", 4, a, "x", 1));
    ck_assert_ptr_null(find_s(a, "x"));
    kvd_db_verify_invariants(a);
    kvd_db_verify_invariants(b);
    kvd_db_destroy(a);
    kvd_db_destroy(b);
    ck_assert_uint_eq(list_frees, frees + 1);
}
END_TEST

/* ---- APPEND and SETRANGE ---- */

START_TEST(test_append_setrange)
{
    kvd_db_t *db = new_db(10);
    kvd_entry_t *e = set_s(db, "k", "123", 0);
    kvd_db_set_expire(db, e, now_ms() + 1000);
    e = kvd_db_string_append(db, e, "4", 1);
    ck_assert_str_eq(kvd_encoding_name(kvd_entry_encoding(e)), "raw");
    ck_assert(value_is(e, "1234"));
    ck_assert_int_eq(kvd_db_get_expire(db, e), now_ms() + 1000);
    kvd_db_verify_invariants(db);
    /* Appending a value to itself: the source moves while growing. */
    for (int i = 0; i < 12; i++) {
        size_t len;
        char tmp[32];
        const char *p = kvd_entry_str(e, &len, tmp);
        e = kvd_db_string_append(db, e, p, len);
    }
    size_t len;
    char tmp[32];
    const char *p = kvd_entry_str(e, &len, tmp);
    ck_assert_uint_eq(len, 4 << 12);
    ck_assert_int_eq(memcmp(p + len - 4, "1234", 4), 0);
    e = set_s(db, "s", "hello", 0);
    ck_assert_ptr_eq(kvd_db_string_setrange(db, e, 3, "", 0), e);
    ck_assert_str_eq(enc_of(db, "s"), "embstr"); /* an empty SETRANGE changes nothing */
    e = kvd_db_string_setrange(db, e, 1, "EL", 2);
    ck_assert(value_is(e, "hELlo"));
    ck_assert_str_eq(enc_of(db, "s"), "raw");
    e = kvd_db_string_setrange(db, e, 8, "!", 1);
    p = kvd_entry_str(e, &len, tmp);
    ck_assert_uint_eq(len, 9);
    ck_assert_int_eq(memcmp(p, "hELlo\0\0\0!", 9), 0);
    e = set_s(db, "n", "7", 0);
    e = kvd_db_string_setrange(db, e, 0, "8", 1);
    ck_assert(value_is(e, "8"));
    ck_assert_str_eq(enc_of(db, "n"), "raw");
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

/* ---- SCAN ---- */

typedef struct scan_seen {
    uint8_t *seen; /* per key id */
    uint64_t nids;
    uint64_t calls;
} scan_seen_t;

static void scan_mark(const kvd_entry_t *e, void *arg)
{
    scan_seen_t *s = arg;
    size_t klen;
    const char *k = kvd_entry_key(e, &klen);
    char buf[32]; /* "k<id>" or "m<id>" then, for long keys, padding */
    klen = klen < sizeof(buf) - 1 ? klen : sizeof(buf) - 1;
    memcpy(buf, k, klen);
    buf[klen] = '\0';
    uint64_t id = strtoull(buf + 1, NULL, 10);
    FAST_ASSERT(id < s->nids); /* only keys that ever existed */
    if (s->seen[id] < 255)
        s->seen[id]++;
    s->calls++;
}

START_TEST(test_scan_expired_and_count)
{
    kvd_db_t *db = new_db(11);
    char key[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        kvd_entry_t *e = set_s(db, key, "v", 0);
        if (i % 2)
            kvd_db_set_expire(db, e, now_ms() + 10);
    }
    advance_ms(11);
    scan_seen_t s = {.seen = calloc(1000, 1), .nids = 1000};
    uint64_t cursor = 0, calls = 0;
    do {
        uint64_t before = s.calls;
        cursor = kvd_db_scan(db, cursor, 10, scan_mark, &s);
        ck_assert_uint_le(s.calls - before, 10 + 20); /* count, plus a bucket's chain */
        calls++;
    } while (cursor != 0 && calls < 100000);
    ck_assert_uint_eq(cursor, 0);
    for (int i = 0; i < 1000; i++)
        ck_assert_msg((s.seen[i] > 0) == (i % 2 == 0), "key %d seen %d", i, s.seen[i]);
    ck_assert_uint_le(kvd_db_size(db), 1000);
    ck_assert_uint_gt(stats.expired_keys, 0); /* SCAN reclaimed what it met */
    kvd_db_verify_invariants(db);
    free(s.seen);
    kvd_db_destroy(db);
}
END_TEST

typedef struct churn {
    uint64_t *ids; /* keys that may be deleted during the scan */
    uint64_t n;
    uint64_t next_id;
} churn_t;

static void churn_insert(kvd_db_t *db, churn_t *c, uint64_t count, uint64_t cap)
{
    char key[32];
    for (uint64_t i = 0; i < count && c->next_id < cap; i++) {
        int len = snprintf(key, sizeof(key), "k%llu", (unsigned long long)c->next_id);
        kvd_db_set_string(db, key, (size_t)len, "v", 1, 0);
        c->ids[c->n++] = c->next_id++;
    }
}

static void churn_delete(kvd_db_t *db, churn_t *c, uint64_t count, uint64_t *rng)
{
    char key[32];
    for (uint64_t i = 0; i < count && c->n > 0; i++) {
        uint64_t j = splitmix64(rng) % c->n;
        int len = snprintf(key, sizeof(key), "k%llu", (unsigned long long)c->ids[j]);
        FAST_ASSERT(kvd_db_delete(db, key, (size_t)len));
        c->ids[j] = c->ids[--c->n];
    }
}

/* Between two SCAN calls: grow, shrink, rehash, or nothing. */
static void scan_mutate(kvd_db_t *db, churn_t *c, uint64_t cap, uint64_t *rng)
{
    switch (splitmix64(rng) % 8) {
    case 0:
    case 1:
        churn_insert(db, c, splitmix64(rng) % 300, cap);
        break;
    case 2:
        churn_insert(db, c, splitmix64(rng) % 2000, cap);
        break;
    case 3:
    case 4:
        churn_delete(db, c, splitmix64(rng) % 300, rng);
        break;
    case 5:
        churn_delete(db, c, c->n - c->n / 20, rng); /* forces a shrink */
        break;
    case 6:
        kvd_db_rehash_step(db, 1); /* one round of 100 buckets */
        break;
    default:
        break;
    }
}

/* How often a scan saw the table change under it, so the test proves it
 * exercised what it claims to. */
static uint64_t scan_grows, scan_shrinks, scan_mid_rehash;

static void scan_round(uint64_t seed, uint64_t round)
{
    uint64_t rng = seed ^ (round * UINT64_C(0x9e3779b97f4a7c15));
    kvd_db_t *db = new_db(splitmix64(&rng));
    const uint64_t cap = 100000;
    churn_t c = {.ids = calloc(cap, sizeof(uint64_t))};
    uint8_t *stable = calloc(cap, 1);
    uint64_t initial = splitmix64(&rng) % 20000, permille = (round % 2) ? 500 : 20;
    char key[32];
    for (; c.next_id < initial; c.next_id++) {
        int len = snprintf(key, sizeof(key), "k%llu", (unsigned long long)c.next_id);
        kvd_db_set_string(db, key, (size_t)len, "v", 1, 0);
        if (splitmix64(&rng) % 1000 < permille)
            stable[c.next_id] = 1;
        else
            c.ids[c.n++] = c.next_id;
    }
    scan_seen_t s = {.seen = calloc(cap, 1), .nids = cap};
    uint64_t cursor = 0, calls = 0;
    do {
        cursor = kvd_db_scan(db, cursor, 1 + splitmix64(&rng) % 20, scan_mark, &s);
        uint64_t before = kvd_db_buckets(db);
        scan_mutate(db, &c, cap, &rng);
        scan_grows += kvd_db_buckets(db) > before;
        scan_shrinks += kvd_db_buckets(db) < before;
        scan_mid_rehash += kvd_db_rehashing(db);
        calls++;
    } while (cursor != 0 && calls < 10000000);
    ck_assert_uint_eq(cursor, 0);
    for (uint64_t id = 0; id < initial; id++)
        FAST_ASSERT_MSG(!stable[id] || s.seen[id] > 0, "round %llu: key k%llu never returned",
                      (unsigned long long)round, (unsigned long long)id);
    kvd_db_verify_invariants(db);
    free(c.ids);
    free(stable);
    free(s.seen);
    kvd_db_destroy(db);
}

START_TEST(test_scan_guarantee)
{
    uint64_t seed = test_seed("scan_guarantee");
    for (uint64_t round = 0; round < 24; round++)
        scan_round(seed, round);
    printf("scan_guarantee: table grew %llu times, shrank %llu times, rehashing at %llu calls\n",
           (unsigned long long)scan_grows, (unsigned long long)scan_shrinks,
           (unsigned long long)scan_mid_rehash);
    ck_assert_uint_gt(scan_grows, 10);
    ck_assert_uint_gt(scan_shrinks, 10);
    ck_assert_uint_gt(scan_mid_rehash, 100);
}
END_TEST

/* ---- RANDOMKEY ---- */

START_TEST(test_random_key)
{
    uint64_t seed = test_seed("random_key");
    kvd_db_t *db = new_db(seed);
    ck_assert_ptr_null(kvd_db_random(db));
    fill(db, "r", 100, -1);
    int counts[100] = {0};
    for (int i = 0; i < 20000; i++) {
        size_t klen;
        const char *k = kvd_entry_key(kvd_db_random(db), &klen);
        counts[atoi(k + 2)]++;
    }
    for (int i = 0; i < 100; i++) /* mean 200: loose bounds on fairness */
        ck_assert_msg(counts[i] > 50 && counts[i] < 600, "key %d drawn %d times", i, counts[i]);
    /* All but one key expired: the live one comes back, expired ones go. */
    kvd_db_flush(db);
    fill(db, "dead", 50, 10);
    set_s(db, "alive", "1", 0);
    advance_ms(20);
    /* Many draws: only "alive" ever comes back, and the expired keys the
     * draws meet are deleted.  (One draw may hit "alive" first and expire
     * nothing, so a single draw cannot prove the second half.) */
    int alive = 0;
    for (int i = 0; i < 200; i++) {
        kvd_entry_t *e = kvd_db_random(db);
        if (e == NULL)
            continue; /* allowed: a call that only met expired keys */
        size_t klen;
        ck_assert_int_eq(memcmp(kvd_entry_key(e, &klen), "alive", 5), 0);
        alive++;
    }
    ck_assert_int_gt(alive, 0);
    ck_assert_uint_gt(stats.expired_keys, 0);
    kvd_db_flush(db);
    fill(db, "dead", 500, 10);
    advance_ms(20);
    for (int i = 0; i < 10; i++) /* nothing alive: NULL, bounded work per call */
        ck_assert_ptr_null(kvd_db_random(db));
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

/* ---- rehash bound and memory ---- */


START_TEST(test_rehash_bound_1m)
{
    const int n = 1000000;
    kvd_db_t *db = new_db(12);
    size_t base = kvd_memory_used();
    char key[32], val[32];
    uint64_t max_work = 0, ops_with_work = 0;
    kvd_entry_t *first = NULL;
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "key:%012d", i); /* 16 bytes */
        snprintf(val, sizeof(val), "val:%012d", i); /* 16 bytes, embstr */
        kvd_entry_t *e = kvd_db_set_string(db, key, 16, val, 16, 0);
        if (first == NULL)
            first = e;
        uint64_t w = kvd_db_last_rehash_work(db);
        max_work = w > max_work ? w : max_work;
        ops_with_work += w > 0;
    }
    size_t used = kvd_memory_used() - base;
    printf("1M keys: max rehash buckets per op %llu, ops that rehashed %llu, buckets %llu\n",
           (unsigned long long)max_work, (unsigned long long)ops_with_work,
           (unsigned long long)kvd_db_buckets(db));
    printf("16-byte key + 16-byte value: %.1f bytes/key (entry chunk %zu bytes)\n",
           (double)used / n, malloc_usable_size(first));
    ck_assert_uint_le(max_work, KVD_DICT_EMPTY_VISITS);
    ck_assert_uint_gt(ops_with_work, 100000); /* rehashing really was incremental */
#if defined(HAVE_JEMALLOC) && !defined(KVD_SANITIZERS)
    ck_assert_uint_eq(malloc_usable_size(first), 48);
    ck_assert_uint_le(used / n, 48 + 16);
#endif
    kvd_db_verify_invariants(db);
    /* Deleting everything shrinks the table through the same bounded steps. */
    max_work = 0;
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "key:%012d", i);
        FAST_ASSERT(kvd_db_delete(db, key, 16));
        uint64_t w = kvd_db_last_rehash_work(db);
        max_work = w > max_work ? w : max_work;
    }
    ck_assert_uint_le(max_work, KVD_DICT_EMPTY_VISITS);
    ck_assert_uint_le(kvd_db_buckets(db), 64);
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

START_TEST(test_rehash_step_budget)
{
    kvd_db_t *db = new_db(13);
    char key[32];
    int i = 0;
    for (; i < 100000 && !(kvd_db_rehashing(db) && kvd_db_size(db) > 30000); i++) {
        int len = snprintf(key, sizeof(key), "k%d", i);
        kvd_db_set_string(db, key, (size_t)len, "v", 1, 0);
    }
    ck_assert(kvd_db_rehashing(db));
    tenv.mono_step = 1000; /* one round per 1 ms budget */
    uint64_t w = kvd_db_rehash_step(db, 1000);
    ck_assert_uint_gt(w, 0);
    ck_assert_uint_le(w, 100 * (KVD_DICT_EMPTY_VISITS + 1));
    ck_assert(kvd_db_rehashing(db));
    tenv.mono_step = 0;
    kvd_db_rehash_step(db, 1000000);
    ck_assert(!kvd_db_rehashing(db));
    ck_assert_uint_eq(kvd_db_rehash_step(db, 1000), 0);
    kvd_db_verify_invariants(db);
    kvd_db_destroy(db);
}
END_TEST

/* ---- random operations against a reference model ---- */

#define MODEL_KEYS 200
#define MODEL_VAL 256

typedef struct model_key {
    bool exists, is_list;
    char val[MODEL_VAL];
    size_t len;
    int64_t expire; /* -1: none */
    const char *enc;
} model_key_t;

static model_key_t model[MODEL_KEYS];
static uint64_t mrng;

static uint64_t mrand(uint64_t n)
{
    return splitmix64(&mrng) % n;
}

static bool m_alive(int k)
{
    return model[k].exists && (model[k].expire < 0 || now_ms() <= model[k].expire);
}

/* Key k as bytes; every 37th is 300 bytes long (the 4-byte length form). */
static size_t m_key(int k, char *buf)
{
    int n = snprintf(buf, 16, "m%d", k);
    if (k % 37 != 0)
        return (size_t)n;
    memset(buf + n, '#', 300 - (size_t)n);
    return 300;
}

/* The encoding oracle: canonical iff it parses and prints back the same. */
static const char *expect_enc(const char *v, size_t len, int flags)
{
    if (flags & KVD_SET_FORCE_RAW)
        return "raw";
    char buf[32], back[32];
    if (!(flags & KVD_SET_NO_INT) && len > 0 && len <= 20) {
        memcpy(buf, v, len);
        buf[len] = '\0';
        char *end;
        errno = 0;
        long long x = strtoll(buf, &end, 10);
        snprintf(back, sizeof(back), "%lld", x);
        if (errno == 0 && *end == '\0' && strcmp(back, buf) == 0)
            return "int";
    }
    return len <= 44 ? "embstr" : "raw";
}

static size_t m_value(char *out)
{
    static const char *odd[] = {"007", "-0", "+5", " 1", "1.5", "99999999999999999999"};
    switch (mrand(4)) {
    case 0:
        return (size_t)snprintf(out, 32, "%lld", (long long)splitmix64(&mrng) >> mrand(64));
    case 1:
        return (size_t)snprintf(out, 32, "%s", odd[mrand(KVD_ARRAY_LEN(odd))]);
    default: {
        size_t len = mrand(71);
        for (size_t i = 0; i < len; i++)
            out[i] = (char)('a' + mrand(26));
        return len;
    }
    }
}

static void m_set(kvd_db_t *db, int k, const char *key, size_t klen)
{
    int flags = (int)mrand(8);
    char v[80];
    size_t len = m_value(v);
    kvd_entry_t *e = kvd_db_set_string(db, key, klen, v, len, flags);
    model_key_t *m = &model[k];
    if (!m_alive(k) || !(flags & KVD_SET_KEEPTTL))
        m->expire = -1;
    m->exists = true;
    m->is_list = false;
    memcpy(m->val, v, len);
    m->len = len;
    m->enc = expect_enc(v, len, flags);
    FAST_ASSERT(strcmp(kvd_encoding_name(kvd_entry_encoding(e)), m->enc) == 0);
}

static void m_check(kvd_db_t *db, int k, kvd_entry_t *e)
{
    model_key_t *m = &model[k];
    FAST_ASSERT_MSG((e != NULL) == m_alive(k), "key %d presence", k);
    if (e == NULL)
        return;
    FAST_ASSERT(kvd_db_get_expire(db, e) == m->expire);
    FAST_ASSERT(strcmp(kvd_encoding_name(kvd_entry_encoding(e)), m->enc) == 0);
    if (m->is_list) {
        FAST_ASSERT(kvd_entry_type(e) == KVD_TYPE_LIST);
        return;
    }
    char tmp[32];
    size_t len;
    const char *p = kvd_entry_str(e, &len, tmp);
    FAST_ASSERT(len == m->len);
    FAST_ASSERT(memcmp(p, m->val, len) == 0);
}

static void m_edit(kvd_db_t *db, int k, kvd_entry_t *e)
{
    model_key_t *m = &model[k];
    char v[16];
    size_t n = mrand(11), off = mrand(80);
    for (size_t i = 0; i < n; i++)
        v[i] = (char)('A' + mrand(26));
    if (mrand(2) == 0 && m->len + n < MODEL_VAL) {
        e = kvd_db_string_append(db, e, v, n);
        memcpy(m->val + m->len, v, n);
        m->len += n;
        m->enc = "raw";
    } else if (off + n < MODEL_VAL) {
        e = kvd_db_string_setrange(db, e, off, v, n);
        if (n > 0) {
            if (off > m->len)
                memset(m->val + m->len, 0, off - m->len);
            memcpy(m->val + off, v, n);
            m->len = off + n > m->len ? off + n : m->len;
            m->enc = "raw";
        }
    }
    m_check(db, k, e);
}

static void m_scan_all(kvd_db_t *db)
{
    scan_seen_t s = {.seen = calloc(MODEL_KEYS, 1), .nids = MODEL_KEYS};
    uint64_t cursor = 0, calls = 0;
    do {
        cursor = kvd_db_scan(db, cursor, 1 + mrand(10), scan_mark, &s);
    } while (cursor != 0 && ++calls < 100000);
    for (int k = 0; k < MODEL_KEYS; k++)
        FAST_ASSERT_MSG((s.seen[k] > 0) == m_alive(k), "scan: key %d", k);
    free(s.seen);
}

static void m_misc(kvd_db_t *db)
{
    kvd_entry_t *e;
    switch (mrand(4)) {
    case 0:
        kvd_db_active_expire(db, 100);
        break;
    case 1:
        e = kvd_db_random(db);
        if (e != NULL) {
            char buf[320];
            size_t klen;
            const char *key = kvd_entry_key(e, &klen);
            memcpy(buf, key, klen < 16 ? klen : 16);
            buf[klen < 16 ? klen : 15] = '\0';
            FAST_ASSERT(m_alive(atoi(buf + 1)));
        }
        break;
    case 2:
        kvd_db_rehash_step(db, 50);
        break;
    default:
        m_scan_all(db);
        break;
    }
}

static void m_rename(kvd_db_t *db, int k, const char *key, size_t klen)
{
    char to[320];
    int k2 = (int)mrand(MODEL_KEYS);
    size_t tolen = m_key(k2, to);
    kvd_entry_t *e = kvd_db_rename(db, key, klen, db, to, tolen);
    FAST_ASSERT((e != NULL) == m_alive(k));
    if (e == NULL || k2 == k)
        return;
    model[k2] = model[k];
    model[k].exists = false;
    m_check(db, k2, e);
}

static void m_step(kvd_db_t *db)
{
    char key[320];
    int k = (int)mrand(MODEL_KEYS);
    size_t klen = m_key(k, key);
    model_key_t *m = &model[k];
    kvd_entry_t *e;
    switch (mrand(12)) {
    case 0: case 1: case 2:
        m_set(db, k, key, klen);
        break;
    case 3: {
        int64_t num = (int64_t)splitmix64(&mrng) >> mrand(64);
        kvd_db_set_int(db, key, klen, num, 0);
        *m = (model_key_t){.exists = true, .expire = -1, .enc = "int"};
        m->len = (size_t)snprintf(m->val, sizeof(m->val), "%lld", (long long)num);
        break;
    }
    case 4:
        kvd_db_set_ptr(db, key, klen, KVD_TYPE_LIST, KVD_ENC_QUICKLIST, fake_list(), KVD_SET_KEEPTTL);
        m->expire = m_alive(k) ? m->expire : -1;
        m->exists = m->is_list = true;
        m->enc = "quicklist";
        break;
    case 5:
        if (mrand(2) == 0) {
            FAST_ASSERT(kvd_db_delete(db, key, klen) == m_alive(k));
            m->exists = false;
        } else {
            m_rename(db, k, key, klen);
        }
        break;
    case 6:
        m_check(db, k, kvd_db_find(db, key, klen));
        break;
    case 7: case 8:
        if ((e = kvd_db_find(db, key, klen)) == NULL)
            break;
        if (mrand(3) == 0) {
            FAST_ASSERT(kvd_db_persist(db, e) == (m->expire >= 0));
            m->expire = -1;
        } else {
            m->expire = now_ms() + (int64_t)mrand(600) - 100;
            kvd_db_set_expire(db, e, m->expire);
        }
        break;
    case 9:
        advance_ms(mrand(30));
        break;
    case 10:
        if ((e = kvd_db_find(db, key, klen)) != NULL && !m->is_list)
            m_edit(db, k, e);
        break;
    default:
        m_misc(db);
        break;
    }
}

START_TEST(test_random_ops_model)
{
    register_types();
    uint64_t seed = test_seed("random_ops_model");
    for (int round = 0; round < 5; round++) {
        mrng = seed + (uint64_t)round;
        kvd_db_t *db = new_db(splitmix64(&mrng));
        memset(model, 0, sizeof(model));
        for (int step = 0; step < 20000; step++) {
            m_step(db);
            kvd_db_verify_invariants(db);
        }
        uint64_t alive = 0, volatile_alive = 0;
        char key[320];
        for (int k = 0; k < MODEL_KEYS; k++) {
            size_t klen = m_key(k, key);
            m_check(db, k, kvd_db_find(db, key, klen)); /* reclaims expired keys */
            alive += m_alive(k);
            volatile_alive += m_alive(k) && model[k].expire >= 0;
        }
        ck_assert_uint_eq(kvd_db_size(db), alive);
        ck_assert_uint_eq(kvd_db_expires_size(db), volatile_alive);
        kvd_db_destroy(db);
    }
}
END_TEST


/* One case per test, so CK_RUN_CASE=<name> runs a single one (names drop "test_"). */
static void add_case(Suite *s, const char *name, const TTest *test)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

#define ADD_CASE(s, fn) add_case((s), #fn + 5, fn)

static Suite *db_suite(void)
{
    Suite *s = suite_create("db");
    ADD_CASE(s, test_siphash_vectors);
    ADD_CASE(s, test_dict_hash_is_siphash13);
    ADD_CASE(s, test_basic_set_get_delete);
    ADD_CASE(s, test_encodings);
    ADD_CASE(s, test_collections);
    ADD_CASE(s, test_overwrite_ttl);
    ADD_CASE(s, test_lazy_expiry);
    ADD_CASE(s, test_active_expiry);
    ADD_CASE(s, test_idle_time);
    ADD_CASE(s, test_swap);
    ADD_CASE(s, test_flush);
    ADD_CASE(s, test_rename_move);
    ADD_CASE(s, test_append_setrange);
    ADD_CASE(s, test_scan_expired_and_count);
    ADD_CASE(s, test_scan_guarantee);
    ADD_CASE(s, test_random_key);
    ADD_CASE(s, test_rehash_bound_1m);
    ADD_CASE(s, test_rehash_step_budget);
    ADD_CASE(s, test_random_ops_model);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(db_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

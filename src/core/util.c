/*
 * util.c - strict number parsing and formatting.
 */
#include "util.h"

#include <ctype.h>
#include <math.h>

bool kvd_str2ll(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    size_t i = 0;
    bool neg = false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    if (s[0] == '-') {
        neg = true;
        i = 1;
        if (len == 1)
            return false;
    }
    if (s[i] < '1' || s[i] > '9')
        return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

/* strtod-family functions need a NUL-terminated copy of a bounded length. */
static bool copy_number_text(const char *s, size_t len, char *buf, size_t cap)
{
    if (len == 0 || len >= cap)
        return false;
    if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1]))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

bool kvd_str2ld(const char *s, size_t len, long double *out)
{
    char buf[5 * 1024 + 1];
    if (!copy_number_text(s, len, buf, sizeof(buf)))
        return false;
    char *end = NULL;
    errno = 0;
    long double v = strtold(buf, &end);
    if (end != buf + len || isnan(v))
        return false;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO))
        return false;
    *out = v;
    return true;
}

/* A decimal integer of at most 15 digits (an optional '-' first) is exact
 * in a double: the common score or increment, without strtod's cost.
 * "-0" stays -0.0, as strtod reads it. */
static bool small_int_to_d(const char *s, size_t len, double *out)
{
    size_t i = len > 0 && s[0] == '-' ? 1 : 0;
    if (len == i || len - i > 15)
        return false;
    uint64_t u = 0;
    for (size_t j = i; j < len; j++) {
        if (s[j] < '0' || s[j] > '9')
            return false;
        u = u * 10 + (uint64_t)(s[j] - '0');
    }
    double d = (double)u;
    *out = i == 1 ? -d : d;
    return true;
}

bool kvd_str2d(const char *s, size_t len, double *out)
{
    if (small_int_to_d(s, len, out))
        return true;
    char buf[5 * 1024 + 1];
    if (!copy_number_text(s, len, buf, sizeof(buf)))
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len || isnan(v))
        return false;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO))
        return false;
    *out = v;
    return true;
}

/* Pairs of decimal digits "00".."99": two digits per division. */
static const char digit_pairs[201] =
    "00010203040506070809"
    "10111213141516171819"
    "20212223242526272829"
    "30313233343536373839"
    "40414243444546474849"
    "50515253545556575859"
    "60616263646566676869"
    "70717273747576777879"
    "80818283848586878889"
    "90919293949596979899";

static size_t decimal_digits(uint64_t v)
{
    size_t n = 1;
    /* Four digits per division; at most 5 rounds (UINT64_MAX has 20). */
    for (int i = 0; i < 5; i++) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
    KVD_ASSERT(false);
    return n;
}

size_t kvd_ll2str_buf(char *buf, int64_t v)
{
    /* Work in unsigned so INT64_MIN has a magnitude. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t sign = v < 0 ? 1 : 0;
    size_t len = sign + decimal_digits(u);
    KVD_ASSERT(len <= 20);
    char *p = buf + len;
    *p = '\0';
    for (int i = 0; i < 10 && u >= 100; i++) {
        unsigned pair = (unsigned)(u % 100) * 2;
        u /= 100;
        *--p = digit_pairs[pair + 1];
        *--p = digit_pairs[pair];
    }
    if (u >= 10) {
        unsigned pair = (unsigned)u * 2;
        *--p = digit_pairs[pair + 1];
        *--p = digit_pairs[pair];
    } else {
        *--p = (char)('0' + u);
    }
    if (sign)
        *--p = '-';
    KVD_ASSERT(p == buf);
    return len;
}

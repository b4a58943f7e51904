/*
 * glob.c - Redis-compatible glob matching (see glob.h for the rules).
 *
 * Every token but '*' consumes exactly one byte of the string, so the
 * classic single-backtrack-point algorithm is exact: on a mismatch, let the
 * most recent star swallow one more byte and retry from just after it.
 * Earlier stars never need revisiting, which keeps the work at
 * O(plen * slen) where Redis's recursive matcher could go exponential.
 *
 * The token parser reproduces how Redis walks a pattern byte by byte,
 * including where it reads one byte past the end (it sees the NUL that
 * terminates its strings; pat_at() returns 0 there for the same effect).
 */
#include "glob.h"

/* Redis refuses to nest deeper than this many star groups. */
#define GLOB_MAX_STAR_GROUPS 1000

static unsigned char pat_at(const char *p, size_t plen, size_t i)
{
    return i < plen ? (unsigned char)p[i] : 0;
}

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool same_byte(unsigned char a, unsigned char b, bool nocase)
{
    return nocase ? ascii_lower(a) == ascii_lower(b) : a == b;
}

static bool in_range(unsigned char lo, unsigned char hi, unsigned char c, bool nocase)
{
    /* Redis swaps reversed ends first and lowers afterwards, so with nocase
     * "[Z-a]" becomes the empty range z..a; keep that order. */
    if (lo > hi) {
        unsigned char t = lo;
        lo = hi;
        hi = t;
    }
    if (nocase) {
        lo = ascii_lower(lo);
        hi = ascii_lower(hi);
        c = ascii_lower(c);
    }
    return c >= lo && c <= hi;
}

/*
 * The bracket set starting at p[i] == '['.  Returns the offset just past
 * it and sets *ok when c is accepted.
 */
static size_t match_set(const char *p, size_t plen, size_t i, unsigned char c, bool nocase,
                        bool *ok)
{
    KVD_ASSERT(i < plen && p[i] == '[');
    i++;
    bool negate = pat_at(p, plen, i) == '^';
    if (negate)
        i++;
    bool hit = false;
    /* Each pass consumes at least one byte, so plen + 1 passes suffice. */
    for (size_t guard = 0;; guard++) {
        KVD_ASSERT(guard <= plen);
        KVD_ASSERT(i <= plen);
        size_t rem = plen - i;
        unsigned char b = pat_at(p, plen, i);
        if (b == '\\' && rem >= 2) {
            i++;
            /* Redis compares an escaped byte in a set exactly, even with nocase. */
            if ((unsigned char)p[i] == c)
                hit = true;
        } else if (b == ']') {
            i++;
            break;
        } else if (rem == 0) {
            break; /* no closing bracket: the set runs to the end */
        } else if (rem >= 3 && p[i + 1] == '-') {
            if (in_range(b, (unsigned char)p[i + 2], c, nocase))
                hit = true;
            i += 2;
        } else if (same_byte(b, c, nocase)) {
            hit = true;
        }
        if (rem != 0 && b != ']')
            i++;
    }
    *ok = negate ? !hit : hit;
    return i;
}

/*
 * One non-star token at p[i] tested against byte c.  Returns the offset
 * just past the token and sets *ok when it accepts c.
 */
static size_t match_token(const char *p, size_t plen, size_t i, unsigned char c, bool nocase,
                          bool *ok)
{
    KVD_ASSERT(i < plen);
    KVD_ASSERT(p[i] != '*');
    switch (p[i]) {
    case '?': *ok = true; return i + 1;
    case '[': return match_set(p, plen, i, c, nocase, ok);
    case '\\':
        if (plen - i >= 2)
            i++;
        /* A lone trailing backslash is a literal backslash. */
        break;
    default: break;
    }
    *ok = same_byte((unsigned char)p[i], c, nocase);
    return i + 1;
}

/* Offset just past the run of '*' starting at p[i]. */
static size_t star_group_end(const char *p, size_t plen, size_t i)
{
    KVD_ASSERT(i < plen && p[i] == '*');
    while (i < plen && p[i] == '*')
        i++;
    return i;
}

/* True when the pattern has more star groups before its end than Redis
 * will nest into; such a pattern cannot match a non-empty string there. */
static bool too_many_star_groups(const char *p, size_t plen)
{
    size_t groups = 0, i = 0;
    while (i < plen) {
        if (p[i] == '*') {
            i = star_group_end(p, plen, i);
            if (i < plen && ++groups > GLOB_MAX_STAR_GROUPS)
                return true;
        } else {
            bool ignored;
            i = match_token(p, plen, i, 0, false, &ignored);
        }
    }
    return false;
}

bool kvd_glob_match(const char *pattern, size_t plen, const char *str, size_t slen, bool nocase)
{
    KVD_ASSERT(pattern != NULL || plen == 0);
    KVD_ASSERT(str != NULL || slen == 0);
    if (slen == 0)
        return plen == 0;
    if (too_many_star_groups(pattern, plen))
        return false;
    size_t pi = 0, si = 0;
    size_t resume_pi = SIZE_MAX; /* pattern offset just after the latest star group */
    size_t resume_si = 0;        /* where that star's swallowed run ends */
    while (si < slen) {
        if (pi < plen && pattern[pi] == '*') {
            pi = star_group_end(pattern, plen, pi);
            if (pi == plen)
                return true; /* a trailing star takes whatever is left */
            resume_pi = pi;
            resume_si = si;
            continue;
        }
        if (pi < plen) {
            bool ok;
            size_t next = match_token(pattern, plen, pi, (unsigned char)str[si], nocase, &ok);
            if (ok) {
                pi = next;
                si++;
                continue;
            }
        }
        if (resume_pi == SIZE_MAX)
            return false;
        /* Backtrack: the star swallows one more byte.  resume_si only
         * grows, which bounds the loop by plen * slen steps. */
        resume_si++;
        pi = resume_pi;
        si = resume_si;
    }
    while (pi < plen && pattern[pi] == '*')
        pi++;
    return pi == plen;
}

bool kvd_glob_has_special(const char *pattern, size_t plen)
{
    KVD_ASSERT(pattern != NULL || plen == 0);
    for (size_t i = 0; i < plen; i++)
        if (pattern[i] == '*' || pattern[i] == '?' || pattern[i] == '[')
            return true;
    return false;
}

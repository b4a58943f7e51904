/*
 * glob.h - Redis-compatible glob matching for CONFIG GET, KEYS, SCAN MATCH,
 * PSUBSCRIBE and friends.
 *
 * The result is the one Redis 7.0's stringmatchlen() gives for every
 * pattern and string, quirks included, because clients and the Redis test
 * suite depend on them:
 *
 *   *        any run of bytes, including none
 *   ?        exactly one byte
 *   [abc]    one byte from the set; [^abc] one byte not in it
 *   [a-z]    a range; reversed ends ([z-a]) are swapped
 *   \c       the byte c literally (outside and inside brackets)
 *
 *  - "]" right after "[" or "[^" closes the set, so "[]" matches nothing
 *    and "[^]" matches any byte.  A set missing its "]" runs to the end of
 *    the pattern ("[^" matches any byte).
 *  - With nocase, literals and ranges compare ASCII case-insensitively,
 *    but an escaped byte inside brackets ("[\A]") is compared exactly, and
 *    range ends are swapped before they are lowered.
 *  - An empty string matches only the empty pattern: "*" does not match "".
 *    KEYS and SCAN treat a pattern of exactly "*" as "everything" before
 *    calling this, which is how Redis lists the empty key; callers must do
 *    the same.
 *  - A pattern with more than 1000 '*' groups before its last token never
 *    matches (Redis's guard against abusive patterns).
 *  - Bytes compare as unsigned values (Redis compares plain char, whose
 *    sign depends on the platform; they differ only for bytes >= 0x80 in
 *    ranges).
 *
 * Runs in O(plen * slen) time at worst with no recursion and no
 * allocation, so a hostile pattern cannot exhaust the stack.
 */
#ifndef KVD_GLOB_H
#define KVD_GLOB_H

#include "kvd.h"

bool kvd_glob_match(const char *pattern, size_t plen, const char *str, size_t slen, bool nocase);

/* True when pattern has a '*', '?' or '[' (the test Redis uses to tell an
 * exact CONFIG GET name from a pattern). */
bool kvd_glob_has_special(const char *pattern, size_t plen);

#endif /* KVD_GLOB_H */

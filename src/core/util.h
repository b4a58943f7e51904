/*
 * util.h - strict number parsing and formatting with Redis's rules.
 */
#ifndef KVD_UTIL_H
#define KVD_UTIL_H

#include "kvd.h"

/*
 * Parse a canonical signed decimal: no spaces, no '+', no leading zeros,
 * no "-0", fits int64.  This is what Redis accepts as an integer argument
 * and what it stores int-encoded.  Returns true on success.
 */
bool kvd_str2ll(const char *s, size_t len, int64_t *out);
/* Parse a long double as Redis's string2ld: strtold over the whole text, no
 * spaces, not NaN; returns true on success. */
bool kvd_str2ld(const char *s, size_t len, long double *out);
/* Parse a double; false on garbage, trailing spaces or NaN. */
bool kvd_str2d(const char *s, size_t len, double *out);
/* Format v in decimal into buf (at least 21 bytes); returns the length. */
size_t kvd_ll2str_buf(char *buf, int64_t v);

#endif /* KVD_UTIL_H */

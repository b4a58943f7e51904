/*
 * config_int.h - what config.c (kvd.yaml) and config_params.c (CONFIG
 * GET/SET) share.  Not for use outside the configuration subsystem.
 */
#ifndef KVD_CONFIG_INT_H
#define KVD_CONFIG_INT_H

#include "config.h"

/* The most clients one worker accepts (kvd.yaml's range and CONFIG SET's). */
#define KVD_CONFIG_MAX_CLIENTS 1000000

/*
 * offsetof() that fails to compile unless the field has the given type, so
 * a table cannot point an int loader at an int64_t field.  Enumerations
 * are read and written through int, so KVD_CONFIG_ENUM_FIELD checks size.
 */
#define KVD_CONFIG_FIELD(field, type)                                                              \
    (offsetof(kvd_config_t, field) +                                                               \
     0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((kvd_config_t *)0)->field), type)    \
                         ? 1                                                                       \
                         : -1]))
#define KVD_CONFIG_ENUM_FIELD(field)                                                               \
    (offsetof(kvd_config_t, field) +                                                               \
     0 * sizeof(char[sizeof(((kvd_config_t *)0)->field) == sizeof(int) ? 1 : -1]))

/* One accepted spelling of an enumerated setting; tables end with {NULL, 0}. */
typedef struct kvd_config_choice {
    const char *name;
    int value;
} kvd_config_choice_t;

/* In the order Redis lists them in "must be one of the following". */
extern const kvd_config_choice_t kvd_config_loglevel_choices[];
extern const kvd_config_choice_t kvd_config_fsync_choices[];
extern const kvd_config_choice_t kvd_config_affinity_choices[];
extern const kvd_config_choice_t kvd_config_maxmemory_policy_choices[];
extern const kvd_config_choice_t kvd_config_sanitize_dump_choices[];

/* Case-insensitive lookup; returns the entry or NULL. */
const kvd_config_choice_t *kvd_config_choice_find(const kvd_config_choice_t *choices, const char *s,
                                                  size_t len);
/* The spelling of value, or "?" when the table lacks it. */
const char *kvd_config_choice_name(const kvd_config_choice_t *choices, int value);
/* "a, b, c" into out (truncated to outlen). */
void kvd_config_choice_list(const kvd_config_choice_t *choices, char *out, size_t outlen);

/*
 * Redis's memory syntax: decimal digits then an optional unit b, k (1000),
 * kb (1024), m, mb, g, gb, any case; no sign, no spaces.  Redis takes a
 * bare unit or "" as 0: allow_empty keeps that for CONFIG SET, kvd.yaml
 * wants at least one digit.  Values past 2^64-1 saturate, as Redis's do.
 */
bool kvd_config_parse_mem(const char *s, size_t len, bool allow_empty, uint64_t *out);

/*
 * The default texts of string fields.  A configuration at its defaults
 * points at these, so it owns no memory; they are never freed.
 */
extern const char kvd_config_static_text[];
#define KVD_CONFIG_STATIC_EMPTY (kvd_config_static_text + 0)
#define KVD_CONFIG_STATIC_DOT (kvd_config_static_text + 1)
#define KVD_CONFIG_STATIC_AOF (kvd_config_static_text + 3)
bool kvd_config_str_is_static(const char *s);

/* Set, and check, the fields config_params.c owns (the Redis-only parameters). */
void kvd_config_params_defaults(kvd_config_t *cfg);
void kvd_config_params_verify(const kvd_config_t *cfg);

#endif /* KVD_CONFIG_INT_H */

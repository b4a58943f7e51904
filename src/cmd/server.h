/*
 * server.h - what the files of the server/connection command family share:
 * t_server.c (rows, PING ... CONFIG), t_client.c (CLIENT), t_command.c
 * (COMMAND), command_meta.c (COMMAND INFO facts the rows do not carry yet),
 * t_info.c (INFO) and client_info.c (the CLIENT LIST line).
 *
 * Internal to src/cmd: nothing outside the family includes it.
 */
#ifndef KVD_SERVER_H
#define KVD_SERVER_H

#include "client.h"
#include "shard.h"

/* Procs and subcommand rows defined outside t_server.c, which owns the table. */
void kvd_info_command(kvd_client_t *c);
/* Redis's bytesToHuman: "1023B", "1.09M", "23.54G". */
void kvd_info_bytes_human(char *buf, size_t len, uint64_t n);
void kvd_command_command(kvd_client_t *c);
extern kvd_command_t kvd_client_subcommands[];
extern kvd_command_t kvd_command_subcommands[];

/*
 * Set (or, for an empty name, clear) the client name with Redis's rules:
 * printable ASCII without spaces.  Returns 0, or -1 after replying the error.
 */
int kvd_client_set_name(kvd_client_t *c, const kvd_arg_t *name);

/*
 * Reply to FOO HELP the way Redis does: an array of simple strings, first
 * "FOO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", then the
 * NULL-terminated lines, then the HELP entry every container ends with.
 */
void kvd_reply_help(kvd_client_t *c, const char *const *lines);

/* Zero calls/usec/rejected/failed of every row and subcommand (CONFIG RESETSTAT). */
void kvd_command_reset_stats(void);

/*
 * COMMAND INFO facts that kvd_command_t does not carry (yet): command tips
 * and Redis's key specifications, by full name ("config|set").  NULL when
 * Redis 7.0 has neither for that name.
 *
 * A key spec is written "FLAGS BEGIN FIND[|notes]":
 *   FLAGS  comma-separated: RO,access
 *   BEGIN  iN (index N) | kS:WORD (keyword WORD, searched from S) | u (unknown)
 *   FIND   rL,S,M (range: lastkey L, keystep S, limit M)
 *          | nI,F,S (keynum: keynumidx I, firstkey F, keystep S) | u (unknown)
 */
#define KVD_META_MAX_SPECS 3
typedef struct kvd_command_meta {
    const char *name;
    const char *tips; /* space-separated, or NULL */
    const char *specs[KVD_META_MAX_SPECS];
} kvd_command_meta_t;

const kvd_command_meta_t *kvd_command_meta(const char *fullname);
/* 0 when the table is sorted and every key spec parses, else -1. */
int kvd_command_meta_verify(void);

/* A key spec decoded from its text form. */
typedef struct kvd_keyspec {
    char flags[96];   /* comma-separated */
    char notes[160];  /* "" when none */
    char begin;       /* 'i', 'k' or 'u' */
    int index;        /* i: argument index; k: startfrom */
    char keyword[16]; /* k only */
    char find;        /* 'r', 'n' or 'u' */
    int a, b, d;      /* r: lastkey, keystep, limit; n: keynumidx, firstkey, keystep */
} kvd_keyspec_t;

/* Returns 0, or -1 when text is malformed (a bug in the table). */
int kvd_keyspec_parse(const char *text, kvd_keyspec_t *out);

#endif /* KVD_SERVER_H */

/*
 * t_command.c - COMMAND and its subcommands (COUNT, LIST, INFO, DOCS,
 * GETKEYS, GETKEYSANDFLAGS, HELP), read from the command table.
 *
 * COMMAND INFO rows follow Redis 7.0's layout:
 *   [name, arity, [flags], first, last, step, [@categories], [tips],
 *    [key specs], [subcommand rows]]
 * Tips and key specs come from command_meta.c; a row it does not know gets
 * key specs derived from first/last/step.  COMMAND DOCS reports summary,
 * since, group and complexity (not arguments or history: rows lack them).
 */
#include "server.h"
#include "core/glob.h"
#include "core/util.h"
#include "proto/reply.h"

/* Flags in the order Redis prints them; may_replicate is hidden, as in Redis. */
static const uint32_t flag_order[] = {
    KVD_CMD_WRITE,        KVD_CMD_READONLY,          KVD_CMD_DENYOOM,     KVD_CMD_ADMIN,
    KVD_CMD_PUBSUB,       KVD_CMD_NOSCRIPT,          KVD_CMD_BLOCKING,    KVD_CMD_LOADING,
    KVD_CMD_STALE,        KVD_CMD_SKIP_MONITOR,      KVD_CMD_SKIP_SLOWLOG, KVD_CMD_ASKING,
    KVD_CMD_FAST,         KVD_CMD_NO_AUTH,           KVD_CMD_NO_MANDATORY_KEYS,
    KVD_CMD_NO_ASYNC_LOADING, KVD_CMD_NO_MULTI,      KVD_CMD_MOVABLE_KEYS, KVD_CMD_ALLOW_BUSY,
};

#define ACL_BITS 32
#define MAX_KEYS 4096 /* COMMAND GETKEYS: a bound on the keys of one command */

/* Look a command up by full name: "get", "config|get". */
static kvd_command_t *lookup_fullname(const kvd_arg_t *a)
{
    const char *bar = memchr(a->ptr, '|', a->len);
    if (bar == NULL)
        return kvd_command_lookup(a->ptr, a->len);
    kvd_command_t *parent = kvd_command_lookup(a->ptr, (size_t)(bar - a->ptr));
    size_t rest = a->len - (size_t)(bar - a->ptr) - 1;
    if (parent == NULL || parent->subcommands == NULL || memchr(bar + 1, '|', rest))
        return NULL;
    return kvd_command_lookup_sub(parent, bar + 1, rest);
}

/* Reply a comma-separated list as an array of simple strings. */
static void reply_csv_simple(kvd_buf_t *r, const char *csv)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", csv);
    size_t mark = kvd_reply_defer(r);
    int64_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), n++)
        kvd_reply_simple(r, tok);
    kvd_reply_set_array_len(r, mark, n);
}

static void reply_flags(kvd_buf_t *r, uint32_t flags)
{
    size_t mark = kvd_reply_defer(r);
    int64_t n = 0;
    for (size_t i = 0; i < KVD_ARRAY_LEN(flag_order); i++) {
        if (!(flags & flag_order[i]))
            continue;
        kvd_reply_simple(r, kvd_command_flag_name(flag_order[i]));
        n++;
    }
    kvd_reply_set_array_len(r, mark, n);
}

static void reply_acl(kvd_buf_t *r, uint32_t acl)
{
    size_t mark = kvd_reply_defer(r);
    int64_t n = 0;
    for (int i = 0; i < ACL_BITS; i++) {
        const char *name = (acl & (1u << i)) ? kvd_command_acl_name(1u << i) : NULL;
        if (name == NULL)
            continue;
        kvd_reply_simple(r, name);
        n++;
    }
    kvd_reply_set_array_len(r, mark, n);
}

static void reply_tips(kvd_buf_t *r, const kvd_command_meta_t *m)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", m && m->tips ? m->tips : "");
    size_t mark = kvd_reply_defer(r);
    int64_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), n++)
        kvd_reply_bulk_str(r, tok);
    kvd_reply_set_array_len(r, mark, n);
}

static void reply_begin_search(kvd_buf_t *r, const kvd_keyspec_t *ks)
{
    kvd_reply_bulk_str(r, "begin_search");
    kvd_reply_array(r, 4);
    kvd_reply_bulk_str(r, "type");
    if (ks->begin == 'i') {
        kvd_reply_bulk_str(r, "index");
        kvd_reply_bulk_str(r, "spec");
        kvd_reply_array(r, 2);
        kvd_reply_bulk_str(r, "index");
        kvd_reply_int(r, ks->index);
    } else if (ks->begin == 'k') {
        kvd_reply_bulk_str(r, "keyword");
        kvd_reply_bulk_str(r, "spec");
        kvd_reply_array(r, 4);
        kvd_reply_bulk_str(r, "keyword");
        kvd_reply_bulk_str(r, ks->keyword);
        kvd_reply_bulk_str(r, "startfrom");
        kvd_reply_int(r, ks->index);
    } else {
        kvd_reply_bulk_str(r, "unknown");
        kvd_reply_bulk_str(r, "spec");
        kvd_reply_array(r, 0);
    }
}

static void reply_pair_int(kvd_buf_t *r, const char *name, int64_t v)
{
    kvd_reply_bulk_str(r, name);
    kvd_reply_int(r, v);
}

static void reply_find_keys(kvd_buf_t *r, const kvd_keyspec_t *ks)
{
    kvd_reply_bulk_str(r, "find_keys");
    kvd_reply_array(r, 4);
    kvd_reply_bulk_str(r, "type");
    if (ks->find == 'r') {
        kvd_reply_bulk_str(r, "range");
        kvd_reply_bulk_str(r, "spec");
        kvd_reply_array(r, 6);
        reply_pair_int(r, "lastkey", ks->a);
        reply_pair_int(r, "keystep", ks->b);
        reply_pair_int(r, "limit", ks->d);
    } else if (ks->find == 'n') {
        kvd_reply_bulk_str(r, "keynum");
        kvd_reply_bulk_str(r, "spec");
        kvd_reply_array(r, 6);
        reply_pair_int(r, "keynumidx", ks->a);
        reply_pair_int(r, "firstkey", ks->b);
        reply_pair_int(r, "keystep", ks->d);
    } else {
        kvd_reply_bulk_str(r, "unknown");
        kvd_reply_bulk_str(r, "spec");
        kvd_reply_array(r, 0);
    }
}

static void reply_keyspec(kvd_buf_t *r, const kvd_keyspec_t *ks)
{
    kvd_reply_array(r, ks->notes[0] ? 8 : 6);
    if (ks->notes[0]) {
        kvd_reply_bulk_str(r, "notes");
        kvd_reply_bulk_str(r, ks->notes);
    }
    kvd_reply_bulk_str(r, "flags");
    reply_csv_simple(r, ks->flags);
    reply_begin_search(r, ks);
    reply_find_keys(r, ks);
}

/*
 * A row's key specs: from the meta table, else one range spec derived
 * from first/last/step (flags guessed from readonly/write), else none.
 * Returns how many were written to out.
 */
static int row_keyspecs(const kvd_command_t *cmd, kvd_keyspec_t *out)
{
    const kvd_command_meta_t *m = kvd_command_meta(cmd->fullname);
    int n = 0;
    for (int i = 0; m && i < KVD_META_MAX_SPECS && m->specs[i]; i++)
        if (KVD_ALWAYS(kvd_keyspec_parse(m->specs[i], &out[n]) == 0))
            n++;
    if (m != NULL || cmd->first_key <= 0)
        return n;
    memset(out, 0, sizeof(*out));
    snprintf(out->flags, sizeof(out->flags), "%s",
             (cmd->flags & KVD_CMD_WRITE) ? "RW,update" : "RO,access");
    out->begin = 'i';
    out->index = cmd->first_key;
    out->find = 'r';
    out->a = cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key;
    out->b = cmd->key_step;
    return 1;
}

static void reply_command_row(kvd_buf_t *r, const kvd_command_t *cmd)
{
    kvd_reply_array(r, 10);
    kvd_reply_bulk_str(r, cmd->fullname);
    kvd_reply_int(r, cmd->arity);
    reply_flags(r, cmd->flags);
    kvd_reply_int(r, cmd->first_key);
    kvd_reply_int(r, cmd->last_key);
    kvd_reply_int(r, cmd->key_step);
    reply_acl(r, cmd->acl);
    reply_tips(r, kvd_command_meta(cmd->fullname));
    kvd_keyspec_t specs[KVD_META_MAX_SPECS];
    int nspecs = row_keyspecs(cmd, specs);
    kvd_reply_array(r, nspecs);
    for (int i = 0; i < nspecs; i++)
        reply_keyspec(r, &specs[i]);
    size_t mark = kvd_reply_defer(r);
    int64_t nsubs = 0;
    for (const kvd_command_t *sub = cmd->subcommands; sub && sub->name; sub++, nsubs++)
        reply_command_row(r, sub);
    kvd_reply_set_array_len(r, mark, nsubs);
}

/* COMMAND with no arguments: every row. */
void kvd_command_command(kvd_client_t *c)
{
    size_t n = kvd_command_count();
    kvd_reply_array(c->reply, (int64_t)n);
    for (size_t i = 0; i < n; i++)
        reply_command_row(c->reply, kvd_command_at(i));
}

static void command_count_command(kvd_client_t *c)
{
    kvd_reply_int(c->reply, (int64_t)kvd_command_count());
}

/* COMMAND INFO [name ...]: a row per name, nil for unknown names. */
static void command_info_command(kvd_client_t *c)
{
    if (c->argc == 2) {
        kvd_command_command(c);
        return;
    }
    kvd_reply_array(c->reply, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        kvd_command_t *cmd = lookup_fullname(&c->argv[j]);
        if (cmd)
            reply_command_row(c->reply, cmd);
        else
            kvd_reply_null(c->reply);
    }
}

/* ---- DOCS ---- */

static void reply_doc_field(kvd_buf_t *r, const char *name, const char *value, int64_t *n)
{
    if (value == NULL)
        return;
    kvd_reply_bulk_str(r, name);
    kvd_reply_bulk_str(r, value);
    *n += 2;
}

/* name, then its documentation map (flattened to an array, as RESP2 does). */
static void reply_command_doc(kvd_buf_t *r, const kvd_command_t *cmd)
{
    kvd_reply_bulk_str(r, cmd->fullname);
    size_t mark = kvd_reply_defer(r);
    int64_t n = 0;
    reply_doc_field(r, "summary", cmd->summary, &n);
    reply_doc_field(r, "since", cmd->since, &n);
    reply_doc_field(r, "group", cmd->group, &n);
    reply_doc_field(r, "complexity", cmd->complexity, &n);
    if (cmd->subcommands != NULL) {
        kvd_reply_bulk_str(r, "subcommands");
        size_t smark = kvd_reply_defer(r);
        int64_t nsubs = 0;
        for (const kvd_command_t *sub = cmd->subcommands; sub->name; sub++, nsubs++)
            reply_command_doc(r, sub);
        kvd_reply_set_array_len(r, smark, nsubs * 2);
        n += 2;
    }
    kvd_reply_set_array_len(r, mark, n);
}

/* COMMAND DOCS [name ...]: a map of name to docs; unknown names are left out. */
static void command_docs_command(kvd_client_t *c)
{
    size_t mark = kvd_reply_defer(c->reply);
    int64_t n = 0;
    if (c->argc == 2) {
        for (size_t i = 0; i < kvd_command_count(); i++, n++)
            reply_command_doc(c->reply, kvd_command_at(i));
    }
    for (int j = 2; j < c->argc; j++) {
        kvd_command_t *cmd = lookup_fullname(&c->argv[j]);
        if (cmd == NULL)
            continue;
        reply_command_doc(c->reply, cmd);
        n++;
    }
    kvd_reply_set_array_len(c->reply, mark, n * 2);
}

/* ---- LIST ---- */

typedef struct list_filter {
    char kind;             /* 0 none, 'm' module, 'a' aclcat, 'p' pattern */
    uint32_t acl;          /* 'a': the category bit, 0 when unknown */
    const kvd_arg_t *arg;
} list_filter_t;

static uint32_t acl_bit_by_name(const kvd_arg_t *a)
{
    for (int i = 0; i < ACL_BITS; i++) {
        const char *name = kvd_command_acl_name(1u << i);
        if (name && strlen(name + 1) == a->len && strncasecmp(name + 1, a->ptr, a->len) == 0)
            return 1u << i;
    }
    return 0;
}

static bool list_matches(const list_filter_t *f, const kvd_command_t *cmd)
{
    switch (f->kind) {
    case 'm': return false; /* module rows are not tagged with their module yet */
    case 'a': return f->acl != 0 && (cmd->acl & f->acl);
    case 'p':
        return kvd_glob_match(f->arg->ptr, f->arg->len, cmd->fullname, strlen(cmd->fullname),
                              true);
    default: return true;
    }
}

static int parse_list_filter(kvd_client_t *c, list_filter_t *f)
{
    memset(f, 0, sizeof(*f));
    if (c->argc == 2)
        return 0;
    if (c->argc == 5 && kvd_arg_is(&c->argv[2], "filterby")) {
        const kvd_arg_t *kind = &c->argv[3];
        f->arg = &c->argv[4];
        if (kvd_arg_is(kind, "module")) {
            f->kind = 'm';
        } else if (kvd_arg_is(kind, "aclcat")) {
            f->kind = 'a';
            f->acl = acl_bit_by_name(f->arg);
        } else if (kvd_arg_is(kind, "pattern")) {
            f->kind = 'p';
        }
    }
    if (f->kind == 0) {
        kvd_reply_syntax_error(c);
        return -1;
    }
    return 0;
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN glob]: full names. */
static void command_list_command(kvd_client_t *c)
{
    list_filter_t f;
    if (parse_list_filter(c, &f) < 0)
        return;
    size_t mark = kvd_reply_defer(c->reply);
    int64_t n = 0;
    for (size_t i = 0; i < kvd_command_count(); i++) {
        const kvd_command_t *cmd = kvd_command_at(i);
        if (list_matches(&f, cmd) && ++n)
            kvd_reply_bulk_str(c->reply, cmd->fullname);
        for (const kvd_command_t *sub = cmd->subcommands; sub && sub->name; sub++)
            if (list_matches(&f, sub) && ++n)
                kvd_reply_bulk_str(c->reply, sub->fullname);
    }
    kvd_reply_set_array_len(c->reply, mark, n);
}

/* ---- GETKEYS / GETKEYSANDFLAGS ---- */

static bool has_keys(const kvd_command_t *cmd)
{
    kvd_keyspec_t specs[KVD_META_MAX_SPECS];
    return cmd->getkeys != NULL || cmd->first_key > 0 || row_keyspecs(cmd, specs) > 0;
}

static bool arity_ok(const kvd_command_t *cmd, int argc)
{
    return cmd->arity > 0 ? argc == cmd->arity : argc >= -cmd->arity;
}

/* Resolve the command named in argv[2...] for GETKEYS; replies on failure. */
static kvd_command_t *getkeys_target(kvd_client_t *c)
{
    int argc = c->argc - 2;
    const kvd_arg_t *argv = c->argv + 2;
    kvd_command_t *cmd = kvd_command_lookup(argv[0].ptr, argv[0].len);
    if (cmd && cmd->subcommands && argc >= 2)
        cmd = kvd_command_lookup_sub(cmd, argv[1].ptr, argv[1].len);
    if (cmd == NULL) {
        kvd_reply_error(c->reply, "ERR Invalid command specified");
        return NULL;
    }
    if (!has_keys(cmd)) {
        kvd_reply_error(c->reply, "ERR The command has no key arguments");
        return NULL;
    }
    if (!arity_ok(cmd, argc)) {
        kvd_reply_error(c->reply, "ERR Invalid number of arguments specified for command");
        return NULL;
    }
    return cmd;
}

/* Keys of the command in argv[2...]; returns the count, or -1 after replying. */
static int getkeys_positions(kvd_client_t *c, kvd_command_t **cmdp, int *pos)
{
    kvd_command_t *cmd = getkeys_target(c);
    if (cmd == NULL)
        return -1;
    int n = kvd_command_find_keys(cmd, c->argc - 2, c->argv + 2, pos, MAX_KEYS);
    if (n <= 0) {
        kvd_reply_error(c->reply, "ERR Invalid arguments specified for command");
        return -1;
    }
    *cmdp = cmd;
    return n;
}

static void command_getkeys_command(kvd_client_t *c)
{
    kvd_command_t *cmd;
    int *pos = kvd_calloc(MAX_KEYS, sizeof(*pos));
    int n = getkeys_positions(c, &cmd, pos);
    if (n > 0) {
        kvd_reply_array(c->reply, n);
        for (int i = 0; i < n; i++)
            kvd_reply_bulk(c->reply, c->argv[2 + pos[i]].ptr, c->argv[2 + pos[i]].len);
    }
    kvd_free(pos);
}

/* Does key spec ks select argument index pos of argv[0..argc)? */
static bool spec_covers(const kvd_keyspec_t *ks, int argc, const kvd_arg_t *argv, int pos)
{
    int first = -1;
    if (ks->begin == 'i') {
        first = ks->index;
    } else if (ks->begin == 'k') {
        int step = ks->index >= 0 ? 1 : -1;
        for (int i = ks->index >= 0 ? ks->index : argc + ks->index; i >= 1 && i < argc; i += step)
            if (kvd_arg_is(&argv[i], ks->keyword)) {
                first = i + 1;
                break;
            }
    }
    if (first < 1 || first >= argc || pos < first)
        return false;
    int last = -1, step = 1;
    if (ks->find == 'r') {
        step = ks->b > 0 ? ks->b : 1;
        if (ks->a >= 0)
            last = first + ks->a;
        else
            last = ks->d ? first + (argc - first) / ks->d + ks->a : argc + ks->a;
    } else if (ks->find == 'n') {
        int64_t numkeys;
        int at = first + ks->a;
        if (at >= argc || !kvd_str2ll(argv[at].ptr, argv[at].len, &numkeys) || numkeys <= 0)
            return false;
        step = ks->d > 0 ? ks->d : 1;
        first += ks->b;
        last = first + (int)(numkeys - 1) * step;
    }
    return pos >= first && pos <= last && (pos - first) % step == 0;
}

/* SET's key is read too only when GET follows the value. */
static const char *set_key_flags(int argc, const kvd_arg_t *argv)
{
    for (int i = 3; i < argc; i++)
        if (kvd_arg_is(&argv[i], "get"))
            return "RW,access,update";
    return "OW,update";
}

/* BITFIELD is read-only while its operations are GET and OVERFLOW only;
 * anything else, a malformed tail included, counts as a write. */
static const char *bitfield_key_flags(int argc, const kvd_arg_t *argv)
{
    for (int i = 2; i < argc; i++) {
        int more = argc - i - 1;
        if (kvd_arg_is(&argv[i], "get") && more >= 2)
            i += 2;
        else if (kvd_arg_is(&argv[i], "overflow") && more >= 1)
            i += 1;
        else
            return "RW,access,update";
    }
    return "RO,access";
}

/* Redis resolves variable_flags per command; 7.0 has two such commands. */
static const char *variable_flags(const kvd_command_t *cmd, int argc, const kvd_arg_t *argv)
{
    if (strcmp(cmd->fullname, "set") == 0)
        return set_key_flags(argc, argv);
    if (strcmp(cmd->fullname, "bitfield") == 0)
        return bitfield_key_flags(argc, argv);
    return NULL;
}

static const char *key_flags(const kvd_command_t *cmd, int argc, const kvd_arg_t *argv, int pos,
                             const kvd_keyspec_t *specs, int nspecs)
{
    const char *var = variable_flags(cmd, argc, argv);
    if (var)
        return var;
    /* SORT's STORE destination has an "unknown" key spec that no position
     * matches; its keys function gives it OW,update as Redis's does (so a
     * STORE, even of an empty result, touches WATCHers of the key). */
    if (pos > 1 && strcmp(cmd->fullname, "sort") == 0)
        return "OW,update";
    for (int i = 0; i < nspecs; i++)
        if (spec_covers(&specs[i], argc, argv, pos))
            return specs[i].flags;
    return nspecs > 0 ? specs[0].flags : "";
}

bool kvd_command_key_read_only(const kvd_command_t *cmd, int argc, const kvd_arg_t *argv, int pos)
{
    kvd_keyspec_t specs[KVD_META_MAX_SPECS];
    int nspecs = row_keyspecs(cmd, specs);
    return strncmp(key_flags(cmd, argc, argv, pos, specs, nspecs), "RO", 2) == 0;
}

/* COMMAND GETKEYSANDFLAGS cmd args...: [[key, [flags]], ...]. */
static void command_getkeysandflags_command(kvd_client_t *c)
{
    kvd_command_t *cmd;
    int *pos = kvd_calloc(MAX_KEYS, sizeof(*pos));
    int n = getkeys_positions(c, &cmd, pos);
    if (n > 0) {
        kvd_keyspec_t specs[KVD_META_MAX_SPECS];
        int nspecs = row_keyspecs(cmd, specs);
        kvd_reply_array(c->reply, n);
        for (int i = 0; i < n; i++) {
            const kvd_arg_t *key = &c->argv[2 + pos[i]];
            kvd_reply_array(c->reply, 2);
            kvd_reply_bulk(c->reply, key->ptr, key->len);
            reply_csv_simple(c->reply,
                             key_flags(cmd, c->argc - 2, c->argv + 2, pos[i], specs, nspecs));
        }
    }
    kvd_free(pos);
}

static void command_help_command(kvd_client_t *c)
{
    static const char *const lines[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL,
    };
    kvd_reply_help(c, lines);
}

#define COMMAND_FLAGS (KVD_CMD_LOADING | KVD_CMD_STALE)
#define COMMAND_ACL (KVD_ACL_SLOW | KVD_ACL_CONNECTION)

/* In the order Redis 7.0.15's COMMAND INFO COMMAND lists them. */
kvd_command_t kvd_command_subcommands[] = {
    {.name = "docs", .proc = command_docs_command, .arity = -2, .flags = COMMAND_FLAGS,
     .acl = COMMAND_ACL, .summary = "Get array of specific Redis command documentation",
     .since = "7.0.0", .group = "server",
     .complexity = "O(N) where N is the number of commands to look up"},
    {.name = "getkeysandflags", .proc = command_getkeysandflags_command, .arity = -4,
     .flags = COMMAND_FLAGS, .acl = COMMAND_ACL,
     .summary = "Extract keys and access flags given a full Redis command", .since = "7.0.0",
     .group = "server",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "info", .proc = command_info_command, .arity = -2, .flags = COMMAND_FLAGS,
     .acl = COMMAND_ACL, .summary = "Get array of specific Redis command details, or all when "
                                    "no argument is given.",
     .since = "2.8.13", .group = "server",
     .complexity = "O(N) where N is the number of commands to look up"},
    {.name = "count", .proc = command_count_command, .arity = 2, .flags = COMMAND_FLAGS,
     .acl = COMMAND_ACL, .summary = "Get total number of Redis commands", .since = "2.8.13",
     .group = "server", .complexity = "O(1)"},
    {.name = "help", .proc = command_help_command, .arity = 2, .flags = COMMAND_FLAGS,
     .acl = COMMAND_ACL, .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .group = "server", .complexity = "O(1)"},
    {.name = "getkeys", .proc = command_getkeys_command, .arity = -4, .flags = COMMAND_FLAGS,
     .acl = COMMAND_ACL, .summary = "Extract keys given a full Redis command", .since = "2.8.13",
     .group = "server", .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "list", .proc = command_list_command, .arity = -2, .flags = COMMAND_FLAGS,
     .acl = COMMAND_ACL,
     .summary = "Get an array of Redis command names", .since = "7.0.0", .group = "server",
     .complexity = "O(N) where N is the total number of Redis commands"},
    {.name = NULL},
};

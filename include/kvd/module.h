/*
 * kvd/module.h - the public, installed module ABI of kvd.
 *
 * A module is a shared object that exports one symbol,
 *
 *     const kvd_module_t kvd_module = { KVD_MODULE_HEADER, ... };
 *
 * The loader checks abi_major (must equal the server's), abi_minor (the
 * server's must be >= the module's), and the binary signature (sizes of the
 * structures passed across) before calling any hook, and refuses the module
 * with one log line naming both versions otherwise.  Structures only grow at
 * the end, in reserved space, within one major version.
 *
 * Status: the loader and the hook tables beyond this record arrive with the
 * modules issue (acl, tls, lua, replication).  This header fixes the record's
 * layout and versioning now, so it can be installed and compiled against.
 */
#ifndef KVD_MODULE_H
#define KVD_MODULE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KVD_MODULE_ABI_MAJOR 0
#define KVD_MODULE_ABI_MINOR 1

/* Sizes of basic types folded into one word, so a module built for another
 * data model is refused rather than misread. */
#define KVD_MODULE_SIGNATURE                                                   \
    ((uint32_t)(sizeof(void *) << 24 | sizeof(long) << 16 | sizeof(size_t) << 8 | \
                sizeof(int64_t)))

typedef struct kvd_module_api kvd_module_api_t; /* server functions, see below */
typedef struct kvd_module kvd_module_t;

/* Hook results: 0 = success; negative = failure, the loader logs and unloads. */
typedef int kvd_module_init_fn(const kvd_module_api_t *api, const char *options);
typedef void kvd_module_exit_fn(void);

struct kvd_module {
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t signature;   /* KVD_MODULE_SIGNATURE as the module saw it */
    uint32_t struct_size; /* sizeof(kvd_module_t) as the module saw it */
    const char *name;     /* short name: "acl", "tls", "lua" */
    const char *version;  /* the module's own version text */

    kvd_module_init_fn *init_master;  /* in the master, before fork; may be NULL */
    kvd_module_init_fn *init_worker;  /* in each worker, after fork; may be NULL */
    kvd_module_exit_fn *exit_worker;  /* in each worker at graceful stop; may be NULL */

    void *reserved[16]; /* for hooks added within this major version: zero */
};

#define KVD_MODULE_HEADER                                                      \
    KVD_MODULE_ABI_MAJOR, KVD_MODULE_ABI_MINOR, KVD_MODULE_SIGNATURE, sizeof(kvd_module_t)

/* The symbol every module exports. */
#define KVD_MODULE_SYMBOL "kvd_module"

#ifdef __cplusplus
}
#endif

#endif /* KVD_MODULE_H */

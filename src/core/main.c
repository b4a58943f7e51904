/*
 * main.c - the kvd command line.
 *
 *   kvd [-c FILE]        run (built-in defaults when no file is given)
 *   kvd -t [-c FILE]     validate the configuration and exit 0 or 1
 *   kvd -s SIGNAL        reload | stop | reopen: signal the running master
 *   kvd -v | -h
 */
#include "auto_config.h"
#include "core/config.h"
#include "core/log.h"
#include "cmd/command.h"
#include "os/unix/process.h"

#include <getopt.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: kvd [-c FILE] [-t] [-s SIGNAL] [-v] [-h]\n"
            "\n"
            "  -c FILE    read the configuration from FILE (YAML; see kvd.yaml(5));\n"
            "             without -c, built-in defaults serve on 127.0.0.1:6379\n"
            "  -t         test the configuration and exit\n"
            "  -s SIGNAL  send a signal to the running master: reload, stop, reopen\n"
            "  -v         print the version and exit\n"
            "  -h         print this help and exit\n");
}

/* Relative paths are taken from the directory kvd was started in; make them
 * absolute because the master later changes into `dir`. */
static void make_absolute(char **field)
{
    if (*field == NULL || (*field)[0] == '\0' || (*field)[0] == '/')
        return;
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return;
    size_t n = strlen(cwd) + strlen(*field) + 2;
    char *abs = kvd_malloc(n);
    snprintf(abs, n, "%s/%s", cwd, *field);
    kvd_config_set_string(field, abs);
    kvd_free(abs);
}

static int load_config(const char *path, kvd_config_t *cfg)
{
    kvd_config_defaults(cfg);
    if (path == NULL)
        return 0;
    char err[KVD_CONFIG_ERR_LEN];
    if (kvd_config_load(path, cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "kvd: %s\n", err);
        return -1;
    }
    /* Workers re-read the file on SIGHUP after changing directory. */
    char *abs = realpath(path, NULL);
    if (abs != NULL) {
        kvd_config_set_string(&cfg->source, abs);
        free(abs);
    }
    make_absolute(&cfg->pidfile);
    make_absolute(&cfg->log_file);
    return 0;
}

static int run(kvd_config_t *cfg)
{
    kvd_log_set_level((kvd_log_level_t)cfg->log_level);
    if (cfg->daemonize && kvd_daemonize() < 0) {
        fprintf(stderr, "kvd: cannot daemonize: %s\n", strerror(errno));
        return 1;
    }
    if (kvd_log_open(cfg->log_file) < 0) {
        fprintf(stderr, "kvd: cannot open log file %s: %s\n", cfg->log_file, strerror(errno));
        return 1;
    }
    kvd_log_echo_warnings(true);
    kvd_commands_init();
    if (cfg->dir && cfg->dir[0] && chdir(cfg->dir) < 0) {
        kvd_log_warning("Can't chdir to '%s': %s", cfg->dir, strerror(errno));
        return 1;
    }
    kvd_log_notice("kvd %s starting (Redis %s compatible), configuration: %s", PACKAGE_VERSION,
                   KVD_REDIS_COMPAT_VERSION, cfg->source ? cfg->source : "built-in defaults");
    return kvd_master_run(cfg);
}

int main(int argc, char **argv)
{
    const char *conf = NULL, *sig = NULL;
    bool test = false;
    int opt;
    while ((opt = getopt(argc, argv, "c:s:tvh")) != -1) {
        switch (opt) {
        case 'c': conf = optarg; break;
        case 's': sig = optarg; break;
        case 't': test = true; break;
        case 'v': printf("kvd version %s (Redis %s compatible)\n", PACKAGE_VERSION,
                         KVD_REDIS_COMPAT_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kvd: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 1;
    }
    kvd_config_t cfg;
    if (load_config(conf, &cfg) < 0) {
        if (test)
            fprintf(stderr, "kvd: configuration file %s test failed\n", conf);
        return 1;
    }
    int rc;
    if (test) {
        printf("kvd: the configuration file %s syntax is ok\n", conf ? conf : "(built-in defaults)");
        printf("kvd: configuration file %s test is successful\n", conf ? conf : "(built-in defaults)");
        rc = 0;
    } else if (sig != NULL) {
        rc = kvd_signal_master(&cfg, sig);
    } else {
        rc = run(&cfg);
    }
    kvd_config_free(&cfg);
    return rc;
}

/* newsmill keygen: CurveZMQ key pairs for hosts and workers (nm_curve.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "nm_curve.h"

static void usage(FILE *out)
{
    fprintf(out,
        "usage: newsmill keygen [--force] NAME...\n"
        "       newsmill keygen --public SECRET_FILE\n"
        "\n"
        "Write a CURVE key pair per NAME: NAME.secret (mode 0600; never overwritten\n"
        "without --force) and NAME.public, each holding one Z85 key. Prints\n"
        "\"NAME PUBLIC_KEY\" per pair: the line to append to the servers'\n"
        "curve.allowed_clients_file (for a client key) or the value of\n"
        "curve.server_public_key (for the server key). --public prints the public\n"
        "key of an existing secret key file.\n");
}

int cmd_keygen(int argc, char **argv, nm_config_t *cfg)
{
    (void)cfg;
    static const struct option longopts[] = {
        { "force", no_argument, NULL, 'f' },
        { "public", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool force = false;
    const char *secret_file = NULL;
    int c;
    while ((c = cli_getopt("keygen", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'f': force = true; break;
        case 'p': secret_file = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (secret_file) {   /* --public SECRET_FILE, alone */
        if (force || optind < argc) {
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
        char sec[NM_CURVE_KEYLEN + 1], pub[NM_CURVE_KEYLEN + 1], err[512] = "";
        if (nm_curve_load_key(secret_file, sec, err, sizeof err) < 0 || nm_curve_public(sec, pub) < 0) {
            fprintf(stderr, "newsmill keygen: %s\n", err[0] ? err : "not a secret key");
            return CLI_EXIT_FAIL;
        }
        memset(sec, 0, sizeof sec);
        printf("%s\n", pub);
        return CLI_EXIT_OK;
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    int rc = CLI_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        char pub[NM_CURVE_KEYLEN + 1], err[512];
        if (nm_curve_write_keypair(argv[i], force, pub, err, sizeof err) < 0) {
            fprintf(stderr, "newsmill keygen: %s\n", err);
            rc = CLI_EXIT_FAIL;
            continue;
        }
        printf("%s %s\n", argv[i], pub);
    }
    return rc;
}

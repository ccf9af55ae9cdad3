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
    bool force = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (!strcmp(argv[first], "--help") || !strcmp(argv[first], "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(argv[first], "--force")) {
            force = true;
        } else if (!strcmp(argv[first], "--public") && first + 1 < argc && first + 2 == argc) {
            char sec[NM_CURVE_KEYLEN + 1], pub[NM_CURVE_KEYLEN + 1], err[512];
            if (nm_curve_load_key(argv[first + 1], sec, err, sizeof err) < 0 ||
                nm_curve_public(sec, pub) < 0) {
                fprintf(stderr, "newsmill keygen: %s\n", err[0] ? err : "not a secret key");
                return CLI_EXIT_FAIL;
            }
            memset(sec, 0, sizeof sec);
            printf("%s\n", pub);
            return CLI_EXIT_OK;
        } else {
            fprintf(stderr, "newsmill keygen: unknown option '%s'\n", argv[first]);
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (first >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    int rc = CLI_EXIT_OK;
    for (int i = first; i < argc; i++) {
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

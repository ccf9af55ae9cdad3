/* newsmill db migrate: apply the schema migrations built into the binary. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "pub_db.h"
#include "pub_migrations.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: newsmill db migrate\n"
                 "\n"
                 "Apply the schema migrations not yet recorded in the database (database.url),\n"
                 "in order, each in its own transaction; prints each one applied. Running it\n"
                 "again is harmless. The publisher also migrates when it starts.\n");
}

static void print_applied(const char *name, void *ctx)
{
    (void)ctx;
    printf("applied %s\n", name);
}

int cmd_db(int argc, char **argv, nm_config_t *cfg)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc != 2 || strcmp(argv[1], "migrate") != 0) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    char err[512];
    pub_policy_t policy;
    pub_policy_from_config(&policy, cfg);
    pub_db_t *db = pub_db_new(cfg->database.url, &policy, err, sizeof err);
    if (!db) {
        fprintf(stderr, "newsmill db: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    int n = pub_db_migrate(db, print_applied, NULL, err, sizeof err);
    pub_db_destroy(&db);
    if (n < 0) {
        fprintf(stderr, "newsmill db migrate: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    printf("schema up to date (%d applied, %d known)\n", n, pub_migrations_count);
    return CLI_EXIT_OK;
}

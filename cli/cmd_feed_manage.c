/* newsmill feed add | list | remove: the feeds the publisher polls. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pub_db.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: newsmill feed add URL [--title T] [--interval SECONDS]\n"
                 "       newsmill feed list\n"
                 "       newsmill feed remove URL|ID\n"
                 "\n"
                 "add     a feed to poll, first poll due now (interval default: publisher.feed_poll_seconds);\n"
                 "        adding a URL that is already there changes nothing and says so\n"
                 "list    id, URL, title, interval, next poll, errors, last error\n"
                 "remove  stop polling a feed; articles already found stay\n");
}

static pub_db_t *open_db(const nm_config_t *cfg)
{
    char err[512];
    pub_policy_t policy;
    pub_policy_from_config(&policy, cfg);
    pub_db_t *db = pub_db_new(cfg->database.url, &policy, err, sizeof err);
    if (!db)
        fprintf(stderr, "newsmill feed: %s\n", err);
    return db;
}

static int feed_add(int argc, char **argv, const nm_config_t *cfg)
{
    const char *url = NULL, *title = NULL;
    long interval = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--title") && i + 1 < argc) {
            title = argv[++i];
        } else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
            char *end;
            errno = 0;
            interval = strtol(argv[++i], &end, 10);
            if (errno || *end || interval < 60 || interval > 30L * 86400) {
                fprintf(stderr, "newsmill feed add: --interval wants seconds between 60 and 2592000\n");
                return CLI_EXIT_USAGE;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "newsmill feed add: unknown option '%s'\n", argv[i]);
            return CLI_EXIT_USAGE;
        } else if (!url) {
            url = argv[i];
        } else {
            fprintf(stderr, "newsmill feed add: one URL at a time\n");
            return CLI_EXIT_USAGE;
        }
    }
    if (!url) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    pub_db_t *db = open_db(cfg);
    if (!db)
        return CLI_EXIT_FAIL;
    char err[512];
    int64_t id = 0;
    bool created = false;
    int rc = pub_db_feed_add(db, url, title, (int)interval, &id, &created, err, sizeof err);
    pub_db_destroy(&db);
    if (rc < 0) {
        fprintf(stderr, "newsmill feed add: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    if (created)
        printf("added feed %" PRId64 ": %s\n", id, url);
    else
        printf("feed %" PRId64 " already exists: %s\n", id, url);
    return CLI_EXIT_OK;
}

static int feed_list(const nm_config_t *cfg)
{
    pub_db_t *db = open_db(cfg);
    if (!db)
        return CLI_EXIT_FAIL;
    char err[512];
    PGresult *r = pub_db_query(db,
        "SELECT id, url, coalesce(title, ''), poll_interval,"
        "   to_char(next_poll AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), error_count,"
        "   coalesce(replace(left(last_error, 60), E'\\n', ' '), '')"
        " FROM feeds ORDER BY id", 0, NULL, err, sizeof err);
    pub_db_destroy(&db);
    if (!r) {
        fprintf(stderr, "newsmill feed list: %s%s\n", err,
                strstr(err, "does not exist") ? " (run 'newsmill db migrate')" : "");
        return CLI_EXIT_FAIL;
    }
    printf("%-5s %-50s %-30s %8s %-19s %6s %s\n", "ID", "URL", "TITLE", "INTERVAL",
           "NEXT POLL (UTC)", "ERRORS", "LAST ERROR");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-5s %-50s %-30.30s %8s %-19s %6s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
               PQgetvalue(r, i, 6));
    if (PQntuples(r) == 0)
        printf("(no feeds: add one with 'newsmill feed add URL')\n");
    PQclear(r);
    return CLI_EXIT_OK;
}

static int feed_remove(int argc, char **argv, const nm_config_t *cfg)
{
    if (argc != 2 || argv[1][0] == '-') {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    pub_db_t *db = open_db(cfg);
    if (!db)
        return CLI_EXIT_FAIL;
    char err[512];
    int rc = pub_db_feed_remove(db, argv[1], err, sizeof err);
    pub_db_destroy(&db);
    if (rc < 0) {
        fprintf(stderr, "newsmill feed remove: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    if (rc == 0) {
        fprintf(stderr, "newsmill feed remove: no such feed: %s\n", argv[1]);
        return CLI_EXIT_FAIL;
    }
    printf("removed feed %s\n", argv[1]);
    return CLI_EXIT_OK;
}

int cmd_feed_manage(int argc, char **argv, nm_config_t *cfg)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
    if (argc >= 1 && !strcmp(argv[0], "add"))
        return feed_add(argc, argv, cfg);
    if (argc == 1 && !strcmp(argv[0], "list"))
        return feed_list(cfg);
    if (argc >= 1 && !strcmp(argv[0], "remove"))
        return feed_remove(argc, argv, cfg);
    usage(stderr);
    return CLI_EXIT_USAGE;
}

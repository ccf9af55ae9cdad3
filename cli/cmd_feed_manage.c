/* newsmill feed add | list | remove: the feeds the publisher polls. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pub_db.h"
#include "pub_feeds.h"

#define MAX_PATTERNS 32

static void usage(FILE *out)
{
    fprintf(out, "usage: newsmill feed add URL [--title T] [--interval SECONDS] [--include RE]... [--exclude RE]...\n"
                 "       newsmill feed list\n"
                 "       newsmill feed remove URL|ID\n"
                 "       newsmill feed import FILE.opml\n"
                 "       newsmill feed export > FILE.opml\n"
                 "\n"
                 "add     a feed to poll, first poll due now. Without --interval the interval adapts to\n"
                 "        how often the feed publishes (publisher.feed_min/max_poll_seconds);\n"
                 "        adding a URL that is already there changes nothing and says so, except\n"
                 "        that --include/--exclude given again replace that feed's rules.\n"
                 "        --include RE: keep only entries whose title or summary matches RE\n"
                 "        (a case-insensitive PostgreSQL regular expression, e.g. 'China|Beijing');\n"
                 "        --exclude RE: drop entries that match. Both repeatable; dropped entries are counted.\n"
                 "list    id, URL, title, interval, next poll, errors, filtered entries, rules, last error\n"
                 "remove  stop polling a feed; articles already found stay\n"
                 "import  add every feed of an OPML file (idempotent)\n"
                 "export  the feeds and their rules as OPML 2.0 on stdout\n");
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
    char *inc[MAX_PATTERNS], *exc[MAX_PATTERNS];
    size_t ninc = 0, nexc = 0;
    long interval = 0;
    static const struct option longopts[] = {
        { "title", required_argument, NULL, 't' },    { "include", required_argument, NULL, 'i' },
        { "exclude", required_argument, NULL, 'x' },  { "interval", required_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = cli_getopt("feed add", argc, argv, "", longopts)) != -1) {
        switch (c) {
        case 't': title = optarg; break;
        case 'i':
        case 'x':
            if ((c == 'i' ? ninc : nexc) >= MAX_PATTERNS || !optarg[0]) {
                fprintf(stderr, "newsmill feed add: --%s wants a non-empty pattern (at most %d)\n",
                        c == 'i' ? "include" : "exclude", MAX_PATTERNS);
                return CLI_EXIT_USAGE;
            }
            if (c == 'i')
                inc[ninc++] = optarg;
            else
                exc[nexc++] = optarg;
            break;
        case 'n': {
            char *end;
            errno = 0;
            interval = strtol(optarg, &end, 10);
            if (errno || *end || interval < 60 || interval > 30L * 86400) {
                fprintf(stderr, "newsmill feed add: --interval wants seconds between 60 and 2592000\n");
                return CLI_EXIT_USAGE;
            }
            break;
        }
        default: return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "newsmill feed add: one URL at a time\n");
        return CLI_EXIT_USAGE;
    }
    url = argv[optind];
    pub_db_t *db = open_db(cfg);
    if (!db)
        return CLI_EXIT_FAIL;
    char err[512];
    int64_t id = 0;
    bool created = false;
    /* check the rules before the feed exists: a typo must not leave a feed that keeps everything */
    if ((ninc && pub_feeds_check_patterns(db, inc, ninc, err, sizeof err) < 0) ||
        (nexc && pub_feeds_check_patterns(db, exc, nexc, err, sizeof err) < 0)) {
        pub_db_destroy(&db);
        fprintf(stderr, "newsmill feed add: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    int rc = pub_db_feed_add(db, url, title, (int)interval, &id, &created, err, sizeof err);
    if (rc == 0 && (ninc || nexc))
        rc = pub_feeds_set_rules(db, id, inc, ninc, exc, nexc, ninc > 0, nexc > 0, err, sizeof err);
    pub_db_destroy(&db);
    if (rc < 0) {
        fprintf(stderr, "newsmill feed add: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    if (created)
        printf("added feed %" PRId64 ": %s\n", id, url);
    else
        printf("feed %" PRId64 " already exists: %s%s\n", id, url, (ninc || nexc) ? " (rules updated)" : "");
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
        "   coalesce(replace(left(last_error, 60), E'\\n', ' '), ''), entries_filtered,"
        "   concat_ws(' ', CASE WHEN cardinality(include_patterns) > 0"
        "                  THEN 'include=' || array_to_string(include_patterns, ',') END,"
        "                  CASE WHEN cardinality(exclude_patterns) > 0"
        "                  THEN 'exclude=' || array_to_string(exclude_patterns, ',') END)"
        " FROM feeds ORDER BY id", 0, NULL, err, sizeof err);
    pub_db_destroy(&db);
    if (!r) {
        fprintf(stderr, "newsmill feed list: %s%s\n", err,
                strstr(err, "does not exist") ? " (run 'newsmill db migrate')" : "");
        return CLI_EXIT_FAIL;
    }
    printf("%-5s %-50s %-30s %8s %-19s %6s %8s %s\n", "ID", "URL", "TITLE", "INTERVAL",
           "NEXT POLL (UTC)", "ERRORS", "FILTERED", "LAST ERROR");
    for (int i = 0; i < PQntuples(r); i++) {
        printf("%-5s %-50s %-30.30s %8s %-19s %6s %8s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
               PQgetvalue(r, i, 7), PQgetvalue(r, i, 6));
        if (*PQgetvalue(r, i, 8))
            printf("      rules: %s\n", PQgetvalue(r, i, 8));
    }
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
    if (argc >= 1 && !strcmp(argv[0], "import"))
        return cli_feed_import(argc, argv, cfg);
    if (argc >= 1 && !strcmp(argv[0], "export"))
        return cli_feed_export(argc, argv, cfg);
    usage(stderr);
    return CLI_EXIT_USAGE;
}

/* newsmill status: what the pipeline is doing, from the database. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pub_db.h"

#define COL_MAX 60   /* wider values are cut in the table (not in --json) */

static void usage(FILE *out)
{
    fprintf(out, "usage: newsmill status [--json]\n"
                 "\n"
                 "Jobs by kind and state, the latest 20 failed or dead jobs with their\n"
                 "reasons, per-feed health, and article and summary counts.\n"
                 "--json  one JSON object instead of tables\n");
}

typedef struct {
    const char *key;     /* JSON member */
    const char *title;   /* table heading */
    const char *sql;
} section_t;

static const section_t sections[] = {
    { "jobs", "Jobs",
      "SELECT kind, state, count FROM job_counts ORDER BY kind, state" },
    { "problems", "Failed and dead jobs (latest 20)",
      "SELECT id, kind, state, attempt, url, coalesce(last_error, '') AS reason,"
      " to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS at"
      " FROM jobs WHERE state IN ('failed', 'dead') ORDER BY updated_at DESC, id DESC LIMIT 20" },
    { "feeds", "Feeds",
      "SELECT id, url, health, error_count AS errors, entries, articles,"
      " to_char(last_polled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS last_poll,"
      " to_char(next_poll AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS next_poll,"
      " coalesce(last_error, '') AS last_error FROM feed_health ORDER BY id" },
    { "totals", "Totals",
      "SELECT (SELECT count(*) FROM articles) AS articles,"
      " (SELECT count(*) FROM summaries) AS summaries,"
      " (SELECT count(DISTINCT id) FROM todays_articles) AS articles_today,"
      " (SELECT count(*) FROM digests) AS digests" },
};

static int is_numeric_type(Oid t) { return t == 20 || t == 21 || t == 23 || t == 700 || t == 701 || t == 1700; }

static json_t *as_json(PGresult *r)
{
    json_t *rows = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *o = json_object();
        for (int c = 0; c < PQnfields(r); c++) {
            json_t *v;
            if (PQgetisnull(r, i, c))
                v = json_null();
            else if (is_numeric_type(PQftype(r, c)))
                v = json_integer(strtoll(PQgetvalue(r, i, c), NULL, 10));
            else
                v = json_string(PQgetvalue(r, i, c));
            json_object_set_new(o, PQfname(r, c), v ? v : json_null());
        }
        json_array_append_new(rows, o);
    }
    return rows;
}

static void print_table(const char *title, PGresult *r)
{
    int nf = PQnfields(r), nt = PQntuples(r);
    printf("%s\n", title);
    if (nt == 0) {
        printf("  (none)\n\n");
        return;
    }
    int *w = calloc((size_t)nf, sizeof *w);
    if (!w)
        return;
    for (int c = 0; c < nf; c++) {
        w[c] = (int)strlen(PQfname(r, c));
        for (int i = 0; i < nt; i++) {
            int len = PQgetlength(r, i, c);
            if (len > w[c])
                w[c] = len > COL_MAX ? COL_MAX : len;
        }
    }
    printf(" ");
    for (int c = 0; c < nf; c++)
        printf(" %-*s", w[c], PQfname(r, c));
    printf("\n");
    for (int i = 0; i < nt; i++) {
        printf(" ");
        for (int c = 0; c < nf; c++)
            printf(" %-*.*s", w[c], COL_MAX, PQgetvalue(r, i, c));
        printf("\n");
    }
    printf("\n");
    free(w);
}

int cmd_status(int argc, char **argv, nm_config_t *cfg)
{
    bool json = false;
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = cli_getopt("status", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "newsmill status: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    char err[512];
    pub_policy_t policy;
    pub_policy_from_config(&policy, cfg);
    pub_db_t *db = pub_db_new(cfg->database.url, &policy, err, sizeof err);
    if (!db) {
        fprintf(stderr, "newsmill status: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    json_t *out = json ? json_object() : NULL;
    int rc = CLI_EXIT_OK;
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        PGresult *r = pub_db_query(db, sections[s].sql, 0, NULL, err, sizeof err);
        if (!r) {
            fprintf(stderr, "newsmill status: %s: %s%s\n", sections[s].key, err,
                    strstr(err, "does not exist") ? " (run 'newsmill db migrate')" : "");
            rc = CLI_EXIT_FAIL;
            break;
        }
        if (json) {
            json_t *rows = as_json(r);
            if (!strcmp(sections[s].key, "totals") && json_array_size(rows) == 1)
                json_object_set(out, "totals", json_array_get(rows, 0));
            else
                json_object_set(out, sections[s].key, rows);
            json_decref(rows);
        } else {
            print_table(sections[s].title, r);
        }
        PQclear(r);
    }
    if (json && rc == CLI_EXIT_OK)
        cli_print_json(out);
    json_decref(out);
    pub_db_destroy(&db);
    return rc;
}

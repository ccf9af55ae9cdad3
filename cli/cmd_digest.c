/* newsmill digest: one day's digest from the database, to stdout. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pub_daily.h"
#include "pub_db.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: newsmill digest --date YYYY-MM-DD [--lang L] [--format md]\n"
                 "\n"
                 "Builds the digest of the articles of one calendar day (publication time,\n"
                 "else fetch time, in digest.timezone) with their summaries (in language L\n"
                 "when there is one), prints it, and stores it in the digests table.\n"
                 "Formats: md (html and atom are not available yet).\n");
}

static bool valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static bool valid_lang(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 16)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '-' || *c == '_'))
            return false;
    return true;
}

int cmd_digest(int argc, char **argv, nm_config_t *cfg)
{
    const char *date = NULL, *lang = NULL, *format = "md";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(argv[i], "--date") && i + 1 < argc) {
            date = argv[++i];
        } else if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
            lang = argv[++i];
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            format = argv[++i];
        } else {
            fprintf(stderr, "newsmill digest: unknown or incomplete argument '%s'\n", argv[i]);
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (!date || !valid_date(date)) {
        fprintf(stderr, "newsmill digest: --date YYYY-MM-DD is required%s\n", date ? " (bad date)" : "");
        return CLI_EXIT_USAGE;
    }
    if (lang && !valid_lang(lang)) {
        fprintf(stderr, "newsmill digest: --lang wants a language tag such as en or zh-CN\n");
        return CLI_EXIT_USAGE;
    }
    if (strcmp(format, "md") != 0) {
        fprintf(stderr, "newsmill digest: format '%s' is not available yet (only md)\n", format);
        return CLI_EXIT_USAGE;
    }
    char err[512];
    pub_policy_t policy;
    pub_policy_from_config(&policy, cfg);
    pub_db_t *db = pub_db_new(cfg->database.url, &policy, err, sizeof err);
    if (!db) {
        fprintf(stderr, "newsmill digest: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    char *md = NULL;
    size_t n = 0;
    int rc = pub_daily_digest_md(db, date, lang, cfg->digest.timezone, cfg->digest.title,
                                 cfg->digest.words_per_minute, &md, &n, err, sizeof err);
    pub_db_destroy(&db);
    if (rc < 0) {
        fprintf(stderr, "newsmill digest: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    fputs(md, stdout);
    if (md[0] && md[strlen(md) - 1] != '\n')
        fputc('\n', stdout);
    free(md);
    return CLI_EXIT_OK;
}

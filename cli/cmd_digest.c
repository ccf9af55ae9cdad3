/* newsmill digest: one day's digest from the database, to stdout. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_log.h"
#include "pub_daily.h"
#include "pub_db.h"
#include "summ_llm.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: newsmill digest --date YYYY-MM-DD [--lang L] [--format md|html|atom]\n"
                 "                       [--offline] [--write]\n"
                 "\n"
                 "Builds the digest of the articles of one calendar day (publication time,\n"
                 "else fetch time, in digest.timezone) with their summaries (in language L\n"
                 "when there is one), stores it (Markdown and HTML) in the digests table and\n"
                 "prints it. Stories covered by several outlets are assigned first.\n"
                 "With an LLM configured ([llm]), the overview and commentary come from it\n"
                 "(deploy/prompts/overview.txt, commentary.txt); if it fails, the digest is\n"
                 "printed without them and the reason goes to stderr.\n"
                 "\n"
                 "  --format md     Markdown (default)\n"
                 "  --format html   one self-contained HTML page\n"
                 "  --format atom   Atom feed of the last digest.feed_days stored digests in L\n"
                 "  --offline       do not call the LLM\n"
                 "  --write         also write the files to digest.output_dir\n");
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
    bool offline = false, write_files = false;
    static const struct option longopts[] = {
        { "date", required_argument, NULL, 'd' },   { "lang", required_argument, NULL, 'l' },
        { "format", required_argument, NULL, 'f' }, { "offline", no_argument, NULL, 'o' },
        { "write", no_argument, NULL, 'w' },        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = cli_getopt("digest", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'd': date = optarg; break;
        case 'l': lang = optarg; break;
        case 'f': format = optarg; break;
        case 'o': offline = true; break;
        case 'w': write_files = true; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "newsmill digest: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!date || !valid_date(date)) {
        fprintf(stderr, "newsmill digest: --date YYYY-MM-DD is required%s\n", date ? " (bad date)" : "");
        return CLI_EXIT_USAGE;
    }
    if (lang && !valid_lang(lang)) {
        fprintf(stderr, "newsmill digest: --lang wants a language tag such as en or zh-CN\n");
        return CLI_EXIT_USAGE;
    }
    if (strcmp(format, "md") != 0 && strcmp(format, "html") != 0 && strcmp(format, "atom") != 0) {
        fprintf(stderr, "newsmill digest: unknown format '%s' (md, html or atom)\n", format);
        return CLI_EXIT_USAGE;
    }
    if (write_files && !(cfg->digest.output_dir && *cfg->digest.output_dir)) {
        fprintf(stderr, "newsmill digest: --write needs digest.output_dir\n");
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
    summ_llm_t *llm = NULL;
    char *key = NULL;
    if (!offline && summ_llm_configured(cfg)) {
        summ_llm_opts_t lo;
        if (summ_llm_opts_from_config(&lo, cfg, &key, err, sizeof err) == 0) {
            lo.api_key = key;
            llm = summ_llm_new(&lo, err, sizeof err);
        }
        if (!llm)
            fprintf(stderr, "newsmill digest: LLM unavailable, no overview or commentary: %s\n", err);
    }
    pub_story_opts_t so = {.window_days = cfg->digest.story_window_days,
                           .max_hamming = cfg->digest.story_max_hamming};
    pub_daily_opts_t o = {.date = date, .lang = lang, .tz = cfg->digest.timezone,
                          .title = cfg->digest.title, .words_per_minute = cfg->digest.words_per_minute,
                          .llm = llm, .story_limit = 1000000, .story = &so};
    pub_daily_result_t res;
    int rc = pub_daily_build(db, &o, &res, err, sizeof err);
    summ_llm_destroy(&llm);
    if (key) {
        memset(key, 0, strlen(key));
        free(key);
    }
    if (rc < 0) {
        pub_db_destroy(&db);
        fprintf(stderr, "newsmill digest: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    if (res.llm_error)
        fprintf(stderr, "newsmill digest: built without LLM parts: %s\n", res.llm_error);
    char *atom = NULL;
    pub_atom_opts_t ao = {.title = cfg->digest.title, .base_url = cfg->digest.base_url,
                          .language = lang ? lang : ""};
    if ((!strcmp(format, "atom") || write_files) &&
        pub_daily_atom(db, lang ? lang : "", cfg->digest.feed_days, &ao, &atom, err, sizeof err) < 0) {
        pub_db_destroy(&db);
        pub_daily_result_free(&res);
        fprintf(stderr, "newsmill digest: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    pub_db_destroy(&db);
    int status = CLI_EXIT_OK;
    if (write_files) {
        char name[128];
        const char *dir = cfg->digest.output_dir;
        pub_digest_file_name(name, sizeof name, date, lang, "md");
        if (pub_daily_write_file(dir, name, res.md, err, sizeof err) < 0) status = CLI_EXIT_FAIL;
        pub_digest_file_name(name, sizeof name, date, lang, "html");
        if (status == 0 && pub_daily_write_file(dir, name, res.html, err, sizeof err) < 0) status = CLI_EXIT_FAIL;
        pub_digest_file_name(name, sizeof name, "feed", lang, "atom");
        if (status == 0 && pub_daily_write_file(dir, name, atom, err, sizeof err) < 0) status = CLI_EXIT_FAIL;
        if (status) fprintf(stderr, "newsmill digest: %s\n", err);
    }
    const char *out = !strcmp(format, "html") ? res.html : !strcmp(format, "atom") ? atom : res.md;
    fputs(out, stdout);
    if (out[0] && out[strlen(out) - 1] != '\n')
        fputc('\n', stdout);
    free(atom);
    pub_daily_result_free(&res);
    return status;
}

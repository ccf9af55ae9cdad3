/* newsmill resummarize: LLM summaries for stored articles that lack one
 * (the LLM was down, not configured yet, or the model changed language).
 *
 * An article qualifies when it was published (else fetched) on or after
 * --since, in digest.timezone, and has no summary with a backend "llm:%" in
 * llm.target_language. Requests run llm.concurrency at a time within
 * llm.requests_per_minute. Each answer is written at once, idempotently by
 * (article, backend, language), and the article's "llm_pending" marker for
 * that language is removed in the same statement; so an interrupted run
 * loses nothing and a rerun picks up the rest. */
#include "cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pub_db.h"
#include "summ_llm.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: newsmill resummarize --since YYYY-MM-DD [--limit N] [--dry-run]\n"
                 "\n"
                 "Ask the configured LLM ([llm] in the configuration) for the summary of every\n"
                 "article since the date that has none in llm.target_language (for example\n"
                 "those marked llm_pending while the LLM was unreachable), and store it.\n"
                 "--since D   articles published (else fetched) on or after D (digest.timezone)\n"
                 "--limit N   at most N articles, oldest first\n"
                 "--dry-run   list the articles that would be summarized, ask nothing\n"
                 "Exit status: 0 when every article got its summary, 1 otherwise.\n");
}

typedef struct {
    pub_db_t *db;
    const char *id;
    const char *url;
    int *ok, *failed;
    long long *tokens;
} job_t;

static const char *SQL_STORE =
    "WITH gone AS (DELETE FROM summaries WHERE article_id = $1::bigint AND backend = 'llm_pending'"
    "                AND language = $3)"
    " INSERT INTO summaries (article_id, backend, language, title, summary, topics, tokens_used)"
    " VALUES ($1::bigint, $2, $3, nullif($4, ''), $5, ARRAY(SELECT json_array_elements_text($6::json)), $7::int)"
    " ON CONFLICT (article_id, backend, language) DO UPDATE SET title = EXCLUDED.title,"
    "   summary = EXCLUDED.summary, topics = EXCLUDED.topics, tokens_used = EXCLUDED.tokens_used,"
    "   created_at = now()";

static void on_answer(summ_llm_article_t *a, void *user)
{
    job_t *j = user;
    *j->tokens += a->tokens_used;
    if (a->status != SUMM_LLM_OK) {
        fprintf(stderr, "newsmill resummarize: %s: %s\n", j->url, a->error ? a->error : "failed");
        (*j->failed)++;
        summ_llm_article_destroy(&a);
        return;
    }
    json_t *topics = json_array();
    for (size_t i = 0; i < a->ntopics; i++)
        json_array_append_new(topics, json_string(a->topics[i]));
    char *tj = json_dumps(topics, JSON_COMPACT);
    json_decref(topics);
    char tokens[16];
    snprintf(tokens, sizeof tokens, "%d", a->tokens_used);
    const char *p[7] = { j->id, a->backend, a->language, a->title, a->summary, tj, tokens };
    char err[512];
    PGresult *r = pub_db_query(j->db, SQL_STORE, 7, p, err, sizeof err);
    if (!r) {
        fprintf(stderr, "newsmill resummarize: %s: not stored: %s\n", j->url, err);
        (*j->failed)++;
    } else {
        fprintf(stderr, "newsmill resummarize: %s: %s (%d tokens)\n", j->url, a->title, a->tokens_used);
        (*j->ok)++;
        PQclear(r);
    }
    free(tj);
    summ_llm_article_destroy(&a);
}

static int valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int cmd_resummarize(int argc, char **argv, nm_config_t *cfg)
{
    static const struct option longopts[] = {
        { "since", required_argument, NULL, 's' }, { "limit", required_argument, NULL, 'n' },
        { "dry-run", no_argument, NULL, 'd' },     { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *since = NULL, *limit = NULL;
    int dry = 0, c;
    while ((c = cli_getopt("resummarize", argc, argv, "hs:n:", longopts)) != -1) {
        switch (c) {
        case 's': since = optarg; break;
        case 'n': limit = optarg; break;
        case 'd': dry = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc || !since || !valid_date(since)) {
        fprintf(stderr, "newsmill resummarize: --since YYYY-MM-DD is required\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (*end || n <= 0) {
            fprintf(stderr, "newsmill resummarize: --limit takes a positive number\n");
            return CLI_EXIT_USAGE;
        }
    }
    if (!summ_llm_configured(cfg)) {
        fprintf(stderr, "newsmill resummarize: no LLM configured (set llm.base_url; see docs/llm.md)\n");
        return CLI_EXIT_FAIL;
    }

    char err[512];
    summ_llm_opts_t lo;
    char *key = NULL;
    summ_llm_t *llm = NULL;
    if (summ_llm_opts_from_config(&lo, cfg, &key, err, sizeof err) < 0 ||
        !(llm = summ_llm_new(&lo, err, sizeof err))) {
        fprintf(stderr, "newsmill resummarize: %s\n", err);
        free(key);
        return CLI_EXIT_FAIL;
    }
    free(key);
    pub_policy_t policy;
    pub_policy_from_config(&policy, cfg);
    pub_db_t *db = pub_db_new(cfg->database.url, &policy, err, sizeof err);
    if (!db) {
        fprintf(stderr, "newsmill resummarize: %s\n", err);
        summ_llm_destroy(&llm);
        return CLI_EXIT_FAIL;
    }

    const char *lang = summ_llm_language(llm);
    const char *qp[4] = { since, cfg->digest.timezone, lang, limit };
    PGresult *r = pub_db_query(db,
        "SELECT a.id, coalesce(a.title, ''), a.text, a.canonical_url, coalesce(a.source_site, ''),"
        "       coalesce(a.language, '')"
        " FROM articles a"
        " WHERE coalesce(a.published_at, a.fetched_at) >= ($1::date)::timestamp AT TIME ZONE $2"
        "   AND NOT EXISTS (SELECT 1 FROM summaries s WHERE s.article_id = a.id AND s.language = $3"
        "                   AND s.backend LIKE 'llm:%')"
        " ORDER BY coalesce(a.published_at, a.fetched_at), a.id"
        " LIMIT $4::bigint",
        4, qp, err, sizeof err);
    if (!r) {
        fprintf(stderr, "newsmill resummarize: %s\n", err);
        pub_db_destroy(&db);
        summ_llm_destroy(&llm);
        return CLI_EXIT_FAIL;
    }
    int n = PQntuples(r), ok = 0, failed = 0;
    long long tokens = 0;
    if (dry) {
        for (int i = 0; i < n; i++)
            printf("%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 3), PQgetvalue(r, i, 1));
        printf("%d articles lack an LLM summary in %s\n", n, lang);
        PQclear(r);
        pub_db_destroy(&db);
        summ_llm_destroy(&llm);
        return CLI_EXIT_OK;
    }
    job_t *jobs = calloc((size_t)n + 1, sizeof *jobs);
    if (!jobs)
        nm_oom();
    for (int i = 0; i < n; i++) {
        jobs[i] = (job_t){ db, PQgetvalue(r, i, 0), PQgetvalue(r, i, 3), &ok, &failed, &tokens };
        summ_llm_article_in_t in = { .title = PQgetvalue(r, i, 1), .text = PQgetvalue(r, i, 2),
                                     .url = PQgetvalue(r, i, 3), .site = PQgetvalue(r, i, 4),
                                     .language = PQgetvalue(r, i, 5) };
        summ_llm_submit_article(llm, &in, on_answer, &jobs[i]);
    }
    summ_llm_run(llm, 0);
    printf("resummarized %d of %d articles (%d failed), %lld tokens, backend %s, language %s\n", ok, n, failed,
           tokens, summ_llm_backend(llm), lang);
    free(jobs);
    PQclear(r);
    pub_db_destroy(&db);
    summ_llm_destroy(&llm);
    return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

#include "pub_daily.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "nm_buf.h"
#include "nm_daemon.h"
#include "pub_digest.h"

typedef struct {
    char **topics;
    size_t n;
} topic_list_t;

static void parse_topics(const char *json, topic_list_t *t)
{
    t->topics = NULL;
    t->n = 0;
    json_t *a = json_loads(json, 0, NULL);
    if (json_is_array(a) && json_array_size(a) > 0) {
        t->topics = nm_calloc(json_array_size(a), sizeof *t->topics);
        for (size_t i = 0; i < json_array_size(a); i++) {
            const char *s = json_string_value(json_array_get(a, i));
            if (s)
                t->topics[t->n++] = nm_strdup(s);
        }
    }
    json_decref(a);
}

static const char *nz(const char *s) { return (s && *s) ? s : NULL; }

static const char *col(PGresult *r, int row, int c)
{
    return PQgetisnull(r, row, c) ? NULL : PQgetvalue(r, row, c);
}

int pub_daily_digest_md(pub_db_t *db, const char *date, const char *lang, const char *tz,
                     const char *title, int words_per_minute, char **out, size_t *narticles,
                     char *err, size_t errlen)
{
    *out = NULL;
    if (narticles)
        *narticles = 0;
    const char *p[3] = { date, nz(tz) ? tz : "UTC", lang ? lang : "" };
    PGresult *r = pub_db_query(db,
        "SELECT a.title, a.canonical_url, a.source_site, a.byline,"
        "   coalesce(extract(epoch FROM a.published_at)::bigint, 0), a.text, a.word_count,"
        "   s.summary, s.backend, s.title, coalesce(array_to_json(s.topics)::text, '[]')"
        " FROM articles a"
        " LEFT JOIN LATERAL (SELECT * FROM summaries s WHERE s.article_id = a.id"
        "   ORDER BY (s.language = $3) DESC, (s.backend LIKE 'llm:%') DESC, s.created_at DESC"
        "   LIMIT 1) s ON true"
        " WHERE (coalesce(a.published_at, a.fetched_at) AT TIME ZONE $2)::date = $1::date"
        " ORDER BY coalesce(a.published_at, a.fetched_at), a.id",
        3, p, err, errlen);
    if (!r)
        return -1;
    size_t n = (size_t)PQntuples(r);
    pub_digest_article_t *arts = n ? nm_calloc(n, sizeof *arts) : NULL;
    topic_list_t *topics = n ? nm_calloc(n, sizeof *topics) : NULL;
    for (size_t i = 0; i < n; i++) {
        int row = (int)i;
        pub_digest_article_t *a = &arts[i];
        a->title = col(r, row, 0) ? col(r, row, 0) : "";
        a->url = col(r, row, 1);
        a->source_site = col(r, row, 2);
        a->byline = col(r, row, 3);
        a->published_at = strtoll(PQgetvalue(r, row, 4), NULL, 10);
        a->text = col(r, row, 5) ? col(r, row, 5) : "";
        a->word_count = atoi(PQgetvalue(r, row, 6));
        a->summary = col(r, row, 7);
        a->summary_backend = col(r, row, 8);
        a->translated_title = col(r, row, 9);
        parse_topics(PQgetvalue(r, row, 10), &topics[i]);
        a->topics = (const char *const *)topics[i].topics;
        a->ntopics = topics[i].n;
    }
    pub_digest_opts_t opts = {
        .title = title ? title : "",
        .date = date,
        .generated_at = nm_time_s(),
        .words_per_minute = words_per_minute,
    };
    char *md = pub_digest_markdown(arts, n, &opts);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < topics[i].n; k++)
            free(topics[i].topics[k]);
        free(topics[i].topics);
    }
    free(topics);
    free(arts);
    PQclear(r);
    if (!md) {
        snprintf(err, errlen, "digest rendering failed");
        return -1;
    }
    const char *sp[3] = { date, lang ? lang : "", md };
    PGresult *w = pub_db_query(db, "INSERT INTO digests (date, language, format, body) VALUES ($1::date, $2, 'md', $3)"
              " ON CONFLICT (date, language, format) DO UPDATE SET body = EXCLUDED.body,"
              " created_at = now()",
          3, sp, err, errlen);
    if (!w) {
        free(md);
        return -1;
    }
    PQclear(w);
    if (narticles)
        *narticles = n;
    *out = md;
    return 0;
}

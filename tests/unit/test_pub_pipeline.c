/* pub_db_article_result's pipelined writes against a real PostgreSQL
 * (NEWSMILL_TEST_PG): an article's transaction goes out in a few round
 * trips (BEGIN + fence + story lock; the INSERT; story + summaries + job +
 * COMMIT). What must hold whatever fails inside a pipeline:
 *  - a statement PostgreSQL refuses late in the pipeline (a summary) takes
 *    the whole result with it (no article, no story, job failed with the
 *    reason), and the next results on the same connection are stored;
 *  - more summaries than one pipeline holds are all stored, in order (an
 *    LLM summary still removes the "LLM to do" marker sent before it);
 *  - when the story statement fails, the article is stored without its
 *    story and left to the story pass;
 *  - stale results interleaved with good ones change nothing;
 *  - pub_db_article_batch: results that arrive together are stored in one
 *    transaction with the same outcome each would get alone; when one of
 *    them fails, the others are stored all the same (one by one); a job
 *    seen twice ends the batch (the second copy is then stale). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nm_test.h"
#include "nm_test_pg.h"
#include "pub_db.h"

static PGconn *adm;

static const char *sqls(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *sqls(const char *fmt, ...)
{
    static char out[4096];
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    out[0] = '\0';
    PGresult *r = PQexec(adm, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
            snprintf(out, sizeof out, "%s", PQgetvalue(r, 0, 0));
    } else if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "SQL failed: %s\n%s", sql, PQresultErrorMessage(r));
        nm_test_failures++;
    }
    PQclear(r);
    return out;
}

static long sqln(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long sqln(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return strtol(sqls("%s", sql), NULL, 10);
}

/* A leased article job for url: its id and lease in *ref (token in tok). */
static int64_t leased_job(pub_db_t *db, const char *url, Newsmill__JobRef *ref, char tok[40])
{
    int64_t id = sqln("INSERT INTO jobs (kind, url, max_attempts) VALUES ('article', '%s', 3) RETURNING id", url);
    pub_job_t *jobs = NULL;
    size_t n = 0;
    char err[256];
    CHECK_INT(pub_db_lease(db, "t", 10, 60, &jobs, &n, err, sizeof err), 0);
    CHECK_INT(n, 1);
    newsmill__job_ref__init(ref);
    ref->job_id = id;
    snprintf(tok, 40, "%s", n == 1 ? jobs[0].lease_token : "none");
    ref->lease_token = tok;
    ref->attempt = 1;
    pub_jobs_free(&jobs, n);
    return id;
}

typedef struct {
    Newsmill__JobRef ref;
    char tok[40];
    Newsmill__Article a;
    Newsmill__Summary s[20], *sp[20];
    Newsmill__ArticleResult r;
    char text[256], summ[20][64];
    int64_t job;
} res_t;

static void make(pub_db_t *db, res_t *x, const char *url, const char *canon, int nsumm)
{
    memset(x, 0, sizeof *x);
    x->job = leased_job(db, url, &x->ref, x->tok);
    newsmill__article__init(&x->a);
    x->a.url = (char *)url;
    x->a.canonical_url = (char *)canon;
    x->a.title = "Talks resume in Geneva";
    snprintf(x->text, sizeof x->text, "Negotiators met again on %s to discuss tariffs, quotas and the "
             "schedule of the next round of talks between the two delegations.", url);
    x->a.text = x->text;
    x->a.word_count = 20;
    x->a.language = "en";
    x->a.published_at = 1700000100;
    for (int i = 0; i < nsumm; i++) {
        newsmill__summary__init(&x->s[i]);
        x->s[i].backend = "extractive";
        char *lang = x->summ[i] + 40;
        snprintf(lang, 24, "l%02d", i);   /* a distinct (backend, language) each */
        x->s[i].language = lang;
        snprintf(x->summ[i], 40, "Summary %d.", i);
        x->s[i].summary = x->summ[i];
        x->sp[i] = &x->s[i];
    }
    newsmill__article_result__init(&x->r);
    x->r.ref = &x->ref;
    x->r.article = &x->a;
    x->r.summaries = x->sp;
    x->r.n_summaries = (size_t)nsumm;
}

int main(void)
{
    nm_test_pg_t pg;
    if (nm_test_pg_create(&pg, "pipeline") < 0)
        return 1;
    char err[512] = "";
    pub_db_t *db = pub_db_new(pg.conninfo, NULL, err, sizeof err);
    CHECK(db != NULL);
    if (!db)
        return nm_test_done();
    CHECK(pub_db_migrate(db, NULL, NULL, err, sizeof err) >= 1);
    adm = PQconnectdb(pg.conninfo);
    res_t x;

    /* 1. a good result, then one whose second summary PostgreSQL refuses
     * (invalid UTF-8: the 4th statement of its last pipeline), then good
     * ones again on the same connection */
    make(db, &x, "https://p.example/1", "https://p.example/1", 1);
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_OK);
    make(db, &x, "https://p.example/2", "https://p.example/2", 3);
    x.s[1].summary = "bad \xff\xfe bytes";
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_ERROR);
    CHECK(strstr(err, "UTF8") != NULL || strstr(err, "encoding") != NULL);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, x.job), "failed");
    CHECK(strstr(sqls("SELECT last_error FROM jobs WHERE id = %" PRId64, x.job), "could not store result") != NULL);
    CHECK_INT(sqln("SELECT count(*) FROM articles WHERE canonical_url = 'https://p.example/2'"), 0);
    CHECK_INT(sqln("SELECT count(*) FROM summaries s JOIN articles a ON a.id = s.article_id"
                   " WHERE a.canonical_url = 'https://p.example/2'"), 0);
    make(db, &x, "https://p.example/3", "https://p.example/3", 1);
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_OK);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, x.job), "done");
    CHECK_INT(sqln("SELECT count(*) FROM articles"), 2);
    CHECK_INT(sqln("SELECT count(*) FROM story_articles"), 2);   /* both born with their story */
    CHECK_INT(sqln("SELECT count(*) FROM story_queue WHERE NOT done"), 0);
    /* the two texts are near-duplicates: one story, the second a duplicate */
    CHECK_INT(sqln("SELECT count(DISTINCT story_id) FROM story_articles"), 1);

    /* 2. twenty summaries: more than one pipeline; all stored */
    make(db, &x, "https://p.example/4", "https://p.example/4", 20);
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_OK);
    CHECK_INT(sqln("SELECT count(*) FROM summaries s JOIN articles a ON a.id = s.article_id"
                   " WHERE a.canonical_url = 'https://p.example/4'"), 20);
    CHECK_STR(sqls("SELECT s.summary FROM summaries s JOIN articles a ON a.id = s.article_id"
                   " WHERE a.canonical_url = 'https://p.example/4' AND s.language = 'l19'"), "Summary 19.");
    /* and when the 20th is refused, none of the 20 (nor the article) is kept */
    make(db, &x, "https://p.example/5", "https://p.example/5", 20);
    x.s[19].summary = "bad \xc3\x28";
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_ERROR);
    CHECK_INT(sqln("SELECT count(*) FROM articles WHERE canonical_url = 'https://p.example/5'"), 0);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, x.job), "failed");

    /* 3. the LLM marker, then the LLM summary for the same article (a
     * second fetch of the canonical URL): the marker goes */
    make(db, &x, "https://p.example/6", "https://p.example/6", 1);
    x.s[0].backend = "llm_pending";
    x.s[0].language = "en";
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_OK);
    make(db, &x, "https://p.example/6?again", "https://p.example/6", 2);
    x.s[0].language = "en";
    x.s[1].backend = "llm:test";
    x.s[1].language = "en";
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_OK);
    CHECK_STR(sqls("SELECT string_agg(backend, ',' ORDER BY backend) FROM summaries s JOIN articles a"
                   " ON a.id = s.article_id WHERE a.canonical_url = 'https://p.example/6'"), "extractive,llm:test");
    CHECK_INT(sqln("SELECT writes FROM articles WHERE canonical_url = 'https://p.example/6'"), 2);

    /* 4. the story statement fails (a test trigger): the article is stored
     * anyway, without its story, queued for the pass */
    sqls("CREATE FUNCTION nm_test_refuse() RETURNS trigger LANGUAGE plpgsql AS"
         " $$BEGIN RAISE EXCEPTION 'refused by the test'; END$$");
    sqls("CREATE TRIGGER nm_test_refuse BEFORE INSERT ON story_articles FOR EACH ROW"
         " EXECUTE FUNCTION nm_test_refuse()");
    make(db, &x, "https://p.example/7", "https://p.example/7", 1);
    x.a.title = "Something else entirely";
    x.a.text = "A different article about rainfall in the southern provinces this spring season.";
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_OK);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, x.job), "done");
    CHECK_INT(sqln("SELECT count(*) FROM summaries s JOIN articles a ON a.id = s.article_id"
                   " WHERE a.canonical_url = 'https://p.example/7'"), 1);
    CHECK_INT(sqln("SELECT count(*) FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                   " WHERE a.canonical_url = 'https://p.example/7'"), 0);
    CHECK_INT(sqln("SELECT count(*) FROM story_queue q JOIN articles a ON a.id = q.article_id"
                   " WHERE a.canonical_url = 'https://p.example/7' AND NOT q.done"), 1);
    sqls("DROP TRIGGER nm_test_refuse ON story_articles");

    /* 5. stale results between good ones: nothing written, nothing lost */
    make(db, &x, "https://p.example/8", "https://p.example/8", 1);
    char good[40];
    snprintf(good, sizeof good, "%s", x.tok);
    x.ref.lease_token = "00000000-0000-0000-0000-000000000000";
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_STALE);
    CHECK_INT(sqln("SELECT count(*) FROM articles WHERE canonical_url = 'https://p.example/8'"), 0);
    x.ref.lease_token = good;
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_OK);
    CHECK_INT(pub_db_article_result(db, &x.r, err, sizeof err), PUB_DB_STALE);   /* done: stale now */
    CHECK_INT(sqln("SELECT writes FROM articles WHERE canonical_url = 'https://p.example/8'"), 1);
    pub_db_stats_t st = pub_db_stats(db);
    CHECK_INT(st.articles, 7);
    CHECK_INT(st.stale, 2);

    /* 6. a batch: good, stale, good, good, in one transaction */
    static res_t b[6];
    const Newsmill__ArticleResult *rs[6];
    pub_db_rc_t out[6];
    static const char *bu[6] = { "https://b.example/1", "https://b.example/2", "https://b.example/3",
                                 "https://b.example/4", "https://b.example/5", "https://b.example/6" };
    for (int i = 0; i < 4; i++) {
        make(db, &b[i], bu[i], bu[i], 1);
        rs[i] = &b[i].r;
    }
    b[1].ref.lease_token = "00000000-0000-0000-0000-000000000000";
    CHECK_INT(pub_db_article_batch(db, rs, 4, out), 4);
    CHECK_INT(out[0].rc, PUB_DB_OK);
    CHECK_INT(out[1].rc, PUB_DB_STALE);
    CHECK_INT(out[2].rc, PUB_DB_OK);
    CHECK_INT(out[3].rc, PUB_DB_OK);
    CHECK_INT(sqln("SELECT count(*) FROM articles WHERE canonical_url LIKE 'https://b.example/%%'"), 3);
    CHECK_INT(sqln("SELECT count(DISTINCT xmin::text) FROM articles WHERE canonical_url LIKE 'https://b.example/%%'"), 1);
    CHECK_INT(sqln("SELECT count(*) FROM summaries s JOIN articles a ON a.id = s.article_id"
                   " WHERE a.canonical_url LIKE 'https://b.example/%%'"), 3);
    CHECK_INT(sqln("SELECT count(*) FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                   " WHERE a.canonical_url LIKE 'https://b.example/%%'"), 3);
    CHECK_STR(sqls("SELECT string_agg(state, ',' ORDER BY id) FROM jobs WHERE url LIKE 'https://b.example/%%'"),
              "done,leased,done,done");

    /* 7. a batch with one bad result (the 2nd of 4: PostgreSQL refuses its
     * summary): the three others are stored, the bad one's job failed */
    static const char *cu[4] = { "https://c.example/1", "https://c.example/2", "https://c.example/3",
                                 "https://c.example/4" };
    for (int i = 0; i < 4; i++) {
        make(db, &b[i], cu[i], cu[i], 2);
        rs[i] = &b[i].r;
    }
    b[1].s[1].summary = "bad \xff bytes";
    CHECK_INT(pub_db_article_batch(db, rs, 4, out), 4);
    CHECK_INT(out[0].rc, PUB_DB_OK);
    CHECK_INT(out[1].rc, PUB_DB_ERROR);
    CHECK(out[1].err[0] != '\0');
    CHECK_INT(out[2].rc, PUB_DB_OK);
    CHECK_INT(out[3].rc, PUB_DB_OK);
    CHECK_STR(sqls("SELECT string_agg(canonical_url, ',' ORDER BY canonical_url) FROM articles"
                   " WHERE canonical_url LIKE 'https://c.example/%%'"),
              "https://c.example/1,https://c.example/3,https://c.example/4");
    CHECK_INT(sqln("SELECT count(*) FROM summaries s JOIN articles a ON a.id = s.article_id"
                   " WHERE a.canonical_url LIKE 'https://c.example/%%'"), 6);
    CHECK_STR(sqls("SELECT string_agg(state, ',' ORDER BY id) FROM jobs WHERE url LIKE 'https://c.example/%%'"),
              "done,failed,done,done");

    /* 8. the same job twice: the batch stops before the copy, which is
     * then stale; writes stay 1 */
    make(db, &b[0], "https://d.example/1", "https://d.example/1", 1);
    make(db, &b[1], "https://d.example/2", "https://d.example/2", 1);
    rs[0] = &b[0].r;
    rs[1] = &b[1].r;
    rs[2] = &b[0].r;
    CHECK_INT(pub_db_article_batch(db, rs, 3, out), 2);
    CHECK_INT(out[0].rc, PUB_DB_OK);
    CHECK_INT(out[1].rc, PUB_DB_OK);
    CHECK_INT(pub_db_article_batch(db, rs + 2, 1, out), 1);
    CHECK_INT(out[0].rc, PUB_DB_STALE);
    CHECK_INT(sqln("SELECT writes FROM articles WHERE canonical_url = 'https://d.example/1'"), 1);
    st = pub_db_stats(db);
    CHECK_INT(st.articles, 7 + 3 + 3 + 2);
    CHECK_INT(st.stale, 2 + 1 + 1);

    pub_db_destroy(&db);
    PQfinish(adm);
    nm_test_pg_drop(&pg);
    return nm_test_done();
}

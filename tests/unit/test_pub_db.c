/* pub_db against a real PostgreSQL (NEWSMILL_TEST_PG, a conninfo without
 * dbname; tests/run.sh sets it). Each run creates and drops its own database. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nm_test.h"
#include "pub_db.h"

static char conninfo[1024];
static PGconn *adm;   /* the test's own connection, for setup and checks */

/* Run SQL (constant, test-written); return the first value or "" (static). */
static const char *sql1(const char *sql)
{
    static char out[4096];
    out[0] = '\0';
    PGresult *r = PQexecParams(adm, sql, 0, NULL, NULL, NULL, NULL, 0);
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
    return strtol(sql1(sql), NULL, 10);
}

static const char *sqls(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *sqls(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return sql1(sql);
}

static pub_policy_t policy = {
    .lease_seconds = 60, .max_attempts = 3, .backoff_base_seconds = 10,
    .backoff_max_seconds = 25, .feed_poll_seconds = 900, .feed_error_poll_seconds = 3600,
    .jitter = false,
};

static const pub_job_t *find_job(const pub_job_t *jobs, size_t n, pub_job_kind_t kind)
{
    for (size_t i = 0; i < n; i++)
        if (jobs[i].kind == kind)
            return &jobs[i];
    return NULL;
}

static void set_ref(Newsmill__JobRef *ref, const pub_job_t *j)
{
    newsmill__job_ref__init(ref);
    ref->job_id = j->id;
    ref->lease_token = (char *)j->lease_token;
    ref->attempt = j->attempt;
}

/* Seconds from now until the job's next attempt. */
static long due_in(int64_t id)
{
    return sqln("SELECT round(extract(epoch FROM next_attempt - now()))::int FROM jobs WHERE id = %" PRId64, id);
}

static void on_applied(const char *name, void *ctx)
{
    (void)name;
    (*(int *)ctx)++;
}

static void test_migrate(pub_db_t *db)
{
    char err[512] = "";
    int seen = 0;
    int n = pub_db_migrate(db, on_applied, &seen, err, sizeof err);
    if (n < 0)
        fprintf(stderr, "migrate: %s\n", err);
    CHECK(n >= 1);
    CHECK_INT(seen, n);
    CHECK_STR(sqls("SELECT version FROM schema_migrations ORDER BY version LIMIT 1"), "001_init");
    CHECK_INT(pub_db_migrate(db, NULL, NULL, err, sizeof err), 0);   /* re-running is a no-op */
    CHECK_INT(sqln("SELECT count(*) FROM schema_migrations"), n);
    CHECK_INT(sqln("SELECT count(*) FROM pg_views WHERE viewname IN"
                   " ('todays_articles','articles_per_source_day','job_counts','feed_health')"), 4);
}

static int64_t feed_id;

static void test_feed_add(pub_db_t *db)
{
    char err[512] = "";
    bool created = false;
    int64_t id = 0, id2 = 0;
    CHECK_INT(pub_db_feed_add(db, "https://news.example.com/rss.xml", "Example", 900, &id, &created,
                              err, sizeof err), 0);
    CHECK(created);
    CHECK(id > 0);
    CHECK_INT(pub_db_feed_add(db, "https://news.example.com/rss.xml", NULL, 0, &id2, &created,
                              err, sizeof err), 0);
    CHECK(!created);
    CHECK_INT(id2, id);
    CHECK_INT(pub_db_feed_add(db, "ftp://x/", NULL, 0, &id2, &created, err, sizeof err), -1);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'feed' AND state = 'pending'"
                   " AND next_attempt <= now()"), 1);
    feed_id = id;
}

static void test_feed_result(pub_db_t *db)
{
    char err[512] = "";
    pub_job_t *jobs = NULL;
    size_t n = 0;
    CHECK_INT(pub_db_lease(db, "fetcher-a", 10, 60, &jobs, &n, err, sizeof err), 0);
    CHECK_INT(n, 1);
    const pub_job_t *fj = find_job(jobs, n, PUB_JOB_FEED);
    CHECK(fj != NULL);
    if (!fj)
        return;
    CHECK_INT(fj->attempt, 1);
    CHECK_INT(fj->feed_id, feed_id);
    CHECK(strlen(fj->lease_token) == 36);
    CHECK(fj->lease_expires_at > 0);

    /* Nothing else is due: a second lease gets nothing. */
    pub_job_t *none = NULL;
    size_t nn = 9;
    CHECK_INT(pub_db_lease(db, "fetcher-b", 10, 60, &none, &nn, err, sizeof err), 0);
    CHECK_INT(nn, 0);

    Newsmill__FeedEntry e[4];
    Newsmill__FeedEntry *ep[4] = { &e[0], &e[1], &e[2], &e[3] };
    for (int i = 0; i < 4; i++)
        newsmill__feed_entry__init(&e[i]);
    e[0].link = "https://news.example.com/a/1";
    e[0].title = "One";
    e[0].published = 1700000000;
    e[1].link = "https://NEWS.example.com/a/1?utm_source=rss#top";   /* same article */
    e[2].link = "https://news.example.com/a/2";
    e[2].title = "Two";
    e[3].link = "javascript:alert(1)";                               /* never fetched */
    Newsmill__JobRef ref;
    set_ref(&ref, fj);
    Newsmill__FeedResult fr = NEWSMILL__FEED_RESULT__INIT;
    fr.ref = &ref;
    fr.feed_id = feed_id;
    fr.title = "Feed Title From Document";
    fr.entries = ep;
    fr.n_entries = 4;
    fr.etag = "\"v1\"";
    fr.ttl = 30;   /* minutes: longer than the feed's 900 s, so it wins */
    CHECK_INT(pub_db_feed_result(db, &fr, err, sizeof err), PUB_DB_OK);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'article'"), 2);
    CHECK_STR(sqls("SELECT entry_title FROM jobs WHERE url = 'https://news.example.com/a/1'"), "One");
    CHECK_INT(sqln("SELECT extract(epoch FROM entry_published)::bigint FROM jobs"
                   " WHERE url = 'https://news.example.com/a/1'"), 1700000000);
    /* the feed job is recurring: pending again, attempt 0, due after ttl */
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, fj->id), "pending");
    CHECK_INT(sqln("SELECT attempt FROM jobs WHERE id = %" PRId64, fj->id), 0);
    long d = due_in(fj->id);
    CHECK(d >= 1795 && d <= 1800);
    CHECK_STR(sqls("SELECT etag FROM feeds WHERE id = %" PRId64, feed_id), "\"v1\"");
    CHECK_STR(sqls("SELECT title FROM feeds WHERE id = %" PRId64, feed_id), "Example");  /* user's title kept */
    CHECK(strlen(sqls("SELECT last_polled_at FROM feeds WHERE id = %" PRId64, feed_id)) > 0);

    /* The same result again is stale: the lease is gone. */
    CHECK_INT(pub_db_feed_result(db, &fr, err, sizeof err), PUB_DB_STALE);

    /* Next poll brings the same entries: no new article jobs. */
    sqls("UPDATE jobs SET next_attempt = now() - interval '1 day' WHERE id = %" PRId64, fj->id);
    pub_job_t *again = NULL;
    size_t na = 0;
    CHECK_INT(pub_db_lease(db, "fetcher-a", 1, 60, &again, &na, err, sizeof err), 0);
    CHECK_INT(na, 1);
    if (na == 1) {
        CHECK_INT(again[0].id, fj->id);
        CHECK_STR(again[0].etag, "\"v1\"");   /* conditional GET validators travel with the job */
        set_ref(&ref, &again[0]);
        fr.ttl = 0;
        CHECK_INT(pub_db_feed_result(db, &fr, err, sizeof err), PUB_DB_OK);
        CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'article'"), 2);
        d = due_in(fj->id);
        CHECK(d >= 895 && d <= 900);
    }
    pub_jobs_free(&again, na);
    pub_jobs_free(&jobs, n);
    CHECK(jobs == NULL);
}

static Newsmill__ArticleResult *make_result(Newsmill__JobRef *ref, Newsmill__Article *a,
                                            Newsmill__Summary *s, Newsmill__Summary **sp,
                                            Newsmill__ArticleResult *r, const char *canon,
                                            const char *text)
{
    newsmill__article__init(a);
    a->url = (char *)canon;
    a->canonical_url = (char *)canon;
    a->title = "A title";
    a->text = (char *)text;
    a->word_count = 2;
    a->language = "en";
    a->published_at = 1700000100;
    newsmill__summary__init(s);
    s->backend = "extractive";
    s->language = "en";
    s->summary = "Short.";
    static char *topics[] = { "china", "trade" };
    s->topics = topics;
    s->n_topics = 2;
    sp[0] = s;
    newsmill__article_result__init(r);
    r->ref = ref;
    r->article = a;
    r->summaries = sp;
    r->n_summaries = 1;
    return r;
}

static void test_article_fencing(pub_db_t *db)
{
    char err[512] = "";
    pub_job_t *jobs = NULL;
    size_t n = 0;
    CHECK_INT(pub_db_lease(db, "fetcher-a", 10, 60, &jobs, &n, err, sizeof err), 0);
    CHECK_INT(n, 2);
    if (n != 2)
        return;
    Newsmill__JobRef ref;
    Newsmill__Article a;
    Newsmill__Summary s, *sp[1];
    Newsmill__ArticleResult r;

    /* first job: stored, done; the same message again is stale */
    set_ref(&ref, &jobs[0]);
    make_result(&ref, &a, &s, sp, &r, "https://news.example.com/story", "first text");
    CHECK_INT(pub_db_article_result(db, &r, err, sizeof err), PUB_DB_OK);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, jobs[0].id), "done");
    CHECK_INT(pub_db_article_result(db, &r, err, sizeof err), PUB_DB_STALE);
    CHECK_INT(sqln("SELECT count(*) FROM articles"), 1);
    CHECK_INT(sqln("SELECT count(*) FROM summaries"), 1);
    CHECK_STR(sqls("SELECT content_hash FROM articles"),
              sqls("SELECT encode(sha256('first text'::bytea), 'hex')"));
    CHECK_STR(sqls("SELECT array_to_string(topics, ',') FROM summaries"), "china,trade");
    CHECK_STR(sqls("SELECT feed_id FROM articles"), sqls("SELECT %" PRId64, feed_id));

    /* second job: its lease expires and it is handed out again with a new
     * token; the late result of the first lease must not overwrite. */
    pub_job_t old = jobs[1];
    sqls("UPDATE jobs SET lease_expires = now() - interval '1 second' WHERE id = %" PRId64, old.id);
    pub_job_t *re = NULL;
    size_t nre = 0;
    CHECK_INT(pub_db_lease(db, "fetcher-b", 10, 60, &re, &nre, err, sizeof err), 0);
    CHECK_INT(nre, 1);
    if (nre == 1) {
        CHECK_INT(re[0].id, old.id);
        CHECK_INT(re[0].attempt, old.attempt + 1);
        CHECK(strcmp(re[0].lease_token, old.lease_token) != 0);
        CHECK_STR(sqls("SELECT lease_owner FROM jobs WHERE id = %" PRId64, old.id), "fetcher-b");

        /* the same canonical URL as job 1: still one article row */
        Newsmill__JobRef ref2;
        set_ref(&ref2, &re[0]);
        make_result(&ref2, &a, &s, sp, &r, "https://news.example.com/story?utm_medium=x", "newer text");
        CHECK_INT(pub_db_article_result(db, &r, err, sizeof err), PUB_DB_OK);
        set_ref(&ref2, &old);
        make_result(&ref2, &a, &s, sp, &r, "https://news.example.com/story", "stale text");
        CHECK_INT(pub_db_article_result(db, &r, err, sizeof err), PUB_DB_STALE);
        CHECK_INT(sqln("SELECT count(*) FROM articles"), 1);
        CHECK_INT(sqln("SELECT count(*) FROM summaries"), 1);
        CHECK_STR(sqls("SELECT text FROM articles"), "newer text");
        CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, old.id), "done");
    }
    pub_db_stats_t st = pub_db_stats(db);
    CHECK(st.stale >= 3);
    CHECK_INT(st.articles, 2);

    /* a result without a job reference is refused, never stored */
    r.ref = NULL;
    CHECK_INT(pub_db_article_result(db, &r, err, sizeof err), PUB_DB_ERROR);
    CHECK(strstr(err, "job reference") != NULL);
    pub_jobs_free(&re, nre);
    pub_jobs_free(&jobs, n);
}

static int64_t add_article_job(const char *url)
{
    return sqln("INSERT INTO jobs (kind, url, max_attempts) VALUES ('article', '%s', 3) RETURNING id", url);
}

static pub_job_t lease_one(pub_db_t *db, int64_t id)
{
    char err[512] = "";
    pub_job_t *jobs = NULL, out;
    size_t n = 0;
    memset(&out, 0, sizeof out);
    sqls("UPDATE jobs SET next_attempt = now() - interval '1 day' WHERE id = %" PRId64, id);
    CHECK_INT(pub_db_lease(db, "fetcher-t", 1, 60, &jobs, &n, err, sizeof err), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(jobs[0].id, id);
        out.id = jobs[0].id;
        out.attempt = jobs[0].attempt;
        memcpy(out.lease_token, jobs[0].lease_token, sizeof out.lease_token);
    }
    pub_jobs_free(&jobs, n);
    return out;
}

static int send_outcome(pub_db_t *db, const pub_job_t *j, Newsmill__OutcomeClass cls,
                        int http, const char *reason, int retry_after)
{
    char err[512] = "";
    Newsmill__JobRef ref;
    set_ref(&ref, j);
    Newsmill__Outcome o = NEWSMILL__OUTCOME__INIT;
    o.ref = &ref;
    o.class_ = cls;
    o.http_status = http;
    o.stage = "fetcher";
    o.reason = (char *)reason;
    o.retry_after = retry_after;
    int rc = pub_db_outcome(db, &o, err, sizeof err);
    if (rc == PUB_DB_ERROR)
        fprintf(stderr, "outcome: %s\n", err);
    return rc;
}

static void test_outcomes(pub_db_t *db)
{
    /* transient: backoff 10 s, then 20 s, then dead after 3 attempts */
    int64_t id = add_article_job("https://slow.example.com/x");
    pub_job_t j = lease_one(db, id);
    CHECK_INT(j.attempt, 1);
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT, 503, "service unavailable", 0), PUB_DB_OK);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, id), "pending");
    long d = due_in(id);
    CHECK(d >= 9 && d <= 10);
    CHECK_STR(sqls("SELECT last_error FROM jobs WHERE id = %" PRId64, id),
              "fetcher: service unavailable (HTTP 503)");
    j = lease_one(db, id);
    CHECK_INT(j.attempt, 2);
    /* Retry-After is a lower bound */
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT, 429, "slow down", 120), PUB_DB_OK);
    d = due_in(id);
    CHECK(d >= 119 && d <= 120);
    j = lease_one(db, id);
    CHECK_INT(j.attempt, 3);
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT, 0, "timeout", 0), PUB_DB_OK);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, id), "dead");
    CHECK_STR(sqls("SELECT last_error FROM jobs WHERE id = %" PRId64, id),
              "gave up after 3 attempts: fetcher: timeout");

    /* permanent: failed at once */
    id = add_article_job("https://gone.example.com/x");
    j = lease_one(db, id);
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT, 404, "not found", 0), PUB_DB_OK);
    CHECK_STR(sqls("SELECT state || ' ' || last_error FROM jobs WHERE id = %" PRId64, id),
              "failed fetcher: not found (HTTP 404)");
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT, 503, "late", 0), PUB_DB_STALE);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, id), "failed");

    /* lost downstream every time: the lease expiry kills it */
    id = add_article_job("https://lost.example.com/x");
    sqls("UPDATE jobs SET state = 'leased', attempt = 3, lease_token = gen_random_uuid(),"
         " lease_expires = now() - interval '1 second' WHERE id = %" PRId64, id);
    char err[512] = "";
    pub_job_t *jobs = NULL;
    size_t n = 0;
    CHECK_INT(pub_db_lease(db, "fetcher-t", 10, 60, &jobs, &n, err, sizeof err), 0);
    for (size_t i = 0; i < n; i++)
        CHECK(jobs[i].id != id);
    pub_jobs_free(&jobs, n);
    CHECK_STR(sqls("SELECT state || ': ' || last_error FROM jobs WHERE id = %" PRId64, id),
              "dead: lease expired 3 times");

    /* unknown class: refused */
    id = add_article_job("https://odd.example.com/x");
    j = lease_one(db, id);
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_UNSPECIFIED, 0, "?", 0), PUB_DB_ERROR);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, id), "leased");
    sqls("UPDATE jobs SET state = 'done' WHERE id = %" PRId64, id);
}

/* Results PostgreSQL cannot take end the job with the reason instead of
 * failing again on every retry; absurd values are dropped, not stored. */
static void test_hostile_results(pub_db_t *db)
{
    char err[512] = "";
    int64_t id = add_article_job("https://bad.example.com/utf8");
    pub_job_t j = lease_one(db, id);
    Newsmill__JobRef ref;
    Newsmill__Article a;
    Newsmill__Summary s, *sp[1];
    Newsmill__ArticleResult r;
    set_ref(&ref, &j);
    make_result(&ref, &a, &s, sp, &r, "https://bad.example.com/utf8", "bad \xff\xfe bytes");
    CHECK_INT(pub_db_article_result(db, &r, err, sizeof err), PUB_DB_ERROR);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, id), "failed");
    CHECK(strstr(sqls("SELECT last_error FROM jobs WHERE id = %" PRId64, id), "could not store result") != NULL);
    CHECK_INT(sqln("SELECT count(*) FROM articles WHERE canonical_url LIKE 'https://bad.%%'"), 0);

    /* a feed result for an article job is refused; the job stays leased */
    id = add_article_job("https://bad.example.com/kind");
    j = lease_one(db, id);
    set_ref(&ref, &j);
    Newsmill__FeedResult fr = NEWSMILL__FEED_RESULT__INIT;
    fr.ref = &ref;
    CHECK_INT(pub_db_feed_result(db, &fr, err, sizeof err), PUB_DB_ERROR);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, id), "leased");

    /* a date in the year 300000 and no canonical URL: stored without the date,
     * keyed by the canonical form of the URL */
    make_result(&ref, &a, &s, sp, &r, "HTTPS://Bad.Example.com/kind?utm_source=x", "fine text");
    a.canonical_url = "";
    a.published_at = 9400000000000LL;
    r.n_summaries = 0;
    CHECK_INT(pub_db_article_result(db, &r, err, sizeof err), PUB_DB_OK);
    CHECK_STR(sqls("SELECT coalesce(published_at::text, 'null') FROM articles WHERE canonical_url = 'https://bad.example.com/kind'"),
              "null");
    CHECK_STR(sqls("SELECT source_site FROM articles WHERE canonical_url = 'https://bad.example.com/kind'"),
              "bad.example.com");
}

static void test_feed_outcomes(pub_db_t *db)
{
    int64_t fjob = sqln("SELECT id FROM jobs WHERE kind = 'feed' AND feed_id = %" PRId64, feed_id);
    pub_job_t j = lease_one(db, fjob);
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT, 404, "not a feed", 0), PUB_DB_OK);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, fjob), "pending");   /* never dropped */
    long d = due_in(fjob);
    CHECK(d >= 3595 && d <= 3600);
    CHECK_INT(sqln("SELECT error_count FROM feeds WHERE id = %" PRId64, feed_id), 1);
    CHECK_STR(sqls("SELECT last_error FROM feeds WHERE id = %" PRId64, feed_id), "fetcher: not a feed (HTTP 404)");
    CHECK_STR(sqls("SELECT health FROM feed_health WHERE id = %" PRId64, feed_id), "degraded");

    /* a feed's lease may expire any number of times: it never dies */
    sqls("UPDATE jobs SET state = 'leased', attempt = 50, lease_token = gen_random_uuid(),"
         " lease_expires = now() - interval '1 second' WHERE id = %" PRId64, fjob);
    j = lease_one(db, fjob);
    CHECK_INT(j.attempt, 51);

    /* 304: success, validators kept, errors reset */
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_NOT_MODIFIED, 304, "not modified", 0), PUB_DB_OK);
    CHECK_STR(sqls("SELECT etag FROM feeds WHERE id = %" PRId64, feed_id), "\"v1\"");
    CHECK_INT(sqln("SELECT error_count FROM feeds WHERE id = %" PRId64, feed_id), 0);
    CHECK_INT(sqln("SELECT attempt FROM jobs WHERE id = %" PRId64, fjob), 0);
    d = due_in(fjob);
    CHECK(d >= 895 && d <= 900);

    /* transient feed failure: backoff, capped by the slow error rate */
    j = lease_one(db, fjob);
    CHECK_INT(send_outcome(db, &j, NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT, 503, "down", 0), PUB_DB_OK);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, fjob), "pending");
    d = due_in(fjob);
    CHECK(d >= 9 && d <= 10);
}

static void test_backoff(void)
{
    pub_policy_t p = policy;
    CHECK_INT(pub_backoff_seconds(&p, 1, 0), 10);
    CHECK_INT(pub_backoff_seconds(&p, 2, 0), 20);
    CHECK_INT(pub_backoff_seconds(&p, 3, 0), 25);      /* capped */
    CHECK_INT(pub_backoff_seconds(&p, 1000, 0), 25);   /* no overflow */
    CHECK_INT(pub_backoff_seconds(&p, 1, 300), 300);
    p.jitter = true;
    for (int i = 0; i < 200; i++) {
        int s = pub_backoff_seconds(&p, 2, 0);
        CHECK(s >= 10 && s <= 30);
    }
}

/* Several processes lease concurrently: with SKIP LOCKED no job is handed
 * out twice and none is missed. */
static void test_concurrent_leases(void)
{
    enum { JOBS = 300, WORKERS = 4 };
    sqls("UPDATE jobs SET state = 'done' WHERE state IN ('pending', 'leased')");
    sqln("INSERT INTO jobs (kind, url) SELECT 'article', 'https://c.example.com/' || g"
         " FROM generate_series(1, %d) g", JOBS);
    int fds[WORKERS][2];
    pid_t pids[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        if (pipe(fds[w]) < 0)
            return;
        pids[w] = fork();
        if (pids[w] == 0) {
            close(fds[w][0]);
            char err[512];
            pub_db_t *db = pub_db_new(conninfo, &policy, err, sizeof err);
            if (!db)
                _exit(3);
            FILE *out = fdopen(fds[w][1], "w");
            for (;;) {
                pub_job_t *jobs = NULL;
                size_t n = 0;
                if (pub_db_lease(db, "w", 7, 60, &jobs, &n, err, sizeof err) < 0)
                    _exit(4);
                if (n == 0)
                    break;
                for (size_t i = 0; i < n; i++)
                    fprintf(out, "%" PRId64 "\n", jobs[i].id);
                pub_jobs_free(&jobs, n);
            }
            fclose(out);
            pub_db_destroy(&db);
            _exit(0);
        }
        close(fds[w][1]);
    }
    static unsigned char seen[1 << 16];
    memset(seen, 0, sizeof seen);
    int total = 0, dups = 0, busy_workers = 0;
    for (int w = 0; w < WORKERS; w++) {
        FILE *in = fdopen(fds[w][0], "r");
        long id;
        int mine = 0;
        while (fscanf(in, "%ld", &id) == 1) {
            if (id >= 0 && id < (long)sizeof seen && seen[id]++)
                dups++;
            total++;
            mine++;
        }
        fclose(in);
        busy_workers += mine > 0;
        int status = 0;
        waitpid(pids[w], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_INT(dups, 0);
    CHECK_INT(total, JOBS);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE state = 'leased'"), JOBS);
    fprintf(stderr, "concurrent leases: %d jobs over %d workers (%d got some)\n", total, WORKERS, busy_workers);
}

static void test_feed_remove(pub_db_t *db)
{
    char err[512] = "";
    CHECK_INT(pub_db_feed_remove(db, "https://nope.example.com/", err, sizeof err), 0);
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, feed_id);
    CHECK_INT(pub_db_feed_remove(db, id, err, sizeof err), 1);
    CHECK_INT(sqln("SELECT count(*) FROM feeds"), 0);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'feed'"), 0);
    CHECK(sqln("SELECT count(*) FROM jobs WHERE kind = 'article'") > 0);   /* history stays */
    CHECK_INT(sqln("SELECT count(*) FROM articles"), 2);
}

int main(void)
{
    const char *base = getenv("NEWSMILL_TEST_PG");
    if (!base || !*base) {
        fprintf(stderr, "test_pub_db: NEWSMILL_TEST_PG is not set (a libpq conninfo without dbname;"
                        " run tests through tests/run.sh, or eval \"$(tests/pg.sh start DIR)\")\n");
        return 1;
    }
    char dbname[64], admin[1024];
    snprintf(dbname, sizeof dbname, "nm_test_pub_db_%d", (int)getpid());
    snprintf(admin, sizeof admin, "%s dbname=postgres", base);
    PGconn *c = PQconnectdb(admin);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "test_pub_db: cannot connect: %s", PQerrorMessage(c));
        return 1;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    PQclear(PQexec(c, sql));
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base, dbname);

    char err[512];
    pub_db_t *db = pub_db_new(conninfo, &policy, err, sizeof err);
    CHECK(db != NULL);
    if (!db) {
        fprintf(stderr, "%s\n", err);
        return nm_test_done();
    }
    adm = PQconnectdb(conninfo);
    CHECK(PQstatus(adm) == CONNECTION_OK);

    test_backoff();
    test_migrate(db);
    test_feed_add(db);
    test_feed_result(db);
    test_article_fencing(db);
    test_outcomes(db);
    test_hostile_results(db);
    test_feed_outcomes(db);
    test_feed_remove(db);
    test_concurrent_leases();

    /* one active publisher: the second session waits until the first is gone */
    pub_db_t *second = pub_db_new(conninfo, &policy, err, sizeof err);
    CHECK_INT(pub_db_leader(db), 1);
    CHECK_INT(pub_db_leader(db), 1);
    CHECK_INT(pub_db_leader(second), 0);
    pub_db_destroy(&db);
    for (int i = 0; i < 50 && pub_db_leader(second) != 1; i++)
        usleep(20000);   /* the server notices the closed session */
    CHECK_INT(pub_db_leader(second), 1);
    db = second;

    /* pub_db_new refuses a server that is not there */
    pub_db_t *bad = pub_db_new("host=/nonexistent port=1 connect_timeout=2", &policy, err, sizeof err);
    CHECK(bad == NULL);
    CHECK(strstr(err, "cannot connect") != NULL);

    pub_db_destroy(&db);
    CHECK(db == NULL);
    pub_db_destroy(&db);   /* twice is fine */
    PQfinish(adm);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    return nm_test_done();
}

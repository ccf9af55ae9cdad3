/* pub_feeds against a real PostgreSQL (NEWSMILL_TEST_PG, see test_pub_db.c):
 * adaptive intervals, per-feed rules, entry identity (GUID, canonical URL,
 * articles' canonical and fetched URLs), missing and future dates, server
 * lower bounds (ttl) and hand-set intervals. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nm_test.h"
#include "pub_db.h"
#include "pub_feeds.h"

static PGconn *adm;

static const char *sqls(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *sqls(const char *fmt, ...)
{
    static char out[4096];
    char sql[4096];
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
#define sqln(...) strtol(sqls(__VA_ARGS__), NULL, 10)

static pub_policy_t policy = {
    .lease_seconds = 60, .max_attempts = 3, .backoff_base_seconds = 10, .backoff_max_seconds = 25,
    .feed_poll_seconds = 900, .feed_error_poll_seconds = 3600,
    .feed_min_poll_seconds = 300, .feed_max_poll_seconds = 21600, .jitter = false,
};

static void test_interval(void)
{
    int64_t now = 1700000000;
    char why[96];
    int64_t hourly[6];
    for (int i = 0; i < 6; i++)
        hourly[i] = now - 600 - i * 3600;
    CHECK_INT(pub_feeds_interval(&policy, hourly, 6, now, why, sizeof why), 1800);
    CHECK(strstr(why, "median gap") != NULL);
    /* every few seconds: the minimum */
    int64_t busy[5] = { now - 10, now - 20, now - 30, now - 40, now - 50 };
    CHECK_INT(pub_feeds_interval(&policy, busy, 5, now, why, sizeof why), 300);
    CHECK(strstr(why, "minimum") != NULL);
    /* hourly, but a day ago: gone quiet, slower (a day / 8 = 3 h) */
    int64_t quiet[4] = { now - 86400, now - 90000, now - 93600, now - 97200 };
    CHECK_INT(pub_feeds_interval(&policy, quiet, 4, now, why, sizeof why), 10800);
    CHECK(strstr(why, "quiet") != NULL);
    /* weekly: the maximum */
    int64_t weekly[3] = { now - 3600, now - 3600 - 7 * 86400, now - 3600 - 14 * 86400 };
    CHECK_INT(pub_feeds_interval(&policy, weekly, 3, now, why, sizeof why), 21600);
    /* nothing to go by: 0 (keep the interval) */
    int64_t same[3] = { now - 60, now - 60, now - 60 };
    CHECK_INT(pub_feeds_interval(&policy, same, 3, now, why, sizeof why), 0);
    int64_t none[2] = { 0, now + 86400 };
    CHECK_INT(pub_feeds_interval(&policy, none, 2, now, why, sizeof why), 0);
}

static pub_job_t lease_feed(pub_db_t *db, int64_t feed)
{
    char err[512] = "";
    pub_job_t *jobs = NULL, out;
    size_t n = 0;
    memset(&out, 0, sizeof out);
    sqls("UPDATE jobs SET next_attempt = now() + interval '1 day' WHERE state = 'pending'");
    sqls("UPDATE jobs SET next_attempt = now() - interval '1 day' WHERE kind = 'feed' AND feed_id = %" PRId64, feed);
    CHECK_INT(pub_db_lease(db, "t", 1, 60, &jobs, &n, err, sizeof err), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        out = jobs[0], out.url = NULL, out.etag = NULL, out.last_modified = NULL;
    pub_jobs_free(&jobs, n);
    return out;
}

typedef struct { const char *id, *title, *link, *summary; int64_t published; } ent_t;

static int send_feed(pub_db_t *db, int64_t feed, const ent_t *es, size_t n, int ttl)
{
    pub_job_t j = lease_feed(db, feed);
    Newsmill__JobRef ref;
    newsmill__job_ref__init(&ref);
    ref.job_id = j.id;
    ref.lease_token = j.lease_token;
    ref.attempt = j.attempt;
    Newsmill__FeedResult r;
    newsmill__feed_result__init(&r);
    r.ref = &ref;
    r.feed_id = feed;
    r.ttl = ttl;
    Newsmill__FeedEntry e[16], *ep[16];
    for (size_t i = 0; i < n; i++) {
        newsmill__feed_entry__init(&e[i]);
        e[i].id = (char *)(es[i].id ? es[i].id : "");
        e[i].title = (char *)es[i].title;
        e[i].link = (char *)es[i].link;
        e[i].summary = (char *)(es[i].summary ? es[i].summary : "");
        e[i].published = es[i].published;
        ep[i] = &e[i];
    }
    r.entries = ep;
    r.n_entries = n;
    char err[512] = "";
    int rc = pub_db_feed_result(db, &r, err, sizeof err);
    if (rc != PUB_DB_OK)
        fprintf(stderr, "feed result: %s\n", err);
    return rc;
}

static void test_rules_identity_dates(pub_db_t *db)
{
    char err[512] = "";
    int64_t feed = 0;
    bool created = false;
    CHECK_INT(pub_db_feed_add(db, "https://world.example.com/rss", NULL, 0, &feed, &created, err, sizeof err), 0);
    char *inc[] = { "China|Beijing" }, *exc[] = { "football" }, *bad[] = { "(unclosed" };
    CHECK_INT(pub_feeds_set_rules(db, feed, bad, 1, NULL, 0, true, false, err, sizeof err), -1);
    CHECK(strstr(err, "bad pattern") != NULL);
    CHECK_INT(pub_feeds_set_rules(db, feed, inc, 1, exc, 1, true, true, err, sizeof err), 0);

    int64_t now = (int64_t)time(NULL);
    ent_t first[] = {
        { "g1", "China trade surplus grows", "https://news.example.com/a1", NULL, now - 3600 },
        { "g2", "Weather in Paris", "https://news.example.com/a2", "sunny", now - 7200 },
        { "g3", "China wins football match", "https://news.example.com/a3", NULL, now - 10800 },
        { "g4", "Summit opens", "https://news.example.com/a4", "<p>Leaders meet in <b>Beijing</b></p>", 0 },
        { "g5", "China launches probe", "https://news.example.com/a5", NULL, now + 86400 },
        { "g6", "China: rel=canonical elsewhere", "https://news.example.com/a6?id=6", NULL, now - 14400 },
    };
    CHECK_INT(send_feed(db, feed, first, 6, 0), PUB_DB_OK);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'article' AND feed_id = %" PRId64, feed), 4);
    CHECK_INT(sqln("SELECT entries_filtered FROM feeds WHERE id = %" PRId64, feed), 2);
    CHECK_STR(sqls("SELECT entry_date_note FROM jobs WHERE url = 'https://news.example.com/a4'"), "missing");
    CHECK_INT(sqln("SELECT (abs(extract(epoch FROM entry_published - now())) < 60)::int FROM jobs"
                   " WHERE url = 'https://news.example.com/a4'"), 1);
    CHECK_STR(sqls("SELECT entry_date_note FROM jobs WHERE url = 'https://news.example.com/a5'"), "future");
    CHECK_INT(sqln("SELECT (entry_published <= now())::int FROM jobs WHERE url = 'https://news.example.com/a5'"), 1);
    CHECK_STR(sqls("SELECT coalesce(entry_date_note, 'none') FROM jobs WHERE url = 'https://news.example.com/a1'"),
              "none");
    /* adaptive: entries an hour apart -> 30 minutes */
    CHECK_INT(sqln("SELECT poll_interval FROM feeds WHERE id = %" PRId64, feed), 1800);
    CHECK(strstr(sqls("SELECT poll_reason FROM feeds WHERE id = %" PRId64, feed), "median gap") != NULL);
    CHECK_INT(sqln("SELECT round(extract(epoch FROM next_poll - now()))::int / 10 FROM feeds WHERE id = %" PRId64,
                   feed), 180);

    /* a6 was fetched and declared rel=canonical .../story-6: stored under it */
    sqls("INSERT INTO articles (canonical_url, url, text) VALUES"
         " ('https://news.example.com/story-6', 'https://news.example.com/a6?id=6', 'x')");
    ent_t second[] = {
        /* same GUID, new link: seen */
        { "g1", "China trade surplus grows (updated)", "https://news.example.com/a1-updated", NULL, now - 3600 },
        /* new GUID, same canonical URL (tracking parameters, fragment): seen */
        { "g1-v2", "China trade surplus grows", "https://NEWS.example.com/a1?utm_source=rss#top", NULL, now - 3600 },
        /* points at an article's canonical URL: seen */
        { "g7", "China story six", "https://news.example.com/story-6", NULL, now - 1800 },
        /* a genuinely new one */
        { "g8", "Beijing responds", "https://news.example.com/a8", NULL, now - 60 },
    };
    CHECK_INT(send_feed(db, feed, second, 4, 120), PUB_DB_OK);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'article' AND feed_id = %" PRId64, feed), 5);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE url = 'https://news.example.com/a8'"), 1);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE url LIKE '%%a1-updated%%' OR url LIKE '%%story-6%%'"), 0);
    /* ttl 120 minutes is a lower bound on the next poll */
    CHECK(sqln("SELECT round(extract(epoch FROM next_poll - now()))::int FROM feeds WHERE id = %" PRId64, feed) >= 7190);
    CHECK(strstr(sqls("SELECT poll_reason FROM feeds WHERE id = %" PRId64, feed), "server asks") != NULL);
}

static void test_hand_set_interval(pub_db_t *db)
{
    char err[512] = "";
    int64_t feed = 0;
    bool created = false;
    CHECK_INT(pub_db_feed_add(db, "https://fixed.example.com/rss", NULL, 7200, &feed, &created, err, sizeof err), 0);
    int64_t now = (int64_t)time(NULL);
    ent_t es[] = {
        { "f1", "One", "https://fixed.example.com/1", NULL, now - 60 },
        { "f2", "Two", "https://fixed.example.com/2", NULL, now - 120 },
        { "f3", "Three", "https://fixed.example.com/3", NULL, now - 180 },
    };
    CHECK_INT(send_feed(db, feed, es, 3, 0), PUB_DB_OK);
    CHECK_INT(sqln("SELECT poll_interval FROM feeds WHERE id = %" PRId64, feed), 7200);
    CHECK_STR(sqls("SELECT poll_reason FROM feeds WHERE id = %" PRId64, feed), "set by hand");
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'article' AND feed_id = %" PRId64, feed), 3);
}

/* Transient feed errors back off, honoring Retry-After; permanent ones are
 * recorded at once and the feed stays, retried slowly, with its error. */
static void test_feed_errors(pub_db_t *db)
{
    char err[512] = "";
    int64_t feed = 0;
    bool created = false;
    CHECK_INT(pub_db_feed_add(db, "https://broken.example.com/rss", NULL, 0, &feed, &created, err, sizeof err), 0);
    pub_job_t j = lease_feed(db, feed);
    Newsmill__JobRef ref;
    newsmill__job_ref__init(&ref);
    ref.job_id = j.id;
    ref.lease_token = j.lease_token;
    ref.attempt = j.attempt;
    Newsmill__Outcome o;
    newsmill__outcome__init(&o);
    o.ref = &ref;
    o.kind = NEWSMILL__JOB_KIND__JOB_KIND_FEED;
    o.feed_id = feed;
    o.class_ = NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT;
    o.http_status = 429;
    o.stage = "fetcher";
    o.reason = "too many requests";
    o.retry_after = 900;
    CHECK_INT(pub_db_outcome(db, &o, err, sizeof err), PUB_DB_OK);
    long due = sqln("SELECT round(extract(epoch FROM next_attempt - now()))::int FROM jobs WHERE id = %" PRId64, j.id);
    CHECK(due >= 890 && due <= 905);
    j = lease_feed(db, feed);
    ref.job_id = j.id;
    ref.lease_token = j.lease_token;
    o.class_ = NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT;
    o.http_status = 410;
    o.reason = "gone";
    o.retry_after = 0;
    CHECK_INT(pub_db_outcome(db, &o, err, sizeof err), PUB_DB_OK);
    CHECK_INT(sqln("SELECT error_count FROM feeds WHERE id = %" PRId64, feed), 2);
    CHECK(strstr(sqls("SELECT last_error FROM feed_health WHERE id = %" PRId64, feed), "HTTP 410") != NULL);
    CHECK_STR(sqls("SELECT state FROM jobs WHERE id = %" PRId64, j.id), "pending");
    due = sqln("SELECT round(extract(epoch FROM next_attempt - now()))::int FROM jobs WHERE id = %" PRId64, j.id);
    CHECK(due >= 3590 && due <= 3605);
}

int main(void)
{
    test_interval();
    const char *base = getenv("NEWSMILL_TEST_PG");
    if (!base || !*base) {
        fprintf(stderr, "test_pub_feeds: NEWSMILL_TEST_PG is not set (run through tests/run.sh)\n");
        return 1;
    }
    char dbname[64], admin[1024], conninfo[1024], sql[256];
    snprintf(dbname, sizeof dbname, "nm_test_pub_feeds_%d", (int)getpid());
    snprintf(admin, sizeof admin, "%s dbname=postgres", base);
    PGconn *c = PQconnectdb(admin);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "test_pub_feeds: cannot connect: %s", PQerrorMessage(c));
        return 1;
    }
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    PQclear(PQexec(c, sql));
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base, dbname);
    char err[512];
    pub_db_t *db = pub_db_new(conninfo, &policy, err, sizeof err);
    CHECK(db != NULL);
    if (db) {
        adm = PQconnectdb(conninfo);
        CHECK(pub_db_migrate(db, NULL, NULL, err, sizeof err) >= 1);
        test_rules_identity_dates(db);
        test_hand_set_interval(db);
        test_feed_errors(db);
        PQfinish(adm);
        pub_db_destroy(&db);
    }
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    return nm_test_done();
}

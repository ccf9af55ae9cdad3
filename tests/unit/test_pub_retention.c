/* pub_retention against a real PostgreSQL (NEWSMILL_TEST_PG): old finished
 * article jobs go, everything else stays, and a forgotten job's article is
 * still never fetched again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nm_test.h"
#include "pub_db.h"
#include "pub_retention.h"

static PGconn *adm;

static long sqln(const char *sql)
{
    PGresult *r = PQexec(adm, sql);
    long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    else if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "SQL failed: %s\n%s", sql, PQresultErrorMessage(r));
        nm_test_failures++;
    }
    PQclear(r);
    return v;
}

int main(void)
{
    const char *base = getenv("NEWSMILL_TEST_PG");
    if (!base || !*base) {
        fprintf(stderr, "test_pub_retention: NEWSMILL_TEST_PG is not set (run through tests/run.sh)\n");
        return 1;
    }
    char dbname[64], admin[1024], conninfo[1024], sql[256], err[512];
    snprintf(dbname, sizeof dbname, "nm_test_pub_retention_%d", (int)getpid());
    snprintf(admin, sizeof admin, "%s dbname=postgres", base);
    PGconn *c = PQconnectdb(admin);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    PQclear(PQexec(c, sql));
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base, dbname);

    pub_policy_t policy = { .lease_seconds = 60, .max_attempts = 3, .backoff_base_seconds = 10,
                            .backoff_max_seconds = 25, .feed_poll_seconds = 900,
                            .feed_error_poll_seconds = 3600 };
    pub_db_t *db = pub_db_new(conninfo, &policy, err, sizeof err);
    CHECK(db != NULL);
    if (!db)
        return nm_test_done();
    adm = PQconnectdb(conninfo);
    CHECK(pub_db_migrate(db, NULL, NULL, err, sizeof err) >= 1);

    /* a feed, its job, and article jobs in every state and age */
    sqln("INSERT INTO feeds (url) VALUES ('http://example.com/feed')");
    sqln("INSERT INTO jobs (kind, url, feed_id, state, finished_at)"
         " VALUES ('feed', 'http://example.com/feed', 1, 'pending', now() - interval '400 days')");
    sqln("INSERT INTO jobs (kind, url, state, finished_at, updated_at) SELECT 'article',"
         " 'http://example.com/old-' || s || '-' || st, st, now() - interval '100 days', now() - interval '100 days'"
         " FROM generate_series(1, 1500) s, unnest(ARRAY['done','failed','dead']) st");
    sqln("INSERT INTO jobs (kind, url, state, finished_at) SELECT 'article',"
         " 'http://example.com/new-' || s, 'done', now() - interval '10 days' FROM generate_series(1, 5) s");
    sqln("INSERT INTO jobs (kind, url, state, updated_at) VALUES"
         " ('article', 'http://example.com/waiting', 'pending', now() - interval '100 days'),"
         " ('article', 'http://example.com/leased', 'leased', now() - interval '100 days')");
    sqln("INSERT INTO articles (canonical_url, url, title, text, job_id)"
         " SELECT url, url, 'kept', 'text', id FROM jobs WHERE url = 'http://example.com/old-1-done'");

    /* 0 days: keep everything */
    CHECK_INT(pub_retention_prune(db, 0, 1000, err, sizeof err), 0);
    CHECK_INT(sqln("SELECT count(*) FROM jobs"), 4508);

    /* bounded batches: 1000, then the rest */
    CHECK_INT(pub_retention_prune(db, 90, 1000, err, sizeof err), 1000);
    CHECK_INT(pub_retention_prune(db, 90, 10000, err, sizeof err), 3500);
    CHECK_INT(pub_retention_prune(db, 90, 10000, err, sizeof err), 0);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE url LIKE '%/old-%'"), 0);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE url LIKE '%/new-%'"), 5);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE state IN ('pending','leased') AND kind = 'article'"), 2);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'feed'"), 1);
    /* the article stays, its job reference is cleared */
    CHECK_INT(sqln("SELECT count(*) FROM articles WHERE job_id IS NULL AND title = 'kept'"), 1);

    PQfinish(adm);
    pub_db_destroy(&db);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    return nm_test_done();
}

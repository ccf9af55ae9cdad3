/* pub_daily: which articles make a day's digest, in what order, with which
 * summary; and that the digest is stored. Real PostgreSQL (NEWSMILL_TEST_PG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nm_test.h"
#include "pub_daily.h"
#include "pub_db.h"

static PGconn *adm;

static void exec_sql(const char *sql)
{
    PGresult *r = PQexecParams(adm, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "SQL failed: %s\n%s", sql, PQresultErrorMessage(r));
        nm_test_failures++;
    }
    PQclear(r);
}

static long count(const char *sql)
{
    PGresult *r = PQexecParams(adm, sql, 0, NULL, NULL, NULL, NULL, 0);
    long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return v;
}

int main(void)
{
    const char *base = getenv("NEWSMILL_TEST_PG");
    if (!base || !*base) {
        fprintf(stderr, "test_pub_daily: NEWSMILL_TEST_PG is not set (run through tests/run.sh)\n");
        return 1;
    }
    char dbname[64], admin[1024], conninfo[1024], sql[256], err[512];
    snprintf(dbname, sizeof dbname, "nm_test_pub_daily_%d", (int)getpid());
    snprintf(admin, sizeof admin, "%s dbname=postgres", base);
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base, dbname);
    PGconn *c = PQconnectdb(admin);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "test_pub_daily: cannot connect: %s", PQerrorMessage(c));
        return 1;
    }
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    PQclear(PQexec(c, sql));
    pub_db_t *db = pub_db_new(conninfo, NULL, err, sizeof err);
    CHECK(db != NULL);
    if (!db)
        return nm_test_done();
    CHECK(pub_db_migrate(db, NULL, NULL, err, sizeof err) >= 1);
    adm = PQconnectdb(conninfo);

    /* 2026-03-01 in Asia/Shanghai (UTC+8) runs from 02-28 16:00 to 03-01 16:00 UTC */
    exec_sql("INSERT INTO articles (canonical_url, url, source_site, title, text, word_count, published_at, fetched_at) VALUES"
             " ('https://e.com/late', 'https://e.com/late', 'E', 'Late story', 'Late body.', 2, '2026-03-01 12:00+00', now()),"
             " ('https://e.com/early', 'https://e.com/early', 'E', 'Early story', 'Early body.', 2, '2026-02-28 17:00+00', now()),"
             " ('https://e.com/next', 'https://e.com/next', 'E', 'Next day story', 'Next body.', 2, '2026-03-01 17:00+00', now()),"
             " ('https://e.com/undated', 'https://e.com/undated', 'E', 'Undated story', 'Undated body.', 2, NULL, '2026-03-01 03:00+00')");
    exec_sql("INSERT INTO summaries (article_id, backend, language, title, summary, topics)"
             " SELECT id, 'extractive', 'en', NULL, 'English summary of late.', '{economy}' FROM articles WHERE canonical_url = 'https://e.com/late'");
    exec_sql("INSERT INTO summaries (article_id, backend, language, title, summary, topics)"
             " SELECT id, 'llm:test', 'zh', '晚新闻', '中文摘要。', '{经济}' FROM articles WHERE canonical_url = 'https://e.com/late'");

    char *md = NULL;
    size_t n = 0;
    int rc = pub_daily_digest_md(db, "2026-03-01", "zh", "Asia/Shanghai", "Digest", 200, &md, &n, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "digest: %s\n", err);
    CHECK_INT(rc, 0);
    CHECK_INT(n, 3);
    if (md) {
        const char *early = strstr(md, "Early story"), *undated = strstr(md, "Undated story"),
                   *late = strstr(md, "Late story");
        CHECK(early && undated && late);
        CHECK(early && undated && early < undated);
        CHECK(undated && late && undated < late);
        CHECK(strstr(md, "Next day story") == NULL);
        CHECK(strstr(md, "中文摘要") != NULL);          /* the requested language wins */
        CHECK(strstr(md, "English summary of late") == NULL);
        CHECK(strstr(md, "https://e.com/early") != NULL);
        CHECK_INT(count("SELECT count(*) FROM digests WHERE date = '2026-03-01' AND language = 'zh' AND format = 'md'"), 1);
        free(md);
    }
    /* English preferred: the other summary; the stored digest is per language */
    md = NULL;
    CHECK_INT(pub_daily_digest_md(db, "2026-03-01", "en", "Asia/Shanghai", "Digest", 200, &md, &n, err, sizeof err), 0);
    CHECK(md && strstr(md, "English summary of late") != NULL);
    free(md);
    CHECK_INT(count("SELECT count(*) FROM digests"), 2);

    /* in UTC the next-day story belongs to 03-01 and the early one does not */
    md = NULL;
    CHECK_INT(pub_daily_digest_md(db, "2026-03-01", NULL, "UTC", "Digest", 200, &md, &n, err, sizeof err), 0);
    CHECK_INT(n, 3);
    CHECK(md && strstr(md, "Next day story") && !strstr(md, "Early story"));
    free(md);

    /* hostile parameters: errors, not crashes */
    md = NULL;
    CHECK_INT(pub_daily_digest_md(db, "2026-13-45", NULL, "UTC", "Digest", 200, &md, &n, err, sizeof err), -1);
    CHECK(md == NULL);
    CHECK_INT(pub_daily_digest_md(db, "2026-03-01", NULL, "Mars/Olympus", "Digest", 200, &md, &n, err, sizeof err), -1);
    CHECK(strstr(err, "time zone") != NULL);

    /* an empty day still renders */
    md = NULL;
    CHECK_INT(pub_daily_digest_md(db, "2020-01-01", NULL, "UTC", "Digest", 200, &md, &n, err, sizeof err), 0);
    CHECK_INT(n, 0);
    CHECK(md != NULL);
    free(md);

    pub_db_destroy(&db);
    PQfinish(adm);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    return nm_test_done();
}

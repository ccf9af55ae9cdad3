/* pub_daily: which articles make a day's digest, in what order, with which
 * summary; and that the digest is stored. Real PostgreSQL (NEWSMILL_TEST_PG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    CHECK_INT(count("SELECT count(*) FROM digests WHERE format = 'md'"), 2);
    CHECK_INT(count("SELECT count(*) FROM digests WHERE format = 'html'"), 2);   /* both formats stored */

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

    /* the full build: story pass first, stories grouped across outlets,
     * HTML stored, not marked published unless asked */
    exec_sql("INSERT INTO articles (canonical_url, url, source_site, title, text, word_count, published_at, content_hash) VALUES"
             " ('https://a.com/1', 'https://a.com/1', 'Outlet A', 'Wang Yi and Rubio meet in Kuala Lumpur',"
             "  'Wang Yi and Marco Rubio met in Kuala Lumpur for talks on trade, tariffs and a Trump visit to Beijing. Both sides called the talks constructive and agreed to more exchanges.', 30, '2026-04-02 08:00+00', 'h1'),"
             " ('https://b.com/1', 'https://b.com/1', 'Outlet B', 'Rubio meets Wang Yi in Kuala Lumpur',"
             "  'Wang Yi and Marco Rubio met in Kuala Lumpur for talks on trade, tariffs and a Trump visit to Beijing. Both sides called the talks constructive and agreed to more exchanges.', 30, '2026-04-02 09:00+00', 'h2'),"
             " ('https://c.com/1', 'https://c.com/1', 'Outlet A', 'Pork prices fall', 'Pork prices fell for a third month as supply outstripped demand, hurting farmers.', 14, '2026-04-02 10:00+00', 'h3')");
    pub_story_opts_t so = {.window_days = 3, .max_hamming = 3};
    pub_daily_opts_t o = {.date = "2026-04-02", .lang = "en", .tz = "UTC", .title = "Daily", .story_limit = 100, .story = &so};
    pub_daily_result_t res;
    CHECK_INT(pub_daily_build(db, &o, &res, err, sizeof err), 0);
    CHECK_INT(res.narticles, 3);
    CHECK(res.md && strstr(res.md, "## Stories covered by several outlets\n\n1. Wang Yi and Rubio meet in Kuala Lumpur \xE2\x80\x94 2 outlets\n   - Outlet A: ") != NULL);
    CHECK(res.md && strstr(res.md, "   - Outlet B: Rubio meets Wang Yi in Kuala Lumpur (#2)\n") != NULL);
    CHECK(res.md && !strstr(res.md, "## Commentary"));   /* offline: no commentary */
    CHECK(res.html && strstr(res.html, "<section id=\"stories\">") != NULL);
    CHECK(!res.llm_error && !res.llm_overview);
    CHECK_INT(count("SELECT count(*) FROM story_articles"), 7);   /* every article got a story */
    CHECK_INT(count("SELECT count(*) FROM digests WHERE date = '2026-04-02' AND published_at IS NULL"), 2);
    pub_daily_result_free(&res);
    o.published = true;
    CHECK_INT(pub_daily_build(db, &o, &res, err, sizeof err), 0);
    pub_daily_result_free(&res);
    CHECK_INT(count("SELECT count(*) FROM digests WHERE date = '2026-04-02' AND published_at IS NOT NULL"), 2);
    /* an on-demand rebuild keeps the publication mark */
    o.published = false;
    CHECK_INT(pub_daily_build(db, &o, &res, err, sizeof err), 0);
    pub_daily_result_free(&res);
    CHECK_INT(count("SELECT count(*) FROM digests WHERE date = '2026-04-02' AND published_at IS NOT NULL"), 2);

    /* Atom from the stored HTML digests, newest first, limited */
    char *atom = NULL;
    pub_atom_opts_t ao = {.title = "Daily"};
    CHECK_INT(pub_daily_atom(db, "en", 1, &ao, &atom, err, sizeof err), 0);
    CHECK(atom && strstr(atom, "<title>Daily 2026-04-02</title>") && !strstr(atom, "2026-03-01</title>"));
    free(atom);
    CHECK_INT(pub_daily_atom(db, "en", 14, &ao, &atom, err, sizeof err), 0);
    CHECK(atom && strstr(atom, "2026-04-02</title>") && strstr(atom, "2026-03-01</title>") &&
          strstr(atom, "2026-04-02</title>") < strstr(atom, "2026-03-01</title>"));
    free(atom);

    /* files: atomic write, directory created, replaced in place, no temp left */
    char dir[256], path[320];
    snprintf(dir, sizeof dir, "/tmp/nm_test_pub_daily_%d", (int)getpid());
    CHECK_INT(pub_daily_write_file(dir, "2026-04-02.en.md", "one\n", err, sizeof err), 0);
    CHECK_INT(pub_daily_write_file(dir, "2026-04-02.en.md", "two\n", err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/2026-04-02.en.md", dir);
    FILE *f = fopen(path, "r");
    char got[16] = "";
    if (f) { if (!fgets(got, sizeof got, f)) got[0] = '\0'; fclose(f); }
    CHECK_STR(got, "two\n");
    CHECK_INT(pub_daily_write_file(dir, "../escape", "x", err, sizeof err), -1);
    CHECK_INT(pub_daily_write_file("/proc/nonexistent/dir", "x.md", "x", err, sizeof err), -1);
    unlink(path);
    CHECK_INT(rmdir(dir), 0);   /* empty: no temporary file left behind */

    int hh = -1, mm = -1;
    CHECK(pub_daily_parse_time("06:30", &hh, &mm) == 0 && hh == 6 && mm == 30);
    CHECK(pub_daily_parse_time("24:00", NULL, NULL) < 0);
    CHECK(pub_daily_parse_time("6:30", NULL, NULL) < 0);
    CHECK(pub_daily_parse_time("", NULL, NULL) < 0);

    pub_db_destroy(&db);
    PQfinish(adm);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    return nm_test_done();
}

/* pub_story: SimHash properties, and the story pass on real PostgreSQL
 * (NEWSMILL_TEST_PG): wire copies and same-event coverage from different
 * outlets group into one story, unrelated and out-of-window articles do not,
 * the pass is idempotent, a re-delivered article with new text is assigned
 * again (without DELETE), and SQL users get story_coverage and
 * article_topics. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nm_test.h"
#include "pub_db.h"
#include "pub_story.h"

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

static char *value(const char *sql)
{
    static char buf[4096];
    PGresult *r = PQexecParams(adm, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        snprintf(buf, sizeof buf, "%s", PQgetvalue(r, 0, 0));
    else
        snprintf(buf, sizeof buf, "(none)");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fprintf(stderr, "SQL failed: %s\n%s", sql, PQresultErrorMessage(r));
    PQclear(r);
    return buf;
}

static long count(const char *sql) { return strtol(value(sql), NULL, 10); }

static void add(const char *url, const char *site, const char *title, const char *text, const char *when)
{
    const char *p[5] = {url, site, title, text, when};
    PGresult *r = PQexecParams(adm,
        "INSERT INTO articles (canonical_url, url, source_site, title, text, word_count, published_at,"
        "   content_hash)"
        " VALUES ($1, $1, $2, $3, $4, 100, $5::timestamptz, encode(sha256(convert_to($4, 'UTF8')), 'hex'))",
        5, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "insert %s: %s", url, PQresultErrorMessage(r));
        nm_test_failures++;
    }
    PQclear(r);
}

static const char *const WIRE =
    "Chinese Foreign Minister Wang Yi and US Secretary of State Marco Rubio held their first "
    "in-person talks in Kuala Lumpur on Friday, on the sidelines of a meeting of Southeast Asian "
    "foreign ministers. Wang said the talks were positive, pragmatic and constructive and that "
    "the two sides agreed to deepen exchanges between their diplomatic teams and militaries. "
    "Rubio told reporters he expected President Donald Trump and President Xi Jinping to meet "
    "later this year, and that there was a strong desire on both sides to make it happen. The "
    "meeting came as Washington and Beijing work through a fragile truce in their tariff war, "
    "with export controls on rare earths and chips still unresolved.";

static const char *const WIRE_EDITED =
    "Chinese Foreign Minister Wang Yi and US Secretary of State Marco Rubio held their first "
    "in-person talks in Kuala Lumpur on Friday, on the sidelines of a meeting of Southeast Asian "
    "foreign ministers. Wang said the talks were positive, pragmatic and constructive and that "
    "the two sides agreed to deepen exchanges between their diplomatic teams and militaries. "
    "Rubio told reporters he expected President Donald Trump and President Xi Jinping to meet "
    "later this year, and that there was a strong desire on both sides to make it happen. The "
    "meeting came as Washington and Beijing work through a fragile truce in their tariff war, "
    "with export controls on rare earths and semiconductors still unresolved.";

static const char *const REWRITE =
    "Marco Rubio met his Chinese counterpart Wang Yi in Kuala Lumpur, their first face-to-face "
    "meeting since Rubio became secretary of state. The talks on the sidelines of the Asean "
    "gathering lasted about an hour. Rubio said a visit by Trump to China, or by Xi to the "
    "United States, was likely this year. Wang described the talks as constructive and said "
    "Beijing and Washington should expand exchanges and manage their differences through "
    "dialogue. Tariffs, export controls and rare earths hang over the relationship.";

static const char *const PORK =
    "Prices of pork and poultry in China fell sharply in the first half of the year as supply "
    "outstripped weak demand, leaving many farmers with losses. Hog farmers said they had not "
    "made a profit since February. The agriculture ministry plans to cut the breeding sow herd by "
    "one million to support prices. Analysts expect only a limited recovery in the third quarter "
    "as consumption around the holidays picks up.";

static const char *const EGYPT =
    "Chinese Premier Li Qiang met Egyptian President Abdel Fattah el-Sisi in Cairo, and the two "
    "countries pledged to deepen cooperation under the Belt and Road Initiative in trade, "
    "finance, manufacturing and new energy. Li said China was willing to work with Egypt on "
    "crises in the Middle East, including Gaza and the Iran nuclear issue. Chinese companies "
    "have built Africa's tallest tower and its first electric light rail in Egypt.";

/* Two passes at once (publisher tick and `newsmill digest`), each with its
 * own connection. */
static const char *g_conninfo;
static void *pass_thread(void *arg)
{
    char err[512];
    pub_db_t *db = pub_db_new(g_conninfo, NULL, err, sizeof err);
    int *done = arg;
    *done = -1;
    if (!db) return NULL;
    pub_story_opts_t so = {.window_days = 3, .max_hamming = 3};
    int total = 0, n;
    while ((n = pub_story_assign_pending(db, &so, 5, err, sizeof err)) > 0) total += n;
    *done = n < 0 ? -1 : total;
    pub_db_destroy(&db);
    return NULL;
}

int main(void)
{
    /* ---- SimHash ---- */
    size_t ns1 = 0, ns2 = 0, ns3 = 0;
    uint64_t h1 = pub_story_simhash(WIRE, &ns1), h2 = pub_story_simhash(WIRE_EDITED, &ns2),
             h3 = pub_story_simhash(PORK, &ns3);
    CHECK(ns1 >= PUB_STORY_MIN_SHINGLES && ns3 >= PUB_STORY_MIN_SHINGLES);
    CHECK(pub_story_simhash(WIRE, NULL) == h1);                   /* deterministic */
    fprintf(stderr, "hamming: edited copy %d, rewrite %d, unrelated %d\n", pub_story_hamming(h1, h2),
            pub_story_hamming(h1, pub_story_simhash(REWRITE, NULL)), pub_story_hamming(h1, h3));
    CHECK(pub_story_hamming(h1, h2) <= 12);                       /* short text, one word changed */
    /* an article-length copy with one word changed is within 3 bits (a
     * 600-word pseudo-random text from the vocabulary of the ones above) */
    {
        char *words[400];
        size_t nw = 0;
        char *pool = malloc(strlen(WIRE) + strlen(PORK) + strlen(EGYPT) + 3);
        sprintf(pool, "%s %s %s", WIRE, PORK, EGYPT);
        for (char *tok = strtok(pool, " "); tok && nw < 400; tok = strtok(NULL, " ")) words[nw++] = tok;
        char *long1 = calloc(1, 8192), *long2 = calloc(1, 8192);
        unsigned x = 12345;
        for (int k = 0; k < 600; k++) {
            x = x * 1103515245u + 12345u;
            const char *w = words[(x >> 16) % nw];
            strcat(long1, w);
            strcat(long2, k == 300 ? "substituted" : w);
            strcat(long1, " ");
            strcat(long2, " ");
        }
        int hl = pub_story_hamming(pub_story_simhash(long1, NULL), pub_story_simhash(long2, NULL));
        fprintf(stderr, "hamming: 600-word copy with one word changed %d\n", hl);
        CHECK(hl <= 3);
        free(long1);
        free(long2);
        free(pool);
    }
    CHECK(pub_story_hamming(h1, h3) > 10);                        /* unrelated */
    CHECK(pub_story_hamming(h1, pub_story_simhash(REWRITE, NULL)) > 3);   /* rewrite: not a copy */
    CHECK_INT(pub_story_hamming(0, ~0ull), 64);
    size_t ns0 = 1;
    CHECK(pub_story_simhash("", &ns0) == 0 && ns0 == 0);
    CHECK(pub_story_simhash("Short.", &ns0) != 0 || ns0 < PUB_STORY_MIN_SHINGLES);

    pub_terms_t a, b;
    pub_story_title_terms("Wang Yi says deeper US exchanges on the cards after talks with Rubio", &a);
    pub_story_title_terms("Rubio and Wang Yi hold first talks in Kuala Lumpur", &b);
    double j = pub_terms_jaccard(&a, &b);
    CHECK(j > 0.2 && j < 1);
    pub_terms_free(&a);
    pub_terms_free(&b);
    pub_story_terms("Pork prices fall", PORK, 10, &a);
    CHECK(a.n == 10);
    CHECK(a.n >= 2 && (strcmp(a.v[0], "pork") == 0 || strcmp(a.v[1], "pork") == 0));   /* title terms weigh most */
    pub_terms_free(&a);

    /* ---- the pass, on PostgreSQL ---- */
    const char *base = getenv("NEWSMILL_TEST_PG");
    if (!base || !*base) {
        fprintf(stderr, "test_pub_story: NEWSMILL_TEST_PG is not set (run through tests/run.sh)\n");
        return 1;
    }
    char dbname[64], admin[1024], conninfo[1024], sql[256], err[512];
    snprintf(dbname, sizeof dbname, "nm_test_pub_story_%d", (int)getpid());
    snprintf(admin, sizeof admin, "%s dbname=postgres", base);
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base, dbname);
    PGconn *c = PQconnectdb(admin);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "test_pub_story: cannot connect: %s", PQerrorMessage(c));
        return 1;
    }
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    PQclear(PQexec(c, sql));
    pub_db_t *db = pub_db_new(conninfo, NULL, err, sizeof err);
    CHECK(db != NULL);
    if (!db) return nm_test_done();
    CHECK(pub_db_migrate(db, NULL, NULL, err, sizeof err) >= 1);
    adm = PQconnectdb(conninfo);

    add("https://scmp.example/wang", "South China Morning Post",
        "China's Wang Yi says deeper US exchanges on the cards after talks with Rubio", WIRE,
        "2025-07-11 10:00+00");
    add("https://pork.example/1", "South China Morning Post",
        "Plunging pork and poultry prices put pressure on Chinese farmers", PORK, "2025-07-11 11:00+00");
    /* syndicated: the same copy under another headline */
    add("https://wire.example/rubio", "Wire Service", "US, China top diplomats meet in Malaysia",
        WIRE, "2025-07-11 12:00+00");
    add("https://reuters.example/rubio", "Reuters",
        "Rubio and Wang Yi hold first in-person talks in Kuala Lumpur", REWRITE, "2025-07-11 14:00+00");
    add("https://egypt.example/1", "South China Morning Post",
        "China and Egypt deepen ties as Beijing boosts influence in bid to solve Mideast crises",
        EGYPT, "2025-07-11 15:00+00");
    /* the same copy three weeks later: outside the window, its own story */
    add("https://late.example/rubio", "Late Outlet", "Looking back: Wang and Rubio in Kuala Lumpur",
        WIRE, "2025-08-01 12:00+00");

    pub_story_opts_t so = {.window_days = 3, .max_hamming = 3};
    int n = pub_story_assign_pending(db, &so, 100, err, sizeof err);
    if (n < 0) fprintf(stderr, "pass: %s\n", err);
    CHECK_INT(n, 6);
    CHECK_INT(count("SELECT count(*) FROM story_articles"), 6);
    CHECK_INT(count("SELECT count(*) FROM stories"), 4);
    /* wire copy: duplicate of the SCMP piece; Reuters rewrite: same event */
    CHECK_STR(value("SELECT sa.relation || ' ' || sa.hamming FROM story_articles sa JOIN articles a"
                    " ON a.id = sa.article_id WHERE a.canonical_url = 'https://wire.example/rubio'"),
              "duplicate 0");
    const char *rel = value("SELECT sa.relation FROM story_articles sa JOIN articles a"
                            " ON a.id = sa.article_id WHERE a.canonical_url = 'https://reuters.example/rubio'");
    CHECK_STR(rel, "same_event");
    CHECK_INT(count("SELECT count(DISTINCT story_id) FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                    " WHERE a.canonical_url IN ('https://scmp.example/wang', 'https://wire.example/rubio',"
                    " 'https://reuters.example/rubio')"), 1);
    CHECK_INT(count("SELECT count(DISTINCT story_id) FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                    " WHERE a.canonical_url IN ('https://scmp.example/wang', 'https://egypt.example/1',"
                    " 'https://pork.example/1', 'https://late.example/rubio')"), 4);
    CHECK(strcmp(value("SELECT simhash::text FROM articles WHERE canonical_url = 'https://scmp.example/wang'"), "(none)") != 0);

    /* SQL users: which outlets covered it, and how each framed it */
    exec_sql("INSERT INTO summaries (article_id, backend, language, summary, topics)"
             " SELECT id, 'extractive', 'en', 'Rubio expects a Trump-Xi meeting.', '{diplomacy}'"
             " FROM articles WHERE canonical_url = 'https://reuters.example/rubio'");
    exec_sql("INSERT INTO summaries (article_id, backend, language, summary, topics)"
             " SELECT id, 'extractive', 'en', 'Pork prices fell.', '{economy and trade}'"
             " FROM articles WHERE canonical_url = 'https://pork.example/1'");
    CHECK_STR(value("SELECT string_agg(outlet, ', ' ORDER BY outlet) FROM story_coverage"
                    " WHERE story_id = (SELECT story_id FROM story_coverage WHERE outlet = 'Reuters')"),
              "Reuters, South China Morning Post, Wire Service");
    CHECK_STR(value("SELECT outlets || ' ' || summary FROM story_coverage WHERE outlet = 'Reuters'"),
              "3 Rubio expects a Trump-Xi meeting.");
    CHECK_STR(value("SELECT string_agg(title, '|') FROM article_topics WHERE topic = 'economy and trade'"),
              "Plunging pork and poultry prices put pressure on Chinese farmers");

    /* idempotent: a second pass finds nothing; delivery again of the same
     * text (the writer's upsert) changes nothing */
    CHECK_INT(pub_story_assign_pending(db, &so, 100, err, sizeof err), 0);
    exec_sql("UPDATE articles SET text = text, content_hash = content_hash WHERE canonical_url = 'https://wire.example/rubio'");
    CHECK_INT(pub_story_assign_pending(db, &so, 100, err, sizeof err), 0);
    CHECK_INT(count("SELECT count(*) FROM story_articles"), 6);

    /* re-delivered with different text: assigned again, its old story keeps
     * the others; a story left empty disappears */
    exec_sql("UPDATE articles SET text = 'Pork and poultry prices fell again. ' || text,"
             " content_hash = 'changed' WHERE canonical_url = 'https://late.example/rubio'");
    exec_sql("UPDATE articles SET published_at = '2025-07-11 16:00+00' WHERE canonical_url = 'https://late.example/rubio'");
    CHECK_INT(pub_story_assign_pending(db, &so, 100, err, sizeof err), 1);
    CHECK_INT(count("SELECT count(*) FROM story_articles"), 6);
    /* joined the Rubio story; its old story has no members and no rows in the view */
    CHECK_INT(count("SELECT count(*) FROM story_coverage WHERE outlet = 'Late Outlet' AND outlets = 4"), 1);
    CHECK_INT(count("SELECT count(DISTINCT story_id) FROM story_coverage"), 3);   /* Rubio, pork, Egypt */
    CHECK_STR(value("SELECT story_hash FROM articles WHERE canonical_url = 'https://late.example/rubio'"), "changed");

    /* an article without text or title still gets a story of its own */
    add("https://empty.example/", "E", "", "", "2025-07-11 17:00+00");
    CHECK_INT(pub_story_assign_pending(db, &so, 100, err, sizeof err), 1);
    CHECK_STR(value("SELECT relation FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                    " WHERE a.canonical_url = 'https://empty.example/'"), "first");
    CHECK_STR(value("SELECT coalesce(simhash::text, 'null') FROM articles WHERE canonical_url = 'https://empty.example/'"), "null");

    /* concurrent passes: 24 syndicated copies end up in ONE story, each
     * article assigned exactly once between the two passes */
    for (int k = 0; k < 24; k++) {
        char url[64];
        snprintf(url, sizeof url, "https://syndicate.example/%d", k);
        add(url, k % 2 ? "Paper A" : "Paper B", "Syndicated story", PORK, "2025-09-01 12:00+00");
    }
    g_conninfo = conninfo;
    int d1 = 0, d2 = 0;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, pass_thread, &d1);
    pthread_create(&t2, NULL, pass_thread, &d2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK(d1 >= 0 && d2 >= 0);
    CHECK_INT(d1 + d2, 24);
    CHECK_INT(count("SELECT count(DISTINCT sa.story_id) FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                    " WHERE a.canonical_url LIKE 'https://syndicate.example/%'"), 1);
    CHECK_INT(count("SELECT count(*) FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
                    " WHERE a.canonical_url LIKE 'https://syndicate.example/%' AND sa.relation = 'duplicate'"), 23);

    pub_db_destroy(&db);
    PQfinish(adm);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    return nm_test_done();
}

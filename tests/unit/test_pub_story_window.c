/* pub_story's in-memory candidate window gives the same stories as asking
 * PostgreSQL (NEWSMILL_TEST_PG) for every article's candidates.
 *
 * Two databases get the same 300 generated articles (wire copies, edited
 * copies, same-event rewrites, unrelated pieces; equal timestamps; times
 * inside and outside the +-3-day window), the same changes between rounds
 * (articles moved in time, retitled, re-delivered with new text, new
 * articles) and the same pass calls; one runs the pass with the window, the
 * other with pub_story_opts_t.no_window. Two connections take turns on the
 * window database, so each one's window must notice the other's writes
 * (story_gen, migrations/007_story_window.sql). At the end every article
 * has a story and both databases agree on every relation, matched article,
 * Hamming distance, similarity and story membership and time span. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nm_test.h"
#include "pub_db.h"
#include "pub_story.h"

static unsigned g_seed;
static unsigned rnd(unsigned n)
{
    g_seed = g_seed * 1103515245u + 12345u;
    return (g_seed >> 8) % n;
}

static void run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "SQL failed: %s\n%s", sql, PQresultErrorMessage(r));
        nm_test_failures++;
    }
    PQclear(r);
}

static char *value(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    char *out = strdup(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)
                           ? PQgetvalue(r, 0, 0) : "(none)");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fprintf(stderr, "SQL failed: %s\n%s", sql, PQresultErrorMessage(r));
    PQclear(r);
    return out;
}

/* pseudo-words from syllables: the stemmer and stopword list see real-ish input */
static const char *const SYL[] = {"ba", "ter", "lo", "mik", "sun", "dra", "ven", "ko", "pli", "sta",
                                  "ru", "gen", "ma", "tor", "zi", "fel", "an", "cho", "ne", "wil"};
static void word(unsigned k, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s", SYL[k % 20], SYL[(k / 20) % 20], k >= 400 ? "ing" : "");
}

/* n words: from the family's 60-word vocabulary with probability fam_pct %, else any */
static void text(char *out, size_t len, unsigned family, int n, int fam_pct)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char w[32];
        unsigned k = (int)rnd(100) < fam_pct ? family * 60 + rnd(60) : rnd(800);
        word(k % 800, w, sizeof w);
        if (strlen(out) + strlen(w) + 3 < len) {
            strcat(out, w);
            strcat(out, i % 15 == 14 ? ". " : " ");
        }
    }
}

typedef struct {
    char url[64], title[256], text[4096], when[64];   /* when: seconds after 2025-03-01 */
} art_t;

#define NFAM 12
static art_t base[NFAM];

static void gen_article(art_t *a, int i)
{
    unsigned f = rnd(NFAM), kind = rnd(10);
    art_t *b = &base[f];
    snprintf(a->url, sizeof a->url, "https://gen.example/%d", i);
    if (!b->url[0] || kind == 0) {   /* a new base for this family */
        text(b->text, sizeof b->text, f, 150, 70);
        text(b->title, sizeof b->title, f, 6, 90);
        snprintf(b->when, sizeof b->when, "%u", ((4 + f * 2) * 24 + rnd(24)) * 3600 + rnd(3600));
        snprintf(b->url, sizeof b->url, "x");
    }
    switch (kind) {
    case 1: case 2:   /* wire copy at the very same time (a tie) or later */
        memcpy(a->text, b->text, sizeof a->text);
        text(a->title, sizeof a->title, f, 5, 50);
        if (kind == 1) memcpy(a->when, b->when, sizeof a->when);
        else snprintf(a->when, sizeof a->when, "%u", ((4 + f * 2 + rnd(3)) * 24 + rnd(24)) * 3600);
        return;
    case 3: {         /* edited copy: a word changed */
        memcpy(a->text, b->text, sizeof a->text);
        char *sp = strchr(a->text + rnd(400), ' ');
        if (sp) memcpy(sp + 1, "zzq", 3);
        memcpy(a->title, b->title, sizeof a->title);
        break;
    }
    case 4: case 5: case 6:   /* same event, written again */
        text(a->text, sizeof a->text, f, 120, 60);
        text(a->title, sizeof a->title, f, 6, 70);
        break;
    default:          /* anything */
        text(a->text, sizeof a->text, rnd(NFAM), 100, 20);
        text(a->title, sizeof a->title, rnd(NFAM), 6, 30);
        break;
    }
    /* within the family's days, sometimes outside the window */
    snprintf(a->when, sizeof a->when, "%u", ((f * 2 + rnd(10)) * 24 + rnd(24)) * 3600 + rnd(60) * 60);
}

static void insert(PGconn *c, const art_t *a)
{
    const char *p[4] = {a->url, a->title, a->text, a->when};
    PGresult *r = PQexecParams(c,
        "INSERT INTO articles (canonical_url, url, source_site, title, text, word_count, published_at,"
        "   fetched_at, content_hash)"
        " VALUES ($1, $1, 'gen', $2, $3, 100, '2025-03-01 00:00+00'::timestamptz + $4::int * interval '1 second',"
        "   '2025-04-01 00:00+00',"
        "   encode(sha256(convert_to($3, 'UTF8')), 'hex'))",
        4, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "insert %s: %s", a->url, PQresultErrorMessage(r));
        nm_test_failures++;
    }
    PQclear(r);
}

typedef struct {
    char conninfo[1024];
    PGconn *adm;
    pub_db_t *db[2];
} side_t;

/* every pass call the same on both sides; returns articles assigned */
static int passes(side_t *s, bool no_window, int conn, int limit)
{
    pub_story_opts_t so = {.window_days = 3, .max_hamming = 3, .no_window = no_window};
    char err[512];
    int total = 0, n;
    while ((n = pub_story_assign_pending(s->db[conn], &so, limit, err, sizeof err)) > 0) total += n;
    if (n < 0) {
        fprintf(stderr, "pass: %s\n", err);
        nm_test_failures++;
    }
    return total;
}

static const char *SIGNATURE =
    "SELECT count(*) || ' ' || string_agg(format('%s:%s:%s:%s:%s:%s:%s:%s', a.id, sa.relation,"
    "   sa.matched_article_id, sa.hamming, sa.similarity,"
    "   (SELECT min(x.article_id) FROM story_articles x WHERE x.story_id = sa.story_id),"
    "   st.first_seen, st.last_seen), ';' ORDER BY a.id)"
    " FROM articles a JOIN story_articles sa ON sa.article_id = a.id JOIN stories st ON st.id = sa.story_id";

int main(void)
{
    const char *pgbase = getenv("NEWSMILL_TEST_PG");
    if (!pgbase || !*pgbase) {
        fprintf(stderr, "test_pub_story_window: NEWSMILL_TEST_PG is not set (run through tests/run.sh)\n");
        return 1;
    }
    char admin[1024], sql[256], err[512];
    snprintf(admin, sizeof admin, "%s dbname=postgres", pgbase);
    PGconn *root = PQconnectdb(admin);
    if (PQstatus(root) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect: %s", PQerrorMessage(root));
        return 1;
    }
    side_t side[2];
    for (int k = 0; k < 2; k++) {
        char name[64];
        snprintf(name, sizeof name, "nm_test_story_window_%d_%d", (int)getpid(), k);
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
        run(root, sql);
        snprintf(side[k].conninfo, sizeof side[k].conninfo, "%s dbname=%s", pgbase, name);
        for (int j = 0; j < 2; j++) {
            side[k].db[j] = pub_db_new(side[k].conninfo, NULL, err, sizeof err);
            CHECK(side[k].db[j] != NULL);
            if (!side[k].db[j]) return nm_test_done();
        }
        CHECK(pub_db_migrate(side[k].db[0], NULL, NULL, err, sizeof err) >= 1);
        side[k].adm = PQconnectdb(side[k].conninfo);
    }

    /* round 1: 200 articles, passes of 13 on connection 0 */
    art_t a;
    g_seed = 7;
    for (int i = 0; i < 200; i++) {
        gen_article(&a, i);
        for (int k = 0; k < 2; k++) insert(side[k].adm, &a);
    }
    int n0 = passes(&side[0], false, 0, 13), n1 = passes(&side[1], true, 0, 13);
    CHECK_INT(n0, 200);
    CHECK_INT(n1, 200);

    /* changes a window must notice: time, title, new text, new articles */
    for (int k = 0; k < 2; k++) {
        run(side[k].adm, "UPDATE articles SET published_at = published_at + interval '2 days 3 hours'"
                         " WHERE id % 17 = 3");
        run(side[k].adm, "UPDATE articles SET title = title || ' zzq' WHERE id % 23 = 5");
        run(side[k].adm, "UPDATE articles SET published_at = NULL WHERE id % 41 = 7");
        run(side[k].adm, "UPDATE articles SET text = 'Rewritten. ' || text,"
                         " content_hash = md5(text) WHERE id % 29 = 11");
    }
    g_seed = 99;
    for (int i = 200; i < 260; i++) {
        gen_article(&a, i);
        for (int k = 0; k < 2; k++) insert(side[k].adm, &a);
    }
    /* round 2 on the other connection, then more on the first (whose
     * window is now stale twice over) */
    n0 = passes(&side[0], false, 1, 7);
    n1 = passes(&side[1], true, 1, 7);
    CHECK_INT(n0, n1);
    CHECK(n0 >= 60);
    g_seed = 1234;
    for (int i = 260; i < 300; i++) {
        gen_article(&a, i);
        for (int k = 0; k < 2; k++) insert(side[k].adm, &a);
    }
    for (int k = 0; k < 2; k++)
        run(side[k].adm, "UPDATE articles SET published_at = published_at - interval '1 day' WHERE id % 31 = 2");
    n0 = passes(&side[0], false, 0, 500);
    n1 = passes(&side[1], true, 0, 500);
    CHECK_INT(n0, n1);
    CHECK(n0 >= 40);

    char *pend[2], *sig[2];
    for (int k = 0; k < 2; k++) {
        pend[k] = value(side[k].adm, "SELECT count(*) FROM articles"
                                     " WHERE coalesce(story_hash, '-') <> coalesce(content_hash, '')");
        sig[k] = value(side[k].adm, SIGNATURE);
    }
    CHECK_STR(pend[0], "0");
    CHECK_STR(pend[1], "0");
    CHECK(strncmp(sig[0], "300 ", 4) == 0);
    CHECK(strcmp(sig[0], sig[1]) == 0);
    if (strcmp(sig[0], sig[1]) != 0) {
        /* the first difference, for whoever has to look */
        size_t i = 0;
        while (sig[0][i] && sig[0][i] == sig[1][i]) i++;
        size_t from = i > 80 ? i - 80 : 0;
        fprintf(stderr, "window:   ...%.200s\ndatabase: ...%.200s\n", sig[0] + from, sig[1] + from);
    }
    /* the data has what it is meant to have */
    char *mix = value(side[0].adm, "SELECT count(*) FILTER (WHERE relation = 'duplicate') > 20"
                                   " AND count(*) FILTER (WHERE relation = 'same_event') > 10"
                                   " AND count(*) FILTER (WHERE relation = 'first') > 10 FROM story_articles");
    CHECK_STR(mix, "t");
    char *rel = value(side[0].adm, "SELECT string_agg(relation || ' ' || n, ', ')"
                                   " FROM (SELECT relation, count(*) n FROM story_articles GROUP BY 1) x");
    fprintf(stderr, "relations: %s\n", rel);
    free(rel);
    /* migration 007 kept full-text search as documented (docs/operations.md,
     * "SQL for users"): that query can use articles_fts; the text is lz4 */
    run(side[0].adm, "SET enable_seqscan = off");
    PGresult *er = PQexec(side[0].adm,
        "EXPLAIN SELECT id, title, published_at FROM articles"
        " WHERE to_tsvector('english', coalesce(title, '') || ' ' || coalesce(text, ''))"
        "       @@ websearch_to_tsquery('english', 'Taiwan semiconductors')"
        " ORDER BY published_at DESC LIMIT 20");
    int uses_fts = 0;
    for (int i = 0; PQresultStatus(er) == PGRES_TUPLES_OK && i < PQntuples(er); i++)
        uses_fts |= strstr(PQgetvalue(er, i, 0), "articles_fts") != NULL;
    PQclear(er);
    CHECK(uses_fts);
    char *lz4 = value(side[0].adm,
        "SELECT (attcompression = CASE WHEN EXISTS (SELECT 1 FROM pg_settings"
        "   WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN 'l' ELSE '' END)::text"
        " FROM pg_attribute WHERE attrelid = 'articles'::regclass AND attname = 'text'");
    CHECK_STR(lz4, "true");
    free(lz4);

    for (int k = 0; k < 2; k++) {
        free(pend[k]);
        free(sig[k]);
        pub_db_destroy(&side[k].db[0]);
        pub_db_destroy(&side[k].db[1]);
        PQfinish(side[k].adm);
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS nm_test_story_window_%d_%d WITH (FORCE)",
                 (int)getpid(), k);
        run(root, sql);
    }
    free(mix);
    PQfinish(root);
    return nm_test_done();
}

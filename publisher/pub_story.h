/* pub_story: the same story across outlets (migration 003_stories).
 *
 * Two relations put an article into the story of an earlier one:
 *  - duplicate: the 64-bit SimHash of its text's word 3-shingles is within
 *    max_hamming bits (3 by default) of a member's: the same copy (wire text,
 *    syndication, a re-published page), whatever the title says;
 *  - same event: within window_days of each other, their titles and texts
 *    are similar: score = 0.6 * content + 0.4 * title >= min_similarity,
 *    with content >= min_content, where content is the TF-IDF cosine of the
 *    two articles' key terms (IDF over the candidates in the window) and
 *    title the Jaccard index of their title terms.
 * Terms are summ_tok tokens (lowercased, English stopwords dropped, Snowball
 * stemmed; each CJK character a token). An article joins the story of its
 * best match (duplicates first), else starts a story of its own.
 *
 * When: a new article is assigned in the transaction that stores it
 * (pub_db_article_result, "at write time" below), so it is never pending.
 * pub_story_assign_pending is the pass over what is pending anyway:
 * articles whose text has no story yet (articles.story_hash differs from
 * content_hash: a re-delivered article with new text, rows written by an
 * older version or by SQL, an assignment that failed); it finds them in
 * story_queue (migrations/006_perf.sql) in article id order. The publisher
 * runs it every tick (pub_daily_sched_tick), and `newsmill digest` runs it
 * before building a day. A re-assigned article moves by upsert (no DELETE:
 * the writer role has none); a story it leaves empty stays as a row without
 * members, invisible in the views.
 *
 * Candidates: the assigned articles within window_days of the article,
 * nearest in time first (ties by id), at most PUB_STORY_MAX_CANDIDATES.
 * They come from an in-memory window kept per connection (pub_db_ext): the
 * assigned articles of the time spans it has looked at, read from the
 * database once per span (at most 50,000 articles, ~300 bytes each; a span
 * with more is read from the database article by article, as before). The
 * database stays the truth: every assignment transaction locks story_gen's
 * row (migrations/007_story_window.sql) first, which serializes passes and
 * writers across sessions, and a window whose generation is not the one
 * its connection left at its own last commit is thrown away; triggers
 * change the generation whenever something a window holds changes
 * (another session's assignment, an article's time or title). The same
 * articles in the same order give the same decisions with the window or
 * without it (opts.no_window; tests/unit/test_pub_story_window.c).
 *
 * Transactions: a pass assigns up to 100 articles per transaction, locking
 * them with SKIP LOCKED (a writer holding one queues it again when it
 * commits); repeated or interrupted passes never assign an article twice:
 * idempotent under at-least-once delivery. */
#ifndef PUB_STORY_H
#define PUB_STORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pub_db.h"

#define PUB_STORY_TERMS 40            /* key terms kept per article */
#define PUB_STORY_MIN_SHINGLES 8      /* shorter texts get no SimHash */
#define PUB_STORY_MAX_CANDIDATES 5000 /* articles compared per assignment */

typedef struct {
    int window_days;         /* <= 0: 3 */
    int max_hamming;         /* < 0: 3 */
    double min_similarity;   /* <= 0: 0.25 */
    double min_content;      /* <= 0: 0.20 */
    bool no_window;          /* candidates from the database for every article
                              * (tests: the window must give the same answers) */
} pub_story_opts_t;

/* ---- pure parts (tests, tuning) ---- */

/* SimHash of text's word 3-shingles; *nshingles (may be NULL) gets how many
 * shingles there were (fewer than PUB_STORY_MIN_SHINGLES: not meaningful). */
uint64_t pub_story_simhash(const char *text, size_t *nshingles);
int pub_story_hamming(uint64_t a, uint64_t b);

typedef struct {
    char **v;
    size_t n;
} pub_terms_t;

/* Up to max distinct terms, most frequent first (title terms count 3 each,
 * ties by first occurrence). Free with pub_terms_free. */
void pub_story_terms(const char *title, const char *text, size_t max, pub_terms_t *out);
/* Distinct terms of a title. */
void pub_story_title_terms(const char *title, pub_terms_t *out);
void pub_terms_free(pub_terms_t *t);
/* Jaccard index of two term sets (0 when either is empty). */
double pub_terms_jaccard(const pub_terms_t *a, const pub_terms_t *b);

/* ---- the pass ---- */

/* Assign up to limit pending articles (in queue order: article id) to
 * stories. Returns how many were assigned (0 when nothing is pending), or
 * -1 with err. */
int pub_story_assign_pending(pub_db_t *db, const pub_story_opts_t *opts, int limit, char *err,
                             size_t errlen);

/* ---- assignment when an article is first written (pub_db) ----
 *
 * The writer assigns a new article in the transaction that stores it, so
 * the article is never pending and the pass only sees rewritten texts and
 * anything a failure left behind. The transaction: pub_story_txn_lock
 * (serializes with passes, as a pass's transaction does), the INSERT with
 * pub_story_prep_t's SimHash and key terms and story_hash = content_hash,
 * pub_story_assign_new, then pub_story_txn_commit; pub_story_txn_abort
 * after a rollback. Same decisions as the pass (it is the same code). */
typedef struct {
    uint64_t simhash;
    bool has_simhash;          /* enough shingles (else simhash is NULL) */
    char simhash_s[24];
    pub_terms_t terms, title;  /* key terms; title terms */
    char *terms_json;          /* JSON array of the key terms */
} pub_story_prep_t;

void pub_story_prepare(pub_db_t *db, const char *title, const char *text, pub_story_prep_t *p);
void pub_story_prep_free(pub_story_prep_t *p);
int pub_story_txn_lock(pub_db_t *db, char *err, size_t errlen);
/* The same in pieces, for a writer that pipelines its statements (pub_db):
 * run pub_story_lock_sql first in the transaction and hand its result to
 * pub_story_txn_locked; run pub_story_gen_sql right before COMMIT and hand
 * its result (NULL if it or the COMMIT failed) to pub_story_txn_committed,
 * which returns -1 (window dropped) unless both succeeded. */
extern const char pub_story_lock_sql[];
extern const char pub_story_gen_sql[];
void pub_story_txn_locked(pub_db_t *db, const PGresult *r);
int pub_story_txn_committed(pub_db_t *db, const PGresult *r);
/* at, lo, hi: the article's time and window bounds in microseconds since
 * 1970 as PostgreSQL computed them; when: its time as timestamptz text. */
int pub_story_assign_new(pub_db_t *db, const pub_story_opts_t *opts, const pub_story_prep_t *p,
                         int64_t id, int64_t at, int64_t lo, int64_t hi, const char *when,
                         const char *title, char *err, size_t errlen);
/* pub_story_assign_new in two steps, so the writer can send the story's
 * statement in one round trip with the rest of its transaction:
 * pub_story_assign_plan decides (it may read the window's spans from the
 * database) and fills st with the statement to run (sql, n, p); hand its
 * result (NULL if it failed) to pub_story_assign_done, which updates the
 * window (-1 and the window dropped on NULL); pub_story_stmt_free always. */
typedef struct {
    const char *sql;
    int n;
    const char *p[7];
    char buf[5][32];
    char *title, *when;
    void *me;                  /* the article's window entry, until done */
} pub_story_stmt_t;
int pub_story_assign_plan(pub_db_t *db, const pub_story_opts_t *opts, const pub_story_prep_t *p,
                          int64_t id, int64_t at, int64_t lo, int64_t hi, const char *when,
                          const char *title, pub_story_stmt_t *st, char *err, size_t errlen);
int pub_story_assign_done(pub_db_t *db, pub_story_stmt_t *st, const PGresult *r);
void pub_story_stmt_free(pub_story_stmt_t *st);
int pub_story_txn_commit(pub_db_t *db, char *err, size_t errlen);
void pub_story_txn_abort(pub_db_t *db);

#endif

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
 * When: pub_story_assign_pending is a pass over articles whose text has no
 * story yet (articles.story_hash differs from content_hash, so a
 * re-delivered article with new text is assigned again). The publisher runs
 * it every tick right after storing results (pub_daily_tick), and `newsmill
 * digest` runs it before building a day. A re-assigned article moves by
 * upsert (no DELETE: the writer role has none); a story it leaves empty
 * stays as a row without members, invisible in the views. Each article is one transaction
 * under a transaction advisory lock, so concurrent passes serialize and a
 * repeated or interrupted pass never assigns an article twice: idempotent
 * under at-least-once delivery. Work per article is bounded by
 * PUB_STORY_MAX_CANDIDATES. */
#ifndef PUB_STORY_H
#define PUB_STORY_H

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

/* Assign up to limit pending articles (oldest first) to stories. Returns
 * how many were assigned (0 when nothing is pending), or -1 with err. */
int pub_story_assign_pending(pub_db_t *db, const pub_story_opts_t *opts, int limit, char *err,
                             size_t errlen);

#endif

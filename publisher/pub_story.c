/* pub_story: SimHash, key terms and the story-assignment pass (pub_story.h). */
#include "pub_story.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_buf.h"
#include "nm_log.h"
#include "summ_tok.h"

/* Serializes passes (publisher tick and CLI) across sessions. */
#define PUB_STORY_LOCK "7262917453001"

/* ---------------------------------------------------------------- SimHash */

static uint64_t fnv64(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* FNV alone leaves the high bits of similar strings correlated; the
 * splitmix64 finalizer spreads every input bit over all 64. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Raw words for shingles: lowercased ASCII letters and digits, other
 * non-ASCII letters kept as bytes, each CJK character a word of its own;
 * stopwords stay (their order is part of what a copy shares). */
static void raw_words(const char *s, summ_tokens_t *t)
{
    size_t len = strnlen(s, 1u << 20), i = 0;
    nm_buf_t w;
    nm_buf_init(&w, 0);
    while (i <= len) {
        size_t st = i;
        uint32_t cp = i < len ? summ_utf8_next(s, len, &i) : 0;
        int word = cp && ((cp < 0x80 && isalnum((int)cp)) || (cp >= 0x80 && !summ_is_cjk(cp) &&
                                                             cp != 0x2019 && cp != 0x201C &&
                                                             cp != 0x201D && cp != 0x2014 &&
                                                             cp != 0x2013 && cp != 0xA0));
        if (word) {
            if (cp < 0x80) {
                char c = (char)tolower((int)cp);
                nm_buf_append(&w, &c, 1);
            } else {
                nm_buf_append(&w, s + st, i - st);
            }
            continue;
        }
        if (w.len) {
            if (t->n == t->cap) t->v = nm_realloc(t->v, (t->cap = t->cap ? t->cap * 2 : 256) * sizeof *t->v);
            t->v[t->n++] = nm_buf_steal(&w);
            nm_buf_free(&w);
            nm_buf_init(&w, 0);
        }
        if (cp && summ_is_cjk(cp) && cp >= 0x3040) {
            if (t->n == t->cap) t->v = nm_realloc(t->v, (t->cap = t->cap ? t->cap * 2 : 256) * sizeof *t->v);
            t->v[t->n++] = nm_strndup(s + st, i - st);
        }
        if (i >= len) break;
    }
    nm_buf_free(&w);
}

uint64_t pub_story_simhash(const char *text, size_t *nshingles)
{
    if (nshingles) *nshingles = 0;
    if (!text || !*text) return 0;
    summ_tokens_t t = {0};
    raw_words(text, &t);
    long v[64] = {0};
    size_t ns = 0;
    /* shingles of 3 consecutive words; a text of 1-2 words is one shingle */
    size_t last = t.n >= 3 ? t.n - 2 : (t.n ? 1 : 0);
    for (size_t i = 0; i < last; i++) {
        uint64_t h = 1469598103934665603ull;
        for (size_t k = i; k < i + 3 && k < t.n; k++) {
            h = fnv64(t.v[k], strlen(t.v[k]), h);
            h = fnv64(" ", 1, h);
        }
        h = mix64(h);
        for (int b = 0; b < 64; b++) v[b] += (h >> b) & 1 ? 1 : -1;
        ns++;
    }
    summ_tokens_free(&t);
    uint64_t out = 0;
    for (int b = 0; b < 64; b++)
        if (v[b] > 0) out |= 1ull << b;
    if (nshingles) *nshingles = ns;
    return out;
}

int pub_story_hamming(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

/* ---------------------------------------------------------------- terms */

typedef struct {
    char *term;
    int count;
    size_t first;
} tf_t;

static int cmp_tf(const void *a, const void *b)
{
    const tf_t *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Count tokens into a small open list (articles have a few thousand terms
 * at most; the cap keeps a hostile text from making this quadratic). */
#define PUB_TF_CAP 4096
static void add_counts(tf_t **tf, size_t *n, size_t *cap, const summ_tokens_t *t, int weight,
                       size_t *pos)
{
    for (size_t i = 0; i < t->n; i++, (*pos)++) {
        const char *w = t->v[i];
        if (strlen(w) < 2 && (unsigned char)w[0] < 0x80) continue;   /* "s", "3" */
        size_t k = 0;
        while (k < *n && strcmp((*tf)[k].term, w) != 0) k++;
        if (k == *n) {
            if (*n >= PUB_TF_CAP) continue;
            if (*n == *cap) *tf = nm_realloc(*tf, (*cap = *cap ? *cap * 2 : 64) * sizeof **tf);
            (*tf)[k].term = nm_strdup(w);
            (*tf)[k].count = 0;
            (*tf)[k].first = *pos;
            (*n)++;
        }
        (*tf)[k].count += weight;
    }
}

void pub_story_terms(const char *title, const char *text, size_t max, pub_terms_t *out)
{
    out->v = NULL;
    out->n = 0;
    summ_tokenizer_t *tk = summ_tokenizer_new("en");
    summ_tokens_t tt = {0}, xt = {0};
    if (title) summ_tokenize(tk, title, &tt);
    /* the lead carries the event; 20 KB is plenty and bounds the work */
    if (text) {
        char *lead = nm_strndup(text, strnlen(text, 20000));
        summ_tokenize(tk, lead, &xt);
        free(lead);
    }
    summ_tokenizer_destroy(&tk);
    tf_t *tf = NULL;
    size_t n = 0, cap = 0, pos = 0;
    add_counts(&tf, &n, &cap, &tt, 3, &pos);
    add_counts(&tf, &n, &cap, &xt, 1, &pos);
    summ_tokens_free(&tt);
    summ_tokens_free(&xt);
    if (n) qsort(tf, n, sizeof *tf, cmp_tf);
    size_t keep = n < max ? n : max;
    out->v = nm_calloc(keep ? keep : 1, sizeof *out->v);
    for (size_t k = 0; k < n; k++) {
        if (k < keep) out->v[out->n++] = tf[k].term;
        else free(tf[k].term);
    }
    free(tf);
}

void pub_story_title_terms(const char *title, pub_terms_t *out)
{
    pub_story_terms(title, NULL, PUB_TF_CAP, out);
}

void pub_terms_free(pub_terms_t *t)
{
    if (!t) return;
    for (size_t k = 0; k < t->n; k++) free(t->v[k]);
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

static int has_term(const pub_terms_t *t, const char *w)
{
    for (size_t k = 0; k < t->n; k++)
        if (strcmp(t->v[k], w) == 0) return 1;
    return 0;
}

double pub_terms_jaccard(const pub_terms_t *a, const pub_terms_t *b)
{
    if (!a->n || !b->n) return 0;
    size_t shared = 0;
    for (size_t k = 0; k < a->n; k++) shared += (size_t)has_term(b, a->v[k]);
    return (double)shared / (double)(a->n + b->n - shared);
}

/* ---------------------------------------------------------------- the pass */

static void opts_fill(pub_story_opts_t *o, const pub_story_opts_t *in)
{
    pub_story_opts_t d = {0};
    if (in) d = *in;
    o->window_days = d.window_days > 0 ? d.window_days : 3;
    o->max_hamming = d.max_hamming >= 0 && in ? d.max_hamming : 3;
    o->min_similarity = d.min_similarity > 0 ? d.min_similarity : 0.25;
    o->min_content = d.min_content > 0 ? d.min_content : 0.20;
}

static void terms_from_json(const char *json, pub_terms_t *t)
{
    t->v = NULL;
    t->n = 0;
    json_t *a = json ? json_loads(json, 0, NULL) : NULL;
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    t->v = nm_calloc(n ? n : 1, sizeof *t->v);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (s) t->v[t->n++] = nm_strdup(s);
    }
    json_decref(a);
}

static char *terms_to_json(const pub_terms_t *t)
{
    json_t *a = json_array();
    for (size_t k = 0; k < t->n; k++) json_array_append_new(a, json_string(t->v[k]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    if (!s) nm_oom();
    return s;
}

typedef struct {
    char id[24], story[24];
    int has_simhash;
    uint64_t simhash;
    pub_terms_t terms, title;
} cand_t;

static void rollback(pub_db_t *db)
{
    char e[128];
    PGresult *r = pub_db_query(db, "ROLLBACK", 0, NULL, e, sizeof e);
    if (r) PQclear(r);
}

static int exec(pub_db_t *db, const char *sql, int n, const char *const *p, char *err, size_t errlen)
{
    PGresult *r = pub_db_query(db, sql, n, p, err, errlen);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

/* Assign one article (in an open transaction). 1 assigned, 0 no longer
 * pending (another pass did it), -1 error. */
static int assign_one(pub_db_t *db, const pub_story_opts_t *o, const char *id, char *err,
                      size_t errlen)
{
    const char *p1[1] = {id};
    PGresult *r = pub_db_query(db,
        "SELECT coalesce(title, ''), text, coalesce(published_at, fetched_at)::text,"
        "   coalesce(content_hash, '')"
        " FROM articles WHERE id = $1::bigint"
        "   AND coalesce(story_hash, '-') <> coalesce(content_hash, '') FOR UPDATE",
        1, p1, err, errlen);
    if (!r) return -1;
    if (PQntuples(r) != 1) { PQclear(r); return 0; }
    char *title = nm_strdup(PQgetvalue(r, 0, 0)), *when = nm_strdup(PQgetvalue(r, 0, 2)),
         *chash = nm_strdup(PQgetvalue(r, 0, 3));
    size_t nsh = 0;
    uint64_t sh = pub_story_simhash(PQgetvalue(r, 0, 1), &nsh);
    pub_terms_t terms, tterms;
    pub_story_terms(title, PQgetvalue(r, 0, 1), PUB_STORY_TERMS, &terms);
    pub_story_title_terms(title, &tterms);
    PQclear(r);
    int rc = -1;
    cand_t *c = NULL;
    size_t nc = 0;
    pub_terms_t vocab = {0};
    double *idf = NULL;

    /* A re-assigned article moves by upsert: the pass needs no DELETE
     * (the writer role has none on results, deploy/postgres/roles.sql). */
    char days[16], limit[16];
    snprintf(days, sizeof days, "%d", o->window_days);
    snprintf(limit, sizeof limit, "%d", PUB_STORY_MAX_CANDIDATES);
    const char *p2[4] = {id, when, days, limit};
    /* The nearest $4 by (|time difference|, id) are among the nearest $4
     * before (time descending, id) and the nearest $4 after (time
     * ascending, id): two range scans of articles_story_time that stop at
     * the limit (migrations/006_perf.sql), then the same order as ever. */
    r = pub_db_query(db,
        "SELECT id, story_id, simhash, title, terms FROM ("
        " (SELECT a.id, sa.story_id, a.simhash, coalesce(a.title, '') AS title,"
        "    coalesce(array_to_json(a.story_terms)::text, '[]') AS terms,"
        "    coalesce(a.published_at, a.fetched_at) AS at"
        "  FROM articles a JOIN story_articles sa ON sa.article_id = a.id"
        "  WHERE a.id <> $1::bigint"
        "    AND coalesce(a.published_at, a.fetched_at) <= $2::timestamptz"
        "    AND coalesce(a.published_at, a.fetched_at) >= $2::timestamptz - make_interval(days => $3::int)"
        "  ORDER BY coalesce(a.published_at, a.fetched_at) DESC, a.id LIMIT $4::int)"
        " UNION ALL"
        " (SELECT a.id, sa.story_id, a.simhash, coalesce(a.title, ''),"
        "    coalesce(array_to_json(a.story_terms)::text, '[]'), coalesce(a.published_at, a.fetched_at)"
        "  FROM articles a JOIN story_articles sa ON sa.article_id = a.id"
        "  WHERE a.id <> $1::bigint"
        "    AND coalesce(a.published_at, a.fetched_at) > $2::timestamptz"
        "    AND coalesce(a.published_at, a.fetched_at) <= $2::timestamptz + make_interval(days => $3::int)"
        "  ORDER BY coalesce(a.published_at, a.fetched_at), a.id LIMIT $4::int)"
        ") c ORDER BY abs(extract(epoch FROM at - $2::timestamptz)), id LIMIT $4::int",
        4, p2, err, errlen);
    if (!r) goto out;
    nc = (size_t)PQntuples(r);
    c = nm_calloc(nc ? nc : 1, sizeof *c);
    for (size_t i = 0; i < nc; i++) {
        snprintf(c[i].id, sizeof c[i].id, "%s", PQgetvalue(r, (int)i, 0));
        snprintf(c[i].story, sizeof c[i].story, "%s", PQgetvalue(r, (int)i, 1));
        c[i].has_simhash = !PQgetisnull(r, (int)i, 2);
        c[i].simhash = (uint64_t)strtoll(PQgetvalue(r, (int)i, 2), NULL, 10);
        pub_story_title_terms(PQgetvalue(r, (int)i, 3), &c[i].title);
        terms_from_json(PQgetvalue(r, (int)i, 4), &c[i].terms);
    }
    PQclear(r);

    /* best match: a near-duplicate (fewest differing bits), else the best
     * same-event score */
    size_t best = nc;
    int best_ham = 65;
    double best_score = 0;
    if (nsh >= PUB_STORY_MIN_SHINGLES)
        for (size_t i = 0; i < nc; i++) {
            if (!c[i].has_simhash) continue;
            int h = pub_story_hamming(sh, c[i].simhash);
            if (h <= o->max_hamming && h < best_ham) { best_ham = h; best = i; }
        }
    if (best == nc && terms.n && nc) {
        /* IDF over the window: the candidates' terms plus this article's */
        vocab.v = nm_calloc(terms.n, sizeof *vocab.v);
        for (size_t k = 0; k < terms.n; k++) vocab.v[vocab.n++] = nm_strdup(terms.v[k]);
        idf = nm_calloc(vocab.n, sizeof *idf);
        for (size_t k = 0; k < vocab.n; k++) {
            size_t df = 1;
            for (size_t i = 0; i < nc; i++) df += (size_t)has_term(&c[i].terms, vocab.v[k]);
            idf[k] = log((double)(nc + 2) / (double)(df + 1)) + 1.0;
        }
        for (size_t i = 0; i < nc; i++) {
            /* only this article's terms can match, so its vocabulary is
             * enough for the dot product; the candidate's norm needs all of
             * its terms (unknown ones get the rarest weight) */
            double dot = 0, na = 0, nb = 0, rare = log((double)(nc + 2) / 2.0) + 1.0;
            for (size_t k = 0; k < vocab.n; k++) {
                double w2 = idf[k] * idf[k];
                na += w2;
                if (has_term(&c[i].terms, vocab.v[k])) dot += w2;
            }
            for (size_t k = 0; k < c[i].terms.n; k++) {
                double w = rare;
                for (size_t v = 0; v < vocab.n; v++)
                    if (strcmp(vocab.v[v], c[i].terms.v[k]) == 0) { w = idf[v]; break; }
                nb += w * w;
            }
            double content = na > 0 && nb > 0 ? dot / (sqrt(na) * sqrt(nb)) : 0;
            double tsim = pub_terms_jaccard(&tterms, &c[i].title);
            double score = 0.6 * content + 0.4 * tsim;
            if (getenv("NM_STORY_DEBUG"))
                fprintf(stderr, "story: article %s vs %s: content %.3f title %.3f score %.3f\n", id,
                        c[i].id, content, tsim, score);
            if (content >= o->min_content && score >= o->min_similarity && score > best_score) {
                best_score = score;
                best = i;
            }
        }
    }

    char *tj = terms_to_json(&terms);
    char shbuf[24];
    snprintf(shbuf, sizeof shbuf, "%" PRId64, (int64_t)sh);
    const char *p3[4] = {id, nsh >= PUB_STORY_MIN_SHINGLES ? shbuf : NULL, tj, chash};
    int u = exec(db, "UPDATE articles SET simhash = $2::bigint, story_terms ="
                     "   ARRAY(SELECT json_array_elements_text($3::json)), story_hash = $4"
                     " WHERE id = $1::bigint", 4, p3, err, errlen);
    free(tj);
    if (u < 0) goto out;
    char story[24];
    if (best == nc) {
        const char *p4[2] = {title, when};
        r = pub_db_query(db, "INSERT INTO stories (title, first_seen, last_seen)"
                             " VALUES ($1, $2::timestamptz, $2::timestamptz) RETURNING id",
                         2, p4, err, errlen);
        if (!r) goto out;
        snprintf(story, sizeof story, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        const char *p5[2] = {id, story};
        if (exec(db, "INSERT INTO story_articles (article_id, story_id, relation)"
                     " VALUES ($1::bigint, $2::bigint, 'first')"
                     " ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id,"
                     "   relation = EXCLUDED.relation, matched_article_id = NULL, hamming = NULL,"
                     "   similarity = NULL, added_at = now()", 2, p5, err, errlen) < 0)
            goto out;
    } else {
        snprintf(story, sizeof story, "%s", c[best].story);
        char hb[16], sb[32];
        snprintf(hb, sizeof hb, "%d", best_ham);
        snprintf(sb, sizeof sb, "%.4f", best_score);
        int dup = best_ham <= o->max_hamming;
        const char *p5[6] = {id, story, dup ? "duplicate" : "same_event", c[best].id,
                             dup ? hb : NULL, dup ? NULL : sb};
        if (exec(db, "INSERT INTO story_articles (article_id, story_id, relation,"
                     "   matched_article_id, hamming, similarity)"
                     " VALUES ($1::bigint, $2::bigint, $3, $4::bigint, $5::int, $6::real)"
                     " ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id,"
                     "   relation = EXCLUDED.relation, matched_article_id = EXCLUDED.matched_article_id,"
                     "   hamming = EXCLUDED.hamming, similarity = EXCLUDED.similarity, added_at = now()",
                 6, p5, err, errlen) < 0)
            goto out;
        const char *p6[2] = {story, when};
        if (exec(db, "UPDATE stories SET first_seen = least(first_seen, $2::timestamptz),"
                     "   last_seen = greatest(last_seen, $2::timestamptz) WHERE id = $1::bigint",
                 2, p6, err, errlen) < 0)
            goto out;
    }
    rc = 1;
out:
    for (size_t i = 0; i < nc; i++) {
        pub_terms_free(&c[i].terms);
        pub_terms_free(&c[i].title);
    }
    free(c);
    pub_terms_free(&vocab);
    free(idf);
    pub_terms_free(&terms);
    pub_terms_free(&tterms);
    free(title);
    free(when);
    free(chash);
    return rc;
}

int pub_story_assign_pending(pub_db_t *db, const pub_story_opts_t *opts, int limit, char *err,
                             size_t errlen)
{
    pub_story_opts_t o;
    opts_fill(&o, opts);
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 100);
    const char *p[1] = {lim};
    /* story_queue holds every pending article (and possibly some that no
     * longer are): migrations/006_perf.sql */
    PGresult *r = pub_db_query(db,
        "SELECT a.id FROM story_queue q JOIN articles a ON a.id = q.article_id WHERE NOT q.done"
        " ORDER BY coalesce(a.published_at, a.fetched_at), a.id LIMIT $1::int",
        1, p, err, errlen);
    if (!r) return -1;
    int n = PQntuples(r), done = 0;
    for (int i = 0; i < n; i++) {
        char id[24];
        snprintf(id, sizeof id, "%s", PQgetvalue(r, i, 0));
        if (exec(db, "BEGIN", 0, NULL, err, errlen) < 0) { PQclear(r); return -1; }
        if (exec(db, "SELECT pg_advisory_xact_lock(" PUB_STORY_LOCK ")", 0, NULL, err, errlen) < 0) {
            rollback(db);
            PQclear(r);
            return -1;
        }
        /* done in the transaction that locks the article: a writer's
         * change waits for the commit, and its trigger queues it again */
        const char *pq[1] = {id};
        if (exec(db, "UPDATE story_queue SET done = true WHERE article_id ="
                     " (SELECT id FROM articles WHERE id = $1::bigint FOR UPDATE)",
                 1, pq, err, errlen) < 0) {
            rollback(db);
            PQclear(r);
            return -1;
        }
        int rc = assign_one(db, &o, id, err, errlen);
        if (rc < 0 || exec(db, "COMMIT", 0, NULL, err, errlen) < 0) {
            rollback(db);
            PQclear(r);
            return -1;
        }
        done += rc;
    }
    PQclear(r);
    return done;
}

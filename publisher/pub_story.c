/* pub_story: SimHash, key terms and the story-assignment pass (pub_story.h). */
#include "pub_story.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "summ_tok.h"

/* Articles per pass transaction: one transaction and a handful of
 * statements for all of them. */
#define PUB_STORY_TXN 100
/* The in-memory window holds at most this many assigned articles (~300
 * bytes each); a time window with more is read from the database instead. */
#define PUB_STORY_WINDOW_MAX 50000
/* After a window did not fit, ask the database for this long. */
#define PUB_STORY_SQL_MS 60000

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
 * stopwords stay (their order is part of what a copy shares). The words go
 * into one buffer (w->data, offsets in *off): no allocation per word. */
typedef struct {
    size_t *off, *len;
    size_t n, cap;
} words_t;

static void word_push(words_t *t, size_t off, size_t len)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->off = nm_realloc(t->off, t->cap * sizeof *t->off);
        t->len = nm_realloc(t->len, t->cap * sizeof *t->len);
    }
    t->off[t->n] = off;
    t->len[t->n++] = len;
}

/* The words' bytes go to one buffer of the text's size (a word is never
 * longer than its source: ASCII is lowercased in place, anything else
 * copied), returned for the caller to free. ASCII takes a fast path: the
 * publisher runs in the C locale, where isalnum/tolower are these tests. */
static char *raw_words(const char *s, words_t *t)
{
    size_t len = strnlen(s, 1u << 20), i = 0, start = 0, o = 0;
    char *w = nm_malloc(len + 1);
    while (i <= len) {
        size_t st = i;
        uint32_t cp;
        if (i < len && (unsigned char)s[i] < 0x80) {
            unsigned char c = (unsigned char)s[i++];
            if ((unsigned)(c - '0') < 10u || (unsigned)((c | 0x20) - 'a') < 26u) {
                w[o++] = (char)((unsigned)(c - 'A') < 26u ? c | 0x20 : c);
                continue;
            }
            cp = c;   /* a separator (NUL cannot occur before len) */
        } else {
            cp = i < len ? summ_utf8_next(s, len, &i) : 0;
            int word = cp >= 0x80 && !summ_is_cjk(cp) && cp != 0x2019 && cp != 0x201C &&
                       cp != 0x201D && cp != 0x2014 && cp != 0x2013 && cp != 0xA0;
            if (word) {
                memcpy(w + o, s + st, i - st);
                o += i - st;
                continue;
            }
        }
        if (o > start) {
            word_push(t, start, o - start);
            start = o;
        }
        if (cp && summ_is_cjk(cp) && cp >= 0x3040) {
            memcpy(w + o, s + st, i - st);
            o += i - st;
            word_push(t, start, o - start);
            start = o;
        }
        if (i >= len) break;
    }
    return w;
}

static inline uint64_t spread8(uint64_t x)
{
    return ((x * 0x8040201008040201ull) & 0x8080808080808080ull) >> 7;
}

uint64_t pub_story_simhash(const char *text, size_t *nshingles)
{
    if (nshingles) *nshingles = 0;
    if (!text || !*text) return 0;
    words_t t = {0};
    char *words = raw_words(text, &t);
    /* Bit b of the result is set when more shingle hashes have bit b set
     * than not (2 * ones[b] > ns). The ones are counted eight bits at a
     * time: spread8(x) has byte k = bit 7-k of x (the eight copies of x
     * the multiply makes are 9 bits apart, so nothing carries), so acc[j]
     * holds eight byte counters for bits 8j..8j+7, emptied into ones[]
     * before they can overflow (every 255 shingles). One bit at a time this
     * loop was a third of the publisher's SimHash cost (bench/RESULTS.md,
     * round 3); the result is the same to the bit. */
    uint64_t ones[64] = {0}, acc[8] = {0};
    size_t ns = 0, inacc = 0;
    /* shingles of 3 consecutive words; a text of 1-2 words is one shingle */
    size_t last = t.n >= 3 ? t.n - 2 : (t.n ? 1 : 0);
    for (size_t i = 0; i < last; i++) {
        uint64_t h = 1469598103934665603ull;
        for (size_t k = i; k < i + 3 && k < t.n; k++) {
            h = fnv64(words + t.off[k], t.len[k], h);
            h = fnv64(" ", 1, h);
        }
        h = mix64(h);
        for (int j = 0; j < 8; j++) acc[j] += spread8((h >> (8 * j)) & 0xff);
        ns++;
        if (++inacc == 255 || i + 1 == last) {
            for (int j = 0; j < 8; j++) {
                for (int k = 0; k < 8; k++) ones[8 * j + 7 - k] += (acc[j] >> (8 * k)) & 0xff;
                acc[j] = 0;
            }
            inacc = 0;
        }
    }
    free(words);
    free(t.off);
    free(t.len);
    uint64_t out = 0;
    for (int b = 0; b < 64; b++)
        if (2 * ones[b] > ns) out |= 1ull << b;
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

/* Count tokens, at most PUB_TF_CAP distinct ones (the cap keeps a hostile
 * text bounded); a hash of the terms finds each one's count. */
#define PUB_TF_CAP 4096
typedef struct {
    tf_t *tf;
    size_t n, cap;
    uint32_t slot[PUB_TF_CAP * 2];   /* index + 1, 0 = empty */
} tfs_t;

static void add_counts(tfs_t *f, const summ_tokens_t *t, int weight, size_t *pos)
{
    for (size_t i = 0; i < t->n; i++, (*pos)++) {
        const char *w = t->v[i];
        if (strlen(w) < 2 && (unsigned char)w[0] < 0x80) continue;   /* "s", "3" */
        size_t h = (size_t)mix64(fnv64(w, strlen(w), 1469598103934665603ull)) & (PUB_TF_CAP * 2 - 1);
        while (f->slot[h] && strcmp(f->tf[f->slot[h] - 1].term, w) != 0) h = (h + 1) & (PUB_TF_CAP * 2 - 1);
        size_t k;
        if (f->slot[h]) {
            k = f->slot[h] - 1;
        } else {
            if (f->n >= PUB_TF_CAP) continue;
            if (f->n == f->cap) f->tf = nm_realloc(f->tf, (f->cap = f->cap ? f->cap * 2 : 64) * sizeof *f->tf);
            k = f->n++;
            f->tf[k].term = nm_strdup(w);
            f->tf[k].count = 0;
            f->tf[k].first = *pos;
            f->slot[h] = (uint32_t)k + 1;
        }
        f->tf[k].count += weight;
    }
}

/* pub_story_terms with the caller's tokenizer (a pass makes one, not one
 * per article and candidate title). */
static void terms_tk(summ_tokenizer_t *tk, const char *title, const char *text, size_t max,
                     pub_terms_t *out)
{
    out->v = NULL;
    out->n = 0;
    summ_tokens_t tt = {0}, xt = {0};
    if (title) summ_tokenize(tk, title, &tt);
    /* the lead carries the event; 20 KB is plenty and bounds the work */
    if (text) {
        char *lead = nm_strndup(text, strnlen(text, 20000));
        summ_tokenize(tk, lead, &xt);
        free(lead);
    }
    tfs_t *f = nm_calloc(1, sizeof *f);
    size_t pos = 0;
    add_counts(f, &tt, 3, &pos);
    add_counts(f, &xt, 1, &pos);
    summ_tokens_free(&tt);
    summ_tokens_free(&xt);
    tf_t *tf = f->tf;
    size_t n = f->n;
    free(f);
    if (n) qsort(tf, n, sizeof *tf, cmp_tf);
    size_t keep = n < max ? n : max;
    out->v = nm_calloc(keep ? keep : 1, sizeof *out->v);
    for (size_t k = 0; k < n; k++) {
        if (k < keep) out->v[out->n++] = tf[k].term;
        else free(tf[k].term);
    }
    free(tf);
}

void pub_story_terms(const char *title, const char *text, size_t max, pub_terms_t *out)
{
    summ_tokenizer_t *tk = summ_tokenizer_new("en");
    terms_tk(tk, title, text, max, out);
    summ_tokenizer_destroy(&tk);
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
    o->no_window = d.no_window;
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

/* Interned terms: a pass compares term ids, not strings. Ids live as long
 * as the window that uses them. */
typedef struct {
    char **str;
    size_t n, cap;
    uint32_t *slot;   /* open addressing: id + 1, 0 = empty */
    size_t nslot;
} dict_t;

static size_t str_hash(const char *s)
{
    return (size_t)mix64(fnv64(s, strlen(s), 1469598103934665603ull));
}

static void dict_grow(dict_t *d)
{
    size_t ns = d->nslot ? d->nslot * 2 : 4096;
    uint32_t *sl = nm_calloc(ns, sizeof *sl);
    for (size_t i = 0; i < d->n; i++) {
        size_t h = str_hash(d->str[i]) & (ns - 1);
        while (sl[h]) h = (h + 1) & (ns - 1);
        sl[h] = (uint32_t)i + 1;
    }
    free(d->slot);
    d->slot = sl;
    d->nslot = ns;
}

static uint32_t dict_id(dict_t *d, const char *s)
{
    if ((d->n + 1) * 2 > d->nslot) dict_grow(d);
    size_t h = str_hash(s) & (d->nslot - 1);
    while (d->slot[h]) {
        uint32_t id = d->slot[h] - 1;
        if (strcmp(d->str[id], s) == 0) return id;
        h = (h + 1) & (d->nslot - 1);
    }
    if (d->n == d->cap) d->str = nm_realloc(d->str, (d->cap = d->cap ? d->cap * 2 : 4096) * sizeof *d->str);
    d->str[d->n] = nm_strdup(s);
    d->slot[h] = (uint32_t)d->n + 1;
    return (uint32_t)d->n++;
}

static void dict_free(dict_t *d)
{
    for (size_t i = 0; i < d->n; i++) free(d->str[i]);
    free(d->str);
    free(d->slot);
    memset(d, 0, sizeof *d);
}

/* An assigned article as a candidate: what the candidate query used to
 * return for it. */
typedef struct {
    int64_t id, story;   /* story < 0: created in the open transaction, id not yet known */
    int64_t at;          /* coalesce(published_at, fetched_at), microseconds since 1970 */
    uint64_t simhash;
    bool has_simhash;
    uint32_t nterms, ntitle;
    uint32_t *ids;       /* nterms key terms in stored order, then ntitle title terms */
} went_t;

typedef struct {
    int64_t lo, hi;
} span_t;

/* The candidate window: every assigned article whose time lies in one of
 * the covered spans, sorted by (time, id), as of generation gen of
 * story_gen (migrations/007_story_window.sql). */
typedef struct {
    bool valid;
    int64_t gen;
    dict_t dict;
    went_t **e;
    size_t n, cap;
    span_t *span;
    size_t nspan, capspan;
    int64_t sql_until_ms;   /* window did not fit: database candidates until then */
    /* scoring scratch, indexed by term id */
    int32_t *vpos;
    uint32_t *mark, stamp;
    size_t nscratch;
    uint64_t loads, loaded;  /* statistics for the debug log */
    summ_tokenizer_t *tk;    /* survives win_clear; renewed now and then (its memo grows) */
    unsigned tk_uses;
} win_t;

static void went_free(went_t *e)
{
    if (!e) return;
    free(e->ids);
    free(e);
}

static void win_clear(win_t *w)
{
    for (size_t i = 0; i < w->n; i++) went_free(w->e[i]);
    free(w->e);
    free(w->span);
    free(w->vpos);
    free(w->mark);
    dict_free(&w->dict);
    int64_t until = w->sql_until_ms;
    summ_tokenizer_t *tk = w->tk;
    unsigned uses = w->tk_uses;
    memset(w, 0, sizeof *w);
    w->sql_until_ms = until;
    w->tk = tk;
    w->tk_uses = uses;
}

static void win_free(void *p)
{
    win_t *w = p;
    if (!w) return;
    win_clear(w);
    summ_tokenizer_destroy(&w->tk);
    free(w);
}

static win_t *win_get(pub_db_t *db)
{
    win_t *w = pub_db_ext(db);
    if (!w) {
        w = nm_calloc(1, sizeof *w);
        pub_db_set_ext(db, w, win_free);
    }
    if (w->tk && w->tk_uses > 20000) summ_tokenizer_destroy(&w->tk);
    if (!w->tk) {
        w->tk = summ_tokenizer_new("en");
        w->tk_uses = 0;
    }
    w->tk_uses++;
    return w;
}

static int went_cmp(const went_t *a, int64_t at, int64_t id)
{
    if (a->at != at) return a->at < at ? -1 : 1;
    return a->id < id ? -1 : a->id > id;
}

/* First index whose (at, id) >= (at, id). */
static size_t win_lower(const win_t *w, int64_t at, int64_t id)
{
    size_t lo = 0, hi = w->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (went_cmp(w->e[mid], at, id) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static bool win_covers(const win_t *w, int64_t at)
{
    for (size_t i = 0; i < w->nspan; i++)
        if (at >= w->span[i].lo && at <= w->span[i].hi) return true;
    return false;
}

static void win_remove(win_t *w, int64_t at, int64_t id)
{
    size_t i = win_lower(w, at, id);
    if (i < w->n && w->e[i]->at == at && w->e[i]->id == id) {
        went_free(w->e[i]);
        memmove(w->e + i, w->e + i + 1, (w->n - i - 1) * sizeof *w->e);
        w->n--;
    }
}

static void win_reserve(win_t *w, size_t more)
{
    if (w->n + more <= w->cap) return;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->n + more) cap *= 2;
    w->e = nm_realloc(w->e, cap * sizeof *w->e);
    w->cap = cap;
}

/* Insert (or replace the entry with the same time and id). */
static void win_insert(win_t *w, went_t *e)
{
    size_t i = win_lower(w, e->at, e->id);
    if (i < w->n && w->e[i]->at == e->at && w->e[i]->id == e->id) {
        went_free(w->e[i]);
        w->e[i] = e;
        return;
    }
    win_reserve(w, 1);
    memmove(w->e + i + 1, w->e + i, (w->n - i) * sizeof *w->e);
    w->e[i] = e;
    w->n++;
}

static int went_qcmp(const void *a, const void *b)
{
    const went_t *x = *(went_t *const *)a, *y = *(went_t *const *)b;
    return went_cmp(x, y->at, y->id);
}

/* Merge sorted, disjoint-from-the-window entries into it. */
static void win_merge(win_t *w, went_t **add, size_t nadd)
{
    if (!nadd) return;
    qsort(add, nadd, sizeof *add, went_qcmp);
    win_reserve(w, nadd);
    size_t i = w->n, j = nadd, k = w->n + nadd;
    while (j > 0) {
        if (i > 0 && went_qcmp(&w->e[i - 1], &add[j - 1]) > 0) w->e[--k] = w->e[--i];
        else w->e[--k] = add[--j];
    }
    w->n += nadd;
}

static void win_add_span(win_t *w, int64_t lo, int64_t hi)
{
    if (w->nspan == w->capspan)
        w->span = nm_realloc(w->span, (w->capspan = w->capspan ? w->capspan * 2 : 16) * sizeof *w->span);
    w->span[w->nspan++] = (span_t){lo, hi};
    /* keep them sorted and merged (a few dozen at most) */
    for (size_t i = w->nspan - 1; i > 0 && w->span[i - 1].lo > w->span[i].lo; i--) {
        span_t t = w->span[i];
        w->span[i] = w->span[i - 1];
        w->span[i - 1] = t;
    }
    size_t o = 0;
    for (size_t i = 1; i < w->nspan; i++) {
        if (w->span[i].lo <= w->span[o].hi + 1) {
            if (w->span[i].hi > w->span[o].hi) w->span[o].hi = w->span[i].hi;
        } else {
            w->span[++o] = w->span[i];
        }
    }
    w->nspan = o + 1;
}

static void win_scratch(win_t *w)
{
    if (w->nscratch >= w->dict.n) return;
    size_t n = w->dict.n + 4096;
    w->vpos = nm_realloc(w->vpos, n * sizeof *w->vpos);
    w->mark = nm_realloc(w->mark, n * sizeof *w->mark);
    for (size_t i = w->nscratch; i < n; i++) {
        w->vpos[i] = -1;
        w->mark[i] = 0;
    }
    w->nscratch = n;
}

static void ids_of(dict_t *d, const pub_terms_t *t, uint32_t *out)
{
    for (size_t k = 0; k < t->n; k++) out[k] = dict_id(d, t->v[k]);
}

/* A candidate row (id, story_id, simhash, title, terms JSON, at) as an entry. */
static went_t *went_from_row(win_t *w, summ_tokenizer_t *tk, PGresult *r, int row)
{
    went_t *e = nm_calloc(1, sizeof *e);
    e->id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    e->story = strtoll(PQgetvalue(r, row, 1), NULL, 10);
    e->has_simhash = !PQgetisnull(r, row, 2);
    e->simhash = (uint64_t)strtoll(PQgetvalue(r, row, 2), NULL, 10);
    e->at = strtoll(PQgetvalue(r, row, 5), NULL, 10);
    pub_terms_t terms, title;
    terms_from_json(PQgetvalue(r, row, 4), &terms);
    terms_tk(tk, PQgetvalue(r, row, 3), NULL, PUB_TF_CAP, &title);
    e->nterms = (uint32_t)terms.n;
    e->ntitle = (uint32_t)title.n;
    e->ids = nm_calloc(terms.n + title.n + 1, sizeof *e->ids);
    ids_of(&w->dict, &terms, e->ids);
    ids_of(&w->dict, &title, e->ids + terms.n);
    pub_terms_free(&terms);
    pub_terms_free(&title);
    return e;
}

#define WIN_COLS "a.id, sa.story_id, a.simhash, coalesce(a.title, ''),"                      \
                 " coalesce(array_to_json(a.story_terms)::text, '[]'),"                      \
                 " (extract(epoch FROM coalesce(a.published_at, a.fetched_at)) * 1000000)::bigint"

/* Make [lo, hi] covered: read the assigned articles of each gap. 1 covered,
 * 0 does not fit in PUB_STORY_WINDOW_MAX, -1 error. */
static int win_cover(win_t *w, pub_db_t *db, summ_tokenizer_t *tk, int64_t lo, int64_t hi,
                     char *err, size_t errlen)
{
    int64_t from = lo;
    while (from <= hi) {
        /* the next gap: from .. (start of the next span) - 1 */
        int64_t to = hi;
        bool inside = false;
        for (size_t i = 0; i < w->nspan; i++) {
            if (from >= w->span[i].lo && from <= w->span[i].hi) {
                from = w->span[i].hi + 1;
                inside = true;
                break;
            }
            if (w->span[i].lo > from && w->span[i].lo - 1 < to) to = w->span[i].lo - 1;
        }
        if (inside) continue;
        char plo[24], phi[24], plim[24];
        snprintf(plo, sizeof plo, "%" PRId64, from);
        snprintf(phi, sizeof phi, "%" PRId64, to);
        size_t room = w->n < PUB_STORY_WINDOW_MAX ? PUB_STORY_WINDOW_MAX - w->n : 0;
        snprintf(plim, sizeof plim, "%zu", room + 1);
        const char *p[3] = {plo, phi, plim};
        PGresult *r = pub_db_query(db,
            "SELECT " WIN_COLS " FROM articles a JOIN story_articles sa ON sa.article_id = a.id"
            " WHERE coalesce(a.published_at, a.fetched_at)"
            "   >= 'epoch'::timestamptz + $1::bigint * interval '1 microsecond'"
            "   AND coalesce(a.published_at, a.fetched_at)"
            "   <= 'epoch'::timestamptz + $2::bigint * interval '1 microsecond'"
            " LIMIT $3::int", 3, p, err, errlen);
        if (!r) return -1;
        size_t nr = (size_t)PQntuples(r);
        if (nr > room) {
            PQclear(r);
            return 0;
        }
        went_t **add = nm_calloc(nr ? nr : 1, sizeof *add);
        for (size_t i = 0; i < nr; i++) add[i] = went_from_row(w, tk, r, (int)i);
        PQclear(r);
        win_merge(w, add, nr);
        free(add);
        win_add_span(w, from, to);
        w->loads++;
        w->loaded += nr;
        if (to == INT64_MAX) break;
        from = to + 1;
    }
    return 1;
}

/* ---- one batch (one transaction) ---- */

typedef struct {
    win_t *w;
    summ_tokenizer_t *tk;
    const pub_story_opts_t *o;
    bool debug;
    json_t *rows;        /* decisions not yet written */
    went_t **fresh;      /* window entries made in this transaction (temporary story ids) */
    size_t nfresh, capfresh;
    int64_t nnew;        /* temporary story ids handed out: -1 .. -nnew */
} batch_t;

/* A pending article, read under its row lock. */
typedef struct {
    int64_t id, at, lo, hi;
    const char *ids, *title, *text, *when, *chash;
} pend_t;

/* The assigned candidates of p: from the window, or (window off, or too
 * big) from the database as before. Order: nearest in time first, then
 * id, at most PUB_STORY_MAX_CANDIDATES. *owned: the entries are the
 * caller's to free. */
static int64_t g_sort_at;
static int cand_cmp(const void *a, const void *b)
{
    const went_t *x = *(went_t *const *)a, *y = *(went_t *const *)b;
    uint64_t dx = x->at >= g_sort_at ? (uint64_t)(x->at - g_sort_at) : (uint64_t)(g_sort_at - x->at);
    uint64_t dy = y->at >= g_sort_at ? (uint64_t)(y->at - g_sort_at) : (uint64_t)(g_sort_at - y->at);
    if (dx != dy) return dx < dy ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int flush(batch_t *b, pub_db_t *db, char *err, size_t errlen);

static int candidates(batch_t *b, pub_db_t *db, const pend_t *p, went_t ***out, size_t *nout,
                      bool *owned, bool *sorted, char *err, size_t errlen)
{
    *sorted = true;
    win_t *w = b->w;
    *out = NULL;
    *nout = 0;
    *owned = false;
    int fit = 0;
    if (!b->o->no_window && nm_now_ms() >= w->sql_until_ms) {
        fit = win_cover(w, db, b->tk, p->lo, p->hi, err, errlen);
        if (fit < 0) return -1;
        if (fit == 0) {
            /* this window alone is too big: read candidates from the
             * database for a while, and give the memory back */
            nm_info("story pass: more than %d articles around article %" PRId64
                    ": candidates from the database", PUB_STORY_WINDOW_MAX, p->id);
            int64_t gen = w->gen;
            win_clear(w);
            w->valid = true;
            w->gen = gen;
            w->sql_until_ms = nm_now_ms() + PUB_STORY_SQL_MS;
        }
    }
    if (fit == 1) {
        size_t i = win_lower(w, p->lo, INT64_MIN), n = 0;
        went_t **c = nm_calloc(64, sizeof *c);
        size_t cap = 64;
        for (; i < w->n && w->e[i]->at <= p->hi; i++) {
            if (w->e[i]->id == p->id) continue;
            if (n == cap) c = nm_realloc(c, (cap *= 2) * sizeof *c);
            c[n++] = w->e[i];
        }
        /* only more than the limit needs the order (the nearest are
         * kept); best_match breaks ties by the same order itself */
        if (n > PUB_STORY_MAX_CANDIDATES) {
            g_sort_at = p->at;
            qsort(c, n, sizeof *c, cand_cmp);
        } else {
            *sorted = false;
        }
        *out = c;
        *nout = n < PUB_STORY_MAX_CANDIDATES ? n : PUB_STORY_MAX_CANDIDATES;
        return 0;
    }
    /* the database: it must see this transaction's earlier decisions */
    if (flush(b, db, err, errlen) < 0) return -1;
    char days[16], limit[16], idb[24];
    snprintf(days, sizeof days, "%d", b->o->window_days);
    snprintf(limit, sizeof limit, "%d", PUB_STORY_MAX_CANDIDATES);
    snprintf(idb, sizeof idb, "%" PRId64, p->id);
    const char *p2[4] = {idb, p->when, days, limit};
    /* The nearest $4 by (|time difference|, id) are among the nearest $4
     * before (time descending, id) and the nearest $4 after (time
     * ascending, id): two range scans of articles_story_time that stop at
     * the limit (migrations/006_perf.sql), then the same order as ever. */
    PGresult *r = pub_db_query(db,
        "SELECT id, story_id, simhash, title, terms, us FROM ("
        " (SELECT a.id, sa.story_id, a.simhash, coalesce(a.title, '') AS title,"
        "    coalesce(array_to_json(a.story_terms)::text, '[]') AS terms,"
        "    coalesce(a.published_at, a.fetched_at) AS at,"
        "    (extract(epoch FROM coalesce(a.published_at, a.fetched_at)) * 1000000)::bigint AS us"
        "  FROM articles a JOIN story_articles sa ON sa.article_id = a.id"
        "  WHERE a.id <> $1::bigint"
        "    AND coalesce(a.published_at, a.fetched_at) <= $2::timestamptz"
        "    AND coalesce(a.published_at, a.fetched_at) >= $2::timestamptz - make_interval(days => $3::int)"
        "  ORDER BY coalesce(a.published_at, a.fetched_at) DESC, a.id LIMIT $4::int)"
        " UNION ALL"
        " (SELECT a.id, sa.story_id, a.simhash, coalesce(a.title, ''),"
        "    coalesce(array_to_json(a.story_terms)::text, '[]'), coalesce(a.published_at, a.fetched_at),"
        "    (extract(epoch FROM coalesce(a.published_at, a.fetched_at)) * 1000000)::bigint"
        "  FROM articles a JOIN story_articles sa ON sa.article_id = a.id"
        "  WHERE a.id <> $1::bigint"
        "    AND coalesce(a.published_at, a.fetched_at) > $2::timestamptz"
        "    AND coalesce(a.published_at, a.fetched_at) <= $2::timestamptz + make_interval(days => $3::int)"
        "  ORDER BY coalesce(a.published_at, a.fetched_at), a.id LIMIT $4::int)"
        ") c ORDER BY abs(extract(epoch FROM at - $2::timestamptz)), id LIMIT $4::int",
        4, p2, err, errlen);
    if (!r) return -1;
    size_t n = (size_t)PQntuples(r);
    went_t **c = nm_calloc(n ? n : 1, sizeof *c);
    for (size_t i = 0; i < n; i++) c[i] = went_from_row(w, b->tk, r, (int)i);
    PQclear(r);
    *out = c;
    *nout = n;
    *owned = true;
    return 0;
}

/* The best match among c: a near-duplicate (fewest differing bits), else
 * the best same-event score. Returns nc when there is none. The arithmetic
 * is the one this pass has always done, term for term, so the window and
 * the database give the same answers. */
/* Is c[i] before c[j] in candidate order (nearest in time to at, then id)? */
static bool cand_before(went_t **c, size_t i, size_t j, int64_t at)
{
    uint64_t di = c[i]->at >= at ? (uint64_t)(c[i]->at - at) : (uint64_t)(at - c[i]->at);
    uint64_t dj = c[j]->at >= at ? (uint64_t)(c[j]->at - at) : (uint64_t)(at - c[j]->at);
    if (di != dj) return di < dj;
    return c[i]->id < c[j]->id;
}

/* Unsorted c: ties go to the earlier in candidate order, as the scan of a
 * sorted c (the database's, which keeps the first best) gives them. */
static size_t best_match(batch_t *b, int64_t id, int64_t at, uint64_t sh, size_t nsh,
                         const uint32_t *terms, size_t nterms, const uint32_t *tt, size_t ntt,
                         went_t **c, size_t nc, bool sorted, int *best_ham, double *best_score)
{
    const pub_story_opts_t *o = b->o;
    win_t *w = b->w;
    size_t best = nc;
    *best_ham = 65;
    *best_score = 0;
    if (nsh >= PUB_STORY_MIN_SHINGLES)
        for (size_t i = 0; i < nc; i++) {
            if (!c[i]->has_simhash) continue;
            int h = pub_story_hamming(sh, c[i]->simhash);
            if (h <= o->max_hamming &&
                (h < *best_ham || (!sorted && h == *best_ham && cand_before(c, i, best, at)))) {
                *best_ham = h;
                best = i;
            }
        }
    if (best != nc || !nterms || !nc) return best;
    win_scratch(w);
    /* vocabulary: this article's terms (distinct, at most PUB_STORY_TERMS) */
    size_t nv = nterms < 64 ? nterms : 64;
    for (size_t k = 0; k < nv; k++) w->vpos[terms[k]] = (int32_t)k;
    uint64_t *has = nm_calloc(nc, sizeof *has);
    size_t df[64];
    for (size_t k = 0; k < nv; k++) df[k] = 1;
    for (size_t i = 0; i < nc; i++) {
        for (uint32_t t = 0; t < c[i]->nterms; t++) {
            int32_t k = w->vpos[c[i]->ids[t]];
            if (k >= 0) has[i] |= 1ull << k;
        }
        for (size_t k = 0; k < nv; k++) df[k] += (has[i] >> k) & 1;
    }
    /* IDF over the window: the candidates' terms plus this article's */
    double idf[64];
    for (size_t k = 0; k < nv; k++) idf[k] = log((double)(nc + 2) / (double)(df[k] + 1)) + 1.0;
    if (++w->stamp == 0) {
        memset(w->mark, 0, w->nscratch * sizeof *w->mark);
        w->stamp = 1;
    }
    for (size_t k = 0; k < ntt; k++) w->mark[tt[k]] = w->stamp;
    double rare = log((double)(nc + 2) / 2.0) + 1.0;
    for (size_t i = 0; i < nc; i++) {
        /* only this article's terms can match, so its vocabulary is enough
         * for the dot product; the candidate's norm needs all of its terms
         * (unknown ones get the rarest weight) */
        double dot = 0, na = 0, nb = 0;
        for (size_t k = 0; k < nv; k++) {
            double w2 = idf[k] * idf[k];
            na += w2;
            if ((has[i] >> k) & 1) dot += w2;
        }
        for (uint32_t t = 0; t < c[i]->nterms; t++) {
            int32_t k = w->vpos[c[i]->ids[t]];
            double wt = k >= 0 ? idf[k] : rare;
            nb += wt * wt;
        }
        double content = na > 0 && nb > 0 ? dot / (sqrt(na) * sqrt(nb)) : 0;
        /* Jaccard of the title term sets */
        double tsim = 0;
        const uint32_t *ct = c[i]->ids + c[i]->nterms;
        if (ntt && c[i]->ntitle) {
            size_t shared = 0;
            for (uint32_t t = 0; t < c[i]->ntitle; t++) shared += w->mark[ct[t]] == w->stamp;
            tsim = (double)shared / (double)(ntt + c[i]->ntitle - shared);
        }
        double score = 0.6 * content + 0.4 * tsim;
        if (b->debug)
            fprintf(stderr, "story: article %" PRId64 " vs %" PRId64 ": content %.3f title %.3f score %.3f\n",
                    id, c[i]->id, content, tsim, score);
        if (content >= o->min_content && score >= o->min_similarity &&
            (score > *best_score ||
             (!sorted && score == *best_score && best < nc && cand_before(c, i, best, at)))) {
            *best_score = score;
            best = i;
        }
    }
    for (size_t k = 0; k < nv; k++) w->vpos[terms[k]] = -1;
    free(has);
    return best;
}

/* Decide p's story and queue the writes; the window learns the decision. */
static int assign_one(batch_t *b, pub_db_t *db, const pend_t *p, char *err, size_t errlen)
{
    win_t *w = b->w;
    size_t nsh = 0;
    uint64_t sh = pub_story_simhash(p->text, &nsh);
    pub_terms_t terms, tterms;
    terms_tk(b->tk, p->title, p->text, PUB_STORY_TERMS, &terms);
    terms_tk(b->tk, p->title, NULL, PUB_TF_CAP, &tterms);
    went_t *me = nm_calloc(1, sizeof *me);
    me->id = p->id;
    me->at = p->at;
    me->has_simhash = nsh >= PUB_STORY_MIN_SHINGLES;
    me->simhash = me->has_simhash ? sh : 0;
    me->nterms = (uint32_t)terms.n;
    me->ntitle = (uint32_t)tterms.n;
    me->ids = nm_calloc(terms.n + tterms.n + 1, sizeof *me->ids);
    ids_of(&w->dict, &terms, me->ids);
    ids_of(&w->dict, &tterms, me->ids + terms.n);
    /* its old assignment (a re-delivered text) is not a candidate */
    win_remove(w, p->at, p->id);

    went_t **c = NULL;
    size_t nc = 0;
    bool owned = false, sorted = true;
    int rc = -1;
    if (candidates(b, db, p, &c, &nc, &owned, &sorted, err, errlen) < 0) goto out;
    int best_ham;
    double best_score;
    size_t best = best_match(b, p->id, p->at, sh, nsh, me->ids, me->nterms, me->ids + me->nterms,
                             me->ntitle, c, nc, sorted, &best_ham, &best_score);

    json_t *tj = json_array();
    for (size_t k = 0; k < terms.n; k++) json_array_append_new(tj, json_string(terms.v[k]));
    json_t *row = json_object();
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, p->id);
    json_object_set_new(row, "id", json_string(buf));
    snprintf(buf, sizeof buf, "%" PRId64, (int64_t)sh);
    json_object_set_new(row, "sh", me->has_simhash ? json_string(buf) : json_null());
    json_object_set_new(row, "terms", tj);
    json_object_set_new(row, "ch", json_string(p->chash));
    json_object_set_new(row, "at", json_string(p->when));
    if (best == nc) {
        me->story = -(++b->nnew);
        json_object_set_new(row, "rel", json_string("first"));
        json_object_set_new(row, "title", json_string(p->title));
    } else {
        me->story = c[best]->story;
        int dup = best_ham <= b->o->max_hamming;
        json_object_set_new(row, "rel", json_string(dup ? "duplicate" : "same_event"));
        snprintf(buf, sizeof buf, "%" PRId64, c[best]->id);
        json_object_set_new(row, "matched", json_string(buf));
        snprintf(buf, sizeof buf, "%d", best_ham);
        json_object_set_new(row, "ham", dup ? json_string(buf) : json_null());
        snprintf(buf, sizeof buf, "%.4f", best_score);
        json_object_set_new(row, "sim", dup ? json_null() : json_string(buf));
    }
    /* story ids are final at the flush (temporary ones are negative) */
    snprintf(buf, sizeof buf, "%" PRId64, me->story);
    json_object_set_new(row, "story", json_string(buf));
    json_array_append_new(b->rows, row);
    if (win_covers(w, me->at)) {
        win_insert(w, me);
        if (me->story < 0) {
            if (b->nfresh == b->capfresh)
                b->fresh = nm_realloc(b->fresh, (b->capfresh = b->capfresh ? b->capfresh * 2 : 32) * sizeof *b->fresh);
            b->fresh[b->nfresh++] = me;
        }
        me = NULL;
    }
    rc = 1;
out:
    if (owned)
        for (size_t i = 0; i < nc; i++) went_free(c[i]);
    free(c);
    went_free(me);
    pub_terms_free(&terms);
    pub_terms_free(&tterms);
    return rc;
}

/* Write the queued decisions: new stories get their ids, then articles,
 * stories and story_articles are written with one statement each. */
static int flush(batch_t *b, pub_db_t *db, char *err, size_t errlen)
{
    size_t n = json_array_size(b->rows);
    if (!n) return 0;
    if (b->nnew > 0) {
        char cnt[24];
        snprintf(cnt, sizeof cnt, "%" PRId64, b->nnew);
        const char *p[1] = {cnt};
        PGresult *r = pub_db_query(db, "SELECT nextval(pg_get_serial_sequence('stories', 'id'))"
                                       " FROM generate_series(1, $1::int)", 1, p, err, errlen);
        if (!r) return -1;
        if ((int64_t)PQntuples(r) != b->nnew) {
            PQclear(r);
            snprintf(err, errlen, "story ids: sequence gave too few");
            return -1;
        }
        int64_t *real = nm_calloc((size_t)b->nnew, sizeof *real);
        for (int64_t i = 0; i < b->nnew; i++) real[i] = strtoll(PQgetvalue(r, (int)i, 0), NULL, 10);
        PQclear(r);
        size_t i;
        json_t *row;
        json_array_foreach(b->rows, i, row) {
            int64_t s = strtoll(json_string_value(json_object_get(row, "story")), NULL, 10);
            if (s < 0) {
                char buf[32];
                snprintf(buf, sizeof buf, "%" PRId64, real[-s - 1]);
                json_object_set_new(row, "story", json_string(buf));
            }
        }
        for (size_t k = 0; k < b->nfresh; k++)
            if (b->fresh[k]->story < 0) b->fresh[k]->story = real[-b->fresh[k]->story - 1];
        free(real);
        b->nnew = 0;
        b->nfresh = 0;
    }
    char *js = json_dumps(b->rows, JSON_COMPACT);
    if (!js) nm_oom();
    /* the ids again as an array: the planner then reads those rows by
     * their key instead of hashing the whole table */
    nm_buf_t ids;
    nm_buf_init(&ids, 0);
    nm_buf_append(&ids, "{", 1);
    size_t ri;
    json_t *rrow;
    json_array_foreach(b->rows, ri, rrow) {
        if (ri) nm_buf_append(&ids, ",", 1);
        nm_buf_puts(&ids, json_string_value(json_object_get(rrow, "id")));
    }
    nm_buf_append(&ids, "}", 1);
    const char *p[2] = {js, ids.data};
#define ROWS "json_to_recordset($1::json) AS r(id bigint, sh bigint, terms json, ch text, at text," \
             " rel text, title text, matched bigint, ham int, sim real, story bigint)"
    static const char *const sql[] = {
        /* the pass's own columns: touch no index, so the update stays on its page (006) */
        "UPDATE articles a SET simhash = r.sh, story_terms = ARRAY(SELECT json_array_elements_text(r.terms)),"
        "   story_hash = r.ch FROM " ROWS " WHERE a.id = r.id AND a.id = ANY($2::bigint[])",
        "INSERT INTO stories (id, title, first_seen, last_seen)"
        " SELECT r.story, coalesce(r.title, ''), r.at::timestamptz, r.at::timestamptz FROM " ROWS " WHERE r.rel = 'first'",
        /* A re-assigned article moves by upsert: the pass needs no DELETE
         * (the writer role has none on results, deploy/postgres/roles.sql). */
        "INSERT INTO story_articles (article_id, story_id, relation, matched_article_id, hamming, similarity)"
        " SELECT r.id, r.story, r.rel, r.matched, r.ham, r.sim FROM " ROWS
        " ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id,"
        "   relation = EXCLUDED.relation, matched_article_id = EXCLUDED.matched_article_id,"
        "   hamming = EXCLUDED.hamming, similarity = EXCLUDED.similarity, added_at = now()",
        "UPDATE stories s SET first_seen = least(s.first_seen, g.lo), last_seen = greatest(s.last_seen, g.hi)"
        " FROM (SELECT r.story, min(r.at::timestamptz) AS lo, max(r.at::timestamptz) AS hi FROM " ROWS
        "       WHERE r.rel <> 'first' GROUP BY r.story) g WHERE s.id = g.story",
    };
#undef ROWS
    int rc = 0;
    for (size_t k = 0; k < sizeof sql / sizeof *sql && rc == 0; k++) {
        PGresult *r = pub_db_query(db, sql[k], k == 0 ? 2 : 1, p, err, errlen);
        if (!r) rc = -1;
        else PQclear(r);
    }
    free(js);
    nm_buf_free(&ids);
    json_array_clear(b->rows);
    return rc;
}

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

/* One transaction for the articles in ids ("{1,2,...}"). Returns how many
 * were assigned, or -1. */
static int pass_batch(batch_t *b, pub_db_t *db, const char *ids, char *err, size_t errlen)
{
    win_t *w = b->w;
    if (exec(db, "BEGIN", 0, NULL, err, errlen) < 0) return -1;
    /* serializes passes; a generation other than the one this window was
     * left at means someone else changed what it holds */
    PGresult *r = pub_db_query(db, "SELECT gen FROM story_gen FOR UPDATE", 0, NULL, err, errlen);
    if (!r) goto fail;
    int64_t gen = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    if (!w->valid || gen != w->gen) {
        win_clear(w);
        w->valid = true;
        w->gen = gen;
    }
    /* Lock the batch's articles (skipping any a writer holds: it queues
     * them again when it commits, and waiting could deadlock with a writer
     * waiting for story_gen) and mark them done: a writer's change after
     * this transaction queues them again. */
    char days[16];
    snprintf(days, sizeof days, "%d", b->o->window_days);
    const char *p[2] = {ids, days};
    r = pub_db_query(db,
        "WITH l AS (SELECT id FROM articles WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED),"
        " d AS (UPDATE story_queue SET done = true WHERE article_id IN (SELECT id FROM l))"
        " SELECT a.id, coalesce(a.title, ''), a.text, coalesce(a.published_at, a.fetched_at)::text,"
        "   coalesce(a.content_hash, ''),"
        "   (extract(epoch FROM coalesce(a.published_at, a.fetched_at)) * 1000000)::bigint,"
        "   (extract(epoch FROM coalesce(a.published_at, a.fetched_at) - make_interval(days => $2::int)) * 1000000)::bigint,"
        "   (extract(epoch FROM coalesce(a.published_at, a.fetched_at) + make_interval(days => $2::int)) * 1000000)::bigint"
        " FROM articles a JOIN l ON l.id = a.id"
        " WHERE coalesce(a.story_hash, '-') <> coalesce(a.content_hash, '') ORDER BY a.id",
        2, p, err, errlen);
    if (!r) goto fail;
    int n = PQntuples(r), done = 0;
    for (int i = 0; i < n; i++) {
        pend_t pe = {
            .id = strtoll(PQgetvalue(r, i, 0), NULL, 10),
            .title = PQgetvalue(r, i, 1), .text = PQgetvalue(r, i, 2), .when = PQgetvalue(r, i, 3),
            .chash = PQgetvalue(r, i, 4),
            .at = strtoll(PQgetvalue(r, i, 5), NULL, 10),
            .lo = strtoll(PQgetvalue(r, i, 6), NULL, 10),
            .hi = strtoll(PQgetvalue(r, i, 7), NULL, 10),
        };
        if (assign_one(b, db, &pe, err, errlen) < 0) {
            PQclear(r);
            goto fail;
        }
        done++;
    }
    PQclear(r);
    if (flush(b, db, err, errlen) < 0) goto fail;
    /* the generation after this transaction's own writes (their triggers) */
    r = pub_db_query(db, "SELECT gen FROM story_gen", 0, NULL, err, errlen);
    if (!r) goto fail;
    gen = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    if (exec(db, "COMMIT", 0, NULL, err, errlen) < 0) goto fail;
    w->gen = gen;
    return done;
fail:
    rollback(db);
    win_clear(w);   /* it may hold decisions that were not committed */
    json_array_clear(b->rows);
    b->nnew = 0;
    b->nfresh = 0;
    return -1;
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
     * longer are): migrations/006_perf.sql. Queue order is article order:
     * the index of the queue gives it without sorting the backlog. */
    PGresult *r = pub_db_query(db,
        "SELECT article_id FROM story_queue WHERE NOT done ORDER BY article_id LIMIT $1::int",
        1, p, err, errlen);
    if (!r) return -1;
    int n = PQntuples(r), done = 0;
    if (n == 0) {
        PQclear(r);
        return 0;
    }
    win_t *w = win_get(db);
    batch_t b = {.w = w, .tk = w->tk, .o = &o,
                 .debug = getenv("NM_STORY_DEBUG") != NULL, .rows = json_array()};
    nm_buf_t ids;
    nm_buf_init(&ids, 0);
    for (int i = 0; i < n && done >= 0; i += PUB_STORY_TXN) {
        nm_buf_reset(&ids);
        nm_buf_append(&ids, "{", 1);
        for (int k = i; k < n && k < i + PUB_STORY_TXN; k++) {
            if (k > i) nm_buf_append(&ids, ",", 1);
            nm_buf_append(&ids, PQgetvalue(r, k, 0), strlen(PQgetvalue(r, k, 0)));
        }
        nm_buf_append(&ids, "}", 1);
        int d = pass_batch(&b, db, ids.data, err, errlen);
        done = d < 0 ? -1 : done + d;
    }
    PQclear(r);
    nm_buf_free(&ids);
    json_decref(b.rows);
    free(b.fresh);
    if (b.debug && done >= 0)
        fprintf(stderr, "story: window %zu articles, %zu terms, %" PRIu64 " loads (%" PRIu64 " rows)\n",
                w->n, w->dict.n, w->loads, w->loaded);
    return done;
}

/* ---------------------------------------------------------------- at write time */

void pub_story_prepare(pub_db_t *db, const char *title, const char *text, pub_story_prep_t *p)
{
    memset(p, 0, sizeof *p);
    win_t *w = win_get(db);
    size_t nsh = 0;
    p->simhash = pub_story_simhash(text, &nsh);
    p->has_simhash = nsh >= PUB_STORY_MIN_SHINGLES;
    snprintf(p->simhash_s, sizeof p->simhash_s, "%" PRId64, (int64_t)p->simhash);
    terms_tk(w->tk, title, text, PUB_STORY_TERMS, &p->terms);
    terms_tk(w->tk, title, NULL, PUB_TF_CAP, &p->title);
    json_t *a = json_array();
    for (size_t k = 0; k < p->terms.n; k++) json_array_append_new(a, json_string(p->terms.v[k]));
    p->terms_json = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    if (!p->terms_json) nm_oom();
}

void pub_story_prep_free(pub_story_prep_t *p)
{
    if (!p) return;
    pub_terms_free(&p->terms);
    pub_terms_free(&p->title);
    free(p->terms_json);
    p->terms_json = NULL;
}

const char pub_story_lock_sql[] = "SELECT gen FROM story_gen FOR UPDATE";
const char pub_story_gen_sql[] = "SELECT gen FROM story_gen";

void pub_story_txn_locked(pub_db_t *db, const PGresult *r)
{
    win_t *w = win_get(db);
    int64_t gen = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    if (!w->valid || gen != w->gen) {
        win_clear(w);
        w->valid = true;
        w->gen = gen;
    }
}

int pub_story_txn_lock(pub_db_t *db, char *err, size_t errlen)
{
    PGresult *r = pub_db_query_prepared(db, pub_story_lock_sql, 0, NULL, err, errlen);
    if (!r) return -1;
    pub_story_txn_locked(db, r);
    PQclear(r);
    return 0;
}

int pub_story_txn_committed(pub_db_t *db, const PGresult *r)
{
    win_t *w = win_get(db);
    int64_t gen = r && PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    if (gen < 0) {
        win_clear(w);
        return -1;
    }
    w->valid = true;
    w->gen = gen;
    return 0;
}

int pub_story_assign_plan(pub_db_t *db, const pub_story_opts_t *opts, const pub_story_prep_t *p,
                          int64_t id, int64_t at, int64_t lo, int64_t hi, const char *when,
                          const char *title, pub_story_stmt_t *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    pub_story_opts_t o;
    opts_fill(&o, opts);
    win_t *w = win_get(db);
    batch_t b = {.w = w, .tk = w->tk, .o = &o, .debug = getenv("NM_STORY_DEBUG") != NULL,
                 .rows = json_array()};
    went_t *me = nm_calloc(1, sizeof *me);
    me->id = id;
    me->at = at;
    me->has_simhash = p->has_simhash;
    me->simhash = p->has_simhash ? p->simhash : 0;
    me->nterms = (uint32_t)p->terms.n;
    me->ntitle = (uint32_t)p->title.n;
    me->ids = nm_calloc(p->terms.n + p->title.n + 1, sizeof *me->ids);
    ids_of(&w->dict, &p->terms, me->ids);
    ids_of(&w->dict, &p->title, me->ids + p->terms.n);
    win_remove(w, at, id);
    pend_t pe = {.id = id, .at = at, .lo = lo, .hi = hi, .when = when, .title = title, .text = "",
                 .chash = ""};
    went_t **c = NULL;
    size_t nc = 0;
    bool owned = false, sorted = true;
    int rc = -1;
    if (candidates(&b, db, &pe, &c, &nc, &owned, &sorted, err, errlen) < 0) goto out;
    int best_ham;
    double best_score;
    size_t best = best_match(&b, id, at, p->simhash, p->has_simhash ? PUB_STORY_MIN_SHINGLES : 0, me->ids,
                             me->nterms, me->ids + me->nterms, me->ntitle, c, nc, sorted, &best_ham, &best_score);
    snprintf(st->buf[0], sizeof st->buf[0], "%" PRId64, id);
    st->title = nm_strdup(title);
    st->when = nm_strdup(when);
    if (best == nc) {
        st->sql =
            "WITH s AS (INSERT INTO stories (title, first_seen, last_seen)"
            "   VALUES ($2, $3::timestamptz, $3::timestamptz) RETURNING id)"
            " INSERT INTO story_articles (article_id, story_id, relation) SELECT $1::bigint, s.id, 'first' FROM s"
            " ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id,"
            "   relation = EXCLUDED.relation, matched_article_id = NULL, hamming = NULL,"
            "   similarity = NULL, added_at = now()"
            " RETURNING story_id";
        st->n = 3;
        st->p[0] = st->buf[0];
        st->p[1] = st->title;
        st->p[2] = st->when;
    } else {
        int dup = best_ham <= o.max_hamming;
        snprintf(st->buf[1], sizeof st->buf[1], "%" PRId64, c[best]->story);
        snprintf(st->buf[2], sizeof st->buf[2], "%" PRId64, c[best]->id);
        snprintf(st->buf[3], sizeof st->buf[3], "%d", best_ham);
        snprintf(st->buf[4], sizeof st->buf[4], "%.4f", best_score);
        st->sql =
            "WITH u AS (UPDATE stories SET first_seen = least(first_seen, $7::timestamptz),"
            "   last_seen = greatest(last_seen, $7::timestamptz) WHERE id = $2::bigint)"
            " INSERT INTO story_articles (article_id, story_id, relation, matched_article_id, hamming, similarity)"
            " VALUES ($1::bigint, $2::bigint, $3, $4::bigint, $5::int, $6::real)"
            " ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id,"
            "   relation = EXCLUDED.relation, matched_article_id = EXCLUDED.matched_article_id,"
            "   hamming = EXCLUDED.hamming, similarity = EXCLUDED.similarity, added_at = now()"
            " RETURNING story_id";
        st->n = 7;
        const char *q[7] = {st->buf[0], st->buf[1], dup ? "duplicate" : "same_event", st->buf[2],
                            dup ? st->buf[3] : NULL, dup ? NULL : st->buf[4], st->when};
        memcpy(st->p, q, sizeof q);
    }
    st->me = me;
    me = NULL;
    rc = 0;
out:
    if (owned)
        for (size_t i = 0; i < nc; i++) went_free(c[i]);
    free(c);
    went_free(me);
    json_decref(b.rows);
    free(b.fresh);
    if (rc < 0) win_clear(w);
    return rc;
}

int pub_story_assign_done(pub_db_t *db, pub_story_stmt_t *st, const PGresult *r)
{
    win_t *w = win_get(db);
    went_t *me = st->me;
    st->me = NULL;
    if (!r || !me) {
        went_free(me);
        win_clear(w);
        return -1;
    }
    me->story = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    if (me->story > 0 && win_covers(w, me->at))
        win_insert(w, me);
    else
        went_free(me);
    return 0;
}

void pub_story_stmt_free(pub_story_stmt_t *st)
{
    if (!st) return;
    went_free(st->me);
    st->me = NULL;
    free(st->title);
    free(st->when);
    st->title = st->when = NULL;
}

int pub_story_assign_new(pub_db_t *db, const pub_story_opts_t *opts, const pub_story_prep_t *p,
                         int64_t id, int64_t at, int64_t lo, int64_t hi, const char *when,
                         const char *title, char *err, size_t errlen)
{
    pub_story_stmt_t st;
    if (pub_story_assign_plan(db, opts, p, id, at, lo, hi, when, title, &st, err, errlen) < 0)
        return -1;
    PGresult *r = pub_db_query_prepared(db, st.sql, st.n, st.p, err, errlen);
    int rc = pub_story_assign_done(db, &st, r);
    PQclear(r);
    pub_story_stmt_free(&st);
    return rc;
}

/* COMMIT, and learn the generation the window is at after this
 * transaction's own writes (their triggers bump it): one round trip. */
int pub_story_txn_commit(pub_db_t *db, char *err, size_t errlen)
{
    win_t *w = win_get(db);
    PGconn *conn = pub_db_conn(db);
    int64_t gen = -1;
    /* never on a fresh connection: its COMMIT would "succeed" with nothing */
    if (conn && PQtransactionStatus(conn) != PQTRANS_INTRANS) conn = NULL;
    int ok = conn && PQsendQuery(conn, "SELECT gen FROM story_gen; COMMIT");
    int n = 0;
    PGresult *r;
    while (conn && (r = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (n == 0 && st == PGRES_TUPLES_OK && PQntuples(r) == 1)
            gen = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        else if (!(n == 1 && st == PGRES_COMMAND_OK)) {
            if (ok) snprintf(err, errlen, "commit: %s", PQresultErrorMessage(r));
            ok = 0;
        }
        n++;
        PQclear(r);
    }
    if (!ok || n != 2 || gen < 0) {
        if (ok) snprintf(err, errlen, "commit: %s", conn ? PQerrorMessage(conn) : "not connected");
        win_clear(w);
        return -1;
    }
    w->valid = true;
    w->gen = gen;
    return 0;
}

void pub_story_txn_abort(pub_db_t *db)
{
    win_t *w = pub_db_ext(db);
    if (w) win_clear(w);
}

#include "summ_tok.h"

#include <ctype.h>
#include <libstemmer.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_buf.h"

uint32_t summ_utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = len - *i;
    uint32_t cp;
    size_t n;
    if (p[0] < 0x80) { *i += 1; return p[0]; }
    if ((p[0] & 0xE0) == 0xC0) { n = 2; cp = p[0] & 0x1F; }
    else if ((p[0] & 0xF0) == 0xE0) { n = 3; cp = p[0] & 0x0F; }
    else if ((p[0] & 0xF8) == 0xF0) { n = 4; cp = p[0] & 0x07; }
    else { *i += 1; return 0xFFFD; }
    if (left < n) { *i += 1; return 0xFFFD; }
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80) { *i += 1; return 0xFFFD; }
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    /* overlong forms, surrogates and out-of-range values are not text */
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *i += 1;
        return 0xFFFD;
    }
    *i += n;
    return cp;
}

int summ_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    const unsigned char *u = (const unsigned char *)s;
    while (i < len) {
        if (u[i] < 0x80) {   /* ASCII (most text): valid unless NUL */
            if (u[i] == 0) return 0;
            i++;
            continue;
        }
        size_t before = i;
        uint32_t cp = summ_utf8_next(s, len, &i);
        /* a genuine U+FFFD takes 3 bytes; a substituted one only 1 */
        if (cp == 0xFFFD && i - before == 1) return 0;
    }
    return 1;
}

static int is_han(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x2FFFF);
}
static int is_kana(uint32_t cp) { return cp >= 0x3040 && cp <= 0x30FF; }
static int is_hangul(uint32_t cp) { return (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x1100 && cp <= 0x11FF); }

int summ_is_cjk(uint32_t cp)
{
    return is_han(cp) || is_kana(cp) || is_hangul(cp) || (cp >= 0x3000 && cp <= 0x303F) ||
           (cp >= 0xFF00 && cp <= 0xFFEF);
}

/* Letters and digits outside ASCII: everything that is not a known
 * punctuation, symbol or space range. Crude, but stable and locale-free. */
static int is_word_cp(uint32_t cp)
{
    if (cp < 0x80) return isalnum((int)cp);
    if (cp == 0xFFFD) return 0;
    if (cp <= 0xBF) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
    if (cp == 0xD7 || cp == 0xF7) return 0;
    if (cp >= 0x2000 && cp <= 0x2BFF) return 0;   /* punctuation, symbols, arrows */
    if (cp >= 0x3000 && cp <= 0x303F) return 0;   /* CJK punctuation */
    if (cp >= 0xFF00 && cp <= 0xFF0F) return 0;
    if (cp >= 0xFF1A && cp <= 0xFF20) return 0;
    if (cp >= 0xFF3B && cp <= 0xFF40) return 0;
    if (cp >= 0xFF5B && cp <= 0xFF65) return 0;
    if (cp >= 0xFE30 && cp <= 0xFE6F) return 0;
    if (cp >= 0x1F000) return 0;                   /* emoji and friends */
    return 1;
}

const char *summ_detect_language(const char *text)
{
    size_t len = strlen(text), i = 0, latin = 0, han = 0, kana = 0, hangul = 0;
    /* a sample is enough, and bounds the work on huge inputs */
    if (len > 65536) len = 65536;
    const unsigned char *u = (const unsigned char *)text;
    size_t check = 4096;
    while (i < len) {
        if (i >= check) {
            /* settled already? a CJK character takes at least 3 bytes, so
             * the rest could add at most (len - i) / 3 of them */
            if ((han + kana + hangul + (len - i) / 3) * 4 < latin) return "en";
            check = i + 4096;
        }
        if (u[i] < 0x80) {   /* ASCII: a letter or nothing that counts */
            latin += (unsigned)(u[i++] | 32) - 'a' < 26u;
            continue;
        }
        uint32_t cp = summ_utf8_next(text, len, &i);
        if (cp < 0x250 && is_word_cp(cp) && !(cp >= '0' && cp <= '9')) latin++;
        else if (is_han(cp)) han++;
        else if (is_kana(cp)) kana++;
        else if (is_hangul(cp)) hangul++;
    }
    /* a CJK character carries about as much as a short Latin word */
    size_t cjk = han + kana + hangul;
    if (cjk * 4 < latin) return "en";
    if (kana * 5 > cjk) return "ja";
    if (hangul > han) return "ko";
    return "zh";
}

/* ---- string -> value tables: keys live in one arena ---- */

#define NO_GID UINT32_MAX   /* a surface word that yields no token (stopword) */

typedef struct {
    uint64_t h;
    size_t off;         /* key in the arena (NUL-terminated there) */
    uint32_t len;       /* 0: empty slot (keys are never empty) */
    uint32_t val;
} strslot_t;

typedef struct {
    strslot_t *slot;
    size_t cap, n;      /* cap: a power of two, at most half full */
    char *arena;
    size_t alen, acap;
} strtab_t;

#define FNV_BASIS 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t str_hash(const char *s, size_t len)
{
    uint64_t h = FNV_BASIS;
    for (size_t k = 0; k < len; k++) h = (h ^ (unsigned char)s[k]) * FNV_PRIME;
    return h;
}

/* Keys are short words: an inline loop beats a call to memcmp. */
static int same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (a[k] != b[k]) return 0;
    return 1;
}

/* The slot holding key, or the empty slot where it belongs. */
static strslot_t *strtab_slot(const strtab_t *tab, const char *key, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (tab->cap - 1);
    for (;;) {
        strslot_t *sl = &tab->slot[i];
        if (!sl->len) return sl;
        if (sl->h == h && sl->len == len && same_bytes(tab->arena + sl->off, key, len)) return sl;
        i = (i + 1) & (tab->cap - 1);
    }
}

static void strtab_grow(strtab_t *tab)
{
    size_t ncap = tab->cap ? tab->cap * 2 : 1024;
    strslot_t *ns = nm_calloc(ncap, sizeof *ns);
    for (size_t k = 0; k < tab->cap; k++) {
        if (!tab->slot[k].len) continue;
        size_t i = (size_t)tab->slot[k].h & (ncap - 1);
        while (ns[i].len) i = (i + 1) & (ncap - 1);
        ns[i] = tab->slot[k];
    }
    free(tab->slot);
    tab->slot = ns;
    tab->cap = ncap;
}

/* Insert key (absent: sl is the empty slot strtab_slot gave for h) with
 * val. Returns the key's slot. */
static strslot_t *strtab_insert(strtab_t *tab, strslot_t *sl, const char *key, size_t len, uint64_t h, uint32_t val)
{
    if ((tab->n + 1) * 2 > tab->cap) {
        strtab_grow(tab);
        sl = strtab_slot(tab, key, len, h);
    }
    if (tab->alen + len + 1 > tab->acap) {
        while (tab->alen + len + 1 > tab->acap) tab->acap = tab->acap ? tab->acap * 2 : 8192;
        tab->arena = nm_realloc(tab->arena, tab->acap);
    }
    memcpy(tab->arena + tab->alen, key, len);
    tab->arena[tab->alen + len] = '\0';
    *sl = (strslot_t){ .h = h, .off = tab->alen, .len = (uint32_t)len, .val = val };
    tab->alen += len + 1;
    tab->n++;
    return sl;
}

static void strtab_free(strtab_t *tab)
{
    free(tab->slot);
    free(tab->arena);
    memset(tab, 0, sizeof *tab);
}

/* ---- the stem cache ----
 *
 * Stemming is most of a tokenizer's cost, and the words of one article are
 * mostly the words of the last: a cache maps each lowercased surface word
 * to a global term id (gid; NO_GID for a stopword) across documents, and
 * each term to its text. A tokenizer numbers the gids it meets in
 * first-seen order (its own ids, 0, 1, ...), through two arrays indexed by
 * gid stamped with the tokenizer's generation, so starting a document
 * clears nothing and looks nothing up twice.
 *
 * One shared cache per language (up to SHARED_MAX languages), held by one
 * tokenizer at a time: a tokenizer made while its language's cache is held
 * gets a private one, freed with it, so no lock is taken per token and
 * tokenizers stay usable from any thread. The cache empties itself when it
 * holds more than STEMCACHE_MAX surface words and its holder has handed out
 * no ids yet (ids name gids), which bounds its memory in a long-running
 * daemon (~6 MB at the cap). A shared cache also keeps the last few
 * thousand words in a small table (HOT_SLOTS) that stays in the CPU's
 * cache: most tokens never reach the big one. Every cached value is what
 * stemming the word gives, so tokens and ids are exactly those of a cold
 * tokenizer (tests/unit/test_summ_cache.c, test_summ_graph.c). */

#define STEMCACHE_MAX 65536
#define SHARED_MAX 8

typedef struct {
    char lang[32];
    struct sb_stemmer *stemmer;
    int english;
    strtab_t surface;   /* lowercased word -> gid or NO_GID */
    strtab_t terms;     /* token text -> gid */
    size_t *goff;       /* gid -> its text's offset in terms.arena */
    size_t ngids;
    /* the holder's numbering: lid[gid] is valid when stamp[gid] == gen */
    uint32_t *stamp, *lid;
    size_t scap;
    uint32_t gen;
    int held;
    /* the words seen most recently, in a small table that stays in the
     * CPU's cache (the whole cache does not): a document's words are looked
     * up here first, most of them found; emptied when half full */
    struct hslot {
        uint64_t h;
        size_t off;          /* the word in surface.arena */
        uint32_t len;        /* 0: empty slot */
        uint32_t gid;
        uint32_t lid, lgen;  /* the holder's id for gid, valid when lgen == gen */
    } *hs;
    size_t hn;
    int hot;            /* use hs: shared caches (a private one is small, and
                         * often short-lived: no 256 KB table for it) */
} stemcache_t;

#define HOT_SLOTS 8192

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static stemcache_t *shared[SHARED_MAX];

static void stemcache_clear(stemcache_t *c)
{
    strtab_free(&c->surface);
    strtab_free(&c->terms);
    free(c->goff);
    free(c->stamp);
    free(c->lid);
    free(c->hs);
    c->goff = NULL;
    c->stamp = c->lid = NULL;
    c->hs = NULL;
    c->ngids = c->scap = c->hn = 0;
    c->gen = 0;
}

static stemcache_t *stemcache_new(const char *language)
{
    stemcache_t *c = nm_calloc(1, sizeof *c);
    snprintf(c->lang, sizeof c->lang, "%s", language);
    c->english = strcmp(language, "en") == 0 || strcmp(language, "english") == 0;
    if (strcmp(language, "zh") != 0 && strcmp(language, "ja") != 0 && strcmp(language, "ko") != 0)
        c->stemmer = sb_stemmer_new(language, NULL);   /* NULL when unknown: no stemming */
    return c;
}

static void stemcache_destroy(stemcache_t **c_p)
{
    stemcache_t *c = *c_p;
    if (!c) return;
    if (c->stemmer) sb_stemmer_delete(c->stemmer);
    stemcache_clear(c);
    free(c);
    *c_p = NULL;
}

/* A new holder: nothing numbered yet. */
static void stemcache_begin(stemcache_t *c)
{
    if (c->surface.n > STEMCACHE_MAX) stemcache_clear(c);
    if (++c->gen == 0) {   /* wrapped: old stamps could match again */
        if (c->scap) memset(c->stamp, 0, c->scap * sizeof *c->stamp);
        if (c->hs)
            for (size_t k = 0; k < HOT_SLOTS; k++) c->hs[k].lgen = 0;
        c->gen = 1;
    }
}

/* The gid of token text (inserted if new). */
static uint32_t stemcache_term(stemcache_t *c, const char *tok, size_t len)
{
    uint64_t h = str_hash(tok, len);
    strslot_t *sl = c->terms.cap ? strtab_slot(&c->terms, tok, len, h) : NULL;
    if (sl && sl->len) return sl->val;
    if (!sl) {
        strtab_grow(&c->terms);
        sl = strtab_slot(&c->terms, tok, len, h);
    }
    uint32_t gid = (uint32_t)c->ngids;
    sl = strtab_insert(&c->terms, sl, tok, len, h, gid);
    if (c->ngids == c->scap) {
        size_t ncap = c->scap ? c->scap * 2 : 256;
        c->goff = nm_realloc(c->goff, ncap * sizeof *c->goff);
        c->stamp = nm_realloc(c->stamp, ncap * sizeof *c->stamp);
        c->lid = nm_realloc(c->lid, ncap * sizeof *c->lid);
        memset(c->stamp + c->scap, 0, (ncap - c->scap) * sizeof *c->stamp);
        c->scap = ncap;
    }
    c->goff[c->ngids++] = sl->off;
    return gid;
}

static const char *stemcache_text(const stemcache_t *c, uint32_t gid)
{
    return c->terms.arena + c->goff[gid];
}

struct summ_tokenizer {
    stemcache_t *c;
    int shared;         /* c is a shared cache, given back on destroy */
    uint32_t *gids;     /* this tokenizer's id -> gid */
    size_t nids, cap;
};

static const char *const STOPWORDS[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "d", "did", "do", "does", "doing", "down", "during", "each",
    "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "itself", "just", "ll", "m", "me", "more", "most", "my", "myself", "no", "nor", "not", "now",
    "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over",
    "own", "re", "s", "said", "same", "say", "says", "she", "should", "so", "some", "such", "t",
    "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these",
    "they", "this", "those", "through", "to", "too", "under", "until", "up", "us", "ve", "very",
    "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "would", "you", "your", "yours", "yourself", "yourselves", "mr", "mrs", "ms", "one",
    "two", "year", "years", "new", "last", "told", "may", "might", "must", "many", "much",
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *stop_table[sizeof STOPWORDS / sizeof STOPWORDS[0]];
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static void stop_sort(void)
{
    memcpy(stop_table, STOPWORDS, sizeof stop_table);
    qsort(stop_table, sizeof stop_table / sizeof stop_table[0], sizeof stop_table[0], cmp_str);
}

static int is_stopword(const char *w)
{
    pthread_once(&stop_once, stop_sort);
    const size_t n = sizeof stop_table / sizeof stop_table[0];
    return bsearch(&w, stop_table, n, sizeof stop_table[0], cmp_str) != NULL;
}

summ_tokenizer_t *summ_tokenizer_new(const char *language)
{
    summ_tokenizer_t *t = nm_calloc(1, sizeof *t);
    if (!language || !*language) language = "en";
    if (strlen(language) < sizeof t->c->lang) {
        pthread_mutex_lock(&shared_lock);
        for (size_t k = 0; k < SHARED_MAX; k++) {
            if (!shared[k]) {
                shared[k] = stemcache_new(language);
                shared[k]->hot = 1;
            }
            if (strcmp(shared[k]->lang, language) != 0) continue;
            if (!shared[k]->held) {
                shared[k]->held = 1;
                t->c = shared[k];
                t->shared = 1;
            }
            break;
        }
        pthread_mutex_unlock(&shared_lock);
    }
    if (!t->c) t->c = stemcache_new(language);
    stemcache_begin(t->c);
    return t;
}

void summ_tokenizer_destroy(summ_tokenizer_t **t_p)
{
    if (!t_p || !*t_p) return;
    summ_tokenizer_t *t = *t_p;
    if (t->shared) {
        pthread_mutex_lock(&shared_lock);
        t->c->held = 0;
        pthread_mutex_unlock(&shared_lock);
    } else {
        stemcache_destroy(&t->c);
    }
    free(t->gids);
    free(t);
    *t_p = NULL;
}

static void push(summ_tokens_t *out, char *tok)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 32;
        out->v = nm_realloc(out->v, out->cap * sizeof *out->v);
    }
    out->v[out->n++] = tok;
}

static void push_id(summ_ids_t *out, size_t id)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->v = nm_realloc(out->v, out->cap * sizeof *out->v);
    }
    out->v[out->n++] = id;
}

/* The gid of a lowercased word (wl bytes, NUL-terminated, hash h): the
 * cache's answer, else stopword check and stemming, remembered. *off_p:
 * where the word is kept in surface.arena. */
static uint32_t word_gid(stemcache_t *c, const char *w, size_t wl, uint64_t h, size_t *off_p)
{
    strslot_t *sl = NULL;
    if (c->surface.cap) {
        sl = strtab_slot(&c->surface, w, wl, h);
        if (sl->len) { *off_p = sl->off; return sl->val; }
    }
    uint32_t gid = NO_GID;
    if (!(c->english && is_stopword(w))) {
        const sb_symbol *st = c->stemmer ? sb_stemmer_stem(c->stemmer, (const sb_symbol *)w, (int)wl) : NULL;
        if (st) gid = stemcache_term(c, (const char *)st, (size_t)sb_stemmer_length(c->stemmer));
        else gid = stemcache_term(c, w, wl);
    }
    if (!sl) {
        strtab_grow(&c->surface);
        sl = strtab_slot(&c->surface, w, wl, h);
    }
    sl = strtab_insert(&c->surface, sl, w, wl, h, gid);
    *off_p = sl->off;
    return gid;
}

/* The hot-table slot for a word: found there (most tokens: news reuses
 * its words), else from the whole cache and added. */
static struct hslot *hot_slot(stemcache_t *c, const char *w, size_t wl, uint64_t h)
{
    if (!c->hs) c->hs = nm_calloc(HOT_SLOTS, sizeof *c->hs);
    size_t i = (size_t)h & (HOT_SLOTS - 1);
    for (;; i = (i + 1) & (HOT_SLOTS - 1)) {
        struct hslot *e = &c->hs[i];
        if (!e->len) break;
        if (e->h == h && e->len == wl && same_bytes(c->surface.arena + e->off, w, wl)) return e;
    }
    size_t off;
    uint32_t gid = word_gid(c, w, wl, h, &off);
    if ((c->hn + 1) * 2 > HOT_SLOTS) {
        memset(c->hs, 0, HOT_SLOTS * sizeof *c->hs);
        c->hn = 0;
        i = (size_t)h & (HOT_SLOTS - 1);
    }
    c->hs[i] = (struct hslot){ .h = h, .off = off, .len = (uint32_t)wl, .gid = gid };
    c->hn++;
    return &c->hs[i];
}

/* This tokenizer's id for gid: the next one the first time. */
static size_t local_id(summ_tokenizer_t *t, uint32_t gid)
{
    stemcache_t *c = t->c;
    if (c->stamp[gid] == c->gen) return c->lid[gid];
    c->stamp[gid] = c->gen;
    c->lid[gid] = (uint32_t)t->nids;
    if (t->nids == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->gids = nm_realloc(t->gids, t->cap * sizeof *t->gids);
    }
    t->gids[t->nids] = gid;
    return t->nids++;
}

/* Called per word (lowercased, NUL-terminated, its FNV-1a hash h, cjk 0)
 * and per CJK character (not terminated, cjk 1, h unset). */
typedef void (*emit_fn)(summ_tokenizer_t *t, const char *tok, size_t len, uint64_t h, int cjk, void *out);

/* The one word scanner both token forms share. */
static void scan(summ_tokenizer_t *t, const char *s, emit_fn emit, void *out)
{
    /* a cache past its size may empty itself while nothing names its gids */
    if (t->nids == 0 && t->c->surface.n > STEMCACHE_MAX) stemcache_begin(t->c);
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    char word[256];
    size_t wl = 0;
    uint64_t h = FNV_BASIS;
    int overflow = 0;
    for (;;) {
        /* a run of ASCII letters and digits (most text), lowercased and
         * hashed as it is copied */
        while (i < len && ((unsigned)(u[i] | 32) - 'a' < 26u || (unsigned)u[i] - '0' < 10u)) {
            if (wl + 1 < sizeof word) {
                unsigned char c = (unsigned)u[i] - 'A' < 26u ? u[i] | 32 : u[i];
                word[wl++] = (char)c;
                h = (h ^ c) * FNV_PRIME;
            } else {
                overflow = 1;   /* absurdly long "words" are not words */
            }
            i++;
        }
        size_t start = i;
        uint32_t cp;
        if (i < len && u[i] < 0x80) cp = u[i++];
        else cp = i < len ? summ_utf8_next(s, len, &i) : 0;
        int cjk = cp >= 0x1100 && (is_han(cp) || is_kana(cp) || is_hangul(cp));
        if (cp >= 0x80 && !cjk && is_word_cp(cp)) {
            size_t n = i - start;
            if (wl + n < sizeof word) {
                for (size_t k = 0; k < n; k++) {
                    word[wl++] = s[start + k];   /* tolower leaves bytes >= 0x80 alone */
                    h = (h ^ u[start + k]) * FNV_PRIME;
                }
            } else {
                overflow = 1;
            }
            continue;
        }
        if (wl && !overflow) {
            word[wl] = '\0';
            emit(t, word, wl, h, 0, out);
        }
        wl = 0;
        h = FNV_BASIS;
        overflow = 0;
        if (cjk) emit(t, s + start, i - start, 0, 1, out);
        if (!cp) break;
    }
}

static void emit_str(summ_tokenizer_t *t, const char *tok, size_t len, uint64_t h, int cjk, void *out)
{
    if (cjk) { push(out, nm_strndup(tok, len)); return; }
    size_t off;
    uint32_t gid = t->c->hot ? hot_slot(t->c, tok, len, h)->gid : word_gid(t->c, tok, len, h, &off);
    if (gid != NO_GID) push(out, nm_strdup(stemcache_text(t->c, gid)));
}

size_t summ_tokenize(summ_tokenizer_t *t, const char *s, summ_tokens_t *out)
{
    size_t before = out->n;
    scan(t, s, emit_str, out);
    return out->n - before;
}

static void emit_id(summ_tokenizer_t *t, const char *tok, size_t len, uint64_t h, int cjk, void *out)
{
    if (cjk) { push_id(out, local_id(t, stemcache_term(t->c, tok, len))); return; }
    if (!t->c->hot) {
        size_t off;
        uint32_t gid = word_gid(t->c, tok, len, h, &off);
        if (gid != NO_GID) push_id(out, local_id(t, gid));
        return;
    }
    struct hslot *e = hot_slot(t->c, tok, len, h);
    if (e->gid == NO_GID) return;
    if (e->lgen != t->c->gen) {
        e->lid = (uint32_t)local_id(t, e->gid);
        e->lgen = t->c->gen;
    }
    push_id(out, e->lid);
}

size_t summ_tokenize_ids(summ_tokenizer_t *t, const char *s, summ_ids_t *out)
{
    size_t before = out->n;
    scan(t, s, emit_id, out);
    return out->n - before;
}

size_t summ_tokenizer_nids(const summ_tokenizer_t *t)
{
    return t->nids;
}

const char *summ_tokenizer_token(const summ_tokenizer_t *t, size_t id)
{
    return id < t->nids ? stemcache_text(t->c, t->gids[id]) : NULL;
}
void summ_ids_free(summ_ids_t *ids)
{
    if (!ids) return;
    free(ids->v);
    memset(ids, 0, sizeof *ids);
}

size_t summ_word_count_n(const char *s, size_t len, size_t max)
{
    size_t i = 0, n = 0;
    int in_word = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {   /* ASCII: no decoding, no range tests */
            i++;
            if ((unsigned)(c | 32) - 'a' < 26u || (unsigned)c - '0' < 10u || (c == '\'' && in_word)) {
                if (!in_word && ++n > max) return n;
                in_word = 1;
            } else {
                in_word = 0;
            }
            continue;
        }
        uint32_t cp = summ_utf8_next(s, len, &i);
        if (is_han(cp) || is_kana(cp) || is_hangul(cp)) { if (++n > max) return n; in_word = 0; }
        else if (is_word_cp(cp) || ((cp == '\'' || cp == 0x2019) && in_word)) { if (!in_word && ++n > max) return n; in_word = 1; }
        else in_word = 0;
    }
    return n;
}

size_t summ_word_count(const char *s)
{
    return summ_word_count_n(s, strlen(s), SIZE_MAX);
}

void summ_tokens_free(summ_tokens_t *toks)
{
    if (!toks) return;
    for (size_t k = 0; k < toks->n; k++) free(toks->v[k]);
    free(toks->v);
    toks->v = NULL;
    toks->n = toks->cap = 0;
}

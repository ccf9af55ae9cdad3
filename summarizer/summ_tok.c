#include "summ_tok.h"

#include <ctype.h>
#include <libstemmer.h>
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
    while (i < len) {
        if (s[i] == '\0') return 0;
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
    while (i < len) {
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

/* ---- string -> value tables for one tokenizer: keys live in one arena ---- */

typedef struct {
    uint64_t h;
    size_t off, len;    /* key in the arena (NUL-terminated there) */
    size_t val;
    int used;
} strslot_t;

typedef struct {
    strslot_t *slot;
    size_t cap, n;      /* cap: a power of two, at most half full */
    char *arena;
    size_t alen, acap;
} strtab_t;

static uint64_t str_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < len; k++) h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
    return h;
}

/* The slot holding key, or the empty slot where it belongs. */
static strslot_t *strtab_slot(strtab_t *tab, const char *key, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (tab->cap - 1);
    for (;;) {
        strslot_t *sl = &tab->slot[i];
        if (!sl->used) return sl;
        if (sl->h == h && sl->len == len && memcmp(tab->arena + sl->off, key, len) == 0) return sl;
        i = (i + 1) & (tab->cap - 1);
    }
}

static void strtab_grow(strtab_t *tab)
{
    size_t ncap = tab->cap ? tab->cap * 2 : 512;
    strslot_t *ns = nm_calloc(ncap, sizeof *ns);
    for (size_t k = 0; k < tab->cap; k++) {
        if (!tab->slot[k].used) continue;
        size_t i = (size_t)tab->slot[k].h & (ncap - 1);
        while (ns[i].used) i = (i + 1) & (ncap - 1);
        ns[i] = tab->slot[k];
    }
    free(tab->slot);
    tab->slot = ns;
    tab->cap = ncap;
}

/* Find key; if absent, insert it with val. Returns the slot. */
static strslot_t *strtab_put(strtab_t *tab, const char *key, size_t len, size_t val, int *added)
{
    if ((tab->n + 1) * 2 > tab->cap) strtab_grow(tab);
    uint64_t h = str_hash(key, len);
    strslot_t *sl = strtab_slot(tab, key, len, h);
    *added = !sl->used;
    if (sl->used) return sl;
    if (tab->alen + len + 1 > tab->acap) {
        while (tab->alen + len + 1 > tab->acap) tab->acap = tab->acap ? tab->acap * 2 : 4096;
        tab->arena = nm_realloc(tab->arena, tab->acap);
    }
    memcpy(tab->arena + tab->alen, key, len);
    tab->arena[tab->alen + len] = '\0';
    *sl = (strslot_t){ .h = h, .off = tab->alen, .len = len, .val = val, .used = 1 };
    tab->alen += len + 1;
    tab->n++;
    return sl;
}

static strslot_t *strtab_get(strtab_t *tab, const char *key, size_t len)
{
    if (!tab->cap) return NULL;
    strslot_t *sl = strtab_slot(tab, key, len, str_hash(key, len));
    return sl->used ? sl : NULL;
}

static void strtab_free(strtab_t *tab)
{
    free(tab->slot);
    free(tab->arena);
    memset(tab, 0, sizeof *tab);
}

#define NO_ID ((size_t)-1)   /* a surface word that yields no token (stopword) */

struct summ_tokenizer {
    struct sb_stemmer *stemmer;
    int english;
    /* summ_tokenize_ids: lowercased word -> id (or NO_ID), token -> id,
     * id -> token offset in terms' arena */
    strtab_t surface, terms;
    size_t *term_off;
    size_t nterms, term_cap;
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

static int is_stopword(const char *w)
{
    static int sorted;
    static const char *table[sizeof STOPWORDS / sizeof STOPWORDS[0]];
    const size_t n = sizeof STOPWORDS / sizeof STOPWORDS[0];
    if (!sorted) {
        /* benign if two threads race: both write the same sorted table */
        memcpy(table, STOPWORDS, sizeof table);
        qsort(table, n, sizeof table[0], cmp_str);
        sorted = 1;
    }
    return bsearch(&w, table, n, sizeof table[0], cmp_str) != NULL;
}

summ_tokenizer_t *summ_tokenizer_new(const char *language)
{
    summ_tokenizer_t *t = nm_calloc(1, sizeof *t);
    if (!language || !*language) language = "en";
    t->english = strcmp(language, "en") == 0 || strcmp(language, "english") == 0;
    if (strcmp(language, "zh") != 0 && strcmp(language, "ja") != 0 && strcmp(language, "ko") != 0)
        t->stemmer = sb_stemmer_new(language, NULL);   /* NULL when unknown: no stemming */
    return t;
}

void summ_tokenizer_destroy(summ_tokenizer_t **t_p)
{
    if (!t_p || !*t_p) return;
    summ_tokenizer_t *t = *t_p;
    if (t->stemmer) sb_stemmer_delete(t->stemmer);
    strtab_free(&t->surface);
    strtab_free(&t->terms);
    free(t->term_off);
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

/* Called per word (lowercased, NUL-terminated, cjk 0) and per CJK character
 * (not terminated, cjk 1). */
typedef void (*emit_fn)(summ_tokenizer_t *t, const char *tok, size_t len, int cjk, void *out);

/* The one word scanner both token forms share. */
static void scan(summ_tokenizer_t *t, const char *s, emit_fn emit, void *out)
{
    size_t len = strlen(s), i = 0;
    char word[256];
    size_t wl = 0;
    int overflow = 0;
    for (;;) {
        size_t start = i;
        uint32_t cp;
        if (i < len && (unsigned char)s[i] < 0x80) cp = (unsigned char)s[i++];   /* ASCII: most text */
        else cp = i < len ? summ_utf8_next(s, len, &i) : 0;
        int cjk = cp >= 0x1100 && (is_han(cp) || is_kana(cp) || is_hangul(cp));
        if (cp && !cjk && is_word_cp(cp)) {
            size_t n = i - start;
            if (wl + n < sizeof word) {
                for (size_t k = 0; k < n; k++) word[wl++] = (char)tolower((unsigned char)s[start + k]);
            } else {
                overflow = 1;   /* absurdly long "words" are not words */
            }
            continue;
        }
        if (wl && !overflow) {
            word[wl] = '\0';
            emit(t, word, wl, 0, out);
        }
        wl = 0;
        overflow = 0;
        if (cjk) emit(t, s + start, i - start, 1, out);
        if (!cp) break;
    }
}

static void emit_str(summ_tokenizer_t *t, const char *tok, size_t len, int cjk, void *out)
{
    if (cjk) { push(out, nm_strndup(tok, len)); return; }
    if (t->english && is_stopword(tok)) return;
    if (t->stemmer) {
        const sb_symbol *st = sb_stemmer_stem(t->stemmer, (const sb_symbol *)tok, (int)len);
        if (st) { push(out, nm_strndup((const char *)st, (size_t)sb_stemmer_length(t->stemmer))); return; }
    }
    push(out, nm_strndup(tok, len));
}

size_t summ_tokenize(summ_tokenizer_t *t, const char *s, summ_tokens_t *out)
{
    size_t before = out->n;
    scan(t, s, emit_str, out);
    return out->n - before;
}

static size_t term_id(summ_tokenizer_t *t, const char *tok, size_t len)
{
    int added;
    strslot_t *sl = strtab_put(&t->terms, tok, len, t->nterms, &added);
    if (added) {
        if (t->nterms == t->term_cap) {
            t->term_cap = t->term_cap ? t->term_cap * 2 : 256;
            t->term_off = nm_realloc(t->term_off, t->term_cap * sizeof *t->term_off);
        }
        t->term_off[t->nterms++] = sl->off;
    }
    return sl->val;
}

static void emit_id(summ_tokenizer_t *t, const char *tok, size_t len, int cjk, void *out)
{
    if (cjk) { push_id(out, term_id(t, tok, len)); return; }
    /* the same word always gives the same token: stem and check it once */
    strslot_t *sl = strtab_get(&t->surface, tok, len);
    size_t id;
    if (sl) {
        id = sl->val;
    } else {
        id = NO_ID;
        if (!(t->english && is_stopword(tok))) {
            const sb_symbol *st = t->stemmer ? sb_stemmer_stem(t->stemmer, (const sb_symbol *)tok, (int)len) : NULL;
            if (st) id = term_id(t, (const char *)st, (size_t)sb_stemmer_length(t->stemmer));
            else id = term_id(t, tok, len);
        }
        int added;
        strtab_put(&t->surface, tok, len, id, &added);
    }
    if (id != NO_ID) push_id(out, id);
}

size_t summ_tokenize_ids(summ_tokenizer_t *t, const char *s, summ_ids_t *out)
{
    size_t before = out->n;
    scan(t, s, emit_id, out);
    return out->n - before;
}

size_t summ_tokenizer_nids(const summ_tokenizer_t *t)
{
    return t->nterms;
}

const char *summ_tokenizer_token(const summ_tokenizer_t *t, size_t id)
{
    return id < t->nterms ? t->terms.arena + t->term_off[id] : NULL;
}

void summ_ids_free(summ_ids_t *ids)
{
    if (!ids) return;
    free(ids->v);
    memset(ids, 0, sizeof *ids);
}

size_t summ_word_count(const char *s)
{
    size_t len = strlen(s), i = 0, n = 0;
    int in_word = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {   /* ASCII: no decoding, no range tests */
            i++;
            if (isalnum(c) || (c == '\'' && in_word)) { if (!in_word) n++; in_word = 1; }
            else in_word = 0;
            continue;
        }
        uint32_t cp = summ_utf8_next(s, len, &i);
        if (is_han(cp) || is_kana(cp) || is_hangul(cp)) { n++; in_word = 0; }
        else if (is_word_cp(cp) || ((cp == '\'' || cp == 0x2019) && in_word)) { if (!in_word) n++; in_word = 1; }
        else in_word = 0;
    }
    return n;
}

void summ_tokens_free(summ_tokens_t *toks)
{
    if (!toks) return;
    for (size_t k = 0; k < toks->n; k++) free(toks->v[k]);
    free(toks->v);
    toks->v = NULL;
    toks->n = toks->cap = 0;
}

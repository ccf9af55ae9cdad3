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

struct summ_tokenizer {
    struct sb_stemmer *stemmer;
    int english;
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
    if ((*t_p)->stemmer) sb_stemmer_delete((*t_p)->stemmer);
    free(*t_p);
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

size_t summ_tokenize(summ_tokenizer_t *t, const char *s, summ_tokens_t *out)
{
    size_t len = strlen(s), i = 0, before = out->n;
    char word[256];
    size_t wl = 0;
    int overflow = 0;
    for (;;) {
        size_t start = i;
        uint32_t cp = i < len ? summ_utf8_next(s, len, &i) : 0;
        int cjk = cp && (is_han(cp) || is_kana(cp) || is_hangul(cp));
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
            if (!(t->english && is_stopword(word))) {
                if (t->stemmer) {
                    const sb_symbol *st = sb_stemmer_stem(t->stemmer, (const sb_symbol *)word, (int)wl);
                    if (st) push(out, nm_strndup((const char *)st, (size_t)sb_stemmer_length(t->stemmer)));
                    else push(out, nm_strdup(word));
                } else {
                    push(out, nm_strdup(word));
                }
            }
        }
        wl = 0;
        overflow = 0;
        if (cjk) push(out, nm_strndup(s + start, i - start));
        if (!cp) break;
    }
    return out->n - before;
}

size_t summ_word_count(const char *s)
{
    size_t len = strlen(s), i = 0, n = 0;
    int in_word = 0;
    while (i < len) {
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

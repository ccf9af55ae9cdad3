#include "summ_sent.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nm_buf.h"
#include "summ_tok.h"

static int is_term(uint32_t cp)
{
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == 0x3002 ||
           cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF0E || cp == 0x203C || cp == 0x2047 ||
           cp == 0x2049;
}
static int is_cjk_term(uint32_t cp) { return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF0E; }

static int is_closer(uint32_t cp)
{
    return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == '}' || cp == 0x201D ||
           cp == 0x2019 || cp == 0x00BB || cp == 0x203A || cp == 0x300D || cp == 0x300F ||
           cp == 0x300B || cp == 0x3009 || cp == 0xFF09 || cp == 0x3011 || cp == 0xFF3D;
}
static int is_opener(uint32_t cp)
{
    return cp == '"' || cp == '\'' || cp == '(' || cp == '[' || cp == 0x201C || cp == 0x2018 ||
           cp == 0x00AB || cp == 0x300C || cp == 0x300E;
}
static int is_space_cp(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
           cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F;
}
static int is_lower_cp(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 0xDF && cp <= 0xFF && cp != 0xF7);
}

/* Abbreviations that are never a sentence end (compared case-insensitively). */
static const char *const ABBREV_ALWAYS[] = {
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "capt", "sgt",
    "cmdr", "adm", "rev", "hon", "mt", "ft", "vs", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "approx", "fig", "figs", "cf", "al", "dept", "univ",
    "ave", "blvd", "rd", "e.g", "i.e", "viz", "messrs", "mme", "mlle", "pres", "supt", "insp",
};
/* Abbreviations that end sentences often enough: split only before an opener. */
static const char *const ABBREV_MAYBE[] = {
    "inc", "ltd", "corp", "co", "jr", "sr", "etc", "bros", "plc", "llc", "esq",
};
/* Words that typically open a sentence: after an ambiguous period, they
 * decide for a boundary. */
static const char *const OPENERS[] = {
    "the", "a", "an", "it", "its", "he", "she", "they", "we", "i", "you", "this", "that", "these",
    "those", "but", "and", "in", "on", "at", "for", "however", "there", "his", "her", "their",
    "our", "as", "after", "when", "while", "if", "some", "many", "most", "mr", "mrs", "ms",
    "dr", "according", "meanwhile", "so", "yet", "still", "officials", "last", "earlier",
    "since", "what", "why", "how", "now", "then", "both", "such", "other", "another", "one",
};

static int in_list(const char *w, size_t wl, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strlen(list[k]) == wl && strncasecmp(list[k], w, wl) == 0) return 1;
    return 0;
}
#define IN(w, wl, list) in_list(w, wl, list, sizeof list / sizeof list[0])

/* Does the word starting at s[k] (after optional openers) open a sentence? */
static int next_is_opener(const char *s, size_t len, size_t k)
{
    while (k < len) {
        size_t j = k;
        uint32_t cp = summ_utf8_next(s, len, &j);
        if (!is_opener(cp)) break;
        k = j;
    }
    size_t e = k;
    while (e < len && isalpha((unsigned char)s[e])) e++;
    return e > k && IN(s + k, e - k, OPENERS);
}

/* Decide whether the terminator run s[t0..t1) ends a sentence; k is the
 * first non-space byte after it (k > t1 means there was whitespace). */
static int is_boundary(const char *s, size_t len, size_t t0, size_t t1, size_t k, int cjk)
{
    if (cjk) return 1;
    if (t1 >= len) return 1;
    if (k == t1) return 0;          /* "3.5", "U.S", "example.com", "word.Next" */
    if (k >= len) return 1;
    /* the first letter of what follows, looking through opening quotes */
    size_t j = k;
    uint32_t next = summ_utf8_next(s, len, &j);
    while (is_opener(next) && j < len) next = summ_utf8_next(s, len, &j);
    if (is_lower_cp(next)) return 0;  /* "... and then", "Mr. smith" */
    /* only a single plain period can be an abbreviation's */
    if (!(t1 - t0 == 1 && s[t0] == '.')) return 1;
    size_t w1 = t0, w0 = t0;
    while (w0 > 0 && !isspace((unsigned char)s[w0 - 1]) && s[w0 - 1] != '(' &&
           s[w0 - 1] != '"' && s[w0 - 1] != '[')
        w0--;
    /* skip a UTF-8 opening quote glued to the word */
    while (w0 < w1 && ((unsigned char)s[w0] >= 0x80 && !isalpha((unsigned char)s[w0]))) {
        size_t q = w0;
        uint32_t cp = summ_utf8_next(s, len, &q);
        if (!is_opener(cp)) break;
        w0 = q;
    }
    const char *w = s + w0;
    size_t wl = w1 - w0;
    if (wl == 0) return 1;
    if (wl == 2 && strncasecmp(w, "no", 2) == 0)   /* "No. 5" but "said no." */
        return !(isdigit((unsigned char)s[k]));
    if (IN(w, wl, ABBREV_ALWAYS)) return 0;
    if (wl == 1 && isalpha((unsigned char)w[0])) return next_is_opener(s, len, k);   /* initial */
    if (memchr(w, '.', wl) && isalpha((unsigned char)w[wl - 1]))                   /* U.S. */
        return next_is_opener(s, len, k);
    if (IN(w, wl, ABBREV_MAYBE)) return next_is_opener(s, len, k);
    return 1;
}

static void add_sentence(summ_doc_t *doc, const char *s, size_t len, size_t block, int heading)
{
    if (doc->n >= SUMM_MAX_SENTENCES) return;
    /* trim and collapse whitespace, straight into the sentence's own
     * buffer (never longer than the input) */
    char *out = nm_malloc(len + 1);
    size_t i = 0, o = 0;
    int space = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {   /* ASCII (most text): byte by byte, no decoding */
            i++;
            if (c == ' ' || (c >= '\t' && c <= '\r')) { space = 1; continue; }
            if (space && o) out[o++] = ' ';
            space = 0;
            out[o++] = (char)c;
            continue;
        }
        size_t st = i;
        uint32_t cp = summ_utf8_next(s, len, &i);
        if (is_space_cp(cp)) { space = 1; continue; }
        if (space && o) out[o++] = ' ';
        space = 0;
        while (st < i) out[o++] = s[st++];
    }
    if (o == 0) { free(out); return; }
    out[o] = '\0';
    if (doc->n == doc->cap) {
        doc->cap = doc->cap ? doc->cap * 2 : 32;
        doc->v = nm_realloc(doc->v, doc->cap * sizeof *doc->v);
    }
    doc->v[doc->n].text = out;
    doc->v[doc->n].block = block;
    doc->v[doc->n].heading = heading;
    doc->n++;
}

/* The text's last meaningful code point, looking through closing quotes:
 * read backwards from the end, one code point at a time. Where the bytes
 * before the end are not a well-formed code point the forward reading can
 * differ, so that (invalid) text is read forwards instead. */
static uint32_t last_significant_fwd(const char *s, size_t len)
{
    size_t i = 0;
    uint32_t last = 0;
    while (i < len) {
        uint32_t cp = summ_utf8_next(s, len, &i);
        if (!is_space_cp(cp) && !is_closer(cp)) last = cp;
    }
    return last;
}

static uint32_t last_significant(const char *s, size_t len)
{
    size_t p = len;
    while (p > 0) {
        size_t q = p - 1;
        unsigned char c = (unsigned char)s[q];
        uint32_t cp;
        if (c < 0x80) {
            cp = c;
        } else {
            while (q > 0 && p - q < 4 && ((unsigned char)s[q] & 0xC0) == 0x80) q--;
            size_t j = q;
            cp = summ_utf8_next(s, len, &j);
            if (((unsigned char)s[q] & 0xC0) == 0x80 || j != p || cp == 0xFFFD)
                return last_significant_fwd(s, len);
        }
        if (!is_space_cp(cp) && !is_closer(cp)) return cp;
        p = q;
    }
    return 0;
}

static int heading_like(const char *s, size_t len)
{
    uint32_t last = last_significant(s, len);
    if (!last || is_term(last) || last == ':' || last == ';' || last == ',' || last == 0xFF1A ||
        last == 0xFF0C)
        return 0;
    if (len > 200) return 0;
    size_t words = summ_word_count_n(s, len, 20);
    return words > 0 && words <= 20;
}

int summ_is_heading(const char *block)
{
    return heading_like(block, strlen(block));
}

static void split_block(summ_doc_t *doc, const char *s, size_t len, size_t block)
{
    int heading = heading_like(s, len);
    size_t start = 0, i = 0;
    while (i < len) {
        /* ASCII other than . ! ? never ends a sentence: skip it undecoded */
        unsigned char c0 = (unsigned char)s[i];
        if (c0 < 0x80 && c0 != '.' && c0 != '!' && c0 != '?') { i++; continue; }
        size_t t0 = i;
        uint32_t cp = summ_utf8_next(s, len, &i);
        if (!is_term(cp)) continue;
        int cjk = is_cjk_term(cp);
        size_t t1 = i;
        /* absorb the rest of the run: more terminators, closing quotes */
        for (;;) {
            size_t j = t1;
            if (j >= len) break;
            uint32_t c2 = summ_utf8_next(s, len, &j);
            if (is_term(c2)) { cjk |= is_cjk_term(c2); t1 = j; continue; }
            if (is_closer(c2)) { t1 = j; continue; }
            break;
        }
        size_t tend = t1;
        /* the terminator run proper, without closers, for the abbreviation test */
        size_t trun = t0;
        { size_t j = t0; while (j < t1) { size_t q = j; uint32_t c3 = summ_utf8_next(s, len, &q); if (!is_term(c3)) break; j = q; } trun = j; }
        size_t k = t1;
        while (k < len) {
            size_t q = k;
            if (!is_space_cp(summ_utf8_next(s, len, &q))) break;
            k = q;
        }
        int boundary;
        if (cjk) {
            boundary = 1;
        } else if (trun < tend) {
            /* closing quotes after the run: the sentence ends unless a
             * lowercase word goes on ('." he said') */
            boundary = tend >= len;
            if (!boundary && k > tend) {
                size_t j = k;
                boundary = k >= len || !is_lower_cp(summ_utf8_next(s, len, &j));
            }
        } else {
            boundary = is_boundary(s, len, t0, trun, k, 0);
        }
        if (boundary) {
            add_sentence(doc, s + start, tend - start, block, heading);
            start = k;
            i = k;
        } else {
            i = tend;
        }
    }
    if (start < len) add_sentence(doc, s + start, len - start, block, heading);
}

typedef struct { const char *s; size_t len; } line_t;

int summ_doc_split(const char *text, summ_doc_t *doc)
{
    size_t len = strlen(text), p = 0;
    line_t *lines = NULL;
    size_t nlines = 0, cap = 0;
    /* lines, then runs of non-blank lines, then blocks */
    while (p <= len) {
        const char *nl = memchr(text + p, '\n', len - p);
        size_t e = nl ? (size_t)(nl - text) : len;
        size_t ee = e;
        while (ee > p && (text[ee - 1] == '\r' || text[ee - 1] == ' ' || text[ee - 1] == '\t')) ee--;
        size_t ss = p;
        while (ss < ee && (text[ss] == ' ' || text[ss] == '\t')) ss++;
        if (nlines == cap) {
            cap = cap ? cap * 2 : 64;
            lines = nm_realloc(lines, cap * sizeof *lines);
        }
        lines[nlines].s = text + ss;
        lines[nlines].len = ee - ss;
        nlines++;
        if (!nl) break;
        p = e + 1;
    }
    size_t block = 0;
    for (size_t a = 0; a < nlines && doc->n < SUMM_MAX_SENTENCES;) {
        if (lines[a].len == 0) { a++; continue; }
        size_t b = a;
        size_t maxlen = 0;
        while (b < nlines && lines[b].len) { if (lines[b].len > maxlen) maxlen = lines[b].len; b++; }
        /* lines a..b-1 form a chunk; cut it into blocks */
        size_t bs = a;
        for (size_t k = a; k < b; k++) {
            int cut = k + 1 == b;
            if (!cut) {
                uint32_t last = last_significant(lines[k].s, lines[k].len);
                if (is_term(last)) cut = 1;
                else if (heading_like(lines[k].s, lines[k].len) && lines[k].len * 10 < maxlen * 7)
                    cut = 1;
            }
            if (cut) {
                const char *s0 = lines[bs].s;
                size_t l0 = (size_t)(lines[k].s + lines[k].len - s0);
                split_block(doc, s0, l0, block++);
                bs = k + 1;
            }
        }
        a = b;
    }
    doc->nblocks = block;
    free(lines);
    return 0;
}

void summ_doc_free(summ_doc_t *doc)
{
    if (!doc) return;
    for (size_t k = 0; k < doc->n; k++) free(doc->v[k].text);
    free(doc->v);
    memset(doc, 0, sizeof *doc);
}

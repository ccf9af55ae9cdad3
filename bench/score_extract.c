/* score_extract: article extraction quality and speed on the WCXB dev split.
 *
 *   score_extract [-v] [-m] [-o DIR] [CORPUS_DIR]   (default ../shared/corpus/extraction-dev
 *                                               relative to the source root)
 *
 * Per page: lowercase \w+ tokens (Unicode letters/digits/underscore) of the
 * extracted text and of the truth main_content, precision/recall on the
 * multiset overlap, F1; means over pages. Also title exact match (after the
 * compatibility folding of fold_text: NFKC-style spaces, fullwidth forms,
 * ellipsis, ligatures, curly quotes -> straight; case-sensitive), date same
 * day (in the page's own time zone), author match (case-insensitive, same
 * folding, list separators ", and"/"&"/";" read as commas), `with` snippets found, `without` snippets wrongly kept,
 * and throughput of parse_article alone. -v prints one line per page; -m prints each
 * title/date/author mismatch (wanted vs got). */
#include <dirent.h>
#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>
#include <zlib.h>

#include "nm_buf.h"
#include "parse_date.h"
#include "parse_html.h"

#ifndef NM_SOURCE_ROOT
#define NM_SOURCE_ROOT "."
#endif

static char *read_gz(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb");
    if (!f) return NULL;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    char buf[65536];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) nm_buf_append(&b, buf, (size_t)n);
    gzclose(f);
    nm_buf_append(&b, "", 0);
    *len = b.len;
    return nm_buf_steal(&b);
}

/* Decode one UTF-8 code point; invalid bytes yield U+FFFD and advance by one. */
static wint_t next_cp(const char **sp)
{
    const unsigned char *s = (const unsigned char *)*sp;
    wint_t c;
    int n;
    if (s[0] < 0x80) { c = s[0]; n = 1; }
    else if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) { c = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu); n = 2; }
    else if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        c = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu); n = 3;
    } else if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        c = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu); n = 4;
    } else { c = 0xFFFD; n = 1; }
    *sp += n;
    return c;
}

typedef struct { char **v; size_t n, cap; } toks_t;

static void toks_push(toks_t *t, const char *s, size_t n)
{
    if (t->n == t->cap) { t->cap = t->cap ? t->cap * 2 : 256; t->v = nm_realloc(t->v, t->cap * sizeof *t->v); }
    t->v[t->n++] = nm_strndup(s, n);
}

static void toks_free(toks_t *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->v[i]);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* Lowercased \w+ tokens, each as UTF-8. */
static void tokenize(const char *s, toks_t *t)
{
    nm_buf_t w;
    nm_buf_init(&w, 0);
    while (*s) {
        wint_t c = next_cp(&s);
        if (iswalnum(c) || c == L'_') {
            char mb[MB_LEN_MAX];
            mbstate_t st;
            memset(&st, 0, sizeof st);
            size_t k = wcrtomb(mb, (wchar_t)towlower(c), &st);
            if (k != (size_t)-1) nm_buf_append(&w, mb, k);
        } else if (w.len) {
            toks_push(t, w.data, w.len);
            nm_buf_reset(&w);
        }
    }
    if (w.len) toks_push(t, w.data, w.len);
    nm_buf_free(&w);
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static size_t overlap(toks_t *a, toks_t *b)
{
    if (a->n) qsort(a->v, a->n, sizeof *a->v, cmpstr);
    if (b->n) qsort(b->v, b->n, sizeof *b->v, cmpstr);
    size_t i = 0, j = 0, k = 0;
    while (i < a->n && j < b->n) {
        int c = strcmp(a->v[i], b->v[j]);
        if (c == 0) { k++; i++; j++; }
        else if (c < 0) i++;
        else j++;
    }
    return k;
}

/* " tok tok tok " for snippet containment on token boundaries. */
static char *joined(const char *s)
{
    toks_t t = {0};
    tokenize(s, &t);
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, " ");
    for (size_t i = 0; i < t.n; i++) { nm_buf_puts(&b, t.v[i]); nm_buf_puts(&b, " "); }
    toks_free(&t);
    return nm_buf_steal(&b);
}

static char *norm_ws(const char *s)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    for (; s && *s; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
            if (b.len && b.data[b.len - 1] != ' ') nm_buf_append(&b, " ", 1);
        } else nm_buf_append(&b, s, 1);
    }
    while (b.len && b.data[b.len - 1] == ' ') b.data[--b.len] = 0;
    return nm_buf_steal(&b);
}

/* Compatibility folding for comparing titles and author names: the
 * NFKC mappings that occur in headlines (no-break and other width spaces ->
 * space, fullwidth ASCII -> ASCII, "\u2026" -> "...", fi/fl ligatures),
 * curly single/double quotes and primes -> ASCII quotes (the truth files
 * type straight quotes where pages print curly ones), zero-width space and
 * BOM dropped; then runs of white space -> one space, trimmed. Case,
 * dashes and all other punctuation are compared as they are. */
static char *fold_text(const char *s)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    while (s && *s) {
        wint_t c = next_cp(&s);
        const char *rep = NULL;
        char one[2] = {0, 0};
        if (c == 0x2018 || c == 0x2019 || c == 0x201A || c == 0x201B || c == 0x2032) rep = "'";
        else if (c == 0x201C || c == 0x201D || c == 0x201E || c == 0x201F || c == 0x2033) rep = "\"";
        else if (c == 0xA0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000) rep = " ";
        else if (c == 0x200B || c == 0xFEFF) rep = "";
        else if (c == 0x2026) rep = "...";
        else if (c == 0xFB01) rep = "fi";
        else if (c == 0xFB02) rep = "fl";
        else if (c >= 0xFF01 && c <= 0xFF5E) { one[0] = (char)(c - 0xFF01 + 0x21); rep = one; }
        if (rep) { nm_buf_puts(&b, rep); continue; }
        char mb[MB_LEN_MAX];
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t k = wcrtomb(mb, (wchar_t)c, &st);
        if (k != (size_t)-1) nm_buf_append(&b, mb, k);
    }
    nm_buf_append(&b, "", 0);
    char *t = norm_ws(b.data);
    nm_buf_free(&b);
    return t;
}

/* An author list compared as a list: "A, B, and C", "A, B & C", "A; B"
 * and "A, B, C" name the same people. */
static char *fold_authors(const char *s)
{
    char *t = fold_text(s);
    static const char *seps[] = {", and ", ", & ", " and ", " & ", "; ", NULL};
    for (int i = 0; seps[i]; i++) {
        char *p;
        size_t l = strlen(seps[i]);
        while ((p = strcasestr(t, seps[i])) != NULL) {
            p[0] = ',';
            p[1] = ' ';
            memmove(p + 2, p + l, strlen(p + l) + 1);
        }
    }
    return t;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C.UTF-8");
    int verbose = 0, mism = 0;
    const char *outdir = NULL, *dir = NM_SOURCE_ROOT "/../shared/corpus/extraction-dev";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) verbose = 1;
        else if (strcmp(argv[i], "-m") == 0) mism = 1;
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) outdir = argv[++i];
        else dir = argv[i];
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/truth", dir);
    DIR *d = opendir(path);
    if (!d) { fprintf(stderr, "score_extract: cannot open %s\n", path); return 2; }
    char **ids = NULL;
    size_t nids = 0, capids = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0) continue;
        if (nids == capids) { capids = capids ? capids * 2 : 1024; ids = nm_realloc(ids, capids * sizeof *ids); }
        ids[nids++] = nm_strndup(de->d_name, l - 5);
    }
    closedir(d);
    qsort(ids, nids, sizeof *ids, cmpstr);

    double sum_p = 0, sum_r = 0, sum_f = 0, secs = 0, cpu = 0, bytes = 0;
    int pages = 0, scored = 0, failed = 0, title_ok = 0, title_n = 0, date_ok = 0, date_n = 0, auth_ok = 0, auth_n = 0;
    int with_n = 0, with_ok = 0, wo_n = 0, wo_kept = 0;
    for (size_t i = 0; i < nids; i++) {
        snprintf(path, sizeof path, "%s/truth/%s.json", dir, ids[i]);
        json_error_t je;
        json_t *truth = json_load_file(path, 0, &je);
        snprintf(path, sizeof path, "%s/html/%s.html.gz", dir, ids[i]);
        size_t len = 0;
        char *html = read_gz(path, &len);
        if (!truth || !html) { free(html); json_decref(truth); continue; }
        json_t *g = json_object_get(truth, "ground_truth");
        const char *url = json_string_value(json_object_get(truth, "url"));
        char err[256] = "";
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        parse_article_t *a = parse_article(html, len, url, NULL, NULL, err, sizeof err);
        secs += clock_s(CLOCK_MONOTONIC) - t0;
        cpu += clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        bytes += (double)len;
        pages++;
        const char *text = a ? a->text : "";
        if (!a) failed++;
        if (outdir && a) {
            snprintf(path, sizeof path, "%s/%s.txt", outdir, ids[i]);
            FILE *f = fopen(path, "w");
            if (f) { fprintf(f, "%s\n", a->text); fclose(f); }
        }
        const char *mc = json_string_value(json_object_get(g, "main_content"));
        double f1 = -1, p = 0, r = 0;
        if (mc) {
            toks_t x = {0}, y = {0};
            tokenize(text, &x);
            tokenize(mc, &y);
            size_t nx = x.n, ny = y.n, k = overlap(&x, &y);
            p = nx ? (double)k / nx : (ny ? 0 : 1);
            r = ny ? (double)k / ny : 1;
            f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
            sum_p += p; sum_r += r; sum_f += f1; scored++;
            toks_free(&x); toks_free(&y);
        }
        const char *tt = json_string_value(json_object_get(g, "title"));
        int tok = -1, dok = -1, aok = -1;
        if (tt && *tt) {
            char *x = fold_text(tt), *y = fold_text(a ? a->title : NULL);
            tok = strcmp(x, y) == 0;
            title_n++; title_ok += tok;
            free(x); free(y);
        }
        const char *td = json_string_value(json_object_get(g, "publish_date"));
        int64_t tdv;
        if (td && *td && parse_date(td, &tdv) == 0) {
            /* the publication day is the publisher's: shift by the offset the page gave */
            int64_t local = a ? a->published_at + (a->published_tz_known ? (int64_t)a->published_tz * 60 : 0) : 0;
            dok = a && a->published_at && local / 86400 == tdv / 86400;
            date_n++; date_ok += dok;
        }
        const char *ta = json_string_value(json_object_get(g, "author"));
        if (ta && *ta) {
            char *x = fold_authors(ta), *y = fold_authors(a ? a->byline : NULL);
            aok = strcasecmp(x, y) == 0;
            auth_n++; auth_ok += aok;
            free(x); free(y);
        }
        char *jt = joined(text);
        json_t *w = json_object_get(g, "with"), *wo = json_object_get(g, "without");
        int pw = 0, pwo = 0;
        for (size_t k = 0; k < json_array_size(w); k++) {
            const char *s = json_string_value(json_array_get(w, k));
            if (!s) continue;
            char *js = joined(s);
            if (strlen(js) > 1) { with_n++; if (strstr(jt, js)) with_ok++; else pw++; }
            free(js);
        }
        for (size_t k = 0; k < json_array_size(wo); k++) {
            const char *s = json_string_value(json_array_get(wo, k));
            if (!s) continue;
            char *js = joined(s);
            if (strlen(js) > 1) { wo_n++; if (strstr(jt, js)) { wo_kept++; pwo++; } }
            free(js);
        }
        free(jt);
        if (mism) {
            char dbuf[32] = "";
            if (a && a->published_at) parse_date_iso(a->published_at, dbuf, sizeof dbuf);
            if (tok == 0) printf("%s TITLE want=[%s] got=[%s]\n", ids[i], tt, a && a->title ? a->title : "");
            if (dok == 0) printf("%s DATE want=[%s] got=[%s]\n", ids[i], td, dbuf);
            if (aok == 0) printf("%s AUTHOR want=[%s] got=[%s]\n", ids[i], ta, a && a->byline ? a->byline : "");
        }
        if (verbose)
            printf("%s f1=%.3f p=%.3f r=%.3f title=%d date=%d author=%d with_missed=%d without_kept=%d %s%s\n",
                   ids[i], f1, p, r, tok, dok, aok, pw, pwo, a ? "" : "FAILED: ", a ? "" : err);
        parse_article_destroy(&a);
        free(html);
        json_decref(truth);
    }
    printf("pages %d (scored %d, extraction failed %d)\n", pages, scored, failed);
    printf("precision %.4f  recall %.4f  F1 %.4f\n", scored ? sum_p / scored : 0, scored ? sum_r / scored : 0,
           scored ? sum_f / scored : 0);
    printf("title exact %.3f (%d/%d)  date same-day %.3f (%d/%d)  author %.3f (%d/%d)\n",
           title_n ? (double)title_ok / title_n : 0, title_ok, title_n, date_n ? (double)date_ok / date_n : 0, date_ok,
           date_n, auth_n ? (double)auth_ok / auth_n : 0, auth_ok, auth_n);
    printf("with-snippets found %.3f (%d/%d)  without-snippets kept %.3f (%d/%d)\n",
           with_n ? (double)with_ok / with_n : 0, with_ok, with_n, wo_n ? (double)wo_kept / wo_n : 0, wo_kept, wo_n);
    printf("speed %.1f pages/s  %.1f MB/s  (%.1f ms/page wall; CPU time: %.1f pages/s, %.1f MB/s)\n",
           secs > 0 ? pages / secs : 0, secs > 0 ? bytes / secs / 1e6 : 0, pages ? secs * 1000 / pages : 0,
           cpu > 0 ? pages / cpu : 0, cpu > 0 ? bytes / cpu / 1e6 : 0);
    for (size_t i = 0; i < nids; i++) free(ids[i]);
    free(ids);
    return 0;
}

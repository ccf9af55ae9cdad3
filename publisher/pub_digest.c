/* pub_digest: Markdown rendering of a day's digest (see pub_digest.h).
 * Deterministic: the same articles and options give the same bytes (no
 * locale, no current time). */
#include "pub_digest.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "nm_buf.h"

#define PUB_DIGEST_WPM 213

static const char *const MONTHS[] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
};

static const char *nz(const char *s, const char *dflt) { return s && *s ? s : dflt; }

/* Titles and single-line fields: newlines would break the Markdown structure. */
static void put_line(nm_buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\r') continue;
        nm_buf_append(b, *s == '\n' || *s == '\t' ? " " : s, 1);
    }
}

/* Mostly CJK text (a translated summary) gets the seed's Chinese label. */
static int mostly_cjk(const char *s)
{
    size_t cjk = 0, latin = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0xE3 && *p <= 0xE9) cjk++;           /* lead byte of U+3000..U+9FFF */
        else if (isalpha(*p)) latin++;
    }
    return cjk * 3 > latin;
}

static int ends_sentence(const char *s, size_t len)
{
    /* look through closing quotes and brackets, ASCII or UTF-8 */
    while (len > 0) {
        unsigned char c = (unsigned char)s[len - 1];
        if (c == '"' || c == '\'' || c == ')' || c == ']' || c == ' ') { len--; continue; }
        if (len >= 3 && (unsigned char)s[len - 3] == 0xE2 && (unsigned char)s[len - 2] == 0x80 &&
            (c == 0x9D || c == 0x99)) { len -= 3; continue; }     /* ” ’ */
        break;
    }
    if (len == 0) return 0;
    unsigned char c = (unsigned char)s[len - 1];
    if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == ',') return 1;
    if (len >= 3) {
        const unsigned char *t = (const unsigned char *)s + len - 3;
        if (t[0] == 0xE2 && t[1] == 0x80 && t[2] == 0xA6) return 1;          /* … */
        if (t[0] == 0xE3 && t[1] == 0x80 && t[2] == 0x82) return 1;          /* 。 */
        if (t[0] == 0xEF && t[1] == 0xBC && (t[2] == 0x81 || t[2] == 0x9F)) return 1; /* ！？ */
    }
    return 0;
}

/* A subheading: short and without terminal punctuation. */
static int heading_like(const char *s, size_t len)
{
    if (len == 0 || len > 100 || ends_sentence(s, len)) return 0;
    size_t words = 0;
    int in = 0;
    for (size_t i = 0; i < len; i++) {
        int sp = s[i] == ' ';
        if (!sp && !in) words++;
        in = !sp;
    }
    return words <= 12;
}

/* Full text: every non-empty line is a block; heading-like blocks become
 * #### subheadings, others paragraphs. A leading character that Markdown
 * would read as structure is escaped. */
static void put_text(nm_buf_t *b, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *s = p;
        size_t l = len;
        while (l && (*s == ' ' || *s == '\t')) { s++; l--; }
        while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r')) l--;
        if (l) {
            if (heading_like(s, l)) {
                nm_buf_puts(b, "#### ");
            } else if (*s == '#' || *s == '>' || *s == '=' ||
                       ((*s == '-' || *s == '*' || *s == '+') && (l == 1 || s[1] == ' ' || s[1] == *s))) {
                nm_buf_puts(b, "\\");
            }
            nm_buf_append(b, s, l);
            nm_buf_puts(b, "\n\n");
        }
        p = e ? e + 1 : p + len;
    }
}

typedef struct {
    const char *label;
    size_t count;
    size_t first;        /* first article index, for a stable tie order */
} topic_count_t;

static void capitalized(nm_buf_t *b, const char *label)
{
    if (!*label) return;
    char c = (char)toupper((unsigned char)label[0]);
    nm_buf_append(b, &c, 1);
    nm_buf_puts(b, label + 1);
}

static int cmp_topic(const void *a, const void *b)
{
    const topic_count_t *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static void put_overview(nm_buf_t *b, const pub_digest_article_t *a, size_t n)
{
    topic_count_t *tc = nm_calloc(1, sizeof *tc);
    size_t ntc = 0, cap = 1;
    for (size_t i = 0; i < n; i++) {
        size_t nt = a[i].topics ? a[i].ntopics : 0;
        for (size_t t = 0; t <= nt; t++) {
            const char *label;
            if (t == nt) {
                if (nt) break;
                label = "other";      /* an article without topics still counts */
            } else {
                label = nz(a[i].topics[t], NULL);
                if (!label) continue;
            }
            size_t k = 0;
            while (k < ntc && strcmp(tc[k].label, label) != 0) k++;
            if (k == ntc) {
                if (ntc == cap) tc = nm_realloc(tc, (cap *= 2) * sizeof *tc);
                tc[ntc].label = label;
                tc[ntc].count = 0;
                tc[ntc].first = i;
                ntc++;
            }
            /* an article listing a label twice counts once */
            int dup = 0;
            for (size_t u = 0; u < t; u++)
                if (a[i].topics[u] && strcmp(a[i].topics[u], label) == 0) dup = 1;
            if (!dup) tc[k].count++;
        }
    }
    qsort(tc, ntc, sizeof *tc, cmp_topic);
    for (size_t k = 0; k < ntc; k++) {
        nm_buf_printf(b, "%zu. ", k + 1);
        capitalized(b, tc[k].label);
        nm_buf_printf(b, " — %zu article%s: ", tc[k].count, tc[k].count == 1 ? "" : "s");
        size_t shown = 0;
        for (size_t i = 0; i < n; i++) {
            size_t nt = a[i].topics ? a[i].ntopics : 0;
            int has = 0;
            for (size_t t = 0; t < nt; t++)
                if (a[i].topics[t] && strcmp(a[i].topics[t], tc[k].label) == 0) has = 1;
            if (!nt && strcmp(tc[k].label, "other") == 0) has = 1;
            if (!has) continue;
            if (shown++) nm_buf_puts(b, "; ");
            put_line(b, nz(a[i].title, "(untitled)"));
        }
        nm_buf_puts(b, "\n");
    }
    free(tc);
}

static void put_meta(nm_buf_t *b, const pub_digest_article_t *a)
{
    int parts = 0;
    if (a->source_site && *a->source_site) { put_line(b, a->source_site); parts++; }
    if (a->byline && *a->byline) {
        if (parts++) nm_buf_puts(b, " · ");
        if (strncasecmp(a->byline, "by ", 3) != 0) nm_buf_puts(b, "By ");
        put_line(b, a->byline);
    }
    if (a->published_at > 0) {
        time_t t = (time_t)a->published_at;
        struct tm tm;
        if (gmtime_r(&t, &tm)) {
            if (parts++) nm_buf_puts(b, " · ");
            nm_buf_printf(b, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min);
        }
    }
    if (parts) nm_buf_puts(b, "\n\n");
}

char *pub_digest_markdown(const pub_digest_article_t *articles, size_t n,
                          const pub_digest_opts_t *opts)
{
    pub_digest_opts_t o = {0};
    if (opts) o = *opts;
    if (!articles) n = 0;
    int wpm = o.words_per_minute > 0 ? o.words_per_minute : PUB_DIGEST_WPM;
    long long words = 0;
    for (size_t i = 0; i < n; i++)
        if (articles[i].word_count > 0) words += articles[i].word_count;
    long long minutes = (long long)llround((double)words / wpm);
    if (words > 0 && minutes == 0) minutes = 1;

    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, "# ");
    put_line(&b, nz(o.title, "Digest"));
    if (o.date && *o.date) {
        nm_buf_puts(&b, " ");
        put_line(&b, o.date);
    }
    nm_buf_puts(&b, "\n\n");

    time_t gt = (time_t)o.generated_at;
    struct tm tm;
    if (o.generated_at > 0 && gmtime_r(&gt, &tm))
        nm_buf_printf(&b, "*%s %d, %d · %lld min read · %lld words*\n\n", MONTHS[tm.tm_mon],
                      tm.tm_mday, tm.tm_year + 1900, minutes, words);
    else
        nm_buf_printf(&b, "*%lld min read · %lld words*\n\n", minutes, words);

    if (n == 0) {
        nm_buf_printf(&b, "No articles were collected for %s.\n", nz(o.date, "this day"));
        char *s = nm_buf_steal(&b);
        nm_buf_free(&b);
        return s;
    }

    nm_buf_puts(&b, "## Overview\n\n");
    put_overview(&b, articles, n);

    nm_buf_puts(&b, "\n## Articles\n\n");
    for (size_t i = 0; i < n; i++) {
        nm_buf_printf(&b, "%zu. ", i + 1);
        put_line(&b, nz(articles[i].title, "(untitled)"));
        nm_buf_puts(&b, "\n");
    }

    nm_buf_puts(&b, "\n## Summaries\n\n");
    for (size_t i = 0; i < n; i++) {
        const pub_digest_article_t *a = &articles[i];
        nm_buf_printf(&b, "### %zu. ", i + 1);
        put_line(&b, nz(a->title, "(untitled)"));
        nm_buf_puts(&b, "\n\n");
        if (a->translated_title && *a->translated_title) {
            nm_buf_puts(&b, "中文标题: ");
            put_line(&b, a->translated_title);
            nm_buf_puts(&b, "\n\n");
        }
        if (a->summary && *a->summary) {
            if (mostly_cjk(a->summary)) nm_buf_puts(&b, "内容摘要: ");
            put_line(&b, a->summary);
            nm_buf_puts(&b, "\n\n");
        } else {
            nm_buf_puts(&b, "_No summary._\n\n");
        }
    }

    nm_buf_puts(&b, "## Full text\n\n");
    for (size_t i = 0; i < n; i++) {
        const pub_digest_article_t *a = &articles[i];
        nm_buf_puts(&b, "### ");
        put_line(&b, nz(a->title, "(untitled)"));
        nm_buf_puts(&b, "\n\n");
        if (a->url && *a->url) {
            put_line(&b, a->url);
            nm_buf_puts(&b, "\n\n");
        }
        put_meta(&b, a);
        if (a->text) put_text(&b, a->text);
    }
    /* exactly one trailing newline */
    while (b.len >= 2 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n') b.data[--b.len] = '\0';
    char *s = nm_buf_steal(&b);
    nm_buf_free(&b);
    return s;
}

/* pub_digest: Markdown rendering of a day's digest (see pub_digest.h).
 * Deterministic: the same articles and options give the same bytes (no
 * locale, no current time). */
#include "pub_digest.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
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

/* Text into Markdown: '<' is backslash-escaped so a Markdown renderer
 * never turns hostile text into HTML (plain-text readers see "\<"). */
static void md_append(nm_buf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '<') nm_buf_puts(b, "\\");
        nm_buf_append(b, s + i, 1);
    }
}

/* Titles and single-line fields: newlines would break the Markdown structure. */
static void put_line(nm_buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\r') continue;
        if (*s == '<') nm_buf_puts(b, "\\");
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
            md_append(b, s, l);
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

/* Topics by count (most first, ties in order of first appearance); an
 * article without topics counts as "other". */
static topic_count_t *topics_count(const pub_digest_article_t *a, size_t n, size_t *ntc_out)
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
    *ntc_out = ntc;
    return tc;
}

static int has_topic(const pub_digest_article_t *a, const char *label)
{
    size_t nt = a->topics ? a->ntopics : 0;
    for (size_t t = 0; t < nt; t++)
        if (a->topics[t] && strcmp(a->topics[t], label) == 0) return 1;
    return !nt && strcmp(label, "other") == 0;
}

static void put_overview(nm_buf_t *b, const pub_digest_article_t *a, size_t n)
{
    size_t ntc;
    topic_count_t *tc = topics_count(a, n, &ntc);
    for (size_t k = 0; k < ntc; k++) {
        nm_buf_printf(b, "%zu. ", k + 1);
        capitalized(b, tc[k].label);
        nm_buf_printf(b, " — %zu article%s: ", tc[k].count, tc[k].count == 1 ? "" : "s");
        size_t shown = 0;
        for (size_t i = 0; i < n; i++) {
            if (!has_topic(&a[i], tc[k].label)) continue;
            if (shown++) nm_buf_puts(b, "; ");
            put_line(b, nz(a[i].title, "(untitled)"));
        }
        nm_buf_puts(b, "\n");
    }
    free(tc);
}

/* ---- stories covered by several outlets ---- */

typedef struct {
    size_t *idx;         /* member article indexes, in digest order */
    size_t n;
} story_t;

static const char *outlet(const pub_digest_article_t *a)
{
    return nz(a->source_site, "unknown outlet");
}

/* Stories with at least two members from at least two outlets, in order of
 * their first member. */
static story_t *stories_find(const pub_digest_article_t *a, size_t n, size_t *ns_out)
{
    story_t *st = NULL;
    size_t ns = 0;
    char *seen = nm_calloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        if (seen[i] || a[i].story_id == 0) continue;
        size_t *idx = nm_malloc(n * sizeof *idx), m = 0;
        int outlets = 1;
        for (size_t j = i; j < n; j++) {
            if (a[j].story_id != a[i].story_id) continue;
            seen[j] = 1;
            if (m && strcmp(outlet(&a[j]), outlet(&a[idx[0]])) != 0) outlets = 2;
            idx[m++] = j;
        }
        if (m < 2 || outlets < 2) { free(idx); continue; }
        st = nm_realloc(st, (ns + 1) * sizeof *st);
        st[ns].idx = idx;
        st[ns].n = m;
        ns++;
    }
    free(seen);
    *ns_out = ns;
    return st;
}

static void stories_free(story_t *st, size_t ns)
{
    for (size_t k = 0; k < ns; k++) free(st[k].idx);
    free(st);
}

static size_t distinct_outlets(const pub_digest_article_t *a, const story_t *s)
{
    size_t d = 0;
    for (size_t k = 0; k < s->n; k++) {
        int dup = 0;
        for (size_t j = 0; j < k; j++)
            if (strcmp(outlet(&a[s->idx[j]]), outlet(&a[s->idx[k]])) == 0) dup = 1;
        d += !dup;
    }
    return d;
}

static void put_stories_md(nm_buf_t *b, const pub_digest_article_t *a, const story_t *st, size_t ns)
{
    for (size_t k = 0; k < ns; k++) {
        nm_buf_printf(b, "%zu. ", k + 1);
        put_line(b, nz(a[st[k].idx[0]].title, "(untitled)"));
        nm_buf_printf(b, " — %zu outlets\n", distinct_outlets(a, &st[k]));
        for (size_t m = 0; m < st[k].n; m++) {
            const pub_digest_article_t *x = &a[st[k].idx[m]];
            nm_buf_puts(b, "   - ");
            put_line(b, outlet(x));
            nm_buf_puts(b, ": ");
            put_line(b, nz(x->title, "(untitled)"));
            nm_buf_printf(b, " (#%zu)\n", st[k].idx[m] + 1);
        }
    }
}

/* LLM text (overview, commentary): each non-empty line a paragraph; a line
 * Markdown would read as a heading or quote is escaped, numbered lines stay
 * as they are. */
static void put_llm_md(nm_buf_t *b, const char *text)
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
            if (*s == '#' || *s == '>' || *s == '=' || *s == '<') nm_buf_puts(b, "\\");
            md_append(b, s, l);
            nm_buf_puts(b, "\n\n");
        }
        p = e ? e + 1 : p + len;
    }
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

/* The day's word count and reading time, rounded, at least 1 minute when
 * there is anything to read. */
static void reading_totals(const pub_digest_article_t *articles, size_t n, int words_per_minute,
                           long long *words, long long *minutes)
{
    int wpm = words_per_minute > 0 ? words_per_minute : PUB_DIGEST_WPM;
    *words = 0;
    for (size_t i = 0; i < n; i++)
        if (articles[i].word_count > 0) *words += articles[i].word_count;
    *minutes = (long long)llround((double)*words / wpm);
    if (*words > 0 && *minutes == 0) *minutes = 1;
}

char *pub_digest_markdown(const pub_digest_article_t *articles, size_t n,
                          const pub_digest_opts_t *opts)
{
    pub_digest_opts_t o = {0};
    if (opts) o = *opts;
    if (!articles) n = 0;
    long long words, minutes;
    reading_totals(articles, n, o.words_per_minute, &words, &minutes);

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
    if (o.overview && *o.overview) put_llm_md(&b, o.overview);
    else put_overview(&b, articles, n);
    if (o.commentary && *o.commentary) {
        nm_buf_puts(&b, "\n## Commentary\n\n");
        put_llm_md(&b, o.commentary);
    }
    while (b.len >= 2 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n') b.data[--b.len] = '\0';

    nm_buf_puts(&b, "\n## Articles\n\n");
    for (size_t i = 0; i < n; i++) {
        nm_buf_printf(&b, "%zu. ", i + 1);
        put_line(&b, nz(articles[i].title, "(untitled)"));
        nm_buf_puts(&b, "\n");
    }

    size_t ns;
    story_t *st = stories_find(articles, n, &ns);
    if (ns) {
        nm_buf_puts(&b, "\n## Stories covered by several outlets\n\n");
        put_stories_md(&b, articles, st, ns);
    }
    stories_free(st, ns);

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

/* ================================================================ HTML */

/* Text for HTML and XML: & < > " ' escaped; control characters other than
 * tab and newline, and U+FFFE/U+FFFF, dropped (XML 1.0 forbids them, so
 * the same text is safe inside an Atom feed). */
static void esc_n(nm_buf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&': nm_buf_puts(b, "&amp;"); break;
        case '<': nm_buf_puts(b, "&lt;"); break;
        case '>': nm_buf_puts(b, "&gt;"); break;
        case '"': nm_buf_puts(b, "&quot;"); break;
        case '\'': nm_buf_puts(b, "&#39;"); break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) break;
            if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
                ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)) {
                i += 2;
                break;
            }
            nm_buf_append(b, s + i, 1);
        }
    }
}

static void esc(nm_buf_t *b, const char *s) { esc_n(b, s, strlen(s)); }

/* One line of text: newlines become spaces. */
static void esc_line(nm_buf_t *b, const char *s)
{
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "\r\n\t");
        esc_n(b, p, n);
        p += n;
        if (*p) { if (*p != '\r') nm_buf_puts(b, " "); p++; }
    }
}

static int http_url(const char *u)
{
    return u && (strncasecmp(u, "https://", 8) == 0 || strncasecmp(u, "http://", 7) == 0) &&
           !strpbrk(u, " \t\r\n\"'<>");
}

static const char HTML_CSS[] =
    ":root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fdfdfb;--mute:#6b6b70;--rule:#e4e4e0;--link:#0b57d0}"
    "@media (prefers-color-scheme:dark){:root{--fg:#e8e8e6;--bg:#161617;--mute:#a0a0a6;--rule:#333;--link:#8ab4f8}}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:17px/1.65 system-ui,-apple-system,"
    "\"Segoe UI\",\"PingFang SC\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;"
    "-webkit-text-size-adjust:100%}"
    "main{max-width:42rem;margin:0 auto;padding:1.25rem 1rem 4rem;overflow-wrap:break-word}"
    "h1{font-size:1.6rem;line-height:1.3;margin:.5rem 0}"
    "h2{font-size:1.25rem;margin:2.5rem 0 .75rem;padding-top:1rem;border-top:1px solid var(--rule)}"
    "h3{font-size:1.08rem;line-height:1.4;margin:1.75rem 0 .5rem}"
    "h4{font-size:1rem;margin:1.25rem 0 .25rem}"
    "p{margin:.5rem 0}ol,ul{padding-left:1.4rem}li{margin:.3rem 0}"
    "a{color:var(--link);text-decoration-thickness:1px;text-underline-offset:2px}"
    ".meta,.url{color:var(--mute);font-size:.9rem}.url a{word-break:break-all}"
    ".label{font-weight:600}article{margin-bottom:1.5rem}"
    "@media print{h2{break-before:page}a{color:inherit}}";

static void html_meta(nm_buf_t *b, const pub_digest_article_t *a)
{
    int parts = 0;
    nm_buf_puts(b, "<p class=\"meta\">");
    if (a->source_site && *a->source_site) { esc_line(b, a->source_site); parts++; }
    if (a->byline && *a->byline) {
        if (parts++) nm_buf_puts(b, " · ");
        if (strncasecmp(a->byline, "by ", 3) != 0) nm_buf_puts(b, "By ");
        esc_line(b, a->byline);
    }
    time_t t = (time_t)a->published_at;
    struct tm tm;
    if (a->published_at > 0 && gmtime_r(&t, &tm)) {
        if (parts++) nm_buf_puts(b, " · ");
        nm_buf_printf(b, "<time datetime=\"%04d-%02d-%02dT%02d:%02dZ\">%04d-%02d-%02d %02d:%02d UTC</time>",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
    }
    if (!parts) { b->len -= strlen("<p class=\"meta\">"); b->data[b->len] = '\0'; return; }
    nm_buf_puts(b, "</p>\n");
}

/* Full text: heading-like lines become h4, the rest paragraphs. */
static void html_text(nm_buf_t *b, const char *text)
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
            int h = heading_like(s, l);
            nm_buf_puts(b, h ? "<h4>" : "<p>");
            esc_n(b, s, l);
            nm_buf_puts(b, h ? "</h4>\n" : "</p>\n");
        }
        p = e ? e + 1 : p + len;
    }
}

/* LLM text: lines "1. ..." become an ordered list, others paragraphs. */
static void html_llm(nm_buf_t *b, const char *text)
{
    int in_list = 0;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *s = p;
        size_t l = len;
        while (l && (*s == ' ' || *s == '\t')) { s++; l--; }
        while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r')) l--;
        if (l) {
            size_t d = 0;
            while (d < l && d < 3 && isdigit((unsigned char)s[d])) d++;
            int item = d > 0 && d + 1 < l && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ';
            if (item && !in_list) { nm_buf_puts(b, "<ol>\n"); in_list = 1; }
            if (!item && in_list) { nm_buf_puts(b, "</ol>\n"); in_list = 0; }
            if (item) {
                nm_buf_puts(b, "<li>");
                esc_n(b, s + d + 2, l - d - 2);
                nm_buf_puts(b, "</li>\n");
            } else {
                nm_buf_puts(b, "<p>");
                esc_n(b, s, l);
                nm_buf_puts(b, "</p>\n");
            }
        }
        p = e ? e + 1 : p + len;
    }
    if (in_list) nm_buf_puts(b, "</ol>\n");
}

static void html_lang_attr(nm_buf_t *b, const char *lang)
{
    /* a plain tag or nothing: it goes into an attribute */
    nm_buf_puts(b, " lang=\"");
    const char *l = nz(lang, "en");
    int ok = strlen(l) <= 16;
    for (const char *c = l; ok && *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-') ok = 0;
    nm_buf_puts(b, ok ? l : "en");
    nm_buf_puts(b, "\"");
}

char *pub_digest_html(const pub_digest_article_t *articles, size_t n, const pub_digest_opts_t *opts)
{
    pub_digest_opts_t o = {0};
    if (opts) o = *opts;
    if (!articles) n = 0;
    long long words, minutes;
    reading_totals(articles, n, o.words_per_minute, &words, &minutes);

    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, "<!DOCTYPE html>\n<html");
    html_lang_attr(&b, o.language);
    /* void elements self-closed: the page is also well-formed XML */
    nm_buf_puts(&b, ">\n<head>\n<meta charset=\"utf-8\"/>\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                    "<meta name=\"generator\" content=\"newsmill\"/>\n<title>");
    esc_line(&b, nz(o.title, "Digest"));
    if (o.date && *o.date) { nm_buf_puts(&b, " "); esc_line(&b, o.date); }
    nm_buf_puts(&b, "</title>\n<style>");
    nm_buf_puts(&b, HTML_CSS);
    nm_buf_puts(&b, "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>");
    esc_line(&b, nz(o.title, "Digest"));
    if (o.date && *o.date) { nm_buf_puts(&b, " "); esc_line(&b, o.date); }
    nm_buf_puts(&b, "</h1>\n<p class=\"meta\">");
    time_t gt = (time_t)o.generated_at;
    struct tm tm;
    if (o.generated_at > 0 && gmtime_r(&gt, &tm))
        nm_buf_printf(&b, "<time datetime=\"%04d-%02d-%02d\">%s %d, %d</time> · ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, MONTHS[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900);
    nm_buf_printf(&b, "%lld min read · %lld words</p>\n</header>\n", minutes, words);

    if (n == 0) {
        nm_buf_puts(&b, "<p>No articles were collected for ");
        esc_line(&b, nz(o.date, "this day"));
        nm_buf_puts(&b, ".</p>\n</main>\n</body>\n</html>\n");
        char *s = nm_buf_steal(&b);
        nm_buf_free(&b);
        return s;
    }

    nm_buf_puts(&b, "<section id=\"overview\">\n<h2>Overview</h2>\n");
    if (o.overview && *o.overview) {
        html_llm(&b, o.overview);
    } else {
        size_t ntc;
        topic_count_t *tc = topics_count(articles, n, &ntc);
        nm_buf_puts(&b, "<ol>\n");
        for (size_t k = 0; k < ntc; k++) {
            nm_buf_puts(&b, "<li><span class=\"label\">");
            nm_buf_t lab;
            nm_buf_init(&lab, 0);
            capitalized(&lab, tc[k].label);
            esc(&b, lab.data ? lab.data : "");
            nm_buf_free(&lab);
            nm_buf_printf(&b, "</span> — %zu article%s: ", tc[k].count, tc[k].count == 1 ? "" : "s");
            size_t shown = 0;
            for (size_t i = 0; i < n; i++) {
                if (!has_topic(&articles[i], tc[k].label)) continue;
                if (shown++) nm_buf_puts(&b, "; ");
                nm_buf_printf(&b, "<a href=\"#a%zu\">", i + 1);
                esc_line(&b, nz(articles[i].title, "(untitled)"));
                nm_buf_puts(&b, "</a>");
            }
            nm_buf_puts(&b, "</li>\n");
        }
        nm_buf_puts(&b, "</ol>\n");
        free(tc);
    }
    nm_buf_puts(&b, "</section>\n");
    if (o.commentary && *o.commentary) {
        nm_buf_puts(&b, "<section id=\"commentary\">\n<h2>Commentary</h2>\n");
        html_llm(&b, o.commentary);
        nm_buf_puts(&b, "</section>\n");
    }

    nm_buf_puts(&b, "<section id=\"articles\">\n<h2>Articles</h2>\n<ol>\n");
    for (size_t i = 0; i < n; i++) {
        nm_buf_printf(&b, "<li><a href=\"#s%zu\">", i + 1);
        esc_line(&b, nz(articles[i].title, "(untitled)"));
        nm_buf_puts(&b, "</a></li>\n");
    }
    nm_buf_puts(&b, "</ol>\n</section>\n");

    size_t ns;
    story_t *st = stories_find(articles, n, &ns);
    if (ns) {
        nm_buf_puts(&b, "<section id=\"stories\">\n<h2>Stories covered by several outlets</h2>\n<ol>\n");
        for (size_t k = 0; k < ns; k++) {
            nm_buf_puts(&b, "<li>");
            esc_line(&b, nz(articles[st[k].idx[0]].title, "(untitled)"));
            nm_buf_printf(&b, " — %zu outlets\n<ul>\n", distinct_outlets(articles, &st[k]));
            for (size_t m = 0; m < st[k].n; m++) {
                const pub_digest_article_t *x = &articles[st[k].idx[m]];
                nm_buf_puts(&b, "<li><span class=\"label\">");
                esc_line(&b, outlet(x));
                nm_buf_printf(&b, "</span>: <a href=\"#a%zu\">", st[k].idx[m] + 1);
                esc_line(&b, nz(x->title, "(untitled)"));
                nm_buf_puts(&b, "</a></li>\n");
            }
            nm_buf_puts(&b, "</ul></li>\n");
        }
        nm_buf_puts(&b, "</ol>\n</section>\n");
    }
    stories_free(st, ns);

    nm_buf_puts(&b, "<section id=\"summaries\">\n<h2>Summaries</h2>\n");
    for (size_t i = 0; i < n; i++) {
        const pub_digest_article_t *a = &articles[i];
        nm_buf_printf(&b, "<article id=\"s%zu\">\n<h3>%zu. ", i + 1, i + 1);
        esc_line(&b, nz(a->title, "(untitled)"));
        nm_buf_puts(&b, "</h3>\n");
        if (a->translated_title && *a->translated_title) {
            nm_buf_puts(&b, "<p><span class=\"label\">中文标题:</span> ");
            esc_line(&b, a->translated_title);
            nm_buf_puts(&b, "</p>\n");
        }
        if (a->summary && *a->summary) {
            nm_buf_puts(&b, "<p>");
            if (mostly_cjk(a->summary)) nm_buf_puts(&b, "<span class=\"label\">内容摘要:</span> ");
            esc_line(&b, a->summary);
            nm_buf_puts(&b, "</p>\n");
        } else {
            nm_buf_puts(&b, "<p class=\"meta\">No summary.</p>\n");
        }
        nm_buf_puts(&b, "</article>\n");
    }
    nm_buf_puts(&b, "</section>\n");

    nm_buf_puts(&b, "<section id=\"full-text\">\n<h2>Full text</h2>\n");
    for (size_t i = 0; i < n; i++) {
        const pub_digest_article_t *a = &articles[i];
        nm_buf_printf(&b, "<article id=\"a%zu\">\n<h3>", i + 1);
        esc_line(&b, nz(a->title, "(untitled)"));
        nm_buf_puts(&b, "</h3>\n");
        if (a->url && *a->url) {
            nm_buf_puts(&b, "<p class=\"url\">");
            if (http_url(a->url)) {
                nm_buf_puts(&b, "<a href=\"");
                esc(&b, a->url);
                nm_buf_puts(&b, "\">");
                esc(&b, a->url);
                nm_buf_puts(&b, "</a>");
            } else {
                esc_line(&b, a->url);
            }
            nm_buf_puts(&b, "</p>\n");
        }
        html_meta(&b, a);
        if (a->text) html_text(&b, a->text);
        nm_buf_puts(&b, "</article>\n");
    }
    nm_buf_puts(&b, "</section>\n</main>\n</body>\n</html>\n");
    char *s = nm_buf_steal(&b);
    nm_buf_free(&b);
    return s;
}

char *pub_digest_html_main(const char *page)
{
    if (!page) return NULL;
    /* our pages have one <main>; text inside is escaped, so the tags are ours */
    const char *s = strstr(page, "<main>");
    const char *e = s ? strstr(s, "</main>") : NULL;
    if (!s || !e) return NULL;
    s += strlen("<main>");
    return nm_strndup(s, (size_t)(e - s));
}

/* ================================================================ Atom */

void pub_digest_file_name(char *out, size_t outlen, const char *date, const char *lang,
                          const char *ext)
{
    if (lang && *lang) snprintf(out, outlen, "%s.%s.%s", date, lang, ext);
    else snprintf(out, outlen, "%s.%s", date, ext);
}

static void rfc3339(nm_buf_t *b, int64_t t)
{
    time_t tt = (time_t)(t > 0 ? t : 0);
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) memset(&tm, 0, sizeof tm);
    nm_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* base + "/" + name, without doubling the slash. */
static void url_join(nm_buf_t *b, const char *base, const char *name)
{
    esc(b, base);
    if (base[0] && base[strlen(base) - 1] != '/') nm_buf_puts(b, "/");
    esc(b, name);
}

char *pub_digest_atom(const pub_digest_entry_t *e, size_t n, const pub_atom_opts_t *opts)
{
    pub_atom_opts_t o = {0};
    if (opts) o = *opts;
    if (!e) n = 0;
    const char *base = http_url(o.base_url) ? o.base_url : NULL;
    const char *lang = nz(o.language, NULL);
    char name[128];
    int64_t updated = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].updated > updated) updated = e[i].updated;

    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"");
    if (lang) {
        nm_buf_puts(&b, " xml:lang=\"");
        esc(&b, lang);
        nm_buf_puts(&b, "\"");
    }
    nm_buf_puts(&b, ">\n<title>");
    esc_line(&b, nz(o.title, "newsmill digest"));
    nm_buf_puts(&b, "</title>\n<id>");
    pub_digest_file_name(name, sizeof name, "feed", NULL, "atom");
    if (lang) snprintf(name, sizeof name, "feed.%s.atom", lang);
    if (base) url_join(&b, base, name);
    else {
        nm_buf_puts(&b, "tag:newsmill.invalid,2025:digest");
        if (lang) { nm_buf_puts(&b, "/"); esc(&b, lang); }
    }
    nm_buf_puts(&b, "</id>\n<updated>");
    rfc3339(&b, updated);
    nm_buf_puts(&b, "</updated>\n<author><name>newsmill</name></author>\n"
                    "<generator>newsmill</generator>\n");
    if (base) {
        nm_buf_puts(&b, "<link rel=\"self\" type=\"application/atom+xml\" href=\"");
        url_join(&b, base, name);
        nm_buf_puts(&b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        esc(&b, base);
        nm_buf_puts(&b, "\"/>\n");
    }
    for (size_t i = 0; i < n; i++) {
        const char *el = nz(e[i].language, NULL);
        nm_buf_puts(&b, "<entry>\n<title>");
        esc_line(&b, nz(o.title, "newsmill digest"));
        nm_buf_puts(&b, " ");
        esc_line(&b, nz(e[i].date, ""));
        nm_buf_puts(&b, "</title>\n<id>");
        pub_digest_file_name(name, sizeof name, nz(e[i].date, "undated"), el, "html");
        if (base) url_join(&b, base, name);
        else {
            nm_buf_puts(&b, "tag:newsmill.invalid,2025:digest/");
            esc(&b, nz(e[i].date, "undated"));
            if (el) { nm_buf_puts(&b, "/"); esc(&b, el); }
        }
        nm_buf_puts(&b, "</id>\n<updated>");
        rfc3339(&b, e[i].updated);
        nm_buf_puts(&b, "</updated>\n");
        if (base) {
            nm_buf_puts(&b, "<link rel=\"alternate\" type=\"text/html\" href=\"");
            url_join(&b, base, name);
            nm_buf_puts(&b, "\"/>\n");
        }
        char *inner = pub_digest_html_main(e[i].html);
        nm_buf_puts(&b, "<content type=\"html\">");
        esc(&b, inner ? inner : "");
        nm_buf_puts(&b, "</content>\n</entry>\n");
        free(inner);
    }
    nm_buf_puts(&b, "</feed>\n");
    char *s = nm_buf_steal(&b);
    nm_buf_free(&b);
    return s;
}

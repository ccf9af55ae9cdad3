/* test_parse_fast: the extractor's fast paths change no output.
 *
 * parse_article drops unread attributes and moves the read ones out of
 * libxml2's way, and gives libxml2 a per-document arena (parse_html.c). Each
 * page here is extracted with those paths on and off (ph_fast_paths) and
 * the two JSON outputs must be identical: crafted markup aimed at the
 * attribute scanner (entities, repeats, bogus names, '>' inside quotes,
 * unquoted and empty values, a page's own "_" attribute, raw script bodies,
 * comments, NUL bytes, unclosed quotes) and, when the shared corpus is there,
 * every 7th real page. Also: ph_casestr agrees with strcasestr, and libxml2
 * used outside parse_article (an XML document) still works after it. */
#include <dirent.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nm_buf.h"
#include "nm_test.h"
#include "parse_html.h"
#include "parse_html_int.h"

static char *extract_json(const char *html, size_t len, int fast)
{
    char err[256] = "";
    ph_fast_paths(fast);
    parse_article_t *a = parse_article(html, len, "https://example.com/a/b.html", NULL, NULL, err, sizeof err);
    ph_fast_paths(1);
    if (!a) {
        char *e = malloc(strlen(err) + 8);
        sprintf(e, "error: %s", err);
        return e;
    }
    json_t *o = parse_article_to_json(a);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    parse_article_destroy(&a);
    return s;
}

static int same(const char *what, const char *html, size_t len)
{
    char *fast = extract_json(html, len, 1), *plain = extract_json(html, len, 0);
    int eq = strcmp(fast, plain) == 0;
    if (!eq) fprintf(stderr, "%s: outputs differ\n  fast:  %.600s\n  plain: %.600s\n", what, fast, plain);
    free(fast);
    free(plain);
    return eq;
}

static const char *para =
    "<p>The committee met on Tuesday to discuss the budget, the schedule, and the new building. "
    "Members agreed that the plan needs more work before it can go to a vote next month, and "
    "several asked for an independent review of the costs.</p>";

/* t with each "%s" replaced by the paragraph */
static void fill(nm_buf_t *b, const char *t)
{
    nm_buf_reset(b);
    for (const char *p = t; *p;) {
        const char *e = strstr(p, "%s");
        if (!e) { nm_buf_puts(b, p); break; }
        nm_buf_append(b, p, (size_t)(e - p));
        nm_buf_puts(b, para);
        p = e + 2;
    }
}

static void crafted(void)
{
    static const char *cases[][2] = {
        {"entities in read values",
         "<html lang=\"en\"><head><meta name=\"description\" content=\"Salt &amp; Pepper &#8212; a guide\">"
         "<meta property=\"og:title\" content=\"Salt &amp; Pepper\"><title>T &amp; U</title></head><body>"
         "<article class=\"post &amp; more\">%s%s<div class=\"note&#32;hidden\">Hidden by an entity.</div>"
         "<p>Shown text with enough words to count as a paragraph of this article, not a label.</p></article></body></html>"},
        {"repeated attributes: the first counts",
         "<html><body><div class=\"footer\" class=\"article-body\">%s</div>"
         "<div class=\"content\" class=\"comments\" id=\"a\" id=\"b\">%s</div>"
         "<div class=\"share &amp; social\" class=\"content\">%s</div></body></html>"},
        {"bogus names and '>' inside quotes",
         "<html><body><div @click=\"open = a > b\" class=\"story\">%s</div>"
         "<div x-on:click=\"c > d\" :class=\"{a: 1}\" class=\"sidebar\">%s</div>"
         "<div data-html=\"<p class=footer>x</p>\" class=\"main\">%s</div></body></html>"},
        {"unquoted, empty and valueless values",
         "<html><body><div class=main id= hidden>%s</div><div class = 'entry' role=main>%s</div>"
         "<p class=x/>%s<img src=a.png/><div aria-hidden=true class=social>share</div></body></html>"},
        {"no blank between attributes, upper case names",
         "<HTML LANG=de><BODY><DIV CLASS=\"content\"ID=\"x\"DATA-X=\"1\"STYLE=\"display: none\">hidden %s</DIV>"
         "<div data-a=\"1\"class=\"post-body\">%s</div></BODY></HTML>"},
        {"the page's own _ attribute",
         "<html><body><div _=\"0\" class=\"related\">%s</div><div class=\"nav\" _=1>%s</div>"
         "<section _=\"2\">%s</section></body></html>"},
        {"script, style and comment bodies stay as they are",
         "<html><head><script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":"
         "\"<b class=x data-y=1>Head</b>\",\"datePublished\":\"2024-05-06T10:00:00+02:00\","
         "\"author\":{\"@type\":\"Person\",\"name\":\"Jane Roe\"}}</script>"
         "<style>.a[data-x=\"1\"] { color: red }</style></head><body>"
         "<!-- <div class=\"x\" data-y=\"2\"> -->%s<script src=\"x.js\" async></script>%s%s</body></html>"},
        {"react segments",
         "<html><body><div class=\"main\"><!--$?--><template id=\"B:0\"></template>Loading...<!--/$--></div>"
         "<div hidden data-x=\"1\" id=\"S:0\">%s%s</div>%s</body></html>"},
        {"dates, bylines and links in attributes",
         "<html><body><header><h1><a href=\"/\" data-track=\"1\">Site</a></h1></header>"
         "<h1 class=\"headline\">The council votes on the budget</h1>"
         "<a rel=\"author\" href=\"/author/jane-doe/\" data-id=\"7\">Jane Doe</a>"
         "<time datetime=\"2025-03-04T09:00:00Z\" data-x=\"y\" pubdate>March 4</time>"
         "<link rel=canonical href=\"https://example.com/story?id=1&amp;x=2\">%s%s%s</body></html>"},
    };
    nm_buf_t b;
    nm_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fill(&b, cases[i][1]);
        CHECK(same(cases[i][0], b.data, b.len));
    }
    /* broken markup: the filter stops where it is unsure, output still the same */
    fill(&b, "<html><body><div class=\"main\" data-x=\"never closed>%s%s</div></body></html>");
    CHECK(same("unclosed quote", b.data, b.len));
    fill(&b, "<html><body><div class=\"main\">%s<!-- never closed <div data-x=1>%s</body>");
    CHECK(same("unclosed comment", b.data, b.len));
    fill(&b, "<html><body><article class=\"post\">%s%s<div data-x=\"1\" class=\"a");
    nm_buf_append(&b, "\0", 1);
    nm_buf_puts(&b, "b\" role=\"main\">x</div></article>");
    CHECK(same("NUL in a tag", b.data, b.len));
    nm_buf_puts(&b, "<html><body><div ");
    for (int k = 0; k < 120; k++) nm_buf_puts(&b, "x");
    nm_buf_puts(&b, "class=\"footer\" class=\"content\">");
    nm_buf_puts(&b, para);
    nm_buf_puts(&b, para);
    nm_buf_puts(&b, "</div></body></html>");
    CHECK(same("a name longer than libxml2 reads", b.data, b.len));
    /* large blocks (the arena hands them to malloc) and many attributes */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body><article class=\"post\" data-big=\"");
    for (int k = 0; k < 100000; k++) nm_buf_puts(&b, "v");
    nm_buf_puts(&b, "\"><p>");
    for (int k = 0; k < 20000; k++) nm_buf_puts(&b, "word, ");
    nm_buf_puts(&b, "</p>");
    for (int k = 0; k < 3000; k++)
        nm_buf_printf(&b, "<span class=\"c%d\" data-k=\"%d\" id=\"i%d\" style=\"color: red\">w%d </span>", k % 7, k, k, k);
    nm_buf_puts(&b, "</article></body></html>");
    CHECK(same("big values and many attributes", b.data, b.len));
    nm_buf_free(&b);
}

static char *read_gz(const char *path, size_t *len)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) return NULL;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    char chunk[65536];
    int r;
    while ((r = gzread(gz, chunk, sizeof chunk)) > 0) nm_buf_append(&b, chunk, (size_t)r);
    gzclose(gz);
    *len = b.len;
    return nm_buf_steal(&b);
}

static void corpus(void)
{
    const char *src = getenv("NM_SOURCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/../shared/corpus/extraction-dev/html", src ? src : ".");
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n <= 0) {
        fprintf(stderr, "corpus not found (%s): skipped\n", dir);
        return;
    }
    int pages = 0, differ = 0;
    for (int i = 0; i < n; i++) {
        if (i % 7 == 0 && strstr(names[i]->d_name, ".html.gz")) {
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            size_t len = 0;
            char *html = read_gz(path, &len);
            if (html) {
                pages++;
                if (!same(names[i]->d_name, html, len)) differ++;
                free(html);
            }
        }
        free(names[i]);
    }
    free(names);
    fprintf(stderr, "corpus: %d pages, %d differ\n", pages, differ);
    CHECK(pages > 50);
    CHECK_INT(differ, 0);
}

static void casestr(void)
{
    static const char *hay[] = {"", "a", "Posted by Jane", "originally PUBLISHED on", "xxORIGINALLY Posted",
                                "\xC3\xA9t\xC3\xA9 Updated", "date-time", "DaTe", "no match here", "aaab", "by", " by",
                                "Last  updated", "\xE2\x80\x94 revised", NULL};
    static const char *needle[] = {"", "a", "posted", "published", "originally posted", "updat", "date", "time",
                                   " by", "aab", "by", "last ", "revised", "\xC3\xA9", "z", NULL};
    for (int i = 0; hay[i]; i++)
        for (int k = 0; needle[k]; k++) {
            const char *want = strcasestr(hay[i], needle[k]), *got = ph_casestr(hay[i], needle[k]);
            if (want != got) fprintf(stderr, "ph_casestr(\"%s\", \"%s\") differs\n", hay[i], needle[k]);
            CHECK(want == got);
        }
}

/* libxml2 outside parse_article: ordinary allocations, freed the ordinary way. */
static void libxml2_after(void)
{
    char html[2048];
    snprintf(html, sizeof html, "<html><body><article>%s%s</article></body></html>", para, para);
    char *j = extract_json(html, strlen(html), 1);
    CHECK(strstr(j, "committee met") != NULL);
    free(j);
    const char *xml = "<?xml version=\"1.0\"?><rss><channel><title>A &amp; B</title><item><title>x</title></item></channel></rss>";
    for (int k = 0; k < 3; k++) {
        xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), "feed.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
        CHECK(d != NULL);
        if (!d) continue;
        xmlNodePtr root = xmlDocGetRootElement(d);
        CHECK(root && strcmp((const char *)root->name, "rss") == 0);
        xmlChar *t = xmlNodeGetContent(root);
        CHECK(t && strstr((const char *)t, "A & B") != NULL);
        xmlFree(t);
        xmlFreeDoc(d);
        j = extract_json(html, strlen(html), 1);   /* and the arena again in between */
        free(j);
    }
}

int main(void)
{
    casestr();
    crafted();
    libxml2_after();
    corpus();
    return nm_test_done();
}

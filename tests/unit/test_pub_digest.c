/* The Markdown digest: sections in order, every title and URL, word count
 * and reading time, translated titles, subheadings, empty day, determinism. */
#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "nm_test.h"
#include "pub_digest.h"

/* Number of nodes an XPath finds in doc (Atom namespace as "a"). */
static int xcount(xmlDocPtr doc, const char *xp)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "a", BAD_CAST "http://www.w3.org/2005/Atom");
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST xp, ctx);
    int n = o && o->nodesetval ? o->nodesetval->nodeNr : -1;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return n;
}

static char *xstring(xmlDocPtr doc, const char *xp)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "a", BAD_CAST "http://www.w3.org/2005/Atom");
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST xp, ctx);
    char *s = o && o->stringval ? strdup((const char *)o->stringval) : NULL;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return s;
}

/* The hostile article: markup, entities, a javascript: URL, control bytes. */
static const char HOSTILE_TITLE[] = "<script>alert('x')</script> & \"quotes\" \x01\x7f";
static const char HOSTILE_TEXT[] = "Body <img src=x onerror=alert(1)> & more.\n\n</main><h1>fake</h1>\n";

static void test_stories_llm_html_atom(void)
{
    const char *t1[] = {"diplomacy"};
    pub_digest_article_t a[4] = {
        {.title = "Wang Yi says deeper US exchanges on the cards", .url = "https://scmp.example/wang",
         .source_site = "South China Morning Post", .text = "Wang met Rubio.", .word_count = 100,
         .summary = "Wang met Rubio.", .topics = t1, .ntopics = 1, .story_id = 7},
        {.title = "Pork prices fall", .url = "https://scmp.example/pork", .source_site = "South China Morning Post",
         .text = "Prices fell.", .word_count = 50, .story_id = 8},
        {.title = "Rubio and Wang hold talks", .url = "https://reuters.example/rubio", .source_site = "Reuters",
         .text = "They talked.", .word_count = 80, .summary = "They talked.", .topics = t1, .ntopics = 1,
         .story_id = 7},
        {.title = HOSTILE_TITLE, .url = "javascript:alert(1)", .source_site = "Evil & Co <b>",
         .byline = "<i>x</i>", .text = HOSTILE_TEXT, .word_count = 5, .summary = "<b>bold</b> & co",
         .translated_title = "\xE6\xA0\x87\xE9\xA2\x98<x>", .story_id = 9},
    };
    pub_digest_opts_t o = {.title = "Digest <of> the day", .date = "2025-07-13",
                           .generated_at = 1752480000, .language = "zh",
                           .overview = "1. On diplomacy: Wang and Rubio met.\n2. On economy: pork <cheap>.",
                           .commentary = "# Not a heading\nCoverage was balanced."};

    /* Markdown: LLM overview and commentary; the story named with each outlet */
    char *md = pub_digest_markdown(a, 4, &o);
    const char *ov = strstr(md, "## Overview\n\n1. On diplomacy: Wang and Rubio met.\n\n2. On economy: pork \\<cheap>.\n");
    const char *cm = strstr(md, "\n## Commentary\n\n\\# Not a heading\n\nCoverage was balanced.\n");
    const char *ar = strstr(md, "\n## Articles\n");
    const char *st = strstr(md, "\n## Stories covered by several outlets\n\n1. Wang Yi says deeper US exchanges on the cards \xE2\x80\x94 2 outlets\n"
                               "   - South China Morning Post: Wang Yi says deeper US exchanges on the cards (#1)\n"
                               "   - Reuters: Rubio and Wang hold talks (#3)\n");
    const char *su = strstr(md, "\n## Summaries\n");
    CHECK(ov && cm && ar && st && su && ov < cm && cm < ar && ar < st && st < su);
    CHECK(strstr(md, "Pork prices fall \xE2\x80\x94") == NULL);   /* one-outlet stories are not listed */
    CHECK(strstr(md, "\njavascript:alert(1)\n") != NULL);           /* URL line kept as text */
    CHECK(strstr(md, "\\<script>alert('x')\\</script>") != NULL);
    {   /* no raw HTML for Markdown renderers: every '<' is escaped */
        int raw = 0;
        for (const char *q = md; (q = strchr(q, '<')) != NULL; q++)
            if (q == md || q[-1] != '\\') raw++;
        CHECK_INT(raw, 0);
    }
    free(md);
    /* no stories section when no story spans two outlets */
    a[2].story_id = 10;
    md = pub_digest_markdown(a, 4, &o);
    CHECK(strstr(md, "## Stories covered") == NULL);
    free(md);
    a[2].story_id = 7;

    /* HTML: well formed, escaped, phone-ready, no live hostile markup */
    char *html = pub_digest_html(a, 4, &o);
    CHECK(strncmp(html, "<!DOCTYPE html>\n<html lang=\"zh\">\n", 33) == 0);
    CHECK(strstr(html, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>") != NULL);
    CHECK(strstr(html, "<style>") != NULL && strstr(html, "max-width") != NULL);
    CHECK(strstr(html, "<script") == NULL);
    CHECK(strstr(html, "<img") == NULL);
    CHECK(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;") != NULL);
    CHECK(strstr(html, "\x01") == NULL && strstr(html, "\x7f") == NULL);
    CHECK(strstr(html, "href=\"javascript") == NULL);
    CHECK(strstr(html, "<a href=\"https://reuters.example/rubio\">https://reuters.example/rubio</a>") != NULL);
    CHECK(strstr(html, "Evil &amp; Co &lt;b&gt;") != NULL);
    CHECK(strstr(html, "<h1>Digest &lt;of&gt; the day 2025-07-13</h1>") != NULL);
    CHECK(strstr(html, "<li>On diplomacy: Wang and Rubio met.</li>") != NULL);
    CHECK(strstr(html, "pork &lt;cheap&gt;") != NULL);
    CHECK(strstr(html, "<section id=\"commentary\">") != NULL);
    CHECK(strstr(html, "<section id=\"stories\">") != NULL);
    CHECK(strstr(html, "<span class=\"label\">Reuters</span>: <a href=\"#a3\">Rubio and Wang hold talks</a>") != NULL);
    CHECK(strstr(html, "\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98:</span> \xE6\xA0\x87\xE9\xA2\x98&lt;x&gt;") != NULL);
    /* the hostile "</main>" in the text stays text: exactly one real <main> */
    const char *m1 = strstr(html, "<main>");
    CHECK(m1 && !strstr(m1 + 1, "<main>"));
    CHECK(strstr(html, "&lt;/main&gt;&lt;h1&gt;fake&lt;/h1&gt;") != NULL);
    /* libxml2's HTML parser sees the structure we meant */
    {
        xmlDocPtr d = xmlReadMemory(html + strlen("<!DOCTYPE html>\n"), (int)(strlen(html) - strlen("<!DOCTYPE html>\n")),
                                    "digest.html", "utf-8", XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        CHECK(d != NULL);   /* our HTML is also well-formed XML */
        if (d) {
            CHECK_INT(xcount(d, "//main"), 1);
            CHECK_INT(xcount(d, "//section[@id='full-text']/article"), 4);
            CHECK_INT(xcount(d, "//script"), 0);
            CHECK_INT(xcount(d, "//section[@id='summaries']/article/h3"), 4);
            xmlFreeDoc(d);
        }
    }
    char *inner = pub_digest_html_main(html);
    CHECK(inner && strncmp(inner, "\n<header>", 9) == 0 && strstr(inner, "</body>") == NULL);
    free(inner);
    CHECK(pub_digest_html_main("no main here") == NULL);

    /* Atom: parses, required elements, escaped content, stable ids */
    pub_digest_entry_t e[2] = {
        {.date = "2025-07-13", .language = "zh", .html = html, .updated = 1752480000},
        {.date = "2025-07-12", .language = "zh", .html = "<main><p>older &amp; day</p></main>", .updated = 1752393600},
    };
    pub_atom_opts_t ao = {.title = "Digest <feed>", .base_url = "https://news.example.org/d", .language = "zh"};
    char *atom = pub_digest_atom(e, 2, &ao);
    xmlDocPtr d = xmlReadMemory(atom, (int)strlen(atom), "feed.atom", NULL, XML_PARSE_NONET);
    CHECK(d != NULL);
    if (d) {
        CHECK_INT(xcount(d, "/a:feed"), 1);
        CHECK_INT(xcount(d, "/a:feed/a:id"), 1);
        CHECK_INT(xcount(d, "/a:feed/a:title"), 1);
        CHECK_INT(xcount(d, "/a:feed/a:updated"), 1);
        CHECK_INT(xcount(d, "/a:feed/a:author/a:name"), 1);
        CHECK_INT(xcount(d, "/a:feed/a:link[@rel='self']"), 1);
        CHECK_INT(xcount(d, "/a:feed/a:entry"), 2);
        CHECK_INT(xcount(d, "/a:feed/a:entry[a:id and a:title and a:updated and a:content[@type='html'] and a:link[@rel='alternate']]"), 2);
        char *s = xstring(d, "string(/a:feed/a:title)");
        CHECK_STR(s, "Digest <feed>");
        free(s);
        s = xstring(d, "string(/a:feed/a:updated)");
        CHECK_STR(s, "2025-07-14T08:00:00Z");
        free(s);
        s = xstring(d, "string(/a:feed/a:entry[1]/a:id)");
        CHECK_STR(s, "https://news.example.org/d/2025-07-13.zh.html");
        free(s);
        s = xstring(d, "string(/a:feed/a:entry[2]/a:title)");
        CHECK_STR(s, "Digest <feed> 2025-07-12");
        free(s);
        /* the content is the page's main, as escaped HTML: hostile text stays inert */
        s = xstring(d, "string(/a:feed/a:entry[1]/a:content)");
        CHECK(s && strstr(s, "<section id=\"overview\">") && strstr(s, "&lt;script&gt;") && !strstr(s, "<script"));
        free(s);
        s = xstring(d, "string(/a:feed/a:entry[2]/a:content)");
        CHECK_STR(s, "<p>older &amp; day</p>");
        free(s);
        xmlFreeDoc(d);
    }
    free(atom);
    /* without base_url: tag: ids, no links, still valid; empty feed is valid */
    atom = pub_digest_atom(e, 1, &(pub_atom_opts_t){.title = "T", .base_url = "javascript:x"});
    d = xmlReadMemory(atom, (int)strlen(atom), "feed.atom", NULL, XML_PARSE_NONET);
    CHECK(d != NULL);
    if (d) {
        char *s = xstring(d, "string(/a:feed/a:entry/a:id)");
        CHECK_STR(s, "tag:newsmill.invalid,2025:digest/2025-07-13/zh");
        free(s);
        CHECK_INT(xcount(d, "//a:link"), 0);
        xmlFreeDoc(d);
    }
    free(atom);
    atom = pub_digest_atom(NULL, 0, NULL);
    d = xmlReadMemory(atom, (int)strlen(atom), "feed.atom", NULL, XML_PARSE_NONET);
    CHECK(d != NULL && xcount(d, "/a:feed/a:id") == 1 && xcount(d, "/a:feed/a:entry") == 0);
    if (d) xmlFreeDoc(d);
    free(atom);
    free(html);

    char name[64];
    pub_digest_file_name(name, sizeof name, "2025-07-13", "zh", "html");
    CHECK_STR(name, "2025-07-13.zh.html");
    pub_digest_file_name(name, sizeof name, "feed", "", "atom");
    CHECK_STR(name, "feed.atom");
}

static const char *after(const char *hay, const char *needle, const char *from)
{
    const char *p = from ? strstr(from, needle) : NULL;
    (void)hay;
    return p;
}

int main(void)
{
    const char *t1[] = {"space and science"};
    const char *t2[] = {"diplomacy", "military and security"};
    const char *t3[] = {"space and science"};
    pub_digest_article_t a[3] = {
        {.title = "What are China's plans for deep space exploration?",
         .url = "https://example.com/space-plans",
         .source_site = "South China Morning Post", .byline = "Ling Xin",
         .published_at = 1752451200,   /* 2025-07-14 00:00 UTC */
         .text = "China aims to land astronauts on the moon before 2030.\n\n"
                 "What comes next\n\nA research station is planned for 2035.",
         .word_count = 10000, .summary = "China aims to land astronauts on the moon.",
         .summary_backend = "extractive", .topics = t1, .ntopics = 1},
        {.title = "Wang Yi says deeper US exchanges on the cards",
         .url = "https://example.com/wang-yi",
         .source_site = "example.com", .byline = NULL, .published_at = 0,
         .text = "Wang Yi met Rubio in Kuala Lumpur.\n# not a heading in the source, just text.",
         .word_count = 8530, .summary = "\xE7\x8E\x8B\xE6\xAF\x85\xE4\xB8\x8E\xE9\xB2\x81\xE6\xAF\x94\xE5\xA5\xA5\xE4\xBC\x9A\xE8\xB0\x88\xE3\x80\x82",
         .summary_backend = "llm:test",
         .translated_title = "\xE7\x8E\x8B\xE6\xAF\x85\xE8\xA1\xA8\xE7\xA4\xBA",
         .topics = t2, .ntopics = 2},
        {.title = "Tianzhou-9 cargo craft set for resupply mission",
         .url = "https://example.com/tianzhou",
         .source_site = "Xinhua", .byline = "By Staff", .published_at = 1752400000,
         .text = "The cargo craft will dock with Tiangong.", .word_count = 0,
         .summary = NULL, .topics = t3, .ntopics = 1},
    };
    pub_digest_opts_t o = {.title = "English media on China", .date = "2025-07-13",
                           .generated_at = 1752480000 /* 2025-07-14 08:00 UTC */, .words_per_minute = 0};
    char *md = pub_digest_markdown(a, 3, &o);
    CHECK(md != NULL);
    if (!md) return nm_test_done();

    /* first two lines: title with date; date, reading time (18530/213 = 87), words */
    CHECK(strncmp(md, "# English media on China 2025-07-13\n\n", 37) == 0);
    CHECK(strstr(md, "\n*July 14, 2025 \xC2\xB7 87 min read \xC2\xB7 18530 words*\n") != NULL);

    /* sections in order */
    const char *ov = strstr(md, "\n## Overview\n");
    const char *ar = after(md, "\n## Articles\n", ov);
    const char *su = after(md, "\n## Summaries\n", ar);
    const char *ft = after(md, "\n## Full text\n", su);
    CHECK(ov && ar && su && ft);
    if (!(ov && ar && su && ft)) { free(md); return nm_test_done(); }

    /* overview: topics by count, capitalized, with titles */
    CHECK(strstr(ov, "1. Space and science \xE2\x80\x94 2 articles: What are China's plans for deep space exploration?; Tianzhou-9 cargo craft set for resupply mission\n") == ov + strlen("\n## Overview\n\n"));
    CHECK(strstr(ov, "2. Diplomacy \xE2\x80\x94 1 article: Wang Yi says deeper US exchanges on the cards\n") != NULL);
    CHECK(strstr(ov, "3. Military and security \xE2\x80\x94 1 article: ") != NULL);

    /* articles: numbered original titles, in order */
    CHECK(strstr(ar, "1. What are China's plans for deep space exploration?\n2. Wang Yi says deeper US exchanges on the cards\n3. Tianzhou-9 cargo craft set for resupply mission\n") != NULL);

    /* summaries: numbered titles, translated title only when set */
    const char *s1 = strstr(su, "### 1. What are China's plans for deep space exploration?\n\nChina aims to land astronauts on the moon.\n");
    const char *s2 = strstr(su, "### 2. Wang Yi says deeper US exchanges on the cards\n\n\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98: \xE7\x8E\x8B\xE6\xAF\x85\xE8\xA1\xA8\xE7\xA4\xBA\n\n\xE5\x86\x85\xE5\xAE\xB9\xE6\x91\x98\xE8\xA6\x81: ");
    const char *s3 = strstr(su, "### 3. Tianzhou-9");
    CHECK(s1 && s2 && s3 && s1 < s2 && s2 < s3 && s3 < ft);
    /* only one translated title line in the whole digest */
    const char *zh = strstr(md, "\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98");
    CHECK(zh && !strstr(zh + 1, "\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98"));

    /* full text: every title, URL on its own line, meta line, subheading */
    const char *f1 = strstr(ft, "### What are China's plans for deep space exploration?\n\nhttps://example.com/space-plans\n\nSouth China Morning Post \xC2\xB7 By Ling Xin \xC2\xB7 2025-07-14 00:00 UTC\n\nChina aims to land astronauts on the moon before 2030.\n\n#### What comes next\n\nA research station is planned for 2035.\n");
    const char *f2 = strstr(ft, "### Wang Yi says deeper US exchanges on the cards\n\nhttps://example.com/wang-yi\n\nexample.com\n\nWang Yi met Rubio in Kuala Lumpur.\n\n\\# not a heading");
    const char *f3 = strstr(ft, "### Tianzhou-9 cargo craft set for resupply mission\n\nhttps://example.com/tianzhou\n\nXinhua \xC2\xB7 By Staff \xC2\xB7 ");
    CHECK(f1 && f2 && f3 && f1 < f2 && f2 < f3);
    CHECK(md[strlen(md) - 1] == '\n' && md[strlen(md) - 2] != '\n');

    /* deterministic */
    char *again = pub_digest_markdown(a, 3, &o);
    CHECK_STR(again, md);
    free(again);
    free(md);

    /* reading time: custom wpm, rounding, at least a minute */
    a[0].word_count = 250; a[1].word_count = 0; a[2].word_count = 0;
    o.words_per_minute = 200;
    md = pub_digest_markdown(a, 3, &o);
    CHECK(strstr(md, "1 min read \xC2\xB7 250 words*") != NULL);
    free(md);
    a[0].word_count = 30;
    md = pub_digest_markdown(a, 1, &o);
    CHECK(strstr(md, "1 min read \xC2\xB7 30 words*") != NULL);
    free(md);

    /* an article with no topics counts as "other"; newlines in a title don't break lines */
    pub_digest_article_t b = {.title = "Line one\nline two", .url = "https://x.test/", .text = ""};
    md = pub_digest_markdown(&b, 1, &o);
    CHECK(strstr(md, "1. Other \xE2\x80\x94 1 article: Line one line two\n") != NULL);
    CHECK(strstr(md, "### 1. Line one line two\n") != NULL);
    free(md);

    /* empty day */
    md = pub_digest_markdown(NULL, 0, &o);
    CHECK(md != NULL);
    CHECK(strncmp(md, "# English media on China 2025-07-13\n\n*July 14, 2025 \xC2\xB7 0 min read \xC2\xB7 0 words*\n\nNo articles were collected for 2025-07-13.\n", 200) == 0);
    CHECK(strstr(md, "## Overview") == NULL);
    free(md);
    md = pub_digest_markdown(NULL, 0, NULL);
    CHECK(md && strncmp(md, "# Digest\n\n", 10) == 0);
    free(md);
    md = pub_digest_html(NULL, 0, &o);
    CHECK(md && strstr(md, "<p>No articles were collected for 2025-07-13.</p>") != NULL);
    free(md);

    test_stories_llm_html_atom();
    return nm_test_done();
}

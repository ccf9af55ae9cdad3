/* Unit tests for parse_html: extraction of the article body and metadata,
 * charsets, rejection of what is not an article page, hostile input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nm_buf.h"
#include "nm_test.h"
#include "parse_date.h"
#include "parse_html.h"

static const char page[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head>\n"
    "<meta charset=\"utf-8\">\n"
    "<title>Lunar Probe To Carry Foreign Payloads | The Daily Planet</title>\n"
    "<meta property=\"og:site_name\" content=\"The Daily Planet\">\n"
    "<meta property=\"og:title\" content=\"Lunar Probe To Carry Foreign Payloads | The Daily Planet\">\n"
    "<meta property=\"article:published_time\" content=\"2025-04-17T08:30:00+08:00\">\n"
    "<meta name=\"author\" content=\"Lois Lane\">\n"
    "<meta property=\"og:image\" content=\"/img/probe.jpg\">\n"
    "<meta property=\"article:section\" content=\"Science\">\n"
    "<meta property=\"article:modified_time\" content=\"2025-04-18T10:00:00Z\">\n"
    "<meta property=\"article:tag\" content=\"Moon\"><meta property=\"article:tag\" content=\"Space, moon\">\n"
    "<link rel=\"canonical\" href=\"/science/lunar-probe?utm_source=x\">\n"
    "<script>var nav = 'SCRIPTTEXT should never appear';</script>\n"
    "<style>.x{color:red}</style>\n"
    "</head><body>\n"
    "<header class=\"site-header\"><a href=\"/\">Home</a> <a href=\"/world\">World</a></header>\n"
    "<nav class=\"main-nav\"><ul><li><a href=\"/a\">Politics</a></li><li><a href=\"/b\">Business</a></li>"
    "<li><a href=\"/c\">Science</a></li></ul></nav>\n"
    "<div class=\"layout\">\n"
    "<article class=\"story\">\n"
    "<h1>Lunar Probe To Carry Foreign Payloads</h1>\n"
    "<p class=\"byline\">By Lois Lane</p>\n"
    "<div class=\"share-bar\"><a href=\"https://facebook.com/share\">Share on Facebook</a>"
    " <a href=\"https://twitter.com/share\">Tweet</a></div>\n"
    "<div class=\"story-body\">\n"
    "<p>China will carry fifteen international payloads on its Chang'e-8 lunar probe, officials said on "
    "Thursday, covering lunar robots, rovers and instruments from several countries.</p>\n"
    "<p>The selection includes projects from the European Space Agency, Pakistan and Thailand, which is this "
    "year's guest of honor at the national space day celebrations in Shanghai.</p>\n"
    "<h2>What happens next?</h2>\n"
    "<p>Engineers will integrate the instruments over the coming two years, with the launch planned for "
    "around 2028, according to the space administration's system engineering office.</p>\n"
    "<ul><li>Lunar robots and rovers, including a small walking robot</li>"
    "<li>Instruments to study the lunar surface and its environment</li></ul>\n"
    "<blockquote><p>International cooperation is open to every country that wants to take part.</p></blockquote>\n"
    "<figure><img src=\"a.jpg\"><figcaption>Photo: Image credit Agency FIGCAPTION</figcaption></figure>\n"
    "<p>The first results from a joint satellite program with France will also be released, giving scientists "
    "key data on extreme phenomena in the universe.</p>\n"
    "</div>\n"
    "</article>\n"
    "<aside class=\"sidebar\"><h3>Most read</h3><p>Some other very popular story that is not this one at all, "
    "with quite a lot of words in it.</p></aside>\n"
    "<div class=\"related-stories\"><h3>Related</h3><ul>"
    "<li><a href=\"/r1\">Another story about the moon and its many many craters</a></li>"
    "<li><a href=\"/r2\">Yet another story about rockets and launch pads</a></li></ul></div>\n"
    "</div>\n"
    "<footer class=\"site-footer\"><p>Copyright 2025 The Daily Planet. All rights reserved.</p></footer>\n"
    "<script>document.write('MORE SCRIPT');</script>\n"
    "</body></html>\n";

static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (!n || (n == 2 && *p < 0xC2)) return 0;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80) return 0;
        p += n;
    }
    return 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_realistic_page(void)
{
    char err[256] = "";
    parse_article_t *a = parse_article(page, strlen(page), "https://planet.example/science/lunar-probe-123", NULL,
                                       NULL, err, sizeof err);
    CHECK(a != NULL);
    if (!a) { fprintf(stderr, "err: %s\n", err); return; }
    static const char *want[][2] = {
        {"p", "China will carry fifteen international payloads on its Chang'e-8 lunar probe, officials said on "
              "Thursday, covering lunar robots, rovers and instruments from several countries."},
        {"p", "The selection includes projects from the European Space Agency, Pakistan and Thailand, which is this "
              "year's guest of honor at the national space day celebrations in Shanghai."},
        {"h2", "What happens next?"},
        {"p", "Engineers will integrate the instruments over the coming two years, with the launch planned for "
              "around 2028, according to the space administration's system engineering office."},
        {"li", "Lunar robots and rovers, including a small walking robot"},
        {"li", "Instruments to study the lunar surface and its environment"},
        {"quote", "International cooperation is open to every country that wants to take part."},
        {"p", "The first results from a joint satellite program with France will also be released, giving scientists "
              "key data on extreme phenomena in the universe."},
    };
    size_t nwant = sizeof want / sizeof want[0];
    CHECK_INT(a->nblocks, nwant);
    for (size_t i = 0; i < nwant && i < a->nblocks; i++) {
        CHECK_STR(a->blocks[i].kind, want[i][0]);
        CHECK_STR(a->blocks[i].text, want[i][1]);
    }
    /* nothing from the chrome */
    const char *bad[] = {"Politics", "Share on Facebook", "Tweet", "Most read", "Another story", "Copyright",
                         "SCRIPTTEXT", "MORE SCRIPT", "FIGCAPTION", "By Lois Lane", "Home"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strstr(a->text, bad[i])) fprintf(stderr, "boilerplate kept: %s\n", bad[i]);
        CHECK(strstr(a->text, bad[i]) == NULL);
    }
    /* text: blocks joined by blank lines, headings on their own lines */
    CHECK(strstr(a->text, "Shanghai.\n\nWhat happens next?\n\nEngineers") != NULL);
    CHECK(strncmp(a->text, "China will carry", 16) == 0);
    CHECK_STR(a->title, "Lunar Probe To Carry Foreign Payloads");
    CHECK_STR(a->byline, "Lois Lane");
    CHECK_STR(a->site_name, "The Daily Planet");
    CHECK_STR(a->language, "en");
    CHECK_STR(a->url, "https://planet.example/science/lunar-probe-123");
    CHECK_STR(a->canonical_url, "https://planet.example/science/lunar-probe");
    int64_t want_t = 0;
    parse_date("2025-04-17T00:30:00Z", &want_t);
    CHECK_INT(a->published_at, want_t);
    int words = 0;
    for (size_t i = 0; i < a->nblocks; i++) {
        int in = 0;
        for (const char *p = a->blocks[i].text; *p; p++) {
            if (*p == ' ' || *p == '\n') in = 0;
            else if (!in) { in = 1; words++; }
        }
    }
    CHECK_INT(a->word_count, words);

    json_t *j = parse_article_to_json(a);
    CHECK_STR(json_string_value(json_object_get(j, "published_at")), "2025-04-17T00:30:00Z");
    CHECK_STR(json_string_value(json_object_get(j, "title")), "Lunar Probe To Carry Foreign Payloads");
    CHECK_INT(json_array_size(json_object_get(j, "blocks")), nwant);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "blocks"), 2), "kind")), "h2");
    CHECK_INT(json_integer_value(json_object_get(j, "word_count")), a->word_count);
    CHECK(json_string_value(json_object_get(j, "text")) != NULL);
    /* additions: the page's own offset kept, modified date, image, section, tags */
    CHECK_STR(json_string_value(json_object_get(j, "published_at_local")), "2025-04-17T08:30:00+08:00");
    CHECK_STR(json_string_value(json_object_get(j, "modified_at")), "2025-04-18T10:00:00Z");
    CHECK_STR(json_string_value(json_object_get(j, "image")), "https://planet.example/img/probe.jpg");
    CHECK_STR(json_string_value(json_object_get(j, "section")), "Science");
    CHECK_INT(json_array_size(json_object_get(j, "tags")), 2);
    CHECK_STR(json_string_value(json_array_get(json_object_get(j, "tags"), 1)), "Space");
    json_decref(j);

    char *md = parse_article_render(a, "markdown");
    CHECK(md && strncmp(md, "# Lunar Probe To Carry Foreign Payloads\n", 40) == 0);
    CHECK(md && strstr(md, "\n## What happens next?\n") != NULL);
    CHECK(md && strstr(md, "\n- Lunar robots and rovers") != NULL);
    CHECK(md && strstr(md, "\n> International cooperation") != NULL);
    free(md);
    char *txt = parse_article_render(a, "text");
    CHECK(txt && strstr(txt, "Lunar Probe To Carry Foreign Payloads\n\nChina will carry") == txt);
    free(txt);
    CHECK(parse_article_render(a, "pdf") == NULL);
    parse_article_destroy(&a);
    CHECK(a == NULL);
    parse_article_destroy(&a);   /* safe twice */
}

static const char *para_cp1252 =
    "<html><head><title>Caf\xE9 society</title></head><body><article>"
    "<p>The caf\xE9 on the corner served cr\xE8me br\xFBl\xE9" "e, and the owner said \x93we are open\x94 "
    "to everyone \x96 even on Sundays, when the na\xEFve tourists arrive.</p>"
    "<p>A second paragraph with enough words to count as the body of a short article page.</p>"
    "</article></body></html>";

static void test_windows_1252(void)
{
    char err[256] = "";
    /* undeclared, not valid UTF-8: windows-1252 */
    parse_article_t *a = parse_article(para_cp1252, strlen(para_cp1252), NULL, NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) {
        CHECK(utf8_ok(a->text));
        CHECK(strstr(a->text, "The caf\xC3\xA9 on the corner served cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e") != NULL);
        CHECK(strstr(a->text, "\xE2\x80\x9Cwe are open\xE2\x80\x9D") != NULL);   /* curly quotes */
        CHECK(strstr(a->text, "everyone \xE2\x80\x93 even") != NULL);             /* en dash */
        CHECK_STR(a->title, "Caf\xC3\xA9 society");
        parse_article_destroy(&a);
    }
    /* the HTTP header wins over a wrong meta tag */
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, "<html><head><meta charset=\"utf-8\"></head>");
    nm_buf_puts(&b, para_cp1252 + strlen("<html><head><title>Caf\xE9 society</title></head>"));
    a = parse_article(b.data, b.len, NULL, "text/html; charset=ISO-8859-1", NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) {
        CHECK(strstr(a->text, "\xE2\x80\x9Cwe are open\xE2\x80\x9D") != NULL);
        parse_article_destroy(&a);
    }
    /* declared UTF-8 over windows-1252 bytes: the label is wrong, detection decodes it */
    a = parse_article(b.data, b.len, NULL, NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) {
        CHECK(utf8_ok(a->text));
        CHECK(strstr(a->text, "The caf\xC3\xA9 on the corner") != NULL);
        CHECK(strstr(a->text, "\xEF\xBF\xBD") == NULL);
        parse_article_destroy(&a);
    }
    nm_buf_free(&b);
    /* real UTF-8 with one broken byte: stays UTF-8, the byte becomes U+FFFD */
    const char *one_bad = "<html><head><meta charset=utf-8></head><body><article><p>Caf\xC3\xA9 cr\xC3\xA8me "
                          "na\xC3\xAFve \xE2\x80\x9Cquoted\xE2\x80\x9D and one broken \xFF byte in a long enough "
                          "paragraph of text.</p></article></body></html>";
    a = parse_article(one_bad, strlen(one_bad), NULL, NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) {
        CHECK(strstr(a->text, "Caf\xC3\xA9 cr\xC3\xA8me") != NULL);
        CHECK(strstr(a->text, "broken \xEF\xBF\xBD byte") != NULL);
        parse_article_destroy(&a);
    }
    /* a legacy label over UTF-8 bytes (a stale template): UTF-8 wins, no mojibake */
    const char *stale = "<html><head><meta charset=iso-8859-1></head><body><article><p>Caf\xC3\xA9 cr\xC3\xA8me "
                        "na\xC3\xAFve \xE2\x80\x9Cquoted\xE2\x80\x9D in a long enough paragraph of text.</p>"
                        "</article></body></html>";
    a = parse_article(stale, strlen(stale), NULL, NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) {
        CHECK(strstr(a->text, "Caf\xC3\xA9 cr\xC3\xA8me na\xC3\xAFve \xE2\x80\x9Cquoted\xE2\x80\x9D") != NULL);
        parse_article_destroy(&a);
    }
}

/* Script/style bodies and comments are removed before parsing (speed):
 * markup-like text inside them must not leak or break the tree, JSON-LD
 * must still be read, framework comments must still split text. */
static void test_raw_text_stripping(void)
{
    const char *html =
        "<!doctype html><!--[if gt IE 8]><!--><html lang=\"en\"><!--<![endif]--><head>"
        "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"From JSON-LD\","
        "\"datePublished\":\"2024-02-03T10:00:00-05:00\",\"author\":{\"@type\":\"Person\",\"name\":\"Ann Lee\"}}</script>"
        "<style>p::after{content:'</p><p>STYLE LEAK'}</style>"
        "<SCRIPT>var s = '<div>SCRIPT LEAK</div>'; if (a<b) {}</SCRIPT >"
        "</head><body><article>"
        "<!-- a long comment with <p>COMMENT LEAK that is long enough to be removed</p> -->"
        "<p>First paragraph of the story, long enough to be article text for the extractor.</p>"
        "<script>document.write('</scr' + 'ipt>')</script>"
        "<p>Second paragraph<!-- --> continues here, also long enough to be kept as text.</p>"
        "</article></body></html>";
    char err[256] = "";
    parse_article_t *a = parse_article(html, strlen(html), NULL, NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) {
        CHECK(strstr(a->text, "LEAK") == NULL);
        CHECK(strstr(a->text, "First paragraph of the story") != NULL);
        CHECK(strstr(a->text, "Second paragraph continues here") != NULL);
        CHECK_STR(a->byline, "Ann Lee");
        CHECK_INT(a->published_tz, -300);
        CHECK_INT(a->published_tz_known, 1);
        parse_article_destroy(&a);
    }
    /* an unterminated script swallows nothing before it */
    const char *open_script = "<html><body><article><p>Visible paragraph before a script that never ends, "
                              "with enough words.</p><script>var x = '<p>never closed";
    a = parse_article(open_script, strlen(open_script), NULL, NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) CHECK(strstr(a->text, "Visible paragraph before a script") != NULL);
    parse_article_destroy(&a);
}

/* Undeclared language: detected from the text (stopwords, scripts). */
static void test_language(void)
{
    static const struct { const char *para, *want; } cases[] = {
        {"The council said on Monday that it would not be able to approve the plan, which has been the subject of "
         "a long debate in the city, and that the mayor was expected to announce a new budget for the schools.", "en"},
        {"Der Stadtrat hat am Montag mitgeteilt, dass er den Plan nicht genehmigen wird, der in der Stadt seit "
         "langem umstritten ist, und dass die Buergermeisterin einen neuen Haushalt fuer die Schulen vorlegen wird.", "de"},
        {"Le conseil municipal a indiqu\xC3\xA9 lundi qu'il ne pourrait pas approuver le projet, qui fait l'objet "
         "d'un long d\xC3\xA9" "bat dans la ville, et que la maire devait annoncer un nouveau budget pour les \xC3\xA9" "coles.", "fr"},
        {"El consejo de la ciudad dijo el lunes que no podr\xC3\xAD" "a aprobar el plan, que ha sido objeto de un largo "
         "debate en la ciudad, y que la alcaldesa anunciar\xC3\xA1 un nuevo presupuesto para las escuelas.", "es"},
        {"\xD0\x93\xD0\xBE\xD1\x80\xD0\xBE\xD0\xB4\xD1\x81\xD0\xBA\xD0\xBE\xD0\xB9 \xD1\x81\xD0\xBE\xD0\xB2\xD0\xB5\xD1\x82 "
         "\xD0\xB7\xD0\xB0\xD1\x8F\xD0\xB2\xD0\xB8\xD0\xBB \xD0\xB2 \xD0\xBF\xD0\xBE\xD0\xBD\xD0\xB5\xD0\xB4\xD0\xB5\xD0\xBB\xD1\x8C\xD0\xBD\xD0\xB8\xD0\xBA "
         "\xD1\x87\xD1\x82\xD0\xBE \xD0\xBD\xD0\xB5 \xD1\x81\xD0\xBC\xD0\xBE\xD0\xB6\xD0\xB5\xD1\x82 \xD0\xBE\xD0\xB4\xD0\xBE\xD0\xB1\xD1\x80\xD0\xB8\xD1\x82\xD1\x8C "
         "\xD0\xBF\xD0\xBB\xD0\xB0\xD0\xBD \xD0\xB3\xD0\xBE\xD1\x80\xD0\xBE\xD0\xB4\xD0\xB0 \xD0\xB8 \xD0\xB1\xD1\x8E\xD0\xB4\xD0\xB6\xD0\xB5\xD1\x82 "
         "\xD0\xB4\xD0\xBB\xD1\x8F \xD1\x88\xD0\xBA\xD0\xBE\xD0\xBB \xD0\xB3\xD0\xBE\xD1\x80\xD0\xBE\xD0\xB4\xD0\xB0 \xD0\xB2 \xD1\x8D\xD1\x82\xD0\xBE\xD0\xBC "
         "\xD0\xB3\xD0\xBE\xD0\xB4\xD1\x83 \xD0\xB8 \xD0\xB2 \xD1\x81\xD0\xBB\xD0\xB5\xD0\xB4\xD1\x83\xD1\x8E\xD1\x89\xD0\xB5\xD0\xBC.", "ru"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nm_buf_t b;
        nm_buf_init(&b, 0);
        nm_buf_puts(&b, "<html><body><article><p>");
        nm_buf_puts(&b, cases[i].para);
        nm_buf_puts(&b, "</p><p>");
        nm_buf_puts(&b, cases[i].para);
        nm_buf_puts(&b, "</p></article></body></html>");
        char err[256] = "";
        parse_article_t *a = parse_article(b.data, b.len, NULL, NULL, NULL, err, sizeof err);
        CHECK(a != NULL);
        if (a) {
            CHECK_STR(a->language, cases[i].want);
            CHECK_INT(a->language_detected, 1);
        }
        parse_article_destroy(&a);
        nm_buf_free(&b);
    }
}

/* Undeclared CJK pages: uchardet finds the charset from the bytes. */
static void test_undeclared_cjk(void)
{
    static const struct { const char *name, *para, *want; } cases[] = {
        /* 中文新闻报道，今天的天气很好。 in GBK / Big5; ニュースの記事です。 in Shift_JIS */
        {"GBK", "\xD6\xD0\xCE\xC4\xD0\xC2\xCE\xC5\xB1\xA8\xB5\xC0\xA3\xAC\xBD\xF1\xCC\xEC\xB5\xC4"
                "\xCC\xEC\xC6\xF8\xBA\xDC\xBA\xC3\xA1\xA3",
         "\xE4\xB8\xAD\xE6\x96\x87\xE6\x96\xB0\xE9\x97\xBB"},
        {"Big5", "\xA4\xA4\xA4\xE5\xB7\x73\xBB\x44\xB3\xF8\xBE\xC9\xA1\x41\xA4\xB5\xA4\xD1\xAA\xBA"
                 "\xA4\xD1\xAE\xF0\xAB\xDC\xA6\x6E\xA1\x43",
         "\xE4\xB8\xAD\xE6\x96\x87\xE6\x96\xB0\xE8\x81\x9E"},
        {"Shift_JIS", "\x83\x6A\x83\x85\x81\x5B\x83\x58\x82\xCC\x8B\x4C\x8E\x96\x82\xC5\x82\xB7\x81\x42"
                      "\x8D\xA1\x93\xFA\x82\xCC\x93\x56\x8B\x43\x82\xCD\x82\xE6\x82\xA2\x82\xC5\x82\xB7\x81\x42",
         "\xE3\x83\x8B\xE3\x83\xA5\xE3\x83\xBC\xE3\x82\xB9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nm_buf_t b;
        nm_buf_init(&b, 0);
        nm_buf_puts(&b, "<html><head><title>t</title></head><body><div class=\"content\">");
        for (int k = 0; k < 12; k++) { nm_buf_puts(&b, "<p>"); nm_buf_puts(&b, cases[i].para); nm_buf_puts(&b, cases[i].para); nm_buf_puts(&b, "</p>"); }
        nm_buf_puts(&b, "</div></body></html>");
        const char *cs = NULL;
        size_t ul = 0;
        char *u = parse_html_to_utf8(b.data, b.len, NULL, &ul, &cs);
        if (!strstr(u, cases[i].want)) fprintf(stderr, "%s: detected as %s\n", cases[i].name, cs ? cs : "?");
        CHECK(utf8_ok(u));
        CHECK(strstr(u, cases[i].want) != NULL);
        free(u);
        /* and a page whose declared charset is wrong (windows-1252 for CJK bytes) */
        char err[256] = "";
        parse_article_t *a = parse_article(b.data, b.len, NULL, "text/html; charset=iso-8859-1", NULL, err, sizeof err);
        CHECK(a != NULL);
        if (a) CHECK(utf8_ok(a->text) && strstr(a->text, cases[i].want) != NULL);
        parse_article_destroy(&a);
        nm_buf_free(&b);
    }
}

static void test_gbk(void)
{
    /* "中文新闻" in GBK: D6D0 CEC4 D0C2 CEC5; "，" A3AC; "。" A1A3 */
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
                    "<title>\xD6\xD0\xCE\xC4\xD0\xC2\xCE\xC5</title></head><body><div class=\"content\">");
    for (int i = 0; i < 4; i++)
        nm_buf_puts(&b, "<p>\xD6\xD0\xCE\xC4\xD0\xC2\xCE\xC5\xA3\xAC\xD6\xD0\xCE\xC4\xD0\xC2\xCE\xC5\xA3\xAC"
                        "\xD6\xD0\xCE\xC4\xD0\xC2\xCE\xC5\xA1\xA3</p>");
    nm_buf_puts(&b, "</div></body></html>");
    char err[256] = "";
    parse_article_t *a = parse_article(b.data, b.len, NULL, NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) {
        CHECK(utf8_ok(a->text));
        CHECK(strncmp(a->text, "\xE4\xB8\xAD\xE6\x96\x87\xE6\x96\xB0\xE9\x97\xBB\xEF\xBC\x8C", 15) == 0);
        CHECK_STR(a->title, "\xE4\xB8\xAD\xE6\x96\x87\xE6\x96\xB0\xE9\x97\xBB");
        CHECK_INT(a->nblocks, 4);
        parse_article_destroy(&a);
    }
    nm_buf_free(&b);
}

static void expect_reject(const char *data, size_t len, const char *why_part, const parse_html_opts_t *opts)
{
    char err[256] = "";
    parse_article_t *a = parse_article(data, len, NULL, NULL, opts, err, sizeof err);
    CHECK(a == NULL);
    parse_article_destroy(&a);
    if (!strstr(err, why_part)) fprintf(stderr, "reason \"%s\" lacks \"%s\"\n", err, why_part);
    CHECK(strstr(err, why_part) != NULL);
}

static void test_not_html(void)
{
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0";
    expect_reject(png, sizeof png - 1, "PNG", NULL);
    static const char bin[] = "abc\0def\0\x01\x02<html>";
    expect_reject(bin, sizeof bin - 1, "binary", NULL);
    const char *json = "  {\"title\": \"<p>not a page</p>\", \"items\": [1, 2, 3]}";
    expect_reject(json, strlen(json), "JSON", NULL);
    const char *rss = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title>"
                      "<item><title>A</title><description>&lt;p&gt;x&lt;/p&gt;</description></item></channel></rss>";
    expect_reject(rss, strlen(rss), "feed", NULL);
    const char *atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title></feed>";
    expect_reject(atom, strlen(atom), "feed", NULL);
    expect_reject("", 0, "empty", NULL);
    expect_reject(NULL, 0, "empty", NULL);
    expect_reject(" \n\t ", 4, "empty", NULL);
    const char *nav_only = "<html><body><nav><a href=/>Home</a></nav><script>x()</script></body></html>";
    expect_reject(nav_only, strlen(nav_only), "no main text", NULL);
    parse_html_opts_t small = {.max_bytes = 100, .max_depth = 0};
    expect_reject(page, strlen(page), "too large", &small);
}

static void test_hostile(void)
{
    /* 100k-deep nesting: must not recurse per level, must finish quickly */
    nm_buf_t b;
    nm_buf_init(&b, 0);
    for (int i = 0; i < 100000; i++) nm_buf_puts(&b, "<div>");
    nm_buf_puts(&b, "<p>Deep text that is long enough to be considered a paragraph of an article body.</p>");
    char err[256] = "";
    double t0 = now();
    parse_article_t *a = parse_article(b.data, b.len, NULL, NULL, NULL, err, sizeof err);
    double dt = now() - t0;
    fprintf(stderr, "100k-deep nesting: %.3f s (%s)\n", dt, a ? "article" : err);
    CHECK(dt < 5.0);
    if (a) CHECK(utf8_ok(a->text));
    parse_article_destroy(&a);

    /* deep nesting with a small depth budget still gives the shallow text */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body><p>Shallow paragraph with plenty of words in it so that it counts, really.</p>");
    for (int i = 0; i < 2000; i++) nm_buf_puts(&b, "<span><div>");
    nm_buf_puts(&b, "deep</body></html>");
    parse_html_opts_t o = {.max_bytes = 0, .max_depth = 64};
    a = parse_article(b.data, b.len, NULL, NULL, &o, err, sizeof err);
    CHECK(a != NULL);
    if (a) CHECK(strstr(a->text, "Shallow paragraph") != NULL);
    parse_article_destroy(&a);

    /* 1 MiB of tiny elements */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body>");
    while (b.len < 1024 * 1024) nm_buf_puts(&b, "<p><b>x</b><i>y, </i></p><a href=#>z</a><div></div>");
    nm_buf_puts(&b, "</body></html>");
    t0 = now();
    a = parse_article(b.data, b.len, NULL, NULL, NULL, err, sizeof err);
    dt = now() - t0;
    fprintf(stderr, "1 MiB of tiny elements: %.3f s (%s)\n", dt, a ? "article" : err);
    CHECK(dt < 5.0);
    parse_article_destroy(&a);

    /* 1 MiB of unclosed tags and attribute soup */
    nm_buf_reset(&b);
    while (b.len < 1024 * 1024) nm_buf_puts(&b, "<svg><a class=\"share share share\" style=\"display:none\"><td><li>w, ");
    t0 = now();
    a = parse_article(b.data, b.len, NULL, NULL, NULL, err, sizeof err);
    dt = now() - t0;
    fprintf(stderr, "1 MiB of tag soup: %.3f s (%s)\n", dt, a ? "article" : err);
    CHECK(dt < 5.0);
    parse_article_destroy(&a);
    nm_buf_free(&b);
}

/* Each 1 MiB adversarial page finishes in under 2 s or is refused with a reason. */
static void expect_fast(const char *what, const nm_buf_t *b, const parse_html_opts_t *o, const char *want)
{
    char err[256] = "";
    double t0 = now();
    parse_article_t *a = parse_article(b->data, b->len, NULL, NULL, o, err, sizeof err);
    double dt = now() - t0;
    fprintf(stderr, "%s (%zu bytes): %.3f s (%s)\n", what, b->len, dt, a ? "article" : err);
    CHECK(dt < 2.0);
    if (a) CHECK(utf8_ok(a->text) && (!a->title || utf8_ok(a->title)));
    else CHECK(err[0] != 0);
    if (want && a) CHECK(strstr(a->text, want) != NULL);
    if (want && !a) fprintf(stderr, "  expected an article containing \"%s\"\n", want);
    if (want) CHECK(a != NULL);
    parse_article_destroy(&a);
}

static void test_adversarial_1mib(void)
{
    const size_t MiB = 1024 * 1024;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    const char *para = "<p>Real words of a real paragraph, long enough to be kept as the article text.</p>";

    /* deep nesting: 1 MiB of open divs around a paragraph (kept: above the depth cap) */
    nm_buf_puts(&b, "<html><body><article>");
    nm_buf_puts(&b, para);
    while (b.len < MiB) nm_buf_puts(&b, "<div><section>");
    nm_buf_puts(&b, "<p>deep</p></article></body></html>");
    expect_fast("deep nesting", &b, NULL, "Real words");

    /* millions of tiny elements: refused by the element budget before parsing */
    nm_buf_reset(&b);
    while (b.len < 3 * MiB) nm_buf_puts(&b, "<b>");
    expect_fast("3 MiB of <b>", &b, NULL, NULL);
    char err[256] = "";
    parse_article_t *a = parse_article(b.data, b.len, NULL, NULL, NULL, err, sizeof err);
    CHECK(a == NULL && strstr(err, "too many elements") != NULL);
    parse_article_destroy(&a);
    /* ... and the budget follows the configured size cap */
    parse_html_opts_t tight = {.max_bytes = 64 * 1024, .max_depth = 0};
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body>");
    nm_buf_puts(&b, para);
    while (b.len < 40 * 1024) nm_buf_puts(&b, "<b>");   /* ~13,000 elements in 40 KiB */
    a = parse_article(b.data, b.len, NULL, NULL, &tight, err, sizeof err);
    CHECK(a == NULL && strstr(err, "too many elements") != NULL);
    parse_article_destroy(&a);
    a = parse_article(b.data, b.len, NULL, NULL, NULL, err, sizeof err);   /* default cap: fine */
    CHECK(a != NULL);
    parse_article_destroy(&a);
    /* 1 MiB of tiny elements under the budget: parsed */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body>");
    nm_buf_puts(&b, para);
    while (b.len < MiB) nm_buf_puts(&b, "<i>a</i><b></b>");
    expect_fast("1 MiB of tiny elements", &b, NULL, "Real words");

    /* huge attributes: one 1 MiB class, and thousands of long ones */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body><div class=\"");
    while (b.len < MiB) nm_buf_puts(&b, "share related comment content article ");
    nm_buf_puts(&b, "\">");
    nm_buf_puts(&b, para);
    nm_buf_puts(&b, "</div></body></html>");
    expect_fast("1 MiB attribute", &b, NULL, NULL);
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body><article>");
    nm_buf_puts(&b, para);
    while (b.len < MiB) {
        nm_buf_puts(&b, "<span class=\"");
        for (int i = 0; i < 20; i++) nm_buf_puts(&b, "author-byline-date ");
        nm_buf_puts(&b, "\" style=\"");
        for (int i = 0; i < 10; i++) nm_buf_puts(&b, "color: red; ");
        nm_buf_puts(&b, "\">w</span>");
    }
    nm_buf_puts(&b, "</article></body></html>");
    expect_fast("many long attributes", &b, NULL, "Real words");
    /* 100k attributes on one tag: libxml2 alone is quadratic here (minutes);
     * attributes past the cap are dropped before it sees them */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body><div id=\"keep\"");
    for (int i = 0; i < 100000; i++) nm_buf_printf(&b, " a%d=\"x\"", i);
    nm_buf_puts(&b, ">");
    nm_buf_puts(&b, para);
    nm_buf_puts(&b, "</div></body></html>");
    expect_fast("100k attributes on one tag", &b, NULL, "Real words");
    /* an attribute quote that never closes: no hang, no crash */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body>");
    nm_buf_puts(&b, para);
    nm_buf_puts(&b, "<div a=\"");
    while (b.len < MiB) nm_buf_puts(&b, "<p x=1 y=2>");
    expect_fast("unclosed attribute quote", &b, NULL, NULL);

    /* endless entities, named, numeric, broken and double-escaped */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><head><title>&amp;amp;&#8217;&#x1F600;</title></head><body><article>");
    nm_buf_puts(&b, para);
    nm_buf_puts(&b, "<p>");
    while (b.len < MiB) nm_buf_puts(&b, "&amp;&lt;&#65;&#x42;&nbsp;&eacute;&#0;&#xD800;&#99999999;&bogus;&amp");
    nm_buf_puts(&b, "</p></article></body></html>");
    expect_fast("1 MiB of entities", &b, NULL, "Real words");

    /* unterminated comment / script swallowing the rest */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body><article>");
    nm_buf_puts(&b, para);
    nm_buf_puts(&b, "<!--");
    while (b.len < MiB) nm_buf_puts(&b, "<p>inside a comment</p><script>");
    expect_fast("unterminated comment", &b, NULL, "Real words");
    nm_buf_free(&b);
}

/* Title and date rules of the third extraction round. */
static parse_article_t *ex3(const char *head, const char *body)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_printf(&b, "<html><head>%s</head><body>%s<article>", head, body);
    for (int i = 0; i < 6; i++)
        nm_buf_puts(&b, "<p>The committee met on Tuesday to review the budget and agreed, after a long debate that "
                        "ran past midnight, to fund the new library wing and to repair the old bridge.</p>");
    nm_buf_puts(&b, "</article></body></html>");
    char err[256] = "";
    parse_article_t *a = parse_article(b.data, b.len, "https://news.example/a/1", NULL, NULL, err, sizeof err);
    nm_buf_free(&b);
    CHECK(a != NULL);
    return a;
}

static void test_titles_dates(void)
{
    /* a logo h1 (one link to the front page) is not the headline */
    parse_article_t *a = ex3("<title>Budget Vote Ends in Compromise</title>",
                             "<header><h1><a href=\"/\">Town Crier Weekly</a></h1></header>");
    if (a) CHECK_STR(a->title, "Budget Vote Ends in Compromise");
    parse_article_destroy(&a);
    /* an h1 repeating the whole document title: the site part cut */
    a = ex3("<title>Budget Vote Ends in Compromise | Opinion</title>",
            "<h1>Budget Vote Ends in Compromise | Opinion</h1>");
    if (a) CHECK_STR(a->title, "Budget Vote Ends in Compromise");
    parse_article_destroy(&a);
    /* a site named by its host is cut even after a two-word title */
    a = ex3("<title>GAME CHANGER | Newegg.com</title>", "");
    if (a) CHECK_STR(a->title, "GAME CHANGER");
    parse_article_destroy(&a);
    /* the h1 naming the site (the title's tail) is not the headline */
    a = ex3("<title>Budget Vote Ends in Compromise - Yoga Pathways</title>", "<h1>Yoga Pathways</h1>");
    if (a) CHECK_STR(a->title, "Budget Vote Ends in Compromise");
    parse_article_destroy(&a);
    /* the structured date shown under the headline wins over a sidebar date before it */
    a = ex3("<meta property=\"article:published_time\" content=\"2017-04-21T20:40:00+00:00\">",
            "<div>March 29, 2025</div><h1>Budget Vote Ends in Compromise</h1><p>Apr 21, 2017</p>");
    if (a) CHECK_INT(a->published_at / 86400, 1492807200 / 86400);
    parse_article_destroy(&a);
    /* nothing declared: the first date shown in the header area */
    a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><p>Posted on April 13, 2023</p>");
    if (a) CHECK_INT(a->published_at / 86400, 1681344000 / 86400);
    parse_article_destroy(&a);
}

/* Date rules of the fourth extraction round. */
static void test_round4_dates(void)
{
    /* a date line with a time glued after the year ("@08:00PM", "at 3:00 am ·") */
    parse_article_t *a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><p>Posted by beauhd on Friday December 19, 2025 @08:00PM</p>");
    if (a) CHECK_INT(a->published_at / 86400, 1766102400 / 86400);
    parse_article_destroy(&a);
    a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><span>by Amanda</span><span>\xC2\xB7 Dec 20, 2025 at 3:00 am \xC2\xB7</span>");
    if (a) CHECK_INT(a->published_at / 86400, 1766188800 / 86400);
    parse_article_destroy(&a);
    /* nothing declared, nothing near the headline: a labelled date further down */
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, "<h1>Budget Vote Ends in Compromise</h1>");
    for (int i = 0; i < 45; i++) nm_buf_printf(&b, "<p>Line %d of the council minutes.</p>", i);
    nm_buf_puts(&b, "<p>A reader's note from 2019.</p><p>Last updated: November 13, 2025</p>");
    a = ex3("", b.data);
    if (a) CHECK_INT(a->published_at / 86400, 1762992000 / 86400);
    parse_article_destroy(&a);
    nm_buf_free(&b);
    /* the <time> under the headline: its datetime beats its ambiguous text
     * and a sidebar's earlier <time> */
    a = ex3("", "<aside><time datetime=\"2025-01-31\">Jan 31</time></aside><h1>Budget Vote Ends in Compromise</h1>"
                "<time datetime=\"2017-03-01T12:00:00Z\">03/01/2017</time>");
    if (a) CHECK_INT(a->published_at / 86400, 1488369600 / 86400);
    parse_article_destroy(&a);
    /* "<time>Last Updated: ...</time>": an update, the publication date stays */
    a = ex3("<meta property=\"article:published_time\" content=\"2020-05-13T20:03:25+00:00\">"
            "<meta property=\"article:modified_time\" content=\"2025-01-02T15:06:08+00:00\">",
            "<h1>Budget Vote Ends in Compromise</h1><time datetime=\"2025-01-02\">Last Updated: Jan 2, 2025</time>");
    if (a) CHECK_INT(a->published_at / 86400, 1589400205 / 86400);
    parse_article_destroy(&a);
    /* a date labelled as an update beside a plain one: the plain one */
    a = ex3("", "<span>December 22, 2022</span><span>Updated: January 2, 2026</span><h1>Budget Vote Ends in Compromise</h1>");
    if (a) CHECK_INT(a->published_at / 86400, 1671667200 / 86400);
    parse_article_destroy(&a);
    /* a run of different days under the headline is a list of posts: the declared date */
    a = ex3("<meta property=\"article:published_time\" content=\"2017-04-21T20:40:00+00:00\">",
            "<h1>Budget Vote Ends in Compromise</h1><ul><li>March 29, 2025</li><li>March 27, 2025</li>"
            "<li>March 24, 2025</li><li>March 22, 2025</li></ul>");
    if (a) CHECK_INT(a->published_at / 86400, 1492807200 / 86400);
    parse_article_destroy(&a);
    /* the declared "published" day shown labelled "Updated": the shown publication date */
    a = ex3("<meta property=\"article:published_time\" content=\"2025-08-21T10:00:00+00:00\">",
            "<h1>Budget Vote Ends in Compromise</h1><div>Published <span>Apr 26, 2023</span></div>"
            "<div>Updated <span>Aug 21, 2025</span></div>");
    if (a) CHECK_INT(a->published_at / 86400, 1682467200 / 86400);
    parse_article_destroy(&a);
}

/* Author rules of the fourth extraction round. */
static void test_round4_authors(void)
{
    /* a personal site names its author only in the copyright line */
    parse_article_t *a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><footer>&copy; 2025 Toby Hede. All rights reserved.</footer>");
    if (a) CHECK_STR(a->byline, "Toby Hede");
    parse_article_destroy(&a);
    a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><footer>\xC2\xA9 2019-2025 Diana Intelligence Corp, All rights reserved.</footer>");
    if (a) CHECK(a->byline == NULL);
    parse_article_destroy(&a);
    a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><footer>\xC2\xA9 2025 98 Buck Social</footer>");
    if (a) CHECK(a->byline == NULL);
    parse_article_destroy(&a);
    /* an author box's sentence far below the headline */
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, "<h1>Budget Vote Ends in Compromise</h1>");
    for (int i = 0; i < 70; i++) nm_buf_printf(&b, "<p>Line %d of the council minutes.</p>", i);
    nm_buf_puts(&b, "<div class=\"bio\">This post was written by Danielle Padula, Head of Marketing.</div>");
    a = ex3("", b.data);
    if (a) CHECK_STR(a->byline, "Danielle Padula");
    parse_article_destroy(&a);
    nm_buf_free(&b);
    /* the name line of an author box; a page-wide flag class naming "author-name" is not one */
    a = ex3("", "<div class=\"tweak-blog-item-show-author-name\"><h1>Budget Vote Ends in Compromise</h1>"
                "<div class=\"elementor-author-box\"><h4 class=\"elementor-author-box__name\">Liz Kenny</h4>"
                "<div class=\"elementor-author-box__bio\">Liz writes about consulting.</div></div></div>");
    if (a) CHECK_STR(a->byline, "Liz Kenny");
    parse_article_destroy(&a);
    /* a one-word byline ("NB") and the full name in a "By" line: the full name */
    a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><span class=\"author\">NB</span><p>By Nicole Burke</p>");
    if (a) CHECK_STR(a->byline, "Nicole Burke");
    parse_article_destroy(&a);
    /* the publication listed after the authors of a syndicated piece */
    a = ex3("<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"author\":{\"@type\":\"Person\","
            "\"name\":\"Jane Doe and John Roe, The Daily Planet\"},\"publisher\":{\"@type\":\"Organization\","
            "\"name\":\"The Daily Planet\"}}</script>", "<h1>Budget Vote Ends in Compromise</h1>");
    if (a) CHECK_STR(a->byline, "Jane Doe and John Roe");
    parse_article_destroy(&a);
}

/* Content rules of the fourth extraction round. */
static void test_round4_content(void)
{
    const char *para = "<p>The committee met on Tuesday to review the budget and agreed, after a long debate that ran "
                       "past midnight, to fund the new library wing and to repair the old bridge.</p>";
    /* React streaming: the hidden segment takes the placeholder's place, the fallback goes */
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_printf(&b, "<html><body><main><article><h1>Budget Vote</h1>%s%s<!--$?--><template id=\"B:0\"></template>"
                      "<div>Loading paragraph...</div><!--/$-->%s<template id=\"P:1\"></template></article></main>"
                      "<div hidden id=\"S:0\"><p>Streamed words arrive after the shell, as the readers scroll "
                      "down the page to the second half of the story.</p></div>"
                      "<div hidden id=\"S:1\"><p>A nested segment finishes the report with the vote count.</p></div>"
                      "<div hidden id=\"S:2\"><template id=\"B:2\"></template></div></body></html>",
                  para, para, para);
    char err[256] = "";
    parse_article_t *a = parse_article(b.data, b.len, "https://news.example/a/1", NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) {
        CHECK(strstr(a->text, "Streamed words arrive") != NULL);
        CHECK(strstr(a->text, "A nested segment") != NULL);
        CHECK(strstr(a->text, "Loading paragraph") == NULL);
        /* in reading order: the streamed paragraph before the last shell paragraph's successor */
        CHECK(strstr(a->text, "Streamed words") < strstr(a->text, "A nested segment"));
    }
    parse_article_destroy(&a);
    /* hostile React markup: a segment inside its own boundary's fallback, two
     * segments holding each other's templates: no crash, no loop */
    nm_buf_reset(&b);
    nm_buf_printf(&b, "<html><body><article>%s%s<!--$?--><template id=\"B:0\"></template><div hidden id=\"S:0\">"
                      "<p>x</p></div><!--/$--><div hidden id=\"S:3\"><template id=\"B:4\"></template></div>"
                      "<div hidden id=\"S:4\"><template id=\"B:3\"></template></div>%s</article></body></html>",
                  para, para, para);
    a = parse_article(b.data, b.len, "https://news.example/a/1", NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    parse_article_destroy(&a);
    /* a newsletter issue: the page's <article> inside "newsletter"-classed wrappers stays */
    nm_buf_reset(&b);
    nm_buf_puts(&b, "<html><body><nav>");
    for (int i = 0; i < 20; i++)   /* more text outside the article than in it */
        nm_buf_printf(&b, "<a href=\"/s/%d\">Section %d of the newsletter archive with its long descriptive menu label</a>", i, i);
    nm_buf_puts(&b, "</nav><main><section class=\"section-hero cc-newsletter\"><article class=\"newsletter-content\">"
                    "<div class=\"rich-text-newsletter-cms\">");
    for (int i = 0; i < 8; i++) nm_buf_puts(&b, para);
    nm_buf_puts(&b, "</div></article></section><section class=\"signup\"><p>Join 800,000 subscribers today.</p></section>"
                    "<footer><p>Lots of footer text about the company and its many offices in many towns.</p></footer>"
                    "</main></body></html>");
    a = parse_article(b.data, b.len, "https://news.example/a/1", NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) CHECK(strstr(a->text, "fund the new library wing") != NULL);
    parse_article_destroy(&a);
    /* a highlighter's "comment" span inside code is code */
    nm_buf_reset(&b);
    nm_buf_printf(&b, "<html><body><article>%s%s<pre><code><span class=\"hljs-comment\"># stage every change</span>\n"
                      "git add -A</code></pre>%s</article></body></html>", para, para, para);
    a = parse_article(b.data, b.len, "https://news.example/a/1", NULL, NULL, err, sizeof err);
    CHECK(a != NULL);
    if (a) CHECK(strstr(a->text, "# stage every change") != NULL);
    parse_article_destroy(&a);
    nm_buf_free(&b);
}

/* The day (unix days) of a "YYYY-MM-DD" string, for comparisons. */
static int64_t day_of(const char *ymd)
{
    int64_t t = 0;
    CHECK(parse_date(ymd, &t) == 0);
    return t / 86400;
}

static void test_round5_dates(void)
{
    const char *h1 = "<h1>Budget Vote Ends in Compromise</h1>";
    char body[1024];
    /* an all-digit date under the headline read day-first ("09.10.2024")
     * while the markup declares that day month-first: the declared day */
    snprintf(body, sizeof body, "%s<p class=\"post-date\">09.10.2024</p>", h1);
    parse_article_t *a = ex3("<script type=\"application/ld+json\">{\"@type\":\"BlogPosting\",\"headline\":\"Budget Vote"
                             " Ends in Compromise\",\"datePublished\":\"2024-09-10T16:07:00.000Z\"}</script>", body);
    if (a) CHECK_INT(a->published_at / 86400, day_of("2024-09-10"));
    parse_article_destroy(&a);
    /* nothing declared: the same text stays day-first */
    a = ex3("", body);
    if (a) CHECK_INT(a->published_at / 86400, day_of("2024-10-09"));
    parse_article_destroy(&a);
    /* "originally published on <date>" beats an unlabelled byline date
     * (a republished piece), when nothing is declared */
    snprintf(body, sizeof body, "%s<p>Jane Doe</p><p>30 Sep 2022, 11:07am</p><p><em>This article was originally "
             "published on 26 Sep 2019 at 4:12pm but has been regularly updated to keep it current.</em></p>", h1);
    a = ex3("", body);
    if (a) CHECK_INT(a->published_at / 86400, day_of("2019-09-26"));
    parse_article_destroy(&a);
    /* ... its first date, not the update named after it; the date may be in the next element */
    a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><p>This post was originally published on the 21st of June "
                "2017 and updated on the 18th of July 2025.</p>");
    if (a) CHECK_INT(a->published_at / 86400, day_of("2017-06-21"));
    parse_article_destroy(&a);
    a = ex3("", "<h1>Budget Vote Ends in Compromise</h1><div><span>Originally published</span>"
                "<span>November 9, 2022</span></div>");
    if (a) CHECK_INT(a->published_at / 86400, day_of("2022-11-09"));
    parse_article_destroy(&a);
    /* a declared date is not overridden by the sentence */
    snprintf(body, sizeof body, "%s<p>Originally published on June 21, 2017, this guide has been rewritten for the "
             "new season and checked again by our editors.</p>", h1);
    a = ex3("<meta property=\"article:published_time\" content=\"2023-04-13T10:00:00+00:00\">", body);
    if (a) CHECK_INT(a->published_at / 86400, day_of("2023-04-13"));
    parse_article_destroy(&a);
    /* JSON-LD carried in a meta tag (<meta name="script:ld+json" content="{...}">) */
    a = ex3("<meta name=\"script:ld+json\" content=\"{&quot;@type&quot;:&quot;NewsArticle&quot;,&quot;headline&quot;:"
            "&quot;Budget Vote Ends in Compromise&quot;,&quot;datePublished&quot;:&quot;2025-11-17T09:00:00-05:00&quot;,"
            "&quot;author&quot;:{&quot;@type&quot;:&quot;Person&quot;,&quot;name&quot;:&quot;Jane Doe&quot;}}\">", h1);
    if (a) {
        CHECK_INT(a->published_at, 1763388000);
        CHECK_STR(a->byline ? a->byline : "", "Jane Doe");
    }
    parse_article_destroy(&a);
    /* the date shown under the headline is the declared modification day:
     * published_at stays the declared publication ... */
    const char *both = "<meta property=\"article:published_time\" content=\"2024-02-21T11:54:45+00:00\">"
                       "<meta property=\"article:modified_time\" content=\"2025-10-26T18:41:45+00:00\">";
    snprintf(body, sizeof body, "%s<div><span>UX Analytics</span><span>October 26, 2025</span></div>", h1);
    a = ex3(both, body);
    if (a) {
        CHECK_INT(a->published_at / 86400, day_of("2024-02-21"));
        CHECK_INT(a->modified_at / 86400, day_of("2025-10-26"));
    }
    parse_article_destroy(&a);
    /* ... and is the date when only the modification is declared */
    a = ex3("<meta property=\"article:modified_time\" content=\"2025-10-26T18:41:45+00:00\">", body);
    if (a) CHECK_INT(a->published_at / 86400, day_of("2025-10-26"));
    parse_article_destroy(&a);
    /* a JSON-LD date written day-first with a time */
    a = ex3("<script type=\"application/ld+json\">{\"@type\":\"Article\",\"datePublished\":\"13/11/2025 09:21:40\"}</script>", "");
    if (a) CHECK_INT(a->published_at, 1763025700);
    parse_article_destroy(&a);
}

int main(void)
{
    test_titles_dates();
    test_round4_dates();
    test_round5_dates();
    test_round4_authors();
    test_round4_content();
    test_realistic_page();
    test_windows_1252();
    test_gbk();
    test_undeclared_cjk();
    test_language();
    test_raw_text_stripping();
    test_not_html();
    test_hostile();
    test_adversarial_1mib();
    return nm_test_done();
}

/* parse_feed: RSS, RDF, Atom, JSON Feed, and the broken feeds of real life. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nm_test.h"
#include "parse_date.h"
#include "parse_feed.h"

static parse_feed_t *P(const char *doc, const char *base)
{
    char err[256] = "";
    parse_feed_t *f = parse_feed(doc, strlen(doc), base, err, sizeof err);
    if (!f)
        fprintf(stderr, "parse_feed failed: %s\n", err);
    return f;
}

static int64_t D(const char *s)
{
    int64_t t = 0;
    parse_date(s, &t);
    return t;
}

static int valid_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        int n = *u < 0x80 ? 1 : (*u >= 0xC2 && *u <= 0xDF) ? 2 : (*u >= 0xE0 && *u <= 0xEF) ? 3 : (*u >= 0xF0 && *u <= 0xF4) ? 4 : 0;
        if (!n)
            return 0;
        for (int i = 1; i < n; i++)
            if ((u[i] & 0xC0) != 0x80)
                return 0;
        u += n;
    }
    return 1;
}

static int all_utf8(const parse_feed_t *f)
{
    const char *fs[] = {f->title, f->link, f->description, f->language};
    for (size_t i = 0; i < 4; i++)
        if (fs[i] && !valid_utf8(fs[i]))
            return 0;
    for (size_t i = 0; i < f->nentries; i++) {
        const parse_feed_entry_t *e = &f->entries[i];
        const char *es[] = {e->id, e->title, e->link, e->author, e->summary, e->content};
        for (size_t k = 0; k < 6; k++)
            if (es[k] && !valid_utf8(es[k]))
                return 0;
    }
    for (size_t i = 0; i < f->nerrors; i++)
        if (!valid_utf8(f->errors[i]))
            return 0;
    return 1;
}

static void test_rss2(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
        "     xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n"
        "<channel>\n"
        "  <title>China &amp; the World</title>\n"
        "  <link>https://news.example.com/</link>\n"
        "  <description>Daily news</description>\n"
        "  <language>en-us</language>\n"
        "  <lastBuildDate>Mon, 02 Jan 2006 15:04:05 -0700</lastBuildDate>\n"
        "  <ttl>60</ttl>\n"
        "  <item>\n"
        "    <title>Trade talks &lt;b&gt;resume&lt;/b&gt;</title>\n"
        "    <link>/2006/01/trade.html</link>\n"
        "    <guid isPermaLink=\"false\">tag:example.com,2006:1</guid>\n"
        "    <description><![CDATA[<p>Short <b>summary</b></p>]]></description>\n"
        "    <content:encoded><![CDATA[<p>Full body.</p><p>Second.</p>]]></content:encoded>\n"
        "    <dc:creator>Li Wei</dc:creator>\n"
        "    <pubDate>Mon, 02 Jan 2006 22:04:05 GMT</pubDate>\n"
        "    <category>Economy</category><category>Trade</category>\n"
        "  </item>\n"
        "  <item>\n"
        "    <title>Second</title>\n"
        "    <guid>https://news.example.com/2</guid>\n"
        "    <author>editor@example.com (Jane Doe)</author>\n"
        "    <pubDate>Tue, 03 Jan 2006 10:00:00 EST</pubDate>\n"
        "  </item>\n"
        "  <item><title>No id</title><description>text</description></item>\n"
        "</channel></rss>\n";
    parse_feed_t *f = P(doc, "https://news.example.com/feed.xml");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_STR(f->format, "rss");
    CHECK_STR(f->title, "China & the World");
    CHECK_STR(f->link, "https://news.example.com/");
    CHECK_STR(f->description, "Daily news");
    CHECK_STR(f->language, "en-us");
    CHECK_INT(f->updated, 1136239445);
    CHECK_INT(f->ttl, 60);
    CHECK_INT(f->nerrors, 0);
    CHECK_INT(f->nentries, 3);
    if (f->nentries == 3) {
        parse_feed_entry_t *e = &f->entries[0];
        CHECK_STR(e->id, "tag:example.com,2006:1");
        CHECK_STR(e->title, "Trade talks resume");
        CHECK_STR(e->link, "https://news.example.com/2006/01/trade.html");
        CHECK_STR(e->summary, "<p>Short <b>summary</b></p>");
        CHECK_STR(e->content, "<p>Full body.</p><p>Second.</p>");
        CHECK_STR(e->author, "Li Wei");
        CHECK_INT(e->published, 1136239445);
        CHECK_INT(e->ncategories, 2);
        if (e->ncategories == 2) {
            CHECK_STR(e->categories[0], "Economy");
            CHECK_STR(e->categories[1], "Trade");
        }
        e = &f->entries[1];
        CHECK_STR(e->id, "https://news.example.com/2");
        CHECK_STR(e->link, "https://news.example.com/2");   /* permalink guid */
        CHECK_STR(e->author, "Jane Doe");
        CHECK_INT(e->published, D("2006-01-03T15:00:00Z"));
        CHECK(e->content == NULL);
        e = &f->entries[2];
        CHECK(e->id != NULL && strncmp(e->id, "urn:newsmill:entry:", 19) == 0);
        CHECK(e->link == NULL);
        CHECK_INT(e->published, 0);
    }
    json_t *j = parse_feed_to_json(f);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "format")), "rss");
    CHECK_STR(json_string_value(json_object_get(j, "updated")), "2006-01-02T22:04:05Z");
    json_t *es = json_object_get(j, "entries");
    CHECK_INT(json_array_size(es), 3);
    json_t *e0 = json_array_get(es, 0);
    CHECK_STR(json_string_value(json_object_get(e0, "published")), "2006-01-02T22:04:05Z");
    CHECK(json_is_null(json_object_get(e0, "updated")));
    CHECK_INT(json_array_size(json_object_get(e0, "categories")), 2);
    CHECK(json_is_array(json_object_get(j, "errors")) && json_array_size(json_object_get(j, "errors")) == 0);
    json_decref(j);
    parse_feed_destroy(&f);
    CHECK(f == NULL);
    parse_feed_destroy(&f);   /* safe twice */
}

static void test_rdf(void)
{
    const char *doc =
        "<?xml version=\"1.0\"?>\n"
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
        "         xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
        "  <channel rdf:about=\"http://example.org/\">\n"
        "    <title>RDF Site</title><link>http://example.org/</link>\n"
        "    <description>About things</description><dc:language>en</dc:language>\n"
        "    <dc:date>2006-01-02T15:04:05-07:00</dc:date>\n"
        "  </channel>\n"
        "  <item rdf:about=\"http://example.org/a\">\n"
        "    <title>Item A</title><link>http://example.org/a</link>\n"
        "    <dc:creator>Alice</dc:creator><dc:date>2006-01-02T22:04:05Z</dc:date>\n"
        "    <dc:subject>Science</dc:subject>\n"
        "  </item>\n"
        "  <item rdf:about=\"http://example.org/b\"><title>Item B</title></item>\n"
        "</rdf:RDF>\n";
    parse_feed_t *f = P(doc, NULL);
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_STR(f->format, "rdf");
    CHECK_STR(f->title, "RDF Site");
    CHECK_STR(f->language, "en");
    CHECK_INT(f->updated, 1136239445);
    CHECK_INT(f->nentries, 2);
    if (f->nentries == 2) {
        CHECK_STR(f->entries[0].title, "Item A");
        CHECK_STR(f->entries[0].author, "Alice");
        CHECK_INT(f->entries[0].published, 1136239445);
        CHECK_INT(f->entries[0].ncategories, 1);
        CHECK_STR(f->entries[1].link, "http://example.org/b");   /* from rdf:about */
        CHECK_STR(f->entries[1].id, "http://example.org/b");
    }
    CHECK_INT(f->nerrors, 0);
    parse_feed_destroy(&f);
}

static void test_atom(void)
{
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"http://example.org/blog/\" xml:lang=\"en\">\n"
        "  <title type=\"html\">Tom &amp;amp; Jerry&lt;br/&gt;news</title>\n"
        "  <subtitle>All the news</subtitle>\n"
        "  <link rel=\"self\" href=\"feed.atom\"/>\n"
        "  <link href=\"./\"/>\n"
        "  <updated>2006-01-02T22:04:05Z</updated>\n"
        "  <author><name>Feed Author</name></author>\n"
        "  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>\n"
        "  <entry xml:base=\"posts/\">\n"
        "    <title>Entry &lt;One&gt;</title>\n"
        "    <link rel=\"alternate\" href=\"one.html\"/>\n"
        "    <link rel=\"edit\" href=\"/edit/1\"/>\n"
        "    <id>tag:example.org,2006:1</id>\n"
        "    <published>2006-01-02T15:04:05-07:00</published>\n"
        "    <updated>2006-01-03T00:00:00Z</updated>\n"
        "    <summary type=\"html\">&lt;p&gt;Hello&lt;/p&gt;</summary>\n"
        "    <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Body <em>here</em></p></div></content>\n"
        "    <category term=\"politics\"/>\n"
        "  </entry>\n"
        "  <entry>\n"
        "    <title type=\"text\">  Two\n  lines </title>\n"
        "    <link href=\"http://other.example.com/two\"/>\n"
        "    <id>tag:example.org,2006:2</id>\n"
        "    <updated>2006-01-04T00:00:00Z</updated>\n"
        "    <author><name>Bob</name><email>bob@example.org</email></author>\n"
        "  </entry>\n"
        "</feed>\n";
    parse_feed_t *f = P(doc, "https://ignored.example.net/feeds/x");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_STR(f->format, "atom");
    CHECK_STR(f->title, "Tom & Jerry news");
    CHECK_STR(f->link, "http://example.org/blog/");
    CHECK_STR(f->description, "All the news");
    CHECK_STR(f->language, "en");
    CHECK_INT(f->updated, 1136239445);
    CHECK_INT(f->nentries, 2);
    if (f->nentries == 2) {
        parse_feed_entry_t *e = &f->entries[0];
        CHECK_STR(e->title, "Entry <One>");
        CHECK_STR(e->link, "http://example.org/blog/posts/one.html");
        CHECK_STR(e->id, "tag:example.org,2006:1");
        CHECK_INT(e->published, 1136239445);
        CHECK_INT(e->updated, D("2006-01-03T00:00:00Z"));
        CHECK_STR(e->summary, "<p>Hello</p>");
        CHECK(e->content && strstr(e->content, "<p>Body <em>here</em></p>") && !strstr(e->content, "<div"));
        CHECK_STR(e->author, "Feed Author");   /* inherited */
        CHECK_INT(e->ncategories, 1);
        if (e->ncategories)
            CHECK_STR(e->categories[0], "politics");
        e = &f->entries[1];
        CHECK_STR(e->title, "Two lines");
        CHECK_STR(e->link, "http://other.example.com/two");
        CHECK_STR(e->author, "Bob");
        CHECK_INT(e->published, D("2006-01-04T00:00:00Z"));   /* falls back to updated */
    }
    CHECK_INT(f->nerrors, 0);
    parse_feed_destroy(&f);

    /* Atom 0.3 */
    const char *a03 =
        "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">"
        "<title>Old</title><tagline>tag line</tagline><link rel=\"alternate\" href=\"http://a.example/\"/>"
        "<modified>2006-01-02T22:04:05Z</modified>"
        "<entry><title>E</title><link rel=\"alternate\" href=\"http://a.example/e\"/><id>e1</id>"
        "<issued>2006-01-02T22:04:05Z</issued><modified>2006-01-02T23:04:05Z</modified>"
        "<content type=\"text/html\" mode=\"escaped\">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>";
    f = P(a03, NULL);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->format, "atom");
        CHECK_STR(f->description, "tag line");
        CHECK_INT(f->updated, 1136239445);
        CHECK_INT(f->nentries, 1);
        if (f->nentries) {
            CHECK_INT(f->entries[0].published, 1136239445);
            CHECK_INT(f->entries[0].updated, 1136239445 + 3600);
            CHECK_STR(f->entries[0].content, "<p>x</p>");
            CHECK_STR(f->entries[0].link, "http://a.example/e");
        }
        parse_feed_destroy(&f);
    }
}

static void test_broken(void)
{
    /* BOM, bare '&', HTML entities, a control character, undeclared dc: prefix */
    const char *doc =
        "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n"
        "<rss version=\"2.0\"><channel><title>AT&T news\x01</title>\n"
        "<item><title>Caf&eacute;&nbsp;opens &mdash; Q&A</title><link>http://x.example/a?b=1&c=2</link>"
        "<description>A&nbsp;b &copy; 2006 &#146;quoted&#146; &bogus; end</description>"
        "<dc:creator>Undeclared</dc:creator></item>\n"
        "</channel></rss>";
    parse_feed_t *f = P(doc, NULL);
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_STR(f->title, "AT&T news");
    CHECK_INT(f->nentries, 1);
    if (f->nentries) {
        CHECK_STR(f->entries[0].title, "Caf\xC3\xA9 opens \xE2\x80\x94 Q&A");
        CHECK_STR(f->entries[0].link, "http://x.example/a?b=1&c=2");
        CHECK_STR(f->entries[0].summary, "A\xC2\xA0" "b \xC2\xA9 2006 \xE2\x80\x99quoted\xE2\x80\x99 &bogus; end");
        CHECK_STR(f->entries[0].author, "Undeclared");
    }
    CHECK(f->nerrors >= 3);   /* bare &, entities, control char, unknown entity */
    int saw_amp = 0, saw_ent = 0;
    for (size_t i = 0; i < f->nerrors; i++) {
        saw_amp |= strstr(f->errors[i], "'&'") != NULL;
        saw_ent |= strstr(f->errors[i], "&nbsp;") != NULL || strstr(f->errors[i], "&eacute;") != NULL;
    }
    CHECK(saw_amp);
    CHECK(saw_ent);
    CHECK(all_utf8(f));
    parse_feed_destroy(&f);

    /* truncated: the complete items survive, the problem is reported */
    const char *trunc =
        "<rss version=\"2.0\"><channel><title>T</title>"
        "<item><title>One</title><link>http://t.example/1</link></item>"
        "<item><title>Two</title><link>http://t.example/2</link></item>"
        "<item><title>Thr";
    f = P(trunc, NULL);
    CHECK(f != NULL);
    if (f) {
        CHECK(f->nentries >= 2);
        if (f->nentries >= 2) {
            CHECK_STR(f->entries[0].title, "One");
            CHECK_STR(f->entries[1].link, "http://t.example/2");
        }
        CHECK(f->nerrors > 0);
        parse_feed_destroy(&f);
    }

    /* windows-1252 bytes in a document that says UTF-8; "<" in text */
    const char *cp =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><title>Caf\xE9 \x93quoted\x94 1 < 2</title>"
        "</channel></rss>";
    f = P(cp, NULL);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->title, "Caf\xC3\xA9 \xE2\x80\x9Cquoted\xE2\x80\x9D 1 < 2");
        CHECK(f->nerrors > 0);
        CHECK(all_utf8(f));
        parse_feed_destroy(&f);
    }

    /* ISO-8859-1 declared and used */
    const char *latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><title>Se\xF1or</title>"
                        "</channel></rss>";
    f = P(latin, NULL);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->title, "Se\xC3\xB1or");
        parse_feed_destroy(&f);
    }
    /* UTF-8 content under a wrong ISO-8859-1 declaration */
    const char *wrong = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><title>Se\xC3\xB1or \xE4\xB8\xAD</title>"
                        "</channel></rss>";
    f = P(wrong, NULL);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->title, "Se\xC3\xB1or \xE4\xB8\xAD");
        parse_feed_destroy(&f);
    }
    /* GB2312 label with GBK bytes: 中国 (D6D0 B9FA) and 镕 (E946, GBK only) */
    const char *gb = "<?xml version=\"1.0\" encoding=\"gb2312\"?><rss><channel><title>\xD6\xD0\xB9\xFA \xE9\x46</title>"
                     "</channel></rss>";
    f = P(gb, NULL);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->title, "\xE4\xB8\xAD\xE5\x9B\xBD \xE9\x95\x95");
        CHECK_INT(f->nerrors, 0);
        parse_feed_destroy(&f);
    }
    /* UTF-16LE with BOM */
    const char u16[] = "\xFF\xFE<\0r\0s\0s\0>\0<\0c\0h\0a\0n\0n\0e\0l\0>\0<\0t\0i\0t\0l\0e\0>\0\x2D\x4E<\0/\0t\0i\0t\0l\0e\0>\0"
                       "<\0/\0c\0h\0a\0n\0n\0e\0l\0>\0<\0/\0r\0s\0s\0>\0";
    char err[256];
    f = parse_feed(u16, sizeof u16 - 1, NULL, err, sizeof err);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->title, "\xE4\xB8\xAD");
        parse_feed_destroy(&f);
    }
}

static void test_not_feeds(void)
{
    char err[256];
    err[0] = '\0';
    CHECK(parse_feed("hello world", 11, NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "not a feed") != NULL);
    err[0] = '\0';
    const char *html = "<!DOCTYPE html><html><head><title>x</title></head><body><p>hi</p></body></html>";
    CHECK(parse_feed(html, strlen(html), NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "html") != NULL);
    err[0] = '\0';
    CHECK(parse_feed("", 0, NULL, err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    err[0] = '\0';
    CHECK(parse_feed("{\"a\": 1}", 8, NULL, err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    err[0] = '\0';
    CHECK(parse_feed("{broken", 7, NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "JSON") != NULL);
    CHECK(parse_feed(NULL, 0, NULL, NULL, 0) == NULL);
    CHECK(parse_feed_to_json(NULL) == NULL);
}

static void test_entities_never_expand(void)
{
    const char *lol =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE rss [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        " <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
        "]>\n"
        "<rss version=\"2.0\"><channel><title>&lol9;</title>\n"
        "<item><title>x&xxe;y</title><description>&lol9;&lol9;</description></item></channel></rss>\n";
    parse_feed_t *f = P(lol, NULL);
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(f->title != NULL && strlen(f->title) < 64);
    CHECK(f->title && strstr(f->title, "lollol") == NULL);
    CHECK(f->nentries == 1);
    if (f->nentries) {
        CHECK(f->entries[0].title && strstr(f->entries[0].title, "root:") == NULL);
        CHECK(f->entries[0].summary && strlen(f->entries[0].summary) < 64);
    }
    CHECK(f->nerrors > 0);
    parse_feed_destroy(&f);
}

static void test_json_feed(void)
{
    const char *doc =
        "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"JF\", "
        "\"home_page_url\": \"https://jf.example/\", \"description\": \"d\", \"language\": \"en\", "
        "\"authors\": [{\"name\": \"Feedy\"}], "
        "\"items\": [{\"id\": \"1\", \"url\": \"/p/1\", \"title\": \"Hello\", \"content_html\": \"<p>Hi</p>\", "
        "\"summary\": \"s\", \"date_published\": \"2006-01-02T15:04:05-07:00\", \"tags\": [\"a\", \"b\"]},"
        "{\"id\": 2, \"content_text\": \"plain\", \"date_modified\": \"garbage\"}, 7]}";
    parse_feed_t *f = P(doc, "https://jf.example/feed.json");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_STR(f->format, "json");
    CHECK_STR(f->title, "JF");
    CHECK_STR(f->link, "https://jf.example/");
    CHECK_INT(f->nentries, 2);
    if (f->nentries == 2) {
        CHECK_STR(f->entries[0].link, "https://jf.example/p/1");
        CHECK_STR(f->entries[0].content, "<p>Hi</p>");
        CHECK_INT(f->entries[0].published, 1136239445);
        CHECK_INT(f->entries[0].ncategories, 2);
        CHECK_STR(f->entries[0].author, "Feedy");
        CHECK_STR(f->entries[1].id, "2");
        CHECK_STR(f->entries[1].content, "plain");
    }
    CHECK(f->nerrors >= 2);   /* the bad date and the non-object item */
    parse_feed_destroy(&f);
}

/* Linear time: a large document of hostile fragments parses quickly. */
static void test_big_hostile(void)
{
    size_t n = 4u << 20;
    char *doc = malloc(n + 64);
    strcpy(doc, "<rss><channel><title>");
    size_t k = strlen(doc);
    const char *pat = "<<&&&#x;&nbsp<!--";
    while (k + 20 < n) {
        memcpy(doc + k, pat, strlen(pat));
        k += strlen(pat);
    }
    doc[k] = '\0';
    char err[256];
    parse_feed_t *f = parse_feed(doc, k, NULL, err, sizeof err);
    CHECK(f != NULL);
    if (f) {
        CHECK(f->nerrors > 0);
        CHECK(all_utf8(f));
        parse_feed_destroy(&f);
    }
    free(doc);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, fp);
    b[*len] = '\0';
    fclose(fp);
    return b;
}

/* The gofeed translator cases, when the shared corpus is present: every
 * document parses and the feed title matches where one is expected. */
static void test_corpus(void)
{
    const char *src = getenv("NM_SOURCE_DIR");
    if (!src)
        return;
    const char *kinds[] = {"rss", "atom", "json"};
    int total = 0, parsed = 0, titles = 0, titles_ok = 0;
    for (int k = 0; k < 3; k++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/../shared/corpus/feeds-dev/testdata/translator/%s", src, kinds[k]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t nl = strlen(de->d_name);
            if (nl < 5 || strcmp(de->d_name + nl - 5, ".json") == 0)
                continue;
            char path[2048], jpath[2048];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            snprintf(jpath, sizeof jpath, "%s/%.*s.json", dir, (int)(nl - (strrchr(de->d_name, '.') ? strlen(strrchr(de->d_name, '.')) : 0)), de->d_name);
            size_t len;
            char *data = slurp(path, &len);
            if (!data)
                continue;
            total++;
            char err[256];
            parse_feed_t *f = parse_feed(data, len, NULL, err, sizeof err);
            if (f) {
                parsed++;
                json_t *exp = json_load_file(jpath, 0, NULL);
                const char *t = json_string_value(json_object_get(exp, "title"));
                if (t) {
                    titles++;
                    titles_ok += f->title && !strcmp(f->title, t);
                }
                json_decref(exp);
                CHECK(all_utf8(f));
                parse_feed_destroy(&f);
            }
            free(data);
        }
        closedir(d);
    }
    fprintf(stderr, "corpus: %d/%d parsed, %d/%d titles match\n", parsed, total, titles_ok, titles);
    if (total > 0) {
        CHECK(parsed * 100 >= total * 95);
        CHECK(titles_ok * 100 >= titles * 85);
    }
}

int main(void)
{
    test_rss2();
    test_rdf();
    test_atom();
    test_broken();
    test_not_feeds();
    test_entities_never_expand();
    test_json_feed();
    test_big_hostile();
    test_corpus();
    return nm_test_done();
}

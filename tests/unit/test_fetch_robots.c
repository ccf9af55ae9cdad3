/* robots.txt parsing and matching (fetch_robots), including the examples
 * of RFC 9309 and hostile files. */
#include "fetch_robots.h"
#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_test.h"

#include <stdlib.h>
#include <string.h>

static fetch_robots_t *parse(const char *txt)
{
    return fetch_robots_parse(txt, strlen(txt), "newsmill");
}

static void expect(const fetch_robots_t *r, const char *path, bool allowed)
{
    char rule[256];
    bool got = fetch_robots_allowed(r, path, rule, sizeof rule);
    CHECK_INT(got, allowed);
    if (got != allowed)
        fprintf(stderr, "  path %s: got %s (rule '%s')\n", path, got ? "allowed" : "disallowed", rule);
}

static void test_token(void)
{
    char t[64];
    fetch_robots_token("newsmill/0.1 (+https://example.org)", t, sizeof t);
    CHECK_STR(t, "newsmill");
    fetch_robots_token("Foo_Bar-baz 2", t, sizeof t);
    CHECK_STR(t, "Foo_Bar-baz");
    fetch_robots_token("", t, sizeof t);
    CHECK_STR(t, "");
}

static void test_groups(void)
{
    /* our group wins over "*", and is merged when split in two */
    fetch_robots_t *r = parse("User-agent: *\nDisallow: /\n\n"
                              "User-agent: NewsMill/2.0\nDisallow: /private\n"
                              "User-agent: other\nAllow: /\n"
                              "user-agent: newsmill\ndisallow: /tmp/\n");
    expect(r, "/", true);
    expect(r, "/news/1.html", true);
    expect(r, "/private/x", false);
    expect(r, "/tmp/a", false);
    CHECK_INT(fetch_robots_rules(r), 2);
    fetch_robots_destroy(&r);
    CHECK(r == NULL);
    fetch_robots_destroy(&r);

    /* several user-agent lines share one group */
    r = parse("User-agent: a\nUser-agent: newsmill\nUser-agent: b\nDisallow: /x\n");
    expect(r, "/x", false);
    expect(r, "/y", true);
    fetch_robots_destroy(&r);

    /* nothing for us: the "*" group */
    r = parse("# comment\nUser-agent: googlebot\nDisallow: /\n\nUser-agent: *   # everyone\n"
              "Disallow: /search\nCrawl-delay: 2.5\n");
    expect(r, "/search?q=1", false);
    expect(r, "/news", true);
    CHECK_INT(fetch_robots_crawl_delay_ms(r), 2500);
    fetch_robots_destroy(&r);

    /* our group with no rules: everything, even though "*" disallows */
    r = parse("User-agent: *\nDisallow: /\nUser-agent: newsmill\n\nSitemap: /s.xml\n");
    expect(r, "/anything", true);
    CHECK_INT(fetch_robots_crawl_delay_ms(r), -1);
    fetch_robots_destroy(&r);

    /* rules before any user-agent line are ignored; an empty Disallow allows */
    r = parse("Disallow: /\nUser-agent: *\nDisallow:\n");
    expect(r, "/x", true);
    fetch_robots_destroy(&r);

    /* no group at all, garbage, empty: allow all */
    const char *junk[] = { "", "\x89PNG\r\n\x1a\n\0\0", "<html><body>Not found</body></html>",
                           "User-agent *\nDisallow /\n" };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        r = parse(junk[i]);
        expect(r, "/a", true);
        fetch_robots_destroy(&r);
    }
}

static void test_matching(void)
{
    /* RFC 9309 2.2.2 and 5.2 examples: longest match, Allow wins ties */
    fetch_robots_t *r = parse("User-Agent: *\r\nDisallow: *.gif$\r\nDisallow: /example/\r\n"
                              "Allow: /publications/\r\n\r\nUser-Agent: newsmill\r\n"
                              "Allow: /example/page/\r\nDisallow: /example/page/disallowed.gif\r\n"
                              "Allow: /p\r\nDisallow: /\r\nAllow: /same\r\nDisallow: /same\r\n"
                              "Disallow: /*.php$\r\nDisallow: /fish*.php\r\nAllow: /$\r\n"
                              "Disallow: /%7Ejoe/\r\nDisallow: /caf%c3%a9\r\nAllow: /q?a=1\r\n");
    expect(r, "/example/page/", true);
    expect(r, "/example/page/disallowed.gif", false);
    expect(r, "/page", true);          /* Allow /p (2) beats Disallow / (1) */
    expect(r, "/other", false);
    expect(r, "/same", true);          /* equal length: Allow */
    expect(r, "/index.php", false);
    expect(r, "/p/index.php", false);     /* the "/ *.php$" rule (7) beats Allow /p (2) */
    expect(r, "/p/index.php?x=1", true);  /* ... but $ anchors at the end */
    expect(r, "/fish.php", false);
    expect(r, "/fishheads/catfish.php?parameters", false);
    expect(r, "/p/Fish.PHP", true);       /* patterns are case-sensitive */
    expect(r, "/", true);              /* Allow /$ (2) beats Disallow / (1) */
    expect(r, "", true);
    expect(r, "/~joe/index.html", false);     /* %7E is '~' */
    expect(r, "/%7ejoe/x", false);
    expect(r, "/caf\xc3\xa9/menu", false);    /* UTF-8 path vs escaped rule */
    expect(r, "/q?a=1&b=2", true);
    expect(r, "/robots.txt", true);           /* always */
    char rule[256];
    CHECK(!fetch_robots_allowed(r, "/fish.php", rule, sizeof rule));
    CHECK(strstr(rule, "Disallow:") == rule);
    fetch_robots_destroy(&r);

    r = parse("User-agent: *\nDisallow: /a*b*c*d$\nAllow: /**x\n");
    expect(r, "/a1b2c3d", false);
    expect(r, "/a1b2c3d4", true);
    expect(r, "/zx", true);
    fetch_robots_destroy(&r);
}

/* A hostile file: huge, with pathological wildcards and endless lines. It
 * must cost bounded memory and time. */
static void test_hostile(void)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_puts(&b, "User-agent: *\n");
    for (int i = 0; i < 20000; i++)
        nm_buf_puts(&b, "Disallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b$\n");
    for (int i = 0; i < 100000; i++)
        nm_buf_puts(&b, "x");
    nm_buf_puts(&b, "\nDisallow: /after-the-cap\n");
    fetch_robots_t *r = fetch_robots_parse(b.data, b.len, "newsmill");
    CHECK(fetch_robots_rules(r) <= FETCH_ROBOTS_MAX_RULES);
    char path[4200];
    memset(path, 'a', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = '\0';
    int64_t t0 = nm_now_ms();
    expect(r, path, true);
    int64_t took = nm_now_ms() - t0;
    CHECK(took < 3000);
    if (took >= 3000)
        fprintf(stderr, "  hostile match took %lld ms\n", (long long)took);
    expect(r, "/after-the-cap", true);   /* beyond 512 KiB: never read */
    fetch_robots_destroy(&r);
    nm_buf_free(&b);
}

int main(void)
{
    test_token();
    test_groups();
    test_matching();
    test_hostile();
    return nm_test_done();
}

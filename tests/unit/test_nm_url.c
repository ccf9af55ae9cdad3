/* nm_url: RFC 3986 resolution (its section 5.4 examples) and canonical URLs. */
#include <stdlib.h>

#include "nm_test.h"
#include "nm_url.h"

static char res_buf[1024];
static const char *R(const char *base, const char *ref)
{
    char *s = nm_url_resolve(base, ref);
    if (!s)
        return "(null)";
    snprintf(res_buf, sizeof res_buf, "%s", s);
    free(s);
    return res_buf;
}

static char can_buf[1024];
static const char *C(const char *url)
{
    char *s = nm_url_canonical(url);
    if (!s)
        return "(null)";
    snprintf(can_buf, sizeof can_buf, "%s", s);
    free(s);
    return can_buf;
}

int main(void)
{
    const char *b = "http://a/b/c/d;p?q";
    /* RFC 3986 5.4.1 normal examples */
    CHECK_STR(R(b, "g:h"), "g:h");
    CHECK_STR(R(b, "g"), "http://a/b/c/g");
    CHECK_STR(R(b, "./g"), "http://a/b/c/g");
    CHECK_STR(R(b, "g/"), "http://a/b/c/g/");
    CHECK_STR(R(b, "/g"), "http://a/g");
    CHECK_STR(R(b, "//g"), "http://g");
    CHECK_STR(R(b, "?y"), "http://a/b/c/d;p?y");
    CHECK_STR(R(b, "g?y"), "http://a/b/c/g?y");
    CHECK_STR(R(b, "#s"), "http://a/b/c/d;p?q#s");
    CHECK_STR(R(b, "g#s"), "http://a/b/c/g#s");
    CHECK_STR(R(b, ";x"), "http://a/b/c/;x");
    CHECK_STR(R(b, ""), "http://a/b/c/d;p?q");
    CHECK_STR(R(b, "."), "http://a/b/c/");
    CHECK_STR(R(b, "./"), "http://a/b/c/");
    CHECK_STR(R(b, ".."), "http://a/b/");
    CHECK_STR(R(b, "../g"), "http://a/b/g");
    CHECK_STR(R(b, "../.."), "http://a/");
    CHECK_STR(R(b, "../../g"), "http://a/g");
    /* 5.4.2 abnormal examples */
    CHECK_STR(R(b, "../../../g"), "http://a/g");
    CHECK_STR(R(b, "/./g"), "http://a/g");
    CHECK_STR(R(b, "/../g"), "http://a/g");
    CHECK_STR(R(b, "g."), "http://a/b/c/g.");
    CHECK_STR(R(b, "..g"), "http://a/b/c/..g");
    CHECK_STR(R(b, "./../g"), "http://a/b/g");
    CHECK_STR(R(b, "g/./h"), "http://a/b/c/g/h");
    CHECK_STR(R(b, "g/../h"), "http://a/b/c/h");
    CHECK_STR(R(b, "g;x=1/../y"), "http://a/b/c/y");
    /* real-world */
    CHECK_STR(R("https://example.com", "news/1"), "https://example.com/news/1");
    CHECK_STR(R("https://example.com/feed.xml", "  /a b\n"), "https://example.com/a%20b");
    CHECK_STR(R("https://example.com/x/", "HTTPS://Other.org/p"), "https://Other.org/p");
    CHECK_STR(R("https://example.com/", "//cdn.example.com/i.png"), "https://cdn.example.com/i.png");
    CHECK_STR(R("https://example.com/", "javascript:alert(1)"), "(null)");
    CHECK_STR(R(NULL, "relative/path"), "(null)");
    CHECK_STR(R("not a base", "relative"), "(null)");
    CHECK_STR(R(NULL, "http://x.org/a"), "http://x.org/a");
    CHECK_STR(R(NULL, NULL), "(null)");

    /* canonical */
    CHECK_STR(C("HTTP://Example.COM"), "http://example.com/");
    CHECK_STR(C("http://example.com:80/a"), "http://example.com/a");
    CHECK_STR(C("https://example.com:443/a"), "https://example.com/a");
    CHECK_STR(C("https://example.com:8443/a"), "https://example.com:8443/a");
    CHECK_STR(C("https://example.com/a#frag"), "https://example.com/a");
    CHECK_STR(C("https://example.com/a?utm_source=x&id=3&fbclid=zz&utm_medium=y"), "https://example.com/a?id=3");
    CHECK_STR(C("https://example.com/a?utm_source=x"), "https://example.com/a");
    CHECK_STR(C("https://example.com/a?gclid=1&b=2#x"), "https://example.com/a?b=2");
    CHECK_STR(C("https://example.com/a/./b/../c"), "https://example.com/a/c");
    CHECK_STR(C("https://example.com/%7euser/%2f"), "https://example.com/~user/%2F");
    /* a bare '%' is escaped, so a decoded digit cannot make a new escape (fuzz_url) */
    CHECK_STR(C("https://example.com/%%66E?q=100%"), "https://example.com/%25fE?q=100%25");
    CHECK_STR(C("https://example.com/%25fE?q=100%25"), "https://example.com/%25fE?q=100%25");
    CHECK_STR(C("https://user:pw@Example.com./x"), "https://example.com/x");
    CHECK_STR(C("https://example.com/Path/Case"), "https://example.com/Path/Case");
    CHECK_STR(C("https://\xE4\xBE\x8B\xE5\xAD\x90.cn/\xE6\x96\xB0 x"), "https://\xE4\xBE\x8B\xE5\xAD\x90.cn/%E6%96%B0%20x");
    CHECK_STR(C("ftp://example.com/"), "(null)");
    CHECK_STR(C("/relative"), "(null)");
    CHECK_STR(C("http:///nohost"), "(null)");
    CHECK_STR(C(NULL), "(null)");

    CHECK_INT(nm_url_is_http("https://example.com/x"), 1);
    CHECK_INT(nm_url_is_http("HTTP://example.com"), 1);
    CHECK_INT(nm_url_is_http("ftp://example.com"), 0);
    CHECK_INT(nm_url_is_http("example.com"), 0);
    CHECK_INT(nm_url_is_http("http://"), 0);
    CHECK_INT(nm_url_is_http("http://a:b/"), 0);
    CHECK_INT(nm_url_is_http(NULL), 0);

    char *h = nm_url_host("https://u@WWW.Example.com:8080/x");
    CHECK_STR(h, "www.example.com");
    free(h);
    h = nm_url_host("http://[::1]:80/");
    CHECK_STR(h, "[::1]");
    free(h);
    CHECK(nm_url_host("mailto:x@y") == NULL);
    CHECK(nm_url_host(NULL) == NULL);
    return nm_test_done();
}

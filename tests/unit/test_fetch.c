/* The fetch engine against the project's loopback server (nm_test_httpd):
 * classification, caps, redirects, schemes, the address guard and proxies. */
#include "fetch.h"
#include "fetch_addr.h"
#include "nm_daemon.h"
#include "nm_test.h"
#include "test_fetch_httpd.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char root[256];
static int port;

static void write_file(const char *name, const char *data)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(data, f);
        fclose(f);
    }
}

static void settings(fetch_settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->connect_timeout_ms = 2000;
    s->timeout_ms = 10000;
    s->max_bytes = 1 << 20;
    s->max_redirects = 5;
    s->user_agent = "newsmill-test/1";
    s->allow_private = true;   /* the server is on loopback */
    s->proxy = "";
}

static char *url_of(const char *path)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d%s", port, path);
    return buf;
}

static void get(const fetch_settings_t *s, const char *url, const char *etag, const char *lm,
                fetch_result_t *r)
{
    char err[256] = "";
    int rc = fetch_url(s, url, etag, lm, r, err, sizeof err);
    CHECK(rc == 0);
    if (rc != 0)
        fprintf(stderr, "fetch_url %s: %s\n", url, err);
}

static void test_address_guard(void)
{
    char why[128];
    static const char *blocked[] = {
        "127.0.0.1", "127.255.0.3", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "224.0.0.1",
        "255.255.255.255", "::1", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "::ffff:169.254.169.254", "fd00::1", "fc00::1", "fe80::1", "ff02::1", "64:ff9b::7f00:1",
        "2002:7f00:1::1", "::127.0.0.1", "2001:db8::1", "not-an-ip", "",
    };
    static const char *allowed[] = {
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "169.255.0.1",
        "2606:4700:4700::1111", "::ffff:8.8.8.8", "2a00:1450:4001:80b::200e",
    };
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++) {
        int rc = fetch_addr_check_str(blocked[i], why, sizeof why);
        CHECK_INT(rc, -1);
        if (rc != -1)
            fprintf(stderr, "  should be blocked: %s\n", blocked[i]);
    }
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        int rc = fetch_addr_check_str(allowed[i], why, sizeof why);
        CHECK_INT(rc, 0);
        if (rc != 0)
            fprintf(stderr, "  should be allowed: %s (%s)\n", allowed[i], why);
    }
    fetch_addr_check_str("::ffff:127.0.0.1", why, sizeof why);
    CHECK(strstr(why, "loopback") != NULL);
    fetch_addr_check_str("169.254.169.254", why, sizeof why);
    CHECK(strstr(why, "metadata") != NULL);
}

static void test_page_and_304(const fetch_settings_t *s)
{
    fetch_result_t r, r2;
    get(s, url_of("/a.html"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PAGE);
    CHECK_INT(r.http_status, 200);
    CHECK_STR(r.body.data, "<html><body><p>Hello</p></body></html>\n");
    CHECK_STR(r.content_type, "text/html; charset=utf-8");
    CHECK_STR(r.charset, "utf-8");
    CHECK_STR(r.final_url, url_of("/a.html"));
    CHECK(r.etag && r.etag[0] == '"');
    CHECK(r.last_modified && strstr(r.last_modified, "GMT"));
    CHECK(r.fetched_at > 0);

    /* the validators we got make the next request conditional */
    get(s, url_of("/a.html"), r.etag, NULL, &r2);
    CHECK_INT(r2.cls, FETCH_NOT_MODIFIED);
    CHECK_INT(r2.http_status, 304);
    CHECK_STR(r2.etag, r.etag);
    CHECK_INT(r2.body.len, 0);
    fetch_result_free(&r2);

    get(s, url_of("/a.html"), NULL, r.last_modified, &r2);
    CHECK_INT(r2.cls, FETCH_NOT_MODIFIED);
    fetch_result_free(&r2);

    get(s, url_of("/a.html"), "\"stale\"", NULL, &r2);
    CHECK_INT(r2.cls, FETCH_PAGE);
    fetch_result_free(&r2);
    fetch_result_free(&r);
    fetch_result_free(&r);   /* safe twice */

    /* gzip on the wire, decoded bytes in the result */
    get(s, url_of("/z.txt"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PAGE);
    CHECK_STR(r.body.data, "zipped text\n");
    fetch_result_free(&r);

    /* a charset parameter, quoted and in upper case */
    get(s, url_of("/feed.xml?ct=text/xml;%20charset=%22ISO-8859-1%22"), NULL, NULL, &r);
    CHECK_STR(r.charset, "iso-8859-1");
    fetch_result_free(&r);

    /* freshness from Cache-Control, else Expires */
    get(s, url_of("/a.html?cc=public,%20max-age=300"), NULL, NULL, &r);
    CHECK_INT(r.max_age, 300);
    fetch_result_free(&r);
    get(s, url_of("/a.html?cc=s-maxage=99,max-age=120"), NULL, NULL, &r);
    CHECK_INT(r.max_age, 120);
    fetch_result_free(&r);
    get(s, url_of("/a.html?cc=no-cache"), NULL, NULL, &r);
    CHECK_INT(r.max_age, 0);
    fetch_result_free(&r);
    get(s, url_of("/a.html?expires=600"), NULL, NULL, &r);
    CHECK(r.max_age >= 598 && r.max_age <= 600);
    fetch_result_free(&r);
    get(s, url_of("/a.html"), NULL, NULL, &r);
    CHECK_INT(r.max_age, 0);
    fetch_result_free(&r);

    /* the configured User-Agent is what the server sees */
    get(s, url_of("/_echo"), NULL, NULL, &r);
    CHECK(r.body.data && strstr(r.body.data, "User-Agent: newsmill-test/1"));
    CHECK(r.body.data && strstr(r.body.data, "Accept-Encoding:"));
    fetch_result_free(&r);
}

static void test_errors(const fetch_settings_t *s)
{
    fetch_result_t r;
    get(s, url_of("/missing.html"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK_INT(r.http_status, 404);
    CHECK_STR(r.reason, "http 404");
    fetch_result_free(&r);

    get(s, url_of("/_status/410"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    fetch_result_free(&r);

    get(s, url_of("/_status/500"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_TRANSIENT);
    CHECK_INT(r.http_status, 500);
    fetch_result_free(&r);

    get(s, url_of("/_status/429"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_TRANSIENT);
    fetch_result_free(&r);

    get(s, url_of("/_retry_after/7"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_TRANSIENT);
    CHECK_INT(r.http_status, 503);
    CHECK_INT(r.retry_after, 7);
    fetch_result_free(&r);

    get(s, url_of("/_empty"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strstr(r.reason, "empty") != NULL);
    fetch_result_free(&r);

    /* nothing listens on port 1 */
    get(s, "http://127.0.0.1:1/", NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_TRANSIENT);
    CHECK_INT(r.http_status, 0);
    fetch_result_free(&r);

    get(s, "http://nonexistent.invalid/", NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_TRANSIENT);
    CHECK(strncmp(r.reason, "dns", 3) == 0);
    fetch_result_free(&r);
}

static void test_limits(void)
{
    fetch_settings_t s;
    fetch_result_t r;
    settings(&s);

    s.timeout_ms = 1500;
    int64_t t0 = nm_now_ms();
    get(&s, url_of("/_hang"), NULL, NULL, &r);
    int64_t took = nm_now_ms() - t0;
    CHECK_INT(r.cls, FETCH_TRANSIENT);
    CHECK(strncmp(r.reason, "timeout", 7) == 0);
    CHECK(took >= 1400 && took < 4000);
    fetch_result_free(&r);

    settings(&s);
    s.max_bytes = 100000;
    get(&s, url_of("/_large/100000"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PAGE);
    CHECK_INT(r.body.len, 100000);
    fetch_result_free(&r);
    get(&s, url_of("/_large/100001"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strncmp(r.reason, "too large", 9) == 0);
    CHECK(r.body.data == NULL);
    fetch_result_free(&r);

    /* 1 GiB once inflated: must stop at the 1 MiB cap, fast */
    s.max_bytes = 1 << 20;
    t0 = nm_now_ms();
    get(&s, url_of("/_bomb"), NULL, NULL, &r);
    took = nm_now_ms() - t0;
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strncmp(r.reason, "too large", 9) == 0);
    CHECK(took < 2000);
    fetch_result_free(&r);

    settings(&s);
    get(&s, url_of("/_redirect/5/a.html"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PAGE);
    CHECK_STR(r.final_url, url_of("/_redirect/0/a.html"));
    CHECK_STR(r.url, url_of("/_redirect/5/a.html"));
    fetch_result_free(&r);
    get(&s, url_of("/_redirect/6/a.html"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strstr(r.reason, "redirects") != NULL);
    fetch_result_free(&r);

    /* only http and https, first request and redirects alike */
    static const char *bad_targets[] = { "file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://127.0.0.1/x",
                                         "dict://127.0.0.1:11211/stat" };
    for (size_t i = 0; i < sizeof bad_targets / sizeof bad_targets[0]; i++) {
        char *esc = curl_easy_escape(NULL, bad_targets[i], 0);
        char path[512];
        snprintf(path, sizeof path, "/_redirect_to?url=%s", esc);
        curl_free(esc);
        get(&s, url_of(path), NULL, NULL, &r);
        CHECK_INT(r.cls, FETCH_PERMANENT);
        CHECK(strstr(r.reason, "scheme") != NULL);
        CHECK(r.body.data == NULL);
        fetch_result_free(&r);

        get(&s, bad_targets[i], NULL, NULL, &r);
        CHECK_INT(r.cls, FETCH_PERMANENT);
        CHECK(strstr(r.reason, "scheme") != NULL);
        fetch_result_free(&r);
    }
    get(&s, "http://exa mple.com/", NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    fetch_result_free(&r);
    get(&s, "", NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    fetch_result_free(&r);
}

static void test_private_addresses(void)
{
    fetch_settings_t s;
    fetch_result_t r;
    settings(&s);
    s.allow_private = false;
    char url[256];

    get(&s, url_of("/a.html"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strstr(r.reason, "blocked address: loopback 127.0.0.1") != NULL);
    CHECK_INT(r.http_status, 0);
    fetch_result_free(&r);

    snprintf(url, sizeof url, "http://localhost:%d/a.html", port);
    get(&s, url, NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strstr(r.reason, "blocked address") != NULL);
    fetch_result_free(&r);

    snprintf(url, sizeof url, "http://[::ffff:127.0.0.1]:%d/a.html", port);
    get(&s, url, NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strstr(r.reason, "blocked address") != NULL);
    fetch_result_free(&r);

    /* decimal and hex spellings resolve to loopback too */
    snprintf(url, sizeof url, "http://2130706433:%d/a.html", port);
    get(&s, url, NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    fetch_result_free(&r);

    get(&s, "http://169.254.169.254/latest/meta-data/", NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strstr(r.reason, "metadata") != NULL);
    fetch_result_free(&r);
}

/* http_proxy & co. must be ignored: the proxy comes from the configuration only. */
static void test_env_proxy_ignored(void)
{
    setenv("http_proxy", "http://127.0.0.1:1", 1);
    setenv("HTTPS_PROXY", "http://127.0.0.1:1", 1);
    setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
    setenv("no_proxy", "", 1);

    /* control: a plain libcurl handle does honour the variable here */
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url_of("/a.html"));
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    CHECK(rc != CURLE_OK);

    fetch_settings_t s;
    fetch_result_t r;
    settings(&s);
    get(&s, url_of("/a.html"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_PAGE);
    fetch_result_free(&r);

    unsetenv("http_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("no_proxy");

    /* a configured proxy is used: one that refuses makes the fetch fail */
    s.proxy = "http://127.0.0.1:1";
    get(&s, url_of("/a.html"), NULL, NULL, &r);
    CHECK_INT(r.cls, FETCH_TRANSIENT);
    fetch_result_free(&r);
}

typedef struct {
    int done;
    int pages;
    int64_t ids_sum;
} many_t;

static void many_done(fetch_result_t *r, void *ctx)
{
    many_t *m = ctx;
    m->done++;
    m->ids_sum += r->id;
    if (r->cls == FETCH_PAGE)
        m->pages++;
}

/* The engine runs transfers side by side: ten 400 ms answers take ~400 ms. */
static void test_parallel(void)
{
    fetch_settings_t s;
    settings(&s);
    many_t m = { 0, 0, 0 };
    char err[256];
    fetch_engine_t *e = fetch_engine_new(&s, many_done, &m, err, sizeof err);
    CHECK(e != NULL);
    if (!e)
        return;
    int64_t t0 = nm_now_ms();
    for (int i = 1; i <= 10; i++) {
        fetch_request_t req = { .id = i, .url = url_of("/_slow/400/a.html") };
        CHECK_INT(fetch_engine_add(e, &req, err, sizeof err), 0);
    }
    fetch_request_t bad = { .id = 100, .url = "gopher://x/" };
    CHECK_INT(fetch_engine_add(e, &bad, err, sizeof err), 0);
    CHECK_INT(m.done, 0);            /* callbacks only from poll */
    CHECK_INT(fetch_engine_active(e), 11);
    while (fetch_engine_active(e) > 0 && nm_now_ms() - t0 < 10000)
        fetch_engine_poll(e, NULL, 0, 100);
    int64_t took = nm_now_ms() - t0;
    CHECK_INT(m.done, 11);
    CHECK_INT(m.pages, 10);
    CHECK_INT(m.ids_sum, 155);
    CHECK(took < 2000);

    /* cancel_all: no callbacks, nothing left */
    fetch_request_t req = { .id = 1, .url = url_of("/_hang") };
    fetch_engine_add(e, &req, err, sizeof err);
    fetch_engine_poll(e, NULL, 0, 50);
    fetch_engine_cancel_all(e, NULL, NULL);
    CHECK_INT(fetch_engine_active(e), 0);
    CHECK_INT(m.done, 11);
    fetch_engine_destroy(&e);
    CHECK(e == NULL);
    fetch_engine_destroy(&e);
}

int main(void)
{
    test_address_guard();

    snprintf(root, sizeof root, "/tmp/nm_test_fetch.XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    write_file("a.html", "<html><body><p>Hello</p></body></html>\n");
    write_file("feed.xml", "<rss version=\"2.0\"><channel><title>t</title></channel></rss>\n");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "printf 'zipped text\\n' | gzip > %s/z.txt.gz", root);
    CHECK(system(cmd) == 0);

    test_httpd_t h;
    CHECK(test_httpd_start(&h, root) == 0);
    if (h.pid > 0) {
        port = h.port;
        fetch_settings_t s;
        settings(&s);
        test_page_and_304(&s);
        test_errors(&s);
        test_limits();
        test_private_addresses();
        test_env_proxy_ignored();
        test_parallel();
        test_httpd_stop(&h);
    }

    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK(system(cmd) == 0);
    return nm_test_done();
}

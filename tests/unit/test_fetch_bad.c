/* Bad input against the project's own misbehaving server (nm_test_httpd):
 * every case ends as a classified, explained outcome within its limits. For
 * each one we check the class, the reason, and how long it took; then all of
 * them at once through one engine, to show that none holds up the others. */
#include "fetch.h"
#include "nm_daemon.h"
#include "nm_test.h"
#include "test_fetch_httpd.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

static char root[256];
static int port;

#define TIMEOUT_MS 3000
#define MAX_BYTES (1 << 20)

static void settings(fetch_settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->connect_timeout_ms = 2000;
    s->timeout_ms = TIMEOUT_MS;
    s->low_speed_bytes = 1000;   /* under 1000 bytes/s ... */
    s->low_speed_seconds = 1;    /* ... for a second: too slow */
    s->max_bytes = MAX_BYTES;
    s->max_redirects = 5;
    s->user_agent = "newsmill/1 (test)";
    s->allow_private = false;    /* only our own server is allowed, by allow_hosts */
    s->proxy = "";
}

typedef struct {
    const char *name;
    const char *path;            /* on our server */
    fetch_class_t cls;
    long status;                 /* -1: don't check */
    const char *reason;          /* the reason starts with this */
    long min_ms, max_ms;
} bad_case_t;

static const bad_case_t cases[] = {
    { "slow drip", "/_drip/50/100000", FETCH_TRANSIENT, 200,
      "timeout: too slow (under 1000 bytes/s for 1 s)", 900, 2800 },
    { "body that never ends (fast)", "/_endless", FETCH_PERMANENT, 200,
      "too large: body exceeds 1048576 bytes (decoded)", 0, 2000 },
    { "body that never ends (steady)", "/_drip/20000/0", FETCH_TRANSIENT, 200,
      "timeout: no complete answer within 3000 ms", 2900, 4500 },
    { "gzip bomb", "/_bomb", FETCH_PERMANENT, 200, "too large: body exceeds 1048576 bytes (decoded)", 0, 2000 },
    { "redirect loop", "/_redirect_loop", FETCH_PERMANENT, 302, "too many redirects (max 5)", 0, 1500 },
    { "redirect to a private address", "/_redirect_to?url=http%3A%2F%2F10.0.0.1%2Ffeed.xml", FETCH_PERMANENT,
      302, "blocked address: private 10.0.0.1", 0, 1000 },
    { "redirect to the metadata service", "/_redirect_to?url=http%3A%2F%2F169.254.169.254%2Flatest%2F",
      FETCH_PERMANENT, 302, "blocked address: link-local/metadata 169.254.169.254", 0, 1000 },
    { "redirect to a mapped loopback address", "/_redirect_to?url=http%3A%2F%2F%5B%3A%3Affff%3A127.0.0.2%5D%2F",
      FETCH_PERMANENT, 302, "blocked address: loopback 127.0.0.2", 0, 1000 },
    { "feed served as text/html", "/feed.xml?ct=text/html", FETCH_PAGE, 200, "http 200", 0, 1000 },
    { "invalid charset", "/feed.xml?ct=application/rss%2Bxml;%20charset=x-no-such-charset", FETCH_PAGE, 200,
      "http 200", 0, 1000 },
    { "truncated chunked response", "/_truncated/5000", FETCH_TRANSIENT, 200, "truncated response", 0, 1500 },
    { "429 with Retry-After", "/_retry_after/30?code=429", FETCH_TRANSIENT, 429, "http 429 (retry after 30 s)",
      0, 1000 },
    { "503 with an HTTP-date Retry-After", "/_retry_after/120?date=1", FETCH_TRANSIENT, 503,
      "http 503 (retry after 1", 0, 1000 },
    { "connection reset", "/_reset", FETCH_TRANSIENT, 0, "connection", 0, 1000 },
    { "enormous feed", "/_large/50000000?ct=application/rss%2Bxml", FETCH_PERMANENT, 200,
      "too large: body exceeds 1048576 bytes (decoded)", 0, 2500 },
    { "nothing listening", NULL, FETCH_TRANSIENT, 0, "", 0, 2500 },
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

static void url_for(const bad_case_t *c, char *out, size_t outlen)
{
    if (c->path)
        snprintf(out, outlen, "http://127.0.0.1:%d%s", port, c->path);
    else
        snprintf(out, outlen, "http://127.0.0.1:1/");   /* allowed below, refused by the kernel */
}

static void check_result(const bad_case_t *c, const fetch_result_t *r, long took)
{
    int before = nm_test_failures;
    CHECK_INT(r->cls, c->cls);
    if (c->status >= 0)
        CHECK_INT(r->http_status, c->status);
    CHECK(strncmp(r->reason, c->reason, strlen(c->reason)) == 0);
    CHECK(r->reason[0] != '\0');
    CHECK(took >= c->min_ms && took <= c->max_ms);
    if (r->cls != FETCH_PAGE)
        CHECK(r->body.data == NULL);
    if (nm_test_failures != before)
        fprintf(stderr, "  case '%s': class %s, http %ld, reason '%s', %ld ms\n", c->name,
                fetch_class_name(r->cls), r->http_status, r->reason, took);
}

static void test_one_by_one(const fetch_settings_t *s)
{
    for (int i = 0; i < NCASES; i++) {
        char url[512], err[256];
        fetch_result_t r;
        url_for(&cases[i], url, sizeof url);
        int64_t t0 = nm_now_ms();
        CHECK_INT(fetch_url(s, url, NULL, NULL, &r, err, sizeof err), 0);
        long took = (long)(nm_now_ms() - t0);
        check_result(&cases[i], &r, took);
        fprintf(stderr, "%-40s %-10s %4ld ms  %s\n", cases[i].name, fetch_class_name(r.cls), took, r.reason);

        /* the details the next stage needs */
        if (!strcmp(cases[i].name, "feed served as text/html")) {
            CHECK_STR(r.content_type, "text/html");
            CHECK(r.body.data && strncmp(r.body.data, "<rss", 4) == 0);
            CHECK(r.charset == NULL);
        }
        if (!strcmp(cases[i].name, "invalid charset"))
            CHECK_STR(r.charset, "x-no-such-charset");   /* passed along; the parser decides */
        if (!strcmp(cases[i].name, "429 with Retry-After"))
            CHECK_INT(r.retry_after, 30);
        if (!strcmp(cases[i].name, "503 with an HTTP-date Retry-After"))
            CHECK(r.retry_after >= 115 && r.retry_after <= 121);
        fetch_result_free(&r);
    }
}

typedef struct {
    int done;
    int64_t t0;
    long took[NCASES];
    fetch_result_t res[NCASES];
} all_t;

static void all_done(fetch_result_t *r, void *ctx)
{
    all_t *a = ctx;
    a->done++;
    if (r->id >= 0 && r->id < NCASES) {
        a->took[r->id] = (long)(nm_now_ms() - a->t0);
        a->res[r->id] = *r;
        memset(r, 0, sizeof *r);
    }
}

/* Everything at once: each still ends in its own time. */
static void test_all_at_once(const fetch_settings_t *s)
{
    all_t a;
    memset(&a, 0, sizeof a);
    char err[256];
    fetch_engine_t *e = fetch_engine_new(s, all_done, &a, err, sizeof err);
    CHECK(e != NULL);
    if (!e)
        return;
    a.t0 = nm_now_ms();
    for (int i = 0; i < NCASES; i++) {
        char url[512];
        url_for(&cases[i], url, sizeof url);
        fetch_request_t req = { .id = i, .url = url };
        CHECK_INT(fetch_engine_add(e, &req, err, sizeof err), 0);
    }
    while (fetch_engine_active(e) > 0 && nm_now_ms() - a.t0 < 15000)
        fetch_engine_poll(e, NULL, 0, 100);
    long total = (long)(nm_now_ms() - a.t0);
    fetch_engine_destroy(&e);
    CHECK_INT(a.done, NCASES);
    for (int i = 0; i < NCASES; i++) {
        /* side by side on a busy machine: the same class and reason, a looser
         * clock. A moment's stall of 16 transfers at once can trip the
         * low-speed timer (1 s) before the total timeout (3 s) on the steady
         * drip (seen once in CI): either way it is the same transient
         * timeout, which is what the check keeps; the exact reason and clock
         * are checked one at a time above. */
        bad_case_t loose = cases[i];
        loose.min_ms = cases[i].min_ms * 8 / 10;
        loose.max_ms = cases[i].max_ms + 1500;
        if (strncmp(loose.reason, "timeout:", 8) == 0) {
            loose.reason = "timeout:";
            if (loose.min_ms > 800)
                loose.min_ms = 800;
        }
        check_result(&loose, &a.res[i], a.took[i]);
        fetch_result_free(&a.res[i]);
    }
    CHECK(total < 6000);
    fprintf(stderr, "all %d bad inputs at once: %ld ms\n", NCASES, total);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/nm_test_fetch_bad.XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/feed.xml", root);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("<rss version=\"2.0\"><channel><title>t</title><item><title>i</title></item></channel></rss>\n", f);
        fclose(f);
    }

    test_httpd_t h;
    CHECK(test_httpd_start(&h, root) == 0);
    if (h.pid > 0) {
        port = h.port;
        char allow[64];
        snprintf(allow, sizeof allow, "127.0.0.1:%d, 127.0.0.1:1", port);
        fetch_settings_t s;
        settings(&s);
        s.allow_hosts = allow;
        test_one_by_one(&s);
        test_all_at_once(&s);
        test_httpd_stop(&h);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK(system(cmd) == 0);
    return nm_test_done();
}

/* The fetch engine's manners, against nm_test_httpd over loopback: per-host
 * concurrency and pacing, robots.txt (fetched once, obeyed, Crawl-delay
 * capped, failures), requests that outwait their lease, and
 * fetcher.allow_hosts (the exceptions to the private-address block, which a
 * redirect to another private address must not escape), and redirects: each
 * hop a request of its own to its own host (127.0.0.1:P and localhost:P are
 * two hosts), paced, limited, checked against that host's robots.txt. */
#include "fetch.h"
#include "fetch_addr.h"
#include "nm_daemon.h"
#include "nm_test.h"
#include "test_fetch_httpd.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char root[256], root_robots[256];

static void write_file(const char *dir, const char *name, const char *data)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
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
    s->user_agent = "newsmill/1 (test)";
    s->allow_private = true;
    s->proxy = "";
}

#define MAXREQ 16
typedef struct {
    int done;
    int64_t t0;
    int64_t at[MAXREQ];          /* completion time by id */
    fetch_class_t cls[MAXREQ];
    char reason[MAXREQ][256];
    int retry_after[MAXREQ];
    char final_url[MAXREQ][256];
    int redirects[MAXREQ];
    long status[MAXREQ];
} run_t;

static void run_done(fetch_result_t *r, void *ctx)
{
    run_t *m = ctx;
    m->done++;
    if (r->id >= 0 && r->id < MAXREQ) {
        m->at[r->id] = nm_now_ms() - m->t0;
        m->cls[r->id] = r->cls;
        snprintf(m->reason[r->id], sizeof m->reason[r->id], "%s", r->reason);
        m->retry_after[r->id] = r->retry_after;
        snprintf(m->final_url[r->id], sizeof m->final_url[r->id], "%s", r->final_url ? r->final_url : "");
        m->redirects[r->id] = r->redirects;
        m->status[r->id] = r->http_status;
    }
}

/* Run the given URLs (ids 0..n-1) through one engine until all complete. */
static int64_t run(const fetch_settings_t *s, const char *const *urls, int n, run_t *m)
{
    char err[256];
    memset(m, 0, sizeof *m);
    fetch_engine_t *e = fetch_engine_new(s, run_done, m, err, sizeof err);
    CHECK(e != NULL);
    if (!e)
        return -1;
    m->t0 = nm_now_ms();
    for (int i = 0; i < n; i++) {
        fetch_request_t req = { .id = i, .url = urls[i] };
        CHECK_INT(fetch_engine_add(e, &req, err, sizeof err), 0);
    }
    CHECK_INT(fetch_engine_active(e), n);
    while (fetch_engine_active(e) > 0 && nm_now_ms() - m->t0 < 20000)
        fetch_engine_poll(e, NULL, 0, 100);
    int64_t took = nm_now_ms() - m->t0;
    CHECK_INT(m->done, n);
    fetch_engine_destroy(&e);
    return took;
}

static int robots_requests(int port)
{
    char url[128], err[256];
    fetch_settings_t s;
    fetch_result_t r;
    settings(&s);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_stats", port);
    if (fetch_url(&s, url, NULL, NULL, &r, err, sizeof err) < 0 || !r.body.data)
        return -1;
    int n = 0;
    const char *p = strstr(r.body.data, "\"path\":\"/robots.txt\",\"count\":");
    if (p)
        n = atoi(p + strlen("\"path\":\"/robots.txt\",\"count\":"));
    fetch_result_free(&r);
    return n;
}

static void test_per_host_concurrency(int port)
{
    fetch_settings_t s;
    settings(&s);
    s.per_host_concurrency = 2;
    char u[7][128];
    const char *urls[7];
    for (int i = 0; i < 6; i++) {
        snprintf(u[i], sizeof u[i], "http://127.0.0.1:%d/_slow/300/a.html?i=%d", port, i);
        urls[i] = u[i];
    }
    snprintf(u[6], sizeof u[6], "http://localhost:%d/_slow/300/a.html", port);   /* another host */
    urls[6] = u[6];

    char err[256];
    run_t m;
    memset(&m, 0, sizeof m);
    fetch_engine_t *e = fetch_engine_new(&s, run_done, &m, err, sizeof err);
    m.t0 = nm_now_ms();
    for (int i = 0; i < 7; i++) {
        fetch_request_t req = { .id = i, .url = urls[i] };
        fetch_engine_add(e, &req, err, sizeof err);
    }
    CHECK_INT(fetch_engine_active(e), 7);
    CHECK_INT(fetch_engine_waiting(e), 4);   /* 2 for 127.0.0.1 and 1 for localhost run */
    while (fetch_engine_active(e) > 0 && nm_now_ms() - m.t0 < 10000)
        fetch_engine_poll(e, NULL, 0, 100);
    int64_t took = nm_now_ms() - m.t0;
    fetch_engine_destroy(&e);
    CHECK_INT(m.done, 7);
    for (int i = 0; i < 7; i++)
        CHECK_INT(m.cls[i], FETCH_PAGE);
    /* three waves of two, in order; the other host alongside the first */
    CHECK(took >= 850 && took < 2500);
    CHECK(m.at[6] < 700);
    CHECK(m.at[4] >= 550 && m.at[5] >= 550);
    CHECK(m.at[0] < m.at[4] && m.at[1] < m.at[4]);
    fprintf(stderr, "per-host concurrency 2: 6 x 300 ms in %lld ms\n", (long long)took);
}

static void test_per_host_delay(int port)
{
    fetch_settings_t s;
    settings(&s);
    s.per_host_delay_ms = 250;
    char u[4][128];
    const char *urls[4];
    for (int i = 0; i < 4; i++) {
        snprintf(u[i], sizeof u[i], "http://127.0.0.1:%d/a.html?d=%d", port, i);
        urls[i] = u[i];
    }
    run_t m;
    int64_t took = run(&s, urls, 4, &m);
    CHECK(took >= 700 && took < 2500);
    for (int i = 1; i < 4; i++)
        CHECK(m.at[i] - m.at[i - 1] >= 200);
    fprintf(stderr, "per-host delay 250 ms: 4 requests in %lld ms\n", (long long)took);
}

static void test_robots(int port)
{
    fetch_settings_t s;
    settings(&s);
    s.robots = true;
    s.robots_max_delay_ms = 400;   /* the file asks for 1 s */
    char u[5][128];
    const char *urls[5];
    snprintf(u[0], sizeof u[0], "http://127.0.0.1:%d/a.html", port);
    snprintf(u[1], sizeof u[1], "http://127.0.0.1:%d/private/x.html", port);
    snprintf(u[2], sizeof u[2], "http://127.0.0.1:%d/a.html?b", port);
    snprintf(u[3], sizeof u[3], "http://127.0.0.1:%d/private/../a.html", port);
    snprintf(u[4], sizeof u[4], "http://127.0.0.1:%d/a.html?c", port);
    for (int i = 0; i < 5; i++)
        urls[i] = u[i];
    int before = robots_requests(port);
    run_t m;
    int64_t took = run(&s, urls, 5, &m);
    CHECK_INT(m.cls[0], FETCH_PAGE);
    CHECK_INT(m.cls[1], FETCH_PERMANENT);
    CHECK_STR(m.reason[1], "disallowed by robots.txt (Disallow: /private/)");
    CHECK_INT(m.cls[2], FETCH_PAGE);
    CHECK_INT(m.cls[3], FETCH_PAGE);   /* libcurl's parser resolves the dot segments first */
    CHECK_INT(m.cls[4], FETCH_PAGE);
    CHECK(m.at[1] < m.at[2]);          /* refused without waiting its turn */
    /* four pages 400 ms apart (Crawl-delay 1 s, capped): >= 1200 ms, well under 3 s */
    CHECK(took >= 1150 && took < 2900);
    CHECK_INT(robots_requests(port) - before, 1);
    fprintf(stderr, "robots: 4 pages with Crawl-delay capped at 400 ms in %lld ms\n", (long long)took);

    /* another crawler falls under "*": everything disallowed */
    s.user_agent = "otherbot/2";
    s.robots_max_delay_ms = 0;
    took = run(&s, urls, 1, &m);
    CHECK_INT(m.cls[0], FETCH_PERMANENT);
    CHECK_STR(m.reason[0], "disallowed by robots.txt (Disallow: /)");
}

static void test_robots_failures(void)
{
    fetch_settings_t s;
    settings(&s);
    s.robots = true;
    s.timeout_ms = 1000;
    static const struct {
        const char *status;
        fetch_class_t cls;
        const char *reason;
    } cases[] = {
        { "404", FETCH_PAGE, "http 200" },
        { "403", FETCH_PAGE, "http 200" },
        { "503", FETCH_TRANSIENT, "robots.txt unreachable (http 503): host disallowed for now" },
        { "429", FETCH_TRANSIENT, "robots.txt unreachable (http 429)" },
        { "0", FETCH_TRANSIENT, "robots.txt unreachable (Operation timed out" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_httpd_t h;
        const char *args[] = { "--robots-status", cases[i].status, NULL };
        CHECK(test_httpd_start_args(&h, root, args) == 0);
        if (h.pid <= 0)
            continue;
        char u[2][128];
        const char *urls[2];
        snprintf(u[0], sizeof u[0], "http://127.0.0.1:%d/a.html", h.port);
        snprintf(u[1], sizeof u[1], "http://127.0.0.1:%d/a.html?2", h.port);
        urls[0] = u[0];
        urls[1] = u[1];
        run_t m;
        int64_t took = run(&s, urls, 2, &m);
        for (int j = 0; j < 2; j++) {
            CHECK_INT(m.cls[j], cases[i].cls);
            CHECK(strncmp(m.reason[j], cases[i].reason, strlen(cases[i].reason)) == 0);
            if (strncmp(m.reason[j], cases[i].reason, strlen(cases[i].reason)))
                fprintf(stderr, "  robots %s: reason '%s'\n", cases[i].status, m.reason[j]);
            if (cases[i].cls == FETCH_TRANSIENT)
                CHECK(m.retry_after[j] > 0 && m.retry_after[j] <= 61);
        }
        CHECK(took < 3000);
        CHECK_INT(robots_requests(h.port), 1);   /* one robots.txt request for both */
        test_httpd_stop(&h);
    }
}

static void count_drop(void *user, void *ctx)
{
    CHECK(user != NULL);
    (*(int *)ctx)++;
}

/* A job still waiting for its host when its lease ends is reported, not started. */
static void test_start_before(int port)
{
    fetch_settings_t s;
    settings(&s);
    s.per_host_concurrency = 1;
    char err[256], u0[128], u1[128];
    run_t m;
    memset(&m, 0, sizeof m);
    fetch_engine_t *e = fetch_engine_new(&s, run_done, &m, err, sizeof err);
    snprintf(u0, sizeof u0, "http://127.0.0.1:%d/_slow/2500/a.html", port);
    snprintf(u1, sizeof u1, "http://127.0.0.1:%d/a.html?late", port);
    m.t0 = nm_now_ms();
    fetch_request_t r0 = { .id = 0, .url = u0 };
    fetch_request_t r1 = { .id = 1, .url = u1, .start_before = nm_time_s() + 1 };
    fetch_engine_add(e, &r0, err, sizeof err);
    fetch_engine_add(e, &r1, err, sizeof err);
    CHECK_INT(fetch_engine_waiting(e), 1);
    while (fetch_engine_active(e) > 0 && nm_now_ms() - m.t0 < 10000)
        fetch_engine_poll(e, NULL, 0, 100);
    CHECK_INT(m.done, 2);
    CHECK_INT(m.cls[0], FETCH_PAGE);
    CHECK_INT(m.cls[1], FETCH_TRANSIENT);
    CHECK(strncmp(m.reason[1], "host busy", 9) == 0);
    CHECK(m.at[1] < 2200 && m.at[1] < m.at[0]);

    /* cancel_all hands back waiting requests too */
    static int users[3];
    int drops = 0;
    for (int i = 0; i < 3; i++) {
        fetch_request_t r = { .id = 10 + i, .user = &users[i], .url = u0 };
        fetch_engine_add(e, &r, err, sizeof err);
    }
    fetch_engine_poll(e, NULL, 0, 50);
    CHECK_INT(fetch_engine_waiting(e), 2);
    fetch_engine_cancel_all(e, count_drop, &drops);
    CHECK_INT(drops, 3);
    CHECK_INT(fetch_engine_active(e), 0);
    CHECK_INT(fetch_engine_waiting(e), 0);
    fetch_engine_destroy(&e);
}

static void test_allow_list_parse(void)
{
    char err[256];
    static const char *good[] = { "", "127.0.0.1", "127.0.0.1:8080, 10.0.0.0/8 [::1]:99", "fd00::/8",
                                  "feeds.internal:8080", "[fe80::1]", "::1" };
    static const char *bad[] = { "10.0.0.0/33", "[::1", "[::1]x", "host:0", "host:99999", "a/b",
                                 "bad_host!", "::1/129" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        fetch_allow_t *a = fetch_allow_new(good[i], err, sizeof err);
        CHECK(a != NULL);
        fetch_allow_destroy(&a);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        fetch_allow_t *a = fetch_allow_new(bad[i], err, sizeof err);
        CHECK(a == NULL);
        CHECK(strstr(err, "allow_hosts") != NULL);
        if (a)
            fprintf(stderr, "  should be refused: %s\n", bad[i]);
        fetch_allow_destroy(&a);
    }
    fetch_allow_t *a = fetch_allow_new("127.0.0.1:8080, 10.1.0.0/16, [::1], feeds.internal", err, sizeof err);
    CHECK_INT(fetch_allow_count(a), 4);
    struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(8080) };
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(8080) };
    inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
    CHECK_INT(fetch_allow_match(a, NULL, (struct sockaddr *)&s4, sizeof s4), 1);
    s4.sin_port = htons(8081);
    CHECK_INT(fetch_allow_match(a, NULL, (struct sockaddr *)&s4, sizeof s4), 0);   /* other port */
    inet_pton(AF_INET, "10.1.200.3", &s4.sin_addr);
    CHECK_INT(fetch_allow_match(a, NULL, (struct sockaddr *)&s4, sizeof s4), 1);
    inet_pton(AF_INET, "10.2.0.1", &s4.sin_addr);
    CHECK_INT(fetch_allow_match(a, NULL, (struct sockaddr *)&s4, sizeof s4), 0);
    CHECK_INT(fetch_allow_match(a, "FEEDS.internal", (struct sockaddr *)&s4, sizeof s4), 1);
    CHECK_INT(fetch_allow_match(a, "feeds.internal.evil.com", (struct sockaddr *)&s4, sizeof s4), 0);
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);   /* mapped: judged as IPv4 */
    CHECK_INT(fetch_allow_match(a, NULL, (struct sockaddr *)&s6, sizeof s6), 1);
    inet_pton(AF_INET6, "::1", &s6.sin6_addr);
    CHECK_INT(fetch_allow_match(a, NULL, (struct sockaddr *)&s6, sizeof s6), 1);
    inet_pton(AF_INET6, "::2", &s6.sin6_addr);
    CHECK_INT(fetch_allow_match(a, NULL, (struct sockaddr *)&s6, sizeof s6), 0);
    fetch_allow_destroy(&a);

    fetch_settings_t s;
    settings(&s);
    s.allow_hosts = "10.0.0.0/40";
    fetch_engine_t *e = fetch_engine_new(&s, NULL, NULL, err, sizeof err);
    CHECK(e == NULL);
    CHECK(strstr(err, "allow_hosts") != NULL);
}

static void get(const fetch_settings_t *s, const char *url, fetch_result_t *r)
{
    char err[256];
    CHECK_INT(fetch_url(s, url, NULL, NULL, r, err, sizeof err), 0);
}

/* allow_private=false with one exception: a server on 127.0.0.1 that
 * redirects to 127.0.0.2 (a second server, really there) stays blocked. */
static void test_allow_list_redirect(int port)
{
    test_httpd_t other;
    const char *args[] = { "--bind", "127.0.0.2", NULL };
    if (test_httpd_start_args(&other, root, args) < 0) {
        fprintf(stderr, "skip: cannot listen on 127.0.0.2\n");
        return;
    }
    char allow[64], url[512], target[128], *esc;
    fetch_settings_t s;
    fetch_result_t r;
    settings(&s);
    s.allow_private = false;
    snprintf(allow, sizeof allow, "127.0.0.1:%d", port);
    s.allow_hosts = allow;
    snprintf(target, sizeof target, "http://127.0.0.2:%d/a.html", other.port);
    esc = curl_easy_escape(NULL, target, 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_redirect_to?url=%s", port, esc);
    curl_free(esc);

    snprintf(target, sizeof target, "http://127.0.0.1:%d/a.html", port);
    get(&s, target, &r);
    CHECK_INT(r.cls, FETCH_PAGE);   /* the listed server */
    fetch_result_free(&r);

    get(&s, url, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strstr(r.reason, "blocked address: loopback 127.0.0.2") != NULL);
    CHECK_INT(r.http_status, 302);
    fetch_result_free(&r);

    /* control: with private addresses allowed the same redirect lands */
    s.allow_private = true;
    get(&s, url, &r);
    CHECK_INT(r.cls, FETCH_PAGE);
    CHECK(strstr(r.final_url, "127.0.0.2") != NULL);
    fetch_result_free(&r);
    s.allow_private = false;

    /* a network entry covering both lets the redirect through */
    s.allow_hosts = "127.0.0.0/30";
    get(&s, url, &r);
    CHECK_INT(r.cls, FETCH_PAGE);
    fetch_result_free(&r);

    /* a name entry: that name only, not the address it resolves to */
    snprintf(allow, sizeof allow, "localhost:%d", port);
    s.allow_hosts = allow;
    snprintf(target, sizeof target, "http://localhost:%d/a.html", port);
    get(&s, target, &r);
    CHECK_INT(r.cls, FETCH_PAGE);
    fetch_result_free(&r);
    snprintf(target, sizeof target, "http://127.0.0.1:%d/a.html", port);
    get(&s, target, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    CHECK(strstr(r.reason, "blocked address") != NULL);
    fetch_result_free(&r);

    /* the right address on another port is still blocked */
    snprintf(allow, sizeof allow, "127.0.0.1:%d", port);
    s.allow_hosts = allow;
    snprintf(target, sizeof target, "http://127.0.0.1:%d/a.html", other.port);
    get(&s, target, &r);
    CHECK_INT(r.cls, FETCH_PERMANENT);
    fetch_result_free(&r);
    test_httpd_stop(&other);
}


/* http://127.0.0.1:port/_redirect_to?url=<target escaped>[&cookie=...] */
static void redirect_url(char *out, size_t outlen, int port, const char *target, const char *extra)
{
    char *esc = curl_easy_escape(NULL, target, 0);
    snprintf(out, outlen, "http://127.0.0.1:%d/_redirect_to?url=%s%s", port, esc, extra ? extra : "");
    curl_free(esc);
}

/* A redirect to another host waits for that host's delay and slot. */
static void test_redirect_politeness(int port)
{
    fetch_settings_t s;
    settings(&s);
    s.per_host_delay_ms = 400;
    char u[2][256], target[128];
    const char *urls[2] = { u[0], u[1] };
    snprintf(u[0], sizeof u[0], "http://localhost:%d/a.html?first", port);
    snprintf(target, sizeof target, "http://localhost:%d/a.html?hop", port);
    redirect_url(u[1], sizeof u[1], port, target, NULL);
    run_t m;
    run(&s, urls, 2, &m);
    CHECK_INT(m.cls[0], FETCH_PAGE);
    CHECK_INT(m.cls[1], FETCH_PAGE);
    CHECK_STR(m.final_url[1], target);
    CHECK_INT(m.redirects[1], 1);
    CHECK_INT(m.redirects[0], 0);
    CHECK(m.at[0] < 300);
    CHECK(m.at[1] >= 380);   /* localhost's delay after the first request, not at once */
    fprintf(stderr, "redirect to a host in its delay: landed after %lld ms (delay 400)\n", (long long)m.at[1]);

    /* the target host's concurrency slot: one at a time, so the hop waits */
    settings(&s);
    s.per_host_concurrency = 1;
    snprintf(u[0], sizeof u[0], "http://localhost:%d/_slow/500/a.html", port);
    run(&s, urls, 2, &m);
    CHECK_INT(m.cls[0], FETCH_PAGE);
    CHECK_INT(m.cls[1], FETCH_PAGE);
    CHECK(m.at[1] >= 450 && m.at[1] >= m.at[0]);
    fprintf(stderr, "redirect to a busy host: %lld ms, after the slow one at %lld ms\n",
            (long long)m.at[1], (long long)m.at[0]);

    /* a same-host hop is another request: two hops, three requests 300 ms apart */
    settings(&s);
    s.per_host_delay_ms = 300;
    snprintf(u[0], sizeof u[0], "http://127.0.0.1:%d/_redirect/2/a.html", port);
    int64_t took = run(&s, urls, 1, &m);
    CHECK_INT(m.cls[0], FETCH_PAGE);
    CHECK_INT(m.redirects[0], 2);
    CHECK(took >= 580 && took < 2500);
}

/* robots.txt of the redirect target's host decides, and the reason says where. */
static void test_redirect_robots(int port, int rport)
{
    fetch_settings_t s;
    settings(&s);
    s.robots = true;
    s.robots_max_delay_ms = 0;   /* the file's Crawl-delay, capped away */
    char u[3][256], target[3][128];
    const char *urls[3] = { u[0], u[1], u[2] };
    snprintf(target[0], sizeof target[0], "http://127.0.0.1:%d/private/x.html", rport);
    snprintf(target[1], sizeof target[1], "http://127.0.0.1:%d/a.html", rport);
    redirect_url(u[0], sizeof u[0], port, target[0], NULL);
    redirect_url(u[1], sizeof u[1], port, target[1], NULL);
    snprintf(u[2], sizeof u[2], "http://127.0.0.1:%d/_redirect_to?url=%%2Fprivate%%2Fx.html", rport);
    int before = robots_requests(rport);
    run_t m;
    run(&s, urls, 3, &m);
    char want[300];
    snprintf(want, sizeof want, "disallowed by robots.txt (Disallow: /private/) (redirect to %s)", target[0]);
    CHECK_INT(m.cls[0], FETCH_PERMANENT);
    CHECK_STR(m.reason[0], want);
    CHECK_STR(m.final_url[0], target[0]);
    CHECK_INT(m.status[0], 302);
    CHECK_INT(m.cls[1], FETCH_PAGE);
    CHECK_STR(m.final_url[1], target[1]);
    /* a relative Location into the disallowed path of the same host */
    CHECK_INT(m.cls[2], FETCH_PERMANENT);
    CHECK(strncmp(m.reason[2], "disallowed by robots.txt (Disallow: /private/) (redirect to", 59) == 0);
    CHECK_INT(robots_requests(rport) - before, 1);   /* one robots.txt for the target host */
    /* the server never saw the disallowed request */
    fetch_result_t r;
    char err[256], url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_stats", rport);
    CHECK_INT(fetch_url(&s, url, NULL, NULL, &r, err, sizeof err), 0);
    CHECK(r.body.data && !strstr(r.body.data, "/private/x.html"));
    fetch_result_free(&r);
}

/* Limits, loops, relative and unusable Locations, per-job timeout. */
static void test_redirect_limits(int port)
{
    fetch_settings_t s;
    settings(&s);
    char u[9][256], other[64], want[9][256];
    const char *urls[9];
    for (int i = 0; i < 9; i++)
        urls[i] = u[i];
    /* A -> B -> A -> ...: two hosts sending us back and forth */
    snprintf(other, sizeof other, "localhost:%d", port);
    snprintf(u[0], sizeof u[0], "http://127.0.0.1:%d/_pingpong?other=%s", port, other);
    /* relative references: path, dot segments with a query, network-path */
    snprintf(u[1], sizeof u[1], "http://127.0.0.1:%d/_redirect_to?url=a.html%%3Frel", port);
    snprintf(want[1], sizeof want[1], "http://127.0.0.1:%d/a.html?rel", port);
    snprintf(u[2], sizeof u[2], "http://127.0.0.1:%d/_slow/0/_redirect_to?url=..%%2F..%%2Fa.html%%23frag", port);
    snprintf(want[2], sizeof want[2], "http://127.0.0.1:%d/a.html", port);
    snprintf(u[3], sizeof u[3], "http://127.0.0.1:%d/_redirect_to?url=%%2F%%2Flocalhost%%3A%d%%2Fa.html", port, port);
    snprintf(want[3], sizeof want[3], "http://localhost:%d/a.html", port);
    /* no usable Location: none, javascript:, blank (which would resolve to the URL itself) */
    snprintf(u[4], sizeof u[4], "http://127.0.0.1:%d/_redirect_to?url=", port);
    snprintf(u[5], sizeof u[5], "http://127.0.0.1:%d/_redirect_to?url=javascript%%3Aalert(1)", port);
    /* exactly max_redirects hops is fine; one more is not */
    snprintf(u[6], sizeof u[6], "http://127.0.0.1:%d/_redirect/5/a.html", port);
    snprintf(u[7], sizeof u[7], "http://127.0.0.1:%d/_redirect/6/a.html", port);
    snprintf(u[8], sizeof u[8], "http://127.0.0.1:%d/_redirect_to?url=%%20", port);
    run_t m;
    run(&s, urls, 9, &m);
    CHECK_INT(m.cls[0], FETCH_PERMANENT);
    CHECK_STR(m.reason[0], "too many redirects (max 5)");
    CHECK_INT(m.status[0], 302);
    CHECK_INT(m.redirects[0], 5);
    for (int i = 1; i <= 3; i++) {
        CHECK_INT(m.cls[i], FETCH_PAGE);
        CHECK_STR(m.final_url[i], want[i]);
        CHECK_INT(m.redirects[i], 1);
    }
    for (int i = 4; i <= 8; i += (i == 5 ? 3 : 1)) {
        CHECK_INT(m.cls[i], FETCH_PERMANENT);
        CHECK_STR(m.reason[i], "http 302 redirect without a usable Location");
        CHECK_INT(m.redirects[i], 0);
    }
    CHECK_INT(m.cls[6], FETCH_PAGE);
    CHECK_INT(m.redirects[6], 5);
    CHECK_INT(m.cls[7], FETCH_PERMANENT);
    CHECK_STR(m.reason[7], "too many redirects (max 5)");

    /* the timeout is the job's: two hops of 600 ms do not fit in 1000 */
    settings(&s);
    s.timeout_ms = 1000;
    snprintf(u[0], sizeof u[0], "http://127.0.0.1:%d/_slow/600/_redirect_to?url=%%2F_slow%%2F600%%2Fa.html", port);
    snprintf(u[1], sizeof u[1], "http://127.0.0.1:%d/_slow/400/_redirect_to?url=%%2F_slow%%2F400%%2Fa.html", port);
    run(&s, urls, 2, &m);
    CHECK_INT(m.cls[0], FETCH_TRANSIENT);
    CHECK(strncmp(m.reason[0], "timeout", 7) == 0);
    CHECK(m.at[0] >= 900 && m.at[0] < 1600);
    CHECK_INT(m.cls[1], FETCH_PAGE);   /* 800 ms in all: fits */
}

/* Cookies set by a redirect reach the next hop on the same site only, and
 * the hop says where it came from (Referer). */
static void test_redirect_cookies(int port)
{
    fetch_settings_t s;
    fetch_result_t r;
    char url[512], target[128], err[256], ref[128];
    settings(&s);
    redirect_url(url, sizeof url, port, "/_echo", "&cookie=nm_session%3Dabc123");
    CHECK_INT(fetch_url(&s, url, NULL, NULL, &r, err, sizeof err), 0);
    CHECK_INT(r.cls, FETCH_PAGE);
    CHECK_INT(r.redirects, 1);
    CHECK(r.body.data && strstr(r.body.data, "Cookie: nm_session=abc123") != NULL);
    snprintf(ref, sizeof ref, "Referer: http://127.0.0.1:%d/_redirect_to?url=", port);
    CHECK(r.body.data && strstr(r.body.data, ref) != NULL);
    fetch_result_free(&r);

    /* another host gets none of 127.0.0.1's cookies */
    snprintf(target, sizeof target, "http://localhost:%d/_echo", port);
    redirect_url(url, sizeof url, port, target, "&cookie=nm_session%3Dabc123");
    CHECK_INT(fetch_url(&s, url, NULL, NULL, &r, err, sizeof err), 0);
    CHECK_INT(r.cls, FETCH_PAGE);
    CHECK(r.body.data && strstr(r.body.data, "Cookie:") == NULL);
    CHECK(r.body.data && strstr(r.body.data, "Host: localhost") != NULL);
    fetch_result_free(&r);

    /* conditional GET validators still go along to the redirect target */
    redirect_url(url, sizeof url, port, "/_echo", NULL);
    CHECK_INT(fetch_url(&s, url, "\"v1\"", NULL, &r, err, sizeof err), 0);
    CHECK(r.body.data && strstr(r.body.data, "If-None-Match: \"v1\"") != NULL);
    fetch_result_free(&r);
}

int main(void)
{
    test_allow_list_parse();

    snprintf(root, sizeof root, "/tmp/nm_test_polite.XXXXXX");
    snprintf(root_robots, sizeof root_robots, "/tmp/nm_test_robots.XXXXXX");
    if (!mkdtemp(root) || !mkdtemp(root_robots)) {
        perror("mkdtemp");
        return 1;
    }
    write_file(root, "a.html", "<html><body><p>Hello</p></body></html>\n");
    write_file(root_robots, "a.html", "<html><body><p>Hello</p></body></html>\n");
    char dir[600];
    snprintf(dir, sizeof dir, "%s/private", root_robots);
    mkdir(dir, 0755);
    write_file(dir, "x.html", "<p>secret</p>\n");
    write_file(root_robots, "robots.txt",
               "User-agent: *\nDisallow: /\n\nUser-agent: newsmill\nDisallow: /private/\nCrawl-delay: 1\n");

    test_httpd_t h, hr;
    CHECK(test_httpd_start(&h, root) == 0);
    CHECK(test_httpd_start(&hr, root_robots) == 0);
    if (h.pid > 0 && hr.pid > 0) {
        test_per_host_concurrency(h.port);
        test_per_host_delay(h.port);
        test_robots(hr.port);
        test_robots_failures();
        test_start_before(h.port);
        test_allow_list_redirect(h.port);
        test_redirect_politeness(h.port);
        test_redirect_robots(h.port, hr.port);
        test_redirect_limits(h.port);
        test_redirect_cookies(h.port);
    }
    test_httpd_stop(&h);
    test_httpd_stop(&hr);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", root, root_robots);
    CHECK(system(cmd) == 0);
    return nm_test_done();
}

/* fetch_redirects: what following redirects in the engine (each hop a
 * request of its own, queued on its own host) costs against a direct fetch.
 *
 *   fetch_redirects [--pages N] [--runs R] [--concurrency C]
 *
 * One fetch engine in this process, nm_test_httpd on loopback answering at
 * once (the 3.6 KB a.html below), per-host limits and robots.txt off (so the
 * figure is the engine's own cost, not politeness), C transfers at a time,
 * N pages per workload:
 *   direct      http://127.0.0.1:P/a.html?n=I
 *   same host   http://127.0.0.1:P/_redirect/1/a.html?n=I       (one hop)
 *   two hosts   127.0.0.1:P/_redirect_to?url=http://localhost:P/a.html?n=I
 * Prints, per workload, the median of R runs of pages per second and of
 * this process's CPU time per page (user + system). */
#include "fetch.h"
#include "nm_daemon.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NM_BUILD_ROOT
#define NM_BUILD_ROOT "."
#endif
#include "../tests/unit/test_fetch_httpd.h"

#define MAX_RUNS 15

typedef struct {
    int done, pages;
    int bad;
    char first_bad[512];
} tally_t;

static void on_done(fetch_result_t *r, void *ctx)
{
    tally_t *t = ctx;
    t->done++;
    if (r->cls == FETCH_PAGE)
        t->pages++;
    else if (!t->bad++)
        snprintf(t->first_bad, sizeof t->first_bad, "%.200s: %s", r->url, r->reason);
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/* One run: n pages of workload w, c at a time. Pages/s, CPU ms per page in *cpu. */
static double one_run(int port, int w, int n, int c, double *cpu)
{
    fetch_settings_t s;
    memset(&s, 0, sizeof s);
    s.connect_timeout_ms = 5000;
    s.timeout_ms = 30000;
    s.max_bytes = 1 << 20;
    s.max_redirects = 5;
    s.user_agent = "newsmill-bench/1";
    s.allow_private = true;
    s.proxy = "";
    tally_t t = { 0 };
    char err[256];
    fetch_engine_t *e = fetch_engine_new(&s, on_done, &t, err, sizeof err);
    if (!e) {
        fprintf(stderr, "fetch_engine_new: %s\n", err);
        return -1;
    }
    double c0 = cpu_ms();
    int64_t t0 = nm_now_ms();
    int next = 0;
    while (t.done < n) {
        while (next < n && fetch_engine_active(e) < c) {
            char url[512];
            if (w == 0)
                snprintf(url, sizeof url, "http://127.0.0.1:%d/a.html?n=%d", port, next);
            else if (w == 1)
                snprintf(url, sizeof url, "http://127.0.0.1:%d/_redirect/1/a.html?n=%d", port, next);
            else
                snprintf(url, sizeof url,
                         "http://127.0.0.1:%d/_redirect_to?url=http%%3A%%2F%%2Flocalhost%%3A%d%%2Fa.html%%3Fn%%3D%d",
                         port, port, next);
            fetch_request_t req = { .id = next, .url = url };
            fetch_engine_add(e, &req, err, sizeof err);
            next++;
        }
        fetch_engine_poll(e, NULL, 0, 100);
    }
    double secs = (double)(nm_now_ms() - t0) / 1000.0;
    *cpu = (cpu_ms() - c0) / n;
    fetch_engine_destroy(&e);
    if (t.bad)
        fprintf(stderr, "  %d not pages, e.g. %s\n", t.bad, t.first_bad);
    return secs > 0 ? t.pages / secs : 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int pages = 2000, runs = 3, conc = 16;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--pages"))
            pages = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--concurrency"))
            conc = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: fetch_redirects [--pages N] [--runs R] [--concurrency C]\n");
            return 2;
        }
    }
    if (pages < 1 || runs < 1 || runs > MAX_RUNS || conc < 1) {
        fprintf(stderr, "fetch_redirects: bad arguments\n");
        return 2;
    }
    if (!getenv("NM_BUILD_DIR"))
        setenv("NM_BUILD_DIR", NM_BUILD_ROOT, 1);

    char root[] = "/tmp/nm_bench_redirects.XXXXXX", path[PATH_MAX];
    if (!mkdtemp(root))
        return 1;
    snprintf(path, sizeof path, "%s/a.html", root);
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    fputs("<html><head><title>Bench</title></head><body>", f);
    for (int i = 0; i < 60; i++)
        fputs("<p>The quick brown fox jumps over the lazy dog again.</p>\n", f);
    fputs("</body></html>\n", f);
    fclose(f);

    test_httpd_t h;
    if (test_httpd_start(&h, root) < 0)
        return 1;
    static const char *const names[3] = { "direct", "same host, 1 hop", "two hosts, 1 hop" };
    double base = 0;
    printf("fetch_redirects: %d pages per run, %d at a time, %d runs, per-host limits off\n", pages, conc, runs);
    printf("%-18s %-10s %-28s %-14s %s\n", "workload", "pages/s", "runs", "cpu ms/page", "vs direct");
    for (int w = 0; w < 3; w++) {
        double r[MAX_RUNS], cpu[MAX_RUNS];
        char list[200] = "";
        for (int i = 0; i < runs; i++) {
            r[i] = one_run(h.port, w, pages, conc, &cpu[i]);
            size_t n = strlen(list);
            snprintf(list + n, sizeof list - n, "%s%.0f", i ? " " : "", r[i]);
        }
        double m = median(r, runs), mc = median(cpu, runs);
        if (w == 0)
            base = m;
        printf("%-18s %-10.0f %-28s %-14.3f %.2fx\n", names[w], m, list, mc, base > 0 ? m / base : 0);
        fflush(stdout);
    }
    test_httpd_stop(&h);
    snprintf(path, sizeof path, "rm -rf %s", root);
    return system(path) == 0 ? 0 : 1;
}

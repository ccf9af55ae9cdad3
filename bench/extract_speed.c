/* extract_speed: throughput and memory of the article extractor.
 *
 *   extract_speed [-r ROUNDS] [-n PAGES] [CORPUS_DIR]   (default: 3 rounds
 *                                   over all of ../shared/corpus/extraction-dev)
 *
 * Loads every html/NNNN.html.gz page into memory first (decompression is not
 * measured), then runs parse_article over all of them ROUNDS times in one
 * process on one thread. Prints pages/s and MB/s of HTML per round (CPU time
 * of this thread, and wall time), the median round, and the process's peak
 * RSS. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zlib.h>

#include "nm_buf.h"
#include "parse_html.h"

#ifndef NM_SOURCE_ROOT
#define NM_SOURCE_ROOT "."
#endif

typedef struct { char *data; size_t len; } page_t;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_s(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    int rounds = 3;
    size_t limit = 0;   /* -n: the first N pages only (for profiling under valgrind) */
    const char *dir = NM_SOURCE_ROOT "/../shared/corpus/extraction-dev";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) limit = (size_t)atol(argv[++i]);
        else dir = argv[i];
    }
    if (rounds < 1 || rounds > 100) rounds = 3;
    char path[4096];
    snprintf(path, sizeof path, "%s/html", dir);
    DIR *d = opendir(path);
    if (!d) { fprintf(stderr, "extract_speed: cannot open %s\n", path); return 2; }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strstr(de->d_name, ".html")) continue;
        if (nn == cap) { cap = cap ? cap * 2 : 1024; names = nm_realloc(names, cap * sizeof *names); }
        names[nn++] = nm_strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmp_s);
    if (limit && limit < nn) {
        for (size_t i = limit; i < nn; i++) free(names[i]);
        nn = limit;
    }
    page_t *pages = nm_calloc(nn ? nn : 1, sizeof *pages);
    double bytes = 0;
    for (size_t i = 0; i < nn; i++) {
        snprintf(path, sizeof path, "%s/html/%s", dir, names[i]);
        gzFile f = gzopen(path, "rb");
        if (!f) continue;
        nm_buf_t b;
        nm_buf_init(&b, 0);
        char buf[65536];
        int n;
        while ((n = gzread(f, buf, sizeof buf)) > 0) nm_buf_append(&b, buf, (size_t)n);
        gzclose(f);
        pages[i].len = b.len;
        pages[i].data = nm_buf_steal(&b);
        bytes += (double)pages[i].len;
        free(names[i]);
    }
    free(names);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long rss_loaded = ru.ru_maxrss;

    double *pps = nm_calloc((size_t)rounds, sizeof *pps), *wall_pps = nm_calloc((size_t)rounds, sizeof *wall_pps);
    int failed = 0;
    for (int r = 0; r < rounds; r++) {
        double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
        failed = 0;
        for (size_t i = 0; i < nn; i++) {
            char err[256];
            parse_article_t *a = parse_article(pages[i].data ? pages[i].data : "", pages[i].len, NULL, NULL, NULL, err,
                                               sizeof err);
            if (!a) failed++;
            parse_article_destroy(&a);
        }
        double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0, wall = clock_s(CLOCK_MONOTONIC) - w0;
        pps[r] = cpu > 0 ? nn / cpu : 0;
        wall_pps[r] = wall > 0 ? nn / wall : 0;
        printf("round %d: %.1f pages/s  %.1f MB/s CPU  (wall %.1f pages/s)\n", r + 1, pps[r], pps[r] * bytes / nn / 1e6,
               wall_pps[r]);
    }
    qsort(pps, (size_t)rounds, sizeof *pps, cmp_d);
    qsort(wall_pps, (size_t)rounds, sizeof *wall_pps, cmp_d);
    getrusage(RUSAGE_SELF, &ru);
    double med = pps[rounds / 2];
    printf("pages %zu (%.1f MB of HTML, extraction failed %d), rounds %d\n", nn, bytes / 1e6, failed, rounds);
    printf("median: %.1f pages/s  %.1f MB/s per core (CPU time); wall %.1f pages/s\n", med,
           nn ? med * bytes / nn / 1e6 : 0, wall_pps[rounds / 2]);
    printf("peak RSS %.1f MB (corpus held in memory: %.1f MB; extractor high-water above it: %.1f MB)\n",
           ru.ru_maxrss / 1024.0, bytes / 1e6, (ru.ru_maxrss - rss_loaded) / 1024.0);
    for (size_t i = 0; i < nn; i++) free(pages[i].data);
    free(pages);
    free(pps);
    free(wall_pps);
    return 0;
}

/* bench_stages: per-stage throughput on the real pages of
 * ../shared/corpus/extraction-dev, in one process, no I/O in the timed loops.
 *
 *   bench_stages [ROUNDS] [STAGES]   (ROUNDS default 3; prints the median round;
 *                                     STAGES: any of parse,summarize,zmq, default all;
 *                                     summarize always parses once to get its texts)
 *   bench_stages 1 dump              every page's article and summary as JSON Lines
 *                                    (diff two builds' output: a speed-up must not
 *                                    change a byte)
 *   NM_BENCH_EVERY=k                 every k-th page only (for callgrind)
 *
 * parse:     parse_article over every page (pages/s, MB/s of HTML)
 * summarize: summ_summarize over every extracted text (summaries/s)
 * zmq hop:   one Page envelope of a median page size through nm_msg_send ->
 *            PUSH/PULL over ipc:// -> nm_msg_recv, sender and receiver in
 *            two threads (messages/s, MB/s); and a small Outcome message.
 * Publisher rows/s needs PostgreSQL: see bench/e2e.sh and bench/pub_rows.sh. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zmq.h>

#include "nm_config.h"
#include "nm_msg.h"
#include "parse_html.h"
#include "summ.h"

typedef struct { char *data; size_t len; char *name; } page_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *read_gz(const char *path, size_t *len)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int r;
    while ((r = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)r;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    gzclose(gz);
    *len = n;
    return buf;
}

static int cmp_page(const void *a, const void *b)
{
    return strcmp(((const page_t *)a)->name, ((const page_t *)b)->name);
}

typedef struct { void *ctx; const char *ep; size_t n; nm_config_t *cfg; const nm_envelope_t *env; } sender_t;

static void *send_thread(void *arg)
{
    sender_t *s = arg;
    char err[256];
    void *sock = nm_sock_new(s->ctx, ZMQ_PUSH, s->ep, false, s->cfg, err, sizeof err);
    if (!sock) {
        fprintf(stderr, "push: %s\n", err);
        exit(1);
    }
    for (size_t i = 0; i < s->n; i++)
        while (nm_msg_send(sock, s->env, 0) < 0)
            ;
    nm_sock_close(&sock);
    return NULL;
}

/* messages/s of env through one PUSH/PULL hop */
static double zmq_hop(void *ctx, nm_config_t *cfg, const nm_envelope_t *env, size_t n, const char *ep)
{
    char err[256];
    void *pull = nm_sock_new(ctx, ZMQ_PULL, ep, true, cfg, err, sizeof err);
    if (!pull) {
        fprintf(stderr, "pull: %s\n", err);
        exit(1);
    }
    sender_t s = { ctx, ep, n, cfg, env };
    pthread_t th;
    double t0 = now_s();
    pthread_create(&th, NULL, send_thread, &s);
    for (size_t i = 0; i < n; i++) {
        nm_envelope_t *e = nm_msg_recv(pull, (size_t)cfg->zmq.max_message_bytes, 0, NULL, NULL, err, sizeof err);
        if (!e) {
            fprintf(stderr, "recv: %s\n", err);
            exit(1);
        }
        nm_msg_free(&e);
    }
    double dt = now_s() - t0;
    pthread_join(th, NULL);
    nm_sock_close(&pull);
    return n / dt;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    if (rounds < 1)
        rounds = 1;
    const char *stages = argc > 2 ? argv[2] : "parse,summarize,zmq";
    int do_parse = strstr(stages, "parse") != NULL, do_summ = strstr(stages, "summ") != NULL;
    int do_zmq = strstr(stages, "zmq") != NULL;
    const char *dir = NM_SOURCE_ROOT "/../shared/corpus/extraction-dev/html";
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return 1;
    }
    page_t *pages = NULL;
    size_t np = 0, total = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, ".html.gz"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        pages = realloc(pages, (np + 1) * sizeof *pages);
        pages[np].data = read_gz(path, &pages[np].len);
        pages[np].name = strdup(de->d_name);
        if (pages[np].data) {
            total += pages[np].len;
            np++;
        }
    }
    closedir(d);
    qsort(pages, np, sizeof *pages, cmp_page);
    /* NM_BENCH_EVERY=k: every k-th page only (a representative subset for
     * slow tools: valgrind --tool=callgrind --toggle-collect=parse_article) */
    const char *every = getenv("NM_BENCH_EVERY");
    if (every && atoi(every) > 1) {
        size_t k = (size_t)atoi(every), m = 0;
        total = 0;
        for (size_t i = 0; i < np; i++) {
            if (i % k == 0) {
                pages[m++] = pages[i];
                total += pages[i].len;
            } else {
                free(pages[i].data);
                free(pages[i].name);
            }
        }
        np = m;
    }
    printf("corpus: %zu pages, %.1f MB of HTML\n", np, total / 1e6);

    double *pr = calloc((size_t)rounds, sizeof *pr), *sr = calloc((size_t)rounds, sizeof *sr);
    double *pc = calloc((size_t)rounds, sizeof *pc), *sc = calloc((size_t)rounds, sizeof *sc);
    char **texts = calloc(np, sizeof *texts), **titles = calloc(np, sizeof *titles);
    size_t ntexts = 0;
    if (strcmp(stages, "dump") == 0) {
        for (size_t i = 0; i < np; i++) {
            char err[256];
            parse_article_t *a = parse_article(pages[i].data, pages[i].len, "https://example.com/a.html", NULL, NULL,
                                               err, sizeof err);
            json_t *o = json_object();
            json_object_set_new(o, "page", json_string(pages[i].name));
            if (a) {
                json_object_set_new(o, "article", parse_article_to_json(a));
                summ_result_t *sm = summ_summarize(a->title, a->text, NULL);
                if (sm)
                    json_object_set_new(o, "summary", summ_result_to_json(sm));
                summ_result_destroy(&sm);
            } else {
                json_object_set_new(o, "error", json_string(err));
            }
            char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
            puts(line);
            free(line);
            json_decref(o);
            parse_article_destroy(&a);
        }
        return 0;
    }
    /* without the parse stage, one untimed round still collects the texts */
    int prounds = do_parse ? rounds : 1;
    for (int r = 0; r < prounds; r++) {
        double t0 = now_s(), c0 = cpu_s();
        for (size_t i = 0; i < np; i++) {
            char err[256];
            parse_article_t *a = parse_article(pages[i].data, pages[i].len, "https://example.com/a.html", NULL, NULL,
                                               err, sizeof err);
            if (a && r == 0) {
                texts[ntexts] = strdup(a->text);
                titles[ntexts++] = a->title ? strdup(a->title) : NULL;
            }
            parse_article_destroy(&a);
        }
        pr[r] = np / (now_s() - t0);
        pc[r] = np / (cpu_s() - c0);
    }
    for (int r = 0; r < rounds && do_summ; r++) {
        double t0 = now_s(), c0 = cpu_s();
        for (size_t i = 0; i < ntexts; i++) {
            summ_result_t *s = summ_summarize(titles[i], texts[i], NULL);
            summ_result_destroy(&s);
        }
        sr[r] = ntexts / (now_s() - t0);
        sc[r] = ntexts / (cpu_s() - c0);
    }
    qsort(pr, (size_t)rounds, sizeof *pr, cmp_d);
    qsort(sr, (size_t)rounds, sizeof *sr, cmp_d);
    qsort(pc, (size_t)rounds, sizeof *pc, cmp_d);
    qsort(sc, (size_t)rounds, sizeof *sc, cmp_d);
    /* per CPU-second: what one dedicated core does, robust to a loaded machine */
    if (do_parse)
        printf("parse:     %8.1f pages/s wall, %8.1f pages per CPU-second (%.2f ms CPU each, %.1f MB/s; median of %d rounds; %zu of %zu pages gave an article)\n",
           pr[rounds / 2], pc[rounds / 2], 1e3 / pc[rounds / 2], pc[rounds / 2] * total / np / 1e6, rounds, ntexts, np);
    if (do_summ)
        printf("summarize: %8.1f summaries/s wall, %8.1f per CPU-second (%.2f ms CPU each; median of %d rounds over %zu texts)\n",
           sr[rounds / 2], sc[rounds / 2], 1e3 / sc[rounds / 2], rounds, ntexts);

    if (!do_zmq)
        return 0;
    /* a Page envelope carrying the median-size page */
    size_t *lens = malloc(np * sizeof *lens);
    for (size_t i = 0; i < np; i++)
        lens[i] = pages[i].len;
    size_t med = 0;
    for (size_t i = 0; i < np; i++) {
        size_t below = 0;
        for (size_t j = 0; j < np; j++)
            below += lens[j] < lens[i];
        if (below == np / 2)
            med = i;
    }
    nm_config_t cfg;
    char err[256];
    if (nm_config_load(&cfg, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "config: %s\n", err);
        return 1;
    }
    void *ctx = zmq_ctx_new();
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    ref.job_id = 1;
    ref.lease_token = "0123456789abcdef";
    Newsmill__Page page = NEWSMILL__PAGE__INIT;
    page.ref = &ref;
    page.url = "https://example.com/a.html";
    page.body.data = (uint8_t *)pages[med].data;
    page.body.len = pages[med].len;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_PAGE;
    env.page = &page;
    char ep[256];
    snprintf(ep, sizeof ep, "ipc:///tmp/nm-bench-stages-%d", (int)getpid());
    double hr[16], hs[16];
    int hn = rounds < 16 ? rounds : 16;
    for (int r = 0; r < hn; r++)
        hr[r] = zmq_hop(ctx, &cfg, &env, 20000, ep);
    Newsmill__Outcome oc = NEWSMILL__OUTCOME__INIT;
    oc.ref = &ref;
    oc.url = "https://example.com/a.html";
    oc.stage = "fetcher";
    oc.reason = "HTTP 404";
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_OUTCOME;
    env.outcome = &oc;
    for (int r = 0; r < hn; r++)
        hs[r] = zmq_hop(ctx, &cfg, &env, 200000, ep);
    qsort(hr, (size_t)hn, sizeof *hr, cmp_d);
    qsort(hs, (size_t)hn, sizeof *hs, cmp_d);
    printf("zmq hop:   %8.0f page messages/s (%zu KB each, %.0f MB/s); %.0f small outcome messages/s\n",
           hr[hn / 2], pages[med].len / 1024, hr[hn / 2] * pages[med].len / 1e6, hs[hn / 2]);
    zmq_ctx_term(ctx);
    nm_config_free(&cfg);
    return 0;
}

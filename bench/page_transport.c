/* page_transport: what carrying a page from fetcher to parser costs, without
 * HTTP and without parsing: the 711 gzip pages of
 * ../shared/corpus/extraction-dev through a real PUSH/PULL ipc:// socket
 * pair (sender and receiver threads, libzmq's I/O threads), two ways:
 *
 *   decoded:  what fetchers did: gzip inflated by zlib in streaming chunks
 *             (as libcurl delivers them, 16 KB at a time) into a body that
 *             grows by doubling, Page{body = decoded} packed and sent; the
 *             receiver unpacks (a copy of the body);
 *   encoded:  what they do now: Page{body = the gzip bytes, content_encoding
 *             "gzip"} packed and sent; the receiver unpacks and decodes with
 *             parse_body (libdeflate, whole buffer, reused output buffer).
 *
 * Prints CPU ms per page for the whole process (both threads and libzmq's
 * I/O threads: CLOCK_PROCESS_CPUTIME_ID) and the bytes that crossed the
 * socket, median of ROUNDS rounds (default 5).
 *
 *   page_transport [ROUNDS] */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zmq.h>

#include "nm_buf.h"
#include "nm_config.h"
#include "nm_msg.h"
#include "parse_body.h"

typedef struct { uint8_t *gz; size_t gz_len; } page_t;

static page_t *pages;
static size_t npages, total_gz, total_plain;
static nm_config_t cfg;
static void *ctx;
static char ep[128];
static int mode;   /* 0 decoded, 1 encoded */
static volatile size_t check_bytes;

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void load(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "page_transport: %s: cannot open\n", dir);
        exit(1);
    }
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 8 || strcmp(e->d_name + n - 8, ".html.gz"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        if (npages == cap)
            pages = nm_realloc(pages, (cap = cap ? cap * 2 : 1024) * sizeof *pages);
        pages[npages].gz = nm_malloc((size_t)len);
        pages[npages].gz_len = fread(pages[npages].gz, 1, (size_t)len, f);
        total_gz += pages[npages].gz_len;
        npages++;
        fclose(f);
    }
    closedir(d);
}

/* libcurl's way: inflate in 16 KB output chunks, each appended to the body. */
static void curl_like_inflate(const page_t *p, nm_buf_t *body)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    inflateInit2(&z, 16 + MAX_WBITS);
    z.next_in = p->gz;
    z.avail_in = (uInt)p->gz_len;
    unsigned char chunk[16384];
    int rc;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        nm_buf_append(body, chunk, sizeof chunk - z.avail_out);
    } while (rc == Z_OK);
    inflateEnd(&z);
}

static void *sender(void *arg)
{
    (void)arg;
    char err[256];
    void *push = nm_sock_new(ctx, ZMQ_PUSH, ep, false, &cfg, err, sizeof err);
    for (size_t i = 0; i < npages; i++) {
        Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
        Newsmill__Page p = NEWSMILL__PAGE__INIT;
        ref.job_id = (int64_t)i + 1;
        ref.lease_token = (char *)"0123456789abcdef";
        p.ref = &ref;
        p.kind = NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE;
        p.url = p.final_url = (char *)"https://news.example.com/2026/11/22/a-story-of-some-length.html";
        p.content_type = (char *)"text/html; charset=utf-8";
        p.http_status = 200;
        nm_buf_t body;
        nm_buf_init(&body, 8u << 20);
        if (mode == 0) {
            curl_like_inflate(&pages[i], &body);
            p.body.data = (uint8_t *)body.data;
            p.body.len = body.len;
        } else {
            p.body.data = pages[i].gz;
            p.body.len = pages[i].gz_len;
            p.content_encoding = (char *)"gzip";
        }
        nm_envelope_t env;
        nm_envelope_init(&env);
        env.body_case = NEWSMILL__ENVELOPE__BODY_PAGE;
        env.page = &p;
        nm_pending_t *m = nm_pending_new(&env);
        nm_buf_free(&body);
        if (nm_pending_send(push, &m, 0) < 0)
            nm_pending_destroy(&m);
    }
    nm_sock_close(&push);
    return NULL;
}

static double round_ms(size_t *wire)
{
    char err[256];
    void *pull = nm_sock_new_queue(ctx, ZMQ_PULL, ep, true, cfg.zmq.page_hwm, &cfg, err, sizeof err);
    parse_body_t *dec = parse_body_new(8u << 20);
    double t0 = cpu_s();
    pthread_t th;
    pthread_create(&th, NULL, sender, NULL);
    *wire = 0;
    size_t got = 0;
    for (size_t i = 0; i < npages; i++) {
        nm_envelope_t *env = nm_msg_recv(pull, 1u << 24, 0, NULL, NULL, err, sizeof err);
        if (!env)
            continue;
        const Newsmill__Page *p = env->page;
        const char *out;
        size_t len;
        *wire += p->body.len;
        if (parse_body_decode(dec, p->content_encoding, p->body.data, p->body.len, &out, &len, err, sizeof err) == 0)
            got += len;
        nm_msg_free(&env);
    }
    pthread_join(th, NULL);
    double ms = (cpu_s() - t0) * 1000;
    check_bytes = got;
    total_plain = got;
    parse_body_destroy(&dec);
    nm_sock_close(&pull);
    return ms / (double)npages;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1 || rounds > 99)
        rounds = 5;
    load(NM_SOURCE_ROOT "/../shared/corpus/extraction-dev/html");
    char err[256];
    unsetenv("NEWSMILL_CONFIG");
    if (nm_config_load(&cfg, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    ctx = zmq_ctx_new();
    snprintf(ep, sizeof ep, "ipc:///tmp/nm-page-transport-%d", (int)getpid());
    printf("%zu pages, %.1f MB gzip\n", npages, total_gz / 1e6);
    double ms[2][99];
    size_t wire[2] = { 0, 0 };
    for (int r = 0; r < rounds; r++)
        for (mode = 0; mode < 2; mode++)   /* alternating, so both see the same machine */
            ms[mode][r] = round_ms(&wire[mode]);
    for (int m = 0; m < 2; m++)
        qsort(ms[m], (size_t)rounds, sizeof ms[m][0], cmp);
    printf("decoded bytes per round: %.1f MB\n", total_plain / 1e6);
    for (int m = 0; m < 2; m++)
        printf("%-8s  %.3f ms CPU per page (median of %d; min %.3f, max %.3f)  %.1f MB through the socket\n",
               m ? "encoded" : "decoded", ms[m][rounds / 2], rounds, ms[m][0], ms[m][rounds - 1], wire[m] / 1e6);
    printf("ratio decoded/encoded: %.2f\n", ms[0][rounds / 2] / ms[1][rounds / 2]);
    zmq_ctx_term(ctx);
    nm_config_free(&cfg);
    return 0;
}

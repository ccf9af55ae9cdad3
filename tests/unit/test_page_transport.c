/* Pages from fetcher to parser: still compressed on the wire, decoded (and
 * capped) in the parser, and never piling up in either process.
 *
 * 1. parse_body: every encoding decodes to the original; bombs, truncated
 *    and corrupt data are refused with their reasons; the cap holds.
 * 2. newsmill-parser as a process, this test playing the fetcher (PUSH) and
 *    the summarizer and sink (PULL): gzip, deflate, br and old-style identity
 *    Pages become the same article; a bomb, truncated or corrupt gzip, an
 *    unknown encoding and an empty body end as permanent outcomes with the
 *    reason; the parser survives all of it.
 * 3. newsmill-fetcher as a process against nm_test_httpd, this test playing
 *    the publisher and a parser: a gzip page goes out as sent
 *    (content_encoding "gzip", body the file's bytes) or decoded with
 *    pass_encoded=false; with a parser that does not read, finished pages
 *    are held in the fetcher and its credits drop (it asks for less work),
 *    and every page arrives once the parser reads again. */
#include "nm_config.h"
#include "nm_daemon.h"
#include "nm_msg.h"
#include "nm_test.h"
#include "parse_body.h"
#include "test_fetch_httpd.h"

#include <dlfcn.h>
#include <errno.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static char dir[128];
static uint8_t *page;      /* an article page (deploy/sample) */
static size_t page_len;

/* ---- helpers ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc((size_t)n + 1);
    *len = fread(d, 1, (size_t)n, f);
    fclose(f);
    return d;
}

static void write_file(const char *name, const void *data, size_t len)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
}

enum { GZIP, ZLIB, RAW };

static uint8_t *squeeze(int fmt, const void *in, size_t len, size_t *out_len)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
    size_t cap = len + len / 100 + 1024;
    uint8_t *out = malloc(cap);
    *out_len = fmt == GZIP ? libdeflate_gzip_compress(c, in, len, out, cap)
             : fmt == ZLIB ? libdeflate_zlib_compress(c, in, len, out, cap)
                           : libdeflate_deflate_compress(c, in, len, out, cap);
    libdeflate_free_compressor(c);
    return out;
}

/* Brotli from the system's encoder (libbrotli1, which libbrotli-dev pulls
 * in), loaded at run time so the daemons need not link an encoder. */
static uint8_t *brotli(const void *in, size_t len, size_t *out_len)
{
    typedef int (*compress_fn)(int, int, int, size_t, const uint8_t *, size_t *, uint8_t *);
    void *h = dlopen("libbrotlienc.so.1", RTLD_NOW);
    if (!h)
        return NULL;
    compress_fn fn;
    *(void **)&fn = dlsym(h, "BrotliEncoderCompress");
    size_t cap = len + 1024;
    uint8_t *out = malloc(cap);
    *out_len = cap;
    if (!fn || !fn(5, 22, 0 /* BROTLI_MODE_GENERIC */, len, in, out_len, out)) {
        free(out);
        out = NULL;
    }
    dlclose(h);
    return out;
}

static int decodes_to(parse_body_t *b, const char *enc, const uint8_t *data, size_t len,
                      const void *want, size_t want_len)
{
    const char *out = NULL;
    size_t out_len = 0;
    char err[256];
    if (parse_body_decode(b, enc, data, len, &out, &out_len, err, sizeof err) < 0) {
        fprintf(stderr, "  %s: %s\n", enc ? enc : "(null)", err);
        return 0;
    }
    return out_len == want_len && !memcmp(out, want, want_len);
}

static const char *refusal(parse_body_t *b, const char *enc, const uint8_t *data, size_t len)
{
    static char err[256];
    const char *out = NULL;
    size_t out_len = 0;
    if (parse_body_decode(b, enc, data, len, &out, &out_len, err, sizeof err) == 0)
        return "(decoded)";
    return err;
}

/* ---- 1. parse_body ---- */

static void test_body(void)
{
    parse_body_t *b = parse_body_new(1 << 20);
    size_t gz_len, z_len, raw_len, br_len;
    uint8_t *gz = squeeze(GZIP, page, page_len, &gz_len);
    uint8_t *z = squeeze(ZLIB, page, page_len, &z_len);
    uint8_t *raw = squeeze(RAW, page, page_len, &raw_len);
    uint8_t *br = brotli(page, page_len, &br_len);
    CHECK(br != NULL);

    /* identity: no copy */
    const char *out = NULL;
    size_t out_len = 0;
    char err[256];
    CHECK_INT(parse_body_decode(b, NULL, page, page_len, &out, &out_len, err, sizeof err), 0);
    CHECK(out == (const char *)page && out_len == page_len);
    CHECK_INT(parse_body_decode(b, "", page, page_len, &out, &out_len, err, sizeof err), 0);
    CHECK(out == (const char *)page);
    CHECK(decodes_to(b, "identity", page, page_len, page, page_len));

    /* every encoding, names as servers spell them */
    CHECK(decodes_to(b, "gzip", gz, gz_len, page, page_len));
    CHECK(decodes_to(b, "x-gzip", gz, gz_len, page, page_len));
    CHECK(decodes_to(b, "GZip", gz, gz_len, page, page_len));
    CHECK(decodes_to(b, "deflate", z, z_len, page, page_len));
    CHECK(decodes_to(b, "deflate", raw, raw_len, page, page_len));   /* raw DEFLATE, as some servers send */
    if (br)
        CHECK(decodes_to(b, "br", br, br_len, page, page_len));
    CHECK_INT(parse_body_decode(b, "gzip", gz, gz_len, &out, &out_len, err, sizeof err), 0);
    CHECK(out[out_len] == '\0');

    /* stacked: deflate applied first, then gzip; undone in reverse */
    size_t zz_len;
    uint8_t *zz = squeeze(GZIP, z, z_len, &zz_len);
    CHECK(decodes_to(b, "deflate, gzip", zz, zz_len, page, page_len));
    CHECK(decodes_to(b, "identity,deflate ,gzip", zz, zz_len, page, page_len));
    CHECK_STR(refusal(b, "gzip, deflate", zz, zz_len), "bad content encoding: deflate data corrupt or truncated");

    /* two gzip members are one body; bytes after a complete member are ignored */
    uint8_t *two = malloc(2 * gz_len + 8);
    memcpy(two, gz, gz_len);
    memcpy(two + gz_len, gz, gz_len);
    uint8_t *twice = malloc(2 * page_len);
    memcpy(twice, page, page_len);
    memcpy(twice + page_len, page, page_len);
    CHECK(decodes_to(b, "gzip", two, 2 * gz_len, twice, 2 * page_len));
    memcpy(two + gz_len, "\0\0junk!!", 8);
    CHECK(decodes_to(b, "gzip", two, gz_len + 8, page, page_len));

    /* truncated and corrupt: refused, never a partial body */
    CHECK_STR(refusal(b, "gzip", gz, gz_len - 8), "bad content encoding: gzip data corrupt or truncated");
    CHECK_STR(refusal(b, "gzip", gz, gz_len / 2), "bad content encoding: gzip data corrupt or truncated");
    CHECK_STR(refusal(b, "gzip", gz, 5), "bad content encoding: gzip data corrupt or truncated");
    uint8_t *bad = malloc(gz_len);
    memcpy(bad, gz, gz_len);
    for (size_t i = gz_len / 2; i < gz_len / 2 + 16; i++)
        bad[i] ^= 0x5a;
    CHECK_STR(refusal(b, "gzip", bad, gz_len), "bad content encoding: gzip data corrupt or truncated");
    CHECK_STR(refusal(b, "gzip", page, page_len), "bad content encoding: not gzip data");
    CHECK_STR(refusal(b, "deflate", z, z_len / 2), "bad content encoding: deflate data corrupt or truncated");
    if (br) {
        CHECK_STR(refusal(b, "br", br, br_len / 2), "bad content encoding: br data truncated");
        memcpy(bad, br, br_len);
        bad[0] = 0xff;
        bad[1] = 0xff;
        CHECK(!strncmp(refusal(b, "br", bad, br_len), "bad content encoding: br data corrupt", 37));
    }

    /* unknown codings, and lists that are attacks */
    CHECK_STR(refusal(b, "compress", gz, gz_len), "unsupported content encoding: compress");
    CHECK_STR(refusal(b, "zstd", gz, gz_len), "unsupported content encoding: zstd");
    CHECK(!strncmp(refusal(b, "gzip,gzip,gzip,gzip,gzip", gz, gz_len), "unsupported content encoding:", 29));
    CHECK(!strncmp(refusal(b, "gzipgzipgzipgzipgzip", gz, gz_len), "unsupported content encoding:", 29));

    /* the cap, on decoded bytes: exactly at it passes, one byte more does not */
    size_t cap = 1 << 20, n;
    uint8_t *fill = malloc(cap + 1);
    memset(fill, 'a', cap + 1);
    uint8_t *c = squeeze(GZIP, fill, cap, &n);
    CHECK(decodes_to(b, "gzip", c, n, fill, cap));
    free(c);
    c = squeeze(GZIP, fill, cap + 1, &n);
    CHECK_STR(refusal(b, "gzip", c, n), "too large: body exceeds 1048576 bytes (decoded)");
    free(c);
    c = squeeze(ZLIB, fill, cap + 1, &n);
    CHECK_STR(refusal(b, "deflate", c, n), "too large: body exceeds 1048576 bytes (decoded)");
    free(c);
    uint8_t *bc = brotli(fill, cap + 1, &n);
    if (bc)
        CHECK_STR(refusal(b, "br", bc, n), "too large: body exceeds 1048576 bytes (decoded)");
    free(bc);
    CHECK_STR(refusal(b, NULL, fill, cap + 1), "too large: body exceeds 1048576 bytes (decoded)");
    free(fill);

    /* a bomb: 16 MiB of zeros in ~16 KB, its ISIZE also lying small. Refused
     * at the cap, holding no more than the cap. */
    size_t bomb_len = 16u << 20;
    uint8_t *zeros = calloc(1, bomb_len);
    c = squeeze(GZIP, zeros, bomb_len, &n);
    free(zeros);
    CHECK(n < 200000);
    CHECK_STR(refusal(b, "gzip", c, n), "too large: body exceeds 1048576 bytes (decoded)");
    CHECK(parse_body_held(b) <= 2 * (cap + 1));
    c[n - 4] = 100;   /* ISIZE: "100 bytes" */
    c[n - 3] = c[n - 2] = c[n - 1] = 0;
    CHECK_STR(refusal(b, "gzip", c, n), "too large: body exceeds 1048576 bytes (decoded)");
    CHECK(parse_body_held(b) <= 2 * (cap + 1));
    free(c);

    /* the buffer is reused, and one grown big by a large page is let go */
    CHECK(decodes_to(b, "gzip", gz, gz_len, page, page_len));
    size_t held = parse_body_held(b);
    CHECK(decodes_to(b, "gzip", gz, gz_len, page, page_len));
    CHECK_INT(parse_body_held(b), held);
    parse_body_t *big = parse_body_new(16u << 20);
    fill = malloc(4u << 20);
    memset(fill, 'b', 4u << 20);
    c = squeeze(GZIP, fill, 4u << 20, &n);
    CHECK(decodes_to(big, "gzip", c, n, fill, 4u << 20));
    CHECK(parse_body_held(big) >= 4u << 20);
    CHECK(decodes_to(big, "gzip", gz, gz_len, page, page_len));
    CHECK(parse_body_held(big) < 4u << 20);
    free(c);
    free(fill);
    parse_body_destroy(&big);

    /* empty gzip body: decodes to nothing (the parser then says "empty body") */
    c = squeeze(GZIP, "", 0, &n);
    CHECK_INT(parse_body_decode(b, "gzip", c, n, &out, &out_len, err, sizeof err), 0);
    CHECK_INT(out_len, 0);
    free(c);

    parse_body_destroy(&b);
    CHECK(b == NULL);
    parse_body_destroy(&b);
    free(gz);
    free(z);
    free(raw);
    free(br);
    free(zz);
    free(two);
    free(twice);
    free(bad);
}

/* ---- 2. the parser daemon ---- */

static pid_t spawn(const char *prog, const char *const *env)
{
    char path[PATH_MAX], rel[128], from_self[160];
    snprintf(rel, sizeof rel, "%s/newsmill-%s", prog, prog);
    snprintf(from_self, sizeof from_self, "../%s", rel);
    if (test_build_path(rel, from_self, path, sizeof path) < 0) {
        fprintf(stderr, "newsmill-%s not found (set NM_BUILD_DIR)\n", prog);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        unsetenv("NEWSMILL_CONFIG");
        setenv("NEWSMILL_LOG_LEVEL", getenv("NM_TEST_VERBOSE") ? "debug" : "err", 1);
        for (int i = 0; env[i]; i += 2)
            setenv(env[i], env[i + 1], 1);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        int64_t deadline = nm_now_ms() + 5000;
        while (waitpid(*pid, NULL, WNOHANG) == 0 && nm_now_ms() < deadline)
            usleep(20000);
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        *pid = -1;
    }
}

static void send_page(void *push, int64_t id, const char *enc, const uint8_t *body, size_t len)
{
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    Newsmill__Page p = NEWSMILL__PAGE__INIT;
    ref.job_id = id;
    ref.lease_token = (char *)"tok";
    ref.attempt = 1;
    p.ref = &ref;
    p.kind = NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE;
    char url[128];
    snprintf(url, sizeof url, "http://news.example.com/2026/11/story-%lld.html", (long long)id);
    p.url = p.final_url = url;
    p.http_status = 200;
    p.content_type = (char *)"text/html; charset=utf-8";
    p.body.data = (uint8_t *)body;
    p.body.len = len;
    if (enc)   /* NULL: an old-style Page, the field absent on the wire */
        p.content_encoding = (char *)enc;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_PAGE;
    env.page = &p;
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
}

typedef struct {
    int64_t id;
    int article;          /* 1: ArticleResult, 0: Outcome */
    char text[64];        /* the article's text (start) or the outcome's reason */
    char title[128];
    char stage[16];
    int cls;
} result_t;

static int collect(void *summ, void *sink, result_t *res, int want, int ms)
{
    int got = 0;
    char err[256];
    int64_t deadline = nm_now_ms() + ms;
    while (got < want && nm_now_ms() < deadline) {
        zmq_pollitem_t items[] = { { summ, 0, ZMQ_POLLIN, 0 }, { sink, 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll(items, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            nm_envelope_t *env = nm_msg_recv(items[i].socket, 1 << 24, ZMQ_DONTWAIT, NULL, NULL, err, sizeof err);
            if (!env)
                continue;
            result_t *r = &res[got++];
            memset(r, 0, sizeof *r);
            if (env->body_case == NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT && env->article_result->article) {
                r->id = env->article_result->ref->job_id;
                r->article = 1;
                snprintf(r->text, sizeof r->text, "%s", env->article_result->article->text);
                snprintf(r->title, sizeof r->title, "%s", env->article_result->article->title);
            } else if (env->body_case == NEWSMILL__ENVELOPE__BODY_OUTCOME) {
                r->id = env->outcome->ref->job_id;
                snprintf(r->text, sizeof r->text, "%s", env->outcome->reason);
                snprintf(r->stage, sizeof r->stage, "%s", env->outcome->stage);
                r->cls = env->outcome->class_;
            }
            nm_msg_free(&env);
            if (got == want)
                break;
        }
    }
    return got;
}

static const result_t *find(const result_t *res, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (res[i].id == id)
            return &res[i];
    return NULL;
}

static void test_parser(void *ctx, const nm_config_t *cfg)
{
    char in_ep[256], sink_ep[256], summ_ep[256], err[256];
    snprintf(in_ep, sizeof in_ep, "ipc://%s/pages", dir);
    snprintf(sink_ep, sizeof sink_ep, "ipc://%s/sink", dir);
    snprintf(summ_ep, sizeof summ_ep, "ipc://%s/summ", dir);
    void *sink = nm_sock_new(ctx, ZMQ_PULL, sink_ep, true, cfg, err, sizeof err);
    void *summ = nm_sock_new(ctx, ZMQ_PULL, summ_ep, true, cfg, err, sizeof err);
    void *push = nm_sock_new(ctx, ZMQ_PUSH, in_ep, false, cfg, err, sizeof err);
    CHECK(sink && summ && push);
    const char *env[] = { "NEWSMILL_PARSER_BIND", in_ep, "NEWSMILL_PUBLISHER_SINK_ENDPOINT", sink_ep,
                          "NEWSMILL_PARSER_SUMMARIZER_ENDPOINTS", summ_ep,
                          "NEWSMILL_FETCHER_MAX_BYTES", "1048576", NULL };
    pid_t pid = spawn("parser", env);
    CHECK(pid > 0);
    if (pid <= 0 || !sink || !summ || !push)
        goto out;

    size_t gz_len, z_len, br_len, bomb_len, empty_len;
    uint8_t *gz = squeeze(GZIP, page, page_len, &gz_len);
    uint8_t *z = squeeze(ZLIB, page, page_len, &z_len);
    uint8_t *br = brotli(page, page_len, &br_len);
    uint8_t *zeros = calloc(1, 8u << 20);
    uint8_t *bomb = squeeze(GZIP, zeros, 8u << 20, &bomb_len);
    uint8_t *empty = squeeze(GZIP, "", 0, &empty_len);
    uint8_t *bad = malloc(gz_len);
    memcpy(bad, gz, gz_len);
    for (size_t i = gz_len / 3; i < gz_len / 3 + 32; i++)
        bad[i] ^= 0xa5;

    send_page(push, 1, "gzip", gz, gz_len);
    send_page(push, 2, NULL, page, page_len);            /* old-style: identity, no field */
    send_page(push, 3, "deflate", z, z_len);
    if (br)
        send_page(push, 4, "br", br, br_len);
    send_page(push, 5, "gzip", bomb, bomb_len);
    send_page(push, 6, "gzip", gz, gz_len - 100);        /* truncated */
    send_page(push, 7, "gzip", bad, gz_len);             /* corrupt */
    send_page(push, 8, "compress", gz, gz_len);
    send_page(push, 9, "gzip", empty, empty_len);
    send_page(push, 10, "gzip", gz, gz_len);             /* still working after all that */
    int want = br ? 10 : 9;
    result_t res[16];
    int got = collect(summ, sink, res, want, 15000);
    CHECK_INT(got, want);

    const result_t *r2 = find(res, got, 2);
    CHECK(r2 && r2->article && r2->title[0] && strlen(r2->text) > 20);
    int64_t same[] = { 1, 3, 4, 10 };
    for (int i = 0; i < 4 && r2; i++) {
        if (same[i] == 4 && !br)
            continue;
        const result_t *r = find(res, got, same[i]);
        CHECK(r && r->article);
        if (r && r->article) {   /* the same article, whatever the transport */
            CHECK_STR(r->title, r2->title);
            CHECK_STR(r->text, r2->text);
        }
    }
    struct { int64_t id; const char *reason; } refused[] = {
        { 5, "too large: body exceeds 1048576 bytes (decoded)" },
        { 6, "bad content encoding: gzip data corrupt or truncated" },
        { 7, "bad content encoding: gzip data corrupt or truncated" },
        { 8, "unsupported content encoding: compress" },
        { 9, "empty body (http 200)" },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const result_t *r = find(res, got, refused[i].id);
        CHECK(r && !r->article);
        if (r && !r->article) {
            CHECK_STR(r->text, refused[i].reason);
            CHECK_STR(r->stage, "parser");
            CHECK_INT(r->cls, NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT);
        }
    }
    CHECK_INT(kill(pid, 0), 0);   /* alive */

    free(gz);
    free(z);
    free(br);
    free(zeros);
    free(bomb);
    free(empty);
    free(bad);
out:
    stop(&pid);
    nm_sock_close(&sink);
    nm_sock_close(&summ);
    nm_sock_close(&push);
}

/* ---- 3. the fetcher daemon ---- */

#define FETCH_SLOTS 16

typedef struct {
    void *dispatch, *sink, *parser;
    unsigned char peer[256];
    size_t peer_len;
    uint32_t last_free;
    uint64_t last_received, jobs_sent;
} pub_t;

/* Wait up to ms for one message; WorkRequests update the credit view.
 * Returns 0 dispatch, 1 sink, 2 parser, -1 nothing; *env_out gets results. */
static int pub_next(pub_t *p, int ms, bool read_parser, nm_envelope_t **env_out)
{
    zmq_pollitem_t items[] = {
        { p->dispatch, 0, ZMQ_POLLIN, 0 }, { p->sink, 0, ZMQ_POLLIN, 0 }, { p->parser, 0, ZMQ_POLLIN, 0 },
    };
    *env_out = NULL;
    if (zmq_poll(items, read_parser ? 3 : 2, ms) <= 0)
        return -1;
    char err[256];
    for (int i = 0; i < (read_parser ? 3 : 2); i++) {
        if (!(items[i].revents & ZMQ_POLLIN))
            continue;
        unsigned char id[256];
        size_t idlen = 0;
        nm_envelope_t *env = nm_msg_recv(items[i].socket, 1 << 24, ZMQ_DONTWAIT, i == 0 ? id : NULL,
                                         i == 0 ? &idlen : NULL, err, sizeof err);
        if (!env)
            continue;
        if (i == 0) {
            memcpy(p->peer, id, idlen);
            p->peer_len = idlen;
            if (env->body_case == NEWSMILL__ENVELOPE__BODY_WORK_REQUEST) {
                p->last_free = env->work_request->free_slots;
                p->last_received = env->work_request->jobs_received;
            }
            nm_msg_free(&env);
        } else {
            *env_out = env;
        }
        return i;
    }
    return -1;
}

static void pub_job(pub_t *p, int64_t id, int port, const char *path)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    Newsmill__Job job = NEWSMILL__JOB__INIT;
    ref.job_id = id;
    ref.lease_token = (char *)"tok";
    ref.attempt = 1;
    job.ref = &ref;
    job.kind = NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE;
    job.url = url;
    job.lease_expires_at = nm_time_s() + 120;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_JOB;
    env.job = &job;
    CHECK_INT(nm_msg_send_to(p->dispatch, p->peer, p->peer_len, &env, 0), 0);
    p->jobs_sent++;
}

static pid_t fetcher_up(pub_t *p, const char *pass)
{
    char dispatch_ep[256], sink_ep[256], parser_ep[256];
    snprintf(dispatch_ep, sizeof dispatch_ep, "ipc://%s/dispatch", dir);
    snprintf(sink_ep, sizeof sink_ep, "ipc://%s/fsink", dir);
    snprintf(parser_ep, sizeof parser_ep, "ipc://%s/fparser", dir);
    const char *env[] = { "NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT", dispatch_ep,
                          "NEWSMILL_PUBLISHER_SINK_ENDPOINT", sink_ep,
                          "NEWSMILL_FETCHER_PARSER_ENDPOINTS", parser_ep,
                          "NEWSMILL_FETCHER_CONCURRENCY", "16",
                          "NEWSMILL_FETCHER_ALLOW_PRIVATE", "true",
                          "NEWSMILL_FETCHER_PER_HOST_CONCURRENCY", "0",
                          "NEWSMILL_FETCHER_PER_HOST_DELAY_MS", "0",
                          "NEWSMILL_FETCHER_ROBOTS", "false",
                          "NEWSMILL_FETCHER_PASS_ENCODED", pass,
                          "NEWSMILL_ZMQ_PAGE_HWM", "2", NULL };
    pid_t pid = spawn("fetcher", env);
    p->last_free = 0;
    p->last_received = p->jobs_sent = 0;
    int64_t deadline = nm_now_ms() + 5000;
    nm_envelope_t *e;
    while (nm_now_ms() < deadline && p->last_free != FETCH_SLOTS)
        if (pub_next(p, 200, true, &e) >= 0)
            nm_msg_free(&e);
    CHECK_INT(p->last_free, FETCH_SLOTS);
    return pid;
}

static Newsmill__Page *one_page(pub_t *p, nm_envelope_t **env, int ms)
{
    int64_t deadline = nm_now_ms() + ms;
    while (nm_now_ms() < deadline) {
        int which = pub_next(p, 200, true, env);
        if (which == 2 && (*env)->body_case == NEWSMILL__ENVELOPE__BODY_PAGE)
            return (*env)->page;
        nm_msg_free(env);
    }
    return NULL;
}

static void test_fetcher(void *ctx, const nm_config_t *cfg)
{
    char ep[256], err[256];
    pub_t p = { 0 };
    snprintf(ep, sizeof ep, "ipc://%s/dispatch", dir);
    p.dispatch = nm_sock_new(ctx, ZMQ_ROUTER, ep, true, cfg, err, sizeof err);
    snprintf(ep, sizeof ep, "ipc://%s/fsink", dir);
    p.sink = nm_sock_new(ctx, ZMQ_PULL, ep, true, cfg, err, sizeof err);
    snprintf(ep, sizeof ep, "ipc://%s/fparser", dir);
    p.parser = nm_sock_new_queue(ctx, ZMQ_PULL, ep, true, 2, cfg, err, sizeof err);   /* a parser's page_hwm */
    CHECK(p.dispatch && p.sink && p.parser);

    /* the server has only p.html.gz: it answers with Content-Encoding: gzip */
    size_t gz_len;
    uint8_t *gz = squeeze(GZIP, page, page_len, &gz_len);
    write_file("p.html.gz", gz, gz_len);
    test_httpd_t h;
    if (!p.dispatch || !p.sink || !p.parser || test_httpd_start(&h, dir) != 0) {
        CHECK(0);
        goto out;
    }

    /* pass_encoded (the default): the bytes as sent, and what they are */
    pid_t pid = fetcher_up(&p, "true");
    pub_job(&p, 1, h.port, "/p.html");
    nm_envelope_t *env = NULL;
    Newsmill__Page *pg = one_page(&p, &env, 5000);
    CHECK(pg != NULL);
    if (pg) {
        CHECK_STR(pg->content_encoding, "gzip");
        CHECK(pg->body.len == gz_len && !memcmp(pg->body.data, gz, gz_len));
    }
    nm_msg_free(&env);

    /* A parser that does not read: pages the pipe cannot take are held in
     * the fetcher and keep their slots, so the credits it announces drop. */
    for (int i = 0; i < FETCH_SLOTS; i++)
        pub_job(&p, 100 + i, h.port, "/_large/600000");
    uint32_t min_free = FETCH_SLOTS;
    int64_t deadline = nm_now_ms() + 3000;
    while (nm_now_ms() < deadline) {
        if (pub_next(&p, 200, false, &env) >= 0)
            nm_msg_free(&env);
        if (p.last_received == p.jobs_sent && p.last_free < min_free)
            min_free = p.last_free;
    }
    /* all 16 transfers finished long ago (loopback); ~6 pages fit in the
     * sockets' queues and buffers, the rest wait in the fetcher */
    CHECK(p.last_received == p.jobs_sent);
    CHECK(p.last_free <= FETCH_SLOTS - 4);
    fprintf(stderr, "  with the parser not reading: %u of %d slots free\n", p.last_free, FETCH_SLOTS);
    /* the parser reads again: every page arrives, once, and the slots come back */
    int pages = 0, seen[FETCH_SLOTS] = { 0 };
    deadline = nm_now_ms() + 8000;
    while (nm_now_ms() < deadline && (pages < FETCH_SLOTS || p.last_free != FETCH_SLOTS)) {
        int which = pub_next(&p, 200, true, &env);
        if (which == 2 && env->body_case == NEWSMILL__ENVELOPE__BODY_PAGE) {
            int64_t k = env->page->ref->job_id - 100;
            CHECK(k >= 0 && k < FETCH_SLOTS && !seen[k]);
            if (k >= 0 && k < FETCH_SLOTS)
                seen[k] = 1;
            CHECK_INT(env->page->body.len, 600000);
            pages++;
        }
        CHECK(which != 1);   /* nothing dropped or failed */
        nm_msg_free(&env);
    }
    CHECK_INT(pages, FETCH_SLOTS);
    CHECK_INT(p.last_free, FETCH_SLOTS);
    stop(&pid);

    /* pass_encoded=false: the fetcher decodes, as before */
    pid = fetcher_up(&p, "false");
    pub_job(&p, 2, h.port, "/p.html");
    pg = one_page(&p, &env, 5000);
    CHECK(pg != NULL);
    if (pg) {
        CHECK_STR(pg->content_encoding, "");
        CHECK(pg->body.len == page_len && !memcmp(pg->body.data, page, page_len));
    }
    nm_msg_free(&env);
    stop(&pid);
    test_httpd_stop(&h);
out:
    free(gz);
    nm_sock_close(&p.dispatch);
    nm_sock_close(&p.sink);
    nm_sock_close(&p.parser);
}

int main(void)
{
    char err[256], path[PATH_MAX];
    const char *src = getenv("NM_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/deploy/sample/articles/3317991.html", src ? src : ".");
    page = read_file(path, &page_len);
    CHECK(page != NULL);
    if (!page)
        return nm_test_done();
    snprintf(dir, sizeof dir, "/tmp/nm_test_transport.XXXXXX");
    if (!mkdtemp(dir))
        return 1;

    test_body();

    nm_config_t cfg;
    unsetenv("NEWSMILL_CONFIG");
    CHECK_INT(nm_config_load(&cfg, NULL, err, sizeof err), 0);
    void *ctx = zmq_ctx_new();
    test_parser(ctx, &cfg);
    test_fetcher(ctx, &cfg);
    zmq_ctx_term(ctx);
    nm_config_free(&cfg);

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    free(page);
    return nm_test_done();
}

/* newsmill-fetcher as a process, with this test playing the publisher (ROUTER
 * for dispatch, PULL for the sink) and a parser (PULL) over real ZeroMQ
 * sockets, and nm_test_httpd serving the pages. */
#include "nm_config.h"
#include "nm_daemon.h"
#include "nm_msg.h"
#include "nm_test.h"
#include "test_fetch_httpd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define CONCURRENCY 3

static char dir[128];
static int port;
static nm_config_t cfg;
static void *ctx, *dispatch, *sink, *parser;
static pid_t fetcher_pid = -1;

/* what the test-publisher knows */
static unsigned char peer[256];
static size_t peer_len;
static uint64_t jobs_sent, results;
static uint32_t last_free = 0;
static uint64_t last_received;
static int work_requests, credit_violations;
static char page_etag[128];
static int64_t job_sent_ms;
static int slow_credits;   /* quick jobs whose freed slot was announced late */

typedef struct {
    int which;               /* 0 dispatch, 1 sink, 2 parser, -1 nothing */
    nm_envelope_t *env;
} got_t;

static int find_fetcher(char *out, size_t outlen)
{
    return test_build_path("fetcher/newsmill-fetcher", "../fetcher/newsmill-fetcher", out, outlen);
}

static void note_work_request(const Newsmill__WorkRequest *wr)
{
    work_requests++;
    last_free = wr->free_slots;
    last_received = wr->jobs_received;
    /* The fetcher may not claim more slots than it has, nor to have seen
     * jobs we never sent. */
    if (wr->free_slots > CONCURRENCY || wr->jobs_received > jobs_sent)
        credit_violations++;
    CHECK_STR(wr->fetcher_id, "test-fetcher");
}

/* Wait up to ms for one message on any socket. WorkRequests are recorded. */
static got_t next_msg(int ms)
{
    got_t g = { -1, NULL };
    zmq_pollitem_t items[] = {
        { dispatch, 0, ZMQ_POLLIN, 0 }, { sink, 0, ZMQ_POLLIN, 0 }, { parser, 0, ZMQ_POLLIN, 0 },
    };
    if (zmq_poll(items, 3, ms) <= 0)
        return g;
    char err[256];
    for (int i = 0; i < 3; i++) {
        if (!(items[i].revents & ZMQ_POLLIN))
            continue;
        size_t idlen = 0;
        unsigned char id[256];
        g.env = nm_msg_recv(items[i].socket, 1 << 24, ZMQ_DONTWAIT, i == 0 ? id : NULL,
                            i == 0 ? &idlen : NULL, err, sizeof err);
        CHECK(g.env != NULL || !err[0]);
        if (!g.env)
            continue;
        g.which = i;
        if (i == 0) {
            memcpy(peer, id, idlen);
            peer_len = idlen;
            CHECK_INT(g.env->body_case, NEWSMILL__ENVELOPE__BODY_WORK_REQUEST);
            if (g.env->body_case == NEWSMILL__ENVELOPE__BODY_WORK_REQUEST)
                note_work_request(g.env->work_request);
        } else {
            results++;
        }
        return g;
    }
    return g;
}

static void send_job(int64_t id, const char *path, const char *etag)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    Newsmill__Job job = NEWSMILL__JOB__INIT;
    ref.job_id = id;
    ref.lease_token = (char *)"tok";
    ref.attempt = 2;
    job.ref = &ref;
    job.kind = NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE;
    job.url = url;
    job.feed_id = 42;
    if (etag)
        job.etag = (char *)etag;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_JOB;
    env.job = &job;
    CHECK_INT(nm_msg_send_to(dispatch, peer, peer_len, &env, 0), 0);
    jobs_sent++;
    job_sent_ms = nm_now_ms();
}


/* Wait for the result of the job just sent, and for the WorkRequest that
 * gives its slot back: that one must come at once, not with a heartbeat. */
static got_t wait_result(int ms)
{
    int64_t deadline = nm_now_ms() + ms;
    got_t res = { -1, NULL };
    int credited = 0;
    while (nm_now_ms() < deadline && (res.which < 0 || !credited)) {
        got_t g = next_msg((int)(deadline - nm_now_ms()));
        if (g.which > 0 && res.which < 0) {
            res = g;
            continue;
        }
        if (g.which == 0 && last_received == jobs_sent && last_free == CONCURRENCY) {
            credited = 1;
            if (nm_now_ms() - job_sent_ms > 500)
                slow_credits++;
        }
        nm_msg_free(&g.env);
    }
    CHECK(credited);
    return res;
}

static int wait_work_request(int ms)
{
    int64_t deadline = nm_now_ms() + ms;
    while (nm_now_ms() < deadline) {
        got_t g = next_msg((int)(deadline - nm_now_ms()));
        int which = g.which;
        nm_msg_free(&g.env);
        if (which == 0)
            return 0;
        CHECK(which != 1 && which != 2);   /* no stray results here */
    }
    return -1;
}

static pid_t spawn_fetcher(void)
{
    char path[PATH_MAX], ep[256];
    if (find_fetcher(path, sizeof path) < 0) {
        fprintf(stderr, "newsmill-fetcher not found (set NM_BUILD_DIR)\n");
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(ep, sizeof ep, "ipc://%s/dispatch", dir);
        setenv("NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT", ep, 1);
        snprintf(ep, sizeof ep, "ipc://%s/sink", dir);
        setenv("NEWSMILL_PUBLISHER_SINK_ENDPOINT", ep, 1);
        snprintf(ep, sizeof ep, "ipc://%s/parser", dir);
        setenv("NEWSMILL_FETCHER_PARSER_ENDPOINTS", ep, 1);
        setenv("NEWSMILL_FETCHER_CONCURRENCY", "3", 1);
        setenv("NEWSMILL_FETCHER_ALLOW_PRIVATE", "true", 1);
        /* this test is about credits and messages; politeness has test_fetch_polite */
        setenv("NEWSMILL_FETCHER_PER_HOST_CONCURRENCY", "0", 1);
        setenv("NEWSMILL_FETCHER_PER_HOST_DELAY_MS", "0", 1);
        setenv("NEWSMILL_FETCHER_ID", "test-fetcher", 1);
        setenv("NEWSMILL_LOG_LEVEL", getenv("NM_TEST_VERBOSE") ? "debug" : "warning", 1);
        unsetenv("NEWSMILL_CONFIG");
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Exit status of the child within ms, or -1 if it is still running. */
static int wait_exit(pid_t pid, int ms)
{
    int64_t deadline = nm_now_ms() + ms;
    int status;
    while (nm_now_ms() < deadline) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(20000);
    }
    return -1;
}

static void run(void)
{
    /* 1. It asks for work at once, with exactly its concurrency and nothing seen. */
    CHECK_INT(wait_work_request(5000), 0);
    CHECK_INT(last_free, CONCURRENCY);
    CHECK_INT(last_received, 0);

    /* 2. Junk on the dispatch socket is rejected without harm. */
    CHECK_INT(zmq_send(dispatch, peer, peer_len, ZMQ_SNDMORE), (int)peer_len);
    CHECK_INT(zmq_send(dispatch, "garbage", 7, 0), 7);
    Newsmill__WorkRequest wr = NEWSMILL__WORK_REQUEST__INIT;
    nm_envelope_t stray;
    nm_envelope_init(&stray);
    stray.body_case = NEWSMILL__ENVELOPE__BODY_WORK_REQUEST;
    stray.work_request = &wr;
    CHECK_INT(nm_msg_send_to(dispatch, peer, peer_len, &stray, 0), 0);

    /* 3. A 200 becomes a Page for the parser. */
    send_job(1, "/a.html", NULL);
    got_t g = wait_result(5000);
    CHECK_INT(g.which, 2);
    if (g.which == 2 && g.env->body_case == NEWSMILL__ENVELOPE__BODY_PAGE) {
        Newsmill__Page *p = g.env->page;
        CHECK_INT(p->ref->job_id, 1);
        CHECK_STR(p->ref->lease_token, "tok");
        CHECK_INT(p->ref->attempt, 2);
        CHECK_INT(p->kind, NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE);
        CHECK_INT(p->http_status, 200);
        CHECK_INT(p->feed_id, 42);
        CHECK_STR(p->content_type, "text/html; charset=utf-8");
        CHECK_STR(p->charset, "utf-8");
        static const char want[] = "<html><body><p>Hello</p></body></html>\n";
        CHECK(p->body.len == sizeof want - 1 && !memcmp(p->body.data, want, sizeof want - 1));
        CHECK(strstr(p->url, "/a.html") != NULL);
        CHECK_STR(p->final_url, p->url);
        CHECK(p->etag[0] == '"');
        snprintf(page_etag, sizeof page_etag, "%s", p->etag);
        CHECK(p->fetched_at > 0);
    } else {
        CHECK(0);
    }
    nm_msg_free(&g.env);

    /* 4. A 404 becomes a permanent Outcome for the sink. */
    send_job(2, "/missing.html", NULL);
    g = wait_result(5000);
    CHECK_INT(g.which, 1);
    if (g.which == 1 && g.env->body_case == NEWSMILL__ENVELOPE__BODY_OUTCOME) {
        Newsmill__Outcome *o = g.env->outcome;
        CHECK_INT(o->ref->job_id, 2);
        CHECK_INT(o->class_, NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT);
        CHECK_INT(o->http_status, 404);
        CHECK_STR(o->stage, "fetcher");
        CHECK_STR(o->reason, "http 404");
        CHECK_INT(o->feed_id, 42);
    } else {
        CHECK(0);
    }
    nm_msg_free(&g.env);

    /* 4b. The validators from that page make a 304: not modified, etag kept. */
    send_job(4, "/a.html", page_etag);
    g = wait_result(5000);
    CHECK_INT(g.which, 1);
    if (g.which == 1) {
        CHECK_INT(g.env->outcome->class_, NEWSMILL__OUTCOME_CLASS__OUTCOME_NOT_MODIFIED);
        CHECK_INT(g.env->outcome->http_status, 304);
        CHECK_STR(g.env->outcome->etag, page_etag);
    }
    nm_msg_free(&g.env);

    /* 5. 503 + Retry-After: transient with the delay. */
    send_job(3, "/_retry_after/9", NULL);
    g = wait_result(5000);
    CHECK_INT(g.which, 1);
    if (g.which == 1) {
        CHECK_INT(g.env->outcome->class_, NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT);
        CHECK_INT(g.env->outcome->retry_after, 9);
    }
    nm_msg_free(&g.env);

    /* 6. Credits follow the slots: with 3 slow jobs running, it has none free
     * (seen in a heartbeat); 2 more than it asked for are queued, not dropped. */
    CHECK_INT(wait_work_request(3000), 0);
    CHECK_INT(last_free, CONCURRENCY);
    for (int i = 0; i < 5; i++)
        send_job(10 + i, "/_slow/1500/a.html", NULL);
    int pages = 0, saw_zero = 0;
    int64_t deadline = nm_now_ms() + 8000;
    while (pages < 5 && nm_now_ms() < deadline) {
        g = next_msg(500);
        if (g.which == 2)
            pages++;
        if (g.which == 0 && last_received == jobs_sent && last_free == 0)
            saw_zero = 1;
        nm_msg_free(&g.env);
    }
    CHECK_INT(pages, 5);
    CHECK(saw_zero);

    /* 7. Heartbeats while idle, and all slots free again. */
    int before = work_requests;
    deadline = nm_now_ms() + 2500;
    while (nm_now_ms() < deadline) {
        g = next_msg(200);
        nm_msg_free(&g.env);
    }
    CHECK(work_requests - before >= 2);
    CHECK_INT(last_free, CONCURRENCY);
    CHECK_INT(last_received, jobs_sent);

    /* 8. SIGTERM: no more credits, the running transfer finishes, one that
     * never would is abandoned after the ~5 s drain limit, exit 0. */
    send_job(20, "/_slow/800/a.html", NULL);
    send_job(21, "/_hang", NULL);
    deadline = nm_now_ms() + 3000;
    while (last_received < jobs_sent && nm_now_ms() < deadline) {
        g = next_msg(200);
        nm_msg_free(&g.env);
    }
    kill(fetcher_pid, SIGTERM);
    int64_t t0 = nm_now_ms();
    int got_page = 0, zero_after_term = 0;
    while (nm_now_ms() - t0 < 3000 && !got_page) {
        g = next_msg(200);
        if (g.which == 2 && g.env->page->ref->job_id == 20)
            got_page = 1;
        if (g.which == 0 && last_free == 0)
            zero_after_term = 1;
        nm_msg_free(&g.env);
    }
    CHECK(got_page);
    CHECK(zero_after_term);
    int code = wait_exit(fetcher_pid, 9000);
    int64_t took = nm_now_ms() - t0;
    CHECK_INT(code, 0);
    CHECK(took > 4500 && took < 8000);
    g = next_msg(200);   /* nothing for the abandoned job */
    CHECK_INT(g.which, -1);
    nm_msg_free(&g.env);
    if (code >= 0)
        fetcher_pid = -1;
    CHECK_INT(credit_violations, 0);
    CHECK_INT(slow_credits, 0);
}

int main(void)
{
    char err[256];
    snprintf(dir, sizeof dir, "/tmp/nm_test_fetchd.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    char path[300];
    snprintf(path, sizeof path, "%s/a.html", dir);
    FILE *f = fopen(path, "w");
    fputs("<html><body><p>Hello</p></body></html>\n", f);
    fclose(f);

    unsetenv("NEWSMILL_CONFIG");
    CHECK_INT(nm_config_load(&cfg, NULL, err, sizeof err), 0);
    ctx = zmq_ctx_new();
    char ep[256];
    snprintf(ep, sizeof ep, "ipc://%s/dispatch", dir);
    dispatch = nm_sock_new(ctx, ZMQ_ROUTER, ep, true, &cfg, err, sizeof err);
    snprintf(ep, sizeof ep, "ipc://%s/sink", dir);
    sink = nm_sock_new(ctx, ZMQ_PULL, ep, true, &cfg, err, sizeof err);
    snprintf(ep, sizeof ep, "ipc://%s/parser", dir);
    parser = nm_sock_new(ctx, ZMQ_PULL, ep, true, &cfg, err, sizeof err);
    CHECK(dispatch && sink && parser);

    test_httpd_t h;
    if (dispatch && sink && parser && test_httpd_start(&h, dir) == 0) {
        port = h.port;
        fetcher_pid = spawn_fetcher();
        CHECK(fetcher_pid > 0);
        if (fetcher_pid > 0)
            run();
        if (fetcher_pid > 0) {
            kill(fetcher_pid, SIGKILL);
            waitpid(fetcher_pid, NULL, 0);
        }
        test_httpd_stop(&h);
    } else {
        CHECK(0);
    }

    nm_sock_close(&dispatch);
    nm_sock_close(&sink);
    nm_sock_close(&parser);
    zmq_ctx_term(ctx);
    nm_config_free(&cfg);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return nm_test_done();
}

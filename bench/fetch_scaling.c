/* fetch_scaling: pages per second with 1, 2 and 4 newsmill-fetcher processes.
 *
 *   fetch_scaling [--pages N] [--runs R] [--concurrency C] [--fetchers 1,2,4]
 *
 * What runs: nm_test_httpd answering every request after 200 ms
 * (/_slow/200/article.html?n=I, a real 13 KB article page), real
 * newsmill-fetcher processes (unchanged, configured only through the
 * environment, fetcher.concurrency=C so one fetcher is the bottleneck at
 * C / 0.2 s pages per second), and this program in the publisher's and the
 * parsers' seats: a ROUTER that hands out N article jobs on credit with the
 * publisher's own bookkeeping (pub_peers), a PULL for Outcomes and a PULL
 * for Pages, all speaking proto/newsmill.proto over ZeroMQ. Nothing else
 * competes for the machine, so the figure is the fetchers' own; the whole
 * pipeline (publisher, parser, summarizer, PostgreSQL) is measured by
 * bench/fetch_scaling.sh.
 *
 * Prints, per fetcher count, the median over R runs of pages per second
 * (N pages from the first job sent to the last page received) and the ratio
 * to one fetcher. Issue 3's target: 4 fetchers >= 3x one. */
#include "nm_config.h"
#include "nm_daemon.h"
#include "nm_msg.h"
#include "pub_peers.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#ifndef NM_BUILD_ROOT
#define NM_BUILD_ROOT "."
#endif
#ifndef NM_SOURCE_ROOT
#define NM_SOURCE_ROOT "."
#endif

#define MAX_FETCHERS 16
#define MAX_RUNS 15

static char tmpdir[64];
static int http_port;
static pid_t httpd_pid = -1;

static pid_t start_httpd(const char *build, const char *root)
{
    char path[PATH_MAX];
    int fds[2];
    snprintf(path, sizeof path, "%s/tests/servers/nm_test_httpd", build);
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        execl(path, path, "--root", root, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[64] = "";
    size_t len = 0;
    struct pollfd p = { .fd = fds[0], .events = POLLIN };
    while (len < sizeof line - 1 && !strchr(line, '\n') && poll(&p, 1, 5000) > 0) {
        ssize_t r = read(fds[0], line + len, sizeof line - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        line[len] = '\0';
    }
    close(fds[0]);
    if (sscanf(line, "port %d", &http_port) != 1) {
        fprintf(stderr, "fetch_scaling: nm_test_httpd (%s) did not start\n", path);
        kill(pid, SIGKILL);
        return -1;
    }
    return pid;
}

static pid_t start_fetcher(const char *build, int i, int concurrency)
{
    char path[PATH_MAX], v[256];
    snprintf(path, sizeof path, "%s/fetcher/newsmill-fetcher", build);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    snprintf(v, sizeof v, "ipc://%s/dispatch", tmpdir);
    setenv("NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT", v, 1);
    snprintf(v, sizeof v, "ipc://%s/sink", tmpdir);
    setenv("NEWSMILL_PUBLISHER_SINK_ENDPOINT", v, 1);
    snprintf(v, sizeof v, "ipc://%s/parser", tmpdir);
    setenv("NEWSMILL_FETCHER_PARSER_ENDPOINTS", v, 1);
    snprintf(v, sizeof v, "%d", concurrency);
    setenv("NEWSMILL_FETCHER_CONCURRENCY", v, 1);
    snprintf(v, sizeof v, "bench-fetcher-%d", i);
    setenv("NEWSMILL_FETCHER_ID", v, 1);
    /* one loopback host stands in for many sites: no per-host limits; the
     * private-address block stays on with this one server as its exception */
    setenv("NEWSMILL_FETCHER_PER_HOST_CONCURRENCY", "0", 1);
    setenv("NEWSMILL_FETCHER_PER_HOST_DELAY_MS", "0", 1);
    setenv("NEWSMILL_FETCHER_ALLOW_PRIVATE", "false", 1);
    snprintf(v, sizeof v, "127.0.0.1:%d", http_port);
    setenv("NEWSMILL_FETCHER_ALLOW_HOSTS", v, 1);
    setenv("NEWSMILL_LOG_LEVEL", "warning", 1);
    unsetenv("NEWSMILL_CONFIG");
    execl(path, path, (char *)NULL);
    _exit(127);
}

static int send_job(void *router, const pub_peer_t *peer, int64_t id)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_slow/200/article.html?n=%lld", http_port, (long long)id);
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    Newsmill__Job job = NEWSMILL__JOB__INIT;
    ref.job_id = id;
    ref.lease_token = (char *)"00000000-0000-0000-0000-000000000000";
    ref.attempt = 1;
    job.ref = &ref;
    job.kind = NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE;
    job.url = url;
    job.lease_expires_at = nm_time_s() + 600;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_JOB;
    env.job = &job;
    return nm_msg_send_to(router, peer->id, peer->idlen, &env, ZMQ_DONTWAIT);
}

/* One run with k fetchers; returns pages per second, or -1. */
static double one_run(const char *build, const nm_config_t *cfg, int k, int pages, int concurrency)
{
    char ep[128], err[256];
    void *ctx = zmq_ctx_new();
    snprintf(ep, sizeof ep, "ipc://%s/dispatch", tmpdir);
    void *router = nm_sock_new(ctx, ZMQ_ROUTER, ep, true, cfg, err, sizeof err);
    snprintf(ep, sizeof ep, "ipc://%s/sink", tmpdir);
    void *sink = nm_sock_new(ctx, ZMQ_PULL, ep, true, cfg, err, sizeof err);
    snprintf(ep, sizeof ep, "ipc://%s/parser", tmpdir);
    void *parser = nm_sock_new(ctx, ZMQ_PULL, ep, true, cfg, err, sizeof err);
    if (!router || !sink || !parser) {
        fprintf(stderr, "fetch_scaling: sockets: %s\n", err);
        return -1;
    }
    pub_peers_t *peers = pub_peers_new(64);
    pid_t pids[MAX_FETCHERS];
    for (int i = 0; i < k; i++)
        pids[i] = start_fetcher(build, i + 1, concurrency);

    int64_t sent = 0, got = 0, got_pages = 0, t_first = 0, t_last = 0;
    int64_t deadline = nm_now_ms() + 300000;
    while (got < pages && nm_now_ms() < deadline) {
        zmq_pollitem_t items[3] = {
            { router, 0, ZMQ_POLLIN, 0 }, { sink, 0, ZMQ_POLLIN, 0 }, { parser, 0, ZMQ_POLLIN, 0 },
        };
        if (zmq_poll(items, 3, 100) < 0 && errno != EINTR)
            break;
        for (;;) {   /* work requests: credit, exactly as the publisher counts it */
            unsigned char id[PUB_PEER_ID_MAX];
            size_t idlen = 0;
            nm_envelope_t *env = nm_msg_recv(router, 1 << 20, ZMQ_DONTWAIT, id, &idlen, err, sizeof err);
            if (!env)
                break;
            if (env->body_case == NEWSMILL__ENVELOPE__BODY_WORK_REQUEST)
                pub_peers_request(peers, id, idlen, env->work_request->fetcher_id,
                                  env->work_request->free_slots, env->work_request->jobs_received,
                                  nm_now_ms());
            nm_msg_free(&env);
        }
        pub_peer_t *peer;
        while (sent < pages && (peer = pub_peers_next(peers)) != NULL) {
            if (send_job(router, peer, sent + 1) < 0) {
                peer->credit = 0;
                continue;
            }
            if (!t_first)
                t_first = nm_now_ms();
            pub_peers_sent(peer);
            sent++;
        }
        for (int s = 1; s <= 2; s++) {
            for (;;) {
                nm_envelope_t *env = nm_msg_recv(items[s].socket, 1 << 24, ZMQ_DONTWAIT, NULL, NULL,
                                                 err, sizeof err);
                if (!env)
                    break;
                got++;
                if (env->body_case == NEWSMILL__ENVELOPE__BODY_PAGE)
                    got_pages++;
                else if (env->body_case == NEWSMILL__ENVELOPE__BODY_OUTCOME)
                    fprintf(stderr, "fetch_scaling: outcome instead of a page: %s\n", env->outcome->reason);
                t_last = nm_now_ms();
                nm_msg_free(&env);
            }
        }
    }
    for (int i = 0; i < k; i++)
        kill(pids[i], SIGTERM);
    for (int i = 0; i < k; i++)
        waitpid(pids[i], NULL, 0);
    pub_peers_destroy(&peers);
    nm_sock_close(&router);
    nm_sock_close(&sink);
    nm_sock_close(&parser);
    zmq_ctx_term(ctx);
    if (got < pages || got_pages < pages || t_last <= t_first) {
        fprintf(stderr, "fetch_scaling: %lld of %d answers (%lld pages)\n", (long long)got, pages,
                (long long)got_pages);
        return -1;
    }
    return pages * 1000.0 / (double)(t_last - t_first);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(void)
{
    fprintf(stderr, "usage: fetch_scaling [--pages N] [--runs R] [--concurrency C] [--fetchers 1,2,4] "
                    "[--build DIR]\n");
}

int main(int argc, char **argv)
{
    int pages = 800, runs = 3, concurrency = 8;
    const char *fetchers = "1,2,4";
    const char *build = getenv("NM_BUILD_DIR") ? getenv("NM_BUILD_DIR") : NM_BUILD_ROOT;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage();
            return 2;
        }
        if (!strcmp(argv[i], "--pages"))
            pages = atoi(v);
        else if (!strcmp(argv[i], "--runs"))
            runs = atoi(v);
        else if (!strcmp(argv[i], "--concurrency"))
            concurrency = atoi(v);
        else if (!strcmp(argv[i], "--fetchers"))
            fetchers = v;
        else if (!strcmp(argv[i], "--build"))
            build = v;
        else {
            usage();
            return 2;
        }
        i++;
    }
    if (pages < 10 || runs < 1 || runs > MAX_RUNS || concurrency < 1) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    snprintf(tmpdir, sizeof tmpdir, "/tmp/nm-fetch-scaling.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    char root[128], cmd[PATH_MAX + 256];
    snprintf(root, sizeof root, "%s/www", tmpdir);
    mkdir(root, 0755);
    /* no canonical link: each URL stands for its own article */
    snprintf(cmd, sizeof cmd, "grep -v -e 'rel=\"canonical\"' -e 'og:url' '%s/deploy/sample/articles/3317991.html' "
                              "> '%s/article.html'", NM_SOURCE_ROOT, root);
    if (system(cmd) != 0) {
        fprintf(stderr, "fetch_scaling: cannot prepare the article page\n");
        return 1;
    }
    httpd_pid = start_httpd(build, root);
    if (httpd_pid < 0)
        return 1;

    nm_config_t cfg;
    char err[256];
    unsetenv("NEWSMILL_CONFIG");
    if (nm_config_load(&cfg, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "fetch_scaling: %s\n", err);
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("fetch_scaling: %d pages per run, 200 ms per answer, fetcher.concurrency=%d, "
           "%d runs, %ld cores\n", pages, concurrency, runs, cores);
    printf("%-9s %-14s %-40s %s\n", "fetchers", "pages/s", "runs", "vs 1 fetcher");
    fflush(stdout);

    double base = 0;
    int status = 0;
    char list[64];
    snprintf(list, sizeof list, "%s", fetchers);
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int k = atoi(tok);
        if (k < 1 || k > MAX_FETCHERS)
            continue;
        double r[MAX_RUNS];
        char runs_txt[128] = "";
        for (int i = 0; i < runs; i++) {
            r[i] = one_run(build, &cfg, k, pages, concurrency);
            size_t n = strlen(runs_txt);
            snprintf(runs_txt + n, sizeof runs_txt - n, "%.1f ", r[i]);
            if (r[i] < 0)
                status = 1;
        }
        qsort(r, (size_t)runs, sizeof r[0], cmp_double);
        double med = runs % 2 ? r[runs / 2] : (r[runs / 2 - 1] + r[runs / 2]) / 2;
        if (base == 0)
            base = med;
        printf("%-9d %-14.1f %-40s %.2fx\n", k, med, runs_txt, base > 0 ? med / base : 0);
        fflush(stdout);
    }
    kill(httpd_pid, SIGTERM);
    waitpid(httpd_pid, NULL, 0);
    nm_config_free(&cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        status = 1;
    return status;
}

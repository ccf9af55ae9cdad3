/* summ_llm: the pure parts (templates, cutting, reply parsing, validation,
 * Retry-After), then the client against every scripted mode of the loopback
 * chat-completions server tests/servers/nm_test_llm over real HTTP. */
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_test.h"
#include "summ_llm.h"
#include "summ_llm_impl.h"

/* ---- the server ---- */

typedef struct {
    pid_t pid;
    int port;
    char base[128];
} llm_srv_t;

static int srv_start(llm_srv_t *s, const char *const *args)
{
    char path[PATH_MAX];
    const char *bd = getenv("NM_BUILD_DIR");
    snprintf(path, sizeof path, "%s/tests/servers/nm_test_llm", bd ? bd : ".");
    if (access(path, X_OK) != 0) {
        char self[PATH_MAX - 64];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return -1;
        self[n] = '\0';
        *strrchr(self, '/') = '\0';
        snprintf(path, sizeof path, "%s/servers/nm_test_llm", self);
    }
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    const char *argv[16] = { path };
    size_t na = 1;
    for (; args && args[na - 1] && na < 15; na++)
        argv[na] = args[na - 1];
    argv[na] = NULL;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(path, (char *const *)argv);
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
    if (sscanf(line, "port %d", &s->port) != 1) {
        fprintf(stderr, "nm_test_llm did not start (%s)\n", path);
        return -1;
    }
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d/v1", s->port);
    return 0;
}

static void srv_stop(llm_srv_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
}

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    nm_buf_append(ud, p, sz * n);
    return sz * n;
}

/* GET /stats (reset = POST /reset first); returns the parsed object. */
static json_t *srv_http(llm_srv_t *s, const char *path, int post)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    nm_buf_t b;
    nm_buf_init(&b, 0);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    if (post)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_perform(e);
    curl_easy_cleanup(e);
    json_t *j = json_loads(b.data ? b.data : "{}", 0, NULL);
    nm_buf_free(&b);
    return j;
}

static long stat_of(llm_srv_t *s, const char *key)
{
    json_t *j = srv_http(s, "/stats", 0);
    long v = (long)json_integer_value(json_object_get(j, key));
    if (!strcmp(key, "bad_requests") && v)
        fprintf(stderr, "server refused a request: %s\n", json_string_value(json_object_get(j, "last_error")));
    json_decref(j);
    return v;
}

static int has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p >= 0xe4 && *p <= 0xe9)
            return 1;
    return 0;
}

static char prompts[PATH_MAX];

static void opts_for(summ_llm_opts_t *o, llm_srv_t *s, const char *model)
{
    memset(o, 0, sizeof *o);
    o->base_url = s->base;
    o->model = model;
    o->api_key = "sk-test-secret-key";
    o->temperature = 0.3;
    o->max_tokens = 800;
    o->token_field = "max_completion_tokens";
    o->timeout_seconds = 1;
    o->concurrency = 4;
    o->target_language = "zh";
    o->response_format = SUMM_LLM_RF_JSON_OBJECT;
    o->max_attempts = 3;
    o->backoff_base_ms = 20;
    o->breaker_seconds = -1;
    o->prompts_dir = prompts;
}

static const summ_llm_article_in_t ARTICLE = {
    .title = "China and US hold trade talks in Geneva",
    .text = "Chinese and American negotiators met in Geneva on Monday.\n\nThey discussed tariffs and chips.",
    .url = "https://example.com/a", .site = "Example News", .language = "en",
};

/* One article against one mode; returns the result (caller destroys). */
static summ_llm_article_t *run_mode(llm_srv_t *s, const char *model, summ_llm_opts_t *tweak)
{
    summ_llm_opts_t o;
    opts_for(&o, s, model);
    if (tweak)
        o = *tweak;
    char err[256];
    summ_llm_t *llm = summ_llm_new(&o, err, sizeof err);
    if (!llm) {
        fprintf(stderr, "summ_llm_new: %s\n", err);
        return NULL;
    }
    json_decref(srv_http(s, "/reset", 1));
    summ_llm_article_t *a = summ_llm_article_sync(llm, &ARTICLE);
    summ_llm_destroy(&llm);
    return a;
}

static void expect_ok(llm_srv_t *s, const char *model, int attempts)
{
    summ_llm_article_t *a = run_mode(s, model, NULL);
    CHECK(a != NULL);
    if (!a)
        return;
    if (a->status != SUMM_LLM_OK)
        fprintf(stderr, "mode %s: %s\n", model, a->error);
    CHECK_INT(a->status, SUMM_LLM_OK);
    CHECK_INT(a->attempts, attempts);
    CHECK_INT(stat_of(s, "requests"), attempts);
    CHECK_INT(stat_of(s, "bad_requests"), 0);
    CHECK(a->title && has_cjk(a->title) && strstr(a->title, "Geneva"));
    CHECK(a->summary && has_cjk(a->summary));
    CHECK(a->ntopics >= 1);
    CHECK_STR(a->topics[0], "diplomacy");
    CHECK(a->ntopics == 2 && !strcmp(a->topics[1], "economy and trade")); /* "Economy & Trade" normalised */
    CHECK(a->nentities == 2);
    CHECK(a->tokens_used > 0);
    CHECK(a->backend && !strncmp(a->backend, "llm:", 4) && !strcmp(a->backend + 4, model));
    summ_llm_article_destroy(&a);
}

static void expect_fail(llm_srv_t *s, const char *model, summ_llm_status_t st, int http, int attempts)
{
    summ_llm_article_t *a = run_mode(s, model, NULL);
    CHECK(a != NULL);
    if (!a)
        return;
    CHECK_INT(a->status, st);
    CHECK_INT(a->http_status, http);
    CHECK_INT(a->attempts, attempts);
    CHECK_INT(stat_of(s, "requests"), attempts);
    CHECK(a->error && !strstr(a->error, "sk-test-secret-key"));
    CHECK(a->title == NULL && a->summary == NULL);
    summ_llm_article_destroy(&a);
}

/* ---- pure parts ---- */

static void test_pure(void)
{
    char err[256];
    summ_llm_var_t v[] = { { "title", "T" }, { "text", "body" }, { "title", "T2" } };
    char *r = summ_llm_render("[{{title}}] {{ text }} {x}", v, 3, err, sizeof err);
    CHECK_STR(r, "[T2] body {x}");
    free(r);
    CHECK(summ_llm_render("{{nope}}", v, 3, err, sizeof err) == NULL);
    CHECK(strstr(err, "nope") != NULL);

    summ_llm_template_t t;
    CHECK_INT(summ_llm_template_parse("# comment\n[system]\nBe brief.\n[user]\n\nHi {{title}}\n\n", &t, err, sizeof err), 0);
    CHECK_STR(t.system, "Be brief.");
    CHECK_STR(t.user, "Hi {{title}}");
    summ_llm_template_free(&t);
    CHECK_INT(summ_llm_template_parse("[system]\nonly system\n", &t, err, sizeof err), -1);

    char *c = summ_llm_cut("One two three four five six. Seven eight", 32);
    CHECK_STR(c, "One two three four five six.");
    free(c);
    c = summ_llm_cut("第一段。\n\n第二段很长很长", 6);
    CHECK_STR(c, "第一段。");
    free(c);
    c = summ_llm_cut("short", 100);
    CHECK_STR(c, "short");
    free(c);
    c = summ_llm_cut("中文中文中文", 3);
    CHECK_STR(c, "中文中");
    free(c);

    CHECK_INT(summ_llm_retry_after("7", 0), 7);
    CHECK_INT(summ_llm_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 40), 60);
    CHECK_INT(summ_llm_retry_after("soon", 0), -1);
    CHECK_INT(summ_llm_retry_after(NULL, 0), -1);

    const char *zh_sum = "\"summary\":\"这篇报道介绍了事件的来龙去脉，援引了多方官员和专家的说法，并分析了其对地区局势和国际关系的影响，值得关注。\"";
    char buf[1024];
    summ_llm_article_t a;
    memset(&a, 0, sizeof a);
    snprintf(buf, sizeof buf, "<think>hmm {}</think>```json\n{\"title\":\"标题\",%s,\"topics\":[\"Technology\",\"bogus\"],\"entities\":[\"A\",\"A\",3]}\n```", zh_sum);
    CHECK_INT(summ_llm_parse_article(buf, "zh", &a, err, sizeof err), 0);
    CHECK_STR(a.title, "标题");
    CHECK(a.ntopics == 1 && !strcmp(a.topics[0], "technology"));
    CHECK_INT(a.nentities, 1);
    free(a.title); free(a.summary);
    for (size_t i = 0; i < a.ntopics; i++) free(a.topics[i]);
    for (size_t i = 0; i < a.nentities; i++) free(a.entities[i]);
    free(a.topics); free(a.entities);
    memset(&a, 0, sizeof a);
    snprintf(buf, sizeof buf, "{\"title\":\"Title\",%s,\"topics\":[]}", zh_sum);
    CHECK_INT(summ_llm_parse_article(buf, "zh", &a, err, sizeof err), -1);   /* title not Chinese */
    snprintf(buf, sizeof buf, "{\"title\":\"标题\",%s}", zh_sum);
    CHECK_INT(summ_llm_parse_article(buf, "zh", &a, err, sizeof err), -1);   /* no topics */
    CHECK_INT(summ_llm_parse_article("{\"title\":\"标题\",\"summary\":\"The talks went well and both sides "
                                     "agreed to meet again next month in Beijing.\",\"topics\":[]}", "zh", &a, err, sizeof err), -1);
    CHECK(strstr(err, "CJK") != NULL);
    CHECK_INT(summ_llm_parse_article("not json", "zh", &a, err, sizeof err), -1);
    CHECK_INT(summ_llm_parse_article("{\"title\": 1}", "zh", &a, err, sizeof err), -1);

    /* SSE: multi-line data, comments, usage chunk, [DONE] */
    const char *sse = ": keep-alive\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                      "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\r\n\r\n"
                      "data: {\"choices\":[],\ndata: \"usage\":{\"total_tokens\":42}}\n\ndata: [DONE]\n\n";
    summ_llm_reply_t rep;
    summ_llm_reply_init(&rep);
    CHECK_INT(summ_llm_reply_parse_sse(sse, strlen(sse), &rep), 0);
    CHECK_STR(rep.content.data, "Hello");
    CHECK_STR(rep.finish_reason, "stop");
    CHECK_INT(rep.total_tokens, 42);
    summ_llm_reply_free(&rep);
    summ_llm_reply_init(&rep);
    const char *cut = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n";
    CHECK_INT(summ_llm_reply_parse_sse(cut, strlen(cut), &rep), -1);
    summ_llm_reply_free(&rep);
    summ_llm_reply_init(&rep);
    const char *js = "{\"error\":{\"message\":\"boom\"}}";
    CHECK_INT(summ_llm_reply_parse_json(js, strlen(js), &rep), -1);
    CHECK(rep.error && strstr(rep.error, "boom"));
    summ_llm_reply_free(&rep);
}

/* ---- against the server ---- */

static int cb_count;
static summ_llm_status_t cb_last;
static void count_cb(summ_llm_article_t *a, void *user)
{
    (void)user;
    cb_count++;
    cb_last = a->status;
    summ_llm_article_destroy(&a);
}

static void test_server(void)
{
    llm_srv_t s;
    const char *args[] = { "--key", "sk-test-secret-key", "--token-field", "max_completion_tokens",
                           "--response-format", "json_object", NULL };
    if (srv_start(&s, args) < 0) {
        CHECK(!"server started");
        return;
    }
    expect_ok(&s, "ok", 1);
    expect_ok(&s, "fenced", 1);
    expect_ok(&s, "malformed-then-ok", 2);
    expect_ok(&s, "empty-then-ok", 2);
    expect_ok(&s, "truncated-then-ok", 2);
    expect_ok(&s, "english-then-ok", 2);
    expect_ok(&s, "500-then-ok", 2);
    expect_ok(&s, "502-then-ok", 2);
    expect_ok(&s, "503-then-ok", 2);
    expect_ok(&s, "504-then-ok", 2);
    expect_ok(&s, "slow-then-ok", 2);     /* the first attempt times out (1 s) */
    int64_t t0 = nm_now_ms();
    expect_ok(&s, "429-retry-after-1", 2);
    CHECK(nm_now_ms() - t0 >= 950);        /* Retry-After honoured over a 20 ms backoff */
    expect_fail(&s, "always-500", SUMM_LLM_E_TRANSIENT, 500, 3);
    expect_fail(&s, "400", SUMM_LLM_E_PERMANENT, 400, 1);
    expect_fail(&s, "401", SUMM_LLM_E_PERMANENT, 401, 1);
    expect_fail(&s, "403", SUMM_LLM_E_PERMANENT, 403, 1);
    expect_fail(&s, "404", SUMM_LLM_E_PERMANENT, 404, 1);
    expect_fail(&s, "quota", SUMM_LLM_E_PERMANENT, 429, 1);
    expect_fail(&s, "slow", SUMM_LLM_E_TRANSIENT, 0, 3);

    /* a wrong key: 401, once, and the key never shows */
    summ_llm_opts_t o;
    opts_for(&o, &s, "ok");
    o.api_key = "sk-wrong-key-9876";
    summ_llm_article_t *a = run_mode(&s, "ok", &o);
    CHECK(a && a->status == SUMM_LLM_E_PERMANENT && a->http_status == 401 && a->attempts == 1);
    CHECK(a && !strstr(a->error, "sk-wrong-key-9876"));
    CHECK_INT(stat_of(&s, "unauthorized"), 1);
    summ_llm_article_destroy(&a);

    /* the wrong token field is refused by the server (so the check works) */
    opts_for(&o, &s, "ok");
    o.token_field = "max_tokens";
    o.max_attempts = 1;
    a = run_mode(&s, "ok", &o);
    CHECK(a && a->status == SUMM_LLM_E_PERMANENT && a->http_status == 400);
    CHECK_INT(stat_of(&s, "bad_requests"), 1);
    summ_llm_article_destroy(&a);

    /* streaming */
    opts_for(&o, &s, "stream");
    o.stream = true;
    a = run_mode(&s, "stream", &o);
    CHECK(a && a->status == SUMM_LLM_OK && a->attempts == 1 && has_cjk(a->summary) && a->tokens_used > 0);
    CHECK_INT(stat_of(&s, "streamed"), 1);
    summ_llm_article_destroy(&a);
    opts_for(&o, &s, "stream-cut-then-ok");
    o.stream = true;
    a = run_mode(&s, "stream-cut-then-ok", &o);
    CHECK(a && a->status == SUMM_LLM_OK && a->attempts == 2);
    summ_llm_article_destroy(&a);
    opts_for(&o, &s, "truncated-then-ok");
    o.stream = true;
    a = run_mode(&s, "truncated-then-ok", &o);
    CHECK(a && a->status == SUMM_LLM_OK && a->attempts == 2);
    CHECK_INT(stat_of(&s, "bad_requests"), 0);
    summ_llm_article_destroy(&a);

    /* circuit breaker: after one failed article, the next is not attempted */
    opts_for(&o, &s, "always-503");
    o.breaker_failures = 1;
    o.breaker_seconds = 60;
    o.max_attempts = 2;
    char err[256];
    summ_llm_t *llm = summ_llm_new(&o, err, sizeof err);
    json_decref(srv_http(&s, "/reset", 1));
    a = summ_llm_article_sync(llm, &ARTICLE);
    CHECK(a->status == SUMM_LLM_E_TRANSIENT && a->attempts == 2);
    summ_llm_article_destroy(&a);
    a = summ_llm_article_sync(llm, &ARTICLE);
    CHECK(a->status == SUMM_LLM_E_UNAVAILABLE && a->attempts == 0);
    CHECK_INT(stat_of(&s, "requests"), 2);
    summ_llm_article_destroy(&a);
    summ_llm_destroy(&llm);

    /* concurrency: four 3 s answers at once take ~3 s, not 12 */
    opts_for(&o, &s, "slow");
    o.timeout_seconds = 6;
    llm = summ_llm_new(&o, err, sizeof err);
    json_decref(srv_http(&s, "/reset", 1));
    cb_count = 0;
    t0 = nm_now_ms();
    for (int i = 0; i < 4; i++)
        summ_llm_submit_article(llm, &ARTICLE, count_cb, NULL);
    CHECK_INT(cb_count, 0);   /* never from inside submit */
    summ_llm_run(llm, nm_now_ms() + 10000);
    CHECK_INT(cb_count, 4);
    CHECK(nm_now_ms() - t0 < 5500);
    /* cancel: in-flight work ends at once with CANCELLED */
    cb_count = 0;
    summ_llm_submit_article(llm, &ARTICLE, count_cb, NULL);
    summ_llm_submit_article(llm, &ARTICLE, count_cb, NULL);
    for (int i = 0; i < 5; i++)
        summ_llm_perform(llm), usleep(20000);
    CHECK_INT(summ_llm_pending(llm), 2);
    summ_llm_cancel_all(llm);
    CHECK_INT(cb_count, 2);
    CHECK_INT(cb_last, SUMM_LLM_E_CANCELLED);
    CHECK_INT(summ_llm_pending(llm), 0);
    summ_llm_destroy(&llm);

    /* requests_per_minute: 600/min spaces 4 requests 100 ms apart */
    opts_for(&o, &s, "ok");
    o.requests_per_minute = 600;
    llm = summ_llm_new(&o, err, sizeof err);
    cb_count = 0;
    t0 = nm_now_ms();
    for (int i = 0; i < 4; i++)
        summ_llm_submit_article(llm, &ARTICLE, count_cb, NULL);
    summ_llm_run(llm, nm_now_ms() + 5000);
    CHECK_INT(cb_count, 4);
    CHECK(nm_now_ms() - t0 >= 290);

    /* free-form completions for the digest */
    summ_llm_var_t vars[] = { { "date", "2025-07-13" }, { "count", "2" }, { "articles", "diplomacy | X | T | S" } };
    summ_llm_text_t *tx = summ_llm_complete(llm, "overview", vars, 3);
    CHECK(tx->status == SUMM_LLM_OK && tx->text && has_cjk(tx->text) && tx->tokens_used > 0);
    summ_llm_text_destroy(&tx);
    tx = summ_llm_complete(llm, "overview", vars, 2);   /* {{articles}} missing */
    CHECK(tx->status == SUMM_LLM_E_CONFIG && strstr(tx->error, "articles"));
    summ_llm_text_destroy(&tx);
    tx = summ_llm_complete(llm, "../etc/passwd", NULL, 0);
    CHECK(tx->status == SUMM_LLM_E_CONFIG);
    summ_llm_text_destroy(&tx);
    CHECK_INT(stat_of(&s, "bad_requests"), 0);
    summ_llm_destroy(&llm);
    srv_stop(&s);

    /* json_schema: the server insists on it */
    const char *args2[] = { "--response-format", "json_schema", "--token-field", "max_tokens", NULL };
    if (srv_start(&s, args2) < 0) {
        CHECK(!"second server started");
        return;
    }
    opts_for(&o, &s, "ok");
    o.response_format = SUMM_LLM_RF_JSON_SCHEMA;
    o.token_field = "max_tokens";
    o.api_key = NULL;
    a = run_mode(&s, "ok", &o);
    CHECK(a && a->status == SUMM_LLM_OK);
    CHECK_INT(stat_of(&s, "bad_requests"), 0);
    summ_llm_article_destroy(&a);
    srv_stop(&s);
}

static void test_config(void)
{
    nm_config_t cfg;
    char err[256];
    CHECK_INT(nm_config_load(&cfg, NULL, err, sizeof err), 0);
    CHECK(!summ_llm_configured(&cfg));
    nm_config_set(&cfg, "llm", "base_url", "http://127.0.0.1:1/v1", err, sizeof err);
    CHECK(summ_llm_configured(&cfg));
    char path[] = "/tmp/nm-llm-key.XXXXXX";
    int fd = mkstemp(path);
    CHECK(write(fd, "sk-from-file\n", 13) == 13);
    close(fd);
    setenv("CREDENTIALS_DIRECTORY", "/tmp", 1);
    char spec[300];
    snprintf(spec, sizeof spec, "$CREDENTIALS_DIRECTORY/%s", path + 5);
    nm_config_set(&cfg, "llm", "api_key_file", spec, err, sizeof err);
    summ_llm_opts_t o;
    char *key = NULL;
    CHECK_INT(summ_llm_opts_from_config(&o, &cfg, &key, err, sizeof err), 0);
    CHECK_STR(key, "sk-from-file");
    CHECK_STR(o.api_key, "sk-from-file");
    free(key);
    nm_config_set(&cfg, "llm", "api_key_file", "", err, sizeof err);
    setenv("NM_TEST_LLM_KEY", "sk-env", 1);
    nm_config_set(&cfg, "llm", "api_key_env", "NM_TEST_LLM_KEY", err, sizeof err);
    CHECK_INT(summ_llm_opts_from_config(&o, &cfg, &key, err, sizeof err), 0);
    CHECK_STR(key, "sk-env");
    free(key);
    nm_config_set(&cfg, "llm", "temperature", "hot", err, sizeof err);
    CHECK_INT(summ_llm_opts_from_config(&o, &cfg, &key, err, sizeof err), -1);
    nm_config_set(&cfg, "llm", "temperature", "0", err, sizeof err);
    nm_config_set(&cfg, "llm", "response_format", "xml", err, sizeof err);
    CHECK_INT(summ_llm_opts_from_config(&o, &cfg, &key, err, sizeof err), -1);
    free(key);
    unlink(path);
    nm_config_free(&cfg);
}

int main(void)
{
    nm_log_init("test", NM_LOG_WARNING);
    const char *src = getenv("NM_SOURCE_DIR");
    snprintf(prompts, sizeof prompts, "%s/deploy/prompts", src ? src : "../..");
    test_pure();
    test_config();
    test_server();
    return nm_test_done();
}

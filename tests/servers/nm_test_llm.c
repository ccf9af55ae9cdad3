/* nm_test_llm: a loopback server speaking the OpenAI chat-completions
 * protocol, with scripted behaviours — the one fake in newsmill's tests.
 *
 *   nm_test_llm [--port N] [--port-file PATH] [--key KEY]
 *               [--token-field max_tokens|max_completion_tokens]
 *               [--response-format json_object|json_schema|none] [--log PATH]
 *
 *   POST /v1/chat/completions   (also /chat/completions)
 *   GET  /stats                 {"requests", "bad_requests", "unauthorized",
 *                                "streamed", "by_model": {...}, "last_error"}
 *   POST /reset                 zero every counter and "-then-ok" memory
 *
 * Every request is checked, and refused with 400 (counted in bad_requests,
 * reason in last_error) when: the body is not a JSON object with "model" and
 * non-empty "messages" (each with string "role" and "content"); temperature
 * is missing or not a number; --token-field is given and that field is not
 * an integer, or the other one is present; --response-format is given and a
 * request whose prompt asks for JSON carries a different response_format
 * (json_schema must carry json_schema.schema). With --key, a request
 * without "Authorization: Bearer KEY" gets 401 (counted in unauthorized).
 * "stream": true gets an SSE answer (data: chunks, usage chunk, [DONE]).
 *
 * The model name picks the behaviour. "X-then-ok" fails the first request
 * for each distinct prompt, then answers normally:
 *   ok                   a valid answer (Chinese title and summary, topics,
 *                        entities; or Chinese plain text when no JSON asked)
 *   malformed-then-ok    content that is not JSON
 *   empty-then-ok        empty content
 *   truncated-then-ok    half the JSON with finish_reason "length"
 *   english-then-ok      valid JSON, summary in English
 *   fenced               the JSON inside ```json fences, with chatter
 *   429-retry-after-1    429 with Retry-After: 1, then ok
 *   NNN-then-ok          HTTP NNN (e.g. 500, 502, 503, 504, 429), then ok
 *   always-NNN           HTTP NNN every time
 *   NNN                  (400, 401, 403, 404) HTTP NNN every time
 *   quota                429 with error.code "insufficient_quota"
 *   slow                 answers after 3 s
 *   slow-then-ok         the first answer after 3 s
 *   stream               refuses requests without "stream": true
 *   stream-cut-then-ok   a stream that stops before finishing
 *   mixed                by prompt: ok, malformed-then-ok, 500-then-ok or
 *                        truncated-then-ok (for end-to-end runs)
 * Usage is reported on every answer (total_tokens > 0).
 *
 * Once listening it prints "port N" on stdout (and writes N to --port-file),
 * then runs until SIGTERM or SIGINT. One thread per connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *api_key, *token_field, *response_format;
static FILE *log_fp;
static atomic_int stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- counters ---- */

static long n_requests, n_bad, n_unauth, n_streamed;
static char last_error[512];
static json_t *by_model;          /* model -> count */

#define SEEN_SLOTS 8192
static uint64_t seen_keys[SEEN_SLOTS];
static int seen_count[SEEN_SLOTS];

/* How many times this (model, prompt) was asked before; counts this one. */
static int seen_before(uint64_t key)
{
    size_t i = key % SEEN_SLOTS;
    for (size_t probe = 0; probe < SEEN_SLOTS; probe++, i = (i + 1) % SEEN_SLOTS) {
        if (seen_count[i] && seen_keys[i] == key)
            return seen_count[i]++;
        if (!seen_count[i]) {
            seen_keys[i] = key;
            seen_count[i] = 1;
            return 0;
        }
    }
    return 1;
}

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    if (!log_fp)
        return;
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&lock);
    vfprintf(log_fp, fmt, ap);
    fputc('\n', log_fp);
    fflush(log_fp);
    pthread_mutex_unlock(&lock);
    va_end(ap);
}

/* ---- responses ---- */

static enum MHD_Result send_body(struct MHD_Connection *c, unsigned status, const char *ctype,
                                 const char *body, const char *retry_after)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", ctype);
    if (retry_after)
        MHD_add_response_header(r, "Retry-After", retry_after);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *type,
                                  const char *code, const char *msg, const char *retry_after)
{
    json_t *e = json_pack("{s:{s:s, s:s, s:s?}}", "error", "message", msg, "type", type, "code", code);
    char *s = json_dumps(e, JSON_COMPACT);
    enum MHD_Result ret = send_body(c, status, "application/json", s, retry_after);
    free(s);
    json_decref(e);
    return ret;
}

static enum MHD_Result bad_request(struct MHD_Connection *c, const char *why)
{
    pthread_mutex_lock(&lock);
    n_bad++;
    snprintf(last_error, sizeof last_error, "%s", why);
    pthread_mutex_unlock(&lock);
    logf_("400 %s", why);
    return send_error(c, 400, "invalid_request_error", NULL, why, NULL);
}

/* The headline from the article prompt's "Headline: ..." line, if any. */
static void headline(const char *prompt, char *out, size_t outlen)
{
    const char *h = strstr(prompt, "Headline: ");
    out[0] = '\0';
    if (!h)
        return;
    h += 10;
    size_t n = strcspn(h, "\n");
    if (n >= outlen)
        n = outlen - 1;
    /* do not cut a UTF-8 sequence */
    while (n && ((unsigned char)h[n] & 0xc0) == 0x80)
        n--;
    memcpy(out, h, n);
    out[n] = '\0';
}

static char *article_answer(const char *prompt, int english)
{
    char head[200];
    headline(prompt, head, sizeof head);
    char title[400];
    snprintf(title, sizeof title, "中文标题：%s", head[0] ? head : "新闻");
    const char *zh =
        "这篇报道介绍了事件的来龙去脉，援引了多方官员和专家的说法，并分析了其对地区局势和国际关系的影响。"
        "报道指出，相关各方在会谈中就经贸合作、科技交流和安全问题交换了意见，同时也承认存在明显分歧。"
        "文章还回顾了此前的背景，认为未来一段时间内局势仍存在不确定性，值得持续关注。";
    const char *en =
        "The article describes the event and quotes officials and experts on both sides. It explains the "
        "background of the talks, the disagreements that remain and what may happen next in the region.";
    json_t *o = json_pack("{s:s, s:s, s:[s, s], s:[s, s]}", "title", english ? head : title, "summary",
                          english ? en : zh, "topics", "diplomacy", "Economy & Trade", "entities", "China",
                          "United States");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static char *text_answer(void)
{
    return strdup("1. 关于外交：多家媒体报道了中美高层会谈，关注双方在贸易和安全问题上的分歧与合作空间。\n"
                  "2. 关于科技：报道介绍了人工智能和航天领域的新进展。");
}

/* A chat.completion (or its SSE form) carrying content. */
static enum MHD_Result send_completion(struct MHD_Connection *c, const char *model, const char *content,
                                       const char *finish, int stream, int complete_stream, size_t prompt_len)
{
    int prompt_tokens = (int)(prompt_len / 4) + 1, completion_tokens = (int)(strlen(content) / 3) + 1;
    if (!stream) {
        json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:[{s:i, s:{s:s, s:s}, s:s}], s:{s:i, s:i, s:i}}",
                              "id", "chatcmpl-test", "object", "chat.completion", "created", (int)time(NULL),
                              "model", model, "choices", "index", 0, "message", "role", "assistant", "content",
                              content, "finish_reason", finish, "usage", "prompt_tokens", prompt_tokens,
                              "completion_tokens", completion_tokens, "total_tokens",
                              prompt_tokens + completion_tokens);
        char *s = json_dumps(o, JSON_COMPACT);
        enum MHD_Result ret = send_body(c, 200, "application/json", s, NULL);
        free(s);
        json_decref(o);
        return ret;
    }
    /* SSE: role chunk, content in small pieces (cut on UTF-8 boundaries),
     * finish chunk, usage chunk, [DONE] */
    size_t cap = strlen(content) * 8 + 4096, len = 0;
    char *body = malloc(cap);
    if (!body)
        abort();
#define EMIT(obj) do { char *s_ = json_dumps((obj), JSON_COMPACT); \
        len += (size_t)snprintf(body + len, cap - len, "data: %s\n\n", s_); free(s_); json_decref(obj); } while (0)
    EMIT(json_pack("{s:s, s:s, s:[{s:i, s:{s:s}}]}", "id", "chatcmpl-test", "object", "chat.completion.chunk",
                   "choices", "index", 0, "delta", "role", "assistant"));
    const char *p = content;
    while (*p) {
        size_t n = 0;
        while (p[n] && n < 12)
            n++;
        while (p[n] && ((unsigned char)p[n] & 0xc0) == 0x80)
            n++;
        char piece[64];
        memcpy(piece, p, n);
        piece[n] = '\0';
        EMIT(json_pack("{s:s, s:s, s:[{s:i, s:{s:s}}]}", "id", "chatcmpl-test", "object", "chat.completion.chunk",
                       "choices", "index", 0, "delta", "content", piece));
        p += n;
    }
    if (complete_stream) {
        EMIT(json_pack("{s:s, s:s, s:[{s:i, s:{}, s:s}]}", "id", "chatcmpl-test", "object",
                       "chat.completion.chunk", "choices", "index", 0, "delta", "finish_reason", finish));
        EMIT(json_pack("{s:s, s:s, s:[], s:{s:i, s:i, s:i}}", "id", "chatcmpl-test", "object",
                       "chat.completion.chunk", "choices", "usage", "prompt_tokens", prompt_tokens,
                       "completion_tokens", completion_tokens, "total_tokens", prompt_tokens + completion_tokens));
        len += (size_t)snprintf(body + len, cap - len, "data: [DONE]\n\n");
    }
#undef EMIT
    pthread_mutex_lock(&lock);
    n_streamed++;
    pthread_mutex_unlock(&lock);
    enum MHD_Result ret = send_body(c, 200, "text/event-stream", body, NULL);
    free(body);
    return ret;
}

static void nap_ms(int ms)
{
    for (int waited = 0; waited < ms && !atomic_load(&stopping); waited += 50) {
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* ---- the endpoint ---- */

static const char *check_request(json_t *req, int wants_json)
{
    static __thread char why[256];
    json_t *msgs = json_object_get(req, "messages");
    if (!json_is_string(json_object_get(req, "model")))
        return "\"model\" must be a string";
    if (!json_is_array(msgs) || json_array_size(msgs) == 0)
        return "\"messages\" must be a non-empty array";
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) {
        if (!json_is_string(json_object_get(m, "role")) || !json_is_string(json_object_get(m, "content")))
            return "each message needs string \"role\" and \"content\"";
    }
    if (!json_is_number(json_object_get(req, "temperature")))
        return "\"temperature\" missing (newsmill always sends it)";
    if (token_field) {
        const char *other = strcmp(token_field, "max_tokens") ? "max_tokens" : "max_completion_tokens";
        if (!json_is_integer(json_object_get(req, token_field))) {
            snprintf(why, sizeof why, "\"%s\" missing or not an integer", token_field);
            return why;
        }
        if (json_object_get(req, other)) {
            snprintf(why, sizeof why, "\"%s\" sent, this server wants \"%s\"", other, token_field);
            return why;
        }
    }
    json_t *rf = json_object_get(req, "response_format");
    if (response_format && wants_json) {
        const char *type = json_string_value(json_object_get(rf, "type"));
        if (!strcmp(response_format, "none")) {
            if (rf)
                return "response_format sent, this server takes none";
        } else if (!type || strcmp(type, response_format)) {
            snprintf(why, sizeof why, "response_format.type must be %s", response_format);
            return why;
        } else if (!strcmp(type, "json_schema") &&
                   !json_is_object(json_object_get(json_object_get(rf, "json_schema"), "schema"))) {
            return "json_schema.schema missing";
        }
    }
    if (!wants_json && rf)
        return "response_format on a plain-text request";
    json_t *st = json_object_get(req, "stream");
    if (st && !json_is_boolean(st))
        return "\"stream\" must be a boolean";
    return NULL;
}

static enum MHD_Result chat(struct MHD_Connection *c, const char *body, size_t len)
{
    if (api_key) {
        const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        char want[512];
        snprintf(want, sizeof want, "Bearer %s", api_key);
        if (!auth || strcmp(auth, want)) {
            pthread_mutex_lock(&lock);
            n_unauth++;
            pthread_mutex_unlock(&lock);
            return send_error(c, 401, "invalid_request_error", "invalid_api_key",
                              "Incorrect API key provided.", NULL);
        }
    }
    json_error_t je;
    json_t *req = json_loadb(body, len, 0, &je);
    if (!json_is_object(req)) {
        json_decref(req);
        return bad_request(c, "the body is not a JSON object");
    }
    /* the prompt: every message's content, joined */
    size_t plen = 0;
    json_t *msgs = json_object_get(req, "messages");
    char *prompt = calloc(1, len + 1);
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) {
        const char *s = json_string_value(json_object_get(m, "content"));
        if (s && plen + strlen(s) + 1 <= len) {
            memcpy(prompt + plen, s, strlen(s));
            plen += strlen(s);
            prompt[plen++] = '\n';
        }
    }
    int wants_json = strstr(prompt, "JSON") != NULL;
    const char *why = check_request(req, wants_json);
    if (why) {
        free(prompt);
        json_decref(req);
        return bad_request(c, why);
    }
    const char *model = json_string_value(json_object_get(req, "model"));
    int stream = json_is_true(json_object_get(req, "stream"));
    uint64_t key = fnv(prompt, fnv(model, 1469598103934665603ull));

    pthread_mutex_lock(&lock);
    n_requests++;
    json_t *cnt = json_object_get(by_model, model);
    json_object_set_new(by_model, model, json_integer(cnt ? json_integer_value(cnt) + 1 : 1));
    int before = seen_before(key);
    pthread_mutex_unlock(&lock);
    logf_("request model=%s stream=%d json=%d before=%d", model, stream, wants_json, before);

    char mode[64];
    snprintf(mode, sizeof mode, "%s", model);
    if (!strcmp(mode, "mixed")) {
        static const char *const mixed[] = { "ok", "malformed-then-ok", "500-then-ok", "truncated-then-ok" };
        snprintf(mode, sizeof mode, "%s", mixed[fnv(prompt, 7) % 4]);
    }
    int then_ok = strlen(mode) > 8 && !strcmp(mode + strlen(mode) - 8, "-then-ok");
    if (then_ok) {
        mode[strlen(mode) - 8] = '\0';
        if (before > 0)
            snprintf(mode, sizeof mode, "ok");
    }

    char *answer = wants_json ? article_answer(prompt, 0) : text_answer();
    enum MHD_Result ret;
    int code = atoi(!strncmp(mode, "always-", 7) ? mode + 7 : mode);
    if (!strcmp(mode, "stream") && !stream) {
        ret = bad_request(c, "model \"stream\" needs \"stream\": true");
    } else if (!strcmp(mode, "quota")) {
        ret = send_error(c, 429, "insufficient_quota", "insufficient_quota",
                         "You exceeded your current quota, please check your plan and billing details.", NULL);
    } else if (!strcmp(mode, "429-retry-after-1")) {
        ret = before == 0 ? send_error(c, 429, "rate_limit_exceeded", "rate_limit_exceeded",
                                       "Rate limit reached; try again in 1s.", "1")
                          : send_completion(c, model, answer, "stop", stream, 1, plen);
    } else if (code >= 400 && code <= 599) {
        ret = send_error(c, (unsigned)code, code >= 500 ? "server_error" : "invalid_request_error", NULL,
                         "scripted failure", NULL);
    } else if (!strcmp(mode, "malformed")) {
        ret = send_completion(c, model, "{\"title\": \"半个答案\", \"summary\": 这不是JSON", "stop", stream, 1, plen);
    } else if (!strcmp(mode, "empty")) {
        ret = send_completion(c, model, "", "stop", stream, 1, plen);
    } else if (!strcmp(mode, "truncated")) {
        answer[strlen(answer) / 2] = '\0';
        while (strlen(answer) && ((unsigned char)answer[strlen(answer) - 1] & 0x80))
            answer[strlen(answer) - 1] = '\0';   /* keep the cut UTF-8-clean */
        ret = send_completion(c, model, answer, "length", stream, 1, plen);
    } else if (!strcmp(mode, "english")) {
        char *en = article_answer(prompt, 1);
        ret = send_completion(c, model, en, "stop", stream, 1, plen);
        free(en);
    } else if (!strcmp(mode, "fenced")) {
        size_t n = strlen(answer) + 64;
        char *f = malloc(n);
        snprintf(f, n, "Here is the JSON:\n```json\n%s\n```", answer);
        ret = send_completion(c, model, f, "stop", stream, 1, plen);
        free(f);
    } else if (!strcmp(mode, "stream-cut")) {
        ret = stream ? send_completion(c, model, answer, "stop", 1, 0, plen)
                     : bad_request(c, "model \"stream-cut-then-ok\" needs \"stream\": true");
    } else {
        if (!strcmp(mode, "slow"))
            nap_ms(3000);
        ret = send_completion(c, model, answer, "stop", stream, 1, plen);
    }
    free(answer);
    free(prompt);
    json_decref(req);
    return ret;
}

typedef struct {
    char *data;
    size_t len;
} upload_t;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    upload_t *u = *con_cls;
    if (!u) {
        u = calloc(1, sizeof *u);
        *con_cls = u;
        return MHD_YES;
    }
    if (*upload_size) {
        if (u->len + *upload_size > (8u << 20)) {
            *upload_size = 0;
            return MHD_NO;
        }
        char *nd = realloc(u->data, u->len + *upload_size + 1);
        if (!nd)
            return MHD_NO;
        u->data = nd;
        memcpy(u->data + u->len, upload, *upload_size);
        u->len += *upload_size;
        u->data[u->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/stats") && !strcmp(method, "GET")) {
        pthread_mutex_lock(&lock);
        json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:O, s:s}", "requests", (json_int_t)n_requests, "bad_requests",
                              (json_int_t)n_bad, "unauthorized", (json_int_t)n_unauth, "streamed",
                              (json_int_t)n_streamed, "by_model", by_model, "last_error", last_error);
        pthread_mutex_unlock(&lock);
        char *s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        enum MHD_Result ret = send_body(c, 200, "application/json", s, NULL);
        free(s);
        return ret;
    }
    if (!strcmp(url, "/reset") && !strcmp(method, "POST")) {
        pthread_mutex_lock(&lock);
        n_requests = n_bad = n_unauth = n_streamed = 0;
        last_error[0] = '\0';
        json_object_clear(by_model);
        memset(seen_count, 0, sizeof seen_count);
        pthread_mutex_unlock(&lock);
        return send_body(c, 200, "application/json", "{}", NULL);
    }
    if ((!strcmp(url, "/v1/chat/completions") || !strcmp(url, "/chat/completions")) && !strcmp(method, "POST")) {
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        if (!ct || strncmp(ct, "application/json", 16))
            return bad_request(c, "Content-Type must be application/json");
        return chat(c, u->data ? u->data : "", u->len);
    }
    return send_error(c, 404, "invalid_request_error", "not_found", "no such route", NULL);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    upload_t *u = *con_cls;
    if (u) {
        free(u->data);
        free(u);
        *con_cls = NULL;
    }
}

int main(int argc, char **argv)
{
    long port = 0;
    const char *port_file = NULL, *log_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "usage: nm_test_llm [--port N] [--port-file PATH] [--key KEY] "
                            "[--token-field F] [--response-format json_object|json_schema|none] [--log PATH]\n");
            return 2;
        }
        if (!strcmp(a, "--port"))
            port = strtol(v, NULL, 10);
        else if (!strcmp(a, "--port-file"))
            port_file = v;
        else if (!strcmp(a, "--key"))
            api_key = v;
        else if (!strcmp(a, "--token-field"))
            token_field = v;
        else if (!strcmp(a, "--response-format"))
            response_format = v;
        else if (!strcmp(a, "--log"))
            log_path = v;
        else {
            fprintf(stderr, "nm_test_llm: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    if (log_path && !(log_fp = fopen(log_path, "a"))) {
        fprintf(stderr, "nm_test_llm: --log %s: %s\n", log_path, strerror(errno));
        return 1;
    }
    by_model = json_object();

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                                            (uint16_t)port, NULL, NULL, on_request, NULL,
                                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "nm_test_llm: cannot listen on 127.0.0.1:%ld\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned actual = info ? info->port : (unsigned)port;
    if (port_file) {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", actual) < 0 || fclose(f) != 0 || rename(tmp, port_file) < 0) {
            fprintf(stderr, "nm_test_llm: --port-file %s: %s\n", port_file, strerror(errno));
            MHD_stop_daemon(d);
            return 1;
        }
    }
    printf("port %u\n", actual);
    fflush(stdout);

    int sig;
    sigwait(&sigs, &sig);
    atomic_store(&stopping, 1);
    MHD_stop_daemon(d);
    json_decref(by_model);
    if (log_fp)
        fclose(log_fp);
    return 0;
}

/* summ_llm: the request engine — a queue of requests, libcurl multi for the
 * transfers, retries with backoff, rate limit, circuit breaker. The pure
 * parts (templates, reply parsing, validation) are in summ_llm_text.c. */
#include "summ_llm.h"
#include "summ_llm_impl.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>

#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_metrics.h"

#ifndef NM_PROMPTS_INSTALL_DIR
#define NM_PROMPTS_INSTALL_DIR "/usr/share/newsmill/prompts"
#endif

enum { REQ_ARTICLE, REQ_TEXT };

typedef struct req {
    struct req *next;
    summ_llm_t *llm;
    int kind;
    char *body;
    int attempts, tokens, http_status;
    int64_t not_before_ms;
    CURL *easy;
    struct curl_slist *hdrs;
    nm_buf_t resp;
    int resp_too_big;
    char *error;
    summ_llm_status_t status;
    char *content;                 /* accepted answer */
    summ_llm_article_t *art;       /* REQ_ARTICLE: validated fields */
    summ_llm_article_cb cb;
    void *user;
    summ_llm_text_t **text_slot;   /* REQ_TEXT: where the result goes */
} req_t;

typedef struct named_tmpl {
    struct named_tmpl *next;
    char *name;
    summ_llm_template_t t;
} named_tmpl_t;

struct summ_llm {
    summ_llm_opts_t o;             /* strings below are our own copies */
    char *base_url, *model, *api_key, *token_field, *language, *prompts_dir, *user_agent;
    char *url, *auth, *backend, *language_name, *summary_length, *labels;
    CURLM *multi;
    req_t *queue, *done;           /* waiting (incl. backoff); finished, callbacks due */
    req_t *inflight;               /* transfers added to the multi handle */
    size_t active, queued, ndone;
    int64_t next_slot_ms;
    int consecutive_failures;
    int64_t breaker_until_ms;
    named_tmpl_t *tmpls;
    summ_llm_stats_t stats;
};

const char *summ_llm_status_name(summ_llm_status_t st)
{
    switch (st) {
    case SUMM_LLM_OK: return "ok";
    case SUMM_LLM_E_TRANSIENT: return "transient";
    case SUMM_LLM_E_PERMANENT: return "permanent";
    case SUMM_LLM_E_UNAVAILABLE: return "unavailable";
    case SUMM_LLM_E_CANCELLED: return "cancelled";
    case SUMM_LLM_E_CONFIG: return "config";
    }
    return "?";
}

static const struct { const char *code, *name, *length; } LANGS[] = {
    { "zh-tw", "Traditional Chinese", "150 to 300 Chinese characters" },
    { "zh-hant", "Traditional Chinese", "150 to 300 Chinese characters" },
    { "zh", "Simplified Chinese", "150 to 300 Chinese characters" },
    { "ja", "Japanese", "200 to 400 characters" },
    { "ko", "Korean", "150 to 300 characters" },
    { "en", "English", "80 to 150 words" },
    { "fr", "French", "80 to 150 words" },
    { "de", "German", "80 to 150 words" },
    { "es", "Spanish", "80 to 150 words" },
    { "pt", "Portuguese", "80 to 150 words" },
    { "it", "Italian", "80 to 150 words" },
    { "ru", "Russian", "80 to 150 words" },
    { "vi", "Vietnamese", "80 to 150 words" },
};

static void language_info(const char *code, const char **name, const char **length)
{
    for (size_t i = 0; i < sizeof LANGS / sizeof LANGS[0]; i++)
        if (!strncasecmp(code, LANGS[i].code, strlen(LANGS[i].code))) {
            *name = LANGS[i].name;
            *length = LANGS[i].length;
            return;
        }
    *name = code;
    *length = "80 to 150 words";
}

/* ---- templates ---- */

static char *read_file(const char *path, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    nm_buf_t b;
    nm_buf_init(&b, cap);
    char chunk[4096];
    size_t n;
    int bad = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (nm_buf_append(&b, chunk, n) < 0) {
            bad = 1;
            break;
        }
    fclose(f);
    if (bad) {
        nm_buf_free(&b);
        return NULL;
    }
    if (!b.data)
        nm_buf_append(&b, "", 0);
    return nm_buf_steal(&b);
}

static int file_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

static named_tmpl_t *tmpl_get(summ_llm_t *llm, const char *name, char *err, size_t errlen)
{
    for (named_tmpl_t *t = llm->tmpls; t; t = t->next)
        if (!strcmp(t->name, name))
            return t;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')) {
            snprintf(err, errlen, "bad template name \"%s\"", name);
            return NULL;
        }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.txt", llm->prompts_dir, name);
    errno = 0;
    char *file = read_file(path, 1u << 20);
    if (!file) {
        snprintf(err, errlen, "prompt template %.300s: %.100s", path, errno ? strerror(errno) : "too large");
        return NULL;
    }
    named_tmpl_t *t = nm_calloc(1, sizeof *t);
    char why[200];
    if (summ_llm_template_parse(file, &t->t, why, sizeof why) < 0) {
        snprintf(err, errlen, "prompt template %.200s: %.150s", path, why);
        free(file);
        free(t);
        return NULL;
    }
    free(file);
    t->name = nm_strdup(name);
    t->next = llm->tmpls;
    llm->tmpls = t;
    return t;
}

/* ---- construction ---- */

static char *dup_or(const char *s, const char *def)
{
    return nm_strdup(s && *s ? s : def);
}

summ_llm_t *summ_llm_new(const summ_llm_opts_t *o, char *err, size_t errlen)
{
    if (!o->base_url || !*o->base_url) {
        snprintf(err, errlen, "llm: no base_url");
        return NULL;
    }
    if (strncmp(o->base_url, "http://", 7) && strncmp(o->base_url, "https://", 8)) {
        snprintf(err, errlen, "llm.base_url must start with http:// or https://");
        return NULL;
    }
    if (!o->model || !*o->model) {
        snprintf(err, errlen, "llm: no model");
        return NULL;
    }
    if (o->token_field && *o->token_field && strcmp(o->token_field, "max_tokens") &&
        strcmp(o->token_field, "max_completion_tokens")) {
        snprintf(err, errlen, "llm.token_field must be max_tokens or max_completion_tokens");
        return NULL;
    }
    static int curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }

    summ_llm_t *llm = nm_calloc(1, sizeof *llm);
    llm->o = *o;
    llm->base_url = nm_strdup(o->base_url);
    llm->model = nm_strdup(o->model);
    llm->api_key = o->api_key && *o->api_key ? nm_strdup(o->api_key) : NULL;
    llm->token_field = dup_or(o->token_field, "max_tokens");
    llm->language = dup_or(o->target_language, "zh");
    llm->user_agent = dup_or(o->user_agent, "newsmill/0.1");
    llm->o.base_url = llm->base_url;
    llm->o.model = llm->model;
    llm->o.api_key = llm->api_key;
    llm->o.token_field = llm->token_field;
    llm->o.target_language = llm->language;
    llm->o.user_agent = llm->user_agent;
    if (llm->o.timeout_seconds <= 0)
        llm->o.timeout_seconds = 60;
    if (llm->o.connect_timeout_seconds <= 0)
        llm->o.connect_timeout_seconds = llm->o.timeout_seconds < 10 ? llm->o.timeout_seconds : 10;
    if (llm->o.concurrency <= 0)
        llm->o.concurrency = 4;
    if (llm->o.input_char_budget <= 0)
        llm->o.input_char_budget = 12000;
    if (llm->o.max_attempts <= 0)
        llm->o.max_attempts = 4;
    if (llm->o.backoff_base_ms <= 0)
        llm->o.backoff_base_ms = 500;
    if (llm->o.backoff_max_ms <= 0)
        llm->o.backoff_max_ms = 30000;
    if (llm->o.breaker_failures <= 0)
        llm->o.breaker_failures = 3;
    if (llm->o.breaker_seconds == 0)
        llm->o.breaker_seconds = 60;

    /* OpenAI SDK convention: the base URL ends in /v1; take a full
     * .../chat/completions URL as it is */
    size_t bl = strlen(llm->base_url);
    while (bl && llm->base_url[bl - 1] == '/')
        bl--;
    const char *suffix = "/chat/completions";
    nm_buf_t u;
    nm_buf_init(&u, 0);
    nm_buf_append(&u, llm->base_url, bl);
    if (bl < strlen(suffix) || strncmp(llm->base_url + bl - strlen(suffix), suffix, strlen(suffix)))
        nm_buf_puts(&u, suffix);
    llm->url = nm_buf_steal(&u);
    if (llm->api_key) {
        nm_buf_t a;
        nm_buf_init(&a, 0);
        nm_buf_printf(&a, "Authorization: Bearer %s", llm->api_key);
        llm->auth = nm_buf_steal(&a);
    }
    char be[300];
    snprintf(be, sizeof be, "llm:%s", llm->model);
    llm->backend = nm_strdup(be);
    const char *lname, *llen;
    language_info(llm->language, &lname, &llen);
    llm->language_name = nm_strdup(lname);
    llm->summary_length = nm_strdup(llen);
    nm_buf_t lb;
    nm_buf_init(&lb, 0);
    for (size_t i = 0; summ_llm_topic_labels[i]; i++)
        nm_buf_printf(&lb, "%s\"%s\"", i ? ", " : "", summ_llm_topic_labels[i]);
    llm->labels = nm_buf_steal(&lb);

    /* prompts: configured, else $NEWSMILL_PROMPTS_DIR, ./deploy/prompts, installed */
    const char *cands[] = { o->prompts_dir, getenv("NEWSMILL_PROMPTS_DIR"), "deploy/prompts", NM_PROMPTS_INSTALL_DIR };
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        if (!cands[i] || !*cands[i])
            continue;
        if (file_exists(cands[i], "article.txt") || (i == 0)) {
            llm->prompts_dir = nm_strdup(cands[i]);
            break;
        }
    }
    if (!llm->prompts_dir) {
        snprintf(err, errlen, "no prompt templates found (set llm.prompts_dir; looked in deploy/prompts and %s)",
                 NM_PROMPTS_INSTALL_DIR);
        summ_llm_destroy(&llm);
        return NULL;
    }
    llm->o.prompts_dir = llm->prompts_dir;
    /* load what exists now so a broken template shows at start, not at 3 am */
    char why[512];
    named_tmpl_t *art = tmpl_get(llm, "article", why, sizeof why);
    if (!art) {
        snprintf(err, errlen, "%s", why);
        summ_llm_destroy(&llm);
        return NULL;
    }
    summ_llm_var_t probe[] = {
        { "title", "" }, { "text", "" }, { "url", "" }, { "site", "" }, { "article_language", "" },
        { "language", "" }, { "language_name", "" }, { "summary_length", "" }, { "topics", "" },
    };
    for (int part = 0; part < 2; part++) {
        char *r = summ_llm_render(part ? art->t.user : art->t.system, probe, sizeof probe / sizeof probe[0],
                                  why, sizeof why);
        if (!r) {
            snprintf(err, errlen, "%s/article.txt: %s", llm->prompts_dir, why);
            summ_llm_destroy(&llm);
            return NULL;
        }
        free(r);
    }
    const char *optional[] = { "overview", "commentary" };
    for (size_t i = 0; i < 2; i++) {
        char fname[64];
        snprintf(fname, sizeof fname, "%s.txt", optional[i]);
        if (file_exists(llm->prompts_dir, fname) && !tmpl_get(llm, optional[i], why, sizeof why)) {
            snprintf(err, errlen, "%s", why);
            summ_llm_destroy(&llm);
            return NULL;
        }
    }

    llm->multi = curl_multi_init();
    if (!llm->multi)
        nm_oom();
    return llm;
}

const char *summ_llm_backend(const summ_llm_t *llm)
{
    return llm->backend;
}

const char *summ_llm_language(const summ_llm_t *llm)
{
    return llm->language;
}

/* ---- results ---- */

static void free_list(char **l, size_t n)
{
    if (!l)
        return;
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void summ_llm_article_destroy(summ_llm_article_t **a_p)
{
    summ_llm_article_t *a = a_p ? *a_p : NULL;
    if (!a)
        return;
    free(a->error);
    free(a->title);
    free(a->summary);
    free_list(a->topics, a->ntopics);
    free_list(a->entities, a->nentities);
    free(a->language);
    free(a->backend);
    free(a);
    *a_p = NULL;
}

void summ_llm_text_destroy(summ_llm_text_t **t_p)
{
    summ_llm_text_t *t = t_p ? *t_p : NULL;
    if (!t)
        return;
    free(t->error);
    free(t->text);
    free(t);
    *t_p = NULL;
}

/* The key must never reach a log line, even if a server echoes it. */
static char *redact(const summ_llm_t *llm, const char *s)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    size_t kl = llm->api_key ? strlen(llm->api_key) : 0;
    while (*s) {
        if (kl >= 4 && !strncmp(s, llm->api_key, kl)) {
            nm_buf_puts(&b, "***");
            s += kl;
        } else {
            nm_buf_append(&b, s, 1);
            s++;
        }
    }
    if (!b.data)
        nm_buf_append(&b, "", 0);
    return nm_buf_steal(&b);
}

static void req_set_error(req_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void req_set_error(req_t *r, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(r->error);
    r->error = redact(r->llm, buf);
}

static void req_free(req_t *r)
{
    if (r->easy) {
        curl_multi_remove_handle(r->llm->multi, r->easy);
        curl_easy_cleanup(r->easy);
    }
    curl_slist_free_all(r->hdrs);
    nm_buf_free(&r->resp);
    free(r->body);
    free(r->error);
    free(r->content);
    summ_llm_article_destroy(&r->art);
    free(r);
}

static void list_remove(req_t **head, req_t *r)
{
    for (; *head; head = &(*head)->next)
        if (*head == r) {
            *head = r->next;
            r->next = NULL;
            return;
        }
}

static void list_append(req_t **head, req_t *r)
{
    r->next = NULL;
    while (*head)
        head = &(*head)->next;
    *head = r;
}

/* The request ended (any status): on to the done list. */
static void req_finish(summ_llm_t *llm, req_t *r, summ_llm_status_t st)
{
    r->status = st;
    int64_t now = nm_now_ms();
    if (st == SUMM_LLM_OK) {
        llm->stats.ok++;
        llm->consecutive_failures = 0;
        llm->breaker_until_ms = 0;
    } else if (st == SUMM_LLM_E_TRANSIENT || st == SUMM_LLM_E_PERMANENT) {
        llm->stats.failed++;
        int trips = st == SUMM_LLM_E_TRANSIENT ||
                    (r->http_status == 401 || r->http_status == 403 || r->http_status == 404 ||
                     r->http_status == 429 || r->http_status == 0);
        if (trips && llm->o.breaker_seconds > 0) {
            if (st == SUMM_LLM_E_PERMANENT)
                llm->consecutive_failures = llm->o.breaker_failures;
            else
                llm->consecutive_failures++;
            if (llm->consecutive_failures >= llm->o.breaker_failures) {
                if (llm->breaker_until_ms <= now)
                    nm_warn("llm: %s; pausing LLM requests for %d s (articles leave marked %s)",
                            r->error ? r->error : "failing", llm->o.breaker_seconds, SUMM_LLM_PENDING_BACKEND);
                llm->breaker_until_ms = now + (int64_t)llm->o.breaker_seconds * 1000;
            }
        }
    } else if (st == SUMM_LLM_E_UNAVAILABLE) {
        llm->stats.short_circuited++;
    }
    list_append(&llm->done, r);
    llm->ndone++;
}

/* ---- building requests ---- */

static json_t *article_schema(void)
{
    json_t *labels = json_array();
    for (size_t i = 0; summ_llm_topic_labels[i]; i++)
        json_array_append_new(labels, json_string(summ_llm_topic_labels[i]));
    return json_pack("{s:s, s:b, s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s, s:{s:s, s:o}}, s:{s:s, s:{s:s}}},"
                     " s:[s,s,s,s], s:b}}",
                     "name", "article_summary", "strict", 1,
                     "schema", "type", "object", "properties",
                     "title", "type", "string",
                     "summary", "type", "string",
                     "topics", "type", "array", "items", "type", "string", "enum", labels,
                     "entities", "type", "array", "items", "type", "string",
                     "required", "title", "summary", "topics", "entities",
                     "additionalProperties", 0);
}

static char *build_body(summ_llm_t *llm, const char *system, const char *user, int want_json)
{
    json_t *msgs = json_array();
    if (system && *system)
        json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "system", "content", system));
    json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "user", "content", user));
    json_t *root = json_pack("{s:s, s:o, s:f}", "model", llm->model, "messages", msgs,
                             "temperature", llm->o.temperature);
    if (llm->o.max_tokens > 0)
        json_object_set_new(root, llm->token_field, json_integer(llm->o.max_tokens));
    if (want_json && llm->o.response_format == SUMM_LLM_RF_JSON_OBJECT)
        json_object_set_new(root, "response_format", json_pack("{s:s}", "type", "json_object"));
    else if (want_json && llm->o.response_format == SUMM_LLM_RF_JSON_SCHEMA)
        json_object_set_new(root, "response_format",
                            json_pack("{s:s, s:o}", "type", "json_schema", "json_schema", article_schema()));
    if (llm->o.stream) {
        json_object_set_new(root, "stream", json_true());
        /* the last chunk then carries usage (OpenAI, vLLM, DeepSeek) */
        json_object_set_new(root, "stream_options", json_pack("{s:b}", "include_usage", 1));
    }
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!s)
        nm_oom();
    return s;
}

static req_t *req_new(summ_llm_t *llm, int kind)
{
    req_t *r = nm_calloc(1, sizeof *r);
    r->llm = llm;
    r->kind = kind;
    nm_buf_init(&r->resp, SUMM_LLM_MAX_BODY);
    return r;
}

static void enqueue(summ_llm_t *llm, req_t *r)
{
    list_append(&llm->queue, r);
    llm->queued++;
}

int summ_llm_submit_article(summ_llm_t *llm, const summ_llm_article_in_t *in, summ_llm_article_cb cb, void *user)
{
    if (!cb || !in)
        return -1;
    req_t *r = req_new(llm, REQ_ARTICLE);
    r->cb = cb;
    r->user = user;
    char *text = summ_llm_cut(in->text ? in->text : "", (size_t)llm->o.input_char_budget);
    summ_llm_var_t vars[] = {
        { "title", in->title ? in->title : "" },
        { "text", text },
        { "url", in->url ? in->url : "" },
        { "site", in->site && *in->site ? in->site : "(unknown)" },
        { "article_language", in->language && *in->language ? in->language : "en" },
        { "language", llm->language },
        { "language_name", llm->language_name },
        { "summary_length", llm->summary_length },
        { "topics", llm->labels },
    };
    char why[256];
    named_tmpl_t *t = tmpl_get(llm, "article", why, sizeof why);
    char *sys = t ? summ_llm_render(t->t.system, vars, sizeof vars / sizeof vars[0], why, sizeof why) : NULL;
    char *usr = sys ? summ_llm_render(t->t.user, vars, sizeof vars / sizeof vars[0], why, sizeof why) : NULL;
    free(text);
    if (!usr) {
        req_set_error(r, "%s", why);
        free(sys);
        req_finish(llm, r, SUMM_LLM_E_CONFIG);
        return 0;
    }
    r->body = build_body(llm, sys, usr, 1);
    free(sys);
    free(usr);
    enqueue(llm, r);
    return 0;
}

static void sync_article_cb(summ_llm_article_t *res, void *user)
{
    *(summ_llm_article_t **)user = res;
}

static void run_until(summ_llm_t *llm, void **slot, int64_t deadline_ms)
{
    while (!*slot && (deadline_ms <= 0 || nm_now_ms() < deadline_ms)) {
        summ_llm_perform(llm);
        if (*slot)
            break;
        long t = summ_llm_timeout_ms(llm);
        if (t < 0 || t > 200)
            t = 200;
        int n;
        curl_multi_poll(llm->multi, NULL, 0, (int)t, &n);
    }
}

summ_llm_article_t *summ_llm_article_sync(summ_llm_t *llm, const summ_llm_article_in_t *in)
{
    summ_llm_article_t *res = NULL;
    summ_llm_submit_article(llm, in, sync_article_cb, &res);
    run_until(llm, (void **)&res, 0);
    return res;
}

summ_llm_text_t *summ_llm_complete(summ_llm_t *llm, const char *name, const summ_llm_var_t *vars, size_t nvars)
{
    summ_llm_text_t *res = NULL;
    req_t *r = req_new(llm, REQ_TEXT);
    r->text_slot = &res;
    char why[512];
    named_tmpl_t *t = tmpl_get(llm, name ? name : "", why, sizeof why);
    summ_llm_var_t *all = nm_calloc(nvars + 2, sizeof *all);
    all[0] = (summ_llm_var_t){ "language", llm->language };
    all[1] = (summ_llm_var_t){ "language_name", llm->language_name };
    if (nvars)
        memcpy(all + 2, vars, nvars * sizeof *vars);
    char *sys = t ? summ_llm_render(t->t.system, all, nvars + 2, why, sizeof why) : NULL;
    char *usr = sys ? summ_llm_render(t->t.user, all, nvars + 2, why, sizeof why) : NULL;
    free(all);
    if (!usr) {
        req_set_error(r, "%s", why);
        free(sys);
        req_finish(llm, r, SUMM_LLM_E_CONFIG);
    } else {
        r->body = build_body(llm, sys, usr, 0);
        free(sys);
        free(usr);
        enqueue(llm, r);
    }
    run_until(llm, (void **)&res, 0);
    return res;
}

/* ---- transfers ---- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    req_t *r = ud;
    size_t n = size * nmemb;
    if (nm_buf_append(&r->resp, ptr, n) < 0) {
        r->resp_too_big = 1;
        return 0;   /* aborts the transfer */
    }
    return n;
}

static int start(summ_llm_t *llm, req_t *r)
{
    r->easy = curl_easy_init();
    if (!r->easy)
        nm_oom();
    nm_buf_reset(&r->resp);
    r->resp_too_big = 0;
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
    r->hdrs = curl_slist_append(r->hdrs, "Content-Type: application/json");
    r->hdrs = curl_slist_append(r->hdrs, llm->o.stream ? "Accept: text/event-stream" : "Accept: application/json");
    if (llm->auth)
        r->hdrs = curl_slist_append(r->hdrs, llm->auth);
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, llm->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);   /* the key stays with this host */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
    curl_easy_setopt(e, CURLOPT_USERAGENT, llm->user_agent);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)llm->o.connect_timeout_seconds * 1000L);
    if (llm->o.stream) {
        /* a stream may run long while it keeps talking: timeout is the
         * longest silence; a hard cap still bounds the whole exchange */
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)llm->o.timeout_seconds);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)llm->o.timeout_seconds * 4000L);
    } else {
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)llm->o.timeout_seconds * 1000L);
    }
    if (curl_multi_add_handle(llm->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        r->easy = NULL;
        return -1;
    }
    r->attempts++;
    list_append(&llm->inflight, r);
    llm->stats.requests++;
    if (r->attempts > 1)
        llm->stats.retries++;
    llm->active++;
    return 0;
}

/* Try again later, or give up when attempts are used up. */
static void retry_or_fail(summ_llm_t *llm, req_t *r, long retry_after_s)
{
    if (r->attempts >= llm->o.max_attempts) {
        req_set_error(r, "%s (gave up after %d attempts)", r->error ? r->error : "failed", r->attempts);
        req_finish(llm, r, SUMM_LLM_E_TRANSIENT);
        return;
    }
    int64_t delay = (int64_t)llm->o.backoff_base_ms << (r->attempts - 1 < 20 ? r->attempts - 1 : 20);
    if (delay > llm->o.backoff_max_ms)
        delay = llm->o.backoff_max_ms;
    delay = delay * (80 + rand() % 41) / 100;   /* jitter 0.8..1.2: spread a burst of retries */
    if (retry_after_s >= 0) {
        if (retry_after_s * 1000 > llm->o.backoff_max_ms) {
            req_set_error(r, "%s; the server asks to wait %ld s, longer than we wait",
                          r->error ? r->error : "rate limited", retry_after_s);
            req_finish(llm, r, SUMM_LLM_E_TRANSIENT);
            return;
        }
        if (delay < retry_after_s * 1000)
            delay = retry_after_s * 1000;
    }
    nm_info("llm: attempt %d failed (%s); retrying in %lld ms", r->attempts, r->error ? r->error : "?",
            (long long)delay);
    r->not_before_ms = nm_now_ms() + delay;
    enqueue(llm, r);
}

static int is_sse(req_t *r)
{
    char *ct = NULL;
    curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (ct && strstr(ct, "text/event-stream"))
        return 1;
    const char *b = r->resp.data ? r->resp.data : "";
    while (*b == ' ' || *b == '\n' || *b == '\r')
        b++;
    return !strncmp(b, "data:", 5);
}

static void on_done(summ_llm_t *llm, req_t *r, CURLcode cc)
{
    long code = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
    r->http_status = (int)code;
    long retry_after = -1;
    struct curl_header *h = NULL;
    if (curl_easy_header(r->easy, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h)
        retry_after = summ_llm_retry_after(h->value, nm_time_s());
    int sse = cc == CURLE_OK ? is_sse(r) : 0;
    curl_off_t micros = 0;
    curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &micros);
    curl_multi_remove_handle(llm->multi, r->easy);
    list_remove(&llm->inflight, r);
    llm->active--;

    if (cc != CURLE_OK || code != 200)
        nm_metrics_llm_request((double)micros / 1e6, cc != CURLE_OK ? "transport_error" : "http_error", 0, 0);
    if (cc != CURLE_OK) {
        if (r->resp_too_big)
            req_set_error(r, "the reply is larger than %u bytes", SUMM_LLM_MAX_BODY);
        else if (cc == CURLE_OPERATION_TIMEDOUT)
            req_set_error(r, "no complete answer within %d s", llm->o.timeout_seconds);
        else
            req_set_error(r, "%s", curl_easy_strerror(cc));
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
        if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT) {
            req_finish(llm, r, SUMM_LLM_E_PERMANENT);
            return;
        }
        retry_or_fail(llm, r, -1);
        return;
    }
    curl_easy_cleanup(r->easy);
    r->easy = NULL;

    const char *body = r->resp.data ? r->resp.data : "";
    if (code != 200) {
        json_t *root = json_loadb(body, r->resp.len, 0, NULL);
        char ecode[64];
        char *msg = summ_llm_error_message(root, ecode, sizeof ecode);
        json_decref(root);
        req_set_error(r, "HTTP %ld: %s", code, msg ? msg : "(no error message)");
        free(msg);
        if (code == 429 && !strcmp(ecode, "insufficient_quota")) {
            req_finish(llm, r, SUMM_LLM_E_PERMANENT);
        } else if (code == 429 || code == 408 || code == 500 || code == 502 || code == 503 || code == 504 ||
                   code == 529) {
            retry_or_fail(llm, r, retry_after);
        } else {
            req_finish(llm, r, SUMM_LLM_E_PERMANENT);
        }
        return;
    }

    summ_llm_reply_t rep;
    summ_llm_reply_init(&rep);
    int prc = sse ? summ_llm_reply_parse_sse(body, r->resp.len, &rep)
                  : summ_llm_reply_parse_json(body, r->resp.len, &rep);
    r->tokens += rep.total_tokens;
    llm->stats.tokens += (uint64_t)rep.total_tokens;
    nm_metrics_llm_request((double)micros / 1e6, prc < 0 ? "bad_reply" : "ok",
                           (uint64_t)rep.prompt_tokens, (uint64_t)rep.completion_tokens);
    if (prc < 0) {
        req_set_error(r, "%s", rep.error ? rep.error : "unusable reply");
        summ_llm_reply_free(&rep);
        retry_or_fail(llm, r, -1);
        return;
    }
    const char *content = rep.content.data ? rep.content.data : "";
    if (!strcmp(rep.finish_reason, "length")) {
        req_set_error(r, "the answer was cut off (finish_reason length)");
        summ_llm_reply_free(&rep);
        retry_or_fail(llm, r, -1);
        return;
    }
    const char *c = content;
    while (*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t')
        c++;
    if (!*c) {
        req_set_error(r, "the answer is empty%s", rep.finish_reason[0] ? "" : "");
        summ_llm_reply_free(&rep);
        retry_or_fail(llm, r, -1);
        return;
    }
    if (r->kind == REQ_ARTICLE) {
        summ_llm_article_t *a = nm_calloc(1, sizeof *a);
        char why[256];
        if (summ_llm_parse_article(content, llm->language, a, why, sizeof why) < 0) {
            summ_llm_article_destroy(&a);
            req_set_error(r, "invalid answer: %s", why);
            summ_llm_reply_free(&rep);
            retry_or_fail(llm, r, -1);
            return;
        }
        r->art = a;
    } else {
        /* text answers: strip a reasoning block some servers pass through */
        const char *think = strstr(c, "</think>");
        if (think)
            c = think + 8;
        while (*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t')
            c++;
        size_t n = strlen(c);
        while (n && (c[n - 1] == ' ' || c[n - 1] == '\n' || c[n - 1] == '\r' || c[n - 1] == '\t'))
            n--;
        if (!n) {
            req_set_error(r, "the answer is empty");
            summ_llm_reply_free(&rep);
            retry_or_fail(llm, r, -1);
            return;
        }
        r->content = nm_strndup(c, n);
    }
    summ_llm_reply_free(&rep);
    req_finish(llm, r, SUMM_LLM_OK);
}

static int breaker_open(const summ_llm_t *llm, int64_t now)
{
    return llm->o.breaker_seconds > 0 && llm->breaker_until_ms > now;
}

static void start_due(summ_llm_t *llm)
{
    int64_t now = nm_now_ms();
    if (breaker_open(llm, now)) {
        /* fail fast: waiting requests would only find the same broken LLM */
        while (llm->queue) {
            req_t *r = llm->queue;
            llm->queue = r->next;
            llm->queued--;
            if (!r->error)
                req_set_error(r, "LLM paused after repeated failures");
            else
                req_set_error(r, "LLM paused after repeated failures; last: %s", r->error);
            req_finish(llm, r, SUMM_LLM_E_UNAVAILABLE);
        }
        return;
    }
    /* half-open: after the breaker closes, one probe at a time until a success */
    size_t limit = llm->consecutive_failures >= llm->o.breaker_failures && llm->o.breaker_seconds > 0
                       ? 1 : (size_t)llm->o.concurrency;
    req_t **pp = &llm->queue;
    while (*pp && llm->active < limit) {
        req_t *r = *pp;
        if (r->not_before_ms > now) {
            pp = &r->next;
            continue;
        }
        if (llm->o.requests_per_minute > 0 && llm->next_slot_ms > now)
            break;
        *pp = r->next;
        llm->queued--;
        if (start(llm, r) < 0) {
            req_set_error(r, "could not start the transfer");
            req_finish(llm, r, SUMM_LLM_E_TRANSIENT);
            continue;
        }
        if (llm->o.requests_per_minute > 0)
            llm->next_slot_ms = now + 60000 / llm->o.requests_per_minute;
    }
}

static void deliver(summ_llm_t *llm, req_t *r)
{
    if (r->kind == REQ_ARTICLE) {
        summ_llm_article_t *a = r->art ? r->art : nm_calloc(1, sizeof *a);
        r->art = NULL;
        a->status = r->status;
        a->error = r->status == SUMM_LLM_OK ? NULL : nm_strdup(r->error ? r->error : summ_llm_status_name(r->status));
        a->http_status = r->http_status;
        a->attempts = r->attempts;
        a->tokens_used = r->tokens;
        a->language = nm_strdup(r->llm->language);
        a->backend = nm_strdup(r->llm->backend);
        summ_llm_article_cb cb = r->cb;
        void *user = r->user;
        req_free(r);
        cb(a, user);
    } else {
        summ_llm_text_t *t = nm_calloc(1, sizeof *t);
        t->status = r->status;
        t->error = r->status == SUMM_LLM_OK ? NULL : nm_strdup(r->error ? r->error : summ_llm_status_name(r->status));
        t->http_status = r->http_status;
        t->attempts = r->attempts;
        t->tokens_used = r->tokens;
        t->text = r->content;
        r->content = NULL;
        summ_llm_text_t **slot = r->text_slot;
        req_free(r);
        *slot = t;
    }
}

static int deliver_all(summ_llm_t *llm)
{
    int n = 0;
    while (llm->done) {
        req_t *r = llm->done;
        llm->done = r->next;
        llm->ndone--;
        deliver(llm, r);
        n++;
    }
    return n;
}

int summ_llm_perform(summ_llm_t *llm)
{
    if (llm->active) {
        int running = 0;
        curl_multi_perform(llm->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(llm->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            req_t *r = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            on_done(llm, r, m->data.result);
        }
    }
    size_t before = llm->active;
    start_due(llm);
    if (llm->active > before) {
        int running = 0;
        curl_multi_perform(llm->multi, &running);   /* get the new transfers going */
    }
    return deliver_all(llm);
}

size_t summ_llm_pending(const summ_llm_t *llm)
{
    return llm->queued + llm->active + llm->ndone;
}

long summ_llm_timeout_ms(summ_llm_t *llm)
{
    if (llm->done)
        return 0;
    int64_t now = nm_now_ms();
    long best = -1;
    if (llm->active) {
        long t = -1;
        curl_multi_timeout(llm->multi, &t);
        best = (t < 0 || t > 1000) ? 1000 : t;
    }
    if (llm->queue) {
        if (breaker_open(llm, now))
            return 0;
        if (llm->active < (size_t)llm->o.concurrency) {
            int64_t soonest = INT64_MAX;
            for (req_t *r = llm->queue; r; r = r->next)
                if (r->not_before_ms < soonest)
                    soonest = r->not_before_ms;
            if (llm->o.requests_per_minute > 0 && llm->next_slot_ms > soonest)
                soonest = llm->next_slot_ms;
            long t = soonest <= now ? 0 : (long)(soonest - now);
            if (best < 0 || t < best)
                best = t;
        } else if (best < 0) {
            best = 1000;
        }
    }
    return best;
}

size_t summ_llm_poll_fds(summ_llm_t *llm, int *fds, short *events, size_t max)
{
    if (!llm->active)
        return 0;
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    int maxfd = -1;
    if (curl_multi_fdset(llm->multi, &r, &w, &x, &maxfd) != CURLM_OK)
        return 0;
    size_t n = 0;
    for (int fd = 0; fd <= maxfd && fd < FD_SETSIZE && n < max; fd++) {
        short ev = 0;
        if (FD_ISSET(fd, &r) || FD_ISSET(fd, &x))
            ev |= 1;
        if (FD_ISSET(fd, &w))
            ev |= 2;
        if (ev) {
            fds[n] = fd;
            events[n] = ev;
            n++;
        }
    }
    return n;
}

void summ_llm_run(summ_llm_t *llm, int64_t deadline_ms)
{
    while (summ_llm_pending(llm) && (deadline_ms <= 0 || nm_now_ms() < deadline_ms)) {
        summ_llm_perform(llm);
        if (!summ_llm_pending(llm))
            break;
        long t = summ_llm_timeout_ms(llm);
        if (t < 0 || t > 200)
            t = 200;
        int n;
        curl_multi_poll(llm->multi, NULL, 0, (int)t, &n);
    }
}

void summ_llm_cancel_all(summ_llm_t *llm)
{
    while (llm->queue) {
        req_t *r = llm->queue;
        llm->queue = r->next;
        llm->queued--;
        req_set_error(r, "cancelled (shutting down)");
        req_finish(llm, r, SUMM_LLM_E_CANCELLED);
    }
    while (llm->inflight) {
        req_t *r = llm->inflight;
        llm->inflight = r->next;
        curl_multi_remove_handle(llm->multi, r->easy);
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
        llm->active--;
        req_set_error(r, "cancelled (shutting down)");
        req_finish(llm, r, SUMM_LLM_E_CANCELLED);
    }
    deliver_all(llm);
}

summ_llm_stats_t summ_llm_stats(const summ_llm_t *llm)
{
    return llm->stats;
}

void summ_llm_destroy(summ_llm_t **llm_p)
{
    summ_llm_t *llm = llm_p ? *llm_p : NULL;
    if (!llm)
        return;
    if (llm->multi)
        summ_llm_cancel_all(llm);
    while (llm->tmpls) {
        named_tmpl_t *t = llm->tmpls;
        llm->tmpls = t->next;
        summ_llm_template_free(&t->t);
        free(t->name);
        free(t);
    }
    if (llm->multi)
        curl_multi_cleanup(llm->multi);
    if (llm->api_key) /* do not leave the key in freed memory */
        memset(llm->api_key, 0, strlen(llm->api_key));
    if (llm->auth)
        memset(llm->auth, 0, strlen(llm->auth));
    free(llm->base_url);
    free(llm->model);
    free(llm->api_key);
    free(llm->token_field);
    free(llm->language);
    free(llm->prompts_dir);
    free(llm->user_agent);
    free(llm->url);
    free(llm->auth);
    free(llm->backend);
    free(llm->language_name);
    free(llm->summary_length);
    free(llm->labels);
    free(llm);
    *llm_p = NULL;
}

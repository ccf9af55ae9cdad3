/* summ_llm: a client for any OpenAI-compatible chat-completions endpoint
 * (POST {base_url}/chat/completions), used for per-article summaries and, by
 * the digest, for the day's overview and commentary.
 *
 * Promises:
 *  - Requests go out with libcurl's multi interface: at most `concurrency`
 *    at once and at most `requests_per_minute` started per minute (evenly
 *    spaced). One client serves both styles of caller: the daemon submits and
 *    polls (summ_llm_submit_* + summ_llm_poll_items/summ_llm_perform), the
 *    CLI and the digest call the blocking helpers, which run the same engine.
 *  - Every request carries `temperature`; the token cap goes out under the
 *    configured field name ("max_tokens" or "max_completion_tokens");
 *    `response_format` is json_object, json_schema or omitted.
 *  - Retries, with exponential backoff and jitter, up to max_attempts: on 429
 *    (Retry-After honoured, seconds or HTTP date), 408, 500/502/503/504,
 *    timeouts and connection errors; and, for JSON answers, when the reply is
 *    malformed, empty, fails validation, or was cut off (finish_reason
 *    "length"). Never retried: 400/401/403/404 and other 4xx, and quota
 *    errors (429 with error.code or error.type "insufficient_quota").
 *    Tokens are counted over every attempt (usage.total_tokens).
 *  - A circuit breaker: after a permanent error (bad key, quota) or
 *    `breaker_failures` consecutive failed articles, requests fail at once
 *    (SUMM_LLM_E_UNAVAILABLE) for `breaker_seconds`, then one probe is let
 *    through. So an unreachable LLM costs the pipeline nothing but a marker.
 *  - The API key is sent only in the Authorization header, never logged and
 *    never put in an error message; redirects are not followed (the key
 *    must not travel to another host); only http and https are spoken.
 *  - Everything from the server is hostile: bodies are capped
 *    (SUMM_LLM_MAX_BODY), JSON is checked field by field before use.
 *
 * Not thread-safe: one summ_llm_t per thread. */
#ifndef SUMM_LLM_H
#define SUMM_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nm_config.h"

#define SUMM_LLM_MAX_BODY (4u << 20)      /* response body cap, bytes */
#define SUMM_LLM_MAX_ENTITIES 20
#define SUMM_LLM_MAX_TOPICS 3
#define SUMM_LLM_PENDING_BACKEND "llm_pending" /* see summ_llm_pending_backend */

typedef enum {
    SUMM_LLM_RF_JSON_OBJECT = 0,  /* {"type":"json_object"} */
    SUMM_LLM_RF_JSON_SCHEMA,      /* {"type":"json_schema", ...} with our schema */
    SUMM_LLM_RF_NONE,             /* omitted: the prompt alone asks for JSON */
} summ_llm_rf_t;

/* Why a call failed (or SUMM_LLM_OK). */
typedef enum {
    SUMM_LLM_OK = 0,
    SUMM_LLM_E_TRANSIENT,    /* retries used up (5xx, 429, timeouts, bad answers): try later */
    SUMM_LLM_E_PERMANENT,    /* 400/401/403/404, quota: needs an operator */
    SUMM_LLM_E_UNAVAILABLE,  /* not attempted: circuit breaker open */
    SUMM_LLM_E_CANCELLED,    /* summ_llm_cancel_all (shutdown) */
    SUMM_LLM_E_CONFIG,       /* bad template or arguments */
} summ_llm_status_t;

const char *summ_llm_status_name(summ_llm_status_t st);

typedef struct {
    const char *base_url;        /* e.g. "https://api.openai.com/v1"; "" = offline */
    const char *model;
    const char *api_key;         /* NULL or "" = no Authorization header */
    double temperature;
    int max_tokens;              /* 0 = not sent */
    const char *token_field;     /* "max_tokens" (NULL) or "max_completion_tokens" */
    int timeout_seconds;         /* one HTTP exchange */
    int connect_timeout_seconds; /* 0 = min(10, timeout) */
    int concurrency;             /* transfers at once; 0 = 4 */
    int requests_per_minute;     /* 0 = unlimited */
    const char *target_language; /* "zh" (NULL), "en", "ja", ... */
    summ_llm_rf_t response_format;
    int input_char_budget;       /* article text cut to this many characters; 0 = 12000 */
    bool stream;                 /* ask for SSE and assemble the deltas */
    int max_attempts;            /* per request, including the first; 0 = 4 */
    int backoff_base_ms;         /* 0 = 500; doubles per attempt */
    int backoff_max_ms;          /* 0 = 30000; also the longest Retry-After waited for */
    int breaker_failures;        /* 0 = 3 */
    int breaker_seconds;         /* 0 = 60; < 0 disables the breaker */
    const char *prompts_dir;     /* where article.txt etc. live; NULL = default search */
    const char *user_agent;      /* NULL = "newsmill/0.1" */
} summ_llm_opts_t;

/* Options from cfg->llm. The API key is read from the environment variable
 * named llm.api_key_env or the file llm.api_key_file (a leading
 * $CREDENTIALS_DIRECTORY is expanded; trailing whitespace dropped) into
 * *key_out (caller frees; NULL when there is none). Returns 0, or -1 with a
 * reason (never the key) in err. The opts point into cfg: keep cfg alive. */
int summ_llm_opts_from_config(summ_llm_opts_t *o, const nm_config_t *cfg, char **key_out,
                              char *err, size_t errlen);
/* true when cfg asks for an LLM (llm.enabled and a base_url). */
bool summ_llm_configured(const nm_config_t *cfg);

typedef struct summ_llm summ_llm_t;

/* Loads the prompt templates (article.txt required; overview.txt and
 * commentary.txt when present) and checks them. prompts_dir NULL: the
 * first of $NEWSMILL_PROMPTS_DIR, deploy/prompts (relative to the current
 * directory), /usr/share/newsmill/prompts that holds article.txt.
 * NULL with a reason in err on failure. */
summ_llm_t *summ_llm_new(const summ_llm_opts_t *o, char *err, size_t errlen);
/* Cancels whatever is in flight (callbacks run with SUMM_LLM_E_CANCELLED). */
void summ_llm_destroy(summ_llm_t **llm_p);

/* "llm:<model>": the backend name stored with LLM summaries. */
const char *summ_llm_backend(const summ_llm_t *llm);
const char *summ_llm_language(const summ_llm_t *llm);

/* ---- per-article summaries ---- */

typedef struct {
    const char *title;
    const char *text;          /* cut to input_char_budget characters */
    const char *url;           /* may be NULL */
    const char *site;          /* may be NULL */
    const char *language;      /* of the article; may be NULL */
} summ_llm_article_in_t;

typedef struct {
    summ_llm_status_t status;
    char *error;               /* one line when status != OK, else NULL */
    int http_status;           /* of the last attempt; 0 if none */
    int attempts;              /* HTTP requests made */
    int tokens_used;           /* usage.total_tokens summed over attempts */
    /* on success, validated: */
    char *title;               /* translated title, non-empty */
    char *summary;             /* in the target language, non-empty */
    char **topics;             /* labels from summ_topic.h; at least one */
    size_t ntopics;
    char **entities;           /* people, organisations, places; may be empty */
    size_t nentities;
    char *language;            /* the target language */
    char *backend;             /* "llm:<model>" */
} summ_llm_article_t;

void summ_llm_article_destroy(summ_llm_article_t **a_p);

/* Called once per submitted request, always from summ_llm_perform (or
 * summ_llm_cancel_all / summ_llm_destroy), never from inside submit — even
 * when the breaker is open, the answer waits for the next perform. The
 * result is the callback's to keep: it must destroy it. A callback may
 * submit more work; it must not destroy the client. */
typedef void (*summ_llm_article_cb)(summ_llm_article_t *res, void *user);

/* Queue one article. Always accepted; returns 0, or -1 with a reason for
 * programmer errors (callback NULL). */
int summ_llm_submit_article(summ_llm_t *llm, const summ_llm_article_in_t *in,
                            summ_llm_article_cb cb, void *user);

/* Blocking: one article (CLI, tests). Returns the result (never NULL). */
summ_llm_article_t *summ_llm_article_sync(summ_llm_t *llm, const summ_llm_article_in_t *in);

/* ---- free-form completions from a template (digest overview, commentary) ---- */

typedef struct {
    const char *name;          /* placeholder name, as in {{name}} */
    const char *value;
} summ_llm_var_t;

typedef struct {
    summ_llm_status_t status;
    char *error;               /* one line when status != OK */
    int http_status;
    int attempts;
    int tokens_used;
    char *text;                /* the reply, trimmed; non-empty on success */
} summ_llm_text_t;

void summ_llm_text_destroy(summ_llm_text_t **t_p);

/* Render the template `name` ("overview", "commentary", or any NAME.txt in
 * the prompts directory, loaded on first use) with vars and ask for plain
 * text (no response_format). {{language}} and {{language_name}} are always
 * defined (the target language), and vars may override them. A placeholder
 * with no value is an error (SUMM_LLM_E_CONFIG), so template typos show. An
 * empty or cut-off reply is retried. Blocking; never returns NULL. */
summ_llm_text_t *summ_llm_complete(summ_llm_t *llm, const char *name,
                                   const summ_llm_var_t *vars, size_t nvars);

/* ---- event loop integration (daemon) ---- */

/* Requests queued or in flight. */
size_t summ_llm_pending(const summ_llm_t *llm);
/* Milliseconds until summ_llm_perform has something to do (a backoff or
 * rate-limit delay ends, or curl wants a timeout); -1 when idle, 0 now. */
long summ_llm_timeout_ms(summ_llm_t *llm);
/* Writes the sockets curl waits on as zmq_pollitem_t-compatible entries:
 * fds[i] with events[i] (ZMQ_POLLIN 1 | ZMQ_POLLOUT 2). Returns the count
 * (at most max). */
size_t summ_llm_poll_fds(summ_llm_t *llm, int *fds, short *events, size_t max);
/* Drive transfers, start due requests, run callbacks of finished ones.
 * Never blocks. Returns the number of callbacks run. */
int summ_llm_perform(summ_llm_t *llm);
/* Run until nothing is pending or deadline_ms (monotonic, nm_now_ms) passes. */
void summ_llm_run(summ_llm_t *llm, int64_t deadline_ms);
/* Abort everything queued or in flight; their callbacks run now with
 * SUMM_LLM_E_CANCELLED. */
void summ_llm_cancel_all(summ_llm_t *llm);

/* Counters since summ_llm_new. */
typedef struct {
    uint64_t requests;         /* HTTP requests sent */
    uint64_t retries;          /* of which were retries */
    uint64_t ok, failed, short_circuited;
    uint64_t tokens;
} summ_llm_stats_t;
summ_llm_stats_t summ_llm_stats(const summ_llm_t *llm);

/* ---- building blocks, exposed for tests ---- */

/* Replace {{name}} (spaces inside the braces allowed) with its value.
 * Returns a new string, or NULL with the unknown placeholder named in err. */
char *summ_llm_render(const char *tmpl, const summ_llm_var_t *vars, size_t nvars,
                      char *err, size_t errlen);
/* Cut text to at most max_chars UTF-8 characters, preferring a paragraph or
 * sentence end in the last third; appends nothing. Returns a new string. */
char *summ_llm_cut(const char *text, size_t max_chars);
/* Parse and validate an article reply (the message content): tolerates
 * ```json fences and text around the object. Fills title, summary, topics,
 * entities of out. 0, or -1 with the reason in err. */
int summ_llm_parse_article(const char *content, const char *language,
                           summ_llm_article_t *out, char *err, size_t errlen);
/* Retry-After: delta seconds or an HTTP date; -1 if absent or unparseable. */
long summ_llm_retry_after(const char *value, int64_t now_s);

#endif

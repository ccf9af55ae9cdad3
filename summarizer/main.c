/* newsmill-summarizer: articles in, articles with summaries out.
 *
 *   PULL  summarizer.bind             <- articles from parsers
 *   PUSH  publisher.sink_endpoint     -> the same article with its summaries
 *
 * Stateless: run several to scale. Every article gets the extractive
 * summary (backend "extractive"). With [llm] configured it also gets an LLM
 * summary (backend "llm:<model>", language llm.target_language, translated
 * title, topics, entities, tokens used); when the LLM fails the article
 * still leaves, with a summary of backend "llm_pending" (empty text, the
 * reason in Summary.error) for `newsmill resummarize` to fill in later.
 *
 * One thread: zmq_poll waits on the input socket and on the LLM client's
 * curl sockets together. Intake pauses while llm.concurrency x 2 articles
 * wait for the LLM, so a slow LLM leaves the rest queued where another
 * summarizer or the lease can take them. On SIGTERM, in-flight LLM work
 * gets a few seconds, then leaves marked llm_pending. */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_msg.h"
#include "summ.h"
#include "summ_llm.h"

#define DRAIN_MS 3000
#define MAX_LLM_FDS 64

typedef struct {
    nm_daemon_t d;
    void *in, *sink;
    summ_llm_t *llm;
    size_t backlog;               /* articles waiting for the LLM */
    unsigned long long summarized, rejected, llm_ok, llm_pending, tokens;
} summarizer_t;

typedef struct {
    summarizer_t *s;
    nm_envelope_t *env;
    summ_result_t *ext;
} pending_t;

static void fill_extractive(Newsmill__Summary *sum, summ_result_t *r)
{
    sum->backend = r->backend;
    sum->language = r->language;
    sum->title = "";
    sum->summary = r->summary;
    sum->n_topics = r->ntopics;
    sum->topics = r->topics;
}

/* Send env with these summaries (borrowed: the envelope gets its own list
 * back before it is freed). */
static void send_result(summarizer_t *s, nm_envelope_t *env, Newsmill__Summary **sums, size_t n)
{
    Newsmill__ArticleResult *res = env->article_result;
    size_t n_orig = res->n_summaries;
    Newsmill__Summary **orig = res->summaries;
    res->n_summaries = n;
    res->summaries = sums;
    if (nm_msg_send(s->sink, env, 0) < 0)
        nm_log_job(NM_LOG_WARNING, res->ref->job_id, "summary for %s not sent (%s); its lease will bring it back",
                   res->article->canonical_url, zmq_strerror(errno));
    else
        nm_log_job(NM_LOG_INFO, res->ref->job_id, "summarized %s (%zu summaries)", res->article->canonical_url, n);
    res->n_summaries = n_orig;
    res->summaries = orig;
    s->summarized++;
}

static void on_llm(summ_llm_article_t *a, void *user)
{
    pending_t *p = user;
    summarizer_t *s = p->s;
    Newsmill__ArticleResult *res = p->env->article_result;
    Newsmill__Summary ext = NEWSMILL__SUMMARY__INIT, llm = NEWSMILL__SUMMARY__INIT;
    fill_extractive(&ext, p->ext);
    llm.language = a->language;
    llm.tokens_used = a->tokens_used;
    s->tokens += (unsigned long long)a->tokens_used;
    if (a->status == SUMM_LLM_OK) {
        llm.backend = a->backend;
        llm.title = a->title;
        llm.summary = a->summary;
        llm.n_topics = a->ntopics;
        llm.topics = a->topics;
        llm.n_entities = a->nentities;
        llm.entities = a->entities;
        s->llm_ok++;
    } else {
        llm.backend = SUMM_LLM_PENDING_BACKEND;
        llm.title = "";
        llm.summary = "";
        llm.error = a->error ? a->error : "";
        s->llm_pending++;
        nm_log_job(NM_LOG_WARNING, res->ref->job_id, "LLM summary of %s pending (%s): %s",
                   res->article->canonical_url, summ_llm_status_name(a->status), llm.error);
    }
    Newsmill__Summary *sums[] = { &ext, &llm };
    send_result(s, p->env, sums, 2);
    summ_llm_article_destroy(&a);
    summ_result_destroy(&p->ext);
    nm_msg_free(&p->env);
    free(p);
    s->backlog--;
}

/* Takes ownership of env. */
static void handle(summarizer_t *s, nm_envelope_t *env)
{
    if (env->body_case != NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT || !env->article_result->ref ||
        !env->article_result->article) {
        s->rejected++;
        nm_warn("rejected a %s message: the summarizer takes articles with a job reference", nm_msg_kind(env));
        nm_msg_free(&env);
        return;
    }
    Newsmill__ArticleResult *res = env->article_result;
    Newsmill__Article *art = res->article;

    summ_opts_t opts = { .sentences = s->d.cfg.summarizer.sentences, .max_chars = s->d.cfg.summarizer.max_chars,
                         .language = s->d.cfg.summarizer.language };
    summ_result_t *r = summ_summarize(art->title, art->text ? art->text : "", &opts);
    if (!r) {
        s->rejected++;
        nm_log_job(NM_LOG_WARNING, res->ref->job_id, "could not summarize %s", art->canonical_url);
        nm_msg_free(&env);
        return;
    }
    if (!s->llm) {
        Newsmill__Summary sum = NEWSMILL__SUMMARY__INIT;
        fill_extractive(&sum, r);
        Newsmill__Summary *sums[] = { &sum };
        send_result(s, env, sums, 1);
        summ_result_destroy(&r);
        nm_msg_free(&env);
        return;
    }
    pending_t *p = nm_calloc(1, sizeof *p);
    p->s = s;
    p->env = env;
    p->ext = r;
    summ_llm_article_in_t in = { .title = art->title, .text = art->text, .url = art->canonical_url,
                                 .site = art->site_name, .language = art->language };
    s->backlog++;
    summ_llm_submit_article(s->llm, &in, on_llm, p);   /* on_llm runs from summ_llm_perform */
}

static int start_llm(summarizer_t *s)
{
    const nm_config_t *cfg = &s->d.cfg;
    if (!summ_llm_configured(cfg)) {
        nm_notice("LLM: not configured (llm.base_url empty or llm.enabled false): extractive summaries only");
        return 0;
    }
    summ_llm_opts_t o;
    char *key = NULL;
    char err[512];
    if (summ_llm_opts_from_config(&o, cfg, &key, err, sizeof err) < 0) {
        nm_err("%s", err);
        return -1;
    }
    s->llm = summ_llm_new(&o, err, sizeof err);
    if (key) {
        memset(key, 0, strlen(key));
        free(key);
    }
    if (!s->llm) {
        nm_err("LLM: %s", err);
        return -1;
    }
    /* never the key: only whether there is one */
    nm_notice("LLM: %s at %s, %s summaries, concurrency %d, %d requests/min, API key %s", o.model, o.base_url,
              summ_llm_language(s->llm), cfg->llm.concurrency, cfg->llm.requests_per_minute,
              o.api_key ? "set" : "not set");
    return 0;
}

int main(int argc, char **argv)
{
    summarizer_t s = { 0 };
    int rc = nm_daemon_start(&s.d, "summarizer", "Adds summaries and topics to every article.", argc, argv);
    if (rc)
        return rc - 1;

    char err[512];
    const nm_config_t *cfg = &s.d.cfg;
    if (start_llm(&s) < 0) {
        nm_daemon_finish(&s.d);
        return 1;
    }
    if (!(s.in = nm_sock_new(s.d.zmq_ctx, ZMQ_PULL, cfg->summarizer.bind, true, cfg, err, sizeof err)) ||
        !(s.sink = nm_sock_new(s.d.zmq_ctx, ZMQ_PUSH, cfg->publisher.sink_endpoint, false, cfg, err, sizeof err))) {
        nm_err("%s", err);
        summ_llm_destroy(&s.llm);
        nm_sock_close(&s.in);
        nm_daemon_finish(&s.d);
        return 1;
    }
    size_t max_backlog = (size_t)(cfg->llm.concurrency > 0 ? cfg->llm.concurrency : 4) * 2;
    nm_daemon_ready();
    nm_notice("ready: articles from %s", cfg->summarizer.bind);

    while (!nm_daemon_stopping()) {
        zmq_pollitem_t items[1 + MAX_LLM_FDS];
        int fds[MAX_LLM_FDS];
        short evs[MAX_LLM_FDS];
        size_t n = 0;
        int intake = !s.llm || s.backlog < max_backlog;
        if (intake)
            items[n++] = (zmq_pollitem_t){ s.in, 0, ZMQ_POLLIN, 0 };
        long timeout = 1000;
        if (s.llm) {
            size_t nf = summ_llm_poll_fds(s.llm, fds, evs, MAX_LLM_FDS);
            for (size_t i = 0; i < nf; i++)
                items[n++] = (zmq_pollitem_t){ NULL, fds[i], evs[i], 0 };
            long t = summ_llm_timeout_ms(s.llm);
            if (t >= 0 && t < timeout)
                timeout = t;
        }
        nm_daemon_watchdog();
        int ready = zmq_poll(items, (int)n, timeout);
        if (ready > 0 && intake && (items[0].revents & ZMQ_POLLIN)) {
            /* a few at a time, so LLM transfers keep moving */
            for (int k = 0; k < 16 && (!s.llm || s.backlog < max_backlog); k++) {
                nm_envelope_t *env = nm_msg_recv(s.in, (size_t)cfg->zmq.max_message_bytes, ZMQ_DONTWAIT, NULL,
                                                 NULL, err, sizeof err);
                if (!env) {
                    if (err[0]) {
                        s.rejected++;
                        nm_warn("rejected a message: %s", err);
                        continue;
                    }
                    break;
                }
                handle(&s, env);
            }
        }
        if (s.llm)
            summ_llm_perform(s.llm);
        nm_daemon_status("summarized=%llu rejected=%llu llm_ok=%llu llm_pending=%llu tokens=%llu waiting=%zu",
                         s.summarized, s.rejected, s.llm_ok, s.llm_pending, s.tokens, s.backlog);
    }

    if (s.llm) {
        /* drain: a few seconds for answers in flight, then the rest leave
         * with the extractive summary and the llm_pending marker */
        if (s.backlog)
            nm_notice("stopping: waiting up to %d ms for %zu LLM answers", DRAIN_MS, s.backlog);
        summ_llm_run(s.llm, nm_now_ms() + DRAIN_MS);
        summ_llm_cancel_all(s.llm);
        summ_llm_destroy(&s.llm);
    }
    nm_notice("stopping: summarized=%llu rejected=%llu llm_ok=%llu llm_pending=%llu tokens=%llu", s.summarized,
              s.rejected, s.llm_ok, s.llm_pending, s.tokens);
    nm_sock_close(&s.in);
    nm_sock_close(&s.sink);
    nm_daemon_finish(&s.d);
    return 0;
}

/* newsmill-summarizer: articles in, articles with a summary out.
 *
 *   PULL  summarizer.bind             <- articles from parsers
 *   PUSH  publisher.sink_endpoint     -> the same article with its summary
 *
 * Stateless: run several to scale. Offline it summarizes extractively; the
 * article always leaves with at least that summary. */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_msg.h"
#include "summ.h"

typedef struct {
    nm_daemon_t d;
    void *in, *sink;
    unsigned long long summarized, rejected;
} summarizer_t;

static void handle(summarizer_t *s, nm_envelope_t *env)
{
    if (env->body_case != NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT || !env->article_result->ref ||
        !env->article_result->article) {
        s->rejected++;
        nm_warn("rejected a %s message: the summarizer takes articles with a job reference", nm_msg_kind(env));
        return;
    }
    Newsmill__ArticleResult *res = env->article_result;
    Newsmill__Article *art = res->article;

    summ_opts_t opts = { .sentences = s->d.cfg.summarizer.sentences, .max_chars = 0,
                         .language = s->d.cfg.summarizer.language };
    summ_result_t *r = summ_summarize(art->title, art->text ? art->text : "", &opts);
    if (!r) {
        s->rejected++;
        nm_log_job(NM_LOG_WARNING, res->ref->job_id, "could not summarize %s", art->canonical_url);
        return;
    }

    Newsmill__Summary sum = NEWSMILL__SUMMARY__INIT;
    sum.backend = r->backend;
    sum.language = r->language;
    sum.title = "";
    sum.summary = r->summary;
    sum.n_topics = r->ntopics;
    sum.topics = r->topics;
    Newsmill__Summary *sums[] = { &sum };

    /* borrow: the envelope goes out with our summary, then gets its own
     * (empty) summary list back before it is freed */
    size_t n_orig = res->n_summaries;
    Newsmill__Summary **orig = res->summaries;
    res->n_summaries = 1;
    res->summaries = sums;
    if (nm_msg_send(s->sink, env, 0) < 0)
        nm_log_job(NM_LOG_WARNING, res->ref->job_id, "summary for %s not sent (%s); its lease will bring it back",
                   art->canonical_url, zmq_strerror(errno));
    else
        nm_log_job(NM_LOG_INFO, res->ref->job_id, "summarized %s (%zu topics)", art->canonical_url, r->ntopics);
    res->n_summaries = n_orig;
    res->summaries = orig;
    s->summarized++;
    summ_result_destroy(&r);
}

int main(int argc, char **argv)
{
    summarizer_t s = { 0 };
    int rc = nm_daemon_start(&s.d, "summarizer", "Adds a summary and topics to every article.", argc, argv);
    if (rc)
        return rc - 1;

    char err[512];
    const nm_config_t *cfg = &s.d.cfg;
    if (!(s.in = nm_sock_new(s.d.zmq_ctx, ZMQ_PULL, cfg->summarizer.bind, true, cfg, err, sizeof err)) ||
        !(s.sink = nm_sock_new(s.d.zmq_ctx, ZMQ_PUSH, cfg->publisher.sink_endpoint, false, cfg, err, sizeof err))) {
        nm_err("%s", err);
        nm_sock_close(&s.in);
        nm_daemon_finish(&s.d);
        return 1;
    }
    nm_daemon_ready();
    nm_notice("ready: articles from %s", cfg->summarizer.bind);

    while (!nm_daemon_stopping()) {
        zmq_pollitem_t item = { s.in, 0, ZMQ_POLLIN, 0 };
        nm_daemon_watchdog();
        if (zmq_poll(&item, 1, 1000) <= 0)
            continue;
        nm_envelope_t *env = nm_msg_recv(s.in, (size_t)cfg->zmq.max_message_bytes, ZMQ_DONTWAIT, NULL, NULL, err, sizeof err);
        if (!env) {
            if (err[0]) {
                s.rejected++;
                nm_warn("rejected a message: %s", err);
            }
            continue;
        }
        handle(&s, env);
        nm_msg_free(&env);
        nm_daemon_status("summarized=%llu rejected=%llu", s.summarized, s.rejected);
    }

    nm_notice("stopping: summarized=%llu rejected=%llu", s.summarized, s.rejected);
    nm_sock_close(&s.in);
    nm_sock_close(&s.sink);
    nm_daemon_finish(&s.d);
    return 0;
}

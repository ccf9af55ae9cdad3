/* newsmill-parser: pages in, feeds and articles out.
 *
 *   PULL  parser.bind                    <- pages from fetchers
 *   PUSH  publisher.sink_endpoint        -> feed results, failures
 *   PUSH  parser.summarizer_endpoints    -> articles (no summary yet)
 *
 * Stateless and CPU-bound: run several to scale. A page that is not a feed or
 * not an article ends its job with a permanent outcome and the reason.
 *
 * Pages arrive as the server sent them (Page.content_encoding, usually gzip)
 * and are decoded here into one reused buffer, capped at fetcher.max_bytes
 * decoded bytes (parse_body.h): a bomb, corrupt or truncated data ends the
 * job with the reason. The page socket queues at most zmq.page_hwm pages, so
 * memory does not grow with a backlog: fetchers hold pages back instead. */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_msg.h"
#include "nm_metrics.h"
#include "nm_url.h"
#include "parse_body.h"
#include "parse_date.h"
#include "parse_feed.h"
#include "parse_html.h"

typedef struct {
    nm_daemon_t d;
    void *in, *sink, *summarizer;
    parse_body_t *body;
    unsigned long long feeds, articles, failures, rejected;
} parser_t;

#define S(x) ((x) ? (x) : "")

static void send_outcome(parser_t *p, const Newsmill__Page *page, const char *reason)
{
    Newsmill__Outcome out = NEWSMILL__OUTCOME__INIT;
    out.ref = page->ref;
    out.kind = page->kind;
    out.url = page->url;
    out.feed_id = page->feed_id;
    out.class_ = NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT;
    out.http_status = page->http_status;
    out.stage = "parser";
    out.reason = (char *)reason;
    out.etag = page->etag;
    out.last_modified = page->last_modified;

    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_OUTCOME;
    env.outcome = &out;
    p->failures++;
    nm_log_job(NM_LOG_NOTICE, page->ref ? page->ref->job_id : 0, "%s: %s", page->url, reason);
    if (nm_msg_send(p->sink, &env, 0) < 0)
        nm_warn("outcome for %s not sent (%s); its lease will bring it back", page->url, zmq_strerror(errno));
}

static void handle_feed(parser_t *p, const Newsmill__Page *page)
{
    char err[256];
    const char *base = page->final_url && *page->final_url ? page->final_url : page->url;
    parse_feed_t *feed = parse_feed((const char *)page->body.data, page->body.len, base, err, sizeof err);
    if (!feed) {
        char reason[300];
        snprintf(reason, sizeof reason, "%s%s", strncmp(err, "not a feed", 10) ? "not a feed: " : "", err);
        send_outcome(p, page, reason);
        return;
    }

    Newsmill__FeedResult res = NEWSMILL__FEED_RESULT__INIT;
    res.ref = page->ref;
    res.feed_id = page->feed_id;
    res.url = page->url;
    res.format = S(feed->format);
    res.title = S(feed->title);
    res.link = S(feed->link);
    res.etag = page->etag;
    res.last_modified = page->last_modified;
    res.ttl = feed->ttl;
    res.max_age = page->max_age;
    res.n_errors = feed->nerrors;
    res.errors = feed->errors;

    Newsmill__FeedEntry *entries = nm_calloc(feed->nentries, sizeof *entries);
    Newsmill__FeedEntry **ptrs = nm_calloc(feed->nentries, sizeof *ptrs);
    size_t n = 0;
    for (size_t i = 0; i < feed->nentries; i++) {
        const parse_feed_entry_t *e = &feed->entries[i];
        if (!e->link || !nm_url_is_http(e->link))
            continue;   /* nothing to fetch */
        newsmill__feed_entry__init(&entries[n]);
        entries[n].id = S(e->id);
        entries[n].title = S(e->title);
        entries[n].link = e->link;
        entries[n].published = e->published;
        entries[n].updated = e->updated;
        entries[n].author = S(e->author);
        entries[n].summary = S(e->summary);
        entries[n].n_categories = e->ncategories;
        entries[n].categories = e->categories;
        ptrs[n] = &entries[n];
        n++;
    }
    res.n_entries = n;
    res.entries = ptrs;

    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_FEED_RESULT;
    env.feed_result = &res;
    if (nm_msg_send(p->sink, &env, 0) < 0)
        nm_warn("feed result for %s not sent (%s); its lease will bring it back", page->url, zmq_strerror(errno));
    else
        nm_log_job(NM_LOG_INFO, page->ref ? page->ref->job_id : 0, "feed %s: %zu entries, %zu errors",
                   page->url, n, feed->nerrors);
    p->feeds++;
    free(entries);
    free(ptrs);
    parse_feed_destroy(&feed);
}

static void handle_article(parser_t *p, const Newsmill__Page *page)
{
    char err[256];
    const char *base = page->final_url && *page->final_url ? page->final_url : page->url;
    parse_html_opts_t opts = { .max_bytes = (size_t)p->d.cfg.parser.max_html_bytes, .max_depth = 0 };
    double t0 = nm_metrics_clock();
    parse_article_t *a = parse_article((const char *)page->body.data, page->body.len, base,
                                       page->content_type, &opts, err, sizeof err);
    nm_metrics_observe("newsmill_extract_seconds", "Article extraction time, by result.",
                       a ? "result=\"article\"" : "result=\"rejected\"", nm_metrics_clock() - t0);
    if (!a) {
        char reason[300];
        snprintf(reason, sizeof reason, "%s%s", strncmp(err, "not an article", 14) ? "not an article: " : "", err);
        send_outcome(p, page, reason);
        return;
    }

    /* identity of the article: its declared canonical URL, else where we found it */
    char *canonical = nm_url_canonical(a->canonical_url ? a->canonical_url : base);
    if (!canonical)
        canonical = nm_url_canonical(page->url);
    char *host = a->site_name ? NULL : nm_url_host(canonical ? canonical : base);

    Newsmill__Block *blocks = nm_calloc(a->nblocks, sizeof *blocks);
    Newsmill__Block **bptrs = nm_calloc(a->nblocks, sizeof *bptrs);
    for (size_t i = 0; i < a->nblocks; i++) {
        newsmill__block__init(&blocks[i]);
        blocks[i].kind = a->blocks[i].kind;
        blocks[i].text = a->blocks[i].text;
        bptrs[i] = &blocks[i];
    }

    Newsmill__Article art = NEWSMILL__ARTICLE__INIT;
    art.url = page->url;
    art.final_url = (char *)base;
    art.canonical_url = canonical ? canonical : page->url;
    art.title = S(a->title);
    art.byline = S(a->byline);
    art.published_at = a->published_at;
    art.language = S(a->language);
    art.site_name = a->site_name ? a->site_name : S(host);
    art.text = a->text;
    art.word_count = a->word_count;
    art.fetched_at = page->fetched_at;
    art.n_blocks = a->nblocks;
    art.blocks = bptrs;

    Newsmill__ArticleResult res = NEWSMILL__ARTICLE_RESULT__INIT;
    res.ref = page->ref;
    res.feed_id = page->feed_id;
    res.article = &art;

    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT;
    env.article_result = &res;
    if (nm_msg_send(p->summarizer, &env, 0) < 0)
        nm_warn("article %s not sent (%s); its lease will bring it back", page->url, zmq_strerror(errno));
    else
        nm_log_job(NM_LOG_INFO, page->ref ? page->ref->job_id : 0, "article %s: \"%s\", %d words",
                   art.canonical_url, art.title, art.word_count);
    p->articles++;
    free(blocks);
    free(bptrs);
    free(canonical);
    free(host);
    parse_article_destroy(&a);
}

static void handle(parser_t *p, nm_envelope_t *env)
{
    if (env->body_case != NEWSMILL__ENVELOPE__BODY_PAGE || !env->page->ref || !env->page->url) {
        p->rejected++;
        nm_warn("rejected a %s message: the parser takes pages with a job reference", nm_msg_kind(env));
        return;
    }
    const Newsmill__Page *page = env->page;
    if (page->kind != NEWSMILL__JOB_KIND__JOB_KIND_FEED && page->kind != NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE) {
        p->rejected++;
        nm_warn("rejected a page of unknown job kind %d", (int)page->kind);
        return;
    }
    /* the same page with its body decoded (the envelope keeps owning the original) */
    Newsmill__Page dec = *page;
    const char *body = NULL;
    size_t len = 0;
    char err[256];
    if (parse_body_decode(p->body, page->content_encoding, page->body.data, page->body.len, &body, &len,
                          err, sizeof err) < 0) {
        send_outcome(p, page, err);
        return;
    }
    if (len == 0) {
        snprintf(err, sizeof err, "empty body (http %d)", (int)page->http_status);
        send_outcome(p, page, err);
        return;
    }
    dec.body.data = (uint8_t *)body;
    dec.body.len = len;
    if (page->kind == NEWSMILL__JOB_KIND__JOB_KIND_FEED)
        handle_feed(p, &dec);
    else
        handle_article(p, &dec);
}

int main(int argc, char **argv)
{
    parser_t p = { 0 };
    int rc = nm_daemon_start(&p.d, "parser", "Turns downloaded pages into feed entries and clean articles.", argc, argv);
    if (rc)
        return rc - 1;

    char err[512];
    const nm_config_t *cfg = &p.d.cfg;
    p.body = parse_body_new(cfg->fetcher.max_bytes > 0 ? (size_t)cfg->fetcher.max_bytes : 0);
    if (!(p.in = nm_sock_new_queue(p.d.zmq_ctx, ZMQ_PULL, cfg->parser.bind, true, cfg->zmq.page_hwm, cfg,
                                   err, sizeof err)) ||
        !(p.sink = nm_sock_new(p.d.zmq_ctx, ZMQ_PUSH, cfg->publisher.sink_endpoint, false, cfg, err, sizeof err)) ||
        !(p.summarizer = nm_sock_new(p.d.zmq_ctx, ZMQ_PUSH, cfg->parser.summarizer_endpoints, false, cfg, err, sizeof err))) {
        nm_err("%s", err);
        nm_sock_close(&p.in);
        nm_sock_close(&p.sink);
        parse_body_destroy(&p.body);
        nm_daemon_finish(&p.d);
        return 1;
    }
    nm_daemon_ready();
    nm_notice("ready: pages from %s", cfg->parser.bind);

    while (!nm_daemon_stopping()) {
        zmq_pollitem_t item = { p.in, 0, ZMQ_POLLIN, 0 };
        nm_daemon_watchdog();
        if (zmq_poll(&item, 1, 1000) <= 0)
            continue;
        nm_envelope_t *env = nm_msg_recv(p.in, (size_t)cfg->zmq.max_message_bytes, ZMQ_DONTWAIT, NULL, NULL, err, sizeof err);
        if (!env) {
            if (err[0]) {
                p.rejected++;
                nm_warn("rejected a message: %s", err);
            }
            continue;
        }
        handle(&p, env);
        nm_msg_free(&env);
        nm_daemon_status("feeds=%llu articles=%llu failures=%llu rejected=%llu",
                         p.feeds, p.articles, p.failures, p.rejected);
    }

    nm_notice("stopping: feeds=%llu articles=%llu failures=%llu rejected=%llu",
              p.feeds, p.articles, p.failures, p.rejected);
    nm_sock_close(&p.in);
    nm_sock_close(&p.sink);
    nm_sock_close(&p.summarizer);
    parse_body_destroy(&p.body);
    nm_daemon_finish(&p.d);
    return 0;
}

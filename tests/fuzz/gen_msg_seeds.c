/* gen_msg_seeds: writes one valid encoded Envelope per body type (and a few
 * edge cases) into DIR, as seeds for fuzz_msg. The committed seeds in
 * corpus/fuzz_msg/ were made with it; rerun after changing the .proto:
 *   build-fuzz/tests/fuzz/gen_msg_seeds tests/fuzz/corpus/fuzz_msg */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_msg.h"

static const char *g_dir;

static void put(const char *name, const nm_envelope_t *env)
{
    size_t len = newsmill__envelope__get_packed_size(env);
    unsigned char *buf = malloc(len ? len : 1);
    newsmill__envelope__pack(env, buf);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.pb", g_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_msg_seeds DIR\n");
        return 2;
    }
    g_dir = argv[1];
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    ref.job_id = 42;
    ref.lease_token = "6f1c2a9e-lease";
    ref.attempt = 1;

    nm_envelope_t env;
    nm_envelope_init(&env);
    Newsmill__WorkRequest wr = NEWSMILL__WORK_REQUEST__INIT;
    wr.fetcher_id = "host-1234";
    wr.free_slots = 16;
    wr.jobs_received = 7;
    env.body_case = NEWSMILL__ENVELOPE__BODY_WORK_REQUEST;
    env.work_request = &wr;
    put("work_request", &env);

    nm_envelope_init(&env);
    Newsmill__Job job = NEWSMILL__JOB__INIT;
    job.ref = &ref;
    job.kind = NEWSMILL__JOB_KIND__JOB_KIND_FEED;
    job.url = "https://news.example.com/feed.xml";
    job.feed_id = 3;
    job.etag = "\"abc\"";
    job.last_modified = "Sun, 13 Jul 2025 08:00:00 GMT";
    job.lease_expires_at = 1752400000;
    env.body_case = NEWSMILL__ENVELOPE__BODY_JOB;
    env.job = &job;
    put("job", &env);

    nm_envelope_init(&env);
    Newsmill__Page page = NEWSMILL__PAGE__INIT;
    static char html[] = "<html><head><title>T</title></head><body><article><p>Hello world. "
                         "A sentence.</p></article></body></html>";
    page.ref = &ref;
    page.kind = NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE;
    page.url = "https://news.example.com/a/1.html";
    page.final_url = "https://news.example.com/a/1.html?x=1";
    page.http_status = 200;
    page.content_type = "text/html; charset=utf-8";
    page.charset = "utf-8";
    page.body.data = (uint8_t *)html;
    page.body.len = sizeof html - 1;
    page.fetched_at = 1752400000;
    page.feed_id = 3;
    page.max_age = 300;
    env.body_case = NEWSMILL__ENVELOPE__BODY_PAGE;
    env.page = &page;
    put("page", &env);

    nm_envelope_init(&env);
    Newsmill__Outcome oc = NEWSMILL__OUTCOME__INIT;
    oc.ref = &ref;
    oc.kind = NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE;
    oc.url = "https://news.example.com/a/2.html";
    oc.class_ = NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT;
    oc.http_status = 503;
    oc.stage = "fetcher";
    oc.reason = "HTTP 503";
    oc.retry_after = 120;
    env.body_case = NEWSMILL__ENVELOPE__BODY_OUTCOME;
    env.outcome = &oc;
    put("outcome", &env);

    nm_envelope_init(&env);
    Newsmill__FeedEntry e1 = NEWSMILL__FEED_ENTRY__INIT, e2 = NEWSMILL__FEED_ENTRY__INIT;
    Newsmill__FeedEntry *entries[] = { &e1, &e2 };
    char *cats[] = { "China", "Trade" };
    char *errs[] = { "repaired a bare '&'" };
    e1.id = "urn:1";
    e1.title = "First";
    e1.link = "https://news.example.com/a/1.html";
    e1.published = 1752400000;
    e1.n_categories = 2;
    e1.categories = cats;
    e2.id = "urn:2";
    e2.title = "Second \xe2\x80\x94 with a dash";
    e2.link = "https://news.example.com/a/2.html";
    e2.summary = "<p>summary</p>";
    Newsmill__FeedResult fr = NEWSMILL__FEED_RESULT__INIT;
    fr.ref = &ref;
    fr.feed_id = 3;
    fr.url = "https://news.example.com/feed.xml";
    fr.format = "rss";
    fr.title = "Example News";
    fr.link = "https://news.example.com/";
    fr.n_entries = 2;
    fr.entries = entries;
    fr.n_errors = 1;
    fr.errors = errs;
    fr.ttl = 15;
    env.body_case = NEWSMILL__ENVELOPE__BODY_FEED_RESULT;
    env.feed_result = &fr;
    put("feed_result", &env);

    nm_envelope_init(&env);
    Newsmill__Block b1 = NEWSMILL__BLOCK__INIT, b2 = NEWSMILL__BLOCK__INIT;
    Newsmill__Block *blocks[] = { &b1, &b2 };
    b1.kind = "h2";
    b1.text = "A heading";
    b2.kind = "p";
    b2.text = "Beijing said on Sunday that talks would resume. Officials declined to comment.";
    Newsmill__Article art = NEWSMILL__ARTICLE__INIT;
    art.url = "https://news.example.com/a/1.html";
    art.canonical_url = "https://news.example.com/a/1.html";
    art.title = "Talks resume";
    art.byline = "A. Reporter";
    art.published_at = 1752400000;
    art.language = "en";
    art.site_name = "Example News";
    art.text = "A heading\n\nBeijing said on Sunday that talks would resume. Officials declined to comment.";
    art.word_count = 14;
    art.fetched_at = 1752400100;
    art.n_blocks = 2;
    art.blocks = blocks;
    art.final_url = art.url;
    Newsmill__ArticleResult ar = NEWSMILL__ARTICLE_RESULT__INIT;
    ar.ref = &ref;
    ar.feed_id = 3;
    ar.article = &art;
    env.body_case = NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT;
    env.article_result = &ar;
    put("article_result", &env);

    Newsmill__Summary su = NEWSMILL__SUMMARY__INIT;
    Newsmill__Summary *sums[] = { &su };
    char *topics[] = { "politics" };
    su.backend = "extractive";
    su.language = "en";
    su.summary = "Beijing said on Sunday that talks would resume.";
    su.n_topics = 1;
    su.topics = topics;
    su.tokens_used = 0;
    ar.n_summaries = 1;
    ar.summaries = sums;
    put("article_result_summary", &env);

    /* edge cases the receiver must reject */
    nm_envelope_init(&env);
    put("no_body", &env);
    env.version = 99;
    env.body_case = NEWSMILL__ENVELOPE__BODY_WORK_REQUEST;
    env.work_request = &wr;
    put("bad_version", &env);
    return 0;
}

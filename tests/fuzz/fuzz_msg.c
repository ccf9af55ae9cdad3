/* fuzz_msg: libFuzzer harness for message decoding: bytes arriving on a
 * real ZeroMQ socket (inproc PAIR made by nm_sock_new with the default
 * configuration) go through nm_msg_recv -- size cap, protobuf-c's
 * newsmill__envelope__unpack for every body type, version and body checks.
 *
 * Each input travels twice: as one frame, then split into two frames (which
 * must be rejected as multipart without desynchronising the socket), so raw
 * envelopes work as seeds unchanged. Checked: nothing arrives without either an envelope or a reason;
 * an accepted envelope has the known version and a body; every field a
 * consumer reads is readable (strings NUL-terminated, repeated fields as long
 * as their counts); re-encoding is stable (pack(unpack(pack(e))) == pack(e)),
 * so what a stage forwards is what it read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fuzz_util.h"
#include "nm_config.h"
#include "nm_msg.h"

static void *g_ctx, *g_tx, *g_rx;
static size_t g_max;
static volatile size_t g_sink;

static void s(const char *str)
{
    FUZZ_CHECK(str != NULL);   /* protobuf-c gives "" for absent strings */
    g_sink += strlen(str);
}

static void ref(const Newsmill__JobRef *r)
{
    if (r) {
        s(r->lease_token);
        g_sink += (size_t)r->job_id + (size_t)r->attempt;
    }
}

static void walk(const nm_envelope_t *e)
{
    switch (e->body_case) {
    case NEWSMILL__ENVELOPE__BODY_WORK_REQUEST:
        s(e->work_request->fetcher_id);
        break;
    case NEWSMILL__ENVELOPE__BODY_JOB:
        ref(e->job->ref); s(e->job->url); s(e->job->etag); s(e->job->last_modified);
        break;
    case NEWSMILL__ENVELOPE__BODY_PAGE: {
        const Newsmill__Page *p = e->page;
        ref(p->ref); s(p->url); s(p->final_url); s(p->content_type); s(p->charset);
        s(p->etag); s(p->last_modified); s(p->content_encoding);
        FUZZ_CHECK(p->body.len == 0 || p->body.data != NULL);
        for (size_t i = 0; i < p->body.len; i++)
            g_sink += p->body.data[i];
        break;
    }
    case NEWSMILL__ENVELOPE__BODY_OUTCOME: {
        const Newsmill__Outcome *o = e->outcome;
        ref(o->ref); s(o->url); s(o->stage); s(o->reason); s(o->etag); s(o->last_modified);
        break;
    }
    case NEWSMILL__ENVELOPE__BODY_FEED_RESULT: {
        const Newsmill__FeedResult *f = e->feed_result;
        ref(f->ref); s(f->url); s(f->format); s(f->title); s(f->link); s(f->etag); s(f->last_modified);
        for (size_t i = 0; i < f->n_entries; i++) {
            const Newsmill__FeedEntry *en = f->entries[i];
            FUZZ_CHECK(en != NULL);
            s(en->id); s(en->title); s(en->link); s(en->author); s(en->summary);
            for (size_t j = 0; j < en->n_categories; j++)
                s(en->categories[j]);
        }
        for (size_t i = 0; i < f->n_errors; i++)
            s(f->errors[i]);
        break;
    }
    case NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT: {
        const Newsmill__ArticleResult *r = e->article_result;
        ref(r->ref);
        if (r->article) {
            const Newsmill__Article *a = r->article;
            s(a->url); s(a->canonical_url); s(a->title); s(a->byline); s(a->language);
            s(a->site_name); s(a->text); s(a->final_url);
            for (size_t i = 0; i < a->n_blocks; i++) {
                FUZZ_CHECK(a->blocks[i] != NULL);
                s(a->blocks[i]->kind); s(a->blocks[i]->text);
            }
        }
        for (size_t i = 0; i < r->n_summaries; i++) {
            const Newsmill__Summary *su = r->summaries[i];
            FUZZ_CHECK(su != NULL);
            s(su->backend); s(su->language); s(su->title); s(su->summary);
            for (size_t j = 0; j < su->n_topics; j++)
                s(su->topics[j]);
        }
        break;
    }
    default:
        FUZZ_CHECK(!"accepted envelope without a known body");
    }
    s(nm_msg_kind(e));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    nm_config_t cfg;
    char err[256];
    unsetenv("NEWSMILL_CONFIG");
    FUZZ_CHECK(nm_config_load(&cfg, NULL, err, sizeof err) == 0);
    g_max = (size_t)cfg.zmq.max_message_bytes;
    g_ctx = zmq_ctx_new();
    g_rx = nm_sock_new(g_ctx, ZMQ_PAIR, "inproc://fuzz_msg", true, &cfg, err, sizeof err);
    g_tx = nm_sock_new(g_ctx, ZMQ_PAIR, "inproc://fuzz_msg", false, &cfg, err, sizeof err);
    FUZZ_CHECK(g_rx && g_tx);
    nm_config_free(&cfg);
    return 0;
}

/* Nothing may be left on the socket: the next message starts clean. */
static void check_drained(void)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    FUZZ_CHECK(zmq_msg_recv(&m, g_rx, ZMQ_DONTWAIT) < 0);
    zmq_msg_close(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > g_max + 16)
        return 0;

    /* 1. one frame: decoded or rejected with a reason */
    FUZZ_CHECK(zmq_send(g_tx, data, size, 0) == (int)size);
    char err[256] = "x";
    nm_envelope_t *env = nm_msg_recv(g_rx, g_max, 0, NULL, NULL, err, sizeof err);
    check_drained();
    if (!env) {
        FUZZ_CHECK(err[0] != '\0');   /* it arrived, so it was rejected for a reason */
        fuzz_utf8(err);
    } else {
        FUZZ_CHECK(env->version == NM_PROTO_VERSION);
        FUZZ_CHECK(env->body_case != NEWSMILL__ENVELOPE__BODY__NOT_SET);
        walk(env);

        size_t n1 = newsmill__envelope__get_packed_size(env);
        uint8_t *b1 = malloc(n1 ? n1 : 1);
        FUZZ_CHECK(newsmill__envelope__pack(env, b1) == n1);
        nm_envelope_t *again = newsmill__envelope__unpack(NULL, n1, b1);
        FUZZ_CHECK(again != NULL);
        size_t n2 = newsmill__envelope__get_packed_size(again);
        uint8_t *b2 = malloc(n2 ? n2 : 1);
        FUZZ_CHECK(newsmill__envelope__pack(again, b2) == n2);
        FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
        free(b1);
        free(b2);
        nm_msg_free(&again);
        nm_msg_free(&env);
        FUZZ_CHECK(env == NULL);
    }

    /* 2. the same bytes as two frames: always rejected, socket left in sync */
    if (size >= 2) {
        size_t cut = size / 2;
        FUZZ_CHECK(zmq_send(g_tx, data, cut, ZMQ_SNDMORE) == (int)cut);
        FUZZ_CHECK(zmq_send(g_tx, data + cut, size - cut, 0) == (int)(size - cut));
        err[0] = '\0';
        env = nm_msg_recv(g_rx, g_max, 0, NULL, NULL, err, sizeof err);
        FUZZ_CHECK(env == NULL && err[0] != '\0');
        check_drained();
    }
    return 0;
}

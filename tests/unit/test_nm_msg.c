/* nm_msg over real ZeroMQ sockets: round trip, size cap, hostile frames. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "nm_msg.h"
#include "nm_test.h"

static nm_envelope_t *recv_wait(void *s, size_t max, char *err, size_t errlen)
{
    zmq_pollitem_t it = { s, 0, ZMQ_POLLIN, 0 };
    err[0] = '\0';
    if (zmq_poll(&it, 1, 2000) <= 0)
        return NULL;
    return nm_msg_recv(s, max, ZMQ_DONTWAIT, NULL, NULL, err, errlen);
}

int main(void)
{
    nm_config_t cfg;
    char err[256];
    CHECK_INT(nm_config_load(&cfg, NULL, err, sizeof err), 0);
    cfg.zmq.max_message_bytes = 1 << 20;

    void *ctx = zmq_ctx_new();
    char ep[64];
    snprintf(ep, sizeof ep, "ipc:///tmp/nm-msg-test-%d", (int)getpid());
    void *pull = nm_sock_new(ctx, ZMQ_PULL, ep, true, &cfg, err, sizeof err);
    void *push = nm_sock_new(ctx, ZMQ_PUSH, ep, false, &cfg, err, sizeof err);
    CHECK(pull && push);

    /* a page survives the trip intact */
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    ref.job_id = 42;
    ref.lease_token = "tok";
    Newsmill__Page page = NEWSMILL__PAGE__INIT;
    page.ref = &ref;
    page.url = "http://example.com/a";
    page.body.data = (uint8_t *)"<html>hi</html>";
    page.body.len = 15;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_PAGE;
    env.page = &page;
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
    nm_envelope_t *got = recv_wait(pull, 1 << 20, err, sizeof err);
    CHECK(got != NULL);
    if (got) {
        CHECK_STR(nm_msg_kind(got), "page");
        CHECK_INT(got->page->ref->job_id, 42);
        CHECK_STR(got->page->ref->lease_token, "tok");
        CHECK_INT(got->page->body.len, 15);
        nm_msg_free(&got);
        CHECK(got == NULL);
    }

    /* unknown fields are dropped at every level, so what a stage re-sends is
     * what it understood. The Summary carries field number 0 in a two-byte
     * tag (81 00): protobuf-c accepts it, but re-encodes it as 01, which it
     * then refuses -- found by fuzz_msg. */
    static const unsigned char odd[] = {
        0x08, 0x01,                                     /* version 1 */
        0x90, 0x03, 0x05,                               /* unknown field 50 = 5 */
        0x7a, 0x2a,                                     /* article_result (42 bytes) */
        0x0a, 0x05, 0x08, 0x2a, 0x12, 0x01, 't',        /*   ref {42, "t"} */
        0x1a, 0x12,                                     /*   article (18 bytes) */
        0x0a, 0x08, 'h', 't', 't', 'p', ':', '/', '/', 'x', /* url */
        0x5a, 0x03, 0x0a, 0x01, 'p',                    /*     block {kind "p"} */
        0x98, 0x06, 0x01,                               /*     unknown field 99 = 1 (3 bytes) */
        0x22, 0x0d,                                     /*   summary (13 bytes) */
        0x0a, 0x01, 'x',                                /*     backend "x" */
        0x81, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,             /*     field 0, fixed64 */
    };
    CHECK_INT(zmq_send(push, odd, sizeof odd, 0), (int)sizeof odd);
    got = recv_wait(pull, 1 << 20, err, sizeof err);
    CHECK(got != NULL);
    if (got && got->body_case == NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT && got->article_result->article &&
        got->article_result->n_summaries == 1) {
        Newsmill__ArticleResult *ar = got->article_result;
        CHECK_INT(ar->ref->job_id, 42);
        CHECK_STR(ar->article->url, "http://x");
        CHECK_STR(ar->article->blocks[0]->kind, "p");
        CHECK_STR(ar->summaries[0]->backend, "x");
        CHECK_INT(got->base.n_unknown_fields + ar->article->base.n_unknown_fields +
                      ar->summaries[0]->base.n_unknown_fields, 0);
        size_t n = newsmill__envelope__get_packed_size(got);
        uint8_t *b = malloc(n);
        newsmill__envelope__pack(got, b);
        nm_envelope_t *again = newsmill__envelope__unpack(NULL, n, b);
        CHECK(again != NULL);   /* re-encoding what was received decodes again */
        if (again)
            newsmill__envelope__free_unpacked(again, NULL);
        free(b);
    } else {
        CHECK(!"the frame with unknown fields did not decode as an article result");
    }
    nm_msg_free(&got);

    /* hostile frames are rejected with a reason, not decoded blindly */
    static const unsigned char junk[] = { 0xff, 0xfe, 0x07, 0x80, 0x80, 0x80, 0x80, 0x10 };
    zmq_send(push, junk, sizeof junk, 0);
    CHECK(recv_wait(pull, 1 << 20, err, sizeof err) == NULL);
    CHECK(strstr(err, "decode") != NULL);

    zmq_send(push, "", 0, 0);
    CHECK(recv_wait(pull, 1 << 20, err, sizeof err) == NULL);
    CHECK(strstr(err, "empty") != NULL);

    nm_envelope_t nobody;
    nm_envelope_init(&nobody);
    CHECK_INT(nm_msg_send(push, &nobody, 0), 0);
    CHECK(recv_wait(pull, 1 << 20, err, sizeof err) == NULL);
    CHECK(strstr(err, "no body") != NULL);

    env.version = 7;
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
    CHECK(recv_wait(pull, 1 << 20, err, sizeof err) == NULL);
    CHECK(strstr(err, "version 7") != NULL);
    env.version = NM_PROTO_VERSION;

    zmq_send(push, "a", 1, ZMQ_SNDMORE);
    zmq_send(push, "b", 1, 0);
    CHECK(recv_wait(pull, 1 << 20, err, sizeof err) == NULL);
    CHECK(strstr(err, "multipart") != NULL);

    /* the receive-side size check (libzmq's MAXMSGSIZE drops larger frames
     * before we see them; this is the second line of defence) */
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
    CHECK(recv_wait(pull, 10, err, sizeof err) == NULL);
    CHECK(strstr(err, "exceeds") != NULL);

    /* a frame over ZMQ_MAXMSGSIZE never arrives; the next connection works */
    size_t big = (1 << 20) + 100;
    char *buf = calloc(1, big);
    zmq_send(push, buf, big, 0);
    free(buf);
    zmq_pollitem_t it = { pull, 0, ZMQ_POLLIN, 0 };
    CHECK_INT(zmq_poll(&it, 1, 500), 0);
    nm_sock_close(&push);
    CHECK(push == NULL);
    push = nm_sock_new(ctx, ZMQ_PUSH, ep, false, &cfg, err, sizeof err);
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
    got = recv_wait(pull, 1 << 20, err, sizeof err);
    CHECK(got != NULL);
    nm_msg_free(&got);

    /* bad endpoints fail with a reason */
    CHECK(nm_sock_new(ctx, ZMQ_PULL, "bogus://x", true, &cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "bogus://x") != NULL);

    nm_sock_close(&push);
    nm_sock_close(&pull);
    zmq_ctx_term(ctx);
    nm_config_free(&cfg);
    return nm_test_done();
}

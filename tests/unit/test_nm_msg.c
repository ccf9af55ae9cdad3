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

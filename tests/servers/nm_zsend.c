/* nm_zsend: push raw frames at a ZeroMQ endpoint, for tests of hostile
 * messages. usage: nm_zsend ENDPOINT KIND...
 * KIND: "garbage" (random-looking bytes), "empty" (zero-length frame),
 * "nobody" (a valid envelope with no body), "badversion" (version 99),
 * "multipart" (two frames), "page-nojob" (a page without a job reference). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "nm_msg.h"

static int send_env(void *s, nm_envelope_t *env)
{
    size_t len = newsmill__envelope__get_packed_size(env);
    unsigned char *buf = malloc(len ? len : 1);
    newsmill__envelope__pack(env, buf);
    int rc = zmq_send(s, buf, len, 0);
    free(buf);
    return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nm_zsend ENDPOINT garbage|empty|nobody|badversion|multipart|page-nojob...\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_PUSH);
    int linger = 2000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(s, argv[1]) != 0) {
        fprintf(stderr, "connect %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    int rc = 0;
    for (int i = 2; i < argc; i++) {
        nm_envelope_t env;
        nm_envelope_init(&env);
        if (!strcmp(argv[i], "garbage")) {
            static const unsigned char junk[] = { 0xff, 0xfe, 0x07, 0x80, 0x80, 0x80, 0x80, 0x10, 'x', 0 };
            rc |= zmq_send(s, junk, sizeof junk, 0) < 0;
        } else if (!strcmp(argv[i], "empty")) {
            rc |= zmq_send(s, "", 0, 0) < 0;
        } else if (!strcmp(argv[i], "nobody")) {
            rc |= send_env(s, &env);
        } else if (!strcmp(argv[i], "badversion")) {
            Newsmill__WorkRequest wr = NEWSMILL__WORK_REQUEST__INIT;
            env.version = 99;
            env.body_case = NEWSMILL__ENVELOPE__BODY_WORK_REQUEST;
            env.work_request = &wr;
            rc |= send_env(s, &env);
        } else if (!strcmp(argv[i], "multipart")) {
            rc |= zmq_send(s, "a", 1, ZMQ_SNDMORE) < 0;
            rc |= zmq_send(s, "b", 1, 0) < 0;
        } else if (!strcmp(argv[i], "page-nojob")) {
            Newsmill__Page page = NEWSMILL__PAGE__INIT;
            page.url = "http://example.invalid/";
            env.body_case = NEWSMILL__ENVELOPE__BODY_PAGE;
            env.page = &page;
            rc |= send_env(s, &env);
        } else {
            fprintf(stderr, "unknown kind %s\n", argv[i]);
            rc = 1;
        }
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc ? 1 : 0;
}

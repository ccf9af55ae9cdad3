#include "nm_msg.h"
#include "nm_buf.h"
#include "nm_curve.h"
#include "nm_metrics.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* Metrics: one atomic add per message; handles cached by message kind. */
enum { DIR_SENT, DIR_RECEIVED, DIR_SEND_FAILED, NDIR };
#define NKINDS 8

static int kind_index(const nm_envelope_t *env)
{
    switch (env->body_case) {
    case NEWSMILL__ENVELOPE__BODY_WORK_REQUEST: return 1;
    case NEWSMILL__ENVELOPE__BODY_JOB: return 2;
    case NEWSMILL__ENVELOPE__BODY_PAGE: return 3;
    case NEWSMILL__ENVELOPE__BODY_OUTCOME: return 4;
    case NEWSMILL__ENVELOPE__BODY_FEED_RESULT: return 5;
    case NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT: return 6;
    default: return 0;
    }
}

static void count_msg(int dir, const nm_envelope_t *env)
{
    static _Atomic(nm_series_t *) cache[NDIR][NKINDS];
    static const char *const names[NDIR] = { "newsmill_messages_sent_total",
                                             "newsmill_messages_received_total",
                                             "newsmill_messages_send_failed_total" };
    static const char *const help[NDIR] = { "Messages sent, by kind.",
                                            "Messages received and decoded, by kind.",
                                            "Messages that could not be sent (peer gone, high-water mark, timeout), by kind." };
    int k = kind_index(env);
    nm_series_t *c = atomic_load_explicit(&cache[dir][k], memory_order_acquire);
    if (!c) {
        char labels[64];
        snprintf(labels, sizeof labels, "kind=\"%s\"", nm_msg_kind(env));
        c = nm_counter(names[dir], help[dir], labels);
        atomic_store_explicit(&cache[dir][k], c, memory_order_release);
    }
    nm_counter_add(c, 1);
}

void nm_msg_count_rejected(const char *reason)
{
    char labels[96];
    snprintf(labels, sizeof labels, "reason=\"%s\"", reason);
    nm_metrics_inc("newsmill_messages_rejected_total",
                   "Messages received but rejected before use, by reason.", labels);
}

void nm_msg_hwm_from_budget(const nm_config_t *cfg, int *sndhwm, int *rcvhwm)
{
    /* ZeroMQ counts messages, not bytes: with a budget, cap each queue at
     * the number of typical messages a quarter of the budget holds (a
     * worker has about four queues). max_message_bytes bounds the worst case. */
    long budget = cfg->zmq.memory_budget_mb;
    long typical = cfg->zmq.typical_message_bytes > 0 ? cfg->zmq.typical_message_bytes : 65536;
    if (budget <= 0)
        return;
    long cap = budget * 1048576L / 4 / typical;
    if (cap < 16)
        cap = 16;
    if (*sndhwm <= 0 || *sndhwm > cap)
        *sndhwm = (int)cap;
    if (*rcvhwm <= 0 || *rcvhwm > cap)
        *rcvhwm = (int)cap;
}

void *nm_sock_new(void *ctx, int type, const char *endpoints, bool bind,
                  const nm_config_t *cfg, char *err, size_t errlen)
{
    return nm_sock_new_queue(ctx, type, endpoints, bind, 0, cfg, err, errlen);
}

void *nm_sock_new_queue(void *ctx, int type, const char *endpoints, bool bind, int hwm,
                        const nm_config_t *cfg, char *err, size_t errlen)
{
    void *s = zmq_socket(ctx, type);
    if (!s) {
        snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    int64_t maxmsg = cfg->zmq.max_message_bytes;
    int linger = 1000, sndhwm = cfg->zmq.sndhwm, rcvhwm = cfg->zmq.rcvhwm;
    nm_msg_hwm_from_budget(cfg, &sndhwm, &rcvhwm);
    if (hwm > 0)   /* before bind/connect: pipes take the marks they are made with */
        sndhwm = rcvhwm = hwm;
    int hb = cfg->zmq.heartbeat_ms, hbttl = hb * 3, sndtimeo = cfg->zmq.send_timeout_ms;
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
    if (hb > 0) {
        zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb);
        zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &hbttl, sizeof hbttl);
        zmq_setsockopt(s, ZMQ_HEARTBEAT_TTL, &hbttl, sizeof hbttl);
    }
    if (type == ZMQ_ROUTER) {
        int mandatory = 1;  /* a job for a vanished fetcher fails loudly, not silently */
        zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    }
    /* Security is decided here, once for every socket: CURVE on tcp://
     * when configured (nm_curve.h), nothing on ipc:// or inproc://. */
    if (cfg->curve.enabled && nm_curve_wanted(endpoints) &&
        nm_curve_setup(ctx, s, bind, cfg, err, errlen) < 0) {
        zmq_close(s);
        return NULL;
    }

    char *list = nm_strdup(endpoints ? endpoints : "");
    char *save = NULL;
    int n = 0;
    for (char *ep = strtok_r(list, ", ", &save); ep; ep = strtok_r(NULL, ", ", &save)) {
        int rc = bind ? zmq_bind(s, ep) : zmq_connect(s, ep);
        if (rc != 0) {
            snprintf(err, errlen, "%s %s: %s", bind ? "bind" : "connect", ep, zmq_strerror(zmq_errno()));
            free(list);
            zmq_close(s);
            return NULL;
        }
        n++;
    }
    free(list);
    if (n == 0) {
        snprintf(err, errlen, "no endpoint given");
        zmq_close(s);
        return NULL;
    }
    return s;
}

void nm_sock_close(void **sock_p)
{
    if (sock_p && *sock_p) {
        zmq_close(*sock_p);
        *sock_p = NULL;
    }
}

void nm_envelope_init(nm_envelope_t *env)
{
    newsmill__envelope__init(env);
    env->version = NM_PROTO_VERSION;
}

static void free_packed(void *data, void *hint)
{
    (void)hint;
    free(data);
}

int nm_msg_send_to(void *sock, const void *identity, size_t idlen,
                   const nm_envelope_t *env, int flags)
{
    size_t len = newsmill__envelope__get_packed_size(env);
    uint8_t *data = nm_malloc(len);
    newsmill__envelope__pack(env, data);

    if (identity && zmq_send(sock, identity, idlen, flags | ZMQ_SNDMORE) < 0) {
        free(data);
        return -1;
    }
    zmq_msg_t msg;
    zmq_msg_init_data(&msg, data, len, free_packed, NULL);  /* zero copy: zmq frees */
    if (zmq_msg_send(&msg, sock, flags) < 0) {
        int e = errno;
        zmq_msg_close(&msg);
        count_msg(DIR_SEND_FAILED, env);
        errno = e;
        return -1;
    }
    count_msg(DIR_SENT, env);
    return 0;
}

int nm_msg_send(void *sock, const nm_envelope_t *env, int flags)
{
    return nm_msg_send_to(sock, NULL, 0, env, flags);
}

struct nm_pending {
    zmq_msg_t msg;     /* owns the packed bytes (freed by zmq once sent) */
    size_t len;
    nm_envelope_t kind;   /* body_case only: for the counters */
};

nm_pending_t *nm_pending_new(const nm_envelope_t *env)
{
    nm_pending_t *p = nm_calloc(1, sizeof *p);
    p->len = newsmill__envelope__get_packed_size(env);
    uint8_t *data = nm_malloc(p->len);
    newsmill__envelope__pack(env, data);
    zmq_msg_init_data(&p->msg, data, p->len, free_packed, NULL);
    nm_envelope_init(&p->kind);
    p->kind.body_case = env->body_case;
    return p;
}

int nm_pending_send(void *sock, nm_pending_t **p_p, int flags)
{
    nm_pending_t *p = *p_p;
    /* On failure libzmq leaves the message (and its bytes) to us: kept for
     * the next try. EAGAIN is the expected "not now", not a failure. */
    if (zmq_msg_send(&p->msg, sock, flags) < 0) {
        int e = errno;
        if (e != EAGAIN)
            count_msg(DIR_SEND_FAILED, &p->kind);
        errno = e;
        return -1;
    }
    count_msg(DIR_SENT, &p->kind);
    zmq_msg_close(&p->msg);   /* now empty: the bytes are zmq's */
    free(p);
    *p_p = NULL;
    return 0;
}

size_t nm_pending_size(const nm_pending_t *p)
{
    return p->len;
}

void nm_pending_destroy(nm_pending_t **p_p)
{
    if (p_p && *p_p) {
        zmq_msg_close(&(*p_p)->msg);
        free(*p_p);
        *p_p = NULL;
    }
}

static void drain_more(void *sock)
{
    int more = 0;
    size_t sz = sizeof more;
    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        zmq_msg_recv(&m, sock, 0);
        zmq_msg_close(&m);
    }
}

/* Drop the fields this build does not know, in every nested message. A newer
 * peer's additions are ignored rather than forwarded, and what a stage
 * re-sends is exactly what it understood: protobuf-c accepts some unknown
 * tags (field number 0 in a two-byte varint) that it re-encodes in a form it
 * then refuses, so passing them on would let one bad frame poison the next
 * hop. The schema bounds the recursion, not the input. */
static void strip_unknown(ProtobufCMessage *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        free(m->unknown_fields[i].data);   /* unpack(NULL, ...) used the system allocator */
    free(m->unknown_fields);
    m->unknown_fields = NULL;
    m->n_unknown_fields = 0;

    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        char *base = (char *)m;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)(base + f->quantifier_offset);
            ProtobufCMessage **items = *(ProtobufCMessage ***)(base + f->offset);
            for (size_t k = 0; k < n; k++)
                strip_unknown(items[k]);
        } else {
            if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(uint32_t *)(base + f->quantifier_offset) != f->id)
                continue;   /* another member of the oneof is set */
            strip_unknown(*(ProtobufCMessage **)(base + f->offset));
        }
    }
}

nm_envelope_t *nm_msg_recv(void *sock, size_t max_bytes, int flags,
                           void *identity, size_t *idlen, char *err, size_t errlen)
{
    zmq_msg_t msg;
    err[0] = '\0';

    if (identity) {
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, flags) < 0) {
            zmq_msg_close(&msg);
            return NULL;
        }
        size_t n = zmq_msg_size(&msg);
        if (n > 255)
            n = 255;
        memcpy(identity, zmq_msg_data(&msg), n);
        *idlen = n;
        int more = zmq_msg_more(&msg);
        zmq_msg_close(&msg);
        if (!more) {
            snprintf(err, errlen, "empty message (identity only)");
            return NULL;
        }
        flags = 0;  /* the rest of a multipart message is already here */
    }

    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, flags) < 0) {
        zmq_msg_close(&msg);
        return NULL;
    }
    int more = zmq_msg_more(&msg);
    size_t len = zmq_msg_size(&msg);
    nm_envelope_t *env = NULL;

    const char *why = NULL;
    if (more) {
        drain_more(sock);
        snprintf(err, errlen, "unexpected multipart message");
        why = "multipart";
    } else if (max_bytes && len > max_bytes) {
        snprintf(err, errlen, "message of %zu bytes exceeds the %zu byte limit", len, max_bytes);
        why = "too_large";
    } else if (len == 0) {
        snprintf(err, errlen, "empty message");
        why = "empty";
    } else {
        env = newsmill__envelope__unpack(NULL, len, zmq_msg_data(&msg));
        if (!env) {
            snprintf(err, errlen, "not a newsmill envelope (%zu bytes failed to decode)", len);
            why = "undecodable";
        } else if (env->version != NM_PROTO_VERSION) {
            snprintf(err, errlen, "unknown envelope version %u", env->version);
            nm_msg_free(&env);
            why = "version";
        } else if (env->body_case == NEWSMILL__ENVELOPE__BODY__NOT_SET) {
            snprintf(err, errlen, "envelope with no body (unknown message type?)");
            nm_msg_free(&env);
            why = "no_body";
        } else {
            strip_unknown(&env->base);
        }
    }
    zmq_msg_close(&msg);
    if (env)
        count_msg(DIR_RECEIVED, env);
    else if (why)
        nm_msg_count_rejected(why);
    return env;
}

void nm_msg_free(nm_envelope_t **env_p)
{
    if (env_p && *env_p) {
        newsmill__envelope__free_unpacked(*env_p, NULL);
        *env_p = NULL;
    }
}

const char *nm_msg_kind(const nm_envelope_t *env)
{
    switch (env->body_case) {
    case NEWSMILL__ENVELOPE__BODY_WORK_REQUEST: return "work_request";
    case NEWSMILL__ENVELOPE__BODY_JOB: return "job";
    case NEWSMILL__ENVELOPE__BODY_PAGE: return "page";
    case NEWSMILL__ENVELOPE__BODY_OUTCOME: return "outcome";
    case NEWSMILL__ENVELOPE__BODY_FEED_RESULT: return "feed_result";
    case NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT: return "article_result";
    default: return "none";
    }
}

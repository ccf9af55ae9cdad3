#include "fetch_daemon.h"
#include "fetch.h"
#include "fetch_metrics.h"
#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define HEARTBEAT_MS 1000
#define MAX_JOB_URL 8192

/* A received Job waiting for a slot (only when the publisher overshoots). */
typedef struct queued {
    struct queued *next;
    nm_envelope_t *env;
} queued_t;

/* A finished page the parsers cannot take yet (all at their page_hwm): it
 * keeps its slot until sent, so the fetcher asks for less work instead of
 * piling pages up in memory. */
typedef struct held {
    struct held *next;
    nm_pending_t *msg;
    int64_t job_id;
    int64_t lease_expires_at;   /* unix seconds; past it the page is someone else's job */
} held_t;

struct fetch_daemon {
    const nm_config_t *cfg;
    void *dispatch, *pages, *sink;
    int dispatch_fd, pages_fd;
    fetch_engine_t *engine;
    char id[128];
    int concurrency;
    bool draining;
    queued_t *queue_head, *queue_tail;
    held_t *held_head, *held_tail;
    fetch_daemon_stats_t st;
    int64_t last_credit_ms;
    int64_t last_status_ms;
};

static const char *kind_name(Newsmill__JobKind k)
{
    return k == NEWSMILL__JOB_KIND__JOB_KIND_FEED ? "feed" :
           k == NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE ? "article" : "job";
}

/* protobuf-c packs "" but not NULL for proto3 strings. */
static char *s_or_empty(char *s)
{
    return s ? s : (char *)"";
}

static int free_slots(const fetch_daemon_t *f)
{
    if (f->draining)
        return 0;
    int n = f->concurrency - fetch_engine_active(f->engine) - f->st.queued - f->st.held;
    return n > 0 ? n : 0;
}

static void send_credits(fetch_daemon_t *f)
{
    Newsmill__WorkRequest wr = NEWSMILL__WORK_REQUEST__INIT;
    nm_envelope_t env;
    nm_envelope_init(&env);
    wr.fetcher_id = f->id;
    wr.free_slots = (uint32_t)free_slots(f);
    wr.jobs_received = f->st.jobs_received;
    env.body_case = NEWSMILL__ENVELOPE__BODY_WORK_REQUEST;
    env.work_request = &wr;
    /* Never block the loop on credits: a newer WorkRequest supersedes this one. */
    if (nm_msg_send(f->dispatch, &env, ZMQ_DONTWAIT) < 0)
        nm_debug("work request not sent: %s", zmq_strerror(errno));
    f->last_credit_ms = nm_now_ms();
}

/* Outcomes: small, and the sink is one publisher; a send that times out is
 * dropped (the lease brings the job back). Pages go through send_page. */
static void send_or_drop(fetch_daemon_t *f, void *sock, const nm_envelope_t *env, int64_t job_id)
{
    if (nm_msg_send(sock, env, 0) == 0) {
        f->st.outcomes_sent++;
        return;
    }
    f->st.send_failures++;
    nm_log_job(NM_LOG_WARNING, job_id, "could not send %s (%s); dropped, the lease will bring the job back",
               nm_msg_kind(env), zmq_strerror(errno));
}

static void held_pop(fetch_daemon_t *f)
{
    held_t *h = f->held_head;
    f->held_head = h->next;
    if (!f->held_head)
        f->held_tail = NULL;
    f->st.held--;
    nm_pending_destroy(&h->msg);
    free(h);
}

/* Send held pages, oldest first, while the parsers take them; drop those
 * whose lease has run out (the publisher has handed the job out again). */
static void flush_held(fetch_daemon_t *f)
{
    int64_t now = nm_time_s();
    while (f->held_head) {
        held_t *h = f->held_head;
        if (h->lease_expires_at > 0 && now > h->lease_expires_at) {
            f->st.send_failures++;
            nm_log_job(NM_LOG_WARNING, h->job_id, "page not taken by any parser before its lease expired; "
                       "dropped, the lease brings the job back");
            held_pop(f);
            continue;
        }
        if (nm_pending_send(f->pages, &h->msg, ZMQ_DONTWAIT) == 0) {
            f->st.pages_sent++;
            held_pop(f);
            continue;
        }
        if (errno != EAGAIN && errno != EINTR) {
            f->st.send_failures++;
            nm_log_job(NM_LOG_WARNING, h->job_id, "could not send page (%s); dropped, the lease will "
                       "bring the job back", zmq_strerror(errno));
            held_pop(f);
            continue;
        }
        break;   /* the parsers are full: wait for the pages socket */
    }
}

/* A page goes out now if a parser can take it and nothing older waits,
 * else it is held (in order). Never blocks the loop. */
static void send_page(fetch_daemon_t *f, const nm_envelope_t *env, int64_t job_id, int64_t lease_expires_at)
{
    nm_pending_t *msg = nm_pending_new(env);
    if (!f->held_head) {
        if (nm_pending_send(f->pages, &msg, ZMQ_DONTWAIT) == 0) {
            f->st.pages_sent++;
            return;
        }
        if (errno != EAGAIN && errno != EINTR) {
            f->st.send_failures++;
            nm_log_job(NM_LOG_WARNING, job_id, "could not send page (%s); dropped, the lease will bring "
                       "the job back", zmq_strerror(errno));
            nm_pending_destroy(&msg);
            return;
        }
    }
    held_t *h = nm_calloc(1, sizeof *h);
    h->msg = msg;
    h->job_id = job_id;
    h->lease_expires_at = lease_expires_at;
    if (f->held_tail)
        f->held_tail->next = h;
    else
        f->held_head = h;
    f->held_tail = h;
    f->st.held++;
}

static Newsmill__OutcomeClass outcome_class(fetch_class_t c)
{
    switch (c) {
    case FETCH_NOT_MODIFIED: return NEWSMILL__OUTCOME_CLASS__OUTCOME_NOT_MODIFIED;
    case FETCH_TRANSIENT: return NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT;
    default: return NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT;
    }
}

static void on_done(fetch_result_t *r, void *ctx)
{
    fetch_daemon_t *f = ctx;
    fetch_metrics_done(r);
    nm_envelope_t *jenv = r->user;
    Newsmill__Job *job = jenv->job;
    nm_envelope_t env;
    nm_envelope_init(&env);

    if (r->cls == FETCH_PAGE) {
        Newsmill__Page p = NEWSMILL__PAGE__INIT;
        p.ref = job->ref;
        p.kind = job->kind;
        p.url = s_or_empty(job->url);
        p.final_url = s_or_empty(r->final_url);
        p.http_status = (int32_t)r->http_status;
        p.content_type = s_or_empty(r->content_type);
        p.charset = s_or_empty(r->charset);
        p.body.data = (uint8_t *)r->body.data;
        p.body.len = r->body.len;
        p.etag = s_or_empty(r->etag);
        p.last_modified = s_or_empty(r->last_modified);
        p.fetched_at = r->fetched_at;
        p.feed_id = job->feed_id;
        p.max_age = r->max_age;
        p.content_encoding = s_or_empty(r->content_encoding);
        env.body_case = NEWSMILL__ENVELOPE__BODY_PAGE;
        env.page = &p;
        send_page(f, &env, r->id, job->lease_expires_at);
    } else {
        Newsmill__Outcome o = NEWSMILL__OUTCOME__INIT;
        o.ref = job->ref;
        o.kind = job->kind;
        o.url = s_or_empty(job->url);
        o.feed_id = job->feed_id;
        o.class_ = outcome_class(r->cls);
        o.http_status = (int32_t)r->http_status;
        o.stage = (char *)"fetcher";
        o.reason = r->reason;
        o.retry_after = r->retry_after;
        if (r->cls == FETCH_NOT_MODIFIED) {
            o.etag = s_or_empty(r->etag);
            o.last_modified = s_or_empty(r->last_modified);
        }
        env.body_case = NEWSMILL__ENVELOPE__BODY_OUTCOME;
        env.outcome = &o;
        send_or_drop(f, f->sink, &env, r->id);
    }
    f->st.done++;
    nm_log_job(r->cls == FETCH_TRANSIENT ? NM_LOG_NOTICE : NM_LOG_INFO, r->id,
               "%s %s -> %s: %s (%ld ms)", kind_name(job->kind), job->url,
               fetch_class_name(r->cls), r->reason, r->elapsed_ms);
    nm_msg_free(&jenv);
}

static void start_job(fetch_daemon_t *f, nm_envelope_t *env)
{
    Newsmill__Job *job = env->job;
    fetch_request_t req = {
        .id = job->ref->job_id,
        .user = env,
        .url = job->url,
        .etag = job->etag,
        .last_modified = job->last_modified,
        /* past its lease the job is someone else's: don't spend the host's patience on it */
        .start_before = job->lease_expires_at,
    };
    char err[256];
    if (fetch_engine_add(f->engine, &req, err, sizeof err) < 0) {
        /* libcurl itself failed; the lease brings the job back to someone. */
        nm_log_job(NM_LOG_ERR, req.id, "cannot start transfer: %s", err);
        nm_msg_free(&env);
    }
}

static void start_queued(fetch_daemon_t *f)
{
    while (f->queue_head && fetch_engine_active(f->engine) + f->st.held < f->concurrency) {
        queued_t *q = f->queue_head;
        f->queue_head = q->next;
        if (!f->queue_head)
            f->queue_tail = NULL;
        f->st.queued--;
        start_job(f, q->env);
        free(q);
    }
}

static void take_job(fetch_daemon_t *f, nm_envelope_t *env)
{
    Newsmill__Job *job = env->job;
    if (!job->ref || !job->url || !*job->url || strlen(job->url) > MAX_JOB_URL) {
        f->st.rejected++;
        nm_warn("rejected a job without a ref or with a missing or over-long url");
        nm_msg_free(&env);
        return;
    }
    if (f->draining) {
        /* Asked for nothing; starting now would only delay the exit. */
        nm_log_job(NM_LOG_INFO, job->ref->job_id, "shutting down: job left to its lease");
        nm_msg_free(&env);
        return;
    }
    queued_t *q = nm_calloc(1, sizeof *q);
    q->env = env;
    if (f->queue_tail)
        f->queue_tail->next = q;
    else
        f->queue_head = q;
    f->queue_tail = q;
    f->st.queued++;
    if (fetch_engine_active(f->engine) >= f->concurrency)
        nm_log_job(NM_LOG_WARNING, job->ref->job_id, "job beyond our %d slots: queued", f->concurrency);
}

static void receive_jobs(fetch_daemon_t *f)
{
    char err[256];
    for (int i = 0; i < 1000; i++) {
        nm_envelope_t *env = nm_msg_recv(f->dispatch, (size_t)f->cfg->zmq.max_message_bytes,
                                         ZMQ_DONTWAIT, NULL, NULL, err, sizeof err);
        if (!env) {
            if (!err[0])
                return;   /* nothing more */
            f->st.rejected++;
            nm_warn("dispatch: rejected message: %s", err);
            continue;
        }
        if (env->body_case != NEWSMILL__ENVELOPE__BODY_JOB) {
            f->st.rejected++;
            nm_warn("dispatch: unexpected %s message ignored", nm_msg_kind(env));
            nm_msg_free(&env);
            continue;
        }
        f->st.jobs_received++;
        take_job(f, env);
    }
}

fetch_daemon_t *fetch_daemon_new(const nm_config_t *cfg, void *zmq_ctx, char *err, size_t errlen)
{
    fetch_daemon_t *f = nm_calloc(1, sizeof *f);
    f->cfg = cfg;
    f->concurrency = cfg->fetcher.concurrency > 0 ? cfg->fetcher.concurrency : 1;
    f->dispatch_fd = f->pages_fd = -1;
    if (cfg->fetcher.id && *cfg->fetcher.id) {
        snprintf(f->id, sizeof f->id, "%s", cfg->fetcher.id);
    } else {
        char host[64] = "localhost";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        snprintf(f->id, sizeof f->id, "%s-%ld", host, (long)getpid());
    }

    if (cfg->zmq.max_message_bytes > 0 && cfg->fetcher.max_bytes > cfg->zmq.max_message_bytes - 65536)
        nm_warn("fetcher.max_bytes (%ld) leaves no room under zmq.max_message_bytes (%ld): "
                "parsers will drop the largest pages", cfg->fetcher.max_bytes, cfg->zmq.max_message_bytes);

    fetch_settings_t s;
    fetch_settings_from_config(&s, cfg);
    s.pass_encoded = cfg->fetcher.pass_encoded;   /* parsers decode (parser/parse_body.h) */
    f->engine = fetch_engine_new(&s, on_done, f, err, errlen);
    if (!f->engine)
        goto fail;

    char why[256];
    f->dispatch = nm_sock_new(zmq_ctx, ZMQ_DEALER, cfg->publisher.dispatch_endpoint, false, cfg, why, sizeof why);
    if (!f->dispatch) {
        snprintf(err, errlen, "dispatch socket: %s", why);
        goto fail;
    }
    f->pages = nm_sock_new_queue(zmq_ctx, ZMQ_PUSH, cfg->fetcher.parser_endpoints, false, cfg->zmq.page_hwm,
                                 cfg, why, sizeof why);
    if (!f->pages) {
        snprintf(err, errlen, "parser socket: %s", why);
        goto fail;
    }
    f->sink = nm_sock_new(zmq_ctx, ZMQ_PUSH, cfg->publisher.sink_endpoint, false, cfg, why, sizeof why);
    if (!f->sink) {
        snprintf(err, errlen, "sink socket: %s", why);
        goto fail;
    }
    size_t fdlen = sizeof f->dispatch_fd;
    if (zmq_getsockopt(f->dispatch, ZMQ_FD, &f->dispatch_fd, &fdlen) < 0)
        f->dispatch_fd = -1;   /* we still work, polling at the step timeout */
    fdlen = sizeof f->pages_fd;
    if (zmq_getsockopt(f->pages, ZMQ_FD, &f->pages_fd, &fdlen) < 0)
        f->pages_fd = -1;
    send_credits(f);
    return f;
fail:
    fetch_daemon_destroy(&f);
    return NULL;
}

static void drop_job(void *user, void *ctx)
{
    nm_envelope_t *env = user;
    if (env && env->job && env->job->ref)
        nm_log_job(NM_LOG_INFO, env->job->ref->job_id, "abandoned at shutdown; left to its lease");
    nm_msg_free(&env);
}

void fetch_daemon_destroy(fetch_daemon_t **f_p)
{
    fetch_daemon_t *f = f_p ? *f_p : NULL;
    if (!f)
        return;
    if (f->engine)   /* transfers still running are abandoned to their leases */
        fetch_engine_cancel_all(f->engine, drop_job, f);
    fetch_engine_destroy(&f->engine);
    while (f->queue_head) {
        queued_t *q = f->queue_head;
        f->queue_head = q->next;
        nm_msg_free(&q->env);
        free(q);
    }
    while (f->held_head)
        held_pop(f);
    nm_sock_close(&f->dispatch);
    nm_sock_close(&f->pages);
    nm_sock_close(&f->sink);
    free(f);
    *f_p = NULL;
}

const char *fetch_daemon_id(const fetch_daemon_t *f)
{
    return f->id;
}

void fetch_daemon_step(fetch_daemon_t *f, int timeout_ms)
{
    /* ZMQ_FD is edge-triggered: drain the socket before every wait. */
    receive_jobs(f);
    flush_held(f);
    start_queued(f);
    /* the pages socket's fd too while pages wait, so a parser taking one
     * wakes us (its fd is edge-triggered as well: flush_held just looked) */
    int fds[2], nfds = 0;
    if (f->dispatch_fd >= 0)
        fds[nfds++] = f->dispatch_fd;
    if (f->held_head && f->pages_fd >= 0)
        fds[nfds++] = f->pages_fd;
    int held_before = f->st.held;
    int finished = fetch_engine_poll(f->engine, fds, nfds, f->held_head ? (timeout_ms < 100 ? timeout_ms : 100)
                                                                        : timeout_ms);
    flush_held(f);
    if (f->st.held < held_before)
        finished++;   /* slots freed by pages that went out */
    start_queued(f);

    /* Finished work means free slots: say so now rather than at the heartbeat. */
    int64_t now = nm_now_ms();
    if ((finished > 0 && free_slots(f) > 0) || now - f->last_credit_ms >= HEARTBEAT_MS)
        send_credits(f);

    nm_daemon_watchdog();
    if (now - f->last_status_ms >= 1000) {
        f->last_status_ms = now;
        nm_daemon_status("active=%d waiting_for_host=%d queued=%d held=%d done=%llu pages=%llu outcomes=%llu rejected=%llu",
                         fetch_engine_active(f->engine), fetch_engine_waiting(f->engine), f->st.queued, f->st.held,
                         (unsigned long long)f->st.done, (unsigned long long)f->st.pages_sent,
                         (unsigned long long)f->st.outcomes_sent, (unsigned long long)f->st.rejected);
    }
}

void fetch_daemon_drain(fetch_daemon_t *f, int max_ms)
{
    f->draining = true;
    send_credits(f);
    while (f->queue_head) {   /* never started: their leases bring them back */
        queued_t *q = f->queue_head;
        f->queue_head = q->next;
        nm_msg_free(&q->env);
        free(q);
    }
    f->queue_tail = NULL;
    f->st.queued = 0;
    fetch_engine_cancel_waiting(f->engine, drop_job, f);   /* not started: same as queued */
    int64_t deadline = nm_now_ms() + max_ms;
    nm_notice("stopping: %d transfers in flight, waiting up to %d ms",
              fetch_engine_active(f->engine), max_ms);
    while ((fetch_engine_active(f->engine) > 0 || f->held_head) && nm_now_ms() < deadline) {
        receive_jobs(f);
        flush_held(f);
        fetch_engine_poll(f->engine, f->held_head && f->pages_fd >= 0 ? &f->pages_fd : NULL,
                          f->held_head && f->pages_fd >= 0 ? 1 : 0, 100);
        nm_daemon_watchdog();
    }
    flush_held(f);
    if (fetch_engine_active(f->engine) > 0 || f->held_head)
        nm_notice("stopping with %d transfers unfinished and %d pages unsent (their leases bring them back)",
                  fetch_engine_active(f->engine), f->st.held);
    while (f->held_head)
        held_pop(f);
}

void fetch_daemon_stats(const fetch_daemon_t *f, fetch_daemon_stats_t *out)
{
    *out = f->st;
    out->running = fetch_engine_active(f->engine);
}

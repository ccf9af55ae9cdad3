/* newsmill-publisher: leases due jobs to fetchers that ask for work, and
 * stores everything that comes back (DESIGN.md, "Delivery").
 *
 * dispatch (ROUTER, bound): WorkRequest in -> Job out, on credit (pub_peers)
 * sink (PULL, bound): Outcome / FeedResult / ArticleResult -> pub_db
 * PostgreSQL is the truth: a job sent to a vanished fetcher, or a result lost
 * while the database is away, comes back when its lease expires. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_msg.h"
#include "pub_daily.h"
#include "pub_db.h"
#include "pub_peers.h"
#include "pub_retention.h"
#include "pub_metrics.h"
#include "nm_metrics.h"

#define POLL_MS 250            /* loop tick; also the fastest due-job poll */
#define PEER_TIMEOUT_MS 10000  /* a fetcher silent this long is forgotten */
#define SINK_BATCH 256         /* results handled per tick before dispatching again */
#define DRAIN_MS 1500          /* on SIGTERM: how long to keep storing queued results */

typedef struct {
    nm_daemon_t d;
    pub_db_t *db;
    pub_peers_t *peers;
    void *router, *sink;
    int64_t next_lease_ms;
    uint64_t sent, send_failed, stored, stale, rejected, failed;
} publisher_t;

static void handle_work_request(publisher_t *p, const unsigned char *id, size_t idlen,
                                const nm_envelope_t *env)
{
    const Newsmill__WorkRequest *wr = env->work_request;
    int64_t credit = pub_peers_request(p->peers, id, idlen, wr->fetcher_id, wr->free_slots,
                                       wr->jobs_received, nm_now_ms());
    if (credit < 0)
        nm_warn("work request from '%s' ignored: too many fetchers", wr->fetcher_id ? wr->fetcher_id : "");
}

static void read_dispatch(publisher_t *p)
{
    for (int i = 0; i < SINK_BATCH; i++) {
        unsigned char id[PUB_PEER_ID_MAX];
        size_t idlen = 0;
        char err[256] = "";
        nm_envelope_t *env = nm_msg_recv(p->router, (size_t)p->d.cfg.zmq.max_message_bytes,
                                         ZMQ_DONTWAIT, id, &idlen, err, sizeof err);
        if (!env) {
            if (!err[0])
                return;
            p->rejected++;
            nm_warn("dispatch: rejected message: %s", err);
            continue;
        }
        if (env->body_case == NEWSMILL__ENVELOPE__BODY_WORK_REQUEST)
            handle_work_request(p, id, idlen, env);
        else {
            p->rejected++;
            nm_warn("dispatch: rejected %s message: only work requests belong here", nm_msg_kind(env));
        }
        nm_msg_free(&env);
    }
}

/* What became of a result: metrics, counters, a warning on failure. */
static void account(publisher_t *p, const nm_envelope_t *env, int rc, const char *err)
{
    nm_metrics_inc("newsmill_results_total", "Results from the sink, by what became of them.",
                   rc == PUB_DB_OK ? "outcome=\"stored\"" : rc == PUB_DB_STALE ? "outcome=\"stale\"" : "outcome=\"failed\"");
    if (rc == PUB_DB_OK)
        p->stored++;
    else if (rc == PUB_DB_STALE)
        p->stale++;
    else {
        p->failed++;
        nm_warn("sink: %s not stored: %s", nm_msg_kind(env), err);
    }
}

static void store(publisher_t *p, nm_envelope_t *env)
{
    char err[512] = "";
    int rc;
    switch (env->body_case) {
    case NEWSMILL__ENVELOPE__BODY_OUTCOME:
        rc = pub_db_outcome(p->db, env->outcome, err, sizeof err);
        break;
    case NEWSMILL__ENVELOPE__BODY_FEED_RESULT:
        rc = pub_db_feed_result(p->db, env->feed_result, err, sizeof err);
        if (rc == PUB_DB_OK)
            p->next_lease_ms = 0;   /* its new entries are due now: lease without waiting a tick */
        break;
    case NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT:
        rc = pub_db_article_result(p->db, env->article_result, err, sizeof err);
        break;
    default:
        p->rejected++;
        nm_warn("sink: rejected %s message: not a result", nm_msg_kind(env));
        return;
    }
    account(p, env, rc, err);
}

/* Article results that arrived together are stored in transactions of up
 * to PUB_DB_BATCH_MAX (pub_db_article_batch): one BEGIN, story lock and
 * COMMIT for all of them. Frees what it stores; *n is 0 after. */
static void store_articles(publisher_t *p, nm_envelope_t **pend, size_t *n)
{
    size_t done = 0;
    while (done < *n) {
        const Newsmill__ArticleResult *res[PUB_DB_BATCH_MAX];
        pub_db_rc_t out[PUB_DB_BATCH_MAX];
        size_t k = *n - done < PUB_DB_BATCH_MAX ? *n - done : PUB_DB_BATCH_MAX;
        for (size_t i = 0; i < k; i++)
            res[i] = pend[done + i]->article_result;
        size_t h = pub_db_article_batch(p->db, res, k, out);
        for (size_t i = 0; i < h; i++) {
            account(p, pend[done + i], out[i].rc, out[i].err);
            nm_msg_free(&pend[done + i]);
        }
        done += h;
    }
    *n = 0;
}

/* Retention: one batch every five minutes, one a second while a backlog lasts. */
static void prune(publisher_t *p)
{
    static int64_t next_ms;
    int64_t now = nm_now_ms();
    if (p->d.cfg.publisher.retention_days <= 0 || now < next_ms)
        return;
    char err[256] = "";
    int64_t n = pub_retention_prune(p->db, p->d.cfg.publisher.retention_days, 1000, err, sizeof err);
    if (n < 0)
        nm_warn("retention: %s", err);
    else if (n > 0)
        nm_info("retention: deleted %" PRId64 " finished jobs older than %d days", n,
                p->d.cfg.publisher.retention_days);
    next_ms = now + (n >= 1000 ? 1000 : 300000);
}

/* Returns how many messages were handled. */
static int read_sink(publisher_t *p)
{
    int n = 0;
    nm_envelope_t *pend[PUB_DB_BATCH_MAX];   /* article results waiting to be stored together */
    size_t np = 0;
    for (; n < SINK_BATCH; n++) {
        /* With the database away, results wait in the socket, not in a
         * failed transaction. */
        if (pub_db_ensure(p->db) < 0)
            break;
        char err[256] = "";
        nm_envelope_t *env = nm_msg_recv(p->sink, (size_t)p->d.cfg.zmq.max_message_bytes,
                                         ZMQ_DONTWAIT, NULL, NULL, err, sizeof err);
        if (!env) {
            if (!err[0])
                break;
            p->rejected++;
            nm_warn("sink: rejected message: %s", err);
            continue;
        }
        if (env->body_case == NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT) {
            pend[np++] = env;
            if (np == PUB_DB_BATCH_MAX)
                store_articles(p, pend, &np);
            continue;
        }
        store_articles(p, pend, &np);   /* in arrival order */
        store(p, env);
        nm_msg_free(&env);
    }
    store_articles(p, pend, &np);
    return n;
}

static int send_job(publisher_t *p, pub_peer_t *peer, const pub_job_t *j)
{
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    ref.job_id = j->id;
    ref.lease_token = (char *)j->lease_token;
    ref.attempt = j->attempt;
    Newsmill__Job job = NEWSMILL__JOB__INIT;
    job.ref = &ref;
    job.kind = j->kind == PUB_JOB_FEED ? NEWSMILL__JOB_KIND__JOB_KIND_FEED : NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE;
    job.url = j->url;
    job.feed_id = j->feed_id;
    job.etag = j->etag ? j->etag : "";
    job.last_modified = j->last_modified ? j->last_modified : "";
    job.lease_expires_at = j->lease_expires_at;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_JOB;
    env.job = &job;
    return nm_msg_send_to(p->router, peer->id, peer->idlen, &env, ZMQ_DONTWAIT);
}

/* Lease for peers with credit until they are satisfied or nothing is due.
 * The database is asked at most once per POLL_MS when nothing was due. */
static void dispatch(publisher_t *p)
{
    int64_t now = nm_now_ms();
    if (now < p->next_lease_ms)
        return;
    pub_peer_t *peer;
    while ((peer = pub_peers_next(p->peers)) != NULL) {
        int want = (int)(peer->credit < p->d.cfg.publisher.lease_batch ? peer->credit
                                                                       : p->d.cfg.publisher.lease_batch);
        if (want <= 0)
            want = 1;
        pub_job_t *jobs = NULL;
        size_t n = 0;
        char err[512] = "";
        if (pub_db_lease(p->db, peer->owner, want, p->d.cfg.publisher.lease_seconds, &jobs, &n,
                         err, sizeof err) < 0) {
            nm_warn("lease failed: %s", err);
            p->next_lease_ms = now + POLL_MS;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            if (send_job(p, peer, &jobs[i]) == 0) {
                pub_peers_sent(peer);
                p->sent++;
                nm_log_job(NM_LOG_DEBUG, jobs[i].id, "leased to %s (attempt %d): %s", peer->owner,
                           jobs[i].attempt, jobs[i].url);
            } else {
                /* peer gone or full: the lease brings the job back */
                p->send_failed++;
                nm_log_job(NM_LOG_INFO, jobs[i].id, "could not send to %s: %s", peer->owner,
                           zmq_strerror(errno));
                peer->credit = 0;
            }
        }
        pub_jobs_free(&jobs, n);
        if ((int)n < want) {
            p->next_lease_ms = now + POLL_MS;   /* nothing more due right now */
            return;
        }
    }
}

static int connect_db(publisher_t *p)
{
    pub_policy_t policy;
    pub_policy_from_config(&policy, &p->d.cfg);
    int delay_ms = 250;
    while (!nm_daemon_stopping()) {
        char err[512] = "";
        p->db = pub_db_new(p->d.cfg.database.url, &policy, err, sizeof err);
        if (p->db) {
            int n = pub_db_migrate(p->db, NULL, NULL, err, sizeof err);
            if (n >= 0) {
                nm_notice("database ready (%d migrations applied)", n);
                return 0;
            }
            nm_err("migration failed: %s", err);
            pub_db_destroy(&p->db);
            return -1;   /* a broken schema is not something retrying fixes */
        }
        nm_warn("%s (retrying in %d ms)", err, delay_ms);
        nm_daemon_status("waiting for PostgreSQL");
        nm_daemon_watchdog();
        usleep((useconds_t)delay_ms * 1000);
        delay_ms = delay_ms * 2 > 10000 ? 10000 : delay_ms * 2;
    }
    return -1;
}

static void report(publisher_t *p, int64_t *last_ms)
{
    int64_t now = nm_now_ms();
    if (now - *last_ms < 5000)
        return;
    *last_ms = now;
    nm_daemon_status("%zu fetchers, %" PRId64 " credit; sent %" PRIu64 ", stored %" PRIu64
                     ", stale %" PRIu64 ", rejected %" PRIu64 ", failed %" PRIu64,
                     pub_peers_count(p->peers), pub_peers_credit(p->peers), p->sent, p->stored,
                     p->stale, p->rejected, p->failed);
}

int main(int argc, char **argv)
{
    publisher_t p;
    memset(&p, 0, sizeof p);
    int rc = nm_daemon_start(&p.d, "publisher",
                             "Leases due jobs to fetchers and stores results in PostgreSQL.",
                             argc, argv);
    if (rc)
        return rc - 1;
    int status = 1;
    char err[512] = "";
    pub_metrics_register(&p.d.cfg);   /* database gauges, queried at scrape time */
    if (connect_db(&p) < 0) {
        status = nm_daemon_stopping() ? 0 : 1;
        goto out;
    }
    p.router = nm_sock_new(p.d.zmq_ctx, ZMQ_ROUTER, p.d.cfg.publisher.dispatch_endpoint, true,
                           &p.d.cfg, err, sizeof err);
    if (!p.router) {
        nm_err("dispatch socket: %s", err);
        goto out;
    }
    p.sink = nm_sock_new(p.d.zmq_ctx, ZMQ_PULL, p.d.cfg.publisher.sink_endpoint, true,
                         &p.d.cfg, err, sizeof err);
    if (!p.sink) {
        nm_err("sink socket: %s", err);
        goto out;
    }
    p.peers = pub_peers_new(1024);
    nm_notice("dispatch on %s, sink on %s", p.d.cfg.publisher.dispatch_endpoint,
              p.d.cfg.publisher.sink_endpoint);
    /* story pass and the scheduled daily digest (pub_daily.h) */
    pub_daily_sched_t *digest_sched = pub_daily_sched_new(&p.d.cfg);
    nm_daemon_ready();

    int64_t last_report = 0;
    bool was_active = false;
    while (!nm_daemon_stopping()) {
        bool active = pub_db_leader(p.db) == 1;
        if (active != was_active) {
            if (active)
                nm_notice("active: this publisher holds the lock");
            else
                nm_notice("standby: another publisher is active (or the database is away)");
            was_active = active;
        }
        zmq_pollitem_t items[2] = {
            { p.router, 0, ZMQ_POLLIN, 0 },
            /* a standby leaves results queued (and must not spin on them) */
            { p.sink, 0, active ? ZMQ_POLLIN : 0, 0 },
        };
        /* the tick also paces the due-job poll while credit waits */
        if (zmq_poll(items, 2, POLL_MS) < 0 && errno != EINTR) {
            nm_err("zmq_poll: %s", zmq_strerror(errno));
            break;
        }
        if (items[0].revents & ZMQ_POLLIN)
            read_dispatch(&p);
        pub_peers_expire(p.peers, nm_now_ms(), PEER_TIMEOUT_MS);
        if (active) {
            if (items[1].revents & ZMQ_POLLIN)
                read_sink(&p);
            dispatch(&p);
            pub_daily_sched_tick(digest_sched, p.db);
            prune(&p);
        }
        nm_daemon_watchdog();
        report(&p, &last_report);
    }

    /* Stop leasing; store what already arrived, briefly. */
    nm_notice("stopping: draining results");
    int64_t until = nm_now_ms() + DRAIN_MS;
    while (was_active && nm_now_ms() < until) {
        zmq_pollitem_t item = { p.sink, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, 100) <= 0)
            break;
        if (read_sink(&p) == 0)
            break;
    }
    nm_notice("stopped: sent %" PRIu64 ", stored %" PRIu64 ", stale %" PRIu64 ", rejected %" PRIu64,
              p.sent, p.stored, p.stale, p.rejected);
    pub_daily_sched_destroy(&digest_sched);   /* waits for a digest build in progress */
    status = 0;
out:
    nm_sock_close(&p.router);
    nm_sock_close(&p.sink);
    pub_peers_destroy(&p.peers);
    pub_db_destroy(&p.db);
    nm_daemon_finish(&p.d);
    return status;
}

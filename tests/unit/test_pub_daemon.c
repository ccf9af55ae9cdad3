/* newsmill-publisher as a process: a fake fetcher asks for work on the
 * dispatch socket and pushes results to the sink; the database shows what
 * the publisher did. Needs NEWSMILL_TEST_PG and NM_BUILD_DIR (ctest sets it). */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "nm_daemon.h"
#include "nm_msg.h"
#include "nm_test.h"
#include "pub_db.h"

static PGconn *adm;

static long sqln(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long sqln(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    PGresult *r = PQexecParams(adm, sql, 0, NULL, NULL, NULL, NULL, 0);
    long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    else if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "SQL failed: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    return v;
}

/* Wait up to 5 s for a count query to reach want. */
static long wait_count(long want, const char *sql)
{
    long v = -1;
    for (int i = 0; i < 100; i++) {
        v = sqln("%s", sql);
        if (v == want)
            break;
        usleep(50000);
    }
    return v;
}

static void work_request(void *dealer, uint32_t free_slots, uint64_t received)
{
    Newsmill__WorkRequest wr = NEWSMILL__WORK_REQUEST__INIT;
    wr.fetcher_id = "test-fetcher";
    wr.free_slots = free_slots;
    wr.jobs_received = received;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_WORK_REQUEST;
    env.work_request = &wr;
    CHECK_INT(nm_msg_send(dealer, &env, 0), 0);
}

/* A Job within timeout_ms, or NULL. */
static nm_envelope_t *recv_job(void *dealer, int timeout_ms)
{
    zmq_pollitem_t it = { dealer, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&it, 1, timeout_ms) <= 0)
        return NULL;
    char err[256] = "";
    nm_envelope_t *env = nm_msg_recv(dealer, 1 << 20, 0, NULL, NULL, err, sizeof err);
    CHECK(env != NULL);
    if (env)
        CHECK_INT(env->body_case, NEWSMILL__ENVELOPE__BODY_JOB);
    return env;
}

int main(void)
{
    const char *base = getenv("NEWSMILL_TEST_PG");
    const char *build = getenv("NM_BUILD_DIR");
    if (!base || !*base || !build) {
        fprintf(stderr, "test_pub_daemon: NEWSMILL_TEST_PG and NM_BUILD_DIR must be set"
                        " (run through tests/run.sh / ctest)\n");
        return 1;
    }
    char bin[1024], dbname[64], admin[1024], conninfo[1024], sql[256];
    snprintf(bin, sizeof bin, "%s/publisher/newsmill-publisher", build);
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "test_pub_daemon: %s not built\n", bin);
        return 1;
    }
    snprintf(dbname, sizeof dbname, "nm_test_pub_daemon_%d", (int)getpid());
    snprintf(admin, sizeof admin, "%s dbname=postgres", base);
    snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base, dbname);
    PGconn *c = PQconnectdb(admin);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "test_pub_daemon: cannot connect: %s", PQerrorMessage(c));
        return 1;
    }
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    PQclear(PQexec(c, sql));

    /* schema and work before the daemon starts */
    char err[512];
    pub_db_t *db = pub_db_new(conninfo, NULL, err, sizeof err);
    CHECK(db != NULL);
    if (!db)
        return nm_test_done();
    CHECK(pub_db_migrate(db, NULL, NULL, err, sizeof err) >= 1);
    int64_t feed_id = 0;
    bool created = false;
    CHECK_INT(pub_db_feed_add(db, "https://feeds.example.com/world.xml", NULL, 600, &feed_id, &created,
                              err, sizeof err), 0);
    pub_db_destroy(&db);
    adm = PQconnectdb(conninfo);

    char dispatch[128], sink[128];
    snprintf(dispatch, sizeof dispatch, "ipc:///tmp/nm-pubtest-%d-dispatch", (int)getpid());
    snprintf(sink, sizeof sink, "ipc:///tmp/nm-pubtest-%d-sink", (int)getpid());
    pid_t pid = fork();
    if (pid == 0) {
        setenv("NEWSMILL_DATABASE_URL", conninfo, 1);
        setenv("NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT", dispatch, 1);
        setenv("NEWSMILL_PUBLISHER_SINK_ENDPOINT", sink, 1);
        setenv("NEWSMILL_LOG_LEVEL", "warning", 1);
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }

    nm_config_t cfg;
    nm_config_load(&cfg, NULL, err, sizeof err);
    void *ctx = zmq_ctx_new();
    void *dealer = nm_sock_new(ctx, ZMQ_DEALER, dispatch, false, &cfg, err, sizeof err);
    void *push = nm_sock_new(ctx, ZMQ_PUSH, sink, false, &cfg, err, sizeof err);
    CHECK(dealer && push);
    if (!dealer || !push)
        return nm_test_done();

    /* one slot: exactly one job, whichever is due first */
    nm_envelope_t *j1 = NULL;
    for (int i = 0; i < 50 && !j1; i++) {   /* the daemon may still be starting */
        work_request(dealer, 1, 0);
        j1 = recv_job(dealer, 200);
    }
    CHECK(j1 != NULL);
    if (!j1)
        goto stop;
    CHECK(recv_job(dealer, 700) == NULL);   /* no credit left: nothing more */
    Newsmill__Job *feed = j1->job;
    CHECK_INT(feed->kind, NEWSMILL__JOB_KIND__JOB_KIND_FEED);
    CHECK_INT(feed->feed_id, feed_id);
    CHECK_STR(feed->url, "https://feeds.example.com/world.xml");
    CHECK_INT(feed->ref->attempt, 1);
    CHECK(feed->lease_expires_at > nm_time_s());
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE state = 'leased' AND lease_owner = 'test-fetcher'"), 1);

    /* the feed's entries become article jobs */
    Newsmill__FeedEntry e1 = NEWSMILL__FEED_ENTRY__INIT, e2 = NEWSMILL__FEED_ENTRY__INIT;
    Newsmill__FeedEntry *ents[2] = { &e1, &e2 };
    e1.link = "https://www.example.com/news/1";
    e1.title = "First";
    e2.link = "https://www.example.com/news/2";
    Newsmill__FeedResult fr = NEWSMILL__FEED_RESULT__INIT;
    fr.ref = feed->ref;
    fr.feed_id = feed_id;
    fr.entries = ents;
    fr.n_entries = 2;
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_FEED_RESULT;
    env.feed_result = &fr;
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
    CHECK_INT(wait_count(2, "SELECT count(*) FROM jobs WHERE kind = 'article' AND state = 'pending'"), 2);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE kind = 'feed' AND state = 'pending' AND attempt = 0"), 1);

    /* garbage on the sink is rejected, not fatal */
    CHECK(zmq_send(push, "not protobuf", 12, 0) == 12);

    /* 5 free slots, 1 received: 2 article jobs come */
    work_request(dealer, 5, 1);
    nm_envelope_t *a1 = recv_job(dealer, 3000), *a2 = recv_job(dealer, 3000);
    CHECK(a1 && a2);
    if (!a1 || !a2)
        goto stop;
    CHECK_INT(a1->job->kind, NEWSMILL__JOB_KIND__JOB_KIND_ARTICLE);

    /* an article result and a permanent outcome */
    Newsmill__Article art = NEWSMILL__ARTICLE__INIT;
    art.url = a1->job->url;
    art.title = "Stored";
    art.text = "Body text.";
    art.word_count = 2;
    Newsmill__ArticleResult ar = NEWSMILL__ARTICLE_RESULT__INIT;
    ar.ref = a1->job->ref;
    ar.article = &art;
    env.body_case = NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT;
    env.article_result = &ar;
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
    Newsmill__Outcome o = NEWSMILL__OUTCOME__INIT;
    o.ref = a2->job->ref;
    o.class_ = NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT;
    o.http_status = 404;
    o.stage = "fetcher";
    o.reason = "not found";
    env.body_case = NEWSMILL__ENVELOPE__BODY_OUTCOME;
    env.outcome = &o;
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
    CHECK_INT(wait_count(1, "SELECT count(*) FROM articles WHERE title = 'Stored'"), 1);
    CHECK_INT(wait_count(1, "SELECT count(*) FROM jobs WHERE state = 'failed'"), 1);
    CHECK_INT(sqln("SELECT count(*) FROM jobs WHERE state = 'done'"), 1);

    /* the same result again is stale: still one article, job still done */
    env.body_case = NEWSMILL__ENVELOPE__BODY_ARTICLE_RESULT;
    env.article_result = &ar;   /* body is a union: outcome replaced it */
    art.text = "Replayed text.";
    CHECK_INT(nm_msg_send(push, &env, 0), 0);
    usleep(500000);
    CHECK_INT(sqln("SELECT count(*) FROM articles WHERE text = 'Body text.'"), 1);

    /* PostgreSQL drops the publisher's connection: it reconnects and
     * hands out work again (what was in hand at that moment may be lost) */
    CHECK(sqln("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
               " WHERE datname = current_database() AND pid <> pg_backend_pid()") >= 1);
    sqln("UPDATE jobs SET next_attempt = now() - interval '1 minute' WHERE kind = 'feed'");
    nm_envelope_t *j2 = NULL;
    for (int i = 0; i < 30 && !j2; i++) {
        work_request(dealer, 1, 3);
        j2 = recv_job(dealer, 200);
    }
    CHECK(j2 != NULL);
    if (j2) {
        CHECK_INT(j2->job->kind, NEWSMILL__JOB_KIND__JOB_KIND_FEED);
        CHECK_INT(j2->job->ref->attempt, 1);
        nm_msg_free(&j2);
    }
    CHECK(kill(pid, 0) == 0);   /* still running */

    nm_msg_free(&a1);
    nm_msg_free(&a2);
    nm_msg_free(&j1);

stop:
    kill(pid, SIGTERM);
    int status = -1;
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        usleep(50000);
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!WIFEXITED(status)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    nm_sock_close(&dealer);
    nm_sock_close(&push);
    zmq_ctx_term(ctx);
    nm_config_free(&cfg);
    unlink(dispatch + strlen("ipc://"));   /* the daemon's bound socket files */
    unlink(sink + strlen("ipc://"));
    PQfinish(adm);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    return nm_test_done();
}

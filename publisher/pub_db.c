#include "pub_db.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_url.h"
#include "pub_feeds.h"
#include "pub_migrations.h"
#include "pub_story.h"

/* Whole migration run is serialized across processes (publisher, standby,
 * `newsmill db migrate`) by this advisory lock key ("newsmill" in ASCII). */
#define PUB_MIGRATE_LOCK "7882829341436644716"
/* Held for its whole session by the active publisher; a standby waits. */
#define PUB_LEADER_LOCK "7882829341436644717"

#define PUB_MAX_ENTRIES 2000      /* entries stored from one feed document */
#define PUB_MAX_TOPICS 32
#define PUB_REASON_CHARS 500      /* last_error is cut in SQL (by characters) */
#define PUB_MAX_TS 253402300799LL /* 9999-12-31: anything later is garbage */
#define PUB_PREP_MAX 32           /* prepared statements per connection (qp) */

struct pub_db {
    char *conninfo;
    PGconn *conn;
    pub_policy_t policy;
    int64_t next_try_ms;      /* reconnect not before this */
    int backoff_ms;
    pub_db_stats_t stats;
    bool leader;              /* this session holds PUB_LEADER_LOCK */
    void *ext;                /* pub_db_set_ext */
    void (*ext_free)(void *);
    /* statements prepared on this connection (qp): nm_pK runs prep_sql[K] */
    const char *prep_key[PUB_PREP_MAX];
    char *prep_sql[PUB_PREP_MAX];
    int nprep;
};

void *pub_db_ext(pub_db_t *db) { return db->ext; }

void pub_db_set_ext(pub_db_t *db, void *ext, void (*free_fn)(void *))
{
    if (db->ext && db->ext_free && db->ext != ext)
        db->ext_free(db->ext);
    db->ext = ext;
    db->ext_free = free_fn;
}

void pub_policy_from_config(pub_policy_t *p, const nm_config_t *cfg)
{
    p->lease_seconds = cfg->publisher.lease_seconds > 0 ? cfg->publisher.lease_seconds : 120;
    p->max_attempts = cfg->publisher.max_attempts > 0 ? cfg->publisher.max_attempts : 5;
    p->backoff_base_seconds = cfg->publisher.backoff_base_seconds > 0 ? cfg->publisher.backoff_base_seconds : 30;
    p->backoff_max_seconds = cfg->publisher.backoff_max_seconds > 0 ? cfg->publisher.backoff_max_seconds : 3600;
    p->feed_poll_seconds = cfg->publisher.feed_poll_seconds > 0 ? cfg->publisher.feed_poll_seconds : 900;
    p->feed_error_poll_seconds = cfg->publisher.feed_error_poll_seconds > 0
                                     ? cfg->publisher.feed_error_poll_seconds : 3600;
    p->feed_min_poll_seconds = cfg->publisher.feed_min_poll_seconds > 0 ? cfg->publisher.feed_min_poll_seconds : 300;
    p->feed_max_poll_seconds = cfg->publisher.feed_max_poll_seconds > 0 ? cfg->publisher.feed_max_poll_seconds : 21600;
    if (p->feed_max_poll_seconds < p->feed_min_poll_seconds)
        p->feed_max_poll_seconds = p->feed_min_poll_seconds;
    p->jitter = true;
    p->unsafe_no_fencing = cfg->publisher.unsafe_disable_fencing;
    p->story_window_days = cfg->digest.story_window_days;
    p->story_max_hamming = cfg->digest.story_max_hamming;
}

int pub_backoff_seconds(const pub_policy_t *p, int attempt, int retry_after)
{
    long delay = p->backoff_base_seconds > 0 ? p->backoff_base_seconds : 1;
    for (int i = 1; i < attempt && delay < p->backoff_max_seconds; i++)
        delay *= 2;
    if (delay > p->backoff_max_seconds)
        delay = p->backoff_max_seconds;
    if (p->jitter) {
        /* 0.5 .. 1.5: retries of jobs that failed together spread out */
        double f = 0.5 + (double)random() / ((double)RAND_MAX + 1.0);
        delay = (long)((double)delay * f);
    }
    if (delay < 1)
        delay = 1;
    if (retry_after > 0 && retry_after <= 7 * 86400 && delay < retry_after)
        delay = retry_after;
    return (int)delay;
}

/* ---------------------------------------------------------------- connection */

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* libpq messages span lines and indent with tabs; we want one line */
    char *w = err;
    for (char *p = err; *p; p++) {
        char ch = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
        if (ch == ' ' && (w == err || w[-1] == ' '))
            continue;
        *w++ = ch;
    }
    while (w > err && w[-1] == ' ')
        w--;
    *w = '\0';
}

static void quiet_notice(void *arg, const char *message) { (void)arg; (void)message; }

static void prep_forget(pub_db_t *db)
{
    for (int k = 0; k < db->nprep; k++)
        free(db->prep_sql[k]);
    db->nprep = 0;
}

static int connect_now(pub_db_t *db, char *err, size_t errlen)
{
    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    prep_forget(db);   /* prepared statements die with the session */
    db->leader = false;   /* session locks die with the session */
    db->conn = PQconnectdb(db->conninfo);
    if (!db->conn)
        nm_oom();
    if (PQstatus(db->conn) != CONNECTION_OK) {
        set_err(err, errlen, "cannot connect to PostgreSQL: %s", PQerrorMessage(db->conn));
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    /* Notices (e.g. "relation already exists, skipping") are not for users. */
    PQsetNoticeProcessor(db->conn, quiet_notice, NULL);
    /* Our prepared statements look rows up by key: their generic plan is
     * the custom one. PostgreSQL would still plan every execution afresh
     * (custom plans win its cost comparison by the planning they include),
     * ~9% of the backend's CPU per article (bench/RESULTS.md, round 3).
     * Unnamed statements (PQexecParams) are planned per call regardless. */
    PGresult *r = PQexec(db->conn, "SET plan_cache_mode = force_generic_plan");
    PQclear(r);
    return 0;
}

pub_db_t *pub_db_new(const char *conninfo, const pub_policy_t *policy, char *err, size_t errlen)
{
    pub_db_t *db = nm_calloc(1, sizeof *db);
    db->conninfo = nm_strdup(conninfo ? conninfo : "");
    if (policy) {
        db->policy = *policy;
    } else {
        nm_config_t cfg;
        memset(&cfg, 0, sizeof cfg);
        pub_policy_from_config(&db->policy, &cfg);
    }
    db->backoff_ms = 250;
    if (connect_now(db, err, errlen) < 0) {
        pub_db_destroy(&db);
        return NULL;
    }
    return db;
}

void pub_db_destroy(pub_db_t **db_p)
{
    if (!db_p || !*db_p)
        return;
    pub_db_t *db = *db_p;
    if (db->conn)
        PQfinish(db->conn);
    pub_db_set_ext(db, NULL, NULL);
    prep_forget(db);
    free(db->conninfo);
    free(db);
    *db_p = NULL;
}

int pub_db_ensure(pub_db_t *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    int64_t now = nm_now_ms();
    if (now < db->next_try_ms)
        return -1;
    char err[512];
    if (connect_now(db, err, sizeof err) < 0) {
        nm_warn("database: %s (retry in %d ms)", err, db->backoff_ms);
        db->next_try_ms = now + db->backoff_ms;
        db->backoff_ms = db->backoff_ms * 2 > 30000 ? 30000 : db->backoff_ms * 2;
        return -1;
    }
    db->stats.reconnects++;
    db->backoff_ms = 250;
    db->next_try_ms = 0;
    nm_notice("database: reconnected");
    return 0;
}

PGconn *pub_db_conn(pub_db_t *db)
{
    return pub_db_ensure(db) == 0 ? db->conn : NULL;
}

const pub_policy_t *pub_db_policy(const pub_db_t *db) { return &db->policy; }
pub_db_stats_t pub_db_stats(const pub_db_t *db) { return db->stats; }

/* A statement's result if it succeeded, else NULL (r cleared) with the
 * server's reason in err. */
static PGresult *checked(pub_db_t *db, PGresult *r, char *err, size_t errlen)
{
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    set_err(err, errlen, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
    if (err && !err[0])
        set_err(err, errlen, "%s", PQerrorMessage(db->conn));
    PQclear(r);
    return NULL;
}

/* Run one parameterized statement. Returns the result (caller PQclear) or
 * NULL with a reason in err. */
static PGresult *q(pub_db_t *db, const char *sql, int n, const char *const *params,
                   char *err, size_t errlen)
{
    if (!db->conn) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return NULL;
    }
    return checked(db, PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0), err, errlen);
}

/* The name sql is prepared under on this session (nm_pK), preparing it
 * first if needed (outside any pipeline). Returns 0, 1 when the table is
 * full (run it unprepared), -1 with err. */
static int prep_name(pub_db_t *db, const char *sql, int n, char name[16], char *err, size_t errlen)
{
    int k = 0;
    while (k < db->nprep && !(db->prep_key[k] == sql && strcmp(db->prep_sql[k], sql) == 0))
        k++;
    if (k == db->nprep)
        for (k = 0; k < db->nprep && strcmp(db->prep_sql[k], sql) != 0; k++)
            ;
    if (k == db->nprep) {
        if (k == PUB_PREP_MAX)
            return 1;
        snprintf(name, 16, "nm_p%d", k);
        PGresult *r = checked(db, PQprepare(db->conn, name, sql, n, NULL), err, errlen);
        if (!r)
            return -1;
        PQclear(r);
        db->prep_sql[k] = nm_strdup(sql);
        db->nprep++;
    }
    db->prep_key[k] = sql;
    snprintf(name, 16, "nm_p%d", k);
    return 0;
}

/* ---------------------------------------------------------------- pipelines
 *
 * Several statements in one round trip (libpq pipeline mode): a result's
 * write used to cost eight round trips, and each one costs PostgreSQL a
 * message cycle (read, portal, ReadyForQuery, send) and the publisher a
 * wakeup. The statements run in order up to the first error; the rest are
 * skipped by the server (the transaction is then aborted: the caller rolls
 * back, as after any failed statement). */
typedef struct {
    const char *sql;
    int n;
    const char *p[16];
    PGresult *r;              /* the result when it succeeded (pl_clear) */
} pl_t;

static void pl_clear(pl_t *s, int ns)
{
    for (int i = 0; i < ns; i++) {
        PQclear(s[i].r);
        s[i].r = NULL;
    }
}

/* The connection is in a state we cannot reason about: start over. */
static void drop_conn(pub_db_t *db)
{
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
    prep_forget(db);
    db->leader = false;
}

/* Run s[0..ns) (all prepared once per session) in one pipeline. Returns 0
 * when every statement succeeded, else -1 with the first error in err;
 * s[i].r holds each successful statement's result either way. */
static int pl_run(pub_db_t *db, pl_t *s, int ns, char *err, size_t errlen)
{
    if (!db->conn) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return -1;
    }
    char names[16][16];
    bool named[16];
    assert(ns <= 16);
    for (int i = 0; i < ns; i++) {
        s[i].r = NULL;
        int rc = prep_name(db, s[i].sql, s[i].n, names[i], err, errlen);
        if (rc < 0)
            return -1;
        named[i] = rc == 0;
    }
    if (!PQenterPipelineMode(db->conn)) {
        set_err(err, errlen, "pipeline: %s", PQerrorMessage(db->conn));
        return -1;
    }
    int sent = 0, rc = 0;
    for (; sent < ns; sent++) {
        int ok = named[sent] ? PQsendQueryPrepared(db->conn, names[sent], s[sent].n, s[sent].p, NULL, NULL, 0)
                             : PQsendQueryParams(db->conn, s[sent].sql, s[sent].n, NULL, s[sent].p, NULL, NULL, 0);
        if (!ok) {
            set_err(err, errlen, "%s", PQerrorMessage(db->conn));
            rc = -1;
            break;
        }
    }
    if (!PQpipelineSync(db->conn)) {
        if (rc == 0)
            set_err(err, errlen, "%s", PQerrorMessage(db->conn));
        drop_conn(db);
        return -1;
    }
    for (int i = 0; i < sent; i++) {
        PGresult *r = PQgetResult(db->conn);
        if (!r)
            break;   /* connection trouble: seen below */
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            s[i].r = r;
        } else {
            if (rc == 0 && st != PGRES_PIPELINE_ABORTED)
                set_err(err, errlen, "%s", PQresultErrorMessage(r));
            rc = -1;
            PQclear(r);
        }
        while ((r = PQgetResult(db->conn)) != NULL)   /* end of this statement */
            PQclear(r);
    }
    PGresult *r = PQgetResult(db->conn);
    bool synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
    if (!synced || !PQexitPipelineMode(db->conn)) {
        if (rc == 0)
            set_err(err, errlen, "pipeline: %s", PQerrorMessage(db->conn));
        if (err && !err[0])
            set_err(err, errlen, "pipeline: lost the connection");
        pl_clear(s, ns);
        drop_conn(db);
        return -1;
    }
    if (rc < 0 && err && !err[0])
        set_err(err, errlen, "pipeline: a statement failed");
    return rc;
}

/* q for the statements run for every result: prepared once per session
 * (parsed and planned once, not on every call: bench/RESULTS.md, round 2).
 * Keyed by the text, so any string is safe; the pointer is a fast path. */
static PGresult *qp(pub_db_t *db, const char *sql, int n, const char *const *params,
                    char *err, size_t errlen)
{
    if (!db->conn) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return NULL;
    }
    char name[16];
    int rc = prep_name(db, sql, n, name, err, errlen);
    if (rc < 0)
        return NULL;
    if (rc > 0)
        return q(db, sql, n, params, err, errlen);
    return checked(db, PQexecPrepared(db->conn, name, n, params, NULL, NULL, 0), err, errlen);
}

/* For statements whose result we do not need: 0, or -1 if r is NULL. */
static int cleared(PGresult *r)
{
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

static int xp(pub_db_t *db, const char *sql, int n, const char *const *params, char *err, size_t errlen)
{
    return cleared(qp(db, sql, n, params, err, errlen));
}

PGresult *pub_db_query_prepared(pub_db_t *db, const char *sql, int n, const char *const *params,
                                char *err, size_t errlen)
{
    if (pub_db_ensure(db) < 0) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return NULL;
    }
    return qp(db, sql, n, params, err, errlen);
}

/* Statement whose result we do not need. */
static int x(pub_db_t *db, const char *sql, int n, const char *const *params, char *err, size_t errlen)
{
    return cleared(q(db, sql, n, params, err, errlen));
}

/* BEGIN and COMMIT are prepared too: unnamed, each was parsed again. */
static int begin(pub_db_t *db, char *err, size_t errlen) { return xp(db, "BEGIN", 0, NULL, err, errlen); }
static int commit(pub_db_t *db, char *err, size_t errlen) { return xp(db, "COMMIT", 0, NULL, err, errlen); }
static void rollback(pub_db_t *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK) {
        PGresult *r = PQexec(db->conn, "ROLLBACK");
        PQclear(r);
    }
}

static const char *nz(const char *s) { return (s && *s) ? s : NULL; }

/* Unix seconds as a SQL parameter, NULL when unknown or absurd. */
static const char *ts_param(int64_t t, char *buf, size_t len)
{
    if (t <= 0 || t > PUB_MAX_TS)
        return NULL;
    snprintf(buf, len, "%" PRId64, t);
    return buf;
}

/* ---------------------------------------------------------------- migrations */

int pub_db_migrate(pub_db_t *db, void (*on_applied)(const char *name, void *ctx), void *ctx,
                   char *err, size_t errlen)
{
    if (pub_db_ensure(db) < 0) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return -1;
    }
    if (x(db, "SELECT pg_advisory_lock(" PUB_MIGRATE_LOCK ")", 0, NULL, err, errlen) < 0)
        return -1;
    int applied = 0;
    /* Only when missing: CREATE ... IF NOT EXISTS still needs the CREATE
     * privilege, which the writer role (deploy/postgres/roles.sql) lacks. */
    if (x(db, "DO $$BEGIN IF to_regclass('schema_migrations') IS NULL THEN "
              "CREATE TABLE schema_migrations ("
              " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); "
              "END IF; END$$",
          0, NULL, err, errlen) < 0) {
        applied = -1;
        goto out;
    }
    for (int i = 0; i < pub_migrations_count; i++) {
        const pub_migration_t *m = &pub_migrations[i];
        const char *p[1] = { m->name };
        if (begin(db, err, errlen) < 0) {
            applied = -1;
            goto out;
        }
        PGresult *r = q(db, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, p, err, errlen);
        if (!r) {
            rollback(db);
            applied = -1;
            goto out;
        }
        int done = PQntuples(r) > 0;
        PQclear(r);
        if (done) {
            rollback(db);
            continue;
        }
        /* Our own embedded SQL, several statements: PQexec is the only way. */
        r = PQexec(db->conn, m->sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
            set_err(err, errlen, "migration %s: %s", m->name, PQresultErrorMessage(r));
            PQclear(r);
            rollback(db);
            applied = -1;
            goto out;
        }
        PQclear(r);
        if (x(db, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, p, err, errlen) < 0 ||
            commit(db, err, errlen) < 0) {
            rollback(db);
            applied = -1;
            goto out;
        }
        applied++;
        if (on_applied)
            on_applied(m->name, ctx);   /* the caller reports */
        else
            nm_info("database: applied migration %s", m->name);
    }
out:;
    PGresult *r = PQexec(db->conn, "SELECT pg_advisory_unlock(" PUB_MIGRATE_LOCK ")");
    PQclear(r);
    if (applied < 0)
        db->stats.errors++;
    return applied;
}

/* ---------------------------------------------------------------- leases */

void pub_jobs_free(pub_job_t **jobs, size_t n)
{
    if (!jobs || !*jobs)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*jobs)[i].url);
        free((*jobs)[i].etag);
        free((*jobs)[i].last_modified);
    }
    free(*jobs);
    *jobs = NULL;
}

int pub_db_lease(pub_db_t *db, const char *owner, int n, int lease_seconds,
                 pub_job_t **jobs, size_t *njobs, char *err, size_t errlen)
{
    *jobs = NULL;
    *njobs = 0;
    if (n <= 0)
        return 0;
    if (pub_db_ensure(db) < 0) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return -1;
    }
    /* Out of attempts: an article whose lease keeps expiring is lost
     * somewhere downstream every time; stop handing it out. */
    if (x(db, "UPDATE jobs SET state = 'dead', finished_at = now(), updated_at = now(),"
              " last_error = 'lease expired ' || attempt || ' times'"
              " WHERE state = 'leased' AND lease_expires < now() AND kind = 'article'"
              " AND attempt >= max_attempts",
          0, NULL, err, errlen) < 0) {
        db->stats.errors++;
        return -1;
    }
    char nbuf[16], sbuf[16];
    snprintf(nbuf, sizeof nbuf, "%d", n);
    snprintf(sbuf, sizeof sbuf, "%d", lease_seconds > 0 ? lease_seconds : db->policy.lease_seconds);
    const char *p[3] = { owner ? owner : "", nbuf, sbuf };
    /* Due jobs in (next_attempt, id) order: the first n of the pending ones
     * (an index scan of jobs_due_order that stops after n, migration 008)
     * and of the expired leases (few), merged. The same jobs in the same
     * order as one query over both sets sorted (tests/unit/test_pub_lease.c),
     * without sorting every due job on each call. A leaser may lock up to
     * 2n rows for the statement; SKIP LOCKED keeps concurrent leasers apart
     * as before. Unnamed (planned per call): LIMIT's value matters. */
    PGresult *r = q(db,
        "WITH p AS ("
        "  SELECT id, next_attempt FROM jobs"
        "  WHERE state = 'pending' AND next_attempt <= now()"
        "    AND (kind = 'article' OR feed_id IS NOT NULL)"
        "  ORDER BY next_attempt, id LIMIT $2::int"
        "  FOR UPDATE SKIP LOCKED),"
        " e AS ("
        "  SELECT id, next_attempt FROM jobs"
        "  WHERE state = 'leased' AND lease_expires < now()"
        "    AND (kind = 'feed' OR attempt < max_attempts)"
        "    AND (kind = 'article' OR feed_id IS NOT NULL)"
        "  ORDER BY next_attempt, id LIMIT $2::int"
        "  FOR UPDATE SKIP LOCKED),"
        " c AS (SELECT id FROM (SELECT * FROM p UNION ALL SELECT * FROM e) pe"
        "  ORDER BY next_attempt, id LIMIT $2::int)"
        " , u AS (UPDATE jobs j SET state = 'leased', lease_owner = $1, lease_token = gen_random_uuid(),"
        "   lease_expires = now() + make_interval(secs => $3::int), attempt = j.attempt + 1,"
        "   updated_at = now()"
        " FROM c WHERE j.id = c.id"
        " RETURNING j.id, j.kind, j.url, coalesce(j.feed_id, 0) AS feed_id, j.lease_token::text AS token,"
        "   j.attempt, extract(epoch FROM j.lease_expires)::bigint AS expires,"
        "   (SELECT f.etag FROM feeds f WHERE f.id = j.feed_id AND j.kind = 'feed') AS etag,"
        "   (SELECT f.last_modified FROM feeds f WHERE f.id = j.feed_id AND j.kind = 'feed') AS lm,"
        "   j.next_attempt)"
        /* handed out in lease order (the fetcher starts them in this order) */
        " SELECT id, kind, url, feed_id, token, attempt, expires, etag, lm FROM u ORDER BY next_attempt, id",
        3, p, err, errlen);
    if (!r) {
        db->stats.errors++;
        return -1;
    }
    int rows = PQntuples(r);
    if (rows > 0) {
        *jobs = nm_calloc((size_t)rows, sizeof **jobs);
        for (int i = 0; i < rows; i++) {
            pub_job_t *j = &(*jobs)[i];
            j->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
            j->kind = strcmp(PQgetvalue(r, i, 1), "feed") == 0 ? PUB_JOB_FEED : PUB_JOB_ARTICLE;
            j->url = nm_strdup(PQgetvalue(r, i, 2));
            j->feed_id = strtoll(PQgetvalue(r, i, 3), NULL, 10);
            snprintf(j->lease_token, sizeof j->lease_token, "%s", PQgetvalue(r, i, 4));
            j->attempt = atoi(PQgetvalue(r, i, 5));
            j->lease_expires_at = strtoll(PQgetvalue(r, i, 6), NULL, 10);
            if (!PQgetisnull(r, i, 7))
                j->etag = nm_strdup(PQgetvalue(r, i, 7));
            if (!PQgetisnull(r, i, 8))
                j->last_modified = nm_strdup(PQgetvalue(r, i, 8));
        }
    }
    *njobs = (size_t)rows;
    PQclear(r);
    return 0;
}

/* ---------------------------------------------------------------- fencing */

typedef struct {
    char id[24];
    pub_job_kind_t kind;
    int attempt, max_attempts;
    int64_t feed_id;
    char feed_id_s[24];
    char *entry_title;   /* the feed entry's title ("" if none); freed by fenced_free */
} fenced_job_t;

static void fenced_free(fenced_job_t *job)
{
    free(job->entry_title);
    job->entry_title = NULL;
}

/* The job row if it is still leased under the token ($2), locked. */
static const char *fence_sql(const pub_db_t *db)
{
    return db->policy.unsafe_no_fencing
        ? "SELECT kind, attempt, max_attempts, coalesce(feed_id, 0), coalesce(entry_title, '') FROM jobs"
          " WHERE id = $1::bigint AND $2::text IS NOT NULL FOR UPDATE"
        : "SELECT kind, attempt, max_attempts, coalesce(feed_id, 0), coalesce(entry_title, '') FROM jobs"
          " WHERE id = $1::bigint AND lease_token::text = $2 AND state = 'leased' FOR UPDATE";
}

/* job (id already set) from fence_sql's row. */
static void fenced_parse(const PGresult *r, fenced_job_t *job)
{
    job->kind = strcmp(PQgetvalue(r, 0, 0), "feed") == 0 ? PUB_JOB_FEED : PUB_JOB_ARTICLE;
    job->attempt = atoi(PQgetvalue(r, 0, 1));
    job->max_attempts = atoi(PQgetvalue(r, 0, 2));
    job->feed_id = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
    snprintf(job->feed_id_s, sizeof job->feed_id_s, "%" PRId64, job->feed_id);
    job->entry_title = nm_strdup(PQgetvalue(r, 0, 4));
}

/* BEGIN and lock the job if it is still leased under ref's token. Returns
 * PUB_DB_OK inside an open transaction, PUB_DB_STALE (rolled back, counted,
 * logged) or PUB_DB_ERROR. With story, the transaction also takes the story
 * lock (pub_story_txn_lock) in the same round trip; *locked tells whether it
 * did (without story_gen the job is fenced again without it). */
static int fence_locked(pub_db_t *db, const Newsmill__JobRef *ref, const char *what, fenced_job_t *job,
                        bool story, bool *locked, char *err, size_t errlen);
static int fence(pub_db_t *db, const Newsmill__JobRef *ref, const char *what, fenced_job_t *job,
                 char *err, size_t errlen)
{
    bool locked;
    return fence_locked(db, ref, what, job, false, &locked, err, errlen);
}

static int fence_locked(pub_db_t *db, const Newsmill__JobRef *ref, const char *what, fenced_job_t *job,
                        bool story, bool *locked, char *err, size_t errlen)
{
    *locked = false;
    if (!ref || ref->job_id <= 0 || !ref->lease_token || !*ref->lease_token) {
        set_err(err, errlen, "%s without a job reference", what);
        return PUB_DB_ERROR;
    }
    if (pub_db_ensure(db) < 0) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return PUB_DB_ERROR;
    }
    memset(job, 0, sizeof *job);
    snprintf(job->id, sizeof job->id, "%" PRId64, ref->job_id);
    pl_t s[3] = {
        { .sql = "BEGIN" },
        { .sql = fence_sql(db), .n = 2, .p = { job->id, ref->lease_token } },
        { .sql = pub_story_lock_sql },
    };
    int ns = story ? 3 : 2;
    if (pl_run(db, s, ns, err, errlen) < 0 && (!s[0].r || !s[1].r)) {
        pl_clear(s, ns);
        rollback(db);
        return PUB_DB_ERROR;
    }
    if (story && !s[2].r) {
        /* no story_gen (schema being migrated?): store without the story */
        pl_clear(s, ns);
        rollback(db);
        pub_story_txn_abort(db);
        return fence_locked(db, ref, what, job, false, locked, err, errlen);
    }
    PGresult *r = s[1].r;
    s[1].r = NULL;
    if (story) {
        pub_story_txn_locked(db, s[2].r);
        *locked = true;
    }
    pl_clear(s, ns);
    if (PQntuples(r) == 0) {
        PQclear(r);
        rollback(db);
        *locked = false;
        db->stats.stale++;
        nm_log_job(NM_LOG_NOTICE, ref->job_id, "stale %s (lease %s attempt %d): not stored",
                   what, ref->lease_token, ref->attempt);
        return PUB_DB_STALE;
    }
    fenced_parse(r, job);
    PQclear(r);
    return PUB_DB_OK;
}

/* A result PostgreSQL refused (bad encoding, out-of-range value, ...) would
 * be refused again on every retry: end the job now with the reason. */
static void fail_job_after_error(pub_db_t *db, const Newsmill__JobRef *ref, const char *reason)
{
    rollback(db);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK)
        return;   /* connection trouble: the lease will bring the job back */
    char id[24], msg[600];
    snprintf(id, sizeof id, "%" PRId64, ref->job_id);
    snprintf(msg, sizeof msg, "could not store result: %s", reason);
    /* the reason may itself carry invalid bytes from the input */
    for (char *c = msg; *c; c++)
        if ((unsigned char)*c >= 0x80 || (unsigned char)*c < 0x20)
            *c = '?';
    const char *p[3] = { id, ref->lease_token, msg };
    char e[256];
    if (x(db, "UPDATE jobs SET state = CASE WHEN kind = 'feed' THEN 'pending' ELSE 'failed' END,"
              " last_error = left($3, 500), updated_at = now(), finished_at = now(),"
              " next_attempt = now() + interval '1 hour', lease_expires = NULL"
              " WHERE id = $1::bigint AND lease_token::text = $2 AND state = 'leased'",
          3, p, e, sizeof e) < 0)
        nm_warn("could not mark job %s failed: %s", id, e);
}

/* ---------------------------------------------------------------- article results */

static char *topics_json(Newsmill__Summary *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n_topics && i < PUB_MAX_TOPICS; i++)
        if (s->topics[i] && *s->topics[i])
            json_array_append_new(a, json_string(s->topics[i]));   /* NULL (skipped) if not UTF-8 */
    char *out = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    if (!out)
        nm_oom();
    return out;
}

/* The rest of an article's transaction in one round trip (pl_run): its
 * story (sst, from pub_story_assign_plan; may be NULL), its summaries, the
 * job done, and unless !commit_too (a batch: pub_db_article_batch commits)
 * the story generation (story) and COMMIT. *story_failed when the
 * story's statement is the one that failed. More
 * summaries than fit one pipeline (hostile input) go ahead in pipelines of
 * their own; the order of the statements is the order of the result. */
/* finish_article's return when the session was lost under the article's
 * transaction (a reconnect meanwhile): connection trouble, not a bad result,
 * so the job is left to its lease, never marked failed. */
#define TXN_LOST (-2)

static int finish_article(pub_db_t *db, const Newsmill__ArticleResult *res, const fenced_job_t *job,
                          const char *idbuf, bool story, bool commit_too, pub_story_stmt_t *sst,
                          bool *story_failed, char *err, size_t errlen)
{
    /* Everything here must land in the fenced transaction: on a session
     * that was re-established meanwhile (the story part may reconnect),
     * these statements would run on their own and complete the job. */
    if (!db->conn || PQtransactionStatus(db->conn) != PQTRANS_INTRANS) {
        set_err(err, errlen, "the article's transaction was lost");
        return TXN_LOST;
    }
    enum { MAX = 16, TAIL = 3 };
    pl_t s[MAX];
    char *topics[MAX], tokens[MAX][16];
    int ns = 0, nt = 0, rc = 0;
    const char *alang = res->article->language ? res->article->language : "";
    if (sst) {
        s[ns] = (pl_t){ .sql = sst->sql, .n = sst->n };
        memcpy(s[ns].p, sst->p, (size_t)sst->n * sizeof sst->p[0]);
        ns++;
    }
    for (size_t i = 0; i <= res->n_summaries && rc == 0; i++) {
        Newsmill__Summary *sm = i < res->n_summaries ? res->summaries[i] : NULL;
        if (sm) {
            const char *backend = nz(sm->backend) ? sm->backend : "unknown";
            const char *lang = nz(sm->language) ? sm->language : alang;
            topics[nt] = topics_json(sm);
            snprintf(tokens[nt], sizeof tokens[nt], "%d", sm->tokens_used > 0 ? sm->tokens_used : 0);
            s[ns++] = (pl_t){
                .sql = "INSERT INTO summaries (article_id, backend, language, title, summary, topics, tokens_used)"
                       " VALUES ($1::bigint, $2, $3, nullif($4, ''), $5,"
                       "   ARRAY(SELECT json_array_elements_text($6::json)), $7::int)"
                       " ON CONFLICT (article_id, backend, language) DO UPDATE SET title = EXCLUDED.title,"
                       "   summary = EXCLUDED.summary, topics = EXCLUDED.topics,"
                       "   tokens_used = EXCLUDED.tokens_used, created_at = now()",
                .n = 7, .p = { idbuf, backend, lang, sm->title ? sm->title : "", sm->summary ? sm->summary : "",
                               topics[nt], tokens[nt] } };
            nt++;
            /* an LLM summary supersedes the "LLM still to do" marker (see summ_llm.h) */
            if (strncmp(backend, "llm:", 4) == 0)
                s[ns++] = (pl_t){ .sql = "DELETE FROM summaries WHERE article_id = $1::bigint"
                                         " AND backend = 'llm_pending' AND language = $2",
                                  .n = 2, .p = { idbuf, lang } };
        }
        bool last = i == res->n_summaries;
        if (!last && ns + 2 + TAIL <= MAX)
            continue;
        if (last) {
            s[ns++] = (pl_t){ .sql = "UPDATE jobs SET state = 'done', finished_at = now(), updated_at = now(),"
                                     " last_error = NULL, lease_expires = NULL WHERE id = $1::bigint",
                              .n = 1, .p = { job->id } };
            if (story && commit_too)
                s[ns++] = (pl_t){ .sql = pub_story_gen_sql };
            if (commit_too)
                s[ns++] = (pl_t){ .sql = "COMMIT" };
        }
        rc = pl_run(db, s, ns, err, errlen);
        if (sst) {
            if (pub_story_assign_done(db, sst, s[0].r) < 0 && rc < 0)
                *story_failed = true;
            sst = NULL;
        }
        if (last && story && commit_too && pub_story_txn_committed(db, rc == 0 ? s[ns - 2].r : NULL) < 0 && rc == 0) {
            set_err(err, errlen, "commit: no story generation");
            rc = -1;
        }
        pl_clear(s, ns);
        for (int k = 0; k < nt; k++)
            free(topics[k]);
        ns = nt = 0;
    }
    return rc;
}

/* story: assign a new article in this transaction (pub_story.h, "at write
 * time"); *story_failed tells the caller that part failed (the transaction
 * is then lost, and the caller stores the article again without it). */
static int store_article(pub_db_t *db, const Newsmill__ArticleResult *res, const fenced_job_t *job,
                         bool story, bool commit_too, bool *story_failed, char *err, size_t errlen)
{
    *story_failed = false;
    const Newsmill__Article *a = res->article;
    const char *url = nz(a->final_url) ? a->final_url : nz(a->url);
    char *canon = NULL;
    if (nz(a->canonical_url))
        canon = nm_url_canonical(a->canonical_url);
    if (!canon && url)
        canon = nm_url_canonical(url);
    if (!canon) {
        set_err(err, errlen, "article has no usable URL");
        return -1;
    }
    if (!url)
        url = canon;
    char *host = NULL;
    const char *site = nz(a->site_name);
    if (!site)
        site = host = nm_url_host(canon);
    char pub[24], fetched[24], words[16], idbuf[24], days[16];
    snprintf(words, sizeof words, "%d", a->word_count > 0 ? a->word_count : 0);
    snprintf(days, sizeof days, "%d", db->policy.story_window_days > 0 ? db->policy.story_window_days : 3);
    /* SimHash and key terms of the title the row gets: the article's, else
     * the feed entry's (as the INSERT below chooses) */
    pub_story_prep_t prep;
    memset(&prep, 0, sizeof prep);
    const char *title = nz(a->title) ? a->title : job->entry_title ? job->entry_title : "";
    if (story)
        pub_story_prepare(db, title, a->text ? a->text : "", &prep);
    const char *p[15] = {
        canon, url, site, a->title ? a->title : "", a->byline ? a->byline : "",
        ts_param(a->published_at, pub, sizeof pub), a->language ? a->language : "",
        a->text ? a->text : "", words, ts_param(a->fetched_at, fetched, sizeof fetched), job->id,
        story && prep.has_simhash ? prep.simhash_s : NULL, story ? prep.terms_json : NULL,
        story ? "t" : "f", days,
    };
    /* A new row with story = true is born assigned (story_hash =
     * content_hash: the queue trigger of 006 does not fire) and gets its
     * story below, in this transaction. A rewrite (conflict) keeps the
     * story columns: if its text changed the trigger queues it for the
     * pass, as before. The row's time and window bounds come back in
     * microseconds (the window's clock, pub_story.c). */
    PGresult *r = qp(db,
        "INSERT INTO articles (canonical_url, url, source_site, title, byline, published_at,"
        "   language, text, word_count, content_hash, fetched_at, feed_id, job_id,"
        "   simhash, story_terms, story_hash)"
        " SELECT $1, $2, $3, coalesce(nullif($4, ''), j.entry_title), nullif($5, ''),"
        "   coalesce(to_timestamp($6::double precision), j.entry_published), nullif($7, ''), $8,"
        "   $9::int, h.hash, coalesce(to_timestamp($10::double precision), now()), j.feed_id, j.id,"
        "   $12::bigint, CASE WHEN $14::bool THEN ARRAY(SELECT json_array_elements_text($13::json)) END,"
        "   CASE WHEN $14::bool THEN h.hash END"
        " FROM jobs j, (SELECT encode(sha256(convert_to($8, 'UTF8')), 'hex') AS hash) h"
        " WHERE j.id = $11::bigint"
        " ON CONFLICT (canonical_url) DO UPDATE SET url = EXCLUDED.url,"
        "   source_site = EXCLUDED.source_site, title = coalesce(EXCLUDED.title, articles.title),"
        "   byline = EXCLUDED.byline, published_at = coalesce(EXCLUDED.published_at, articles.published_at),"
        "   language = EXCLUDED.language, text = EXCLUDED.text, word_count = EXCLUDED.word_count,"
        "   content_hash = EXCLUDED.content_hash, fetched_at = EXCLUDED.fetched_at,"
        "   feed_id = coalesce(EXCLUDED.feed_id, articles.feed_id), job_id = EXCLUDED.job_id,"
        "   writes = articles.writes + 1"
        " RETURNING id, xmax = 0,"
        "   (extract(epoch FROM coalesce(published_at, fetched_at)) * 1000000)::bigint,"
        "   (extract(epoch FROM coalesce(published_at, fetched_at) - make_interval(days => $15::int)) * 1000000)::bigint,"
        "   (extract(epoch FROM coalesce(published_at, fetched_at) + make_interval(days => $15::int)) * 1000000)::bigint,"
        "   coalesce(published_at, fetched_at)::text, coalesce(title, '')",
        15, p, err, errlen);
    free(canon);
    free(host);
    if (!r) {
        pub_story_prep_free(&prep);
        return -1;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        pub_story_prep_free(&prep);
        set_err(err, errlen, "article was not stored");
        return -1;
    }
    snprintf(idbuf, sizeof idbuf, "%s", PQgetvalue(r, 0, 0));
    /* the story is decided here, its statement goes with the rest */
    pub_story_stmt_t sst;
    bool assign = story && strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    if (assign) {
        int src = pub_story_assign_plan(db, &(pub_story_opts_t){.window_days = db->policy.story_window_days,
                                                                .max_hamming = db->policy.story_max_hamming},
                                        &prep, strtoll(idbuf, NULL, 10), strtoll(PQgetvalue(r, 0, 2), NULL, 10),
                                        strtoll(PQgetvalue(r, 0, 3), NULL, 10),
                                        strtoll(PQgetvalue(r, 0, 4), NULL, 10), PQgetvalue(r, 0, 5),
                                        PQgetvalue(r, 0, 6), &sst, err, errlen);
        if (src < 0) {
            *story_failed = true;
            PQclear(r);
            pub_story_prep_free(&prep);
            return -1;
        }
    }
    PQclear(r);
    pub_story_prep_free(&prep);
    int rc = finish_article(db, res, job, idbuf, story, commit_too, assign ? &sst : NULL, story_failed,
                            err, errlen);
    if (assign)
        pub_story_stmt_free(&sst);
    return rc;
}

int pub_db_article_result(pub_db_t *db, const Newsmill__ArticleResult *res, char *err, size_t errlen)
{
    if (!res || !res->article) {
        set_err(err, errlen, "article result without an article");
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    fenced_job_t job;
    /* the story lock first (passes take it first too), then the article */
    bool story;
    int rc = fence_locked(db, res->ref, "article result", &job, true, &story, err, errlen);
    if (rc != PUB_DB_OK) {
        if (rc == PUB_DB_ERROR)
            db->stats.errors++;
        return rc;
    }
    if (job.kind != PUB_JOB_ARTICLE) {
        rollback(db);
        fenced_free(&job);
        set_err(err, errlen, "article result for a feed job");
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    bool story_failed = false;
    int st = store_article(db, res, &job, story, true, &story_failed, err, errlen);
    if (st < 0 && story_failed) {
        /* the story part failed: the article must not wait for it */
        nm_log_job(NM_LOG_WARNING, res->ref->job_id, "story at write time failed (left to the story pass): %s", err);
        rollback(db);
        pub_story_txn_abort(db);
        fenced_free(&job);
        if ((rc = fence(db, res->ref, "article result", &job, err, errlen)) != PUB_DB_OK) {
            if (rc == PUB_DB_ERROR)
                db->stats.errors++;
            return rc;
        }
        story = false;
        st = store_article(db, res, &job, false, true, &story_failed, err, errlen);
    }
    fenced_free(&job);
    if (st == TXN_LOST) {
        nm_log_job(NM_LOG_WARNING, res->ref->job_id, "%s: left to its lease", err);
        rollback(db);
        pub_story_txn_abort(db);
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    if (st < 0) {
        fail_job_after_error(db, res->ref, err);
        pub_story_txn_abort(db);
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    db->stats.articles++;
    return PUB_DB_OK;
}

/* Several article results in one transaction (pub_db.h). Nothing is
 * counted or logged before the COMMIT: when anything fails, the batch is
 * rolled back whole and the caller stores each result on its own. */
static int article_batch(pub_db_t *db, const Newsmill__ArticleResult *const *res, size_t k,
                         pub_db_rc_t *out)
{
    char e[512] = "";
    if (pub_db_ensure(db) < 0)
        return -1;
    pl_t s[2 + PUB_DB_BATCH_MAX];
    char ids[PUB_DB_BATCH_MAX][24];
    s[0] = (pl_t){ .sql = "BEGIN" };
    s[1] = (pl_t){ .sql = pub_story_lock_sql };
    for (size_t i = 0; i < k; i++) {
        snprintf(ids[i], sizeof ids[i], "%" PRId64, res[i]->ref->job_id);
        s[2 + i] = (pl_t){ .sql = fence_sql(db), .n = 2, .p = { ids[i], res[i]->ref->lease_token } };
    }
    int ns = 2 + (int)k;
    if (pl_run(db, s, ns, e, sizeof e) < 0) {
        pl_clear(s, ns);
        rollback(db);
        pub_story_txn_abort(db);
        return -1;
    }
    pub_story_txn_locked(db, s[1].r);
    fenced_job_t jobs[PUB_DB_BATCH_MAX];
    memset(jobs, 0, sizeof jobs);
    for (size_t i = 0; i < k; i++) {
        out[i].err[0] = '\0';
        memcpy(jobs[i].id, ids[i], sizeof jobs[i].id);
        if (PQntuples(s[2 + i].r) == 0) {
            out[i].rc = PUB_DB_STALE;
            continue;
        }
        fenced_parse(s[2 + i].r, &jobs[i]);
        out[i].rc = PUB_DB_OK;
        if (jobs[i].kind != PUB_JOB_ARTICLE) {
            out[i].rc = PUB_DB_ERROR;   /* nothing written for it */
            set_err(out[i].err, sizeof out[i].err, "article result for a feed job");
        }
    }
    pl_clear(s, ns);
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) {
        bool story_failed = false;
        if (out[i].rc == PUB_DB_OK)
            rc = store_article(db, res[i], &jobs[i], true, false, &story_failed, e, sizeof e);
    }
    for (size_t i = 0; i < k; i++)
        fenced_free(&jobs[i]);
    if (rc == 0) {
        pl_t c[2] = { { .sql = pub_story_gen_sql }, { .sql = "COMMIT" } };
        rc = pl_run(db, c, 2, e, sizeof e);
        if (pub_story_txn_committed(db, rc == 0 ? c[0].r : NULL) < 0)
            rc = -1;
        pl_clear(c, 2);
    }
    if (rc < 0) {
        nm_info("database: a batch of %zu results failed (%s); storing them one by one", k, e);
        rollback(db);
        pub_story_txn_abort(db);
        return -1;
    }
    for (size_t i = 0; i < k; i++) {
        if (out[i].rc == PUB_DB_OK) {
            db->stats.articles++;
        } else if (out[i].rc == PUB_DB_STALE) {
            db->stats.stale++;
            nm_log_job(NM_LOG_NOTICE, res[i]->ref->job_id, "stale article result (lease %s attempt %d): not stored",
                       res[i]->ref->lease_token, res[i]->ref->attempt);
        } else {
            db->stats.errors++;
        }
    }
    return 0;
}

size_t pub_db_article_batch(pub_db_t *db, const Newsmill__ArticleResult *const *res, size_t n,
                            pub_db_rc_t *out)
{
    if (n == 0)
        return 0;
    if (n > PUB_DB_BATCH_MAX)
        n = PUB_DB_BATCH_MAX;
    /* the batch: a prefix of well-formed results for distinct jobs (a job
     * twice in one transaction would be fenced twice before either write) */
    size_t k = 0;
    for (; k < n; k++) {
        const Newsmill__ArticleResult *r = res[k];
        if (!r || !r->article || !r->ref || r->ref->job_id <= 0 || !r->ref->lease_token || !*r->ref->lease_token)
            break;
        size_t j = 0;
        while (j < k && res[j]->ref->job_id != r->ref->job_id)
            j++;
        if (j < k)
            break;
    }
    if (k >= 2 && article_batch(db, res, k, out) == 0)
        return k;
    if (k < 2)
        k = 1;
    for (size_t i = 0; i < k; i++)
        out[i].rc = pub_db_article_result(db, res[i], out[i].err, sizeof out[i].err);
    return k;
}

/* ---------------------------------------------------------------- feeds */

/* A successful poll (new document or 304): feed updated, error count reset,
 * its job pending again at the next poll time. interval (> 0: the adaptive
 * estimate from this document, see pub_feeds_interval) replaces the feed's
 * interval unless it was set by hand; min_interval (ttl, max-age) can only
 * lengthen it. keep_validators: 304 with no new validators keeps the old ones. */
static int feed_success(pub_db_t *db, const fenced_job_t *job, const char *title, const char *etag,
                        const char *last_modified, int min_interval, bool keep_validators,
                        int interval, const char *why, char *err, size_t errlen)
{
    char minbuf[16], ivbuf[16];
    if (min_interval < 0)
        min_interval = 0;
    if (min_interval > 86400)
        min_interval = 86400;   /* a hostile ttl must not silence a feed for years */
    snprintf(minbuf, sizeof minbuf, "%d", min_interval);
    snprintf(ivbuf, sizeof ivbuf, "%d", interval > 0 ? interval : 0);
    const char *p[8] = { job->feed_id_s, title ? title : "", etag ? etag : "",
                         last_modified ? last_modified : "", minbuf, keep_validators ? "t" : "f",
                         ivbuf, why ? why : "" };
    if (x(db,
          "UPDATE feeds SET title = coalesce(nullif(title, ''), nullif($2, '')),"
          "   etag = CASE WHEN $6::bool THEN coalesce(nullif($3, ''), etag) ELSE nullif($3, '') END,"
          "   last_modified = CASE WHEN $6::bool THEN coalesce(nullif($4, ''), last_modified)"
          "                   ELSE nullif($4, '') END,"
          "   last_polled_at = now(), error_count = 0, last_error = NULL,"
          "   poll_interval = CASE WHEN adaptive AND $7::int > 0 THEN $7::int ELSE poll_interval END,"
          "   poll_reason = CASE WHEN NOT adaptive THEN 'set by hand'"
          "                      WHEN $7::int > 0 THEN nullif($8, '') ELSE poll_reason END"
          "     || CASE WHEN $5::int > CASE WHEN adaptive AND $7::int > 0 THEN $7::int ELSE poll_interval END"
          "             THEN '; server asks for ' || $5 || 's' ELSE '' END,"
          "   next_poll = now() + make_interval(secs => greatest("
          "     CASE WHEN adaptive AND $7::int > 0 THEN $7::int ELSE poll_interval END, $5::int))"
          " WHERE id = $1::bigint",
          8, p, err, errlen) < 0)
        return -1;
    const char *jp[2] = { job->id, job->feed_id_s };
    return x(db,
             "UPDATE jobs SET state = 'pending', attempt = 0, lease_owner = NULL, lease_expires = NULL,"
             "   last_error = NULL, updated_at = now(), finished_at = now(),"
             "   next_attempt = coalesce((SELECT next_poll FROM feeds WHERE id = $2::bigint), now() + interval '15 minutes')"
             " WHERE id = $1::bigint",
             2, jp, err, errlen);
}

/* A failed poll: feeds are never dropped, they are polled more slowly. */
static int feed_failure(pub_db_t *db, const fenced_job_t *job, const char *reason, int delay,
                        char *err, size_t errlen)
{
    char dbuf[16];
    snprintf(dbuf, sizeof dbuf, "%d", delay);
    const char *p[3] = { job->feed_id_s, reason, dbuf };
    if (x(db, "UPDATE feeds SET error_count = error_count + 1, last_error = left($2, 500),"
              "   last_polled_at = now(), next_poll = now() + make_interval(secs => $3::int)"
              " WHERE id = $1::bigint",
          3, p, err, errlen) < 0)
        return -1;
    const char *jp[3] = { job->id, reason, dbuf };
    return x(db, "UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_expires = NULL,"
                 "   last_error = left($2, 500), updated_at = now(),"
                 "   next_attempt = now() + make_interval(secs => $3::int)"
                 " WHERE id = $1::bigint",
             3, jp, err, errlen);
}

/* Entries become article jobs (rules, identity, dates: pub_feeds.c); the
 * feed's next poll follows its rhythm, never sooner than ttl or max-age. */
static int store_feed(pub_db_t *db, const Newsmill__FeedResult *res, const fenced_job_t *job,
                      pub_feeds_stats_t *st, char *err, size_t errlen)
{
    if (pub_feeds_store_entries(db, res, job->feed_id_s, st, err, errlen) < 0)
        return -1;
    int min_interval = res->ttl > 0 && res->ttl < 100000 ? res->ttl * 60 : 0;
    if (res->max_age > min_interval)
        min_interval = res->max_age;
    return feed_success(db, job, res->title, res->etag, res->last_modified, min_interval, false,
                        st->interval, st->why, err, errlen);
}

int pub_db_feed_result(pub_db_t *db, const Newsmill__FeedResult *res, char *err, size_t errlen)
{
    if (!res) {
        set_err(err, errlen, "empty feed result");
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    fenced_job_t job;
    int rc = fence(db, res->ref, "feed result", &job, err, errlen);
    if (rc != PUB_DB_OK) {
        if (rc == PUB_DB_ERROR)
            db->stats.errors++;
        return rc;
    }
    fenced_free(&job);   /* the entry title is for article results */
    if (job.kind != PUB_JOB_FEED || job.feed_id <= 0) {
        rollback(db);
        set_err(err, errlen, "feed result for a job that is not a feed poll");
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    pub_feeds_stats_t st;
    if (store_feed(db, res, &job, &st, err, errlen) < 0 || commit(db, err, errlen) < 0) {
        fail_job_after_error(db, res->ref, err);
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    nm_log_job(NM_LOG_INFO, res->ref->job_id, "feed %" PRId64 ": %zu entries, %d new, %d seen, %d filtered",
               job.feed_id, res->n_entries, st.inserted, st.seen, st.filtered);
    db->stats.feeds++;
    return PUB_DB_OK;
}

/* ---------------------------------------------------------------- outcomes */

int pub_db_outcome(pub_db_t *db, const Newsmill__Outcome *o, char *err, size_t errlen)
{
    if (!o) {
        set_err(err, errlen, "empty outcome");
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    if (o->class_ != NEWSMILL__OUTCOME_CLASS__OUTCOME_NOT_MODIFIED &&
        o->class_ != NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT &&
        o->class_ != NEWSMILL__OUTCOME_CLASS__OUTCOME_PERMANENT) {
        set_err(err, errlen, "outcome with unknown class %d", (int)o->class_);
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    fenced_job_t job;
    int rc = fence(db, o->ref, "outcome", &job, err, errlen);
    if (rc != PUB_DB_OK) {
        if (rc == PUB_DB_ERROR)
            db->stats.errors++;
        return rc;
    }
    fenced_free(&job);   /* the entry title is for article results */
    char reason[600];
    if (o->http_status > 0)
        snprintf(reason, sizeof reason, "%s: %s (HTTP %d)", nz(o->stage) ? o->stage : "unknown",
                 nz(o->reason) ? o->reason : "no reason given", o->http_status);
    else
        snprintf(reason, sizeof reason, "%s: %s", nz(o->stage) ? o->stage : "unknown",
                 nz(o->reason) ? o->reason : "no reason given");

    const char *jp[3] = { job.id, reason, NULL };
    char dbuf[16];
    int delay;
    switch (o->class_) {
    case NEWSMILL__OUTCOME_CLASS__OUTCOME_NOT_MODIFIED:
        if (job.kind == PUB_JOB_FEED)
            rc = feed_success(db, &job, NULL, o->etag, o->last_modified, 0, true, 0, NULL, err, errlen);
        else
            rc = x(db, "UPDATE jobs SET state = 'done', finished_at = now(), updated_at = now(),"
                       " lease_expires = NULL WHERE id = $1::bigint", 1, jp, err, errlen);
        break;
    case NEWSMILL__OUTCOME_CLASS__OUTCOME_TRANSIENT:
        delay = pub_backoff_seconds(&db->policy, job.attempt, o->retry_after);
        if (job.kind == PUB_JOB_FEED) {
            if (delay > db->policy.feed_error_poll_seconds && o->retry_after < delay)
                delay = db->policy.feed_error_poll_seconds;
            rc = feed_failure(db, &job, reason, delay, err, errlen);
        } else if (job.attempt >= job.max_attempts) {
            rc = x(db, "UPDATE jobs SET state = 'dead', finished_at = now(), updated_at = now(),"
                       " lease_expires = NULL,"
                       " last_error = left('gave up after ' || attempt || ' attempts: ' || $2, 500)"
                       " WHERE id = $1::bigint", 2, jp, err, errlen);
        } else {
            snprintf(dbuf, sizeof dbuf, "%d", delay);
            jp[2] = dbuf;
            rc = x(db, "UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_expires = NULL,"
                       " last_error = left($2, 500), updated_at = now(),"
                       " next_attempt = now() + make_interval(secs => $3::int)"
                       " WHERE id = $1::bigint", 3, jp, err, errlen);
        }
        break;
    default: /* PERMANENT */
        if (job.kind == PUB_JOB_FEED)
            rc = feed_failure(db, &job, reason, db->policy.feed_error_poll_seconds, err, errlen);
        else
            rc = x(db, "UPDATE jobs SET state = 'failed', finished_at = now(), updated_at = now(),"
                       " lease_expires = NULL, last_error = left($2, 500)"
                       " WHERE id = $1::bigint", 2, jp, err, errlen);
        break;
    }
    if (rc < 0 || commit(db, err, errlen) < 0) {
        fail_job_after_error(db, o->ref, err);
        db->stats.errors++;
        return PUB_DB_ERROR;
    }
    db->stats.outcomes++;
    return PUB_DB_OK;
}

/* ---------------------------------------------------------------- feed management */

int pub_db_feed_add(pub_db_t *db, const char *url, const char *title, int interval,
                    int64_t *id, bool *created, char *err, size_t errlen)
{
    *id = 0;
    *created = false;
    if (!url || !nm_url_is_http(url)) {
        set_err(err, errlen, "not an absolute http(s) URL: %s", url ? url : "(none)");
        return -1;
    }
    if (pub_db_ensure(db) < 0) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return -1;
    }
    char ibuf[16];
    snprintf(ibuf, sizeof ibuf, "%d", interval > 0 ? interval : db->policy.feed_poll_seconds);
    /* an interval given by hand stays; otherwise the feed's rhythm sets it */
    const char *p[4] = { url, title ? title : "", ibuf, interval > 0 ? "f" : "t" };
    PGresult *r = q(db,
        "WITH f AS (INSERT INTO feeds (url, title, poll_interval, next_poll, adaptive)"
        "   VALUES ($1, nullif($2, ''), $3::int, now(), $4::bool) ON CONFLICT (url) DO NOTHING RETURNING id)"
        " INSERT INTO jobs (kind, url, feed_id, state, next_attempt)"
        " SELECT 'feed', $1, id, 'pending', now() FROM f RETURNING feed_id",
        4, p, err, errlen);
    if (!r)
        return -1;
    if (PQntuples(r) == 1) {
        *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        *created = true;
        PQclear(r);
        return 0;
    }
    PQclear(r);
    r = q(db, "SELECT id FROM feeds WHERE url = $1", 1, p, err, errlen);
    if (!r)
        return -1;
    if (PQntuples(r) == 1)
        *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int pub_db_feed_remove(pub_db_t *db, const char *url_or_id, char *err, size_t errlen)
{
    if (!url_or_id || !*url_or_id) {
        set_err(err, errlen, "no feed given");
        return -1;
    }
    if (pub_db_ensure(db) < 0) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return -1;
    }
    bool numeric = strlen(url_or_id) < 19;
    for (const char *c = url_or_id; *c; c++)
        if (!isdigit((unsigned char)*c))
            numeric = false;
    const char *p[1] = { url_or_id };
    if (begin(db, err, errlen) < 0)
        return -1;
    PGresult *r = q(db, numeric ? "SELECT id FROM feeds WHERE id = $1::bigint FOR UPDATE"
                                : "SELECT id FROM feeds WHERE url = $1 FOR UPDATE",
                    1, p, err, errlen);
    if (!r) {
        rollback(db);
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        rollback(db);
        return 0;
    }
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *ip[1] = { id };
    if (x(db, "DELETE FROM jobs WHERE feed_id = $1::bigint AND kind = 'feed'", 1, ip, err, errlen) < 0 ||
        x(db, "DELETE FROM feeds WHERE id = $1::bigint", 1, ip, err, errlen) < 0 ||
        commit(db, err, errlen) < 0) {
        rollback(db);
        return -1;
    }
    return 1;
}

PGresult *pub_db_query(pub_db_t *db, const char *sql, int n, const char *const *params,
                       char *err, size_t errlen)
{
    if (pub_db_ensure(db) < 0) {
        set_err(err, errlen, "not connected to PostgreSQL");
        return NULL;
    }
    return q(db, sql, n, params, err, errlen);
}

int pub_db_leader(pub_db_t *db)
{
    if (pub_db_ensure(db) < 0)
        return 0;
    if (db->leader)
        return 1;
    char err[256];
    PGresult *r = q(db, "SELECT pg_try_advisory_lock(" PUB_LEADER_LOCK ")", 0, NULL, err, sizeof err);
    if (!r)
        return 0;
    db->leader = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return db->leader ? 1 : 0;
}

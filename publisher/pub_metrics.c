#include "pub_metrics.h"
#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_metrics.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_MS 5000

typedef struct {
    char *conninfo;
    PGconn *conn;
    pthread_mutex_t lock;
    int64_t at_ms;
    char *cached;
} pub_metrics_t;

static PGresult *query(pub_metrics_t *m, const char *sql)
{
    PGresult *r = PQexec(m->conn, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        nm_debug("metrics query failed: %s", PQerrorMessage(m->conn));
        PQclear(r);
        return NULL;
    }
    return r;
}

static int connect_db(pub_metrics_t *m)
{
    if (m->conn && PQstatus(m->conn) == CONNECTION_OK)
        return 0;
    if (m->conn)
        PQfinish(m->conn);
    m->conn = PQconnectdb(m->conninfo);
    if (PQstatus(m->conn) != CONNECTION_OK) {
        nm_debug("metrics: cannot connect: %s", PQerrorMessage(m->conn));
        PQfinish(m->conn);
        m->conn = NULL;
        return -1;
    }
    PQclear(PQexec(m->conn, "SET statement_timeout = '5s'; SET application_name = 'newsmill-metrics'"));
    return 0;
}

static void family(nm_buf_t *b, const char *name, const char *help)
{
    nm_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One scrape's worth of text, or -1 (database away). */
static int gather(pub_metrics_t *m, nm_buf_t *b)
{
    if (connect_db(m) < 0)
        return -1;
    PGresult *r = query(m, "SELECT kind, state, count(*) FROM jobs GROUP BY 1, 2 ORDER BY 1, 2");
    if (!r)
        return -1;
    family(b, "newsmill_jobs", "Jobs by kind and state.");
    long long dead = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        nm_buf_printf(b, "newsmill_jobs{kind=\"%s\",state=\"%s\"} %s\n", PQgetvalue(r, i, 0),
                      PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        if (!strcmp(PQgetvalue(r, i, 1), "dead"))
            dead += atoll(PQgetvalue(r, i, 2));
    }
    PQclear(r);
    family(b, "newsmill_jobs_dead", "Jobs out of attempts (see newsmill status for reasons).");
    nm_buf_printf(b, "newsmill_jobs_dead %lld\n", dead);

    r = query(m, "SELECT coalesce(extract(epoch FROM now() - min(next_attempt)), 0)::bigint,"
                 " (SELECT count(*) FROM jobs WHERE state = 'leased' AND lease_expires < now()),"
                 " (SELECT coalesce(sum(greatest(attempt - 1, 0)), 0) FROM jobs)"
                 " FROM jobs WHERE state = 'pending' AND next_attempt <= now()");
    if (!r)
        return -1;
    family(b, "newsmill_oldest_due_job_age_seconds", "How long the most overdue pending job has been due.");
    nm_buf_printf(b, "newsmill_oldest_due_job_age_seconds %s\n", PQgetvalue(r, 0, 0));
    family(b, "newsmill_leases_expired", "Leased jobs past their lease expiry, waiting to be handed out again.");
    nm_buf_printf(b, "newsmill_leases_expired %s\n", PQgetvalue(r, 0, 1));
    family(b, "newsmill_job_retries", "Attempts beyond the first, summed over the jobs kept.");
    nm_buf_printf(b, "newsmill_job_retries %s\n", PQgetvalue(r, 0, 2));
    PQclear(r);

    r = query(m, "SELECT id, url, error_count FROM feeds WHERE error_count > 0"
                 " ORDER BY error_count DESC, id LIMIT 50");
    if (!r)
        return -1;
    family(b, "newsmill_feed_errors", "Consecutive errors of failing feeds (the 50 worst).");
    for (int i = 0; i < PQntuples(r); i++) {
        char url[512];
        nm_metrics_label_escape(PQgetvalue(r, i, 1), url, sizeof url);
        nm_buf_printf(b, "newsmill_feed_errors{feed_id=\"%s\",url=\"%s\"} %s\n", PQgetvalue(r, i, 0),
                      url, PQgetvalue(r, i, 2));
    }
    PQclear(r);

    r = query(m, "SELECT CASE WHEN error_count = 0 THEN 'ok' WHEN error_count < 3 THEN 'degraded'"
                 " ELSE 'failing' END, count(*) FROM feeds GROUP BY 1 ORDER BY 1");
    if (!r)
        return -1;
    family(b, "newsmill_feeds", "Feeds by health.");
    for (int i = 0; i < PQntuples(r); i++)
        nm_buf_printf(b, "newsmill_feeds{health=\"%s\"} %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);

    r = query(m, "SELECT relname, greatest(reltuples, 0)::bigint FROM pg_class"
                 " WHERE relname IN ('articles', 'summaries') AND relkind = 'r' ORDER BY 1");
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        char name[64];
        snprintf(name, sizeof name, "newsmill_%s", PQgetvalue(r, i, 0));
        family(b, name, "Rows stored (the planner's estimate).");
        nm_buf_printf(b, "%s %s\n", name, PQgetvalue(r, i, 1));
    }
    PQclear(r);
    return 0;
}

static void collect(nm_buf_t *out, void *ctx)
{
    pub_metrics_t *m = ctx;
    pthread_mutex_lock(&m->lock);
    int64_t now = nm_now_ms();
    if (!m->cached || now - m->at_ms >= CACHE_MS) {
        nm_buf_t b;
        nm_buf_init(&b, 4u << 20);
        int rc = gather(m, &b);
        double secs = (double)(nm_now_ms() - now) / 1000.0;
        if (rc < 0) {
            nm_buf_reset(&b);   /* never half a family */
            if (m->conn && PQstatus(m->conn) != CONNECTION_OK) {
                PQfinish(m->conn);
                m->conn = NULL;
            }
        }
        family(&b, "newsmill_database_up", "1 if the publisher's metrics queries succeeded.");
        nm_buf_printf(&b, "newsmill_database_up %d\n", rc == 0);
        family(&b, "newsmill_database_scrape_seconds", "Time the metrics queries took.");
        nm_buf_printf(&b, "newsmill_database_scrape_seconds %.3f\n", secs);
        free(m->cached);
        m->cached = nm_buf_steal(&b);
        m->at_ms = now;
    }
    nm_buf_puts(out, m->cached);
    pthread_mutex_unlock(&m->lock);
}

void pub_metrics_register(const nm_config_t *cfg)
{
    /* lives until exit, like the metrics thread that uses it */
    pub_metrics_t *m = nm_calloc(1, sizeof *m);
    m->conninfo = nm_strdup(cfg->database.url);
    pthread_mutex_init(&m->lock, NULL);
    nm_metrics_add_collector(collect, m);
}

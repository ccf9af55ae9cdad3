/* pub_db_lease on a generated backlog against a real PostgreSQL
 * (NEWSMILL_TEST_PG): the lease query of migration 008 (two ordered,
 * LIMITed index scans merged) must hand out exactly the jobs the original
 * query picked (every due job sorted by (next_attempt, id), first n), in
 * that order, call after call, while leases expire, jobs finish, come back
 * with new due times and run out of attempts. The original query is run
 * here as a plain SELECT right before each lease, on the same data. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nm_test.h"
#include "nm_test_pg.h"
#include "pub_db.h"

static PGconn *adm;

static PGresult *run(const char *sql)
{
    PGresult *r = PQexec(adm, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "SQL failed: %s\n%s", sql, PQresultErrorMessage(r));
        nm_test_failures++;
    }
    return r;
}

static void exec(const char *sql) { PQclear(run(sql)); }

/* The lease query before migration 008, as a read-only SELECT. */
#define OLD_PICK \
    "SELECT id FROM jobs" \
    " WHERE ((state = 'pending' AND next_attempt <= now())" \
    "     OR (state = 'leased' AND lease_expires < now()" \
    "         AND (kind = 'feed' OR attempt < max_attempts)))" \
    "   AND (kind = 'article' OR feed_id IS NOT NULL)" \
    " ORDER BY next_attempt, id LIMIT %d"

static uint32_t seed = 12345;
static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) & 0xffffff;
}

int main(void)
{
    nm_test_pg_t pg;
    if (nm_test_pg_create(&pg, "lease") < 0)
        return 1;
    char sql[1024], err[512] = "";
    pub_db_t *db = pub_db_new(pg.conninfo, NULL, err, sizeof err);
    CHECK(db != NULL);
    if (!db)
        return nm_test_done();
    CHECK(pub_db_migrate(db, NULL, NULL, err, sizeof err) >= 1);
    adm = PQconnectdb(pg.conninfo);

    /* The backlog: 4,000 article jobs and 40 feed jobs (5 of them with
     * their feed removed: never due), due times in whole seconds over the
     * last hour (many ties: id decides), some in the future; some already
     * leased (expired or not, some out of attempts), some finished. */
    exec("INSERT INTO feeds (url, poll_interval, next_poll) SELECT 'http://f.example/' || g, 900, now()"
         " FROM generate_series(1, 40) g");
    exec("INSERT INTO jobs (kind, url, feed_id, next_attempt)"
         " SELECT 'feed', 'http://f.example/' || id, id, now() - make_interval(secs => (id * 37) % 3600)"
         " FROM feeds");
    exec("UPDATE jobs SET feed_id = NULL WHERE kind = 'feed' AND feed_id <= 5");
    exec("INSERT INTO jobs (kind, url, max_attempts, next_attempt)"
         " SELECT 'article', 'http://a.example/' || g, 1 + g % 4,"
         "   date_trunc('second', now()) - make_interval(secs => (g * 7919) % 3600)"
         "   + CASE WHEN g % 17 = 0 THEN interval '2 hours' ELSE interval '0' END"
         " FROM generate_series(1, 4000) g");
    exec("UPDATE jobs SET state = 'leased', attempt = 1 + id % 4, lease_token = gen_random_uuid(),"
         "   lease_owner = 'other', lease_expires = now() + CASE WHEN id % 2 = 0"
         "     THEN interval '-5 minutes' ELSE interval '5 minutes' END"
         " WHERE id % 11 = 0");
    exec("UPDATE jobs SET state = 'done', finished_at = now() WHERE id % 13 = 0 AND kind = 'article'");
    exec("ANALYZE jobs");

    int rounds = 0, leased_total = 0, mismatches = 0, with_expired = 0;
    for (; rounds < 400; rounds++) {
        int n = 1 + (int)(rnd() % 64);
        snprintf(sql, sizeof sql, OLD_PICK, n);
        PGresult *want = run(sql);
        pub_job_t *jobs = NULL;
        size_t got = 0;
        if (pub_db_lease(db, "t", n, 60, &jobs, &got, err, sizeof err) < 0) {
            fprintf(stderr, "lease: %s\n", err);
            nm_test_failures++;
            PQclear(want);
            break;
        }
        bool same = (int)got == PQntuples(want);
        for (size_t i = 0; same && i < got; i++)
            same = jobs[i].id == strtoll(PQgetvalue(want, (int)i, 0), NULL, 10);
        if (!same && mismatches++ < 3) {
            fprintf(stderr, "round %d (n=%d): leased %zu jobs, the old query picks %d:", rounds, n, got,
                    PQntuples(want));
            for (size_t i = 0; i < got && i < 8; i++)
                fprintf(stderr, " %" PRId64 "/%s", jobs[i].id, PQgetvalue(want, (int)i, 0));
            fprintf(stderr, "\n");
        }
        PQclear(want);
        leased_total += (int)got;
        if (got == 0 && rounds > 10) {
            pub_jobs_free(&jobs, got);
            break;
        }
        /* What the rest of the system does meanwhile: finish some, send some
         * back with a due time (ties again), let some leases expire. */
        for (size_t i = 0; i < got; i++) {
            uint32_t r = rnd() % 10;
            if (r < 5)
                snprintf(sql, sizeof sql, "UPDATE jobs SET state = 'done', lease_expires = NULL WHERE id = %" PRId64,
                         jobs[i].id);
            else if (r < 7)
                snprintf(sql, sizeof sql, "UPDATE jobs SET state = 'pending', lease_expires = NULL,"
                         " next_attempt = date_trunc('second', now()) - interval '%u seconds' WHERE id = %" PRId64,
                         rnd() % 30, jobs[i].id);
            else if (r < 9)
                snprintf(sql, sizeof sql, "UPDATE jobs SET lease_expires = now() - interval '%u seconds'"
                         " WHERE id = %" PRId64, 1 + rnd() % 100, jobs[i].id);
            else
                continue;   /* still out there */
            exec(sql);
        }
        PGresult *r = run("SELECT count(*) FROM jobs WHERE state = 'leased' AND lease_expires < now()");
        with_expired += atoi(PQgetvalue(r, 0, 0)) > 0;
        PQclear(r);
        pub_jobs_free(&jobs, got);
    }
    CHECK_INT(mismatches, 0);
    CHECK(leased_total > 4000);   /* the whole backlog went through, some jobs twice */
    CHECK(with_expired > 50);     /* the merge with expired leases was exercised */
    /* the pending half is read in index order, not sorted: the plan has the
     * new index and no sort below the merge */
    PGresult *plan = run("EXPLAIN SELECT id FROM jobs WHERE state = 'pending' AND next_attempt <= now()"
                         " AND (kind = 'article' OR feed_id IS NOT NULL) ORDER BY next_attempt, id LIMIT 32");
    bool idx = false, sorted = false;
    for (int i = 0; i < PQntuples(plan); i++) {
        idx |= strstr(PQgetvalue(plan, i, 0), "jobs_due_order") != NULL;
        sorted |= strstr(PQgetvalue(plan, i, 0), "Sort") != NULL;
    }
    PQclear(plan);
    CHECK(idx);
    CHECK(!sorted);
    fprintf(stderr, "test_pub_lease: %d rounds, %d jobs leased, %d rounds with expired leases\n", rounds,
            leased_total, with_expired);

    pub_db_destroy(&db);
    PQfinish(adm);
    nm_test_pg_drop(&pg);
    return nm_test_done();
}

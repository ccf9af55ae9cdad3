/* pub_db: the publisher's PostgreSQL side — schema, leases, fenced results.
 *
 * PostgreSQL is newsmill's source of truth (DESIGN.md, "Delivery"). This
 * module promises:
 *  - pub_db_migrate applies the embedded migrations in order, each in its own
 *    transaction, under an advisory lock, recorded in schema_migrations;
 *    running it again is a no-op.
 *  - pub_db_lease hands out due jobs with FOR UPDATE SKIP LOCKED: two leasers
 *    never get the same job. Every lease gets a fresh token and attempt + 1.
 *    Article jobs whose lease expired with no attempts left become dead
 *    ("lease expired N times"); feed jobs never die.
 *  - every result is fenced: it is written only if the job is still leased
 *    under the token the message carries, in ONE transaction with the job's
 *    completion. Otherwise nothing is written and PUB_DB_STALE is returned.
 *  - writes are idempotent: articles keyed by canonical URL, summaries by
 *    (article, backend, language), article jobs by URL.
 *  - a broken connection is re-established with backoff (pub_db_ensure); the
 *    call in hand fails with -1, never crashes; leases bring work back.
 * Only parameterized queries touch data (PQexecParams). Not thread-safe:
 * one pub_db_t per thread. */
#ifndef PUB_DB_H
#define PUB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "newsmill.pb-c.h"
#include "nm_config.h"

typedef struct pub_db pub_db_t;

/* Retry and scheduling policy (from nm_config_t.publisher). */
typedef struct {
    int lease_seconds;
    int max_attempts;            /* for new article jobs */
    int backoff_base_seconds;
    int backoff_max_seconds;
    int feed_poll_seconds;       /* default interval of new feeds */
    int feed_error_poll_seconds; /* slowest retry of a failing feed */
    int feed_min_poll_seconds;   /* adaptive interval bounds (pub_feeds.h) */
    int feed_max_poll_seconds;
    bool jitter;                 /* multiply delays by 0.5..1.5 (off in tests) */
    bool unsafe_no_fencing;      /* TEST ONLY: accept results whatever their lease
                                  * (the chaos test's negative control) */
    /* Stories: a new article is assigned in the transaction that stores it
     * (pub_story.h, "at write time"), with these digest.story_* settings. */
    int story_window_days;
    int story_max_hamming;
} pub_policy_t;

void pub_policy_from_config(pub_policy_t *p, const nm_config_t *cfg);

/* Connect. Returns NULL with a reason in err if the first connection fails. */
pub_db_t *pub_db_new(const char *conninfo, const pub_policy_t *policy, char *err, size_t errlen);
void pub_db_destroy(pub_db_t **db_p);
/* Make sure the connection is usable; reconnects, at most once per backoff
 * step (0.25 s doubling to 30 s). Returns 0 when connected, -1 otherwise. */
int pub_db_ensure(pub_db_t *db);
/* The raw connection, for read-only reports (CLI). NULL when disconnected. */
PGconn *pub_db_conn(pub_db_t *db);
const pub_policy_t *pub_db_policy(const pub_db_t *db);

/* One active publisher per database: 1 if this connection holds (or just
 * took) the publisher's session advisory lock, 0 if another session holds
 * it or the database is away. A reconnect loses the lock; call this before
 * each round of work. */
int pub_db_leader(pub_db_t *db);

/* Apply pending migrations. on_applied (may be NULL) is called with each
 * newly applied migration's name. Returns the number applied, or -1. */
int pub_db_migrate(pub_db_t *db, void (*on_applied)(const char *name, void *ctx), void *ctx,
                   char *err, size_t errlen);

/* ---- leases ---- */

typedef enum { PUB_JOB_FEED = 1, PUB_JOB_ARTICLE = 2 } pub_job_kind_t;

typedef struct {
    int64_t id;
    pub_job_kind_t kind;
    char *url;
    int64_t feed_id;          /* 0 if none */
    char lease_token[40];     /* uuid text */
    int attempt;              /* 1 for the first lease */
    char *etag;               /* feed jobs: validators, else NULL */
    char *last_modified;
    int64_t lease_expires_at; /* unix seconds */
} pub_job_t;

/* Lease up to n due jobs for owner. On success *jobs (free with
 * pub_jobs_free) holds *njobs jobs (possibly 0). Returns 0 or -1. */
int pub_db_lease(pub_db_t *db, const char *owner, int n, int lease_seconds,
                 pub_job_t **jobs, size_t *njobs, char *err, size_t errlen);
void pub_jobs_free(pub_job_t **jobs, size_t n);

/* ---- results (fenced) ---- */

enum { PUB_DB_OK = 0, PUB_DB_STALE = 1, PUB_DB_ERROR = -1 };

/* Store an article and its summaries, mark the job done; a new article is
 * assigned to its story in the same transaction (if that part fails, the
 * article is stored anyway and left to the story pass).
 * PUB_DB_OK, PUB_DB_STALE (nothing written) or PUB_DB_ERROR (reason in err;
 * also for malformed results, which are not stored). */
int pub_db_article_result(pub_db_t *db, const Newsmill__ArticleResult *r, char *err, size_t errlen);
/* Up to PUB_DB_BATCH_MAX article results in ONE transaction (one BEGIN,
 * story lock and COMMIT, fences in one round trip) when several wait: the
 * same outcome for each as pub_db_article_result would give it, result by
 * result. Results of the batch are fenced and stored as one; if any
 * statement fails, the batch is rolled back and each result is then stored
 * on its own, so one bad result never costs the others. Handles a prefix
 * of res (at least one: a malformed result or a job seen twice ends the
 * batch) and returns its length; out[i] gets each one's PUB_DB_* and reason. */
#define PUB_DB_BATCH_MAX 12
typedef struct {
    int rc;
    char err[512];
} pub_db_rc_t;
size_t pub_db_article_batch(pub_db_t *db, const Newsmill__ArticleResult *const *res, size_t n,
                            pub_db_rc_t *out);
/* New entries become article jobs (once per canonical URL); the feed is
 * updated and its job rescheduled for its next poll. */
int pub_db_feed_result(pub_db_t *db, const Newsmill__FeedResult *r, char *err, size_t errlen);
/* A job ended without a result: not modified, transient (retry with
 * backoff, dead when out of attempts) or permanent (article: failed now;
 * feed: retried at the slow error rate, never dropped). */
int pub_db_outcome(pub_db_t *db, const Newsmill__Outcome *o, char *err, size_t errlen);

/* Delay before retry number `attempt` (1-based):
 * min(max, base * 2^(attempt-1)), times 0.5..1.5 when jitter is on, at least
 * retry_after. Exposed for tests. */
int pub_backoff_seconds(const pub_policy_t *p, int attempt, int retry_after);

/* ---- feeds (CLI) ---- */

/* Add a feed and its recurring job, due now. interval <= 0: the policy's
 * default. *created is false if the URL was already there (not an error);
 * *id is the feed's id either way. */
int pub_db_feed_add(pub_db_t *db, const char *url, const char *title, int interval,
                    int64_t *id, bool *created, char *err, size_t errlen);
/* Remove a feed by URL or decimal id, with its feed job. Its article jobs
 * and articles stay. Returns 1 removed, 0 no such feed, -1 error. */
int pub_db_feed_remove(pub_db_t *db, const char *url_or_id, char *err, size_t errlen);

/* A successful-path helper for other publisher modules: run one
 * parameterized statement and return its result (caller PQclears), or NULL
 * with a one-line reason in err. */
PGresult *pub_db_query(pub_db_t *db, const char *sql, int n, const char *const *params,
                       char *err, size_t errlen);

/* pub_db_query for a statement run again and again: prepared once per
 * session (parsed and planned once). */
PGresult *pub_db_query_prepared(pub_db_t *db, const char *sql, int n, const char *const *params,
                                char *err, size_t errlen);

/* One slot per connection object for another publisher module's state
 * (pub_story keeps its in-memory candidate window there): free_fn(ext) runs
 * when the slot is replaced and in pub_db_destroy. One pub_db_t per thread,
 * so the state needs no lock. */
void *pub_db_ext(pub_db_t *db);
void pub_db_set_ext(pub_db_t *db, void *ext, void (*free_fn)(void *));

/* Counters since pub_db_new, for status lines and tests. */
typedef struct {
    uint64_t stale;          /* results refused by fencing */
    uint64_t articles;       /* article results stored */
    uint64_t feeds;          /* feed results stored */
    uint64_t outcomes;       /* outcomes applied */
    uint64_t errors;         /* calls that failed */
    uint64_t reconnects;
} pub_db_stats_t;
pub_db_stats_t pub_db_stats(const pub_db_t *db);

#endif

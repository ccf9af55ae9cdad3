/* pub_metrics: the publisher's view of the database, as Prometheus metrics.
 *
 * Registers a collector (nm_metrics_add_collector) that, at scrape time and
 * from the metrics thread, queries PostgreSQL over a connection of its own
 * (never the publisher's: libpq connections are not shared across threads),
 * with a 5 s statement timeout, and caches the answer for 5 s:
 *
 *   newsmill_jobs{kind,state}                    jobs by kind and state (dead included)
 *   newsmill_jobs_dead                           dead jobs
 *   newsmill_oldest_due_job_age_seconds          how late the most overdue pending job is
 *   newsmill_leases_expired                      leased jobs past their expiry, not yet re-leased
 *   newsmill_job_retries                         attempts beyond the first, over jobs kept
 *   newsmill_feed_errors{feed_id,url}            consecutive errors of failing feeds (top 50)
 *   newsmill_feeds{health}                       feeds by health (ok, degraded, failing)
 *   newsmill_articles, newsmill_summaries        rows (planner estimates: cheap)
 *   newsmill_database_up                         1 if the queries succeeded
 *   newsmill_database_scrape_seconds             how long they took */
#ifndef PUB_METRICS_H
#define PUB_METRICS_H

#include "nm_config.h"

/* Register the collector (no connection until the first scrape). */
void pub_metrics_register(const nm_config_t *cfg);

#endif

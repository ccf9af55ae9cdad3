/* pub_feeds: what the publisher does with a parsed feed besides storing it
 * — adaptive poll intervals, per-feed include/exclude rules, entry identity
 * and entry dates.
 *
 * Promises:
 *  - pub_feeds_interval is pure: half the median gap between the newest
 *    entries (and since the newest), lengthened for a feed gone quiet,
 *    clamped to the policy's bounds; server lower bounds (ttl, max-age)
 *    are the caller's to apply on top.
 *  - pub_feeds_store_entries runs inside the caller's transaction: each
 *    entry with an http(s) link becomes an article job unless the feed's
 *    rules drop it (counted in feeds.entries_filtered) or it was seen before
 *    (same canonical URL as a job, an article's canonical or fetched URL, or
 *    the same GUID/id in this feed). A missing date becomes the fetch time
 *    and a future one is clamped to it; both are noted in jobs.entry_date_note.
 *  - patterns are PostgreSQL regular expressions, matched case-insensitively
 *    on title + summary (tags removed); pub_feeds_check_patterns rejects
 *    one PostgreSQL would refuse, before it is stored.
 * OPML import/export lives in the CLI (cli/cmd_opml.c) on top of these. */
#ifndef PUB_FEEDS_H
#define PUB_FEEDS_H

#include <stddef.h>
#include <stdint.h>

#include "newsmill.pb-c.h"
#include "pub_db.h"

/* Poll interval (seconds) from entry times (unix seconds; 0s and future
 * times ignored) observed at `now`. 0 when there are fewer than two usable
 * times (keep the current interval). why (may be NULL) gets a short reason. */
int pub_feeds_interval(const pub_policy_t *p, const int64_t *times, size_t n, int64_t now, char *why, size_t whylen);

typedef struct {
    int inserted;      /* new article jobs */
    int filtered;      /* dropped by the feed's rules */
    int seen;          /* known already */
    int interval;      /* pub_feeds_interval of the document, 0 if none */
    char why[96];
} pub_feeds_stats_t;

/* Entries of res -> article jobs (see header). job_id/feed_id are decimal.
 * Returns 0 or -1 (reason in err; the caller rolls back). */
int pub_feeds_store_entries(pub_db_t *db, const Newsmill__FeedResult *res, const char *feed_id,
                            pub_feeds_stats_t *st, char *err, size_t errlen);

/* Every pattern is a valid PostgreSQL regular expression: 0, else -1 with
 * the offending pattern and PostgreSQL's reason in err. */
int pub_feeds_check_patterns(pub_db_t *db, char **patterns, size_t n, char *err, size_t errlen);
/* Replace a feed's rules (NULL list = leave that side as it is). 0 or -1. */
int pub_feeds_set_rules(pub_db_t *db, int64_t feed_id, char **include, size_t ninclude,
                        char **exclude, size_t nexclude, bool set_include, bool set_exclude,
                        char *err, size_t errlen);

#endif

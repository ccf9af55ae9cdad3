/* pub_retention: forget finished jobs after a while.
 *
 * Articles, summaries, stories and digests are kept for good. Article jobs
 * that ended (done, failed, dead) more than `days` ago are deleted in
 * bounded batches so a big backlog never holds long locks. Forgetting a job
 * does not let its entry be fetched again: entry identity also checks the
 * stored articles' URLs (pub_feeds). Feed jobs are never deleted: a feed's
 * job is its schedule. newsmill keeps no raw pages, so jobs are the only
 * bulky operational data. */
#ifndef PUB_RETENTION_H
#define PUB_RETENTION_H

#include <stdint.h>

#include "pub_db.h"

/* Delete up to `batch` finished article jobs older than `days` days.
 * Returns how many were deleted (0 when days <= 0), or -1 with err set. */
int64_t pub_retention_prune(pub_db_t *db, int days, int batch, char *err, size_t errlen);

#endif

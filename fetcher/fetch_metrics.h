/* fetch_metrics: the fetcher's Prometheus series (nm_metrics.h).
 *
 *   newsmill_fetch_duration_seconds{class}   histogram of transfer time
 *   newsmill_fetch_bytes_total               decoded body bytes of pages
 *   newsmill_fetch_responses_total{status}   HTTP status class (2xx..5xx, none)
 *   newsmill_fetches_total{class}            page, not_modified, transient, permanent
 *   newsmill_fetch_redirects_total           redirect hops followed
 * One call per finished transfer; a few relaxed atomic adds. */
#ifndef FETCH_METRICS_H
#define FETCH_METRICS_H

#include "fetch.h"

void fetch_metrics_done(const fetch_result_t *r);

#endif

#include "fetch_metrics.h"
#include "nm_metrics.h"

#include <stdio.h>

#define NCLASS 4

static const char *const class_names[NCLASS] = { "page", "not_modified", "transient", "permanent" };

void fetch_metrics_done(const fetch_result_t *r)
{
    static nm_series_t *dur[NCLASS], *count[NCLASS], *status[6], *bytes, *redirects;
    if (!bytes) {   /* registration is idempotent, so a racing first call is harmless */
        char l[64];
        for (int i = 0; i < NCLASS; i++) {
            snprintf(l, sizeof l, "class=\"%s\"", class_names[i]);
            dur[i] = nm_histogram("newsmill_fetch_duration_seconds",
                                  "Time from start to end of a transfer, by outcome class.", l, NULL, 0);
            count[i] = nm_counter("newsmill_fetches_total", "Finished transfers, by outcome class.", l);
        }
        static const char *const st[6] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx" };
        for (int i = 0; i < 6; i++) {
            snprintf(l, sizeof l, "status=\"%s\"", st[i]);
            status[i] = nm_counter("newsmill_fetch_responses_total",
                                   "HTTP answers by status class (none: no answer, e.g. timeout).", l);
        }
        redirects = nm_counter("newsmill_fetch_redirects_total",
                               "Redirects followed (each hop a request of its own, paced per host).", "");
        bytes = nm_counter("newsmill_fetch_bytes_total", "Body bytes of fetched pages as received (still compressed when passed through encoded).", "");
    }
    int c = (int)r->cls;
    if (c < 0 || c >= NCLASS)
        c = NCLASS - 1;
    nm_histogram_observe(dur[c], (double)r->elapsed_ms / 1000.0);
    nm_counter_add(count[c], 1);
    int s = r->http_status >= 100 && r->http_status < 600 ? (int)(r->http_status / 100) : 0;
    nm_counter_add(status[s], 1);
    if (r->cls == FETCH_PAGE)
        nm_counter_add(bytes, r->body.len);
    if (r->redirects > 0)
        nm_counter_add(redirects, (uint64_t)r->redirects);
}

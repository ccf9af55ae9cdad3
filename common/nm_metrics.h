/* nm_metrics: Prometheus text metrics from every worker, served over HTTP.
 *
 * A process-wide registry of counters, gauges and histograms. Registering a
 * series (name + label set) takes a mutex and returns a handle that lives
 * until exit; updating through a handle is one relaxed atomic add, so hot
 * paths register once (a static handle) and then cost nothing measurable.
 * For rare events nm_metrics_inc() does lookup and add in one call.
 *
 * nm_metrics_start() serves GET /metrics (text format 0.0.4) from a
 * libmicrohttpd thread of its own; a scrape reads the atomics and runs the
 * registered collectors (e.g. the publisher's database queries) in that
 * thread, never in the worker's loop. Every process exports
 * newsmill_build_info{worker,version} and newsmill_start_time_seconds.
 *
 * Names follow Prometheus conventions: newsmill_<what>_<unit>[_total].
 * Labels are given pre-formatted, e.g. "kind=\"page\""; label values from
 * outside must be passed through nm_metrics_label_escape first. */
#ifndef NM_METRICS_H
#define NM_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "nm_buf.h"

typedef struct nm_series nm_series_t;   /* a counter, gauge or histogram */

/* Counters only go up. */
nm_series_t *nm_counter(const char *name, const char *help, const char *labels);
void nm_counter_add(nm_series_t *c, uint64_t n);
/* Lookup-or-register and add 1: for rare events (errors, rejections). */
void nm_metrics_inc(const char *name, const char *help, const char *labels);

/* Gauges hold the last value set. */
nm_series_t *nm_gauge(const char *name, const char *help, const char *labels);
void nm_gauge_set(nm_series_t *g, double v);
void nm_gauge_add(nm_series_t *g, int64_t n);   /* integral gauges (in flight) */

/* Histograms: bounds are upper bucket limits in increasing order (at most
 * 16; +Inf is implicit). NULL bounds = latency buckets in seconds from 5 ms
 * to 60 s. */
nm_series_t *nm_histogram(const char *name, const char *help, const char *labels,
                          const double *bounds, size_t nbounds);
void nm_histogram_observe(nm_series_t *h, double v);

/* Lookup-or-register a histogram (default latency buckets) and observe v. */
void nm_metrics_observe(const char *name, const char *help, const char *labels, double v);
/* Monotonic clock in seconds with sub-microsecond resolution, for timing. */
double nm_metrics_clock(void);

/* Value of a counter or gauge (tests, status lines). */
double nm_series_value(const nm_series_t *s);

/* A collector appends complete metric families (HELP, TYPE, samples) to out
 * at scrape time, from the HTTP thread. At most 8. */
typedef void (*nm_metrics_collector_fn)(nm_buf_t *out, void *ctx);
void nm_metrics_add_collector(nm_metrics_collector_fn fn, void *ctx);

/* The whole exposition text (what GET /metrics returns); caller frees. */
char *nm_metrics_render(void);

/* Start serving on "HOST:PORT" ("[::1]:PORT" for IPv6), port + port_offset.
 * listen NULL or "" = disabled (returns 0). Port 0 picks a free port, which
 * is logged and returned by nm_metrics_port(). worker labels build_info.
 * Returns 0, or -1 with a reason in err. */
int nm_metrics_start(const char *listen, int port_offset, const char *worker,
                     char *err, size_t errlen);
int nm_metrics_port(void);
void nm_metrics_stop(void);

/* Copy s into out as a Prometheus label value (escapes \ " and newline,
 * truncates to outlen - 1). */
void nm_metrics_label_escape(const char *s, char *out, size_t outlen);

/* Latency buckets in seconds, shared by the stages. */
extern const double nm_metrics_latency_bounds[];
extern const size_t nm_metrics_latency_nbounds;

/* LLM calls (the summarizer's backend reports through these). */
void nm_metrics_llm_request(double seconds, const char *outcome,   /* "ok", "error", ... */
                            uint64_t prompt_tokens, uint64_t completion_tokens);

#endif

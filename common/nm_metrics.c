#include "nm_metrics.h"
#include "nm_log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SERIES 2048
#define MAX_BOUNDS 16
#define MAX_COLLECTORS 8

enum { T_COUNTER, T_GAUGE, T_HISTOGRAM };

struct nm_series {
    char *name, *help, *labels;
    int type;
    size_t order;                      /* registration order: stable output */
    _Atomic uint64_t v;                /* counter value, or gauge double bits */
    size_t nbounds;
    double bounds[MAX_BOUNDS];
    _Atomic uint64_t buckets[MAX_BOUNDS + 1];   /* not cumulative; last = +Inf */
    _Atomic uint64_t sum_bits;         /* double */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static nm_series_t *series[MAX_SERIES];
static size_t nseries;
static struct { nm_metrics_collector_fn fn; void *ctx; } collectors[MAX_COLLECTORS];
static size_t ncollectors;
static struct MHD_Daemon *httpd;
static int bound_port;
static char worker_name[32] = "newsmill";
static int64_t start_time;

const double nm_metrics_latency_bounds[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                             1, 2.5, 5, 10, 30, 60 };
const size_t nm_metrics_latency_nbounds = sizeof nm_metrics_latency_bounds / sizeof(double);

static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }
static double bitsd(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }

static void atomic_add_double(_Atomic uint64_t *a, double x)
{
    uint64_t old = atomic_load_explicit(a, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(a, &old, dbits(bitsd(old) + x),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

/* Find or create; a full registry hands out one shared overflow series so
 * callers never get NULL (and the overflow is visible as its own metric). */
static nm_series_t *get(const char *name, const char *help, const char *labels, int type,
                        const double *bounds, size_t nbounds)
{
    static nm_series_t overflow = { .name = "newsmill_metrics_overflow_total",
                                    .help = "Updates to series beyond the registry's capacity.",
                                    .labels = "", .type = T_COUNTER };
    if (!labels)
        labels = "";
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < nseries; i++) {
        nm_series_t *s = series[i];
        if (s->type == type && !strcmp(s->name, name) && !strcmp(s->labels, labels)) {
            pthread_mutex_unlock(&reg_lock);
            return s;
        }
    }
    if (nseries == MAX_SERIES) {
        pthread_mutex_unlock(&reg_lock);
        return &overflow;
    }
    nm_series_t *s = nm_calloc(1, sizeof *s);
    s->name = nm_strdup(name);
    s->help = nm_strdup(help ? help : "");
    s->labels = nm_strdup(labels);
    s->type = type;
    s->order = nseries;
    if (type == T_HISTOGRAM) {
        if (!bounds) {
            bounds = nm_metrics_latency_bounds;
            nbounds = nm_metrics_latency_nbounds;
        }
        s->nbounds = nbounds > MAX_BOUNDS ? MAX_BOUNDS : nbounds;
        memcpy(s->bounds, bounds, s->nbounds * sizeof(double));
    }
    series[nseries++] = s;
    pthread_mutex_unlock(&reg_lock);
    return s;
}

nm_series_t *nm_counter(const char *name, const char *help, const char *labels)
{
    return get(name, help, labels, T_COUNTER, NULL, 0);
}

void nm_counter_add(nm_series_t *c, uint64_t n)
{
    if (c)
        atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed);
}

void nm_metrics_inc(const char *name, const char *help, const char *labels)
{
    nm_counter_add(nm_counter(name, help, labels), 1);
}

nm_series_t *nm_gauge(const char *name, const char *help, const char *labels)
{
    return get(name, help, labels, T_GAUGE, NULL, 0);
}

void nm_gauge_set(nm_series_t *g, double v)
{
    if (g)
        atomic_store_explicit(&g->v, dbits(v), memory_order_relaxed);
}

void nm_gauge_add(nm_series_t *g, int64_t n)
{
    if (g)
        atomic_add_double(&g->v, (double)n);
}

nm_series_t *nm_histogram(const char *name, const char *help, const char *labels,
                          const double *bounds, size_t nbounds)
{
    return get(name, help, labels, T_HISTOGRAM, bounds, nbounds);
}

void nm_histogram_observe(nm_series_t *h, double v)
{
    if (!h || h->type != T_HISTOGRAM)
        return;
    size_t i = 0;
    while (i < h->nbounds && v > h->bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
    atomic_add_double(&h->sum_bits, v);
}

void nm_metrics_observe(const char *name, const char *help, const char *labels, double v)
{
    nm_histogram_observe(nm_histogram(name, help, labels, NULL, 0), v);
}

double nm_metrics_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double nm_series_value(const nm_series_t *s)
{
    uint64_t v = atomic_load_explicit(&s->v, memory_order_relaxed);
    return s->type == T_GAUGE ? bitsd(v) : (double)v;
}

void nm_metrics_add_collector(nm_metrics_collector_fn fn, void *ctx)
{
    pthread_mutex_lock(&reg_lock);
    if (ncollectors < MAX_COLLECTORS) {
        collectors[ncollectors].fn = fn;
        collectors[ncollectors].ctx = ctx;
        ncollectors++;
    }
    pthread_mutex_unlock(&reg_lock);
}

void nm_metrics_label_escape(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    if (!outlen)
        return;
    for (; s && *s && o + 2 < outlen; s++) {
        if (*s == '\\' || *s == '"') {
            out[o++] = '\\';
            out[o++] = *s;
        } else if (*s == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

static int by_name(const void *a, const void *b)
{
    const nm_series_t *x = *(nm_series_t *const *)a, *y = *(nm_series_t *const *)b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void put_double(nm_buf_t *b, double v)
{
    if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
        nm_buf_printf(b, "%lld", (long long)v);
    else
        nm_buf_printf(b, "%.9g", v);
}

static void render_series(nm_buf_t *b, const nm_series_t *s)
{
    const char *l = s->labels;
    if (s->type == T_COUNTER) {
        nm_buf_printf(b, "%s%s%s%s %llu\n", s->name, *l ? "{" : "", l, *l ? "}" : "",
                      (unsigned long long)atomic_load_explicit(&s->v, memory_order_relaxed));
        return;
    }
    if (s->type == T_GAUGE) {
        nm_buf_printf(b, "%s%s%s%s ", s->name, *l ? "{" : "", l, *l ? "}" : "");
        put_double(b, nm_series_value(s));
        nm_buf_puts(b, "\n");
        return;
    }
    uint64_t cum = 0;
    for (size_t i = 0; i <= s->nbounds; i++) {
        cum += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
        nm_buf_printf(b, "%s_bucket{%s%sle=\"", s->name, l, *l ? "," : "");
        if (i < s->nbounds)
            nm_buf_printf(b, "%g", s->bounds[i]);
        else
            nm_buf_puts(b, "+Inf");
        nm_buf_printf(b, "\"} %llu\n", (unsigned long long)cum);
    }
    nm_buf_printf(b, "%s_sum%s%s%s ", s->name, *l ? "{" : "", l, *l ? "}" : "");
    put_double(b, bitsd(atomic_load_explicit(&s->sum_bits, memory_order_relaxed)));
    nm_buf_printf(b, "\n%s_count%s%s%s %llu\n", s->name, *l ? "{" : "", l, *l ? "}" : "",
                  (unsigned long long)cum);
}

char *nm_metrics_render(void)
{
    static const char *const type_names[] = { "counter", "gauge", "histogram" };
    nm_buf_t b;
    nm_buf_init(&b, 64u << 20);
    nm_buf_printf(&b, "# HELP newsmill_build_info Which worker and version this is.\n"
                      "# TYPE newsmill_build_info gauge\n"
                      "newsmill_build_info{worker=\"%s\",version=\"0.1.0\"} 1\n"
                      "# HELP newsmill_start_time_seconds When this process started (unix time).\n"
                      "# TYPE newsmill_start_time_seconds gauge\n"
                      "newsmill_start_time_seconds %lld\n",
                  worker_name, (long long)start_time);

    pthread_mutex_lock(&reg_lock);
    size_t n = nseries;
    nm_series_t **copy = nm_calloc(n ? n : 1, sizeof *copy);
    memcpy(copy, series, n * sizeof *copy);
    size_t nc = ncollectors;
    pthread_mutex_unlock(&reg_lock);

    qsort(copy, n, sizeof *copy, by_name);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(copy[i]->name, copy[i - 1]->name))
            nm_buf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", copy[i]->name, copy[i]->help,
                          copy[i]->name, type_names[copy[i]->type]);
        render_series(&b, copy[i]);
    }
    free(copy);
    /* collectors are only ever appended, so entries below nc are stable */
    for (size_t i = 0; i < nc; i++)
        collectors[i].fn(&b, collectors[i].ctx);
    return nm_buf_steal(&b);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req)
{
    (void)cls; (void)version; (void)upload; (void)upload_size; (void)req;
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        static char msg[] = "only GET\n";
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        r = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_PERSISTENT);
    } else if (!strcmp(url, "/metrics")) {
        char *text = nm_metrics_render();
        r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    } else if (!strcmp(url, "/")) {
        static char msg[] = "newsmill metrics: /metrics\n";
        r = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_PERSISTENT);
    } else {
        static char msg[] = "not found\n";
        status = MHD_HTTP_NOT_FOUND;
        r = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

int nm_metrics_start(const char *listen, int port_offset, const char *worker,
                     char *err, size_t errlen)
{
    if (worker)
        snprintf(worker_name, sizeof worker_name, "%s", worker);
    if (!start_time)
        start_time = (int64_t)time(NULL);
    if (!listen || !*listen)
        return 0;
    if (httpd) {
        snprintf(err, errlen, "metrics already served");
        return -1;
    }

    char host[128];
    const char *colon = strrchr(listen, ':');
    const char *h = listen;
    size_t hl = colon ? (size_t)(colon - listen) : 0;
    if (!colon || hl >= sizeof host) {
        snprintf(err, errlen, "metrics address '%s': expected HOST:PORT", listen);
        return -1;
    }
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port + port_offset > 65535 || port_offset < 0) {
        snprintf(err, errlen, "metrics address '%s' (+%d): bad port", listen, port_offset);
        return -1;
    }
    if (port)
        port += port_offset;

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (!*host || inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        if (!*host)
            in4->sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "metrics address '%s': host must be a numeric IP address", listen);
        return -1;
    }
    httpd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, NULL,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                             MHD_OPTION_END);
    if (!httpd) {
        snprintf(err, errlen, "metrics: cannot listen on %s port %ld (in use?)", listen, port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(httpd, MHD_DAEMON_INFO_BIND_PORT);
    bound_port = info ? info->port : (int)port;
    nm_notice("metrics on http://%s%s%s:%d/metrics", in6->sin6_family == AF_INET6 ? "[" : "",
              *host ? host : "0.0.0.0", in6->sin6_family == AF_INET6 ? "]" : "", bound_port);
    return 0;
}

int nm_metrics_port(void)
{
    return bound_port;
}

void nm_metrics_stop(void)
{
    if (httpd) {
        MHD_stop_daemon(httpd);
        httpd = NULL;
        bound_port = 0;
    }
}

void nm_metrics_llm_request(double seconds, const char *outcome,
                            uint64_t prompt_tokens, uint64_t completion_tokens)
{
    static nm_series_t *lat, *pt, *ct;
    if (!lat) {
        lat = nm_histogram("newsmill_llm_request_seconds", "LLM request latency.", "", NULL, 0);
        pt = nm_counter("newsmill_llm_tokens_total", "LLM tokens used, by kind.", "kind=\"prompt\"");
        ct = nm_counter("newsmill_llm_tokens_total", "LLM tokens used, by kind.", "kind=\"completion\"");
    }
    char labels[96], esc[64];
    nm_metrics_label_escape(outcome ? outcome : "ok", esc, sizeof esc);
    snprintf(labels, sizeof labels, "outcome=\"%s\"", esc);
    nm_metrics_inc("newsmill_llm_requests_total", "LLM requests, by outcome.", labels);
    nm_histogram_observe(lat, seconds);
    nm_counter_add(pt, prompt_tokens);
    nm_counter_add(ct, completion_tokens);
}

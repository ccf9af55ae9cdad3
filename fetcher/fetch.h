/* fetch: the download engine (libcurl multi interface) behind newsmill-fetcher.
 *
 * Promises, for every transfer:
 *  - exactly one completion callback, even for URLs refused before any
 *    network traffic (bad scheme, over-long URL);
 *  - redirects (3xx but 304, with a Location) are followed by the engine, not
 *    by libcurl: each hop is a request of its own to its own host. Its
 *    Location is resolved against the hop's URL (nm_url_resolve, fragment
 *    dropped), must be http or https, counts against max_redirects ("too
 *    many redirects (max N)", so loops end there; < 0 means 20), is checked
 *    against robots.txt of ITS host (a refusal names the redirect target),
 *    waits for ITS host's concurrency slot and delay (a same-host hop too: it
 *    is another request), and goes through the address guard and allow_hosts
 *    on every connection. A hop waits at the front of its host's queue (the
 *    job has started); start_before applies to it as to the first request.
 *    One easy handle carries the job across hops, so cookies set by a
 *    redirect reach the next hop where libcurl's cookie rules send them, and
 *    conditional GET validators and Referer (none from https to http) go
 *    along as before. A 3xx with no usable Location is the result
 *    (PERMANENT "... without a usable Location"). robots.txt requests alone
 *    let libcurl follow (RFC 9309);
 *  - timeout_ms is per job: it bounds the network time of all hops together
 *    (each hop gets what earlier hops left); time spent waiting for a host's
 *    turn between hops is not in it (start_before bounds that);
 *  - http and https only, on the first request and on every redirect;
 *  - the body is counted on DECODED bytes (gzip/deflate/br are negotiated and
 *    decoded by libcurl) and the transfer is aborted as soon as it would pass
 *    max_bytes, so a decompression bomb costs at most max_bytes of memory;
 *    with pass_encoded, a gzip/deflate/br body is delivered as sent instead
 *    (content_encoding says which; max_bytes then caps the bytes as sent, and
 *    decoding under the same cap is the receiver's job: parser/parse_body.h).
 *    robots.txt is always decoded here;
 *  - bodies of non-2xx answers are not downloaded;
 *  - unless allow_private, no connection to a non-public address (see
 *    fetch_addr.h), checked on the resolved address of each connection
 *    (with a proxy configured we only ever see the proxy's address, so
 *    enforcing this becomes the proxy's job);
 *    except the explicit exceptions in allow_hosts (fetch_addr.h);
 *  - politeness per host:port (of each hop's URL, as libcurl parses it, so
 *    127.0.0.1:80, localhost:80 and 127.0.0.1:81 are three hosts): at most
 *    per_host_concurrency transfers at a time and at least
 *    per_host_delay_ms (or the robots.txt Crawl-delay, up to its cap) between
 *    request starts; requests for a busy host wait inside the engine, in
 *    order, and count as active; one still waiting at its start_before time
 *    completes as TRANSIENT ("host busy") instead of starting late;
 *  - with robots, /robots.txt is fetched once per host:port (one request,
 *    paced like the others; cached for robots_ttl_ms, host_cache hosts at
 *    most) and obeyed per RFC 9309 (fetch_robots.h): a disallowed URL
 *    completes as PERMANENT "disallowed by robots.txt (...)"; robots.txt
 *    answering 4xx (not 429) or redirecting too often allows everything;
 *    5xx, 429 or no answer makes the host disallowed for a minute, its
 *    requests TRANSIENT with retry_after;
 *  - the proxy comes only from the settings: http_proxy/https_proxy/ALL_PROXY
 *    in the environment are ignored;
 *  - a classification (page, not modified, transient, permanent) and a
 *    one-line reason for people.
 *
 * Single-threaded: call everything from one thread. Completion callbacks
 * run only inside fetch_engine_poll (never inside fetch_engine_add), so a
 * callback may start new transfers. */
#ifndef FETCH_H
#define FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nm_buf.h"
#include "nm_config.h"

typedef enum {
    FETCH_PAGE = 0,          /* 2xx with a non-empty body */
    FETCH_NOT_MODIFIED,      /* 304 */
    FETCH_TRANSIENT,         /* worth retrying later: 5xx, 408, 429, timeouts, DNS, refused */
    FETCH_PERMANENT,         /* not worth retrying: 4xx, too large, empty, blocked, bad scheme */
} fetch_class_t;

const char *fetch_class_name(fetch_class_t c);   /* "page", "not_modified", ... */

typedef struct {
    long connect_timeout_ms;
    long timeout_ms;            /* the whole job: network time of all its hops */
    long low_speed_bytes;       /* abort if slower than this many bytes/s ... */
    long low_speed_seconds;     /* ... for this long (0 = no check) */
    size_t max_bytes;           /* decoded body cap */
    int max_redirects;
    const char *user_agent;     /* borrowed: must outlive the engine */
    bool allow_private;
    const char *proxy;          /* borrowed; NULL or "" = no proxy, never the environment */
    const char *allow_hosts;    /* borrowed; exceptions to the address guard (fetch_addr.h) */
    int per_host_concurrency;   /* 0 = no limit */
    long per_host_delay_ms;     /* 0 = no pacing */
    bool robots;                /* fetch and obey robots.txt */
    long robots_ttl_ms;         /* 0 = a day */
    long robots_max_delay_ms;   /* cap on Crawl-delay */
    int host_cache;             /* hosts remembered; 0 = 10000 */
    bool pass_encoded;          /* deliver gzip/deflate/br bodies undecoded (see above) */
} fetch_settings_t;

/* Settings from cfg->fetcher (the strings stay borrowed from cfg). Not
 * pass_encoded: only a caller that decodes (the daemon's parsers) sets it. */
void fetch_settings_from_config(fetch_settings_t *s, const nm_config_t *cfg);

typedef struct {
    int64_t id;                 /* the caller's, e.g. the job id; given back in the result */
    void *user;                 /* the caller's, given back in the result */
    const char *url;
    const char *etag;           /* conditional GET validators; NULL or "" for none */
    const char *last_modified;
    int64_t start_before;       /* unix seconds (e.g. the lease expiry); 0 = wait as long as it takes */
} fetch_request_t;

typedef struct {
    int64_t id;
    void *user;
    fetch_class_t cls;
    long http_status;           /* 0 when there was no HTTP answer */
    nm_buf_t body;              /* body (PAGE only), decoded unless content_encoding; NUL-terminated */
    char *content_encoding;     /* pass_encoded: the Content-Encoding body is still in
                                   (lower case, e.g. "gzip"); NULL when decoded/identity */
    char *url;                  /* as requested */
    char *final_url;            /* the last hop's URL (= url when none redirected); a
                                   redirect target refused by robots.txt or never started
                                   included */
    char *content_type;         /* the header as sent, or NULL */
    char *charset;              /* charset parameter of Content-Type, or NULL */
    char *etag;                 /* from the answer; on 304 the request's when the answer has none */
    char *last_modified;
    int retry_after;            /* seconds from Retry-After, 0 if none */
    int max_age;                /* seconds from Cache-Control max-age / Expires, 0 if none */
    int64_t fetched_at;         /* unix seconds */
    long elapsed_ms;            /* from the first request's start to the end, all hops */
    int redirects;              /* redirects followed */
    char reason[256];           /* one line: "ok", "http 404", "timeout after 2000 ms", ... */
} fetch_result_t;

/* Free everything a result holds (not the struct itself); safe twice. */
void fetch_result_free(fetch_result_t *r);

/* Called once per transfer from fetch_engine_poll. The result is freed when
 * the callback returns: to keep a field, take it and set it to NULL (the
 * body: nm_buf_steal). */
typedef void (*fetch_done_fn)(fetch_result_t *res, void *ctx);

typedef struct fetch_engine fetch_engine_t;

/* NULL with a reason in err if libcurl cannot be set up or allow_hosts is malformed. */
fetch_engine_t *fetch_engine_new(const fetch_settings_t *s, fetch_done_fn done, void *ctx,
                                 char *err, size_t errlen);
/* Aborts transfers still running (no callbacks for them). */
void fetch_engine_destroy(fetch_engine_t **e_p);

/* Abort every transfer not yet delivered, without completion callbacks;
 * drop (if not NULL) gets each one's request user pointer so the caller can
 * free what it attached. */
void fetch_engine_cancel_all(fetch_engine_t *e, void (*drop)(void *user, void *ctx), void *ctx);

/* The same for requests still waiting for their host only (running
 * transfers go on): for a drain that should not start anything new. */
void fetch_engine_cancel_waiting(fetch_engine_t *e, void (*drop)(void *user, void *ctx), void *ctx);

/* Start a transfer, or queue it behind its host. Never fails: a refused URL
 * completes with a PERMANENT result at the next poll, and a transfer libcurl
 * cannot start completes as TRANSIENT. Returns 0 (err is kept for callers
 * written against the older contract). */
int fetch_engine_add(fetch_engine_t *e, const fetch_request_t *req, char *err, size_t errlen);

/* Transfers started and not yet delivered (waiting for their host included). */
int fetch_engine_active(const fetch_engine_t *e);
/* Of those, how many wait for their host (politeness or robots.txt). */
int fetch_engine_waiting(const fetch_engine_t *e);

/* Wait up to timeout_ms for network activity (or for one of the extra fds,
 * e.g. a ZeroMQ socket's ZMQ_FD, to become readable), move transfers along
 * and deliver completed ones to the callback. Returns the number delivered. */
int fetch_engine_poll(fetch_engine_t *e, const int *extra_fds, int nfds, int timeout_ms);

/* One blocking download with the same rules (for the CLI and tests). The
 * result is the caller's to fetch_result_free. Returns 0 when out is filled
 * (whatever its class), -1 with err only if the engine could not start. */
int fetch_url(const fetch_settings_t *s, const char *url, const char *etag,
              const char *last_modified, fetch_result_t *out, char *err, size_t errlen);

#endif

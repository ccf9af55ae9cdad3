#include "fetch.h"
#include "fetch_addr.h"
#include "fetch_robots.h"
#include "nm_daemon.h"
#include "nm_url.h"

#include <ctype.h>
#include <stdarg.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define FETCH_MAX_URL 8192
#define FETCH_MAX_HEADER_VALUE 1024
#define FETCH_MAX_EXTRA_FDS 8
#define HOST_BUCKETS 1024
#define ROBOTS_RETRY_MS 60000       /* an unreachable robots.txt is asked for again after this */
#define DEFAULT_HOST_CACHE 10000
#define REDIRECT_BODY_MAX 65536     /* a 3xx body up to this is read and dropped, not a reason to hang up */
#define REDIRECTS_UNLIMITED 20      /* max_redirects < 0 ("no limit") still ends a loop here */

typedef struct host host_t;

typedef struct xfer {
    struct xfer *next;          /* in the engine's list of refused transfers */
    struct xfer *rprev, *rnext; /* in the engine's list of running transfers */
    fetch_engine_t *eng;
    CURL *easy;
    struct curl_slist *headers;
    fetch_result_t res;
    char *req_etag, *req_last_modified;
    bool too_large;             /* the write callback hit max_bytes */
    bool discarded;             /* a non-2xx body we chose not to download */
    bool blocked;               /* the address guard refused a connection */
    char blocked_why[128];
    char curl_err[CURL_ERROR_SIZE];
    int64_t started_ms;
    host_t *host;               /* politeness queue (NULL for refused URLs) */
    struct xfer *wnext;         /* in the host's wait queue */
    char *path;                 /* path?query, for robots.txt */
    int64_t start_before_ms;    /* 0 = none */
    bool is_robots;             /* our own robots.txt request, not the caller's */
    bool on_host;               /* counted in host->running */
    /* redirects: every hop is a request of its own to its own host */
    char *cur_url;              /* this hop's URL (NULL: res.url, the first) */
    char *referer;              /* for this hop, or NULL */
    int redirects;              /* hops followed so far */
    long prev_status;           /* the answer that sent us here (for hops with none) */
    size_t redirect_body;       /* bytes of a 3xx body swallowed */
    int64_t queued_ms;          /* when it joined its host's queue */
    int64_t first_ms;           /* when the first hop started (0: not yet) */
    int64_t spent_ms;           /* network time of the hops before this one */
    fetch_class_t fail_cls;     /* with fail: why a redirect ends here */
    char fail[256];
} xfer_t;

typedef enum { ROBOTS_NONE, ROBOTS_FETCHING, ROBOTS_READY, ROBOTS_FAILED } robots_state_t;

/* What we remember about one host:port: its queue, its pace, its robots.txt. */
struct host {
    host_t *next;               /* hash chain */
    char *key;                  /* "example.com:443" */
    char *robots_url;
    int running;                /* transfers in flight (robots.txt included) */
    int waiting;
    xfer_t *wait_head, *wait_tail;
    int64_t next_start_ms;
    int64_t last_used_ms;
    robots_state_t robots_state;
    fetch_robots_t *robots;     /* READY: NULL = allow all */
    int64_t robots_expires_ms;
    long crawl_delay_ms;        /* capped; -1 none */
    char robots_why[160];       /* FAILED: why */
};

struct fetch_engine {
    CURLM *multi;
    fetch_settings_t s;
    char *user_agent, *proxy;   /* our copies of the settings' strings */
    fetch_done_fn done;
    void *ctx;
    xfer_t *refused_head, *refused_tail;
    xfer_t *running;            /* so destroy can find them (curl 7.88 cannot list them) */
    int active;
    int waiting;
    fetch_allow_t *allow;
    char robots_token[64];
    host_t *hosts[HOST_BUCKETS];
    int nhosts;
    int64_t wake_ms;            /* when a waiting host can next start (0 = none) */
};

const char *fetch_class_name(fetch_class_t c)
{
    switch (c) {
    case FETCH_PAGE: return "page";
    case FETCH_NOT_MODIFIED: return "not_modified";
    case FETCH_TRANSIENT: return "transient";
    case FETCH_PERMANENT: return "permanent";
    }
    return "unknown";
}

void fetch_settings_from_config(fetch_settings_t *s, const nm_config_t *cfg)
{
    memset(s, 0, sizeof *s);
    s->connect_timeout_ms = (long)cfg->fetcher.connect_timeout_seconds * 1000;
    s->timeout_ms = (long)cfg->fetcher.timeout_seconds * 1000;
    /* A server trickling bytes must not hold a slot for the whole timeout. */
    s->low_speed_bytes = cfg->fetcher.low_speed_bytes;
    s->low_speed_seconds = cfg->fetcher.low_speed_seconds;
    s->max_bytes = cfg->fetcher.max_bytes > 0 ? (size_t)cfg->fetcher.max_bytes : 0;
    s->max_redirects = cfg->fetcher.max_redirects;
    s->user_agent = cfg->fetcher.user_agent;
    s->allow_private = cfg->fetcher.allow_private;
    s->proxy = cfg->fetcher.proxy;
    s->allow_hosts = cfg->fetcher.allow_hosts;
    s->per_host_concurrency = cfg->fetcher.per_host_concurrency;
    s->per_host_delay_ms = cfg->fetcher.per_host_delay_ms;
    s->robots = cfg->fetcher.robots;
    s->robots_ttl_ms = (long)cfg->fetcher.robots_ttl_seconds * 1000;
    s->robots_max_delay_ms = (long)cfg->fetcher.robots_max_crawl_delay_seconds * 1000;
    s->host_cache = cfg->fetcher.host_cache;
}

void fetch_result_free(fetch_result_t *r)
{
    if (!r)
        return;
    nm_buf_free(&r->body);
    free(r->url);
    free(r->final_url);
    free(r->content_type);
    free(r->charset);
    free(r->etag);
    free(r->last_modified);
    free(r->content_encoding);
    r->url = r->final_url = r->content_type = r->charset = r->etag = r->last_modified = NULL;
    r->content_encoding = NULL;
}

/* Header values come from the network: cap them and drop control bytes, so
 * they can go into logs, the database and later request headers safely. */
static char *clean_value(const char *v)
{
    if (!v)
        return NULL;
    size_t n = strnlen(v, FETCH_MAX_HEADER_VALUE);
    char *out = nm_malloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] >= 0x20 && v[i] != 0x7f)
            *o++ = v[i];
    *o = '\0';
    while (o > out && isspace((unsigned char)o[-1]))
        *--o = '\0';
    if (!*out) {
        free(out);
        return NULL;
    }
    return out;
}

static char *header_value(CURL *easy, const char *name)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
        return NULL;
    return clean_value(h->value);
}

/* charset parameter of a Content-Type, lower-cased, or NULL. */
static char *charset_of(const char *ct)
{
    if (!ct)
        return NULL;
    for (const char *p = strchr(ct, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, "charset", 7))
            continue;
        q += 7;
        while (*q == ' ')
            q++;
        if (*q != '=')
            continue;
        q++;
        while (*q == ' ' || *q == '"' || *q == '\'')
            q++;
        size_t n = 0;
        while (n < 64 && (isalnum((unsigned char)q[n]) || strchr("-_.:", q[n])) && q[n])
            n++;
        if (!n)
            return NULL;
        char *cs = nm_strndup(q, n);
        for (char *c = cs; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        return cs;
    }
    return NULL;
}

/* Content-Encoding, lower case without blanks ("gzip", "gzip,br"), or NULL
 * for none or identity: what the body still is when libcurl did not decode. */
static char *encoding_of(CURL *easy)
{
    char *v = header_value(easy, "Content-Encoding");
    if (!v)
        return NULL;
    char *o = v;
    for (const char *c = v; *c; c++)
        if (*c != ' ' && *c != '\t')
            *o++ = (char)tolower((unsigned char)*c);
    *o = '\0';
    if (!*v || !strcmp(v, "identity")) {
        free(v);
        return NULL;
    }
    return v;
}

/* Freshness lifetime from Cache-Control max-age, else Expires - Date. */
static int max_age_of(CURL *easy)
{
    const long year = 365L * 86400;
    char *cc = header_value(easy, "Cache-Control");
    long age = -1;
    if (cc) {
        for (char *c = cc; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (strstr(cc, "no-store") || strstr(cc, "no-cache"))
            age = 0;
        for (char *p = strstr(cc, "max-age"); p && age < 0; p = strstr(p + 1, "max-age")) {
            if (p > cc && p[-1] != ' ' && p[-1] != ',')
                continue;   /* s-maxage is for shared caches */
            char *q = p + 7;
            while (*q == ' ')
                q++;
            if (*q++ != '=')
                continue;
            while (*q == ' ' || *q == '"')
                q++;
            if (isdigit((unsigned char)*q))
                age = strtol(q, NULL, 10);
        }
        free(cc);
    }
    if (age < 0) {
        char *exp = header_value(easy, "Expires"), *date = header_value(easy, "Date");
        if (exp) {
            time_t e = curl_getdate(exp, NULL);
            time_t d = date ? curl_getdate(date, NULL) : -1;
            if (d < 0)
                d = time(NULL);
            age = e < 0 ? 0 : (e > d ? (long)(e - d) : 0);
        }
        free(exp);
        free(date);
    }
    if (age < 0)
        return 0;
    return (int)(age > year ? year : age);
}

/* Does libcurl hand us the body as sent (nothing for it to decode)? */
static bool body_as_sent(const xfer_t *x)
{
    if (x->eng->s.pass_encoded && !x->is_robots)
        return true;
    struct curl_header *h = NULL;
    return curl_easy_header(x->easy, "Content-Encoding", 0, CURLH_HEADER, -1, &h) != CURLHE_OK;
}

/* One allocation for the whole body when Content-Length tells its size (and
 * it is the size we will get: nothing decoded in between), instead of a
 * doubling realloc chain copying it ~twice. A lying length costs nothing:
 * the buffer still grows past it, and the cap still holds. */
static void presize(xfer_t *x)
{
    curl_off_t cl = -1;
    nm_buf_t *b = &x->res.body;
    if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) != CURLE_OK || cl <= 0 ||
        (b->limit && (size_t)cl > b->limit) || !body_as_sent(x))
        return;
    b->data = nm_malloc((size_t)cl + 1);   /* nm_buf's contract: cap counts the NUL */
    b->cap = (size_t)cl + 1;
    b->data[0] = '\0';
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    xfer_t *x = userdata;
    size_t len = size * nmemb;
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 300 && code < 400 && x->redirect_body + len <= REDIRECT_BODY_MAX) {
        x->redirect_body += len;   /* read a small one out, so the connection can serve the next hop */
        return len;
    }
    if (code < 200 || code >= 300) {
        x->discarded = true;   /* the status says all we need; don't download error pages */
        return len ? 0 : len;
    }
    if (!x->res.body.data)
        presize(x);
    if (nm_buf_append(&x->res.body, data, len) < 0) {
        x->too_large = true;
        return len ? 0 : len;
    }
    return len;
}

/* fetcher.allow_hosts: the host name is the one of the URL being connected
 * for right now (after a redirect, the new one). */
static bool allowed_by_list(xfer_t *x, const struct sockaddr *sa, socklen_t len)
{
    if (fetch_allow_count(x->eng->allow) == 0)
        return false;
    char *eff = NULL, *host = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
    CURLU *u = curl_url();
    if (u && eff && curl_url_set(u, CURLUPART_URL, eff, 0) == CURLUE_OK)
        curl_url_get(u, CURLUPART_HOST, &host, 0);
    bool ok = fetch_allow_match(x->eng->allow, host, sa, len) != 0;
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* Every connection goes through here with its resolved address, including
 * redirects and re-resolved names (DNS rebinding). */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    xfer_t *x = clientp;
    const fetch_settings_t *s = &x->eng->s;
    bool via_proxy = s->proxy && *s->proxy;   /* the proxy is trusted to enforce its own policy */
    if (!s->allow_private && !via_proxy &&
        fetch_addr_check(&a->addr, a->addrlen, x->blocked_why, sizeof x->blocked_why) < 0 &&
        !allowed_by_list(x, &a->addr, a->addrlen)) {
        x->blocked = true;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static const char *url_refusal(const char *url)
{
    if (!url || !*url)
        return "no url";
    size_t n = strnlen(url, FETCH_MAX_URL + 1);
    if (n > FETCH_MAX_URL)
        return "url too long";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
            return "malformed url (space or control character)";
    if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
        return "scheme not allowed (http and https only)";
    return NULL;
}

static char *validator(const char *v)
{
    if (!v || !*v || strlen(v) > FETCH_MAX_HEADER_VALUE || strpbrk(v, "\r\n"))
        return NULL;
    return nm_strdup(v);
}

static xfer_t *xfer_new(fetch_engine_t *e, const fetch_request_t *req)
{
    xfer_t *x = nm_calloc(1, sizeof *x);
    x->eng = e;
    x->res.id = req->id;
    x->res.user = req->user;
    x->res.url = nm_strndup(req->url ? req->url : "", req->url ? strnlen(req->url, FETCH_MAX_URL) : 0);
    nm_buf_init(&x->res.body, e->s.max_bytes);
    x->req_etag = validator(req->etag);
    x->req_last_modified = validator(req->last_modified);
    x->started_ms = x->queued_ms = nm_now_ms();
    return x;
}

static void xfer_destroy(xfer_t **x_p)
{
    xfer_t *x = *x_p;
    if (!x)
        return;
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    fetch_result_free(&x->res);
    free(x->path);
    free(x->cur_url);
    free(x->referer);
    free(x->req_etag);
    free(x->req_last_modified);
    free(x);
    *x_p = NULL;
}

static void set_reason(fetch_result_t *r, fetch_class_t cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_reason(fetch_result_t *r, fetch_class_t cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->cls = cls;
}

static void classify_status(xfer_t *x)
{
    fetch_result_t *r = &x->res;
    long st = r->http_status;
    if (st >= 200 && st < 300) {
        if (r->body.len == 0)
            set_reason(r, FETCH_PERMANENT, "empty body (http %ld)", st);
        else
            set_reason(r, FETCH_PAGE, "http %ld, %zu bytes", st, r->body.len);
    } else if (st == 304) {
        set_reason(r, FETCH_NOT_MODIFIED, "not modified");
    } else if (st == 408 || st == 429 || (st >= 500 && st < 600)) {
        if (r->retry_after > 0)
            set_reason(r, FETCH_TRANSIENT, "http %ld (retry after %d s)", st, r->retry_after);
        else
            set_reason(r, FETCH_TRANSIENT, "http %ld", st);
    } else if (st >= 300 && st < 400) {
        set_reason(r, FETCH_PERMANENT, "http %ld redirect without a usable Location", st);
    } else {
        set_reason(r, FETCH_PERMANENT, "http %ld", st);
    }
}

/* Fill the result from the finished handle and decide its class. */
static void finish(xfer_t *x, CURLcode rc)
{
    fetch_result_t *r = &x->res;
    CURL *h = x->easy;
    const fetch_settings_t *s = &x->eng->s;
    char *final = NULL;
    curl_off_t retry = 0;

    r->fetched_at = nm_time_s();
    r->elapsed_ms = (long)(nm_now_ms() - (x->first_ms ? x->first_ms : x->started_ms));
    r->redirects = x->redirects;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->http_status);
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &final);
    r->final_url = nm_strdup(final ? final : x->cur_url ? x->cur_url : r->url);
    long hop_status = r->http_status;
    if (hop_status == 0)
        r->http_status = x->prev_status;   /* this hop had no answer: report the redirect's */
    if (hop_status > 0) {
        r->content_type = header_value(h, "Content-Type");
        r->charset = charset_of(r->content_type);
        r->etag = header_value(h, "ETag");
        r->last_modified = header_value(h, "Last-Modified");
        r->max_age = max_age_of(h);
        if (s->pass_encoded)
            r->content_encoding = encoding_of(h);
        if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK && retry > 0)
            r->retry_after = retry > 86400 ? 86400 : (int)retry;
    }

    if (x->fail[0]) {   /* a redirect we would not follow */
        set_reason(r, x->fail_cls, "%s", x->fail);
    } else if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->discarded)) {
        classify_status(x);
        if (r->cls == FETCH_NOT_MODIFIED) {
            /* the validators stay the ones we sent unless the server renewed them */
            if (!r->etag && x->req_etag)
                r->etag = nm_strdup(x->req_etag);
            if (!r->last_modified && x->req_last_modified)
                r->last_modified = nm_strdup(x->req_last_modified);
        }
    } else if ((x->too_large || rc == CURLE_FILESIZE_EXCEEDED) && r->content_encoding) {
        set_reason(r, FETCH_PERMANENT, "too large: body exceeds %zu bytes (%s-encoded, before decoding)",
                   s->max_bytes, r->content_encoding);
    } else if (x->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        set_reason(r, FETCH_PERMANENT, "too large: body exceeds %zu bytes (decoded)", s->max_bytes);
    } else if (x->blocked) {
        set_reason(r, FETCH_PERMANENT, "blocked address: %s", x->blocked_why);
    } else {
        const char *detail = x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc);
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            if (strstr(detail, "too slow"))
                set_reason(r, FETCH_TRANSIENT, "timeout: too slow (under %ld bytes/s for %ld s)",
                           s->low_speed_bytes, s->low_speed_seconds);
            else if (hop_status == 0 && strstr(detail, "onnect"))
                set_reason(r, FETCH_TRANSIENT, "timeout: %s", detail);
            else
                set_reason(r, FETCH_TRANSIENT, "timeout: no complete answer within %ld ms (%s)",
                           s->timeout_ms, detail);
            break;
        case CURLE_COULDNT_CONNECT:
            set_reason(r, FETCH_TRANSIENT, "cannot connect: %s", detail);
            break;
        case CURLE_PARTIAL_FILE:
            set_reason(r, FETCH_TRANSIENT, "truncated response: %s", detail);
            break;
        case CURLE_GOT_NOTHING:
            set_reason(r, FETCH_TRANSIENT, "connection closed without an answer: %s", detail);
            break;
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
            if (strstr(detail, "reset"))
                set_reason(r, FETCH_TRANSIENT, "connection reset: %s", detail);
            else
                set_reason(r, FETCH_TRANSIENT, "%s", detail);
            break;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            set_reason(r, FETCH_TRANSIENT, "dns: %s", detail);
            break;
        case CURLE_UNSUPPORTED_PROTOCOL:
            set_reason(r, FETCH_PERMANENT, "scheme not allowed: %s", detail);
            break;
        case CURLE_TOO_MANY_REDIRECTS:
            set_reason(r, FETCH_PERMANENT, "too many redirects (max %d)", s->max_redirects);
            break;
        case CURLE_URL_MALFORMAT:
            set_reason(r, FETCH_PERMANENT, "malformed url: %s", detail);
            break;
        case CURLE_BAD_CONTENT_ENCODING:
            set_reason(r, FETCH_PERMANENT, "bad content encoding: %s", detail);
            break;
        case CURLE_PEER_FAILED_VERIFICATION:
            set_reason(r, FETCH_PERMANENT, "tls certificate: %s", detail);
            break;
        default:   /* refused, reset, TLS handshake, partial body: the network, try again */
            set_reason(r, FETCH_TRANSIENT, "%s", detail);
            break;
        }
    }
    if (r->cls != FETCH_PAGE) {
        nm_buf_free(&r->body);
        free(r->content_encoding);
        r->content_encoding = NULL;
    }
}

fetch_engine_t *fetch_engine_new(const fetch_settings_t *s, fetch_done_fn done, void *ctx,
                                 char *err, size_t errlen)
{
    fetch_allow_t *allow = fetch_allow_new(s->allow_hosts, err, errlen);
    if (!allow)
        return NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init failed");
        fetch_allow_destroy(&allow);
        return NULL;
    }
    fetch_engine_t *e = nm_calloc(1, sizeof *e);
    e->multi = curl_multi_init();
    if (!e->multi) {
        snprintf(err, errlen, "curl_multi_init failed");
        fetch_allow_destroy(&allow);
        free(e);
        curl_global_cleanup();
        return NULL;
    }
    e->allow = allow;
    e->s = *s;
    e->user_agent = nm_strdup(s->user_agent ? s->user_agent : "newsmill");
    e->proxy = nm_strdup(s->proxy ? s->proxy : "");
    e->s.user_agent = e->user_agent;
    e->s.proxy = e->proxy;
    e->s.allow_hosts = NULL;   /* parsed into e->allow; the string is not ours to keep */
    if (e->s.robots_ttl_ms <= 0)
        e->s.robots_ttl_ms = 86400L * 1000;
    if (e->s.host_cache <= 0)
        e->s.host_cache = DEFAULT_HOST_CACHE;
    fetch_robots_token(e->user_agent, e->robots_token, sizeof e->robots_token);
    e->done = done;
    e->ctx = ctx;
    return e;
}

/* ---- hosts: politeness queues and robots.txt ---- */

static unsigned host_hash(const char *k)
{
    unsigned h = 2166136261u;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 16777619u;
    return h % HOST_BUCKETS;
}

static void host_free(host_t *h)
{
    fetch_robots_destroy(&h->robots);
    free(h->key);
    free(h->robots_url);
    free(h);
}

static bool host_idle(const host_t *h)
{
    return h->running == 0 && h->waiting == 0;
}

/* Past the cap, forget the idle host used longest ago (its robots.txt is
 * fetched again if it comes back). */
static void host_evict_one(fetch_engine_t *e)
{
    host_t **victim = NULL;
    for (int b = 0; b < HOST_BUCKETS; b++)
        for (host_t **p = &e->hosts[b]; *p; p = &(*p)->next)
            if (host_idle(*p) && (!victim || (*p)->last_used_ms < (*victim)->last_used_ms))
                victim = p;
    if (!victim)
        return;   /* every host is busy: the cap gives way rather than the work */
    host_t *h = *victim;
    *victim = h->next;
    host_free(h);
    e->nhosts--;
}

static host_t *host_get(fetch_engine_t *e, const char *key, const char *scheme, const char *hostname,
                        const char *port)
{
    unsigned b = host_hash(key);
    for (host_t *h = e->hosts[b]; h; h = h->next)
        if (!strcmp(h->key, key))
            return h;
    if (e->nhosts >= e->s.host_cache)
        host_evict_one(e);
    host_t *h = nm_calloc(1, sizeof *h);
    h->key = nm_strdup(key);
    size_t n = strlen(scheme) + strlen(hostname) + strlen(port) + 32;
    h->robots_url = nm_malloc(n);
    snprintf(h->robots_url, n, "%s://%s:%s/robots.txt", scheme, hostname, port);
    h->crawl_delay_ms = -1;
    h->next = e->hosts[b];
    e->hosts[b] = h;
    e->nhosts++;
    return h;
}

static void ready_push(fetch_engine_t *e, xfer_t *x)
{
    x->next = NULL;
    if (e->refused_tail)
        e->refused_tail->next = x;
    else
        e->refused_head = x;
    e->refused_tail = x;
}

static void refuse(fetch_engine_t *e, xfer_t *x, const char *why)
{
    x->res.final_url = nm_strdup(x->res.url);
    x->res.fetched_at = nm_time_s();
    set_reason(&x->res, FETCH_PERMANENT, "%s", why);
    ready_push(e, x);
    e->active++;
}

/* A request that ends without a transfer of its own (robots.txt said no,
 * or its host kept it waiting too long): delivered at the next poll. */
static void complete_waiting(fetch_engine_t *e, xfer_t *x)
{
    free(x->res.final_url);
    x->res.final_url = nm_strdup(x->cur_url ? x->cur_url : x->res.url);
    x->res.fetched_at = nm_time_s();
    x->res.elapsed_ms = (long)(nm_now_ms() - (x->first_ms ? x->first_ms : x->queued_ms));
    x->res.redirects = x->redirects;
    ready_push(e, x);
}

/* For reasons given while a redirect hop waits: which URL it was. */
static const char *hop_note(const xfer_t *x, char *buf, size_t len)
{
    if (!x->redirects)
        return "";
    snprintf(buf, len, " (redirect to %.140s)", x->cur_url);
    return buf;
}

static long host_delay_ms(const fetch_engine_t *e, const host_t *h)
{
    long d = e->s.per_host_delay_ms > 0 ? e->s.per_host_delay_ms : 0;
    if (h->crawl_delay_ms > d)
        d = h->crawl_delay_ms;
    return d;
}

static void xfer_link_running(fetch_engine_t *e, xfer_t *x)
{
    x->rprev = NULL;
    x->rnext = e->running;
    if (e->running)
        e->running->rprev = x;
    e->running = x;
}

static void xfer_unlink_running(fetch_engine_t *e, xfer_t *x)
{
    if (x->rprev)
        x->rprev->rnext = x->rnext;
    else if (e->running == x)
        e->running = x->rnext;
    if (x->rnext)
        x->rnext->rprev = x->rprev;
    x->rprev = x->rnext = NULL;
}

/* Set up the easy handle and hand it to libcurl; -1 with err on failure.
 * A redirect hop reuses its transfer's handle: the cookies the last answer
 * set go with it (libcurl's cookie engine matches them to the new host),
 * and so do the conditional GET headers, as when libcurl followed. */
static int xfer_start(fetch_engine_t *e, xfer_t *x, char *err, size_t errlen)
{
    const fetch_settings_t *s = &e->s;
    CURL *h = x->easy;
    if (!h) {
        h = x->easy = curl_easy_init();
        if (!h) {
            snprintf(err, errlen, "curl_easy_init failed");
            return -1;
        }
        curl_easy_setopt(h, CURLOPT_PRIVATE, x);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->curl_err);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        /* Pages: we follow redirects ourselves, each hop paced and checked
         * against robots.txt on its own host. robots.txt itself: libcurl
         * follows (RFC 9309 2.3.1.2), as one request to the asking host. */
        if (x->is_robots) {
            curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
            curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)s->max_redirects);
        }
        if (s->pass_encoded && !x->is_robots) {
            /* what parse_body decodes; libcurl only negotiates */
            curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip, deflate, br");
            curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, 0L);
        } else {
            curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");   /* every encoding libcurl can decode */
        }
        curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");        /* cookies across one transfer's redirects */
        curl_easy_setopt(h, CURLOPT_USERAGENT, s->user_agent);
        /* "" disables proxies outright, even http_proxy & co. from the environment;
         * NOPROXY "" stops no_proxy from routing around a configured proxy. */
        curl_easy_setopt(h, CURLOPT_PROXY, s->proxy);
        curl_easy_setopt(h, CURLOPT_NOPROXY, "");
        if (s->connect_timeout_ms > 0)
            curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
        if (s->low_speed_seconds > 0 && s->low_speed_bytes > 0) {
            curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, s->low_speed_bytes);
            curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, s->low_speed_seconds);
        }
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);

        char line[FETCH_MAX_HEADER_VALUE + 32];
        if (x->req_etag) {
            snprintf(line, sizeof line, "If-None-Match: %s", x->req_etag);
            x->headers = curl_slist_append(x->headers, line);
        }
        if (x->req_last_modified) {
            snprintf(line, sizeof line, "If-Modified-Since: %s", x->req_last_modified);
            x->headers = curl_slist_append(x->headers, line);
        }
        if (x->headers)
            curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
    }
    curl_easy_setopt(h, CURLOPT_URL, x->cur_url ? x->cur_url : x->res.url);
    curl_easy_setopt(h, CURLOPT_REFERER, x->referer);   /* NULL: none */
    if (s->timeout_ms > 0) {
        /* the timeout is the job's: what earlier hops used is gone */
        long left = s->timeout_ms - (long)x->spent_ms;
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left > 1 ? left : 1L);
    }

    CURLMcode mc = curl_multi_add_handle(e->multi, h);
    if (mc != CURLM_OK) {
        snprintf(err, errlen, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        return -1;
    }
    x->started_ms = nm_now_ms();
    if (!x->first_ms)
        x->first_ms = x->started_ms;
    xfer_link_running(e, x);
    if (x->host) {
        x->host->running++;
        x->on_host = true;
    }
    return 0;
}

static void robots_start(fetch_engine_t *e, host_t *h)
{
    xfer_t *x = nm_calloc(1, sizeof *x);
    x->eng = e;
    x->is_robots = true;
    x->host = h;
    x->res.url = nm_strdup(h->robots_url);
    nm_buf_init(&x->res.body, FETCH_ROBOTS_MAX_BYTES);
    char err[256];
    h->robots_state = ROBOTS_FETCHING;
    h->next_start_ms = nm_now_ms() + host_delay_ms(e, h);   /* robots.txt is a request too */
    if (xfer_start(e, x, err, sizeof err) < 0) {
        h->robots_state = ROBOTS_FAILED;
        h->robots_expires_ms = nm_now_ms() + ROBOTS_RETRY_MS;
        snprintf(h->robots_why, sizeof h->robots_why, "robots.txt not requested: %.120s", err);
        xfer_destroy(&x);
    }
}

/* The robots.txt answer decides the host's rules (RFC 9309 section 2.3.1). */
static void robots_done(fetch_engine_t *e, xfer_t *x, CURLcode rc)
{
    host_t *h = x->host;
    long st = 0;
    int64_t now = nm_now_ms();
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
    fetch_robots_destroy(&h->robots);
    h->crawl_delay_ms = -1;
    h->robots_state = ROBOTS_READY;
    h->robots_expires_ms = now + e->s.robots_ttl_ms;
    bool answered = rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && (x->discarded || x->too_large));
    if (answered && st >= 200 && st < 300) {
        /* past the cap we still obey what we read (RFC 9309: at least 500 KiB) */
        h->robots = fetch_robots_parse(x->res.body.data ? x->res.body.data : "", x->res.body.len,
                                       e->robots_token);
        long d = fetch_robots_crawl_delay_ms(h->robots);
        if (d >= 0)
            h->crawl_delay_ms = d < e->s.robots_max_delay_ms ? d : e->s.robots_max_delay_ms;
    } else if ((answered && st >= 400 && st < 500 && st != 429) || rc == CURLE_TOO_MANY_REDIRECTS ||
               x->blocked || (answered && st >= 300 && st < 400)) {
        /* "unavailable": no rules (a blocked address blocks the pages themselves) */
    } else {
        h->robots_state = ROBOTS_FAILED;
        h->robots_expires_ms = now + (e->s.robots_ttl_ms < ROBOTS_RETRY_MS ? e->s.robots_ttl_ms : ROBOTS_RETRY_MS);
        if (answered)
            snprintf(h->robots_why, sizeof h->robots_why, "http %ld", st);
        else
            snprintf(h->robots_why, sizeof h->robots_why, "%.150s",
                     x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc));
    }
}

static void pump_host(fetch_engine_t *e, host_t *h);
static host_t *host_of_url(fetch_engine_t *e, xfer_t *x, const char *url, char *why, size_t whylen);
static void host_enqueue(fetch_engine_t *e, host_t *h, xfer_t *x, bool front);

/* The first Location of the last answer, as sent (capped), or NULL. */
static char *location_of(CURL *easy)
{
    struct curl_header *hd = NULL;
    if (curl_easy_header(easy, "Location", 0, CURLH_HEADER, -1, &hd) != CURLHE_OK || !hd || !hd->value)
        return NULL;
    size_t n = strnlen(hd->value, FETCH_MAX_URL + 1);
    return n > FETCH_MAX_URL ? NULL : nm_strndup(hd->value, n);
}

/* Referer for a hop from `from` (what libcurl's AUTOREFERER sent, without
 * credentials and fragment), or NULL: none from https to plain http. */
static char *referer_for(const char *from, const char *to)
{
    if (!strncasecmp(from, "https:", 6) && strncasecmp(to, "https:", 6))
        return NULL;
    char *out = NULL, *ref = NULL;
    CURLU *u = curl_url();
    if (u && curl_url_set(u, CURLUPART_URL, from, 0) == CURLUE_OK) {
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &ref, 0) == CURLUE_OK && ref)
            out = nm_strdup(ref);
    }
    curl_free(ref);
    curl_url_cleanup(u);
    return out;
}

/* A hop of x answered. If the answer is a redirect we follow, queue x for
 * the next hop on that URL's host (front of its queue: the job's lease is
 * running) and return true. Otherwise false: the answer is the result, and
 * x->fail says why when the redirect itself is the reason it ends there. */
static bool follow(fetch_engine_t *e, xfer_t *x, CURLcode rc)
{
    const fetch_settings_t *s = &e->s;
    if (!(rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->discarded)))
        return false;
    long st = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
    if (st < 300 || st >= 400 || st == 304)
        return false;
    const char *cur = x->cur_url ? x->cur_url : x->res.url;
    char *loc = location_of(x->easy);
    /* an empty Location would resolve to this very URL: libcurl ignored it, so
     * do we (curl 7.88's header API gives an empty value as "\r") */
    const char *p = loc;
    while (p && *p && (unsigned char)*p <= ' ')
        p++;
    char *next = p && *p ? nm_url_resolve(cur, p) : NULL;
    free(loc);
    if (!next || !*next) {
        free(next);
        return false;   /* classify_status: "redirect without a usable Location" */
    }
    char *hash = strchr(next, '#');   /* never sent to the server */
    if (hash)
        *hash = '\0';

    int64_t now = nm_now_ms();
    x->spent_ms += now - x->started_ms;
    int max = s->max_redirects < 0 ? REDIRECTS_UNLIMITED : s->max_redirects;
    const char *why = url_refusal(next);
    char hwhy[200];
    host_t *h = NULL;
    if (x->redirects >= max) {
        x->fail_cls = FETCH_PERMANENT;
        snprintf(x->fail, sizeof x->fail, "too many redirects (max %d)", max);
    } else if (why) {
        x->fail_cls = FETCH_PERMANENT;
        snprintf(x->fail, sizeof x->fail, "%s: redirect to %.150s", why, next);
    } else if (s->timeout_ms > 0 && x->spent_ms >= s->timeout_ms) {
        x->fail_cls = FETCH_TRANSIENT;
        snprintf(x->fail, sizeof x->fail, "timeout: no complete answer within %ld ms (%d redirects)",
                 s->timeout_ms, x->redirects);
    } else if (!(h = host_of_url(e, x, next, hwhy, sizeof hwhy))) {
        x->fail_cls = FETCH_PERMANENT;
        snprintf(x->fail, sizeof x->fail, "%.80s: redirect to %.150s", hwhy, next);
    }
    if (!h) {
        free(next);
        return false;
    }

    x->redirects++;
    x->prev_status = x->res.http_status = st;
    free(x->referer);
    x->referer = referer_for(cur, next);
    free(x->cur_url);
    x->cur_url = next;
    x->discarded = x->too_large = x->blocked = false;
    x->blocked_why[0] = x->curl_err[0] = '\0';
    x->redirect_body = 0;
    nm_buf_reset(&x->res.body);
    host_t *old = x->host;
    if (old && x->on_host)
        old->running--;
    x->on_host = false;
    if (old)
        old->last_used_ms = now;
    host_enqueue(e, h, x, true);
    if (old && old != h)
        pump_host(e, old);
    pump_host(e, h);
    return true;
}

static void finish_xfer(fetch_engine_t *e, xfer_t *x, CURLcode rc, bool *delivered_any)
{
    if (!x->is_robots && follow(e, x, rc))
        return;   /* on to its next hop */
    host_t *h = x->host;
    if (x->on_host && h)
        h->running--;
    x->on_host = false;
    if (x->is_robots) {
        robots_done(e, x, rc);
        xfer_destroy(&x);
    } else {
        finish(x, rc);
        e->active--;
        if (e->done)
            e->done(&x->res, e->ctx);
        xfer_destroy(&x);
        *delivered_any = true;
    }
    if (h) {
        h->last_used_ms = nm_now_ms();
        pump_host(e, h);
    }
}

static void wait_unlink(host_t *h, xfer_t *prev, xfer_t *x)
{
    if (prev)
        prev->wnext = x->wnext;
    else
        h->wait_head = x->wnext;
    if (h->wait_tail == x)
        h->wait_tail = prev;
    x->wnext = NULL;
    h->waiting--;
}

/* Move a host's queue along: robots.txt first, then as many requests as its
 * limits allow now; note when it can next go. */
static void pump_host(fetch_engine_t *e, host_t *h)
{
    int64_t now = nm_now_ms();
    const fetch_settings_t *s = &e->s;

    /* requests whose lease ran out while they waited: report, don't start */
    for (xfer_t *prev = NULL, *x = h->wait_head; x;) {
        xfer_t *next = x->wnext;
        if (x->start_before_ms && now >= x->start_before_ms) {
            wait_unlink(h, prev, x);
            e->waiting--;
            char note[200];
            set_reason(&x->res, FETCH_TRANSIENT, "host busy: not started within %ld ms (politeness for %s)%s",
                       (long)(now - x->queued_ms), h->key, hop_note(x, note, sizeof note));
            x->res.retry_after = (int)(host_delay_ms(e, h) / 1000 + 1);
            complete_waiting(e, x);
        } else {
            prev = x;
        }
        x = next;
    }
    if (!h->wait_head)
        return;

    if (s->robots) {
        if ((h->robots_state == ROBOTS_READY || h->robots_state == ROBOTS_FAILED) && now >= h->robots_expires_ms)
            h->robots_state = ROBOTS_NONE;
        if (h->robots_state == ROBOTS_NONE) {
            if (now < h->next_start_ms) {
                if (!e->wake_ms || h->next_start_ms < e->wake_ms)
                    e->wake_ms = h->next_start_ms;
                return;
            }
            robots_start(e, h);
        }
        if (h->robots_state == ROBOTS_FETCHING)
            return;
    }

    while (h->wait_head) {
        xfer_t *x = h->wait_head;
        char rule[256];
        if (s->robots && h->robots_state == ROBOTS_FAILED) {
            wait_unlink(h, NULL, x);
            e->waiting--;
            long left = (long)((h->robots_expires_ms - now) / 1000) + 1;
            char note[200];
            set_reason(&x->res, FETCH_TRANSIENT, "robots.txt unreachable (%s): host disallowed for now%s",
                       h->robots_why, hop_note(x, note, sizeof note));
            x->res.retry_after = (int)(left > 0 ? left : 1);
            complete_waiting(e, x);
            continue;
        }
        if (s->robots && h->robots && !fetch_robots_allowed(h->robots, x->path, rule, sizeof rule)) {
            wait_unlink(h, NULL, x);
            e->waiting--;
            char note[200];
            set_reason(&x->res, FETCH_PERMANENT, "disallowed by robots.txt (%s)%s", rule,
                       hop_note(x, note, sizeof note));
            complete_waiting(e, x);
            continue;
        }
        if (s->per_host_concurrency > 0 && h->running >= s->per_host_concurrency)
            break;   /* a finishing transfer pumps again */
        if (now < h->next_start_ms) {
            if (!e->wake_ms || h->next_start_ms < e->wake_ms)
                e->wake_ms = h->next_start_ms;
            break;
        }
        wait_unlink(h, NULL, x);
        e->waiting--;
        char err[256];
        if (xfer_start(e, x, err, sizeof err) < 0) {
            if (x->easy) {
                curl_easy_cleanup(x->easy);
                x->easy = NULL;
            }
            set_reason(&x->res, FETCH_TRANSIENT, "cannot start transfer: %s", err);
            complete_waiting(e, x);
            continue;
        }
        h->next_start_ms = now + host_delay_ms(e, h);
    }
}

static void pump_all(fetch_engine_t *e)
{
    e->wake_ms = 0;
    if (e->waiting == 0)
        return;
    for (int b = 0; b < HOST_BUCKETS; b++)
        for (host_t *h = e->hosts[b]; h; h = h->next)
            if (h->wait_head)
                pump_host(e, h);
}

void fetch_engine_cancel_waiting(fetch_engine_t *e, void (*drop)(void *user, void *ctx), void *ctx)
{
    for (int b = 0; b < HOST_BUCKETS; b++)
        for (host_t *h = e->hosts[b]; h; h = h->next)
            while (h->wait_head) {
                xfer_t *x = h->wait_head;
                wait_unlink(h, NULL, x);
                e->waiting--;
                e->active--;
                if (drop)
                    drop(x->res.user, ctx);
                xfer_destroy(&x);
            }
}

void fetch_engine_cancel_all(fetch_engine_t *e, void (*drop)(void *user, void *ctx), void *ctx)
{
    while (e->running) {
        xfer_t *x = e->running;
        e->running = x->rnext;
        curl_multi_remove_handle(e->multi, x->easy);
        if (x->on_host && x->host)
            x->host->running--;
        if (x->is_robots)
            x->host->robots_state = ROBOTS_NONE;
        else if (drop)
            drop(x->res.user, ctx);
        xfer_destroy(&x);
    }
    for (int b = 0; b < HOST_BUCKETS; b++)
        for (host_t *h = e->hosts[b]; h; h = h->next)
            while (h->wait_head) {
                xfer_t *x = h->wait_head;
                wait_unlink(h, NULL, x);
                if (drop)
                    drop(x->res.user, ctx);
                xfer_destroy(&x);
            }
    while (e->refused_head) {
        xfer_t *x = e->refused_head;
        e->refused_head = x->next;
        if (drop)
            drop(x->res.user, ctx);
        xfer_destroy(&x);
    }
    e->refused_tail = NULL;
    e->active = 0;
    e->waiting = 0;
}

void fetch_engine_destroy(fetch_engine_t **e_p)
{
    fetch_engine_t *e = e_p ? *e_p : NULL;
    if (!e)
        return;
    fetch_engine_cancel_all(e, NULL, NULL);
    for (int b = 0; b < HOST_BUCKETS; b++)
        while (e->hosts[b]) {
            host_t *h = e->hosts[b];
            e->hosts[b] = h->next;
            host_free(h);
        }
    curl_multi_cleanup(e->multi);
    fetch_allow_destroy(&e->allow);
    free(e->user_agent);
    free(e->proxy);
    free(e);
    curl_global_cleanup();
    *e_p = NULL;
}

int fetch_engine_active(const fetch_engine_t *e)
{
    return e->active;
}

int fetch_engine_waiting(const fetch_engine_t *e)
{
    return e->waiting;
}

/* The host (politeness queue, robots.txt) that url belongs to, and x->path
 * for robots.txt; NULL with why if libcurl cannot parse it. The key and
 * robots.txt location come from libcurl's own parser, so they agree with
 * where libcurl will connect. May forget an idle host (host_cache). */
static host_t *host_of_url(fetch_engine_t *e, xfer_t *x, const char *url, char *why, size_t whylen)
{
    char *scheme = NULL, *hostname = NULL, *port = NULL, *path = NULL, *query = NULL;
    host_t *h = NULL;
    CURLU *u = curl_url();
    CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_HOST, &hostname, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_PATH, &path, 0);
    if (uc == CURLUE_OK && curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        query = NULL;
    if (uc != CURLUE_OK) {
        snprintf(why, whylen, "malformed url: %s", curl_url_strerror(uc));
    } else {
        char key[600];
        snprintf(key, sizeof key, "%.500s:%s", hostname, port);
        for (char *c = key; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        size_t n = strlen(path) + (query ? strlen(query) + 1 : 0) + 1;
        free(x->path);
        x->path = nm_malloc(n);
        snprintf(x->path, n, "%s%s%s", path, query ? "?" : "", query ? query : "");
        h = host_get(e, key, scheme, hostname, port);
        h->last_used_ms = nm_now_ms();
    }
    curl_free(scheme);
    curl_free(hostname);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return h;
}

/* Queue x behind its host: at the back, or (a redirect hop, whose job has
 * already started and whose lease is running) at the front. */
static void host_enqueue(fetch_engine_t *e, host_t *h, xfer_t *x, bool front)
{
    x->host = h;
    x->queued_ms = nm_now_ms();
    if (front) {
        x->wnext = h->wait_head;
        h->wait_head = x;
        if (!h->wait_tail)
            h->wait_tail = x;
    } else {
        x->wnext = NULL;
        if (h->wait_tail)
            h->wait_tail->wnext = x;
        else
            h->wait_head = x;
        h->wait_tail = x;
    }
    h->waiting++;
    e->waiting++;
}

int fetch_engine_add(fetch_engine_t *e, const fetch_request_t *req, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    xfer_t *x = xfer_new(e, req);
    const char *why = url_refusal(req->url);
    if (why) {
        refuse(e, x, why);
        return 0;
    }
    char reason[200];
    host_t *h = host_of_url(e, x, x->res.url, reason, sizeof reason);
    if (!h) {
        refuse(e, x, reason);
        return 0;
    }
    x->start_before_ms = req->start_before > 0 ? nm_now_ms() + (req->start_before - nm_time_s()) * 1000 : 0;
    host_enqueue(e, h, x, false);
    e->active++;
    /* started now if the host allows; completions wait for the next poll */
    pump_host(e, h);
    return 0;
}

static void deliver(fetch_engine_t *e, xfer_t *x)
{
    e->active--;
    if (e->done)
        e->done(&x->res, e->ctx);
    xfer_destroy(&x);
}

static int deliver_ready(fetch_engine_t *e)
{
    int delivered = 0;
    while (e->refused_head) {
        xfer_t *x = e->refused_head;
        e->refused_head = x->next;
        if (!e->refused_head)
            e->refused_tail = NULL;
        deliver(e, x);
        delivered++;
    }
    return delivered;
}

int fetch_engine_poll(fetch_engine_t *e, const int *extra_fds, int nfds, int timeout_ms)
{
    pump_all(e);
    int delivered = deliver_ready(e);

    struct curl_waitfd w[FETCH_MAX_EXTRA_FDS];
    int n = nfds < FETCH_MAX_EXTRA_FDS ? nfds : FETCH_MAX_EXTRA_FDS;
    for (int i = 0; i < n; i++) {
        w[i].fd = extra_fds[i];
        w[i].events = CURL_WAIT_POLLIN;
        w[i].revents = 0;
    }
    int wait = delivered ? 0 : timeout_ms;
    if (e->wake_ms) {   /* a host's pause ends sooner */
        int64_t until = e->wake_ms - nm_now_ms();
        if (until < wait)
            wait = until > 0 ? (int)until : 0;
    }
    curl_multi_poll(e->multi, n ? w : NULL, (unsigned)n, wait, NULL);

    int running = 0;
    curl_multi_perform(e->multi, &running);

    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *h = m->easy_handle;
        CURLcode rc = m->data.result;   /* m is invalid after remove_handle */
        xfer_t *x = NULL;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(e->multi, h);
        xfer_unlink_running(e, x);
        bool any = false;
        finish_xfer(e, x, rc, &any);
        if (any)
            delivered++;
    }
    pump_all(e);
    delivered += deliver_ready(e);
    return delivered;
}

typedef struct {
    fetch_result_t *out;
    bool done;
} one_shot_t;

static void one_shot_done(fetch_result_t *res, void *ctx)
{
    one_shot_t *o = ctx;
    *o->out = *res;              /* take everything; the engine frees an empty shell */
    memset(res, 0, sizeof *res);
    o->done = true;
}

int fetch_url(const fetch_settings_t *s, const char *url, const char *etag,
              const char *last_modified, fetch_result_t *out, char *err, size_t errlen)
{
    one_shot_t o = { .out = out, .done = false };
    memset(out, 0, sizeof *out);
    fetch_engine_t *e = fetch_engine_new(s, one_shot_done, &o, err, errlen);
    if (!e)
        return -1;
    fetch_request_t req = { .url = url, .etag = etag, .last_modified = last_modified };
    if (fetch_engine_add(e, &req, err, errlen) < 0) {
        fetch_engine_destroy(&e);
        return -1;
    }
    while (!o.done)
        fetch_engine_poll(e, NULL, 0, 1000);
    fetch_engine_destroy(&e);
    return 0;
}

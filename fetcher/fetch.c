#include "fetch.h"
#include "fetch_addr.h"
#include "nm_daemon.h"

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
} xfer_t;

struct fetch_engine {
    CURLM *multi;
    fetch_settings_t s;
    char *user_agent, *proxy;   /* our copies of the settings' strings */
    fetch_done_fn done;
    void *ctx;
    xfer_t *refused_head, *refused_tail;
    xfer_t *running;            /* so destroy can find them (curl 7.88 cannot list them) */
    int active;
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
    s->low_speed_bytes = 64;
    s->low_speed_seconds = cfg->fetcher.timeout_seconds > 20 ? 15 : 0;
    s->max_bytes = cfg->fetcher.max_bytes > 0 ? (size_t)cfg->fetcher.max_bytes : 0;
    s->max_redirects = cfg->fetcher.max_redirects;
    s->user_agent = cfg->fetcher.user_agent;
    s->allow_private = cfg->fetcher.allow_private;
    s->proxy = cfg->fetcher.proxy;
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
    r->url = r->final_url = r->content_type = r->charset = r->etag = r->last_modified = NULL;
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

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    xfer_t *x = userdata;
    size_t len = size * nmemb;
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code >= 300) {
        x->discarded = true;   /* the status says all we need; don't download error pages */
        return len ? 0 : len;
    }
    if (nm_buf_append(&x->res.body, data, len) < 0) {
        x->too_large = true;
        return len ? 0 : len;
    }
    return len;
}

/* Every connection goes through here with its resolved address, including
 * redirects and re-resolved names (DNS rebinding). */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    xfer_t *x = clientp;
    const fetch_settings_t *s = &x->eng->s;
    bool via_proxy = s->proxy && *s->proxy;   /* the proxy is trusted to enforce its own policy */
    if (!s->allow_private && !via_proxy &&
        fetch_addr_check(&a->addr, a->addrlen, x->blocked_why, sizeof x->blocked_why) < 0) {
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
    x->started_ms = nm_now_ms();
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
    r->elapsed_ms = (long)(nm_now_ms() - x->started_ms);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->http_status);
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &final);
    r->final_url = nm_strdup(final ? final : r->url);
    if (r->http_status > 0) {
        r->content_type = header_value(h, "Content-Type");
        r->charset = charset_of(r->content_type);
        r->etag = header_value(h, "ETag");
        r->last_modified = header_value(h, "Last-Modified");
        r->max_age = max_age_of(h);
        if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK && retry > 0)
            r->retry_after = retry > 86400 ? 86400 : (int)retry;
    }

    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->discarded)) {
        classify_status(x);
        if (r->cls == FETCH_NOT_MODIFIED) {
            /* the validators stay the ones we sent unless the server renewed them */
            if (!r->etag && x->req_etag)
                r->etag = nm_strdup(x->req_etag);
            if (!r->last_modified && x->req_last_modified)
                r->last_modified = nm_strdup(x->req_last_modified);
        }
    } else if (x->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        set_reason(r, FETCH_PERMANENT, "too large: body exceeds %zu bytes (decoded)", s->max_bytes);
    } else if (x->blocked) {
        set_reason(r, FETCH_PERMANENT, "blocked address: %s", x->blocked_why);
    } else {
        const char *detail = x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc);
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            set_reason(r, FETCH_TRANSIENT, "timeout: %s", detail);
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
    if (r->cls != FETCH_PAGE)
        nm_buf_free(&r->body);
}

fetch_engine_t *fetch_engine_new(const fetch_settings_t *s, fetch_done_fn done, void *ctx,
                                 char *err, size_t errlen)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init failed");
        return NULL;
    }
    fetch_engine_t *e = nm_calloc(1, sizeof *e);
    e->multi = curl_multi_init();
    if (!e->multi) {
        snprintf(err, errlen, "curl_multi_init failed");
        free(e);
        curl_global_cleanup();
        return NULL;
    }
    e->s = *s;
    e->user_agent = nm_strdup(s->user_agent ? s->user_agent : "newsmill");
    e->proxy = nm_strdup(s->proxy ? s->proxy : "");
    e->s.user_agent = e->user_agent;
    e->s.proxy = e->proxy;
    e->done = done;
    e->ctx = ctx;
    return e;
}

void fetch_engine_cancel_all(fetch_engine_t *e, void (*drop)(void *user, void *ctx), void *ctx)
{
    while (e->running) {
        xfer_t *x = e->running;
        e->running = x->rnext;
        curl_multi_remove_handle(e->multi, x->easy);
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
}

void fetch_engine_destroy(fetch_engine_t **e_p)
{
    fetch_engine_t *e = e_p ? *e_p : NULL;
    if (!e)
        return;
    fetch_engine_cancel_all(e, NULL, NULL);
    curl_multi_cleanup(e->multi);
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

static void refuse(fetch_engine_t *e, xfer_t *x, const char *why)
{
    x->res.final_url = nm_strdup(x->res.url);
    x->res.fetched_at = nm_time_s();
    set_reason(&x->res, FETCH_PERMANENT, "%s", why);
    if (e->refused_tail)
        e->refused_tail->next = x;
    else
        e->refused_head = x;
    e->refused_tail = x;
    e->active++;
}

int fetch_engine_add(fetch_engine_t *e, const fetch_request_t *req, char *err, size_t errlen)
{
    xfer_t *x = xfer_new(e, req);
    const char *why = url_refusal(req->url);
    if (why) {
        refuse(e, x, why);
        return 0;
    }
    CURL *h = x->easy = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "curl_easy_init failed");
        xfer_destroy(&x);
        return -1;
    }
    const fetch_settings_t *s = &e->s;
    curl_easy_setopt(h, CURLOPT_URL, x->res.url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->curl_err);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)s->max_redirects);
    curl_easy_setopt(h, CURLOPT_AUTOREFERER, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");   /* every encoding libcurl can decode */
    curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");        /* cookies across one transfer's redirects */
    curl_easy_setopt(h, CURLOPT_USERAGENT, s->user_agent);
    /* "" disables proxies outright, even http_proxy & co. from the environment;
     * NOPROXY "" stops no_proxy from routing around a configured proxy. */
    curl_easy_setopt(h, CURLOPT_PROXY, s->proxy);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "");
    if (s->connect_timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    if (s->timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    if (s->low_speed_seconds > 0) {
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

    CURLMcode mc = curl_multi_add_handle(e->multi, h);
    if (mc != CURLM_OK) {
        snprintf(err, errlen, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        xfer_destroy(&x);
        return -1;
    }
    x->rnext = e->running;
    if (e->running)
        e->running->rprev = x;
    e->running = x;
    e->active++;
    return 0;
}

static void deliver(fetch_engine_t *e, xfer_t *x)
{
    e->active--;
    if (e->done)
        e->done(&x->res, e->ctx);
    xfer_destroy(&x);
}

int fetch_engine_poll(fetch_engine_t *e, const int *extra_fds, int nfds, int timeout_ms)
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

    struct curl_waitfd w[FETCH_MAX_EXTRA_FDS];
    int n = nfds < FETCH_MAX_EXTRA_FDS ? nfds : FETCH_MAX_EXTRA_FDS;
    for (int i = 0; i < n; i++) {
        w[i].fd = extra_fds[i];
        w[i].events = CURL_WAIT_POLLIN;
        w[i].revents = 0;
    }
    curl_multi_poll(e->multi, n ? w : NULL, (unsigned)n, delivered ? 0 : timeout_ms, NULL);

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
        if (x->rprev)
            x->rprev->rnext = x->rnext;
        else
            e->running = x->rnext;
        if (x->rnext)
            x->rnext->rprev = x->rprev;
        finish(x, rc);
        deliver(e, x);
        delivered++;
    }
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

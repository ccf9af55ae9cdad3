/* nm_url: RFC 3986 reference resolution (section 5.2) and canonicalisation.
 *
 * Written directly rather than through xmlBuildURI: libxml2 2.9's resolver
 * mishandles some references ("?q", "//host") and rejects URLs with spaces,
 * which feeds contain; here input is first cleaned the way browsers do
 * (trim, drop tabs/newlines, '\' -> '/', percent-encode what is not ASCII). */
#include "nm_url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nm_buf.h"

#define URL_MAX 8192   /* longer "URLs" are not links we want to keep */

typedef struct {
    const char *scheme; size_t scheme_len;      /* without ':' */
    const char *auth; size_t auth_len; int has_auth;
    const char *path; size_t path_len;
    const char *query; size_t query_len; int has_query;
    const char *frag; size_t frag_len; int has_frag;
} url_parts_t;

/* RFC 3986 appendix B, which never fails. */
static void url_split(const char *s, url_parts_t *u)
{
    memset(u, 0, sizeof *u);
    const char *p = s;
    const char *q = p;
    if (isalpha((unsigned char)*q)) {
        while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.')
            q++;
        if (*q == ':') {
            u->scheme = p;
            u->scheme_len = (size_t)(q - p);
            p = q + 1;
        }
    }
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        u->auth = p;
        u->has_auth = 1;
        while (*p && *p != '/' && *p != '?' && *p != '#')
            p++;
        u->auth_len = (size_t)(p - u->auth);
    }
    u->path = p;
    while (*p && *p != '?' && *p != '#')
        p++;
    u->path_len = (size_t)(p - u->path);
    if (*p == '?') {
        u->has_query = 1;
        u->query = ++p;
        while (*p && *p != '#')
            p++;
        u->query_len = (size_t)(p - u->query);
    }
    if (*p == '#') {
        u->has_frag = 1;
        u->frag = ++p;
        u->frag_len = strlen(p);
    }
}

/* Browser-style cleanup of a string found in a document. NULL if too long. */
static char *url_clean(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    while (*s && (unsigned char)*s <= ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (unsigned char)s[n - 1] <= ' ')
        n--;
    if (n > URL_MAX)
        return NULL;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    /* The authority keeps non-ASCII bytes: an internationalised host name
     * is not percent-encoded (libcurl converts it with IDN). */
    size_t as = 0, ae = 0, k = 0;
    if (isalpha((unsigned char)s[0])) {
        while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '+' || s[k] == '-' || s[k] == '.'))
            k++;
        k = (k < n && s[k] == ':') ? k + 1 : 0;
    }
    if (k + 1 < n && s[k] == '/' && s[k + 1] == '/') {
        as = ae = k + 2;
        while (ae < n && s[ae] != '/' && s[ae] != '?' && s[ae] != '#' && s[ae] != '\\')
            ae++;
    }
    int in_frag = 0, before_query = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c >= 0x80 && i >= as && i < ae) {
            nm_buf_append(&b, &s[i], 1);
            continue;
        }
        if (c == '#')
            in_frag = 1;
        if (c == '?')
            before_query = 0;
        if (c == '\\' && before_query && !in_frag) {
            nm_buf_append(&b, "/", 1);
        } else if (c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '`' ||
                   c == '{' || c == '}' || c == '|' || c == '\\' || c == '^') {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            nm_buf_append(&b, e, 3);
        } else {
            nm_buf_append(&b, &s[i], 1);
        }
    }
    return nm_buf_steal(&b);
}

/* RFC 3986 5.2.4, on a NUL-terminated copy; result appended to out. */
static void remove_dot_segments(const char *in, size_t len, nm_buf_t *out)
{
    char *s = nm_strndup(in, len);
    char *p = s;
    size_t base = out->len;
    while (*p) {
        if (!strncmp(p, "../", 3)) {
            p += 3;
        } else if (!strncmp(p, "./", 2)) {
            p += 2;
        } else if (!strncmp(p, "/./", 3)) {
            p += 2;
        } else if (!strcmp(p, "/.")) {
            p[1] = '\0';
        } else if (!strncmp(p, "/../", 4) || !strcmp(p, "/..")) {
            if (p[3] == '/')
                p += 3;
            else {
                p += 2;
                *p = '/';
            }
            /* drop the last segment of the output */
            while (out->len > base && out->data[out->len - 1] != '/')
                out->len--;
            if (out->len > base)
                out->len--;
            out->data[out->len] = '\0';
        } else if (!strcmp(p, ".") || !strcmp(p, "..")) {
            break;
        } else {
            char *e = p + (*p == '/');
            while (*e && *e != '/')
                e++;
            nm_buf_append(out, p, (size_t)(e - p));
            p = e;
        }
    }
    free(s);
}

static int scheme_is(const url_parts_t *u, const char *name)
{
    return u->scheme && u->scheme_len == strlen(name) && !strncasecmp(u->scheme, name, u->scheme_len);
}

static void put_scheme(nm_buf_t *b, const url_parts_t *u)
{
    for (size_t i = 0; i < u->scheme_len; i++) {
        char c = (char)tolower((unsigned char)u->scheme[i]);
        nm_buf_append(b, &c, 1);
    }
    nm_buf_append(b, ":", 1);
}

static void put_auth(nm_buf_t *b, const url_parts_t *u)
{
    if (u->has_auth) {
        nm_buf_append(b, "//", 2);
        nm_buf_append(b, u->auth, u->auth_len);
    }
}

char *nm_url_resolve(const char *base, const char *ref)
{
    if (!ref)
        return NULL;
    char *r = url_clean(ref);
    if (!r)
        return NULL;
    char *bs = base ? url_clean(base) : NULL;
    url_parts_t R, B;
    url_split(r, &R);
    if (bs)
        url_split(bs, &B);
    char *result = NULL;
    nm_buf_t out;
    nm_buf_init(&out, 0);

    if (scheme_is(&R, "javascript") || scheme_is(&R, "data") || scheme_is(&R, "vbscript"))
        goto done;
    if (R.scheme) {
        put_scheme(&out, &R);
        put_auth(&out, &R);
        remove_dot_segments(R.path, R.path_len, &out);
    } else {
        if (!bs || !B.scheme)
            goto done;   /* relative reference with nothing to resolve it against */
        put_scheme(&out, &B);
        if (R.has_auth) {
            put_auth(&out, &R);
            remove_dot_segments(R.path, R.path_len, &out);
        } else {
            put_auth(&out, &B);
            if (R.path_len == 0) {
                nm_buf_append(&out, B.path, B.path_len);
                if (!R.has_query && B.has_query) {
                    nm_buf_append(&out, "?", 1);
                    nm_buf_append(&out, B.query, B.query_len);
                }
            } else if (R.path[0] == '/') {
                remove_dot_segments(R.path, R.path_len, &out);
            } else {
                /* merge (5.2.3) */
                nm_buf_t m;
                nm_buf_init(&m, 0);
                if (B.has_auth && B.path_len == 0) {
                    nm_buf_append(&m, "/", 1);
                } else {
                    size_t k = B.path_len;
                    while (k > 0 && B.path[k - 1] != '/')
                        k--;
                    nm_buf_append(&m, B.path, k);
                }
                nm_buf_append(&m, R.path, R.path_len);
                remove_dot_segments(m.data, m.len, &out);
                nm_buf_free(&m);
            }
        }
    }
    if (R.has_query) {
        nm_buf_append(&out, "?", 1);
        nm_buf_append(&out, R.query, R.query_len);
    }
    if (R.has_frag) {
        nm_buf_append(&out, "#", 1);
        nm_buf_append(&out, R.frag, R.frag_len);
    }
    result = nm_buf_steal(&out);
done:
    nm_buf_free(&out);
    free(r);
    free(bs);
    return result;
}

/* Host part of an authority: userinfo and port removed. */
static void auth_host(const url_parts_t *u, const char **h, size_t *hl, const char **port, size_t *pl)
{
    const char *a = u->auth, *e = u->auth + u->auth_len;
    for (const char *q = e; q > a; q--)
        if (q[-1] == '@') {
            a = q;
            break;
        }
    const char *pe = e;
    *port = NULL;
    *pl = 0;
    if (*a == '[') {   /* IPv6 literal */
        const char *rb = memchr(a, ']', (size_t)(e - a));
        if (rb) {
            pe = rb + 1;
        }
    } else {
        const char *c = memchr(a, ':', (size_t)(e - a));
        if (c)
            pe = c;
    }
    if (pe < e && *pe == ':') {
        *port = pe + 1;
        *pl = (size_t)(e - pe - 1);
    }
    *h = a;
    *hl = (size_t)(pe - a);
}

int nm_url_is_http(const char *url)
{
    if (!url || strlen(url) > URL_MAX)
        return 0;
    url_parts_t u;
    url_split(url, &u);
    if (!(scheme_is(&u, "http") || scheme_is(&u, "https")) || !u.has_auth)
        return 0;
    const char *h, *port;
    size_t hl, pl;
    auth_host(&u, &h, &hl, &port, &pl);
    if (hl == 0)
        return 0;
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)h[i] <= ' ')
            return 0;
    for (size_t i = 0; i < pl; i++)
        if (!isdigit((unsigned char)port[i]))
            return 0;
    return 1;
}

char *nm_url_host(const char *url)
{
    if (!url || strlen(url) > URL_MAX)
        return NULL;
    url_parts_t u;
    url_split(url, &u);
    if (!u.has_auth)
        return NULL;
    const char *h, *port;
    size_t hl, pl;
    auth_host(&u, &h, &hl, &port, &pl);
    while (hl > 0 && h[hl - 1] == '.')
        hl--;
    if (hl == 0)
        return NULL;
    char *out = nm_strndup(h, hl);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

/* Query parameters that only say where a click came from. */
static int is_tracking_param(const char *k, size_t n)
{
    static const char *const names[] = {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_enc_id", "oly_anon_id", "vero_id", "wt_mc",
        "cmpid", "ncid", "sr_share", "spm", "__twitter_impression", "ocid", "icid", "at_medium", "at_campaign"};
    if (n > 4 && !strncasecmp(k, "utm_", 4))
        return 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && !strncasecmp(k, names[i], n))
            return 1;
    return 0;
}

/* Percent-encoding normalisation (RFC 3986 6.2.2.2): upper-case hex, decode
 * unreserved characters. A '%' that starts no escape becomes "%25": left
 * bare, it could meet a decoded digit ("%%66E" -> "%fE") and form a new
 * escape, so canonicalising twice would not give the same URL. */
static void put_normalized(nm_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            int v = (isdigit((unsigned char)s[i + 1]) ? s[i + 1] - '0' : (tolower((unsigned char)s[i + 1]) - 'a' + 10)) * 16 +
                    (isdigit((unsigned char)s[i + 2]) ? s[i + 2] - '0' : (tolower((unsigned char)s[i + 2]) - 'a' + 10));
            if (isalnum(v) || v == '-' || v == '.' || v == '_' || v == '~') {
                char c = (char)v;
                nm_buf_append(b, &c, 1);
            } else {
                char e[3] = {'%', hex[v >> 4], hex[v & 15]};
                nm_buf_append(b, e, 3);
            }
            i += 2;
        } else if (s[i] == '%') {
            nm_buf_append(b, "%25", 3);
        } else {
            nm_buf_append(b, &s[i], 1);
        }
    }
}

char *nm_url_canonical(const char *url)
{
    if (!url)
        return NULL;
    char *clean = url_clean(url);
    if (!clean)
        return NULL;
    char *result = NULL;
    if (!nm_url_is_http(clean))
        goto done;
    url_parts_t u;
    url_split(clean, &u);
    const char *h, *port;
    size_t hl, pl;
    auth_host(&u, &h, &hl, &port, &pl);
    while (hl > 0 && h[hl - 1] == '.')
        hl--;
    if (hl == 0)
        goto done;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    put_scheme(&b, &u);
    nm_buf_append(&b, "//", 2);
    for (size_t i = 0; i < hl; i++) {
        char c = (char)tolower((unsigned char)h[i]);
        nm_buf_append(&b, &c, 1);
    }
    while (pl > 0 && *port == '0') {   /* ":080" is port 80 */
        port++;
        pl--;
    }
    int https = scheme_is(&u, "https");
    if (pl > 0 && !(pl == 2 && !https && !strncmp(port, "80", 2)) && !(pl == 3 && https && !strncmp(port, "443", 3))) {
        nm_buf_append(&b, ":", 1);
        nm_buf_append(&b, port, pl);
    }
    if (u.path_len == 0) {
        nm_buf_append(&b, "/", 1);
    } else {
        nm_buf_t p;
        nm_buf_init(&p, 0);
        size_t before = b.len;
        put_normalized(&p, u.path, u.path_len);
        remove_dot_segments(p.data, p.len, &b);
        if (b.len == before)
            nm_buf_append(&b, "/", 1);
        nm_buf_free(&p);
    }
    if (u.has_query) {
        size_t qstart = b.len;
        const char *q = u.query, *qe = u.query + u.query_len;
        while (q < qe) {
            const char *amp = memchr(q, '&', (size_t)(qe - q));
            const char *pe = amp ? amp : qe;
            const char *eq = memchr(q, '=', (size_t)(pe - q));
            size_t kl = (size_t)((eq ? eq : pe) - q);
            if (pe > q && !is_tracking_param(q, kl)) {
                nm_buf_append(&b, b.len == qstart ? "?" : "&", 1);
                put_normalized(&b, q, (size_t)(pe - q));
            }
            q = amp ? amp + 1 : qe;
        }
    }
    result = nm_buf_steal(&b);
    nm_buf_free(&b);
done:
    free(clean);
    return result;
}

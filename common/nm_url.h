/* nm_url: URL resolution and the canonical form that identifies an article.
 *
 * Built on libxml2's RFC 3986 parser (xmlParseURI / xmlBuildURI). Every
 * function accepts hostile input: NULL, garbage and huge strings give NULL
 * (or 0), never a crash. Returned strings are the caller's to free(). */
#ifndef NM_URL_H
#define NM_URL_H

/* Resolve ref against base (RFC 3986). Returns a malloc'd absolute URL, or NULL if ref is unusable. */
char *nm_url_resolve(const char *base, const char *ref);
/* Canonical form used as the identity of an article: scheme and host lower-cased, default port
 * dropped, fragment dropped, tracking parameters (utm_*, fbclid, gclid, ...) dropped, empty path -> "/".
 * Returns malloc'd string or NULL if not an absolute http(s) URL. */
char *nm_url_canonical(const char *url);
/* 1 if url is an absolute http:// or https:// URL, else 0. */
int nm_url_is_http(const char *url);
/* The host of url, lower-cased, malloc'd, or NULL. */
char *nm_url_host(const char *url);

#endif

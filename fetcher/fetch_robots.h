/* fetch_robots: robots.txt as RFC 9309 reads it, for one crawler.
 *
 * Promises:
 *  - the groups that apply are those whose user-agent names our product
 *    token (case-insensitive; "newsmill" from "newsmill/0.1 (+...)"); only if
 *    none does, the "*" groups; several matching groups are merged; rules
 *    before any user-agent line are ignored;
 *  - Allow/Disallow: the longest matching pattern wins, Allow on a tie; "*"
 *    matches any run of octets and a final "$" anchors the end; an empty
 *    Disallow allows everything; paths are compared after normalising
 *    percent-escapes (upper-case hex) and escaping non-ASCII bytes, on both
 *    sides; /robots.txt itself is always allowed;
 *  - Crawl-delay (not in the RFC, but widely used) from the applying group;
 *  - hostile files cost bounded memory and time: only the first
 *    FETCH_ROBOTS_MAX_BYTES are read, lines and patterns are capped, and at
 *    most FETCH_ROBOTS_MAX_RULES rules are kept. */
#ifndef FETCH_ROBOTS_H
#define FETCH_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

#define FETCH_ROBOTS_MAX_BYTES (512 * 1024)   /* RFC 9309: parse at least 500 KiB */
#define FETCH_ROBOTS_MAX_RULES 4096

typedef struct fetch_robots fetch_robots_t;

/* The product token of a User-Agent string: its leading run of letters,
 * '-' and '_' ("newsmill" from "newsmill/0.1"), into out. */
void fetch_robots_token(const char *user_agent, char *out, size_t outlen);

/* Parse a robots.txt body (need not be NUL-terminated) for the crawler whose
 * product token is token. Never fails: an empty or garbage file allows all. */
fetch_robots_t *fetch_robots_parse(const char *body, size_t len, const char *token);
void fetch_robots_destroy(fetch_robots_t **r_p);

/* May we fetch this path (path plus "?query", as in the URL; "" = "/")?
 * When a rule decided, it is written to rule ("Disallow: /private") if not NULL. */
bool fetch_robots_allowed(const fetch_robots_t *r, const char *path, char *rule, size_t rulelen);

/* Crawl-delay in milliseconds from the applying group, or -1 if none. */
long fetch_robots_crawl_delay_ms(const fetch_robots_t *r);

/* Number of rules kept (for tests and logs). */
int fetch_robots_rules(const fetch_robots_t *r);

#endif

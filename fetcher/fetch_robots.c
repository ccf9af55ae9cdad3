#include "fetch_robots.h"
#include "nm_buf.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LINE 4096
#define MAX_PATTERN 2048
#define MAX_PATTERN_BYTES (64 * 1024)   /* all kept patterns: bounds matching time */
#define MAX_PATH 4096

typedef struct {
    char *pat;          /* normalised */
    size_t len;
    bool allow;
} rule_t;

typedef struct {
    rule_t *rules;
    int n, cap;
    size_t bytes;
    long delay_ms;      /* -1 none */
} group_t;

struct fetch_robots {
    group_t g;          /* the rules that apply to us */
};

void fetch_robots_token(const char *ua, char *out, size_t outlen)
{
    size_t n = 0;
    if (outlen == 0)
        return;
    while (ua && (isalpha((unsigned char)ua[n]) || ua[n] == '-' || ua[n] == '_') && n + 1 < outlen) {
        out[n] = ua[n];
        n++;
    }
    out[n] = '\0';
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
           c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool unreserved(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 9309 2.2.2: escapes of unreserved characters are decoded, other
 * escapes get upper-case hex, and octets outside printable ASCII are escaped. */
static size_t normalise(const char *in, size_t n, char *out, size_t outcap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < outcap; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%' && i + 2 < n && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            int v = hexval(in[i + 1]) * 16 + hexval(in[i + 2]);
            if (unreserved(v)) {
                out[o++] = (char)v;
            } else {
                out[o++] = '%';
                out[o++] = hex[v >> 4];
                out[o++] = hex[v & 15];
            }
            i += 2;
        } else if (c <= 0x20 || c >= 0x7f) {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}

static void add_rule(group_t *g, bool allow, const char *v, size_t vlen)
{
    if (g->n >= FETCH_ROBOTS_MAX_RULES || g->bytes >= MAX_PATTERN_BYTES)
        return;
    char buf[MAX_PATTERN * 3 + 8];
    size_t n = normalise(v, vlen < MAX_PATTERN ? vlen : MAX_PATTERN, buf, sizeof buf);
    if (n == 0)
        return;   /* "Disallow:" with no path allows everything: no rule */
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->rules = nm_realloc(g->rules, (size_t)g->cap * sizeof *g->rules);
    }
    g->rules[g->n].pat = nm_strndup(buf, n);
    g->rules[g->n].len = n;
    g->rules[g->n].allow = allow;
    g->n++;
    g->bytes += n;
}

static void group_free(group_t *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->rules[i].pat);
    free(g->rules);
    memset(g, 0, sizeof *g);
    g->delay_ms = -1;
}

static long parse_delay(const char *v)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || !isfinite(d) || d < 0)
        return -1;
    if (d > 86400)
        d = 86400;
    return (long)(d * 1000);
}

/* Does a user-agent line's value name this token? */
static bool ua_matches(const char *v, const char *token)
{
    char t[128];
    fetch_robots_token(v, t, sizeof t);
    return *t && *token && !strcasecmp(t, token);
}

fetch_robots_t *fetch_robots_parse(const char *body, size_t len, const char *token)
{
    fetch_robots_t *r = nm_calloc(1, sizeof *r);
    group_t ours = { .delay_ms = -1 }, star = { .delay_ms = -1 };
    bool seen_ours = false, in_agents = false, started = false, cur_ours = false, cur_star = false;
    if (len > FETCH_ROBOTS_MAX_BYTES)
        len = FETCH_ROBOTS_MAX_BYTES;
    size_t i = 0;
    if (len >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3))
        i = 3;   /* a UTF-8 BOM */
    while (i < len) {
        size_t start = i;
        while (i < len && body[i] != '\n' && body[i] != '\r')
            i++;
        size_t n = i - start;
        while (i < len && (body[i] == '\n' || body[i] == '\r'))
            i++;
        if (n >= MAX_LINE)
            n = MAX_LINE - 1;
        char line[MAX_LINE];
        memcpy(line, body + start, n);
        line[n] = '\0';
        char *hash = memchr(line, '#', n);
        if (hash)
            *hash = '\0';
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *key = line, *val = colon + 1;
        while (isspace((unsigned char)*key))
            key++;
        for (char *e = key + strlen(key); e > key && isspace((unsigned char)e[-1]);)
            *--e = '\0';
        while (isspace((unsigned char)*val))
            val++;
        for (char *e = val + strlen(val); e > val && isspace((unsigned char)e[-1]);)
            *--e = '\0';

        if (!strcasecmp(key, "user-agent")) {
            if (!in_agents) {   /* a new group */
                cur_ours = cur_star = false;
                in_agents = true;
                started = true;
            }
            if (!strcmp(val, "*"))
                cur_star = true;
            else if (ua_matches(val, token))
                cur_ours = seen_ours = true;
        } else if (!strcasecmp(key, "allow") || !strcasecmp(key, "disallow") ||
                   !strcasecmp(key, "crawl-delay")) {
            in_agents = false;
            if (!started)
                continue;   /* rules outside any group */
            group_t *targets[2] = { cur_ours ? &ours : NULL, cur_star ? &star : NULL };
            for (int t = 0; t < 2; t++) {
                if (!targets[t])
                    continue;
                if (!strcasecmp(key, "crawl-delay")) {
                    long d = parse_delay(val);
                    if (d >= 0 && targets[t]->delay_ms < 0)
                        targets[t]->delay_ms = d;
                } else {
                    add_rule(targets[t], tolower((unsigned char)key[0]) == 'a', val, strlen(val));
                }
            }
        }
        /* sitemap and unknown keys neither belong to nor end a group */
    }
    if (seen_ours) {
        r->g = ours;
        group_free(&star);
    } else {
        r->g = star;
        group_free(&ours);
    }
    return r;
}

void fetch_robots_destroy(fetch_robots_t **r_p)
{
    fetch_robots_t *r = r_p ? *r_p : NULL;
    if (!r)
        return;
    group_free(&r->g);
    free(r);
    *r_p = NULL;
}

/* Pattern p ("*" any run, final "$" anchors) against the start of s. */
static bool pattern_matches(const char *p, size_t plen, const char *s, size_t slen)
{
    bool anchored = plen > 0 && p[plen - 1] == '$';
    if (anchored)
        plen--;
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            star_p = ++pi;
            star_s = si;
            continue;
        }
        if (pi < plen && p[pi] == s[si]) {
            pi++;
            si++;
            continue;
        }
        if (pi == plen && !anchored)
            return true;
        if (star_p == SIZE_MAX)
            return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}

bool fetch_robots_allowed(const fetch_robots_t *r, const char *path, char *rule, size_t rulelen)
{
    if (rule && rulelen)
        rule[0] = '\0';
    if (!path || !*path)
        path = "/";
    if (!strcmp(path, "/robots.txt"))
        return true;
    char norm[MAX_PATH * 3 + 8];
    size_t plen = strlen(path);
    size_t n = normalise(path, plen < MAX_PATH ? plen : MAX_PATH, norm, sizeof norm);
    const rule_t *best = NULL;
    for (int i = 0; r && i < r->g.n; i++) {
        const rule_t *ru = &r->g.rules[i];
        if (best && (ru->len < best->len || (ru->len == best->len && (best->allow || !ru->allow))))
            continue;   /* cannot win: shorter, or a tie that would not change the answer */
        if (pattern_matches(ru->pat, ru->len, norm, n))
            best = ru;
    }
    if (!best)
        return true;
    if (rule && rulelen)
        snprintf(rule, rulelen, "%s: %s", best->allow ? "Allow" : "Disallow", best->pat);
    return best->allow;
}

long fetch_robots_crawl_delay_ms(const fetch_robots_t *r)
{
    return r ? r->g.delay_ms : -1;
}

int fetch_robots_rules(const fetch_robots_t *r)
{
    return r ? r->g.n : 0;
}

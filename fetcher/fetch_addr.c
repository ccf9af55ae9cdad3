#include "fetch_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    uint32_t net;
    int bits;
    const char *what;
} v4_range_t;

#define V4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static const v4_range_t v4_blocked[] = {
    { V4(0, 0, 0, 0), 8, "unspecified" },
    { V4(10, 0, 0, 0), 8, "private" },
    { V4(100, 64, 0, 0), 10, "shared (CGNAT)" },
    { V4(127, 0, 0, 0), 8, "loopback" },
    { V4(169, 254, 0, 0), 16, "link-local/metadata" },
    { V4(172, 16, 0, 0), 12, "private" },
    { V4(192, 0, 0, 0), 24, "IETF protocol assignments" },
    { V4(192, 0, 2, 0), 24, "documentation" },
    { V4(192, 88, 99, 0), 24, "6to4 relay" },
    { V4(192, 168, 0, 0), 16, "private" },
    { V4(198, 18, 0, 0), 15, "benchmarking" },
    { V4(198, 51, 100, 0), 24, "documentation" },
    { V4(203, 0, 113, 0), 24, "documentation" },
    { V4(224, 0, 0, 0), 4, "multicast" },
    { V4(240, 0, 0, 0), 4, "reserved/broadcast" },
};

static int check_v4(uint32_t a, char *why, size_t whylen)
{
    for (size_t i = 0; i < sizeof v4_blocked / sizeof v4_blocked[0]; i++) {
        uint32_t mask = v4_blocked[i].bits ? ~(uint32_t)0 << (32 - v4_blocked[i].bits) : 0;
        if ((a & mask) == v4_blocked[i].net) {
            snprintf(why, whylen, "%s %u.%u.%u.%u", v4_blocked[i].what,
                     a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
            return -1;
        }
    }
    return 0;
}

static uint32_t v4_at(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int check_v6(const uint8_t *a, char *why, size_t whylen)
{
    static const uint8_t zero[16];
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
    char text[INET6_ADDRSTRLEN];
    const char *what = NULL;

    if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
        return check_v4(v4_at(a + 12), why, whylen);
    if (!memcmp(a, zero, 12)) {           /* ::, ::1 and deprecated ::a.b.c.d */
        if (!memcmp(a, zero, 15))
            what = a[15] == 1 ? "loopback" : a[15] == 0 ? "unspecified" : "reserved";
        else
            return check_v4(v4_at(a + 12), why, whylen);
    } else if (a[0] == 0x20 && a[1] == 0x02) {   /* 6to4 carries an IPv4 address */
        return check_v4(v4_at(a + 2), why, whylen);
    } else if ((a[0] & 0xfe) == 0xfc) {
        what = "unique-local";
    } else if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) {
        what = "link-local";
    } else if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) {
        what = "site-local";
    } else if (a[0] == 0xff) {
        what = "multicast";
    } else if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) {
        what = "documentation";
    } else if ((a[0] & 0xe0) != 0x20) {
        what = "not global unicast";       /* only 2000::/3 is allocated for the internet */
    }
    if (!what)
        return 0;
    if (!inet_ntop(AF_INET6, a, text, sizeof text))
        snprintf(text, sizeof text, "?");
    snprintf(why, whylen, "%s %s", what, text);
    return -1;
}

int fetch_addr_check(const struct sockaddr *sa, socklen_t len, char *why, size_t whylen)
{
    if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        return check_v4(ntohl(s4->sin_addr.s_addr), why, whylen);
    }
    if (sa && sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        return check_v6(s6->sin6_addr.s6_addr, why, whylen);
    }
    snprintf(why, whylen, "address family %d not allowed", sa ? sa->sa_family : -1);
    return -1;
}

int fetch_addr_check_str(const char *ip, char *why, size_t whylen)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (ip && inet_pton(AF_INET, ip, &a4) == 1)
        return check_v4(ntohl(a4.s_addr), why, whylen);
    if (ip && inet_pton(AF_INET6, ip, &a6) == 1)
        return check_v6(a6.s6_addr, why, whylen);
    snprintf(why, whylen, "not an IP address");
    return -1;
}

/* ---- fetcher.allow_hosts ---- */

#include "nm_buf.h"
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

typedef struct {
    int family;           /* AF_INET, AF_INET6, or 0 for a host name */
    uint8_t addr[16];     /* network order; IPv4 in the first 4 bytes */
    int bits;
    int port;             /* 0 = any */
    char *name;
} allow_entry_t;

struct fetch_allow {
    allow_entry_t *e;
    int n;
};

static int parse_entry(const char *tok, allow_entry_t *out, char *err, size_t errlen)
{
    char buf[300];
    memset(out, 0, sizeof *out);
    if (strlen(tok) >= sizeof buf) {
        snprintf(err, errlen, "allow_hosts: entry too long");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", tok);
    char *host = buf, *port = NULL;
    if (buf[0] == '[') {                       /* [v6] or [v6/len] with an optional :port */
        char *close = strchr(buf, ']');
        if (!close) {
            snprintf(err, errlen, "allow_hosts: '%s': missing ']'", tok);
            return -1;
        }
        *close = '\0';
        host = buf + 1;
        if (close[1] == ':')
            port = close + 2;
        else if (close[1]) {
            snprintf(err, errlen, "allow_hosts: '%s': junk after ']'", tok);
            return -1;
        }
    } else {
        char *c = strchr(buf, ':');
        if (c && !strchr(c + 1, ':')) {        /* one colon: host:port; several: bare IPv6 */
            *c = '\0';
            port = c + 1;
        }
    }
    if (port) {
        char *end;
        long p = strtol(port, &end, 10);
        if (end == port || *end || p < 1 || p > 65535) {
            snprintf(err, errlen, "allow_hosts: '%s': bad port", tok);
            return -1;
        }
        out->port = (int)p;
    }
    char *slash = strchr(host, '/');
    int bits = -1;
    if (slash) {
        char *end;
        *slash = '\0';
        bits = (int)strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || bits < 0) {
            snprintf(err, errlen, "allow_hosts: '%s': bad prefix length", tok);
            return -1;
        }
    }
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1) {
        out->family = AF_INET;
        memcpy(out->addr, &a4, 4);
        out->bits = bits < 0 ? 32 : bits;
        if (out->bits > 32) {
            snprintf(err, errlen, "allow_hosts: '%s': prefix longer than 32", tok);
            return -1;
        }
    } else if (inet_pton(AF_INET6, host, &a6) == 1) {
        out->family = AF_INET6;
        memcpy(out->addr, &a6, 16);
        out->bits = bits < 0 ? 128 : bits;
        if (out->bits > 128) {
            snprintf(err, errlen, "allow_hosts: '%s': prefix longer than 128", tok);
            return -1;
        }
    } else {
        if (slash || !*host) {
            snprintf(err, errlen, "allow_hosts: '%s': not an address, network or host name", tok);
            return -1;
        }
        for (const char *p = host; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_') {
                snprintf(err, errlen, "allow_hosts: '%s': not a host name", tok);
                return -1;
            }
        out->name = nm_strdup(host);
    }
    return 0;
}

fetch_allow_t *fetch_allow_new(const char *list, char *err, size_t errlen)
{
    fetch_allow_t *a = nm_calloc(1, sizeof *a);
    char *copy = nm_strdup(list ? list : ""), *save = NULL;
    for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
        allow_entry_t e;
        if (parse_entry(tok, &e, err, errlen) < 0) {
            free(copy);
            fetch_allow_destroy(&a);
            return NULL;
        }
        a->e = nm_realloc(a->e, (size_t)(a->n + 1) * sizeof *a->e);
        a->e[a->n++] = e;
    }
    free(copy);
    return a;
}

void fetch_allow_destroy(fetch_allow_t **a_p)
{
    fetch_allow_t *a = a_p ? *a_p : NULL;
    if (!a)
        return;
    for (int i = 0; i < a->n; i++)
        free(a->e[i].name);
    free(a->e);
    free(a);
    *a_p = NULL;
}

int fetch_allow_count(const fetch_allow_t *a)
{
    return a ? a->n : 0;
}

static int prefix_equal(const uint8_t *x, const uint8_t *y, int bits)
{
    int bytes = bits / 8, rest = bits % 8;
    if (memcmp(x, y, (size_t)bytes))
        return 0;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (x[bytes] & mask) == (y[bytes] & mask);
}

int fetch_allow_match(const fetch_allow_t *a, const char *host, const struct sockaddr *sa, socklen_t len)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    int family = 0, port = 0;
    uint8_t addr[16];
    if (!a || !sa)
        return 0;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        family = AF_INET;
        memcpy(addr, &s4->sin_addr, 4);
        port = ntohs(s4->sin_port);
    } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        port = ntohs(s6->sin6_port);
        if (!memcmp(s6->sin6_addr.s6_addr, mapped, 12)) {
            family = AF_INET;
            memcpy(addr, s6->sin6_addr.s6_addr + 12, 4);
        } else {
            family = AF_INET6;
            memcpy(addr, s6->sin6_addr.s6_addr, 16);
        }
    } else {
        return 0;
    }
    for (int i = 0; i < a->n; i++) {
        const allow_entry_t *e = &a->e[i];
        if (e->port && e->port != port)
            continue;
        if (e->name) {
            if (host && !strcasecmp(host, e->name))
                return 1;
        } else if (e->family == family && prefix_equal(e->addr, addr, e->bits)) {
            return 1;
        }
    }
    return 0;
}

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

/* fetch_addr: which addresses the fetcher may connect to.
 *
 * The fetcher faces the internet on behalf of a private network, so unless
 * fetcher.allow_private is set it refuses every address that is not plainly
 * public: loopback, RFC 1918 private, link-local (and so the 169.254.169.254
 * cloud metadata service), CGNAT 100.64/10, 0/8, multicast, reserved and
 * broadcast, benchmarking and documentation ranges, IPv6 unspecified,
 * unique-local fc00::/7, link- and site-local, multicast, and any IPv4
 * address embedded in IPv6 (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::/96 NAT64,
 * 2002::/16 6to4) is judged as the IPv4 address it carries.
 *
 * The engine applies this to the resolved address of every connection it
 * opens (CURLOPT_OPENSOCKETFUNCTION), so redirects and DNS rebinding are
 * covered, not just the first host name. */
#ifndef FETCH_ADDR_H
#define FETCH_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* 0 if the address is public; -1 if blocked, with a short reason such as
 * "loopback 127.0.0.1" in why. Unknown families are blocked. */
int fetch_addr_check(const struct sockaddr *sa, socklen_t len, char *why, size_t whylen);
/* The same for a numeric address string ("10.0.0.1", "::ffff:127.0.0.1");
 * a string that is not a numeric IP address is blocked ("not an IP address"). */
int fetch_addr_check_str(const char *ip, char *why, size_t whylen);

/* fetcher.allow_hosts: the explicit exceptions for test and demo servers.
 * A comma- or space-separated list of entries, each optionally with a port:
 *   127.0.0.1   127.0.0.1:8080   10.0.0.0/8   [::1]:8080   fd00::/8
 *   feeds.internal   feeds.internal:8080
 * An address or CIDR entry allows connections whose resolved address lies
 * in it; a name entry allows connections made for a URL with that host
 * name (case-insensitive, exact), whatever it resolves to: listing a name
 * trusts its DNS. With a port, only that port. IPv4-mapped IPv6 addresses
 * are matched as the IPv4 address they carry. Everything else stays blocked,
 * so a redirect from an allowed server to another private address is not. */
typedef struct fetch_allow fetch_allow_t;

/* NULL with a reason in err if an entry is malformed; "" or NULL gives an
 * empty list (which allows nothing). */
fetch_allow_t *fetch_allow_new(const char *list, char *err, size_t errlen);
void fetch_allow_destroy(fetch_allow_t **a_p);
int fetch_allow_count(const fetch_allow_t *a);
/* Does an entry allow a connection to sa, made for a URL whose host is host
 * (may be NULL)? */
int fetch_allow_match(const fetch_allow_t *a, const char *host, const struct sockaddr *sa, socklen_t len);

#endif

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

#endif

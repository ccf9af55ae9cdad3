/* parse_date: dates as found in feeds and article pages.
 *
 * Accepts RFC 822/1123 and the variants seen in real feeds, ISO 8601 /
 * RFC 3339 and plain "YYYY-MM-DD". Never reads past the NUL; linear time;
 * rejects out-of-range fields rather than normalising them. */
#ifndef PARSE_DATE_H
#define PARSE_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Parse a date/time as found in feeds and pages: RFC 822/1123 and real-world variants
 * (missing weekday, named zones like GMT/EST/PDT, numeric zones, two-digit years),
 * ISO 8601 / RFC 3339 (with or without time, zone, fractions), and "YYYY-MM-DD".
 * Returns 0 with *out = unix seconds UTC, or -1 if not a date. A date without zone is UTC. */
int parse_date(const char *s, int64_t *out);
/* Format unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void parse_date_iso(int64_t t, char *buf, size_t buflen);

#endif

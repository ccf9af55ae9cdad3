/* parse_date: the date spellings real feeds and pages use. */
#include <stdint.h>

#include "nm_test.h"
#include "parse_date.h"

static int64_t D(const char *s)
{
    int64_t t = 0;
    if (parse_date(s, &t) != 0)
        return -1;
    return t;
}

int main(void)
{
    /* 2006-01-02T22:04:05Z = 1136239445 */
    const int64_t T = 1136239445;
    /* RFC 822 / 1123 and variants */
    CHECK_INT(D("Mon, 02 Jan 2006 15:04:05 -0700"), T);
    /* localized month and weekday names (German, French, Spanish, Italian, Dutch, Portuguese) */
    CHECK_INT(D("Mo, 02 Jan 2006 23:04:05 +0100"), T);
    CHECK_INT(D("Di, 12 M\xc3\xa4r 2024 10:00:00 +0100"), D("2024-03-12T09:00:00Z"));
    CHECK_INT(D("mar., 12 mars 2024 10:00:00 GMT"), D("2024-03-12T10:00:00Z"));
    CHECK_INT(D("12 Okt. 2024 10:00 CEST"), D("2024-10-12T08:00:00Z"));
    CHECK_INT(D("mi\xc3\xa9, 04 dic 2024 08:00:00 +0000"), D("2024-12-04T08:00:00Z"));
    CHECK_INT(D("2 gennaio 2006 22:04:05 GMT"), T);
    CHECK_INT(D("ma, 02 mei 2022 10:00:00 +0200"), D("2022-05-02T08:00:00Z"));
    CHECK_INT(D("seg, 02 dez 2024 10:00:00 -0300"), D("2024-12-02T13:00:00Z"));
    CHECK_INT(D("Mar 12 2024"), D("2024-03-12"));
    CHECK_INT(D("12 Xyz 2024"), -1);
    CHECK_INT(D("Mon, 02 Jan 2006 22:04:05 GMT"), T);
    CHECK_INT(D("Mon, 02 Jan 2006 22:04:05 UT"), T);
    CHECK_INT(D("Mon, 2 Jan 2006 22:04:05 +0000"), T);
    CHECK_INT(D("02 Jan 2006 15:04:05 -0700"), T);
    CHECK_INT(D("Mon, 02 Jan 2006 17:04:05 EST"), T);
    CHECK_INT(D("Mon, 02 Jan 2006 18:04:05 EDT"), T);
    CHECK_INT(D("Mon, 02 Jan 2006 14:04:05 PST"), T);
    CHECK_INT(D("Mon, 02 Jan 2006 15:04:05 PDT"), T);
    CHECK_INT(D("Mon, 02 Jan 2006 15:04:05 MST"), T);
    CHECK_INT(D("Tue, 03 Jan 2006 06:04:05 +08:00"), T);
    CHECK_INT(D("Tue, 03 Jan 2006 06:04:05 GMT+8"), T);
    CHECK_INT(D("Mon, 02 Jan 2006 22:04:05 +0000 (UTC)"), T);
    CHECK_INT(D("  Monday, 02 January 2006 22:04:05 Z  "), T);
    CHECK_INT(D("Mon, 02 Jan 06 22:04:05 GMT"), T);            /* two-digit year */
    CHECK_INT(D("Monday, 02-Jan-06 22:04:05 GMT"), T);          /* RFC 850 */
    CHECK_INT(D("Mon Jan  2 22:04:05 2006"), T);                /* asctime */
    CHECK_INT(D("Mon, 02 Jan 2006 22:04 GMT"), T - 5);          /* no seconds */
    CHECK_INT(D("January 2, 2006 10:04 PM"), T - 5);
    CHECK_INT(D("Jan. 2nd, 2006 10:04 p.m. UTC"), T - 5);
    CHECK_INT(D("Sept 2, 2006"), 1157155200);
    CHECK_INT(D("Published: January 2, 2006 10:04 pm"), T - 5);
    CHECK_INT(D("Monday 2 January 2006 22.04 GMT"), T - 5);
    CHECK_INT(D("Tue Jan 03 2006 06:04:05 GMT+0800 (China Standard Time)"), T);
    CHECK_INT(D("Updated 5:04 PM EST, Mon January 2, 2006"), T - 5);
    CHECK_INT(D("01 Jan 99 00:00:00 GMT"), 915148800);          /* 99 -> 1999 */
    CHECK_INT(D("01 Jan 49 00:00:00 GMT"), 2493072000LL);       /* 49 -> 2049 */
    CHECK_INT(D("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    CHECK_INT(D("Mon, 02 Jan 2006 15:04:05.123 -0700"), T);
    CHECK_INT(D("Tue, 03 Jan 2006 06:04:05 +0800 CST"), T);     /* numeric wins over the label */
    CHECK_INT(D("Mon, 02 Jan 2006 17:04:05 EST EDT"), -1);
    /* ISO 8601 / RFC 3339 */
    CHECK_INT(D("2006-01-02T15:04:05-07:00"), T);
    CHECK_INT(D("2006-01-02T22:04:05Z"), T);
    CHECK_INT(D("2006-01-02T22:04:05.999999999Z"), T);
    CHECK_INT(D("2006-01-02t22:04:05z"), T);
    CHECK_INT(D("2006-01-02 22:04:05"), T);                      /* no zone = UTC */
    CHECK_INT(D("2006-01-02T23:04:05+0100"), T);
    CHECK_INT(D("2006-01-03T03:34:05+05:30"), T);
    CHECK_INT(D("2006-01-02T22:04Z"), T - 5);
    CHECK_INT(D("2006-01-02"), 1136160000);
    CHECK_INT(D("2006-01"), 1136073600);
    CHECK_INT(D("20060102T220405Z"), T);
    CHECK_INT(D("2006/01/02"), 1136160000);
    CHECK_INT(D("2000-02-29"), 951782400);
    CHECK_INT(D("2004-12-31T24:00:00Z"), 1104537600);
    /* all-digit day/month/year as CMSs write it (JSON-LD "13/11/2025 09:21:40"):
     * only when one of the first two numbers is above 12 */
    CHECK_INT(D("13/11/2025 09:21:40"), D("2025-11-13T09:21:40Z"));
    CHECK_INT(D("11/13/2025"), D("2025-11-13"));
    CHECK_INT(D("25.06.2019."), D("2019-06-25"));
    CHECK_INT(D("31.12.2024 23:59+01:00"), D("2024-12-31T22:59:00Z"));
    CHECK_INT(D("03/04/2025"), -1);                              /* March 4 or April 3: not guessed */
    CHECK_INT(D("13/13/2025"), -1);
    CHECK_INT(D("31/02/2025"), -1);
    CHECK_INT(D("13/11/25"), -1);
    CHECK_INT(D("13/11/2025 in the morning"), -1);
    CHECK_INT(D("13-11/2025"), -1);
    /* not dates */
    CHECK_INT(D(""), -1);
    CHECK_INT(D("yesterday"), -1);
    CHECK_INT(D("hello world 2006"), -1);
    CHECK_INT(D("2006-13-01"), -1);
    CHECK_INT(D("2006-02-30"), -1);
    CHECK_INT(D("2001-02-29"), -1);
    CHECK_INT(D("2006-01-02T25:00:00Z"), -1);
    CHECK_INT(D("Mon, 32 Jan 2006 10:00:00 GMT"), -1);
    CHECK_INT(D("Mon, 02 Foo 2006 10:00:00 GMT"), -1);
    CHECK_INT(D("12345"), -1);
    CHECK(parse_date(NULL, NULL) == -1);

    char buf[32];
    parse_date_iso(T, buf, sizeof buf);
    CHECK_STR(buf, "2006-01-02T22:04:05Z");
    parse_date_iso(0, buf, sizeof buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    parse_date_iso(-1, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T23:59:59Z");
    parse_date_iso(951782400, buf, sizeof buf);
    CHECK_STR(buf, "2000-02-29T00:00:00Z");
    /* round trip */
    int64_t t = 0;
    CHECK(parse_date("2031-07-15T08:09:10Z", &t) == 0);
    parse_date_iso(t, buf, sizeof buf);
    CHECK_STR(buf, "2031-07-15T08:09:10Z");
    return nm_test_done();
}

/* parse_date: RFC 822 family and ISO 8601 family, hand-written because
 * strptime is locale-dependent and rejects the variants real feeds emit. */
#include "parse_date.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* Fields collected by either parser; -1 = not seen. */
typedef struct {
    int64_t year;
    int month, day, hour, min, sec;
    int tzoff;       /* seconds east of UTC */
} date_fields_t;

static int fields_to_unix(const date_fields_t *f, int64_t *out)
{
    if (f->year < 0 || f->month < 1 || f->month > 12 || f->day < 1)
        return -1;
    if (f->year < 1000 || f->year > 9999)
        return -1;
    if (f->day > days_in_month(f->year, f->month))
        return -1;
    int h = f->hour < 0 ? 0 : f->hour, mi = f->min < 0 ? 0 : f->min, s = f->sec < 0 ? 0 : f->sec;
    /* 24:00:00 is a legal ISO spelling of midnight at the end of the day. */
    if (h > 24 || (h == 24 && (mi || s)) || mi > 59 || s > 60)
        return -1;
    if (s == 60)
        s = 59;   /* leap second: unix time cannot represent it */
    *out = days_from_civil(f->year, f->month, f->day) * 86400 + h * 3600 + mi * 60 + s - f->tzoff;
    return 0;
}

/* Read up to maxd digits; returns the count read (0 if none). */
static int read_num(const char **pp, int maxd, int *val)
{
    const char *p = *pp;
    int n = 0, v = 0;
    while (n < maxd && isdigit((unsigned char)p[n])) {
        v = v * 10 + (p[n] - '0');
        n++;
    }
    if (n) {
        *val = v;
        *pp = p + n;
    }
    return n;
}

/* "+hh:mm", "+hhmm", "+hh", "-..."; returns 0 and advances, or -1. */
static int read_numeric_zone(const char **pp, int *off)
{
    const char *p = *pp;
    if (*p != '+' && *p != '-' && strncmp(p, "\xe2\x88\x92", 3) != 0)
        return -1;
    int sign = (*p == '+') ? 1 : -1;
    p += (*p == '+' || *p == '-') ? 1 : 3;   /* U+2212 MINUS SIGN seen in the wild */
    int hh = 0, mm = 0, n = read_num(&p, 4, &hh);
    if (n == 4) {
        mm = hh % 100;
        hh /= 100;
    } else if (n == 3) {
        mm = hh % 100;
        hh /= 100;
    } else if (n >= 1) {
        if (*p == ':' && isdigit((unsigned char)p[1])) {
            p++;
            if (read_num(&p, 2, &mm) != 2)
                return -1;
        }
    } else {
        return -1;
    }
    if (hh > 14 || mm > 59)
        return -1;
    *off = sign * (hh * 3600 + mm * 60);
    *pp = p;
    return 0;
}

/* ISO 8601 / RFC 3339: YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|±hh[:mm]], also the
 * basic forms YYYYMMDD[THHMMSS]. */
static int parse_iso(const char *p, int64_t *out)
{
    date_fields_t f = {-1, -1, -1, -1, -1, -1, 0};
    int y;
    if (read_num(&p, 4, &y) != 4)
        return -1;
    f.year = y;
    int basic = isdigit((unsigned char)*p);
    if (basic) {
        if (read_num(&p, 2, &f.month) != 2 || read_num(&p, 2, &f.day) != 2)
            return -1;
    } else {
        char sep = *p;
        if (sep != '-' && sep != '/' && sep != '.')
            return -1;
        p++;
        if (read_num(&p, 2, &f.month) < 1)
            return -1;
        if (*p == sep) {
            p++;
            if (read_num(&p, 2, &f.day) < 1)
                return -1;
        } else {
            f.day = 1;   /* "YYYY-MM" */
        }
    }
    if ((*p == 'T' || *p == 't' || *p == ' ') && isdigit((unsigned char)p[1])) {
        p++;
        if (read_num(&p, 2, &f.hour) != 2)
            return -1;
        if (*p == ':')
            p++;
        else if (!basic)
            return -1;
        if (read_num(&p, 2, &f.min) != 2)
            return -1;
        if (*p == ':' || (basic && isdigit((unsigned char)*p))) {
            if (*p == ':')
                p++;
            if (read_num(&p, 2, &f.sec) != 2)
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return -1;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
        while (*p == ' ')
            p++;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            if (read_numeric_zone(&p, &f.tzoff) < 0)
                return -1;
        } else if (!strncasecmp(p, "UTC", 3) || !strncasecmp(p, "GMT", 3)) {
            p += 3;
        }
    } else if (*p == 'T' || *p == 't') {
        p++;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return -1;
    return fields_to_unix(&f, out);
}

/* All-digit day/month/year as CMSs write it into JSON-LD and meta tags
 * ("13/11/2025 09:21:40", "25.06.2019", "7/30/2024 4:05 PM" is not taken:
 * the time must be 24-hour as ISO writes it). Only when the order is
 * certain: one of the first two numbers above 12. "03/04/2025" stays
 * unparsed rather than guessed. The rest (time, zone) is read as ISO. */
static int parse_dmy(const char *p, int64_t *out)
{
    int a, b, y;
    if (read_num(&p, 2, &a) < 1)
        return -1;
    char sep = *p;
    if (sep != '/' && sep != '.')
        return -1;
    p++;
    if (read_num(&p, 2, &b) < 1 || *p != sep)
        return -1;
    p++;
    if (read_num(&p, 4, &y) != 4 || isdigit((unsigned char)*p))
        return -1;
    if ((a > 12) == (b > 12))
        return -1;   /* ambiguous, or no date */
    int day = a > 12 ? a : b, month = a > 12 ? b : a;
    if (*p == '.' && p[1] == 0)
        p++;   /* "25.06.2019." ends a sentence */
    char buf[128];
    if (strlen(p) > 80)
        return -1;
    snprintf(buf, sizeof buf, "%04d-%02d-%02d%s", y, month, day, p);
    return parse_iso(buf, out);
}

static const char *const month_names[12] = {
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december"};
static const char *const weekday_names[7] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

/* A word matches a name if it is at least its first 3 letters and a prefix of
 * it ("Sep", "Sept", "September"), optionally with a trailing '.'. */
static int match_name(const char *w, size_t n, const char *name)
{
    if (n > 0 && w[n - 1] == '.')
        n--;
    if (n < 3 || n > strlen(name))
        return 0;
    return strncasecmp(w, name, n) == 0;
}

static const struct {
    const char *name;
    int off;   /* minutes east of UTC */
} zone_names[] = {
    {"UT", 0}, {"UTC", 0}, {"GMT", 0}, {"Z", 0}, {"WET", 0}, {"WEST", 60},
    {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
    {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
    {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"AST", -240}, {"ADT", -180},
    {"NST", -210}, {"NDT", -150}, {"BST", 60}, {"IST", 330}, {"CET", 60}, {"CEST", 120},
    {"MET", 60}, {"MEST", 120}, {"EET", 120}, {"EEST", 180}, {"MSK", 180},
    {"JST", 540}, {"KST", 540}, {"HKT", 480}, {"SGT", 480}, {"PHT", 480}, {"WIB", 420},
    {"AWST", 480}, {"ACST", 570}, {"ACDT", 630}, {"AEST", 600}, {"AEDT", 660},
    {"NZST", 720}, {"NZDT", 780}, {"PKT", 300}, {"ICT", 420},
};

/* Month names in the other languages feeds are written in (German, French,
 * Spanish, Italian, Portuguese, Dutch), full and abbreviated, lower-case
 * UTF-8; matched exactly (after an optional '.'), English first. */
static const struct { const char *name; int month; } local_months[] = {
    {"januar", 1}, {"jan", 1}, {"janv", 1}, {"janvier", 1}, {"enero", 1}, {"ene", 1}, {"gennaio", 1},
    {"gen", 1}, {"janeiro", 1}, {"januari", 1}, {"jänner", 1},
    {"februar", 2}, {"feb", 2}, {"févr", 2}, {"février", 2}, {"fevr", 2}, {"febrero", 2}, {"febbraio", 2},
    {"fevereiro", 2}, {"fev", 2}, {"fev", 2}, {"februari", 2},
    {"märz", 3}, {"mär", 3}, {"mrz", 3}, {"mars", 3}, {"marzo", 3}, {"março", 3}, {"maart", 3}, {"mrt", 3},
    {"avril", 4}, {"avr", 4}, {"abril", 4}, {"abr", 4}, {"aprile", 4},
    {"mai", 5}, {"mayo", 5}, {"maggio", 5}, {"maio", 5}, {"mei", 5}, {"mag", 5},
    {"juni", 6}, {"juin", 6}, {"junio", 6}, {"giugno", 6}, {"junho", 6}, {"giu", 6},
    {"juli", 7}, {"juil", 7}, {"juillet", 7}, {"julio", 7}, {"luglio", 7}, {"julho", 7}, {"lug", 7},
    {"august", 8}, {"août", 8}, {"aout", 8}, {"agosto", 8}, {"ago", 8}, {"augustus", 8},
    {"september", 9}, {"sept", 9}, {"septembre", 9}, {"septiembre", 9}, {"settembre", 9}, {"set", 9},
    {"setembro", 9},
    {"oktober", 10}, {"okt", 10}, {"octobre", 10}, {"oct", 10}, {"octubre", 10}, {"ottobre", 10},
    {"ott", 10}, {"outubro", 10}, {"out", 10},
    {"november", 11}, {"novembre", 11}, {"noviembre", 11}, {"novembro", 11}, {"nov", 11},
    {"dezember", 12}, {"dez", 12}, {"décembre", 12}, {"déc", 12}, {"dec", 12}, {"diciembre", 12},
    {"dic", 12}, {"dicembre", 12}, {"dezembro", 12}, {"december", 12},
};
/* Weekday names and abbreviations in the same languages (ignored like English ones). */
static const char *const local_weekdays[] = {
    "mo", "di", "mi", "do", "fr", "sa", "so", "montag", "dienstag", "mittwoch", "donnerstag", "freitag",
    "samstag", "sonntag", "lun", "mar", "mer", "jeu", "ven", "sam", "dim", "lundi", "mardi", "mercredi",
    "jeudi", "vendredi", "samedi", "dimanche", "mié", "mie", "jue", "vie", "sáb", "dom", "lunes", "martes",
    "miércoles", "jueves", "viernes", "sábado", "domingo", "gio", "lunedì", "martedì", "mercoledì",
    "giovedì", "venerdì", "sabato", "seg", "ter", "qua", "qui", "sex", "ma", "wo", "vr", "za", "zo"};

/* Case-insensitive (ASCII letters) comparison of word w[0..n) with name, a trailing '.' ignored. */
static int same_word(const char *w, size_t n, const char *name)
{
    if (n > 0 && w[n - 1] == '.')
        n--;
    return n > 0 && strlen(name) == n && strncasecmp(w, name, n) == 0;
}

/* Words that carry no date information but appear around dates. */
static const char *const noise_words[] = {"at", "on", "of", "the", "st", "nd", "rd", "th", "published", "updated"};

/* The RFC 822 family and its relatives: "Mon, 02 Jan 2006 15:04:05 -0700",
 * "02 Jan 06 15:04 EST", "Monday, 02-Jan-06 15:04:05 GMT", asctime
 * "Mon Jan  2 15:04:05 2006", "January 2, 2006 3:04 PM", ... Tokens may come
 * in any order; each field may be set once. */
static int parse_loose(const char *p, int64_t *out)
{
    date_fields_t f = {-1, -1, -1, -1, -1, -1, 0};
    int have_zone = 0, pm = -1, ynum_digits = 0;
    int pending[2], npending = 0;   /* bare 1–2 digit numbers not yet assigned */
    int month_maybe_weekday = 0;     /* the month came from a word like "mar." (mardi, martes) */

    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (isspace(c) || c == ',' || c == '/' || c == '.' || c == ':' || c == '|') {
            p++;
            continue;
        }
        if (c == '(') {   /* RFC 822 comment, e.g. "+0000 (UTC)" */
            const char *e = strchr(p, ')');
            if (!e)
                return -1;
            p = e + 1;
            continue;
        }
        if ((c == '+' || c == '-') && f.hour >= 0 && !have_zone && isdigit((unsigned char)p[1])) {
            if (read_numeric_zone(&p, &f.tzoff) < 0)
                return -1;
            have_zone = 2;
            continue;
        }
        if (c == '-') {
            p++;
            continue;
        }
        if (isdigit(c)) {
            const char *start = p;
            int v = 0;
            int n = read_num(&p, 9, &v);
            if (n > 4)
                return -1;
            /* "10.20 GMT" (British style) once the month is known */
            int dot_time = *p == '.' && f.month >= 0 && f.hour < 0 && n <= 2 && isdigit((unsigned char)p[1]) &&
                           isdigit((unsigned char)p[2]) && !isdigit((unsigned char)p[3]) && p[3] != '.';
            if (*p == ':' || dot_time) {   /* a time */
                if (f.hour >= 0 || n > 2)
                    return -1;
                f.hour = v;
                p++;
                if (read_num(&p, 2, &f.min) != 2)
                    return -1;
                if (*p == ':') {
                    p++;
                    if (read_num(&p, 2, &f.sec) != 2)
                        return -1;
                    if (*p == '.' && isdigit((unsigned char)p[1])) {
                        p++;
                        while (isdigit((unsigned char)*p))
                            p++;
                    }
                }
                continue;
            }
            if (n == 4) {
                if (f.year >= 0)
                    return -1;
                f.year = v;
                ynum_digits = 4;
            } else if (n == 3) {
                return -1;
            } else {
                if (npending >= 2)
                    return -1;
                pending[npending++] = v;
                /* ordinal suffix glued to the day: "2nd" */
                if (isalpha((unsigned char)*p)) {
                    const char *w = p;
                    while (isalpha((unsigned char)*p))
                        p++;
                    size_t wl = (size_t)(p - w);
                    if (!(wl == 2 && (!strncasecmp(w, "st", 2) || !strncasecmp(w, "nd", 2) ||
                                      !strncasecmp(w, "rd", 2) || !strncasecmp(w, "th", 2)))) {
                        p = start + n;   /* let the word be read on its own, e.g. "2Jan" */
                    }
                }
            }
            continue;
        }
        if ((c == 'a' || c == 'A' || c == 'p' || c == 'P') && p[1] == '.' && (p[2] == 'm' || p[2] == 'M') &&
            p[3] == '.') {   /* "3:04 p.m." */
            pm = (c == 'p' || c == 'P');
            p += 4;
            continue;
        }
        if (isalpha(c) || c >= 0x80) {
            const char *w = p;
            while (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80)
                p++;
            if (*p == '.')
                p++;   /* "mars.", "Okt." */
            size_t n = (size_t)(p - w);
            int matched = 0;
            /* a month word that is also a weekday elsewhere ("mar." = mardi)
             * gives way to a later month word: "mar., 12 mars 2024" */
            int second_month_ok = month_maybe_weekday;
            for (int i = 0; i < 12 && !matched; i++)
                if (match_name(w, n, month_names[i])) {
                    if (f.month >= 0 && !second_month_ok)
                        return -1;
                    f.month = i + 1;
                    matched = 1;
                }
            for (int i = 0; i < 7 && !matched; i++)
                if (match_name(w, n, weekday_names[i]))
                    matched = 1;
            for (size_t i = 0; i < sizeof local_months / sizeof local_months[0] && !matched; i++)
                if (same_word(w, n, local_months[i].name)) {
                    if (f.month >= 0 && !second_month_ok)
                        return -1;
                    f.month = local_months[i].month;
                    matched = 1;
                }
            month_maybe_weekday = 0;
            if (matched && f.month >= 0 && !second_month_ok && npending == 0)
                for (size_t i = 0; i < sizeof local_weekdays / sizeof local_weekdays[0]; i++)
                    if (same_word(w, n, local_weekdays[i]))
                        month_maybe_weekday = 1;
            for (size_t i = 0; i < sizeof local_weekdays / sizeof local_weekdays[0] && !matched; i++)
                if (same_word(w, n, local_weekdays[i]))
                    matched = 1;
            if (!matched && (n == 2) && (!strncasecmp(w, "am", 2) || !strncasecmp(w, "pm", 2))) {
                pm = (w[0] == 'p' || w[0] == 'P');
                matched = 1;
            }
            for (size_t i = 0; i < sizeof zone_names / sizeof zone_names[0] && !matched; i++)
                if (strlen(zone_names[i].name) == n && !strncasecmp(w, zone_names[i].name, n)) {
                    matched = 1;
                    /* "+0800 CST": the number is exact, the name is a label */
                    if (have_zone == 2)
                        break;
                    if (have_zone)
                        return -1;
                    f.tzoff = zone_names[i].off * 60;
                    have_zone = 1;
                    matched = 1;
                    /* "GMT+8", "UTC-05:00" */
                    if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
                        int extra = 0;
                        if (read_numeric_zone(&p, &extra) < 0)
                            return -1;
                        f.tzoff += extra;
                    }
                }
            for (size_t i = 0; i < sizeof noise_words / sizeof noise_words[0] && !matched; i++)
                if (strlen(noise_words[i]) == n && !strncasecmp(w, noise_words[i], n))
                    matched = 1;
            if (!matched && n == 1 && (*w == 'T' || *w == 't'))
                matched = 1;
            if (!matched)
                return -1;
            continue;
        }
        return -1;   /* any other character: not a date we understand */
    }

    /* Assign the bare numbers: the first is the day; a second one is a
     * two-digit year (RFC 2822 4.3: 00–49 -> 20xx, 50–99 -> 19xx). */
    if (f.month < 0 || npending == 0)
        return -1;
    f.day = pending[0];
    if (npending == 2) {
        if (f.year >= 0)
            return -1;
        f.year = pending[1] < 50 ? 2000 + pending[1] : 1900 + pending[1];
        ynum_digits = 2;
    }
    if (f.year < 0 || ynum_digits == 0)
        return -1;
    if (pm >= 0) {
        if (f.hour < 1 || f.hour > 12)
            return -1;
        if (pm && f.hour < 12)
            f.hour += 12;
        else if (!pm && f.hour == 12)
            f.hour = 0;
    }
    return fields_to_unix(&f, out);
}

int parse_date(const char *s, int64_t *out)
{
    if (!s || !out)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    if (len == 0 || len > 200)
        return -1;
    int64_t t;
    if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
        isdigit((unsigned char)s[3]) && parse_iso(s, &t) == 0) {
        *out = t;
        return 0;
    }
    if (isdigit((unsigned char)s[0]) && parse_dmy(s, &t) == 0) {
        *out = t;
        return 0;
    }
    if (parse_loose(s, &t) == 0) {
        *out = t;
        return 0;
    }
    return -1;
}

void parse_date_iso(int64_t t, char *buf, size_t buflen)
{
    if (!buf || buflen == 0)
        return;
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, buflen, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
}

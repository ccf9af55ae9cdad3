#include "pub_feeds.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nm_buf.h"
#include "nm_log.h"
#include "nm_url.h"

#define FEEDS_MAX_ENTRIES 2000   /* entries considered from one document */
#define FEEDS_RECENT 20          /* newest entry times used for the interval */
#define FEEDS_FUTURE_SLACK 600   /* clock skew tolerated before a date is "future" */
#define FEEDS_KEY_MAX 1000       /* longer ids are hashed by the parser anyway */
#define FEEDS_MATCH_MAX 20000    /* title + summary characters matched by rules */

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_asc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static void fmt_dur(int64_t s, char *buf, size_t len)
{
    if (s >= 86400)
        snprintf(buf, len, "%" PRId64 "d%" PRId64 "h", s / 86400, (s % 86400) / 3600);
    else if (s >= 3600)
        snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
}

int pub_feeds_interval(const pub_policy_t *p, const int64_t *times, size_t n, int64_t now, char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    int64_t t[FEEDS_MAX_ENTRIES];
    size_t k = 0;
    for (size_t i = 0; i < n && k < FEEDS_MAX_ENTRIES; i++)
        if (times[i] > 0 && times[i] <= now + FEEDS_FUTURE_SLACK)
            t[k++] = times[i] > now ? now : times[i];
    if (k < 2)
        return 0;
    qsort(t, k, sizeof t[0], cmp_desc);
    /* distinct times only: a feed that stamps every entry with the build
     * time says nothing about its rhythm */
    size_t d = 1;
    for (size_t i = 1; i < k && d < FEEDS_RECENT; i++)
        if (t[i] != t[d - 1])
            t[d++] = t[i];
    if (d < 2)
        return 0;
    int64_t gaps[FEEDS_RECENT];
    size_t ng = 0;
    for (size_t i = 1; i < d; i++)
        gaps[ng++] = t[i - 1] - t[i];
    qsort(gaps, ng, sizeof gaps[0], cmp_asc);
    int64_t median = ng % 2 ? gaps[ng / 2] : (gaps[ng / 2 - 1] + gaps[ng / 2]) / 2;
    int64_t iv = median / 2;
    /* gone quiet: the newest entry is old, so its rhythm is history;
     * slow down in proportion (a day of silence -> 3 hours) */
    int64_t quiet = (now - t[0]) / 8;
    char a[32], b[32];
    fmt_dur(median, a, sizeof a);
    if (quiet > iv) {
        iv = quiet;
        fmt_dur(now - t[0], b, sizeof b);
        if (why)
            snprintf(why, whylen, "quiet for %s (median gap %s)", b, a);
    } else if (why) {
        snprintf(why, whylen, "median gap %s / 2", a);
    }
    int lo = p->feed_min_poll_seconds > 0 ? p->feed_min_poll_seconds : 300;
    int hi = p->feed_max_poll_seconds >= lo ? p->feed_max_poll_seconds : lo;
    if (iv < lo) {
        iv = lo;
        if (why)
            strncat(why, ", at the minimum", whylen - strlen(why) - 1);
    }
    if (iv > hi) {
        iv = hi;
        if (why)
            strncat(why, ", at the maximum", whylen - strlen(why) - 1);
    }
    return (int)iv;
}

/* A key that repeats inside one document is not an identity (some feeds
 * give every item the same guid): those entries are told apart by URL only. */
static int key_unique(const Newsmill__FeedResult *res, size_t n, size_t i)
{
    const char *k = res->entries[i]->id;
    for (size_t j = 0; j < n; j++)
        if (j != i && res->entries[j] && res->entries[j]->id && !strcmp(res->entries[j]->id, k))
            return 0;
    return 1;
}

int pub_feeds_store_entries(pub_db_t *db, const Newsmill__FeedResult *res, const char *feed_id,
                            pub_feeds_stats_t *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    const pub_policy_t *pol = pub_db_policy(db);
    char maxbuf[16];
    snprintf(maxbuf, sizeof maxbuf, "%d", pol->max_attempts);
    size_t n = res->n_entries < FEEDS_MAX_ENTRIES ? res->n_entries : FEEDS_MAX_ENTRIES;
    int64_t *times = nm_calloc(n + 1, sizeof *times);
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        const Newsmill__FeedEntry *e = res->entries[i];
        if (!e)
            continue;
        int64_t when = e->published > 0 ? e->published : e->updated;
        times[i] = when;
        if (!e->link || !*e->link)
            continue;
        char *canon = nm_url_canonical(e->link);
        if (!canon)
            continue;   /* not http(s): never fetched */
        char pub[24];
        const char *pubp = NULL;
        if (when > 0 && when <= 253402300799LL) {
            snprintf(pub, sizeof pub, "%" PRId64, when);
            pubp = pub;
        }
        const char *key = e->id && *e->id && strlen(e->id) <= FEEDS_KEY_MAX && key_unique(res, n, i) ? e->id : NULL;
        /* what the rules see: title and summary, bounded */
        nm_buf_t text;
        nm_buf_init(&text, 0);
        if (e->title)
            nm_buf_append(&text, e->title, strnlen(e->title, FEEDS_MATCH_MAX));
        nm_buf_append(&text, "\n", 1);
        if (e->summary)
            nm_buf_append(&text, e->summary, strnlen(e->summary, FEEDS_MATCH_MAX));
        nm_buf_append(&text, "", 1);
        const char *p[8] = { canon, feed_id, maxbuf, e->title ? e->title : "", pubp, text.data, key,
                             e->link };
        PGresult *r = pub_db_query_prepared(db,   /* once per entry: parse and plan once */
            "WITH f AS (SELECT include_patterns AS inc, exclude_patterns AS exc,"
            "     regexp_replace($6, '<[^>]*>', ' ', 'g') AS txt FROM feeds WHERE id = $2::bigint),"
            " d AS (SELECT CASE"
            "   WHEN NOT ((cardinality(f.inc) = 0 OR EXISTS (SELECT 1 FROM unnest(f.inc) pat WHERE f.txt ~* pat))"
            "             AND NOT EXISTS (SELECT 1 FROM unnest(f.exc) pat WHERE f.txt ~* pat)) THEN 'filtered'"
            "   WHEN EXISTS (SELECT 1 FROM jobs WHERE kind = 'article' AND url = $1)"
            "     OR EXISTS (SELECT 1 FROM articles WHERE canonical_url = $1 OR url = $1 OR url = $8)"
            "     OR ($7::text IS NOT NULL AND EXISTS (SELECT 1 FROM jobs WHERE kind = 'article'"
            "          AND feed_id = $2::bigint AND entry_key = $7)) THEN 'seen'"
            "   ELSE 'new' END AS st FROM f),"
            " t AS (SELECT to_timestamp($5::double precision) AS ts),"
            " ins AS (INSERT INTO jobs (kind, url, feed_id, max_attempts, entry_title, entry_published,"
            "     entry_key, entry_date_note)"
            "   SELECT 'article', $1, $2::bigint, $3::int, nullif($4, ''),"
            "     CASE WHEN t.ts IS NULL OR t.ts > now() + interval '600 seconds' THEN now() ELSE t.ts END,"
            "     $7, CASE WHEN t.ts IS NULL THEN 'missing'"
            "              WHEN t.ts > now() + interval '600 seconds' THEN 'future' END"
            "   FROM d, t WHERE d.st = 'new'"
            "   ON CONFLICT (url) WHERE kind = 'article' DO NOTHING RETURNING 1)"
            " SELECT d.st, (SELECT count(*) FROM ins) FROM d",
            8, p, err, errlen);
        nm_buf_free(&text);
        free(canon);
        if (!r) {
            free(times);
            return -1;
        }
        if (PQntuples(r) == 1) {
            const char *s = PQgetvalue(r, 0, 0);
            if (!strcmp(s, "filtered"))
                st->filtered++;
            else if (!strcmp(s, "seen") || atoi(PQgetvalue(r, 0, 1)) == 0)
                st->seen++;
            else
                st->inserted++;
        }
        PQclear(r);
    }
    if (st->filtered > 0) {
        char fb[16];
        snprintf(fb, sizeof fb, "%d", st->filtered);
        const char *p[2] = { feed_id, fb };
        PGresult *r = pub_db_query(db, "UPDATE feeds SET entries_filtered = entries_filtered + $2::bigint"
                                       " WHERE id = $1::bigint", 2, p, err, errlen);
        if (!r) {
            free(times);
            return -1;
        }
        PQclear(r);
    }
    st->interval = pub_feeds_interval(pol, times, n, now, st->why, sizeof st->why);
    free(times);
    return 0;
}

int pub_feeds_check_patterns(pub_db_t *db, char **patterns, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const char *p[1] = { patterns[i] };
        if (!patterns[i] || !*patterns[i] || strlen(patterns[i]) > 1000) {
            snprintf(err, errlen, "empty or over-long pattern");
            return -1;
        }
        char e[400];
        PGresult *r = pub_db_query(db, "SELECT '' ~* $1", 1, p, e, sizeof e);
        if (!r) {
            snprintf(err, errlen, "bad pattern \"%.100s\": %s", patterns[i], e);
            return -1;
        }
        PQclear(r);
    }
    return 0;
}

/* A text[] literal parameter as a JSON array (PostgreSQL turns it into an array). */
static char *json_array_of(char **v, size_t n)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    nm_buf_append(&b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            nm_buf_append(&b, ",", 1);
        nm_buf_append(&b, "\"", 1);
        for (const unsigned char *c = (const unsigned char *)v[i]; *c; c++) {
            char esc[8];
            if (*c == '"' || *c == '\\') {
                esc[0] = '\\';
                esc[1] = (char)*c;
                nm_buf_append(&b, esc, 2);
            } else if (*c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *c);
                nm_buf_append(&b, esc, 6);
            } else {
                nm_buf_append(&b, (const char *)c, 1);
            }
        }
        nm_buf_append(&b, "\"", 1);
    }
    nm_buf_append(&b, "]", 2);   /* with the NUL */
    char *r = nm_strdup(b.data);
    nm_buf_free(&b);
    return r;
}

int pub_feeds_set_rules(pub_db_t *db, int64_t feed_id, char **include, size_t ninclude,
                        char **exclude, size_t nexclude, bool set_include, bool set_exclude,
                        char *err, size_t errlen)
{
    if ((set_include && pub_feeds_check_patterns(db, include, ninclude, err, errlen) < 0) ||
        (set_exclude && pub_feeds_check_patterns(db, exclude, nexclude, err, errlen) < 0))
        return -1;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, feed_id);
    char *inc = json_array_of(include, set_include ? ninclude : 0);
    char *exc = json_array_of(exclude, set_exclude ? nexclude : 0);
    const char *p[5] = { id, inc, exc, set_include ? "t" : "f", set_exclude ? "t" : "f" };
    PGresult *r = pub_db_query(db,
        "UPDATE feeds SET"
        " include_patterns = CASE WHEN $4::bool THEN ARRAY(SELECT json_array_elements_text($2::json))"
        "                    ELSE include_patterns END,"
        " exclude_patterns = CASE WHEN $5::bool THEN ARRAY(SELECT json_array_elements_text($3::json))"
        "                    ELSE exclude_patterns END"
        " WHERE id = $1::bigint",
        5, p, err, errlen);
    free(inc);
    free(exc);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

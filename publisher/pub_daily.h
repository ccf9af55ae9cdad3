/* pub_daily: the day's digest, from the database to Markdown, HTML and Atom,
 * on demand (`newsmill digest`) and on schedule (the publisher).
 *
 * Build: first the story pass (pub_story) for articles not yet assigned;
 * then one calendar day's articles (by publication time, else fetch time,
 * in a given time zone), each with its best summary (the requested language
 * first, then LLM over extractive, then newest) and its story; with an LLM
 * client, the overview and commentary from the templates "overview" and
 * "commentary" (deploy/prompts/); a failed LLM call leaves them out and the
 * digest is still built (offline overview by topic counts, no commentary).
 * Both formats are stored in the digests table under (date, lang or "",
 * "md"/"html").
 *
 * Schedule (pub_daily_sched_*): every tick the story pass runs for a few
 * pending articles; once digest.publish_time has passed in digest.timezone,
 * yesterday's digest (if yesterday has articles) is built for each of
 * digest.languages, marked
 * published (digests.published_at) so a restart neither skips nor repeats
 * it, and written to digest.output_dir as DATE[.LANG].md, DATE[.LANG].html
 * and feed[.LANG].atom (the last digest.feed_days digests), each file
 * written to a temporary name, fsynced and renamed into place. The build
 * runs in a thread with its own database connection so LLM calls never
 * stall the publisher's loop. */
#ifndef PUB_DAILY_H
#define PUB_DAILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nm_config.h"
#include "pub_db.h"
#include "pub_digest.h"
#include "pub_story.h"

struct summ_llm;

typedef struct {
    const char *date;            /* "YYYY-MM-DD" */
    const char *lang;            /* preferred summary language; NULL/"" = any */
    const char *tz;              /* time zone name; NULL = UTC */
    const char *title;           /* title line wording */
    int words_per_minute;
    struct summ_llm *llm;        /* NULL: offline (no overview/commentary calls) */
    int story_limit;             /* story pass first for up to this many; 0 = skip */
    const pub_story_opts_t *story;
    bool published;              /* mark the stored rows as the scheduled publication */
} pub_daily_opts_t;

typedef struct {
    char *md;
    char *html;
    size_t narticles;
    bool llm_overview;           /* the overview came from the LLM */
    bool llm_commentary;
    char *llm_error;             /* why an LLM part is missing (NULL if none or offline) */
    int llm_tokens;
} pub_daily_result_t;

/* Build and store one day's digest. Returns 0, or -1 with err (bad date or
 * time zone, database error). */
int pub_daily_build(pub_db_t *db, const pub_daily_opts_t *o, pub_daily_result_t *res, char *err,
                    size_t errlen);
void pub_daily_result_free(pub_daily_result_t *res);

/* Offline Markdown digest (compatibility wrapper over pub_daily_build). */
int pub_daily_digest_md(pub_db_t *db, const char *date, const char *lang, const char *tz,
                        const char *title, int words_per_minute, char **out, size_t *narticles,
                        char *err, size_t errlen);

/* Atom feed of the `days` most recent stored HTML digests in lang ("" =
 * none). Returns 0 with *out (caller frees), or -1 with err. */
int pub_daily_atom(pub_db_t *db, const char *lang, int days, const pub_atom_opts_t *ao, char **out,
                   char *err, size_t errlen);

/* Write data to dir/name atomically (temporary file, fsync, rename, fsync
 * of the directory); dir is created if missing. Returns 0 or -1 with err. */
int pub_daily_write_file(const char *dir, const char *name, const char *data, char *err,
                         size_t errlen);

/* "HH:MM" 00:00..23:59 -> 0; else -1. */
int pub_daily_parse_time(const char *s, int *hour, int *minute);

/* ---- the publisher's schedule ---- */

typedef struct pub_daily_sched pub_daily_sched_t;

/* cfg must outlive the scheduler. Never NULL. */
pub_daily_sched_t *pub_daily_sched_new(const nm_config_t *cfg);
/* Call every loop iteration while this publisher is active: story pass,
 * and the day's digest when due. Never blocks on the LLM. */
void pub_daily_sched_tick(pub_daily_sched_t *s, pub_db_t *db);
/* Waits for a running build. */
void pub_daily_sched_destroy(pub_daily_sched_t **s_p);

#endif

/* pub_daily: the day's digest, from the database to Markdown.
 *
 * Selects one calendar day's articles (by publication time, else fetch
 * time, in a given time zone), each with its best summary (the requested
 * language first, then LLM over extractive, then newest), renders them with
 * pub_digest_markdown, and stores the result in the digests table. */
#ifndef PUB_DAILY_H
#define PUB_DAILY_H

#include <stddef.h>

#include "pub_db.h"

/* date: "YYYY-MM-DD"; lang: preferred summary language (NULL/"" = any);
 * tz: time zone name (NULL = UTC); title: digest title line. On success
 * *out is the Markdown (caller frees), stored under (date, lang or "", "md"),
 * and *narticles the number of articles. Returns 0, or -1 with err. */
int pub_daily_digest_md(pub_db_t *db, const char *date, const char *lang, const char *tz,
                        const char *title, int words_per_minute, char **out, size_t *narticles,
                        char *err, size_t errlen);

#endif

/* pub_digest: render a day's digest from stored articles.
 *
 * Pure: no database access. The caller (publisher daemon or `newsmill
 * digest`) queries the day's articles (pub_db) and passes them in the order
 * they should appear. The structure follows shared/seeds/000_*.txt:
 *   title line with the date; date, reading time and word count; an overview
 *   (offline: topics by count); the numbered list of original titles; a
 *   summary section (original title, translated title when there is one,
 *   summary); then every original article with its URL on its own line and
 *   its full text, subheadings kept. */
#ifndef PUB_DIGEST_H
#define PUB_DIGEST_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *title;            /* original title */
    const char *url;              /* canonical URL */
    const char *source_site;      /* e.g. "South China Morning Post" or host */
    const char *byline;           /* may be NULL */
    int64_t published_at;         /* unix seconds, 0 if unknown */
    const char *text;             /* full text: blocks separated by blank lines */
    int word_count;
    const char *summary;          /* may be NULL */
    const char *summary_backend;  /* "extractive", "llm:..." */
    const char *translated_title; /* NULL or "" when not translated */
    const char *const *topics;    /* may be NULL */
    size_t ntopics;
} pub_digest_article_t;

typedef struct {
    const char *title;            /* title line wording; the date is appended */
    const char *date;             /* "YYYY-MM-DD": the day covered */
    int64_t generated_at;         /* unix seconds: the date shown on line 2 */
    int words_per_minute;         /* reading time; <= 0 means 213 */
} pub_digest_opts_t;

/* Markdown digest; the caller frees. Never NULL (an empty day says so). */
char *pub_digest_markdown(const pub_digest_article_t *articles, size_t n,
                          const pub_digest_opts_t *opts);

#endif

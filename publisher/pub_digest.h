/* pub_digest: render a day's digest from stored articles.
 *
 * Pure: no database access. The caller (publisher daemon or `newsmill
 * digest`, via pub_daily) queries the day's articles and passes them in the
 * order they should appear. The structure follows shared/seeds/000_*.txt:
 *   title line with the date; date, reading time and word count; an overview
 *   (the LLM's when given, else topics by count, numbered); a commentary
 *   (only when given: it comes from the LLM); the numbered list of original
 *   titles; stories covered by several outlets, each outlet named; a summary
 *   section (original title, 中文标题 translated title when there is one,
 *   summary — 内容摘要 when it is Chinese/Japanese); then every original
 *   article with its URL on its own line and its full text, subheadings kept.
 *
 * Formats: Markdown; HTML (one self-contained page: semantic elements,
 * inline CSS, readable on a phone; every piece of text escaped, only http(s)
 * URLs become links); Atom 1.0 (a feed of stored daily digests).
 * Deterministic: same input, same bytes (no locale, no current time). */
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
    int64_t story_id;             /* 0 = none; articles with the same id are one story */
} pub_digest_article_t;

typedef struct {
    const char *title;            /* title line wording; the date is appended */
    const char *date;             /* "YYYY-MM-DD": the day covered */
    int64_t generated_at;         /* unix seconds: the date shown on line 2 */
    int words_per_minute;         /* reading time; <= 0 means 213 */
    const char *overview;         /* LLM overview (lines); NULL/"" = topics by count */
    const char *commentary;       /* LLM commentary; NULL/"" = no such section */
    const char *language;         /* requested language ("zh"): HTML lang; NULL = "en" */
} pub_digest_opts_t;

/* Markdown digest; the caller frees. Never NULL (an empty day says so). */
char *pub_digest_markdown(const pub_digest_article_t *articles, size_t n,
                          const pub_digest_opts_t *opts);
/* The same digest as one HTML page; the caller frees. Never NULL. The
 * content is inside the page's only <main> element (pub_digest_html_main). */
char *pub_digest_html(const pub_digest_article_t *articles, size_t n,
                      const pub_digest_opts_t *opts);
/* The inside of a page's <main>...</main> (a copy), or NULL if absent. */
char *pub_digest_html_main(const char *page);

/* ---- Atom ---- */

typedef struct {
    const char *date;             /* "YYYY-MM-DD" */
    const char *language;         /* "" = none */
    const char *html;             /* the stored HTML page (its <main> becomes the content) */
    int64_t updated;              /* unix seconds: when it was built */
} pub_digest_entry_t;

typedef struct {
    const char *title;            /* feed title (the digest title line wording) */
    const char *base_url;         /* public URL of digest.output_dir; NULL/"" = no links */
    const char *language;         /* "" = none */
} pub_atom_opts_t;

/* Atom 1.0 feed, one entry per digest, in the order given (newest first).
 * Ids are base_url-based URLs when base_url is set, else tag URIs
 * (tag:newsmill.invalid,2025:digest/DATE[/LANG]), stable across rebuilds.
 * The caller frees. Never NULL. */
char *pub_digest_atom(const pub_digest_entry_t *entries, size_t n, const pub_atom_opts_t *opts);

/* File names in digest.output_dir: "DATE[.LANG].EXT" and "feed[.LANG].atom".
 * Written to out (at least 64 bytes). lang must be a plain tag. */
void pub_digest_file_name(char *out, size_t outlen, const char *date, const char *lang,
                          const char *ext);

#endif

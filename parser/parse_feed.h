/* parse_feed: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.x
 * documents become a feed with entries.
 *
 * Promises: never expands XML entities and never loads anything (no DTD, no
 * network); tolerates what real feeds get wrong (BOM, bare '&', HTML entities
 * such as &nbsp;, control characters, a wrong declared encoding, truncation)
 * and says what it repaired in `errors`; every output string is valid UTF-8;
 * links are absolute when a base is known (feed URL and xml:base); titles are
 * plain text; time is linear in the input size (the caller caps the size). */
#ifndef PARSE_FEED_H
#define PARSE_FEED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *id, *title, *link, *author, *summary, *content;  /* NULL when absent; all valid UTF-8 */
    char *image;   /* absolute URL of the entry's picture (media:thumbnail, media:content,
                      an image enclosure, JSON Feed image), NULL if none */
    int64_t published, updated;                           /* unix seconds UTC, 0 if unknown */
    char **categories; size_t ncategories;
} parse_feed_entry_t;

typedef struct {
    char *format;   /* "rss" (0.9x/2.0), "rdf" (RSS 1.0), "atom", "json" */
    char *title, *link, *description, *language;
    int64_t updated; int ttl;          /* ttl in minutes, 0 if none */
    parse_feed_entry_t *entries; size_t nentries;
    char **errors; size_t nerrors;     /* recoverable problems, for people */
} parse_feed_t;

/* NULL with a reason in err when the document is not a feed at all (not XML/JSON, or XML
 * that is not RSS/Atom). base_url resolves relative links (may be NULL). */
parse_feed_t *parse_feed(const char *data, size_t len, const char *base_url, char *err, size_t errlen);
void parse_feed_destroy(parse_feed_t **feed_p);
/* The JSON object of DESIGN.md's `newsmill feed parse` contract. */
json_t *parse_feed_to_json(const parse_feed_t *feed);

#endif

/* parse_html: article pages become clean text plus metadata.
 *
 * Promises: input is hostile. It is capped in size (max_bytes) and in nesting
 * depth (max_depth; deeper content is ignored, never recursed into), every
 * pass over the tree is iterative and linear, and all output strings are
 * valid UTF-8 whatever the input's charset. The charset comes from the HTTP
 * Content-Type, else a BOM, else <meta charset>/http-equiv, else UTF-8 when
 * the bytes are valid UTF-8, else windows-1252.
 *
 * The main text is chosen readability-style (text and link density scoring
 * of containers, plus sibling paragraphs that belong to the article) after
 * dropping scripts, navigation, hidden elements and boilerplate recognised by
 * class/id/role. Metadata comes from JSON-LD, Open Graph, meta tags, <time>
 * and <link rel=canonical>. */
#ifndef PARSE_HTML_H
#define PARSE_HTML_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *kind;   /* "h1".."h6", "p", "li", "quote", "pre" */
    char *text;
} parse_block_t;

typedef struct {
    char *url, *canonical_url, *title, *byline, *language, *site_name; /* NULL if unknown */
    char *text;                  /* blocks joined by "\n\n"; "" if empty, never NULL */
    int64_t published_at;        /* unix seconds UTC, 0 if unknown */
    parse_block_t *blocks;
    size_t nblocks;
    int word_count;              /* whitespace-separated words of text */
    /* additions beyond the DESIGN.md contract */
    int published_tz;            /* UTC offset (minutes) the page wrote with the date */
    int published_tz_known;      /* 0: offset unknown (published_at is then a UTC day or instant) */
    int64_t modified_at;         /* unix seconds UTC, 0 if unknown */
    char *description, *section, *image;   /* summary the page gives, section, lead image URL; NULL if unknown */
    char **tags;                 /* topic tags/keywords the page declares */
    size_t ntags;
    int language_detected;       /* 1: language came from the text, the page declared none */
} parse_article_t;

typedef struct {
    size_t max_bytes;            /* 0 = 8 MiB */
    int max_depth;               /* 0 = 512 */
} parse_html_opts_t;

#define PARSE_HTML_MAX_BYTES (8u * 1024 * 1024)
#define PARSE_HTML_MAX_DEPTH 512
/* The per-document memory budget: at most one element per this many bytes
 * of the size cap (8 MiB -> ~840,000 elements, ~130 MB of libxml2 tree at
 * worst). Start tags are counted on the bytes before parsing, so a page of
 * millions of tiny elements is refused before libxml2 allocates anything;
 * real pages have one element per 30-100 bytes and stay far below. */
#define PARSE_HTML_BYTES_PER_ELEMENT_BUDGET 10u

/* Extract the article from an HTML page. Returns NULL with a reason in err
 * when the input is not an article page: too large, not HTML (binary, JSON,
 * an XML feed...), empty, or no main text found. url (may be NULL) resolves
 * relative links; content_type (may be NULL) is the HTTP Content-Type header,
 * whose charset parameter wins over the page's meta tags. opts may be NULL. */
parse_article_t *parse_article(const char *html, size_t len, const char *url, const char *content_type,
                               const parse_html_opts_t *opts, char *err, size_t errlen);
void parse_article_destroy(parse_article_t **a_p);

/* The DESIGN.md `newsmill extract` JSON object (url, canonical_url, title,
 * byline, published_at (ISO 8601 or null), language, site_name, text, blocks,
 * word_count), plus fields beyond the contract: published_at_local (ISO 8601
 * with the page's UTC offset, when it gave one), modified_at, description,
 * section, tags, image. New reference, owned by the caller. */
json_t *parse_article_to_json(const parse_article_t *a);

/* Render as "text" (title, blank line, text) or "markdown" (# title, then
 * blocks as headings, paragraphs, "- " items, "> " quotes, fenced pre).
 * Returns a malloc'd string (caller frees), or NULL for an unknown format. */
char *parse_article_render(const parse_article_t *a, const char *format);

/* The input converted to UTF-8 (charset rules above), NUL-terminated, with
 * invalid sequences replaced by U+FFFD. *charset_out (may be NULL) receives
 * the charset used (static string). Caller frees. Exposed for tests and for
 * other HTML consumers. */
char *parse_html_to_utf8(const char *data, size_t len, const char *content_type, size_t *out_len,
                         const char **charset_out);

#endif

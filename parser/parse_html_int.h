/* parse_html_int: helpers shared by the parse_html*.c / parse_meta.c files
 * (not a public API). All tree walks are iterative. */
#ifndef PARSE_HTML_INT_H
#define PARSE_HTML_INT_H

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdint.h>

#include "nm_buf.h"

/* Next node in document order under root; skip_children skips n's subtree. */
static inline xmlNode *ph_next(xmlNode *n, const xmlNode *root, int skip_children)
{
    if (!skip_children && n->type == XML_ELEMENT_NODE && n->children) return n->children;
    while (n && n != root) {
        if (n->next) return n->next;
        n = n->parent;
    }
    return NULL;
}

/* Attributes parse_article moved out of libxml2's way (parse_html.c, "read
 * ones kept out of libxml2"): a node's psvi points at its run of these,
 * ended by a NULL name. */
typedef struct { const char *name, *value; } ph_attr_t;

/* Borrowed value of attribute name (lower-case), or NULL: the moved
 * attributes first, then the node's own. name must be one parse_article
 * keeps (read_attrs in parse_html.c): the others are dropped before libxml2
 * sees the page. Debug builds (the sanitizer suite, fuzzing) assert it. */
const char *ph_attr(const xmlNode *n, const char *name);
/* 1 if parse_article keeps attribute name (lower-case) for ph_attr. */
int ph_attr_kept(const char *name);
/* strcasestr for ASCII needles, as glibc's in the C locale (first match),
 * without its per-call two-way setup: the haystacks here are short. */
const char *ph_casestr(const char *hay, const char *needle);
/* For tests: 0 turns off the attribute filter and the libxml2 arena
 * (parse_html.c), so the plain path's output can be compared with the fast
 * one's; 1 (the default) turns them on. Not thread-safe: set it first. */
void ph_fast_paths(int on);
/* Append n's text with whitespace collapsed (at most cap bytes total in b). */
void ph_text_append(const xmlNode *n, nm_buf_t *b, size_t cap);
/* malloc'd copy of s with whitespace collapsed and trimmed; NULL if s is NULL or blank. */
char *ph_clean(const char *s);
/* n's collapsed text (capped), malloc'd, or NULL if blank. */
char *ph_text(const xmlNode *n, size_t cap);

/* A short line that is a date, maybe labelled ("Updated on 03/10/2023",
 * "- Mar 27, 2024"): its day as unix seconds, else 0. At most 90 bytes. */
int64_t ph_date_line(const char *s);

typedef struct {
    int64_t t;        /* unix seconds UTC, 0 if unknown */
    int tz;           /* UTC offset in minutes written with the date */
    int tz_known;
} parse_stamp_t;

typedef struct {
    char *title, *h1, *byline, *language, *site_name, *canonical, *description, *body;
    parse_stamp_t published, modified;
    char *image, *section;       /* lead image URL (absolute), section; NULL if unknown */
    char **tags;                 /* article:tag, keywords, JSON-LD keywords (deduplicated, capped) */
    size_t ntags;
} parse_meta_t;

#define PARSE_MAX_TAGS 32

/* Collect metadata from the whole document (call before boilerplate removal). */
void parse_meta_collect(xmlDoc *doc, const char *url, parse_meta_t *m);
void parse_meta_free(parse_meta_t *m);

#endif

/* parse_meta: article metadata from JSON-LD, Open Graph, meta tags, <time>,
 * <link rel=canonical> and the page's own markup, in that order of trust.
 * Also the small text helpers the HTML extractor shares. */
#include <assert.h>
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "nm_buf.h"
#include "nm_url.h"
#include "parse_date.h"
#include "parse_html_int.h"

#define META_TEXT_CAP 2048
#define LD_MAX_SCRIPTS 16
#define LD_MAX_BYTES (1024 * 1024)

const char *ph_attr(const xmlNode *n, const char *name)
{
    assert(ph_attr_kept(name));   /* else it was dropped before parsing: add it to read_attrs */
    if (n->psvi)
        for (const ph_attr_t *e = n->psvi; e->name; e++)
            if (e->name[0] == name[0] && strcmp(e->name, name) == 0) return e->value;
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (a->name && strcmp((const char *)a->name, name) == 0) {
            if (a->children && a->children->content) return (const char *)a->children->content;
            return "";
        }
    }
    return NULL;
}

/* ASCII lower-case, one table lookup (ph_casestr's inner loop). */
static const unsigned char lc_tab[256] = {
#define R(b) b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7
#define L(b) b + 32, b + 33, b + 34, b + 35, b + 36, b + 37, b + 38, b + 39
    R(0), R(8), R(16), R(24), R(32), R(40), R(48), R(56),
    64, 97, 98, 99, 100, 101, 102, 103, L(72), L(80), 120, 121, 122, 91, 92, 93, 94, 95,
    R(96), R(104), R(112), R(120), R(128), R(136), R(144), R(152), R(160), R(168), R(176), R(184),
    R(192), R(200), R(208), R(216), R(224), R(232), R(240), R(248)
#undef R
#undef L
};

const char *ph_casestr(const char *hay, const char *needle)
{
    const unsigned char *n = (const unsigned char *)needle;
    unsigned char c0 = lc_tab[n[0]];
    if (!c0) return hay;
    /* candidates for the first byte in either case, found by strpbrk (SIMD in glibc) */
    char set[3] = {(char)c0, (char)(c0 >= 'a' && c0 <= 'z' ? c0 - 32 : 0), 0};
    for (const char *h = strpbrk(hay, set); h; h = strpbrk(h + 1, set)) {
        const unsigned char *u = (const unsigned char *)h;
        size_t k = 1;
        while (n[k] && lc_tab[u[k]] == lc_tab[n[k]]) k++;
        if (!n[k]) return h;
    }
    return NULL;
}

static void append_collapsed(nm_buf_t *b, const char *s, size_t cap)
{
    for (; *s && b->len < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c)) {
            if (b->len && b->data[b->len - 1] != ' ') nm_buf_append(b, " ", 1);
        } else if (c == 0xC2 && (unsigned char)s[1] == 0xA0) {   /* nbsp */
            if (b->len && b->data[b->len - 1] != ' ') nm_buf_append(b, " ", 1);
            s++;
        } else {
            nm_buf_append(b, s, 1);
        }
    }
}

void ph_text_append(const xmlNode *root, nm_buf_t *b, size_t cap)
{
    xmlNode *n = (xmlNode *)root;
    while (n && b->len < cap) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
            append_collapsed(b, (const char *)n->content, cap);
        } else if (n->type == XML_ELEMENT_NODE && n != root && b->len && b->data[b->len - 1] != ' ') {
            /* block-ish boundaries between words: cheap and good enough for metadata */
            const char *nm = (const char *)n->name;
            if (strcmp(nm, "br") == 0 || strcmp(nm, "p") == 0 || strcmp(nm, "div") == 0 || strcmp(nm, "li") == 0)
                nm_buf_append(b, " ", 1);
        }
        n = ph_next(n, root, n->type == XML_ELEMENT_NODE &&
                               (strcmp((const char *)n->name, "script") == 0 || strcmp((const char *)n->name, "style") == 0));
    }
}

char *ph_clean(const char *s)
{
    if (!s) return NULL;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    append_collapsed(&b, s, (size_t)-1 / 4);
    while (b.len && b.data[b.len - 1] == ' ') b.data[--b.len] = 0;
    if (!b.len) { nm_buf_free(&b); return NULL; }
    char *r = nm_strdup(b.data[0] == ' ' ? b.data + 1 : b.data);
    nm_buf_free(&b);
    if (!*r) { free(r); return NULL; }
    return r;
}

char *ph_text(const xmlNode *n, size_t cap)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    ph_text_append(n, &b, cap);
    nm_buf_append(&b, "", 0);
    char *r = ph_clean(b.data);
    nm_buf_free(&b);
    return r;
}

static void set_once(char **dst, const char *v);

/* ---- JSON-LD ---- */

static int ld_type_is_article(json_t *o)
{
    static const char *types[] = {"Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle",
        "AnalysisNewsArticle", "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle",
        "TechArticle", "ScholarlyArticle", "Report", "LiveBlogPosting", "SocialMediaPosting",
        "WebPage", "Blog", "Recipe", "HowTo", "Review", "MedicalWebPage", "FAQPage", NULL};
    json_t *t = json_object_get(o, "@type");
    const char *s[4] = {0};
    size_t ns = 0;
    if (json_is_string(t)) s[ns++] = json_string_value(t);
    else if (json_is_array(t))
        for (size_t i = 0; i < json_array_size(t) && ns < 4; i++)
            if (json_is_string(json_array_get(t, i))) s[ns++] = json_string_value(json_array_get(t, i));
    int best = 0;
    for (size_t k = 0; k < ns; k++)
        for (int i = 0; types[i]; i++)
            if (strcmp(s[k], types[i]) == 0) {
                int rank = i < 14 ? 3 : (i == 14 ? 1 : 2);   /* WebPage is the weakest */
                if (rank > best) best = rank;
            }
    return best;
}

/* Find the most article-like object (bounded depth: JSON is hostile too). */
static void ld_find(json_t *j, int depth, json_t **best, int *best_rank)
{
    if (depth > 4 || !j) return;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j) && i < 64; i++) ld_find(json_array_get(j, i), depth + 1, best, best_rank);
        return;
    }
    if (!json_is_object(j)) return;
    int r = ld_type_is_article(j);
    if (r > *best_rank) { *best = j; *best_rank = r; }
    ld_find(json_object_get(j, "@graph"), depth + 1, best, best_rank);
    json_t *me = json_object_get(j, "mainEntity");
    if (json_is_object(me)) ld_find(me, depth + 1, best, best_rank);
}

static const char *ld_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_array(v) && json_is_string(json_array_get(v, 0))) return json_string_value(json_array_get(v, 0));
    return NULL;
}

/* "name" of a string | object | array of them; names joined with ", ". */
/* The object with this @id in the document's @graph (WordPress/Yoast write
 * "author": {"@id": ...} and the Person elsewhere). Bounded scan. */
static _Thread_local int strict_names;   /* clean_author: also reject all-lower-case ASCII */

static json_t *ld_by_id(json_t *doc, const char *id)
{
    json_t *g = json_is_object(doc) ? json_object_get(doc, "@graph") : doc;
    if (!json_is_array(g) || !id) return NULL;
    for (size_t i = 0; i < json_array_size(g) && i < 64; i++) {
        json_t *o = json_array_get(g, i);
        const char *oid = json_is_object(o) ? json_string_value(json_object_get(o, "@id")) : NULL;
        if (oid && strcmp(oid, id) == 0) return o;
    }
    return NULL;
}

static _Thread_local json_t *ld_doc;   /* the JSON-LD document being read (for @id references); set around ld_names calls */

static char *ld_names(json_t *v, int orgs)
{
    nm_buf_t b;
    nm_buf_init(&b, 1024);
    size_t n = json_is_array(v) ? json_array_size(v) : 1, nn = 0;
    const char *names[8];
    for (size_t i = 0; i < n && i < 8; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (json_is_object(e) && !json_object_get(e, "name") && ld_doc) {
            json_t *r = ld_by_id(ld_doc, json_string_value(json_object_get(e, "@id")));
            if (r) e = r;
        }
        const char *type = json_is_object(e) ? ld_str(e, "@type") : NULL;
        int is_org = type && strcmp(type, "Person") != 0;
        if (is_org != orgs) continue;
        const char *s = json_is_string(e) ? json_string_value(e) : ld_str(e, "name");
        if (!s || !*s || strncmp(s, "http", 4) == 0) continue;
        names[nn++] = s;
    }
    /* "A and B"; "A, B, C" (the common bylines' style) */
    for (size_t i = 0; i < nn; i++) {
        int dup = 0;
        for (size_t k = 0; k < i; k++) dup |= strcmp(names[k], names[i]) == 0;
        if (dup) continue;
        if (b.len) nm_buf_puts(&b, nn == 2 ? " and " : ", ");
        nm_buf_puts(&b, names[i]);
    }
    nm_buf_append(&b, "", 0);
    char *r = NULL;
    set_once(&r, b.data);
    nm_buf_free(&b);
    return r;
}

/* Add comma-separated tags (trimmed, deduplicated case-insensitively, capped). */
static void add_tags(parse_meta_t *m, const char *list)
{
    if (!list) return;
    const char *p = list;
    while (*p && m->ntags < PARSE_MAX_TAGS) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > 0 && n < 100) {
            char buf[104];
            memcpy(buf, p, n);
            buf[n] = 0;
            char *t = ph_clean(buf);
            int dup = !t;
            for (size_t i = 0; t && i < m->ntags && !dup; i++) dup = strcasecmp(m->tags[i], t) == 0;
            if (dup) free(t);
            else {
                if (!m->tags) m->tags = nm_calloc(PARSE_MAX_TAGS, sizeof *m->tags);
                m->tags[m->ntags++] = t;
            }
        }
        if (!e) break;
        p = e + 1;
    }
}

static void ld_tags(parse_meta_t *m, json_t *v)
{
    if (json_is_string(v)) add_tags(m, json_string_value(v));
    else if (json_is_array(v))
        for (size_t i = 0; i < json_array_size(v) && i < PARSE_MAX_TAGS; i++)
            if (json_is_string(json_array_get(v, i))) add_tags(m, json_string_value(json_array_get(v, i)));
}

/* image: a URL string, an ImageObject, or an array of either */
static const char *ld_image(json_t *v)
{
    if (json_is_array(v)) v = json_array_get(v, 0);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_object(v)) {
        const char *u = ld_str(v, "url");
        return u ? u : ld_str(v, "contentUrl");
    }
    return NULL;
}

/* Next character of a title for a loose comparison: ASCII lower-case,
 * curly quotes and dashes as their ASCII forms, runs of space as one. */
static int loose_next(const char **pp)
{
    const unsigned char *p = (const unsigned char *)*pp;
    int c;
    if (!*p) return 0;
    if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x98 || p[2] == 0x99)) { c = '\''; p += 3; }
    else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x9C || p[2] == 0x9D)) { c = '"'; p += 3; }
    else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x93 || p[2] == 0x94)) { c = '-'; p += 3; }
    else if (isspace(*p)) { while (isspace(*p)) p++; c = ' '; }
    else { c = tolower(*p); p++; }
    *pp = (const char *)p;
    return c;
}

static int loose_eq(const char *a, const char *b)
{
    if (!a || !b) return 0;
    for (;;) {
        int x = loose_next(&a), y = loose_next(&b);
        if (x != y) return 0;
        if (!x) return 1;
    }
}

/* ---- title cleanup ---- */

static int ci_eq(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

static size_t count_words(const char *s, size_t n)
{
    size_t w = 0;
    int in = 0;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i])) in = 0;
        else if (!in) { in = 1; w++; }
    }
    return w;
}

/* "Newegg.com", "example.co.uk": a site named by its host. */
static int looks_like_domain(const char *s)
{
    const char *dot = strrchr(s, '.');
    if (!dot || dot == s || strchr(s, ' ')) return 0;
    size_t tld = strlen(dot + 1);
    if (tld < 2 || tld > 6) return 0;
    for (const char *p = dot + 1; *p; p++) if (!isalpha((unsigned char)*p)) return 0;
    return 1;
}

/* The site-name segment of a document title: what follows its last
 * " | ", " - ", " – " or " — " (NULL when there is none). */
static const char *title_tail(const char *t)
{
    static const char *seps[] = {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", NULL};
    const char *best = NULL;
    for (int i = 0; t && seps[i]; i++) {
        const char *p = t, *last = NULL;
        while ((p = strstr(p, seps[i])) != NULL) { last = p; p++; }
        if (last && (!best || last + strlen(seps[i]) > best)) best = last + strlen(seps[i]);
    }
    return best;
}

static int root_href(const char *href);

/* An h1 that is the site's logo: its whole text one link to a site's
 * front page ("<h1><a href="/">Site</a></h1>"). */
static int h1_is_logo(const xmlNode *h)
{
    const xmlNode *a = NULL;
    if (h->parent && h->parent->type == XML_ELEMENT_NODE && strcmp((const char *)h->parent->name, "a") == 0)
        return root_href(ph_attr(h->parent, "href"));
    for (const xmlNode *c = h->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && c->content) {
            for (const char *p = (const char *)c->content; *p; p++) if (!isspace((unsigned char)*p)) return 0;
        } else if (c->type == XML_ELEMENT_NODE) {
            if (a || strcmp((const char *)c->name, "a") != 0) return 0;
            a = c;
        }
    }
    return a && root_href(ph_attr(a, "href"));
}

/* A link to a site's front page: "/", "https://host", "https://host/". */
static int root_href(const char *href)
{
    if (!href) return 0;
    const char *p = strstr(href, "://");
    if (p) {
        p = strchr(p + 3, '/');
        if (!p) return 1;
    } else p = href;
    return strcmp(p, "/") == 0 || strcmp(p, "/index.html") == 0;
}

/* Drop " | Site", " - Site" suffixes (and "Site | " prefixes). */
static void strip_site(char *t, const char *site, const char *h1)
{
    static const char *seps[] = {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " :: ", " \xC2\xB7 ",
                                 " \xE2\x80\xA2 ", " // ", " \xC2\xBB ", " ~ ", NULL};
    if (!t) return;
    if (h1 && ci_eq(t, h1)) return;
    for (int round = 0; round < 2; round++) {
        char *cut = NULL;
        size_t seplen = 0;
        for (int i = 0; seps[i]; i++) {
            char *p = t, *last = NULL;
            while ((p = strstr(p, seps[i])) != NULL) { last = p; p++; }
            if (last && (!cut || last > cut)) { cut = last; seplen = strlen(seps[i]); }
        }
        if (!cut) return;
        const char *tail = cut + seplen;
        size_t headlen = (size_t)(cut - t);
        if (h1 && strncasecmp(t, h1, headlen) == 0 && h1[headlen] == 0) { *cut = 0; return; }
        /* "Site | Title": the head is the site */
        if (site && strlen(site) == headlen && strncasecmp(t, site, headlen) == 0) {
            memmove(t, tail, strlen(tail) + 1);
            continue;
        }
        if (ci_eq(tail, site) || looks_like_domain(tail) ||
            (count_words(tail, strlen(tail)) <= 4 && count_words(t, headlen) >= 3)) {
            *cut = 0;
            continue;
        }
        return;
    }
}

/* ---- the collector ---- */

typedef struct {
    const char *key;
    int prio;   /* lower wins */
} date_key_t;

static int date_prio(const char *key)
{
    static const date_key_t keys[] = {
        {"article:published_time", 1}, {"og:published_time", 1}, {"datepublished", 2},
        {"article.published", 2}, {"parsely-pub-date", 2}, {"sailthru.date", 3}, {"pubdate", 3},
        {"publishdate", 3}, {"publish-date", 3}, {"publish_date", 3}, {"dc.date.issued", 3},
        {"dcterms.created", 4}, {"dc.date", 4}, {"date", 4}, {"article_date_original", 4},
        {"og:article:published_time", 1}, {"article:published", 2}, {"datecreated", 5},
        {"timestamp", 6}, {"article:modified_time", 8}, {"datemodified", 8},
        {"og:updated_time", 9}, {"last-modified", 9}, {"published", 3}, {"date_published", 3},
        {"article:published_date", 2}, {"dcterms.issued", 3}, {"citation_publication_date", 3},
        {"citation_date", 4}, {"dcterms.date", 4}, {"dcterms.modified", 9}, {"dc.date.modified", 9}, {NULL, 0}};
    for (int i = 0; keys[i].key; i++)
        if (strcasecmp(key, keys[i].key) == 0) return keys[i].prio;
    /* site-specific spellings: "w-published-date", "article.publishdate" */
    if (ph_casestr(key, "publish") && ph_casestr(key, "date")) return 4;
    return 0;
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Meta content and JSON-LD are often entity-encoded twice ("&amp;#8217;"):
 * decode what the HTML parser left, in place (never grows). */
static void decode_entities(char *s)
{
    char *r = s, *w = s;
    while (*r) {
        if (*r == '&') {
            char *semi = strchr(r, ';');
            if (semi && semi - r >= 3 && semi - r <= 10) {
                unsigned long cp = 0;
                if (r[1] == '#') {
                    char *end;
                    cp = (r[2] == 'x' || r[2] == 'X') ? strtoul(r + 3, &end, 16) : strtoul(r + 2, &end, 10);
                    if (end != semi) cp = 0;
                } else {
                    char name[12];
                    memcpy(name, r + 1, (size_t)(semi - r - 1));
                    name[semi - r - 1] = 0;
                    const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
                    if (e) cp = e->value;
                }
                if (cp && cp < 0x110000 && !(cp >= 0xD800 && cp < 0xE000)) {
                    size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                    if ((size_t)(semi + 1 - r) >= need) {
                        char tmp[4];
                        size_t k = put_utf8(tmp, cp);
                        r = semi + 1;
                        memcpy(w, tmp, k);
                        w += k;
                        continue;
                    }
                }
            }
        }
        *w++ = *r++;
    }
    *w = 0;
}

static void set_once(char **dst, const char *v)
{
    if (*dst || !v) return;
    *dst = ph_clean(v);
    if (*dst && strchr(*dst, '&')) decode_entities(*dst);
}

/* The class names a date: "date", "time", "publish" or "posted" in it
 * (any case), in one pass over the class. */
static int class_has_date(const xmlNode *n)
{
    const char *c = ph_attr(n, "class");
    if (!c) return 0;
    for (const char *p = c; *p; p++) {
        switch (lc_tab[(unsigned char)*p]) {
        case 'd': if (strncasecmp(p, "date", 4) == 0) return 1; break;
        case 't': if (strncasecmp(p, "time", 4) == 0) return 1; break;
        case 'p': if (strncasecmp(p, "publish", 7) == 0 || strncasecmp(p, "posted", 6) == 0) return 1; break;
        default: break;
        }
    }
    return 0;
}

static char *strip_by(char *s)
{
    if (!s) return NULL;
    const char *p = s;
    /* "Written By: X", "Text by X", "Posted by: X", "Reviewed by X": a label
     * of at most three words ending in "by" */
    for (const char *q = s; *q && q - s < 32; q++) {
        if ((q == s || q[-1] == ' ') && strncasecmp(q, "by", 2) == 0 && (q[2] == ' ' || q[2] == ':')) {
            if (count_words(s, (size_t)(q - s)) <= 2) { p = q + 2; while (*p == ':' || *p == ' ') p++; }
            break;
        }
    }
    if (p != s) ;
    else if (strncasecmp(p, "by ", 3) == 0) p += 3;
    else if (strncasecmp(p, "by:", 3) == 0) p += 3;
    else if (strncasecmp(p, "written by ", 11) == 0) p += 11;
    else if (strncasecmp(p, "posted by ", 10) == 0) p += 10;
    while (*p == ' ') p++;
    if (p != s) memmove(s, p, strlen(p) + 1);
    if (!*s || strlen(s) > 120) { free(s); return NULL; }
    return s;
}

/* A visible date line ("Published July 9, 2025 | 5 min read"): the whole
 * text or one of its separated parts must parse as a date. */
static int64_t date_from_text(const char *t)
{
    int64_t v;
    if (!t || strlen(t) > 120) return 0;
    if (parse_date(t, &v) == 0 && v > 0) return v;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", t);
    char *save = NULL;
    for (char *part = strtok_r(buf, "|\n", &save); part; part = strtok_r(NULL, "|\n", &save)) {
        while (*part == ' ') part++;
        if (parse_date(part, &v) == 0 && v > 0) return v;
    }
    return 0;
}

static int looks_like_author_el(const xmlNode *n)
{
    const char *ip = ph_attr(n, "itemprop"), *rel = ph_attr(n, "rel"), *c = ph_attr(n, "class");
    if ((ip && strcmp(ip, "author") == 0) || (rel && strcmp(rel, "author") == 0)) return 1;
    if (strcmp((const char *)n->name, "a") == 0) {
        const char *href = ph_attr(n, "href");
        if (href && (strstr(href, "/author/") || strstr(href, "/authors/"))) return 1;
    }
    if (!c || (!ph_casestr(c, "author") && !ph_casestr(c, "byline"))) return 0;
    /* the name line of an author box ("author-box__name", "author-card-name"):
     * the box itself holds a bio and a photo, its name element only the name */
    for (const char *t = c; *t;) {   /* one class token naming both, not a page-wide flag list */
        t += strspn(t, " \t\n");
        size_t tl = strcspn(t, " \t\n");
        char tok[48];
        if (tl && tl < sizeof tok) {
            memcpy(tok, t, tl);
            tok[tl] = 0;
            if (ph_casestr(tok, "author") && ph_casestr(tok, "name") && !ph_casestr(tok, "show")) return 1;
        }
        t += tl;
    }
    if (ph_casestr(c, "avatar") || ph_casestr(c, "bio") || ph_casestr(c, "image") || ph_casestr(c, "img") ||
        ph_casestr(c, "photo") || ph_casestr(c, "about") || ph_casestr(c, "box") || ph_casestr(c, "label") ||
        ph_casestr(c, "title") || ph_casestr(c, "date"))
        return 0;
    return 1;
}

/* An element classed like a byline that holds a headline or a large subtree
 * is a page section carrying a flag class ("show-author-name"), not a byline. */
static int byline_container(const xmlNode *n)
{
    int steps = 0;
    for (const xmlNode *k = n->children; k; k = ph_next((xmlNode *)k, n, 0)) {
        if (++steps > 400) return 1;
        if (k->type == XML_ELEMENT_NODE && k->name[0] == 'h' && k->name[1] >= '1' && k->name[1] <= '2' && !k->name[2]) return 1;
    }
    return 0;
}

/* A byline as shown: "By Jane Doe" -> "Jane Doe"; NULL unless it looks like names. */
/* A label the author's name follows in the next text: "Author:",
 * "Author(s)", "Contributors", "Article by" (a label names who wrote the
 * page wherever it sits, so it is looked for in the whole page). */
static int author_label(const char *tx)
{
    static const char *labels[] = {"author", "authors", "author(s)", "contributor", "contributors",
                                   "contributor(s)", "article by", "written by", "words by", NULL};
    char b[32];
    size_t k = 0;
    for (; *tx && k + 1 < sizeof b; tx++) {
        if (isspace((unsigned char)*tx)) { if (k && b[k - 1] != ' ') b[k++] = ' '; }
        else b[k++] = (char)tolower((unsigned char)*tx);
    }
    while (k && (b[k - 1] == ' ' || b[k - 1] == ':')) k--;
    b[k] = 0;
    for (int i = 0; labels[i]; i++) if (strcmp(b, labels[i]) == 0) return 1;
    return 0;
}

/* Inside navigation ("By Company Size" in a menu is no byline). */
static int in_menu(const xmlNode *n)
{
    for (int d = 0; n && d < 10; n = n->parent, d++) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (strcmp((const char *)n->name, "nav") == 0) return 1;
        const char *r = ph_attr(n, "role");
        if (r && (strcmp(r, "navigation") == 0 || strcmp(r, "menu") == 0 || strcmp(r, "menubar") == 0)) return 1;
        static const char *menus[] = {"menu", "nav", "navbar", "dropdown", "dropdown-menu", "sub-menu", "submenu",
                                      "mega-menu", "megamenu", "menu-item", NULL};
        const char *c = ph_attr(n, "class");
        for (int i = 0; c && menus[i]; i++) {
            size_t l = strlen(menus[i]);
            for (const char *p = c; (p = ph_casestr(p, menus[i])) != NULL; p += l)
                if ((p == c || isspace((unsigned char)p[-1])) && (!p[l] || isspace((unsigned char)p[l]))) return 1;
        }
    }
    return 0;
}

static char *clean_author(char *t)
{
    if (!t) return NULL;
    static const char *cuts[] = {" - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", "\xE2\x80\xA2", "|", " on ", " in ",
                                 " Updated", " Published", " Posted", "\n", NULL};
    for (int i = 0; cuts[i]; i++) {
        char *p = strstr(t, cuts[i]);
        if (p && p != t) *p = 0;
    }
    for (char *p = t; *p; p++)
        if (isdigit((unsigned char)*p) && p != t) { *p = 0; break; }
    static const char *months[] = {" January", " February", " March", " April", " May ", " June", " July",
        " August", " September", " October", " November", " December", " Jan.", " Feb.", " Mar.", " Apr.",
        " Jun.", " Jul.", " Aug.", " Sep.", " Sept.", " Oct.", " Nov.", " Dec.", " Jan ", " Feb ", " Mar ",
        " Apr ", " Jun ", " Jul ", " Aug ", " Sep ", " Oct ", " Nov ", " Dec ", NULL};
    for (int i = 0; months[i]; i++) {
        char *p = strstr(t, months[i]);
        if (p) *p = 0;
    }
    while (*t == ',' || *t == ' ') memmove(t, t + 1, strlen(t));
    size_t l = strlen(t);
    while (l && (isspace((unsigned char)t[l - 1]) || strchr(",-:;(", t[l - 1]))) t[--l] = 0;
    if (strncasecmp(t, "author ", 7) == 0 || strncasecmp(t, "author:", 7) == 0) memmove(t, t + 7, strlen(t + 7) + 1);
    while (*t == ' ') memmove(t, t + 1, strlen(t));
    t = strip_by(t);
    if (!t) return NULL;
    size_t tl0 = strlen(t);
    static const char *not_names[] = {"the author", "admin", "staff", "updated", "published", "posted", "written",
                                      "reviewed", "edited", "author", "authors", "by", "share", "follow", "name", "website",
                                      "advertiser disclosure", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "contributor", NULL};
    int bad = strchr(t, '*') != NULL || (tl0 >= 3 && strcasecmp(t + tl0 - 3, " by") == 0) ||
              (tl0 >= 5 && strcasecmp(t + tl0 - 5, " says") == 0) || strncasecmp(t, "authors of", 10) == 0;
    for (int i = 0; not_names[i] && !bad; i++) bad = ci_eq(t, not_names[i]);
    /* names have no arrows or sentence punctuation, and are not a
     * month or a bare label word */
    int upper = 0, ascii_only = 1;
    for (const unsigned char *q = (const unsigned char *)t; *q; q++) {
        if (isupper(*q)) upper = 1;
        if (*q >= 0x80) ascii_only = 0;
    }
    /* loose text next to a "By" label: a name has a capital somewhere
     * (pages do show lower-case login names, but in byline markup) */
    if (!bad && ascii_only && !upper && strict_names) bad = 1;
    if (!bad && (strpbrk(t, "?!<>{}[]=") || strstr(t, "\xE2\x86\x92") || strstr(t, "\xE2\x9F\xA8"))) bad = 1;
    if (!bad && tl0 > 1 && t[tl0 - 1] == '.' && count_words(t, tl0) > 3) bad = 1;
    static const char *labels[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "january", "february", "march", "april", "june", "july", "august", "september", "october",
        "november", "december", "insights from", "more about me", "about me", "about the author", "human",
        /* link and UI words that sit where bylines do */
        "on", "here", "view full profile", "view profile", "full profile", "read more", "terms & conditions",
        "terms and conditions", "privacy policy", "company size", "contact us", NULL};
    for (int i = 0; labels[i] && !bad; i++) bad = ci_eq(t, labels[i]);
    /* a job title glued to the name ("Harry Rabinowitz Tech Reporter"): the name */
    if (!strchr(t, ',') && count_words(t, strlen(t)) >= 3) {
        static const char *jobs[] = {"reporter", "editor", "writer", "coordinator", "correspondent", "contributor",
                                     "columnist", "journalist", "producer", "manager", "director", "specialist",
                                     "strategist", "analyst", "intern", NULL};
        const char *lw = strrchr(t, ' '), *s1 = strchr(t, ' ');
        for (int i = 0; lw && s1 && jobs[i]; i++) {
            if (strcasecmp(lw + 1, jobs[i]) != 0) continue;
            char *sp = strchr(s1 + 1, ' ');
            if (sp) *sp = 0;
            break;
        }
    }
    int letters = 0;   /* "•", "—": punctuation only */
    for (const unsigned char *q = (const unsigned char *)t; *q && !letters; q++) letters = isalpha(*q) || (*q >= 0xC3 && *q < 0xE2);
    if (bad || !letters) { free(t); return NULL; }
    size_t w = count_words(t, strlen(t));
    /* a list of names ("A B, C D, E F and G H"): each part name-sized */
    int list = 0;
    if ((w > 8 || strlen(t) > 80) && strlen(t) <= 300 && strchr(t, ',')) {
        list = 1;
        for (const char *p = t; *p && list;) {
            size_t pl = strcspn(p, ",");
            if (count_words(p, pl) > 4) list = 0;
            p += pl;
            if (*p) p++;
        }
    }
    if (w < 1 || (!list && (w > 8 || strlen(t) > 80)) || strstr(t, "http") || strchr(t, '@') || strchr(t, '|') ||
        ci_eq(t, "by") || ci_eq(t, "author") || !(isalpha((unsigned char)t[0]) || (unsigned char)t[0] >= 0x80)) {
        free(t);
        return NULL;
    }
    return t;
}

/* Two or three capitalised words ("Toby Hede", "Mary K. Smith") and no
 * word that names an organisation: how a person's name reads. */
static int person_like(const char *s, size_t n)
{
    static const char *orgs[] = {"inc", "llc", "ltd", "corp", "co", "company", "group", "media", "news", "associates",
        "studio", "studios", "press", "publishing", "foundation", "institute", "university", "limited", "gmbh",
        "agency", "labs", "solutions", "digital", "network", "partners", "holdings", "design", "blog", "magazine",
        "society", "association", "center", "centre", "team", "services", "systems", "technologies", "health",
        "club", "online", "the", "all", "rights", "reserved", "pte", "plc", "sa", "ag", "llp", "pty", NULL};
    size_t w = count_words(s, n);
    if (w < 2 || w > 3 || n > 40) return 0;
    for (size_t i = 0; i < n;) {
        while (i < n && s[i] == ' ') i++;
        size_t j = i;
        while (j < n && s[j] != ' ') j++;
        if (j == i) break;
        unsigned char c0 = (unsigned char)s[i];
        if (!(isupper(c0) || c0 >= 0xC3)) return 0;
        int lower = 0;
        for (size_t k = i + 1; k < j; k++) {
            unsigned char c = (unsigned char)s[k];
            if (islower(c)) lower = 1;
            else if (!(c == '.' || c == '-' || c == '\'' || isupper(c) || c >= 0x80)) return 0;
        }
        if (!lower && !(j - i == 2 && s[i + 1] == '.')) return 0;   /* "K." initials only */
        char wd[16];
        size_t wl = j - i < sizeof wd - 1 ? j - i : sizeof wd - 1;
        for (size_t k = 0; k < wl; k++) wd[k] = (char)tolower((unsigned char)s[i + k]);
        wd[wl] = 0;
        while (wl && wd[wl - 1] == '.') wd[--wl] = 0;
        for (int k = 0; orgs[k]; k++) if (strcmp(wd, orgs[k]) == 0) return 0;
        i = j;
    }
    return 1;
}

/* "© 2025 Toby Hede. All rights reserved.": the holder, when it reads as a
 * person's name. Personal sites name their author there and nowhere else;
 * companies ("© 2026 Diana Intelligence Corp") are not authors. */
static char *copyright_person(const char *tx)
{
    const char *p = strstr(tx, "\xC2\xA9");
    if (p) p += 2;
    else if ((p = ph_casestr(tx, "&copy;")) != NULL) p += 6;
    else if ((p = ph_casestr(tx, "copyright")) != NULL) p += 9;
    else return NULL;
    /* the year (or years) first: "© 2019-2025 Name" */
    while (*p == ' ') p++;
    if (!(isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
          isdigit((unsigned char)p[3]) && !isdigit((unsigned char)p[4])))
        return NULL;
    p += 4;
    while (*p == ' ') p++;
    if (*p == '-' || strncmp(p, "\xE2\x80\x93", 3) == 0) {   /* "2019-2025", "2019 – 2025" */
        p += *p == '-' ? 1 : 3;
        while (*p == ' ') p++;
        for (int k = 0; k < 4; k++, p++) if (!isdigit((unsigned char)*p)) return NULL;
        while (*p == ' ') p++;
    }
    if (!isalpha((unsigned char)*p) && (unsigned char)*p < 0xC3) return NULL;
    size_t n = strcspn(p, ".,|;:(\xC2");
    while (n && p[n - 1] == ' ') n--;
    /* "Acme Int.", "Jane K. Doe": an abbreviation, not the end of a name */
    if (p[n] == '.') {
        size_t k = n;
        while (k && p[k - 1] != ' ') k--;
        if (n - k <= 3) return NULL;
    }
    if (!person_like(p, n)) return NULL;
    return nm_strndup(p, n);
}

/* "This post was written by Jane Doe, Head of Marketing": the name after
 * "written by", up to the next comma, full stop or bracket. */
static char *written_by(const char *tx)
{
    const char *p = ph_casestr(tx, "written by ");
    if (!p) return NULL;
    p += 11;
    size_t n = strcspn(p, ",.;|(\n");
    if (n < 3 || n > 60) return NULL;
    char *t = nm_strndup(p, n);
    strict_names = 1;
    t = clean_author(t);
    strict_names = 0;
    if (t && !person_like(t, strlen(t))) { free(t); t = NULL; }
    return t;
}

static int64_t date_from_url(const char *url)
{
    if (!url) return 0;
    for (const char *p = url; *p; p++) {
        if (*p != '/' || !isdigit((unsigned char)p[1])) continue;
        /* /YYYY/MM/DD/ or /YYYY-MM-DD */
        int y, m, d;
        char c1, c2;
        if (sscanf(p + 1, "%4d%c%2d%c%2d", &y, &c1, &m, &c2, &d) == 5 && y >= 1995 && y <= 2100 &&
            m >= 1 && m <= 12 && d >= 1 && d <= 31 && c1 == c2 && (c1 == '/' || c1 == '-')) {
            char buf[16];
            snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
            int64_t t;
            if (parse_date(buf, &t) == 0) return t;
        }
    }
    return 0;
}

/* The name inside a byline element: itemprop=name, else the first link
 * that reads as a name (bylines link to author pages), else the first text
 * that does, else the whole text. Taking one piece avoids gluing the name to
 * a job title, a bio or the date shown next to it. */
static char *author_from_el(xmlNode *n)
{
    xmlNode *a = NULL;
    int steps = 0;
    for (xmlNode *k = n->children; k && steps < 200; k = ph_next(k, n, 0), steps++) {
        if (k->type != XML_ELEMENT_NODE) continue;
        const char *kp = ph_attr(k, "itemprop");
        if (kp && strcmp(kp, "name") == 0) return clean_author(ph_text(k, 256));
        if (!a && strcmp((const char *)k->name, "a") == 0) a = k;
    }
    char *t = a ? clean_author(ph_text(a, 256)) : NULL;
    if (t) return t;
    if (strcmp((const char *)n->name, "a") == 0) return clean_author(ph_text(n, 256));
    steps = 0;
    for (xmlNode *k = n->children; k && steps < 200; k = ph_next(k, n, 0), steps++) {
        if (k->type != XML_TEXT_NODE || !k->content) continue;
        t = clean_author(ph_clean((const char *)k->content));
        if (t) return t;
    }
    return clean_author(ph_text(n, 256));
}

/* The UTC offset written in a date string ("...T21:00:00-04:00", "+0530",
 * "Z", "GMT"), in minutes; 0 when the string names none. Keeping it lets the
 * publication day be the publisher's day, not UTC's. */
static int tz_of(const char *s, int *off)
{
    for (const char *p = s; *p; p++) {
        if (!(isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':' &&
              isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4])))
            continue;
        const char *q = p + 5;
        while (*q == ':' || *q == '.' || *q == ',' || isdigit((unsigned char)*q)) q++;
        while (*q == ' ') q++;
        if (*q == 'Z' || strncmp(q, "GMT", 3) == 0 || strncmp(q, "UTC", 3) == 0) {
            q += *q == 'Z' ? 1 : 3;
            if (*q != '+' && *q != '-') { *off = 0; return 1; }
        }
        if ((*q == '+' || *q == '-') && isdigit((unsigned char)q[1]) && isdigit((unsigned char)q[2])) {
            int sign = *q == '-' ? -1 : 1, h = (q[1] - '0') * 10 + (q[2] - '0'), mi = 0;
            const char *r = q + 3;
            if (*r == ':') r++;
            if (isdigit((unsigned char)r[0]) && isdigit((unsigned char)r[1])) mi = (r[0] - '0') * 10 + (r[1] - '0');
            if (h > 14 || mi > 59) return 0;
            *off = sign * (h * 60 + mi);
            return 1;
        }
        return 0;
    }
    return 0;
}

static int stamp_parse(const char *s, parse_stamp_t *st)
{
    int64_t t;
    if (!s || parse_date(s, &t) != 0 || t <= 0) return -1;
    st->t = t;
    st->tz_known = tz_of(s, &st->tz);
    if (!st->tz_known) st->tz = 0;
    return 0;
}

/* The calendar day in the stamp's own time zone (UTC when unknown). */
static int64_t local_day(const parse_stamp_t *s)
{
    int64_t t = s->t + (s->tz_known ? (int64_t)s->tz * 60 : 0);
    return t >= 0 ? t / 86400 : (t - 86399) / 86400;
}

/* Numeric dates parse_date leaves alone: "18.12.2025", "2025年12月18日",
 * "12/18/2025" (only when the order is unambiguous). */
static int64_t numeric_date(const char *t)
{
    int a, b, y;
    char buf[48];
    const char *p = t;
    while (*p && !isdigit((unsigned char)*p)) p++;
    if (sscanf(p, "%4d\xE5\xB9\xB4%2d\xE6\x9C\x88%2d", &y, &a, &b) == 3) {
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, a, b);
    } else if (sscanf(p, "%2d.%2d.%4d", &a, &b, &y) == 3 && y >= 1995) {
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, b, a);
    } else if (sscanf(p, "%2d/%2d/%4d", &a, &b, &y) == 3 && y >= 1995 && (a > 12) != (b > 12)) {
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, a > 12 ? b : a, a > 12 ? a : b);
    } else {
        return 0;
    }
    int64_t v;
    return parse_date(buf, &v) == 0 ? v : 0;
}

/* The day of t with day and month exchanged (t a day start, UTC), or -1
 * when that is no date (day > 12). */
static int64_t swapped_day(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || tm.tm_mday > 12) return -1;
    char buf[40];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mday, tm.tm_mon + 1);
    int64_t v;
    return parse_date(buf, &v) == 0 ? v / 86400 : -1;
}

/* A short visible text that is a date, maybe with a label ("Published on",
 * "Last updated:", "- "): its day, or 0. Cheap rejection first: a year.
 * *numeric is set when the day came from an all-digit form whose day and
 * month could be the other way round ("09.10.2024" on a US site). */
static int64_t visible_date(const char *s, size_t len, int *updated, int *numeric)
{
    *numeric = 0;
    if (len > 90) return 0;
    int year = 0;
    for (size_t i = 0; i + 3 < len; i++)
        if ((s[i] == '1' && s[i + 1] == '9') || (s[i] == '2' && s[i + 1] == '0'))
            if (isdigit((unsigned char)s[i + 2]) && isdigit((unsigned char)s[i + 3]) &&
                (i == 0 || !isdigit((unsigned char)s[i - 1])) && !isdigit((unsigned char)s[i + 4])) { year = 1; break; }
    if (!year) return 0;
    char buf[96];
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < sizeof buf; i++)
        buf[k++] = isspace((unsigned char)s[i]) ? ' ' : s[i];
    buf[k] = 0;
    char *p = buf;
    for (;;) {   /* leading separators: "- ", "| ", "· ", "• " */
        if (*p == ' ' || *p == '-' || *p == '|' || *p == '/' || *p == '(' || *p == ',') p++;
        else if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xB7) p += 2;
        else if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0xA2) p += 3;
        else break;
    }
    *updated = ph_casestr(p, "updat") != NULL || ph_casestr(p, "modif") != NULL || ph_casestr(p, "revised") != NULL;
    if (*updated && ph_casestr(p, "last ")) *updated = 2;
    int64_t v = date_from_text(p);
    if (!v && (v = numeric_date(p)) != 0) *numeric = 1;
    /* "Last Updated: 2025-02-22", "Posted by X on May 5, 2025": retry from
     * each of the first word starts (bounded: short text, few tries); then
     * once more with whatever follows the year cut ("Dec 20, 2025 at 3:00
     * am ·", "December 19, 2025 @08:00PM") */
    char *start = p;
    for (int pass = 0; !v && pass < 2; pass++) {
        p = start;
        if (pass == 1) {
            char *y = NULL;
            for (char *q = p; q[0] && q[1] && q[2] && q[3] && !y; q++)
                if (((q[0] == '1' && q[1] == '9') || (q[0] == '2' && q[1] == '0')) && isdigit((unsigned char)q[2]) &&
                    isdigit((unsigned char)q[3]) && (q == p || !isdigit((unsigned char)q[-1])) && !isdigit((unsigned char)q[4]))
                    y = q;
            if (!y || !y[4]) break;
            y[4] = 0;
            v = date_from_text(p);
        }
        for (int tries = 0; !v && *p && tries < 8; tries++) {
            while (*p && *p != ' ') p++;
            while (*p == ' ') p++;
            if (*p) v = date_from_text(p);
        }
    }
    return v;
}

int64_t ph_date_line(const char *s)
{
    int upd, num;
    return s ? visible_date(s, strlen(s), &upd, &num) : 0;
}

void parse_meta_collect(xmlDoc *doc, const char *url, parse_meta_t *m)
{
    memset(m, 0, sizeof *m);
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root) return;
    char *og_title = NULL, *tw_title = NULL, *html_title = NULL, *ld_headline = NULL, *ld_author = NULL;
    char *meta_author = NULL, *dom_author = NULL, *og_url = NULL, *og_site = NULL, *ld_site = NULL;
    char *ld_org_author = NULL, *ld_lang = NULL, *meta_lang = NULL, *time_dt = NULL;
    parse_stamp_t ld_date = {0}, ld_mod = {0}, meta_date = {0}, meta_mod = {0}, time_date = {0};
    int64_t dom_date = 0, vis_before = 0, vis_after = 0;
    int meta_date_prio = 100, meta_mod_prio = 100, nld = 0, nh1 = 0;
    /* visible dates are placed relative to the first h1, in non-blank text nodes */
    long ntext = 0, h1_at = -1, vis_before_at = -1000, upd_label_at = -1000;
    int vis_before_upd = 0, vis_after_upd = 0, upd_label_last = 0;
    char *late_author = NULL, *copy_author = NULL;
    char *tw_author = NULL, *text_author = NULL, tw_author_slot = 0, *meta_image = NULL, *ld_image_url = NULL;
    int kw_from_ld = 0;
    char *h1s[8] = {0};   /* h1s[0] unused: the first h1 is m->h1 */
    long by_label_at = -1000;
    /* every visible date around the headline, to recognise the structured one among them */
    int64_t vis_all[16];
    long vis_all_at[16];
    int vis_all_upd[16], vis_all_num[16];
    int nvis_all = 0;
    /* with nothing else: a labelled date anywhere ("Posted on ...", "Last
     * updated: ..."), or the date right after a byline far from the headline */
    int64_t late_date = 0;
    /* "This article was originally published on 26 Sep 2019 ...": the page's
     * own statement of the first publication (the date in the same text or
     * the next one), for pages that declare no date */
    int64_t orig_date = 0;
    long orig_label_at = -1000;
    long vis_after_at = -1000;
    int time_dt_marked = 0;   /* time_dt carries the pubdate attribute */
    long date_label_at = -1000;

    const char *lang = ph_attr(root, "lang");
    if (!lang) lang = ph_attr(root, "xml:lang");
    set_once(&m->language, lang);

    for (xmlNode *n = root; n;) {
        int skip = 0;
        if (n->type != XML_ELEMENT_NODE) {
            if (n->type == XML_TEXT_NODE && n->content) {
                const char *tx = (const char *)n->content;
                while (isspace((unsigned char)*tx)) tx++;
                if (*tx) {
                    ntext++;
                    size_t tl = strlen(tx);
                    int upd = 0, num = 0;
                    int64_t v = tl <= 90 && (h1_at < 0 || ntext - h1_at <= 40) ? visible_date(tx, tl, &upd, &num) : 0;
                    if (!upd && ntext - upd_label_at <= 2) upd = upd_label_last ? 2 : 1;
                    if (v && nvis_all < 16) {
                        vis_all[nvis_all] = v; vis_all_upd[nvis_all] = upd; vis_all_num[nvis_all] = num;
                        vis_all_at[nvis_all++] = ntext;
                    }
                    if (v && vis_after) v = 0;   /* the first one after the h1 is the one shown with it */
                    if (!late_date && !v && tl <= 90 && h1_at >= 0 && ntext - h1_at > 40) {
                        /* the label first, the date only then (most short texts have
                         * no label, and reading a date is the costly part); the
                         * "updated" test is visible_date's own, on the same letters */
                        int lu = 0, ln = 0;
                        int label = ph_casestr(tx, "updat") || ph_casestr(tx, "modif") || ph_casestr(tx, "revised") ||
                                    ntext - date_label_at <= 2 || ntext - by_label_at <= 3 || ntext - upd_label_at <= 2 ||
                                    ph_casestr(tx, "posted") || ph_casestr(tx, "published");
                        int64_t lv = label ? visible_date(tx, tl, &lu, &ln) : 0;
                        if (lv) late_date = lv;
                    }
                    if (tl < 24 && (ph_casestr(tx, "posted") || ph_casestr(tx, "published"))) date_label_at = ntext;
                    if (!orig_date && tl < 400) {
                        const char *op = ph_casestr(tx, "originally published");
                        if (!op) op = ph_casestr(tx, "originally posted");
                        int ou = 0, on = 0;
                        if (op) {
                            op += strcspn(op, " ") + 1;
                            op += strcspn(op, " ");   /* past "published"/"posted" */
                            /* up to the first year: "... on June 21, 2017 and updated on ..." */
                            size_t ol = 0;
                            while (op[ol] && ol < 76 && !(ol >= 4 && (op[ol - 4] == '1' || op[ol - 4] == '2') &&
                                                          isdigit((unsigned char)op[ol - 3]) && isdigit((unsigned char)op[ol - 2]) &&
                                                          isdigit((unsigned char)op[ol - 1]) && !isdigit((unsigned char)op[ol]) &&
                                                          !isdigit((unsigned char)op[ol - 5])))
                                ol++;
                            orig_date = visible_date(op, ol, &ou, &on);
                            if (!orig_date) orig_label_at = ntext;
                        } else if (ntext - orig_label_at == 1) {
                            orig_date = visible_date(tx, tl < 80 ? tl : 80, &ou, &on);
                        }
                    }
                    /* a visible byline near the headline: "By X", or a "Written by" label and X next */
                    if (!text_author && tl < 24 && author_label(tx)) {
                        by_label_at = ntext;
                    } else if (!text_author && tl < 80 && (h1_at < 0 || ntext - h1_at <= 60 || ntext - by_label_at == 1)) {
                        strict_names = 1;
                        if (ntext - by_label_at == 1) {
                            text_author = clean_author(ph_clean(tx));
                        } else if ((strncasecmp(tx, "by", 2) == 0 || ph_casestr(tx, " by")) && !in_menu(n)) {
                            char *cl = ph_clean(tx);
                            size_t cll = cl ? strlen(cl) : 0;
                            if (cl && cll >= 2 && cll < 24 && (strcasecmp(cl + cll - 2, "by") == 0 || strcasecmp(cl + (cll > 3 ? cll - 3 : 0), "by:") == 0))
                                by_label_at = ntext;
                            else if (cl && count_words(cl, cll) <= 8 && (strncasecmp(cl, "by ", 3) == 0 || strncasecmp(cl, "written by", 10) == 0 ||
                                     strncasecmp(cl, "posted by", 9) == 0))
                                text_author = clean_author(nm_strdup(cl));
                            free(cl);
                        }
                        strict_names = 0;
                    }
                    /* fallbacks for pages without a byline near the headline: an
                     * author box's "written by X" sentence, a personal site's © line */
                    if (!late_author && tl < 200 && ph_casestr(tx, "written by ") && !in_menu(n)) late_author = written_by(tx);
                    if (!copy_author && tl < 120 && (strstr(tx, "\xC2\xA9") || ph_casestr(tx, "copyright")))
                        copy_author = copyright_person(tx);
                    if (v && h1_at < 0) { vis_before = v; vis_before_at = ntext; vis_before_upd = upd; }
                    else if (v) { vis_after = v; vis_after_upd = upd; vis_after_at = ntext; }
                    else if (tl < 40 && (ph_casestr(tx, "updated") || ph_casestr(tx, "modified"))) {
                        upd_label_at = ntext;
                        upd_label_last = ph_casestr(tx, "last ") != NULL;
                    }
                }
            }
            n = ph_next(n, root, 1);
            continue;
        }
        const char *name = (const char *)n->name;
        const char *ld_src = NULL;   /* a JSON-LD document to read */
        if (strcmp(name, "meta") == 0) {
            const char *key = ph_attr(n, "property");
            if (!key) key = ph_attr(n, "name");
            if (!key) key = ph_attr(n, "itemprop");
            if (!key) key = ph_attr(n, "http-equiv");
            const char *content = ph_attr(n, "content");
            if (!content) content = ph_attr(n, "datetime");
            size_t kl = key ? strlen(key) : 0;
            if (key && content && *content && kl >= 7 && strcasecmp(key + kl - 7, "ld+json") == 0) {
                ld_src = content;   /* Remix-style <meta name="script:ld+json" content="{...}"> */
            } else if (key && content && *content) {
                if (strcasecmp(key, "og:title") == 0) set_once(&og_title, content);
                else if (strcasecmp(key, "twitter:title") == 0) set_once(&tw_title, content);
                else if (strcasecmp(key, "og:site_name") == 0) set_once(&og_site, content);
                else if (strcasecmp(key, "og:image") == 0 || strcasecmp(key, "og:image:url") == 0 ||
                         strcasecmp(key, "og:image:secure_url") == 0 || strcasecmp(key, "twitter:image") == 0 ||
                         strcasecmp(key, "twitter:image:src") == 0) set_once(&meta_image, content);
                else if (strcasecmp(key, "article:section") == 0 || strcasecmp(key, "parsely-section") == 0 ||
                         strcasecmp(key, "section") == 0) set_once(&m->section, content);
                else if (strcasecmp(key, "article:tag") == 0 || strcasecmp(key, "news_keywords") == 0 ||
                         strcasecmp(key, "keywords") == 0 || strcasecmp(key, "parsely-tags") == 0) {
                    if (!kw_from_ld) add_tags(m, content);
                }
                else if (strncasecmp(key, "twitter:label", 13) == 0 && ph_casestr(content, "written by"))
                    tw_author_slot = key[13];
                else if (strncasecmp(key, "twitter:data", 12) == 0 && tw_author_slot && key[12] == tw_author_slot)
                    set_once(&tw_author, content);
                else if (strcasecmp(key, "og:url") == 0) set_once(&og_url, content);
                else if (strcasecmp(key, "og:locale") == 0 || strcasecmp(key, "content-language") == 0 ||
                         strcasecmp(key, "language") == 0 || strcasecmp(key, "dc.language") == 0) set_once(&meta_lang, content);
                else if (strcasecmp(key, "description") == 0 || strcasecmp(key, "og:description") == 0) set_once(&m->description, content);
                else if (strcasecmp(key, "author") == 0 || strcasecmp(key, "article:author") == 0 ||
                         strcasecmp(key, "byl") == 0 || strcasecmp(key, "parsely-author") == 0 ||
                         strcasecmp(key, "sailthru.author") == 0 || strcasecmp(key, "dc.creator") == 0) {
                    if (strncmp(content, "http", 4) != 0 && content[0] != '@') set_once(&meta_author, content);
                } else {
                    int pr = date_prio(key);
                    parse_stamp_t st;
                    if (pr && pr < 8 && pr < meta_date_prio && stamp_parse(content, &st) == 0) {
                        meta_date = st;
                        meta_date_prio = pr;
                    } else if (pr >= 8 && pr < meta_mod_prio && stamp_parse(content, &st) == 0) {
                        meta_mod = st;
                        meta_mod_prio = pr;
                    }
                }
            }
        } else if (strcmp(name, "title") == 0) {
            if (!html_title) {
                html_title = ph_text(n, META_TEXT_CAP);
                if (html_title) decode_entities(html_title);
            }
            skip = 1;
        } else if (strcmp(name, "link") == 0) {
            const char *rel = ph_attr(n, "rel");
            if (rel && strcasecmp(rel, "canonical") == 0) set_once(&m->canonical, ph_attr(n, "href"));
        } else if (strcmp(name, "script") == 0) {
            const char *type = ph_attr(n, "type");
            skip = 1;
            if (type && strcasecmp(type, "application/ld+json") == 0 && n->children && n->children->content)
                ld_src = (const char *)n->children->content;
        } else if (strcmp(name, "style") == 0) {
            skip = 1;
        } else if (strcmp(name, "time") == 0) {
            const char *dt = ph_attr(n, "datetime");
            if (dt && (!time_dt || ph_attr(n, "pubdate"))) {
                free(time_dt);
                time_dt = nm_strdup(dt);
                time_dt_marked = ph_attr(n, "pubdate") != NULL;
            }
            /* the first <time> after the headline is the date shown with it; its
             * machine-readable datetime beats its text ("03/01/2017" is ambiguous) */
            parse_stamp_t ts;
            if (dt && !vis_after && h1_at >= 0 && ntext - h1_at <= 40 && isdigit((unsigned char)dt[0]) &&
                isdigit((unsigned char)dt[1]) && isdigit((unsigned char)dt[2]) && isdigit((unsigned char)dt[3]) &&
                dt[4] == '-' && stamp_parse(dt, &ts) == 0) {   /* ISO only: "02-12-2025" is ambiguous */
                vis_after = local_day(&ts) * 86400;
                vis_after_at = ntext + 1;
                if (!time_dt_marked) { free(time_dt); time_dt = nm_strdup(dt); }   /* not a sidebar's earlier one */
                vis_after_upd = ntext - upd_label_at <= 2 ? (upd_label_last ? 2 : 1) : 0;
                /* the label inside it ("<time>Last Updated: Dec 17, 2025</time>") or on it */
                char *tt = ph_text(n, 120);
                const char *ip = ph_attr(n, "itemprop"), *tc = ph_attr(n, "class");
                if ((tt && (ph_casestr(tt, "updat") || ph_casestr(tt, "modif") || ph_casestr(tt, "revised"))) ||
                    (ip && ph_casestr(ip, "modified")) || (tc && (ph_casestr(tc, "updated") || ph_casestr(tc, "modified"))))
                    vis_after_upd = tt && ph_casestr(tt, "last ") ? 2 : 1;
                free(tt);
                if (nvis_all < 16) {
                    vis_all[nvis_all] = vis_after; vis_all_upd[nvis_all] = vis_after_upd; vis_all_num[nvis_all] = 0;
                    vis_all_at[nvis_all++] = ntext + 1;
                }
            }
        } else if (strcmp(name, "h1") == 0 && h1_is_logo(n)) {
            if (h1_at < 0) h1_at = ntext;   /* still where the page's header is */
            skip = 1;
        } else if (strcmp(name, "h1") == 0) {
            if (!m->h1) m->h1 = ph_text(n, META_TEXT_CAP);
            else if (nh1 < 8) h1s[nh1] = ph_text(n, META_TEXT_CAP);
            if (h1_at < 0) h1_at = ntext;
            nh1++;
        } else if (!dom_date && n->children && ph_attr(n, "class") &&
                   class_has_date(n)) {
            char *t = ph_text(n, 200);
            dom_date = date_from_text(t);
            free(t);
        }
        if (ld_src && nld++ < LD_MAX_SCRIPTS) {
            const char *src = ld_src;
            size_t sl = strlen(src);
            json_error_t je;
            json_t *j = sl < LD_MAX_BYTES ? json_loadb(src, sl, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je) : NULL;
            json_t *art = NULL;
            int rank = 0;
            ld_find(j, 0, &art, &rank);
            if (art) {
                if (!ld_headline) set_once(&ld_headline, ld_str(art, "headline"));
                if (!ld_headline && rank >= 2) set_once(&ld_headline, ld_str(art, "name"));
                ld_doc = j;
                if (!ld_author) ld_author = ld_names(json_object_get(art, "author"), 0);
                if (!ld_author) ld_author = ld_names(json_object_get(art, "creator"), 0);
                if (!ld_org_author) ld_org_author = ld_names(json_object_get(art, "author"), 1);
                ld_doc = NULL;
                const char *d = ld_str(art, "datePublished");
                if (!d) d = ld_str(art, "dateCreated");
                if (!ld_date.t && d) stamp_parse(d, &ld_date);
                if (!ld_mod.t) stamp_parse(ld_str(art, "dateModified"), &ld_mod);
                json_t *pub = json_object_get(art, "publisher");
                if (!ld_site && json_is_object(pub)) set_once(&ld_site, ld_str(pub, "name"));
                set_once(&ld_lang, ld_str(art, "inLanguage"));
                if (!ld_image_url) set_once(&ld_image_url, ld_image(json_object_get(art, "image")));
                if (!m->section) set_once(&m->section, ld_str(art, "articleSection"));
                if (!m->ntags && json_object_get(art, "keywords")) { ld_tags(m, json_object_get(art, "keywords")); kw_from_ld = m->ntags > 0; }
                const char *body = ld_str(art, "articleBody");
                if (body && rank >= 2 && !m->body) m->body = nm_strdup(body);
            }
            json_decref(j);
        }
        if (!dom_author && n->type == XML_ELEMENT_NODE && !skip && looks_like_author_el(n) && !byline_container(n)) {
            dom_author = author_from_el(n);
        }
        n = ph_next(n, root, skip);
    }

    /* title: the page's own headline (one h1, a sentence rather than a logo)
     * is what readers see; else the structured headline, og/twitter, <title>,
     * each stripped of the site name. */
    const char *site = og_site ? og_site : ld_site;
    char *title = ld_headline ? ld_headline : og_title ? og_title : tw_title ? tw_title : html_title;
    /* Several h1s (a logo, a section name, the headline): the headline is
     * the one the page's title or og:title contains. */
    if (nh1 > 1 && m->h1) {
        const char *meta_t = og_title ? og_title : html_title ? html_title : ld_headline;
        char *pick = NULL;
        for (int k = 0; k < 8 && k < nh1 && meta_t; k++) {
            char *h = k == 0 ? m->h1 : h1s[k];
            if (h && count_words(h, strlen(h)) >= 2 && ph_casestr(meta_t, h) && (!pick || strlen(h) > strlen(pick)))
                pick = h;
        }
        if (pick) {
            if (pick != m->h1) { char *t = m->h1; m->h1 = nm_strdup(pick); free(t); }
            nh1 = 1;
        }
    }
    for (int k = 1; k < 8; k++) free(h1s[k]);
    /* an h1 naming the site: the segment after the document title's separator */
    const char *h1_site = m->h1 ? title_tail(html_title) : NULL;
    if (m->h1 && !ci_eq(m->h1, h1_site)) h1_site = title_tail(og_title);
    if (h1_site && count_words(h1_site, strlen(h1_site)) > 4) h1_site = NULL;   /* a headline, not a name */
    if (m->h1 && nh1 == 1 && count_words(m->h1, strlen(m->h1)) >= 2 && strlen(m->h1) < 300 &&
        !(site && ci_eq(m->h1, site)) && !ci_eq(m->h1, h1_site)) {
        m->title = nm_strdup(m->h1);
        /* an h1 that repeats the document title, site name and all
         * ("Headline | Site"), or ends with the site's name: cut like a title */
        if (loose_eq(m->h1, html_title) || loose_eq(m->h1, og_title) || loose_eq(m->h1, tw_title)) {
            strip_site(m->title, site, NULL);
        } else if (site) {
            const char *tl = title_tail(m->title);
            if (tl && ci_eq(tl, site)) strip_site(m->title, site, NULL);
        }
        /* an all-caps h1 (typed for looks) with the same headline in the
         * metadata in ordinary case: the metadata's form */
        int lower = 0;
        for (const char *p = m->h1; *p && !lower; p++) lower = islower((unsigned char)*p);
        for (int k = 0; k < 3 && !lower; k++) {
            const char *cand = k == 0 ? og_title : k == 1 ? ld_headline : html_title;
            if (!cand) continue;
            char *st = nm_strdup(cand);
            strip_site(st, site, NULL);
            if (strcmp(st, m->h1) != 0 && loose_eq(st, m->h1)) { free(m->title); m->title = st; break; }
            free(st);
        }
    } else if (title || m->h1) {
        m->title = nm_strdup(title ? title : m->h1);
        strip_site(m->title, site, m->h1);
    }
    /* entities escaped twice survive one parse: "&#8230;", "&amp;#8217;" */
    for (int k = 0; k < 2 && m->title && strchr(m->title, '&'); k++) decode_entities(m->title);
    m->site_name = site ? nm_strdup(site) : NULL;
    /* a person named in JSON-LD, else the visible byline, else meta tags, else an organisation */
    if (ld_author) m->byline = clean_author(nm_strdup(ld_author));
    /* a login name ("jsmith", "andrew.keaveney") in the markup, a full name on the page: the page */
    const char *shown = dom_author ? dom_author : text_author;
    /* the site or publisher named as author while the page shows a person's byline */
    if (m->byline && shown && !ci_eq(m->byline, shown) && strchr(shown, ' ') &&
        ((og_site && ci_eq(m->byline, og_site)) || (ld_site && ci_eq(m->byline, ld_site)))) {
        free(m->byline);
        m->byline = nm_strdup(shown);
    }
    if (m->byline && !strchr(m->byline, ' ') && shown && strchr(shown, ' ')) {
        free(m->byline);
        m->byline = nm_strdup(shown);
    }
    if (!m->byline && dom_author) m->byline = nm_strdup(dom_author);
    if (!m->byline && tw_author) m->byline = clean_author(nm_strdup(tw_author));
    if (!m->byline && text_author) m->byline = nm_strdup(text_author);
    if (!m->byline && meta_author) m->byline = clean_author(nm_strdup(meta_author));
    if (!m->byline && ld_org_author) m->byline = nm_strdup(ld_org_author);
    /* one source names the first author only, another the whole list
     * ("A" / "A, B" / "A and B"): the list */
    for (int k = 0; k < 4 && m->byline; k++) {
        const char *src = k == 0 ? meta_author : k == 1 ? dom_author : k == 2 ? text_author : tw_author;
        size_t bl = strlen(m->byline);
        if (!src || strncasecmp(src, m->byline, bl) != 0) continue;
        const char *rest = src + bl;
        if (strncmp(rest, ", ", 2) != 0 && strncasecmp(rest, " and ", 5) != 0 && strncmp(rest, " & ", 3) != 0) continue;
        char *full = clean_author(nm_strdup(src));
        /* every added part a name of two words or more, not "A, Journalist" */
        int names = full && strlen(full) > bl;
        for (const char *p = full ? full + bl : ""; *p && names;) {
            p += strspn(p, ",&; ");
            if (strncasecmp(p, "and ", 4) == 0) p += 4;
            size_t pl = strcspn(p, ",&;");
            const char *an = strstr(p, " and ");
            if (an && (size_t)(an - p) < pl) pl = (size_t)(an - p);
            if (pl && count_words(p, pl) < 2) names = 0;
            p += pl;
        }
        if (names) { free(m->byline); m->byline = full; break; }
        free(full);
    }
    /* a one-word byline ("NB", a login, a section word) while another
     * source names a person in full: that one */
    for (int k = 0; k < 4 && m->byline && !strchr(m->byline, ' '); k++) {
        const char *src = k == 0 ? text_author : k == 1 ? dom_author : k == 2 ? tw_author : meta_author;
        if (!src || !strchr(src, ' ') || (site && ci_eq(src, site))) continue;
        char *full = clean_author(nm_strdup(src));
        if (full && person_like(full, strlen(full))) { free(m->byline); m->byline = full; break; }
        free(full);
    }
    /* "Jane Doe and John Roe, The Daily Planet": the publication named
     * among the authors of a syndicated piece is not one of them */
    for (int k = 0; k < 2 && m->byline; k++) {
        const char *pub_name = k == 0 ? og_site : ld_site;
        size_t bl = strlen(m->byline), sl = pub_name ? strlen(pub_name) : 0;
        if (sl && bl > sl + 2 && strcasecmp(m->byline + bl - sl, pub_name) == 0 && m->byline[bl - sl - 2] == ',' &&
            m->byline[bl - sl - 1] == ' ')
            m->byline[bl - sl - 2] = 0;
    }
    /* nothing near the headline: an author box's "written by", a personal site's © holder */
    if (!m->byline && late_author) { m->byline = late_author; late_author = NULL; }
    if (!m->byline && copy_author) { m->byline = copy_author; copy_author = NULL; }
    if (!m->language) m->language = ld_lang ? nm_strdup(ld_lang) : meta_lang ? nm_strdup(meta_lang) : NULL;
    if (m->language) for (char *p = m->language; *p; p++) if (*p == '_') *p = '-';
    /* Dates: the structured published date, unless the page shows readers
     * another one next to the headline (often "Updated <date>"): the shown
     * date is the one people cite, and when it matches a structured date we
     * keep that one's time and zone. */
    if (time_dt) stamp_parse(time_dt, &time_date);
    parse_stamp_t pub = ld_date.t ? ld_date : meta_date.t ? meta_date : time_date;
    parse_stamp_t mod = ld_mod.t ? ld_mod : meta_mod;
    int64_t vis = vis_after ? vis_after : (h1_at >= 0 && h1_at - vis_before_at <= 15 ? vis_before : 0);
    int vis_upd = vis_after ? vis_after_upd : vis_before_upd;
    long vis_at = vis_after ? vis_after_at : vis_before_at;
    /* "December 22, 2022 | Updated: January 2, 2026": the shown date
     * labelled as an update has the publication date beside it */
    for (int k = 0; k < nvis_all && vis && vis_upd; k++)
        if (!vis_all_upd[k] && vis_all_at[k] != vis_at && labs(vis_all_at[k] - vis_at) <= 3) {
            vis = vis_all[k];
            vis_upd = 0;
        }
    /* the shown date in a run of three or more different days, each a few
     * texts from the next: a list of posts (sidebar, "recent articles"),
     * not the article's own date line */
    if (vis && pub.t && h1_at >= 0) {
        int at = -1;
        for (int k = 0; k < nvis_all && at < 0; k++) if (vis_all_at[k] == vis_at) at = k;
        int lo = at, hi = at;
        while (lo > 0 && vis_all_at[lo] - vis_all_at[lo - 1] <= 10) lo--;
        while (hi >= 0 && hi + 1 < nvis_all && vis_all_at[hi + 1] - vis_all_at[hi] <= 10) hi++;
        int64_t days[3];
        int nd = 0;
        for (int k = lo; at >= 0 && k <= hi && nd < 3; k++) {
            int dup = 0;
            for (int j = 0; j < nd; j++) dup |= days[j] == vis_all[k] / 86400;
            if (!dup) days[nd++] = vis_all[k] / 86400;
        }
        if (nd >= 3) vis = 0;
    }
    parse_stamp_t vst = {vis, 0, 0};
    /* "(Last) updated <date>" next to the headline: published_at stays the
     * first publication (modified_at has the update) */
    /* the structured publication day also shown near the headline (beside
     * a sidebar's or an update's date): that one */
    int pub_shown = 0;
    for (int k = 0; k < nvis_all && pub.t && h1_at >= 0 && !pub_shown; k++) {
        parse_stamp_t vk = {vis_all[k], 0, 0};
        /* (not when the page labels that day as an update: then the
         * structured "published" date is really the last edit) */
        /* an all-digit date read day-first ("09.10.2024") that is the
         * structured day month-first is that day: the markup settles the order */
        int64_t pday = local_day(&pub);
        pub_shown = vis_all_at[k] >= h1_at - 15 && vis_all_at[k] <= h1_at + 40 &&
                    (pday == local_day(&vk) || (vis_all_num[k] && pday == swapped_day(vis_all[k]))) && !vis_all_upd[k];
    }
    if (pub_shown) m->published = pub;
    else if (vis && vis_upd && pub.t) m->published = pub;
    else if (vis && pub.t && local_day(&pub) == local_day(&vst)) m->published = pub;
    /* the shown date is the declared modification day: the page shows its
     * last edit, published_at stays the declared publication (the update
     * date only when nothing else is declared) */
    else if (vis && mod.t && local_day(&mod) == local_day(&vst)) m->published = pub.t ? pub : mod;
    else if (orig_date && vis && !pub.t) m->published.t = orig_date;   /* beats an unlabelled shown date */
    else if (vis) m->published = vst;
    else if (pub.t) m->published = pub;
    else if (mod.t) m->published = mod;
    else if (dom_date) m->published.t = dom_date;
    else m->published.t = date_from_url(url);
    /* nothing declared: the first date shown in the page's header area */
    if (!m->published.t && nvis_all) m->published.t = vis_all[0];
    if (!m->published.t) m->published.t = late_date;
    if (!m->published.t) m->published.t = orig_date;
    m->modified = mod;

    const char *img = meta_image ? meta_image : ld_image_url;
    if (img) {
        char *abs = url ? nm_url_resolve(url, img) : nm_strdup(img);
        if (abs && nm_url_is_http(abs)) m->image = abs;
        else free(abs);
    }
    if (!m->canonical && og_url) { m->canonical = og_url; og_url = NULL; }
    if (m->canonical) {
        char *abs = url ? nm_url_resolve(url, m->canonical) : nm_strdup(m->canonical);
        free(m->canonical);
        /* the article's identity: also drop tracking parameters, fragments, default ports */
        m->canonical = abs && nm_url_is_http(abs) ? nm_url_canonical(abs) : NULL;
        free(abs);
    }
    free(og_title); free(tw_title); free(html_title); free(ld_headline); free(ld_author);
    free(ld_org_author); free(meta_author); free(dom_author); free(og_url); free(og_site); free(ld_site);
    free(ld_lang); free(meta_lang); free(time_dt); free(tw_author); free(text_author);
    free(late_author); free(copy_author);
    free(meta_image); free(ld_image_url);
}

void parse_meta_free(parse_meta_t *m)
{
    free(m->title); free(m->h1); free(m->byline); free(m->language); free(m->site_name);
    free(m->canonical); free(m->description); free(m->body); free(m->image); free(m->section);
    for (size_t i = 0; i < m->ntags; i++) free(m->tags[i]);
    free(m->tags);
    memset(m, 0, sizeof *m);
}

/* parse_meta: article metadata from JSON-LD, Open Graph, meta tags, <time>,
 * <link rel=canonical> and the page's own markup, in that order of trust.
 * Also the small text helpers the HTML extractor shares. */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nm_buf.h"
#include "nm_url.h"
#include "parse_date.h"
#include "parse_html_int.h"

#define META_TEXT_CAP 2048
#define LD_MAX_SCRIPTS 16
#define LD_MAX_BYTES (1024 * 1024)

const char *ph_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (a->name && strcmp((const char *)a->name, name) == 0) {
            if (a->children && a->children->content) return (const char *)a->children->content;
            return "";
        }
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
static char *ld_names(json_t *v, int orgs)
{
    nm_buf_t b;
    nm_buf_init(&b, 1024);
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; i < n && i < 8; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        const char *type = json_is_object(e) ? ld_str(e, "@type") : NULL;
        int is_org = type && strcmp(type, "Person") != 0;
        if (is_org != orgs) continue;
        const char *s = json_is_string(e) ? json_string_value(e) : ld_str(e, "name");
        if (!s || !*s || strncmp(s, "http", 4) == 0) continue;
        if (b.len) nm_buf_puts(&b, ", ");
        nm_buf_puts(&b, s);
    }
    nm_buf_append(&b, "", 0);
    char *r = NULL;
    set_once(&r, b.data);
    nm_buf_free(&b);
    return r;
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
        if (ci_eq(tail, site) || (count_words(tail, strlen(tail)) <= 4 && count_words(t, headlen) >= 3)) {
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
        {"og:updated_time", 9}, {"last-modified", 9}, {NULL, 0}};
    for (int i = 0; keys[i].key; i++)
        if (strcasecmp(key, keys[i].key) == 0) return keys[i].prio;
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

static int class_has(const xmlNode *n, const char *word)
{
    const char *c = ph_attr(n, "class");
    return c && strcasestr(c, word) != NULL;
}

static char *strip_by(char *s)
{
    if (!s) return NULL;
    const char *p = s;
    if (strncasecmp(p, "by ", 3) == 0) p += 3;
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
    if (!c) return 0;
    if (strcasestr(c, "avatar") || strcasestr(c, "bio") || strcasestr(c, "image") || strcasestr(c, "img") ||
        strcasestr(c, "photo") || strcasestr(c, "about") || strcasestr(c, "box") || strcasestr(c, "label") ||
        strcasestr(c, "title") || strcasestr(c, "date"))
        return 0;
    return strcasestr(c, "author") != NULL || strcasestr(c, "byline") != NULL;
}

/* A byline as shown: "By Jane Doe" -> "Jane Doe"; NULL unless it looks like names. */
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
    if (ci_eq(t, "the author") || strchr(t, '*') || ci_eq(t, "admin") || ci_eq(t, "staff")) { free(t); return NULL; }
    size_t w = count_words(t, strlen(t));
    if (w < 1 || w > 8 || strlen(t) > 80 || strstr(t, "http") || strchr(t, '@') || strchr(t, '|') ||
        ci_eq(t, "by") || ci_eq(t, "author") || !(isalpha((unsigned char)t[0]) || (unsigned char)t[0] >= 0x80)) {
        free(t);
        return NULL;
    }
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

void parse_meta_collect(xmlDoc *doc, const char *url, parse_meta_t *m)
{
    memset(m, 0, sizeof *m);
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root) return;
    char *og_title = NULL, *tw_title = NULL, *html_title = NULL, *ld_headline = NULL, *ld_author = NULL;
    char *meta_author = NULL, *dom_author = NULL, *og_url = NULL, *og_site = NULL, *ld_site = NULL;
    char *ld_org_author = NULL, *ld_lang = NULL, *meta_lang = NULL, *time_dt = NULL;
    int64_t ld_date = 0, meta_date = 0, dom_date = 0;
    int meta_date_prio = 100, nld = 0, nh1 = 0;

    const char *lang = ph_attr(root, "lang");
    if (!lang) lang = ph_attr(root, "xml:lang");
    set_once(&m->language, lang);

    for (xmlNode *n = root; n;) {
        int skip = 0;
        if (n->type != XML_ELEMENT_NODE) { n = ph_next(n, root, 1); continue; }
        const char *name = (const char *)n->name;
        if (strcmp(name, "meta") == 0) {
            const char *key = ph_attr(n, "property");
            if (!key) key = ph_attr(n, "name");
            if (!key) key = ph_attr(n, "itemprop");
            if (!key) key = ph_attr(n, "http-equiv");
            const char *content = ph_attr(n, "content");
            if (!content) content = ph_attr(n, "datetime");
            if (key && content && *content) {
                if (strcasecmp(key, "og:title") == 0) set_once(&og_title, content);
                else if (strcasecmp(key, "twitter:title") == 0) set_once(&tw_title, content);
                else if (strcasecmp(key, "og:site_name") == 0) set_once(&og_site, content);
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
                    int64_t t;
                    if (pr && pr < meta_date_prio && parse_date(content, &t) == 0 && t > 0) {
                        meta_date = t;
                        meta_date_prio = pr;
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
            if (type && strcasecmp(type, "application/ld+json") == 0 && nld++ < LD_MAX_SCRIPTS && n->children &&
                n->children->content) {
                const char *src = (const char *)n->children->content;
                size_t sl = strlen(src);
                json_error_t je;
                json_t *j = sl < LD_MAX_BYTES ? json_loadb(src, sl, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je) : NULL;
                json_t *art = NULL;
                int rank = 0;
                ld_find(j, 0, &art, &rank);
                if (art) {
                    if (!ld_headline) set_once(&ld_headline, ld_str(art, "headline"));
                    if (!ld_headline && rank >= 2) set_once(&ld_headline, ld_str(art, "name"));
                    if (!ld_author) ld_author = ld_names(json_object_get(art, "author"), 0);
                    if (!ld_author) ld_author = ld_names(json_object_get(art, "creator"), 0);
                    if (!ld_org_author) ld_org_author = ld_names(json_object_get(art, "author"), 1);
                    const char *d = ld_str(art, "datePublished");
                    if (!d) d = ld_str(art, "dateCreated");
                    int64_t t;
                    if (!ld_date && d && parse_date(d, &t) == 0 && t > 0) ld_date = t;
                    json_t *pub = json_object_get(art, "publisher");
                    if (!ld_site && json_is_object(pub)) set_once(&ld_site, ld_str(pub, "name"));
                    set_once(&ld_lang, ld_str(art, "inLanguage"));
                    const char *body = ld_str(art, "articleBody");
                    if (body && rank >= 2 && !m->body) m->body = nm_strdup(body);
                }
                json_decref(j);
            }
        } else if (strcmp(name, "style") == 0) {
            skip = 1;
        } else if (strcmp(name, "time") == 0) {
            const char *dt = ph_attr(n, "datetime");
            if (dt && (!time_dt || ph_attr(n, "pubdate"))) { free(time_dt); time_dt = nm_strdup(dt); }
        } else if (strcmp(name, "h1") == 0) {
            if (!m->h1) m->h1 = ph_text(n, META_TEXT_CAP);
            nh1++;
        } else if (!dom_date && (class_has(n, "date") || class_has(n, "time") || class_has(n, "publish") ||
                                 class_has(n, "posted")) && n->children) {
            char *t = ph_text(n, 200);
            dom_date = date_from_text(t);
            free(t);
        }
        if (!dom_author && n->type == XML_ELEMENT_NODE && !skip && looks_like_author_el(n)) {
            /* itemprop=author often wraps itemprop=name */
            xmlNode *src = n;
            for (xmlNode *k = n->children; k; k = ph_next(k, n, 0)) {
                const char *kp = k->type == XML_ELEMENT_NODE ? ph_attr(k, "itemprop") : NULL;
                if (kp && strcmp(kp, "name") == 0) { src = k; break; }
            }
            char *t = clean_author(ph_text(src, 256));
            if (t) dom_author = t;
        }
        n = ph_next(n, root, skip);
    }

    /* title: the page's own headline (one h1, a sentence rather than a logo)
     * is what readers see; else the structured headline, og/twitter, <title>,
     * each stripped of the site name. */
    const char *site = og_site ? og_site : ld_site;
    char *title = ld_headline ? ld_headline : og_title ? og_title : tw_title ? tw_title : html_title;
    if (m->h1 && nh1 == 1 && count_words(m->h1, strlen(m->h1)) >= 2 && strlen(m->h1) < 300 &&
        !(site && ci_eq(m->h1, site))) {
        m->title = nm_strdup(m->h1);
    } else if (title || m->h1) {
        m->title = nm_strdup(title ? title : m->h1);
        strip_site(m->title, site, m->h1);
    }
    m->site_name = site ? nm_strdup(site) : NULL;
    /* a person named in JSON-LD, else the visible byline, else meta tags, else an organisation */
    if (ld_author) m->byline = clean_author(nm_strdup(ld_author));
    if (!m->byline && dom_author) m->byline = nm_strdup(dom_author);
    if (!m->byline && meta_author) m->byline = clean_author(nm_strdup(meta_author));
    if (!m->byline && ld_org_author) m->byline = nm_strdup(ld_org_author);
    if (!m->language) m->language = ld_lang ? nm_strdup(ld_lang) : meta_lang ? nm_strdup(meta_lang) : NULL;
    if (m->language) for (char *p = m->language; *p; p++) if (*p == '_') *p = '-';
    int64_t t = 0;
    if (ld_date) m->published = ld_date;
    else if (meta_date && meta_date_prio < 8) m->published = meta_date;
    else if (time_dt && parse_date(time_dt, &t) == 0 && t > 0) m->published = t;
    else if (meta_date) m->published = meta_date;
    else if (dom_date) m->published = dom_date;
    else m->published = date_from_url(url);

    if (!m->canonical && og_url) { m->canonical = og_url; og_url = NULL; }
    if (m->canonical) {
        char *abs = url ? nm_url_resolve(url, m->canonical) : nm_strdup(m->canonical);
        free(m->canonical);
        m->canonical = abs && nm_url_is_http(abs) ? abs : NULL;
        if (!m->canonical) free(abs);
    }
    free(og_title); free(tw_title); free(html_title); free(ld_headline); free(ld_author);
    free(ld_org_author); free(meta_author); free(dom_author); free(og_url); free(og_site); free(ld_site);
    free(ld_lang); free(meta_lang); free(time_dt);
}

void parse_meta_free(parse_meta_t *m)
{
    free(m->title); free(m->h1); free(m->byline); free(m->language); free(m->site_name);
    free(m->canonical); free(m->description); free(m->body);
    memset(m, 0, sizeof *m);
}

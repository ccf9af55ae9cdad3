/* feeds_conformance: how closely parse_feed agrees with gofeed's test
 * expectations (../shared/corpus/feeds-dev/testdata).
 *
 * usage: feeds_conformance [-v] [--cli NEWSMILL] [--min-translator PCT] [--min-parser PCT] [TESTDATA_DIR]
 *   TESTDATA_DIR holds translator/ and parser/ (default:
 *   $NM_SOURCE_DIR/../shared/corpus/feeds-dev/testdata). A path ending in
 *   /translator is accepted too (then only the translator cases run).
 *   -v prints every mismatch.
 *   --cli NEWSMILL compares what `NEWSMILL feed parse FILE` prints (the
 *   DESIGN.md contract) instead of calling parse_feed in process.
 *   --min-* make it a test: exit 1 when a case pass rate is below PCT.
 *
 * translator/{rss,atom,json}: gofeed's universal-feed expectations (X.json
 *   next to X.xml, or X_expected.json next to X.json).
 * parser/{rss,atom,json}: gofeed's format-level expectations (the whole
 *   rss.Feed / atom.Feed / json.Feed struct). Only the fields newsmill keeps
 *   are compared, mapped to newsmill's names (atom subtitle -> description,
 *   rss guid.value -> id, lastBuildDate else pubDate -> updated, ...).
 * parser/universal: gofeed's feed-type detection table (title, or an error).
 *
 * A case passes when the document is accepted (or refused when gofeed
 * refuses it), it has as many entries as expected, and every kept field the
 * expectation has matches. Titles are compared as plain text (newsmill's
 * contract: HTML in titles is unescaped to text); summary and content as
 * text too, so markup serialization (<br/> vs <br>) does not count; authors
 * match when newsmill's name is the expected person (it drops "(email)").
 * Prints per-folder field and case figures; exit 1 when a floor is missed,
 * 2 when the directory is missing. */
#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "nm_buf.h"
#include "parse_date.h"
#include "parse_feed.h"

enum { F_TITLE, F_LINK, F_DESC, F_UPDATED, F_LANG, F_TTL, F_NENTRIES,
       E_TITLE, E_LINK, E_ID, E_PUBLISHED, E_UPDATED, E_AUTHOR, E_SUMMARY, E_CONTENT, E_CATEGORIES, NFIELDS };
static const char *const field_names[NFIELDS] = {
    "feed.title", "feed.link", "feed.description", "feed.updated", "feed.language", "feed.ttl", "feed.entries",
    "item.title", "item.link", "item.id", "item.published", "item.updated", "item.author",
    "item.description", "item.content", "item.categories"};

static int verbose;

typedef struct {
    int docs, parsed, cases_ok;
    int tried[NFIELDS], ok[NFIELDS];
    int case_bad;   /* mismatches in the case at hand */
    const char *file;
} score_t;

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) != 0) {
        fclose(fp);
        return NULL;
    }
    long n = ftell(fp);
    rewind(fp);
    if (n < 0) {
        fclose(fp);
        return NULL;
    }
    char *b = malloc((size_t)n + 1);
    if (!b) {
        fclose(fp);
        return NULL;
    }
    *len = fread(b, 1, (size_t)n, fp);
    b[*len] = '\0';
    fclose(fp);
    return b;
}

/* Equal after trimming surrounding white space. */
static int same_text(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    while (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r')
        a++;
    while (*b == ' ' || *b == '\n' || *b == '\t' || *b == '\r')
        b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la && strchr(" \n\t\r", a[la - 1]))
        la--;
    while (lb && strchr(" \n\t\r", b[lb - 1]))
        lb--;
    return la == lb && memcmp(a, b, la) == 0;
}

static void put_cp(nm_buf_t *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) { u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                             u[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
    else { u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
           u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4; }
    nm_buf_append(b, u, n);
}

/* Plain text of (possibly) HTML: tags dropped, the common entities decoded,
 * white space collapsed. Used on both sides of text comparisons. */
static char *as_text(const char *s)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    int space = 0;
    static const struct { const char *n; unsigned long cp; } ents[] = {
        {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}};
    for (size_t i = 0; s && s[i];) {
        unsigned char c = (unsigned char)s[i];
        if (c == '<' && (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!')) {
            const char *gt = strchr(s + i, '>');
            if (gt) {
                space = space || b.len > 0;
                i = (size_t)(gt - s) + 1;
                continue;
            }
        }
        unsigned long cp = c;
        size_t adv = 1;
        if (c == '&') {
            const char *semi = strchr(s + i, ';');
            if (semi && semi - (s + i) < 12) {
                if (s[i + 1] == '#') {
                    char *end;
                    cp = (s[i + 2] == 'x' || s[i + 2] == 'X') ? strtoul(s + i + 3, &end, 16) : strtoul(s + i + 2, &end, 10);
                    if (end == semi)
                        adv = (size_t)(semi - (s + i)) + 1;
                    else
                        cp = c;
                } else {
                    for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++)
                        if (strlen(ents[k].n) == (size_t)(semi - (s + i) - 1) && !strncmp(ents[k].n, s + i + 1, strlen(ents[k].n))) {
                            cp = ents[k].cp;
                            adv = (size_t)(semi - (s + i)) + 1;
                        }
                }
            }
        }
        if (cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r' || cp == 0xA0) {
            space = space || b.len > 0;
            i += adv;
            continue;
        }
        if (space)
            nm_buf_append(&b, " ", 1);
        space = 0;
        if (adv > 1)
            put_cp(&b, cp);
        else
            nm_buf_append(&b, s + i, 1);
        i += adv;
    }
    nm_buf_append(&b, "", 1);
    char *r = nm_strdup(b.data);
    nm_buf_free(&b);
    return r;
}

/* Same text once markup is set aside (see the header). */
static int same_as_text(const char *e, const char *got)
{
    if (same_text(e, got))
        return 1;
    if (!got)
        return 0;
    char *a = as_text(e), *b = as_text(got);
    int ok = !strcmp(a, b);
    if (!ok) {   /* entity-escaped markup inside markup: decode once more */
        char *a2 = as_text(a), *b2 = as_text(b);
        ok = !strcmp(a2, b2);
        free(a2);
        free(b2);
    }
    free(a);
    free(b);
    return ok;
}

static void tally(score_t *s, int field, int ok, const char *e, const char *got)
{
    s->tried[field]++;
    if (ok) {
        s->ok[field]++;
        return;
    }
    s->case_bad++;
    if (verbose)
        printf("  %s: %s: expected \"%.80s\" got \"%.80s\"\n", s->file, field_names[field], e ? e : "(none)",
               got ? got : "(null)");
}

enum { CMP_EXACT, CMP_TEXT, CMP_PERSON };

static void cmp_str(score_t *s, int field, json_t *exp, const char *got, int how)
{
    const char *e = json_string_value(exp);
    if (!e || !*e)
        return;
    int ok;
    if (how == CMP_TEXT)
        ok = same_as_text(e, got);
    else if (how == CMP_PERSON)   /* "Jane (jane@x)" is Jane */
        ok = same_text(e, got) || (got && *got && strstr(e, got) != NULL);
    else
        ok = same_text(e, got);
    tally(s, field, ok, e, got);
}

static void cmp_date(score_t *s, int field, json_t *exp, int64_t got)
{
    const char *e = json_string_value(exp);
    int64_t t;
    if (!e || parse_date(e, &t) != 0)
        return;
    char g[32] = "(none)";
    if (got)
        parse_date_iso(got, g, sizeof g);
    tally(s, field, t == got, e, g);
}

static void cmp_int(score_t *s, int field, long exp, long got)
{
    char e[32], g[32];
    snprintf(e, sizeof e, "%ld", exp);
    snprintf(g, sizeof g, "%ld", got);
    tally(s, field, exp == got, e, g);
}

static const char *person(json_t *p)
{
    const char *n = json_string_value(json_object_get(p, "name"));
    return n && *n ? n : json_string_value(json_object_get(p, "email"));
}

static void cmp_person(score_t *s, int field, json_t *p, const char *got)
{
    const char *n = person(p);
    if (!n)
        return;
    json_t *as = json_string(n);
    cmp_str(s, field, as, got, CMP_PERSON);
    json_decref(as);
}

/* expected: array of strings or of objects with key k */
static void cmp_categories(score_t *s, json_t *cats, const char *k, const parse_feed_entry_t *e)
{
    /* a category without a name (e.g. only a scheme) is not kept */
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(cats) && n < 64; i++) {
        json_t *c = json_array_get(cats, i);
        const char *v = json_is_string(c) ? json_string_value(c) : json_string_value(json_object_get(c, k));
        if (v && *v)
            names[n++] = v;
    }
    if (n == 0)
        return;
    int ok = n == e->ncategories;
    for (size_t i = 0; ok && i < e->ncategories; i++)
        ok = same_as_text(names[i], e->categories[i]);
    char ex[32], g[32];
    snprintf(ex, sizeof ex, "%zu categories", n);
    snprintf(g, sizeof g, "%zu categories", e->ncategories);
    tally(s, E_CATEGORIES, ok, ex, g);
}

static const parse_feed_entry_t *entry_at(const parse_feed_t *f, size_t i)
{
    static const parse_feed_entry_t none;
    return i < f->nentries ? &f->entries[i] : &none;
}

/* ---- translator expectations (gofeed.Feed) ---- */

static void compare_translator(score_t *s, const parse_feed_t *f, json_t *exp)
{
    cmp_str(s, F_TITLE, json_object_get(exp, "title"), f->title, CMP_EXACT);
    cmp_str(s, F_LINK, json_object_get(exp, "link"), f->link, CMP_EXACT);
    cmp_str(s, F_DESC, json_object_get(exp, "description"), f->description, CMP_EXACT);
    cmp_str(s, F_LANG, json_object_get(exp, "language"), f->language, CMP_EXACT);
    json_t *u = json_object_get(exp, "updatedParsed");
    cmp_date(s, F_UPDATED, u ? u : json_object_get(exp, "updated"), f->updated);

    json_t *items = json_object_get(exp, "items");
    if (json_is_array(items))
        cmp_int(s, F_NENTRIES, (long)json_array_size(items), (long)f->nentries);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const parse_feed_entry_t *e = entry_at(f, i);
        cmp_str(s, E_TITLE, json_object_get(it, "title"), e->title, CMP_EXACT);
        cmp_str(s, E_LINK, json_object_get(it, "link"), e->link, CMP_EXACT);
        cmp_str(s, E_ID, json_object_get(it, "guid"), e->id, CMP_EXACT);
        json_t *p = json_object_get(it, "publishedParsed");
        cmp_date(s, E_PUBLISHED, p ? p : json_object_get(it, "published"), e->published);
        p = json_object_get(it, "updatedParsed");
        cmp_date(s, E_UPDATED, p ? p : json_object_get(it, "updated"), e->updated);
        json_t *a = json_object_get(it, "author");
        if (a)
            cmp_person(s, E_AUTHOR, a, e->author);
        cmp_str(s, E_SUMMARY, json_object_get(it, "description"), e->summary, CMP_EXACT);
        cmp_str(s, E_CONTENT, json_object_get(it, "content"), e->content, CMP_EXACT);
        cmp_categories(s, json_object_get(it, "categories"), "", e);
    }
}

/* ---- parser expectations: rss.Feed ---- */

static void compare_rss(score_t *s, const parse_feed_t *f, json_t *exp)
{
    cmp_str(s, F_TITLE, json_object_get(exp, "title"), f->title, CMP_TEXT);
    cmp_str(s, F_LINK, json_object_get(exp, "link"), f->link, CMP_EXACT);
    cmp_str(s, F_DESC, json_object_get(exp, "description"), f->description, CMP_TEXT);
    cmp_str(s, F_LANG, json_object_get(exp, "language"), f->language, CMP_EXACT);
    json_t *u = json_object_get(exp, "lastBuildDateParsed");
    cmp_date(s, F_UPDATED, u ? u : json_object_get(exp, "pubDateParsed"), f->updated);
    const char *ttl = json_string_value(json_object_get(exp, "ttl"));
    if (ttl && *ttl)
        cmp_int(s, F_TTL, strtol(ttl, NULL, 10), f->ttl);
    json_t *items = json_object_get(exp, "items");
    cmp_int(s, F_NENTRIES, (long)json_array_size(items), (long)f->nentries);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const parse_feed_entry_t *e = entry_at(f, i);
        cmp_str(s, E_TITLE, json_object_get(it, "title"), e->title, CMP_TEXT);
        cmp_str(s, E_LINK, json_object_get(it, "link"), e->link, CMP_EXACT);
        cmp_str(s, E_ID, json_object_get(json_object_get(it, "guid"), "value"), e->id, CMP_TEXT);
        cmp_date(s, E_PUBLISHED, json_object_get(it, "pubDateParsed"), e->published);
        cmp_str(s, E_AUTHOR, json_object_get(it, "author"), e->author, CMP_PERSON);
        cmp_str(s, E_SUMMARY, json_object_get(it, "description"), e->summary, CMP_TEXT);
        cmp_str(s, E_CONTENT, json_object_get(it, "content"), e->content, CMP_TEXT);
        cmp_categories(s, json_object_get(it, "categories"), "value", e);
    }
}

/* ---- parser expectations: atom.Feed ---- */

/* The alternate link (rel absent or "alternate"), as gofeed's translator picks it. */
static const char *atom_alternate(json_t *links)
{
    for (size_t i = 0; i < json_array_size(links); i++) {
        json_t *l = json_array_get(links, i);
        const char *rel = json_string_value(json_object_get(l, "rel"));
        if (!rel || !*rel || !strcmp(rel, "alternate"))
            return json_string_value(json_object_get(l, "href"));
    }
    return NULL;
}

static void compare_atom(score_t *s, const parse_feed_t *f, json_t *exp)
{
    cmp_str(s, F_TITLE, json_object_get(exp, "title"), f->title, CMP_TEXT);
    cmp_str(s, F_DESC, json_object_get(exp, "subtitle"), f->description, CMP_TEXT);
    cmp_str(s, F_LANG, json_object_get(exp, "language"), f->language, CMP_EXACT);
    cmp_date(s, F_UPDATED, json_object_get(exp, "updatedParsed"), f->updated);
    const char *l = atom_alternate(json_object_get(exp, "links"));
    if (l) {
        json_t *js = json_string(l);
        cmp_str(s, F_LINK, js, f->link, CMP_EXACT);
        json_decref(js);
    }
    json_t *items = json_object_get(exp, "entries");
    cmp_int(s, F_NENTRIES, (long)json_array_size(items), (long)f->nentries);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const parse_feed_entry_t *e = entry_at(f, i);
        cmp_str(s, E_TITLE, json_object_get(it, "title"), e->title, CMP_TEXT);
        cmp_str(s, E_ID, json_object_get(it, "id"), e->id, CMP_EXACT);
        l = atom_alternate(json_object_get(it, "links"));
        if (l) {
            json_t *js = json_string(l);
            cmp_str(s, E_LINK, js, e->link, CMP_EXACT);
            json_decref(js);
        }
        cmp_date(s, E_PUBLISHED, json_object_get(it, "publishedParsed"), e->published);
        cmp_date(s, E_UPDATED, json_object_get(it, "updatedParsed"), e->updated);
        json_t *as = json_object_get(it, "authors");
        if (json_array_size(as) > 0)
            cmp_person(s, E_AUTHOR, json_array_get(as, 0), e->author);
        cmp_str(s, E_SUMMARY, json_object_get(it, "summary"), e->summary, CMP_TEXT);
        json_t *c = json_object_get(it, "content");
        const char *src = json_string_value(json_object_get(c, "src"));
        if (!src || !*src)
            cmp_str(s, E_CONTENT, json_object_get(c, "value"), e->content, CMP_TEXT);
        json_t *cats = json_object_get(it, "categories");
        int labels = 0;
        for (size_t k = 0; k < json_array_size(cats); k++)
            labels += json_string_value(json_object_get(json_array_get(cats, k), "label")) != NULL;
        cmp_categories(s, cats, labels ? "label" : "term", e);
    }
}

/* ---- parser expectations: json.Feed ---- */

static void compare_jsonfeed(score_t *s, const parse_feed_t *f, json_t *exp)
{
    cmp_str(s, F_TITLE, json_object_get(exp, "title"), f->title, CMP_TEXT);
    cmp_str(s, F_LINK, json_object_get(exp, "home_page_url"), f->link, CMP_EXACT);
    cmp_str(s, F_DESC, json_object_get(exp, "description"), f->description, CMP_EXACT);
    json_t *items = json_object_get(exp, "items");
    cmp_int(s, F_NENTRIES, (long)json_array_size(items), (long)f->nentries);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const parse_feed_entry_t *e = entry_at(f, i);
        cmp_str(s, E_ID, json_object_get(it, "id"), e->id, CMP_EXACT);
        cmp_str(s, E_LINK, json_object_get(it, "url"), e->link, CMP_EXACT);
        cmp_str(s, E_TITLE, json_object_get(it, "title"), e->title, CMP_TEXT);
        cmp_str(s, E_SUMMARY, json_object_get(it, "summary"), e->summary, CMP_EXACT);
        cmp_str(s, E_CONTENT, json_object_get(it, "content_html"), e->content, CMP_EXACT);
        cmp_date(s, E_PUBLISHED, json_object_get(it, "date_published"), e->published);
        cmp_date(s, E_UPDATED, json_object_get(it, "date_modified"), e->updated);
        json_t *a = json_object_get(it, "author");
        if (!a)
            a = json_array_get(json_object_get(it, "authors"), 0);
        if (a)
            cmp_person(s, E_AUTHOR, a, e->author);
        cmp_categories(s, json_object_get(it, "tags"), "", e);
    }
}

/* ---- `newsmill feed parse` output as the parsed feed ---- */

static const char *cli_path;   /* --cli: compare the tool's JSON, not the library's structs */

static char *jdup(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? nm_strdup(v) : NULL;
}

static int64_t jtime(json_t *o, const char *k)
{
    int64_t t = 0;
    const char *v = json_string_value(json_object_get(o, k));
    if (!v || parse_date(v, &t) != 0)
        t = 0;
    return t;
}

/* The DESIGN.md contract object back into a parse_feed_t (what the tool printed). */
static parse_feed_t *feed_from_json(json_t *o)
{
    parse_feed_t *f = nm_calloc(1, sizeof *f);
    f->format = jdup(o, "format");
    f->title = jdup(o, "title");
    f->link = jdup(o, "link");
    f->description = jdup(o, "description");
    f->language = jdup(o, "language");
    f->updated = jtime(o, "updated");
    f->ttl = (int)json_integer_value(json_object_get(o, "ttl"));
    json_t *es = json_object_get(o, "entries");
    f->nentries = json_array_size(es);
    f->entries = nm_calloc(f->nentries + 1, sizeof *f->entries);
    for (size_t i = 0; i < f->nentries; i++) {
        json_t *j = json_array_get(es, i);
        parse_feed_entry_t *e = &f->entries[i];
        e->id = jdup(j, "id");
        e->title = jdup(j, "title");
        e->link = jdup(j, "link");
        e->author = jdup(j, "author");
        e->summary = jdup(j, "summary");
        e->content = jdup(j, "content");
        e->published = jtime(j, "published");
        e->updated = jtime(j, "updated");
        json_t *cs = json_object_get(j, "categories");
        e->ncategories = json_array_size(cs);
        e->categories = nm_calloc(e->ncategories + 1, sizeof *e->categories);
        for (size_t k = 0; k < e->ncategories; k++) {
            const char *c = json_string_value(json_array_get(cs, k));
            e->categories[k] = nm_strdup(c ? c : "");
        }
    }
    return f;
}

static json_t *cli_results;   /* input path -> the JSON Lines object the tool printed */

static void shell_quote(nm_buf_t *b, const char *s)
{
    nm_buf_append(b, " '", 2);
    for (const char *c = s; *c; c++) {
        if (*c == '\'')
            nm_buf_append(b, "'\\''", 4);
        else
            nm_buf_append(b, c, 1);
    }
    nm_buf_append(b, "'", 1);
}

/* One `newsmill feed parse F1 F2 ...` run (JSON Lines, one object per input,
 * with "input" and, when it failed, "error"): results into cli_results. */
static void cli_batch(char **paths, size_t n)
{
    json_decref(cli_results);
    cli_results = json_object();
    if (n == 0)
        return;
    nm_buf_t cmd;
    nm_buf_init(&cmd, 0);
    shell_quote(&cmd, cli_path);
    nm_buf_append(&cmd, " feed parse", 11);
    for (size_t i = 0; i < n; i++)
        shell_quote(&cmd, paths[i]);
    nm_buf_append(&cmd, " 2>/dev/null", 12);
    nm_buf_append(&cmd, "", 1);
    FILE *p = popen(cmd.data, "r");
    nm_buf_free(&cmd);
    if (!p)
        return;
    json_error_t je;
    json_t *o;
    while ((o = json_loadf(p, JSON_DISABLE_EOF_CHECK, &je)) != NULL) {
        const char *in = json_string_value(json_object_get(o, "input"));
        if (in)
            json_object_set(cli_results, in, o);
        json_decref(o);
    }
    pclose(p);   /* status 1 when any input failed: expected */
}

/* What the tool printed for path; NULL (reason in err) when it refused the input. */
static parse_feed_t *parse_with_cli(const char *path, char *err, size_t errlen)
{
    json_t *o = json_object_get(cli_results, path);
    if (!json_is_object(o)) {
        snprintf(err, errlen, "no output from newsmill feed parse");
        return NULL;
    }
    const char *e = json_string_value(json_object_get(o, "error"));
    if (e) {
        snprintf(err, errlen, "%s", e);
        return NULL;
    }
    return feed_from_json(o);
}

static parse_feed_t *parse_file(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    if (cli_path)
        return parse_with_cli(path, err, errlen);
    return parse_feed(data, len, NULL, err, errlen);
}

/* ---- folders ---- */

typedef enum { MODE_TRANSLATOR, MODE_PARSER } mode_t_;

/* One case: parse `in`, compare with `exp`. */
static void run_case(score_t *s, const char *name, const char *in, json_t *exp, mode_t_ mode, const char *kind)
{
    size_t len;
    char *data = slurp(in, &len);
    if (!data)
        return;
    s->docs++;
    s->file = name;
    s->case_bad = 0;
    char err[256];
    parse_feed_t *f = parse_file(in, data, len, err, sizeof err);
    if (f) {
        s->parsed++;
        if (mode == MODE_TRANSLATOR)
            compare_translator(s, f, exp);
        else if (!strcmp(kind, "rss"))
            compare_rss(s, f, exp);
        else if (!strcmp(kind, "atom"))
            compare_atom(s, f, exp);
        else
            compare_jsonfeed(s, f, exp);
        parse_feed_destroy(&f);
    } else {
        s->case_bad++;
        if (verbose)
            printf("  %s: not parsed: %s\n", name, err);
    }
    if (!s->case_bad)
        s->cases_ok++;
    free(data);
}

static void report(const char *label, const score_t *s, int *cases, int *cases_ok)
{
    int tried = 0, ok = 0;
    for (int i = 0; i < NFIELDS; i++) {
        tried += s->tried[i];
        ok += s->ok[i];
    }
    printf("%s: %d/%d cases pass (%.1f%%); %d/%d documents parsed; %d/%d expected values matched\n", label,
           s->cases_ok, s->docs, s->docs ? 100.0 * s->cases_ok / s->docs : 0.0, s->parsed, s->docs, ok, tried);
    for (int i = 0; i < NFIELDS; i++)
        if (s->tried[i])
            printf("    %-18s %3d/%-3d\n", field_names[i], s->ok[i], s->tried[i]);
    *cases += s->docs;
    *cases_ok += s->cases_ok;
}

static void run_folder(const char *root, const char *kind, mode_t_ mode, int *cases, int *cases_ok)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", root, kind);
    DIR *d = opendir(dir);
    if (!d)
        return;
    score_t s;
    memset(&s, 0, sizeof s);
    int is_json = !strcmp(kind, "json");
    struct dirent *de;
    if (cli_path) {
        char **paths = NULL;
        size_t np = 0;
        while ((de = readdir(d))) {
            size_t nl = strlen(de->d_name);
            if ((nl > 4 && !strcmp(de->d_name + nl - 4, ".xml")) ||
                (nl > 5 && !strcmp(de->d_name + nl - 5, ".json") && !strstr(de->d_name, "_expected.json"))) {
                paths = nm_realloc(paths, (np + 1) * sizeof *paths);
                char buf[8192];
                snprintf(buf, sizeof buf, "%s/%s", dir, de->d_name);
                paths[np++] = nm_strdup(buf);
            }
        }
        cli_batch(paths, np);
        for (size_t i = 0; i < np; i++)
            free(paths[i]);
        free(paths);
        rewinddir(d);
    }
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        size_t nl = strlen(name);
        char in[8192], ex[8192];
        if (is_json) {
            if (nl < 6 || strcmp(name + nl - 5, ".json") || strstr(name, "_expected.json"))
                continue;
            snprintf(in, sizeof in, "%s/%s", dir, name);
            snprintf(ex, sizeof ex, "%s/%.*s_expected.json", dir, (int)(nl - 5), name);
        } else {
            if (nl < 5 || strcmp(name + nl - 4, ".xml"))
                continue;
            snprintf(in, sizeof in, "%s/%s", dir, name);
            snprintf(ex, sizeof ex, "%s/%.*s.json", dir, (int)(nl - 4), name);
        }
        json_t *exp = json_load_file(ex, 0, NULL);
        if (!exp)
            continue;   /* e.g. a JSON input with no expectation */
        run_case(&s, name, in, exp, mode, kind);
        json_decref(exp);
    }
    closedir(d);
    char label[64];
    snprintf(label, sizeof label, "%s/%s", mode == MODE_TRANSLATOR ? "translator" : "parser", kind);
    report(label, &s, cases, cases_ok);
}

/* gofeed's universal parser test table (parser_test.go): feed type
 * detection, with the title each feed must yield or an error. */
static void run_universal(const char *root, int *cases, int *cases_ok)
{
    static const struct { const char *file, *title; } table[] = {
        {"atom03_feed.xml", "Feed Title"}, {"atom10_feed.xml", "Feed Title"}, {"rss_feed.xml", "Feed Title"},
        {"rss_feed_bom.xml", "Feed Title"}, {"rss_feed_leading_spaces.xml", "Feed Title"},
        {"rdf_feed.xml", "Feed Title"}, {"sample.json", "title"}, {"json10_feed.json", "title"},
        {"json11_feed.json", "title"}, {"unknown_feed.xml", NULL}, {"empty_feed.xml", NULL},
        {"invalid.json", NULL}};
    score_t s;
    memset(&s, 0, sizeof s);
    if (cli_path) {
        char *paths[sizeof table / sizeof table[0]];
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
            char buf[8192];
            snprintf(buf, sizeof buf, "%s/universal/%s", root, table[i].file);
            paths[i] = nm_strdup(buf);
        }
        cli_batch(paths, sizeof table / sizeof table[0]);
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
            free(paths[i]);
    }
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        char in[8192];
        snprintf(in, sizeof in, "%s/universal/%s", root, table[i].file);
        size_t len;
        char *data = slurp(in, &len);
        if (!data)
            continue;
        s.docs++;
        char err[256];
        parse_feed_t *f = parse_file(in, data, len, err, sizeof err);
        int ok = table[i].title ? (f && same_text(table[i].title, f->title)) : f == NULL;
        if (f)
            s.parsed++;
        if (ok)
            s.cases_ok++;
        else if (verbose)
            printf("  %s: expected %s, got %s\n", table[i].file, table[i].title ? table[i].title : "an error",
                   f ? (f->title ? f->title : "(no title)") : err);
        parse_feed_destroy(&f);
        free(data);
    }
    report("parser/universal", &s, cases, cases_ok);
}

int main(int argc, char **argv)
{
    const char *root = NULL;
    double min_tr = -1, min_pa = -1;
    char def[4096];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else if (!strcmp(argv[i], "--min-translator") && i + 1 < argc)
            min_tr = atof(argv[++i]);
        else if (!strcmp(argv[i], "--min-parser") && i + 1 < argc)
            min_pa = atof(argv[++i]);
        else if (!strcmp(argv[i], "--cli") && i + 1 < argc)
            cli_path = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: feeds_conformance [-v] [--cli NEWSMILL] [--min-translator PCT] [--min-parser PCT] [TESTDATA_DIR]\n");
            return 2;
        } else
            root = argv[i];
    }
    if (!root) {
        const char *src = getenv("NM_SOURCE_DIR");
        snprintf(def, sizeof def, "%s/../shared/corpus/feeds-dev/testdata", src ? src : ".");
        root = def;
    }
    char tr[4096], pa[4096];
    size_t rl = strlen(root);
    if (rl >= 11 && !strcmp(root + rl - 11, "/translator")) {
        snprintf(tr, sizeof tr, "%s", root);
        pa[0] = '\0';
    } else if (snprintf(tr, sizeof tr, "%s/translator", root) >= (int)sizeof tr ||
               snprintf(pa, sizeof pa, "%s/parser", root) >= (int)sizeof pa) {
        fprintf(stderr, "feeds_conformance: path too long: %s\n", root);
        return 2;
    }
    DIR *d = opendir(tr);
    if (!d) {
        fprintf(stderr, "feeds_conformance: cannot open %s\n", tr);
        return 2;
    }
    closedir(d);
    int tc = 0, tok = 0, pc = 0, pok = 0;
    run_folder(tr, "rss", MODE_TRANSLATOR, &tc, &tok);
    run_folder(tr, "atom", MODE_TRANSLATOR, &tc, &tok);
    run_folder(tr, "json", MODE_TRANSLATOR, &tc, &tok);
    double tpct = tc ? 100.0 * tok / tc : 0, ppct = 0;
    printf("TRANSLATOR: %d/%d cases pass (%.1f%%)\n", tok, tc, tpct);
    if (pa[0] && (d = opendir(pa))) {
        closedir(d);
        run_folder(pa, "rss", MODE_PARSER, &pc, &pok);
        run_folder(pa, "atom", MODE_PARSER, &pc, &pok);
        run_folder(pa, "json", MODE_PARSER, &pc, &pok);
        run_universal(pa, &pc, &pok);
        ppct = pc ? 100.0 * pok / pc : 0;
        printf("PARSER: %d/%d cases pass (%.1f%%)\n", pok, pc, ppct);
    } else if (min_pa >= 0) {
        fprintf(stderr, "feeds_conformance: no parser cases under %s\n", root);
        return 2;
    }
    json_decref(cli_results);
    int rc = 0;
    if (min_tr >= 0 && (tc == 0 || tpct + 1e-9 < min_tr)) {
        printf("FAIL: translator pass rate %.1f%% below %.1f%%\n", tpct, min_tr);
        rc = 1;
    }
    if (min_pa >= 0 && (pc == 0 || ppct + 1e-9 < min_pa)) {
        printf("FAIL: parser pass rate %.1f%% below %.1f%%\n", ppct, min_pa);
        rc = 1;
    }
    return rc;
}

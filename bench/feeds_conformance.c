/* feeds_conformance: how closely parse_feed agrees with gofeed's translator
 * test expectations (testdata/translator/{rss,atom,json}).
 *
 * usage: feeds_conformance [-v] [TRANSLATOR_DIR]
 *   default dir: $NM_SOURCE_DIR/../shared/corpus/feeds-dev/testdata/translator
 *   -v prints every mismatch.
 * For each folder it prints documents parsed and, per field, how many of
 * the expected values (fields the expectation has) parse_feed reproduced.
 * Exit status 0 always (a benchmark, not a test) unless the dir is missing. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parse_date.h"
#include "parse_feed.h"

enum { F_TITLE, F_LINK, F_DESC, F_UPDATED, F_LANG,
       E_TITLE, E_LINK, E_ID, E_PUBLISHED, E_UPDATED, E_AUTHOR, E_SUMMARY, E_CONTENT, E_CATEGORIES, NFIELDS };
static const char *const field_names[NFIELDS] = {
    "feed.title", "feed.link", "feed.description", "feed.updated", "feed.language",
    "item.title", "item.link", "item.id", "item.published", "item.updated", "item.author",
    "item.description", "item.content", "item.categories"};

static int verbose;

typedef struct {
    int docs, parsed;
    int tried[NFIELDS], ok[NFIELDS];
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

static void cmp_str(score_t *s, int field, const char *file, json_t *exp, const char *got)
{
    const char *e = json_string_value(exp);
    if (!e || !*e)
        return;
    s->tried[field]++;
    if (same_text(e, got))
        s->ok[field]++;
    else if (verbose)
        printf("  %s: %s: expected \"%.80s\" got \"%.80s\"\n", file, field_names[field], e, got ? got : "(null)");
}

static void cmp_date(score_t *s, int field, const char *file, json_t *exp, int64_t got)
{
    const char *e = json_string_value(exp);
    int64_t t;
    if (!e || parse_date(e, &t) != 0)
        return;
    s->tried[field]++;
    if (t == got) {
        s->ok[field]++;
    } else if (verbose) {
        char g[32];
        parse_date_iso(got, g, sizeof g);
        printf("  %s: %s: expected %s got %s\n", file, field_names[field], e, got ? g : "(none)");
    }
}

static const char *person(json_t *p)
{
    const char *n = json_string_value(json_object_get(p, "name"));
    return n ? n : json_string_value(json_object_get(p, "email"));
}

static void compare(score_t *s, const char *file, const parse_feed_t *f, json_t *exp)
{
    cmp_str(s, F_TITLE, file, json_object_get(exp, "title"), f->title);
    cmp_str(s, F_LINK, file, json_object_get(exp, "link"), f->link);
    cmp_str(s, F_DESC, file, json_object_get(exp, "description"), f->description);
    cmp_str(s, F_LANG, file, json_object_get(exp, "language"), f->language);
    json_t *u = json_object_get(exp, "updatedParsed");
    cmp_date(s, F_UPDATED, file, u ? u : json_object_get(exp, "updated"), f->updated);

    json_t *items = json_object_get(exp, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const parse_feed_entry_t *e = i < f->nentries ? &f->entries[i] : NULL;
        static const parse_feed_entry_t none;
        if (!e)
            e = &none;
        cmp_str(s, E_TITLE, file, json_object_get(it, "title"), e->title);
        cmp_str(s, E_LINK, file, json_object_get(it, "link"), e->link);
        cmp_str(s, E_ID, file, json_object_get(it, "guid"), e->id);
        json_t *p = json_object_get(it, "publishedParsed");
        cmp_date(s, E_PUBLISHED, file, p ? p : json_object_get(it, "published"), e->published);
        p = json_object_get(it, "updatedParsed");
        cmp_date(s, E_UPDATED, file, p ? p : json_object_get(it, "updated"), e->updated);
        json_t *a = json_object_get(it, "author");
        if (a) {
            json_t *as = json_string(person(a) ? person(a) : "");
            cmp_str(s, E_AUTHOR, file, as, e->author);
            json_decref(as);
        }
        cmp_str(s, E_SUMMARY, file, json_object_get(it, "description"), e->summary);
        cmp_str(s, E_CONTENT, file, json_object_get(it, "content"), e->content);
        json_t *cats = json_object_get(it, "categories");
        if (json_array_size(cats) > 0) {
            s->tried[E_CATEGORIES]++;
            int ok = json_array_size(cats) == e->ncategories;
            for (size_t k = 0; ok && k < e->ncategories; k++)
                ok = same_text(json_string_value(json_array_get(cats, k)), e->categories[k]);
            if (ok)
                s->ok[E_CATEGORIES]++;
            else if (verbose)
                printf("  %s: item.categories: expected %zu got %zu\n", file, json_array_size(cats), e->ncategories);
        }
    }
}

static void run_folder(const char *root, const char *kind)
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
        size_t len;
        char *data = slurp(in, &len);
        if (!exp || !data) {
            json_decref(exp);
            free(data);
            continue;
        }
        s.docs++;
        char err[256];
        parse_feed_t *f = parse_feed(data, len, NULL, err, sizeof err);
        if (f) {
            s.parsed++;
            compare(&s, name, f, exp);
            parse_feed_destroy(&f);
        } else if (verbose) {
            printf("  %s: not parsed: %s\n", name, err);
        }
        json_decref(exp);
        free(data);
    }
    closedir(d);
    int tried = 0, ok = 0;
    for (int i = 0; i < NFIELDS; i++) {
        tried += s.tried[i];
        ok += s.ok[i];
    }
    printf("%s: %d/%d documents parsed, %d/%d expected values matched (%.1f%%)\n", kind, s.parsed, s.docs, ok, tried,
           tried ? 100.0 * ok / tried : 0.0);
    for (int i = 0; i < NFIELDS; i++)
        if (s.tried[i])
            printf("    %-18s %3d/%-3d\n", field_names[i], s.ok[i], s.tried[i]);
}

int main(int argc, char **argv)
{
    const char *root = NULL;
    char def[4096];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else
            root = argv[i];
    }
    if (!root) {
        const char *src = getenv("NM_SOURCE_DIR");
        snprintf(def, sizeof def, "%s/../shared/corpus/feeds-dev/testdata/translator", src ? src : ".");
        root = def;
    }
    DIR *d = opendir(root);
    if (!d) {
        fprintf(stderr, "feeds_conformance: cannot open %s\n", root);
        return 2;
    }
    closedir(d);
    run_folder(root, "rss");
    run_folder(root, "atom");
    run_folder(root, "json");
    return 0;
}

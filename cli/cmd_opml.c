/* newsmill feed import FILE.opml | feed export: the feed list as OPML 2.0.
 *
 * Import reads every <outline> with an xmlUrl, folders included (libxml2,
 * no DTD, no network, no entity expansion), and adds each feed; a URL that
 * is already there is left as it is, so importing twice changes nothing.
 * Export writes title, xmlUrl, htmlUrl and newsmill's own attributes
 * (newsmill:include / newsmill:exclude, one pattern per line), which import
 * reads back: export | import round-trips feeds and rules. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cli.h"
#include "nm_buf.h"
#include "pub_db.h"
#include "pub_feeds.h"

#define OPML_NS "https://newsmill.invalid/opml"   /* namespace of our own attributes */
#define OPML_MAX_DEPTH 32

static char *prop(xmlNodePtr n, const char *name, const char *ns)
{
    xmlChar *v = ns ? xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns) : xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *r = nm_strdup((const char *)v);
    xmlFree(v);
    return r;
}

/* "a\nb" -> {"a", "b"} (empty lines dropped); *n = count. */
static char **split_lines(const char *s, size_t *n)
{
    *n = 0;
    if (!s)
        return NULL;
    char **v = NULL;
    char *copy = nm_strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        while (*t == ' ' || *t == '\t' || *t == '\r')
            t++;
        size_t l = strlen(t);
        while (l && (t[l - 1] == ' ' || t[l - 1] == '\r' || t[l - 1] == '\t'))
            t[--l] = '\0';
        if (!*t)
            continue;
        v = nm_realloc(v, (*n + 1) * sizeof *v);
        v[(*n)++] = nm_strdup(t);
    }
    free(copy);
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

typedef struct {
    pub_db_t *db;
    int added, existing, failed;
} import_t;

static void import_outlines(import_t *im, xmlNodePtr parent, int depth)
{
    if (depth > OPML_MAX_DEPTH)
        return;
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "outline") != 0)
            continue;
        char *url = prop(c, "xmlUrl", NULL);
        if (!url)
            url = prop(c, "xmlurl", NULL);   /* seen in the wild */
        if (url) {
            char *title = prop(c, "title", NULL);
            if (!title)
                title = prop(c, "text", NULL);
            if (title && !strcmp(title, url)) {   /* export's text= stand-in for "no title" */
                free(title);
                title = NULL;
            }
            char *inc = prop(c, "include", OPML_NS), *exc = prop(c, "exclude", OPML_NS);
            char err[512];
            int64_t id = 0;
            bool created = false;
            if (pub_db_feed_add(im->db, url, title, 0, &id, &created, err, sizeof err) < 0) {
                fprintf(stderr, "newsmill feed import: %s\n", err);
                im->failed++;
            } else if (created) {
                size_t ni = 0, ne = 0;
                char **iv = split_lines(inc, &ni), **ev = split_lines(exc, &ne);
                if ((ni || ne) && pub_feeds_set_rules(im->db, id, iv, ni, ev, ne, ni > 0, ne > 0, err, sizeof err) < 0) {
                    fprintf(stderr, "newsmill feed import: %s: rules not set: %s\n", url, err);
                    im->failed++;
                }
                free_list(iv, ni);
                free_list(ev, ne);
                im->added++;
            } else {
                im->existing++;
            }
            free(title);
            free(inc);
            free(exc);
            free(url);
        }
        import_outlines(im, c, depth + 1);
    }
}

int cli_feed_import(int argc, char **argv, const nm_config_t *cfg)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: newsmill feed import FILE.opml\n");
        return CLI_EXIT_USAGE;
    }
    xmlDocPtr doc = xmlReadFile(argv[1], NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || strcmp((const char *)root->name, "opml") != 0) {
        fprintf(stderr, "newsmill feed import: %s: not an OPML document\n", argv[1]);
        xmlFreeDoc(doc);
        return CLI_EXIT_FAIL;
    }
    char err[512];
    pub_policy_t policy;
    pub_policy_from_config(&policy, cfg);
    import_t im = { .db = pub_db_new(cfg->database.url, &policy, err, sizeof err) };
    if (!im.db) {
        fprintf(stderr, "newsmill feed import: %s\n", err);
        xmlFreeDoc(doc);
        return CLI_EXIT_FAIL;
    }
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "body"))
            import_outlines(&im, c, 0);
    pub_db_destroy(&im.db);
    xmlFreeDoc(doc);
    printf("imported %d feeds (%d new, %d already there)%s\n", im.added + im.existing, im.added, im.existing,
           im.failed ? ", some failed" : "");
    return im.failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* PostgreSQL text[] as text (array_to_string with \n) -> attribute or none. */
static void set_list_attr(xmlNodePtr o, xmlNsPtr ns, const char *name, const char *v)
{
    if (v && *v)
        xmlNewNsProp(o, ns, (const xmlChar *)name, (const xmlChar *)v);
}

int cli_feed_export(int argc, char **argv, const nm_config_t *cfg)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: newsmill feed export > feeds.opml\n");
        return CLI_EXIT_USAGE;
    }
    char err[512];
    pub_policy_t policy;
    pub_policy_from_config(&policy, cfg);
    pub_db_t *db = pub_db_new(cfg->database.url, &policy, err, sizeof err);
    if (!db) {
        fprintf(stderr, "newsmill feed export: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    PGresult *r = pub_db_query(db,
        "SELECT url, coalesce(title, ''), coalesce(site_url, ''),"
        "   array_to_string(include_patterns, E'\\n'), array_to_string(exclude_patterns, E'\\n')"
        " FROM feeds ORDER BY id", 0, NULL, err, sizeof err);
    pub_db_destroy(&db);
    if (!r) {
        fprintf(stderr, "newsmill feed export: %s\n", err);
        return CLI_EXIT_FAIL;
    }
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr opml = xmlNewNode(NULL, (const xmlChar *)"opml");
    xmlDocSetRootElement(doc, opml);
    xmlNewProp(opml, (const xmlChar *)"version", (const xmlChar *)"2.0");
    xmlNsPtr ns = xmlNewNs(opml, (const xmlChar *)OPML_NS, (const xmlChar *)"newsmill");
    xmlNodePtr head = xmlNewChild(opml, NULL, (const xmlChar *)"head", NULL);
    xmlNewTextChild(head, NULL, (const xmlChar *)"title", (const xmlChar *)"newsmill feeds");
    xmlNodePtr body = xmlNewChild(opml, NULL, (const xmlChar *)"body", NULL);
    for (int i = 0; i < PQntuples(r); i++) {
        xmlNodePtr o = xmlNewChild(body, NULL, (const xmlChar *)"outline", NULL);
        const char *title = PQgetvalue(r, i, 1);
        xmlNewProp(o, (const xmlChar *)"type", (const xmlChar *)"rss");
        xmlNewProp(o, (const xmlChar *)"text", (const xmlChar *)(*title ? title : PQgetvalue(r, i, 0)));
        if (*title)
            xmlNewProp(o, (const xmlChar *)"title", (const xmlChar *)title);
        xmlNewProp(o, (const xmlChar *)"xmlUrl", (const xmlChar *)PQgetvalue(r, i, 0));
        if (*PQgetvalue(r, i, 2))
            xmlNewProp(o, (const xmlChar *)"htmlUrl", (const xmlChar *)PQgetvalue(r, i, 2));
        set_list_attr(o, ns, "include", PQgetvalue(r, i, 3));
        set_list_attr(o, ns, "exclude", PQgetvalue(r, i, 4));
    }
    PQclear(r);
    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
    int rc = CLI_EXIT_OK;
    if (!out || fwrite(out, 1, (size_t)len, stdout) != (size_t)len)
        rc = CLI_EXIT_FAIL;
    xmlFree(out);
    xmlFreeDoc(doc);
    return rc;
}

/* newsmill extract [--url URL] [--format json|text|markdown] FILE|URL|-...
 *
 * Runs the parser stage's article extractor (parse_article) on pages and
 * prints the DESIGN.md contract: one JSON object, JSON Lines with several
 * inputs, or for one input a text/markdown rendering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse_date.h"
#include "parse_html.h"

typedef struct {
    const char *format;   /* "json", "text", "markdown" */
} extract_ctx_t;

static void extract_usage(FILE *out)
{
    fprintf(out,
            "usage: newsmill extract [--url URL] [--format json|text|markdown] FILE|URL|-...\n"
            "\n"
            "Extract the article from HTML pages: clean text (paragraphs, subheadings,\n"
            "list items, quotes) and metadata. JSON fields: url, canonical_url, title,\n"
            "byline, published_at, language, site_name, text, blocks, word_count.\n"
            "\n"
            "  --url URL        the page's URL, for relative links (default: the input's own)\n"
            "  --format FORMAT  json (default), text or markdown; with several inputs\n"
            "                   the output is always JSON Lines\n"
            "  --help           show this help\n"
            "\n"
            "A .gz file is read decompressed. Exit status: 0 all inputs extracted,\n"
            "1 any failed, 2 usage error.\n");
}

static json_t *extract_one(const char *name, const cli_input_t *in, const char *url, void *ctx, char *err,
                           size_t errlen)
{
    (void)ctx;
    char reason[400] = "";
    parse_article_t *a = parse_article(in->data.data ? in->data.data : "", in->data.len, url, in->content_type,
                                       NULL, reason, sizeof reason);
    if (!a) {
        snprintf(err, errlen, "%s: %s", name, reason[0] ? reason : "not an article");
        return NULL;
    }
    json_t *obj = parse_article_to_json(a);
    parse_article_destroy(&a);
    return obj;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The renderer works on parse_article_t: rebuild a borrowed view of one from the JSON. */
static void extract_render(json_t *result, void *ctx)
{
    extract_ctx_t *x = ctx;
    parse_article_t a;
    memset(&a, 0, sizeof a);
    a.title = (char *)jstr(result, "title");
    a.byline = (char *)jstr(result, "byline");
    a.text = (char *)jstr(result, "text");
    const char *pub = jstr(result, "published_at");
    if (pub) parse_date(pub, &a.published_at);
    json_t *blocks = json_object_get(result, "blocks");
    a.nblocks = json_array_size(blocks);
    a.blocks = calloc(a.nblocks ? a.nblocks : 1, sizeof *a.blocks);
    if (!a.blocks) return;
    for (size_t i = 0; i < a.nblocks; i++) {
        json_t *b = json_array_get(blocks, i);
        a.blocks[i].kind = (char *)(jstr(b, "kind") ? jstr(b, "kind") : "p");
        a.blocks[i].text = (char *)(jstr(b, "text") ? jstr(b, "text") : "");
    }
    char *out = parse_article_render(&a, x->format);
    free(a.blocks);
    if (out) {
        fputs(out, stdout);
        if (!*out || out[strlen(out) - 1] != '\n') fputc('\n', stdout);
        free(out);
    }
}

int cmd_extract(int argc, char **argv, nm_config_t *cfg)
{
    static const struct option longopts[] = {
        { "url", required_argument, NULL, 'u' },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *url = NULL;
    extract_ctx_t x = {.format = "json"};
    int c;
    while ((c = cli_getopt("extract", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'u': url = optarg; break;
        case 'f': x.format = optarg; break;
        case 'h': extract_usage(stdout); return CLI_EXIT_OK;
        default: extract_usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    char **inputs = argv + optind;
    int ninputs = argc - optind;
    if (strcmp(x.format, "json") && strcmp(x.format, "text") && strcmp(x.format, "markdown")) {
        fprintf(stderr, "newsmill extract: --format must be json, text or markdown\n");
        return CLI_EXIT_USAGE;
    }
    if (ninputs == 0) {
        extract_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return cli_run_inputs(ninputs, inputs, cfg, url, extract_one, strcmp(x.format, "json") ? extract_render : NULL,
                          &x);
}

/* newsmill feed parse [--url URL] FILE|URL|-...
 *
 * Parses feed documents with the parser stage's parse_feed and prints the
 * DESIGN.md contract: one JSON object, or JSON Lines with several inputs. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parse_feed.h"

static void feed_parse_usage(FILE *out)
{
    fprintf(out,
            "usage: newsmill feed parse [--url URL] FILE|URL|-...\n"
            "\n"
            "Parse RSS, RDF, Atom or JSON Feed documents and print them as JSON:\n"
            "format, title, link, description, updated, language, entries (id, title,\n"
            "link, published, updated, author, summary, content, categories), errors.\n"
            "\n"
            "  --url URL   base URL for relative links (default: the input's own URL)\n"
            "  --help      show this help\n"
            "\n"
            "With several inputs, prints one JSON object per line with an \"input\" field.\n"
            "Exit status: 0 all inputs parsed, 1 any failed, 2 usage error.\n");
}

static json_t *feed_parse_one(const char *name, const cli_input_t *in, const char *url, void *ctx, char *err,
                              size_t errlen)
{
    (void)ctx;
    char reason[400] = "";
    parse_feed_t *feed = parse_feed(in->data.data ? in->data.data : "", in->data.len, url, reason, sizeof reason);
    if (!feed) {
        snprintf(err, errlen, "%s: %s", name, reason[0] ? reason : "not a feed");
        return NULL;
    }
    json_t *obj = parse_feed_to_json(feed);
    parse_feed_destroy(&feed);
    return obj;
}

int cmd_feed_parse(int argc, char **argv, nm_config_t *cfg)
{
    const char *url = NULL;
    char **inputs = argv + 1;   /* compacted in place: flags removed */
    int ninputs = 0, flags_done = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!flags_done && !strcmp(a, "--")) {
            flags_done = 1;
        } else if (!flags_done && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            feed_parse_usage(stdout);
            return CLI_EXIT_OK;
        } else if (!flags_done && !strcmp(a, "--url")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "newsmill feed parse: --url needs a value\n");
                return CLI_EXIT_USAGE;
            }
            url = argv[++i];
        } else if (!flags_done && !strncmp(a, "--url=", 6)) {
            url = a + 6;
        } else if (!flags_done && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "newsmill feed parse: unknown option %s\n", a);
            feed_parse_usage(stderr);
            return CLI_EXIT_USAGE;
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    if (ninputs == 0) {
        feed_parse_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return cli_run_inputs(ninputs, inputs, cfg, url, feed_parse_one, NULL, NULL);
}

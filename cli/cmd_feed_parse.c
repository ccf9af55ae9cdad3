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
    static const struct option longopts[] = {
        { "url", required_argument, NULL, 'u' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *url = NULL;
    int c;
    while ((c = cli_getopt("feed parse", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 'u': url = optarg; break;
        case 'h': feed_parse_usage(stdout); return CLI_EXIT_OK;
        default: feed_parse_usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    char **inputs = argv + optind;
    int ninputs = argc - optind;
    if (ninputs == 0) {
        feed_parse_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return cli_run_inputs(ninputs, inputs, cfg, url, feed_parse_one, NULL, NULL);
}

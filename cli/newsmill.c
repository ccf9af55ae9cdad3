/* newsmill: the command-line tool. Global options, then one command. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
        "usage: newsmill [--config PATH] COMMAND [ARGS]\n"
        "\n"
        "Database and feeds:\n"
        "  db migrate                     apply schema migrations\n"
        "  feed add URL [--title T] [--interval S] [--include RE] [--exclude RE]\n"
        "  feed list | feed remove URL|ID\n"
        "  feed import FILE.opml | feed export   (OPML 2.0)\n"
        "  status                         jobs by state, dead jobs, feed health\n"
        "  digest --date YYYY-MM-DD [--lang L] [--format md|html|atom]  the day's digest to stdout\n"
        "\n"
        "One-shot tools (JSON to stdout; several inputs give JSON Lines):\n"
        "  extract [--url URL] [--format json|text|markdown] FILE|URL|-...\n"
        "  feed parse [--url URL] FILE|URL|-...\n"
        "  summarize [--sentences N] [--lang L] [--max-chars N] [--title T] FILE|-...\n"
        "\n"
        "Operations:\n"
        "  keygen [--force] NAME...       CURVE key pairs: NAME.secret (0600) and NAME.public\n"
        "  resummarize --since YYYY-MM-DD [--limit N] [--dry-run]  LLM summaries for articles lacking one\n"
        "\n"
        "Options:\n"
        "  --config PATH   INI configuration (default $NEWSMILL_CONFIG, else built-in defaults;\n"
        "                  every key can be overridden by NEWSMILL_<SECTION>_<KEY>)\n"
        "  --help          this text; 'newsmill COMMAND --help' for a command\n"
        "  --version       print the version\n");
}

static int cmd_feed(int argc, char **argv, nm_config_t *cfg)
{
    argc--, argv++;   /* drop "feed": the subcommand becomes argv[0] */
    if (argc >= 1 && strcmp(argv[0], "parse") == 0)
        return cmd_feed_parse(argc, argv, cfg);
    if (argc >= 1 && (!strcmp(argv[0], "add") || !strcmp(argv[0], "list") || !strcmp(argv[0], "remove") ||
                      !strcmp(argv[0], "import") || !strcmp(argv[0], "export")))
        return cmd_feed_manage(argc, argv, cfg);
    FILE *out = (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) ? stdout : stderr;
    fprintf(out, "usage: newsmill feed add URL [--title T] [--interval SECONDS] [--include RE] [--exclude RE]\n"
                 "       newsmill feed list\n"
                 "       newsmill feed remove URL|ID\n"
                 "       newsmill feed import FILE.opml | newsmill feed export\n"
                 "       newsmill feed parse [--url URL] FILE|URL|-...\n");
    return out == stdout ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

static const struct {
    const char *name;
    int (*fn)(int, char **, nm_config_t *);
    int needs_config;   /* 0: runs on defaults even if the file is broken? no: always load */
} commands[] = {
    { "db", cmd_db, 1 },
    { "feed", cmd_feed, 1 },
    { "status", cmd_status, 1 },
    { "digest", cmd_digest, 1 },
    { "extract", cmd_extract, 1 },
    { "summarize", cmd_summarize, 1 },
    { "resummarize", cmd_resummarize, 1 },
    { "keygen", cmd_keygen, 1 },
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *config_path = NULL;
    int opt;
    /* '+': global options end at the command word; the rest is the command's */
    while ((opt = cli_getopt(NULL, argc, argv, "+h", longopts)) != -1) {
        switch (opt) {
        case 'c': config_path = optarg; break;
        case 'V': printf("newsmill 0.1.0\n"); return CLI_EXIT_OK;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    int i = optind;
    if (i >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }

    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(argv[i], commands[c].name) != 0)
            continue;
        nm_config_t cfg;
        char err[512];
        if (nm_config_load(&cfg, config_path, err, sizeof err) < 0) {
            fprintf(stderr, "newsmill: configuration: %s\n", err);
            nm_config_free(&cfg);
            return CLI_EXIT_USAGE;
        }
        /* a command sees its own name as argv[0], as getopt expects; optind = 0
         * makes glibc's getopt start afresh on that argument vector */
        optind = 0;
        int rc = commands[c].fn(argc - i, argv + i, &cfg);
        nm_config_free(&cfg);
        return rc;
    }
    fprintf(stderr, "newsmill: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}

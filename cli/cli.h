/* The newsmill command-line tool: shared declarations.
 *
 * newsmill.c parses the global options (--config PATH), loads the
 * configuration and dispatches to one cmd_* function per command. Each
 * command parses its own flags, prints --help, and returns the exit status:
 * 0 success, 1 failure (for multi-input commands: any input failed),
 * 2 usage error.
 *
 * argv[0] is the command word, as getopt expects: "db", "status", "digest",
 * "extract", "summarize"; for `feed`, the subcommand: "add", "list",
 * "remove", "parse". */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>

#include "nm_buf.h"
#include "nm_config.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* cmd_db.c, cmd_feed.c, cmd_status.c, cmd_digest.c (publisher side) */
int cmd_db(int argc, char **argv, nm_config_t *cfg);          /* db migrate */
int cmd_feed_manage(int argc, char **argv, nm_config_t *cfg); /* feed add|list|remove|import|export */
int cli_feed_import(int argc, char **argv, const nm_config_t *cfg);  /* cmd_opml.c */
int cli_feed_export(int argc, char **argv, const nm_config_t *cfg);
int cmd_status(int argc, char **argv, nm_config_t *cfg);
int cmd_digest(int argc, char **argv, nm_config_t *cfg);
/* cmd_extract.c, cmd_feed_parse.c (parser side) */
int cmd_extract(int argc, char **argv, nm_config_t *cfg);
int cmd_feed_parse(int argc, char **argv, nm_config_t *cfg);  /* argv[0] == "parse" */
/* cmd_summarize.c */
int cmd_summarize(int argc, char **argv, nm_config_t *cfg);
/* cmd_resummarize.c: LLM summaries for stored articles lacking one */
int cmd_resummarize(int argc, char **argv, nm_config_t *cfg);
/* cmd_keygen.c: CURVE key pairs */
int cmd_keygen(int argc, char **argv, nm_config_t *cfg);

/* ---- options (cli_opts.c) ---- */

/* getopt_long over a command's arguments (argv[0] is the command word; the
 * dispatcher resets getopt before calling a command). Options may come after
 * operands unless shortopts starts with '+'; "--" ends them. An unknown option
 * or a missing value is reported as "newsmill CMD: ..." (cmd NULL: "newsmill:
 * ...") on stderr and returned as '?'. Returns the option's
 * value, or -1 at the end, with the operands in argv[optind..argc-1]. */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts);

/* ---- inputs: FILE | URL | - (cli_input.c) ---- */

typedef struct {
    nm_buf_t data;        /* the bytes (a .gz file is decompressed) */
    char *url;            /* for URLs: the final URL after redirects; else NULL */
    char *content_type;   /* for URLs: the Content-Type header; else NULL */
} cli_input_t;

/* Read one input fully: "-" is stdin, http(s):// is fetched with libcurl
 * (size, time and redirect caps from cfg->fetcher), anything else is a file.
 * Returns 0, or -1 with a one-line reason in err. */
int cli_input_read(const char *arg, const nm_config_t *cfg, cli_input_t *in, char *err, size_t errlen);
void cli_input_free(cli_input_t *in);

/* Process one input: return a JSON object (owned by the caller), or NULL
 * with a reason in err. url is --url if given, else the input's own URL
 * (NULL for files). */
typedef json_t *(*cli_input_fn)(const char *name, const cli_input_t *in, const char *url,
                                void *ctx, char *err, size_t errlen);
/* Print a result other than as JSON (e.g. extract --format text); NULL = JSON. */
typedef void (*cli_render_fn)(json_t *result, void *ctx);

/* The DESIGN.md multi-input contract: with one input, print its JSON object
 * (indented) or its rendering; with several, one compact JSON object per line
 * in input order, each with "input", and "error" instead of the rest when that
 * input failed. Returns 0 if every input succeeded, else 1. */
int cli_run_inputs(int ninputs, char **inputs, const nm_config_t *cfg, const char *url,
                   cli_input_fn fn, cli_render_fn render, void *ctx);

/* Print JSON to stdout, indented, with a trailing newline. */
void cli_print_json(json_t *obj);

#endif

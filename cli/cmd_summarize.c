/* newsmill summarize: the offline extractive summarizer on plain text.
 * One JSON object per input (DESIGN.md contract): summary, sentences,
 * topics, language, backend. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summ.h"
#include "summ_tok.h"

typedef struct {
    summ_opts_t opts;
    const char *title;
} summarize_ctx_t;

static void usage(FILE *out)
{
    fprintf(out,
        "usage: newsmill summarize [--sentences N] [--lang L] [--max-chars N] [--title T] FILE|-...\n"
        "\n"
        "Extractive summary of plain text (paragraphs separated by blank lines).\n"
        "  --sentences N   sentences to pick (default: [summarizer] sentences, else 3; max %d)\n"
        "  --lang L        language of the text, e.g. en, zh (default: detected)\n"
        "  --max-chars N   cap the summary at N characters\n"
        "  --title T       the article's title, which helps pick sentences\n"
        "Prints a JSON object {summary, sentences, topics, language, backend};\n"
        "with several inputs, one per line with an \"input\" field.\n",
        SUMM_MAX_PICK);
}

static json_t *summarize_one(const char *name, const cli_input_t *in, const char *url, void *vctx,
                             char *err, size_t errlen)
{
    summarize_ctx_t *ctx = vctx;
    const char *text = in->data.data ? in->data.data : "";
    size_t len = in->data.len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { text += 3; len -= 3; }
    if (len > SUMM_MAX_INPUT) {
        snprintf(err, errlen, "%s: text too large (%zu bytes; the limit is %u)", name, len,
                 (unsigned)SUMM_MAX_INPUT);
        return NULL;
    }
    if (!summ_utf8_valid(text, len)) {
        snprintf(err, errlen, "%s: not UTF-8 text", name);
        return NULL;
    }
    summ_result_t *r = summ_summarize(ctx->title, text, &ctx->opts);
    if (!r) {
        snprintf(err, errlen, "%s: could not summarize", name);
        return NULL;
    }
    json_t *o = summ_result_to_json(r);
    summ_result_destroy(&r);
    return o;
}

static int parse_count(const char *s, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > max) return -1;
    *out = (int)v;
    return 0;
}

int cmd_summarize(int argc, char **argv, nm_config_t *cfg)
{
    summarize_ctx_t ctx = {0};
    if (cfg && cfg->summarizer.sentences > 0) ctx.opts.sentences = cfg->summarizer.sentences;
    if (ctx.opts.sentences > SUMM_MAX_PICK) ctx.opts.sentences = SUMM_MAX_PICK;
    static const struct option longopts[] = {
        { "sentences", required_argument, NULL, 's' },
        { "lang", required_argument, NULL, 'l' },
        { "max-chars", required_argument, NULL, 'm' },
        { "title", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = cli_getopt("summarize", argc, argv, "h", longopts)) != -1) {
        switch (c) {
        case 's':
            if (parse_count(optarg, SUMM_MAX_PICK, &ctx.opts.sentences) < 0) {
                fprintf(stderr, "newsmill summarize: --sentences must be 1..%d\n", SUMM_MAX_PICK);
                goto usage_error;
            }
            break;
        case 'l':
            if (!*optarg || strlen(optarg) > 32) {
                fprintf(stderr, "newsmill summarize: bad --lang\n");
                goto usage_error;
            }
            ctx.opts.language = optarg;
            break;
        case 'm':
            if (parse_count(optarg, INT_MAX, &ctx.opts.max_chars) < 0) {
                fprintf(stderr, "newsmill summarize: --max-chars must be a positive number\n");
                goto usage_error;
            }
            break;
        case 't': ctx.title = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: goto usage_error;
        }
    }
    char **inputs = argv + optind;
    int ninputs = argc - optind;
    if (ninputs == 0) {
        fprintf(stderr, "newsmill summarize: no input (give FILE or - for stdin)\n");
        goto usage_error;
    }
    return cli_run_inputs(ninputs, inputs, cfg, NULL, summarize_one, NULL, &ctx) ? CLI_EXIT_FAIL : CLI_EXIT_OK;

usage_error:
    usage(stderr);
    return CLI_EXIT_USAGE;
}

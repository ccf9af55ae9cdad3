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
    char **inputs = calloc((size_t)(argc > 0 ? argc : 1), sizeof *inputs);
    int ninputs = 0, rc;
    if (!inputs) return CLI_EXIT_FAIL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        size_t nl = 0;
        /* --opt VALUE and --opt=VALUE */
        static const char *const withval[] = {"--sentences", "--lang", "--max-chars", "--title"};
        int which = -1;
        for (int k = 0; k < 4; k++) {
            nl = strlen(withval[k]);
            if (!strncmp(a, withval[k], nl) && (a[nl] == '\0' || a[nl] == '=')) { which = k; break; }
        }
        if (which >= 0) {
            if (a[nl] == '=') val = a + nl + 1;
            else if (i + 1 < argc) val = argv[++i];
            else {
                fprintf(stderr, "newsmill summarize: %s needs a value\n", a);
                goto usage_error;
            }
            if (which == 0 && parse_count(val, SUMM_MAX_PICK, &ctx.opts.sentences) < 0) {
                fprintf(stderr, "newsmill summarize: --sentences must be 1..%d\n", SUMM_MAX_PICK);
                goto usage_error;
            }
            if (which == 1) {
                if (!*val || strlen(val) > 32) {
                    fprintf(stderr, "newsmill summarize: bad --lang\n");
                    goto usage_error;
                }
                ctx.opts.language = val;
            }
            if (which == 2 && parse_count(val, INT_MAX, &ctx.opts.max_chars) < 0) {
                fprintf(stderr, "newsmill summarize: --max-chars must be a positive number\n");
                goto usage_error;
            }
            if (which == 3) ctx.title = val;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            free(inputs);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--")) {
            while (++i < argc) inputs[ninputs++] = argv[i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "newsmill summarize: unknown option '%s'\n", a);
            goto usage_error;
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    if (ninputs == 0) {
        fprintf(stderr, "newsmill summarize: no input (give FILE or - for stdin)\n");
        goto usage_error;
    }
    rc = cli_run_inputs(ninputs, inputs, cfg, NULL, summarize_one, NULL, &ctx) ? CLI_EXIT_FAIL
                                                                               : CLI_EXIT_OK;
    free(inputs);
    return rc;

usage_error:
    usage(stderr);
    free(inputs);
    return CLI_EXIT_USAGE;
}

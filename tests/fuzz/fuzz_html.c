/* fuzz_html: libFuzzer harness for the article extractor (parse_article)
 * and the charset converter (parse_html_to_utf8).
 *
 * The input is the page; its size picks the Content-Type (none, or a charset
 * the page may contradict) and the base URL, so real pages are seeds as is. Checked beyond "no
 * crash, no leak, no UB": a rejection has a reason, every output string is
 * valid UTF-8, text is never NULL, word_count is not negative, and the JSON,
 * text and Markdown renderings work. A small max_depth is used on some inputs
 * so the depth cap's code path is fuzzed as well as the default. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "parse_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *ctypes[] = { NULL, "text/html", "text/html; charset=iso-8859-1",
                                    "text/html; charset=\"Shift_JIS\"", "text/html;charset=utf-16le",
                                    "application/xhtml+xml; charset=gb18030", "text/html; charset=bogus",
                                    "text/html; charset=utf-8" };
    static const char *urls[] = { NULL, "https://news.example.com/2025/07/13/story.html" };
    if (size > (2u << 20))
        return 0;
    /* chosen from the size, so real pages work as seeds unchanged */
    const char *ct = ctypes[size & 7];
    const char *url = urls[(size >> 3) & 1];
    parse_html_opts_t opts = { 0, ((size >> 4) & 3) == 0 ? 8 : 0 };

    size_t n = 0;
    const char *cs = NULL;
    char *u = parse_html_to_utf8((const char *)data, size, ct, &n, &cs);
    FUZZ_CHECK(u != NULL && cs != NULL);
    FUZZ_CHECK(strlen(u) <= n);   /* NUL-terminated within out_len (embedded NULs allowed) */
    free(u);

    char err[256] = "";
    parse_article_t *a = parse_article((const char *)data, size, url, ct, &opts, err, sizeof err);
    if (!a) {
        FUZZ_CHECK(err[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(a->text != NULL);
    FUZZ_CHECK(a->word_count >= 0);
    fuzz_utf8(a->url); fuzz_utf8(a->canonical_url); fuzz_utf8(a->title); fuzz_utf8(a->byline);
    fuzz_utf8(a->language); fuzz_utf8(a->site_name); fuzz_utf8(a->text);
    for (size_t i = 0; i < a->nblocks; i++) {
        FUZZ_CHECK(a->blocks[i].kind && a->blocks[i].text);
        fuzz_utf8(a->blocks[i].text);
    }
    json_t *j = parse_article_to_json(a);
    FUZZ_CHECK(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    FUZZ_CHECK(s != NULL);
    free(s);
    json_decref(j);
    static const char *formats[] = { "text", "markdown" };
    for (int k = 0; k < 2; k++) {
        char *r = parse_article_render(a, formats[k]);
        FUZZ_CHECK(r != NULL);
        fuzz_utf8(r);
        free(r);
    }
    parse_article_destroy(&a);
    return 0;
}

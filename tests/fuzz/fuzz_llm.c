/* fuzz_llm: libFuzzer harness for the LLM reply parser
 * (summ_llm_parse_article: JSON with ```json fences and text around it) and
 * the Retry-After parser (summ_llm_retry_after).
 *
 * The input's size picks the article language the reply is validated against.
 * Checked: a rejection has a reason; an accepted reply has a non-empty title
 * and summary, at least one and at most SUMM_LLM_MAX_TOPICS topics, at most
 * SUMM_LLM_MAX_ENTITIES entities, all valid UTF-8; the result is freed in both
 * outcomes (LeakSanitizer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "summ_llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *langs[] = { "zh", "en", "ja", NULL };
    if (size > SUMM_LLM_MAX_BODY)
        return 0;
    const char *lang = langs[size & 3];
    char *content = malloc(size + 1);
    memcpy(content, data, size);
    content[size] = '\0';

    summ_llm_article_t *out = calloc(1, sizeof *out);
    char err[512] = "";
    if (summ_llm_parse_article(content, lang, out, err, sizeof err) == 0) {
        FUZZ_CHECK(out->title && *out->title && out->summary && *out->summary);
        FUZZ_CHECK(out->ntopics >= 1 && out->ntopics <= SUMM_LLM_MAX_TOPICS);
        FUZZ_CHECK(out->nentities <= SUMM_LLM_MAX_ENTITIES);
        fuzz_utf8(out->title);
        fuzz_utf8(out->summary);
        for (size_t i = 0; i < out->ntopics; i++)
            fuzz_utf8(out->topics[i]);
        for (size_t i = 0; i < out->nentities; i++)
            fuzz_utf8(out->entities[i]);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
    summ_llm_article_destroy(&out);
    FUZZ_CHECK(out == NULL);

    long ra = summ_llm_retry_after(content, 1752400000);
    FUZZ_CHECK(ra >= -1);
    free(content);
    return 0;
}

/* The summarizer: document order, sentence count, headings, the key
 * sentence when it is not first, topics, JSON shape. */
#include <stdlib.h>

#include "nm_test.h"
#include "summ.h"
#include "summ_topic.h"
#include "summ_tok.h"

static size_t index_of(const char *text, const char *s) { const char *p = strstr(text, s); return p ? (size_t)(p - text) : (size_t)-1; }

/* characters (code points) */
static size_t u8len(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int main(void)
{
    const char *text =
        "Lunar Ambitions\n\n"
        "It was a cold morning in the desert when the crowd gathered early.\n\n"
        "China launched its Chang'e-7 lunar probe on Tuesday to search for water ice at the moon's south pole.\n\n"
        "Vendors sold tea and snacks to the visitors who had travelled for hours.\n\n"
        "The lunar probe carries six instruments that will map water ice near the south pole of the moon.\n\n"
        "Officials said the moon mission is a step towards a crewed lunar landing and a research base on the moon.\n\n"
        "Traffic on the highway back to the city was heavy in the evening.\n";
    const char *title = "China launches lunar probe to hunt for water ice on the moon";

    summ_opts_t o = {.sentences = 2};
    summ_result_t *r = summ_summarize(title, text, &o);
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(r->nsentences, 2);
        /* the key sentence is the third block, not the first */
        int has_key = 0;
        for (size_t k = 0; k < r->nsentences; k++) {
            if (strstr(r->sentences[k], "Chang'e-7")) has_key = 1;
            CHECK(strstr(r->sentences[k], "cold morning") == NULL);
            CHECK(strstr(r->sentences[k], "Traffic") == NULL);
            CHECK(strcmp(r->sentences[k], "Lunar Ambitions") != 0);
        }
        CHECK(has_key);
        /* document order */
        for (size_t k = 1; k < r->nsentences; k++)
            CHECK(index_of(text, r->sentences[k - 1]) < index_of(text, r->sentences[k]));
        CHECK(strstr(r->summary, r->sentences[0]) == r->summary);
        CHECK_STR(r->language, "en");
        CHECK_STR(r->backend, "extractive");
        CHECK(r->ntopics >= 1);
        if (r->ntopics) CHECK_STR(r->topics[0], "space and science");
        json_t *j = summ_result_to_json(r);
        CHECK(json_is_string(json_object_get(j, "summary")));
        CHECK_INT(json_array_size(json_object_get(j, "sentences")), 2);
        CHECK(json_is_array(json_object_get(j, "topics")));
        CHECK_STR(json_string_value(json_object_get(j, "language")), "en");
        CHECK_STR(json_string_value(json_object_get(j, "backend")), "extractive");
        json_decref(j);
    }
    summ_result_destroy(&r);
    CHECK(r == NULL);
    summ_result_destroy(&r);   /* safe twice */

    /* default: 3 sentences; --sentences larger than the text: all candidates */
    r = summ_summarize(NULL, text, NULL);
    CHECK(r && r->nsentences == 3);
    summ_result_destroy(&r);
    o.sentences = 40;
    r = summ_summarize(NULL, text, &o);
    CHECK(r && r->nsentences == 6);     /* every sentence but the heading */
    summ_result_destroy(&r);

    /* headings are never picked, even when they are most of the text */
    r = summ_summarize(NULL, "Moon Probe Launch\n\nMoon Probe Details\n\nThe probe was launched from the coast on Tuesday morning.\n", &o);
    CHECK(r && r->nsentences == 1);
    if (r && r->nsentences == 1) CHECK_STR(r->sentences[0], "The probe was launched from the coast on Tuesday morning.");
    summ_result_destroy(&r);

    /* max_chars: a budget is a budget */
    summ_opts_t oc = {.sentences = 3, .max_chars = 120};
    r = summ_summarize(title, text, &oc);
    CHECK(r && u8len(r->summary) <= 120 && r->nsentences >= 1);
    summ_result_destroy(&r);
    oc.max_chars = 20;
    r = summ_summarize(title, text, &oc);
    CHECK(r && u8len(r->summary) <= 20 && strlen(r->summary) > 0);
    summ_result_destroy(&r);
    /* the budget counts characters, not bytes: 30 Chinese characters are
     * 90 bytes */
    {
        const char *zhs = "\xE4\xB8\xAD\xE5\x9B\xBD\xE4\xBB\x8A\xE5\xA4\xA9\xE5\x8F\x91\xE5\xB0\x84\xE4\xBA\x86\xE4\xB8\x80\xE9\xA2\x97\xE6\x96\xB0\xE7\x9A\x84\xE6\x9C\x88\xE7\x90\x83\xE6\x8E\xA2\xE6\xB5\x8B\xE5\x99\xA8\xE3\x80\x82"
                          "\xE6\x8E\xA2\xE6\xB5\x8B\xE5\x99\xA8\xE5\xB0\x86\xE5\x9C\xA8\xE6\x9C\x88\xE7\x90\x83\xE5\x8D\x97\xE6\x9E\x81\xE5\xAF\xBB\xE6\x89\xBE\xE6\xB0\xB4\xE5\x86\xB0\xE3\x80\x82";
        summ_opts_t oz = {.sentences = 2, .max_chars = 20};   /* the first sentence is 17 characters, 51 bytes */
        r = summ_summarize(NULL, zhs, &oz);
        CHECK(r && r->nsentences == 1 && strlen(r->summary) == 51);
        summ_result_destroy(&r);
        oz.max_chars = 10;                                    /* cut: 9 characters and "…" */
        r = summ_summarize(NULL, zhs, &oz);
        CHECK(r && strlen(r->summary) == 9 * 3 + 3 && strcmp(r->summary + 27, "\xE2\x80\xA6") == 0);
        summ_result_destroy(&r);
    }

    /* empty text: empty summary, still a result */
    r = summ_summarize(NULL, "", NULL);
    CHECK(r != NULL);
    if (r) { CHECK_STR(r->summary, ""); CHECK_INT(r->nsentences, 0); CHECK(r->ntopics == 1); }
    summ_result_destroy(&r);
    /* invalid UTF-8: NULL, not a crash */
    CHECK(summ_summarize(NULL, "bad \xC3\x28 bytes.", NULL) == NULL);
    CHECK(summ_summarize(NULL, NULL, NULL) == NULL);

    /* Chinese text: detected, split on 。, joined without spaces */
    const char *zh = "\xE4\xB8\xAD\xE5\x9B\xBD\xE4\xBB\x8A\xE5\xA4\xA9\xE5\x8F\x91\xE5\xB0\x84\xE4\xBA\x86\xE4\xB8\x80\xE9\xA2\x97\xE6\x96\xB0\xE7\x9A\x84\xE6\x9C\x88\xE7\x90\x83\xE6\x8E\xA2\xE6\xB5\x8B\xE5\x99\xA8\xE3\x80\x82"
                     "\xE6\x8E\xA2\xE6\xB5\x8B\xE5\x99\xA8\xE5\xB0\x86\xE5\x9C\xA8\xE6\x9C\x88\xE7\x90\x83\xE5\x8D\x97\xE6\x9E\x81\xE5\xAF\xBB\xE6\x89\xBE\xE6\xB0\xB4\xE5\x86\xB0\xE3\x80\x82";
    o.sentences = 2;
    r = summ_summarize(NULL, zh, &o);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(r->language, "zh");
        CHECK_INT(r->nsentences, 2);
        CHECK_STR(r->summary, zh);
    }
    summ_result_destroy(&r);
    CHECK_STR(summ_detect_language("Hello world, this is English."), "en");

    /* topics */
    const char *l[2];
    size_t n = summ_topics("China's Wang Yi says deeper US exchanges on the cards after talks with Rubio",
                           "The foreign minister met his counterpart for talks on bilateral relations.", l, 2);
    CHECK(n >= 1 && !strcmp(l[0], "diplomacy"));
    n = summ_topics("Chinese man jailed for spiking colleague's drink",
                    "A court sentenced him to three years in prison after police arrested him.", l, 2);
    CHECK(n >= 1 && !strcmp(l[0], "law"));
    n = summ_topics("Plunging pork and poultry prices put pressure on Chinese farmers",
                    "Prices fell as demand weakened and the market was oversupplied.", l, 2);
    CHECK(n >= 1 && !strcmp(l[0], "economy and trade"));
    n = summ_topics("US calls for closer South Korea, Japan defence ties amid China threat",
                    "The military chiefs discussed missile threats and troops.", l, 2);
    CHECK(n >= 1 && !strcmp(l[0], "military and security"));
    n = summ_topics("Chinese unicorn Moonshot launches AI model in open-source market",
                    "The AI model uses a new software architecture for chatbot apps.", l, 2);
    CHECK(n >= 1 && !strcmp(l[0], "technology"));
    n = summ_topics("China has 60 drugs under trial to rival Ozempic",
                    "Obesity and diabetes patients need medical treatment, doctors say.", l, 2);
    CHECK(n >= 1 && !strcmp(l[0], "health"));
    n = summ_topics("Ancient Silk Road tombs in China join Unesco World Heritage list",
                    "The tombs show the culture of the dynasty.", l, 2);
    CHECK(n >= 1 && !strcmp(l[0], "culture"));
    n = summ_topics("Quarterly results", "Nothing to see here.", l, 2);
    CHECK(n == 1 && !strcmp(l[0], "other"));
    n = summ_topics(NULL, NULL, l, 2);
    CHECK(n == 1 && !strcmp(l[0], "other"));
    return nm_test_done();
}

/* The Markdown digest: sections in order, every title and URL, word count
 * and reading time, translated titles, subheadings, empty day, determinism. */
#include <stdlib.h>

#include "nm_test.h"
#include "pub_digest.h"

static const char *after(const char *hay, const char *needle, const char *from)
{
    const char *p = from ? strstr(from, needle) : NULL;
    (void)hay;
    return p;
}

int main(void)
{
    const char *t1[] = {"space and science"};
    const char *t2[] = {"diplomacy", "military and security"};
    const char *t3[] = {"space and science"};
    pub_digest_article_t a[3] = {
        {.title = "What are China's plans for deep space exploration?",
         .url = "https://example.com/space-plans",
         .source_site = "South China Morning Post", .byline = "Ling Xin",
         .published_at = 1752451200,   /* 2025-07-14 00:00 UTC */
         .text = "China aims to land astronauts on the moon before 2030.\n\n"
                 "What comes next\n\nA research station is planned for 2035.",
         .word_count = 10000, .summary = "China aims to land astronauts on the moon.",
         .summary_backend = "extractive", .topics = t1, .ntopics = 1},
        {.title = "Wang Yi says deeper US exchanges on the cards",
         .url = "https://example.com/wang-yi",
         .source_site = "example.com", .byline = NULL, .published_at = 0,
         .text = "Wang Yi met Rubio in Kuala Lumpur.\n# not a heading in the source, just text.",
         .word_count = 8530, .summary = "\xE7\x8E\x8B\xE6\xAF\x85\xE4\xB8\x8E\xE9\xB2\x81\xE6\xAF\x94\xE5\xA5\xA5\xE4\xBC\x9A\xE8\xB0\x88\xE3\x80\x82",
         .summary_backend = "llm:test",
         .translated_title = "\xE7\x8E\x8B\xE6\xAF\x85\xE8\xA1\xA8\xE7\xA4\xBA",
         .topics = t2, .ntopics = 2},
        {.title = "Tianzhou-9 cargo craft set for resupply mission",
         .url = "https://example.com/tianzhou",
         .source_site = "Xinhua", .byline = "By Staff", .published_at = 1752400000,
         .text = "The cargo craft will dock with Tiangong.", .word_count = 0,
         .summary = NULL, .topics = t3, .ntopics = 1},
    };
    pub_digest_opts_t o = {.title = "English media on China", .date = "2025-07-13",
                           .generated_at = 1752480000 /* 2025-07-14 08:00 UTC */, .words_per_minute = 0};
    char *md = pub_digest_markdown(a, 3, &o);
    CHECK(md != NULL);
    if (!md) return nm_test_done();

    /* first two lines: title with date; date, reading time (18530/213 = 87), words */
    CHECK(strncmp(md, "# English media on China 2025-07-13\n\n", 37) == 0);
    CHECK(strstr(md, "\n*July 14, 2025 \xC2\xB7 87 min read \xC2\xB7 18530 words*\n") != NULL);

    /* sections in order */
    const char *ov = strstr(md, "\n## Overview\n");
    const char *ar = after(md, "\n## Articles\n", ov);
    const char *su = after(md, "\n## Summaries\n", ar);
    const char *ft = after(md, "\n## Full text\n", su);
    CHECK(ov && ar && su && ft);
    if (!(ov && ar && su && ft)) { free(md); return nm_test_done(); }

    /* overview: topics by count, capitalized, with titles */
    CHECK(strstr(ov, "1. Space and science \xE2\x80\x94 2 articles: What are China's plans for deep space exploration?; Tianzhou-9 cargo craft set for resupply mission\n") == ov + strlen("\n## Overview\n\n"));
    CHECK(strstr(ov, "2. Diplomacy \xE2\x80\x94 1 article: Wang Yi says deeper US exchanges on the cards\n") != NULL);
    CHECK(strstr(ov, "3. Military and security \xE2\x80\x94 1 article: ") != NULL);

    /* articles: numbered original titles, in order */
    CHECK(strstr(ar, "1. What are China's plans for deep space exploration?\n2. Wang Yi says deeper US exchanges on the cards\n3. Tianzhou-9 cargo craft set for resupply mission\n") != NULL);

    /* summaries: numbered titles, translated title only when set */
    const char *s1 = strstr(su, "### 1. What are China's plans for deep space exploration?\n\nChina aims to land astronauts on the moon.\n");
    const char *s2 = strstr(su, "### 2. Wang Yi says deeper US exchanges on the cards\n\n\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98: \xE7\x8E\x8B\xE6\xAF\x85\xE8\xA1\xA8\xE7\xA4\xBA\n\n\xE5\x86\x85\xE5\xAE\xB9\xE6\x91\x98\xE8\xA6\x81: ");
    const char *s3 = strstr(su, "### 3. Tianzhou-9");
    CHECK(s1 && s2 && s3 && s1 < s2 && s2 < s3 && s3 < ft);
    /* only one translated title line in the whole digest */
    const char *zh = strstr(md, "\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98");
    CHECK(zh && !strstr(zh + 1, "\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98"));

    /* full text: every title, URL on its own line, meta line, subheading */
    const char *f1 = strstr(ft, "### What are China's plans for deep space exploration?\n\nhttps://example.com/space-plans\n\nSouth China Morning Post \xC2\xB7 By Ling Xin \xC2\xB7 2025-07-14 00:00 UTC\n\nChina aims to land astronauts on the moon before 2030.\n\n#### What comes next\n\nA research station is planned for 2035.\n");
    const char *f2 = strstr(ft, "### Wang Yi says deeper US exchanges on the cards\n\nhttps://example.com/wang-yi\n\nexample.com\n\nWang Yi met Rubio in Kuala Lumpur.\n\n\\# not a heading");
    const char *f3 = strstr(ft, "### Tianzhou-9 cargo craft set for resupply mission\n\nhttps://example.com/tianzhou\n\nXinhua \xC2\xB7 By Staff \xC2\xB7 ");
    CHECK(f1 && f2 && f3 && f1 < f2 && f2 < f3);
    CHECK(md[strlen(md) - 1] == '\n' && md[strlen(md) - 2] != '\n');

    /* deterministic */
    char *again = pub_digest_markdown(a, 3, &o);
    CHECK_STR(again, md);
    free(again);
    free(md);

    /* reading time: custom wpm, rounding, at least a minute */
    a[0].word_count = 250; a[1].word_count = 0; a[2].word_count = 0;
    o.words_per_minute = 200;
    md = pub_digest_markdown(a, 3, &o);
    CHECK(strstr(md, "1 min read \xC2\xB7 250 words*") != NULL);
    free(md);
    a[0].word_count = 30;
    md = pub_digest_markdown(a, 1, &o);
    CHECK(strstr(md, "1 min read \xC2\xB7 30 words*") != NULL);
    free(md);

    /* an article with no topics counts as "other"; newlines in a title don't break lines */
    pub_digest_article_t b = {.title = "Line one\nline two", .url = "https://x.test/", .text = ""};
    md = pub_digest_markdown(&b, 1, &o);
    CHECK(strstr(md, "1. Other \xE2\x80\x94 1 article: Line one line two\n") != NULL);
    CHECK(strstr(md, "### 1. Line one line two\n") != NULL);
    free(md);

    /* empty day */
    md = pub_digest_markdown(NULL, 0, &o);
    CHECK(md != NULL);
    CHECK(strncmp(md, "# English media on China 2025-07-13\n\n*July 14, 2025 \xC2\xB7 0 min read \xC2\xB7 0 words*\n\nNo articles were collected for 2025-07-13.\n", 200) == 0);
    CHECK(strstr(md, "## Overview") == NULL);
    free(md);
    md = pub_digest_markdown(NULL, 0, NULL);
    CHECK(md && strncmp(md, "# Digest\n\n", 10) == 0);
    free(md);
    return nm_test_done();
}

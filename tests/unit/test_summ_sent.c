/* Sentence segmentation on the cases real news text throws at it. */
#include <stdlib.h>

#include "nm_test.h"
#include "summ_sent.h"

/* Split text and compare with the expected sentences (NULL-terminated). */
static void expect(const char *text, const char *const *want, int line)
{
    summ_doc_t d = {0};
    summ_doc_split(text, &d);
    size_t n = 0;
    while (want[n]) n++;
    if (d.n != n) {
        fprintf(stderr, "line %d: %zu sentences, expected %zu:\n", line, d.n, n);
        for (size_t k = 0; k < d.n; k++) fprintf(stderr, "  [%zu] %s\n", k, d.v[k].text);
    }
    CHECK_INT(d.n, n);
    for (size_t k = 0; k < n && k < d.n; k++) CHECK_STR(d.v[k].text, want[k]);
    summ_doc_free(&d);
}
#define EXPECT(text, ...) do { static const char *const w_[] = {__VA_ARGS__, NULL}; expect(text, w_, __LINE__); } while (0)

int main(void)
{
    EXPECT("Mr. Smith met Dr. Jones. They talked.", "Mr. Smith met Dr. Jones.", "They talked.");
    EXPECT("Mrs. Li and St. Paul's arrived on Jan. 5. It rained.",
           "Mrs. Li and St. Paul's arrived on Jan. 5.", "It rained.");
    EXPECT("The U.S. and the U.K. agreed. Talks went on.", "The U.S. and the U.K. agreed.", "Talks went on.");
    EXPECT("Trade with the U.S. The deal was signed.", "Trade with the U.S.", "The deal was signed.");
    EXPECT("Profit rose to US$1.47 billion, up 3.5%. Shares fell.",
           "Profit rose to US$1.47 billion, up 3.5%.", "Shares fell.");
    EXPECT("The book by J. K. Rowling sold well. It was a hit.",
           "The book by J. K. Rowling sold well.", "It was a hit.");
    EXPECT("He ranked No. 1 in the poll. She said no. Then she left.",
           "He ranked No. 1 in the poll.", "She said no.", "Then she left.");
    EXPECT("\"We will win.\" The crowd cheered.", "\"We will win.\"", "The crowd cheered.");
    EXPECT("\xE2\x80\x9CWe will win.\xE2\x80\x9D The crowd cheered.",
           "\xE2\x80\x9CWe will win.\xE2\x80\x9D", "The crowd cheered.");
    EXPECT("\"It is over.\" he said. Fine.", "\"It is over.\" he said.", "Fine.");
    EXPECT("Will it last? \xE2\x80\x98Who knows?\xE2\x80\x99 Nobody.",
           "Will it last?", "\xE2\x80\x98Who knows?\xE2\x80\x99", "Nobody.");
    EXPECT("Prices rose (as expected.) Markets fell.", "Prices rose (as expected.)", "Markets fell.");
    EXPECT("Wait for it... and then it came. Done.", "Wait for it... and then it came.", "Done.");
    EXPECT("It ended\xE2\x80\xA6 Then silence.", "It ended\xE2\x80\xA6", "Then silence.");
    EXPECT("He waited... Nobody came.", "He waited...", "Nobody came.");
    EXPECT("Apple Inc. said sales rose. Acme Corp. The end came.",
           "Apple Inc. said sales rose.", "Acme Corp.", "The end came.");
    EXPECT("See example.com for more. Thanks.", "See example.com for more.", "Thanks.");
    EXPECT("e.g. the best one. Next.", "e.g. the best one.", "Next.");
    /* CJK sentence ends, with closing quotes */
    EXPECT("\xE4\xBB\x96\xE8\xAF\xB4\xE3\x80\x82\xE5\xA5\xBD\xEF\xBC\x81\xE2\x80\x9C\xE6\x98\xAF\xE5\x90\x97\xEF\xBC\x9F\xE2\x80\x9D\xE5\xAF\xB9",
           "\xE4\xBB\x96\xE8\xAF\xB4\xE3\x80\x82", "\xE5\xA5\xBD\xEF\xBC\x81",
           "\xE2\x80\x9C\xE6\x98\xAF\xE5\x90\x97\xEF\xBC\x9F\xE2\x80\x9D", "\xE5\xAF\xB9");
    /* whitespace collapses; hard-wrapped lines join */
    EXPECT("One  sentence\nwrapped over\nthree lines. Two.", "One sentence wrapped over three lines.", "Two.");
    /* more news shapes */
    EXPECT("Former President George W. Bush spoke. He left.", "Former President George W. Bush spoke.", "He left.");
    EXPECT("The meeting ended at 5 p.m. on Friday. Talks resume Monday.",
           "The meeting ended at 5 p.m. on Friday.", "Talks resume Monday.");
    EXPECT("Shares rose 2.5 per cent to HK$312.40 on Monday. Analysts were surprised.",
           "Shares rose 2.5 per cent to HK$312.40 on Monday.", "Analysts were surprised.");
    EXPECT("He said: \xE2\x80\x9CWe will see\xE2\x80\xA6\xE2\x80\x9D The talks ended.",
           "He said: \xE2\x80\x9CWe will see\xE2\x80\xA6\xE2\x80\x9D", "The talks ended.");
    EXPECT("(The figures are provisional.) Officials declined to comment.",
           "(The figures are provisional.)", "Officials declined to comment.");
    EXPECT("Gen. Li and Sen. Warren met in Washington. Both spoke.",
           "Gen. Li and Sen. Warren met in Washington.", "Both spoke.");
    /* Japanese: 。 with 「」 closing quotes */
    EXPECT("\xE3\x80\x8C\xE9\x9B\xA8\xE3\x81\xA0\xE3\x80\x82\xE3\x80\x8D\xE7\xA9\xBA\xE3\x81\xAF\xE6\x9A\x97\xE3\x81\x84\xE3\x80\x82",
           "\xE3\x80\x8C\xE9\x9B\xA8\xE3\x81\xA0\xE3\x80\x82\xE3\x80\x8D",
           "\xE7\xA9\xBA\xE3\x81\xAF\xE6\x9A\x97\xE3\x81\x84\xE3\x80\x82");

    /* blocks and headings */
    summ_doc_t d = {0};
    summ_doc_split("Headline Of The Story\n\nFirst paragraph here. Second one.\n\n"
                   "A subheading\nBody text follows the subheading directly. More body.\n", &d);
    CHECK_INT(d.n, 6);
    if (d.n == 6) {
        CHECK(d.v[0].heading);
        CHECK_STR(d.v[0].text, "Headline Of The Story");
        CHECK(!d.v[1].heading);
        CHECK_INT(d.v[1].block, 1);
        CHECK_INT(d.v[2].block, 1);
        CHECK(d.v[3].heading);
        CHECK_STR(d.v[3].text, "A subheading");
        CHECK(!d.v[4].heading);
        CHECK_STR(d.v[4].text, "Body text follows the subheading directly.");
    }
    CHECK_INT(d.nblocks, 4);
    summ_doc_free(&d);
    CHECK(summ_is_heading("What comes next"));
    CHECK(!summ_is_heading("It rained."));
    CHECK(!summ_is_heading("Here is what we know:"));

    /* empty and degenerate input */
    summ_doc_split("", &d);
    CHECK_INT(d.n, 0);
    summ_doc_free(&d);
    summ_doc_split("\n\n   \n", &d);
    CHECK_INT(d.n, 0);
    summ_doc_free(&d);
    summ_doc_split("...!?", &d);
    CHECK_INT(d.n, 1);
    summ_doc_free(&d);
    return nm_test_done();
}

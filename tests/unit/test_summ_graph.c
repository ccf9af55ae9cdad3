/* The summarizer's fast paths give exactly what their reference forms give:
 * the sparse sentence graph (inverted index, adjacency lists) the same
 * centrality, to the bit, as the dense all-pairs matrix, so the same
 * ranking; token ids the same tokens as the string tokenizer. On fixed
 * texts, a synthetic document past the graph's size cap, and (when
 * ../shared/corpus is present) every article of summaries-dev. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_test.h"
#include "summ.h"
#include "summ_tok.h"

/* 1 if sparse and dense centrality agree bit for bit on text */
static int same_centrality(const char *text, const char *language, size_t *nsent, int *has_best)
{
    summ_doc_t doc = {0};
    summ_doc_split(text, &doc);
    double *a = summ_centrality(&doc, language, 0), *b = summ_centrality(&doc, language, 1);
    int same = memcmp(a, b, (doc.n ? doc.n : 1) * sizeof *a) == 0;
    if (!same)
        for (size_t k = 0; k < doc.n; k++)
            if (a[k] != b[k]) {
                fprintf(stderr, "sentence %zu: sparse %.17g dense %.17g\n", k, a[k], b[k]);
                break;
            }
    *has_best = 0;
    for (size_t k = 0; k < doc.n; k++)
        if (a[k] == 1.0) *has_best = 1;
    *nsent = doc.n;
    free(a);
    free(b);
    summ_doc_free(&doc);
    return same;
}

/* ids and strings name the same tokens, in the same order */
static int same_tokens(summ_tokenizer_t *ti, summ_tokenizer_t *ts, const char *s)
{
    summ_ids_t ids = {0};
    summ_tokens_t toks = {0};
    summ_tokenize_ids(ti, s, &ids);
    summ_tokenize(ts, s, &toks);
    int same = ids.n == toks.n;
    for (size_t k = 0; same && k < ids.n; k++) {
        const char *t = summ_tokenizer_token(ti, ids.v[k]);
        same = t && strcmp(t, toks.v[k]) == 0;
    }
    summ_ids_free(&ids);
    summ_tokens_free(&toks);
    return same;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = '\0';
    fclose(f);
    return b;
}

static void corpus(void)
{
    const char *src = getenv("NM_SOURCE_DIR");
    if (!src) return;
    static const char *const cats[] = {"business", "entertainment", "politics", "sport", "tech"};
    int docs = 0, same = 0, toks_same = 0;
    for (size_t c = 0; c < sizeof cats / sizeof cats[0]; c++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/../shared/corpus/summaries-dev/articles/%s", src, cats[c]);
        DIR *d = opendir(dir);
        if (!d) continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strstr(de->d_name, ".txt")) continue;
            char path[1300];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            char *text = read_file(path);
            if (!text) continue;
            size_t n;
            int best;
            docs++;
            same += same_centrality(text, "en", &n, &best);
            summ_tokenizer_t *ti = summ_tokenizer_new("en"), *ts = summ_tokenizer_new("en");
            toks_same += same_tokens(ti, ts, text);
            summ_tokenizer_destroy(&ti);
            summ_tokenizer_destroy(&ts);
            free(text);
        }
        closedir(d);
    }
    fprintf(stderr, "summaries-dev: %d articles, centrality equal in %d, tokens equal in %d\n", docs, same, toks_same);
    CHECK_INT(same, docs);
    CHECK_INT(toks_same, docs);
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
    size_t n;
    int best;
    CHECK(same_centrality(text, "en", &n, &best));
    CHECK_INT(n, 7);
    CHECK(best);
    /* the ranking it implies: a lunar-probe sentence is the most central */
    {
        summ_doc_t doc = {0};
        summ_doc_split(text, &doc);
        double *c = summ_centrality(&doc, "en", 0);
        size_t top = 0;
        for (size_t k = 1; k < doc.n; k++)
            if (c[k] > c[top]) top = k;
        CHECK(strstr(doc.v[top].text, "lunar") != NULL);
        CHECK(c[0] == 0);   /* the heading is never a candidate */
        free(c);
        summ_doc_free(&doc);
    }
    /* Chinese: one token per character */
    CHECK(same_centrality("\xE4\xB8\xAD\xE5\x9B\xBD\xE4\xBB\x8A\xE5\xA4\xA9\xE5\x8F\x91\xE5\xB0\x84\xE4\xBA\x86"
                          "\xE4\xB8\x80\xE9\xA2\x97\xE6\x96\xB0\xE7\x9A\x84\xE6\x9C\x88\xE7\x90\x83\xE6\x8E\xA2"
                          "\xE6\xB5\x8B\xE5\x99\xA8\xE3\x80\x82\xE6\x8E\xA2\xE6\xB5\x8B\xE5\x99\xA8\xE5\xB0\x86"
                          "\xE5\x9C\xA8\xE6\x9C\x88\xE7\x90\x83\xE5\x8D\x97\xE6\x9E\x81\xE5\xAF\xBB\xE6\x89\xBE"
                          "\xE6\xB0\xB4\xE5\x86\xB0\xE3\x80\x82",
                          "zh", &n, &best));
    CHECK(same_centrality("", "en", &n, &best) && n == 0);

    /* past the graph cap (400 sentences), with a small vocabulary so the
     * graph is dense: both forms must still agree */
    {
        static const char *const W[] = {"probe", "moon", "water", "rocket", "launch", "station", "crew",
                                        "orbit", "mission", "data", "signal", "engine", "landing", "sample"};
        char *big = malloc(600 * 120);
        size_t len = 0;
        unsigned x = 12345;
        for (int s = 0; s < 600; s++) {
            for (int w = 0; w < 9; w++) {
                x = x * 1103515245u + 12345u;
                len += (size_t)sprintf(big + len, "%s%s", w ? " " : "", W[(x >> 16) % 14]);
            }
            len += (size_t)sprintf(big + len, ".\n\n");
        }
        CHECK(same_centrality(big, "en", &n, &best));
        CHECK_INT(n, 600);
        CHECK(best);
        free(big);
    }

    /* tokens: ids name what the string tokenizer returns, stopwords and
     * stems included, and a repeated word keeps its id */
    {
        summ_tokenizer_t *ti = summ_tokenizer_new("en"), *ts = summ_tokenizer_new("en");
        CHECK(same_tokens(ti, ts, text));
        CHECK(same_tokens(ti, ts, "The launches LAUNCHED launching, caf\xC3\xA9 na\xC3\xAFve \xE4\xB8\xAD\xE5\x9B\xBD 3.5%"));
        summ_ids_t a = {0}, b = {0};
        summ_tokenize_ids(ti, "probes probe", &a);
        summ_tokenize_ids(ti, "the probe", &b);
        CHECK(a.n == 2 && b.n == 1);
        if (a.n == 2 && b.n == 1) {
            CHECK(a.v[0] == a.v[1] && a.v[0] == b.v[0]);
            CHECK_STR(summ_tokenizer_token(ti, b.v[0]), "probe");
        }
        CHECK(summ_tokenizer_token(ti, summ_tokenizer_nids(ti)) == NULL);
        summ_ids_free(&a);
        summ_ids_free(&b);
        summ_tokenizer_destroy(&ti);
        summ_tokenizer_destroy(&ts);
    }

    corpus();
    return nm_test_done();
}

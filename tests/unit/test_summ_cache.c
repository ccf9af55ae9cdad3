/* The tokenizer's stem cache (summ_tok.c) never changes a token: a
 * tokenizer holding the shared cache, a private one made while it is held,
 * tokenizers after the cache has emptied itself (past 65,536 words), one
 * that hands out ids across that size (its ids must stay valid), and
 * tokenizers on two threads at once all give what a fresh tokenizer gives. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_test.h"
#include "summ_tok.h"

static const char *const TEXT =
    "China launched its Chang'e-7 lunar probe on Tuesday; the probes' launches were LAUNCHED "
    "from Wenchang. Officials said the mission's instruments will map water ice. caf\xC3\xA9 "
    "na\xC3\xAFve \xE4\xB8\xAD\xE5\x9B\xBD 3.5% rocketry rockets Rocket";

/* The tokens of s joined by spaces, from a tokenizer of its own. */
static char *joined(summ_tokenizer_t *t, const char *s)
{
    summ_tokens_t toks = {0};
    summ_tokenize(t, s, &toks);
    size_t n = 1;
    for (size_t k = 0; k < toks.n; k++) n += strlen(toks.v[k]) + 1;
    char *out = calloc(1, n);
    for (size_t k = 0; k < toks.n; k++) {
        if (k) strcat(out, " ");
        strcat(out, toks.v[k]);
    }
    summ_tokens_free(&toks);
    return out;
}

/* The same, as ids named back through summ_tokenizer_token. */
static char *joined_ids(summ_tokenizer_t *t, const char *s)
{
    summ_ids_t ids = {0};
    summ_tokenize_ids(t, s, &ids);
    size_t n = 1;
    for (size_t k = 0; k < ids.n; k++) n += strlen(summ_tokenizer_token(t, ids.v[k])) + 1;
    char *out = calloc(1, n);
    for (size_t k = 0; k < ids.n; k++) {
        if (k) strcat(out, " ");
        strcat(out, summ_tokenizer_token(t, ids.v[k]));
    }
    summ_ids_free(&ids);
    return out;
}

/* n distinct letter-only words ("zqaaaa" ...), from offset from */
static char *words(size_t from, size_t n)
{
    char *b = malloc(n * 8 + 1), *p = b;
    for (size_t i = from; i < from + n; i++) {
        size_t x = i;
        *p++ = 'z';
        *p++ = 'q';
        for (int d = 0; d < 4; d++) { *p++ = (char)('a' + x % 26); x /= 26; }
        *p++ = ' ';
    }
    *p = '\0';
    return b;
}

static char *expected;

static void *thread_main(void *arg)
{
    int *bad = arg;
    for (int i = 0; i < 300; i++) {
        summ_tokenizer_t *t = summ_tokenizer_new("en");
        char *got = i % 2 ? joined_ids(t, TEXT) : joined(t, TEXT);
        *bad += strcmp(got, expected) != 0;
        free(got);
        summ_tokenizer_destroy(&t);
    }
    return NULL;
}

int main(void)
{
    /* the reference: a tokenizer on a cold cache */
    summ_tokenizer_t *a = summ_tokenizer_new("en");
    expected = joined(a, TEXT);
    CHECK_STR(expected, "china launch chang e 7 lunar probe tuesday probe launch launch wenchang offici "
                        "mission instrument map water ice caf\xC3\xA9 na\xC3\xAFv \xE4\xB8\xAD \xE5\x9B\xBD "
                        "3 5 rocketri rocket rocket");
    /* a second tokenizer while the first holds the cache: its own cache */
    summ_tokenizer_t *b = summ_tokenizer_new("en");
    char *s = joined_ids(b, TEXT);
    CHECK_STR(s, expected);
    free(s);
    summ_tokenizer_destroy(&b);
    summ_tokenizer_destroy(&a);

    /* warm cache, ids numbered from 0 in first-seen order */
    a = summ_tokenizer_new("en");
    summ_ids_t ids = {0};
    summ_tokenize_ids(a, "rockets probe ROCKET the probes", &ids);
    CHECK_INT(ids.n, 4);
    if (ids.n == 4) {
        CHECK(ids.v[0] == 0 && ids.v[1] == 1 && ids.v[2] == 0 && ids.v[3] == 1);
        CHECK_STR(summ_tokenizer_token(a, 0), "rocket");
    }
    CHECK_INT(summ_tokenizer_nids(a), 2);
    summ_ids_free(&ids);
    summ_tokenizer_destroy(&a);

    /* past the cache's size: a string tokenizer lets it empty itself
     * whenever it grows too big, and every token is still right */
    char *many = words(0, 150000);
    a = summ_tokenizer_new("en");
    summ_tokens_t toks = {0};
    summ_tokenize(a, many, &toks);
    CHECK_INT(toks.n, 150000);
    if (toks.n == 150000) {
        CHECK_STR(toks.v[0], "zqaaaa");
        CHECK_STR(toks.v[149999], "zqfxni");
    }
    summ_tokens_free(&toks);
    s = joined(a, TEXT);
    CHECK_STR(s, expected);
    free(s);
    summ_tokenizer_destroy(&a);

    /* an id tokenizer across that size keeps every id it handed out: each
     * names what a string tokenizer (its own cache: the shared one is
     * held) gives for the same word */
    a = summ_tokenizer_new("en");
    b = summ_tokenizer_new("en");
    summ_tokenize_ids(a, "probes", &ids);
    summ_tokenize_ids(a, many, &ids);
    summ_tokenize_ids(a, "probe zqaaaa", &ids);
    summ_tokenize(b, "probes", &toks);
    summ_tokenize(b, many, &toks);
    summ_tokenize(b, "probe zqaaaa", &toks);
    CHECK_INT(ids.n, 150003);
    CHECK_INT(toks.n, 150003);
    size_t same = 0;
    for (size_t k = 0; k < ids.n && k < toks.n; k++) {
        const char *t = summ_tokenizer_token(a, ids.v[k]);
        same += t && strcmp(t, toks.v[k]) == 0;
    }
    CHECK_INT(same, 150003);
    CHECK(summ_tokenizer_nids(a) > 100000);
    if (ids.n == 150003) CHECK(ids.v[0] == 0 && ids.v[150001] == 0 && ids.v[150002] == 1);
    CHECK_STR(summ_tokenizer_token(a, 0), "probe");
    CHECK_STR(summ_tokenizer_token(a, 1), "zqaaaa");
    summ_ids_free(&ids);
    summ_tokens_free(&toks);
    summ_tokenizer_destroy(&b);
    summ_tokenizer_destroy(&a);
    /* and the next tokenizer, on a cache that has just emptied, agrees */
    a = summ_tokenizer_new("en");
    s = joined_ids(a, TEXT);
    CHECK_STR(s, expected);
    free(s);
    summ_tokenizer_destroy(&a);
    free(many);

    /* other languages get caches of their own; no stopwords outside English */
    a = summ_tokenizer_new("french");
    s = joined(a, "Les fus\xC3\xA9\x65s lunaires");
    CHECK_STR(s, "le fus lunair");
    free(s);
    summ_tokenizer_destroy(&a);

    /* two threads making and using tokenizers at once */
    int bad[2] = {0, 0};
    pthread_t th[2];
    for (int k = 0; k < 2; k++) pthread_create(&th[k], NULL, thread_main, &bad[k]);
    for (int k = 0; k < 2; k++) pthread_join(th[k], NULL);
    CHECK_INT(bad[0] + bad[1], 0);

    free(expected);
    return nm_test_done();
}

/* summ_tok: UTF-8 helpers, language guess and the tokenizer the ranker uses.
 *
 * Tokens are lowercased words (ASCII letters and digits plus any non-ASCII
 * letter), English stopwords dropped when the language is English, stemmed
 * with libstemmer when it knows the language; each CJK character (Han, kana,
 * Hangul) is a token of its own. Tokenizing never fails on valid UTF-8 and
 * skips invalid bytes. Tokenizers may be used from several threads, each
 * tokenizer by one thread at a time. */
#ifndef SUMM_TOK_H
#define SUMM_TOK_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point at s[*i] (len bytes total) and advance *i. Invalid
 * or truncated sequences yield U+FFFD and advance one byte. */
uint32_t summ_utf8_next(const char *s, size_t len, size_t *i);
/* 1 if s[0..len) is valid UTF-8 without NUL bytes, else 0. */
int summ_utf8_valid(const char *s, size_t len);
/* Han, kana, Hangul, CJK punctuation. */
int summ_is_cjk(uint32_t cp);

/* "zh", "ja", "ko" when that script dominates the letters, else "en".
 * Returns a static string. */
const char *summ_detect_language(const char *text);

typedef struct summ_tokenizer summ_tokenizer_t;

/* language: ISO 639-1 code or libstemmer name; NULL = "en". */
summ_tokenizer_t *summ_tokenizer_new(const char *language);
void summ_tokenizer_destroy(summ_tokenizer_t **t_p);

typedef struct {
    char **v;
    size_t n, cap;
} summ_tokens_t;

/* Append the tokens of s to out; returns how many were appended. */
size_t summ_tokenize(summ_tokenizer_t *t, const char *s, summ_tokens_t *out);

typedef struct {
    size_t *v;
    size_t n, cap;
} summ_ids_t;

/* The same tokens as summ_tokenize, as ids: each distinct token gets the
 * next id (0, 1, ...) the first time this tokenizer sees it, and keeps it
 * for the tokenizer's life. Appends to out; returns how many were appended.
 * Fast path for the ranker: no allocation per token; a word is stemmed and
 * stopword-checked once per process, not once per document (a stem cache
 * per language, shared by the tokenizers made one after another and
 * emptied past 65,536 words while its holder has handed out no ids; a
 * tokenizer made while another holds it gets a cache of its own). Memory
 * grows with the distinct words a tokenizer numbers: use one per document. */
size_t summ_tokenize_ids(summ_tokenizer_t *t, const char *s, summ_ids_t *out);
/* How many distinct ids summ_tokenize_ids has handed out. */
size_t summ_tokenizer_nids(const summ_tokenizer_t *t);
/* The token of an id (NUL-terminated, valid until the tokenizer is
 * destroyed), or NULL if id was never handed out. */
const char *summ_tokenizer_token(const summ_tokenizer_t *t, size_t id);
void summ_ids_free(summ_ids_t *ids);
/* Words as a reader counts them: runs of letters/digits; a CJK char counts 1. */
size_t summ_word_count(const char *s);
/* The same for s[0..len), counting no further than max + 1: enough to
 * compare with max. */
size_t summ_word_count_n(const char *s, size_t len, size_t max);
void summ_tokens_free(summ_tokens_t *toks);

#endif

/* summ: offline extractive summaries of news articles.
 *
 * Promise: for any valid UTF-8 text, summ_summarize returns a result (never
 * NULL); empty text gives an empty summary. Sentences are chosen by a score
 * mixing graph centrality (TextRank's PageRank over sentence overlap),
 * coverage of and similarity to the document's TF-IDF centroid, similarity
 * to the title (and, optionally, position), with MMR-style redundancy
 * removal, and
 * are returned in document order. Headings (short blocks without terminal
 * punctuation) and fragments are never chosen. Work is bounded: the first
 * SUMM_MAX_INPUT bytes are considered.
 *
 * Thread-safe: no shared mutable state beyond a stopword table and the
 * topic keyword index, each built once, and the tokenizer's stem caches
 * (one holder at a time, see summ_tok.h).
 *
 * Cost: about 0.6 ms of CPU per news article (bench/bench_stages; see
 * bench/RESULTS.md "Summarizer CPU, round 2"): the sentence graph is sparse
 * (an inverted index over the sentences' terms), tokens are ids, and a word
 * is stemmed once per process, not per document (summ_tok.h). */
#ifndef SUMM_H
#define SUMM_H

#include <jansson.h>
#include <stddef.h>

#include "summ_sent.h"

#define SUMM_MAX_INPUT (4u << 20)
#define SUMM_DEFAULT_SENTENCES 3
#define SUMM_MAX_PICK 50

typedef struct {
    int sentences;          /* 0 = 3; capped at SUMM_MAX_PICK */
    int max_chars;          /* 0 = no cap; else the summary's budget in characters
                             * (code points: a Chinese summary of ~200 characters
                             * is max_chars 200), "…" included when cut */
    const char *language;   /* NULL = detect ("en" unless CJK dominates) */
} summ_opts_t;

typedef struct {
    char *summary;          /* chosen sentences joined, in document order */
    char **sentences;
    size_t nsentences;
    char **topics;          /* 1..2 labels, see summ_topic.h */
    size_t ntopics;
    char *language;
    char *backend;          /* "extractive" */
} summ_result_t;

/* NULL only when text is NULL or not valid UTF-8. title may be NULL. */
summ_result_t *summ_summarize(const char *title, const char *text, const summ_opts_t *opts);
void summ_result_destroy(summ_result_t **r_p);
/* {"summary", "sentences", "topics", "language", "backend"}; caller owns. */
json_t *summ_result_to_json(const summ_result_t *r);

/* ---- for evaluation and tuning (bench/score_summaries.c) ---- */

typedef struct {
    double position;    /* weight of the lead prior 1/sqrt(1 + rank among candidates) */
    double centroid;    /* weight of cosine to the document centroid */
    double title;       /* weight of cosine to the title */
    double coverage;    /* weight of the centroid mass a sentence covers (favours full sentences) */
    double centrality;  /* weight of LexRank centrality (PageRank on the cosine graph) */
    double redundancy;  /* MMR penalty: max cosine to an already chosen sentence */
} summ_weights_t;

extern const summ_weights_t summ_default_weights;

/* Choose up to want sentences of doc; writes their indexes to pick in
 * choice order (best first) and returns how many. max_chars as above. */
size_t summ_rank(const summ_doc_t *doc, const char *title, const char *language,
                 const summ_weights_t *w, size_t want, int max_chars, size_t *pick);
/* The graph centrality summ_rank uses (LexRank/TextRank PageRank over
 * sentence similarity), per sentence of doc, scaled so the best candidate
 * is 1; 0 for sentences that are not candidates. dense = 1 computes it the
 * slow reference way (all pairs, full matrix), which must agree to the bit.
 * Caller frees (doc->n entries). */
double *summ_centrality(const summ_doc_t *doc, const char *language, int dense);
/* A sentence the ranker may choose: not a heading, long enough. */
int summ_is_candidate(const summ_sentence_t *s);

#endif

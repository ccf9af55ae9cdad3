/* summ_sent: blocks and sentences of extracted news text.
 *
 * Blocks are separated by blank lines; inside a block, a line break also
 * starts a new block after a sentence end or after a heading-like line
 * (short, no terminal punctuation, clearly shorter than its neighbours), so
 * both `newsmill extract` text and hard-wrapped plain text work. A heading
 * block is short and lacks terminal punctuation; its sentence is marked.
 *
 * Sentence ends: . ! ? … and ..., followed by space and not by a lowercase
 * word; closing quotes and brackets stay with the sentence they close.
 * Abbreviations (Mr., Dr., Jan., No. 5, etc.), initials (J. K. Rowling),
 * dotted acronyms (U.S., U.K.) and decimals (US$1.47, 3.5%) do not end a
 * sentence unless a typical sentence opener follows ("... in the U.S. The").
 * CJK 。！？ always end one (with their closing quotes).
 *
 * Caps: at most SUMM_MAX_SENTENCES sentences; the rest of the text is
 * ignored. Whitespace inside a sentence is collapsed to single spaces. */
#ifndef SUMM_SENT_H
#define SUMM_SENT_H

#include <stddef.h>

#define SUMM_MAX_SENTENCES 20000

typedef struct {
    char *text;      /* NUL-terminated, trimmed */
    size_t block;    /* index of the block it came from */
    int heading;     /* the block looks like a heading */
} summ_sentence_t;

typedef struct {
    summ_sentence_t *v;
    size_t n, cap;
    size_t nblocks;
} summ_doc_t;

/* Split text into sentences (appended to a zeroed doc). Returns 0; never
 * fails on valid UTF-8 (invalid bytes are carried through). */
int summ_doc_split(const char *text, summ_doc_t *doc);
void summ_doc_free(summ_doc_t *doc);

/* 1 if a block of this text would be taken as a heading. */
int summ_is_heading(const char *block);

#endif

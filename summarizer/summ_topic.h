/* summ_topic: rule-based topic labels for the digest overview.
 *
 * Labels: "space and science", "diplomacy", "technology", "economy and
 * trade", "society", "military and security", "health", "law", "culture",
 * or "other" when nothing matches clearly. Each label has an English keyword
 * table (a trailing '*' matches a prefix); a label scores 3 per title hit
 * plus 1 per text hit (each keyword counted at most 3 times in the text).
 * The best label is kept when it scores at least 3; a second one when it
 * scores at least 4 and half the best. Deterministic; ties keep table order. */
#ifndef SUMM_TOPIC_H
#define SUMM_TOPIC_H

#include <stddef.h>

/* Write up to max (>= 1) labels, best first, as static strings; returns how
 * many (at least 1: "other"). title and text may be NULL. */
size_t summ_topics(const char *title, const char *text, const char **labels, size_t max);

#endif

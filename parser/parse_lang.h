/* parse_lang: stopword/script-based language identification for article
 * text (see parse_lang.c). */
#ifndef PARSE_LANG_H
#define PARSE_LANG_H

/* A BCP 47 primary language tag ("en", "de", "zh"...) or NULL if unsure. */
const char *parse_lang_detect(const char *text);

#endif

/* summ_llm_impl: what the summ_llm_*.c files share; not part of the API. */
#ifndef SUMM_LLM_IMPL_H
#define SUMM_LLM_IMPL_H

#include <jansson.h>
#include <stddef.h>

#include "nm_buf.h"

extern const char *const summ_llm_topic_labels[];

typedef struct {
    char *system;   /* "" when the template has no [system] part */
    char *user;
} summ_llm_template_t;

/* Split a template file into its [system] and [user] messages ('#' lines
 * are comments; text before any section header belongs to [user]). */
int summ_llm_template_parse(const char *file, summ_llm_template_t *t, char *err, size_t errlen);
void summ_llm_template_free(summ_llm_template_t *t);

/* What one HTTP answer said. */
typedef struct {
    nm_buf_t content;        /* assistant message (joined deltas when streamed) */
    char finish_reason[32];
    int total_tokens;
    int prompt_tokens, completion_tokens;  /* usage split, when the server gives it */
    int saw_choice;
    int done;                /* SSE [DONE] seen */
    char *error;             /* why the reply is unusable */
} summ_llm_reply_t;

void summ_llm_reply_init(summ_llm_reply_t *r);
void summ_llm_reply_free(summ_llm_reply_t *r);
int summ_llm_reply_parse_json(const char *body, size_t len, summ_llm_reply_t *r);
int summ_llm_reply_parse_sse(const char *body, size_t len, summ_llm_reply_t *r);
/* {"error": ...} message as one printable line (caller frees) or NULL;
 * code receives error.code (or "insufficient_quota" from error.type). */
char *summ_llm_error_message(json_t *root, char *code, size_t codelen);

size_t summ_llm_u8_chars(const char *s);
int summ_llm_lang_is_cjk(const char *lang);

#endif

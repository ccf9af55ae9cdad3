/* nm_buf: a growable byte buffer with a hard cap.
 *
 * Every buffer fed from the network has a cap; appends past it fail with -1
 * and leave the buffer as it was, so callers can report "too large" cleanly.
 * The data is always NUL-terminated (not counted in len). Out of memory
 * aborts (nm_oom), by policy, in one place. */
#ifndef NM_BUF_H
#define NM_BUF_H

#include <stddef.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;      /* allocated */
    size_t limit;    /* 0 = no limit */
} nm_buf_t;

void nm_buf_init(nm_buf_t *b, size_t limit);
void nm_buf_free(nm_buf_t *b);
void nm_buf_reset(nm_buf_t *b);
/* 0 on success, -1 if the result would exceed the limit. */
int nm_buf_append(nm_buf_t *b, const void *data, size_t len);
int nm_buf_puts(nm_buf_t *b, const char *s);
int nm_buf_printf(nm_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (who frees it); the buffer is left empty. */
char *nm_buf_steal(nm_buf_t *b);

/* Abort with a message: the one place out-of-memory ends the process. */
void nm_oom(void) __attribute__((noreturn));
void *nm_malloc(size_t n);
void *nm_calloc(size_t n, size_t size);
void *nm_realloc(void *p, size_t n);
char *nm_strdup(const char *s);
char *nm_strndup(const char *s, size_t n);

#endif

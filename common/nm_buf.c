#include "nm_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void nm_oom(void)
{
    static const char msg[] = "newsmill: out of memory\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    abort();
}

void *nm_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        nm_oom();
    return p;
}

void *nm_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        nm_oom();
    return p;
}

void *nm_realloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        nm_oom();
    return p;
}

char *nm_strdup(const char *s)
{
    return nm_strndup(s, strlen(s));
}

char *nm_strndup(const char *s, size_t n)
{
    char *p = nm_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void nm_buf_init(nm_buf_t *b, size_t limit)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->limit = limit;
}

void nm_buf_free(nm_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void nm_buf_reset(nm_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int buf_reserve(nm_buf_t *b, size_t extra)
{
    if (extra > (size_t)-1 / 2 - b->len)
        return -1;
    size_t need = b->len + extra + 1;
    if (b->limit && b->len + extra > b->limit)
        return -1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->data = nm_realloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int nm_buf_append(nm_buf_t *b, const void *data, size_t len)
{
    if (buf_reserve(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int nm_buf_puts(nm_buf_t *b, const char *s)
{
    return nm_buf_append(b, s, strlen(s));
}

int nm_buf_printf(nm_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *nm_buf_steal(nm_buf_t *b)
{
    char *p = b->data ? b->data : nm_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

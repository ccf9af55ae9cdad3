#include "parse_body.h"
#include "nm_buf.h"

#include <brotli/decode.h>
#include <ctype.h>
#include <libdeflate.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX (8u * 1024 * 1024)
#define KEEP_BYTES (2u * 1024 * 1024)   /* a buffer larger than this is not kept for the next page */
#define MAX_DEFLATE_RATIO 1032u          /* DEFLATE cannot expand more than this: a larger ISIZE lies */
#define MAX_CODINGS 4                    /* "gzip, br" is already rare; more is an attack */

typedef struct {
    uint8_t *data;
    size_t cap;      /* usable bytes; one more is allocated for the NUL */
} dbuf_t;

struct parse_body {
    size_t max;
    struct libdeflate_decompressor *inflater;
    dbuf_t buf[2];   /* stacked encodings decode from one into the other */
};

parse_body_t *parse_body_new(size_t max_bytes)
{
    parse_body_t *b = nm_calloc(1, sizeof *b);
    b->max = max_bytes ? max_bytes : DEFAULT_MAX;
    b->inflater = libdeflate_alloc_decompressor();
    if (!b->inflater)
        nm_oom();
    return b;
}

void parse_body_destroy(parse_body_t **b_p)
{
    parse_body_t *b = b_p ? *b_p : NULL;
    if (!b)
        return;
    libdeflate_free_decompressor(b->inflater);
    free(b->buf[0].data);
    free(b->buf[1].data);
    free(b);
    *b_p = NULL;
}

size_t parse_body_held(const parse_body_t *b)
{
    return (b->buf[0].data ? b->buf[0].cap + 1 : 0) + (b->buf[1].data ? b->buf[1].cap + 1 : 0);
}

/* Grow o to hold at least n bytes (never past max), keeping its contents. */
static void dbuf_reserve(dbuf_t *o, size_t n, size_t max)
{
    if (n > max)
        n = max;
    if (o->data && o->cap >= n)
        return;
    o->data = nm_realloc(o->data, n + 1);
    o->cap = n;
}

/* The next size to try after the output did not fit: double, up to max. */
static size_t grown(size_t cap, size_t max)
{
    size_t n = cap < 65536 ? 65536 : (cap > max / 2 ? max : cap * 2);
    return n > max ? max : n;
}

static int too_large(const parse_body_t *b, char *err, size_t errlen)
{
    snprintf(err, errlen, "too large: body exceeds %zu bytes (decoded)", b->max);
    return -1;
}

/* A first guess at the decoded size: ISIZE (the size mod 2^32 of the last
 * member, as the sender claims it) when it is plausible, else 4x the input.
 * Only a guess: the output buffer grows on demand and stops at the cap. */
static size_t gzip_guess(const uint8_t *in, size_t len, size_t max)
{
    size_t guess = len * 4;
    if (len >= 18) {
        const uint8_t *t = in + len - 4;
        size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
        if (isize > 0 && isize / MAX_DEFLATE_RATIO <= len)
            guess = isize;
    }
    return guess < max ? guess : max;
}

static int gunzip(parse_body_t *b, dbuf_t *o, const uint8_t *in, size_t len, size_t *out_len,
                  char *err, size_t errlen)
{
    size_t done = 0, pos = 0;
    int members = 0;
    dbuf_reserve(o, gzip_guess(in, len, b->max), b->max);
    while (pos < len) {
        if (len - pos < 2 || in[pos] != 0x1f || in[pos + 1] != 0x8b) {
            if (members > 0)
                break;   /* trailing bytes after a complete member: ignored, as gzip(1) and browsers do */
            snprintf(err, errlen, "bad content encoding: not gzip data");
            return -1;
        }
        for (;;) {
            size_t in_used = 0, out_used = 0;
            enum libdeflate_result r = libdeflate_gzip_decompress_ex(b->inflater, in + pos, len - pos,
                                                                     o->data + done, o->cap - done,
                                                                     &in_used, &out_used);
            if (r == LIBDEFLATE_SUCCESS) {
                done += out_used;
                pos += in_used;
                members++;
                break;
            }
            if (r != LIBDEFLATE_INSUFFICIENT_SPACE) {
                snprintf(err, errlen, "bad content encoding: gzip data corrupt or truncated");
                return -1;
            }
            if (o->cap >= b->max)
                return too_large(b, err, errlen);
            dbuf_reserve(o, grown(o->cap, b->max), b->max);   /* this member again, into more room */
        }
    }
    *out_len = done;
    return 0;
}

/* HTTP "deflate" is the zlib format, but some servers send raw DEFLATE
 * (browsers and libcurl accept both): a valid zlib header decides. */
static bool zlib_header(const uint8_t *in, size_t len)
{
    return len >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 && ((in[0] << 8) | in[1]) % 31 == 0;
}

static int inflate_any(parse_body_t *b, dbuf_t *o, const uint8_t *in, size_t len, size_t *out_len,
                       char *err, size_t errlen)
{
    bool zlib = zlib_header(in, len);
    dbuf_reserve(o, len * 4 < b->max ? len * 4 : b->max, b->max);
    for (;;) {
        size_t out_used = 0;
        enum libdeflate_result r =
            zlib ? libdeflate_zlib_decompress(b->inflater, in, len, o->data, o->cap, &out_used)
                 : libdeflate_deflate_decompress(b->inflater, in, len, o->data, o->cap, &out_used);
        if (r == LIBDEFLATE_SUCCESS) {
            *out_len = out_used;
            return 0;
        }
        if (r != LIBDEFLATE_INSUFFICIENT_SPACE) {
            snprintf(err, errlen, "bad content encoding: deflate data corrupt or truncated");
            return -1;
        }
        if (o->cap >= b->max)
            return too_large(b, err, errlen);
        dbuf_reserve(o, grown(o->cap, b->max), b->max);
    }
}

static int unbrotli(parse_body_t *b, dbuf_t *o, const uint8_t *in, size_t len, size_t *out_len,
                    char *err, size_t errlen)
{
    BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (!s)
        nm_oom();
    dbuf_reserve(o, len * 4 < b->max ? len * 4 : b->max, b->max);
    size_t avail_in = len, total = 0;
    const uint8_t *next_in = in;
    int rc = -1;
    for (;;) {
        size_t avail_out = o->cap - total;
        uint8_t *next_out = o->data + total;
        BrotliDecoderResult r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, NULL);
        total = (size_t)(next_out - o->data);
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            *out_len = total;
            rc = 0;
            break;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
            if (o->cap >= b->max) {
                too_large(b, err, errlen);
                break;
            }
            dbuf_reserve(o, grown(o->cap, b->max), b->max);
            continue;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
            snprintf(err, errlen, "bad content encoding: br data truncated");
        else
            snprintf(err, errlen, "bad content encoding: br data corrupt (%s)",
                     BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s)));
        break;
    }
    BrotliDecoderDestroyInstance(s);
    return rc;
}

/* Split a Content-Encoding value into lower-case codings, identity dropped.
 * Returns how many, or -1 with err when there are too many or one is too long. */
static int codings_of(const char *enc, char out[MAX_CODINGS][16], char *err, size_t errlen)
{
    int n = 0;
    const char *p = enc;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t k = 0;
        char tok[16];
        while (*p && *p != ',' && *p != ' ' && *p != '\t') {
            if (k < sizeof tok - 1)
                tok[k] = (char)tolower((unsigned char)*p);
            k++;
            p++;
        }
        if (k >= sizeof tok) {
            snprintf(err, errlen, "unsupported content encoding: %.40s", enc);
            return -1;
        }
        tok[k] = '\0';
        if (!strcmp(tok, "identity"))
            continue;
        if (n == MAX_CODINGS) {
            snprintf(err, errlen, "unsupported content encoding: %.40s (more than %d codings)", enc, MAX_CODINGS);
            return -1;
        }
        memcpy(out[n++], tok, k + 1);
    }
    return n;
}

int parse_body_decode(parse_body_t *b, const char *encoding, const uint8_t *data, size_t len,
                      const char **out, size_t *out_len, char *err, size_t errlen)
{
    err[0] = '\0';
    for (int i = 0; i < 2; i++)
        if (b->buf[i].data && b->buf[i].cap > KEEP_BYTES) {
            free(b->buf[i].data);
            b->buf[i].data = NULL;
            b->buf[i].cap = 0;
        }
    char codings[MAX_CODINGS][16];
    int n = encoding ? codings_of(encoding, codings, err, errlen) : 0;
    if (n < 0)
        return -1;
    const uint8_t *in = data;
    size_t in_len = len;
    if (n == 0 && in_len > b->max)   /* a sender with a larger cap than ours */
        return too_large(b, err, errlen);
    for (int i = n - 1, k = 0; i >= 0; i--, k ^= 1) {   /* the last coding applied comes off first */
        dbuf_t *o = &b->buf[k];
        size_t got = 0;
        int rc;
        if (!strcmp(codings[i], "gzip") || !strcmp(codings[i], "x-gzip"))
            rc = gunzip(b, o, in, in_len, &got, err, errlen);
        else if (!strcmp(codings[i], "deflate"))
            rc = inflate_any(b, o, in, in_len, &got, err, errlen);
        else if (!strcmp(codings[i], "br"))
            rc = unbrotli(b, o, in, in_len, &got, err, errlen);
        else {
            snprintf(err, errlen, "unsupported content encoding: %.40s", codings[i]);
            rc = -1;
        }
        if (rc < 0)
            return -1;
        o->data[got] = '\0';
        in = o->data;
        in_len = got;
    }
    *out = (const char *)in;
    *out_len = in_len;
    return 0;
}

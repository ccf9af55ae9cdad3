/* parse_body: a page body as the server sent it -> the decoded bytes, capped.
 *
 * Fetchers pass gzip/deflate/br bodies through still compressed (Page
 * content_encoding, proto/newsmill.proto): they are ~5x smaller on the wire
 * and in every queue, and whole-buffer inflation (libdeflate) is cheaper than
 * libcurl's streaming zlib. Decoding is therefore where the decoded-size cap
 * of DESIGN.md ("size caps counted on decoded bytes") is enforced.
 *
 * Promises, for hostile input:
 *  - the output never exceeds max_bytes: decoding stops there and the page is
 *    refused with "too large: body exceeds N bytes (decoded)" (a gzip bomb
 *    costs at most max_bytes of memory; the gzip ISIZE trailer is only a
 *    first guess at the size, never trusted);
 *  - corrupt or truncated data is refused with "bad content encoding: ...",
 *    never a crash and never a partial body;
 *  - encodings: identity (NULL, "" or "identity": the input is the output,
 *    not copied), gzip and x-gzip (concatenated members too), deflate (zlib
 *    wrapper, or raw deflate as some servers send it), br; a comma-separated
 *    list is undone last-applied first, as HTTP says; anything else is
 *    "unsupported content encoding: X";
 *  - the decoded bytes live in a buffer reused from one call to the next (no
 *    allocation per page once warm); one grown past keep_bytes by a large page
 *    is released at the next call, so a big page does not pin memory.
 *
 * Not thread-safe: one decoder per thread. */
#ifndef PARSE_BODY_H
#define PARSE_BODY_H

#include <stddef.h>
#include <stdint.h>

typedef struct parse_body parse_body_t;

/* max_bytes: the cap on decoded bytes (0 = 8 MiB). */
parse_body_t *parse_body_new(size_t max_bytes);
void parse_body_destroy(parse_body_t **b_p);

/* Decode data (len bytes, sent with Content-Encoding `encoding`). On success
 * returns 0 and points *out at the decoded bytes (*out_len of them;
 * NUL-terminated unless the encoding was identity, in which case *out is
 * data itself), valid until the next call or destroy. On failure -1 with a
 * one-line reason in err. */
int parse_body_decode(parse_body_t *b, const char *encoding, const uint8_t *data, size_t len,
                      const char **out, size_t *out_len, char *err, size_t errlen);

/* Bytes currently held by the decoder's buffers (for tests and metrics). */
size_t parse_body_held(const parse_body_t *b);

#endif

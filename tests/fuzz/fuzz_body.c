/* fuzz_body: libFuzzer harness for parse_body_decode (parser/parse_body.h),
 * the decoder of page bodies fetchers pass through still compressed.
 *
 * The first input byte picks the Content-Encoding (one of the forms below, a
 * list included); the rest is the body. Checked beyond "no crash, no leak, no
 * UB": the output never exceeds the cap (kept small here so bombs hit it),
 * non-identity output is NUL-terminated, identity output is the input itself,
 * a refusal always has a reason, and the reused buffer decodes a second
 * input correctly after whatever the first one left behind. */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "parse_body.h"

#define CAP (256 * 1024)

static const char *const encodings[] = {
    "gzip", "deflate", "br", "x-gzip", "identity", "", "gzip, br", "deflate, gzip",
    "GZIP", "compress", "gzip,", " br ",
};

static void decode_once(parse_body_t *b, const char *enc, const uint8_t *data, size_t len)
{
    const char *out = NULL;
    size_t out_len = 0;
    char err[256] = "";
    if (parse_body_decode(b, enc, data, len, &out, &out_len, err, sizeof err) == 0) {
        FUZZ_CHECK(out != NULL);
        FUZZ_CHECK(out_len <= CAP);
        if (!enc[0] || strcmp(enc, "identity") == 0)
            FUZZ_CHECK((const uint8_t *)out == data && out_len == len);
        else
            FUZZ_CHECK(out[out_len] == '\0');
        if (out_len)   /* every byte readable (ASan) */
            FUZZ_CHECK(memchr(out, out[out_len - 1], out_len) != NULL);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *enc = encodings[data[0] % (sizeof encodings / sizeof encodings[0])];
    parse_body_t *b = parse_body_new(CAP);
    FUZZ_CHECK(b != NULL);
    decode_once(b, enc, data + 1, size - 1);

    /* the buffer the first call left (grown, or holding a failed decode)
     * must not leak into the next page */
    static const uint8_t hello_gz[] = {
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd,
        0xc9, 0xc9, 0x07, 0x00, 0x86, 0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00,
    };
    const char *out = NULL;
    size_t out_len = 0;
    char err[256];
    FUZZ_CHECK(parse_body_decode(b, "gzip", hello_gz, sizeof hello_gz, &out, &out_len, err, sizeof err) == 0);
    FUZZ_CHECK(out_len == 5 && memcmp(out, "hello", 5) == 0);
    parse_body_destroy(&b);
    FUZZ_CHECK(b == NULL);
    return 0;
}

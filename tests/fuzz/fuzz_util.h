/* fuzz_util: small checks shared by the libFuzzer harnesses.
 *
 * FUZZ_CHECK aborts (so libFuzzer records a crash with the input) when a
 * documented promise of the code under test is broken; fuzz_utf8 checks the
 * "every output string is valid UTF-8" promise of the parsers. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: promise broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). NULL is fine. */
static inline int fuzz_is_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if (!p)
        return 1;
    while (*p) {
        unsigned c = *p;
        int n;
        unsigned min;
        if (c < 0x80) { p++; continue; }
        else if ((c & 0xE0) == 0xC0) { n = 1; min = 0x80; c &= 0x1F; }
        else if ((c & 0xF0) == 0xE0) { n = 2; min = 0x800; c &= 0x0F; }
        else if ((c & 0xF8) == 0xF0) { n = 3; min = 0x10000; c &= 0x07; }
        else return 0;
        p++;
        for (int i = 0; i < n; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (*p & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
    }
    return 1;
}

#define fuzz_utf8(s) FUZZ_CHECK(fuzz_is_utf8(s))

#endif

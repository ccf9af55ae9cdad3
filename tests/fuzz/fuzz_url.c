/* fuzz_url: libFuzzer harness for nm_url (resolve, canonical, is_http, host).
 *
 * The input is split at the first NUL into base and reference. Checked beyond
 * "no crash, no leak, no UB": a canonical URL is an absolute http(s) URL with
 * no fragment, and canonicalisation is idempotent (canonical(canonical(u)) ==
 * canonical(u)) -- articles are identified by it, so a non-idempotent form
 * would store one article twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "nm_url.h"

static void check_canonical(const char *u)
{
    char *c = nm_url_canonical(u);
    if (!c)
        return;
    FUZZ_CHECK(nm_url_is_http(c));
    FUZZ_CHECK(strchr(c, '#') == NULL);
    char *c2 = nm_url_canonical(c);
    FUZZ_CHECK(c2 != NULL);
    if (strcmp(c, c2) != 0) {
        fprintf(stderr, "not idempotent:\n  in  %s\n  1st %s\n  2nd %s\n", u, c, c2);
        abort();
    }
    char *h = nm_url_host(c);
    FUZZ_CHECK(h != NULL);
    free(h);
    free(c2);
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *buf = malloc(size + 2);
    memcpy(buf, data, size);
    buf[size] = '\0';
    buf[size + 1] = '\0';
    const char *base = buf;
    const char *ref = buf + strlen(buf) + 1;   /* "" when there is no NUL in the input */

    check_canonical(base);
    FUZZ_CHECK(nm_url_is_http(base) == 0 || nm_url_is_http(base) == 1);
    free(nm_url_host(base));
    char *r = nm_url_resolve(base, ref);
    if (r) {
        check_canonical(r);
        free(r);
    }
    free(nm_url_resolve(NULL, base));
    free(buf);
    return 0;
}

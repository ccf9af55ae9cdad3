/* fuzz_feed: libFuzzer harness for parse_feed (RSS, RDF, Atom, JSON Feed).
 *
 * Contract checked beyond "no crash, no leak, no UB": a parsed feed has a
 * format, every output string is valid UTF-8, and the JSON rendering works.
 * The input's size picks a base URL (none, http, https with a path) so
 * relative-link resolution is exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "parse_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *bases[] = { NULL, "http://example.com/feed.xml", "https://news.example.org/a/b/rss?x=1" };
    if (size > (4u << 20))
        return 0;   /* the fetcher caps bodies; beyond that is the caller's job */
    const char *base = bases[size % 3];
    char err[256] = "";
    parse_feed_t *f = parse_feed((const char *)data, size, base, err, sizeof err);
    if (!f) {
        FUZZ_CHECK(err[0] != '\0');   /* a rejection always says why */
        return 0;
    }
    FUZZ_CHECK(f->format && *f->format);
    fuzz_utf8(f->title); fuzz_utf8(f->link); fuzz_utf8(f->description); fuzz_utf8(f->language);
    for (size_t i = 0; i < f->nentries; i++) {
        const parse_feed_entry_t *e = &f->entries[i];
        fuzz_utf8(e->id); fuzz_utf8(e->title); fuzz_utf8(e->link);
        fuzz_utf8(e->author); fuzz_utf8(e->summary); fuzz_utf8(e->content);
        for (size_t j = 0; j < e->ncategories; j++)
            fuzz_utf8(e->categories[j]);
    }
    for (size_t i = 0; i < f->nerrors; i++)
        fuzz_utf8(f->errors[i]);
    json_t *j = parse_feed_to_json(f);
    FUZZ_CHECK(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    FUZZ_CHECK(s != NULL);
    free(s);
    json_decref(j);
    parse_feed_destroy(&f);
    FUZZ_CHECK(f == NULL);
    return 0;
}

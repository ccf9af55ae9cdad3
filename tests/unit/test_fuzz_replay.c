/* test_fuzz_replay: every libFuzzer harness in tests/fuzz, compiled into a
 * plain unit test and fed its committed seeds (tests/fuzz/corpus/<target>/)
 * and every input that once crashed it (tests/fuzz/regress/<target>/), and
 * the hostile corpus (tests/hostile/: feeds, pages, messages, LLM replies)
 * through the same checks -- messages through the real nm_msg_recv.
 *
 * So each crash the fuzzers found stays fixed in the normal suite (gcc, no
 * libFuzzer needed), and under NM_SANITIZE=1 these inputs run with ASan and
 * UBSan too. A broken promise aborts with the file name printed just before.
 * Plus direct checks for the bugs whose symptom is UB that an optimising
 * build without sanitizers would hide. */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_test.h"

#define LLVMFuzzerTestOneInput fuzz_feed_one
#include "../fuzz/fuzz_feed.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_html_one
#include "../fuzz/fuzz_html.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_url_one
#include "../fuzz/fuzz_url.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#define LLVMFuzzerInitialize fuzz_config_init
#include "../fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize
#define LLVMFuzzerTestOneInput fuzz_msg_one
#define LLVMFuzzerInitialize fuzz_msg_init
#include "../fuzz/fuzz_msg.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize
#define LLVMFuzzerTestOneInput fuzz_llm_one
#include "../fuzz/fuzz_llm.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_body_one
#include "../fuzz/fuzz_body.c"
#undef LLVMFuzzerTestOneInput

typedef int (*one_fn)(const uint8_t *, size_t);

static int replay_dir(const char *dir, one_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        rewind(f);
        uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
        size_t got = fread(buf, 1, (size_t)(len > 0 ? len : 0), f);
        fclose(f);
        fprintf(stderr, "replay %s\n", path);
        fn(buf, got);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

/* Seeds, past crashes, and the hostile corpus dirs named in hostile (a
 * space-separated list of tests/hostile/ subfolders, may be ""). */
static int replay(const char *src, const char *target, const char *hostile, one_fn fn)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src, target);
    int n = replay_dir(dir, fn);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regress/%s", src, target);
    n += replay_dir(dir, fn);
    char list[256];
    snprintf(list, sizeof list, "%s", hostile);
    char *save = NULL;
    for (char *h = strtok_r(list, " ", &save); h; h = strtok_r(NULL, " ", &save)) {
        snprintf(dir, sizeof dir, "%s/tests/hostile/%s", src, h);
        n += replay_dir(dir, fn);
    }
    return n;
}

int main(void)
{
    const char *src = getenv("NM_SOURCE_DIR");
    if (!src)
        src = ".";
    int argc = 0;
    char **argv = NULL;
    fuzz_config_init(&argc, &argv);
    fuzz_msg_init(&argc, &argv);

    CHECK(replay(src, "fuzz_feed", "feeds pages", fuzz_feed_one) >= 25);
    CHECK(replay(src, "fuzz_html", "pages feeds", fuzz_html_one) >= 25);
    CHECK(replay(src, "fuzz_url", "", fuzz_url_one) >= 3);
    CHECK(replay(src, "fuzz_config", "", fuzz_config_one) >= 3);
    CHECK(replay(src, "fuzz_msg", "messages", fuzz_msg_one) >= 20);
    CHECK(replay(src, "fuzz_llm", "llm", fuzz_llm_one) >= 10);
    CHECK(replay(src, "fuzz_body", "", fuzz_body_one) >= 8);

    /* fuzz_llm found: "<LONG_MAX>.5" overflowed a signed add (UB) */
    CHECK_INT(summ_llm_retry_after("9223372036854775807.5", 0), 86400);
    CHECK_INT(summ_llm_retry_after("2.5", 0), 3);

    /* tear down fuzz_msg's sockets so valgrind sees no libzmq threads left */
    nm_sock_close(&g_tx);
    nm_sock_close(&g_rx);
    zmq_ctx_term(g_ctx);
    return nm_test_done();
}

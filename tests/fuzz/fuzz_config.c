/* fuzz_config: libFuzzer harness for nm_config_load on an INI file.
 *
 * The input is written to an in-memory file (memfd) and loaded through its
 * /proc/self/fd path, so the real file path (inih's reader, the keys table,
 * typed parsing of every value) runs. Checked: a failure carries a reason;
 * nm_config_free releases everything in both outcomes (LeakSanitizer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "nm_config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* environment overrides would make runs depend on the caller's shell */
    extern char **environ;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "NEWSMILL_", 9) == 0) {
            char name[256];
            size_t n = strcspn(*e, "=");
            if (n < sizeof name) {
                memcpy(name, *e, n);
                name[n] = '\0';
                unsetenv(name);
                e = environ - 1;   /* the array changed: start over */
            }
        }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("fuzz_config.ini", 0);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    nm_config_t cfg;
    char err[512] = "";
    int rc = nm_config_load(&cfg, path, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc < 0)
        FUZZ_CHECK(err[0] != '\0');
    nm_config_free(&cfg);
    return 0;
}

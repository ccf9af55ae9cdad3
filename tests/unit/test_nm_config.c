/* nm_config: defaults, file, environment, and clear errors. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nm_config.h"
#include "nm_test.h"

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/nm-config-test.XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

int main(void)
{
    nm_config_t cfg;
    char err[256];

    unsetenv("NEWSMILL_CONFIG");
    /* defaults: a local run needs no file */
    CHECK_INT(nm_config_load(&cfg, NULL, err, sizeof err), 0);
    CHECK_STR(cfg.database.url, "dbname=newsmill");
    CHECK_INT(cfg.fetcher.concurrency, 64);
    CHECK(!cfg.fetcher.allow_private);
    CHECK_INT(cfg.fetcher.max_bytes, 8388608);
    nm_config_free(&cfg);

    /* file, then environment on top */
    char *path = write_tmp("; comment\n[fetcher]\nconcurrency = 8\nallow_private = yes\n"
                           "[database]\nurl = host=/tmp dbname=x\n");
    setenv("NEWSMILL_FETCHER_CONCURRENCY", "12", 1);
    CHECK_INT(nm_config_load(&cfg, path, err, sizeof err), 0);
    CHECK_INT(cfg.fetcher.concurrency, 12);
    CHECK(cfg.fetcher.allow_private);
    CHECK_STR(cfg.database.url, "host=/tmp dbname=x");
    nm_config_free(&cfg);
    unsetenv("NEWSMILL_FETCHER_CONCURRENCY");
    unlink(path);

    /* $NEWSMILL_CONFIG when no path is given */
    path = write_tmp("[summarizer]\nsentences = 5\n");
    setenv("NEWSMILL_CONFIG", path, 1);
    CHECK_INT(nm_config_load(&cfg, NULL, err, sizeof err), 0);
    CHECK_INT(cfg.summarizer.sentences, 5);
    nm_config_free(&cfg);
    unsetenv("NEWSMILL_CONFIG");
    unlink(path);

    /* errors name the file, line and key */
    path = write_tmp("[fetcher]\n\nconcurrency = many\n");
    CHECK_INT(nm_config_load(&cfg, path, err, sizeof err), -1);
    CHECK(strstr(err, ":3:") && strstr(err, "fetcher.concurrency"));
    nm_config_free(&cfg);
    unlink(path);

    path = write_tmp("[fetcher]\nconcurency = 3\n");
    CHECK_INT(nm_config_load(&cfg, path, err, sizeof err), -1);
    CHECK(strstr(err, "unknown key") && strstr(err, "concurency"));
    nm_config_free(&cfg);
    unlink(path);

    setenv("NEWSMILL_FETCHER_ALLOW_PRIVATE", "perhaps", 1);
    CHECK_INT(nm_config_load(&cfg, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "NEWSMILL_FETCHER_ALLOW_PRIVATE") != NULL);
    nm_config_free(&cfg);
    unsetenv("NEWSMILL_FETCHER_ALLOW_PRIVATE");

    CHECK_INT(nm_config_load(&cfg, "/nonexistent/newsmill.ini", err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/newsmill.ini") != NULL);
    nm_config_free(&cfg);

    return nm_test_done();
}

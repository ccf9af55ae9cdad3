/* Start and stop tests/servers/nm_test_httpd from a C unit test.
 *
 *   test_httpd_t h;
 *   if (test_httpd_start(&h, "/tmp/root") == 0) { ... h.port ... test_httpd_stop(&h); }
 *
 * The server binary is $NM_BUILD_DIR/tests/servers/nm_test_httpd, else
 * servers/nm_test_httpd next to the running test executable. */
#ifndef TEST_FETCH_HTTPD_H
#define TEST_FETCH_HTTPD_H

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    pid_t pid;
    int port;
} test_httpd_t;

/* A built program: $NM_BUILD_DIR/from_build if set and executable, else
 * from_self relative to the running test executable's directory. */
static int test_build_path(const char *from_build, const char *from_self, char *out, size_t outlen)
{
    const char *bd = getenv("NM_BUILD_DIR");
    if (bd && *bd) {
        snprintf(out, outlen, "%s/%s", bd, from_build);
        if (access(out, X_OK) == 0)
            return 0;
    }
    char self[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(out, outlen, "%s/%s", self, from_self);
    return access(out, X_OK) == 0 ? 0 : -1;
}

static int test_httpd_path(char *out, size_t outlen)
{
    return test_build_path("tests/servers/nm_test_httpd", "servers/nm_test_httpd", out, outlen);
}

/* 0 with h->port set once the server listens; -1 (and a message) if not.
 * extra: more arguments for nm_test_httpd (e.g. "--bind", "127.0.0.2"),
 * NULL-terminated, or NULL. */
static int test_httpd_start_args(test_httpd_t *h, const char *root, const char *const *extra)
{
    char path[PATH_MAX];
    int fds[2];
    h->pid = -1;
    h->port = 0;
    if (test_httpd_path(path, sizeof path) < 0) {
        fprintf(stderr, "test_httpd: nm_test_httpd not found (set NM_BUILD_DIR)\n");
        return -1;
    }
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        const char *argv[32] = { path, "--root", root };
        int argc = 3;
        for (int i = 0; extra && extra[i] && argc < 31; i++)
            argv[argc++] = extra[i];
        argv[argc] = NULL;
        execv(path, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    h->pid = pid;
    char line[64] = "";
    size_t len = 0;
    struct pollfd p = { .fd = fds[0], .events = POLLIN };
    while (len < sizeof line - 1 && !strchr(line, '\n') && poll(&p, 1, 5000) > 0) {
        ssize_t r = read(fds[0], line + len, sizeof line - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        line[len] = '\0';
    }
    close(fds[0]);
    if (sscanf(line, "port %d", &h->port) != 1 || h->port <= 0) {
        fprintf(stderr, "test_httpd: server did not report a port (got \"%s\")\n", line);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        h->pid = -1;
        return -1;
    }
    return 0;
}

static int test_httpd_start(test_httpd_t *h, const char *root)
{
    return test_httpd_start_args(h, root, NULL);
}

static void test_httpd_stop(test_httpd_t *h)
{
    if (h->pid > 0) {
        kill(h->pid, SIGTERM);
        waitpid(h->pid, NULL, 0);
        h->pid = -1;
    }
}

#endif

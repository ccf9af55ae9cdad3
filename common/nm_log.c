#include "nm_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int nm_log_threshold = NM_LOG_INFO;

static char log_worker[32] = "newsmill";
static int log_journal;  /* stderr goes to journald: use <N> prefixes */

static const char *const level_names[] = {
    [NM_LOG_ERR] = "err", [NM_LOG_WARNING] = "warning", [NM_LOG_NOTICE] = "notice",
    [NM_LOG_INFO] = "info", [NM_LOG_DEBUG] = "debug",
};

void nm_log_init(const char *worker, int level)
{
    if (worker)
        snprintf(log_worker, sizeof log_worker, "%s", worker);
    if (level >= NM_LOG_ERR && level <= NM_LOG_DEBUG)
        nm_log_threshold = level;
    log_journal = getenv("JOURNAL_STREAM") != NULL;
}

int nm_log_level_parse(const char *name)
{
    for (int i = NM_LOG_ERR; i <= NM_LOG_DEBUG; i++)
        if (name && strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void nm_log_write(int level, int64_t job_id, const char *fmt, ...)
{
    char line[2048];
    size_t n = 0;

    if (level < NM_LOG_ERR)
        level = NM_LOG_ERR;
    if (level > NM_LOG_DEBUG)
        level = NM_LOG_DEBUG;
    if (log_journal) {
        n = (size_t)snprintf(line, sizeof line, "<%d>%s: ", level, log_worker);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
        n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %s[%d] %s: ",
                              ts.tv_nsec / 1000000, log_worker, (int)getpid(), level_names[level]);
    }
    if (job_id > 0 && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, "job=%lld ", (long long)job_id);
    if (n < sizeof line) {
        va_list ap;
        va_start(ap, fmt);
        n += (size_t)vsnprintf(line + n, sizeof line - n, fmt, ap);
        va_end(ap);
    }
    if (n >= sizeof line - 1)
        n = sizeof line - 2;
    /* one event, one line: fold embedded newlines */
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}

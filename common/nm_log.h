/* nm_log: one line per event, with level, worker and (optionally) job id.
 *
 * Levels are syslog priorities. Under systemd (JOURNAL_STREAM set) each line
 * starts with "<N>" so journald keeps the level; otherwise lines carry an
 * ISO 8601 timestamp. A disabled level costs one integer compare: the macros
 * test nm_log_threshold before evaluating any argument. */
#ifndef NM_LOG_H
#define NM_LOG_H

#include <stdint.h>

enum {
    NM_LOG_ERR = 3,
    NM_LOG_WARNING = 4,
    NM_LOG_NOTICE = 5,
    NM_LOG_INFO = 6,
    NM_LOG_DEBUG = 7,
};

extern int nm_log_threshold;

/* Set the worker name shown on every line and the most verbose level kept. */
void nm_log_init(const char *worker, int level);
/* "err", "warning", "notice", "info", "debug" -> level; -1 if unknown. */
int nm_log_level_parse(const char *name);

void nm_log_write(int level, int64_t job_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define nm_log(level, ...) \
    do { if ((level) <= nm_log_threshold) nm_log_write((level), 0, __VA_ARGS__); } while (0)
#define nm_log_job(level, job_id, ...) \
    do { if ((level) <= nm_log_threshold) nm_log_write((level), (job_id), __VA_ARGS__); } while (0)

#define nm_err(...)    nm_log(NM_LOG_ERR, __VA_ARGS__)
#define nm_warn(...)   nm_log(NM_LOG_WARNING, __VA_ARGS__)
#define nm_notice(...) nm_log(NM_LOG_NOTICE, __VA_ARGS__)
#define nm_info(...)   nm_log(NM_LOG_INFO, __VA_ARGS__)
#define nm_debug(...)  nm_log(NM_LOG_DEBUG, __VA_ARGS__)

#endif

/* nm_daemon: what every worker's main does before and around its loop.
 *
 * nm_daemon_start parses the common flags (--config PATH, --help,
 * --version), loads the configuration, sets up logging and signal handling,
 * and creates the ZeroMQ context. Workers then bind/connect, call
 * nm_daemon_ready() once connected, and loop until nm_daemon_stopping().
 * SIGTERM/SIGINT set the stop flag and interrupt blocking calls (zmq_poll
 * returns EINTR); workers then drain in-flight work and exit within seconds.
 * Unfinished jobs come back through their leases. */
#ifndef NM_DAEMON_H
#define NM_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "nm_config.h"

typedef struct {
    const char *name;      /* "fetcher", ... : log tag and status prefix */
    nm_config_t cfg;
    void *zmq_ctx;
} nm_daemon_t;

/* Returns 0 to continue; otherwise the process should exit with the
 * returned value - 1 (so --help returns 1 -> exit 0, usage error 3 -> 2). */
int nm_daemon_start(nm_daemon_t *d, const char *name, const char *usage, int argc, char **argv);
void nm_daemon_finish(nm_daemon_t *d);

bool nm_daemon_stopping(void);
/* Request a stop from inside the process (tests, fatal conditions). */
void nm_daemon_request_stop(void);

/* systemd notifications; no-ops without NOTIFY_SOCKET. */
void nm_daemon_ready(void);
void nm_daemon_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Call from the loop that does the work; rate-limited internally. */
void nm_daemon_watchdog(void);

/* Monotonic milliseconds, and wall-clock seconds. */
int64_t nm_now_ms(void);
int64_t nm_time_s(void);

#endif

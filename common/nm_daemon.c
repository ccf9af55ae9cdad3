#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_metrics.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <zmq.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

bool nm_daemon_stopping(void) { return stop_requested != 0; }
void nm_daemon_request_stop(void) { stop_requested = 1; }

int64_t nm_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t nm_time_s(void)
{
    return (int64_t)time(NULL);
}

int nm_daemon_start(nm_daemon_t *d, const char *name, const char *usage, int argc, char **argv)
{
    const char *config_path = NULL;
    memset(d, 0, sizeof *d);
    d->name = name;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: newsmill-%s [--config PATH]\n\n%s\n"
                   "Options:\n"
                   "  --config PATH  INI configuration (default: $NEWSMILL_CONFIG, else built-in defaults)\n"
                   "  --version      print the version\n"
                   "Every key can be overridden by NEWSMILL_<SECTION>_<KEY> in the environment.\n",
                   name, usage);
            return 1;
        } else if (!strcmp(argv[i], "--version")) {
            printf("newsmill-%s 0.1.0\n", name);
            return 1;
        } else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (!strncmp(argv[i], "--config=", 9)) {
            config_path = argv[i] + 9;
        } else {
            fprintf(stderr, "newsmill-%s: unknown argument '%s' (try --help)\n", name, argv[i]);
            return 3;
        }
    }

    char err[512];
    if (nm_config_load(&d->cfg, config_path, err, sizeof err) < 0) {
        fprintf(stderr, "newsmill-%s: configuration: %s\n", name, err);
        return 3;
    }
    int level = nm_log_level_parse(d->cfg.log.level);
    if (level < 0) {
        fprintf(stderr, "newsmill-%s: configuration: log.level: unknown level '%s'\n", name, d->cfg.log.level);
        nm_config_free(&d->cfg);
        return 3;
    }
    nm_log_init(name, level);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    d->zmq_ctx = zmq_ctx_new();
    if (!d->zmq_ctx) {
        nm_err("zmq_ctx_new failed");
        nm_config_free(&d->cfg);
        return 2;
    }
    /* Metrics are served from their own thread; an address that cannot be
     * bound is a configuration error, like any other. */
    const char *listen = !strcmp(name, "publisher") ? d->cfg.metrics.publisher :
                         !strcmp(name, "fetcher") ? d->cfg.metrics.fetcher :
                         !strcmp(name, "parser") ? d->cfg.metrics.parser :
                         !strcmp(name, "summarizer") ? d->cfg.metrics.summarizer : "";
    if (nm_metrics_start(listen, d->cfg.metrics.port_offset, name, err, sizeof err) < 0) {
        nm_err("%s", err);
        zmq_ctx_term(d->zmq_ctx);
        d->zmq_ctx = NULL;
        nm_config_free(&d->cfg);
        return 2;
    }
    return 0;
}

void nm_daemon_finish(nm_daemon_t *d)
{
    sd_notify(0, "STOPPING=1");
    nm_metrics_stop();
    if (d->zmq_ctx) {
        zmq_ctx_term(d->zmq_ctx);
        d->zmq_ctx = NULL;
    }
    nm_config_free(&d->cfg);
}

void nm_daemon_ready(void)
{
    sd_notify(0, "READY=1");
}

void nm_daemon_status(const char *fmt, ...)
{
    char buf[256] = "STATUS=";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + 7, sizeof buf - 7, fmt, ap);
    va_end(ap);
    sd_notify(0, buf);
}

void nm_daemon_watchdog(void)
{
    static int64_t last;
    int64_t now = nm_now_ms();
    if (now - last >= 1000) {
        sd_notify(0, "WATCHDOG=1");
        last = now;
    }
}

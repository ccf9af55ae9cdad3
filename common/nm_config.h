/* nm_config: newsmill's one configuration, shared by every process.
 *
 * Sources, later wins: built-in defaults (enough for a local run with no
 * file), the INI file (--config PATH, else $NEWSMILL_CONFIG, else none), then
 * environment variables NEWSMILL_<SECTION>_<KEY> (upper case), e.g.
 * NEWSMILL_DATABASE_URL or NEWSMILL_FETCHER_CONCURRENCY.
 *
 * Every key is listed, with its meaning, in deploy/newsmill.ini.example; the
 * table in nm_config.c is the single source of keys and defaults. */
#ifndef NM_CONFIG_H
#define NM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    struct {
        char *url;                 /* libpq conninfo or postgresql:// URI */
    } database;
    struct {
        char *dispatch_endpoint;   /* ROUTER: fetchers ask for work here */
        char *sink_endpoint;       /* PULL: results, entries and outcomes */
        int lease_seconds;         /* how long a job stays with one worker chain */
        int max_attempts;          /* leases before an article job is dead */
        int backoff_base_seconds;  /* first retry delay; doubles per attempt */
        int backoff_max_seconds;
        int feed_poll_seconds;     /* default poll interval for new feeds */
        int feed_error_poll_seconds; /* slowest retry for a broken feed */
        int lease_batch;           /* most jobs leased in one query */
    } publisher;
    struct {
        char *id;                  /* "" = hostname-pid */
        char *parser_endpoints;    /* comma-separated; PUSH connects to each */
        int concurrency;           /* parallel transfers */
        int connect_timeout_seconds;
        int timeout_seconds;       /* whole transfer */
        long max_bytes;            /* decoded body cap */
        int max_redirects;
        char *user_agent;
        bool allow_private;        /* permit loopback/private addresses (tests, demos) */
        char *proxy;               /* "" = none; never taken from the environment */
    } fetcher;
    struct {
        char *bind;                /* PULL: pages from fetchers */
        char *summarizer_endpoints;/* comma-separated; PUSH connects to each */
        long max_html_bytes;       /* larger pages are rejected with a reason */
    } parser;
    struct {
        char *bind;                /* PULL: articles from parsers */
        int sentences;             /* extractive summary length */
        char *language;            /* language of summaries ("en" offline) */
    } summarizer;
    struct {
        char *title;               /* digest title line; the date is appended */
        char *timezone;            /* which calendar day an article belongs to */
        int words_per_minute;      /* for the reading time */
    } digest;
    struct {
        long max_message_bytes;    /* every receiving socket drops larger frames */
        int sndhwm;                /* send high-water mark (messages) */
        int rcvhwm;
        int heartbeat_ms;          /* ZMTP heartbeats on every connection; 0 = off */
        int send_timeout_ms;       /* give up a blocked send after this (lease brings work back) */
    } zmq;
    struct {
        char *level;               /* err, warning, notice, info, debug */
    } log;
} nm_config_t;

/* Fill cfg with defaults, then the file (path may be NULL), then the
 * environment. Returns 0, or -1 with a one-line reason in err. */
int nm_config_load(nm_config_t *cfg, const char *path, char *err, size_t errlen);
/* Set one key ("section.key" or section + key) from a string. */
int nm_config_set(nm_config_t *cfg, const char *section, const char *key,
                  const char *value, char *err, size_t errlen);
void nm_config_free(nm_config_t *cfg);

/* Scan argv for "--config PATH" / "--config=PATH" (for daemons with no other
 * flags). Returns the path or NULL. */
const char *nm_config_path_from_args(int argc, char **argv);

#endif

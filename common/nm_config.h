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
        char *url_file;            /* if set, url is read from this file (a credential) */
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
        int feed_min_poll_seconds; /* adaptive feed polling: fastest ... */
        int feed_max_poll_seconds; /* ... and slowest interval */
        int lease_batch;           /* most jobs leased in one query */
        bool unsafe_disable_fencing; /* TEST ONLY: the chaos test's negative control */
        int retention_days;        /* finished article jobs are deleted after this; 0 = keep */
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
        char *allow_hosts;         /* addresses/networks/names exempt from the private-address block */
        int per_host_concurrency;  /* transfers at once to one host:port; 0 = no limit */
        int per_host_delay_ms;     /* least time between request starts to one host:port */
        bool robots;               /* fetch and obey robots.txt */
        int robots_ttl_seconds;    /* how long a robots.txt is cached */
        int robots_max_crawl_delay_seconds; /* cap on a robots.txt Crawl-delay */
        int host_cache;            /* hosts remembered (robots.txt, pacing) */
        int low_speed_bytes;       /* abort a transfer slower than this many bytes/s ... */
        int low_speed_seconds;     /* ... for this long; 0 = off */
        bool pass_encoded;         /* send gzip/deflate/br pages to parsers still compressed */
    } fetcher;
    struct {
        char *bind;                /* PULL: pages from fetchers */
        char *summarizer_endpoints;/* comma-separated; PUSH connects to each */
        long max_html_bytes;       /* larger pages are rejected with a reason */
    } parser;
    struct {
        char *bind;                /* PULL: articles from parsers */
        int sentences;             /* extractive summary length */
        int max_chars;             /* and at most this many characters (0 = no cap) */
        char *language;            /* language of summaries ("en" offline) */
    } summarizer;
    struct {
        char *title;               /* digest title line; the date is appended */
        char *timezone;            /* which calendar day an article belongs to */
        int words_per_minute;      /* for the reading time */
        char *publish_time;        /* "HH:MM" in timezone: build yesterday's digest; "" = never */
        char *languages;           /* comma-separated summary languages, one digest each */
        char *output_dir;          /* where DATE.LANG.md/.html and feed.LANG.atom go; "" = none */
        char *base_url;            /* public URL of output_dir, for Atom links and ids */
        int feed_days;             /* digests in the Atom feed */
        int story_window_days;     /* same-event grouping looks this far back and ahead */
        int story_max_hamming;     /* SimHash near-duplicate threshold (bits of 64) */
    } digest;
    struct {                       /* OpenAI-compatible LLM (summarizer/summ_llm.h) */
        bool enabled;              /* false = offline even with a base_url */
        char *base_url;            /* e.g. https://api.openai.com/v1; "" = offline */
        char *model;
        char *api_key_env;         /* name of the env var holding the key */
        char *api_key_file;        /* file holding the key ($CREDENTIALS_DIRECTORY expanded) */
        char *temperature;         /* decimal, always sent */
        int max_tokens;            /* 0 = not sent */
        char *token_field;         /* "max_tokens" or "max_completion_tokens" */
        int timeout_seconds;       /* one HTTP exchange */
        int concurrency;           /* requests at once per process */
        int requests_per_minute;   /* 0 = unlimited */
        char *target_language;     /* language of LLM titles and summaries */
        char *response_format;     /* json_object, json_schema or none */
        int input_char_budget;     /* article text cut to this many characters */
        char *prompts_dir;         /* "" = deploy/prompts or /usr/share/newsmill/prompts */
        bool stream;               /* SSE streaming responses */
        int max_attempts;          /* per request, including the first */
        int breaker_seconds;       /* pause after the LLM keeps failing; 0 = never pause */
    } llm;
    struct {
        long max_message_bytes;    /* every receiving socket drops larger frames */
        int sndhwm;                /* send high-water mark (messages) */
        int rcvhwm;
        int heartbeat_ms;          /* ZMTP heartbeats on every connection; 0 = off */
        int send_timeout_ms;       /* give up a blocked send after this (lease brings work back) */
        int memory_budget_mb;      /* caps high-water marks (nm_msg_hwm_from_budget); 0 = off */
        long typical_message_bytes;/* message size the budget is divided by */
        int page_hwm;              /* high-water marks of page sockets (fetcher -> parser) */
    } zmq;
    struct {
        char *level;               /* err, warning, notice, info, debug */
    } log;
    struct {                       /* Prometheus text metrics over HTTP (nm_metrics.h) */
        char *publisher;           /* HOST:PORT each worker serves /metrics on; "" = off */
        char *fetcher;
        char *parser;
        char *summarizer;
        int port_offset;           /* added to the port; template units set the instance */
    } metrics;
    struct {                       /* CurveZMQ on tcp:// endpoints (nm_curve.h) */
        bool enabled;
        char *server_public_key;   /* Z85 (40 chars): the key every binding process serves with */
        char *server_secret_key_file; /* binding processes; relative = $CREDENTIALS_DIRECTORY */
        char *secret_key_file;     /* this process as a client; its public key is derived */
        char *allowed_clients_file;/* Z85 client public keys allowed in, one per line */
    } curve;
} nm_config_t;

/* Fill cfg with defaults, then the file (path may be NULL), then the
 * environment. Returns 0, or -1 with a one-line reason in err. */
int nm_config_load(nm_config_t *cfg, const char *path, char *err, size_t errlen);
/* Set one key ("section.key" or section + key) from a string. */
int nm_config_set(nm_config_t *cfg, const char *section, const char *key,
                  const char *value, char *err, size_t errlen);
void nm_config_free(nm_config_t *cfg);

/* Read a secret (key, password, conninfo) from a file: a relative name is
 * looked up in $CREDENTIALS_DIRECTORY (systemd LoadCredential=), also as
 * "newsmill_NAME" (a credential directory loaded under the id "newsmill"),
 * then in the current directory. At most 64 KiB; trailing whitespace is
 * trimmed. Returns a string the caller frees, or NULL with a reason. */
char *nm_config_read_secret(const char *name, char *err, size_t errlen);

/* Scan argv for "--config PATH" / "--config=PATH" (for daemons with no other
 * flags). Returns the path or NULL. */
const char *nm_config_path_from_args(int argc, char **argv);

#endif

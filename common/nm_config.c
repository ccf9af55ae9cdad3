#include "nm_config.h"
#include "nm_buf.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_STR, T_INT, T_LONG, T_BOOL } key_type_t;

typedef struct {
    const char *section;
    const char *key;
    key_type_t type;
    size_t offset;
    const char *def;
} key_t_;

#define K(sec, name, type, def) { #sec, #name, type, offsetof(nm_config_t, sec.name), def }

/* The one list of keys. Keep deploy/newsmill.ini.example in step. */
static const key_t_ keys[] = {
    K(database, url, T_STR, "dbname=newsmill"),
    K(database, url_file, T_STR, ""),

    K(publisher, dispatch_endpoint, T_STR, "tcp://127.0.0.1:7101"),
    K(publisher, sink_endpoint, T_STR, "tcp://127.0.0.1:7102"),
    K(publisher, lease_seconds, T_INT, "120"),
    K(publisher, max_attempts, T_INT, "5"),
    K(publisher, backoff_base_seconds, T_INT, "30"),
    K(publisher, backoff_max_seconds, T_INT, "3600"),
    K(publisher, feed_poll_seconds, T_INT, "900"),
    K(publisher, feed_error_poll_seconds, T_INT, "3600"),
    K(publisher, feed_min_poll_seconds, T_INT, "300"),
    K(publisher, feed_max_poll_seconds, T_INT, "21600"),
    K(publisher, lease_batch, T_INT, "32"),
    K(publisher, unsafe_disable_fencing, T_BOOL, "false"),
    K(publisher, retention_days, T_INT, "90"),

    K(fetcher, id, T_STR, ""),
    K(fetcher, parser_endpoints, T_STR, "tcp://127.0.0.1:7103"),
    K(fetcher, concurrency, T_INT, "64"),
    K(fetcher, connect_timeout_seconds, T_INT, "10"),
    K(fetcher, timeout_seconds, T_INT, "30"),
    K(fetcher, max_bytes, T_LONG, "8388608"),
    K(fetcher, max_redirects, T_INT, "5"),
    K(fetcher, user_agent, T_STR, "newsmill/0.1 (+https://github.com/newsmill/newsmill)"),
    K(fetcher, allow_private, T_BOOL, "false"),
    K(fetcher, proxy, T_STR, ""),
    K(fetcher, allow_hosts, T_STR, ""),
    K(fetcher, per_host_concurrency, T_INT, "2"),
    K(fetcher, per_host_delay_ms, T_INT, "1000"),
    K(fetcher, robots, T_BOOL, "true"),
    K(fetcher, robots_ttl_seconds, T_INT, "86400"),
    K(fetcher, robots_max_crawl_delay_seconds, T_INT, "10"),
    K(fetcher, host_cache, T_INT, "10000"),
    K(fetcher, low_speed_bytes, T_INT, "100"),
    K(fetcher, low_speed_seconds, T_INT, "15"),
    K(fetcher, pass_encoded, T_BOOL, "true"),

    K(parser, bind, T_STR, "tcp://127.0.0.1:7103"),
    K(parser, summarizer_endpoints, T_STR, "tcp://127.0.0.1:7104"),
    K(parser, max_html_bytes, T_LONG, "8388608"),

    K(summarizer, bind, T_STR, "tcp://127.0.0.1:7104"),
    K(summarizer, sentences, T_INT, "3"),
    K(summarizer, max_chars, T_INT, "0"),
    K(summarizer, language, T_STR, "en"),

    K(digest, title, T_STR, "英文媒体关于中国的报道汇总"),
    K(digest, timezone, T_STR, "UTC"),
    K(digest, words_per_minute, T_INT, "213"),
    K(digest, publish_time, T_STR, "06:00"),
    K(digest, languages, T_STR, "zh"),
    K(digest, output_dir, T_STR, ""),
    K(digest, base_url, T_STR, ""),
    K(digest, feed_days, T_INT, "14"),
    K(digest, story_window_days, T_INT, "3"),
    K(digest, story_max_hamming, T_INT, "3"),

    K(llm, enabled, T_BOOL, "true"),
    K(llm, base_url, T_STR, ""),
    K(llm, model, T_STR, "gpt-4o-mini"),
    K(llm, api_key_env, T_STR, "NEWSMILL_LLM_API_KEY"),
    K(llm, api_key_file, T_STR, ""),
    K(llm, temperature, T_STR, "0.2"),
    K(llm, max_tokens, T_INT, "1024"),
    K(llm, token_field, T_STR, "max_tokens"),
    K(llm, timeout_seconds, T_INT, "60"),
    K(llm, concurrency, T_INT, "4"),
    K(llm, requests_per_minute, T_INT, "60"),
    K(llm, target_language, T_STR, "zh"),
    K(llm, response_format, T_STR, "json_object"),
    K(llm, input_char_budget, T_INT, "12000"),
    K(llm, prompts_dir, T_STR, ""),
    K(llm, stream, T_BOOL, "false"),
    K(llm, max_attempts, T_INT, "4"),
    K(llm, breaker_seconds, T_INT, "60"),

    K(zmq, max_message_bytes, T_LONG, "16777216"),
    K(zmq, sndhwm, T_INT, "1000"),
    K(zmq, rcvhwm, T_INT, "1000"),
    K(zmq, heartbeat_ms, T_INT, "5000"),
    K(zmq, send_timeout_ms, T_INT, "5000"),
    K(zmq, memory_budget_mb, T_INT, "256"),
    K(zmq, typical_message_bytes, T_LONG, "65536"),
    K(zmq, page_hwm, T_INT, "16"),

    K(log, level, T_STR, "info"),

    K(metrics, publisher, T_STR, ""),
    K(metrics, fetcher, T_STR, ""),
    K(metrics, parser, T_STR, ""),
    K(metrics, summarizer, T_STR, ""),
    K(metrics, port_offset, T_INT, "0"),

    K(curve, enabled, T_BOOL, "false"),
    K(curve, server_public_key, T_STR, ""),
    K(curve, server_secret_key_file, T_STR, "curve-server.secret"),
    K(curve, secret_key_file, T_STR, "curve-client.secret"),
    K(curve, allowed_clients_file, T_STR, "/etc/newsmill/curve/allowed_clients"),
};

static const key_t_ *find_key(const char *section, const char *key)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || end == s || *end)
        return -1;
    /* accept k/M/G suffixes? Keep it strict: plain integers only. */
    *out = v;
    return 0;
}

static int set_key(nm_config_t *cfg, const key_t_ *k, const char *value, char *err, size_t errlen)
{
    void *field = (char *)cfg + k->offset;
    long v;

    switch (k->type) {
    case T_STR:
        free(*(char **)field);
        *(char **)field = nm_strdup(value);
        return 0;
    case T_INT:
    case T_LONG:
        if (parse_long(value, &v) < 0 || v < 0 || (k->type == T_INT && v > 0x7fffffffL)) {
            snprintf(err, errlen, "%s.%s: expected a non-negative integer, got \"%s\"",
                     k->section, k->key, value);
            return -1;
        }
        if (k->type == T_INT)
            *(int *)field = (int)v;
        else
            *(long *)field = v;
        return 0;
    case T_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on") || !strcmp(value, "1"))
            *(bool *)field = true;
        else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "off") || !strcmp(value, "0"))
            *(bool *)field = false;
        else {
            snprintf(err, errlen, "%s.%s: expected true or false, got \"%s\"", k->section, k->key, value);
            return -1;
        }
        return 0;
    }
    return -1;
}

int nm_config_set(nm_config_t *cfg, const char *section, const char *key,
                  const char *value, char *err, size_t errlen)
{
    const key_t_ *k = find_key(section, key);
    if (!k) {
        snprintf(err, errlen, "unknown key [%s] %s", section, key);
        return -1;
    }
    return set_key(cfg, k, value, err, errlen);
}

typedef struct {
    nm_config_t *cfg;
    char *err;
    size_t errlen;
    int failed;
} ini_ctx_t;

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx_t *ctx = user;
    if (ctx->failed)
        return 0;
    if (nm_config_set(ctx->cfg, section, name, value, ctx->err, ctx->errlen) < 0) {
        ctx->failed = 1;
        return 0;
    }
    return 1;
}

int nm_config_load(nm_config_t *cfg, const char *path, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (set_key(cfg, &keys[i], keys[i].def, err, errlen) < 0)
            return -1;

    if (!path || !*path)
        path = getenv("NEWSMILL_CONFIG");
    if (path && *path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        char msg[256] = "";
        ini_ctx_t ctx = { cfg, msg, sizeof msg, 0 };
        int rc = ini_parse_file(f, on_ini, &ctx);
        fclose(f);
        if (ctx.failed || rc != 0) {
            /* ini_parse_file returns the line of the first error */
            snprintf(err, errlen, "%s:%d: %s", path, rc, ctx.failed ? msg : "syntax error");
            return -1;
        }
    }

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char name[128];
        int n = snprintf(name, sizeof name, "NEWSMILL_%s_%s", keys[i].section, keys[i].key);
        for (int j = 0; j < n; j++)
            name[j] = (char)toupper((unsigned char)name[j]);
        const char *v = getenv(name);
        if (v) {
            char msg[256];
            if (set_key(cfg, &keys[i], v, msg, sizeof msg) < 0) {
                snprintf(err, errlen, "%s: %s", name, msg);
                return -1;
            }
        }
    }
    /* A conninfo with a password is a secret: read it from its own file
     * (a systemd credential) rather than the shared INI or a command line. */
    if (cfg->database.url_file && *cfg->database.url_file) {
        char msg[256];
        char *url = nm_config_read_secret(cfg->database.url_file, msg, sizeof msg);
        if (!url) {
            snprintf(err, errlen, "database.url_file: %s", msg);
            return -1;
        }
        free(cfg->database.url);
        cfg->database.url = url;
    }
    return 0;
}

static FILE *open_secret(const char *name, char *path, size_t pathlen)
{
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    if (name[0] != '/' && dir && *dir) {
        snprintf(path, pathlen, "%s/%s", dir, name);
        FILE *f = fopen(path, "r");
        if (f || errno != ENOENT)
            return f;
        snprintf(path, pathlen, "%s/newsmill_%s", dir, name);
        f = fopen(path, "r");
        if (f || errno != ENOENT)
            return f;
    }
    snprintf(path, pathlen, "%s", name);
    return fopen(path, "r");
}

char *nm_config_read_secret(const char *name, char *err, size_t errlen)
{
    enum { MAX_SECRET = 65536 };
    char path[4096];
    if (!name || !*name) {
        snprintf(err, errlen, "no file named");
        return NULL;
    }
    FILE *f = open_secret(name, path, sizeof path);
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = nm_malloc(MAX_SECRET + 1);
    size_t n = fread(buf, 1, MAX_SECRET + 1, f);
    fclose(f);
    if (n > MAX_SECRET) {
        free(buf);
        snprintf(err, errlen, "%s: larger than %d bytes", path, MAX_SECRET);
        return NULL;
    }
    while (n > 0 && isspace((unsigned char)buf[n - 1]))
        n--;
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        snprintf(err, errlen, "%s: contains a NUL byte", path);
        return NULL;
    }
    return buf;
}

void nm_config_free(nm_config_t *cfg)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (keys[i].type == T_STR) {
            char **field = (char **)((char *)cfg + keys[i].offset);
            free(*field);
            *field = NULL;
        }
}

const char *nm_config_path_from_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
    }
    return NULL;
}

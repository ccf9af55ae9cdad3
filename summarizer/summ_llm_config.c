/* summ_llm_config: [llm] configuration to client options, and the API key
 * from the environment or a (systemd credential) file. */
#include "summ_llm.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_buf.h"

bool summ_llm_configured(const nm_config_t *cfg)
{
    return cfg->llm.enabled && cfg->llm.base_url && cfg->llm.base_url[0];
}

/* "$CREDENTIALS_DIRECTORY/llm-api-key" or "${CREDENTIALS_DIRECTORY}/..." */
static int expand_path(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
    const char *rest = NULL;
    if (!strncmp(in, "$CREDENTIALS_DIRECTORY", 22))
        rest = in + 22;
    else if (!strncmp(in, "${CREDENTIALS_DIRECTORY}", 24))
        rest = in + 24;
    if (!rest) {
        snprintf(out, outlen, "%s", in);
        return 0;
    }
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    if (!dir || !*dir) {
        snprintf(err, errlen, "llm.api_key_file uses $CREDENTIALS_DIRECTORY, which is not set "
                              "(use LoadCredential= in the unit)");
        return -1;
    }
    snprintf(out, outlen, "%s%s", dir, rest);
    return 0;
}

static char *read_key_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "llm.api_key_file %s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n && isspace((unsigned char)buf[n - 1]))
        buf[--n] = '\0';
    char *s = buf;
    while (isspace((unsigned char)*s))
        s++;
    for (char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20) {
            /* a header injection waiting to happen; and never echo the key */
            snprintf(err, errlen, "llm.api_key_file %s: the key must be one line", path);
            memset(buf, 0, sizeof buf);
            return NULL;
        }
    if (!*s) {
        snprintf(err, errlen, "llm.api_key_file %s is empty", path);
        return NULL;
    }
    char *key = nm_strdup(s);
    memset(buf, 0, sizeof buf);
    return key;
}

int summ_llm_opts_from_config(summ_llm_opts_t *o, const nm_config_t *cfg, char **key_out,
                              char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    *key_out = NULL;
    const typeof(cfg->llm) *l = &cfg->llm;
    o->base_url = l->base_url;
    o->model = l->model;
    char *end = NULL;
    errno = 0;
    o->temperature = strtod(l->temperature ? l->temperature : "0.2", &end);
    if (errno || !end || end == l->temperature || *end || o->temperature < 0 || o->temperature > 2) {
        snprintf(err, errlen, "llm.temperature: expected a number from 0 to 2, got \"%s\"",
                 l->temperature ? l->temperature : "");
        return -1;
    }
    o->max_tokens = l->max_tokens;
    o->token_field = l->token_field;
    if (strcmp(l->token_field, "max_tokens") && strcmp(l->token_field, "max_completion_tokens")) {
        snprintf(err, errlen, "llm.token_field: expected max_tokens or max_completion_tokens, got \"%s\"",
                 l->token_field);
        return -1;
    }
    o->timeout_seconds = l->timeout_seconds;
    o->concurrency = l->concurrency;
    o->requests_per_minute = l->requests_per_minute;
    o->target_language = l->target_language && *l->target_language ? l->target_language : "zh";
    if (!strcmp(l->response_format, "json_object"))
        o->response_format = SUMM_LLM_RF_JSON_OBJECT;
    else if (!strcmp(l->response_format, "json_schema"))
        o->response_format = SUMM_LLM_RF_JSON_SCHEMA;
    else if (!strcmp(l->response_format, "none") || !*l->response_format)
        o->response_format = SUMM_LLM_RF_NONE;
    else {
        snprintf(err, errlen, "llm.response_format: expected json_object, json_schema or none, got \"%s\"",
                 l->response_format);
        return -1;
    }
    o->input_char_budget = l->input_char_budget;
    o->prompts_dir = l->prompts_dir && *l->prompts_dir ? l->prompts_dir : NULL;
    o->stream = l->stream;
    o->max_attempts = l->max_attempts;
    o->breaker_seconds = l->breaker_seconds > 0 ? l->breaker_seconds : -1;
    o->user_agent = cfg->fetcher.user_agent;

    if (l->api_key_file && *l->api_key_file) {
        char path[4096];
        if (expand_path(l->api_key_file, path, sizeof path, err, errlen) < 0)
            return -1;
        if (!(*key_out = read_key_file(path, err, errlen)))
            return -1;
    } else if (l->api_key_env && *l->api_key_env) {
        const char *v = getenv(l->api_key_env);
        if (v && *v) {
            for (const char *c = v; *c; c++)
                if ((unsigned char)*c < 0x20) {
                    snprintf(err, errlen, "$%s: the key must be one line", l->api_key_env);
                    return -1;
                }
            *key_out = nm_strdup(v);
        }
    }
    o->api_key = *key_out;
    return 0;
}

/* Inputs for the one-shot commands, and DESIGN.md's multi-input contract. */
#include "cli.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nm_url.h"

static int read_gz(const char *path, nm_buf_t *out, char *err, size_t errlen)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    gzbuffer(gz, 128 * 1024);
    char chunk[65536];
    int n;
    while ((n = gzread(gz, chunk, sizeof chunk)) > 0) {
        if (nm_buf_append(out, chunk, (size_t)n) < 0) {
            snprintf(err, errlen, "%s: larger than %zu bytes decompressed", path, out->limit);
            gzclose(gz);
            return -1;
        }
    }
    if (n < 0) {
        int zerr;
        snprintf(err, errlen, "%s: %s", path, gzerror(gz, &zerr));
        gzclose(gz);
        return -1;
    }
    gzclose(gz);
    return 0;
}

static int read_stream(FILE *f, const char *name, nm_buf_t *out, char *err, size_t errlen)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (nm_buf_append(out, chunk, n) < 0) {
            snprintf(err, errlen, "%s: larger than %zu bytes", name, out->limit);
            return -1;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    nm_buf_t *b = user;
    return nm_buf_append(b, data, size * nmemb) < 0 ? 0 : size * nmemb;  /* 0 aborts: over the cap */
}

static int read_url(const char *url, const nm_config_t *cfg, cli_input_t *in, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "%s: curl_easy_init failed", url);
        return -1;
    }
    char curlerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)cfg->fetcher.max_redirects);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cfg->fetcher.connect_timeout_seconds);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->fetcher.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_USERAGENT, cfg->fetcher.user_agent);
    curl_easy_setopt(c, CURLOPT_PROXY, cfg->fetcher.proxy);  /* "" = none, never the environment's */
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");      /* decoded bytes count against the cap */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &in->data);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curlerr);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_WRITE_ERROR) {
        snprintf(err, errlen, "%s: larger than %zu bytes", url, in->data.limit);
    } else if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", url, curlerr[0] ? curlerr : curl_easy_strerror(rc));
    } else if (status < 200 || status > 299) {
        snprintf(err, errlen, "%s: HTTP %ld", url, status);
    } else {
        char *s = NULL;
        if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s)
            in->url = nm_strdup(s);
        s = NULL;
        if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s)
            in->content_type = nm_strdup(s);
        curl_easy_cleanup(c);
        return 0;
    }
    curl_easy_cleanup(c);
    return -1;
}

int cli_input_read(const char *arg, const nm_config_t *cfg, cli_input_t *in, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    nm_buf_init(&in->data, (size_t)cfg->fetcher.max_bytes);

    if (strcmp(arg, "-") == 0)
        return read_stream(stdin, "stdin", &in->data, err, errlen);
    if (nm_url_is_http(arg))
        return read_url(arg, cfg, in, err, errlen);

    size_t len = strlen(arg);
    if (len > 3 && strcmp(arg + len - 3, ".gz") == 0)
        return read_gz(arg, &in->data, err, errlen);
    FILE *f = fopen(arg, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", arg, strerror(errno));
        return -1;
    }
    int rc = read_stream(f, arg, &in->data, err, errlen);
    fclose(f);
    return rc;
}

void cli_input_free(cli_input_t *in)
{
    nm_buf_free(&in->data);
    free(in->url);
    free(in->content_type);
    in->url = in->content_type = NULL;
}

void cli_print_json(json_t *obj)
{
    json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
}

int cli_run_inputs(int ninputs, char **inputs, const nm_config_t *cfg, const char *url,
                   cli_input_fn fn, cli_render_fn render, void *ctx)
{
    int failed = 0;
    int many = ninputs > 1;

    for (int i = 0; i < ninputs; i++) {
        cli_input_t in;
        char err[512] = "";
        json_t *result = NULL;

        if (cli_input_read(inputs[i], cfg, &in, err, sizeof err) == 0) {
            result = fn(inputs[i], &in, url ? url : in.url, ctx, err, sizeof err);
            if (!result && !err[0])
                snprintf(err, sizeof err, "%s: failed", inputs[i]);
        }
        cli_input_free(&in);

        if (!result) {
            failed = 1;
            if (many) {
                json_t *line = json_pack("{s:s, s:s}", "input", inputs[i], "error", err);
                json_dumpf(line, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
                fputc('\n', stdout);
                json_decref(line);
            } else {
                fprintf(stderr, "newsmill: %s\n", err);
            }
            continue;
        }
        if (many) {
            json_t *line = json_object();
            json_object_set_new(line, "input", json_string(inputs[i]));
            json_object_update(line, result);
            json_dumpf(line, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fputc('\n', stdout);
            json_decref(line);
        } else if (render) {
            render(result, ctx);
        } else {
            cli_print_json(result);
        }
        json_decref(result);
        fflush(stdout);
    }
    return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* summ_llm_text: the pure parts of the LLM client — templates, cutting,
 * reading replies (JSON and SSE), validating article answers. No I/O. */
#include "summ_llm.h"
#include "summ_llm_impl.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "nm_buf.h"

/* The fixed label list of the offline topic module (summ_topic.h). */
const char *const summ_llm_topic_labels[] = {
    "space and science", "diplomacy", "technology", "economy and trade", "society",
    "military and security", "health", "law", "culture", "other", NULL,
};

/* ---- UTF-8 helpers ---- */

/* Length of the UTF-8 sequence starting at s (1 for stray bytes). */
static size_t u8len(const unsigned char *s)
{
    if (*s < 0x80)
        return 1;
    size_t n = (*s >= 0xf0) ? 4 : (*s >= 0xe0) ? 3 : (*s >= 0xc0) ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 1;
    return n;
}

static unsigned u8decode(const unsigned char *s, size_t n)
{
    switch (n) {
    case 2: return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
    case 3: return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    case 4: return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
    default: return s[0];
    }
}

size_t summ_llm_u8_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p += u8len(p))
        n++;
    return n;
}

static int is_cjk(unsigned c)
{
    return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x20000 && c <= 0x2fa1f) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x3040 && c <= 0x30ff) /* kana */ ||
           (c >= 0xac00 && c <= 0xd7af) /* hangul */;
}

/* Counts of CJK characters and of other letters (ASCII letters and
 * non-ASCII non-CJK letters roughly: anything > 0x7f that is not CJK or
 * CJK punctuation). Digits, spaces and punctuation count for neither. */
static void letter_counts(const char *s, size_t *cjk, size_t *other)
{
    *cjk = *other = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = u8len(p);
        unsigned c = u8decode(p, n);
        if (is_cjk(c))
            (*cjk)++;
        else if (c < 0x80 ? isalpha((int)c) : (c >= 0xc0 && c < 0x2000))
            (*other)++;
        p += n;
    }
}

int summ_llm_lang_is_cjk(const char *lang)
{
    return lang && (!strncasecmp(lang, "zh", 2) || !strncasecmp(lang, "ja", 2) || !strncasecmp(lang, "ko", 2));
}

/* ---- templates ---- */

char *summ_llm_render(const char *tmpl, const summ_llm_var_t *vars, size_t nvars, char *err, size_t errlen)
{
    nm_buf_t out;
    nm_buf_init(&out, 0);
    const char *p = tmpl;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) {
            nm_buf_puts(&out, p);
            break;
        }
        nm_buf_append(&out, p, (size_t)(open - p));
        const char *close = strstr(open + 2, "}}");
        if (!close) {
            nm_buf_puts(&out, open);
            break;
        }
        const char *n0 = open + 2, *n1 = close;
        while (n0 < n1 && isspace((unsigned char)*n0))
            n0++;
        while (n1 > n0 && isspace((unsigned char)n1[-1]))
            n1--;
        size_t nlen = (size_t)(n1 - n0);
        const char *value = NULL;
        /* last definition wins, so callers can override defaults */
        for (size_t i = nvars; i-- > 0;)
            if (vars[i].name && strlen(vars[i].name) == nlen && !strncmp(vars[i].name, n0, nlen)) {
                value = vars[i].value ? vars[i].value : "";
                break;
            }
        if (!value) {
            snprintf(err, errlen, "template placeholder {{%.*s}} has no value", (int)(nlen > 64 ? 64 : nlen), n0);
            nm_buf_free(&out);
            return NULL;
        }
        nm_buf_puts(&out, value);
        p = close + 2;
    }
    if (!out.data)
        nm_buf_append(&out, "", 0);
    return nm_buf_steal(&out);
}

int summ_llm_template_parse(const char *file, summ_llm_template_t *t, char *err, size_t errlen)
{
    nm_buf_t sys, user, *cur = &user;
    nm_buf_init(&sys, 0);
    nm_buf_init(&user, 0);
    int sections = 0;
    const char *p = file;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t tl = len;
        while (tl && (p[tl - 1] == '\r' || p[tl - 1] == ' ' || p[tl - 1] == '\t'))
            tl--;
        if (len && p[0] == '#') {
            /* comment */
        } else if (tl == 8 && !strncmp(p, "[system]", 8)) {
            cur = &sys;
            sections++;
        } else if (tl == 6 && !strncmp(p, "[user]", 6)) {
            cur = &user;
            sections++;
        } else {
            nm_buf_append(cur, p, tl);
            nm_buf_puts(cur, "\n");
        }
        p += len + (nl ? 1 : 0);
    }
    /* trim surrounding blank lines */
    nm_buf_t *bufs[2] = { &sys, &user };
    char *outs[2];
    for (int i = 0; i < 2; i++) {
        char *s = bufs[i]->data ? bufs[i]->data : "";
        while (*s == '\n')
            s++;
        size_t n = strlen(s);
        while (n && isspace((unsigned char)s[n - 1]))
            n--;
        outs[i] = nm_strndup(s, n);
        nm_buf_free(bufs[i]);
    }
    (void)sections;
    if (!outs[1][0]) {
        snprintf(err, errlen, "the template has no user message");
        free(outs[0]);
        free(outs[1]);
        return -1;
    }
    t->system = outs[0];
    t->user = outs[1];
    return 0;
}

void summ_llm_template_free(summ_llm_template_t *t)
{
    free(t->system);
    free(t->user);
    t->system = t->user = NULL;
}

/* ---- cutting long articles ---- */

char *summ_llm_cut(const char *text, size_t max_chars)
{
    if (!text)
        return nm_strdup("");
    const unsigned char *p = (const unsigned char *)text;
    size_t chars = 0;
    while (*p && chars < max_chars) {
        p += u8len(p);
        chars++;
    }
    if (!*p)
        return nm_strdup(text);
    size_t end = (size_t)((const char *)p - text);
    /* prefer a paragraph end, then a sentence end, in the last third */
    size_t floor_ = end - end / 3;
    for (size_t i = end; i > floor_; i--)
        if (text[i - 1] == '\n' && i >= 2 && text[i - 2] == '\n') {
            size_t j = i - 2;
            while (j > 0 && text[j - 1] == '\n')
                j--;
            return nm_strndup(text, j);
        }
    for (size_t i = end; i > floor_; i--) {
        unsigned char c = (unsigned char)text[i - 1];
        if ((c == '.' || c == '!' || c == '?') && (i == end || isspace((unsigned char)text[i])))
            return nm_strndup(text, i);
        /* 。！？ are E3 80 82, EF BC 81, EF BC 9F */
        if (i >= 3 && ((unsigned char)text[i - 3] == 0xe3 && (unsigned char)text[i - 2] == 0x80 && c == 0x82))
            return nm_strndup(text, i);
    }
    return nm_strndup(text, end);
}

/* ---- replies ---- */

static void set_err(char **dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char **dst, const char *fmt, ...)
{
    char tmp[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    free(*dst);
    *dst = nm_strdup(tmp);
}

/* Message from an {"error": {...}} body, sanitised to one printable line. */
char *summ_llm_error_message(json_t *root, char *code, size_t codelen)
{
    if (code && codelen)
        code[0] = '\0';
    json_t *e = json_is_object(root) ? json_object_get(root, "error") : NULL;
    if (!e)
        return NULL;
    const char *msg = NULL;
    if (json_is_string(e))
        msg = json_string_value(e);
    else if (json_is_object(e)) {
        msg = json_string_value(json_object_get(e, "message"));
        const char *c = json_string_value(json_object_get(e, "code"));
        const char *t = json_string_value(json_object_get(e, "type"));
        if (code && codelen) {
            /* quota shows in code (OpenAI) or type (some proxies) */
            if (t && !strcmp(t, "insufficient_quota"))
                c = t;
            if (c)
                snprintf(code, codelen, "%s", c);
        }
    }
    char buf[201];
    snprintf(buf, sizeof buf, "%s", msg ? msg : "(no message)");
    for (char *q = buf; *q; q++)
        if ((unsigned char)*q < 0x20)
            *q = ' ';
    return nm_strdup(buf);
}

static void reply_from_choice(json_t *root, summ_llm_reply_t *r, int delta)
{
    json_t *choices = json_object_get(root, "choices");
    json_t *c0 = json_is_array(choices) ? json_array_get(choices, 0) : NULL;
    if (json_is_object(c0)) {
        json_t *msg = json_object_get(c0, delta ? "delta" : "message");
        json_t *content = json_is_object(msg) ? json_object_get(msg, "content") : NULL;
        if (json_is_string(content))
            nm_buf_append(&r->content, json_string_value(content), json_string_length(content));
        json_t *fr = json_object_get(c0, "finish_reason");
        if (json_is_string(fr))
            snprintf(r->finish_reason, sizeof r->finish_reason, "%s", json_string_value(fr));
        r->saw_choice = 1;
    }
    json_t *usage = json_object_get(root, "usage");
    if (json_is_object(usage)) {
        json_t *tt = json_object_get(usage, "total_tokens");
        if (json_is_integer(tt) && json_integer_value(tt) >= 0 && json_integer_value(tt) < 100000000)
            r->total_tokens = (int)json_integer_value(tt);
        json_t *pt = json_object_get(usage, "prompt_tokens"), *ct = json_object_get(usage, "completion_tokens");
        if (json_is_integer(pt) && json_integer_value(pt) >= 0 && json_integer_value(pt) < 100000000)
            r->prompt_tokens = (int)json_integer_value(pt);
        if (json_is_integer(ct) && json_integer_value(ct) >= 0 && json_integer_value(ct) < 100000000)
            r->completion_tokens = (int)json_integer_value(ct);
    }
}

void summ_llm_reply_init(summ_llm_reply_t *r)
{
    memset(r, 0, sizeof *r);
    nm_buf_init(&r->content, SUMM_LLM_MAX_BODY);
}

void summ_llm_reply_free(summ_llm_reply_t *r)
{
    nm_buf_free(&r->content);
    free(r->error);
    r->error = NULL;
}

int summ_llm_reply_parse_json(const char *body, size_t len, summ_llm_reply_t *r)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    if (!json_is_object(root)) {
        set_err(&r->error, "the reply is not a JSON object (%s)", root ? "wrong type" : je.text);
        json_decref(root);
        return -1;
    }
    char *emsg = summ_llm_error_message(root, NULL, 0);
    if (emsg) {
        set_err(&r->error, "the server reported an error: %s", emsg);
        free(emsg);
        json_decref(root);
        return -1;
    }
    reply_from_choice(root, r, 0);
    json_decref(root);
    if (!r->saw_choice) {
        set_err(&r->error, "the reply has no choices%s", "");
        return -1;
    }
    return 0;
}

/* One SSE event's data. */
static int sse_event(const char *data, size_t len, summ_llm_reply_t *r)
{
    if (len == 6 && !memcmp(data, "[DONE]", 6)) {
        r->done = 1;
        return 0;
    }
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    if (!json_is_object(root)) {
        set_err(&r->error, "a streamed chunk is not JSON (%s)", root ? "wrong type" : je.text);
        json_decref(root);
        return -1;
    }
    char *emsg = summ_llm_error_message(root, NULL, 0);
    if (emsg) {
        set_err(&r->error, "the server reported an error mid-stream: %s", emsg);
        free(emsg);
        json_decref(root);
        return -1;
    }
    reply_from_choice(root, r, 1);
    json_decref(root);
    return 0;
}

int summ_llm_reply_parse_sse(const char *body, size_t len, summ_llm_reply_t *r)
{
    nm_buf_t data;
    nm_buf_init(&data, SUMM_LLM_MAX_BODY);
    const char *p = body, *end = body + len;
    int rc = 0;
    while (p <= end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t ll = (size_t)(le - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        if (ll == 0) {
            /* blank line (or end of body): dispatch the event */
            if (data.len)
                rc = sse_event(data.data, data.len, r);
            nm_buf_reset(&data);
        } else if (ll >= 5 && !memcmp(p, "data:", 5)) {
            const char *v = p + 5;
            size_t vl = ll - 5;
            if (vl && *v == ' ')
                v++, vl--;
            if (data.len)
                nm_buf_puts(&data, "\n");
            nm_buf_append(&data, v, vl);
        } /* event:, id:, retry:, comments: ignored */
        if (!nl)
            break;
        p = nl + 1;
    }
    if (rc == 0 && data.len)
        rc = sse_event(data.data, data.len, r);
    nm_buf_free(&data);
    if (rc < 0)
        return -1;
    if (!r->saw_choice) {
        set_err(&r->error, "the stream carried no choices%s", "");
        return -1;
    }
    if (!r->done && !r->finish_reason[0]) {
        set_err(&r->error, "the stream ended before it finished%s", "");
        return -1;
    }
    return 0;
}

/* ---- article answers ---- */

/* Drop <think>...</think> (reasoning models served raw), ```json fences and
 * anything around the outermost object. Returns pointers into s. */
static int locate_object(const char *s, const char **b, const char **e)
{
    const char *think = strstr(s, "</think>");
    if (think)
        s = think + 8;
    const char *open = strchr(s, '{');
    const char *close = strrchr(s, '}');
    if (!open || !close || close < open)
        return -1;
    *b = open;
    *e = close + 1;
    return 0;
}

static char *trimmed_dup(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return nm_strndup(s, n);
}

/* "Economy & Trade" -> "economy and trade"; NULL when not a label. */
static const char *match_label(const char *s)
{
    char norm[64];
    size_t n = 0;
    while (isspace((unsigned char)*s))
        s++;
    for (; *s && n < sizeof norm - 5; s++) {
        if (*s == '&') {
            memcpy(norm + n, "and", 3);
            n += 3;
        } else if (*s == '_' || *s == '-')
            norm[n++] = ' ';
        else
            norm[n++] = (char)tolower((unsigned char)*s);
    }
    while (n && norm[n - 1] == ' ')
        n--;
    norm[n] = '\0';
    for (size_t i = 0; summ_llm_topic_labels[i]; i++)
        if (!strcmp(norm, summ_llm_topic_labels[i]))
            return summ_llm_topic_labels[i];
    return NULL;
}

static char **string_list(json_t *v, size_t max, size_t max_chars, size_t *n_out, int labels)
{
    *n_out = 0;
    char **out = nm_calloc(max + 1, sizeof *out);
    size_t n = 0;
    json_t *arr = v;
    json_t *one = NULL;
    if (json_is_string(v)) {
        one = json_array();
        json_array_append(one, v);
        arr = one;
    }
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it) {
        if (n >= max)
            break;
        if (!json_is_string(it))
            continue;
        const char *sv = json_string_value(it);
        char *val;
        if (labels) {
            const char *l = match_label(sv);
            if (!l)
                continue;
            val = nm_strdup(l);
        } else {
            val = trimmed_dup(sv);
            if (!val[0] || summ_llm_u8_chars(val) > max_chars) {
                free(val);
                continue;
            }
        }
        int dup = 0;
        for (size_t k = 0; k < n; k++)
            dup |= !strcmp(out[k], val);
        if (dup)
            free(val);
        else
            out[n++] = val;
    }
    json_decref(one);
    *n_out = n;
    return out;
}

int summ_llm_parse_article(const char *content, const char *language, summ_llm_article_t *out,
                           char *err, size_t errlen)
{
    const char *b, *e;
    if (!content || locate_object(content, &b, &e) < 0) {
        snprintf(err, errlen, "the answer holds no JSON object");
        return -1;
    }
    json_error_t je;
    json_t *root = json_loadb(b, (size_t)(e - b), 0, &je);
    if (!json_is_object(root)) {
        snprintf(err, errlen, "the answer is not valid JSON: %s", root ? "not an object" : je.text);
        json_decref(root);
        return -1;
    }
    int rc = -1;
    char *title = NULL, *summary = NULL;
    json_t *jt = json_object_get(root, "title"), *js = json_object_get(root, "summary");
    json_t *jtop = json_object_get(root, "topics"), *jent = json_object_get(root, "entities");
    if (!jtop)
        jtop = json_object_get(root, "topic");
    if (!json_is_string(jt) || !json_is_string(js)) {
        snprintf(err, errlen, "\"title\" and \"summary\" must be strings");
        goto done;
    }
    if (!json_is_array(jtop) && !json_is_string(jtop)) {
        snprintf(err, errlen, "\"topics\" must be an array of labels");
        goto done;
    }
    if (jent && !json_is_array(jent) && !json_is_null(jent)) {
        snprintf(err, errlen, "\"entities\" must be an array");
        goto done;
    }
    title = trimmed_dup(json_string_value(jt));
    summary = trimmed_dup(json_string_value(js));
    size_t tchars = summ_llm_u8_chars(title), schars = summ_llm_u8_chars(summary);
    if (!tchars || !schars) {
        snprintf(err, errlen, "empty %s", tchars ? "summary" : "title");
        goto done;
    }
    if (tchars > 300) {
        snprintf(err, errlen, "title too long (%zu characters)", tchars);
        goto done;
    }
    int cjk = summ_llm_lang_is_cjk(language);
    size_t min_chars = cjk ? 40 : 80, max_chars = cjk ? 1500 : 4000;
    if (schars < min_chars || schars > max_chars) {
        snprintf(err, errlen, "summary of %zu characters (expected %zu to %zu)", schars, min_chars, max_chars);
        goto done;
    }
    size_t sc, so, tc, to;
    letter_counts(summary, &sc, &so);
    letter_counts(title, &tc, &to);
    if (cjk && (sc * 10 < (sc + so) * 4 || tc == 0)) {
        snprintf(err, errlen, "the %s is not in %s (too few CJK characters)", tc == 0 ? "title" : "summary", language);
        goto done;
    }
    if (!cjk && so * 10 < (sc + so) * 8) {
        snprintf(err, errlen, "the summary does not look like %s", language ? language : "the target language");
        goto done;
    }
    out->topics = string_list(jtop, SUMM_LLM_MAX_TOPICS, 0, &out->ntopics, 1);
    if (out->ntopics == 0) {
        free(out->topics);
        out->topics = nm_calloc(2, sizeof *out->topics);
        out->topics[0] = nm_strdup("other");
        out->ntopics = 1;
    }
    out->entities = jent && json_is_array(jent)
                        ? string_list(jent, SUMM_LLM_MAX_ENTITIES, 100, &out->nentities, 0)
                        : nm_calloc(1, sizeof *out->entities);
    out->title = title;
    out->summary = summary;
    title = summary = NULL;
    rc = 0;
done:
    free(title);
    free(summary);
    json_decref(root);
    return rc;
}

/* ---- Retry-After ---- */

long summ_llm_retry_after(const char *v, int64_t now_s)
{
    if (!v)
        return -1;
    while (isspace((unsigned char)*v))
        v++;
    if (!*v)
        return -1;
    if (isdigit((unsigned char)*v)) {
        char *end;
        long s = strtol(v, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (*end == '.') { /* some servers send fractions */
            strtol(end + 1, &end, 10);
            if (s < LONG_MAX) /* "9223372036854775807.5" must not overflow */
                s += 1;
        }
        return (*end || s < 0) ? -1 : (s > 86400 ? 86400 : s);
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!e)
        return -1;
    time_t t = timegm(&tm);
    long d = (long)((int64_t)t - now_s);
    return d < 0 ? 0 : (d > 86400 ? 86400 : d);
}

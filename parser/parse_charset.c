/* parse_charset: bytes of a web page in whatever charset -> valid UTF-8.
 *
 * Order of authority (as browsers do, simplified): HTTP Content-Type charset,
 * byte order mark, <meta charset> / http-equiv in the first 4 KiB, then UTF-8
 * when the bytes validate, else windows-1252. Labels are mapped to the
 * WHATWG-recommended supersets (latin1 -> windows-1252, gb2312/gbk ->
 * GB18030) because pages mislabel constantly.
 *
 * Pages also declare the wrong charset outright. When a declared or default
 * charset is clearly wrong -- a single-byte label on bytes that are valid
 * UTF-8 with multi-byte sequences, or a conversion that hits many invalid
 * sequences -- uchardet (libuchardet) guesses from the bytes (first 64 KiB),
 * and its guess is used when it decodes more cleanly. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <uchardet.h>

#include "nm_buf.h"
#include "parse_html.h"

#define SNIFF_BYTES 4096

/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;          /* overlong */
        if (c == 0xED && p[1] > 0x9F) return 0;          /* surrogates */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;
        if (c == 0xF4 && p[1] > 0x8F) return 0;
        return 4;
    }
    return 0;
}

static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs (most of any page's markup) eight bytes at a time */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            if (v & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        if (p[i] < 0x80) { i++; continue; }
        size_t k = utf8_seq_len(p + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

/* Copy with invalid sequences (and NULs, which would truncate C strings)
 * replaced by U+FFFD. */
static char *utf8_sanitize(const char *s, size_t n, size_t *out_len)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        size_t k = p[i] ? utf8_seq_len(p + i, n - i) : 0;
        if (k) { i += k; run += k; continue; }
        nm_buf_append(&b, p + i - run, run);
        nm_buf_append(&b, "\xEF\xBF\xBD", 3);
        run = 0;
        i++;
    }
    nm_buf_append(&b, p + i - run, run);
    *out_len = b.len;
    return nm_buf_steal(&b);
}

/* Map a charset label to an iconv name; NULL for labels we treat as UTF-8. */
static const char *charset_normalize(const char *label, char *buf, size_t buflen)
{
    size_t n = 0;
    while (*label && (isspace((unsigned char)*label) || *label == '"' || *label == '\'')) label++;
    while (label[n] && n + 1 < buflen && (isalnum((unsigned char)label[n]) || strchr("-_:.", label[n]))) {
        buf[n] = (char)tolower((unsigned char)label[n]);
        n++;
    }
    buf[n] = 0;
    if (!n) return NULL;
    static const struct { const char *label, *name; } map[] = {
        {"utf-8", "UTF-8"}, {"utf8", "UTF-8"}, {"unicode-1-1-utf-8", "UTF-8"},
        {"iso-8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"}, {"l1", "WINDOWS-1252"},
        {"us-ascii", "WINDOWS-1252"}, {"ascii", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"},
        {"windows-1252", "WINDOWS-1252"}, {"cp1252", "WINDOWS-1252"}, {"x-cp1252", "WINDOWS-1252"},
        {"gb2312", "GB18030"}, {"gbk", "GB18030"}, {"gb18030", "GB18030"}, {"x-gbk", "GB18030"},
        {"cp936", "GB18030"}, {"euc-cn", "GB18030"},
        {"big5", "BIG5-HKSCS"}, {"big5-hkscs", "BIG5-HKSCS"},
        {"shift_jis", "CP932"}, {"shift-jis", "CP932"}, {"sjis", "CP932"}, {"x-sjis", "CP932"},
        {"windows-31j", "CP932"}, {"euc-jp", "EUC-JP"}, {"iso-2022-jp", "ISO-2022-JP"},
        {"euc-kr", "CP949"}, {"ks_c_5601-1987", "CP949"},
        {"utf-16", "UTF-16"}, {"utf-16le", "UTF-16LE"}, {"utf-16be", "UTF-16BE"},
        {"iso-8859-9", "WINDOWS-1254"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(buf, map[i].label) == 0) return map[i].name;
    return buf;   /* let iconv try the label as given */
}

/* Find "charset=" in a Content-Type value or meta content. */
static const char *find_charset_param(const char *s, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i++) {
        if (strncasecmp(s + i, "charset", 7) == 0) {
            size_t j = i + 7;
            while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
            if (j < n && s[j] == '=') {
                j++;
                while (j < n && (s[j] == ' ' || s[j] == '"' || s[j] == '\'')) j++;
                if (j < n) return s + j;
            }
        }
    }
    return NULL;
}

/* <meta charset=X> or <meta http-equiv=Content-Type content="...; charset=X"> in the first bytes. */
static const char *sniff_meta_charset(const char *s, size_t n, char *label, size_t labellen)
{
    if (n > SNIFF_BYTES) n = SNIFF_BYTES;
    const char *end = s + n;
    const char *p = s;
    while ((p = memmem(p, (size_t)(end - p), "<", 1)) != NULL) {
        p++;
        if (end - p < 5 || strncasecmp(p, "meta", 4) != 0) continue;
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (!gt) break;
        const char *cs = find_charset_param(p, (size_t)(gt - p));
        if (cs) {
            size_t k = 0;
            while (cs + k < gt && k + 1 < labellen && !strchr("\"'; />", cs[k])) { label[k] = cs[k]; k++; }
            label[k] = 0;
            if (k) return label;
        }
        p = gt;
    }
    return NULL;
}

/* iconv the whole input; undecodable bytes become U+FFFD. NULL if iconv
 * does not know the charset. */
static char *convert(const char *data, size_t len, const char *from, size_t *out_len, size_t *nbad)
{
    size_t bad_dummy;
    if (!nbad) nbad = &bad_dummy;
    *nbad = 0;
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) return NULL;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    char out[16384];
    char *in = (char *)data;
    size_t inleft = len;
    while (inleft > 0) {
        char *o = out;
        size_t oleft = sizeof out;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        nm_buf_append(&b, out, sizeof out - oleft);
        if (r == (size_t)-1) {
            if (errno == E2BIG) continue;
            /* EILSEQ or EINVAL (truncated at end): skip one byte */
            nm_buf_append(&b, "\xEF\xBF\xBD", 3);
            (*nbad)++;
            in++;
            inleft--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    iconv_close(cd);
    nm_buf_append(&b, "", 0);
    /* iconv output should be valid already; sanitize anyway (NULs, odd converters) */
    char *res = utf8_sanitize(b.data, b.len, out_len);
    nm_buf_free(&b);
    return res;
}

/* Invalid UTF-8 sequences and valid multi-byte ones. */
static void utf8_census(const char *s, size_t n, size_t *bad, size_t *multi)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    *bad = *multi = 0;
    while (i < n) {
        if (p[i] < 0x80) { i++; continue; }
        size_t k = utf8_seq_len(p + i, n - i);
        if (!k) { (*bad)++; i++; continue; }
        (*multi)++;
        i += k;
    }
}

#define DETECT_BYTES (64 * 1024)

/* uchardet's guess as an iconv name (in buf), or NULL when it has none. */
static const char *detect_charset(const char *data, size_t len, char *buf, size_t buflen)
{
    uchardet_t ud = uchardet_new();
    if (!ud) return NULL;
    const char *r = NULL;
    if (uchardet_handle_data(ud, data, len < DETECT_BYTES ? len : DETECT_BYTES) == 0) {
        uchardet_data_end(ud);
        const char *g = uchardet_get_charset(ud);
        if (g && *g && strcasecmp(g, "ASCII") != 0) {
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%s", g);
            r = charset_normalize(tmp, buf, buflen);
            if (r == buf) { snprintf(tmp, sizeof tmp, "%s", buf); snprintf(buf, buflen, "%s", tmp); }
            else if (r) { snprintf(buf, buflen, "%s", r); r = buf; }
        }
    }
    uchardet_delete(ud);
    return r;
}

/* Many undecodable sequences for the size: the label was wrong. */
static int too_many_bad(size_t bad, size_t len)
{
    return bad >= 4 && bad * 1000 > len;
}

/* Decode with uchardet's guess when it beats `bad` errors of the current
 * choice; returns NULL (keep the current result) otherwise. */
static char *try_detected(const char *data, size_t len, size_t bad, size_t *out_len, const char **charset_out)
{
    static _Thread_local char name[64];
    const char *g = detect_charset(data, len, name, sizeof name);
    if (!g) return NULL;
    size_t ol = 0, nb = 0;
    char *r;
    if (strcmp(g, "UTF-8") == 0) {
        size_t multi;
        utf8_census(data, len, &nb, &multi);
        r = nb < bad ? utf8_sanitize(data, len, &ol) : NULL;
    } else {
        r = convert(data, len, g, &ol, &nb);
        if (r && nb >= bad) { free(r); r = NULL; }
    }
    if (!r) return NULL;
    *out_len = ol;
    if (charset_out) *charset_out = name;
    return r;
}

char *parse_html_to_utf8(const char *data, size_t len, const char *content_type, size_t *out_len,
                         const char **charset_out)
{
    char label[64], normbuf[64];
    const char *cs = NULL;
    size_t dummy;
    if (!out_len) out_len = &dummy;

    /* BOM first: it is unambiguous, and a UTF-16 page cannot have meant anything else. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3; len -= 3; cs = "UTF-8";
    } else if (len >= 2 && memcmp(data, "\xFF\xFE", 2) == 0) {
        data += 2; len -= 2; cs = "UTF-16LE";
    } else if (len >= 2 && memcmp(data, "\xFE\xFF", 2) == 0) {
        data += 2; len -= 2; cs = "UTF-16BE";
    }
    if (!cs && content_type) {
        const char *p = find_charset_param(content_type, strlen(content_type));
        if (p) cs = charset_normalize(p, normbuf, sizeof normbuf);
    }
    if (!cs) {
        const char *m = sniff_meta_charset(data, len, label, sizeof label);
        if (m) {
            cs = charset_normalize(m, normbuf, sizeof normbuf);
            /* a page that says UTF-16 in ASCII meta is not UTF-16 */
            if (cs && strncmp(cs, "UTF-16", 6) == 0) cs = "UTF-8";
        }
    }
    int valid = utf8_valid(data, len);
    if (cs && strcmp(cs, "UTF-8") != 0 && strncmp(cs, "UTF-16", 6) != 0 && valid) {
        /* a legacy label on bytes that are valid UTF-8 with multi-byte
         * sequences: the label is stale (CMS migrated, template kept) */
        size_t bad, multi;
        utf8_census(data, len, &bad, &multi);
        if (multi >= 2) cs = "UTF-8";
    }
    if (cs && strcmp(cs, "WINDOWS-1252") == 0 && !valid) {
        /* a Latin label over text that is mostly high bytes: Latin prose is
         * not, CJK double-byte text is. Ask the detector; take a CJK answer
         * that decodes without errors. */
        size_t hi = 0, lim = len < DETECT_BYTES ? len : DETECT_BYTES;
        for (size_t i = 0; i < lim; i++) hi += (unsigned char)data[i] >= 0x80;
        if (hi * 8 > lim) {
            const char *dn = NULL;
            size_t dl = 0;
            char *d = try_detected(data, len, 1, &dl, &dn);
            if (d && dn && strncmp(dn, "ISO-8859", 8) != 0 && strncmp(dn, "WINDOWS-", 8) != 0) {
                if (charset_out) *charset_out = dn;
                *out_len = dl;
                return d;
            }
            free(d);
        }
    }
    if (cs && strcmp(cs, "UTF-8") != 0) {
        size_t nbad = 0;
        char *r = convert(data, len, cs, out_len, &nbad);
        if (r) {
            if (too_many_bad(nbad, len)) {
                char *d = try_detected(data, len, nbad, out_len, charset_out);
                if (d) { free(r); return d; }
            }
            if (charset_out) *charset_out = cs == normbuf ? "declared" : cs;
            return r;
        }
        cs = NULL;   /* unknown label: fall through to detection */
    }
    if (valid) {
        if (charset_out) *charset_out = "UTF-8";
        if (!memchr(data, 0, len)) {   /* the common case: a plain copy */
            *out_len = len;
            return nm_strndup(data, len);
        }
        return utf8_sanitize(data, len, out_len);
    }
    /* not valid UTF-8: declared UTF-8 with a few broken bytes stays UTF-8;
     * otherwise (undeclared, or declared UTF-8 over legacy bytes) detect,
     * falling back to windows-1252 as browsers do */
    size_t bad, multi;
    utf8_census(data, len, &bad, &multi);
    if (cs && (multi > bad * 4 || bad < 2)) {
        if (charset_out) *charset_out = "UTF-8";
        return utf8_sanitize(data, len, out_len);
    }
    char *d = try_detected(data, len, bad, out_len, charset_out);
    if (d) return d;
    if (charset_out) *charset_out = "WINDOWS-1252";
    char *r = convert(data, len, "WINDOWS-1252", out_len, NULL);
    return r ? r : utf8_sanitize(data, len, out_len);
}

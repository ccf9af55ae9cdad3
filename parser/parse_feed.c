/* parse_feed: feed documents become entries.
 *
 * The bytes go through three steps, each linear:
 *   1. to_utf8: settle the encoding (BOM, UTF-16, a declaration that lies,
 *      invalid UTF-8) and produce valid UTF-8;
 *   2. sanitize_xml: repair what makes real feeds ill-formed (bare '&',
 *      HTML entities, control characters, stray '<') and drop the DOCTYPE so
 *      no entity can ever be declared, hence none expanded (billion laughs,
 *      XXE); every repair is counted and reported in feed->errors;
 *   3. libxml2 in recover mode without NOENT/DTDLOAD and with NONET, then a
 *      walk of the tree by local name (namespaces are often undeclared).
 * JSON Feed goes through jansson instead. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memmem; CMake sets it project-wide */
#endif
#include "parse_feed.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "nm_buf.h"
#include "nm_url.h"
#include "parse_date.h"

#define MAX_ERRORS 30
#define MAX_ENTRIES 20000
#define MAX_CATEGORIES 100
#define MAX_BASE_DEPTH 64

/* ------------------------------------------------------------------ */
/* UTF-8                                                              */

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; v = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; v = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

static void put_utf8(nm_buf_t *b, uint32_t cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    nm_buf_append(b, o, n);
}

static int xml_char_ok(uint32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Valid UTF-8 copy of s: invalid sequences become U+FFFD, NULs are dropped. */
static char *utf8_clean(const char *s, size_t n)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = utf8_seq(u + i, n - i, &cp);
        if (l == 0) {
            put_utf8(&b, 0xFFFD);
            i++;
        } else {
            if (cp != 0)
                nm_buf_append(&b, s + i, l);
            i += l;
        }
    }
    if (!b.data)
        nm_buf_append(&b, "", 0);
    char *r = nm_buf_steal(&b);
    return r ? r : nm_strdup("");
}

/* ------------------------------------------------------------------ */
/* errors                                                             */

static void feed_error(parse_feed_t *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void feed_error(parse_feed_t *f, const char *fmt, ...)
{
    if (f->nerrors > MAX_ERRORS)
        return;
    char msg[512];
    if (f->nerrors == MAX_ERRORS) {
        snprintf(msg, sizeof msg, "more errors omitted");
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    /* libxml2 messages end with a newline; the message may also hold
     * document bytes cut mid-character, so it is cleaned like any output. */
    size_t n = strlen(msg);
    while (n > 0 && isspace((unsigned char)msg[n - 1]))
        msg[--n] = '\0';
    f->errors = nm_realloc(f->errors, (f->nerrors + 1) * sizeof *f->errors);
    nm_buf_t b;
    nm_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        nm_buf_append(&b, (unsigned char)msg[i] < 0x20 ? " " : &msg[i], 1);
    f->errors[f->nerrors++] = utf8_clean(b.data, b.len);
    nm_buf_free(&b);
}

/* windows-1252's 0x80–0x9F; 0 = undefined. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

static void cp1252_to_utf8(const unsigned char *s, size_t n, nm_buf_t *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x80)
            nm_buf_append(out, (const char *)&s[i], 1);
        else if (c < 0xA0)
            put_utf8(out, cp1252_high[c - 0x80] ? cp1252_high[c - 0x80] : 0xFFFD);
        else
            put_utf8(out, c);
    }
}

/* Convert with iconv; undecodable bytes become U+FFFD. -1 if the charset is unknown. */
static int iconv_to_utf8(const char *charset, const char *in, size_t n, nm_buf_t *out)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return -1;
    char *ip = (char *)in;
    size_t il = n;
    char chunk[4096];
    while (il > 0) {
        char *op = chunk;
        size_t ol = sizeof chunk;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        int e = errno;
        nm_buf_append(out, chunk, (size_t)(op - chunk));
        if (r == (size_t)-1) {
            if (e == E2BIG)
                continue;
            if (e == EILSEQ) {
                put_utf8(out, 0xFFFD);
                ip++;
                il--;
                continue;
            }
            break;   /* EINVAL: truncated sequence at the end */
        }
    }
    iconv_close(cd);
    return 0;
}

/* The encoding named in "<?xml ... encoding='X'?>", copied into name. */
static int declared_encoding(const char *s, size_t n, char *name, size_t namelen)
{
    size_t lim = n < 512 ? n : 512;
    const char *end = memmem(s, lim, "?>", 2);
    if (!end || lim < 5 || memcmp(s, "<?xml", 5) != 0)
        return -1;
    const char *e = memmem(s, (size_t)(end - s), "encoding", 8);
    if (!e)
        return -1;
    e += 8;
    while (e < end && (*e == ' ' || *e == '=' || *e == '\t'))
        e++;
    if (e >= end || (*e != '"' && *e != '\''))
        return -1;
    char q = *e++;
    size_t k = 0;
    while (e < end && *e != q && k + 1 < namelen) {
        if (!isalnum((unsigned char)*e) && !strchr("._:-", *e))
            return -1;
        name[k++] = *e++;
    }
    name[k] = '\0';
    return k ? 0 : -1;
}

/* Labels that mean a superset in practice (as browsers treat them): feeds
 * labelled gb2312 contain GBK, those labelled latin-1 contain windows-1252. */
static const char *charset_alias(const char *label)
{
    static const struct { const char *label, *charset; } aliases[] = {
        {"gb2312", "GB18030"}, {"gbk", "GB18030"}, {"x-gbk", "GB18030"}, {"gb_2312-80", "GB18030"},
        {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"},
        {"us-ascii", "WINDOWS-1252"}, {"ascii", "WINDOWS-1252"}, {"big5", "BIG5-HKSCS"},
        {"shift_jis", "CP932"}, {"sjis", "CP932"}, {"euc-kr", "CP949"}};
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcasecmp(label, aliases[i].label))
            return aliases[i].charset;
    return label;
}

/* Step 1: valid UTF-8 without BOM, whatever came in. */
static char *to_utf8(const char *data, size_t len, parse_feed_t *f, size_t *outlen)
{
    const unsigned char *u = (const unsigned char *)data;
    nm_buf_t out;
    nm_buf_init(&out, 0);
    const char *utf16 = NULL;
    if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        utf16 = "UTF-16LE"; data += 2; len -= 2;
    } else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        utf16 = "UTF-16BE"; data += 2; len -= 2;
    } else if (len >= 4 && u[0] == '<' && u[1] == 0 && u[2] != 0 && u[3] == 0) {
        utf16 = "UTF-16LE";
    } else if (len >= 4 && u[0] == 0 && u[1] == '<' && u[2] == 0 && u[3] != 0) {
        utf16 = "UTF-16BE";
    }
    if (utf16) {
        iconv_to_utf8(utf16, data, len, &out);
    } else {
        if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
            data += 3; len -= 3;
        }
        u = (const unsigned char *)data;
        size_t valid_multi = 0, invalid = 0;
        for (size_t i = 0; i < len;) {
            uint32_t cp;
            size_t l = u[i] < 0x80 ? 1 : utf8_seq(u + i, len - i, &cp);
            if (l == 0) {
                invalid++;
                i++;
            } else {
                valid_multi += l > 1;
                i += l;
            }
        }
        char decl[48];
        int has_decl = declared_encoding(data, len, decl, sizeof decl) == 0;
        int decl_utf8 = has_decl && (!strcasecmp(decl, "utf-8") || !strcasecmp(decl, "utf8"));
        if (invalid == 0) {
            /* Valid UTF-8 is UTF-8, whatever the declaration says: text in a
             * legacy charset is practically never valid UTF-8 by accident. */
            nm_buf_append(&out, data, len);
        } else if (has_decl && !decl_utf8 && iconv_to_utf8(charset_alias(decl), data, len, &out) == 0) {
            /* decoded as declared */
        } else if (valid_multi == 0) {
            cp1252_to_utf8(u, len, &out);
            feed_error(f, "document is not valid UTF-8%s%s; decoded as windows-1252",
                       has_decl ? " and its declared encoding is " : "", has_decl ? decl : "");
        } else {
            char *c = utf8_clean(data, len);
            nm_buf_puts(&out, c);
            free(c);
            feed_error(f, "%zu invalid UTF-8 byte(s) replaced", invalid);
        }
    }
    *outlen = out.len;
    char *r = nm_buf_steal(&out);
    return r ? r : nm_strdup("");
}

/* ------------------------------------------------------------------ */
/* Step 2: repairs before the XML parser sees the text                */

typedef struct {
    size_t bare_amp, html_entities, unknown_entities, controls, stray_lt, bad_charrefs;
    int doctype_subset;
    char first_html[40], first_unknown[40];
} repair_t;

/* Copy one character at s[*i] unless XML forbids it. */
static void copy_char(const char *s, size_t n, size_t *i, nm_buf_t *out, repair_t *r)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp;
    size_t l = utf8_seq(u + *i, n - *i, &cp);
    if (l == 0) {
        put_utf8(out, 0xFFFD);
        *i += 1;
        return;
    }
    if (!xml_char_ok(cp))
        r->controls++;
    else
        nm_buf_append(out, s + *i, l);
    *i += l;
}

/* s[i] == '&': emit a reference the XML parser accepts without any DTD. */
static size_t fix_amp(const char *s, size_t n, size_t i, nm_buf_t *out, repair_t *r)
{
    size_t j = i + 1;
    if (j < n && s[j] == '#') {
        j++;
        int hex = j < n && (s[j] == 'x' || s[j] == 'X');
        if (hex)
            j++;
        size_t d0 = j;
        uint32_t v = 0;
        while (j < n && j - d0 < 8 && (hex ? isxdigit((unsigned char)s[j]) : isdigit((unsigned char)s[j]))) {
            int dv = isdigit((unsigned char)s[j]) ? s[j] - '0' : (tolower((unsigned char)s[j]) - 'a' + 10);
            v = v * (hex ? 16 : 10) + (uint32_t)dv;
            j++;
        }
        if (j > d0 && j < n && s[j] == ';') {
            if (v >= 0x80 && v <= 0x9F)   /* "&#146;": windows-1252 numbers posing as Unicode */
                v = cp1252_high[v - 0x80];
            if (xml_char_ok(v))
                nm_buf_printf(out, "&#%u;", (unsigned)v);
            else
                r->bad_charrefs++;
            return j + 1;
        }
    } else {
        while (j < n && j - i <= 32 && isalnum((unsigned char)s[j]))
            j++;
        if (j > i + 1 && j < n && s[j] == ';' && isalpha((unsigned char)s[i + 1])) {
            char name[40];
            size_t nl = j - i - 1;
            memcpy(name, s + i + 1, nl);
            name[nl] = '\0';
            if (!strcmp(name, "amp") || !strcmp(name, "lt") || !strcmp(name, "gt") || !strcmp(name, "quot") ||
                !strcmp(name, "apos")) {
                nm_buf_append(out, s + i, j + 1 - i);
                return j + 1;
            }
            const htmlEntityDesc *ent = htmlEntityLookup((const xmlChar *)name);
            if (ent) {
                if (!r->html_entities++)
                    snprintf(r->first_html, sizeof r->first_html, "%s", name);
                nm_buf_printf(out, "&#%u;", ent->value);
                return j + 1;
            }
            if (!r->unknown_entities++)
                snprintf(r->first_unknown, sizeof r->first_unknown, "%s", name);
            nm_buf_puts(out, "&amp;");
            return i + 1;
        }
    }
    r->bare_amp++;
    nm_buf_puts(out, "&amp;");
    return i + 1;
}

static int starts(const char *s, size_t n, size_t i, const char *lit)
{
    size_t l = strlen(lit);
    return n - i >= l && memcmp(s + i, lit, l) == 0;
}

/* Index just past the end of "<!DOCTYPE ...>" starting at i. */
static size_t skip_doctype(const char *s, size_t n, size_t i, repair_t *r)
{
    size_t j = i + 9;
    int subset = 0;
    char quote = 0;
    while (j < n) {
        char c = s[j];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '[') {
            subset = 1;
            r->doctype_subset = 1;
        } else if (c == ']') {
            subset = 0;
        } else if (c == '>' && !subset) {
            return j + 1;
        }
        j++;
    }
    return n;
}

static void sanitize_xml(const char *s, size_t n, nm_buf_t *out, repair_t *r)
{
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '&') {
            i = fix_amp(s, n, i, out, r);
        } else if (c != '<') {
            copy_char(s, n, &i, out, r);
        } else if (starts(s, n, i, "<![CDATA[")) {
            /* CDATA becomes escaped text: same content, and an unterminated
             * section (truncated feed) still yields its text */
            const char *e = memmem(s + i + 9, n - i - 9, "]]>", 3);
            size_t end = e ? (size_t)(e - s) : n;
            for (i += 9; i < end;) {
                if (s[i] == '&' || s[i] == '<' || s[i] == '>') {
                    nm_buf_puts(out, s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : "&gt;");
                    i++;
                } else {
                    copy_char(s, end, &i, out, r);
                }
            }
            i = e ? end + 3 : n;
        } else if (starts(s, n, i, "<!--") || starts(s, n, i, "<?")) {
            /* comments and processing instructions carry nothing a feed
             * reader needs; dropping them spares the XML parser their errors
             * ("--" inside, no end). The XML declaration is no longer needed:
             * the text is UTF-8 now. */
            const char *term = s[i + 1] == '?' ? "?>" : "-->";
            const char *e = memmem(s + i + 2, n - i - 2, term, strlen(term));
            i = e ? (size_t)(e - s) + strlen(term) : n;
        } else if (n - i >= 9 && !strncasecmp(s + i, "<!DOCTYPE", 9)) {
            i = skip_doctype(s, n, i, r);
        } else if (i + 1 < n && (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '_' || s[i + 1] == ':' ||
                                 s[i + 1] == '/' || s[i + 1] == '!' || (unsigned char)s[i + 1] >= 0x80)) {
            /* a tag: repair '&' in attribute values, stop at its '>' */
            nm_buf_append(out, "<", 1);
            i++;
            char quote = 0;
            while (i < n) {
                char t = s[i];
                if (t == '<')
                    break;   /* unterminated tag; let the parser complain */
                if (t == '&') {
                    i = fix_amp(s, n, i, out, r);
                    continue;
                }
                if (quote && t == quote)
                    quote = 0;
                else if (!quote && (t == '"' || t == '\''))
                    quote = t;
                copy_char(s, n, &i, out, r);
                if (t == '>' && !quote)
                    break;
            }
        } else {
            r->stray_lt++;
            nm_buf_puts(out, "&lt;");
            i++;
        }
    }
}

static void report_repairs(parse_feed_t *f, const repair_t *r)
{
    if (r->bare_amp)
        feed_error(f, "%zu unescaped '&' escaped", r->bare_amp);
    if (r->html_entities)
        feed_error(f, "%zu undeclared HTML entit%s (e.g. &%s;) replaced by characters", r->html_entities,
                   r->html_entities == 1 ? "y" : "ies", r->first_html);
    if (r->unknown_entities)
        feed_error(f, "%zu unknown entit%s (e.g. &%s;) kept as text", r->unknown_entities,
                   r->unknown_entities == 1 ? "y" : "ies", r->first_unknown);
    if (r->controls)
        feed_error(f, "%zu character(s) not allowed in XML removed", r->controls);
    if (r->stray_lt)
        feed_error(f, "%zu unescaped '<' escaped", r->stray_lt);
    if (r->bad_charrefs)
        feed_error(f, "%zu invalid character reference(s) removed", r->bad_charrefs);
    if (r->doctype_subset)
        feed_error(f, "DOCTYPE internal subset ignored (entities are never expanded)");
}

/* ------------------------------------------------------------------ */
/* text helpers                                                       */

static char *dup_or_null(const char *s)
{
    return s ? nm_strdup(s) : NULL;
}

static int is_block_tag(const char *t, size_t n)
{
    static const char *const block[] = {"br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                                        "tr", "td", "th", "table", "blockquote", "hr", "section", "article"};
    if (n > 0 && *t == '/') {
        t++;
        n--;
    }
    size_t k = 0;
    while (k < n && isalnum((unsigned char)t[k]))
        k++;
    for (size_t i = 0; i < sizeof block / sizeof block[0]; i++)
        if (strlen(block[i]) == k && !strncasecmp(t, block[i], k))
            return 1;
    return 0;
}

/* Collapse runs of white space (incl. U+00A0) to one space and trim. With
 * html, tags are removed and entities decoded: the plain text of a title. */
static char *to_plain(const char *s, int html)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    nm_buf_t b;
    nm_buf_init(&b, 0);
    int space = 0, no_more_gt = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (html && c == '<' && !no_more_gt && i + 1 < n &&
            (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!' || s[i + 1] == '?')) {
            const char *gt = memchr(s + i, '>', n - i);
            if (!gt) {
                no_more_gt = 1;
            } else {
                if (is_block_tag(s + i + 1, (size_t)(gt - s) - i - 1))
                    space = b.len > 0;   /* <br>, <p>, ... separate words; <b> does not */
                i = (size_t)(gt - s) + 1;
                continue;
            }
        }
        if (html && c == '&') {
            size_t j = i + 1;
            uint32_t cp = 0;
            int ok = 0;
            if (j < n && s[j] == '#') {
                j++;
                int hex = j < n && (s[j] == 'x' || s[j] == 'X');
                j += (size_t)hex;
                size_t d0 = j;
                while (j < n && j - d0 < 8 && (hex ? isxdigit((unsigned char)s[j]) : isdigit((unsigned char)s[j]))) {
                    cp = cp * (hex ? 16 : 10) +
                         (uint32_t)(isdigit((unsigned char)s[j]) ? s[j] - '0' : tolower((unsigned char)s[j]) - 'a' + 10);
                    j++;
                }
                if (j > d0 && j < n && s[j] == ';') {
                    if (cp >= 0x80 && cp <= 0x9F)
                        cp = cp1252_high[cp - 0x80];
                    ok = 1;
                }
            } else {
                while (j < n && j - i <= 32 && isalnum((unsigned char)s[j]))
                    j++;
                if (j > i + 1 && j < n && s[j] == ';') {
                    char name[40];
                    memcpy(name, s + i + 1, j - i - 1);
                    name[j - i - 1] = '\0';
                    const htmlEntityDesc *ent = htmlEntityLookup((const xmlChar *)name);
                    if (ent) {
                        cp = ent->value;
                        ok = 1;
                    } else if (!strcmp(name, "apos")) {
                        cp = '\'';
                        ok = 1;
                    }
                }
            }
            if (ok) {
                i = j + 1;
                if (cp == 0xA0 || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
                    space = b.len > 0;
                } else if (xml_char_ok(cp)) {
                    if (space)
                        nm_buf_append(&b, " ", 1);
                    space = 0;
                    put_utf8(&b, cp);
                }
                continue;
            }
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = b.len > 0;
            i++;
            continue;
        }
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            space = b.len > 0;
            i += 2;
            continue;
        }
        if (space)
            nm_buf_append(&b, " ", 1);
        space = 0;
        nm_buf_append(&b, s + i, 1);
        i++;
    }
    char *r = b.len ? utf8_clean(b.data, b.len) : NULL;
    nm_buf_free(&b);
    return r;
}

/* Trimmed copy, NULL when only white space. */
static char *trimmed(const char *s)
{
    if (!s)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n ? utf8_clean(s, n) : NULL;
}

/* ------------------------------------------------------------------ */
/* XML tree helpers                                                   */

#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_DCTERMS "http://purl.org/dc/terms/"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_ATOM10 "http://www.w3.org/2005/Atom"
#define NS_ATOM03 "http://purl.org/atom/ns#"
#define NS_ITUNES "http://www.itunes.com/dtds/podcast-1.0.dtd"
#define NS_MEDIA "http://search.yahoo.com/mrss"

typedef enum { K_CORE, K_DC, K_DCTERMS, K_CONTENT, K_ATOM, K_ITUNES, K_MEDIA, K_OTHER } ns_kind_t;

static const char *lname(xmlNodePtr n)
{
    const char *c = strrchr((const char *)n->name, ':');
    return c ? c + 1 : (const char *)n->name;
}

/* Which vocabulary an element belongs to, by namespace URI or, when the
 * feed forgot to declare it, by its conventional prefix. core_ns is the
 * document's own namespace (Atom in Atom feeds; RSS namespaces otherwise). */
static ns_kind_t ns_kind(xmlNodePtr n, int atom_doc)
{
    const char *uri = n->ns && n->ns->href ? (const char *)n->ns->href : NULL;
    const char *colon = strchr((const char *)n->name, ':');
    char prefix[16] = "";
    if (!uri && colon && (size_t)(colon - (const char *)n->name) < sizeof prefix) {
        memcpy(prefix, n->name, (size_t)(colon - (const char *)n->name));
        prefix[colon - (const char *)n->name] = '\0';
    }
    if (uri) {
        if (!strcmp(uri, NS_DC))
            return K_DC;
        if (!strncmp(uri, NS_DCTERMS, strlen(NS_DCTERMS)))
            return K_DCTERMS;
        if (!strcmp(uri, NS_CONTENT))
            return K_CONTENT;
        if (!strcmp(uri, NS_ATOM10) || !strcmp(uri, NS_ATOM03))
            return atom_doc ? K_CORE : K_ATOM;
        if (!strcasecmp(uri, NS_ITUNES))   /* feeds spell it ".../DTDs/PodCast-1.0.dtd" too */
            return K_ITUNES;
        if (!strncmp(uri, NS_MEDIA, strlen(NS_MEDIA)))   /* with or without the final '/' */
            return K_MEDIA;
        if (!strncmp(uri, "http://purl.org/rss/", 20) || !strncmp(uri, "http://my.netscape.com/rdf/", 27) ||
            !strncmp(uri, "http://backend.userland.com/rss", 31) || !strncmp(uri, "http://channel.netscape.com/rdf/", 32))
            return K_CORE;
        return K_OTHER;
    }
    if (!prefix[0])
        return K_CORE;
    if (!strcmp(prefix, "dc"))
        return K_DC;
    if (!strcmp(prefix, "dcterms"))
        return K_DCTERMS;
    if (!strcmp(prefix, "content"))
        return K_CONTENT;
    if (!strcmp(prefix, "atom"))
        return atom_doc ? K_CORE : K_ATOM;
    if (!strcmp(prefix, "itunes"))
        return K_ITUNES;
    if (!strcmp(prefix, "media"))
        return K_MEDIA;
    return K_OTHER;
}

static char *node_text(xmlNodePtr n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *r = trimmed((const char *)c);
    xmlFree(c);
    return r;
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *r = trimmed((const char *)v);
    xmlFree(v);
    return r;
}

static int has_element_child(xmlNodePtr n)
{
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* The markup inside n, for HTML that a feed put in unescaped. */
static char *inner_markup(xmlNodePtr n)
{
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf)
        nm_oom();
    for (xmlNodePtr c = n->children; c; c = c->next)
        xmlNodeDump(buf, n->doc, c, 0, 0);
    char *r = trimmed((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return r;
}

/* Body text of an element: its markup when it has child elements, else its text. */
static char *node_body(xmlNodePtr n)
{
    return has_element_child(n) ? inner_markup(n) : node_text(n);
}

/* Resolve a reference against base; keep the reference when it cannot be. */
static char *resolve(const char *base, const char *ref)
{
    if (!ref)
        return NULL;
    char *r = nm_url_resolve(base, ref);
    if (r)
        return r;
    if (!strncasecmp(ref, "javascript:", 11) || !strncasecmp(ref, "data:", 5) || !strncasecmp(ref, "vbscript:", 9))
        return NULL;
    return nm_strdup(ref);
}

/* n's base URL: base_url refined by xml:base from the root down to n. */
static char *node_base(xmlNodePtr n, const char *base_url)
{
    xmlNodePtr chain[MAX_BASE_DEPTH];
    size_t k = 0;
    for (xmlNodePtr p = n; p && p->type == XML_ELEMENT_NODE && k < MAX_BASE_DEPTH; p = p->parent)
        chain[k++] = p;
    char *base = base_url ? nm_strdup(base_url) : NULL;
    while (k > 0) {
        xmlNodePtr p = chain[--k];
        xmlChar *xb = xmlGetNsProp(p, (const xmlChar *)"base", XML_XML_NAMESPACE);
        if (xb) {
            char *t = trimmed((const char *)xb);
            if (t) {
                char *nb = resolve(base, t);
                free(base);
                base = nb;
                free(t);
            }
            xmlFree(xb);
        }
    }
    return base;
}

static void set_date(parse_feed_t *f, int64_t *dst, xmlNodePtr n, const char *what)
{
    if (*dst)
        return;
    char *t = node_text(n);
    if (!t)
        return;
    if (parse_date(t, dst) != 0) {
        *dst = 0;
        feed_error(f, "%s: unrecognised date \"%.60s\"", what, t);
    }
    free(t);
}

static void take(char **dst, char *val)
{
    if (*dst || !val) {
        free(val);
        return;
    }
    *dst = val;
}

static void add_category(parse_feed_entry_t *e, char *c)
{
    if (!c)
        return;
    if (e->ncategories >= MAX_CATEGORIES) {
        free(c);
        return;
    }
    for (size_t i = 0; i < e->ncategories; i++)
        if (!strcmp(e->categories[i], c)) {
            free(c);
            return;
        }
    e->categories = nm_realloc(e->categories, (e->ncategories + 1) * sizeof *e->categories);
    e->categories[e->ncategories++] = c;
}

/* "jane@example.com (Jane Doe)" -> "Jane Doe"; "Jane Doe (jane@example.com)"
 * and "Jane Doe <jane@example.com>" -> "Jane Doe". */
static char *rss_author(char *a)
{
    if (!a)
        return NULL;
    size_t n = strlen(a);
    char *open = strchr(a, '(');
    char *lt = strchr(a, '<');
    char *cut = open ? open : lt;
    if (n > 2 && cut && cut > a && (a[n - 1] == ')' || a[n - 1] == '>') && memchr(cut, '@', (size_t)(a + n - cut))) {
        char *inside = nm_strndup(a, (size_t)(cut - a));
        char *name = trimmed(inside);
        free(inside);
        if (name) {
            free(a);
            return name;
        }
    }
    if (n > 2 && a[n - 1] == ')' && open && open > a && memchr(a, '@', (size_t)(open - a))) {
        char *inside = nm_strndup(open + 1, (size_t)(a + n - 1 - open - 1));
        char *name = trimmed(inside);
        free(inside);
        if (name) {
            free(a);
            return name;
        }
    }
    return a;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Every entry needs an identity: id, else link, else a hash of its text. */
static void finish_entry(parse_feed_entry_t *e)
{
    if (!e->id && e->link)
        e->id = nm_strdup(e->link);
    if (!e->id) {
        uint64_t h = fnv1a(0xcbf29ce484222325ULL, e->title);
        h = fnv1a(h, "\n");
        h = fnv1a(h, e->content ? e->content : e->summary);
        char buf[64];
        snprintf(buf, sizeof buf, "urn:newsmill:entry:%016llx", (unsigned long long)h);
        e->id = nm_strdup(buf);
    }
}

static parse_feed_entry_t *new_entry(parse_feed_t *f)
{
    if (f->nentries >= MAX_ENTRIES) {
        if (f->nentries == MAX_ENTRIES)
            feed_error(f, "more than %d entries; the rest ignored", MAX_ENTRIES);
        return NULL;
    }
    if ((f->nentries & (f->nentries - 1)) == 0)  /* at 0, 1, 2, 4, 8...: double, so growth stays linear */
        f->entries = nm_realloc(f->entries, (f->nentries ? 2 * f->nentries : 1) * sizeof *f->entries);
    parse_feed_entry_t *e = &f->entries[f->nentries++];
    memset(e, 0, sizeof *e);
    return e;
}

static int is_link_alternate(xmlNodePtr n)
{
    char *rel = attr(n, "rel");
    int ok = !rel || !strcmp(rel, "alternate");
    free(rel);
    return ok;
}

/* Atom category: its human-readable label, else its term. */
static char *atom_category(xmlNodePtr n)
{
    char *label = attr(n, "label");
    if (label)
        return label;
    return attr(n, "term");
}

/* itunes:keywords "a, b,c" -> categories */
static void add_keywords(parse_feed_entry_t *e, xmlNodePtr n)
{
    char *kw = node_text(n);
    if (!kw)
        return;
    char *save = NULL;
    for (char *t = strtok_r(kw, ",", &save); t; t = strtok_r(NULL, ",", &save))
        add_category(e, trimmed(t));
    free(kw);
}

static char *atom_text(xmlNodePtr n, int plain);

/* ------------------------------------------------------------------ */
/* RSS 0.9x / 1.0 / 2.0                                               */

/* Is this (media:content, enclosure, link rel=enclosure) an image? By
 * medium="image", else by an image media type. */
static int is_image(xmlNodePtr n)
{
    char *medium = attr(n, "medium"), *type = attr(n, "type");
    int yes = (medium && !strcasecmp(medium, "image")) || (!medium && type && !strncasecmp(type, "image/", 6));
    free(medium);
    free(type);
    return yes;
}

/* Media RSS (media:thumbnail, media:content, media:group of them): the
 * entry's image. A thumbnail wins over a full-size content image, since
 * the image is shown small next to the entry. */
static void media_image(xmlNodePtr n, const char *base, char **thumb, char **content_img, int depth)
{
    const char *ln = lname(n);
    if (!strcmp(ln, "thumbnail")) {
        char *u = attr(n, "url");
        take(thumb, u ? resolve(base, u) : NULL);
        free(u);
    } else if (!strcmp(ln, "content") && is_image(n)) {
        char *u = attr(n, "url");
        take(content_img, u ? resolve(base, u) : NULL);
        free(u);
    }
    if (depth < 2 && (!strcmp(ln, "group") || !strcmp(ln, "content")))
        for (xmlNodePtr c = n->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && ns_kind(c, 0) == K_MEDIA)
                media_image(c, base, thumb, content_img, depth + 1);
}

/* An RSS <link>: its text, or an href attribute (Atom habits). When a feed
 * repeats <link>, the last non-empty one wins, as in gofeed and browsers'
 * feed readers: templates append the specific link after a generic one. */
static void rss_link(char **dst, xmlNodePtr c)
{
    char *v = node_text(c);
    if (!v)
        v = attr(c, "href");
    if (!v)
        return;
    free(*dst);
    *dst = v;
}

static void rss_item(parse_feed_t *f, xmlNodePtr item, const char *base_url)
{
    parse_feed_entry_t *e = new_entry(f);
    if (!e)
        return;
    char *base = node_base(item, base_url);
    char *guid = NULL, *link = NULL, *atom_link = NULL, *title = NULL, *dc_title = NULL;
    char *author = NULL, *dc_creator = NULL, *it_author = NULL, *desc = NULL, *dc_desc = NULL, *it_summary = NULL;
    char *atom_content = NULL, *thumb = NULL, *media_img = NULL, *encl_img = NULL;
    int64_t pub = 0, dc_date = 0, dct_pub = 0, upd = 0;
    int guid_permalink = 1;
    char what[48];
    snprintf(what, sizeof what, "entry %zu", f->nentries);

    xmlChar *about = xmlGetProp(item, (const xmlChar *)"about");   /* RDF: rdf:about */
    for (xmlNodePtr c = item->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *ln = lname(c);
        switch (ns_kind(c, 0)) {
        case K_CORE:
            if (!strcmp(ln, "title"))
                take(&title, node_text(c));
            else if (!strcmp(ln, "link"))
                rss_link(&link, c);
            else if (!strcmp(ln, "description"))
                take(&desc, node_body(c));
            else if (!strcmp(ln, "guid")) {
                if (!guid) {
                    char *pl = attr(c, "isPermaLink");
                    guid_permalink = !pl || strcasecmp(pl, "false") != 0;
                    free(pl);
                }
                take(&guid, node_text(c));
            } else if (!strcmp(ln, "pubDate"))
                set_date(f, &pub, c, what);
            else if (!strcmp(ln, "author"))
                take(&author, node_text(c));
            else if (!strcmp(ln, "category"))
                add_category(e, node_text(c));
            else if (!strcmp(ln, "enclosure") && is_image(c)) {
                char *u = attr(c, "url");
                take(&encl_img, u ? resolve(base, u) : NULL);
                free(u);
            }
            break;
        case K_MEDIA:
            media_image(c, base, &thumb, &media_img, 0);
            break;
        case K_DC:
            if (!strcmp(ln, "creator") || !strcmp(ln, "author"))
                take(&dc_creator, node_text(c));
            else if (!strcmp(ln, "date"))
                set_date(f, &dc_date, c, what);
            else if (!strcmp(ln, "subject"))
                add_category(e, node_text(c));
            else if (!strcmp(ln, "title"))
                take(&dc_title, node_text(c));
            else if (!strcmp(ln, "description"))
                take(&dc_desc, node_body(c));
            break;
        case K_DCTERMS:
            if (!strcmp(ln, "modified"))
                set_date(f, &upd, c, what);
            else if (!strcmp(ln, "created") || !strcmp(ln, "issued"))
                set_date(f, &dct_pub, c, what);
            break;
        case K_CONTENT:
            if (!strcmp(ln, "encoded"))
                take(&e->content, node_body(c));
            break;
        case K_ATOM:
            if (!strcmp(ln, "link") && is_link_alternate(c))
                take(&atom_link, attr(c, "href"));
            else if (!strcmp(ln, "updated"))
                set_date(f, &upd, c, what);
            else if (!strcmp(ln, "published"))
                set_date(f, &dct_pub, c, what);
            else if (!strcmp(ln, "author")) {
                for (xmlNodePtr a = c->children; a; a = a->next)
                    if (a->type == XML_ELEMENT_NODE && !strcmp(lname(a), "name"))
                        take(&it_author, node_text(a));
            } else if (!strcmp(ln, "category"))
                add_category(e, atom_category(c));
            else if (!strcmp(ln, "content"))
                take(&atom_content, atom_text(c, 0));
            break;
        case K_ITUNES:
            if (!strcmp(ln, "author"))
                take(&it_author, node_text(c));
            else if (!strcmp(ln, "summary"))
                take(&it_summary, node_body(c));
            else if (!strcmp(ln, "keywords"))
                add_keywords(e, c);
            break;
        default:
            break;
        }
    }

    e->title = to_plain(title ? title : dc_title, 1);
    if (!link && about)
        link = trimmed((const char *)about);
    if (!link)
        link = atom_link ? nm_strdup(atom_link) : NULL;
    if (!link && guid && guid_permalink && nm_url_is_http(guid))
        link = nm_strdup(guid);
    e->link = resolve(base, link);
    e->id = dup_or_null(guid);
    e->author = rss_author(dup_or_null(dc_creator ? dc_creator : it_author ? it_author : author));
    e->summary = dup_or_null(desc ? desc : dc_desc ? dc_desc : it_summary);
    if (!e->content && atom_content) {
        e->content = atom_content;
        atom_content = NULL;
    }
    e->published = pub ? pub : dc_date ? dc_date : dct_pub;
    e->updated = upd ? upd : dc_date;   /* dc:date says when it was last issued */
    e->image = dup_or_null(thumb ? thumb : media_img ? media_img : encl_img);
    finish_entry(e);
    free(thumb); free(media_img); free(encl_img);

    xmlFree(about);
    free(base); free(guid); free(link); free(atom_link); free(title); free(dc_title);
    free(author); free(dc_creator); free(it_author); free(desc); free(dc_desc); free(it_summary);
    free(atom_content);
}

static void rss_channel(parse_feed_t *f, xmlNodePtr ch, const char *base_url)
{
    char *base = node_base(ch, base_url);
    char *title = NULL, *link = NULL, *atom_link = NULL, *desc = NULL, *lang = NULL;
    int64_t build = 0, pub = 0, dc_date = 0;
    for (xmlNodePtr c = ch->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *ln = lname(c);
        switch (ns_kind(c, 0)) {
        case K_CORE:
            if (!strcmp(ln, "title"))
                take(&title, node_text(c));
            else if (!strcmp(ln, "link"))
                rss_link(&link, c);
            else if (!strcmp(ln, "description"))
                take(&desc, node_body(c));
            else if (!strcmp(ln, "language"))
                take(&lang, node_text(c));
            else if (!strcmp(ln, "lastBuildDate"))
                set_date(f, &build, c, "channel");
            else if (!strcmp(ln, "pubDate"))
                set_date(f, &pub, c, "channel");
            else if (!strcmp(ln, "ttl")) {
                char *t = node_text(c);
                long v = t ? strtol(t, NULL, 10) : 0;
                f->ttl = v > 0 && v < 1000000 ? (int)v : 0;
                free(t);
            } else if (!strcmp(ln, "item"))
                rss_item(f, c, base_url);
            break;
        case K_DC:
            if (!strcmp(ln, "date"))
                set_date(f, &dc_date, c, "channel");
            else if (!strcmp(ln, "language"))
                take(&lang, node_text(c));
            else if (!strcmp(ln, "title"))
                take(&title, node_text(c));
            else if (!strcmp(ln, "description"))
                take(&desc, node_body(c));
            break;
        case K_ATOM:
            if (!strcmp(ln, "link") && is_link_alternate(c))
                take(&atom_link, attr(c, "href"));
            break;
        case K_ITUNES:
            if (!strcmp(ln, "summary") || !strcmp(ln, "subtitle"))
                take(&desc, node_body(c));
            break;
        default:
            break;
        }
    }
    take(&f->title, to_plain(title, 1));
    take(&f->link, resolve(base, link ? link : atom_link));
    take(&f->description, dup_or_null(desc));
    take(&f->language, dup_or_null(lang));
    if (!f->updated)
        f->updated = build ? build : pub ? pub : dc_date;
    free(base); free(title); free(link); free(atom_link); free(desc); free(lang);
}

static void parse_rss(parse_feed_t *f, xmlNodePtr root, const char *base_url)
{
    int found_channel = 0;
    /* RSS 0.90/1.0 put items next to the channel; some 0.9x feeds too. */
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || ns_kind(c, 0) != K_CORE)
            continue;
        if (!strcmp(lname(c), "channel")) {
            found_channel = 1;
            rss_channel(f, c, base_url);
        } else if (!strcmp(lname(c), "item")) {
            rss_item(f, c, base_url);
        }
    }
    if (!found_channel)
        feed_error(f, "no <channel> element");
}

/* ------------------------------------------------------------------ */
/* Atom 0.3 / 1.0                                                     */

/* Base64 (white space ignored) decoded to valid UTF-8, or NULL. Unless
 * lenient, NULL also when the decoded bytes are not UTF-8 text (invalid
 * sequences or control characters): then the element was not base64. */
static char *base64_text(const char *s, int lenient)
{
    if (!s)
        return NULL;
    if (!lenient) {
        size_t sig = 0;
        for (const char *c = s; *c; c++)
            if (!isspace((unsigned char)*c))
                sig++;
        if (sig % 4 != 0)
            return NULL;   /* padded base64 comes in quads */
    }
    nm_buf_t b;
    nm_buf_init(&b, 0);
    uint32_t acc = 0;
    int bits = 0;
    for (; *s; s++) {
        int v;
        char c = *s;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+' || c == '-') v = 62;
        else if (c == '/' || c == '_') v = 63;
        else if (c == '=' || isspace((unsigned char)c)) continue;
        else {
            nm_buf_free(&b);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char o = (char)((acc >> bits) & 0xFF);
            nm_buf_append(&b, &o, 1);
        }
    }
    if (!lenient) {
        for (size_t i = 0; i < b.len;) {
            uint32_t cp;
            size_t k = utf8_seq((const unsigned char *)b.data + i, b.len - i, &cp);
            if (!k || (cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t')) {
                nm_buf_free(&b);
                return NULL;
            }
            i += k;
        }
    }
    char *r = b.len ? utf8_clean(b.data, b.len) : NULL;
    nm_buf_free(&b);
    return r;
}

/* A text construct: markup (HTML) for bodies, plain text when plain. */
static char *atom_text(xmlNodePtr n, int plain)
{
    char *type = attr(n, "type");
    char *mode = attr(n, "mode");   /* Atom 0.3 */
    int xhtml = type && (!strcmp(type, "xhtml") || !strcmp(type, "application/xhtml+xml"));
    int html = type && (!strcmp(type, "html") || !strcmp(type, "text/html"));
    /* Atom 1.0 (RFC 4287 4.1.3.3): a media type that is neither text nor
     * XML means base64; Atom 0.3 says mode="base64". */
    size_t tl = type ? strlen(type) : 0;
    int base64 = (mode && !strcmp(mode, "base64")) ||
                 (type && strchr(type, '/') && strncmp(type, "text/", 5) != 0 &&
                  !(tl >= 4 && !strcmp(type + tl - 4, "+xml")) && !(tl >= 4 && !strcmp(type + tl - 4, "/xml")));
    char *r = NULL;
    char *d = NULL;
    if (base64) {
        /* Atom 0.3's mode="base64" is explicit. A binary media type only
         * says what RFC 4287 expects: feeds also put plain text under
         * made-up types (application/x-custom, application/json), so the
         * text is decoded only when it is strict base64 of readable UTF-8. */
        char *t = node_text(n);
        d = base64_text(t, mode && !strcmp(mode, "base64"));
        if (!d) {
            r = plain ? to_plain(t, html) : dup_or_null(t);
        } else {
            r = plain ? to_plain(d, 1) : dup_or_null(d);
        }
        free(d);
        free(t);
    } else if (xhtml || has_element_child(n)) {
        xmlNodePtr inner = n;
        xmlNodePtr only = NULL;
        int elems = 0;
        for (xmlNodePtr c = n->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE) {
                elems++;
                only = c;
            }
        /* the wrapping xhtml:div is not part of the content (RFC 4287 3.1.1.3) */
        if (elems == 1 && !strcmp(lname(only), "div"))
            inner = only;
        char *m = inner_markup(inner);
        r = plain ? to_plain(m, 1) : nm_strdup(m ? m : "");
        free(m);
        if (r && !*r) {
            free(r);
            r = NULL;
        }
    } else {
        char *t = node_text(n);
        r = plain ? to_plain(t, html) : dup_or_null(t);
        free(t);
    }
    free(type);
    free(mode);
    return r;
}

static char *atom_person(xmlNodePtr n)
{
    char *name = NULL, *email = NULL;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!strcmp(lname(c), "name"))
            take(&name, node_text(c));
        else if (!strcmp(lname(c), "email"))
            take(&email, node_text(c));
    }
    if (!name && !has_element_child(n))
        name = node_text(n);
    if (!name) {
        name = email;
        email = NULL;
    }
    free(email);
    return name;
}

static void atom_entry(parse_feed_t *f, xmlNodePtr en, const char *base_url, const char *feed_author)
{
    parse_feed_entry_t *e = new_entry(f);
    if (!e)
        return;
    char *base = node_base(en, base_url);
    char *link = NULL, *any_link = NULL, *author = NULL, *contributor = NULL, *dc_creator = NULL;
    char *thumb = NULL, *media_img = NULL, *encl_img = NULL;
    int64_t pub = 0, upd = 0, dc_date = 0;
    char what[48];
    snprintf(what, sizeof what, "entry %zu", f->nentries);
    for (xmlNodePtr c = en->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *ln = lname(c);
        ns_kind_t k = ns_kind(c, 1);
        if (k == K_CORE) {
            if (!strcmp(ln, "id")) {
                /* a relative id is relative to xml:base (never to the
                 * document URL: the id must not change when the feed moves) */
                char *id = node_text(c);
                char *xb = id && !strchr(id, ':') ? node_base(c, NULL) : NULL;
                if (xb) {
                    char *abs = nm_url_resolve(xb, id);
                    if (abs) {
                        free(id);
                        id = abs;
                    }
                }
                free(xb);
                take(&e->id, id);
            }
            else if (!strcmp(ln, "title"))
                take(&e->title, atom_text(c, 1));
            else if (!strcmp(ln, "link")) {
                char *href = attr(c, "href");
                if (href) {
                    char *lb = node_base(c, base_url);
                    char *abs = resolve(lb, href);
                    free(lb);
                    char *rel = attr(c, "rel");
                    if (rel && !strcmp(rel, "enclosure") && is_image(c))
                        take(&encl_img, abs);
                    else if (is_link_alternate(c))
                        take(&link, abs);
                    else
                        take(&any_link, abs);
                    free(rel);
                }
                free(href);
            } else if (!strcmp(ln, "published") || !strcmp(ln, "issued") || !strcmp(ln, "created"))
                set_date(f, &pub, c, what);
            else if (!strcmp(ln, "updated") || !strcmp(ln, "modified"))
                set_date(f, &upd, c, what);
            else if (!strcmp(ln, "author"))
                take(&author, atom_person(c));
            else if (!strcmp(ln, "contributor"))
                take(&contributor, atom_person(c));
            else if (!strcmp(ln, "summary"))
                take(&e->summary, atom_text(c, 0));
            else if (!strcmp(ln, "content")) {
                char *src = attr(c, "src");
                if (!src)
                    take(&e->content, atom_text(c, 0));
                free(src);
            } else if (!strcmp(ln, "category"))
                add_category(e, atom_category(c));
        } else if (k == K_MEDIA) {
            media_image(c, base, &thumb, &media_img, 0);
        } else if (k == K_DC) {
            if (!strcmp(ln, "creator"))
                take(&dc_creator, node_text(c));
            else if (!strcmp(ln, "date"))
                set_date(f, &dc_date, c, what);
            else if (!strcmp(ln, "subject"))
                add_category(e, node_text(c));
        }
    }
    e->link = link ? link : any_link;
    if (link)
        free(any_link);
    e->author = author ? author : contributor ? contributor : dc_creator ? dc_creator : dup_or_null(feed_author);
    if (author) {
        free(contributor);
        free(dc_creator);
    } else if (contributor) {
        free(dc_creator);
    }
    e->published = pub ? pub : dc_date;
    e->updated = upd;
    if (!e->published && e->updated)
        e->published = e->updated;
    e->image = dup_or_null(thumb ? thumb : media_img ? media_img : encl_img);
    free(thumb); free(media_img); free(encl_img);
    finish_entry(e);
    free(base);
}

static void parse_atom(parse_feed_t *f, xmlNodePtr root, const char *base_url)
{
    char *feed_author = NULL, *link = NULL, *any_link = NULL;
    xmlChar *lang = xmlNodeGetLang(root);
    if (lang)
        take(&f->language, trimmed((const char *)lang));
    xmlFree(lang);
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || ns_kind(c, 1) != K_CORE)
            continue;
        const char *ln = lname(c);
        if (!strcmp(ln, "author"))
            take(&feed_author, atom_person(c));
    }
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || ns_kind(c, 1) != K_CORE)
            continue;
        const char *ln = lname(c);
        if (!strcmp(ln, "title"))
            take(&f->title, atom_text(c, 1));
        else if (!strcmp(ln, "subtitle") || !strcmp(ln, "tagline"))
            take(&f->description, atom_text(c, 0));
        else if (!strcmp(ln, "link")) {
            char *href = attr(c, "href");
            if (href) {
                char *lb = node_base(c, base_url);
                if (is_link_alternate(c))
                    take(&link, resolve(lb, href));
                else
                    take(&any_link, resolve(lb, href));
                free(lb);
            }
            free(href);
        } else if (!strcmp(ln, "updated") || !strcmp(ln, "modified"))
            set_date(f, &f->updated, c, "feed");
        else if (!strcmp(ln, "entry"))
            atom_entry(f, c, base_url, feed_author);
    }
    f->link = link;
    free(any_link);
    free(feed_author);
}

/* ------------------------------------------------------------------ */
/* JSON Feed 1.x                                                      */

static char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_string(v))
        return trimmed(json_string_value(v));
    if (json_is_integer(v)) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
        return nm_strdup(b);
    }
    return NULL;
}

static int64_t jdate(parse_feed_t *f, json_t *o, const char *key, const char *what)
{
    char *s = jstr(o, key);
    int64_t t = 0;
    if (s && parse_date(s, &t) != 0) {
        feed_error(f, "%s: unrecognised date \"%.60s\"", what, s);
        t = 0;
    }
    free(s);
    return t;
}

static char *jauthor(json_t *o)
{
    json_t *as = json_object_get(o, "authors");
    if (json_is_array(as) && json_array_size(as) > 0)
        return jstr(json_array_get(as, 0), "name");
    json_t *a = json_object_get(o, "author");
    return json_is_object(a) ? jstr(a, "name") : NULL;
}

static parse_feed_t *parse_json_feed(parse_feed_t *f, const char *data, size_t len, const char *base_url, char *err,
                                     size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (!json_is_object(root)) {
        snprintf(err, errlen, "not a feed: invalid JSON (line %d: %s)", jerr.line, jerr.text);
        json_decref(root);
        parse_feed_destroy(&f);
        return NULL;
    }
    char *version = jstr(root, "version");
    json_t *items = json_object_get(root, "items");
    if (!version) {
        if (!json_is_array(items)) {
            snprintf(err, errlen, "not a feed: JSON without a JSON Feed \"version\" or \"items\"");
            free(version);
            json_decref(root);
            parse_feed_destroy(&f);
            return NULL;
        }
        feed_error(f, "JSON Feed \"version\" missing or unknown");
    }
    free(version);
    f->format = nm_strdup("json");
    char *t = jstr(root, "title");
    f->title = to_plain(t, 0);
    free(t);
    char *home = jstr(root, "home_page_url");
    f->link = resolve(base_url, home);
    free(home);
    f->description = jstr(root, "description");
    f->language = jstr(root, "language");
    char *feed_author = jauthor(root);
    size_t n = json_is_array(items) ? json_array_size(items) : 0;
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        if (!json_is_object(it)) {
            feed_error(f, "item %zu is not an object", i + 1);
            continue;
        }
        parse_feed_entry_t *e = new_entry(f);
        if (!e)
            break;
        char what[48];
        snprintf(what, sizeof what, "entry %zu", f->nentries);
        e->id = jstr(it, "id");
        char *u = jstr(it, "url");
        if (!u)
            u = jstr(it, "external_url");
        e->link = resolve(base_url, u);
        free(u);
        t = jstr(it, "title");
        e->title = to_plain(t, 0);
        free(t);
        e->content = jstr(it, "content_html");
        if (!e->content)
            e->content = jstr(it, "content_text");
        e->summary = jstr(it, "summary");
        char *img = jstr(it, "image");
        if (!img)
            img = jstr(it, "banner_image");
        e->image = img ? resolve(base_url, img) : NULL;
        free(img);
        e->published = jdate(f, it, "date_published", what);
        e->updated = jdate(f, it, "date_modified", what);
        e->author = jauthor(it);
        if (!e->author)
            e->author = dup_or_null(feed_author);
        json_t *tags = json_object_get(it, "tags");
        for (size_t k = 0; json_is_array(tags) && k < json_array_size(tags); k++) {
            json_t *tg = json_array_get(tags, k);
            if (json_is_string(tg))
                add_category(e, trimmed(json_string_value(tg)));
        }
        finish_entry(e);
    }
    free(feed_author);
    json_decref(root);
    /* JSON Feed has no feed date: the newest item stands for it */
    for (size_t k = 0; k < f->nentries; k++) {
        int64_t et = f->entries[k].updated ? f->entries[k].updated : f->entries[k].published;
        if (et > f->updated)
            f->updated = et;
    }
    return f;
}

/* ------------------------------------------------------------------ */
/* entry point                                                        */

static void xml_error_cb(void *ctx, xmlErrorPtr e)
{
    if (!e || e->level < XML_ERR_ERROR)
        return;
    feed_error((parse_feed_t *)ctx, "XML line %d: %s", e->line, e->message ? e->message : "error");
}

parse_feed_t *parse_feed(const char *data, size_t len, const char *base_url, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!data) {
        snprintf(err, errlen, "no input");
        return NULL;
    }
    parse_feed_t *f = nm_calloc(1, sizeof *f);
    size_t ulen;
    char *utf8 = to_utf8(data, len, f, &ulen);
    size_t i = 0;
    while (i < ulen && isspace((unsigned char)utf8[i]))
        i++;
    if (i == ulen) {
        snprintf(err, errlen, "not a feed: empty document");
        free(utf8);
        parse_feed_destroy(&f);
        return NULL;
    }
    if (utf8[i] == '{') {
        parse_feed_t *r = parse_json_feed(f, utf8 + i, ulen - i, base_url, err, errlen);
        free(utf8);
        return r;
    }
    if (utf8[i] != '<') {
        snprintf(err, errlen, "not a feed: neither XML nor JSON");
        free(utf8);
        parse_feed_destroy(&f);
        return NULL;
    }

    repair_t rep;
    memset(&rep, 0, sizeof rep);
    nm_buf_t clean;
    nm_buf_init(&clean, 0);
    sanitize_xml(utf8 + i, ulen - i, &clean, &rep);
    free(utf8);

    /* libxml2's error hooks are per-thread globals: set ours for this parse only. */
    xmlStructuredErrorFunc old_fn = xmlStructuredError;
    void *old_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(f, xml_error_cb);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    xmlDocPtr doc = NULL;
    if (ctxt)
        doc = xmlCtxtReadMemory(ctxt, clean.data ? clean.data : "", (int)(clean.len > 0x7fffffff ? 0x7fffffff : clean.len),
                                base_url, "UTF-8",
                                XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC);
    xmlSetStructuredErrorFunc(old_ctx, old_fn);
    if (ctxt)
        xmlFreeParserCtxt(ctxt);
    nm_buf_free(&clean);

    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        snprintf(err, errlen, "not a feed: not XML%s%s", f->nerrors ? " (" : "",
                 f->nerrors ? f->errors[f->nerrors - 1] : "");
        if (f->nerrors)
            strncat(err, ")", errlen - strlen(err) - 1);
        xmlFreeDoc(doc);
        parse_feed_destroy(&f);
        return NULL;
    }
    const char *rn = lname(root);
    if (!strcmp(rn, "rss")) {
        f->format = nm_strdup("rss");
        parse_rss(f, root, base_url);
    } else if (!strcmp(rn, "RDF")) {
        f->format = nm_strdup("rdf");
        parse_rss(f, root, base_url);
    } else if (!strcmp(rn, "feed")) {
        f->format = nm_strdup("atom");
        parse_atom(f, root, base_url);
    } else if (!strcmp(rn, "channel")) {   /* a bare RSS channel, as some 0.9x feeds send */
        f->format = nm_strdup("rss");
        rss_channel(f, root, base_url);
        feed_error(f, "no <rss> root element");
    } else {
        snprintf(err, errlen, "not a feed: XML root element is <%.40s>, not rss, RDF or feed", rn);
        xmlFreeDoc(doc);
        parse_feed_destroy(&f);
        return NULL;
    }
    xmlFreeDoc(doc);
    report_repairs(f, &rep);
    return f;
}

static void entry_free(parse_feed_entry_t *e)
{
    free(e->id); free(e->title); free(e->link); free(e->author); free(e->summary); free(e->content);
    free(e->image);
    for (size_t i = 0; i < e->ncategories; i++)
        free(e->categories[i]);
    free(e->categories);
}

void parse_feed_destroy(parse_feed_t **feed_p)
{
    if (!feed_p || !*feed_p)
        return;
    parse_feed_t *f = *feed_p;
    free(f->format); free(f->title); free(f->link); free(f->description); free(f->language);
    for (size_t i = 0; i < f->nentries; i++)
        entry_free(&f->entries[i]);
    free(f->entries);
    for (size_t i = 0; i < f->nerrors; i++)
        free(f->errors[i]);
    free(f->errors);
    free(f);
    *feed_p = NULL;
}

static json_t *jstr_or_null(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;   /* json_string refuses invalid UTF-8: null then */
    return v ? v : json_null();
}

static json_t *jdate_or_null(int64_t t)
{
    if (!t)
        return json_null();
    char buf[32];
    parse_date_iso(t, buf, sizeof buf);
    return json_string(buf);
}

json_t *parse_feed_to_json(const parse_feed_t *f)
{
    if (!f)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "format", jstr_or_null(f->format));
    json_object_set_new(o, "title", jstr_or_null(f->title));
    json_object_set_new(o, "link", jstr_or_null(f->link));
    json_object_set_new(o, "description", jstr_or_null(f->description));
    json_object_set_new(o, "updated", jdate_or_null(f->updated));
    json_object_set_new(o, "language", jstr_or_null(f->language));
    json_object_set_new(o, "ttl", f->ttl > 0 ? json_integer(f->ttl) : json_null());
    json_t *es = json_array();
    for (size_t i = 0; i < f->nentries; i++) {
        const parse_feed_entry_t *e = &f->entries[i];
        json_t *j = json_object();
        json_object_set_new(j, "id", jstr_or_null(e->id));
        json_object_set_new(j, "title", jstr_or_null(e->title));
        json_object_set_new(j, "link", jstr_or_null(e->link));
        json_object_set_new(j, "published", jdate_or_null(e->published));
        json_object_set_new(j, "updated", jdate_or_null(e->updated));
        json_object_set_new(j, "author", jstr_or_null(e->author));
        json_object_set_new(j, "summary", jstr_or_null(e->summary));
        json_object_set_new(j, "content", jstr_or_null(e->content));
        json_object_set_new(j, "image", jstr_or_null(e->image));
        json_t *cs = json_array();
        for (size_t k = 0; k < e->ncategories; k++)
            json_array_append_new(cs, jstr_or_null(e->categories[k]));
        json_object_set_new(j, "categories", cs);
        json_array_append_new(es, j);
    }
    json_object_set_new(o, "entries", es);
    json_t *errs = json_array();
    for (size_t i = 0; i < f->nerrors; i++)
        json_array_append_new(errs, jstr_or_null(f->errors[i]));
    json_object_set_new(o, "errors", errs);
    return o;
}

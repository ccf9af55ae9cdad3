/* parse_html: the article extractor (see parse_html.h for the promises).
 *
 * Pipeline: sniff (reject what is not an HTML page) -> UTF-8 -> libxml2 HTML
 * parser -> metadata (parse_meta.c) -> drop non-content elements -> drop
 * boilerplate by class/id/role -> score containers -> pick the main one plus
 * sibling blocks -> blocks in reading order -> text.
 *
 * Per-element state lives in an array indexed through node->_private, which
 * libxml2's HTML parser leaves unused. Every walk is iterative. */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "nm_buf.h"
#include "nm_url.h"
#include "parse_date.h"
#include "parse_html.h"
#include "parse_html_int.h"
#include "parse_lang.h"

#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

#define BLOCK_TEXT_CAP (256 * 1024)
#define MAX_BLOCKS 20000

/* ---- tags ---- */

enum {
    T_OTHER = 0, T_A, T_ARTICLE, T_BLOCKQUOTE, T_BODY, T_BR, T_DIV, T_H1, T_H2, T_H3, T_H4, T_H5, T_H6,
    T_LI, T_MAIN, T_OL, T_P, T_PRE, T_SECTION, T_TABLE, T_TD, T_TH, T_TR, T_UL, T_HTML, T_FORM, T_HEADER,
    T_FOOTER, T_DL, T_DD, T_DT, T_ADDRESS, T_FIGURE, T_HR, T_IMG,
    T_DROP,     /* never content, and raw text or empty for the parser */
    T_SOFTDROP, /* not content, but misnested markup can put the page inside it,
                 * so it goes only when it holds a minority of the text */
    T_INLINE,   /* phrasing content */
};

typedef struct { const char *name; int id; } tag_t;

static const tag_t tags[] = {   /* sorted by name for bsearch */
    {"a", T_A}, {"abbr", T_INLINE}, {"acronym", T_INLINE}, {"address", T_ADDRESS}, {"applet", T_SOFTDROP},
    {"article", T_ARTICLE}, {"aside", T_SOFTDROP}, {"audio", T_SOFTDROP}, {"b", T_INLINE}, {"bdi", T_INLINE},
    {"bdo", T_INLINE}, {"big", T_INLINE}, {"blockquote", T_BLOCKQUOTE}, {"body", T_BODY}, {"br", T_BR},
    {"button", T_SOFTDROP}, {"canvas", T_SOFTDROP}, {"cite", T_INLINE}, {"code", T_INLINE}, {"data", T_INLINE},
    {"datalist", T_SOFTDROP}, {"dd", T_DD}, {"del", T_INLINE}, {"dfn", T_INLINE}, {"dialog", T_SOFTDROP},
    {"div", T_DIV}, {"dl", T_DL}, {"dt", T_DT}, {"em", T_INLINE}, {"embed", T_DROP}, {"figcaption", T_SOFTDROP},
    {"figure", T_FIGURE}, {"font", T_INLINE}, {"footer", T_FOOTER}, {"form", T_FORM}, {"frame", T_SOFTDROP},
    {"frameset", T_SOFTDROP}, {"h1", T_H1}, {"h2", T_H2}, {"h3", T_H3}, {"h4", T_H4}, {"h5", T_H5}, {"h6", T_H6},
    {"head", T_SOFTDROP}, {"header", T_HEADER}, {"hr", T_HR}, {"html", T_HTML}, {"i", T_INLINE},
    {"iframe", T_SOFTDROP}, {"img", T_IMG}, {"input", T_DROP}, {"ins", T_INLINE}, {"kbd", T_INLINE},
    {"label", T_INLINE}, {"li", T_LI}, {"link", T_DROP}, {"main", T_MAIN}, {"map", T_SOFTDROP}, {"mark", T_INLINE},
    {"math", T_SOFTDROP}, {"menu", T_SOFTDROP}, {"meta", T_DROP}, {"meter", T_SOFTDROP}, {"nav", T_SOFTDROP}, {"nobr", T_INLINE},
    {"noscript", T_SOFTDROP}, {"object", T_SOFTDROP}, {"ol", T_OL}, {"optgroup", T_SOFTDROP}, {"option", T_SOFTDROP},
    {"output", T_SOFTDROP}, {"p", T_P}, {"picture", T_SOFTDROP}, {"pre", T_PRE}, {"progress", T_SOFTDROP}, {"q", T_INLINE},
    {"s", T_INLINE}, {"samp", T_INLINE}, {"script", T_DROP}, {"section", T_SECTION}, {"select", T_SOFTDROP},
    {"small", T_INLINE}, {"source", T_DROP}, {"span", T_INLINE}, {"strike", T_INLINE}, {"strong", T_INLINE},
    {"style", T_DROP}, {"sub", T_INLINE}, {"sup", T_INLINE}, {"svg", T_SOFTDROP}, {"table", T_TABLE},
    {"td", T_TD}, {"template", T_SOFTDROP}, {"textarea", T_DROP}, {"th", T_TH}, {"time", T_INLINE},
    {"title", T_DROP}, {"tr", T_TR}, {"tt", T_INLINE}, {"u", T_INLINE}, {"ul", T_UL}, {"var", T_INLINE},
    {"video", T_SOFTDROP}, {"wbr", T_INLINE},
};

static int tag_cmp(const void *k, const void *e)
{
    return strcmp((const char *)k, ((const tag_t *)e)->name);
}

/* The tag id is cached in bits 8-13 of the node's spare `extra` field (see classify). */
#define TAG_DONE 0x4000
/* Names seen lately and their ids (a page has a few dozen distinct tag
 * names, and the parser's names are interned, so a hit is one compare). */
typedef struct { char name[16]; int id; } tag_hit_t;
static _Thread_local tag_hit_t tag_hits[64];

static int tag_of(xmlNode *n)
{
    if (!(n->extra & TAG_DONE)) {
        const char *nm = (const char *)n->name;
        tag_hit_t *h = &tag_hits[((uintptr_t)nm >> 4) & 63];
        int id;
        if (strcmp(h->name, nm) == 0) {
            id = h->id;
        } else {
            const tag_t *t = bsearch(nm, tags, sizeof tags / sizeof tags[0], sizeof tags[0], tag_cmp);
            id = t ? t->id : T_OTHER;
            size_t l = strlen(nm);
            if (l < sizeof h->name) {
                memcpy(h->name, nm, l + 1);
                h->id = id;
            }
        }
        n->extra |= (unsigned short)(TAG_DONE | (id << 8));
    }
    return (n->extra >> 8) & 0x3F;
}

static int is_heading(int t) { return t >= T_H1 && t <= T_H6; }
static int is_inline(int t) { return t == T_INLINE || t == T_A || t == T_IMG; }

/* ---- per-element state ---- */

typedef struct {
    int tag;
    int text;          /* non-blank bytes of text below */
    int link;          /* of which inside <a> */
    int commas;
    int ptext;         /* text inside paragraph-like elements below */
    int block_kids;    /* has block-level children */
    int cand;          /* initialised as a candidate */
    int keep;          /* holds the page's main <article>/<main>: never boilerplate */
    double score;
} ninfo_t;

#define INFO(n) ((ninfo_t *)(n)->_private)

typedef struct {
    xmlDoc *doc;
    xmlNode *body;
    int max_depth;
    ninfo_t *info;
    size_t ninfo, cap;
    xmlNode **cands;
    size_t ncands, candcap;
    xmlNode *main_art;   /* the <article>/<main> with the most prose (pass_stats) */
    parse_meta_t meta;
} ctx_t;

/* ---- class/id/role heuristics ---- */

static const char *neg_sub[] = {"comment", "footer", "sidebar", "share", "sharing", "social", "related",
    "recommend", "newsletter", "subscri", "cookie", "consent", "gdpr", "promo", "sponsor", "advert",
    "breadcrumb", "outbrain", "taboola", "popup", "modal", "banner", "masthead", "navbar", "navigation",
    "menu", "pagination", "pager", "signup", "sign-up", "disqus", "skyscraper", "shoutbox",
    "byline", "dateline", "caption", "credit", "author-bio", "authorbio", "author-info", "tag-list",
    "taglist", "post-tags", "article-tags", "toolbar", "print", "jump-link", "skip-link", "trending",
    "most-popular", "mostpopular", "most-read", "read-more", "readmore", "more-stories", "paywall",
    "masthead", "site-header", "page-header", "site-footer", "copyright", "disclaimer", NULL};
static const char *neg_word[] = {"ad", "ads", "nav", "tags", "tag", "meta", "header",
    "topbar", "share", "footer", "aside", "extra", "rss", "login", "search", "sr-only", "breadcrumbs",
    "adsbygoogle", "advertisement", "utility", "util", NULL};
static const char *strong_sub[] = {"comment", "share", "sharing", "social", "related", "recommend",
    "newsletter", "subscri", "cookie", "consent", "promo", "advert", "outbrain", "taboola",
    "breadcrumb", "byline", "caption", "credit", "most-popular", "more-stories", "trending", NULL};
static const char *pos_sub[] = {"article", "content", "entry", "main", "post", "story", "body", "text",
    "blog", "hentry", "h-entry", "page", NULL};

/* w (lower-case) occurs in s (lower-cased) delimited by non-alphanumerics */
static int word_in(const char *s, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = s; (p = strstr(p, w)) != NULL; p++) {
        int before = p == s || !isalnum((unsigned char)p[-1]);
        int after = !isalnum((unsigned char)p[wl]);
        if (before && after) return 1;
    }
    return 0;
}

/* w is one of the whitespace-separated tokens of s (case-sensitive: class names) */
static int token_in(const char *s, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = s; (p = strstr(p, w)) != NULL; p++) {
        if ((p == s || isspace((unsigned char)p[-1])) && (!p[wl] || isspace((unsigned char)p[wl]))) return 1;
    }
    return 0;
}

/* Bit per letter a-z (and one for everything else) present in s: a pattern
 * whose letters are not all present cannot occur, which rejects most of the
 * ~100 patterns per class attribute without a strstr. */
static uint32_t letter_mask(const char *s)
{
    uint32_t m = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        m |= c >= 'a' && c <= 'z' ? 1u << (c - 'a') : 1u << 26;
    }
    return m;
}

#define MAX_PATTERNS 128
static uint32_t neg_sub_m[MAX_PATTERNS], neg_word_m[MAX_PATTERNS], strong_sub_m[MAX_PATTERNS], pos_sub_m[MAX_PATTERNS];
static pthread_once_t masks_once = PTHREAD_ONCE_INIT;

static void masks_init(void)
{
    const char **lists[] = {neg_sub, neg_word, strong_sub, pos_sub};
    uint32_t *masks[] = {neg_sub_m, neg_word_m, strong_sub_m, pos_sub_m};
    for (int l = 0; l < 4; l++)
        for (int i = 0; lists[l][i] && i < MAX_PATTERNS; i++) masks[l][i] = letter_mask(lists[l][i]);
}

static int any_sub_m(const char *s, uint32_t sm, const char **list, const uint32_t *lm)
{
    for (int i = 0; list[i]; i++)
        if (!(lm[i] & ~sm) && strstr(s, list[i])) return 1;
    return 0;
}

static int any_word_m(const char *s, uint32_t sm, const char **list, const uint32_t *lm)
{
    for (int i = 0; list[i]; i++)
        if (!(lm[i] & ~sm) && word_in(s, list[i])) return 1;
    return 0;
}

static void lower_copy(char *dst, size_t dstlen, const char *src)
{
    size_t k = 0;
    for (; src && *src && k + 1 < dstlen; src++) dst[k++] = (char)tolower((unsigned char)*src);
    dst[k] = 0;
}

/* Class/id/role verdicts, computed once per element and cached in the
 * node's spare `extra` field (unused by the HTML parser):
 * boiler level 2 = boilerplate whatever else the class says, 1 = boilerplate
 * unless it also looks like content, 0 = not; weight = readability's
 * -25/+25 per negative/positive class and id. */
#define CLS_DONE 0x80
static void classify(xmlNode *n, int *lvl, int *weight)
{
    if (!(n->extra & CLS_DONE)) {
        const char *attrs[2] = {ph_attr(n, "class"), ph_attr(n, "id")};
        const char *role = ph_attr(n, "role");
        int l = 0, w = 0, neg_any = 0, pos_any = 0, strong_any = 0;
        for (int i = 0; i < 2; i++) {
            if (!attrs[i] || !*attrs[i]) continue;
            char buf[256];
            lower_copy(buf, sizeof buf, attrs[i]);
            /* each list is scanned once per attribute (this runs for every
             * classed element: it is one of the extractor's hot spots) */
            uint32_t bm = letter_mask(buf);
            pthread_once(&masks_once, masks_init);
            int neg = any_sub_m(buf, bm, neg_sub, neg_sub_m) || any_word_m(buf, bm, neg_word, neg_word_m);
            int pos = any_sub_m(buf, bm, pos_sub, pos_sub_m);
            if (neg || strstr(buf, "media")) w -= 25;
            if (pos) w += 25;
            neg_any |= neg;
            pos_any |= pos;
            if (neg && !strong_any) strong_any = any_sub_m(buf, bm, strong_sub, strong_sub_m);
        }
        if (role && (strcmp(role, "navigation") == 0 || strcmp(role, "banner") == 0 ||
                     strcmp(role, "contentinfo") == 0 || strcmp(role, "complementary") == 0 ||
                     strcmp(role, "menu") == 0 || strcmp(role, "dialog") == 0 || strcmp(role, "alert") == 0 ||
                     strcmp(role, "search") == 0))
            l = 2;
        else if (neg_any)
            l = strong_any ? 2 : pos_any ? 0 : 1;
        n->extra = (unsigned short)((n->extra & ~0xFFu) | CLS_DONE | l | ((w / 25 + 2) << 2));
    }
    if (lvl) *lvl = n->extra & 3;
    if (weight) *weight = (((n->extra >> 2) & 7) - 2) * 25;
}

static int boiler_level(xmlNode *n)
{
    int l;
    classify(n, &l, NULL);
    return l;
}

static int class_weight(xmlNode *n)
{
    int w;
    classify(n, NULL, &w);
    return w;
}

static int is_hidden(const xmlNode *n)
{
    if (ph_attr(n, "hidden")) return 1;
    const char *st = ph_attr(n, "style");
    if (st) {
        char buf[256];
        size_t k = 0;
        for (const char *p = st; *p && k + 1 < sizeof buf; p++)
            if (!isspace((unsigned char)*p)) buf[k++] = (char)tolower((unsigned char)*p);
        buf[k] = 0;
        if (strstr(buf, "display:none") || strstr(buf, "visibility:hidden")) return 1;
    }
    const char *ah = ph_attr(n, "aria-hidden");
    if (ah && strcmp(ah, "true") == 0 && n->children && !n->children->next && n->children->type != XML_TEXT_NODE)
        return 0;
    const char *c = ph_attr(n, "class");
    if (c && (token_in(c, "hidden") || token_in(c, "d-none") || token_in(c, "is-hidden") || token_in(c, "visually-hidden") ||
              token_in(c, "sr-only") || token_in(c, "screen-reader-text") || token_in(c, "hide") ||
              token_in(c, "invisible") || token_in(c, "w-condition-invisible") || token_in(c, "is-invisible") ||
              /* Webflow's form outcome messages: shown only after a submit */
              token_in(c, "w-form-done") || token_in(c, "w-form-fail")))
        return 1;
    return 0;
}

/* ---- a per-document arena for libxml2 ----
 *
 * libxml2 makes a few thousand small allocations per page (nodes, names,
 * text, attribute buffers) and frees them one by one at the end: with
 * glibc's malloc that was a fifth of the extractor's time. While a document
 * is being extracted, this thread's libxml2 allocations come from one arena
 * (bump allocation; free is a no-op) that is emptied in one step when the
 * document is done, so neither the nodes the passes drop nor the tree itself
 * are freed node by node.
 *
 * How it stays safe: the allocator is installed once per process with
 * xmlMemSetup, and outside an extraction (other threads, feeds, tests) it is
 * plain malloc/realloc/free. xmlFree/xmlRealloc of a pointer that is not in
 * this thread's arena chunks goes to free/realloc, so memory libxml2 took
 * before (its globals, created by xmlInitParser before the first arena) is
 * handled as before. Nothing from the arena outlives the document: the tree
 * is dropped with the arena, and libxml2's copy of the last error is reset
 * before the arena is emptied. Memory: about what malloc would hold (freed
 * small blocks are reused through free lists, blocks of ARENA_BIG or more are
 * plain malloc blocks); 1 MiB of tiny elements peaks at 56 MB RSS against
 * 52 MB with malloc, real pages a little lower than with malloc. One chunk of
 * up to ARENA_KEEP bytes is kept between documents (no page faults on the
 * next one); larger ones are unmapped at once. Off under AddressSanitizer
 * and when NM_VALGRIND is set, so memory checkers see libxml2's real
 * allocations. */
#define ARENA_CHUNK (1u << 20)
#define ARENA_KEEP (4u << 20)
#define ARENA_HDR 16         /* per block: its capacity (realloc copies it); keeps 16-byte alignment */
#define ARENA_SMALL 256      /* freed blocks up to this size are reused (free lists per 16 bytes) */
#define ARENA_BIG (64u << 10) /* blocks from this size are plain malloc blocks, tracked */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    char *last;             /* the latest block (realloc grows it in place) */
    char data[];
} arena_chunk_t;

typedef struct {
    arena_chunk_t *chunks;  /* newest first */
    void *freed[ARENA_SMALL / 16 + 1];   /* free lists by capacity / 16 */
    void **big;             /* malloc'd blocks of ARENA_BIG or more, freed with the document */
    size_t nbig, capbig;
} arena_t;

static _Thread_local arena_t arena;
static _Thread_local int arena_on;
static int arena_usable;                     /* set once, by arena_setup */
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static int arena_owns(const void *p)
{
    for (const arena_chunk_t *c = arena.chunks; c; c = c->next)
        if ((const char *)p >= c->data && (const char *)p < c->data + c->size) return 1;
    return 0;
}

static size_t *arena_cap(void *p) { return (size_t *)((char *)p - ARENA_HDR); }

static ptrdiff_t arena_big_index(const void *p)
{
    for (size_t i = arena.nbig; i-- > 0;)
        if (arena.big[i] == p) return (ptrdiff_t)i;
    return -1;
}

static void *arena_big_alloc(size_t n)
{
    if (arena.nbig == arena.capbig) {
        size_t cap = arena.capbig ? arena.capbig * 2 : 16;
        void **nb = realloc(arena.big, cap * sizeof *nb);
        if (!nb) return NULL;
        arena.big = nb;
        arena.capbig = cap;
    }
    void *p = malloc(n);
    if (p) arena.big[arena.nbig++] = p;
    return p;
}

static void *arena_alloc(size_t n)
{
    if (n >= ARENA_BIG) return n > SIZE_MAX / 2 ? NULL : arena_big_alloc(n);
    size_t cap = (n + 15) & ~(size_t)15;
    if (cap <= ARENA_SMALL && arena.freed[cap / 16]) {   /* a freed block of this size */
        void *p = arena.freed[cap / 16];
        arena.freed[cap / 16] = *(void **)p;
        return p;
    }
    size_t need = ARENA_HDR + cap;
    arena_chunk_t *c = arena.chunks;
    if (!c || c->size - c->used < need) {
        size_t sz = c && c->size * 2 > ARENA_CHUNK ? c->size * 2 : ARENA_CHUNK;
        if (sz > (16u << 20)) sz = 16u << 20;
        /* straight from the kernel: glibc would raise its mmap threshold
         * for the whole process after freeing a block this large */
        void *m = mmap(NULL, sizeof *c + sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) return NULL;
        c = m;
        c->size = sz;
        c->used = 0;
        c->last = NULL;
        c->next = arena.chunks;
        arena.chunks = c;
    }
    char *p = c->data + c->used + ARENA_HDR;
    *arena_cap(p) = cap;
    c->used += need;
    c->last = p;
    return p;
}

static void *ar_malloc(size_t n)
{
    return arena_on ? arena_alloc(n) : malloc(n);
}

static void ar_free(void *p)
{
    if (!p) return;
    ptrdiff_t bi = arena.nbig ? arena_big_index(p) : -1;
    if (bi >= 0) {
        arena.big[bi] = arena.big[--arena.nbig];
        free(p);
    } else if (arena.chunks && arena_owns(p)) {
        size_t cap = *arena_cap(p);
        if (cap <= ARENA_SMALL) {
            *(void **)p = arena.freed[cap / 16];
            arena.freed[cap / 16] = p;
        }
    } else {
        free(p);
    }
}

static void *ar_realloc(void *p, size_t n)
{
    if (!p) return ar_malloc(n);
    ptrdiff_t bi = arena.nbig ? arena_big_index(p) : -1;
    if (bi >= 0) {
        void *q = realloc(p, n);
        if (q) arena.big[bi] = q;
        return q;
    }
    if (!(arena.chunks && arena_owns(p))) return realloc(p, n);
    size_t old = *arena_cap(p);
    arena_chunk_t *c = arena.chunks;
    if (n < ARENA_BIG && c && c->last == p) {   /* the newest block: grow it where it is */
        size_t start = (size_t)((char *)p - c->data), cap = (n + 15) & ~(size_t)15;
        if (c->size - start >= cap) {
            c->used = start + cap;
            *arena_cap(p) = cap;
            return p;
        }
    }
    if (n <= old) return p;
    void *q = arena_on ? arena_alloc(n) : malloc(n);
    if (q) {
        memcpy(q, p, old);
        ar_free(p);
    }
    return q;
}

static char *ar_strdup(const char *s)
{
    size_t l = strlen(s) + 1;
    char *d = ar_malloc(l);
    if (d) memcpy(d, s, l);
    return d;
}

static void arena_setup(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return;
#endif
#endif
    const char *vg = getenv("NM_VALGRIND");
    if (vg && *vg && strcmp(vg, "0") != 0) return;
    if (xmlMemSetup(ar_free, ar_malloc, ar_realloc, ar_strdup) != 0) return;
    xmlInitParser();   /* libxml2's globals: allocated now, outside any arena */
    arena_usable = 1;
}

/* Start routing this thread's libxml2 allocations to the arena; 0 if the
 * arena is not in use (then the document is freed the ordinary way). */
static int arena_begin(void)
{
    pthread_once(&arena_once, arena_setup);
    if (!arena_usable || arena_on) return 0;
    arena_on = 1;
    return 1;
}

/* The document is done: empty the arena (keeping one chunk for the next). */
static void arena_end(void)
{
    xmlResetLastError();   /* its strings are in the arena */
    arena_on = 0;
    arena_chunk_t *keep = NULL;
    for (arena_chunk_t *c = arena.chunks, *nx; c; c = nx) {
        nx = c->next;
        if (!keep && c->size <= ARENA_KEEP) keep = c;
        else munmap(c, sizeof *c + c->size);
    }
    arena.chunks = keep;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        keep->last = NULL;
    }
    memset(arena.freed, 0, sizeof arena.freed);
    for (size_t i = 0; i < arena.nbig; i++) free(arena.big[i]);
    arena.nbig = 0;
}

/* ---- passes ---- */

static void free_subtree(xmlNode *n)
{
    xmlUnlinkNode(n);
    if (!arena_on) xmlFreeNode(n);   /* in the arena it goes with the document */
}

/* Pass 1: drop elements that are never content, hidden ones, comments, and
 * anything nested deeper than max_depth. */
static void pass_drop(ctx_t *c)
{
    xmlNode *root = c->body;
    int depth = 0;
    xmlNode *n = root->children;
    while (n) {
        xmlNode *next;
        int drop = 0;
        if (n->type == XML_ELEMENT_NODE) {
            int t = tag_of(n);
            drop = t == T_DROP || depth >= c->max_depth;
        } else if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE || n->type == XML_DTD_NODE) {
            drop = 1;
        }
        /* advance, tracking depth */
        if (!drop && n->type == XML_ELEMENT_NODE && n->children) {
            next = n->children;
            depth++;
        } else {
            xmlNode *p = n;
            next = NULL;
            while (p && p != root) {
                if (p->next) { next = p->next; break; }
                p = p->parent;
                depth--;
            }
        }
        if (drop) free_subtree(n);
        n = next;
    }
}

static int nonblank_len(const char *s)
{
    int k = 0;
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) k++;
    return k;
}

/* nonblank_len and count_commas in one pass (pass_stats reads every text
 * node twice): most bytes are neither blank nor a comma's first byte. */
static void text_counts(const char *s, int *nonblank, int *commas)
{
    int k = 0, cm = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c > ' ' && c != ',' && c != 0xEF && c != 0xE3) { k++; continue; }
        if (isspace(c)) continue;
        k++;
        if (c == ',') cm++;
        else if (c == 0xEF && p[1] == 0xBC && p[2] == 0x8C) cm++;
        else if (c == 0xE3 && p[1] == 0x80 && p[2] == 0x81) cm++;
    }
    *nonblank = k;
    *commas = cm;
}

static void add_cand(ctx_t *c, xmlNode *n)
{
    ninfo_t *in = INFO(n);
    if (!in || in->cand) return;
    in->cand = 1;
    switch (in->tag) {
    case T_DIV: in->score = 5; break;
    case T_PRE: case T_TD: case T_BLOCKQUOTE: in->score = 3; break;
    case T_ADDRESS: case T_OL: case T_UL: case T_DL: case T_DD: case T_DT: case T_LI: case T_FORM: in->score = -3; break;
    case T_H1: case T_H2: case T_H3: case T_H4: case T_H5: case T_H6: case T_TH: in->score = -5; break;
    default: break;
    }
    in->score += class_weight(n);
    if (c->ncands == c->candcap) {
        c->candcap = c->candcap ? c->candcap * 2 : 64;
        c->cands = nm_realloc(c->cands, c->candcap * sizeof *c->cands);
    }
    c->cands[c->ncands++] = n;
}

static int paragraph_like(const ninfo_t *in)
{
    return in->tag == T_P || in->tag == T_PRE || in->tag == T_TD ||
           ((in->tag == T_DIV || in->tag == T_SECTION || in->tag == T_OTHER) && !in->block_kids);
}

/* Pass 2 (post-order): text statistics for every element; with scoring on,
 * readability-style content scores on ancestors of paragraph-like elements. */
static void pass_stats(ctx_t *c, int scoring)
{
    xmlNode *root = c->body;
    int inlink = 0;
    c->ninfo = 0;
    c->ncands = 0;
    c->main_art = NULL;
    size_t count = 0;
    for (xmlNode *k = root; k; k = ph_next(k, root, 0))
        if (k->type == XML_ELEMENT_NODE) count++;
    if (count > c->cap) {
        free(c->info);
        c->info = nm_calloc(count, sizeof *c->info);
        c->cap = count;
    }
    xmlNode *n = root;
    for (;;) {
        /* enter */
        if (n->type == XML_ELEMENT_NODE) {
            ninfo_t *in = &c->info[c->ninfo++];
            memset(in, 0, sizeof *in);
            in->tag = tag_of(n);
            n->_private = in;
            if (in->tag == T_A) inlink++;
            if (n->parent && n->parent->_private && n != root && !is_inline(in->tag) && in->tag != T_BR)
                INFO(n->parent)->block_kids = 1;
        } else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content && n->parent) {
            ninfo_t *p = INFO(n->parent);
            if (p) {
                int l, k;
                /* the counts are kept in the text node's spare psvi for the second pass */
                uintptr_t kept = (uintptr_t)n->psvi;
                if (kept) {
                    l = (int)((kept >> 32) & 0x7FFFFFFF);
                    k = (int)(kept & 0xFFFFFFFF);
                } else {
                    text_counts((const char *)n->content, &l, &k);
#if UINTPTR_MAX > 0xFFFFFFFFu
                    n->psvi = (void *)((uintptr_t)1 << 63 | (uintptr_t)l << 32 | (uintptr_t)(unsigned)k);
#endif
                }
                p->text += l;
                if (inlink) p->link += l;
                p->commas += k;
            }
        }
        if (n->type == XML_ELEMENT_NODE && n->children) { n = n->children; continue; }
        /* leave n and any ancestors we finish */
        for (;;) {
            if (n->type == XML_ELEMENT_NODE) {
                ninfo_t *in = INFO(n);
                if (in->tag == T_A) inlink--;
                if (paragraph_like(in) && in->text >= 25 && in->link * 2 < in->text) in->ptext = in->text;
                /* the page's main article: the <article> with the most prose,
                 * else the <main> (which wraps more than the article) */
                if (in->tag == T_ARTICLE || in->tag == T_MAIN) {
                    const ninfo_t *b = c->main_art ? INFO(c->main_art) : NULL;
                    if (!b || (in->tag == b->tag && in->ptext > b->ptext) || (in->tag == T_ARTICLE && b->tag == T_MAIN))
                        c->main_art = n;
                }
                if (scoring && paragraph_like(in) && in->text >= 25) {
                    double s = 1 + in->commas + (in->text / 100 > 3 ? 3 : in->text / 100);
                    xmlNode *a = n->parent;
                    for (int lvl = 0; a && lvl < 5 && a->_private; lvl++, a = a->parent) {
                        add_cand(c, a);
                        INFO(a)->score += lvl == 0 ? s : lvl == 1 ? s / 2 : s / (lvl * 3);
                        if (a == root) break;
                    }
                }
                if (n != root && n->parent && n->parent->_private) {
                    ninfo_t *p = INFO(n->parent);
                    p->text += in->text;
                    p->link += in->link;
                    p->commas += in->commas;
                    p->ptext += in->ptext;
                }
            }
            if (n == root) return;
            if (n->next) { n = n->next; break; }
            n = n->parent;
        }
    }
}

static int contains(const xmlNode *anc, const xmlNode *n);

/* Inside <pre> or <code> (syntax highlighting classes say nothing about boilerplate). */
static int in_code(const xmlNode *n)
{
    for (int d = 0; n && d < 12; n = n->parent, d++)
        if (n->type == XML_ELEMENT_NODE && (strcmp((const char *)n->name, "pre") == 0 || strcmp((const char *)n->name, "code") == 0))
            return 1;
    return 0;
}

/* Pass 3: boilerplate by class/id/role and by sectioning tag, unless the
 * element holds most of the page's text (a wrapper with an unlucky class). */
static void pass_boiler(ctx_t *c)
{
    xmlNode *root = c->body;
    int total = INFO(root)->text;
    /* An <article> holding most of the page's prose says where the article
     * is, whatever its wrappers' classes say ("section.cc-newsletter" on a
     * newsletter issue's page): its ancestors stay. */
    if (c->main_art && INFO(c->main_art)->ptext >= 500 && INFO(c->main_art)->ptext * 2 > INFO(root)->ptext)
        for (xmlNode *a = c->main_art; a && a != root && a->_private; a = a->parent) INFO(a)->keep = 1;
    else
        c->main_art = NULL;
    int art_ptext = c->main_art ? INFO(c->main_art)->ptext : 0;
    xmlNode *n = root->children;
    while (n) {
        int drop = 0;
        if (n->type == XML_ELEMENT_NODE && n->_private) {
            ninfo_t *in = INFO(n);
            if (in->tag != T_MAIN && in->tag != T_ARTICLE && in->tag != T_BODY && in->tag != T_HTML &&
                !is_inline(in->tag)) {
                int lvl = boiler_level(n);
                if (in->tag == T_FOOTER || in->tag == T_SOFTDROP || is_hidden(n)) lvl = 2;
                else if ((in->tag == T_HEADER || in->tag == T_FORM) && !lvl) lvl = 1;
                /* a weak match must also look like no prose of its own */
                if (lvl == 1 && in->text >= 300 && in->ptext * 2 >= in->text) lvl = 0;
                /* (nor, inside that article, a box holding most of its prose) */
                if (lvl && in->text * 2 < total && !in->keep &&
                    !(in->ptext * 2 > art_ptext && art_ptext && contains(c->main_art, n)))
                    drop = 1;
            } else if (in->tag == T_A || in->tag == T_INLINE) {
                /* inline share/ad widgets: only the strong kind, small ones
                 * (not a highlighter's "hljs-comment" span inside code) */
                if (boiler_level(n) == 2 && in->text < 200) drop = !in_code(n);
            }
        }
        xmlNode *next = ph_next(n, root, drop);
        if (drop) free_subtree(n);
        n = next;
    }
}

static double final_score(const xmlNode *n)
{
    const ninfo_t *in = INFO(n);
    double ld = in->text > 0 ? (double)in->link / in->text : 0;
    return in->score * (1 - ld);
}

static int contains(const xmlNode *anc, const xmlNode *n)
{
    for (; n; n = n->parent)
        if (n == anc) return 1;
    return 0;
}

static int is_root(const ctx_t *c, const xmlNode *n)
{
    return n == c->body || !n->_private || INFO(n)->tag == T_BODY;
}

static xmlNode *pick_top(ctx_t *c)
{
    xmlNode *top = NULL;
    double best = 0;
    for (size_t i = 0; i < c->ncands; i++) {
        double s = final_score(c->cands[i]);
        if (!top || s > best) { top = c->cands[i]; best = s; }
    }
    if (!top || is_root(c, top)) return top ? top : c->body;

    /* Several strong candidates under one ancestor: the article is that ancestor. */
    xmlNode *alts[5];
    int nalts = 0;
    for (size_t i = 0; i < c->ncands && nalts < 5; i++) {
        xmlNode *a = c->cands[i];
        if (a != top && final_score(a) >= best * 0.75 && !contains(a, top) && !contains(top, a)) alts[nalts++] = a;
    }
    if (nalts >= 3) {
        for (xmlNode *a = top->parent; a && !is_root(c, a); a = a->parent) {
            int k = 0;
            for (int i = 0; i < nalts; i++) k += contains(a, alts[i]);
            if (k >= 3) { top = a; break; }
        }
    }
    /* Walk up while the parent scores higher (it holds more of the article). */
    double last = INFO(top)->score, threshold = last / 3;
    for (xmlNode *p = top->parent; p && !is_root(c, p); p = p->parent) {
        if (!INFO(p)->cand) continue;
        if (INFO(p)->score < threshold) break;
        if (INFO(p)->score > last) { top = p; break; }
        last = INFO(p)->score;
    }
    /* An only child says nothing: its parent is the container. */
    while (top->parent && !is_root(c, top->parent)) {
        int kids = 0;
        for (xmlNode *k = top->parent->children; k; k = k->next)
            if (k->type == XML_ELEMENT_NODE || (k->type == XML_TEXT_NODE && k->content && nonblank_len((const char *)k->content))) kids++;
        if (kids != 1) break;
        top = top->parent;
    }
    /* The article may be split over several boxes (list features, tiles,
     * "page builder" sections): climb while an ancestor holds much more
     * prose of the same kind, without becoming link-heavy. */
    /* Wrappers that add nothing are skipped over rather than ending the
     * climb; an <article> or <main> is the page saying where the article
     * ends, so the climb stops there. */
    xmlNode *up = top;
    for (xmlNode *a = top->parent; a && !is_root(c, a); a = a->parent) {
        const ninfo_t *p = INFO(a);
        if (p->link * 3 > p->text) break;
        if (p->ptext >= INFO(up)->ptext * 1.5 + 100) up = a;
        if (p->tag == T_ARTICLE || p->tag == T_MAIN) break;
    }
    return up;
}

static int ends_sentence(const xmlNode *n)
{
    char *t = ph_text(n, 4096);
    int r = 0;
    if (t) {
        size_t l = strlen(t);
        r = l && strchr(".!?\"", t[l - 1]) != NULL;
        if (l >= 3 && (unsigned char)t[l - 3] == 0xE3 && (unsigned char)t[l - 2] == 0x80 && (unsigned char)t[l - 1] == 0x82) r = 1;
        free(t);
    }
    return r;
}

/* ---- blocks ---- */

typedef struct {
    nm_buf_t cur;
    int cur_link;
    parse_block_t *blocks;
    size_t n, cap;
    const parse_meta_t *meta;
    size_t total;
} bb_t;

static int ci_same(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

static int is_boiler_phrase(const char *t)
{
    static const char *phr[] = {"advertisement", "advertisements", "ad", "sponsored", "share", "share this",
        "share this article", "share this story", "share this post", "tweet", "read more", "related",
        "related articles", "related stories", "related posts", "related content", "comments", "leave a comment",
        "subscribe", "continue reading", "click here", "print", "email", "skip to content", "loading",
        "you may also like", "recommended", "follow us", "read next", "more stories", "most popular",
        "most read", "trending", "sign up", "log in", "login", "newsletter", "back to top", "see also",
        "also read", "topics", "tags", "share on facebook", "share on twitter", "copy link", "scroll to top",
        "story continues below advertisement", "article continues below advertisement", "subscribe here",
        "get started for free", "get started", "request a quote", "apply now", "get in touch", "contact us",
        "register", "home", "search", "privacy policy", "copyright", "related", "pin for later", "pin it",
        "you might like", "you might also like", "more", "jump to the list", "jump to recipe", "see packages",
        "buy now", "shop now", "learn more", "download now", "book now", "sign up now", "join now", "log in",
        "leave a reply", "post navigation", "share this", "table of contents", "in this article",
        "other related articles", "was this article helpful", "was this helpful", NULL};
    char buf[64];
    size_t k = 0;
    for (const char *p = t; *p && k + 1 < sizeof buf; p++) {
        if (isalnum((unsigned char)*p) || *p == ' ') buf[k++] = (char)tolower((unsigned char)*p);
        else if (*p != '.' && *p != ':' && *p != '!') return 0;
    }
    if (strlen(t) >= sizeof buf - 1) return 0;
    while (k && buf[k - 1] == ' ') k--;
    buf[k] = 0;
    for (int i = 0; phr[i]; i++)
        if (strcmp(buf, phr[i]) == 0) return 1;
    return 0;
}

/* A short call to sign up: a newsletter/subscription word together with an
 * imperative ("Join our newsletter", "Subscribe to this site", "Sign up for
 * our emails"). A heading that only mentions newsletters is not one. */
static int is_signup_call(const char *t)
{
    static const char *topic[] = {"newsletter", "subscribe", "mailing list", "inbox", "updates", NULL};
    static const char *verb[] = {"subscribe", "sign up", "sign-up", "join", "get ", "don't miss", "never miss",
                                 "stay connected", "stay in touch", "follow us", "follow ", "enter your email", NULL};
    int has_topic = 0, has_verb = 0;
    for (int i = 0; topic[i] && !has_topic; i++) has_topic = ph_casestr(t, topic[i]) != NULL;
    for (int i = 0; verb[i] && !has_verb; i++) has_verb = ph_casestr(t, verb[i]) != NULL;
    return has_topic && has_verb;
}

/* An image credit left in the flow: "Photo: Jane Doe/Reuters",
 * "Courtesy of Amp", "DGLimages via Getty Images". */
static int is_image_credit(const char *t, size_t tl)
{
    static const char *starts[] = {"photo:", "photo by ", "photos by ", "photo credit", "image:", "image by ",
                                   "image credit", "images:", "credit:", "courtesy of ", "illustration by ",
                                   "illustration:", "(photo", "[photo", NULL};
    static const char *ends[] = {"getty images", "shutterstock", "istock", "ap photo)", "reuters", "unsplash",
                                 "/ap", "(ap)", "afp", "alamy", "pexels", "stock.adobe.com", NULL};
    for (int i = 0; starts[i]; i++)
        if (strncasecmp(t, starts[i], strlen(starts[i])) == 0) return 1;
    for (int i = 0; ends[i]; i++) {
        size_t el = strlen(ends[i]);
        if (tl >= el && strcasecmp(t + tl - el, ends[i]) == 0 && !strchr(t, '.')) return 1;
    }
    return 0;
}

static void bb_flush(bb_t *b, const char *kind)
{
    nm_buf_t *cur = &b->cur;
    int link = b->cur_link;
    b->cur_link = 0;
    if (!cur->len) return;
    /* trim */
    size_t s = 0, e = cur->len;
    while (s < e && isspace((unsigned char)cur->data[s])) s++;
    while (e > s && isspace((unsigned char)cur->data[e - 1])) e--;
    if (s == e || b->n >= MAX_BLOCKS) { nm_buf_reset(cur); return; }
    char *text = nm_strndup(cur->data + s, e - s);
    size_t tl = e - s;
    nm_buf_reset(cur);
    int heading = kind[0] == 'h';
    int drop = 0;
    if (heading && (ci_same(text, b->meta->title) || ci_same(text, b->meta->h1))) drop = 1;
    else if (!heading && strcmp(kind, "pre") != 0 && link * 2 > (int)nonblank_len(text)) drop = 1;
    else if (b->meta->byline && (ci_same(text, b->meta->byline) ||
             (strncasecmp(text, "by ", 3) == 0 && ci_same(text + 3, b->meta->byline)))) drop = 1;
    else if (tl < 48 && !heading) {
        int64_t t;
        if (parse_date(text, &t) == 0 || is_boiler_phrase(text) || (tl < 60 && ph_date_line(text))) drop = 1;
        if (strncasecmp(text, "by ", 3) == 0 && tl < 40 && !strchr(text, '.')) drop = 1;
    } else if (heading && is_boiler_phrase(text)) drop = 1;
    if (!drop && tl < 90 && is_signup_call(text)) drop = 1;
    if (!drop && !heading && tl < 160 && is_image_credit(text, tl)) drop = 1;
    /* the author's bio box repeated under the article: "Jane Doe is a writer at..." */
    if (!drop && !heading && b->meta->byline && tl < 600) {
        size_t bl = strlen(b->meta->byline);
        if (bl >= 4 && strncasecmp(text, b->meta->byline, bl) == 0 &&
            (strncmp(text + bl, " is ", 4) == 0 || strncmp(text + bl, " has ", 5) == 0 || strncmp(text + bl, " was ", 5) == 0))
            drop = 1;
    }
    if (drop) { free(text); return; }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->blocks = nm_realloc(b->blocks, b->cap * sizeof *b->blocks);
    }
    b->blocks[b->n].kind = nm_strdup(kind);
    b->blocks[b->n].text = text;
    b->n++;
    b->total += tl;
}

static int bb_space(const char *s)
{
    unsigned char ch = (unsigned char)*s;
    if (ch > ' ' && ch != 0xC2) return 0;   /* most bytes */
    return ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v' ||
           (ch == 0xC2 && (unsigned char)s[1] == 0xA0);
}

static void bb_text(bb_t *b, const char *s, int pre, int inlink)
{
    nm_buf_t *cur = &b->cur;
    size_t before = cur->len;
    if (pre) {
        nm_buf_puts(cur, s);
    } else {
        /* whitespace runs become one space; words are appended whole. The
         * result is never longer than s, so room for s is made once and the
         * bytes written in place. */
        size_t sl = strlen(s), len = before;
        nm_buf_append(cur, s, sl);
        char *d = cur->data;
        while (*s && len < BLOCK_TEXT_CAP) {
            if (bb_space(s)) {
                while (*s && bb_space(s)) s += (unsigned char)*s == 0xC2 ? 2 : 1;
                if (len && !isspace((unsigned char)d[len - 1])) d[len++] = ' ';
                continue;
            }
            const char *e = s;
            while (*e && !bb_space(e)) e++;
            memcpy(d + len, s, (size_t)(e - s));
            len += (size_t)(e - s);
            s = e;
        }
        cur->len = len;
        d[len] = 0;
    }
    if (inlink) b->cur_link += (int)(cur->len - before);
}

static const char *kind_of(int tag, const char *parent)
{
    static const char *hk[] = {"h1", "h2", "h3", "h4", "h5", "h6"};
    if (parent[0] == 'h' || strcmp(parent, "pre") == 0) return parent;
    if (is_heading(tag)) return hk[tag - T_H1];
    switch (tag) {
    case T_PRE: return "pre";
    case T_BLOCKQUOTE: return "quote";
    case T_LI: case T_DD: case T_DT: return strcmp(parent, "quote") == 0 ? parent : "li";
    default: return parent;
    }
}

/* Does this subtree look like a list of links or a negatively classed box
 * inside the article (readability's "clean conditionally")? */
static int skip_in_article(xmlNode *n, const xmlNode *top)
{
    const ninfo_t *in = INFO(n);
    if (n == top || !in) return 0;
    if (is_inline(in->tag) || in->tag == T_BR) return 0;
    /* a box holding most of the chosen container's prose is the article,
     * however many links sit beside the prose inside it */
    if (in->ptext >= 200 && in->ptext * 2 > INFO(top)->ptext) return 0;
    if (in->text > 0 && in->link * 2 > in->text) return 1;
    if ((in->tag == T_UL || in->tag == T_OL || in->tag == T_TABLE || in->tag == T_DIV || in->tag == T_SECTION) &&
        class_weight(n) < 0 && in->commas < 10)
        return 1;
    return 0;
}

static void collect_blocks(bb_t *b, xmlNode *top, int max_depth)
{
    const char **kinds = nm_calloc((size_t)max_depth + 8, sizeof *kinds);
    int depth = 0, inlink = 0, pre = 0;
    kinds[0] = kind_of(INFO(top) ? INFO(top)->tag : T_OTHER, "p");
    xmlNode *n = top;
    for (;;) {
        int descend = 0;
        if (n->type == XML_ELEMENT_NODE && n->_private) {
            int t = INFO(n)->tag;
            if (n != top && skip_in_article(n, top)) {
                descend = 0;
            } else if (t == T_BR) {
                bb_text(b, "\n", 1, 0);
            } else if (t == T_TD || t == T_TH) {
                bb_text(b, " ", 0, 0);
                descend = 1;
            } else if (n == top) {
                descend = 1;
            } else if (is_inline(t)) {
                if (t == T_A) inlink++;
                descend = 1;
            } else if (depth + 1 < max_depth + 6) {
                bb_flush(b, kinds[depth]);
                kinds[depth + 1] = kind_of(t, kinds[depth]);
                if (t == T_PRE) pre++;
                descend = 1;
            }
            if (descend && !n->children) {
                /* leave at once */
                if (t == T_A && n != top) inlink--;
                else if (t == T_PRE) pre--;
                descend = -1;
            }
            if (descend == 1 && n != top && !is_inline(t) && t != T_TD && t != T_TH) depth++;
        } else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
            bb_text(b, (const char *)n->content, pre > 0, inlink > 0);
        }
        if (descend == 1) { n = n->children; continue; }
        if (descend == -1 && INFO(n) && !is_inline(INFO(n)->tag) && INFO(n)->tag != T_TD && INFO(n)->tag != T_TH &&
            INFO(n)->tag != T_BR && n != top)
            bb_flush(b, kind_of(INFO(n)->tag, kinds[depth]));
        for (;;) {
            if (n == top) {
                bb_flush(b, kinds[0]);
                free(kinds);
                return;
            }
            if (n->next) { n = n->next; break; }
            n = n->parent;
            /* leaving an element we descended into */
            int t = INFO(n) ? INFO(n)->tag : T_OTHER;
            if (n == top) continue;
            if (t == T_A) inlink--;
            else if (!is_inline(t) && t != T_TD && t != T_TH) {
                bb_flush(b, kinds[depth]);
                if (t == T_PRE) pre--;
                depth--;
            }
        }
    }
}

/* Drop headings left dangling at the end (a "Related" title whose list went). */
static void trim_trailing_headings(bb_t *b)
{
    while (b->n && b->blocks[b->n - 1].kind[0] == 'h') {
        b->n--;
        free(b->blocks[b->n].kind);
        free(b->blocks[b->n].text);
    }
}

static int count_words_str(const char *s)
{
    int w = 0, in = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) in = 0;
        else if (!in) { in = 1; w++; }
    }
    return w;
}

/* ---- sniffing ---- */

static const char *sniff_binary(const unsigned char *d, size_t n)
{
    static const struct { const char *magic; size_t len; const char *what; } magics[] = {
        {"\x89PNG", 4, "PNG image"}, {"GIF8", 4, "GIF image"}, {"\xFF\xD8\xFF", 3, "JPEG image"},
        {"%PDF", 4, "PDF document"}, {"PK\x03\x04", 4, "ZIP archive"}, {"\x1F\x8B", 2, "gzip data"},
        {"RIFF", 4, "RIFF media"}, {"\x00\x00\x01\x00", 4, "icon"}, {"OggS", 4, "Ogg media"},
        {"ID3", 3, "MP3 audio"}, {"\x7F" "ELF", 4, "executable"}, {"BZh", 3, "bzip2 data"},
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (n >= magics[i].len && memcmp(d, magics[i].magic, magics[i].len) == 0) return magics[i].what;
    if (n >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF))) return NULL;   /* UTF-16 */
    size_t lim = n < 1024 ? n : 1024, ctl = 0;
    for (size_t i = 0; i < lim; i++) {
        if (d[i] == 0) return "binary data";
        if (d[i] < 0x20 && d[i] != '\n' && d[i] != '\r' && d[i] != '\t' && d[i] != '\f') ctl++;
    }
    if (ctl * 10 > lim) return "binary data";
    return NULL;
}

/* Remove <svg>...</svg> (with nesting) before parsing: libxml2's HTML
 * parser does not know foreign content and can nest the rest of the page
 * inside an unclosed <symbol>. In place, linear. */
static size_t strip_svg(char *s, size_t n)
{
    size_t r = 0, w = 0;
    int unbalanced = 0;   /* a scan hit the end: stop scanning, or soup makes this quadratic */
    while (r < n) {
        if (s[r] != '<') {   /* copy up to the next tag in one move */
            const char *lt = memchr(s + r, '<', n - r);
            size_t k = lt ? (size_t)(lt - s) - r : n - r;
            if (w != r) memmove(s + w, s + r, k);
            w += k;
            r += k;
            continue;
        }
        if (s[r] == '<' && r + 4 < n && strncasecmp(s + r + 1, "svg", 3) == 0 &&
            (isspace((unsigned char)s[r + 4]) || s[r + 4] == '>' || s[r + 4] == '/')) {
            int depth = 0;
            size_t k = r;
            size_t end = 0;
            while (k < n && !unbalanced) {
                char *lt = memchr(s + k, '<', n - k);
                if (!lt) break;
                k = (size_t)(lt - s);
                if (k + 4 < n && strncasecmp(s + k + 1, "svg", 3) == 0 &&
                    (isspace((unsigned char)s[k + 4]) || s[k + 4] == '>' || s[k + 4] == '/')) {
                    char *gt = memchr(s + k, '>', n - k);
                    if (!gt) break;
                    if (gt[-1] != '/') depth++;
                    k = (size_t)(gt - s) + 1;
                    if (!depth) { end = k; break; }
                } else if (k + 5 < n && strncasecmp(s + k + 1, "/svg", 4) == 0) {
                    char *gt = memchr(s + k, '>', n - k);
                    if (!gt) break;
                    k = (size_t)(gt - s) + 1;
                    if (--depth <= 0) { end = k; break; }
                } else {
                    k++;
                }
            }
            if (!end) {   /* unclosed: drop just the tag */
                unbalanced = 1;
                char *gt = memchr(s + r, '>', n - r);
                end = gt ? (size_t)(gt - s) + 1 : n;
            }
            r = end;
            continue;
        }
        s[w++] = s[r++];
    }
    s[w] = 0;
    return w;
}

/* Case-insensitive: s (n bytes left) starts with tag name t (lower-case)
 * followed by a delimiter. */
static int tag_at(const char *s, size_t n, const char *t, size_t tl)
{
    if (n < tl + 1 || strncasecmp(s, t, tl) != 0) return 0;
    char c = s[tl];
    return c == '>' || c == '/' || isspace((unsigned char)c);
}

/* Position of the next "</name" (case-insensitive) at or after r, or n. */
static size_t find_close(const char *s, size_t r, size_t n, const char *name, size_t nl)
{
    while (r < n) {
        const char *lt = memchr(s + r, '<', n - r);
        if (!lt) return n;
        r = (size_t)(lt - s);
        if (r + 2 + nl <= n && s[r + 1] == '/' && strncasecmp(s + r + 2, name, nl) == 0) return r;
        r++;
    }
    return n;
}

/* Drop what libxml2 would scan character by character only for us to throw
 * away: the bodies of <script> (except JSON-LD, which the metadata reads)
 * and <style>, and comments (but tiny ones). Often a third of a modern page. The elements
 * stay (empty) so the tree has the same shape. Linear: each byte is passed
 * once; an unterminated script/style/comment stops the stripping there. In
 * place, returns the new length. */
static size_t strip_raw(char *s, size_t n)
{
    size_t r = 0, w = 0;
    while (r < n) {
        const char *lt = memchr(s + r, '<', n - r);
        size_t k = lt ? (size_t)(lt - s) - r : n - r;
        if (w != r && k) memmove(s + w, s + r, k);
        w += k;
        r += k;
        if (r >= n) break;
        size_t rest = n - r;
        if (rest >= 4 && memcmp(s + r, "<!--", 4) == 0) {
            const char *e = rest >= 5 && s[r + 4] == '>' ? s + r + 2 : memmem(s + r + 4, rest - 4, "-->", 3);   /* "<!-->" */
            if (!e) break;
            /* short ones stay: frameworks put "<!-- -->" between text
             * fragments, and the split is what keeps "May 5, 2025" apart
             * from " - 5 min read" */
            size_t end = (size_t)(e - s) + 3;
            if (end - r <= 40) {   /* kept whole, never rescanned */
                memmove(s + w, s + r, end - r);
                w += end - r;
            }
            r = end;
            continue;
        }
        int script = tag_at(s + r + 1, rest - 1, "script", 6), style = !script && tag_at(s + r + 1, rest - 1, "style", 5);
        if (script || style) {
            const char *gt = memchr(s + r, '>', rest);
            if (!gt) break;
            size_t open_end = (size_t)(gt - s) + 1;
            int keep = script && memmem(s + r, open_end - r, "ld+json", 7) != NULL;
            if (!keep) {
                size_t close = find_close(s, open_end, n, script ? "script" : "style", script ? 6 : 5);
                if (close >= n) break;
                memmove(s + w, s + r, open_end - r);   /* the open tag stays */
                w += open_end - r;
                r = close;
                continue;
            }
        }
        s[w++] = s[r++];
    }
    if (r < n) {   /* stopped early: keep the rest as it was */
        if (w != r) memmove(s + w, s + r, n - r);
        w += n - r;
    }
    s[w] = 0;
    return w;
}

/* libxml2's HTML parser checks each attribute of a tag against all earlier
 * ones: quadratic in attributes per tag (10k attributes on one tag take
 * seconds, 100k take minutes). No real page needs more than a handful, so
 * attributes past PARSE_HTML_MAX_ATTRS on one tag are dropped here, in
 * place, in one linear pass. A tag whose quote never closes stops the pass
 * (the rest is copied as it is: libxml2 then sees a single attribute). */
#define PARSE_HTML_MAX_ATTRS 128
static size_t cap_attributes(char *s, size_t n)
{
    size_t r = 0, w = 0;
    while (r < n) {
        const char *lt = memchr(s + r, '<', n - r);
        size_t k = lt ? (size_t)(lt - s) - r : n - r;
        if (w != r && k) memmove(s + w, s + r, k);
        w += k;
        r += k;
        if (r >= n) break;
        if (r + 1 >= n || !isalpha((unsigned char)s[r + 1])) {   /* not a start tag */
            s[w++] = s[r++];
            continue;
        }
        /* the tag name */
        size_t t = r + 1;
        while (t < n && !isspace((unsigned char)s[t]) && s[t] != '>' && s[t] != '/') t++;
        memmove(s + w, s + r, t - r);
        w += t - r;
        r = t;
        int nattr = 0, open_quote = 0;
        while (r < n && s[r] != '>') {
            size_t a = r;   /* one attribute, with the space before it */
            while (r < n && (isspace((unsigned char)s[r]) || s[r] == '/')) r++;
            if (r < n && s[r] == '>') { memmove(s + w, s + a, r - a); w += r - a; break; }
            while (r < n && !isspace((unsigned char)s[r]) && s[r] != '=' && s[r] != '>') r++;
            size_t e = r;
            while (e < n && isspace((unsigned char)s[e])) e++;
            if (e < n && s[e] == '=') {
                r = e + 1;
                while (r < n && isspace((unsigned char)s[r])) r++;
                if (r < n && (s[r] == '"' || s[r] == '\'')) {
                    const char *q = memchr(s + r + 1, s[r], n - r - 1);
                    if (!q) { open_quote = 1; r = a; break; }
                    r = (size_t)(q - s) + 1;
                } else {
                    while (r < n && !isspace((unsigned char)s[r]) && s[r] != '>') r++;
                }
            }
            if (++nattr <= PARSE_HTML_MAX_ATTRS) {
                memmove(s + w, s + a, r - a);
                w += r - a;
            }
        }
        if (open_quote) break;
    }
    if (r < n) {
        if (w != r) memmove(s + w, s + r, n - r);
        w += n - r;
    }
    s[w] = 0;
    return w;
}

/* ---- attributes: unread ones dropped, read ones kept out of libxml2 ----
 *
 * libxml2 parses attribute values one character at a time and builds two
 * nodes and three strings for each; a modern page carries dozens of
 * attributes per element (data-*, srcset, aria-*, on*, tracking ids) that the
 * extractor never looks at, and long class lists and URLs it does. So
 * before parsing, unread attributes are dropped, and the read ones (those
 * some ph_attr() call asks for: keep read_attrs in step with them) are moved
 * to a side table; the tag keeps one short marker attribute, `_=N`, and after
 * parsing node->psvi points at the tag's entries, where ph_attr looks first.
 *
 * The scanner follows libxml2's own HTML tokeniser (htmlParseStartTag /
 * htmlParseAttribute, libxml2 2.9) so that it cuts where libxml2 would:
 * blanks are SP HT LF CR only; a name starts with a letter, '_', ':' or '.'
 * and goes on with letters, digits, ':', '-', '_', '.'; a bogus attribute is
 * skipped up to a blank or the end of the tag (kept as it is: libxml2 drops
 * it); quoted values end at their quote, unquoted ones at a blank or '>'; a
 * repeated attribute is ignored (the first one counts); the bodies of script
 * and style end at "</script" / "</style"; comments at the first "-->" after
 * "<!--". A value libxml2 would transform (an entity reference) stays in the
 * markup for libxml2 to decode. Anything the scanner is unsure of (a NUL
 * byte, an unclosed quote, comment or script, a name of 100 bytes or more,
 * where libxml2 cuts names) ends the filtering and the rest is passed on as
 * it is; what was moved before stays correct, since the first of repeated
 * attributes counts and ph_attr reads the moved ones first. (Past such a
 * stop, a page's own "_=N" attribute could point an element at another
 * element's moved attributes: that page only misleads its own extraction,
 * and N is bounds-checked.) tests/unit/test_parse_fast.c compares the output
 * with this filter and the arena off, on crafted markup and real pages. */
static const char *const read_attrs[] = {"aria-hidden", "class", "content", "datetime", "hidden", "href",
    "http-equiv", "id", "itemprop", "lang", "name", "property", "pubdate", "rel", "role", "style", "type",
    "xml:lang", NULL};
#define NAME_CAP 100   /* libxml2's HTML_PARSER_BUFFER_SIZE: longer names are cut */

/* libxml2's byte classes (ASCII only, whatever the locale): 1 blank, 2 name start, 4 name */
static const unsigned char ach[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1,
    ['_'] = 6, [':'] = 6, ['.'] = 6, ['-'] = 4,
    ['0'] = 4, ['1'] = 4, ['2'] = 4, ['3'] = 4, ['4'] = 4, ['5'] = 4, ['6'] = 4, ['7'] = 4, ['8'] = 4, ['9'] = 4,
#define AZ(c) [c] = 6, [c + 32] = 6
    AZ('A'), AZ('B'), AZ('C'), AZ('D'), AZ('E'), AZ('F'), AZ('G'), AZ('H'), AZ('I'), AZ('J'), AZ('K'), AZ('L'), AZ('M'),
    AZ('N'), AZ('O'), AZ('P'), AZ('Q'), AZ('R'), AZ('S'), AZ('T'), AZ('U'), AZ('V'), AZ('W'), AZ('X'), AZ('Y'), AZ('Z'),
#undef AZ
};
static int xb(unsigned char c) { return ach[c] & 1; }
static int an_start(unsigned char c) { return ach[c] & 2; }
static int an_char(unsigned char c) { return ach[c] & 4; }

/* Index in read_attrs of the name s[0..n), or -1. */
static int attr_index(const char *s, size_t n)
{
    unsigned char c0 = (unsigned char)tolower((unsigned char)s[0]);
    if (!strchr("acdhilnprstx", c0)) return -1;   /* the first letters of read_attrs */
    for (int i = 0; read_attrs[i]; i++)
        if (read_attrs[i][0] == c0 && strlen(read_attrs[i]) == n && strncasecmp(s, read_attrs[i], n) == 0) return i;
    return -1;
}

int ph_attr_kept(const char *name)
{
    return attr_index(name, strlen(name)) >= 0;
}

/* The filter's output: appends without nm_buf's per-call checks (this
 * runs for every tag and attribute of the page). */
typedef struct { char *data; size_t len, cap; } ob_t;

static void ob_put(ob_t *o, const char *p, size_t k)
{
    if (o->cap - o->len < k + 1) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap - o->len < k + 1) cap *= 2;
        o->data = nm_realloc(o->data, cap);
        o->cap = cap;
    }
    memcpy(o->data + o->len, p, k);
    o->len += k;
}

typedef struct {
    ob_t vals;                         /* the moved values, each NUL-terminated */
    struct { int name; size_t off; } *ent;   /* name -1 ends a tag's run */
    size_t nent, capent;
    size_t *tag;                       /* marker N -> its first entry */
    size_t ntag, captag;
    ph_attr_t *table;                  /* the entries as (name, value) pointers, after the scan */
} side_t;

static void side_add(side_t *sd, int name, size_t off)
{
    if (sd->nent == sd->capent) {
        sd->capent = sd->capent ? sd->capent * 2 : 256;
        sd->ent = nm_realloc(sd->ent, sd->capent * sizeof *sd->ent);
    }
    sd->ent[sd->nent].name = name;
    sd->ent[sd->nent].off = off;
    sd->nent++;
}

static void side_free(side_t *sd)
{
    free(sd->vals.data);
    free(sd->ent);
    free(sd->tag);
    free(sd->table);
    memset(sd, 0, sizeof *sd);
}

/* Close the current tag's run of moved attributes (if any) and write its marker. */
static void side_mark(side_t *sd, ob_t *out, size_t first, int *moved)
{
    if (!*moved) return;
    side_add(sd, -1, 0);
    if (sd->ntag == sd->captag) {
        sd->captag = sd->captag ? sd->captag * 2 : 256;
        sd->tag = nm_realloc(sd->tag, sd->captag * sizeof *sd->tag);
    }
    char m[32];
    size_t k = sizeof m, v = sd->ntag;
    m[--k] = ' ';
    do m[--k] = (char)('0' + v % 10); while ((v /= 10) && k > 4);
    m[--k] = '=';
    m[--k] = '_';
    m[--k] = ' ';
    ob_put(out, m + k, sizeof m - k);
    sd->tag[sd->ntag++] = first;
    *moved = 0;
}

/* Filter s[0..n) into out (see above), collecting moved values in sd. */
static void move_attributes(const char *s, size_t n, ob_t *out, side_t *sd)
{
    size_t r = 0;
    int stop = 0;
    while (r < n && !stop) {
        const char *lt = memchr(s + r, '<', n - r);
        size_t k = lt ? (size_t)(lt - s) - r : n - r;
        ob_put(out, s + r, k);
        r += k;
        if (r >= n) break;
        if (r + 3 < n && s[r + 1] == '!' && s[r + 2] == '-' && s[r + 3] == '-') {   /* a comment: as it is */
            const char *e = memmem(s + r + 4, n - r - 4, "-->", 3);
            if (!e) break;
            size_t end = (size_t)(e - s) + 3;
            ob_put(out, s + r, end - r);
            r = end;
            continue;
        }
        if (r + 1 >= n || !isalpha((unsigned char)s[r + 1])) {   /* not a start tag */
            ob_put(out, s + r, 1);
            r++;
            continue;
        }
        size_t t = r + 1;
        while (t < n && an_char((unsigned char)s[t])) t++;
        size_t name_len = t - r - 1;
        if (name_len >= NAME_CAP) break;
        int raw = (name_len == 6 && strncasecmp(s + r + 1, "script", 6) == 0) ||
                  (name_len == 5 && strncasecmp(s + r + 1, "style", 5) == 0);
        ob_put(out, s + r, t - r);
        r = t;
        unsigned seen = 0;   /* read attributes met in this tag (bit per read_attrs index) */
        int moved = 0;
        size_t first = sd->nent;
        /* the attributes, up to '>' or "/>" */
        for (;;) {
            size_t b = r;   /* the blanks before an attribute */
            while (r < n && xb((unsigned char)s[r])) r++;
            if (r >= n || s[r] == 0) { stop = 1; r = b; break; }
            if (s[r] == '>' || (s[r] == '/' && r + 1 < n && s[r + 1] == '>')) {
                side_mark(sd, out, first, &moved);
                ob_put(out, s + b, r - b);
                break;
            }
            size_t a = r, nl = 0, v0 = 0, v1 = 0;   /* name at a (nl bytes), value s[v0..v1) */
            int bogus = !an_start((unsigned char)s[r]);
            if (bogus) {
                while (r < n && s[r] && !xb((unsigned char)s[r]) && s[r] != '>' && !(s[r] == '/' && r + 1 < n && s[r + 1] == '>')) r++;
            } else {
                while (r < n && an_char((unsigned char)s[r])) r++;
                nl = r - a;
                if (nl >= NAME_CAP) { stop = 1; r = b; break; }
                size_t e = r;
                while (e < n && xb((unsigned char)s[e])) e++;
                if (e < n && s[e] == '=') {
                    r = e + 1;
                    while (r < n && xb((unsigned char)s[r])) r++;
                    if (r < n && (s[r] == '"' || s[r] == '\'')) {
                        const char *q = memchr(s + r + 1, s[r], n - r - 1);
                        if (!q || memchr(s + r + 1, 0, (size_t)(q - s) - r - 1)) { stop = 1; r = b; break; }
                        v0 = r + 1;
                        v1 = (size_t)(q - s);
                        r = v1 + 1;
                    } else {
                        v0 = r;
                        while (r < n && s[r] && !xb((unsigned char)s[r]) && s[r] != '>') r++;
                        v1 = r;
                    }
                }
            }
            if (r < n && s[r] == 0) { stop = 1; r = b; break; }
            int idx = bogus ? -1 : attr_index(s + a, nl);
            if (!bogus && (idx < 0 || (seen & (1u << idx)))) {
                /* unread, or a repeat libxml2 would ignore: gone, with its
                 * blanks; one blank stays if a name follows at once */
                if (r < n && !xb((unsigned char)s[r]) && s[r] != '>') ob_put(out, " ", 1);
                continue;
            }
            if (idx >= 0) {
                seen |= 1u << idx;
                if (!memchr(s + v0, '&', v1 - v0)) {   /* moved */
                    side_add(sd, idx, sd->vals.len);
                    ob_put(&sd->vals, s + v0, v1 - v0);
                    ob_put(&sd->vals, "", 1);
                    moved = 1;
                    if (r < n && !xb((unsigned char)s[r]) && s[r] != '>') ob_put(out, " ", 1);
                    continue;
                }
            }
            ob_put(out, s + b, r - b);   /* bogus, or a value with entities: as it is */
        }
        if (stop) {
            side_mark(sd, out, first, &moved);
            break;
        }
        if (raw && s[r] == '>') {   /* a raw text body: copied as it is, up to its end tag */
            size_t close = find_close(s, r + 1, n, name_len == 6 ? "script" : "style", name_len);
            if (close >= n) break;
            ob_put(out, s + r, close - r);
            r = close;
        }
    }
    if (r < n) ob_put(out, s + r, n - r);
    /* the entries as pointers, now that the values buffer is final */
    sd->table = nm_malloc((sd->nent + 1) * sizeof *sd->table);
    for (size_t i = 0; i < sd->nent; i++) {
        sd->table[i].name = sd->ent[i].name >= 0 ? read_attrs[sd->ent[i].name] : NULL;
        sd->table[i].value = sd->ent[i].name >= 0 ? sd->vals.data + sd->ent[i].off : NULL;
    }
}

/* After parsing: each marked element's psvi -> its moved attributes. */
static void side_attach(xmlNode *root, const side_t *sd)
{
    if (!sd->ntag) return;
    for (xmlNode *n = root; n; n = ph_next(n, root, 0)) {
        if (n->type != XML_ELEMENT_NODE) continue;
        const xmlAttr *a = n->properties;   /* the marker is last of those libxml2 saw before the tag's end */
        while (a && !(a->name && a->name[0] == '_' && !a->name[1])) a = a->next;
        if (!a || !a->children || !a->children->content) continue;
        const char *v = (const char *)a->children->content;
        size_t k = 0;
        for (; *v >= '0' && *v <= '9' && k < sd->ntag; v++) k = k * 10 + (size_t)(*v - '0');
        if (!*v && k < sd->ntag) n->psvi = &sd->table[sd->tag[k]];
    }
}

/* On the UTF-8 text: JSON, XML feeds and documents without markup. */
static const char *sniff_text(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) i++;
    if (i == n) return "empty document";
    const char *p = s + i;
    size_t rest = n - i, head = rest < 2048 ? rest : 2048;
    if (*p == '{' || *p == '[') return "not HTML (JSON)";
    if (strncmp(p, "<?xml", 5) == 0 || strncasecmp(p, "<rss", 4) == 0 || strncasecmp(p, "<feed", 5) == 0 ||
        strncasecmp(p, "<rdf:RDF", 8) == 0) {
        if (memmem(p, head, "<html", 5) || memmem(p, head, "<HTML", 5) || memmem(p, head, "<!DOCTYPE html", 14) ||
            memmem(p, head, "<!DOCTYPE HTML", 14))
            return NULL;
        if (memmem(p, head, "<rss", 4) || memmem(p, head, "<feed", 5) || memmem(p, head, "<rdf:RDF", 8))
            return "not HTML (XML feed)";
        return "not HTML (XML document)";
    }
    if (!memchr(p, '<', rest < 65536 ? rest : 65536)) return "not HTML (no markup)";
    return NULL;
}

/* Start tags in the markup ("<" then a letter): an upper bound on the
 * elements libxml2 will build, found with memchr before any allocation. */
static size_t count_start_tags(const char *s, size_t n)
{
    size_t k = 0;
    const char *p = s, *end = s + n;
    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        p++;
        if (p < end && isalpha((unsigned char)*p)) k++;
    }
    return k;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen) snprintf(err, errlen, "%s", msg);
}

static void free_blocks(parse_block_t *bl, size_t n)
{
    for (size_t i = 0; i < n; i++) { free(bl[i].kind); free(bl[i].text); }
    free(bl);
}

/* JSON-LD articleBody as paragraphs: used when the DOM gave much less. */
static void blocks_from_body(bb_t *b, const char *body)
{
    const char *p = body;
    while (*p) {
        const char *e = strchr(p, '\n');
        if (!e) e = p + strlen(p);
        char *line = nm_strndup(p, (size_t)(e - p));
        char *clean = ph_clean(line);
        free(line);
        if (clean) {
            nm_buf_puts(&b->cur, clean);
            free(clean);
            bb_flush(b, "p");
        }
        p = *e ? e + 1 : e;
    }
}

/* React streaming (Suspense) pages send a placeholder where content goes,
 * "<!--$?--><template id="B:1"></template>Loading...<!--/$-->" (or a bare
 * "<template id="P:1">" inside streamed content), and the content later as
 * "<div hidden id="S:1">...</div>" with a script ($RC / $RS) that swaps them.
 * Do that swap, so the text stands where readers see it instead of being
 * dropped as hidden. Ids are hex and shared by the pair; bounded count. */
#define REACT_MAX_SEGMENTS 512
static int react_id(const xmlNode *n, char *kind)
{
    const char *id = ph_attr(n, "id");
    if (!id || (id[0] != 'B' && id[0] != 'S' && id[0] != 'P') || id[1] != ':' || !isxdigit((unsigned char)id[2])) return -1;
    char *end;
    long k = strtol(id + 2, &end, 16);
    if (*end || k < 0 || k >= REACT_MAX_SEGMENTS) return -1;
    *kind = id[0];
    return (int)k;
}

/* Free a subtree, first forgetting the boundaries inside it. */
static void react_free(xmlNode *n, xmlNode **tpl, xmlNode **seg)
{
    for (xmlNode *k = n; k; k = ph_next(k, n, 0)) {
        char kind;
        int i = k->type == XML_ELEMENT_NODE ? react_id(k, &kind) : -1;
        if (i >= 0 && tpl[i] == k) tpl[i] = NULL;
        if (i >= 0 && seg[i] == k) seg[i] = NULL;
        if (i >= 0 && seg[REACT_MAX_SEGMENTS + i] == k) seg[REACT_MAX_SEGMENTS + i] = NULL;
    }
    free_subtree(n);
}

static void react_swap(xmlNode *root)
{
    /* tpl: B templates; seg: S segments, then P templates */
    xmlNode **tpl = nm_calloc(3 * REACT_MAX_SEGMENTS, sizeof *tpl), **seg = tpl + REACT_MAX_SEGMENTS;
    xmlNode **ptpl = seg + REACT_MAX_SEGMENTS;
    for (xmlNode *n = root; n; n = ph_next(n, root, 0)) {
        char kind;
        int k = n->type == XML_ELEMENT_NODE ? react_id(n, &kind) : -1;
        if (k < 0) continue;
        if (kind == 'B' && strcmp((const char *)n->name, "template") == 0 && !tpl[k]) tpl[k] = n;
        else if (kind == 'P' && strcmp((const char *)n->name, "template") == 0 && !ptpl[k]) ptpl[k] = n;
        else if (kind == 'S' && ph_attr(n, "hidden") && !seg[k]) seg[k] = n;
    }
    for (int k = 0; k < REACT_MAX_SEGMENTS; k++) {
        xmlNode *t = tpl[k] ? tpl[k] : ptpl[k];
        if (!t || !seg[k] || contains(seg[k], t)) continue;
        /* a boundary's fallback runs from the template to its "/$" comment */
        xmlNode *e = t == tpl[k] ? t->next : NULL;
        int depth = 0;
        for (; e; e = e->next) {
            if (e->type != XML_COMMENT_NODE || !e->content) continue;
            const char *cm = (const char *)e->content;
            if (cm[0] == '$') depth++;
            else if (cm[0] == '/' && cm[1] == '$' && !cm[2] && depth-- == 0) break;
        }
        if (e)
            while (t->next != e) react_free(t->next, tpl, seg);
        if (!seg[k]) continue;   /* the segment sat inside the fallback (hostile markup) */
        while (seg[k]->children) {
            xmlNode *ch = seg[k]->children;
            xmlUnlinkNode(ch);
            xmlAddPrevSibling(t, ch);
        }
        react_free(t, tpl, seg);
        if (seg[k]) react_free(seg[k], tpl, seg);
    }
    free(tpl);
}

static int fast_paths = 1;

void ph_fast_paths(int on)
{
    fast_paths = on;
}

/* The tree is no longer needed: with the arena it goes with it, else node by node. */
static void doc_done(xmlDoc *doc, int in_arena)
{
    if (in_arena) arena_end();
    else xmlFreeDoc(doc);
}

parse_article_t *parse_article(const char *html, size_t len, const char *url, const char *content_type,
                               const parse_html_opts_t *opts, char *err, size_t errlen)
{
    size_t max_bytes = opts && opts->max_bytes ? opts->max_bytes : PARSE_HTML_MAX_BYTES;
    int max_depth = opts && opts->max_depth > 0 ? opts->max_depth : PARSE_HTML_MAX_DEPTH;
    if (!html || len == 0) { set_err(err, errlen, "empty document"); return NULL; }
    if (len > max_bytes) {
        if (err && errlen) snprintf(err, errlen, "too large (%zu bytes, limit %zu)", len, max_bytes);
        return NULL;
    }
    const char *bin = sniff_binary((const unsigned char *)html, len);
    if (bin) {
        if (err && errlen) snprintf(err, errlen, "not HTML (%s)", bin);
        return NULL;
    }
    size_t ulen = 0;
    char *u = parse_html_to_utf8(html, len, content_type, &ulen, NULL);
    const char *why = sniff_text(u, ulen);
    if (why) { set_err(err, errlen, why); free(u); return NULL; }
    ulen = strip_raw(u, ulen);
    ulen = strip_svg(u, ulen);
    ulen = cap_attributes(u, ulen);
    if (ulen > INT32_MAX) { set_err(err, errlen, "too large"); free(u); return NULL; }
    size_t max_el = max_bytes / PARSE_HTML_BYTES_PER_ELEMENT_BUDGET;
    if (max_el < 1000) max_el = 1000;
    size_t nel = count_start_tags(u, ulen);
    if (nel > max_el) {
        if (err && errlen) snprintf(err, errlen, "too many elements (%zu, limit %zu)", nel, max_el);
        free(u);
        return NULL;
    }
    int react_marks = memmem(u, ulen, " hidden id=\"S:", 14) != NULL;
    side_t side;
    memset(&side, 0, sizeof side);
    ob_t mk = {0};
    if (fast_paths) {
        move_attributes(u, ulen, &mk, &side);
        free(u);
    } else {
        mk.data = u;
        mk.len = ulen;
    }
    if (mk.len > INT32_MAX) { set_err(err, errlen, "too large"); free(mk.data); side_free(&side); return NULL; }

    int in_arena = fast_paths ? arena_begin() : 0;
    xmlDoc *doc = htmlReadMemory(mk.data ? mk.data : "", (int)mk.len, url, "UTF-8",
                                 HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                 HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC |
                                 HTML_PARSE_COMPACT);
    int react_segments = doc && react_marks;
    free(mk.data);
    if (!doc) {
        if (in_arena) arena_end();
        side_free(&side);
        set_err(err, errlen, "not HTML (unparseable)");
        return NULL;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    /* Work from <html>, not <body>: libxml2's recovery puts content that
     * follows a stray </body> or </html> next to the body, not in it. */
    /* A stray <html> tag mid-page makes libxml2 start a second top-level
     * element that holds the rest of the page: move such siblings' content
     * into the first root, in order. */
    if (root) {
        xmlNode *sib = root->next;
        while (sib) {
            xmlNode *nx = sib->next;
            if (sib->type == XML_ELEMENT_NODE) {
                xmlNode *k = sib->children;
                while (k) {
                    xmlNode *kn = k->next;
                    xmlUnlinkNode(k);
                    xmlAddChild(root, k);
                    k = kn;
                }
                xmlUnlinkNode(sib);
                xmlFreeNode(sib);
            }
            sib = nx;
        }
    }
    xmlNode *body = root;
    if (!body) {
        doc_done(doc, in_arena);
        side_free(&side);
        set_err(err, errlen, "no main text found (empty document)");
        return NULL;
    }
    ctx_t c;
    memset(&c, 0, sizeof c);
    c.doc = doc;
    c.body = body;
    c.max_depth = max_depth;
    side_attach(body, &side);
    if (react_segments) react_swap(body);
    parse_meta_collect(doc, url, &c.meta);

    pass_drop(&c);
    pass_stats(&c, 0);
    pass_boiler(&c);
    pass_stats(&c, 1);
    xmlNode *top = pick_top(&c);

    bb_t b;
    memset(&b, 0, sizeof b);
    nm_buf_init(&b.cur, 0);
    b.meta = &c.meta;
    xmlNode *parent = top->parent;
    if (top == body || !parent || !parent->_private || INFO(top)->tag == T_BODY) {
        collect_blocks(&b, top, max_depth);
    } else {
        double ts = final_score(top);
        double threshold = ts * 0.2 > 10 ? ts * 0.2 : 10;
        const char *tcls = ph_attr(top, "class");
        for (xmlNode *s = parent->children; s; s = s->next) {
            if (s->type != XML_ELEMENT_NODE || !s->_private) continue;
            ninfo_t *in = INFO(s);
            int take = s == top;
            if (!take && in->cand) {
                double bonus = 0;
                const char *scls = ph_attr(s, "class");
                if (tcls && scls && *tcls && strcmp(tcls, scls) == 0) bonus = ts * 0.2;
                take = final_score(s) + bonus >= threshold;
            }
            if (!take && (in->tag == T_P || paragraph_like(in)) && in->text > 0) {
                double ld = (double)in->link / in->text;
                if (in->text > 80 && ld < 0.25) take = 1;
                else if (in->text <= 80 && ld == 0 && ends_sentence(s)) take = 1;
            }
            if (!take && is_heading(in->tag) && s->next) {
                /* a subheading directly before content we take */
                xmlNode *nx = s->next;
                while (nx && nx->type != XML_ELEMENT_NODE) nx = nx->next;
                if (nx && nx->_private && (nx == top || (INFO(nx)->text > 80 && INFO(nx)->link * 4 < INFO(nx)->text)))
                    take = 1;
            }
            if (take) collect_blocks(&b, s, max_depth);
        }
    }
    trim_trailing_headings(&b);

    if (c.meta.body && !strchr(c.meta.body, '<')) {
        int dom_words = 0;
        for (size_t i = 0; i < b.n; i++) dom_words += count_words_str(b.blocks[i].text);
        int ld_words = count_words_str(c.meta.body);
        if (ld_words >= 50 && dom_words * 2 < ld_words) {
            free_blocks(b.blocks, b.n);
            b.blocks = NULL;
            b.n = b.cap = 0;
            blocks_from_body(&b, c.meta.body);
        }
    }
    nm_buf_free(&b.cur);
    free(c.info);
    free(c.cands);
    doc_done(doc, in_arena);
    side_free(&side);

    if (!b.n) {
        parse_meta_free(&c.meta);
        free(b.blocks);
        set_err(err, errlen, "no main text found");
        return NULL;
    }
    parse_article_t *a = nm_calloc(1, sizeof *a);
    a->blocks = b.blocks;
    a->nblocks = b.n;
    nm_buf_t t;
    nm_buf_init(&t, 0);
    for (size_t i = 0; i < b.n; i++) {
        if (i) nm_buf_puts(&t, "\n\n");
        nm_buf_puts(&t, b.blocks[i].text);
    }
    a->text = nm_buf_steal(&t);
    a->word_count = count_words_str(a->text);
    a->url = url ? nm_strdup(url) : NULL;
    a->canonical_url = c.meta.canonical ? c.meta.canonical : (url ? nm_url_canonical(url) : NULL);
    c.meta.canonical = NULL;
    a->title = c.meta.title; c.meta.title = NULL;
    a->byline = c.meta.byline; c.meta.byline = NULL;
    a->language = c.meta.language; c.meta.language = NULL;
    a->site_name = c.meta.site_name; c.meta.site_name = NULL;
    a->published_at = c.meta.published.t;
    a->published_tz = c.meta.published.tz;
    a->published_tz_known = c.meta.published.tz_known;
    a->modified_at = c.meta.modified.t;
    a->description = c.meta.description; c.meta.description = NULL;
    a->section = c.meta.section; c.meta.section = NULL;
    a->image = c.meta.image; c.meta.image = NULL;
    a->tags = c.meta.tags; c.meta.tags = NULL;
    a->ntags = c.meta.ntags; c.meta.ntags = 0;
    if (!a->language) {
        const char *l = parse_lang_detect(a->text);
        if (l) { a->language = nm_strdup(l); a->language_detected = 1; }
    }
    parse_meta_free(&c.meta);
    return a;
}

void parse_article_destroy(parse_article_t **a_p)
{
    if (!a_p || !*a_p) return;
    parse_article_t *a = *a_p;
    free(a->url); free(a->canonical_url); free(a->title); free(a->byline);
    free(a->language); free(a->site_name); free(a->text);
    free(a->description); free(a->section); free(a->image);
    for (size_t i = 0; i < a->ntags; i++) free(a->tags[i]);
    free(a->tags);
    free_blocks(a->blocks, a->nblocks);
    free(a);
    *a_p = NULL;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* "2025-04-17T08:30:00+08:00": the instant in the page's own offset. */
static void local_iso(int64_t t, int tz, char *buf, size_t buflen)
{
    char u[32];
    parse_date_iso(t + (int64_t)tz * 60, u, sizeof u);   /* "...Z" of the shifted clock */
    size_t l = strlen(u);
    if (l && u[l - 1] == 'Z') u[l - 1] = 0;
    int a = tz < 0 ? -tz : tz;
    snprintf(buf, buflen, "%s%c%02d:%02d", u, tz < 0 ? '-' : '+', a / 60, a % 60);
}

json_t *parse_article_to_json(const parse_article_t *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "url", str_or_null(a->url));
    json_object_set_new(o, "canonical_url", str_or_null(a->canonical_url));
    json_object_set_new(o, "title", str_or_null(a->title));
    json_object_set_new(o, "byline", str_or_null(a->byline));
    if (a->published_at) {
        char buf[32];
        parse_date_iso(a->published_at, buf, sizeof buf);
        json_object_set_new(o, "published_at", json_string(buf));
    } else {
        json_object_set_new(o, "published_at", json_null());
    }
    json_object_set_new(o, "language", str_or_null(a->language));
    json_object_set_new(o, "site_name", str_or_null(a->site_name));
    json_object_set_new(o, "text", json_string(a->text ? a->text : ""));
    json_t *bl = json_array();
    for (size_t i = 0; i < a->nblocks; i++) {
        json_t *b = json_object();
        json_object_set_new(b, "kind", json_string(a->blocks[i].kind));
        json_object_set_new(b, "text", json_string(a->blocks[i].text));
        json_array_append_new(bl, b);
    }
    json_object_set_new(o, "blocks", bl);
    json_object_set_new(o, "word_count", json_integer(a->word_count));
    /* additions beyond the contract */
    if (a->published_at && a->published_tz_known) {
        char buf[40];
        local_iso(a->published_at, a->published_tz, buf, sizeof buf);
        json_object_set_new(o, "published_at_local", json_string(buf));
    } else {
        json_object_set_new(o, "published_at_local", json_null());
    }
    if (a->modified_at) {
        char buf[32];
        parse_date_iso(a->modified_at, buf, sizeof buf);
        json_object_set_new(o, "modified_at", json_string(buf));
    } else {
        json_object_set_new(o, "modified_at", json_null());
    }
    json_object_set_new(o, "description", str_or_null(a->description));
    json_object_set_new(o, "section", str_or_null(a->section));
    json_t *tg = json_array();
    for (size_t i = 0; i < a->ntags; i++) json_array_append_new(tg, json_string(a->tags[i]));
    json_object_set_new(o, "tags", tg);
    json_object_set_new(o, "image", str_or_null(a->image));
    return o;
}

char *parse_article_render(const parse_article_t *a, const char *format)
{
    if (!a || !format) return NULL;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    if (strcmp(format, "text") == 0) {
        if (a->title) nm_buf_printf(&b, "%s\n\n", a->title);
        nm_buf_puts(&b, a->text ? a->text : "");
        nm_buf_puts(&b, "\n");
        return nm_buf_steal(&b);
    }
    if (strcmp(format, "markdown") != 0) return NULL;
    if (a->title) nm_buf_printf(&b, "# %s\n\n", a->title);
    if (a->byline || a->published_at) {
        char date[32] = "";
        if (a->published_at) parse_date_iso(a->published_at, date, sizeof date);
        nm_buf_printf(&b, "*%s%s%s*\n\n", a->byline ? a->byline : "", a->byline && *date ? " \xE2\x80\x94 " : "", date);
    }
    for (size_t i = 0; i < a->nblocks; i++) {
        const parse_block_t *bl = &a->blocks[i];
        if (bl->kind[0] == 'h' && bl->kind[1] >= '1' && bl->kind[1] <= '6') {
            int level = bl->kind[1] - '0';
            if (level < 2 && a->title) level = 2;   /* the title is the only h1 */
            for (int k = 0; k < level; k++) nm_buf_puts(&b, "#");
            nm_buf_printf(&b, " %s\n\n", bl->text);
        } else if (strcmp(bl->kind, "li") == 0) {
            nm_buf_printf(&b, "- %s\n", bl->text);
            if (i + 1 >= a->nblocks || strcmp(a->blocks[i + 1].kind, "li") != 0) nm_buf_puts(&b, "\n");
        } else if (strcmp(bl->kind, "quote") == 0) {
            nm_buf_puts(&b, "> ");
            for (const char *p = bl->text; *p; p++) {
                nm_buf_append(&b, p, 1);
                if (*p == '\n') nm_buf_puts(&b, "> ");
            }
            nm_buf_puts(&b, "\n\n");
        } else if (strcmp(bl->kind, "pre") == 0) {
            nm_buf_printf(&b, "```\n%s\n```\n\n", bl->text);
        } else {
            nm_buf_printf(&b, "%s\n\n", bl->text);
        }
    }
    while (b.len > 1 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n') b.data[--b.len] = 0;
    return nm_buf_steal(&b);
}

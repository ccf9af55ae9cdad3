/* score_summaries: ROUGE-1/2/L F1 of newsmill's extractive summarizer
 * against Lead-N and a TextRank baseline, in one run.
 *
 * Usage: score_summaries [--sentences N] [--budget ref] [--stem] [--weights P,C,T,V,G,R] DIR
 *   DIR holds articles/CATEGORY/NNN.txt (first line: headline; then the
 *   text) and summaries/CATEGORY/NNN.txt (the reference), like
 *   shared/corpus/summaries-dev (BBC News Summary).
 *   --sentences N   summary length for every method (default 3)
 *   --budget ref    instead, each method adds sentences (in its own order)
 *                   until it has as many words as the reference
 *   --stem          Porter-stem scoring tokens (libstemmer's "porter")
 *   --weights       override summ_default_weights (for tuning)
 *
 * Scoring (documented, deliberately simple): text is lowercased; tokens are
 * maximal runs of ASCII letters and digits (everything else separates, so
 * references with no space between sentences tokenize correctly); no
 * stopword removal; no stemming unless --stem, which runs the original
 * Porter stemmer (libstemmer, algorithm "porter") on tokens longer than 3
 * characters, as Google's rouge-score package does. ROUGE-N F1 uses clipped n-gram counts;
 * ROUGE-L F1 uses the LCS of the whole token sequences (summary level).
 * Reported: the mean F1 over all articles, x100. All methods use the same
 * sentence segmentation (summ_doc_split) and see the same text (the
 * headline is the title, not part of the text). */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "nm_buf.h"
#include "summ.h"
#include "summ_tok.h"

typedef struct { char **v; size_t n; } toks_t;

static struct sb_stemmer *stemmer;   /* --stem: set once in main */

static char *stem_word(char *w)
{
    size_t n = strlen(w);
    if (!stemmer || n <= 3) return w;
    const sb_symbol *st = sb_stemmer_stem(stemmer, (const sb_symbol *)w, (int)n);
    if (!st) return w;
    char *out = nm_strndup((const char *)st, (size_t)sb_stemmer_length(stemmer));
    free(w);
    return out;
}

static void rtok(const char *s, toks_t *t)
{
    size_t cap = 64;
    t->v = nm_malloc(cap * sizeof *t->v);
    t->n = 0;
    while (*s) {
        while (*s && !isalnum((unsigned char)*s)) s++;
        const char *b = s;
        while (*s && isalnum((unsigned char)*s)) s++;
        if (s == b) continue;
        if (t->n == cap) t->v = nm_realloc(t->v, (cap *= 2) * sizeof *t->v);
        char *w = nm_strndup(b, (size_t)(s - b));
        for (char *p = w; *p; p++) *p = (char)tolower((unsigned char)*p);
        t->v[t->n++] = stem_word(w);
    }
}

static void rtok_free(toks_t *t)
{
    for (size_t k = 0; k < t->n; k++) free(t->v[k]);
    free(t->v);
}

/* n-gram overlap with clipping: quadratic, fine at article sizes */
static double rouge_n(const toks_t *c, const toks_t *r, size_t n)
{
    if (c->n < n || r->n < n) return 0;
    size_t nc = c->n - n + 1, nr = r->n - n + 1, match = 0;
    char *used = calloc(nr, 1);
    for (size_t i = 0; i < nc; i++) {
        for (size_t j = 0; j < nr; j++) {
            if (used[j]) continue;
            size_t k = 0;
            while (k < n && strcmp(c->v[i + k], r->v[j + k]) == 0) k++;
            if (k == n) { used[j] = 1; match++; break; }
        }
    }
    free(used);
    if (!match) return 0;
    double p = (double)match / nc, rc = (double)match / nr;
    return 2 * p * rc / (p + rc);
}

static double rouge_l(const toks_t *c, const toks_t *r)
{
    if (!c->n || !r->n) return 0;
    size_t *prev = calloc(r->n + 1, sizeof *prev), *cur = calloc(r->n + 1, sizeof *cur);
    for (size_t i = 1; i <= c->n; i++) {
        for (size_t j = 1; j <= r->n; j++) {
            if (strcmp(c->v[i - 1], r->v[j - 1]) == 0) cur[j] = prev[j - 1] + 1;
            else cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
        }
        size_t *t = prev; prev = cur; cur = t;
    }
    size_t l = prev[r->n];
    free(prev);
    free(cur);
    if (!l) return 0;
    double p = (double)l / c->n, rc = (double)l / r->n;
    return 2 * p * rc / (p + rc);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    nm_buf_t b;
    nm_buf_init(&b, 16u << 20);
    char tmp[8192];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (nm_buf_append(&b, tmp, got) < 0) break;
    fclose(f);
    return nm_buf_steal(&b);
}

/* Simple TextRank (Mihalcea & Tarau 2004): similarity = shared tokens over
 * log|Si| + log|Sj|, PageRank with d = 0.85. Writes a full ranking. */
static size_t textrank(const summ_doc_t *doc, size_t *order)
{
    size_t n = doc->n;
    summ_tokenizer_t *tk = summ_tokenizer_new("en");
    summ_tokens_t *t = calloc(n, sizeof *t);
    for (size_t i = 0; i < n; i++) summ_tokenize(tk, doc->v[i].text, &t[i]);
    double *w = calloc(n * n, sizeof *w), *deg = calloc(n, sizeof *deg);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            if (t[i].n < 2 || t[j].n < 2) continue;
            size_t shared = 0;
            for (size_t a = 0; a < t[i].n; a++)
                for (size_t b = 0; b < t[j].n; b++)
                    if (strcmp(t[i].v[a], t[j].v[b]) == 0) { shared++; break; }
            double s = shared / (log((double)t[i].n) + log((double)t[j].n));
            w[i * n + j] = w[j * n + i] = s;
            deg[i] += s;
            deg[j] += s;
        }
    double *pr = malloc(n * sizeof *pr), *nx = malloc(n * sizeof *nx);
    for (size_t i = 0; i < n; i++) pr[i] = 1.0 / n;
    for (int it = 0; it < 50; it++) {
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t j = 0; j < n; j++)
                if (deg[j] > 0) s += w[j * n + i] / deg[j] * pr[j];
            nx[i] = (1 - 0.85) / n + 0.85 * s;
        }
        memcpy(pr, nx, n * sizeof *pr);
    }
    size_t m = 0;
    char *used = calloc(n, 1);
    for (;;) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!used[i] && summ_is_candidate(&doc->v[i]) && (best == n || pr[i] > pr[best])) best = i;
        if (best == n) break;
        used[best] = 1;
        order[m++] = best;
    }
    free(used);
    free(pr);
    free(nx);
    free(w);
    free(deg);
    for (size_t i = 0; i < n; i++) summ_tokens_free(&t[i]);
    free(t);
    summ_tokenizer_destroy(&tk);
    return m;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Take ranked sentences until the budget is met; join in document order. */
static char *assemble(const summ_doc_t *doc, const size_t *order, size_t m, size_t nsent, size_t words)
{
    size_t *take = malloc((m ? m : 1) * sizeof *take), k = 0, wc = 0;
    for (; k < m; k++) {
        if (words ? wc >= words : k >= nsent) break;
        take[k] = order[k];
        wc += summ_word_count(doc->v[order[k]].text);
    }
    qsort(take, k, sizeof *take, cmp_size);
    nm_buf_t b;
    nm_buf_init(&b, 0);
    for (size_t i = 0; i < k; i++) {
        if (i) nm_buf_puts(&b, " ");
        nm_buf_puts(&b, doc->v[take[i]].text);
    }
    free(take);
    char *s = nm_buf_steal(&b);
    nm_buf_free(&b);
    return s;
}

enum { M_OURS, M_LEAD, M_TEXTRANK, M_N };
static const char *const MNAME[M_N] = {"newsmill", "lead", "textrank"};

int main(int argc, char **argv)
{
    size_t nsent = 3;
    int budget_ref = 0;
    summ_weights_t w = summ_default_weights;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sentences") && i + 1 < argc) nsent = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--budget") && i + 1 < argc) budget_ref = !strcmp(argv[++i], "ref");
        else if (!strcmp(argv[i], "--stem")) {
            if (!stemmer && !(stemmer = sb_stemmer_new("porter", NULL))) {
                fprintf(stderr, "libstemmer has no porter stemmer\n");
                return 2;
            }
        }
        else if (!strcmp(argv[i], "--weights") && i + 1 < argc) {
            if (sscanf(argv[++i], "%lf,%lf,%lf,%lf,%lf,%lf", &w.position, &w.centroid, &w.title, &w.coverage, &w.centrality, &w.redundancy) != 6) {
                fprintf(stderr, "bad --weights\n");
                return 2;
            }
        } else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else {
            fprintf(stderr, "usage: score_summaries [--sentences N] [--budget ref] [--stem] [--weights P,C,T,V,G,R] DIR\n");
            return 2;
        }
    }
    if (!dir || nsent == 0) {
        fprintf(stderr, "usage: score_summaries [--sentences N] [--budget ref] [--stem] [--weights P,C,T,V,G,R] DIR\n");
        return 2;
    }
    double sum[M_N][3] = {{0}};
    size_t ndocs = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/articles", dir);
    DIR *top = opendir(path);
    if (!top) { perror(path); return 1; }
    struct dirent **cats;
    int ncat = scandir(path, &cats, NULL, alphasort);
    closedir(top);
    for (int c = 0; c < ncat; c++) {
        if (cats[c]->d_name[0] == '.') { free(cats[c]); continue; }
        char cdir[4096];
        snprintf(cdir, sizeof cdir, "%s/articles/%s", dir, cats[c]->d_name);
        struct dirent **files;
        int nf = scandir(cdir, &files, NULL, alphasort);
        for (int f = 0; f < nf; f++) {
            const char *name = files[f]->d_name;
            if (name[0] == '.' || !strstr(name, ".txt")) { free(files[f]); continue; }
            char ap[8192], rp[8192];
            snprintf(ap, sizeof ap, "%s/%s", cdir, name);
            snprintf(rp, sizeof rp, "%s/summaries/%s/%s", dir, cats[c]->d_name, name);
            char *art = slurp(ap), *ref = slurp(rp);
            free(files[f]);
            if (!art || !ref) { free(art); free(ref); continue; }
            char *nl = strchr(art, '\n');
            char *title = art, *text = nl ? nl + 1 : art + strlen(art);
            if (nl) *nl = '\0';
            summ_doc_t doc = {0};
            summ_doc_split(text, &doc);
            toks_t rt;
            rtok(ref, &rt);
            size_t words = budget_ref ? rt.n : 0;
            size_t *order = malloc((doc.n ? doc.n : 1) * sizeof *order);
            for (int m = 0; m < M_N; m++) {
                size_t cnt = 0;
                if (m == M_OURS) cnt = summ_rank(&doc, title, "en", &w, doc.n, 0, order);
                else if (m == M_LEAD) for (size_t i = 0; i < doc.n; i++) order[cnt++] = i;
                else cnt = textrank(&doc, order);
                char *cand = assemble(&doc, order, cnt, nsent, words);
                toks_t ct;
                rtok(cand, &ct);
                sum[m][0] += rouge_n(&ct, &rt, 1);
                sum[m][1] += rouge_n(&ct, &rt, 2);
                sum[m][2] += rouge_l(&ct, &rt);
                rtok_free(&ct);
                free(cand);
            }
            free(order);
            rtok_free(&rt);
            summ_doc_free(&doc);
            free(art);
            free(ref);
            ndocs++;
        }
        free(files);
        free(cats[c]);
    }
    free(cats);
    if (!ndocs) { fprintf(stderr, "no articles under %s\n", dir); return 1; }
    if (budget_ref) printf("%zu articles, budget: the reference's length in words\n", ndocs);
    else printf("%zu articles, budget: %zu sentences\n", ndocs, nsent);
    printf("tokens: lowercase ASCII alphanumeric runs, %s\n", stemmer ? "Porter-stemmed (len > 3)" : "not stemmed");
    printf("%-10s %8s %8s %8s\n", "method", "R1-F", "R2-F", "RL-F");
    for (int m = 0; m < M_N; m++)
        printf("%-10s %8.2f %8.2f %8.2f\n", MNAME[m], 100 * sum[m][0] / ndocs,
               100 * sum[m][1] / ndocs, 100 * sum[m][2] / ndocs);
    if (stemmer) sb_stemmer_delete(stemmer);
    return 0;
}

#include "summ.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nm_buf.h"
#include "summ_tok.h"
#include "summ_topic.h"

/* Tuned on shared/corpus/summaries-dev (bench/score_summaries.c, see
 * bench/RESULTS.md): graph centrality (TextRank's similarity on raw term
 * counts, every sentence voting) carries most of the gain over Lead-3;
 * coverage of the document's centroid, the title and the centroid cosine
 * add a little on top; a light redundancy penalty keeps near-duplicate
 * sentences (common in wire copy) out. A lead prior did not help on this
 * corpus (its reference summaries draw from the whole article), so it is
 * off; the weight stays for other corpora. */
#ifndef SUMM_LEANS_BACK_PENALTY
#define SUMM_LEANS_BACK_PENALTY 0.2
#endif

const summ_weights_t summ_default_weights = {
    .position = 0.0, .centroid = 0.1, .title = 0.1, .coverage = 0.3, .centrality = 1.0,
    .redundancy = 0.05,
};

/* ---- sparse vectors ---- */

typedef struct {
    size_t *id;
    double *w;
    size_t n;
    double norm;
} svec_t;

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* ids (sorted in place) -> term counts, into id and w (room for n each) */
static void svec_from_ids(svec_t *v, size_t *ids, size_t n, size_t *id, double *w)
{
    if (n <= 48) {
        /* a sentence's few tokens: insertion sort beats qsort's calls */
        for (size_t k = 1; k < n; k++) {
            size_t x = ids[k], j = k;
            for (; j > 0 && ids[j - 1] > x; j--) ids[j] = ids[j - 1];
            ids[j] = x;
        }
    } else {
        qsort(ids, n, sizeof *ids, cmp_size);
    }
    v->id = id;
    v->w = w;
    v->n = 0;
    for (size_t k = 0; k < n; k++) {
        if (v->n && v->id[v->n - 1] == ids[k]) { v->w[v->n - 1] += 1; continue; }
        v->id[v->n] = ids[k];
        v->w[v->n] = 1;
        v->n++;
    }
}

/* The term-count vectors of doc's sentences, v[0..n), and of title as v[n]
 * (empty without one): tokenized into one id list, and sharing one id and
 * one weight array, so a document costs a few allocations, not several
 * per sentence. */
typedef struct {
    svec_t *v;
    size_t *id;
    double *w;
} svecs_t;

static void doc_vectors(const summ_doc_t *doc, const char *title, summ_tokenizer_t *tk, svecs_t *out)
{
    size_t n = doc->n;
    summ_ids_t ids = {0};
    size_t *start = nm_malloc((n + 2) * sizeof *start);
    for (size_t k = 0; k < n; k++) {
        start[k] = ids.n;
        summ_tokenize_ids(tk, doc->v[k].text, &ids);
    }
    start[n] = ids.n;
    if (title && *title) summ_tokenize_ids(tk, title, &ids);
    start[n + 1] = ids.n;
    out->v = nm_calloc(n + 1, sizeof *out->v);
    out->id = nm_malloc((ids.n ? ids.n : 1) * sizeof *out->id);
    out->w = nm_malloc((ids.n ? ids.n : 1) * sizeof *out->w);
    for (size_t k = 0; k <= n; k++)
        svec_from_ids(&out->v[k], ids.v + start[k], start[k + 1] - start[k], out->id + start[k], out->w + start[k]);
    free(start);
    summ_ids_free(&ids);
}

static void svecs_free(svecs_t *s)
{
    free(s->v);
    free(s->id);
    free(s->w);
}

static void svec_weight(svec_t *v, const double *idf)
{
    double s = 0;
    for (size_t k = 0; k < v->n; k++) {
        v->w[k] = (1 + log(v->w[k])) * idf[v->id[k]];
        s += v->w[k] * v->w[k];
    }
    v->norm = sqrt(s);
}

static double svec_cos(const svec_t *a, const svec_t *b)
{
    if (a->norm == 0 || b->norm == 0) return 0;
    double d = 0;
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        if (a->id[i] == b->id[j]) d += a->w[i++] * b->w[j++];
        else if (a->id[i] < b->id[j]) i++;
        else j++;
    }
    return d / (a->norm * b->norm);
}

/* svec_cos(a, c) for the sparse vector c whose dense form is dense (its
 * zero cells are not in c): the same products summed in the same order,
 * without walking all of c's terms. */
static double svec_cos_dense(const svec_t *a, const double *dense, double dnorm)
{
    if (a->norm == 0 || dnorm == 0) return 0;
    double d = 0;
    for (size_t i = 0; i < a->n; i++)
        if (dense[a->id[i]] != 0) d += a->w[i] * dense[a->id[i]];
    return d / (a->norm * dnorm);
}

/* Characters (code points), the unit of max_chars. */
static size_t u8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A sentence opening with a connective ("However, ...") leans on the one
 * before it and reads badly out of context. */
static int leans_back(const char *s)
{
    static const char *const W[] = {"however", "but", "and", "also", "meanwhile", "still", "yet",
                                    "so", "moreover", "furthermore", "nevertheless", "instead",
                                    "otherwise", "besides", "thus", "therefore", "then", NULL};
    size_t n = 0;
    while (s[n] && ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))) n++;
    for (int k = 0; W[k]; k++)
        if (strlen(W[k]) == n && strncasecmp(s, W[k], n) == 0) return 1;
    return 0;
}

int summ_is_candidate(const summ_sentence_t *s)
{
    if (s->heading) return 0;
    /* CJK text counts characters: a short clause is about 10 of them */
    size_t len = strlen(s->text), i = 0, cjk = 0;
    size_t words = summ_word_count_n(s->text, len, 10);   /* only compared with 6 and 10 */
    const unsigned char *u = (const unsigned char *)s->text;
    while (i < len && cjk < 10) {
        if (u[i] < 0x80) { i++; continue; }   /* ASCII is never CJK */
        if (summ_is_cjk(summ_utf8_next(s->text, len, &i))) cjk++;
    }
    return cjk >= 10 ? words >= 10 : words >= 6;
}

/* TextRank's similarity (Mihalcea & Tarau 2004): the tokens of one
 * sentence that occur in the other, over the log lengths in tokens. On raw
 * counts (c = term counts, len = tokens). Unlike the cosine it lets a full,
 * informative sentence gather more weight than a short one, which is what a
 * summary needs from each sentence it spends. Symmetrized. */
static double overlap_sim(const svec_t *a, const svec_t *b, double la, double lb)
{
    if (la < 2 || lb < 2) return 0;
    size_t i = 0, j = 0;
    double sa = 0, sb = 0;
    while (i < a->n && j < b->n) {
        if (a->id[i] == b->id[j]) { sa += a->w[i++]; sb += b->w[j++]; }
        else if (a->id[i] < b->id[j]) i++;
        else j++;
    }
    return 0.5 * (sa + sb) / (log(la) + log(lb));
}

/* out[idx[i]] = pr[i] scaled so the best candidate scores 1; 0 for
 * sentences that are not candidates. */
static void scale_to_best(double *out, const double *pr, const size_t *idx, const int *cand, size_t m)
{
    double mx = 0;
    for (size_t i = 0; i < m; i++)
        if (cand[idx[i]] && pr[i] > mx) mx = pr[i];
    for (size_t i = 0; i < m; i++) out[idx[i]] = mx > 0 && cand[idx[i]] ? pr[i] / mx : 0;
}

/* LexRank-style centrality of the candidates, scaled so the best is 1: a
 * PageRank over the sentence-similarity graph. Quadratic in the graph's
 * sentences at worst, so only the first SUMM_GRAPH_MAX take part; later
 * ones get 0.
 *
 * The graph is sparse (two sentences of an article share a few content
 * words, mostly none), so it is built from an inverted index over the
 * sentences' terms and kept as adjacency lists: pairs that share nothing
 * cost nothing, in the similarities and in the 30 power iterations. Every
 * sum runs in the same order as the dense matrix form would (terms by id,
 * neighbours by index), so the scores are the same to the last bit: see
 * summ_centrality_dense in tests/unit/test_summ_graph.c. */
#define SUMM_GRAPH_MAX 400
#ifndef SUMM_GRAPH_ALL
#define SUMM_GRAPH_ALL 1
#endif
#define SUMM_PR_ITERATIONS 30

typedef struct { size_t a, b; double c; } edge_t;

/* The power iteration: SUMM_PR_ITERATIONS steps from *pr_p; the result is
 * left in *pr_p (the two buffers swap). Each node's sum is one chain of
 * dependent additions in a fixed order (neighbours ascending, see
 * centrality): nodes of about the same degree (order: rows by degree) run
 * side by side so the chains overlap, four at a time here. */
static void walk(size_t m, const size_t *order, const size_t *nadj, const size_t *anb, const double *aw,
                 double **pr_p, double **nx_p)
{
    double *pr = *pr_p, *nx = *nx_p;
    for (int it = 0; it < SUMM_PR_ITERATIONS; it++) {
        size_t g = 0;
        for (; g + 4 <= m; g += 4) {
            const size_t r0 = order[g], r1 = order[g + 1], r2 = order[g + 2], r3 = order[g + 3];
            const size_t *n0 = anb + nadj[r0], *n1 = anb + nadj[r1], *n2 = anb + nadj[r2], *n3 = anb + nadj[r3];
            const double *w0 = aw + nadj[r0], *w1 = aw + nadj[r1], *w2 = aw + nadj[r2], *w3 = aw + nadj[r3];
            const size_t l0 = nadj[r0 + 1] - nadj[r0], l1 = nadj[r1 + 1] - nadj[r1];
            const size_t l2 = nadj[r2 + 1] - nadj[r2], l3 = nadj[r3 + 1] - nadj[r3];
            size_t c = l0 < l1 ? l0 : l1;
            if (l2 < c) c = l2;
            if (l3 < c) c = l3;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (size_t k = 0; k < c; k++) {
                s0 += w0[k] * pr[n0[k]];
                s1 += w1[k] * pr[n1[k]];
                s2 += w2[k] * pr[n2[k]];
                s3 += w3[k] * pr[n3[k]];
            }
            for (size_t k = c; k < l0; k++) s0 += w0[k] * pr[n0[k]];
            for (size_t k = c; k < l1; k++) s1 += w1[k] * pr[n1[k]];
            for (size_t k = c; k < l2; k++) s2 += w2[k] * pr[n2[k]];
            for (size_t k = c; k < l3; k++) s3 += w3[k] * pr[n3[k]];
            nx[r0] = 0.15 / (double)m + 0.85 * s0;
            nx[r1] = 0.15 / (double)m + 0.85 * s1;
            nx[r2] = 0.15 / (double)m + 0.85 * s2;
            nx[r3] = 0.15 / (double)m + 0.85 * s3;
        }
        for (; g < m; g++) {
            size_t i = order[g];
            double s = 0;
            for (size_t p = nadj[i]; p < nadj[i + 1]; p++) s += aw[p] * pr[anb[p]];
            nx[i] = 0.15 / (double)m + 0.85 * s;
        }
        double *tmp = pr;
        pr = nx;
        nx = tmp;
    }
    *pr_p = pr;
    *nx_p = nx;
}

static double *centrality(const svec_t *raw, const double *len, const int *cand, size_t n, size_t V, int wanted)
{
    double *out = nm_calloc(n ? n : 1, sizeof *out);
    if (!wanted) return out;
    /* every sentence votes (short ones and headings carry the document's
     * vocabulary too); only candidates are scored */
    size_t *idx = nm_malloc((n ? n : 1) * sizeof *idx), m = 0;
    for (size_t k = 0; k < n && m < SUMM_GRAPH_MAX; k++)
        if (SUMM_GRAPH_ALL || cand[k]) idx[m++] = k;
    if (m == 0) { free(idx); return out; }

    /* postings: for each term, the graph sentences holding it (ascending)
     * and its count there */
    size_t *pstart = nm_calloc(V + 1, sizeof *pstart), total = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < raw[idx[i]].n; k++) pstart[raw[idx[i]].id[k] + 1]++;
    for (size_t t = 0; t < V; t++) pstart[t + 1] += pstart[t];
    total = pstart[V];
    size_t *pfill = nm_malloc((V ? V : 1) * sizeof *pfill);
    memcpy(pfill, pstart, V * sizeof *pfill);
    size_t *psent = nm_malloc((total ? total : 1) * sizeof *psent);
    double *pw = nm_malloc((total ? total : 1) * sizeof *pw);
    for (size_t i = 0; i < m; i++) {
        const svec_t *v = &raw[idx[i]];
        for (size_t k = 0; k < v->n; k++) {
            size_t at = pfill[v->id[k]]++;
            psent[at] = i;
            pw[at] = v->w[k];
        }
    }
    free(pfill);

    /* TextRank similarity of every pair sharing a term (overlap_sim): sa
     * and sb gather over the shared terms in id order, as the merge does */
    double *sa = nm_calloc(m, sizeof *sa), *sb = nm_calloc(m, sizeof *sb), *lg = nm_malloc(m * sizeof *lg);
    double *deg = nm_calloc(m, sizeof *deg);
    size_t *touched = nm_malloc(m * sizeof *touched), *nadj = nm_calloc(m + 1, sizeof *nadj);
    unsigned char *seen = nm_calloc(m, 1);
    for (size_t i = 0; i < m; i++) lg[i] = len[idx[i]] >= 2 ? log(len[idx[i]]) : 0;
    edge_t *edges = NULL;
    size_t nedges = 0, ecap = 0;
    for (size_t i = 0; i < m; i++) {
        if (len[idx[i]] < 2) continue;
        const svec_t *v = &raw[idx[i]];
        size_t nt = 0;
        for (size_t k = 0; k < v->n; k++) {
            size_t t = v->id[k];
            /* postings are ascending: skip to the sentences after i */
            size_t lo = pstart[t], hi = pstart[t + 1];
            while (lo < hi && psent[lo] <= i) lo++;
            for (size_t p = lo; p < hi; p++) {
                size_t j = psent[p];
                /* branch-free: whether j was seen is a coin toss */
                touched[nt] = j;
                nt += !seen[j];
                seen[j] = 1;
                sa[j] += v->w[k];
                sb[j] += pw[p];
            }
        }
        /* in ascending j: a sort when few were touched, else a sweep */
        if (nt * 8 < m - i) {
            for (size_t q = 1; q < nt; q++) {
                size_t x = touched[q], r = q;
                for (; r > 0 && touched[r - 1] > x; r--) touched[r] = touched[r - 1];
                touched[r] = x;
            }
        } else {
            nt = 0;
            for (size_t j = i + 1; j < m; j++) {
                touched[nt] = j;
                nt += seen[j];
            }
        }
        for (size_t q = 0; q < nt; q++) {
            size_t j = touched[q];
            double c = len[idx[j]] < 2 ? 0 : 0.5 * (sa[j] + sb[j]) / (lg[i] + lg[j]);
            sa[j] = sb[j] = 0;
            seen[j] = 0;
            if (c == 0) continue;
            deg[i] += c;
            deg[j] += c;
            if (nedges == ecap) {
                ecap = ecap ? ecap * 2 : 256;
                edges = nm_realloc(edges, ecap * sizeof *edges);
            }
            edges[nedges++] = (edge_t){ i, j, c };
            nadj[i + 1]++;
            nadj[j + 1]++;
        }
    }
    free(psent);
    free(pw);
    free(pstart);
    free(sa);
    free(sb);
    free(lg);
    free(touched);
    free(seen);

    /* adjacency lists; edges come row by row with ascending columns, so
     * each list fills in ascending neighbour order. The walk's weight
     * sim(j, i) / deg(j) is fixed: compute it once. */
    for (size_t i = 0; i < m; i++) nadj[i + 1] += nadj[i];
    size_t *afill = nm_malloc(m * sizeof *afill);
    memcpy(afill, nadj, m * sizeof *afill);
    size_t *anb = nm_malloc((nedges ? 2 * nedges : 1) * sizeof *anb);
    double *aw = nm_malloc((nedges ? 2 * nedges : 1) * sizeof *aw);
    for (size_t e = 0; e < nedges; e++) {
        size_t a = edges[e].a, b = edges[e].b;
        anb[afill[a]] = b;
        aw[afill[a]++] = edges[e].c / deg[b];
        anb[afill[b]] = a;
        aw[afill[b]++] = edges[e].c / deg[a];
    }
    free(afill);
    free(edges);

    /* the walk runs rows of about the same degree side by side (see
     * walk): rows by degree, a counting sort */
    size_t *order = nm_malloc(m * sizeof *order), *dcount = nm_calloc(m + 1, sizeof *dcount);
    for (size_t i = 0; i < m; i++) dcount[nadj[i + 1] - nadj[i]]++;
    for (size_t d = 1; d <= m; d++) dcount[d] += dcount[d - 1];
    for (size_t i = m; i-- > 0;) order[--dcount[nadj[i + 1] - nadj[i]]] = i;
    free(dcount);
    double *pr = nm_malloc(m * sizeof *pr), *nx = nm_malloc(m * sizeof *nx);
    for (size_t i = 0; i < m; i++) pr[i] = 1.0 / (double)m;
    walk(m, order, nadj, anb, aw, &pr, &nx);
    free(order);
    scale_to_best(out, pr, idx, cand, m);
    free(anb);
    free(aw);
    free(nadj);
    free(deg);
    free(pr);
    free(nx);
    free(idx);
    return out;
}

/* The reference form of centrality() below: the dense similarity matrix
 * over all pairs, the power iteration over every matrix cell. Kept to prove
 * the sparse form equal (summ_centrality, tests/unit/test_summ.c). */
static double *centrality_dense(const svec_t *raw, const double *len, const int *cand, size_t n, int wanted)
{
    double *out = nm_calloc(n ? n : 1, sizeof *out);
    if (!wanted) return out;
    size_t *idx = nm_malloc((n ? n : 1) * sizeof *idx), m = 0;
    for (size_t k = 0; k < n && m < SUMM_GRAPH_MAX; k++)
        if (SUMM_GRAPH_ALL || cand[k]) idx[m++] = k;
    if (m == 0) { free(idx); return out; }
    double *sim = nm_calloc(m * m, sizeof *sim), *deg = nm_calloc(m, sizeof *deg);
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            double c = overlap_sim(&raw[idx[i]], &raw[idx[j]], len[idx[i]], len[idx[j]]);
            sim[i * m + j] = sim[j * m + i] = c;
            deg[i] += c;
            deg[j] += c;
        }
    double *pr = nm_malloc(m * sizeof *pr), *nx = nm_malloc(m * sizeof *nx);
    for (size_t i = 0; i < m; i++) pr[i] = 1.0 / (double)m;
    for (int it = 0; it < SUMM_PR_ITERATIONS; it++) {
        for (size_t i = 0; i < m; i++) {
            double s = 0;
            for (size_t j = 0; j < m; j++)
                if (deg[j] > 0) s += sim[j * m + i] / deg[j] * pr[j];
            nx[i] = 0.15 / (double)m + 0.85 * s;
        }
        memcpy(pr, nx, m * sizeof *pr);
    }
    scale_to_best(out, pr, idx, cand, m);
    free(sim);
    free(deg);
    free(pr);
    free(nx);
    free(idx);
    return out;
}

double *summ_centrality(const summ_doc_t *doc, const char *language, int dense)
{
    size_t n = doc->n;
    summ_tokenizer_t *tk = summ_tokenizer_new(language);
    svecs_t raw;
    doc_vectors(doc, NULL, tk, &raw);
    double *rlen = nm_calloc(n ? n : 1, sizeof *rlen);
    int *cand = nm_calloc(n ? n : 1, sizeof *cand);
    for (size_t k = 0; k < n; k++) {
        for (size_t j = 0; j < raw.v[k].n; j++) rlen[k] += raw.v[k].w[j];
        cand[k] = summ_is_candidate(&doc->v[k]);
    }
    size_t V = summ_tokenizer_nids(tk) ? summ_tokenizer_nids(tk) : 1;
    double *out = dense ? centrality_dense(raw.v, rlen, cand, n, 1) : centrality(raw.v, rlen, cand, n, V, 1);
    svecs_free(&raw);
    free(rlen);
    free(cand);
    summ_tokenizer_destroy(&tk);
    return out;
}

size_t summ_rank(const summ_doc_t *doc, const char *title, const char *language,
                 const summ_weights_t *w, size_t want, int max_chars, size_t *pick)
{
    if (!w) w = &summ_default_weights;
    size_t n = doc->n;
    if (n == 0 || want == 0) return 0;
    summ_tokenizer_t *tk = summ_tokenizer_new(language);
    svecs_t vs;
    doc_vectors(doc, title, tk, &vs);
    svec_t *vec = vs.v, tvec = vs.v[n];
    /* raw term counts for the centrality graph, before TF-IDF weighting:
     * the same ids, their own weights */
    size_t nw = 0;
    for (size_t k = 0; k < n; k++) nw += vec[k].n;
    svec_t *raw = nm_malloc(n * sizeof *raw);
    double *rw = nm_malloc((nw ? nw : 1) * sizeof *rw), *rlen = nm_calloc(n, sizeof *rlen);
    for (size_t k = 0, at = 0; k < n; k++) {
        raw[k] = (svec_t){ .id = vec[k].id, .w = rw + at, .n = vec[k].n };
        memcpy(raw[k].w, vec[k].w, vec[k].n * sizeof *raw[k].w);
        at += vec[k].n;
        for (size_t j = 0; j < vec[k].n; j++) rlen[k] += vec[k].w[j];
    }
    size_t V = summ_tokenizer_nids(tk) ? summ_tokenizer_nids(tk) : 1;
    double *df = nm_calloc(V, sizeof *df);
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < vec[k].n; j++) df[vec[k].id[j]] += 1;
    double *idf = nm_malloc(V * sizeof *idf);
    for (size_t t = 0; t < V; t++) idf[t] = log(1.0 + (double)n / (df[t] + 1.0));
    for (size_t k = 0; k < n; k++) svec_weight(&vec[k], idf);
    if (tvec.n) svec_weight(&tvec, idf);

    /* centroid of the unit sentence vectors, dense (indexed by term id) */
    double *cen = nm_calloc(V, sizeof *cen);
    for (size_t k = 0; k < n; k++) {
        if (doc->v[k].heading || vec[k].norm == 0) continue;
        for (size_t j = 0; j < vec[k].n; j++) cen[vec[k].id[j]] += vec[k].w[j] / vec[k].norm;
    }
    double cn = 0;
    for (size_t t = 0; t < V; t++)
        if (cen[t] != 0) cn += cen[t] * cen[t];
    const double cnorm = sqrt(cn);

    double *score = nm_calloc(n, sizeof *score);
    int *cand = nm_calloc(n, sizeof *cand);
    double *cov = nm_calloc(n, sizeof *cov), covmax = 0, *ccos = nm_calloc(n, sizeof *ccos);
    for (size_t k = 0; k < n; k++) {
        if (!summ_is_candidate(&doc->v[k])) continue;
        cand[k] = 1;
        ccos[k] = svec_cos_dense(&vec[k], cen, cnorm);
        cov[k] = ccos[k] * vec[k].norm;
        if (cov[k] > covmax) covmax = cov[k];
    }
    double *cent = centrality(raw, rlen, cand, n, V, w->centrality != 0);
    free(raw);
    free(rw);
    free(rlen);
    size_t pos = 0;
    for (size_t k = 0; k < n; k++) {
        if (!cand[k]) continue;
        score[k] = w->position / sqrt(1.0 + (double)pos) + w->centroid * ccos[k] +
                   (tvec.n ? w->title * svec_cos(&vec[k], &tvec) : 0) +
                   (covmax > 0 ? w->coverage * cov[k] / covmax : 0) + w->centrality * cent[k] -
                   (leans_back(doc->v[k].text) ? SUMM_LEANS_BACK_PENALTY : 0);
        pos++;
    }
    free(cov);
    free(ccos);
    free(cent);
    /* No candidate at all (a list of fragments): fall back to every
     * non-empty sentence so there is still a summary. */
    if (pos == 0) {
        for (size_t k = 0; k < n; k++) {
            cand[k] = 1;
            score[k] = 1.0 / sqrt(1.0 + (double)k) + svec_cos_dense(&vec[k], cen, cnorm);
        }
    }

    size_t got = 0, chars = 0;
    double *maxsim = nm_calloc(n, sizeof *maxsim);
    while (got < want) {
        size_t best = n;
        double bs = -INFINITY;
        for (size_t k = 0; k < n; k++) {
            if (!cand[k]) continue;
            double s = score[k] - w->redundancy * maxsim[k];
            if (s > bs) { bs = s; best = k; }
        }
        if (best == n) break;
        cand[best] = 0;
        size_t len = u8_chars(doc->v[best].text) + (got ? 1 : 0);
        if (max_chars > 0 && got > 0 && chars + len > (size_t)max_chars) continue;
        pick[got++] = best;
        chars += len;
        for (size_t k = 0; k < n; k++) {
            if (!cand[k]) continue;
            double c = svec_cos(&vec[k], &vec[best]);
            if (c > maxsim[k]) maxsim[k] = c;
        }
        if (max_chars > 0 && chars >= (size_t)max_chars) break;
    }

    free(maxsim);
    free(score);
    free(cand);
    free(cen);
    free(df);
    free(idf);
    svecs_free(&vs);
    summ_tokenizer_destroy(&tk);
    return got;
}

/* Cut s to at most max characters at a word (or, for CJK, character)
 * boundary, "…" included. */
static char *truncate_utf8(const char *s, size_t max)
{
    static const char ell[] = "\xE2\x80\xA6";
    size_t len = strlen(s);
    if (u8_chars(s) <= max) return nm_strdup(s);
    if (max < 1) return nm_strdup("");
    size_t lim = max - 1, i = 0, cut = 0, space = 0, chars = 0;
    while (i < len && chars < lim) {
        size_t j = i;
        uint32_t cp = summ_utf8_next(s, len, &j);
        if (cp == ' ') space = i;
        i = j;
        cut = i;
        chars++;
    }
    if (space > lim / 2) cut = space;
    char *out = nm_malloc(cut + sizeof ell);
    memcpy(out, s, cut);
    memcpy(out + cut, ell, sizeof ell);
    return out;
}

summ_result_t *summ_summarize(const char *title, const char *text, const summ_opts_t *opts)
{
    if (!text) return NULL;
    size_t len = strlen(text);
    char *own = NULL;
    if (len > SUMM_MAX_INPUT) {
        /* keep whole code points: back off continuation bytes */
        size_t cut = SUMM_MAX_INPUT;
        while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) cut--;
        own = nm_strndup(text, cut);
        text = own;
        len = cut;
    }
    if (!summ_utf8_valid(text, len) || (title && !summ_utf8_valid(title, strlen(title)))) {
        free(own);
        return NULL;
    }
    size_t want = opts && opts->sentences > 0 ? (size_t)opts->sentences : SUMM_DEFAULT_SENTENCES;
    if (want > SUMM_MAX_PICK) want = SUMM_MAX_PICK;
    int max_chars = opts && opts->max_chars > 0 ? opts->max_chars : 0;
    const char *lang = opts && opts->language && *opts->language ? opts->language
                                                                  : summ_detect_language(text);

    summ_result_t *r = nm_calloc(1, sizeof *r);
    r->language = nm_strdup(lang);
    r->backend = nm_strdup("extractive");

    summ_doc_t doc = {0};
    summ_doc_split(text, &doc);
    size_t pick[SUMM_MAX_PICK];
    size_t got = summ_rank(&doc, title, lang, NULL, want, max_chars, pick);
    qsort(pick, got, sizeof pick[0], cmp_size);   /* document order */

    int cjk_join = strcmp(lang, "zh") == 0 || strcmp(lang, "ja") == 0;
    nm_buf_t b;
    nm_buf_init(&b, 0);
    r->sentences = nm_calloc(got ? got : 1, sizeof *r->sentences);
    for (size_t k = 0; k < got; k++) {
        const char *s = doc.v[pick[k]].text;
        r->sentences[r->nsentences++] = nm_strdup(s);
        if (k && !cjk_join) nm_buf_puts(&b, " ");
        nm_buf_puts(&b, s);
    }
    r->summary = b.len ? nm_buf_steal(&b) : nm_strdup("");
    nm_buf_free(&b);
    if (max_chars > 0 && u8_chars(r->summary) > (size_t)max_chars) {
        /* the single best sentence alone is over budget */
        char *t = truncate_utf8(r->summary, (size_t)max_chars);
        free(r->summary);
        r->summary = t;
        if (r->nsentences == 1) {
            free(r->sentences[0]);
            r->sentences[0] = nm_strdup(t);
        }
    }

    const char *labels[2];
    size_t nl = summ_topics(title, text, labels, 2);
    r->topics = nm_calloc(nl ? nl : 1, sizeof *r->topics);
    for (size_t k = 0; k < nl; k++) r->topics[r->ntopics++] = nm_strdup(labels[k]);

    summ_doc_free(&doc);
    free(own);
    return r;
}

void summ_result_destroy(summ_result_t **r_p)
{
    if (!r_p || !*r_p) return;
    summ_result_t *r = *r_p;
    free(r->summary);
    for (size_t k = 0; k < r->nsentences; k++) free(r->sentences[k]);
    free(r->sentences);
    for (size_t k = 0; k < r->ntopics; k++) free(r->topics[k]);
    free(r->topics);
    free(r->language);
    free(r->backend);
    free(r);
    *r_p = NULL;
}

json_t *summ_result_to_json(const summ_result_t *r)
{
    json_t *o = json_object();
    json_t *s = json_array(), *t = json_array();
    for (size_t k = 0; k < r->nsentences; k++) json_array_append_new(s, json_string(r->sentences[k]));
    for (size_t k = 0; k < r->ntopics; k++) json_array_append_new(t, json_string(r->topics[k]));
    json_object_set_new(o, "summary", json_string(r->summary ? r->summary : ""));
    json_object_set_new(o, "sentences", s);
    json_object_set_new(o, "topics", t);
    json_object_set_new(o, "language", json_string(r->language ? r->language : "en"));
    json_object_set_new(o, "backend", json_string(r->backend ? r->backend : "extractive"));
    return o;
}

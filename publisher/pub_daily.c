/* pub_daily: build, store, schedule and write the daily digest (pub_daily.h). */
#include "pub_daily.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nm_buf.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "summ_llm.h"

#define PUB_DAILY_LLM_LIST_MAX 60000   /* bytes of article lines sent to the LLM */
#define PUB_DAILY_LLM_SUMMARY_MAX 700  /* bytes of each summary in those lines */

typedef struct {
    char **topics;
    size_t n;
} topic_list_t;

static void parse_topics(const char *json, topic_list_t *t)
{
    t->topics = NULL;
    t->n = 0;
    json_t *a = json_loads(json, 0, NULL);
    if (json_is_array(a) && json_array_size(a) > 0) {
        t->topics = nm_calloc(json_array_size(a), sizeof *t->topics);
        for (size_t i = 0; i < json_array_size(a); i++) {
            const char *s = json_string_value(json_array_get(a, i));
            if (s)
                t->topics[t->n++] = nm_strdup(s);
        }
    }
    json_decref(a);
}

static const char *nz(const char *s) { return (s && *s) ? s : NULL; }

static const char *col(PGresult *r, int row, int c)
{
    return PQgetisnull(r, row, c) ? NULL : PQgetvalue(r, row, c);
}

/* Append s cut to max bytes at a UTF-8 boundary, newlines flattened. */
static void put_cut(nm_buf_t *b, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    for (size_t i = 0; i < n; i++) nm_buf_append(b, s[i] == '\n' || s[i] == '\r' ? " " : s + i, 1);
    if (n < strlen(s)) nm_buf_puts(b, "…");
}

/* The article lines the overview and commentary templates get. */
static char *llm_article_lines(const pub_digest_article_t *a, size_t n)
{
    nm_buf_t b;
    nm_buf_init(&b, 0);
    for (size_t i = 0; i < n && b.len < PUB_DAILY_LLM_LIST_MAX; i++) {
        nm_buf_printf(&b, "%zu. [", i + 1);
        if (a[i].ntopics && a[i].topics[0]) put_cut(&b, a[i].topics[0], 60);
        else nm_buf_puts(&b, "other");
        nm_buf_puts(&b, "] ");
        put_cut(&b, a[i].source_site ? a[i].source_site : "unknown outlet", 80);
        nm_buf_puts(&b, " — ");
        put_cut(&b, a[i].title ? a[i].title : "(untitled)", 300);
        if (a[i].summary && *a[i].summary) {
            nm_buf_puts(&b, ": ");
            put_cut(&b, a[i].summary, PUB_DAILY_LLM_SUMMARY_MAX);
        }
        nm_buf_puts(&b, "\n");
    }
    char *s = b.len ? nm_buf_steal(&b) : nm_strdup("");
    nm_buf_free(&b);
    return s;
}

static void note_llm_error(pub_daily_result_t *res, const char *what, const summ_llm_text_t *t)
{
    char line[512];
    snprintf(line, sizeof line, "%s: %s (%s)", what, t->error ? t->error : "failed",
             summ_llm_status_name(t->status));
    if (!res->llm_error) res->llm_error = nm_strdup(line);
}

/* Overview and commentary: each optional; failures are noted, not fatal. */
static void llm_parts(summ_llm_t *llm, const char *date, const pub_digest_article_t *a, size_t n,
                      pub_daily_result_t *res, char **overview, char **commentary)
{
    *overview = *commentary = NULL;
    if (!llm || n == 0) return;
    char *lines = llm_article_lines(a, n);
    char count[24];
    snprintf(count, sizeof count, "%zu", n);
    summ_llm_var_t v[4] = {{"date", date}, {"count", count}, {"articles", lines}, {"overview", ""}};
    summ_llm_text_t *t = summ_llm_complete(llm, "overview", v, 3);
    res->llm_tokens += t->tokens_used;
    if (t->status == SUMM_LLM_OK && t->text && *t->text) {
        *overview = nm_strdup(t->text);
        res->llm_overview = true;
    } else {
        note_llm_error(res, "overview", t);
    }
    summ_llm_text_destroy(&t);
    /* the commentary reads the overview; without one it gets the topic
     * lines, which is what the overview would have summarized */
    v[3].value = *overview ? *overview : lines;
    t = summ_llm_complete(llm, "commentary", v, 4);
    res->llm_tokens += t->tokens_used;
    if (t->status == SUMM_LLM_OK && t->text && *t->text) {
        *commentary = nm_strdup(t->text);
        res->llm_commentary = true;
    } else {
        note_llm_error(res, "commentary", t);
    }
    summ_llm_text_destroy(&t);
    free(lines);
}

static int store(pub_db_t *db, const char *date, const char *lang, const char *format,
                 const char *body, bool published, char *err, size_t errlen)
{
    const char *sp[5] = {date, lang ? lang : "", format, body, published ? "t" : "f"};
    PGresult *w = pub_db_query(db,
        "INSERT INTO digests (date, language, format, body, published_at)"
        " VALUES ($1::date, $2, $3, $4, CASE WHEN $5::bool THEN now() END)"
        " ON CONFLICT (date, language, format) DO UPDATE SET body = EXCLUDED.body,"
        "   created_at = now(),"
        "   published_at = coalesce(EXCLUDED.published_at, digests.published_at)",
        5, sp, err, errlen);
    if (!w) return -1;
    PQclear(w);
    return 0;
}

int pub_daily_build(pub_db_t *db, const pub_daily_opts_t *o, pub_daily_result_t *res, char *err,
                    size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (!o || !o->date) {
        snprintf(err, errlen, "no date");
        return -1;
    }
    if (o->story_limit > 0) {
        char serr[512] = "";
        if (pub_story_assign_pending(db, o->story, o->story_limit, serr, sizeof serr) < 0)
            nm_warn("story pass failed (digest built without new stories): %s", serr);
    }
    const char *p[3] = {o->date, nz(o->tz) ? o->tz : "UTC", o->lang ? o->lang : ""};
    PGresult *r = pub_db_query(db,
        "SELECT a.title, a.canonical_url, a.source_site, a.byline,"
        "   coalesce(extract(epoch FROM a.published_at)::bigint, 0), a.text, a.word_count,"
        "   s.summary, s.backend, s.title, coalesce(array_to_json(s.topics)::text, '[]'),"
        "   coalesce(sa.story_id, 0)"
        " FROM articles a"
        " LEFT JOIN story_articles sa ON sa.article_id = a.id"
        " LEFT JOIN LATERAL (SELECT * FROM summaries s WHERE s.article_id = a.id"
        "   ORDER BY (s.language = $3) DESC, (s.backend LIKE 'llm:%') DESC, s.created_at DESC"
        "   LIMIT 1) s ON true"
        " WHERE (coalesce(a.published_at, a.fetched_at) AT TIME ZONE $2)::date = $1::date"
        " ORDER BY coalesce(a.published_at, a.fetched_at), a.id",
        3, p, err, errlen);
    if (!r) return -1;
    size_t n = (size_t)PQntuples(r);
    pub_digest_article_t *arts = n ? nm_calloc(n, sizeof *arts) : NULL;
    topic_list_t *topics = n ? nm_calloc(n, sizeof *topics) : NULL;
    for (size_t i = 0; i < n; i++) {
        int row = (int)i;
        pub_digest_article_t *a = &arts[i];
        a->title = col(r, row, 0) ? col(r, row, 0) : "";
        a->url = col(r, row, 1);
        a->source_site = col(r, row, 2);
        a->byline = col(r, row, 3);
        a->published_at = strtoll(PQgetvalue(r, row, 4), NULL, 10);
        a->text = col(r, row, 5) ? col(r, row, 5) : "";
        a->word_count = atoi(PQgetvalue(r, row, 6));
        a->summary = col(r, row, 7);
        a->summary_backend = col(r, row, 8);
        a->translated_title = col(r, row, 9);
        parse_topics(PQgetvalue(r, row, 10), &topics[i]);
        a->topics = (const char *const *)topics[i].topics;
        a->ntopics = topics[i].n;
        a->story_id = strtoll(PQgetvalue(r, row, 11), NULL, 10);
    }
    char *overview = NULL, *commentary = NULL;
    llm_parts(o->llm, o->date, arts, n, res, &overview, &commentary);
    pub_digest_opts_t dopts = {
        .title = o->title ? o->title : "",
        .date = o->date,
        .generated_at = nm_time_s(),
        .words_per_minute = o->words_per_minute,
        .overview = overview,
        .commentary = commentary,
        .language = nz(o->lang),
    };
    res->md = pub_digest_markdown(arts, n, &dopts);
    res->html = pub_digest_html(arts, n, &dopts);
    res->narticles = n;
    free(overview);
    free(commentary);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < topics[i].n; k++) free(topics[i].topics[k]);
        free(topics[i].topics);
    }
    free(topics);
    free(arts);
    PQclear(r);
    if (store(db, o->date, o->lang, "md", res->md, o->published, err, errlen) < 0 ||
        store(db, o->date, o->lang, "html", res->html, o->published, err, errlen) < 0) {
        pub_daily_result_free(res);
        return -1;
    }
    return 0;
}

void pub_daily_result_free(pub_daily_result_t *res)
{
    if (!res) return;
    free(res->md);
    free(res->html);
    free(res->llm_error);
    memset(res, 0, sizeof *res);
}

int pub_daily_digest_md(pub_db_t *db, const char *date, const char *lang, const char *tz,
                        const char *title, int words_per_minute, char **out, size_t *narticles,
                        char *err, size_t errlen)
{
    *out = NULL;
    if (narticles) *narticles = 0;
    pub_daily_opts_t o = {.date = date, .lang = lang, .tz = tz, .title = title,
                          .words_per_minute = words_per_minute};
    pub_daily_result_t res;
    if (pub_daily_build(db, &o, &res, err, errlen) < 0) return -1;
    *out = res.md;
    res.md = NULL;
    if (narticles) *narticles = res.narticles;
    pub_daily_result_free(&res);
    return 0;
}

int pub_daily_atom(pub_db_t *db, const char *lang, int days, const pub_atom_opts_t *ao, char **out,
                   char *err, size_t errlen)
{
    *out = NULL;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", days > 0 ? days : 14);
    const char *p[2] = {lang ? lang : "", lim};
    PGresult *r = pub_db_query(db,
        "SELECT date::text, body, extract(epoch FROM created_at)::bigint FROM digests"
        " WHERE language = $1 AND format = 'html' ORDER BY date DESC LIMIT $2::int",
        2, p, err, errlen);
    if (!r) return -1;
    size_t n = (size_t)PQntuples(r);
    pub_digest_entry_t *e = nm_calloc(n ? n : 1, sizeof *e);
    for (size_t i = 0; i < n; i++) {
        e[i].date = PQgetvalue(r, (int)i, 0);
        e[i].language = lang ? lang : "";
        e[i].html = PQgetvalue(r, (int)i, 1);
        e[i].updated = strtoll(PQgetvalue(r, (int)i, 2), NULL, 10);
    }
    pub_atom_opts_t o = {0};
    if (ao) o = *ao;
    if (!o.language) o.language = lang;
    *out = pub_digest_atom(e, n, &o);
    free(e);
    PQclear(r);
    return 0;
}

/* ---------------------------------------------------------------- files */

int pub_daily_write_file(const char *dir, const char *name, const char *data, char *err,
                         size_t errlen)
{
    if (!dir || !*dir || !name || !*name || strchr(name, '/')) {
        snprintf(err, errlen, "bad output path");
        return -1;
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    char tmp[4096], dst[4096];
    int n1 = snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
    int n2 = snprintf(dst, sizeof dst, "%s/%s", dir, name);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof tmp || (size_t)n2 >= sizeof dst) {
        snprintf(err, errlen, "output path too long");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t len = strlen(data), off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            snprintf(err, errlen, "write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, dst) < 0) {
        snprintf(err, errlen, "rename to %s: %s", dst, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* the rename itself must survive a crash */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

int pub_daily_parse_time(const char *s, int *hour, int *minute)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59) return -1;
    if (hour) *hour = h;
    if (minute) *minute = m;
    return 0;
}

/* ---------------------------------------------------------------- schedule */

#define SCHED_CHECK_MS 30000   /* how often "is the digest due?" is asked */
#define SCHED_STORY_MS 500     /* story pass pace */
#define SCHED_STORY_BATCH 200  /* articles per story pass in the loop (pub_story batches them
                                * into transactions of 100; ~0.3 ms of CPU each) */

struct pub_daily_sched {
    const nm_config_t *cfg;
    int64_t next_check_ms, next_story_ms;
    pthread_t thread;
    bool started;
    atomic_bool running;
    char date[16];
};

pub_daily_sched_t *pub_daily_sched_new(const nm_config_t *cfg)
{
    pub_daily_sched_t *s = nm_calloc(1, sizeof *s);
    s->cfg = cfg;
    atomic_init(&s->running, false);
    if (nz(cfg->digest.publish_time) && pub_daily_parse_time(cfg->digest.publish_time, NULL, NULL) < 0)
        nm_warn("digest.publish_time \"%s\" is not HH:MM: the digest will not be scheduled",
                cfg->digest.publish_time);
    return s;
}

static pub_story_opts_t story_opts(const nm_config_t *cfg)
{
    pub_story_opts_t so = {.window_days = cfg->digest.story_window_days,
                           .max_hamming = cfg->digest.story_max_hamming};
    return so;
}

/* One language: build (published), then write the files. */
static void publish_one(pub_db_t *db, summ_llm_t *llm, const nm_config_t *cfg, const char *date,
                        const char *lang)
{
    char err[512] = "";
    pub_story_opts_t so = story_opts(cfg);
    pub_daily_opts_t o = {.date = date, .lang = lang, .tz = cfg->digest.timezone,
                          .title = cfg->digest.title, .words_per_minute = cfg->digest.words_per_minute,
                          .llm = llm, .story_limit = 100000, .story = &so, .published = true};
    pub_daily_result_t res;
    if (pub_daily_build(db, &o, &res, err, sizeof err) < 0) {
        nm_err("digest %s [%s] not built: %s", date, lang, err);
        return;
    }
    if (res.llm_error) nm_warn("digest %s [%s] built without LLM parts: %s", date, lang, res.llm_error);
    nm_notice("digest %s [%s] published: %zu articles%s", date, lang, res.narticles,
              res.llm_overview ? ", LLM overview" : "");
    const char *dir = cfg->digest.output_dir;
    if (nz(dir)) {
        char name[128];
        pub_digest_file_name(name, sizeof name, date, lang, "md");
        if (pub_daily_write_file(dir, name, res.md, err, sizeof err) < 0) nm_err("digest file: %s", err);
        pub_digest_file_name(name, sizeof name, date, lang, "html");
        if (pub_daily_write_file(dir, name, res.html, err, sizeof err) < 0) nm_err("digest file: %s", err);
        char *atom = NULL;
        pub_atom_opts_t ao = {.title = cfg->digest.title, .base_url = cfg->digest.base_url, .language = lang};
        if (pub_daily_atom(db, lang, cfg->digest.feed_days, &ao, &atom, err, sizeof err) == 0) {
            pub_digest_file_name(name, sizeof name, "feed", lang, "atom");
            if (pub_daily_write_file(dir, name, atom, err, sizeof err) < 0) nm_err("digest feed: %s", err);
        } else {
            nm_err("digest feed: %s", err);
        }
        free(atom);
    }
    pub_daily_result_free(&res);
}

/* Languages of digest.languages, validated (they become file names). */
static size_t split_langs(const char *list, char out[][17], size_t max)
{
    size_t n = 0;
    const char *p = list ? list : "";
    while (*p && n < max) {
        size_t l = strcspn(p, ", ");
        int ok = l > 0 && l <= 16;
        for (size_t i = 0; ok && i < l; i++)
            if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || p[i] == '-' || p[i] == '_'))
                ok = 0;
        if (ok) {
            memcpy(out[n], p, l);
            out[n++][l] = '\0';
        } else if (l) {
            nm_warn("digest.languages: ignoring \"%.*s\"", (int)(l > 40 ? 40 : l), p);
        }
        p += l;
        while (*p == ',' || *p == ' ') p++;
    }
    if (n == 0) out[n++][0] = '\0';
    return n;
}

static void *sched_thread(void *arg)
{
    pub_daily_sched_t *s = arg;
    const nm_config_t *cfg = s->cfg;
    char err[512] = "";
    pub_policy_t policy;
    pub_policy_from_config(&policy, cfg);
    pub_db_t *db = pub_db_new(cfg->database.url, &policy, err, sizeof err);
    if (!db) {
        nm_err("digest: %s", err);
        atomic_store(&s->running, false);
        return NULL;
    }
    summ_llm_t *llm = NULL;
    char *key = NULL;
    if (summ_llm_configured(cfg)) {
        summ_llm_opts_t lo;
        if (summ_llm_opts_from_config(&lo, cfg, &key, err, sizeof err) == 0) {
            lo.api_key = key;
            llm = summ_llm_new(&lo, err, sizeof err);
        }
        if (!llm) nm_warn("digest: LLM unavailable, building without overview/commentary: %s", err);
    }
    char langs[8][17];
    size_t nl = split_langs(cfg->digest.languages, langs, 8);
    for (size_t i = 0; i < nl; i++) {
        const char *p[2] = {s->date, langs[i]};
        PGresult *r = pub_db_query(db,
            "SELECT 1 FROM digests WHERE date = $1::date AND language = $2 AND format = 'md'"
            " AND published_at IS NOT NULL", 2, p, err, sizeof err);
        int done = r && PQntuples(r) > 0;
        if (r) PQclear(r);
        if (r && !done) publish_one(db, llm, cfg, s->date, langs[i]);
    }
    summ_llm_destroy(&llm);
    if (key) {
        memset(key, 0, strlen(key));
        free(key);
    }
    pub_db_destroy(&db);
    atomic_store(&s->running, false);
    return NULL;
}

void pub_daily_sched_tick(pub_daily_sched_t *s, pub_db_t *db)
{
    if (!s || !db) return;
    const nm_config_t *cfg = s->cfg;
    int64_t now = nm_now_ms();
    char err[512] = "";
    if (now >= s->next_story_ms) {
        s->next_story_ms = now + SCHED_STORY_MS;
        pub_story_opts_t so = story_opts(cfg);
        int n = pub_story_assign_pending(db, &so, SCHED_STORY_BATCH, err, sizeof err);
        if (n < 0) {
            nm_warn("story pass: %s", err);
            s->next_story_ms = now + SCHED_CHECK_MS;   /* don't hammer a broken database */
        } else if (n > 0) {
            nm_info("story pass: %d articles assigned", n);
            /* a full batch means a backlog: go again on the next loop tick
             * (one batch per tick, so results and dispatch are never starved) */
            if (n >= SCHED_STORY_BATCH)
                s->next_story_ms = now;
        }
    }
    if (now < s->next_check_ms || atomic_load(&s->running)) return;
    s->next_check_ms = now + SCHED_CHECK_MS;
    if (!nz(cfg->digest.publish_time) || pub_daily_parse_time(cfg->digest.publish_time, NULL, NULL) < 0)
        return;
    if (s->started) {
        pthread_join(s->thread, NULL);
        s->started = false;
    }
    const char *p[2] = {nz(cfg->digest.timezone) ? cfg->digest.timezone : "UTC",
                        cfg->digest.publish_time};
    PGresult *r = pub_db_query(db,
        "SELECT ((now() AT TIME ZONE $1)::date - 1)::text,"
        "       (now() AT TIME ZONE $1)::time >= $2::time",
        2, p, err, sizeof err);
    if (!r) {
        nm_warn("digest schedule: %s", err);
        return;
    }
    bool due = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    snprintf(s->date, sizeof s->date, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!due) return;
    /* a day without articles gets no digest (and costs no LLM call) */
    const char *dq[2] = {s->date, p[0]};
    r = pub_db_query(db, "SELECT 1 FROM articles WHERE coalesce(published_at, fetched_at)"
                         " >= ($1::date)::timestamp AT TIME ZONE $2"
                         " AND coalesce(published_at, fetched_at) < ($1::date + 1)::timestamp AT TIME ZONE $2"
                         " LIMIT 1", 2, dq, err, sizeof err);
    if (!r) return;
    int any = PQntuples(r) > 0;
    PQclear(r);
    if (!any) return;
    /* cheap check here so the thread only starts when there is work */
    char langs[8][17];
    size_t nl = split_langs(cfg->digest.languages, langs, 8), missing = 0;
    for (size_t i = 0; i < nl; i++) {
        const char *q[2] = {s->date, langs[i]};
        r = pub_db_query(db, "SELECT 1 FROM digests WHERE date = $1::date AND language = $2"
                             " AND format = 'md' AND published_at IS NOT NULL", 2, q, err, sizeof err);
        if (!r) return;
        missing += PQntuples(r) == 0;
        PQclear(r);
    }
    if (!missing) return;
    atomic_store(&s->running, true);
    if (pthread_create(&s->thread, NULL, sched_thread, s) != 0) {
        atomic_store(&s->running, false);
        nm_err("digest: cannot start the build thread");
        return;
    }
    s->started = true;
}

void pub_daily_sched_destroy(pub_daily_sched_t **s_p)
{
    if (!s_p || !*s_p) return;
    pub_daily_sched_t *s = *s_p;
    if (s->started) pthread_join(s->thread, NULL);
    free(s);
    *s_p = NULL;
}

/* nm_test_httpd: the project's loopback HTTP server for tests and demos.
 *
 *   nm_test_httpd --root DIR [--port N] [--bind ADDR] [--port-file PATH] [--log PATH]
 *                 [--robots-status N]
 *
 * Serves files under DIR (never outside it) with ETag/Last-Modified and 304s,
 * and a few routes that play the network's failure modes:
 *
 *   /_status/NNN            that status with a small body
 *   /_slow/MS/<path>        wait MS milliseconds, then serve /<path>
 *   /_hang                  never answer; returns when the client hangs up
 *   /_redirect/N/<path>     N redirects (302), then /<path>
 *   /_redirect_to?url=U     one 302 to U (code=301|307|308 to change it;
 *                           cookie=NAME=VALUE adds "Set-Cookie: NAME=VALUE; Path=/")
 *   /_pingpong?other=H:P    302 to http://H:P/_pingpong?other=<this request's Host>:
 *                           two servers (or names) sending a client back and forth
 *   /_large/BYTES           an HTML page of exactly BYTES bytes (?ct= too)
 *   /_bomb                  gzip body that inflates to 1 GiB of zeros
 *   /_retry_after/S         503 with Retry-After: S (?code=429 for another status,
 *                           ?date=1 to send it as an HTTP date S seconds ahead)
 *   /_drip/BPS/TOTAL        a chunked body of TOTAL bytes (0 = never ends)
 *                           trickled at BPS bytes per second (0 = flat out)
 *   /_endless               /_drip/0/0: an endless body, as fast as it goes
 *   /_truncated/BYTES       a chunked body cut off (connection closed, no
 *                           last chunk) after BYTES bytes
 *   /_reset                 the connection reset (RST) instead of an answer
 *   /_redirect_loop         302 to itself, forever
 *   /_empty                 200, empty body
 *   /_binary                PNG bytes labelled text/html
 *   /_echo                  the request headers, one "Name: value" per line
 *   /_stats                 requests per path so far, one JSON object per line
 *
 * Any file route takes ?ct=TYPE to override the Content-Type, ?cc=VALUE to
 * add a Cache-Control header and ?expires=SECONDS for an Expires header that
 * many seconds from now. A request for
 * /x where only DIR/x.gz exists (or the client accepts gzip) is answered
 * with that file and Content-Encoding: gzip.
 *
 * --robots-status N answers /robots.txt with status N (0: never answers)
 * instead of serving DIR/robots.txt.
 *
 * Once listening it prints "port N" on stdout (and writes N to --port-file,
 * atomically), then runs until SIGTERM or SIGINT. One thread per connection,
 * so slow and hanging routes never hold up the others. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static const char *root_dir;
static char root_real[PATH_MAX];
static FILE *log_fp;
static atomic_int stopping;
static long robots_status = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- request counters (/_stats) ---- */

typedef struct stat_entry {
    struct stat_entry *next;
    unsigned long count;
    char path[];
} stat_entry_t;
static stat_entry_t *stats;

static void count_request(const char *path)
{
    pthread_mutex_lock(&lock);
    stat_entry_t *e;
    for (e = stats; e; e = e->next)
        if (!strcmp(e->path, path))
            break;
    if (!e) {
        size_t n = strnlen(path, 1024);
        e = calloc(1, sizeof *e + n + 1);
        if (e) {
            memcpy(e->path, path, n);
            e->next = stats;
            stats = e;
        }
    }
    if (e)
        e->count++;
    pthread_mutex_unlock(&lock);
}

/* ---- the gzip bomb: one precomputed deflate block repeated ---- */

#define BOMB_UNIT (1u << 20)      /* bytes of zeros per repeated block */
#define BOMB_UNITS 1024u          /* 1 GiB inflated */
static unsigned char *bomb_block, *bomb_tail;
static size_t bomb_block_len, bomb_tail_len, bomb_total;

/* After Z_FULL_FLUSH a deflate stream refers to nothing before it, so the
 * compressed form of one unit can be repeated to make any number of units. */
static int bomb_init(void)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    unsigned char *zeros = calloc(1, BOMB_UNIT);
    size_t outcap = deflateBound(&z, BOMB_UNIT) + 64;
    unsigned char *out = malloc(outcap);
    if (!zeros || !out)
        return -1;
    for (int round = 0; round < 2; round++) {   /* the second unit starts from a reset state */
        z.next_in = zeros;
        z.avail_in = BOMB_UNIT;
        z.next_out = out;
        z.avail_out = (uInt)outcap;
        if (deflate(&z, Z_FULL_FLUSH) != Z_OK || z.avail_in != 0)
            return -1;
    }
    bomb_block_len = outcap - z.avail_out;
    bomb_block = malloc(bomb_block_len);
    memcpy(bomb_block, out, bomb_block_len);

    unsigned char fin[64];
    z.next_in = NULL;
    z.avail_in = 0;
    z.next_out = fin;
    z.avail_out = sizeof fin - 8;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        return -1;
    size_t finlen = sizeof fin - 8 - z.avail_out;
    deflateEnd(&z);

    uLong crc_unit = crc32(0L, zeros, BOMB_UNIT), crc = crc_unit;
    for (unsigned i = 1; i < BOMB_UNITS; i++)
        crc = crc32_combine(crc, crc_unit, BOMB_UNIT);
    uint32_t isize = (uint32_t)((uint64_t)BOMB_UNIT * BOMB_UNITS);  /* mod 2^32, as gzip says */
    for (int i = 0; i < 4; i++) {
        fin[finlen + i] = (unsigned char)(crc >> (8 * i));
        fin[finlen + 4 + i] = (unsigned char)(isize >> (8 * i));
    }
    bomb_tail_len = finlen + 8;
    bomb_tail = malloc(bomb_tail_len);
    memcpy(bomb_tail, fin, bomb_tail_len);
    bomb_total = 10 + bomb_block_len * BOMB_UNITS + bomb_tail_len;
    free(zeros);
    free(out);
    return 0;
}

static ssize_t bomb_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    static const unsigned char header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3 };
    size_t n = 0;
    while (n < max && pos < bomb_total) {
        const unsigned char *src;
        size_t avail;
        if (pos < 10) {
            src = header + pos;
            avail = 10 - pos;
        } else if (pos < 10 + (uint64_t)bomb_block_len * BOMB_UNITS) {
            size_t off = (size_t)((pos - 10) % bomb_block_len);
            src = bomb_block + off;
            avail = bomb_block_len - off;
        } else {
            size_t off = (size_t)(pos - 10 - (uint64_t)bomb_block_len * BOMB_UNITS);
            src = bomb_tail + off;
            avail = bomb_tail_len - off;
        }
        if (avail > max - n)
            avail = max - n;
        memcpy(buf + n, src, avail);
        n += avail;
        pos += avail;
    }
    return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

/* ---- /_large: exactly BYTES bytes of HTML ---- */

static const char large_head[] = "<!DOCTYPE html><html><head><title>Large</title></head><body><p>";
static const char large_tail[] = "</p></body></html>\n";

static ssize_t large_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    uint64_t total = *(uint64_t *)cls;
    uint64_t hl = sizeof large_head - 1, tl = sizeof large_tail - 1;
    size_t n = 0;
    if (pos >= total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    while (n < max && pos < total) {
        char c;
        if (total >= hl + tl && pos < hl)
            c = large_head[pos];
        else if (total >= hl + tl && pos >= total - tl)
            c = large_tail[pos - (total - tl)];
        else
            c = (pos % 64 == 63) ? ' ' : 'a' + (char)(pos % 26);
        buf[n++] = c;
        pos++;
    }
    return (ssize_t)n;
}

/* ---- /_drip and /_truncated: chunked bodies of unknown length ---- */

typedef struct {
    uint64_t total;       /* 0 = endless */
    long bps;             /* 0 = flat out */
    uint64_t cut_at;      /* /_truncated: fail here; 0 = no */
    struct timespec start;
} drip_t;

static ssize_t drip_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    drip_t *d = cls;
    if (atomic_load(&stopping))
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (d->cut_at && pos >= d->cut_at)
        return MHD_CONTENT_READER_END_WITH_ERROR;   /* no last chunk: the body is cut */
    if (d->total && pos >= d->total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = max;
    if (d->bps > 0) {
        /* pace: never ahead of bps * elapsed, in steps of at most a tenth of a second */
        for (;;) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double secs = (double)(now.tv_sec - d->start.tv_sec) + (now.tv_nsec - d->start.tv_nsec) / 1e9;
            double allowed = d->bps * secs + 1;
            if ((double)pos < allowed) {
                double room = allowed - (double)pos;
                if ((double)n > room)
                    n = (size_t)room;
                break;
            }
            if (atomic_load(&stopping))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            usleep(20000);
        }
    }
    if (d->total && n > d->total - pos)
        n = (size_t)(d->total - pos);
    if (d->cut_at && n > d->cut_at - pos)
        n = (size_t)(d->cut_at - pos);
    if (n == 0)
        n = 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (pos + i) % 64 == 63 ? '\n' : 'a' + (char)((pos + i) % 26);
    return (ssize_t)n;
}

/* ---- helpers ---- */

/* Wait ms milliseconds, returning early (-1) if the client hangs up or we stop. */
static int wait_or_hangup(struct MHD_Connection *conn, long ms)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci ? ci->connect_fd : -1;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (ms >= 0 && elapsed >= ms)
            return 0;
        if (atomic_load(&stopping))
            return -1;
        long step = 100;
        if (ms >= 0 && ms - elapsed < step)
            step = ms - elapsed;
        if (fd < 0) {
            usleep((useconds_t)step * 1000);
            continue;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
        int rc = poll(&p, 1, (int)step);
        if (rc > 0) {
            if (p.revents & (POLLRDHUP | POLLHUP | POLLERR))
                return -1;
            char c;
            ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
            if (r == 0)
                return -1;
            if (r > 0)
                usleep((useconds_t)step * 1000);  /* pipelined bytes: not a hang-up */
        }
    }
}

static enum MHD_Result send_response(struct MHD_Connection *conn, const char *path,
                                     unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    enum MHD_Result r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    if (log_fp) {
        pthread_mutex_lock(&lock);
        fprintf(log_fp, "%ld %s %u\n", (long)time(NULL), path, status);
        fflush(log_fp);
        pthread_mutex_unlock(&lock);
    }
    return r;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, const char *path, unsigned status,
                                 const char *type, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                                              MHD_RESPMEM_MUST_COPY);
    if (r && type)
        MHD_add_response_header(r, "Content-Type", type);
    return send_response(conn, path, status, r);
}

static const char *type_for(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (!strcmp(dot, ".html") || !strcmp(dot, ".htm"))
        return "text/html; charset=utf-8";
    if (!strcmp(dot, ".rss"))
        return "application/rss+xml";
    if (!strcmp(dot, ".atom"))
        return "application/atom+xml";
    if (!strcmp(dot, ".xml"))
        return strstr(name, "atom") ? "application/atom+xml" :
               strstr(name, "rss") || strstr(name, "feed") ? "application/rss+xml" : "application/xml";
    if (!strcmp(dot, ".json"))
        return "application/json";
    if (!strcmp(dot, ".txt"))
        return "text/plain; charset=utf-8";
    if (!strcmp(dot, ".gz"))
        return "application/gzip";
    return "application/octet-stream";
}

static int safe_path(const char *path)
{
    if (path[0] != '/' || strlen(path) > 1024)
        return 0;
    for (const char *p = path; *p; p++) {
        if (p[0] == '/' && p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0'))
            return 0;
        if (*p == '\\')
            return 0;
    }
    return 1;
}

/* Resolve a request path to a regular file under the root; -1 if none. */
static int open_under_root(const char *path, char *real, struct stat *st)
{
    char full[PATH_MAX];
    if (snprintf(full, sizeof full, "%s%s", root_dir, path) >= (int)sizeof full)
        return -1;
    if (stat(full, st) == 0 && S_ISDIR(st->st_mode)) {
        size_t n = strlen(full);
        if (snprintf(full + n, sizeof full - n, "%sindex.html", full[n - 1] == '/' ? "" : "/") >=
            (int)(sizeof full - n))
            return -1;
    }
    if (!realpath(full, real))
        return -1;
    size_t rl = strlen(root_real);
    if (strncmp(real, root_real, rl) != 0 || (real[rl] != '/' && real[rl] != '\0'))
        return -1;   /* a symlink out of the root */
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

static enum MHD_Result serve_file(struct MHD_Connection *conn, const char *path)
{
    if (!safe_path(path))
        return send_text(conn, path, 403, "text/plain", "forbidden\n");

    char real[PATH_MAX], gzpath[PATH_MAX];
    struct stat st;
    int gz = 0;
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    int fd = -1;
    if (snprintf(gzpath, sizeof gzpath, "%s.gz", path) < (int)sizeof gzpath) {
        int plain_exists = 0;
        char full[PATH_MAX];
        if (snprintf(full, sizeof full, "%s%s", root_dir, path) < (int)sizeof full)
            plain_exists = access(full, F_OK) == 0;
        if (!plain_exists || (ae && strstr(ae, "gzip"))) {
            fd = open_under_root(gzpath, real, &st);
            gz = fd >= 0;
        }
    }
    if (fd < 0)
        fd = open_under_root(path, real, &st);
    if (fd < 0)
        return send_text(conn, path, 404, "text/plain", "not found\n");

    char etag[64], lastmod[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime, gz ? "-gz" : "");
    struct tm tm;
    gmtime_r(&st.st_mtime, &tm);
    strftime(lastmod, sizeof lastmod, "%a, %d %b %Y %H:%M:%S GMT", &tm);

    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    const char *ims = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Modified-Since");
    int not_modified = 0;
    if (inm)
        not_modified = strstr(inm, etag) != NULL || !strcmp(inm, "*");
    else if (ims) {
        struct tm t;
        memset(&t, 0, sizeof t);
        const char *end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &t);
        not_modified = end && timegm(&t) >= st.st_mtime;
    }

    struct MHD_Response *r;
    unsigned status;
    if (not_modified) {
        close(fd);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = 304;
    } else {
        r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);   /* MHD closes fd */
        status = 200;
        const char *ct = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "ct");
        MHD_add_response_header(r, "Content-Type", ct ? ct : type_for(gz ? path : real));
        if (gz)
            MHD_add_response_header(r, "Content-Encoding", "gzip");
        const char *cc = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "cc");
        if (cc)
            MHD_add_response_header(r, "Cache-Control", cc);
        const char *expires = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "expires");
        if (expires) {   /* seconds from now */
            char date[64];
            time_t t = time(NULL) + strtol(expires, NULL, 10);
            strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&t, &tm));
            MHD_add_response_header(r, "Expires", date);
        }
    }
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Last-Modified", lastmod);
    return send_response(conn, path, status, r);
}

static enum MHD_Result add_header_line(void *cls, enum MHD_ValueKind kind,
                                       const char *key, const char *value)
{
    char *buf = cls;
    size_t n = strlen(buf);
    if (n < 8000)
        snprintf(buf + n, 8192 - n, "%s: %s\n", key, value ? value : "");
    return MHD_YES;
}

/* Route one path; special routes may call back in with the rest of the path. */
static enum MHD_Result route(struct MHD_Connection *conn, const char *path, int depth)
{
    char buf[8192];
    long n;
    char *end;

    if (depth > 64)
        return send_text(conn, path, 508, "text/plain", "loop\n");

    if (!strncmp(path, "/_status/", 9)) {
        n = strtol(path + 9, &end, 10);
        if (n < 100 || n > 999)
            return send_text(conn, path, 400, "text/plain", "bad status\n");
        snprintf(buf, sizeof buf, "status %ld\n", n);
        return send_text(conn, path, (unsigned)n, "text/plain", buf);
    }
    if (!strncmp(path, "/_slow/", 7)) {
        n = strtol(path + 7, &end, 10);
        if (end == path + 7 || *end != '/')
            return send_text(conn, path, 400, "text/plain", "usage: /_slow/MS/<path>\n");
        if (wait_or_hangup(conn, n) < 0)
            return MHD_NO;
        return route(conn, end, depth + 1);
    }
    if (!strcmp(path, "/_hang")) {
        wait_or_hangup(conn, 600000);
        return MHD_NO;
    }
    if (!strncmp(path, "/_redirect/", 11)) {
        n = strtol(path + 11, &end, 10);
        if (end == path + 11 || *end != '/' || n < 0)
            return send_text(conn, path, 400, "text/plain", "usage: /_redirect/N/<path>\n");
        if (n == 0)
            return route(conn, end, depth + 1);
        snprintf(buf, sizeof buf, "/_redirect/%ld%s", n - 1, end);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", buf);
        return send_response(conn, path, 302, r);
    }
    if (!strcmp(path, "/_redirect_to")) {
        const char *url = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "url");
        const char *code = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "code");
        if (!url)
            return send_text(conn, path, 400, "text/plain", "usage: /_redirect_to?url=U\n");
        const char *cookie = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "cookie");
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", url);
        if (cookie && !strpbrk(cookie, "\r\n")) {
            snprintf(buf, sizeof buf, "%.4000s; Path=/", cookie);
            MHD_add_response_header(r, "Set-Cookie", buf);
        }
        long c = code ? strtol(code, NULL, 10) : 302;
        return send_response(conn, path, (c >= 300 && c < 400) ? (unsigned)c : 302, r);
    }
    if (!strncmp(path, "/_large/", 8)) {
        unsigned long long bytes = strtoull(path + 8, &end, 10);
        if (end == path + 8 || *end)
            return send_text(conn, path, 400, "text/plain", "usage: /_large/BYTES\n");
        uint64_t *total = malloc(sizeof *total);
        *total = bytes;
        struct MHD_Response *r = MHD_create_response_from_callback(bytes, 32 * 1024, large_reader,
                                                                   total, free);
        const char *ct = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "ct");
        MHD_add_response_header(r, "Content-Type", ct ? ct : "text/html; charset=utf-8");
        return send_response(conn, path, 200, r);
    }
    if (!strcmp(path, "/_bomb")) {
        struct MHD_Response *r = MHD_create_response_from_callback(bomb_total, 32 * 1024, bomb_reader,
                                                                   NULL, NULL);
        MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
        MHD_add_response_header(r, "Content-Encoding", "gzip");
        return send_response(conn, path, 200, r);
    }
    if (!strncmp(path, "/_retry_after/", 14)) {
        struct MHD_Response *r = MHD_create_response_from_buffer(12, (void *)"unavailable\n",
                                                                  MHD_RESPMEM_PERSISTENT);
        const char *code = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "code");
        const char *as_date = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "date");
        long c = code ? strtol(code, NULL, 10) : 503;
        if (as_date) {
            char date[64];
            struct tm tm;
            time_t t = time(NULL) + strtol(path + 14, NULL, 10);
            strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&t, &tm));
            MHD_add_response_header(r, "Retry-After", date);
        } else {
            MHD_add_response_header(r, "Retry-After", path + 14);
        }
        MHD_add_response_header(r, "Content-Type", "text/plain");
        return send_response(conn, path, (c >= 400 && c < 600) ? (unsigned)c : 503, r);
    }
    if (!strncmp(path, "/_drip/", 7) || !strcmp(path, "/_endless") || !strncmp(path, "/_truncated/", 12)) {
        drip_t *d = calloc(1, sizeof *d);
        if (!d)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &d->start);
        if (!strncmp(path, "/_drip/", 7)) {
            d->bps = strtol(path + 7, &end, 10);
            if (end == path + 7 || *end != '/' || d->bps < 0) {
                free(d);
                return send_text(conn, path, 400, "text/plain", "usage: /_drip/BPS/TOTAL\n");
            }
            d->total = strtoull(end + 1, NULL, 10);
        } else if (!strncmp(path, "/_truncated/", 12)) {
            d->cut_at = strtoull(path + 12, NULL, 10);
            if (!d->cut_at)
                d->cut_at = 1;
        }
        struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, drip_reader,
                                                                   d, free);
        MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
        return send_response(conn, path, 200, r);
    }
    if (!strcmp(path, "/_reset")) {
        /* SO_LINGER 0: the close MHD does next sends RST, not FIN */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) {
            struct linger lg = { 1, 0 };
            setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        return MHD_NO;
    }
    if (!strcmp(path, "/_pingpong")) {
        const char *other = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "other");
        const char *self = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
        if (!other || !self || strpbrk(other, "/?#&\r\n ") || strpbrk(self, "/?#&\r\n "))
            return send_text(conn, path, 400, "text/plain", "usage: /_pingpong?other=HOST:PORT\n");
        snprintf(buf, sizeof buf, "http://%.1000s/_pingpong?other=%.1000s", other, self);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", buf);
        return send_response(conn, path, 302, r);
    }
    if (!strcmp(path, "/_redirect_loop")) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", "/_redirect_loop");
        return send_response(conn, path, 302, r);
    }
    if (!strcmp(path, "/robots.txt") && robots_status >= 0) {
        if (robots_status == 0) {
            wait_or_hangup(conn, 600000);
            return MHD_NO;
        }
        return send_text(conn, path, (unsigned)robots_status, "text/plain", "robots\n");
    }
    if (!strcmp(path, "/_empty"))
        return send_text(conn, path, 200, "text/html; charset=utf-8", "");
    if (!strcmp(path, "/_binary")) {
        static const unsigned char png[] = {
            0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
            0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0,
            'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };
        struct MHD_Response *r = MHD_create_response_from_buffer(sizeof png, (void *)png,
                                                                  MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Content-Type", "text/html");
        return send_response(conn, path, 200, r);
    }
    if (!strcmp(path, "/_echo")) {
        buf[0] = '\0';
        MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_line, buf);
        return send_text(conn, path, 200, "text/plain", buf);
    }
    if (!strcmp(path, "/_stats")) {
        size_t len = 0;
        buf[0] = '\0';
        pthread_mutex_lock(&lock);
        for (stat_entry_t *e = stats; e && len < sizeof buf - 200; e = e->next) {
            int w = snprintf(buf + len, sizeof buf - len, "{\"path\":\"");
            len += (size_t)w;
            for (const char *p = e->path; *p && len < sizeof buf - 100; p++) {
                if (*p == '"' || *p == '\\')
                    buf[len++] = '\\';
                buf[len++] = (unsigned char)*p < 0x20 ? '?' : *p;
            }
            len += (size_t)snprintf(buf + len, sizeof buf - len, "\",\"count\":%lu}\n", e->count);
        }
        pthread_mutex_unlock(&lock);
        return send_text(conn, path, 200, "application/x-ndjson", buf);
    }
    return serve_file(conn, path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    static int first_call_marker;
    if (*con_cls == NULL) {           /* headers seen; wait for any body before answering */
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;             /* bodies are ignored */
        return MHD_YES;
    }
    count_request(url);
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return send_text(conn, url, 405, "text/plain", "GET or HEAD only\n");
    return route(conn, url, 0);
}

/* MHD reports every connection we close on purpose (/_hang, hang-ups during
 * /_slow, /_truncated, clients giving up on /_endless) as an error; that is
 * noise in test logs. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    if (!strstr(line, "Application reported internal error") && !strstr(line, "Failed to send the") &&
        !strstr(line, "application error generating response"))
        fputs(line, stderr);
}

static void usage(void)
{
    fprintf(stderr, "usage: nm_test_httpd --root DIR [--port N] [--bind ADDR] "
                    "[--port-file PATH] [--log PATH] [--robots-status N]\n");
}

int main(int argc, char **argv)
{
    const char *bind_addr = "127.0.0.1", *port_file = NULL, *log_path = NULL;
    long port = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            usage();
            return 0;
        }
        if (!v) {
            usage();
            return 2;
        }
        if (!strcmp(a, "--root"))
            root_dir = v;
        else if (!strcmp(a, "--port"))
            port = strtol(v, NULL, 10);
        else if (!strcmp(a, "--bind"))
            bind_addr = v;
        else if (!strcmp(a, "--port-file"))
            port_file = v;
        else if (!strcmp(a, "--log"))
            log_path = v;
        else if (!strcmp(a, "--robots-status"))
            robots_status = strtol(v, NULL, 10);
        else {
            usage();
            return 2;
        }
        i++;
    }
    if (!root_dir || port < 0 || port > 65535) {
        usage();
        return 2;
    }
    if (!realpath(root_dir, root_real)) {
        fprintf(stderr, "nm_test_httpd: --root %s: %s\n", root_dir, strerror(errno));
        return 1;
    }
    root_dir = root_real;
    if (log_path && !(log_fp = fopen(log_path, "a"))) {
        fprintf(stderr, "nm_test_httpd: --log %s: %s\n", log_path, strerror(errno));
        return 1;
    }
    if (bomb_init() < 0) {
        fprintf(stderr, "nm_test_httpd: cannot prepare the gzip bomb\n");
        return 1;
    }

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, bind_addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, bind_addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        fprintf(stderr, "nm_test_httpd: --bind %s: not an IP address\n", bind_addr);
        return 2;
    }

    /* Signals go to this thread only (sigwait below), never to MHD's threads. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, NULL,
                                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                                            MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "nm_test_httpd: cannot listen on %s:%ld\n", bind_addr, port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned actual = info ? info->port : (unsigned)port;

    if (port_file) {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", actual) < 0 || fclose(f) != 0 || rename(tmp, port_file) < 0) {
            fprintf(stderr, "nm_test_httpd: --port-file %s: %s\n", port_file, strerror(errno));
            MHD_stop_daemon(d);
            return 1;
        }
    }
    printf("port %u\n", actual);
    fflush(stdout);

    int sig;
    sigwait(&sigs, &sig);
    atomic_store(&stopping, 1);
    MHD_stop_daemon(d);
    if (log_fp)
        fclose(log_fp);
    return 0;
}

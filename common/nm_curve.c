#include "nm_curve.h"
#include "nm_buf.h"
#include "nm_log.h"
#include "nm_metrics.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "newsmill"
#define MAX_CONTEXTS 8
#define MAX_ALLOWED 4096

bool nm_curve_wanted(const char *endpoints)
{
    return endpoints && strstr(endpoints, "tcp://") != NULL;
}

int nm_curve_parse_key(const char *text, char key[NM_CURVE_KEYLEN + 1])
{
    /* '#' is a Z85 digit: a line is a key if its first word is one, else a
     * comment when it starts with '#', else garbage. */
    for (const char *p = text; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        size_t n = 0;
        while (p[n] && !isspace((unsigned char)p[n]))
            n++;
        if (n == NM_CURVE_KEYLEN) {
            uint8_t bin[32];
            memcpy(key, p, NM_CURVE_KEYLEN);
            key[NM_CURVE_KEYLEN] = '\0';
            if (zmq_z85_decode(bin, key))
                return 0;
        }
        if (*p != '#')
            return -1;
        p = strchr(p, '\n');
    }
    return -1;
}

int nm_curve_load_key(const char *file, char key[NM_CURVE_KEYLEN + 1], char *err, size_t errlen)
{
    char *text = nm_config_read_secret(file, err, errlen);
    if (!text)
        return -1;
    int rc = nm_curve_parse_key(text, key);
    memset(text, 0, strlen(text));
    free(text);
    if (rc < 0)
        snprintf(err, errlen, "%s: no Z85 CURVE key (40 characters) in the file", file);
    return rc;
}

int nm_curve_public(const char *secret, char pub[NM_CURVE_KEYLEN + 1])
{
    return zmq_curve_public(pub, secret) == 0 ? 0 : -1;
}

/* ---- the ZAP handler ---- */

typedef struct {
    void *rep;
    char *path;
    time_t mtime;
    off_t size;
    bool loaded;
    uint8_t (*keys)[32];
    size_t nkeys;
    int64_t last_log_s;
    unsigned suppressed;
} zap_t;

static pthread_mutex_t zap_lock = PTHREAD_MUTEX_INITIALIZER;
static void *zap_contexts[MAX_CONTEXTS];

/* Re-read the allow-list when the file changed; keep the old list if it
 * cannot be read (a half-written edit must not lock everybody out). */
static void zap_reload(zap_t *z)
{
    struct stat st;
    if (stat(z->path, &st) < 0) {
        if (z->loaded)   /* log the change, not every handshake */
            nm_warn("curve: allow-list %s: %s (%zu keys kept)", z->path, strerror(errno), z->nkeys);
        z->loaded = false;
        return;
    }
    if (z->loaded && st.st_mtime == z->mtime && st.st_size == z->size)
        return;
    FILE *f = fopen(z->path, "r");
    if (!f) {
        nm_warn("curve: allow-list %s: %s", z->path, strerror(errno));
        return;
    }
    uint8_t (*keys)[32] = nm_calloc(MAX_ALLOWED, 32);
    size_t n = 0;
    char line[512];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            continue;
        char key[NM_CURVE_KEYLEN + 1];
        if (nm_curve_parse_key(p, key) < 0) {
            if (*p == '#')
                continue;   /* a comment */
            nm_warn("curve: %s:%d: not a Z85 public key, ignored", z->path, lineno);
            continue;
        }
        if (n == MAX_ALLOWED) {
            nm_warn("curve: %s: more than %d keys, the rest ignored", z->path, MAX_ALLOWED);
            break;
        }
        zmq_z85_decode(keys[n++], key);
    }
    fclose(f);
    free(z->keys);
    z->keys = keys;
    z->nkeys = n;
    z->mtime = st.st_mtime;
    z->size = st.st_size;
    z->loaded = true;
    nm_notice("curve: %zu client keys allowed (%s)", n, z->path);
}

static bool zap_allowed(zap_t *z, const uint8_t *key)
{
    zap_reload(z);
    for (size_t i = 0; i < z->nkeys; i++)
        if (memcmp(z->keys[i], key, 32) == 0)
            return true;
    return false;
}

static void zap_reply(void *rep, const zmq_msg_t *reqid, const char *code, const char *text,
                      const char *user)
{
    zmq_send(rep, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(rep, zmq_msg_data((zmq_msg_t *)reqid), zmq_msg_size((zmq_msg_t *)reqid), ZMQ_SNDMORE);
    zmq_send(rep, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(rep, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(rep, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(rep, "", 0, 0);
}

static void zap_refused(zap_t *z, const char *who, const char *address)
{
    nm_metrics_inc("newsmill_curve_refused_total",
                   "CURVE clients refused because their key is not allowed.", "");
    int64_t now = (int64_t)time(NULL);
    if (now == z->last_log_s) {   /* at most one line a second: a flood must not fill the journal */
        z->suppressed++;
        return;
    }
    z->last_log_s = now;
    nm_warn("curve: refused client key %s from %s: not in %s%s", who, address, z->path,
            z->suppressed ? " (and more, not logged)" : "");
    z->suppressed = 0;
}

static void *zap_thread(void *arg)
{
    zap_t *z = arg;
    enum { NFRAMES = 8 };
    for (;;) {
        zmq_msg_t f[NFRAMES];
        int n = 0, more = 1, failed = 0;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, z->rep, 0) < 0) {
                zmq_msg_close(&m);
                failed = zmq_errno();
                break;
            }
            more = zmq_msg_more(&m);
            if (n < NFRAMES) {
                zmq_msg_init(&f[n]);
                zmq_msg_move(&f[n++], &m);
            }
            zmq_msg_close(&m);
        }
        if (failed) {
            for (int i = 0; i < n; i++)
                zmq_msg_close(&f[i]);
            if (failed == ETERM)
                break;
            continue;
        }
        /* version, request id, domain, address, identity, mechanism, credentials */
        if (n >= 6 && zmq_msg_size(&f[0]) == 3 && !memcmp(zmq_msg_data(&f[0]), "1.0", 3)) {
            char address[64] = "?";
            size_t al = zmq_msg_size(&f[3]) < sizeof address - 1 ? zmq_msg_size(&f[3]) : sizeof address - 1;
            memcpy(address, zmq_msg_data(&f[3]), al);
            address[al] = '\0';
            bool curve = zmq_msg_size(&f[5]) == 5 && !memcmp(zmq_msg_data(&f[5]), "CURVE", 5);
            if (curve && n >= 7 && zmq_msg_size(&f[6]) == 32) {
                char who[NM_CURVE_KEYLEN + 1];
                zmq_z85_encode(who, zmq_msg_data(&f[6]), 32);
                if (zap_allowed(z, zmq_msg_data(&f[6]))) {
                    nm_debug("curve: client %s from %s allowed", who, address);
                    zap_reply(z->rep, &f[1], "200", "OK", who);
                } else {
                    zap_refused(z, who, address);
                    zap_reply(z->rep, &f[1], "400", "client key not allowed", "");
                }
            } else {
                nm_warn("curve: refused a non-CURVE handshake from %s", address);
                zap_reply(z->rep, &f[1], "400", "CURVE required", "");
            }
        } else if (n >= 2) {
            zap_reply(z->rep, &f[1], "500", "malformed ZAP request", "");
        }
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
    int linger = 0;
    zmq_setsockopt(z->rep, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(z->rep);
    free(z->keys);
    free(z->path);
    free(z);
    return NULL;
}

/* One handler per context, started (and bound) before any server socket. */
static int zap_start(void *ctx, const char *path, char *err, size_t errlen)
{
    pthread_mutex_lock(&zap_lock);
    for (int i = 0; i < MAX_CONTEXTS; i++)
        if (zap_contexts[i] == ctx) {
            pthread_mutex_unlock(&zap_lock);
            return 0;
        }
    int slot = -1;
    for (int i = 0; i < MAX_CONTEXTS && slot < 0; i++)
        if (!zap_contexts[i])
            slot = i;
    if (slot < 0)   /* tests churning contexts: recycle the oldest slot */
        slot = 0;

    zap_t *z = nm_calloc(1, sizeof *z);
    z->path = nm_strdup(path);
    z->last_log_s = -1;
    if (access(path, R_OK) < 0) {
        snprintf(err, errlen, "curve.allowed_clients_file %s: %s", path, strerror(errno));
        goto fail;
    }
    z->rep = zmq_socket(ctx, ZMQ_REP);
    if (!z->rep || zmq_bind(z->rep, ZAP_ENDPOINT) < 0) {
        snprintf(err, errlen, "ZAP handler: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    zap_reload(z);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, zap_thread, z);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        snprintf(err, errlen, "ZAP handler thread: %s", strerror(rc));
        goto fail;
    }
    zap_contexts[slot] = ctx;
    pthread_mutex_unlock(&zap_lock);
    return 0;
fail:
    if (z->rep)
        zmq_close(z->rep);
    free(z->path);
    free(z);
    pthread_mutex_unlock(&zap_lock);
    return -1;
}

int nm_curve_setup(void *ctx, void *sock, bool bind, const nm_config_t *cfg,
                   char *err, size_t errlen)
{
    char server_pub[NM_CURVE_KEYLEN + 1], secret[NM_CURVE_KEYLEN + 1], why[512];
    if (nm_curve_parse_key(cfg->curve.server_public_key ? cfg->curve.server_public_key : "",
                           server_pub) < 0) {
        snprintf(err, errlen, "curve.server_public_key: expected a 40-character Z85 key");
        return -1;
    }
    if (bind) {
        if (nm_curve_load_key(cfg->curve.server_secret_key_file, secret, why, sizeof why) < 0) {
            snprintf(err, errlen, "curve.server_secret_key_file: %s", why);
            return -1;
        }
        char derived[NM_CURVE_KEYLEN + 1];
        if (nm_curve_public(secret, derived) < 0 || strcmp(derived, server_pub) != 0) {
            memset(secret, 0, sizeof secret);
            snprintf(err, errlen, "curve.server_secret_key_file does not belong to curve.server_public_key");
            return -1;
        }
        if (zap_start(ctx, cfg->curve.allowed_clients_file, err, errlen) < 0) {
            memset(secret, 0, sizeof secret);
            return -1;
        }
        int one = 1;
        zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, NM_CURVE_KEYLEN);
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN));
    } else {
        char pub[NM_CURVE_KEYLEN + 1];
        if (nm_curve_load_key(cfg->curve.secret_key_file, secret, why, sizeof why) < 0) {
            snprintf(err, errlen, "curve.secret_key_file: %s", why);
            return -1;
        }
        if (nm_curve_public(secret, pub) < 0) {
            memset(secret, 0, sizeof secret);
            snprintf(err, errlen, "curve.secret_key_file: not a usable secret key");
            return -1;
        }
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_pub, NM_CURVE_KEYLEN);
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, NM_CURVE_KEYLEN);
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, NM_CURVE_KEYLEN);
    }
    memset(secret, 0, sizeof secret);
    return 0;
}

static int write_file(const char *path, const char *text, mode_t mode, bool exclusive,
                      char *err, size_t errlen)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
    int fd = open(path, flags, mode);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
                 errno == EEXIST ? " (use --force to replace it)" : "");
        return -1;
    }
    fchmod(fd, mode);   /* O_CREAT's mode is filtered by the umask; a replaced file keeps its old mode */
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int e = errno;
    if (close(fd) < 0 || w != (ssize_t)len) {
        snprintf(err, errlen, "%s: %s", path, strerror(w < 0 ? e : EIO));
        return -1;
    }
    return 0;
}

int nm_curve_write_keypair(const char *base, bool force, char pub[NM_CURVE_KEYLEN + 1],
                           char *err, size_t errlen)
{
    char sec[NM_CURVE_KEYLEN + 1];
    if (zmq_curve_keypair(pub, sec) != 0) {
        snprintf(err, errlen, "zmq_curve_keypair: %s (libzmq without CURVE?)", zmq_strerror(zmq_errno()));
        return -1;
    }
    char path[4096], text[256];
    snprintf(path, sizeof path, "%s.secret", base);
    snprintf(text, sizeof text, "# newsmill CURVE secret key: keep private (mode 0600)\n%s\n", sec);
    if (force)
        unlink(path);
    int rc = write_file(path, text, 0600, true, err, errlen);
    memset(sec, 0, sizeof sec);
    memset(text, 0, sizeof text);
    if (rc < 0)
        return -1;
    snprintf(path, sizeof path, "%s.public", base);
    snprintf(text, sizeof text, "# newsmill CURVE public key\n%s\n", pub);
    return write_file(path, text, 0644, false, err, errlen);
}

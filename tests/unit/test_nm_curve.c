/* nm_curve over real TCP sockets: keygen files, an allowed client gets
 * through, an unknown key / a plain client / a wrong server key do not (and
 * the refusal is counted), the allow-list is re-read when it changes, and
 * configuration mistakes fail at socket creation with a reason. Also
 * nm_config_read_secret's credential lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "nm_curve.h"
#include "nm_metrics.h"
#include "nm_msg.h"
#include "nm_test.h"

static char dir[64];

static char *path(const char *name)
{
    static char buf[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

static void write_text(const char *file, const char *text)
{
    FILE *f = fopen(file, "w");
    fputs(text, f);
    fclose(f);
}

/* Send one job message through push; true if pull receives it in time. */
static bool passes(void *push, void *pull, int ms)
{
    Newsmill__JobRef ref = NEWSMILL__JOB_REF__INIT;
    ref.job_id = 7;
    ref.lease_token = "t";
    Newsmill__Job job = NEWSMILL__JOB__INIT;
    job.ref = &ref;
    job.url = "http://example.com/";
    nm_envelope_t env;
    nm_envelope_init(&env);
    env.body_case = NEWSMILL__ENVELOPE__BODY_JOB;
    env.job = &job;
    if (nm_msg_send(push, &env, ZMQ_DONTWAIT) < 0)
        return false;   /* no (authenticated) peer to queue for */
    zmq_pollitem_t it = { pull, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&it, 1, ms) <= 0)
        return false;
    char err[256];
    nm_envelope_t *got = nm_msg_recv(pull, 1 << 20, ZMQ_DONTWAIT, NULL, NULL, err, sizeof err);
    bool ok = got && got->job && got->job->ref->job_id == 7;
    nm_msg_free(&got);
    return ok;
}

static double refused(void)
{
    return nm_series_value(nm_counter("newsmill_curve_refused_total", "", ""));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nm-curve-test-%d", (int)getpid());
    mkdir(dir, 0700);
    char err[512], server_pub[NM_CURVE_KEYLEN + 1], a_pub[NM_CURVE_KEYLEN + 1], b_pub[NM_CURVE_KEYLEN + 1];

    /* keygen: Z85 files, the secret private, never overwritten by accident */
    CHECK_INT(nm_curve_write_keypair(path("server"), false, server_pub, err, sizeof err), 0);
    CHECK_INT(nm_curve_write_keypair(path("a"), false, a_pub, err, sizeof err), 0);
    CHECK_INT(nm_curve_write_keypair(path("b"), false, b_pub, err, sizeof err), 0);
    struct stat st;
    CHECK(stat(path("a.secret"), &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(path("a.public"), &st) == 0 && (st.st_mode & 0777) == 0644);
    char scratch[NM_CURVE_KEYLEN + 1];
    CHECK_INT(nm_curve_write_keypair(path("a"), false, scratch, err, sizeof err), -1);
    CHECK(strstr(err, "exists") != NULL);
    char key[NM_CURVE_KEYLEN + 1], derived[NM_CURVE_KEYLEN + 1];
    CHECK_INT(nm_curve_load_key(path("a.public"), key, err, sizeof err), 0);
    CHECK_STR(key, a_pub);
    CHECK_INT(nm_curve_load_key(path("a.secret"), key, err, sizeof err), 0);
    CHECK_INT(nm_curve_public(key, derived), 0);
    CHECK_STR(derived, a_pub);
    CHECK_INT(nm_curve_parse_key("short", key), -1);
    CHECK_INT(nm_curve_parse_key("# comment\n\n  0123456789012345678901234567890123456789 trailing", key), 0);
    CHECK_INT(nm_curve_parse_key("#12345678901234567890123456789012345678X\n", key), -1);

    /* secrets: $CREDENTIALS_DIRECTORY first, also as newsmill_NAME */
    write_text(path("newsmill_database-url"), "dbname=secret password=x\n\n");
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    char *s = nm_config_read_secret("database-url", err, sizeof err);
    CHECK(s && strcmp(s, "dbname=secret password=x") == 0);
    free(s);
    CHECK(nm_config_read_secret("nope", err, sizeof err) == NULL && strstr(err, "nope"));
    nm_config_t c2;
    setenv("NEWSMILL_DATABASE_URL_FILE", "database-url", 1);
    CHECK_INT(nm_config_load(&c2, NULL, err, sizeof err), 0);
    CHECK_STR(c2.database.url, "dbname=secret password=x");
    nm_config_free(&c2);
    unsetenv("NEWSMILL_DATABASE_URL_FILE");
    unsetenv("CREDENTIALS_DIRECTORY");

    /* configurations */
    nm_config_t server, ca, cb, plain, wrong;
    nm_config_load(&server, NULL, err, sizeof err);
    server.curve.enabled = true;
    free(server.curve.server_public_key);
    server.curve.server_public_key = nm_strdup(server_pub);
    free(server.curve.server_secret_key_file);
    server.curve.server_secret_key_file = nm_strdup(path("server.secret"));
    free(server.curve.allowed_clients_file);
    server.curve.allowed_clients_file = nm_strdup(path("allowed"));
    char allow[256];
    snprintf(allow, sizeof allow, "# fetcher hosts\n%s fetch-a\n", a_pub);
    write_text(path("allowed"), allow);

    nm_config_load(&ca, NULL, err, sizeof err);
    ca.curve.enabled = true;
    free(ca.curve.server_public_key);
    ca.curve.server_public_key = nm_strdup(server_pub);
    free(ca.curve.secret_key_file);
    ca.curve.secret_key_file = nm_strdup(path("a.secret"));
    nm_config_load(&cb, NULL, err, sizeof err);
    cb.curve.enabled = true;
    free(cb.curve.server_public_key);
    cb.curve.server_public_key = nm_strdup(server_pub);
    free(cb.curve.secret_key_file);
    cb.curve.secret_key_file = nm_strdup(path("b.secret"));
    nm_config_load(&plain, NULL, err, sizeof err);
    nm_config_load(&wrong, NULL, err, sizeof err);
    wrong.curve.enabled = true;
    free(wrong.curve.server_public_key);
    wrong.curve.server_public_key = nm_strdup(b_pub);   /* not the server's key */
    free(wrong.curve.secret_key_file);
    wrong.curve.secret_key_file = nm_strdup(path("a.secret"));

    void *ctx = zmq_ctx_new();
    void *pull = nm_sock_new(ctx, ZMQ_PULL, "tcp://127.0.0.1:*", true, &server, err, sizeof err);
    CHECK(pull != NULL);
    char ep[128];
    size_t eplen = sizeof ep;
    zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ep, &eplen);
    int mech = 0;
    size_t ml = sizeof mech;
    zmq_getsockopt(pull, ZMQ_MECHANISM, &mech, &ml);
    CHECK_INT(mech, ZMQ_CURVE);

    /* the allowed client gets through */
    void *pa = nm_sock_new(ctx, ZMQ_PUSH, ep, false, &ca, err, sizeof err);
    CHECK(pa != NULL);
    CHECK(passes(pa, pull, 3000));
    nm_sock_close(&pa);

    /* an unknown key, a plain client and a wrong server key do not */
    double r0 = refused();
    void *pb = nm_sock_new(ctx, ZMQ_PUSH, ep, false, &cb, err, sizeof err);
    CHECK(pb != NULL);
    CHECK(!passes(pb, pull, 1000));
    CHECK(refused() > r0);
    void *pp = nm_sock_new(ctx, ZMQ_PUSH, ep, false, &plain, err, sizeof err);
    CHECK(!passes(pp, pull, 500));
    nm_sock_close(&pp);
    void *pw = nm_sock_new(ctx, ZMQ_PUSH, ep, false, &wrong, err, sizeof err);
    CHECK(!passes(pw, pull, 500));
    nm_sock_close(&pw);

    /* adding b's key lets b in without restarting the server (mtime/size change) */
    snprintf(allow, sizeof allow, "# fetcher hosts\n%s fetch-a\n%s fetch-b\n", a_pub, b_pub);
    write_text(path("allowed"), allow);
    nm_sock_close(&pb);
    pb = nm_sock_new(ctx, ZMQ_PUSH, ep, false, &cb, err, sizeof err);
    CHECK(passes(pb, pull, 3000));
    nm_sock_close(&pb);

    /* ipc endpoints stay plain even with CURVE on */
    char ipc[128];
    snprintf(ipc, sizeof ipc, "ipc://%s/sock", dir);
    void *ip = nm_sock_new(ctx, ZMQ_PULL, ipc, true, &server, err, sizeof err);
    zmq_getsockopt(ip, ZMQ_MECHANISM, &mech, &ml);
    CHECK_INT(mech, ZMQ_NULL);
    nm_sock_close(&ip);

    /* mistakes fail at creation, with a reason */
    free(ca.curve.secret_key_file);
    ca.curve.secret_key_file = nm_strdup(path("missing.secret"));
    CHECK(nm_sock_new(ctx, ZMQ_PUSH, ep, false, &ca, err, sizeof err) == NULL);
    CHECK(strstr(err, "secret_key_file") != NULL);
    free(server.curve.server_secret_key_file);
    server.curve.server_secret_key_file = nm_strdup(path("a.secret"));   /* not the server's pair */
    CHECK(nm_sock_new(ctx, ZMQ_PULL, "tcp://127.0.0.1:*", true, &server, err, sizeof err) == NULL);
    CHECK(strstr(err, "does not belong") != NULL);
    free(server.curve.server_public_key);
    server.curve.server_public_key = nm_strdup("");
    CHECK(nm_sock_new(ctx, ZMQ_PULL, "tcp://127.0.0.1:*", true, &server, err, sizeof err) == NULL);

    nm_sock_close(&pull);
    zmq_ctx_term(ctx);   /* also ends the ZAP thread */
    nm_config_free(&server);
    nm_config_free(&ca);
    nm_config_free(&cb);
    nm_config_free(&plain);
    nm_config_free(&wrong);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return nm_test_done();
}

/* nm_curve: CurveZMQ on tcp:// endpoints, and the ZAP handler that lets in
 * only allow-listed client keys.
 *
 * With [curve] enabled, nm_sock_new calls nm_curve_setup for every socket
 * with a tcp:// endpoint (ipc:// and inproc:// stay plain; a socket mixing
 * both uses CURVE on all of them):
 *  - a binding socket is a CURVE server with curve.server_secret_key_file,
 *    and authenticates clients through ZAP (domain "newsmill");
 *  - a connecting socket is a CURVE client with curve.secret_key_file (its
 *    public key derived) and the server's curve.server_public_key.
 * The ZAP handler is one thread per ZeroMQ context, bound to
 * inproc://zeromq.zap.01 before the first server socket binds (so there is
 * never a window without authentication). It accepts a client only if its
 * public key is listed in curve.allowed_clients_file, which it re-reads when
 * the file changes; a refused key is logged (rate-limited) and counted in
 * newsmill_curve_refused_total. The thread ends when the context terminates.
 *
 * Key files hold one Z85 key (40 characters) on the first line that is not
 * blank or a '#' comment. Secret key files are read with
 * nm_config_read_secret (systemd credentials). */
#ifndef NM_CURVE_H
#define NM_CURVE_H

#include <stdbool.h>
#include <stddef.h>

#include "nm_config.h"

#define NM_CURVE_KEYLEN 40   /* Z85 characters of a 32-byte key */

/* True if any endpoint in the comma-separated list is tcp://. */
bool nm_curve_wanted(const char *endpoints);

/* Make sock a CURVE server (bind) or client (connect) per cfg. Call before
 * bind/connect. Returns 0, or -1 with a reason in err. */
int nm_curve_setup(void *ctx, void *sock, bool bind, const nm_config_t *cfg,
                   char *err, size_t errlen);

/* Parse a Z85 key from text (first non-comment line, first word).
 * Returns 0 with key NUL-terminated, or -1. */
int nm_curve_parse_key(const char *text, char key[NM_CURVE_KEYLEN + 1]);
/* Read a key file (relative names: $CREDENTIALS_DIRECTORY first). */
int nm_curve_load_key(const char *file, char key[NM_CURVE_KEYLEN + 1], char *err, size_t errlen);
/* Public key of a secret key. Returns 0 or -1. */
int nm_curve_public(const char *secret, char pub[NM_CURVE_KEYLEN + 1]);

/* Write a new key pair to BASE.public (mode 0644) and BASE.secret (0600,
 * created exclusively: an existing secret is never overwritten unless
 * force). pub receives the public key. Returns 0 or -1. */
int nm_curve_write_keypair(const char *base, bool force, char pub[NM_CURVE_KEYLEN + 1],
                           char *err, size_t errlen);

#endif

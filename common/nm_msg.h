/* nm_msg: ZeroMQ sockets carrying one protobuf Envelope per message.
 *
 * Every socket made here has ZMQ_MAXMSGSIZE set (an oversized frame drops the
 * peer's connection in libzmq, so nothing oversized is ever decoded), linger
 * bounded, heartbeats on, and high-water marks from the configuration.
 * Receiving decodes only after checking size; an envelope with an unknown
 * version or no body is rejected with a reason, never trusted. Fields this
 * build does not know are dropped on receipt, so they are never forwarded. */
#ifndef NM_MSG_H
#define NM_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "newsmill.pb-c.h"
#include "nm_config.h"

#define NM_PROTO_VERSION 1

typedef Newsmill__Envelope nm_envelope_t;

/* Create a socket of type (ZMQ_PUSH, ...) and bind or connect it to every
 * endpoint in the comma-separated list. NULL with a reason in err on failure. */
void *nm_sock_new(void *ctx, int type, const char *endpoints, bool bind,
                  const nm_config_t *cfg, char *err, size_t errlen);
void nm_sock_close(void **sock_p);

/* Initialise an envelope (version set, no body). */
void nm_envelope_init(nm_envelope_t *env);

/* Encode and send. identity != NULL sends an identity frame first (ROUTER).
 * flags: 0 or ZMQ_DONTWAIT. Returns 0, or -1 with errno from zmq (EAGAIN
 * when the peer is at its high-water mark or the send timed out). */
int nm_msg_send(void *sock, const nm_envelope_t *env, int flags);
int nm_msg_send_to(void *sock, const void *identity, size_t idlen,
                   const nm_envelope_t *env, int flags);

/* Receive one message and decode it. Returns the envelope (free it with
 * nm_msg_free) or NULL: with *err set to a reason when a message arrived but
 * was rejected (too large, not protobuf, unknown version, no body), or with
 * err[0] == '\0' when nothing arrived (EAGAIN/EINTR). For ROUTER sockets pass
 * an identity buffer (at least 256 bytes); *idlen receives its length. */
nm_envelope_t *nm_msg_recv(void *sock, size_t max_bytes, int flags,
                           void *identity, size_t *idlen, char *err, size_t errlen);
void nm_msg_free(nm_envelope_t **env_p);

/* Count a message rejected by its receiver (newsmill_messages_rejected_total
 * {reason}); nm_msg_recv counts its own rejections. reason: a short
 * [a-z_] word, e.g. "unexpected_kind". */
void nm_msg_count_rejected(const char *reason);

/* Cap high-water marks by zmq.memory_budget_mb (see the example config). */
void nm_msg_hwm_from_budget(const nm_config_t *cfg, int *sndhwm, int *rcvhwm);

/* Name of the body case, for logs ("page", "job", ...). */
const char *nm_msg_kind(const nm_envelope_t *env);

#endif

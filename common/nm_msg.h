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

/* The same with both high-water marks set to hwm messages (when > 0) instead
 * of zmq.sndhwm/rcvhwm: for sockets whose messages are large (pages), where a
 * queue of 1000 would hold hundreds of MB. A sender that must not lose
 * messages then holds them itself (nm_pending_t) and asks for less work. */
void *nm_sock_new_queue(void *ctx, int type, const char *endpoints, bool bind, int hwm,
                        const nm_config_t *cfg, char *err, size_t errlen);

/* Initialise an envelope (version set, no body). */
void nm_envelope_init(nm_envelope_t *env);

/* Encode and send. identity != NULL sends an identity frame first (ROUTER).
 * flags: 0 or ZMQ_DONTWAIT. Returns 0, or -1 with errno from zmq (EAGAIN
 * when the peer is at its high-water mark or the send timed out). */
int nm_msg_send(void *sock, const nm_envelope_t *env, int flags);
int nm_msg_send_to(void *sock, const void *identity, size_t idlen,
                   const nm_envelope_t *env, int flags);

/* A message encoded once and sent when the peer can take it: a sender whose
 * peer is at its high-water mark keeps it (no copy, no re-encoding) and tries
 * again later with ZMQ_DONTWAIT. */
typedef struct nm_pending nm_pending_t;
nm_pending_t *nm_pending_new(const nm_envelope_t *env);
/* 0: sent, *p_p is taken (and set to NULL). -1 with errno (EAGAIN: the peer
 * cannot take it now): *p_p is still the caller's, to retry or destroy. */
int nm_pending_send(void *sock, nm_pending_t **p_p, int flags);
size_t nm_pending_size(const nm_pending_t *p);
void nm_pending_destroy(nm_pending_t **p_p);

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

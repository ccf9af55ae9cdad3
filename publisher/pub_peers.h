/* pub_peers: which fetchers may receive how many jobs (credit-based flow).
 *
 * A fetcher's WorkRequest is absolute: "free_slots more, and jobs_received
 * so far". The publisher counts the jobs it sent to that peer; jobs sent but
 * not yet seen by the fetcher are in flight, so
 *     credit = free_slots - (sent - jobs_received), never below 0.
 * A fetcher that reports more jobs than we sent predates a publisher restart:
 * nothing is in flight and the count restarts from its number. Peers silent
 * for longer than a timeout are forgotten (their jobs come back by lease).
 * Pure bookkeeping: no sockets, no database, no clock of its own. */
#ifndef PUB_PEERS_H
#define PUB_PEERS_H

#include <stddef.h>
#include <stdint.h>

#define PUB_PEER_ID_MAX 256     /* ZeroMQ routing ids are at most 255 bytes */
#define PUB_PEER_OWNER_MAX 128
#define PUB_PEER_MAX_SLOTS 4096  /* free_slots above this are taken as this */

typedef struct {
    unsigned char id[PUB_PEER_ID_MAX];   /* ROUTER routing id */
    size_t idlen;
    char owner[PUB_PEER_OWNER_MAX];      /* lease owner: fetcher_id, printable */
    int64_t credit;
    uint64_t sent;                       /* jobs sent to this peer */
    int64_t last_seen_ms;
} pub_peer_t;

typedef struct pub_peers pub_peers_t;

/* max_peers: beyond it, requests from new peers are ignored (-1). */
pub_peers_t *pub_peers_new(size_t max_peers);
void pub_peers_destroy(pub_peers_t **p);

/* Record a WorkRequest. fetcher_id is sanitized into owner (non-printable
 * bytes replaced; empty -> hex of the routing id). Returns the peer's
 * credit, or -1 if the table is full or the id is unusable. */
int64_t pub_peers_request(pub_peers_t *p, const void *id, size_t idlen, const char *fetcher_id,
                          uint32_t free_slots, uint64_t jobs_received, int64_t now_ms);
/* Forget peers not heard from for more than timeout_ms. Returns how many. */
size_t pub_peers_expire(pub_peers_t *p, int64_t now_ms, int64_t timeout_ms);
/* The next peer with credit, round robin, or NULL. Stays valid until the
 * next pub_peers_request or pub_peers_expire. */
pub_peer_t *pub_peers_next(pub_peers_t *p);
/* One job went to peer: credit - 1, sent + 1. */
void pub_peers_sent(pub_peer_t *peer);
/* Total credit waiting, and number of known peers. */
int64_t pub_peers_credit(const pub_peers_t *p);
size_t pub_peers_count(const pub_peers_t *p);

#endif

#include "pub_peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nm_buf.h"

struct pub_peers {
    pub_peer_t *peers;
    size_t n, max, cursor;
};

pub_peers_t *pub_peers_new(size_t max_peers)
{
    pub_peers_t *p = nm_calloc(1, sizeof *p);
    p->max = max_peers ? max_peers : 1;
    p->peers = nm_calloc(p->max, sizeof *p->peers);
    return p;
}

void pub_peers_destroy(pub_peers_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->peers);
    free(*p);
    *p = NULL;
}

static void set_owner(pub_peer_t *peer, const char *fetcher_id)
{
    size_t k = 0;
    if (fetcher_id)
        for (const char *c = fetcher_id; *c && k + 1 < sizeof peer->owner; c++)
            peer->owner[k++] = (*c > 0x20 && *c < 0x7f) ? *c : '_';
    if (k == 0)
        for (size_t i = 0; i < peer->idlen && k + 3 < sizeof peer->owner; i++, k += 2)
            snprintf(peer->owner + k, 3, "%02x", peer->id[i]);
    peer->owner[k] = '\0';
}

int64_t pub_peers_request(pub_peers_t *p, const void *id, size_t idlen, const char *fetcher_id,
                          uint32_t free_slots, uint64_t jobs_received, int64_t now_ms)
{
    if (!id || idlen == 0 || idlen > PUB_PEER_ID_MAX)
        return -1;
    pub_peer_t *peer = NULL;
    for (size_t i = 0; i < p->n; i++)
        if (p->peers[i].idlen == idlen && memcmp(p->peers[i].id, id, idlen) == 0) {
            peer = &p->peers[i];
            break;
        }
    if (!peer) {
        if (p->n == p->max)
            return -1;
        peer = &p->peers[p->n++];
        memset(peer, 0, sizeof *peer);
        memcpy(peer->id, id, idlen);
        peer->idlen = idlen;
        /* A new peer that already received jobs was served by a previous
         * publisher: nothing of ours is in flight. */
        peer->sent = jobs_received;
    }
    set_owner(peer, fetcher_id);
    if (free_slots > PUB_PEER_MAX_SLOTS)
        free_slots = PUB_PEER_MAX_SLOTS;   /* a confused or hostile peer cannot take everything */
    if (jobs_received > peer->sent)
        peer->sent = jobs_received;
    uint64_t in_flight = peer->sent - jobs_received;
    int64_t credit = (int64_t)free_slots - (int64_t)(in_flight > INT32_MAX ? INT32_MAX : in_flight);
    peer->credit = credit > 0 ? credit : 0;
    peer->last_seen_ms = now_ms;
    return peer->credit;
}

size_t pub_peers_expire(pub_peers_t *p, int64_t now_ms, int64_t timeout_ms)
{
    size_t gone = 0;
    for (size_t i = 0; i < p->n;) {
        if (now_ms - p->peers[i].last_seen_ms > timeout_ms) {
            p->peers[i] = p->peers[--p->n];
            gone++;
        } else {
            i++;
        }
    }
    if (p->cursor >= p->n)
        p->cursor = 0;
    return gone;
}

pub_peer_t *pub_peers_next(pub_peers_t *p)
{
    for (size_t k = 0; k < p->n; k++) {
        size_t i = (p->cursor + k) % p->n;
        if (p->peers[i].credit > 0) {
            p->cursor = (i + 1) % p->n;
            return &p->peers[i];
        }
    }
    return NULL;
}

void pub_peers_sent(pub_peer_t *peer)
{
    if (peer->credit > 0)
        peer->credit--;
    peer->sent++;
}

int64_t pub_peers_credit(const pub_peers_t *p)
{
    int64_t c = 0;
    for (size_t i = 0; i < p->n; i++)
        c += p->peers[i].credit;
    return c;
}

size_t pub_peers_count(const pub_peers_t *p) { return p->n; }

/* pub_peers: credit arithmetic for fetchers asking for work. */
#include <string.h>

#include "nm_test.h"
#include "pub_peers.h"

int main(void)
{
    pub_peers_t *p = pub_peers_new(2);

    /* first request: 4 free slots, nothing received -> 4 credit */
    CHECK_INT(pub_peers_request(p, "A", 1, "fetch-a", 4, 0, 1000), 4);
    pub_peer_t *a = pub_peers_next(p);
    CHECK(a != NULL);
    CHECK_STR(a->owner, "fetch-a");
    pub_peers_sent(a);
    pub_peers_sent(a);
    pub_peers_sent(a);
    CHECK_INT(a->credit, 1);
    CHECK_INT(a->sent, 3);

    /* the fetcher has seen only 1 of our 3 jobs and still says 4 free:
     * 2 are in flight, so only 2 more */
    CHECK_INT(pub_peers_request(p, "A", 1, "fetch-a", 4, 1, 1100), 2);
    /* all 3 seen, 1 free slot -> 1 */
    CHECK_INT(pub_peers_request(p, "A", 1, "fetch-a", 1, 3, 1200), 1);
    /* never negative */
    CHECK_INT(pub_peers_request(p, "A", 1, "fetch-a", 0, 0, 1300), 0);

    /* a fetcher from before a publisher restart: it received 50 jobs that
     * we never sent; nothing is in flight */
    CHECK_INT(pub_peers_request(p, "B", 1, "fetch\nb\x01", 8, 50, 1400), 8);
    pub_peer_t *b = pub_peers_next(p);
    CHECK(b != NULL);
    if (b) {
        CHECK_STR(b->owner, "fetch_b_");   /* sanitized for logs and lease_owner */
        pub_peers_sent(b);
        CHECK_INT(b->sent, 51);
    }
    CHECK_INT(pub_peers_request(p, "B", 1, "fetch-b", 8, 50, 1500), 7);
    CHECK_INT(pub_peers_credit(p), 7);

    /* table full: a third peer is refused, not crashed on */
    CHECK_INT(pub_peers_request(p, "C", 1, "c", 1, 0, 1500), -1);
    CHECK_INT(pub_peers_request(p, "", 0, "c", 1, 0, 1500), -1);

    /* empty fetcher id: the routing id in hex names the owner */
    CHECK_INT(pub_peers_expire(p, 20000, 10000), 2);
    CHECK_INT(pub_peers_count(p), 0);
    CHECK(pub_peers_next(p) == NULL);
    CHECK_INT(pub_peers_request(p, "\x01\xff", 2, "", 1, 0, 20000), 1);
    pub_peer_t *c = pub_peers_next(p);
    CHECK(c && strcmp(c->owner, "01ff") == 0);

    /* round robin between peers with credit */
    CHECK_INT(pub_peers_request(p, "D", 1, "d", 5, 0, 20000), 5);
    pub_peer_t *x1 = pub_peers_next(p), *x2 = pub_peers_next(p);
    CHECK(x1 && x2 && x1 != x2);

    /* absurd slot counts are capped */
    CHECK_INT(pub_peers_request(p, "D", 1, "d", 4000000000u, 0, 20000), PUB_PEER_MAX_SLOTS);

    pub_peers_destroy(&p);
    CHECK(p == NULL);
    pub_peers_destroy(&p);
    return nm_test_done();
}

/* fetch_daemon: the fetcher's side of the dispatch protocol (proto/newsmill.proto).
 *
 * Sockets: DEALER connected to publisher.dispatch_endpoint (WorkRequest out,
 * Job in), PUSH to every fetcher.parser_endpoints (Page), PUSH to
 * publisher.sink_endpoint (Outcome).
 *
 * Promises:
 *  - credits are absolute: WorkRequest{free_slots = concurrency - active -
 *    queued - held, jobs_received = every Job received so far}, where active counts
 *    jobs waiting in the engine for a busy host (politeness, robots.txt) as
 *    well as running transfers, so a fetcher never hoards more jobs than its
 *    slots; sent at start, when
 *    slots free up, and at least once a second as a heartbeat;
 *  - a Job beyond our slots (a confused publisher) is queued, never dropped;
 *  - every job that finishes gives exactly one message: a Page (2xx with a
 *    body) to a parser, or an Outcome to the sink; an Outcome send that times
 *    out is logged and dropped (the lease brings the job back);
 *  - pages: parsers queue at most zmq.page_hwm each. A page no parser can
 *    take yet is held here, in order, and keeps its slot (free_slots counts
 *    it), so a fetcher ahead of its parsers asks for less work rather than
 *    piling pages up; a held page is dropped only once its lease has
 *    expired. Pages go out still compressed (fetcher.pass_encoded);
 *  - anything else arriving on the dispatch socket is logged and counted;
 *  - drain announces zero slots, gives jobs still waiting for their host
 *    back to their leases, and waits for running transfers (and held pages
 *    to go out) only. */
#ifndef FETCH_DAEMON_H
#define FETCH_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "nm_config.h"

typedef struct fetch_daemon fetch_daemon_t;

typedef struct {
    uint64_t jobs_received;
    uint64_t done;             /* jobs finished, whatever the class */
    uint64_t pages_sent;
    uint64_t outcomes_sent;
    uint64_t send_failures;
    uint64_t rejected;         /* unexpected or invalid messages on the dispatch socket */
    int running;
    int queued;
    int held;                  /* finished pages waiting for a parser to take them */
} fetch_daemon_stats_t;

/* Make the sockets and the engine. cfg must outlive the daemon. */
fetch_daemon_t *fetch_daemon_new(const nm_config_t *cfg, void *zmq_ctx, char *err, size_t errlen);
void fetch_daemon_destroy(fetch_daemon_t **f_p);

const char *fetch_daemon_id(const fetch_daemon_t *f);

/* One turn of the loop, waiting at most timeout_ms for something to happen. */
void fetch_daemon_step(fetch_daemon_t *f, int timeout_ms);

/* Stop asking for work (free_slots = 0), let running transfers finish for up
 * to max_ms, and give up on the rest (queued jobs come back through leases). */
void fetch_daemon_drain(fetch_daemon_t *f, int max_ms);

void fetch_daemon_stats(const fetch_daemon_t *f, fetch_daemon_stats_t *out);

#endif

/* newsmill-fetcher: asks the publisher for work with credits, downloads with
 * the fetch engine, pushes pages to a parser and every other outcome straight
 * to the publisher's sink.
 *
 * The loop: take the jobs that arrived, start what fits in our slots, let
 * libcurl work for up to 100 ms (waking early for the dispatch socket), send
 * what finished, and tell the publisher how many slots are free. */
#include "fetch.h"
#include "fetch_daemon.h"
#include "nm_daemon.h"
#include "nm_log.h"
#include "nm_msg.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static const char usage[] =
    "Downloads feeds and articles leased by the publisher and passes pages to the parsers.";

int main(int argc, char **argv)
{
    nm_daemon_t d;
    int rc = nm_daemon_start(&d, "fetcher", usage, argc, argv);
    if (rc)
        return rc - 1;

    char err[512];
    fetch_daemon_t *f = fetch_daemon_new(&d.cfg, d.zmq_ctx, err, sizeof err);
    if (!f) {
        nm_err("%s", err);
        nm_daemon_finish(&d);
        return 1;
    }
    nm_daemon_ready();
    nm_notice("fetcher %s up: concurrency %d, dispatch %s, parsers %s, sink %s",
              fetch_daemon_id(f), d.cfg.fetcher.concurrency, d.cfg.publisher.dispatch_endpoint,
              d.cfg.fetcher.parser_endpoints, d.cfg.publisher.sink_endpoint);

    while (!nm_daemon_stopping())
        fetch_daemon_step(f, 100);

    fetch_daemon_drain(f, 5000);
    fetch_daemon_destroy(&f);
    nm_daemon_finish(&d);
    return 0;
}

#!/usr/bin/env bash
# The publisher survives a database restart: on a PostgreSQL cluster of this
# test's own (never the suite's shared one), the sample corpus is running
# through the pipeline when the server is restarted (fast shutdown: every
# connection is cut). The publisher reconnects with backoff, results that
# arrived meanwhile wait in its socket or come back through their leases,
# and every article ends up stored exactly once.
source "$(dirname "$0")/../lib.sh"
sample="$NM_SOURCE_DIR/deploy/sample"
n=$(jq length "$sample/expected.json")

pgdir="$NM_TMP/pg"
eval "$("$NM_SOURCE_DIR/tests/pg.sh" start "$pgdir")"
trap '"$NM_SOURCE_DIR/tests/pg.sh" stop "$pgdir"; nm_cleanup' EXIT
nm_newdb pg_restart
nm_endpoints
nm_httpd "$sample"
export NEWSMILL_PUBLISHER_LEASE_SECONDS=10
export NEWSMILL_FETCHER_CONCURRENCY=2
"$NEWSMILL" db migrate >/dev/null
# every page answers after 400 ms (relative links inherit the /_slow prefix),
# so the run lasts long enough to restart the server in the middle of it
"$NEWSMILL" feed add "$HTTPD/_slow/400/feed.xml" >/dev/null
nm_start publisher
nm_start parser
nm_start summarizer
nm_start fetcher

# restart once some, not all, articles are in
for _ in $(seq 300); do
    got=$(sql "SELECT count(*) FROM articles" 2>/dev/null || echo 0)
    [ "$got" -ge 2 ] && break
    sleep 0.05
done
[ "$got" -ge 2 ] && [ "$got" -lt "$n" ] || fail "could not catch the pipeline mid-run ($got of $n articles)"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=$(realpath "$pgdir/data")
pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_as "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || fail "pg_ctl stop"
sleep 2   # the publisher meets a dead server for a while
"$NM_SOURCE_DIR/tests/pg.sh" start "$pgdir" >/dev/null || fail "restart"
ok "PostgreSQL restarted with $got of $n articles stored"

wait_sql 120 "SELECT count(*) FROM articles" "$n" || fail "expected $n articles after the restart"
wait_sql 60 "SELECT count(*) FROM summaries" "$n" || fail "expected $n summaries after the restart"
[ "$(sql "SELECT count(DISTINCT canonical_url) FROM articles")" = "$n" ] || fail "duplicate articles"
wait_sql 60 "SELECT count(*) FROM jobs WHERE kind = 'article' AND state = 'done'" "$n" || fail "article jobs not all done"
kill -0 "$NM_PID_publisher" 2>/dev/null || fail "the publisher died"
ok "every article stored exactly once across the restart; the publisher kept running"
stop_and_wait "$NM_PID_publisher" 10

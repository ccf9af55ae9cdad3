#!/usr/bin/env bash
# Kill workers mid-run with SIGKILL and restart them: whatever they held is
# lost from ZeroMQ, comes back through expired leases, and every article is
# still recorded exactly once.
. "$NM_SOURCE_DIR/tests/lib.sh"
sample="$NM_SOURCE_DIR/deploy/sample"
n=$(jq length "$sample/expected.json")

nm_newdb e2e_kill
nm_endpoints
nm_httpd "$sample"
export NEWSMILL_PUBLISHER_LEASE_SECONDS=4
export NEWSMILL_FETCHER_CONCURRENCY=2

"$NEWSMILL" db migrate >/dev/null
# every page takes 400 ms: the run lasts long enough to be interrupted
"$NEWSMILL" feed add "$HTTPD/_slow/400/feed.xml" >/dev/null
nm_start publisher
nm_start parser
nm_start summarizer
nm_start fetcher

wait_sql 60 "SELECT count(*) >= 3 FROM articles" t || fail "pipeline did not start"
kill -KILL "$NM_PID_summarizer" "$NM_PID_fetcher"
done_at_kill=$(sql "SELECT count(*) FROM articles")
ok "killed summarizer and fetcher with $done_at_kill of $n articles done"
sleep 1
nm_start summarizer summarizer2
nm_start fetcher fetcher2
wait_sql 30 "SELECT count(*) > $done_at_kill FROM articles" t || fail "no progress after restart"
kill -KILL "$NM_PID_parser"
sleep 1
nm_start parser parser2

wait_sql 120 "SELECT count(*) FROM articles" "$n" || fail "expected $n articles after kills"
wait_sql 60 "SELECT count(*) FROM jobs WHERE kind='article' AND state='done'" "$n" || fail "article jobs not all done"
[ "$(sql "SELECT count(DISTINCT canonical_url) FROM articles")" = "$n" ] || fail "duplicate articles"
[ "$(sql "SELECT count(*) FROM summaries")" = "$n" ] || fail "expected exactly $n summaries"
[ "$(sql "SELECT count(*) FROM jobs WHERE state IN ('leased','dead','failed')")" = 0 ] || fail "jobs left leased, dead or failed"
ok "all $n articles exactly once after SIGKILLs; $(sql "SELECT count(*) FROM jobs WHERE kind='article' AND attempt > 1") needed a second lease"

#!/usr/bin/env bash
# Every worker serves Prometheus text metrics over HTTP (nm_metrics) while
# the sample corpus goes through the pipeline: the test scrapes each one
# twice and checks the values moved (messages, fetch latency and bytes,
# status classes, extraction time, publisher job counts from PostgreSQL),
# that the exposition is well-formed, and that a bad address is refused.
source "$(dirname "$0")/../lib.sh"
sample="$NM_SOURCE_DIR/deploy/sample"
n=$(jq length "$sample/expected.json")

nm_newdb metrics
nm_endpoints
nm_httpd "$sample"
# port 0: each worker picks a free port and logs it
for w in PUBLISHER FETCHER PARSER SUMMARIZER; do export "NEWSMILL_METRICS_$w=127.0.0.1:0"; done
"$NEWSMILL" db migrate >/dev/null
"$NEWSMILL" feed add "$HTTPD/feed.xml" >/dev/null
"$NEWSMILL" feed add "$HTTPD/_redirect/1/_status/404" >/dev/null   # a broken feed, behind a redirect: per-feed errors

port_of() {   # the port a worker logged
    local w=$1 p=""
    for _ in $(seq 100); do
        p=$(sed -n 's|.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$NM_TMP/$w.log" | tail -n 1)
        [ -n "$p" ] && break
        sleep 0.05
    done
    [ -n "$p" ] || fail "$w did not log its metrics address"
    echo "$p"
}
scrape() { curl -sf "http://127.0.0.1:$1/metrics"; }
value() {    # value TEXT 'series{labels}' -> number (0 if absent)
    awk -v s="$2" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }' <<<"$1"
}

nm_start publisher
nm_start parser
nm_start summarizer
declare -A port
for w in publisher parser summarizer; do port[$w]=$(port_of $w); done
before_parser=$(scrape "${port[parser]}") || fail "scrape parser"
[ "$(value "$before_parser" 'newsmill_messages_received_total{kind="page"}')" = 0 ] || fail "parser counted pages before any fetcher ran"
nm_start fetcher
port[fetcher]=$(port_of fetcher)

wait_sql 90 "SELECT count(*) FROM articles" "$n" || fail "expected $n articles"
wait_sql 30 "SELECT count(*) FROM summaries" "$n" || fail "expected $n summaries"

f=$(scrape "${port[fetcher]}") || fail "scrape fetcher"
p=$(scrape "${port[parser]}") || fail "scrape parser"
s=$(scrape "${port[summarizer]}") || fail "scrape summarizer"
sleep 5.2   # the publisher caches its database queries for 5 s
pub=$(scrape "${port[publisher]}") || fail "scrape publisher"

# well-formed: every sample line is NAME[{labels}] VALUE, every family typed once
for text in "$f" "$p" "$s" "$pub"; do
    bad=$(grep -v '^#' <<<"$text" | grep -Ev '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+Inf-]+$' || true)
    [ -z "$bad" ] || fail "malformed exposition lines: $bad"
    dup=$(grep '^# TYPE' <<<"$text" | sort | uniq -d)
    [ -z "$dup" ] || fail "family typed twice: $dup"
done
grep -q 'newsmill_build_info{worker="fetcher"' <<<"$f" || fail "fetcher build_info"

ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
ge "$(value "$f" 'newsmill_fetches_total{class="page"}')" $((n + 1)) || fail "fetcher: pages fetched: $(grep fetches_total <<<"$f")"
ge "$(value "$f" 'newsmill_fetch_responses_total{status="2xx"}')" $((n + 1)) || fail "fetcher: 2xx count"
ge "$(value "$f" 'newsmill_fetch_bytes_total')" 10000 || fail "fetcher: bytes"
ge "$(value "$f" 'newsmill_fetch_duration_seconds_count{class="page"}')" $((n + 1)) || fail "fetcher: latency histogram"
[ "$(value "$f" 'newsmill_fetch_duration_seconds_bucket{class="page",le="+Inf"}')" = "$(value "$f" 'newsmill_fetch_duration_seconds_count{class="page"}')" ] \
    || fail "fetcher: +Inf bucket != count"
ge "$(value "$f" 'newsmill_fetch_redirects_total')" 1 || fail "fetcher: redirects: $(grep redirects_total <<<"$f")"
ge "$(value "$f" 'newsmill_messages_sent_total{kind="page"}')" $((n + 1)) || fail "fetcher: pages sent"
ge "$(value "$f" 'newsmill_messages_received_total{kind="job"}')" $((n + 1)) || fail "fetcher: jobs received"
ok "fetcher: fetches, status classes, bytes, latency histogram, redirects, messages"

ge "$(value "$p" 'newsmill_messages_received_total{kind="page"}')" $((n + 1)) || fail "parser: pages in"
ge "$(value "$p" 'newsmill_messages_sent_total{kind="article_result"}')" "$n" || fail "parser: articles out"
[ "$(value "$p" 'newsmill_extract_seconds_count{result="article"}')" = "$n" ] || fail "parser: extraction timings: $(grep extract_seconds_count <<<"$p")"
ge "$(value "$s" 'newsmill_messages_received_total{kind="article_result"}')" "$n" || fail "summarizer: articles in"
ok "parser and summarizer: messages in and out, extraction time"

[ "$(value "$pub" 'newsmill_database_up')" = 1 ] || fail "publisher: database_up"
[ "$(value "$pub" 'newsmill_jobs{kind="article",state="done"}')" = "$n" ] || fail "publisher: jobs by state: $(grep '^newsmill_jobs' <<<"$pub")"
ge "$(value "$pub" 'newsmill_results_total{outcome="stored"}')" "$n" || fail "publisher: results stored"
ge "$(value "$pub" 'newsmill_messages_received_total{kind="article_result"}')" "$n" || fail "publisher: results received"
grep -q '^newsmill_oldest_due_job_age_seconds ' <<<"$pub" || fail "publisher: oldest due job age"
grep -q '^newsmill_feed_errors{feed_id=' <<<"$pub" || fail "publisher: per-feed errors (the broken feed)"
ok "publisher: job counts by state, results, per-feed errors, oldest due job"

# a rejected message is counted by reason
timeout 5 "$NM_BUILD_DIR/tests/servers/nm_zsend" "$NEWSMILL_PARSER_BIND" garbage >/dev/null 2>&1 || true
for _ in $(seq 50); do
    p=$(scrape "${port[parser]}")
    [ "$(value "$p" 'newsmill_messages_rejected_total{reason="undecodable"}')" != 0 ] && break
    sleep 0.1
done
[ "$(value "$p" 'newsmill_messages_rejected_total{reason="undecodable"}')" != 0 ] || fail "parser: rejection by reason not counted"
ok "rejections counted by reason"

# a metrics address that cannot be served is a start-up error, not a silent gap
NEWSMILL_METRICS_PARSER="127.0.0.1:${port[fetcher]}" NEWSMILL_PARSER_BIND="ipc://$NM_TMP/parser2" \
    timeout 10 "$NM_BUILD_DIR/parser/newsmill-parser" >"$NM_TMP/parser2.log" 2>&1 && fail "parser started on a port in use"
grep -q "metrics" "$NM_TMP/parser2.log" || fail "no reason logged for the metrics address"
ok "a metrics port in use stops the worker with a reason"

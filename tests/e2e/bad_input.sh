#!/usr/bin/env bash
# Bad input ends as a recorded job outcome or a counted rejection with a
# reason, never a crash or a lost job: 404, not HTML, empty body, timeout,
# 5xx, a feed that is not a feed, and hostile messages on every socket.
. "$NM_SOURCE_DIR/tests/lib.sh"
root="$NM_TMP/www"
mkdir -p "$root"
cp "$NM_SOURCE_DIR"/tests/e2e/data/bad/* "$root/"
cp "$NM_SOURCE_DIR/deploy/sample/articles/3317991.html" "$root/good.html"

nm_newdb e2e_bad
nm_endpoints
nm_httpd "$root"
export NEWSMILL_PUBLISHER_LEASE_SECONDS=20
export NEWSMILL_PUBLISHER_MAX_ATTEMPTS=2
export NEWSMILL_PUBLISHER_BACKOFF_BASE_SECONDS=1
export NEWSMILL_PUBLISHER_BACKOFF_MAX_SECONDS=2
export NEWSMILL_FETCHER_TIMEOUT_SECONDS=2

"$NEWSMILL" db migrate >/dev/null
"$NEWSMILL" feed add "$HTTPD/feed.xml" >/dev/null
"$NEWSMILL" feed add "$HTTPD/notafeed.html" >/dev/null
nm_start publisher
nm_start parser
nm_start summarizer
nm_start fetcher

# hostile messages at every receiving socket, while the pipeline runs
zsend="$NM_BUILD_DIR/tests/servers/nm_zsend"
for ep in "$NEWSMILL_PUBLISHER_SINK_ENDPOINT" "$NEWSMILL_PARSER_BIND" "$NEWSMILL_SUMMARIZER_BIND"; do
    "$zsend" "$ep" garbage empty nobody badversion multipart page-nojob || fail "nm_zsend to $ep"
done

wait_sql 60 "SELECT count(*) FROM articles" 1 || fail "the good article was not published"
wait_sql 60 "SELECT count(*) FROM jobs WHERE kind='article' AND state IN ('done','failed','dead')" 6 \
    || { sql "SELECT url, state, attempt, last_error FROM jobs" >&2; fail "not every article job ended"; }

check_job() {  # URL-suffix expected-state reason-pattern
    local row
    row=$(sql "SELECT state || '|' || coalesce(last_error,'') FROM jobs WHERE url LIKE '%$1'")
    [[ "${row%%|*}" = "$2" ]] || fail "job $1: state '${row%%|*}', expected '$2' ($row)"
    echo "${row#*|}" | grep -qiE "$3" || fail "job $1: reason '${row#*|}' does not match /$3/"
    ok "$1 -> $2: ${row#*|}"
}
check_job /_status/404 failed '404'
check_job /_binary failed 'not an article|not html|binary'
check_job /_empty failed 'empty'
check_job /_hang dead 'time'
check_job /_status/503 dead '503'
check_job /good.html done ''

# a broken feed is never dropped: recorded, counted, retried
wait_sql 30 "SELECT error_count > 0 AND last_error ILIKE '%feed%' FROM feeds WHERE url LIKE '%notafeed.html'" t \
    || fail "broken feed error not recorded"
[ "$(sql "SELECT state FROM jobs WHERE url LIKE '%notafeed.html'")" = pending ] || fail "broken feed not kept for retry"
ok "broken feed recorded and kept: $(sql "SELECT last_error FROM feeds WHERE url LIKE '%notafeed.html'")"

# hostile messages were logged as rejections, and every worker is still alive
for w in publisher parser summarizer; do
    grep -qi "rejected" "$NM_TMP/$w.log" || fail "$w did not log the rejected messages"
    pid_var="NM_PID_$w"
    kill -0 "${!pid_var}" || fail "$w died"
done
ok "hostile messages rejected with reasons; workers alive"
"$NEWSMILL" status >"$NM_TMP/status.txt" || fail "newsmill status failed"
grep -q "404" "$NM_TMP/status.txt" || fail "status does not show the failed job's reason"
ok "status shows failed jobs with reasons"

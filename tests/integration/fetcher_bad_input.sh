#!/usr/bin/env bash
# The misbehaving server against the real pipeline: every bad input ends as a
# job outcome recorded in PostgreSQL with its reason, within its limits, and
# the fetcher stays up. The private-address block is on, with the test
# server as the one exception (fetcher.allow_hosts), and robots.txt is obeyed.
. "$NM_SOURCE_DIR/tests/lib.sh"
root="$NM_TMP/www"
mkdir -p "$root/private"
cp "$NM_SOURCE_DIR/deploy/sample/articles/3317991.html" "$root/good.html"
echo '<p>secret</p>' > "$root/private/x.html"
printf 'User-agent: *\nDisallow: /private/\n' > "$root/robots.txt"

nm_newdb fetcher_bad
nm_endpoints
nm_httpd "$root"
export NEWSMILL_FETCHER_ALLOW_PRIVATE=false
export NEWSMILL_FETCHER_ALLOW_HOSTS="127.0.0.1:$HTTPD_PORT"
export NEWSMILL_FETCHER_TIMEOUT_SECONDS=3
export NEWSMILL_FETCHER_LOW_SPEED_BYTES=1000
export NEWSMILL_FETCHER_LOW_SPEED_SECONDS=1
export NEWSMILL_FETCHER_MAX_BYTES=1048576
export NEWSMILL_FETCHER_PER_HOST_CONCURRENCY=4
export NEWSMILL_PUBLISHER_LEASE_SECONDS=30

"$NEWSMILL" db migrate >/dev/null
"$NEWSMILL" feed add "$HTTPD/feed.rss?ct=text/html" >/dev/null

# a feed served as text/html (the parser sniffs it) that links to a good page
cat > "$root/feed.rss" <<EOF
<?xml version="1.0"?><rss version="2.0"><channel><title>Bad input feed</title>
<item><title>Good</title><link>$HTTPD/good.html</link><guid>g1</guid></item>
</channel></rss>
EOF

# path | expected state | reason pattern (one attempt each: transient ends dead)
cases=(
    "/_drip/50/100000|dead|too slow"
    "/_endless|failed|too large"
    "/_bomb|failed|too large"
    "/_large/50000000?ct=application/rss%2Bxml|failed|too large"
    "/_redirect_loop|failed|too many redirects"
    "/_redirect_to?url=http%3A%2F%2F10.0.0.1%2F|failed|blocked address: private 10.0.0.1"
    "/_redirect_to?url=http%3A%2F%2F169.254.169.254%2F|failed|metadata"
    "/_truncated/5000|dead|truncated"
    "/_retry_after/30?code=429|dead|429"
    "/_reset|dead|connection"
    "/private/x.html|failed|disallowed by robots.txt"
    "/_redirect_to?url=%2Fprivate%2Fx.html|failed|disallowed by robots.txt .*redirect to http://127.0.0.1:[0-9]+/private/x.html"
    "/_hang|dead|timeout"
)
for c in "${cases[@]}"; do
    path=${c%%|*}
    sql "INSERT INTO jobs (kind, url, max_attempts) VALUES ('article', '$HTTPD$path', 1)"
done
n=${#cases[@]}

start=$SECONDS
nm_start publisher
nm_start parser
nm_start summarizer
nm_start fetcher

wait_sql 60 "SELECT count(*) FROM jobs WHERE kind='article' AND url NOT LIKE '%good.html' AND state IN ('failed','dead')" "$n" \
    || { sql "SELECT url, state, last_error FROM jobs" >&2; fail "not every bad input ended"; }
took=$((SECONDS - start))
[ "$took" -le 20 ] || fail "bad inputs took ${took}s to end (limits are 3 s each)"

for c in "${cases[@]}"; do
    IFS='|' read -r path want pattern <<<"$c"
    row=$(sql "SELECT state || '|' || coalesce(last_error, '') FROM jobs WHERE url = '$HTTPD$path'")
    [ "${row%%|*}" = "$want" ] || fail "$path: state '${row%%|*}', expected '$want' ($row)"
    echo "${row#*|}" | grep -qiE "$pattern" || fail "$path: reason '${row#*|}' does not match /$pattern/"
    ok "$path -> $want: ${row#*|}"
done

# the feed served as text/html was parsed, and its article fetched
wait_sql 30 "SELECT state FROM jobs WHERE url = '$HTTPD/good.html'" done \
    || { sql "SELECT url, state, last_error FROM jobs" >&2; fail "feed served as text/html: article not done"; }
ok "feed served as text/html -> its article published"

kill -0 "$NM_PID_fetcher" || fail "the fetcher died"
# robots.txt was asked for once for the host, not once per job
command -v curl >/dev/null && hits=$(curl -s "$HTTPD/_stats" | grep -o '"path":"/robots.txt","count":[0-9]*' | grep -o '[0-9]*$')
command -v curl >/dev/null && { [ "$hits" = 1 ] || fail "robots.txt requested ${hits:-0} times, expected once"; }
ok "all $n bad inputs recorded in ${took}s; robots.txt fetched once; fetcher alive"

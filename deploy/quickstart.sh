#!/usr/bin/env bash
# newsmill quickstart: the whole pipeline, offline, on the bundled sample news.
#
# Installs missing Debian packages, builds, starts a private PostgreSQL under
# ./var, serves deploy/sample/ (an RSS feed and 20 article pages) on a
# loopback HTTP server, runs the four workers until every sample article is
# published, prints the day's digest and an example SQL query, then stops
# everything it started. Re-running starts from a fresh database.
#
#   ./deploy/quickstart.sh          the offline demo (about a minute)
#   ./deploy/quickstart.sh --live   poll the real feeds in deploy/feeds.default
#                                   and keep running until Ctrl-C
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
live=0
case "${1:-}" in
    --live) live=1 ;;
    "") ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--live]" >&2; exit 2 ;;
esac

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

say "checking Debian packages"
deploy/install-deps.sh
say "building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >build/quickstart-build.log 2>&1 \
    || { tail -n 30 build/quickstart-build.log >&2; echo "build failed" >&2; exit 1; }

var="$root/var"
mkdir -p "$var/log"
run=$(mktemp -d /tmp/newsmill-run.XXXXXX)   # ipc socket paths must stay short
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    tests/pg.sh stop "$var/pg"
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting PostgreSQL in var/pg"
eval "$(tests/pg.sh start "$var/pg")"
db=newsmill
[ $live = 1 ] && db=newsmill_live
if [ $live = 0 ] || ! psql -X -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
    tests/pg.sh createdb "$db" >/dev/null
fi
export NEWSMILL_DATABASE_URL="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db"
export NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT="ipc://$run/dispatch"
export NEWSMILL_PUBLISHER_SINK_ENDPOINT="ipc://$run/sink"
export NEWSMILL_FETCHER_PARSER_ENDPOINTS="ipc://$run/parser"
export NEWSMILL_PARSER_BIND="ipc://$run/parser"
export NEWSMILL_PARSER_SUMMARIZER_ENDPOINTS="ipc://$run/summarizer"
export NEWSMILL_SUMMARIZER_BIND="ipc://$run/summarizer"
newsmill=build/cli/newsmill
$newsmill db migrate >/dev/null

if [ $live = 0 ]; then
    say "serving the sample corpus on loopback"
    build/tests/servers/nm_test_httpd --root deploy/sample --port 0 --port-file "$run/port" \
        >"$var/log/httpd.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$run/port" ] && break; sleep 0.05; done
    export NEWSMILL_FETCHER_ALLOW_PRIVATE=true   # the sample server is on 127.0.0.1
    export NEWSMILL_FETCHER_PER_HOST_DELAY_MS=0  # ... and it is ours: no need for politeness
    export NEWSMILL_FETCHER_PER_HOST_CONCURRENCY=0
    $newsmill feed add "http://127.0.0.1:$(cat "$run/port")/feed.xml" >/dev/null
else
    # URL [include=RE] [exclude=RE]  # comment   (see deploy/feeds.default)
    grep -vE '^\s*(#|$)' deploy/feeds.default | sed 's/[[:space:]]#.*//' | while read -r -a words; do
        rules=()
        for w in "${words[@]:1}"; do
            case $w in
                include=?*) rules+=(--include "${w#include=}") ;;
                exclude=?*) rules+=(--exclude "${w#exclude=}") ;;
            esac
        done
        $newsmill feed add "${words[0]}" "${rules[@]}" >/dev/null
    done
fi

say "starting publisher, parser, summarizer, fetcher (logs in var/log/)"
for w in publisher parser summarizer fetcher; do
    "build/$w/newsmill-$w" >"$var/log/$w.log" 2>&1 &
    pids+=($!)
done

count() { psql -X -tA -d "$db" -c "SELECT count(*) FROM articles" 2>/dev/null || echo 0; }

if [ $live = 1 ]; then
    say "polling live feeds; Ctrl-C to stop. 'build/cli/newsmill status' shows progress"
    while sleep 30; do echo "$(date -u +%H:%M:%S) articles: $(count)" >&2; done
fi

want=$(grep -c '<item>' deploy/sample/feed.xml)
start=$SECONDS
while [ "$(count)" -lt "$want" ]; do
    if [ $((SECONDS - start)) -gt 180 ]; then
        echo "timed out: $(count) of $want articles; see var/log/" >&2
        $newsmill status >&2 || true
        exit 1
    fi
    sleep 0.3
done
say "all $want sample articles published in $((SECONDS - start)) s"

say "the digest (newsmill digest --date 2025-07-13)"
$newsmill digest --date 2025-07-13

query="SELECT a.source_site, a.title, left(s.summary, 80) || '…' AS summary
FROM articles a JOIN summaries s ON s.article_id = a.id
WHERE to_tsvector('english', coalesce(a.title, '') || ' ' || coalesce(a.text, ''))
      @@ websearch_to_tsquery('english', 'moon')
ORDER BY a.published_at;"
say "an example SQL query (psql \"$NEWSMILL_DATABASE_URL\")"
echo "$query"
psql -X -d "$db" -c "$query"

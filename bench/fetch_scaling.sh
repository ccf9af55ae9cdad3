#!/usr/bin/env bash
# fetch_scaling: does adding fetchers raise throughput with no other change?
#
#   bench/fetch_scaling.sh [BUILD_DIR]        (or: make -C BUILD_DIR fetch_scaling)
#
# The real pipeline on one machine: a private PostgreSQL, a fresh database
# seeded with N article jobs (SQL), newsmill-publisher, -parser and
# -summarizer, and nm_test_httpd answering every request after 200 ms
# (/_slow/200/...). Then 1, 2 and 4 newsmill-fetcher processes, each with
# fetcher.concurrency=8 so that one fetcher is the bottleneck (at most
# 8 / 0.2 s = 40 pages/s). For each count it prints pages per second: all N
# jobs from the fetchers' start until the publisher has recorded them done,
# and the steady rate between 10% and 90% done. Medians over RUNS runs.
#
# Knobs (environment): NM_BENCH_PAGES (600), NM_BENCH_RUNS (3),
# NM_BENCH_CONCURRENCY (8), NM_BENCH_FETCHERS ("1 2 4").
# The target of issue 3: 4 fetchers >= 3x one.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
B=$(realpath "${1:-${NM_BUILD:-$src/build}}")
N=${NM_BENCH_PAGES:-600}
RUNS=${NM_BENCH_RUNS:-3}
CONC=${NM_BENCH_CONCURRENCY:-8}
FETCHERS=${NM_BENCH_FETCHERS:-"1 2 4"}
for f in cli/newsmill tests/servers/nm_test_httpd fetcher/newsmill-fetcher publisher/newsmill-publisher \
         parser/newsmill-parser summarizer/newsmill-summarizer; do
    [ -x "$B/$f" ] || { echo "fetch_scaling: $B/$f missing: build first" >&2; exit 1; }
done

T=$(mktemp -d /tmp/nm-bench-fetch.XXXXXX)
pgdir="$B/bench-pg"
PIDS=()
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
    done
    PIDS=()
}
httpd_pid=""
cleanup() {
    stop_all
    [ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null || true
    "$src/tests/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT
eval "$("$src/tests/pg.sh" start "$pgdir")"

# A realistic article page (no canonical link, so each URL is its own article).
mkdir -p "$T/www"
grep -v -e 'rel="canonical"' -e 'og:url' "$src/deploy/sample/articles/3317991.html" > "$T/www/article.html"
"$B/tests/servers/nm_test_httpd" --root "$T/www" --port 0 --port-file "$T/port" >"$T/httpd.log" 2>&1 &
httpd_pid=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port")

export NEWSMILL_LOG_LEVEL=warning
export NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT="ipc://$T/dispatch"
export NEWSMILL_PUBLISHER_SINK_ENDPOINT="ipc://$T/sink"
export NEWSMILL_FETCHER_PARSER_ENDPOINTS="ipc://$T/parser"
export NEWSMILL_PARSER_BIND="ipc://$T/parser"
export NEWSMILL_PARSER_SUMMARIZER_ENDPOINTS="ipc://$T/summarizer"
export NEWSMILL_SUMMARIZER_BIND="ipc://$T/summarizer"
export NEWSMILL_FETCHER_CONCURRENCY=$CONC
# one loopback host stands in for many sites: no per-host limits, and the
# private-address block stays on with this one server as its exception
export NEWSMILL_FETCHER_PER_HOST_CONCURRENCY=0
export NEWSMILL_FETCHER_PER_HOST_DELAY_MS=0
export NEWSMILL_FETCHER_ALLOW_PRIVATE=false
export NEWSMILL_FETCHER_ALLOW_HOSTS="127.0.0.1:$PORT"
export NEWSMILL_PUBLISHER_LEASE_SECONDS=120

sqlq() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d nm_bench_fetch -c "$1"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# one_run K: prints "total_pps steady_pps"
one_run() {
    local k=$1 i t0 t10=0 t90=0 t1 done_n=0
    NEWSMILL_DATABASE_URL=$("$src/tests/pg.sh" createdb nm_bench_fetch)
    export NEWSMILL_DATABASE_URL
    "$B/cli/newsmill" db migrate >/dev/null
    sqlq "INSERT INTO jobs (kind, url) SELECT 'article',
          'http://127.0.0.1:$PORT/_slow/200/article.html?n=' || g FROM generate_series(1, $N) g"
    for w in publisher parser summarizer; do
        "$B/$w/newsmill-$w" >>"$T/$w.log" 2>&1 &
        PIDS+=($!)
    done
    sleep 1   # the publisher binds and migrates before anyone asks for work
    t0=$(now_ms)
    for i in $(seq "$k"); do
        NEWSMILL_FETCHER_ID="bench-fetcher-$i" "$B/fetcher/newsmill-fetcher" >>"$T/fetcher$i.log" 2>&1 &
        PIDS+=($!)
    done
    local deadline=$(( t0 + 600000 ))
    while :; do
        done_n=$(sqlq "SELECT count(*) FROM jobs WHERE state IN ('done', 'failed', 'dead')")
        local t=$(now_ms)
        [ "$t10" = 0 ] && [ "$done_n" -ge $(( N / 10 )) ] && t10=$t
        [ "$t90" = 0 ] && [ "$done_n" -ge $(( N * 9 / 10 )) ] && t90=$t
        [ "$done_n" -ge "$N" ] && break
        [ "$t" -lt "$deadline" ] || { echo "fetch_scaling: timed out at $done_n/$N" >&2; break; }
        sleep 0.05
    done
    t1=$(now_ms)
    local ok_n
    ok_n=$(sqlq "SELECT count(*) FROM jobs WHERE state = 'done'")
    [ "$ok_n" = "$N" ] || echo "fetch_scaling: only $ok_n of $N jobs done: $(sqlq \
        "SELECT state || ' ' || coalesce(last_error, '') FROM jobs WHERE state <> 'done' LIMIT 3")" >&2
    stop_all
    awk -v n="$N" -v a="$t0" -v b="$t1" -v c="$t10" -v d="$t90" \
        'BEGIN { printf "%.1f %.1f\n", n * 1000 / (b - a), (d > c ? (n * 0.8) * 1000 / (d - c) : 0) }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "fetch_scaling: $N pages per run, 200 ms per answer, fetcher.concurrency=$CONC, $RUNS runs, $(nproc) cores"
printf "%-9s %-28s %-28s %s\n" fetchers "pages/s (all N, median)" "pages/s (10-90%, median)" "vs 1"
base=""
for k in $FETCHERS; do
    : >"$T/runs"
    for r in $(seq "$RUNS"); do one_run "$k" >>"$T/runs"; done
    tot=$(cut -d' ' -f1 "$T/runs" | median)
    steady=$(cut -d' ' -f2 "$T/runs" | median)
    [ -n "$base" ] || base=$tot
    printf "%-9s %-28s %-28s %s\n" "$k" "$tot   [$(cut -d' ' -f1 "$T/runs" | tr '\n' ' ')]" "$steady" \
        "$(awk -v a="$tot" -v b="$base" 'BEGIN { printf "%.2fx", a / b }')"
done

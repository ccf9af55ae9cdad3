# Shell helpers for integration and end-to-end tests: source it.
#
# Expects tests/run.sh to have started PostgreSQL (PGHOST etc.) and ctest to
# set NM_SOURCE_DIR and NM_BUILD_DIR. Everything a test starts is stopped by
# the EXIT trap; every test gets its own database, temp dir and ipc endpoints.
set -euo pipefail

: "${NM_SOURCE_DIR:?run under ctest (tests/run.sh)}"
: "${NM_BUILD_DIR:?run under ctest (tests/run.sh)}"
[ -n "${PGHOST:-}" ] || { echo "FAIL: PostgreSQL is not running: start the suite with tests/run.sh" >&2; exit 1; }

NM_TMP=$(mktemp -d /tmp/nm-test.XXXXXX)
NM_PIDS=()
NEWSMILL="$NM_BUILD_DIR/cli/newsmill"
export NEWSMILL_LOG_LEVEL=${NEWSMILL_LOG_LEVEL:-info}

nm_cleanup() {
    local pid
    for pid in "${NM_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${NM_PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ "${NM_KEEP_TMP:-0}" = 1 ]; then echo "kept $NM_TMP" >&2; else rm -rf "$NM_TMP"; fi
}
trap nm_cleanup EXIT

fail() { echo "FAIL: $*" >&2; nm_dump_logs; exit 1; }
ok() { echo "ok: $*"; }

nm_dump_logs() {
    local f
    for f in "$NM_TMP"/*.log; do
        [ -e "$f" ] || continue
        echo "---- $(basename "$f") (last 30 lines)" >&2
        tail -n 30 "$f" >&2
    done
}

# nm_newdb NAME: a fresh database; exports NEWSMILL_DATABASE_URL and NM_DB.
nm_newdb() {
    NM_DB="nm_$1"
    export NEWSMILL_DATABASE_URL
    NEWSMILL_DATABASE_URL=$("$NM_SOURCE_DIR/tests/pg.sh" createdb "$NM_DB")
}

sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$NM_DB" -c "$1"; }

# nm_httpd ROOT: serve ROOT on a free loopback port; sets HTTPD_PORT, HTTPD.
nm_httpd() {
    local root=$1 portfile="$NM_TMP/httpd.port"
    rm -f "$portfile"
    "$NM_BUILD_DIR/tests/servers/nm_test_httpd" --root "$root" --port 0 --port-file "$portfile" \
        >"$NM_TMP/httpd.log" 2>&1 &
    NM_PIDS+=($!)
    for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.05; done
    [ -s "$portfile" ] || fail "test HTTP server did not start"
    HTTPD_PORT=$(cat "$portfile")
    HTTPD="http://127.0.0.1:$HTTPD_PORT"
}

# nm_endpoints: ipc endpoints private to this test, exported as configuration.
nm_endpoints() {
    export NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT="ipc://$NM_TMP/dispatch"
    export NEWSMILL_PUBLISHER_SINK_ENDPOINT="ipc://$NM_TMP/sink"
    export NEWSMILL_FETCHER_PARSER_ENDPOINTS="ipc://$NM_TMP/parser"
    export NEWSMILL_PARSER_BIND="ipc://$NM_TMP/parser"
    export NEWSMILL_PARSER_SUMMARIZER_ENDPOINTS="ipc://$NM_TMP/summarizer"
    export NEWSMILL_SUMMARIZER_BIND="ipc://$NM_TMP/summarizer"
    export NEWSMILL_FETCHER_ALLOW_PRIVATE=true
    # one loopback server stands in for many sites: no per-host limits
    # (politeness has its own tests: unit/test_fetch_polite, fetcher_bad_input.sh)
    export NEWSMILL_FETCHER_PER_HOST_DELAY_MS=${NEWSMILL_FETCHER_PER_HOST_DELAY_MS:-0}
    export NEWSMILL_FETCHER_PER_HOST_CONCURRENCY=${NEWSMILL_FETCHER_PER_HOST_CONCURRENCY:-0}
}

# nm_start WORKER [NAME]: start newsmill-WORKER in the background, log to
# $NM_TMP/NAME.log; sets NM_PID_<NAME>.
nm_start() {
    local worker=$1 name=${2:-$1}
    "$NM_BUILD_DIR/$worker/newsmill-$worker" >>"$NM_TMP/$name.log" 2>&1 &
    local pid=$!
    NM_PIDS+=("$pid")
    printf -v "NM_PID_$name" '%s' "$pid"
}

# wait_sql TIMEOUT_S QUERY EXPECTED: poll until QUERY prints EXPECTED.
wait_sql() {
    local timeout=$1 q=$2 want=$3 got="" end=$((SECONDS + $1))
    while [ $SECONDS -lt $end ]; do
        got=$(sql "$q" 2>/dev/null || true)
        [ "$got" = "$want" ] && return 0
        sleep 0.2
    done
    echo "waited ${timeout}s for [$q] = [$want], last got [$got]" >&2
    return 1
}

# stop_and_wait PID SECONDS: SIGTERM, and fail unless it exits in time with 0.
stop_and_wait() {
    local pid=$1 secs=$2 rc=0
    kill -TERM "$pid"
    for _ in $(seq $((secs * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "process $pid still running ${secs}s after SIGTERM"
    wait "$pid" || rc=$?
    [ "$rc" = 0 ] || fail "process $pid exited with status $rc after SIGTERM"
}

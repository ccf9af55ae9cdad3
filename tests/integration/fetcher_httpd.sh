#!/usr/bin/env bash
# nm_test_httpd's command-line contract (other tests and the quickstart rely
# on it) and newsmill-fetcher's flags.
set -euo pipefail
B=${NM_BUILD_DIR:?NM_BUILD_DIR must point at the build directory}
command -v curl >/dev/null || { echo "skip: no curl command"; exit 0; }
HTTPD=$B/tests/servers/nm_test_httpd
FETCHER=$B/fetcher/newsmill-fetcher
T=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$T/root/dir"
echo '<p>index</p>' > "$T/root/dir/index.html"
echo 'secret' > "$T/secret.txt"

"$HTTPD" --root "$T/root" --port-file "$T/port" --log "$T/log" > "$T/out" &
pid=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
P=$(cat "$T/port")
grep -qx "port $P" "$T/out" || fail "stdout should say 'port $P', got: $(cat "$T/out")"
U=http://127.0.0.1:$P

[ "$(curl -s "$U/dir/")" = '<p>index</p>' ] || fail "directory index"
[ "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$U/../secret.txt")" != 200 ] || fail "path traversal"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U/_status/502")" = 502 ] || fail "/_status"
[ "$(curl -s -o /dev/null -w '%{http_code}' -L "$U/_redirect/2/dir/")" = 200 ] || fail "/_redirect"
[ "$(curl -s "$U/_large/12345" | wc -c)" = 12345 ] || fail "/_large"
[ "$(curl -s "$U/_bomb" | head -c 100000000 | gzip -dc 2>/dev/null | head -c 3000000 | wc -c)" = 3000000 ] || fail "/_bomb inflates"
curl -s "$U/_stats" | grep -q '"path":"/_large/12345","count":1' || fail "/_stats"
grep -q ' /_status/502 502' "$T/log" || fail "--log"

start=$(date +%s%N)
kill -TERM "$pid"; wait "$pid" || fail "exit status after SIGTERM"
pid=""
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 3000 ] || fail "slow to stop"

"$FETCHER" --help | grep -q 'usage: newsmill-fetcher' || fail "newsmill-fetcher --help"
set +e; "$FETCHER" --bogus 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "newsmill-fetcher --bogus should exit 2, got $rc"
echo "ok"

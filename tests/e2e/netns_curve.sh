#!/usr/bin/env bash
# Across hosts, on one machine: three network namespaces joined by a bridge.
# Host A runs the publisher, a parser and a summarizer (and the sample web
# server); hosts B and C each run a fetcher. Every tcp:// endpoint uses
# CurveZMQ with an allow-list of client keys (nm_curve): the sample corpus is
# published through fetchers on both hosts, and a third fetcher whose key is
# not allowed is refused (logged, counted) and never gets a job.
# PostgreSQL stays on this host's unix socket, reachable from every namespace
# through the filesystem. Needs root (ip netns).
source "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || fail "needs root for ip netns"
sample="$NM_SOURCE_DIR/deploy/sample"
n=$(jq length "$sample/expected.json")

tag=$(( $$ % 100000 ))
A=nmA$tag B=nmB$tag C=nmC$tag
netns_cleanup() {
    nm_cleanup
    for ns in $A $B $C; do ip netns del "$ns" 2>/dev/null || true; done
}
trap netns_cleanup EXIT
for ns in $A $B $C; do
    ip netns add "$ns" || fail "ip netns add $ns"
    ip -n "$ns" link set lo up
done
ip -n $A link add br0 type bridge
ip -n $A addr add 10.77.0.1/24 dev br0
ip -n $A link set br0 up
i=2
for ns in $B $C; do
    ip link add "v$ns" type veth peer name "p$ns" || fail "veth"
    ip link set "v$ns" netns $A
    ip link set "p$ns" netns "$ns"
    ip -n $A link set "v$ns" master br0 up
    ip -n "$ns" addr add "10.77.0.$i/24" dev "p$ns"
    ip -n "$ns" link set "p$ns" up
    i=$((i + 1))
done
ip -n $A link show br0 | grep -q "state UP\|UNKNOWN" || true
ok "three hosts: A 10.77.0.1, B 10.77.0.2, C 10.77.0.3"

# keys: one server pair for A's binding sockets, one client pair per process
keys="$NM_TMP/keys"
mkdir -p "$keys"
"$NEWSMILL" keygen "$keys/server" "$keys/a" "$keys/b" "$keys/c" "$keys/rogue" >"$NM_TMP/keygen.out" || fail keygen
[ "$(stat -c %a "$keys/b.secret")" = 600 ] || fail "secret key file is not 0600"
server_pub=$(awk -v f="$keys/server" '$1 == f { print $2 }' "$NM_TMP/keygen.out")
rogue_pub=$(awk -v f="$keys/rogue" '$1 == f { print $2 }' "$NM_TMP/keygen.out")
for k in a b c; do awk -v f="$keys/$k" '$1 == f { print $2, "host-" f }' "$NM_TMP/keygen.out"; done >"$keys/allowed_clients"

nm_newdb netns
export NEWSMILL_CURVE_ENABLED=true
export NEWSMILL_CURVE_SERVER_PUBLIC_KEY="$server_pub"
export NEWSMILL_CURVE_SERVER_SECRET_KEY_FILE="$keys/server.secret"
export NEWSMILL_CURVE_ALLOWED_CLIENTS_FILE="$keys/allowed_clients"
export NEWSMILL_FETCHER_ALLOW_PRIVATE=true
export NEWSMILL_FETCHER_CONCURRENCY=4   # so both fetcher hosts get work
export NEWSMILL_PUBLISHER_LEASE_SECONDS=30
export NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT=tcp://10.77.0.1:7101
export NEWSMILL_PUBLISHER_SINK_ENDPOINT=tcp://10.77.0.1:7102
export NEWSMILL_PARSER_BIND=tcp://10.77.0.1:7103
export NEWSMILL_FETCHER_PARSER_ENDPOINTS=tcp://10.77.0.1:7103
export NEWSMILL_SUMMARIZER_BIND=tcp://127.0.0.1:7104      # A-local, still tcp: CURVE too
export NEWSMILL_PARSER_SUMMARIZER_ENDPOINTS=tcp://127.0.0.1:7104

# host A: web server, publisher, parser, summarizer
ip netns exec $A "$NM_BUILD_DIR/tests/servers/nm_test_httpd" --root "$sample" --bind 10.77.0.1 --port 0 \
    --port-file "$NM_TMP/httpd.port" >"$NM_TMP/httpd.log" 2>&1 &
NM_PIDS+=($!)
for _ in $(seq 100); do [ -s "$NM_TMP/httpd.port" ] && break; sleep 0.05; done
[ -s "$NM_TMP/httpd.port" ] || fail "web server on host A did not start"
feed="http://10.77.0.1:$(cat "$NM_TMP/httpd.port")/feed.xml"
"$NEWSMILL" db migrate >/dev/null
"$NEWSMILL" feed add "$feed" >/dev/null

on() {   # on NS NAME WORKER CLIENT-KEY [ENV=VALUE...]: start a worker on a host
    local ns=$1 name=$2 worker=$3 key=$4; shift 4
    env NEWSMILL_CURVE_SECRET_KEY_FILE="$keys/$key.secret" "$@" \
        ip netns exec "$ns" "$NM_BUILD_DIR/$worker/newsmill-$worker" >>"$NM_TMP/$name.log" 2>&1 &
    NM_PIDS+=($!)
}
on $A publisher publisher a
on $A parser parser a
on $A summarizer summarizer a
on $B fetcher-b fetcher b NEWSMILL_FETCHER_ID=fetcher-b
on $C fetcher-c fetcher c NEWSMILL_FETCHER_ID=fetcher-c
on $C fetcher-rogue fetcher rogue NEWSMILL_FETCHER_ID=fetcher-rogue

wait_sql 120 "SELECT count(*) FROM articles" "$n" || fail "expected $n articles across hosts"
wait_sql 30 "SELECT count(*) FROM summaries" "$n" || fail "expected $n summaries"
ok "$n articles published through fetchers on two other hosts, over CURVE"

grep -Eq "(article|feed) .* -> page" "$NM_TMP/fetcher-b.log" || fail "host B's fetcher did no work"
grep -Eq "(article|feed) .* -> page" "$NM_TMP/fetcher-c.log" || fail "host C's fetcher did no work"
ok "both fetcher hosts fetched"

# the rogue key: refused by the publisher (and the parser), never leased a job
grep -qF "refused client key $rogue_pub" "$NM_TMP/publisher.log" || fail "publisher did not log the refused key"
[ "$(sql "SELECT count(*) FROM jobs WHERE lease_owner = 'fetcher-rogue'")" = 0 ] || fail "the rogue fetcher was leased jobs"
if grep -Eq -- "-> (page|not_modified|transient|permanent)" "$NM_TMP/fetcher-rogue.log"; then fail "the rogue fetcher fetched"; fi
ok "a fetcher with an unknown key is refused and gets nothing"


#!/usr/bin/env bash
# Pages travel from fetcher to parser still gzip-compressed and are decoded
# in the parser, where the decoded-size cap holds: through the whole pipeline
# (PostgreSQL, the four daemons), a gzip feed and article are published, a
# gzip bomb and corrupt or truncated gzip end as failed jobs with the parser's
# reason recorded. With fetcher.pass_encoded=false the fetcher decodes and
# sends identity pages (what older fetchers send): still parsed, and the
# bomb is then the fetcher's to refuse.
. "$NM_SOURCE_DIR/tests/lib.sh"
www="$NM_TMP/www"
mkdir -p "$www"
article="$NM_SOURCE_DIR/deploy/sample/articles/3317991.html"
# only .gz files: the server answers with Content-Encoding: gzip
gzip -c "$article" >"$www/good.html.gz"
sed 's/3317991/3317992/g' "$article" | gzip -c >"$www/plain.html.gz"
python3 - "$www" <<'PY'
import gzip, sys
www = sys.argv[1]
good = open(www + '/good.html.gz', 'rb').read()
bad = bytearray(good)
for i in range(len(bad) // 2, len(bad) // 2 + 64):
    bad[i] ^= 0x5a
open(www + '/corrupt.html.gz', 'wb').write(bad)
open(www + '/truncated.html.gz', 'wb').write(good[:len(good) * 2 // 3])
def feed(name, links):
    items = ''.join('<item><title>%s</title><link>%s</link><guid>%s</guid></item>' % (l, l, l) for l in links)
    open(www + '/' + name, 'wb').write(gzip.compress(
        ('<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>%s</channel></rss>'
         % (name, items)).encode()))
feed('feed.xml.gz', ['/good.html', '/_bomb', '/corrupt.html', '/truncated.html'])
feed('feed2.xml.gz', ['/plain.html', '/_bomb?again=1'])
PY

nm_newdb e2e_transport
nm_endpoints
nm_httpd "$www"
export NEWSMILL_PUBLISHER_LEASE_SECONDS=30
export NEWSMILL_FETCHER_MAX_BYTES=4194304   # the bomb is ~1 MB as sent, 1 GiB decoded

"$NEWSMILL" db migrate >/dev/null
"$NEWSMILL" feed add "$HTTPD/feed.xml" >/dev/null
nm_start publisher
nm_start parser
nm_start summarizer
nm_start fetcher

wait_sql 60 "SELECT count(*) FROM jobs WHERE kind='article' AND state IN ('done','failed','dead')" 4 \
    || { sql "SELECT url, state, last_error FROM jobs" >&2; fail "not every article job ended"; }
check_job() {  # URL-suffix expected-state reason-regex
    local row
    row=$(sql "SELECT state || '|' || coalesce(last_error,'') FROM jobs WHERE url LIKE '%$1'")
    [[ "${row%%|*}" = "$2" ]] || fail "job $1: state '${row%%|*}', expected '$2' ($row)"
    local reason=${row#*|}
    [[ "$reason" =~ $3 ]] || fail "job $1: reason '$reason' does not match /$3/"
    ok "$1 -> $2${reason:+: $reason}"
}
check_job /good.html done '^$'
check_job /_bomb failed '^parser: too large: body exceeds 4194304 bytes \(decoded\)'
check_job /corrupt.html failed '^parser: bad content encoding: gzip data corrupt or truncated'
check_job /truncated.html failed '^parser: bad content encoding: gzip data corrupt or truncated'
[ "$(sql "SELECT count(*) FROM articles WHERE url LIKE '%/good.html' AND text LIKE '%Chin%'")" = 1 ] \
    || fail "the gzip article is not stored with its text"
[ "$(sql "SELECT error_count FROM feeds WHERE url LIKE '%/feed.xml'")" = 0 ] || fail "the gzip feed failed"
ok "gzip feed and article published; bomb, corrupt and truncated gzip refused by the parser"
kill -0 "$NM_PID_parser" || fail "the parser died"

# the fetcher decodes (pass_encoded=false): identity pages, as older fetchers send
stop_and_wait "$NM_PID_fetcher" 10
NEWSMILL_FETCHER_PASS_ENCODED=false nm_start fetcher fetcher2
"$NEWSMILL" feed add "$HTTPD/feed2.xml" >/dev/null
wait_sql 60 "SELECT count(*) FROM jobs WHERE kind='article' AND state IN ('done','failed','dead')" 6 \
    || { sql "SELECT url, state, last_error FROM jobs" >&2; fail "not every article job ended"; }
check_job /plain.html done '^$'
check_job '/_bomb?again=1' failed '^fetcher: too large: body exceeds 4194304 bytes \(decoded\)'
ok "identity pages parsed; with pass_encoded=false the fetcher refuses the bomb"

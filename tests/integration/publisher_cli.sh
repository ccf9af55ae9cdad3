#!/usr/bin/env bash
# The database side of the newsmill tool against a fresh database:
# db migrate, feed add / list / remove, status (tables and --json), digest.
source "$NM_SOURCE_DIR/tests/lib.sh"
nm_newdb publisher_cli_$$
N="$NEWSMILL"

out=$("$N" db migrate) || fail "db migrate failed"
grep -q "applied 001_init" <<<"$out" || fail "db migrate did not list 001_init: $out"
out=$("$N" db migrate) || fail "second db migrate failed"
grep -q "applied" <<<"$out" && ! grep -q "(0 applied" <<<"$out" && fail "second migrate applied again: $out"
[ "$(sql "SELECT count(*) FROM schema_migrations")" -ge 1 ] || fail "schema_migrations empty"
ok "db migrate applies once"

"$N" db frobnicate >/dev/null 2>&1 && fail "db with a bad subcommand succeeded"
rc=0; "$N" db frobnicate >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "usage error should exit 2, got $rc"

out=$("$N" feed add https://feeds.example.com/china.xml --title "China desk" --interval 600) || fail "feed add failed"
grep -q "added feed" <<<"$out" || fail "feed add said: $out"
out=$("$N" feed add https://feeds.example.com/china.xml) || fail "feed add of an existing URL failed"
grep -q "already exists" <<<"$out" || fail "re-adding did not say so: $out"
rc=0; "$N" feed add not-a-url >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "feed add of a non-URL should fail with 1, got $rc"
rc=0; "$N" feed add https://x.example.com/ --interval 5 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "feed add --interval 5 should be a usage error, got $rc"
[ "$(sql "SELECT count(*) FROM feeds")" = 1 ] || fail "expected one feed"
[ "$(sql "SELECT state || ' ' || (next_attempt <= now()) FROM jobs WHERE kind = 'feed'")" = "pending true" ] \
    || fail "the feed job is not pending and due"
ok "feed add"

out=$("$N" feed list) || fail "feed list failed"
grep -q "https://feeds.example.com/china.xml" <<<"$out" || fail "feed list: $out"
grep -q "China desk" <<<"$out" || fail "feed list lacks the title: $out"
grep -q " 600 " <<<"$out" || fail "feed list lacks the interval: $out"
ok "feed list"

# some history for status and digest
sql "INSERT INTO jobs (kind, url, state, last_error, attempt) VALUES
       ('article', 'https://www.example.com/gone', 'failed', 'fetcher: not found (HTTP 404)', 1),
       ('article', 'https://www.example.com/slow', 'dead', 'gave up after 5 attempts: fetcher: timeout', 5)"
sql "INSERT INTO articles (canonical_url, url, source_site, title, text, word_count, published_at)
       VALUES ('https://www.example.com/a', 'https://www.example.com/a', 'Example News',
               'Trade talks resume', 'Officials met in Beijing.', 4, '2026-03-01 08:00:00+00')"
sql "INSERT INTO summaries (article_id, backend, language, summary, topics)
       SELECT id, 'extractive', 'en', 'Officials met.', '{trade,china}' FROM articles"

out=$("$N" status) || fail "status failed"
for want in "Jobs" "pending" "dead" "gave up after 5 attempts" "not found (HTTP 404)" \
            "feeds.example.com/china.xml" "articles"; do
    grep -q -- "$want" <<<"$out" || fail "status lacks '$want':
$out"
done
json=$("$N" status --json) || fail "status --json failed"
python3 - "$json" <<'PY' || fail "status --json is not what was expected: $json"
import json, sys
s = json.loads(sys.argv[1])
assert s["totals"]["articles"] == 1 and s["totals"]["summaries"] == 1, s["totals"]
assert {p["state"] for p in s["problems"]} == {"failed", "dead"}, s["problems"]
assert s["feeds"][0]["url"] == "https://feeds.example.com/china.xml"
assert any(j["kind"] == "feed" and j["state"] == "pending" and j["count"] == 1 for j in s["jobs"])
PY
ok "status"

rc=0; "$N" digest >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "digest without --date should be a usage error, got $rc"
rc=0; "$N" digest --date 2026-03-01 --format pdf >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "digest --format pdf should be a usage error, got $rc"
out=$("$N" digest --date 2026-03-01) || fail "digest failed"
grep -q "Trade talks resume" <<<"$out" || fail "digest lacks the article title:
$out"
grep -q "https://www.example.com/a" <<<"$out" || fail "digest lacks the URL"
[ "$(sql "SELECT count(*) FROM digests WHERE date = '2026-03-01' AND format = 'md'")" = 1 ] \
    || fail "digest was not stored"
"$N" digest --date 2026-03-01 >/dev/null || fail "second digest failed"
[ "$(sql "SELECT count(*) FROM digests WHERE format = 'md'")" = 1 ] || fail "digest upsert made a second row"
ok "digest"

id=$(sql "SELECT id FROM feeds")
"$N" feed remove "$id" >/dev/null || fail "feed remove by id failed"
[ "$(sql "SELECT count(*) FROM feeds")" = 0 ] || fail "feed still there"
[ "$(sql "SELECT count(*) FROM jobs WHERE kind = 'feed'")" = 0 ] || fail "feed job still there"
rc=0; "$N" feed remove https://feeds.example.com/china.xml >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "removing a missing feed should fail with 1, got $rc"
ok "feed remove"

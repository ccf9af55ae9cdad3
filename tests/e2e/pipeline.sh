#!/usr/bin/env bash
# End to end on real components: the four daemons, real ZeroMQ sockets,
# real HTTP over loopback, real PostgreSQL. The bundled sample corpus (one
# feed, 20 article pages in realistic boilerplate) must end up in SQL with
# every article, its text and its summary exactly once; the digest must list
# them all; and every worker must stop promptly on SIGTERM.
. "$NM_SOURCE_DIR/tests/lib.sh"
sample="$NM_SOURCE_DIR/deploy/sample"
expected="$sample/expected.json"
n=$(jq length "$expected")

nm_newdb e2e_pipeline
nm_endpoints
nm_httpd "$sample"
export NEWSMILL_PUBLISHER_LEASE_SECONDS=30

"$NEWSMILL" db migrate >/dev/null
"$NEWSMILL" feed add "$HTTPD/feed.xml" >/dev/null
nm_start publisher
nm_start parser
nm_start summarizer
nm_start fetcher

wait_sql 90 "SELECT count(*) FROM articles" "$n" || fail "expected $n articles"
wait_sql 30 "SELECT count(*) FROM jobs WHERE kind='article' AND state='done'" "$n" || fail "article jobs not all done"
wait_sql 30 "SELECT count(*) FROM summaries" "$n" || fail "expected $n summaries"
ok "$n articles published"

# exactly once: one row per canonical URL, one summary per article
[ "$(sql "SELECT count(DISTINCT canonical_url) FROM articles")" = "$n" ] || fail "duplicate articles"
[ "$(sql "SELECT count(*) FROM (SELECT article_id FROM summaries GROUP BY article_id, backend, language HAVING count(*) > 1) d")" = 0 ] \
    || fail "duplicate summaries"

# every article: title, canonical URL, first and last paragraph, no boilerplate, a real summary
for i in $(seq 0 $((n - 1))); do
    url=$(jq -r ".[$i].canonical_url" "$expected")
    title=$(jq -r ".[$i].title" "$expected")
    first=$(jq -r ".[$i].first_paragraph" "$expected")
    last=$(jq -r ".[$i].last_paragraph" "$expected")
    row=$(psql -X -q -t -A -d "$NM_DB" -v url="$url" -v title="$title" -v first="$first" -v last="$last" <<'SQL'
SELECT concat((a.title = :'title')::int, (strpos(a.text, :'first') > 0)::int, (strpos(a.text, :'last') > 0)::int,
    (NOT (a.text ~ '(Share on Facebook|Related Articles|We use cookies|All rights reserved|Sign up for our free newsletter|Join the conversation|Advertisement|Staff Reporter|13 Jul 2025|Topics: China)'
         OR a.text LIKE '%' || :'title' || '%'))::int,
    (length(s.summary) > 80 AND strpos(a.text, split_part(s.summary, ' ', 3)) > 0)::int,
    (a.word_count > 100)::int)
FROM articles a JOIN summaries s ON s.article_id = a.id
WHERE a.canonical_url = :'url'
SQL
)
    [ "$row" = "111111" ] || fail "article $url: checks title|first|last|no-boilerplate|summary|words = $row"
done
ok "every article has its title, full text without boilerplate, and a summary"

# headings survive extraction (article 1 has question subheadings)
h=$(jq -r '.[0].headings[0]' "$expected")
url=$(jq -r '.[0].canonical_url' "$expected")
[ "$(echo "SELECT strpos(text, E'\\n\\n' || :'h' || E'\\n\\n') > 0 FROM articles WHERE canonical_url = :'url'" \
      | psql -X -q -t -A -d "$NM_DB" -v url="$url" -v h="$h")" = t ] \
    || fail "heading '$h' not kept on its own line"
ok "subheadings kept on their own lines"

# the feed job is recurring: back to pending, polled later, with no errors
[ "$(sql "SELECT state FROM jobs WHERE kind='feed'")" = pending ] || fail "feed job not rescheduled"
[ "$(sql "SELECT error_count FROM feeds")" = 0 ] || fail "feed shows errors"

# the digest lists every title and URL
"$NEWSMILL" digest --date 2025-07-13 >"$NM_TMP/digest.md" || fail "newsmill digest failed"
for i in $(seq 0 $((n - 1))); do
    grep -qF "$(jq -r ".[$i].title" "$expected")" "$NM_TMP/digest.md" || fail "digest lacks title $i"
    grep -qxF "$(jq -r ".[$i].canonical_url" "$expected")" "$NM_TMP/digest.md" || fail "digest lacks URL line $i"
done
head -n 1 "$NM_TMP/digest.md" | grep -q "2025-07-13" || fail "digest title line lacks the date"
ok "digest lists all $n articles with their URLs"

# SIGTERM: every worker exits 0 within a few seconds
for w in fetcher summarizer parser publisher; do
    pid_var="NM_PID_$w"
    stop_and_wait "${!pid_var}" 10
done
ok "workers stop on SIGTERM"

#!/usr/bin/env bash
# newsmill feed add with rules, feed import (OPML 2.0, nested folders,
# idempotent) and feed export (round-trips through import, rules included).
source "$NM_SOURCE_DIR/tests/lib.sh"
nm_newdb feed_opml_$$
N="$NEWSMILL"
"$N" db migrate >/dev/null || fail "db migrate failed"

"$N" feed add https://world.example.com/rss --include 'China|Chinese|Beijing' --exclude 'football' >/dev/null \
    || fail "feed add with rules failed"
[ "$(sql "SELECT array_to_string(include_patterns, ';') || '/' || array_to_string(exclude_patterns, ';')
          FROM feeds WHERE url = 'https://world.example.com/rss'")" = "China|Chinese|Beijing/football" ] \
    || fail "rules not stored"
rc=0; "$N" feed add https://bad.example.com/rss --include '(unclosed' >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a bad pattern should be a usage error, got $rc"
[ "$(sql "SELECT count(*) FROM feeds WHERE url = 'https://bad.example.com/rss'")" = 0 ] \
    || fail "a feed with a bad pattern was added"
"$N" feed list | grep -q 'include=China|Chinese|Beijing' || fail "feed list does not show the rules"
ok "feed add --include/--exclude"

cat >"$NM_TMP/in.opml" <<'OPML'
<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="News">
      <outline type="rss" text="Asia desk" title="Asia desk" xmlUrl="https://asia.example.com/feed.xml" htmlUrl="https://asia.example.com/"/>
      <outline text="Deeper">
        <outline type="rss" text="Markets &amp; trade" xmlUrl="https://markets.example.com/rss"/>
      </outline>
    </outline>
    <outline type="rss" text="Already here" xmlUrl="https://world.example.com/rss"/>
    <outline type="rss" text="Not a feed URL" xmlUrl="javascript:alert(1)"/>
  </body>
</opml>
OPML
out=$("$N" feed import "$NM_TMP/in.opml" 2>&1) && fail "import with a bad URL should report failure: $out"
grep -q "imported 3 feeds (2 new, 1 already there)" <<<"$out" || fail "import said: $out"
[ "$(sql "SELECT count(*) FROM feeds")" = 3 ] || fail "expected 3 feeds after import"
[ "$(sql "SELECT title FROM feeds WHERE url = 'https://markets.example.com/rss'")" = "Markets & trade" ] \
    || fail "nested outline title lost"
[ "$(sql "SELECT count(*) FROM jobs WHERE kind = 'feed'")" = 3 ] || fail "imported feeds have no poll jobs"
"$N" feed import "$NM_TMP/in.opml" >/dev/null 2>&1 || true
[ "$(sql "SELECT count(*) FROM feeds")" = 3 ] || fail "second import changed the feeds"
ok "feed import (nested, idempotent)"

"$N" feed export >"$NM_TMP/out.opml" || fail "feed export failed"
grep -Eq "<opml[^>]* version=\"2.0\"" "$NM_TMP/out.opml" || fail "export is not OPML 2.0: $(cat "$NM_TMP/out.opml")"
xmllint --noout "$NM_TMP/out.opml" 2>/dev/null || python3 -c "import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])" "$NM_TMP/out.opml" \
    || fail "export is not well-formed XML"
before=$(sql "SELECT string_agg(url || ' ' || coalesce(title, '') || ' ' || array_to_string(include_patterns, ';')
              || ' ' || array_to_string(exclude_patterns, ';'), E'\n' ORDER BY url) FROM feeds")
nm_newdb feed_opml2_$$
"$N" db migrate >/dev/null || fail "db migrate (second database) failed"
out=$("$N" feed import "$NM_TMP/out.opml") || fail "import of the export failed: $out"
after=$(sql "SELECT string_agg(url || ' ' || coalesce(title, '') || ' ' || array_to_string(include_patterns, ';')
             || ' ' || array_to_string(exclude_patterns, ';'), E'\n' ORDER BY url) FROM feeds")
[ "$before" = "$after" ] || fail "export/import did not round-trip:
$before
---
$after"
ok "feed export round-trips through import"

#!/usr/bin/env bash
# The daily digest through the real tool and the real publisher:
#  1. offline: Markdown, HTML and Atom from `newsmill digest`; stories covered
#     by two outlets are grouped with each outlet named; hostile text is
#     escaped; the Atom feed parses and has the required elements;
#  2. with the LLM (tests/servers/nm_test_llm): overview and commentary
#     from the templates; with the LLM failing, the digest is still produced
#     without them (exit 0, the reason on stderr);
#  3. the publisher builds yesterday's digest on schedule, marks it
#     published, writes the three files atomically to digest.output_dir, and
#     does not rebuild it after a restart.
. "$NM_SOURCE_DIR/tests/lib.sh"
nm_newdb digest_$$
N="$NEWSMILL"
"$N" db migrate >/dev/null || fail "db migrate"

Y=$(date -u -d yesterday +%F)
body="Wang Yi and Marco Rubio met in Kuala Lumpur for talks on trade, tariffs and a visit by Trump to Beijing. Both sides called the talks constructive and agreed to deepen exchanges between their diplomats and militaries.

What comes next

A Trump-Xi summit could follow later in the year."
sql "INSERT INTO articles (canonical_url, url, source_site, title, text, word_count, published_at, content_hash) VALUES
  ('https://a.example/wang', 'https://a.example/wang', 'Outlet A', 'Wang Yi says deeper US exchanges on the cards', \$\$$body\$\$, 45, '$Y 08:00+00', 'h1'),
  ('https://b.example/rubio', 'https://b.example/rubio', 'Outlet B', 'Rubio and Wang Yi hold talks in Kuala Lumpur', \$\$$body\$\$, 45, '$Y 09:00+00', 'h2'),
  ('https://c.example/evil', 'https://c.example/evil', 'Evil <b>', '<script>alert(1)</script> & pork', 'Pork <img src=x onerror=alert(1)> prices fell.', 5, '$Y 10:00+00', 'h3')" \
  || fail "insert articles"
sql "INSERT INTO summaries (article_id, backend, language, summary, topics)
     SELECT id, 'extractive', 'en', 'Summary of ' || title, '{diplomacy}' FROM articles"

# ---- 1. offline ----
md=$("$N" digest --date "$Y" --offline) || fail "digest md failed"
grep -q "^# .* $Y\$" <<<"$md" || fail "title line lacks the date"
grep -q "^## Overview\$" <<<"$md" || fail "no overview"
grep -q "^1\. Diplomacy — 3 articles: " <<<"$md" || fail "offline overview is not topics by count: $md"
grep -q "^## Commentary" <<<"$md" && fail "offline digest has a commentary"
grep -q "^## Stories covered by several outlets\$" <<<"$md" || fail "no stories section: $md"
grep -q "^   - Outlet A: Wang Yi says deeper US exchanges on the cards (#1)\$" <<<"$md" || fail "story lacks Outlet A"
grep -q "^   - Outlet B: Rubio and Wang Yi hold talks in Kuala Lumpur (#2)\$" <<<"$md" || fail "story lacks Outlet B"
grep -qx "https://b.example/rubio" <<<"$md" || fail "URL not on its own line"
grep -qx "#### What comes next" <<<"$md" || fail "subheading not kept"
[ "$(sql "SELECT count(DISTINCT story_id) FROM story_articles")" = 2 ] || fail "expected 2 stories"
ok "offline Markdown: overview by counts, stories with outlets, URLs, subheadings"

html=$("$N" digest --date "$Y" --format html --offline) || fail "digest html failed"
grep -q '<meta name="viewport"' <<<"$html" || fail "html not phone-ready"
grep -q '<script' <<<"$html" && fail "hostile title became markup"
grep -q '<img' <<<"$html" && fail "hostile text became markup"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt; &amp; pork' <<<"$html" || fail "title not escaped"
python3 - "$html" <<'PY' || fail "html is not well-formed"
import sys, xml.etree.ElementTree as ET
doc = sys.argv[1].split("\n", 1)[1]            # past <!DOCTYPE html>
root = ET.fromstring(doc)
assert len(root.findall(".//main")) == 1
assert len(root.findall(".//section[@id='full-text']/article")) == 3
PY
[ "$(sql "SELECT count(*) FROM digests WHERE date = '$Y' AND format IN ('md', 'html')")" = 2 ] || fail "digest formats not stored"
ok "HTML: escaped, well-formed, stored"

atom=$("$N" digest --date "$Y" --format atom --offline) || fail "digest atom failed"
python3 - "$atom" "$Y" <<'PY' || fail "atom feed invalid"
import sys, xml.etree.ElementTree as ET
A = "{http://www.w3.org/2005/Atom}"
feed = ET.fromstring(sys.argv[1].encode())
assert feed.tag == A + "feed"
for tag in ("id", "title", "updated", "author"):
    assert feed.find(A + tag) is not None, tag
entries = feed.findall(A + "entry")
assert len(entries) == 1
e = entries[0]
for tag in ("id", "title", "updated", "content"):
    assert e.find(A + tag) is not None, tag
assert e.find(A + "title").text.endswith(sys.argv[2])
content = e.find(A + "content")
assert content.get("type") == "html"
assert "<section id=\"stories\">" in content.text and "<script" not in content.text
PY
ok "Atom: parses, required elements, entry per digest"

# ---- 2. with the LLM ----
portfile="$NM_TMP/llm.port"
"$NM_BUILD_DIR/tests/servers/nm_test_llm" --port 0 --port-file "$portfile" --log "$NM_TMP/llm.log" \
    >/dev/null 2>>"$NM_TMP/llm.log" &
NM_PIDS+=($!)
for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.05; done
[ -s "$portfile" ] || fail "test LLM server did not start"
LLM="http://127.0.0.1:$(cat "$portfile")"
export NEWSMILL_LLM_BASE_URL="$LLM/v1" NEWSMILL_LLM_MODEL=ok NEWSMILL_LLM_TIMEOUT_SECONDS=5
export NEWSMILL_LLM_PROMPTS_DIR="$NM_SOURCE_DIR/deploy/prompts" NEWSMILL_LLM_REQUESTS_PER_MINUTE=0
md=$("$N" digest --date "$Y" --lang zh 2>"$NM_TMP/llm_ok.err") || fail "digest with LLM failed: $(cat "$NM_TMP/llm_ok.err")"
grep -q "^## Commentary\$" <<<"$md" || fail "no commentary with the LLM: $md"
grep -q "^1\. Diplomacy — " <<<"$md" && fail "overview still by counts with the LLM"
awk '/^## Overview$/{o=1;next} /^## /{o=0} o' <<<"$md" | grep -qP '[\x{4e00}-\x{9fff}]' \
    || fail "overview is not the LLM's (Chinese) text"
[ "$(curl -s "$LLM/stats" | jq -r .requests)" -ge 2 ] || fail "LLM not asked twice"
[ "$(curl -s "$LLM/stats" | jq -r .bad_requests)" = 0 ] || fail "LLM saw bad requests: $(curl -s "$LLM/stats")"
ok "LLM overview and commentary"

export NEWSMILL_LLM_MODEL=always-500 NEWSMILL_LLM_MAX_ATTEMPTS=1
md=$("$N" digest --date "$Y" --lang zh 2>"$NM_TMP/llm_bad.err") || fail "digest failed when the LLM failed"
grep -q "without LLM parts" "$NM_TMP/llm_bad.err" || fail "no reason on stderr: $(cat "$NM_TMP/llm_bad.err")"
grep -q "^## Commentary" <<<"$md" && fail "commentary despite a failing LLM"
grep -q "^1\. Diplomacy — 3 articles" <<<"$md" || fail "no offline overview when the LLM failed"
grep -qx "https://c.example/evil" <<<"$md" || fail "digest incomplete when the LLM failed"
ok "LLM failing: digest still produced without overview and commentary"

# ---- 3. on schedule, from the publisher ----
export NEWSMILL_LLM_MODEL=ok NEWSMILL_LLM_MAX_ATTEMPTS=2
export NEWSMILL_DIGEST_PUBLISH_TIME=00:00 NEWSMILL_DIGEST_TIMEZONE=UTC NEWSMILL_DIGEST_LANGUAGES=en,zh
export NEWSMILL_DIGEST_OUTPUT_DIR="$NM_TMP/out" NEWSMILL_DIGEST_BASE_URL=https://news.example.org/digests/
nm_endpoints
nm_start publisher pub1
wait_sql 30 "SELECT count(*) FROM digests WHERE date = '$Y' AND published_at IS NOT NULL" 4 \
    || fail "scheduled digest not published"
for f in "$Y.en.md" "$Y.en.html" "feed.en.atom" "$Y.zh.md" "$Y.zh.html" "feed.zh.atom"; do
    for _ in $(seq 50); do [ -s "$NM_TMP/out/$f" ] && break; sleep 0.1; done
    [ -s "$NM_TMP/out/$f" ] || fail "$f not written"
done
ls -A "$NM_TMP/out" | grep -q '\.tmp\.' && fail "temporary files left in output_dir"
grep -q "^## Commentary\$" "$NM_TMP/out/$Y.zh.md" || fail "scheduled digest lacks the LLM commentary"
grep -qF "<id>https://news.example.org/digests/$Y.zh.html</id>" "$NM_TMP/out/feed.zh.atom" || fail "feed ids"
stop_and_wait "$NM_PID_pub1" 15
stamp=$(sql "SELECT string_agg(published_at::text, ',' ORDER BY language, format) FROM digests WHERE date = '$Y'")
nm_start publisher pub2
sleep 2
[ "$(sql "SELECT string_agg(published_at::text, ',' ORDER BY language, format) FROM digests WHERE date = '$Y'")" = "$stamp" ] \
    || fail "digest rebuilt after a restart"
stop_and_wait "$NM_PID_pub2" 15
ok "scheduled digest: published once, files written atomically"

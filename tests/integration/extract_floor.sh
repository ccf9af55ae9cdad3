#!/usr/bin/env bash
# Article extraction quality floor on the extraction-dev corpus (711 real
# pages, ../shared/corpus/extraction-dev): bench/score_extract must stay at or
# above the pinned F1 / title / date / author figures and at or below the
# pinned share of boilerplate snippets kept, so an extraction regression fails
# CI. The floors sit a little under the figures recorded in bench/RESULTS.md.
# Also: `newsmill extract` on a corpus page (.gz input) gives the contract
# fields plus the additive metadata fields, and --format text/markdown render.
source "$NM_SOURCE_DIR/tests/lib.sh"

CORPUS="$NM_SOURCE_DIR/../shared/corpus/extraction-dev"
SCORER="$NM_BUILD_DIR/bench/score_extract"
# without the shared corpus beside the checkout: exit 77, "Skipped" in ctest
[ -d "$CORPUS/truth" ] || { echo "SKIP: no corpus at $CORPUS"; exit 77; }
[ -x "$SCORER" ] || fail "score_extract not built ($SCORER)"

FLOOR_F1=0.951
FLOOR_TITLE=0.867
FLOOR_DATE=0.884
FLOOR_AUTHOR=0.857
FLOOR_WITH=0.892
CEIL_WITHOUT=0.036
MAX_FAILED=3

out=$("$SCORER" "$CORPUS") || fail "score_extract failed"
echo "$out"
num() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p" <<<"$out" | head -1; }
f1=$(num "F1"); title=$(num "title exact"); date=$(num "date same-day"); author=$(num "author")
with=$(num "with-snippets found"); without=$(num "without-snippets kept")
failed=$(sed -n 's/.*extraction failed \([0-9]*\).*/\1/p' <<<"$out")
[ -n "$f1" ] && [ -n "$title" ] && [ -n "$date" ] && [ -n "$author" ] && [ -n "$with" ] && [ -n "$without" ] ||
    fail "could not read the scorer's figures"
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
ge "$f1" "$FLOOR_F1" || fail "F1 $f1 below floor $FLOOR_F1"
ge "$title" "$FLOOR_TITLE" || fail "title exact $title below floor $FLOOR_TITLE"
ge "$date" "$FLOOR_DATE" || fail "date same-day $date below floor $FLOOR_DATE"
ge "$author" "$FLOOR_AUTHOR" || fail "author $author below floor $FLOOR_AUTHOR"
ge "$with" "$FLOOR_WITH" || fail "with-snippets $with below floor $FLOOR_WITH"
ge "$CEIL_WITHOUT" "$without" || fail "without-snippets kept $without above ceiling $CEIL_WITHOUT"
[ "$failed" -le "$MAX_FAILED" ] || fail "$failed pages failed to extract (at most $MAX_FAILED)"
ok "quality floor: F1 $f1, title $title, date $date, author $author, with $with, without $without"

# The CLI on one real page: contract fields, additions, renderings.
page="$CORPUS/html/0001.html.gz"
url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$CORPUS/truth/0001.json" | head -1)
json=$("$NEWSMILL" extract --url "$url" "$page") || fail "newsmill extract failed on $page"
for k in url canonical_url title byline published_at language site_name text blocks word_count \
         published_at_local modified_at description section tags image; do
    jq -e "has(\"$k\")" <<<"$json" >/dev/null || fail "extract JSON lacks $k"
done
[ "$(jq -r .title <<<"$json")" = "$(jq -r .ground_truth.title "$CORPUS/truth/0001.json")" ] ||
    fail "title $(jq -r .title <<<"$json")"
[ "$(jq -r .published_at <<<"$json" | cut -c1-10)" = "2025-09-04" ] || fail "published_at $(jq -r .published_at <<<"$json")"
[ "$(jq -r .language <<<"$json" | cut -c1-2)" = en ] || fail "language $(jq -r .language <<<"$json")"
jq -e '.word_count > 300 and (.blocks | length) > 5' <<<"$json" >/dev/null || fail "too little text"
text=$("$NEWSMILL" extract --format text --url "$url" "$page") || fail "--format text failed"
grep -qx "1. High-Protein, Balanced Meals Are Here to Stay" <<<"$text" || fail "heading not on its own line"
grep -q "Cookie\|cookie consent\|Subscribe" <<<"$text" && fail "boilerplate in text output"
md=$("$NEWSMILL" extract --format markdown --url "$url" "$page") || fail "--format markdown failed"
grep -q "^##* 1. High-Protein" <<<"$md" || fail "markdown heading missing"
ok "newsmill extract: contract and additional fields, text and markdown"

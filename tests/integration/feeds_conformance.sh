#!/usr/bin/env bash
# Feed parsing measured against gofeed's test expectations
# (../shared/corpus/feeds-dev/testdata): what `newsmill feed parse` prints is
# compared, field by field, with the values newsmill keeps. Targets: every
# translator case, at least 95% of the parser cases. Prints the pass rates.
set -euo pipefail
: "${NM_SOURCE_DIR:?run under ctest (tests/run.sh)}"
: "${NM_BUILD_DIR:?run under ctest (tests/run.sh)}"
DATA=${NM_FEEDS_TESTDATA:-$NM_SOURCE_DIR/../shared/corpus/feeds-dev/testdata}
# the shared corpus sits beside the checkout; without it there is nothing to
# measure: exit 77, which ctest reports as "Skipped" (not as a pass)
[ -d "$DATA/translator" ] || { echo "SKIP: no feed corpus at $DATA" >&2; exit 77; }
TOOL="$NM_BUILD_DIR/bench/feeds_conformance"
[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built" >&2; exit 1; }

out=$("$TOOL" --cli "$NM_BUILD_DIR/cli/newsmill" --min-translator 100 --min-parser 95 "$DATA") && rc=0 || rc=$?
echo "$out"
grep -q '^TRANSLATOR: ' <<<"$out" || { echo "FAIL: no translator figures" >&2; exit 1; }
grep -q '^PARSER: ' <<<"$out" || { echo "FAIL: no parser figures" >&2; exit 1; }
if [ "$rc" != 0 ]; then
    "$TOOL" -v --cli "$NM_BUILD_DIR/cli/newsmill" "$DATA" | grep '^  ' | head -40 >&2 || true
    echo "FAIL: feed conformance below target" >&2
    exit 1
fi
echo "ok: feed conformance at target"

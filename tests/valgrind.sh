#!/usr/bin/env bash
# valgrind.sh BUILD [REGEX]: every unit test of BUILD (BUILD/tests/test_*)
# under valgrind memcheck, two at a time. Fails on any memory error, any
# definite or indirect leak, or a crash; a test whose own (timing) checks fail
# under valgrind's slowdown is listed as a note (still-reachable blocks held by libraries --
# libxml2, libcurl, libzmq globals -- are not leaks). Logs in
# BUILD/valgrind/NAME.log. Run it through `NM_VALGRIND=1 tests/run.sh`, which
# builds and starts PostgreSQL for the database tests.
set -euo pipefail
build=$(cd "$1" && pwd)
filter=${2:-.}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || {
    sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends valgrind >/dev/null
}
mkdir -p "$build/valgrind"
export NM_SOURCE_DIR="$root" NM_BUILD_DIR="$build" NM_VALGRIND=1

run_one() {
    local t=$1 name log rc=0
    name=$(basename "$t")
    log="$build/valgrind/$name.log"
    valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --track-origins=yes --error-exitcode=99 \
        --suppressions="$root/tests/valgrind.supp" --gen-suppressions=all \
        --log-file="$log" "$t" >"$log.out" 2>&1 || rc=$?
    if [ $rc = 99 ] || [ $rc -ge 128 ]; then
        echo "FAIL: $name (memcheck: exit $rc; $log)"
        grep -E "^==[0-9]+== (Invalid|Conditional|Syscall|Mismatched|Source and|.*definitely lost|.*indirectly lost|    (at|by) )" "$log" | head -n 40
        return 1
    fi
    if [ $rc -ne 0 ]; then
        # valgrind runs code 20-50x slower: tests with timing bounds fail their
        # own checks. Reported, not counted: this mode is about memory.
        echo "note: $name: its own checks failed under valgrind (exit $rc; $log.out): $(grep -m1 "CHECK" "$log.out" || true)"
        return 0
    fi
    echo "ok: $name ($(grep -oE "ERROR SUMMARY: [0-9]+ errors" "$log"))"
}

tests=()
for t in "$build"/tests/test_*; do
    [ -x "$t" ] && [[ "$(basename "$t")" =~ $filter ]] && tests+=("$t")
done
[ ${#tests[@]} -gt 0 ] || { echo "valgrind.sh: no unit tests in $build/tests matching $filter" >&2; exit 1; }

fails=0
export -f run_one; export build root
printf '%s\n' "${tests[@]}" | xargs -P 2 -I{} bash -c 'run_one "$1"' _ {} >"$build/valgrind/summary.txt" 2>&1 || fails=1
cat "$build/valgrind/summary.txt"
n_fail=$(grep -c "^FAIL" "$build/valgrind/summary.txt" || true)
echo "valgrind: ${#tests[@]} unit tests, $n_fail failed"
[ "$n_fail" = 0 ] && [ $fails = 0 ]

#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine or a developer's:
# installs what is missing, builds, starts a throwaway PostgreSQL, runs every
# test with ctest (unit, integration, end to end) and exits non-zero on any
# failure.
#
#   tests/run.sh                 everything
#   tests/run.sh -R e2e          only tests matching a regex (any ctest flags)
#   NM_SANITIZE=1 tests/run.sh   build with ASan+UBSan in build-sanitize/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/deploy/install-deps.sh"

if [ "${NM_SANITIZE:-0}" = 1 ]; then
    build="$root/build-sanitize"
    cmake_flags=(-DNM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
    build="${NM_BUILD:-$root/build}"
    cmake_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
cmake -S "$root" -B "$build" "${cmake_flags[@]}" >/dev/null
if ! cmake --build "$build" -j "$(nproc)" >"$build/build.log" 2>&1; then
    grep -E "error|Error" "$build/build.log" | head -n 40 >&2
    echo "run.sh: build failed (full log: $build/build.log)" >&2
    exit 1
fi
if grep -q "warning:" "$build/build.log"; then
    grep "warning:" "$build/build.log" >&2
    echo "run.sh: the build has warnings" >&2
fi

pgdir="$build/test-pg"
eval "$("$root/tests/pg.sh" start "$pgdir")"
trap '"$root/tests/pg.sh" stop "$pgdir"' EXIT

ctest --test-dir "$build" --output-on-failure -j 2 --timeout 600 "$@"

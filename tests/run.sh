#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine or a developer's:
# installs what is missing, builds, starts a throwaway PostgreSQL, runs every
# test with ctest (unit, integration, end to end) and exits non-zero on any
# failure.
#
#   tests/run.sh                 everything, then each libFuzzer harness for
#                                5 s (NM_FUZZ=0: without them)
#   tests/run.sh -R e2e          only tests matching a regex (any ctest flags)
#   NM_SANITIZE=1 tests/run.sh   the whole suite built with ASan+UBSan (gcc) in
#                                build-sanitize/ (or $NM_BUILD); any report fails
#   NM_VALGRIND=1 tests/run.sh   the unit tests under valgrind memcheck (no leaks,
#                                no errors; tests/valgrind.sh), normal build
#   NM_FUZZ_SECONDS=5 tests/run.sh  the libFuzzer harnesses (tests/fuzz/README.md),
#                                each for N seconds, in a clang build in build-fuzz/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/deploy/install-deps.sh"

if [ -n "${NM_FUZZ_SECONDS:-}" ]; then
    # libFuzzer ships with clang (compiler-rt); only this mode needs them.
    if ! command -v clang >/dev/null || [ ! -e "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
        sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
        export DEBIAN_FRONTEND=noninteractive
        "${sudo[@]}" apt-get install -y -q --no-install-recommends clang libclang-rt-dev >/dev/null 2>&1 || {
            "${sudo[@]}" apt-get update -q >/dev/null
            "${sudo[@]}" apt-get install -y -q --no-install-recommends clang libclang-rt-dev >/dev/null
        }
    fi
    build="${NM_BUILD:-$root/build-fuzz}"
    export CC=clang
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    cmake -S "$root" -B "$build" -DNM_FUZZ=ON -DNM_FUZZ_SECONDS="$NM_FUZZ_SECONDS" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
    cmake --build "$build" -j "$(nproc)" --target fuzz_targets >"$build/build.log" 2>&1 || {
        grep -E "error" "$build/build.log" | head -n 40 >&2
        echo "run.sh: fuzz build failed (full log: $build/build.log)" >&2
        exit 1
    }
    exec ctest --test-dir "$build" --output-on-failure -j 2 -L fuzz "$@"
fi

if [ "${NM_SANITIZE:-0}" = 1 ]; then
    build="${NM_BUILD:-$root/build-sanitize}"
    cmake_flags=(-DNM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
    export NM_SANITIZE   # tests relax limits that ASan's shadow memory breaks (ulimit -v)
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

if [ "${NM_VALGRIND:-0}" = 1 ]; then
    "$root/tests/valgrind.sh" "$build" "$@"   # not exec: the trap stops PostgreSQL
    exit
fi
rc=0
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 600 "$@" || rc=$?
# The whole suite (no ctest arguments, not the sanitizer pass) also runs
# every libFuzzer harness for a few seconds, in its own clang build
# (build-fuzz/, about 3 minutes more). NM_FUZZ=0 leaves them out.
if [ $# -eq 0 ] && [ "${NM_SANITIZE:-0}" != 1 ] && [ "${NM_FUZZ:-1}" != 0 ]; then
    echo "run.sh: the fuzz harnesses, ${NM_FUZZ_DEFAULT_SECONDS:-5} s each"
    env -u NM_BUILD NM_FUZZ_SECONDS="${NM_FUZZ_DEFAULT_SECONDS:-5}" "$0" || rc=1
fi
exit $rc

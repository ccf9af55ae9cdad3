#!/usr/bin/env bash
# run_fuzz.sh HARNESS WORKDIR SECONDS SEED... [-- LIBFUZZER-FLAG...]
# Runs one libFuzzer harness for SECONDS. Its corpus is WORKDIR/corpus: a copy
# of every SEED (a file or a directory; .gz files are decompressed; at most
# NM_FUZZ_SEED_LIMIT files per directory, default 40, 0 = all) plus whatever
# earlier runs found there -- new inputs never land in the source tree. A
# crash, leak, UB report, an input taking over 10 s (NM_FUZZ_TIMEOUT: wall
# clock, so raise it on a loaded machine), or over 2 GB of memory fails the
# run; the input is kept in WORKDIR/artifacts for a regression test.
set -euo pipefail
harness=$1 work=$2 secs=${NM_FUZZ_SECONDS:-$3}   # the environment wins: long campaigns
shift 3
seeds=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do seeds+=("$1"); shift; done
[ $# -gt 0 ] && shift
limit=${NM_FUZZ_SEED_LIMIT:-40}
maxlen=262144
mkdir -p "$work/corpus" "$work/artifacts"

add_seed() {   # file -> corpus, named by content so reruns don't duplicate
    local f=$1 tmp="$work/seed.tmp"
    case "$f" in
        *.gz) gzip -dc "$f" >"$tmp" 2>/dev/null || return 0 ;;
        *) cp "$f" "$tmp" ;;
    esac
    [ "$(stat -c %s "$tmp")" -le $maxlen ] || { rm -f "$tmp"; return 0; }
    mv "$tmp" "$work/corpus/seed-$(sha1sum "$tmp" | cut -c1-16)"
}
for s in "${seeds[@]}"; do
    if [ -d "$s" ]; then
        n=0
        while IFS= read -r f; do
            add_seed "$f"
            n=$((n + 1))
            [ "$limit" -gt 0 ] && [ $n -ge "$limit" ] && break
        done < <(find "$s" -type f | sort)
    elif [ -f "$s" ]; then
        add_seed "$s"
    fi
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rc=0
"$harness" -max_total_time="$secs" -timeout="${NM_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -max_len=$maxlen \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" \
    >"$work/log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
    tail -n 60 "$work/log" >&2
    echo "run_fuzz: $(basename "$harness") failed; inputs in $work/artifacts" >&2
    exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/log")
echo "run_fuzz: $(basename "$harness") ok: ${runs:-?} runs in ${secs}s, peak ${rss:-?} MB, corpus $(ls "$work/corpus" | wc -l) inputs"

#!/usr/bin/env bash
# Chaos: thousands of articles through all four stages while workers are
# SIGKILLed every second or two (every stage, the publisher included), a
# summarizer is frozen past its lease (SIGSTOP) and thawed, PostgreSQL is
# restarted twice and the publisher's sessions are terminated. At the end
# every article must be recorded exactly once: none lost, no duplicate
# writes, no job stuck in a lease, and retries visible.
#
# CHAOS_ARTICLES (2000)   corpus size
# CHAOS_KILLS (36)        SIGKILLs before the driver stops and lets the run finish
# CHAOS_SECONDS (240)     stop the faults after this long anyway
# CHAOS_CONTROL=1         negative control: fencing off (test-only setting),
#                         only the SIGSTOP fault; the duplicate check must fire
# CHAOS_SOAK=1            repeat the stop, restarts and termination every 30
#                         kills instead of once (bench/chaos_soak.sh)
# bench/chaos_soak.sh runs this for longer with a bigger corpus.
. "$NM_SOURCE_DIR/tests/lib.sh"
articles=${CHAOS_ARTICLES:-2000}
control=${CHAOS_CONTROL:-0}
feeds=20
per_feed=$(( (articles + feeds - 1) / feeds ))
articles=$(( per_feed * feeds ))

# a private PostgreSQL: this test restarts it
pgdir="$NM_TMP/pg"
eval "$("$NM_SOURCE_DIR/tests/pg.sh" start "$pgdir")"
pg_stop() { "$NM_SOURCE_DIR/tests/pg.sh" stop "$pgdir"; }
trap 'nm_cleanup; pg_stop' EXIT
nm_newdb chaos

# corpus: the sample pages, each made unique by its article id
www="$NM_TMP/www"
mkdir -p "$www/a"
mapfile -t templates < <(ls "$NM_SOURCE_DIR"/deploy/sample/articles/*.html)
for f in $(seq 0 $((feeds - 1))); do
    {
        echo '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>chaos '"$f"'</title><link>http://127.0.0.1/</link><description>chaos</description>'
        for k in $(seq 0 $((per_feed - 1))); do
            i=$((f * per_feed + k))
            echo "<item><title>article $i</title><link>a/$i.html</link><guid>chaos-$i</guid></item>"
        done
        echo '</channel></rss>'
    } >"$www/feed$f.xml"
done
for t in "${!templates[@]}"; do
    tpl=$(<"${templates[$t]}")
    id=$(basename "${templates[$t]}" .html)
    for ((i = t; i < articles; i += ${#templates[@]})); do
        printf '%s\n' "${tpl//$id/$id-$i}" >"$www/a/$i.html"
    done
done
ok "corpus: $articles pages in $feeds feeds"

nm_httpd "$www"
nm_endpoints
export NEWSMILL_FETCHER_PARSER_ENDPOINTS="ipc://$NM_TMP/parser1,ipc://$NM_TMP/parser2"
export NEWSMILL_PARSER_SUMMARIZER_ENDPOINTS="ipc://$NM_TMP/summ1,ipc://$NM_TMP/summ2"
export NEWSMILL_PUBLISHER_LEASE_SECONDS=5
export NEWSMILL_PUBLISHER_MAX_ATTEMPTS=100
export NEWSMILL_PUBLISHER_BACKOFF_BASE_SECONDS=1
export NEWSMILL_PUBLISHER_BACKOFF_MAX_SECONDS=2
export NEWSMILL_FETCHER_CONCURRENCY=4
export NEWSMILL_ZMQ_SEND_TIMEOUT_MS=1000
export NEWSMILL_LOG_LEVEL=notice
[ "$control" = 1 ] && export NEWSMILL_PUBLISHER_UNSAFE_DISABLE_FENCING=true

"$NEWSMILL" db migrate >/dev/null
for f in $(seq 0 $((feeds - 1))); do
    "$NEWSMILL" feed add "$HTTPD/_slow/100/feed$f.xml" >/dev/null   # 100 ms per page: a run long enough to hurt
done

# workers by name; start_w NAME (re)starts one, with its own endpoint
declare -A pid
start_w() {
    local name=$1
    case $name in
        parser1|parser2) NEWSMILL_PARSER_BIND="ipc://$NM_TMP/${name}" nm_start parser "$name" ;;
        summ1|summ2) NEWSMILL_SUMMARIZER_BIND="ipc://$NM_TMP/${name}" nm_start summarizer "$name" ;;
        fetcher1|fetcher2) nm_start fetcher "$name" ;;
        publisher) nm_start publisher publisher ;;
    esac
    local v="NM_PID_$name"
    pid[$name]=${!v}
}
workers=(publisher parser1 parser2 summ1 summ2 fetcher1 fetcher2)
for w in "${workers[@]}"; do start_w "$w"; done

done_count() { sql "SELECT count(*) FROM jobs WHERE kind='article' AND state='done'" 2>/dev/null || echo 0; }
wait_sql 60 "SELECT count(*) > 0 FROM articles" t || fail "pipeline did not start"

kills=0; stopped=0; pg_restarts=0; terminations=0
declare -A hit
t0=$SECONDS
if [ "$control" = 1 ]; then
    # freeze a summarizer while it holds work, let its leases expire and the
    # work be redone elsewhere, then thaw it: its results are now stale
    kill -STOP "${pid[summ1]}"
    sleep $((NEWSMILL_PUBLISHER_LEASE_SECONDS * 3))
    kill -CONT "${pid[summ1]}"
    stopped=1
else
    round=(fetcher1 parser1 summ1 publisher fetcher2 parser2 summ2)   # every stage early on
    step=0
    while [ $kills -lt "${CHAOS_KILLS:-36}" ] && [ $((SECONDS - t0)) -lt "${CHAOS_SECONDS:-240}" ]; do
        step=$((step + 1))
        if [ $step -le ${#round[@]} ]; then w=${round[$((step - 1))]}; else w=${workers[$((RANDOM % ${#workers[@]}))]}; fi
        kill -KILL "${pid[$w]}" 2>/dev/null || true
        wait "${pid[$w]}" 2>/dev/null || true
        kills=$((kills + 1)); hit[${w%[12]}]=1
        sleep 0.3
        start_w "$w"
        phase=$step
        [ "${CHAOS_SOAK:-0}" = 1 ] && phase=$(( (step - 1) % 30 + 1 ))
        case $phase in
            6)  kill -STOP "${pid[summ2]}"; sleep $((NEWSMILL_PUBLISHER_LEASE_SECONDS + 2)); kill -CONT "${pid[summ2]}"; stopped=$((stopped + 1)) ;;
            10|22) pg_stop; sleep 1; eval "$("$NM_SOURCE_DIR/tests/pg.sh" start "$pgdir")"; pg_restarts=$((pg_restarts + 1)) ;;
            16) n=$(sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$NM_DB' AND pid <> pg_backend_pid()")
                terminations=$((terminations + n)) ;;
        esac
        sleep 1.5
    done
    echo "faults done after $((SECONDS - t0)) s with $(done_count) of $articles articles done"
fi

wait_sql 240 "SELECT count(*) FROM jobs WHERE kind='article' AND state='done'" "$articles" \
    || { sql "SELECT state, count(*) FROM jobs GROUP BY 1" >&2; fail "not every article job finished"; }
sleep $((NEWSMILL_PUBLISHER_LEASE_SECONDS + 2))   # let any straggling stale results arrive

rows=$(sql "SELECT count(*) FROM articles")
distinct=$(sql "SELECT count(DISTINCT canonical_url) FROM articles")
dup_writes=$(sql "SELECT coalesce(sum(writes), 0) - count(*) FROM articles")
summaries=$(sql "SELECT count(*) FROM summaries")
leased=$(sql "SELECT count(*) FROM jobs WHERE state = 'leased'")
ended_badly=$(sql "SELECT count(*) FROM jobs WHERE state IN ('dead','failed')")
retried=$(sql "SELECT count(*) FROM jobs WHERE kind='article' AND attempt > 1")
stale=$(cat "$NM_TMP"/publisher*.log | grep -c "stale" || true)
echo "chaos: articles=$articles rows=$rows distinct=$distinct duplicate_writes=$dup_writes summaries=$summaries" \
     "leased=$leased dead_or_failed=$ended_badly retried=$retried stale_rejected=$stale" \
     "kills=$kills stops=$stopped pg_restarts=$pg_restarts sessions_terminated=$terminations" \
     "seconds=$((SECONDS - t0))"

if [ "$control" = 1 ]; then
    [ "$dup_writes" -gt 0 ] || fail "negative control: fencing off, yet no duplicate writes detected — the check cannot fail"
    ok "negative control: with fencing off the check reports $dup_writes duplicate writes"
    exit 0
fi
[ "$rows" = "$articles" ] || fail "lost articles: $rows of $articles"
[ "$distinct" = "$rows" ] || fail "duplicate article rows"
[ "$dup_writes" = 0 ] || fail "$dup_writes duplicate writes got through fencing"
[ "$summaries" = "$articles" ] || fail "summaries: $summaries, expected $articles"
[ "$leased" = 0 ] || fail "$leased jobs stuck in a lease"
[ "$ended_badly" = 0 ] || fail "$ended_badly jobs dead or failed"
[ "$retried" -gt 0 ] || fail "no retries visible: the faults did not bite"
[ $kills -ge 30 ] || fail "only $kills kills (the fault loop timed out)"
for s in fetcher parser summ publisher; do [ -n "${hit[$s]:-}" ] || fail "stage $s never killed"; done
[ $pg_restarts -ge 2 ] || fail "PostgreSQL restarted $pg_restarts times, expected 2 or more"
ok "every article exactly once through $kills kills, $stopped stops, $pg_restarts PostgreSQL restarts"

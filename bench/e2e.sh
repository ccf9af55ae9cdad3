#!/usr/bin/env bash
# bench/e2e.sh N [BUILD]: end-to-end throughput of the whole pipeline.
#
# N article pages (the 711 real pages of ../shared/corpus/extraction-dev,
# repeated with distinct URLs past 711; copies get their canonical hints
# renamed so every article is a distinct row) are served gzip-encoded by the
# loopback server, listed in feeds of 500 items. One publisher, parser,
# summarizer (extractive) and fetcher run against a private PostgreSQL.
# Prints: seconds from start to the last article job done (the jobs' own
# finish times), articles/s overall, from the first article to the last
# (without the start-up: daemons starting, first feed polls) and over the
# second half (steady state, DB already holding N/2 articles),
# and peak (VmHWM) and median steady RSS of every worker, sampled every 0.5 s.
# Politeness limits are lifted (per-host concurrency, delay, robots): this
# measures newsmill's cost, not a crawl schedule.
# Then it waits until the story pass has assigned every article too, and
# prints the time and CPU at both points: "published" (last article job
# done) and "published and in stories" (nothing pending for the story
# pass), the honest end of the work. CPU is per article, for each worker and
# for PostgreSQL (postmaster and all its children, exited ones included).
# The bench's own polls are cheap: once a second over one open session,
# counts through partial indexes (pending/leased jobs, not-done story_queue
# rows), not scans.
# The cluster is tests/pg.sh's throwaway one: fsync, synchronous_commit and
# full_page_writes are off (printed with the results).
# NM_NO_FTS=1: drop the full-text index after migrating (measures what it
# costs; not how newsmill runs).
# NM_PGSS=1: load pg_stat_statements in the private cluster and print the
# statements that took most of PostgreSQL's time (total ms, calls, ms/call).
set -euo pipefail
n=${1:?usage: bench/e2e.sh N [BUILD]}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${2:-$root/build}" && pwd)
corpus=$root/../shared/corpus/extraction-dev/html
[ -d "$corpus" ] || { echo "e2e.sh: $corpus not found" >&2; exit 1; }
work=$(mktemp -d /tmp/nm-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 1
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    "$root/tests/pg.sh" stop "$work/pg" >/dev/null 2>&1 || true
    [ "${NM_KEEP:-0}" = 1 ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# pages and feeds
mkdir -p "$work/www/a"
python3 - "$corpus" "$work/www" "$n" <<'PY'
import gzip, os, re, sys
src, www, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pages = sorted(f for f in os.listdir(src) if f.endswith('.html.gz'))
hint = re.compile(rb'(rel\s*=\s*["\']?)canonical|og:url|"mainEntityOfPage"|"@id"', re.I)
items = []
for i in range(n):
    f = pages[i % len(pages)]
    name = 'a/%05d-%s' % (i, f)
    if i < len(pages):
        try:   # the test server refuses symlinks that leave its root
            os.link(os.path.join(src, f), os.path.join(www, name))
        except OSError:
            open(os.path.join(www, name), 'wb').write(open(os.path.join(src, f), 'rb').read())
    else:
        raw = gzip.decompress(open(os.path.join(src, f), 'rb').read())
        raw = hint.sub(lambda m: (m.group(1) + b'x-canonical') if m.group(1) else b'x-hint', raw)
        open(os.path.join(www, name), 'wb').write(gzip.compress(raw, 1))
    items.append(name[:-3])
for k in range(0, n, 500):
    with open(os.path.join(www, 'feed%03d.xml' % (k // 500)), 'w') as out:
        out.write('<?xml version="1.0"?><rss version="2.0"><channel><title>bench %d</title>\n' % k)
        for name in items[k:k + 500]:
            out.write('<item><title>%s</title><link>/%s</link><guid>%s</guid></item>\n' % (name, name, name))
        out.write('</channel></rss>\n')
PY

eval "$("$root/tests/pg.sh" start "$work/pg")"
if [ "${NM_PGSS:-0}" = 1 ]; then
    psql -X -q -d postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
    "$root/tests/pg.sh" stop "$work/pg" >/dev/null
    eval "$("$root/tests/pg.sh" start "$work/pg")"
    # plans per statement: a prepared statement planned at every call shows
    psql -X -q -d postgres -c "ALTER SYSTEM SET pg_stat_statements.track_planning = on" -c "SELECT pg_reload_conf()" >/dev/null
fi
export NEWSMILL_DATABASE_URL
NEWSMILL_DATABASE_URL=$("$root/tests/pg.sh" createdb nm_bench)
db() { psql -X -q -t -A -d "$NEWSMILL_DATABASE_URL" -c "$1"; }
# The polls go through one psql session kept open (a new connection per
# poll costs PostgreSQL a backend start, several ms of its CPU each).
# poll SQL: one query whose answer is one line.
poll() {
    local line
    # should the session be gone, ask with a connection of its own
    if { echo "${1//$'\n'/ };" >&"${POLL[1]}"; } 2>/dev/null && IFS= read -r -t 60 line <&"${POLL[0]}"; then
        echo "$line"
    else
        db "$1"
    fi
}
[ "${NM_PGSS:-0}" = 1 ] && db "CREATE EXTENSION pg_stat_statements" && db "SELECT pg_stat_statements_reset()" >/dev/null

"$build/tests/servers/nm_test_httpd" --root "$work/www" --port 0 --port-file "$work/port" >"$work/httpd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$work/port")"

export NEWSMILL_PUBLISHER_DISPATCH_ENDPOINT="ipc://$work/dispatch" NEWSMILL_PUBLISHER_SINK_ENDPOINT="ipc://$work/sink"
export NEWSMILL_FETCHER_PARSER_ENDPOINTS="ipc://$work/parser" NEWSMILL_PARSER_BIND="ipc://$work/parser"
export NEWSMILL_PARSER_SUMMARIZER_ENDPOINTS="ipc://$work/summ" NEWSMILL_SUMMARIZER_BIND="ipc://$work/summ"
export NEWSMILL_FETCHER_ALLOW_PRIVATE=true NEWSMILL_FETCHER_PER_HOST_CONCURRENCY=64
export NEWSMILL_FETCHER_PER_HOST_DELAY_MS=0 NEWSMILL_FETCHER_ROBOTS=false NEWSMILL_LOG_LEVEL=warning
export NEWSMILL_PUBLISHER_LEASE_SECONDS=120 NEWSMILL_LLM_ENABLED=false

"$build/cli/newsmill" db migrate >/dev/null
[ "${NM_NO_FTS:-0}" = 1 ] && db "DROP INDEX articles_fts" && echo "NM_NO_FTS=1: articles_fts dropped"
for f in "$work"/www/feed*.xml; do "$build/cli/newsmill" feed add "$base/$(basename "$f")" >/dev/null; done

declare -A wpid
for w in publisher parser summarizer fetcher; do
    "$build/$w/newsmill-$w" >"$work/$w.log" 2>&1 &
    wpid[$w]=$!
    pids+=($!)
done
t0=$(date +%s.%N)
half_t=""
: >"$work/rss"
# Done = article jobs - those pending or leased. The total is counted once,
# when every feed has been polled (its entries are jobs by then); until
# then nothing is done. Pending and leased jobs are read through their
# partial indexes (jobs_due_order, jobs_lease_expiry), not a scan of all jobs.
total=""
coproc POLL { psql -X -q -t -A -d "$NEWSMILL_DATABASE_URL" 2>&1; }
pids+=("$POLL_PID")
while :; do
    if [ -z "$total" ]; then
        done_n=0
        [ "$(poll "SELECT count(*) FROM feeds WHERE last_polled_at IS NULL")" = 0 ] &&
            total=$(poll "SELECT count(*) FROM jobs WHERE kind = 'article'")
    fi
    if [ -n "$total" ]; then
        left=$(poll "SELECT (SELECT count(*) FROM jobs WHERE state = 'pending' AND kind = 'article')
                        + (SELECT count(*) FROM jobs WHERE state = 'leased' AND kind = 'article')")
        done_n=$((total - left))
        [ "$total" -lt "$n" ] && [ "$left" = 0 ] && { echo "e2e.sh: only $total article jobs for $n articles" >&2; done_n=$n; }
    fi
    for w in publisher parser summarizer fetcher; do
        echo "$w $(awk '/VmRSS/ {print $2}' "/proc/${wpid[$w]}/status" 2>/dev/null || echo 0)" >>"$work/rss"
    done
    now=$(date +%s.%N)
    [ -z "$half_t" ] && [ "$done_n" -ge $((n / 2)) ] && half_t=$now && half_n=$done_n
    [ "$done_n" -ge "$n" ] && break
    if (( $(echo "$now - $t0 > 1800" | bc) )); then echo "e2e.sh: timeout with $done_n/$n done" >&2; exit 1; fi
    for w in publisher parser summarizer fetcher; do
        kill -0 "${wpid[$w]}" 2>/dev/null || { echo "e2e.sh: $w died" >&2; tail "$work/$w.log" >&2; exit 1; }
    done
    sleep 1
done
t1=$(date +%s.%N)
# nothing left for the story pass at this moment? then both ends coincide
[ "$(poll "SELECT count(*) FROM story_queue WHERE NOT done")" = 0 ] && st1=$t1
# The poll above looks once a second; the jobs' own finish times are exact
# (transaction start, same clock): the last one ends the run, the middle one
# starts its second half, the first one ends the start-up (daemons starting,
# first feed polls, the pipeline filling).
fin() { poll "SELECT extract(epoch FROM finished_at) FROM jobs WHERE kind = 'article' AND finished_at IS NOT NULL
              ORDER BY finished_at $1 LIMIT 1"; }
t_first=$(fin "OFFSET 0"); half_n=$((n / 2)); half_t=$(fin "OFFSET $((half_n - 1))"); t_last=$(fin "DESC")
[ "${st1:-}" = "$t1" ] && st1=$t_last
t1=$t_last
# CPU so far: the figures for "all article jobs done"
hz=$(getconf CLK_TCK)
cpu_of() { awk -v hz="$hz" '{print ($14 + $15 + $16 + $17) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pm=$(head -n 1 "$work/pg/data/postmaster.pid" 2>/dev/null || true)
pg_cpu() {
    [ -n "$pm" ] || { echo 0; return; }
    # one awk over the postmaster and its children (exited ones are in its
    # cutime). ps pads short pids with blanks; a child may exit meanwhile.
    local c f=()
    for c in "$pm" $(ps -o pid= --ppid "$pm"); do f+=("/proc/$c/stat"); done
    awk -v hz="$hz" '{t += $14 + $15 + $16 + $17} END {print t / hz}' "${f[@]}" 2>/dev/null || true
}
pg_at_done=$(pg_cpu)
pub_at_done=$(cpu_of "${wpid[publisher]}")
# The story pass runs behind the writes (publisher tick): wait for it too, so
# its cost is counted in full. story_queue holds every pending article
# (pending: articles.story_hash <> content_hash), read through its partial
# index; one full check at the end.
st0=$(date +%s.%N)
pending_sql="SELECT count(*) FROM articles WHERE coalesce(story_hash, '-') <> coalesce(content_hash, '')"
while :; do
    if [ "$(poll "SELECT count(*) FROM story_queue WHERE NOT done")" = 0 ]; then
        st1=${st1:-$(date +%s.%N)}
        [ "$(poll "$pending_sql")" = 0 ] && break
        st1=""
    fi
    if (( $(echo "$(date +%s.%N) - $st0 > 1800" | bc) )); then echo "e2e.sh: story pass timeout" >&2; break; fi
    sleep 0.25
done
st1=${st1:-$(date +%s.%N)}
pg_at_story=$(pg_cpu)
pub_at_story=$(cpu_of "${wpid[publisher]}")
for w in publisher parser summarizer fetcher; do
    echo "$w hwm $(awk '/VmHWM/ {print $2}' "/proc/${wpid[$w]}/status")" >>"$work/rss"
done
echo "articles: $n  done: $(db "SELECT count(*) FROM jobs WHERE kind='article' AND state='done'")  failed/dead: $(db "SELECT count(*) FROM jobs WHERE kind='article' AND state IN ('failed','dead')")  rows: $(db "SELECT count(*) FROM articles")  summaries: $(db "SELECT count(*) FROM summaries")"
echo "postgresql: $(db "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
                         WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes')") (tests/pg.sh)"
echo "published: seconds: $(echo "$t1 - $t0" | bc -l | xargs printf '%.1f')  articles/s: $(echo "$n / ($t1 - $t0)" | bc -l | xargs printf '%.1f')  second half articles/s: $(echo "($n - $half_n) / ($t1 - $half_t)" | bc -l | xargs printf '%.1f')"
echo "from the first article to the last: seconds: $(echo "$t1 - $t_first" | bc -l | xargs printf '%.1f')  articles/s: $(echo "($n - 1) / ($t1 - $t_first)" | bc -l | xargs printf '%.1f')  (start-up before the first: $(echo "$t_first - $t0" | bc -l | xargs printf '%.1f') s)"
echo "published and in stories: seconds: $(echo "$st1 - $t0" | bc -l | xargs printf '%.1f')  articles/s: $(echo "$n / ($st1 - $t0)" | bc -l | xargs printf '%.1f')  (story pass $(echo "$st1 - $t1" | bc -l | xargs printf '%.1f') s behind)"
for w in publisher parser summarizer fetcher; do
    peak=$(awk -v w=$w '$1==w && $2=="hwm" {print $3}' "$work/rss")
    steady=$(awk -v w=$w '$1==w && $2!="hwm" && $2>0 {print $2}' "$work/rss" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf 'rss %-11s peak %6.1f MB  median %6.1f MB\n' "$w" "$(echo "$peak/1024" | bc -l)" "$(echo "${steady:-0}/1024" | bc -l)"
done
# CPU per article: where the time goes (workers, and PostgreSQL's backends),
# when the last article job was done
for w in publisher parser summarizer fetcher; do
    c=$(cpu_of "${wpid[$w]}"); [ "$w" = publisher ] && c=$pub_at_done
    printf 'cpu %-11s %6.2f ms/article\n' "$w" "$(echo "$c * 1000 / $n" | bc -l)"
done
printf 'cpu %-11s %6.2f ms/article (postmaster and backends, exited ones included)\n' postgresql "$(echo "$pg_at_done * 1000 / $n" | bc -l)"
# and when the story pass had assigned every article too: the figures that count
printf 'published and in stories: cpu publisher %.2f, postgresql %.2f, both %.2f ms/article\n' \
    "$(echo "$pub_at_story * 1000 / $n" | bc -l)" "$(echo "$pg_at_story * 1000 / $n" | bc -l)" \
    "$(echo "($pub_at_story + $pg_at_story) * 1000 / $n" | bc -l)"
if [ "${NM_PGSS:-0}" = 1 ]; then
    echo "pg_stat_statements, top 15 by total time (ms total / calls / ms per call / rows / plans; query):"
    db "SELECT round(total_exec_time)::bigint || ' / ' || calls || ' / ' || round((total_exec_time / calls)::numeric, 3)
               || ' / ' || rows || ' / ' || plans || '  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 150)
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT 15"
    db "SELECT 'all statements: ' || round(sum(total_exec_time)) || ' ms, ' || sum(calls) || ' calls, '
               || round(sum(total_plan_time)) || ' ms planning, ' || sum(plans) || ' plans'
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
    echo "pg_stat_statements, top 8 by calls (calls / plans; query):"
    db "SELECT calls || ' / ' || plans || '  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110)
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY calls DESC LIMIT 8"
fi
grep -hiE "error|warn" "$work"/{publisher,parser,summarizer,fetcher}.log | sort | uniq -c | sort -rn | head -5 || true

#!/usr/bin/env bash
# End to end with an LLM: the four daemons on the sample corpus, the
# summarizer pointed at tests/servers/nm_test_llm (the OpenAI protocol over
# loopback, with retries scripted in: model "mixed" answers some articles
# only on a second try after malformed JSON, a cut-off answer or a 500).
#  1. LLM up: every article gets its extractive summary AND an LLM summary
#     with a Chinese title and summary, topics and tokens; the API key never
#     reaches a log; the server saw only well-formed requests.
#  2. LLM down: every article still gets its extractive summary plus an
#     llm_pending marker; `newsmill resummarize` later fills in every LLM
#     summary and clears the markers; a second run has nothing to do.
. "$NM_SOURCE_DIR/tests/lib.sh"
sample="$NM_SOURCE_DIR/deploy/sample"
n=$(jq length "$sample/expected.json")
KEY=sk-e2e-secret-0123456789

# nm_llm NAME ARGS...: start the test LLM server; sets LLM_PORT
nm_llm() {
    local name=$1 portfile="$NM_TMP/$1.port"
    shift
    "$NM_BUILD_DIR/tests/servers/nm_test_llm" --port 0 --port-file "$portfile" --log "$NM_TMP/$name.log" "$@" \
        >/dev/null 2>>"$NM_TMP/$name.log" &
    NM_PIDS+=($!)
    LLM_PID=$!
    for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.05; done
    [ -s "$portfile" ] || fail "test LLM server did not start"
    LLM_PORT=$(cat "$portfile")
}
llm_stat() { curl -s "http://127.0.0.1:$LLM_PORT/stats" | jq -r ".$1"; }

nm_endpoints
nm_httpd "$sample"
export NEWSMILL_PUBLISHER_LEASE_SECONDS=30
export NEWSMILL_LLM_PROMPTS_DIR="$NM_SOURCE_DIR/deploy/prompts"
export NEWSMILL_LLM_API_KEY="$KEY"
export NEWSMILL_LLM_TIMEOUT_SECONDS=5
export NEWSMILL_LLM_REQUESTS_PER_MINUTE=0
export NEWSMILL_LLM_CONCURRENCY=4
export NEWSMILL_LLM_TOKEN_FIELD=max_completion_tokens

run_pipeline() {
    "$NEWSMILL" db migrate >/dev/null
    "$NEWSMILL" feed add "$HTTPD/feed.xml" >/dev/null
    nm_start publisher "publisher_$1"; pub=$!
    nm_start parser "parser_$1"; par=$!
    nm_start summarizer "summarizer_$1"; sum=$!
    nm_start fetcher "fetcher_$1"; fet=$!
}
stop_pipeline() {
    stop_and_wait "$fet" 10
    stop_and_wait "$sum" 10
    stop_and_wait "$par" 10
    stop_and_wait "$pub" 10
}

# ---- 1. LLM up ----
nm_llm llm-up --key "$KEY" --token-field max_completion_tokens --response-format json_object
export NEWSMILL_LLM_BASE_URL="http://127.0.0.1:$LLM_PORT/v1"
export NEWSMILL_LLM_MODEL=mixed
nm_newdb e2e_llm_up
run_pipeline up
wait_sql 90 "SELECT count(*) FROM articles" "$n" || fail "expected $n articles"
wait_sql 60 "SELECT count(*) FROM summaries" "$((2 * n))" || fail "expected $((2 * n)) summaries"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'extractive' AND length(summary) > 80")" = "$n" ] \
    || fail "not every article has its extractive summary"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'llm:mixed' AND language = 'zh'
          AND title ~ '[一-龥]' AND summary ~ '[一-龥]' AND char_length(summary) >= 100
          AND tokens_used > 0 AND cardinality(topics) >= 1")" = "$n" ] \
    || fail "not every article has a Chinese LLM title and summary: $(sql "SELECT backend, language, title FROM summaries WHERE backend <> 'extractive'")"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'llm_pending'")" = 0 ] || fail "llm_pending left"
[ "$(sql "SELECT count(*) FROM (SELECT article_id FROM summaries GROUP BY article_id HAVING count(*) <> 2) x")" = 0 ] \
    || fail "an article lacks one of its two summaries"
# the Chinese title translates this article's own headline (not another's)
t=$(jq -r '.[0].title' "$sample/expected.json")
[ "$(echo "SELECT s.title FROM summaries s JOIN articles a ON a.id = s.article_id
           WHERE s.backend = 'llm:mixed' AND a.title = :'t'" | psql -X -q -t -A -d "$NM_DB" -v t="$t")" = "中文标题：$t" ] \
    || fail "LLM title does not belong to its article"
reqs=$(llm_stat requests)
[ "$(llm_stat bad_requests)" = 0 ] || fail "the LLM server refused requests: $(llm_stat last_error)"
[ "$(llm_stat unauthorized)" = 0 ] || fail "requests without the API key"
[ "$reqs" -gt "$n" ] || fail "expected retries (model mixed): $reqs requests for $n articles"
ok "LLM up: $n articles with extractive and Chinese LLM summaries ($reqs requests, retries included)"
stop_pipeline
! grep -rqF "$KEY" "$NM_TMP"/*.log || fail "the API key appears in a log"
ok "the API key is in no log; workers stop on SIGTERM"

# ---- 2. LLM down, then resummarize ----
kill -TERM "$LLM_PID"; wait "$LLM_PID" 2>/dev/null || true
export NEWSMILL_LLM_MODEL=ok
export NEWSMILL_LLM_MAX_ATTEMPTS=2          # nothing listens on LLM_PORT now
nm_newdb e2e_llm_down
run_pipeline down
wait_sql 90 "SELECT count(*) FROM articles" "$n" || fail "expected $n articles with the LLM down"
wait_sql 60 "SELECT count(*) FROM summaries" "$((2 * n))" || fail "expected extractive + pending summaries"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'extractive' AND length(summary) > 80")" = "$n" ] \
    || fail "LLM down: not every article has its extractive summary"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'llm_pending' AND language = 'zh' AND summary = ''")" = "$n" ] \
    || fail "LLM down: articles not marked llm_pending"
[ "$(sql "SELECT count(*) FROM jobs WHERE kind = 'article' AND state = 'done'")" = "$n" ] || fail "jobs not done"
ok "LLM down: every article stored with its extractive summary, marked llm_pending"
stop_pipeline

nm_llm llm-back --key "$KEY" --token-field max_completion_tokens
export NEWSMILL_LLM_BASE_URL="http://127.0.0.1:$LLM_PORT/v1"
"$NEWSMILL" resummarize --since 2025-07-01 --dry-run | tail -n 1 | grep -q "^$n articles lack" \
    || fail "dry run does not count $n articles"
[ "$(llm_stat requests)" = 0 ] || fail "a dry run asked the LLM"
out=$("$NEWSMILL" resummarize --since 2025-07-01 2>"$NM_TMP/resummarize.log") \
    || fail "resummarize failed: $(tail -5 "$NM_TMP/resummarize.log")"
echo "$out" | grep -q "resummarized $n of $n articles (0 failed)" || fail "resummarize said: $out"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'llm:ok' AND language = 'zh' AND title ~ '[一-龥]'
          AND summary ~ '[一-龥]' AND tokens_used > 0")" = "$n" ] || fail "resummarize did not store $n LLM summaries"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'llm_pending'")" = 0 ] || fail "llm_pending markers left"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'extractive'")" = "$n" ] || fail "extractive summaries lost"
out=$("$NEWSMILL" resummarize --since 2025-07-01 --limit 5 2>/dev/null) || fail "second resummarize failed"
echo "$out" | grep -q "resummarized 0 of 0" || fail "second resummarize was not a no-op: $out"
[ "$(llm_stat requests)" = "$n" ] || fail "expected $n LLM requests, got $(llm_stat requests)"
! grep -rqF "$KEY" "$NM_TMP"/*.log || fail "the API key appears in a log"
ok "resummarize filled in $n LLM summaries and cleared the markers; a rerun does nothing"

# ---- 3. SIGTERM while LLM answers are in flight ----
# model "slow" answers after 3 s: the summarizer holds articles when told
# to stop; it must exit within seconds, and every article it held must
# still reach the database (answered, or marked llm_pending).
export NEWSMILL_LLM_MODEL=slow NEWSMILL_LLM_TIMEOUT_SECONDS=10 NEWSMILL_LLM_MAX_ATTEMPTS=1
nm_newdb e2e_llm_drain
curl -s -X POST "http://127.0.0.1:$LLM_PORT/reset" >/dev/null
run_pipeline drain
for _ in $(seq 100); do [ "$(llm_stat requests)" -ge 4 ] && break; sleep 0.1; done
[ "$(llm_stat requests)" -ge 4 ] || fail "no LLM requests in flight"
t0=$SECONDS
stop_and_wait "$sum" 8
held=$(grep -c "summarized " "$NM_TMP/summarizer_drain.log" || true)
[ "$held" -ge 4 ] || fail "the stopping summarizer sent $held articles, expected every one it held (>= 4)"
wait_sql 15 "SELECT count(*) >= 4 FROM summaries WHERE backend IN ('llm:slow', 'llm_pending')" t \
    || fail "articles held at SIGTERM did not reach the database"
[ "$(sql "SELECT count(*) FROM summaries WHERE backend = 'llm_pending'")" -ge 1 ] || fail "nothing marked pending"
[ "$(sql "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM summaries s
          WHERE s.article_id = a.id AND s.backend = 'extractive')")" = 0 ] || fail "an article without its extractive summary"
ok "SIGTERM with LLM work in flight: exit in $((SECONDS - t0)) s, $held articles sent on (answered or llm_pending)"
stop_and_wait "$fet" 10
stop_and_wait "$par" 10
stop_and_wait "$pub" 10

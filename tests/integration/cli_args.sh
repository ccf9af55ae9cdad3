#!/usr/bin/env bash
# The newsmill tool's argument contract, common to every command (cli_opts.c):
# exit 2 with "newsmill CMD: ..." on stderr for an unknown option or a missing
# value, options accepted before or after operands and as --opt=VALUE, "--"
# ending the options, and extra operands refused. No database is needed.
source "$NM_SOURCE_DIR/tests/lib.sh"
N="$NEWSMILL"
page=$(ls "$NM_SOURCE_DIR"/deploy/sample/articles/*.html | head -1)

# usage: expects exit status 2 and the message on stderr
usage_error() {
    local want=$1; shift
    local rc=0 err
    err=$("$N" "$@" 2>&1 >/dev/null) || rc=$?
    [ "$rc" = 2 ] || fail "'newsmill $*' should exit 2, got $rc"
    grep -qF -- "$want" <<<"$err" || fail "'newsmill $*' said: $(head -1 <<<"$err"), not '$want'"
}

usage_error "newsmill: unknown option '--bogus'" --bogus
usage_error "newsmill: --config needs a value" --config
usage_error "newsmill extract: unknown option '--nope'" extract --nope "$page"
usage_error "newsmill extract: unknown option '-q'" extract -q "$page"
usage_error "newsmill extract: --format needs a value" extract "$page" --format
usage_error "newsmill feed parse: --url needs a value" feed parse --url
usage_error "newsmill summarize: --sentences must be" summarize --sentences 0 "$page"
usage_error "newsmill digest: unexpected argument 'extra'" digest --date 2025-07-13 extra
usage_error "newsmill status: unexpected argument 'x'" status x
usage_error "usage: newsmill keygen" keygen --force --public "$NM_TMP/k.secret"
ok "unknown options, missing values and extra operands exit 2 with the command's name"

# options after the operand, --opt=VALUE, and the global option before the command
t1=$("$N" extract --format text "$page") || fail "extract --format text failed"
t2=$("$N" extract "$page" --format=text) || fail "extract FILE --format=text failed"
[ "$t1" = "$t2" ] || fail "option order changed the output"
head -1 <<<"$t1" | grep -q . || fail "extract --format text printed nothing"
grep -q '^{' <<<"$t1" && fail "--format text printed JSON"
m=$("$N" --config /dev/null extract --format markdown "$page") || fail "--config before the command failed"
grep -q '^# ' <<<"$m" || fail "--format markdown has no '# ' title line"
ok "options before or after operands, --opt=VALUE, global --config"

# "--" ends the options: a file whose name starts with a dash
cp "$page" "$NM_TMP/-page.html"
(cd "$NM_TMP" && "$N" extract --format text -- -page.html) >"$NM_TMP/dash.txt" || fail "extract -- -page.html failed"
cmp -s "$NM_TMP/dash.txt" <(printf '%s\n' "$t1") || fail "extract after -- gave different text"
ok "-- ends the options"

# keygen: two pairs, then --public reads one back
(cd "$NM_TMP" && "$N" keygen a b) >"$NM_TMP/keys" || fail "keygen a b failed"
[ -s "$NM_TMP/a.secret" ] && [ -s "$NM_TMP/b.public" ] || fail "keygen did not write the key files"
pub=$("$N" keygen --public "$NM_TMP/a.secret") || fail "keygen --public failed"
[ "$pub" = "$(grep -v "^#" "$NM_TMP/a.public")" ] || fail "keygen --public gave $pub, not the key in a.public"
grep -qxF "a $pub" "$NM_TMP/keys" || fail "keygen did not print 'a PUBLIC': $(cat "$NM_TMP/keys")"
ok "keygen NAME..., keygen --public"

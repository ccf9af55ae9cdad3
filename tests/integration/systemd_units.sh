#!/usr/bin/env bash
# The systemd units as installed: `cmake --install` into a temporary root puts
# binaries, units, configuration and credential directories where Debian
# expects them; `systemd-analyze verify` prints nothing for every unit (with
# --root, so ExecStart must name the installed binary); and
# `systemd-analyze security --offline=true` rates every unit at 2.0 or less.
# Neither needs a running systemd.
source "$(dirname "$0")/../lib.sh"
command -v systemd-analyze >/dev/null || fail "systemd-analyze not installed (apt-get install systemd)"

root="$NM_TMP/root"
DESTDIR="$root" cmake --install "$NM_BUILD_DIR" >"$NM_TMP/install.log" 2>&1 || { cat "$NM_TMP/install.log" >&2; fail "cmake --install"; }
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$NM_BUILD_DIR/CMakeCache.txt")
units="$root$prefix/lib/systemd/system"
etc=$(ls -d "$root"/etc/newsmill "$root$prefix"/etc/newsmill 2>/dev/null | head -n 1 || true)

# what an operator needs is where the units expect it
for f in "$root$prefix/sbin/newsmill-publisher" "$root$prefix/sbin/newsmill-fetcher" \
         "$root$prefix/sbin/newsmill-parser" "$root$prefix/sbin/newsmill-summarizer" \
         "$root$prefix/bin/newsmill" "$etc/newsmill.ini" "$etc/newsmill.ini.example" \
         "$units/newsmill-publisher.service" "$units/newsmill-fetcher@.service" \
         "$units/newsmill-parser@.service" "$units/newsmill-summarizer@.service" "$units/newsmill.target"; do
    [ -e "$f" ] || fail "not installed: ${f#$root}"
done
for w in publisher fetcher parser summarizer; do
    [ "$(stat -c %a "$etc/credentials/$w")" = 700 ] || fail "credentials/$w is not mode 0700"
done
grep -q "ExecStart=$prefix/sbin/newsmill-publisher" "$units/newsmill-publisher.service" \
    || fail "installed unit does not start the installed binary"
ok "cmake --install: binaries, units, configuration, credential directories"

# secrets never in a unit: only credential references
if cat "$units"/newsmill* | grep -v '^#' | grep -Eiq 'password|api_key|secret_key=|DATABASE_URL='; then
    fail "a unit carries a secret"
fi
grep -q '^LoadCredential=' "$units/newsmill-publisher.service" || fail "publisher has no LoadCredential="

# verify resolves dependencies against the root's unit tree
mkdir -p "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
check_unit() {   # check_unit INSTANCE-NAME TEMPLATE-FILE
    local name=$1 file=$2 out score
    # an instance is checked as a file of its own name, so %i is expanded
    [ "$file" = "$units/$name" ] || cp "$file" "$units/$name"
    out=$(systemd-analyze verify --root="$root" --man=no "$units/$name" 2>&1) || fail "verify $name: $out"
    [ -z "$out" ] || fail "verify $name printed: $out"
    [ "${name##*.}" = service ] || return 0
    out=$(systemd-analyze security --offline=true --root="$root" "$units/$name" 2>&1 | tail -n 1)
    score=$(sed -n 's/.*exposure level for .*: \([0-9.]*\).*/\1/p' <<<"$out")
    [ -n "$score" ] || fail "security $name: no score in: $out"
    awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "$name exposure $score > 2.0"
    echo "  $name: exposure $score"
    [ "$file" = "$units/$name" ] || rm -f "$units/$name"
}
check_unit newsmill-publisher.service "$units/newsmill-publisher.service"
check_unit newsmill-fetcher@1.service "$units/newsmill-fetcher@.service"
check_unit newsmill-parser@7103.service "$units/newsmill-parser@.service"
check_unit newsmill-summarizer@7104.service "$units/newsmill-summarizer@.service"
check_unit newsmill.target "$units/newsmill.target"
ok "systemd-analyze verify is silent; every unit's exposure is 2.0 or less"

# negative control: the same check flags a unit without the hardening
grep -Ev '^(DynamicUser|ProtectSystem|PrivateUsers|SystemCallFilter|CapabilityBoundingSet|RestrictNamespaces|PrivateDevices|ProtectKernel)' \
    "$units/newsmill-publisher.service" >"$NM_TMP/soft.service"
score=$(systemd-analyze security --offline=true "$NM_TMP/soft.service" 2>&1 | tail -n 1 | sed -n 's/.*: \([0-9.]*\).*/\1/p')
awk -v s="$score" 'BEGIN { exit !(s > 2.0) }' || fail "unhardened unit scored $score: the check cannot fail"
ok "negative control: an unhardened unit scores $score"

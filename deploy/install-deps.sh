#!/usr/bin/env bash
# Install the Debian 12 packages newsmill needs to build, test and run, when
# missing. Safe to re-run: does nothing when everything is present.
set -euo pipefail

packages=(
    cmake make gcc pkg-config
    libzmq3-dev libprotobuf-c-dev protobuf-c-compiler libcurl4-openssl-dev libpq-dev
    libxml2-dev libjansson-dev libinih-dev libsystemd-dev zlib1g-dev libmicrohttpd-dev
    libstemmer-dev libuchardet-dev
    libdeflate-dev libbrotli-dev   # the parser decodes pages passed through compressed
    postgresql postgresql-client procps jq
    iproute2 curl systemd   # ops tests: ip netns, metrics scrapes, systemd-analyze
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    "${sudo[@]}" apt-get update -q >/dev/null
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
# Debian's postgresql package starts a system cluster we do not use.
if [[ " ${missing[*]} " == *" postgresql "* ]] && command -v systemctl >/dev/null 2>&1; then
    "${sudo[@]}" systemctl stop postgresql >/dev/null 2>&1 || true
fi

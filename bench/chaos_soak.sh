#!/usr/bin/env bash
# Long chaos soak: the chaos test with a bigger corpus and many more faults;
# the SIGSTOP, the PostgreSQL restarts and the session termination recur
# every 30 kills (CHAOS_SOAK=1).
#   bench/chaos_soak.sh [ARTICLES] [KILLS]     (defaults 20000 and 600)
# Needs a built tree and PostgreSQL exports from tests/pg.sh, e.g.:
#   eval "$(tests/pg.sh start build/test-pg)"
#   NM_SOURCE_DIR=$PWD NM_BUILD_DIR=$PWD/build bench/chaos_soak.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export NM_SOURCE_DIR=${NM_SOURCE_DIR:-$root} NM_BUILD_DIR=${NM_BUILD_DIR:-$root/build}
CHAOS_ARTICLES=${1:-20000} CHAOS_KILLS=${2:-600} CHAOS_SECONDS=${CHAOS_SECONDS:-3600} CHAOS_SOAK=1 \
    exec bash "$root/tests/e2e/chaos.sh"

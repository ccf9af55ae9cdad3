#!/usr/bin/env bash
# The chaos test's negative control: the same check with fencing switched
# off (a test-only setting) must report duplicate writes.
CHAOS_CONTROL=1 CHAOS_ARTICLES=${CHAOS_ARTICLES:-400} exec bash "$NM_SOURCE_DIR/tests/e2e/chaos.sh"

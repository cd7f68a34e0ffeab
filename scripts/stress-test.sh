#!/usr/bin/env bash
# Runs `make test` N times in a row (default 5) while `stress --cpu 2`
# loads the machine, to show that the tests wait for events rather than
# for time. CI does not run it every time; run it before a release or
# after touching timing-sensitive code:
#
#   scripts/stress-test.sh [N]
#
# It needs Debian's `stress` (apt-get install stress). It stops at the
# first failing run and prints a summary line per run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
command -v stress >/dev/null || { echo "stress is not installed (apt-get install stress)" >&2; exit 2; }

stress --cpu 2 --quiet &
stress_pid=$!
trap 'kill "$stress_pid" 2>/dev/null || true' EXIT

# Every run tests again: without -count=1, runs 2..N would replay go
# test's cached results.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1"

log_dir="$(mktemp -d)"
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if make test >"$log_dir/run-$i.log" 2>&1; then
    echo "run $i/$runs: ok in $(( $(date +%s) - start )) s"
  else
    echo "run $i/$runs: FAILED after $(( $(date +%s) - start )) s; log: $log_dir/run-$i.log" >&2
    grep -E -- '^(--- FAIL|FAIL|panic:)' "$log_dir/run-$i.log" | head -20 >&2 || true
    exit 1
  fi
done
echo "all $runs runs passed under stress --cpu 2 (logs in $log_dir)"

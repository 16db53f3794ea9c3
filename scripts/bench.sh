#!/usr/bin/env bash
# The benchmarks: installs what is missing (wrk for the REST bridge cases, redis-tools for
# redis-benchmark), builds in release mode and runs cache-bench. Arguments go to cache-bench
# (e.g. `scripts/bench.sh --seconds 6 --json /tmp/bench.json`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-deps.sh
ensure_deps wrk
swift build -c release --product cache-bench
exec "$(swift build -c release --show-bin-path)/cache-bench" "$@"

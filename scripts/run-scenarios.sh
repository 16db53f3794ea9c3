#!/usr/bin/env bash
# The main job: installs what is missing, builds the scenario runner in release mode, runs the scenario
# suite (Scenarios/) and writes the validation report to reports/. Extra arguments go to
# `cache-scenarios run` (e.g. `--quick`, `--seed 7`, `--out /tmp/r`, or scenario files).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-deps.sh
ensure_deps
swift build -c release --product cache-scenarios
exec .build/release/cache-scenarios run "$@"

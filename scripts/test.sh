#!/usr/bin/env bash
# The test command: installs what is missing (libhiredis-dev, redis-server, redis-tools), then runs every
# test suite, including the quick scenario suite against real redis-server processes the tests start.
# Extra arguments go to `swift test` (e.g. `scripts/test.sh --filter CacheCoreTests`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-deps.sh
ensure_deps
swift build --build-tests
swift test --skip-build "$@"

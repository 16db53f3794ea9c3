#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (Fuzz/Targets): scripts/fuzz.sh [TARGET] [SECONDS]
#   TARGET   codec | glob | resp | control-json | scenario | all (default: all)
#   SECONDS  how long each target runs (default: 20)
# Each target starts from its committed seed corpus (Fuzz/Corpus/<target>) plus what earlier runs found
# (.build-fuzz/corpus/<target>). A crash, a timeout or an out-of-memory stops that target, leaves the input
# in .build-fuzz/crashes/<target>/ and makes the script exit 1 once every requested target has run.
# Reproduce one with: .build-fuzz/release/fuzz-<target> <file>
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-deps.sh
ensure_deps

all_targets=(codec glob resp control-json scenario)
target="${1:-all}"
seconds="${2:-20}"
if [ "$target" = "all" ]; then
    targets=("${all_targets[@]}")
elif printf '%s\n' "${all_targets[@]}" | grep -qx -- "$target"; then
    targets=("$target")
else
    echo "unknown fuzz target '$target'; expected one of: ${all_targets[*]} all" >&2
    exit 2
fi
case "$seconds" in ''|*[!0-9]*) echo "SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

# The fuzz targets exist only with PCACHE_FUZZ=1 (see Package.swift). -sanitize=fuzzer instruments every
# module for coverage and links libFuzzer; -enable-testing lets targets reach internal parsers with
# @testable import; lld, because gold stops with an internal error on these links.
scratch=.build-fuzz
build_flags=(-c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing -Xswiftc -use-ld=lld)
for name in "${targets[@]}"; do
    echo "==> building fuzz-$name" >&2
    PCACHE_FUZZ=1 swift build "${build_flags[@]}" --product "fuzz-$name" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
done
bin="$(PCACHE_FUZZ=1 swift build "${build_flags[@]}" --show-bin-path)"

failed=()
for name in "${targets[@]}"; do
    corpus="$scratch/corpus/$name"
    crashes="$scratch/crashes/$name"
    log="$scratch/logs/$name.log"
    mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
    echo "==> fuzz-$name for ${seconds}s (log: $log)" >&2
    status=0
    "$bin/fuzz-$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "Fuzz/Corpus/$name" >"$log" 2>&1 || status=$?
    runs="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)"
    if [ "$status" -ne 0 ]; then
        artifact="$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)"
        echo "fuzz $name: FAILED (exit $status) after ${runs:-?} runs; input: ${artifact:-see log}" >&2
        grep -E 'Fatal error|ERROR: libFuzzer|SUMMARY' "$log" | head -n 5 >&2 || true
        failed+=("$name")
    else
        echo "fuzz $name: ok, ${runs:-?} runs in ${seconds}s, corpus $(ls "$corpus" | wc -l) inputs"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]}" >&2
    exit 1
fi

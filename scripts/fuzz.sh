#!/usr/bin/env bash
# Fuzzes the whole per-file pipeline (fuzz/fuzz_targets/pipeline.rs) with
# cargo-fuzz (libFuzzer; needs a nightly toolchain) for SECONDS seconds, in
# one process (one core). Seeds come from fixtures/, copied into the ignored
# corpus directory. Crashers land in fuzz/artifacts/pipeline/; reproduce one
# with `cargo +nightly fuzz run pipeline FILE`, then keep it as a test in
# tests/fuzz_regressions.rs.
#
#   scripts/fuzz.sh SECONDS [libFuzzer options...]
#   MOUNTGUARD_FUZZ_SANITIZER=none scripts/fuzz.sh 60   # faster, no ASan
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:?usage: scripts/fuzz.sh SECONDS [libFuzzer options...]}
shift

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs a nightly toolchain (rustup toolchain install nightly)" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs cargo-fuzz (cargo install cargo-fuzz)" >&2
    exit 2
fi

corpus=fuzz/corpus/pipeline
mkdir -p "$corpus" fuzz/artifacts/pipeline
# Seeds named by content, so re-running adds nothing twice.
find fixtures -name '*.py' -type f -print0 | while IFS= read -r -d '' file; do
    cp -n "$file" "$corpus/seed-$(sha1sum "$file" | cut -c1-16)"
done

log=fuzz/artifacts/pipeline/last-run.log
# -timeout: an input taking this long is reported as a hang.
# -rss_limit_mb: a memory blow-up is a finding too.
set +e
cargo +nightly fuzz run \
    --sanitizer "${MOUNTGUARD_FUZZ_SANITIZER:-address}" \
    pipeline "$corpus" -- \
    -dict=fuzz/pipeline.dict \
    -max_len="${MOUNTGUARD_FUZZ_MAX_LEN:-16384}" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -max_total_time="$seconds" \
    -print_final_stats=1 \
    "$@" 2>&1 | tee "$log" | grep -E '^(#[0-9]+.*(pulse|DONE|NEW)|Done|stat::|==[0-9]+==|SUMMARY|.*panicked)' | tail -n 40
status=${PIPESTATUS[0]}
set -e
echo "fuzz.sh: $(grep -E '^stat::number_of_executed_units' "$log" || echo 'no stats') (full log: $log)"
exit "$status"

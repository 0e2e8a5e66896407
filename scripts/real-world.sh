#!/usr/bin/env bash
# Run mountguard over the real-world corpus (nova, cinder, os-brick, manila)
# and summarise the findings per rule and per severity. See --help.
set -euo pipefail

usage() {
  cat <<USAGE
usage: scripts/real-world.sh [options] [-- MOUNTGUARD-CHECK-ARGS...]

Runs 'mountguard check --format json --exit-zero' over the four corpus trees
(fetching them first with scripts/fetch-corpus.sh), from the corpus directory
so paths read 'nova-34.0.0/nova/...'. Writes to \$MOUNTGUARD_CACHE/real-world/:
  findings.json   the full JSON output
  stderr.txt      mountguard's stderr (file diagnostics, summary)
  summary.txt     counts per rule, per severity, per rule x severity (all,
                  production code, tests), per tree, and the files with most
                  findings (also printed on stdout)
  sample.md       a seeded random sample of production findings (not under
                  tests/) per rule, with traces and source lines, for triage
                  (issue 8)

Options:
  --sample N      findings per rule in sample.md (default 40; 0: no sample)
  --seed S        random seed for the sample (default 8)
  --no-build      do not run 'cargo build --release' first
  -h, --help      this text
Arguments after '--' go to 'mountguard check' (e.g. -- --select MG001).

Environment:
  MOUNTGUARD_CACHE  cache directory (default: <repo>/.cache)
  MOUNTGUARD_CORPUS corpus directory (default: \$MOUNTGUARD_CACHE/corpus)
  MOUNTGUARD_BIN    binary to run (default: target/release/mountguard; implies --no-build)
  PYTHON            interpreter for the summary (default: python3)
USAGE
}

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SAMPLE=40
SEED=8
BUILD=1
[[ -n "${MOUNTGUARD_BIN:-}" ]] && BUILD=0
PYTHON="${PYTHON:-python3}"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sample) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || die "--sample needs a number"; SAMPLE="$2"; shift 2 ;;
    --seed) [[ $# -ge 2 && -n "$2" ]] || die "--seed needs a value"; SEED="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON=...)"

"$REPO_ROOT/scripts/fetch-corpus.sh" >&2
trees=()
while IFS= read -r dir; do
  trees+=("$(basename "$dir")")
done < <(corpus_trees)

MG="${MOUNTGUARD_BIN:-${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/mountguard}"
if [[ "$BUILD" -eq 1 ]]; then
  command -v cargo >/dev/null || die "cargo not found: install Rust, or set MOUNTGUARD_BIN"
  log "building mountguard (release)"
  (cd "$REPO_ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
fi
[[ -x "$MG" ]] || die "no mountguard binary at $MG (build it, or set MOUNTGUARD_BIN)"
MG="$(cd "$(dirname "$MG")" && pwd)/$(basename "$MG")"

OUT="$CACHE_DIR/real-world"
mkdir -p "$OUT"
log "running mountguard on ${trees[*]}"
start="$(date +%s.%N)"
status=0
(cd "$CORPUS_DIR" && "$MG" check --format json --exit-zero "${extra[@]}" "${trees[@]}") \
  >"$OUT/findings.json.tmp" 2>"$OUT/stderr.txt" || status=$?
end="$(date +%s.%N)"
if [[ "$status" -ne 0 ]]; then
  tail -n 20 "$OUT/stderr.txt" >&2
  die "mountguard exited with status $status (stderr: $OUT/stderr.txt)"
fi
mv "$OUT/findings.json.tmp" "$OUT/findings.json"

commit="$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
version="$("$MG" --version 2>/dev/null || echo "mountguard (version unknown)")"
header="$version, commit $commit; $(date -u '+%Y-%m-%d %H:%M UTC'); $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f s", e - s }')"
"$PYTHON" "$REPO_ROOT/scripts/real_world_summary.py" \
  --findings "$OUT/findings.json" --stderr "$OUT/stderr.txt" \
  --corpus-dir "$CORPUS_DIR" --header "$header" \
  --sample "$SAMPLE" --seed "$SEED" --sample-out "$OUT/sample.md" \
  | tee "$OUT/summary.txt"
log "wrote $OUT/summary.txt, $OUT/findings.json$([[ "$SAMPLE" -gt 0 ]] && echo ", $OUT/sample.md")"

#!/usr/bin/env bash
# Benchmark mountguard against Ruff, Bandit and Semgrep on the OpenStack
# corpus and write docs/benchmarks.md. See --help.
set -euo pipefail

usage() {
  cat <<USAGE
usage: bench/run.sh [options]

Fetches the corpus (scripts/fetch-corpus.sh), installs Ruff, Bandit and
Semgrep into a venv under the cache directory, builds mountguard in release
mode, then times every tool on the same corpus in alternating rounds and
writes the report (machine, versions, commands, medians, ratios, peak RSS).

Options:
  --rounds N           rounds for mountguard and Ruff (default: \$ROUNDS or 5)
  --bandit-rounds N    rounds for Bandit, ~100 s each (default: \$BANDIT_ROUNDS or 1; 0 skips)
  --semgrep-rounds N   rounds for Semgrep (default: \$SEMGREP_ROUNDS or 1; 0 skips)
  --single-rounds N    rounds for the single-file runs (default: \$SINGLE_ROUNDS or 20)
  --quick              smoke test: 1 round, 3 single-file rounds, no Bandit/Semgrep
  --output FILE        report path (default: docs/benchmarks.md)
  --no-build           use an existing binary (\$MOUNTGUARD_BIN or target/release/mountguard)
  -h, --help           this text

Environment:
  MOUNTGUARD_CACHE     cache directory (default: <repo>/.cache); corpus in
                       \$MOUNTGUARD_CACHE/corpus, venv in \$MOUNTGUARD_CACHE/bench-venv
  MOUNTGUARD_BIN       mountguard binary to time (implies --no-build)
  MOUNTGUARD_DESC      how that binary was built, for the report
  TIMEOUT              seconds after which one run is killed (default 1800)
  RUFF_VERSION, BANDIT_VERSION, SEMGREP_VERSION   pinned tool versions
  PYTHON               interpreter used to create the venv (default: python3)
USAGE
}

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

ROUNDS="${ROUNDS:-5}"
BANDIT_ROUNDS="${BANDIT_ROUNDS:-1}"
SEMGREP_ROUNDS="${SEMGREP_ROUNDS:-1}"
SINGLE_ROUNDS="${SINGLE_ROUNDS:-20}"
TIMEOUT="${TIMEOUT:-1800}"
OUTPUT="$REPO_ROOT/docs/benchmarks.md"
BUILD=1
[[ -n "${MOUNTGUARD_BIN:-}" ]] && BUILD=0
RUFF_VERSION="${RUFF_VERSION:-0.17.6}"
BANDIT_VERSION="${BANDIT_VERSION:-1.9.4}"
SEMGREP_VERSION="${SEMGREP_VERSION:-1.185.0}"
PYTHON="${PYTHON:-python3}"

need_arg() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }
is_count() { [[ "$1" =~ ^[0-9]+$ ]] || die "$2 must be a non-negative integer, got '$1'"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) need_arg "$@"; ROUNDS="$2"; shift 2 ;;
    --bandit-rounds) need_arg "$@"; BANDIT_ROUNDS="$2"; shift 2 ;;
    --semgrep-rounds) need_arg "$@"; SEMGREP_ROUNDS="$2"; shift 2 ;;
    --single-rounds) need_arg "$@"; SINGLE_ROUNDS="$2"; shift 2 ;;
    --quick) ROUNDS=1; SINGLE_ROUNDS=3; BANDIT_ROUNDS=0; SEMGREP_ROUNDS=0; shift ;;
    --output) need_arg "$@"; OUTPUT="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
is_count "$ROUNDS" --rounds
is_count "$BANDIT_ROUNDS" --bandit-rounds
is_count "$SEMGREP_ROUNDS" --semgrep-rounds
is_count "$SINGLE_ROUNDS" --single-rounds
[[ "$ROUNDS" -ge 1 ]] || die "--rounds must be at least 1"
[[ "$SINGLE_ROUNDS" -ge 1 ]] || die "--single-rounds must be at least 1"
invocation="bench/run.sh --rounds $ROUNDS --bandit-rounds $BANDIT_ROUNDS --semgrep-rounds $SEMGREP_ROUNDS --single-rounds $SINGLE_ROUNDS"

# 1. Corpus ------------------------------------------------------------------
log "== corpus"
corpus_table="$("$REPO_ROOT/scripts/fetch-corpus.sh")"
printf '%s\n' "$corpus_table" >&2
trees=()
for spec in "${CORPUS[@]}"; do
  trees+=("$(basename "$(corpus_tree "$spec")")")
done
corpus_trees >/dev/null  # verifies every tree is complete
single_file="os-brick-7.1.1/os_brick/remotefs/remotefs.py"
[[ -f "$CORPUS_DIR/$single_file" ]] || die "single-file target $CORPUS_DIR/$single_file is missing"

# 2. Tools -------------------------------------------------------------------
log "== tools"
if [[ ! -x /usr/bin/time ]]; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing GNU time (apt-get install time)"
    apt-get install -y -qq time >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; } \
      || log "warning: could not install GNU time; the time -v cross-check is skipped"
  else
    log "warning: /usr/bin/time missing (install the 'time' package); the time -v cross-check is skipped"
  fi
fi
VENV="$CACHE_DIR/bench-venv"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON=...)"
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating venv $VENV"
  "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON (is the venv module installed?)"
fi
pip_install() {
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}
log "installing ruff==$RUFF_VERSION bandit==$BANDIT_VERSION"
pip_install "ruff==$RUFF_VERSION" || die "could not install ruff==$RUFF_VERSION"
bandit_note=""
if ! pip_install "bandit==$BANDIT_VERSION"; then
  bandit_note="bandit==$BANDIT_VERSION did not install"
  log "warning: $bandit_note; Bandit is skipped"
fi
semgrep_note=""
log "installing semgrep==$SEMGREP_VERSION"
if ! pip_install "semgrep==$SEMGREP_VERSION" >&2; then
  semgrep_note="semgrep==$SEMGREP_VERSION did not install from PyPI on this machine"
  log "note: $semgrep_note; Semgrep is skipped (the report says so)"
elif ! "$VENV/bin/semgrep" --version >/dev/null 2>&1; then
  semgrep_note="semgrep installed but does not run here"
  log "note: $semgrep_note; Semgrep is skipped (the report says so)"
fi

# 3. mountguard --------------------------------------------------------------
log "== mountguard"
MG="${MOUNTGUARD_BIN:-${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/mountguard}"
if [[ "$BUILD" -eq 1 ]]; then
  command -v cargo >/dev/null || die "cargo not found: install Rust, or pass MOUNTGUARD_BIN=..."
  (cd "$REPO_ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
  (cd "$REPO_ROOT" && cargo build --release --quiet --example tree_sitter_floor) \
    || die "cargo build --release --example tree_sitter_floor failed"
fi
[[ -x "$MG" ]] || die "no mountguard binary at $MG (build it, or set MOUNTGUARD_BIN)"
MG="$(cd "$(dirname "$MG")" && pwd)/$(basename "$MG")"
# tree-sitter alone, the floor under mountguard's parse-only floor: timed
# when the example's binary sits beside mountguard's (a build by this script).
TS_FLOOR="$(dirname "$MG")/examples/tree_sitter_floor"
ts_floor_args=()
[[ -x "$TS_FLOOR" ]] && ts_floor_args=(--tree-sitter-floor "$TS_FLOOR")
mg_desc="${MOUNTGUARD_DESC:-}"
if [[ -z "$mg_desc" && -n "${MOUNTGUARD_BIN:-}" ]]; then
  mg_desc="binary $MOUNTGUARD_BIN, not built by this run"
fi

# 4. Measure -----------------------------------------------------------------
log "== measuring (rounds: $ROUNDS, bandit: $BANDIT_ROUNDS, semgrep: $SEMGREP_ROUNDS, single-file: $SINGLE_ROUNDS)"
case "$OUTPUT" in /*) ;; *) OUTPUT="$PWD/$OUTPUT" ;; esac
"$VENV/bin/python" "$REPO_ROOT/bench/harness.py" \
  --repo "$REPO_ROOT" \
  --corpus-dir "$CORPUS_DIR" \
  --trees "${trees[@]}" \
  --single-file "$single_file" \
  --mountguard "$MG" \
  --tools-bin "$VENV/bin" \
  --semgrep-rules "$REPO_ROOT/bench/semgrep-rules.yml" \
  --semgrep-note "$semgrep_note" \
  --bandit-note "$bandit_note" \
  --rounds "$ROUNDS" \
  --bandit-rounds "$BANDIT_ROUNDS" \
  --semgrep-rounds "$SEMGREP_ROUNDS" \
  --single-rounds "$SINGLE_ROUNDS" \
  --output "$OUTPUT" \
  --raw-json "$CACHE_DIR/bench/results.json" \
  --invocation "$invocation" \
  --corpus-table "$corpus_table" \
  --mountguard-desc "$mg_desc" \
  --timeout "$TIMEOUT" \
  "${ts_floor_args[@]}"
log "report: $OUTPUT (raw numbers: $CACHE_DIR/bench/results.json)"

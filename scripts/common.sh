# shellcheck shell=bash
# Shared settings for the corpus, benchmark and real-world scripts.
# Sourced, not run. Sets REPO_ROOT, CACHE_DIR, CORPUS_DIR and CORPUS (the
# pinned OpenStack releases used as the real-world corpus).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Cache directory: MOUNTGUARD_CACHE if set, else <repo>/.cache (git-ignored).
CACHE_DIR="${MOUNTGUARD_CACHE:-$REPO_ROOT/.cache}"
# Corpus directory: MOUNTGUARD_CORPUS if set (e.g. a shared, already unpacked
# corpus), else $CACHE_DIR/corpus.
CORPUS_DIR="${MOUNTGUARD_CORPUS:-$CACHE_DIR/corpus}"

# name==version pairs, as published on PyPI. Each unpacks into
# $CORPUS_DIR/<name>-<version>/.
CORPUS=(
  "nova==34.0.0"
  "cinder==29.0.0"
  "os-brick==7.1.1"
  "manila==23.0.1"
)

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# corpus_tree NAME==VERSION -> path of the unpacked tree
corpus_tree() {
  local spec="$1"
  printf '%s/%s-%s\n' "$CORPUS_DIR" "${spec%%==*}" "${spec##*==}"
}

# corpus_trees -> one unpacked tree per line; fails if any is missing
corpus_trees() {
  local spec dir
  for spec in "${CORPUS[@]}"; do
    dir="$(corpus_tree "$spec")"
    [[ -f "$dir/.mountguard-corpus-ok" ]] \
      || die "corpus tree $dir is missing; run scripts/fetch-corpus.sh first (same MOUNTGUARD_CACHE)"
    printf '%s\n' "$dir"
  done
}

# py_lines DIR... -> total number of lines in *.py files under DIR...
py_lines() {
  find "$@" -type f -name '*.py' -print0 | xargs -0 cat | wc -l | tr -d ' '
}

# py_files DIR... -> number of *.py files under DIR...
py_files() {
  find "$@" -type f -name '*.py' | wc -l | tr -d ' '
}

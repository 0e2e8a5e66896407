#!/usr/bin/env bash
# Download and unpack the real-world corpus: the sdists of nova 34.0.0,
# cinder 29.0.0, os-brick 7.1.1 and manila 23.0.1, from PyPI via pip.
set -euo pipefail

usage() {
  cat <<USAGE
usage: scripts/fetch-corpus.sh [-h]

Downloads the sdists of the pinned OpenStack releases with
'pip download --no-deps --no-binary :all:' (pip checks the index hashes)
and unpacks each into \$MOUNTGUARD_CACHE/corpus/<name>-<version>/.
Trees already present are skipped, so it is safe to re-run.

Environment:
  MOUNTGUARD_CACHE  cache directory (default: <repo>/.cache, git-ignored)
  PYTHON            interpreter whose pip is used (default: python3)
USAGE
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON=...)"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "$PYTHON has no pip"
command -v tar >/dev/null || die "tar not found"

mkdir -p "$CORPUS_DIR/sdists"

fetch_one() {
  local spec="$1" name version dest sdist_dir sdist tmp top
  name="${spec%%==*}"
  version="${spec##*==}"
  dest="$(corpus_tree "$spec")"
  if [[ -f "$dest/.mountguard-corpus-ok" ]]; then
    log "have $name $version ($dest)"
    return 0
  fi
  sdist_dir="$CORPUS_DIR/sdists/$name-$version"
  mkdir -p "$sdist_dir"
  sdist="$(find "$sdist_dir" -maxdepth 1 -name '*.tar.gz' -print -quit)"
  if [[ -z "$sdist" ]]; then
    log "downloading $name $version ..."
    # --no-binary :all: makes pip fetch the sdist; pip verifies the hash the
    # index publishes. pip prepares metadata (a small isolated build) too.
    "$PYTHON" -m pip download --quiet --disable-pip-version-check \
      --no-deps --no-binary :all: "$spec" -d "$sdist_dir" >&2 \
      || die "pip download $spec failed"
    sdist="$(find "$sdist_dir" -maxdepth 1 -name '*.tar.gz' -print -quit)"
    [[ -n "$sdist" ]] || die "pip download $spec produced no .tar.gz in $sdist_dir"
  fi
  tar -tzf "$sdist" >/dev/null || die "$sdist is not a readable tar.gz"
  tmp="$(mktemp -d "$CORPUS_DIR/.unpack.XXXXXX")"
  tar -xzf "$sdist" -C "$tmp"
  # An sdist has a single top directory, e.g. os_brick-7.1.1/.
  top="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)"
  [[ -n "$top" && "$(printf '%s\n' "$top" | wc -l)" -eq 1 ]] \
    || die "$sdist does not have a single top-level directory"
  rm -rf "$dest"
  mv "$top" "$dest"
  rmdir "$tmp"
  local pkg="${name//-/_}"
  [[ -d "$dest/$pkg" ]] || die "$dest has no $pkg/ package directory"
  [[ "$(py_files "$dest")" -gt 0 ]] || die "$dest holds no Python files"
  touch "$dest/.mountguard-corpus-ok"
  log "unpacked $name $version -> $dest"
}

for spec in "${CORPUS[@]}"; do
  fetch_one "$spec"
done

total_lines=0
total_files=0
printf '%-16s %8s %10s  %s\n' "tree" "py files" "py lines" "path"
for spec in "${CORPUS[@]}"; do
  dir="$(corpus_tree "$spec")"
  files="$(py_files "$dir")"
  lines="$(py_lines "$dir")"
  total_files=$((total_files + files))
  total_lines=$((total_lines + lines))
  printf '%-16s %8s %10s  %s\n' "${spec%%==*}-${spec##*==}" "$files" "$lines" "$dir"
done
printf '%-16s %8s %10s\n' "total" "$total_files" "$total_lines"

#!/usr/bin/env bash
# Runs mountguard over every project of the real corpus (nova, cinder,
# os-brick, manila sdists; see scripts/corpus.sh) in every output format,
# with --no-cache so that every file is analysed, and fails on any crash: an
# exit code other than 0 or 1, or "panicked" on stderr. Prints files per
# second of each project (JSON run).
#
#   scripts/corpus-crash-check.sh [CORPUS_DIR]   (or MOUNTGUARD_CORPUS=...)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/corpus.sh

corpus=$(corpus_dir "${1:-}")
bin=$(mountguard_release)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
total_files=0
total_seconds=0
for project in "$corpus"/*/; do
    project=${project%/}
    name=$(basename "$project")
    # Skip what holds no Python (the downloaded archives).
    [[ -n $(find "$project" -name '*.py' -print -quit) ]] || continue
    for format in json full concise sarif github; do
        start=$(date +%s.%N)
        set +e
        # From inside the project, as CI and pre-commit run it.
        (cd "$project" && "$bin" check --no-cache --format "$format" .) >"$work/out" 2>"$work/err"
        code=$?
        set -e
        end=$(date +%s.%N)
        if [[ $code -gt 1 ]] || grep -q "panicked" "$work/err"; then
            echo "CRASH: $name --format $format: exit $code" >&2
            grep -v '^mountguard: note:' "$work/err" | tail -n 20 >&2
            failures=$((failures + 1))
        fi
        if [[ $format == json ]]; then
            files=$(sed -n 's/^mountguard: checked \([0-9]*\) files\{0,1\} .*/\1/p' "$work/err")
            findings=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$work/out")
            seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
            total_files=$((total_files + ${files:-0}))
            total_seconds=$(awk -v a="$total_seconds" -v b="$seconds" 'BEGIN { print a + b }')
            printf '%-16s %5s files %5s findings %6.2fs %8.0f files/s (exit %s)\n' \
                "$name" "$files" "$findings" "$seconds" \
                "$(awk -v f="${files:-0}" -v s="$seconds" 'BEGIN { print f / s }')" "$code"
        fi
    done
done
printf '%-16s %5s files %23.2fs %8.0f files/s\n' total "$total_files" "$total_seconds" \
    "$(awk -v f="$total_files" -v s="$total_seconds" 'BEGIN { print f / s }')"
if [[ $failures -gt 0 ]]; then
    echo "corpus-crash-check: $failures crashing run(s)" >&2
    exit 1
fi
echo "corpus-crash-check: no crash"

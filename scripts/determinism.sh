#!/usr/bin/env bash
# Checks that mountguard's output does not depend on the number of analysis
# threads: checks a real OpenStack tree at --threads 1, 2 and 8 in the
# json and concise formats and compares the outputs byte for byte (and
# stderr without the timing). tests/determinism.rs does the same on the
# fixtures.
#
#   scripts/determinism.sh [TREE]   (default: every project of the corpus,
#                                    see scripts/corpus.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/corpus.sh

if [[ $# -gt 0 ]]; then
    trees=("$1")
else
    corpus=$(corpus_dir "")
    trees=("$corpus"/*/)
fi
bin=$(mountguard_release)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
for tree in "${trees[@]}"; do
    tree=${tree%/}
    # Skip what holds no Python (the downloaded archives).
    [[ -n $(find "$tree" -name '*.py' -print -quit) ]] || continue
    for format in json concise; do
        for threads in 1 2 8; do
            set +e
            (cd "$tree" && "$bin" check --no-cache --format "$format" --threads "$threads" .) \
                >"$work/$threads.out" 2>"$work/$threads.err"
            set -e
            sed -i -E 's/^(mountguard: checked .*) in [0-9.]+s:/\1:/' "$work/$threads.err"
        done
        for threads in 2 8; do
            for stream in out err; do
                if ! cmp -s "$work/1.$stream" "$work/$threads.$stream"; then
                    echo "DIFFERS: $tree --format $format std$stream at --threads $threads vs 1:" >&2
                    diff "$work/1.$stream" "$work/$threads.$stream" | head -n 20 >&2
                    status=1
                fi
            done
        done
        echo "$(basename "$tree") --format $format: $(wc -l <"$work/1.out") lines, $(tail -n 1 "$work/1.err")"
    done
done
if [[ $status -eq 0 ]]; then
    echo "determinism: identical output at 1, 2 and 8 threads"
fi
exit $status

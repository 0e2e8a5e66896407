# shellcheck shell=bash
# Sourced by the scripts that run mountguard over real OpenStack code.
# `corpus_dir [DIR]` prints the directory holding the unpacked sdists
# (nova, cinder, os-brick, manila): DIR if given, else $MOUNTGUARD_CORPUS,
# else the cache of scripts/fetch-corpus.sh, which downloads them from PyPI
# (pip download --no-deps --no-binary :all:) when they are not there yet.

corpus_dir() {
    local dir=${1:-${MOUNTGUARD_CORPUS:-}}
    if [[ -n $dir ]]; then
        if [[ ! -d $dir ]]; then
            echo "corpus: $dir is not a directory" >&2
            return 2
        fi
        printf '%s\n' "$dir"
        return 0
    fi
    scripts/fetch-corpus.sh >&2
    printf '%s\n' "${MOUNTGUARD_CACHE:-$PWD/.cache}/corpus"
}

# The release binary, built if needed.
mountguard_release() {
    cargo build --release --quiet >&2
    printf '%s\n' "$PWD/target/release/mountguard"
}

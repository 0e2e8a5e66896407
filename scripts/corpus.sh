# Sourced by the scripts that run mountguard over real OpenStack code.
# `corpus_dir [DIR]` prints the directory holding the unpacked sdists:
# DIR if given, else $MOUNTGUARD_CORPUS, else .cache/corpus, downloading
# and unpacking the sdists from PyPI there first if it is empty.

CORPUS_PACKAGES=(nova==34.0.0 cinder==29.0.0 os-brick==7.1.1 manila==23.0.1)

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
    dir=.cache/corpus
    if ! compgen -G "$dir/*/setup.cfg" >/dev/null; then
        echo "corpus: downloading ${CORPUS_PACKAGES[*]} into $dir" >&2
        mkdir -p .cache/sdists "$dir"
        python3 -m pip download --quiet --disable-pip-version-check --no-deps \
            --no-binary :all: --dest .cache/sdists "${CORPUS_PACKAGES[@]}" >&2
        local sdist
        for sdist in .cache/sdists/*.tar.gz; do
            tar -xzf "$sdist" -C "$dir"
        done
    fi
    printf '%s\n' "$dir"
}

# The release binary, built if needed.
mountguard_release() {
    cargo build --release --quiet >&2
    printf '%s\n' "$PWD/target/release/mountguard"
}

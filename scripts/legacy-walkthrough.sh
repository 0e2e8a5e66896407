#!/usr/bin/env bash
# The legacy-repository walk-through of the README, on a real OpenStack tree
# (os-brick, the library nova and cinder use to attach and mount volumes,
# from its PyPI source distribution, cached in .cache/):
#   1. write a baseline of everything mountguard finds today;
#   2. in a copy, make unrelated edits that shift lines and add one new flaw;
#   3. with the baseline, exactly that one flaw is reported, with exit 1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="7.1.1"
cache="$root/.cache/openstack"
sdist="$cache/os_brick-$version.tar.gz"
if [[ ! -f "$sdist" ]]; then
    mkdir -p "$cache"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps \
        --no-binary :all: "os-brick==$version" -d "$cache"
fi
(cd "$root" && cargo build --quiet)
mountguard="$root/target/debug/mountguard"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/old"
tar xzf "$sdist" -C "$work/old" --strip-components=1

cd "$work/old"
"$mountguard" check --write-baseline .mountguard-baseline.json .
entries="$(python3 -c 'import json,sys; print(sum(e["count"] for e in json.load(open(sys.argv[1]))["findings"]))' .mountguard-baseline.json)"
echo "baseline: $entries findings in os-brick $version"
[[ "$entries" -gt 0 ]] || { echo "expected findings in os-brick" >&2; exit 1; }
"$mountguard" check --baseline .mountguard-baseline.json . || {
    echo "the tree the baseline was written from must be clean against it" >&2
    exit 1
}

cp -a "$work/old" "$work/new"
cd "$work/new"
# Unrelated edits: every finding of these files moves down.
for file in os_brick/utils.py os_brick/initiator/connectors/remotefs.py os_brick/remotefs/remotefs.py; do
    if [[ -f "$file" ]]; then
        { printf '# an unrelated edit\n# that moves every line down\n\n'; cat "$file"; } >"$file.tmp"
        mv "$file.tmp" "$file"
    fi
done
# One new flaw.
cat >>os_brick/utils.py <<'PY'


def walkthrough_unmount(mountpoint):
    os.system('umount ' + mountpoint)
PY
grep -q '^import os$' os_brick/utils.py || sed -i '1i import os' os_brick/utils.py

set +e
"$mountguard" check --format json --baseline .mountguard-baseline.json . >"$work/new.json"
status=$?
set -e
python3 - "$work/new.json" "$status" <<'PY'
import json, sys
findings = json.load(open(sys.argv[1]))
status = int(sys.argv[2])
summary = [(f["path"], f["line"], f["code"], f["context"]) for f in findings]
print("new findings:", summary)
assert status == 1, f"expected exit 1, got {status}"
assert len(findings) == 1, f"expected exactly the new flaw, got {summary}"
assert findings[0]["path"] == "os_brick/utils.py" and findings[0]["code"] == "MG001", summary
assert findings[0]["context"] == "walkthrough_unmount", summary
PY
echo "legacy walk-through: only the new flaw is reported (exit 1)"

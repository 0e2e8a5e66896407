#!/usr/bin/env bash
# Validates mountguard's SARIF output twice: against the SARIF 2.1.0 JSON
# schema (Python jsonschema) and with Microsoft's SARIF multitool, both
# from the npm package @microsoft/sarif-multitool-linux (MIT), which is
# installed into .cache/sarif-tools on first use (not committed).
#
# usage: scripts/validate-sarif.sh [--install-only] [FILE.sarif ...]
# Without files, it checks `mountguard check --format sarif fixtures`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.cache/sarif-tools"
package="$tools/node_modules/@microsoft/sarif-multitool-linux"
version="5.7.0"

if [[ ! -f "$package/sarif-2.1.0.json" ]]; then
    mkdir -p "$tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" \
        "@microsoft/sarif-multitool-linux@$version" >&2
fi
chmod u+x "$package/Sarif.Multitool"
if [[ "${1:-}" == "--install-only" ]]; then
    echo "$package/sarif-2.1.0.json"
    exit 0
fi

files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
    (cd "$root" && cargo build --quiet)
    # Exit 1 means findings, which is what the fixtures are for.
    (cd "$root" && ./target/debug/mountguard check --format sarif fixtures >"$out/fixtures.sarif") || [[ $? -eq 1 ]]
    files=("$out/fixtures.sarif")
fi

python3 "$root/scripts/validate_sarif.py" "$package/sarif-2.1.0.json" "${files[@]}"

# The multitool checks SARIF's own rules beyond the schema; its warnings
# (e.g. no informationUri) are advice, errors fail the run.
for file in "${files[@]}"; do
    scratch="$(mktemp -d)"
    report="$scratch/validation.sarif"
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$package/Sarif.Multitool" validate \
        --output "$report" "$file" >&2
    python3 - "$report" <<'PY'
import json, sys
log = json.load(open(sys.argv[1], encoding="utf-8"))
errors = [r for run in log.get("runs", []) for r in run.get("results", [])
          if r.get("level", "warning") == "error"]
for r in errors:
    print("multitool:", r.get("ruleId"), r["message"].get("text", ""), file=sys.stderr)
sys.exit(1 if errors else 0)
PY
    rm -rf "$scratch"
    echo "$file: accepted by the SARIF multitool"
done

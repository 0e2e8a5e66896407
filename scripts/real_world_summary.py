#!/usr/bin/env python3
"""Summarise `mountguard check --format json` output (used by scripts/real-world.sh).

Prints counts per rule, per severity, per rule x severity, per corpus tree and
the files with most findings; optionally writes a seeded random sample of
findings per rule, with traces and source lines, for triage.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
from pathlib import Path

SEVERITIES = ("error", "warning", "note")


def source_line(corpus: Path, path: str, line: int, cache: dict[str, list[str]]) -> str:
    if path not in cache:
        try:
            cache[path] = (corpus / path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def is_test(finding: dict) -> bool:
    """Test code: anything under a `tests/` directory."""
    return "/tests/" in "/" + finding.get("path", "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=Path, required=True)
    ap.add_argument("--stderr", type=Path)
    ap.add_argument("--corpus-dir", type=Path, required=True)
    ap.add_argument("--header", default="")
    ap.add_argument("--sample", type=int, default=40)
    ap.add_argument("--seed", default="8")
    ap.add_argument("--sample-out", type=Path)
    ap.add_argument("--top-files", type=int, default=15)
    args = ap.parse_args()

    try:
        findings = json.loads(args.findings.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"error: cannot read {args.findings}: {error}", file=sys.stderr)
        return 1
    if isinstance(findings, dict):  # tolerate a wrapper object
        findings = findings.get("findings", [])

    def rule_of(f: dict) -> str:
        return f"{f.get('code', '?')} {f.get('rule', '')}".strip()

    per_rule = collections.Counter(rule_of(f) for f in findings)
    per_sev = collections.Counter(f.get("severity", "?") for f in findings)
    per_rule_sev = collections.Counter((rule_of(f), f.get("severity", "?")) for f in findings)
    per_tree = collections.Counter(f.get("path", "?").split("/", 1)[0] for f in findings)
    per_tree_rule = collections.Counter(
        (f.get("path", "?").split("/", 1)[0], f.get("code", "?")) for f in findings)
    per_file = collections.Counter(f.get("path", "?") for f in findings)
    test_files = sum(1 for f in findings if is_test(f))

    out: list[str] = []
    add = out.append
    add("mountguard on the real-world corpus")
    if args.header:
        add(args.header)
    add("")
    add(f"findings: {len(findings)} ({test_files} in tests/ directories)")
    add("")
    add("per rule:")
    for rule, count in sorted(per_rule.items()):
        add(f"  {rule:40} {count:7}")
    add("")
    add("per severity:")
    for sev in list(SEVERITIES) + sorted(set(per_sev) - set(SEVERITIES)):
        add(f"  {sev:40} {per_sev.get(sev, 0):7}")
    add("")
    sevs = list(SEVERITIES) + sorted(set(per_sev) - set(SEVERITIES))
    scopes = (("all", findings),
              ("production code (not under tests/)", [f for f in findings if not is_test(f)]),
              ("tests (under tests/)", [f for f in findings if is_test(f)]))
    for scope, items in scopes:
        counts = collections.Counter((rule_of(f), f.get("severity", "?")) for f in items)
        add(f"per rule x severity, {scope}: {len(items)}")
        add(f"  {'':40} " + " ".join(f"{s:>8}" for s in sevs) + f" {'total':>8}")
        for rule in sorted(per_rule):
            row = [counts.get((rule, s), 0) for s in sevs]
            add(f"  {rule:40} " + " ".join(f"{n:8}" for n in row) + f" {sum(row):8}")
        add("")
    codes = sorted({f.get("code", "?") for f in findings})
    add("per tree:")
    add(f"  {'':40} {'total':>7} " + " ".join(f"{c:>7}" for c in codes))
    for tree, count in sorted(per_tree.items()):
        add(f"  {tree:40} {count:7} " + " ".join(f"{per_tree_rule.get((tree, c), 0):7}" for c in codes))
    add("")
    add(f"files with most findings (top {args.top_files}):")
    for path, count in per_file.most_common(args.top_files):
        add(f"  {count:5}  {path}")
    if args.stderr and args.stderr.exists():
        lines = [line for line in args.stderr.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            add("")
            add(f"mountguard stderr: {len(lines)} lines; last ones:")
            for line in lines[-5:]:
                add(f"  {line[:200]}")
    print("\n".join(out))

    if args.sample > 0 and args.sample_out:
        cache: dict[str, list[str]] = {}
        md = ["# Random sample of real-world findings", "",
              f"{args.header}. Seed {args.seed}, up to {args.sample} production findings "
              "(not under tests/) per rule, drawn with Python's random.Random(\"<seed>:<code>\").sample "
              "from the findings in output order. "
              "Verdict: correct / false positive (reason).", ""]
        by_rule: dict[str, list[dict]] = collections.defaultdict(list)
        # Production code only: what a reviewer of the product reads.
        for f in findings:
            if not is_test(f):
                by_rule[rule_of(f)].append(f)
        for rule in sorted(by_rule):
            items = by_rule[rule]
            # One generator per rule, seeded with "<seed>:<code>", so a rule's
            # sample does not depend on which other rules were selected.
            rng = random.Random(f"{args.seed}:{items[0].get('code', '?')}")
            chosen = items if len(items) <= args.sample else rng.sample(items, args.sample)
            chosen.sort(key=lambda f: (f.get("path", ""), f.get("line", 0), f.get("column", 0)))
            md += [f"## {rule}: {len(chosen)} of {len(items)}", ""]
            for n, f in enumerate(chosen, 1):
                path, line = f.get("path", "?"), f.get("line", 0)
                md.append(f"{n}. `{path}:{line}:{f.get('column', 0)}` "
                          f"[{f.get('severity', '?')}] {f.get('message', '')}")
                md.append(f"   - line: `{source_line(args.corpus_dir, path, line, cache)}`")
                for step in f.get("trace", []) + f.get("labels", []):
                    spath, sline = step.get("path", path), step.get("line", 0)
                    where = f"{sline}" if spath == path else f"{spath}:{sline}"
                    md.append(f"   - {where}: {step.get('message', '')} — "
                              f"`{source_line(args.corpus_dir, spath, sline, cache)}`")
                md.append("   - verdict: ")
            md.append("")
        args.sample_out.write_text("\n".join(md), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Timing harness behind bench/run.sh (stdlib only).

Runs every benchmark command in alternating rounds (round-robin, the order
rotated each round, so slow drift of a shared machine spreads evenly over
the tools), measures wall time, CPU time and peak RSS of each run, and writes
a markdown report with medians and ratios against mountguard.

Peak RSS is `ru_maxrss` of the child as returned by wait4(2): the number
GNU `/usr/bin/time -v` prints as "Maximum resident set size". The report
also shows one `/usr/bin/time -v` run of the full mountguard analysis as a
cross-check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Bench:
    id: str
    group: str  # "cold", "warm" or "single"
    label: str
    argv: list[str]
    rounds: int
    warmup: bool = True
    baseline: str = ""  # id of the benchmark ratios are taken against
    skip: str = ""  # reason, when not run
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    error: str = ""

    def median(self) -> float | None:
        return statistics.median(self.walls) if self.walls else None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


TIMEOUT = 1800.0  # seconds per run; set from --timeout


def run_once(argv: list[str], cwd: Path) -> tuple[int, float, float, int, str]:
    """Runs argv with stdout discarded; returns (status, wall s, cpu s, peak RSS KiB, stderr tail).

    A run past TIMEOUT is killed (its whole process group) and reported as
    status 124 with a note in the stderr tail.
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(TIMEOUT, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    if timed_out.is_set():
        return 124, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, \
            f"timed out after {TIMEOUT:.0f} s (killed)"
    return (proc.returncode, wall, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss, tail)


def probe(argv: list[str], cwd: Path) -> tuple[int, str]:
    proc = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, errors="replace")
    return proc.returncode, (proc.stdout + proc.stderr)


def first_line(argv: list[str]) -> str:
    try:
        code, out = probe(argv, Path.cwd())
    except OSError as error:
        return f"unavailable ({error})"
    line = out.strip().splitlines()[0] if out.strip() else ""
    return line if code == 0 else f"unavailable (exit {code}: {line})"


def machine_info() -> dict[str, str]:
    info = {"cores (nproc)": str(len(os.sched_getaffinity(0)))}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["CPU"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                kib = int(line.split()[1])
                info["RAM"] = f"{kib / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    info["kernel"] = f"{platform.system()} {platform.release()} {platform.machine()}"
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                info["OS"] = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return info


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def cpu_median(bench: Bench) -> float | None:
    return statistics.median(bench.cpus) if bench.cpus else None


def fmt_ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "–"
    return f"{value / base:.2f}×"


def cmd_text(argv: list[str], replacements: dict[str, str]) -> str:
    text = shlex.join(argv)
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--corpus-dir", type=Path, required=True)
    ap.add_argument("--trees", nargs="+", required=True)
    ap.add_argument("--single-file", required=True,
                    help="corpus file for the single-file run, relative to --corpus-dir")
    ap.add_argument("--mountguard", type=Path, required=True)
    ap.add_argument("--tools-bin", type=Path, required=True,
                    help="bin/ of the venv holding ruff, bandit and maybe semgrep")
    ap.add_argument("--semgrep-rules", type=Path, required=True)
    ap.add_argument("--semgrep-note", default="",
                    help="why Semgrep is not benchmarked (empty: benchmark it)")
    ap.add_argument("--bandit-note", default="")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--bandit-rounds", type=int, default=1)
    ap.add_argument("--semgrep-rounds", type=int, default=1)
    ap.add_argument("--single-rounds", type=int, default=20)
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--raw-json", type=Path)
    ap.add_argument("--invocation", default="bench/run.sh")
    ap.add_argument("--corpus-table", default="")
    ap.add_argument("--mountguard-desc", default="",
                    help="how the binary was obtained (default: built from this checkout)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    ap.add_argument("--tree-sitter-floor", type=Path,
                    help="the tree_sitter_floor example binary (tree-sitter alone)")
    args = ap.parse_args()
    global TIMEOUT
    TIMEOUT = args.timeout

    corpus = args.corpus_dir
    mg = str(args.mountguard)
    tools = args.tools_bin
    jobs = str(len(os.sched_getaffinity(0)))
    notes: list[str] = []
    started = dt.datetime.now(dt.timezone.utc)
    load_before = loadavg()

    # ---- what mountguard supports -------------------------------------
    fixture = args.repo / "fixtures" / "mount_manager.py"
    mg_skip = ""
    mg_version = first_line([mg, "--version"])
    code, out = probe([mg, "check", "--exit-zero", "--format", "concise", str(fixture)], corpus)
    if code != 0:
        first = out.strip().splitlines()[0] if out.strip() else ""
        mg_skip = f"`mountguard check` is not usable yet (exit {code}: {first})"
        notes.append(f"mountguard was not benchmarked: {mg_skip}.")
    parse_only_skip = mg_skip
    no_cache: list[str] = []
    has_cache = False
    if not mg_skip:
        code, out = probe([mg, "check", "--parse-only", "--exit-zero", "--format", "concise",
                           str(fixture)], corpus)
        if code != 0:
            parse_only_skip = "this build has no `--parse-only` flag"
            notes.append("The parse-only floor was skipped: this mountguard build has no "
                         "`--parse-only` flag (it is being added on branch `cli`).")
        code, _ = probe([mg, "check", "--no-cache", "--exit-zero", "--format", "concise",
                         str(fixture)], corpus)
        _, help_text = probe([mg, "check", "--help"], corpus)
        if code == 0 and "no cache yet" not in " ".join(help_text.split()):
            has_cache = True
            no_cache = ["--no-cache"]
        elif code == 0:
            no_cache = ["--no-cache"]
            notes.append("mountguard accepts `--no-cache` but has no result cache yet "
                         "(`check --help` says so), so there is no warm run; every mountguard "
                         "run is cold.")
        else:
            notes.append("mountguard has no result cache yet (`--no-cache` is not accepted), "
                         "so there is no warm run; every mountguard run is cold.")

    trees = list(args.trees)
    mg_base = [mg, "check", "--exit-zero", "--format", "concise"]
    ruff = str(tools / "ruff")
    bandit = str(tools / "bandit")
    semgrep = str(tools / "semgrep")
    semgrep_args = ["scan", "--config", str(args.semgrep_rules), "--metrics=off",
                    "--disable-version-check", "--no-git-ignore", "--project-root=.",
                    "--jobs", jobs, "--quiet"]
    semgrep_skip = args.semgrep_note or ("" if args.semgrep_rounds > 0 else "disabled (0 rounds)")
    bandit_skip = args.bandit_note or ("" if args.bandit_rounds > 0 else "disabled (0 rounds)")
    r, br, sr, single = args.rounds, args.bandit_rounds, args.semgrep_rounds, args.single_rounds

    benches = [
        Bench("mg", "cold", "mountguard, full analysis", mg_base + no_cache + trees, r,
              baseline="mg", skip=mg_skip),
        Bench("mg-parse", "cold", "mountguard --parse-only (floor)",
              [mg, "check", "--parse-only", "--exit-zero", "--format", "concise"] + no_cache + trees,
              r, baseline="mg", skip=parse_only_skip),
        Bench("ts-floor", "cold", "tree-sitter alone: parse + one cursor walk (no mountguard)",
              [str(args.tree_sitter_floor)] + trees, r, baseline="mg",
              skip="" if args.tree_sitter_floor else "the tree_sitter_floor example was not built"),
        Bench("ruff-all", "cold", "ruff --select ALL",
              [ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero"] + trees, r,
              baseline="mg"),
        Bench("ruff-all-c", "cold", "ruff --select ALL --output-format concise",
              [ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero",
               "--output-format", "concise"] + trees, r, baseline="mg"),
        Bench("ruff-s", "cold", "ruff --select S,BLE",
              [ruff, "check", "--no-cache", "--select", "S,BLE", "--exit-zero"] + trees, r,
              baseline="mg"),
        Bench("bandit", "cold", "bandit -r", [bandit, "-r", "-q", "--exit-zero"] + trees, br,
              warmup=False, baseline="mg", skip=bandit_skip),
        Bench("semgrep", "cold", "semgrep (local taint rules)",
              [semgrep] + semgrep_args + trees, sr, warmup=False, baseline="mg",
              skip=semgrep_skip),
        Bench("mg-warm", "warm", "mountguard, warm re-run (cache)", mg_base + trees, r,
              baseline="mg",
              skip=mg_skip or ("" if has_cache else "mountguard has no cache yet")),
        Bench("ruff-all-warm", "warm", "ruff --select ALL --output-format concise, warm (ruff cache)",
              [ruff, "check", "--select", "ALL", "--exit-zero", "--output-format", "concise"]
              + trees, r, baseline="mg"),
        Bench("mg-1", "single", "mountguard, one file", mg_base + no_cache + [args.single_file],
              single, baseline="mg-1", skip=mg_skip),
        Bench("ruff-all-1", "single", "ruff --select ALL, one file",
              [ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero", args.single_file],
              single, baseline="mg-1"),
        Bench("ruff-s-1", "single", "ruff --select S,BLE, one file",
              [ruff, "check", "--no-cache", "--select", "S,BLE", "--exit-zero", args.single_file],
              single, baseline="mg-1"),
        Bench("bandit-1", "single", "bandit, one file",
              [bandit, "-q", "--exit-zero", args.single_file], max(1, min(single, 5)),
              baseline="mg-1", skip=bandit_skip),
        Bench("semgrep-1", "single", "semgrep, one file",
              [semgrep] + semgrep_args + [args.single_file], max(1, min(single, 3)),
              baseline="mg-1", skip=semgrep_skip),
    ]
    by_id = {b.id: b for b in benches}

    # Semgrep skips test directories by default (.semgrepignore defaults)
    # unless the project root has its own .semgrepignore: make it scan what
    # the other tools scan.
    semgrepignore = corpus / ".semgrepignore"
    if not semgrepignore.exists():
        semgrepignore.write_text("# empty: benchmark Semgrep on every file, as the other tools\n")

    active = [b for b in benches if not b.skip]

    # ---- warm-up: one untimed run each (fills page cache and tool caches) --
    for bench in active:
        if not bench.warmup:
            continue
        log(f"warm-up: {bench.label}")
        code, *_rest, tail = run_once(bench.argv, corpus)
        if code != 0:
            bench.error = f"exit {code}: {tail.strip()[-500:]}"
            bench.skip = f"failed ({bench.error})"
            log(f"  FAILED: {bench.error}")
    active = [b for b in active if not b.skip]

    # ---- alternating rounds -------------------------------------------
    # Each group runs its own rounds; within a round the order is rotated.
    for group in ("cold", "warm", "single"):
        members = [b for b in active if b.group == group]
        if not members:
            continue
        max_rounds = max(b.rounds for b in members)
        for rnd in range(max_rounds):
            shift = rnd % len(members)
            order = members[shift:] + members[:shift]
            for bench in order:
                if rnd >= bench.rounds or bench.skip:
                    continue
                code, wall, cpu, rss, tail = run_once(bench.argv, corpus)
                if code != 0:
                    bench.error = f"exit {code}: {tail.strip()[-500:]}"
                    bench.skip = f"failed ({bench.error})"
                    log(f"  {bench.label}: FAILED {bench.error}")
                    continue
                bench.walls.append(wall)
                bench.cpus.append(cpu)
                bench.rss_kib.append(rss)
                log(f"[{group} round {rnd + 1}/{max_rounds}] {bench.label}: "
                    f"{fmt_s(wall)}, cpu {cpu:.2f} s, rss {rss / 1024:.0f} MiB")

    # ---- /usr/bin/time -v cross-check -------------------------------------
    gnu_time = shutil.which("time", path="/usr/bin") or ""
    time_v = ""
    if gnu_time and not by_id["mg"].skip:
        proc = subprocess.run([gnu_time, "-v"] + by_id["mg"].argv, cwd=corpus,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wanted = ("Elapsed (wall clock)", "Maximum resident set size",
                  "User time", "System time", "Percent of CPU")
        time_v = "\n".join(line.strip() for line in proc.stderr.splitlines()
                           if line.strip().startswith(wanted))
    elif not gnu_time:
        notes.append("`/usr/bin/time` is not installed: no `time -v` cross-check.")

    warm, cold = by_id["mg-warm"].median(), by_id["mg"].median()
    if warm is not None and cold is not None and warm > 0.8 * cold:
        notes.append(f"The warm mountguard run ({fmt_s(warm)}) is barely faster than the cold "
                     f"one ({fmt_s(cold)}): the cache does not seem to be used.")

    finished = dt.datetime.now(dt.timezone.utc)
    load_after = loadavg()
    try:
        busiest = max(float(x) for x in (load_before.split() + load_after.split()))
    except ValueError:
        busiest = 0.0
    if busiest > float(jobs):
        notes.insert(0, f"**The machine was busy during this run** (load average up to "
                     f"{busiest:.1f} on {jobs} cores): wall times include waiting for other "
                     f"work and are inflated, most for the tools that use every core. "
                     f"The CPU columns are the steadier comparison; rerun on an idle "
                     f"machine for wall-clock ratios.")

    # ---- versions ---------------------------------------------------------
    def git(*cmd: str) -> str:
        code, out = probe(["git", "-C", str(args.repo), *cmd], args.repo)
        return out.strip() if code == 0 else "n/a"

    commit = git("rev-parse", "--short=12", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    versions = {
        "mountguard": (f"{mg_version} ({args.mountguard_desc})" if args.mountguard_desc else
                       f"{mg_version} (commit {commit}"
                       f"{', with local changes' if dirty and dirty != 'n/a' else ''}, release build)"),
        "rustc": first_line(["rustc", "--version"]),
        "ruff": first_line([ruff, "--version"]),
        "bandit": first_line([bandit, "--version"]) if not args.bandit_note else args.bandit_note,
        "semgrep": (first_line([semgrep, "--version"]) if not args.semgrep_note
                    else f"not installed ({args.semgrep_note})"),
        "python (for bandit/semgrep)": first_line([str(tools / "python"), "--version"]),
    }

    # ---- report -----------------------------------------------------------
    replacements = {
        str(args.mountguard): "mountguard",
        str(tools) + "/": "",
        str(args.semgrep_rules): "bench/semgrep-rules.yml",
    }
    if args.tree_sitter_floor:
        replacements[str(args.tree_sitter_floor)] = "target/release/examples/tree_sitter_floor"
    lines: list[str] = []
    add = lines.append
    add("# Benchmarks")
    add("")
    add("<!-- Generated by bench/run.sh (bench/harness.py); rerun it rather than editing. -->")
    add("")
    add(f"Measured {started:%Y-%m-%d %H:%M} – {finished:%H:%M} UTC with `{args.invocation}`. "
        "All tools ran on the same machine in the same run, in alternating rounds "
        "(round-robin, the order rotated every round); each command had one untimed "
        "warm-up run first (except Bandit and Semgrep, which are slow and keep no cache). "
        "Times are wall-clock medians; ratios are against mountguard's median in the same table "
        "(above 1× means slower than mountguard). Peak RSS is the largest of the runs "
        "(`ru_maxrss` from wait4, the number `/usr/bin/time -v` reports).")
    add("")
    add("## Rerun")
    add("")
    add("```sh")
    add("scripts/fetch-corpus.sh   # once: downloads the four sdists into .cache/corpus")
    add("bench/run.sh              # installs the tools, builds, measures, rewrites this file")
    add("BANDIT_ROUNDS=3 bench/run.sh --rounds 9   # more rounds")
    add("```")
    add("")
    add("## Machine")
    add("")
    add("| | |")
    add("| --- | --- |")
    for key, value in machine_info().items():
        add(f"| {key} | {value} |")
    add(f"| load average (1/5/15 min) | {load_before} before, {load_after} after |")
    add("")
    add("The machine is shared (other work may run on the same cores), which is why the "
        "tools alternate within rounds and why the load average is recorded.")
    add("")
    add("## Corpus")
    add("")
    add("Unpacked PyPI sdists (all `*.py` files, tests included), scanned together in one run "
        "per tool:")
    add("")
    if args.corpus_table:
        add("```")
        add(args.corpus_table.rstrip().replace(str(corpus), "$MOUNTGUARD_CACHE/corpus"))
        add("```")
        add("")
    add(f"Single-file run: `{args.single_file}`.")
    add("")
    add("## Versions")
    add("")
    add("| tool | version |")
    add("| --- | --- |")
    for key, value in versions.items():
        add(f"| {key} | {value} |")
    add("")

    def table(group: str, title: str, intro: str) -> None:
        members = [b for b in benches if b.group == group]
        add(f"## {title}")
        add("")
        if intro:
            add(intro)
            add("")
        add("| command | runs | median | min | max | vs mountguard | CPU (user+sys, median) "
            "| CPU vs mountguard | peak RSS |")
        add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for b in members:
            if b.skip and not b.walls:
                add(f"| {b.label} | 0 | skipped: {b.skip} | | | | | | |")
                continue
            base = by_id[b.baseline].median() if b.baseline in by_id else None
            base_cpu = cpu_median(by_id[b.baseline]) if b.baseline in by_id else None
            add(f"| {b.label} | {len(b.walls)} | **{fmt_s(b.median())}** | "
                f"{fmt_s(min(b.walls))} | {fmt_s(max(b.walls))} | "
                f"{fmt_ratio(b.median(), base)} | {fmt_s(cpu_median(b))} | "
                f"{fmt_ratio(cpu_median(b), base_cpu)} | "
                f"{max(b.rss_kib) / 1024:.0f} MiB |")
        add("")

    table("cold", "Whole corpus, cold",
          "No tool cache: mountguard with `--no-cache` where it has a cache, Ruff with "
          "`--no-cache`; Bandit and Semgrep keep none.")
    table("warm", "Whole corpus, warm re-run",
          "The same tree again, with the tool's own cache filled by the previous run.")
    table("single", "Single file (the pre-commit case)",
          f"One file, `{args.single_file}`; process start-up included.")

    # ---- targets ----------------------------------------------------------
    def med(bid: str) -> float | None:
        return by_id[bid].median()

    def verdict(ok: bool | None) -> str:
        return "–" if ok is None else ("met" if ok else "**not met**")

    def cmp(a: float | None, b: float | None, fn) -> bool | None:
        return None if a is None or b is None else fn(a, b)

    mg_rss = max(by_id["mg"].rss_kib) / 1024 if by_id["mg"].rss_kib else None
    targets = [
        ("full analysis ≤ 1.2× parse-only floor",
         fmt_ratio(med("mg"), med("mg-parse")) + " of the floor (CPU: "
         + fmt_ratio(cpu_median(by_id["mg"]), cpu_median(by_id["mg-parse"])) + ")",
         cmp(med("mg"), med("mg-parse"), lambda a, b: a <= 1.2 * b)),
        ("cold run no slower than `ruff --select ALL` (Ruff's default full output)",
         f"{fmt_s(med('mg'))} vs {fmt_s(med('ruff-all'))}",
         cmp(med("mg"), med("ruff-all"), lambda a, b: a <= b)),
        ("… and than `ruff --select ALL --output-format concise` (same output style as mountguard)",
         f"{fmt_s(med('mg'))} vs {fmt_s(med('ruff-all-c'))}",
         cmp(med("mg"), med("ruff-all-c"), lambda a, b: a <= b)),
        ("≥ 30× faster than Bandit",
         f"Bandit takes {fmt_ratio(med('bandit'), med('mg'))} as long "
         f"({fmt_ratio(cpu_median(by_id['bandit']), cpu_median(by_id['mg']))} the CPU time)",
         cmp(med("mg"), med("bandit"), lambda a, b: b >= 30 * a)),
        ("… context: Bandit / tree-sitter alone (parse + one walk, no analysis)",
         f"{fmt_ratio(med('bandit'), med('ts-floor'))}: the most any tree-sitter based tool "
         f"could reach on this machine", None),
        ("warm re-run faster than Ruff cold with S + BLE",
         f"{fmt_s(med('mg-warm'))} vs {fmt_s(med('ruff-s'))}",
         cmp(med("mg-warm"), med("ruff-s"), lambda a, b: a < b)),
        ("single-file run under 30 ms", fmt_s(med("mg-1")),
         None if med("mg-1") is None else med("mg-1") < 0.030),
        ("peak memory under 300 MB on the corpus",
         "–" if mg_rss is None else f"{mg_rss:.0f} MiB",
         None if mg_rss is None else mg_rss * 1024 * 1024 < 300e6),
    ]
    add("## Targets (issue 6)")
    add("")
    add("| target | measured | |")
    add("| --- | --- | --- |")
    for name, measured, ok in targets:
        add(f"| {name} | {measured} | {verdict(ok)} |")
    add("")

    add("## Commands")
    add("")
    add(f"Run from the corpus directory (`$MOUNTGUARD_CACHE/corpus`, by default "
        f"`.cache/corpus`), stdout sent to `/dev/null`; `mountguard` is "
        f"`target/release/mountguard`, the other tools come from the benchmark venv.")
    add("")
    add("```sh")
    for b in benches:
        mark = "" if not b.skip or b.walls else "   # skipped"
        add(cmd_text(b.argv, replacements) + mark)
    add("```")
    add("")
    if time_v:
        add("`/usr/bin/time -v` on the full mountguard analysis (one extra run):")
        add("")
        add("```")
        add(time_v)
        add("```")
        add("")
    notes.append("Semgrep's registry is not reachable here, so Semgrep runs the local "
                 "taint-mode rules in `bench/semgrep-rules.yml` (an approximation of MG001–MG003); "
                 "an empty `.semgrepignore` in the corpus directory stops it from skipping test "
                 "directories, so it scans the same files as the others.")
    notes.append("`ruff --select ALL` with Ruff's default `full` output renders a code frame "
                 "for each of its millions of diagnostics on this corpus; most of its time is "
                 "that rendering, so the table also shows it with `--output-format concise`, "
                 "the style mountguard is timed with.")
    notes.append("CPU is user + system time of the process and its children: on a shared "
                 "machine it is steadier than wall time.")
    notes.append("Bandit is single-threaded and runs its default plugin set; Ruff and "
                 "Semgrep use both cores.")
    add("## Notes")
    add("")
    for note in notes:
        add(f"- {note}")
    for b in benches:
        if b.error:
            add(f"- {b.label} failed: `{b.error[:300]}`")
    add("")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    log(f"wrote {args.output}")
    if args.raw_json:
        raw = {b.id: {"label": b.label, "argv": b.argv, "walls": b.walls, "cpus": b.cpus,
                      "rss_kib": b.rss_kib, "skip": b.skip} for b in benches}
        args.raw_json.parent.mkdir(parents=True, exist_ok=True)
        args.raw_json.write_text(json.dumps(raw, indent=2))
    # Summary on stdout.
    for b in benches:
        if b.walls:
            print(f"{b.label:45} median {fmt_s(b.median()):>9}  "
                  f"peak {max(b.rss_kib) / 1024:6.0f} MiB  ({len(b.walls)} runs)")
        else:
            print(f"{b.label:45} skipped: {b.skip}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

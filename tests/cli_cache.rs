//! The cache of per-file facts, through the real binary: what a second run
//! reads, what invalidates an entry, and where the cache is written.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

/// Runs `mountguard check --format concise ARGS` in `dir` with
/// `MOUNTGUARD_TIMINGS` on (the cache reports its hits on stderr) and only
/// the cache-related variables given in `env`.
fn check(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut command = Command::new(bin());
    command.arg("check");
    if !args.contains(&"--format") {
        command.args(["--format", "concise"]);
    }
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("MOUNTGUARD_TIMINGS", "1")
        .env_remove("MOUNTGUARD_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run mountguard");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The cache's line on stderr.
fn cache_line(run: &Run) -> &str {
    run.stderr
        .lines()
        .find(|line| line.starts_with("mountguard cache:"))
        .unwrap_or_else(|| panic!("no cache line in {run:?}"))
}

/// (hits, misses, stale) from the cache's line on stderr.
fn cache_counts(run: &Run) -> (usize, usize, usize) {
    let line = cache_line(run);
    let number = |after: &str| -> usize {
        let rest = &line[line
            .find(after)
            .unwrap_or_else(|| panic!("{after} in {line}"))..];
        rest.split(|c: char| !c.is_ascii_digit())
            .find(|part| !part.is_empty())
            .unwrap()
            .parse()
            .unwrap()
    };
    (number("cache:"), number("hits,"), number("misses ("))
}

/// What the run did with the whole-run result: `reused`, `stored` or
/// `not stored`.
fn run_result(run: &Run) -> &str {
    let line = cache_line(run);
    let start = line.find("run result ").expect("run result") + "run result ".len();
    let rest = &line[start..];
    &rest[..rest.find(';').unwrap_or(rest.len())]
}

/// Forgets the stored whole-run results, so that the next run goes
/// through the per-file entries.
fn forget_runs(cache: &Path) {
    for entry in walkdir::WalkDir::new(cache).into_iter().flatten() {
        if entry.file_type().is_dir() && entry.file_name() == "runs" {
            std::fs::remove_dir_all(entry.path()).unwrap();
            return;
        }
    }
}

/// Every file under `dir` with its contents.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            (
                entry.path().display().to_string(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

/// The per-file entries (whole-run results aside).
fn entry_files(cache: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(cache)
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| {
            entry.file_type().is_file()
                && entry.file_name().to_string_lossy().len() == 32
                && !entry.path().parent().is_some_and(|p| p.ends_with("runs"))
        })
        .map(|entry| entry.into_path())
        .collect()
}

#[test]
fn second_run_reads_the_cache_and_reports_the_same() {
    let dir = tempdir();
    let project = dir.path().join("project");
    write(&project, "a.py", SHELL);
    write(&project, "b.py", BROAD);
    write(&project, "c.py", CLEAN);
    let cache = dir.path().join("cache");
    let env = [("MOUNTGUARD_CACHE_DIR", cache.as_path())];

    let cold = check(&project, &[], &env);
    assert_eq!(cold.code, 1, "{cold:?}");
    assert_eq!(cache_counts(&cold), (0, 3, 0), "{cold:?}");
    assert_eq!(run_result(&cold), "stored", "{cold:?}");
    assert_eq!(entry_files(&cache).len(), 3);

    // An unchanged tree: the whole run's result, no file's facts loaded.
    let warm = check(&project, &[], &env);
    assert_eq!(run_result(&warm), "reused", "{warm:?}");
    assert_eq!(cache_counts(&warm), (0, 0, 0), "{warm:?}");
    assert_eq!(warm.code, cold.code);
    assert_eq!(warm.stdout, cold.stdout);

    // Without it, every file's facts come from its entry.
    forget_runs(&cache);
    let per_file = check(&project, &[], &env);
    assert_eq!(cache_counts(&per_file), (3, 0, 0), "{per_file:?}");
    assert_eq!(per_file.stdout, cold.stdout);
    assert!(warm.stdout.contains("a.py:4:"), "{warm:?}");
    assert!(warm.stdout.contains("b.py:4:"), "{warm:?}");

    // The full renderer shows source lines: the text is there on a hit.
    let full = check(&project, &["--format", "full"], &env);
    assert!(full.stdout.contains(SINK.trim()), "{full:?}");

    // Display paths are not part of an entry: another working directory hits.
    let from_above = check(dir.path(), &["project"], &env);
    assert_eq!(cache_counts(&from_above), (3, 0, 0), "{from_above:?}");
    assert!(
        from_above
            .stdout
            .contains(&format!("project{}a.py:4:", std::path::MAIN_SEPARATOR)),
        "{from_above:?}"
    );
}

#[test]
fn a_modified_file_is_analysed_again() {
    let dir = tempdir();
    let project = dir.path().join("project");
    write(&project, "a.py", CLEAN);
    write(&project, "b.py", CLEAN);
    let cache = dir.path().join("cache");
    let env = [("MOUNTGUARD_CACHE_DIR", cache.as_path())];

    let first = check(&project, &[], &env);
    assert_eq!(first.code, 0, "{first:?}");

    write(&project, "a.py", BROAD);
    let broken = check(&project, &[], &env);
    assert_eq!(broken.code, 1, "{broken:?}");
    assert!(broken.stdout.contains("a.py:4:"), "{broken:?}");
    assert_eq!(cache_counts(&broken), (1, 1, 0), "{broken:?}");

    // Back to the first version: the first run's result is still there,
    // and clean.
    write(&project, "a.py", CLEAN);
    let fixed = check(&project, &[], &env);
    assert_eq!(fixed.code, 0, "{fixed:?}");
    assert_eq!(run_result(&fixed), "reused", "{fixed:?}");
    // So are its files' entries.
    forget_runs(&cache);
    let per_file = check(&project, &[], &env);
    assert_eq!(per_file.code, 0, "{per_file:?}");
    assert_eq!(cache_counts(&per_file), (2, 0, 0), "{per_file:?}");
}

#[test]
fn a_new_module_invalidates_the_files_that_call_into_it() {
    // `helper.clean` is external (its result carries its argument's taint)
    // until `helper.py` joins the scanned tree and returns a constant.
    let dir = tempdir();
    let project = dir.path().join("project");
    write(
        &project,
        "main.py",
        "import subprocess\nimport helper\n\ndef run(cmd):\n    safe = helper.clean(cmd)\n    subprocess.call(safe, shell=True)\n",
    );
    let cache = dir.path().join("cache");
    let env = [("MOUNTGUARD_CACHE_DIR", cache.as_path())];

    let alone = check(&project, &[], &env);
    assert!(alone.stdout.contains("main.py:6:"), "{alone:?}");

    write(&project, "helper.py", "def clean(value):\n    return 'x'\n");
    let with_helper = check(&project, &[], &env);
    assert_eq!(cache_counts(&with_helper), (0, 2, 1), "{with_helper:?}");
    assert!(!with_helper.stdout.contains("main.py"), "{with_helper:?}");
    // The same answer without any cache.
    let uncached = check(&project, &["--no-cache"], &env);
    assert_eq!(uncached.stdout, with_helper.stdout);

    // Both file sets keep their facts: a run on `main.py` alone (as in a
    // pre-commit hook) and runs on the whole tree do not evict each other.
    forget_runs(&cache);
    let single = check(&project, &["main.py"], &env);
    assert_eq!(cache_counts(&single), (1, 0, 0), "{single:?}");
    assert_eq!(single.stdout, alone.stdout);
    let whole = check(&project, &[], &env);
    assert_eq!(cache_counts(&whole), (2, 0, 0), "{whole:?}");
    assert_eq!(whole.stdout, with_helper.stdout);
}

#[test]
fn configuration_that_changes_facts_invalidates() {
    let dir = tempdir();
    let project = dir.path().join("project");
    write(
        &project,
        "a.py",
        "import mylib\n\ndef f(cmd):\n    mylib.run(cmd)\n",
    );
    let cache = dir.path().join("cache");
    let env = [("MOUNTGUARD_CACHE_DIR", cache.as_path())];

    let plain = check(&project, &[], &env);
    assert_eq!(plain.code, 0, "{plain:?}");
    assert_eq!(cache_counts(&plain), (0, 1, 0));

    // Selection does not change facts: still a hit.
    write(&project, "mountguard.toml", "ignore = [\"MG003\"]\n");
    let selected = check(&project, &[], &env);
    assert_eq!(run_result(&selected), "reused", "{selected:?}");
    forget_runs(&cache);
    let selected = check(&project, &[], &env);
    assert_eq!(cache_counts(&selected), (1, 0, 0), "{selected:?}");

    // A new sink does.
    write(
        &project,
        "mountguard.toml",
        "[rules.command-injection]\nsinks = [{ call = \"mylib.run\", args = \"all\", kind = \"shell\" }]\n",
    );
    let configured = check(&project, &[], &env);
    assert_eq!(cache_counts(&configured), (0, 1, 0), "{configured:?}");
    assert!(configured.stdout.contains("a.py:4:"), "{configured:?}");
}

#[test]
fn corrupt_entries_are_recomputed() {
    let dir = tempdir();
    let project = dir.path().join("project");
    write(&project, "a.py", SHELL);
    write(&project, "b.py", BROAD);
    let cache = dir.path().join("cache");
    let env = [("MOUNTGUARD_CACHE_DIR", cache.as_path())];
    let cold = check(&project, &[], &env);

    let entries = entry_files(&cache);
    assert_eq!(entries.len(), 2);
    std::fs::write(&entries[0], b"garbage").unwrap();
    let mut bytes = std::fs::read(&entries[1]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&entries[1], bytes).unwrap();
    // A corrupt whole-run result is not used either.
    let runs: Vec<_> = walkdir::WalkDir::new(&cache)
        .into_iter()
        .flatten()
        .filter(|entry| {
            entry.file_type().is_file() && entry.path().parent().unwrap().ends_with("runs")
        })
        .collect();
    assert_eq!(runs.len(), 1);
    std::fs::write(runs[0].path(), b"garbage").unwrap();

    let rerun = check(&project, &[], &env);
    assert_eq!(cache_counts(&rerun), (0, 2, 2), "{rerun:?}");
    assert_eq!(rerun.stdout, cold.stdout);
    // ... and rewritten.
    forget_runs(&cache);
    let again = check(&project, &[], &env);
    assert_eq!(cache_counts(&again), (2, 0, 0), "{again:?}");
}

#[test]
fn no_cache_writes_nothing() {
    let dir = tempdir();
    let project = dir.path().join("project");
    write(&project, "a.py", SHELL);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let cache = dir.path().join("cache");
    let before = snapshot(dir.path());

    let run = check(
        &project,
        &["--no-cache"],
        &[
            ("HOME", home.as_path()),
            ("MOUNTGUARD_CACHE_DIR", cache.as_path()),
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.contains("mountguard cache:"), "{run:?}");
    assert_eq!(snapshot(dir.path()), before);
    assert!(!cache.exists());

    // `--no-cache` wins over `--cache-dir`.
    let both = check(
        &project,
        &["--no-cache", "--cache-dir", "cache"],
        &[("HOME", home.as_path())],
    );
    assert_eq!(both.stdout, run.stdout);
    assert_eq!(snapshot(dir.path()), before);

    // A `--cache-dir` that is a file is a usage error, not a silent cold run.
    write(&project, "not-a-dir", "");
    let file = check(
        &project,
        &["--cache-dir", "not-a-dir"],
        &[("HOME", home.as_path())],
    );
    assert_eq!(file.code, 2, "{file:?}");
    assert!(
        file.stderr
            .contains("--cache-dir not-a-dir: not a directory"),
        "{file:?}"
    );
}

#[test]
fn the_default_cache_is_outside_the_scanned_tree() {
    let dir = tempdir();
    let project = dir.path().join("project");
    write(&project, "a.py", SHELL);
    write(&project, "pkg/__init__.py", "");
    write(&project, "pkg/b.py", BROAD);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let before = snapshot(&project);

    let env = [("HOME", home.as_path())];
    let cold = check(&project, &[], &env);
    let warm = check(&project, &[], &env);
    assert_eq!(run_result(&warm), "reused", "{warm:?}");
    assert_eq!(warm.stdout, cold.stdout);
    assert_eq!(snapshot(&project), before, "nothing written into the tree");
    let root = home.join(".cache/mountguard");
    assert_eq!(entry_files(&root).len(), 3);
    // Marked as a cache, and ignored by git wherever it is put.
    assert!(root.join("CACHEDIR.TAG").is_file());
    assert_eq!(
        std::fs::read_to_string(root.join(".gitignore")).unwrap(),
        "# Created by mountguard.\n*\n"
    );

    // XDG_CACHE_HOME wins over HOME; --cache-dir over both.
    let xdg = dir.path().join("xdg");
    let with_xdg = check(
        &project,
        &[],
        &[("HOME", home.as_path()), ("XDG_CACHE_HOME", xdg.as_path())],
    );
    assert_eq!(cache_counts(&with_xdg), (0, 3, 0), "{with_xdg:?}");
    assert_eq!(entry_files(&xdg.join("mountguard")).len(), 3);
    let opt_in = check(
        &project,
        &["--cache-dir", ".mountguard_cache"],
        &[("HOME", home.as_path()), ("XDG_CACHE_HOME", xdg.as_path())],
    );
    assert_eq!(cache_counts(&opt_in), (0, 3, 0), "{opt_in:?}");
    assert_eq!(entry_files(&project.join(".mountguard_cache")).len(), 3);
    // The cache inside the tree is not analysed on the next run.
    forget_runs(&project.join(".mountguard_cache"));
    let inside = check(
        &project,
        &["--cache-dir", ".mountguard_cache"],
        &[("HOME", home.as_path())],
    );
    assert_eq!(cache_counts(&inside), (3, 0, 0), "{inside:?}");
    assert_eq!(inside.stdout, cold.stdout);
}

#[test]
fn parse_only_does_not_use_the_cache() {
    let dir = tempdir();
    let project = dir.path().join("project");
    write(&project, "a.py", SHELL);
    let cache = dir.path().join("cache");
    let run = check(
        &project,
        &["--parse-only"],
        &[("MOUNTGUARD_CACHE_DIR", cache.as_path())],
    );
    assert!(!run.stderr.contains("mountguard cache:"), "{run:?}");
    assert!(!cache.exists());
}

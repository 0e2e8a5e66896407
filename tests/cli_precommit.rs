//! The pre-commit hook, run by the real `pre-commit` from PyPI in a
//! throwaway git repository.
//!
//! `pre-commit` must be importable by `python3` (`.ci/run` installs it; it
//! is run as `python3 -m pre_commit`, which needs no console-script shim on
//! PATH); without it the tests say so and pass, except under CI where that
//! is a failure.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

fn pre_commit_available() -> bool {
    let found = pre_commit_command()
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let why = "pre-commit is not installed (`pip install pre-commit`)";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("SKIPPED: {why}");
    }
    found
}

fn pre_commit_command() -> Command {
    let mut command = Command::new("python3");
    command.args(["-m", "pre_commit"]);
    command
}

fn pre_commit(repo: &Path, args: &[&str]) -> Run {
    let root = repo_root();
    let output = pre_commit_command()
        .args(args)
        .current_dir(repo)
        // Hook environments and their cargo builds are kept between runs.
        .env("PRE_COMMIT_HOME", root.join("target/pre-commit-home"))
        .env("CARGO_TARGET_DIR", root.join("target/pre-commit-build"))
        .env("NO_COLOR", "1")
        .env("PRE_COMMIT_COLOR", "never")
        .stdin(Stdio::null())
        .output()
        .expect("run pre-commit");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A throwaway repository with a bad, a clean and an excluded file.
fn throwaway_repo(config: &str) -> tempfile::TempDir {
    let dir = tempdir();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    write(repo, ".pre-commit-config.yaml", config);
    write(
        repo,
        "pyproject.toml",
        "[tool.mountguard]\nextend-exclude = [\"generated\"]\n",
    );
    write(repo, "bad.py", SHELL);
    write(repo, "clean.py", CLEAN);
    write(repo, "generated/bad_too.py", SHELL);
    git(repo, &["add", "."]);
    dir
}

fn assert_hook_behaviour(repo: &Path) {
    let clean = pre_commit(repo, &["run", "--files", "clean.py"]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(clean.stdout.contains("Passed"), "{clean:?}");

    let bad = pre_commit(repo, &["run", "--files", "bad.py", "clean.py"]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stdout.contains("Failed"), "{bad:?}");
    assert!(bad.stdout.contains("MG001"), "{bad:?}");
    assert!(bad.stdout.contains("bad.py"), "{bad:?}");

    // --force-exclude: the configured exclude holds for named files.
    let excluded = pre_commit(repo, &["run", "--files", "generated/bad_too.py"]);
    assert_eq!(excluded.code, 0, "{excluded:?}");
}

#[test]
fn hook_manifest_is_valid() {
    if !pre_commit_available() {
        return;
    }
    let run = pre_commit_command()
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(repo_root())
        .output()
        .expect("run pre-commit");
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

/// The hook as users get it: pre-commit clones this repository at its
/// current commit and builds it with `language: rust` (`cargo install`),
/// which takes minutes the first time, so it runs under CI or with
/// `MOUNTGUARD_PRE_COMMIT_BUILD=1`. It tests the committed state.
#[test]
fn hook_from_this_repository_fails_on_a_bad_file_and_passes_a_clean_one() {
    if !pre_commit_available() {
        return;
    }
    if std::env::var_os("CI").is_none() && std::env::var_os("MOUNTGUARD_PRE_COMMIT_BUILD").is_none()
    {
        eprintln!(
            "SKIPPED: building the hook with cargo takes minutes; set MOUNTGUARD_PRE_COMMIT_BUILD=1 (CI does)"
        );
        return;
    }
    let root = repo_root();
    let rev = git(&root, &["rev-parse", "HEAD"]).trim().to_string();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: mountguard\n",
        root.display()
    );
    let dir = throwaway_repo(&config);
    assert_hook_behaviour(dir.path());
}

/// The same behaviour with the freshly built binary as a local hook (fast,
/// and it tests the working tree rather than the last commit).
#[test]
fn local_hook_with_the_built_binary() {
    if !pre_commit_available() {
        return;
    }
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: mountguard\n        name: mountguard\n        entry: {} check --force-exclude\n        language: system\n        types: [python]\n",
        bin()
    );
    let dir = throwaway_repo(&config);
    assert_hook_behaviour(dir.path());
}

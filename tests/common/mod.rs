//! Helpers shared by the command-line tests: run the real binary in a
//! directory and capture what it prints.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mountguard")
}

/// Runs `mountguard ARGS` in `dir` with colours off.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Keeps the cache of per-file facts out of the developer's home;
        // shared by all tests, so they exercise it too.
        .env(
            "MOUNTGUARD_CACHE_DIR",
            repo_root().join("target/test-cache"),
        )
        .stdin(Stdio::null())
        .output()
        .expect("run mountguard");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `mountguard ARGS` in `dir` with `env` set, killed after `limit`: a hang
/// fails the test instead of stalling the suite.
pub fn run_bounded(
    dir: &Path,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
    limit: std::time::Duration,
) -> Run {
    let mut command = Command::new(bin());
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    wait_bounded(command, limit)
}

/// Runs `command` with its output captured, killing it after `limit`.
pub fn wait_bounded(mut command: Command, limit: std::time::Duration) -> Run {
    use std::io::Read;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mountguard");
    // Drain both pipes while waiting, so a chatty child cannot block.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for mountguard") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "mountguard {:?} did not finish within {limit:?}",
                command.get_args().collect::<Vec<_>>()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

pub fn write(dir: &Path, path: &str, text: &str) -> PathBuf {
    let full = dir.join(path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&full, text).unwrap();
    full
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// The repository root (for fixtures).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file with one MG003 finding (a handler that swallows everything) in
/// function `f`, at line 4.
pub const BROAD: &str = "def f():\n    try:\n        pass\n    except Exception:\n        pass\n";

/// One MG001 finding (a parameter run by a shell) in function `run`, at
/// line 4; the line is `SINK`.
pub const SHELL: &str =
    "import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n";
pub const SINK: &str = "    subprocess.call(cmd, shell=True)";

/// A file with no finding.
pub const CLEAN: &str = "def f(x):\n    return x + 1\n";

/// A file that tree-sitter parses only in part: the note names it, which
/// shows which files a run analysed even when there are no findings.
pub const BROKEN: &str = "def f(:\n    pass\n";

/// `git` in `dir` with a fixed identity, panicking on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run:?}"))
}

/// `(code, line)` of each finding of a `--format json` run.
pub fn codes_and_lines(run: &Run) -> Vec<(String, u64)> {
    field_and_line(run, "code")
}

/// `(path, line)` of each finding of a `--format json` run.
pub fn paths_and_lines(run: &Run) -> Vec<(String, u64)> {
    field_and_line(run, "path")
}

fn field_and_line(run: &Run, field: &str) -> Vec<(String, u64)> {
    json(run)
        .as_array()
        .expect("array")
        .iter()
        .map(|f| {
            (
                f[field].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The SARIF 2.1.0 schema that `scripts/validate-sarif.sh --install-only`
/// installs (or `MOUNTGUARD_SARIF_SCHEMA`), when it and Python's
/// `jsonschema` are available. Under CI their absence is a failure, not a
/// skip: `.ci/run` installs them.
pub fn sarif_schema() -> Option<PathBuf> {
    let path = std::env::var_os("MOUNTGUARD_SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            repo_root().join(
                ".cache/sarif-tools/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json",
            )
        });
    let has_jsonschema = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if path.is_file() && has_jsonschema {
        return Some(path);
    }
    let why = format!(
        "SARIF schema validation needs {} and Python's jsonschema: run `scripts/validate-sarif.sh --install-only` and `pip install jsonschema`",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

/// Validates a SARIF document against the official schema; panics with
/// the violations.
pub fn validate_sarif(schema: &Path, text: &str) {
    let dir = tempdir();
    let file = dir.path().join("out.sarif");
    std::fs::write(&file, text).unwrap();
    let output = Command::new("python3")
        .arg(repo_root().join("scripts/validate_sarif.py"))
        .arg(schema)
        .arg(&file)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "SARIF does not validate:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

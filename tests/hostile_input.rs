//! SPEC §3 "Bad input" through the real binary: hostile files and paths are
//! generated here, in temporary directories, and each run is killed if it
//! takes too long. Every case also scans a healthy file (`healthy.py`, one
//! MG001 finding) and checks it is still analysed.
//!
//! Depth, size and long-line cases that predate this file live in
//! `tests/cli_bad_input.rs`.

mod common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

use common::*;

/// Long enough for a debug build on a loaded machine; a hang is forever.
const LIMIT: Duration = Duration::from_secs(120);

/// The finding `healthy.py` (`SHELL`) must produce in every run.
const HEALTHY_FINDING: &str = "healthy.py:4:5: MG001";

fn check(dir: &Path, args: &[&str]) -> Run {
    let mut all: Vec<&OsStr> = vec![OsStr::new("check"), OsStr::new("--format=concise")];
    all.extend(args.iter().map(OsStr::new));
    let run = run_bounded(dir, &all, &[], LIMIT);
    assert_sane(&run);
    run
}

/// No panic, no crash, an exit code SPEC §2 knows.
fn assert_sane(run: &Run) {
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    assert!(matches!(run.code, 0..=2), "{run:?}");
}

/// Writes `name` with `bytes` next to `healthy.py`, checks the directory and
/// returns the run, after checking the healthy file was analysed.
fn check_with_healthy(name: &str, bytes: &[u8]) -> Run {
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    std::fs::write(dir.path().join(name), bytes).unwrap();
    let run = check(dir.path(), &["."]);
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
    run
}

/// A file that is analysed normally: exit 1 (the healthy finding), no error.
fn assert_analysed(run: &Run, files: usize) {
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.contains("error:"), "{run:?}");
    assert!(
        run.stderr.contains(&format!("checked {files} files")),
        "{run:?}"
    );
}

/// The file is named on stderr with `reason`, the run exits 2, and with
/// `--exit-zero` 0 (with the same message and findings).
fn assert_input_error(dir: &Path, args: &[&str], file: &str, reason: &str) -> Run {
    let run = check(dir, args);
    let expected = format!("mountguard: error: {file}: {reason}");
    assert!(run.stderr.contains(&expected), "want {expected:?}: {run:?}");
    assert_eq!(run.code, 2, "{run:?}");
    let mut zero = args.to_vec();
    zero.push("--exit-zero");
    let again = check(dir, &zero);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stderr.contains(&expected), "{again:?}");
    assert_eq!(again.stdout, run.stdout);
    run
}

// --- Depth ---------------------------------------------------------------

const DEPTH: usize = 100_000;

#[test]
fn parentheses_nested_100_000_deep() {
    let text = format!("x = {}a{}\n", "(".repeat(DEPTH), ")".repeat(DEPTH));
    assert_analysed(&check_with_healthy("deep.py", text.as_bytes()), 2);
}

#[test]
fn lists_nested_100_000_deep() {
    let text = format!("x = {}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH));
    assert_analysed(&check_with_healthy("deep.py", text.as_bytes()), 2);
}

#[test]
fn unclosed_brackets_100_000_deep() {
    let text = format!("x = {}\n", "[(".repeat(DEPTH / 2));
    let run = check_with_healthy("deep.py", text.as_bytes());
    assert!(
        run.stderr.contains("note: deep.py: contains syntax errors"),
        "{run:?}"
    );
}

#[test]
fn conditional_expressions_nested_100_000_deep() {
    let text = format!("x = {}a\n", "a if a else ".repeat(DEPTH));
    assert_analysed(&check_with_healthy("deep.py", text.as_bytes()), 2);
}

#[test]
fn tainted_value_through_100_000_nested_conditionals_still_reaches_the_sink() {
    let text = format!(
        "import os\n\ndef f(a):\n    os.system({}a)\n",
        "b if b else ".repeat(DEPTH)
    );
    let run = check_with_healthy("deep.py", text.as_bytes());
    assert!(run.stdout.contains("deep.py:4:5: MG001"), "{run:?}");
}

/// CPython accepts 200 nested brackets: a sink inside them is found.
#[test]
fn sink_inside_brackets_nested_as_deep_as_python_allows_is_found() {
    let text = format!(
        "import os\n\ndef f(path):\n    x = {}os.remove(path){}\n",
        "[".repeat(199),
        "]".repeat(199)
    );
    let run = check_with_healthy("deep.py", text.as_bytes());
    assert!(run.stdout.contains("deep.py:4:"), "{run:?}");
    assert!(run.stdout.contains("MG002"), "{run:?}");
}

/// Deeper than the analysis interprets: a note says where, never silence.
#[test]
fn code_nested_too_deep_to_interpret_gets_a_note() {
    let text = format!(
        "import os\n\ndef f(path):\n    x = {}os.remove(path){}\n",
        "f(".repeat(5_000),
        ")".repeat(5_000)
    );
    let run = check_with_healthy("deep.py", text.as_bytes());
    assert!(
        run.stderr
            .contains("note: deep.py: line 4: code nested deeper than"),
        "{run:?}"
    );
}

/// Each level of a nested block needs one more column of indentation, so
/// depth d costs d²/2 bytes: 100,000 levels would be 5 GB. Tabs and spaces
/// alternate; the depth here is what fits in a few megabytes.
#[test]
fn if_blocks_nested_thousands_deep() {
    let depth = 2_500;
    let mut text = String::from("import os\n\ndef f(a):\n");
    for level in 1..=depth {
        let indent = if level % 2 == 0 { "\t" } else { " " };
        text.push_str(&indent.repeat(level));
        text.push_str("if a:\n");
    }
    text.push_str(&" ".repeat(depth + 1));
    text.push_str("os.system(a)\n");
    let run = check_with_healthy("deep.py", text.as_bytes());
    assert_sane(&run);
}

/// Blocks nested as deep as Python allows (100 levels) inside a broad
/// `except` handler, whose paths are followed to see whether each one
/// raises (MG003): beyond the walk's bound, a path is taken to swallow, so
/// the handler (which has a `raise`) is a note that swallows on some paths.
#[test]
fn if_blocks_nested_to_pythons_limit_in_a_broad_handler() {
    let depth = 95;
    let mut text = String::from("def f(a):\n    try:\n        a()\n    except Exception:\n");
    for level in 1..=depth {
        text.push_str(&" ".repeat(level + 7));
        text.push_str("if a:\n");
    }
    text.push_str(&" ".repeat(depth + 8));
    text.push_str("raise\n");
    let run = check_with_healthy("deep_handler.py", text.as_bytes());
    assert_sane(&run);
    assert!(
        run.stdout.contains("deep_handler.py:4:5: MG003 [note]"),
        "{}",
        run.stdout
    );
}

#[test]
fn binary_operators_200_000_terms() {
    // Module level, unlike `cli_bad_input.rs`: no function summary involved.
    let terms = vec!["a"; 200_000].join(" * ");
    let text = format!("x = {terms}\ny = -{}a\n", "-".repeat(DEPTH));
    assert_analysed(&check_with_healthy("deep.py", text.as_bytes()), 2);
}

/// Chains that were quadratic (each link re-walked or re-spelled the rest of
/// the chain): minutes in a debug build before the fix, about a second now.
#[test]
fn long_chains_in_a_function_stay_linear() {
    let chains = [
        ("assignments", format!("x{}", " = x".repeat(DEPTH))),
        ("calls", format!("x = f{}", "()".repeat(DEPTH))),
        ("attributes", format!("x = a{}", ".b".repeat(DEPTH))),
        (
            "with items",
            format!("with {}: pass", vec!["a as b"; DEPTH].join(", ")),
        ),
        ("one-line statements", "y = 1; ".repeat(DEPTH)),
    ];
    for (what, chain) in chains {
        let text = format!("import os\n\ndef f(a):\n    {chain}\n    os.system(a)\n");
        let dir = tempdir();
        write(dir.path(), "chain.py", &text);
        let args = [
            OsStr::new("check"),
            OsStr::new("--format=concise"),
            OsStr::new("."),
        ];
        let run = run_bounded(dir.path(), &args, &[], Duration::from_secs(60));
        assert_sane(&run);
        assert!(
            run.stdout.contains("chain.py:5:5: MG001"),
            "{what}: {run:?}"
        );
    }
}

// --- Size ----------------------------------------------------------------

/// 20 MB of plausible code: many small functions, each with a finding.
#[test]
fn a_20_megabyte_file() {
    // Long docstrings keep the debug build quick on 20 MB; one line each,
    // so that line numbers are easy to predict.
    let docstring = "Lorem ipsum dolor sit amet. ".repeat(100);
    let function = format!(
        "def f{{n}}(self, path, cmd):\n    \"\"\"{docstring}\"\"\"\n    if path:\n        return os.path.join('/srv', path)\n    subprocess.call(cmd, shell=True)\n    return None\n\n\n"
    );
    let mut text = String::from("import os\nimport subprocess\n\n");
    let mut n = 0;
    while text.len() < 20_000_000 {
        text.push_str(&function.replace("{n}", &n.to_string()));
        n += 1;
    }
    let run = check_with_healthy("big.py", text.as_bytes());
    assert_analysed(&run, 2);
    // Every function's sink is found, the last one too.
    let last_line = 3 + (n - 1) * 8 + 5;
    assert!(
        run.stdout.contains(&format!("big.py:{last_line}:5: MG001")),
        "last function (line {last_line}) not reported"
    );
}

/// A 1 MB line holding a flaw, drawn by every format (ariadne included).
#[test]
fn a_one_megabyte_line() {
    let padding = "x".repeat(1 << 20);
    let text = format!(
        "import subprocess\n\ndef f(cmd): subprocess.call(cmd, shell=True); y = '{padding}'; z = 1\n"
    );
    let dir = tempdir();
    write(dir.path(), "long.py", &text);
    for format in ["full", "concise", "json", "sarif", "github"] {
        let args = [
            OsStr::new("check"),
            OsStr::new("--format"),
            OsStr::new(format),
        ];
        let run = run_bounded(dir.path(), &args, &[], LIMIT);
        assert_sane(&run);
        assert_eq!(run.code, 1, "{format}: {run:?}");
    }
}

/// Larger than the analysis accepts (64 MiB): refused before reading, as a
/// sparse file costs no disk.
#[test]
fn a_file_over_the_size_limit() {
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    let file = std::fs::File::create(dir.path().join("huge.py")).unwrap();
    file.set_len((64 << 20) + 1).unwrap();
    let run = assert_input_error(
        dir.path(),
        &["."],
        "huge.py",
        "cannot read file: file too large",
    );
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
}

// --- Encodings and line endings -------------------------------------------

#[test]
fn invalid_utf8() {
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    std::fs::write(dir.path().join("latin1.py"), b"# caf\xe9\nx = 1\n").unwrap();
    let run = assert_input_error(
        dir.path(),
        &["."],
        "latin1.py",
        "not valid UTF-8 (invalid byte sequence at offset 5)",
    );
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
}

#[test]
fn a_utf8_bom_does_not_shift_columns() {
    let text = [b"\xEF\xBB\xBF".as_slice(), SHELL.as_bytes()].concat();
    let run = check_with_healthy("bom.py", &text);
    assert_analysed(&run, 2);
    assert!(run.stdout.contains("bom.py:4:5: MG001"), "{run:?}");
}

#[test]
fn nul_bytes() {
    // CPython refuses such a file; tree-sitter would stop reading at the
    // first NUL. The flaw after it is still found, and a note says why.
    let text =
        "import subprocess\nx = '\0'\0\0\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n";
    let run = check_with_healthy("nul.py", text.as_bytes());
    assert!(
        run.stderr
            .contains("note: nul.py: contains NUL bytes, which Python rejects"),
        "{run:?}"
    );
    assert!(run.stdout.contains("nul.py:5:5: MG001"), "{run:?}");
}

#[test]
fn crlf_line_endings() {
    let run = check_with_healthy("crlf.py", SHELL.replace('\n', "\r\n").as_bytes());
    assert_analysed(&run, 2);
    assert!(run.stdout.contains("crlf.py:4:5: MG001"), "{run:?}");
}

#[test]
fn lone_cr_line_endings() {
    // Old Mac line endings: Python reads them as newlines, and so do the
    // line numbers.
    let run = check_with_healthy("cr.py", SHELL.replace('\n', "\r").as_bytes());
    assert_sane(&run);
    assert!(run.stdout.contains("cr.py:4:5: MG001"), "{run:?}");
}

#[test]
fn tabs_and_spaces() {
    let tabs = SHELL.replace("    ", "\t");
    let run = check_with_healthy("tabs.py", tabs.as_bytes());
    assert_analysed(&run, 2);
    // Columns count characters: the tab is one.
    assert!(run.stdout.contains("tabs.py:4:2: MG001"), "{run:?}");

    // Python 3 rejects this mix (TabError); mountguard must not crash on it.
    let mixed = "import os\n\ndef f(a):\n\tif a:\n        os.system(a)\n  \tos.system(a)\n";
    assert_sane(&check_with_healthy("mixed.py", mixed.as_bytes()));
}

// --- Syntax errors -------------------------------------------------------

#[test]
fn files_with_only_syntax_errors() {
    let garbage: [&[u8]; 6] = [
        b")))(((\n:::\n",
        b"def def def class class\n",
        b"\t\t\tx = (\n  ]\n\t y\n",
        b"'''\n",
        b"f'{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n",
        b"@@@@@@@@@@@@@@@@\nlambda lambda: yield from from\n",
    ];
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    for (i, bytes) in garbage.iter().enumerate() {
        std::fs::write(dir.path().join(format!("garbage{i}.py")), bytes).unwrap();
    }
    let run = check(dir.path(), &["."]);
    assert_eq!(run.code, 1, "notes are not errors: {run:?}");
    assert_eq!(
        run.stdout.lines().count(),
        1,
        "only the healthy finding: {run:?}"
    );
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
    for i in 0..garbage.len() {
        let note = format!("note: garbage{i}.py: contains syntax errors");
        assert!(run.stderr.contains(&note), "want {note:?}: {run:?}");
    }
}

#[test]
fn no_findings_inside_a_broken_function_and_the_flaw_next_to_it_is_found() {
    let text = "\
import os
import subprocess


def broken(cmd):
    subprocess.call(cmd, shell=True) +* )(
    os.system(cmd) (((
    try:
        pass
    except Exception:


def good(cmd):
    subprocess.call(cmd, shell=True)
";
    let dir = tempdir();
    write(dir.path(), "mixed.py", text);
    let run = check(dir.path(), &["."]);
    assert!(
        run.stderr
            .contains("note: mixed.py: contains syntax errors"),
        "{run:?}"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(lines[0].starts_with("mixed.py:14:5: MG001"), "{run:?}");
}

// --- Paths ---------------------------------------------------------------

#[test]
fn a_path_that_does_not_exist() {
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    let run = assert_input_error(
        dir.path(),
        &["missing.py", "healthy.py"],
        "missing.py",
        "no such file or directory",
    );
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
}

#[test]
fn symlink_loops_and_dangling_links() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "healthy.py", SHELL);
    std::os::unix::fs::symlink("self.py", root.join("self.py")).unwrap();
    std::os::unix::fs::symlink("b.py", root.join("a.py")).unwrap();
    std::os::unix::fs::symlink("a.py", root.join("b.py")).unwrap();
    std::os::unix::fs::symlink("nowhere.py", root.join("dangling.py")).unwrap();
    // A directory loop: not followed, so neither an error nor endless.
    std::fs::create_dir(root.join("pkg")).unwrap();
    std::os::unix::fs::symlink("..", root.join("pkg/up")).unwrap();
    std::os::unix::fs::symlink(".", root.join("pkg/here")).unwrap();

    // A link loop or a dangling link met while walking is skipped with a
    // note (an editor's lock file is a dangling link; a loop committed by
    // mistake would otherwise fail every run).
    let run = check(root, &["."]);
    assert_eq!(run.code, 1, "the finding, and no error: {run:?}");
    assert!(
        run.stderr
            .contains("note: dangling.py: dangling symbolic link, skipped"),
        "{run:?}"
    );
    for looped in ["self.py", "a.py", "b.py"] {
        let expected =
            format!("note: {looped}: too many levels of symbolic links (a link loop), skipped");
        assert!(run.stderr.contains(&expected), "want {expected:?}: {run:?}");
    }
    assert!(!run.stderr.contains("error:"), "{run:?}");
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
    assert!(run.stderr.contains("checked 1 file"), "{run:?}");

    // Named on the command line, they are errors.
    assert_input_error(
        root,
        &["self.py", "healthy.py"],
        "self.py",
        "too many levels of symbolic links",
    );
    assert_input_error(
        root,
        &["dangling.py", "healthy.py"],
        "dangling.py",
        "dangling symbolic link",
    );
    let through_loop = check(root, &["pkg/up/pkg/here/up/healthy.py"]);
    assert_eq!(through_loop.code, 1, "{through_loop:?}");
}

#[test]
fn a_file_name_that_is_not_utf8() {
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    let name = OsStr::from_bytes(b"caf\xe9.py");
    std::fs::write(dir.path().join(name), SHELL).unwrap();
    let run = check(dir.path(), &["."]);
    assert_eq!(run.code, 1, "a name is no reason to fail: {run:?}");
    assert!(run.stdout.contains("caf\u{FFFD}.py:4:5: MG001"), "{run:?}");
    assert!(
        run.stderr.contains("file name is not valid UTF-8"),
        "{run:?}"
    );
    assert!(run.stderr.contains("checked 2 files"), "{run:?}");

    // Named on the command line too.
    let args = [OsStr::new("check"), OsStr::new("--format=concise"), name];
    let run = run_bounded(dir.path(), &args, &[], LIMIT);
    assert_eq!(run.code, 1, "{run:?}");
}

/// Names and source text cannot forge output lines or reach the terminal:
/// control characters come out escaped (names) or as `?` (source lines).
#[test]
fn control_characters_in_names_and_source_are_not_printed_raw() {
    let dir = tempdir();
    let name = OsStr::from_bytes(b"a\x1b[31mred\nfake.py:1:1: MG001 x.py");
    let text = SHELL.replace(
        "shell=True)",
        "shell=True)  # \x1b]0;title\x07\x1b[2J\u{9b}2J",
    );
    std::fs::write(dir.path().join(name), text).unwrap();
    std::fs::write(dir.path().join("bad\x1b[2J.py"), b"\xff").unwrap();
    for format in ["concise", "full", "github", "json", "sarif"] {
        let args = [
            OsStr::new("check"),
            OsStr::new("--format"),
            OsStr::new(format),
        ];
        let run = run_bounded(dir.path(), &args, &[], LIMIT);
        assert_sane(&run);
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{9b}'),
                "{format} {stream}: {run:?}"
            );
        }
        if format == "concise" {
            assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
            assert!(
                run.stdout
                    .starts_with("a\\u{1b}[31mred\\nfake.py:1:1: MG001 x.py:4:5: MG001"),
                "{run:?}"
            );
        }
        assert!(
            run.stderr
                .contains("error: bad\\u{1b}[2J.py: not valid UTF-8"),
            "{run:?}"
        );
    }
}

#[test]
fn absurd_thread_counts_are_refused_not_spawned() {
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    let run = check(dir.path(), &["--threads", "1025", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--threads: at most 1024"), "{run:?}");
}

/// Paths longer than `PATH_MAX` cannot be opened by path: the directory is
/// named with the reason, the rest is analysed.
#[test]
fn a_path_longer_than_path_max() {
    use std::os::fd::{AsRawFd, FromRawFd};
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    // Created one level at a time relative to the previous one: creating it
    // by its full path would fail like the analysis does.
    let name = "d".repeat(200);
    let mut current = std::fs::File::open(dir.path()).unwrap();
    for _ in 0..25 {
        let c_name = std::ffi::CString::new(name.as_bytes()).unwrap();
        let fd = current.as_raw_fd();
        assert_eq!(unsafe { libc::mkdirat(fd, c_name.as_ptr(), 0o755) }, 0);
        let next = unsafe { libc::openat(fd, c_name.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
        assert!(next >= 0);
        current = unsafe { std::fs::File::from_raw_fd(next) };
    }
    let run = check(dir.path(), &["."]);
    assert!(run.stderr.contains(": file name too long"), "{run:?}");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
}

#[test]
fn a_path_through_a_file_cannot_be_listed() {
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    assert_input_error(
        dir.path(),
        &["healthy.py/sub", "healthy.py"],
        "healthy.py/sub",
        "not a directory",
    );
}

/// The effective user id, from the owner of this process' `/proc` entry.
fn euid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").unwrap().uid()
}

#[test]
fn a_directory_that_cannot_be_listed() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tempdir();
    let root = dir.path();
    write(root, "healthy.py", SHELL);
    write(root, "locked/hidden.py", SHELL);
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root may list anything: run as `nobody` then, which needs the binary
    // and the temp directory to be reachable by everyone.
    let mut command = std::process::Command::new(bin());
    command
        .args(["check", "--format=concise", "."])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    if euid() == 0 {
        // `nobody` may be unable to reach the binary (a checkout under
        // `/root`): then there is no unprivileged way to test this here.
        let reachable = std::process::Command::new(bin())
            .arg("--version")
            .uid(65534)
            .gid(65534)
            .output()
            .is_ok_and(|o| o.status.success());
        if !reachable {
            eprintln!("SKIPPED: user nobody cannot run {}", bin());
            return;
        }
        command.uid(65534).gid(65534);
    }
    let run = wait_bounded(command, LIMIT);
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_sane(&run);
    assert!(
        run.stderr.contains("error: locked: permission denied"),
        "{run:?}"
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
}

#[test]
fn fifos_are_never_read() {
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    let fifo = dir.path().join("pipe.py");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    // Inside a directory: not a Python source, skipped.
    let run = check(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{run:?}");
    // Named: an error, never a blocking read.
    assert_input_error(
        dir.path(),
        &["pipe.py", "healthy.py"],
        "pipe.py",
        "not a regular file",
    );
}

#[test]
fn a_regular_file_that_fails_to_read() {
    // `/proc/self/mem` is a regular file whose first page is unmapped:
    // reading it fails with EIO, even for root.
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    assert_input_error(
        dir.path(),
        &["/proc/self/mem", "healthy.py"],
        "/proc/self/mem",
        "cannot read file: input/output error",
    );
}

#[test]
fn a_file_deleted_between_discovery_and_reading() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempdir();
    write(dir.path(), "healthy.py", SHELL);
    let doomed = write(dir.path(), "doomed.py", SHELL);
    let mut child = std::process::Command::new(bin())
        .args(["check", "--format=concise", "."])
        .current_dir(dir.path())
        .env("MOUNTGUARD_TEST_PAUSE_AFTER_DISCOVERY", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(line, "mountguard: test hook: discovery done\n");
    std::fs::remove_file(&doomed).unwrap();
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let output = child.wait_with_output().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: rest,
    };
    assert_sane(&run);
    assert!(
        run.stderr
            .contains("error: doomed.py: cannot read file: no such file or directory"),
        "{run:?}"
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
}

#[test]
fn every_kind_of_bad_input_at_once() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "healthy.py", SHELL);
    std::fs::write(root.join("latin1.py"), b"x = '\xff'\n").unwrap();
    write(root, "broken.py", "def f(:\n");
    std::os::unix::fs::symlink("nowhere.py", root.join("dangling.py")).unwrap();
    let not_utf8: OsString = OsStr::from_bytes(b"\xff.py").to_owned();
    std::fs::write(root.join(&not_utf8), CLEAN).unwrap();
    let run = assert_input_error(
        root,
        &[".", "missing"],
        "missing",
        "no such file or directory",
    );
    assert!(
        run.stderr.contains("error: latin1.py: not valid UTF-8"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("note: dangling.py: dangling symbolic link, skipped"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("note: broken.py: contains syntax errors"),
        "{run:?}"
    );
    assert!(run.stderr.contains("checked 3 files"), "{run:?}");
    assert!(run.stdout.contains(HEALTHY_FINDING), "{run:?}");
}

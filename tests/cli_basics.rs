//! The command line without depending on what the rules find: exit codes
//! on bad input, output formats, rule listings, file discovery.

mod common;

use common::*;

#[test]
fn clean_file_exits_zero_with_a_summary() {
    let dir = tempdir();
    write(dir.path(), "ok.py", CLEAN);
    let run = run(dir.path(), &["check", "ok.py"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains("checked 1 file in") && run.stderr.contains("no findings"),
        "{run:?}"
    );
}

#[test]
fn missing_path_names_the_path_and_exits_2_but_the_rest_is_checked() {
    let dir = tempdir();
    write(dir.path(), "ok.py", BROKEN);
    let run = run(dir.path(), &["check", "does/not/exist.py", "ok.py"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("does/not/exist.py: no such file or directory"),
        "{run:?}"
    );
    // The other file was still analysed.
    assert!(
        run.stderr.contains("ok.py: contains syntax errors"),
        "{run:?}"
    );
    assert!(run.stderr.contains("checked 1 file"), "{run:?}");
}

#[test]
fn exit_zero_overrides_io_errors() {
    let dir = tempdir();
    let run = run(dir.path(), &["check", "--exit-zero", "missing.py"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("missing.py"), "{run:?}");
}

#[test]
fn undecodable_file_is_an_error_naming_it() {
    let dir = tempdir();
    std::fs::write(dir.path().join("latin1.py"), b"x = '\xe9'\n").unwrap();
    write(dir.path(), "ok.py", CLEAN);
    let run = run(dir.path(), &["check", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("latin1.py: not valid UTF-8"), "{run:?}");
}

#[test]
fn partial_parse_is_a_note_not_an_error() {
    let dir = tempdir();
    write(dir.path(), "broken.py", BROKEN);
    write(
        dir.path(),
        "later.py",
        "import os\n\n\ndef f(x):\n    return (x +\n",
    );
    let run = run(dir.path(), &["check", "broken.py", "later.py"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The note says where the first error is.
    for note in [
        "note: broken.py: contains syntax errors (the first at line 1, column 7); analysed only where the parser recovered",
        "note: later.py: contains syntax errors (the first at line 5, column 5)",
    ] {
        assert!(run.stderr.contains(note), "want {note:?}: {run:?}");
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_dangling_links_and_fifos_do_not_hang_or_panic() {
    use std::os::unix::fs::symlink;
    let dir = tempdir();
    let root = dir.path();
    write(root, "pkg/ok.py", CLEAN);
    symlink(root.join("pkg"), root.join("pkg/loop")).unwrap();
    symlink(root.join("nowhere.py"), root.join("pkg/dangling.py")).unwrap();
    symlink(root.join("self.py"), root.join("self.py")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("pkg/fifo.py"))
        .status();
    // In a walked directory a dangling link (an editor's lock file) is
    // said and skipped; named on the command line it is an error.
    let run1 = run(root, &["check", "pkg"]);
    assert_eq!(run1.code, 0, "{run1:?}");
    assert!(
        run1.stderr
            .contains("pkg/dangling.py: dangling symbolic link, skipped"),
        "{run1:?}"
    );
    assert!(run1.stderr.contains("checked 1 file"), "{run1:?}");
    let named = run(root, &["check", "pkg/dangling.py"]);
    assert_eq!(named.code, 2, "{named:?}");
    // A link to a file checked anyway is not checked twice.
    symlink(root.join("pkg/ok.py"), root.join("pkg/alias.py")).unwrap();
    let linked = run(root, &["check", "pkg"]);
    assert!(linked.stderr.contains("checked 1 file"), "{linked:?}");
    let run2 = run(root, &["check", "self.py"]);
    assert_eq!(run2.code, 2, "{run2:?}");
    assert!(run2.stderr.contains("self.py:"), "{run2:?}");
    if status.is_ok_and(|s| s.success()) {
        let run3 = run(root, &["check", "pkg/fifo.py"]);
        assert_eq!(run3.code, 2, "{run3:?}");
        assert!(
            run3.stderr.contains("pkg/fifo.py: not a regular file"),
            "{run3:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_checked_with_a_warning() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.py");
    std::fs::write(dir.path().join(name), BROKEN).unwrap();
    let run = run(dir.path(), &["check", "."]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("not valid UTF-8"), "{run:?}");
    assert!(run.stderr.contains("checked 1 file"), "{run:?}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempdir();
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--select", "MG9"],
        &["check", "--ignore", "nonsense"],
        &["check", "--min-severity", "high"],
        &["check", "--exclude", "a[", "."],
        &["frobnicate"],
        &["rule", "MG999"],
    ] {
        let run = run(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
    assert_eq!(run(dir.path(), &["--help"]).code, 0);
    assert_eq!(run(dir.path(), &["--version"]).code, 0);
}

#[test]
fn rules_and_rule_docs() {
    let dir = tempdir();
    let list = run(dir.path(), &["rules"]);
    assert_eq!(list.code, 0);
    for code in ["MG001", "MG002", "MG003", "MG004"] {
        assert!(list.stdout.contains(code), "{list:?}");
    }
    assert!(list.stdout.contains("command-injection"));
    let by_code = run(dir.path(), &["rule", "MG003"]);
    let by_slug = run(dir.path(), &["rule", "broad-except"]);
    assert_eq!(by_code.code, 0);
    assert_eq!(by_code.stdout, by_slug.stdout);
    assert!(
        by_code.stdout.contains("# MG003 broad-except"),
        "{by_code:?}"
    );
    assert!(by_code.stdout.contains("noqa: MG003"));
}

#[test]
fn machine_formats_parse_when_empty() {
    let dir = tempdir();
    write(dir.path(), "ok.py", CLEAN);
    let json_run = run(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(json(&json_run), serde_json::json!([]));
    let sarif = run(dir.path(), &["check", "--format", "sarif", "."]);
    let log = json(&sarif);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        5,
        "MG001 to MG004 and MG100"
    );
    let github = run(dir.path(), &["check", "--format", "github", "."]);
    assert_eq!(github.stdout, "");
    let stats = run(
        dir.path(),
        &["check", "--statistics", "--format", "json", "."],
    );
    assert_eq!(json(&stats), serde_json::json!([]));
}

#[test]
fn statistics_in_a_format_that_cannot_carry_them_is_a_usage_error() {
    let dir = tempdir();
    write(dir.path(), "a.py", SHELL);
    for format in ["sarif", "github"] {
        let run = run(
            dir.path(),
            &["check", "--statistics", "--format", format, "a.py"],
        );
        assert_eq!(run.code, 2, "{format}: {run:?}");
        assert_eq!(run.stdout, "", "{format}: {run:?}");
        assert!(
            run.stderr
                .contains("--statistics prints a table (a JSON array with --format json); it cannot be combined with --format sarif or github"),
            "{format}: {run:?}"
        );
    }
    for format in ["full", "concise"] {
        let table = run(
            dir.path(),
            &["check", "--statistics", "--format", format, "a.py"],
        );
        assert_eq!(
            table.stdout, "     1  MG001  command-injection\n",
            "{table:?}"
        );
        assert_eq!(table.code, 1);
    }
}

#[test]
fn threads_and_no_cache_are_accepted() {
    let dir = tempdir();
    write(dir.path(), "a.py", CLEAN);
    let run = run(
        dir.path(),
        &["check", "--threads", "1", "--no-cache", "a.py"],
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn parse_only_is_hidden_but_works() {
    let dir = tempdir();
    write(dir.path(), "a.py", BROAD);
    let run = run(dir.path(), &["check", "--parse-only", "a.py"]);
    assert_eq!(run.code, 0, "{run:?}");
    let help = common::run(dir.path(), &["check", "--help"]);
    assert!(!help.stdout.contains("parse-only"), "{help:?}");
}

//! Which files a run checks: default skips, `.gitignore`, excludes,
//! explicit files and `--force-exclude`.

mod common;

use common::*;

/// The files a run analysed, read from the partial-parse notes (every
/// test file here is `BROKEN`, so each analysed file gets a note).
fn analysed(run: &Run) -> Vec<String> {
    let mut files: Vec<String> = run
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("mountguard: note: "))
        .filter_map(|rest| rest.split(": contains syntax errors").next())
        .map(str::to_string)
        .collect();
    files.sort();
    files
}

#[test]
fn default_skips_gitignore_and_nested_gitignore() {
    let dir = tempdir();
    let root = dir.path();
    for path in [
        "src/app.py",
        "src/gen/out.py",
        "src/keep.py",
        "src/notes.txt",
        "build/x.py",
        ".venv/lib/y.py",
        "node_modules/z.py",
        "src/__pycache__/c.py",
        "logs/debug.py",
        "sub/ignored_here.py",
        "sub/kept.py",
        "env/lib/python3.12/site-packages/pkg/w.py",
    ] {
        write(root, path, BROKEN);
    }
    // A virtual environment under any name.
    write(root, "env/pyvenv.cfg", "home = /usr/bin\n");
    write(root, ".gitignore", "logs/\nsrc/gen/\n*.tmp.py\n");
    write(root, "sub/.gitignore", "ignored_here.py\n");
    write(root, "src/skip.tmp.py", BROKEN);
    let run = run(root, &["check", "."]);
    assert_eq!(
        analysed(&run),
        ["src/app.py", "src/keep.py", "sub/kept.py"],
        "{run:?}"
    );
}

#[test]
fn repository_root_gitignore_applies_to_a_subdirectory_walk() {
    let dir = tempdir();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    write(root, ".gitignore", "src/vendored/\n");
    write(root, "src/a.py", BROKEN);
    write(root, "src/vendored/b.py", BROKEN);
    let run = run(root, &["check", "src"]);
    assert_eq!(analysed(&run), ["src/a.py"], "{run:?}");
}

#[test]
fn explicit_files_are_checked_unless_force_exclude() {
    let dir = tempdir();
    let root = dir.path();
    write(root, ".gitignore", "ignored.py\n");
    write(root, "ignored.py", BROKEN);
    write(root, "build/gen.py", BROKEN);
    write(root, "legacy/old.py", BROKEN);
    write(root, "a.py", BROKEN);
    let files = ["ignored.py", "build/gen.py", "legacy/old.py", "a.py"];
    let mut args = vec!["check", "--exclude", "legacy"];
    args.extend(files);
    let run1 = run(root, &args);
    assert_eq!(
        analysed(&run1),
        ["a.py", "build/gen.py", "ignored.py", "legacy/old.py"],
        "{run1:?}"
    );
    args.push("--force-exclude");
    let run2 = run(root, &args);
    assert_eq!(analysed(&run2), ["a.py"], "{run2:?}");
}

#[test]
fn config_exclude_and_extend_exclude() {
    let dir = tempdir();
    let root = dir.path();
    write(
        root,
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.mountguard]\nextend-exclude = [\"tests/fixtures/**\", \"*_pb2.py\"]\n",
    );
    write(root, "tests/fixtures/bad.py", BROKEN);
    write(root, "tests/test_a.py", BROKEN);
    write(root, "api_pb2.py", BROKEN);
    write(root, "build/b.py", BROKEN);
    let run1 = run(root, &["check"]);
    assert_eq!(analysed(&run1), ["tests/test_a.py"], "{run1:?}");
    // `exclude` replaces the default skips.
    write(root, "mountguard.toml", "exclude = [\"tests\"]\n");
    let run2 = run(root, &["check"]);
    assert_eq!(analysed(&run2), ["api_pb2.py", "build/b.py"], "{run2:?}");
}

#[test]
fn output_order_is_sorted_and_deduplicated() {
    let dir = tempdir();
    let root = dir.path();
    for path in ["b.py", "a/z.py", "a/b.py", "c.py"] {
        write(root, path, BROKEN);
    }
    let run = run(root, &["check", "c.py", "a", ".", "./c.py"]);
    let notes: Vec<&str> = run.stderr.lines().filter(|l| l.contains("note:")).collect();
    assert_eq!(notes.len(), 4, "{run:?}");
    assert_eq!(analysed(&run), ["a/b.py", "a/z.py", "b.py", "c.py"]);
    assert!(run.stderr.contains("checked 4 files"), "{run:?}");
}

#[test]
fn no_python_files_is_a_warning() {
    let dir = tempdir();
    write(dir.path(), "README.txt", "hi");
    let run = run(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("no Python files found"), "{run:?}");
}

#[test]
fn a_nested_gitignore_can_re_include_what_a_parent_ignores() {
    let dir = tempdir();
    let root = dir.path();
    write(root, ".gitignore", "*_gen.py\n");
    write(root, "sub/.gitignore", "!keep_gen.py\n");
    write(root, "a_gen.py", BROKEN);
    write(root, "sub/b_gen.py", BROKEN);
    write(root, "sub/keep_gen.py", BROKEN);
    let run = run(root, &["check"]);
    assert_eq!(analysed(&run), ["sub/keep_gen.py"], "{run:?}");
}

#[test]
fn force_exclude_applies_to_paths_that_leave_the_working_directory() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "mountguard.toml", "extend-exclude = [\"gen\"]\n");
    write(root, "gen/g.py", BROKEN);
    write(root, "src/a.py", BROKEN);
    let src = root.join("src");
    let run1 = run(&src, &["check", "--force-exclude", "../gen/g.py", "a.py"]);
    assert_eq!(analysed(&run1), ["a.py"], "{run1:?}");
}

#[test]
fn a_file_reached_by_several_named_paths_is_checked_once() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "real/a.py", BROKEN);
    for (link, target) in [("link.py", "real/a.py"), ("d/dirlink", "../real")] {
        let link = root.join(link);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, link).unwrap();
    }
    // The path of the earliest argument is kept; within a walk, the file
    // rather than a link to it.
    let cases: [(&[&str], &str); 8] = [
        (&["link.py", "real/a.py"], "link.py"),
        (&["real/a.py", "link.py"], "real/a.py"),
        (&["d/dirlink", "real"], "d/dirlink/a.py"),
        (&["real", "d/dirlink"], "real/a.py"),
        (&["d/dirlink/a.py", "real/a.py"], "d/dirlink/a.py"),
        (&["d/dirlink", "link.py", "."], "d/dirlink/a.py"),
        (&["."], "real/a.py"),
        (&["link.py", "."], "link.py"),
    ];
    for (paths, kept) in cases {
        let mut args = vec!["check"];
        args.extend_from_slice(paths);
        let run = run(root, &args);
        assert_eq!(analysed(&run), [kept], "{paths:?}: {run:?}");
        assert!(run.stderr.contains("checked 1 file "), "{paths:?}: {run:?}");
    }
}

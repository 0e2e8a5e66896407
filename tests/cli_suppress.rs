//! What gets reported: `# noqa`, selection, the baseline and `--diff-from`,
//! end to end with real findings.

mod common;

use common::*;

fn with_comment(comment: &str) -> String {
    SHELL.replace(SINK, &format!("{SINK}  {comment}"))
}

#[test]
fn a_finding_exits_1() {
    let dir = tempdir();
    write(dir.path(), "a.py", SHELL);
    let run = run(dir.path(), &["check", "--format", "json", "a.py"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(codes_and_lines(&run), [("MG001".to_string(), 4)]);
    assert!(
        run.stderr
            .contains("1 finding (1 error, 0 warnings, 0 notes)"),
        "{run:?}"
    );
    let zero = common::run(dir.path(), &["check", "--exit-zero", "a.py"]);
    assert_eq!(zero.code, 0, "{zero:?}");
}

#[test]
fn noqa_with_the_code_or_bare_suppresses() {
    let dir = tempdir();
    for comment in [
        "# noqa: MG001",
        "# noqa:MG001,MG002",
        "# NOQA: mg001 -- argv only, no shell",
        "# noqa",
        "# noqa -- reviewed",
        "# type: ignore  # noqa: MG001",
    ] {
        write(dir.path(), "a.py", &with_comment(comment));
        let run = run(dir.path(), &["check", "a.py"]);
        assert_eq!(run.code, 0, "{comment}: {run:?}");
        assert!(
            run.stderr.contains("1 suppressed by noqa"),
            "{comment}: {run:?}"
        );
    }
}

#[test]
fn text_after_the_codes_never_widens_the_suppression() {
    let dir = tempdir();
    for comment in [
        "# noqa: MG002 this is not MG001",
        "# noqa: MG002 -- MG001 reviewed",
        "# noqa: MG002, -- MG001",
        "# noqa: because MG001 is fine",
        "# noqa:",
    ] {
        write(dir.path(), "a.py", &with_comment(comment));
        let run = run(dir.path(), &["check", "--format", "concise", "a.py"]);
        assert_eq!(run.code, 1, "{comment}: {run:?}");
        assert!(
            run.stdout.contains("a.py:4:5: MG001 [error]"),
            "{comment}: {run:?}"
        );
    }
}

#[test]
fn noqa_on_another_line_does_not_suppress() {
    let dir = tempdir();
    let text = SHELL.replace("def run(cmd):", "def run(cmd):  # noqa: MG001");
    write(dir.path(), "a.py", &text);
    let run = run(dir.path(), &["check", "a.py"]);
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn report_unused_noqa() {
    let dir = tempdir();
    let text = format!(
        "{}x = 1  # noqa\ny = 2  # noqa: MG003\nz = 3  # noqa: E501, MG100 -- flake8's\nw = 4  # noqa: E501, S603\nv = 5  # noqa: E501, MG999\n",
        with_comment("# noqa: MG001, MG002")
    );
    write(dir.path(), "a.py", &text);
    let quiet = run(dir.path(), &["check", "a.py"]);
    assert_eq!(quiet.code, 0, "{quiet:?}");
    let unused = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "concise", "--report-unused-noqa"];
        args.extend_from_slice(extra);
        args.push("a.py");
        run(dir.path(), &args)
    };
    let reported = unused(&[]);
    assert_eq!(reported.code, 1, "{reported:?}");
    let column = SINK.len() + 3;
    assert_eq!(
        reported.stdout,
        format!(
            "a.py:4:{column}: MG100 [warning] unused `# noqa` code: MG002\n\
             a.py:5:8: MG100 [warning] unused `# noqa` directive: nothing to suppress on this line\n\
             a.py:6:8: MG100 [warning] unused `# noqa` code: MG003\n\
             a.py:9:8: MG100 [warning] unused `# noqa` code: MG999 (unknown code)\n"
        ),
        "a directive naming MG100 keeps its other codes; other linters' codes are theirs: {reported:?}"
    );
    assert!(
        reported.stderr.contains("4 findings (0 errors, 4 warnings"),
        "{reported:?}"
    );
    // A deselected rule's finding still uses its directive, and selections
    // do not apply to MG100 (the flag asked for it).
    let deselected = unused(&["--ignore", "MG001", "--select", "MG001,MG002"]);
    assert!(
        deselected.stdout.starts_with(&format!(
            "a.py:4:{column}: MG100 [warning] unused `# noqa` code: MG002\n"
        )),
        "{deselected:?}"
    );
    assert_eq!(deselected.stdout.lines().count(), 4, "{deselected:?}");
    let selected = unused(&["--select", "unused-noqa"]);
    assert_eq!(selected.code, 2, "{selected:?}");
    assert!(
        selected.stderr.contains("`--report-unused-noqa` turns on"),
        "{selected:?}"
    );
}

#[test]
fn unused_noqa_is_in_every_output_format() {
    let dir = tempdir();
    // No finding in the file: its text is read again to show the directive.
    write(
        dir.path(),
        "u.py",
        "def a(x):\n    return x  # noqa: MG001\n",
    );
    let check = |format: &str| {
        run(
            dir.path(),
            &["check", "--format", format, "--report-unused-noqa", "u.py"],
        )
    };
    let json_run = check("json");
    assert_eq!(json_run.code, 1, "{json_run:?}");
    let item = &json(&json_run)[0];
    assert_eq!(
        (
            item["code"].as_str(),
            item["rule"].as_str(),
            item["severity"].as_str(),
            item["line"].as_u64(),
            item["column"].as_u64(),
            item["end_column"].as_u64(),
        ),
        (
            Some("MG100"),
            Some("unused-noqa"),
            Some("warning"),
            Some(2),
            Some(15),
            Some(28)
        ),
        "{json_run:?}"
    );
    assert_eq!(item["message"], "unused `# noqa` code: MG001");

    let sarif = check("sarif");
    assert_eq!(sarif.code, 1, "{sarif:?}");
    let log = json(&sarif);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "MG100", "{sarif:?}");
    let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][rule_index]["id"],
        "MG100"
    );
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(15))
    );
    if let Some(schema) = sarif_schema() {
        validate_sarif(&schema, &sarif.stdout);
    }

    let github = check("github");
    assert!(
        github.stdout.starts_with(
            "::warning file=u.py,line=2,col=15,endLine=2,endColumn=28,title=MG100 unused-noqa::unused `# noqa` code: MG001"
        ),
        "{github:?}"
    );
    let concise = check("concise");
    assert_eq!(
        concise.stdout,
        "u.py:2:15: MG100 [warning] unused `# noqa` code: MG001\n"
    );
    let full = check("full");
    // Drawn over its line.
    for expected in [
        "[MG100] Warning: unused `# noqa` code: MG001",
        "2 │     return x  # noqa: MG001",
    ] {
        assert!(full.stdout.contains(expected), "{expected}: {full:?}");
    }
    let statistics = run(
        dir.path(),
        &["check", "--statistics", "--report-unused-noqa", "u.py"],
    );
    assert_eq!(
        statistics.stdout, "     1  MG100  unused-noqa\n",
        "{statistics:?}"
    );
    assert_eq!(statistics.code, 1);
}

#[test]
fn unused_noqa_with_diff_from_only_on_changed_lines() {
    let dir = tempdir();
    let root = dir.path();
    git(root, &["init", "-q"]);
    write(root, "old.py", "def f(x):\n    return x  # noqa: MG001\n");
    write(root, "new.py", "def g(x):\n    return x\n");
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "base"]);
    write(root, "new.py", "def g(x):\n    return x + 1\n");
    let check = || {
        run(
            root,
            &[
                "check",
                "--format",
                "concise",
                "--diff-from",
                "HEAD",
                "--report-unused-noqa",
                ".",
            ],
        )
    };
    let untouched = check();
    assert_eq!(untouched.code, 0, "{untouched:?}");
    assert_eq!(untouched.stdout, "", "{untouched:?}");
    // A directive added on a changed line is reported.
    write(root, "new.py", "def g(x):\n    return x + 1  # noqa\n");
    let added = check();
    assert_eq!(added.code, 1, "{added:?}");
    assert_eq!(
        added.stdout,
        "new.py:2:19: MG100 [warning] unused `# noqa` directive: nothing to suppress on this line\n"
    );
}

#[test]
fn select_ignore_and_min_severity() {
    let dir = tempdir();
    write(dir.path(), "a.py", SHELL);
    let cases: [(&[&str], i32); 7] = [
        (&["--select", "MG001"], 1),
        (&["--select", "MG00"], 1),
        (&["--select", "command-injection"], 1),
        (&["--select", "MG002,MG003"], 0),
        (&["--ignore", "MG001"], 0),
        (&["--min-severity", "error"], 1),
        (&["--ignore", "MG"], 0),
    ];
    for (args, code) in cases {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        all.push("a.py");
        let run = run(dir.path(), &all);
        assert_eq!(run.code, code, "{args:?}: {run:?}");
    }
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.mountguard]\nignore = [\"MG001\"]\n",
    );
    assert_eq!(run(dir.path(), &["check", "a.py"]).code, 0);
    // --select replaces the configured selection; the configured ignore stays.
    assert_eq!(
        run(dir.path(), &["check", "--select", "MG001", "a.py"]).code,
        0
    );
}

#[test]
fn statistics_count_per_rule() {
    let dir = tempdir();
    write(dir.path(), "a.py", SHELL);
    write(dir.path(), "b.py", SHELL);
    let run = run(dir.path(), &["check", "--statistics", "."]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "     2  MG001  command-injection\n");
}

#[test]
fn baseline_survives_unrelated_edits_and_counts_as_a_multiset() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "a.py", SHELL);
    let written = run(root, &["check", "--write-baseline", "baseline.json", "."]);
    assert_eq!(written.code, 0, "{written:?}");
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("baseline.json")).unwrap())
            .unwrap();
    let entry = &baseline["findings"][0];
    assert_eq!(entry["code"], "MG001");
    assert_eq!(entry["path"], "a.py");
    assert_eq!(entry["context"], "run");
    assert_eq!(entry["count"], 1);
    assert!(entry.get("line").is_none(), "no line numbers: {baseline}");

    // Unrelated edits above move the finding; it is still the baseline's.
    let moved = format!("\"\"\"Docs.\"\"\"\n\nimport os\n{SHELL}");
    write(root, "a.py", &moved);
    let same = run(root, &["check", "--baseline", "baseline.json", "."]);
    assert_eq!(same.code, 0, "{same:?}");
    assert!(same.stderr.contains("1 in the baseline"), "{same:?}");

    // Two identical findings against one baselined: one is new.
    let twice = moved.replace(SINK, &format!("{SINK}\n{SINK}"));
    write(root, "a.py", &twice);
    let one_new = run(
        root,
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            ".",
        ],
    );
    assert_eq!(one_new.code, 1, "{one_new:?}");
    assert_eq!(codes_and_lines(&one_new).len(), 1, "{one_new:?}");

    // A new finding elsewhere is reported.
    write(root, "b.py", SHELL);
    write(root, "a.py", &moved);
    let new_file = run(
        root,
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            ".",
        ],
    );
    assert_eq!(new_file.code, 1, "{new_file:?}");
    let paths: Vec<String> = json(&new_file)
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, ["b.py"]);
}

#[test]
fn baseline_survives_reformatting_and_reads_version_1_files() {
    let dir = tempdir();
    let root = dir.path();
    let source = "import os\n\ndef run(name):\n    os.system('ls ' + name)\n";
    write(root, "a.py", source);
    let written = run(root, &["check", "--write-baseline", "baseline.json", "."]);
    assert_eq!(written.code, 0, "{written:?}");
    // What a formatter does: spacing, quotes, the call split over lines
    // with a trailing comma.
    let reformatted = "import os\n\ndef run(name):\n    os.system(\n        \"ls \"+name,\n    )\n";
    write(root, "a.py", reformatted);
    let same = run(root, &["check", "--baseline", "baseline.json", "."]);
    assert_eq!(same.code, 0, "{same:?}");

    // A version 1 file (fingerprints of an older release) still applies:
    // its fingerprints are computed again from the fields it records.
    let text = std::fs::read_to_string(root.join("baseline.json")).unwrap();
    let mut baseline: serde_json::Value = serde_json::from_str(&text).unwrap();
    baseline["version"] = 1.into();
    baseline["findings"][0]["fingerprint"] = "0000000000000000".into();
    write(root, "baseline.json", &baseline.to_string());
    let old = run(root, &["check", "--baseline", "baseline.json", "."]);
    assert_eq!(old.code, 0, "{old:?}");
}

#[test]
fn baseline_paths_are_relative_to_the_baseline_file() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "pkg/a.py", SHELL);
    let written = run(root, &["check", "--write-baseline", "baseline.json", "pkg"]);
    assert_eq!(written.code, 0, "{written:?}");
    let from_sub = run(
        &root.join("pkg"),
        &["check", "--baseline", "../baseline.json", "a.py"],
    );
    assert_eq!(from_sub.code, 0, "{from_sub:?}");
}

#[test]
fn bad_baseline_files_are_errors() {
    let dir = tempdir();
    write(dir.path(), "a.py", SHELL);
    let missing = run(dir.path(), &["check", "--baseline", "nope.json", "a.py"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(missing.stderr.contains("nope.json"), "{missing:?}");
    write(
        dir.path(),
        "bad.json",
        "{\"version\": 1, \"findings\": [{}]}",
    );
    let bad = run(dir.path(), &["check", "--baseline", "bad.json", "a.py"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(
        bad.stderr.contains("bad.json:1: invalid baseline"),
        "{bad:?}"
    );
}

#[test]
fn diff_from_reports_only_changed_lines_and_untracked_files() {
    let dir = tempdir();
    let root = dir.path();
    git(root, &["init", "-q"]);
    write(root, "a.py", SHELL);
    write(root, "clean.py", CLEAN);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "base"]);
    let base = git(root, &["rev-parse", "HEAD"]).trim().to_string();

    // Nothing changed: nothing reported, though the finding exists.
    let unchanged = run(root, &["check", "--diff-from", "HEAD", "."]);
    assert_eq!(unchanged.code, 0, "{unchanged:?}");

    // A new flaw in a changed function, an untracked file with a flaw,
    // and the old flaw untouched.
    let edited = format!("{SHELL}\n\ndef other(arg):\n    subprocess.call(arg, shell=True)\n");
    write(root, "a.py", &edited);
    write(root, "new.py", SHELL);
    let changed = run(
        root,
        &["check", "--format", "json", "--diff-from", &base, "."],
    );
    assert_eq!(changed.code, 1, "{changed:?}");
    let found = paths_and_lines(&changed);
    assert_eq!(found, [("a.py".to_string(), 8), ("new.py".to_string(), 4)]);

    // Committed changes count too.
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "more"]);
    let since_base = run(
        root,
        &["check", "--format", "json", "--diff-from", &base, "."],
    );
    assert_eq!(codes_and_lines(&since_base).len(), 2, "{since_base:?}");
    let since_head = run(root, &["check", "--diff-from", "HEAD", "."]);
    assert_eq!(since_head.code, 0, "{since_head:?}");
}

#[test]
fn diff_from_finds_changes_in_files_git_quotes_the_names_of() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let root = dir.path();
    git(root, &["init", "-q"]);
    // git writes these names quoted (`"`, a backslash, TAB, newline), with
    // a trailing TAB (a space), or as raw bytes (not UTF-8).
    let names: [&[u8]; 8] = [
        b"plain.py",
        b"space name.py",
        b"d ir/m.py",
        b"quo\"te.py",
        b"back\\slash.py",
        b"tab\tname.py",
        b"new\nline.py",
        b"caf\xe9.py",
    ];
    let before = "import os\n\n\ndef u(x):\n    pass\n\n\ndef v(y):\n    os.rmdir(y)\n";
    for name in names {
        let path = root.join(std::ffi::OsStr::from_bytes(name));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, before).unwrap();
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "base"]);
    // One new flaw on line 5 of each; the old one on line 9 is unchanged.
    let after = before.replace("    pass\n", "    os.rmdir(x)\n");
    for name in names {
        std::fs::write(root.join(std::ffi::OsStr::from_bytes(name)), &after).unwrap();
    }
    let all = run(root, &["check", "--format", "json", "."]);
    assert_eq!(codes_and_lines(&all).len(), 16, "{all:?}");
    let changed = run(
        root,
        &["check", "--format", "json", "--diff-from", "HEAD", "."],
    );
    assert_eq!(changed.code, 1, "{changed:?}");
    let found = paths_and_lines(&changed);
    let mut expected: Vec<(String, u64)> = [
        "plain.py",
        "space name.py",
        "d ir/m.py",
        "quo\"te.py",
        "back\\slash.py",
        "tab\\tname.py",
        "new\\nline.py",
        "caf\u{FFFD}.py",
    ]
    .iter()
    .map(|shown| (shown.to_string(), 5))
    .collect();
    expected.sort();
    assert_eq!(found, expected, "{changed:?}");
}

#[test]
fn diff_from_outside_git_or_with_a_bad_revision_is_an_error() {
    let dir = tempdir();
    write(dir.path(), "a.py", SHELL);
    let outside = run(dir.path(), &["check", "--diff-from", "HEAD", "a.py"]);
    assert_eq!(outside.code, 2, "{outside:?}");
    assert!(
        outside.stderr.contains("needs a git repository"),
        "{outside:?}"
    );
    git(dir.path(), &["init", "-q"]);
    let bad_rev = run(dir.path(), &["check", "--diff-from", "no-such-rev", "a.py"]);
    assert_eq!(bad_rev.code, 2, "{bad_rev:?}");
    assert!(
        bad_rev
            .stderr
            .contains("unknown git revision `no-such-rev`"),
        "{bad_rev:?}"
    );
}

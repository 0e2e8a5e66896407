//! Configuration files: where they are found and how errors are reported.

mod common;

use common::*;

#[test]
fn unknown_key_names_file_key_and_line() {
    let dir = tempdir();
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.black]\nline-length = 79\n\n[tool.mountguard]\nselect = [\"MG001\"]\nselct = [\"MG002\"]\n",
    );
    write(dir.path(), "a.py", CLEAN);
    let run = run(dir.path(), &["check", "a.py"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("pyproject.toml:6:"), "{run:?}");
    assert!(run.stderr.contains("`selct`"), "{run:?}");
}

#[test]
fn bad_values_name_file_key_and_line() {
    let dir = tempdir();
    write(dir.path(), "a.py", CLEAN);
    let cases = [
        ("min-severity = \"high\"\n", 1, "min-severity"),
        ("select = [\"MG001\", \"XYZ\"]\n", 1, "select"),
        ("\nexclude = \"build\"\n", 2, "exclude"),
        (
            "\n\n[rules.command-injection]\nsinks = [{ call = \"x.run\", kind = \"sh\" }]\n",
            4,
            "sinks",
        ),
        ("[rules.shell]\n", 1, "shell"),
    ];
    for (text, line, key) in cases {
        write(dir.path(), "mountguard.toml", text);
        let run = run(dir.path(), &["check", "a.py"]);
        assert_eq!(run.code, 2, "{text}: {run:?}");
        assert!(
            run.stderr.contains(&format!("mountguard.toml:{line}:")),
            "{text}: {run:?}"
        );
        assert!(run.stderr.contains(key), "{text}: {run:?}");
    }
}

#[test]
fn explicit_config_and_nearest_config_upward() {
    let dir = tempdir();
    let root = dir.path();
    write(
        root,
        "pyproject.toml",
        "[tool.mountguard]\nmin-severity = \"bogus\"\n",
    );
    write(root, "pkg/a.py", CLEAN);
    // Found upward from the directory that holds the paths.
    let found = run(&root.join("pkg"), &["check", "a.py"]);
    assert_eq!(found.code, 2, "{found:?}");
    assert!(found.stderr.contains("pyproject.toml:2:"), "{found:?}");
    // --config wins.
    write(root, "other.toml", "ignore = [\"MG003\"]\n");
    let explicit = run(root, &["check", "--config", "other.toml", "pkg/a.py"]);
    assert_eq!(explicit.code, 0, "{explicit:?}");
    let missing = run(root, &["check", "--config", "nope.toml", "pkg/a.py"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.toml"), "{missing:?}");
    // A pyproject.toml named so configures nothing without our table: an
    // error, not defaults in silence (its top-level keys are not ours).
    write(
        root,
        "sub/pyproject.toml",
        "select = [\"MG003\"]\n[project]\nname = \"x\"\n",
    );
    let untabled = run(
        root,
        &["check", "--config", "sub/pyproject.toml", "pkg/a.py"],
    );
    assert_eq!(untabled.code, 2, "{untabled:?}");
    let reason =
        "error: sub/pyproject.toml: has no `[tool.mountguard]` table, so it configures nothing";
    assert!(untabled.stderr.contains(reason), "{untabled:?}");
}

#[test]
fn pyproject_without_our_table_is_skipped() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "mountguard.toml", "bogus = 1\n");
    write(root, "sub/pyproject.toml", "[project]\nname = \"x\"\n");
    write(root, "sub/a.py", CLEAN);
    // The search goes past sub/pyproject.toml (no [tool.mountguard]) to
    // the broken mountguard.toml above it.
    let run = run(&root.join("sub"), &["check", "a.py"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("mountguard.toml:1:"), "{run:?}");
}

#[test]
fn rule_extensions_are_accepted() {
    let dir = tempdir();
    write(
        dir.path(),
        "pyproject.toml",
        r#"[tool.mountguard]
select = ["MG"]
ignore = ["MG004"]

[tool.mountguard.rules.command-injection]
sinks = [{ call = "mylib.shell.run", args = "all", kind = "shell" }]

[tool.mountguard.rules.path-traversal]
sanitizers = [{ call = "mylib.paths.contained" }]

[tool.mountguard.rules.common]
sources = [{ name = "mylib.web.param", description = "a request parameter" }]
"#,
    );
    write(dir.path(), "a.py", CLEAN);
    let run = run(dir.path(), &["check", "a.py"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_configured_guard_sanitizer_clears_its_argument() {
    let dir = tempdir();
    let checked = "import subprocess\n\nfrom mylib import utils\n\n\ndef run(cmd_list):\n    utils.check_ssh_injection(cmd_list)\n    subprocess.call(' '.join(cmd_list), shell=True)\n";
    write(dir.path(), "a.py", checked);
    // A deny-list check is not a sanitizer by default.
    let before = run(dir.path(), &["check", "--no-cache", "a.py"]);
    assert_eq!(before.code, 1, "{before:?}");
    write(
        dir.path(),
        "mountguard.toml",
        "[rules.command-injection]\nsanitizers = [{ call = \"*.utils.check_ssh_injection\", guard = true }]\n",
    );
    let after = run(dir.path(), &["check", "--no-cache", "a.py"]);
    assert_eq!(after.code, 0, "{after:?}");
}

#[test]
fn broken_pyproject_with_our_table_is_an_error_not_skipped() {
    let dir = tempdir();
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.mountguard]\nselect = [\"MG001\"\n\n[tool.other]\n",
    );
    write(dir.path(), "a.py", CLEAN);
    let run = run(dir.path(), &["check", "a.py"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("pyproject.toml:"), "{run:?}");
}

#[test]
fn the_configuration_does_not_depend_on_the_order_of_the_paths() {
    let dir = tempdir();
    let root = dir.path();
    write(
        root,
        "pkg/pyproject.toml",
        "[tool.mountguard]\nignore = [\"MG001\"]\n",
    );
    write(root, "pkg/a.py", SHELL);
    write(root, "other/b.py", SHELL);
    let forward = run(
        root,
        &["check", "--format", "json", "pkg/a.py", "other/b.py"],
    );
    let backward = run(
        root,
        &["check", "--format", "json", "other/b.py", "pkg/a.py"],
    );
    assert_eq!(forward.stdout, backward.stdout);
    assert_eq!(forward.code, backward.code);
    // Files of `pkg` alone are checked with `pkg`'s configuration.
    let alone = run(root, &["check", "pkg/a.py"]);
    assert_eq!(alone.code, 0, "{alone:?}");
}

/// Parameters and attributes named `myopts` hold operator configuration
/// once configured so, like the built-in `conf`; `other` stays untrusted.
const TRUSTED: &str = r#"import subprocess


def d(conf):
    subprocess.call(conf.cmd, shell=True)


def e(myopts):
    subprocess.call(myopts.cmd, shell=True)


class K:
    def __init__(self, myopts):
        self.myopts = myopts

    def run(self):
        subprocess.call(self.myopts.cmd, shell=True)


def f(other):
    subprocess.call(other.cmd, shell=True)
"#;

#[test]
fn configured_trusted_names_are_trusted_like_the_built_in_ones() {
    let dir = tempdir();
    let root = dir.path();
    write(root, "q.py", TRUSTED);
    let lines = |run: &Run| -> Vec<u64> {
        codes_and_lines(run)
            .into_iter()
            .map(|(_, line)| line)
            .collect()
    };
    let untrusted = run(root, &["check", "--format", "json", "q.py"]);
    assert_eq!(lines(&untrusted), [9, 17, 21], "{untrusted:?}");
    // Every table that takes `trusted_names`; a name is trusted for every
    // taint rule whichever table lists it, as the built-in names are.
    let configurations = [
        (
            "mountguard.toml",
            "[rules.common]\ntrusted_names = [\"myopts\"]\n",
        ),
        (
            "mountguard.toml",
            "[rules.command-injection]\ntrusted_names = [\"myopts\"]\n",
        ),
        (
            "mountguard.toml",
            "[rules.path-traversal]\ntrusted_names = [\"myopts\"]\n",
        ),
        (
            "pyproject.toml",
            "[tool.mountguard.rules.common]\ntrusted_names = [\"myopts\"]\n",
        ),
    ];
    for (file, text) in configurations {
        let _ = std::fs::remove_file(root.join("mountguard.toml"));
        let _ = std::fs::remove_file(root.join("pyproject.toml"));
        write(root, file, text);
        let trusted = run(root, &["check", "--format", "json", "q.py"]);
        assert_eq!(lines(&trusted), [21], "{file}: {text}: {trusted:?}");
        // The same through --config, from elsewhere.
        let explicit = run(
            &root.join(".."),
            &[
                "check",
                "--format",
                "json",
                "--config",
                root.join(file).to_str().unwrap(),
                root.join("q.py").to_str().unwrap(),
            ],
        );
        assert_eq!(lines(&explicit), [21], "--config {file}: {explicit:?}");
    }
}

//! SPEC §3 through the whole binary: deep nesting, huge files and long
//! lines neither crash nor hang the run. `tests/hostile_input.rs` has the
//! 100,000-deep cases and the unreadable, undecodable and vanishing files.

mod common;

use common::*;

fn check_file(text: &str) -> Run {
    let dir = tempdir();
    write(dir.path(), "input.py", text);
    let run = run(dir.path(), &["check", "--format", "concise", "input.py"]);
    assert!(
        run.code == 0 || run.code == 1,
        "expected a normal exit, got {run:?}"
    );
    assert!(run.stderr.contains("checked 1 file"), "{run:?}");
    run
}

#[test]
fn thousands_of_nested_blocks() {
    let mut text = String::new();
    for level in 0..3000 {
        text.push_str(&" ".repeat(level));
        text.push_str("if x:\n");
    }
    text.push_str(&" ".repeat(3000));
    text.push_str("pass\n");
    check_file(&text);
}

#[test]
fn thousands_of_nested_calls_around_a_tainted_value() {
    let depth = 3000;
    let text = format!(
        "import os\n\ndef f(a):\n    os.system({}a{})\n",
        "str(".repeat(depth),
        ")".repeat(depth)
    );
    let run = check_file(&text);
    assert!(
        run.stdout.contains("input.py:4:5: MG001 [error]"),
        "{run:?}"
    );
}

#[test]
fn a_long_line_with_a_long_expression() {
    let terms = vec!["a"; 20_000].join(" + ");
    check_file(&format!("import os\n\ndef f(a):\n    os.system({terms})\n"));
}

#[test]
fn a_very_long_expression() {
    let terms = vec!["a"; 200_000].join(" + ");
    check_file(&format!("import os\n\ndef f(a):\n    os.system({terms})\n"));
    check_file(&format!(
        "import os\n\ndef f(a):\n    y = {terms}\n    os.system(y)\n"
    ));
}

#[test]
fn a_large_file() {
    let function = "def f{n}(self, path):\n    if path:\n        return os.path.join('/srv', path)\n    return None\n\n\n";
    let mut text = String::from("import os\n\n");
    for n in 0..20_000 {
        text.push_str(&function.replace("{n}", &n.to_string()));
    }
    check_file(&text);
}

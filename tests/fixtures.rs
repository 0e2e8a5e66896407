//! Runs every fixture in `fixtures/` and checks its inline expectations:
//! `# expect: MG001 warning` (code, optional severity; several separated by
//! commas) on each line that must be reported, `# ok: MG004` on look-alikes
//! that must not be. Any finding that is not expected fails the test.
//!
//! A `.py` file directly in `fixtures/` is analysed alone; a directory is
//! analysed as one project (for flows across modules).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mountguard::analysis::{InputFile, Settings, analyze};
use mountguard::rules::{Extensions, TaintConfig};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    path: String,
    line: u32,
    code: String,
    severity: Option<String>,
}

fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "py"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

fn projects() -> Vec<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/ exists")
        .map(|e| e.expect("readable fixtures/").path())
        .collect();
    entries.sort();
    entries
        .into_iter()
        .filter_map(|path| {
            if path.is_dir() {
                Some(python_files(&path))
            } else if path.extension().is_some_and(|x| x == "py") {
                Some(vec![path])
            } else {
                None
            }
        })
        .filter(|files| !files.is_empty())
        .collect()
}

fn display(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Parses the `# expect:` and `# ok:` annotations of one file.
fn annotations(path: &Path) -> (Vec<Expected>, Vec<Expected>) {
    // Annotations are ASCII; a fixture may declare another encoding
    // (`latin1_declared.py`).
    let bytes = std::fs::read(path).expect("fixture is readable");
    let text = String::from_utf8_lossy(&bytes);
    let mut expected = Vec::new();
    let mut ok = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(comment_start) = line.find('#') else {
            continue;
        };
        let comment = &line[comment_start..];
        for (marker, target) in [("expect:", &mut expected), ("ok:", &mut ok)] {
            let Some(at) = comment.find(marker) else {
                continue;
            };
            let rest = &comment[at + marker.len()..];
            // Annotations end at the next comment marker.
            let rest = rest.split('#').next().unwrap_or("");
            for item in rest.split(',') {
                let mut words = item.split_whitespace();
                let Some(code) = words.next() else { continue };
                if !code.starts_with("MG") {
                    continue;
                }
                target.push(Expected {
                    path: display(path),
                    line: index as u32 + 1,
                    code: code.to_string(),
                    severity: words
                        .next()
                        .filter(|w| matches!(*w, "note" | "warning" | "error"))
                        .map(str::to_string),
                });
            }
        }
    }
    (expected, ok)
}

#[test]
fn every_fixture_reports_exactly_its_expected_findings() {
    let settings = Settings {
        taint: TaintConfig::new(&Extensions::default()),
        parse_only: false,
        process_exits_after: false,
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for files in projects() {
        let inputs: Vec<InputFile> = files
            .iter()
            .map(|path| InputFile {
                fs_path: path.clone(),
                display: display(path).into(),
            })
            .collect();
        let analysis = analyze(&inputs, &settings);
        let mut expected = BTreeSet::new();
        let mut ok = Vec::new();
        for path in &files {
            let (e, o) = annotations(path);
            expected.extend(e);
            ok.extend(o);
        }
        let mut matched = BTreeSet::new();
        for finding in &analysis.findings {
            checked += 1;
            let hit = expected.iter().find(|e| {
                e.path == *finding.location.path
                    && e.line == finding.location.line
                    && e.code == finding.code
            });
            match hit {
                Some(e) => {
                    matched.insert(e.clone());
                    if let Some(severity) = &e.severity
                        && severity != finding.severity.as_str()
                    {
                        problems.push(format!(
                            "{}:{}: {} reported as {}, expected {}: {}",
                            e.path, e.line, e.code, finding.severity, severity, finding.message
                        ));
                    }
                }
                None => {
                    let marked_ok = ok.iter().any(|o| {
                        o.path == *finding.location.path
                            && o.line == finding.location.line
                            && o.code == finding.code
                    });
                    problems.push(format!(
                        "{}:{}: unexpected {} {}{}: {}",
                        finding.location.path,
                        finding.location.line,
                        finding.code,
                        finding.severity,
                        if marked_ok {
                            " (line is marked ok)"
                        } else {
                            ""
                        },
                        finding.message
                    ));
                }
            }
        }
        for e in expected.difference(&matched) {
            problems.push(format!(
                "{}:{}: missing {}{}",
                e.path,
                e.line,
                e.code,
                e.severity
                    .as_ref()
                    .map(|s| format!(" {s}"))
                    .unwrap_or_default()
            ));
        }
    }
    assert!(checked > 0, "the fixtures produced no findings at all");
    assert!(
        problems.is_empty(),
        "{} fixture problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

//! Output formats. Every renderer takes the findings in their final order
//! and writes them to `out`; none of them reorders or filters.

pub mod concise;
pub mod full;
pub mod github;
pub mod json;
pub mod sarif;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use crate::finding::Finding;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Full,
    Concise,
    Json,
    Sarif,
    Github,
}

/// What renderers need besides the findings.
pub struct Context<'a> {
    /// Source text of the files findings point into.
    pub sources: &'a BTreeMap<Arc<str>, Arc<str>>,
    pub color: bool,
    /// Working directory, for SARIF's `%SRCROOT%`.
    pub cwd: &'a Path,
    /// Problems with input files (SARIF tool notifications), as (path, message, fatal).
    pub notifications: &'a [(String, String, bool)],
}

pub fn render(
    format: Format,
    findings: &[Finding],
    context: &Context,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Full => full::render(findings, context, out),
        Format::Concise => concise::render(findings, out),
        Format::Json => json::render(findings, out),
        Format::Sarif => sarif::render(findings, context, out),
        Format::Github => github::render(findings, context.notifications, out),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::finding::{Label, Location, Severity, TraceStep};

    pub(crate) const MAIN: &str = "def mount(export):\n    cmd = ['mount', export]\n    utils.execute(*cmd, run_as_root=True)\n";
    pub(crate) const OTHER: &str = "def helper(x):\n    return x\n";

    pub(crate) fn location(path: &str, text: &str, start: usize, end: usize) -> Location {
        let line_col = |byte: usize| {
            let before = &text[..byte];
            let line = before.matches('\n').count() as u32 + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() as u32 + 1;
            (line, column)
        };
        let (line, column) = line_col(start);
        let (end_line, end_column) = line_col(end);
        Location {
            path: Arc::from(path),
            line,
            column,
            end_line,
            end_column,
            start_byte: start as u32,
            end_byte: end as u32,
        }
    }

    /// A hand-built taint finding with a trace and a label in another file.
    pub(crate) fn sample() -> Finding {
        let sink = location("pkg/m.py", MAIN, 51, 88);
        Finding {
            code: "MG001",
            rule: "command-injection",
            severity: Severity::Warning,
            location: sink.clone(),
            message: "`export` reaches utils.execute".to_string(),
            labels: vec![Label {
                location: location("pkg/util.py", OTHER, 4, 10),
                message: "defined here".to_string(),
            }],
            trace: vec![
                TraceStep {
                    location: location("pkg/m.py", MAIN, 10, 16),
                    message: "parameter `export` of a public method".to_string(),
                },
                TraceStep {
                    location: location("pkg/m.py", MAIN, 23, 26),
                    message: "`cmd` holds it".to_string(),
                },
                TraceStep {
                    location: sink,
                    message: "runs as root".to_string(),
                },
            ],
            help: Some("validate `export`".to_string()),
            context: "mount".to_string(),
            snippet: "utils.execute(*cmd, run_as_root=True)".to_string(),
        }
    }

    pub(crate) fn sources() -> BTreeMap<Arc<str>, Arc<str>> {
        BTreeMap::from([
            (Arc::from("pkg/m.py"), Arc::from(MAIN)),
            (Arc::from("pkg/util.py"), Arc::from(OTHER)),
        ])
    }

    #[test]
    fn sample_locations_are_right() {
        let finding = sample();
        assert_eq!(&MAIN[51..88], "utils.execute(*cmd, run_as_root=True)");
        assert_eq!(
            (
                finding.location.line,
                finding.location.column,
                finding.location.end_column
            ),
            (3, 5, 42)
        );
        assert_eq!(&MAIN[10..16], "export");
        assert_eq!(&OTHER[4..10], "helper");
    }
}

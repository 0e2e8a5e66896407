//! `Finding`: what every rule produces and every renderer consumes.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// How bad a finding is. Ordered so that `Note < Warning < Error`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region of one file: byte offsets (for ariadne, configured with
/// `IndexType::Byte`) plus 1-based line and character column (for humans
/// and machine formats).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
pub struct Location {
    /// Path as shown to the user (relative to the working directory when possible).
    #[serde(with = "crate::cache::file_path")]
    pub path: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub start_byte: u32,
    pub end_byte: u32,
}

/// A secondary annotated span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// One step of a taint flow, in source order: the source, each hop, the sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TraceStep {
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `MG001`.
    pub code: &'static str,
    /// Slug, e.g. `command-injection`.
    pub rule: &'static str,
    pub severity: Severity,
    pub location: Location,
    pub message: String,
    /// Secondary spans (the definition that proves a wrong-object write, ...).
    pub labels: Vec<Label>,
    /// Source, hops and sink of a taint flow; empty for non-taint rules.
    pub trace: Vec<TraceStep>,
    pub help: Option<String>,
    /// Qualified name of the enclosing function or class (`Class.method`),
    /// used by baseline fingerprints so they survive line shifts.
    pub context: String,
    /// Source text of the primary span, whitespace-normalised (for fingerprints).
    pub snippet: String,
}

impl Finding {
    /// The total order every output format uses: path, line, column, code.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.location.path,
            self.location.line,
            self.location.column,
            self.code,
            &self.message,
        )
    }
}

/// A problem with an input file that is not a finding: unreadable, not
/// UTF-8, partly unparseable, vanished mid-run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct FileDiagnostic {
    pub path: Arc<str>,
    pub kind: DiagnosticKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub enum DiagnosticKind {
    /// The file could not be analysed at all; the run exits 2.
    Error,
    /// The file was analysed only in part (syntax errors); informational.
    PartialParse,
}

/// The files whose text findings show: where they are, their labels and
/// the steps of their traces.
pub fn paths_shown(findings: &[Finding]) -> std::collections::BTreeSet<&Arc<str>> {
    findings
        .iter()
        .flat_map(|f| {
            std::iter::once(&f.location.path)
                .chain(f.labels.iter().map(|l| &l.location.path))
                .chain(f.trace.iter().map(|t| &t.location.path))
        })
        .collect()
}

/// Source text reduced to single spaces, so that a fingerprint survives
/// re-indentation and re-wrapping.
pub fn normalise_snippet(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

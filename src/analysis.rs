//! The analysis pipeline, from file paths to sorted findings:
//! read → parse → facts (per file, in parallel) → link (global) → rules.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::facts::{self, FileFacts};
use crate::finding::{DiagnosticKind, FileDiagnostic, Finding};
use crate::link::ProjectIndex;
use crate::parse::{self, SourceFile};
use crate::rules::{self, TaintConfig};
use crate::syntax::SyntaxTree;
use crate::taint::ProjectModules;
use crate::timings::{self, Phase};

/// A file to analyse: where to read it and how to show its path.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub fs_path: PathBuf,
    pub display: Arc<str>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub taint: TaintConfig,
    /// Stop after parsing (and one full walk of each tree): the speed floor
    /// benchmarks compare the full analysis against.
    pub parse_only: bool,
}

/// A `# noqa` comment, for the suppression stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoqaComment {
    pub path: Arc<str>,
    pub line: u32,
    /// The comment text, starting at `#`.
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Analysis {
    /// Every finding of every rule, sorted by path, line, column, code.
    pub findings: Vec<Finding>,
    /// Files that could not be read or were only partly parsed, sorted.
    pub diagnostics: Vec<FileDiagnostic>,
    /// Text of the files that findings point into, for rendering.
    pub sources: BTreeMap<Arc<str>, Arc<str>>,
    /// `noqa` comments of every analysed file.
    pub noqa_comments: Vec<NoqaComment>,
    /// Number of files read and analysed (including partly parsed ones).
    pub files_analyzed: usize,
}

/// Result of the per-file stage for one file.
enum FileOutcome {
    Analysed(Box<FileFacts>),
    Failed(FileDiagnostic),
}

pub fn analyze(files: &[InputFile], settings: &Settings) -> Analysis {
    // Module names are known from paths alone, before any file is read, so
    // each file can tell calls into the scanned tree from external ones.
    let mut project = ProjectModules::default();
    for file in files {
        project.insert(&facts::module_name(&file.fs_path).0);
    }
    let outcomes: Vec<FileOutcome> = files
        .par_iter()
        .map(|file| analyse_file(file, settings, &project))
        .collect();

    let mut analysis = Analysis::default();
    let mut all_facts = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            FileOutcome::Analysed(facts) => {
                analysis.files_analyzed += 1;
                if facts.partial_parse {
                    analysis.diagnostics.push(FileDiagnostic {
                        path: facts.source.path.clone(),
                        kind: DiagnosticKind::PartialParse,
                        message: "contains syntax errors; analysed only where the parser recovered"
                            .to_string(),
                    });
                }
                all_facts.push(*facts);
            }
            FileOutcome::Failed(diagnostic) => analysis.diagnostics.push(diagnostic),
        }
    }
    if settings.parse_only {
        analysis.diagnostics.sort();
        return analysis;
    }

    let index = timings::time(Phase::Link, || ProjectIndex::build(&all_facts));
    let mut findings = timings::time(Phase::Rules, || rules::run(&all_facts, &index, settings));
    timings::report();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();

    for facts in &all_facts {
        analysis
            .noqa_comments
            .extend(facts.noqa_comments.iter().cloned());
    }
    let wanted: std::collections::BTreeSet<&Arc<str>> = findings
        .iter()
        .flat_map(|f| {
            std::iter::once(&f.location.path)
                .chain(f.labels.iter().map(|l| &l.location.path))
                .chain(f.trace.iter().map(|t| &t.location.path))
        })
        .collect();
    for facts in &all_facts {
        if wanted.contains(&facts.source.path) {
            analysis
                .sources
                .insert(facts.source.path.clone(), facts.source.text.clone());
        }
    }
    analysis.findings = findings;
    analysis.diagnostics.sort();
    analysis
}

fn analyse_file(file: &InputFile, settings: &Settings, project: &ProjectModules) -> FileOutcome {
    let started = std::time::Instant::now();
    let outcome = analyse_file_timed(file, settings, project);
    timings::record_file(&file.display, started.elapsed());
    outcome
}

fn analyse_file_timed(
    file: &InputFile,
    settings: &Settings,
    project: &ProjectModules,
) -> FileOutcome {
    let failed = |message: String| {
        FileOutcome::Failed(FileDiagnostic {
            path: file.display.clone(),
            kind: DiagnosticKind::Error,
            message,
        })
    };
    let bytes = match timings::time(Phase::Read, || std::fs::read(&file.fs_path)) {
        Ok(bytes) => bytes,
        Err(error) => return failed(format!("cannot read file: {error}")),
    };
    let text = match parse::decode(bytes) {
        Ok(text) => text,
        Err(reason) => return failed(reason),
    };
    let source = SourceFile::new(file.display.clone(), Arc::from(text));
    let Some(tree) = timings::time(Phase::Parse, || parse::parse_python(&source.text)) else {
        return failed("the parser gave up on this file".to_string());
    };
    // The flat copy is all later stages need; the tree-sitter tree goes.
    let tree = timings::time(Phase::Copy, || {
        let copy = SyntaxTree::from_tree(&tree);
        drop(tree);
        copy
    });
    let module_path = file.fs_path.clone();
    FileOutcome::Analysed(Box::new(facts::extract(
        source,
        &tree,
        &module_path,
        settings,
        project,
    )))
}

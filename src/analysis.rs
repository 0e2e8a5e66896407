//! The analysis pipeline, from file paths to sorted findings:
//! read → parse → facts (per file, in parallel) → link (global) → rules.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::cache::Cache;
use crate::facts::{self, FileFacts};
use crate::finding::{DiagnosticKind, FileDiagnostic, Finding, Location};
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
    /// The process exits right after this analysis (the command line): the
    /// facts of every file are then left to the OS instead of being freed
    /// one allocation at a time (a tenth of a second on a large tree).
    pub process_exits_after: bool,
}

/// A `# noqa` comment, for the suppression stage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoqaComment {
    /// Where the comment is (one line), so that an unused directive can be
    /// reported like any finding.
    pub location: Location,
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
    /// With notes about the file to show besides the partial-parse one,
    /// and its cache key when there is a cache.
    Analysed(Box<FileFacts>, Vec<&'static str>, Option<crate::cache::Key>),
    Failed(FileDiagnostic),
}

pub fn analyze(files: &[InputFile], settings: &Settings) -> Analysis {
    analyze_with(files, settings, None, Reader::Disk)
}

/// `analyze`, taking the facts of unchanged files from `cache` and storing
/// those of the others.
pub fn analyze_cached(files: &[InputFile], settings: &Settings, cache: Option<&Cache>) -> Analysis {
    analyze_with(files, settings, cache, Reader::Disk)
}

/// Largest file analysed. Analysis takes about 60 times a file's size in
/// memory (a 20 MB file peaks at 1.2 GB), so a bigger file would risk the
/// whole run being killed; no hand-written Python module comes near this.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads a source file, refusing anything that is not a regular file *at
/// the moment it is opened*: discovery checked the type, but a path can be
/// replaced by a FIFO (reading it would block forever) or a device after
/// that. `O_NONBLOCK` keeps the `open` of a FIFO from blocking; it has no
/// effect on reads of regular files.
pub fn read_source(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(Error::other("not a regular file"));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(Error::new(
            ErrorKind::FileTooLarge,
            format!(
                "file too large ({} bytes; the limit is {MAX_FILE_BYTES})",
                metadata.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // `take`: a file that grows while being read still stops at the limit.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::new(ErrorKind::FileTooLarge, "file too large"));
    }
    Ok(bytes)
}

/// A file's text as it is analysed, read again: the `full` format shows
/// unused `# noqa` directives in files that no finding made the analysis
/// keep the text of.
pub fn read_again(fs_path: &std::path::Path) -> Option<String> {
    let bytes = read_source(fs_path).ok()?;
    parse::text_as_analysed(bytes).ok().map(|(text, _)| text)
}

/// `analyze` on file contents already in memory (`bytes[i]` is the content
/// of `files[i]`; nothing is read from disk). The fuzz target drives the
/// whole pipeline through this without touching the file system.
pub fn analyze_bytes(files: &[InputFile], bytes: &[&[u8]], settings: &Settings) -> Analysis {
    assert_eq!(files.len(), bytes.len(), "one content per file");
    analyze_with(files, settings, None, Reader::Memory(bytes))
}

/// Where the contents of the files come from.
#[derive(Clone, Copy)]
enum Reader<'b> {
    /// The files themselves: a text can be read again to be shown.
    Disk,
    /// `bytes[i]` is the content of `files[i]`.
    Memory(&'b [&'b [u8]]),
}

impl Reader<'_> {
    fn read(&self, files: &[InputFile], file: &InputFile) -> std::io::Result<Vec<u8>> {
        match self {
            Reader::Disk => read_source(&file.fs_path),
            Reader::Memory(bytes) => {
                let index = files
                    .iter()
                    .position(|f| std::ptr::eq(f, file))
                    .expect("file comes from `files`");
                Ok(bytes[index].to_vec())
            }
        }
    }
}

fn analyze_with(
    files: &[InputFile],
    settings: &Settings,
    cache: Option<&Cache>,
    reader: Reader,
) -> Analysis {
    let read = |file: &InputFile| reader.read(files, file);
    // Module names are known from paths alone, before any file is read, so
    // each file can tell calls into the scanned tree from external ones.
    let mut namer = facts::ModuleNamer::default();
    let modules: Vec<(String, bool)> = files
        .iter()
        .map(|file| namer.module_name(&file.fs_path))
        .collect();
    let mut project = ProjectModules::default();
    for (module, _) in &modules {
        project.insert(module);
    }
    // The parse-only floor measures parsing, never the cache.
    let cache = cache.filter(|_| !settings.parse_only);
    // With a cache, every file is read and hashed first: an unchanged tree
    // is answered from an earlier run's result, and otherwise these texts
    // are the ones analysed (each file is read once).
    let mut prepared: Vec<Option<Prepared>> = match cache {
        Some(cache) => {
            let prepared: Vec<Prepared> = files
                .par_iter()
                .zip(&modules)
                .map(|(file, module)| prepare(file, module, &read, Some(cache)))
                .collect();
            if let Some(analysis) = cached_run(files, &prepared, cache) {
                return analysis;
            }
            prepared.into_iter().map(Some).collect()
        }
        None => files.iter().map(|_| None).collect(),
    };
    // Largest files first: their parse trees (the biggest transient
    // allocations) then come and go while few facts are kept, and no
    // thread is left with a huge file at the end while the other idles.
    let sizes: Vec<u64> = files
        .par_iter()
        .map(|file| std::fs::metadata(&file.fs_path).map_or(0, |m| m.len()))
        .collect();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&index| (std::cmp::Reverse(sizes[index]), index));
    let mut modules: Vec<Option<(String, bool)>> = modules.into_iter().map(Some).collect();
    let work: Vec<(usize, (String, bool), Option<Prepared>)> = order
        .iter()
        .map(|&index| {
            let module = modules[index].take().unwrap_or_default();
            (index, module, prepared[index].take())
        })
        .collect();
    let mut analysed: Vec<(usize, FileOutcome)> = work
        .into_par_iter()
        .with_max_len(1)
        .map(|(index, module, prepared)| {
            let file = &files[index];
            let started = std::time::Instant::now();
            let prepared = prepared.unwrap_or_else(|| prepare(file, &module, &read, cache));
            let from_disk = matches!(reader, Reader::Disk);
            let outcome =
                analyse_file(file, module, prepared, settings, &project, cache, from_disk);
            timings::record_file(&file.display, started.elapsed());
            (index, outcome)
        })
        .collect();
    timings::mark("read, parse, facts");
    // Back to the order of `files`: everything after is deterministic.
    analysed.sort_by_key(|(index, _)| *index);
    let outcomes: Vec<FileOutcome> = analysed.into_iter().map(|(_, outcome)| outcome).collect();

    let mut analysis = Analysis::default();
    let mut all_facts = Vec::with_capacity(outcomes.len());
    // Every file's key, when every file has one: the key of the run.
    let mut run_files: Option<Vec<(Arc<str>, crate::cache::Key)>> =
        cache.map(|_| Vec::with_capacity(outcomes.len()));
    for outcome in outcomes {
        match outcome {
            FileOutcome::Analysed(facts, notes, key) => {
                match (&mut run_files, key) {
                    (Some(keys), Some(key)) => keys.push((facts.source.path.clone(), key)),
                    _ => run_files = None,
                }
                analysis.files_analyzed += 1;
                for note in notes {
                    analysis.diagnostics.push(FileDiagnostic {
                        path: facts.source.path.clone(),
                        kind: DiagnosticKind::PartialParse,
                        message: note.to_string(),
                    });
                }
                if facts.partial_parse {
                    // Where the first error is: the reader's starting point.
                    let first = facts.error_ranges.iter().min().map(|&(start, end)| {
                        let at = facts.source.location(crate::parse::Span { start, end });
                        format!(" (the first at line {}, column {})", at.line, at.column)
                    });
                    analysis.diagnostics.push(FileDiagnostic {
                        path: facts.source.path.clone(),
                        kind: DiagnosticKind::PartialParse,
                        message: format!(
                            "contains syntax errors{}; analysed only where the parser recovered",
                            first.unwrap_or_default()
                        ),
                    });
                }
                if let Some(span) = facts.taint.too_deep {
                    let line = facts.source.location(span).line;
                    analysis.diagnostics.push(FileDiagnostic {
                        path: facts.source.path.clone(),
                        kind: DiagnosticKind::PartialParse,
                        message: format!(
                            "line {line}: code nested deeper than {} levels is analysed only in outline (the names it reads), not the calls in it",
                            crate::taint::MAX_DEPTH
                        ),
                    });
                }
                all_facts.push(*facts);
            }
            FileOutcome::Failed(diagnostic) => {
                run_files = None;
                analysis.diagnostics.push(diagnostic);
            }
        }
    }
    if settings.parse_only {
        analysis.diagnostics.sort();
        if settings.process_exits_after {
            std::mem::forget(all_facts);
        }
        return analysis;
    }

    let index = timings::time(Phase::Link, || ProjectIndex::build(&all_facts));
    timings::mark("link");
    let mut findings = timings::time(Phase::Rules, || rules::run(&all_facts, &index, settings));
    timings::mark("rules");
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();

    for facts in &all_facts {
        analysis
            .noqa_comments
            .extend(facts.noqa_comments.iter().cloned());
    }
    // The texts findings show, read again from disk where they were not
    // kept; a file that changed in between is shown without its source.
    let wanted = crate::finding::paths_shown(&findings);
    let shown: Vec<(Arc<str>, Arc<str>, Option<String>)> = all_facts
        .par_iter()
        .filter(|facts| wanted.contains(&facts.source.path))
        .map(|facts| {
            let text = facts.source.text();
            let changed = facts.source.changed().map(str::to_string);
            (facts.source.path.clone(), text, changed)
        })
        .collect();
    for (path, text, changed) in shown {
        if let Some(message) = changed {
            analysis.diagnostics.push(FileDiagnostic {
                path: path.clone(),
                kind: DiagnosticKind::PartialParse,
                message,
            });
        }
        analysis.sources.insert(path, text);
    }
    analysis.findings = findings;
    analysis.diagnostics.sort();
    if let (Some(cache), Some(run_files)) = (cache, run_files) {
        cache.store_run(cache.run_key(&run_files), &analysis);
    }
    if settings.process_exits_after {
        std::mem::forget(all_facts);
        std::mem::forget(index);
    }
    analysis
}

/// The result of an earlier run over exactly these files with exactly
/// these contents (and the same build and configuration), if the cache
/// has it: an unchanged tree is then answered without loading any file's
/// facts. A file that cannot be read means no result is reused.
fn cached_run(files: &[InputFile], prepared: &[Prepared], cache: &Cache) -> Option<Analysis> {
    let keys: Vec<(Arc<str>, crate::cache::Key)> = files
        .iter()
        .zip(prepared)
        .map(|(file, prepared)| {
            let (_, _, key) = prepared.as_ref().ok()?;
            Some((file.display.clone(), (*key)?))
        })
        .collect::<Option<_>>()?;
    let mut analysis = cache.load_run(cache.run_key(&keys))?;
    // The texts that findings point into, as hashed.
    let by_path: HashMap<&str, &str> = files
        .iter()
        .zip(prepared)
        .filter_map(|(file, prepared)| Some((&*file.display, prepared.as_ref().ok()?.0.as_str())))
        .collect();
    for path in crate::finding::paths_shown(&analysis.findings) {
        let text = by_path.get(&**path)?;
        analysis.sources.insert(path.clone(), Arc::from(*text));
    }
    Some(analysis)
}

/// A file read and decoded, with notes about it and its cache key when
/// there is a cache; or why it cannot be analysed.
type Prepared = Result<(String, Vec<&'static str>, Option<crate::cache::Key>), String>;

fn prepare(
    file: &InputFile,
    (module, is_package): &(String, bool),
    read: &(impl Fn(&InputFile) -> std::io::Result<Vec<u8>> + Sync),
    cache: Option<&Cache>,
) -> Prepared {
    let (text, notes) = read_text(file, read)?;
    let key = cache.map(|cache| cache.key(&text, module, *is_package));
    Ok((text, notes, key))
}

/// A file's text as analysed, with notes about it; the reason it cannot be
/// analysed otherwise.
fn read_text(
    file: &InputFile,
    read: &(impl Fn(&InputFile) -> std::io::Result<Vec<u8>> + Sync),
) -> Result<(String, Vec<&'static str>), String> {
    let bytes = timings::time(Phase::Read, || read(file))
        .map_err(|error| format!("cannot read file: {}", crate::discover::io_reason(&error)))?;
    parse::text_as_analysed(bytes)
}

fn analyse_file(
    file: &InputFile,
    (module, is_package): (String, bool),
    prepared: Prepared,
    settings: &Settings,
    project: &ProjectModules,
    cache: Option<&Cache>,
    from_disk: bool,
) -> FileOutcome {
    let failed = |message: String| {
        FileOutcome::Failed(FileDiagnostic {
            path: file.display.clone(),
            kind: DiagnosticKind::Error,
            message,
        })
    };
    let (text, notes, key) = match prepared {
        Ok(prepared) => prepared,
        Err(reason) => return failed(reason),
    };
    let mut source = SourceFile::new(file.display.clone(), Arc::from(text));
    if from_disk {
        source = source.read_from(&file.fs_path);
    }
    if let (Some(cache), Some(key)) = (cache, key)
        && let Some(cached) = cache.load(key, &file.display, project)
    {
        // Nothing is parsed: the text is only kept for showing findings.
        let facts = cached.into_facts(source.store(), module, is_package);
        return FileOutcome::Analysed(Box::new(facts), notes, Some(key));
    }
    let Some(tree) = timings::time(Phase::Parse, || parse::parse_python(&source.text)) else {
        return failed("the parser gave up on this file".to_string());
    };
    // The flat copy is all later stages need; the tree-sitter tree goes.
    let tree = timings::time(Phase::Copy, || {
        let copy = SyntaxTree::from_tree(&tree);
        drop(tree);
        copy
    });
    let extract = || facts::extract(source, &tree, (module, is_package), settings, project);
    let facts = match (cache, key) {
        (Some(cache), Some(key)) => {
            let (facts, queries) = crate::cache::recording(extract);
            cache.store(key, &facts, &queries);
            facts
        }
        _ => extract(),
    };
    FileOutcome::Analysed(Box::new(facts), notes, key)
}

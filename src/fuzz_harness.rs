//! The whole per-file pipeline on arbitrary bytes, for the fuzz target
//! (`fuzz/fuzz_targets/pipeline.rs`) and its regression tests
//! (`tests/fuzz_regressions.rs`): analysis (parse, facts, linking, every
//! rule), `# noqa` and baseline handling, and every output format. Panics
//! when an invariant breaks, which is what the fuzzer looks for.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::analysis::{self, InputFile, Settings};
use crate::render::{self, Format};
use crate::rules::{Extensions, TaintConfig};
use crate::suppress::{self, BaselinePaths, Noqa};

/// Splits the input into files: the bytes after this line form a second
/// module of the same package, so cross-file linking is fuzzed too.
pub const FILE_SEPARATOR: &[u8] = b"\n#--next-file--\n";

fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| Settings {
        taint: TaintConfig::new(&Extensions::default()),
        parse_only: false,
        process_exits_after: false,
    })
}

/// One analysis thread with the stack the command line gives its threads,
/// so the fuzzer finds what would crash the real binary.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .stack_size(crate::cli::ANALYSIS_STACK_BYTES)
            .build()
            .expect("start the analysis thread")
    })
}

/// Runs the pipeline on `data`; panics on any broken invariant.
pub fn run(data: &[u8]) {
    let contents: Vec<&[u8]> = match find(data, FILE_SEPARATOR) {
        Some(at) => vec![&data[..at], &data[at + FILE_SEPARATOR.len()..]],
        None => vec![data],
    };
    // Paths that do not exist: module names come out as `a` and `b`.
    let files: Vec<InputFile> = (0..contents.len())
        .map(|i| {
            let name = ["fuzz/a.py", "fuzz/b.py"][i];
            InputFile {
                fs_path: PathBuf::from("/nonexistent-mountguard-fuzz").join(name),
                display: Arc::from(name),
            }
        })
        .collect();
    let analysis = pool().install(|| analysis::analyze_bytes(&files, &contents, settings()));

    for finding in &analysis.findings {
        let spans = std::iter::once(&finding.location)
            .chain(finding.labels.iter().map(|l| &l.location))
            .chain(finding.trace.iter().map(|t| &t.location));
        for location in spans {
            let text = &analysis.sources[&location.path];
            assert!(
                location.start_byte <= location.end_byte
                    && location.end_byte as usize <= text.len(),
                "span out of bounds: {location:?}"
            );
            assert!(location.line >= 1 && location.column >= 1, "{location:?}");
        }
    }

    let notifications: Vec<(String, String, bool)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.path.to_string(), d.message.clone(), true))
        .collect();
    let mut noqa = Noqa::new(&analysis.noqa_comments);
    for finding in &analysis.findings {
        noqa.suppresses(finding);
    }
    let unused = noqa.unused();
    for finding in &unused {
        // The text is known only for files with findings.
        if let Some(text) = analysis.sources.get(&finding.location.path) {
            let at = &finding.location;
            assert_eq!(
                text.get(at.start_byte as usize..at.end_byte as usize),
                Some(finding.snippet.as_str()),
                "unused-noqa span: {at:?}"
            );
        }
    }
    let mut shown = analysis.findings.clone();
    shown.extend(unused);
    shown.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let paths = BaselinePaths::new(Path::new("/w"), Path::new("/w/baseline.json"));
    let baseline = suppress::build_baseline(&analysis.findings, &paths);
    let mut kept = analysis.findings.clone();
    suppress::apply_baseline(&mut kept, &baseline, &paths);
    assert!(
        kept.is_empty(),
        "a baseline of every finding hides them all"
    );

    for (format, color) in [
        (Format::Full, false),
        (Format::Full, true),
        (Format::Concise, false),
        (Format::Json, false),
        (Format::Sarif, false),
        (Format::Github, false),
    ] {
        let context = render::Context {
            sources: &analysis.sources,
            color,
            cwd: Path::new("/w"),
            notifications: &notifications,
        };
        let mut out = Vec::new();
        render::render(format, &shown, &context, &mut out).expect("writing to memory cannot fail");
        let text = String::from_utf8(out).expect("renderers write UTF-8");
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON");
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

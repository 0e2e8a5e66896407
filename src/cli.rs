//! The command line: arguments, configuration, exit codes, and the wiring
//! of the stages (discover → analyse → suppress → render).

use std::collections::{BTreeMap, HashMap};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis::{self, Settings};
use crate::cache::{self, Cache};
use crate::config::{self, Config};
use crate::discover::{self, DEFAULT_EXCLUDES, Excludes};
use crate::finding::{DiagnosticKind, Finding, Severity};
use crate::render::{self, Format};
use crate::rules::{self, TaintConfig};
use crate::suppress::{self, BaselinePaths, ChangedLines, Noqa, Selection};

/// `eprintln!` that ignores a closed stderr instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(io::stderr(), $($arg)*);
    }};
}

/// Exit codes (SPEC §2).
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Most analysis threads `--threads` accepts.
const MAX_THREADS: usize = 1024;

/// Stack of each analysis thread.
pub const ANALYSIS_STACK_BYTES: usize = 64 << 20;

#[derive(Debug, Parser)]
#[command(
    name = "mountguard",
    version,
    about = "Static security analyzer for Python infrastructure code",
    long_about = "Static security analyzer for Python infrastructure code: command injection, \
                  path traversal, broad exception handlers and writes to the wrong object in \
                  code that mounts file systems and runs privileged commands."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse Python files and directories.
    #[command(
        after_help = "Exit status: 0 no findings, 1 findings, 2 usage, configuration or I/O error.\nSuppress a finding with `# noqa: MG001 -- reason` on its line."
    )]
    Check(CheckArgs),
    /// List the rules.
    Rules,
    /// Show a rule's documentation.
    Rule {
        /// Rule code (MG001) or slug (command-injection).
        rule: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Full,
    Concise,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Note,
    Warning,
    Error,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Full)]
    pub format: FormatArg,
    /// Rules to report: codes, code prefixes or slugs, comma-separated
    /// (replaces the configuration's `select`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Rules not to report (added to the configuration's `ignore`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Report only findings of at least this severity.
    #[arg(long, value_enum)]
    pub min_severity: Option<SeverityArg>,
    /// Exit 0 even when there are findings or unreadable files.
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Configuration file (default: nearest mountguard.toml or pyproject.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exclude files and directories matching GLOB (in addition to the configuration).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Apply excludes to paths named on the command line too.
    #[arg(long)]
    pub force_exclude: bool,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE and exit.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Number of analysis threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Colour the `full` output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Report `# noqa` comments that suppress nothing.
    #[arg(long)]
    pub report_unused_noqa: bool,
    /// Report only findings on lines changed since the git revision REV.
    #[arg(long, value_name = "REV")]
    pub diff_from: Option<String>,
    /// Do not read or write the cache of per-file facts (wins over --cache-dir).
    #[arg(long)]
    pub no_cache: bool,
    /// Cache directory (default: $MOUNTGUARD_CACHE_DIR, else
    /// $XDG_CACHE_HOME/mountguard, else ~/.cache/mountguard).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Stop after parsing (benchmarks).
    #[arg(long, hide = true)]
    pub parse_only: bool,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = error.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Rules => list_rules(),
        Command::Rule { rule } => show_rule(&rule),
    }
}

fn list_rules() -> u8 {
    let mut out = io::stdout().lock();
    for rule in rules::all() {
        let _ = writeln!(
            out,
            "{}  {:<24} {:<8} {}",
            rule.code,
            rule.slug,
            rule.severity.as_str(),
            rule.summary
        );
    }
    EXIT_CLEAN
}

fn show_rule(name: &str) -> u8 {
    let Some(rule) = rules::lookup(name) else {
        say!("mountguard: error: unknown rule `{name}` (run `mountguard rules` for the list)");
        return EXIT_ERROR;
    };
    let mut text = format!(
        "# {} {}: {}\n\n{}.\n\nSeverity: up to {}",
        rule.code, rule.slug, rule.name, rule.summary, rule.severity
    );
    if let Some(score) = rule.security_severity {
        text.push_str(&format!(" (security-severity {score:.1})"));
    }
    text.push_str(&format!(
        "\nSuppress with: # noqa: {}\n\n{}\n\n## Fix in short\n\n{}\n",
        rule.code,
        rule.docs.trim(),
        rule.help
    ));
    let _ = io::stdout().lock().write_all(text.as_bytes());
    EXIT_CLEAN
}

fn error(message: impl std::fmt::Display) -> u8 {
    say!("mountguard: error: {message}");
    EXIT_ERROR
}

/// The deepest existing directory containing every path (the working
/// directory when none is named).
fn common_directory(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let mut common: Option<PathBuf> = None;
    for path in paths {
        let path = discover::normalize(&cwd.join(path));
        let dir = if path.is_dir() {
            path
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or(path)
        };
        common = Some(match common {
            None => dir,
            Some(known) => known
                .ancestors()
                .find(|ancestor| dir.starts_with(ancestor))
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        });
    }
    common
        .and_then(|dir| dir.ancestors().find(|d| d.is_dir()).map(Path::to_path_buf))
        .unwrap_or_else(|| cwd.to_path_buf())
}

/// Everything `check` decided before analysing.
struct Plan {
    selection: Selection,
    excludes: Excludes,
    taint: TaintConfig,
}

fn plan(args: &CheckArgs, config: &Config, cwd: &Path) -> Result<Plan, String> {
    let validate = |list: &[String]| {
        list.iter()
            .map(|item| {
                config::validate_selector(item).map_err(|e| format!("--select/--ignore: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let select = match &args.select {
        Some(list) => validate(list)?,
        None => config
            .select
            .clone()
            .unwrap_or_else(|| vec!["ALL".to_string()]),
    };
    let mut ignore = config.ignore.clone();
    ignore.extend(validate(&args.ignore)?);
    let min_severity = args
        .min_severity
        .map(|s| match s {
            SeverityArg::Note => Severity::Note,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Error => Severity::Error,
        })
        .or(config.min_severity)
        .unwrap_or(Severity::Note);

    let root = discover::normalize(&cwd.join(&config.root));
    let defaults: Vec<String> = DEFAULT_EXCLUDES.iter().map(|s| s.to_string()).collect();
    let base = config.exclude.as_ref().unwrap_or(&defaults);
    let excludes = Excludes::new([
        (root.as_path(), base.as_slice()),
        (root.as_path(), config.extend_exclude.as_slice()),
        (cwd, args.exclude.as_slice()),
    ])?;
    Ok(Plan {
        selection: Selection {
            select,
            ignore,
            min_severity,
        },
        excludes,
        taint: TaintConfig::new(&config.extensions),
    })
}

pub fn check(args: &CheckArgs) -> u8 {
    let started = Instant::now();
    // A table or a JSON array in a SARIF file or among workflow commands
    // would only break what reads them.
    if args.statistics && matches!(args.format, FormatArg::Sarif | FormatArg::Github) {
        return error(
            "--statistics prints a table (a JSON array with --format json); it cannot be combined with --format sarif or github",
        );
    }
    // Starts the clock of the timings' wall-clock marks, when they are on.
    crate::timings::enabled();
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => return error(format!("cannot read the working directory: {e}")),
    };
    // Configuration is searched from the deepest directory that holds every
    // path named, so neither their order nor how pre-commit splits a long
    // list changes it (a user may point somewhere other than the cwd).
    let search_from = common_directory(&args.paths, &cwd);
    let config = match config::load(args.config.as_deref(), &search_from) {
        Ok(config) => config,
        Err(mut e) => {
            if let Ok(relative) = e.path.strip_prefix(&cwd) {
                e.path = relative.to_path_buf();
            }
            return error(e);
        }
    };
    let plan = match plan(args, &config, &cwd) {
        Ok(plan) => plan,
        Err(e) => return error(e),
    };
    let changed = match &args.diff_from {
        Some(rev) => match ChangedLines::from_git(rev, &search_from) {
            Ok(changed) => Some(changed),
            Err(e) => return error(e),
        },
        None => None,
    };
    let baseline = match &args.baseline {
        Some(path) => match suppress::read_baseline(path) {
            Ok(file) => Some((file, BaselinePaths::new(&cwd, path))),
            Err(e) => return error(e),
        },
        None => None,
    };
    // A cache that cannot be written is otherwise silent: every run is cold.
    if let Some(dir) = &args.cache_dir
        && !args.no_cache
        && cwd.join(dir).exists()
        && !cwd.join(dir).is_dir()
    {
        return error(format!("--cache-dir {}: not a directory", dir.display()));
    }
    // Each thread reserves a 64 MiB stack: `--threads 100000` spent minutes
    // spawning threads before analysing anything.
    if args.threads.is_some_and(|n| n > MAX_THREADS) {
        return error(format!("--threads: at most {MAX_THREADS}"));
    }
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        // Deeply nested code makes deep syntax trees; a roomy stack (only
        // reserved, not committed) is a second line of defence behind the
        // analysis' own depth limits.
        .stack_size(ANALYSIS_STACK_BYTES)
        .build()
    {
        Ok(pool) => pool,
        Err(e) => return error(format!("cannot start analysis threads: {e}")),
    };

    let discovered = discover::discover(
        &args.paths,
        &discover::Options {
            cwd: &cwd,
            excludes: &plan.excludes,
            respect_gitignore: true,
            force_exclude: args.force_exclude,
        },
    );
    // Test-only hook (tests/hostile_input.rs): announce the end of discovery
    // and wait for a line on stdin, so a test can delete a discovered file
    // before it is read, without racing. It only waits; it changes nothing.
    if std::env::var_os("MOUNTGUARD_TEST_PAUSE_AFTER_DISCOVERY").is_some() {
        say!("mountguard: test hook: discovery done");
        let _ = io::stdin().read_line(&mut String::new());
    }
    let settings = Settings {
        taint: plan.taint,
        parse_only: args.parse_only,
        process_exits_after: true,
    };
    let cache = if args.no_cache || args.parse_only {
        None
    } else {
        args.cache_dir
            .as_ref()
            .map(|dir| cwd.join(dir))
            .or_else(cache::default_root)
            .map(|root| Cache::new(&root, &settings.taint))
    };
    crate::timings::mark("discover");
    let analysis =
        pool.install(|| analysis::analyze_cached(&discovered.files, &settings, cache.as_ref()));
    if let Some(cache) = &cache {
        cache.finish();
        if crate::timings::enabled() {
            say!("{}", cache.report());
        }
    }

    // Problems with inputs: stderr, and SARIF notifications.
    let mut notifications: Vec<(String, String, bool)> = Vec::new();
    for diagnostic in &discovered.diagnostics {
        notifications.push((
            diagnostic.path.clone(),
            diagnostic.message.clone(),
            diagnostic.fatal,
        ));
    }
    for diagnostic in &analysis.diagnostics {
        let fatal = diagnostic.kind == DiagnosticKind::Error;
        notifications.push((
            diagnostic.path.to_string(),
            diagnostic.message.clone(),
            fatal,
        ));
    }
    notifications.sort();
    for (path, message, fatal) in &notifications {
        let level = if *fatal { "error" } else { "note" };
        say!("mountguard: {level}: {path}: {message}");
    }
    let io_errors = notifications.iter().filter(|(_, _, fatal)| *fatal).count();

    // Selection and `# noqa`. Every finding is offered to the noqa index,
    // selected or not, so that `--report-unused-noqa` does not flag a
    // directive whose rule is merely deselected in this run.
    let mut noqa = Noqa::new(&analysis.noqa_comments);
    let mut findings: Vec<Finding> = Vec::new();
    let mut by_noqa = 0;
    for finding in analysis.findings {
        let suppressed = noqa.suppresses(&finding);
        if !plan.selection.allows(&finding) {
            continue;
        }
        if suppressed {
            by_noqa += 1;
        } else {
            findings.push(finding);
        }
    }

    if let Some(path) = &args.write_baseline {
        let file = suppress::build_baseline(&findings, &BaselinePaths::new(&cwd, path));
        if let Err(e) = suppress::write_baseline(&file, path) {
            return error(e);
        }
        say!(
            "mountguard: wrote {} finding(s) ({} fingerprints) to {} in {:.2}s",
            findings.len(),
            file.findings.len(),
            path.display(),
            started.elapsed().as_secs_f64()
        );
        return if io_errors > 0 && !args.exit_zero {
            EXIT_ERROR
        } else {
            EXIT_CLEAN
        };
    }

    let by_baseline = match &baseline {
        Some((file, paths)) => suppress::apply_baseline(&mut findings, file, paths),
        None => 0,
    };
    // Unused directives are findings of their own (MG100) that the
    // selection does not filter (the flag asked for them) and the baseline
    // does not record; `--diff-from` does limit them.
    if args.report_unused_noqa {
        findings.extend(noqa.unused());
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    // Each file as read, by the path shown (which escapes control characters).
    let read_from: HashMap<&str, &Path> = discovered
        .files
        .iter()
        .map(|file| (&*file.display, file.fs_path.as_path()))
        .collect();
    if let Some(changed) = &changed {
        findings.retain(|finding| {
            let shown = &*finding.location.path;
            let file = read_from
                .get(shown)
                .map_or_else(|| cwd.join(shown), |file| file.to_path_buf());
            changed.touches(finding, &file)
        });
    }

    let format = match args.format {
        FormatArg::Full => Format::Full,
        FormatArg::Concise => Format::Concise,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
    };
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    };
    let mut sources = analysis.sources;
    if format == Format::Full {
        add_directive_sources(&findings, &read_from, &mut sources);
    }
    let context = render::Context {
        sources: &sources,
        color,
        cwd: &cwd,
        notifications: &notifications,
    };
    let written = {
        let mut out = io::BufWriter::new(io::stdout().lock());
        let result = if args.statistics {
            statistics(&findings, args.format == FormatArg::Json, &mut out)
        } else {
            render::render(format, &findings, &context, &mut out)
        };
        result.and_then(|()| out.flush())
    };
    crate::timings::mark("render");
    crate::timings::report();
    if let Err(e) = written {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        if e.kind() != io::ErrorKind::BrokenPipe {
            return error(format!("cannot write output: {e}"));
        }
    }

    say!(
        "{}",
        summary(
            analysis.files_analyzed,
            &findings,
            by_noqa,
            by_baseline,
            started.elapsed().as_secs_f64()
        )
    );
    if discovered.files.is_empty() && io_errors == 0 {
        say!("mountguard: warning: no Python files found under the given paths");
    }

    if args.exit_zero {
        EXIT_CLEAN
    } else if io_errors > 0 {
        EXIT_ERROR
    } else if !findings.is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The one-line summary on stderr.
pub fn summary(
    files: usize,
    findings: &[Finding],
    by_noqa: usize,
    by_baseline: usize,
    seconds: f64,
) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let count = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    let mut text = format!(
        "mountguard: checked {} in {seconds:.2}s: ",
        plural(files, "file")
    );
    if findings.is_empty() {
        text.push_str("no findings");
    } else {
        text.push_str(&format!(
            "{} ({}, {}, {})",
            plural(findings.len(), "finding"),
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning"),
            plural(count(Severity::Note), "note"),
        ));
    }
    let mut hidden = Vec::new();
    if by_noqa > 0 {
        hidden.push(format!("{by_noqa} suppressed by noqa"));
    }
    if by_baseline > 0 {
        hidden.push(format!("{by_baseline} in the baseline"));
    }
    if !hidden.is_empty() {
        text.push_str("; ");
        text.push_str(&hidden.join(", "));
    }
    text
}

/// The text of the files unused `# noqa` directives are in, for the
/// `full` format: the analysis kept only those its findings point into.
/// A file that changed since it was analysed is left out (its directives
/// are then shown as `concise` lines).
fn add_directive_sources(
    findings: &[Finding],
    read_from: &HashMap<&str, &Path>,
    sources: &mut BTreeMap<Arc<str>, Arc<str>>,
) {
    let mut directives: BTreeMap<&Arc<str>, Vec<&Finding>> = BTreeMap::new();
    for finding in findings.iter().filter(|f| f.code == rules::UNUSED_NOQA) {
        if !sources.contains_key(&finding.location.path) {
            directives
                .entry(&finding.location.path)
                .or_default()
                .push(finding);
        }
    }
    for (path, directives) in directives {
        let Some(text) = read_from
            .get(&**path)
            .and_then(|file| analysis::read_again(file))
        else {
            continue;
        };
        let unchanged = directives.iter().all(|directive| {
            let at = &directive.location;
            text.get(at.start_byte as usize..at.end_byte as usize) == Some(&directive.snippet)
        });
        if unchanged {
            sources.insert(path.clone(), Arc::from(text));
        }
    }
}

/// `--statistics`: findings per rule, most frequent first.
fn statistics(findings: &[Finding], json: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for finding in findings {
        counts.entry(finding.code).or_insert((0, finding.rule)).0 += 1;
    }
    let mut rows: Vec<(&str, usize, &str)> = counts
        .into_iter()
        .map(|(code, (count, rule))| (code, count, rule))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if json {
        let value: Vec<serde_json::Value> = rows
            .iter()
            .map(|(code, count, rule)| serde_json::json!({"code": code, "rule": rule, "count": count}))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &value)?;
        return writeln!(out);
    }
    for (code, count, rule) in rows {
        writeln!(out, "{count:>6}  {code}  {rule}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppress::tests::finding;

    #[test]
    fn summary_counts_by_severity() {
        let mut error = finding("MG001", "a.py", 1, "x");
        error.severity = Severity::Error;
        let text = summary(2, &[error, finding("MG002", "a.py", 2, "y")], 1, 0, 0.5);
        assert_eq!(
            text,
            "mountguard: checked 2 files in 0.50s: 2 findings (1 error, 1 warning, 0 notes); 1 suppressed by noqa"
        );
        assert_eq!(
            summary(1, &[], 0, 0, 0.0),
            "mountguard: checked 1 file in 0.00s: no findings"
        );
    }

    #[test]
    fn statistics_table() {
        let findings = [
            finding("MG003", "a.py", 1, "x"),
            finding("MG001", "a.py", 2, "y"),
            finding("MG001", "a.py", 3, "z"),
        ];
        let mut out = Vec::new();
        statistics(&findings, false, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "     2  MG001  command-injection\n     1  MG003  broad-except\n"
        );
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

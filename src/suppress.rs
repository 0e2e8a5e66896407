//! What is reported of what the rules found: rule selection, `# noqa`
//! comments, the baseline of accepted findings, and `--diff-from`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::analysis::NoqaComment;
use crate::config::selector_matches;
use crate::discover::canonical;
use crate::finding::{Finding, Location, Severity, normalise_snippet};
use crate::rules::UNUSED_NOQA;

// ---------------------------------------------------------------- selection

/// `--select`, `--ignore` and `--min-severity`, with normalised selectors.
#[derive(Debug, Clone)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub min_severity: Severity,
}

impl Selection {
    pub fn allows(&self, finding: &Finding) -> bool {
        self.select
            .iter()
            .any(|s| selector_matches(s, finding.code))
            && !self
                .ignore
                .iter()
                .any(|s| selector_matches(s, finding.code))
            && finding.severity >= self.min_severity
    }
}

// --------------------------------------------------------------------- noqa

/// What one `# noqa` comment suppresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoqaKind {
    /// Bare `# noqa`: every code on the line.
    All,
    /// `# noqa: MG001, MG002`: exactly these codes.
    Codes(Vec<String>),
    /// `# noqa:` followed by no code: suppresses nothing.
    Malformed,
}

/// Parses the first `noqa` directive of a comment (`#` ... to end of line).
///
/// After `noqa:` the codes are read as long as tokens look like codes
/// (letters then digits), separated by commas or spaces; the first other
/// token ends the list. Whatever follows is a reason and never adds codes:
/// `# noqa: MG001 this also mentions MG002` suppresses MG001 only.
pub fn parse_noqa(comment: &str) -> Option<NoqaKind> {
    find_noqa(comment).map(|(_, kind)| kind)
}

/// `parse_noqa`, with the byte offset of the directive's `#` in `comment`.
fn find_noqa(comment: &str) -> Option<(usize, NoqaKind)> {
    for (hash, _) in comment.match_indices('#') {
        let rest = comment[hash + 1..].trim_start();
        let Some(head) = rest.get(..4) else {
            continue;
        };
        if !head.eq_ignore_ascii_case("noqa") {
            continue;
        }
        let after = &rest[4..];
        if after
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        // `# noqa MG003`, the colon forgotten: the codes that follow are
        // meant, never every code (flake8 reads it as a bare `# noqa`).
        let list = match after.trim_start().strip_prefix(':') {
            Some(list) => list,
            None if after.starts_with(char::is_whitespace)
                && is_code(first_token(after.trim_start())) =>
            {
                after
            }
            None => return Some((hash, NoqaKind::All)),
        };
        let mut codes = Vec::new();
        let mut remaining = list;
        loop {
            remaining = remaining.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
            let token = first_token(remaining);
            if !is_code(token) {
                break;
            }
            codes.push(token.to_ascii_uppercase());
            remaining = &remaining[token.len()..];
        }
        let kind = if codes.is_empty() {
            NoqaKind::Malformed
        } else {
            NoqaKind::Codes(codes)
        };
        return Some((hash, kind));
    }
    None
}

/// The leading run of ASCII letters and digits.
fn first_token(text: &str) -> &str {
    let end = text
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(text.len());
    &text[..end]
}

/// Letters followed by digits: `MG001`, `E501`.
fn is_code(token: &str) -> bool {
    let letters = token.chars().take_while(char::is_ascii_alphabetic).count();
    letters > 0 && letters < token.len() && token[letters..].chars().all(|c| c.is_ascii_digit())
}

#[derive(Debug, Clone)]
struct Directive {
    /// From the directive's `#` to the end of its comment.
    location: Location,
    /// The source text of `location`.
    text: String,
    kind: NoqaKind,
    /// Codes of the findings this directive matched.
    used: HashSet<&'static str>,
}

/// The `# noqa` directives of a run, by path and line.
#[derive(Debug, Default)]
pub struct Noqa {
    directives: BTreeMap<(Arc<str>, u32), Directive>,
}

impl Noqa {
    pub fn new(comments: &[NoqaComment]) -> Noqa {
        let mut directives = BTreeMap::new();
        for comment in comments {
            let Some((hash, kind)) = find_noqa(&comment.text) else {
                continue;
            };
            // A comment is one line: the directive starts `hash` bytes
            // (and as many characters as they hold) into it.
            let mut location = comment.location.clone();
            location.start_byte += hash as u32;
            location.column += comment.text[..hash].chars().count() as u32;
            let key = (location.path.clone(), location.line);
            directives.entry(key).or_insert(Directive {
                location,
                text: comment.text[hash..].to_string(),
                kind,
                used: HashSet::new(),
            });
        }
        Noqa { directives }
    }

    /// Whether a directive on the finding's primary line suppresses it;
    /// records the use for `--report-unused-noqa`.
    pub fn suppresses(&mut self, finding: &Finding) -> bool {
        let key = (finding.location.path.clone(), finding.location.line);
        let Some(directive) = self.directives.get_mut(&key) else {
            return false;
        };
        let hit = match &directive.kind {
            NoqaKind::All => true,
            NoqaKind::Codes(codes) => codes.iter().any(|code| code == finding.code),
            NoqaKind::Malformed => false,
        };
        if hit {
            directive.used.insert(finding.code);
        }
        hit
    }

    /// An `unused-noqa` finding for each directive that suppressed
    /// nothing, or had codes that did not, in path and line order. A
    /// directive that names `unused-noqa`'s own code is never reported,
    /// nor are codes outside mountguard's `MG` namespace.
    pub fn unused(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for directive in self.directives.values() {
            let message = match &directive.kind {
                NoqaKind::All if directive.used.is_empty() => {
                    Some("unused `# noqa` directive: nothing to suppress on this line".to_string())
                }
                NoqaKind::All => None,
                NoqaKind::Codes(codes) if codes.iter().any(|code| code == UNUSED_NOQA) => None,
                NoqaKind::Codes(codes) => {
                    // `E501`, `S603`: another linter's codes on a shared
                    // line are that linter's to judge.
                    let unused: Vec<String> = codes
                        .iter()
                        .filter(|code| code.starts_with("MG"))
                        .filter(|code| !directive.used.contains(code.as_str()))
                        .map(|code| {
                            if crate::rules::lookup(code).is_some() {
                                code.clone()
                            } else {
                                format!("{code} (unknown code)")
                            }
                        })
                        .collect();
                    (!unused.is_empty())
                        .then(|| format!("unused `# noqa` code: {}", unused.join(", ")))
                }
                NoqaKind::Malformed => Some(
                    "`# noqa:` is followed by no rule code, so it suppresses nothing".to_string(),
                ),
            };
            if let Some(message) = message {
                let rule = crate::rules::meta(UNUSED_NOQA);
                out.push(Finding {
                    code: rule.code,
                    rule: rule.slug,
                    severity: rule.severity,
                    location: directive.location.clone(),
                    message,
                    labels: Vec::new(),
                    trace: Vec::new(),
                    help: Some(rule.help.to_string()),
                    context: String::new(),
                    snippet: directive.text.clone(),
                });
            }
        }
        out
    }
}

// ----------------------------------------------------------------- baseline

/// A fingerprint that survives unrelated edits: the rule, the file, the
/// enclosing function or class, and the source of the primary span as
/// `fingerprint_text` normalises it. No line numbers. FNV-1a, so it is
/// stable across Rust versions.
pub fn fingerprint(code: &str, path: &str, context: &str, snippet: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let snippet = fingerprint_text(snippet);
    for (index, part) in [code, path, context, snippet.as_str()].iter().enumerate() {
        if index > 0 {
            hash = fnv(hash, &[0]);
        }
        hash = fnv(hash, part.as_bytes());
    }
    format!("{hash:016x}")
}

/// Source text as a fingerprint sees it: what a formatter changes does
/// not count (spacing, line breaks, the quote character, a trailing comma
/// added when a call is split over lines).
fn fingerprint_text(snippet: &str) -> String {
    let mut text: String = snippet
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '\'' { '"' } else { c })
        .collect();
    for (trailing, close) in [(",)", ")"), (",]", "]"), (",}", "}")] {
        text = text.replace(trailing, close);
    }
    text
}

fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The baseline file: sorted entries, one per distinct fingerprint, with
/// the fields it was computed from so that a reviewer can read it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub path: String,
    pub code: String,
    pub context: String,
    pub snippet: String,
    pub fingerprint: String,
    pub count: u32,
}

/// Version 2 fingerprints ignore formatting (`fingerprint_text`); a
/// version 1 file is read by computing its fingerprints again from the
/// fields it records.
pub const BASELINE_VERSION: u32 = 2;

/// Paths in a baseline are relative to the baseline file's directory, so
/// the file works from any working directory.
pub struct BaselinePaths {
    cwd: PathBuf,
    base: PathBuf,
}

impl BaselinePaths {
    pub fn new(cwd: &Path, baseline_file: &Path) -> BaselinePaths {
        let abs = crate::discover::normalize(&cwd.join(baseline_file));
        let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        BaselinePaths {
            cwd: cwd.to_path_buf(),
            base,
        }
    }

    pub fn key_path(&self, display: &str) -> String {
        let abs = crate::discover::normalize(&self.cwd.join(display));
        match abs.strip_prefix(&self.base) {
            Ok(rel) => rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => display.to_string(),
        }
    }

    pub fn fingerprint(&self, finding: &Finding) -> String {
        fingerprint(
            finding.code,
            &self.key_path(&finding.location.path),
            &finding.context,
            &finding.snippet,
        )
    }
}

pub fn build_baseline(findings: &[Finding], paths: &BaselinePaths) -> BaselineFile {
    let mut entries: BTreeMap<String, BaselineEntry> = BTreeMap::new();
    for finding in findings {
        let path = paths.key_path(&finding.location.path);
        let fingerprint = fingerprint(finding.code, &path, &finding.context, &finding.snippet);
        entries
            .entry(fingerprint.clone())
            .or_insert_with(|| BaselineEntry {
                path,
                code: finding.code.to_string(),
                context: finding.context.clone(),
                snippet: normalise_snippet(&finding.snippet),
                fingerprint,
                count: 0,
            })
            .count += 1;
    }
    let mut findings: Vec<BaselineEntry> = entries.into_values().collect();
    findings.sort();
    BaselineFile {
        version: BASELINE_VERSION,
        findings,
    }
}

pub fn write_baseline(file: &BaselineFile, path: &Path) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(file).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text).map_err(|error| {
        format!(
            "{}: cannot write baseline: {}",
            path.display(),
            crate::discover::io_reason(&error)
        )
    })
}

pub fn read_baseline(path: &Path) -> Result<BaselineFile, String> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        format!(
            "{}: cannot read baseline: {}",
            path.display(),
            crate::discover::io_reason(&error)
        )
    })?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|error| {
        format!(
            "{}:{}: invalid baseline: {error}",
            path.display(),
            error.line()
        )
    })?;
    let mut file = file;
    if file.version == 1 {
        for entry in &mut file.findings {
            entry.fingerprint =
                fingerprint(&entry.code, &entry.path, &entry.context, &entry.snippet);
        }
        file.version = BASELINE_VERSION;
    }
    if file.version != BASELINE_VERSION {
        return Err(format!(
            "{}: unsupported baseline version {} (expected {BASELINE_VERSION})",
            path.display(),
            file.version
        ));
    }
    Ok(file)
}

/// Removes the findings the baseline accounts for, as a multiset: a
/// fingerprint recorded `count` times absorbs at most `count` findings.
/// Returns how many were removed.
pub fn apply_baseline(
    findings: &mut Vec<Finding>,
    baseline: &BaselineFile,
    paths: &BaselinePaths,
) -> usize {
    let mut budget: HashMap<&str, u32> = HashMap::new();
    for entry in &baseline.findings {
        *budget.entry(entry.fingerprint.as_str()).or_default() += entry.count;
    }
    let before = findings.len();
    findings.retain(|finding| {
        let fingerprint = paths.fingerprint(finding);
        match budget.get_mut(fingerprint.as_str()) {
            Some(left) if *left > 0 => {
                *left -= 1;
                false
            }
            _ => true,
        }
    });
    before - findings.len()
}

// --------------------------------------------------------------- diff-from

/// Lines changed since a git revision, per file (canonical absolute path).
#[derive(Debug, Default)]
pub struct ChangedLines {
    ranges: HashMap<PathBuf, Vec<(u32, u32)>>,
    /// Untracked files: every line is new.
    whole: HashSet<PathBuf>,
}

impl ChangedLines {
    /// Runs `git diff-index --patch -U0 REV` in the repository containing `dir`, plus
    /// `git ls-files --others --exclude-standard` for untracked files.
    pub fn from_git(rev: &str, dir: &Path) -> Result<ChangedLines, String> {
        let top = git(dir, &["rev-parse", "--show-toplevel"]).map_err(|error| {
            format!(
                "--diff-from needs a git repository, and {} is not in one ({error})",
                dir.display()
            )
        })?;
        let top = path_from_bytes(top.strip_suffix(b"\n").unwrap_or(&top));
        let verify = format!("{rev}^{{commit}}");
        git(&top, &["rev-parse", "--verify", "--quiet", &verify])
            .map_err(|_| format!("--diff-from: unknown git revision `{rev}`"))?;
        let diff = git(
            &top,
            &[
                // Names are then written as they are, unless they hold
                // `"`, a backslash or a control character: `header_path`
                // unquotes those.
                "-c",
                "core.quotePath=false",
                // Plumbing: porcelain `git diff` refreshes stale stat data in
                // `.git/index` and rewrites it, a write into the scanned
                // tree (SPEC §3; tests/read_only.rs).
                "diff-index",
                "--patch",
                "-U0",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                rev,
                "--",
            ],
        )
        .map_err(|error| format!("--diff-from: git diff failed: {error}"))?;
        let mut changed = ChangedLines::parse_diff(&diff, &top);
        let untracked = git(&top, &["ls-files", "-z", "--others", "--exclude-standard"])
            .map_err(|error| format!("--diff-from: git ls-files failed: {error}"))?;
        for name in untracked
            .split(|&byte| byte == 0)
            .filter(|name| !name.is_empty())
        {
            changed
                .whole
                .insert(canonical(&top.join(path_from_bytes(name))));
        }
        Ok(changed)
    }

    /// Parses `git diff -U0` output: `+++ b/path` then `@@ -a,b +c,d @@`
    /// hunks. Pure deletions (`+c,0`) change no line of the new file. A
    /// hunk's body is skipped by its counts, so an added line that reads
    /// `++ b/x` (shown as `+++ b/x`) is never taken for a file header.
    pub fn parse_diff(diff: &[u8], top: &Path) -> ChangedLines {
        let mut changed = ChangedLines::default();
        let mut current: Option<PathBuf> = None;
        // Lines of the current hunk's body not seen yet: old, new.
        let (mut old_left, mut new_left) = (0u32, 0u32);
        for line in diff.split(|&byte| byte == b'\n') {
            if old_left > 0 || new_left > 0 {
                let in_body = match line.first() {
                    Some(b'-') => {
                        old_left = old_left.saturating_sub(1);
                        true
                    }
                    Some(b'+') => {
                        new_left = new_left.saturating_sub(1);
                        true
                    }
                    Some(b' ') => {
                        old_left = old_left.saturating_sub(1);
                        new_left = new_left.saturating_sub(1);
                        true
                    }
                    // `\ No newline at end of file`: a line of neither side.
                    Some(b'\\') => true,
                    // Not a body line (the counts were wrong): a header.
                    _ => {
                        (old_left, new_left) = (0, 0);
                        false
                    }
                };
                if in_body {
                    continue;
                }
            }
            if line.starts_with(b"diff ") {
                current = None;
            } else if let Some(name) = line.strip_prefix(b"+++ ") {
                current = header_path(name)
                    .and_then(|name| name.strip_prefix(b"b/").map(path_from_bytes))
                    .map(|rel| canonical(&top.join(rel)));
            } else if let Some(hunk) = line.strip_prefix(b"@@ ") {
                let hunk = String::from_utf8_lossy(hunk);
                let mut sides = hunk.split_whitespace();
                let old = sides.next().and_then(|side| side.strip_prefix('-'));
                let new = sides.next().and_then(|side| side.strip_prefix('+'));
                let (Some((_, old_count)), Some((start, new_count))) =
                    (old.and_then(hunk_range), new.and_then(hunk_range))
                else {
                    continue;
                };
                (old_left, new_left) = (old_count, new_count);
                if let Some(path) = &current
                    && new_count > 0
                {
                    changed
                        .ranges
                        .entry(path.clone())
                        .or_default()
                        .push((start, start + new_count - 1));
                }
            }
        }
        changed
    }

    /// Whether the finding's primary span touches a changed line of
    /// `file`, the finding's file as read (its absolute path: the path
    /// shown may have escaped characters).
    pub fn touches(&self, finding: &Finding, file: &Path) -> bool {
        let path = canonical(file);
        if self.whole.contains(&path) {
            return true;
        }
        let (first, last) = (
            finding.location.line,
            finding.location.end_line.max(finding.location.line),
        );
        self.ranges.get(&path).is_some_and(|ranges| {
            ranges
                .iter()
                .any(|&(start, end)| start <= last && first <= end)
        })
    }
}

/// `start,count` of one side of a hunk header (`count` is 1 when omitted).
fn hunk_range(range: &str) -> Option<(u32, u32)> {
    let (start, count) = range.split_once(',').unwrap_or((range, "1"));
    Some((start.parse().ok()?, count.parse().ok()?))
}

/// The name in a `+++ ` line: git C-quotes a name with `"`, a backslash or
/// a control character (`"b/a\tb.py"`), and ends one containing a space
/// with a TAB (`b/a b.py<TAB>`). `None` for a malformed quoted name.
fn header_path(name: &[u8]) -> Option<Vec<u8>> {
    let Some(quoted) = name.strip_prefix(b"\"") else {
        return Some(name.strip_suffix(b"\t").unwrap_or(name).to_vec());
    };
    let mut out = Vec::with_capacity(quoted.len());
    let mut bytes = quoted.iter().copied();
    while let Some(byte) = bytes.next() {
        match byte {
            b'"' => return Some(out),
            b'\\' => {
                let escaped = bytes.next()?;
                out.push(match escaped {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 0x0b,
                    b'f' => 0x0c,
                    b'r' => b'\r',
                    // Three octal digits: a byte (git writes non-ASCII
                    // bytes so unless core.quotePath is off).
                    b'0'..=b'3' => {
                        let mut value = escaped - b'0';
                        for _ in 0..2 {
                            let digit = bytes.next()?;
                            if !(b'0'..=b'7').contains(&digit) {
                                return None;
                            }
                            value = value * 8 + (digit - b'0');
                        }
                        value
                    }
                    other => other,
                });
            }
            other => out.push(other),
        }
    }
    None
}

/// A file name as git prints it: bytes, not necessarily UTF-8.
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// Runs git in `dir`; its standard output, or its standard error on failure.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        // Never take optional locks (index refreshes) in the scanned tree.
        .arg("--no-optional-locks")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(stderr.trim().to_string());
    }
    Ok(output.stdout)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::Location;

    pub(crate) fn finding(code: &'static str, path: &str, line: u32, snippet: &str) -> Finding {
        Finding {
            code,
            rule: crate::rules::lookup(code).map_or("x", |r| r.slug),
            severity: Severity::Warning,
            location: Location {
                path: Arc::from(path),
                line,
                column: 5,
                end_line: line,
                end_column: 9,
                start_byte: 0,
                end_byte: 4,
            },
            message: "m".to_string(),
            labels: Vec::new(),
            trace: Vec::new(),
            help: None,
            context: "C.f".to_string(),
            snippet: snippet.to_string(),
        }
    }

    #[test]
    fn noqa_parsing() {
        assert_eq!(parse_noqa("# noqa"), Some(NoqaKind::All));
        assert_eq!(parse_noqa("#NOQA -- fine"), Some(NoqaKind::All));
        assert_eq!(parse_noqa("# noqa reason"), Some(NoqaKind::All));
        assert_eq!(
            parse_noqa("# noqa: MG001"),
            Some(NoqaKind::Codes(vec!["MG001".into()]))
        );
        assert_eq!(
            parse_noqa("# noqa:MG001,mg002 -- argv only, no shell"),
            Some(NoqaKind::Codes(vec!["MG001".into(), "MG002".into()]))
        );
        assert_eq!(
            parse_noqa("# type: ignore  # noqa : MG003"),
            Some(NoqaKind::Codes(vec!["MG003".into()]))
        );
        assert_eq!(
            parse_noqa("# noqa MG003 -- colon forgotten"),
            Some(NoqaKind::Codes(vec!["MG003".into()]))
        );
        assert_eq!(parse_noqa("# noqa reason: fine"), Some(NoqaKind::All));
        assert_eq!(parse_noqa("# noqa: because"), Some(NoqaKind::Malformed));
        assert_eq!(parse_noqa("# noqa:"), Some(NoqaKind::Malformed));
        assert_eq!(parse_noqa("# see noqa docs"), None);
        assert_eq!(parse_noqa("# noqa_x"), None);
        assert_eq!(parse_noqa("# noqaé"), None);
    }

    #[test]
    fn text_after_codes_never_widens() {
        for text in [
            "# noqa: MG001 this also mentions MG002",
            "# noqa: MG001 -- MG002 is fine too",
            "# noqa: MG001, -- MG002",
            "# noqa: MG001 (not MG002)",
            "# noqa: MG001: MG002",
        ] {
            assert_eq!(
                parse_noqa(text),
                Some(NoqaKind::Codes(vec!["MG001".into()])),
                "{text}"
            );
        }
    }

    /// A `# noqa` comment starting at `column` of `line` (ASCII text).
    fn comment(line: u32, column: u32, text: &str) -> NoqaComment {
        let mut location = finding("MG001", "a.py", line, "").location;
        location.column = column;
        location.end_column = column + text.chars().count() as u32;
        location.start_byte = 100;
        location.end_byte = 100 + text.len() as u32;
        NoqaComment {
            location,
            text: text.to_string(),
        }
    }

    #[test]
    fn noqa_applies_to_the_primary_line_and_reports_unused() {
        let comments = vec![
            comment(3, 20, "# noqa: MG001, MG002"),
            comment(9, 7, "# noqa"),
            comment(11, 7, "# type: ignore  # noqa: MG003"),
            comment(12, 7, "# noqa: E501, MG100 -- kept for flake8"),
            comment(13, 7, "# noqa: é -- no code"),
        ];
        let mut noqa = Noqa::new(&comments);
        assert!(noqa.suppresses(&finding("MG001", "a.py", 3, "x")));
        assert!(!noqa.suppresses(&finding("MG003", "a.py", 3, "x")));
        assert!(!noqa.suppresses(&finding("MG001", "b.py", 3, "x")));
        assert!(!noqa.suppresses(&finding("MG001", "a.py", 4, "x")));
        let unused = noqa.unused();
        let shown: Vec<(u32, u32, u32, &str, &str)> = unused
            .iter()
            .map(|f| {
                let at = &f.location;
                (
                    at.line,
                    at.column,
                    at.end_column,
                    f.code,
                    f.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (3, 20, 40, "MG100", "unused `# noqa` code: MG002"),
                (
                    9,
                    7,
                    13,
                    "MG100",
                    "unused `# noqa` directive: nothing to suppress on this line"
                ),
                // From the directive's `#`, not the comment's.
                (11, 23, 36, "MG100", "unused `# noqa` code: MG003"),
                (
                    13,
                    7,
                    27,
                    "MG100",
                    "`# noqa:` is followed by no rule code, so it suppresses nothing"
                ),
            ]
        );
        assert_eq!(unused[2].snippet, "# noqa: MG003");
        assert_eq!(unused[2].location.start_byte, 116);
        assert_eq!(unused[0].rule, "unused-noqa");
    }

    #[test]
    fn fingerprints_ignore_lines_and_whitespace() {
        let a = fingerprint("MG001", "a.py", "C.f", "utils.execute(x,  y)");
        let b = fingerprint("MG001", "a.py", "C.f", "utils.execute(x,\n    y)");
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint("MG001", "a.py", "C.g", "utils.execute(x, y)")
        );
        assert_ne!(
            a,
            fingerprint("MG002", "a.py", "C.f", "utils.execute(x, y)")
        );
        // Field boundaries matter.
        assert_ne!(
            fingerprint("MG001", "ab", "c", "d"),
            fingerprint("MG001", "a", "bc", "d")
        );
    }

    #[test]
    fn baseline_is_a_multiset() {
        let paths = BaselinePaths::new(Path::new("/w"), Path::new("baseline.json"));
        let old = vec![finding("MG001", "a.py", 10, "run(x)")];
        let baseline = build_baseline(&old, &paths);
        assert_eq!(baseline.findings[0].count, 1);
        let mut new = vec![
            finding("MG001", "a.py", 20, "run(x)"),
            finding("MG001", "a.py", 30, "run(x)"),
            finding("MG002", "a.py", 40, "open(x)"),
        ];
        assert_eq!(apply_baseline(&mut new, &baseline, &paths), 1);
        assert_eq!(new.len(), 2);
        assert_eq!(new[0].location.line, 30);
        // Paths are relative to the baseline's directory.
        let elsewhere = BaselinePaths::new(Path::new("/w/sub"), Path::new("../baseline.json"));
        assert_eq!(elsewhere.key_path("a.py"), "sub/a.py");
    }

    #[test]
    fn diff_hunks() {
        let diff = b"diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -3,0 +4,2 @@ def f():\n+a\n+b\n@@ -10 +12 @@\n-c\n+d\n@@ -20,2 +21,0 @@\n-e\n-f\n";
        let changed = ChangedLines::parse_diff(diff, Path::new("/nonexistent-top"));
        let ranges = &changed.ranges[Path::new("/nonexistent-top/x.py")];
        assert_eq!(ranges, &[(4, 5), (12, 12)]);
        let file = Path::new("/nonexistent-top/x.py");
        assert!(changed.touches(&finding("MG001", "x.py", 5, ""), file));
        assert!(!changed.touches(&finding("MG001", "x.py", 6, ""), file));
        assert!(!changed.touches(&finding("MG001", "x.py", 21, ""), file));
    }

    #[test]
    fn diff_names_quoted_or_with_a_tab_and_lines_that_look_like_headers() {
        use std::os::unix::ffi::OsStrExt;
        let diff: &[u8] = b"diff --git a/space name.py b/space name.py\n\
--- a/space name.py\t\n+++ b/space name.py\t\n@@ -5 +5,2 @@\n-x\n+++ b/evil.py\n+y\n\
diff --git \"a/quo\\\"te\\tand\\nnew.py\" \"b/quo\\\"te\\tand\\nnew.py\"\n\
--- \"a/quo\\\"te\\tand\\nnew.py\"\n+++ \"b/quo\\\"te\\tand\\nnew.py\"\n@@ -1,0 +2 @@\n+z\n\\ No newline at end of file\n\
diff --git a/caf\xe9.py b/caf\xe9.py\n--- /dev/null\n+++ b/caf\xe9.py\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n\
diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let top = Path::new("/nonexistent-top");
        let changed = ChangedLines::parse_diff(diff, top);
        let mut ranges: Vec<(PathBuf, Vec<(u32, u32)>)> = changed.ranges.into_iter().collect();
        ranges.sort();
        let latin1 = top.join(std::ffi::OsStr::from_bytes(b"caf\xe9.py"));
        assert_eq!(
            ranges,
            [
                (latin1, vec![(1, 3)]),
                (top.join("quo\"te\tand\nnew.py"), vec![(2, 2)]),
                (top.join("space name.py"), vec![(5, 6)]),
            ]
        );
        assert_eq!(
            header_path(b"\"b/\\303\\274\\\\.py\""),
            Some("b/\u{fc}\\.py".as_bytes().to_vec())
        );
        assert_eq!(header_path(b"\"b/unterminated"), None);
        assert_eq!(header_path(b"\"b/bad\\08\""), None);
    }
}

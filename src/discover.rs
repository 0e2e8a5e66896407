//! Which files to analyse: directories are walked for `*.py`, skipping the
//! default excluded directories, `.gitignore`d paths and `exclude` globs;
//! files named on the command line are always taken unless
//! `--force-exclude`. Problems with paths become diagnostics, never panics.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use walkdir::WalkDir;

use crate::analysis::InputFile;

/// Directories skipped by default (replaced by the configuration's `exclude`).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".tox",
    ".venv",
    "venv",
    "build",
    "dist",
    "__pycache__",
    ".eggs",
    "node_modules",
];

/// A problem with a path found while discovering files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PathDiagnostic {
    pub path: String,
    pub message: String,
    /// A file may have been missed: the run exits 2.
    pub fatal: bool,
}

#[derive(Debug, Default)]
pub struct Discovered {
    /// Sorted by display path, without duplicates.
    pub files: Vec<InputFile>,
    pub diagnostics: Vec<PathDiagnostic>,
}

/// Exclude globs. A pattern without `/` matches a file or directory name
/// anywhere (`build`, `*_pb2.py`); a pattern with `/` matches the path
/// relative to the directory it was configured in (`tests/fixtures/**`).
#[derive(Debug, Clone)]
pub struct Excludes {
    names: GlobSet,
    anchored: Vec<(PathBuf, GlobSet)>,
    /// The directories patterns were configured in: a path named on the
    /// command line is excluded by its parents up to these.
    scopes: Vec<PathBuf>,
}

impl Excludes {
    /// `groups` are (anchor directory, patterns) pairs; the anchor must be
    /// absolute.
    pub fn new<'a>(
        groups: impl IntoIterator<Item = (&'a Path, &'a [String])>,
    ) -> Result<Excludes, String> {
        let mut names = GlobSetBuilder::new();
        let mut anchored: BTreeMap<PathBuf, GlobSetBuilder> = BTreeMap::new();
        let mut scopes = Vec::new();
        for (anchor, patterns) in groups {
            if !patterns.is_empty() {
                scopes.push(normalize(anchor));
            }
            for pattern in patterns {
                // `./x` and `a/b` are anchored; a trailing `/` alone is not.
                let trimmed = pattern.trim().trim_end_matches('/');
                let is_anchored = trimmed.contains('/');
                let cleaned = trimmed.trim_start_matches("./");
                if cleaned.is_empty() {
                    continue;
                }
                let glob = GlobBuilder::new(cleaned)
                    .literal_separator(true)
                    .build()
                    .map_err(|error| {
                        format!("invalid exclude glob `{pattern}`: {}", error.kind())
                    })?;
                if is_anchored {
                    anchored
                        .entry(normalize(anchor))
                        .or_insert_with(GlobSetBuilder::new)
                        .add(glob);
                } else {
                    names.add(glob);
                }
            }
        }
        let names = names.build().map_err(|error| error.to_string())?;
        let anchored = anchored
            .into_iter()
            .map(|(root, builder)| Ok((root, builder.build().map_err(|e| e.to_string())?)))
            .collect::<Result<_, String>>()?;
        scopes.sort();
        scopes.dedup();
        Ok(Excludes {
            names,
            anchored,
            scopes,
        })
    }

    /// Whether an absolute path itself is excluded (its parents are not looked at).
    pub fn matches(&self, abs: &Path) -> bool {
        // `.git` is never source, whatever the configuration says.
        let name_match = abs
            .file_name()
            .is_some_and(|name| name == ".git" || self.names.is_match(Path::new(name)));
        name_match
            || self
                .anchored
                .iter()
                .any(|(root, set)| abs.strip_prefix(root).is_ok_and(|rel| set.is_match(rel)))
    }
}

pub struct Options<'a> {
    /// Absolute working directory: display paths are relative to it.
    pub cwd: &'a Path,
    pub excludes: &'a Excludes,
    pub respect_gitignore: bool,
    /// Apply excludes to files and directories named on the command line too.
    pub force_exclude: bool,
}

pub fn discover(paths: &[PathBuf], options: &Options) -> Discovered {
    let mut walker = Walker {
        options,
        gitignores: HashMap::new(),
        found: BTreeMap::new(),
        diagnostics: Vec::new(),
    };
    for (index, path) in paths.iter().enumerate() {
        walker.explicit(path, index);
    }
    // One file reached by several paths (a link and its target, a linked
    // directory and the real one) would be reported once per path: the
    // path of the earliest argument is kept, within an argument one that
    // is not a link, then the first in order.
    let mut by_file: BTreeMap<PathBuf, (Rank, PathBuf, String)> = BTreeMap::new();
    for (fs_path, found) in walker.found {
        let candidate = (found.rank, fs_path, found.display);
        match by_file.entry(found.file) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(candidate);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                if candidate < *slot.get() {
                    slot.insert(candidate);
                }
            }
        }
    }
    let mut files: Vec<InputFile> = by_file
        .into_values()
        .map(|(_, fs_path, display)| InputFile {
            fs_path,
            display: Arc::from(display),
        })
        .collect();
    files.sort_by(|a, b| a.display.cmp(&b.display).then(a.fs_path.cmp(&b.fs_path)));
    let mut diagnostics = walker.diagnostics;
    diagnostics.sort();
    diagnostics.dedup();
    Discovered { files, diagnostics }
}

struct Walker<'a> {
    options: &'a Options<'a>,
    /// `.gitignore` matcher of each directory that has one (absolute path).
    gitignores: HashMap<PathBuf, Option<Gitignore>>,
    /// Absolute path (as named or walked, links not resolved) → the file.
    found: BTreeMap<PathBuf, Found>,
    diagnostics: Vec<PathDiagnostic>,
}

/// Which of several paths to one file is kept: the index of the argument
/// it came from, then whether it is a link met in a walk.
type Rank = (usize, bool);

struct Found {
    display: String,
    /// The file itself: its canonical path.
    file: PathBuf,
    rank: Rank,
}

impl Walker<'_> {
    fn explicit(&mut self, path: &Path, index: usize) {
        let abs = normalize(&self.options.cwd.join(path));
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                let reason = match error.kind() {
                    std::io::ErrorKind::NotFound if path.symlink_metadata().is_ok() => {
                        "dangling symbolic link".to_string()
                    }
                    std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                    _ => io_reason(&error),
                };
                self.error(self.display(path, &abs), reason);
                return;
            }
        };
        if self.options.force_exclude && self.explicit_is_excluded(&abs, metadata.is_dir()) {
            return;
        }
        if metadata.is_dir() {
            self.walk(path, &abs, index);
        } else if metadata.is_file() {
            self.add(&abs, path, canonical(&abs), (index, false));
        } else {
            // Reading a FIFO or a device could block forever.
            self.error(self.display(path, &abs), "not a regular file".to_string());
        }
    }

    /// `--force-exclude` for a path named on the command line: the path or
    /// any of its parents below the working directory, or below the
    /// directory of the configuration that excludes it (`../gen/g.py`), is
    /// excluded.
    fn explicit_is_excluded(&mut self, abs: &Path, is_dir: bool) -> bool {
        let excludes = self.options.excludes;
        if excludes.matches(abs) {
            return true;
        }
        let cwd = self.options.cwd;
        let below = |dir: &Path, root: &Path| dir.starts_with(root) && dir != root;
        let inside: Vec<&Path> = abs
            .ancestors()
            .skip(1)
            .take_while(|dir| {
                below(dir, cwd) || excludes.scopes.iter().any(|scope| below(dir, scope))
            })
            .collect();
        if inside.iter().any(|dir| self.options.excludes.matches(dir)) {
            return true;
        }
        if !self.options.respect_gitignore {
            return false;
        }
        let Some(parent) = abs.parent() else {
            return false;
        };
        self.load_gitignores_above(parent);
        // Outermost first: an ignored directory hides everything in it.
        let mut chain: Vec<(&Path, bool)> = abs.ancestors().skip(1).map(|d| (d, true)).collect();
        chain.reverse();
        chain.push((abs, is_dir));
        chain
            .iter()
            .any(|&(path, is_dir)| self.gitignored(path, is_dir))
    }

    fn walk(&mut self, root: &Path, root_abs: &Path, index: usize) {
        if self.options.respect_gitignore {
            self.load_gitignores_above(root_abs);
        }
        // Links to directories are not followed below the root, so a file
        // that is not a link is its canonical root plus its relative path.
        let root_file = canonical(root_abs);
        let mut entries = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = entries.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let path = error.path().unwrap_or(root).to_path_buf();
                    let abs = normalize(&self.options.cwd.join(&path));
                    let reason = match error.io_error() {
                        Some(io) => io_reason(io),
                        None => error.to_string(),
                    };
                    self.error(self.display(&path, &abs), reason);
                    continue;
                }
            };
            if entry.depth() == 0 {
                continue;
            }
            let path = entry.path();
            let abs = normalize(&self.options.cwd.join(path));
            let file_type = entry.file_type();
            if file_type.is_dir() {
                // A virtual environment under any name (`env`, `.env3`) is
                // installed code, not the project's: `python -m venv`
                // writes `pyvenv.cfg` at its top.
                if self.options.excludes.matches(&abs)
                    || (self.options.respect_gitignore && self.gitignored(&abs, true))
                    || path.join("pyvenv.cfg").is_file()
                {
                    entries.skip_current_dir();
                    continue;
                }
                if self.options.respect_gitignore {
                    self.load_gitignore(&abs);
                }
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "py")
                || self.options.excludes.matches(&abs)
                || (self.options.respect_gitignore && self.gitignored(&abs, false))
            {
                continue;
            }
            if file_type.is_symlink() {
                // Directory links are not followed (no loops, no duplicates,
                // as git does); links to files are checked.
                match std::fs::metadata(path) {
                    Ok(metadata) if metadata.is_file() => {
                        let file = canonical(&abs);
                        self.add(&abs, path, file, (index, true));
                    }
                    Ok(_) => {}
                    // A broken link in a walked directory (an editor's
                    // `.#x.py` lock file, a loop committed by mistake) is no
                    // source: said, not an error.
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                        self.note(
                            self.display(path, &abs),
                            "dangling symbolic link, skipped".to_string(),
                        );
                    }
                    Err(error) if error.raw_os_error() == Some(libc::ELOOP) => {
                        self.note(
                            self.display(path, &abs),
                            format!("{} (a link loop), skipped", io_reason(&error)),
                        );
                    }
                    Err(error) => self.error(self.display(path, &abs), io_reason(&error)),
                }
            } else if file_type.is_file() {
                let relative = path.strip_prefix(root).unwrap_or(path);
                self.add(&abs, path, root_file.join(relative), (index, false));
            }
        }
    }

    fn add(&mut self, abs: &Path, path: &Path, file: PathBuf, rank: Rank) {
        let display = self.display(path, abs);
        if abs.to_str().is_none() {
            self.note(
                display.clone(),
                "file name is not valid UTF-8; it is shown with replacement characters".to_string(),
            );
        }
        self.found.entry(abs.to_path_buf()).or_insert(Found {
            display,
            file,
            rank,
        });
    }

    fn error(&mut self, path: String, message: String) {
        self.diagnostics.push(PathDiagnostic {
            path,
            message,
            fatal: true,
        });
    }

    /// Something said about a path that does not fail the run.
    fn note(&mut self, path: String, message: String) {
        self.diagnostics.push(PathDiagnostic {
            path,
            message,
            fatal: false,
        });
    }

    /// The path relative to the working directory when it is inside it.
    fn display(&self, path: &Path, abs: &Path) -> String {
        display_path(path, abs, self.options.cwd)
    }

    /// Loads the `.gitignore` files of `dir` and its parents up to the
    /// repository root (the nearest directory with `.git`). Outside a
    /// repository only `dir`'s own file counts.
    fn load_gitignores_above(&mut self, dir: &Path) {
        let repo_root = dir.ancestors().find(|d| d.join(".git").exists());
        match repo_root {
            Some(repo_root) => {
                let chain: Vec<PathBuf> = dir
                    .ancestors()
                    .take_while(|d| d.starts_with(repo_root))
                    .map(Path::to_path_buf)
                    .collect();
                for d in chain {
                    self.load_gitignore(&d);
                }
            }
            None => self.load_gitignore(dir),
        }
    }

    fn load_gitignore(&mut self, dir: &Path) {
        if self.gitignores.contains_key(dir) {
            return;
        }
        let mut builder = GitignoreBuilder::new(dir);
        let mut any = false;
        for file in [dir.join(".gitignore"), dir.join(".git/info/exclude")] {
            if file.is_file() {
                // Invalid lines are skipped, as git skips them.
                let _ = builder.add(&file);
                any = true;
            }
        }
        let matcher = if any { builder.build().ok() } else { None };
        self.gitignores.insert(dir.to_path_buf(), matcher);
    }

    /// The nearest `.gitignore` with an opinion on `abs` decides.
    fn gitignored(&self, abs: &Path, is_dir: bool) -> bool {
        for dir in abs.ancestors().skip(1) {
            if let Some(Some(matcher)) = self.gitignores.get(dir) {
                let matched = matcher.matched(abs, is_dir);
                if matched.is_ignore() {
                    return true;
                }
                if matched.is_whitelist() {
                    return false;
                }
            }
        }
        false
    }
}

/// `path` as shown to the user: relative to `cwd` when `abs` is inside it.
pub fn display_path(path: &Path, abs: &Path, cwd: &Path) -> String {
    let shown = match abs.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy(),
        _ if path.is_absolute() => abs.to_string_lossy(),
        _ => path.to_string_lossy(),
    };
    escape_controls(&shown)
}

/// A file name is untrusted text: escape control characters (`\n`,
/// `\u{1b}`) so that a name can neither forge an output line nor send
/// escape sequences to the terminal or CI log showing the output.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// An I/O error's reason without the trailing `(os error N)`.
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
    .to_lowercase()
}

/// The canonical form of an absolute path (every link resolved), or the
/// path normalised when it cannot be had (the file vanished).
pub fn canonical(abs: &Path) -> PathBuf {
    std::fs::canonicalize(abs).unwrap_or_else(|_| normalize(abs))
}

/// Removes `.` and resolves `..` lexically (without touching the file
/// system, so dangling links and vanished files still get a path).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("/a/b/./")), PathBuf::from("/a/b"));
    }

    #[test]
    fn exclude_patterns_by_name_and_anchored() {
        let root = Path::new("/repo");
        let names = ["build".to_string(), "*_pb2.py".to_string()];
        let anchored = ["tests/fixtures/**".to_string(), "./legacy/".to_string()];
        let excludes = Excludes::new([(root, &names[..]), (root, &anchored[..])]).unwrap();
        assert!(excludes.matches(Path::new("/repo/src/build")));
        assert!(excludes.matches(Path::new("/repo/x/y_pb2.py")));
        assert!(excludes.matches(Path::new("/repo/tests/fixtures/a/b.py")));
        assert!(excludes.matches(Path::new("/repo/legacy")));
        assert!(!excludes.matches(Path::new("/repo/src/legacy")));
        assert!(!excludes.matches(Path::new("/repo/src/main.py")));
        assert!(excludes.matches(Path::new("/repo/.git")));
        assert!(Excludes::new([(root, &["a[".to_string()][..])]).is_err());
    }

    #[test]
    fn display_paths_are_relative_to_cwd() {
        let cwd = Path::new("/w");
        assert_eq!(
            display_path(Path::new("./a/b.py"), Path::new("/w/a/b.py"), cwd),
            "a/b.py"
        );
        assert_eq!(
            display_path(Path::new("/x/b.py"), Path::new("/x/b.py"), cwd),
            "/x/b.py"
        );
        assert_eq!(
            display_path(Path::new("../x/b.py"), Path::new("/x/b.py"), cwd),
            "../x/b.py"
        );
        assert_eq!(
            display_path(
                Path::new("a\x1b[2J\nb.py"),
                Path::new("/w/a\x1b[2J\nb.py"),
                cwd
            ),
            "a\\u{1b}[2J\\nb.py"
        );
    }
}

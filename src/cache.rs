//! A cache of per-file facts, so that a re-run on an unchanged tree skips
//! parsing and extraction (the bulk of a run) for unchanged files; and of
//! whole runs' results, so that a re-run over exactly the same files and
//! contents skips the cross-file analysis too.
//!
//! Every file is still read: its text is hashed (BLAKE3, about a GB/s on
//! one core, truncated to 128 bits) and kept for rendering. A content hash rather than (path, size, mtime)
//! because reading is a small part of a run, while an mtime key goes wrong
//! after `git checkout`, on coarse-grained file systems and in copied trees.
//!
//! Layout, under the cache root (`$XDG_CACHE_HOME/mountguard`, ...):
//!
//! ```text
//! <root>/<version>-<binary fingerprint>/<2 hex>/<32 hex key>
//! <root>/<version>-<binary fingerprint>/runs/<32 hex run key>
//! ```
//!
//! * The directory per binary (package version, [`SCHEMA`], size and mtime
//!   of the executable) invalidates everything a new build may compute
//!   differently, including the built-in rule data.
//! * The key hashes what else a file's facts depend on: its text, its module
//!   name, and the taint configuration (built-in rules plus the user's
//!   extensions). The display path is not in the key: paths are stored as
//!   "this file" and filled in on load, so a tree scanned from another
//!   directory still hits.
//! * Facts also depend on which dotted names belong to the scanned tree
//!   (`ProjectModules`); each entry records the questions asked and their
//!   answers, and is used only if the current file set answers alike. An
//!   entry keeps up to [`MAX_VARIANTS`] such variants, so a one-file
//!   pre-commit run and a full run do not evict each other.
//!
//! * A run's key hashes every file's display path and key, in order; its
//!   entry holds the findings, the notes about files and the `noqa`
//!   comments (suppression comes later), and the [`KEEP_RUNS`] most recent
//!   are kept. A run with a file that cannot be read stores nothing.
//!
//! Entries are written to a temporary file and renamed, so concurrent runs
//! never see half an entry; a header with the key and a checksum catches
//! anything else, and an entry that fails to load is recomputed. Bounds:
//! entries not used for [`MAX_AGE_DAYS`] are deleted, and only the
//! [`KEEP_BINARIES`] most recently used binary directories are kept (a
//! sweep at most once a day).

use std::cell::RefCell;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

use crate::analysis::NoqaComment;
use crate::facts::FileFacts;
use crate::facts::classes::FileClasses;
use crate::facts::imports::ImportMap;
use crate::finding::{Finding, Label, Location, Severity, TraceStep};
use crate::parse::StoredSource;
use crate::rules::TaintConfig;
use crate::taint::ProjectModules;
use crate::taint::summary::FileTaint;

/// Bump whenever the layout of the cached facts changes without a version
/// bump (the serialized form has no field names to notice it by).
pub const SCHEMA: u32 = 5;
/// Entries (and binary directories) unused for this long are deleted.
pub const MAX_AGE_DAYS: u64 = 30;
/// Binary directories kept: a few installed versions or rebuilds.
pub const KEEP_BINARIES: usize = 4;
/// Facts kept per file for different file sets (a one-file pre-commit
/// run and a full run resolve imports differently).
pub const MAX_VARIANTS: usize = 3;
/// Results of whole runs kept per binary (the trees and subsets of them
/// last checked).
pub const KEEP_RUNS: usize = 8;

const MAGIC: &[u8; 8] = b"MGFACTS\0";
const HEADER_LEN: usize = 8 + 16 + 8;
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The cache of one run.
#[derive(Debug)]
pub struct Cache {
    root: PathBuf,
    /// `<root>/<version>-<binary fingerprint>`.
    dir: PathBuf,
    config_hash: u128,
    stats: Counters,
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicUsize,
    misses: AtomicUsize,
    stale: AtomicUsize,
    written: AtomicUsize,
    write_errors: AtomicUsize,
    load_nanos: AtomicU64,
    store_nanos: AtomicU64,
    /// What happened to the whole run's result: 0 nothing, 1 reused, 2
    /// stored.
    run: AtomicUsize,
}

/// What one run did with the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Files whose facts came from the cache.
    pub hits: usize,
    /// Files analysed afresh (no entry, or an unusable one).
    pub misses: usize,
    /// Of the misses: entries found but unreadable, corrupt or stale.
    pub stale: usize,
    pub written: usize,
    pub write_errors: usize,
}

/// Identifies one file's facts: text, module and configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(pub u128);

impl Cache {
    /// The cache under `root` for this binary and taint configuration.
    /// Nothing is created until the first entry is stored.
    pub fn new(root: &Path, taint: &TaintConfig) -> Cache {
        Cache {
            root: root.to_path_buf(),
            dir: root.join(binary_fingerprint()),
            config_hash: config_hash(taint),
            stats: Counters::default(),
        }
    }

    /// The directory entries of this binary go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn key(&self, text: &str, module: &str, is_package: bool) -> Key {
        // A cryptographic hash: the files scanned may come from an attacker
        // (a pull request in CI), who must not be able to make a malicious
        // file collide with the entry of a harmless one.
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.config_hash.to_le_bytes());
        hasher.update(&(module.len() as u64).to_le_bytes());
        hasher.update(module.as_bytes());
        hasher.update(&[is_package as u8]);
        hasher.update(text.as_bytes());
        let digest = hasher.finalize();
        let first: [u8; 16] = digest.as_bytes()[..16]
            .try_into()
            .expect("a BLAKE3 digest has 32 bytes");
        Key(u128::from_le_bytes(first))
    }

    /// The key of a whole run: every file's display path and key, in the
    /// order analysed (configuration and build are in the file keys and
    /// the directory).
    pub fn run_key(&self, files: &[(Arc<str>, Key)]) -> Key {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"mountguard run");
        hasher.update(&(files.len() as u64).to_le_bytes());
        for (path, key) in files {
            hasher.update(&(path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update(&key.0.to_le_bytes());
        }
        let digest = hasher.finalize();
        let first: [u8; 16] = digest.as_bytes()[..16]
            .try_into()
            .expect("a BLAKE3 digest has 32 bytes");
        Key(u128::from_le_bytes(first))
    }

    fn run_path(&self, key: Key) -> PathBuf {
        self.dir.join("runs").join(format!("{:032x}", key.0))
    }

    /// The result of the run with this key, if it was stored and is
    /// intact (without `sources`: the caller has the texts).
    pub fn load_run(&self, key: Key) -> Option<crate::analysis::Analysis> {
        let path = self.run_path(key);
        let mut file = fs::File::open(&path).ok()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        let raw = decode_entry(&bytes, key)?;
        let (_, payload) = *split_variants(&raw)?.first()?;
        let run: RunOwned = postcard::from_bytes(payload).ok()?;
        let findings = run
            .findings
            .into_iter()
            .map(FindingOwned::into_finding)
            .collect::<Option<Vec<_>>>()?;
        refresh_age(&file, &path);
        self.stats.run.store(1, Ordering::Relaxed);
        Some(crate::analysis::Analysis {
            findings,
            diagnostics: run.diagnostics,
            sources: Default::default(),
            noqa_comments: run.noqa_comments,
            files_analyzed: run.files_analyzed,
        })
    }

    /// Stores the result of a run (its sources aside: they are read again)
    /// and keeps the [`KEEP_RUNS`] most recent; failures are ignored.
    pub fn store_run(&self, key: Key, analysis: &crate::analysis::Analysis) {
        let run = RunRef {
            findings: &analysis.findings,
            diagnostics: &analysis.diagnostics,
            noqa_comments: &analysis.noqa_comments,
            files_analyzed: analysis.files_analyzed,
        };
        let Ok(payload) = postcard::to_stdvec(&run) else {
            return;
        };
        let path = self.run_path(key);
        let Some(runs) = path.parent() else {
            return;
        };
        if !runs.is_dir() && (self.create_root().is_err() || fs::create_dir_all(runs).is_err()) {
            return;
        }
        let bytes = encode_variants(key, &[(&[], &payload)]);
        if write_atomically(&path, &bytes).is_err() {
            return;
        }
        self.stats.run.store(2, Ordering::Relaxed);
        let mut stored: Vec<(SystemTime, PathBuf)> = fs::read_dir(runs)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
            .collect();
        stored.sort_by(|a, b| b.cmp(a));
        for (_, old) in stored.into_iter().skip(KEEP_RUNS) {
            let _ = fs::remove_file(old);
        }
    }

    fn entry_path(&self, key: Key) -> PathBuf {
        let hex = format!("{:032x}", key.0);
        self.dir.join(&hex[..2]).join(hex)
    }

    /// The cached facts of a file, if there is a usable entry. `path` is the
    /// file's display path, put into every location of the facts.
    pub fn load(&self, key: Key, path: &Arc<str>, project: &ProjectModules) -> Option<Cached> {
        let started = Instant::now();
        let result = self.load_entry(key, path, project);
        self.stats
            .load_nanos
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        match &result {
            Ok(_) => self.stats.hits.fetch_add(1, Ordering::Relaxed),
            Err(found) => {
                if *found {
                    self.stats.stale.fetch_add(1, Ordering::Relaxed);
                }
                self.stats.misses.fetch_add(1, Ordering::Relaxed)
            }
        };
        result.ok()
    }

    /// `Err(true)` when an entry exists but cannot be used.
    fn load_entry(
        &self,
        key: Key,
        path: &Arc<str>,
        project: &ProjectModules,
    ) -> Result<Cached, bool> {
        let entry_path = self.entry_path(key);
        let mut file = fs::File::open(&entry_path).map_err(|_| false)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|_| true)?;
        let raw = decode_entry(&bytes, key).ok_or(true)?;
        for (queries, facts) in split_variants(&raw).ok_or(true)? {
            let queries: Vec<(String, bool)> = postcard::from_bytes(queries).map_err(|_| true)?;
            let holds = queries
                .iter()
                .all(|(name, answer)| project.may_contain_unrecorded(name) == *answer);
            if !holds {
                continue;
            }
            let entry: EntryOwned =
                with_current_path(path, || postcard::from_bytes(facts)).map_err(|_| true)?;
            let local_findings = entry
                .local_findings
                .into_iter()
                .map(FindingOwned::into_finding)
                .collect::<Option<Vec<_>>>()
                .ok_or(true)?;
            refresh_age(&file, &entry_path);
            return Ok(Cached(Loaded {
                partial_parse: entry.partial_parse,
                error_ranges: entry.error_ranges,
                imports: entry.imports,
                noqa_comments: entry.noqa_comments,
                classes: entry.classes,
                taint: entry.taint,
                local_findings,
            }));
        }
        Err(true)
    }

    /// Stores a file's facts; failures are counted, never fatal.
    pub fn store(&self, key: Key, facts: &FileFacts, project_queries: &[(String, bool)]) {
        let started = Instant::now();
        let result = self.store_entry(key, facts, project_queries);
        self.stats
            .store_nanos
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        match result {
            Ok(()) => self.stats.written.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.stats.write_errors.fetch_add(1, Ordering::Relaxed),
        };
    }

    fn store_entry(
        &self,
        key: Key,
        facts: &FileFacts,
        project_queries: &[(String, bool)],
    ) -> io::Result<()> {
        let entry = EntryRef {
            partial_parse: facts.partial_parse,
            error_ranges: &facts.error_ranges,
            imports: &facts.imports,
            noqa_comments: &facts.noqa_comments,
            classes: &facts.classes,
            taint: &facts.taint,
            local_findings: &facts.local_findings,
        };
        let facts = with_current_path(&facts.source.path, || postcard::to_stdvec(&entry))
            .map_err(io::Error::other)?;
        let queries = postcard::to_stdvec(project_queries).map_err(io::Error::other)?;

        // Keep the variants of other file sets (a pre-commit run on one
        // file next to full runs), newest first.
        let path = self.entry_path(key);
        let existing = fs::read(&path)
            .ok()
            .and_then(|bytes| decode_entry(&bytes, key))
            .unwrap_or_default();
        let mut variants = vec![(queries.as_slice(), facts.as_slice())];
        variants.extend(
            split_variants(&existing)
                .unwrap_or_default()
                .into_iter()
                .filter(|(old_queries, _)| *old_queries != queries.as_slice())
                .take(MAX_VARIANTS - 1),
        );
        let bytes = encode_variants(key, &variants);

        let shard = path.parent().expect("entries live in a shard directory");
        if !shard.is_dir() {
            self.create_root()?;
            fs::create_dir_all(shard)?;
        }
        write_atomically(&path, &bytes)
    }

    /// Creates the cache root, marked as a cache and git-ignored, so that
    /// an opt-in `.mountguard_cache` inside a repository stays out of it.
    fn create_root(&self) -> io::Result<()> {
        if self.root.is_dir() {
            return Ok(());
        }
        fs::create_dir_all(&self.root)?;
        let _ = fs::write(
            self.root.join(".gitignore"),
            "# Created by mountguard.\n*\n",
        );
        let _ = fs::write(
            self.root.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n\
             # This file is a cache directory tag created by mountguard.\n",
        );
        Ok(())
    }

    pub fn stats(&self) -> Stats {
        let get = |counter: &AtomicUsize| counter.load(Ordering::Relaxed);
        Stats {
            hits: get(&self.stats.hits),
            misses: get(&self.stats.misses),
            stale: get(&self.stats.stale),
            written: get(&self.stats.written),
            write_errors: get(&self.stats.write_errors),
        }
    }

    /// One line for `MOUNTGUARD_TIMINGS`.
    pub fn report(&self) -> String {
        let stats = self.stats();
        format!(
            "mountguard cache: {} hits, {} misses ({} stale), {} written, {} write errors; \
             load {:.3} s, store {:.3} s (summed over threads); run result {}; {}",
            stats.hits,
            stats.misses,
            stats.stale,
            stats.written,
            stats.write_errors,
            self.stats.load_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            self.stats.store_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            match self.stats.run.load(Ordering::Relaxed) {
                1 => "reused",
                2 => "stored",
                _ => "not stored",
            },
            self.dir.display()
        )
    }

    /// End of a run: marks this binary's directory as used and, at most
    /// once a day, deletes old entries and directories of other binaries.
    pub fn finish(&self) {
        if !self.dir.is_dir() {
            return;
        }
        let _ = fs::write(self.dir.join("last-used"), "");
        let marker = self.root.join("last-prune");
        let due = match fs::metadata(&marker).and_then(|m| m.modified()) {
            Ok(time) => age(time) > DAY,
            Err(_) => true,
        };
        if due {
            let _ = fs::write(&marker, "");
            prune(&self.root, &self.dir, SystemTime::now());
        }
    }
}

/// Facts loaded from the cache, waiting for their source file.
#[derive(Debug)]
pub struct Cached(Loaded);

#[derive(Debug)]
struct Loaded {
    partial_parse: bool,
    error_ranges: Vec<(u32, u32)>,
    imports: ImportMap,
    noqa_comments: Vec<NoqaComment>,
    classes: FileClasses,
    taint: FileTaint,
    local_findings: Vec<Finding>,
}

impl Cached {
    pub fn into_facts(self, source: StoredSource, module: String, is_package: bool) -> FileFacts {
        let entry = self.0;
        FileFacts {
            source,
            module,
            is_package,
            partial_parse: entry.partial_parse,
            error_ranges: entry.error_ranges,
            imports: entry.imports,
            noqa_comments: entry.noqa_comments,
            classes: entry.classes,
            taint: entry.taint,
            local_findings: entry.local_findings,
        }
    }
}

/// What is stored of `FileFacts`: everything but the text (re-read anyway,
/// to hash it) and what the path gives (module name). `EntryRef` and
/// `EntryOwned` must list the same fields in the same order.
#[derive(Serialize)]
struct EntryRef<'a> {
    partial_parse: bool,
    error_ranges: &'a [(u32, u32)],
    imports: &'a ImportMap,
    noqa_comments: &'a [NoqaComment],
    classes: &'a FileClasses,
    taint: &'a FileTaint,
    local_findings: &'a [Finding],
}

#[derive(Debug, Deserialize)]
struct EntryOwned {
    partial_parse: bool,
    error_ranges: Vec<(u32, u32)>,
    imports: ImportMap,
    noqa_comments: Vec<NoqaComment>,
    classes: FileClasses,
    taint: FileTaint,
    local_findings: Vec<FindingOwned>,
}

/// An entry file: header (magic, key, checksum of the rest), then LZ4 of
/// the variants, each `u32 length, project questions, u32 length, facts`
/// (little-endian lengths, postcard contents).
fn encode_variants(key: Key, variants: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut raw = Vec::new();
    for (queries, facts) in variants {
        for part in [queries, facts] {
            raw.extend_from_slice(&(part.len() as u32).to_le_bytes());
            raw.extend_from_slice(part);
        }
    }
    // Facts repeat source text (snippets) and names: LZ4 shrinks them
    // several times over and decompresses at memory speed.
    let payload = lz4_flex::compress_prepend_size(&raw);
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&key.0.to_le_bytes());
    bytes.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    bytes
}

/// The decompressed variants of an entry file; `None` when it is not an
/// intact entry for `key`.
fn decode_entry(bytes: &[u8], key: Key) -> Option<Vec<u8>> {
    lz4_flex::decompress_size_prepended(check_header(bytes, key)?).ok()
}

/// (project questions, facts) of each variant.
fn split_variants(mut raw: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    fn take<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
        let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let part = rest.get(4..4usize.checked_add(len)?)?;
        *rest = &rest[4 + len..];
        Some(part)
    }
    let mut variants = Vec::new();
    while !raw.is_empty() {
        let queries = take(&mut raw)?;
        let facts = take(&mut raw)?;
        variants.push((queries, facts));
    }
    (!variants.is_empty()).then_some(variants)
}

fn check_header(bytes: &[u8], key: Key) -> Option<&[u8]> {
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return None;
    }
    let stored_key = u128::from_le_bytes(bytes[8..24].try_into().ok()?);
    let checksum = u64::from_le_bytes(bytes[24..32].try_into().ok()?);
    let payload = &bytes[HEADER_LEN..];
    (stored_key == key.0 && xxh3_64(payload) == checksum).then_some(payload)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = path.with_extension(format!("{}-{unique}.tmp", std::process::id()));
    let result = fs::File::create(&temp)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Keeps a used entry's mtime within a day of its last use, for pruning
/// by age, at the cost of one write per entry and day.
fn refresh_age(file: &fs::File, path: &Path) {
    let stale = file
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|time| age(time) > DAY);
    if stale && let Ok(file) = fs::OpenOptions::new().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

fn age(time: SystemTime) -> Duration {
    SystemTime::now()
        .duration_since(time)
        .unwrap_or(Duration::ZERO)
}

/// Deletes entries of `current` not used for `MAX_AGE_DAYS`, and the
/// directories of other binaries that are that old or beyond the
/// `KEEP_BINARIES` most recently used. Errors (a concurrent run deleting
/// the same files) are ignored.
pub fn prune(root: &Path, current: &Path, now: SystemTime) {
    let max_age = Duration::from_secs(MAX_AGE_DAYS * DAY.as_secs());
    let old = |time: SystemTime| now.duration_since(time).unwrap_or(Duration::ZERO) > max_age;
    let modified = |path: &Path| fs::metadata(path).and_then(|m| m.modified()).ok();

    let mut binaries: Vec<(SystemTime, PathBuf)> = Vec::new();
    for entry in fs::read_dir(root).into_iter().flatten().flatten() {
        let path = entry.path();
        if path == current || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        // Only directories that look like ours, `<version>-<16 hex>` ...
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.rsplit_once('-').is_some_and(|(_, hash)| {
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }) {
            continue;
        }
        // ... and that a run of ours finished in: never delete anything
        // else, whatever `--cache-dir` points at.
        if let Some(used) = modified(&path.join("last-used")) {
            binaries.push((used, path));
        }
    }
    binaries.sort_by_key(|(used, _)| std::cmp::Reverse(*used));
    for (index, (used, path)) in binaries.iter().enumerate() {
        // `current` is one of the kept ones.
        if old(*used) || index + 1 >= KEEP_BINARIES {
            let _ = fs::remove_dir_all(path);
        }
    }

    for shard in fs::read_dir(current).into_iter().flatten().flatten() {
        if !shard.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        for entry in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.metadata().and_then(|m| m.modified()).is_ok_and(old) {
                let _ = fs::remove_file(&path);
            }
        }
    }
}

/// `<version>-<hash>`: the version for people looking at the directory,
/// the hash for everything that tells builds apart.
fn binary_fingerprint() -> String {
    let mut hasher = Xxh3::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(&SCHEMA.to_le_bytes());
    // A rebuild (same version, new code) must not reuse entries: the
    // executable's size and mtime tell builds apart without hashing it.
    if let Ok(meta) = std::env::current_exe().and_then(fs::metadata) {
        hasher.update(&meta.len().to_le_bytes());
        if let Ok(since) = meta
            .modified()
            .map(|t| t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default())
        {
            hasher.update(&since.as_nanos().to_le_bytes());
        }
    }
    format!("{}-{:016x}", env!("CARGO_PKG_VERSION"), hasher.digest())
}

/// Hash of everything in the taint configuration: the built-in rule data
/// and the user's extensions. Its `Debug` form is complete and, with
/// deterministic hash maps only, stable within one binary.
pub fn config_hash(taint: &TaintConfig) -> u128 {
    xxh3_128(format!("{taint:?}").as_bytes())
}

/// The default cache root: `$MOUNTGUARD_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/mountguard`, else `~/.cache/mountguard`.
pub fn default_root() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    if let Some(dir) = var("MOUNTGUARD_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CACHE_HOME").map(PathBuf::from)
        && dir.is_absolute()
    {
        return Some(dir.join("mountguard"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".cache").join("mountguard"))
}

thread_local! {
    /// Project-module questions asked while extracting the current file.
    static QUERIES: RefCell<Option<FxHashMap<String, bool>>> = const { RefCell::new(None) };
    /// Display path of the file being (de)serialized.
    static CURRENT_PATH: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
    /// Names loaded for the current file, shared as extraction shares them.
    static SHARED_NAMES: RefCell<rustc_hash::FxHashSet<Arc<str>>> = RefCell::new(Default::default());
}

/// Called by `ProjectModules::may_contain`; records only inside `recording`.
pub fn record_project_query(name: &str, answer: bool) {
    QUERIES.with(|cell| {
        if let Some(map) = cell.borrow_mut().as_mut()
            && !map.contains_key(name)
        {
            map.insert(name.to_string(), answer);
        }
    });
}

/// Runs `work` (one file's extraction, on this thread) and returns the
/// project-module questions it asked, sorted.
pub fn recording<T>(work: impl FnOnce() -> T) -> (T, Vec<(String, bool)>) {
    let previous = QUERIES.with(|cell| cell.replace(Some(FxHashMap::default())));
    let result = work();
    let queries = QUERIES
        .with(|cell| cell.replace(previous))
        .unwrap_or_default();
    let mut queries: Vec<(String, bool)> = queries.into_iter().collect();
    queries.sort_unstable();
    (result, queries)
}

fn with_current_path<T>(path: &Arc<str>, work: impl FnOnce() -> T) -> T {
    let previous = CURRENT_PATH.with(|cell| cell.replace(Some(path.clone())));
    let result = work();
    CURRENT_PATH.with(|cell| cell.replace(previous));
    SHARED_NAMES.with(|cell| cell.borrow_mut().clear());
    result
}

/// Serde for the names a file's facts share (`Interpreter::share`): one
/// `Arc` per distinct name of the file when loaded, as when extracted.
pub mod shared_name {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::SHARED_NAMES;

    pub fn serialize<S: Serializer>(name: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
        (**name).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
        let name = <&str>::deserialize(deserializer)?;
        Ok(SHARED_NAMES.with(|cell| {
            let mut names = cell.borrow_mut();
            match names.get(name) {
                Some(shared) => shared.clone(),
                None => {
                    let shared: Arc<str> = Arc::from(name);
                    names.insert(shared.clone());
                    shared
                }
            }
        }))
    }
}

/// Serde for a location's path: the file's own path is stored as nothing
/// and restored from the file being loaded (smaller entries, one shared
/// `Arc` per file, and a moved tree still hits).
pub mod file_path {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::CURRENT_PATH;

    pub fn serialize<S: Serializer>(path: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
        let own = CURRENT_PATH.with(|cell| cell.borrow().as_deref() == Some(&**path));
        let stored: Option<&str> = if own { None } else { Some(path) };
        stored.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(path) => Ok(Arc::from(path)),
            None => CURRENT_PATH
                .with(|cell| cell.borrow().clone())
                .ok_or_else(|| serde::de::Error::custom("no current file for a cached location")),
        }
    }
}

/// What is stored of a whole run's `Analysis`. `RunRef` and `RunOwned`
/// must list the same fields in the same order.
#[derive(Serialize)]
struct RunRef<'a> {
    findings: &'a [Finding],
    diagnostics: &'a [crate::finding::FileDiagnostic],
    noqa_comments: &'a [NoqaComment],
    files_analyzed: usize,
}

#[derive(Deserialize)]
struct RunOwned {
    findings: Vec<FindingOwned>,
    diagnostics: Vec<crate::finding::FileDiagnostic>,
    noqa_comments: Vec<NoqaComment>,
    files_analyzed: usize,
}

/// `Finding` as loaded: its rule code and slug are `&'static str`, which
/// serde would only borrow from the input. Same fields, same order.
#[derive(Debug, Deserialize)]
struct FindingOwned {
    code: String,
    rule: String,
    severity: Severity,
    location: Location,
    message: String,
    labels: Vec<Label>,
    trace: Vec<TraceStep>,
    help: Option<String>,
    context: String,
    snippet: String,
}

impl FindingOwned {
    fn into_finding(self) -> Option<Finding> {
        let rule = crate::rules::lookup(&self.code)?;
        (rule.code == self.code && rule.slug == self.rule).then_some(Finding {
            code: rule.code,
            rule: rule.slug,
            severity: self.severity,
            location: self.location,
            message: self.message,
            labels: self.labels,
            trace: self.trace,
            help: self.help,
            context: self.context,
            snippet: self.snippet,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Extensions;

    fn cache(root: &Path) -> Cache {
        Cache::new(root, &TaintConfig::new(&Extensions::default()))
    }

    #[test]
    fn key_depends_on_text_module_and_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let base = cache(dir.path());
        let key = base.key("x = 1\n", "pkg.mod", false);
        assert_eq!(key, base.key("x = 1\n", "pkg.mod", false));
        assert_ne!(key, base.key("x = 2\n", "pkg.mod", false));
        assert_ne!(key, base.key("x = 1\n", "pkg.other", false));
        assert_ne!(key, base.key("x = 1\n", "pkg.mod", true));
        // No ambiguity between the module name and the text.
        assert_ne!(base.key("b", "pkg.a", false), base.key("ab", "pkg.", false));

        let mut extensions = Extensions::default();
        extensions
            .command_injection
            .sinks
            .push(toml::from_str("call = \"mylib.run\"").unwrap());
        let configured = Cache::new(dir.path(), &TaintConfig::new(&extensions));
        assert_ne!(key, configured.key("x = 1\n", "pkg.mod", false));
        // Same binary: same directory.
        assert_eq!(base.dir(), configured.dir());
    }

    #[test]
    fn configuration_hash_is_stable() {
        let a = config_hash(&TaintConfig::new(&Extensions::default()));
        let b = config_hash(&TaintConfig::new(&Extensions::default()));
        assert_eq!(a, b);
    }

    #[test]
    fn header_rejects_other_keys_and_corruption() {
        let payload = b"payload";
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&7u128.to_le_bytes());
        bytes.extend_from_slice(&xxh3_64(payload).to_le_bytes());
        bytes.extend_from_slice(payload);
        assert_eq!(check_header(&bytes, Key(7)), Some(&payload[..]));
        assert_eq!(check_header(&bytes, Key(8)), None);
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(check_header(&flipped, Key(7)), None);
        assert_eq!(check_header(&bytes[..10], Key(7)), None);
    }

    #[test]
    fn variants_round_trip_and_truncation_is_detected() {
        let variants: Vec<(&[u8], &[u8])> = vec![(b"q1", b"facts one"), (b"", b"f2")];
        let bytes = encode_variants(Key(3), &variants);
        let raw = decode_entry(&bytes, Key(3)).unwrap();
        assert_eq!(split_variants(&raw).unwrap(), variants);
        assert!(decode_entry(&bytes, Key(4)).is_none());
        assert!(split_variants(&raw[..raw.len() - 1]).is_none());
        assert!(split_variants(&[]).is_none());
        assert!(split_variants(&[255, 255, 255, 255, 0]).is_none());
    }

    #[test]
    fn paths_of_the_current_file_are_not_stored() {
        let own: Arc<str> = Arc::from("pkg/mod.py");
        let location = crate::finding::Location {
            path: own.clone(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
            start_byte: 0,
            end_byte: 1,
        };
        let bytes = with_current_path(&own, || postcard::to_stdvec(&location)).unwrap();
        assert!(!bytes.windows(3).any(|w| w == b"pkg"));
        let moved: Arc<str> = Arc::from("elsewhere/pkg/mod.py");
        let loaded: crate::finding::Location =
            with_current_path(&moved, || postcard::from_bytes(&bytes)).unwrap();
        assert_eq!(&*loaded.path, "elsewhere/pkg/mod.py");
        // Without a current file there is nothing to restore.
        assert!(postcard::from_bytes::<crate::finding::Location>(&bytes).is_err());
    }

    #[test]
    fn findings_load_as_they_were_stored() {
        // `FindingOwned` mirrors `Finding` field by field.
        let path: Arc<str> = Arc::from("a.py");
        let location = crate::finding::Location {
            path: path.clone(),
            line: 4,
            column: 5,
            end_line: 5,
            end_column: 9,
            start_byte: 30,
            end_byte: 60,
        };
        let finding = Finding {
            code: "MG003",
            rule: "broad-except",
            severity: Severity::Warning,
            location: location.clone(),
            message: "message".to_string(),
            labels: vec![Label {
                location: location.clone(),
                message: "label".to_string(),
            }],
            trace: vec![TraceStep {
                location,
                message: "step".to_string(),
            }],
            help: Some("help".to_string()),
            context: "f".to_string(),
            snippet: "except Exception:".to_string(),
        };
        let bytes = with_current_path(&path, || postcard::to_stdvec(&finding)).unwrap();
        let loaded: FindingOwned =
            with_current_path(&path, || postcard::from_bytes(&bytes)).unwrap();
        assert_eq!(loaded.into_finding(), Some(finding));
    }

    #[test]
    fn recording_collects_distinct_questions() {
        let mut project = ProjectModules::default();
        project.insert("pkg.mod");
        let ((), queries) = recording(|| {
            assert!(project.may_contain("pkg.mod.f"));
            assert!(!project.may_contain("os.path.join"));
            assert!(project.may_contain("pkg.mod.f"));
        });
        assert_eq!(
            queries,
            vec![
                ("os.path.join".to_string(), false),
                ("pkg.mod.f".to_string(), true)
            ]
        );
        // Outside `recording` nothing is kept.
        project.may_contain("x.y");
        assert!(QUERIES.with(|cell| cell.borrow().is_none()));
    }

    #[test]
    fn prune_deletes_old_entries_and_extra_binaries() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let current = root.join("0.1.0-00000000000000aa");
        let shard = current.join("ab");
        fs::create_dir_all(&shard).unwrap();
        fs::write(shard.join("fresh"), "").unwrap();
        fs::write(shard.join("old"), "").unwrap();
        let long_ago = SystemTime::now() - Duration::from_secs((MAX_AGE_DAYS + 1) * DAY.as_secs());
        fs::File::options()
            .append(true)
            .open(shard.join("old"))
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        let mut others = Vec::new();
        for index in 0..5u64 {
            let other = root.join(format!("0.0.{index}-{index:016x}"));
            fs::create_dir_all(&other).unwrap();
            let used = SystemTime::now() - Duration::from_secs(60 * (index + 1));
            fs::File::create(other.join("last-used"))
                .unwrap()
                .set_modified(used)
                .unwrap();
            others.push(other);
        }
        fs::create_dir_all(root.join("not-ours")).unwrap();
        // Named like ours, but no run of ours finished in it.
        fs::create_dir_all(root.join("build-0123456789abcdef")).unwrap();

        prune(root, &current, SystemTime::now());
        assert!(shard.join("fresh").exists());
        assert!(!shard.join("old").exists());
        // The current one and the three most recently used others remain.
        let kept: Vec<bool> = others.iter().map(|p| p.exists()).collect();
        assert_eq!(kept, vec![true, true, true, false, false]);
        assert!(root.join("not-ours").exists());
        assert!(root.join("build-0123456789abcdef").exists());
    }
}

//! Source text and tree-sitter parsing: one parser per rayon thread, and
//! the byte ↔ line/column map every later stage uses to make `Location`s.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::OnceLock;

use tree_sitter::{Parser, Tree};

use crate::syntax::Node;

use crate::finding::Location;

/// One decoded source file and its line index.
pub struct SourceFile {
    /// Path as shown to the user.
    pub path: Arc<str>,
    pub text: Arc<str>,
    /// Byte offset of the start of each line.
    line_starts: Vec<u32>,
    /// Characters before each `CHAR_BLOCK`-byte block of a non-ASCII text
    /// (empty for ASCII): a column then costs at most one block's count,
    /// not a scan from the start of a line that may be megabytes long.
    char_blocks: Vec<u32>,
    /// The file the text was read from, when it can be read again.
    origin: Option<PathBuf>,
}

const CHAR_BLOCK: usize = 256;

/// Characters starting in `bytes` (UTF-8 continuation bytes do not count).
fn char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// A byte range of the file some facts belong to: the facts keep spans,
/// and a `Location` (line, column, path) is made only for what is shown.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// Byte offset of the start of each line.
fn line_starts_of(bytes: &[u8]) -> Vec<u32> {
    let mut line_starts = vec![0u32];
    for (index, &byte) in bytes.iter().enumerate() {
        // `\r\n`, `\n` and a lone `\r` all end a line, as in Python.
        let ends_line = byte == b'\n' || (byte == b'\r' && bytes.get(index + 1) != Some(&b'\n'));
        if ends_line {
            line_starts.push(index as u32 + 1);
        }
    }
    line_starts
}

/// The location of a byte range, given the 1-based line and column of a
/// byte offset.
fn location_of(
    path: &Arc<str>,
    start_byte: u32,
    end_byte: u32,
    line_column: impl Fn(u32) -> (u32, u32),
) -> Location {
    let (line, column) = line_column(start_byte);
    let (end_line, end_column) = line_column(end_byte);
    Location {
        path: path.clone(),
        line,
        column,
        end_line,
        end_column,
        start_byte,
        end_byte,
    }
}

/// 0-based line of a byte offset.
fn line_of(line_starts: &[u32], byte: usize) -> usize {
    line_starts.partition_point(|&start| start as usize <= byte) - 1
}

impl SourceFile {
    pub fn new(path: Arc<str>, text: Arc<str>) -> SourceFile {
        let bytes = text.as_bytes();
        let line_starts = line_starts_of(bytes);
        let mut char_blocks = Vec::new();
        if !bytes.is_ascii() {
            let mut before = 0u32;
            char_blocks.push(0);
            for block in bytes.chunks(CHAR_BLOCK) {
                before += char_starts(block) as u32;
                char_blocks.push(before);
            }
        }
        SourceFile {
            path,
            text,
            line_starts,
            char_blocks,
            origin: None,
        }
    }

    /// Notes that the text is the content of `fs_path` (as `text_as_analysed`
    /// makes it), so that `store` need not keep it.
    pub fn read_from(mut self, fs_path: &Path) -> SourceFile {
        self.origin = Some(fs_path.to_path_buf());
        self
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_column(&self, byte: usize) -> (u32, u32) {
        let byte = byte.min(self.text.len());
        let line_index = line_of(&self.line_starts, byte);
        let line_start = self.line_starts[line_index] as usize;
        // Counting the line's characters is cheaper than two block lookups
        // unless the line is very long.
        let column = if self.char_blocks.is_empty() {
            byte - line_start
        } else if byte - line_start <= 2 * CHAR_BLOCK {
            char_starts(&self.text.as_bytes()[line_start..byte])
        } else {
            self.chars_before(byte) - self.chars_before(line_start)
        };
        (line_index as u32 + 1, column as u32 + 1)
    }

    /// Characters before a byte offset (at most `text.len()`).
    fn chars_before(&self, byte: usize) -> usize {
        if self.char_blocks.is_empty() {
            return byte;
        }
        let block = byte / CHAR_BLOCK;
        let start = block * CHAR_BLOCK;
        self.char_blocks[block] as usize + char_starts(&self.text.as_bytes()[start..byte])
    }

    pub fn location(&self, start_byte: usize, end_byte: usize) -> Location {
        location_of(&self.path, start_byte as u32, end_byte as u32, |byte| {
            self.line_column(byte as usize)
        })
    }

    pub fn node_location(&self, node: Node) -> Location {
        self.location(node.start_byte(), node.end_byte())
    }

    pub fn node_span(&self, node: Node) -> Span {
        Span {
            start: node.start_byte() as u32,
            end: node.end_byte() as u32,
        }
    }

    pub fn node_text(&self, node: Node) -> &str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// 1-based line numbers of the file.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of one 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        if line == 0 || line > self.line_starts.len() {
            return "";
        }
        let start = self.line_starts[line - 1] as usize;
        let end = self
            .line_starts
            .get(line)
            .map(|&next| next as usize)
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// A file's text kept once its facts are extracted, until the findings
/// are rendered. Only the files with findings are ever shown again, and
/// the texts of a large tree would otherwise be a good part of the run's
/// memory: an ASCII file read from disk is read again when shown; any
/// other text is kept LZ4-compressed.
pub struct StoredSource {
    /// Path as shown to the user.
    pub path: Arc<str>,
    /// For an ASCII text, where its lines start: all a location needs (a
    /// column is a byte difference).
    ascii_lines: Option<Box<[u32]>>,
    /// Length of the text in bytes.
    len: u32,
    text: KeptText,
    /// For a non-ASCII text, its line index (columns count characters),
    /// made when a location in it is first needed.
    lines: OnceLock<SourceFile>,
    /// Why the text shown is not the one analysed, once found out.
    changed: OnceLock<String>,
}

enum KeptText {
    /// An ASCII text, read again from `fs_path` when shown; `digest` (of
    /// the text as analysed) tells whether the file changed in between.
    OnDisk { fs_path: PathBuf, digest: u64 },
    /// Any other text: non-ASCII, or not read from a file.
    Compressed(Box<[u8]>),
}

impl StoredSource {
    /// The location of a span of this file.
    pub fn location(&self, span: Span) -> Location {
        match &self.ascii_lines {
            Some(line_starts) => location_of(&self.path, span.start, span.end, |byte| {
                let byte = byte.min(self.len);
                let line = line_of(line_starts, byte as usize);
                (line as u32 + 1, byte - line_starts[line] + 1)
            }),
            None => self
                .lines
                .get_or_init(|| self.open())
                .location(span.start as usize, span.end as usize),
        }
    }

    /// The text as analysed. A file read again that changed or cannot be
    /// read any more gives blank lines of the same lengths instead (every
    /// location stays right), and `changed` says why.
    pub fn text(&self) -> Arc<str> {
        match &self.text {
            KeptText::Compressed(compressed) => {
                let bytes = lz4_flex::decompress_size_prepended(compressed).unwrap_or_default();
                match String::from_utf8(bytes) {
                    Ok(text) => Arc::from(text),
                    Err(error) => Arc::from(String::from_utf8_lossy(error.as_bytes()).into_owned()),
                }
            }
            KeptText::OnDisk { fs_path, digest } => match read_again(fs_path, *digest, self.len) {
                Ok(text) => Arc::from(text),
                Err(reason) => {
                    let _ = self.changed.set(reason);
                    Arc::from(blank_lines(
                        self.ascii_lines.as_deref().unwrap_or(&[0]),
                        self.len,
                    ))
                }
            },
        }
    }

    /// Why the text shown is not the one analysed, if `text` found that.
    pub fn changed(&self) -> Option<&str> {
        self.changed.get().map(String::as_str)
    }

    /// The text again, with its line index.
    pub fn open(&self) -> SourceFile {
        SourceFile::new(self.path.clone(), self.text())
    }
}

/// The content of `fs_path` as analysed, if it is still what was analysed.
fn read_again(fs_path: &Path, digest: u64, len: u32) -> Result<String, String> {
    let bytes = crate::analysis::read_source(fs_path)
        .map_err(|error| format!("cannot be read again to show its findings ({error})"))?;
    let changed = || "changed while it was analysed; its source is not shown".to_string();
    let (text, _) = text_as_analysed(bytes).map_err(|_| changed())?;
    if text.len() != len as usize || xxhash_rust::xxh3::xxh3_64(text.as_bytes()) != digest {
        return Err(changed());
    }
    Ok(text)
}

/// A text of `len` bytes with the given line starts and nothing else.
fn blank_lines(line_starts: &[u32], len: u32) -> String {
    let mut blank = vec![b' '; len as usize];
    for &start in &line_starts[1..] {
        if let Some(end) = blank.get_mut(start as usize - 1) {
            *end = b'\n';
        }
    }
    String::from_utf8(blank).unwrap_or_default()
}

/// A file's bytes as analysed, with notes about them; why they cannot be
/// analysed otherwise. Decoded by `decode`; tree-sitter ends its input at
/// a NUL byte, which would silently drop the rest of the file. CPython
/// refuses such files; each NUL is read as a space (same length, so every
/// offset stays right), and a note says so. A file read again to be shown
/// goes through the same steps, so its digest compares.
pub fn text_as_analysed(bytes: Vec<u8>) -> Result<(String, Vec<&'static str>), String> {
    let text = decode(bytes)?;
    Ok(if text.contains('\0') {
        let note = "contains NUL bytes, which Python rejects; analysed with them read as spaces";
        (text.replace('\0', " "), vec![note])
    } else {
        (text, Vec::new())
    })
}

impl SourceFile {
    /// Keeps the path and what showing the text again needs: its line
    /// starts if it is ASCII, and the file it was read from (ASCII only) or
    /// the compressed text.
    pub fn store(self) -> StoredSource {
        let len = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        let ascii = self.char_blocks.is_empty();
        let text = match self.origin {
            Some(fs_path) if ascii => KeptText::OnDisk {
                fs_path,
                digest: xxhash_rust::xxh3::xxh3_64(self.text.as_bytes()),
            },
            _ => KeptText::Compressed(
                lz4_flex::compress_prepend_size(self.text.as_bytes()).into_boxed_slice(),
            ),
        };
        StoredSource {
            ascii_lines: ascii.then(|| self.line_starts.into_boxed_slice()),
            len,
            text,
            path: self.path,
            lines: OnceLock::new(),
            changed: OnceLock::new(),
        }
    }

    /// Keeps only the path (a `--parse-only` run shows no source).
    pub fn store_path_only(self) -> StoredSource {
        SourceFile::new(self.path, Arc::from("")).store()
    }
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses Python source with this thread's parser. `None` only when
/// tree-sitter gives up (it recovers from syntax errors itself).
pub fn parse_python(text: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .expect("tree-sitter-python is compatible with tree-sitter");
            parser
        });
        let tree = parser.parse(text, None);
        if tree.is_none() {
            parser.reset();
        }
        tree
    })
}

/// Decodes file bytes: UTF-8 with an optional BOM (stripped, so spans stay
/// aligned with what the user sees after the BOM), or the encoding a PEP 263
/// declaration names (`# -*- coding: latin-1 -*-`), as Python does.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).or_else(|error| {
        let at = error.utf8_error().valid_up_to();
        let bytes = error.into_bytes();
        let Some(label) = declared_encoding(&bytes) else {
            return Err(format!(
                "not valid UTF-8 (invalid byte sequence at offset {at})"
            ));
        };
        let encoding = encoding_for_python_name(&label)
            .filter(|encoding| *encoding != encoding_rs::UTF_8)
            .ok_or_else(|| {
                format!(
                    "not valid UTF-8 (invalid byte sequence at offset {at}), and its declared encoding `{label}` is not one mountguard can decode"
                )
            })?;
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes);
        if had_errors {
            return Err(format!("not valid in its declared encoding `{label}`"));
        }
        Ok(text.into_owned())
    })
}

/// The encoding a PEP 263 declaration names: a comment on line 1 or 2
/// matching `coding[:=]\s*([-\w.]+)`.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|&b| b == b'\n').take(2) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(start) = line
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))
        else {
            continue;
        };
        if line[start] != b'#' {
            continue;
        }
        let comment = &line[start..];
        let Some(at) = comment.windows(6).position(|w| w == b"coding") else {
            continue;
        };
        let rest = &comment[at + 6..];
        if !matches!(rest.first(), Some(b':' | b'=')) {
            continue;
        }
        let name: Vec<u8> = rest[1..]
            .iter()
            .skip_while(|b| matches!(b, b' ' | b'\t'))
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            .copied()
            .collect();
        if !name.is_empty() {
            return String::from_utf8(name).ok();
        }
    }
    None
}

/// Python's codec names (`latin-1`, `iso_8859_15`, `cp1252`, `utf8`) as
/// WHATWG labels, which spell some of them differently.
fn encoding_for_python_name(name: &str) -> Option<&'static encoding_rs::Encoding> {
    let name = name.to_ascii_lowercase().replace('_', "-");
    let candidates = [
        name.clone(),
        name.replace('-', ""),
        match name.as_str() {
            "latin-1" | "l1" | "iso-latin-1" => "iso-8859-1".to_string(),
            "utf8" | "utf-8-sig" => "utf-8".to_string(),
            other => other
                .strip_prefix("cp")
                .map_or(String::new(), |n| format!("windows-{n}")),
        },
    ];
    candidates
        .iter()
        .find_map(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_columns_count_characters_and_all_line_endings() {
        let file = SourceFile::new("t.py".into(), "a\r\nbé = 1\rc\n".into());
        assert_eq!(file.line_column(0), (1, 1));
        assert_eq!(file.line_column(3), (2, 1));
        // `é` is two bytes but one column.
        assert_eq!(file.line_column(6), (2, 3));
        assert_eq!(file.line_column(11), (3, 1));
        assert_eq!(file.line_text(2), "bé = 1");
    }

    #[test]
    fn columns_on_long_non_ascii_lines() {
        let line = format!("{}x", "é".repeat(1000));
        let file = SourceFile::new("t.py".into(), format!("a\n{line}\n").into());
        let x = 2 + 2000;
        assert_eq!(&file.text[x..x + 1], "x");
        assert_eq!(file.line_column(x), (2, 1001));
        assert_eq!(file.line_column(file.text.len()), (3, 1));
    }

    /// `text` written to `m.py` in a new directory and stored as read from
    /// there (the directory lives as long as the guard).
    fn stored_on_disk(text: &str) -> (tempfile::TempDir, PathBuf, StoredSource) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.py");
        std::fs::write(&path, text).unwrap();
        let stored = SourceFile::new("m.py".into(), text.into())
            .read_from(&path)
            .store();
        (dir, path, stored)
    }

    #[test]
    fn a_stored_file_is_read_again_and_checked() {
        let text = "import os\r\nos.system(x)\n";
        let (_dir, path, stored) = stored_on_disk(text);
        let span = Span { start: 11, end: 23 };
        let location = stored.location(span);
        assert_eq!((location.line, location.column), (2, 1));
        assert_eq!(&*stored.text(), text);
        assert_eq!(stored.changed(), None);
        // Changed on disk: blank lines of the same lengths, and why.
        std::fs::write(&path, "import os\r\nos.system(y)\n").unwrap();
        assert_eq!(
            &*stored.text(),
            "         \r\n            \n".replace('\r', " ")
        );
        assert!(
            stored.changed().unwrap().contains("changed"),
            "{:?}",
            stored.changed()
        );
        assert_eq!(stored.location(span), location);
        // Gone: the same.
        std::fs::remove_file(&path).unwrap();
        assert_eq!(stored.text().len(), text.len());
    }

    #[test]
    fn a_non_ascii_or_in_memory_text_is_kept() {
        let text = "s = 'é'\nos.system(s)\n";
        let (_dir, path, stored) = stored_on_disk(text);
        let in_memory = SourceFile::new("n.py".into(), "x = 1\n".into()).store();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(&*stored.text(), text);
        let location = stored.location(Span { start: 9, end: 11 });
        assert_eq!((location.line, location.column), (2, 1));
        assert_eq!(&*in_memory.text(), "x = 1\n");
        assert_eq!(stored.changed(), None);
    }

    #[test]
    fn decode_strips_bom_and_rejects_invalid_utf8() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1".to_vec()).unwrap(), "x = 1");
        assert!(decode(vec![b'x', 0xff]).unwrap_err().contains("offset 1"));
    }

    #[test]
    fn decode_follows_a_coding_declaration() {
        let latin = b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n".to_vec();
        assert_eq!(
            decode(latin).unwrap(),
            "# -*- coding: latin-1 -*-\nname = '\u{e9}t\u{e9}'\n"
        );
        let second_line = b"#!/usr/bin/python\n# vim: set fileencoding=iso-8859-15 :\nx = '\xa4'\n";
        assert!(decode(second_line.to_vec()).unwrap().contains('\u{20ac}'));
        let third_line = b"\n\n# coding: latin-1\nx = '\xe9'\n";
        assert!(
            decode(third_line.to_vec())
                .unwrap_err()
                .contains("not valid UTF-8")
        );
        let unknown = b"# coding: klingon\nx = '\xe9'\n";
        assert!(decode(unknown.to_vec()).unwrap_err().contains("`klingon`"));
    }
}

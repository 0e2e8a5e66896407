//! Source text and tree-sitter parsing: one parser per rayon thread, and
//! the byte ↔ line/column map every later stage uses to make `Location`s.

use std::cell::RefCell;
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
        }
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
/// are rendered: LZ4-compressed, since only the files with findings are
/// ever shown again and the texts of a large tree would otherwise be a
/// good part of the run's memory.
pub struct StoredSource {
    /// Path as shown to the user.
    pub path: Arc<str>,
    compressed: Box<[u8]>,
    /// Made when a trace first shows a place in the file.
    lines: OnceLock<LineIndex>,
}

/// What locations in a stored text are computed from: for an ASCII text,
/// where its lines start (a column is then a byte difference); otherwise
/// the text itself, since columns count characters.
enum LineIndex {
    Ascii(Box<[u32]>),
    Text(SourceFile),
}

impl StoredSource {
    pub fn new(path: Arc<str>, text: &str) -> StoredSource {
        StoredSource {
            compressed: lz4_flex::compress_prepend_size(text.as_bytes()).into_boxed_slice(),
            path,
            lines: OnceLock::new(),
        }
    }

    /// The location of a span of this file.
    pub fn location(&self, span: Span) -> Location {
        let lines = self.lines.get_or_init(|| {
            let text = self.text();
            if text.is_ascii() {
                LineIndex::Ascii(line_starts_of(text.as_bytes()).into_boxed_slice())
            } else {
                LineIndex::Text(SourceFile::new(self.path.clone(), text))
            }
        });
        match lines {
            LineIndex::Ascii(line_starts) => {
                location_of(&self.path, span.start, span.end, |byte| {
                    let line = line_of(line_starts, byte as usize);
                    (line as u32 + 1, byte - line_starts[line] + 1)
                })
            }
            LineIndex::Text(source) => source.location(span.start as usize, span.end as usize),
        }
    }

    pub fn text(&self) -> Arc<str> {
        let bytes = lz4_flex::decompress_size_prepended(&self.compressed).unwrap_or_default();
        match String::from_utf8(bytes) {
            Ok(text) => Arc::from(text),
            Err(error) => Arc::from(String::from_utf8_lossy(error.as_bytes()).into_owned()),
        }
    }

    /// The text again, with its line index.
    pub fn open(&self) -> SourceFile {
        SourceFile::new(self.path.clone(), self.text())
    }
}

impl SourceFile {
    /// Keeps the path and (compressed) text, dropping the line index.
    pub fn store(self) -> StoredSource {
        StoredSource::new(self.path, &self.text)
    }

    /// Keeps only the path (a `--parse-only` run shows no source).
    pub fn store_path_only(self) -> StoredSource {
        StoredSource::new(self.path, "")
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
/// aligned with what the user sees after the BOM).
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        format!("not valid UTF-8 (invalid byte sequence at offset {at})")
    })
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

    #[test]
    fn decode_strips_bom_and_rejects_invalid_utf8() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1".to_vec()).unwrap(), "x = 1");
        assert!(decode(vec![b'x', 0xff]).unwrap_err().contains("offset 1"));
    }
}

//! Source text and tree-sitter parsing: one parser per rayon thread, and
//! the byte ↔ line/column map every later stage uses to make `Location`s.

use std::cell::RefCell;
use std::sync::Arc;

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
}

impl SourceFile {
    pub fn new(path: Arc<str>, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0u32];
        let bytes = text.as_bytes();
        for (index, &byte) in bytes.iter().enumerate() {
            // `\r\n`, `\n` and a lone `\r` all end a line, as in Python.
            let ends_line =
                byte == b'\n' || (byte == b'\r' && bytes.get(index + 1) != Some(&b'\n'));
            if ends_line {
                line_starts.push(index as u32 + 1);
            }
        }
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_column(&self, byte: usize) -> (u32, u32) {
        let byte = byte.min(self.text.len());
        let line_index = self
            .line_starts
            .partition_point(|&start| start as usize <= byte)
            - 1;
        let line_start = self.line_starts[line_index] as usize;
        let prefix = self.text.get(line_start..byte).unwrap_or("");
        (line_index as u32 + 1, prefix.chars().count() as u32 + 1)
    }

    pub fn location(&self, start_byte: usize, end_byte: usize) -> Location {
        let (line, column) = self.line_column(start_byte);
        let (end_line, end_column) = self.line_column(end_byte);
        Location {
            path: self.path.clone(),
            line,
            column,
            end_line,
            end_column,
            start_byte: start_byte as u32,
            end_byte: end_byte as u32,
        }
    }

    pub fn node_location(&self, node: Node) -> Location {
        self.location(node.start_byte(), node.end_byte())
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
    fn decode_strips_bom_and_rejects_invalid_utf8() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1".to_vec()).unwrap(), "x = 1");
        assert!(decode(vec![b'x', 0xff]).unwrap_err().contains("offset 1"));
    }
}

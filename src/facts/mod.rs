//! Per-file facts extracted from one syntax tree.

use std::path::Path;

use tree_sitter::Tree;

use crate::analysis::{NoqaComment, Settings};
use crate::parse::SourceFile;

pub struct FileFacts {
    pub source: SourceFile,
    pub partial_parse: bool,
    pub noqa_comments: Vec<NoqaComment>,
}

pub fn extract(source: SourceFile, tree: &Tree, _path: &Path, _settings: &Settings) -> FileFacts {
    FileFacts {
        partial_parse: tree.root_node().has_error(),
        source,
        noqa_comments: Vec::new(),
    }
}

//! MG003 broad-except.

use crate::syntax::Node;

use crate::finding::Finding;
use crate::parse::SourceFile;

pub fn check(_source: &SourceFile, _root: Node) -> Vec<Finding> {
    Vec::new()
}

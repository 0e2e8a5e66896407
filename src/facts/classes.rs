//! The class model of one file (for wrong-object-attribute).

use crate::syntax::Node;

use super::imports::ImportMap;
use crate::parse::SourceFile;

#[derive(Debug, Clone)]
pub struct ClassFacts {
    pub qualname: String,
}

pub fn extract(
    _source: &SourceFile,
    _root: Node,
    _imports: &ImportMap,
    _module: &str,
) -> Vec<ClassFacts> {
    Vec::new()
}

//! The class model of one file (for wrong-object-attribute).

use tree_sitter::Node;

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

/// Visits every node in document order, like `walk_tree`, with the names
/// of the enclosing classes and functions (`["MountManager", "umount"]`).
/// Iterative: the scope stack is popped when the cursor leaves a definition.
pub fn walk_scoped<'tree>(
    source: &SourceFile,
    root: Node<'tree>,
    mut visit: impl FnMut(Node<'tree>, &[String]),
) {
    let mut scope: Vec<String> = Vec::new();
    // Ids of the definitions that pushed onto `scope`, innermost last.
    let mut pushed: Vec<usize> = Vec::new();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        visit(node, &scope);
        if cursor.goto_first_child() {
            if matches!(node.kind(), "function_definition" | "class_definition") {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| source.node_text(n).to_string())
                    .unwrap_or_default();
                pushed.push(node.id());
                scope.push(name);
            }
            continue;
        }
        loop {
            if cursor.node() == root {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            if pushed.last() == Some(&cursor.node().id()) {
                pushed.pop();
                scope.pop();
            }
        }
    }
}

//! Per-file facts extracted from one syntax tree: imports, classes, `noqa`
//! comments, unparseable regions, the taint summary of every function, and
//! the findings of rules that need nothing but this file. The tree is
//! dropped once they are extracted.

pub mod classes;
pub mod imports;

use std::path::Path;

use crate::syntax::{Node, SyntaxTree};

use crate::analysis::{NoqaComment, Settings};
use crate::finding::Finding;
use crate::parse::{SourceFile, StoredSource};
use crate::taint::summary::FileTaint;
use crate::timings::{self, Phase};
use imports::ImportMap;

pub struct FileFacts {
    pub source: StoredSource,
    /// Dotted module name (`nova.virt.libvirt.volume.mount`).
    pub module: String,
    /// Whether the file is a package's `__init__.py`.
    pub is_package: bool,
    /// Whether tree-sitter had to recover from syntax errors.
    pub partial_parse: bool,
    /// Byte ranges of `ERROR`/missing nodes: no finding may start inside one.
    pub error_ranges: Vec<(u32, u32)>,
    pub imports: ImportMap,
    pub noqa_comments: Vec<NoqaComment>,
    pub classes: classes::FileClasses,
    pub taint: FileTaint,
    /// Findings of rules that need only this file (broad-except).
    pub local_findings: Vec<Finding>,
}

impl FileFacts {
    /// Whether a byte offset lies inside a region the parser could not parse.
    pub fn in_error_region(&self, start: u32, end: u32) -> bool {
        self.error_ranges.iter().any(|&(error_start, error_end)| {
            start < error_end.max(error_start + 1) && error_start < end.max(start + 1)
        })
    }
}

pub fn extract(
    source: SourceFile,
    tree: &SyntaxTree,
    fs_path: &Path,
    settings: &Settings,
    project: &crate::taint::ProjectModules,
) -> FileFacts {
    let (module, is_package) = module_name(fs_path);
    let root = tree.root();
    let mut imports = ImportMap::default();
    let mut noqa_comments = Vec::new();
    let mut error_ranges = Vec::new();
    // Private functions used as values (callbacks) anywhere in the file.
    // Tests pass private methods to `assertRaises` and friends; that does
    // not make them callbacks of the code under analysis.
    let mut escaping_names = std::collections::BTreeSet::new();
    let mut escaping_methods = std::collections::BTreeSet::new();
    let collect_escaping = !settings.parse_only && !crate::taint::local::is_test_file(&source.path);
    timings::time(Phase::Facts, || {
        walk_tree(root, |node| {
            match node.kind() {
                "import_statement" | "import_from_statement" => {
                    imports.add_statement(&source, node, &module, is_package)
                }
                "identifier" if collect_escaping => {
                    let name = source.node_text(node);
                    if name.starts_with('_')
                        && crate::taint::local::is_private_name(name)
                        && crate::taint::local::is_used_as_value(node)
                    {
                        match self_method_class(&source, node, &module) {
                            Some(class) => escaping_methods.insert((class, name.to_string())),
                            None => escaping_names.insert(name.to_string()),
                        };
                    }
                }
                "comment" => {
                    let text = source.node_text(node);
                    if text.to_ascii_lowercase().contains("noqa") {
                        noqa_comments.push(NoqaComment {
                            path: source.path.clone(),
                            line: source.line_column(node.start_byte()).0,
                            text: text.to_string(),
                        });
                    }
                }
                _ => {}
            }
            if node.is_error() || node.is_missing() {
                error_ranges.push((node.start_byte() as u32, node.end_byte() as u32));
            }
        });
    });
    if settings.parse_only {
        return FileFacts {
            partial_parse: root.has_error(),
            error_ranges,
            imports,
            noqa_comments,
            classes: Default::default(),
            taint: FileTaint::default(),
            local_findings: Vec::new(),
            module,
            is_package,
            source: source.store_path_only(),
        };
    }
    let classes = timings::time(Phase::Classes, || {
        classes::extract(&source, root, &imports, &module)
    });
    let mut taint = timings::time(Phase::Taint, || {
        crate::taint::summarize(&source, root, &imports, &module, &settings.taint, project)
    });
    taint.escaping_names = escaping_names.into_iter().collect();
    taint.escaping_methods = escaping_methods.into_iter().collect();
    let local_findings = timings::time(Phase::BroadExcept, || {
        crate::rules::broad_except::check(&source, root)
    });
    FileFacts {
        partial_parse: root.has_error(),
        error_ranges,
        imports,
        noqa_comments,
        classes,
        taint,
        local_findings,
        module,
        is_package,
        source: source.store(),
    }
}

/// Visits every node of a subtree in document order: a loop over the
/// flat tree, so arbitrarily deep trees cannot overflow the stack.
pub fn walk_tree<'tree>(root: Node<'tree>, mut visit: impl FnMut(Node<'tree>)) {
    for index in root.id()..root.subtree_end() {
        visit(root.node_at(index));
    }
}

/// Visits the nodes of a subtree in document order, skipping the subtrees
/// for which `enter` returns false.
pub fn walk_tree_pruned<'tree>(root: Node<'tree>, mut enter: impl FnMut(Node<'tree>) -> bool) {
    let mut index = root.id();
    let end = root.subtree_end();
    while index < end {
        let node = root.node_at(index);
        index = if enter(node) {
            index + 1
        } else {
            node.subtree_end()
        };
    }
}

/// For the name of `self._name` inside a method, the module-qualified name
/// of the method's class.
fn self_method_class(source: &SourceFile, name: Node, module: &str) -> Option<String> {
    let attribute = name.parent().filter(|p| p.kind() == "attribute")?;
    let object = attribute.child_by_field_name("object")?;
    if !matches!(source.node_text(object), "self" | "cls") {
        return None;
    }
    let mut scope = attribute.parent();
    while let Some(node) = scope {
        if node.kind() == "class_definition" {
            let qualname = crate::taint::local::qualname_of(source, node);
            return Some(crate::names::qualify(module, &qualname));
        }
        scope = node.parent();
    }
    None
}

/// The dotted module name of a file: its stem, prefixed by every enclosing
/// directory that is a package (has an `__init__.py`).
pub fn module_name(fs_path: &Path) -> (String, bool) {
    let stem = fs_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_package = stem == "__init__";
    let mut parts: Vec<String> = if is_package { Vec::new() } else { vec![stem] };
    let mut dir = fs_path.parent();
    while let Some(current) = dir {
        if current.as_os_str().is_empty() || !current.join("__init__.py").is_file() {
            break;
        }
        match current.file_name() {
            Some(name) => parts.push(name.to_string_lossy().into_owned()),
            None => break,
        }
        dir = current.parent();
    }
    parts.reverse();
    (parts.join("."), is_package)
}

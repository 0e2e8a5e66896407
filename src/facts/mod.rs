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

/// The nodes the analyses of a file start from, in document order: the
/// one walk over every node of the file finds them.
#[derive(Default)]
pub struct Outline<'t, 's> {
    pub definitions: Vec<Node<'t>>,
    /// Each class with its qualified name in the file (`Outer.Inner`,
    /// `factory.Local`).
    pub classes: Vec<(Node<'t>, String)>,
    pub assignments: Vec<Node<'t>>,
    /// Each `except` clause with the names of the enclosing classes and
    /// functions (`["MountManager", "umount"]`).
    pub except_clauses: Vec<(Node<'t>, Vec<&'s str>)>,
    /// The names of the definitions enclosing the node visited last, and
    /// where their subtrees end.
    scope: Vec<&'s str>,
    scope_ends: Vec<usize>,
}

impl<'t, 's> Outline<'t, 's> {
    /// The outline of a whole file (`extract` makes it in its own walk).
    pub fn of(source: &'s SourceFile, root: Node<'t>) -> Outline<'t, 's> {
        let mut outline = Outline::default();
        let kinds = walked_kinds();
        walk_tree(root, |node| {
            outline.visit(source, node, walked(kinds, node))
        });
        outline
    }

    /// Takes in the next node of a walk in document order.
    #[inline]
    fn visit(&mut self, source: &'s SourceFile, node: Node<'t>, kind: Walked) {
        match kind {
            Walked::Function | Walked::Class => {
                self.leave_scopes_before(node);
                let name = node
                    .child_by_field_name("name")
                    .map_or("", |name| source.node_text(name));
                self.scope.push(name);
                self.scope_ends.push(node.subtree_end());
                if kind == Walked::Function {
                    self.definitions.push(node);
                } else {
                    self.classes.push((node, self.scope.join(".")));
                }
            }
            Walked::Assignment => self.assignments.push(node),
            Walked::Except => {
                self.leave_scopes_before(node);
                self.except_clauses.push((node, self.scope.clone()));
            }
            _ => {}
        }
    }

    /// Closes the definitions whose subtrees end before `node` (only
    /// where the scope is used: the walk skips nothing in between).
    fn leave_scopes_before(&mut self, node: Node) {
        while self.scope_ends.last().is_some_and(|&end| node.id() >= end) {
            self.scope_ends.pop();
            self.scope.pop();
        }
    }
}

/// What the walk of `extract` looks for, by kind id.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walked {
    Other,
    Import,
    Identifier,
    Comment,
    Function,
    Class,
    Assignment,
    Except,
}

/// The table from kind id to `Walked`.
fn walked_kinds() -> &'static [Walked] {
    static KINDS: std::sync::OnceLock<Vec<Walked>> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| {
        crate::syntax::kind_table(|name| match name {
            "import_statement" | "import_from_statement" => Walked::Import,
            "identifier" => Walked::Identifier,
            "comment" => Walked::Comment,
            "function_definition" => Walked::Function,
            "class_definition" => Walked::Class,
            "assignment" => Walked::Assignment,
            "except_clause" => Walked::Except,
            _ => Walked::Other,
        })
    })
}

fn walked(kinds: &[Walked], node: Node) -> Walked {
    kinds
        .get(node.kind_id() as usize)
        .copied()
        .unwrap_or(Walked::Other)
}

pub fn extract(
    source: SourceFile,
    tree: &SyntaxTree,
    (module, is_package): (String, bool),
    settings: &Settings,
    project: &crate::taint::ProjectModules,
) -> FileFacts {
    let root = tree.root();
    let mut imports = ImportMap::default();
    let mut noqa_comments = Vec::new();
    let mut error_ranges = Vec::new();
    // Private functions used as values (callbacks) anywhere in the file:
    // by their name, through `self`, or on another object. Tests pass the
    // private functions of the code under analysis to `assertRaises` and
    // friends; that does not make them callbacks, so a test file counts
    // only its own functions and methods.
    let mut escaping_names = std::collections::BTreeSet::new();
    let mut escaping_functions = std::collections::BTreeSet::new();
    let mut escaping_methods = std::collections::BTreeSet::new();
    let collect_escaping = !settings.parse_only;
    let in_test_file = crate::taint::local::is_test_file(&source.path);
    let analyse = !settings.parse_only;
    let mut outline = Outline::default();
    let kinds = walked_kinds();
    timings::time(Phase::Facts, || {
        walk_tree(root, |node| {
            match walked(kinds, node) {
                Walked::Other => {}
                kind @ (Walked::Function | Walked::Class | Walked::Assignment | Walked::Except)
                    if analyse =>
                {
                    outline.visit(&source, node, kind)
                }
                Walked::Import => imports.add_statement(&source, node, &module, is_package),
                Walked::Identifier if collect_escaping => {
                    let name = source.node_text(node);
                    if name.starts_with('_')
                        && crate::taint::local::is_private_name(name)
                        && crate::taint::local::is_used_as_value(node)
                    {
                        let on_object = node
                            .parent()
                            .is_some_and(|parent| parent.kind() == "attribute");
                        match self_method_class(&source, node, &module) {
                            Some(class) => {
                                escaping_methods.insert((class, name.to_string()));
                            }
                            None if !on_object => {
                                escaping_functions.insert(name.to_string());
                            }
                            None if !in_test_file => {
                                escaping_names.insert(name.to_string());
                            }
                            None => {}
                        }
                    }
                }
                Walked::Comment => {
                    let text = source.node_text(node);
                    if text
                        .as_bytes()
                        .windows(4)
                        .any(|word| word.eq_ignore_ascii_case(b"noqa"))
                    {
                        noqa_comments.push(NoqaComment {
                            location: source.node_location(node),
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
    imports.add_module_aliases(&source, root);
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
        classes::extract(&source, root, &outline.classes, &module)
    });
    let mut taint = timings::time(Phase::Taint, || {
        crate::taint::summarize(
            &source,
            root,
            &outline,
            &imports,
            &module,
            &settings.taint,
            project,
        )
    });
    taint.escaping_names = escaping_names.into_iter().collect();
    // By name: what the name stands for in this module, once every import
    // is known; in a test file only its own functions.
    taint.escaping_functions = escaping_functions
        .into_iter()
        .filter_map(|name| match imports.get(&name) {
            Some(_) if in_test_file => None,
            Some(imported) => Some(imported.to_string()),
            None => Some(crate::names::qualify(&module, &name)),
        })
        .collect();
    taint.escaping_methods = escaping_methods.into_iter().collect();
    let local_findings = timings::time(Phase::BroadExcept, || {
        crate::rules::broad_except::check(&source, root, &outline.except_clauses)
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

/// The plain `name = value` statements of a module's body: the name's
/// identifier and the value.
pub fn module_assignments<'tree>(root: Node<'tree>) -> Vec<(Node<'tree>, Node<'tree>)> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter(|statement| statement.kind() == "expression_statement")
        .filter_map(|statement| statement.named_child(0))
        .filter(|child| child.kind() == "assignment")
        .filter_map(|assignment| {
            let left = assignment.child_by_field_name("left")?;
            let right = assignment.child_by_field_name("right")?;
            (left.kind() == "identifier").then_some((left, right))
        })
        .collect()
}

/// The identifier a dotted name starts with (`a` of `a.b.c`), when the
/// node is nothing but an identifier or a chain of attributes on one.
pub fn dotted_root(node: Node) -> Option<Node> {
    let mut node = node;
    // A loop over the chain: hostile input may nest attributes without end.
    loop {
        match node.kind() {
            "identifier" => return Some(node),
            "attribute" => node = node.child_by_field_name("object")?,
            _ => return None,
        }
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
    ModuleNamer::default().module_name(fs_path)
}

/// Names the modules of many files, asking the file system about each
/// directory once: a tree of thousands of files shares a few hundred
/// package directories.
#[derive(Default)]
pub struct ModuleNamer {
    /// A directory's dotted package name; `None` when it is no package.
    packages: std::collections::HashMap<std::path::PathBuf, Option<String>>,
}

impl ModuleNamer {
    pub fn module_name(&mut self, fs_path: &Path) -> (String, bool) {
        let stem = fs_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_package = stem == "__init__";
        let package = fs_path.parent().and_then(|dir| self.package(dir));
        let module = match (package, is_package) {
            (Some(package), true) => package,
            (Some(package), false) => format!("{package}.{stem}"),
            (None, true) => String::new(),
            (None, false) => stem,
        };
        (module, is_package)
    }

    /// The dotted name of `dir` as a package, found from the outermost
    /// enclosing package down; directories are looked at iteratively.
    fn package(&mut self, dir: &Path) -> Option<String> {
        // The directories up to the first one already known (or the root).
        let mut unknown = Vec::new();
        let mut current = Some(dir);
        let mut known: Option<String> = None;
        while let Some(path) = current {
            if let Some(name) = self.packages.get(path) {
                known = name.clone();
                break;
            }
            unknown.push(path);
            current = path.parent();
        }
        for path in unknown.into_iter().rev() {
            let is_package = !path.as_os_str().is_empty() && path.join("__init__.py").is_file();
            let name = match (is_package, path.file_name()) {
                (true, Some(name)) => {
                    let name = name.to_string_lossy();
                    Some(match known {
                        Some(outer) => format!("{outer}.{name}"),
                        None => name.into_owned(),
                    })
                }
                _ => None,
            };
            self.packages.insert(path.to_path_buf(), name.clone());
            known = name;
        }
        known
    }
}

#[cfg(test)]
mod tests {
    use super::ModuleNamer;

    /// Package prefixes stop at the first directory without `__init__.py`,
    /// whichever file asked first.
    #[test]
    fn module_names_follow_package_directories() {
        let root = tempfile::tempdir().expect("temp dir");
        let base = root.path();
        for dir in ["top/pkg/sub", "top/pkg/plain/inner"] {
            std::fs::create_dir_all(base.join(dir)).expect("mkdir");
        }
        for init in ["top/pkg", "top/pkg/sub", "top/pkg/plain/inner"] {
            std::fs::write(base.join(init).join("__init__.py"), "").expect("write");
        }
        let mut namer = ModuleNamer::default();
        let mut name = |path: &str| namer.module_name(&base.join(path));
        assert_eq!(
            name("top/pkg/sub/mod.py"),
            ("pkg.sub.mod".to_string(), false)
        );
        assert_eq!(
            name("top/pkg/sub/__init__.py"),
            ("pkg.sub".to_string(), true)
        );
        assert_eq!(
            name("top/pkg/plain/inner/x.py"),
            ("inner.x".to_string(), false)
        );
        assert_eq!(name("top/pkg/plain/y.py"), ("y".to_string(), false));
        assert_eq!(name("top/pkg/__init__.py"), ("pkg".to_string(), true));
        assert_eq!(name("top/script.py"), ("script".to_string(), false));
        // A fresh namer agrees with the one that had the directories cached.
        assert_eq!(
            super::module_name(&base.join("top/pkg/sub/mod.py")),
            ("pkg.sub.mod".to_string(), false)
        );
    }
}

//! A compact, flat copy of a tree-sitter syntax tree.
//!
//! Navigating a tree-sitter tree (`child_by_field_name`, `named_children`)
//! walks a cursor every time; the rule passes do that millions of times.
//! One `TreeCursor` pass copies the tree into an array in document order
//! (preorder), after which every step is an index: a node's first child is
//! the next entry, its subtree ends at `subtree_end`, siblings are linked.
//! Walking a subtree is a loop over a range, so no traversal can overflow
//! the stack however deep the input nests. The tree-sitter tree is dropped
//! right after the copy.
//!
//! `Node` mirrors the part of `tree_sitter::Node`'s API the analyses use.

use std::sync::OnceLock;

use tree_sitter::{Language, Tree};

const NONE: u32 = u32::MAX;

const NAMED: u8 = 1;
const ERROR: u8 = 2;
const MISSING: u8 = 4;

#[derive(Debug, Clone, Copy)]
struct RawNode {
    kind: u16,
    /// Field id of this node in its parent (0: none).
    field: u16,
    flags: u8,
    parent: u32,
    next_sibling: u32,
    /// Index one past the last descendant.
    subtree_end: u32,
    start_byte: u32,
    end_byte: u32,
}

/// A syntax tree as a flat array of nodes in document order.
pub struct SyntaxTree {
    nodes: Vec<RawNode>,
}

/// Node kind names and field ids of the Python grammar.
struct Grammar {
    kinds: Vec<&'static str>,
    /// Whether each kind is a named node (not an anonymous token).
    named: Vec<bool>,
    fields: rustc_hash::FxHashMap<&'static str, u16>,
    /// The ids of `COMMON_FIELDS`, in that order.
    common_field_ids: Vec<u16>,
}

/// The field names the analyses look up (millions of times): matched as
/// literals, which is cheaper than hashing the name each time.
const COMMON_FIELDS: [&str; 24] = [
    "alias",
    "alternative",
    "argument",
    "arguments",
    "attribute",
    "body",
    "cause",
    "condition",
    "consequence",
    "definition",
    "function",
    "key",
    "left",
    "module_name",
    "name",
    "object",
    "operator",
    "parameters",
    "right",
    "subject",
    "subscript",
    "superclasses",
    "type",
    "value",
];

/// The index of a field name in `COMMON_FIELDS`. Inlined: for a literal
/// name (`child_by_field_name("body")`) the match folds to a constant.
#[inline(always)]
fn common_field(name: &str) -> Option<usize> {
    Some(match name {
        "alias" => 0,
        "alternative" => 1,
        "argument" => 2,
        "arguments" => 3,
        "attribute" => 4,
        "body" => 5,
        "cause" => 6,
        "condition" => 7,
        "consequence" => 8,
        "definition" => 9,
        "function" => 10,
        "key" => 11,
        "left" => 12,
        "module_name" => 13,
        "name" => 14,
        "object" => 15,
        "operator" => 16,
        "parameters" => 17,
        "right" => 18,
        "subject" => 19,
        "subscript" => 20,
        "superclasses" => 21,
        "type" => 22,
        "value" => 23,
        _ => return None,
    })
}

fn grammar() -> &'static Grammar {
    static GRAMMAR: OnceLock<Grammar> = OnceLock::new();
    GRAMMAR.get_or_init(|| {
        let language: Language = tree_sitter_python::LANGUAGE.into();
        let named = (0..language.node_kind_count() as u16)
            .map(|id| language.node_kind_is_named(id))
            .collect();
        let kinds = (0..language.node_kind_count() as u16)
            .map(|id| {
                let name = language.node_kind_for_id(id).unwrap_or("");
                &*Box::leak(name.to_string().into_boxed_str())
            })
            .collect();
        let fields: rustc_hash::FxHashMap<&'static str, u16> = (1..=language.field_count() as u16)
            .filter_map(|id| {
                let name = language.field_name_for_id(id)?;
                Some((&*Box::leak(name.to_string().into_boxed_str()), id))
            })
            .collect();
        let common_field_ids = COMMON_FIELDS
            .iter()
            .map(|name| fields.get(name).copied().unwrap_or(u16::MAX))
            .collect();
        Grammar {
            kinds,
            named,
            fields,
            common_field_ids,
        }
    })
}

/// Number of kind ids `Node::kind_id` can return, the error id aside.
pub fn kind_count() -> usize {
    grammar().kinds.len()
}

/// A table from kind id to what `classify` makes of the kind's name: hot
/// loops dispatch on it instead of comparing names.
pub fn kind_table<T>(classify: impl Fn(&str) -> T) -> Vec<T> {
    (0..kind_count() as u16)
        .map(|id| classify(kind_name(id)))
        .collect()
}

/// The kind name of a kind id, as `Node::kind` gives it.
pub fn kind_name(id: u16) -> &'static str {
    match id {
        u16::MAX => "ERROR",
        id => grammar().kinds.get(id as usize).copied().unwrap_or(""),
    }
}

/// The id of a field name, for `Node::child_by_field_id`; `u16::MAX`
/// (matching no child) when the grammar has no such field.
#[inline(always)]
pub fn field_id(name: &str) -> u16 {
    let grammar = grammar();
    match common_field(name) {
        Some(index) => grammar.common_field_ids[index],
        None => grammar.fields.get(name).copied().unwrap_or(u16::MAX),
    }
}

impl SyntaxTree {
    /// Copies a tree-sitter tree with one cursor pass.
    pub fn from_tree(tree: &Tree) -> SyntaxTree {
        let mut nodes: Vec<RawNode> = Vec::new();
        let grammar = grammar();
        // Only a tree with errors has error or missing nodes to look for;
        // every accessor is a call into the C library, so skip them.
        let has_errors = tree.root_node().has_error();
        let mut cursor = tree.walk();
        // Indices of the ancestors of the cursor's node, and of the last
        // child seen at each level (to link siblings).
        let mut ancestors: Vec<u32> = Vec::new();
        let mut previous_sibling: Vec<u32> = vec![NONE];
        loop {
            let node = cursor.node();
            let index = nodes.len() as u32;
            let kind = node.kind_id();
            let mut flags = 0;
            if grammar.named.get(kind as usize).copied().unwrap_or(true) {
                flags |= NAMED;
            }
            if has_errors {
                if node.is_error() {
                    flags |= ERROR | NAMED;
                }
                if node.is_missing() {
                    flags |= MISSING;
                }
            }
            let range = node.byte_range();
            nodes.push(RawNode {
                kind,
                field: cursor.field_id().map_or(0, |f| f.get()),
                flags,
                parent: ancestors.last().copied().unwrap_or(NONE),
                next_sibling: NONE,
                subtree_end: index + 1,
                start_byte: range.start as u32,
                end_byte: range.end as u32,
            });
            let last = previous_sibling.last_mut().expect("one level per ancestor");
            if *last != NONE {
                nodes[*last as usize].next_sibling = index;
            }
            *last = index;
            if cursor.goto_first_child() {
                ancestors.push(index);
                previous_sibling.push(NONE);
                continue;
            }
            // Climb until a sibling exists, closing finished subtrees.
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    let end = nodes.len() as u32;
                    for &open in &ancestors {
                        nodes[open as usize].subtree_end = end;
                    }
                    return SyntaxTree { nodes };
                }
                let parent = ancestors.pop().expect("cursor depth matches ancestors");
                previous_sibling.pop();
                nodes[parent as usize].subtree_end = nodes.len() as u32;
            }
        }
    }

    pub fn root(&self) -> Node<'_> {
        Node {
            tree: self,
            index: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// A node of a `SyntaxTree`.
#[derive(Clone, Copy)]
pub struct Node<'t> {
    tree: &'t SyntaxTree,
    index: u32,
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.tree, other.tree) && self.index == other.index
    }
}

impl Eq for Node<'_> {}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{}..{}",
            self.kind(),
            self.start_byte(),
            self.end_byte()
        )
    }
}

/// Stand-in for `tree_sitter::TreeCursor` in call signatures that mirror
/// tree-sitter's (`named_children(&mut cursor)`); navigation needs none.
pub struct Cursor;

impl<'t> Node<'t> {
    fn raw(&self) -> &'t RawNode {
        &self.tree.nodes[self.index as usize]
    }

    fn at(&self, index: u32) -> Node<'t> {
        Node {
            tree: self.tree,
            index,
        }
    }

    /// Unique within its tree: the node's position in document order.
    pub fn id(&self) -> usize {
        self.index as usize
    }

    pub fn kind(&self) -> &'static str {
        // tree-sitter's built-in error symbol is not in the kind table.
        kind_name(self.raw().kind)
    }

    pub fn is_named(&self) -> bool {
        self.raw().flags & NAMED != 0
    }

    pub fn is_error(&self) -> bool {
        self.raw().flags & ERROR != 0
    }

    pub fn is_missing(&self) -> bool {
        self.raw().flags & MISSING != 0
    }

    pub fn start_byte(&self) -> usize {
        self.raw().start_byte as usize
    }

    pub fn end_byte(&self) -> usize {
        self.raw().end_byte as usize
    }

    pub fn byte_range(&self) -> std::ops::Range<usize> {
        self.start_byte()..self.end_byte()
    }

    pub fn parent(&self) -> Option<Node<'t>> {
        let parent = self.raw().parent;
        (parent != NONE).then(|| self.at(parent))
    }

    /// Name of the field this node fills in its parent.
    pub fn field_name(&self) -> Option<&'static str> {
        let field = self.raw().field;
        if field == 0 {
            return None;
        }
        grammar()
            .fields
            .iter()
            .find(|(_, id)| **id == field)
            .map(|(name, _)| *name)
    }

    /// Index one past the last node of this subtree, in document order.
    pub fn subtree_end(&self) -> usize {
        self.raw().subtree_end as usize
    }

    /// The node at a document-order index of the same tree.
    pub fn node_at(&self, index: usize) -> Node<'t> {
        self.at(index as u32)
    }

    pub fn children(&self, _cursor: &mut Cursor) -> Children<'t> {
        let first = self.index + 1;
        Children {
            tree: self.tree,
            next: if first < self.raw().subtree_end {
                first
            } else {
                NONE
            },
        }
    }

    pub fn named_children(&self, cursor: &mut Cursor) -> impl Iterator<Item = Node<'t>> + 't {
        self.children(cursor).filter(|n| n.is_named())
    }

    pub fn child_count(&self) -> usize {
        self.children(&mut Cursor).count()
    }

    pub fn named_child_count(&self) -> usize {
        self.named_children(&mut Cursor).count()
    }

    pub fn child(&self, index: usize) -> Option<Node<'t>> {
        self.children(&mut Cursor).nth(index)
    }

    pub fn named_child(&self, index: usize) -> Option<Node<'t>> {
        self.named_children(&mut Cursor).nth(index)
    }

    #[inline(always)]
    pub fn child_by_field_name(&self, name: &str) -> Option<Node<'t>> {
        self.child_by_field_id(field_id(name))
    }

    /// `child_by_field_name` without the name lookup, for hot loops that
    /// resolve their field ids once (`field_id`).
    pub fn child_by_field_id(&self, field: u16) -> Option<Node<'t>> {
        self.children(&mut Cursor).find(|c| c.raw().field == field)
    }

    /// The grammar's id of the node's kind. Several ids can share a kind
    /// name (aliases): compare names through `kind_name`, once per id.
    pub fn kind_id(&self) -> u16 {
        self.raw().kind
    }

    pub fn children_by_field_name(
        &self,
        name: &str,
        cursor: &mut Cursor,
    ) -> impl Iterator<Item = Node<'t>> + 't {
        let field = field_id(name);
        self.children(cursor)
            .filter(move |c| c.raw().field == field)
    }

    /// Placeholder for tree-sitter's cursor argument.
    pub fn walk(&self) -> Cursor {
        Cursor
    }

    pub fn has_error(&self) -> bool {
        let end = self.raw().subtree_end;
        (self.index..end).any(|i| self.tree.nodes[i as usize].flags & (ERROR | MISSING) != 0)
    }
}

pub struct Children<'t> {
    tree: &'t SyntaxTree,
    next: u32,
}

impl<'t> Iterator for Children<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        if self.next == NONE {
            return None;
        }
        let node = Node {
            tree: self.tree,
            index: self.next,
        };
        self.next = self.tree.nodes[self.next as usize].next_sibling;
        Some(node)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn common_fields_are_fields_of_the_grammar() {
        for name in COMMON_FIELDS {
            assert_ne!(field_id(name), u16::MAX, "{name}");
            assert_eq!(Some(field_id(name)), grammar().fields.get(name).copied());
        }
        assert_eq!(field_id("no_such_field"), u16::MAX);
    }

    use super::*;

    fn tree(text: &str) -> SyntaxTree {
        SyntaxTree::from_tree(&crate::parse::parse_python(text).unwrap())
    }

    #[test]
    fn copies_structure_fields_and_positions() {
        let tree = tree("x = f(a, b=1)\nif y:\n    pass\n");
        let root = tree.root();
        assert_eq!(root.kind(), "module");
        let statements: Vec<_> = root.named_children(&mut root.walk()).collect();
        assert_eq!(statements.len(), 2);
        let assignment = statements[0].named_child(0).unwrap();
        assert_eq!(assignment.kind(), "assignment");
        let call = assignment.child_by_field_name("right").unwrap();
        assert_eq!(call.kind(), "call");
        assert_eq!(
            call.child_by_field_name("function").unwrap().byte_range(),
            4..5
        );
        let arguments = call.child_by_field_name("arguments").unwrap();
        assert_eq!(arguments.named_child_count(), 2);
        assert_eq!(call.parent(), Some(assignment));
        assert_eq!(statements[1].start_byte(), 14);
        assert_eq!(root.subtree_end(), tree.len());
        assert!(!root.has_error());
    }

    #[test]
    fn error_nodes_keep_their_kind_and_flags() {
        let tree = tree("def f(:\n    pass\nx = = 1 $ 2\n");
        let root = tree.root();
        assert!(root.has_error());
        let (mut errors, mut missing) = (0, 0);
        crate::facts::walk_tree(root, |n| {
            errors += usize::from(n.is_error() && n.kind() == "ERROR" && n.is_named());
            missing += usize::from(n.is_missing());
        });
        assert!(errors > 0, "an ERROR node");
        assert!(missing > 0, "the missing `)`");
    }

    #[test]
    fn deep_nesting_is_copied_without_recursion() {
        let depth = 50_000;
        let text = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
        let tree = tree(&text);
        assert!(tree.len() > depth);
        assert_eq!(tree.root().subtree_end(), tree.len());
    }
}

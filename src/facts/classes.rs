//! The class model of one file (for wrong-object-attribute): what each
//! class declares, which attributes its methods read and write on `self`,
//! and enough about the other variables of each method (parameters,
//! locals, loop and `with` targets) to infer their classes later, across
//! files, in `link::classes`.
//!
//! Every file's facts stay in memory until the run ends, so they are kept
//! small: names are interned per file (`Sym`), places are byte ranges into
//! the retained source (`Span`; locations and snippets are computed only
//! for findings), and what MG004 can never look at is dropped when a class
//! is finished (see `ClassFacts::finish`).

use std::borrow::Cow;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::syntax::{self, Node};

use super::walk_tree_pruned;
use crate::parse::SourceFile;

/// A name interned in its file's `Names`.
pub type Sym = u32;

/// A byte range of the file's source text.
pub type Span = (u32, u32);

/// The interned names of one file.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Names {
    text: String,
    /// End of each name in `text`, by symbol.
    ends: Vec<u32>,
    /// Symbols in name order, for `lookup`.
    sorted: Vec<Sym>,
}

impl Names {
    pub fn get(&self, sym: Sym) -> &str {
        let index = sym as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        &self.text[start..self.ends[index] as usize]
    }

    /// The symbol of a name, if the file has it.
    pub fn lookup(&self, name: &str) -> Option<Sym> {
        self.sorted
            .binary_search_by(|&sym| self.get(sym).cmp(name))
            .ok()
            .map(|at| self.sorted[at])
    }
}

/// Builds a file's `Names`; most names borrow from the source text.
#[derive(Default)]
struct Interner<'s> {
    map: FxHashMap<Cow<'s, str>, Sym>,
}

impl<'s> Interner<'s> {
    fn intern(&mut self, name: &'s str) -> Sym {
        let next = self.map.len() as Sym;
        *self.map.entry(Cow::Borrowed(name)).or_insert(next)
    }

    fn intern_owned(&mut self, name: String) -> Sym {
        if let Some(&sym) = self.map.get(name.as_str()) {
            return sym;
        }
        let next = self.map.len() as Sym;
        self.map.insert(Cow::Owned(name), next);
        next
    }

    fn intern_cow(&mut self, name: Cow<'s, str>) -> Sym {
        match name {
            Cow::Borrowed(name) => self.intern(name),
            Cow::Owned(name) => self.intern_owned(name),
        }
    }

    fn existing(&self, name: &str) -> Option<Sym> {
        self.map.get(name).copied()
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    /// The names still `used` (by symbol), and the new symbol of each old
    /// one. New symbols keep the order of the old ones, so tables sorted
    /// by symbol stay sorted.
    fn finish(self, used: &[bool]) -> (Names, Vec<Sym>) {
        let mut entries: Vec<(Sym, Cow<'s, str>)> = self
            .map
            .into_iter()
            .filter(|(_, sym)| used[*sym as usize])
            .map(|(name, sym)| (sym, name))
            .collect();
        entries.sort_unstable_by_key(|(sym, _)| *sym);
        let mut remap = vec![Sym::MAX; used.len()];
        let mut names = Names {
            text: String::with_capacity(entries.iter().map(|(_, n)| n.len()).sum()),
            ends: Vec::with_capacity(entries.len()),
            sorted: Vec::new(),
        };
        for (new, (old, name)) in entries.iter().enumerate() {
            remap[*old as usize] = new as Sym;
            names.text.push_str(name);
            names.ends.push(names.text.len() as u32);
        }
        let mut sorted: Vec<Sym> = (0..entries.len() as Sym).collect();
        sorted.sort_unstable_by(|&a, &b| entries[a as usize].1.cmp(&entries[b as usize].1));
        names.sorted = sorted;
        (names, remap)
    }
}

/// The class model of one file.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileClasses {
    pub names: Names,
    pub classes: Vec<ClassFacts>,
}

/// Where a type expression starts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum TypeBase {
    /// A (possibly dotted) name as spelled: a class, or a local that turned
    /// out not to be bound in the method.
    Name(Sym),
    /// `self` itself.
    SelfObj,
    /// `self.attr`.
    SelfAttr(Sym),
    /// A local variable of the same method (or class scope).
    Local(Sym),
    /// `collections.defaultdict(factory)` (or a `Dict[K, V]` annotation):
    /// a dict whose items are of the element type.
    DefaultDict(Box<TypeExpr>),
    /// A sequence or set of elements of the type (`List[Foo]`).
    ListOf(Box<TypeExpr>),
}

/// What is done to the base value, in order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum TypeOp {
    /// Calling it: instantiating a class, calling a method.
    Call,
    /// An element of a container (`x[k]`, `x.get(k)`, `x.pop(k)`,
    /// the values of `x.items()` / `x.values()`).
    Item,
    /// What `for v in x` binds: elements of a sequence, keys of a dict.
    Iter,
    /// What `with x as v` binds.
    Enter,
    /// An attribute of it (`self.host.get_guest`: `get_guest` of the
    /// value of `self.host`).
    Attr(Sym),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct TypeExpr {
    pub base: TypeBase,
    pub ops: Box<[TypeOp]>,
}

impl TypeExpr {
    fn new(base: TypeBase, ops: Vec<TypeOp>) -> TypeExpr {
        TypeExpr {
            base,
            ops: ops.into_boxed_slice(),
        }
    }

    /// A local variable's value, as bound.
    pub fn local(name: Sym) -> TypeExpr {
        TypeExpr::new(TypeBase::Local(name), Vec::new())
    }

    fn then(self, op: TypeOp) -> TypeExpr {
        let mut ops = Vec::with_capacity(self.ops.len() + 1);
        ops.extend_from_slice(&self.ops);
        ops.push(op);
        TypeExpr::new(self.base, ops)
    }

    fn visit_syms(&mut self, visit: &mut impl FnMut(&mut Sym)) {
        match &mut self.base {
            TypeBase::Name(sym) | TypeBase::SelfAttr(sym) | TypeBase::Local(sym) => visit(sym),
            TypeBase::SelfObj => {}
            // Nesting is bounded by `type_expr_nested` and `annotation_type`.
            TypeBase::DefaultDict(elem) | TypeBase::ListOf(elem) => elem.visit_syms(visit),
        }
        for op in self.ops.iter_mut() {
            if let TypeOp::Attr(sym) = op {
                visit(sym);
            }
        }
    }

    /// Every local variable the expression refers to.
    fn locals(&self, out: &mut Vec<Sym>) {
        let mut expr = self;
        loop {
            match &expr.base {
                TypeBase::Local(name) => return out.push(*name),
                TypeBase::DefaultDict(elem) | TypeBase::ListOf(elem) => expr = elem,
                _ => return,
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BindingKind {
    Param,
    Local,
    Loop,
    With,
}

/// A name bound in a method, with what it is bound to when that is known.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Binding {
    pub name: Sym,
    pub kind: BindingKind,
    pub expr: Option<TypeExpr>,
    /// Byte range where the binding is certainly live: the body of the
    /// `for`/`with` statement; the whole method otherwise.
    pub range: Span,
}

/// `self.attr = ...` (or `setattr(self, "attr", ...)`) in a method: the
/// whole statement when it is a simple assignment.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct SelfWrite {
    pub attr: Sym,
    pub span: Span,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MethodFacts {
    pub name: Sym,
    /// The name of the instance parameter; `None` for static and class methods.
    pub self_name: Option<Sym>,
    pub is_contextmanager: bool,
    /// Only those MG004 may evaluate (see `ClassFacts::finish`).
    pub bindings: Vec<Binding>,
    pub returns: Vec<TypeExpr>,
    pub yields: Vec<TypeExpr>,
    /// Methods called on `self` (for the closure of `__init__`).
    pub self_calls: Vec<Sym>,
    pub self_writes: Vec<SelfWrite>,
}

/// `v.attr` or `self.v.attr` read in a method: when `v` turns out to be an
/// instance of another class, that class's attribute is read from outside.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ForeignRead {
    pub attr: Sym,
    pub method: u32,
    /// The variable `v`, or the attribute `v` of `self`.
    pub object: Sym,
    pub through_self: bool,
}

impl ForeignRead {
    /// The object as a type expression of the method.
    pub fn object_expr(&self) -> TypeExpr {
        let base = if self.through_self {
            TypeBase::SelfAttr(self.object)
        } else {
            TypeBase::Local(self.object)
        };
        TypeExpr::new(base, Vec::new())
    }
}

/// Marks a type expression of class-body scope rather than of a method.
pub const CLASS_SCOPE: usize = usize::MAX;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClassFacts {
    /// Not a class: the module's top-level functions, kept (as methods
    /// without `self`) so that their reads of other objects' attributes
    /// are seen.
    pub synthetic: bool,
    /// Module-qualified name: `nova.virt.libvirt.volume.mount.MountManager`.
    pub qualname: String,
    /// Name within the module: `MountManager._ManagedMount`.
    pub local_name: String,
    /// Bases as spelled (dotted names); keyword arguments left out.
    pub bases: Vec<String>,
    /// A base that is not a dotted name (`six.with_metaclass(...)`).
    pub opaque_base: bool,
    /// Names declared in the class body: assignments and annotations
    /// (dataclass/attrs fields included), `__slots__` entries, methods,
    /// properties, nested classes; with the first declaring statement.
    /// Sorted by symbol.
    pub declared: Vec<(Sym, Span)>,
    pub methods: Vec<MethodFacts>,
    /// Attributes read on `self` (or `cls`, `type(self)`) anywhere in the
    /// class. Sorted by symbol.
    pub self_reads: Vec<Sym>,
    /// The class customises attribute access (`__getattr__`, `__setattr__`,
    /// `__getattribute__`) or reads its attributes dynamically
    /// (`vars(self)`, `self.__dict__`, `getattr(self, name)`).
    pub dynamic: bool,
    /// `v.attr` for variables other than `self` in the class's methods:
    /// (variable, attribute) → first use; only for attributes of candidate
    /// writes. Sorted by key.
    pub var_attrs: Vec<((Sym, Sym), Span)>,
    /// Attributes read on other objects in the methods; only through
    /// objects that may be instances.
    pub foreign_reads: Vec<ForeignRead>,
    /// Attributes read on what a call returns (`get_state().error`,
    /// `HostState.create().error`): attribute, method index, the object.
    pub call_reads: Vec<(Sym, usize, TypeExpr)>,
    /// Values stored into `self.attr` (method index or `CLASS_SCOPE`).
    pub attr_types: Vec<(Sym, usize, TypeExpr)>,
    /// Elements stored into the container `self.attr` (`self.attr[k] = v`,
    /// `.append(v)`, `.add(v)`, `.setdefault(k, v)`), and whether it is a dict.
    pub attr_elems: Vec<(Sym, usize, TypeExpr, bool)>,
}

impl ClassFacts {
    /// The method a name is bound to: the last definition, as in Python
    /// (a property's setter rebinds the getter's name).
    pub fn method(&self, name: Sym) -> Option<usize> {
        self.methods.iter().rposition(|m| m.name == name)
    }

    pub fn declares(&self, name: Sym) -> Option<Span> {
        self.declared
            .binary_search_by_key(&name, |(sym, _)| *sym)
            .ok()
            .map(|at| self.declared[at].1)
    }

    pub fn reads(&self, name: Sym) -> bool {
        self.self_reads.binary_search(&name).is_ok()
    }

    pub fn var_attr(&self, var: Sym, attr: Sym) -> Option<Span> {
        self.var_attrs
            .binary_search_by_key(&(var, attr), |(key, _)| *key)
            .ok()
            .map(|at| self.var_attrs[at].1)
    }

    /// Every symbol the facts hold, for renumbering.
    fn visit_syms(&mut self, visit: &mut impl FnMut(&mut Sym)) {
        for (sym, _) in &mut self.declared {
            visit(sym);
        }
        self.self_reads.iter_mut().for_each(&mut *visit);
        for ((var, attr), _) in &mut self.var_attrs {
            visit(var);
            visit(attr);
        }
        for read in &mut self.foreign_reads {
            visit(&mut read.attr);
            visit(&mut read.object);
        }
        for (attr, _, expr) in self.attr_types.iter_mut().chain(&mut self.call_reads) {
            visit(attr);
            expr.visit_syms(visit);
        }
        for (attr, _, expr, _) in &mut self.attr_elems {
            visit(attr);
            expr.visit_syms(visit);
        }
        for method in &mut self.methods {
            visit(&mut method.name);
            if let Some(sym) = &mut method.self_name {
                visit(sym);
            }
            for binding in &mut method.bindings {
                visit(&mut binding.name);
                if let Some(expr) = &mut binding.expr {
                    expr.visit_syms(visit);
                }
            }
            for expr in method.returns.iter_mut().chain(&mut method.yields) {
                expr.visit_syms(visit);
            }
            method.self_calls.iter_mut().for_each(&mut *visit);
            for write in &mut method.self_writes {
                visit(&mut write.attr);
            }
        }
    }

    /// Sorts the lookup tables and drops what MG004 can never use:
    /// - `var_attrs` are only looked up for the attribute of a write that
    ///   the class itself neither reads, declares nor sets in `__init__`
    ///   (a candidate write);
    /// - a foreign read through a local that has no typed binding cannot
    ///   be of an instance (an unbound name is a class or a function);
    /// - bindings are only evaluated for the variables of a method with a
    ///   candidate write, and for the locals the kept type expressions of
    ///   the method refer to, transitively.
    fn finish(&mut self, cx: &mut Ctx, bodies: &[(Node, Option<&str>)]) {
        let init = cx.names.existing("__init__");
        self.self_reads.sort_unstable();
        self.self_reads.dedup();
        self.self_reads.shrink_to_fit();
        // Stable: the first declaration of a name is kept.
        self.declared.sort_by_key(|(sym, _)| *sym);
        self.declared.dedup_by_key(|(sym, _)| *sym);
        self.declared.shrink_to_fit();
        // Attributes `__init__` (and the methods of this class it calls)
        // set: a subset of what the linked hierarchy will own.
        let mut initialised = Vec::new();
        let mut seen = vec![false; self.methods.len()];
        let mut queue: Vec<Sym> = init.into_iter().collect();
        while let Some(name) = queue.pop() {
            if let Some(m) = self.method(name)
                && !seen[m]
            {
                seen[m] = true;
                let method = &self.methods[m];
                initialised.extend(method.self_writes.iter().map(|w| w.attr));
                queue.extend(method.self_calls.iter().copied());
            }
        }
        let mut candidates: Vec<Sym> = Vec::new();
        if !self.synthetic {
            for method in self.methods.iter().filter(|m| m.self_name.is_some()) {
                for write in &method.self_writes {
                    if !self.reads(write.attr)
                        && self.declares(write.attr).is_none()
                        && !initialised.contains(&write.attr)
                    {
                        candidates.push(write.attr);
                    }
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        if !candidates.is_empty() {
            let class_name = crate::names::last_segment(&self.local_name);
            self.var_attrs = variable_attributes(cx, bodies, &candidates, class_name);
        }
        // Stable: the first use is kept.
        self.var_attrs.sort_by_key(|(key, _)| *key);
        self.var_attrs.dedup_by_key(|(key, _)| *key);
        self.var_attrs.shrink_to_fit();
        // Reading the same attribute of the same object again adds nothing.
        self.foreign_reads.sort_unstable();
        self.foreign_reads.dedup();
        if !self.foreign_reads.is_empty() {
            // Per method, the locals with a typed binding (sorted).
            let typed: Vec<Vec<Sym>> = self
                .methods
                .iter()
                .map(|m| {
                    let mut names: Vec<Sym> = m
                        .bindings
                        .iter()
                        .filter(|b| b.expr.is_some())
                        .map(|b| b.name)
                        .collect();
                    names.sort_unstable();
                    names
                })
                .collect();
            self.foreign_reads.retain(|read| {
                read.through_self
                    || typed[read.method as usize]
                        .binary_search(&read.object)
                        .is_ok()
            });
        }
        self.foreign_reads.shrink_to_fit();
        let mut roots: Vec<Vec<Sym>> = vec![Vec::new(); self.methods.len()];
        for read in &self.foreign_reads {
            if !read.through_self {
                roots[read.method as usize].push(read.object);
            }
        }
        for (_, m, expr) in &self.attr_types {
            if *m != CLASS_SCOPE {
                expr.locals(&mut roots[*m]);
            }
        }
        for (_, m, expr) in &self.call_reads {
            expr.locals(&mut roots[*m]);
        }
        for (_, m, expr, _) in &self.attr_elems {
            if *m != CLASS_SCOPE {
                expr.locals(&mut roots[*m]);
            }
        }
        for (method, mut wanted) in self.methods.iter_mut().zip(roots) {
            let keep_all = method.self_name.is_some()
                && method
                    .self_writes
                    .iter()
                    .any(|w| candidates.binary_search(&w.attr).is_ok());
            if !keep_all {
                for expr in method.returns.iter().chain(&method.yields) {
                    expr.locals(&mut wanted);
                }
                // Close over the bindings of the wanted names.
                wanted.sort_unstable();
                wanted.dedup();
                let (mut done, mut found) = (0, Vec::new());
                while done < wanted.len() {
                    let name = wanted[done];
                    done += 1;
                    for binding in method.bindings.iter().filter(|b| b.name == name) {
                        if let Some(expr) = &binding.expr {
                            found.clear();
                            expr.locals(&mut found);
                            for local in &found {
                                if !wanted.contains(local) {
                                    wanted.push(*local);
                                }
                            }
                        }
                    }
                }
                wanted.sort_unstable();
                method
                    .bindings
                    .retain(|b| wanted.binary_search(&b.name).is_ok());
            }
            method.bindings.shrink_to_fit();
            method.returns.shrink_to_fit();
            method.yields.shrink_to_fit();
            // Order matters (`init_closure` is breadth-first); repeats do not.
            let mut calls_seen = Vec::new();
            method.self_calls.retain(|c| {
                let first = !calls_seen.contains(c);
                if first {
                    calls_seen.push(*c);
                }
                first
            });
            method.self_calls.shrink_to_fit();
            method.self_writes.shrink_to_fit();
        }
        self.methods.shrink_to_fit();
        self.attr_types.shrink_to_fit();
        self.attr_elems.shrink_to_fit();
    }
}

/// Kinds the extraction dispatches on, by kind id (ids, not names: the
/// walk looks at every node of every method).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Other,
    Class,
    Function,
    Attribute,
    Call,
    Assignment,
    NamedExpression,
    For,
    With,
    Return,
    Yield,
    Identifier,
}

/// Kind table and field ids, resolved once.
struct Ids {
    kinds: Vec<Kind>,
    name: u16,
    body: u16,
    object: u16,
    attribute: u16,
    function: u16,
    arguments: u16,
    left: u16,
    right: u16,
    value: u16,
}

fn ids() -> &'static Ids {
    static IDS: OnceLock<Ids> = OnceLock::new();
    IDS.get_or_init(|| Ids {
        kinds: syntax::kind_table(|name| match name {
            "class_definition" => Kind::Class,
            "function_definition" => Kind::Function,
            "attribute" => Kind::Attribute,
            "call" => Kind::Call,
            "assignment" => Kind::Assignment,
            "named_expression" => Kind::NamedExpression,
            "for_statement" => Kind::For,
            "with_statement" => Kind::With,
            "return_statement" => Kind::Return,
            "yield" => Kind::Yield,
            "identifier" => Kind::Identifier,
            _ => Kind::Other,
        }),
        name: syntax::field_id("name"),
        body: syntax::field_id("body"),
        object: syntax::field_id("object"),
        attribute: syntax::field_id("attribute"),
        function: syntax::field_id("function"),
        arguments: syntax::field_id("arguments"),
        left: syntax::field_id("left"),
        right: syntax::field_id("right"),
        value: syntax::field_id("value"),
    })
}

impl Ids {
    fn kind(&self, node: Node) -> Kind {
        self.kinds
            .get(node.kind_id() as usize)
            .copied()
            .unwrap_or(Kind::Other)
    }
}

/// State of one file's extraction.
struct Ctx<'s> {
    source: &'s SourceFile,
    ids: &'static Ids,
    names: Interner<'s>,
}

impl<'s> Ctx<'s> {
    fn text(&self, node: Node) -> &'s str {
        self.source.node_text(node)
    }

    fn sym(&mut self, node: Node) -> Sym {
        let text = self.source.node_text(node);
        self.names.intern(text)
    }

    fn is_self(&self, node: Node, self_name: Option<&str>) -> bool {
        self.ids.kind(node) == Kind::Identifier && Some(self.text(node)) == self_name
    }

    /// `object.attribute` of an attribute node.
    fn attribute_parts<'t>(&self, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        Some((
            node.child_by_field_id(self.ids.object)?,
            node.child_by_field_id(self.ids.attribute)?,
        ))
    }
}

fn span(node: Node) -> Span {
    (node.start_byte() as u32, node.end_byte() as u32)
}

/// The class model of a file, given its classes in document order (see
/// `facts::Outline`).
pub fn extract(
    source: &SourceFile,
    root: Node,
    class_nodes: &[(Node, String)],
    module: &str,
) -> FileClasses {
    let ids = ids();
    let mut cx = Ctx {
        source,
        ids,
        names: Interner::default(),
    };
    let mut classes = Vec::new();
    for (node, qualname) in class_nodes {
        if node.child_by_field_id(ids.name).is_none() {
            continue;
        }
        classes.push(class_facts(&mut cx, *node, module, qualname));
    }
    let functions = class_facts(&mut cx, root, module, MODULE_FUNCTIONS);
    if !functions.methods.is_empty() {
        classes.push(functions);
    }
    classes.shrink_to_fit();
    // Most names seen were only needed for facts since dropped.
    let mut used = vec![false; cx.names.len()];
    for class in &mut classes {
        class.visit_syms(&mut |sym| used[*sym as usize] = true);
    }
    let (names, remap) = cx.names.finish(&used);
    for class in &mut classes {
        class.visit_syms(&mut |sym| *sym = remap[*sym as usize]);
    }
    FileClasses { names, classes }
}

/// Local name of the synthetic class holding a module's functions.
pub const MODULE_FUNCTIONS: &str = "<module>";

fn class_facts(cx: &mut Ctx, class: Node, module: &str, local_name: &str) -> ClassFacts {
    let mut bodies = Vec::new();
    let mut facts = scan_class(cx, class, module, local_name, &mut bodies);
    if class.kind() == "module" {
        facts.synthetic = true;
        facts.declared.clear();
    }
    facts.finish(cx, &bodies);
    facts
}

/// `v.attr` for variables other than `self` (and the class itself) in the
/// methods, for the candidate attributes only: (variable, attribute) and
/// the place, in document order. A second walk, but only of the rare
/// classes with candidate writes.
fn variable_attributes(
    cx: &mut Ctx,
    bodies: &[(Node, Option<&str>)],
    candidates: &[Sym],
    class_name: &str,
) -> Vec<((Sym, Sym), Span)> {
    let ids = cx.ids;
    let mut found = Vec::new();
    for &(body, self_name) in bodies {
        walk_tree_pruned(body, |node| {
            match ids.kind(node) {
                Kind::Class => return false,
                Kind::Attribute => {
                    if let Some((object, attr)) = cx.attribute_parts(node)
                        && ids.kind(object) == Kind::Identifier
                    {
                        let text = cx.text(object);
                        if Some(text) != self_name
                            && text != "cls"
                            && text != class_name
                            && let Some(attr) = cx.names.existing(cx.text(attr))
                            && candidates.binary_search(&attr).is_ok()
                        {
                            let var = cx.names.intern(text);
                            found.push(((var, attr), span(node)));
                        }
                    }
                }
                _ => {}
            }
            true
        });
    }
    found
}

/// The facts of one class (or of the module's functions), and the bodies
/// of its methods with the name of their `self`.
fn scan_class<'s, 't>(
    cx: &mut Ctx<'s>,
    class: Node<'t>,
    module: &str,
    local_name: &str,
    bodies: &mut Vec<(Node<'t>, Option<&'s str>)>,
) -> ClassFacts {
    let mut facts = ClassFacts {
        synthetic: false,
        qualname: crate::names::qualify(module, local_name),
        local_name: local_name.to_string(),
        bases: Vec::new(),
        opaque_base: false,
        declared: Vec::new(),
        methods: Vec::new(),
        self_reads: Vec::new(),
        dynamic: false,
        var_attrs: Vec::new(),
        foreign_reads: Vec::new(),
        call_reads: Vec::new(),
        attr_types: Vec::new(),
        attr_elems: Vec::new(),
    };
    if let Some(arguments) = class.child_by_field_name("superclasses") {
        let mut cursor = arguments.walk();
        for base in arguments.named_children(&mut cursor) {
            match base.kind() {
                "identifier" | "attribute" if is_dotted(base) => {
                    facts.bases.push(compact(cx.text(base)))
                }
                "keyword_argument" | "comment" => {}
                _ => facts.opaque_base = true,
            }
        }
    }
    let is_module = class.kind() == "module";
    let body = if is_module {
        class
    } else {
        match class.child_by_field_id(cx.ids.body) {
            Some(body) => body,
            None => return facts,
        }
    };
    let mut cursor = body.walk();
    // Definitions under `if`/`try`/`with` at class level belong to the
    // class too (`if six.PY2: def __nonzero__(self): ...`).
    let mut statements = Vec::new();
    let mut pending: Vec<Node> = body.named_children(&mut cursor).collect();
    pending.reverse();
    while let Some(statement) = pending.pop() {
        match statement.kind() {
            "if_statement" | "elif_clause" | "else_clause" | "try_statement" | "except_clause"
            | "finally_clause" | "with_statement" | "block" => {
                let mut children: Vec<Node> = statement.named_children(&mut cursor).collect();
                children.reverse();
                pending.extend(children);
            }
            _ => statements.push(statement),
        }
    }
    for statement in statements {
        let (definition, decorators) = unwrap_decorated(statement);
        match definition.kind() {
            "function_definition" => {
                let Some(name) = definition.child_by_field_id(cx.ids.name) else {
                    continue;
                };
                let text = cx.text(name);
                if matches!(text, "__getattr__" | "__setattr__" | "__getattribute__") {
                    facts.dynamic = true;
                }
                let name = cx.names.intern(text);
                // `@x.setter def x` declares `x` like the getter does.
                facts.declared.push((name, span(statement)));
                let index = facts.methods.len();
                let (method, body) = method_facts(
                    cx,
                    definition,
                    &decorators,
                    name,
                    index,
                    !is_module,
                    &mut facts,
                );
                facts.methods.push(method);
                bodies.extend(body);
            }
            _ if is_module => {}
            "class_definition" => {
                if let Some(name) = definition.child_by_field_id(cx.ids.name) {
                    let name = cx.sym(name);
                    facts.declared.push((name, span(statement)));
                }
            }
            "expression_statement" => {
                class_level_statement(cx, statement, &mut facts);
            }
            _ => {}
        }
    }
    facts
}

/// `@dec def f` → (`def f`, decorator texts).
fn unwrap_decorated(statement: Node) -> (Node, Vec<Node>) {
    if statement.kind() != "decorated_definition" {
        return (statement, Vec::new());
    }
    let mut cursor = statement.walk();
    let decorators = statement
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "decorator")
        .collect();
    let definition = statement
        .child_by_field_name("definition")
        .unwrap_or(statement);
    (definition, decorators)
}

/// Class-level `x = ...`, `x: T`, `__slots__ = (...)`, `x = property(...)`.
fn class_level_statement(cx: &mut Ctx, statement: Node, facts: &mut ClassFacts) {
    let mut cursor = statement.walk();
    for expression in statement.named_children(&mut cursor) {
        let mut assignment = expression;
        while assignment.kind() == "assignment" {
            let Some(left) = assignment.child_by_field_id(cx.ids.left) else {
                break;
            };
            let right = assignment.child_by_field_id(cx.ids.right);
            for target in target_names(left) {
                let text = cx.text(target);
                if text == "__slots__"
                    && let Some(right) = right
                {
                    declare_strings(cx, right, statement, facts);
                }
                // oslo.versionedobjects: `fields = {'uuid': fields.UUIDField()}`
                // declares the object's attributes, as dataclass fields do.
                if text == "fields"
                    && let Some(right) = right
                {
                    declare_keys(cx, right, statement, facts);
                }
                let name = cx.names.intern(text);
                if let Some(expr) = right.and_then(|r| type_expr(cx, r, None)) {
                    facts.attr_types.push((name, CLASS_SCOPE, expr));
                }
                facts.declared.push((name, span(statement)));
            }
            match right {
                Some(next) if next.kind() == "assignment" => assignment = next,
                _ => break,
            }
        }
        // Lambdas and calls at class level (`x = property(lambda self:
        // self._x)`) read attributes too.
        scan_reads(cx, expression, "self", facts);
    }
}

/// The identifiers a target binds: `a`, `a, b`, `(a, [b, c])`.
fn target_names(target: Node) -> Vec<Node> {
    let mut names = Vec::new();
    let mut pending = vec![target];
    while let Some(node) = pending.pop() {
        match node.kind() {
            "identifier" => names.push(node),
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "parenthesized_expression" => {
                let mut cursor = node.walk();
                pending.extend(node.named_children(&mut cursor));
            }
            _ => {}
        }
    }
    names.reverse();
    names
}

/// Declares every string literal in `__slots__ = ('a', 'b')`.
fn declare_strings(cx: &mut Ctx, value: Node, statement: Node, facts: &mut ClassFacts) {
    walk_tree_pruned(value, |node| {
        if node.kind() == "string" {
            if let Some(text) = string_value(cx.source, node) {
                let name = cx.names.intern_owned(text);
                facts.declared.push((name, span(statement)));
            }
            return false;
        }
        true
    });
}

/// Declares every string key of the dict displays in `fields = {...}`
/// (also `dict(base.fields, **{...})`).
fn declare_keys(cx: &mut Ctx, value: Node, statement: Node, facts: &mut ClassFacts) {
    walk_tree_pruned(value, |node| {
        if node.kind() == "pair" {
            if let Some(text) = node
                .child_by_field_name("key")
                .and_then(|key| string_value(cx.source, key))
            {
                let name = cx.names.intern_owned(text);
                facts.declared.push((name, span(statement)));
            }
            return false;
        }
        true
    });
}

/// The value of a plain string literal (no interpolation).
fn string_value(source: &SourceFile, node: Node) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    let mut value = String::new();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "string_start" | "string_end" => {}
            "string_content" => value.push_str(source.node_text(child)),
            _ => return None,
        }
    }
    Some(value)
}

/// Whether a dotted name starts with `self` (`self.a.b`).
fn is_self_rooted(cx: &Ctx, node: Node, self_name: Option<&str>) -> bool {
    super::dotted_root(node).is_some_and(|root| cx.is_self(root, self_name))
}

fn is_dotted(node: Node) -> bool {
    super::dotted_root(node).is_some()
}

/// Removes whitespace inside a dotted name.
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect()
}

/// `compact`, without allocating when there is nothing to remove.
fn compact_cow(text: &str) -> Cow<'_, str> {
    if text.contains(|c: char| c.is_whitespace() || c == '\\') {
        Cow::Owned(compact(text))
    } else {
        Cow::Borrowed(text)
    }
}

fn decorator_name(source: &SourceFile, decorator: Node) -> String {
    let mut cursor = decorator.walk();
    let expression = decorator.named_children(&mut cursor).next();
    let expression = match expression {
        Some(e) if e.kind() == "call" => e.child_by_field_name("function").unwrap_or(e),
        Some(e) => e,
        None => return String::new(),
    };
    compact(source.node_text(expression))
}

#[allow(clippy::too_many_arguments)]
fn method_facts<'s, 't>(
    cx: &mut Ctx<'s>,
    function: Node<'t>,
    decorators: &[Node],
    name: Sym,
    index: usize,
    has_self: bool,
    class: &mut ClassFacts,
) -> (MethodFacts, Option<(Node<'t>, Option<&'s str>)>) {
    let decorator_names: Vec<String> = decorators
        .iter()
        .map(|d| decorator_name(cx.source, *d))
        .collect();
    let is_class_method = decorator_names.iter().any(|d| d == "classmethod");
    let is_static = is_class_method || decorator_names.iter().any(|d| d == "staticmethod");
    let is_contextmanager = decorator_names
        .iter()
        .any(|d| d.rsplit('.').next() == Some("contextmanager"));
    let range = span(function);
    let mut method = MethodFacts {
        name,
        self_name: None,
        is_contextmanager,
        bindings: Vec::new(),
        returns: Vec::new(),
        yields: Vec::new(),
        self_calls: Vec::new(),
        self_writes: Vec::new(),
    };
    // `def _find(self, name) -> LogicalVolume:` returns one, whatever the
    // body does (a context manager's annotation names the generator).
    if !is_contextmanager
        && let Some(annotation) = function.child_by_field_name("return_type")
        && let Some(expr) = annotation_type(cx, annotation)
    {
        method.returns.push(expr);
    }
    let mut self_name = None;
    if let Some(parameters) = function.child_by_field_name("parameters") {
        let mut cursor = parameters.walk();
        for (position, parameter) in parameters.named_children(&mut cursor).enumerate() {
            let (name_node, annotation) = match parameter.kind() {
                "identifier" => (Some(parameter), None),
                "typed_parameter" => (
                    parameter
                        .named_child(0)
                        .filter(|n| n.kind() == "identifier"),
                    parameter.child_by_field_name("type"),
                ),
                "default_parameter" => (parameter.child_by_field_id(cx.ids.name), None),
                "typed_default_parameter" => (
                    parameter.child_by_field_id(cx.ids.name),
                    parameter.child_by_field_name("type"),
                ),
                _ => (None, None),
            };
            let Some(name_node) = name_node.filter(|n| n.kind() == "identifier") else {
                continue;
            };
            let param = cx.sym(name_node);
            if position == 0 && has_self && !is_static {
                method.self_name = Some(param);
                self_name = Some(cx.text(name_node));
                continue;
            }
            // `cls` stays unbound: it evaluates to the class itself.
            if position == 0 && is_class_method {
                continue;
            }
            method.bindings.push(Binding {
                name: param,
                kind: BindingKind::Param,
                expr: annotation.and_then(|a| annotation_type(cx, a)),
                range,
            });
        }
    }
    let body = function.child_by_field_id(cx.ids.body);
    if let Some(body) = body {
        scan_method(cx, body, self_name, index, &mut method, class);
    }
    (method, body.map(|body| (body, self_name)))
}

/// `Foo`, `mod.Foo`, `"Foo"`, `Optional[Foo]`, `Foo | None` → an instance
/// of `Foo`; `List[Foo]`, `dict[str, Foo]` → a container of them.
fn annotation_type(cx: &mut Ctx, annotation: Node) -> Option<TypeExpr> {
    // Containers around the class, outermost first (`true`: a mapping).
    let mut containers: Vec<bool> = Vec::new();
    let mut node = annotation;
    let class = loop {
        match node.kind() {
            "type" => node = node.named_child(0)?,
            "identifier" | "attribute" if is_dotted(node) => {
                break cx.names.intern_cow(compact_cow(cx.text(node)));
            }
            "string" => {
                let text = string_value(cx.source, node)?;
                let text = text.trim();
                if text.is_empty()
                    || !text
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    return None;
                }
                break cx.names.intern_owned(text.to_string());
            }
            "generic_type" | "subscript" => {
                let mut cursor = node.walk();
                let (head, parameters): (Node, Vec<Node>) = if node.kind() == "generic_type" {
                    let head = node.named_child(0)?;
                    let parameters = node.named_child(1)?;
                    let types = parameters
                        .named_children(&mut cursor)
                        .filter(|n| n.kind() == "type")
                        .collect();
                    (head, types)
                } else {
                    let head = node.child_by_field_id(cx.ids.value)?;
                    let types = node
                        .children_by_field_name("subscript", &mut cursor)
                        .collect();
                    (head, types)
                };
                let name = compact_cow(cx.text(head));
                let name = crate::names::last_segment(&name);
                // Nested containers are rare; a bound keeps evaluation shallow.
                if containers.len() > 3 {
                    return None;
                }
                node = match name {
                    "Optional" => *parameters.first()?,
                    "List" | "list" | "Set" | "set" | "FrozenSet" | "frozenset" | "Sequence"
                    | "MutableSequence" | "Iterable" | "Iterator" | "Collection" | "Deque"
                    | "deque" => {
                        containers.push(false);
                        *parameters.first()?
                    }
                    "Dict" | "dict" | "Mapping" | "MutableMapping" | "DefaultDict"
                    | "defaultdict" | "OrderedDict" => {
                        containers.push(true);
                        *parameters.get(1)?
                    }
                    _ => return None,
                };
            }
            "binary_operator" => {
                // `Foo | None`: the side that is not `None`.
                let left = node.child_by_field_id(cx.ids.left)?;
                let right = node.child_by_field_id(cx.ids.right)?;
                node = if cx.text(left) == "None" { right } else { left };
            }
            _ => return None,
        }
    };
    let mut expr = TypeExpr::new(TypeBase::Name(class), vec![TypeOp::Call]);
    for is_mapping in containers.into_iter().rev() {
        let elem = Box::new(expr);
        expr = TypeExpr::new(
            if is_mapping {
                TypeBase::DefaultDict(elem)
            } else {
                TypeBase::ListOf(elem)
            },
            Vec::new(),
        );
    }
    Some(expr)
}

/// Converts an expression to a type expression, peeling it from the
/// outside in (a loop, not recursion: expressions can nest deeply).
fn type_expr(cx: &mut Ctx, expression: Node, self_name: Option<&str>) -> Option<TypeExpr> {
    type_expr_nested(cx, expression, self_name, 0)
}

/// `depth` counts nested `defaultdict` factories, the only recursion.
fn type_expr_nested(
    cx: &mut Ctx,
    expression: Node,
    self_name: Option<&str>,
    depth: usize,
) -> Option<TypeExpr> {
    if depth > 4 {
        return None;
    }
    let ids = cx.ids;
    let mut ops = Vec::new();
    let mut node = expression;
    let base = loop {
        match node.kind() {
            "parenthesized_expression" | "await" => node = node.named_child(0)?,
            "call" => {
                let function = node.child_by_field_id(ids.function)?;
                if ids.kind(function) == Kind::Attribute {
                    let attr = function
                        .child_by_field_id(ids.attribute)
                        .map(|a| cx.text(a))
                        .unwrap_or("");
                    let object = function.child_by_field_id(ids.object)?;
                    if matches!(attr, "get" | "pop" | "setdefault")
                        && !cx.is_self(object, self_name)
                    {
                        ops.push(TypeOp::Item);
                        node = object;
                        continue;
                    }
                }
                // Only a name can be `defaultdict`; compacting the text of
                // anything else at each step of `f()()()...` is quadratic.
                let callee = if matches!(ids.kind(function), Kind::Identifier | Kind::Attribute) {
                    compact_cow(cx.text(function))
                } else {
                    Cow::Borrowed("")
                };
                if callee == "defaultdict" || callee.ends_with(".defaultdict") {
                    let arguments = node.child_by_field_id(ids.arguments)?;
                    let factory = arguments.named_child(0)?;
                    let elem = if factory.kind() == "lambda" {
                        type_expr_nested(
                            cx,
                            factory.child_by_field_id(ids.body)?,
                            self_name,
                            depth + 1,
                        )?
                    } else {
                        type_expr_nested(cx, factory, self_name, depth + 1)?.then(TypeOp::Call)
                    };
                    break TypeBase::DefaultDict(Box::new(elem));
                }
                ops.push(TypeOp::Call);
                node = function;
            }
            "subscript" => {
                ops.push(TypeOp::Item);
                node = node.child_by_field_id(ids.value)?;
            }
            "attribute" => {
                let (object, attr) = cx.attribute_parts(node)?;
                if cx.is_self(object, self_name) {
                    break TypeBase::SelfAttr(cx.sym(attr));
                }
                // `self.host.get_guest`: an attribute of `self.host`. Any
                // other dotted name may be a module path (`pkg.mod.Cls`);
                // `eval` tries it as one first, then as a local's
                // attributes (`host.get_guest`).
                if is_self_rooted(cx, object, self_name) {
                    ops.push(TypeOp::Attr(cx.sym(attr)));
                    node = object;
                    continue;
                }
                if is_dotted(node) {
                    break TypeBase::Name(cx.names.intern_cow(compact_cow(cx.text(node))));
                }
                return None;
            }
            "identifier" => {
                let name = cx.text(node);
                if Some(name) == self_name {
                    break TypeBase::SelfObj;
                }
                break TypeBase::Local(cx.names.intern(name));
            }
            // `[Mount(p) for p in paths]`, `(Mount(a), Mount(b))`: a
            // sequence of the (first) element's type.
            "list_comprehension" | "set_comprehension" | "generator_expression" => {
                let body = node.child_by_field_id(ids.body)?;
                let elem = type_expr_nested(cx, body, self_name, depth + 1)?;
                break TypeBase::ListOf(Box::new(elem));
            }
            "list" | "tuple" | "set" => {
                let mut cursor = node.walk();
                let first = node
                    .named_children(&mut cursor)
                    .find(|n| n.kind() != "comment")?;
                let elem = type_expr_nested(cx, first, self_name, depth + 1)?;
                break TypeBase::ListOf(Box::new(elem));
            }
            _ => return None,
        }
    };
    ops.reverse();
    Some(TypeExpr::new(base, ops))
}

/// Records the attribute nodes an assignment or `for` target stores into
/// (`self.x = v`, `self.x, self.y = v`, `for self.x in ...`), keyed by node
/// id, with the statement to report.
fn collect_store_targets<'t>(
    target: Node<'t>,
    statement: Node<'t>,
    stores: &mut FxHashMap<usize, Node<'t>>,
) {
    let mut pending = vec![target];
    while let Some(node) = pending.pop() {
        match node.kind() {
            "attribute" => {
                stores.insert(node.id(), statement);
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" => {
                let mut cursor = node.walk();
                pending.extend(node.named_children(&mut cursor));
            }
            _ => {}
        }
    }
}

/// Records the reads of one expression outside methods (class level).
fn scan_reads(cx: &mut Ctx, root: Node, self_name: &str, class: &mut ClassFacts) {
    let ids = cx.ids;
    walk_tree_pruned(root, |node| {
        let kind = ids.kind(node);
        if kind == Kind::Attribute
            && let Some((object, attr)) = cx.attribute_parts(node)
            && ids.kind(object) == Kind::Identifier
            && (cx.text(object) == self_name || cx.text(object) == "cls")
        {
            class.self_reads.push(cx.sym(attr));
        }
        kind != Kind::Class
    });
}

/// Walks a method body (nested functions included, nested classes not).
fn scan_method(
    cx: &mut Ctx,
    body: Node,
    self_name: Option<&str>,
    index: usize,
    method: &mut MethodFacts,
    class: &mut ClassFacts,
) {
    let ids = cx.ids;
    let whole = span(body);
    let mut stores: FxHashMap<usize, Node> = FxHashMap::default();
    // The value of the assignment chain being walked (`a = b = value`),
    // keyed by the id of the last assignment of the chain seen: the inner
    // assignments reuse it, as finding it again from each of them is
    // quadratic on long chains.
    let mut chain_value: Option<(usize, Node)> = None;
    walk_tree_pruned(body, |node| {
        match ids.kind(node) {
            Kind::Class => return false,
            Kind::Attribute => {
                let store = if stores.is_empty() {
                    None
                } else {
                    stores.remove(&node.id())
                };
                attribute_use(cx, node, store, self_name, index, method, class)
            }
            Kind::Call => call_use(cx, node, self_name, index, whole, method, class),
            Kind::Assignment => {
                let left = node.child_by_field_id(ids.left);
                if let Some(left) = left {
                    collect_store_targets(left, node, &mut stores);
                }
                if let (Some(left), Some(right)) = (left, node.child_by_field_id(ids.right)) {
                    let outer = node.parent().map(|p| p.id());
                    let value = match chain_value {
                        Some((id, value)) if Some(id) == outer => value,
                        _ => {
                            let mut value = right;
                            while ids.kind(value) == Kind::Assignment {
                                match value.child_by_field_id(ids.right) {
                                    Some(next) => value = next,
                                    None => break,
                                }
                            }
                            value
                        }
                    };
                    chain_value = Some((node.id(), value));
                    let annotation = node
                        .child_by_field_name("type")
                        .and_then(|t| annotation_type(cx, t));
                    assignment_types(
                        cx, left, value, annotation, self_name, index, whole, method, class,
                    );
                }
            }
            Kind::NamedExpression => {
                if let (Some(name), Some(value)) = (
                    node.child_by_field_id(ids.name),
                    node.child_by_field_id(ids.value),
                ) {
                    let name = cx.sym(name);
                    let expr = type_expr(cx, value, self_name);
                    method.bindings.push(Binding {
                        name,
                        kind: BindingKind::Local,
                        expr,
                        range: whole,
                    });
                }
            }
            Kind::For => {
                if let Some(left) = node.child_by_field_id(ids.left) {
                    collect_store_targets(left, left, &mut stores);
                }
                for_bindings(cx, node, self_name, method)
            }
            Kind::With => with_bindings(cx, node, self_name, method),
            Kind::Return => {
                if let Some(value) = node.named_child(0)
                    && let Some(expr) = type_expr(cx, value, self_name)
                {
                    method.returns.push(expr);
                }
            }
            Kind::Yield => {
                let is_from = {
                    let mut cursor = node.walk();
                    node.children(&mut cursor).any(|c| c.kind() == "from")
                };
                if !is_from
                    && let Some(value) = node.named_child(0)
                    && let Some(expr) = type_expr(cx, value, self_name)
                {
                    method.yields.push(expr);
                }
            }
            _ => {}
        }
        true
    });
}

#[allow(clippy::too_many_arguments)]
fn assignment_types(
    cx: &mut Ctx,
    left: Node,
    value: Node,
    annotation: Option<TypeExpr>,
    self_name: Option<&str>,
    index: usize,
    whole: Span,
    method: &mut MethodFacts,
    class: &mut ClassFacts,
) {
    // Pair targets with values when both are lists of the same length.
    let mut pairs = Vec::new();
    let targets = list_items(left);
    let values = list_items(value);
    if targets.len() > 1 && targets.len() == values.len() {
        pairs.extend(targets.into_iter().zip(values).map(|(t, v)| (t, Some(v))));
    } else if targets.len() == 1 {
        pairs.push((left, Some(value)));
    } else {
        pairs.extend(targets.into_iter().map(|t| (t, None)));
    }
    let ids = cx.ids;
    for (target, value) in pairs {
        let expr = |cx: &mut Ctx| {
            if annotation.is_some() {
                annotation.clone()
            } else {
                value.and_then(|v| type_expr(cx, v, self_name))
            }
        };
        match target.kind() {
            "identifier" => {
                let name = cx.sym(target);
                let expr = expr(cx);
                method.bindings.push(Binding {
                    name,
                    kind: BindingKind::Local,
                    expr,
                    range: whole,
                })
            }
            "attribute" => {
                if let Some((object, attr)) = cx.attribute_parts(target)
                    && cx.is_self(object, self_name)
                    && let Some(expr) = expr(cx)
                {
                    let attr = cx.sym(attr);
                    class.attr_types.push((attr, index, expr));
                }
            }
            "subscript" => {
                // `self.attr[k] = v`: `attr` is a dict of such values.
                if let Some(container) = target.child_by_field_id(ids.value)
                    && ids.kind(container) == Kind::Attribute
                    && let Some((object, attr)) = cx.attribute_parts(container)
                    && cx.is_self(object, self_name)
                    && let Some(expr) = expr(cx)
                {
                    let attr = cx.sym(attr);
                    class.attr_elems.push((attr, index, expr, true));
                }
            }
            _ => {}
        }
    }
}

/// The items of a target or value list (`a, b` / `(a, b)`), or the node itself.
fn list_items(node: Node) -> Vec<Node> {
    match node.kind() {
        "pattern_list" | "tuple_pattern" | "expression_list" | "tuple" => {
            let mut cursor = node.walk();
            node.named_children(&mut cursor).collect()
        }
        _ => vec![node],
    }
}

fn for_bindings(cx: &mut Ctx, node: Node, self_name: Option<&str>, method: &mut MethodFacts) {
    let ids = cx.ids;
    let (Some(left), Some(right), Some(body)) = (
        node.child_by_field_id(ids.left),
        node.child_by_field_id(ids.right),
        node.child_by_field_id(ids.body),
    ) else {
        return;
    };
    let range = span(body);
    let targets = list_items(left);
    // `sorted(x.items())`, `list(x.values())`: the copy keeps the elements.
    let right = through_copies(cx, right);
    // `x.values()` / `x.items()`: iterate the values of a dict.
    let mut iterated = right;
    let mut dict_view = None;
    if ids.kind(right) == Kind::Call
        && let Some(function) = right.child_by_field_id(ids.function)
        && ids.kind(function) == Kind::Attribute
        && let Some((object, attr)) = cx.attribute_parts(function)
    {
        let attr = cx.text(attr);
        if matches!(attr, "values" | "itervalues" | "items" | "iteritems") {
            iterated = object;
            dict_view = Some(attr.ends_with("items"));
        }
    }
    // `enumerate(x)`, `zip(a, b)`: one target per iterable, the index of
    // `enumerate` unknown.
    let mut per_target: Option<Vec<Option<Node>>> = None;
    if dict_view.is_none()
        && ids.kind(right) == Kind::Call
        && let Some(function) = right.child_by_field_id(ids.function)
        && ids.kind(function) == Kind::Identifier
    {
        let arguments = positional_arguments(right, ids);
        per_target = match cx.text(function) {
            "enumerate" if targets.len() == 2 && !arguments.is_empty() => {
                Some(vec![None, Some(arguments[0])])
            }
            "zip" if targets.len() == arguments.len() => {
                Some(arguments.into_iter().map(Some).collect())
            }
            _ => None,
        };
    }
    let bind_loop = |cx: &mut Ctx, method: &mut MethodFacts, target: Node, expr| {
        if ids.kind(target) == Kind::Identifier {
            method.bindings.push(Binding {
                name: cx.sym(target),
                kind: BindingKind::Loop,
                expr,
                range,
            });
        }
    };
    if let Some(iterables) = per_target {
        for (target, iterable) in targets.into_iter().zip(iterables) {
            let expr = iterable
                .and_then(|iterable| type_expr(cx, through_copies(cx, iterable), self_name))
                .map(|e| e.then(TypeOp::Iter));
            bind_loop(cx, method, target, expr);
        }
        return;
    }
    if dict_view.is_none() {
        iterated = through_copies(cx, iterated);
    }
    let base = type_expr(cx, iterated, self_name);
    let element = |op: TypeOp| base.clone().map(|e| e.then(op));
    let mut bind = |target: Node, expr: Option<TypeExpr>| bind_loop(cx, method, target, expr);
    match dict_view {
        Some(false) if targets.len() == 1 => bind(targets[0], element(TypeOp::Item)),
        Some(true) if targets.len() == 2 => {
            bind(targets[0], None);
            bind(targets[1], element(TypeOp::Item));
        }
        None if targets.len() == 1 => bind(targets[0], element(TypeOp::Iter)),
        _ => {
            for target in targets {
                bind(target, None);
            }
        }
    }
}

/// The positional arguments of a call.
fn positional_arguments<'t>(call: Node<'t>, ids: &Ids) -> Vec<Node<'t>> {
    let Some(arguments) = call.child_by_field_id(ids.arguments) else {
        return Vec::new();
    };
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|a| !matches!(a.kind(), "keyword_argument" | "comment"))
        .collect()
}

/// What an iterable holds the elements of, through the copies that keep
/// them: `list(x)`, `tuple(x)`, `sorted(x, key=...)`, `reversed(x)`,
/// `x[:]`, parentheses.
fn through_copies<'t>(cx: &Ctx, iterable: Node<'t>) -> Node<'t> {
    let ids = cx.ids;
    let mut node = iterable;
    // Bounded: hostile input may nest copies without end.
    for _ in 0..16 {
        let inner = match node.kind() {
            "parenthesized_expression" => node.named_child(0),
            "subscript"
                if node
                    .child_by_field_name("subscript")
                    .is_some_and(|s| s.kind() == "slice") =>
            {
                node.child_by_field_id(ids.value)
            }
            "call" => node
                .child_by_field_id(ids.function)
                .filter(|f| {
                    ids.kind(*f) == Kind::Identifier
                        && matches!(cx.text(*f), "list" | "tuple" | "sorted" | "reversed")
                })
                .and_then(|_| positional_arguments(node, ids).first().copied()),
            _ => None,
        };
        match inner {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

fn with_bindings(cx: &mut Ctx, statement: Node, self_name: Option<&str>, method: &mut MethodFacts) {
    let ids = cx.ids;
    let Some(body) = statement.child_by_field_id(ids.body) else {
        return;
    };
    let range = span(body);
    let mut cursor = statement.walk();
    let Some(clause) = statement
        .named_children(&mut cursor)
        .find(|n| n.kind() == "with_clause")
    else {
        return;
    };
    let mut cursor = clause.walk();
    for item in clause.named_children(&mut cursor) {
        let Some(value) = item.child_by_field_id(ids.value) else {
            continue;
        };
        if value.kind() != "as_pattern" {
            continue;
        }
        let Some(target) = value
            .child_by_field_name("alias")
            .and_then(|alias| alias.named_child(0))
            .filter(|t| ids.kind(*t) == Kind::Identifier)
        else {
            continue;
        };
        let expr = value
            .named_child(0)
            .and_then(|m| type_expr(cx, m, self_name))
            .map(|e| e.then(TypeOp::Enter));
        method.bindings.push(Binding {
            name: cx.sym(target),
            kind: BindingKind::With,
            expr,
            range,
        });
    }
}

/// Whether `text` with its spaces removed is the concatenation of `parts`
/// (`type( self )` against `["type(", "self", ")"]`), without allocating.
fn equals_without_spaces(text: &str, parts: &[&str]) -> bool {
    let mut expected = parts.iter().flat_map(|p| p.chars());
    for c in text.chars().filter(|c| *c != ' ') {
        if expected.next() != Some(c) {
            return false;
        }
    }
    expected.next().is_none()
}

fn attribute_use(
    cx: &mut Ctx,
    node: Node,
    store: Option<Node>,
    self_name: Option<&str>,
    index: usize,
    method: &mut MethodFacts,
    class: &mut ClassFacts,
) {
    let ids = cx.ids;
    let Some((object, attr)) = cx.attribute_parts(node) else {
        return;
    };
    if cx.is_self(object, self_name) {
        let attr_text = cx.text(attr);
        if attr_text == "__dict__" {
            class.dynamic = true;
        }
        let attr = cx.names.intern(attr_text);
        if let Some(statement) = store {
            // Report the whole `self.x = v` when it is a simple assignment.
            let statement = if ids.kind(statement) == Kind::Assignment
                && statement.child_by_field_id(ids.left).map(|l| l.id()) == Some(node.id())
            {
                statement
            } else {
                node
            };
            method.self_writes.push(SelfWrite {
                attr,
                span: span(statement),
            });
        } else {
            class.self_reads.push(attr);
        }
        return;
    }
    let object_text = cx.text(object);
    let class_name = crate::names::last_segment(&class.local_name);
    let self_text = self_name.unwrap_or("self");
    let object_kind = ids.kind(object);
    // `type(self)` and `self.__class__` are a call and an attribute.
    let is_class_object = object_text == "cls"
        || object_text == class_name
        || (object_kind != Kind::Identifier
            && (equals_without_spaces(object_text, &["type(", self_text, ")"])
                || self_name
                    .is_some_and(|s| equals_without_spaces(object_text, &[s, ".__class__"]))));
    if is_class_object {
        if store.is_none() {
            class.self_reads.push(cx.sym(attr));
        }
        return;
    }
    // `get_state().error`: read on whatever the call returns.
    if store.is_none()
        && object_kind == Kind::Call
        && let Some(expr) = type_expr(cx, object, self_name)
    {
        let attr = cx.sym(attr);
        class.call_reads.push((attr, index, expr));
        return;
    }
    let foreign = store.is_none()
        && (object_kind == Kind::Identifier
            || (object_kind == Kind::Attribute
                && object
                    .child_by_field_id(ids.object)
                    .is_some_and(|o| cx.is_self(o, self_name))));
    if !foreign {
        return;
    }
    // What `type_expr` makes of `v` and `self.v`, without its allocation.
    let (object, through_self) = if object_kind == Kind::Identifier {
        (cx.names.intern(object_text), false)
    } else {
        match cx.attribute_parts(object) {
            Some((_, inner)) => (cx.sym(inner), true),
            None => return,
        }
    };
    let attr = cx.sym(attr);
    class.foreign_reads.push(ForeignRead {
        attr,
        method: index as u32,
        object,
        through_self,
    });
}

fn call_use(
    cx: &mut Ctx,
    node: Node,
    self_name: Option<&str>,
    index: usize,
    whole: Span,
    method: &mut MethodFacts,
    class: &mut ClassFacts,
) {
    let ids = cx.ids;
    let Some(function) = node.child_by_field_id(ids.function) else {
        return;
    };
    let arguments = node.child_by_field_id(ids.arguments);
    let argument = |i: usize| {
        arguments.and_then(|a| {
            let mut cursor = a.walk();
            a.named_children(&mut cursor)
                .filter(|n| n.kind() != "comment")
                .nth(i)
        })
    };
    let function_kind = ids.kind(function);
    // `'{0.x}'.format(self)`, `dataclasses.asdict(self)`: every attribute
    // may be read.
    let callee = match function_kind {
        Kind::Attribute => function
            .child_by_field_id(ids.attribute)
            .map_or("", |a| cx.text(a)),
        _ => cx.text(function),
    };
    if matches!(callee, "format" | "asdict" | "astuple" | "format_map")
        && let Some(arguments) = arguments
    {
        let mut cursor = arguments.walk();
        let passes_self = arguments.named_children(&mut cursor).any(|a| {
            cx.is_self(a, self_name)
                || (a.kind() == "keyword_argument"
                    && a.child_by_field_id(ids.value)
                        .is_some_and(|v| cx.is_self(v, self_name)))
        });
        if passes_self {
            class.dynamic = true;
        }
    }
    match function_kind {
        Kind::Identifier => {
            let name = cx.text(function);
            if !matches!(name, "setattr" | "getattr" | "hasattr" | "delattr" | "vars") {
                return;
            }
            if !argument(0).is_some_and(|a| cx.is_self(a, self_name)) {
                return;
            }
            if name == "vars" {
                class.dynamic = true;
                return;
            }
            match argument(1).and_then(|a| string_value(cx.source, a)) {
                Some(attr) if name == "setattr" => {
                    let attr = cx.names.intern_owned(attr);
                    method.self_writes.push(SelfWrite {
                        attr,
                        span: span(node),
                    })
                }
                Some(attr) => {
                    let attr = cx.names.intern_owned(attr);
                    class.self_reads.push(attr);
                }
                // `getattr(self, name)`: any attribute may be read.
                None if name != "setattr" => class.dynamic = true,
                None => {}
            }
        }
        Kind::Attribute => {
            let Some((object, attr)) = cx.attribute_parts(function) else {
                return;
            };
            if cx.is_self(object, self_name) {
                let attr = cx.sym(attr);
                method.self_calls.push(attr);
                return;
            }
            // `self.things.append(Thing())`: `things` holds `Thing`s.
            if ids.kind(object) == Kind::Attribute
                && let Some((inner, container)) = cx.attribute_parts(object)
                && cx.is_self(inner, self_name)
            {
                let (value, is_dict) = match cx.text(attr) {
                    "append" | "add" => (argument(0), false),
                    "setdefault" => (argument(1), true),
                    _ => (None, false),
                };
                if let Some(expr) = value.and_then(|v| type_expr(cx, v, self_name)) {
                    let container = cx.sym(container);
                    class.attr_elems.push((container, index, expr, is_dict));
                }
            }
            // `mounts.append(Mount(p))` on a local list: a list of `Mount`s.
            if ids.kind(object) == Kind::Identifier
                && matches!(cx.text(attr), "append" | "add")
                && let Some(expr) = argument(0).and_then(|v| type_expr(cx, v, self_name))
            {
                method.bindings.push(Binding {
                    name: cx.sym(object),
                    kind: BindingKind::Local,
                    expr: Some(TypeExpr::new(TypeBase::ListOf(Box::new(expr)), Vec::new())),
                    range: whole,
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_python;
    use crate::syntax::SyntaxTree;

    fn classes_of(code: &str) -> FileClasses {
        let source = SourceFile::new("t.py".into(), code.into());
        let tree = SyntaxTree::from_tree(&parse_python(code).unwrap());
        extract(
            &source,
            tree.root(),
            &crate::facts::Outline::of(&source, tree.root()).classes,
            "pkg.mod",
        )
    }

    #[test]
    fn model_of_a_class() {
        let code = "\
class Outer(base.Base, metaclass=abc.ABCMeta):
    __slots__ = ('a', 'b')
    field: int
    class Inner(object):
        pass
    @property
    def prop(self):
        return self._prop
    def __init__(self, x: 'Thing'):
        self.items = collections.defaultdict(self.Inner)
        self.c, self.d = 1, 2
        setattr(self, 'e', 3)
    @contextlib.contextmanager
    def locked(self, key):
        item = self.items[key]
        yield item
    def use(self, key):
        with self.locked(key) as it:
            it.flag = getattr(self, 'g')
        for k, v in self.items.items():
            v.other = 1
        self.flag = 2
        self.other = 3
";
        let file = classes_of(code);
        let names = &file.names;
        let sym = |name: &str| names.lookup(name).unwrap();
        let classes = &file.classes;
        assert_eq!(classes.len(), 2);
        let outer = &classes[0];
        assert_eq!(outer.qualname, "pkg.mod.Outer");
        assert_eq!(classes[1].local_name, "Outer.Inner");
        assert_eq!(outer.bases, ["base.Base"]);
        assert!(!outer.opaque_base);
        for name in [
            "a", "b", "field", "Inner", "prop", "__init__", "locked", "use",
        ] {
            assert!(outer.declares(sym(name)).is_some(), "{name}");
        }
        assert!(outer.reads(sym("_prop")));
        assert!(outer.reads(sym("g")));
        let init = &outer.methods[outer.method(sym("__init__")).unwrap()];
        let writes: Vec<&str> = init.self_writes.iter().map(|w| names.get(w.attr)).collect();
        assert_eq!(writes, ["items", "c", "d", "e"]);
        // Nothing evaluates `x`: `__init__` has no candidate write.
        assert!(init.bindings.is_empty());
        let locked = &outer.methods[outer.method(sym("locked")).unwrap()];
        assert!(locked.is_contextmanager);
        assert_eq!(
            locked.yields,
            [TypeExpr::new(TypeBase::Local(sym("item")), vec![])]
        );
        let used = &outer.methods[outer.method(sym("use")).unwrap()];
        let with = used.bindings.iter().find(|b| b.name == sym("it")).unwrap();
        assert_eq!(with.kind, BindingKind::With);
        assert_eq!(
            *with.expr.as_ref().unwrap().ops,
            [TypeOp::Call, TypeOp::Enter]
        );
        let value = used.bindings.iter().find(|b| b.name == sym("v")).unwrap();
        assert_eq!(*value.expr.as_ref().unwrap().ops, [TypeOp::Item]);
        // `flag` and `other` are written on `self` but never read there:
        // their uses on other variables are kept.
        assert!(outer.var_attr(sym("it"), sym("flag")).is_some());
        assert!(outer.var_attr(sym("v"), sym("other")).is_some());
    }

    #[test]
    fn what_mg004_cannot_use_is_dropped() {
        let code = "\
class A(object):
    def __init__(self):
        self.known = 1
    def f(self, thing):
        helper = make()
        unused = 1
        thing.known = 2
        self.known = 3
        os.path.join(thing.name)
        return helper
";
        let file = classes_of(code);
        let names = &file.names;
        let sym = |name: &str| names.lookup(name).unwrap();
        let class = &file.classes[0];
        // No candidate write: no variable attribute uses are kept.
        assert!(class.var_attrs.is_empty());
        // `os` is not bound in the method; `thing` has no type.
        assert!(class.foreign_reads.is_empty());
        let f = &class.methods[class.method(sym("f")).unwrap()];
        let bound: Vec<&str> = f.bindings.iter().map(|b| names.get(b.name)).collect();
        assert_eq!(bound, ["helper"], "only what `return helper` needs");
    }

    #[test]
    fn dynamic_access_is_noted() {
        for body in [
            "def __getattr__(self, name): pass",
            "def f(self): return vars(self)",
            "def f(self): return self.__dict__",
            "def f(self, n): return getattr(self, n)",
            "def f(self): return '{0.x}'.format(self)",
            "def f(self): return '{s.x}'.format(s=self)",
            "def f(self): return dataclasses.asdict(self)",
        ] {
            let file = classes_of(&format!("class A:\n    {body}\n"));
            assert!(file.classes[0].dynamic, "{body}");
        }
    }

    #[test]
    fn class_object_reads_count_as_self_reads() {
        for read in [
            "type(self).x",
            "type( self ).x",
            "self.__class__.x",
            "cls.x",
            "A.x",
        ] {
            let file = classes_of(&format!(
                "class A:\n    def f(self):\n        return {read}\n"
            ));
            let x = file.names.lookup("x").unwrap();
            assert!(file.classes[0].reads(x), "{read}");
        }
    }

    #[test]
    fn names_round_trip() {
        let mut interner = Interner::default();
        let words = ["b", "a", "ccc", "a", "dd"];
        let syms: Vec<Sym> = words.iter().map(|w| interner.intern(w)).collect();
        assert_eq!(syms, [0, 1, 2, 1, 3]);
        let (names, remap) = interner.finish(&[true; 4]);
        assert_eq!(remap, [0, 1, 2, 3]);
        for (word, sym) in words.iter().zip(syms) {
            assert_eq!(names.get(sym), *word);
            assert_eq!(names.lookup(word), Some(sym));
        }
        assert_eq!(names.lookup("zz"), None);
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let n = 100_000;
        let inputs = [
            format!(
                "class A(object):\n    def m(self, v):\n        self.x = {}v{}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
            format!(
                "class A(object):\n    def m(self, v):\n        self.x = {}self.a{}\n",
                "[".repeat(n),
                "]".repeat(n)
            ),
            format!(
                "class A(object):\n    def m(self, v):\n        {}self.b{} = v\n",
                "self.a, (".repeat(20_000),
                ")".repeat(20_000)
            ),
            format!(
                "class A(object):\n    def m(self, v):\n        self.x = {}v{}\n",
                "defaultdict(lambda: ".repeat(5_000),
                ")".repeat(5_000)
            ),
        ];
        for code in inputs {
            let file = classes_of(&code);
            assert_eq!(file.classes.len(), 1);
        }
    }
}

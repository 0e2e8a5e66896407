//! The class model of one file (for wrong-object-attribute): what each
//! class declares, which attributes its methods read and write on `self`,
//! and enough about the other variables of each method (parameters,
//! locals, loop and `with` targets) to infer their classes later, across
//! files, in `link::classes`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::syntax::Node;

use super::imports::ImportMap;
use super::walk_tree_pruned;
use crate::finding::{Location, normalise_snippet};
use crate::parse::SourceFile;

/// A place in the source and its normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub location: Location,
    pub snippet: String,
}

/// Where a type expression starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeBase {
    /// A (possibly dotted) name as spelled: a class, or a local that turned
    /// out not to be bound in the method.
    Name(String),
    /// `self` itself.
    SelfObj,
    /// `self.attr`.
    SelfAttr(String),
    /// A local variable of the same method (or class scope).
    Local(String),
    /// `collections.defaultdict(factory)` (or a `Dict[K, V]` annotation):
    /// a dict whose items are of the element type.
    DefaultDict(Box<TypeExpr>),
    /// A sequence or set of elements of the type (`List[Foo]`).
    ListOf(Box<TypeExpr>),
}

/// What is done to the base value, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeExpr {
    pub base: TypeBase,
    pub ops: Vec<TypeOp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    Param,
    Local,
    Loop,
    With,
}

/// A name bound in a method, with what it is bound to when that is known.
#[derive(Debug, Clone)]
pub struct Binding {
    pub name: String,
    pub kind: BindingKind,
    pub expr: Option<TypeExpr>,
    /// Byte range where the binding is certainly live: the body of the
    /// `for`/`with` statement; the whole method otherwise.
    pub range: (u32, u32),
}

/// `self.attr = ...` (or `setattr(self, "attr", ...)`) in a method.
#[derive(Debug, Clone)]
pub struct SelfWrite {
    pub attr: String,
    pub site: Site,
}

#[derive(Debug, Clone)]
pub struct MethodFacts {
    pub name: String,
    /// The name of the instance parameter; `None` for static and class methods.
    pub self_name: Option<String>,
    pub is_contextmanager: bool,
    pub bindings: Vec<Binding>,
    pub returns: Vec<TypeExpr>,
    pub yields: Vec<TypeExpr>,
    /// Methods called on `self` (for the closure of `__init__`).
    pub self_calls: Vec<String>,
    pub self_writes: Vec<SelfWrite>,
}

/// Marks a type expression of class-body scope rather than of a method.
pub const CLASS_SCOPE: usize = usize::MAX;

#[derive(Debug, Clone)]
pub struct ClassFacts {
    /// Not a class: the module's top-level functions, kept (as methods
    /// without `self`) so that their reads of other objects' attributes
    /// are seen.
    pub synthetic: bool,
    /// Module-qualified name: `nova.virt.libvirt.volume.mount.MountManager`.
    pub qualname: String,
    /// Name within the module: `MountManager._ManagedMount`.
    pub local_name: String,
    pub name_site: Site,
    /// Bases as spelled (dotted names); keyword arguments left out.
    pub bases: Vec<String>,
    /// A base that is not a dotted name (`six.with_metaclass(...)`).
    pub opaque_base: bool,
    /// Names declared in the class body: assignments and annotations
    /// (dataclass/attrs fields included), `__slots__` entries, methods,
    /// properties, nested classes.
    pub declared: BTreeMap<String, Site>,
    pub methods: Vec<MethodFacts>,
    /// Attributes read on `self` (or `cls`, `type(self)`) anywhere in the class.
    pub self_reads: BTreeSet<String>,
    /// The class customises attribute access (`__getattr__`, `__setattr__`,
    /// `__getattribute__`) or reads its attributes dynamically
    /// (`vars(self)`, `self.__dict__`, `getattr(self, name)`).
    pub dynamic: bool,
    /// `v.attr` for variables other than `self` in the class's methods:
    /// (variable, attribute) → first use.
    pub var_attrs: BTreeMap<(String, String), Site>,
    /// Attributes read on other objects in the methods (`v.attr`,
    /// `self.other.attr`): the attribute, the method, the object. When the
    /// object is an instance of another class, that class's attribute is
    /// read from outside.
    pub foreign_reads: Vec<(String, usize, TypeExpr)>,
    /// Values stored into `self.attr` (method index or `CLASS_SCOPE`).
    pub attr_types: Vec<(String, usize, TypeExpr)>,
    /// Elements stored into the container `self.attr` (`self.attr[k] = v`,
    /// `.append(v)`, `.add(v)`, `.setdefault(k, v)`), and whether it is a dict.
    pub attr_elems: Vec<(String, usize, TypeExpr, bool)>,
}

impl ClassFacts {
    /// The method a name is bound to: the last definition, as in Python
    /// (a property's setter rebinds the getter's name).
    pub fn method(&self, name: &str) -> Option<usize> {
        self.methods.iter().rposition(|m| m.name == name)
    }
}

pub fn extract(
    source: &SourceFile,
    root: Node,
    _imports: &ImportMap,
    module: &str,
) -> Vec<ClassFacts> {
    let mut classes = Vec::new();
    walk_scoped(source, root, |node, scope| {
        if node.kind() == "class_definition" {
            let mut local = scope.to_vec();
            if let Some(name) = node.child_by_field_name("name") {
                local.push(source.node_text(name).to_string());
                classes.push(class_facts(source, node, module, &local.join(".")));
            }
        }
    });
    let mut functions = class_facts(source, root, module, MODULE_FUNCTIONS);
    if !functions.methods.is_empty() {
        functions.synthetic = true;
        functions.declared.clear();
        classes.push(functions);
    }
    classes
}

/// Local name of the synthetic class holding a module's functions.
pub const MODULE_FUNCTIONS: &str = "<module>";

fn site(source: &SourceFile, node: Node) -> Site {
    Site {
        location: source.node_location(node),
        snippet: normalise_snippet(source.node_text(node)),
    }
}

fn class_facts(source: &SourceFile, class: Node, module: &str, local_name: &str) -> ClassFacts {
    let name_node = class.child_by_field_name("name").unwrap_or(class);
    let mut facts = ClassFacts {
        synthetic: false,
        qualname: if module.is_empty() {
            local_name.to_string()
        } else {
            format!("{module}.{local_name}")
        },
        local_name: local_name.to_string(),
        name_site: if class.kind() == "module" {
            Site {
                location: source.location(0, 0),
                snippet: String::new(),
            }
        } else {
            site(source, name_node)
        },
        bases: Vec::new(),
        opaque_base: false,
        declared: BTreeMap::new(),
        methods: Vec::new(),
        self_reads: BTreeSet::new(),
        dynamic: false,
        var_attrs: BTreeMap::new(),
        foreign_reads: Vec::new(),
        attr_types: Vec::new(),
        attr_elems: Vec::new(),
    };
    if let Some(arguments) = class.child_by_field_name("superclasses") {
        let mut cursor = arguments.walk();
        for base in arguments.named_children(&mut cursor) {
            match base.kind() {
                "identifier" | "attribute" if is_dotted(base) => {
                    facts.bases.push(compact(source.node_text(base)))
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
        match class.child_by_field_name("body") {
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
                let Some(name) = definition.child_by_field_name("name") else {
                    continue;
                };
                let name = source.node_text(name).to_string();
                if matches!(
                    name.as_str(),
                    "__getattr__" | "__setattr__" | "__getattribute__"
                ) {
                    facts.dynamic = true;
                }
                // `@x.setter def x` declares `x` like the getter does.
                facts
                    .declared
                    .entry(name.clone())
                    .or_insert_with(|| site(source, statement));
                let index = facts.methods.len();
                let method = method_facts(
                    source,
                    definition,
                    &decorators,
                    name,
                    index,
                    !is_module,
                    &mut facts,
                );
                facts.methods.push(method);
            }
            _ if is_module => {}
            "class_definition" => {
                if let Some(name) = definition.child_by_field_name("name") {
                    facts
                        .declared
                        .entry(source.node_text(name).to_string())
                        .or_insert_with(|| site(source, statement));
                }
            }
            "expression_statement" => {
                class_level_statement(source, statement, &mut facts);
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
fn class_level_statement(source: &SourceFile, statement: Node, facts: &mut ClassFacts) {
    let mut cursor = statement.walk();
    for expression in statement.named_children(&mut cursor) {
        let mut assignment = expression;
        while assignment.kind() == "assignment" {
            let Some(left) = assignment.child_by_field_name("left") else {
                break;
            };
            let right = assignment.child_by_field_name("right");
            for target in target_names(left) {
                let name = source.node_text(target).to_string();
                if name == "__slots__"
                    && let Some(right) = right
                {
                    declare_strings(source, right, statement, facts);
                }
                if let Some(expr) = right.and_then(|r| type_expr(source, r, None)) {
                    facts.attr_types.push((name.clone(), CLASS_SCOPE, expr));
                }
                facts
                    .declared
                    .entry(name)
                    .or_insert_with(|| site(source, statement));
            }
            match right {
                Some(next) if next.kind() == "assignment" => assignment = next,
                _ => break,
            }
        }
        // Lambdas and calls at class level (`x = property(lambda self:
        // self._x)`) read attributes too.
        scan_reads(source, expression, "self", facts);
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
fn declare_strings(source: &SourceFile, value: Node, statement: Node, facts: &mut ClassFacts) {
    walk_tree_pruned(value, |node| {
        if node.kind() == "string" {
            if let Some(text) = string_value(source, node) {
                facts
                    .declared
                    .entry(text)
                    .or_insert_with(|| site(source, statement));
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

fn is_dotted(node: Node) -> bool {
    let mut node = node;
    loop {
        match node.kind() {
            "identifier" => return true,
            "attribute" => match node.child_by_field_name("object") {
                Some(object) => node = object,
                None => return false,
            },
            _ => return false,
        }
    }
}

/// Removes whitespace inside a dotted name.
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect()
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
fn method_facts(
    source: &SourceFile,
    function: Node,
    decorators: &[Node],
    name: String,
    index: usize,
    has_self: bool,
    class: &mut ClassFacts,
) -> MethodFacts {
    let decorator_names: Vec<String> = decorators
        .iter()
        .map(|d| decorator_name(source, *d))
        .collect();
    let is_class_method = decorator_names.iter().any(|d| d == "classmethod");
    let is_static = is_class_method || decorator_names.iter().any(|d| d == "staticmethod");
    let is_contextmanager = decorator_names
        .iter()
        .any(|d| d.rsplit('.').next() == Some("contextmanager"));
    let range = (function.start_byte() as u32, function.end_byte() as u32);
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
                "default_parameter" => (parameter.child_by_field_name("name"), None),
                "typed_default_parameter" => (
                    parameter.child_by_field_name("name"),
                    parameter.child_by_field_name("type"),
                ),
                _ => (None, None),
            };
            let Some(name_node) = name_node.filter(|n| n.kind() == "identifier") else {
                continue;
            };
            let param = source.node_text(name_node).to_string();
            if position == 0 && has_self && !is_static {
                method.self_name = Some(param);
                continue;
            }
            // `cls` stays unbound: it evaluates to the class itself.
            if position == 0 && is_class_method {
                continue;
            }
            method.bindings.push(Binding {
                name: param,
                kind: BindingKind::Param,
                expr: annotation.and_then(|a| annotation_type(source, a)),
                range,
            });
        }
    }
    let self_name = method.self_name.clone();
    if let Some(body) = function.child_by_field_name("body") {
        scan_method(
            source,
            body,
            self_name.as_deref(),
            index,
            &mut method,
            class,
        );
    }
    method
}

/// `Foo`, `mod.Foo`, `"Foo"`, `Optional[Foo]`, `Foo | None` → an instance
/// of `Foo`; `List[Foo]`, `dict[str, Foo]` → a container of them.
fn annotation_type(source: &SourceFile, annotation: Node) -> Option<TypeExpr> {
    // Containers around the class, outermost first (`true`: a mapping).
    let mut containers: Vec<bool> = Vec::new();
    let mut node = annotation;
    let class = loop {
        match node.kind() {
            "type" => node = node.named_child(0)?,
            "identifier" | "attribute" if is_dotted(node) => {
                break compact(source.node_text(node));
            }
            "string" => {
                let text = string_value(source, node)?;
                let text = text.trim();
                if text.is_empty()
                    || !text
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    return None;
                }
                break text.to_string();
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
                    let head = node.child_by_field_name("value")?;
                    let types = node
                        .children_by_field_name("subscript", &mut cursor)
                        .collect();
                    (head, types)
                };
                let name = compact(source.node_text(head));
                let name = name.rsplit('.').next().unwrap_or("");
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
                let left = node.child_by_field_name("left")?;
                let right = node.child_by_field_name("right")?;
                node = if source.node_text(left) == "None" {
                    right
                } else {
                    left
                };
            }
            _ => return None,
        }
    };
    let mut expr = TypeExpr {
        base: TypeBase::Name(class),
        ops: vec![TypeOp::Call],
    };
    for is_mapping in containers.into_iter().rev() {
        let elem = Box::new(expr);
        expr = TypeExpr {
            base: if is_mapping {
                TypeBase::DefaultDict(elem)
            } else {
                TypeBase::ListOf(elem)
            },
            ops: Vec::new(),
        };
    }
    Some(expr)
}

/// Converts an expression to a type expression, peeling it from the
/// outside in (a loop, not recursion: expressions can nest deeply).
pub fn type_expr(
    source: &SourceFile,
    expression: Node,
    self_name: Option<&str>,
) -> Option<TypeExpr> {
    type_expr_nested(source, expression, self_name, 0)
}

/// `depth` counts nested `defaultdict` factories, the only recursion.
fn type_expr_nested(
    source: &SourceFile,
    expression: Node,
    self_name: Option<&str>,
    depth: usize,
) -> Option<TypeExpr> {
    if depth > 4 {
        return None;
    }
    let mut ops = Vec::new();
    let mut node = expression;
    let base = loop {
        match node.kind() {
            "parenthesized_expression" | "await" => node = node.named_child(0)?,
            "call" => {
                let function = node.child_by_field_name("function")?;
                if function.kind() == "attribute" {
                    let attr = function
                        .child_by_field_name("attribute")
                        .map(|a| source.node_text(a))
                        .unwrap_or("");
                    let object = function.child_by_field_name("object")?;
                    if matches!(attr, "get" | "pop" | "setdefault")
                        && !is_self(source, object, self_name)
                    {
                        ops.push(TypeOp::Item);
                        node = object;
                        continue;
                    }
                }
                let callee = compact(source.node_text(function));
                if callee == "defaultdict" || callee.ends_with(".defaultdict") {
                    let arguments = node.child_by_field_name("arguments")?;
                    let factory = arguments.named_child(0)?;
                    let elem = if factory.kind() == "lambda" {
                        type_expr_nested(
                            source,
                            factory.child_by_field_name("body")?,
                            self_name,
                            depth + 1,
                        )?
                    } else {
                        let mut elem = type_expr_nested(source, factory, self_name, depth + 1)?;
                        elem.ops.push(TypeOp::Call);
                        elem
                    };
                    break TypeBase::DefaultDict(Box::new(elem));
                }
                ops.push(TypeOp::Call);
                node = function;
            }
            "subscript" => {
                ops.push(TypeOp::Item);
                node = node.child_by_field_name("value")?;
            }
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attr = node.child_by_field_name("attribute")?;
                if is_self(source, object, self_name) {
                    break TypeBase::SelfAttr(source.node_text(attr).to_string());
                }
                if is_dotted(node) {
                    break TypeBase::Name(compact(source.node_text(node)));
                }
                return None;
            }
            "identifier" => {
                let name = source.node_text(node);
                if Some(name) == self_name {
                    break TypeBase::SelfObj;
                }
                break TypeBase::Local(name.to_string());
            }
            _ => return None,
        }
    };
    ops.reverse();
    Some(TypeExpr { base, ops })
}

fn is_self(source: &SourceFile, node: Node, self_name: Option<&str>) -> bool {
    node.kind() == "identifier" && Some(source.node_text(node)) == self_name
}

/// Records the attribute nodes an assignment or `for` target stores into
/// (`self.x = v`, `self.x, self.y = v`, `for self.x in ...`), keyed by node
/// id, with the statement to report. Done from the statement downwards:
/// `Node::parent` costs a walk from the root, too slow on hostile nesting.
fn collect_store_targets<'t>(
    target: Node<'t>,
    statement: Node<'t>,
    stores: &mut HashMap<usize, Node<'t>>,
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
fn scan_reads(source: &SourceFile, root: Node, self_name: &str, class: &mut ClassFacts) {
    walk_tree_pruned(root, |node| {
        if node.kind() == "attribute"
            && let (Some(object), Some(attr)) = (
                node.child_by_field_name("object"),
                node.child_by_field_name("attribute"),
            )
            && object.kind() == "identifier"
            && (source.node_text(object) == self_name || source.node_text(object) == "cls")
        {
            class.self_reads.insert(source.node_text(attr).to_string());
        }
        node.kind() != "class_definition"
    });
}

/// Walks a method body (nested functions included, nested classes not).
fn scan_method(
    source: &SourceFile,
    body: Node,
    self_name: Option<&str>,
    index: usize,
    method: &mut MethodFacts,
    class: &mut ClassFacts,
) {
    let whole = (body.start_byte() as u32, body.end_byte() as u32);
    let mut stores: HashMap<usize, Node> = HashMap::new();
    walk_tree_pruned(body, |node| {
        match node.kind() {
            "class_definition" => return false,
            "attribute" => {
                let store = stores.remove(&node.id());
                attribute_use(source, node, store, self_name, index, method, class)
            }
            "call" => call_use(source, node, self_name, index, method, class),
            "assignment" => {
                if let Some(left) = node.child_by_field_name("left") {
                    collect_store_targets(left, node, &mut stores);
                }
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    let mut value = right;
                    while value.kind() == "assignment" {
                        match value.child_by_field_name("right") {
                            Some(next) => value = next,
                            None => break,
                        }
                    }
                    let annotation = node
                        .child_by_field_name("type")
                        .and_then(|t| annotation_type(source, t));
                    assignment_types(
                        source, left, value, annotation, self_name, index, whole, method, class,
                    );
                }
            }
            "named_expression" => {
                if let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) {
                    method.bindings.push(Binding {
                        name: source.node_text(name).to_string(),
                        kind: BindingKind::Local,
                        expr: type_expr(source, value, self_name),
                        range: whole,
                    });
                }
            }
            "for_statement" => {
                if let Some(left) = node.child_by_field_name("left") {
                    collect_store_targets(left, left, &mut stores);
                }
                for_bindings(source, node, self_name, method)
            }
            "with_statement" => with_bindings(source, node, self_name, method),
            "return_statement" => {
                if let Some(value) = node.named_child(0)
                    && let Some(expr) = type_expr(source, value, self_name)
                {
                    method.returns.push(expr);
                }
            }
            "yield" => {
                let is_from = {
                    let mut cursor = node.walk();
                    node.children(&mut cursor).any(|c| c.kind() == "from")
                };
                if !is_from
                    && let Some(value) = node.named_child(0)
                    && let Some(expr) = type_expr(source, value, self_name)
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
    source: &SourceFile,
    left: Node,
    value: Node,
    annotation: Option<TypeExpr>,
    self_name: Option<&str>,
    index: usize,
    whole: (u32, u32),
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
    for (target, value) in pairs {
        let expr = if annotation.is_some() {
            annotation.clone()
        } else {
            value.and_then(|v| type_expr(source, v, self_name))
        };
        match target.kind() {
            "identifier" => method.bindings.push(Binding {
                name: source.node_text(target).to_string(),
                kind: BindingKind::Local,
                expr,
                range: whole,
            }),
            "attribute" => {
                if let (Some(object), Some(attr)) = (
                    target.child_by_field_name("object"),
                    target.child_by_field_name("attribute"),
                ) && is_self(source, object, self_name)
                    && let Some(expr) = expr
                {
                    class
                        .attr_types
                        .push((source.node_text(attr).to_string(), index, expr));
                }
            }
            "subscript" => {
                // `self.attr[k] = v`: `attr` is a dict of such values.
                if let Some(container) = target.child_by_field_name("value")
                    && container.kind() == "attribute"
                    && let (Some(object), Some(attr)) = (
                        container.child_by_field_name("object"),
                        container.child_by_field_name("attribute"),
                    )
                    && is_self(source, object, self_name)
                    && let Some(expr) = expr
                {
                    class
                        .attr_elems
                        .push((source.node_text(attr).to_string(), index, expr, true));
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

fn for_bindings(
    source: &SourceFile,
    node: Node,
    self_name: Option<&str>,
    method: &mut MethodFacts,
) {
    let (Some(left), Some(right), Some(body)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
        node.child_by_field_name("body"),
    ) else {
        return;
    };
    let range = (body.start_byte() as u32, body.end_byte() as u32);
    let targets = list_items(left);
    // `x.values()` / `x.items()`: iterate the values of a dict.
    let mut iterated = right;
    let mut dict_view = None;
    if right.kind() == "call"
        && let Some(function) = right.child_by_field_name("function")
        && function.kind() == "attribute"
        && let (Some(object), Some(attr)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("attribute"),
        )
    {
        let attr = source.node_text(attr);
        if matches!(attr, "values" | "itervalues" | "items" | "iteritems") {
            iterated = object;
            dict_view = Some(attr.ends_with("items"));
        }
    }
    let base = type_expr(source, iterated, self_name);
    let element = |op: TypeOp| {
        base.clone().map(|mut e| {
            e.ops.push(op);
            e
        })
    };
    let mut bind = |target: Node, expr: Option<TypeExpr>| {
        if target.kind() == "identifier" {
            method.bindings.push(Binding {
                name: source.node_text(target).to_string(),
                kind: BindingKind::Loop,
                expr,
                range,
            });
        }
    };
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

fn with_bindings(
    source: &SourceFile,
    statement: Node,
    self_name: Option<&str>,
    method: &mut MethodFacts,
) {
    let Some(body) = statement.child_by_field_name("body") else {
        return;
    };
    let range = (body.start_byte() as u32, body.end_byte() as u32);
    let mut cursor = statement.walk();
    let Some(clause) = statement
        .named_children(&mut cursor)
        .find(|n| n.kind() == "with_clause")
    else {
        return;
    };
    let mut cursor = clause.walk();
    for item in clause.named_children(&mut cursor) {
        let Some(value) = item.child_by_field_name("value") else {
            continue;
        };
        if value.kind() != "as_pattern" {
            continue;
        }
        let Some(target) = value
            .child_by_field_name("alias")
            .and_then(|alias| alias.named_child(0))
            .filter(|t| t.kind() == "identifier")
        else {
            continue;
        };
        let expr = value
            .named_child(0)
            .and_then(|m| type_expr(source, m, self_name))
            .map(|mut e| {
                e.ops.push(TypeOp::Enter);
                e
            });
        method.bindings.push(Binding {
            name: source.node_text(target).to_string(),
            kind: BindingKind::With,
            expr,
            range,
        });
    }
}

fn attribute_use(
    source: &SourceFile,
    node: Node,
    store: Option<Node>,
    self_name: Option<&str>,
    index: usize,
    method: &mut MethodFacts,
    class: &mut ClassFacts,
) {
    let (Some(object), Some(attr)) = (
        node.child_by_field_name("object"),
        node.child_by_field_name("attribute"),
    ) else {
        return;
    };
    let attr_name = source.node_text(attr).to_string();
    if is_self(source, object, self_name) {
        if attr_name == "__dict__" {
            class.dynamic = true;
        }
        if let Some(statement) = store {
            // Report the whole `self.x = v` when it is a simple assignment.
            let statement = if statement.kind() == "assignment"
                && statement.child_by_field_name("left").map(|l| l.id()) == Some(node.id())
            {
                statement
            } else {
                node
            };
            method.self_writes.push(SelfWrite {
                attr: attr_name,
                site: site(source, statement),
            });
        } else {
            class.self_reads.insert(attr_name);
        }
        return;
    }
    let object_text = source.node_text(object);
    let class_name = class.local_name.rsplit('.').next().unwrap_or("");
    let is_class_object = object_text == "cls"
        || object_text == class_name
        || object_text.replace(' ', "") == format!("type({})", self_name.unwrap_or("self"))
        || self_name.is_some_and(|s| object_text.replace(' ', "") == format!("{s}.__class__"));
    if is_class_object {
        if store.is_none() {
            class.self_reads.insert(attr_name);
        }
        return;
    }
    let foreign = store.is_none()
        && (object.kind() == "identifier"
            || (object.kind() == "attribute"
                && object
                    .child_by_field_name("object")
                    .is_some_and(|o| is_self(source, o, self_name))));
    if foreign && let Some(expr) = type_expr(source, object, self_name) {
        class.foreign_reads.push((attr_name.clone(), index, expr));
    }
    if object.kind() == "identifier" {
        class
            .var_attrs
            .entry((object_text.to_string(), attr_name))
            .or_insert_with(|| site(source, node));
    }
}

fn call_use(
    source: &SourceFile,
    node: Node,
    self_name: Option<&str>,
    index: usize,
    method: &mut MethodFacts,
    class: &mut ClassFacts,
) {
    let Some(function) = node.child_by_field_name("function") else {
        return;
    };
    let arguments = node.child_by_field_name("arguments");
    let argument = |i: usize| {
        arguments.and_then(|a| {
            let mut cursor = a.walk();
            a.named_children(&mut cursor)
                .filter(|n| n.kind() != "comment")
                .nth(i)
        })
    };
    // `'{0.x}'.format(self)`, `dataclasses.asdict(self)`: every attribute
    // may be read.
    let callee = match function.kind() {
        "attribute" => function
            .child_by_field_name("attribute")
            .map_or("", |a| source.node_text(a)),
        _ => source.node_text(function),
    };
    if matches!(callee, "format" | "asdict" | "astuple" | "format_map")
        && let Some(arguments) = arguments
    {
        let mut cursor = arguments.walk();
        let passes_self = arguments.named_children(&mut cursor).any(|a| {
            is_self(source, a, self_name)
                || (a.kind() == "keyword_argument"
                    && a.child_by_field_name("value")
                        .is_some_and(|v| is_self(source, v, self_name)))
        });
        if passes_self {
            class.dynamic = true;
        }
    }
    match function.kind() {
        "identifier" => {
            let name = source.node_text(function);
            if !matches!(name, "setattr" | "getattr" | "hasattr" | "delattr" | "vars") {
                return;
            }
            if !argument(0).is_some_and(|a| is_self(source, a, self_name)) {
                return;
            }
            if name == "vars" {
                class.dynamic = true;
                return;
            }
            match argument(1).and_then(|a| string_value(source, a)) {
                Some(attr) if name == "setattr" => method.self_writes.push(SelfWrite {
                    attr,
                    site: site(source, node),
                }),
                Some(attr) => {
                    class.self_reads.insert(attr);
                }
                // `getattr(self, name)`: any attribute may be read.
                None if name != "setattr" => class.dynamic = true,
                None => {}
            }
        }
        "attribute" => {
            let (Some(object), Some(attr)) = (
                function.child_by_field_name("object"),
                function.child_by_field_name("attribute"),
            ) else {
                return;
            };
            let attr = source.node_text(attr);
            if is_self(source, object, self_name) {
                method.self_calls.push(attr.to_string());
                return;
            }
            // `self.things.append(Thing())`: `things` holds `Thing`s.
            if object.kind() == "attribute"
                && let (Some(inner), Some(container)) = (
                    object.child_by_field_name("object"),
                    object.child_by_field_name("attribute"),
                )
                && is_self(source, inner, self_name)
            {
                let (value, is_dict) = match attr {
                    "append" | "add" => (argument(0), false),
                    "setdefault" => (argument(1), true),
                    _ => (None, false),
                };
                if let Some(expr) = value.and_then(|v| type_expr(source, v, self_name)) {
                    class.attr_elems.push((
                        source.node_text(container).to_string(),
                        index,
                        expr,
                        is_dict,
                    ));
                }
            }
        }
        _ => {}
    }
}

/// Visits every node in document order, like `walk_tree`, with the names
/// of the enclosing classes and functions (`["MountManager", "umount"]`).
/// A loop over the flat tree: a scope is popped once the walk passes the
/// end of its definition's subtree.
pub fn walk_scoped<'tree>(
    source: &SourceFile,
    root: Node<'tree>,
    mut visit: impl FnMut(Node<'tree>, &[String]),
) {
    let mut scope: Vec<String> = Vec::new();
    // Subtree ends of the definitions that pushed onto `scope`.
    let mut ends: Vec<usize> = Vec::new();
    for index in root.id()..root.subtree_end() {
        while ends.last().is_some_and(|&end| index >= end) {
            ends.pop();
            scope.pop();
        }
        let node = root.node_at(index);
        visit(node, &scope);
        if matches!(node.kind(), "function_definition" | "class_definition") {
            let name = node
                .child_by_field_name("name")
                .map(|n| source.node_text(n).to_string())
                .unwrap_or_default();
            ends.push(node.subtree_end());
            scope.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_python;
    use crate::syntax::SyntaxTree;

    fn classes_of(code: &str) -> Vec<ClassFacts> {
        let source = SourceFile::new("t.py".into(), code.into());
        let tree = SyntaxTree::from_tree(&parse_python(code).unwrap());
        extract(&source, tree.root(), &ImportMap::default(), "pkg.mod")
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
";
        let classes = classes_of(code);
        assert_eq!(classes.len(), 2);
        let outer = &classes[0];
        assert_eq!(outer.qualname, "pkg.mod.Outer");
        assert_eq!(classes[1].local_name, "Outer.Inner");
        assert_eq!(outer.bases, ["base.Base"]);
        assert!(!outer.opaque_base);
        let declared: Vec<&str> = outer.declared.keys().map(String::as_str).collect();
        for name in [
            "a", "b", "field", "Inner", "prop", "__init__", "locked", "use",
        ] {
            assert!(declared.contains(&name), "{name} in {declared:?}");
        }
        assert!(outer.self_reads.contains("_prop"));
        assert!(outer.self_reads.contains("g"));
        let init = &outer.methods[outer.method("__init__").unwrap()];
        let writes: Vec<&str> = init.self_writes.iter().map(|w| w.attr.as_str()).collect();
        assert_eq!(writes, ["items", "c", "d", "e"]);
        assert_eq!(init.bindings[0].name, "x");
        let locked = &outer.methods[outer.method("locked").unwrap()];
        assert!(locked.is_contextmanager);
        assert_eq!(
            locked.yields,
            [TypeExpr {
                base: TypeBase::Local("item".into()),
                ops: vec![]
            }]
        );
        let used = &outer.methods[outer.method("use").unwrap()];
        let with = used.bindings.iter().find(|b| b.name == "it").unwrap();
        assert_eq!(with.kind, BindingKind::With);
        assert_eq!(
            with.expr.as_ref().unwrap().ops,
            [TypeOp::Call, TypeOp::Enter]
        );
        let value = used.bindings.iter().find(|b| b.name == "v").unwrap();
        assert_eq!(value.expr.as_ref().unwrap().ops, [TypeOp::Item]);
        assert!(outer.var_attrs.contains_key(&("it".into(), "flag".into())));
        assert!(outer.var_attrs.contains_key(&("v".into(), "other".into())));
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
            let classes = classes_of(&format!("class A:\n    {body}\n"));
            assert!(classes[0].dynamic, "{body}");
        }
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
            let classes = classes_of(&code);
            assert_eq!(classes.len(), 1);
        }
    }
}

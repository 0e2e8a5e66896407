//! The per-file half of the taint engine: an abstract interpreter over one
//! file's syntax tree that computes, for every function, which atoms
//! (sources, parameters, results of calls into the scanned sources, `self`
//! attributes) flow into its sinks, return value, `self` stores and call
//! arguments. Nothing here looks at other files; `taint::solve` links.
//!
//! Statements and expressions are interpreted recursively, but only to
//! `MAX_DEPTH` levels: deeper code is summarised by an iterative walk (the
//! union of the names it reads), so hostile nesting cannot overflow the
//! stack.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::syntax::Node;

use super::summary::*;
use crate::facts::imports::ImportMap;
use crate::facts::walk_tree;
use crate::finding::{Location, normalise_snippet};
use crate::names::last_segment;
use crate::parse::SourceFile;
use crate::rules::data::{ArgSelector, ArgSelectorName, SinkKind, SourceKind};
use crate::rules::{RuleMask, TaintConfig};

/// Deeper nesting than this is summarised, not interpreted.
const MAX_DEPTH: usize = 120;
/// Longest dotted name (`a.b.c`, in segments) matched against sources and
/// sinks.
const MAX_DOTTED_SEGMENTS: usize = 64;
/// Statement executions per function before loops stop iterating to a
/// fixed point (bounds the cost of pathological nesting of loops).
const STEP_BUDGET: usize = 20_000;

/// Module names of the scanned tree, to tell calls that may enter the
/// scanned sources (whose results are resolved later) from external ones
/// (whose results carry their arguments' taint).
#[derive(Debug, Default, Clone)]
pub struct ProjectModules {
    names: HashSet<String>,
}

impl ProjectModules {
    /// Registers a module under its full name and every dotted suffix, so
    /// that `utils.execute` is recognised wherever the package root is.
    pub fn insert(&mut self, module: &str) {
        let parts: Vec<&str> = module.split('.').collect();
        for start in 0..parts.len() {
            for end in start + 1..=parts.len() {
                self.names.insert(parts[start..end].join("."));
            }
        }
    }

    /// Whether some prefix of the dotted name is a scanned module or package.
    pub fn may_contain(&self, qualified: &str) -> bool {
        let answer = self.may_contain_unrecorded(qualified);
        // A file's facts depend on these answers: the cache keeps them to
        // check that a cached entry still holds for the current file set.
        crate::cache::record_project_query(qualified, answer);
        answer
    }

    /// `may_contain` without telling the cache (for checking its entries).
    pub fn may_contain_unrecorded(&self, qualified: &str) -> bool {
        let mut end = qualified.len();
        while let Some(dot) = qualified[..end].rfind('.') {
            if self.names.contains(&qualified[..dot]) {
                return true;
            }
            end = dot;
        }
        false
    }
}

#[derive(Clone, Default)]
struct Env {
    vars: HashMap<String, Taint>,
    /// Known classes of variables (`pathlib.Path`, `pkg.mod.Class`).
    types: HashMap<String, String>,
    /// Variables holding a normalised path (`realpath`, `abspath`, ...).
    normalised: HashSet<String>,
    /// Variables bound to a command callable stored on an object
    /// (`run = self._execute`): whether the object is `self`, and the
    /// attribute name. Calling the variable calls that attribute.
    callables: HashMap<String, (bool, String)>,
}

impl Env {
    fn join(&mut self, other: &Env) {
        for (name, taint) in &other.vars {
            match self.vars.get_mut(name) {
                Some(existing) => existing.union_with(taint),
                None => {
                    self.vars.insert(name.clone(), taint.clone());
                }
            }
        }
        self.types
            .retain(|name, ty| other.types.get(name).is_none_or(|t| t == ty));
        self.normalised
            .retain(|name| other.normalised.contains(name));
        // May-alias: a variable that holds the callable on some path is
        // treated as the callable.
        for (name, target) in &other.callables {
            self.callables
                .entry(name.clone())
                .or_insert_with(|| target.clone());
        }
    }
}

/// What a loop binds or tests before each iteration.
enum LoopHeader<'a> {
    For { left: Node<'a>, iterable: Taint },
    While { condition: Option<Node<'a>> },
}

/// How a block ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    /// `return`, `raise`, `continue`, `break`: code after it does not run.
    Exits,
}

/// What a condition proves about variables when it is true (or false).
#[derive(Default)]
struct Facts {
    sanitized: Vec<(String, RuleMask)>,
    guarded: Vec<(String, Guard)>,
}

struct FunctionContext {
    id: FunctionId,
    class: Option<String>,
    /// Name of the `self`/`cls` parameter of a method.
    self_name: Option<String>,
    privileged: Option<String>,
    qualname: String,
    validates: Option<Vec<(u16, RuleMask)>>,
    /// Variables the function's own body checks with `if not ok(x): raise`.
    asserts: Vec<(String, RuleMask)>,
    params: Vec<String>,
    /// The function's body block (to recognise its top-level statements).
    body: Option<usize>,
}

pub struct Interpreter<'a> {
    source: &'a SourceFile,
    imports: &'a ImportMap,
    module: &'a str,
    config: &'a TaintConfig,
    project: &'a ProjectModules,
    file: FileTaint,
    atom_ids: HashMap<Atom, AtomId>,
    /// Names defined at module level (functions and classes).
    module_defs: HashSet<String>,
    /// Classes defined in this file: name as spelled in the module → qualified.
    local_classes: HashMap<String, String>,
    globals: Env,
    /// Environments of functions that contain nested functions (closures).
    closure_envs: HashMap<FunctionId, Env>,
    /// Module-level `NAME = re.compile('...')` patterns.
    regex_constants: HashMap<String, String>,
    /// Deferred call sites by the id of their `call` node.
    call_by_node: HashMap<usize, CallId>,
    /// Classes of `self` attributes, per class of this file: from an
    /// annotation (`self.client: RemoteFsClient = None`) or a constructor
    /// (`self.client = RemoteFsClient(...)`), when all such stores agree.
    self_attr_types: HashMap<(String, String), Option<String>>,
    /// The class of the method being analysed (for `self.x` types).
    current_class: Option<String>,
    steps: usize,
}

pub fn summarize(
    source: &SourceFile,
    root: Node,
    imports: &ImportMap,
    module: &str,
    config: &TaintConfig,
    project: &ProjectModules,
) -> FileTaint {
    let mut interpreter = Interpreter {
        source,
        imports,
        module,
        config,
        project,
        file: FileTaint::default(),
        atom_ids: HashMap::default(),
        module_defs: HashSet::default(),
        local_classes: HashMap::default(),
        globals: Env::default(),
        closure_envs: HashMap::default(),
        regex_constants: HashMap::default(),
        call_by_node: HashMap::default(),
        self_attr_types: HashMap::default(),
        current_class: None,
        steps: 0,
    };
    interpreter.run(root);
    interpreter.file
}

impl<'a> Interpreter<'a> {
    fn text(&self, node: Node) -> &'a str {
        self.source.node_text(node)
    }

    fn location(&self, node: Node) -> Location {
        self.source.node_location(node)
    }

    fn intern(&mut self, atom: Atom) -> AtomId {
        if let Some(&id) = self.atom_ids.get(&atom) {
            return id;
        }
        let id = self.file.atoms.len() as AtomId;
        self.file.atoms.push(atom.clone());
        self.atom_ids.insert(atom, id);
        id
    }

    fn qualify(&self, name: &str) -> String {
        if self.module.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.module)
        }
    }

    fn run(&mut self, root: Node<'a>) {
        // Every definition, in document order, with its lexical parents.
        let mut definitions: Vec<Node<'a>> = Vec::new();
        let mut classes: Vec<Node<'a>> = Vec::new();
        walk_tree(root, |node| match node.kind() {
            "function_definition" => definitions.push(node),
            "class_definition" => classes.push(node),
            _ => {}
        });
        for &class in &classes {
            let qualname = qualname_of(self.source, class);
            if enclosing_scope(class).is_none() {
                self.module_defs.insert(qualname.clone());
            }
            let qualified = self.qualify(&qualname);
            self.local_classes.insert(qualname, qualified);
        }
        for class in &classes {
            let qualified = self.qualify(&qualname_of(self.source, *class));
            let mut bases = Vec::new();
            if let Some(list) = class.child_by_field_name("superclasses") {
                let mut cursor = list.walk();
                for base in list.named_children(&mut cursor) {
                    if let Some(dotted) = dotted_text(self.source, base) {
                        bases.push(self.resolve_class(&dotted));
                    }
                }
            }
            self.file.classes.push(ClassInfo { qualified, bases });
        }
        self.collect_self_attr_types(root);
        for node in &definitions {
            if enclosing_scope(*node).is_none()
                && let Some(name) = node.child_by_field_name("name")
            {
                self.module_defs.insert(self.text(name).to_string());
            }
        }

        // Module-level code: a pseudo-function whose variables are the
        // globals every function reads.
        let module_location = self.location(root);
        self.file.functions.push(FunctionSummary {
            qualname: "<module>".to_string(),
            name: "<module>".to_string(),
            class: None,
            params: Vec::new(),
            first_data_param: 0,
            location: module_location,
            private: false,
            is_module: true,
            returns: Taint::default(),
            return_elements: None,
            mixed_returns: false,
            self_stores: Vec::new(),
            validates: Vec::new(),
            asserts: Vec::new(),
            parent: None,
            privileged: None,
        });
        let mut context = FunctionContext {
            id: 0,
            class: None,
            self_name: None,
            privileged: None,
            qualname: "<module>".to_string(),
            validates: None,
            asserts: Vec::new(),
            params: Vec::new(),
            body: Some(root.id()),
        };
        let mut env = Env::default();
        self.exec_block(root, &mut env, &mut context, 0);
        self.globals = env;

        let mut ids: HashMap<usize, FunctionId> = HashMap::default();
        for node in definitions {
            let id = self.file.functions.len() as FunctionId;
            ids.insert(node.id(), id);
            let parent = enclosing_function(node).and_then(|p| ids.get(&p.id()).copied());
            self.analyse_function(node, id, parent);
        }
    }

    /// Records the class of each `self.<attr>` the methods of this file's
    /// classes store an object of a known class in (see `self_attr_types`).
    fn collect_self_attr_types(&mut self, root: Node<'a>) {
        let mut stores: Vec<(String, String, Option<String>)> = Vec::new();
        walk_tree(root, |node| {
            if node.kind() != "assignment" {
                return;
            }
            let Some(left) = node.child_by_field_name("left") else {
                return;
            };
            if left.kind() != "attribute"
                || left
                    .child_by_field_name("object")
                    .is_none_or(|o| self.text(o) != "self")
            {
                return;
            }
            let Some(attr) = left.child_by_field_name("attribute") else {
                return;
            };
            let Some(class) = enclosing_function(node)
                .and_then(enclosing_scope)
                .filter(|c| c.kind() == "class_definition")
            else {
                return;
            };
            let annotated = node.child_by_field_name("type").map(|ty| {
                let spelled = self.text(ty).trim_matches(['"', '\'']).to_string();
                self.resolve_class(&spelled)
            });
            let constructed = node
                .child_by_field_name("right")
                .filter(|r| r.kind() == "call")
                .and_then(|call| call.child_by_field_name("function"))
                .and_then(|f| dotted_text(self.source, f))
                .map(|spelled| self.resolve_class(&spelled))
                .filter(|resolved| {
                    last_segment(resolved)
                        .chars()
                        .next()
                        .is_some_and(char::is_uppercase)
                });
            let Some(ty) = annotated.or(constructed) else {
                // `self.client = None` and other untyped stores do not
                // contradict a type.
                return;
            };
            let class = self.qualify(&qualname_of(self.source, class));
            stores.push((class, self.text(attr).to_string(), Some(ty)));
        });
        for (class, attr, ty) in stores {
            self.self_attr_types
                .entry((class, attr))
                .and_modify(|known| {
                    if *known != ty {
                        *known = None;
                    }
                })
                .or_insert(ty);
        }
    }

    fn analyse_function(&mut self, node: Node<'a>, id: FunctionId, parent: Option<FunctionId>) {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
            .unwrap_or_default();
        let qualname = qualname_of(self.source, node);
        let class_node = enclosing_scope(node).filter(|s| s.kind() == "class_definition");
        let class = class_node.map(|c| self.qualify(&qualname_of(self.source, c)));
        let decorators = decorator_names(self.source, node, self.imports);
        let is_static = decorators.iter().any(|d| d == "staticmethod");
        let entry_point = decorators
            .iter()
            .find(|d| {
                self.config
                    .privileged_decorators
                    .iter()
                    .any(|p| p.matches(d))
            })
            .cloned();
        let privileged = entry_point
            .as_ref()
            .map(|d| format!("inside the oslo.privsep entry point `@{d}`"));

        let mut params = Vec::new();
        if let Some(parameters) = node.child_by_field_name("parameters") {
            let mut cursor = parameters.walk();
            for param in parameters.named_children(&mut cursor) {
                if let Some(ident) = parameter_identifier(param) {
                    let kind = if param.kind() == "typed_parameter" {
                        param.named_child(0).map_or("", |c| c.kind())
                    } else {
                        param.kind()
                    };
                    params.push(ParamInfo {
                        name: self.text(ident).to_string(),
                        location: self.location(ident),
                        variadic: kind == "list_splat_pattern",
                        keywords: kind == "dictionary_splat_pattern",
                    });
                }
            }
        }
        self.current_class = class.clone();
        let first_data_param = u16::from(class.is_some() && !is_static && !params.is_empty());
        let self_name = (first_data_param == 1).then(|| params[0].name.clone());
        let private = is_private_name(&name);
        self.file.functions.push(FunctionSummary {
            qualname: qualname.clone(),
            name,
            class: class.clone(),
            params: params.clone(),
            first_data_param,
            location: self.location(node.child_by_field_name("name").unwrap_or(node)),
            private,
            is_module: false,
            returns: Taint::default(),
            return_elements: None,
            mixed_returns: false,
            self_stores: Vec::new(),
            validates: Vec::new(),
            asserts: Vec::new(),
            parent,
            privileged: entry_point,
        });

        let mut env = match parent.and_then(|p| self.closure_envs.get(&p)) {
            Some(closure) => closure.clone(),
            None => Env::default(),
        };
        for (index, param) in params.iter().enumerate() {
            env.normalised.remove(&param.name);
            env.types.remove(&param.name);
            if index < first_data_param as usize {
                env.vars.remove(&param.name);
                continue;
            }
            if self.config.is_trusted_name(&param.name) {
                env.vars.insert(param.name.clone(), Taint::default());
                continue;
            }
            let atom = self.intern(Atom::Param {
                function: id,
                index: index as u16,
            });
            env.vars.insert(param.name.clone(), Taint::atom(atom));
        }
        // Annotated parameters have a known class.
        if let Some(parameters) = node.child_by_field_name("parameters") {
            let mut cursor = parameters.walk();
            for param in parameters.named_children(&mut cursor) {
                if let (Some(ident), Some(ty)) = (
                    parameter_identifier(param),
                    param.child_by_field_name("type"),
                ) {
                    let spelled = self.text(ty).trim_matches(['"', '\'']).to_string();
                    env.types
                        .insert(self.text(ident).to_string(), self.resolve_class(&spelled));
                }
            }
        }
        let mut context = FunctionContext {
            id,
            class,
            self_name,
            privileged,
            qualname,
            validates: None,
            asserts: Vec::new(),
            params: params.iter().map(|p| p.name.clone()).collect(),
            body: node.child_by_field_name("body").map(|b| b.id()),
        };
        self.steps = 0;
        if let Some(body) = node.child_by_field_name("body") {
            self.exec_block(body, &mut env, &mut context, 0);
        }
        let has_nested = {
            let mut nested = false;
            if let Some(body) = node.child_by_field_name("body") {
                walk_tree(body, |n| nested |= n.kind() == "function_definition");
            }
            nested
        };
        if has_nested {
            self.closure_envs.insert(id, env);
        }
        let asserts: Vec<(u16, RuleMask)> = context
            .asserts
            .iter()
            .filter_map(|(name, mask)| {
                let index = context.params.iter().position(|p| p == name)?;
                Some((index as u16, *mask))
            })
            .collect();
        self.file.functions[id as usize].asserts = asserts;
        if let Some(validates) = context.validates.filter(|v| !v.is_empty()) {
            self.file.functions[id as usize].validates = validates;
        }
    }

    fn resolve_class(&self, spelled: &str) -> String {
        match self.local_classes.get(spelled) {
            Some(qualified) => qualified.clone(),
            None => self.imports.resolve(spelled),
        }
    }

    // ----- statements ---------------------------------------------------

    fn exec_block(
        &mut self,
        block: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        if depth > MAX_DEPTH {
            return Flow::Normal;
        }
        let mut cursor = block.walk();
        for statement in block.named_children(&mut cursor) {
            if self.exec_statement(statement, env, context, depth + 1) == Flow::Exits {
                return Flow::Exits;
            }
        }
        Flow::Normal
    }

    fn exec_statement(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        self.steps += 1;
        match node.kind() {
            "expression_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.exec_expression_statement(child, env, context, depth);
                }
                Flow::Normal
            }
            "return_statement" => {
                let value = node.named_child(0);
                let elements: Option<Vec<Node<'a>>> = value
                    .filter(|v| matches!(v.kind(), "tuple" | "expression_list"))
                    .map(|v| {
                        let mut cursor = v.walk();
                        v.named_children(&mut cursor)
                            .filter(|c| c.kind() != "comment")
                            .collect()
                    })
                    .filter(|children: &Vec<Node<'a>>| {
                        children.iter().all(|c| c.kind() != "list_splat")
                    });
                let taint = match (value, elements) {
                    // `return a, b`: each element separately, for callers
                    // that unpack the tuple.
                    (Some(_), Some(children)) => {
                        let mut taint = Taint::default();
                        let mut parts = Vec::with_capacity(children.len());
                        for child in children {
                            let part = self.eval(child, env, context, depth);
                            taint.union_with(&part);
                            parts.push(part);
                        }
                        self.note_return_elements(context.id, Some(parts));
                        taint
                    }
                    (Some(value), None) => {
                        self.note_return_elements(context.id, None);
                        self.eval(value, env, context, depth)
                    }
                    (None, _) => Taint::default(),
                };
                self.note_validator_return(value, env, context, depth);
                self.file.functions[context.id as usize]
                    .returns
                    .union_with(&taint);
                Flow::Exits
            }
            "raise_statement" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.eval(child, env, context, depth);
                }
                Flow::Exits
            }
            "continue_statement" | "break_statement" => Flow::Exits,
            "if_statement" => self.exec_if(node, env, context, depth),
            "for_statement" => {
                let iterable = node
                    .child_by_field_name("right")
                    .map(|r| self.eval(r, env, context, depth))
                    .unwrap_or_default();
                let header = match node.child_by_field_name("left") {
                    Some(left) => LoopHeader::For { left, iterable },
                    None => LoopHeader::While { condition: None },
                };
                self.exec_loop(node, header, env, context, depth)
            }
            "while_statement" => {
                let condition = node.child_by_field_name("condition");
                self.exec_loop(node, LoopHeader::While { condition }, env, context, depth)
            }
            "try_statement" => {
                let before = env.clone();
                let mut flow = Flow::Normal;
                if let Some(body) = node.child_by_field_name("body") {
                    flow = self.exec_block(body, env, context, depth);
                }
                // A handler may run after any statement of the body.
                let mut after_body = env.clone();
                after_body.join(&before);
                let mut joined: Option<Env> = (flow == Flow::Normal).then(|| env.clone());
                let mut cursor = node.walk();
                for clause in node.named_children(&mut cursor) {
                    match clause.kind() {
                        "except_clause" | "except_group_clause" => {
                            let mut handler_env = after_body.clone();
                            let handler_flow =
                                self.exec_children_blocks(clause, &mut handler_env, context, depth);
                            if handler_flow == Flow::Normal {
                                match &mut joined {
                                    Some(j) => j.join(&handler_env),
                                    None => joined = Some(handler_env),
                                }
                            }
                        }
                        "else_clause" => {
                            if let Some(j) = &mut joined {
                                self.exec_children_blocks(clause, j, context, depth);
                            }
                        }
                        "finally_clause" => {
                            let target = joined.get_or_insert_with(|| after_body.clone());
                            self.exec_children_blocks(clause, target, context, depth);
                        }
                        _ => {}
                    }
                }
                match joined {
                    Some(j) => {
                        *env = j;
                        Flow::Normal
                    }
                    None => Flow::Exits,
                }
            }
            "with_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for child in children {
                    match child.kind() {
                        "with_clause" => self.exec_with_clause(child, env, context, depth),
                        "block" if self.exec_block(child, env, context, depth) == Flow::Exits => {
                            return Flow::Exits;
                        }
                        _ => {}
                    }
                }
                Flow::Normal
            }
            "decorated_definition" | "function_definition" | "class_definition" => {
                if node.kind() == "class_definition"
                    && let Some(body) = node.child_by_field_name("body")
                {
                    // Class bodies run once; their names are not variables
                    // of the enclosing scope.
                    let mut scratch = env.clone();
                    self.exec_block(body, &mut scratch, context, depth);
                }
                Flow::Normal
            }
            "assert_statement" | "delete_statement" | "print_statement" | "exec_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.eval(child, env, context, depth);
                }
                Flow::Normal
            }
            "match_statement" => {
                if let Some(subject) = node.child_by_field_name("subject") {
                    self.eval(subject, env, context, depth);
                }
                let before = env.clone();
                if let Some(body) = node.child_by_field_name("body") {
                    let mut cursor = body.walk();
                    for case in body.named_children(&mut cursor) {
                        let mut case_env = before.clone();
                        if let Some(consequence) = case.child_by_field_name("consequence") {
                            self.exec_block(consequence, &mut case_env, context, depth);
                        }
                        env.join(&case_env);
                    }
                }
                Flow::Normal
            }
            _ => Flow::Normal,
        }
    }

    /// Runs a loop body twice, so that taint carried from one iteration to
    /// the next reaches every statement (fewer rounds once a function has
    /// used up its step budget), then the `else:` clause.
    fn exec_loop(
        &mut self,
        node: Node<'a>,
        header: LoopHeader<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        let before = env.clone();
        for round in 0..2 {
            match &header {
                LoopHeader::For { left, iterable } => {
                    let location = self.location(*left);
                    let name = self.text(*left).to_string();
                    let value = iterable
                        .clone()
                        .with_hop(&location, || format!("iterated into `{name}`"));
                    self.bind(*left, value, env, context, depth);
                }
                LoopHeader::While { condition } => {
                    if let Some(condition) = condition {
                        self.eval(*condition, env, context, depth);
                    }
                }
            }
            if let Some(body) = node.child_by_field_name("body") {
                self.exec_block(body, env, context, depth);
            }
            env.join(&before);
            if round == 0 && self.steps > STEP_BUDGET {
                break;
            }
        }
        if let Some(alternative) = node.child_by_field_name("alternative") {
            self.exec_children_blocks(alternative, env, context, depth);
        }
        Flow::Normal
    }

    /// Runs the `block` children of a clause node (`else:`, `except:`, ...).
    fn exec_children_blocks(
        &mut self,
        clause: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        let body = clause.child_by_field_name("body");
        let mut cursor = clause.walk();
        for child in clause.named_children(&mut cursor) {
            if child.kind() == "block" || Some(child) == body {
                return self.exec_block(child, env, context, depth);
            }
        }
        Flow::Normal
    }

    fn exec_if(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        // `if` and each `elif` are handled as a chain of nested ifs.
        let mut branches: Vec<(Option<Node<'a>>, Option<Node<'a>>)> = vec![(
            node.child_by_field_name("condition"),
            node.child_by_field_name("consequence"),
        )];
        let mut else_body = None;
        let mut cursor = node.walk();
        for alternative in node.children_by_field_name("alternative", &mut cursor) {
            match alternative.kind() {
                "elif_clause" => branches.push((
                    alternative.child_by_field_name("condition"),
                    alternative.child_by_field_name("consequence"),
                )),
                _ => {
                    else_body = alternative
                        .child_by_field_name("body")
                        .or_else(|| alternative.named_child(0))
                }
            }
        }
        let mut outcomes: Vec<Env> = Vec::new();
        for (condition, consequence) in branches {
            if let Some(condition) = condition {
                self.eval(condition, env, context, depth);
            }
            let mut then_env = env.clone();
            let mut otherwise = Facts::default();
            if let Some(condition) = condition {
                let facts = self.condition_facts(condition, true, env, context, depth);
                apply_facts(&mut then_env, &facts);
                otherwise = self.condition_facts(condition, false, env, context, depth);
                apply_facts(env, &otherwise);
            }
            if let Some(consequence) = consequence {
                if self.exec_block(consequence, &mut then_env, context, depth) == Flow::Normal {
                    outcomes.push(then_env);
                } else if node.parent().map(|p| p.id()) == context.body
                    && ends_with_raise(consequence)
                {
                    // `if not ok(x): raise` at the top of a function: the
                    // function asserts that `x` is valid.
                    context.asserts.extend(otherwise.sanitized.iter().cloned());
                }
            }
        }
        let else_flow = match else_body {
            Some(body) => self.exec_block(body, env, context, depth),
            None => Flow::Normal,
        };
        if else_flow == Flow::Normal {
            outcomes.push(std::mem::take(env));
        }
        let mut outcomes = outcomes.into_iter();
        match outcomes.next() {
            Some(mut first) => {
                for other in outcomes {
                    first.join(&other);
                }
                *env = first;
                Flow::Normal
            }
            None => Flow::Exits,
        }
    }

    fn exec_with_clause(
        &mut self,
        clause: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        let mut cursor = clause.walk();
        for item in clause.named_children(&mut cursor) {
            let Some(value) = item.child_by_field_name("value") else {
                continue;
            };
            if value.kind() == "as_pattern" {
                let expression = value.named_child(0);
                let target = value
                    .child_by_field_name("alias")
                    .map(|a| a.named_child(0).unwrap_or(a));
                let taint = expression
                    .map(|e| self.eval(e, env, context, depth))
                    .unwrap_or_default();
                if let Some(target) = target {
                    let location = self.location(item);
                    let name = self.text(target).to_string();
                    let taint =
                        taint.with_hop(&location, || format!("bound by `with` to `{name}`"));
                    self.bind(target, taint, env, context, depth);
                }
            } else {
                self.eval(value, env, context, depth);
            }
        }
    }

    fn exec_expression_statement(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        match node.kind() {
            "assignment" => {
                self.eval_assignment(node, env, context, depth);
            }
            "augmented_assignment" => {
                let Some(left) = node.child_by_field_name("left") else {
                    return;
                };
                let right = node
                    .child_by_field_name("right")
                    .map(|r| self.eval(r, env, context, depth))
                    .unwrap_or_default();
                let current = self.eval(left, env, context, depth);
                let location = self.location(node);
                let name = self.text(left).to_string();
                let value = right
                    .with_hop(&location, || format!("appended to `{name}`"))
                    .union(&current);
                self.bind(left, value, env, context, depth);
            }
            "call" => {
                self.eval(node, env, context, depth);
                self.apply_raising_check(node, env);
            }
            _ => {
                self.eval(node, env, context, depth);
            }
        }
    }

    /// After `check(x)` returns, `x` passed the check when `check` raises
    /// on bad values: a guard sanitizer of the rule data
    /// (`utils.check_ssh_injection`), or a helper of the scanned sources
    /// whose summary says it asserts its parameter.
    fn apply_raising_check(&mut self, call: Node<'a>, env: &mut Env) {
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return;
        };
        let mut cursor = arguments.walk();
        let positional: Vec<Node<'a>> = arguments
            .named_children(&mut cursor)
            .filter(|c| !matches!(c.kind(), "comment" | "keyword_argument"))
            .collect();
        let spelled = dotted_text(self.source, function).unwrap_or_default();
        let clears = self.config.guard_clears(&self.imports.resolve(&spelled));
        let deferred = self.last_call_at(call);
        for (index, argument) in positional.iter().enumerate() {
            if argument.kind() != "identifier" {
                continue;
            }
            let name = self.text(*argument);
            let Some(taint) = env.vars.get_mut(name) else {
                continue;
            };
            let mut value = std::mem::take(taint).sanitize(clears);
            if let Some(call) = deferred {
                value = value.with_guard(Guard {
                    call,
                    argument: index as u16,
                    raising: true,
                });
            }
            *taint = value;
        }
    }

    fn eval_assignment(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        // `a = b = value`: the chain may be arbitrarily long, so its targets
        // are collected in a loop, and bound from the innermost out.
        let mut chain = vec![node];
        let mut right = node.child_by_field_name("right");
        while let Some(inner) = right.filter(|r| r.kind() == "assignment") {
            chain.push(inner);
            right = inner.child_by_field_name("right");
        }
        let value = match right {
            Some(right) => self.eval(right, env, context, depth),
            None => Taint::default(),
        };
        for assignment in chain.into_iter().rev() {
            self.bind_assignment(assignment, right, value.clone(), env, context, depth);
        }
        value
    }

    /// Binds the target of one assignment to the value of `right`.
    fn bind_assignment(
        &mut self,
        node: Node<'a>,
        right: Option<Node<'a>>,
        value: Taint,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let Some(left) = node.child_by_field_name("left") else {
            return value;
        };
        if let Some(right) = right {
            self.note_value_shape(left, right, env, context);
        }
        if value.is_clean() {
            self.bind(left, value.clone(), env, context, depth);
            return value;
        }
        // `a, b = f(...)` with `f` in the scanned sources: each target takes
        // its element of the returned tuple.
        if let Some(right) = right
            && let Some(call) = self.last_call_at(right)
            && matches!(
                left.kind(),
                "pattern_list" | "tuple_pattern" | "list_pattern"
            )
            && let [entry] = value.entries.as_slice()
            && self.file.atoms[entry.atom as usize] == (Atom::CallResult { call })
        {
            let mut cursor = left.walk();
            let targets: Vec<Node<'a>> = left
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "comment")
                .collect();
            if targets.iter().all(|t| t.kind() != "list_splat_pattern") {
                let location = self.location(node);
                let entry = entry.clone();
                for (index, target) in targets.into_iter().enumerate() {
                    let atom = self.intern(Atom::CallElement {
                        call,
                        index: index as u16,
                    });
                    let name = self.text(target).to_string();
                    let element = Taint {
                        entries: vec![Entry {
                            atom,
                            ..entry.clone()
                        }],
                    }
                    .with_hop(&location, || format!("assigned to `{name}`"));
                    self.bind(target, element, env, context, depth);
                }
                return value;
            }
        }
        let location = self.location(node);
        let name = self.text(left).to_string();
        let verb = if left.kind() == "attribute" {
            "stored in"
        } else {
            "assigned to"
        };
        let hopped = value
            .clone()
            .with_hop(&location, || format!("{verb} `{name}`"));
        self.bind(left, hopped, env, context, depth);
        value
    }

    /// Records the shape of a returned value: the taint of each element of
    /// a returned tuple display, or `None` for anything else.
    fn note_return_elements(&mut self, function: FunctionId, parts: Option<Vec<Taint>>) {
        let summary = &mut self.file.functions[function as usize];
        if summary.mixed_returns {
            return;
        }
        match (parts, &mut summary.return_elements) {
            (Some(parts), None) => summary.return_elements = Some(parts),
            (Some(parts), Some(known)) if known.len() == parts.len() => {
                for (known, part) in known.iter_mut().zip(&parts) {
                    known.union_with(part);
                }
            }
            _ => {
                summary.mixed_returns = true;
                summary.return_elements = None;
            }
        }
    }

    /// Records what is known of the assigned value beyond its taint: its
    /// class, and whether it is a normalised path.
    fn note_value_shape(
        &mut self,
        left: Node<'a>,
        right: Node<'a>,
        env: &mut Env,
        context: &FunctionContext,
    ) {
        if left.kind() != "identifier" {
            return;
        }
        let name = self.text(left).to_string();
        env.types.remove(&name);
        env.normalised.remove(&name);
        env.callables.remove(&name);
        // `run = self._execute`: the variable is the command callable.
        if right.kind() == "attribute"
            && let (Some(object), Some(attr)) = (
                right.child_by_field_name("object"),
                right.child_by_field_name("attribute"),
            )
        {
            let attr = self.text(attr);
            if self
                .config
                .sinks_named(attr)
                .any(|sink| sink.rule == RuleMask::COMMAND && sink.spec.method.is_some())
            {
                env.callables.insert(
                    name.clone(),
                    (self.is_self(object, context), attr.to_string()),
                );
            }
        }
        if context.id == 0
            && right.kind() == "call"
            && let Some(function) = right.child_by_field_name("function")
            && self.imports.resolve(self.text(function)) == "re.compile"
            && let Some(pattern) =
                first_argument(right).and_then(|a| string_literal(self.source, a))
        {
            self.regex_constants.insert(name.clone(), pattern);
        } else if context.id == 0
            && let Some(pattern) = string_literal(self.source, right)
        {
            self.regex_constants.insert(name.clone(), pattern);
        }
        if let Some(ty) = self.value_type(right, env) {
            if matches!(
                ty.as_str(),
                "os.path.realpath" | "os.path.abspath" | "os.path.normpath" | "resolved-path"
            ) {
                env.normalised.insert(name.clone());
                if ty == "resolved-path" {
                    env.types.insert(name, "pathlib.Path".to_string());
                }
            } else {
                env.types.insert(name, ty);
            }
        }
    }

    /// The class of a value, when the expression shows it: a constructor
    /// call, a `pathlib` operation, a normalisation.
    fn value_type(&self, node: Node<'a>, env: &Env) -> Option<String> {
        self.value_type_at(node, env, 0)
    }

    fn value_type_at(&self, node: Node<'a>, env: &Env, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match node.kind() {
            "call" => {
                let function = node.child_by_field_name("function")?;
                if function.kind() == "attribute" {
                    let method = self.text(function.child_by_field_name("attribute")?);
                    let object = function.child_by_field_name("object")?;
                    let object_type = self.value_type_at(object, env, depth + 1);
                    if object_type.as_deref().is_some_and(is_path_class)
                        && matches!(method, "resolve" | "absolute")
                    {
                        return Some("resolved-path".to_string());
                    }
                    if object_type.as_deref().is_some_and(is_path_class)
                        && matches!(
                            method,
                            "joinpath" | "with_name" | "with_suffix" | "expanduser"
                        )
                    {
                        return Some("pathlib.Path".to_string());
                    }
                }
                let spelled = dotted_text(self.source, function)?;
                let root = spelled.split('.').next().unwrap_or("");
                if env.vars.contains_key(root) && !self.globals.vars.contains_key(root) {
                    return None;
                }
                let resolved = self.resolve_class(&spelled);
                if matches!(
                    resolved.as_str(),
                    "os.path.realpath" | "os.path.abspath" | "os.path.normpath"
                ) {
                    return Some(resolved);
                }
                let last = last_segment(&resolved);
                if last.chars().next().is_some_and(char::is_uppercase) {
                    return Some(resolved);
                }
                None
            }
            "binary_operator" => {
                let left = node.child_by_field_name("left")?;
                let ty = self.value_type_at(left, env, depth + 1)?;
                is_path_class(&ty).then_some(ty)
            }
            "identifier" => env.types.get(self.text(node)).cloned(),
            // `self.client`, stored with a known class somewhere in the class.
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                if self.text(object) != "self" {
                    return None;
                }
                let attr = self.text(node.child_by_field_name("attribute")?);
                let class = self.current_class.clone()?;
                self.self_attr_types
                    .get(&(class, attr.to_string()))
                    .cloned()
                    .flatten()
            }
            "parenthesized_expression" => self.value_type_at(node.named_child(0)?, env, depth + 1),
            _ => None,
        }
    }

    /// Binds an assignment target to a value.
    fn bind(
        &mut self,
        target: Node<'a>,
        value: Taint,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        match target.kind() {
            "identifier" => {
                env.vars.insert(self.text(target).to_string(), value);
            }
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "expression_list"
            | "parenthesized_expression"
            | "list_splat_pattern"
            | "list_splat" => {
                let mut cursor = target.walk();
                for child in target.named_children(&mut cursor) {
                    self.bind(child, value.clone(), env, context, depth + 1);
                }
            }
            "attribute" => {
                let Some(object) = target.child_by_field_name("object") else {
                    return;
                };
                let attr = target
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a).to_string())
                    .unwrap_or_default();
                if self.is_self(object, context) {
                    self.store_self(&attr, value.clone(), target, context);
                    env.vars.insert(format!("self.{attr}"), value);
                } else if object.kind() == "identifier" {
                    // Mutating an object taints it.
                    let name = self.text(object).to_string();
                    let entry = env.vars.entry(name).or_default();
                    entry.union_with(&value);
                } else {
                    self.eval(object, env, context, depth);
                }
            }
            "subscript" => {
                if let Some(index) = target.child_by_field_name("subscript") {
                    self.eval(index, env, context, depth);
                }
                let Some(container) = target.child_by_field_name("value") else {
                    return;
                };
                let location = self.location(target);
                let name = self.text(container).to_string();
                let value = value.with_hop(&location, || format!("stored in `{name}`"));
                self.mutate(container, value, env, context);
            }
            _ => {}
        }
    }

    /// Container mutation: `x.append(v)`, `x[k] = v`, `self.x.extend(v)`
    /// taint the outermost variable or `self` attribute they reach.
    fn mutate(
        &mut self,
        container: Node<'a>,
        value: Taint,
        env: &mut Env,
        context: &FunctionContext,
    ) {
        let mut current = container;
        loop {
            match current.kind() {
                "identifier" => {
                    let name = self.text(current).to_string();
                    env.vars.entry(name).or_default().union_with(&value);
                    return;
                }
                "attribute" => {
                    let Some(object) = current.child_by_field_name("object") else {
                        return;
                    };
                    if self.is_self(object, context) {
                        let attr = current
                            .child_by_field_name("attribute")
                            .map(|a| self.text(a).to_string())
                            .unwrap_or_default();
                        self.store_self(&attr, value.clone(), current, context);
                        env.vars
                            .entry(format!("self.{attr}"))
                            .or_default()
                            .union_with(&value);
                        return;
                    }
                    current = object;
                }
                "subscript" => match current.child_by_field_name("value") {
                    Some(inner) => current = inner,
                    None => return,
                },
                _ => return,
            }
        }
    }

    fn store_self(&mut self, attr: &str, value: Taint, node: Node<'a>, context: &FunctionContext) {
        let Some(class) = &context.class else {
            return;
        };
        if value.is_clean() {
            return;
        }
        let location = self.location(node);
        self.file.functions[context.id as usize]
            .self_stores
            .push(SelfStore {
                class: class.clone(),
                attr: attr.to_string(),
                taint: value,
                location,
            });
    }

    fn is_self(&self, node: Node<'a>, context: &FunctionContext) -> bool {
        node.kind() == "identifier"
            && context
                .self_name
                .as_deref()
                .is_some_and(|name| name == self.text(node))
    }

    // ----- guards -------------------------------------------------------

    fn condition_facts(
        &mut self,
        node: Node<'a>,
        positive: bool,
        env: &Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Facts {
        let mut facts = Facts::default();
        if depth > MAX_DEPTH {
            return facts;
        }
        match node.kind() {
            "parenthesized_expression" => {
                if let Some(inner) = node.named_child(0) {
                    return self.condition_facts(inner, positive, env, context, depth + 1);
                }
            }
            "not_operator" => {
                if let Some(argument) = node.child_by_field_name("argument") {
                    return self.condition_facts(argument, !positive, env, context, depth + 1);
                }
            }
            "boolean_operator" => {
                let operator = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or("");
                // `a and b` true ⇒ both hold; `a or b` false ⇒ neither holds.
                if (operator == "and") == positive {
                    for side in ["left", "right"] {
                        if let Some(child) = node.child_by_field_name(side) {
                            let more =
                                self.condition_facts(child, positive, env, context, depth + 1);
                            facts.sanitized.extend(more.sanitized);
                            facts.guarded.extend(more.guarded);
                        }
                    }
                }
            }
            "comparison_operator" => self.comparison_facts(node, positive, env, &mut facts),
            "call" if positive => self.call_facts(node, env, context, &mut facts),
            _ => {}
        }
        facts
    }

    fn comparison_facts(&self, node: Node<'a>, positive: bool, env: &Env, facts: &mut Facts) {
        let mut cursor = node.walk();
        let operands: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
        if operands.len() != 2 {
            return;
        }
        let operator: String = {
            let mut cursor = node.walk();
            node.children(&mut cursor)
                .filter(|c| !c.is_named())
                .map(|c| self.text(c))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (left, right) = (operands[0], operands[1]);
        let holds = match operator.as_str() {
            "in" | "==" | "is" => positive,
            "not in" | "!=" | "is not" => !positive,
            _ => return,
        };
        if !holds {
            return;
        }
        let trusted = |node: Node<'a>| self.is_trusted_constant(node, env);
        if left.kind() == "identifier" && trusted(right) {
            facts
                .sanitized
                .push((self.text(left).to_string(), RuleMask::ALL));
        } else if right.kind() == "identifier" && trusted(left) && operator != "in" {
            facts
                .sanitized
                .push((self.text(right).to_string(), RuleMask::ALL));
        }
        // `os.path.commonpath([base, path]) == base` with a normalised path.
        if matches!(operator.as_str(), "==" | "!=") {
            for (call, _) in [(left, right), (right, left)] {
                if call.kind() != "call" {
                    continue;
                }
                let Some(function) = call.child_by_field_name("function") else {
                    continue;
                };
                if self.imports.resolve(self.text(function)) != "os.path.commonpath" {
                    continue;
                }
                let Some(list) = first_argument(call) else {
                    continue;
                };
                let mut cursor = list.walk();
                for element in list.named_children(&mut cursor) {
                    let name = self.text(element);
                    if element.kind() == "identifier" && env.normalised.contains(name) {
                        facts.sanitized.push((name.to_string(), RuleMask::PATH));
                    }
                }
            }
        }
    }

    /// Whether a value is a literal, a display of literals or a name that
    /// holds no taint (a module constant, an allow-list).
    fn is_trusted_constant(&self, node: Node<'a>, env: &Env) -> bool {
        self.is_trusted_constant_at(node, env, 0)
    }

    fn is_trusted_constant_at(&self, node: Node<'a>, env: &Env, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match node.kind() {
            "string" | "integer" | "float" | "true" | "false" | "none" | "concatenated_string" => {
                true
            }
            "tuple" | "list" | "set" => {
                let mut cursor = node.walk();
                node.named_children(&mut cursor)
                    .all(|child| self.is_trusted_constant_at(child, env, depth + 1))
            }
            "identifier" | "attribute" => {
                let text = self.text(node);
                match env.vars.get(text) {
                    Some(taint) => taint.is_clean(),
                    None => self
                        .globals
                        .vars
                        .get(text)
                        .is_none_or(|taint| taint.is_clean()),
                }
            }
            _ => false,
        }
    }

    fn call_facts(
        &mut self,
        node: Node<'a>,
        env: &Env,
        context: &mut FunctionContext,
        facts: &mut Facts,
    ) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        let arguments: Vec<Node<'a>> = match node.child_by_field_name("arguments") {
            Some(list) => {
                let mut cursor = list.walk();
                list.named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment" && c.kind() != "keyword_argument")
                    .collect()
            }
            None => Vec::new(),
        };
        let ident = |node: Option<&Node<'a>>| {
            node.filter(|n| n.kind() == "identifier")
                .map(|n| self.text(*n).to_string())
        };
        let spelled = self.text(function);
        let resolved = self.imports.resolve(spelled);
        // re.fullmatch(pattern, value) and friends.
        if let Some(kind) = resolved.strip_prefix("re.") {
            if let Some(value) = ident(arguments.get(1)) {
                let pattern = arguments.first().and_then(|p| {
                    string_literal(self.source, *p)
                        .or_else(|| self.regex_constants.get(self.text(*p)).cloned())
                });
                let mask = regex_guard_mask(kind, pattern.as_deref());
                if !mask.is_empty() {
                    facts.sanitized.push((value, mask));
                }
            }
            return;
        }
        if function.kind() == "attribute" {
            let method = function
                .child_by_field_name("attribute")
                .map(|a| self.text(a))
                .unwrap_or("");
            let object = function.child_by_field_name("object");
            // PATTERN.fullmatch(value), with PATTERN = re.compile(...).
            if matches!(method, "fullmatch" | "match" | "search")
                && let Some(value) = ident(arguments.first())
            {
                let pattern = object.and_then(|o| self.regex_constants.get(self.text(o)).cloned());
                let mask = match pattern {
                    Some(pattern) => regex_guard_mask(method, Some(&pattern)),
                    None if method == "fullmatch" => RuleMask::ALL,
                    None => RuleMask::NONE,
                };
                if !mask.is_empty() {
                    facts.sanitized.push((value, mask));
                }
                return;
            }
            // A normalised path checked against a base with a separator.
            if let Some(object) = object
                && object.kind() == "identifier"
                && env.normalised.contains(self.text(object))
            {
                let contained = match method {
                    "startswith" => arguments
                        .first()
                        .is_some_and(|a| self.ends_with_separator(*a)),
                    "is_relative_to" => true,
                    _ => false,
                };
                if contained {
                    facts
                        .sanitized
                        .push((self.text(object).to_string(), RuleMask::PATH));
                }
                return;
            }
        }
        // A validating helper in the scanned sources: its summary decides.
        if let Some(call) = self.last_call_at(node) {
            for (index, argument) in arguments.iter().enumerate() {
                if argument.kind() == "identifier" {
                    let guard = Guard {
                        call,
                        argument: index as u16,
                        raising: false,
                    };
                    facts
                        .guarded
                        .push((self.text(*argument).to_string(), guard));
                }
            }
        }
        let _ = context;
    }

    /// The call site recorded for this call node, if it was deferred.
    fn last_call_at(&self, node: Node<'a>) -> Option<CallId> {
        self.call_by_node.get(&node.id()).copied()
    }

    /// `base + os.sep`, `base + '/'`, `os.path.join(base, '')`, `f"{base}/"`.
    fn ends_with_separator(&self, node: Node<'a>) -> bool {
        match node.kind() {
            "binary_operator" => node.child_by_field_name("right").is_some_and(|right| {
                let text = self.text(right);
                self.imports.resolve(text) == "os.sep"
                    || string_literal(self.source, right).is_some_and(|s| s.ends_with('/'))
            }),
            "string" => self.text(node).trim_end_matches(['"', '\'']).ends_with('/'),
            "call" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return false;
                };
                self.imports.resolve(self.text(function)) == "os.path.join"
                    && node
                        .child_by_field_name("arguments")
                        .and_then(|a| {
                            let mut cursor = a.walk();
                            a.named_children(&mut cursor).last()
                        })
                        .and_then(|last| string_literal(self.source, last))
                        .is_some_and(|s| s.is_empty())
            }
            _ => false,
        }
    }

    /// A `return <check on a parameter>` makes the function a validator.
    fn note_validator_return(
        &mut self,
        value: Option<Node<'a>>,
        env: &Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        if context.id == 0 {
            return;
        }
        let Some(value) = value else {
            return;
        };
        if matches!(value.kind(), "false" | "none") {
            return;
        }
        let value = if value.kind() == "call"
            && value
                .child_by_field_name("function")
                .is_some_and(|f| self.text(f) == "bool")
        {
            match first_argument(value) {
                Some(inner) => inner,
                None => return,
            }
        } else {
            value
        };
        let facts = self.condition_facts(value, true, env, context, depth);
        let found: Vec<(u16, RuleMask)> = facts
            .sanitized
            .iter()
            .filter_map(|(name, mask)| {
                context
                    .params
                    .iter()
                    .position(|p| p == name)
                    .map(|i| (i as u16, *mask))
            })
            .collect();
        context.validates = Some(match context.validates.take() {
            None => found,
            Some(previous) => previous
                .into_iter()
                .filter_map(|(p, m)| {
                    found
                        .iter()
                        .find(|(q, _)| *q == p)
                        .map(|(_, n)| (p, m.intersect(*n)))
                })
                .filter(|(_, m)| !m.is_empty())
                .collect(),
        });
    }

    // ----- expressions --------------------------------------------------

    fn eval(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        if depth > MAX_DEPTH {
            return self.opaque(node, env);
        }
        let depth = depth + 1;
        if node.kind() == "binary_operator"
            && let Some(taint) = self.eval_percent_format(node, env, context, depth)
        {
            return taint;
        }
        match node.kind() {
            "identifier" => self.read_name(node, env),
            "attribute" => self.eval_attribute(node, env, context, depth),
            "call" => self.eval_call(node, env, context, depth),
            "string"
            | "concatenated_string"
            | "binary_operator"
            | "boolean_operator"
            | "list"
            | "tuple"
            | "set"
            | "dictionary"
            | "pair"
            | "expression_list"
            | "parenthesized_expression"
            | "list_splat"
            | "dictionary_splat"
            | "interpolation"
            | "conditional_expression"
            | "unary_operator"
            | "await"
            | "slice"
            | "format_expression"
            | "keyword_argument"
            | "yield"
            | "type" => {
                let mut taint = Taint::default();
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for (index, child) in children.into_iter().enumerate() {
                    // The condition of `a if c else b` does not flow.
                    if node.kind() == "conditional_expression" && index == 1 {
                        self.eval(child, env, context, depth);
                        continue;
                    }
                    if node.kind() == "keyword_argument" && index == 0 {
                        continue;
                    }
                    let value = self.eval(child, env, context, depth);
                    taint.union_with(&value);
                }
                if node.kind() == "yield" {
                    self.note_return_elements(context.id, None);
                    self.file.functions[context.id as usize]
                        .returns
                        .union_with(&taint);
                }
                taint
            }
            "subscript" => {
                if let Some(index) = node.child_by_field_name("subscript") {
                    self.eval(index, env, context, depth);
                }
                let value = node
                    .child_by_field_name("value")
                    .map(|v| self.eval(v, env, context, depth))
                    .unwrap_or_default();
                if self.is_last_path_component(node) {
                    // `p.split('/')[-1]` is `os.path.basename(p)`.
                    value.sanitize(RuleMask::PATH)
                } else {
                    value
                }
            }
            "comparison_operator" | "not_operator" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.eval(child, env, context, depth);
                }
                Taint::default()
            }
            "named_expression" => {
                let value = node
                    .child_by_field_name("value")
                    .map(|v| self.eval(v, env, context, depth))
                    .unwrap_or_default();
                if let Some(name) = node.child_by_field_name("name") {
                    env.vars.insert(self.text(name).to_string(), value.clone());
                }
                value
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => self.eval_comprehension(node, env, context, depth),
            "lambda" => {
                let mut scope = env.clone();
                node.child_by_field_name("body")
                    .map(|b| self.eval(b, &mut scope, context, depth))
                    .unwrap_or_default()
            }
            _ => Taint::default(),
        }
    }

    fn eval_comprehension(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let mut scope = env.clone();
        let mut cursor = node.walk();
        let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
        for child in &children {
            match child.kind() {
                "for_in_clause" => {
                    let value = child
                        .child_by_field_name("right")
                        .map(|r| self.eval(r, &mut scope, context, depth))
                        .unwrap_or_default();
                    if let Some(left) = child.child_by_field_name("left") {
                        self.bind(left, value, &mut scope, context, depth);
                    }
                }
                "if_clause" => {
                    if let Some(condition) = child.named_child(0) {
                        self.eval(condition, &mut scope, context, depth);
                        let facts = self.condition_facts(condition, true, &scope, context, depth);
                        apply_facts(&mut scope, &facts);
                    }
                }
                _ => {}
            }
        }
        match node.child_by_field_name("body") {
            Some(body) => self.eval(body, &mut scope, context, depth),
            None => Taint::default(),
        }
    }

    /// Taint of a whole subtree too deep to interpret: the names it reads.
    fn opaque(&self, node: Node<'a>, env: &Env) -> Taint {
        let mut taint = Taint::default();
        walk_tree(node, |n| {
            if n.kind() == "identifier"
                && let Some(value) = env.vars.get(self.text(n))
            {
                taint.union_with(value);
            }
        });
        taint
    }

    fn read_name(&mut self, node: Node<'a>, env: &Env) -> Taint {
        let name = self.text(node);
        if let Some(value) = env.vars.get(name) {
            return value.clone();
        }
        if let Some(value) = self.globals.vars.get(name) {
            return value.clone();
        }
        if let Some(qualified) = self.imports.get(name)
            && let Some(source) = self.config.source(qualified, SourceKind::Attribute)
        {
            let description = format!("`{name}`: {}", source.description);
            let location = self.location(node);
            let atom = self.intern(Atom::Source {
                description,
                location,
            });
            return Taint::atom(atom);
        }
        Taint::default()
    }

    fn eval_attribute(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let Some(object) = node.child_by_field_name("object") else {
            return Taint::default();
        };
        let attr = node
            .child_by_field_name("attribute")
            .map(|a| self.text(a))
            .unwrap_or("");
        if self.config.is_trusted_name(attr) {
            return Taint::default();
        }
        if self.is_self(object, context)
            && let Some(class) = context.class.clone()
        {
            let mut taint = env
                .vars
                .get(&format!("self.{attr}"))
                .cloned()
                .unwrap_or_default();
            let atom = self.intern(Atom::SelfAttr {
                class,
                attr: attr.to_string(),
            });
            taint.union_with(&Taint::atom(atom));
            return taint;
        }
        // A module attribute that is a known source (`sys.argv`).
        if let Some(spelled) = dotted_text(self.source, node) {
            let root = spelled.split('.').next().unwrap_or("");
            if !env.vars.contains_key(root) {
                let qualified = self.imports.resolve(&spelled);
                if let Some(source) = self.config.source(&qualified, SourceKind::Attribute) {
                    let description = format!("`{spelled}`: {}", source.description);
                    let location = self.location(node);
                    let atom = self.intern(Atom::Source {
                        description,
                        location,
                    });
                    return Taint::atom(atom);
                }
            }
        }
        // An attribute of a tainted object is tainted.
        self.eval(object, env, context, depth)
    }

    fn eval_call(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let Some(function) = node.child_by_field_name("function") else {
            return Taint::default();
        };
        // Arguments, in order.
        let mut args: Vec<Taint> = Vec::new();
        let mut arg_nodes: Vec<Node<'a>> = Vec::new();
        let mut keywords: Vec<(String, Taint, Node<'a>)> = Vec::new();
        let mut splat: Option<Taint> = None;
        let mut splat_at: Option<usize> = None;
        // `*args` only: `**kwargs` never carries a command's arguments.
        let mut positional_splat: Option<Taint> = None;
        if let Some(arguments) = node.child_by_field_name("arguments") {
            if arguments.kind() == "generator_expression" {
                args.push(self.eval(arguments, env, context, depth));
                arg_nodes.push(arguments);
            } else {
                let mut cursor = arguments.walk();
                for child in arguments.named_children(&mut cursor) {
                    match child.kind() {
                        "comment" => {}
                        "keyword_argument" => {
                            let name = child
                                .child_by_field_name("name")
                                .map(|n| self.text(n).to_string())
                                .unwrap_or_default();
                            let value = child
                                .child_by_field_name("value")
                                .map(|v| self.eval(v, env, context, depth))
                                .unwrap_or_default();
                            let value_node = child.child_by_field_name("value").unwrap_or(child);
                            keywords.push((name, value, value_node));
                        }
                        "list_splat" | "dictionary_splat" => {
                            let value = self.eval(child, env, context, depth);
                            splat.get_or_insert_with(Taint::default).union_with(&value);
                            if child.kind() == "list_splat" {
                                splat_at.get_or_insert(args.len());
                                positional_splat
                                    .get_or_insert_with(Taint::default)
                                    .union_with(&value);
                            }
                        }
                        _ => {
                            args.push(self.eval(child, env, context, depth));
                            arg_nodes.push(child);
                        }
                    }
                }
            }
        }

        // What is called.
        let spelled: &'a str = self.text(function);
        let mut receiver: Option<Taint> = None;
        let mut receiver_node: Option<Node<'a>> = None;
        let callee = match function.kind() {
            "identifier" => {
                let name = self.text(function);
                if let Some((on_self, attr)) = env.callables.get(name) {
                    match &context.class {
                        Some(class) if *on_self => Callee::SelfMethod {
                            class: class.clone(),
                            name: attr.clone(),
                        },
                        _ => Callee::UnknownMethod { name: attr.clone() },
                    }
                } else if env.vars.contains_key(name) {
                    Callee::UnknownMethod {
                        name: name.to_string(),
                    }
                } else if self.module_defs.contains(name) {
                    Callee::Name(self.qualify(name))
                } else {
                    Callee::Name(self.imports.resolve(name))
                }
            }
            "attribute" => {
                let object = function.child_by_field_name("object");
                let method = function
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a).to_string())
                    .unwrap_or_default();
                let class = context.class.clone();
                match object {
                    Some(object) if self.is_self(object, context) && class.is_some() => {
                        Callee::SelfMethod {
                            class: class.unwrap_or_default(),
                            name: method,
                        }
                    }
                    Some(object)
                        if object.kind() == "call"
                            && object
                                .child_by_field_name("function")
                                .is_some_and(|f| self.text(f) == "super")
                            && class.is_some() =>
                    {
                        Callee::Super {
                            class: class.unwrap_or_default(),
                            name: method,
                        }
                    }
                    Some(object) => {
                        let dotted = dotted_text(self.source, object);
                        let root_is_local = dotted.as_deref().is_some_and(|d| {
                            let root = d.split('.').next().unwrap_or("");
                            env.vars.contains_key(root)
                                || context.self_name.as_deref() == Some(root)
                                || self.globals.vars.contains_key(root)
                                    && self.imports.get(root).is_none()
                                    && !self.module_defs.contains(root)
                        });
                        match dotted {
                            Some(dotted) if !root_is_local => {
                                let full = format!("{dotted}.{method}");
                                let root = dotted.split('.').next().unwrap_or("");
                                if self.module_defs.contains(root) {
                                    // `LocalClass.static_method(...)`
                                    Callee::Name(self.qualify(&full))
                                } else {
                                    Callee::Name(self.resolve_class(&full))
                                }
                            }
                            _ => {
                                let ty = self.value_type(object, env);
                                receiver = Some(self.eval(object, env, context, depth));
                                receiver_node = Some(object);
                                match ty {
                                    Some(class) => Callee::Method {
                                        class,
                                        name: method,
                                    },
                                    None => Callee::UnknownMethod { name: method },
                                }
                            }
                        }
                    }
                    None => Callee::UnknownMethod { name: method },
                }
            }
            _ => {
                receiver = Some(self.eval(function, env, context, depth));
                Callee::UnknownMethod {
                    name: String::new(),
                }
            }
        };

        let method_name = callee.method_name().to_string();
        let qualified: Option<&str> = match &callee {
            Callee::Name(name) => Some(name.as_str()),
            _ => None,
        };

        // Sinks.
        let first_sink = self.file.sinks.len();
        self.record_sinks(
            node,
            &callee,
            spelled,
            &args,
            &arg_nodes,
            &keywords,
            positional_splat.as_ref(),
            splat_at,
            receiver.as_ref(),
            receiver_node,
            context,
        );

        // Container mutation taints the container.
        if matches!(
            method_name.as_str(),
            "append"
                | "extend"
                | "insert"
                | "update"
                | "add"
                | "appendleft"
                | "extendleft"
                | "setdefault"
        ) && let Some(container) = receiver_node
        {
            let mut value = Taint::default();
            for arg in &args {
                value.union_with(arg);
            }
            if let Some(splat) = &splat {
                value.union_with(splat);
            }
            let name = self.text(container).to_string();
            let location = self.location(node);
            let value = value.with_hop(&location, || format!("added to `{name}`"));
            self.mutate(container, value, env, context);
        }

        // Calls that may enter the scanned sources are resolved later; the
        // call site is kept even when the result is decided here, for the
        // parameters of private callees and for sink implementations.
        let deferred = match &callee {
            Callee::Name(name) => {
                (!self.module.is_empty() && name.starts_with(self.module))
                    || self.project.may_contain(name)
            }
            Callee::SelfMethod { .. } | Callee::Super { .. } => true,
            Callee::Method { class, .. } => {
                self.project.may_contain(class) || self.local_classes.values().any(|c| c == class)
            }
            Callee::UnknownMethod { name } => is_private_name(name),
        };
        let call = deferred.then(|| {
            let call = self.file.calls.len() as CallId;
            self.call_by_node.insert(node.id(), call);
            self.file.calls.push(CallSite {
                caller: context.id,
                callee: callee.clone(),
                location: self.location(node),
                receiver: receiver.clone(),
                args: args.clone(),
                keywords: keywords
                    .iter()
                    .map(|(k, v, _)| (k.clone(), v.clone()))
                    .collect(),
                splat: splat.clone(),
                bound: function.kind() == "attribute",
                falsy_keywords: keywords
                    .iter()
                    .filter(|(_, _, node)| matches!(self.text(*node), "False" | "None" | "0"))
                    .map(|(name, _, _)| name.clone())
                    .collect(),
                falsy_positions: arg_nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, node)| matches!(self.text(**node), "False" | "None" | "0"))
                    .map(|(index, _)| index as u16)
                    .collect(),
                forwards_command: matches!(
                    callee,
                    Callee::UnknownMethod { .. } | Callee::Method { .. }
                ) && self
                    .config
                    .sinks_named(&method_name)
                    .any(|sink| sink.rule == RuleMask::COMMAND && sink.spec.method.is_some()),
            });
            call
        });
        for sink in &mut self.file.sinks[first_sink..] {
            sink.call = call;
        }

        // Sources: a source function, a reading method, or any method of a
        // source object (`request.args.get(...)`, `sys.stdin.readline()`).
        let source = match &callee {
            Callee::Name(name) => self.config.source(name, SourceKind::Call).or_else(|| {
                if function.kind() != "attribute" {
                    return None;
                }
                self.config
                    .source(&method_name, SourceKind::Method)
                    .or_else(|| self.attribute_source_prefix(name))
            }),
            _ => self.config.source(&method_name, SourceKind::Method),
        };
        if let Some(source) = source {
            let description = format!("`{spelled}(...)`: {}", source.description);
            let atom = self.intern(Atom::Source {
                description,
                location: self.location(node),
            });
            return Taint::atom(atom);
        }

        let mut everything = receiver.clone().unwrap_or_default();
        for arg in &args {
            everything.union_with(arg);
        }
        for (_, value, _) in &keywords {
            everything.union_with(value);
        }
        if let Some(splat) = &splat {
            everything.union_with(splat);
        }

        // Sanitizers.
        let is_method_call = !matches!(callee, Callee::Name(_)) || function.kind() == "attribute";
        let clears = self
            .config
            .sanitizes(qualified, is_method_call.then_some(method_name.as_str()));
        if !clears.is_empty() {
            return everything.sanitize(clears);
        }
        if let Some(call) = call {
            let atom = self.intern(Atom::CallResult { call });
            return Taint::atom(atom);
        }

        everything
    }

    /// `'fmt' % value` with a literal format: a value formatted only by
    /// numeric conversions (`%d`, `%(size)d`, `%x`, `%.2f`) is a number in
    /// the result (formatting raises on anything else, as `int()` would),
    /// so only the values of string conversions (`%s`, `%r`, ...) flow.
    /// `None` when the format is not a plain literal or cannot be mapped.
    fn eval_percent_format(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Option<Taint> {
        let operator = node.child_by_field_name("operator")?;
        if self.text(operator) != "%" {
            return None;
        }
        let format = string_literal(self.source, node.child_by_field_name("left")?)?;
        let conversions = percent_conversions(&format)?;
        let right = node.child_by_field_name("right")?;
        let numeric = |c: char| "diouxXeEfFgG".contains(c);
        let mut taint = Taint::default();
        match right.kind() {
            "dictionary" => {
                let mut cursor = right.walk();
                let children: Vec<Node<'a>> = right.named_children(&mut cursor).collect();
                for child in children {
                    let value = self.eval(child, env, context, depth);
                    let key = (child.kind() == "pair")
                        .then(|| child.child_by_field_name("key"))
                        .flatten()
                        .and_then(|k| string_literal(self.source, k));
                    let only_numeric = key.is_some_and(|key| {
                        let mut uses = conversions
                            .iter()
                            .filter(|(k, _)| k.as_deref() == Some(key.as_str()))
                            .peekable();
                        uses.peek().is_some() && uses.all(|(_, c)| numeric(*c))
                    });
                    if !only_numeric {
                        taint.union_with(&value);
                    }
                }
            }
            "tuple" => {
                let mut cursor = right.walk();
                let children: Vec<Node<'a>> = right.named_children(&mut cursor).collect();
                let positional = conversions.iter().all(|(k, _)| k.is_none());
                for (index, child) in children.into_iter().enumerate() {
                    let value = self.eval(child, env, context, depth);
                    let is_number = positional
                        && child.kind() != "list_splat"
                        && conversions.get(index).is_some_and(|(_, c)| numeric(*c));
                    if !is_number {
                        taint.union_with(&value);
                    }
                }
            }
            _ => {
                let value = self.eval(right, env, context, depth);
                let single_number =
                    conversions.len() == 1 && conversions.iter().all(|(_, c)| numeric(*c));
                if !single_number {
                    taint.union_with(&value);
                }
            }
        }
        Some(taint)
    }

    /// `x.split('/')[-1]` or `x.rsplit('/', 1)[-1]`: the last path component.
    fn is_last_path_component(&self, subscript: Node<'a>) -> bool {
        let is_minus_one = subscript
            .child_by_field_name("subscript")
            .is_some_and(|index| self.text(index).replace(' ', "") == "-1");
        if !is_minus_one {
            return false;
        }
        let Some(call) = subscript
            .child_by_field_name("value")
            .filter(|v| v.kind() == "call")
        else {
            return false;
        };
        let Some(function) = call
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")
        else {
            return false;
        };
        let method = function
            .child_by_field_name("attribute")
            .map(|a| self.text(a))
            .unwrap_or("");
        matches!(method, "split" | "rsplit")
            && first_argument(call).is_some_and(|separator| {
                string_literal(self.source, separator).as_deref() == Some("/")
                    || self.imports.resolve(self.text(separator)) == "os.sep"
            })
    }

    /// The attribute source (`flask.request`) a dotted name starts with.
    fn attribute_source_prefix(&self, name: &str) -> Option<&'a crate::rules::Source> {
        let mut end = name.len();
        while let Some(dot) = name[..end].rfind('.') {
            if let Some(source) = self.config.source(&name[..dot], SourceKind::Attribute) {
                return Some(source);
            }
            end = dot;
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn record_sinks(
        &mut self,
        node: Node<'a>,
        callee: &Callee,
        spelled: &str,
        args: &[Taint],
        arg_nodes: &[Node<'a>],
        keywords: &[(String, Taint, Node<'a>)],
        splat: Option<&Taint>,
        splat_at: Option<usize>,
        receiver: Option<&Taint>,
        receiver_node: Option<Node<'a>>,
        context: &FunctionContext,
    ) {
        let method = callee.method_name();
        let sinks: Vec<crate::rules::Sink> = self
            .config
            .sinks_named(method)
            .filter(|sink| match (&sink.call, &sink.spec.method, callee) {
                (Some(pattern), _, Callee::Name(name)) => pattern.matches(name),
                (None, Some(expected), _) if expected == method => {
                    match (sink.spec.receiver_type.as_deref(), callee) {
                        (None, Callee::Name(_)) => spelled.contains('.'),
                        (None, _) => true,
                        (Some("self"), Callee::SelfMethod { .. }) => true,
                        (Some(ty), Callee::Method { class, .. }) => {
                            ty == class || (is_path_class(ty) && is_path_class(class))
                        }
                        (Some(ty), Callee::Name(name)) if is_path_class(ty) => {
                            // `Path(x).unlink()` spelled inline.
                            receiver_node.is_none() && name.contains("Path(")
                        }
                        _ => false,
                    }
                }
                _ => false,
            })
            .cloned()
            .collect();
        if sinks.is_empty() {
            return;
        }
        let location = self.location(node);
        let literal_args: Vec<Option<String>> = arg_nodes
            .iter()
            .take(splat_at.unwrap_or(usize::MAX))
            .map(|n| string_literal(self.source, *n))
            .collect();
        for sink in sinks {
            let spec = &sink.spec;
            let mut data = Taint::default();
            let mut shell = spec.kind == SinkKind::Shell;
            let mut privileged = context.privileged.clone();
            let keyword = |name: &str| keywords.iter().find(|(k, _, _)| k == name);
            let is_false = |n: Node<'a>| matches!(self.text(n), "False" | "None" | "0");

            let mut privilege_param: Option<u16> = None;
            if spec.privileged {
                privileged.get_or_insert_with(|| {
                    format!("run as root by the oslo.privsep entry point `{spelled}`")
                });
            }
            if sink.rule == RuleMask::COMMAND {
                // The argument vector, as literal strings where known:
                // positional (`execute('mount', ...)`) or a list display.
                let mut argv: Vec<Option<String>> = literal_args.clone();
                let mut argv_nodes: Vec<Node<'a>> = arg_nodes.to_vec();
                if !matches!(spec.args, ArgSelector::Named(ArgSelectorName::All))
                    && let Some(first) = arg_nodes.first()
                    && matches!(first.kind(), "list" | "tuple")
                {
                    let mut cursor = first.walk();
                    argv_nodes = first.named_children(&mut cursor).collect();
                    argv = argv_nodes
                        .iter()
                        .map(|n| string_literal(self.source, *n))
                        .collect();
                }
                if let Some((_, _, value)) = keyword("shell")
                    && !is_false(*value)
                {
                    shell = true;
                }
                // `run_as_root=False` wins over a `root_helper` also given:
                // processutils uses the helper only when running as root.
                let root_disabled = self
                    .config
                    .privileged_keywords
                    .first()
                    .and_then(|name| keyword(name))
                    .is_some_and(|(_, _, value)| is_false(*value));
                for name in &self.config.privileged_keywords {
                    if root_disabled {
                        break;
                    }
                    if let Some((_, _, value)) = keyword(name)
                        && !is_false(*value)
                    {
                        // `run_as_root=as_root`: privileged as the caller decides.
                        if privileged.is_none()
                            && value.kind() == "identifier"
                            && let Some(index) =
                                context.params.iter().position(|p| p == self.text(*value))
                        {
                            privilege_param = Some(index as u16);
                        }
                        privileged.get_or_insert_with(|| {
                            format!("run as root (`{name}={}`)", self.text(*value))
                        });
                    }
                }
                if let Some(Some(program)) = argv.first() {
                    let base = program.rsplit('/').next().unwrap_or(program);
                    if self.config.privileged_programs.iter().any(|p| p == base) {
                        privileged.get_or_insert_with(|| format!("run as root through `{base}`"));
                    }
                    // `sh -c STRING`: the string is run by a shell.
                    if self
                        .config
                        .shell_programs
                        .iter()
                        .any(|p| p == program || p == base)
                        && argv.get(1).and_then(|a| a.as_deref()) == Some("-c")
                        && let Some(script) = argv_nodes.get(2)
                    {
                        // A list display's elements share the list's taint.
                        let from_display = argv_nodes.first() != arg_nodes.first();
                        let index = if from_display { 0 } else { 2 };
                        let _ = script;
                        data = args.get(index).cloned().unwrap_or_default();
                        shell = true;
                    }
                }
            }
            if !shell || data.is_clean() {
                for (index, arg) in args.iter().enumerate() {
                    if spec.args.selects(index) {
                        data.union_with(arg);
                    }
                }
                if let Some(splat) = splat
                    && !matches!(spec.args, ArgSelector::Named(ArgSelectorName::None))
                {
                    data.union_with(splat);
                }
                for (name, value, _) in keywords {
                    if spec.keywords.iter().any(|k| k == name) {
                        data.union_with(value);
                    }
                }
                if spec.receiver
                    && let Some(receiver) = receiver
                {
                    data.union_with(receiver);
                }
            }
            if data.is_clean() {
                continue;
            }
            let destructive = match spec.kind {
                SinkKind::PathWrite => true,
                SinkKind::PathOpen => {
                    let mode = keyword("mode")
                        .map(|(_, _, n)| *n)
                        .or_else(|| arg_nodes.get(if spec.receiver { 0 } else { 1 }).copied())
                        .and_then(|n| string_literal(self.source, n));
                    let mode_node = keyword("mode")
                        .or_else(|| keyword("flags"))
                        .map(|(_, _, n)| *n)
                        .or_else(|| arg_nodes.get(if spec.receiver { 0 } else { 1 }).copied());
                    // `os.open(path, os.O_CREAT | os.O_WRONLY)`: flags, not a mode string.
                    let writing_flags = mode_node.is_some_and(|n| {
                        let text = self.text(n);
                        ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"]
                            .iter()
                            .any(|flag| text.contains(flag))
                    });
                    writing_flags || mode.is_some_and(|m| m.contains(['w', 'a', 'x', '+']))
                }
                _ => false,
            };
            let snippet = normalise_snippet(self.text(node));
            self.file.sinks.push(SinkUse {
                function: context.id,
                rule: sink.rule,
                kind: spec.kind,
                location: location.clone(),
                spelled: spelled.to_string(),
                callee: callee.clone(),
                call: None,
                data,
                shell,
                privileged,
                destructive,
                by_method_name: sink.call.is_none(),
                privileged_by_parameter: privilege_param.is_some(),
                privilege_param,
                unscanned_only: spec.unscanned_only,
                snippet,
                context: context.qualname.clone(),
            });
        }
    }
}

/// The conversions of a `%` format string, in order: the mapping key
/// (`%(name)s`) if any and the conversion character. `None` when a width or
/// precision is taken from the arguments (`%*d`), which shifts positions.
fn percent_conversions(format: &str) -> Option<Vec<(Option<String>, char)>> {
    let mut conversions = Vec::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            continue;
        }
        let mut key = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let mut name = String::new();
            let mut level = 1;
            for c in chars.by_ref() {
                match c {
                    '(' => level += 1,
                    ')' => {
                        level -= 1;
                        if level == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                name.push(c);
            }
            key = Some(name);
        }
        let mut conversion = None;
        for c in chars.by_ref() {
            match c {
                '*' => return None,
                '#' | '0' | '-' | ' ' | '+' | '.' | 'h' | 'l' | 'L' => {}
                c if c.is_ascii_digit() => {}
                c => {
                    conversion = Some(c);
                    break;
                }
            }
        }
        conversions.push((key, conversion?));
    }
    Some(conversions)
}

/// Whether a block's last statement is a `raise`.
fn ends_with_raise(block: Node) -> bool {
    let mut cursor = block.walk();
    block
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .last()
        .is_some_and(|last| last.kind() == "raise_statement")
}

fn apply_facts(env: &mut Env, facts: &Facts) {
    for (name, mask) in &facts.sanitized {
        if let Some(taint) = env.vars.get_mut(name) {
            *taint = std::mem::take(taint).sanitize(*mask);
        }
    }
    for (name, guard) in &facts.guarded {
        if let Some(taint) = env.vars.get_mut(name) {
            *taint = std::mem::take(taint).with_guard(*guard);
        }
    }
}

/// What a regex check proves: `fullmatch` (or a `\Z`-anchored pattern)
/// fixes the whole value; a `$` anchor lets a trailing newline through,
/// which matters to a shell but not to a path.
fn regex_guard_mask(function: &str, pattern: Option<&str>) -> RuleMask {
    match function {
        "fullmatch" => RuleMask::ALL,
        "match" | "search" => match pattern {
            Some(p) if p.ends_with("\\Z") && (function == "match" || p.starts_with('^')) => {
                RuleMask::ALL
            }
            Some(p) if p.ends_with('$') && (function == "match" || p.starts_with('^')) => {
                RuleMask::PATH
            }
            _ => RuleMask::NONE,
        },
        _ => RuleMask::NONE,
    }
}

fn is_path_class(name: &str) -> bool {
    matches!(
        name,
        "pathlib.Path" | "pathlib.PosixPath" | "pathlib.PurePath" | "pathlib.PurePosixPath"
    ) || name == "resolved-path"
}

/// Whether a path is a test module (`tests/` directory or `test_*.py`).
pub fn is_test_file(path: &str) -> bool {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    path.contains("/tests/") || path.starts_with("tests/") || file.starts_with("test_")
}

pub fn is_private_name(name: &str) -> bool {
    name.starts_with('_') && !(name.starts_with("__") && name.ends_with("__"))
}

fn first_argument(call: Node) -> Option<Node> {
    let arguments = call.child_by_field_name("arguments")?;
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .find(|c| c.kind() != "comment" && c.kind() != "keyword_argument")
}

/// The value of a plain string literal (no interpolation), quotes removed.
pub fn string_literal(source: &SourceFile, node: Node) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut content = String::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "string_content" => content.push_str(source.node_text(child)),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(content)
}

/// `a.b.c` for a chain of identifiers and attributes; `None` otherwise.
pub fn dotted_text(source: &SourceFile, node: Node) -> Option<String> {
    let mut parts = Vec::new();
    let mut current = node;
    loop {
        // No configured name is this long; without a cap, evaluating each
        // level of a hostile `a.b.b.b...` chain spells the rest of it.
        if parts.len() > MAX_DOTTED_SEGMENTS {
            return None;
        }
        match current.kind() {
            "identifier" => {
                parts.push(source.node_text(current));
                break;
            }
            "attribute" => {
                parts.push(source.node_text(current.child_by_field_name("attribute")?));
                current = current.child_by_field_name("object")?;
            }
            _ => return None,
        }
    }
    parts.reverse();
    Some(parts.join("."))
}

/// The identifier a parameter node binds.
fn parameter_identifier(param: Node) -> Option<Node> {
    match param.kind() {
        "identifier" => Some(param),
        "default_parameter" | "typed_default_parameter" => param
            .child_by_field_name("name")
            .filter(|n| n.kind() == "identifier"),
        "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
            let mut cursor = param.walk();
            param
                .named_children(&mut cursor)
                .find_map(|c| match c.kind() {
                    "identifier" => Some(c),
                    "list_splat_pattern" | "dictionary_splat_pattern" => c.named_child(0),
                    _ => None,
                })
        }
        _ => None,
    }
}

/// The nearest enclosing function or class definition.
fn enclosing_scope(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(parent) = current {
        if matches!(parent.kind(), "function_definition" | "class_definition") {
            return Some(parent);
        }
        current = parent.parent();
    }
    None
}

fn enclosing_function(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(parent) = current {
        if parent.kind() == "function_definition" {
            return Some(parent);
        }
        current = parent.parent();
    }
    None
}

/// `Outer.Inner.method` for a definition node (functions' own scopes
/// included, as Python's `__qualname__` does without `<locals>`).
pub fn qualname_of(source: &SourceFile, node: Node) -> String {
    let mut parts = Vec::new();
    let mut current = Some(node);
    while let Some(scope) = current {
        if matches!(scope.kind(), "function_definition" | "class_definition")
            && let Some(name) = scope.child_by_field_name("name")
        {
            parts.push(source.node_text(name));
        }
        current = scope.parent();
    }
    parts.reverse();
    parts.join(".")
}

/// Decorator names of a definition, resolved through the imports
/// (`contextlib.contextmanager`, `nova.privsep.sys_admin_pctxt.entrypoint`).
fn decorator_names(source: &SourceFile, node: Node, imports: &ImportMap) -> Vec<String> {
    let Some(parent) = node.parent().filter(|p| p.kind() == "decorated_definition") else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let mut cursor = parent.walk();
    for decorator in parent.named_children(&mut cursor) {
        if decorator.kind() != "decorator" {
            continue;
        }
        let Some(mut expression) = decorator.named_child(0) else {
            continue;
        };
        if expression.kind() == "call"
            && let Some(function) = expression.child_by_field_name("function")
        {
            expression = function;
        }
        if let Some(dotted) = dotted_text(source, expression) {
            names.push(imports.resolve(&dotted));
        }
    }
    names
}

/// Names of private functions used other than by calling them.
/// Whether an expression is passed, stored or returned as a value (a
/// callback), as opposed to called, assigned to, or used as the object of
/// a further attribute (`mock_obj._name.call_count` in tests).
pub fn is_used_as_value(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    match parent.kind() {
        "argument_list"
        | "return_statement"
        | "list"
        | "tuple"
        | "set"
        | "pair"
        | "expression_list"
        | "conditional_expression"
        | "yield"
        | "lambda"
        | "dictionary" => true,
        "keyword_argument" => parent.child_by_field_name("value") == Some(node),
        "assignment" | "augmented_assignment" => parent.child_by_field_name("right") == Some(node),
        // The name inside `obj._name`: judged by how the attribute is used.
        "attribute" => {
            parent.child_by_field_name("attribute") == Some(node) && is_used_as_value(parent)
        }
        _ => false,
    }
}

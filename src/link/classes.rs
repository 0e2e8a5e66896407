//! The class hierarchy across files (bases, subclasses, attributes), and
//! the small type inference wrong-object-attribute needs: the class of a
//! variable, from constructors, annotations, containers filled with
//! instances, context managers and methods that return or yield them.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::facts::FileFacts;
use crate::facts::classes::{
    CLASS_SCOPE, ClassFacts, MODULE_FUNCTIONS, MethodFacts, Names, Span, Sym, TypeBase, TypeExpr,
    TypeOp,
};

pub type ClassId = usize;

/// What bounds the evaluation of a type: assignments can refer to each
/// other in cycles (`m = self.mounts.get(p)` where `self.mounts[p] = m`).
pub struct Budget {
    /// Steps left.
    fuel: usize,
    /// The local variables being evaluated (class, method, name): one
    /// met again is part of a cycle and unknown there, so the cycle does
    /// not burn the fuel the variable's other assignments need.
    open: Vec<(ClassId, usize, Sym)>,
}

impl Budget {
    pub fn new(fuel: usize) -> Budget {
        Budget {
            fuel,
            open: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct ClassIndex {
    /// (file index, class index in that file) of each class, in file order.
    pub classes: Vec<(usize, usize)>,
    by_qualname: HashMap<String, ClassId>,
    /// Resolved in-repo bases.
    pub bases: Vec<Vec<ClassId>>,
    /// Some base is neither a scanned class nor a harmless builtin: the
    /// class may inherit code that reads any attribute.
    pub external_base: Vec<bool>,
    pub subclasses: Vec<Vec<ClassId>>,
    /// Classes a package's `__init__.py` imports are reached through it.
    reexports: std::sync::Arc<super::Reexports>,
}

/// What a type expression evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Unknown,
    ClassObject(ClassId),
    Instance(ClassId),
    Dict(Box<Ty>),
    Seq(Box<Ty>),
    /// A method of a class, not yet called.
    Method(ClassId, usize),
    /// What calling a `@contextmanager` method returns.
    ContextManager(ClassId, usize),
    /// A dict's `values` method, not yet called: calling it gives its
    /// values (`vals = d.values(); for v in vals`).
    DictValues(Box<Ty>),
}

/// Where a type expression is evaluated: a method (or the body) of a class.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub class: ClassId,
    pub method: usize,
}

/// Bases that add no attribute reads of their own.
fn harmless_base(name: &str) -> bool {
    matches!(
        name,
        "object"
            | "abc.ABC"
            | "ABC"
            | "Exception"
            | "BaseException"
            | "ValueError"
            | "RuntimeError"
    )
}

impl ClassIndex {
    pub fn build(files: &[FileFacts], reexports: std::sync::Arc<super::Reexports>) -> ClassIndex {
        let mut index = ClassIndex {
            reexports,
            ..ClassIndex::default()
        };
        for (file, facts) in files.iter().enumerate() {
            for (class, class_facts) in facts.classes.classes.iter().enumerate() {
                let id = index.classes.len();
                index.classes.push((file, class));
                // The first definition wins: deterministic in file order.
                index
                    .by_qualname
                    .entry(class_facts.qualname.clone())
                    .or_insert(id);
            }
        }
        let count = index.classes.len();
        index.bases = vec![Vec::new(); count];
        index.external_base = vec![false; count];
        index.subclasses = vec![Vec::new(); count];
        for id in 0..count {
            let (file, _) = index.classes[id];
            let class = index.facts(files, id);
            let scope = parent_scope(&class.qualname);
            for base in &class.bases {
                match index.resolve_in(files, file, scope, base) {
                    Some(base_id) if base_id != id => {
                        index.bases[id].push(base_id);
                        index.subclasses[base_id].push(id);
                    }
                    Some(_) => {}
                    None => {
                        let head = base.split('.').next().unwrap_or(base);
                        let imported = files[file].imports.get(head).is_some();
                        let resolved = files[file].imports.resolve(base);
                        let harmless =
                            (!imported && harmless_base(base)) || harmless_base(&resolved);
                        if !harmless {
                            index.external_base[id] = true;
                        }
                    }
                }
            }
        }
        index
    }

    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    pub fn facts<'a>(&self, files: &'a [FileFacts], id: ClassId) -> &'a ClassFacts {
        let (file, class) = self.classes[id];
        &files[file].classes.classes[class]
    }

    /// The interned names of the file a class is in.
    pub fn names<'a>(&self, files: &'a [FileFacts], id: ClassId) -> &'a Names {
        &files[self.file_of(id)].classes.names
    }

    /// A method by name in the class itself.
    pub fn own_method(&self, files: &[FileFacts], id: ClassId, name: &str) -> Option<usize> {
        let sym = self.names(files, id).lookup(name)?;
        self.facts(files, id).method(sym)
    }

    pub fn file_of(&self, id: ClassId) -> usize {
        self.classes[id].0
    }

    /// Resolves a dotted name spelled in `file` inside the scope `scope`
    /// (a qualified class or module name) to a scanned class.
    fn resolve_in(
        &self,
        files: &[FileFacts],
        file: usize,
        scope: &str,
        spelled: &str,
    ) -> Option<ClassId> {
        // Enclosing scopes, innermost first, down to the module.
        let module = &files[file].module;
        let mut prefix = scope;
        loop {
            let candidate = if prefix.is_empty() {
                spelled.to_string()
            } else {
                format!("{prefix}.{spelled}")
            };
            if let Some(&id) = self.by_qualname.get(&candidate) {
                return Some(id);
            }
            if prefix.len() <= module.len() {
                break;
            }
            prefix = parent_scope(prefix);
        }
        let resolved = files[file].imports.resolve(spelled);
        let lookup = |name: &str| self.by_qualname.get(name).copied();
        lookup(&resolved)
            .or_else(|| lookup(spelled))
            // `from pkg import Volume`, which `pkg/__init__.py` imports
            // from where it is defined.
            .or_else(|| self.reexports.find(&resolved, lookup))
    }

    /// Resolves a class name spelled in a method of `class`: `self.Nested`
    /// and `cls.Nested` look in the class and its bases.
    pub fn resolve(&self, files: &[FileFacts], class: ClassId, spelled: &str) -> Option<ClassId> {
        if let Some(rest) = spelled
            .strip_prefix("self.")
            .or_else(|| spelled.strip_prefix("cls."))
        {
            return self.ancestors(class).into_iter().find_map(|k| {
                let qualname = format!("{}.{rest}", self.facts(files, k).qualname);
                self.by_qualname.get(&qualname).copied()
            });
        }
        let qualname = &self.facts(files, class).qualname;
        self.resolve_in(files, self.file_of(class), qualname, spelled)
    }

    /// The class and its in-repo bases, nearest first (breadth-first, so
    /// roughly the method resolution order), each once.
    pub fn ancestors(&self, id: ClassId) -> Vec<ClassId> {
        let mut seen = BTreeSet::from([id]);
        let mut order = vec![id];
        let mut queue = VecDeque::from([id]);
        while let Some(current) = queue.pop_front() {
            for &base in &self.bases[current] {
                if seen.insert(base) {
                    order.push(base);
                    queue.push_back(base);
                }
            }
        }
        order
    }

    /// Every class whose instances may run code of this class or share its
    /// attributes: its bases, its subclasses, and their bases (mixins).
    /// `None` when there are more than `cap` (a family too large to reason
    /// about; also bounds the work on hostile inheritance chains).
    pub fn hierarchy(&self, id: ClassId, cap: usize) -> Option<BTreeSet<ClassId>> {
        let mut descendants = BTreeSet::from([id]);
        let mut queue = VecDeque::from([id]);
        while let Some(current) = queue.pop_front() {
            for &sub in &self.subclasses[current] {
                if descendants.insert(sub) {
                    if descendants.len() > cap {
                        return None;
                    }
                    queue.push_back(sub);
                }
            }
        }
        // One breadth-first walk up from all descendants at once.
        let mut all = descendants.clone();
        let mut queue: VecDeque<ClassId> = descendants.into_iter().collect();
        while let Some(current) = queue.pop_front() {
            for &base in &self.bases[current] {
                if all.insert(base) {
                    if all.len() > cap {
                        return None;
                    }
                    queue.push_back(base);
                }
            }
        }
        Some(all)
    }

    /// Whether a method of the class named `qualname`, or of one of its
    /// in-repo bases, stores `self.attr`.
    pub fn stores_attr(&self, files: &[FileFacts], qualname: &str, attr: &str) -> bool {
        let Some(&id) = self.by_qualname.get(qualname) else {
            return false;
        };
        self.ancestors(id).into_iter().any(|k| {
            self.names(files, k).lookup(attr).is_some_and(|attr| {
                self.facts(files, k)
                    .methods
                    .iter()
                    .any(|method| method.self_writes.iter().any(|write| write.attr == attr))
            })
        })
    }

    /// A method by name, looked up in the class and then its bases.
    pub fn find_method<'a>(
        &self,
        files: &'a [FileFacts],
        class: ClassId,
        name: &str,
    ) -> Option<(ClassId, usize, &'a MethodFacts)> {
        self.ancestors(class).into_iter().find_map(|k| {
            let m = self.own_method(files, k, name)?;
            Some((k, m, &self.facts(files, k).methods[m]))
        })
    }

    /// The methods `__init__` runs: itself and the methods it calls on
    /// `self`, transitively, as (class, method index).
    pub fn init_closure(&self, files: &[FileFacts], class: ClassId) -> Vec<(ClassId, usize)> {
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        let mut queue = VecDeque::from(["__init__"]);
        while let Some(name) = queue.pop_front() {
            if let Some((k, m, method)) = self.find_method(files, class, name)
                && seen.insert((k, m))
            {
                order.push((k, m));
                let names = self.names(files, k);
                queue.extend(method.self_calls.iter().map(|&c| names.get(c)));
            }
        }
        order
    }

    /// Where the class (or a base) defines `attr`, for a label: a write in
    /// `__init__` (or a method it calls), a class-level declaration, or any
    /// write on `self`. Returns the defining class, the method, the site.
    pub fn definition<'a>(
        &self,
        files: &'a [FileFacts],
        class: ClassId,
        attr: &str,
    ) -> Option<(ClassId, Option<&'a str>, Span)> {
        let written = |k: ClassId, method: &MethodFacts| {
            let attr = self.names(files, k).lookup(attr)?;
            let write = method.self_writes.iter().find(|w| w.attr == attr)?;
            Some((k, Some(self.names(files, k).get(method.name)), write.span))
        };
        for (k, m) in self.init_closure(files, class) {
            if let Some(found) = written(k, &self.facts(files, k).methods[m]) {
                return Some(found);
            }
        }
        for k in self.ancestors(class) {
            if let Some(attr) = self.names(files, k).lookup(attr)
                && let Some(span) = self.facts(files, k).declares(attr)
            {
                return Some((k, None, span));
            }
        }
        for k in self.ancestors(class) {
            for method in &self.facts(files, k).methods {
                if let Some(found) = written(k, method) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// Evaluates a type expression in a scope, within `budget`.
    pub fn eval(
        &self,
        files: &[FileFacts],
        scope: Scope,
        expr: &TypeExpr,
        budget: &mut Budget,
    ) -> Ty {
        if budget.fuel == 0 {
            return Ty::Unknown;
        }
        budget.fuel -= 1;
        let class = self.facts(files, scope.class);
        let names = self.names(files, scope.class);
        let mut ty = match &expr.base {
            TypeBase::Name(name) => match self.name_type(files, scope.class, names.get(*name)) {
                Ty::Unknown => self.local_attribute_type(files, scope, names.get(*name), budget),
                known => known,
            },
            TypeBase::SelfObj => Ty::Instance(scope.class),
            TypeBase::SelfAttr(attr) => {
                self.attr_type(files, scope.class, names.get(*attr), budget)
            }
            TypeBase::Local(name) => {
                let method = class
                    .methods
                    .get(scope.method)
                    .filter(|_| scope.method != CLASS_SCOPE);
                let bindings: Vec<&TypeExpr> = method
                    .map(|m| {
                        m.bindings
                            .iter()
                            .filter(|b| b.name == *name)
                            .filter_map(|b| b.expr.as_ref())
                            .collect()
                    })
                    .unwrap_or_default();
                let bound = method.is_some_and(|m| m.bindings.iter().any(|b| b.name == *name));
                let local = (scope.class, scope.method, *name);
                if budget.open.contains(&local) {
                    Ty::Unknown
                } else if bound {
                    budget.open.push(local);
                    let ty = self.first_known(files, scope, bindings, budget);
                    budget.open.pop();
                    ty
                } else {
                    self.name_type(files, scope.class, names.get(*name))
                }
            }
            TypeBase::DefaultDict(elem) => {
                Ty::Dict(Box::new(self.eval(files, scope, elem, budget)))
            }
            TypeBase::ListOf(elem) => Ty::Seq(Box::new(self.eval(files, scope, elem, budget))),
        };
        for op in &expr.ops {
            ty = match (op, ty) {
                (TypeOp::Call, Ty::ClassObject(c)) => Ty::Instance(c),
                (TypeOp::Call, Ty::Method(k, m)) => {
                    let method = &self.facts(files, k).methods[m];
                    if method.is_contextmanager {
                        Ty::ContextManager(k, m)
                    } else {
                        let scope = Scope {
                            class: k,
                            method: m,
                        };
                        self.first_known(files, scope, method.returns.iter().collect(), budget)
                    }
                }
                (TypeOp::Attr(attr), Ty::Instance(c) | Ty::ClassObject(c)) => {
                    self.attr_type(files, c, names.get(*attr), budget)
                }
                (TypeOp::Attr(attr), Ty::Dict(elem))
                    if matches!(names.get(*attr), "values" | "itervalues") =>
                {
                    Ty::DictValues(elem)
                }
                (TypeOp::Call, Ty::DictValues(elem)) => Ty::Seq(elem),
                (TypeOp::Item, Ty::Dict(elem) | Ty::Seq(elem)) => *elem,
                (TypeOp::Iter, Ty::Seq(elem)) => *elem,
                (TypeOp::Enter, Ty::ContextManager(k, m)) => {
                    let method = &self.facts(files, k).methods[m];
                    let scope = Scope {
                        class: k,
                        method: m,
                    };
                    self.first_known(files, scope, method.yields.iter().collect(), budget)
                }
                (TypeOp::Enter, Ty::Instance(d)) => match self.find_method(files, d, "__enter__") {
                    Some((k, m, method)) => {
                        let scope = Scope {
                            class: k,
                            method: m,
                        };
                        match self.first_known(
                            files,
                            scope,
                            method.returns.iter().collect(),
                            budget,
                        ) {
                            // `return self` in a base's `__enter__` is the subclass instance.
                            Ty::Instance(r) if r == k => Ty::Instance(d),
                            other => other,
                        }
                    }
                    None => Ty::Unknown,
                },
                _ => Ty::Unknown,
            };
            if ty == Ty::Unknown {
                break;
            }
        }
        ty
    }

    /// `host.get_guest` where `host` is a parameter or local of the
    /// method (or a name of the module): the attributes of its value, one
    /// by one.
    fn local_attribute_type(
        &self,
        files: &[FileFacts],
        scope: Scope,
        dotted: &str,
        budget: &mut Budget,
    ) -> Ty {
        let mut segments = dotted.split('.');
        let (Some(first), Some(_)) = (segments.next(), dotted.find('.')) else {
            return Ty::Unknown;
        };
        let Some(local) = self.names(files, scope.class).lookup(first) else {
            return Ty::Unknown;
        };
        // A local's value as bound in the method (`eval` of `Local` falls
        // back to the name's global meaning when it is not bound there).
        let mut ty = self.eval(files, scope, &TypeExpr::local(local), budget);
        for attr in segments {
            ty = match ty {
                Ty::Instance(c) | Ty::ClassObject(c) => self.attr_type(files, c, attr, budget),
                _ => return Ty::Unknown,
            };
        }
        ty
    }

    fn first_known(
        &self,
        files: &[FileFacts],
        scope: Scope,
        exprs: Vec<&TypeExpr>,
        budget: &mut Budget,
    ) -> Ty {
        for expr in exprs {
            let ty = self.eval(files, scope, expr, budget);
            if ty != Ty::Unknown {
                return ty;
            }
        }
        Ty::Unknown
    }

    /// A name as a class, `cls`, a class's method (`Slot.create`), or a
    /// module-level function (whose call returns what it returns).
    fn name_type(&self, files: &[FileFacts], class: ClassId, name: &str) -> Ty {
        if let Some(id) = self.resolve(files, class, name) {
            return Ty::ClassObject(id);
        }
        if name == "cls" {
            return Ty::ClassObject(class);
        }
        if let Some((owner, method)) = name.rsplit_once('.')
            && let Some(owner) = self.resolve(files, class, owner)
            && let Some(m) = self.own_method(files, owner, method)
        {
            return Ty::Method(owner, m);
        }
        let file = &files[self.file_of(class)];
        let qualified = if name.contains('.') || file.imports.get(name).is_some() {
            file.imports.resolve(name).into_owned()
        } else {
            crate::names::qualify(&file.module, name)
        };
        let (module, function) = match qualified.rsplit_once('.') {
            Some((module, function)) => (format!("{module}.{MODULE_FUNCTIONS}"), function),
            None => (MODULE_FUNCTIONS.to_string(), qualified.as_str()),
        };
        self.by_qualname
            .get(&module)
            .and_then(|&functions| {
                self.own_method(files, functions, function)
                    .map(|m| Ty::Method(functions, m))
            })
            .unwrap_or(Ty::Unknown)
    }

    /// The type of `self.attr`: a method, what is stored into it, the
    /// container its elements are stored into, or a nested class.
    fn attr_type(
        &self,
        files: &[FileFacts],
        class: ClassId,
        attr: &str,
        budget: &mut Budget,
    ) -> Ty {
        for k in self.ancestors(class) {
            let facts = self.facts(files, k);
            // A name the file never mentions is neither a method nor set.
            let Some(attr) = self.names(files, k).lookup(attr) else {
                continue;
            };
            if let Some(m) = facts.method(attr) {
                return Ty::Method(k, m);
            }
            for (name, method, expr) in &facts.attr_types {
                if *name == attr {
                    let ty = self.eval(
                        files,
                        Scope {
                            class: k,
                            method: *method,
                        },
                        expr,
                        budget,
                    );
                    if ty != Ty::Unknown {
                        return ty;
                    }
                }
            }
            for (name, method, expr, is_dict) in &facts.attr_elems {
                if *name == attr {
                    let ty = self.eval(
                        files,
                        Scope {
                            class: k,
                            method: *method,
                        },
                        expr,
                        budget,
                    );
                    if ty != Ty::Unknown {
                        return if *is_dict {
                            Ty::Dict(Box::new(ty))
                        } else {
                            Ty::Seq(Box::new(ty))
                        };
                    }
                }
            }
        }
        self.name_type(files, class, &format!("self.{attr}"))
    }
}

/// `a.b.C` → `a.b`.
fn parent_scope(qualname: &str) -> &str {
    qualname.rsplit_once('.').map_or("", |(parent, _)| parent)
}

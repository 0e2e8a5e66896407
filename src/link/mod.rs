//! The project index: what the names of every file refer to across the
//! scanned tree. Built once, globally, from per-file facts (never trees).

pub mod classes;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::facts::FileFacts;
use crate::names::qualify;
use crate::taint::summary::{Callee, FunctionId};

/// A function of the scanned sources: file index and function index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionRef {
    pub file: u32,
    pub function: FunctionId,
}

/// What a call site refers to in the scanned sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A function or method; `offset` is how many leading parameters the
    /// call binds implicitly (1 for `self` on a bound method call).
    Function { function: FunctionRef, offset: u16 },
    /// A class of the scanned sources, constructed; its `__init__` if any.
    Constructor { init: Option<FunctionRef> },
}

pub struct ProjectIndex {
    pub classes: classes::ClassIndex,
    /// Every dotted suffix of every module name → full module names.
    modules: HashMap<String, Vec<String>>,
    /// `module.qualname` → function.
    functions: HashMap<String, FunctionRef>,
    /// Module-qualified class name → resolved base classes.
    class_bases: HashMap<String, Vec<String>>,
    /// Class → its subclasses in the scanned sources, by name, sorted.
    subclasses: HashMap<String, Vec<String>>,
    /// Method name → every method of that name (for calls on objects of
    /// unknown type to private methods).
    methods_by_name: HashMap<String, Vec<FunctionRef>>,
    /// Private names used as values somewhere (callbacks).
    pub escaping_names: HashSet<String>,
    /// Private methods passed as callbacks through `self`.
    pub escaping_functions: HashSet<FunctionRef>,
    /// Class → itself and its resolved bases, nearest first.
    ancestors: HashMap<String, Vec<String>>,
    /// The `@classmethod`s: a call through the class binds parameter 0.
    classmethods: HashSet<FunctionRef>,
    /// The first definition of a name → the later ones of the same name in
    /// the same module (`if win32: def _umount(...) else: def _umount(...)`):
    /// a call of the name may run any of them.
    alternates: HashMap<FunctionRef, Vec<FunctionRef>>,
    reexports: std::sync::Arc<Reexports>,
}

/// What each package's `__init__.py` imports, by the name it binds
/// (`pkg.safe_name` re-exported from `pkg.common.validate`), and what any
/// module aliases (`execute = utils.execute`): names reached through it.
#[derive(Debug, Default)]
pub struct Reexports {
    bindings: HashMap<String, HashMap<String, String>>,
    /// Module → the modules it imports everything from (`from .paths
    /// import *`): a name the module does not bind may be one of theirs.
    stars: HashMap<String, Vec<String>>,
}

impl Reexports {
    pub fn build(files: &[FileFacts]) -> Reexports {
        let mut reexports = Reexports::default();
        for file in files {
            let bindings: HashMap<String, String> = match file.is_package {
                true => file.imports.iter().map(owned_pair).collect(),
                false => file.imports.aliases().map(owned_pair).collect(),
            };
            if !bindings.is_empty() {
                reexports.bindings.insert(file.module.clone(), bindings);
            }
            let stars = file.imports.star_modules();
            if !stars.is_empty() {
                reexports.stars.insert(file.module.clone(), stars.to_vec());
            }
        }
        reexports
    }

    /// What `name` may stand for one re-export further: its leading
    /// module-level name replaced by what the module imports under it, or
    /// else by the same name in each module it star-imports.
    fn follow(&self, name: &str) -> Vec<String> {
        if self.bindings.is_empty() && self.stars.is_empty() {
            return Vec::new();
        }
        let mut end = name.len();
        while let Some(dot) = name.as_bytes()[..end].iter().rposition(|&b| b == b'.') {
            let (module, rest) = (&name[..dot], &name[dot + 1..]);
            let head = rest.split_once('.').map_or(rest, |(head, _)| head);
            if let Some(target) = self.bindings.get(module).and_then(|b| b.get(head))
                && target != name
            {
                let tail = &rest[head.len()..];
                return vec![format!("{target}{tail}")];
            }
            if let Some(stars) = self.stars.get(module) {
                return stars
                    .iter()
                    .filter(|star| star.as_str() != module)
                    .map(|star| format!("{star}.{rest}"))
                    .collect();
            }
            end = dot;
        }
        Vec::new()
    }

    /// The first `Some` that `test` gives for `name` followed through
    /// re-exports (a few hops at most: re-exports of re-exports), `name`
    /// itself not included.
    pub fn find<T>(&self, name: &str, mut test: impl FnMut(&str) -> Option<T>) -> Option<T> {
        let mut frontier = self.follow(name);
        for _ in 0..MAX_REEXPORT_HOPS {
            let mut next = Vec::new();
            for candidate in &frontier {
                if let Some(found) = test(candidate) {
                    return Some(found);
                }
                if next.len() < MAX_REEXPORT_CANDIDATES {
                    next.extend(self.follow(candidate));
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        None
    }
}

/// The functions of every file as `module.qualname` (the first of a name
/// wins), and which of them are class methods.
fn function_table(files: &[FileFacts]) -> FunctionTable {
    let mut functions: HashMap<String, FunctionRef> = HashMap::default();
    let mut classmethods = HashSet::default();
    let mut alternates: HashMap<FunctionRef, Vec<FunctionRef>> = HashMap::default();
    for (file_index, file) in files.iter().enumerate() {
        for (function_index, function) in file.taint.functions.iter().enumerate() {
            if !function.is_module {
                let reference = FunctionRef {
                    file: file_index as u32,
                    function: function_index as FunctionId,
                };
                let key = qualify(&file.module, &function.qualname);
                match functions.get(&key) {
                    Some(&first) if first.file == reference.file => {
                        alternates.entry(first).or_default().push(reference);
                    }
                    Some(_) => {}
                    None => {
                        functions.insert(key, reference);
                    }
                }
                if function.classmethod {
                    classmethods.insert(reference);
                }
            }
        }
    }
    (functions, classmethods, alternates)
}

/// What `function_table` gives: functions by qualified name, the class
/// methods, and the later definitions of a name.
type FunctionTable = (
    HashMap<String, FunctionRef>,
    HashSet<FunctionRef>,
    HashMap<FunctionRef, Vec<FunctionRef>>,
);

/// Every method by its name.
fn method_table(files: &[FileFacts]) -> HashMap<String, Vec<FunctionRef>> {
    let mut methods: HashMap<String, Vec<FunctionRef>> = HashMap::default();
    for (file_index, file) in files.iter().enumerate() {
        for (function_index, function) in file.taint.functions.iter().enumerate() {
            if !function.is_module && function.class.is_some() {
                methods
                    .entry(function.name().to_string())
                    .or_default()
                    .push(FunctionRef {
                        file: file_index as u32,
                        function: function_index as FunctionId,
                    });
            }
        }
    }
    methods
}

impl ProjectIndex {
    pub fn build(files: &[FileFacts]) -> ProjectIndex {
        // One table, read by both indexes.
        let reexports = std::sync::Arc::new(Reexports::build(files));
        // The class model (MG004) and the names (taint) are independent.
        let (classes, mut index) = rayon::join(
            || classes::ClassIndex::build(files, reexports.clone()),
            || ProjectIndex::build_names(files, reexports.clone()),
        );
        index.classes = classes;
        index
    }

    fn build_names(files: &[FileFacts], reexports: std::sync::Arc<Reexports>) -> ProjectIndex {
        let mut index = ProjectIndex {
            classes: classes::ClassIndex::default(),
            modules: HashMap::default(),
            functions: HashMap::default(),
            class_bases: HashMap::default(),
            subclasses: HashMap::default(),
            methods_by_name: HashMap::default(),
            escaping_names: HashSet::default(),
            escaping_functions: HashSet::default(),
            ancestors: HashMap::default(),
            classmethods: HashSet::default(),
            alternates: HashMap::default(),
            reexports,
        };
        // Three independent maps, built side by side.
        let ((functions, classmethods, alternates), (methods_by_name, ())) = rayon::join(
            || function_table(files),
            || {
                rayon::join(
                    || method_table(files),
                    || index.add_modules_and_classes(files),
                )
            },
        );
        index.functions = functions;
        index.classmethods = classmethods;
        index.alternates = alternates;
        index.methods_by_name = methods_by_name;
        for modules in index.modules.values_mut() {
            modules.sort();
            modules.dedup();
        }
        let ancestors: Vec<(String, Vec<String>)> = index
            .class_bases
            .par_iter()
            .map(|(class, _)| (class.clone(), index.compute_ancestors(class)))
            .collect();
        index.ancestors.extend(ancestors);
        // A `self._name` the class does not define may be defined by its
        // subclasses; otherwise it is an attribute holding a callable.
        index.subclasses = index.compute_subclasses();
        let mut escaping = Vec::new();
        for file in files {
            for (class, name) in &file.taint.escaping_methods {
                let own = std::iter::once(class);
                let below = index.subclasses(class);
                escaping.extend(
                    own.chain(below)
                        .filter_map(|class| index.method_in_hierarchy(class, name, false)),
                );
            }
            for name in &file.taint.escaping_functions {
                let callee = Callee::Name(name.as_str().into());
                if let Some(Target::Function { function, .. }) =
                    index.resolve(&callee, &file.module)
                {
                    escaping.push(function);
                }
            }
        }
        index.escaping_functions.extend(escaping);
        index
    }

    /// The first `Some` that `test` gives for the full names a dotted
    /// name may stand for, in order: itself, then the same name under
    /// every scanned module whose name ends with its module part
    /// (`utils.execute` → `nova.utils.execute`), the module closest to
    /// the caller's package first. Every call site of every file is
    /// resolved: the names are tried in one buffer, not collected.
    fn first_candidate<T>(
        &self,
        name: &str,
        near: &str,
        mut test: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        if let Some(found) = self.first_candidate_spelled(name, near, &mut test) {
            return Some(found);
        }
        // `pkg.safe_name`, which `pkg/__init__.py` imports from where it
        // is defined; a bare name the module does not bind, which one of
        // its star imports may (`from .paths import *`).
        let name = match name.contains('.') {
            true => std::borrow::Cow::Borrowed(name),
            false if self.reexports.stars.contains_key(near) => {
                std::borrow::Cow::Owned(qualify(near, name))
            }
            false => return None,
        };
        self.reexports.find(&name, |name| {
            self.first_candidate_spelled(name, near, &mut test)
        })
    }

    fn first_candidate_spelled<T>(
        &self,
        name: &str,
        near: &str,
        test: &mut impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        if let Some(found) = test(name) {
            return Some(found);
        }
        let mut candidate = String::new();
        let mut end = name.len();
        while let Some(dot) = name.as_bytes()[..end].iter().rposition(|&b| b == b'.') {
            let (module, rest) = (&name[..dot], &name[dot + 1..]);
            if let Some(modules) = self.modules.get(module) {
                let mut modules: Vec<&String> = modules.iter().collect();
                if modules.len() > 1 {
                    modules.sort_by_key(|m| std::cmp::Reverse(common_prefix(m, near)));
                }
                for full in modules {
                    candidate.clear();
                    candidate.push_str(full);
                    candidate.push('.');
                    candidate.push_str(rest);
                    if let Some(found) = test(&candidate) {
                        return Some(found);
                    }
                }
            }
            end = dot;
        }
        None
    }

    /// The method `name` of `class` or of its nearest base that has one
    /// (the ancestors are resolved once, in `build`).
    fn method_in_hierarchy(&self, class: &str, name: &str, skip_self: bool) -> Option<FunctionRef> {
        let mut key = String::new();
        let mut lookup = |class: &str| {
            key.clear();
            key.push_str(class);
            key.push('.');
            key.push_str(name);
            self.functions.get(&key).copied()
        };
        match self.ancestors.get(class) {
            Some(ancestors) => ancestors
                .iter()
                .skip(usize::from(skip_self))
                .find_map(|ancestor| lookup(ancestor)),
            None if skip_self => None,
            None => lookup(class),
        }
    }

    /// The later definitions of the name `function` was first defined
    /// under, in the same module.
    pub fn alternates(&self, function: FunctionRef) -> &[FunctionRef] {
        self.alternates.get(&function).map_or(&[], Vec::as_slice)
    }

    /// The module-qualified name of a scanned class spelled `name`.
    pub fn resolve_class(&self, name: &str, near: &str) -> Option<String> {
        self.first_candidate(name, near, |candidate| {
            self.class_bases
                .get_key_value(candidate)
                .map(|(class, _)| class.clone())
        })
    }

    /// The subclasses of a class in the scanned sources, by name (itself
    /// not included), sorted.
    pub fn subclasses(&self, class: &str) -> &[String] {
        self.subclasses.get(class).map_or(&[], Vec::as_slice)
    }

    /// Every class with a known hierarchy, and the subclasses of each.
    fn compute_subclasses(&self) -> HashMap<String, Vec<String>> {
        let mut subclasses: HashMap<String, Vec<String>> = HashMap::default();
        for (class, ancestors) in &self.ancestors {
            for ancestor in ancestors.iter().filter(|a| *a != class) {
                subclasses
                    .entry(ancestor.clone())
                    .or_default()
                    .push(class.clone());
            }
        }
        for names in subclasses.values_mut() {
            names.sort_unstable();
        }
        subclasses
    }

    /// For each stub method (`raise NotImplementedError`) of a scanned
    /// class, the methods of the same name its subclasses define: what a
    /// call of the stub may run instead.
    pub fn stub_overrides(&self, files: &[FileFacts]) -> HashMap<FunctionRef, Vec<FunctionRef>> {
        let mut overrides: HashMap<FunctionRef, Vec<FunctionRef>> = HashMap::default();
        for (file_index, file) in files.iter().enumerate() {
            for (function_index, function) in file.taint.functions.iter().enumerate() {
                let Some(class) = function.class.as_deref().filter(|_| function.stub) else {
                    continue;
                };
                let found: Vec<FunctionRef> = self
                    .overrides_below(class, function.name())
                    .filter(|found| {
                        !files[found.file as usize].taint.functions[found.function as usize].stub
                    })
                    .collect();
                if !found.is_empty() {
                    let stub = FunctionRef {
                        file: file_index as u32,
                        function: function_index as FunctionId,
                    };
                    overrides.insert(stub, found);
                }
            }
        }
        overrides
    }

    /// The methods `name` that subclasses of `class` define: what
    /// `self.name(...)` in `class` may run besides what it resolves to.
    pub fn overrides_below<'s>(
        &'s self,
        class: &str,
        name: &'s str,
    ) -> impl Iterator<Item = FunctionRef> + 's {
        self.subclasses(class)
            .iter()
            .filter_map(move |subclass| self.functions.get(&format!("{subclass}.{name}")))
            .copied()
    }

    /// Every class in the hierarchy of `class` (itself first), bases only.
    pub fn ancestors(&self, class: &str) -> &[String] {
        match self.ancestors.get(class) {
            Some(found) => found,
            None => &[],
        }
    }

    /// Every dotted suffix of every module, the classes with their bases,
    /// and the private names used as values.
    fn add_modules_and_classes(&mut self, files: &[FileFacts]) {
        for file in files {
            let parts: Vec<&str> = file.module.split('.').collect();
            for start in 0..parts.len() {
                self.modules
                    .entry(parts[start..].join("."))
                    .or_default()
                    .push(file.module.clone());
            }
            for class in &file.taint.classes {
                self.class_bases
                    .insert(class.qualified.clone(), class.bases.clone());
            }
            self.escaping_names
                .extend(file.taint.escaping_names.iter().cloned());
        }
    }

    fn compute_ancestors(&self, class: &str) -> Vec<String> {
        let mut order = vec![class.to_string()];
        let mut position = 0;
        while position < order.len() && order.len() < 64 {
            let current = order[position].clone();
            if let Some(bases) = self.class_bases.get(&current) {
                for base in bases {
                    if let Some(resolved) = self.resolve_class(base, &current)
                        && !order.contains(&resolved)
                    {
                        order.push(resolved);
                    }
                }
            }
            position += 1;
        }
        order
    }

    /// What a call site of the module `module` refers to.
    pub fn resolve(&self, callee: &Callee, module: &str) -> Option<Target> {
        match callee {
            Callee::Name(name) => self.first_candidate(name, module, |candidate| {
                if let Some(&function) = self.functions.get(candidate) {
                    return Some(Target::Function {
                        function,
                        offset: u16::from(self.classmethods.contains(&function)),
                    });
                }
                self.class_bases
                    .contains_key(candidate)
                    .then(|| Target::Constructor {
                        init: self.method_in_hierarchy(candidate, "__init__", false),
                    })
            }),
            Callee::SelfMethod { class, name } => {
                self.method_in_hierarchy(class, name, false)
                    .map(|function| Target::Function {
                        function,
                        offset: 1,
                    })
            }
            Callee::Super { class, name } => {
                self.method_in_hierarchy(class, name, true)
                    .map(|function| Target::Function {
                        function,
                        offset: 1,
                    })
            }
            Callee::Method { class, name } => {
                let class = self.resolve_class(class, module)?;
                self.method_in_hierarchy(&class, name, false)
                    .map(|function| Target::Function {
                        function,
                        offset: 1,
                    })
            }
            Callee::UnknownMethod { name } => match self.methods_by_name.get(&**name) {
                Some(methods) if methods.len() == 1 => Some(Target::Function {
                    function: methods[0],
                    offset: 1,
                }),
                _ => None,
            },
        }
    }
}

fn owned_pair((local, qualified): (&str, &str)) -> (String, String) {
    (local.to_string(), qualified.to_string())
}

/// How many re-exports a name is followed through.
const MAX_REEXPORT_HOPS: usize = 4;

/// How many names one hop of re-exports may stand for (star imports of
/// star imports fan out).
const MAX_REEXPORT_CANDIDATES: usize = 64;

fn common_prefix(a: &str, b: &str) -> usize {
    a.split('.')
        .zip(b.split('.'))
        .take_while(|(x, y)| x == y)
        .count()
}

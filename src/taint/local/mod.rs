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

mod expressions;
mod guards;
mod sinks;
mod statements;

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

/// Deeper nesting than this is summarised, not interpreted. Above what
/// CPython accepts (200 nested brackets, 100 indented blocks).
pub const MAX_DEPTH: usize = 400;
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

/// A variable name in an environment: environments are cloned at every
/// branch and loop, and a shared name costs no allocation to clone.
type Var = std::rc::Rc<str>;

#[derive(Clone, Default)]
struct Env {
    vars: HashMap<Var, Taint>,
    /// Known classes of variables (`pathlib.Path`, `pkg.mod.Class`).
    types: HashMap<Var, String>,
    /// Variables holding a normalised path (`realpath`, `abspath`, ...).
    normalised: HashSet<Var>,
    /// Variables bound to a command callable stored on an object
    /// (`run = self._execute`): whether the object is `self`, and the
    /// attribute name. Calling the variable calls that attribute.
    callables: HashMap<Var, (bool, String)>,
    /// Access paths on local variables (`volume['fs']`, `volume.fs`) that a
    /// guard tested: reading them gives this taint instead of their
    /// variable's, until the variable is bound again or mutated.
    paths: HashMap<Var, Taint>,
}

impl Env {
    /// Forgets what guards proved of the paths on variable `base`.
    fn forget_paths(&mut self, base: &str) {
        if !self.paths.is_empty() {
            self.paths.retain(|path, _| path_base(path) != base);
        }
    }

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
        // A path proved on one side only is not proved after the join.
        if !self.paths.is_empty() {
            self.paths.retain(|path, _| other.paths.contains_key(path));
            for (path, taint) in self.paths.iter_mut() {
                taint.union_with(&other.paths[path]);
            }
        }
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
#[derive(Default, Clone)]
struct Facts {
    sanitized: Vec<(String, RuleMask)>,
    guarded: Vec<(String, Guard)>,
    /// Variables a containment check (`startswith(base + os.sep)`,
    /// `is_relative_to`, `commonpath`) tested, and whether each already
    /// held a normalised path: only then is it proved inside the base. A
    /// validating helper records the check either way; its callers' own
    /// arguments decide (`RuleMask::CONTAINED`).
    contained: Vec<(String, bool)>,
    /// Variables a `$`-anchored pattern matched (see `Entry::argv_safe`).
    argv_safe: Vec<String>,
}

impl Facts {
    fn is_empty(&self) -> bool {
        self.sanitized.is_empty()
            && self.guarded.is_empty()
            && self.contained.is_empty()
            && self.argv_safe.is_empty()
    }

    /// What both of two alternatives prove (`a or b` true). A helper's
    /// guard on one side is kept where the other side clears every rule
    /// for the same variable (`ok(x) or x in ALLOWED`); otherwise it is
    /// dropped, being tied to one side's call.
    fn common(self, other: &Facts) -> Facts {
        let sanitized_for = |facts: &Facts, name: &str| {
            facts
                .sanitized
                .iter()
                .filter(|(n, _)| n == name)
                .fold(RuleMask::NONE, |mask, (_, m)| mask.union(*m))
        };
        let contained_in = |facts: &Facts, name: &str| {
            facts.contained.iter().any(|(n, _)| n == name)
                || sanitized_for(facts, name).contains(RuleMask::PATH)
        };
        let sanitized = self
            .sanitized
            .iter()
            .filter_map(|(name, mask)| {
                let both = mask.intersect(sanitized_for(other, name));
                (!both.is_empty()).then(|| (name.clone(), both))
            })
            .collect();
        let mut contained: Vec<(String, bool)> = self
            .contained
            .iter()
            .filter(|(name, _)| contained_in(other, name))
            .cloned()
            .collect();
        contained.extend(
            other
                .contained
                .iter()
                .filter(|(name, _)| sanitized_for(&self, name).contains(RuleMask::PATH))
                .cloned(),
        );
        let fully_sanitized =
            |facts: &Facts, name: &str| sanitized_for(facts, name) == RuleMask::ALL;
        let mut guarded: Vec<(String, Guard)> = self
            .guarded
            .iter()
            .filter(|(name, guard)| {
                fully_sanitized(other, name) || other.guarded.contains(&(name.clone(), *guard))
            })
            .cloned()
            .collect();
        guarded.extend(
            other
                .guarded
                .iter()
                .filter(|(name, _)| fully_sanitized(&self, name))
                .cloned(),
        );
        let argv_safe = self
            .argv_safe
            .iter()
            .filter(|name| other.argv_safe.contains(name) || fully_sanitized(other, name))
            .chain(
                other
                    .argv_safe
                    .iter()
                    .filter(|name| fully_sanitized(&self, name)),
            )
            .cloned()
            .collect();
        Facts {
            sanitized,
            guarded,
            contained,
            argv_safe,
        }
    }

    /// What the facts prove of the function's parameters, for its summary:
    /// containment checks as `RuleMask::CONTAINED`.
    /// What these facts prove of `variable`, said of `name` instead.
    fn about(&self, variable: &str, name: &str) -> Facts {
        let of = |held: &String| held == variable;
        Facts {
            sanitized: (self.sanitized.iter())
                .filter(|(held, _)| of(held))
                .map(|(_, mask)| (name.to_string(), *mask))
                .collect(),
            guarded: (self.guarded.iter())
                .filter(|(held, _)| of(held))
                .map(|(_, guard)| (name.to_string(), *guard))
                .collect(),
            contained: (self.contained.iter())
                .filter(|(held, _)| of(held))
                .map(|(_, normalised)| (name.to_string(), *normalised))
                .collect(),
            argv_safe: (self.argv_safe.iter())
                .filter(|held| of(held))
                .map(|_| name.to_string())
                .collect(),
        }
    }

    fn on_params(&self, params: &[String]) -> Vec<(u16, RuleMask)> {
        let mut proved: Vec<(u16, RuleMask)> = Vec::new();
        let checked = self
            .sanitized
            .iter()
            .map(|(name, mask)| (name, *mask))
            .chain(
                self.contained
                    .iter()
                    .map(|(name, _)| (name, RuleMask::CONTAINED)),
            )
            .chain(
                self.argv_safe
                    .iter()
                    .map(|name| (name, RuleMask::ARGV_SAFE)),
            );
        for (name, mask) in checked {
            let Some(index) = params.iter().position(|p| p == name) else {
                continue;
            };
            match proved.iter_mut().find(|(i, _)| *i == index as u16) {
                Some((_, known)) => *known = known.union(mask),
                None => proved.push((index as u16, mask)),
            }
        }
        proved
    }
}

struct FunctionContext {
    id: FunctionId,
    class: Option<String>,
    /// Name of the `self`/`cls` parameter of a method.
    self_name: Option<String>,
    privileged: Option<String>,
    qualname: String,
    validates: Option<Vec<(u16, RuleMask)>>,
    /// What every `return` proves of the parameters when it returns a
    /// falsy value (see `FunctionSummary::rejects`).
    rejects: Option<Vec<(u16, RuleMask)>>,
    /// The program of the command vector every `return` gives (`None`
    /// inside: a `return` of something else); `None`: no `return` yet.
    returned_program: Option<Option<String>>,
    /// Whether every `return` gives a vector run through `sh -c`; `None`:
    /// no `return` yet.
    returns_shell: Option<bool>,
    /// Variables the function's own body checks with `if not ok(x): raise`.
    asserts: Vec<(String, RuleMask)>,
    params: Vec<String>,
    /// Names the function declares `global`: assigning one stores into
    /// the module's global, which other functions read.
    declared_globals: Vec<String>,
    /// The function's body block (to recognise its top-level statements).
    body: Option<usize>,
    /// What is known of the values names were last bound to, in the order
    /// of the code (only names with something known).
    bindings: Vec<(String, Binding)>,
}

/// What is known of the value a name was last bound to (`x = ...`, `with
/// ... as x`) beyond its taint. Binding the name again replaces it.
#[derive(Default, Clone)]
struct Binding {
    /// A path ending with a separator (`base = BASE + os.sep`).
    separated: bool,
    /// An open file (`f = open(p)`): iterating it reads the file.
    open_file: bool,
    /// The result of a check (`m = re.fullmatch(p, x)`, `ok =
    /// is_valid(x)`): what it proves when truthy (`if not m: raise`).
    check: Option<Facts>,
    /// A command vector's literal elements (`cmd = ['sudo', 'mount', dev]`).
    command: Option<CommandVector>,
    /// A file mode or `os.open` flags that write (`mode = 'w'`, `flags =
    /// os.O_WRONLY | os.O_CREAT`).
    writes: bool,
    /// The name this is a normalisation of (`p = os.path.realpath(path)`):
    /// a containment check of `p` is one of `path` too, as far as `path`
    /// was normalised (a helper's caller may have done it).
    normalises: Option<String>,
    /// Keywords the name holds as a dict, to be given with `**name`
    /// (`kw = dict(run_as_root=True)`, `kw['shell'] = True`): the nodes
    /// (by index) of each key and its value.
    keywords: Vec<(usize, usize)>,
    /// The call that gave the value (`cmd = build(path)`): a command
    /// vector it returns may name its program (`['sudo', ...]`).
    built_by: Option<CallId>,
    /// `run = functools.partial(processutils.execute, run_as_root=True)`:
    /// the `partial(...)` call (by node index); calling the name calls
    /// the wrapped function with those arguments first.
    partial: Option<usize>,
    /// A dict display whose keys are all literals (`{'create': body}`),
    /// not given other keys since: its keys are trusted, whatever its
    /// values hold.
    literal_keys: bool,
}

impl Binding {
    fn is_empty(&self) -> bool {
        !self.literal_keys
            && !self.separated
            && !self.open_file
            && self.check.is_none()
            && self.command.is_none()
            && !self.writes
            && self.normalises.is_none()
            && self.keywords.is_empty()
            && self.built_by.is_none()
            && self.partial.is_none()
    }
}

/// Records what `name` is now bound to, forgetting its previous binding.
fn rebind(bindings: &mut Vec<(String, Binding)>, name: &str, binding: Binding) {
    bindings.retain(|(bound, _)| bound != name);
    if !binding.is_empty() {
        bindings.push((name.to_string(), binding));
    }
}

/// The index of `name`'s binding, added empty when it has none yet: for
/// what a later statement learns of the value (`kw['shell'] = True`).
fn binding_index(bindings: &mut Vec<(String, Binding)>, name: &str) -> usize {
    match bindings.iter().position(|(bound, _)| bound == name) {
        Some(index) => index,
        None => {
            bindings.push((name.to_string(), Binding::default()));
            bindings.len() - 1
        }
    }
}

/// The elements of a command vector as literal strings where they are
/// known; elements after the first of unknown length are not listed.
type CommandVector = Vec<Option<String>>;

impl FunctionContext {
    fn new(id: FunctionId, qualname: String, body: Option<usize>) -> FunctionContext {
        FunctionContext {
            id,
            class: None,
            self_name: None,
            privileged: None,
            qualname,
            validates: None,
            rejects: None,
            returned_program: None,
            returns_shell: None,
            asserts: Vec::new(),
            params: Vec::new(),
            declared_globals: Vec::new(),
            body,
            bindings: Vec::new(),
        }
    }
}

pub struct Interpreter<'a> {
    source: &'a SourceFile,
    imports: &'a ImportMap,
    module: &'a str,
    config: &'a TaintConfig,
    project: &'a ProjectModules,
    file: FileTaint,
    /// Module-level functions of this file that return a `pathlib.Path`.
    path_functions: HashSet<String>,
    /// Where code first went beyond `MAX_DEPTH` (set through `&self`).
    too_deep: std::cell::Cell<Option<Span>>,
    atom_ids: HashMap<Atom, AtomId>,
    shared_names: HashSet<std::sync::Arc<str>>,
    callee_ids: HashMap<Callee, CalleeId>,
    /// Names defined at module level (functions and classes).
    module_defs: HashSet<String>,
    /// Qualified names of the functions defined inside functions, and
    /// their own names (checked first: most calls name none of them).
    nested_defs: HashSet<String>,
    nested_names: HashSet<String>,
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
    /// Keyed by class, then attribute: looked up without allocating.
    self_attr_types: HashMap<String, HashMap<String, Option<String>>>,
    /// `self.<attr> = functools.partial(...)` stored once in a class of
    /// this file (by class, then attribute): the `partial(...)` call.
    self_attr_partials: HashMap<String, HashMap<String, Option<Node<'a>>>>,
    /// What this file's classes store in `self` attributes that may be
    /// command vectors (`self.base_command = ('sudo', 'rootwrap', ...)`),
    /// by class, then attribute: their programs are read where they run.
    self_attr_vectors: HashMap<String, HashMap<String, Vec<Node<'a>>>>,
    /// The class of the method being analysed (for `self.x` types).
    current_class: Option<String>,
    /// The module-level code's bindings (`BASE_DIR = BASE + os.sep`,
    /// `SUDO = ['sudo']`), seen by functions that do not shadow them.
    global_bindings: Vec<(String, Binding)>,
    /// Module globals some function declares `global` (and may rebind):
    /// reading one gives what those functions store too.
    written_globals: HashSet<String>,
    /// The pseudo-class whose attributes are this module's globals
    /// written by functions (`pkg.mod.<globals>`).
    globals_class: String,
    /// `@property` methods of this file's classes, by qualified class:
    /// reading `self.name` calls them. Looked up without allocating.
    properties: HashMap<String, HashSet<String>>,
    /// Methods of this file's classes named like a reading method (`read`,
    /// `recv`): `self.read()` runs that code, it reads no file.
    reading_methods: HashMap<String, HashSet<String>>,
    steps: usize,
    /// Per enclosing loop, innermost last: the environments at its
    /// `break`s (joined after the loop) and `continue`s (joined at its head).
    loop_exits: Vec<LoopExits>,
}

#[derive(Default)]
struct LoopExits {
    breaks: Option<Env>,
    continues: Option<Env>,
}

/// Joins `env` into what an exit accumulated so far.
fn join_exit(exit: &mut Option<Env>, env: &Env) {
    match exit {
        Some(joined) => joined.join(env),
        None => *exit = Some(env.clone()),
    }
}

pub fn summarize(
    source: &SourceFile,
    root: Node,
    outline: &crate::facts::Outline,
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
        too_deep: std::cell::Cell::new(None),
        path_functions: HashSet::default(),
        atom_ids: HashMap::default(),
        shared_names: HashSet::default(),
        callee_ids: HashMap::default(),
        module_defs: HashSet::default(),
        nested_defs: HashSet::default(),
        nested_names: HashSet::default(),
        local_classes: HashMap::default(),
        globals: Env::default(),
        closure_envs: HashMap::default(),
        regex_constants: HashMap::default(),
        call_by_node: HashMap::default(),
        self_attr_types: HashMap::default(),
        self_attr_vectors: HashMap::default(),
        self_attr_partials: HashMap::default(),
        current_class: None,
        global_bindings: Vec::new(),
        written_globals: HashSet::default(),
        globals_class: crate::names::qualify(module, "<globals>"),
        properties: HashMap::default(),
        reading_methods: HashMap::default(),
        steps: 0,
        loop_exits: Vec::new(),
    };
    interpreter.run(root, outline);
    interpreter.file.too_deep = interpreter.too_deep.get();
    interpreter.file.shrink();
    interpreter.file
}

impl<'a> Interpreter<'a> {
    fn text(&self, node: Node) -> &'a str {
        self.source.node_text(node)
    }

    /// Whether a function gives a `pathlib.Path`: annotated `-> Path`, or
    /// every `return` in it returns one (`return Path(BASE, name)`).
    fn returns_path(&self, function: Node<'a>) -> bool {
        // Most functions never spell a path class: no walk for them.
        if !self.text(function).contains("Path") {
            return false;
        }
        let empty = Env::default();
        if let Some(annotation) = function.child_by_field_name("return_type") {
            return dotted_text(self.source, annotation)
                .or_else(|| dotted_text(self.source, annotation.named_child(0)?))
                .is_some_and(|spelled| is_path_class(&self.resolve_class(&spelled)));
        }
        let Some(body) = function.child_by_field_name("body") else {
            return false;
        };
        let (mut returns, mut all_paths) = (0, true);
        crate::facts::walk_tree_pruned(body, |node| match node.kind() {
            "function_definition" | "lambda" | "class_definition" => false,
            "return_statement" => {
                returns += 1;
                all_paths &= node.named_child(0).is_some_and(|value| {
                    self.value_type_at(value, &empty, 0)
                        .is_some_and(|ty| is_path_class(&ty))
                });
                false
            }
            _ => all_paths,
        });
        returns > 0 && all_paths
    }

    /// Records that `node` is nested too deep to interpret (the first
    /// such place in the file is reported).
    fn note_too_deep(&self, node: Node) {
        let span = Span {
            start: node.start_byte() as u32,
            end: node.end_byte() as u32,
        };
        if self
            .too_deep
            .get()
            .is_none_or(|known| span.start < known.start)
        {
            self.too_deep.set(Some(span));
        }
    }

    fn location(&self, node: Node) -> Location {
        self.source.node_location(node)
    }

    fn span(&self, node: Node) -> Span {
        self.source.node_span(node)
    }

    /// `taint` moved at `at` into what `name` spells (a hop of its
    /// traces); nothing is computed for a clean value.
    fn hop(&mut self, taint: Taint, at: Node<'a>, kind: HopKind, name: Node<'a>) -> Taint {
        if taint.is_clean() {
            return taint;
        }
        let span = self.span(at);
        let spelled = self.text(name);
        let name = self.share(spelled);
        taint.with_hop(span, kind, &name)
    }

    /// The index of a callee in the file's `callees`.
    fn callee_id(&mut self, callee: &Callee) -> CalleeId {
        if let Some(&id) = self.callee_ids.get(callee) {
            return id;
        }
        let id = self.file.callees.len() as CalleeId;
        self.file.callees.push(callee.clone());
        self.callee_ids.insert(callee.clone(), id);
        id
    }

    /// One shared copy of a name per file (callees repeat a lot).
    fn share(&mut self, name: &str) -> std::sync::Arc<str> {
        if let Some(shared) = self.shared_names.get(name) {
            return shared.clone();
        }
        let shared: std::sync::Arc<str> = name.into();
        self.shared_names.insert(shared.clone());
        shared
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

    /// Whether an argument is a literal `False`, `None` or `0` (a switch
    /// given as off: `run_as_root=False`).
    fn is_falsy_literal(&self, node: Node) -> bool {
        matches!(self.text(node), "False" | "None" | "0")
    }

    /// The object of `object.method` when `function` is that attribute.
    fn method_object(&self, function: Node<'a>, method: &str) -> Option<Node<'a>> {
        if function.kind() != "attribute"
            || function
                .child_by_field_name("attribute")
                .is_none_or(|a| self.text(a) != method)
        {
            return None;
        }
        function.child_by_field_name("object")
    }

    /// Whether `call` is `functools.partial(f, ...)`.
    fn is_partial(&self, call: Node<'a>) -> bool {
        call.kind() == "call"
            && call
                .child_by_field_name("function")
                .is_some_and(|f| self.imports.resolve(self.text(f)) == "functools.partial")
    }

    /// The `functools.partial(...)` call that `function` (a name or
    /// `self.<attr>`) was bound to, if known.
    fn partial_of(
        &self,
        function: Node<'a>,
        env: &Env,
        context: &FunctionContext,
    ) -> Option<Node<'a>> {
        match function.kind() {
            "identifier" => self
                .binding(self.text(function), env, context)?
                .partial
                .map(|index| function.node_at(index)),
            "attribute" => {
                let object = function.child_by_field_name("object")?;
                if !self.is_self(object, context) {
                    return None;
                }
                let attr = self.text(function.child_by_field_name("attribute")?);
                *self
                    .self_attr_partials
                    .get(self.current_class.as_deref()?)?
                    .get(attr)?
            }
            _ => None,
        }
    }

    /// What is known of the value `name` holds: its binding in the
    /// function, or at module level when the function does not shadow it.
    fn binding<'s>(
        &'s self,
        name: &str,
        env: &Env,
        context: &'s FunctionContext,
    ) -> Option<&'s Binding> {
        let find = |bindings: &'s [(String, Binding)]| {
            bindings
                .iter()
                .find(|(bound, _)| bound == name)
                .map(|(_, binding)| binding)
        };
        find(&context.bindings).or_else(|| {
            (context.id != 0 && !env.vars.contains_key(name))
                .then(|| find(&self.global_bindings))
                .flatten()
        })
    }

    /// Whether the name of a nested function is used as a value (passed,
    /// returned, stored) in the function that defines it.
    fn escapes_enclosing_function(&self, definition: Node<'a>, name: &str) -> bool {
        let Some(enclosing) = enclosing_function(definition) else {
            return true;
        };
        (enclosing.id() + 1..enclosing.subtree_end()).any(|index| {
            let node = enclosing.node_at(index);
            node.kind() == "identifier" && self.text(node) == name && is_used_as_value(node)
        })
    }

    /// The qualified name of the function `name` defined in the function
    /// `scope` or one enclosing it, as a call in `scope` sees it.
    fn nested_def(&self, name: &str, scope: &str) -> Option<String> {
        if !self.nested_names.contains(name) {
            return None;
        }
        let mut scope = scope;
        loop {
            let candidate = format!("{scope}.{name}");
            if self.nested_defs.contains(&candidate) {
                return Some(candidate);
            }
            scope = &scope[..scope.rfind('.')?];
        }
    }

    /// Whether some function of the module rebinds `name` after `global`.
    fn is_written_global(&self, name: &str) -> bool {
        // Most modules have none: skip hashing the name.
        !self.written_globals.is_empty() && self.written_globals.contains(name)
    }

    fn qualify(&self, name: &str) -> String {
        crate::names::qualify(self.module, name)
    }

    fn run(&mut self, root: Node<'a>, outline: &crate::facts::Outline<'a, '_>) {
        // Every definition, in document order, with its lexical parents;
        // everything else visits only these.
        let definitions = outline.definitions.as_slice();
        let classes = outline.classes.as_slice();
        let assignments = outline.assignments.as_slice();
        // Functions with a function nested in them (whose environment
        // closures read).
        let mut with_nested: HashSet<usize> = HashSet::default();
        for node in definitions {
            if let Some(parent) = enclosing_function(*node) {
                with_nested.insert(parent.id());
                self.nested_defs.insert(qualname_of(self.source, *node));
                if let Some(name) = node.child_by_field_name("name") {
                    self.nested_names.insert(self.text(name).to_string());
                }
            }
        }
        for (_, qualname) in classes {
            // A class nested in nothing is a module-level definition.
            if !qualname.contains('.') {
                self.module_defs.insert(qualname.clone());
            }
            let qualified = self.qualify(qualname);
            self.local_classes.insert(qualname.clone(), qualified);
        }
        for (class, qualname) in classes {
            let qualified = self.qualify(qualname);
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
        self.collect_self_attr_types(assignments);
        for node in definitions {
            if enclosing_scope(*node).is_none()
                && let Some(name) = node.child_by_field_name("name")
            {
                self.module_defs.insert(self.text(name).to_string());
                if self.returns_path(*node) {
                    self.path_functions.insert(self.text(name).to_string());
                }
            }
            let Some(class) = enclosing_scope(*node).filter(|s| s.kind() == "class_definition")
            else {
                continue;
            };
            let Some(name) = node.child_by_field_name("name") else {
                continue;
            };
            let name = self.text(name);
            if decorator_names(self.source, *node, self.imports)
                .iter()
                .any(|d| d == "property" || d.ends_with(".cached_property"))
            {
                let class = self.qualify(&qualname_of(self.source, class));
                self.properties
                    .entry(class)
                    .or_default()
                    .insert(name.to_string());
            } else if self.config.source(name, SourceKind::Method).is_some() {
                let class = self.qualify(&qualname_of(self.source, class));
                self.reading_methods
                    .entry(class)
                    .or_default()
                    .insert(name.to_string());
            }
        }

        // `global X` in a function: what it assigns to `X` reaches every
        // function that reads `X`. Found in the text, which is cheaper than
        // walking every function for the rare statement (a line of a string
        // that looks like one only makes the name untrusted as a constant).
        if self.source.text.contains("global ") {
            for line in self.source.text.lines() {
                let Some(names) = line.trim_start().strip_prefix("global ") else {
                    continue;
                };
                let names = names.split([';', '#']).next().unwrap_or_default();
                for name in names.split(',').map(str::trim) {
                    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        self.written_globals.insert(name.to_string());
                    }
                }
            }
        }

        // A module-level container that functions fill
        // (`_MOUNTS.append(path)`) carries what they put in it, as a global
        // they rebind does.
        for name in mutated_module_containers(self.source, root) {
            self.written_globals.insert(name);
        }

        // Module-level code: a pseudo-function whose variables are the
        // globals every function reads.
        let module_span = self.span(root);
        self.file.functions.push(FunctionSummary {
            qualname: "<module>".to_string(),
            span: module_span,
            is_module: true,
            ..FunctionSummary::default()
        });
        let mut context = FunctionContext::new(0, "<module>".to_string(), Some(root.id()));
        let mut env = Env::default();
        self.exec_block(root, &mut env, &mut context, 0);
        self.globals = env;
        self.global_bindings = context.bindings;

        let mut ids: HashMap<usize, FunctionId> = HashMap::default();
        for &node in definitions {
            let id = self.file.functions.len() as FunctionId;
            ids.insert(node.id(), id);
            let parent = enclosing_function(node).and_then(|p| ids.get(&p.id()).copied());
            self.analyse_function(node, id, parent, with_nested.contains(&node.id()));
        }
    }

    /// Records the class of each `self.<attr>` the methods of this file's
    /// classes store an object of a known class in (see `self_attr_types`).
    fn collect_self_attr_types(&mut self, assignments: &[Node<'a>]) {
        let mut stores: Vec<(String, String, Option<String>)> = Vec::new();
        for &node in assignments {
            let Some(left) = node.child_by_field_name("left") else {
                continue;
            };
            if left.kind() != "attribute"
                || left
                    .child_by_field_name("object")
                    .is_none_or(|o| self.text(o) != "self")
            {
                continue;
            }
            let Some(attr) = left.child_by_field_name("attribute") else {
                continue;
            };
            let Some(class) = enclosing_function(node)
                .and_then(enclosing_scope)
                .filter(|c| c.kind() == "class_definition")
            else {
                continue;
            };
            if let Some(right) = node
                .child_by_field_name("right")
                .filter(|r| matches!(r.kind(), "list" | "tuple" | "binary_operator" | "call"))
            {
                let class = self.qualify(&qualname_of(self.source, class));
                let attr = self.text(attr).to_string();
                // Stored more than once: no one partial is known.
                let partial = self.is_partial(right).then_some(right);
                self.self_attr_partials
                    .entry(class.clone())
                    .or_default()
                    .entry(attr.clone())
                    .and_modify(|known| *known = None)
                    .or_insert(partial);
                self.self_attr_vectors
                    .entry(class)
                    .or_default()
                    .entry(attr)
                    .or_default()
                    .push(right);
            }
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
            // `self.base = Path(CONF.base).resolve()`: still a path.
            let path = || {
                let ty = self.value_type(node.child_by_field_name("right")?, &Env::default())?;
                match ty.as_str() {
                    "resolved-path" => Some("pathlib.Path".to_string()),
                    _ => is_path_class(&ty).then_some(ty),
                }
            };
            let Some(ty) = annotated.or(constructed).or_else(path) else {
                // `self.client = None` and other untyped stores do not
                // contradict a type.
                continue;
            };
            let class = self.qualify(&qualname_of(self.source, class));
            stores.push((class, self.text(attr).to_string(), Some(ty)));
        }
        for (class, attr, ty) in stores {
            self.self_attr_types
                .entry(class)
                .or_default()
                .entry(attr)
                .and_modify(|known| {
                    if *known != ty {
                        *known = None;
                    }
                })
                .or_insert(ty);
        }
    }

    fn analyse_function(
        &mut self,
        node: Node<'a>,
        id: FunctionId,
        parent: Option<FunctionId>,
        has_nested: bool,
    ) {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
            .unwrap_or_default();
        let qualname = qualname_of(self.source, node);
        let class_node = enclosing_scope(node).filter(|s| s.kind() == "class_definition");
        let class = class_node.map(|c| self.qualify(&qualname_of(self.source, c)));
        let decorators = decorator_names(self.source, node, self.imports);
        let is_static = decorators.iter().any(|d| d == "staticmethod");
        let classmethod = class.is_some() && decorators.iter().any(|d| d == "classmethod");
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
                    let name = self.text(ident);
                    params.push(ParamInfo {
                        name: self.share(name),
                        span: self.span(ident),
                        variadic: kind == "list_splat_pattern",
                        keywords: kind == "dictionary_splat_pattern",
                    });
                }
            }
        }
        self.current_class = class.clone();
        let first_data_param = u16::from(class.is_some() && !is_static && !params.is_empty());
        let self_name = (first_data_param == 1).then(|| params[0].name.to_string());
        // A function nested in another is called only there, unless it is
        // handed out (a callback, a return value): then like a private one.
        let private = is_private_name(&name)
            || (parent.is_some() && !self.escapes_enclosing_function(node, &name));
        let shared_class = class.as_deref().map(|class| self.share(class));
        let is_method = class.is_some();
        self.file.functions.push(FunctionSummary {
            qualname: qualname.clone(),
            class: shared_class,
            params: params.clone(),
            first_data_param,
            classmethod,
            span: self.span(node.child_by_field_name("name").unwrap_or(node)),
            private,
            parent,
            privileged: entry_point,
            // What the body returns, stores and checks is filled in below.
            ..FunctionSummary::default()
        });

        let mut env = match parent.and_then(|p| self.closure_envs.get(&p)) {
            Some(closure) => closure.clone(),
            None => Env::default(),
        };
        for (index, param) in params.iter().enumerate() {
            env.normalised.remove(&*param.name);
            env.types.remove(&*param.name);
            if index < first_data_param as usize {
                env.vars.remove(&*param.name);
                continue;
            }
            if self.config.is_trusted_name(&param.name) {
                env.vars.insert(Var::from(&*param.name), Taint::default());
                continue;
            }
            let atom = self.intern(Atom::Param {
                function: id,
                index: index as u16,
            });
            env.vars.insert(Var::from(&*param.name), Taint::atom(atom));
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
                        .insert(self.text(ident).into(), self.resolve_class(&spelled));
                }
            }
        }
        // A function nested in a method sees the method's `self` (a
        // `@synchronized` closure calling `self._helper(...)`), unless one
        // of its own parameters has the same name.
        let (class, self_name) = match (class, parent) {
            (None, Some(parent)) => {
                let method = &self.file.functions[parent as usize];
                let outer_self = (method.first_data_param == 1)
                    .then(|| method.params.first())
                    .flatten()
                    .map(|param| param.name.to_string())
                    .filter(|name| params.iter().all(|param| *param.name != **name));
                match (&method.class, outer_self) {
                    (Some(class), Some(name)) => (Some(class.to_string()), Some(name)),
                    _ => (None, None),
                }
            }
            (class, _) => (class, self_name),
        };
        let mut context = FunctionContext {
            class,
            self_name,
            privileged,
            params: params.iter().map(|p| p.name.to_string()).collect(),
            ..FunctionContext::new(
                id,
                qualname,
                node.child_by_field_name("body").map(|b| b.id()),
            )
        };
        self.steps = 0;
        if let Some(body) = node.child_by_field_name("body") {
            self.exec_block(body, &mut env, &mut context, 0);
        }
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
        self.file.functions[id as usize].returns_shell_command =
            context.returns_shell == Some(true);
        if let Some(Some(program)) = &context.returned_program {
            let base = program.rsplit('/').next().unwrap_or(program);
            if self.config.privileged_programs.iter().any(|p| p == base) {
                self.file.functions[id as usize].returns_privileged_command =
                    Some(base.to_string());
            }
        }
        self.file.functions[id as usize].stub = is_method
            && node
                .child_by_field_name("body")
                .is_some_and(|body| self.is_stub_body(body));
        // Falling off the end returns `None` without a check.
        if let Some(rejects) = context.rejects.filter(|v| !v.is_empty())
            && node
                .child_by_field_name("body")
                .is_some_and(|body| ends_with(body, &["return_statement", "raise_statement"]))
        {
            self.file.functions[id as usize].rejects = rejects;
        }
    }

    fn resolve_class(&self, spelled: &str) -> String {
        match self.local_classes.get(spelled) {
            Some(qualified) => qualified.clone(),
            None => self.imports.resolve(spelled).into_owned(),
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

impl Interpreter<'_> {
    /// Whether a function body does nothing of its own: only a docstring,
    /// `pass`, `...` or `raise NotImplementedError`.
    fn is_stub_body(&self, body: Node) -> bool {
        let mut cursor = body.walk();
        body.named_children(&mut cursor)
            .all(|statement| match statement.kind() {
                "comment" | "pass_statement" => true,
                "expression_statement" => statement
                    .named_child(0)
                    .is_some_and(|e| matches!(e.kind(), "string" | "ellipsis")),
                "raise_statement" => statement.named_child(0).is_some_and(|raised| {
                    let class = match raised.kind() {
                        "call" => raised.child_by_field_name("function"),
                        _ => Some(raised),
                    };
                    class.is_some_and(|c| self.text(c) == "NotImplementedError")
                }),
                _ => false,
            })
    }
}

/// Whether a block's last statement is a `raise`.
fn ends_with_raise(block: Node) -> bool {
    ends_with(block, &["raise_statement"])
}

/// Whether the last statement of a block is of one of these kinds.
fn ends_with(block: Node, kinds: &[&str]) -> bool {
    let mut cursor = block.walk();
    block
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .last()
        .is_some_and(|last| kinds.contains(&last.kind()))
}

/// The conditions `node` runs under in its function, innermost first: the
/// test of each `if`/`elif`/`while`/conditional expression around it, or
/// `None` for a loop, `case` or `try` that may or may not run it.
fn enclosing_conditions(node: Node) -> Vec<Option<Node>> {
    let mut conditions = Vec::new();
    let mut current = node.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            "function_definition" | "lambda" | "class_definition" => break,
            "if_statement" | "elif_clause" | "while_statement" | "conditional_expression" => {
                conditions.push(
                    ancestor
                        .child_by_field_name("condition")
                        .or_else(|| ancestor.named_child(1)),
                );
            }
            "for_statement" | "case_clause" | "try_statement" | "except_clause" => {
                conditions.push(None);
            }
            _ => {}
        }
        current = ancestor.parent();
    }
    conditions
}

fn apply_facts(env: &mut Env, facts: &Facts) {
    for (name, mask) in &facts.sanitized {
        if let Some(taint) = env.vars.get_mut(name.as_str()) {
            *taint = std::mem::take(taint).sanitize(*mask);
            continue;
        }
        // `volume['fs']`: from now on it reads as its variable, sanitized.
        let base = path_base(name);
        if base.len() < name.len() && base != "self" {
            let taint = match env.paths.get(name.as_str()) {
                Some(taint) => taint.clone(),
                None => match env.vars.get(base) {
                    Some(taint) => taint.clone(),
                    None => continue,
                },
            };
            env.paths
                .insert(name.as_str().into(), taint.sanitize(*mask));
        }
    }
    for (name, guard) in &facts.guarded {
        if let Some(taint) = env.vars.get_mut(name.as_str()) {
            *taint = std::mem::take(taint).with_guard(*guard);
        }
    }
    for name in &facts.argv_safe {
        if let Some(taint) = env.vars.get_mut(name.as_str()) {
            *taint = std::mem::take(taint).argv_safe();
        }
    }
    for (name, normalised) in &facts.contained {
        if *normalised && let Some(taint) = env.vars.get_mut(name.as_str()) {
            *taint = std::mem::take(taint).sanitize(RuleMask::PATH);
        }
    }
}

/// The variable an access path starts from (`volume` of `volume['fs']`);
/// a plain name is its own.
fn path_base(path: &str) -> &str {
    path.find(['[', '.']).map_or(path, |end| &path[..end])
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

/// The functions that normalise a path (resolve `..` and, for
/// `realpath`, symlinks): what a containment check must test.
fn is_path_normaliser(name: &str) -> bool {
    matches!(
        name,
        "os.path.realpath" | "os.path.abspath" | "os.path.normpath"
    )
}

/// A conversion of a path object to its string (`str(p)`, `os.fspath(p)`).
fn is_path_to_string(name: &str) -> bool {
    matches!(name, "str" | "os.fspath")
}

fn is_path_class(name: &str) -> bool {
    matches!(
        name,
        "pathlib.Path" | "pathlib.PosixPath" | "pathlib.PurePath" | "pathlib.PurePosixPath"
    ) || name == "resolved-path"
}

/// The module-level names bound to an empty or literal container (`[]`,
/// `{}`, `set()`, `collections.defaultdict(list)`) that the text mutates
/// somewhere (`NAME.append(`, `NAME[key] = `, ...). A text search, one
/// pass per pattern: a mention in a string only makes the name untrusted
/// as a constant.
fn mutated_module_containers(source: &SourceFile, root: Node) -> Vec<String> {
    const MUTATORS: &[&str] = &[
        ".append(",
        ".extend(",
        ".insert(",
        ".add(",
        ".update(",
        ".setdefault(",
    ];
    let containers: Vec<&str> = crate::facts::module_assignments(root)
        .into_iter()
        .filter(|(_, right)| match right.kind() {
            "list" | "dictionary" | "set" => true,
            "call" => right
                .child_by_field_name("function")
                .map(|function| source.node_text(function))
                .is_some_and(|function| {
                    matches!(
                        last_segment(function),
                        "list" | "dict" | "set" | "defaultdict" | "OrderedDict"
                    )
                }),
            _ => false,
        })
        .map(|(left, _)| source.node_text(left))
        .collect();
    if containers.is_empty() {
        return Vec::new();
    }
    let text = &source.text;
    // The identifier that ends right before byte `end`.
    let name_before = |end: usize| {
        let start = text[..end]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |at| at + 1);
        &text[start..end]
    };
    // One pass over the text for every pattern at once.
    static PATTERNS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        aho_corasick::AhoCorasick::new(MUTATORS.iter().chain(&["] ="]))
            .expect("fixed patterns build")
    });
    let mut mutated: HashSet<&str> = HashSet::default();
    for found in patterns.find_iter(&**text) {
        let at = found.start();
        if found.pattern().as_usize() < MUTATORS.len() {
            mutated.insert(name_before(at));
            continue;
        }
        // `NAME[key] = value` (not `==`): the name the line starts with.
        if text[found.end()..].starts_with('=') {
            continue;
        }
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let line = text[line_start..at].trim_start();
        if let Some(bracket) = line.find('[') {
            mutated.insert(&line[..bracket]);
        }
    }
    containers
        .into_iter()
        .filter(|name| mutated.contains(name))
        .map(str::to_string)
        .collect()
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
pub fn dotted_text<'s>(source: &'s SourceFile, node: Node) -> Option<std::borrow::Cow<'s, str>> {
    // Most dotted names are spelled without spaces, comments or line
    // breaks between their parts: then the text is the name.
    if matches!(node.kind(), "identifier" | "attribute") {
        let text = source.node_text(node);
        let dots = text.bytes().filter(|&b| b == b'.').count();
        if dots < MAX_DOTTED_SEGMENTS
            && !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            return Some(std::borrow::Cow::Borrowed(text));
        }
    }
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
    Some(std::borrow::Cow::Owned(parts.join(".")))
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
            names.push(imports.resolve(&dotted).into_owned());
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

/// `subprocess.Popen`, however the import spelled it.
fn is_popen(class: &str) -> bool {
    class == "subprocess.Popen" || class.ends_with(".subprocess.Popen")
}

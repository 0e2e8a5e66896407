//! The compact, tree-free result of analysing one file's functions: taint
//! expressed over symbolic atoms, resolved across files by `taint::solve`.

use std::sync::Arc;

use thin_vec::{ThinVec, thin_vec};

use crate::finding::Location;
pub use crate::parse::Span;
use crate::rules::RuleMask;
use crate::rules::data::SinkKind;

pub type AtomId = u32;
pub type CallId = u32;
pub type FunctionId = u32;
pub type CalleeId = u32;

/// Where a tainted value ultimately comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Atom {
    /// A known external input (`sys.argv`, `input()`, `.read()`, ...).
    /// Boxed, like `SelfAttr`: the common atoms (parameters, call
    /// results) then take 16 bytes, not 64.
    Source(Box<SourceAtom>),
    /// A parameter of a function of this file.
    Param { function: FunctionId, index: u16 },
    /// The value returned by a call that may enter the scanned sources.
    CallResult { call: CallId },
    /// Element `index` of the tuple a call returns, unpacked at the call
    /// (`name, conf = self._get_config()`), when the callee always returns
    /// a tuple display; otherwise the same as `CallResult`.
    CallElement { call: CallId, index: u16 },
    /// `self.<attr>` of `class` (flow-insensitive across the class's methods).
    SelfAttr(Box<SelfAttrAtom>),
    /// The taint of the object of `v.attr`, `v` of a class of the scanned
    /// sources (`FileTaint::object_reads[index]`): it counts only when no
    /// method of the class stores `self.attr`. When one does, the
    /// attribute is the class's own and its taint is the `SelfAttr` atom
    /// beside this one (a constant set in `__init__` stays clean however
    /// tainted the constructor's arguments were).
    ObjectOfRead { index: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SourceAtom {
    pub description: String,
    pub span: Span,
}

/// `v.attr` read on an object `v` of a scanned class, with the taint `v`
/// itself carries (from the arguments it was built with).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectRead {
    /// The `SelfAttr` atom of the class and attribute read (interned once
    /// per file, where a name per read would be repeated thousands of
    /// times).
    pub attr: AtomId,
    pub object: Taint,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SelfAttrAtom {
    pub class: String,
    pub attr: String,
}

/// One step of a flow inside a function, newest first.
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hop {
    pub span: Span,
    pub kind: HopKind,
    /// What the value went into, as spelled (shared within the file).
    #[serde(with = "crate::cache::shared_name")]
    pub name: Arc<str>,
    pub previous: Option<Arc<Hop>>,
    pub depth: u16,
}

impl Hop {
    pub fn message(&self) -> String {
        self.kind.describe(&self.name)
    }
}

/// How a value moved at a hop; the message is made only for traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HopKind {
    AssignedTo,
    StoredIn,
    IteratedInto,
    BoundByWith,
    AppendedTo,
    AddedTo,
}

impl HopKind {
    pub fn describe(self, name: &str) -> String {
        match self {
            HopKind::AssignedTo => format!("assigned to `{name}`"),
            HopKind::StoredIn => format!("stored in `{name}`"),
            HopKind::IteratedInto => format!("iterated into `{name}`"),
            HopKind::BoundByWith => format!("bound by `with` to `{name}`"),
            HopKind::AppendedTo => format!("appended to `{name}`"),
            HopKind::AddedTo => format!("added to `{name}`"),
        }
    }
}

/// Longest hop chain kept per entry: enough for any trace a reviewer
/// reads, and a bound on work in loops.
const MAX_HOPS: u16 = 12;

/// A check by a helper of the scanned sources that the value passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Guard {
    pub call: CallId,
    /// The value was passed as this (0-based, positional) argument.
    pub argument: u16,
    /// `helper(x)` returned normally (the helper raises on bad values), as
    /// opposed to `if helper(x):` being true (the helper returns a check).
    pub raising: bool,
    /// `if not helper(x):` / `if helper(x): raise`: the helper returned
    /// falsy (it returns true for bad values: `is_bad_type(t)`).
    pub falsy: bool,
    /// The argument was a normalised path at the call (so the helper's
    /// containment checks, `RuleMask::CONTAINED`, hold for it).
    pub normalised: bool,
    /// Set on a sink's copy of the value: it is an element of the argument
    /// vector of a command run without a shell (so the helper's
    /// `RuleMask::ARGV_SAFE` holds for it).
    pub in_argv: bool,
}

/// One atom flowing into a value, with the rules it is still dangerous for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub atom: AtomId,
    pub mask: RuleMask,
    pub hops: Option<Arc<Hop>>,
    /// Calls to helpers in the scanned sources that validated this value;
    /// the taint is cleared for the rules those helpers' checks cover.
    pub guards: ThinVec<Guard>,
    /// The value matched a `$`-anchored pattern (`re.match(r'^[a-z]+$',
    /// x)`), which lets a trailing newline through: harmless in one
    /// element of an argument vector, not in a shell string. A command
    /// sink that runs no shell drops MG001 for it.
    pub argv_safe: bool,
}

/// A value's taint: the atoms flowing into it, one entry per atom. A
/// `ThinVec` (one pointer, no allocation when clean): call arguments and
/// returns are mostly clean or carry a single entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Taint {
    pub entries: ThinVec<Entry>,
}

impl Taint {
    pub fn atom(atom: AtomId) -> Taint {
        Taint {
            entries: thin_vec![Entry {
                atom,
                mask: RuleMask::ALL,
                hops: None,
                guards: ThinVec::new(),
                argv_safe: false,
            }],
        }
    }

    pub fn is_clean(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops the spare capacity of a taint that is kept in the facts
    /// (entries are pushed one by one while interpreting).
    pub fn shrink(&mut self) {
        self.entries.shrink_to_fit();
        for entry in &mut self.entries {
            entry.guards.shrink_to_fit();
        }
    }

    /// Adds the entries of `other`; on a shared atom the masks are united,
    /// the shorter trace kept and guards kept only where both were guarded.
    pub fn union_with(&mut self, other: &Taint) {
        for entry in &other.entries {
            match self.entries.iter_mut().find(|e| e.atom == entry.atom) {
                Some(existing) => {
                    existing.mask = existing.mask.union(entry.mask);
                    if hop_depth(&entry.hops) < hop_depth(&existing.hops) {
                        existing.hops = entry.hops.clone();
                    }
                    if existing.guards != entry.guards {
                        existing.guards.retain(|g| entry.guards.contains(g));
                    }
                    existing.argv_safe &= entry.argv_safe;
                }
                None => self.entries.push(entry.clone()),
            }
        }
    }

    pub fn union(mut self, other: &Taint) -> Taint {
        self.union_with(other);
        self
    }

    /// Clears the rules in `mask` (a sanitizer) and drops dead entries.
    pub fn sanitize(mut self, mask: RuleMask) -> Taint {
        for entry in &mut self.entries {
            entry.mask = entry.mask.without(mask);
        }
        self.entries.retain(|e| !e.mask.is_empty());
        self
    }

    /// Records that the value passed through `location` (an assignment, a
    /// container mutation, ...).
    pub fn with_hop(mut self, span: Span, kind: HopKind, name: &Arc<str>) -> Taint {
        for entry in &mut self.entries {
            let depth = hop_depth(&entry.hops);
            if depth >= MAX_HOPS {
                continue;
            }
            if let Some(last) = &entry.hops
                && last.span == span
            {
                continue;
            }
            entry.hops = Some(Arc::new(Hop {
                span,
                kind,
                name: name.clone(),
                previous: entry.hops.take(),
                depth: depth + 1,
            }));
        }
        self
    }

    /// Marks every entry as matched by a `$`-anchored pattern.
    pub fn argv_safe(mut self) -> Taint {
        for entry in &mut self.entries {
            entry.argv_safe = true;
        }
        self
    }

    pub fn with_guard(mut self, guard: Guard) -> Taint {
        for entry in &mut self.entries {
            if !entry.guards.contains(&guard) {
                entry.guards.push(guard);
            }
        }
        self
    }
}

fn hop_depth(hops: &Option<Arc<Hop>>) -> u16 {
    hops.as_ref().map_or(0, |h| h.depth)
}

/// What a call refers to, as far as one file can tell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
/// The names are shared within a file (`Interpreter::share`): a file
/// calls the same few names over and over.
pub enum Callee {
    /// A dotted qualified name resolved through the imports
    /// (`nova.utils.execute`, `pkg.mod.helper`, `pkg.mod.Class`).
    Name(#[serde(with = "crate::cache::shared_name")] Arc<str>),
    /// A method called on `self`/`cls` inside `class`.
    SelfMethod {
        #[serde(with = "crate::cache::shared_name")]
        class: Arc<str>,
        #[serde(with = "crate::cache::shared_name")]
        name: Arc<str>,
    },
    /// `super().name(...)` inside `class`.
    Super {
        #[serde(with = "crate::cache::shared_name")]
        class: Arc<str>,
        #[serde(with = "crate::cache::shared_name")]
        name: Arc<str>,
    },
    /// A method of an object whose class is known.
    Method {
        #[serde(with = "crate::cache::shared_name")]
        class: Arc<str>,
        #[serde(with = "crate::cache::shared_name")]
        name: Arc<str>,
    },
    /// A method of an object of unknown type.
    UnknownMethod {
        #[serde(with = "crate::cache::shared_name")]
        name: Arc<str>,
    },
}

impl Callee {
    pub fn method_name(&self) -> &str {
        match self {
            Callee::Name(name) => crate::names::last_segment(name),
            Callee::SelfMethod { name, .. }
            | Callee::Super { name, .. }
            | Callee::Method { name, .. }
            | Callee::UnknownMethod { name } => name,
        }
    }
}

/// A call whose callee may be in the scanned sources.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CallSite {
    pub caller: FunctionId,
    /// Index into the file's `callees` (a file calls the same few names
    /// over and over; each is kept and resolved once).
    pub callee: CalleeId,
    pub span: Span,
    pub receiver: Option<Taint>,
    pub args: Box<[Taint]>,
    pub keywords: Box<[Keyword]>,
    /// `*args` / `**kwargs` passed: may reach any parameter.
    pub splat: Option<Taint>,
    /// Whether the call binds the receiver as the first parameter (a call
    /// on an instance), so argument 0 is parameter 1.
    pub bound: bool,
    /// A method named like a command callable (`self._parent._run(...)`)
    /// on an object of unknown type: when it resolves to nothing, its
    /// arguments are taken to be run as a command.
    pub forwards_command: bool,
    /// The call matches a command sink (recorded in `sinks` only when it
    /// carries taint): a constant-only call of a wrapper is a sink call
    /// too.
    pub runs_command: bool,
    /// Positional arguments (0-based, as bits; from 64 on not recorded)
    /// given as a literal `False`, `None` or `0`.
    pub falsy_positions: u64,
    /// Positional arguments (as `falsy_positions`) whose value is known to
    /// be a `pathlib.Path`: they type a parameter the callee leaves
    /// unannotated (`SinkUse::path_param`).
    pub path_positions: u64,
    /// Positional arguments (as `falsy_positions`) that are trusted
    /// constants: an allow-list a helper checks against
    /// (`RuleMask::IN_PARAMS`).
    pub constant_positions: u64,
    /// The keywords the call gives that its callee's `**kwargs` may carry
    /// on to a command (rare: boxed, so other calls pay one pointer).
    pub gives: Option<Box<GivenKeywords>>,
    /// The call passes on its function's own `**kwargs`.
    pub forwards_keywords: bool,
}

/// Keywords a call gives, as spelled, that decide how the commands of the
/// callee run when it passes its `**kwargs` on.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct GivenKeywords {
    /// The privileged keyword (`run_as_root=True`): they run as root.
    pub root: Option<String>,
    /// `shell=True`: they run through a shell.
    pub shell: Option<String>,
}

impl CallSite {
    pub fn gives_root(&self) -> Option<&str> {
        self.gives.as_ref()?.root.as_deref()
    }

    pub fn gives_shell(&self) -> Option<&str> {
        self.gives.as_ref()?.shell.as_deref()
    }
}

/// A keyword argument of a call site.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Keyword {
    #[serde(with = "crate::cache::shared_name")]
    pub name: Arc<str>,
    pub value: Taint,
    /// Given as a literal `False`, `None` or `0`.
    pub falsy: bool,
    /// Given a `pathlib.Path` (see `CallSite::path_positions`).
    pub path: bool,
}

/// A call that consumes data for a taint rule.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SinkUse {
    pub function: FunctionId,
    pub rule: RuleMask,
    pub kind: SinkKind,
    pub location: Location,
    /// The sink as spelled (`utils.execute`).
    pub spelled: String,
    /// The callee, to find its implementation in the scanned sources.
    pub callee: Callee,
    /// The call site recorded for the same call, when it may enter the
    /// scanned sources.
    pub call: Option<CallId>,
    /// The taint of the data positions only (command, path).
    pub data: Taint,
    /// Run by a shell: `shell=True`, `os.system`, the argument of `sh -c`.
    pub shell: bool,
    /// Why the command runs privileged, when it does.
    pub privileged: Option<String>,
    /// For path sinks: the operation writes, deletes, moves or links.
    pub destructive: bool,
    /// Matched by a method name (`self._execute(...)`), not by what a
    /// qualified name resolves to: when the method is defined in the
    /// scanned sources, its implementation decides whether and how the
    /// arguments are run (see `Solution::implementation`).
    pub by_method_name: bool,
    /// Privileged only through a parameter (`run_as_root=as_root`): the
    /// sink is reported as privileged, but callers of its function are
    /// not taken to run as root (the default may well be `False`).
    pub privileged_by_parameter: bool,
    /// That parameter (`as_root` in `run_as_root=as_root`).
    pub privilege_param: Option<u16>,
    /// The keyword of the call that makes it privileged (`run_as_root`),
    /// when one does: a scanned implementation may take it out.
    pub privileged_by_keyword: Option<Box<str>>,
    /// The call passes on its function's own `**kwargs` (and names no
    /// privileged keyword itself): privileged when a caller of the function
    /// gives one (`Solution::root_from_callers`).
    pub forwards_keywords: bool,
    /// The call passes on its function's own `**kwargs` and says nothing of
    /// `shell` itself: run by a shell when a caller of the function gives
    /// `shell=True` (`Solution::shell_from_callers`).
    pub forwards_shell: bool,
    /// The command vector is what a call returns (`run(_rm_cmd(path))`):
    /// privileged when that function returns one run through `sudo`.
    pub argv_call: Option<CallId>,
    /// Only a sink while its implementation is not scanned.
    pub unscanned_only: bool,
    /// A `pathlib.Path` method called on this parameter of the sink's own
    /// function, whose type nothing in the function says (`lock.unlink()`
    /// in `def _forget(lock)`): a sink only when a scanned call passes a
    /// `Path` there (`Solution::given_a_path`).
    pub path_param: Option<u16>,
    pub snippet: String,
    pub context: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParamInfo {
    #[serde(with = "crate::cache::shared_name")]
    pub name: Arc<str>,
    pub span: Span,
    /// `*args`: receives every positional argument from its position on.
    pub variadic: bool,
    /// `**kwargs`: receives every keyword argument not named otherwise.
    pub keywords: bool,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FunctionSummary {
    /// Qualified name within the module (`MountManager.umount`), `<module>`
    /// for module-level code.
    pub qualname: String,
    /// Qualified class name (module included) for methods.
    pub class: Option<Arc<str>>,
    pub params: Vec<ParamInfo>,
    /// Index of the first parameter that carries data (1 for methods, whose
    /// parameter 0 is `self`/`cls`).
    pub first_data_param: u16,
    /// A `@classmethod`: called through its class (`Volume.create(x)`),
    /// the class is bound to parameter 0 as on an instance.
    pub classmethod: bool,
    pub span: Span,
    /// `_name` (not a dunder): its parameters may take their taint from
    /// its call sites instead of being sources.
    pub private: bool,
    pub is_module: bool,
    pub returns: Taint,
    /// Per element, when every `return` returns a tuple display of the
    /// same length (`return name, config`): what each element carries.
    pub return_elements: Option<Vec<Taint>>,
    /// Some `return` (or `yield`) is not a tuple display of that length.
    pub mixed_returns: bool,
    pub self_stores: Vec<SelfStore>,
    /// Parameters this function validates: it returns true only for values
    /// that pass a sanitizing check (for the rules in the mask).
    pub validates: Vec<(u16, RuleMask)>,
    /// Parameters this function rejects: it returns false only for values
    /// that pass a sanitizing check (`return t not in ALLOWED`).
    pub rejects: Vec<(u16, RuleMask)>,
    /// Parameters this function asserts: it raises unless they pass a
    /// sanitizing check.
    pub asserts: Vec<(u16, RuleMask)>,
    /// Lexically enclosing function, for closures.
    pub parent: Option<FunctionId>,
    /// The oslo.privsep entry point decorator, when the function is one:
    /// everything it calls runs in the privileged daemon.
    pub privileged: Option<String>,
    /// Keywords it takes out of its `**kwargs` (`kwargs.pop('run_as_root')`,
    /// `del kwargs['shell']`) before passing them on.
    pub drops_keywords: thin_vec::ThinVec<String>,
    /// Every `return` gives a command vector run through this privileged
    /// program (`return ['sudo', 'rm', path]`).
    pub returns_privileged_command: Option<String>,
    /// Every `return` gives a command vector run through `sh -c` (`return
    /// ['sh', '-c', script]`): what it carries is a shell script.
    pub returns_shell_command: bool,
    /// A method with no body of its own (`raise NotImplementedError`,
    /// `pass`, `...`, a docstring): a call of it runs an override, and
    /// returns what the overrides in subclasses return.
    pub stub: bool,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SelfStore {
    pub class: String,
    pub attr: String,
    pub taint: Taint,
    pub span: Span,
}

/// Everything the taint engine keeps of one file.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileTaint {
    pub atoms: Vec<Atom>,
    /// The distinct callees of the file's call sites.
    pub callees: Vec<Callee>,
    pub calls: Vec<CallSite>,
    pub sinks: Vec<SinkUse>,
    pub functions: Vec<FunctionSummary>,
    /// Private names used other than by calling them on an object of
    /// unknown class (`driver._cleanup` passed on): every method of that
    /// name is public.
    pub escaping_names: Vec<String>,
    /// Private functions used by their name other than by calling them
    /// (`atexit.register(_cleanup)`), qualified as the name resolves in the
    /// file: such a function is public.
    pub escaping_functions: Vec<String>,
    /// Private methods used as values through `self` (`self._run_ssh`
    /// passed as a callback): module-qualified class and method name. Only
    /// the method that name resolves to in that class becomes public.
    pub escaping_methods: Vec<(String, String)>,
    /// Classes of the file with their bases as spelled through the imports.
    pub classes: Vec<ClassInfo>,
    /// The objects behind `Atom::ObjectOfRead` atoms.
    #[serde(default)]
    pub object_reads: Vec<ObjectRead>,
    /// The first code nested too deep to interpret (`MAX_DEPTH`): only the
    /// names it reads are followed, not the calls in it.
    #[serde(default)]
    pub too_deep: Option<Span>,
}

impl FunctionSummary {
    /// The function's own name: the last part of its qualified name.
    pub fn name(&self) -> &str {
        crate::names::last_segment(&self.qualname)
    }
}

impl FileTaint {
    /// The atoms a value may take its taint from: its own, and those of
    /// the objects behind its `ObjectOfRead` atoms.
    pub fn atoms_within<'a>(&'a self, taint: &'a Taint) -> impl Iterator<Item = &'a Atom> + 'a {
        let mut pending: Vec<&'a Entry> = taint.entries.iter().collect();
        std::iter::from_fn(move || {
            let entry = pending.pop()?;
            let atom = &self.atoms[entry.atom as usize];
            if let Atom::ObjectOfRead { index } = atom {
                pending.extend(self.object_reads[*index as usize].object.entries.iter());
            }
            Some(atom)
        })
    }

    /// Drops spare capacity everywhere: the facts of every file stay in
    /// memory until the run ends, and growth by doubling leaves up to half
    /// of each vector unused.
    pub fn shrink(&mut self) {
        self.atoms.shrink_to_fit();
        self.object_reads.shrink_to_fit();
        for read in &mut self.object_reads {
            read.object.shrink();
        }
        self.callees.shrink_to_fit();
        self.calls.shrink_to_fit();
        for call in &mut self.calls {
            call.receiver.iter_mut().for_each(Taint::shrink);
            call.args.iter_mut().for_each(Taint::shrink);
            call.keywords
                .iter_mut()
                .for_each(|keyword| keyword.value.shrink());
            call.splat.iter_mut().for_each(Taint::shrink);
        }
        self.sinks.shrink_to_fit();
        for sink in &mut self.sinks {
            sink.data.shrink();
        }
        self.functions.shrink_to_fit();
        for function in &mut self.functions {
            function.params.shrink_to_fit();
            function.returns.shrink();
            if let Some(elements) = &mut function.return_elements {
                elements.shrink_to_fit();
                elements.iter_mut().for_each(Taint::shrink);
            }
            function.self_stores.shrink_to_fit();
            for store in &mut function.self_stores {
                store.taint.shrink();
            }
            function.validates.shrink_to_fit();
            function.asserts.shrink_to_fit();
        }
        self.escaping_names.shrink_to_fit();
        self.escaping_functions.shrink_to_fit();
        self.escaping_methods.shrink_to_fit();
        self.classes.shrink_to_fit();
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClassInfo {
    /// Module-qualified name (`pkg.mod.Outer.Inner`).
    pub qualified: String,
    /// Base classes, resolved through the file's imports.
    pub bases: Vec<String>,
}
